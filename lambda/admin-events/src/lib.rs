//! The admin-events function: what an operator does to a person in the AWS console or CLI —
//! `AdminUserGlobalSignOut`, `AdminDisableUser`, `AdminDeleteUser`, `AdminSetUserPassword`,
//! `AdminResetUserPassword` — becomes a person revocation in the app's shared session store
//! (`lc:person:<sub>`), which every app instance and the API read before they accept a token or
//! a session.
//!
//! Why a function at all: Cognito ends the person's refresh tokens (and, for a global sign-out
//! or a disabled account, their access tokens at Cognito), but the app checks access tokens
//! itself against the pool's keys, and its sessions live in its own cookies. Without this, a
//! person an operator signed out, disabled or deleted would stay signed in to the app until
//! their access token expired (an hour by default), and a session could keep its cookies longer.
//!
//! How the event arrives: CloudTrail records the call, EventBridge's rule on the default bus
//! (deploy/template.yaml) matches it and invokes this function asynchronously. CloudTrail is
//! best effort, seconds to minutes late, so the revocation is dated by the call's own
//! `eventTime`, never by this function's clock: a person who signed in again after the
//! operator's action (a new password, an account enabled again) must stay signed in.
//!
//! What it owns: the event's shape ([`Event`]), the decision ([`decide`], pure), and one write
//! ([`Store::revoke`]): a Lua script that never lowers what is stored, so a late, repeated or
//! out-of-order delivery cannot undo a later revocation (the app's own, or another event's).
//! The format is the app's (`crates/cognito-auth/src/store/redis.rs`): the value is the decimal Unix
//! second `before` (tokens and sessions of that person issued at or before it are refused),
//! or `"<before> <family>"` with one session exempt; a deleted account is `i64::MAX`.

use chrono::{DateTime, Utc};
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use serde::Deserialize;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

/// The calls that end a person's sessions, as CloudTrail names them.
pub const EVENT_NAMES: [&str; 5] = [
    "AdminUserGlobalSignOut",
    "AdminDisableUser",
    "AdminDeleteUser",
    "AdminSetUserPassword",
    "AdminResetUserPassword",
];

/// A deleted account: every token of its `sub` is refused (Cognito never gives a `sub` again).
/// The app writes the same.
pub const DELETED: i64 = i64::MAX;

/// Cognito's longest access-token lifetime (a day), as in the app.
pub const MAX_TOKEN_LIFETIME: i64 = 24 * 3600;

/// Kept this much longer than what it covers (a clock a little off), as in the app.
pub const KEEP_SLACK: i64 = 60;

/// The app's default session lifetime (`SESSION_MAX_AGE_SECS`, 30 days).
pub const DEFAULT_SESSION_MAX_AGE_SECS: i64 = 30 * 24 * 3600;

/// Connecting (TLS and AUTH included) and each answer: the store is in the function's VPC, a
/// round trip takes well under a millisecond. Short enough that a dead connection, a new one
/// and the write fit in the function's timeout (deploy/template.yaml: 10 s).
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// EventBridge's envelope of "AWS API Call via CloudTrail". Only what the decision reads; serde
/// ignores the rest (the caller's identity, addresses, request ids).
#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    pub source: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub detail: Detail,
}

/// The CloudTrail record.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    pub event_source: String,
    pub event_name: String,
    /// When Cognito handled the call (whole seconds, UTC).
    pub event_time: DateTime<Utc>,
    /// CloudTrail's id of the record: what the logs name (the record has the rest).
    #[serde(default, rename = "eventID")]
    pub event_id: Option<String>,
    /// Set when the call failed; Cognito's own events may carry `""`, which is a success.
    #[serde(default)]
    pub error_code: Option<String>,
    /// `null` in some failed calls.
    #[serde(default)]
    pub request_parameters: Option<RequestParameters>,
    /// Cognito hides the username (`HIDDEN_DUE_TO_SECURITY_REASONS`) and gives the `sub` here;
    /// absent for a user that does not exist.
    #[serde(default)]
    pub additional_event_data: Option<AdditionalEventData>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestParameters {
    #[serde(default)]
    pub user_pool_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AdditionalEventData {
    #[serde(default)]
    pub sub: Option<String>,
}

/// What the operator configures on the function (its environment; the template fills it).
/// `REDIS_URL` is not here: it holds the store's token, and this is `Debug`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `COGNITO_USER_POOL_ID`: events of other pools in the account are not this app's.
    pub user_pool_id: String,
    /// `SESSION_MAX_AGE_SECS`, the app's: how long a session's cookies live.
    pub session_max_age_secs: i64,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any source of variables (the tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let non_empty = |name| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let user_pool_id = non_empty("COGNITO_USER_POOL_ID").ok_or("COGNITO_USER_POOL_ID is not set")?;
        let session_max_age_secs = match non_empty("SESSION_MAX_AGE_SECS") {
            None => DEFAULT_SESSION_MAX_AGE_SECS,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .and_then(|secs| i64::try_from(secs).ok())
                .ok_or_else(|| format!("SESSION_MAX_AGE_SECS must be a whole number of seconds, not {v:?}"))?,
        };
        Ok(Self {
            user_pool_id,
            session_max_age_secs,
        })
    }

    /// Until when a revocation made at `at` is kept: as long as a token (a day at most) or a
    /// session's cookies issued before it may come back, as the app keeps its own.
    pub fn kept_until(&self, at: i64) -> i64 {
        at.saturating_add(self.session_max_age_secs.max(MAX_TOKEN_LIFETIME))
            .saturating_add(KEEP_SLACK)
    }
}

