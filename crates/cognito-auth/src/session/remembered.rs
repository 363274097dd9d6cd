//! The remembered-device cookie: where a browser keeps what proves it is a device Cognito
//! remembers ([`DeviceSecret`]: the device key, the group key and the device password), one per
//! account it signed in to, for up to [`MAX_ACCOUNTS`] accounts.
//!
//! Encrypted and authenticated (AES-GCM, the cookie key's private half, as the session cookie
//! is), HttpOnly, `SameSite=Lax`: JavaScript never sees it and the server keeps no copy. Each
//! entry is filed under the account's id ([`super::device::AccountIds`]), so the cookie names
//! no address. Distinct from the device cookie of [`super::device`], which only vouches for a
//! browser's failed-password budget and proves nothing to Cognito.

use super::Sessions;
use crate::cognito::DeviceSecret;
use cookie::{Cookie, CookieJar, SameSite};
use http::HeaderValue;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a browser keeps its devices after the last sign-in that used or made one.
pub const LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// Accounts one browser keeps a device for; the least recent is dropped for a new one.
pub const MAX_ACCOUNTS: usize = 3;

#[derive(Serialize, Deserialize)]
struct Entry {
    /// The account's id (`AccountIds::of` its e-mail address).
    a: String,
    #[serde(flatten)]
    secret: DeviceSecret,
}

