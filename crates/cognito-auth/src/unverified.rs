//! The few claims read from tokens that came straight from Cognito over TLS, without a
//! signature check (OpenID Connect Core §3.1.3.7 allows it for tokens from the token endpoint):
//! they only name what a revocation refuses. Every token an API is *sent* is verified
//! (`cognito-jwt`).

use base64::Engine as _;
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct Unverified {
    pub(crate) exp: i64,
    #[serde(default)]
    pub(crate) iat: Option<i64>,
    #[serde(default)]
    pub(crate) jti: Option<String>,
    #[serde(default)]
    pub(crate) origin_jti: Option<String>,
}

/// The payload of a compact JWT, or `None` when it is not one.
pub(crate) fn peek(jwt: &str) -> Option<Unverified> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}
