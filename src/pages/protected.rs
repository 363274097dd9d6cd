//! `/protected`: only for signed-in people (checked on the server, so it also holds without
//! JavaScript). It shows a call to the token-checked API that this server made for the person
//! (`crate::api::call`): the request with the access token elided, the status and the verified
//! claims. The first call is made while the page renders, so it works without JavaScript too;
//! "Call the API again" asks the server for another one. The browser never holds the token.

use crate::api::{ApiAnswer, ApiCall, call_api};
use crate::auth::{SessionInfo, get_session_info};
use crate::components::{ErrorBanner, MarkHydrated};
use crate::error::AppError;
use crate::i18n::{Language, language, texts};
use crate::routes;
use crate::t;
use cognito_auth::AuthError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn ProtectedPage() -> impl IntoView {
    let page = Resource::new(
        || (),
        |_| async {
            match get_session_info().await? {
                Some(info) => Ok(Some((info, call_api().await?))),
                None => Ok::<_, AppError>(None),
            }
        },
    );
    let t = texts();
    view! {
        <Title text=(t.site.title)(t.protected.heading)/>
        <Suspense fallback=move || view! { <p>{t.protected.checking}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some((info, first))) => view! { <Protected info first/> }.into_any(),
                    Ok(None) | Err(AppError(AuthError::SessionExpired)) => {
                        view! { <Redirect path="/sign-in?next=/protected"/> }.into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.message(language())))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The page around the API panel, rendered on the server: its text never weighs on the wasm.
#[component]
fn Protected(info: SessionInfo, first: ApiCall) -> impl IntoView {
    let p = &texts().protected;
    view! {
        <section class="card wide">
            <h1>{p.heading}</h1>
            <p>{p.signed_in_as.0} <strong>{info.email}</strong> {p.signed_in_as.1}</p>
            <h2>{p.answered}</h2>
            <p class="small">
                {p.explain.0} <code>"GET /api/me"</code> {p.explain.1} <code>"Authorization: Bearer …"</code>
                {p.explain.2}
            </p>
            <ApiPanel first/>
            <p class="small">{p.wait_hint}</p>
        </section>
    }
}

/// What a person reads for an answer that is not the claims.
fn answer_problem(answer: &ApiAnswer, lang: Language) -> Option<String> {
    match answer {
        ApiAnswer::Me(_) => None,
        ApiAnswer::Refused { error, .. } if error == "invalid_token" => {
            Some(t!(lang, protected.api_expired).to_owned())
        }
        ApiAnswer::Refused { status, .. } => Some(t!(lang, protected.api_refused)(*status)),
        ApiAnswer::Unexpected { .. } => Some(t!(lang, protected.api_unexpected).to_owned()),
        ApiAnswer::Unreachable => Some(t!(lang, protected.api_unreachable).to_owned()),
    }
}

/// The live part of the page: the last call, "call again", and the expiry countdown.
#[island(lazy)]
fn ApiPanel(first: ApiCall) -> impl IntoView {
    let lang = language();
    let call = Action::new_local(|_: &()| call_api());
    // The newest answer the server gave: the page's own first call until another one succeeds;
    // a call that fails leaves the last answer in place, with the failure above it.
    let shown = RwSignal::new(first);
    Effect::new(move |_| {
        if let Some(Ok(latest)) = call.value().get() {
            shown.set(latest);
        }
    });
    let failed = move || call.value().get().and_then(Result::err).map(|e| e.message(lang));
    let now = RwSignal::new(now_secs());
    Effect::new(move |_| {
        let tick = set_interval_with_handle(move || now.set(now_secs()), std::time::Duration::from_secs(1)).ok();
        on_cleanup(move || {
            if let Some(tick) = tick {
                tick.clear();
            }
        });
    });

    // One view whose parts show or hide (`hidden`), rather than a view per answer: each
    // `into_any()` branch costs a whole type-erased view in the wasm.
    let me = move || match shown.get().answer {
        ApiAnswer::Me(me) => Some(me),
        _ => None,
    };
    let field = move |f: fn(&crate::api::Me) -> String| move || me().map(|m| f(&m)).unwrap_or_default();
    let problem = Signal::derive(move || failed().or_else(|| answer_problem(&shown.get().answer, lang)));
    let status = move || match shown.get().answer {
        ApiAnswer::Me(_) => "200".to_owned(),
        ApiAnswer::Refused { status, .. } | ApiAnswer::Unexpected { status } => status.to_string(),
        ApiAnswer::Unreachable => t!(lang, protected.no_answer).to_owned(),
    };
    let expiry = move || {
        let left = shown.get().expires_at - now.get();
        if left > 0 {
            t!(lang, protected.in_seconds)(left)
        } else {
            t!(lang, protected.seconds_ago)(-left)
        }
    };
    let refreshed = move || match shown.get().refreshed_at {
        Some(at) => t!(lang, protected.seconds_ago)((now.get() - at).max(0)),
        None => t!(lang, protected.not_refreshed).to_owned(),
    };
    view! {
        <MarkHydrated/>
        <div aria-live="polite">
            <dl class="facts" aria-label=t!(lang, protected.request_label)>
                <dt>{t!(lang, protected.request)}</dt>
                <dd data-testid="api-request">
                    <code>{move || format!("{} {}", shown.get().method, shown.get().url)}</code>
                </dd>
                <dt>{t!(lang, protected.authorization)}</dt>
                <dd data-testid="api-authorization">
                    <code>"Bearer …"</code>
                    " "
                    {move || t!(lang, protected.token_elided)(shown.get().token_bytes)}
                </dd>
                <dt>{t!(lang, protected.status)}</dt>
                <dd data-testid="api-status">{status}</dd>
            </dl>
            <ErrorBanner error=problem/>
            <dl class="facts" aria-label=t!(lang, protected.answer_label) hidden=move || me().is_none()>
                <dt>{t!(lang, form.email)}</dt>
                <dd data-testid="api-email">
                    {field(|m| m.email.clone().unwrap_or_else(|| t!(language(), protected.not_available).into()))}
                </dd>
                <dt>{t!(lang, protected.username)}</dt>
                <dd data-testid="api-username">{field(|m| m.username.clone())}</dd>
                <dt>{t!(lang, protected.subject)}</dt>
                <dd data-testid="api-sub">{field(|m| m.sub.clone())}</dd>
                <dt>{t!(lang, protected.groups)}</dt>
                <dd data-testid="api-groups">
                    {field(|m| {
                        let lang = language();
                        if m.groups.is_empty() {
                            t!(lang, protected.none).to_owned()
                        } else {
                            m.groups.join(t!(lang, site.list_separator))
                        }
                    })}
                </dd>
            </dl>
            <dl class="facts" aria-label=t!(lang, protected.session_label)>
                <dt>{t!(lang, protected.expires)}</dt>
                <dd data-testid="api-expiry">{expiry}</dd>
                <dt>{t!(lang, protected.refreshed)}</dt>
                <dd data-testid="api-refreshed">{refreshed}</dd>
            </dl>
        </div>
        // Without JavaScript the button reloads the page, which makes a new call on the server.
        <form
            method="get"
            action=routes::PROTECTED
            on:submit=move |ev| {
                ev.prevent_default();
                call.dispatch(());
            }
        >
            <button type="submit" disabled=move || call.pending().get()>
                {move || if call.pending().get() { t!(lang, protected.calling) } else { t!(lang, protected.call_again) }}
            </button>
        </form>
    }
}

fn now_secs() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}
