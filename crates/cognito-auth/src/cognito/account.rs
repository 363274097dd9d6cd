//! The account page's calls, each with the person's own access token.

use super::*;
use crate::AuthError;

impl Cognito {
    /// The account's e-mail, read with the user's own access token.
    #[tracing::instrument(skip_all)]
    /// `Err(Forbidden)`: the token lacks the scope GetUser needs (`aws.cognito.signin.user.admin`):
    /// it is valid, just not for this call — never a sign of a revocation.
    pub async fn email_of(&self, access_token: &str) -> Result<Option<String>, AuthError> {
        let out = self
            .client
            .get_user()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| {
                let scope =
                    e.code() == Some("NotAuthorizedException") && e.message().is_some_and(|m| m.contains("scope"));
                if scope {
                    AuthError::Forbidden
                } else {
                    fail(Op::GetUser, e)
                }
            })?;
        Ok(out
            .user_attributes
            .into_iter()
            .find(|a| a.name == "email")
            .and_then(|a| a.value))
    }

    /// The account as the account page shows it, read with the user's own access token.
    #[tracing::instrument(skip_all)]
    pub async fn account(&self, access_token: &str) -> Result<AccountFacts, AuthError> {
        let out = self
            .client
            .get_user()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| fail(Op::Account, e))?;
        let attr = |name: &str| {
            out.user_attributes
                .iter()
                .find(|a| a.name == name)
                .and_then(|a| a.value.clone())
        };
        Ok(AccountFacts {
            email: attr("email").unwrap_or_default(),
            email_verified: attr("email_verified").as_deref() == Some("true"),
            name: attr("name").unwrap_or_default(),
            totp: out
                .user_mfa_setting_list
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|m| m == "SOFTWARE_TOKEN_MFA"),
            federated_with: federated_with(&out.username, attr("identities").as_deref(), &self.providers),
            linked_to: linked_to(&out.username, attr("identities").as_deref(), &self.providers),
        })
    }

    /// The current password proves it is the person; the new one replaces it.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        access_token: &str,
        current: &Password,
        new: &Password,
    ) -> Result<(), AuthError> {
        self.client
            .change_password()
            .access_token(access_token)
            .previous_password(current.expose())
            .proposed_password(new.expose())
            .send()
            .await
            .map_err(|e| fail(Op::ChangePassword, e))?;
        Ok(())
    }

    /// A new TOTP secret for the signed-in user's authenticator app (not used until verified).
    #[tracing::instrument(skip_all)]
    pub async fn new_totp_secret(&self, access_token: &str) -> Result<String, AuthError> {
        let out = self
            .client
            .associate_software_token()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| fail(Op::Account, e))?;
        out.secret_code.ok_or_else(|| {
            tracing::warn!("AssociateSoftwareToken answered without a secret");
            AuthError::Internal
        })
    }

    /// The first code proves the app holds the secret; then two-step sign-in is turned on with
    /// the authenticator app as the preferred factor.
    #[tracing::instrument(skip_all)]
    pub async fn turn_on_totp(&self, access_token: &str, code: &MfaCode, device_name: &str) -> Result<(), AuthError> {
        let code = totp_code(code)?;
        let out = self
            .client
            .verify_software_token()
            .access_token(access_token)
            .user_code(code)
            .friendly_device_name(device_name)
            .send()
            .await
            .map_err(|e| fail(Op::AccountTotp, e))?;
        if out.status != Some(VerifySoftwareTokenResponseType::Success) {
            return Err(AuthError::WrongMfaCode);
        }
        self.set_totp(access_token, true).await
    }

    /// Turns the authenticator app on or off as the second factor.
    #[tracing::instrument(skip_all)]
    pub async fn set_totp(&self, access_token: &str, enabled: bool) -> Result<(), AuthError> {
        let settings = SoftwareTokenMfaSettingsType::builder()
            .enabled(enabled)
            .preferred_mfa(enabled)
            .build();
        self.client
            .set_user_mfa_preference()
            .access_token(access_token)
            .software_token_mfa_settings(settings)
            .send()
            .await
            .map_err(|e| fail(Op::Account, e))?;
        Ok(())
    }

    /// Sets the name, or removes it when `name` is `None`.
    #[tracing::instrument(skip_all)]
    pub async fn update_name(&self, access_token: &str, name: Option<&DisplayName>) -> Result<(), AuthError> {
        match name {
            Some(name) => self
                .client
                .update_user_attributes()
                .access_token(access_token)
                .user_attributes(attr("name", name.as_str())?)
                .send()
                .await
                .map(drop)
                .map_err(|e| fail(Op::Account, e)),
            None => self
                .client
                .delete_user_attributes()
                .access_token(access_token)
                .user_attribute_names("name")
                .send()
                .await
                .map(drop)
                .map_err(|e| fail(Op::Account, e)),
        }
    }

    /// Stores the person's language (a BCP 47 tag: `en`, `ja`) in `locale`, for the e-mails Cognito sends them later. Does
    /// nothing when the app client may not write `locale` (the start-up check warns of it).
    #[tracing::instrument(skip_all)]
    pub async fn set_locale(&self, access_token: &str, locale: &str) -> Result<(), AuthError> {
        if !self.writes_locale {
            return Ok(());
        }
        self.client
            .update_user_attributes()
            .access_token(access_token)
            .user_attributes(attr("locale", locale)?)
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::Account, e))
    }

    /// Asks to change the e-mail: Cognito e-mails a code to the new address. With the pool's
    /// `AttributesRequireVerificationBeforeUpdate`, the old address stays until the code is used.
    #[tracing::instrument(skip_all)]
    pub async fn change_email(&self, access_token: &str, email: &Email) -> Result<(), AuthError> {
        self.client
            .update_user_attributes()
            .access_token(access_token)
            .user_attributes(attr("email", email.as_str())?)
            .send()
            .await
            .map_err(|e| fail(Op::Account, e))?;
        Ok(())
    }

    /// The code from the e-mail to the new address: the change takes effect.
    #[tracing::instrument(skip_all)]
    pub async fn verify_email(&self, access_token: &str, code: &ConfirmationCode) -> Result<(), AuthError> {
        self.client
            .verify_user_attribute()
            .access_token(access_token)
            .attribute_name("email")
            .code(code.as_str())
            .send()
            .await
            .map_err(|e| fail(Op::VerifyEmail, e))?;
        Ok(())
    }

    /// Sends the e-mail verification code again.
    #[tracing::instrument(skip_all)]
    pub async fn resend_email_code(&self, access_token: &str) -> Result<(), AuthError> {
        self.client
            .get_user_attribute_verification_code()
            .access_token(access_token)
            .attribute_name("email")
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::ResendCode, e))
    }

    /// Signs the user out everywhere: every refresh token of theirs stops working.
    #[tracing::instrument(skip_all)]
    pub async fn global_sign_out(&self, access_token: &str) -> Result<(), AuthError> {
        self.client
            .global_sign_out()
            .access_token(access_token)
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::GlobalSignOut, e))
    }

    /// Deletes the user for good.
    #[tracing::instrument(skip_all)]
    pub async fn delete_user(&self, access_token: &str) -> Result<(), AuthError> {
        self.client
            .delete_user()
            .access_token(access_token)
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::Account, e))
    }
}

