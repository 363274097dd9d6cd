//! The store in Redis (7, or Valkey; ElastiCache in AWS), shared by every instance: what one
//! instance revokes, the others and the API refuse at their next request, and the limits count
//! once for all of them.
//!
//! One multiplexed connection per instance (the `redis` crate's `ConnectionManager`: cloned per
//! call, reconnecting by itself with a short back-off when the connection drops). Every call has
//! a deadline ([`TIMEOUT`]): an unreachable store answers [`StoreDown`] in at most that long, and
//! the caller decides (revocations fail closed, limits fall back to this instance's count).
//!
//! A connection that is dead without having been closed — a primary black-holed by a failover,
//! a NAT that forgot the flow — never drops by itself: the manager keeps sending into it and
//! every call times out (the crate does not reconnect on a timeout, on purpose). So the socket
//! has TCP keepalive and, on Linux, `TCP_USER_TIMEOUT` (the kernel gives up on it within
//! seconds), and after [`TIMEOUTS_BEFORE_RECONNECT`] timeouts in a row this store makes a new
//! connection itself, whatever the kernel says.
//! Where a step reads and writes, it is one Lua script, so it is atomic on the server and
//! costs one round trip; the scripts take their clock from the server (`TIME`), so instances
//! whose clocks differ a little still count alike.
//!
//! Keys, all under `lc:` (nothing secret; e-mail addresses only as SHA-256 in rate keys):
//! `lc:deny:f:<family>` and `lc:deny:s:<session id>` (revoked), `lc:person:<sub>` ("not
//! before", and the session exempt from it), `lc:sess:<session id>` (a hash: the session's
//! record) and `lc:subs:<sub>` (a sorted set of that person's session ids by end time),
//! `lc:rate:<key>` (a limit's theoretical arrival time, ms), `lc:lock:<key>` (a lock's token).
//! Each key expires with what it covers.

use super::{Found, Mode, Person, Rule, SessionRecord, StoreDown};
use redis::IntoConnectionInfo as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::TcpSettings;
use redis::io::tcp::socket2::TcpKeepalive;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use std::time::Duration;
#[cfg(feature = "metrics")]
use std::time::Instant;

/// A call's deadline, connecting included: the store is in the same network (loopback, or
/// ElastiCache in the app's VPC), where a round trip takes well under a millisecond.
pub(crate) const TIMEOUT: Duration = Duration::from_millis(500);

/// After this many calls in a row that timed out, the connection is replaced: a half-open one is
/// gone within a couple of seconds of traffic.
pub(crate) const TIMEOUTS_BEFORE_RECONNECT: u32 = 3;

/// At most this many sessions per person: a sign-in past it ends the oldest (its id and family
/// are refused, like a session signed out from the list). Keeps a person's index and list
/// bounded, and what one leaked password can fill the store with.
pub(crate) const MAX_SESSIONS_PER_PERSON: usize = super::MAX_SESSIONS_PER_PERSON;

/// One GCRA step of several limits at once, all or nothing (see [`Rule::step`], the same
/// arithmetic, and `SessionStore::rate`): KEYS = the limits' keys; ARGV = now in ms ('' for the
/// server's own `TIME`), mode (0 check, 1 take, 2 record), then each key's interval and
/// tolerance (ms). Mode 3 gives one unit back. Returns the longest wait in ms, 0 when every key
/// is within budget.
static RATE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[1])
end
local mode = ARGV[2]
local tats, news, longest = {}, {}, 0
for i, key in ipairs(KEYS) do
  local interval, tolerance = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local tat = math.max(tonumber(redis.call('GET', key) or now), now)
  local wait = tat - tolerance - now
  if wait > longest then longest = wait end
  local new = tat
  if mode == '1' then
    new = tat + interval
  elseif mode == '2' then
    new = math.min(tat + interval, now + tolerance + interval)
  elseif mode == '3' then
    new = math.max(tat - interval, now)
  end
  tats[i], news[i] = tat, new
