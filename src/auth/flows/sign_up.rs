//! Sign-up and confirmation: make the account, confirm it with the e-mailed code (or let the
//! PreSignUp trigger or the server confirm it), send the code again.

use crate::auth::SignUpSettings;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{
    ConfirmationMode,
    context::{caller, form_error, redirect_to, request_headers, state, trust},
    validate::{ConfirmationCode, DisplayName, Email, Password},
};
#[cfg(feature = "ssr")]
use crate::i18n::request_language;
#[cfg(feature = "ssr")]
use cognito_auth::limits::{Against, Form, Mail};

/// The pool's password policy and the active confirmation mode.
#[server(prefix = "/auth", endpoint = "sign-up-settings")]
pub async fn get_sign_up_settings() -> Result<SignUpSettings, AppError> {
    Ok(state()?.sign_up.clone())
}

/// Signs up, and answers the same whether or not the e-mail already has an account: "check
/// your e-mail for a code" (or "confirmed, sign in" where the pool confirms by itself). An
/// unconfirmed account gets its code sent again; a confirmed one gets nothing from this app
/// (see docs/abuse.md for the notice a pool owner can send). It answers no sooner than
/// [`SIGN_UP_ANSWER_TIME`]: a new account's code e-mail takes Cognito longer than its refusal of
/// a taken address.
#[server(prefix = "/auth", endpoint = "sign-up")]
pub async fn sign_up(email: String, password: String, name: Option<String>) -> Result<(), AppError> {
    let started = tokio::time::Instant::now();
    let outcome = sign_up_now(email, password, name).await;
    tokio::time::sleep_until(started + SIGN_UP_ANSWER_TIME).await;
    Ok(outcome?)
}

#[cfg(feature = "ssr")]
const SIGN_UP_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(1500);

#[cfg(feature = "ssr")]
async fn sign_up_now(email: String, password: String, name: Option<String>) -> Result<(), AuthError> {
    let name = name.unwrap_or_default();
    let back = |err: AuthError| form_error(err, crate::routes::SIGN_UP, &[("email", &email), ("name", &name)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(|e| back(e.into()))?;
    let trust = trust();
    let display_name = DisplayName::parse(&name).map_err(|e| back(e.into()))?;
    // The emulator does not enforce the pool's policy; real Cognito does. Checking here makes
    // both behave the same and spares Cognito a call it would refuse.
    let password = Password::parse(password, &state.sign_up.policy).map_err(|e| back(e.into()))?;
    state
        .limits
        .check_device_covers(Form::SignUp, &parsed_email, &trust)
        .await
        .map_err(back)?;
    // With codes, a sign-up is an e-mail to that address: so many a day, known or not — taken
    // now, and kept whether the address was new or had an account (the answers must not differ).
    let codes = state.config.confirmation_mode == ConfirmationMode::Code;
    if codes {
        state
            .limits
            .take_code_email(Mail::Code, &parsed_email, &trust)
            .await
            .map_err(back)?;
    }

    let signed_up = state
        .cognito
        .sign_up(
            caller(),
            &parsed_email,
            &password,
            display_name.as_ref(),
            request_language(&request_headers()).tag(),
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
        Err(AuthError::EmailTaken) => {
            resend_to_existing(&state, &parsed_email).await;
            // What a new account in this mode would have been told.
            state.config.confirmation_mode != ConfirmationMode::Code
        }
        // Refused for what was typed (a weak password, a trigger's refusal) or by the pool as
        // a whole: no code went out, whoever has the address.
        Err(e) => {
            if codes {
                state.limits.refund_code_email(Mail::Code, &parsed_email, &trust).await;
            }
            return Err(back(e));
        }
    };
    if confirmed {
        redirect_to(
            crate::routes::SIGN_IN,
            &[("email", parsed_email.as_str()), ("notice", "confirmed")],
        );
    } else {
        redirect_to(
            crate::routes::CONFIRM,
            &[("email", parsed_email.as_str()), ("notice", "code_sent")],
        );
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
    let back = |err: AuthError| form_error(err, crate::routes::CONFIRM, &[("email", &email)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(|e| back(e.into()))?;
    let code = ConfirmationCode::parse(&code).map_err(|e| back(e.into()))?;
    let attempt = state
        .limits
        .check_failures(Form::Confirm, Against::account(&parsed_email), &trust())
        .await
        .map_err(back)?;
    let outcome = match state.cognito.confirm_sign_up(caller(), &parsed_email, &code).await {
        // Already confirmed: answered like an unknown address ("wrong code"), or the form would
        // tell which addresses have an account. The person who confirmed a moment ago has
        // already been taken to the sign-in page.
        Err(AuthError::InvalidCredentials) => Err(AuthError::WrongCode),
        outcome => outcome,
    };
    attempt.finish(&outcome).await;
    outcome.map_err(back)?;
    redirect_to(
        crate::routes::SIGN_IN,
        &[("email", parsed_email.as_str()), ("notice", "confirmed")],
    );
    Ok(())
}

/// Asks Cognito to e-mail a new confirmation code. The answer is the same whether or not the
/// address has an account waiting for one, and comes no sooner than [`RESEND_ANSWER_TIME`].
#[server(prefix = "/auth", endpoint = "resend-code")]
pub async fn resend_code(email: String) -> Result<(), AppError> {
    let started = tokio::time::Instant::now();
    let outcome = resend(email).await;
    tokio::time::sleep_until(started + RESEND_ANSWER_TIME).await;
    Ok(outcome?)
}

/// A resend answers no sooner than this: a code that goes out takes Cognito longer than its
/// answer for an address without an unconfirmed account.
#[cfg(feature = "ssr")]
const RESEND_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(1000);

#[cfg(feature = "ssr")]
async fn resend(email: String) -> Result<(), AuthError> {
    let back = |err: AuthError| form_error(err, crate::routes::CONFIRM, &[("email", &email)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(|e| back(e.into()))?;
    let trust = trust();
    state
        .limits
        .check_device_covers(Form::Resend, &parsed_email, &trust)
        .await
        .map_err(back)?;
    state
        .limits
        .take_code_email(Mail::Code, &parsed_email, &trust)
        .await
        .map_err(back)?;
    match state.cognito.resend_code(caller(), &parsed_email).await {
        // What the pool answers for everyone is said as it is (and costs no code): the
        // emulator's missing ResendConfirmationCode among it.
        Err(
            e @ (AuthError::Unavailable
            | AuthError::Throttled
            | AuthError::BlockedByFirewall
            | AuthError::NotEnabled
            | AuthError::NotInPlan
            | AuthError::ResendUnavailable
            | AuthError::Internal),
        ) => {
            state.limits.refund_code_email(Mail::Code, &parsed_email, &trust).await;
            Err(back(e))
        }
        // Sent; or what only an account can get — already confirmed, Cognito's own count per
        // person, an address that bounces — read like an unknown address, which Cognito's
        // answer (and `hide_unknown_user`) already makes a success.
        outcome => {
            if let Err(e) = outcome {
                tracing::info!(error = %e, "no new confirmation code for this address; answered as if sent");
            }
            redirect_to(
                crate::routes::CONFIRM,
                &[("email", parsed_email.as_str()), ("notice", "code_resent")],
            );
            Ok(())
        }
    }
}
