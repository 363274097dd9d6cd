//! Pools the emulator cannot be: app clients with a secret, every sign-in challenge, refresh-
//! token rotation. The whole app (router, server functions, cookies) runs in front of a mocked
//! Cognito client (`aws-smithy-mocks`) whose rules check each request the way real Cognito
//! would — the exact `SECRET_HASH`, the internal username, the challenge's session, the
//! client's IP — and answer in AWS's shapes (errors as they come over the wire).

use crate::common::*;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::associate_software_token::AssociateSoftwareTokenOutput;
use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::operation::verify_software_token::VerifySoftwareTokenOutput;
use aws_sdk_cognitoidentityprovider::types::{ChallengeNameType, VerifySoftwareTokenResponseType};
use aws_smithy_mocks::{Rule, mock};
use axum::http::{StatusCode, header};
use leptos_cognito::state::StartError;

/// The answer that ends a sign-in: tokens for an hour, refresh token `rt-1`.
fn tokens_answer() -> RespondToAuthChallengeOutput {
    RespondToAuthChallengeOutput::builder()
        .authentication_result(tokens(3600, Some("rt-1")))
        .build()
}

// --- the challenges -----------------------------------------------------------------------------

#[test]
fn an_authenticator_code_signs_in_with_a_client_secret_after_a_wrong_one() {
    run(async {
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
            .then_output(tokens_answer);
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
        hydrates_its_island(&page);
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
    });
}

#[test]
fn e_mail_and_text_message_codes_say_where_the_code_went() {
    run(async {
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
                .then_output(tokens_answer);
            let app = app(pool, &[&sign_in, &answer_rule]).await;
            let mut browser = Browser::default();
            assert_eq!(browser.sign_in(&app).await.location(), "/sign-in/code");
            let page = browser.get(&app, "/sign-in/code").await;
            assert!(page.body.contains(wording), "{challenge:?}: {}", page.body);
            signed_in(&browser.post(&app, "/auth/mfa-code", &[("code", code)]).await);
        }
    });
}

#[test]
fn a_choice_of_factors_leads_to_the_chosen_ones_code() {
    run(async {
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
            .then_output(tokens_answer);
        let app = app(pool, &[&sign_in, &choose, &code]).await;
        let mut browser = Browser::default();
        assert_eq!(browser.sign_in(&app).await.location(), "/sign-in/choose-method");
        let page = browser.get(&app, "/sign-in/choose-method").await;
        hydrates_its_island(&page);
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
    });
}

