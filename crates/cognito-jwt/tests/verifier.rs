//! The JWT verifier, case by case, against a JWKS served by a local test server — and the HTTP
//! shape of every refusal through the axum extractor (`oneshot`, no socket).
#![cfg(feature = "axum")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use base64::Engine as _;
use cognito_jwt::axum::{Authenticated, BearerError};
use cognito_jwt::{TokenError, Verifier, VerifierConfig};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tower::ServiceExt as _;

const POOL: &str = "eu-west-1_Test1";
const CLIENT: &str = "client-1";
const KEY_A: &str = include_str!("fixtures/key-a.pem");
const KEY_B: &str = include_str!("fixtures/key-b.pem");
const PUBLIC_A: &str = include_str!("fixtures/key-a.pub.pem");

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

fn jwk(name: &str, kid: &str) -> Value {
    let keys: Value = serde_json::from_str(include_str!("fixtures/keys.json")).expect("keys.json");
    json!({ "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": keys[name]["n"], "e": keys[name]["e"] })
}

/// What the test JWKS endpoint answers.
#[derive(Clone)]
enum Jwks {
    Keys(Value),
    Status(u16),
    Stall,
    NotJson,
}

struct JwksServer {
    base: String,
    answer: Arc<Mutex<Jwks>>,
    hits: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(keys: Value) -> Self {
        let answer = Arc::new(Mutex::new(Jwks::Keys(keys)));
        let hits = Arc::new(AtomicUsize::new(0));
        let app = Router::new().route(
            "/{pool}/.well-known/jwks.json",
            get({
                let (answer, hits) = (answer.clone(), hits.clone());
                move || {
                    let (answer, hits) = (answer.clone(), hits.clone());
                    async move {
                        hits.fetch_add(1, Ordering::SeqCst);
                        let current = answer.lock().expect("lock").clone();
                        match current {
                            Jwks::Keys(keys) => axum::Json(keys).into_response(),
                            Jwks::Status(code) => StatusCode::from_u16(code).expect("status").into_response(),
                            Jwks::Stall => {
                                tokio::time::sleep(Duration::from_secs(30)).await;
                                StatusCode::OK.into_response()
                            }
                            Jwks::NotJson => "<html>not json</html>".into_response(),
                        }
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base: format!("http://{addr}"),
            answer,
            hits,
        }
    }

    fn issuer(&self) -> String {
        format!("{}/{POOL}", self.base)
    }

    fn set(&self, answer: Jwks) {
        *self.answer.lock().expect("lock") = answer;
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn verifier(&self, leeway: u64, penalty: Duration) -> Verifier {
        Verifier::new(
            VerifierConfig::new(self.issuer(), [CLIENT])
                .with_leeway(Duration::from_secs(leeway))
                .with_refetch_penalty(penalty)
                .with_realm("leptos-cognito"),
        )
        .expect("verifier")
    }
}

async fn setup() -> (JwksServer, Verifier) {
    let server = JwksServer::start(json!({ "keys": [jwk("key-a", "kid-a")] })).await;
    let verifier = server.verifier(0, Duration::from_millis(200));
    (server, verifier)
}

fn access_claims(issuer: &str) -> Value {
    let t = now();
    json!({
        "sub": "1b2c3d4e-0000-4000-8000-000000000001",
        "username": "1b2c3d4e-0000-4000-8000-000000000001",
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "cognito:groups": ["admins"],
        "iss": issuer,
        "iat": t,
        "exp": t + 300,
        "jti": "jti-1",
    })
}

fn sign_with(alg: Algorithm, pem: &str, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).expect("pem"),
    )
    .expect("sign")
}

fn sign(claims: &Value) -> String {
    sign_with(Algorithm::RS256, KEY_A, Some("kid-a"), claims)
}

fn b64(v: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
}

#[tokio::test]
async fn a_valid_access_token_passes_with_its_claims() {
    let (server, verifier) = setup().await;
    let claims = verifier
        .verify_access(&sign(&access_claims(&server.issuer())))
        .await
        .expect("valid");
    assert_eq!(claims.client_id, CLIENT);
    assert_eq!(claims.groups, vec!["admins".to_string()]);
    assert_eq!(
        claims.scopes().collect::<Vec<_>>(),
        vec!["aws.cognito.signin.user.admin"]
    );
    // Cached: the second check does not fetch the JWKS again.
    verifier
        .verify_access(&sign(&access_claims(&server.issuer())))
        .await
        .expect("valid");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn verified_tokens_are_remembered_until_they_expire_and_failures_never() {
    let (server, verifier) = setup().await;
    let mut short = access_claims(&server.issuer());
    short["exp"] = json!(now() + 2);
    let short = sign(&short);
    verifier.verify_access(&short).await.expect("valid");
    assert_eq!(verifier.remembered_tokens(), 1);
    verifier.verify_access(&short).await.expect("remembered");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        verifier.verify_access(&short).await,
        Err(TokenError::Expired),
        "a remembered token still expires"
    );

    let mut forged = access_claims(&server.issuer());
    forged["client_id"] = json!("someone-else");
    let forged = sign(&forged);
    for _ in 0..3 {
        assert_eq!(verifier.verify_access(&forged).await, Err(TokenError::Client));
    }
    assert_eq!(verifier.remembered_tokens(), 1, "failures are not remembered");
}

#[tokio::test]
async fn only_rs256_is_accepted() {
    let (server, verifier) = setup().await;
    let claims = access_claims(&server.issuer());
    // alg: none
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","kid":"kid-a"}"#),
        b64(claims.to_string().as_bytes())
    );
    assert_eq!(verifier.verify_access(&none).await, Err(TokenError::Algorithm));
    // HS256 "signed" with the public key, the classic key-confusion attack.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("kid-a".into());
    let hs = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(PUBLIC_A.as_bytes())).expect("hs256");
    assert_eq!(verifier.verify_access(&hs).await, Err(TokenError::Algorithm));
    for alg in [Algorithm::RS384, Algorithm::PS256] {
        let token = sign_with(alg, KEY_A, Some("kid-a"), &claims);
        assert_eq!(
            verifier.verify_access(&token).await,
            Err(TokenError::Algorithm),
            "{alg:?}"
        );
    }
    let es = format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"ES256","kid":"kid-a"}"#),
        b64(claims.to_string().as_bytes())
    );
    assert_eq!(verifier.verify_access(&es).await, Err(TokenError::Algorithm));
}

