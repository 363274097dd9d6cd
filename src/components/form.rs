//! Form fields and messages. Every field has a real `<label>`, and its error is tied to it with
//! `aria-describedby`, so screen readers (and the end-to-end tests) find both by name.

use crate::auth::validate::PasswordPolicy;
use crate::error::{AppError, Field};
use crate::i18n::language;
use crate::t;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The error a page was loaded with: a form posted without JavaScript is sent back to its page
/// with `?error=code` (and `retry_after` for a rate limit). Read on the server, where the page
/// is rendered, and handed to the form's island.
pub fn query_error() -> Option<AppError> {
    let query = use_query_map();
    let query = query.read_untracked();
    let error = AppError::from_code(&query.get("error")?)?;
    Some(error.with_retry_after(query.get("retry_after").as_deref()))
}

/// A query parameter's value, or an empty string (read on the server, like [`query_error`]).
///
/// Both are for page components only: an island has no router in the browser, so it gets these
/// values from the page (as props, or as the sign-in form does, see `pages::sign_in`).
pub fn query_value(name: &str) -> String {
    use_query_map().read_untracked().get(name).unwrap_or_default()
}

/// The error to show for a form: the action's last answer (JavaScript on), or the one the page
/// was loaded with ([`query_error`]) until the form is sent again.
pub fn use_form_error<T>(
    value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
    loaded_with: Option<AppError>,
) -> Memo<Option<AppError>> {
    Memo::new(move |_| match value() {
        Some(Ok(_)) => None,
        Some(Err(e)) => Some(e),
        None => loaded_with.clone(),
    })
}

/// The message of `error` if it belongs to `field`.
pub fn field_error(error: Memo<Option<AppError>>, field: Field) -> Signal<Option<String>> {
    let lang = language();
    Signal::derive(move || {
        error
            .get()
            .filter(|e| e.field() == Some(field))
            .map(|e| e.message(lang))
    })
}

/// The message of `error` if it belongs to no field (shown above the form).
pub fn banner_error(error: Memo<Option<AppError>>) -> Signal<Option<String>> {
    let lang = language();
    Signal::derive(move || error.get().filter(|e| e.field().is_none()).map(|e| e.message(lang)))
}

#[component]
pub fn TextField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    /// The element id, when the name is not a good one (`attributes[given_name]`).
    #[prop(into, optional)]
    id: Option<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(into, optional)] value: Signal<String>,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
    // `into` + `None`: a caller passes a value or an `Option` of one, with no branch of views
    // (an `into_any()` per branch costs a whole type-erased view in the wasm).
    #[prop(into, default = None)] hint: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(into, default = None)] on_input: Option<Callback<String>>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| name.clone());
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id
                name=name
                type=kind
                value=move || value.get()
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
                on:input=move |ev| {
                    if let Some(cb) = on_input {
                        cb.run(event_target_value(&ev));
                    }
                }
            />
            <FieldError id=error_id error/>
        </div>
    }
}

/// The e-mail field every form of the scenario starts with (it is the Cognito username).
#[component]
pub fn EmailField(
    #[prop(into)] value: Signal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] on_input: Option<Callback<String>>,
) -> impl IntoView {
    let label = t!(language(), form.email);
    view! { <TextField label name="email" kind="email" autocomplete="username" required=true value error on_input/> }
}

/// The one-time code of a sign-in step or a confirmation: digits, filled in by the phone's
/// keyboard or the browser when it can (`one-time-code`).
#[component]
pub fn CodeField(
    #[prop(into)] label: String,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    /// The element id when a page has two code fields (the field's name stays `code`).
    #[prop(default = "code")]
    id: &'static str,
) -> impl IntoView {
    view! { <TextField label name="code" id autocomplete="one-time-code" inputmode="numeric" required=true hint error/> }
}

