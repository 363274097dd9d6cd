//! One suite, two implementations: every rule is checked on the memory store and on a real
//! Redis (`test_redis`). Times are the real clock's, as Redis expires keys by its own.

// Test code (clippy's test exemption does not see a `cfg(all(test, …))`).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::revocation::*;
use crate::store::test_redis::TestRedis;
use crate::store::*;
use cognito_jwt::AccessClaims;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
use base64::Engine as _;

fn jwt(payload: serde_json::Value) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.sig",
        b64(br#"{"alg":"RS256"}"#),
        b64(payload.to_string().as_bytes())
    )
}

fn token(sub: &str, jti: &str, origin: Option<&str>, iat: i64) -> String {
    jwt(serde_json::json!({"sub": sub, "jti": jti, "origin_jti": origin, "iat": iat, "exp": iat + 3600}))
}

fn claims(sub: &str, jti: &str, origin: Option<&str>, iat: i64) -> AccessClaims {
    serde_json::from_value(serde_json::json!({
        "sub": sub, "token_use": "access", "iss": "i", "exp": iat + 3600, "iat": iat,
        "jti": jti, "origin_jti": origin,
    }))
    .expect("claims")
}

fn record(id: &str, sub: &str, family: &str, now: i64) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        sub: sub.into(),
        method: "password".into(),
        signed_in_at: now - 100,
        last_seen: now - 50,
        device: "Firefox on Linux".into(),
        place: "203.0.113.0/24".into(),
        family: Some(family.into()),
    }
}

/// Runs `test` on the memory store, then on a fresh Redis.
async fn on_both(test: impl AsyncFn(Arc<Revocations>)) {
    test(Arc::new(Revocations::in_memory())).await;
    let redis = TestRedis::start();
    let store = SessionStore::redis(&redis.url()).expect("redis url");
    test(Arc::new(Revocations::new(Arc::new(store), Duration::from_secs(3600)))).await;
}

#[tokio::test]
async fn a_signed_out_family_is_refused_with_every_token_of_it() {
    on_both(async |r| {
        let now = now_unix();
        r.revoke_session("a", "sid1", &token("a", "t2", Some("rt1"), now), now)
            .await
            .expect("store");
        // An older token of the same refresh token, and the current one.
        assert_eq!(
            r.is_token_revoked(&claims("a", "t1", Some("rt1"), now - 600), now)
                .await,
            Ok(true)
        );
        assert_eq!(
            r.is_token_revoked(&claims("a", "t2", Some("rt1"), now), now).await,
            Ok(true)
        );
        // Another session of the same person is not.
        assert_eq!(
            r.is_token_revoked(&claims("a", "t3", Some("rt2"), now), now).await,
            Ok(false)
        );
    })
    .await;
}

#[tokio::test]
async fn a_sessions_cookies_are_judged_by_their_id_and_token() {
    on_both(async |r| {
        let now = now_unix();
        r.revoke_session("a", "sid1", &token("a", "t1", Some("rt1"), now), now)
            .await
            .expect("store");
        let judged = async |sid: &str, jwt: &str, at: i64| r.is_session_revoked("a", sid, jwt, None, at).await;
        assert_eq!(judged("sid1", &token("a", "t1", Some("rt1"), now), now).await, Ok(true));
        // The signed-out id with a token of another family (refreshed elsewhere) is still out.
        assert_eq!(judged("sid1", &token("a", "t9", Some("rt9"), now), now).await, Ok(true));
        assert_eq!(
            judged("sid2", &token("a", "t2", Some("rt2"), now), now).await,
            Ok(false)
        );
        r.revoke_person("a", None, now + 10).await.expect("store");
        assert_eq!(
            judged("sid2", &token("a", "t2", Some("rt2"), now), now + 10).await,
            Ok(true)
        );
        assert_eq!(
            judged("sid3", &token("a", "t3", Some("rt3"), now + 11), now + 11).await,
            Ok(false)
        );
        assert_eq!(judged("sid4", "not a jwt", now + 11).await, Ok(false));
        // Without a session cookie (only the refresh cookie was kept), by when it began.
        let started = async |sid: &str, at: i64| r.is_session_revoked("a", sid, "", Some(at), now + 11).await;
        assert_eq!(started("sid5", now + 9).await, Ok(true));
        assert_eq!(started("sid6", now + 11).await, Ok(false));
    })
    .await;
}

