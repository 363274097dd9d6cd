//! Everything about identity: the sign-up / confirm / sign-in / sign-out server functions, the
//! Cognito calls behind them, the server-kept session and its refresh, the JWT verifier of the
//! API.
//!
//! The parts both sides compile come first; the server-only parts are switched on here, once.

mod functions;
pub mod validate;

pub use functions::*;

#[cfg(feature = "ssr")]
pub mod cognito;
#[cfg(feature = "ssr")]
pub mod csrf;
#[cfg(feature = "ssr")]
pub mod expiring;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod verifier;

use serde::{Deserialize, Serialize};
use validate::PasswordPolicy;

/// How new accounts get out of Cognito's UNCONFIRMED state: the three ways the scenario weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfirmationMode {
    /// Cognito e-mails a 6-digit code; the person types it on `/confirm`.
    Code,
    /// The pool's PreSignUp Lambda trigger confirms the account as it is made.
    Lambda,
    /// This server calls `AdminConfirmSignUp` right after `SignUp` (needs AWS credentials).
    Admin,
}

impl ConfirmationMode {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Code => "Cognito e-mails a 6-digit code, and you type it in on the confirmation page.",
            Self::Lambda => {
                "A PreSignUp Lambda trigger (written in Rust) confirms the account and verifies the e-mail as it is created."
            }
            Self::Admin => {
                "The server confirms the account with AdminConfirmSignUp right after sign-up, using its AWS credentials."
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Code => "e-mail code",
            Self::Lambda => "PreSignUp Lambda",
            Self::Admin => "admin confirmation",
        }
    }
}

/// What the sign-up page needs from the server: the pool's password policy and the mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpSettings {
    pub policy: PasswordPolicy,
    pub mode: ConfirmationMode,
}

/// The signed-in user, as the pages see them. Deliberately holds no token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub email: String,
}

/// What the protected page shows about the session, from the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub email: String,
    pub sub: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub refreshed_at: Option<i64>,
}

/// A fresh access token handed to the browser for one API call (token-mediating backend): it
/// lives in JS memory only for the call; the refresh token never leaves its cookie.
#[derive(Clone, Serialize, Deserialize)]
pub struct ApiToken {
    pub access_token: String,
    pub expires_at: i64,
    pub refreshed_at: Option<i64>,
}
