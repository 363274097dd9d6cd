//! The axum router: Leptos pages and server functions, the API, and the layers around them.
//! Built by [`router`] so tests can send requests without opening a socket.

use crate::api;
use crate::app::{App, shell};
use crate::auth::csrf::{SERVER_FN_PREFIX, is_cross_site};
use crate::auth::managed_login_layer;
use crate::refusals::refuse;
use crate::state::AppState;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router, middleware};
use cognito_auth::AuthError;
use cognito_auth::limits::Form;
use cognito_auth::session::session_layer;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Every form and API call of the app fits in a few KiB; anything larger is refused with 413
/// before it is read.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// An oversized body up to this size is read and thrown away before the refusal is sent:
/// answering early and closing the connection while the browser is still uploading makes it
/// show its own "connection reset" page instead of our message.
const DRAIN_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let page = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    // Pages and server functions: the session is resolved (and refreshed) for them, server
    // functions are guarded, request bodies are bounded in size and time, and answers are
    // compressed. The API, /health and the bundle skip all of it: they never use cookies, take
    // no body, and answer a few hundred bytes (the bundle comes precompressed). Every request
    // pays for its layers, and a flood of forged API tokens should cost as little as possible
    // (docs/performance.md, "The token-checked API", for what each layer costs).
    let body_timeout = state.config.request_body_timeout;
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context, page)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(revalidate_public_scripts))
        .layer(middleware::from_fn_with_state(state.clone(), managed_login_layer))
        .layer(middleware::from_fn_with_state(state.sessions.clone(), session_layer))
        .layer(middleware::from_fn_with_state(state.clone(), guard_server_fns))
        // Inside the limit: the body it reads in time is already cut at the limit.
        .layer(middleware::from_fn_with_state(body_timeout, read_body_in_time))
        // Outside the limit, so it sees the limit's 413.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(explain_too_large))
        .layer(middleware::from_fn_with_state(body_timeout, drain_declared_oversize))
        .layer(compression());
    let hsts = state.config.hsts();
    let router = Router::new()
        .merge(api::me::routes())
        .route("/health", get(health))
        .nest_service(
            &format!("/{}", state.leptos_options.site_pkg_dir),
            assets(&state.leptos_options),
        )
        .merge(pages)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ));
    let router = match hsts {
        Some(value) => router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(value),
        )),
        None => router,
    };
    router.with_state(state)
}

/// The whole body must arrive within `timeout`, or the request is answered 408 and the
/// connection closed. A timeout between two chunks (tower-http's `RequestBodyTimeout`) would
/// let a sender trickle a byte every few seconds and hold a connection for hours; every body
/// the app takes is small (see [`MAX_BODY_BYTES`]), so it is read whole here, under one clock.
async fn read_body_in_time(
    axum::extract::State(timeout): axum::extract::State<std::time::Duration>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::body::HttpBody as _;
    // A request without a body (every page view) needs no clock.
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => next.run(axum::extract::Request::from_parts(parts, bytes.into())).await,
        // Over the limit (the limit layer cut it) or the client went away.
        Ok(Err(_)) => axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Err(_) => {
            tracing::info!(path = %parts.uri.path(), "a request body did not arrive in time");
            too_slow()
        }
    }
}

fn too_slow() -> axum::response::Response {
    (
        axum::http::StatusCode::REQUEST_TIMEOUT,
        [(header::CONNECTION, "close")],
        "the request body did not arrive in time",
    )
        .into_response()
}

/// Pages and the bundle are compressed as they go out; a response that is already encoded is
/// left alone. Brotli's default quality (11) is meant for files compressed once.
fn compression() -> CompressionLayer {
    CompressionLayer::new().quality(CompressionLevel::Precise(5))
}

/// The scripts in `public/` ([`crate::routes::PUBLIC_SCRIPTS`]) keep their names from one
/// deploy to the next: a browser must ask whether its copy is current (`no-cache`; the file
/// server answers 304 when it is), or it could run an old one against a new server.
async fn revalidate_public_scripts(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let script = crate::routes::PUBLIC_SCRIPTS.contains(&request.uri().path());
    let mut response = next.run(request).await;
    if script && (response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// The wasm, JS and CSS bundle under `/pkg`. cargo-leptos puts a hash of each file's content in
/// its name (`hash-files`), so a name never points at other content and browsers may keep the
/// files for a year without asking again. Precompressed `.br` / `.gz` files are sent when the
/// browser accepts them. Without hashing (a hand-made build) browsers must revalidate.
fn assets(options: &LeptosOptions) -> Router {
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = HeaderValue::from_static(if options.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    });
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    // A file that comes precompressed is left alone; a debug build's are compressed on the fly.
    Router::new()
        .fallback_service(files)
        .layer(compression())
        .layer(middleware::map_response(
            move |mut response: axum::response::Response| {
                let cache = cache.clone();
                async move {
                    // A 404 must not be remembered for a year: the next build may bring the file.
                    if response.status().is_success() {
                        response.headers_mut().insert(header::CACHE_CONTROL, cache);
                    }
                    response
                }
            },
        ))
}

/// A request that declares a body over the limit is refused here, after its body (up to
/// [`DRAIN_BODY_BYTES`]) has been read, so the browser finishes sending and sees the answer.
/// Bodies without a length are cut by the limit layer as they stream.
async fn drain_declared_oversize(
    axum::extract::State(timeout): axum::extract::State<std::time::Duration>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(len) if len > MAX_BODY_BYTES => {
            let (parts, body) = request.into_parts();
            if len <= DRAIN_BODY_BYTES
                && tokio::time::timeout(timeout, axum::body::to_bytes(body, DRAIN_BODY_BYTES))
                    .await
                    .is_err()
            {
                return too_slow();
            }
            explained(&parts, axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response())
        }
        _ => next.run(request).await,
    }
}

