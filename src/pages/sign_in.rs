//! `/sign-in`: e-mail and password; on success the server keeps the tokens and sends the
//! person on to `next` (a path on this site) or the protected page. Where the pool allows them,
//! also "Sign in with a passkey" (and the browser's passkey autofill) and "E-mail me a code".

use crate::auth::{
    ContinueWith, PasskeySignIn, PasskeySignInOptions, PoolSignIn, SignIn, SignInMethods, SignInWithEmailCode,
    get_pool_sign_in, get_sign_in_methods,
};
use crate::components::{
    EmailField, ErrorBanner, Form, FormAction, MarkHydrated, Notice, PasswordField, SubmitButton, banner_error,
    field_error, query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use crate::i18n::{language, texts};
use crate::routes;
use crate::t;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignInPage() -> impl IntoView {
    let t = texts();
    let notice = match query_value("notice").as_str() {
        "confirmed" => Some(t.sign_in.confirmed),
        "password_reset" => Some(t.sign_in.password_reset),
        "signed_out" => Some(t.sign_in.signed_out),
        "signed_out_everywhere" => Some(t.sign_in.signed_out_everywhere),
        "signed_out_everywhere_app_only" => Some(t.sign_in.signed_out_everywhere_app_only),
        "signed_out_everywhere_retrying" => Some(t.sign_in.signed_out_everywhere_retrying),
        "replace_session" => Some(t.sign_in.replace_session),
        "signed_out_everywhere_cognito_only" => Some(t.sign_in.signed_out_everywhere_cognito_only),
        _ => None,
    }
    .map(str::to_owned);
    let methods = Resource::new(|| (), |_| get_sign_in_methods());
    let pool = Resource::new(|| (), |_| get_pool_sign_in());
    let (email, next, error) = (query_value("email"), query_value("next"), query_error());
    // "Continue with …" asked in a browser signed in already: its buttons now go on for real.
    let replace = query_value("notice") == "replace_session";

    view! {
        <Title text=(t.site.title)(t.sign_in.heading)/>
        <section class="card">
            <h1>{t.sign_in.heading}</h1>
            <Notice text=notice/>
            <Suspense fallback=|| ()>
                {move || {
                    let (email, next, error) = (email.clone(), next.clone(), error.clone());
                    Suspend::new(async move {
                        let methods = methods.await.unwrap_or_default();
                        let pool = pool.await.unwrap_or_default();
                        let start = SignInStart { email, next: next.clone(), error, methods };
                        view! {
                            <SignInStartedWith start/>
                            <PoolButtons pool next replace/>
                            // Passkeys need the browser's WebAuthn: without JavaScript, say so
                            // (the e-mail code and the password still work).
                            {methods.passkey.then(|| view! {
                                // Shown until public/passkeys.js finds WebAuthn in the browser.
                                <p class="hint" data-passkey="needs-js">{t.sign_in.passkey_needs_js}</p>
                                <script type="module" src="/passkeys.js"></script>
                            })}
                        }
                    })
                }}
            </Suspense>
            <p><A href=routes::FORGOT_PASSWORD>{t.sign_in.forgot}</A></p>
            <p>{t.sign_in.new_here.0} <A href=routes::SIGN_UP>{t.sign_in.create}</A> {t.sign_in.new_here.1}</p>
        </section>
    }
}

/// "Continue with Google" (and the other providers), and managed login: plain links to the
/// server, which sends the browser on to the pool's `/oauth2/authorize` (`flows/federation.rs`).
/// Links, not a form: the page's `form-action 'self'` would stop a form's redirect to the pool.
/// Rendered on the server only: they work without JavaScript and add nothing to the wasm.
#[component]
fn PoolButtons(pool: PoolSignIn, next: String, replace: bool) -> impl IntoView {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let t = texts();
    if pool.providers.is_empty() && !pool.managed_login {
        return None;
    }
    let href = move |provider: Option<&str>| {
        let mut query: Vec<String> = provider
            .map(|p| format!("provider={}", utf8_percent_encode(p, NON_ALPHANUMERIC)))
            .into_iter()
            .collect();
        if !next.is_empty() {
            query.push(format!("next={}", utf8_percent_encode(&next, NON_ALPHANUMERIC)));
        }
        if replace {
            query.push("replace=yes".to_owned());
        }
        format!("{}?{}", ContinueWith::url(), query.join("&"))
    };
    let (before, after) = t.sign_in.continue_with;
    let providers = pool
        .providers
        .iter()
        .map(|p| {
            view! {
                <a class="button" href=href(Some(&p.name))>{format!("{before}{}{after}", p.label)}</a>
            }
        })
        .collect_view();
    let managed = pool
        .managed_login
        .then(|| view! { <a class="button" href=href(None)>{t.sign_in.managed_login}</a> });
    Some(view! {
        <p class="or">{t.sign_in.or}</p>
        <nav class="providers" aria-label=t.sign_in.other_ways>{providers}{managed}</nav>
    })
}

/// What the sign-in form starts with: the address and the page to go on to (from the link),
/// the error it was sent back with, and the other ways to sign in the pool offers.
///
/// The form's island takes no props: Leptos sends an island's props as JSON and decodes them
/// with `serde_json`, which would then sit in the main wasm (every page with a form loads it;
/// with the float formatting its error messages bring, a fifth of it). Instead the page puts
/// these values on the element around the island (`data-` attributes, [`SignInStartedWith`]),
/// and the island reads them there in the browser, and from the context on the server.
#[derive(Clone, Default)]
struct SignInStart {
    email: String,
    next: String,
    error: Option<AppError>,
    methods: SignInMethods,
}

impl SignInStart {
    /// The id of the element that carries the values.
    const ID: &str = "sign-in-form";

    /// On the server: what the page put in the context for the island.
    #[cfg(not(feature = "hydrate"))]
    fn get() -> Self {
        use_context::<Self>().unwrap_or_default()
    }

    /// In the browser: read back from the page's element (which the page always renders around
    /// the island; an attribute it leaves out reads as empty or off, as it was rendered).
    #[cfg(feature = "hydrate")]
    fn get() -> Self {
        let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(Self::ID))
        else {
            return Self::default();
        };
        let data = |name: &str| element.get_attribute(&format!("data-{name}"));
        let mut methods = SignInMethods::default();
        methods.passkey = data("offers-passkey").is_some();
        methods.email_code = data("offers-email-code").is_some();
        Self {
            email: data("email").unwrap_or_default(),
            next: data("next").unwrap_or_default(),
            error: data("error").and_then(|code| AppError::from_wire(&code, data("message"), None)),
            methods,
        }
    }
}

