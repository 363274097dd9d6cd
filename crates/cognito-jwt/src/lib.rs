//! Verifies Amazon Cognito user-pool JWTs as strictly as AWS's own
//! [`aws-jwt-verify`](https://github.com/awslabs/aws-jwt-verify), for any Rust API behind a pool.
//!
//! Every rule is spelled out, since a general JWT library's defaults are not enough for Cognito:
//! - RS256 only, a `kid` required, keys only from the pool's JWKS (never `jku`, `x5u`, `jwk`);
//! - `iss` exactly the pool's, `exp` required, `nbf` honoured, no leeway unless asked for;
//! - `token_use` and `client_id` (access) or `aud` (ID) checked against the accepted app clients
//!   (Cognito access tokens carry no `aud`);
//! - a [`RevocationCheck`] asked after every other check: the signed-out sessions a signature
//!   cannot know about.
//!
//! **Cheap checks first.** A public API meets floods of forged, expired and foreign tokens, so a
//! token is refused on everything that needs no cryptography — its size and shape, its header,
//! every claim — before its key is looked up or its signature checked. Refusing on claims that
//! are not yet verified is safe: they can only make a token fail, never pass. Unlike
//! `aws-jwt-verify`, which checks the signature first, this tells an unsigned sender which issuer
//! and app client are accepted; neither is a secret (the issuer is the pool's public URL, a
//! client id is no credential).
//!
//! **Keys parsed once**, with `aws-lc-rs`, when the JWKS is fetched; cached by `kid`. An unknown
//! `kid` causes at most one fetch at a time, shared by every request waiting for it, and at most
//! one per [`REFETCH_PENALTY`], so a flood of forged `kid`s cannot become a flood of requests to
//! Cognito. **Verified access tokens are remembered** until their `exp` (the revocation check is
//! still asked every time); the cache is bounded and emptied whenever the keys are fetched again.
//!
//! ```no_run
//! use cognito_jwt::{Verifier, VerifierConfig};
//!
//! # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let config = VerifierConfig::for_pool("eu-west-1", "eu-west-1_AbC123xyz", ["your-app-client-id"]);
//! let verifier = Verifier::new(config)?;
//! let claims = verifier.verify_access(token).await?;
//! println!("{} is signed in, in groups {:?}", claims.sub, claims.groups);
//! # Ok(())
//! # }
//! ```
//!
//! With the `axum` feature, [`axum::Authenticated`] is the extractor for `Authorization: Bearer`
//! routes, and its rejection the precise RFC 6750 answer: 401 with a bare challenge when there is
//! no token, 400 for a malformed header, 401 `invalid_token` with the reason, 403
//! `insufficient_scope` from [`axum::Authenticated::require_group`], 503 with `Retry-After` when
//! the keys or the revocation check cannot be reached.
//!
//! | where | what |
//! |---|---|
//! | [`VerifierConfig`] | the pool, its app clients, the leeway, the refetch penalty |
//! | [`Verifier`] | `verify_access`, `verify_id`, counts of refusals by reason |
//! | [`AccessClaims`], [`IdClaims`] | what a verified token says |
//! | [`TokenError`] | why a token was refused (safe to send to the client) |
//! | [`RevocationCheck`] | the hook for signed-out sessions (`aws-jwt-verify`'s `customJwtCheck`) |
//! | [`axum`] (feature `axum`) | `Authenticated` and `BearerError` |
//!
//! Features: `axum` (the extractor), `metrics` (counters `api_verifications_total{outcome}`
//! through the `metrics` facade).
#![warn(missing_docs, unreachable_pub)]

mod cache;
mod claims;
mod error;
mod jwks;
mod revocation;
mod verify;

#[cfg(feature = "axum")]
pub mod axum;

pub use claims::{AccessClaims, IdClaims};
pub use error::TokenError;
pub use revocation::{RevocationCheck, RevocationFuture, Unavailable};
pub use verify::{
    MAX_TOKEN_BYTES, REFETCH_PENALTY, REFUSAL_LOG_EVERY, SetupError, VERIFIED_CACHE_MAX, Verifier, VerifierConfig,
};
