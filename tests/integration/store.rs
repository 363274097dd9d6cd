//! Two app instances and one real Redis: what one instance does to a session, the other and
//! the API see; a store that goes down refuses what it cannot check, and comes back by itself.

use crate::app::{EMAIL, PASSWORD, api_me, app_at, app_on, cookies_of, fake_cognito, get_page, post, sign_in};
use crate::common::{SESSION_KEY, run};
use axum::http::{StatusCode, header};
use cognito_auth::clock::Clock;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

#[path = "../../crates/cognito-auth/src/store/test_redis.rs"]
mod test_redis;
use test_redis::TestRedis;

/// The session ids in an account page's sessions list, other browsers only (their "Sign out").
fn other_session_ids(page: &str) -> Vec<String> {
    page.match_indices(r#"name="session" value=""#)
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find('"').expect("end of value")].to_owned()
        })
        .collect()
}

#[test]
fn two_instances_on_one_redis_share_sign_outs_and_the_sessions_list() {
    run(async {
        let redis = TestRedis::start();
        let (fake, url) = fake_cognito().await;
        let redis_url = redis.url();
        let vars = [
            ("COGNITO_ISSUER", fake.issuer.as_str()),
            ("REDIS_URL", redis_url.as_str()),
            ("SESSION_KEY", SESSION_KEY),
        ];
        let (a, b) = (app_at(&url, &vars).await, app_at(&url, &vars).await);
        let laptop = cookies_of(
            &sign_in(
                &a,
                EMAIL,
                PASSWORD,
                &[(
                    "user-agent",
                    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                )],
            )
            .await,
        );
        let laptop_token = fake.issued.lock().unwrap().last().cloned().expect("signed in");
        let phone = cookies_of(&sign_in(&b, EMAIL, PASSWORD, &[("user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")]).await);
        let phone_token = fake.issued.lock().unwrap().last().cloned().expect("signed in");

        // The laptop, on A, sees the phone that signed in on B, and signs it out.
        let account = get_page(&a, "/account", &laptop).await;
        assert_eq!(account.status, StatusCode::OK, "{}", account.body);
        assert!(account.body.contains("Safari on iOS"), "{}", account.body);
        assert!(account.body.contains("Firefox on Linux"), "{}", account.body);
        let others = other_session_ids(&account.body);
        assert_eq!(others.len(), 1, "one other browser: {}", account.body);
        for token in [&laptop_token, &phone_token] {
            assert_eq!(api_me(&b, token).await.status, StatusCode::OK);
        }
        let ended = post(
            &a,
            "/auth/account-end-session",
            &[("session", &others[0])],
            &[("cookie", &laptop)],
        )
        .await;
        assert!(
            ended.status.is_success() || ended.status.is_redirection(),
            "{} {}",
            ended.status,
            ended.body
        );

        // The phone's next request, on B: signed out, cookies cleared; its token refused by B's API
        // within the cache's half second.
        let page = get_page(&b, "/protected", &phone).await;
        assert!(!page.body.contains(EMAIL), "{} {}", page.status, page.body);
        assert!(page.set_cookie_clears(), "{:?}", page.headers);
        tokio::time::sleep(Duration::from_millis(600)).await;
        let refused = api_me(&b, &phone_token).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        // The laptop is still in, on both instances, and its list has only itself.
        assert!(get_page(&b, "/protected", &laptop).await.body.contains(EMAIL));
        let account = get_page(&a, "/account", &laptop).await;
        assert!(other_session_ids(&account.body).is_empty(), "{}", account.body);

        // A sign-out on A: B's API refuses the token it had just accepted, within a second.
        assert_eq!(api_me(&b, &laptop_token).await.status, StatusCode::OK);
        post(&a, "/auth/sign-out", &[], &[("cookie", &laptop)]).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(api_me(&b, &laptop_token).await.status, StatusCode::UNAUTHORIZED);
    })
}

