//! The PreSignUp trigger of the scenario: confirms every self-service sign-up (`autoConfirmUser`),
//! so nobody waits for a code to start.
//!
//! It does not mark the e-mail verified (`autoVerifyEmail`): nobody proved the address, and a
//! verified address is what a pool links a provider's sign-in by — someone signing up with
//! another person's address would then own that person's later Google sign-in. The person
//! proves it later with a code on the app's account page; until then Cognito sends no
//! password-reset code to it (the reset page says so).
//!
//! The same binary (`src/main.rs`, the `bootstrap` of `cargo lambda build --release`) runs in
//! AWS Lambda and locally under `cargo lambda watch`, which cognito-local calls.

use aws_lambda_events::event::cognito::{CognitoEventUserPoolsPreSignup, CognitoEventUserPoolsPreSignupTriggerSource};

/// Decides the trigger's answer. Cognito reads only `response`; the rest is echoed back.
///
/// Built with `link-accounts`, the trigger links and does nothing else: it must never confirm a
/// sign-up or mark its e-mail verified, since a verified e-mail is what it links by — an
/// address nobody proved (someone signing up with another person's) would then take over that
/// person's Google sign-in. Sign-ups then confirm with Cognito's e-mailed code (`code` mode).
#[cfg(feature = "link-accounts")]
pub fn pre_sign_up(event: CognitoEventUserPoolsPreSignup) -> CognitoEventUserPoolsPreSignup {
    event
}

/// Decides the trigger's answer. Cognito reads only `response`; the rest is echoed back.
#[cfg(not(feature = "link-accounts"))]
pub fn pre_sign_up(mut event: CognitoEventUserPoolsPreSignup) -> CognitoEventUserPoolsPreSignup {
    let source = event.cognito_event_user_pools_header.trigger_source.clone();
    // Only self-service sign-up is confirmed here: users an administrator creates get a
    // temporary password instead, and federated users are confirmed by their provider.
    if matches!(source, None | Some(CognitoEventUserPoolsPreSignupTriggerSource::SignUp)) {
        event.response.auto_confirm_user = true;
    }
    event
}

/// A provider's user to link to an existing account (`link-accounts`): Cognito's `userName`
/// for them is `<provider>_<their id at the provider>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The provider's name in the pool, as `AdminLinkProviderForUser` takes it (`Google`).
    pub provider_name: String,
    /// The person's id at the provider (`Cognito_Subject`: the provider's `sub`).
    pub provider_user_id: String,
    /// The e-mail the provider vouches for: the existing account is looked up by it.
    pub email: String,
}

/// What to link for this event: only a first sign-in through one of `trusted` (providers whose
/// `email_verified` the pool owner believes: `LINK_PROVIDERS`, Google by default) that says the
/// e-mail is verified. An unverified address must never be linked: anyone can claim any address
/// at some provider, and linking would hand them the account that owns it.
pub fn link_request(event: &CognitoEventUserPoolsPreSignup, trusted: &[&str]) -> Option<Link> {
    let header = &event.cognito_event_user_pools_header;
    if header.trigger_source != Some(CognitoEventUserPoolsPreSignupTriggerSource::ExternalProvider) {
        return None;
    }
    let attributes = &event.request.user_attributes;
    if !attributes
        .get("email_verified")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let email = attributes
        .get("email")
        .filter(|e| e.contains('@'))?
        .trim()
        .to_lowercase();
    // Cognito names a provider's user `<provider>_<id>`, with the social providers' names in
    // lower case in some pools (`google_…`); a provider's own name may hold `_` itself. So the
    // trusted names are matched, case-insensitively, against the start of the name.
    let username = header.user_name.as_deref()?;
    let provider_name = trusted.iter().find(|name| {
        username.len() > name.len() + 1
            && username.is_char_boundary(name.len())
            && username[..name.len()].eq_ignore_ascii_case(name)
            && username.as_bytes()[name.len()] == b'_'
    })?;
    let id = &username[provider_name.len() + 1..];
    Some(Link {
        provider_name: (*provider_name).to_owned(),
        provider_user_id: id.to_owned(),
        email,
    })
}

/// Links `link` to the pool's one confirmed account with its e-mail, verified, that signs in with
/// a password (`link-accounts`). Cognito then signs this very sign-in in to the existing account
/// (since April 2023; before, it ended it with "Already found an entry for username …" and only the
/// next one did, which the app still explains where a pool answers so).
/// `Ok(false)`: nothing to link to (no such account, or more than one).
#[cfg(feature = "link-accounts")]
pub async fn link_accounts(
    cognito: &aws_sdk_cognitoidentityprovider::Client,
    user_pool_id: &str,
    link: &Link,
) -> Result<bool, aws_sdk_cognitoidentityprovider::Error> {
    use aws_sdk_cognitoidentityprovider::types::{ProviderUserIdentifierType, UserStatusType};
    // ListUsers' filter takes a quoted string; an address with a quote in it is not looked up.
    if link.email.contains(['"', '\\']) {
        return Ok(false);
    }
    let found = cognito
        .list_users()
        .user_pool_id(user_pool_id)
        .filter(format!("email = \"{}\"", link.email))
        .limit(10)
        .send()
        .await?;
    // Only an account whose owner proved the address (Cognito's code): never one made with
    // someone else's e-mail and never confirmed, nor another provider's user.
    let verified = |u: &aws_sdk_cognitoidentityprovider::types::UserType| {
        u.attributes()
            .iter()
            .any(|a| a.name() == "email_verified" && a.value() == Some("true"))
    };
    let own: Vec<String> = found
        .users
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.user_status == Some(UserStatusType::Confirmed) && verified(u))
        .filter_map(|u| u.username)
        .collect();
    let [destination] = own.as_slice() else {
        return Ok(false);
    };
    cognito
        .admin_link_provider_for_user()
        .user_pool_id(user_pool_id)
        .destination_user(
            ProviderUserIdentifierType::builder()
                .provider_name("Cognito")
                .provider_attribute_value(destination)
                .build(),
        )
        .source_user(
            ProviderUserIdentifierType::builder()
                .provider_name(&link.provider_name)
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value(&link.provider_user_id)
                .build(),
        )
        .send()
        .await?;
    Ok(true)
}
