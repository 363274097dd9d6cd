//! A plain axum app behind a Cognito user pool, with `cognito-auth`'s session: the tokens stay on
//! the server (encrypted HttpOnly cookies), the middleware refreshes them before they expire,
//! and a sign-out is refused everywhere the revocations are asked. Server-rendered forms, no
//! JavaScript. Run it against the pool of `scripts/dev` (see README.md).
//!
//! - `GET /`: the sign-in form, or who is signed in and a sign-out button;
//! - `POST /sign-in`, `POST /sign-out`: the forms' posts;
//! - `GET /me`: the session as JSON (401 without one).

use axum::extract::{Extension, Form, State};
use axum::http::{HeaderMap, StatusCode, header::SET_COOKIE};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use cognito_auth::cognito::{AuthStep, Caller, Cognito};
use cognito_auth::session::{CurrentSession, SessionConfig, Sessions, now_unix, session_layer};
use cognito_auth::types::{Email, Password};
use cognito_auth::{AuthError, Ended, Revocations};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
struct App {
    cognito: Cognito,
    sessions: Arc<Sessions>,
    revocations: Arc<Revocations>,
}

#[tokio::main]
async fn main() {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(pool), Some(client)) = (env("COGNITO_USER_POOL_ID"), env("COGNITO_CLIENT_ID")) else {
        eprintln!("set COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID (README.md)");
        std::process::exit(2);
    };
    // Region, credentials and, for an emulator, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER.
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let sdk = cognito_auth::cognito::sdk::Client::new(&aws);
    let secret = env("COGNITO_CLIENT_SECRET").map(cognito_auth::secret_hash::ClientSecret::new);
    let cognito = Cognito::new(sdk, pool, client, secret);
    // In production: a 64-byte SESSION_KEY shared by every instance, `secure: true` (https), and
    // the Redis store (`SessionStore::redis`) so that every instance sees every sign-out.
    // Refreshed by the middleware when the access token has less than a minute left.
    let config = SessionConfig::new(Duration::from_secs(30 * 24 * 3600), Duration::from_secs(60));
    let revocations = Arc::new(Revocations::in_memory());
    let Ok(sessions) = Sessions::new(&config, cognito.clone()) else {
        eprintln!("the session key must be 64 bytes");
        std::process::exit(2);
    };
    let sessions = Arc::new(
        sessions
            .with_revocations(revocations.clone())
            .with_sign_out_path("/sign-out"),
    );
    let app = Router::new()
        .route("/", get(home))
        .route("/me", get(me))
        .route("/sign-in", post(sign_in))
        .route("/sign-out", post(sign_out))
        .layer(middleware::from_fn_with_state(sessions.clone(), session_layer))
        .with_state(App {
            cognito,
            sessions,
            revocations,
        });
    let addr = env("ADDR").unwrap_or_else(|| "127.0.0.1:3001".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap_or_else(|e| {
        eprintln!("cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    eprintln!("listening on http://{addr}");
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("server stopped: {e}");
    }
}

async fn home(Extension(CurrentSession(session)): Extension<CurrentSession>) -> Html<String> {
    Html(match session {
        Some(s) => page(&format!(
            "<p>Signed in as <b>{}</b>.</p><form method=post action=/sign-out><button>Sign out</button></form>",
            escape(&s.email)
        )),
        None => sign_in_page(""),
    })
}

/// The session as JSON: what a page or an API call of this app would read.
async fn me(Extension(CurrentSession(session)): Extension<CurrentSession>) -> Response {
    match session {
        Some(s) => Json(serde_json::json!({
            "email": s.email, "sub": s.sub, "expires_at": s.expires_at, "refreshed_at": s.refreshed_at,
        }))
        .into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "error": "signed_out" })),
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
struct SignIn {
    email: String,
    password: String,
}

async fn sign_in(State(app): State<App>, Form(form): Form<SignIn>) -> Response {
    let step = async {
        let email = Email::parse(&form.email)?;
        let password = Password::for_sign_in(form.password)?;
        app.cognito.sign_in(Caller { ip: None }, &email, &password).await
    };
    match step.await {
        Ok(AuthStep::Tokens(tokens)) => match app.sessions.start(&tokens, true, false).await {
            Ok((_, cookies)) => {
                let mut response = Redirect::to("/").into_response();
                for cookie in cookies {
                    response.headers_mut().append(SET_COOKIE, cookie);
                }
                response
            }
            Err(e) => refused(e),
        },
        // A second factor, a new password: the demo app (src/auth/flows/challenges.rs) answers them.
        Ok(AuthStep::Challenge(_)) => refused(AuthError::UnsupportedChallenge),
        Err(e) => refused(e),
    }
}

async fn sign_out(
    State(app): State<App>,
    Extension(CurrentSession(session)): Extension<CurrentSession>,
    headers: HeaderMap,
) -> Response {
    // Written first, whatever Cognito says: every instance and the API refuse this session now.
    let ended = session.map(|s| Ended {
        family: None,
        sub: s.sub,
        session_id: s.session_id,
        access_token: s.access_token,
    });
    if let Some(ended) = ended.or_else(|| app.sessions.ended_in_cookies(&headers)) {
        let _ = app.revocations.revoke_session_or_later(ended, now_unix()).await;
    }
    if let Some(refresh_token) = app.sessions.refresh_token(&headers) {
        let _ = app.cognito.sign_out(&refresh_token).await; // RevokeToken: this browser's tokens only
    }
    let mut response = Redirect::to("/").into_response();
    for cookie in app.sessions.clear() {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// The words are the app's: the core answers a code ([`AuthError::code`]) and an HTTP status.
fn refused(err: AuthError) -> Response {
    let words = match err {
        AuthError::InvalidCredentials | AuthError::InvalidEmail => "Wrong e-mail address or password.",
        AuthError::NotConfirmed => "Confirm your account with the code we e-mailed first.",
        AuthError::PasswordResetRequired => "Reset your password first.",
        AuthError::UnsupportedChallenge => "This account needs a second step this example does not show.",
        AuthError::TooManyAttempts | AuthError::Throttled => "Too many attempts: wait a minute and try again.",
        AuthError::Unavailable => "The sign-in service cannot be reached: try again in a moment.",
        _ => "Something went wrong on our side.",
    };
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Html(sign_in_page(words))).into_response()
}

fn sign_in_page(error: &str) -> String {
    page(&format!(
        "<p role=alert>{}</p><form method=post action=/sign-in>\
         <label>E-mail <input name=email type=email autocomplete=username required></label>\
         <label>Password <input name=password type=password autocomplete=current-password required></label>\
         <button>Sign in</button></form>",
        escape(error)
    ))
}

fn page(body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><meta charset=utf-8><title>axum-session</title><h1>axum-session</h1>{body}</html>"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
