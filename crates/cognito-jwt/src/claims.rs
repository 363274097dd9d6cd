//! What a verified Cognito token says.

use serde::Deserialize;

/// The claims of a verified Cognito access token.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessClaims {
    /// The user's id in the pool.
    pub sub: String,
    /// The user's internal username (a UUID in pools that sign in with e-mail; `Google_…` for a
    /// provider's user).
    // Defaulted so that an ID token sent here fails on `token_use`, with the reason named.
    #[serde(default)]
    pub username: String,
    /// The app client the token was issued to.
    #[serde(default)]
    pub client_id: String,
    /// `access`.
    pub token_use: String,
    /// The pool's issuer URL.
    pub iss: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Not before, Unix seconds (rare on Cognito).
    #[serde(default)]
    pub nbf: Option<u64>,
    /// The OAuth scopes, space-separated ([`AccessClaims::scopes`]).
    #[serde(default)]
    pub scope: Option<String>,
    /// `cognito:groups`.
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    /// The token's own id.
    #[serde(default)]
    pub jti: Option<String>,
    /// One per refresh token: every access token issued from it carries the same (when the app
    /// client has token revocation on), so revoking a sign-in's family refuses them all.
    #[serde(default)]
    pub origin_jti: Option<String>,
}

impl AccessClaims {
    /// The OAuth scopes the token carries.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace()
    }

    /// The token's family: every access token of one sign-in (one refresh token) shares it.
    /// Cognito's `origin_jti` where the app client has token revocation on; else the token's own
    /// `jti` (it is then its own family).
    pub fn family(&self) -> Option<&str> {
        self.origin_jti.as_deref().or(self.jti.as_deref())
    }
}

/// The claims of a verified Cognito ID token.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdClaims {
    /// The user's id in the pool.
    pub sub: String,
    /// The app client the token was issued to.
    pub aud: String,
    /// `id`.
    pub token_use: String,
    /// The pool's issuer URL.
    pub iss: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// The user's e-mail address, when the pool has one for them.
    #[serde(default)]
    pub email: Option<String>,
    /// `cognito:username`.
    #[serde(default, rename = "cognito:username")]
    pub username: Option<String>,
    /// `cognito:groups`.
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    /// The `nonce` of the sign-in request this token answers (the pool's OAuth endpoints): the
    /// caller compares it with the one it sent.
    #[serde(default)]
    pub nonce: Option<String>,
}
