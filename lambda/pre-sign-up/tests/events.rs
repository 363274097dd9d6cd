//! The trigger on real event JSON: as AWS sends it, and as cognito-local sends it.
#![allow(clippy::expect_used)] // a test that cannot read its fixture should fail loudly

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup;
use pre_sign_up::pre_sign_up;

fn event(json: &str) -> CognitoEventUserPoolsPreSignup {
    serde_json::from_str(json).expect("a PreSignUp event")
}

fn response(answer: &CognitoEventUserPoolsPreSignup) -> serde_json::Value {
    serde_json::to_value(answer).expect("serialisable")["response"].clone()
}

#[test]
fn aws_sign_up_is_confirmed_and_email_verified() {
    let answer = pre_sign_up(event(include_str!("events/aws-sign-up.json")));
    assert_eq!(
        response(&answer),
        serde_json::json!({ "autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false })
    );
    // Everything else goes back as it came.
    let json = serde_json::to_value(&answer).expect("serialisable");
    assert_eq!(json["userPoolId"], "eu-west-1_AbC123xyz");
    assert_eq!(json["triggerSource"], "PreSignUp_SignUp");
}

#[test]
fn cognito_local_event_is_understood() {
    let answer = pre_sign_up(event(include_str!("events/cognito-local-sign-up.json")));
    assert_eq!(response(&answer)["autoConfirmUser"], true);
    assert_eq!(response(&answer)["autoVerifyEmail"], true);
}

#[test]
fn admin_created_users_are_left_alone() {
    let answer = pre_sign_up(event(include_str!("events/aws-admin-create-user.json")));
    assert_eq!(response(&answer)["autoConfirmUser"], false);
    assert_eq!(response(&answer)["autoVerifyEmail"], false);
}

#[test]
fn no_email_means_no_email_verification() {
    let mut e = event(include_str!("events/aws-sign-up.json"));
    e.request.user_attributes.remove("email");
    let answer = pre_sign_up(e);
    assert_eq!(response(&answer)["autoConfirmUser"], true);
    assert_eq!(response(&answer)["autoVerifyEmail"], false);
}