#[tokio::test]
async fn without_origin_jti_only_that_token_is_refused() {
    on_both(async |r| {
        let now = now_unix();
        let t1 = jwt(serde_json::json!({"sub": "a", "jti": "t1", "iat": now, "exp": now + 60}));
        r.revoke_session("a", "", &t1, now).await.expect("store");
        assert_eq!(r.is_token_revoked(&claims("a", "t1", None, now), now).await, Ok(true));
        assert_eq!(r.is_token_revoked(&claims("a", "t2", None, now), now).await, Ok(false));
    })
    .await;
}

#[tokio::test]
async fn everywhere_refuses_what_was_issued_up_to_its_second_but_the_exempt_session() {
    on_both(async |r| {
        let now = now_unix();
        let store = r.store().clone();
        for (id, family) in [("s1", "rt1"), ("s9", "rt9")] {
            store
                .save_session(&record(id, "a", family, now), now + 3600, now)
                .await
                .expect("store");
        }
        r.revoke_person("a", Some("rt9".into()), now).await.expect("store");
        assert_eq!(
            r.is_token_revoked(&claims("a", "t1", Some("rt1"), now - 10), now).await,
            Ok(true)
        );
        // The same second: an attacker's refresh just before the sign-out is refused...
        assert_eq!(
            r.is_token_revoked(&claims("a", "t2", Some("rt2"), now), now).await,
            Ok(true)
        );
        // ...the session that signed in again with the new password is not.
        assert_eq!(
            r.is_token_revoked(&claims("a", "t9", Some("rt9"), now), now).await,
            Ok(false)
        );
        // Nor is anything issued afterwards, or another person's.
        assert_eq!(
            r.is_token_revoked(&claims("a", "t3", Some("rt3"), now + 1), now + 1)
                .await,
            Ok(false)
        );
        assert_eq!(
            r.is_token_revoked(&claims("b", "t4", Some("rt4"), now - 10), now).await,
            Ok(false)
        );
        // The ended sessions left the list (the one signed in again writes its own afterwards).
        assert_eq!(store.sessions_of("a", now).await, Ok(vec![]));
    })
    .await;
}

#[tokio::test]
async fn a_deleted_account_has_no_token_or_session_left() {
    on_both(async |r| {
        let now = now_unix();
        r.store()
            .save_session(&record("s1", "a", "rt1", now), now + 3600, now)
            .await
            .expect("store");
        r.revoke_deleted("a", now).await.expect("store");
        assert_eq!(
            r.is_token_revoked(&claims("a", "t1", Some("rt1"), now + 5), now + 5)
                .await,
            Ok(true)
        );
        assert_eq!(
            r.is_token_revoked(&claims("b", "t2", Some("rt2"), now), now).await,
            Ok(false)
        );
        assert_eq!(r.store().sessions_of("a", now).await, Ok(vec![]));
    })
    .await;
}