#[tokio::test]
async fn the_key_id_must_be_there_and_known() {
    let (server, verifier) = setup().await;
    let claims = access_claims(&server.issuer());
    assert_eq!(
        verifier
            .verify_access(&sign_with(Algorithm::RS256, KEY_A, None, &claims))
            .await,
        Err(TokenError::MissingKid)
    );
    let unknown = sign_with(Algorithm::RS256, KEY_A, Some("kid-zzz"), &claims);
    assert_eq!(verifier.verify_access(&unknown).await, Err(TokenError::UnknownKid));
    // A known kid with another key's signature.
    let wrong_key = sign_with(Algorithm::RS256, KEY_B, Some("kid-a"), &claims);
    assert_eq!(verifier.verify_access(&wrong_key).await, Err(TokenError::Signature));
}

#[tokio::test]
async fn jku_x5u_and_jwk_headers_are_never_followed() {
    let (server, verifier) = setup().await;
    let claims = access_claims(&server.issuer());
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("kid-evil".into());
    header.jku = Some("http://127.0.0.1:1/evil-jwks.json".into());
    header.x5u = Some("http://127.0.0.1:1/evil.pem".into());
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(KEY_B.as_bytes()).expect("pem"),
    )
    .expect("sign");
    assert_eq!(verifier.verify_access(&token).await, Err(TokenError::UnknownKid));
    assert_eq!(server.hits(), 1, "only the configured JWKS was fetched");
}

#[tokio::test]
async fn tampering_and_truncation_break_the_signature() {
    let (server, verifier) = setup().await;
    let token = sign(&access_claims(&server.issuer()));
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged = access_claims(&server.issuer());
    forged["cognito:groups"] = json!(["admins", "root"]);
    let tampered = format!("{}.{}.{}", parts[0], b64(forged.to_string().as_bytes()), parts[2]);
    assert_eq!(verifier.verify_access(&tampered).await, Err(TokenError::Signature));
    let truncated = format!("{}.{}.{}", parts[0], parts[1], &parts[2][..parts[2].len() - 10]);
    assert_eq!(verifier.verify_access(&truncated).await, Err(TokenError::Signature));
}

