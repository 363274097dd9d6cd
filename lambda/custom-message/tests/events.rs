//! The trigger on real event JSON, as AWS sends it for each trigger source and as cognito-local
//! sends it.
#![allow(clippy::expect_used)] // a test that cannot read its fixture should fail loudly

use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessage;
use custom_message::{Settings, custom_message};
use serde_json::Value;

fn settings() -> Settings {
    Settings {
        app_name: "Example Shop".into(),
        app_url: Some("https://shop.example.com".into()),
    }
}

/// The trigger's answer to `json`, as the JSON Cognito reads back.
fn answer(json: &str) -> Value {
    let event: CognitoEventUserPoolsCustomMessage = serde_json::from_str(json).expect("a CustomMessage event");
    serde_json::to_value(custom_message(event, &settings())).expect("serialisable")
}

fn field<'a>(answer: &'a Value, name: &str) -> &'a str {
    answer["response"][name]
        .as_str()
        .unwrap_or_else(|| panic!("response.{name} is set"))
}

/// Cognito replaces each placeholder once; the code must be in the body exactly once.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn sign_up_in_japanese() {
    let answer = answer(include_str!("events/aws-sign-up-ja.json"));
    let subject = field(&answer, "emailSubject");
    let body = field(&answer, "emailMessage");
    assert_eq!(subject, "【Example Shop】メールアドレスの確認コード");
    assert!(body.starts_with("<div lang=\"ja\">"), "{body}");
    assert!(body.contains("確認コードは <strong"), "{body}");
    assert!(body.contains("https://shop.example.com/confirm"), "{body}");
    assert_eq!(count(body, "{####}"), 1);
    assert_eq!(count(field(&answer, "smsMessage"), "{####}"), 1);
    // Everything but the response goes back as it came.
    assert_eq!(answer["userPoolId"], "ap-northeast-1_AbC123xyz");
    assert_eq!(answer["triggerSource"], "CustomMessage_SignUp");
}

#[test]
fn forgot_password_without_a_locale_is_english() {
    let answer = answer(include_str!("events/aws-forgot-password.json"));
    assert_eq!(field(&answer, "emailSubject"), "Reset your Example Shop password");
    let body = field(&answer, "emailMessage");
    assert!(body.starts_with("<div lang=\"en\">"), "{body}");
    assert!(body.contains("https://shop.example.com/forgot-password"), "{body}");
    assert!(body.contains("valid for 1 hour"), "{body}");
    assert_eq!(count(body, "{####}"), 1);
}

#[test]
fn invitation_carries_username_and_temporary_password_once_each() {
    let answer = answer(include_str!("events/aws-admin-create-user-ja.json"));
    assert_eq!(field(&answer, "emailSubject"), "【Example Shop】アカウントのご案内");
    let body = field(&answer, "emailMessage");
    assert!(body.contains("仮パスワード"), "{body}");
    assert_eq!(count(body, "{####}"), 1);
    assert_eq!(count(body, "{username}"), 1);
    let sms = field(&answer, "smsMessage");
    assert_eq!((count(sms, "{####}"), count(sms, "{username}")), (1, 1));
}

#[test]
fn new_address_code_in_english_for_en_gb() {
    let answer = answer(include_str!("events/aws-update-user-attribute.json"));
    assert_eq!(
        field(&answer, "emailSubject"),
        "Confirm your e-mail address for Example Shop"
    );
    let body = field(&answer, "emailMessage");
    assert!(body.contains("keeps its current address"), "{body}");
    assert!(body.contains("https://shop.example.com/account"), "{body}");
    assert_eq!(count(body, "{####}"), 1);
}

#[test]
fn cognito_local_event_is_understood() {
    let answer = answer(include_str!("events/cognito-local-sign-up-ja.json"));
    assert_eq!(
        field(&answer, "emailSubject"),
        "【Example Shop】メールアドレスの確認コード"
    );
    assert_eq!(count(field(&answer, "emailMessage"), "{####}"), 1);
}

#[test]
fn every_source_has_a_message_in_both_languages() {
    use aws_lambda_events::event::cognito::CognitoEventUserPoolsCustomMessageTriggerSource as Source;
    use custom_message::{Language, message};
    let settings = Settings {
        app_name: "App".into(),
        app_url: None,
    };
    for source in [
        Source::SignUp,
        Source::ResendCode,
        Source::ForgotPassword,
        Source::UpdateUserAttribute,
        Source::VerifyUserAttribute,
        Source::AdminCreateUser,
        Source::Authentication,
    ] {
        let [en, ja] = [Language::English, Language::Japanese]
            .map(|language| message(&source, language, &settings, "{####}", "{username}").expect("a message"));
        for m in [&en, &ja] {
            assert_eq!(count(&m.email_html, "{####}"), 1, "{source:?}: {}", m.email_html);
            assert_eq!(count(&m.sms, "{####}"), 1, "{source:?}: {}", m.sms);
            // Cognito's limit for a subject.
            assert!(m.email_subject.chars().count() <= 140, "{source:?}");
            assert!(!m.email_html.contains("href"), "no APP_URL, no link: {}", m.email_html);
        }
        assert_ne!(en.email_subject, ja.email_subject);
        assert!(
            ja.email_html.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
            "{source:?} has kana"
        );
    }
}
