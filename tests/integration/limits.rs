//! The abuse limits through the whole app (router, guard, server functions) in front of the
//! loopback fake Cognito: per source, per account, per person, and what a spray from many
//! addresses can and cannot do to the people signing in meanwhile. Clock-bound checks run on a
//! clock the test moves (`Clock::manual`).

use crate::app::{EMAIL, PASSWORD, app, app_on, cookies_of, fake_cognito, post, sign_in};
use crate::common::run;
use axum::Router;
use axum::http::StatusCode;
use cognito_auth::clock::Clock;
use std::time::Duration;

#[test]
fn each_client_ip_is_limited_before_cognito_is_called() {
    run(async {
        let (fake, app) = app(&[
            ("RATE_LIMIT_IP_PER_MINUTE", "3"),
            ("TRUSTED_PROXY_HEADER", "x-forwarded-for"),
            ("TRUSTED_PROXIES", "10.0.0.0/8"),
        ])
        .await;
        let from = |ip: &'static str| [("x-forwarded-for", ip)];
        for _ in 0..3 {
            let answer = sign_in(&app, &another_address(), "Wrong-Horse-9", &from("203.0.113.7")).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        }
        let limited = sign_in(&app, &another_address(), "Wrong-Horse-9", &from("203.0.113.7")).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.json()["error"], "rate_limited");
        let seconds = limited.json()["seconds"].as_u64().expect("seconds");
        assert!((1..=20).contains(&seconds), "{seconds}");
        assert_eq!(limited.header("retry-after"), Some(seconds.to_string().as_str()));
        assert_eq!(fake.calls("InitiateAuth"), 3, "the limited call never reached Cognito");
        // The other forms share the client's quota; another client has its own.
        let sign_up = post(
            &app,
            "/auth/sign-up",
            &[("email", "x@example.com")],
            &from("203.0.113.7"),
        )
        .await;
        assert_eq!(sign_up.status, StatusCode::TOO_MANY_REQUESTS);
        let other = sign_in(&app, EMAIL, PASSWORD, &from("198.51.100.2")).await;
        assert!(!other.status.is_client_error(), "{}", other.status);

        // A form posted without JavaScript goes back to its page with the wait.
        let plain = post(
            &app,
            "/auth/sign-in",
            &[("email", EMAIL), ("password", "x")],
            &[
                ("x-forwarded-for", "203.0.113.7"),
                ("accept", "text/html"),
                ("referer", "http://127.0.0.1:3000/sign-in?next=/protected"),
            ],
        )
        .await;
        assert!(plain.status.is_redirection(), "{}", plain.status);
        let location = plain.header("location").expect("location");
        assert!(
            location.starts_with("/sign-in?error=rate_limited&retry_after="),
            "{location}"
        );
    })
}

/// A new address each time: a client's budget is what these tests count, not an account's (whose
/// wrong passwords stop short of Cognito's lockout after three).
fn another_address() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    format!(
        "guess{}@example.com",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

#[test]
fn an_ipv6_client_is_limited_per_slash_64_whatever_address_it_picks() {
    run(async {
        let (fake, app) = app(&[("RATE_LIMIT_IP_PER_MINUTE", "3")]).await;
        // One host, three of its 2^64 addresses.
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
            let answer = sign_in(&app, &another_address(), "Wrong-Horse-9", &[("peer", host)]).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{host}");
        }
        let limited = sign_in(
            &app,
            &another_address(),
            "Wrong-Horse-9",
            &[("peer", "2001:db8:1:2:abcd::4")],
        )
        .await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.json()["error"], "rate_limited");
        let seconds = limited.json()["seconds"].as_u64().expect("seconds");
        assert_eq!(limited.header("retry-after"), Some(seconds.to_string().as_str()));
        assert_eq!(fake.calls("InitiateAuth"), 3, "the limited call never reached Cognito");
        // The neighbouring /64 is someone else.
        let other = sign_in(&app, EMAIL, PASSWORD, &[("peer", "2001:db8:1:3::1")]).await;
        assert!(!other.status.is_client_error(), "{}", other.status);
    })
}

