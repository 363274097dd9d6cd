//! Passkeys and e-mail codes (`USER_AUTH`) on AWS's wire shapes: no emulator has them. The whole
//! app runs in front of a mocked Cognito whose rules check each request as Cognito would — the
//! flow, `PREFERRED_CHALLENGE`, the `SELECT_CHALLENGE` answer, the credential passed through
//! unchanged, `SECRET_HASH` over the right username — and answer with Cognito's JSON documents
//! (`CREDENTIAL_REQUEST_OPTIONS`, `CredentialCreationOptions`) and exceptions.

use crate::common::*;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::complete_web_authn_registration::CompleteWebAuthnRegistrationOutput;
use aws_sdk_cognitoidentityprovider::operation::delete_web_authn_credential::DeleteWebAuthnCredentialOutput;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::list_web_authn_credentials::ListWebAuthnCredentialsOutput;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::operation::start_web_authn_registration::StartWebAuthnRegistrationOutput;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, WebAuthnCredentialDescription};
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_types::{DateTime, Document, Number};
use axum::http::StatusCode;
use cognito_auth::clock::Clock;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A server function's error as the browser gets it: the code, and the words in the request's
/// language (English here).
fn said(code: &str) -> Value {
    let error = leptos_cognito::error::AppError::from_code(code).expect("a code");
    json!({"error": code, "message": error.message(leptos_cognito::i18n::Language::English)})
}

const PASSWORDLESS: Pool = Pool {
    secret: true,
    rotation: false,
    write_attributes: None,
    mfa_required: false,
    passwordless: true,
    devices: false,
};

/// Cognito's `CREDENTIAL_REQUEST_OPTIONS` for an account with one passkey.
fn request_options() -> Value {
    json!({
        "challenge": "c3VwZXItc2VjcmV0LWNoYWxsZW5nZQ",
        "timeout": 180000,
        "rpId": "localhost",
        "allowCredentials": [{"type": "public-key", "id": "cGFzc2tleS0x", "transports": ["internal"]}],
        "userVerification": "required",
    })
}

/// What `navigator.credentials.get` gives, as `toJSON()` writes it (AuthenticationResponseJSON).
fn assertion() -> Value {
    json!({
        "id": "cGFzc2tleS0x",
        "rawId": "cGFzc2tleS0x",
        "type": "public-key",
        "authenticatorAttachment": "platform",
        "response": {
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
            "signature": "MEUCIQDsig",
            "userHandle": "dXNlci0x",
        },
        "clientExtensionResults": {},
    })
}

/// `InitiateAuth USER_AUTH` for [`EMAIL`] asking for `preferred`, with the hash over the e-mail.
fn user_auth(preferred: &'static str, answer: impl Fn() -> InitiateAuthOutput + Send + Sync + 'static) -> Rule {
    mock!(Client::initiate_auth)
        .match_requests(move |r| {
            let p = r.auth_parameters().unwrap();
            r.auth_flow() == Some(&AuthFlowType::UserAuth)
                && p.get("USERNAME").map(String::as_str) == Some(EMAIL)
                && p.get("PREFERRED_CHALLENGE").map(String::as_str) == Some(preferred)
                && p.get("SECRET_HASH").map(String::as_str) == Some(HASH_OF_EMAIL)
                && !p.contains_key("PASSWORD")
                && r.user_context_data().and_then(|u| u.ip_address()) == Some(CLIENT_IP)
        })
        .then_output(answer)
}

fn passkey_challenge() -> InitiateAuthOutput {
    InitiateAuthOutput::builder()
        .challenge_name(ChallengeNameType::WebAuthn)
        .session("session-1")
        .challenge_parameters("USERNAME", USER_ID)
        .challenge_parameters("CREDENTIAL_REQUEST_OPTIONS", request_options().to_string())
        .build()
}

/// The WEB_AUTHN answer: the credential exactly as the browser gave it, for the internal user.
fn passkey_answer() -> Rule {
    mock!(Client::respond_to_auth_challenge)
        .match_requests(|r| {
            let responses = r.challenge_responses().unwrap();
            let credential: Option<Value> = responses.get("CREDENTIAL").and_then(|c| serde_json::from_str(c).ok());
            r.challenge_name() == Some(&ChallengeNameType::WebAuthn)
                && r.session() == Some("session-1")
                && credential == Some(assertion())
                && answers_as_the_user(PASSWORDLESS, responses)
        })
        .then_output(tokens_answer)
}

