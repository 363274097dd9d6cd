//! The whole app — router, layers, server functions, the real SDK client with the production
//! timeouts and retries — in front of a fake Cognito on a loopback socket that can answer,
//! throttle, stall, talk nonsense or not be there at all. Requests go through `oneshot`.

use crate::common::{islands_of, run};
use aws_sdk_cognitoidentityprovider::config::{Credentials, Region};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use cognito_auth::clock::Clock;
use leptos::config::LeptosOptions;
use leptos_cognito::config::Config;
use leptos_cognito::state::{AppState, cognito_retries, cognito_timeouts};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

pub(crate) const EMAIL: &str = "ada@example.com";
pub(crate) const PASSWORD: &str = "Correct-Horse-9";
/// An account that signed up and never confirmed.
const UNCONFIRMED: &str = "una@example.com";
/// The load balancer's address, the connection's peer unless a test says otherwise.
const BALANCER: &str = "10.0.0.1";

/// How the fake answers InitiateAuth (everything else is always answered normally).
#[derive(Clone, Copy, Debug, PartialEq)]
enum SignIn {
    Normal,
    Throttle,
    Stall,
    Html,
    Truncated,
    NoTokens,
    Challenge,
}

#[derive(Clone)]
pub(crate) struct Fake {
    sign_in: Arc<Mutex<SignIn>>,
    /// When set, SignUp and ForgotPassword fail with this status and exception.
    others_fail: Arc<Mutex<Option<(StatusCode, &'static str)>>>,
    /// Operations (by name) answered with this status and exception instead.
    failing: Arc<Mutex<HashMap<&'static str, (StatusCode, &'static str)>>>,
    /// The account's password (ChangePassword and ConfirmForgotPassword set another).
    password: Arc<Mutex<String>>,
    calls: Arc<Mutex<HashMap<String, usize>>>,
    /// The pool's issuer on this fake (`<url>/eu-west-1_Test1`), which its tokens carry.
    pub(crate) issuer: String,
    /// Every access token a sign-in got, in order. Each sign-in is its own refresh token, so
    /// its tokens have their own `origin_jti`, as on Cognito with token revocation on.
    pub(crate) issued: Arc<Mutex<Vec<String>>>,
    /// Cognito's lockout of the account's password (real time: the lockout is Cognito's, not
    /// the app's).
    lockout: Arc<Mutex<Lockout>>,
}

/// Failed passwords so far, locked until when, and when the last attempt came.
type Lockout = (u32, Option<Instant>, Option<Instant>);

impl Fake {
    pub(crate) fn calls(&self, operation: &str) -> usize {
        self.calls.lock().unwrap().get(operation).copied().unwrap_or(0)
    }
    fn set(&self, mode: SignIn) {
        *self.sign_in.lock().unwrap() = mode;
    }
    fn fail_others(&self, failure: Option<(StatusCode, &'static str)>) {
        *self.others_fail.lock().unwrap() = failure;
    }
    /// Whether Cognito would refuse [`EMAIL`]'s sign-in now for its lockout (and notes the attempt).
    fn locked_out(&self) -> bool {
        let mut lockout = self.lockout.lock().unwrap();
        let now = Instant::now();
        if lockout.2.is_some_and(|last| now - last >= Duration::from_secs(15 * 60)) {
            *lockout = (0, None, None);
        }
        lockout.2 = Some(now);
        lockout.1.is_some_and(|until| now < until)
    }

    fn failed_password(&self) {
        let mut lockout = self.lockout.lock().unwrap();
        lockout.0 += 1;
        if lockout.0 >= 5 {
            let seconds = 2u64.saturating_pow(lockout.0 - 5).min(900);
            lockout.1 = Some(Instant::now() + Duration::from_secs(seconds));
        }
    }

    /// Cognito locks [`EMAIL`]'s password for a minute, as after wrong passwords tried
    /// elsewhere (another app on the pool, its API called directly).
    pub(crate) fn lock_out(&self) {
        *self.lockout.lock().unwrap() = (6, Some(Instant::now() + Duration::from_secs(60)), Some(Instant::now()));
    }

    /// How many wrong passwords Cognito has counted for [`EMAIL`].
    pub(crate) fn failed_passwords(&self) -> u32 {
        self.lockout.lock().unwrap().0
    }

    /// `operation` answers `exception` with `status` from now on (`None`: normally again).
    pub(crate) fn fail(&self, operation: &'static str, failure: Option<(StatusCode, &'static str)>) {
        let mut failing = self.failing.lock().unwrap();
        match failure {
            Some(failure) => failing.insert(operation, failure),
            None => failing.remove(operation),
        };
    }
}

fn jwt(claims: Value) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"RS256","kid":"k"}"#),
        b64(claims.to_string().as_bytes())
    )
}

