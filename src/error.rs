//! The one error type of the app.
//!
//! Every failure a person can meet is a variant with a message written for people. The
//! original cause (a Cognito exception, an I/O error) is logged on the server with its request
//! id where it happens and never travels to the browser: only the variant does. Its message is
//! looked up in the person's language ([`AppError::message`]): by the page after a form posted
//! without JavaScript (`?error=code`), by the island that made the call otherwise.

use crate::i18n::Language;
use crate::t;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The form field an error belongs to, so a form can show it next to that field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Email,
    Password,
    /// The current password, on the account page.
    CurrentPassword,
    Code,
    Name,
}

/// On the wire (server-function answers, island props): `{"error":"wrong_code"}`, plus
/// `"seconds"` for a rate limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    InvalidEmail,
    WeakPassword,
    InvalidName,
    InvalidCode,
    EmailTaken,
    InvalidCredentials,
    NotConfirmed,
    WrongCode,
    ExpiredCode,
    PasswordResetRequired,
    InvalidMfaCode,
    WrongMfaCode,
    ChallengeExpired,
    UnsupportedChallenge,
    MfaSetupUnavailable,
    MissingAttributes,
    PasswordReused,
    InvalidChoice,
    WrongPassword,
    ReauthRequired,
    SignOutEverywhereUnavailable,
    ConfirmDeletion,
    /// The account's tokens do not fit in the session cookies (a user in very many groups).
    SessionTooLarge,
    /// The pool requires a second factor (MFA `ON`): it cannot be turned off.
    MfaRequired,
    TooManyAttempts,
    /// Cognito locked the account's password after wrong ones (its own lockout, up to about
    /// fifteen minutes). Said only to a browser known for the account; any other is told what
    /// a wrong password gets.
    PasswordAttemptsExceeded,
    /// An e-mailed sign-in code was wrong three times: a new code is needed.
    CodeAttemptsUsed,
    Throttled,
    /// Our own limit per client IP or per e-mail, reached before Cognito was called.
    RateLimited {
        seconds: u32,
    },
    ResendUnavailable,
    CodeDeliveryFailed,
    SignUpRejected,
    /// A pool trigger (pre-authentication, pre-token generation) refused the sign-in.
    SignInRejected,
    /// A pool trigger refused a confirmation, a reset or an account change.
    ChangeRejected,
    /// A pool trigger (CustomMessage) refused the e-mail with a code: none was sent.
    CodeRejected,
    /// A pool trigger failed or answered in a shape Cognito could not read.
    TriggerFailed,
    /// The pool's web application firewall (AWS WAF) blocked the request.
    BlockedByFirewall,
    /// The pool has the operation switched off (or its plan lacks it).
    NotEnabled,
    /// A resend for an account that is already confirmed. Where accounts must not be revealed,
    /// the caller may answer it like an unknown address.
    AlreadyConfirmed,
    /// A password reset for an account without a verified e-mail: no code can be sent.
    NoVerifiedEmail,
    /// Authenticator apps show 6 digits; Cognito's VerifySoftwareToken takes nothing else.
    InvalidTotpCode,
    /// No passkey can be used for this e-mail address (none added, or no such account: the same words).
    NoPasskey,
    /// The sign-in method asked for is not offered for this address (an e-mail code).
    MethodUnavailable,
    /// The browser's passkey prompt was closed, or this device has no passkey for the site.
    PasskeyCancelled,
    /// Cognito did not accept the passkey (removed from the account, no user verification, …).
    PasskeyRefused,
    /// The passkey or the page belongs to another relying party (site address).
    PasskeyWrongSite,
    /// The pool has passkeys switched off.
    PasskeysUnavailable,
    /// A passkey step outlived Cognito's options: start it again.
    PasskeyExpired,
    /// This device already holds a passkey for the account (the browser refused a second).
    PasskeyAlreadyAdded,
    /// The account holds as many passkeys as Cognito allows.
    TooManyPasskeys,
    /// The person cancelled at the identity provider (Google, a company's sign-in page).
    FederationCancelled,
    /// The identity provider or the pool did not sign the person in (a refusal, a trigger, an
    /// answer this app could not verify).
    FederationFailed,
    /// The round trip through the provider cannot be finished: started in another browser or
    /// tab, taken too long, or its answer already used.
    FederationExpired,
    /// The provider is not set up for this app (the pool or app client refuses it).
    FederationUnavailable,
    /// The pool linked the provider's sign-in to an existing account on this attempt; the next
    /// one signs in (Cognito's answer to the first sign-in after `AdminLinkProviderForUser`).
    FederationLinked,
    SessionExpired,
    Unavailable,
    /// The session store cannot be reached: no session can be checked, so none is accepted.
    BrieflyUnavailable,
    Forbidden,
    TooLarge,
    BadRequest,
    Internal,
}