#[tokio::test]
async fn the_sessions_list_keeps_records_and_ends_one_from_another_device() {
    on_both(async |r| {
        let now = now_unix();
        let store = r.store().clone();
        store
            .save_session(&record("s1", "a", "rt1", now), now + 3600, now)
            .await
            .expect("store");
        store
            .save_session(&record("s2", "a", "rt2", now), now + 3600, now)
            .await
            .expect("store");
        store
            .save_session(&record("s3", "b", "rt3", now), now + 3600, now)
            .await
            .expect("store");
        // Seen again, refreshed into a new family (no origin_jti: each token is its own).
        assert_eq!(store.touch_session("s2", now + 30, Some("rt2b")).await, Ok(true));
        assert_eq!(store.touch_session("gone", now + 30, None).await, Ok(false));
        let mut mine = store.sessions_of("a", now).await.expect("store");
        mine.sort_by(|x, y| x.id.cmp(&y.id));
        assert_eq!(mine[0], record("s1", "a", "rt1", now));
        assert_eq!((mine[1].last_seen, mine[1].family.as_deref()), (now + 30, Some("rt2b")));
        assert_eq!(mine.len(), 2);

        // Someone else's session cannot be ended by id.
        assert_eq!(r.end_session("a", "s3", now).await, Ok(false));
        assert_eq!(r.end_session("a", "s2", now).await, Ok(true));
        let left: Vec<String> = store
            .sessions_of("a", now)
            .await
            .expect("store")
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(left, ["s1"]);
        // Its cookies are signed out at their next request, its family at the API.
        assert_eq!(
            r.is_session_revoked("a", "s2", &token("a", "x", Some("rt7"), now), None, now)
                .await,
            Ok(true)
        );
        assert_eq!(
            r.is_token_revoked(&claims("a", "t", Some("rt2b"), now), now).await,
            Ok(true)
        );
        assert_eq!(
            r.is_token_revoked(&claims("a", "t", Some("rt1"), now), now).await,
            Ok(false)
        );
    })
    .await;
}

#[tokio::test]
async fn ended_records_leave_the_list() {
    on_both(async |r| {
        let now = now_unix();
        let store = r.store().clone();
        store
            .save_session(&record("old", "a", "rt1", now), now - 1, now - 10)
            .await
            .expect("store");
        store
            .save_session(&record("new", "a", "rt2", now), now + 60, now)
            .await
            .expect("store");
        let left: Vec<String> = store
            .sessions_of("a", now)
            .await
            .expect("store")
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(left, ["new"]);
    })
    .await;
}

#[tokio::test]
async fn limits_use_up_a_burst_then_wait_one_interval() {
    on_both(async |r| {
        let store = r.store();
        // On a clock the test holds (Redis is handed the time, as a manual `Clock` does).
        let at = Some(1_800_000_000_000);
        let rule = Rule::per_minute(NonZeroU32::new(3).expect("3"));
        for _ in 0..3 {
            assert_eq!(store.rate(&[("ip:1", rule)], Mode::Take, at).await, Ok(Ok(())));
        }
        let Ok(Err(wait)) = store.rate(&[("ip:1", rule)], Mode::Take, at).await else {
            panic!("the fourth within a minute is refused");
        };
        assert_eq!(wait, Duration::from_secs(20));
        // Asking spends nothing; another key has its own budget.
        assert!(matches!(
            store.rate(&[("ip:1", rule)], Mode::Check, at).await,
            Ok(Err(_))
        ));
        assert_eq!(store.rate(&[("ip:2", rule)], Mode::Check, at).await, Ok(Ok(())));
        // One interval later, one more.
        let later = at.map(|ms| ms + 20_000);
        assert_eq!(store.rate(&[("ip:1", rule)], Mode::Take, later).await, Ok(Ok(())));
        // Failures always count, but never push a key more than one interval past a burst.
        for _ in 0..50 {
            assert_eq!(store.rate(&[("fail:1", rule)], Mode::Record, at).await, Ok(Ok(())));
        }
        let Ok(Err(wait)) = store.rate(&[("fail:1", rule)], Mode::Check, at).await else {
            panic!("out of budget after failures");
        };
        assert_eq!(wait, Duration::from_secs(20));
    })
    .await;
}

#[tokio::test]
async fn several_limits_are_taken_all_or_nothing() {
    on_both(async |r| {
        let store = r.store();
        let at = Some(1_800_000_000_000);
        let (client, network) = (
            Rule::per_minute(NonZeroU32::new(2).expect("2")),
            Rule::per_minute(NonZeroU32::new(3).expect("3")),
        );
        let a = [("ip:a", client), ("net:1", network)];
        let b = [("ip:b", client), ("net:1", network)];
        assert_eq!(store.rate(&a, Mode::Take, at).await, Ok(Ok(())));
        assert_eq!(store.rate(&a, Mode::Take, at).await, Ok(Ok(())));
        // `a` is out of its own budget: refused, and the network's is not spent for it.
        assert!(matches!(store.rate(&a, Mode::Take, at).await, Ok(Err(_))));
        assert_eq!(store.rate(&b, Mode::Take, at).await, Ok(Ok(())));
        // The network's third is gone: `b` is refused by it, with the network's wait.
        let Ok(Err(wait)) = store.rate(&b, Mode::Take, at).await else {
            panic!("the network's budget is spent");
        };
        assert_eq!(wait, Duration::from_secs(20));
        // Recording counts on every key whatever is left.
        assert_eq!(store.rate(&b, Mode::Record, at).await, Ok(Ok(())));
        assert!(matches!(
            store.rate(&[("ip:b", client)], Mode::Check, at).await,
            Ok(Err(_))
        ));
    })
    .await;
}

