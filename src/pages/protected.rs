//! `/protected`: only for signed-in people (checked on the server, so it also holds without
//! JavaScript). In the browser it asks the server for a fresh access token and calls the
//! token-checked API with it, then shows what the API answered.

use crate::api::Me;
use crate::auth::{SessionInfo, get_session_info};
use crate::components::{ErrorBanner, MarkHydrated};
use crate::i18n::{Language, language, texts};
use crate::t;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn ProtectedPage() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_session_info());
    let t = texts();
    view! {
        <Title text=(t.site.title)(t.protected.heading)/>
        <Suspense fallback=move || view! { <p>{t.protected.checking}</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(Some(info)) => view! { <Protected info/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/sign-in?next=/protected"/> }.into_any(),
                    Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.message(language())))/> }.into_any(),
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

/// The page around the API panel, rendered on the server: its text never weighs on the wasm.
#[component]
fn Protected(info: SessionInfo) -> impl IntoView {
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
            <noscript>
                <p>{p.no_js}</p>
            </noscript>
            <ApiPanel/>
            <p class="small">{p.wait_hint}</p>
        </section>
    }
}

/// The live part of the page: the API call, its answer and the expiry countdown.
#[island(lazy)]
fn ApiPanel() -> impl IntoView {
    let lang = language();
    let call = Action::new_local(move |_: &()| call_api(lang));
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
    // The answer, once it came: one view whose parts show or hide (`hidden`), rather than a
    // view per state — each `into_any()` branch costs a whole type-erased view in the wasm.
    let me = move || result().and_then(Result::ok);
    let field = move |f: fn(&ApiCall) -> String| move || me().map(|call| f(&call)).unwrap_or_default();
    let expiry = move || {
        me().map(|call| {
            let left = call.me.expires_at as i64 - now.get();
            if left > 0 {
                t!(lang, protected.in_seconds)(left)
            } else {
                t!(lang, protected.seconds_ago)(-left)
            }
        })
    };
    let refreshed = move || {
        me().map(|call| match call.refreshed_at {
            Some(at) => t!(lang, protected.seconds_ago)((now.get() - at).max(0)),
            None => t!(lang, protected.not_refreshed).to_owned(),
        })
    };
    view! {
        <MarkHydrated/>
        <div aria-live="polite">
            <p class="js-only" hidden=move || result().is_some()>{t!(lang, protected.calling)}</p>
            <ErrorBanner error=Signal::derive(move || result().and_then(Result::err))/>
            <dl class="facts" aria-label=t!(lang, protected.answer_label) hidden=move || me().is_none()>
                <dt>{t!(lang, form.email)}</dt>
                <dd data-testid="api-email">
                    {field(|c| c.me.email.clone().unwrap_or_else(|| t!(language(), protected.not_available).into()))}
                </dd>
                <dt>{t!(lang, protected.username)}</dt>
                <dd data-testid="api-username">{field(|c| c.me.username.clone())}</dd>
                <dt>{t!(lang, protected.subject)}</dt>
                <dd data-testid="api-sub">{field(|c| c.me.sub.clone())}</dd>
                <dt>{t!(lang, protected.groups)}</dt>
                <dd data-testid="api-groups">
                    {field(|c| {
                        let lang = language();
                        if c.me.groups.is_empty() {
                            t!(lang, protected.none).to_owned()
                        } else {
                            c.me.groups.join(t!(lang, site.list_separator))
                        }
                    })}
                </dd>
                <dt>{t!(lang, protected.expires)}</dt>
                <dd data-testid="api-expiry">{expiry}</dd>
                <dt>{t!(lang, protected.refreshed)}</dt>
                <dd data-testid="api-refreshed">{refreshed}</dd>
            </dl>
        </div>
        <button type="button" on:click=move |_| { call.dispatch(()); } disabled=move || call.pending().get()>
            {t!(lang, protected.call_again)}
        </button>
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
async fn call_api(lang: Language) -> Result<ApiCall, String> {
    let token = crate::auth::get_api_token().await.map_err(|e| e.message(lang))?;
    #[cfg(feature = "hydrate")]
    {
        let me = crate::api::client::me(&token.access_token, lang).await?;
        Ok(ApiCall {
            me,
            refreshed_at: token.refreshed_at,
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // Never runs: effects (and so this call) only run in the browser.
        let _ = token;
        Err(t!(lang, protected.api_unreachable).to_owned())
    }
}