impl AppError {
    /// The message for people, in `lang`. Each variant has its text in `crate::i18n`'s tables,
    /// so a variant without a message in both languages does not compile.
    pub fn message(&self, lang: Language) -> String {
        macro_rules! text {
            ($name:ident) => {
                t!(lang, errors.$name).to_owned()
            };
        }
        match self {
            Self::InvalidEmail => text!(invalid_email),
            Self::WeakPassword => text!(weak_password),
            Self::InvalidName => text!(invalid_name),
            Self::InvalidCode => text!(invalid_code),
            Self::EmailTaken => text!(email_taken),
            Self::InvalidCredentials => text!(invalid_credentials),
            Self::NotConfirmed => text!(not_confirmed),
            Self::WrongCode => text!(wrong_code),
            Self::ExpiredCode => text!(expired_code),
            Self::PasswordResetRequired => text!(password_reset_required),
            Self::InvalidMfaCode => text!(invalid_mfa_code),
            Self::WrongMfaCode => text!(wrong_mfa_code),
            Self::ChallengeExpired => text!(challenge_expired),
            Self::UnsupportedChallenge => text!(unsupported_challenge),
            Self::MfaSetupUnavailable => text!(mfa_setup_unavailable),
            Self::MissingAttributes => text!(missing_attributes),
            Self::PasswordReused => text!(password_reused),
            Self::InvalidChoice => text!(invalid_choice),
            Self::WrongPassword => text!(wrong_password),
            Self::ReauthRequired => text!(reauth_required),
            Self::SignOutEverywhereUnavailable => text!(sign_out_everywhere_unavailable),
            Self::ConfirmDeletion => text!(confirm_deletion),
            Self::SessionTooLarge => text!(session_too_large),
            Self::MfaRequired => text!(mfa_required),
            Self::TooManyAttempts => text!(too_many_attempts),
            Self::PasswordAttemptsExceeded => text!(password_attempts_exceeded),
            Self::CodeAttemptsUsed => text!(code_attempts_used),
            Self::Throttled => text!(throttled),
            Self::RateLimited { seconds } => t!(lang, errors.rate_limited)(*seconds),
            Self::ResendUnavailable => text!(resend_unavailable),
            Self::CodeDeliveryFailed => text!(code_delivery_failed),
            Self::SignUpRejected => text!(sign_up_rejected),
            Self::SignInRejected => text!(sign_in_rejected),
            Self::ChangeRejected => text!(change_rejected),
            Self::CodeRejected => text!(code_rejected),
            Self::TriggerFailed => text!(trigger_failed),
            Self::BlockedByFirewall => text!(blocked_by_firewall),
            Self::NotEnabled => text!(not_enabled),
            Self::AlreadyConfirmed => text!(already_confirmed),
            Self::NoVerifiedEmail => text!(no_verified_email),
            Self::InvalidTotpCode => text!(invalid_totp_code),
            Self::NoPasskey => text!(no_passkey),
            Self::MethodUnavailable => text!(method_unavailable),
            Self::PasskeyCancelled => text!(passkey_cancelled),
            Self::PasskeyRefused => text!(passkey_refused),
            Self::PasskeyWrongSite => text!(passkey_wrong_site),
            Self::PasskeysUnavailable => text!(passkeys_unavailable),
            Self::PasskeyExpired => text!(passkey_expired),
            Self::PasskeyAlreadyAdded => text!(passkey_already_added),
            Self::TooManyPasskeys => text!(too_many_passkeys),
            Self::FederationCancelled => text!(federation_cancelled),
            Self::FederationFailed => text!(federation_failed),
            Self::FederationExpired => text!(federation_expired),
            Self::FederationUnavailable => text!(federation_unavailable),
            Self::FederationLinked => text!(federation_linked),
            Self::SessionExpired => text!(session_expired),
            Self::Unavailable => text!(unavailable),
            Self::BrieflyUnavailable => text!(briefly_unavailable),
            Self::Forbidden => text!(forbidden),
            Self::TooLarge => text!(too_large),
            Self::BadRequest => text!(bad_request),
            Self::Internal => text!(internal),
        }
    }

