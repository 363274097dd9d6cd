//! Sign-up and its confirmation: the calls of someone without a session.

use super::*;
use crate::AuthError;

impl Cognito {
    /// SignUp: the account with its e-mail, password and name (and `locale`, when the client may write it).
    #[tracing::instrument(skip_all)]
    pub async fn sign_up(
        &self,
        caller: Caller,
        email: &Email,
        password: &Password,
        name: Option<&DisplayName>,
        locale: &str,
    ) -> Result<SignedUp, AuthError> {
        // `locale` picks the language of every e-mail Cognito sends this person from now on
        // (the CustomMessage trigger reads it).
        let mut attributes = vec![attr("email", email.as_str())?];
        if self.writes_locale {
            attributes.push(attr("locale", locale)?);
        }
        if let Some(name) = name {
            attributes.push(attr("name", name.as_str())?);
        }
        let out = self
            .signed(|| {
                self.client
                    .sign_up()
                    .client_id(&self.client_id)
                    .username(email.as_str())
                    .password(password.expose())
                    .set_user_attributes(Some(attributes.clone()))
                    .set_secret_hash(self.secret_hash(email.as_str()))
                    .set_user_context_data(caller.context())
                    .customize()
                    .config_override(not_twice())
                    .send()
            })
            .await
            .map_err(|e| fail(Op::SignUp, e))?;
        Ok(SignedUp {
            confirmed: out.user_confirmed,
        })
    }

    // The code is a secret while it is valid: never in a log line.

    /// ConfirmSignUp: the code Cognito e-mailed.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_sign_up(
        &self,
        caller: Caller,
        email: &Email,
        code: &ConfirmationCode,
    ) -> Result<(), AuthError> {
        self.signed(|| {
            self.client
                .confirm_sign_up()
                .client_id(&self.client_id)
                .username(email.as_str())
                .confirmation_code(code.as_str())
                .set_secret_hash(self.secret_hash(email.as_str()))
                .set_user_context_data(caller.context())
                .send()
        })
        .await
        .map_err(|e| fail(Op::ConfirmSignUp, e))?;
        Ok(())
    }

    /// ResendConfirmationCode. An unknown address is answered like a real one.
    #[tracing::instrument(skip_all)]
    pub async fn resend_code(&self, caller: Caller, email: &Email) -> Result<(), AuthError> {
        self.signed(|| {
            self.client
                .resend_confirmation_code()
                .client_id(&self.client_id)
                .username(email.as_str())
                .set_secret_hash(self.secret_hash(email.as_str()))
                .set_user_context_data(caller.context())
                .customize()
                .config_override(not_twice())
                .send()
        })
        .await
        .map(drop)
        .or_else(|e| hide_unknown_user(Op::ResendCode, e))
    }

    /// The administrator's way to confirm: needs IAM credentials on the server, which is why
    /// it never belongs in browser code.
    ///
    /// AdminConfirmSignUp confirms the account and leaves `email_verified` false — and so it
    /// stays until the person proves the address with a code (the account page asks for one;
    /// Cognito sends reset codes only to a verified address). Marking it verified here would
    /// vouch for an address nobody proved: someone could sign up with another person's address,
    /// and a pool that links a provider's sign-in to a verified account of the same address
    /// would later hand the real owner's Google sign-in to that account.
    #[tracing::instrument(skip_all)]
    pub async fn admin_confirm(&self, email: &Email) -> Result<(), AuthError> {
        self.client
            .admin_confirm_sign_up()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await
            .map_err(|e| fail(Op::AdminConfirm, e))?;
        Ok(())
    }

    /// The `sub` of the account `email` names (AdminGetUser), to revoke its sessions after a
    /// password reset: the reset form knows only the address.
    #[tracing::instrument(skip_all)]
    pub async fn admin_sub_of(&self, email: &Email) -> Result<String, AuthError> {
        let out = self
            .client
            .admin_get_user()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await
            .map_err(|e| fail(Op::Admin, e))?;
        out.user_attributes
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.name == "sub")
            .and_then(|a| a.value)
            .ok_or_else(|| {
                tracing::error!("AdminGetUser answered without the user's sub");
                AuthError::Internal
            })
    }
}