/// The pool's password rules, ticked off as the person types (in an island; without
/// JavaScript the list still shows what is required). The password field names it with
/// `described_by="password-rules"`.
#[component]
pub fn PasswordChecklist(policy: PasswordPolicy, password: Signal<String>) -> impl IntoView {
    let lang = language();
    view! {
        <ul class="checklist" id="password-rules" aria-label=t!(lang, form.rules_label)>
            {move || {
                policy
                    .check(&password.get())
                    .into_iter()
                    .map(|rule| {
                        let state = if rule.met { "met" } else { "unmet" };
                        view! {
                            <li class=state data-met=rule.met.to_string()>
                                <span aria-hidden="true">{if rule.met { "✓ " } else { "• " }}</span>
                                {crate::auth::validate::rule_label(rule.kind, lang)}
                                <span class="sr-only">
                                    {if rule.met { t!(lang, form.rule_done) } else { t!(lang, form.rule_missing) }}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

/// A new password with the pool's policy as a live checklist under it (sign-up, an invited
/// user's first password).
#[component]
pub fn NewPasswordField(
    label: &'static str,
    policy: PasswordPolicy,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "password")] name: &'static str,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    view! {
        <PasswordField
            label
            name
            autocomplete="new-password"
            error
            described_by="password-rules"
            on_input=Callback::new(move |v| password.set(v))
        />
        <PasswordChecklist policy password=password.into()/>
    }
}

/// A password input with a show/hide toggle. Its value is never pre-filled.
#[component]
pub fn PasswordField(
    label: &'static str,
    #[prop(default = "password")] name: &'static str,
    autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] on_input: Option<Callback<String>>,
    #[prop(optional)] described_by: Option<&'static str>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let (show, hide) = (t!(language(), form.show), t!(language(), form.hide));
    let error_id = format!("{name}-error");
    let described = {
        let error_id = error_id.clone();
        move || {
            let mut ids: Vec<String> = described_by.map(str::to_owned).into_iter().collect();
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <div class="password-row">
                <input
                    id=name
                    name=name
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    required=true
                    aria-invalid=move || error.get().is_some().then_some("true")
                    aria-describedby=described
                    on:input=move |ev| {
                        if let Some(cb) = on_input {
                            cb.run(event_target_value(&ev));
                        }
                    }
                />
                <button
                    type="button"
                    class="secondary"
                    aria-controls=name
                    aria-pressed=move || if shown.get() { "true" } else { "false" }
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { hide } else { show }}
                </button>
            </div>
            <FieldError id=error_id error/>
        </div>
    }
}

#[component]
fn FieldError(id: String, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id=id role="alert" hidden=move || error.get().is_none()>
            {move || error.get().unwrap_or_default()}
        </p>
    }
}

/// A message above a form that belongs to no single field.
#[component]
pub fn ErrorBanner(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="banner error" role="alert" hidden=move || error.get().is_none()>
            {move || error.get().unwrap_or_default()}
        </div>
    }
}

/// A friendly status line ("We sent you a code").
#[component]
pub fn Notice(#[prop(into)] text: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="banner notice" role="status" hidden=move || text.get().is_none()>
            {move || text.get().unwrap_or_default()}
        </div>
    }
}

/// Marks the page as live (`<html data-hydrated="true">`), for people debugging and for the
/// tests, which wait for it before they type.
pub fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}

/// Put in an island: marks the page live once the island is (a lazy island first loads its
/// code, after `hydrate()` has returned). Renders nothing.
#[component]
pub fn MarkHydrated() -> impl IntoView {
    Effect::new(|_| mark_hydrated());
}

/// A form's post to its server function, made by the island that shows the form: what the
/// post is waiting for, and how it ended.
///
/// Every form of the app calls a server function that answers `Result<(), AppError>`: it
/// redirects when it is done, or says what went wrong. So one way of posting serves them all.
/// The island sends the form's fields exactly as the browser sends them without JavaScript
/// (the server reads both the same way) and reads one kind of answer — where Leptos'
/// `ServerAction` and `<ActionForm>` encode and decode each function's own argument and answer
/// types (`serde_qs`, a JSON decoder per type), code that every page with a form would fetch.
#[derive(Clone, Copy)]
pub struct FormAction {
    url: &'static str,
    pending: RwSignal<bool>,
    value: RwSignal<Option<Result<(), AppError>>>,
}

impl FormAction {
    /// The post to server function `S` (only its URL is used: nothing of `S` reaches the wasm).
    pub fn new<S>() -> Self
    where
        S: leptos::server_fn::ServerFn<Output = (), Error = AppError>,
    {
        Self {
            url: S::url(),
            pending: RwSignal::new(false),
            value: RwSignal::new(None),
        }
    }

    /// The server function's URL: the form's `action` without JavaScript.
    pub fn url(&self) -> &'static str {
        self.url
    }

    /// Whether a post is on its way.
    pub fn pending(&self) -> Signal<bool> {
        self.pending.into()
    }

    /// How the last post ended (`None` before the first).
    pub fn value(&self) -> ReadSignal<Option<Result<(), AppError>>> {
        self.value.read_only()
    }

    /// Posts the fields of the form that was submitted (and the button that submitted it, if it
    /// has a name), then follows the server's redirect or keeps its error.
    #[cfg(feature = "hydrate")]
    fn submit(self, ev: &leptos::ev::SubmitEvent) {
        // A form this cannot read is left to the browser, which posts it as without JavaScript.
        let Some(body) = browser::form_body(ev) else {
            return;
        };
        ev.prevent_default();
        self.pending.set(true);
        leptos::task::spawn_local(async move {
            let answer = browser::post(self.url, body).await;
            let leaving = matches!(answer, Ok(browser::Posted::Leaving));
            self.value.set(Some(answer.map(|_| ())));
            if leaving {
                // The button stays busy while the next page loads (a second click would post
                // again), and comes back if Back shows this page again from the browser's cache.
                let pending = self.pending;
                let _ = window_event_listener_untyped("pageshow", move |_| pending.set(false));
            } else {
                self.pending.set(false);
            }
        });
    }
}