    /// The field a form should show this error next to; `None` for a banner above the form.
    pub fn field(&self) -> Option<Field> {
        match self {
            Self::InvalidEmail | Self::EmailTaken | Self::CodeDeliveryFailed | Self::NoVerifiedEmail => {
                Some(Field::Email)
            }
            Self::WeakPassword | Self::PasswordReused => Some(Field::Password),
            Self::WrongPassword => Some(Field::CurrentPassword),
            Self::InvalidName => Some(Field::Name),
            Self::InvalidCode
            | Self::WrongCode
            | Self::ExpiredCode
            | Self::InvalidMfaCode
            | Self::InvalidTotpCode
            | Self::WrongMfaCode => Some(Field::Code),
            _ => None,
        }
    }

    /// A stable, short name: used in the query string when a form posted without JavaScript
    /// is sent back to its page, so the page can show the message after the redirect.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidEmail => "invalid_email",
            Self::WeakPassword => "weak_password",
            Self::InvalidName => "invalid_name",
            Self::InvalidCode => "invalid_code",
            Self::EmailTaken => "email_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::NotConfirmed => "not_confirmed",
            Self::WrongCode => "wrong_code",
            Self::ExpiredCode => "expired_code",
            Self::PasswordResetRequired => "password_reset_required",
            Self::InvalidMfaCode => "invalid_mfa_code",
            Self::WrongMfaCode => "wrong_mfa_code",
            Self::ChallengeExpired => "challenge_expired",
            Self::UnsupportedChallenge => "unsupported_challenge",
            Self::MfaSetupUnavailable => "mfa_setup_unavailable",
            Self::MissingAttributes => "missing_attributes",
            Self::PasswordReused => "password_reused",
            Self::InvalidChoice => "invalid_choice",
            Self::WrongPassword => "wrong_password",
            Self::ReauthRequired => "reauth_required",
            Self::SignOutEverywhereUnavailable => "sign_out_everywhere_unavailable",
            Self::ConfirmDeletion => "confirm_deletion",
            Self::SessionTooLarge => "session_too_large",
            Self::MfaRequired => "mfa_required",
            Self::TooManyAttempts => "too_many_attempts",
            Self::PasswordAttemptsExceeded => "password_attempts_exceeded",
            Self::CodeAttemptsUsed => "code_attempts_used",
            Self::Throttled => "throttled",
            Self::RateLimited { .. } => "rate_limited",
            Self::ResendUnavailable => "resend_unavailable",
            Self::CodeDeliveryFailed => "code_delivery_failed",
            Self::SignUpRejected => "sign_up_rejected",
            Self::SignInRejected => "sign_in_rejected",
            Self::ChangeRejected => "change_rejected",
            Self::CodeRejected => "code_rejected",
            Self::TriggerFailed => "trigger_failed",
            Self::BlockedByFirewall => "blocked_by_firewall",
            Self::NotEnabled => "not_enabled",
            Self::AlreadyConfirmed => "already_confirmed",
            Self::NoVerifiedEmail => "no_verified_email",
            Self::InvalidTotpCode => "invalid_totp_code",
            Self::NoPasskey => "no_passkey",
            Self::MethodUnavailable => "method_unavailable",
            Self::PasskeyCancelled => "passkey_cancelled",
            Self::PasskeyRefused => "passkey_refused",
            Self::PasskeyWrongSite => "passkey_wrong_site",
            Self::PasskeysUnavailable => "passkeys_unavailable",
            Self::PasskeyExpired => "passkey_expired",
            Self::PasskeyAlreadyAdded => "passkey_already_added",
            Self::TooManyPasskeys => "too_many_passkeys",
            Self::FederationCancelled => "federation_cancelled",
            Self::FederationFailed => "federation_failed",
            Self::FederationExpired => "federation_expired",
            Self::FederationUnavailable => "federation_unavailable",
            Self::FederationLinked => "federation_linked",
            Self::SessionExpired => "session_expired",
            Self::Unavailable => "unavailable",
            Self::BrieflyUnavailable => "briefly_unavailable",
            Self::Forbidden => "forbidden",
            Self::TooLarge => "too_large",
            Self::BadRequest => "bad_request",
            Self::Internal => "internal",
        }
    }

    /// The inverse of [`AppError::code`]; unknown names (a hand-edited URL) are ignored.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }

    /// Every error, once each (with a placeholder wait for the rate limit).
    pub const ALL: [AppError; 62] = [
        AppError::InvalidEmail,
        AppError::WeakPassword,
        AppError::InvalidName,
        AppError::InvalidCode,
        AppError::EmailTaken,
        AppError::InvalidCredentials,
        AppError::NotConfirmed,
        AppError::WrongCode,
        AppError::ExpiredCode,
        AppError::PasswordResetRequired,
        AppError::InvalidMfaCode,
        AppError::WrongMfaCode,
        AppError::ChallengeExpired,
        AppError::UnsupportedChallenge,
        AppError::MfaSetupUnavailable,
        AppError::MissingAttributes,
        AppError::PasswordReused,
        AppError::InvalidChoice,
        AppError::WrongPassword,
        AppError::ReauthRequired,
        AppError::SignOutEverywhereUnavailable,
        AppError::ConfirmDeletion,
        AppError::SessionTooLarge,
        AppError::MfaRequired,
        AppError::TooManyAttempts,
        AppError::PasswordAttemptsExceeded,
        AppError::CodeAttemptsUsed,
        AppError::Throttled,
        // The wait comes back in its own query parameter (see `with_retry_after`).
        AppError::RateLimited { seconds: 60 },
        AppError::ResendUnavailable,
        AppError::CodeDeliveryFailed,
        AppError::SignUpRejected,
        AppError::SignInRejected,
        AppError::ChangeRejected,
        AppError::CodeRejected,
        AppError::TriggerFailed,
        AppError::BlockedByFirewall,
        AppError::NotEnabled,
        AppError::AlreadyConfirmed,
        AppError::NoVerifiedEmail,
        AppError::InvalidTotpCode,
        AppError::NoPasskey,
        AppError::MethodUnavailable,
        AppError::PasskeyCancelled,
        AppError::PasskeyRefused,
        AppError::PasskeyWrongSite,
        AppError::PasskeysUnavailable,
        AppError::PasskeyExpired,
        AppError::PasskeyAlreadyAdded,
        AppError::TooManyPasskeys,
        AppError::FederationCancelled,
        AppError::FederationFailed,
        AppError::FederationExpired,
        AppError::FederationUnavailable,
        AppError::FederationLinked,
        AppError::SessionExpired,
        AppError::Unavailable,
        AppError::BrieflyUnavailable,
        AppError::Forbidden,
        AppError::TooLarge,
        AppError::BadRequest,
        AppError::Internal,
    ];

    /// The HTTP status a server function answers with when it fails this way.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidCredentials | Self::SessionExpired | Self::ChallengeExpired | Self::ReauthRequired => 401,
            Self::Forbidden
            | Self::SignUpRejected
            | Self::SignInRejected
            | Self::ChangeRejected
            | Self::CodeRejected
            | Self::BlockedByFirewall
            | Self::NotEnabled
            | Self::UnsupportedChallenge
            | Self::MfaSetupUnavailable
            | Self::PasskeysUnavailable
            | Self::FederationUnavailable => 403,
            Self::TriggerFailed => 502,
            Self::EmailTaken => 409,
            Self::TooLarge => 413,
            Self::TooManyAttempts | Self::PasswordAttemptsExceeded | Self::Throttled | Self::RateLimited { .. } => 429,
            Self::Unavailable
            | Self::BrieflyUnavailable
            | Self::ResendUnavailable
            | Self::SignOutEverywhereUnavailable => 503,
            Self::Internal => 500,
            _ => 400,
        }
    }
}