#[tokio::test]
async fn expiry_and_not_before_are_enforced_with_the_leeway() {
    let (server, strict) = setup().await;
    let lenient = server.verifier(30, Duration::from_millis(200));
    let mut expired = access_claims(&server.issuer());
    expired["exp"] = json!(now() - 10);
    let expired = sign(&expired);
    assert_eq!(strict.verify_access(&expired).await, Err(TokenError::Expired));
    assert!(
        lenient.verify_access(&expired).await.is_ok(),
        "10 s late is inside a 30 s leeway"
    );
    let mut long_expired = access_claims(&server.issuer());
    long_expired["exp"] = json!(now() - 60);
    assert_eq!(
        lenient.verify_access(&sign(&long_expired)).await,
        Err(TokenError::Expired)
    );

    let mut future = access_claims(&server.issuer());
    future["nbf"] = json!(now() + 120);
    assert_eq!(strict.verify_access(&sign(&future)).await, Err(TokenError::NotYetValid));
}

#[tokio::test]
async fn the_issuer_must_match_exactly() {
    let (server, verifier) = setup().await;
    let mut missing = access_claims(&server.issuer());
    missing.as_object_mut().expect("object").remove("iss");
    assert!(verifier.verify_access(&sign(&missing)).await.is_err());
    for iss in [
        format!("{}/eu-west-1_Other", server.base),
        format!("{}/", server.issuer()),
        server.issuer().replace("http://", "https://"),
    ] {
        let mut claims = access_claims(&server.issuer());
        claims["iss"] = json!(iss);
        assert_eq!(
            verifier.verify_access(&sign(&claims)).await,
            Err(TokenError::Issuer),
            "{iss}"
        );
    }
}

#[tokio::test]
async fn token_use_and_client_are_checked() {
    let (server, verifier) = setup().await;
    let t = now();
    let id_token = json!({
        "sub": "s", "aud": CLIENT, "token_use": "id", "iss": server.issuer(), "iat": t, "exp": t + 300,
        "email": "ada@example.com"
    });
    let id_token = sign(&id_token);
    assert!(
        verifier.verify_access(&id_token).await.is_err(),
        "an ID token is not an access token"
    );
    assert_eq!(
        verifier
            .verify_id(&id_token)
            .await
            .expect("valid ID token")
            .email
            .as_deref(),
        Some("ada@example.com")
    );

    let mut foreign = access_claims(&server.issuer());
    foreign["client_id"] = json!("someone-elses-client");
    assert_eq!(verifier.verify_access(&sign(&foreign)).await, Err(TokenError::Client));
    let access = sign(&access_claims(&server.issuer()));
    assert!(
        verifier.verify_id(&access).await.is_err(),
        "an access token is not an ID token"
    );
}

#[tokio::test]
async fn claims_of_the_wrong_type_are_refused() {
    let (server, verifier) = setup().await;
    for exp in [json!((now() + 300).to_string()), Value::Null] {
        let mut claims = access_claims(&server.issuer());
        claims["exp"] = exp.clone();
        assert!(verifier.verify_access(&sign(&claims)).await.is_err(), "exp = {exp}");
    }
    let mut claims = access_claims(&server.issuer());
    claims["cognito:groups"] = json!("admins");
    assert_eq!(verifier.verify_access(&sign(&claims)).await, Err(TokenError::Claims));
}

#[tokio::test]
async fn malformed_tokens_are_refused_before_any_key_lookup() {
    let (server, verifier) = setup().await;
    let token = sign(&access_claims(&server.issuer()));
    let parts: Vec<&str> = token.split('.').collect();
    for bad in [
        format!("{}.{}", parts[0], parts[1]),
        format!("{token}.extra"),
        format!("{}.{}.{}", b64(b"not json"), parts[1], parts[2]),
        // Cognito's refresh token: an encrypted JWE of five segments.
        "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.a.b.c.d".to_string(),
        String::new(),
    ] {
        assert!(
            matches!(verifier.verify_access(&bad).await, Err(TokenError::Malformed)),
            "{bad}"
        );
    }
    let huge = format!("{}.{}.{}", parts[0], "A".repeat(9 * 1024), parts[2]);
    assert_eq!(verifier.verify_access(&huge).await, Err(TokenError::TooLarge));
    assert_eq!(server.hits(), 0, "nothing was fetched for malformed input");
}

