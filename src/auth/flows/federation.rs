//! "Continue with Google" (or any provider the pool federates) and Cognito's managed login: the
//! two ends of a round trip through the pool's OAuth 2.0 endpoints (`cognito::oauth`).
//!
//! Both are `GET`: the browser is sent here by a link and comes back by the pool's redirect,
//! so both work without JavaScript. The start keeps what proves the answer is ours in an
//! encrypted HttpOnly cookie (`Transient::Federation`, `SameSite=Lax`: a top-level navigation
//! back from the pool carries it); the callback checks it, trades the code from the server and
//! starts the same session a password sign-in does. Tokens never reach the browser.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::auth::{
    context::{form_error, no_store, request_headers, set_cookies, state as app_state, trust},
    flows::{pending, pending::Factor},
    validate::safe_next,
};
#[cfg(feature = "ssr")]
use cognito_auth::cognito::{AuthStep, oauth};
#[cfg(feature = "ssr")]
use cognito_auth::{limits::Form, session::Transient};

/// A "Continue with …" button of the sign-in page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    /// The provider's name in the pool: what the link names.
    pub name: String,
    pub label: String,
}

/// What the sign-in page offers through the pool's own pages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSignIn {
    /// "Continue with …", in the order configured.
    pub providers: Vec<ProviderButton>,
    /// Managed login is on: a button to Cognito's page (shown when the page is seen at all:
    /// after a failed round trip, with its message).
    pub managed_login: bool,
}

/// The sign-in page's buttons to the pool's own pages.
#[server(prefix = "/auth", endpoint = "pool-sign-in")]
pub async fn get_pool_sign_in() -> Result<PoolSignIn, AppError> {
    let state = app_state()?;
    let Some(federation) = &state.config.federation else {
        return Ok(PoolSignIn::default());
    };
    Ok(PoolSignIn {
        providers: federation
            .providers
            .iter()
            .map(|p| ProviderButton {
                name: p.name.clone(),
                label: p.label.clone(),
            })
            .collect(),
        managed_login: federation.managed_login,
    })
}

/// To the pool's `/oauth2/authorize`: at `provider` (one of `COGNITO_IDENTITY_PROVIDERS`), or
/// without one on managed login. `next` comes back with the person.
///
/// A `GET`, so a page of another site could send a browser here (an image, a link): that is
/// refused (`Sec-Fetch-Site`), and a browser signed in already is asked first — the round trip
/// would replace its session with whoever the provider's own session signs in (`replace=yes`
/// is the sign-in page's answer to that question).
#[server(prefix = "/auth", endpoint = "continue", input = GetUrl)]
pub async fn continue_with(
    provider: Option<String>,
    next: Option<String>,
    replace: Option<String>,
) -> Result<(), AppError> {
    no_store();
    let next = safe_next(next.as_deref().filter(|n| !n.is_empty()));
    let back = |err: AuthError| form_error(err, crate::routes::SIGN_IN, &[("next", &next)]);
    let state = app_state()?;
    let headers = request_headers();
    if !from_this_site(&headers) {
        tracing::warn!("a round trip through the pool was started from another site; refused");
        return Err(back(AuthError::FederationExpired).into());
    }
    if crate::auth::context::session().is_some() && replace.as_deref() != Some("yes") {
        let mut query = vec![("notice", "replace_session")];
        if let Some(provider) = provider.as_deref().filter(|p| !p.is_empty()) {
            query.push(("provider", provider));
        }
        query.push(("next", &next));
        crate::auth::context::redirect_to(crate::routes::SIGN_IN, &query);
        return Ok(());
    }
    // Per source only: a round trip starts no Cognito call, and no budget shared by everyone
    // may hold "Continue with …" back.
    state
        .limits
        .check_source(Form::Federation, &trust())
        .await
        .map_err(back)?;
    let lang = crate::i18n::request_language(&headers);
    let (url, cookie) = begin_round_trip(&state, provider.as_deref(), &next, lang).map_err(back)?;
    set_cookies(vec![cookie]);
    leptos_axum::redirect(&url);
    Ok(())
}

/// Whether a navigation comes from this site (or from no site: a typed address, a bookmark),
/// by the browser's `Sec-Fetch-Site`. A browser that sends none is believed (it is old; a
/// forged header needs a script, which cannot navigate another site's window with it).
#[cfg(feature = "ssr")]
fn from_this_site(headers: &http::HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|site| matches!(site, "same-origin" | "none"))
}

/// The start of a round trip through the pool: where to send the browser (the pool's
/// `/oauth2/authorize`, at `provider` or — `None`, managed login on — at Cognito's own page) and
/// the encrypted cookie that proves the answer is this browser's. Only the providers this app
/// offers.
#[cfg(feature = "ssr")]
pub(crate) fn begin_round_trip(
    state: &crate::state::AppState,
    provider: Option<&str>,
    next: &str,
    lang: crate::i18n::Language,
) -> Result<(String, http::HeaderValue), AuthError> {
    let (Some(oauth), Some(federation)) = (&state.oauth, &state.config.federation) else {
        return Err(AuthError::FederationUnavailable);
    };
    let provider = match provider.filter(|p| !p.is_empty()) {
        Some(name) => match federation.providers.iter().find(|p| p.name == name) {
            Some(p) => Some(p.name.as_str()),
            None => return Err(AuthError::FederationUnavailable),
        },
        None if federation.managed_login => None,
        None => return Err(AuthError::FederationUnavailable),
    };
    let (url, authorization) = oauth.authorize(provider, lang.tag(), next.to_owned(), state.clock.now());
    let cookie =
        state
            .sessions
            .transient_cookie(Transient::Federation, &authorization, oauth::AUTHORIZATION_LIFETIME)?;
    metrics::counter!("federation_starts_total", "provider" => provider.unwrap_or("managed-login").to_owned())
        .increment(1);
    Ok((url, cookie))
}

