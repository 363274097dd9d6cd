//! The Lambda function's entry point (the `bootstrap` binary of `cargo lambda build`).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[cfg(not(feature = "link-accounts"))]
#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt().with_ansi(false).without_time().init();
    run(service_fn(
        |event: LambdaEvent<CognitoEventUserPoolsPreSignup>| async move {
            Ok::<_, Error>(pre_sign_up::pre_sign_up(event.payload))
        },
    ))
    .await
}

/// With `link-accounts`: a provider's first sign-in with the verified e-mail of an existing
/// account is linked to it (`LINK_PROVIDERS`: which providers' `email_verified` is believed,
/// `Google` by default). A failed lookup or link is logged and the sign-in goes on as a new
/// user: the trigger never blocks a sign-in it cannot improve.
#[cfg(feature = "link-accounts")]
#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt().with_ansi(false).without_time().init();
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&config);
    // The providers whose `email_verified` is believed (their names in the pool).
    let trusted: Vec<String> = std::env::var("LINK_PROVIDERS")
        .unwrap_or_else(|_| "Google".into())
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    run(service_fn(|event: LambdaEvent<CognitoEventUserPoolsPreSignup>| {
        let cognito = cognito.clone();
        let trusted: Vec<&str> = trusted.iter().map(String::as_str).collect();
        async move {
            let event = event.payload;
            let pool = event
                .cognito_event_user_pools_header
                .user_pool_id
                .clone()
                .unwrap_or_default();
            if let Some(link) = pre_sign_up::link_request(&event, &trusted) {
                match pre_sign_up::link_accounts(&cognito, &pool, &link).await {
                    Ok(true) => tracing::info!(provider = %link.provider_name, "linked to the existing account"),
                    Ok(false) => {
                        tracing::info!(provider = %link.provider_name, "no single existing account to link to")
                    }
                    Err(e) => tracing::error!(error = %e, "could not link to the existing account"),
                }
            }
            Ok::<_, Error>(pre_sign_up::pre_sign_up(event))
        }
    }))
    .await
}
