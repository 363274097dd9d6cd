//! The session store: what every instance and the API must agree on, in one place.
//!
//! - **Revocations.** Cognito's revocation (`RevokeToken`, `GlobalSignOut`) stops *Cognito*
//!   from accepting a token, but the API verifies tokens locally against the pool's keys, and
//!   a verified signature stays verified until `exp` (an hour by default). So the server
//!   remembers what it revoked, until the last token it covers has expired, and the verifier
//!   and the session layer ask here:
//!   - a **family**: every access token issued from one refresh token. Cognito names it
//!     `origin_jti` when the app client has token revocation on (the default for new clients;
//!     the start-up report warns when it is off); a token without it (cognito-local) is its
//!     own family, named by its `jti`;
//!   - a **session** (its random id, sealed in its cookies): a session signed out from the
//!     sessions list, or signed out and then copied;
//!   - a **person** (`sub`): "sign out everywhere" and a password change that signs out the
//!     other devices refuse every token issued up to that second, but the session that signs
//!     in again right then; a deleted account refuses every token of its `sub` (never reused).
//! - **Session records** for the sessions list: per session its person, how and when it signed
//!   in, when it was last seen, a coarse device and the client's network (/24, /48). Nothing
//!   secret and no tokens; each ends with the session's cookies.
//! - **Rate limits** (`auth::limits`) and the **refresh lock** (`auth::session`): counted and
//!   held here when the store is shared.
//!
//! Two implementations behind one interface ([`SessionStore`]): [`memory`] (the default: one
//! instance, nothing to run) and Redis (`SessionStore::redis`, feature `redis`; `REDIS_URL`: every instance sees the same).
//!
//! When the store cannot be reached, each use decides, and fails safe: a session or a token
//! that cannot be checked is never accepted (pages answer "briefly unavailable", the API 503
//! with `Retry-After`); the limits count per instance meanwhile, with a warning in the log.

pub mod memory;
#[cfg(feature = "redis")]
pub(crate) mod redis;

use std::num::NonZeroU32;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Cognito's longest access-token lifetime (a day): no revocation needs to be kept longer.
pub const MAX_TOKEN_LIFETIME: i64 = 24 * 3600;

/// Kept this much longer than the tokens it covers: a refresh that finished just after the
/// revocation (within the Cognito call timeout), and a clock that is a little off.
pub const KEEP_SLACK: i64 = 60;

/// At most this many sessions per person: a sign-in past it ends the oldest, which is then
/// refused like a session signed out from the list. Keeps the person's index, the sessions list
/// and what a leaked password can write into the store bounded.
pub const MAX_SESSIONS_PER_PERSON: usize = 50;

/// How long the API may reuse a shared store's "not revoked" for one family: a revocation on
/// another instance is refused by this one within this time (one made here, at once).
pub const VALID_FOR: Duration = Duration::from_millis(500);

/// The store could not be reached in time. Callers fail closed (revocations) or fall back to
/// this instance (limits); the error itself is logged where it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreDown;

impl std::fmt::Display for StoreDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the session store cannot be used now (down, full, or not trusted to keep revocations)")
    }
}

impl std::error::Error for StoreDown {}

/// A person's revocation: tokens issued at or before `before` are refused, except `exempt`'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// Unix seconds: tokens issued at or before it are refused.
    pub before: i64,
    /// The family (`origin_jti`) of the session that made the revocation, which stays signed in.
    pub exempt: Option<String>,
}

/// What a lookup found about one token (or one session's token).
#[derive(Debug, Default)]
pub struct Found {
    /// The token's family was signed out.
    pub family: bool,
    /// The session (by its id) was signed out.
    pub session: bool,
    /// The person's revocation, if there is one.
    pub person: Option<Person>,
}

/// One session, as the sessions list shows it. No tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session's random id (sealed in its cookies; never a token).
    pub id: String,
    /// The person's `sub`.
    pub sub: String,
    /// How it signed in (the app's code for it: `password`, `passkey`, `email-code`, …).
    pub method: String,
    /// Unix seconds.
    pub signed_in_at: i64,
    /// Unix seconds, updated at most once a minute per instance.
    pub last_seen: i64,
    /// "Chrome on macOS".
    pub device: String,
    /// The client's network: `203.0.113.0/24`, `2001:db8:1::/48`.
    pub place: String,
    /// Its current access token's family: what to revoke when it is signed out from the list.
    pub family: Option<String>,
}

