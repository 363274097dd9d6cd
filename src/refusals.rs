//! What the server answers before a page or a server function runs: a request it refuses (too
//! large, rate-limited) and the page while the session store cannot be reached. The router
//! (`router`) and the session layer (`state`, which hands it to `Sessions`) both use them, so
//! they live below both.

use crate::auth::csrf::SERVER_FN_PREFIX;
use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use cognito_auth::AuthError;

/// A server-function request refused before the function ran (too large, rate-limited), in
/// the shape the function itself would have answered: JSON the form can show, with the error's
/// status and `Retry-After`, or — for a form posted without JavaScript — a redirect back to the
/// form with `?error=…`, as [`crate::auth`]'s `form_error` does.
pub fn refuse(
    request_parts: &axum::http::request::Parts,
    error: impl Into<crate::error::AppError>,
) -> axum::response::Response {
    let error = error.into();
    let plain_form = request_parts
        .headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let back = request_parts
        .headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .map(|uri| uri.path().to_owned())
        .filter(|path| path.starts_with('/') && !path.starts_with("//"));
    let retry_after = error.retry_after();
    let mut response = match back {
        Some(path) if plain_form => {
            let query = serde_urlencoded::to_string(error.query()).unwrap_or_default();
            axum::response::Redirect::to(&format!("{path}?{query}")).into_response()
        }
        _ => {
            let status = axum::http::StatusCode::from_u16(error.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            // Outside a server function: the words' language is the request's, said here.
            let lang = crate::i18n::request_language(&request_parts.headers);
            (status, Json(error.said_in(lang))).into_response()
        }
    };
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The answer while the session store cannot be reached ([`cognito_auth::store`]):
/// 503 with `Retry-After`, for a server function in its own shape ([`refuse`]), for a page a
/// short page in the request's language that says so and offers to try again.
pub fn briefly_unavailable(parts: &axum::http::request::Parts) -> axum::response::Response {
    let error = crate::error::AppError::new(AuthError::BrieflyUnavailable);
    if parts.uri.path().starts_with(SERVER_FN_PREFIX) {
        return refuse(parts, error);
    }
    let lang = crate::i18n::request_language(&parts.headers);
    let message = error.message(lang);
    let again = crate::t!(lang, site.try_again);
    let title = (crate::t!(lang, site.title))(&message);
    // Back to the same page, and only ever on this site (`//evil.example` is not a path here).
    let path = crate::auth::validate::safe_next(parts.uri.path_and_query().map(|p| p.as_str()));
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let page = format!(
        "<!DOCTYPE html><html lang=\"{tag}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>\
         <body><main><h1>{message}</h1><p><a href=\"{path}\">{again}</a></p></main></body></html>",
        tag = lang.tag(),
        title = escape(&title),
        message = escape(&message),
        path = escape(&path),
        again = escape(again),
    );
    let mut response = (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        page,
    )
        .into_response();
    if let Some(seconds) = error.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
