//! `/metrics` in Prometheus' text format, on a listen address of its own (`METRICS_ADDR`, off
//! unless set): operators scrape it from inside their network; it is never on the app's port,
//! where anyone could read it.
//!
//! The app records through the `metrics` facade wherever something happens (without
//! `METRICS_ADDR` no recorder is installed and each record is a no-op):
//! - `sign_ins_total{method}`, `sign_in_attempts_total{outcome}`, `challenges_total{kind,outcome}`,
//!   `refreshes_total{outcome}`;
//! - `rate_limited_total{form}`;
//! - `api_verifications_total{outcome}` (`ok`, or the reason a token was refused);
//! - `cognito_errors_total{op,error}` (every failed Cognito call, by operation and error code);
//! - `store_round_trip_seconds{op}` (a histogram) and `store_errors_total{op}` (Redis).

use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use std::net::SocketAddr;
use std::time::Duration;

/// Buckets for the store's round trips: loopback and a same-zone ElastiCache are well under a
/// millisecond; the deadline is half a second.
const STORE_BUCKETS: [f64; 10] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5];

/// Installs the recorder and serves `/metrics` on `addr`, in the background.
pub async fn serve(addr: SocketAddr) -> Result<(), String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full("store_round_trip_seconds".into()), &STORE_BUCKETS)
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("could not listen on {addr} for /metrics: {e}"))?;
    // Histograms are drained into their buckets by an upkeep task (the crate's own advice).
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    handle.render(),
                )
            }
        }),
    );
    tracing::info!("metrics on http://{addr}/metrics");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(())
}