/// A token as the fake's pool signs it: RS256 with key A, whose public half its JWKS lists, so
/// the API's verifier accepts it when `COGNITO_ISSUER` names the fake.
pub(crate) fn signed(claims: Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("kid-a".into());
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(include_str!("../fixtures/key-a.pem").as_bytes()).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

pub(crate) fn jwks() -> Value {
    let keys: Value = serde_json::from_str(include_str!("../fixtures/keys.json")).unwrap();
    json!({ "keys": [{ "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "kid-a",
        "n": keys["key-a"]["n"], "e": keys["key-a"]["e"] }] })
}

fn aws_error(status: StatusCode, exception: &str) -> axum::response::Response {
    aws_error_saying(status, exception, &format!("fake {exception}"))
}

fn aws_error_saying(status: StatusCode, exception: &str, message: &str) -> axum::response::Response {
    (
        status,
        [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amzn-requestid", "fake-request"),
        ],
        json!({ "__type": exception, "message": message }).to_string(),
    )
        .into_response()
}

fn ok(body: Value) -> axum::response::Response {
    ([("content-type", "application/x-amz-json-1.1")], body.to_string()).into_response()
}

async fn answer(fake: Fake, headers: HeaderMap, body: Bytes) -> axum::response::Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit('.').next())
        .unwrap_or_default()
        .to_owned();
    *fake.calls.lock().unwrap().entry(target.clone()).or_default() += 1;
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let others_fail = *fake.others_fail.lock().unwrap();
    if let (Some((status, exception)), "SignUp" | "ForgotPassword") = (others_fail, target.as_str()) {
        return aws_error(status, exception);
    }
    let failing = fake.failing.lock().unwrap().get(target.as_str()).copied();
    if let Some((status, exception)) = failing {
        return aws_error(status, exception);
    }
    match target.as_str() {
        "DescribeUserPool" => ok(json!({ "UserPool": { "Policies": { "PasswordPolicy": {
            "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
            "RequireNumbers": true, "RequireSymbols": false } } } })),
        // A client that allows the password flow and refresh, as `cognito-setup` makes one.
        "DescribeUserPoolClient" => ok(json!({ "UserPoolClient": {
            "ClientId": request["ClientId"],
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED", "EnableTokenRevocation": true } })),
        // Any other flow is refused as AWS refuses a flow the client does not allow.
        "InitiateAuth"
            if !matches!(
                request["AuthFlow"].as_str(),
                Some("USER_PASSWORD_AUTH" | "REFRESH_TOKEN_AUTH")
            ) =>
        {
            aws_error_saying(
                StatusCode::BAD_REQUEST,
                "InvalidParameterException",
                &format!(
                    "{} flow not enabled for this client",
                    request["AuthFlow"].as_str().unwrap_or_default()
                ),
            )
        }
        "InitiateAuth" => {
            let mode = *fake.sign_in.lock().unwrap();
            let params = &request["AuthParameters"];
            match mode {
                SignIn::Throttle => aws_error(StatusCode::BAD_REQUEST, "TooManyRequestsException"),
                SignIn::Stall => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    aws_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalErrorException")
                }
                SignIn::Html => {
                    (StatusCode::OK, [("content-type", "text/html")], "<html>gateway</html>").into_response()
                }
                SignIn::Truncated => ok_raw(r#"{"AuthenticationResult":{"AccessToken":"ey"#),
                SignIn::NoTokens => ok(json!({})),
                // A challenge without the session its answer would need.
                SignIn::Challenge => ok(json!({ "ChallengeName": "SMS_MFA" })),
                // Cognito's lockout (AWS, "Lockout behavior for failed sign-in attempts"): after
                // five failed passwords, 2^(n-5) s for every attempt — the right one too — and
                // forgotten after a success or fifteen quiet minutes.
                SignIn::Normal if params["USERNAME"] == EMAIL && fake.locked_out() => aws_error_saying(
                    StatusCode::BAD_REQUEST,
                    "NotAuthorizedException",
                    "Password attempts exceeded",
                ),
                SignIn::Normal
                    if params["USERNAME"] == EMAIL && params["PASSWORD"] == *fake.password.lock().unwrap() =>
                {
                    *fake.lockout.lock().unwrap() = (0, None, None);
                    let exp = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs()
                        + 3600;
                    let now = exp - 3600;
                    let mut issued = fake.issued.lock().unwrap();
                    let n = issued.len() + 1;
                    let access = signed(json!({ "sub": "s-1", "username": "s-1", "exp": exp, "iat": now,
                        "token_use": "access", "client_id": "client", "iss": fake.issuer,
                        "scope": "aws.cognito.signin.user.admin",
                        "jti": format!("jti-{n}"), "origin_jti": format!("origin-{n}") }));
                    issued.push(access.clone());
                    ok(json!({ "AuthenticationResult": {
                        "AccessToken": access,
                        "IdToken": jwt(json!({ "sub": "s-1", "exp": exp, "email": EMAIL })),
                        "RefreshToken": "refresh-token",
                        "ExpiresIn": 3600, "TokenType": "Bearer" } }))
                }
                SignIn::Normal => {
                    if params["USERNAME"] == EMAIL {
                        fake.failed_password();
                    }
                    aws_error(StatusCode::BAD_REQUEST, "NotAuthorizedException")
                }
            }
        }
        "ForgotPassword" => ok(json!({ "CodeDeliveryDetails": {
            "Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email" } })),
        // EMAIL has a confirmed account, UNCONFIRMED one still waiting for its code.
        "SignUp" if request["Username"] == EMAIL || request["Username"] == UNCONFIRMED => {
            aws_error(StatusCode::BAD_REQUEST, "UsernameExistsException")
        }
        "SignUp" => ok(json!({ "UserConfirmed": false, "UserSub": "s-2" })),
        "GlobalSignOut" | "AdminUserGlobalSignOut" | "DeleteUser" | "RevokeToken" => ok(json!({})),
        "AdminGetUser" if request["Username"] == EMAIL => ok(json!({ "Username": "s-1", "UserAttributes": [
            { "Name": "sub", "Value": "s-1" }, { "Name": "email", "Value": EMAIL }] })),
        "AdminGetUser" => aws_error(StatusCode::BAD_REQUEST, "UserNotFoundException"),
        "GetUser" => ok(json!({ "Username": "s-1", "UserAttributes": [{ "Name": "email", "Value": EMAIL }] })),
        "ResendConfirmationCode" if request["Username"] == UNCONFIRMED => ok(json!({ "CodeDeliveryDetails": {
            "Destination": "u***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email" } })),
        "ResendConfirmationCode" if request["Username"] == EMAIL => {
            aws_error(StatusCode::BAD_REQUEST, "InvalidParameterException")
        }
        "ResendConfirmationCode" => aws_error(StatusCode::BAD_REQUEST, "UserNotFoundException"),
        "ConfirmForgotPassword" if request["ConfirmationCode"] == "123456" => {
            *fake.password.lock().unwrap() = request["Password"].as_str().unwrap_or_default().to_owned();
            ok(json!({}))
        }
        "ChangePassword" if request["PreviousPassword"] == *fake.password.lock().unwrap() => {
            *fake.password.lock().unwrap() = request["ProposedPassword"].as_str().unwrap_or_default().to_owned();
            ok(json!({}))
        }
        "ChangePassword" => aws_error(StatusCode::BAD_REQUEST, "NotAuthorizedException"),
        "ConfirmForgotPassword" => aws_error(StatusCode::BAD_REQUEST, "CodeMismatchException"),
        "ConfirmSignUp" if request["Username"] == EMAIL => aws_error(StatusCode::BAD_REQUEST, "NotAuthorizedException"),
        "ConfirmSignUp" => aws_error(StatusCode::BAD_REQUEST, "CodeMismatchException"),
        _ => aws_error(StatusCode::BAD_REQUEST, "InvalidParameterException"),
    }
}

fn ok_raw(body: &'static str) -> axum::response::Response {
    ([("content-type", "application/x-amz-json-1.1")], body).into_response()
}

/// Starts the fake on a free port.
pub(crate) async fn fake_cognito() -> (Fake, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let fake = Fake {
        sign_in: Arc::new(Mutex::new(SignIn::Normal)),
        others_fail: Arc::default(),
        failing: Arc::default(),
        password: Arc::new(Mutex::new(PASSWORD.to_owned())),
        calls: Arc::default(),
        issuer: format!("{url}/eu-west-1_Test1"),
        issued: Arc::default(),
        lockout: Arc::default(),
    };
    let app = Router::new()
        .route(
            "/eu-west-1_Test1/.well-known/jwks.json",
            axum::routing::get(|| async { axum::Json(jwks()) }),
        )
        .fallback({
            let fake = fake.clone();
            move |headers: HeaderMap, body: Bytes| answer(fake.clone(), headers, body)
        });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, url)
}

/// A port nothing listens on: connections are refused.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    url
}

pub(crate) async fn app_at(endpoint: &str, vars: &[(&str, &str)]) -> Router {
    app_on(endpoint, vars, Clock::system()).await
}

/// [`app_at`] on `clock` (a test's own, moved by hand).
pub(crate) async fn app_on(endpoint: &str, vars: &[(&str, &str)], clock: Clock) -> Router {
    let mut all: HashMap<String, String> = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_Test1"),
        ("COGNITO_CLIENT_ID", "client"),
        ("COGNITO_ISSUER", "http://127.0.0.1:1/eu-west-1_Test1"),
        ("RATE_LIMIT_IP_PER_MINUTE", "1000"),
        ("RATE_LIMIT_NETWORK_PER_MINUTE", "100000"),
        ("RATE_LIMIT_EMAIL_PER_MINUTE", "1000"),
        ("RATE_LIMIT_FAILURES_PER_MINUTE", "100000"),
        ("RATE_LIMIT_SIGN_INS_PER_HOUR", "100000"),
        ("RATE_LIMIT_CODE_EMAILS_PER_DAY", "100000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|k| all.get(k).cloned()).expect("config");
    let sdk = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version_latest()
        .region(Region::new("eu-west-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .timeout_config(cognito_timeouts())
        .retry_config(cognito_retries())
        .build();
    let client = aws_sdk_cognitoidentityprovider::Client::from_conf(sdk);
    let options = LeptosOptions::builder().output_name("leptos-cognito").build();
    let state = AppState::with_client_at(config, options, client, clock)
        .await
        .expect("state");
    leptos_cognito::router::router(state)
}

pub(crate) async fn app(vars: &[(&str, &str)]) -> (Fake, Router) {
    let (fake, url) = fake_cognito().await;
    (fake.clone(), app_at(&url, vars).await)
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    /// Whether a `Set-Cookie` of this answer removes a cookie.
    pub(crate) fn set_cookie_clears(&self) -> bool {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().is_ok_and(|c| c.contains("Max-Age=0")))
    }
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A server-function call as the hydrated form makes it (form-encoded, JSON answer).
pub(crate) async fn post(app: &Router, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Answer {
    post_body(app, path, serde_urlencoded::to_string(form).expect("form"), headers).await
}

pub(crate) async fn post_body(app: &Router, path: &str, body: impl Into<Body>, headers: &[(&str, &str)]) -> Answer {
    let body: Body = body.into();
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("accept")) {
        request = request.header(header::ACCEPT, "application/json");
    }
    // As an HTTP client would send it.
    if let Some(len) = axum::body::HttpBody::size_hint(&body).exact() {
        request = request.header(header::CONTENT_LENGTH, len);
    }
    for (k, v) in headers {
        // Not a header: the address the connection comes from.
        if *k == "peer" {
            let ip: std::net::IpAddr = v.parse().expect("peer");
            request = request.extension(ConnectInfo(std::net::SocketAddr::new(ip, 4711)));
        } else {
            request = request.header(*k, *v);
        }
    }
    send(app, request.body(body).expect("request")).await
}

async fn send(app: &Router, mut request: Request<Body>) -> Answer {
    // As `axum::serve` records it.
    if request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .is_none()
    {
        let balancer = std::net::SocketAddr::new(BALANCER.parse().expect("ip"), 4711);
        request.extensions_mut().insert(ConnectInfo(balancer));
    }
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub(crate) async fn sign_in(app: &Router, email: &str, password: &str, headers: &[(&str, &str)]) -> Answer {
    post(
        app,
        "/auth/sign-in",
        &[("email", email), ("password", password)],
        headers,
    )
    .await
}

fn no_session(answer: &Answer) {
    assert!(
        answer.headers.get_all(header::SET_COOKIE).iter().next().is_none(),
        "no cookie may be set: {:?}",
        answer.headers
    );
}

#[test]
fn the_fake_signs_in_for_real() {
    run(async {
        let (_, app) = app(&[]).await;
        let answer = sign_in(&app, EMAIL, PASSWORD, &[]).await;
        assert!(
            answer.status.is_success() || answer.status.is_redirection(),
            "{}",
            answer.status
        );
        // The session's two cookies, and the device cookie of this account (`auth::limits`).
        assert_eq!(answer.headers.get_all(header::SET_COOKIE).iter().count(), 3);
        let wrong = sign_in(&app, EMAIL, "Wrong-Horse-9", &[]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.json()["error"], "invalid_credentials");
    })
}

// --- Cognito faults ---------------------------------------------------------------------------

#[test]
fn cognito_refusing_connections_reads_as_unavailable_within_five_seconds() {
    run(async {
        let app = app_at(&closed_port().await, &[]).await;
        let started = Instant::now();
        let answer = sign_in(&app, EMAIL, PASSWORD, &[]).await;
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "took {took:?}");
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer.json()["error"], "unavailable");
        assert_eq!(answer.header("retry-after"), Some("10"));
        no_session(&answer);
    })
}

#[test]
fn a_stalled_cognito_is_cut_by_the_operation_timeout() {
    run(async {
        let (fake, app) = app(&[]).await;
        fake.set(SignIn::Stall);
        let started = Instant::now();
        let answer = sign_in(&app, EMAIL, PASSWORD, &[]).await;
        let took = started.elapsed();
        // 5 s operation timeout; the 30 s stall never reaches the person.
        assert!(took < Duration::from_millis(5_500), "took {took:?}");
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer.json()["error"], "unavailable");
        no_session(&answer);
    })
}

/// A server without DescribeUserPoolClient (no IAM permission for it) finds the client's
/// password flow at the first sign-in: SRP and USER_AUTH are refused as AWS refuses a flow the
/// client does not allow, without the password going to either, and the password flow is kept.
#[test]
fn an_unreadable_client_finds_its_password_flow_at_the_first_sign_in() {
    run(async {
        let (fake, url) = fake_cognito().await;
        fake.fail(
            "DescribeUserPoolClient",
            Some((StatusCode::BAD_REQUEST, "AccessDeniedException")),
        );
        let app = app_at(&url, &[]).await;
        let answer = sign_in(&app, EMAIL, PASSWORD, &[]).await;
        assert!(
            answer.status.is_success() || answer.status.is_redirection(),
            "{}",
            answer.status
        );
        assert_eq!(fake.calls("InitiateAuth"), 3, "SRP, USER_AUTH, then the password");
        let again = sign_in(&app, EMAIL, PASSWORD, &[]).await;
        assert!(
            again.status.is_success() || again.status.is_redirection(),
            "{}",
            again.status
        );
        assert_eq!(fake.calls("InitiateAuth"), 4, "the flow found is kept");
    })
}

#[test]
fn throttling_is_retried_three_times_then_answered_429_with_retry_after() {
    run(async {
        let (fake, app) = app(&[]).await;
        fake.set(SignIn::Throttle);
        let answer = sign_in(&app, EMAIL, PASSWORD, &[]).await;
        assert_eq!(fake.calls("InitiateAuth"), 3);
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(answer.header("retry-after"), Some("5"));
        assert_eq!(answer.json()["error"], "throttled");
        no_session(&answer);

        // A wrong password is never retried.
        fake.set(SignIn::Normal);
        let before = fake.calls("InitiateAuth");
        sign_in(&app, EMAIL, "Wrong-Horse-9", &[]).await;
        assert_eq!(fake.calls("InitiateAuth") - before, 1);
    })
}

#[test]
fn calls_that_must_not_run_twice_are_retried_only_when_throttled() {
    run(async {
        let (fake, app) = app(&[]).await;
        let sign_up = [("email", "new@example.com"), ("password", PASSWORD)];
        // A 5xx may mean Cognito made the account (or sent the e-mail): one attempt only.
        fake.fail_others(Some((StatusCode::INTERNAL_SERVER_ERROR, "InternalErrorException")));
        let answer = post(&app, "/auth/sign-up", &sign_up, &[]).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(fake.calls("SignUp"), 1);
        post(&app, "/auth/forgot-password", &[("email", EMAIL)], &[]).await;
        assert_eq!(fake.calls("ForgotPassword"), 1);
        // Throttled means refused before anything happened: retried like every call.
        fake.fail_others(Some((StatusCode::BAD_REQUEST, "TooManyRequestsException")));
        let answer = post(&app, "/auth/sign-up", &sign_up, &[]).await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(fake.calls("SignUp"), 1 + 3);
    })
}

#[test]
fn malformed_answers_set_no_session_and_say_something_clear() {
    run(async {
        let (fake, app) = app(&[]).await;
        for mode in [SignIn::Html, SignIn::Truncated, SignIn::NoTokens, SignIn::Challenge] {
            fake.set(mode);
            let answer = sign_in(&app, EMAIL, PASSWORD, &[]).await;
            assert!(answer.status.is_server_error(), "{mode:?}: {}", answer.status);
            let error = answer.json()["error"].as_str().map(str::to_owned);
            assert!(
                matches!(error.as_deref(), Some("unavailable" | "internal")),
                "{mode:?}: {}",
                answer.body
            );
            assert!(
                !answer.body.contains("Exception") && !answer.body.contains("html"),
                "{}",
                answer.body
            );
            no_session(&answer);
        }
    })
}

// --- Bodies and headers -----------------------------------------------------------------------

#[test]
fn a_body_that_trickles_in_is_cut_by_the_read_timeout() {
    run(async {
        let (fake, app) = app(&[("REQUEST_BODY_TIMEOUT_SECS", "1")]).await;
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        // The first bytes of the body, then nothing: a slow-loris sender.
        let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
        socket
            .write_all(
                b"POST /auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\n\r\nemail=ada%40",
            )
            .await
            .expect("write");
        let started = Instant::now();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut answer))
            .await
            .expect("the server closes the connection")
            .expect("read");
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "took {took:?}");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert_eq!(fake.calls("InitiateAuth"), 0);
    })
}

