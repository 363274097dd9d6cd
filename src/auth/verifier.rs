//! The API's token checks are the `cognito-jwt` crate of this workspace
//! (`crates/cognito-jwt`): every rule, the JWKS cache and the extractor are there. What this app
//! adds is its revocation store as the verifier's [`RevocationCheck`]
//! (`cognito_auth::Revocations`).

pub use cognito_jwt::{
    AccessClaims, IdClaims, MAX_TOKEN_BYTES, REFETCH_PENALTY, RevocationCheck, RevocationFuture, TokenError,
    Unavailable, Verifier, VerifierConfig,
};
