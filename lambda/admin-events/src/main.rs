//! The Lambda function's entry point (the `bootstrap` binary of `cargo lambda build`): reads
//! the configuration once per cold start, then hands each EventBridge event to
//! [`admin_events::handle`].

use admin_events::{Config, Store};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt().with_ansi(false).without_time().init();
    // The redis crate's TLS (rediss://, ElastiCache) takes rustls's process-wide provider and
    // brings none of its own. An error only means one is installed already.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // A missing or wrong setting fails the cold start: every event would fail alike.
    let config = Config::from_env()?;
    // Never logged: it holds the store's AUTH token.
    let url = std::env::var("REDIS_URL").map_err(|_| "REDIS_URL is not set")?;
    let store = Store::open(&url)?;
    drop(url);
    tracing::info!(
        user_pool_id = %config.user_pool_id,
        session_max_age_secs = config.session_max_age_secs,
        "admin-events ready"
    );
    let (store, config) = (&store, &config);
    run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        admin_events::handle(store, config, event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