#[test]
fn huge_bodies_and_fields_are_refused_without_calling_cognito() {
    run(async {
        let (fake, app) = app(&[]).await;
        // 10 MiB: refused on its declared length.
        let huge = vec![b'a'; 10 * 1024 * 1024];
        let answer = post_body(&app, "/auth/sign-in", huge, &[]).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(answer.json()["error"], "too_large");
        // A 1 MiB e-mail is over the body limit too.
        let mib = "a".repeat(1024 * 1024) + "@example.com";
        let answer = sign_in(&app, &mib, PASSWORD, &[]).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
        // Just under the body limit, the field's own bound answers.
        let long = "a".repeat(60 * 1024) + "@example.com";
        let answer = post(&app, "/auth/sign-up", &[("email", &long), ("password", PASSWORD)], &[]).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert_eq!(answer.json()["error"], "invalid_email");
        // NUL bytes.
        let answer = post(
            &app,
            "/auth/sign-up",
            &[("email", "ada\0@example.com"), ("password", PASSWORD)],
            &[],
        )
        .await;
        assert_eq!(answer.json()["error"], "invalid_email");
        let answer = sign_in(&app, EMAIL, "Correct\0Horse-9", &[]).await;
        assert!(answer.status.is_client_error(), "{}", answer.status);
        assert_eq!(fake.calls("InitiateAuth") + fake.calls("SignUp"), 0);
    })
}