/// The sign-in form inside the element that carries its starting values (rendered on the
/// server only; see [`SignInStart`]).
#[component]
fn SignInStartedWith(start: SignInStart) -> impl IntoView {
    let lang = language();
    let (code, message) = match &start.error {
        Some(e) => (Some(e.code()), Some(e.message(lang))),
        None => (None, None),
    };
    let (email, next, methods) = (start.email.clone(), start.next.clone(), start.methods);
    provide_context(start);
    view! {
        <div
            id=SignInStart::ID
            data-email=email
            data-next=next
            data-error=code
            data-message=message
            data-offers-passkey=methods.passkey.then_some("")
            data-offers-email-code=methods.email_code.then_some("")
        >
            <SignInForm/>
        </div>
    }
}

/// The form, live in the browser: a pending button and errors next to their fields.
#[island]
fn SignInForm() -> impl IntoView {
    let SignInStart {
        email,
        next,
        error,
        methods,
    } = SignInStart::get();
    let action = FormAction::new::<SignIn>();
    let error = use_form_error(move || action.value().get(), error);
    let lang = language();
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <Form action>
            <input type="hidden" name="next" value=next/>
            <EmailField value=email error=field_error(error, Field::Email)/>
            <PasswordField label=t!(lang, form.password) autocomplete="current-password" error=field_error(error, Field::Password)/>
            <SubmitButton label=t!(lang, sign_in.heading) busy_label=t!(lang, sign_in.submitting) pending=action.pending()/>
            {(methods.passkey || methods.email_code).then(|| view! { <p class="or">{t!(lang, sign_in.or)}</p> })}
            // Shown by public/passkeys.js where the browser has WebAuthn; it also turns on the
            // browser's passkey autofill on the e-mail field.
            {methods.passkey.then(|| view! {
                <button
                    type="button"
                    class="secondary"
                    data-passkey="sign-in"
                    data-options-url=PasskeySignInOptions::url()
                    data-answer-url=PasskeySignIn::url()
                    data-busy-label=t!(lang, sign_in.waiting_for_passkey)
                    hidden
                >
                    {t!(lang, sign_in.with_passkey)}
                </button>
            })}
            // A plain post of this form to another server function, with or without JavaScript
            // (`Form` lets a button with its own `formaction` through). No password needed.
            {methods.email_code.then(|| view! {
                <button type="submit" class="secondary" formaction=SignInWithEmailCode::url() formnovalidate>
                    {t!(lang, sign_in.email_code)}
                </button>
            })}
        </Form>
    }
}
