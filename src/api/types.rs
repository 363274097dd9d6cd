//! JSON shapes of the API, seen by both the server and the browser.

use serde::{Deserialize, Serialize};

/// `GET /api/me`: who the bearer token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub sub: String,
    pub username: String,
    /// From Cognito's `GetUser`, called with the caller's own token; `None` if it is unavailable.
    pub email: Option<String>,
    pub groups: Vec<String>,
    pub scopes: Vec<String>,
    pub client_id: String,
    /// Unix seconds.
    pub expires_at: u64,
    pub issued_at: u64,
}

/// The body of every API error (RFC 6750 codes, plus `missing_token` when no token was sent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: String,
    pub error_description: String,
}