#[test]
fn invalid_utf8_is_refused_cleanly() {
    run(async {
        let (fake, app) = app(&[]).await;
        // Percent-encoded bytes that are not UTF-8: decoded lossily, then not an e-mail.
        let answer = post_body(&app, "/auth/sign-in", "email=%FF%FE%40x.com&password=abc", &[]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
        assert_eq!(answer.json()["error"], "invalid_credentials");
        let raw = post_body(
            &app,
            "/auth/sign-in",
            Bytes::from_static(b"email=\xff\xfe&password=abc"),
            &[],
        )
        .await;
        assert_eq!(raw.status, StatusCode::BAD_REQUEST, "{}", raw.body);
        assert_eq!(raw.json()["error"], "bad_request");
        // A post without its fields.
        let missing = post_body(&app, "/auth/sign-in", "", &[]).await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
        assert_eq!(fake.calls("InitiateAuth"), 0);
    })
}

#[test]
fn every_page_carries_the_security_headers() {
    run(async {
        let (_, app) = app(&[]).await;
        let answer = send(&app, Request::get("/sign-in").body(Body::empty()).expect("request")).await;
        assert_eq!(answer.status, StatusCode::OK);
        let csp = answer.header("content-security-policy").expect("csp");
        assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("referrer-policy"), Some("same-origin"));
        // Plain http (development): no HSTS, or browsers would refuse http://127.0.0.1 for a year.
        assert_eq!(answer.header("strict-transport-security"), None);
    })
}

