//! Plumbing the server functions share: the app state, the request's session, cookies on the
//! response, and how a failed form post without JavaScript gets its message back to the page.

use crate::error::AppError;
use crate::state::AppState;
use cognito_auth::AuthError;
use cognito_auth::cognito::Caller;
use cognito_auth::limits::Trust;
use cognito_auth::session::{CurrentSession, Session};
use http::HeaderValue;
use http::header::{ACCEPT, CACHE_CONTROL, RETRY_AFTER, SET_COOKIE};
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

pub fn state() -> Result<AppState, AuthError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState is not in the server function's context");
        AuthError::Internal
    })
}

/// The session [`super::session::session_layer`] resolved (and maybe refreshed) for this request.
pub fn session() -> Option<Session> {
    use_context::<Parts>()?.extensions.get::<CurrentSession>()?.0.clone()
}

/// Who is asking: the client IP the server-function guard resolved (`crate::router`), passed
/// on to Cognito for its threat protection.
pub fn caller() -> Caller {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<Caller>().copied())
        .unwrap_or(Caller { ip: None })
}

/// What the server-function guard learned about the browser (`crate::router`): the cookies of
/// earlier steps it carries, its device cookie, its address. Read by the abuse limits.
pub fn trust() -> Trust {
    let trust = use_context::<Parts>().and_then(|p| p.extensions.get::<Trust>().cloned());
    trust.unwrap_or_else(|| {
        // The guard runs before every server function; without it the request is counted with
        // every other unknown source, never let past the limits.
        tracing::warn!("a server function ran without the guard's view of its browser");
        Trust::default()
    })
}

/// Headers of the request being served (for the refresh token cookie).
pub fn request_headers() -> http::HeaderMap {
    use_context::<Parts>().map(|p| p.headers).unwrap_or_default()
}

pub fn set_cookies(values: Vec<HeaderValue>) {
    if let Some(response) = use_context::<ResponseOptions>() {
        for value in values {
            response.append_header(SET_COOKIE, value);
        }
    }
}

/// Pages and answers that depend on the session must never be stored by a cache.
pub fn no_store() {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.insert_header(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// True for a plain HTML form post (no JavaScript): the browser asked for a page back.
fn plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|p| p.headers.get(ACCEPT)?.to_str().ok().map(|a| a.contains("text/html")))
        .unwrap_or(false)
}

/// Sets the HTTP status of a failed server function, and, for a form posted without
/// JavaScript, redirects back to `page` with the error's code and the non-secret fields, so the
/// page can show the message and keep what was typed. Passwords are never put in `keep`.
pub fn form_error(err: AuthError, page: &str, keep: &[(&str, &str)]) -> AuthError {
    if let Some(response) = use_context::<ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status()) {
            response.set_status(status);
        }
        if let Some(seconds) = err.retry_after() {
            response.insert_header(RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    if plain_form_post() {
        let mut query = AppError::new(err).query();
        query.extend(
            keep.iter()
                .filter(|(_, v)| !v.is_empty() && v.len() <= 512)
                .map(|(k, v)| (*k, (*v).to_owned())),
        );
        let query = serde_urlencoded::to_string(&query).unwrap_or_default();
        leptos_axum::redirect(&format!("{page}?{query}"));
    }
    err
}

/// Where a sign-out ends: at `page` with `query` — or, for a session signed in through the pool's
/// own pages (a provider like Google, managed login), first at the pool's `/logout`, which ends
/// the pool's session cookie (GlobalSignOut and RevokeToken do not) and then sends the browser
/// home (`logout_uri` must match the client's `LogoutURLs` exactly, so it carries no notice).
pub fn finish_sign_out(state: &AppState, page: &str, query: &[(&str, &str)]) {
    let pool_logout = state
        .oauth
        .as_ref()
        .filter(|_| state.sessions.through_pool(&request_headers()))
        .and_then(|oauth| oauth.logout_url());
    match pool_logout {
        Some(url) => leptos_axum::redirect(&url),
        None => redirect_to(page, query),
    }
}

/// Redirects to `page` with the query pairs (works with and without JavaScript).
pub fn redirect_to(page: &str, query: &[(&str, &str)]) {
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    if query.is_empty() {
        leptos_axum::redirect(page);
    } else {
        leptos_axum::redirect(&format!("{page}?{query}"));
    }
}
