//! Remembered devices in a "User opt-in" pool, the whole app in front of a mocked Cognito
//! (`aws-smithy-mocks`) that tracks the device as AWS does: the code page offers "Remember this
//! browser", the device is confirmed with the browser's name and remembered when ticked, the
//! next sign-in from that browser goes in after the password (the device's SRP proof instead of
//! the code), the account page lists it and forgets it, and "sign out everywhere" forgets every
//! device. The proof's arithmetic is checked against the server's half in `cognito-auth`'s own
//! tests (`cognito/devices.rs`); here the wire shapes and the app's cookies are.

use crate::common::*;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::confirm_device::ConfirmDeviceOutput;
use aws_sdk_cognitoidentityprovider::operation::forget_device::ForgetDeviceOutput;
use aws_sdk_cognitoidentityprovider::operation::global_sign_out::GlobalSignOutOutput;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::list_devices::ListDevicesOutput;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::operation::revoke_token::RevokeTokenOutput;
use aws_sdk_cognitoidentityprovider::operation::update_device_status::UpdateDeviceStatusOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, ChallengeNameType, DeviceRememberedStatusType, DeviceType, NewDeviceMetadataType,
};
use aws_smithy_mocks::{Rule, mock};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::sync::{Arc, Mutex};

const KEY: &str = "eu-west-1_9b2f4a6c-1d3e-4f5a-8b7c-0d1e2f3a4b5c";
const GROUP: &str = "-AbCdEfGh";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// The device as Cognito keeps it.
#[derive(Default)]
struct Device {
    confirmed: bool,
    remembered: bool,
    forgotten: bool,
    /// The `DEVICE_KEY` of each InitiateAuth.
    named: Vec<Option<String>>,
    verifier: Option<String>,
}