#[test]
fn an_https_app_sends_strict_transport_security() {
    run(async {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        let (_, app) = app(&[
            ("APP_URL", "https://app.example.com"),
            ("SESSION_KEY", &key),
            // The issuer must be public https in production; the fake answers Cognito's calls.
            (
                "COGNITO_ISSUER",
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test1",
            ),
        ])
        .await;
        for path in ["/sign-in", "/health"] {
            let answer = send(&app, Request::get(path).body(Body::empty()).expect("request")).await;
            assert_eq!(
                answer.header("strict-transport-security"),
                Some("max-age=31536000"),
                "{path}"
            );
        }
    })
}

#[test]
fn unknown_and_known_emails_get_the_same_answer() {
    run(async {
        let (_, app) = app(&[]).await;
        let known = sign_in(&app, EMAIL, "Wrong-Horse-9", &[]).await;
        let unknown = sign_in(&app, "nobody@example.com", "Wrong-Horse-9", &[]).await;
        assert_eq!((known.status, known.json()), (unknown.status, unknown.json()));
        let known = post(&app, "/auth/forgot-password", &[("email", EMAIL)], &[]).await;
        let unknown = post(&app, "/auth/forgot-password", &[("email", "nobody@example.com")], &[]).await;
        assert_eq!(known.status, unknown.status);
    })
}