#[test]
fn a_forwarded_address_counts_only_from_a_trusted_proxy() {
    run(async {
        let (_, app) = app(&[
            ("RATE_LIMIT_IP_PER_MINUTE", "2"),
            ("TRUSTED_PROXY_HEADER", "x-forwarded-for"),
            ("TRUSTED_PROXIES", "10.0.0.0/8"),
        ])
        .await;
        // A client talking to the app directly cannot pick a fresh address per request.
        for n in 1..=2 {
            let forged = format!("203.0.113.{n}");
            let answer = sign_in(
                &app,
                &another_address(),
                "Wrong-Horse-9",
                &[("peer", "198.51.100.7"), ("x-forwarded-for", &forged)],
            )
            .await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        }
        let answer = sign_in(
            &app,
            &another_address(),
            "Wrong-Horse-9",
            &[("peer", "198.51.100.7"), ("x-forwarded-for", "203.0.113.3")],
        )
        .await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        // Behind the balancer, values with ports are the client's address (each its own quota).
        for value in ["[2001:db8::9]:4711", "203.0.113.9:4711"] {
            let answer = sign_in(&app, &another_address(), "Wrong-Horse-9", &[("x-forwarded-for", value)]).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{value}");
        }
    })
}

#[test]
fn junk_posts_with_a_persons_address_do_not_lock_them_out() {
    run(async {
        let (fake, app) = app(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "6")]).await;
        // Six posts a minute that are not a wrong guess: an empty password, a code that is no code,
        // a stray reset request. None may use up the person's budget.
        for _ in 0..6 {
            assert_eq!(sign_in(&app, EMAIL, "", &[]).await.status, StatusCode::UNAUTHORIZED);
            let reset = [("email", EMAIL), ("code", "junk"), ("password", PASSWORD)];
            let answer = post(&app, "/auth/reset-password", &reset, &[]).await;
            assert_eq!(answer.json()["error"], "invalid_code");
            post(&app, "/auth/forgot-password", &[("email", EMAIL)], &[]).await;
        }
        let real = sign_in(&app, EMAIL, PASSWORD, &[]).await;
        assert!(
            real.status.is_redirection() || real.status.is_success(),
            "{}",
            real.status
        );
        let forgot = post(&app, "/auth/forgot-password", &[("email", EMAIL)], &[]).await;
        assert!(!forgot.status.is_client_error(), "{}", forgot.status);
        assert_eq!(fake.calls("InitiateAuth"), 1);

        // Wrong passwords are failures, and Cognito locks the account at its fifth: from a
        // browser not known for it, three are sent; the fourth try waits (until a quarter of an
        // hour without attempts has passed, as Cognito's own count), with Retry-After.
        for _ in 0..3 {
            let answer = sign_in(&app, EMAIL, "Wrong-Horse-9", &[]).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        }
        let limited = sign_in(&app, EMAIL, PASSWORD, &[]).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        let seconds = limited.json()["seconds"].as_u64().expect("seconds");
        assert!((900..=960).contains(&seconds), "{seconds}");
        assert_eq!(limited.header("retry-after"), Some(seconds.to_string().as_str()));
        assert_eq!(fake.calls("InitiateAuth"), 4, "the limited call never reached Cognito");
        assert_eq!(fake.failed_passwords(), 3, "never near Cognito's lockout");
    })
}

