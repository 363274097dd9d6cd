//! `/protected`: only for signed-in people (checked on the server, so it also holds without
//! JavaScript). In the browser it asks the server for a fresh access token and calls the
//! token-checked API with it, then shows what the API answered.

use crate::api::Me;
use crate::auth::{SessionInfo, get_session_info};
use crate::components::{ErrorBanner, MarkHydrated};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn ProtectedPage() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_session_info());
    view! {
        <Title text="Protected page · leptos-cognito"/>
        <Suspense fallback=|| view! { <p>"Checking your session…"</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(Some(info)) => view! { <Protected info/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/sign-in?next=/protected"/> }.into_any(),
                    Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.to_string()))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One call to the API, as the page shows it.
#[derive(Clone, Debug)]
struct ApiCall {
    me: Me,
    /// When the server last refreshed the session (Unix seconds), as of this call.
    refreshed_at: Option<i64>,
}

/// The live part of the page: the API call, its answer and the expiry countdown.
#[island(lazy)]
fn Protected(info: SessionInfo) -> impl IntoView {
    let call = Action::new_local(|_: &()| call_api());
    // Runs once, in the browser, after hydration: the token never appears in the HTML.
    Effect::new(move |_| {
        call.dispatch(());
    });
    let now = RwSignal::new(now_secs());
    Effect::new(move |_| {
        let tick = set_interval_with_handle(move || now.set(now_secs()), std::time::Duration::from_secs(1)).ok();
        on_cleanup(move || {
            if let Some(tick) = tick {
                tick.clear();
            }
        });
    });

    let result = move || call.value().get();
    view! {
        <MarkHydrated/>
        <section class="card wide">
            <h1>"Protected page"</h1>
            <p>"You are signed in as " <strong>{info.email.clone()}</strong> "."</p>
            <h2>"What the API answered"</h2>
            <p class="small">
                "The browser asked the server for a fresh access token and called "
                <code>"GET /api/me"</code> " with " <code>"Authorization: Bearer …"</code> "."
            </p>
            <div aria-live="polite">
                <noscript>
                    <p>"JavaScript is off, so this page cannot call the API from the browser. The rest of the app works without it."</p>
                </noscript>
                {move || match result() {
                    None => view! { <p class="js-only">"Calling the API…"</p> }.into_any(),
                    Some(Err(message)) => view! { <ErrorBanner error=Signal::derive(move || Some(message.clone()))/> }.into_any(),
                    Some(Ok(ApiCall { me, refreshed_at })) => {
                        let expires_at = me.expires_at as i64;
                        view! {
                            <dl class="facts" aria-label="API answer">
                                <dt>"E-mail"</dt>
                                <dd data-testid="api-email">{me.email.clone().unwrap_or_else(|| "(not available)".into())}</dd>
                                <dt>"Username"</dt>
                                <dd data-testid="api-username">{me.username.clone()}</dd>
                                <dt>"Subject (sub)"</dt>
                                <dd data-testid="api-sub">{me.sub.clone()}</dd>
                                <dt>"Groups"</dt>
                                <dd data-testid="api-groups">
                                    {if me.groups.is_empty() { "(none)".to_owned() } else { me.groups.join(", ") }}
                                </dd>
                                <dt>"Access token expires"</dt>
                                <dd data-testid="api-expiry">
                                    {move || {
                                        let left = expires_at - now.get();
                                        if left > 0 { format!("in {left} s") } else { format!("{} s ago", -left) }
                                    }}
                                </dd>
                                <dt>"Session last refreshed by the server"</dt>
                                <dd data-testid="api-refreshed">
                                    {move || match refreshed_at {
                                        Some(at) => format!("{} s ago", (now.get() - at).max(0)),
                                        None => "not yet (the tokens are from sign-in)".to_owned(),
                                    }}
                                </dd>
                            </dl>
                        }
                            .into_any()
                    }
                }}
            </div>
            <button type="button" on:click=move |_| { call.dispatch(()); } disabled=move || call.pending().get()>
                "Call the API again"
            </button>
            <p class="small">
                "Wait until the access token has expired, then call the API again: the server "
                "refreshes the session with the refresh token, which never leaves its cookie."
            </p>
        </section>
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

/// Gets a fresh access token from the server, then calls the API with it.
async fn call_api() -> Result<ApiCall, String> {
    let token = crate::auth::get_api_token().await.map_err(|e| e.to_string())?;
    #[cfg(feature = "hydrate")]
    {
        let me = crate::api::client::me(&token.access_token).await?;
        Ok(ApiCall {
            me,
            refreshed_at: token.refreshed_at,
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // Never runs: effects (and so this call) only run in the browser.
        let _ = token;
        Err("The API is called from the browser.".to_owned())
    }
}
