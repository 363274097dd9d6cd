//! The server functions of the scenario: sign up → confirm → sign in → protected page → sign
//! out, plus the password reset. Each one validates its input with [`super::validate`] before
//! Cognito is called, and answers with an [`AppError`] a person can read.
//!
//! They are all POST (Leptos' default) and sit under `/auth/`, where [`super::csrf`] refuses
//! cross-site requests. With JavaScript, `ActionForm` calls them and shows errors inline; without
//! it, the browser posts the form and is redirected — to the next page on success, back to the
//! form with `?error=…` on failure.

use super::{CurrentUser, SessionInfo, SignUpSettings};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::{
    ConfirmationMode,
    limits::Form,
    pending,
    server::{caller, form_error, no_store, redirect_to, request_headers, session, set_cookies, state},
    validate::{ConfirmationCode, DisplayName, Email, Password, safe_next},
};
#[cfg(feature = "ssr")]
use crate::i18n::request_language;

/// The signed-in user, or `None`. Reads the session the middleware resolved (and refreshed).
#[server(prefix = "/auth", endpoint = "current-user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    no_store();
    Ok(session().map(|s| CurrentUser { email: s.email }))
}

/// The pool's password policy and the active confirmation mode.
#[server(prefix = "/auth", endpoint = "sign-up-settings")]
pub async fn get_sign_up_settings() -> Result<SignUpSettings, AppError> {
    Ok(state()?.sign_up.clone())
}