#[test]
fn a_rule_scaled_for_a_network_keeps_its_window() {
    let client = Rule::per_minute(NonZeroU32::new(60).expect("60"));
    let network = client.times(10);
    assert_eq!(network, Rule::per_minute(NonZeroU32::new(600).expect("600")));
    let day = Rule::per(NonZeroU32::new(20).expect("20"), Duration::from_secs(86_400));
    assert_eq!(day.interval_ms, 4_320_000);
    assert_eq!(day.tolerance_ms, 19 * 4_320_000);
}

#[tokio::test]
async fn a_lock_is_held_once_until_let_go_or_timed_out() {
    on_both(async |r| {
        let store = r.store();
        let ttl = Duration::from_millis(300);
        assert_eq!(store.lock("refresh:s1", "A", ttl).await, Ok(true));
        assert_eq!(store.lock("refresh:s1", "B", ttl).await, Ok(false));
        // Only its holder lets it go.
        store.unlock("refresh:s1", "B").await.expect("store");
        assert_eq!(store.lock("refresh:s1", "B", ttl).await, Ok(false));
        store.unlock("refresh:s1", "A").await.expect("store");
        assert_eq!(store.lock("refresh:s1", "B", ttl).await, Ok(true));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(store.lock("refresh:s1", "C", ttl).await, Ok(true));
    })
    .await;
}

#[tokio::test]
async fn a_family_is_kept_past_a_refresh_that_raced_the_sign_out() {
    // Token issued 50 min ago, 10 min left: a refresh made just now lives an hour.
    assert_eq!(family_kept_until(1000, 4600, 4000), 4000 + 3600 + KEEP_SLACK);
    // A fresh token: kept until its own exp.
    assert_eq!(family_kept_until(4000, 7600, 4000), 7600 + KEEP_SLACK);
    // A lifetime beyond Cognito's day counts as a day for the raced refresh; the token's own
    // exp still holds.
    assert_eq!(family_kept_until(0, 10 * 86_400, 0), 10 * 86_400 + KEEP_SLACK);
    assert_eq!(
        family_kept_until(0, 3 * 86_400, 2 * 86_400 + 1),
        2 * 86_400 + 1 + 86_400 + KEEP_SLACK
    );
}

#[tokio::test]
async fn in_memory_revocations_end_with_what_they_cover() {
    const NOW: i64 = 1_800_000_000;
    let r = Arc::new(Revocations::in_memory());
    let t1 = jwt(serde_json::json!({"sub": "a", "jti": "t1", "iat": NOW - 100, "exp": NOW - 40}));
    r.revoke_session("a", "", &t1, NOW).await.expect("store");
    let until = NOW + 60 + KEEP_SLACK;
    let t = claims("a", "t1", None, NOW - 100);
    assert_eq!(r.is_token_revoked(&t, until).await, Ok(true));
    assert_eq!(r.is_token_revoked(&t, until + 1).await, Ok(false));
}

