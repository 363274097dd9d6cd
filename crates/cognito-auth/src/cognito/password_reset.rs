//! The password reset: the code Cognito e-mails (ForgotPassword), the new password with it
//! (ConfirmForgotPassword), and every session of the person ended at Cognito after it
//! (AdminUserGlobalSignOut).

use super::*;
use crate::AuthError;

impl Cognito {
    /// Ends every refresh token of the account `email` names, and the tokens issued from them
    /// (AdminUserGlobalSignOut): after a password reset, an intruder who knew the old password
    /// is out everywhere, not only in this app.
    #[tracing::instrument(skip_all)]
    pub async fn admin_sign_out(&self, email: &Email) -> Result<(), AuthError> {
        self.client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::Admin, e))
    }

    /// ForgotPassword: Cognito e-mails a code to the account's verified address. An unknown address is answered like a real one.
    #[tracing::instrument(skip_all)]
    pub async fn forgot_password(&self, caller: Caller, email: &Email) -> Result<(), AuthError> {
        self.signed(|| {
            self.client
                .forgot_password()
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
        .or_else(|e| hide_unknown_user(Op::ForgotPassword, e))
    }

    /// ConfirmForgotPassword: the code and the new password.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_forgot_password(
        &self,
        caller: Caller,
        email: &Email,
        code: &ConfirmationCode,
        password: &Password,
    ) -> Result<(), AuthError> {
        self.signed(|| {
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
        })
        .await
        .map_err(|e| fail(Op::ConfirmForgotPassword, e))?;
        Ok(())
    }
}