fn tokens_answer() -> RespondToAuthChallengeOutput {
    RespondToAuthChallengeOutput::builder()
        .authentication_result(tokens(3600, Some("rt-1")))
        .build()
}

/// Step one as the script makes it: the options come back as JSON text, the challenge's
/// session into the encrypted cookie.
async fn options(app: &axum::Router, browser: &mut Browser) -> Answer {
    browser
        .fetch(app, "/auth/passkey-options", &[("email", EMAIL), ("next", "/account")])
        .await
}

#[test]
fn a_passkey_signs_in_and_the_session_is_the_servers() {
    run(async {
        let start = user_auth("WEB_AUTHN", passkey_challenge);
        let answer = passkey_answer();
        let app = app(PASSWORDLESS, &[&start, &answer]).await;
        let mut browser = Browser::default();

        // The sign-in page offers it, with the script that drives it, and the e-mail code.
        let page = browser.get(&app, "/sign-in").await;
        assert!(page.body.contains("Sign in with a passkey"), "{}", page.body);
        assert!(page.body.contains(r#"src="/passkeys.js""#));
        assert!(page.body.contains("E-mail me a code"));
        assert!(
            page.body
                .contains("Signing in with a passkey needs JavaScript and a browser with passkeys"),
            "the no-JS note"
        );

        let step = options(&app, &mut browser).await;
        assert_eq!(step.status, StatusCode::OK, "{}", step.body);
        let text: String = serde_json::from_str(&step.body).expect("a JSON string");
        let given: Value = serde_json::from_str(&text).expect("JSON options");
        assert_eq!(
            given,
            request_options(),
            "Cognito's options reach the browser unchanged"
        );
        assert!(
            step.sets("lc-passkey") && !step.sets("lc-sign-in"),
            "a cookie of its own"
        );
        assert!(
            !browser.cookies["lc-passkey"].contains("session-1"),
            "the session is encrypted"
        );
        assert!(!step.body.contains("session-1"), "the session never reaches the script");

        let done = browser
            .post(
                &app,
                "/auth/passkey-sign-in",
                &[("credential", &assertion().to_string())],
            )
            .await;
        signed_in(&done);
        assert_eq!(done.location(), "/account");
        assert!(done.removes("lc-passkey"));
        assert!(!done.body.contains("ey"), "no token in the answer");
    });
}

#[test]
fn a_person_who_did_not_choose_gets_select_challenge_answered_with_the_passkey() {
    run(async {
        let start = user_auth("WEB_AUTHN", || {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session("select-1")
                .challenge_parameters("USERNAME", USER_ID)
                .available_challenges(ChallengeNameType::Password)
                .available_challenges(ChallengeNameType::WebAuthn)
                .build()
        });
        let select = mock!(Client::respond_to_auth_challenge)
            .match_requests(|r| {
                let responses = r.challenge_responses().unwrap();
                r.challenge_name() == Some(&ChallengeNameType::SelectChallenge)
                    && r.session() == Some("select-1")
                    && responses.get("ANSWER").map(String::as_str) == Some("WEB_AUTHN")
                    && answers_as_the_user(PASSWORDLESS, responses)
            })
            .then_output(|| {
                RespondToAuthChallengeOutput::builder()
                    .challenge_name(ChallengeNameType::WebAuthn)
                    .session("session-1")
                    .challenge_parameters("USERNAME", USER_ID)
                    .challenge_parameters("CREDENTIAL_REQUEST_OPTIONS", request_options().to_string())
                    .build()
            });
        let answer = passkey_answer();
        let app = app(PASSWORDLESS, &[&start, &select, &answer]).await;
        let mut browser = Browser::default();
        let step = options(&app, &mut browser).await;
        assert_eq!(step.status, StatusCode::OK, "{}", step.body);
        let done = browser
            .post(
                &app,
                "/auth/passkey-sign-in",
                &[("credential", &assertion().to_string())],
            )
            .await;
        signed_in(&done);
    });
}

#[test]
fn an_address_without_a_passkey_is_told_so_and_nothing_more() {
    run(async {
        // Cognito offers what the account has; no WEB_AUTHN among it. An unknown address gets
        // the same answer from Cognito when it prevents user-existence errors.
        let start = user_auth("WEB_AUTHN", || {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session("select-1")
                .challenge_parameters("USERNAME", USER_ID)
                .available_challenges(ChallengeNameType::Password)
                .available_challenges(ChallengeNameType::EmailOtp)
                .build()
        });
        let app = app(PASSWORDLESS, &[&start]).await;
        let mut browser = Browser::default();
        let step = options(&app, &mut browser).await;
        assert_eq!(step.status, StatusCode::BAD_REQUEST);
        assert_eq!(serde_json::from_str::<Value>(&step.body).unwrap(), said("no_passkey"));
        assert!(!step.sets("lc-passkey"));
        // The page the script then shows.
        let page = browser
            .get(&app, "/sign-in?error=no_passkey&email=ada%40example.com")
            .await;
        assert!(
            page.body.contains("No passkey can be used for this e-mail address"),
            "{}",
            page.body
        );
    });
}

#[test]
fn cognitos_passkey_refusals_each_get_words_and_the_e_mail_is_kept() {
    for (exception, code, words) in [
        (
            "NotAuthorizedException",
            "passkey_refused",
            "That passkey was not accepted",
        ),
        (
            "WebAuthnCredentialNotSupportedException",
            "passkey_refused",
            "That passkey was not accepted",
        ),
        (
            "WebAuthnOriginNotAllowedException",
            "passkey_wrong_site",
            "belongs to a different web address",
        ),
        (
            "WebAuthnRelyingPartyMismatchException",
            "passkey_wrong_site",
            "belongs to a different web address",
        ),
        (
            "WebAuthnNotEnabledException",
            "passkeys_unavailable",
            "Passkeys are not available",
        ),
    ] {
        run(async {
            let start = user_auth("WEB_AUTHN", passkey_challenge);
            let refused = mock!(Client::respond_to_auth_challenge)
                .match_requests(|r| r.challenge_name() == Some(&ChallengeNameType::WebAuthn))
                .then_http_response(move || aws_error(exception, "refused"));
            let app = app(PASSWORDLESS, &[&start, &refused]).await;
            let mut browser = Browser::default();
            options(&app, &mut browser).await;
            let back = browser
                .post(
                    &app,
                    "/auth/passkey-sign-in",
                    &[("credential", &assertion().to_string())],
                )
                .await;
            assert_eq!(back.status, StatusCode::FOUND, "{exception}");
            assert_eq!(
                back.location(),
                format!("/sign-in?error={code}&email=ada%40example.com&next=%2Faccount"),
                "{exception}"
            );
            assert!(
                back.removes("lc-passkey"),
                "{exception}: a refused answer spends the session"
            );
            assert!(!back.sets("lc-session"));
            let page = browser.get(&app, back.location()).await;
            assert!(page.body.contains(words), "{exception}: {}", page.body);
            assert!(!page.body.contains(exception), "no exception name in the page");
        });
    }
}

#[test]
fn a_credential_that_is_not_json_never_reaches_cognito() {
    run(async {
        let start = user_auth("WEB_AUTHN", passkey_challenge);
        let app = app(PASSWORDLESS, &[&start]).await;
        let mut browser = Browser::default();
        options(&app, &mut browser).await;
        let back = browser
            .post(&app, "/auth/passkey-sign-in", &[("credential", "not json")])
            .await;
        assert!(
            back.location().starts_with("/sign-in?error=bad_request"),
            "{}",
            back.location()
        );
        // Without a pending passkey sign-in: back to the form, nothing sent.
        let back = browser
            .post(
                &app,
                "/auth/passkey-sign-in",
                &[("credential", &assertion().to_string())],
            )
            .await;
        assert!(
            back.location().starts_with("/sign-in?error=challenge_expired"),
            "{}",
            back.location()
        );
    });
}

#[test]
fn an_e_mailed_code_signs_in_without_a_password_after_a_wrong_one() {
    run(async {
        let start = user_auth("EMAIL_OTP", || {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::EmailOtp)
                .session("session-1")
                .challenge_parameters("USERNAME", USER_ID)
                .challenge_parameters("CODE_DELIVERY_DELIVERY_MEDIUM", "EMAIL")
                .challenge_parameters("CODE_DELIVERY_DESTINATION", "a***@e***.com")
                .build()
        });
        let code = |value: &'static str| {
            move |r: &aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeInput| {
                let responses = r.challenge_responses().unwrap();
                r.challenge_name() == Some(&ChallengeNameType::EmailOtp)
                    && r.session() == Some("session-1")
                    && responses.get("EMAIL_OTP_CODE").map(String::as_str) == Some(value)
                    && answers_as_the_user(PASSWORDLESS, responses)
            }
        };
        let wrong = mock!(Client::respond_to_auth_challenge)
            .match_requests(code("11111111"))
            .then_http_response(|| aws_error("CodeMismatchException", "Invalid code received for user"));
        let right = mock!(Client::respond_to_auth_challenge)
            .match_requests(code("12345678"))
            .then_output(tokens_answer);
        let app = app(PASSWORDLESS, &[&start, &wrong, &right]).await;
        let mut browser = Browser::default();

        // "E-mail me a code" posts the sign-in form (its password field may be empty) elsewhere.
        let sent = browser
            .post(
                &app,
                "/auth/sign-in-email-code",
                &[("email", EMAIL), ("password", ""), ("next", "")],
            )
            .await;
        assert_eq!(sent.location(), "/sign-in/code");
        let page = browser.get(&app, "/sign-in/code").await;
        assert!(page.body.contains("Enter your sign-in code"), "{}", page.body);
        // The address as typed, masked by the app (a decoy's page reads the same).
        assert!(
            page.body.contains("We sent a sign-in code to a***@e***."),
            "{}",
            page.body
        );

        let again = browser.post(&app, "/auth/mfa-code", &[("code", "11111111")]).await;
        assert_eq!(again.location(), "/sign-in/code?error=wrong_mfa_code");
        let done = browser.post(&app, "/auth/mfa-code", &[("code", "12345678")]).await;
        signed_in(&done);
        assert_eq!(done.location(), "/protected");

        // Inbox access alone is not "the password typed just now": no passkey without it.
        let step = browser.fetch(&app, "/auth/account-passkey-options", &[]).await;
        assert_eq!(
            serde_json::from_str::<Value>(&step.body).unwrap(),
            said("reauth_required")
        );
    });
}

