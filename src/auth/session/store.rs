//! Revocations the API honours: a signed-out session's access tokens are refused by `/api/*`
//! from the moment the person signs out, not only when they expire.
//!
//! Cognito's revocation (`RevokeToken`, `GlobalSignOut`) stops Cognito from accepting a token,
//! but the API verifies tokens locally against the pool's keys, and a verified signature stays
//! verified until `exp` (an hour by default). So the server remembers what it revoked, until
//! the last token it covers has expired, and the verifier asks here after every check:
//! - a **family**: every access token issued from one refresh token. Cognito names it
//!   `origin_jti` when the app client has token revocation on (the default for new clients; the
//!   start-up report warns when it is off); a token without it (cognito-local) is its own
//!   family, named by its `jti`;
//! - a **person** (`sub`): "sign out everywhere" and a password change that signs out the other
//!   devices refuse every token issued up to that second, but the session that signs in again
//!   right then; a deleted account refuses every token of its `sub` (never reused).
//!
//! The entries live in this process's memory: they hold on one instance. Entries are never
//! dropped while they matter (a full cache may forget, a denylist may not): each lives as long
//! as the tokens it covers plus [`KEEP_SLACK`], and the verifier's leeway is added when it asks.
//! A revocation needs a signed-in session, which the sign-in limits bound; expired entries are
//! swept when the map has doubled since the last sweep, not on every insert.

use crate::auth::verifier::AccessClaims;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Cognito's longest access-token lifetime (a day): no revocation needs to be kept longer.
pub const MAX_TOKEN_LIFETIME: i64 = 24 * 3600;

/// Kept this much longer than the tokens it covers: a refresh that finished just after the
/// revocation (within the Cognito call timeout), and a clock that is a little off.
pub const KEEP_SLACK: i64 = 60;

/// A person's revocation: tokens issued at or before `before` are refused, except `exempt`'s.
struct Person {
    before: i64,
    exempt: Option<String>,
}

/// A map whose entries end at a Unix time, swept of ended ones when it has doubled in size.
struct Expiring<V> {
    entries: HashMap<String, (i64, V)>,
    sweep_at: usize,
}

impl<V> Default for Expiring<V> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            sweep_at: 1024,
        }
    }
}

impl<V> Expiring<V> {
    fn insert(&mut self, key: String, until: i64, value: V, now: i64) {
        if self.entries.len() >= self.sweep_at {
            self.entries.retain(|_, (until, _)| *until >= now);
            self.sweep_at = (self.entries.len() * 2).max(1024);
        }
        self.entries.insert(key, (until, value));
    }

    fn get(&self, key: &str, now: i64) -> Option<&V> {
        self.entries.get(key).filter(|(until, _)| *until >= now).map(|(_, v)| v)
    }
}

/// What was revoked, each entry with the Unix time after which it covers nothing any more.
#[derive(Default)]
pub struct Revocations {
    /// Family (`origin_jti`, else `jti`).
    families: RwLock<Expiring<()>>,
    people: RwLock<Expiring<Person>>,
}

/// The family of an access token read without a signature check (a session's own: it came from
/// Cognito over TLS and only names what to refuse): `origin_jti`, else its own `jti`, with its
/// `iat` and `exp`.
pub fn family_of(jwt: &str) -> Option<(String, i64, i64)> {
    let claims = super::peek_claims(jwt)?;
    let family = family(claims.origin_jti.as_deref(), claims.jti.as_deref())?.to_owned();
    Some((family, claims.iat.unwrap_or(claims.exp), claims.exp))
}

/// The family a token names: `origin_jti`, else its own `jti`.
fn family<'a>(origin_jti: Option<&'a str>, jti: Option<&'a str>) -> Option<&'a str> {
    origin_jti.or(jti).filter(|id| !id.is_empty())
}

/// How long a revocation of a family must be kept that was made while the session's current
/// access token (issued at `iat`, expiring at `exp`) was the newest: past its `exp`, and past a
/// refresh that raced the sign-out (issued now at the latest, one lifetime long).
fn family_kept_until(iat: i64, exp: i64, now: i64) -> i64 {
    let lifetime = (exp - iat).clamp(0, MAX_TOKEN_LIFETIME);
    exp.max(now + lifetime) + KEEP_SLACK
}

