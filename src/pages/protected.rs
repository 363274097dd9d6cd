//! `/protected`: only for signed-in people (checked on the server, so it also holds without
//! JavaScript). It shows a call to the token-checked API that this server made for the person
//! (`crate::api::call`): the request with the access token elided, the status and the verified
//! claims. The call is made while the page renders, so the page is the same without
//! JavaScript; "Call the API again" loads it again, and the server makes another call. Nothing
//! of it is wasm: only its two clocks tick in the browser (`public/protected.js`, a few lines).
//! The browser never holds the token.

use crate::api::{ApiAnswer, ApiCall, call_api};
use crate::auth::{SessionInfo, get_session_info};
use crate::components::ErrorBanner;
use crate::error::AppError;
use crate::i18n::{language, texts};
use crate::routes;
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
                    Ok(None) | Err(AppError { kind: AuthError::SessionExpired, .. }) => {
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
fn answer_problem(answer: &ApiAnswer) -> Option<String> {
    let p = &texts().protected;
    match answer {
        ApiAnswer::Me(_) => None,
        ApiAnswer::Refused { error, .. } if error == "invalid_token" => Some(p.api_expired.to_owned()),
        ApiAnswer::Refused { status, .. } => Some((p.api_refused)(*status)),
        ApiAnswer::Unexpected { .. } => Some(p.api_unexpected.to_owned()),
        ApiAnswer::Unreachable => Some(p.api_unreachable.to_owned()),
    }
}

/// A number no text holds, to turn a text function into a template for `public/protected.js`.
const PLACEHOLDER: i64 = 987_654_321;

/// `f`'s text with `{}` where the number goes.
fn template(f: fn(i64) -> String) -> String {
    f(PLACEHOLDER).replace(&PLACEHOLDER.to_string(), "{}")
}

/// The call the server made, rendered on the server: no island, no wasm. "Call the API again"
/// is a plain form that loads the page again, and the server makes another call for it (after
/// refreshing the session when its token has run out). The two clocks (the token's expiry, the
/// last refresh) tick in the browser with `public/protected.js`, from the seconds written here.
#[component]
fn ApiPanel(first: ApiCall) -> impl IntoView {
    let p = &texts().protected;
    let now = now_secs();
    let status = match &first.answer {
        ApiAnswer::Me(_) => "200".to_owned(),
        ApiAnswer::Refused { status, .. } | ApiAnswer::Unexpected { status } => status.to_string(),
        ApiAnswer::Unreachable => p.no_answer.to_owned(),
    };
    let problem = answer_problem(&first.answer);
    let left = first.expires_at - now;
    let expiry = if left > 0 {
        (p.in_seconds)(left)
    } else {
        (p.seconds_ago)(-left)
    };
    let since = first.refreshed_at.map(|at| (now - at).max(0));
    let refreshed = since.map_or_else(|| p.not_refreshed.to_owned(), p.seconds_ago);
    let me = match &first.answer {
        ApiAnswer::Me(me) => Some(me.clone()),
        _ => None,
    };
    let claims = me.map(|me| {
        let groups = if me.groups.is_empty() {
            p.none.to_owned()
        } else {
            me.groups.join(texts().site.list_separator)
        };
        view! {
            <dl class="facts" aria-label=p.answer_label>
                <dt>{texts().form.email}</dt>
                <dd data-testid="api-email">{me.email.clone().unwrap_or_else(|| p.not_available.to_owned())}</dd>
                <dt>{p.username}</dt>
                <dd data-testid="api-username">{me.username.clone()}</dd>
                <dt>{p.subject}</dt>
                <dd data-testid="api-sub">{me.sub.clone()}</dd>
                <dt>{p.groups}</dt>
                <dd data-testid="api-groups">{groups}</dd>
            </dl>
        }
    });
    view! {
        <div>
            <dl class="facts" aria-label=p.request_label>
                <dt>{p.request}</dt>
                <dd data-testid="api-request">
                    <code>{format!("{} {}", first.method, first.url)}</code>
                </dd>
                <dt>{p.authorization}</dt>
                <dd data-testid="api-authorization">
                    <code>"Bearer …"</code>
                    " "
                    {(p.token_elided)(first.token_bytes)}
                </dd>
                <dt>{p.status}</dt>
                <dd data-testid="api-status">{status}</dd>
            </dl>
            {problem.map(|problem| view! { <div class="banner error" role="alert">{problem}</div> })}
            {claims}
            <dl class="facts" aria-label=p.session_label>
                <dt>{p.expires}</dt>
                <dd
                    data-testid="api-expiry"
                    data-clock=left.to_string()
                    data-in=template(p.in_seconds)
                    data-ago=template(p.seconds_ago)
                >
                    {expiry}
                </dd>
                <dt>{p.refreshed}</dt>
                <dd
                    data-testid="api-refreshed"
                    data-clock=since.map(|s| (-s).to_string())
                    data-ago=template(p.seconds_ago)
                >
                    {refreshed}
                </dd>
            </dl>
        </div>
        // A plain form: the page again, with a new call made by the server.
        <form method="get" action=routes::PROTECTED>
            <button type="submit">{p.call_again}</button>
        </form>
        <script type="module" src="/protected.js"></script>
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