#[test]
fn an_address_cognito_sends_no_code_to_gets_the_same_page_and_every_code_is_wrong() {
    // Cognito's answer to an unknown address (with user-existence errors prevented) is a
    // challenge picked at random among the pool's: here the password; an account-only refusal
    // (too many codes) gets the decoy too. And a real code, for comparison: "EMAIL_OTP".
    let mut pages = vec![];
    let mut cookie_lengths = vec![];
    for answer in ["PASSWORD", "SELECT_CHALLENGE", "LimitExceededException", "EMAIL_OTP"] {
        run(async {
            let start = user_auth("EMAIL_OTP", move || {
                let mut out = InitiateAuthOutput::builder()
                    // As long as Cognito's sessions are (about a thousand characters).
                    .session(format!("AYABe{}", "x".repeat(995)))
                    .challenge_parameters("USERNAME", USER_ID);
                out = match answer {
                    "PASSWORD" => out.challenge_name(ChallengeNameType::Password),
                    "EMAIL_OTP" => out
                        .challenge_name(ChallengeNameType::EmailOtp)
                        // Cognito's own mask, which must not reach the page.
                        .challenge_parameters("CODE_DELIVERY_DESTINATION", "a***@e***.com"),
                    _ => out
                        .challenge_name(ChallengeNameType::SelectChallenge)
                        .available_challenges(ChallengeNameType::Password),
                };
                out.build()
            });
            let too_many = mock!(Client::initiate_auth)
                .then_http_response(|| aws_error("LimitExceededException", "Attempt limit exceeded"));
            let wrong_code = mock!(Client::respond_to_auth_challenge)
                .then_http_response(|| aws_error("CodeMismatchException", "Invalid code received for user"));
            let rules: Vec<&aws_smithy_mocks::Rule> = match answer {
                "LimitExceededException" => vec![&too_many],
                // Only the real code is ever checked by Cognito.
                "EMAIL_OTP" => vec![&start, &wrong_code],
                _ => vec![&start],
            };
            let app = app(PASSWORDLESS, &rules).await;
            let mut browser = Browser::default();
            // Never faster than a real code's request: the decoy's answer is padded.
            let started = std::time::Instant::now();
            let sent = browser
                .post(&app, "/auth/sign-in-email-code", &[("email", EMAIL)])
                .await;
            assert!(started.elapsed() >= std::time::Duration::from_millis(1500), "{answer}");
            assert_eq!(sent.location(), "/sign-in/code", "{answer}");
            // The sealed step is as long for a decoy as for a real code.
            let sealed = sent
                .set_cookies()
                .into_iter()
                .find(|c| c.starts_with("lc-sign-in="))
                .expect("the step's cookie");
            // (As sealed: percent-encoding makes the header's length vary with the random bytes.)
            let pair = sealed.split(';').next().expect("pair");
            cookie_lengths.push(pair.len() - 2 * pair.matches('%').count());
            let before_any_guess = browser.clone();
            let page = browser.get(&app, "/sign-in/code").await;
            assert!(page.body.contains("Enter your sign-in code"), "{answer}: {}", page.body);
            let intro = page
                .body
                .split(r#"<p id="code-intro">"#)
                .nth(1)
                .and_then(|r| r.split("</p>").next());
            assert_eq!(
                intro,
                Some("We sent a sign-in code to a***@e***. Enter it below.<!>"),
                "{answer}"
            );
            pages.push(intro.map(str::to_owned));
            // Wrong, and wrong, and wrong: then a new code, for the decoy as for a real one.
            for n in 0..2 {
                let started = std::time::Instant::now();
                let wrong = browser.post(&app, "/auth/mfa-code", &[("code", "12345678")]).await;
                assert!(started.elapsed() >= std::time::Duration::from_millis(600), "{answer}");
                assert_eq!(wrong.location(), "/sign-in/code?error=wrong_mfa_code", "{answer} {n}");
            }
            let third = browser.post(&app, "/auth/mfa-code", &[("code", "12345678")]).await;
            assert!(
                third
                    .location()
                    .starts_with("/sign-in?error=code_attempts_used&email=ada%40example.com"),
                "{answer}: {}",
                third.location()
            );
            // A copy of the step's cookie from before the first guess gets no more tries.
            let mut replayed = before_any_guess;
            let again = replayed.post(&app, "/auth/mfa-code", &[("code", "12345678")]).await;
            assert!(
                again.location().starts_with("/sign-in?error=code_attempts_used"),
                "{answer}: {}",
                again.location()
            );
            if answer == "EMAIL_OTP" {
                assert_eq!(wrong_code.num_calls(), 3, "the copy never reached Cognito");
            }
        });
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]), "{pages:?}");
    assert!(cookie_lengths.windows(2).all(|w| w[0] == w[1]), "{cookie_lengths:?}");
}

