//! Signed out means signed out — in this app first (every instance, the API), whatever Cognito
//! can or cannot do next: "sign out everywhere" and "sign out my other devices" on a Cognito
//! without GlobalSignOut (cognito-local's answer), a password reset, and a token Cognito itself
//! no longer accepts. The whole app in front of the loopback fake Cognito (`app.rs`).

use crate::app::{EMAIL, Fake, PASSWORD, api_me, app_at, cookies_of, fake_cognito, get_page, post, sign_in};
use crate::common::run;
use axum::Router;
use axum::http::StatusCode;

/// cognito-local's answer (HTTP 500) for a call it does not have.
const UNSUPPORTED: Option<(StatusCode, &str)> = Some((StatusCode::INTERNAL_SERVER_ERROR, "CognitoLocal#Unsupported"));

async fn app(fake: &Fake, url: &str) -> Router {
    app_at(url, &[("COGNITO_ISSUER", fake.issuer.as_str())]).await
}

/// Signs in with the app and returns the browser's cookies and the access token it holds.
async fn browser(app: &Router, fake: &Fake, password: &str) -> (String, String) {
    let cookies = cookies_of(&sign_in(app, EMAIL, password, &[]).await);
    let token = fake.issued.lock().unwrap().last().cloned().expect("signed in");
    (cookies, token)
}

fn location(answer: &crate::app::Answer) -> &str {
    answer.header("location").unwrap_or_default()
}

/// A browser whose next page shows it signed out, its cookies removed.
async fn signed_out(app: &Router, cookies: &str) {
    let page = get_page(app, "/protected", cookies).await;
    assert!(!page.body.contains(EMAIL), "{} {}", page.status, page.body);
    assert!(page.set_cookie_clears(), "{:?}", page.headers);
}

#[test]
fn everywhere_ends_every_browser_and_older_token_when_cognito_has_no_global_sign_out() {
    run(async {
        let (fake, url) = fake_cognito().await;
        fake.fail("GlobalSignOut", UNSUPPORTED);
        let app = app(&fake, &url).await;
        // A command-line tool's token (signed in without this app's cookies), a laptop, a phone.
        let (_, cli) = browser(&app, &fake, PASSWORD).await;
        let (laptop, _) = browser(&app, &fake, PASSWORD).await;
        let (phone, phone_token) = browser(&app, &fake, PASSWORD).await;
        for token in [&cli, &phone_token] {
            assert_eq!(api_me(&app, token).await.status, StatusCode::OK);
        }

        let out = post(&app, "/auth/account-sign-out-everywhere", &[], &[("cookie", &laptop)]).await;
        assert_eq!(
            location(&out),
            "/sign-in?notice=signed_out_everywhere_app_only",
            "{} {}",
            out.status,
            out.body
        );
        assert!(out.set_cookie_clears());
        assert!(fake.calls("GlobalSignOut") >= 1, "Cognito was asked");
        signed_out(&app, &phone).await;
        for token in [&cli, &phone_token] {
            let refused = api_me(&app, token).await;
            assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        }
        // The sign-in page says what Cognito could not do.
        let page = get_page(&app, "/sign-in?notice=signed_out_everywhere_app_only", "").await;
        assert!(
            page.body.contains("This Cognito has no global sign-out"),
            "{}",
            page.body
        );
    })
}

#[test]
fn everywhere_says_so_when_cognito_fails_and_signs_out_here_anyway() {
    run(async {
        let (fake, url) = fake_cognito().await;
        fake.fail(
            "GlobalSignOut",
            Some((StatusCode::INTERNAL_SERVER_ERROR, "InternalErrorException")),
        );
        let app = app(&fake, &url).await;
        let (laptop, _) = browser(&app, &fake, PASSWORD).await;
        let (phone, phone_token) = browser(&app, &fake, PASSWORD).await;
        let out = post(&app, "/auth/account-sign-out-everywhere", &[], &[("cookie", &laptop)]).await;
        assert_eq!(location(&out), "/sign-in?notice=signed_out_everywhere_retrying");
        signed_out(&app, &phone).await;
        assert_eq!(api_me(&app, &phone_token).await.status, StatusCode::UNAUTHORIZED);
    })
}

#[test]
fn a_new_password_signs_out_the_other_devices_and_keeps_this_one_without_global_sign_out() {
    run(async {
        let (fake, url) = fake_cognito().await;
        fake.fail("GlobalSignOut", UNSUPPORTED);
        let app = app(&fake, &url).await;
        let (phone, phone_token) = browser(&app, &fake, PASSWORD).await;
        let (laptop, laptop_token) = browser(&app, &fake, PASSWORD).await;
        let changed = post(
            &app,
            "/auth/account-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "Battery-Staple-10"),
                ("sign_out_others", "yes"),
            ],
            &[("cookie", &laptop)],
        )
        .await;
        assert_eq!(
            location(&changed),
            "/account?notice=password_changed_everywhere_app_only",
            "{} {}",
            changed.status,
            changed.body
        );
        // This browser is in, on a new session (signed in again with the new password)…
        let laptop = cookies_of(&changed);
        let new_token = fake.issued.lock().unwrap().last().cloned().expect("signed in again");
        assert_ne!(new_token, laptop_token);
        assert!(get_page(&app, "/protected", &laptop).await.body.contains(EMAIL));
        assert_eq!(api_me(&app, &new_token).await.status, StatusCode::OK);
        // … the other one is out, and every older token refused.
        signed_out(&app, &phone).await;
        for token in [&phone_token, &laptop_token] {
            assert_eq!(api_me(&app, token).await.status, StatusCode::UNAUTHORIZED);
        }
    })
}