end
if mode == '1' and longest > 0 then return longest end
for i, key in ipairs(KEYS) do
  if news[i] ~= tats[i] then
    if news[i] > now then redis.call('SET', key, news[i], 'PX', news[i] - now) else redis.call('DEL', key) end
  end
end
if mode == '0' then return longest end
return 0
",
    )
});

/// Updates a session's record if it has one: ARGV = last seen, family ('' keeps it). 1 if found.
static TOUCH: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'seen', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'family', ARGV[2]) end
return 1
",
    )
});

/// Writes a session's record and its person's index, then ends the oldest sessions past the cap:
/// KEYS = the record, the index; ARGV = the session id, its end (Unix s), now, the cap, until
/// when an ended session's id and family are refused, then the record's fields and values.
/// Returns how many sessions it ended.
static SAVE_SESSION: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local id, ends, now, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local deny_session, deny_family = tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('EXPIREAT', KEYS[1], ends)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 1)
redis.call('ZADD', KEYS[2], ends, id)
-- The index lives as long as its longest session.
redis.call('EXPIREAT', KEYS[2], ends, 'GT')
redis.call('EXPIREAT', KEYS[2], ends, 'NX')
local over = redis.call('ZCARD', KEYS[2]) - cap
if over <= 0 then return 0 end
local oldest = redis.call('ZPOPMIN', KEYS[2], over)
for i = 1, #oldest, 2 do
  local old = oldest[i]
  local family = redis.call('HGET', 'lc:sess:' .. old, 'family')
  redis.call('SET', 'lc:deny:s:' .. old, 1, 'EXAT', deny_session)
  if family then redis.call('SET', 'lc:deny:f:' .. family, 1, 'EXAT', deny_family) end
  redis.call('DEL', 'lc:sess:' .. old)
end
return over
",
    )
});

/// Writes a person's revocation unless a later one is there: KEYS = `lc:person:<sub>`; ARGV =
/// its `before`, the value, until when. A revocation is never lowered — not by a late delivery
/// of an operator's action (`lambda/admin-events` writes the same key by the same rule), not
/// over a deleted account — but one of the same second is replaced (it names the exempt
/// session the first could not). Its expiry only grows.
static SET_PERSON: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local old = redis.call('GET', KEYS[1])
if old then
  local before = tonumber(string.match(old, '^(%d+)'))
  if before and before > tonumber(ARGV[1]) then return 0 end
end
local ends = tonumber(ARGV[3])
local expiry = redis.call('EXPIRETIME', KEYS[1])
if expiry > ends then ends = expiry end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ends)
return 1
",
    )
});

/// Forgets every session record of a person and the index, in one step: KEYS = the index.
static FORGET_SESSIONS: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  redis.call('DEL', 'lc:sess:' .. id)
end
return redis.call('DEL', KEYS[1])
",
    )
});

/// A tally that ends `ttl` after it was last added to: ARGV = now (ms, '' for the server's),
/// ttl (ms), op ('r' read, 'a' add, 'd' take one back, 'f' forget), and for 'a' a bound (0:
/// none; else add only below it). Returns {count, ms left, 1 if added}. The value is
/// "count until_ms", so a test's clock moved by hand is honoured; the key's own expiry only
/// clears it away.
static TALLY: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[1])
end
local ttl, op = tonumber(ARGV[2]), ARGV[3]
if op == 'f' then redis.call('DEL', KEYS[1]) return {0, 0, 0} end
local count, ends = 0, 0
local value = redis.call('GET', KEYS[1])
if value then
  local c, e = string.match(value, '^(%d+) (%d+)$')
  if c and tonumber(e) > now then count, ends = tonumber(c), tonumber(e) end
end
local below = tonumber(ARGV[4]) or 0
if op == 'a' and (below == 0 or count < below) then
  count, ends = count + 1, now + ttl
  redis.call('SET', KEYS[1], count .. ' ' .. ends, 'PX', ttl)
  return {count, ttl, 1}
elseif op == 'd' and count > 0 then
  count = count - 1
  redis.call('SET', KEYS[1], count .. ' ' .. ends, 'PX', math.max(ends - now, 1))
