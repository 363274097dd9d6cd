//! The middleware: the session of every request but the static files and the API, resolved
//! (and refreshed) before the page or the server function runs, its cookies written after.

use super::*;

/// Paths that never need the session: static files and the bearer-token API.
/// The sign-out server function (`flows/sign_in.rs`): its request never refreshes the session.
const SIGN_OUT_PATH: &str = "/auth/sign-out";

pub(super) fn skips_session(path: &str) -> bool {
    path.starts_with("/pkg/") || path.starts_with("/api/") || path == "/health" || path == "/favicon.ico"
}

/// Middleware: resolves (and refreshes) the session before the page or server function runs.
pub async fn session_layer(State(sessions): State<Arc<Sessions>>, mut request: Request, next: Next) -> Response {
    if skips_session(request.uri().path()) {
        return next.run(request).await;
    }
    let may_refresh = request.uri().path() != SIGN_OUT_PATH;
    let Resolved {
        session,
        set_cookies,
        unavailable,
    } = sessions.resolve_with(request.headers(), may_refresh).await;
    // Fail closed: a session that cannot be checked is neither accepted nor signed out. But a
    // sign-out goes through (as no session: its refresh token is revoked at Cognito and the
    // cookies cleared, which needs no store), so a shared computer can always be left.
    if unavailable && request.uri().path() != SIGN_OUT_PATH {
        let (parts, _) = request.into_parts();
        return (sessions.unavailable)(&parts);
    }
    if let Some(session) = &session {
        let ip = request
            .extensions()
            .get::<cognito_auth::cognito::Caller>()
            .and_then(|c| c.ip);
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
