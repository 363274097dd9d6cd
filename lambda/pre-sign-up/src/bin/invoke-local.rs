//! A minimal stand-in for the AWS Lambda Invoke API, so cognito-local can call the very same
//! [`pre_sign_up::pre_sign_up`] as its PreSignUp trigger. Development and tests only; it
//! listens on 127.0.0.1 (`LAMBDA_PORT`, default 9001).
//!
//! `cargo lambda watch` serves this API too; this runner exists because cargo-lambda cannot be
//! installed on every machine (it pulls in a Zig toolchain for cross builds).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

/// `POST /2015-03-31/functions/{name}/invocations` answers like Lambda: 200 with the function's
/// result, or 200 with `X-Amz-Function-Error: Unhandled` and an error payload.
async fn invoke(Path(name): Path<String>, body: Bytes) -> Response {
    let function_error = |message: String| {
        tracing::warn!(function = %name, %message, "invocation failed");
        let payload = serde_json::json!({ "errorType": "InvalidEvent", "errorMessage": message });
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-function-error", HeaderValue::from_static("Unhandled"));
        (StatusCode::OK, headers, payload.to_string()).into_response()
    };
    if name != "pre-sign-up" && !name.ends_with(":pre-sign-up") {
        return (StatusCode::NOT_FOUND, format!("no function `{name}` here")).into_response();
    }
    match serde_json::from_slice::<CognitoEventUserPoolsPreSignup>(&body) {
        Ok(event) => {
            let answer = pre_sign_up::pre_sign_up(event);
            tracing::info!(user = ?answer.cognito_event_user_pools_header.user_name, "pre-sign-up: auto-confirmed");
            match serde_json::to_string(&answer) {
                Ok(json) => (StatusCode::OK, [("content-type", "application/json")], json).into_response(),
                Err(e) => function_error(e.to_string()),
            }
        }
        Err(e) => function_error(format!("not a PreSignUp event: {e}")),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt().init();
    let port: u16 = match std::env::var("LAMBDA_PORT").ok().map(|p| p.parse()) {
        None => 9001,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("configuration: LAMBDA_PORT must be a port number");
            return std::process::ExitCode::FAILURE;
        }
    };
    let app = Router::new().route("/2015-03-31/functions/{name}/invocations", post(invoke));
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("could not listen on 127.0.0.1:{port}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!("Lambda Invoke API for `pre-sign-up` on http://127.0.0.1:{port}");
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