impl Sessions {
    fn remembered_name(&self) -> &'static str {
        if self.secure {
            "__Host-lc-remembered"
        } else {
            "lc-remembered"
        }
    }

    fn remembered_entries(&self, headers: &http::HeaderMap) -> Vec<Entry> {
        let jar = super::jar_of(headers);
        let mut entries: Vec<Entry> = self.read(&jar, self.remembered_name()).unwrap_or_default();
        entries.truncate(MAX_ACCOUNTS);
        entries
    }

    fn remembered_header(&self, entries: &[Entry]) -> Option<HeaderValue> {
        let mut cookie = Cookie::build((self.remembered_name(), serde_json::to_string(entries).ok()?))
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(cookie::time::Duration::seconds(LIFETIME.as_secs() as i64))
            .build();
        if entries.is_empty() {
            cookie.make_removal();
            return HeaderValue::from_str(&cookie.to_string()).ok();
        }
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(cookie);
        let sealed = jar.get(self.remembered_name())?;
        HeaderValue::from_str(&sealed.encoded().to_string()).ok()
    }

    /// The id `email` is filed under: as the sign-in form parses it (trimmed, lower-case),
    /// whichever way the caller got it (an ID token keeps the case it was signed up with).
    fn account_of(&self, email: &str) -> String {
        self.account_ids().of(&email.trim().to_lowercase())
    }

    /// The remembered device this browser's session belongs to (its tokens were issued to it:
    /// the key sealed in the refresh cookie), if any. What "this browser" is on a list of
    /// devices.
    pub fn session_device(&self, headers: &http::HeaderMap) -> Option<String> {
        let jar = super::jar_of(headers);
        self.read::<super::RefreshCookie>(&jar, self.refresh_name())?.dk
    }

    /// The internal username of this browser's session (the one its tokens were issued to), as
    /// the refresh cookie keeps it: what the server's own calls about that very user name.
    pub fn session_username(&self, headers: &http::HeaderMap) -> Option<String> {
        let jar = super::jar_of(headers);
        self.read::<super::RefreshCookie>(&jar, self.refresh_name())?.un
    }

    /// The device this browser keeps for the account `email`, from a cookie this server sealed.
    pub fn remembered_device(&self, headers: &http::HeaderMap, email: &str) -> Option<DeviceSecret> {
        let account = self.account_of(email);
        self.remembered_entries(headers)
            .into_iter()
            .find(|e| e.a == account)
            .map(|e| e.secret)
    }

    /// The `Set-Cookie` value that keeps `secret` as this browser's device for `email`, first,
    /// besides the others it keeps.
    pub fn remember_device_cookie(
        &self,
        headers: &http::HeaderMap,
        email: &str,
        secret: &DeviceSecret,
    ) -> Option<HeaderValue> {
        let account = self.account_of(email);
        let mut entries = self.remembered_entries(headers);
        entries.retain(|e| e.a != account);
        entries.insert(
            0,
            Entry {
                a: account,
                secret: secret.clone(),
            },
        );
        entries.truncate(MAX_ACCOUNTS);
        self.remembered_header(&entries)
    }

    /// The `Set-Cookie` value that drops this browser's device for `email`; `None` when it
    /// keeps none.
    pub fn forget_device_cookie(&self, headers: &http::HeaderMap, email: &str) -> Option<HeaderValue> {
        let account = self.account_of(email);
        let mut entries = self.remembered_entries(headers);
        let before = entries.len();
        entries.retain(|e| e.a != account);
        (entries.len() != before).then(|| self.remembered_header(&entries))?
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::sessions;
    use super::*;

    /// The request that sends back the cookie `value` sets.
    fn sent(value: &HeaderValue) -> http::HeaderMap {
        super::super::tests::request_headers(std::slice::from_ref(value))
    }

    fn secret(key: &str) -> DeviceSecret {
        serde_json::from_value(serde_json::json!({"k": key, "g": "-group", "p": "the device password"}))
            .expect("a secret")
    }

    /// A session started with a device's tokens keeps the device's key (sealed in the refresh
    /// cookie): its refreshes send it, and the account page knows which device is this browser.
    #[tokio::test]
    async fn a_session_knows_the_device_its_tokens_belong_to() {
        let s = sessions(false);
        let exp = super::super::now_unix() + 3600;
        let mut tokens = super::super::tests::tokens(exp);
        let (_, plain) = s.start(&tokens, true, false).await.expect("started");
        assert_eq!(s.session_device(&super::super::tests::request_headers(&plain)), None);
        tokens.device_key = Some("eu-west-1_the-device".into());
        let (_, cookies) = s.start(&tokens, true, false).await.expect("started");
        let headers = super::super::tests::request_headers(&cookies);
        assert_eq!(s.session_device(&headers).as_deref(), Some("eu-west-1_the-device"));
        assert!(
            !cookies
                .iter()
                .any(|c| c.to_str().expect("ascii").contains("the-device")),
            "sealed"
        );
    }

    #[test]
    fn a_browser_keeps_one_sealed_device_per_account_and_forgets_each() {
        let s = sessions(false);
        let none = http::HeaderMap::new();
        let first = s
            .remember_device_cookie(&none, "ada@example.com", &secret("eu-west-1_one"))
            .expect("cookie");
        let text = first.to_str().expect("ascii");
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax"), "{text}");
        for clear in ["ada", "eu-west-1_one", "device password", "-group"] {
            assert!(!text.contains(clear), "sealed: {clear} in {text}");
        }
        assert_eq!(
            s.remembered_device(&sent(&first), "ada@example.com"),
            Some(secret("eu-west-1_one"))
        );
        assert_eq!(s.remembered_device(&sent(&first), "bob@example.com"), None);
        assert_eq!(
            sessions(false).remembered_device(&sent(&first), "ada@example.com"),
            None,
            "another key"
        );
        let mut value = first;
        for (email, key) in [
            ("bob@example.com", "two"),
            ("cy@example.com", "three"),
            ("di@example.com", "four"),
        ] {
            value = s
                .remember_device_cookie(&sent(&value), email, &secret(key))
                .expect("cookie");
        }
        assert_eq!(
            s.remembered_device(&sent(&value), "ada@example.com"),
            None,
            "the oldest went"
        );
        assert_eq!(
            s.remembered_device(&sent(&value), "di@example.com"),
            Some(secret("four"))
        );
        let forgot = s.forget_device_cookie(&sent(&value), "di@example.com").expect("cookie");
        assert_eq!(s.remembered_device(&sent(&forgot), "di@example.com"), None);
        assert_eq!(
            s.remembered_device(&sent(&forgot), "cy@example.com"),
            Some(secret("three"))
        );
        assert_eq!(
            s.forget_device_cookie(&sent(&forgot), "di@example.com"),
            None,
            "nothing to forget"
        );
    }
}