#[test]
fn code_emails_are_capped_per_address_and_asking_for_a_passkey_is_no_guess() {
    run(async {
        let start = user_auth("EMAIL_OTP", || {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::EmailOtp)
                .session("session-1")
                .challenge_parameters("USERNAME", USER_ID)
                .build()
        });
        let passkey = user_auth("WEB_AUTHN", passkey_challenge);
        let forgot = mock!(Client::forgot_password).then_output(|| {
            aws_sdk_cognitoidentityprovider::operation::forgot_password::ForgotPasswordOutput::builder().build()
        });
        let state = state(
            PASSWORDLESS,
            &[&start, &passkey, &forgot],
            &[
                ("RATE_LIMIT_EMAIL_PER_MINUTE", "3"),
                ("RATE_LIMIT_CODE_EMAILS_PER_DAY", "2"),
            ],
        )
        .await
        .unwrap();
        let app = leptos_cognito::router::router(state);
        let mut browser = Browser::default();
        // Asking for a passkey's options, however often, locks nobody out of their passkey.
        for _ in 0..6 {
            assert_eq!(options(&app, &mut browser).await.status, StatusCode::OK);
        }
        // Each code is an e-mail to the person's inbox: two a day here, then a wait.
        for _ in 0..2 {
            let sent = browser
                .post(&app, "/auth/sign-in-email-code", &[("email", EMAIL)])
                .await;
            assert_eq!(sent.location(), "/sign-in/code");
        }
        let limited = browser
            .post(&app, "/auth/sign-in-email-code", &[("email", EMAIL)])
            .await;
        assert!(
            limited
                .location()
                .starts_with("/sign-in?error=rate_limited&retry_after="),
            "{}",
            limited.location()
        );
        let seconds: u64 = limited
            .location()
            .split("retry_after=")
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(seconds > 3600, "a day's budget comes back over the day: {seconds}");
        // A password reset has a budget of its own: sign-in codes cannot use it up.
        let reset = browser.post(&app, "/auth/forgot-password", &[("email", EMAIL)]).await;
        assert_eq!(reset.location(), "/forgot-password?email=ada%40example.com&step=reset");
        assert_eq!(options(&app, &mut browser).await.status, StatusCode::OK);
    });
}

