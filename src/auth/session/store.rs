//! Revocations the API honours: a signed-out session's access tokens are refused by `/api/*`
//! from the moment the person signs out, not only when they expire.
//!
//! Cognito's revocation (`RevokeToken`, `GlobalSignOut`) stops Cognito from accepting a token,
//! but the API verifies tokens locally against the pool's keys, and a verified signature stays
//! verified until `exp` (an hour by default). So the server remembers what it revoked, until
//! the last token it covers has expired, and the verifier asks here after every check:
//! - a **family**: every access token issued from one refresh token. Cognito names it
//!   `origin_jti` when the app client has token revocation on (the default for new clients);
//!   a token without it (cognito-local) is its own family, named by its `jti`;
//! - a **person** (`sub`) from a moment on: "sign out everywhere" and a deleted account refuse
//!   every token issued before it.
//!
//! The entries live in this process's memory: they hold on one instance. Entries are never
//! dropped while they matter (a full cache may forget, a denylist may not): each lives as long
//! as the tokens it covers, at most [`MAX_TOKEN_LIFETIME`], and a sign-out needs a sign-in, which
//! the rate limits bound.

use super::now_unix;
use crate::auth::verifier::AccessClaims;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Cognito's longest access-token lifetime (a day): no revocation needs to be kept longer.
pub const MAX_TOKEN_LIFETIME: i64 = 24 * 3600;

/// What was revoked, each entry with the Unix time after which it covers nothing any more.
#[derive(Default)]
pub struct Revocations {
    /// Family (`origin_jti`, else `jti`) → kept until.
    families: RwLock<HashMap<String, i64>>,
    /// `sub` → (tokens issued before this are refused, kept until).
    people: RwLock<HashMap<String, (i64, i64)>>,
}

/// The family a token belongs to: `origin_jti`, else its own `jti`.
fn family(origin_jti: Option<&str>, jti: Option<&str>) -> Option<String> {
    origin_jti.or(jti).filter(|id| !id.is_empty()).map(str::to_owned)
}

/// How long a revocation of a family must be kept that was made while `token` (the session's
/// current access token, issued at `iat`, expiring at `exp`) was the newest: past its `exp`, and
/// past a refresh that raced the sign-out (issued now at the latest, one lifetime long).
fn family_kept_until(iat: i64, exp: i64, now: i64) -> i64 {
    let lifetime = (exp - iat).clamp(0, MAX_TOKEN_LIFETIME);
    exp.max(now + lifetime)
}