#[tokio::test]
async fn a_failing_jwks_never_lets_a_token_through() {
    for failure in [Jwks::Status(500), Jwks::NotJson, Jwks::Stall] {
        let server = JwksServer::start(json!({ "keys": [] })).await;
        server.set(failure);
        let verifier = server.verifier(0, Duration::from_millis(200));
        let started = std::time::Instant::now();
        let result = verifier.verify_access(&sign(&access_claims(&server.issuer()))).await;
        assert_eq!(result, Err(TokenError::JwksUnavailable));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the fetch is cut by its timeout"
        );
    }
}

#[tokio::test]
async fn keys_that_are_not_rsa_signing_keys_are_ignored() {
    let mut encryption = jwk("key-a", "kid-a");
    encryption["use"] = json!("enc");
    let mut no_modulus = jwk("key-a", "kid-n");
    no_modulus.as_object_mut().expect("object").remove("n");
    let server = JwksServer::start(json!({ "keys": [encryption, no_modulus, { "kty": "EC", "kid": "kid-ec" }] })).await;
    let verifier = server.verifier(0, Duration::from_millis(200));
    let result = verifier.verify_access(&sign(&access_claims(&server.issuer()))).await;
    assert_eq!(result, Err(TokenError::UnknownKid));
}

#[tokio::test]
async fn rotation_accepts_new_keys_and_drops_removed_ones() {
    let (server, verifier) = setup().await;
    let claims = access_claims(&server.issuer());
    verifier.verify_access(&sign(&claims)).await.expect("key A");

    // The pool rotates: key B is added, key A removed.
    server.set(Jwks::Keys(json!({ "keys": [jwk("key-b", "kid-b")] })));
    tokio::time::sleep(Duration::from_millis(250)).await;
    let with_b = sign_with(Algorithm::RS256, KEY_B, Some("kid-b"), &claims);
    verifier
        .verify_access(&with_b)
        .await
        .expect("the new key is fetched and accepted");
    assert_eq!(
        verifier.verify_access(&sign(&claims)).await,
        Err(TokenError::UnknownKid),
        "key A is gone"
    );
}

#[tokio::test]
async fn a_hundred_unknown_kids_at_once_cause_one_fetch() {
    let server = JwksServer::start(json!({ "keys": [jwk("key-a", "kid-a")] })).await;
    let verifier = Arc::new(server.verifier(0, Duration::from_secs(10)));
    let token = sign_with(
        Algorithm::RS256,
        KEY_A,
        Some("kid-unknown"),
        &access_claims(&server.issuer()),
    );
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.clone());
            tokio::spawn(async move { verifier.verify_access(&token).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("task"), Err(TokenError::UnknownKid));
    }
    assert_eq!(server.hits(), 1);
    assert_eq!(verifier.jwks_fetches(), 1);
}

// ---- the HTTP shape of refusals (RFC 6750), through the extractor -------------------------

async fn call(verifier: Arc<Verifier>, authorization: Option<&str>) -> (StatusCode, Option<String>, Value) {
    let app = Router::new()
        .route(
            "/api/echo",
            get(|auth: Authenticated| async move { axum::Json(json!({ "sub": auth.claims.sub })) }),
        )
        .with_state(verifier);
    let mut request = Request::builder().uri("/api/echo");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = app
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().expect("ascii").to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .expect("body");
    (status, challenge, serde_json::from_slice(&bytes).expect("JSON body"))
}