#[test]
fn a_pool_without_passwordless_sign_in_looks_as_before_and_refuses_it() {
    run(async {
        let app = app(Pool::default(), &[]).await;
        let mut browser = Browser::default();
        let page = browser.get(&app, "/sign-in").await;
        assert!(
            !page.body.contains("Sign in with a passkey")
                && !page.body.contains("passkeys.js")
                && !page.body.contains("E-mail me a code"),
            "{}",
            page.body
        );
        let step = options(&app, &mut browser).await;
        assert_eq!(
            serde_json::from_str::<Value>(&step.body).unwrap(),
            said("passkeys_unavailable")
        );
        let sent = browser
            .post(&app, "/auth/sign-in-email-code", &[("email", EMAIL)])
            .await;
        assert!(
            sent.location().starts_with("/sign-in?error=method_unavailable"),
            "{}",
            sent.location()
        );
    });
}

// --- the account page's passkeys ------------------------------------------------------------

fn password_sign_in() -> Rule {
    mock!(Client::initiate_auth)
        .match_requests(|r| r.auth_flow() == Some(&AuthFlowType::UserPasswordAuth))
        .sequence()
        .output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(tokens(3600, Some("rt-1")))
                .build()
        })
        .repeatedly()
        .build()
}

/// Cognito's `CredentialCreationOptions`, as the SDK hands them over: a `Document`.
fn creation_options() -> Document {
    let s = |v: &str| Document::String(v.to_owned());
    let object = |pairs: Vec<(&str, Document)>| {
        Document::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<HashMap<_, _>>(),
        )
    };
    object(vec![
        ("challenge", s("cmVnaXN0cmF0aW9u")),
        ("rp", object(vec![("id", s("localhost")), ("name", s("Example App"))])),
        (
            "user",
            object(vec![
                ("id", s("dXNlci0x")),
                ("name", s(EMAIL)),
                ("displayName", s(EMAIL)),
            ]),
        ),
        (
            "pubKeyCredParams",
            Document::Array(vec![
                object(vec![
                    ("type", s("public-key")),
                    ("alg", Document::Number(Number::NegInt(-7))),
                ]),
                object(vec![
                    ("type", s("public-key")),
                    ("alg", Document::Number(Number::NegInt(-257))),
                ]),
            ]),
        ),
        ("timeout", Document::Number(Number::PosInt(300000))),
        ("excludeCredentials", Document::Array(vec![])),
        (
            "authenticatorSelection",
            object(vec![
                ("residentKey", s("required")),
                ("userVerification", s("required")),
            ]),
        ),
    ])
}

