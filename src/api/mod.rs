//! The token-checked JSON API — the part the scenario's Laravel API played.
//!
//! Callers send a Cognito access token as `Authorization: Bearer`; [`server::Authenticated`]
//! verifies it before a handler runs. The answer types are shared with the browser, which calls
//! the API from the protected page.

mod types;
pub use types::*;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
pub mod client;