fn rules(device: Arc<Mutex<Device>>) -> Vec<Rule> {
    let d = device.clone();
    let initiate = mock!(Client::initiate_auth).then_compute_response(move |r| {
        let key = r.auth_parameters().unwrap().get("DEVICE_KEY").cloned();
        let mut d = d.lock().unwrap();
        d.named.push(key.clone());
        let out = match key {
            Some(_) if d.forgotten => {
                return aws_smithy_mocks::MockResponse::Http(aws_error(
                    "ResourceNotFoundException",
                    "Device does not exist.",
                ));
            }
            Some(k) if k == KEY && d.remembered => InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::DeviceSrpAuth)
                .session("device-1")
                .challenge_parameters("USERNAME", USER_ID),
            _ => InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                .session("session-1")
                .challenge_parameters("USER_ID_FOR_SRP", USER_ID),
        };
        aws_smithy_mocks::MockResponse::Output(out.build())
    });
    let d = device.clone();
    let respond = mock!(Client::respond_to_auth_challenge).then_compute_response(move |r| {
        let responses = r.challenge_responses().unwrap();
        assert_eq!(responses["USERNAME"], USER_ID);
        let d = d.lock().unwrap();
        let out = match r.challenge_name() {
            Some(ChallengeNameType::SoftwareTokenMfa) => {
                assert_eq!(responses["SOFTWARE_TOKEN_MFA_CODE"], "123456");
                // The device the sign-in named is named again, as Amazon's client does.
                assert_eq!(
                    responses.get("DEVICE_KEY"),
                    d.named.last().cloned().flatten().as_ref(),
                    "DEVICE_KEY as at InitiateAuth"
                );
                let mut result = tokens(3600, Some("rt-1"));
                if !d.confirmed || d.forgotten {
                    result.new_device_metadata = Some(
                        NewDeviceMetadataType::builder()
                            .device_key(KEY)
                            .device_group_key(GROUP)
                            .build(),
                    );
                }
                RespondToAuthChallengeOutput::builder().authentication_result(result)
            }
            Some(ChallengeNameType::DeviceSrpAuth) => {
                assert_eq!(r.session(), Some("device-1"));
                assert_eq!(responses["DEVICE_KEY"], KEY);
                assert!(responses["SRP_A"].len() > 500, "a 3072-bit A");
                RespondToAuthChallengeOutput::builder()
                    .challenge_name(ChallengeNameType::DevicePasswordVerifier)
                    .session("device-2")
                    .challenge_parameters("SRP_B", "4d2a9f3c17b5e8")
                    .challenge_parameters("SALT", "3031323334353637")
                    .challenge_parameters("SECRET_BLOCK", "YSBibG9jaw==")
                    .challenge_parameters("USERNAME", USER_ID)
            }
            Some(ChallengeNameType::DevicePasswordVerifier) => {
                assert_eq!(r.session(), Some("device-2"));
                assert_eq!(responses["DEVICE_KEY"], KEY);
                assert_eq!(responses["PASSWORD_CLAIM_SECRET_BLOCK"], "YSBibG9jaw==");
                assert!(!responses["PASSWORD_CLAIM_SIGNATURE"].is_empty());
                assert!(responses["TIMESTAMP"].contains(" UTC "), "Cognito's timestamp");
                RespondToAuthChallengeOutput::builder().authentication_result(tokens(3600, Some("rt-1")))
            }
            other => panic!("unexpected challenge {other:?}"),
        };
        aws_smithy_mocks::MockResponse::Output(out.build())
    });
    let d = device.clone();
    let confirm = mock!(Client::confirm_device).then_compute_response(move |r| {
        assert_eq!(r.device_key(), Some(KEY));
        assert_eq!(r.device_name(), Some("Firefox on Linux"));
        let config = r.device_secret_verifier_config().unwrap();
        assert!(config.salt().is_some());
        let mut d = d.lock().unwrap();
        d.verifier = config.password_verifier().map(str::to_owned);
        d.confirmed = true;
        d.forgotten = false;
        aws_smithy_mocks::MockResponse::Output(ConfirmDeviceOutput::builder().user_confirmation_necessary(true).build())
    });
    let d = device.clone();
    let status = mock!(Client::update_device_status).then_compute_response(move |r| {
        assert_eq!(r.device_key(), Some(KEY));
        d.lock().unwrap().remembered = r.device_remembered_status() == Some(&DeviceRememberedStatusType::Remembered);
        aws_smithy_mocks::MockResponse::Output(UpdateDeviceStatusOutput::builder().build())
    });
    let d = device.clone();
    let list = mock!(Client::list_devices).then_compute_response(move |_| {
        let d = d.lock().unwrap();
        let mut out = ListDevicesOutput::builder();
        if d.confirmed && !d.forgotten {
            let attribute = |name: &str, value: &str| AttributeType::builder().name(name).value(value).build().unwrap();
            out = out.devices(
                DeviceType::builder()
                    .device_key(KEY)
                    .device_attributes(attribute("device_name", "Firefox on Linux"))
                    .device_attributes(attribute(
                        "device_remembered_status",
                        if d.remembered { "remembered" } else { "not_remembered" },
                    ))
                    .build(),
            );
        }
        aws_smithy_mocks::MockResponse::Output(out.build())
    });
    let d = device;
    let forget = mock!(Client::forget_device).then_compute_response(move |r| {
        assert_eq!(r.device_key(), Some(KEY));
        let mut d = d.lock().unwrap();
        d.forgotten = true;
        d.remembered = false;
        aws_smithy_mocks::MockResponse::Output(ForgetDeviceOutput::builder().build())
    });
    let revoke = mock!(Client::revoke_token).then_output(|| RevokeTokenOutput::builder().build());
    let global = mock!(Client::global_sign_out).then_output(|| GlobalSignOutOutput::builder().build());
    vec![
        initiate,
        respond,
        confirm,
        status,
        list,
        forget,
        revoke,
        global,
        get_user(),
    ]
}

async fn get_as_firefox(browser: &mut Browser, app: &axum::Router, path: &str) -> Answer {
    browser
        .send(
            app,
            Request::get(path)
                .header(header::ACCEPT, "text/html")
                .header(header::USER_AGENT, FIREFOX),
            Body::empty(),
        )
        .await
}

async fn post_as_firefox(browser: &mut Browser, app: &axum::Router, path: &str, form: &[(&str, &str)]) -> Answer {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::USER_AGENT, FIREFOX);
    browser
        .send(app, request, Body::from(serde_urlencoded::to_string(form).unwrap()))
        .await
}

async fn sign_in(browser: &mut Browser, app: &axum::Router) -> Answer {
    post_as_firefox(
        browser,
        app,
        "/auth/sign-in",
        &[("email", EMAIL), ("password", PASSWORD)],
    )
    .await
}

/// The code, with "Remember this browser" ticked.
async fn remember_with_code(browser: &mut Browser, app: &axum::Router) -> Answer {
    post_as_firefox(
        browser,
        app,
        "/auth/mfa-code",
        &[("code", "123456"), ("remember", "on")],
    )
    .await
}

