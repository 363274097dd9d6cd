//! Sign-up, confirmation and the password reset: the calls of someone without a session.

use super::*;

impl Cognito {
    #[tracing::instrument(skip(self, password, name))]
    pub async fn sign_up(
        &self,
        caller: Caller,
        email: &Email,
        password: &Password,
        name: Option<&DisplayName>,
        language: Language,
    ) -> Result<SignedUp, AppError> {
        // `locale` picks the language of every e-mail Cognito sends this person from now on
        // (the CustomMessage trigger reads it).
        let mut attributes = vec![attr("email", email.as_str())?];
        if self.writes_locale {
            attributes.push(attr("locale", language.tag())?);
        }
        if let Some(name) = name {
            attributes.push(attr("name", name.as_str())?);
        }
        let out = self
            .client
            .sign_up()
            .client_id(&self.client_id)
            .username(email.as_str())
            .password(password.expose())
            .set_user_attributes(Some(attributes))
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map_err(|e| fail(Op::SignUp, e))?;
        Ok(SignedUp {
            confirmed: out.user_confirmed,
        })
    }

    // The code is a secret while it is valid: never in a log line.

    #[tracing::instrument(skip(self, code))]
    pub async fn confirm_sign_up(
        &self,
        caller: Caller,
        email: &Email,
        code: &ConfirmationCode,
    ) -> Result<(), AppError> {
        self.client
            .confirm_sign_up()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code.as_str())
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .send()
            .await
            .map_err(|e| fail(Op::ConfirmSignUp, e))?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    pub async fn resend_code(&self, caller: Caller, email: &Email) -> Result<(), AppError> {
        self.client
            .resend_confirmation_code()
            .client_id(&self.client_id)
            .username(email.as_str())
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map(drop)
            .or_else(|e| hide_unknown_user(Op::ResendCode, e))
    }

    /// The administrator's way to confirm: needs IAM credentials on the server, which is why
    /// it never belongs in browser code.
    ///
    /// AdminConfirmSignUp confirms the account but leaves `email_verified` false, and Cognito
    /// sends password-reset codes only to a verified address: without the second call these
    /// people could never reset their password. Marking it verified is the administrator's
    /// promise that the address is theirs, which admin-confirm mode makes anyway. If only that
    /// second call fails, the account works; the log says what is missing.
    #[tracing::instrument(skip(self))]
    pub async fn admin_confirm(&self, email: &Email) -> Result<(), AppError> {
        self.client
            .admin_confirm_sign_up()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await
            .map_err(|e| fail(Op::AdminConfirm, e))?;
        let verified = self
            .client
            .admin_update_user_attributes()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .user_attributes(attr("email_verified", "true")?)
            .send()
            .await;
        if let Err(e) = verified {
            let err = fail(Op::AdminConfirm, e);
            tracing::error!(
                error = %err,
                "confirmed, but email_verified could not be set: this account cannot reset its password \
                 (grant cognito-idp:AdminUpdateUserAttributes)"
            );
        }
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    pub async fn forgot_password(&self, caller: Caller, email: &Email) -> Result<(), AppError> {
        self.client
            .forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map(drop)
            .or_else(|e| hide_unknown_user(Op::ForgotPassword, e))
    }

    #[tracing::instrument(skip(self, code, password))]
    pub async fn confirm_forgot_password(
        &self,
        caller: Caller,
        email: &Email,
        code: &ConfirmationCode,
        password: &Password,
    ) -> Result<(), AppError> {
        self.client
            .confirm_forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code.as_str())
            .password(password.expose())
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map_err(|e| fail(Op::ConfirmForgotPassword, e))?;
        Ok(())
    }
}
