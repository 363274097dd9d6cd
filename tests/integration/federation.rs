//! "Continue with Google" and managed login, on the wire shapes of the pool's OAuth endpoints:
//! the app runs in front of a fake domain that answers `/oauth2/token` as Cognito does (RFC 6749
//! §5.1 and §5.2 bodies, HTTP Basic client authentication) and serves the pool's JWKS, so the ID
//! token goes through the same verifier as the API's tokens. What each round trip must carry
//! (PKCE S256, `state`, `nonce`, the callback URL) is checked on both sides.

use crate::app::{jwks, signed};
use crate::common::*;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine as _;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const APP_URL: &str = "http://localhost:3000";
const CALLBACK: &str = "http://localhost:3000/auth/callback";
const FEDERATED_USER: &str = "Google_110169484474386276334";

/// What the fake token endpoint answers next.
#[derive(Clone)]
enum TokenAnswer {
    /// Tokens whose ID token carries this nonce (`None`: the nonce of the last authorize URL).
    Tokens { nonce: Option<String>, aud: &'static str },
    /// Tokens whose ID token carries no nonce at all.
    TokensWithoutNonce,
    /// `400 {"error": …}`, as Cognito refuses a code.
    Error(&'static str),
}

/// A request to `/oauth2/token`: its form and its `Authorization` header.
type TokenRequest = (HashMap<String, String>, Option<String>);

#[derive(Clone)]
struct Domain {
    answer: Arc<Mutex<TokenAnswer>>,
    /// The nonce the app sent in its last authorize URL (the test copies it here, as the pool
    /// would keep it with the code).
    nonce: Arc<Mutex<String>>,
    /// Each token request: its form and its `Authorization` header.
    requests: Arc<Mutex<Vec<TokenRequest>>>,
    issuer: String,
}

async fn token(State(domain): State<Domain>, headers: HeaderMap, body: String) -> axum::response::Response {
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    domain.requests.lock().unwrap().push((form, auth));
    let answer = domain.answer.lock().unwrap().clone();
    let (answer, omit_nonce) = match answer {
        TokenAnswer::TokensWithoutNonce => (
            TokenAnswer::Tokens {
                nonce: None,
                aud: CLIENT_ID,
            },
            true,
        ),
        answer => (answer, false),
    };
    match answer {
        TokenAnswer::TokensWithoutNonce => unreachable!("mapped above"),
        TokenAnswer::Error(code) => (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/json")],
            json!({ "error": code }).to_string(),
        )
            .into_response(),
        TokenAnswer::Tokens { nonce, aud } => {
            let nonce = nonce.unwrap_or_else(|| domain.nonce.lock().unwrap().clone());
            let exp = now() + 3600;
            let access = signed(json!({
                "sub": USER_ID, "username": FEDERATED_USER, "client_id": CLIENT_ID, "token_use": "access",
                "scope": "openid email profile aws.cognito.signin.user.admin",
                "iss": domain.issuer, "exp": exp, "iat": now(), "jti": "access-1", "origin_jti": "origin-1",
            }));
            let mut id_claims = json!({
                "sub": USER_ID, "aud": aud, "token_use": "id", "iss": domain.issuer, "exp": exp, "iat": now(),
                "email": "grace@example.com", "cognito:username": FEDERATED_USER, "nonce": nonce,
                "identities": [{ "providerName": "Google", "userId": "110169484474386276334" }],
            });
            if omit_nonce {
                id_claims.as_object_mut().expect("claims").remove("nonce");
            }
            let id = signed(id_claims);
            axum::Json(json!({
                "access_token": access, "id_token": id, "refresh_token": "refresh-federated",
                "token_type": "Bearer", "expires_in": 3600,
            }))
            .into_response()
        }
    }
}

/// The pool's domain on a free port; its issuer is the same origin (as `COGNITO_ISSUER`).
async fn fake_domain() -> (Domain, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let domain = Domain {
        answer: Arc::new(Mutex::new(TokenAnswer::Tokens {
            nonce: None,
            aud: CLIENT_ID,
        })),
        nonce: Arc::default(),
        requests: Arc::default(),
        issuer: format!("{url}/eu-west-1_Test1"),
    };
    let router = Router::new()
        .route("/oauth2/token", axum::routing::post(token))
        .route(
            "/eu-west-1_Test1/.well-known/jwks.json",
            axum::routing::get(|| async { axum::Json(jwks()) }),
        )
        .with_state(domain.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (domain, url)
}

async fn federated_app(pool: Pool, extra: &[(&str, &str)]) -> (Router, Domain, String) {
    federated_app_with(pool, extra, &[]).await
}

fn revoke() -> aws_smithy_mocks::Rule {
    aws_smithy_mocks::mock!(aws_sdk_cognitoidentityprovider::Client::revoke_token)
        .then_output(|| aws_sdk_cognitoidentityprovider::operation::revoke_token::RevokeTokenOutput::builder().build())
}

async fn federated_app_with(
    pool: Pool,
    extra: &[(&str, &str)],
    rules: &[&aws_smithy_mocks::Rule],
) -> (Router, Domain, String) {
    let (domain, url) = fake_domain().await;
    let mut vars = vec![
        ("APP_URL", APP_URL),
        ("COGNITO_DOMAIN", url.as_str()),
        ("COGNITO_ISSUER", domain.issuer.as_str()),
        ("COGNITO_IDENTITY_PROVIDERS", "Google,MyCorp=My Company"),
    ];
    vars.extend_from_slice(extra);
    let state = state(pool, rules, &vars).await.expect("state");
    (leptos_cognito::router::router(state), domain, url)
}

fn query_of(url: &str) -> HashMap<String, String> {
    let (_, query) = url.split_once('?').unwrap_or_default();
    serde_urlencoded::from_str(query).expect("query")
}

/// "Continue with Google": the redirect to the pool, its query, and the nonce the pool keeps.
async fn start(app: &Router, browser: &mut Browser, domain: &Domain, path: &str) -> HashMap<String, String> {
    let answer = browser.get(app, path).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert!(answer.sets("lc-federation"), "{:?}", answer.set_cookies());
    let query = query_of(answer.location());
    *domain.nonce.lock().unwrap() = query["nonce"].clone();
    query
}

fn callback(state: &str, code: &str) -> String {
    format!(
        "/auth/callback?{}",
        serde_urlencoded::to_string([("code", code), ("state", state)]).unwrap()
    )
}

#[test]
fn continue_with_google_signs_in_with_pkce_state_and_nonce() {
    run(async {
        let secret = Pool {
            secret: true,
            ..Pool::default()
        };
        let (app, domain, url) = federated_app_with(secret, &[], &[&get_user(), &revoke()]).await;
        let mut browser = Browser::default();
        let answer = browser
            .get(&app, "/auth/continue?provider=Google&next=%2Faccount")
            .await;
        assert!(answer.location().starts_with(&format!("{url}/oauth2/authorize?")));
        let cookie = answer
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("lc-federation="))
            .expect("the round trip's cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Max-Age=600"));
        let query = query_of(answer.location());
        *domain.nonce.lock().unwrap() = query["nonce"].clone();
        assert_eq!(query["identity_provider"], "Google");
        assert_eq!(query["redirect_uri"], CALLBACK);
        assert_eq!(query["code_challenge_method"], "S256");
        // Nothing secret in what the browser carries to the pool: the cookie is sealed.
        assert!(!cookie.contains(&query["state"]) && !cookie.contains(&query["nonce"]));

        let back = browser.get(&app, &callback(&query["state"], "the-code")).await;
        signed_in(&back);
        assert_eq!(back.location(), "/account");
        assert!(back.removes("lc-federation"));
        // The code was traded from the server, with the PKCE verifier and the client secret.
        let requests = domain.requests.lock().unwrap().clone();
        let (form, auth) = &requests[0];
        assert_eq!(form["grant_type"], "authorization_code");
        assert_eq!(form["code"], "the-code");
        assert_eq!(form["redirect_uri"], CALLBACK);
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, form["code_verifier"].as_bytes());
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        assert_eq!(challenge, query["code_challenge"]);
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
        assert_eq!(auth.as_deref(), Some(format!("Basic {basic}").as_str()));
        assert!(!form.contains_key("client_secret"));

        // The session is the server's, as after a password; the pages know the person.
        let page = browser.get(&app, "/protected").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("grace@example.com"));
        assert!(!page.body.contains("refresh-federated"));

        // Signing out goes by the pool's /logout (its own session cookie ends there).
        let out = browser.post(&app, "/auth/sign-out", &[]).await;
        assert!(out.removes("lc-session") && out.removes("lc-refresh"));
        assert_eq!(
            out.location(),
            format!("{url}/logout?client_id={CLIENT_ID}&logout_uri=http%3A%2F%2Flocalhost%3A3000%2F")
        );
        // The answer is used up: the same callback again is refused.
        let again = browser.get(&app, &callback(&query["state"], "the-code")).await;
        assert_eq!(again.location(), "/sign-in?error=federation_expired&next=%2Fprotected");
    });
}