#[test]
fn a_store_that_is_down_accepts_nothing_it_cannot_check_and_comes_back() {
    run(async {
        let mut redis = TestRedis::start();
        let (fake, url) = fake_cognito().await;
        let redis_url = redis.url();
        let app = app_at(
            &url,
            &[
                ("COGNITO_ISSUER", fake.issuer.as_str()),
                ("REDIS_URL", redis_url.as_str()),
            ],
        )
        .await;
        let cookies = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let token = fake.issued.lock().unwrap().last().cloned().expect("signed in");
        assert!(get_page(&app, "/protected", &cookies).await.body.contains(EMAIL));
        // A second browser, which signs out while the store is down.
        let leaving = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let leaving_token = fake.issued.lock().unwrap().last().cloned().expect("signed in");

        redis.kill();
        // Pages: 503, a message, a way to try again, and the cookies kept for when it is back.
        let page = get_page(&app, "/protected", &cookies).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
        assert!(page.body.contains("briefly unavailable"), "{}", page.body);
        assert!(page.header("retry-after").is_some(), "{:?}", page.headers);
        assert!(page.headers.get(header::SET_COOKIE).is_none(), "{:?}", page.headers);
        // Server functions answer in their own shape.
        let call = post(&app, "/auth/call-api", &[], &[("cookie", &cookies)]).await;
        assert_eq!(call.status, StatusCode::SERVICE_UNAVAILABLE, "{}", call.body);
        // The API: 503 with Retry-After, never the token accepted unchecked.
        let api = api_me(&app, &token).await;
        assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
        assert!(api.header("retry-after").is_some());

        // A sign-out still goes through: no store is needed to revoke the refresh token at Cognito
        // and clear the cookies; what the store must refuse is written when it is back.
        let out = post(&app, "/auth/sign-out", &[], &[("cookie", &leaving)]).await;
        assert!(
            out.status.is_success() || out.status.is_redirection(),
            "{} {}",
            out.status,
            out.body
        );
        assert!(out.set_cookie_clears(), "{:?}", out.headers);

        // Back (empty: this Redis keeps nothing on disk): the same cookies work, no restart.
        redis.restart();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let page = get_page(&app, "/protected", &cookies).await;
            if page.status == StatusCode::OK {
                assert!(page.body.contains(EMAIL), "{}", page.body);
                break;
            }
            assert!(std::time::Instant::now() < deadline, "not back: {}", page.status);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(api_me(&app, &token).await.status, StatusCode::OK);
        // The sign-out made meanwhile holds: a copy of those cookies and their token are refused.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while api_me(&app, &leaving_token).await.status != StatusCode::UNAUTHORIZED {
            assert!(std::time::Instant::now() < deadline, "the sign-out was lost");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let page = get_page(&app, "/protected", &leaving).await;
        assert!(!page.body.contains(EMAIL), "{} {}", page.status, page.body);
    })
}

#[test]
fn sign_out_everywhere_on_one_instance_ends_a_browser_on_the_other() {
    run(async {
        let redis = TestRedis::start();
        let (fake, url) = fake_cognito().await;
        let redis_url = redis.url();
        let vars = [
            ("COGNITO_ISSUER", fake.issuer.as_str()),
            ("REDIS_URL", redis_url.as_str()),
            ("SESSION_KEY", SESSION_KEY),
        ];
        let (a, b) = (app_at(&url, &vars).await, app_at(&url, &vars).await);
        let laptop = cookies_of(&sign_in(&a, EMAIL, PASSWORD, &[]).await);
        let phone = cookies_of(&sign_in(&b, EMAIL, PASSWORD, &[]).await);
        let phone_token = fake.issued.lock().unwrap().last().cloned().expect("signed in");
        assert!(get_page(&b, "/protected", &phone).await.body.contains(EMAIL));
        assert_eq!(api_me(&b, &phone_token).await.status, StatusCode::OK);

        let out = post(&a, "/auth/account-sign-out-everywhere", &[], &[("cookie", &laptop)]).await;
        assert!(
            out.status.is_success() || out.status.is_redirection(),
            "{} {}",
            out.status,
            out.body
        );
        let page = get_page(&b, "/protected", &phone).await;
        assert!(!page.body.contains(EMAIL), "{} {}", page.status, page.body);
        assert!(page.set_cookie_clears(), "{:?}", page.headers);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(api_me(&b, &phone_token).await.status, StatusCode::UNAUTHORIZED);
    })
}