impl AppError {
    /// Seconds a client should wait before trying again (the `Retry-After` header), for the
    /// failures that pass by themselves.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            Self::RateLimited { seconds } => Some(*seconds),
            Self::Throttled => Some(5),
            Self::Unavailable => Some(10),
            Self::BrieflyUnavailable => Some(5),
            Self::TriggerFailed | Self::BlockedByFirewall => Some(120),
            Self::ResendUnavailable | Self::SignOutEverywhereUnavailable => Some(60),
            Self::TooManyAttempts => Some(300),
            Self::PasswordAttemptsExceeded => Some(900),
            _ => None,
        }
    }

    /// The query pairs a form posted without JavaScript is sent back with: the error's code and,
    /// for a rate limit, the wait (read back by [`AppError::with_retry_after`]).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![("error", self.code().to_owned())];
        if let Self::RateLimited { seconds } = self {
            query.push(("retry_after", seconds.to_string()));
        }
        query
    }

    /// [`AppError::from_code`] plus the wait a rate-limited form post was told (its
    /// `retry_after` query parameter), so the message after a redirect names the same wait.
    pub fn with_retry_after(self, retry_after: Option<&str>) -> Self {
        match (self, retry_after.and_then(|s| s.parse::<u32>().ok())) {
            (Self::RateLimited { .. }, Some(seconds)) => Self::RateLimited { seconds },
            (err, _) => err,
        }
    }
}