/// Deleting the account ends every browser of it and refuses every token it ever had, here
/// first: the tokens Cognito issued carry `iat` and `jti`, so a revocation that missed them
/// would show.
#[test]
fn deleting_the_account_ends_every_browser_and_refuses_every_token() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let app = app(&fake, &url).await;
        let (_, cli) = browser(&app, &fake, PASSWORD).await;
        let (phone, phone_token) = browser(&app, &fake, PASSWORD).await;
        let (laptop, laptop_token) = browser(&app, &fake, PASSWORD).await;
        for token in [&cli, &phone_token, &laptop_token] {
            assert_eq!(api_me(&app, token).await.status, StatusCode::OK);
        }
        let deleted = post(
            &app,
            "/auth/account-delete",
            &[("confirm", "yes")],
            &[("cookie", &laptop)],
        )
        .await;
        assert_eq!(
            location(&deleted),
            "/?notice=account_deleted",
            "{} {}",
            deleted.status,
            deleted.body
        );
        assert_eq!(fake.calls("DeleteUser"), 1);
        assert!(deleted.set_cookie_clears());
        signed_out(&app, &laptop).await;
        signed_out(&app, &phone).await;
        for token in [&cli, &phone_token, &laptop_token] {
            let refused = api_me(&app, token).await;
            assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        }
    })
}

/// A new password ends the device cookies issued before it — but this browser, which just typed
/// both passwords, gets a new one at once: it stays known for the account.
#[test]
fn a_new_password_keeps_this_browser_known_for_the_account() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let app = app(&fake, &url).await;
        let (cookies, _) = browser(&app, &fake, PASSWORD).await;
        let changed = post(
            &app,
            "/auth/account-password",
            &[("current_password", PASSWORD), ("new_password", "Battery-Staple-10")],
            &[("cookie", &cookies)],
        )
        .await;
        assert_eq!(
            location(&changed),
            "/account?notice=password_changed",
            "{}",
            changed.body
        );
        let device = changed
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok())
            .any(|c| c.starts_with("lc-device=") && !c.contains("Max-Age=0"));
        assert!(device, "{:?}", changed.headers);
    })
}

/// The same cookies posted to sign-out again (a double click, a replay) revoke the refresh token
/// at Cognito once, however often they come back.
#[test]
fn signing_out_again_with_the_same_cookies_asks_cognito_once() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let app = app(&fake, &url).await;
        let (cookies, _) = browser(&app, &fake, PASSWORD).await;
        for _ in 0..3 {
            let out = post(&app, "/auth/sign-out", &[], &[("cookie", &cookies)]).await;
            assert!(out.set_cookie_clears(), "{:?}", out.headers);
            signed_out(&app, &cookies).await;
        }
        assert_eq!(fake.calls("RevokeToken"), 1);
    })
}

#[test]
fn a_password_reset_ends_every_session_here_and_at_cognito() {
    run(async {
        for admin_sign_out in [None, UNSUPPORTED] {
            let (fake, url) = fake_cognito().await;
            fake.fail("AdminUserGlobalSignOut", admin_sign_out);
            let app = app(&fake, &url).await;
            // An intruder who knew the old password, signed in.
            let (intruder, intruder_token) = browser(&app, &fake, PASSWORD).await;
            assert_eq!(api_me(&app, &intruder_token).await.status, StatusCode::OK);
            let reset = post(
                &app,
                "/auth/reset-password",
                &[("email", EMAIL), ("code", "123456"), ("password", "Battery-Staple-10")],
                &[],
            )
            .await;
            assert!(
                location(&reset).starts_with("/sign-in?"),
                "{} {}",
                reset.status,
                reset.body
            );
            assert_eq!(fake.calls("AdminGetUser"), 1);
            assert_eq!(fake.calls("AdminUserGlobalSignOut").min(1), 1);
            signed_out(&app, &intruder).await;
            assert_eq!(api_me(&app, &intruder_token).await.status, StatusCode::UNAUTHORIZED);
        }
    })
}

#[test]
fn a_token_cognito_no_longer_accepts_is_refused_and_stays_refused() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let app = app(&fake, &url).await;
        let (cookies, token) = browser(&app, &fake, PASSWORD).await;
        // An operator signed the person out at Cognito (or disabled them): GetUser refuses.
        fake.fail("GetUser", Some((StatusCode::BAD_REQUEST, "NotAuthorizedException")));
        let refused = api_me(&app, &token).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        assert!(refused.body.contains("revoked"), "{}", refused.body);
        // Remembered as revoked: no second question to Cognito, however it answers now, and the
        // session that held the token is signed out at its next page.
        let asked = fake.calls("GetUser");
        fake.fail("GetUser", None);
        assert_eq!(api_me(&app, &token).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(fake.calls("GetUser"), asked);
        signed_out(&app, &cookies).await;
    })
}

#[test]
fn the_account_page_signs_out_a_session_cognito_refuses() {
    run(async {
        let (fake, url) = fake_cognito().await;
        let app = app(&fake, &url).await;
        let (cookies, token) = browser(&app, &fake, PASSWORD).await;
        fake.fail("GetUser", Some((StatusCode::BAD_REQUEST, "NotAuthorizedException")));
        let page = get_page(&app, "/account", &cookies).await;
        assert!(!page.body.contains("Where you"), "{} {}", page.status, page.body);
        // The next request (the sign-in page it is sent to) clears its cookies; the API refuses.
        let next = get_page(&app, "/sign-in?next=/account", &cookies).await;
        assert!(next.set_cookie_clears(), "{:?}", next.headers);
        fake.fail("GetUser", None);
        assert_eq!(api_me(&app, &token).await.status, StatusCode::UNAUTHORIZED);
    })
}
