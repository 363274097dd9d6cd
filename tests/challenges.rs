//! Pools the emulator cannot be: app clients with a secret, every sign-in challenge, refresh-
//! token rotation. The whole app (router, server functions, cookies) runs in front of a mocked
//! Cognito client (`aws-smithy-mocks`) whose rules check each request the way real Cognito
//! would — the exact `SECRET_HASH`, the internal username, the challenge's session, the
//! client's IP — and answer in AWS's shapes (errors as they come over the wire).
#![cfg(feature = "ssr")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::associate_software_token::AssociateSoftwareTokenOutput;
use aws_sdk_cognitoidentityprovider::operation::describe_user_pool::DescribeUserPoolOutput;
use aws_sdk_cognitoidentityprovider::operation::describe_user_pool_client::DescribeUserPoolClientOutput;
use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::operation::verify_software_token::VerifySoftwareTokenOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AuthenticationResultType, ChallengeNameType, ExplicitAuthFlowsType, FeatureType, PreventUserExistenceErrorTypes,
    RefreshTokenRotationType, SoftwareTokenMfaConfigType, UserPoolClientType, UserPoolMfaType,
    VerifySoftwareTokenResponseType,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::body::SdkBody;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine as _;
use leptos::config::LeptosOptions;
use leptos_cognito::config::Config;
use leptos_cognito::state::{AppState, StartError};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use tower::ServiceExt;

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "Correct-Horse-9";
const CLIENT_ID: &str = "client-1";
const SECRET: &str = "a-client-secret";
/// The user's internal username (`USER_ID_FOR_SRP`, the access token's `username`).
const USER_ID: &str = "7d5f3c1e-0000-4000-8000-000000000001";
/// `SECRET_HASH` of [`EMAIL`] and of [`USER_ID`] for [`SECRET`] and [`CLIENT_ID`], computed
/// with Python's `hmac` module (see `src/auth/secret_hash.rs`).
const HASH_OF_EMAIL: &str = "3vhXcvP8EL3aaAJwI2IWfzsQ2Bqalmj5KvKoN99jBx0=";
const HASH_OF_USER_ID: &str = "DvuW5Ya1zRD5eCBbFrt3RhFWVICzvQdoT8aE8xvXEyo=";
/// The client's address, as the load balancer reports it.
const CLIENT_IP: &str = "203.0.113.7";
const SESSION_KEY: &str = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMw==";

// --- the pool ---------------------------------------------------------------------------------

/// How the mocked app client is set up.
#[derive(Clone, Copy, Default)]
struct Pool {
    secret: bool,
    rotation: bool,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn jwt(claims: Value) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"RS256","kid":"k"}"#),
        b64(claims.to_string().as_bytes())
    )
}

/// Tokens as Cognito issues them for [`USER_ID`], expiring in `seconds`.
fn tokens(seconds: i64, refresh_token: Option<&str>) -> AuthenticationResultType {
    let exp = now() + seconds;
    let access = jwt(json!({ "sub": USER_ID, "username": USER_ID, "exp": exp, "token_use": "access" }));
    let id = jwt(json!({ "sub": USER_ID, "cognito:username": USER_ID, "email": EMAIL, "exp": exp }));
    let mut result = AuthenticationResultType::builder()
        .access_token(access)
        .id_token(id)
        .expires_in(3600)
        .token_type("Bearer");
    if let Some(rt) = refresh_token {
        result = result.refresh_token(rt);
    }
    result.build()
}