impl Revocations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses every access token of the family of the access token `jwt`, the session's own.
    pub fn revoke_session(&self, jwt: &str, now: i64) {
        let Some((family, iat, exp)) = family_of(jwt) else {
            tracing::warn!(
                "a signed-out session's access token names no family (jti, origin_jti); the API accepts it until it expires"
            );
            return;
        };
        let until = family_kept_until(iat, exp, now);
        let mut families = self.families.write().unwrap_or_else(PoisonError::into_inner);
        families.insert(family, until, (), now);
    }

    /// Refuses every access token of `sub` issued up to this second ("sign out everywhere", a
    /// password change that ends the other devices), but those of the family `exempt` (the
    /// session that signed in again with the new password, in that same second perhaps).
    pub fn revoke_person(&self, sub: &str, exempt: Option<String>, now: i64) {
        self.insert_person(sub, now, exempt, now);
    }

    /// Refuses every access token of a deleted account: its `sub` is never given again.
    pub fn revoke_deleted(&self, sub: &str, now: i64) {
        self.insert_person(sub, i64::MAX, None, now);
    }

    fn insert_person(&self, sub: &str, before: i64, exempt: Option<String>, now: i64) {
        let until = now + MAX_TOKEN_LIFETIME + KEEP_SLACK;
        let person = Person { before, exempt };
        let mut people = self.people.write().unwrap_or_else(PoisonError::into_inner);
        people.insert(sub.to_owned(), until, person, now);
    }

    /// Whether a verified access token was revoked. `now` is the verifier's clock minus its
    /// leeway, so an entry lasts as long as a token it covers may still pass.
    pub fn is_revoked(&self, claims: &AccessClaims, now: i64) -> bool {
        let family = family(claims.origin_jti.as_deref(), claims.jti.as_deref());
        self.revoked(&claims.sub, claims.iat as i64, family, now)
    }

    /// Whether the access token in a session's cookie was revoked: the session layer signs such
    /// a session out (cookies copied before a sign-out, another browser of a person who signed
    /// out everywhere).
    pub fn is_session_revoked(&self, jwt: &str, now: i64) -> bool {
        let Some(claims) = super::peek_claims(jwt) else {
            return false;
        };
        let family = family(claims.origin_jti.as_deref(), claims.jti.as_deref());
        self.revoked(&claims.sub, claims.iat.unwrap_or(claims.exp), family, now)
    }

    fn revoked(&self, sub: &str, iat: i64, family: Option<&str>, now: i64) -> bool {
        if let Some(family) = family {
            let families = self.families.read().unwrap_or_else(PoisonError::into_inner);
            if families.get(family, now).is_some() {
                return true;
            }
        }
        let people = self.people.read().unwrap_or_else(PoisonError::into_inner);
        // `iat` has whole seconds: a token of the revocation's own second may predate it, so it
        // is refused too, unless it is the exempt session's. (Cognito's clock and this server's
        // are both expected to be NTP-synchronised; a skew of more than a second shifts this.)
        people.get(sub, now).is_some_and(|person| {
            iat <= person.before && !(person.exempt.is_some() && person.exempt.as_deref() == family)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    const NOW: i64 = 1_800_000_000;

    fn jwt(payload: serde_json::Value) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            b64(br#"{"alg":"RS256"}"#),
            b64(payload.to_string().as_bytes())
        )
    }

    fn claims(sub: &str, jti: &str, origin: Option<&str>, iat: i64) -> AccessClaims {
        serde_json::from_value(serde_json::json!({
            "sub": sub, "token_use": "access", "iss": "i", "exp": iat + 3600, "iat": iat,
            "jti": jti, "origin_jti": origin,
        }))
        .expect("claims")
    }

    #[test]
    fn a_signed_out_family_is_refused_with_every_token_of_it() {
        let store = Revocations::new();
        let current =
            jwt(serde_json::json!({"sub": "a", "jti": "t2", "origin_jti": "rt1", "iat": NOW, "exp": NOW + 3600}));
        store.revoke_session(&current, NOW);
        // An older token of the same refresh token, and the current one.
        assert!(store.is_revoked(&claims("a", "t1", Some("rt1"), NOW - 600), NOW));
        assert!(store.is_revoked(&claims("a", "t2", Some("rt1"), NOW), NOW));
        // Another session of the same person is not.
        assert!(!store.is_revoked(&claims("a", "t3", Some("rt2"), NOW), NOW));
    }

    #[test]
    fn a_sessions_cookie_token_is_judged_by_the_same_rules() {
        let store = Revocations::new();
        let token = |jti: &str, origin: &str, iat: i64| {
            jwt(serde_json::json!({"sub": "a", "jti": jti, "origin_jti": origin, "iat": iat, "exp": iat + 3600}))
        };
        store.revoke_session(&token("t1", "rt1", NOW), NOW);
        assert!(store.is_session_revoked(&token("t1", "rt1", NOW), NOW));
        assert!(!store.is_session_revoked(&token("t2", "rt2", NOW), NOW));
        store.revoke_person("a", None, NOW + 10);
        assert!(store.is_session_revoked(&token("t2", "rt2", NOW), NOW + 10));
        assert!(!store.is_session_revoked(&token("t3", "rt3", NOW + 11), NOW + 11));
        assert!(!store.is_session_revoked("not a jwt", NOW));
    }

    #[test]
    fn without_origin_jti_only_that_token_is_refused() {
        let store = Revocations::new();
        store.revoke_session(
            &jwt(serde_json::json!({"sub": "a", "jti": "t1", "iat": NOW, "exp": NOW + 60})),
            NOW,
        );
        assert!(store.is_revoked(&claims("a", "t1", None, NOW), NOW));
        assert!(!store.is_revoked(&claims("a", "t2", None, NOW), NOW));
    }

    #[test]
    fn everywhere_refuses_what_was_issued_up_to_its_second_but_the_exempt_session() {
        let store = Revocations::new();
        store.revoke_person("a", Some("rt9".into()), NOW);
        assert!(store.is_revoked(&claims("a", "t1", Some("rt1"), NOW - 10), NOW));
        // The same second: an attacker's refresh just before the sign-out is refused...
        assert!(store.is_revoked(&claims("a", "t2", Some("rt2"), NOW), NOW));
        // ...the session that signed in again with the new password is not.
        assert!(!store.is_revoked(&claims("a", "t9", Some("rt9"), NOW), NOW));
        // Nor is anything issued afterwards, or another person's.
        assert!(!store.is_revoked(&claims("a", "t3", Some("rt3"), NOW + 1), NOW + 1));
        assert!(!store.is_revoked(&claims("b", "t4", Some("rt4"), NOW - 10), NOW));
    }

    #[test]
    fn a_deleted_account_has_no_token_left() {
        let store = Revocations::new();
        store.revoke_deleted("a", NOW);
        assert!(store.is_revoked(&claims("a", "t1", Some("rt1"), NOW + 5), NOW + 5));
        assert!(!store.is_revoked(&claims("b", "t2", Some("rt2"), NOW), NOW));
    }

    #[test]
    fn a_family_is_kept_past_a_refresh_that_raced_the_sign_out() {
        // Token issued 50 min ago, 10 min left: a refresh made just now lives an hour.
        assert_eq!(family_kept_until(1000, 4600, 4000), 4000 + 3600 + KEEP_SLACK);
        // A fresh token: kept until its own exp.
        assert_eq!(family_kept_until(4000, 7600, 4000), 7600 + KEEP_SLACK);
        // A lifetime beyond Cognito's day counts as a day for the raced refresh; the token's
        // own exp still holds.
        assert_eq!(family_kept_until(0, 10 * 86_400, 0), 10 * 86_400 + KEEP_SLACK);
        assert_eq!(
            family_kept_until(0, 3 * 86_400, 2 * 86_400 + 1),
            2 * 86_400 + 1 + 86_400 + KEEP_SLACK
        );
    }

    #[test]
    fn revocations_end_with_what_they_cover() {
        let store = Revocations::new();
        store.revoke_session(
            &jwt(serde_json::json!({"sub": "a", "jti": "t1", "iat": NOW - 100, "exp": NOW - 40})),
            NOW,
        );
        let until = NOW + 60 + KEEP_SLACK;
        let token = claims("a", "t1", None, NOW - 100);
        assert!(store.is_revoked(&token, until));
        assert!(!store.is_revoked(&token, until + 1));
    }

    #[test]
    fn expired_entries_are_swept_once_the_map_has_doubled() {
        let mut map = Expiring::default();
        for i in 0..1024 {
            map.insert(format!("old{i}"), NOW, (), NOW);
        }
        map.insert("new".into(), NOW + 100, (), NOW + 1);
        assert_eq!(map.entries.len(), 1);
        assert_eq!(map.sweep_at, 1024);
        assert!(map.get("new", NOW + 100).is_some());
    }
}