/// Cognito's lockout after wrong passwords tells that the account exists: a browser known for
/// the account hears it (and is charged nothing for it); any other is told what a wrong password
/// gets. Either way the person's own budget is not spent.
#[test]
fn cognitos_lockout_is_said_only_to_a_browser_known_for_the_account() {
    run(async {
        let (fake, app) = app(&[]).await;
        let mut home = Person {
            peer: "192.0.2.10",
            cookies: String::new(),
        };
        assert!(signed_in(&home.sign_in(&app, PASSWORD).await));
        home.cookies = home
            .cookies
            .split("; ")
            .filter(|c| c.starts_with("lc-device="))
            .collect::<Vec<_>>()
            .join("; ");
        fake.lock_out();
        let mut stranger = Person {
            peer: "198.51.100.20",
            cookies: String::new(),
        };
        let told = stranger.sign_in(&app, PASSWORD).await;
        assert_eq!(told.status, StatusCode::UNAUTHORIZED, "{}", told.body);
        assert_eq!(told.json()["error"], "invalid_credentials");
        for _ in 0..10 {
            let told = home.sign_in(&app, PASSWORD).await;
            assert_eq!(told.status, StatusCode::TOO_MANY_REQUESTS, "{}", told.body);
            assert_eq!(told.json()["error"], "password_attempts_exceeded");
            assert_eq!(told.header("retry-after"), Some("900"));
        }
    })
}

#[test]
fn each_email_is_limited_whatever_the_ip_and_whether_or_not_it_exists() {
    run(async {
        let (fake, app) = app(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]).await;
        for email in [EMAIL, "nobody@example.com"] {
            for ip in ["192.0.2.1", "192.0.2.2"] {
                let answer = sign_in(&app, email, "Wrong-Horse-9", &[("x-forwarded-for", ip)]).await;
                assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
            }
            let limited = sign_in(&app, email, "Wrong-Horse-9", &[("x-forwarded-for", "192.0.2.3")]).await;
            assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
            assert_eq!(limited.json()["error"], "rate_limited");
        }
        assert_eq!(fake.calls("InitiateAuth"), 4);
        // Password reset has its own quota per e-mail.
        let forgot = post(&app, "/auth/forgot-password", &[("email", EMAIL)], &[]).await;
        assert!(!forgot.status.is_client_error(), "{}", forgot.status);
    })
}

/// 1,000 sources: 500 IPv4 addresses, each in a /24 of its own, and 500 IPv6 ones, each in a
/// /48 of its own — every one of them a network of its own, as a botnet's are.
fn sources() -> Vec<String> {
    (0..500u32)
        .map(|n| format!("198.{}.{}.7", 18 + n / 256, n % 256))
        .chain((0..500u32).map(|n| format!("2001:db8:{n:x}::7")))
        .collect()
}

/// The spray's posts: each source at its per-source limit (`per_source` posts) to `path`, each
/// source's posts in order. The sign-in is sprayed one source after another (so the counts
/// below are exact); the other forms with every source at once (a botnet does not wait for
/// answers, and the forms that answer no sooner than a second would take an hour in a row).
async fn spray(app: &Router, path: &str, per_source: usize, form: impl Fn(usize) -> Vec<(String, String)>) -> usize {
    let at_once = if path == "/auth/sign-in" { 1 } else { 1000 };
    let turns = std::sync::Arc::new(tokio::sync::Semaphore::new(at_once));
    let mut sprayers = tokio::task::JoinSet::new();
    for (n, source) in sources().into_iter().enumerate() {
        let posts: Vec<Vec<(String, String)>> = (0..per_source).map(|k| form(n * per_source + k)).collect();
        let (app, path) = (app.clone(), path.to_owned());
        let turn = turns.clone().acquire_owned().await.expect("semaphore");
        sprayers.spawn(async move {
            let _turn = turn;
            let mut refused = 0;
            for fields in posts {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let answer = post(&app, &path, &fields, &[("peer", &source)]).await;
                assert_ne!(
                    answer.status,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "{path}: {}",
                    answer.body
                );
                if answer.status == StatusCode::TOO_MANY_REQUESTS {
                    refused += 1;
                }
            }
            refused
        });
    }
    sprayers.join_all().await.into_iter().sum()
}

/// The fields of a sprayed post, by its number.
type Fields = fn(usize) -> Vec<(String, String)>;

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A person's browser: its address, and the cookies it keeps (a device cookie after a sign-in).
struct Person {
    peer: &'static str,
    cookies: String,
}