/// A provider's user is named `<provider>_<id>` and lists the provider in its `identities`
/// attribute (a JSON array of `{"providerName": …}`); a pool user linked to a provider lists it
/// too but keeps its own name (and its password). GetUser returns `identities` only when the app
/// client may read it (`ReadAttributes`), so a name that starts with one of the providers this
/// app offers (`providers`) counts as well.
fn federated_with(username: &str, identities: Option<&str>, providers: &[String]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Identity {
        #[serde(rename = "providerName")]
        provider_name: String,
    }
    let (prefix, id) = username.split_once('_')?;
    if id.is_empty() {
        return None;
    }
    let listed: Vec<Identity> = identities
        .and_then(|i| serde_json::from_str(i).ok())
        .unwrap_or_default();
    listed
        .into_iter()
        .map(|i| i.provider_name)
        .chain(providers.iter().cloned())
        .find(|name| name.eq_ignore_ascii_case(prefix))
}

/// The provider a pool's own user (not one of a provider's: see [`federated_with`]) is linked
/// to, from the `identities` attribute: the first listed.
fn linked_to(username: &str, identities: Option<&str>, providers: &[String]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Identity {
        #[serde(rename = "providerName")]
        provider_name: String,
    }
    if federated_with(username, identities, providers).is_some() {
        return None;
    }
    let listed: Vec<Identity> = serde_json::from_str(identities?).ok()?;
    listed.into_iter().next().map(|i| i.provider_name)
}

#[cfg(test)]
mod tests {
    use super::{federated_with, linked_to};

    #[test]
    fn a_pool_user_with_a_provider_listed_is_linked_to_it() {
        let google = r#"[{"userId":"1101","providerName":"Google","providerType":"Google","primary":false}]"#;
        let none: &[String] = &[];
        let own = "7d5f3c1e-0000-4000-8000-000000000001";
        assert_eq!(linked_to(own, Some(google), none).as_deref(), Some("Google"));
        assert_eq!(linked_to(own, None, none), None, "nothing readable, nothing known");
        assert_eq!(linked_to(own, Some("[]"), none), None);
        // A provider's own user is federated, not linked.
        assert_eq!(linked_to("Google_1101", Some(google), none), None);
    }

    #[test]
    fn only_a_providers_own_user_is_federated() {
        let google = r#"[{"userId":"1101","providerName":"Google","providerType":"Google","primary":true}]"#;
        let none: &[String] = &[];
        assert_eq!(
            federated_with("google_1101", Some(google), none).as_deref(),
            Some("Google")
        );
        assert_eq!(
            federated_with("Google_1101", Some(google), none).as_deref(),
            Some("Google")
        );
        // Linked to Google, but the pool's own user (with a password).
        assert_eq!(
            federated_with("7d5f3c1e-0000-4000-8000-000000000001", Some(google), none),
            None
        );
        assert_eq!(federated_with("ada_lovelace", None, none), None);
        assert_eq!(federated_with("google_1101", Some("not json"), none), None);
        // `identities` not readable by the client: the providers the app offers decide.
        let offered = ["Google".to_owned(), "MyCorp".to_owned()];
        assert_eq!(federated_with("google_1101", None, &offered).as_deref(), Some("Google"));
        assert_eq!(federated_with("MyCorp_ada", None, &offered).as_deref(), Some("MyCorp"));
        assert_eq!(
            federated_with("7d5f3c1e-0000-4000-8000-000000000001", None, &offered),
            None
        );
    }
}
