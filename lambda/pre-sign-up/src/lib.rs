//! The PreSignUp trigger of the scenario: confirms every self-service sign-up and marks its
//! e-mail verified, so nobody waits for a code.
//!
//! `autoVerifyEmail` matters as much as `autoConfirmUser`: an account whose e-mail is not
//! verified cannot receive a password-reset code later.
//!
//! The same binary (`src/main.rs`, the `bootstrap` of `cargo lambda build --release`) runs in
//! AWS Lambda and locally under `cargo lambda watch`, which cognito-local calls.

use aws_lambda_events::event::cognito::{CognitoEventUserPoolsPreSignup, CognitoEventUserPoolsPreSignupTriggerSource};

/// Decides the trigger's answer. Cognito reads only `response`; the rest is echoed back.
pub fn pre_sign_up(mut event: CognitoEventUserPoolsPreSignup) -> CognitoEventUserPoolsPreSignup {
    let source = event.cognito_event_user_pools_header.trigger_source.clone();
    // Only self-service sign-up is confirmed here: users an administrator creates get a
    // temporary password instead, and federated users are confirmed by their provider.
    if matches!(source, None | Some(CognitoEventUserPoolsPreSignupTriggerSource::SignUp)) {
        event.response.auto_confirm_user = true;
        // Cognito refuses autoVerifyEmail for a sign-up without an e-mail attribute.
        event.response.auto_verify_email = event.request.user_attributes.contains_key("email");
    }
    event
}
