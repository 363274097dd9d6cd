//! The server-side identity core of an app behind an Amazon Cognito user pool: the **calls to
//! the pool**, with every failure a code the app words ([`cognito`], [`AuthError`]); the
//! **session** the server keeps for the browser (the tokens in encrypted HttpOnly cookies,
//! refreshed by the server: [`session`]) and the **abuse limits** of the forms ([`limits`]); and
//! the part every instance and the API must agree on: the **session store** and the
//! **revocations** kept in it.
//!
//! Cognito's own revocation (`RevokeToken`, `GlobalSignOut`) stops *Cognito* from accepting a
//! token; an API that verifies tokens locally (`cognito-jwt`) keeps accepting a signed-out
//! session's access token until its `exp`. [`Revocations`] is what closes that gap: every
//! sign-out is written here *first* (never depending on Cognito's answer), and the session layer
//! and the verifier ([`cognito_jwt::RevocationCheck`]) ask here on every request.
//!
//! It fails closed: a token or a session that cannot be checked is refused (the caller answers
//! "briefly unavailable" or 503), a sign-out the store did not take is refused on this instance
//! at once and written when the store answers again, and a Redis that is out of memory is
//! treated as down, never as "nothing revoked". So is one that may evict keys, once the app asks
//! for that ([`SessionStore::require_noeviction`], then [`SessionStore::eviction_policy`] at
//! start and every minute or so: each read decides whether the store is trusted).
//!
//! ```
//! use cognito_auth::Revocations;
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), cognito_auth::store::StoreDown> {
//! let revocations = Arc::new(Revocations::in_memory());
//! let now = 1_700_000_000;
//! // "Sign out everywhere": every token of this person issued up to now is refused, on every
//! // instance sharing the store, and by the API.
//! revocations.revoke_person("a-sub", None, now).await?;
//! // A session of that person that began a minute ago is refused; one that begins later is not.
//! let began = |at| Some(at);
//! assert!(revocations.is_session_revoked("a-sub", "session-1", "", began(now - 60), now).await?);
//! assert!(!revocations.is_session_revoked("a-sub", "session-2", "", began(now + 1), now + 1).await?);
//! # Ok(())
//! # }
//! ```
//!
//! | where | what |
//! |---|---|
//! | [`store::SessionStore`] | the store: memory (one instance) or Redis (feature `redis`, every instance); revocations, records, limits' counters, locks |
//! | [`store::Rule`], [`store::Tally`] | the GCRA rate rule and the failure tallies the limits count with |
//! | [`Revocations`] | what each sign-out writes and for how long; how a token or a session is judged |
//! | [`records`] | the sessions list's record of a session: a coarse device and network, nothing secret |
//! | [`secret_hash`] | the app client's secret and `SECRET_HASH`, over the username Cognito knows |
//! | [`session`] | the cookie session: sealed, split, refreshed once at a time on every instance, checked against revocations; its axum middleware; device cookies (feature `session`) |
//! | [`limits`] | the forms' abuse limits: per client, network, account, device; the spray ceiling; code e-mails per day (feature `session`) |
//! | [`clock`], [`expiring`] | the server's clock (a test's in tests); a bounded map whose entries expire |
//! | [`cognito`] | every call to the user pool and its error mapping, retries, the start-up pool check (feature `cognito`); the OAuth 2.0 endpoints (feature `oauth`) |
//! | [`AuthError`] | what went wrong, as a code with its HTTP status and wait: the app owns the words (no feature; wasm too) |
//! | [`types`] | the values both sides share: e-mail, password and its policy, codes, challenge kinds, sign-in methods, confirmation modes (no feature; wasm too) |
//!
//! Features: `server` (default: all but [`types`]), `cognito` (the calls to the user pool, through
//! `aws-sdk-cognitoidentityprovider`), `session` (the cookie session and its axum middleware, the
//! limits), `oauth` (the pool's OAuth 2.0 endpoints: "Continue with …", managed login), `redis` (Redis or Valkey, shared by every instance: `SessionStore::redis`), `metrics` (the Redis store's errors, reconnects and
//! round trips through the `metrics` facade).
#![warn(missing_docs, unreachable_pub)]

#[cfg(feature = "server")]
pub mod clock;
#[cfg(feature = "cognito")]
pub mod cognito;
pub mod error;
#[cfg(feature = "server")]
pub mod expiring;
#[cfg(feature = "session")]
pub mod limits;
#[cfg(feature = "server")]
pub mod records;
#[cfg(feature = "server")]
pub mod revocation;
#[cfg(feature = "server")]
pub mod secret_hash;
#[cfg(feature = "session")]
pub mod session;
#[cfg(feature = "server")]
pub mod store;
pub mod types;
#[cfg(feature = "server")]
mod unverified;

pub use error::AuthError;
#[cfg(feature = "server")]
pub use revocation::{Ended, Revocations, family_of};
#[cfg(feature = "server")]
pub use store::{SessionStore, StoreDown};

/// The store's suite runs on both implementations, so it needs the Redis one.
#[cfg(all(test, feature = "redis"))]
mod tests;

/// The README's example, compiled and run by `cargo test --doc`.
#[cfg(all(doctest, feature = "server"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