/// The app on an opt-in pool whose Cognito keeps `Device`.
async fn opt_in_pool() -> (Arc<Mutex<Device>>, axum::Router) {
    let pool = Pool {
        devices: true,
        ..Pool::default()
    };
    let device = Arc::new(Mutex::new(Device::default()));
    let rules = rules(device.clone());
    let all: Vec<&Rule> = rules.iter().collect();
    (device, app(pool, &all).await)
}

#[test]
fn a_remembered_browser_skips_the_code_until_it_is_forgotten() {
    run(async {
        let (device, app) = opt_in_pool().await;
        let mut browser = Browser::default();

        // First sign-in: the code, with "Remember this browser" ticked.
        let answer = sign_in(&mut browser, &app).await;
        assert_eq!(answer.location(), "/sign-in/code");
        let page = get_as_firefox(&mut browser, &app, "/sign-in/code").await;
        assert!(page.body.contains("Remember this browser"), "{}", page.body);
        let answer = remember_with_code(&mut browser, &app).await;
        signed_in(&answer);
        assert!(answer.sets("lc-remembered"), "{:?}", answer.set_cookies());
        {
            let d = device.lock().unwrap();
            assert!(d.confirmed && d.remembered, "confirmed and remembered");
        }
        let sealed = &browser.cookies["lc-remembered"];
        let verifier = device.lock().unwrap().verifier.clone().unwrap();
        assert!(!sealed.contains(KEY) && !sealed.contains(&verifier[..20]), "sealed");

        // The account page lists it as this browser.
        let account = get_as_firefox(&mut browser, &app, "/account").await;
        assert_eq!(account.status, StatusCode::OK);
        assert!(account.body.contains("Remembered browsers"), "{}", account.body);
        assert!(account.body.contains("Firefox on Linux") && account.body.contains("This browser"));

        // Signed out and in again: the device proves itself, no code.
        post_as_firefox(&mut browser, &app, "/auth/sign-out", &[]).await;
        let answer = sign_in(&mut browser, &app).await;
        signed_in(&answer);
        assert_eq!(
            device.lock().unwrap().named.last().cloned().flatten().as_deref(),
            Some(KEY)
        );

        // Forgotten on the account page: this browser is asked for the code again (and its
        // session keeps working: it is only no longer remembered).
        let answer = post_as_firefox(&mut browser, &app, "/auth/account-forget-device", &[("device", KEY)]).await;
        assert_eq!(answer.location(), "/account?notice=device_forgotten");
        assert!(!device.lock().unwrap().remembered);
        post_as_firefox(&mut browser, &app, "/auth/sign-out", &[]).await;
        let answer = sign_in(&mut browser, &app).await;
        assert_eq!(answer.location(), "/sign-in/code");
        let answer = remember_with_code(&mut browser, &app).await;
        signed_in(&answer);
        assert!(device.lock().unwrap().remembered, "remembered again when asked");

        // Sign out everywhere forgets every device, and this browser drops its own.
        let answer = post_as_firefox(&mut browser, &app, "/auth/account-sign-out-everywhere", &[]).await;
        assert!(answer.removes("lc-remembered"), "{:?}", answer.set_cookies());
        assert!(device.lock().unwrap().forgotten);
    });
}

/// A copy of the device cookie kept from before "sign out everywhere" names a device Cognito
/// no longer knows: the sign-in goes on without it, asks for the code, and the copy is dropped.
#[test]
fn a_device_cookie_kept_from_before_sign_out_everywhere_skips_nothing() {
    run(async {
        let (device, app) = opt_in_pool().await;
        let mut browser = Browser::default();
        sign_in(&mut browser, &app).await;
        let answer = remember_with_code(&mut browser, &app).await;
        signed_in(&answer);
        let copy = browser.cookies["lc-remembered"].clone();
        post_as_firefox(&mut browser, &app, "/auth/account-sign-out-everywhere", &[]).await;

        let mut thief = Browser::default();
        thief.cookies.insert("lc-remembered".into(), copy);
        let answer = sign_in(&mut thief, &app).await;
        assert_eq!(answer.location(), "/sign-in/code", "the code is asked");
        assert!(answer.removes("lc-remembered"), "{:?}", answer.set_cookies());
        let named = device.lock().unwrap().named.clone();
        assert_eq!(named[named.len() - 2].as_deref(), Some(KEY), "the copy was tried");
        assert_eq!(named[named.len() - 1], None, "then the sign-in went on without it");
    });
}