/// Signs up, and answers the same whether or not the e-mail already has an account: "check
/// your e-mail for a code" (or "confirmed, sign in" where the pool confirms by itself). An
/// unconfirmed account gets its code sent again; a confirmed one gets nothing from this app
/// (see the README for the notice a pool owner can send).
#[server(prefix = "/auth", endpoint = "sign-up")]
pub async fn sign_up(email: String, password: String, name: Option<String>) -> Result<(), AppError> {
    let name = name.unwrap_or_default();
    let back = |err: AppError| form_error(err, "/sign-up", &[("email", &email), ("name", &name)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(back)?;
    state.limits.check_email(Form::SignUp, &parsed_email).map_err(back)?;
    let display_name = DisplayName::parse(&name).map_err(back)?;
    // The emulator does not enforce the pool's policy; real Cognito does. Checking here makes
    // both behave the same and spares Cognito a call it would refuse.
    let password = Password::parse(password, &state.sign_up.policy).map_err(back)?;

    let signed_up = state
        .cognito
        .sign_up(
            caller(),
            &parsed_email,
            &password,
            display_name.as_ref(),
            request_language(&request_headers()),
        )
        .await;
    let confirmed = match signed_up {
        Ok(signed_up) => match (signed_up.confirmed, state.config.confirmation_mode) {
            (true, _) => true,
            (false, ConfirmationMode::Admin) => {
                state.cognito.admin_confirm(&parsed_email).await.map_err(back)?;
                true
            }
            (false, _) => false,
        },
        Err(AppError::EmailTaken) => {
            resend_to_existing(&state, &parsed_email).await;
            // What a new account in this mode would have been told.
            state.config.confirmation_mode != ConfirmationMode::Code
        }
        Err(e) => return Err(back(e)),
    };
    if confirmed {
        redirect_to("/sign-in", &[("email", parsed_email.as_str()), ("notice", "confirmed")]);
    } else {
        redirect_to("/confirm", &[("email", parsed_email.as_str()), ("notice", "code_sent")]);
    }
    Ok(())
}

/// Sign-up met an existing account. With codes, one that is still unconfirmed gets its code
/// again (the person may simply have lost the first e-mail); Cognito refuses for a confirmed
/// one. Whatever Cognito says stays in the log: the answer must be the one a new account gets.
/// (The emulator has no ResendConfirmationCode; that failure is logged the same way.)
#[cfg(feature = "ssr")]
async fn resend_to_existing(state: &crate::state::AppState, email: &Email) {
    if state.config.confirmation_mode != ConfirmationMode::Code {
        return;
    }
    match state.cognito.resend_code(caller(), email).await {
        Ok(()) => tracing::info!("sign-up for an unconfirmed account: its code was sent again"),
        Err(e) => tracing::info!(error = ?e, "sign-up for an existing account: no code sent"),
    }
}

#[server(prefix = "/auth", endpoint = "confirm")]
pub async fn confirm_sign_up(email: String, code: String) -> Result<(), AppError> {
    let back = |err: AppError| form_error(err, "/confirm", &[("email", &email)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(back)?;
    state.limits.check_email(Form::Confirm, &parsed_email).map_err(back)?;
    let code = ConfirmationCode::parse(&code).map_err(back)?;
    let outcome = match state.cognito.confirm_sign_up(caller(), &parsed_email, &code).await {
        // Already confirmed: answered like an unknown address ("wrong code"), or the form would
        // tell which addresses have an account. The person who confirmed a moment ago has
        // already been taken to the sign-in page.
        Err(AppError::InvalidCredentials) => Err(AppError::WrongCode),
        outcome => outcome,
    };
    state.limits.count_failure(Form::Confirm, &parsed_email, &outcome);
    outcome.map_err(back)?;
    redirect_to("/sign-in", &[("email", parsed_email.as_str()), ("notice", "confirmed")]);
    Ok(())
}

/// Asks Cognito to e-mail a new confirmation code.
#[server(prefix = "/auth", endpoint = "resend-code")]
pub async fn resend_code(email: String) -> Result<(), AppError> {
    let back = |err: AppError| form_error(err, "/confirm", &[("email", &email)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(back)?;
    state.limits.check_email(Form::Resend, &parsed_email).map_err(back)?;
    match state.cognito.resend_code(caller(), &parsed_email).await {
        // A confirmed account reads like an unknown address, which Cognito's answer (and
        // `hide_unknown_user`) already makes a success.
        Ok(()) | Err(AppError::AlreadyConfirmed) => {
            redirect_to(
                "/confirm",
                &[("email", parsed_email.as_str()), ("notice", "code_resent")],
            );
            Ok(())
        }
        Err(e) => Err(back(e)),
    }
}

#[server(prefix = "/auth", endpoint = "sign-in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let next_raw = next.unwrap_or_default();
    let back = |err: AppError| form_error(err, "/sign-in", &[("email", &email), ("next", &next_raw)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(|_| back(AppError::InvalidCredentials))?;
    state.limits.check_email(Form::SignIn, &parsed_email).map_err(back)?;
    let password = Password::for_sign_in(password).map_err(back)?;
    let outcome = state.cognito.sign_in(caller(), &parsed_email, &password).await;
    state.limits.count_failure(Form::SignIn, &parsed_email, &outcome);
    match outcome {
        // Tokens: signed in. A challenge (MFA, an invited user's first password): its page.
        Ok(step) => pending::advance(
            &state,
            step,
            parsed_email.as_str(),
            &safe_next(Some(next_raw.as_str()).filter(|n| !n.is_empty())),
        )
        .await
        .map_err(back),
        // The account exists but was never confirmed: lead the person to the code step.
        Err(AppError::NotConfirmed) if state.config.confirmation_mode == ConfirmationMode::Code => {
            redirect_to(
                "/confirm",
                &[("email", parsed_email.as_str()), ("notice", "not_confirmed")],
            );
            Ok(())
        }
        Err(e) => Err(back(e)),
    }
}

/// Revokes the refresh token at Cognito, clears the cookies and goes home. Works without
/// JavaScript (a plain form post).
#[server(prefix = "/auth", endpoint = "sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = state()?;
    let headers = request_headers();
    if let Some(refresh_token) = state.sessions.refresh_token(&headers) {
        // This browser only (RevokeToken); other devices stay signed in. The cookies go
        // whatever Cognito says: a person who asked to sign out is signed out of this app even
        // while Cognito is unreachable.
        if let Err(e) = state.cognito.sign_out(&refresh_token).await {
            tracing::warn!(error = %e, "revoking the refresh token failed; cookies cleared anyway");
        }
    }
    set_cookies(state.sessions.clear());
    redirect_to("/", &[]);
    Ok(())
}

/// Starts a password reset. The answer is the same whether or not the e-mail has an account.
#[server(prefix = "/auth", endpoint = "forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let back = |err: AppError| form_error(err, "/forgot-password", &[("email", &email)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(back)?;
    state
        .limits
        .check_email(Form::ForgotPassword, &parsed_email)
        .map_err(back)?;
    let outcome = state.cognito.forgot_password(caller(), &parsed_email).await;
    state
        .limits
        .count_failure(Form::ForgotPassword, &parsed_email, &outcome);
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
    state
        .limits
        .check_email(Form::ResetPassword, &parsed_email)
        .map_err(back)?;
    let code = ConfirmationCode::parse(&code).map_err(back)?;
    let password = Password::parse(password, &state.sign_up.policy).map_err(back)?;
    let outcome = state
        .cognito
        .confirm_forgot_password(caller(), &parsed_email, &code, &password)
        .await;
    state.limits.count_failure(Form::ResetPassword, &parsed_email, &outcome);
    outcome.map_err(back)?;
    redirect_to(
        "/sign-in",
        &[("email", parsed_email.as_str()), ("notice", "password_reset")],
    );
    Ok(())
}

/// What the protected page shows about the session; `None` without one.
#[server(prefix = "/auth", endpoint = "session-info")]
pub async fn get_session_info() -> Result<Option<SessionInfo>, AppError> {
    no_store();
    Ok(session().map(|s| SessionInfo {
        email: s.email,
        sub: s.sub,
        expires_at: s.expires_at,
        refreshed_at: s.refreshed_at,
    }))
}
