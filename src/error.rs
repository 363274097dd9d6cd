//! The one error type of the app: the core's [`AuthError`] (a code, an HTTP status, a wait),
//! with the words.
//!
//! Every failure a person can meet is an [`AuthError`] variant, declared once in `cognito-auth`
//! with its code and status; the app owns what it says, in both languages ([`AppError::message`]).
//! The original cause (a Cognito exception, an I/O error) is logged on the server with its
//! request id where it happens and never travels to the browser: only the code and the words
//! do. The words are looked up on the server, in the request's language, and sent with the code
//! (in a server function's answer, in an island's props), so the tables of both languages stay
//! on the server and out of the wasm. A form posted without JavaScript is sent back with
//! `?error=code`, and the page says it.

use crate::i18n::Language;
use crate::t;
pub use cognito_auth::AuthError;
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

/// An [`AuthError`] on its way to a person. On the wire (server-function answers, island props):
/// `{"error":"wrong_code","message":"That code is not right…"}`, plus `"seconds"` for a rate
/// limit; the message is in the language of the request that gets it.
#[derive(Clone, Debug)]
pub struct AppError {
    /// What went wrong.
    pub kind: AuthError,
    /// The words the server sent with it (an error read in the browser), or the language they
    /// are to be said in when it leaves the server outside a request's rendering.
    words: Words,
}

#[derive(Clone, Debug)]
enum Words {
    /// Looked up when needed, in the language asked for.
    Unsaid,
    /// Said by the server, in the language of the request.
    Said(String),
    /// To be said in this language when written to the wire.
    #[cfg(feature = "ssr")]
    In(Language),
}

/// Two errors are equal when they are the same error, whatever language they are said in.
impl PartialEq for AppError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Eq for AppError {}

impl AppError {
    /// The error, its words to be looked up when it is shown or sent.
    pub fn new(kind: AuthError) -> Self {
        Self {
            kind,
            words: Words::Unsaid,
        }
    }

    /// The message for people, in `lang`: the words the server sent with it, or — on the server
    /// — its text in `crate::i18n`'s tables. The browser holds no table: an error it makes up
    /// itself (the server could not be reached) has a few words of its own.
    pub fn message(&self, lang: Language) -> String {
        match &self.words {
            Words::Said(words) => words.clone(),
            #[cfg(feature = "ssr")]
            _ => self.looked_up(lang),
            #[cfg(not(feature = "ssr"))]
            Words::Unsaid => match self.kind {
                AuthError::Unavailable => t!(lang, errors.unavailable).to_owned(),
                AuthError::BadRequest => t!(lang, errors.bad_request).to_owned(),
                _ => t!(lang, errors.internal).to_owned(),
            },
        }
    }

    /// The same error, to be said in `lang` when it is written to the wire: for an answer made
    /// outside a server function or a page (`crate::refusals`), where the request's language
    /// is not in the context.
    #[cfg(feature = "ssr")]
    pub fn said_in(self, lang: Language) -> Self {
        Self {
            words: Words::In(lang),
            ..self
        }
    }

