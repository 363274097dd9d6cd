//! What went wrong, as a code: [`AuthError`].
//!
//! Every failure a person can meet in a sign-up, a sign-in, a reset or on the account page is a
//! variant here, with its stable code (`snake_case`, for the wire and the query string of a form
//! posted without JavaScript), its HTTP status and, for the failures that pass by themselves, the
//! wait to tell (`Retry-After`). There are no words: the app says each one in the person's
//! language. Cognito's exception names stop at the calls that map them; what the original error
//! said is logged on the server and never travels further.
//!
//! The table below is the one declaration: the enum, [`AuthError::code`], [`AuthError::status`],
//! [`AuthError::retry_after`] and [`AuthError::ALL`] are all made from it, so they cannot
//! disagree.
//!
//! ```
//! use cognito_auth::AuthError;
//!
//! let err = AuthError::WrongCode;
//! assert_eq!((err.code(), err.status()), ("wrong_code", 400));
//! assert_eq!(AuthError::from_code("wrong_code"), Some(AuthError::WrongCode));
//! assert_eq!(AuthError::RateLimited { seconds: 30 }.retry_after(), Some(30));
//! // Every code once.
//! let mut codes: Vec<_> = AuthError::ALL.iter().map(AuthError::code).collect();
//! codes.sort();
//! codes.dedup();
//! assert_eq!(codes.len(), AuthError::ALL.len());
//! ```

use crate::types::InvalidInput;
use std::fmt;

/// `Some(x)` when the row names a wait, `None` when it does not.
macro_rules! wait {
    () => {
        None
    };
    ($e:expr) => {
        Some($e)
    };
}

/// Declares [`AuthError`] and its tables from one list of rows:
/// `Variant [{ field: type }] = "code", status [, retry seconds];`.
macro_rules! auth_errors {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident $({ $field:ident: $ty:ty })? = $code:literal, $status:literal $(, retry $retry:expr)?;
    )*) => {
        /// What went wrong, as a code the app turns into words. See the [module](self).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum AuthError {
            $(
                $(#[doc = $doc])*
                $variant $({
                    #[allow(missing_docs)]
                    $field: $ty
                })?,
            )*
        }

        impl AuthError {
            /// Every error once (a rate limit with a wait of 0), in declaration order.
            pub const ALL: &'static [AuthError] = &[$(AuthError::$variant $({ $field: 0 })?,)*];

            /// Its stable name (`snake_case`): on the wire and in a redirect's query string.
            pub const fn code(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $code,)*
                }
            }

            /// The HTTP status an endpoint answers with when it fails this way.
            pub const fn status(&self) -> u16 {
                match self {
                    $(Self::$variant { .. } => $status,)*
                }
            }

            /// Seconds a client should wait before trying again (the `Retry-After` header), for
            /// the failures that pass by themselves.
            #[allow(unused_variables)]
            pub const fn retry_after(&self) -> Option<u32> {
                match *self {
                    $(Self::$variant { $($field,)? .. } => wait!($($retry)?),)*
                }
            }
        }
    };
}