#[tokio::test]
async fn http_answers_follow_rfc_6750() {
    let (server, verifier) = setup().await;
    let verifier = Arc::new(verifier);
    let token = sign(&access_claims(&server.issuer()));

    let (status, challenge, body) = call(verifier.clone(), Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(challenge, None);
    assert_eq!(body["sub"], "1b2c3d4e-0000-4000-8000-000000000001");
    let (status, _, _) = call(verifier.clone(), Some(&format!("bearer {token}"))).await;
    assert_eq!(status, StatusCode::OK, "the scheme is case-insensitive");

    let (status, challenge, body) = call(verifier.clone(), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some(r#"Bearer realm="leptos-cognito""#));
    assert_eq!(body["error"], "missing_token");

    // Another scheme carries no bearer credentials at all: RFC 6750 §3.1 wants the bare
    // challenge, with no error code.
    for other in [
        format!("Basic {token}"),
        "Digest username=\"ada\"".to_owned(),
        "Negotiate".to_owned(),
    ] {
        let (status, challenge, body) = call(verifier.clone(), Some(&other)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{other}");
        assert_eq!(
            challenge.as_deref(),
            Some(r#"Bearer realm="leptos-cognito""#),
            "{other}"
        );
        assert_eq!(body["error"], "missing_token", "{other}");
    }
    // A malformed bearer header is a bad request.
    for malformed in ["Bearer", "Bearer ", "Bearer a b"] {
        let (status, challenge, body) = call(verifier.clone(), Some(malformed)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{malformed}");
        assert!(challenge.expect("challenge").contains(r#"error="invalid_request""#));
        assert_eq!(body["error"], "invalid_request");
    }

    let mut expired = access_claims(&server.issuer());
    expired["exp"] = json!(now() - 5);
    let expired = sign(&expired);
    let (status, challenge, body) = call(verifier.clone(), Some(&format!("Bearer {expired}"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge.as_deref(),
        Some(r#"Bearer realm="leptos-cognito", error="invalid_token", error_description="the token has expired""#)
    );
    assert_eq!(
        body,
        json!({ "error": "invalid_token", "error_description": "the token has expired" })
    );
    assert!(!body.to_string().contains(&expired), "the token is never echoed");
}

#[tokio::test]
async fn groups_and_scopes_can_be_required() {
    let (server, verifier) = setup().await;
    let verifier = Arc::new(verifier);
    let app = Router::new()
        .route(
            "/api/admin",
            get(|auth: Authenticated| async move {
                auth.require_group("admins")?;
                auth.require_scope("orders/write")?;
                Ok::<_, BearerError>("ok")
            }),
        )
        .with_state(verifier);
    let token = sign(&access_claims(&server.issuer()));
    let request = Request::builder()
        .uri("/api/admin")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = app.oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let challenge = response
        .headers()
        .get("www-authenticate")
        .expect("challenge")
        .to_str()
        .expect("ascii");
    assert!(challenge.contains(r#"error="insufficient_scope""#), "{challenge}");
}

#[tokio::test]
async fn the_api_keeps_verifying_from_cached_keys_while_cognito_is_down() {
    let (server, verifier) = setup().await;
    let mut claims = access_claims(&server.issuer());
    verifier.verify_access(&sign(&claims)).await.expect("valid");
    // Cognito goes away: new tokens signed with the known key still pass, without a fetch.
    for failure in [Jwks::Status(503), Jwks::Stall] {
        server.set(failure);
        claims["jti"] = json!(format!("another-token-{}", server.hits()));
        let started = std::time::Instant::now();
        verifier
            .verify_access(&sign(&claims))
            .await
            .expect("valid from the cache");
        assert!(started.elapsed() < Duration::from_millis(100));
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn tokens_that_fail_on_their_claims_are_refused_before_any_key_is_fetched() {
    // A fresh verifier has no keys yet: a token that reaches the key lookup makes it fetch the
    // JWKS. Expired, foreign and wrong-client tokens must be refused before that (and so before
    // any RSA work), even with a kid nobody knows.
    let (server, verifier) = setup().await;
    let t = now();
    let mut expired = access_claims(&server.issuer());
    expired["exp"] = json!(t - 60);
    let mut foreign = access_claims(&server.issuer());
    foreign["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other");
    let mut other_client = access_claims(&server.issuer());
    other_client["client_id"] = json!("another-client");
    let mut id_token = access_claims(&server.issuer());
    id_token["token_use"] = json!("id");
    for (claims, want) in [
        (&expired, TokenError::Expired),
        (&foreign, TokenError::Issuer),
        (&other_client, TokenError::Client),
        (&id_token, TokenError::NotAccessToken),
    ] {
        let token = sign_with(Algorithm::RS256, KEY_B, Some("kid-nobody-knows"), claims);
        assert_eq!(verifier.verify_access(&token).await, Err(want));
    }
    assert_eq!(server.hits(), 0, "no JWKS fetch for a token its claims refuse");
    assert_eq!(verifier.jwks_fetches(), 0);

    // A token whose claims pass is the only kind that costs a key lookup and a signature check.
    let forged = sign_with(Algorithm::RS256, KEY_B, Some("kid-a"), &access_claims(&server.issuer()));
    assert_eq!(verifier.verify_access(&forged).await, Err(TokenError::Signature));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn refusals_are_counted_by_reason() {
    let (server, verifier) = setup().await;
    let mut expired = access_claims(&server.issuer());
    expired["exp"] = json!(now() - 60);
    let expired = sign(&expired);
    for _ in 0..3 {
        assert_eq!(verifier.verify_access(&expired).await, Err(TokenError::Expired));
    }
    assert_eq!(verifier.verify_access("not-a-jwt").await, Err(TokenError::Malformed));
    assert!(
        verifier
            .verify_access(&sign(&access_claims(&server.issuer())))
            .await
            .is_ok()
    );
    let counts: std::collections::HashMap<String, u64> = verifier
        .refusals()
        .iter()
        .map(|(reason, n)| (reason.to_string(), *n))
        .collect();
    assert_eq!(counts[&TokenError::Expired.to_string()], 3);
    assert_eq!(counts[&TokenError::Malformed.to_string()], 1);
    assert_eq!(
        counts.values().sum::<u64>(),
        4,
        "a valid token is not a refusal: {counts:?}"
    );
    // Every reason has its own slot.
    for (i, reason) in TokenError::ALL.iter().enumerate() {
        assert_eq!(reason.index(), i, "{reason}");
    }
}

/// A revocation check that answers what the test says, and counts how often it is asked.
#[derive(Default)]
struct Switch {
    /// 0: not revoked, 1: revoked, 2: unavailable.
    answer: AtomicUsize,
    asked: AtomicUsize,
}

impl cognito_jwt::RevocationCheck for Switch {
    fn is_revoked<'a>(
        &'a self,
        _claims: &'a cognito_jwt::AccessClaims,
        _now: i64,
    ) -> cognito_jwt::RevocationFuture<'a> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let answer = self.answer.load(Ordering::SeqCst);
        Box::pin(async move {
            match answer {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(cognito_jwt::Unavailable),
            }
        })
    }
}

/// The hook is asked for every token — a remembered one too — after every other check: a
/// revoked token is 401 `invalid_token`, a check that cannot be made is 503 with `Retry-After`,
/// never a token accepted unchecked.
#[tokio::test]
async fn the_revocation_check_is_asked_every_time_and_fails_closed() {
    let (server, verifier) = setup().await;
    let switch = Arc::new(Switch::default());
    let verifier = Arc::new(verifier.with_revocation_check(switch.clone()));
    let token = sign(&access_claims(&server.issuer()));
    let bearer = format!("Bearer {token}");

    let (status, _, _) = call(verifier.clone(), Some(&bearer)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(verifier.clone(), Some(&bearer)).await;
    assert_eq!(status, StatusCode::OK, "remembered");
    assert_eq!(
        switch.asked.load(Ordering::SeqCst),
        2,
        "asked for the remembered token too"
    );

    switch.answer.store(1, Ordering::SeqCst);
    let (status, challenge, body) = call(verifier.clone(), Some(&bearer)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.expect("challenge").contains(r#"error="invalid_token""#));
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(verifier.verify_access(&token).await.err(), Some(TokenError::Revoked));

    switch.answer.store(2, Ordering::SeqCst);
    let app = Router::new()
        .route("/api/echo", get(|_: Authenticated| async { "never" }))
        .with_state(verifier.clone());
    let response = app
        .oneshot(
            Request::builder()
                .uri("/api/echo")
                .header("authorization", &bearer)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response.headers().contains_key("retry-after"),
        "503 says when to try again"
    );
    assert_eq!(
        verifier.verify_access(&token).await.err(),
        Some(TokenError::RevocationUnavailable)
    );
}