/// Read back through the stable code. serde's derive for an internally tagged enum buffers the
/// whole object first (its `Content` machinery): written by hand it is a tenth of the wasm, in
/// the main module every page loads.
impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            error: String,
            #[serde(default)]
            seconds: Option<u32>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let err = AppError::from_code(&wire.error)
            .ok_or_else(|| <D::Error as serde::de::Error>::custom("unknown error code"))?;
        Ok(match (err, wire.seconds) {
            (AppError::RateLimited { .. }, Some(seconds)) => AppError::RateLimited { seconds },
            (err, _) => err,
        })
    }
}

/// The English message: what the server's logs and tests read. People get
/// [`AppError::message`] in their language.
impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Language::English))
    }
}

impl std::error::Error for AppError {}

/// A value the core refused, said with the field's own message.
impl From<cognito_auth::types::InvalidInput> for AppError {
    fn from(invalid: cognito_auth::types::InvalidInput) -> Self {
        use cognito_auth::types::InvalidInput;
        match invalid {
            InvalidInput::Email => Self::InvalidEmail,
            InvalidInput::WeakPassword => Self::WeakPassword,
            InvalidInput::SignInPassword => Self::InvalidCredentials,
            InvalidInput::ConfirmationCode => Self::InvalidCode,
            InvalidInput::MfaCode => Self::InvalidMfaCode,
            InvalidInput::Attribute => Self::MissingAttributes,
            InvalidInput::DisplayName => Self::InvalidName,
            // A kind of refusal added to the core later: a plain "check what you entered".
            _ => Self::BadRequest,
        }
    }
}