#[test]
fn an_invited_user_sets_a_password_and_required_name_then_sets_up_an_authenticator() {
    run(async {
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
            .then_output(tokens_answer);
        let app = app(pool, &[&sign_in, &new_password, &associate, &verify, &setup_done]).await;
        let mut browser = Browser::default();
        assert_eq!(browser.sign_in(&app).await.location(), "/sign-in/new-password");
        let page = browser.get(&app, "/sign-in/new-password").await;
        hydrates_its_island(&page);
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
        hydrates_its_island(&page);
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains(r#"role="img" aria-label="QR code for your authenticator app""#)
        );
        assert!(page.body.contains(r#"<svg aria-hidden="true""#));
        assert!(page.body.contains("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"));
        // Reloading the page does not make another secret.
        browser.get(&app, "/sign-in/authenticator").await;
        assert_eq!(associate.num_calls(), 1);

        let answer = browser.post(&app, "/auth/mfa-setup", &[("code", "123456")]).await;
        signed_in(&answer);
        assert!(answer.removes("lc-sign-in"));
        assert_eq!((verify.num_calls(), setup_done.num_calls()), (1, 1));
    });
}

#[test]
fn a_required_set_up_without_authenticator_apps_is_explained() {
    run(async {
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
    });
}

#[test]
fn an_unknown_challenge_is_explained_and_keeps_nothing() {
    run(async {
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
    });
}

#[test]
fn a_session_cognito_no_longer_knows_goes_back_to_sign_in() {
    run(async {
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
    });
}

#[test]
fn a_forged_challenge_cookie_is_no_challenge() {
    run(async {
        let app = app(Pool::default(), &[]).await;
        let mut browser = Browser::default();
        browser.cookies.insert("lc-sign-in".into(), "forged".into());
        let page = browser.get(&app, "/sign-in/code").await;
        assert_eq!(page.status, StatusCode::FOUND);
        assert_eq!(page.location(), "/sign-in?error=challenge_expired");
        let answer = browser.post(&app, "/auth/mfa-code", &[("code", "123456")]).await;
        assert_eq!(answer.location(), "/sign-in?error=challenge_expired");
    });
}

/// Some challenges name the user in `USERNAME` rather than `USER_ID_FOR_SRP`: the answer (and its
/// SECRET_HASH) must use that internal name, never the e-mail.
#[test]
fn a_challenge_that_names_the_user_in_username_is_answered_as_that_user() {
    run(async {
        let pool = Pool {
            secret: true,
            ..Pool::default()
        };
        let sign_in = mock!(Client::initiate_auth).then_output(|| {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                .session("session-1")
                .challenge_parameters("USERNAME", USER_ID)
                .build()
        });
        let answer = mock!(Client::respond_to_auth_challenge)
            .match_requests(move |r| answers_as_the_user(pool, r.challenge_responses().unwrap()))
            .then_output(tokens_answer);
        let app = app(pool, &[&sign_in, &answer]).await;
        let mut browser = Browser::default();
        assert_eq!(browser.sign_in(&app).await.location(), "/sign-in/code");
        signed_in(&browser.post(&app, "/auth/mfa-code", &[("code", "123456")]).await);
        assert_eq!(answer.num_calls(), 1);
    });
}

// --- sign-out -----------------------------------------------------------------------------------

/// The Cognito calls a test made, in order.
type Calls = std::sync::Arc<std::sync::Mutex<Vec<&'static str>>>;

/// RevokeToken and GlobalSignOut, each recording its call. GlobalSignOut answers like AWS for
/// the revoked access token that the old sign-out sent it.
fn sign_out_rules(calls: &Calls) -> (Rule, Rule) {
    let log = calls.clone();
    let revoke = mock!(Client::revoke_token)
        .match_requests(move |r| {
            log.lock().unwrap().push("RevokeToken");
            r.token() == Some("rt-1") && r.client_id() == Some(CLIENT_ID) && r.client_secret() == Some(SECRET)
        })
        .then_output(|| aws_sdk_cognitoidentityprovider::operation::revoke_token::RevokeTokenOutput::builder().build());
    let log = calls.clone();
    let global = mock!(Client::global_sign_out)
        .match_requests(move |r| {
            log.lock().unwrap().push("GlobalSignOut");
            r.access_token().is_some_and(|t| t.starts_with("ey"))
        })
        .then_output(|| {
            aws_sdk_cognitoidentityprovider::operation::global_sign_out::GlobalSignOutOutput::builder().build()
        });
    (revoke, global)
}

/// Plain "Sign out" is this browser: RevokeToken only (it also ends the access tokens issued from
/// that refresh token). The old code then called GlobalSignOut with the revoked access token,
/// which AWS always refuses.
#[test]
fn sign_out_revokes_this_browsers_refresh_token_and_nothing_else() {
    run(async {
        let pool = Pool {
            secret: true,
            ..Pool::default()
        };
        let calls = Calls::default();
        let (revoke, global) = sign_out_rules(&calls);
        let sign_in = plain_sign_in_for_an_hour();
        let app = app(pool, &[&sign_in, &revoke, &global]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser.post(&app, "/auth/sign-out", &[]).await;
        assert_eq!(answer.location(), "/");
        assert!(answer.removes("lc-session") && answer.removes("lc-refresh"));
        assert_eq!(*calls.lock().unwrap(), ["RevokeToken"]);
        assert_eq!((revoke.num_calls(), global.num_calls()), (1, 0));
    });
}

/// A sign-out whose access token is about to expire revokes the refresh token the browser holds
/// and refreshes nothing first: with rotation, a refresh would mint a new refresh token that
/// nobody revokes, and that the browser never gets.
#[test]
fn sign_out_never_refreshes_first() {
    run(async {
        let pool = Pool {
            secret: true,
            rotation: true,
            ..Pool::default()
        };
        let calls = Calls::default();
        let (revoke, global) = sign_out_rules(&calls);
        let log = calls.clone();
        let refresh = mock!(Client::get_tokens_from_refresh_token)
            .match_requests(move |_| {
                log.lock().unwrap().push("GetTokensFromRefreshToken");
                true
            })
            .then_output(|| {
                GetTokensFromRefreshTokenOutput::builder()
                    .authentication_result(tokens(3600, Some("rt-2")))
                    .build()
            });
        // Tokens for five seconds: any other request now would refresh them.
        let sign_in = plain_sign_in();
        let app = app(pool, &[&sign_in, &refresh, &revoke, &global]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser.post(&app, "/auth/sign-out", &[]).await;
        assert_eq!(answer.location(), "/");
        assert!(answer.removes("lc-session") && answer.removes("lc-refresh"));
        assert_eq!(*calls.lock().unwrap(), ["RevokeToken"]);
        assert_eq!(refresh.num_calls(), 0);
        // The same tokens on any other request are refreshed: the sign-out had the choice.
        let mut other = Browser::default();
        signed_in(&other.sign_in(&app).await);
        assert_eq!(other.get(&app, "/").await.status, StatusCode::OK);
        assert_eq!(refresh.num_calls(), 1);
    });
}

/// "Sign out everywhere" is GlobalSignOut with the access token, then this browser's cookies; no
/// RevokeToken (GlobalSignOut already ended this refresh token too).
#[test]
fn sign_out_everywhere_is_one_global_sign_out_then_the_cookies() {
    run(async {
        let pool = Pool {
            secret: true,
            ..Pool::default()
        };
        let calls = Calls::default();
        let (revoke, global) = sign_out_rules(&calls);
        let sign_in = plain_sign_in_for_an_hour();
        let app = app(pool, &[&sign_in, &revoke, &global]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let answer = browser.post(&app, "/auth/account-sign-out-everywhere", &[]).await;
        assert_eq!(answer.location(), "/sign-in?notice=signed_out_everywhere");
        assert!(answer.removes("lc-session") && answer.removes("lc-refresh"));
        assert_eq!(*calls.lock().unwrap(), ["GlobalSignOut"]);
        assert_eq!((revoke.num_calls(), global.num_calls()), (0, 1));
    });
}

/// A sign-in with tokens for an hour: no refresh on the next requests.
fn plain_sign_in_for_an_hour() -> Rule {
    mock!(Client::initiate_auth).then_output(|| {
        InitiateAuthOutput::builder()
            .authentication_result(tokens(3600, Some("rt-1")))
            .build()
    })
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

/// Where GetTokensFromRefreshToken is missing (cognito-local answers HTTP 500 `Unsupported`),
/// the refresh falls back to REFRESH_TOKEN_AUTH, whose SECRET_HASH names the internal user.
#[test]
fn on_an_emulator_without_get_tokens_a_refresh_hashes_the_internal_username_not_the_e_mail() {
    run(async {
        let pool = Pool {
            secret: true,
            ..Pool::default()
        };
        let sign_in = plain_sign_in();
        let unsupported = mock!(Client::get_tokens_from_refresh_token).then_http_response(|| {
            let mut response = aws_error("CognitoLocal#Unsupported", "Cognito Local unsupported feature");
            *response.status_mut() = 500.try_into().unwrap();
            response
        });
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
        let app = app(pool, &[&sign_in, &unsupported, &refresh]).await;
        let mut browser = Browser::default();
        signed_in(&browser.sign_in(&app).await);
        let page = browser.get(&app, "/").await;
        assert_eq!((unsupported.num_calls(), refresh.num_calls()), (1, 1));
        assert!(page.sets("lc-session"));
        assert!(!page.sets("lc-refresh"), "no rotation: the refresh token stays");
    });
}

#[test]
fn with_rotation_the_refresh_cookie_is_rewritten_and_a_replay_after_the_grace_period_signs_out() {
    run(async {
        let pool = Pool {
            secret: true,
            rotation: true,
            ..Pool::default()
        };
        let sign_in = plain_sign_in();
        // The first exchange of rt-1 rotates it; within the grace period it still works once more;
        // after that Cognito refuses it as reused.
        let rt1 = mock!(Client::get_tokens_from_refresh_token)
            .match_requests(|r| {
                r.refresh_token() == Some("rt-1")
                    && r.client_secret() == Some(SECRET)
                    && r.client_id() == Some(CLIENT_ID)
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
        let app_a = leptos_cognito::router::router(state_a.clone());
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
        let app_b = leptos_cognito::router::router(state(pool, &[&rt1], &[]).await.expect("state"));
        let mut within_grace = stale.clone();
        let page = within_grace.get(&app_b, "/").await;
        assert!(
            page.body.contains(EMAIL) && page.sets("lc-refresh"),
            "{:?}",
            page.set_cookies()
        );

        // A third replays it after the grace period: Cognito says it was reused; the session
        // ends cleanly, without an error page.
        let app_c = leptos_cognito::router::router(state(pool, &[&rt1], &[]).await.expect("state"));
        let mut replayed = stale.clone();
        let page = replayed.get(&app_c, "/protected").await;
        assert_eq!(page.status, StatusCode::FOUND);
        assert_eq!(page.location(), "/sign-in?next=/protected");
        assert!(page.removes("lc-session") && page.removes("lc-refresh"));
        assert_eq!(rt1.num_calls(), 3);
    });
}

// --- start-up ----------------------------------------------------------------------------------

#[test]
fn production_refuses_to_start_without_the_clients_secret() {
    run(async {
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
    });
}

#[test]
fn the_secret_never_reaches_a_page() {
    run(async {
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
    });
}
