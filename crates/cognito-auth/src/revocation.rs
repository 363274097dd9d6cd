//! The rules of revocation over a [`SessionStore`]: what each sign-out writes, for how long, and
//! how a token or a session is judged — the part every instance and the API must agree on.
//!
//! Cognito's revocation (`RevokeToken`, `GlobalSignOut`) stops *Cognito* from accepting a
//! token, but an API verifies tokens locally against the pool's keys, and a verified signature
//! stays verified until `exp`. So the server remembers what it revoked, until the last token it
//! covers has expired, and the verifier ([`cognito_jwt::RevocationCheck`]) and the session
//! layer ask here:
//! - a **family**: every access token issued from one refresh token (`origin_jti`; a token
//!   without it is its own family, named by its `jti`);
//! - a **session** (its random id, sealed in its cookies): a session signed out from the
//!   sessions list, or signed out and then copied;
//! - a **person** (`sub`): "sign out everywhere" refuses every token issued up to that second
//!   but the session that signs in again right then; a deleted account refuses every token of
//!   its `sub`.

use crate::store::{Found, KEEP_SLACK, MAX_TOKEN_LIFETIME, Person, SessionRecord, SessionStore, StoreDown, VALID_FOR};
use crate::unverified;
use cognito_jwt::AccessClaims;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The family of an access token read without a signature check (a session's own: it came from
/// Cognito over TLS and only names what to refuse): `origin_jti`, else its own `jti`, with its
/// `iat` and `exp`.
pub fn family_of(jwt: &str) -> Option<(String, i64, i64)> {
    let claims = unverified::peek(jwt)?;
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
pub(crate) fn family_kept_until(iat: i64, exp: i64, now: i64) -> i64 {
    let lifetime = (exp - iat).clamp(0, MAX_TOKEN_LIFETIME);
    exp.max(now + lifetime) + KEEP_SLACK
}

/// Whether what a lookup found refuses a token of `family`, issued at `iat`.
fn refuses(found: &Found, iat: i64, family: Option<&str>) -> bool {
    // `iat` has whole seconds: a token of the revocation's own second may predate it, so it is
    // refused too, unless it is the exempt session's. (Cognito's clock and this server's are
    // both expected to be NTP-synchronised; a skew of more than a second shifts this.)
    found.family
        || found.session
        || found.person.as_ref().is_some_and(|person| {
            iat <= person.before && !(person.exempt.is_some() && person.exempt.as_deref() == family)
        })
}

/// The rules of revocation over a [`SessionStore`]: what each sign-out writes, for how long,
/// and how a token or a session is judged.
pub struct Revocations {
    store: Arc<SessionStore>,
    /// How long a session's cookies live (`SESSION_MAX_AGE_SECS`): a revoked session id and a
    /// session's record are kept that long.
    session_lifetime: i64,
    /// A shared store's recent "not revoked" answers for the API, by `sub` and family, until
    /// the instant they may no longer be reused ([`VALID_FOR`]); emptied by every revocation
    /// made here.
    valid: Mutex<HashMap<(String, String), Instant>>,
    /// Bumped by every revocation made here, before and after its write: an answer whose lookup
    /// began under another generation is not remembered (it may predate the revocation).
    generation: AtomicU64,
    /// Sign-outs the store did not take (it was down), by session id: refused here at once, and
    /// written by a background task as soon as the store is back
    /// ([`Revocations::revoke_session_or_later`]).
    later: Mutex<Later>,
    /// Whether that task runs.
    writing_later: AtomicBool,
}

/// A session a sign-out ended (`Revocations::revoke_session_or_later`).
#[derive(Clone, Debug)]
pub struct Ended {
    /// The person's `sub`.
    pub sub: String,
    /// The session's id.
    pub session_id: String,
    /// Its access token, to name its family; empty when the cookies did not hold it.
    pub access_token: String,
    /// Its family as the refresh cookie names it, for when the access token is not at hand.
    pub family: Option<String>,
}

/// The sign-outs waiting for the store on this instance.
#[derive(Default)]
struct Later {
    /// By session id, with when each happened (its entries last from then).
    by_session: HashMap<String, (Ended, i64)>,
    /// Their families, refused by this instance's API meanwhile.
    families: HashMap<String, usize>,
    /// People signed out everywhere (or deleted: `before` is `i64::MAX`), by `sub`.
    people: HashMap<String, PersonLater>,
}

/// A person's revocation waiting for the store: "not before", the session exempt from it, and
/// when it happened.
type PersonLater = (i64, Option<String>, i64);

impl Later {
    fn is_empty(&self) -> bool {
        self.by_session.is_empty() && self.people.is_empty()
    }
}

impl Later {
    fn family(ended: &Ended) -> Option<String> {
        family_of(&ended.access_token)
            .map(|(family, _, _)| family)
            .or_else(|| ended.family.clone())
    }

    fn remove(&mut self, session_id: &str) {
        let Some((ended, _)) = self.by_session.remove(session_id) else {
            return;
        };
        if let Some(family) = Self::family(&ended)
            && let Some(n) = self.families.get_mut(&family)
        {
            *n -= 1;
            if *n == 0 {
                self.families.remove(&family);
            }
        }
    }
}

/// At most this many sign-outs wait for the store on one instance (each a few hundred bytes);
/// past it a new one is not kept (the ones waiting are not pushed out by a flood of copies),
/// with an error in the log.
const LATER_MAX: usize = 100_000;

/// How often the waiting sign-outs are tried again while the store is down.
const LATER_EVERY: Duration = Duration::from_millis(250);

/// At most this many remembered answers; past it the map starts again (a cache may forget).
const VALID_MAX: usize = 65_536;

/// A revocation is tried this many times, a quarter second apart, before it is given up.
const WRITE_ATTEMPTS: u32 = 4;

async fn retrying<T, F: Future<Output = Result<T, StoreDown>>>(mut write: impl FnMut() -> F) -> Result<T, StoreDown> {
    let mut attempt = 1;
    loop {
        match write().await {
            Err(StoreDown) if attempt < WRITE_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            done => return done,
        }
    }
}

/// The API's verifier asks the store after every other check: a signed-out session's tokens,
/// a person's "not before", a deleted account.
impl cognito_jwt::RevocationCheck for Revocations {
    fn is_revoked<'a>(&'a self, claims: &'a AccessClaims, now: i64) -> cognito_jwt::RevocationFuture<'a> {
        Box::pin(async move {
            self.is_token_revoked(claims, now)
                .await
                .map_err(|StoreDown| cognito_jwt::Unavailable)
        })
    }
}

impl Revocations {
    /// Revocations kept in `store`; a session lives `session_lifetime` (its cookies' max age),
    /// and a revoked session id is kept that long.
    pub fn new(store: Arc<SessionStore>, session_lifetime: Duration) -> Self {
        Self {
            store,
            session_lifetime: session_lifetime.as_secs() as i64,
            valid: Mutex::default(),
            generation: AtomicU64::new(0),
            later: Mutex::default(),
            writing_later: AtomicBool::new(false),
        }
    }

    /// In memory, with the default session lifetime: for tests and tools.
    pub fn in_memory() -> Self {
        Self::new(Arc::new(SessionStore::memory()), Duration::from_secs(30 * 24 * 3600))
    }

    /// The store the revocations are kept in (the limits and the refresh lock use it too).
    pub fn store(&self) -> &Arc<SessionStore> {
        &self.store
    }

    /// Until when a session's id and record are kept, from `now`.
    pub fn session_until(&self, now: i64) -> i64 {
        now + self.session_lifetime + KEEP_SLACK
    }

    fn forget_valid(&self) {
        self.valid.lock().unwrap_or_else(PoisonError::into_inner).clear();
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Ends one session: its id, the family of its access token `jwt`, and its record.
    /// Revocations are written again on failure (they are idempotent), four times a quarter
    /// second apart: a store that failed over a moment ago must not let a sign-out go unrecorded.
    pub async fn revoke_session(&self, sub: &str, session_id: &str, jwt: &str, now: i64) -> Result<(), StoreDown> {
        let done = retrying(|| self.revoke_session_once(sub, session_id, jwt, now)).await;
        self.forget_valid();
        done
    }

    /// [`Self::revoke_session`] for a sign-out, which goes through even while the store is down
    /// (the browser's cookies are cleared; a shared computer can always be left): what the store
    /// did not take waits on this instance and is written as soon as the store is back, before
    /// anything that copied the cookies could be accepted for long (every instance refuses all
    /// sessions while the store is down). `Err` says it was not written yet.
    pub async fn revoke_session_or_later(self: &Arc<Self>, ended: Ended, now: i64) -> Result<(), StoreDown> {
        // One try: what fails waits for the store in the background, not in the person's request.
        let done = self.revoke_ended_once(&ended, now).await;
        self.forget_valid();
        if done.is_err() {
            self.later(ended, now);
        }
        done
    }

    /// How many sign-outs wait for the store on this instance.
    pub fn waiting(&self) -> usize {
        self.later
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_session
            .len()
    }

    /// Whether a sign-out waiting here ended this session, or the family of `jwt`, or its
    /// person's tokens issued at `iat`.
    fn waiting_for(&self, session_id: Option<&str>, family: Option<&str>, sub: &str, iat: i64) -> bool {
        let later = self.later.lock().unwrap_or_else(PoisonError::into_inner);
        session_id.is_some_and(|id| later.by_session.contains_key(id))
            || family.is_some_and(|f| later.families.contains_key(f))
            || later
                .people
                .get(sub)
                .is_some_and(|(before, exempt, _)| iat <= *before && !(exempt.is_some() && exempt.as_deref() == family))
    }

    fn later(self: &Arc<Self>, ended: Ended, at: i64) {
        {
            let mut later = self.later.lock().unwrap_or_else(PoisonError::into_inner);
            if later.by_session.contains_key(&ended.session_id) {
                // The same session signed out again (a copy of its cookies): one is enough.
            } else if later.by_session.len() >= LATER_MAX {
                tracing::error!("too many sign-outs wait for the session store; this one is not kept");
                return;
            } else {
                if let Some(family) = Later::family(&ended) {
                    *later.families.entry(family).or_default() += 1;
                }
                later.by_session.insert(ended.session_id.clone(), (ended, at));
            }
        }
        self.write_later();
    }

    /// Starts the task that writes what waits here, unless it runs: every quarter second, all
    /// of it, until the store has taken everything.
    fn write_later(self: &Arc<Self>) {
        if self.writing_later.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(LATER_EVERY).await;
                this.write_waiting().await;
                // Done, unless one came in meanwhile (it found the flag set and left it to us).
                let mut later = this.later.lock().unwrap_or_else(PoisonError::into_inner);
                if later.is_empty() {
                    this.writing_later.store(false, Ordering::SeqCst);
                    *later = Later::default();
                    return;
                }
            }
        });
    }

    /// One pass over what waits: people first (their revocations cover the most), then
    /// sessions; the first the store refuses ends the pass.
    async fn write_waiting(&self) {
        let people: Vec<(String, PersonLater)> = {
            let later = self.later.lock().unwrap_or_else(PoisonError::into_inner);
            later.people.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let sessions: Vec<(Ended, i64)> = {
            let later = self.later.lock().unwrap_or_else(PoisonError::into_inner);
            later.by_session.values().cloned().collect()
        };
        for (sub, (before, exempt, at)) in people {
            let written = async {
                self.insert_person(&sub, before, exempt.clone(), at).await?;
                self.forget_records(&sub).await
            };
            if written.await.is_err() {
                return;
            }
            self.forget_valid();
            let mut later = self.later.lock().unwrap_or_else(PoisonError::into_inner);
            // Unless a later one came meanwhile.
            if later
                .people
                .get(&sub)
                .is_some_and(|(b, e, _)| *b == before && *e == exempt)
            {
                later.people.remove(&sub);
            }
            drop(later);
            tracing::info!("a person's sign-out made while the session store was down is written now");
        }
        for (ended, at) in sessions {
            if self.revoke_ended_once(&ended, at).await.is_err() {
                return;
            }
            self.forget_valid();
            self.later
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&ended.session_id);
            tracing::info!("a sign-out made while the session store was down is written now");
        }
    }

    /// [`Self::revoke_session_once`] for a session ended from its cookies: its family from the
    /// access token, or as the refresh cookie names it (kept as long as any access token lives).
    async fn revoke_ended_once(&self, ended: &Ended, now: i64) -> Result<(), StoreDown> {
        if family_of(&ended.access_token).is_none()
            && let Some(family) = &ended.family
        {
            self.store
                .deny(format!("f:{family}"), now + MAX_TOKEN_LIFETIME + KEEP_SLACK, now)
                .await?;
        }
        self.revoke_session_once(&ended.sub, &ended.session_id, &ended.access_token, now)
            .await
    }

    /// Ends another session of `sub` from the sessions list: its id, the family its record names
    /// (refused as long as any access token may live), and its record. `false` when `sub` has no
    /// such session. Tried four times, like [`Self::revoke_session`].
    pub async fn end_session(&self, sub: &str, session_id: &str, now: i64) -> Result<bool, StoreDown> {
        let done = retrying(|| self.end_session_once(sub, session_id, now)).await;
        self.forget_valid();
        done
    }

    /// "Sign out everywhere", a password change that ends the other devices: refuses every access
    /// token of `sub` issued up to this second, but those of the family `exempt` (the session that
    /// signed in again), and forgets the records of the sessions it ends. What the store
    /// does not take waits on this instance (refused here meanwhile) and is written when it is
    /// back, as a sign-out's is ([`Self::revoke_session_or_later`]); `Err` says it was not yet.
    pub async fn revoke_person(self: &Arc<Self>, sub: &str, exempt: Option<String>, now: i64) -> Result<(), StoreDown> {
        let done = retrying(|| self.revoke_person_once(sub, exempt.clone(), now)).await;
        self.forget_valid();
        if done.is_err() {
            self.person_later(sub, now, exempt, now);
        }
        done
    }

    /// A deleted account: every access token of its `sub` refused (a `sub` is never given again),
    /// kept for later like
    /// [`Self::revoke_person`].
    pub async fn revoke_deleted(self: &Arc<Self>, sub: &str, now: i64) -> Result<(), StoreDown> {
        let done = retrying(|| self.revoke_deleted_once(sub, now)).await;
        self.forget_valid();
        if done.is_err() {
            self.person_later(sub, i64::MAX, None, now);
        }
        done
    }

    fn person_later(self: &Arc<Self>, sub: &str, before: i64, exempt: Option<String>, at: i64) {
        {
            let mut later = self.later.lock().unwrap_or_else(PoisonError::into_inner);
            let entry = later
                .people
                .entry(sub.to_owned())
                .or_insert((before, exempt.clone(), at));
            // Never lowered, as in the store.
            if before > entry.0 || (before == entry.0 && exempt.is_some()) {
                *entry = (before, exempt, at);
            }
        }
        self.write_later();
    }

    /// Ends one session: its id, the family of its access token `jwt`, and its record.
    async fn revoke_session_once(&self, sub: &str, session_id: &str, jwt: &str, now: i64) -> Result<(), StoreDown> {
        self.forget_valid();
        match family_of(jwt) {
            Some((family, iat, exp)) => {
                let until = family_kept_until(iat, exp, now);
                self.store.deny(format!("f:{family}"), until, now).await?;
            }
            None => tracing::warn!(
                "a signed-out session's access token names no family (jti, origin_jti); the API accepts it until it expires"
            ),
        }
        if !session_id.is_empty() {
            self.store
                .deny(format!("s:{session_id}"), self.session_until(now), now)
                .await?;
            self.store.forget_session(sub, session_id).await?;
            // A large session's sealed tokens kept here (`session::seal_session`): gone with it.
            self.store
                .forget_blob(&crate::store::session_blob_key(session_id))
                .await?;
        }
        Ok(())
    }

    /// Ends another session of `sub` from the sessions list: its id, the family its record
    /// names (refused as long as any access token may live, its `exp` being unknown here), and
    /// its record. `false` when `sub` has no such session.
    async fn end_session_once(&self, sub: &str, session_id: &str, now: i64) -> Result<bool, StoreDown> {
        // Read by its id, and only its owner's.
        let Some(record) = self.store.session(session_id, now).await?.filter(|r| r.sub == sub) else {
            return Ok(false);
        };
        self.forget_valid();
        if let Some(family) = &record.family {
            let until = now + MAX_TOKEN_LIFETIME + KEEP_SLACK;
            self.store.deny(format!("f:{family}"), until, now).await?;
        }
        self.store
            .deny(format!("s:{session_id}"), self.session_until(now), now)
            .await?;
        self.store.forget_session(sub, session_id).await?;
        Ok(true)
    }

    /// Refuses every access token of `sub` issued up to this second ("sign out everywhere", a
    /// password change that ends the other devices), but those of the family `exempt` (the
    /// session that signed in again with the new password, in that same second perhaps, whose
    /// record is written after this), and forgets the records of the sessions it ends.
    async fn revoke_person_once(&self, sub: &str, exempt: Option<String>, now: i64) -> Result<(), StoreDown> {
        self.insert_person(sub, now, exempt, now).await?;
        self.forget_records(sub).await
    }

    /// Refuses every access token of a deleted account: its `sub` is never given again.
    async fn revoke_deleted_once(&self, sub: &str, now: i64) -> Result<(), StoreDown> {
        self.insert_person(sub, i64::MAX, None, now).await?;
        self.forget_records(sub).await
    }

    async fn insert_person(&self, sub: &str, before: i64, exempt: Option<String>, now: i64) -> Result<(), StoreDown> {
        self.forget_valid();
        // As long as a token, or a session's cookies, of before it may come back: Cognito may
        // not have ended the refresh tokens (its call failed, or an emulator has no
        // GlobalSignOut), and a browser away for a week must still find itself signed out.
        let until = now + self.session_lifetime.max(MAX_TOKEN_LIFETIME) + KEEP_SLACK;
        self.store.set_person(sub, Person { before, exempt }, until, now).await
    }

    async fn forget_records(&self, sub: &str) -> Result<(), StoreDown> {
        self.store.forget_sessions_of(sub).await
    }

    /// Writes a new session's record (see [`SessionStore::save_session`]): past the person's cap,
    /// the oldest sessions end, and the API's remembered answers with them.
    pub async fn save_session(&self, record: &SessionRecord, now: i64) -> Result<(), StoreDown> {
        let ended = self.store.save_session(record, self.session_until(now), now).await?;
        if ended > 0 {
            tracing::info!(ended, "a person's sessions over the cap; the oldest were signed out");
            self.forget_valid();
        }
        Ok(())
    }

    /// Whether a verified access token was revoked. `now` is the verifier's clock minus its
    /// leeway, so an entry lasts as long as a token it covers may still pass.
    /// (What [`cognito_jwt::RevocationCheck::is_revoked`] asks, with the store's own error.)
    pub async fn is_token_revoked(&self, claims: &AccessClaims, now: i64) -> Result<bool, StoreDown> {
        let family = family(claims.origin_jti.as_deref(), claims.jti.as_deref());
        // A sign-out waiting here for the store: refused by this instance already.
        if self.waiting_for(None, family, &claims.sub, claims.iat as i64) {
            return Ok(true);
        }
        let shared = self.store.is_shared();
        let key = (claims.sub.clone(), family.unwrap_or_default().to_owned());
        if shared {
            let valid = self.valid.lock().unwrap_or_else(PoisonError::into_inner);
            if valid.get(&key).is_some_and(|until| *until > Instant::now()) {
                return Ok(false);
            }
        }
        let (asked_at, generation) = (Instant::now(), self.generation.load(Ordering::SeqCst));
        let found = self.store.lookup(family, None, &claims.sub, now).await?;
        let revoked = refuses(&found, claims.iat as i64, family);
        // Counted from the question, not the answer; and not at all if a revocation was made
        // here meanwhile (the answer may have been read before it was written).
        if shared && !revoked && self.generation.load(Ordering::SeqCst) == generation {
            let mut valid = self.valid.lock().unwrap_or_else(PoisonError::into_inner);
            if valid.len() >= VALID_MAX {
                valid.clear();
            }
            valid.insert(key, asked_at + VALID_FOR);
        }
        Ok(revoked)
    }

    /// Whether a session was signed out, judged by its id and the access token in its cookie
    /// (cookies copied before a sign-out, another browser of a person who signed out
    /// everywhere, a session ended from the list) — or, without a session cookie, by when the
    /// session began (`started_at`, from its refresh cookie). Never cached: one lookup per
    /// request.
    pub async fn is_session_revoked(
        &self,
        sub: &str,
        session_id: &str,
        jwt: &str,
        started_at: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreDown> {
        let claims = unverified::peek(jwt);
        let family = claims
            .as_ref()
            .and_then(|c| family(c.origin_jti.as_deref(), c.jti.as_deref()));
        let iat = claims
            .as_ref()
            .map(|c| c.iat.unwrap_or(c.exp))
            .or(started_at)
            .unwrap_or(now);
        let session_id = Some(session_id).filter(|id| !id.is_empty());
        if self.waiting_for(session_id, family, sub, iat) {
            return Ok(true);
        }
        let found = self.store.lookup(family, session_id, sub, now).await?;
        Ok(refuses(&found, iat, family))
    }
}