/// What to do with one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Refuse `sub`'s tokens and sessions issued at or before `before`, kept until `until`
    /// (Unix seconds both).
    Revoke { sub: String, before: i64, until: i64 },
    /// Nothing to write, and nothing to retry.
    Ignore(Ignored),
}

/// Why an event changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// Not a Cognito call recorded by CloudTrail (a rule that matches too much, a test invoke).
    NotCognito,
    /// A Cognito call that ends no session.
    OtherEvent(String),
    /// Another user pool of the account.
    OtherPool,
    /// The call failed (its `errorCode`): nothing happened to the person.
    Failed(String),
    /// A successful call that names no `sub`: there is no one to revoke (or CloudTrail changed).
    NoSub,
    /// A `sub` that is not one (Cognito's are UUIDs): not made into a key.
    BadSub,
}

/// The decision, from the event (the revocation is dated by `eventTime`, never later than `now`,
/// the function's clock: an event from the future — a hand-made invoke — cannot refuse
/// sign-ins that have not happened yet).
pub fn decide(event: &Event, config: &Config, now: i64) -> Decision {
    let detail = &event.detail;
    if event.source != "aws.cognito-idp"
        || event.detail_type != "AWS API Call via CloudTrail"
        || detail.event_source != "cognito-idp.amazonaws.com"
    {
        return Decision::Ignore(Ignored::NotCognito);
    }
    if !EVENT_NAMES.contains(&detail.event_name.as_str()) {
        return Decision::Ignore(Ignored::OtherEvent(detail.event_name.clone()));
    }
    let pool = detail
        .request_parameters
        .as_ref()
        .and_then(|p| p.user_pool_id.as_deref());
    if pool != Some(config.user_pool_id.as_str()) {
        return Decision::Ignore(Ignored::OtherPool);
    }
    if let Some(code) = detail.error_code.as_deref().filter(|c| !c.is_empty()) {
        return Decision::Ignore(Ignored::Failed(code.to_owned()));
    }
    let Some(sub) = detail
        .additional_event_data
        .as_ref()
        .and_then(|d| d.sub.as_deref())
        .filter(|s| !s.is_empty())
    else {
        return Decision::Ignore(Ignored::NoSub);
    };
    // It becomes part of a key: letters, digits and '-' only (a UUID), nothing that could
    // reach another key or confuse a log line.
    if sub.len() > 64 || !sub.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Decision::Ignore(Ignored::BadSub);
    }
    let at = detail.event_time.timestamp().min(now);
    let before = if detail.event_name == "AdminDeleteUser" {
        DELETED
    } else {
        at
    };
    Decision::Revoke {
        sub: sub.to_owned(),
        before,
        until: config.kept_until(at),
    }
}

/// What [`Store::revoke`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The entry was written (there was none, or an earlier one).
    Written,
    /// The stored entry was as late or later (another event, the app's own revocation, this
    /// very event delivered again): kept as it was.
    KeptLater,
    /// The revocation was over already (an event older than the session lifetime, replayed):
    /// nothing it covers can come back, so nothing was written.
    Over,
}

/// The one write, atomic on the server. KEYS[1] = `lc:person:<sub>`; ARGV = before (decimal,
/// written as given: Lua's numbers are doubles, and `i64::MAX` must stay exact), until (Unix s).
/// An existing entry whose `before` is as late or later stays as it is, exempt session
/// included: on a tie it is the app's own write for that very action (after a password reset
/// the server calls AdminUserGlobalSignOut itself, then exempts the session that signed in
/// again), which must not be undone. Otherwise the new `before` is written without an exempt
/// session, expiring at the later of `until` and the entry's own expiry (an entry without one
/// keeps none). Returns 1 written, 0 kept, -1 over already.
static REVOKE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local before, keep = tonumber(ARGV[1]), tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
if old then
  local digits = string.match(old, '^%-?%d+')
  local old_before = digits and tonumber(digits)
  if old_before and old_before >= before then return 0 end