impl Person {
    async fn sign_in(&mut self, app: &Router, password: &str) -> crate::app::Answer {
        let answer = sign_in(
            app,
            EMAIL,
            password,
            &[("peer", self.peer), ("cookie", &self.cookies.clone())],
        )
        .await;
        let set = cookies_of(&answer);
        if !set.is_empty() {
            self.cookies = set;
        }
        answer
    }
}

fn signed_in(answer: &crate::app::Answer) -> bool {
    (answer.status.is_success() || answer.status.is_redirection())
        && answer
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().is_ok_and(|c| c.starts_with("lc-session=")))
}

#[test]
fn a_spray_from_a_thousand_sources_slows_the_attacker_and_not_the_people() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let clock = Clock::manual_now();
        let vars = [
            ("RATE_LIMIT_IP_PER_MINUTE", "3"),
            ("RATE_LIMIT_NETWORK_PER_MINUTE", "600"),
            ("RATE_LIMIT_EMAIL_PER_MINUTE", "6"),
            ("RATE_LIMIT_FAILURES_PER_MINUTE", "100"),
            ("RATE_LIMIT_CODE_EMAILS_PER_DAY", "20"),
            ("COGNITO_ISSUER", fake.issuer.as_str()),
        ];
        let app = app_on(&url, &vars, clock.clone()).await;
        // Ada has signed in from home before: her browser holds the device cookie of her account.
        // Her husband's laptop, next to it, never has.
        let mut home = Person {
            peer: "192.0.2.10",
            cookies: String::new(),
        };
        assert!(signed_in(&home.sign_in(&app, PASSWORD).await));
        home.cookies = home
            .cookies
            .split("; ")
            .filter(|c| c.starts_with("lc-device="))
            .collect::<Vec<_>>()
            .join("; ");
        assert!(home.cookies.starts_with("lc-device="), "{}", home.cookies);
        let mut laptop = Person {
            peer: "192.0.2.11",
            cookies: String::new(),
        };
        clock.advance(Duration::from_secs(60));

        // 1. Credential stuffing: every source at its limit, a wrong password for a new account
        // each time. Past the ceiling, each source may fail twice a minute: fewer guesses than its
        // posts, and never more than that reach Cognito.
        let before = fake.calls("InitiateAuth");
        let refused = spray(&app, "/auth/sign-in", 3, |n| {
            pairs(&[
                ("email", &format!("victim{n}@example.com")),
                ("password", "Summer-2026"),
            ])
        })
        .await;
        let reached = fake.calls("InitiateAuth") - before;
        assert!(reached <= 100 + 2 * 1000, "{reached} guesses reached Cognito");
        assert!(refused >= 900, "{refused} of 3000 refused");
        // Meanwhile both people sign in at once: a right password is no failure, and neither
        // browser is one of the sources.
        assert!(signed_in(&home.sign_in(&app, PASSWORD).await));
        assert!(signed_in(&laptop.sign_in(&app, PASSWORD).await));
        laptop.cookies.clear();

        // 2. A spray of wrong passwords at Ada's own address, from every source. Cognito would
        // lock her account at the fifth failure (the right password too, for up to fifteen
        // minutes): from browsers that never signed in to it, three are sent, no more…
        clock.advance(Duration::from_secs(120));
        spray(&app, "/auth/sign-in", 3, |_| {
            pairs(&[("email", EMAIL), ("password", "Summer-2026")])
        })
        .await;
        // (Two of the calls since are the people's sign-ins above.)
        assert_eq!(
            fake.calls("InitiateAuth") - before - reached,
            2 + 3,
            "three of the spray's guesses"
        );
        assert_eq!(fake.failed_passwords(), 3);
        // The laptop waits — told for how long: until a quarter of an hour after the last guess
        // that was sent, when Cognito forgets them too…
        let waiting = laptop.sign_in(&app, PASSWORD).await;
        assert_eq!(waiting.status, StatusCode::TOO_MANY_REQUESTS, "{}", waiting.body);
        let seconds: u64 = waiting.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((900..=960).contains(&seconds), "{seconds}");
        // … while her own browser, which counts apart, is in at once, even after a typo: Cognito
        // never locked her out.
        assert_eq!(home.sign_in(&app, "Summer-2026").await.status, StatusCode::UNAUTHORIZED);
        assert!(signed_in(&home.sign_in(&app, PASSWORD).await));
        // Her sign-in started Cognito's count again: the laptop is in too.
        assert!(signed_in(&laptop.sign_in(&app, PASSWORD).await));
        // Had she not come, the laptop would have been in once the quarter of an hour passed.
        clock.advance(Duration::from_secs(120));
        spray(&app, "/auth/sign-in", 3, |_| {
            pairs(&[("email", EMAIL), ("password", "Summer-2026")])
        })
        .await;
        laptop.cookies.clear();
        let waiting = laptop.sign_in(&app, PASSWORD).await;
        assert_eq!(waiting.status, StatusCode::TOO_MANY_REQUESTS, "{}", waiting.body);
        let seconds: u64 = waiting.headers["retry-after"].to_str().unwrap().parse().unwrap();
        clock.advance(Duration::from_secs(seconds));
        assert!(signed_in(&laptop.sign_in(&app, PASSWORD).await));

        // 3. Every other form sprayed at its limit from the same 1,000 sources: the people's own
        // posts still go through (the sources' budgets are theirs alone) — Ada at home, and a
        // visitor who never signed in anywhere here.
        let visitor = Person {
            peer: "192.0.2.12",
            cookies: String::new(),
        };
        let others: [(&str, Fields); 6] = [
            // Junk costs the attacker least: a password the policy refuses never reaches Cognito.
            ("/auth/sign-up", |n| {
                pairs(&[("email", &format!("new{n}@example.com")), ("password", "short")])
            }),
            ("/auth/forgot-password", |n| {
                pairs(&[("email", &format!("r{n}@example.com"))])
            }),
            ("/auth/reset-password", |n| {
                pairs(&[
                    ("email", &format!("r{n}@example.com")),
                    ("code", "654321"),
                    ("password", "Correct-Horse-9"),
                ])
            }),
            ("/auth/confirm", |n| {
                pairs(&[("email", &format!("c{n}@example.com")), ("code", "654321")])
            }),
            ("/auth/resend-code", |n| {
                pairs(&[("email", &format!("c{n}@example.com"))])
            }),
            ("/auth/mfa-code", |_| pairs(&[("code", "123456")])),
        ];
        for (path, form) in others {
            clock.advance(Duration::from_secs(120));
            spray(&app, path, 3, form).await;
            for person in [&home, &visitor] {
                let (fields, expect_ok): (Vec<(&str, &str)>, bool) = match path {
                    "/auth/sign-up" => (
                        vec![("email", "fresh@example.com"), ("password", "Correct-Horse-9")],
                        true,
                    ),
                    "/auth/forgot-password" | "/auth/resend-code" => (vec![("email", EMAIL)], true),
                    "/auth/reset-password" => (
                        vec![("email", EMAIL), ("code", "123456"), ("password", "Correct-Horse-9")],
                        true,
                    ),
                    "/auth/confirm" => (vec![("email", "una@example.com"), ("code", "123456")], false),
                    // No pending sign-in: back to the sign-in form, never a 429.
                    _ => (vec![("code", "123456")], false),
                };
                let answer = post(
                    &app,
                    path,
                    &fields,
                    &[("peer", person.peer), ("cookie", &person.cookies)],
                )
                .await;
                assert_ne!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{path}: {}", answer.body);
                if expect_ok {
                    assert!(
                        !answer.status.is_client_error(),
                        "{path}: {} {}",
                        answer.status,
                        answer.body
                    );
                }
            }
        }
    })
}
