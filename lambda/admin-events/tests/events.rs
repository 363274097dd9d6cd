//! The decision on event JSON as EventBridge delivers CloudTrail's records of Cognito's calls:
//! one fixture per call the function acts on, and the shapes it must leave alone.
#![allow(clippy::expect_used)] // a test that cannot read its fixture should fail loudly

use admin_events::{Config, DELETED, Decision, Event, Ignored, decide};
use serde_json::{Value, json};

const POOL: &str = "ap-northeast-1_AbC123xyz";

fn config() -> Config {
    Config {
        user_pool_id: POOL.into(),
        session_max_age_secs: 30 * 24 * 3600,
    }
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A clock well after every fixture's event (they are dated 2090).
const LATER: i64 = 4_200_000_000;

fn parse(json: Value) -> Result<Event, serde_json::Error> {
    serde_json::from_value(json)
}

fn decision(json: Value) -> Decision {
    decide(&parse(json).expect("the event parses"), &config(), LATER)
}

/// `at` (Unix seconds) plus 30 days and a minute.
fn revoke(sub: &str, before: i64, at: i64) -> Decision {
    Decision::Revoke {
        sub: sub.into(),
        before,
        until: at + 30 * 24 * 3600 + 60,
    }
}

// 2026-12-07T10:31:02Z and the fixtures' other times, in Unix seconds.
const T_SIGN_OUT: i64 = 1_796_639_462;

#[test]
fn each_fixture_gives_its_decision() {
    let table = [
        (
            "admin-user-global-sign-out.json",
            revoke("7a1e0b52-4c3d-4f6e-9a8b-1c2d3e4f5a6b", T_SIGN_OUT, T_SIGN_OUT),
        ),
        // The username masked with the other spelling: it is never read.
        (
            "admin-disable-user.json",
            revoke("2f9c8b7a-6e5d-4c3b-a291-8f7e6d5c4b3a", T_SIGN_OUT + 73, T_SIGN_OUT + 73),
        ),
        // A deleted account is refused for good; kept as long as the others.
        (
            "admin-delete-user.json",
            revoke("9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", DELETED, T_SIGN_OUT + 586),
        ),
        (
            "admin-set-user-password.json",
            revoke(
                "4c3b2a19-0f8e-4d7c-b6a5-948372615f0e",
                T_SIGN_OUT + 1867,
                T_SIGN_OUT + 1867,
            ),
        ),
        // `"errorCode": ""` is a success.
        (
            "admin-reset-user-password.json",
            revoke(
                "5d4c3b2a-1f0e-4e8d-9c7b-a69584736251",
                T_SIGN_OUT + 2668,
                T_SIGN_OUT + 2668,
            ),
        ),
        (
            "failed-user-not-found.json",
            Decision::Ignore(Ignored::Failed("UserNotFoundException".into())),
        ),
        ("other-pool.json", Decision::Ignore(Ignored::OtherPool)),
        // The username in clear is not a sub, and the function never looks a user up.
        ("username-in-clear-no-sub.json", Decision::Ignore(Ignored::NoSub)),
    ];
    for (name, expected) in table {
        assert_eq!(decision(fixture(name)), expected, "{name}");
    }
}

#[test]
fn the_logs_name_the_cloudtrail_record() {
    let event = parse(fixture("admin-user-global-sign-out.json")).expect("parses");
    assert_eq!(
        event.detail.event_id.as_deref(),
        Some("0c9d5f3e-2b1a-4e7d-8c6b-5a4f3e2d1c0b")
    );
}

#[test]
fn the_revocation_is_dated_by_the_call_not_by_the_delivery() {
    // EventBridge's own `time` is when the envelope was made; only `eventTime` counts.
    let mut event = fixture("admin-user-global-sign-out.json");
    event["time"] = json!("2026-12-07T10:45:00Z");
    assert_eq!(
        decision(event),
        revoke("7a1e0b52-4c3d-4f6e-9a8b-1c2d3e4f5a6b", T_SIGN_OUT, T_SIGN_OUT)
    );
}

#[test]
fn a_short_session_lifetime_still_keeps_a_day() {
    let short = Config {
        user_pool_id: POOL.into(),
        session_max_age_secs: 3600,
    };
    let event = parse(fixture("admin-disable-user.json")).expect("parses");
    let Decision::Revoke { before, until, .. } = decide(&event, &short, LATER) else {
        panic!("a revocation");
    };
    assert_eq!(until, before + 24 * 3600 + 60);
}

#[test]
fn other_calls_and_other_sources_are_left_alone() {
    let mut other_call = fixture("admin-disable-user.json");
    other_call["detail"]["eventName"] = json!("AdminUpdateUserAttributes");
    assert_eq!(
        decision(other_call),
        Decision::Ignore(Ignored::OtherEvent("AdminUpdateUserAttributes".into()))
    );

    let mut other_source = fixture("admin-disable-user.json");
    other_source["source"] = json!("aws.iam");
    assert_eq!(decision(other_source), Decision::Ignore(Ignored::NotCognito));

    let mut other_type = fixture("admin-disable-user.json");
    other_type["detail-type"] = json!("AWS Service Event via CloudTrail");
    assert_eq!(decision(other_type), Decision::Ignore(Ignored::NotCognito));

    let mut no_parameters = fixture("admin-disable-user.json");
    no_parameters["detail"]["requestParameters"] = Value::Null;
    assert_eq!(decision(no_parameters), Decision::Ignore(Ignored::OtherPool));
}

#[test]
fn a_sub_that_is_not_one_is_not_made_into_a_key() {
    for sub in ["a b", "x\ny", "lc:deny:f:1", &"a".repeat(65)] {
        let mut event = fixture("admin-disable-user.json");
        event["detail"]["additionalEventData"]["sub"] = json!(sub);
        assert_eq!(decision(event), Decision::Ignore(Ignored::BadSub), "{sub:?}");
    }
    let mut empty = fixture("admin-disable-user.json");
    empty["detail"]["additionalEventData"]["sub"] = json!("");
    assert_eq!(decision(empty), Decision::Ignore(Ignored::NoSub));
}

#[test]
fn malformed_events_do_not_parse() {
    let mut no_time = fixture("admin-disable-user.json");
    no_time["detail"].as_object_mut().expect("detail").remove("eventTime");
    let mut bad_time = fixture("admin-disable-user.json");
    bad_time["detail"]["eventTime"] = json!("yesterday");
    let mut no_detail = fixture("admin-disable-user.json");
    no_detail.as_object_mut().expect("envelope").remove("detail");
    for event in [no_time, bad_time, no_detail, json!({}), json!("ping")] {
        assert!(parse(event.clone()).is_err(), "{event}");
    }
}

#[test]
fn the_configuration_comes_from_the_environment() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    };
    assert_eq!(
        Config::from_lookup(vars(&[("COGNITO_USER_POOL_ID", POOL)])),
        Ok(config())
    );
    assert_eq!(
        Config::from_lookup(vars(&[
            ("COGNITO_USER_POOL_ID", POOL),
            ("SESSION_MAX_AGE_SECS", " 604800 ")
        ]))
        .map(|c| c.session_max_age_secs),
        Ok(604_800)
    );
    assert!(Config::from_lookup(vars(&[("SESSION_MAX_AGE_SECS", "60")])).is_err());
    assert!(Config::from_lookup(vars(&[("COGNITO_USER_POOL_ID", " ")])).is_err());
    assert!(Config::from_lookup(vars(&[("COGNITO_USER_POOL_ID", POOL), ("SESSION_MAX_AGE_SECS", "30d")])).is_err());
}

#[test]
fn an_event_from_the_future_is_dated_now() {
    let event = parse(fixture("admin-disable-user.json")).expect("parses");
    // The function's clock says 2023: an event dated 2026 is one from the future.
    let now = 1_700_000_000;
    let Decision::Revoke { before, .. } = decide(&event, &config(), now) else {
        panic!("a revocation");
    };
    assert_eq!(before, now);
}
