//! The one error type of the app.
//!
//! Every failure a person can meet is a variant with a message written for people. The
//! original cause (a Cognito exception, an I/O error) is logged on the server with its request
//! id where it happens and never travels to the browser: only the variant does.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    #[error("Enter a valid e-mail address, like name@example.com.")]
    InvalidEmail,
    #[error("That password does not meet the requirements below.")]
    WeakPassword,
    #[error("Enter a name of at most 64 characters.")]
    InvalidName,
    #[error("Enter the 6-digit code from the e-mail.")]
    InvalidCode,
    #[error("An account with this e-mail already exists. Sign in instead.")]
    EmailTaken,
    #[error("The e-mail or password is not right.")]
    InvalidCredentials,
    #[error("This account is not confirmed yet. Enter the code we sent you.")]
    NotConfirmed,
    #[error("That code is not right. Check the e-mail and try again.")]
    WrongCode,
    #[error("That code has expired. Ask for a new one below.")]
    ExpiredCode,
    #[error("This account needs a new password. Use “Forgot password” to set one.")]
    PasswordResetRequired,
    #[error("Enter the code: 6 digits from your authenticator app or text message, or 8 from the e-mail.")]
    InvalidMfaCode,
    #[error("That code is not right. Check it and try again, or wait for the next code of your app.")]
    WrongMfaCode,
    #[error("Your sign-in took too long and has expired. Please sign in again.")]
    ChallengeExpired,
    #[error("This account needs a sign-in step this app does not offer. Please contact the site's administrator.")]
    UnsupportedChallenge,
    #[error(
        "This account must set up two-step sign-in first, and this app can only set up an authenticator app, which the pool does not allow. Please contact the site's administrator."
    )]
    MfaSetupUnavailable,
    #[error("Fill in every field below (at most 256 characters each).")]
    MissingAttributes,
    #[error("Choose a password you have not used before.")]
    PasswordReused,
    #[error("Choose one of the ways offered.")]
    InvalidChoice,
    #[error("That is not your current password.")]
    WrongPassword,
    #[error("For your security, confirm your password first (above), then try again.")]
    ReauthRequired,
    #[error("We could not sign you out on your other devices right now. Please try again in a few minutes.")]
    SignOutEverywhereUnavailable,
    #[error("Tick the box to confirm that you want to delete your account.")]
    ConfirmDeletion,
    #[error("Too many attempts. Please wait a few minutes and try again.")]
    TooManyAttempts,
    #[error("The service is busy. Please wait a few seconds and try again.")]
    Throttled,
    /// Our own limit per client IP or per e-mail, reached before Cognito was called.
    #[error("Too many attempts. Please wait {seconds} seconds and try again.")]
    RateLimited { seconds: u32 },
    #[error("We could not send a new code right now. Please try again in a few minutes.")]
    ResendUnavailable,
    #[error("We could not deliver the code to that address. Check the e-mail and try again.")]
    CodeDeliveryFailed,
    #[error("Sign-up is not allowed for this address.")]
    SignUpRejected,
    #[error("Your session has ended. Please sign in again.")]
    SessionExpired,
    #[error("Sign-in is unavailable right now. Please try again shortly.")]
    Unavailable,
    #[error("That request came from another site and was refused.")]
    Forbidden,
    #[error("That is more than this form accepts. Shorten what you typed and try again.")]
    TooLarge,
    #[error("That request could not be read. Reload the page and try again.")]
    BadRequest,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    /// The field a form should show this error next to; `None` for a banner above the form.
    pub fn field(&self) -> Option<Field> {
        match self {
            Self::InvalidEmail | Self::EmailTaken | Self::CodeDeliveryFailed => Some(Field::Email),
            Self::WeakPassword | Self::PasswordReused => Some(Field::Password),
            Self::WrongPassword => Some(Field::CurrentPassword),
            Self::InvalidName => Some(Field::Name),
            Self::InvalidCode | Self::WrongCode | Self::ExpiredCode | Self::InvalidMfaCode | Self::WrongMfaCode => {
                Some(Field::Code)
            }
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
            Self::TooManyAttempts => "too_many_attempts",
            Self::Throttled => "throttled",
            Self::RateLimited { .. } => "rate_limited",
            Self::ResendUnavailable => "resend_unavailable",
            Self::CodeDeliveryFailed => "code_delivery_failed",
            Self::SignUpRejected => "sign_up_rejected",
            Self::SessionExpired => "session_expired",
            Self::Unavailable => "unavailable",
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
    pub const ALL: [AppError; 34] = [
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
        AppError::TooManyAttempts,
        AppError::Throttled,
        // The wait comes back in its own query parameter (see `with_retry_after`).
        AppError::RateLimited { seconds: 60 },
        AppError::ResendUnavailable,
        AppError::CodeDeliveryFailed,
        AppError::SignUpRejected,
        AppError::SessionExpired,
        AppError::Unavailable,
        AppError::Forbidden,
        AppError::TooLarge,
        AppError::BadRequest,
        AppError::Internal,
    ];

    /// The HTTP status a server function answers with when it fails this way.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidCredentials | Self::SessionExpired | Self::ChallengeExpired | Self::ReauthRequired => 401,
            Self::Forbidden | Self::SignUpRejected | Self::UnsupportedChallenge | Self::MfaSetupUnavailable => 403,
            Self::EmailTaken => 409,
            Self::TooLarge => 413,
            Self::TooManyAttempts | Self::Throttled | Self::RateLimited { .. } => 429,
            Self::Unavailable | Self::ResendUnavailable | Self::SignOutEverywhereUnavailable => 503,
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
            Self::ResendUnavailable | Self::SignOutEverywhereUnavailable => Some(60),
            Self::TooManyAttempts => Some(300),
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
            let msg = err.to_string();
            assert!(!msg.contains("Exception"), "{msg}");
            assert!(!msg.to_lowercase().contains("cognito"), "{msg}");
        }
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
}
