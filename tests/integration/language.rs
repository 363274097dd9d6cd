//! The person's language is stored at sign-up in Cognito's `locale` attribute, for the
//! CustomMessage trigger: chosen by the `lang` cookie, else `Accept-Language`, else English —
//! and left out when the app client may not write it (Cognito would refuse the whole sign-up).
//! Pages are rendered in that language on the server, and the header's switch (a plain form
//! post) keeps a choice in the cookie and, for a signed-in person, in `locale`.

use crate::common::*;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::sign_up::{SignUpInput, SignUpOutput};
use aws_sdk_cognitoidentityprovider::operation::update_user_attributes::UpdateUserAttributesOutput;
use aws_smithy_mocks::{Rule, mock};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos_cognito::error::{AppError, AuthError};
use leptos_cognito::i18n::Language;
use serde_json::Value;

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

async fn page(app: &axum::Router, browser: &mut Browser, path: &str, accept_language: &str) -> Answer {
    let request = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_LANGUAGE, accept_language);
    browser.send(app, request, Body::empty()).await
}

#[test]
fn pages_are_rendered_in_the_language_of_the_request() {
    run(async {
        let app = app(Pool::default(), &[]).await;
        let japanese = page(&app, &mut Browser::default(), "/sign-in", "ja-JP,ja;q=0.9,en;q=0.8").await;
        assert_eq!(japanese.status, StatusCode::OK);
        assert!(japanese.body.contains(r#"<html lang="ja""#));
        assert!(
            japanese.body.contains("<title>サインイン · leptos-cognito</title>"),
            "{}",
            japanese.body
        );
        assert!(japanese.body.contains(">パスワードをお忘れですか？<"));
        assert!(!japanese.body.contains("Forgot your password?"));
        let vary = japanese
            .headers
            .get(header::VARY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(vary.contains("Accept-Language") && vary.contains("Cookie"), "{vary}");

        let english = page(&app, &mut Browser::default(), "/sign-in", "fr-FR, de;q=0.9").await;
        assert!(english.body.contains(r#"<html lang="en""#));
        assert!(english.body.contains("<title>Sign in · leptos-cognito</title>"));
    });
}

#[test]
fn an_error_after_a_post_without_javascript_is_shown_in_the_language_of_the_page() {
    run(async {
        let app = app(Pool::default(), &[]).await;
        let answer = page(
            &app,
            &mut Browser::default(),
            "/sign-in?error=invalid_credentials",
            "ja",
        )
        .await;
        // In the form's banner (`>…<`: the element's text, not the attribute the island reads).
        assert!(
            answer
                .body
                .contains(">メールアドレスまたはパスワードが正しくありません。<"),
            "{}",
            answer.body
        );
        let answer = page(
            &app,
            &mut Browser::default(),
            "/sign-in?error=rate_limited&retry_after=42",
            "ja",
        )
        .await;
        assert!(answer.body.contains("42秒待ってから"), "{}", answer.body);
    });
}

#[test]
fn the_switch_keeps_the_choice_and_comes_back_to_the_same_page() {
    run(async {
        let app = app(Pool::default(), &[]).await;
        let mut browser = Browser::default();
        let answer = browser
            .post(
                &app,
                "/auth/language",
                &[("lang", "ja"), ("next", "/sign-in?email=a%40example.com")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
        assert_eq!(answer.location(), "/sign-in?email=a%40example.com");
        let cookie = answer
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("lang="))
            .expect("lang cookie");
        assert!(
            cookie.starts_with("lang=ja;") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        // The choice wins over the browser's languages, both ways.
        let answer = page(&app, &mut browser, "/sign-in", "en-US,en;q=0.9").await;
        assert!(answer.body.contains(r#"<html lang="ja""#));
        browser
            .post(&app, "/auth/language", &[("lang", "en"), ("next", "/")])
            .await;
        let answer = page(&app, &mut browser, "/", "ja").await;
        assert!(answer.body.contains(r#"<html lang="en""#));

        // Somewhere else than this site, or a language we do not have: nothing leaves the site.
        let answer = browser
            .post(&app, "/auth/language", &[("lang", "ja"), ("next", "//evil.example/")])
            .await;
        assert!(
            answer.location().starts_with('/') && !answer.location().starts_with("//"),
            "{}",
            answer.location()
        );
        let answer = browser
            .post(&app, "/auth/language", &[("lang", "tlh"), ("next", "/sign-up")])
            .await;
        assert_eq!(answer.location(), "/sign-up");
        assert!(!answer.sets("lang"));
    });
}

#[test]
fn switching_while_signed_in_stores_the_language_in_locale() {
    run(async {
        let sign_in = mock!(Client::initiate_auth).then_output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(tokens(3600, Some("rt-1")))
                .build()
        });
        let update = mock!(Client::update_user_attributes)
            .match_requests(|r| {
                r.access_token().is_some_and(|t| t.starts_with("ey"))
                    && r.user_attributes()
                        .iter()
                        .any(|a| a.name() == "locale" && a.value() == Some("ja"))
            })
            .then_output(|| UpdateUserAttributesOutput::builder().build());
        let app = app(Pool::default(), &[&sign_in, &update]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser
            .post(&app, "/auth/language", &[("lang", "ja"), ("next", "/account")])
            .await;
        assert_eq!(answer.location(), "/account");
        assert_eq!(update.num_calls(), 1);
    });
}

/// The browser holds no table of messages: a server function's error comes with its words, in
/// the language of the request that got it — from the function itself, from a refusal made
/// before it ran, and in what an island starts with.
#[test]
fn an_error_comes_with_its_words_in_the_language_of_the_request() {
    run(async {
        let app = app(Pool::default(), &[]).await;
        let call = |body: String, accept_language: &'static str| {
            let app = app.clone();
            async move {
                let request = Request::post("/auth/sign-in")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::ACCEPT, "application/json")
                    .header(header::ACCEPT_LANGUAGE, accept_language);
                Browser::default().send(&app, request, Body::from(body)).await
            }
        };
        // A malformed address reads like a wrong password at sign-in.
        let bad_address = "email=not-an-address&password=x".to_owned();
        let japanese = call(bad_address.clone(), "ja").await;
        assert_eq!(japanese.status, StatusCode::UNAUTHORIZED, "{}", japanese.body);
        assert_eq!(json(&japanese)["error"], "invalid_credentials");
        assert_eq!(
            json(&japanese)["message"],
            AppError::new(AuthError::InvalidCredentials).message(Language::Japanese)
        );
        let english = call(bad_address, "en-GB").await;
        assert_eq!(
            json(&english)["message"],
            AppError::new(AuthError::InvalidCredentials).message(Language::English)
        );

        // Refused before the function ran: too large.
        let too_large = call(format!("email={}&password=x", "a".repeat(100 * 1024)), "ja").await;
        assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", too_large.body);
        assert_eq!(
            json(&too_large)["message"],
            AppError::new(AuthError::TooLarge).message(Language::Japanese)
        );

        // What an island starts with: the error the page was loaded with, said in the page's
        // language — in a lazy island's props, and beside the sign-in form, whose island reads
        // it from the page (`pages::sign_in`'s `SignInStart`).
        let words = AppError::new(AuthError::WrongCode).message(Language::Japanese);
        let confirm = page(
            &app,
            &mut Browser::default(),
            "/confirm?email=ada%40example.com&error=wrong_code",
            "ja",
        )
        .await;
        let props = format!("&quot;message&quot;:&quot;{words}&quot;");
        assert!(confirm.body.contains(&props), "no {props} in {}", confirm.body);
        let sign_in = page(
            &app,
            &mut Browser::default(),
            "/sign-in?error=wrong_code&email=ada%40example.com",
            "ja",
        )
        .await;
        let start =
            format!(r#"data-email="ada@example.com" data-next="" data-error="wrong_code" data-message="{words}""#);
        assert!(sign_in.body.contains(&start), "no {start} in {}", sign_in.body);
        assert!(
            !sign_in.body.contains("data-props"),
            "the sign-in form's island has props"
        );
    });
}

fn json(answer: &Answer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or(Value::Null)
}