/// An error as Cognito sends it over the wire.
fn aws_error(exception: &str, message: &str) -> HttpResponse {
    let body = json!({ "__type": exception, "message": message }).to_string();
    let mut response = HttpResponse::new(400.try_into().unwrap(), SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    response.headers_mut().insert("x-amzn-requestid", "mock-request");
    response
}

/// The calls the server makes at start-up, answered for `pool` as often as asked.
fn start_up_rules(pool: Pool) -> Vec<Rule> {
    let describe_pool = mock!(Client::describe_user_pool)
        .sequence()
        .output(|| DescribeUserPoolOutput::builder().build())
        .repeatedly()
        .build();
    let mfa = mock!(Client::get_user_pool_mfa_config)
        .sequence()
        .output(|| {
            GetUserPoolMfaConfigOutput::builder()
                .mfa_configuration(UserPoolMfaType::Optional)
                .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
                .build()
        })
        .repeatedly()
        .build();
    let describe_client = mock!(Client::describe_user_pool_client)
        .sequence()
        .output(move || {
            let mut client = UserPoolClientType::builder()
                .client_id(CLIENT_ID)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
                .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
                .enable_token_revocation(true)
                .access_token_validity(1)
                .refresh_token_validity(30)
                .auth_session_validity(3);
            if pool.secret {
                client = client.client_secret(SECRET);
            }
            if pool.rotation {
                client = client.refresh_token_rotation(
                    RefreshTokenRotationType::builder()
                        .feature(FeatureType::Enabled)
                        .retry_grace_period_seconds(10)
                        .build()
                        .unwrap(),
                );
            }
            DescribeUserPoolClientOutput::builder()
                .user_pool_client(client.build())
                .build()
        })
        .repeatedly()
        .build();
    vec![describe_pool, mfa, describe_client]
}

fn config(pool: Pool, extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_Test1"),
        ("COGNITO_CLIENT_ID", CLIENT_ID),
        ("COGNITO_ISSUER", "http://127.0.0.1:1/eu-west-1_Test1"),
        ("SESSION_KEY", SESSION_KEY),
        ("TRUSTED_PROXY_HEADER", "x-forwarded-for"),
        ("RATE_LIMIT_IP_PER_MINUTE", "1000"),
        ("RATE_LIMIT_EMAIL_PER_MINUTE", "1000"),
        ("APP_NAME", "Example App"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    if pool.secret {
        vars.insert("COGNITO_CLIENT_SECRET".into(), SECRET.into());
    }
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_lookup(|k| vars.get(k).cloned()).expect("config")
}

async fn state(pool: Pool, rules: &[&Rule], extra: &[(&str, &str)]) -> Result<AppState, StartError> {
    let start_up = start_up_rules(pool);
    let all: Vec<&Rule> = start_up.iter().chain(rules.iter().copied()).collect();
    let client: Client = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, all);
    let options = LeptosOptions::builder().output_name("leptos-cognito").build();
    AppState::with_client(config(pool, extra), options, client).await
}

async fn app(pool: Pool, rules: &[&Rule]) -> Router {
    leptos_cognito::server::router(state(pool, rules, &[]).await.expect("state"))
}

// --- a browser without JavaScript -------------------------------------------------------------

/// What a browser keeps: the cookies the server set.
#[derive(Clone, Default)]
struct Browser {
    cookies: BTreeMap<String, String>,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
    fn sets(&self, name: &str) -> bool {
        self.set_cookies()
            .iter()
            .any(|c| c.starts_with(&format!("{name}=")) && !c.contains("Max-Age=0"))
    }
    fn removes(&self, name: &str) -> bool {
        self.set_cookies()
            .iter()
            .any(|c| c.starts_with(&format!("{name}=")) && c.contains("Max-Age=0"))
    }
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, answer: &Answer) {
        for cookie in answer.set_cookies() {
            let pair = cookie.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn send(&mut self, app: &Router, request: axum::http::request::Builder, body: Body) -> Answer {
        let request = request
            .header(header::COOKIE, self.cookie_header())
            .header("x-forwarded-for", CLIENT_IP)
            .body(body)
            .unwrap();
        let response = app.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let answer = Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        self.keep(&answer);
        answer
    }

    /// A form posted the way a browser without JavaScript posts it.
    async fn post(&mut self, app: &Router, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(form).unwrap();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        self.send(app, request, Body::from(body)).await
    }

    async fn get(&mut self, app: &Router, path: &str) -> Answer {
        self.send(
            app,
            Request::get(path).header(header::ACCEPT, "text/html"),
            Body::empty(),
        )
        .await
    }

    async fn sign_in(&mut self, app: &Router) -> Answer {
        self.post(app, "/auth/sign-in", &[("email", EMAIL), ("password", PASSWORD)])
            .await
    }
}

fn signed_in(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert!(
        answer.sets("lc-session") && answer.sets("lc-refresh"),
        "{:?}",
        answer.set_cookies()
    );
}

/// An InitiateAuth answer with a challenge (USER_PASSWORD_AUTH for [`EMAIL`]).
fn sign_in_rule(pool: Pool, challenge: ChallengeNameType, params: &[(&str, &str)]) -> Rule {
    let params: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    mock!(Client::initiate_auth)
        .match_requests(move |r| {
            let p = r.auth_parameters().unwrap();
            let hash_ok = if pool.secret {
                // Sign-in names the user as typed: the hash is over the e-mail.
                p.get("SECRET_HASH").map(String::as_str) == Some(HASH_OF_EMAIL)
            } else {
                !p.contains_key("SECRET_HASH")
            };
            p.get("USERNAME").map(String::as_str) == Some(EMAIL)
                && p.get("PASSWORD").map(String::as_str) == Some(PASSWORD)
                && hash_ok
                && r.user_context_data().and_then(|u| u.ip_address()) == Some(CLIENT_IP)
        })
        .then_output(move || {
            let mut out = InitiateAuthOutput::builder()
                .challenge_name(challenge.clone())
                .session("session-1")
                .challenge_parameters("USER_ID_FOR_SRP", USER_ID);
            for (k, v) in &params {
                out = out.challenge_parameters(k, v);
            }
            out.build()
        })
}

/// Whether a challenge answer is for [`USER_ID`] (never the e-mail) with the right hash.
fn answers_as_the_user(pool: Pool, responses: &HashMap<String, String>) -> bool {
    let hash = responses.get("SECRET_HASH").map(String::as_str);
    responses.get("USERNAME").map(String::as_str) == Some(USER_ID)
        && if pool.secret {
            hash == Some(HASH_OF_USER_ID)
        } else {
            hash.is_none()
        }
}

// --- the challenges -----------------------------------------------------------------------------

#[tokio::test]
async fn an_authenticator_code_signs_in_with_a_client_secret_after_a_wrong_one() {
    let pool = Pool {
        secret: true,
        ..Pool::default()
    };
    let sign_in = sign_in_rule(pool, ChallengeNameType::SoftwareTokenMfa, &[]);
    let wrong = mock!(Client::respond_to_auth_challenge)
        .match_requests(|r| r.challenge_responses().unwrap()["SOFTWARE_TOKEN_MFA_CODE"] == "000000")
        .then_http_response(|| aws_error("CodeMismatchException", "Invalid code received for user"));
    let right = mock!(Client::respond_to_auth_challenge)
        .match_requests(move |r| {
            let responses = r.challenge_responses().unwrap();
            r.challenge_name() == Some(&ChallengeNameType::SoftwareTokenMfa)
                && r.session() == Some("session-1")
                && responses.get("SOFTWARE_TOKEN_MFA_CODE").map(String::as_str) == Some("123456")
                && answers_as_the_user(pool, responses)
                && r.user_context_data().and_then(|u| u.ip_address()) == Some(CLIENT_IP)
        })
        .then_output(|| {
            RespondToAuthChallengeOutput::builder()
                .authentication_result(tokens(3600, Some("rt-1")))
                .build()
        });
    let app = app(pool, &[&sign_in, &wrong, &right]).await;
    let mut browser = Browser::default();

    let answer = browser.sign_in(&app).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.location(), "/sign-in/code");
    assert!(answer.sets("lc-sign-in"), "{:?}", answer.set_cookies());
    assert!(!answer.sets("lc-session"), "no session before the second step");
    let pending = &browser.cookies["lc-sign-in"];
    assert!(
        !pending.contains("session-1") && !pending.contains(USER_ID),
        "the cookie is encrypted"
    );
    assert!(
        answer
            .set_cookies()
            .iter()
            .any(|c| c.contains("HttpOnly") && c.contains("Max-Age=180"))
    );

    let page = browser.get(&app, "/sign-in/code").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Open your authenticator app"), "{}", page.body);
    assert!(page.body.contains(EMAIL));
    assert!(!page.body.contains("session-1") && !page.body.contains(SECRET));
    assert_eq!(page.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");

    let answer = browser.post(&app, "/auth/mfa-code", &[("code", "000000")]).await;
    assert_eq!(answer.location(), "/sign-in/code?error=wrong_mfa_code");
    assert!(!answer.removes("lc-sign-in"), "a wrong code keeps the challenge");

    let answer = browser.post(&app, "/auth/mfa-code", &[("code", "123 456")]).await;
    signed_in(&answer);
    assert_eq!(answer.location(), "/protected");
    assert!(answer.removes("lc-sign-in"));
    assert_eq!((sign_in.num_calls(), wrong.num_calls(), right.num_calls()), (1, 1, 1));
}

#[tokio::test]
async fn e_mail_and_text_message_codes_say_where_the_code_went() {
    for (challenge, destination, key, code, wording) in [
        (
            ChallengeNameType::EmailOtp,
            "a***@e***.com",
            "EMAIL_OTP_CODE",
            "12345678",
            "We sent a sign-in code to a***@e***.com.",
        ),
        (
            ChallengeNameType::SmsMfa,
            "+*******1234",
            "SMS_MFA_CODE",
            "654321",
            "We sent a sign-in code by text message to +*******1234.",
        ),
    ] {
        let pool = Pool::default();
        let params = [
            ("CODE_DELIVERY_DESTINATION", destination),
            ("CODE_DELIVERY_DELIVERY_MEDIUM", "EMAIL"),
        ];
        let sign_in = sign_in_rule(pool, challenge.clone(), &params);
        let expected = challenge.clone();
        let answer_rule = mock!(Client::respond_to_auth_challenge)
            .match_requests(move |r| {
                let responses = r.challenge_responses().unwrap();
                r.challenge_name() == Some(&expected)
                    && responses.get(key).map(String::as_str) == Some(code)
                    && answers_as_the_user(pool, responses)
            })
            .then_output(|| {
                RespondToAuthChallengeOutput::builder()
                    .authentication_result(tokens(3600, Some("rt-1")))
                    .build()
            });
        let app = app(pool, &[&sign_in, &answer_rule]).await;
        let mut browser = Browser::default();
        assert_eq!(browser.sign_in(&app).await.location(), "/sign-in/code");
        let page = browser.get(&app, "/sign-in/code").await;
        assert!(page.body.contains(wording), "{challenge:?}: {}", page.body);
        signed_in(&browser.post(&app, "/auth/mfa-code", &[("code", code)]).await);
    }
}

#[tokio::test]
async fn a_choice_of_factors_leads_to_the_chosen_ones_code() {
    let pool = Pool {
        secret: true,
        ..Pool::default()
    };
    let sign_in = sign_in_rule(
        pool,
        ChallengeNameType::SelectMfaType,
        &[("MFAS_CAN_CHOOSE", r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#)],
    );
    let choose = mock!(Client::respond_to_auth_challenge)
        .match_requests(move |r| {
            let responses = r.challenge_responses().unwrap();
            r.challenge_name() == Some(&ChallengeNameType::SelectMfaType)
                && r.session() == Some("session-1")
                && responses.get("ANSWER").map(String::as_str) == Some("SOFTWARE_TOKEN_MFA")
                && answers_as_the_user(pool, responses)
        })
        .then_output(|| {
            RespondToAuthChallengeOutput::builder()
                .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                .session("session-2")
                .challenge_parameters("USER_ID_FOR_SRP", USER_ID)
                .build()
        });
    let code = mock!(Client::respond_to_auth_challenge)
        .match_requests(move |r| {
            r.challenge_name() == Some(&ChallengeNameType::SoftwareTokenMfa)
                && r.session() == Some("session-2")
                && answers_as_the_user(pool, r.challenge_responses().unwrap())
        })
        .then_output(|| {
            RespondToAuthChallengeOutput::builder()
                .authentication_result(tokens(3600, Some("rt-1")))
                .build()
        });
    let app = app(pool, &[&sign_in, &choose, &code]).await;
    let mut browser = Browser::default();
    assert_eq!(browser.sign_in(&app).await.location(), "/sign-in/choose-method");
    let page = browser.get(&app, "/sign-in/choose-method").await;
    assert!(page.body.contains("Authenticator app") && page.body.contains("Text message (SMS)"));
    assert!(page.body.contains(r#"value="SOFTWARE_TOKEN_MFA""#));

    // Only what Cognito offered can be chosen.
    let answer = browser.post(&app, "/auth/choose-mfa", &[("factor", "EMAIL_OTP")]).await;
    assert_eq!(answer.location(), "/sign-in/choose-method?error=invalid_choice");
    assert_eq!(choose.num_calls(), 0);

    let answer = browser
        .post(&app, "/auth/choose-mfa", &[("factor", "SOFTWARE_TOKEN_MFA")])
        .await;
    assert_eq!(answer.location(), "/sign-in/code");
    // The code page is for the authenticator app now, on Cognito's new session.
    let page = browser.get(&app, "/sign-in/code").await;
    assert!(page.body.contains("Open your authenticator app"));
    signed_in(&browser.post(&app, "/auth/mfa-code", &[("code", "123456")]).await);
    assert_eq!(code.num_calls(), 1);
}

#[tokio::test]
async fn an_invited_user_sets_a_password_and_required_name_then_sets_up_an_authenticator() {
    let pool = Pool {
        secret: true,
        ..Pool::default()
    };
    let sign_in = sign_in_rule(
        pool,
        ChallengeNameType::NewPasswordRequired,
        &[
            ("requiredAttributes", r#"["userAttributes.given_name"]"#),
            (
                "userAttributes",
                r#"{"email":"ada@example.com","email_verified":"true"}"#,
            ),
        ],
    );
    let new_password = mock!(Client::respond_to_auth_challenge)
        .match_requests(move |r| {
            let responses = r.challenge_responses().unwrap();
            r.challenge_name() == Some(&ChallengeNameType::NewPasswordRequired)
                && r.session() == Some("session-1")
                && responses.get("NEW_PASSWORD").map(String::as_str) == Some("Brand-New-Pass-7")
                && responses.get("userAttributes.given_name").map(String::as_str) == Some("Ada")
                // Nothing but what the challenge asked for: e-mail and the like are not writable.
                && responses.len() == 4
                && answers_as_the_user(pool, responses)
        })
        .then_output(|| {
            // The pool requires MFA and Ada has none: the next challenge is its set-up.
            RespondToAuthChallengeOutput::builder()
                .challenge_name(ChallengeNameType::MfaSetup)
                .session("session-2")
                .challenge_parameters("MFAS_CAN_SETUP", r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#)
                .build()
        });
    let associate = mock!(Client::associate_software_token)
        .match_requests(|r| r.session() == Some("session-2") && r.access_token().is_none())
        .then_output(|| {
            AssociateSoftwareTokenOutput::builder()
                .secret_code("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
                .session("session-3")
                .build()
        });
    let verify = mock!(Client::verify_software_token)
        .match_requests(|r| r.session() == Some("session-3") && r.user_code() == Some("123456"))
        .then_output(|| {
            VerifySoftwareTokenOutput::builder()
                .status(VerifySoftwareTokenResponseType::Success)
                .session("session-4")
                .build()
        });
    let setup_done = mock!(Client::respond_to_auth_challenge)
        .match_requests(move |r| {
            r.challenge_name() == Some(&ChallengeNameType::MfaSetup)
                && r.session() == Some("session-4")
                && answers_as_the_user(pool, r.challenge_responses().unwrap())
        })
        .then_output(|| {
            RespondToAuthChallengeOutput::builder()
                .authentication_result(tokens(3600, Some("rt-1")))
                .build()
        });
    let app = app(pool, &[&sign_in, &new_password, &associate, &verify, &setup_done]).await;
    let mut browser = Browser::default();
    assert_eq!(browser.sign_in(&app).await.location(), "/sign-in/new-password");
    let page = browser.get(&app, "/sign-in/new-password").await;
    assert!(page.body.contains("Given name") && page.body.contains(r#"name="attributes[given_name]""#));
    assert!(
        page.body.contains("Password requirements"),
        "the policy checklist is shown"
    );

    // The pool's policy and the required attribute are checked before Cognito is called; what
    // was typed for the attribute comes back, the password never.
    let answer = browser
        .post(
            &app,
            "/auth/new-password",
            &[("password", "short"), ("attributes[given_name]", "Ada")],
        )
        .await;
    assert_eq!(
        answer.location(),
        "/sign-in/new-password?error=weak_password&attributes%5Bgiven_name%5D=Ada"
    );
    let answer = browser
        .post(&app, "/auth/new-password", &[("password", "Brand-New-Pass-7")])
        .await;
    assert_eq!(answer.location(), "/sign-in/new-password?error=missing_attributes");
    assert_eq!(new_password.num_calls(), 0);

    let answer = browser
        .post(
            &app,
            "/auth/new-password",
            &[
                ("password", "Brand-New-Pass-7"),
                ("attributes[given_name]", " Ada "),
                ("attributes[email]", "mallory@example.com"),
            ],
        )
        .await;
    assert_eq!(answer.location(), "/sign-in/authenticator", "{}", answer.body);
    assert_eq!(
        associate.num_calls(),
        1,
        "the secret is made by the post, not by showing the page"
    );

    let page = browser.get(&app, "/sign-in/authenticator").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(r#"<svg role="img" aria-label="QR code for your authenticator app""#)
    );
    assert!(page.body.contains("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"));
    // Reloading the page does not make another secret.
    browser.get(&app, "/sign-in/authenticator").await;
    assert_eq!(associate.num_calls(), 1);

    let answer = browser.post(&app, "/auth/mfa-setup", &[("code", "123456")]).await;
    signed_in(&answer);
    assert!(answer.removes("lc-sign-in"));
    assert_eq!((verify.num_calls(), setup_done.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_required_set_up_without_authenticator_apps_is_explained() {
    let pool = Pool::default();
    let sign_in = sign_in_rule(
        pool,
        ChallengeNameType::MfaSetup,
        &[("MFAS_CAN_SETUP", r#"["SMS_MFA"]"#)],
    );
    let app = app(pool, &[&sign_in]).await;
    let mut browser = Browser::default();
    let answer = browser.sign_in(&app).await;
    assert_eq!(
        answer.location(),
        "/sign-in?error=mfa_setup_unavailable&email=ada%40example.com"
    );
    assert!(!answer.sets("lc-sign-in"), "nothing is kept");
}

#[tokio::test]
async fn an_unknown_challenge_is_explained_and_keeps_nothing() {
    let pool = Pool::default();
    let sign_in = sign_in_rule(pool, ChallengeNameType::CustomChallenge, &[]);
    let app = app(pool, &[&sign_in]).await;
    let mut browser = Browser::default();
    let answer = browser.sign_in(&app).await;
    assert_eq!(
        answer.location(),
        "/sign-in?error=unsupported_challenge&email=ada%40example.com"
    );
    assert!(answer.set_cookies().is_empty(), "{:?}", answer.set_cookies());
    let page = browser.get(&app, "/sign-in?error=unsupported_challenge").await;
    assert!(
        page.body
            .contains("This account needs a sign-in step this app does not offer.")
    );
}

#[tokio::test]
async fn a_session_cognito_no_longer_knows_goes_back_to_sign_in() {
    let pool = Pool::default();
    let sign_in = sign_in_rule(pool, ChallengeNameType::SoftwareTokenMfa, &[]);
    let expired = mock!(Client::respond_to_auth_challenge).then_http_response(|| {
        aws_error(
            "NotAuthorizedException",
            "Invalid session for the user, session is expired.",
        )
    });
    let app = app(pool, &[&sign_in, &expired]).await;
    let mut browser = Browser::default();
    browser.sign_in(&app).await;
    let answer = browser.post(&app, "/auth/mfa-code", &[("code", "123456")]).await;
    assert_eq!(
        answer.location(),
        "/sign-in?error=challenge_expired&email=ada%40example.com"
    );
    assert!(answer.removes("lc-sign-in"));
    let page = browser
        .get(&app, "/sign-in?error=challenge_expired&email=ada%40example.com")
        .await;
    assert!(page.body.contains("Your sign-in took too long and has expired."));
    assert!(!page.body.contains("Exception") && !page.body.contains("Invalid session"));
}

#[tokio::test]
async fn a_forged_challenge_cookie_is_no_challenge() {
    let app = app(Pool::default(), &[]).await;
    let mut browser = Browser::default();
    browser.cookies.insert("lc-sign-in".into(), "forged".into());
    let page = browser.get(&app, "/sign-in/code").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location(), "/sign-in?error=challenge_expired");
    let answer = browser.post(&app, "/auth/mfa-code", &[("code", "123456")]).await;
    assert_eq!(answer.location(), "/sign-in?error=challenge_expired");
}

// --- refresh ------------------------------------------------------------------------------------

/// Signs in straight away (no challenge) with tokens that are about to expire, so the next
/// request refreshes.
fn plain_sign_in() -> Rule {
    mock!(Client::initiate_auth)
        .match_requests(|r| {
            r.auth_flow() == Some(&aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        })
        .then_output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(tokens(5, Some("rt-1")))
                .build()
        })
}

#[tokio::test]
async fn without_rotation_a_refresh_hashes_the_internal_username_not_the_e_mail() {
    let pool = Pool {
        secret: true,
        ..Pool::default()
    };
    let sign_in = plain_sign_in();
    let refresh = mock!(Client::initiate_auth)
        .match_requests(|r| {
            let p = r.auth_parameters().unwrap();
            r.auth_flow() == Some(&aws_sdk_cognitoidentityprovider::types::AuthFlowType::RefreshTokenAuth)
                && p.get("REFRESH_TOKEN").map(String::as_str) == Some("rt-1")
                // Real Cognito refuses HASH_OF_EMAIL here; the emulators accept anything.
                && p.get("SECRET_HASH").map(String::as_str) == Some(HASH_OF_USER_ID)
        })
        .then_output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(tokens(3600, None))
                .build()
        });
    let app = app(pool, &[&sign_in, &refresh]).await;
    let mut browser = Browser::default();
    signed_in(&browser.sign_in(&app).await);
    let page = browser.get(&app, "/").await;
    assert_eq!(refresh.num_calls(), 1);
    assert!(page.sets("lc-session"));
    assert!(!page.sets("lc-refresh"), "no rotation: the refresh token stays");
}

#[tokio::test]
async fn with_rotation_the_refresh_cookie_is_rewritten_and_a_replay_after_the_grace_period_signs_out() {
    let pool = Pool {
        secret: true,
        rotation: true,
    };
    let sign_in = plain_sign_in();
    // The first exchange of rt-1 rotates it; within the grace period it still works once more;
    // after that Cognito refuses it as reused.
    let rt1 = mock!(Client::get_tokens_from_refresh_token)
        .match_requests(|r| {
            r.refresh_token() == Some("rt-1") && r.client_secret() == Some(SECRET) && r.client_id() == Some(CLIENT_ID)
        })
        .sequence()
        .output(|| {
            GetTokensFromRefreshTokenOutput::builder()
                .authentication_result(tokens(3600, Some("rt-2")))
                .build()
        })
        .output(|| {
            GetTokensFromRefreshTokenOutput::builder()
                .authentication_result(tokens(3600, Some("rt-2b")))
                .build()
        })
        .http_response(|| aws_error("RefreshTokenReuseException", "Refresh token has been reused"))
        .build();
    // With rotation on, REFRESH_TOKEN_AUTH must never be used: only the sign-in may reach
    // InitiateAuth (a second call would find no rule and fail the test).
    let state_a = state(pool, &[&sign_in, &rt1], &[]).await.expect("state");
    let app_a = leptos_cognito::server::router(state_a.clone());
    let mut browser = Browser::default();
    signed_in(&browser.sign_in(&app_a).await);
    let stale = browser.clone();

    // Ten requests of one session at once: one call to Cognito, and each carries the new
    // refresh cookie.
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (app, mut browser) = (app_a.clone(), browser.clone());
            tokio::spawn(async move { browser.get(&app, "/").await })
        })
        .collect();
    for task in tasks {
        let page = task.await.unwrap();
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.sets("lc-session") && page.sets("lc-refresh"),
            "{:?}",
            page.set_cookies()
        );
    }
    assert_eq!(rt1.num_calls(), 1);
    assert_eq!(state_a.sessions.refresh_calls(), 1);
    let page = browser.get(&app_a, "/").await;
    assert_ne!(
        browser.cookies["lc-refresh"], stale.cookies["lc-refresh"],
        "the refresh cookie changed"
    );
    assert!(page.body.contains(EMAIL), "still signed in");

    // Another instance (same SESSION_KEY, as behind a load balancer) meets the old cookie
    // within Cognito's grace period: still signed in.
    let app_b = leptos_cognito::server::router(state(pool, &[&rt1], &[]).await.expect("state"));
    let mut within_grace = stale.clone();
    let page = within_grace.get(&app_b, "/").await;
    assert!(
        page.body.contains(EMAIL) && page.sets("lc-refresh"),
        "{:?}",
        page.set_cookies()
    );

    // A third replays it after the grace period: Cognito says it was reused; the session
    // ends cleanly, without an error page.
    let app_c = leptos_cognito::server::router(state(pool, &[&rt1], &[]).await.expect("state"));
    let mut replayed = stale.clone();
    let page = replayed.get(&app_c, "/protected").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location(), "/sign-in?next=/protected");
    assert!(page.removes("lc-session") && page.removes("lc-refresh"));
    assert_eq!(rt1.num_calls(), 3);
}

// --- start-up ----------------------------------------------------------------------------------

#[tokio::test]
async fn production_refuses_to_start_without_the_clients_secret() {
    let production = [
        ("APP_ENV", "production"),
        ("APP_URL", "https://app.example.com"),
        (
            "COGNITO_ISSUER",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test1",
        ),
    ];
    let pool = Pool {
        secret: true,
        ..Pool::default()
    };
    // `config()` adds the secret for a pool with one: take it out again.
    let mut vars: Vec<(&str, &str)> = production.to_vec();
    vars.push(("COGNITO_CLIENT_SECRET", ""));
    let refused = state(pool, &[], &vars).await;
    assert!(matches!(refused, Err(StartError::Pool)), "started without the secret");
    assert!(state(pool, &[], &production).await.is_ok(), "starts with it");
    // Development starts anyway, so the pages can be looked at; the log says what is wrong.
    assert!(state(pool, &[], &[("COGNITO_CLIENT_SECRET", "")]).await.is_ok());
}

#[tokio::test]
async fn the_secret_never_reaches_a_page() {
    let app = app(
        Pool {
            secret: true,
            ..Pool::default()
        },
        &[],
    )
    .await;
    let mut browser = Browser::default();
    for path in ["/", "/sign-in", "/sign-up", "/confirm", "/forgot-password"] {
        let page = browser.get(&app, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains(SECRET), "{path}");
    }
}