end
local expires = redis.call('EXPIRETIME', KEYS[1])
if expires == -1 then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
  return 1
end
if expires > keep then keep = expires end
if keep <= tonumber(redis.call('TIME')[1]) then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'EXAT', string.format('%d', keep))
return 1
",
    )
});

/// The session store, with one connection kept across warm invocations.
///
/// No `Debug`: the client holds `REDIS_URL`'s token.
pub struct Store {
    client: redis::Client,
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl Store {
    /// Does not connect (the first event does). The error never contains the URL.
    pub fn open(url: &str) -> Result<Self, &'static str> {
        let client = redis::Client::open(url).map_err(|_| "REDIS_URL is not a redis:// or rediss:// URL")?;
        Ok(Self {
            client,
            connection: Mutex::new(None),
        })
    }

    /// Writes `sub`'s revocation (the script above: never lower). A kept connection that fails (the store
    /// closed it while the function was frozen between events, or failed over) is replaced
    /// once within the call, so such an event is not an error; a store that cannot be reached
    /// is: the caller returns it and Lambda retries the event. The script may have run before
    /// a connection failed: running it again changes nothing.
    pub async fn revoke(&self, sub: &str, before: i64, until: i64) -> redis::RedisResult<Outcome> {
        let kept = self.connection.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(mut connection) = kept {
            match write(&mut connection, sub, before, until).await {
                Ok(outcome) => return Ok(outcome),
                Err(e) => {
                    tracing::info!(error = %e, "the kept connection to the session store failed; connecting again");
                    self.set_connection(None);
                }
            }
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT));
        let mut connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        let outcome = write(&mut connection, sub, before, until).await?;
        self.set_connection(Some(connection));
        Ok(outcome)
    }

    fn set_connection(&self, connection: Option<MultiplexedConnection>) {
        *self.connection.lock().unwrap_or_else(PoisonError::into_inner) = connection;
    }
}

async fn write(
    connection: &mut MultiplexedConnection,
    sub: &str,
    before: i64,
    until: i64,
) -> redis::RedisResult<Outcome> {
    let done: i64 = REVOKE
        .key(format!("lc:person:{sub}"))
        .arg(before)
        .arg(until)
        .invoke_async(connection)
        .await?;
    Ok(match done {
        1 => Outcome::Written,
        0 => Outcome::KeptLater,
        _ => Outcome::Over,
    })
}

/// One invocation. `Err` only when the store could not be written: Lambda then retries the
/// event (twice, a minute or two apart), and the store is likely back by then.
///
/// An event that does not parse is logged and dropped (`Ok`): a retry would read the very same
/// bytes and fail the same way, only later and three times over, and would count as errors
/// that hide a store that is really down. It can only come from a rule that sends something
/// else, or from CloudTrail changing its format — which the error log shows at once.
/// (That is also why the payload arrives as JSON and is parsed here: the runtime's own parse
/// would fail the invocation, and Lambda would retry it.)
pub async fn handle(store: &Store, config: &Config, payload: serde_json::Value) -> redis::RedisResult<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    handle_at(store, config, payload, now).await
}

/// [`handle`] with the function's clock at `now` (Unix seconds).
pub async fn handle_at(store: &Store, config: &Config, payload: serde_json::Value, now: i64) -> redis::RedisResult<()> {
    let event: Event = match serde_json::from_value(payload) {
        Ok(event) => event,
        Err(e) => {
            tracing::error!(error = %e, "not a CloudTrail event of Cognito that this function reads; dropped");
            return Ok(());
        }
    };
    let detail = &event.detail;
    // The record's id finds it in CloudTrail, with the person and the operator; the logs name
    // neither.
    let id = detail.event_id.as_deref().unwrap_or("-");
    let name = detail.event_name.as_str();
    match decide(&event, config, now) {
        Decision::Ignore(Ignored::NoSub) => {
            tracing::warn!(
                event_id = id,
                event_name = name,
                "a successful call without a sub: nobody revoked"
            );
        }
        Decision::Ignore(Ignored::BadSub) => {
            tracing::error!(
                event_id = id,
                event_name = name,
                "the event's sub is not a Cognito sub: nobody revoked"
            );
        }
        Decision::Ignore(why) => {
            tracing::info!(event_id = id, event_name = name, ignored = ?why, "nothing to revoke");
        }
        Decision::Revoke { sub, before, until } => match store.revoke(&sub, before, until).await {
            Ok(outcome) => {
                tracing::info!(
                    event_id = id,
                    event_name = name,
                    before,
                    until,
                    ?outcome,
                    "person revocation"
                );
            }
            Err(e) => {
                tracing::error!(event_id = id, event_name = name, error = %e, "the session store could not be written; Lambda retries the event");
                return Err(e);
            }
        },
    }
    Ok(())
}