#[tokio::test]
async fn redis_keys_expire_with_what_they_cover() {
    let redis = TestRedis::start();
    let r = Revocations::new(
        Arc::new(SessionStore::redis(&redis.url()).expect("url")),
        Duration::from_secs(3600),
    );
    let now = now_unix();
    r.revoke_session("a", "sid1", &token("a", "t1", Some("rt1"), now), now)
        .await
        .expect("store");
    let client = ::redis::Client::open(redis.url()).expect("url");
    let mut c = client.get_multiplexed_async_connection().await.expect("connect");
    let ttl = async |c: &mut ::redis::aio::MultiplexedConnection, key: &str| -> i64 {
        ::redis::cmd("TTL").arg(key).query_async(c).await.expect("ttl")
    };
    let family = ttl(&mut c, "lc:deny:f:rt1").await;
    assert!(
        (3600 + KEEP_SLACK - 2..=3600 + KEEP_SLACK).contains(&family),
        "{family}"
    );
    let session = ttl(&mut c, "lc:deny:s:sid1").await;
    assert!(
        (3600 + KEEP_SLACK - 2..=3600 + KEEP_SLACK).contains(&session),
        "{session}"
    );
}

#[tokio::test]
async fn a_stopped_redis_fails_closed_and_is_back_without_a_restart() {
    let mut redis = TestRedis::start();
    let r = Revocations::new(
        Arc::new(SessionStore::redis(&redis.url()).expect("url")),
        Duration::from_secs(3600),
    );
    let now = now_unix();
    r.revoke_session("a", "sid1", &token("a", "t1", Some("rt1"), now), now)
        .await
        .expect("store");
    redis.kill();
    let started = Instant::now();
    assert_eq!(
        r.is_token_revoked(&claims("a", "t2", Some("rt2"), now), now).await,
        Err(StoreDown),
        "no answer is not a yes"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(
        r.store()
            .rate(&[("k", Rule::per_minute(NonZeroU32::MIN))], Mode::Take, None)
            .await,
        Err(StoreDown)
    );
    redis.restart();
    // Back, empty (no persistence in this test): answers again without a new client.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match r.is_token_revoked(&claims("a", "t2", Some("rt2"), now), now).await {
            Ok(revoked) => {
                assert!(!revoked);
                break;
            }
            Err(StoreDown) => {
                assert!(Instant::now() < deadline, "the store did not come back");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

#[tokio::test]
async fn a_persons_sessions_are_capped_and_the_oldest_signed_out() {
    on_both(async |r| {
        let now = now_unix();
        let store = r.store();
        for n in 0..MAX_SESSIONS_PER_PERSON + 2 {
            let mut record = record(&format!("s{n}"), "a", &format!("rt{n}"), now);
            record.signed_in_at = now + n as i64;
            // Each later sign-in ends later: the first ones are the oldest.
            let until = r.session_until(now) + n as i64;
            store.save_session(&record, until, now).await.expect("store");
        }
        let mut left: Vec<String> = store
            .sessions_of("a", now)
            .await
            .expect("store")
            .into_iter()
            .map(|s| s.id)
            .collect();
        left.sort_by_key(|id| id[1..].parse::<usize>().unwrap_or_default());
        assert_eq!(left.len(), MAX_SESSIONS_PER_PERSON);
        assert_eq!(left.first().map(String::as_str), Some("s2"));
        // The two oldest are refused like sessions signed out from the list: by id, by family.
        for (id, family) in [("s0", "rt0"), ("s1", "rt1")] {
            assert_eq!(
                r.is_session_revoked("a", id, &token("a", "x", Some(family), now), None, now)
                    .await,
                Ok(true),
                "{id}"
            );
            assert_eq!(
                r.is_token_revoked(&claims("a", "y", Some(family), now), now).await,
                Ok(true)
            );
        }
        assert_eq!(
            r.is_session_revoked("a", "s2", &token("a", "x", Some("rt2"), now), None, now)
                .await,
            Ok(false)
        );
        // Read by id, no scan: only its owner's.
        assert_eq!(
            store.session("s7", now).await.expect("store").map(|s| s.sub),
            Some("a".into())
        );
        assert_eq!(r.end_session("b", "s7", now).await, Ok(false));
        assert_eq!(r.end_session("a", "s7", now).await, Ok(true));
        // Everywhere forgets every record (and the index) at once.
        r.revoke_person("a", None, now).await.expect("store");
        assert!(store.sessions_of("a", now).await.expect("store").is_empty());
        assert_eq!(store.session("s9", now).await.expect("store"), None);
    })
    .await;
}

#[tokio::test]
async fn a_person_revocation_lasts_as_long_as_a_session_can() {
    // A browser back after a week (its refresh token alive when Cognito had no global
    // sign-out) is still refused: the entry outlives the day a token lives.
    let redis = TestRedis::start();
    let week = Duration::from_secs(7 * 24 * 3600);
    let r = Arc::new(Revocations::new(
        Arc::new(SessionStore::redis(&redis.url()).expect("url")),
        week * 4,
    ));
    let now = now_unix();
    r.revoke_person("a", None, now).await.expect("store");
    let client = ::redis::Client::open(redis.url()).expect("url");
    let mut c = client.get_multiplexed_async_connection().await.expect("connect");
    let ttl: i64 = ::redis::cmd("TTL")
        .arg("lc:person:a")
        .query_async(&mut c)
        .await
        .expect("ttl");
    assert!(ttl > 27 * 24 * 3600, "{ttl}");
    let m = Arc::new(Revocations::new(Arc::new(SessionStore::memory()), week * 4));
    m.revoke_person("a", None, now).await.expect("store");
    assert_eq!(
        m.is_session_revoked("a", "s", "", Some(now - 10), now + 8 * 24 * 3600)
            .await,
        Ok(true)
    );
}

#[tokio::test]
async fn the_eviction_policy_is_read_from_the_server() {
    let evicting = TestRedis::start_with(&["--maxmemory-policy", "volatile-lru"]);
    let store = SessionStore::redis(&evicting.url()).expect("url");
    assert_eq!(store.eviction_policy().await, Ok(Some("volatile-lru".into())));
    let safe = TestRedis::start();
    let store = SessionStore::redis(&safe.url()).expect("url");
    assert_eq!(store.eviction_policy().await, Ok(Some("noeviction".into())));
    assert_eq!(SessionStore::memory().eviction_policy().await, Ok(None));
}

/// A TCP proxy on loopback in front of Redis that can go silent: its connections stay open but
/// nothing passes any more, as with a primary black-holed by a failover. Connections made after
/// that pass again (the new primary behind the same endpoint).
struct SilentProxy {
    port: u16,
    /// Connections numbered at or below this are silent.
    silent_up_to: Arc<std::sync::atomic::AtomicUsize>,
    made: Arc<std::sync::atomic::AtomicUsize>,
}

/// Copies `from` to `to` until either ends, swallowing everything (and keeping both open) once
/// connection `number` is silenced.
async fn pass(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    number: usize,
    silent: Arc<std::sync::atomic::AtomicUsize>,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buffer).await else { return };
        if n == 0 {
            return;
        }
        if number <= silent.load(std::sync::atomic::Ordering::SeqCst) {
            continue;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

impl SilentProxy {
    async fn start(upstream: u16) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let silent_up_to = Arc::new(AtomicUsize::new(0));
        let made = Arc::new(AtomicUsize::new(0));
        let (silent, count) = (silent_up_to.clone(), made.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let number = count.fetch_add(1, Ordering::SeqCst) + 1;
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pass(client_read, server_write, number, silent.clone()));
                tokio::spawn(pass(server_read, client_write, number, silent.clone()));
            }
        });
        Self {
            port,
            silent_up_to,
            made,
        }
    }

    /// Every connection made so far goes silent.
    fn black_hole(&self) {
        use std::sync::atomic::Ordering;
        self.silent_up_to
            .store(self.made.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_connection_that_went_silent_is_replaced_within_seconds() {
    let redis = TestRedis::start();
    let proxy = SilentProxy::start(redis.port).await;
    let store = SessionStore::redis(&format!("redis://127.0.0.1:{}", proxy.port)).expect("url");
    assert_eq!(store.ping().await, Ok(()));
    proxy.black_hole();
    // Nothing closes the connection: without more, every call would time out for as long as the
    // kernel kept the socket (minutes). A few timeouts in a row, and a new connection is made.
    let started = Instant::now();
    let mut answered = false;
    while started.elapsed() < Duration::from_secs(10) {
        if store.ping().await.is_ok() {
            answered = true;
            break;
        }
    }
    assert!(answered, "no answer within 10 s of the connection going silent");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // The store works as before on the new connection.
    let r = Arc::new(Revocations::new(Arc::new(store), Duration::from_secs(3600)));
    let now = now_unix();
    r.revoke_person("a", None, now).await.expect("store");
    assert_eq!(r.is_session_revoked("a", "s", "", Some(now - 1), now).await, Ok(true));
}

#[tokio::test]
async fn a_person_revocation_is_never_lowered() {
    on_both(async |r| {
        let now = now_unix();
        // A deleted account, then a late "sign out everywhere" of an hour before: still deleted.
        r.revoke_deleted("a", now).await.expect("store");
        r.revoke_person("a", None, now - 3600).await.expect("store");
        assert_eq!(
            r.is_token_revoked(&claims("a", "t", None, now + 600), now + 601).await,
            Ok(true)
        );
        // The same second again names the exempt session; an older one changes nothing.
        r.revoke_person("b", None, now).await.expect("store");
        r.revoke_person("b", Some("rt-new".into()), now).await.expect("store");
        r.revoke_person("b", None, now - 10).await.expect("store");
        assert_eq!(
            r.is_token_revoked(&claims("b", "t", Some("rt-new"), now), now).await,
            Ok(false)
        );
        assert_eq!(
            r.is_token_revoked(&claims("b", "t", Some("rt-old"), now), now).await,
            Ok(true)
        );
    })
    .await;
}

/// A sign-out the store could not take (it was down) waits on the instance and is written as
/// soon as the store is back: its session and its tokens are refused from then on.
#[tokio::test]
async fn a_sign_out_while_redis_is_down_is_written_when_it_is_back() {
    let mut redis = TestRedis::start();
    let r = Arc::new(Revocations::new(
        Arc::new(SessionStore::redis(&redis.url()).expect("url")),
        Duration::from_secs(3600),
    ));
    let now = now_unix();
    let ended = |sid: &str, jwt: String, family: Option<&str>| Ended {
        sub: "a".into(),
        session_id: sid.into(),
        access_token: jwt,
        family: family.map(str::to_owned),
    };
    redis.kill();
    let sid1 = ended("sid1", token("a", "t1", Some("rt1"), now), None);
    assert_eq!(r.revoke_session_or_later(sid1.clone(), now).await, Err(StoreDown));
    // A session kept in the store: no token in its cookies, its family from the refresh cookie.
    let sid2 = ended("sid2", String::new(), Some("rt2"));
    assert_eq!(r.revoke_session_or_later(sid2, now).await, Err(StoreDown));
    // Copies of the same cookies signing out again wait once.
    for _ in 0..3 {
        assert_eq!(r.revoke_session_or_later(sid1.clone(), now).await, Err(StoreDown));
    }
    assert_eq!(r.waiting(), 2);
    // "Sign out everywhere" for another person waits the same way.
    assert_eq!(r.revoke_person("b", None, now).await, Err(StoreDown));
    assert_eq!(
        r.is_session_revoked("b", "sid-b", "", Some(now - 5), now).await,
        Ok(true)
    );
    // Meanwhile this instance refuses them without asking the store.
    assert_eq!(r.is_session_revoked("a", "sid1", "", Some(now), now).await, Ok(true));
    assert_eq!(
        r.is_token_revoked(&claims("a", "t9", Some("rt2"), now), now).await,
        Ok(true)
    );
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    while r.waiting() > 0 {
        assert!(Instant::now() < deadline, "still waiting: {}", r.waiting());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        r.is_token_revoked(&claims("a", "t1", Some("rt1"), now), now).await,
        Ok(true)
    );
    assert_eq!(
        r.is_token_revoked(&claims("a", "t9", Some("rt2"), now), now).await,
        Ok(true)
    );
    // Written to the store, not only remembered here: another instance on it refuses them too.
    let other = Revocations::new(
        Arc::new(SessionStore::redis(&redis.url()).expect("url")),
        Duration::from_secs(3600),
    );
    assert_eq!(
        other.is_session_revoked("b", "sid-b", "", Some(now - 5), now).await,
        Ok(true)
    );
    assert_eq!(
        other.is_session_revoked("a", "sid1", "", Some(now), now).await,
        Ok(true)
    );
    for sid in ["sid1", "sid2"] {
        assert_eq!(
            r.is_session_revoked("a", sid, "", Some(now), now).await,
            Ok(true),
            "{sid}"
        );
    }
    assert_eq!(r.is_session_revoked("a", "sid3", "", Some(now), now).await, Ok(false));
}

/// A full store (`noeviction` at `maxmemory`) refuses writes, revocations among them: lookups
/// are refused from the first refused revocation, until the store takes writes again.
#[tokio::test]
async fn a_store_that_refused_a_write_for_memory_is_not_trusted_until_it_takes_one() {
    let redis = TestRedis::start_with(&["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"]);
    let store = SessionStore::redis(&redis.url()).expect("url");
    let now = now_unix();
    assert!(store.lookup(Some("f"), Some("s"), "a", now).await.is_ok());
    // Fill it until a value is refused.
    let big = "x".repeat(1024);
    let mut n = 0;
    while store
        .put_blob(&format!("fill:{n}"), &big, now + 3600, now)
        .await
        .is_ok()
    {
        n += 1;
        assert!(n < 10_000, "the store never filled");
    }
    // A value refused is no reason to refuse sessions (a rate limit's key costs but a count); a
    // revocation refused is. (Right after a refusal there may be room for a few small writes.)
    assert!(store.lookup(Some("f"), Some("s"), "a", now).await.is_ok());
    let mut m = 0;
    while store.deny(format!("s:x{m}"), now + 3600, now).await.is_ok() {
        m += 1;
        assert!(m < 10_000, "no revocation was ever refused");
    }
    assert!(matches!(
        store.lookup(Some("f"), Some("s"), "a", now).await,
        Err(StoreDown)
    ));
    // Room again (the operator, or keys that expired): back within seconds, no restart.
    let client = ::redis::Client::open(redis.url()).expect("url");
    let mut c = client.get_multiplexed_async_connection().await.expect("connect");
    ::redis::cmd("FLUSHALL").query_async::<()>(&mut c).await.expect("flush");
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.lookup(Some("f"), Some("s"), "a", now).await.is_err() {
        assert!(Instant::now() < deadline, "not trusted again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// In production the store is trusted with lookups only once its eviction policy was read as
/// `noeviction`, and no longer once it reads otherwise.
#[tokio::test]
async fn a_store_whose_policy_is_not_confirmed_is_not_trusted_where_it_must_be() {
    let redis = TestRedis::start_with(&["--maxmemory-policy", "volatile-lru"]);
    let store = SessionStore::redis(&redis.url()).expect("url");
    let client = ::redis::Client::open(redis.url()).expect("url");
    let mut c = client.get_multiplexed_async_connection().await.expect("connect");
    let set_policy = async |c: &mut ::redis::aio::MultiplexedConnection, policy: &str| {
        ::redis::cmd("CONFIG")
            .arg("SET")
            .arg("maxmemory-policy")
            .arg(policy)
            .query_async::<()>(c)
            .await
            .expect("config set");
    };
    let now = now_unix();
    assert!(
        store.lookup(None, Some("s"), "a", now).await.is_ok(),
        "not required: trusted"
    );
    store.require_noeviction();
    assert!(
        matches!(store.lookup(None, Some("s"), "a", now).await, Err(StoreDown)),
        "not read yet"
    );
    assert_eq!(store.eviction_policy().await, Ok(Some("volatile-lru".into())));
    assert!(
        matches!(store.lookup(None, Some("s"), "a", now).await, Err(StoreDown)),
        "read as evicting"
    );
    set_policy(&mut c, "noeviction").await;
    assert_eq!(store.eviction_policy().await, Ok(Some("noeviction".into())));
    assert!(
        store.lookup(None, Some("s"), "a", now).await.is_ok(),
        "read as noeviction"
    );
    set_policy(&mut c, "allkeys-lru").await;
    assert_eq!(store.eviction_policy().await, Ok(Some("allkeys-lru".into())));
    assert!(
        matches!(store.lookup(None, Some("s"), "a", now).await, Err(StoreDown)),
        "changed under a running store"
    );
}
