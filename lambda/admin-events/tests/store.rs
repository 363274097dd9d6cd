//! The write against a real `redis-server`: what each event leaves in `lc:person:<sub>`, and
//! that nothing lowers an entry — not an older or repeated delivery, not an event after the
//! app's own revocation. Event times are fixed (in 2090, so that no entry is over by the time
//! the tests run); nothing waits on a clock.
#![allow(clippy::expect_used)] // a test that cannot reach its own Redis should fail loudly

// The workspace's real `redis-server` for tests (cognito-auth's own), read from its file: a
// test helper, not an API of the crate.
#[allow(dead_code)]
#[path = "../../../crates/cognito-auth/src/store/test_redis.rs"]
mod test_redis;

use admin_events::{Config, DELETED, Outcome, Store, handle_at};
use chrono::{DateTime, SecondsFormat};
use redis::aio::MultiplexedConnection;
use serde_json::{Value, json};
use test_redis::TestRedis;

const POOL: &str = "ap-northeast-1_AbC123xyz";
/// 2090-01-01T00:00:00Z.
const T: i64 = 3_786_912_000;
/// The function's clock in these tests: after every event (the real one would cap 2090 to now).
const LATER: i64 = T + 365 * 24 * 3600;
/// 30 days and a minute: how long past its time a revocation is kept.
const KEEP: i64 = 30 * 24 * 3600 + 60;
const SIGN_OUT_SUB: &str = "7a1e0b52-4c3d-4f6e-9a8b-1c2d3e4f5a6b";
const DISABLE_SUB: &str = "2f9c8b7a-6e5d-4c3b-a291-8f7e6d5c4b3a";
const DELETE_SUB: &str = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

fn config() -> Config {
    Config {
        user_pool_id: POOL.into(),
        session_max_age_secs: 30 * 24 * 3600,
    }
}

/// The fixture `name`, as if the call had been made at `at` (Unix seconds).
fn event(name: &str, at: i64) -> Value {
    let path = format!("{}/tests/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut event: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let time = DateTime::from_timestamp(at, 0)
        .expect("a time")
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    event["detail"]["eventTime"] = json!(time);
    event["time"] = json!(time);
    event
}

struct Setup {
    redis: TestRedis,
    store: Store,
    /// A connection of the test's own, to look at what the function wrote.
    admin: MultiplexedConnection,
}

async fn setup() -> Setup {
    let redis = TestRedis::start();
    let store = Store::open(&redis.url()).expect("a store");
    let admin = redis::Client::open(redis.url())
        .expect("a client")
        .get_multiplexed_async_connection()
        .await
        .expect("connected");
    Setup { redis, store, admin }
}

impl Setup {
    async fn deliver(&self, event: Value) {
        handle_at(&self.store, &config(), event, LATER)
            .await
            .expect("the store takes the write");
    }

    /// The person's entry and its expiry (`EXPIRETIME`: -2 none, -1 never).
    async fn person(&mut self, sub: &str) -> (Option<String>, i64) {
        let key = format!("lc:person:{sub}");
        let value: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut self.admin)
            .await
            .expect("GET");
        let expires: i64 = redis::cmd("EXPIRETIME")
            .arg(&key)
            .query_async(&mut self.admin)
            .await
            .expect("EXPIRETIME");
        (value, expires)
    }

    /// Writes an entry the way the app does (`SET … EXAT`).
    async fn app_writes(&mut self, sub: &str, value: &str, until: i64) {
        redis::cmd("SET")
            .arg(format!("lc:person:{sub}"))
            .arg(value)
            .arg("EXAT")
            .arg(until)
            .query_async::<()>(&mut self.admin)
            .await
            .expect("SET");
    }

    async fn keys(&mut self) -> i64 {
        redis::cmd("DBSIZE").query_async(&mut self.admin).await.expect("DBSIZE")
    }
}

#[tokio::test]
async fn an_event_writes_the_person_dated_by_the_call() {
    let mut s = setup().await;
    s.deliver(event("admin-user-global-sign-out.json", T)).await;
    assert_eq!(s.person(SIGN_OUT_SUB).await, (Some(T.to_string()), T + KEEP));

    // EventBridge may deliver twice: the second changes nothing.
    assert_eq!(
        s.store.revoke(SIGN_OUT_SUB, T, T + KEEP).await.expect("written"),
        Outcome::KeptLater
    );
    s.deliver(event("admin-user-global-sign-out.json", T)).await;
    assert_eq!(s.person(SIGN_OUT_SUB).await, (Some(T.to_string()), T + KEEP));
    assert_eq!(s.keys().await, 1);
}

#[tokio::test]
async fn an_older_event_does_not_lower_it() {
    let mut s = setup().await;
    s.deliver(event("admin-disable-user.json", T)).await;
    // Delivered late, after the later one: e.g. a sign-out ten minutes before the account was
    // disabled.
    s.deliver(event("admin-disable-user.json", T - 600)).await;
    assert_eq!(s.person(DISABLE_SUB).await, (Some(T.to_string()), T + KEEP));
}