// --- the protected page's API call, made by the server (backend-for-frontend) -----------------

/// The cookies a response set, as the browser sends them back.
pub(crate) fn cookies_of(answer: &Answer) -> String {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A JWT: `eyJ…` header, a dot, a payload.
fn has_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(i, _)| {
        let rest = &text[i..];
        let part = |s: &str| {
            s.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .count()
        };
        let first = part(rest);
        first >= 10 && rest[first..].starts_with('.') && part(&rest[first + 1..]) >= 10
    })
}

pub(crate) async fn get_page(app: &Router, path: &str, cookies: &str) -> Answer {
    let request = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

/// The app in front of the fake, and the cookies of a person signed in to it.
async fn signed_in_app() -> (Router, String) {
    let (fake, url) = fake_cognito().await;
    let app = app_at(&url, &[("COGNITO_ISSUER", &fake.issuer)]).await;
    let signed_in = sign_in(&app, EMAIL, PASSWORD, &[]).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    (app, cookies_of(&signed_in))
}

/// A page loads the wasm exactly when it has an island to hydrate (`routes::has_islands`): the
/// home, protected and not-found pages cost their HTML alone, and one that gains an island
/// without being listed fails here.
#[test]
fn only_pages_with_islands_load_the_wasm() {
    run(async {
        let (app, cookies) = signed_in_app().await;
        for (path, cookies, islands) in [
            ("/", "", false),
            ("/no-such-page", "", false),
            ("/protected", cookies.as_str(), false),
            ("/sign-in", "", true),
            ("/sign-up", "", true),
            ("/confirm?email=ada%40example.com", "", true),
            ("/forgot-password", "", true),
            ("/account", cookies.as_str(), true),
        ] {
            let page = get_page(&app, path, cookies).await;
            assert!(page.body.contains("</html>"), "{path}: {}", page.body);
            let (has_island, loads_wasm, marked_live) = islands_of(&page.body);
            assert_eq!(has_island, islands, "{path}: {}", page.body);
            assert_eq!(loads_wasm, islands, "{path} loads the wasm: {loads_wasm}");
            // Marked live by the server when there is nothing to hydrate, by the wasm otherwise.
            assert_eq!(marked_live, !islands, "{path}");
        }
    });
}

#[test]
fn the_api_is_called_by_the_server_and_no_token_comes_back() {
    run(async {
        let (app, cookies) = signed_in_app().await;
        assert!(has_jwt(&signed(json!({ "sub": "x" }))), "the JWT check must find a JWT");
        assert!(!has_jwt(&cookies), "the cookies are encrypted");

        let call = post(&app, "/auth/call-api", &[], &[("cookie", &cookies)]).await;
        assert_eq!(call.status, StatusCode::OK, "{}", call.body);
        assert!(!has_jwt(&call.body), "a token came back: {}", call.body);
        let answer = call.json();
        assert_eq!(answer["method"], "GET");
        assert_eq!(answer["url"], "/api/me");
        // The API verified the token the server attached (signature, issuer, client, use) and
        // read the e-mail with it.
        assert_eq!(answer["answer"]["Me"]["sub"], "s-1");
        assert_eq!(answer["answer"]["Me"]["email"], EMAIL);
        assert_eq!(
            answer["answer"]["Me"]["scopes"],
            json!(["aws.cognito.signin.user.admin"])
        );
        assert!(answer["token_bytes"].as_u64().unwrap() > 500, "{answer}");
        assert_eq!(call.header("cache-control"), Some("no-store"));

        // The page makes the first call while it renders: the answer is in the HTML, the token not.
        let page = get_page(&app, "/protected", &cookies).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("GET /api/me") && page.body.contains(EMAIL),
            "{}",
            page.body
        );
        assert!(!has_jwt(&page.body), "a token is in the page");

        // Signed out: nothing to call with.
        let none = post(&app, "/auth/call-api", &[], &[]).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{}", none.body);
        assert_eq!(none.json()["error"], "session_expired", "{}", none.body);
        // The route that handed the token to the browser is gone.
        let old = post(&app, "/auth/api-token", &[], &[("cookie", &cookies)]).await;
        assert!(old.status.is_client_error(), "{}", old.status);
        assert!(!has_jwt(&old.body));
    })
}