    /// Each error has its text in `crate::i18n`'s tables (a missing text does not compile; an
    /// error without an arm here fails a test below).
    #[cfg(feature = "ssr")]
    fn looked_up(&self, lang: Language) -> String {
        macro_rules! text {
            ($name:ident) => {
                t!(lang, errors.$name).to_owned()
            };
        }
        match self.kind {
            AuthError::InvalidEmail => text!(invalid_email),
            AuthError::WeakPassword => text!(weak_password),
            AuthError::InvalidName => text!(invalid_name),
            AuthError::InvalidCode => text!(invalid_code),
            AuthError::EmailTaken => text!(email_taken),
            AuthError::InvalidCredentials => text!(invalid_credentials),
            AuthError::NotConfirmed => text!(not_confirmed),
            AuthError::WrongCode => text!(wrong_code),
            AuthError::ExpiredCode => text!(expired_code),
            AuthError::PasswordResetRequired => text!(password_reset_required),
            AuthError::InvalidMfaCode => text!(invalid_mfa_code),
            AuthError::WrongMfaCode => text!(wrong_mfa_code),
            AuthError::ChallengeExpired => text!(challenge_expired),
            AuthError::UnsupportedChallenge => text!(unsupported_challenge),
            AuthError::MfaSetupUnavailable => text!(mfa_setup_unavailable),
            AuthError::MissingAttributes => text!(missing_attributes),
            AuthError::PasswordReused => text!(password_reused),
            AuthError::InvalidChoice => text!(invalid_choice),
            AuthError::WrongPassword => text!(wrong_password),
            AuthError::ReauthRequired => text!(reauth_required),
            AuthError::SignOutEverywhereUnavailable => text!(sign_out_everywhere_unavailable),
            AuthError::ConfirmDeletion => text!(confirm_deletion),
            AuthError::SessionTooLarge => text!(session_too_large),
            AuthError::MfaRequired => text!(mfa_required),
            AuthError::TooManyAttempts => text!(too_many_attempts),
            AuthError::PasswordAttemptsExceeded => text!(password_attempts_exceeded),
            AuthError::CodeAttemptsUsed => text!(code_attempts_used),
            AuthError::Throttled => text!(throttled),
            AuthError::RateLimited { seconds } => t!(lang, errors.rate_limited)(seconds),
            AuthError::ResendUnavailable => text!(resend_unavailable),
            AuthError::CodeDeliveryFailed => text!(code_delivery_failed),
            AuthError::SignUpRejected => text!(sign_up_rejected),
            AuthError::SignInRejected => text!(sign_in_rejected),
            AuthError::ChangeRejected => text!(change_rejected),
            AuthError::CodeRejected => text!(code_rejected),
            AuthError::TriggerFailed => text!(trigger_failed),
            AuthError::BlockedByFirewall => text!(blocked_by_firewall),
            AuthError::NotEnabled => text!(not_enabled),
            AuthError::NotInPlan => text!(not_in_plan),
            AuthError::AlreadyConfirmed => text!(already_confirmed),
            AuthError::NoVerifiedEmail => text!(no_verified_email),
            AuthError::InvalidTotpCode => text!(invalid_totp_code),
            AuthError::NoPasskey => text!(no_passkey),
            AuthError::MethodUnavailable => text!(method_unavailable),
            AuthError::PasskeyCancelled => text!(passkey_cancelled),
            AuthError::PasskeyRefused => text!(passkey_refused),
            AuthError::PasskeyWrongSite => text!(passkey_wrong_site),
            AuthError::PasskeysUnavailable => text!(passkeys_unavailable),
            AuthError::PasskeyExpired => text!(passkey_expired),
            AuthError::PasskeyAlreadyAdded => text!(passkey_already_added),
            AuthError::TooManyPasskeys => text!(too_many_passkeys),
            AuthError::FederationCancelled => text!(federation_cancelled),
            AuthError::FederationFailed => text!(federation_failed),
            AuthError::FederationExpired => text!(federation_expired),
            AuthError::FederationUnavailable => text!(federation_unavailable),
            AuthError::FederationLinked => text!(federation_linked),
            AuthError::SessionExpired => text!(session_expired),
            AuthError::Unavailable => text!(unavailable),
            AuthError::BrieflyUnavailable => text!(briefly_unavailable),
            AuthError::Forbidden => text!(forbidden),
            AuthError::TooLarge => text!(too_large),
            AuthError::BadRequest => text!(bad_request),
            // An error the core added later reads as a fault until the app words it (a test
            // below fails first).
            _ => text!(internal),
        }
    }

    /// The field a form should show this error next to; `None` for a banner above the form.
    pub fn field(&self) -> Option<Field> {
        use AuthError as E;
        match self.kind {
            E::InvalidEmail | E::EmailTaken | E::CodeDeliveryFailed | E::NoVerifiedEmail => Some(Field::Email),
            E::WeakPassword | E::PasswordReused => Some(Field::Password),
            E::WrongPassword => Some(Field::CurrentPassword),
            E::InvalidName => Some(Field::Name),
            E::InvalidCode
            | E::WrongCode
            | E::ExpiredCode
            | E::InvalidMfaCode
            | E::InvalidTotpCode
            | E::WrongMfaCode => Some(Field::Code),
            _ => None,
        }
    }

