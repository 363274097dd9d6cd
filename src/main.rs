//! The server: configuration → state → router → listen.

use leptos_cognito::config::Config;
use leptos_cognito::router::router;
use leptos_cognito::state::AppState;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// A page render allocates and frees thousands of small objects (Leptos's reactive owners, the
/// HTML's pieces); with glibc's allocator that was about a quarter of the server's CPU per page
/// (`perf` during `scripts/bench`'s `/sign-in` run). mimalloc keeps them in per-thread pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // aws-cognito-srp logs each step of every SRP exchange at info: kept out of the log.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,leptos_cognito=debug,aws_cognito_srp=warn")),
        )
        .init();

    // One clear line and a non-zero exit for any configuration mistake, before listening.
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let leptos = match leptos::config::get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => {
            eprintln!("configuration: Leptos settings (LEPTOS_* or Cargo.toml) are invalid: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(metrics_addr) = config.metrics_addr
        && let Err(e) = leptos_cognito::telemetry::serve(metrics_addr).await
    {
        eprintln!("start-up failed: {e}");
        return ExitCode::FAILURE;
    }
    let addr = leptos.site_addr;
    let state = match AppState::new(config, leptos).await {
        Ok(state) => state,
        Err(e) => {
            eprintln!("start-up failed: {e}");
            return ExitCode::FAILURE;
        }
    };

    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("could not listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("listening on http://{addr}");
    if let Err(e) = axum::serve(
        listener,
        // The peer address is the client IP for the rate limits (unless a trusted proxy says).
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    {
        eprintln!("server error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