/// A `<form>` that posts to `action`'s server function: a plain post without JavaScript, the
/// island's [`FormAction`] with it. A button with a `formaction` of its own ("E-mail me a
/// code") posts the form there, as the browser does without JavaScript.
#[component]
pub fn Form(action: FormAction, children: Children) -> impl IntoView {
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            if ev.submitter().is_some_and(|button| button.has_attribute("formaction")) {
                return;
            }
            action.submit(&ev);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <form method="post" action=action.url() on:submit=on_submit>
            {children()}
        </form>
    }
}

/// The browser's half of [`FormAction`], on `fetch` and the DOM.
#[cfg(feature = "hydrate")]
mod browser {
    use crate::error::{AppError, AuthError};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// The submitted form's fields, URL-encoded as a browser posts them (with the submitting
    /// button's name and value, which `FormData` leaves out).
    pub(super) fn form_body(ev: &leptos::ev::SubmitEvent) -> Option<String> {
        let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
        let data = web_sys::FormData::new_with_form(&form).ok()?;
        if let Some(button) = ev.submitter()
            && let Some(name) = button.get_attribute("name")
        {
            let value = button.get_attribute("value").unwrap_or_default();
            data.append_with_str(&name, &value).ok()?;
        }
        let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
        Some(params.to_string().into())
    }

    /// How a post that worked ended.
    pub(super) enum Posted {
        /// The server function answered; the page stays.
        Done,
        /// The browser is on its way to the page the server sent it to.
        Leaving,
    }

    /// Posts `body` to a server function and reads its answer: a redirect is followed (the
    /// next page is the server's, with the new cookies), an error is read back with the
    /// server's words, and a failure to reach the server is one of the browser's own.
    pub(super) async fn post(url: &str, body: String) -> Result<Posted, AppError> {
        let unavailable = |_| AppError::new(AuthError::Unavailable);
        let window = web_sys::window().ok_or(AppError::new(AuthError::Unavailable))?;
        let headers = web_sys::Headers::new().map_err(unavailable)?;
        headers
            .set("Content-Type", "application/x-www-form-urlencoded")
            .map_err(unavailable)?;
        headers.set("Accept", "application/json").map_err(unavailable)?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&body));
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .and_then(|r| r.dyn_into())
            .map_err(unavailable)?;
        if response.ok() {
            // Leptos answers a script's call that redirects with 200, its header and `Location`
            // (a real redirect would be followed by `fetch` and its page read as the answer);
            // one that `fetch` followed all the same (a proxy's) goes where it led.
            let headers = response.headers();
            if headers
                .has(leptos::server_fn::redirect::REDIRECT_HEADER)
                .unwrap_or(false)
                && let Ok(Some(location)) = headers.get("Location")
            {
                let _ = window.location().assign(&location);
                return Ok(Posted::Leaving);
            }
            if response.redirected() {
                let _ = window.location().assign(&response.url());
                return Ok(Posted::Leaving);
            }
            return Ok(Posted::Done);
        }
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        };
        // An answer that is not the app's JSON came from something in between: a proxy that
        // timed out or found no server, the server's own refusals of a request it never read.
        Err(text.as_deref().and_then(read_error).unwrap_or_else(|| {
            AppError::new(match response.status() {
                400 | 403 | 413 => AuthError::BadRequest,
                408 | 429 | 502..=504 => AuthError::Unavailable,
                _ => AuthError::Internal,
            })
        }))
    }

    /// `{"error":"wrong_code","message":"…","seconds":3}`, read with the browser's own JSON
    /// parser: a serde decoder would bring `serde_json` (and its float formatting) into the
    /// main wasm, which the sign-in form's island keeps free of it (`pages::sign_in`).
    fn read_error(text: &str) -> Option<AppError> {
        let value = js_sys::JSON::parse(text).ok()?;
        let field = |name: &str| js_sys::Reflect::get(&value, &JsValue::from_str(name)).ok();
        let code = field("error")?.as_string()?;
        let message = field("message").and_then(|m| m.as_string());
        let seconds = field("seconds").and_then(|s| s.as_f64()).map(|s| s as u32);
        AppError::from_wire(&code, message, seconds)
    }
}

/// A submit button that says what is happening while the action is pending.
#[component]
pub fn SubmitButton(
    label: &'static str,
    busy_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button type="submit" aria-busy=move || pending.get().then_some("true") disabled=move || pending.get()>
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}
