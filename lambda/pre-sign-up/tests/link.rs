//! `link-accounts` on AWS's wire shapes (aws-smithy-mocks): the lookup by e-mail and the link.
#![cfg(feature = "link-accounts")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::admin_link_provider_for_user::AdminLinkProviderForUserOutput;
use aws_sdk_cognitoidentityprovider::operation::list_users::ListUsersOutput;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, UserStatusType, UserType};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use pre_sign_up::{Link, link_accounts};

fn link() -> Link {
    Link {
        provider_name: "Google".into(),
        provider_user_id: "110169484474386276334".into(),
        email: "ada@example.com".into(),
    }
}

fn user(username: &str, status: UserStatusType) -> UserType {
    user_with(username, status, Some("true"))
}

/// A user whose `email_verified` is `verified` (`None`: the attribute is absent, as for an
/// account confirmed by an administrator that never proved its address).
fn user_with(username: &str, status: UserStatusType, verified: Option<&str>) -> UserType {
    let mut user = UserType::builder().username(username).user_status(status).attributes(
        AttributeType::builder()
            .name("email")
            .value("ada@example.com")
            .build()
            .unwrap(),
    );
    if let Some(verified) = verified {
        user = user.attributes(
            AttributeType::builder()
                .name("email_verified")
                .value(verified)
                .build()
                .unwrap(),
        );
    }
    user.build()
}

#[tokio::test]
async fn the_one_password_account_with_that_email_gets_the_provider() {
    let list = mock!(Client::list_users)
        .match_requests(|r| {
            r.user_pool_id() == Some("eu-west-1_AbC123xyz") && r.filter() == Some(r#"email = "ada@example.com""#)
        })
        .then_output(|| {
            ListUsersOutput::builder()
                .users(user("7a5c1e2b-0000-4000-8000-000000000001", UserStatusType::Confirmed))
                .users(user("Google_99", UserStatusType::ExternalProvider))
                .build()
        });
    let link_call = mock!(Client::admin_link_provider_for_user)
        .match_requests(|r| {
            let (d, s) = (r.destination_user().unwrap(), r.source_user().unwrap());
            d.provider_name() == Some("Cognito")
                && d.provider_attribute_value() == Some("7a5c1e2b-0000-4000-8000-000000000001")
                && s.provider_name() == Some("Google")
                && s.provider_attribute_name() == Some("Cognito_Subject")
                && s.provider_attribute_value() == Some("110169484474386276334")
        })
        .then_output(|| AdminLinkProviderForUserOutput::builder().build());
    let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&list, &link_call]);
    assert!(link_accounts(&cognito, "eu-west-1_AbC123xyz", &link()).await.unwrap());
    assert_eq!(link_call.num_calls(), 1);
}

#[tokio::test]
async fn no_account_or_two_of_them_means_no_link() {
    for users in [
        vec![],
        vec![
            user("a", UserStatusType::Confirmed),
            user("b", UserStatusType::Confirmed),
        ],
    ] {
        let list = mock!(Client::list_users)
            .then_output(move || ListUsersOutput::builder().set_users(Some(users.clone())).build());
        let link_call = mock!(Client::admin_link_provider_for_user)
            .then_output(|| AdminLinkProviderForUserOutput::builder().build());
        let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&list, &link_call]);
        assert!(!link_accounts(&cognito, "eu-west-1_AbC123xyz", &link()).await.unwrap());
        assert_eq!(link_call.num_calls(), 0);
    }
}

/// A confirmed account whose owner never proved the address (made with someone else's e-mail and
/// confirmed by an administrator or a trigger) is never given the provider: linking it would hand
/// the address's real owner's Google sign-in to whoever made it.
#[tokio::test]
async fn an_account_that_never_proved_its_address_is_never_linked() {
    for verified in [Some("false"), None] {
        let list = mock!(Client::list_users).then_output(move || {
            ListUsersOutput::builder()
                .users(user_with("squatter", UserStatusType::Confirmed, verified))
                .build()
        });
        let link_call = mock!(Client::admin_link_provider_for_user)
            .then_output(|| AdminLinkProviderForUserOutput::builder().build());
        let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&list, &link_call]);
        assert!(!link_accounts(&cognito, "eu-west-1_AbC123xyz", &link()).await.unwrap());
        assert_eq!(link_call.num_calls(), 0, "{verified:?}");
    }
    // Beside the owner's own verified account, the unverified one is no rival: the owner's is linked.
    let list = mock!(Client::list_users).then_output(|| {
        ListUsersOutput::builder()
            .users(user_with("squatter", UserStatusType::Confirmed, Some("false")))
            .users(user("owner", UserStatusType::Confirmed))
            .build()
    });
    let link_call = mock!(Client::admin_link_provider_for_user)
        .match_requests(|r| r.destination_user().and_then(|d| d.provider_attribute_value()) == Some("owner"))
        .then_output(|| AdminLinkProviderForUserOutput::builder().build());
    let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&list, &link_call]);
    assert!(link_accounts(&cognito, "eu-west-1_AbC123xyz", &link()).await.unwrap());
    assert_eq!(link_call.num_calls(), 1);
}
