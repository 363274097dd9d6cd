//! What the mock-Cognito tests share: a pool answered by `aws-smithy-mocks` rules, the whole
//! app in front of it, and a browser without JavaScript that keeps cookies.
#![allow(dead_code)]

/// Runs a test on the one runtime every test of the binary shares, one test at a time — as the
/// server runs, on one runtime. With a runtime per test (`#[tokio::test]`), tests that render
/// pages in parallel now and then never finished (2 hangs in about 10 runs of this binary, none
/// with one test at a time); the cause inside the rendering was not pinned down.
pub fn run(test: impl std::future::Future<Output = ()>) {
    static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> = std::sync::LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    });
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // A test that hangs fails, with its name, instead of stalling the run (`scripts/test` also
    // stops the whole binary past its time limit).
    RUNTIME
        .block_on(async { tokio::time::timeout(TEST_TIME_LIMIT, test).await })
        .expect("the test did not finish within its time limit");
}

/// How long one test may take on the shared runtime.
pub const TEST_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::describe_user_pool::DescribeUserPoolOutput;
use aws_sdk_cognitoidentityprovider::operation::describe_user_pool_client::DescribeUserPoolClientOutput;
use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthenticationResultType, ChallengeNameType, ExplicitAuthFlowsType, FeatureType,
    PreventUserExistenceErrorTypes, RefreshTokenRotationType, SignInPolicyType, SoftwareTokenMfaConfigType,
    UserPoolClientType, UserPoolMfaType, UserPoolPolicyType, UserPoolType, UserVerificationType,
    WebAuthnConfigurationType,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::body::SdkBody;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine as _;
use cognito_auth::clock::Clock;
use leptos::config::LeptosOptions;
use leptos_cognito::config::Config;
use leptos_cognito::state::{AppState, StartError};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use tower::ServiceExt;

pub const EMAIL: &str = "ada@example.com";
pub const PASSWORD: &str = "Correct-Horse-9";
pub const CLIENT_ID: &str = "client-1";
pub const SECRET: &str = "a-client-secret";
/// The user's internal username (`USER_ID_FOR_SRP`, the access token's `username`).
pub const USER_ID: &str = "7d5f3c1e-0000-4000-8000-000000000001";
/// `SECRET_HASH` of [`EMAIL`] and of [`USER_ID`] for [`SECRET`] and [`CLIENT_ID`], computed
/// with Python's `hmac` module (see `crates/cognito-auth/src/secret_hash.rs`).
pub const HASH_OF_EMAIL: &str = "3vhXcvP8EL3aaAJwI2IWfzsQ2Bqalmj5KvKoN99jBx0=";
pub const HASH_OF_USER_ID: &str = "DvuW5Ya1zRD5eCBbFrt3RhFWVICzvQdoT8aE8xvXEyo=";
/// The client's address, as the load balancer reports it.
pub const CLIENT_IP: &str = "203.0.113.7";
pub const SESSION_KEY: &str =
    "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMw==";

// --- the pool ---------------------------------------------------------------------------------

/// How the mocked app client is set up.
#[derive(Clone, Copy, Default)]
pub struct Pool {
    pub secret: bool,
    pub rotation: bool,
    /// The client's WriteAttributes; `None`: no list, every attribute writable.
    pub write_attributes: Option<&'static [&'static str]>,
    /// The pool's MFA is `ON` (else `OPTIONAL`).
    pub mfa_required: bool,
    /// Passkeys and e-mail codes: the pool's first factors and the client's `ALLOW_USER_AUTH`.
    pub passwordless: bool,
    /// The pool remembers devices when the person asks ("User opt-in").
    pub devices: bool,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn jwt(claims: Value) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"RS256","kid":"k"}"#),
        b64(claims.to_string().as_bytes())
    )
}