/// Failures of the server-function plumbing itself (a malformed request, a lost connection).
/// None of their text is shown: it is logged on the server and the person sees a plain message.
impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %value, "server function failed outside the app");
        match value {
            // The browser could not reach the server at all.
            ServerFnErrorErr::Request(_) => Self::Unavailable,
            // Arguments that do not decode: a missing field, invalid UTF-8, a hand-made post.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::BadRequest
            }
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the core refuses reads as the field's own message; a malformed password typed to
    /// sign in reads exactly like a wrong one (nothing tells the two apart).
    #[test]
    fn the_cores_refusals_keep_their_messages() {
        use cognito_auth::types::InvalidInput as I;
        for (invalid, error) in [
            (I::Email, AppError::InvalidEmail),
            (I::WeakPassword, AppError::WeakPassword),
            (I::SignInPassword, AppError::InvalidCredentials),
            (I::ConfirmationCode, AppError::InvalidCode),
            (I::MfaCode, AppError::InvalidMfaCode),
            (I::Attribute, AppError::MissingAttributes),
            (I::DisplayName, AppError::InvalidName),
        ] {
            assert_eq!(AppError::from(invalid), error, "{invalid}");
        }
    }

    #[test]
    fn every_code_round_trips() {
        for code in [
            "invalid_email",
            "weak_password",
            "email_taken",
            "invalid_credentials",
            "wrong_code",
            "expired_code",
            "session_expired",
            "rate_limited",
            "internal",
        ] {
            let err = AppError::from_code(code).expect("known code");
            assert_eq!(err.code(), code);
        }
        assert_eq!(AppError::from_code("<script>"), None);
    }

    #[test]
    fn every_error_has_its_own_code() {
        let mut codes: Vec<&str> = AppError::ALL.iter().map(AppError::code).collect();
        for err in AppError::ALL {
            assert_eq!(AppError::from_code(err.code()).map(|e| e.code()), Some(err.code()));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AppError::ALL.len(), "two errors share a code");
    }

    #[test]
    fn messages_never_name_cognito() {
        for err in AppError::ALL {
            for lang in Language::ALL {
                let msg = err.message(lang);
                assert!(!msg.contains("Exception"), "{msg}");
                assert!(!msg.to_lowercase().contains("cognito"), "{msg}");
            }
        }
    }

    /// Both languages have a message for every error (the tables make a missing one a build
    /// error; this catches an empty one or one left in English), and no two errors share one.
    #[test]
    fn every_error_has_a_message_in_both_languages() {
        let is_japanese = |c: char| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}');
        for lang in Language::ALL {
            let mut seen = std::collections::HashSet::new();
            for err in AppError::ALL {
                let msg = err.message(lang);
                assert!(msg.len() > 10, "{err:?} in {lang:?}: {msg:?}");
                assert!(seen.insert(msg.clone()), "{err:?} repeats a message in {lang:?}: {msg}");
                match lang {
                    Language::English => assert!(msg.is_ascii() || msg.contains('“'), "{err:?}: {msg}"),
                    Language::Japanese => {
                        assert!(msg.chars().any(is_japanese), "{err:?} is not in Japanese: {msg}");
                        assert!(msg.ends_with('。'), "{err:?}: {msg}");
                    }
                }
            }
        }
        assert_eq!(
            AppError::RateLimited { seconds: 17 }.message(Language::Japanese),
            "試行回数が上限に達しました。17秒待ってから、もう一度お試しください。"
        );
    }

    #[test]
    fn a_rate_limit_names_its_wait() {
        let err = AppError::RateLimited { seconds: 17 };
        assert_eq!(
            err.to_string(),
            "Too many attempts. Please wait 17 seconds and try again."
        );
        assert_eq!(err.retry_after(), Some(17));
        assert_eq!(err.status(), 429);
        let back = AppError::from_code(err.code()).map(|e| e.with_retry_after(Some("17")));
        assert_eq!(back, Some(err));
        assert_eq!(
            serde_json::to_string(&AppError::RateLimited { seconds: 3 }).expect("serialise"),
            r#"{"error":"rate_limited","seconds":3}"#
        );
    }

    #[test]
    fn serialises_as_a_tagged_object() {
        let json = serde_json::to_string(&AppError::WrongCode).expect("serialise");
        assert_eq!(json, r#"{"error":"wrong_code"}"#);
    }

    #[test]
    fn every_error_reads_back_from_its_json() {
        for err in AppError::ALL.into_iter().chain([AppError::RateLimited { seconds: 7 }]) {
            let json = serde_json::to_string(&err).expect("serialise");
            assert_eq!(
                serde_json::from_str::<AppError>(&json).expect("deserialise"),
                err,
                "{json}"
            );
        }
        assert!(serde_json::from_str::<AppError>(r#"{"error":"no_such_thing"}"#).is_err());
    }
}