/// A rate: one event per `interval_ms`, with up to `tolerance_ms` of them early (a burst).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Milliseconds between two events at the steady rate.
    pub interval_ms: i64,
    /// How far ahead of the steady rate a burst may run, in milliseconds.
    pub tolerance_ms: i64,
}

/// What [`SessionStore::tally`] answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    /// The count after the step.
    pub count: u32,
    /// How long the tally has left.
    pub left: Duration,
    /// Whether this step added one.
    pub added: bool,
}

/// What [`SessionStore::tally`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tally {
    /// Reads the count.
    Read,
    /// Adds one, and starts the time again.
    Add,
    /// [`Tally::Add`], only while the count is below this (one step: two callers cannot both
    /// pass the last one).
    AddBelow(u32),
    /// Takes one back (an event that turned out not to count), leaving the time as it is.
    Remove,
    /// Starts again from nothing.
    Forget,
}

/// What one step of a limit does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Only asks: is there budget left? (Before a call whose failures count.)
    Check,
    /// Uses one unit if there is budget, else refuses.
    Take,
    /// Uses one unit whatever is left (a failure that happened); the key is never pushed more
    /// than one unit past a full burst, so a flood cannot lock a key out for long.
    Record,
    /// Gives back one unit taken (an attempt that turned out to be no failure).
    Refund,
}

impl Rule {
    /// `n` a minute, all of them at once if need be (as `governor`'s quotas, which this replaces).
    pub fn per_minute(n: NonZeroU32) -> Self {
        Self::per(n, Duration::from_secs(60))
    }

    /// `n` in every `window`, all of them at once if need be.
    pub fn per(n: NonZeroU32, window: Duration) -> Self {
        let interval_ms = (window.as_millis() as i64 / i64::from(n.get())).max(1);
        Self {
            interval_ms,
            tolerance_ms: interval_ms * (i64::from(n.get()) - 1),
        }
    }

    /// The same rate with `factor` times the budget (a network holds several clients).
    pub fn times(self, factor: u32) -> Self {
        let n = (self.tolerance_ms / self.interval_ms + 1) * i64::from(factor.max(1));
        let interval_ms = (self.interval_ms / i64::from(factor.max(1))).max(1);
        Self {
            interval_ms,
            tolerance_ms: interval_ms * (n - 1),
        }
    }

    /// GCRA: the key's theoretical arrival time `tat` (already no earlier than `now`), in ms.
    /// Returns the new `tat` and the wait (0: within budget). The Redis script does the same.
    pub fn step(self, tat: i64, now: i64, mode: Mode) -> (i64, i64) {
        let wait = (tat - self.tolerance_ms - now).max(0);
        match mode {
            Mode::Check => (tat, wait),
            Mode::Take if wait > 0 => (tat, wait),
            Mode::Take => (tat + self.interval_ms, 0),
            Mode::Record => (
                (tat + self.interval_ms).min(now + self.tolerance_ms + self.interval_ms),
                0,
            ),
            Mode::Refund => ((tat - self.interval_ms).max(now), 0),
        }
    }
}

/// The one interface; which implementation is configured (`REDIS_URL`) is decided at start.
/// Opaque: what is written and how it is judged goes through its methods (and the rules of
/// [`crate::Revocations`]), never through the store behind it.
pub struct SessionStore(pub(crate) Backend);

/// Boxed: each is larger than a pointer, and the store lives once per process.
pub(crate) enum Backend {
    Memory(Box<memory::Memory>),
    #[cfg(feature = "redis")]
    Redis(Box<redis::Redis>),
}

/// A `REDIS_URL` the Redis client cannot use (its scheme or its form).
#[derive(Debug)]
pub struct InvalidStoreUrl(String);

impl std::fmt::Display for InvalidStoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a Redis URL: {}", self.0)
    }
}

impl std::error::Error for InvalidStoreUrl {}

/// The blob key of a session too large for its cookies ([`SessionStore::put_blob`]): ending the
/// session ([`crate::Revocations::revoke_session`]) removes it.
pub fn session_blob_key(session_id: &str) -> String {
    format!("session:{session_id}")
}

/// Now, in Unix milliseconds (0 before 1970, which no clock here reads).
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

impl SessionStore {
    /// This instance's memory: nothing to run, nothing shared (one instance only).
    pub fn memory() -> Self {
        Self(Backend::Memory(Box::default()))
    }

    /// Redis at `url` (`redis://`, or `rediss://` for TLS); connects at the first call.
    #[cfg(feature = "redis")]
    pub fn redis(url: &str) -> Result<Self, InvalidStoreUrl> {
        redis::Redis::new(url)
            .map(|r| Self(Backend::Redis(Box::new(r))))
            .map_err(|e| InvalidStoreUrl(e.to_string()))
    }