#[test]
fn a_token_the_api_refuses_is_shown_as_a_refusal_not_a_failure() {
    run(async {
        let (fake, url) = fake_cognito().await;
        // The API expects another issuer than the one the pool signs with.
        let app = app_at(
            &url,
            &[
                ("COGNITO_ISSUER", &format!("{}-other", fake.issuer)),
                ("COGNITO_JWKS_URL", &format!("{}/.well-known/jwks.json", fake.issuer)),
            ],
        )
        .await;
        let cookies = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let call = post(&app, "/auth/call-api", &[], &[("cookie", &cookies)]).await;
        assert_eq!(call.status, StatusCode::OK, "{}", call.body);
        assert_eq!(
            call.json()["answer"],
            json!({ "Refused": { "status": 401, "error": "invalid_token" } })
        );
    })
}

/// Serves `router` on a loopback port, as a separate API server would be.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

#[test]
fn with_api_url_the_server_calls_the_api_over_http() {
    run(async {
        let (fake, url) = fake_cognito().await;
        // The API server: the same app elsewhere (it only needs the pool's issuer and JWKS).
        let api = serve(app_at(&url, &[("COGNITO_ISSUER", &fake.issuer)]).await).await;
        let app = app_at(&url, &[("COGNITO_ISSUER", &fake.issuer), ("API_URL", &api)]).await;
        let cookies = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let call = post(&app, "/auth/call-api", &[], &[("cookie", &cookies)]).await;
        let answer = call.json();
        assert_eq!(answer["url"], format!("{api}/api/me"), "{answer}");
        assert_eq!(answer["answer"]["Me"]["sub"], "s-1", "{answer}");
        assert!(!has_jwt(&call.body));

        // An API that is not there: a clear "no answer", not an error page.
        let gone = app_at(
            &url,
            &[("COGNITO_ISSUER", &fake.issuer), ("API_URL", &closed_port().await)],
        )
        .await;
        let cookies = cookies_of(&sign_in(&gone, EMAIL, PASSWORD, &[]).await);
        let call = post(&gone, "/auth/call-api", &[], &[("cookie", &cookies)]).await;
        assert_eq!(call.status, StatusCode::OK, "{}", call.body);
        assert_eq!(call.json()["answer"], json!("Unreachable"));
    })
}

#[test]
fn the_token_never_follows_a_redirect_from_the_api_url() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let elsewhere_hits = Arc::new(Mutex::new(0usize));
        let elsewhere = serve(Router::new().fallback({
            let hits = elsewhere_hits.clone();
            move || {
                *hits.lock().unwrap() += 1;
                async { StatusCode::OK }
            }
        }))
        .await;
        let redirecting = serve(Router::new().fallback({
            let to = format!("{elsewhere}/steal");
            move || {
                let to = to.clone();
                async move { axum::response::Redirect::temporary(&to) }
            }
        }))
        .await;
        let app = app_at(&url, &[("COGNITO_ISSUER", &fake.issuer), ("API_URL", &redirecting)]).await;
        let cookies = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let call = post(&app, "/auth/call-api", &[], &[("cookie", &cookies)]).await;
        assert_eq!(
            call.json()["answer"],
            json!({ "Unexpected": { "status": 307 } }),
            "{}",
            call.body
        );
        assert_eq!(
            *elsewhere_hits.lock().unwrap(),
            0,
            "the token went where the redirect pointed"
        );
    })
}

/// The same answer with the e-mail itself written as `E`, so that answers for two addresses
/// can be compared.
fn without_email(answer: &Answer, email: &str) -> (StatusCode, String, Option<String>) {
    let hide = |s: &str| s.replace(email, "E").replace(&email.replace('@', "%40"), "E");
    (answer.status, hide(&answer.body), answer.header("location").map(hide))
}

