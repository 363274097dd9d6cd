//! The token-checked JSON API — the part the scenario's Laravel API played.
//!
//! Callers send a Cognito access token as `Authorization: Bearer`; [`me::Authenticated`]
//! verifies it before a handler runs. The browser never holds such a token: the protected page
//! asks its own server to make the call ([`call`], [`bff`]), and the server attaches the token
//! it keeps. The answer types are shared with the browser, which shows them.

mod call;
mod types;
pub use call::*;
pub use types::*;

#[cfg(feature = "ssr")]
pub mod bff;
#[cfg(feature = "ssr")]
pub mod me;
