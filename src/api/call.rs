//! The protected page's call to the API, made by the server: the backend-for-frontend of the
//! IETF's "OAuth 2.0 for Browser-Based Applications" (§6.1). The browser asks its own server,
//! under the session cookie, to call the API; the server attaches `Authorization: Bearer` with
//! the access token it keeps and hands back what the API answered. No Cognito token ever
//! reaches JavaScript: a script on the page (or anyone at the unlocked browser with the
//! developer console) cannot take the token and call Cognito with it.
//!
//! The API itself stays Bearer-only ([`super::server`]), for every other client: a CLI, a mobile
//! app, `curl`.

use super::Me;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One call to the API as the page shows it: what was sent, what came back, and the session
/// it was made with. Holds no token, only the token's length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCall {
    /// `GET`.
    pub method: String,
    /// `/api/me` when the API runs in this process, the whole URL when it runs elsewhere.
    pub url: String,
    /// The length of the access token the server attached, so the page can say what it elides.
    pub token_bytes: usize,
    pub answer: ApiAnswer,
    /// When the session's access token expires (Unix seconds).
    pub expires_at: i64,
    /// When the server last refreshed the session (Unix seconds); `None` until it first did.
    pub refreshed_at: Option<i64>,
}

/// What the API answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiAnswer {
    /// 200 with the verified claims.
    Me(Me),
    /// A refusal with its HTTP status and RFC 6750 error code (`invalid_token`, …).
    Refused { status: u16, error: String },
    /// An answer that is not the API's JSON (a proxy's HTML page, a truncated body).
    Unexpected { status: u16 },
    /// No answer: the API did not answer in time or could not be reached.
    Unreachable,
}

/// Calls `GET /api/me` with this session's access token (refreshed first by the session layer
/// if it was about to expire) and returns what the API answered. Without a session: the
/// session-expired error, so the page sends the person to sign in.
#[server(prefix = "/auth", endpoint = "call-api")]
pub async fn call_api() -> Result<ApiCall, AppError> {
    use crate::auth::context::{no_store, session, state};
    no_store();
    let state = state()?;
    let session = session().ok_or(AppError::new(AuthError::SessionExpired))?;
    Ok(super::bff::call_me(&state.api_state, &state.api, &session).await)
}