    /// Its stable code ([`AuthError::code`]): in the query string when a form posted without
    /// JavaScript is sent back to its page, so the page can show the message after the redirect.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The inverse of [`AppError::code`]; unknown names (a hand-edited URL) are ignored.
    pub fn from_code(code: &str) -> Option<Self> {
        AuthError::from_code(code).map(Self::new)
    }

    /// Every error, once each (with a wait of 0 for the rate limit).
    pub fn all() -> impl Iterator<Item = AppError> {
        AuthError::ALL.iter().copied().map(Self::new)
    }

    /// The HTTP status a server function answers with when it fails this way.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// Seconds a client should wait before trying again (the `Retry-After` header), for the
    /// failures that pass by themselves.
    pub fn retry_after(&self) -> Option<u32> {
        self.kind.retry_after()
    }

    /// The query pairs a form posted without JavaScript is sent back with: the error's code and,
    /// for a rate limit, the wait (read back by [`AppError::with_retry_after`]).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![("error", self.code().to_owned())];
        if let AuthError::RateLimited { seconds } = self.kind {
            query.push(("retry_after", seconds.to_string()));
        }
        query
    }

    /// [`AppError::from_code`] plus the wait a rate-limited form post was told (its
    /// `retry_after` query parameter), so the message after a redirect names the same wait.
    pub fn with_retry_after(self, retry_after: Option<&str>) -> Self {
        match (self.kind, retry_after.and_then(|s| s.parse::<u32>().ok())) {
            (AuthError::RateLimited { .. }, Some(seconds)) => Self {
                kind: AuthError::RateLimited { seconds },
                ..self
            },
            _ => self,
        }
    }
}

impl From<AuthError> for AppError {
    fn from(err: AuthError) -> Self {
        Self::new(err)
    }
}

/// A value the core refused, said with the field's own message ([`AuthError`]'s conversion: a
/// malformed password typed to sign in reads exactly like a wrong one).
impl From<cognito_auth::types::InvalidInput> for AppError {
    fn from(invalid: cognito_auth::types::InvalidInput) -> Self {
        Self::new(invalid.into())
    }
}

/// Written through the stable code, with the words in the request's language (see
/// [`crate::i18n::language`]): `{"error":"wrong_code","message":"…"}`, and `"seconds"` for a
/// rate limit.
impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let wait = match self.kind {
            AuthError::RateLimited { seconds } => Some(seconds),
            _ => None,
        };
        let lang = match self.words {
            #[cfg(feature = "ssr")]
            Words::In(lang) => lang,
            _ => crate::i18n::language(),
        };
        let mut out = serializer.serialize_struct("AppError", 2 + usize::from(wait.is_some()))?;
        out.serialize_field("error", self.code())?;
        out.serialize_field("message", &self.message(lang))?;
        if let Some(seconds) = wait {
            out.serialize_field("seconds", &seconds)?;
        }
        out.end()
    }
}

/// Read back through the stable code, with the server's words. serde's derive for an internally
/// tagged enum buffers the whole object first (its `Content` machinery): written by hand it is
/// a tenth of the wasm, in the main module every page with a form loads.
impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            error: String,
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            seconds: Option<u32>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Self::from_wire(&wire.error, wire.message, wire.seconds)
            .ok_or_else(|| <D::Error as serde::de::Error>::custom("unknown error code"))
    }
}

impl AppError {
    /// An error as the wire has it: its code, the server's words and, for a rate limit, the wait.
    /// `None` for an unknown code.
    pub fn from_wire(code: &str, message: Option<String>, seconds: Option<u32>) -> Option<Self> {
        let kind = match (AuthError::from_code(code)?, seconds) {
            (AuthError::RateLimited { .. }, Some(seconds)) => AuthError::RateLimited { seconds },
            (kind, _) => kind,
        };
        Some(Self {
            kind,
            words: message.map_or(Words::Unsaid, Words::Said),
        })
    }
}

