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
    UserType::builder()
        .username(username)
        .user_status(status)
        .attributes(
            AttributeType::builder()
                .name("email_verified")
                .value("true")
                .build()
                .unwrap(),
        )
        .build()
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