#[tokio::test]
async fn a_later_event_raises_it_and_drops_the_exempt_session() {
    let mut s = setup().await;
    // The app's "sign out everywhere but this session", kept a day.
    s.app_writes(DISABLE_SUB, &format!("{T} family-1"), T + 86_460).await;
    s.deliver(event("admin-disable-user.json", T + 5)).await;
    assert_eq!(s.person(DISABLE_SUB).await, (Some((T + 5).to_string()), T + 5 + KEEP));

    // An entry that the app keeps longer than this event would keeps its expiry.
    s.app_writes(SIGN_OUT_SUB, &format!("{T} family-2"), T + 10_000_000)
        .await;
    s.deliver(event("admin-user-global-sign-out.json", T + 5)).await;
    assert_eq!(
        s.person(SIGN_OUT_SUB).await,
        (Some((T + 5).to_string()), T + 10_000_000)
    );
}

#[tokio::test]
async fn a_later_entry_the_app_wrote_survives_an_older_event_untouched() {
    let mut s = setup().await;
    s.app_writes(SIGN_OUT_SUB, &format!("{} family-1", T + 100), T + 100 + 86_460)
        .await;
    s.deliver(event("admin-user-global-sign-out.json", T)).await;
    assert_eq!(
        s.person(SIGN_OUT_SUB).await,
        (Some(format!("{} family-1", T + 100)), T + 100 + 86_460)
    );

    // Of the same second, too: the app's own AdminUserGlobalSignOut after a password reset
    // comes back through CloudTrail, and must not sign out the session it exempted.
    s.app_writes(DISABLE_SUB, &format!("{T} family-2"), T + KEEP).await;
    s.deliver(event("admin-disable-user.json", T)).await;
    assert_eq!(s.person(DISABLE_SUB).await, (Some(format!("{T} family-2")), T + KEEP));
}

#[tokio::test]
async fn an_entry_without_an_expiry_keeps_none() {
    let mut s = setup().await;
    // Nothing the app writes; an operator's by hand ("refuse for good"), left as permanent.
    redis::cmd("SET")
        .arg(format!("lc:person:{DISABLE_SUB}"))
        .arg(T - 10)
        .query_async::<()>(&mut s.admin)
        .await
        .expect("SET");
    s.deliver(event("admin-disable-user.json", T)).await;
    assert_eq!(s.person(DISABLE_SUB).await, (Some(T.to_string()), -1));
}

#[tokio::test]
async fn a_deleted_account_is_refused_for_good() {
    let mut s = setup().await;
    s.app_writes(DELETE_SUB, &format!("{T} family-1"), T + 86_460).await;
    s.deliver(event("admin-delete-user.json", T + 1)).await;
    assert_eq!(s.person(DELETE_SUB).await, (Some(DELETED.to_string()), T + 1 + KEEP));
    assert_eq!(DELETED.to_string(), "9223372036854775807");
    // Nothing later lowers it.
    assert_eq!(
        s.store
            .revoke(DELETE_SUB, T + 50, T + 50 + KEEP)
            .await
            .expect("answered"),
        Outcome::KeptLater
    );
    assert_eq!(s.person(DELETE_SUB).await.0, Some(DELETED.to_string()));
}

#[tokio::test]
async fn an_event_whose_revocation_is_over_writes_nothing() {
    let mut s = setup().await;
    // 2001: every token and session it could cover has long expired (a replayed archive).
    let outcome = s
        .store
        .revoke(SIGN_OUT_SUB, 1_000_000_000, 1_000_000_000 + KEEP)
        .await
        .expect("answered");
    assert_eq!(outcome, Outcome::Over);
    s.deliver(event("admin-user-global-sign-out.json", 1_000_000_000)).await;
    assert_eq!(s.keys().await, 0);
}

#[tokio::test]
async fn events_left_alone_write_nothing() {
    let mut s = setup().await;
    for name in [
        "failed-user-not-found.json",
        "other-pool.json",
        "username-in-clear-no-sub.json",
    ] {
        s.deliver(event(name, T)).await;
    }
    // Malformed: logged and dropped, not an error (a retry would fail the same way).
    s.deliver(json!({ "detail-type": "Scheduled Event", "detail": {} }))
        .await;
    assert_eq!(s.keys().await, 0);
}

#[tokio::test]
async fn a_store_that_is_down_is_an_error_so_lambda_retries() {
    let mut s = setup().await;
    s.redis.kill();
    let result = handle_at(&s.store, &config(), event("admin-disable-user.json", T), LATER).await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn a_kept_connection_that_broke_is_replaced_within_the_event() {
    let mut s = setup().await;
    s.deliver(event("admin-disable-user.json", T)).await;
    // A failover, or the store closing the connection while the function was frozen.
    s.redis.kill();
    s.redis.restart();
    s.admin = redis::Client::open(s.redis.url())
        .expect("a client")
        .get_multiplexed_async_connection()
        .await
        .expect("connected");
    s.deliver(event("admin-disable-user.json", T + 60)).await;
    assert_eq!(s.person(DISABLE_SUB).await, (Some((T + 60).to_string()), T + 60 + KEEP));
}
