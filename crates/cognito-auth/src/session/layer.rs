//! The middleware: the session of every request but the static files and the API, resolved
//! (and refreshed) before the page or the server function runs, its cookies written after.

use super::*;

/// Middleware: resolves (and refreshes) the session before the page or server function runs,
/// and hands it on as a [`CurrentSession`] in the request's extensions.
///
/// ```no_run
/// # use cognito_auth::session::{Sessions, session_layer};
/// # use std::sync::Arc;
/// # fn app(sessions: Arc<Sessions>) -> axum::Router {
/// axum::Router::new()
///     // .route(...)
///     .layer(axum::middleware::from_fn_with_state(sessions, session_layer))
/// # }
/// ```
pub async fn session_layer(State(sessions): State<Arc<Sessions>>, mut request: Request, next: Next) -> Response {
    if (sessions.skip)(request.uri().path()) {
        return next.run(request).await;
    }
    let signing_out = sessions.sign_out_path == Some(request.uri().path());
    let may_refresh = !signing_out;
    let Resolved {
        session,
        set_cookies,
        unavailable,
    } = sessions.resolve_with(request.headers(), may_refresh).await;
    // Fail closed: a session that cannot be checked is neither accepted nor signed out. But a
    // sign-out goes through (as no session: its refresh token is revoked at Cognito and the
    // cookies cleared, which needs no store), so a shared computer can always be left.
    if unavailable && !signing_out {
        let (parts, _) = request.into_parts();
        return (sessions.unavailable)(&parts);
    }
    if let Some(session) = &session {
        let ip = request.extensions().get::<crate::cognito::Caller>().and_then(|c| c.ip);
        sessions.seen(session, request.headers(), ip).await;
    }
    request.extensions_mut().insert(CurrentSession(session));
    let mut response = next.run(request).await;
    // A handler that set a cookie itself (sign-in, sign-out, an account change) has the last
    // word on that cookie; every other cookie of the layer goes out too. Skipping them all
    // whenever the handler set any would lose a rotated refresh token on a post that sets an
    // unrelated cookie (the language, an account form's pending change), and with it the
    // session once the grace period ends.
    let handler_set: Vec<String> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(cookie_family)
        .collect();
    for value in set_cookies {
        if cookie_family(&value).is_none_or(|family| !handler_set.contains(&family)) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// The cookie a `Set-Cookie` value is for, with the parts of a split session cookie (`…-2`)
/// counted as that cookie: a handler that writes the session writes all of it.
pub(super) fn cookie_family(value: &HeaderValue) -> Option<String> {
    let name = value.to_str().ok()?.split_once('=')?.0.trim();
    let base = match name.rsplit_once('-') {
        Some((base, part)) if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    };
    Some(base.to_owned())
}
