//! The account page against AWS's answers where the emulator differs or lacks the call:
//! GlobalSignOut (cognito-local has none), a wrong current password (AWS says
//! NotAuthorizedException), "sign out my other devices" (ChangePassword, GlobalSignOut, then a
//! fresh sign-in), and the password asked again before sensitive changes.

use crate::common::*;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::change_password::ChangePasswordOutput;
use aws_sdk_cognitoidentityprovider::operation::get_user::GetUserOutput;
use aws_sdk_cognitoidentityprovider::operation::global_sign_out::GlobalSignOutOutput;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType};
use aws_smithy_mocks::{Rule, mock};

const NEW_PASSWORD: &str = "Another-Horse-8";

/// Signs in with `password` (as often as asked), with tokens for an hour.
fn sign_in_with(password: &'static str) -> Rule {
    mock!(Client::initiate_auth)
        .match_requests(move |r| {
            r.auth_flow() == Some(&AuthFlowType::UserPasswordAuth)
                && r.auth_parameters().unwrap().get("PASSWORD").map(String::as_str) == Some(password)
        })
        .sequence()
        .output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(tokens(3600, Some("rt-1")))
                .build()
        })
        .repeatedly()
        .build()
}

#[test]
fn sign_out_everywhere_ends_the_session_on_aws() {
    run(async {
        let sign_in = sign_in_with(PASSWORD);
        let everywhere = mock!(Client::global_sign_out)
            .match_requests(|r| r.access_token().is_some_and(|t| t.starts_with("ey")))
            .then_output(|| GlobalSignOutOutput::builder().build());
        let app = app(Pool::default(), &[&sign_in, &everywhere]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser.post(&app, "/auth/account-sign-out-everywhere", &[]).await;
        assert_eq!(answer.location(), "/sign-in?notice=signed_out_everywhere");
        assert!(answer.removes("lc-session") && answer.removes("lc-refresh"));
        assert_eq!(everywhere.num_calls(), 1);
        let page = browser.get(&app, "/account").await;
        assert_eq!(page.location(), "/sign-in?next=/account", "signed out");
    });
}

#[test]
fn a_wrong_current_password_reads_the_same_on_aws() {
    run(async {
        let sign_in = sign_in_with(PASSWORD);
        let refused = mock!(Client::change_password)
            .then_http_response(|| aws_error("NotAuthorizedException", "Incorrect username or password."));
        let account = get_user();
        let app = app(Pool::default(), &[&sign_in, &refused, &account]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser
            .post(
                &app,
                "/auth/account-password",
                &[("current_password", "Not-It-1"), ("new_password", NEW_PASSWORD)],
            )
            .await;
        assert_eq!(answer.location(), "/account?error=wrong_password&form=password");
        assert!(!answer.removes("lc-session"), "still signed in");
        let page = browser.get(&app, "/account?error=wrong_password&form=password").await;
        assert!(
            page.body.contains("That is not your current password."),
            "{}",
            page.body
        );
        assert!(!page.body.contains("Incorrect username") && !page.body.contains("Exception"));
    });
}

#[test]
fn a_new_password_can_sign_out_the_other_devices_and_keep_this_one() {
    run(async {
        let sign_in = sign_in_with(PASSWORD);
        let changed = mock!(Client::change_password)
            .match_requests(|r| r.previous_password() == Some(PASSWORD) && r.proposed_password() == Some(NEW_PASSWORD))
            .then_output(|| ChangePasswordOutput::builder().build());
        let everywhere = mock!(Client::global_sign_out).then_output(|| GlobalSignOutOutput::builder().build());
        // This browser signs in again, with the new password.
        let again = sign_in_with(NEW_PASSWORD);
        let app = app(Pool::default(), &[&sign_in, &changed, &everywhere, &again]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let before = browser.cookies.get("lc-refresh").cloned();
        let answer = browser
            .post(
                &app,
                "/auth/account-password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", NEW_PASSWORD),
                    ("sign_out_others", "yes"),
                ],
            )
            .await;
        signed_in(&answer);
        assert_eq!(answer.location(), "/account?notice=password_changed_everywhere");
        assert_ne!(browser.cookies.get("lc-refresh"), before.as_ref(), "a new session");
        assert_eq!(
            (changed.num_calls(), everywhere.num_calls(), again.num_calls()),
            (1, 1, 1)
        );
    });
}

#[test]
fn sensitive_changes_ask_for_the_password_again() {
    run(async {
        let sign_in = sign_in_with(PASSWORD);
        // No call to DeleteUser, UpdateUserAttributes or SetUserMFAPreference may reach Cognito.
        let state = state(Pool::default(), &[&sign_in], &[("REAUTH_WINDOW_SECS", "0")])
            .await
            .expect("state");
        let app = leptos_cognito::router::router(state);
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        for (path, form, fields) in [
            ("/auth/account-delete", "delete", vec![("confirm", "yes")]),
            ("/auth/account-email", "email", vec![("email", "new@example.com")]),
            ("/auth/account-authenticator-off", "authenticator", vec![]),
        ] {
            let answer = browser.post(&app, path, &fields).await;
            assert_eq!(
                answer.location(),
                format!("/account?error=reauth_required&form={form}"),
                "{path}"
            );
        }
    });
}

#[test]
fn adding_a_second_authenticator_asks_for_the_password_again() {
    run(async {
        let sign_in = sign_in_with(PASSWORD);
        // The account has an authenticator already; no AssociateSoftwareToken may be called (nor
        // for a first one: the password again first, whatever the account has).
        let account = mock!(Client::get_user)
            .sequence()
            .output(|| {
                GetUserOutput::builder()
                    .username(USER_ID)
                    .user_attributes(AttributeType::builder().name("email").value(EMAIL).build().unwrap())
                    .user_mfa_setting_list("SOFTWARE_TOKEN_MFA")
                    .preferred_mfa_setting("SOFTWARE_TOKEN_MFA")
                    .build()
                    .unwrap()
            })
            .repeatedly()
            .build();
        let state = state(Pool::default(), &[&sign_in, &account], &[("REAUTH_WINDOW_SECS", "0")])
            .await
            .expect("state");
        let app = leptos_cognito::router::router(state);
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser.post(&app, "/auth/account-authenticator", &[]).await;
        assert_eq!(answer.location(), "/account?error=reauth_required&form=authenticator");
        assert_eq!(account.num_calls(), 0, "refused before anything is asked of Cognito");
    });
}

#[test]
fn typing_the_password_again_revokes_the_session_it_replaces() {
    run(async {
        use aws_sdk_cognitoidentityprovider::operation::revoke_token::RevokeTokenOutput;
        let first = mock!(Client::initiate_auth)
            .match_requests(|r| r.auth_flow() == Some(&AuthFlowType::UserPasswordAuth))
            .sequence()
            .output(|| {
                InitiateAuthOutput::builder()
                    .authentication_result(tokens(3600, Some("rt-1")))
                    .build()
            })
            .output(|| {
                InitiateAuthOutput::builder()
                    .authentication_result(tokens(3600, Some("rt-2")))
                    .build()
            })
            .build();
        let revoke = mock!(Client::revoke_token)
            .match_requests(|r| r.token() == Some("rt-1"))
            .then_output(|| RevokeTokenOutput::builder().build());
        let app = app(Pool::default(), &[&first, &revoke]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser
            .post(&app, "/auth/account-confirm-password", &[("password", PASSWORD)])
            .await;
        signed_in(&answer);
        assert_eq!(answer.location(), "/account?notice=confirmed");
        assert_eq!(revoke.num_calls(), 1, "the superseded refresh token is revoked");
    });
}

#[test]
fn a_pool_that_requires_mfa_never_turns_the_authenticator_off() {
    run(async {
        let sign_in = sign_in_with(PASSWORD);
        // No SetUserMFAPreference may reach Cognito, even just after the password.
        let pool = Pool {
            mfa_required: true,
            ..Pool::default()
        };
        let app = app(pool, &[&sign_in]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser.post(&app, "/auth/account-authenticator-off", &[]).await;
        assert_eq!(answer.location(), "/account?error=mfa_required&form=authenticator");
    });
}

/// A pool's own user linked to a provider (`identities`): the provider's sign-ins write the
/// name and the e-mail, so the page says so and offers neither change; the password and the
/// rest stay.
#[test]
fn a_linked_account_offers_no_change_the_provider_would_write_over() {
    run(async {
        let sign_in = sign_in_with(PASSWORD);
        let linked = mock!(Client::get_user).then_output(|| {
            let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build().unwrap();
            GetUserOutput::builder()
                .username(USER_ID)
                .user_attributes(attribute("email", EMAIL))
                .user_attributes(attribute("email_verified", "true"))
                .user_attributes(attribute("name", "Ada"))
                .user_attributes(attribute(
                    "identities",
                    r#"[{"userId":"1101","providerName":"Google","providerType":"Google","primary":false}]"#,
                ))
                .build()
                .unwrap()
        });
        let app = app(Pool::default(), &[&sign_in, &linked]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let page = browser.get(&app, "/account").await;
        assert!(page.body.contains("Your account is linked to Google"), "{}", page.body);
        assert!(!page.body.contains("Save name"), "no name change");
        assert!(!page.body.contains("New e-mail"), "no e-mail change");
        assert!(
            page.body.contains("Change password"),
            "the password is still this pool's"
        );
    });
}