fn attestation() -> Value {
    json!({
        "id": "bmV3LXBhc3NrZXk",
        "rawId": "bmV3LXBhc3NrZXk",
        "type": "public-key",
        "authenticatorAttachment": "cross-platform",
        "response": {
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
            "attestationObject": "o2NmbXRkbm9uZQ",
            "transports": ["usb"],
        },
        "clientExtensionResults": {"credProps": {"rk": true}},
    })
}

#[test]
fn a_signed_in_person_adds_lists_and_removes_passkeys() {
    run(async {
        let sign_in = password_sign_in();
        let user = get_user();
        let start = mock!(Client::start_web_authn_registration)
            .match_requests(|r| r.access_token().is_some_and(|t| t.starts_with("ey")))
            .then_output(|| {
                StartWebAuthnRegistrationOutput::builder()
                    .credential_creation_options(creation_options())
                    .build()
                    .unwrap()
            });
        let complete = mock!(Client::complete_web_authn_registration)
            .match_requests(|r| {
                r.access_token().is_some_and(|t| t.starts_with("ey"))
                    && r.credential().map(cognito_auth::cognito::to_json) == Some(attestation())
            })
            .then_output(|| CompleteWebAuthnRegistrationOutput::builder().build());
        let list = mock!(Client::list_web_authn_credentials)
            .sequence()
            .output(|| {
                ListWebAuthnCredentialsOutput::builder()
                    .credentials(
                        WebAuthnCredentialDescription::builder()
                            .credential_id("bmV3LXBhc3NrZXk")
                            .friendly_credential_name("YubiKey 5")
                            .relying_party_id("localhost")
                            .authenticator_attachment("cross-platform")
                            .authenticator_transports("usb")
                            .created_at(DateTime::from_secs(now() - 120))
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap()
            })
            .repeatedly()
            .build();
        let delete = mock!(Client::delete_web_authn_credential)
            .match_requests(|r| r.credential_id() == Some("bmV3LXBhc3NrZXk"))
            .then_output(|| DeleteWebAuthnCredentialOutput::builder().build());
        let app = app(PASSWORDLESS, &[&sign_in, &user, &start, &complete, &list, &delete]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);

        let step = browser.fetch(&app, "/auth/account-passkey-options", &[]).await;
        assert_eq!(step.status, StatusCode::OK, "{}", step.body);
        let text: String = serde_json::from_str(&step.body).unwrap();
        let given: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(given, cognito_auth::cognito::to_json(&creation_options()));
        assert_eq!(
            given["pubKeyCredParams"][0]["alg"],
            json!(-7),
            "numbers keep their sign"
        );

        let added = browser
            .post(
                &app,
                "/auth/account-passkey-add",
                &[("credential", &attestation().to_string())],
            )
            .await;
        assert_eq!(added.location(), "/account?notice=passkey_added");

        let page = browser.get(&app, "/account?notice=passkey_added").await;
        assert!(page.body.contains("Your passkey is added"), "{}", page.body);
        assert!(page.body.contains("YubiKey 5") && page.body.contains("Security key or phone"));
        assert!(page.body.contains("2 minutes ago"));
        assert!(page.body.contains(r#"aria-label="Remove YubiKey 5""#));
        assert!(
            page.body.contains(r#"data-passkey="add""#),
            "the add button, for the script"
        );

        let removed = browser
            .post(&app, "/auth/account-passkey-delete", &[("id", "bmV3LXBhc3NrZXk")])
            .await;
        assert_eq!(removed.location(), "/account?notice=passkey_deleted");
        let odd = browser
            .post(&app, "/auth/account-passkey-delete", &[("id", "../../etc")])
            .await;
        assert_eq!(odd.location(), "/account?error=bad_request&form=passkeys");
    });
}

#[test]
fn adding_a_passkey_needs_the_password_again_and_says_what_went_wrong() {
    run(async {
        let sign_in = password_sign_in();
        let user = get_user();
        let start = mock!(Client::start_web_authn_registration).then_output(|| {
            StartWebAuthnRegistrationOutput::builder()
                .credential_creation_options(creation_options())
                .build()
                .unwrap()
        });
        let late = mock!(Client::complete_web_authn_registration)
            .then_http_response(|| aws_error("WebAuthnChallengeNotFoundException", "no challenge"));
        let list = mock!(Client::list_web_authn_credentials)
            .sequence()
            .output(|| {
                ListWebAuthnCredentialsOutput::builder()
                    .set_credentials(Some(vec![]))
                    .build()
                    .unwrap()
            })
            .repeatedly()
            .build();
        let clock = Clock::manual_now();
        let state = state_on(
            PASSWORDLESS,
            &[&sign_in, &user, &start, &late, &list],
            &[("REAUTH_WINDOW_SECS", "60")],
            clock.clone(),
        )
        .await
        .unwrap();
        let app = leptos_cognito::router::router(state);
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);

        let late_answer = browser
            .post(
                &app,
                "/auth/account-passkey-add",
                &[("credential", &attestation().to_string())],
            )
            .await;
        assert_eq!(late_answer.location(), "/account?error=passkey_expired&form=passkeys");
        let page = browser.get(&app, "/account?error=passkey_expired&form=passkeys").await;
        assert!(page.body.contains("That took too long"), "{}", page.body);
        assert!(page.body.contains("You have no passkeys yet"));

        // Past the window: the password again, first.
        clock.advance(std::time::Duration::from_secs(61));
        let step = browser.fetch(&app, "/auth/account-passkey-options", &[]).await;
        assert_eq!(
            serde_json::from_str::<Value>(&step.body).unwrap(),
            said("reauth_required")
        );
        let page = browser.get(&app, "/account").await;
        assert!(
            page.body
                .contains("To add or remove a passkey, confirm your password above first")
        );
        assert!(!page.body.contains(r#"data-passkey="add""#));
    });
}