/// Tokens as Cognito issues them for [`USER_ID`], expiring in `seconds`.
pub fn tokens(seconds: i64, refresh_token: Option<&str>) -> AuthenticationResultType {
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
pub fn aws_error(exception: &str, message: &str) -> HttpResponse {
    let body = json!({ "__type": exception, "message": message }).to_string();
    let mut response = HttpResponse::new(400.try_into().unwrap(), SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    response.headers_mut().insert("x-amzn-requestid", "mock-request");
    response
}

/// The calls the server makes at start-up, answered for `pool` as often as asked.
pub fn start_up_rules(pool: Pool) -> Vec<Rule> {
    let describe_pool = mock!(Client::describe_user_pool)
        .sequence()
        .output(move || {
            let mut out = DescribeUserPoolOutput::builder();
            if pool.passwordless {
                let factors = SignInPolicyType::builder()
                    .allowed_first_auth_factors(AuthFactorType::Password)
                    .allowed_first_auth_factors(AuthFactorType::EmailOtp)
                    .allowed_first_auth_factors(AuthFactorType::WebAuthn)
                    .build();
                let policies = UserPoolPolicyType::builder().sign_in_policy(factors).build();
                out = out.user_pool(UserPoolType::builder().policies(policies).build());
            }
            if pool.devices {
                let devices = aws_sdk_cognitoidentityprovider::types::DeviceConfigurationType::builder()
                    .challenge_required_on_new_device(true)
                    .device_only_remembered_on_user_prompt(true)
                    .build();
                out = out.user_pool(UserPoolType::builder().device_configuration(devices).build());
            }
            out.build()
        })
        .repeatedly()
        .build();
    let mfa = mock!(Client::get_user_pool_mfa_config)
        .sequence()
        .output(move || {
            GetUserPoolMfaConfigOutput::builder()
                .mfa_configuration(if pool.mfa_required {
                    UserPoolMfaType::On
                } else {
                    UserPoolMfaType::Optional
                })
                .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
                .set_web_authn_configuration(pool.passwordless.then(|| {
                    WebAuthnConfigurationType::builder()
                        .relying_party_id("localhost")
                        .user_verification(UserVerificationType::Required)
                        .build()
                }))
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
            if pool.passwordless {
                client = client.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth);
            }
            if let Some(attributes) = pool.write_attributes {
                client = client.set_write_attributes(Some(attributes.iter().map(|a| a.to_string()).collect()));
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

pub fn config(pool: Pool, extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_Test1"),
        ("COGNITO_CLIENT_ID", CLIENT_ID),
        ("COGNITO_ISSUER", "http://127.0.0.1:1/eu-west-1_Test1"),
        ("SESSION_KEY", SESSION_KEY),
        ("TRUSTED_PROXY_HEADER", "x-forwarded-for"),
        ("TRUSTED_PROXIES", "10.0.0.0/8"),
        ("RATE_LIMIT_IP_PER_MINUTE", "1000"),
        ("RATE_LIMIT_NETWORK_PER_MINUTE", "100000"),
        ("RATE_LIMIT_EMAIL_PER_MINUTE", "1000"),
        ("RATE_LIMIT_SIGN_INS_PER_HOUR", "100000"),
        ("RATE_LIMIT_CODE_EMAILS_PER_DAY", "100000"),
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

pub async fn state(pool: Pool, rules: &[&Rule], extra: &[(&str, &str)]) -> Result<AppState, StartError> {
    state_on(pool, rules, extra, Clock::system()).await
}

/// [`state`] on `clock` (a test's own, moved by hand).
pub async fn state_on(
    pool: Pool,
    rules: &[&Rule],
    extra: &[(&str, &str)],
    clock: Clock,
) -> Result<AppState, StartError> {
    let start_up = start_up_rules(pool);
    let all: Vec<&Rule> = start_up.iter().chain(rules.iter().copied()).collect();
    let client: Client = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, all);
    let options = LeptosOptions::builder().output_name("leptos-cognito").build();
    AppState::with_client_at(config(pool, extra), options, client, clock).await
}

pub async fn app(pool: Pool, rules: &[&Rule]) -> Router {
    leptos_cognito::router::router(state(pool, rules, &[]).await.expect("state"))
}

// --- a browser without JavaScript -------------------------------------------------------------

/// What a browser keeps: the cookies the server set.
#[derive(Clone, Default)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
    pub fn sets(&self, name: &str) -> bool {
        self.set_cookies()
            .iter()
            .any(|c| c.starts_with(&format!("{name}=")) && !c.contains("Max-Age=0"))
    }
    pub fn removes(&self, name: &str) -> bool {
        self.set_cookies()
            .iter()
            .any(|c| c.starts_with(&format!("{name}=")) && c.contains("Max-Age=0"))
    }
}

impl Browser {
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn keep(&mut self, answer: &Answer) {
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

    pub async fn send(&mut self, app: &Router, request: axum::http::request::Builder, body: Body) -> Answer {
        let request = request
            .header(header::COOKIE, self.cookie_header())
            .header("x-forwarded-for", CLIENT_IP)
            // As `axum::serve` would record it: the load balancer's connection.
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [10, 0, 0, 1],
                4711,
            ))))
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
    pub async fn post(&mut self, app: &Router, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(form).unwrap();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        self.send(app, request, Body::from(body)).await
    }

    /// A form posted by a script with `fetch` (public/passkeys.js): JSON back, no redirect.
    pub async fn fetch(&mut self, app: &Router, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(form).unwrap();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        self.send(app, request, Body::from(body)).await
    }

    pub async fn get(&mut self, app: &Router, path: &str) -> Answer {
        self.send(
            app,
            Request::get(path).header(header::ACCEPT, "text/html"),
            Body::empty(),
        )
        .await
    }

    pub async fn sign_in(&mut self, app: &Router) -> Answer {
        self.post(app, "/auth/sign-in", &[("email", EMAIL), ("password", PASSWORD)])
            .await
    }
}

pub fn signed_in(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert!(
        answer.sets("lc-session") && answer.sets("lc-refresh"),
        "{:?}",
        answer.set_cookies()
    );
}

/// An InitiateAuth answer with a challenge (USER_PASSWORD_AUTH for [`EMAIL`]).
pub fn sign_in_rule(pool: Pool, challenge: ChallengeNameType, params: &[(&str, &str)]) -> Rule {
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
pub fn answers_as_the_user(pool: Pool, responses: &HashMap<String, String>) -> bool {
    let hash = responses.get("SECRET_HASH").map(String::as_str);
    responses.get("USERNAME").map(String::as_str) == Some(USER_ID)
        && if pool.secret {
            hash == Some(HASH_OF_USER_ID)
        } else {
            hash.is_none()
        }
}

/// The account as GetUser reports it.
pub fn get_user() -> Rule {
    mock!(Client::get_user)
        .sequence()
        .output(|| {
            aws_sdk_cognitoidentityprovider::operation::get_user::GetUserOutput::builder()
                .username(USER_ID)
                .user_attributes(
                    aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                        .name("email")
                        .value(EMAIL)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        })
        .repeatedly()
        .build()
}

/// What a page's HTML says about its islands: whether it has one, whether it loads the wasm,
/// and whether the server marked it live (a page with nothing to hydrate).
pub fn islands_of(body: &str) -> (bool, bool, bool) {
    (
        body.contains("<leptos-island"),
        body.contains(r#"rel="modulepreload""#),
        body.contains(r#"data-hydrated="true""#),
    )
}

/// A page with a form: it has an island, loads the wasm to hydrate it, and is not marked live
/// before the wasm has run (`routes::has_islands`, see [`islands_of`]).
pub fn hydrates_its_island(page: &Answer) {
    let (has_island, loads_wasm, marked_live) = islands_of(&page.body);
    assert!(has_island, "no island: {}", page.body);
    assert!(
        loads_wasm,
        "a page with an island loads no wasm (is it in routes::has_islands?)"
    );
    assert!(!marked_live, "marked live by the server");
}