auth_errors! {
    // --- what a form refused before Cognito was asked (see `InvalidInput`)
    /// Not an e-mail address Cognito would take.
    InvalidEmail = "invalid_email", 400;
    /// A new password the pool's policy refuses.
    WeakPassword = "weak_password", 400;
    /// A display name that is empty, too long or has control characters.
    InvalidName = "invalid_name", 400;
    /// Not the six digits Cognito e-mails to confirm a sign-up or a reset.
    InvalidCode = "invalid_code", 400;
    /// Not a sign-in code (six to eight digits).
    InvalidMfaCode = "invalid_mfa_code", 400;
    /// Authenticator apps show 6 digits; Cognito's VerifySoftwareToken takes nothing else.
    InvalidTotpCode = "invalid_totp_code", 400;
    /// A choice that is not one of those offered (the second-step method, a sign-in method).
    InvalidChoice = "invalid_choice", 400;
    /// The account deletion was not confirmed the way the form asks.
    ConfirmDeletion = "confirm_deletion", 400;
    /// A required attribute is missing or cannot be written (`NEW_PASSWORD_REQUIRED`).
    MissingAttributes = "missing_attributes", 400;

    // --- sign-up, confirmation, reset
    /// An account with this e-mail address exists.
    EmailTaken = "email_taken", 409;
    /// The confirmation or reset code is wrong.
    WrongCode = "wrong_code", 400;
    /// The confirmation or reset code is too old: a new one is needed.
    ExpiredCode = "expired_code", 400;
    /// The account is not confirmed yet.
    NotConfirmed = "not_confirmed", 400;
    /// A resend for an account that is already confirmed. Where accounts must not be revealed,
    /// the caller may answer it like an unknown address.
    AlreadyConfirmed = "already_confirmed", 400;
    /// A password reset for an account without a verified e-mail: no code can be sent.
    NoVerifiedEmail = "no_verified_email", 400;
    /// Cognito could not deliver the code (the address bounces, the pool's e-mail is not set up).
    CodeDeliveryFailed = "code_delivery_failed", 400;
    /// No code can be sent again now (the emulator has no resend; AWS may be unreachable).
    ResendUnavailable = "resend_unavailable", 503, retry 60;
    /// The new password was used before (the pool's password history).
    PasswordReused = "password_reused", 400;

    // --- sign-in and its challenges
    /// A wrong e-mail or password, or no such account: the same words for all.
    InvalidCredentials = "invalid_credentials", 401;
    /// Cognito wants this account's password reset before it signs in.
    PasswordResetRequired = "password_reset_required", 400;
    /// Cognito locked the account's password after wrong ones (its own lockout, up to about
    /// fifteen minutes). The app says it only to a browser known for the account; any other is
    /// told what a wrong password gets.
    PasswordAttemptsExceeded = "password_attempts_exceeded", 429, retry 900;
    /// The second-step code is wrong (the challenge stays open: another try is allowed).
    WrongMfaCode = "wrong_mfa_code", 400;
    /// An e-mailed sign-in code was wrong three times: a new code is needed.
    CodeAttemptsUsed = "code_attempts_used", 400;
    /// The challenge's session is gone (expired, used up, or it never existed).
    ChallengeExpired = "challenge_expired", 401;
    /// Cognito asked for a step this app does not answer.
    UnsupportedChallenge = "unsupported_challenge", 403;
    /// An authenticator cannot be set up during this sign-in.
    MfaSetupUnavailable = "mfa_setup_unavailable", 403;
    /// The pool requires a second factor (MFA `ON`): it cannot be turned off.
    MfaRequired = "mfa_required", 400;
    /// No passkey can be used for this e-mail address (none added, or no such account: the
    /// same words).
    NoPasskey = "no_passkey", 400;
    /// The sign-in method asked for is not offered for this address (an e-mail code).
    MethodUnavailable = "method_unavailable", 400;
    /// The browser's passkey prompt was closed, or this device has no passkey for the site.
    PasskeyCancelled = "passkey_cancelled", 400;
    /// Cognito did not accept the passkey (removed from the account, no user verification, …).
    PasskeyRefused = "passkey_refused", 400;
    /// The passkey or the page belongs to another relying party (site address).
    PasskeyWrongSite = "passkey_wrong_site", 400;
    /// The pool has passkeys switched off.
    PasskeysUnavailable = "passkeys_unavailable", 403;
    /// A passkey step outlived Cognito's options: start it again.
    PasskeyExpired = "passkey_expired", 400;
    /// This device already holds a passkey for the account (the browser refused a second).
    PasskeyAlreadyAdded = "passkey_already_added", 400;
    /// The account holds as many passkeys as Cognito allows (20).
    TooManyPasskeys = "too_many_passkeys", 400;

    // --- "Continue with …" (the pool's OAuth 2.0 endpoints)
    /// The person cancelled at the identity provider.
    FederationCancelled = "federation_cancelled", 400;
    /// The identity provider or the pool did not sign the person in (a refusal, a trigger, an
    /// answer that could not be verified).
    FederationFailed = "federation_failed", 400;
    /// The round trip through the provider cannot be finished: started in another browser or
    /// tab, taken too long, or its answer already used.
    FederationExpired = "federation_expired", 400;
    /// The provider is not set up for this app (the pool or app client refuses it).
    FederationUnavailable = "federation_unavailable", 403;
    /// The pool linked the provider's sign-in to an existing account on this attempt; the next
    /// one signs in.
    FederationLinked = "federation_linked", 400;

    // --- the account and its session
    /// The current password typed on the account page is wrong.
    WrongPassword = "wrong_password", 400;
    /// The change needs the password typed again (a recent sign-in).
    ReauthRequired = "reauth_required", 401;
    /// The session is over (signed out elsewhere, expired, or refused by Cognito).
    SessionExpired = "session_expired", 401;
    /// The account's tokens do not fit in the session cookies (a user in very many groups).
    SessionTooLarge = "session_too_large", 400;
    /// "Sign out everywhere" could not reach Cognito (this session is signed out anyway).
    SignOutEverywhereUnavailable = "sign_out_everywhere_unavailable", 503, retry 60;

    // --- the pool's own refusals
    /// A pool trigger (pre-sign-up) refused the sign-up.
    SignUpRejected = "sign_up_rejected", 403;
    /// A pool trigger (pre-authentication, pre-token generation) refused the sign-in.
    SignInRejected = "sign_in_rejected", 403;
    /// A pool trigger refused a confirmation, a reset or an account change.
    ChangeRejected = "change_rejected", 403;
    /// A pool trigger (CustomMessage) refused the e-mail with a code: none was sent.
    CodeRejected = "code_rejected", 403;
    /// A pool trigger failed or answered in a shape Cognito could not read.
    TriggerFailed = "trigger_failed", 502, retry 120;
    /// The pool's web application firewall (AWS WAF) blocked the request.
    BlockedByFirewall = "blocked_by_firewall", 403, retry 120;
    /// The pool has the operation switched off (or its plan lacks it).
    NotEnabled = "not_enabled", 403;
    /// The pool's feature plan lacks the operation (`FeatureUnavailableInTierException`: a Lite
    /// pool asked for passkeys, e-mail codes, rotation or threat protection).
    NotInPlan = "not_in_plan", 403;

    // --- limits
    /// Too many attempts at this account or code (Cognito's, or the app's failure ceiling).
    TooManyAttempts = "too_many_attempts", 429, retry 300;
    /// Cognito throttled the call (`TooManyRequestsException`).
    Throttled = "throttled", 429, retry 5;
    /// The app's own limit per network or per e-mail address, reached before Cognito was called.
    RateLimited { seconds: u32 } = "rate_limited", 429, retry seconds;

    // --- the request and the service
    /// The request is not for this endpoint (a foreign origin, a missing CSRF token).
    Forbidden = "forbidden", 403;
    /// The request body is larger than the endpoint takes.
    TooLarge = "too_large", 413;
    /// A request that does not decode (a hand-made post, a missing field).
    BadRequest = "bad_request", 400;
    /// Cognito cannot be reached, or answered what its API does not promise.
    Unavailable = "unavailable", 503, retry 10;
    /// The session store cannot be reached: no session can be checked, so none is accepted.
    BrieflyUnavailable = "briefly_unavailable", 503, retry 5;
    /// A fault of this server or its set-up (logged with its cause).
    Internal = "internal", 500;
}

