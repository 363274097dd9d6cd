//! What the session store's check costs the API per request, printed as figures
//! (`scripts/bench-store` runs it against a Redis of its own on loopback):
//! - memory: `Revocations::is_token_revoked`, the check `/api/me` makes after every verification;
//! - Redis: the same lookup as one round trip (`SessionStore::lookup`, one `MGET`), one call at
//!   a time and 64 at once, and `is_token_revoked` as the API makes it (answers reused for 500 ms).
//!
//!   REDIS_URL=redis://127.0.0.1:6379 cargo run --release --features ssr --example store_check

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use cognito_auth::{Revocations, SessionStore};
use leptos_cognito::auth::verifier::AccessClaims;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn claims(n: usize, now: i64) -> AccessClaims {
    serde_json::from_value(serde_json::json!({
        "sub": format!("user-{n}"), "token_use": "access", "iss": "bench", "exp": now + 3600,
        "iat": now, "jti": format!("jti-{n}"), "origin_jti": format!("origin-{n}"),
    }))
    .unwrap_or_else(|e| panic!("claims: {e}"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "| {name:<52} | {:>9.2} | {:>9.2} | {:>8} |",
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        samples.len()
    );
}

#[tokio::main]
async fn main() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let day = Duration::from_secs(86_400);
    println!("| check                                                 | p50 (µs)  | p99 (µs)  | samples  |");
    println!("|-------------------------------------------------------|----------:|----------:|---------:|");

    // Memory: 10,000 revoked families and people in the maps, checks of tokens not among them
    // (the common case) and of revoked ones.
    let memory = Revocations::in_memory();
    for n in 0..10_000 {
        let jwt = fake_jwt(n, now);
        let _ = memory
            .revoke_session(&format!("user-{n}"), &format!("sid-{n}"), &jwt, now)
            .await;
    }
    let live: Vec<AccessClaims> = (20_000..20_100).map(|n| claims(n, now)).collect();
    let mut samples = Vec::with_capacity(200_000);
    for round in 0..2_000 {
        for c in &live {
            let started = Instant::now();
            let revoked = memory.is_token_revoked(c, now).await;
            samples.push(started.elapsed());
            assert_eq!(revoked, Ok(false), "round {round}");
        }
    }
    report("memory: is_token_revoked, not revoked (10k entries)", samples);
    let gone = claims(5, now);
    let mut samples = Vec::with_capacity(200_000);
    for _ in 0..200_000 {
        let started = Instant::now();
        let revoked = memory.is_token_revoked(&gone, now).await;
        samples.push(started.elapsed());
        assert_eq!(revoked, Ok(true));
    }
    report("memory: is_token_revoked, revoked", samples);

    let Ok(url) = std::env::var("REDIS_URL") else {
        println!("\n(REDIS_URL unset: no Redis figures)");
        return;
    };
    let store = Arc::new(SessionStore::redis(&url).unwrap_or_else(|e| panic!("REDIS_URL: {e}")));
    store
        .ping()
        .await
        .unwrap_or_else(|_| panic!("Redis at {url} does not answer"));
    let shared = Revocations::new(store.clone(), day);
    for n in 0..10_000 {
        let _ = shared
            .revoke_session(&format!("user-{n}"), &format!("sid-{n}"), &fake_jwt(n, now), now)
            .await;
    }
    let mut samples = Vec::with_capacity(20_000);
    for n in 0..20_000 {
        let c = &live[n % live.len()];
        let started = Instant::now();
        let found = store.lookup(c.origin_jti.as_deref(), None, &c.sub, now).await;
        samples.push(started.elapsed());
        assert!(found.is_ok_and(|f| !f.family && f.person.is_none()));
    }
    report("redis: one lookup (MGET), one at a time", samples);

    let started = Instant::now();
    let tasks: Vec<_> = (0..64)
        .map(|t| {
            let store = store.clone();
            let live = live.clone();
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(2_000);
                for n in 0..2_000 {
                    let c = &live[(t + n) % live.len()];
                    let started = Instant::now();
                    let found = store.lookup(c.origin_jti.as_deref(), None, &c.sub, now).await;
                    samples.push(started.elapsed());
                    assert!(found.is_ok());
                }
                samples
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    report("redis: one lookup (MGET), 64 at once", all);
    println!("  (64 at once: {rate:.0} lookups/s over one multiplexed connection)");

    let mut samples = Vec::with_capacity(200_000);
    for _ in 0..2_000 {
        for c in &live {
            let started = Instant::now();
            let revoked = shared.is_token_revoked(c, now).await;
            samples.push(started.elapsed());
            assert_eq!(revoked, Ok(false));
        }
    }
    report("redis: is_token_revoked as the API asks (500 ms reuse)", samples);
}

/// An access token as a session holds it (unsigned: the store only reads its claims).
fn fake_jwt(n: usize, now: i64) -> String {
    use base64::Engine as _;
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let payload = serde_json::json!({"sub": format!("user-{n}"), "jti": format!("jti-{n}"),
        "origin_jti": format!("origin-{n}"), "iat": now, "exp": now + 3600});
    format!(
        "{}.{}.sig",
        b64(br#"{"alg":"RS256"}"#),
        b64(payload.to_string().as_bytes())
    )
}