end
return {count, math.max(ends - now, 0), 0}
",
    )
});

/// Deletes a lock only if it still holds the token of whoever took it.
static UNLOCK: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
",
    )
});

/// The store in Redis or Valkey: one multiplexed connection, replaced when it stops answering;
/// every call bounded by [`TIMEOUT`].
pub(crate) struct Redis {
    client: redis::Client,
    connection: RwLock<ConnectionManager>,
    /// Which connection `connection` is (bumped by each replacement): a call that began on an
    /// older one and times out late counts against none.
    generation: AtomicU64,
    /// Calls in a row that timed out on the current connection.
    timeouts: AtomicU32,
    /// The store refused a write for want of memory (`noeviction` at `maxmemory`): a revocation
    /// may be missing, so lookups are refused until it takes a write again (a probe, each
    /// second).
    full: Arc<AtomicBool>,
    /// Production: lookups are refused until the eviction policy is read as `noeviction`
    /// ([`Redis::require_noeviction`]).
    policy_required: AtomicBool,
    policy_confirmed: AtomicBool,
}

/// TCP keepalive and, on Linux, `TCP_USER_TIMEOUT`: the kernel gives up on a peer that stopped
/// answering within seconds (by default, after about fifteen minutes of retransmissions).
fn tcp_settings() -> TcpSettings {
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(10))
        .with_interval(Duration::from_secs(5))
        .with_retries(3);
    let settings = TcpSettings::default().set_nodelay(true).set_keepalive(keepalive);
    #[cfg(target_os = "linux")]
    let settings = settings.set_user_timeout(Duration::from_secs(10));
    settings
}

impl Redis {
    /// Does not connect: the first call does, and a store that is down at start-up is the
    /// same as one that goes down later (the app starts, and answers "briefly unavailable").
    pub(crate) fn new(url: &str) -> Result<Self, redis::RedisError> {
        let info = url.into_connection_info()?.set_tcp_settings(tcp_settings());
        let client = redis::Client::open(info)?;
        let connection = RwLock::new(Self::connect(&client)?);
        Ok(Self {
            client,
            connection,
            generation: AtomicU64::new(0),
            timeouts: AtomicU32::new(0),
            full: Arc::new(AtomicBool::new(false)),
            policy_required: AtomicBool::new(false),
            policy_confirmed: AtomicBool::new(false),
        })
    }

    /// From now on, lookups are refused unless the eviction policy was last read as
    /// `noeviction` ([`Self::policy_read`]): for production, where an evicting store could drop
    /// revocations.
    pub(crate) fn require_noeviction(&self) {
        self.policy_required.store(true, Ordering::SeqCst);
    }

    /// What the eviction policy was read as (by the server's start-up and its periodic check).
    pub(crate) fn policy_read(&self, noeviction: bool) {
        self.policy_confirmed.store(noeviction, Ordering::SeqCst);
    }

