//! The device cookie (OWASP's "device cookies" against account lockout): after a successful
//! sign-in the browser gets a cookie, signed with the server's key (HMAC-SHA-256), that names the
//! account it proved itself for. Later, a wrong password from that browser counts against the
//! cookie's own budget instead of the account's ([`crate::limits`]): while someone sprays
//! wrong passwords at a person's address from elsewhere, the person at home still signs in.
//!
//! The cookie holds, for each of up to [`MAX_ACCOUNTS`] accounts (a shared family computer),
//! the account's id ([`AccountIds`]: an HMAC of the e-mail address with the server's key, so the
//! cookie cannot be used to test guessed addresses), a random nonce (what its budget is keyed
//! by) and when it was issued. It proves nothing about who is at the keyboard — it is no session
//! and signs nobody in — only that this browser once knew the password: a stolen copy gets a
//! thief one more budget of guesses, never the person's own, and every budget of the account's
//! device cookies together is capped (`limits`). A password change or reset, "sign out
//! everywhere" and a deleted account end the cookies issued before them (`limits::forget_devices`).

use super::{Sessions, new_session_id};
use aws_lc_rs::hmac;
use base64::Engine as _;
use cookie::{Cookie, SameSite};
use http::HeaderValue;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a browser stays known after its last successful sign-in.
pub const LIFETIME: Duration = Duration::from_secs(180 * 24 * 3600);
/// Accounts one browser is remembered for; the oldest is dropped for a new one.
pub const MAX_ACCOUNTS: usize = 3;

/// One account a browser signed in to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// [`AccountIds::of`] the e-mail address.
    #[serde(rename = "a")]
    pub account: String,
    /// Random, made at that sign-in: what this browser's own failure budget is keyed by.
    #[serde(rename = "n")]
    pub nonce: String,
    /// Unix seconds.
    #[serde(rename = "t")]
    pub issued: i64,
}

/// The id an e-mail address has in the device cookie and in the limits' keys: 128 bits of its
/// HMAC-SHA-256 with a key of the server's, so neither a cookie nor the store lets anyone test
/// guessed addresses (a bare hash of an address is one dictionary away from it).
#[derive(Clone)]
pub struct AccountIds(hmac::Key);

