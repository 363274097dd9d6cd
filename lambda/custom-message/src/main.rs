//! The Lambda function's entry point (the `bootstrap` binary of `cargo lambda build`).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage;
use custom_message::{Settings, custom_message};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt().with_ansi(false).without_time().init();
    // Read once per cold start, not per message.
    let settings = Settings::from_env();
    let settings = &settings;
    run(service_fn(
        move |event: LambdaEvent<CognitoEventUserPoolsCustomMessage>| async move {
            Ok::<_, Error>(custom_message(event.payload, settings))
        },
    ))
    .await
}