impl Revocations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses every access token of the family of the access token `jwt` (a session's own,
    /// read without a signature check: it came from Cognito over TLS and only names what to
    /// refuse). A token without `jti` or `origin_jti` revokes nothing.
    pub fn revoke_session(&self, jwt: &str) {
        let Some(claims) = super::peek_claims(jwt) else {
            tracing::warn!(
                "a signed-out session's access token does not read as a JWT; the API accepts it until it expires"
            );
            return;
        };
        let now = now_unix();
        let Some(family) = family(claims.origin_jti.as_deref(), claims.jti.as_deref()) else {
            tracing::warn!("a signed-out session's access token names no family; the API accepts it until it expires");
            return;
        };
        let until = family_kept_until(claims.iat.unwrap_or(now), claims.exp, now);
        let mut families = self.families.write().unwrap_or_else(PoisonError::into_inner);
        families.retain(|_, kept_until| *kept_until >= now);
        families.insert(family, until);
    }

    /// Refuses every access token of `sub` issued before now ("sign out everywhere", a
    /// deleted account).
    pub fn revoke_person(&self, sub: &str) {
        let now = now_unix();
        let mut people = self.people.write().unwrap_or_else(PoisonError::into_inner);
        people.retain(|_, (_, kept_until)| *kept_until >= now);
        people.insert(sub.to_owned(), (now, now + MAX_TOKEN_LIFETIME));
    }

    /// Whether a verified access token was revoked.
    pub fn is_revoked(&self, claims: &AccessClaims, now: i64) -> bool {
        if let Some(family) = claims.origin_jti.as_deref().or(claims.jti.as_deref()) {
            let families = self.families.read().unwrap_or_else(PoisonError::into_inner);
            if families.get(family).is_some_and(|until| *until >= now) {
                return true;
            }
        }
        let people = self.people.read().unwrap_or_else(PoisonError::into_inner);
        // `iat` has whole seconds: a token of the revocation's own second is let through, so the
        // session that signs in again right after a password change ("sign out my other
        // devices") works. What that leaves open is a token issued in that same second before it.
        people
            .get(&claims.sub)
            .is_some_and(|(before, until)| *until >= now && (claims.iat as i64) < *before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn jwt(payload: serde_json::Value) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            b64(br#"{"alg":"RS256"}"#),
            b64(payload.to_string().as_bytes())
        )
    }

    fn claims(sub: &str, jti: &str, origin: Option<&str>, iat: u64) -> AccessClaims {
        serde_json::from_value(serde_json::json!({
            "sub": sub, "token_use": "access", "iss": "i", "exp": iat + 3600, "iat": iat,
            "jti": jti, "origin_jti": origin,
        }))
        .expect("claims")
    }

    #[test]
    fn a_signed_out_family_is_refused_with_every_token_of_it() {
        let now = now_unix();
        let store = Revocations::new();
        let current =
            jwt(serde_json::json!({"sub": "a", "jti": "t2", "origin_jti": "rt1", "iat": now, "exp": now + 3600}));
        store.revoke_session(&current);
        // An older token of the same refresh token, and the current one.
        assert!(store.is_revoked(&claims("a", "t1", Some("rt1"), now as u64 - 600), now));
        assert!(store.is_revoked(&claims("a", "t2", Some("rt1"), now as u64), now));
        // Another session of the same person is not.
        assert!(!store.is_revoked(&claims("a", "t3", Some("rt2"), now as u64), now));
    }

    #[test]
    fn without_origin_jti_only_that_token_is_refused() {
        let now = now_unix();
        let store = Revocations::new();
        store.revoke_session(&jwt(
            serde_json::json!({"sub": "a", "jti": "t1", "iat": now, "exp": now + 60}),
        ));
        assert!(store.is_revoked(&claims("a", "t1", None, now as u64), now));
        assert!(!store.is_revoked(&claims("a", "t2", None, now as u64), now));
    }

    #[test]
    fn everywhere_refuses_what_was_issued_before_and_not_after() {
        let now = now_unix();
        let store = Revocations::new();
        store.revoke_person("a");
        assert!(store.is_revoked(&claims("a", "t1", Some("rt1"), now as u64 - 10), now));
        assert!(store.is_revoked(&claims("a", "t2", Some("rt2"), now as u64 - 1), now));
        // The session that signs in again in the same second (a password change) is let through.
        assert!(!store.is_revoked(&claims("a", "t3", Some("rt3"), now as u64), now));
        assert!(!store.is_revoked(&claims("a", "t4", Some("rt4"), now as u64 + 1), now + 1));
        assert!(!store.is_revoked(&claims("b", "t5", Some("rt5"), now as u64 - 10), now));
    }

    #[test]
    fn a_family_is_kept_past_a_refresh_that_raced_the_sign_out() {
        // Token issued 50 min ago, 10 min left: a refresh made just now lives an hour.
        assert_eq!(family_kept_until(1000, 4600, 4000), 4000 + 3600);
        // A fresh token: kept until its own exp.
        assert_eq!(family_kept_until(4000, 7600, 4000), 7600);
        // A lifetime claim longer than Cognito allows is cut to a day.
        assert_eq!(family_kept_until(0, 10 * 86_400, 0), 10 * 86_400);
        assert_eq!(family_kept_until(0, 100, 50), 50 + 100);
    }

    #[test]
    fn expired_revocations_stop_counting() {
        let now = now_unix();
        let store = Revocations::new();
        store.revoke_session(&jwt(
            serde_json::json!({"sub": "a", "jti": "t1", "iat": now - 100, "exp": now - 40}),
        ));
        // Kept until now - 40 + ... : family_kept_until(now-100, now-40, now) = now + 60.
        assert!(store.is_revoked(&claims("a", "t1", None, now as u64 - 100), now + 60));
        assert!(!store.is_revoked(&claims("a", "t1", None, now as u64 - 100), now + 61));
    }
}