#[test]
fn sixty_posts_over_two_instances_from_one_client_and_the_next_is_refused_on_either() {
    run(async {
        let redis = TestRedis::start();
        let (fake, url) = fake_cognito().await;
        let redis_url = redis.url();
        let vars = [
            ("COGNITO_ISSUER", fake.issuer.as_str()),
            ("REDIS_URL", redis_url.as_str()),
            ("RATE_LIMIT_IP_PER_MINUTE", "60"),
        ];
        // One clock for both instances, which stands still: the 60 posts are "within a minute"
        // however long the machine takes (Redis is handed this clock's time).
        let clock = Clock::manual_now();
        let (a, b) = (
            app_on(&url, &vars, clock.clone()).await,
            app_on(&url, &vars, clock.clone()).await,
        );
        let from = [("peer", "203.0.113.9")];
        for n in 0..60 {
            let instance = if n % 2 == 0 { &a } else { &b };
            // Each for another address: the client's budget is what is counted here.
            let answer = sign_in(instance, &format!("user{n}@example.com"), "Wrong-Password-1", &from).await;
            assert_ne!(
                answer.status,
                StatusCode::TOO_MANY_REQUESTS,
                "post {n}: {}",
                answer.body
            );
        }
        for instance in [&a, &b] {
            let answer = sign_in(instance, EMAIL, PASSWORD, &from).await;
            assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{}", answer.body);
            assert_eq!(answer.header("retry-after"), Some("1"), "{:?}", answer.headers);
        }
        // A second later, one more post, on either; another client is not affected.
        clock.advance(Duration::from_secs(1));
        assert_ne!(
            sign_in(&b, EMAIL, PASSWORD, &from).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        let other = sign_in(&a, EMAIL, PASSWORD, &[("peer", "198.51.100.4")]).await;
        assert_ne!(other.status, StatusCode::TOO_MANY_REQUESTS);
    })
}

/// One session on two instances over one Redis: its refresh is one call to Cognito wherever the
/// requests land (the other instance serves the current token meanwhile); a refresh that failed
/// lets go at once, so the next request, on either instance, tries again; and a store that
/// cannot say who is refreshing counts as "someone is": no refresh at all.
#[test]
fn two_instances_refresh_a_session_once_let_go_when_it_fails_and_hold_when_the_store_is_down() {
    use crate::common::{Browser, Pool, aws_error, signed_in, state, tokens};
    use aws_sdk_cognitoidentityprovider::Client;
    use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
    use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
    use aws_smithy_mocks::mock;

    run(async {
        let mut redis = TestRedis::start();
        let redis_url = redis.url();
        let vars = [("REDIS_URL", redis_url.as_str())];
        let pool = Pool {
            rotation: true,
            ..Pool::default()
        };
        // Each sign-in is its own refresh token (rt-1, rt-2, …), its tokens good for 5 seconds:
        // the next request refreshes.
        let signed = Arc::new(AtomicUsize::new(0));
        let sign_in = mock!(Client::initiate_auth).then_output(move || {
            let n = signed.fetch_add(1, Ordering::SeqCst) + 1;
            InitiateAuthOutput::builder()
                .authentication_result(tokens(5, Some(&format!("rt-{n}"))))
                .build()
        });
        let first = mock!(Client::get_tokens_from_refresh_token)
            .match_requests(|r| r.refresh_token() == Some("rt-1"))
            .then_output(|| {
                GetTokensFromRefreshTokenOutput::builder()
                    .authentication_result(tokens(3600, Some("rt-1b")))
                    .build()
            });
        // Cognito fails the second session's first refresh (a 400 the SDK does not retry), then
        // answers.
        let second = mock!(Client::get_tokens_from_refresh_token)
            .match_requests(|r| r.refresh_token() == Some("rt-2"))
            .sequence()
            .http_response(|| aws_error("InvalidParameterException", "something was off"))
            .output(|| {
                GetTokensFromRefreshTokenOutput::builder()
                    .authentication_result(tokens(3600, Some("rt-2b")))
                    .build()
            })
            .build();
        let third = mock!(Client::get_tokens_from_refresh_token)
            .match_requests(|r| r.refresh_token() == Some("rt-3"))
            .then_output(|| {
                GetTokensFromRefreshTokenOutput::builder()
                    .authentication_result(tokens(3600, Some("rt-3b")))
                    .build()
            });
        let rules = [&sign_in, &first, &second, &third];
        let state_a = state(pool, &rules, &vars).await.expect("state");
        let state_b = state(pool, &rules, &vars).await.expect("state");
        let (a, b) = (
            leptos_cognito::router::router(state_a.clone()),
            leptos_cognito::router::router(state_b.clone()),
        );

        // The hold: A refreshes; B, meeting the same cookies a moment later, leaves it to A and
        // serves the token the cookies hold.
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&a).await);
        let mut on_b = browser.clone();
        let page = browser.get(&a, "/").await;
        assert!(page.sets("lc-refresh"), "{:?}", page.set_cookies());
        let page = on_b.get(&b, "/").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(crate::common::EMAIL), "signed in on B too");
        assert!(!page.sets("lc-refresh"), "B did not refresh: {:?}", page.set_cookies());
        assert_eq!(first.num_calls(), 1);
        assert_eq!(
            (state_a.sessions.refresh_calls(), state_b.sessions.refresh_calls()),
            (1, 0)
        );

        // The unlock: A's refresh fails; B's right after tries again, and gets the new tokens.
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&a).await);
        let mut on_b = browser.clone();
        let page = browser.get(&a, "/").await;
        assert!(page.body.contains(crate::common::EMAIL), "the current token serves");
        assert!(!page.sets("lc-refresh"));
        let page = on_b.get(&b, "/").await;
        assert!(page.sets("lc-refresh"), "B refreshed: {:?}", page.set_cookies());
        assert_eq!(second.num_calls(), 2);
        assert_eq!(state_b.sessions.refresh_calls(), 1);

        // The store down: nobody can say who refreshes, so nobody does.
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&a).await);
        redis.kill();
        for app in [&a, &b] {
            let page = browser.get(app, "/protected").await;
            assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
        }
        assert_eq!(third.num_calls(), 0);
    })
}

