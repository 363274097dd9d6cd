//! Everything about identity: the sign-up / confirm / sign-in / sign-out server functions, the
//! sign-in challenges (MFA, invited users' first password), the Cognito calls behind them, the
//! server-kept session and its refresh, the JWT verifier of the API.
//!
//! Each flow is found by its folder and file:
//!
//! | what | where |
//! |---|---|
//! | **server functions, by flow** (both builds compile them: the browser calls them) | `flows/` |
//! | sign up, confirm, send the code again | `flows/sign_up.rs` |
//! | sign in (password, e-mail code), sign out, what the pages read about the session | `flows/sign_in.rs` |
//! | reset the password | `flows/password_reset.rs` |
//! | answer a sign-in challenge (code, choice, new password, authenticator set-up) | `flows/challenges.rs` |
//! | passkeys: sign in with one | `flows/passkeys.rs` |
//! | "Continue with Google" and managed login: to the pool's OAuth endpoints and back | `flows/federation.rs` |
//! | the account page: password, authenticator, name, e-mail, sign out everywhere, delete | `flows/account/mod.rs` |
//! | what every account form goes through first (signed in, the password recently, the way back) | `flows/account/guard.rs` |
//! | the account's passkeys: list, add, remove | `flows/account/passkeys.rs` |
//! | the header's language switch (cookie, and the `locale` attribute when signed in) | `flows/language.rs` |
//! | **Cognito**: every call, its error mapping, retries, the pool check, `SECRET_HASH` | `cognito_auth::cognito` (crates/cognito-auth) |
//! | **the session**: cookies, refresh, the middleware, device cookies | `cognito_auth::session` |
//! | the pending sign-in between challenge pages | `flows/pending.rs` |
//! | what a form field accepts (both builds; the values are `cognito_auth::types`) | `validate.rs` |
//! | the JWT verifier of the API | `verifier.rs` |
//! | abuse limits per IP, e-mail and form | `cognito_auth::limits` (paths to forms: `crate::router`) |
//! | cross-site refusal of server-function posts | `csrf.rs` |
//! | authenticator-app set-up: `otpauth://` URI and QR code | `totp.rs` |
//! | what the server functions share: state, session, cookies, form errors | `context.rs` |
//! | a map whose entries expire (limits, caches) | `cognito_auth::expiring` |
//! | the server's clock (a test's, in tests) | `cognito_auth::clock` |
//!
//! The parts both sides compile come first; the server-only parts are switched on here, once.

mod flows;
pub mod validate;

pub use flows::*;

#[cfg(feature = "ssr")]
#[cfg(feature = "ssr")]
pub(crate) mod context;
#[cfg(feature = "ssr")]
pub mod csrf;
#[cfg(feature = "ssr")]
pub mod totp;
#[cfg(feature = "ssr")]
pub mod verifier;

use crate::i18n::{Language, Texts};
use crate::t;
use serde::{Deserialize, Serialize};
use validate::PasswordPolicy;

pub use cognito_auth::types::{ChallengeKind, ConfirmationMode, SignInMethods};

/// The words for a confirmation mode on the home page.
pub trait ConfirmationModeWords {
    /// What the mode does, in a sentence.
    fn describe(self, t: &Texts) -> &'static str;
    /// Its short name.
    fn name(self, t: &Texts) -> &'static str;
}

impl ConfirmationModeWords for ConfirmationMode {
    fn describe(self, t: &Texts) -> &'static str {
        match self {
            Self::Code => t.home.describe_code,
            Self::Lambda => t.home.describe_lambda,
            Self::Admin => t.home.describe_admin,
        }
    }

    fn name(self, t: &Texts) -> &'static str {
        match self {
            Self::Code => t.home.mode_code,
            Self::Lambda => t.home.mode_lambda,
            Self::Admin => t.home.mode_admin,
        }
    }
}

/// Where a challenge is answered: its page.
pub trait ChallengePage {
    /// The page that asks for this challenge's answer.
    fn path(self) -> &'static str;
}

impl ChallengePage for ChallengeKind {
    fn path(self) -> &'static str {
        match self {
            Self::NewPassword => crate::routes::NEW_PASSWORD,
            Self::SoftwareToken | Self::EmailOtp | Self::SmsMfa => crate::routes::SIGN_IN_CODE,
            Self::SelectMfa => crate::routes::CHOOSE_METHOD,
            Self::MfaSetup => crate::routes::SET_UP_AUTHENTICATOR,
            Self::Passkey => crate::routes::SIGN_IN,
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

/// What a person reads for a second factor Cognito offers (SELECT_MFA_TYPE), by Cognito's name.
pub fn mfa_factor_label(factor: &str, lang: Language) -> &'static str {
    match factor {
        "SOFTWARE_TOKEN_MFA" => t!(lang, challenge.factor_app),
        "SMS_MFA" => t!(lang, challenge.factor_sms),
        "EMAIL_OTP" | "EMAIL_MFA" => t!(lang, challenge.factor_email),
        _ => t!(lang, challenge.factor_other),
    }
}

/// An authenticator app's set-up, as the page shows it: a QR code and the same secret as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetup {
    /// The base32 secret in groups of four, for typing into an app by hand.
    pub secret_grouped: String,
    /// The `otpauth://totp/…` URI the QR code holds.
    pub uri: String,
    /// The QR code as an inline `<svg>` element, rendered on the server.
    pub qr_svg: String,
}

/// What a challenge page shows, from the pending sign-in the server keeps. Holds no session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeView {
    pub kind: ChallengeKind,
    pub email: String,
    /// Where Cognito sent a code, masked as Cognito gives it (`a***@e***.com`, `+*******1234`).
    pub destination: Option<String>,
    /// SELECT_MFA_TYPE: the factors offered, by Cognito's names.
    pub options: Vec<String>,
    /// NEW_PASSWORD_REQUIRED: the attributes the person must give.
    pub required_attributes: Vec<String>,
    pub policy: PasswordPolicy,
    pub totp: Option<TotpSetup>,
    /// The code is the whole sign-in (an e-mail code asked for instead of a password).
    #[serde(default)]
    pub first_factor: bool,
    /// "Remember this browser" is offered: the pool remembers a device when the person asks,
    /// and this code follows a password.
    #[serde(default)]
    pub offer_remember: bool,
}

/// The label of a user attribute a pool may require of an invited user (Cognito's standard
/// attributes; a custom one shows its own name).
pub fn attribute_label(name: &str, t: &Texts) -> String {
    let a = &t.attribute;
    let label = match name {
        "name" => a.name,
        "given_name" => a.given_name,
        "family_name" => a.family_name,
        "middle_name" => a.middle_name,
        "nickname" => a.nickname,
        "preferred_username" => a.preferred_username,
        "phone_number" => a.phone_number,
        "birthdate" => a.birthdate,
        "gender" => a.gender,
        "address" => a.address,
        "locale" => a.locale,
        "zoneinfo" => a.zoneinfo,
        "website" => a.website,
        "picture" => a.picture,
        "profile" => a.profile,
        other => return other.strip_prefix("custom:").unwrap_or(other).replace('_', " "),
    };
    label.to_owned()
}