#[test]
fn a_password_sign_out_does_not_visit_the_pool() {
    run(async {
        let pool = Pool::default();
        let rule = sign_in_rule_tokens();
        let (domain, url) = fake_domain().await;
        let vars = [
            ("APP_URL", APP_URL),
            ("COGNITO_DOMAIN", url.as_str()),
            ("COGNITO_ISSUER", domain.issuer.as_str()),
            ("COGNITO_IDENTITY_PROVIDERS", "Google"),
        ];
        let app = leptos_cognito::router::router(state(pool, &[&rule, &revoke()], &vars).await.expect("state"));
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let out = browser.post(&app, "/auth/sign-out", &[]).await;
        assert_eq!(out.location(), "/");
    });
}

fn sign_in_rule_tokens() -> aws_smithy_mocks::Rule {
    aws_smithy_mocks::mock!(aws_sdk_cognitoidentityprovider::Client::initiate_auth).then_output(|| {
        aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput::builder()
            .authentication_result(tokens(3600, Some("refresh-1")))
            .build()
    })
}

#[test]
fn the_answer_must_be_to_this_browsers_own_request() {
    run(async {
        let (app, domain, _) = federated_app(Pool::default(), &[]).await;
        let mut browser = Browser::default();
        let query = start(&app, &mut browser, &domain, "/auth/continue?provider=Google").await;
        // Another state (a link someone planted, another tab's answer): refused, nothing traded.
        let tampered = browser.get(&app, &callback("someone-elses-state", "their-code")).await;
        assert_eq!(tampered.status, StatusCode::FOUND);
        assert_eq!(
            tampered.location(),
            "/sign-in?error=federation_expired&next=%2Fprotected"
        );
        assert!(!tampered.sets("lc-session"));
        // Another browser (no cookie) with the right state: refused too.
        let mut other = Browser::default();
        let elsewhere = other.get(&app, &callback(&query["state"], "the-code")).await;
        assert!(elsewhere.location().starts_with("/sign-in?error=federation_expired"));
        assert!(domain.requests.lock().unwrap().is_empty(), "no code was traded");
    });
}