impl AccountIds {
    /// Ids keyed by `key`'s signing half (the device cookie's own key is derived from it too).
    pub fn new(key: &cookie::Key) -> Self {
        let mut derived = [0u8; 32];
        let tag = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, key.signing()),
            b"leptos-cognito account ids",
        );
        derived.copy_from_slice(&tag.as_ref()[..32]);
        Self(hmac::Key::new(hmac::HMAC_SHA256, &derived))
    }

    /// The id of `email` (already lower-case once parsed).
    pub fn of(&self, email: &str) -> String {
        let tag = hmac::sign(&self.0, email.as_bytes());
        tag.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for AccountIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountIds(..)")
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

impl Sessions {
    fn device_name(&self) -> &'static str {
        if self.secure { "__Host-lc-device" } else { "lc-device" }
    }

    fn device_key(key: &cookie::Key) -> hmac::Key {
        // The signing half of the cookie key (the private jar uses the other half).
        hmac::Key::new(hmac::HMAC_SHA256, key.signing())
    }

    /// `payload.tag`: the devices as JSON, base64url, and their HMAC.
    fn sign_devices(&self, devices: &[Device]) -> Option<String> {
        let json = serde_json::to_vec(devices).ok()?;
        let payload = b64().encode(json);
        let tag = hmac::sign(&Self::device_key(&self.key), payload.as_bytes());
        Some(format!("{payload}.{}", b64().encode(tag.as_ref())))
    }

    fn open_devices(&self, value: &str) -> Option<Vec<Device>> {
        let (payload, tag) = value.split_once('.')?;
        let tag = b64().decode(tag).ok()?;
        let verified = std::iter::once(&self.key)
            .chain(self.previous_key.as_ref())
            .any(|key| hmac::verify(&Self::device_key(key), payload.as_bytes(), &tag).is_ok());
        if !verified {
            return None;
        }
        serde_json::from_slice(&b64().decode(payload).ok()?).ok()
    }

    /// The accounts this browser signed in to within [`LIFETIME`] before `now`, from a cookie
    /// this server signed (any other is ignored).
    pub fn devices(&self, headers: &http::HeaderMap, now: i64) -> Vec<Device> {
        let jar = super::jar_of(headers);
        let Some(cookie) = jar.get(self.device_name()) else {
            return vec![];
        };
        let mut devices = self.open_devices(cookie.value()).unwrap_or_default();
        devices.retain(|d| d.issued <= now && now - d.issued < LIFETIME.as_secs() as i64);
        devices.truncate(MAX_ACCOUNTS);
        devices
    }

    /// The `Set-Cookie` value after a successful sign-in to `email`: this browser is known for
    /// that account (with a new nonce: a fresh budget), first, besides the others it knows.
    pub fn device_cookie(&self, headers: &http::HeaderMap, email: &str, now: i64) -> Option<HeaderValue> {
        if email.is_empty() {
            return None;
        }
        let account = self.account_ids().of(email);
        let mut devices = self.devices(headers, now);
        devices.retain(|d| d.account != account);
        devices.insert(
            0,
            Device {
                account,
                nonce: new_session_id(),
                issued: now,
            },
        );
        devices.truncate(MAX_ACCOUNTS);
        let cookie = Cookie::build((self.device_name(), self.sign_devices(&devices)?))
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(cookie::time::Duration::seconds(LIFETIME.as_secs() as i64))
            .build();
        HeaderValue::from_str(&cookie.encoded().to_string()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::sessions;
    use super::*;

    fn sent(value: &HeaderValue) -> http::HeaderMap {
        let pair = value
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("pair")
            .to_owned();
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::COOKIE, pair.parse().expect("cookie"));
        headers
    }

    #[test]
    fn a_browser_is_known_for_the_accounts_it_signed_in_to_and_only_with_a_signed_cookie() {
        let s = sessions(false);
        let now = 1_800_000_000;
        let none = http::HeaderMap::new();
        let first = s.device_cookie(&none, "ada@example.com", now).expect("cookie");
        let devices = s.devices(&sent(&first), now + 10);
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].account, s.account_ids().of("ada@example.com"));
        // The cookie never names the address, nor an unkeyed hash of it.
        assert!(!first.to_str().expect("ascii").contains("ada"));
        let bare: String = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"ada@example.com").as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_ne!(devices[0].account, bare);
        // A second account is added before the first, a fourth pushes out the oldest.
        let mut value = first;
        for email in ["bob@example.com", "cy@example.com", "di@example.com"] {
            value = s.device_cookie(&sent(&value), email, now + 20).expect("cookie");
        }
        let accounts: Vec<String> = s
            .devices(&sent(&value), now + 30)
            .into_iter()
            .map(|d| d.account)
            .collect();
        let ids = s.account_ids();
        assert_eq!(
            accounts,
            ["di@example.com", "cy@example.com", "bob@example.com"].map(|e| ids.of(e))
        );
        // Tampered, or signed by another server: nothing.
        let text = value.to_str().expect("ascii").replace("lc-device=", "");
        let pair = text.split(';').next().expect("pair");
        let (payload, tag) = pair.split_once('.').expect("signed");
        let forged = format!("lc-device={}x.{tag}", payload);
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::COOKIE, forged.parse().expect("cookie"));
        assert!(s.devices(&headers, now).is_empty());
        assert!(
            sessions(false).devices(&sent(&value), now + 30).is_empty(),
            "another key"
        );
        // Past its lifetime: forgotten.
        assert!(
            s.devices(&sent(&value), now + LIFETIME.as_secs() as i64 + 21)
                .is_empty()
        );
    }
}