#[test]
fn sign_up_answers_alike_for_new_unconfirmed_and_confirmed_addresses() {
    run(async {
        let (fake, app) = app(&[]).await;
        let app = &app;
        let sign_up = |email: &'static str| async move {
            post(app, "/auth/sign-up", &[("email", email), ("password", PASSWORD)], &[]).await
        };
        let new = sign_up("new@example.com").await;
        assert!(new.status.is_success(), "{} {}", new.status, new.body);
        let redirect = new.header("location").or(new.header("x-leptos-redirect"));
        for (email, answer) in [(UNCONFIRMED, sign_up(UNCONFIRMED).await), (EMAIL, sign_up(EMAIL).await)] {
            assert_eq!(
                without_email(&answer, email),
                without_email(&new, "new@example.com"),
                "{email}"
            );
            let other = answer.header("location").or(answer.header("x-leptos-redirect"));
            assert_eq!(
                other.map(|l| l.replace(&email.replace('@', "%40"), "E")),
                redirect.map(|l| l.replace("new%40example.com", "E"))
            );
        }
        // The unconfirmed account got its code again; the confirmed one nothing.
        assert_eq!(fake.calls("ResendConfirmationCode"), 2);
        assert_eq!(fake.calls("SignUp"), 3);
    })
}

#[test]
fn confirming_or_resending_for_a_confirmed_account_reads_like_an_unknown_address() {
    run(async {
        let (_, app) = app(&[]).await;
        let app = &app;
        let confirm = |email: &'static str| async move {
            post(app, "/auth/confirm", &[("email", email), ("code", "123456")], &[]).await
        };
        let confirmed = confirm(EMAIL).await;
        let unknown = confirm("nobody@example.com").await;
        assert_eq!(confirmed.json()["error"], "wrong_code", "{}", confirmed.body);
        assert_eq!(
            without_email(&confirmed, EMAIL),
            without_email(&unknown, "nobody@example.com")
        );

        let resend =
            |email: &'static str| async move { post(app, "/auth/resend-code", &[("email", email)], &[]).await };
        let confirmed = resend(EMAIL).await;
        let unknown = resend("nobody@example.com").await;
        let waiting = resend(UNCONFIRMED).await;
        assert!(confirmed.status.is_success(), "{} {}", confirmed.status, confirmed.body);
        assert_eq!(
            without_email(&confirmed, EMAIL),
            without_email(&unknown, "nobody@example.com")
        );
        assert_eq!(
            without_email(&waiting, UNCONFIRMED),
            without_email(&unknown, "nobody@example.com")
        );
    })
}

/// Signs in at the fake Cognito directly, as another client of the pool would (a CLI, a
/// phone), and returns that session's access token.
async fn access_token_from(cognito: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(cognito)
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .header("content-type", "application/x-amz-json-1.1")
        .body(
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": EMAIL, "PASSWORD": PASSWORD } })
                .to_string(),
        )
        .send()
        .await
        .expect("fake cognito")
        .json()
        .await
        .expect("json");
    answer["AuthenticationResult"]["AccessToken"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

pub(crate) async fn api_me(app: &Router, token: &str) -> Answer {
    let request = Request::get("/api/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

#[test]
fn a_sign_out_is_seen_by_the_api_at_once_and_only_for_that_session() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let app = app_at(&url, &[("COGNITO_ISSUER", &fake.issuer)]).await;
        let cookies = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        // The token the app's session holds (the fake kept it), and another session's of the
        // same person.
        let browser = fake.issued.lock().unwrap().last().cloned().expect("the app signed in");
        let phone = access_token_from(&url).await;
        // Both accepted (and remembered as verified)...
        for token in [&browser, &phone] {
            let before = api_me(&app, token).await;
            assert_eq!(before.status, StatusCode::OK, "{}", before.body);
        }
        let out = post(&app, "/auth/sign-out", &[], &[("cookie", &cookies)]).await;
        assert!(out.status.is_success() || out.status.is_redirection(), "{}", out.status);
        // ...then the signed-out session's is refused, an hour before it expires (and though the
        // fake refused the RevokeToken call); the other session goes on.
        let after = api_me(&app, &browser).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);
        assert_eq!(after.json()["error"], "invalid_token");
        assert!(
            after.header("www-authenticate").is_some_and(|c| c.contains("revoked")),
            "{:?}",
            after.headers
        );
        let other = api_me(&app, &phone).await;
        assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    })
}

#[test]
fn cookies_copied_before_a_sign_out_no_longer_sign_anyone_in() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let app = app_at(&url, &[("COGNITO_ISSUER", &fake.issuer)]).await;
        let cookies = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let before = get_page(&app, "/protected", &cookies).await;
        assert!(before.body.contains(EMAIL), "signed in: {}", before.body);
        post(&app, "/auth/sign-out", &[], &[("cookie", &cookies)]).await;
        // The same cookies again (a copy made before the sign-out): no session, and they are
        // cleared, though the fake never revoked the refresh token they hold.
        let after = get_page(&app, "/protected", &cookies).await;
        assert!(!after.body.contains(EMAIL), "{} {}", after.status, after.body);
        assert!(
            after
                .headers
                .get_all(header::SET_COOKIE)
                .iter()
                .any(|c| c.to_str().is_ok_and(|c| c.contains("Max-Age=0"))),
            "{:?}",
            after.headers
        );
    })
}