impl AuthError {
    /// The inverse of [`AuthError::code`]; an unknown name (a hand-edited URL) is `None`. A rate
    /// limit comes back with a wait of 0 (its wait travels beside the code).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.code() == code)
    }
}

/// The code, for logs: people get the app's words.
impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for AuthError {}

/// A value a parser refused, as the error a form shows. A malformed password typed to sign in
/// reads exactly like a wrong one: nothing tells the two apart.
impl From<InvalidInput> for AuthError {
    fn from(invalid: InvalidInput) -> Self {
        match invalid {
            InvalidInput::Email => Self::InvalidEmail,
            InvalidInput::WeakPassword => Self::WeakPassword,
            InvalidInput::SignInPassword => Self::InvalidCredentials,
            InvalidInput::ConfirmationCode => Self::InvalidCode,
            InvalidInput::MfaCode => Self::InvalidMfaCode,
            InvalidInput::Attribute => Self::MissingAttributes,
            InvalidInput::DisplayName => Self::InvalidName,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_only_the_waits_that_pass_have_one() {
        for err in AuthError::ALL {
            assert_eq!(AuthError::from_code(err.code()), Some(*err));
            assert_eq!(
                err.retry_after().is_some(),
                matches!(err.status(), 429 | 503 | 502) || *err == AuthError::BlockedByFirewall,
                "{err}"
            );
        }
        assert_eq!(AuthError::from_code("nonsense"), None);
    }
}
