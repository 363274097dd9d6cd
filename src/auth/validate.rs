//! Input rules shared by the browser and the server: the values themselves are
//! `cognito_auth::types` (built for both); what is the app's own is here — the words of the
//! password checklist, and where a sign-in may send the browser next.

pub use cognito_auth::types::{
    ConfirmationCode, DisplayName, Email, InvalidInput, MfaCode, Password, PasswordPolicy, PolicyRule, RuleKind,
    attribute_value,
};

use crate::i18n::Language;
use crate::t;

/// A checklist line's words, in the page's language.
pub fn rule_label(kind: RuleKind, lang: Language) -> String {
    match kind {
        RuleKind::MinLength(n) => t!(lang, form.rule_min_length)(n),
        RuleKind::Uppercase => t!(lang, form.rule_uppercase).to_owned(),
        RuleKind::Lowercase => t!(lang, form.rule_lowercase).to_owned(),
        RuleKind::Number => t!(lang, form.rule_number).to_owned(),
        RuleKind::Symbol => t!(lang, form.rule_symbol).to_owned(),
    }
}

/// Where to go after signing in: `next` if it is a path on this site, else the protected page.
///
/// Only plain absolute paths pass. `//evil.example` and `/\evil.example` are protocol-relative
/// URLs to browsers, and anything with a scheme leaves the site: both would make the sign-in
/// page an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    const FALLBACK: &str = crate::routes::PROTECTED;
    let Some(next) = next else {
        return FALLBACK.to_owned();
    };
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.len() <= 512
        && next.chars().all(|c| !c.is_control() && !c.is_whitespace());
    if ok { next.to_owned() } else { FALLBACK.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/protected?tab=1")), "/protected?tab=1");
        assert_eq!(safe_next(None), crate::routes::PROTECTED);
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "protected",
            "/a b",
            "/\r\nSet-Cookie:x",
        ] {
            assert_eq!(safe_next(Some(bad)), crate::routes::PROTECTED, "{bad:?}");
        }
    }
}
