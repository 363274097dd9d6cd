//! The values both sides share — the browser for instant feedback (the live password
//! checklist), the server before Cognito is called (the browser can be bypassed, and a local
//! emulator enforces none of Cognito's rules). Built without any feature, for wasm too.
//!
//! Each parser answers an [`InvalidInput`]: a code, never words; the app says it in the
//! person's language.
//!
//! ```
//! use cognito_auth::types::{Email, InvalidInput, PasswordPolicy};
//!
//! assert_eq!(Email::parse("  Ada@Example.COM ").map(|e| e.as_str().to_owned()), Ok("ada@example.com".into()));
//! assert_eq!(Email::parse("ada@example"), Err(InvalidInput::Email));
//! let policy = PasswordPolicy::default();
//! assert!(!policy.is_met("correct horse"));
//! assert!(policy.is_met("Correct-Horse-9"));
//! ```

use serde::{Deserialize, Serialize};

/// What was wrong with a value, as a code the app turns into words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidInput {
    /// Not an e-mail address Cognito would take.
    Email,
    /// A new password that does not meet the pool's policy (or is longer than Cognito takes).
    WeakPassword,
    /// A password typed to sign in that cannot be one: empty, too long, or with a NUL.
    SignInPassword,
    /// Not the six digits Cognito e-mails to confirm a sign-up or a reset.
    ConfirmationCode,
    /// Not a sign-in code (six to eight digits).
    MfaCode,
    /// A required attribute that is empty, too long or has control characters.
    Attribute,
    /// A display name that is too long or has control characters.
    DisplayName,
}

impl InvalidInput {
    /// Its name in logs and on the wire (`snake_case`), stable.
    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "invalid_email",
            Self::WeakPassword => "weak_password",
            Self::SignInPassword => "invalid_sign_in_password",
            Self::ConfirmationCode => "invalid_confirmation_code",
            Self::MfaCode => "invalid_mfa_code",
            Self::Attribute => "invalid_attribute",
            Self::DisplayName => "invalid_display_name",
        }
    }
}

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for InvalidInput {}

/// Longest e-mail address SMTP allows (RFC 5321 path limit).
const MAX_EMAIL_LEN: usize = 254;
/// Cognito refuses passwords longer than this.
const MAX_PASSWORD_LEN: usize = 256;
const MAX_NAME_CHARS: usize = 64;

/// A syntactically valid, normalised e-mail address (trimmed, lower-case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims and lower-cases `raw`, then checks its shape (what Cognito and SMTP take).
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let email = raw.trim().to_lowercase();
        let (local, domain) = email.split_once('@').ok_or(InvalidInput::Email)?;
        let ok = email.len() <= MAX_EMAIL_LEN
            && !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            // U+FFFD is what bytes that were not UTF-8 became on the way in.
            && email.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '\u{FFFD}');
        if ok { Ok(Self(email)) } else { Err(InvalidInput::Email) }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed. Deliberately not `Debug`-printable so it cannot end up in a log line.
pub struct Password(String);

impl Password {
    /// Checks the password against the pool's policy. Cognito would check it too, but the local
    /// emulator does not, and checking first saves a round trip.
    pub fn parse(raw: String, policy: &PasswordPolicy) -> Result<Self, InvalidInput> {
        if raw.len() > MAX_PASSWORD_LEN || raw.contains('\0') || !policy.is_met(&raw) {
            return Err(InvalidInput::WeakPassword);
        }
        Ok(Self(raw))
    }

    /// For signing in: only the shape is checked, never the policy (which may have changed since
    /// the account was made).
    pub fn for_sign_in(raw: String) -> Result<Self, InvalidInput> {
        if raw.is_empty() || raw.len() > MAX_PASSWORD_LEN || raw.contains('\0') {
            return Err(InvalidInput::SignInPassword);
        }
        Ok(Self(raw))
    }

