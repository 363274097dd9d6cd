//! The languages the app speaks, and which one a request gets.
//!
//! The choice is made on the server, per request: the `lang` cookie (an explicit choice) wins
//! over the browser's `Accept-Language`, which wins over English. At sign-up the choice is
//! stored in Cognito's standard `locale` attribute, so the e-mails Cognito sends later (through
//! the CustomMessage Lambda in `lambda/custom-message`) are in the same language, whichever
//! browser triggers them.
//!
//! Every text is in `en.rs` and `ja.rs`, two values of one struct (`texts.rs`): a text missing
//! in either language does not compile. Pages are rendered on the server only and read the
//! request's texts with [`texts`]. Islands — the only code that reaches the browser — read
//! theirs with [`t!`](crate::t), one text at a time, so the wasm holds just the texts an island
//! shows and not the tables of both languages; they learn the language from `<html lang>`,
//! which the server rendered (see [`language`]).

mod en;
mod ja;
mod texts;

pub use en::EN;
pub use ja::JA;
pub use texts::{Around, Around2, Text, Texts};

use serde::{Deserialize, Serialize};

/// One text of the current language, for code that runs in the browser:
/// `t!(lang, form.show)`, `t!(lang, confirm.code_sent)(&email)`. Each arm reads a field of a
/// `const`, which the compiler folds into that one text.
#[macro_export]
macro_rules! t {
    ($lang:expr, $($path:ident).+) => {
        match $lang {
            $crate::i18n::Language::English => $crate::i18n::EN.$($path).+,
            $crate::i18n::Language::Japanese => $crate::i18n::JA.$($path).+,
        }
    };
}

/// The language this page is in. On the server: the request's (put in the context by the
/// shell, see `crate::app`; read from the request itself in a server function, whose answer
/// carries an error's words). In the browser: the page's `<html lang>`, which the server set,
/// so an island always speaks the language of the page around it.
pub fn language() -> Language {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|tag| Language::from_tag(&tag))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let language = leptos::prelude::use_context::<Language>();
        #[cfg(feature = "ssr")]
        let language = language.or_else(|| {
            leptos::prelude::use_context::<http::request::Parts>().map(|parts| request_language(&parts.headers))
        });
        language.unwrap_or_default()
    }
}

/// All texts of the page's language. For server-rendered code; islands use [`t!`](crate::t).
pub fn texts() -> &'static Texts {
    language().texts()
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    #[default]
    English,
    Japanese,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::Japanese];

    pub fn texts(self) -> &'static Texts {
        match self {
            Language::English => &EN,
            Language::Japanese => &JA,
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Japanese => "日本語",
        }
    }

    /// The BCP 47 tag: `<html lang>`, the cookie, Cognito's `locale` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Japanese => "ja",
        }
    }

    /// `ja`, `ja-JP`, `EN-gb`…: the primary subtag decides; anything else is not ours.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Self::ALL.into_iter().find(|l| primary.eq_ignore_ascii_case(l.tag()))
    }

    /// The first language of ours in an `Accept-Language` header, by quality (RFC 9110
    /// §12.5.4); ties keep the header's order, `q=0` means "not this one".
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(Self, u16)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(language) = parts.next().and_then(Self::from_tag) else {
                continue;
            };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .map_or(Some(1000), parse_quality);
            let Some(quality) = quality.filter(|q| *q > 0) else {
                continue;
            };
            if best.is_none_or(|(_, q)| quality > q) {
                best = Some((language, quality));
            }
        }
        best.map(|(language, _)| language)
    }
}

/// A qvalue (`0`, `0.8`, `1.000`) in thousandths; `None` when malformed.
fn parse_quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The cookie that keeps an explicit choice.
pub const COOKIE: &str = "lang";

/// The language of this request: the `lang` cookie, then `Accept-Language`, then English.
#[cfg(feature = "ssr")]
pub fn request_language(headers: &http::HeaderMap) -> Language {
    let from_cookie = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| Language::from_tag(value));
    from_cookie
        .or_else(|| {
            headers
                .get_all(http::header::ACCEPT_LANGUAGE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(Language::from_accept_language)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::Language::{self, *};

    #[test]
    fn accept_language() {
        let cases = [
            ("ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", Some(Japanese)),
            ("en-US,en;q=0.9,ja;q=0.8", Some(English)),
            ("fr-FR, ja;q=0.5, en;q=0.4", Some(Japanese)),
            ("en;q=0.5, ja;q=0.9", Some(Japanese)),
            ("ja;q=0, en;q=0.1", Some(English)),
            ("de, fr;q=0.9", None),
            ("*", None),
            ("ja;q=2, en", Some(English)),
            ("", None),
        ];
        for (header, want) in cases {
            assert_eq!(Language::from_accept_language(header), want, "{header}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn cookie_wins_over_accept_language() {
        use http::{HeaderMap, HeaderValue, header};
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("ja-JP,ja;q=0.9"));
        assert_eq!(super::request_language(&headers), Japanese);
        headers.insert(header::COOKIE, HeaderValue::from_static("lc-session=x; lang=en"));
        assert_eq!(super::request_language(&headers), English);
        headers.insert(header::COOKIE, HeaderValue::from_static("lang=klingon"));
        assert_eq!(super::request_language(&headers), Japanese);
        assert_eq!(super::request_language(&HeaderMap::new()), English);
    }
}