/// A proxy in front of Redis that can swallow everything, on every connection old and new,
/// without closing any (a black-holed primary), then let new connections through again.
struct BlackHole {
    port: u16,
    silent: Arc<AtomicBool>,
    /// Bumped when traffic passes again: connections from before are dropped.
    epoch: Arc<AtomicUsize>,
}

impl BlackHole {
    async fn start(upstream: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (silent, epoch) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let (s, e) = (silent.clone(), epoch.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
                    continue;
                };
                let born = e.load(Ordering::SeqCst);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(Self::pass(client_read, server_write, s.clone(), e.clone(), born));
                tokio::spawn(Self::pass(server_read, client_write, s.clone(), e.clone(), born));
            }
        });
        Self { port, silent, epoch }
    }

    /// Copies one direction until it ends or its epoch is over; swallows all while silent.
    async fn pass(
        mut from: tokio::net::tcp::OwnedReadHalf,
        mut to: tokio::net::tcp::OwnedWriteHalf,
        silent: Arc<AtomicBool>,
        epoch: Arc<AtomicUsize>,
        born: usize,
    ) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut buffer = [0u8; 16 * 1024];
        loop {
            let Ok(n) = from.read(&mut buffer).await else { return };
            if n == 0 || epoch.load(Ordering::SeqCst) != born {
                return;
            }
            if silent.load(Ordering::SeqCst) {
                continue;
            }
            if to.write_all(&buffer[..n]).await.is_err() {
                return;
            }
        }
    }

    fn silence(&self) {
        self.silent.store(true, Ordering::SeqCst);
    }

    fn restore(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.silent.store(false, Ordering::SeqCst);
    }
}

/// A sign-out while Redis is silent (no answer, nothing closed) goes through, and holds once
/// Redis answers again: neither the page nor the API accepts what it ended.
#[test]
fn a_sign_out_while_redis_is_silent_holds_when_it_answers_again() {
    run(async {
        let redis = TestRedis::start();
        let hole = BlackHole::start(redis.port).await;
        let (fake, url) = fake_cognito().await;
        let redis_url = format!("redis://127.0.0.1:{}", hole.port);
        let app = app_at(
            &url,
            &[
                ("COGNITO_ISSUER", fake.issuer.as_str()),
                ("REDIS_URL", redis_url.as_str()),
            ],
        )
        .await;
        let staying = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let leaving = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let leaving_token = fake.issued.lock().unwrap().last().cloned().expect("signed in");
        assert!(get_page(&app, "/protected", &leaving).await.body.contains(EMAIL));

        hole.silence();
        let page = get_page(&app, "/protected", &leaving).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
        let out = post(&app, "/auth/sign-out", &[], &[("cookie", &leaving)]).await;
        assert!(
            out.status.is_success() || out.status.is_redirection(),
            "{} {}",
            out.status,
            out.body
        );
        assert!(out.set_cookie_clears(), "{:?}", out.headers);
        // One who signs in while the store is silent, and out again.
        let brief = cookies_of(&sign_in(&app, EMAIL, PASSWORD, &[]).await);
        let brief_token = fake.issued.lock().unwrap().last().cloned().expect("signed in");
        let out = post(&app, "/auth/sign-out", &[], &[("cookie", &brief)]).await;
        assert!(out.set_cookie_clears(), "{:?}", out.headers);

        hole.restore();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while get_page(&app, "/protected", &staying).await.status != StatusCode::OK {
            assert!(std::time::Instant::now() < deadline, "the store did not come back");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let page = get_page(&app, "/protected", &leaving).await;
        assert!(
            !page.body.contains(EMAIL),
            "signed in again: {} {}",
            page.status,
            page.body
        );
        let page = get_page(&app, "/protected", &brief).await;
        assert!(
            !page.body.contains(EMAIL),
            "signed in again: {} {}",
            page.status,
            page.body
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(api_me(&app, &leaving_token).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api_me(&app, &brief_token).await.status, StatusCode::UNAUTHORIZED);
    })
}