    /// In production: lookups are refused (as if the store were down) until
    /// [`SessionStore::eviction_policy`] has read the policy as `noeviction`, and again as soon
    /// as a later read says otherwise — a store that may evict may drop a revocation. Memory
    /// never evicts.
    pub fn require_noeviction(&self) {
        match &self.0 {
            Backend::Memory(_) => {}
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.require_noeviction(),
        }
    }

    /// Whether the store is a Redis cluster (cluster mode, ElastiCache Serverless), which the
    /// lookups' multi-key reads cannot use. Memory: `false`.
    pub async fn is_cluster(&self) -> Result<bool, StoreDown> {
        match &self.0 {
            Backend::Memory(_) => Ok(false),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.is_cluster().await,
        }
    }

    /// Whether other instances see what this one writes.
    pub fn is_shared(&self) -> bool {
        !matches!(self.0, Backend::Memory(_))
    }

    /// `memory` or `redis`, for the start-up report and the logs.
    pub fn name(&self) -> &'static str {
        match &self.0 {
            Backend::Memory(_) => "memory",
            #[cfg(feature = "redis")]
            Backend::Redis(_) => "redis",
        }
    }

    /// Whether the store answers (the readiness check).
    pub async fn ping(&self) -> Result<(), StoreDown> {
        match &self.0 {
            Backend::Memory(_) => Ok(()),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.ping().await,
        }
    }

    /// Refuses `key` (`f:<family>` or `s:<session id>`) until `until` (Unix seconds).
    pub async fn deny(&self, key: String, until: i64, now: i64) -> Result<(), StoreDown> {
        match &self.0 {
            Backend::Memory(m) => {
                m.deny(key, until, now);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.deny(key, until).await,
        }
    }

    /// Writes a person's revocation (kept until `until`); a later one replaces an earlier one.
    pub async fn set_person(&self, sub: &str, person: Person, until: i64, now: i64) -> Result<(), StoreDown> {
        match &self.0 {
            Backend::Memory(m) => {
                m.set_person(sub, person, until, now);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.set_person(sub, &person, until).await,
        }
    }

    /// One round trip: is the family, the session or the person revoked?
    pub async fn lookup(
        &self,
        family: Option<&str>,
        session: Option<&str>,
        sub: &str,
        now: i64,
    ) -> Result<Found, StoreDown> {
        match &self.0 {
            Backend::Memory(m) => Ok(m.lookup(family, session, sub, now)),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.lookup(family, session, sub).await,
        }
    }

    /// Writes a session's record (replacing one of the same id), kept until `until`; past
    /// [`MAX_SESSIONS_PER_PERSON`] the person's oldest sessions end (their ids refused until
    /// `until`, their families as long as a token may live). Returns how many ended.
    pub async fn save_session(&self, record: &SessionRecord, until: i64, now: i64) -> Result<usize, StoreDown> {
        let deny_family = now + MAX_TOKEN_LIFETIME + KEEP_SLACK;
        match &self.0 {
            Backend::Memory(m) => Ok(m.save_session(record, until, now, until, deny_family)),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.save_session(record, until, now, until, deny_family).await,
        }
    }

    /// One session's record, by its id.
    pub async fn session(&self, id: &str, now: i64) -> Result<Option<SessionRecord>, StoreDown> {
        match &self.0 {
            Backend::Memory(m) => Ok(m.session(id, now)),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.session(id).await,
        }
    }

    /// Forgets every session record of `sub` at once (a person signed out everywhere).
    pub async fn forget_sessions_of(&self, sub: &str) -> Result<(), StoreDown> {
        match &self.0 {
            Backend::Memory(m) => {
                m.forget_sessions_of(sub);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.forget_sessions_of(sub).await,
        }
    }

    /// Reads the eviction policy of a shared store (`None` for memory, which never evicts), and
    /// remembers whether it is `noeviction` for [`SessionStore::require_noeviction`]. Read it at
    /// start and then every minute or so: a parameter group can change under a running store.
    pub async fn eviction_policy(&self) -> Result<Option<String>, StoreDown> {
        match &self.0 {
            Backend::Memory(_) => Ok(None),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => {
                let policy = r.eviction_policy().await?;
                r.policy_read(policy.as_deref() == Some("noeviction"));
                Ok(policy)
            }
        }
    }

    /// Updates a record's last-seen time and family: `false` when there is no record.
    pub async fn touch_session(&self, id: &str, seen: i64, family: Option<&str>) -> Result<bool, StoreDown> {
        match &self.0 {
            Backend::Memory(m) => Ok(m.touch_session(id, seen, family, seen)),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.touch_session(id, seen, family).await,
        }
    }

    /// The person's sessions that have not ended (at most [`MAX_SESSIONS_PER_PERSON`]), in no
    /// particular order.
    pub async fn sessions_of(&self, sub: &str, now: i64) -> Result<Vec<SessionRecord>, StoreDown> {
        match &self.0 {
            Backend::Memory(m) => Ok(m.sessions_of(sub, now)),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.sessions_of(sub, now).await,
        }
    }

    /// Removes one session's record and its place in the person's index (its cookies are refused
    /// through [`crate::Revocations::end_session`], not here).
    pub async fn forget_session(&self, sub: &str, id: &str) -> Result<(), StoreDown> {
        match &self.0 {
            Backend::Memory(m) => {
                m.forget_session(sub, id);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.forget_session(sub, id).await,
        }
    }

    /// Keeps `value` (already sealed by the caller: the store never holds a token in clear) under
    /// `key` until `until`.
    pub async fn put_blob(&self, key: &str, value: &str, until: i64, now: i64) -> Result<(), StoreDown> {
        match &self.0 {
            Backend::Memory(m) => {
                m.put_blob(key, value, until, now);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.put_blob(key, value, until).await,
        }
    }

    /// What [`SessionStore::put_blob`] kept under `key`, while it lasts.
    pub async fn get_blob(&self, key: &str, now: i64) -> Result<Option<String>, StoreDown> {
        match &self.0 {
            Backend::Memory(m) => Ok(m.get_blob(key, now)),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.get_blob(key).await,
        }
    }

    /// Removes what [`SessionStore::put_blob`] kept under `key`.
    pub async fn forget_blob(&self, key: &str) -> Result<(), StoreDown> {
        match &self.0 {
            Backend::Memory(m) => {
                m.forget_blob(key);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.forget_blob(key).await,
        }
    }

    /// One step of every limit in `limits` at once, all or nothing: with [`Mode::Take`] either
    /// each key gives one unit or none does (a client refused by its network's budget does not
    /// spend its own). `Ok(Err(wait))` when out of budget: the longest wait of the keys that are.
    /// `now_ms` is the caller's clock when it is set by hand (tests); `None` is the store's own.
    pub async fn rate(
        &self,
        limits: &[(&str, Rule)],
        mode: Mode,
        now_ms: Option<i64>,
    ) -> Result<Result<(), Duration>, StoreDown> {
        match &self.0 {
            Backend::Memory(m) => Ok(m.rate(limits, mode, now_ms.unwrap_or_else(unix_ms))),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.rate(limits, mode, now_ms).await,
        }
    }

    /// A count of events that ends `ttl` after the last one was added (every [`Tally::Add`]
    /// starts its time again), as Cognito's lockout counts failed passwords until fifteen quiet
    /// minutes: the count and how long it has left. `now_ms` as for [`Self::rate`].
    pub async fn tally(&self, key: &str, op: Tally, ttl: Duration, now_ms: Option<i64>) -> Result<Counted, StoreDown> {
        let ttl_ms = ttl.as_millis() as i64;
        let (count, left, added) = match &self.0 {
            Backend::Memory(m) => m.tally(key, op, ttl_ms, now_ms.unwrap_or_else(unix_ms)),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.tally(key, op, ttl_ms, now_ms).await?,
        };
        Ok(Counted {
            count,
            left: Duration::from_millis(left.max(0) as u64),
            added,
        })
    }

    /// Takes the lock `key` for `ttl` with a token of the caller's: `false` if someone holds it.
    pub async fn lock(&self, key: &str, token: &str, ttl: Duration) -> Result<bool, StoreDown> {
        let ttl_ms = ttl.as_millis() as i64;
        match &self.0 {
            Backend::Memory(m) => Ok(m.lock(key, token, ttl_ms, unix_ms())),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.lock(key, token, ttl_ms).await,
        }
    }

    /// Releases [`SessionStore::lock`]'s `key` if `token` still holds it (never another holder's).
    pub async fn unlock(&self, key: &str, token: &str) -> Result<(), StoreDown> {
        match &self.0 {
            Backend::Memory(m) => {
                m.unlock(key, token);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.unlock(key, token).await,
        }
    }
}

#[cfg(all(test, feature = "redis"))]
pub(crate) mod test_redis;
