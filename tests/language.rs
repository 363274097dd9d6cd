//! The person's language is stored at sign-up in Cognito's `locale` attribute, for the
//! CustomMessage trigger: chosen by the `lang` cookie, else `Accept-Language`, else English —
//! and left out when the app client may not write it (Cognito would refuse the whole sign-up).
#![cfg(feature = "ssr")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::sign_up::{SignUpInput, SignUpOutput};
use aws_smithy_mocks::{Rule, mock};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;

/// SignUp answers only when its `locale` attribute is `want` (`None`: no such attribute).
fn sign_up_with_locale(want: Option<&'static str>) -> Rule {
    mock!(Client::sign_up)
        .match_requests(move |r: &SignUpInput| {
            let locale = r
                .user_attributes()
                .iter()
                .find(|a| a.name() == "locale")
                .and_then(|a| a.value());
            locale == want && r.user_attributes().iter().any(|a| a.name() == "email")
        })
        .then_output(|| {
            SignUpOutput::builder()
                .user_confirmed(false)
                .user_sub("s-1")
                .build()
                .unwrap()
        })
}

async fn sign_up(app: &axum::Router, browser: &mut Browser, accept_language: Option<&str>) -> Answer {
    let form = serde_urlencoded::to_string([("email", "new@example.com"), ("password", PASSWORD)]).unwrap();
    let mut request = Request::post("/auth/sign-up")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html");
    if let Some(value) = accept_language {
        request = request.header(header::ACCEPT_LANGUAGE, value);
    }
    browser.send(app, request, Body::from(form)).await
}

fn code_sent(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert!(answer.location().starts_with("/confirm?"), "{}", answer.location());
}

#[test]
fn accept_language_japanese_is_stored_as_ja() {
    run(async {
        let rule = sign_up_with_locale(Some("ja"));
        let app = app(Pool::default(), &[&rule]).await;
        code_sent(&sign_up(&app, &mut Browser::default(), Some("ja-JP,ja;q=0.9,en-US;q=0.8")).await);
        assert_eq!(rule.num_calls(), 1);
    });
}

#[test]
fn the_language_cookie_wins_and_english_is_the_default() {
    run(async {
        let rule = sign_up_with_locale(Some("en"));
        let app = app(Pool::default(), &[&rule]).await;
        let mut browser = Browser::default();
        browser.cookies.insert("lang".into(), "en".into());
        code_sent(&sign_up(&app, &mut browser, Some("ja-JP,ja;q=0.9")).await);
        code_sent(&sign_up(&app, &mut Browser::default(), None).await);
        assert_eq!(rule.num_calls(), 2);
    });
}

#[test]
fn a_client_that_may_not_write_locale_still_signs_people_up() {
    run(async {
        let rule = sign_up_with_locale(None);
        let pool = Pool {
            write_attributes: Some(&["email", "name"]),
            ..Pool::default()
        };
        let app = app(pool, &[&rule]).await;
        code_sent(&sign_up(&app, &mut Browser::default(), Some("ja")).await);
        assert_eq!(rule.num_calls(), 1);
    });
}
