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

#[cfg(not(feature = "link-accounts"))]
#[test]
fn aws_sign_up_is_confirmed_and_its_address_left_to_prove() {
    let answer = pre_sign_up(event(include_str!("events/aws-sign-up.json")));
    assert_eq!(
        response(&answer),
        serde_json::json!({ "autoConfirmUser": true, "autoVerifyEmail": false, "autoVerifyPhone": false })
    );
    // Everything else goes back as it came.
    let json = serde_json::to_value(&answer).expect("serialisable");
    assert_eq!(json["userPoolId"], "eu-west-1_AbC123xyz");
    assert_eq!(json["triggerSource"], "PreSignUp_SignUp");
}

#[cfg(not(feature = "link-accounts"))]
#[test]
fn cognito_local_event_is_understood() {
    let answer = pre_sign_up(event(include_str!("events/cognito-local-sign-up.json")));
    assert_eq!(response(&answer)["autoConfirmUser"], true);
    assert_eq!(response(&answer)["autoVerifyEmail"], false);
}

#[test]
fn admin_created_users_are_left_alone() {
    let answer = pre_sign_up(event(include_str!("events/aws-admin-create-user.json")));
    assert_eq!(response(&answer)["autoConfirmUser"], false);
    assert_eq!(response(&answer)["autoVerifyEmail"], false);
}

#[cfg(feature = "link-accounts")]
#[test]
fn with_link_accounts_the_trigger_never_confirms_or_verifies_a_sign_up() {
    let answer = pre_sign_up(event(include_str!("events/aws-sign-up.json")));
    assert_eq!(response(&answer)["autoConfirmUser"], false);
    assert_eq!(response(&answer)["autoVerifyEmail"], false);
}

#[test]
fn a_providers_first_sign_in_is_not_confirmed_here_but_may_be_linked() {
    let event = event(include_str!("events/aws-external-provider.json"));
    let answer = pre_sign_up(event.clone());
    // The provider vouches for the person: nothing to confirm.
    assert_eq!(response(&answer)["autoConfirmUser"], false);
    assert_eq!(
        pre_sign_up::link_request(&event, &["Google"]),
        Some(pre_sign_up::Link {
            provider_name: "Google".into(),
            provider_user_id: "110169484474386276334".into(),
            email: "ada@example.com".into(),
        })
    );
}

#[test]
fn only_a_verified_email_from_a_provider_is_linked() {
    let mut unverified = event(include_str!("events/aws-external-provider.json"));
    unverified
        .request
        .user_attributes
        .insert("email_verified".into(), "false".into());
    assert_eq!(pre_sign_up::link_request(&unverified, &["Google"]), None);
    unverified.request.user_attributes.remove("email_verified");
    assert_eq!(pre_sign_up::link_request(&unverified, &["Google"]), None);
    // Nor anything but a provider's sign-in.
    assert_eq!(
        pre_sign_up::link_request(&event(include_str!("events/aws-sign-up.json")), &["Google"]),
        None
    );
}

#[test]
fn provider_prefixes_in_any_case_name_the_provider() {
    let mut lower = event(include_str!("events/aws-external-provider.json"));
    lower.cognito_event_user_pools_header.user_name = Some("google_1101".into());
    assert_eq!(
        pre_sign_up::link_request(&lower, &["Google"]).map(|l| l.provider_name),
        Some("Google".into())
    );
    // A provider not trusted for its e-mails is never linked.
    assert_eq!(pre_sign_up::link_request(&lower, &["MyCorpSAML"]), None);
    lower.cognito_event_user_pools_header.user_name = Some("MyCorpSAML_ada@corp.example".into());
    let link = pre_sign_up::link_request(&lower, &["MyCorpSAML"]).expect("a link");
    assert_eq!(
        (link.provider_name.as_str(), link.provider_user_id.as_str()),
        ("MyCorpSAML", "ada@corp.example")
    );
}

#[test]
fn a_provider_name_with_an_underscore_is_matched_whole() {
    let mut e = event(include_str!("events/aws-external-provider.json"));
    e.cognito_event_user_pools_header.user_name = Some("My_Corp_ada.lovelace".into());
    let link = pre_sign_up::link_request(&e, &["My_Corp"]).expect("a link");
    assert_eq!(
        (link.provider_name.as_str(), link.provider_user_id.as_str()),
        ("My_Corp", "ada.lovelace")
    );
    assert_eq!(
        pre_sign_up::link_request(&e, &["My"]).map(|l| l.provider_user_id),
        Some("Corp_ada.lovelace".into())
    );
}