/// `APP_URL/auth/callback`, where the pool sends the browser back: with `code` and `state`, or
/// with `error` (and `error_description`, which is logged, never shown).
#[server(prefix = "/auth", endpoint = "callback", input = GetUrl)]
pub async fn federation_callback(
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
) -> Result<(), AppError> {
    no_store();
    let app = app_state()?;
    let headers = request_headers();
    let kept = app
        .sessions
        .read_transient::<oauth::Authorization>(Transient::Federation, &headers)
        .filter(|a| a.expires_at > app.clock.now());
    let next = kept.as_ref().map_or_else(|| safe_next(None), |a| a.next.clone());
    let back = |err: AuthError| form_error(err, crate::routes::SIGN_IN, &[("next", &next)]);
    let Some(oauth) = &app.oauth else {
        return Err(back(AuthError::FederationUnavailable).into());
    };
    // The answer must be to this browser's own request: no cookie (it expired, or the round trip
    // began in another browser) or another `state` (another tab's, or a link someone planted to
    // sign this browser in as them) ends here — and leaves a round trip this browser has under
    // way alone (a link from another site must not end it).
    let Some(kept) = kept else {
        tracing::info!("a sign-in came back from the pool without its cookie (expired, or another browser)");
        return Err(back(AuthError::FederationExpired).into());
    };
    if state.as_deref() != Some(kept.state.as_str()) {
        tracing::warn!("a sign-in came back from the pool with another state; refused");
        return Err(back(AuthError::FederationExpired).into());
    }
    // One answer per round trip, whatever it says (in a browser, which drops the cookie; a script
    // that keeps it is held by the limit below, so it cannot spend the pool's token quota).
    set_cookies(
        app.sessions
            .clear_transient(Transient::Federation)
            .into_iter()
            .collect(),
    );
    app.limits
        .check_source(Form::Federation, &trust())
        .await
        .map_err(back)?;
    if let Some(error) = error {
        return Err(back(oauth::callback_error(&error, error_description.as_deref())).into());
    }
    let Some(code) = code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        tracing::warn!("the pool sent the person back with neither a code nor an error");
        return Err(back(AuthError::FederationFailed).into());
    };
    let tokens = oauth.exchange(code, kept.verifier.clone()).await.map_err(back)?;
    // The ID token is checked as the API checks tokens (signature by the pool's JWKS, `iss`,
    // `exp`, `token_use`), for this app client exactly, and for this very request (`nonce`).
    let claims = app.verifier.verify_id(&tokens.id_token).await.map_err(|e| {
        tracing::error!(reason = %e, "the ID token from the pool's token endpoint did not verify");
        back(match e {
            e if e.is_unavailable() => AuthError::Unavailable,
            _ => AuthError::FederationFailed,
        })
    })?;
    let nonce_ok =
        claims.nonce.as_deref() == Some(kept.nonce.as_str()) || (claims.nonce.is_none() && !oauth.nonce_required());
    if claims.aud != app.config.client_id || !nonce_ok {
        tracing::error!(
            aud_matches = claims.aud == app.config.client_id,
            nonce_ok,
            "the ID token from the pool's token endpoint is not for this request; refused"
        );
        return Err(back(AuthError::FederationFailed).into());
    }
    let factor = if kept.provider.is_some() {
        Factor::Federated
    } else {
        Factor::ManagedLogin
    };
    metrics::counter!("sign_in_attempts_total", "outcome" => "federated").increment(1);
    let email = claims.email.clone().unwrap_or_default();
    Ok(
        pending::advance(&app, AuthStep::Tokens(tokens), &email, &kept.next, factor)
            .await
            .map_err(back)?,
    )
}

/// Managed login (`COGNITO_MANAGED_LOGIN=true`): the sign-in and sign-up pages send people to
/// Cognito's own page, with where they were going. Not when the page has a message to show
/// (`?error=…`: a round trip that failed, which would otherwise start again at once, unseen;
/// `?notice=…`), nor for someone signed in already.
#[cfg(feature = "ssr")]
pub async fn managed_login_layer(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    request: axum::extract::Request,
    run: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let managed = state.config.federation.as_ref().is_some_and(|f| f.managed_login);
    let page = matches!(request.uri().path(), crate::routes::SIGN_IN | crate::routes::SIGN_UP);
    if !(managed && page && request.method() == http::Method::GET) {
        return run.run(request).await;
    }
    let pairs = request
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default();
    // Nor with a notice to read (signed out everywhere), nor for someone signed in already.
    let signed_in = request
        .extensions()
        .get::<cognito_auth::session::CurrentSession>()
        .is_some_and(|s| s.0.is_some());
    if signed_in || pairs.iter().any(|(k, _)| k == "error" || k == "notice") {
        return run.run(request).await;
    }
    let wanted = pairs.into_iter().find(|(k, _)| k == "next").map(|(_, v)| v);
    let next = safe_next(wanted.as_deref());
    // Straight to the pool (not through `/auth/continue`, which refuses a navigation that began
    // on another site: a link to this sign-in page from anywhere must still reach managed login).
    let lang = crate::i18n::request_language(request.headers());
    match begin_round_trip(&state, None, &next, lang) {
        Ok((url, cookie)) => {
            let mut response = axum::response::Redirect::to(&url).into_response();
            response.headers_mut().append(http::header::SET_COOKIE, cookie);
            response
                .headers_mut()
                .insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "managed login could not start a round trip");
            run.run(request).await
        }
    }
}
