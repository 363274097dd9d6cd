//! The password reset: a code by e-mail, then a new password with it. Neither answer tells
//! whether an account exists.

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{
    limits::Form,
    server::{caller, form_error, redirect_to, state, trust},
    validate::{ConfirmationCode, Email, Password},
};

/// Starts a password reset. The answer is the same whether or not the e-mail has an account.
#[server(prefix = "/auth", endpoint = "forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let back = |err: AppError| form_error(err, "/forgot-password", &[("email", &email)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(back)?;
    let trust = trust();
    state
        .limits
        .check_failures(Form::ForgotPassword, &parsed_email, &trust)
        .await
        .map_err(back)?;
    state
        .limits
        .check_code_email(&parsed_email, &trust)
        .await
        .map_err(back)?;
    let outcome = state.cognito.forgot_password(caller(), &parsed_email).await;
    state
        .limits
        .count_failure(Form::ForgotPassword, &parsed_email, &trust, &outcome)
        .await;
    match outcome {
        Ok(()) => {
            redirect_to(
                "/forgot-password",
                &[("email", parsed_email.as_str()), ("step", "reset")],
            );
            Ok(())
        }
        Err(e) => Err(back(e)),
    }
}

/// Sets a new password with the code from the reset e-mail.
#[server(prefix = "/auth", endpoint = "reset-password")]
pub async fn reset_password(email: String, code: String, password: String) -> Result<(), AppError> {
    let back = |err: AppError| form_error(err, "/forgot-password", &[("email", &email), ("step", "reset")]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(back)?;
    let trust = trust();
    state
        .limits
        .check_failures(Form::ResetPassword, &parsed_email, &trust)
        .await
        .map_err(back)?;
    let code = ConfirmationCode::parse(&code).map_err(back)?;
    let password = Password::parse(password, &state.sign_up.policy).map_err(back)?;
    let outcome = state
        .cognito
        .confirm_forgot_password(caller(), &parsed_email, &code, &password)
        .await;
    state
        .limits
        .count_failure(Form::ResetPassword, &parsed_email, &trust, &outcome)
        .await;
    outcome.map_err(back)?;
    redirect_to(
        "/sign-in",
        &[("email", parsed_email.as_str()), ("notice", "password_reset")],
    );
    Ok(())
}