/// The body limit answers a bare 413. For the server functions it becomes the app's own error.
async fn explain_too_large(request: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    if !request.uri().path().starts_with(SERVER_FN_PREFIX) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let response = next.run(axum::extract::Request::from_parts(parts.clone(), body)).await;
    explained(&parts, response)
}

fn explained(
    request_parts: &axum::http::request::Parts,
    response: axum::response::Response,
) -> axum::response::Response {
    if response.status() != axum::http::StatusCode::PAYLOAD_TOO_LARGE
        || !request_parts.uri.path().starts_with(SERVER_FN_PREFIX)
    {
        return response;
    }
    refuse(request_parts, AuthError::TooLarge)
}

/// Everything the server functions under `/auth/` share, in one pass: cross-site posts are
/// refused ([`crate::auth::csrf`]), posts to the forms that call Cognito are rate-limited per
/// client IP before their body is read ([`crate::auth::limits`]), and a failure is answered with
/// its error's own status.
async fn guard_server_fns(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let ip = state.limits.client_ip(request.headers(), peer);
    // The server functions pass it on to Cognito (`UserContextData`); the session layer
    // notes its network in the session's record. (An unknown address, 0.0.0.0, is not sent.)
    let ip = Some(ip).filter(|ip| !ip.is_unspecified());
    let mut request = request;
    request.extensions_mut().insert(cognito_auth::cognito::Caller { ip });
    let path = request.uri().path();
    if !path.starts_with(SERVER_FN_PREFIX) {
        return next.run(request).await;
    }
    if request.method() != axum::http::Method::GET && is_cross_site(&request, &state.config.app_url) {
        tracing::warn!(%path, "refused a cross-site request");
        return (axum::http::StatusCode::FORBIDDEN, "cross-site requests are refused").into_response();
    }
    // What the browser proved before (a session, a pending sign-in, a device cookie): its posts
    // are counted by that, and its failures by the device cookie (`auth::limits`).
    let trust = state.sessions.trust(request.headers(), ip, state.clock.now());
    if request.method() == axum::http::Method::POST
        && let Some(form) = form_of(path)
        && let Err(err) = state.limits.check_source(form, &trust).await
    {
        let (parts, _) = request.into_parts();
        return refuse(&parts, err);
    }
    request.extensions_mut().insert(trust);
    status_from_error(next.run(request).await).await
}

/// Leptos answers a server function that failed before the app's code ran (arguments that do
/// not decode, a body cut by the limit) with 500 and the encoded [`crate::error::AppError`].
/// The status here follows that error instead, so a malformed post is a 400, not a server fault.
async fn status_from_error(response: axum::response::Response) -> axum::response::Response {
    if response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR
        || !response
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<crate::error::AppError>(&bytes)
        && let Ok(status) = axum::http::StatusCode::from_u16(error.status())
    {
        parts.status = status;
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// For scripts and load balancers: the process is up and serving.
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// The abuse limits' form a request path belongs to (the server functions' endpoints).
fn form_of(path: &str) -> Option<Form> {
    Some(match path.strip_prefix(SERVER_FN_PREFIX)? {
        "sign-up" => Form::SignUp,
        "confirm" => Form::Confirm,
        "resend-code" => Form::Resend,
        "sign-in" => Form::SignIn,
        "sign-in-email-code" => Form::EmailCode,
        "passkey-options" => Form::PasskeyOptions,
        "passkey-sign-in" => Form::PasskeyAnswer,
        "forgot-password" => Form::ForgotPassword,
        "reset-password" => Form::ResetPassword,
        "mfa-code" | "mfa-setup" => Form::MfaCode,
        "choose-mfa" => Form::ChooseMfa,
        "new-password" => Form::NewPassword,
        "continue" | "callback" => Form::Federation,
        // The header's language switch writes the person's `locale` at Cognito; a sign-out
        // revokes a refresh token there; the account page (read by a script) is a GetUser.
        "language" => Form::Account("language"),
        "sign-out" => Form::Account("sign-out"),
        "account" => Form::Account("view"),
        action if action.starts_with("account-") => Form::Account("any"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_cognito_forms_are_limited() {
        assert_eq!(super::form_of("/auth/sign-in"), Some(Form::SignIn));
        assert_eq!(super::form_of("/auth/reset-password"), Some(Form::ResetPassword));
        assert_eq!(super::form_of("/auth/language"), Some(Form::Account("language")));
        assert_eq!(super::form_of("/auth/api-token"), None);
        assert_eq!(super::form_of("/sign-in"), None);
    }
}