    /// The password itself, for the one call that sends it to Cognito.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The 6-digit code Cognito e-mails for sign-up confirmation and password reset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmationCode(String);

impl ConfirmationCode {
    /// Six digits; spaces anywhere are dropped.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(code))
        } else {
            Err(InvalidInput::ConfirmationCode)
        }
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sign-in code: 6 digits from an authenticator app or a text message, 8 from Cognito's
/// e-mail (EMAIL_OTP). Spaces are allowed, as apps show codes in groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaCode(String);

impl MfaCode {
    /// Six to eight digits; spaces and dashes (as apps and e-mails group them) are dropped.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let code: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if (6..=8).contains(&code.len()) && code.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(code))
        } else {
            Err(InvalidInput::MfaCode)
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A value for a user attribute the pool requires (NEW_PASSWORD_REQUIRED): Cognito's limit is
/// 2048 characters; names and the like stay far below 256.
pub fn attribute_value(raw: &str) -> Result<String, InvalidInput> {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > 256 || value.chars().any(char::is_control) {
        return Err(InvalidInput::Attribute);
    }
    Ok(value.to_owned())
}

/// An optional display name, stored as Cognito's standard `name` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Empty input means "no name" (`Ok(None)`).
    pub fn parse(raw: &str) -> Result<Option<Self>, InvalidInput> {
        let name = raw.trim();
        if name.is_empty() {
            return Ok(None);
        }
        if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(InvalidInput::DisplayName);
        }
        Ok(Some(Self(name.to_owned())))
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The symbols Cognito counts for "require symbols" (its documented list; a space counts too
/// when it is neither first nor last).
const COGNITO_SYMBOLS: &str = "^$*.[]{}()?-\"!@#%&/\\,><':;|_~`+=";

/// The user pool's password policy, read from Cognito (`DescribeUserPool`) at start-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// At least this many characters.
    pub min_length: u32,
    /// At least one upper-case letter.
    pub require_uppercase: bool,
    /// At least one lower-case letter.
    pub require_lowercase: bool,
    /// At least one digit.
    pub require_numbers: bool,
    /// At least one of Cognito's symbols (or an inner space).
    pub require_symbols: bool,
}

impl Default for PasswordPolicy {
    /// Cognito's own default policy, used when a pool reports none.
    fn default() -> Self {
        Self {
            min_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

/// One line of the password checklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyRule {
    /// What the rule asks for.
    pub kind: RuleKind,
    /// Whether the password meets it.
    pub met: bool,
}

/// What a rule asks for. The words are the app's (in the page's language).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// At least this many characters.
    MinLength(u32),
    /// An upper-case letter.
    Uppercase,
    /// A lower-case letter.
    Lowercase,
    /// A digit.
    Number,
    /// A symbol.
    Symbol,
}

impl PasswordPolicy {
    /// Every rule of the policy and whether `password` meets it, in the order shown on screen.
    pub fn check(&self, password: &str) -> Vec<PolicyRule> {
        let has = |f: fn(char) -> bool| password.chars().any(f);
        let trimmed = password.trim_matches(' ');
        let symbol = password.chars().any(|c| COGNITO_SYMBOLS.contains(c)) || trimmed.contains(' ');
        let mut rules = vec![PolicyRule {
            kind: RuleKind::MinLength(self.min_length),
            met: password.chars().count() >= self.min_length as usize,
        }];
        let optional = [
            (self.require_uppercase, RuleKind::Uppercase, has(|c| c.is_uppercase())),
            (self.require_lowercase, RuleKind::Lowercase, has(|c| c.is_lowercase())),
            (self.require_numbers, RuleKind::Number, has(|c| c.is_ascii_digit())),
            (self.require_symbols, RuleKind::Symbol, symbol),
        ];
        rules.extend(
            optional
                .into_iter()
                .filter(|(required, _, _)| *required)
                .map(|(_, kind, met)| PolicyRule { kind, met }),
        );
        rules
    }

    /// Whether `password` meets every rule, and has no leading or trailing space (which Cognito
    /// refuses outright).
    pub fn is_met(&self, password: &str) -> bool {
        // Cognito rejects leading and trailing spaces outright.
        password == password.trim_matches(' ') && self.check(password).iter().all(|r| r.met)
    }
}

/// How new accounts get out of Cognito's UNCONFIRMED state. Matched in full on purpose (a new
/// mode is a breaking change).
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

/// The sign-in challenges answered here (an app asks each on a page of its own). Matched in
/// full on purpose: a new challenge is a breaking change, so an app cannot compile without a
/// page for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChallengeKind {
    /// NEW_PASSWORD_REQUIRED: a user an administrator invited chooses their own password.
    NewPassword,
    /// SOFTWARE_TOKEN_MFA: the code of an authenticator app.
    SoftwareToken,
    /// EMAIL_OTP: a code Cognito e-mailed.
    EmailOtp,
    /// SMS_MFA: a code Cognito texted.
    SmsMfa,
    /// SELECT_MFA_TYPE: the user has several factors and picks one.
    SelectMfa,
    /// MFA_SETUP: the pool requires MFA and the user has none yet: set up an authenticator app.
    MfaSetup,
    /// WEB_AUTHN: a passkey, answered by the browser on the sign-in page itself.
    Passkey,
}

/// The ways to sign in the pool and its app client allow besides the password (read at start-up
/// from `SignInPolicy.AllowedFirstAuthFactors` and the client's `ALLOW_USER_AUTH`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(default)]
pub struct SignInMethods {
    /// Passkeys (`WEB_AUTHN`).
    pub passkey: bool,
    /// A code e-mailed instead of the password (`EMAIL_OTP`).
    pub email_code: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        let email = Email::parse("  Ada@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
            "ada@example..com",
            "ada@.example.com",
            "ada\u{0}@example.com",
            "\u{FFFD}\u{FFFD}@example.com",
        ] {
            assert_eq!(Email::parse(bad), Err(InvalidInput::Email), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(300));
        assert_eq!(Email::parse(&long), Err(InvalidInput::Email));
    }

    #[test]
    fn password_policy_lists_each_rule() {
        let policy = PasswordPolicy::default();
        let rules = policy.check("abc");
        assert_eq!(rules.len(), 5);
        assert!(!rules[0].met, "too short");
        assert!(rules[2].met, "has lower case");
        assert!(policy.is_met("Correct-Horse1"));
        assert!(!policy.is_met("correct-horse1"), "no upper case");
        assert!(!policy.is_met("Correct-Horse"), "no digit");
        assert!(!policy.is_met("CorrectHorse1"), "no symbol");
        assert!(!policy.is_met(" Correct-Horse1"), "leading space");
        assert!(policy.is_met("Correct Horse1"), "inner space counts as a symbol");
    }

    #[test]
    fn a_lenient_policy_only_checks_what_it_requires() {
        let policy = PasswordPolicy {
            min_length: 6,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
        };
        assert_eq!(policy.check("x").len(), 1);
        assert!(policy.is_met("simple"));
    }

    #[test]
    fn a_password_and_its_kind_of_refusal() {
        let policy = PasswordPolicy::default();
        assert_eq!(
            Password::parse("weak".into(), &policy).map(|_| ()),
            Err(InvalidInput::WeakPassword)
        );
        assert_eq!(
            Password::for_sign_in(String::new()).map(|_| ()),
            Err(InvalidInput::SignInPassword)
        );
        assert_eq!(InvalidInput::WeakPassword.code(), "weak_password");
    }

    #[test]
    fn passwords_are_never_printed() {
        let pw = Password::for_sign_in("hunter2!".into()).expect("shape ok");
        assert_eq!(format!("{pw:?}"), "Password(***)");
        assert!(Password::for_sign_in(String::new()).is_err());
        assert!(Password::for_sign_in("a\0b".into()).is_err());
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(ConfirmationCode::parse(" 123 456 ").expect("ok").as_str(), "123456");
        for bad in ["", "12345", "1234567", "12a456"] {
            assert_eq!(ConfirmationCode::parse(bad), Err(InvalidInput::ConfirmationCode));
        }
    }

    #[test]
    fn sign_in_codes_are_six_to_eight_digits() {
        assert_eq!(MfaCode::parse(" 123 456 ").expect("totp").as_str(), "123456");
        assert_eq!(MfaCode::parse("1234-5678").expect("e-mail").as_str(), "12345678");
        for bad in ["", "12345", "123456789", "12a456"] {
            assert_eq!(MfaCode::parse(bad), Err(InvalidInput::MfaCode), "{bad:?}");
        }
    }

    #[test]
    fn attribute_values_are_required_and_bounded() {
        assert_eq!(attribute_value(" Ada ").as_deref(), Ok("Ada"));
        assert_eq!(attribute_value(" "), Err(InvalidInput::Attribute));
        assert_eq!(attribute_value(&"x".repeat(257)), Err(InvalidInput::Attribute));
    }

    #[test]
    fn names_are_optional_and_bounded() {
        assert_eq!(DisplayName::parse("  "), Ok(None));
        assert_eq!(DisplayName::parse(" Ada ").expect("ok").expect("some").as_str(), "Ada");
        assert_eq!(DisplayName::parse(&"x".repeat(65)), Err(InvalidInput::DisplayName));
    }
}
