//! The Lambda function's entry point (the `bootstrap` binary of `cargo lambda build`).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

async fn handler(event: LambdaEvent<CognitoEventUserPoolsPreSignup>) -> Result<CognitoEventUserPoolsPreSignup, Error> {
    Ok(pre_sign_up::pre_sign_up(event.payload))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt().with_ansi(false).without_time().init();
    run(service_fn(handler)).await
}