    /// Whether lookups are refused, and why: a revocation may be missing or may go missing.
    fn refusing(&self) -> Option<&'static str> {
        if self.full.load(Ordering::SeqCst) {
            Some("full")
        } else if self.policy_required.load(Ordering::SeqCst) && !self.policy_confirmed.load(Ordering::SeqCst) {
            Some("eviction policy not confirmed")
        } else {
            None
        }
    }

    /// The store refused a write for want of memory: lookups are refused from now on, until a
    /// probe written each second is taken.
    fn became_full(&self) {
        if self.full.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::error!(
            "the session store is full (it refused a write): sessions and tokens are refused until it takes writes again"
        );
        #[cfg(feature = "metrics")]
        metrics::counter!("store_full_total").increment(1);
        let (client, full) = (self.client.clone(), self.full.clone());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let probe = async {
                    let mut c = client.get_multiplexed_async_connection().await?;
                    redis::cmd("SET")
                        .arg("lc:probe")
                        .arg(1)
                        .arg("PX")
                        .arg(10_000)
                        .query_async::<()>(&mut c)
                        .await
                };
                if matches!(tokio::time::timeout(TIMEOUT, probe).await, Ok(Ok(()))) {
                    full.store(false, Ordering::SeqCst);
                    tracing::warn!("the session store takes writes again; sessions are accepted again");
                    return;
                }
            }
        });
    }

    fn connect(client: &redis::Client) -> Result<ConnectionManager, redis::RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(400));
        ConnectionManager::new_lazy_with_config(client.clone(), config)
    }

    /// The current connection and its generation.
    fn connection(&self) -> (ConnectionManager, u64) {
        let connection = self.connection.read().unwrap_or_else(PoisonError::into_inner);
        (connection.clone(), self.generation.load(Ordering::SeqCst))
    }

    /// Counts a call on connection `generation` that timed out; past
    /// [`TIMEOUTS_BEFORE_RECONNECT`] in a row on the current connection, it is replaced by a new
    /// one (made at its first call) — by one caller only, however many time out at once.
    fn timed_out(&self, generation: u64) {
        if generation != self.generation.load(Ordering::SeqCst)
            || self.timeouts.fetch_add(1, Ordering::SeqCst) + 1 < TIMEOUTS_BEFORE_RECONNECT
        {
            return;
        }
        let fresh = match Self::connect(&self.client) {
            Ok(fresh) => fresh,
            Err(e) => {
                tracing::warn!(error = %e, "could not make a new connection to the session store");
                return;
            }
        };
        let mut connection = self.connection.write().unwrap_or_else(PoisonError::into_inner);
        if self
            .generation
            .compare_exchange(generation, generation + 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            *connection = fresh;
            self.timeouts.store(0, Ordering::SeqCst);
            #[cfg(feature = "metrics")]
            metrics::counter!("store_reconnects_total").increment(1);
            tracing::warn!("the session store's connection stopped answering; replaced with a new one");
        }
    }

    /// Runs one round trip with the deadline, and counts it in the metrics.
    async fn call<T>(
        &self,
        op: &'static str,
        f: impl AsyncFnOnce(ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, StoreDown> {
        #[cfg(feature = "metrics")]
        let started = Instant::now();
        let (connection, generation) = self.connection();
        let outcome = tokio::time::timeout(TIMEOUT, f(connection)).await;
        #[cfg(feature = "metrics")]
        metrics::histogram!("store_round_trip_seconds", "op" => op).record(started.elapsed().as_secs_f64());
        let timed_out = match &outcome {
            Err(_) => true,
            Ok(Err(e)) => e.is_timeout(),
            Ok(Ok(_)) => false,
        };
        if timed_out {
            self.timed_out(generation);
        } else if generation == self.generation.load(Ordering::SeqCst) {
            self.timeouts.store(0, Ordering::SeqCst);
        }
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                // Only a revocation refused matters here (a rate limit's key refused costs nothing
                // but a count).
                if e.code() == Some("OOM") && matches!(op, "deny" | "person" | "save_session") {
                    self.became_full();
                }
                #[cfg(feature = "metrics")]
                metrics::counter!("store_errors_total", "op" => op).increment(1);
                tracing::warn!(op, error = %e, "the session store failed");
                Err(StoreDown)
            }
            Err(_) => {
                #[cfg(feature = "metrics")]
                metrics::counter!("store_errors_total", "op" => op).increment(1);
                tracing::warn!(op, "the session store did not answer in time");
                Err(StoreDown)
            }
        }
    }

    /// The server's `maxmemory-policy` (from `INFO memory`: ElastiCache refuses `CONFIG`).
    pub(crate) async fn eviction_policy(&self) -> Result<Option<String>, StoreDown> {
        let info: String = self
            .call("info", async |mut c| {
                redis::cmd("INFO").arg("memory").query_async(&mut c).await
            })
            .await?;
        Ok(info
            .lines()
            .find_map(|l| l.trim().strip_prefix("maxmemory_policy:"))
            .map(str::to_owned))
    }

    /// See [`super::SessionStore::ping`].
    pub(crate) async fn ping(&self) -> Result<(), StoreDown> {
        self.call("ping", async |mut c| redis::cmd("PING").query_async::<()>(&mut c).await)
            .await
    }

    /// Whether the server runs in cluster mode, which this store cannot use: its lookups read
    /// keys of several hash slots in one `MGET` (ElastiCache Serverless is always a cluster).
    pub(crate) async fn is_cluster(&self) -> Result<bool, StoreDown> {
        let info: String = self
            .call("info", async |mut c| {
                redis::cmd("INFO").arg("cluster").query_async(&mut c).await
            })
            .await?;
        Ok(info.lines().any(|l| l.trim() == "cluster_enabled:1"))
    }

    /// See [`super::SessionStore::deny`].
    pub(crate) async fn deny(&self, key: String, until: i64) -> Result<(), StoreDown> {
        self.call("deny", async |mut c| {
            redis::cmd("SET")
                .arg(format!("lc:deny:{key}"))
                .arg(1)
                .arg("EXAT")
                .arg(until)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    /// See [`super::SessionStore::set_person`].
    pub(crate) async fn set_person(&self, sub: &str, person: &Person, until: i64) -> Result<(), StoreDown> {
        let value = match &person.exempt {
            Some(family) => format!("{} {family}", person.before),
            None => person.before.to_string(),
        };
        self.call("person", async |mut c| {
            SET_PERSON
                .key(format!("lc:person:{sub}"))
                .arg(person.before)
                .arg(value)
                .arg(until)
                .invoke_async::<i64>(&mut c)
                .await
        })
        .await
        .map(drop)
    }

    /// One `MGET`: the family, the session and the person.
    pub(crate) async fn lookup(
        &self,
        family: Option<&str>,
        session: Option<&str>,
        sub: &str,
    ) -> Result<Found, StoreDown> {
        if let Some(why) = self.refusing() {
            tracing::debug!(why, "the session store cannot be trusted with a lookup; refused");
            return Err(StoreDown);
        }
        let keys = [
            format!("lc:person:{sub}"),
            format!("lc:deny:f:{}", family.unwrap_or_default()),
            format!("lc:deny:s:{}", session.unwrap_or_default()),
        ];
        let [person, f, s]: [Option<String>; 3] = self
            .call("lookup", async |mut c| {
                redis::cmd("MGET").arg(&keys).query_async(&mut c).await
            })
            .await?;
        let person = person.and_then(|v| {
            let (before, exempt) = match v.split_once(' ') {
                Some((b, e)) => (b, Some(e.to_owned())),
                None => (v.as_str(), None),
            };
            Some(Person {
                before: before.parse().ok()?,
                exempt,
            })
        });
        Ok(Found {
            family: family.is_some() && f.is_some(),
            session: session.is_some() && s.is_some(),
            person,
        })
    }

    /// Writes `record` until `until`, and ends its person's oldest sessions past the cap (their
    /// ids refused until `deny`, their families until `deny_family`). Returns how many ended.
    pub(crate) async fn save_session(
        &self,
        record: &SessionRecord,
        until: i64,
        now: i64,
        deny: i64,
        deny_family: i64,
    ) -> Result<usize, StoreDown> {
        let key = format!("lc:sess:{}", record.id);
        let index = format!("lc:subs:{}", record.sub);
        let mut fields = vec![
            ("sub", record.sub.clone()),
            ("method", record.method.clone()),
            ("at", record.signed_in_at.to_string()),
            ("seen", record.last_seen.to_string()),
            ("device", record.device.clone()),
            ("place", record.place.clone()),
        ];
        fields.extend(record.family.clone().map(|f| ("family", f)));
        let ended: i64 = self
            .call("save_session", async |mut c| {
                let mut invocation = SAVE_SESSION.prepare_invoke();
                invocation
                    .key(&key)
                    .key(&index)
                    .arg(&record.id)
                    .arg(until)
                    .arg(now)
                    .arg(MAX_SESSIONS_PER_PERSON)
                    .arg(deny)
                    .arg(deny_family);
                for (field, value) in &fields {
                    invocation.arg(*field).arg(value);
                }
                invocation.invoke_async(&mut c).await
            })
            .await?;
        Ok(usize::try_from(ended).unwrap_or_default())
    }

    /// See [`super::SessionStore::touch_session`].
    pub(crate) async fn touch_session(&self, id: &str, seen: i64, family: Option<&str>) -> Result<bool, StoreDown> {
        let key = format!("lc:sess:{id}");
        let found: i64 = self
            .call("touch_session", async |mut c| {
                TOUCH
                    .key(&key)
                    .arg(seen)
                    .arg(family.unwrap_or_default())
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(found == 1)
    }

    /// See [`super::SessionStore::sessions_of`].
    pub(crate) async fn sessions_of(&self, sub: &str, now: i64) -> Result<Vec<SessionRecord>, StoreDown> {
        let index = format!("lc:subs:{sub}");
        // Bounded: the cap keeps an index at most this long, and a read never reads more.
        let ids: Vec<String> = self
            .call("sessions_of", async |mut c| {
                redis::cmd("ZRANGE")
                    .arg(&index)
                    .arg(now)
                    .arg("+inf")
                    .arg("BYSCORE")
                    .arg("LIMIT")
                    .arg(0)
                    .arg(MAX_SESSIONS_PER_PERSON)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let hashes: Vec<HashMap<String, String>> = self
            .call("sessions_of", async |mut c| {
                let mut pipe = redis::pipe();
                pipe.cmd("ZREMRANGEBYSCORE")
                    .arg(&index)
                    .arg("-inf")
                    .arg(now - 1)
                    .ignore();
                for id in &ids {
                    pipe.cmd("HGETALL").arg(format!("lc:sess:{id}"));
                }
                pipe.query_async(&mut c).await
            })
            .await?;
        Ok(ids
            .into_iter()
            .zip(hashes)
            .filter_map(|(id, mut h)| {
                let number = |h: &HashMap<String, String>, k: &str| h.get(k)?.parse::<i64>().ok();
                Some(SessionRecord {
                    signed_in_at: number(&h, "at")?,
                    last_seen: number(&h, "seen")?,
                    sub: h.remove("sub")?,
                    method: h.remove("method").unwrap_or_default(),
                    device: h.remove("device").unwrap_or_default(),
                    place: h.remove("place").unwrap_or_default(),
                    family: h.remove("family"),
                    id,
                })
            })
            .collect())
    }

    /// One session's record, read by its id (no scan of the person's list).
    pub(crate) async fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreDown> {
        let mut h: HashMap<String, String> = self
            .call("session", async |mut c| {
                redis::cmd("HGETALL")
                    .arg(format!("lc:sess:{id}"))
                    .query_async(&mut c)
                    .await
            })
            .await?;
        let number = |h: &HashMap<String, String>, k: &str| h.get(k)?.parse::<i64>().ok();
        Ok((|| {
            Some(SessionRecord {
                signed_in_at: number(&h, "at")?,
                last_seen: number(&h, "seen")?,
                sub: h.remove("sub")?,
                method: h.remove("method").unwrap_or_default(),
                device: h.remove("device").unwrap_or_default(),
                place: h.remove("place").unwrap_or_default(),
                family: h.remove("family"),
                id: id.to_owned(),
            })
        })())
    }

    /// Forgets every session record of `sub`, and the index, in one call.
    pub(crate) async fn forget_sessions_of(&self, sub: &str) -> Result<(), StoreDown> {
        let index = format!("lc:subs:{sub}");
        self.call("forget_sessions_of", async |mut c| {
            FORGET_SESSIONS.key(&index).invoke_async::<i64>(&mut c).await
        })
        .await
        .map(drop)
    }

    /// See [`super::SessionStore::forget_session`].
    pub(crate) async fn forget_session(&self, sub: &str, id: &str) -> Result<(), StoreDown> {
        self.call("forget_session", async |mut c| {
            redis::pipe()
                .cmd("DEL")
                .arg(format!("lc:sess:{id}"))
                .ignore()
                .cmd("ZREM")
                .arg(format!("lc:subs:{sub}"))
                .arg(id)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    /// See [`super::SessionStore::rate`].
    pub(crate) async fn rate(
        &self,
        limits: &[(&str, Rule)],
        mode: Mode,
        now_ms: Option<i64>,
    ) -> Result<Result<(), Duration>, StoreDown> {
        let mode = match mode {
            Mode::Check => 0,
            Mode::Take => 1,
            Mode::Record => 2,
            Mode::Refund => 3,
        };
        let wait: i64 = self
            .call("rate", async |mut c| {
                let mut invocation = RATE.prepare_invoke();
                for (key, _) in limits {
                    invocation.key(format!("lc:rate:{key}"));
                }
                invocation
                    .arg(now_ms.map(|ms| ms.to_string()).unwrap_or_default())
                    .arg(mode);
                for (_, rule) in limits {
                    invocation.arg(rule.interval_ms).arg(rule.tolerance_ms);
                }
                invocation.invoke_async(&mut c).await
            })
            .await?;
        Ok(match wait {
            ..=0 => Ok(()),
            ms => Err(Duration::from_millis(ms as u64)),
        })
    }

    /// See [`super::SessionStore::put_blob`].
    pub(crate) async fn put_blob(&self, key: &str, value: &str, until: i64) -> Result<(), StoreDown> {
        self.call("put_blob", async |mut c| {
            redis::cmd("SET")
                .arg(format!("lc:blob:{key}"))
                .arg(value)
                .arg("EXAT")
                .arg(until)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    /// See [`super::SessionStore::get_blob`].
    pub(crate) async fn get_blob(&self, key: &str) -> Result<Option<String>, StoreDown> {
        self.call("get_blob", async |mut c| {
            redis::cmd("GET")
                .arg(format!("lc:blob:{key}"))
                .query_async(&mut c)
                .await
        })
        .await
    }

    /// See [`super::SessionStore::forget_blob`].
    pub(crate) async fn forget_blob(&self, key: &str) -> Result<(), StoreDown> {
        self.call("forget_blob", async |mut c| {
            redis::cmd("DEL")
                .arg(format!("lc:blob:{key}"))
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    /// See [`super::SessionStore::tally`].
    pub(crate) async fn tally(
        &self,
        key: &str,
        op: super::Tally,
        ttl_ms: i64,
        now_ms: Option<i64>,
    ) -> Result<(u32, i64, bool), StoreDown> {
        let (op, below) = match op {
            super::Tally::Read => ("r", 0),
            super::Tally::Add => ("a", 0),
            super::Tally::AddBelow(n) => ("a", n.max(1)),
            super::Tally::Remove => ("d", 0),
            super::Tally::Forget => ("f", 0),
        };
        let (count, left, added): (u32, i64, u8) = self
            .call("tally", async |mut c| {
                TALLY
                    .key(format!("lc:tally:{key}"))
                    .arg(now_ms.map(|ms| ms.to_string()).unwrap_or_default())
                    .arg(ttl_ms)
                    .arg(op)
                    .arg(below)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok((count, left, added == 1))
    }

    /// See [`super::SessionStore::lock`].
    pub(crate) async fn lock(&self, key: &str, token: &str, ttl_ms: i64) -> Result<bool, StoreDown> {
        let key = format!("lc:lock:{key}");
        let taken: Option<String> = self
            .call("lock", async |mut c| {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(token)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(taken.is_some())
    }

    /// See [`super::SessionStore::unlock`].
    pub(crate) async fn unlock(&self, key: &str, token: &str) -> Result<(), StoreDown> {
        let key = format!("lc:lock:{key}");
        self.call("unlock", async |mut c| {
            UNLOCK.key(&key).arg(token).invoke_async::<i64>(&mut c).await
        })
        .await
        .map(drop)
    }
}