/// The English message on the server: what its logs and tests read. People get
/// [`AppError::message`] in their language (an error read back from the wire says the words it
/// came with).
impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Language::English))
    }
}

impl std::error::Error for AppError {}

/// Failures of the server-function plumbing itself (a malformed request, a lost connection).
/// None of their text is shown: it is logged on the server and the person sees a plain message.
impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %value, "server function failed outside the app");
        Self::new(match value {
            // The browser could not reach the server at all.
            ServerFnErrorErr::Request(_) => AuthError::Unavailable,
            // Arguments that do not decode: a missing field, invalid UTF-8, a hand-made post.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_) => {
                AuthError::BadRequest
            }
            _ => AuthError::Internal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the core declares has its own words here: an error without an arm in
    /// `message` would read as an internal fault.
    #[test]
    fn every_error_of_the_core_has_its_own_words() {
        let internal = AppError::new(AuthError::Internal).message(Language::English);
        for err in AppError::all().filter(|e| e.kind != AuthError::Internal) {
            assert_ne!(err.message(Language::English), internal, "{:?} has no words", err.kind);
        }
        assert_eq!(AppError::from_code("<script>"), None);
    }

    #[test]
    fn messages_never_name_cognito() {
        for err in AppError::all() {
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
            for err in AppError::all() {
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
            AppError::new(AuthError::RateLimited { seconds: 17 }).message(Language::Japanese),
            "試行回数が上限に達しました。17秒待ってから、もう一度お試しください。"
        );
    }

    #[test]
    fn a_rate_limit_names_its_wait() {
        let err = AppError::new(AuthError::RateLimited { seconds: 17 });
        assert_eq!(
            err.to_string(),
            "Too many attempts. Please wait 17 seconds and try again."
        );
        assert_eq!(err.retry_after(), Some(17));
        assert_eq!(err.status(), 429);
        let back = AppError::from_code(err.code()).map(|e| e.with_retry_after(Some("17")));
        assert_eq!(back, Some(err));
        assert_eq!(
            serde_json::to_string(&AppError::new(AuthError::RateLimited { seconds: 3 })).expect("serialise"),
            r#"{"error":"rate_limited","message":"Too many attempts. Please wait 3 seconds and try again.","seconds":3}"#
        );
    }

    #[test]
    fn serialises_as_a_tagged_object_with_its_words() {
        let json = serde_json::to_string(&AppError::new(AuthError::WrongCode)).expect("serialise");
        assert_eq!(
            json,
            r#"{"error":"wrong_code","message":"That code is not right. Check the e-mail and try again."}"#
        );
        let japanese = AppError::new(AuthError::WrongCode).said_in(Language::Japanese);
        let json = serde_json::to_value(&japanese).expect("serialise");
        assert_eq!(
            json["message"],
            AppError::new(AuthError::WrongCode).message(Language::Japanese)
        );
    }

    /// An error read back (what the browser does) says the server's words, in whatever language
    /// it is asked, and is still the same error.
    #[test]
    fn the_words_come_from_the_server() {
        let read: AppError =
            serde_json::from_str(r#"{"error":"wrong_code","message":"その確認コードは正しくありません。"}"#)
                .expect("read");
        assert_eq!(read, AppError::new(AuthError::WrongCode));
        assert_eq!(read.field(), Some(Field::Code));
        for lang in Language::ALL {
            assert_eq!(read.message(lang), "その確認コードは正しくありません。");
        }
    }

    #[test]
    fn every_error_reads_back_from_its_json() {
        for err in AppError::all().chain([AppError::new(AuthError::RateLimited { seconds: 7 })]) {
            let json = serde_json::to_string(&err).expect("serialise");
            let read = serde_json::from_str::<AppError>(&json).expect("deserialise");
            assert_eq!(read, err, "{json}");
            // With its words: said in English here, read back in whatever language is asked.
            assert_eq!(
                read.message(Language::Japanese),
                err.message(Language::English),
                "{json}"
            );
        }
        assert!(serde_json::from_str::<AppError>(r#"{"error":"no_such_thing"}"#).is_err());
    }
}