#[test]
fn next_survives_the_round_trip_and_stays_on_the_site() {
    run(async {
        let (app, domain, _) = federated_app(Pool::default(), &[]).await;
        for (asked, lands) in [
            ("%2Faccount%3Ftab%3D1", "/account?tab=1"),
            ("%2F%2Fevil.example", "/protected"),
        ] {
            let mut browser = Browser::default();
            let query = start(
                &app,
                &mut browser,
                &domain,
                &format!("/auth/continue?provider=Google&next={asked}"),
            )
            .await;
            let back = browser.get(&app, &callback(&query["state"], "code")).await;
            signed_in(&back);
            assert_eq!(back.location(), lands);
        }
    });
}

#[test]
fn only_the_providers_offered() {
    run(async {
        let (app, _, _) = federated_app(Pool::default(), &[]).await;
        let mut browser = Browser::default();
        for path in ["/auth/continue?provider=Facebook", "/auth/continue"] {
            let answer = browser.get(&app, path).await;
            assert_eq!(
                answer.location(),
                "/sign-in?error=federation_unavailable&next=%2Fprotected",
                "{path}"
            );
            assert!(!answer.sets("lc-federation"));
        }
        // The sign-in page offers exactly the configured ones, in order, with their labels.
        let page = browser.get(&app, "/sign-in?next=%2Faccount").await;
        let google = page.body.find("Continue with Google").expect("a Google button");
        let company = page.body.find("Continue with My Company").expect("the company's");
        assert!(google < company);
        assert!(
            page.body
                .contains(r#"href="/auth/continue?provider=MyCorp&amp;next=%2Faccount""#)
        );
    });
}

#[test]
fn what_the_pool_sends_back_instead_of_a_code() {
    run(async {
        let (app, domain, _) = federated_app(Pool::default(), &[]).await;
        for (error, description, shown) in [
            ("access_denied", "User cancelled the sign-in", "federation_cancelled"),
            (
                "invalid_request",
                "Already found an entry for username Google_110169484474386276334",
                "federation_linked",
            ),
            (
                "invalid_request",
                "PreSignUp failed with error Sign-ups are closed.",
                "federation_failed",
            ),
            ("unauthorized_client", "", "federation_unavailable"),
            ("server_error", "", "federation_failed"),
        ] {
            let mut browser = Browser::default();
            let query = start(
                &app,
                &mut browser,
                &domain,
                "/auth/continue?provider=Google&next=%2Faccount",
            )
            .await;
            let path = format!(
                "/auth/callback?{}",
                serde_urlencoded::to_string([
                    ("error", error),
                    ("error_description", description),
                    ("state", &query["state"])
                ])
                .unwrap()
            );
            let back = browser.get(&app, &path).await;
            assert_eq!(
                back.location(),
                format!("/sign-in?error={shown}&next=%2Faccount"),
                "{error}"
            );
            // The message is the app's, in the person's language; Cognito's words stay in the log.
            let page = browser.get(&app, back.location()).await;
            assert_eq!(page.status, StatusCode::OK);
            if !description.is_empty() {
                assert!(!page.body.contains(description), "{description}");
            }
            if shown == "federation_cancelled" {
                assert!(page.body.contains("You cancelled signing in with that account"));
                browser.cookies.insert("lang".into(), "ja".into());
                let ja = browser.get(&app, back.location()).await;
                assert!(ja.body.contains("そのアカウントでのサインインをキャンセルしました"));
            }
        }
        assert!(domain.requests.lock().unwrap().is_empty(), "no code was traded");
    });
}

#[test]
fn the_token_endpoints_refusals() {
    run(async {
        let (app, domain, _) = federated_app(Pool::default(), &[]).await;
        for (code, shown) in [
            ("invalid_grant", "federation_expired"),
            ("invalid_client", "federation_unavailable"),
            ("unauthorized_client", "federation_unavailable"),
            ("invalid_request", "federation_failed"),
        ] {
            *domain.answer.lock().unwrap() = TokenAnswer::Error(code);
            let mut browser = Browser::default();
            let query = start(&app, &mut browser, &domain, "/auth/continue?provider=Google").await;
            let back = browser.get(&app, &callback(&query["state"], "code")).await;
            assert_eq!(
                back.location(),
                format!("/sign-in?error={shown}&next=%2Fprotected"),
                "{code}"
            );
            assert!(!back.sets("lc-session"));
        }
    });
}

#[test]
fn an_id_token_for_another_request_or_client_is_refused() {
    run(async {
        let (app, domain, _) = federated_app(Pool::default(), &[]).await;
        for answer in [
            TokenAnswer::Tokens {
                nonce: Some("another-requests-nonce".into()),
                aud: CLIENT_ID,
            },
            TokenAnswer::Tokens {
                nonce: None,
                aud: "another-client",
            },
            // The pool puts the nonce it was sent into the ID token; one without it is not an
            // answer to this request.
            TokenAnswer::TokensWithoutNonce,
        ] {
            *domain.answer.lock().unwrap() = answer;
            let mut browser = Browser::default();
            let query = start(&app, &mut browser, &domain, "/auth/continue?provider=Google").await;
            let back = browser.get(&app, &callback(&query["state"], "code")).await;
            assert_eq!(back.location(), "/sign-in?error=federation_failed&next=%2Fprotected");
            assert!(!back.sets("lc-session"));
        }
    });
}

#[test]
fn managed_login_sends_the_sign_in_page_to_cognitos_in_the_persons_language() {
    run(async {
        let (app, domain, url) = federated_app(
            Pool::default(),
            &[("COGNITO_MANAGED_LOGIN", "true"), ("COGNITO_IDENTITY_PROVIDERS", "")],
        )
        .await;
        let mut browser = Browser::default();
        // Straight to the pool (a link to this sign-in page from anywhere reaches it), in the
        // person's language.
        browser.cookies.insert("lang".into(), "ja".into());
        let page = browser.get(&app, "/sign-in?next=%2Faccount").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(
            page.location().starts_with(&format!("{url}/oauth2/authorize?")),
            "{}",
            page.location()
        );
        assert!(page.sets("lc-federation"), "{:?}", page.set_cookies());
        let query = query_of(page.location());
        *domain.nonce.lock().unwrap() = query["nonce"].clone();
        assert_eq!(query["lang"], "ja");
        assert!(!query.contains_key("identity_provider"));
        let back = browser.get(&app, &callback(&query["state"], "code")).await;
        signed_in(&back);
        assert_eq!(back.location(), "/account");
        // Someone signed in already sees the page, not a new round trip.
        let signed_in_page = browser.get(&app, "/sign-in").await;
        assert_eq!(signed_in_page.status, StatusCode::OK);
        // A round trip that failed shows its message here instead of starting again unseen.
        browser.cookies.remove("lang");
        let failed = browser.get(&app, "/sign-in?error=federation_cancelled").await;
        assert_eq!(failed.status, StatusCode::OK);
        assert!(failed.body.contains(r#"href="/auth/continue?""#));
        assert!(failed.body.contains("Sign in on the sign-in page of Cognito"));
        assert!(failed.body.contains("You cancelled signing in with that account"));
        assert!(url.starts_with("http://127.0.0.1:"));
    });
}

/// The cookie's value is what the server sealed: a browser that edits it has no round trip.
#[test]
fn an_edited_cookie_is_no_round_trip() {
    run(async {
        let (app, domain, _) = federated_app(Pool::default(), &[]).await;
        let mut browser = Browser::default();
        let query = start(&app, &mut browser, &domain, "/auth/continue?provider=Google").await;
        let sealed = browser.cookies.get_mut("lc-federation").expect("cookie");
        sealed.replace_range(10..12, "AA");
        let back = browser.get(&app, &callback(&query["state"], "code")).await;
        assert!(back.location().starts_with("/sign-in?error=federation_expired"));
        assert!(domain.requests.lock().unwrap().is_empty(), "no code was traded");
    });
}

/// The round trip's cookie says until when it is good; past that (ten minutes, whatever the
/// browser kept) its answer is refused on the server, and no code is traded.
#[test]
fn a_round_trip_ends_on_the_server_after_ten_minutes() {
    run(async {
        let (domain, url) = fake_domain().await;
        let vars = [
            ("APP_URL", APP_URL),
            ("COGNITO_DOMAIN", url.as_str()),
            ("COGNITO_ISSUER", domain.issuer.as_str()),
            ("COGNITO_IDENTITY_PROVIDERS", "Google"),
        ];
        let clock = cognito_auth::clock::Clock::manual_now();
        let state = state_on(Pool::default(), &[&revoke()], &vars, clock.clone())
            .await
            .expect("state");
        let app = leptos_cognito::router::router(state);
        let mut slow = Browser::default();
        let mut in_time = Browser::default();
        let late = start(&app, &mut slow, &domain, "/auth/continue?provider=Google").await;
        clock.advance(std::time::Duration::from_secs(9 * 60));
        let query = start(&app, &mut in_time, &domain, "/auth/continue?provider=Google").await;
        clock.advance(std::time::Duration::from_secs(61));
        let back = slow.get(&app, &callback(&late["state"], "code")).await;
        assert!(
            back.location().starts_with("/sign-in?error=federation_expired"),
            "{}",
            back.location()
        );
        assert!(!back.sets("lc-session"));
        assert!(domain.requests.lock().unwrap().is_empty(), "no code was traded");
        // One begun nine minutes later is still good.
        signed_in(&in_time.get(&app, &callback(&query["state"], "code")).await);
    });
}

/// A callback with another `state` (a link from another site) is refused and leaves this
/// browser's own round trip alive: the real answer still signs in.
#[test]
fn a_planted_answer_leaves_the_round_trip_alive() {
    run(async {
        let (app, domain, _) = federated_app(Pool::default(), &[]).await;
        let mut browser = Browser::default();
        let query = start(&app, &mut browser, &domain, "/auth/continue?provider=Google").await;
        let planted = browser.get(&app, &callback("planted-state", "planted-code")).await;
        assert!(planted.location().starts_with("/sign-in?error=federation_expired"));
        assert!(!planted.removes("lc-federation"), "{:?}", planted.set_cookies());
        let real = browser.get(&app, &callback(&query["state"], "the-code")).await;
        signed_in(&real);
        assert_eq!(
            domain.requests.lock().unwrap().len(),
            1,
            "only the real code was traded"
        );
    });
}

/// A sign-in through the pool is not "the password typed just now" (the pool's and Google's
/// own sessions sign people in again silently): deleting the account asks for the password; and
/// "sign out everywhere" ends at the pool's /logout too.
#[test]
fn a_pool_sign_in_is_no_recent_password_and_every_sign_out_visits_the_pool() {
    run(async {
        let everywhere =
            aws_smithy_mocks::mock!(aws_sdk_cognitoidentityprovider::Client::global_sign_out).then_output(|| {
                aws_sdk_cognitoidentityprovider::operation::global_sign_out::GlobalSignOutOutput::builder().build()
            });
        let (app, domain, url) = federated_app_with(Pool::default(), &[], &[&get_user(), &everywhere]).await;
        let mut browser = Browser::default();
        let query = start(&app, &mut browser, &domain, "/auth/continue?provider=Google").await;
        signed_in(&browser.get(&app, &callback(&query["state"], "code")).await);
        let delete = browser.post(&app, "/auth/account-delete", &[("confirm", "yes")]).await;
        assert!(
            delete.location().contains("error=reauth_required"),
            "{}",
            delete.location()
        );
        let out = browser.post(&app, "/auth/account-sign-out-everywhere", &[]).await;
        assert_eq!(everywhere.num_calls(), 1);
        assert!(out.removes("lc-session"));
        assert!(
            out.location()
                .starts_with(&format!("{url}/logout?client_id={CLIENT_ID}&")),
            "{}",
            out.location()
        );
    });
}

/// `/auth/continue` is a `GET` another site could send a browser to: refused from another site,
/// and a browser signed in already is asked before its session is replaced.
#[test]
fn a_round_trip_starts_only_from_this_site_and_asks_before_replacing_a_session() {
    run(async {
        let (app, domain, _) = federated_app_with(Pool::default(), &[], &[&get_user(), &revoke()]).await;
        let mut browser = Browser::default();
        // From another site's page (an image, a link): no round trip, no cookie.
        let request = axum::http::Request::get("/auth/continue?provider=Google")
            .header("accept", "text/html")
            .header("sec-fetch-site", "cross-site");
        let refused = browser.send(&app, request, axum::body::Body::empty()).await;
        assert!(!refused.sets("lc-federation"), "{:?}", refused.set_cookies());
        assert!(
            refused.location().starts_with("/sign-in?error=federation_expired"),
            "{}",
            refused.location()
        );
        // From this site: it starts.
        let query = start(&app, &mut browser, &domain, "/auth/continue?provider=Google").await;
        signed_in(&browser.get(&app, &callback(&query["state"], "code")).await);
        // Signed in now: asked first, on the sign-in page, whose buttons then go on.
        let asked = browser
            .get(&app, "/auth/continue?provider=Google&next=%2Faccount")
            .await;
        assert!(!asked.sets("lc-federation"));
        assert_eq!(
            asked.location(),
            "/sign-in?notice=replace_session&provider=Google&next=%2Faccount"
        );
        let page = browser.get(&app, asked.location()).await;
        assert!(page.body.contains("You are signed in already"), "{}", page.body);
        assert!(
            page.body
                .contains("/auth/continue?provider=Google&amp;next=%2Faccount&amp;replace=yes"),
            "{}",
            page.body
        );
        start(
            &app,
            &mut browser,
            &domain,
            "/auth/continue?provider=Google&next=%2Faccount&replace=yes",
        )
        .await;
    });
}

/// A provider's own user (`Google_…`, no password here) gets an account page without the
/// password, two-step and e-mail forms, which could only fail for them, and says why.
#[test]
fn the_account_page_of_a_providers_user() {
    run(async {
        use aws_sdk_cognitoidentityprovider::types::AttributeType;
        let google_user = aws_smithy_mocks::mock!(aws_sdk_cognitoidentityprovider::Client::get_user)
            .sequence()
            .output(|| {
                let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build().unwrap();
                aws_sdk_cognitoidentityprovider::operation::get_user::GetUserOutput::builder()
                    .username(FEDERATED_USER)
                    .user_attributes(attribute("email", "grace@example.com"))
                    .user_attributes(attribute(
                        "identities",
                        r#"[{"userId":"110169484474386276334","providerName":"Google","providerType":"Google","primary":true}]"#,
                    ))
                    .build()
                    .unwrap()
            })
            .repeatedly()
            .build();
        let (app, domain, _) = federated_app_with(Pool::default(), &[], &[&google_user]).await;
        let mut browser = Browser::default();
        let query = start(&app, &mut browser, &domain, "/auth/continue?provider=Google").await;
        signed_in(&browser.get(&app, &callback(&query["state"], "code")).await);
        let page = browser.get(&app, "/account").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("You sign in with Google."), "{}", page.body);
        assert!(!page.body.contains(r#"name="current_password""#));
        assert!(page.body.contains("Another account (Google, …)"));
    });
}
