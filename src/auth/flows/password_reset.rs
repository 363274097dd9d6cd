//! The password reset: a code by e-mail, then a new password with it. Neither answer tells
//! whether an account exists. A reset ends every session of the person — often the reason for
//! it is someone else who knew the old password.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{
    context::{caller, form_error, redirect_to, request_headers, set_cookies, state, trust},
    validate::{ConfirmationCode, Email, Password},
};
#[cfg(feature = "ssr")]
use cognito_auth::{
    limits::{Against, Form, Mail, ProofKind},
    session::Transient,
};

/// A reset this browser asked for, in its encrypted cookie (`Transient::Reset`).
#[cfg(feature = "ssr")]
#[derive(serde::Serialize, serde::Deserialize)]
struct ResetCookie {
    email: String,
    expires_at: i64,
    /// Random, made with the cookie: what its budget is keyed by (`auth::limits::Proof`), the
    /// same however often the cookie is sealed again.
    #[serde(default)]
    step: String,
}

/// Codes a reset with this browser's own cookie may try in all.
#[cfg(feature = "ssr")]
const RESET_TRIES: u32 = 3;

/// How long a reset's cookie is kept: Cognito's reset codes last an hour.
#[cfg(feature = "ssr")]
const RESET_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3600);

/// Starts a password reset. The answer is the same whether or not the e-mail has an account:
/// the same page, the same budget spent, no sooner than [`FORGOT_ANSWER_TIME`].
#[server(prefix = "/auth", endpoint = "forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let started = tokio::time::Instant::now();
    let outcome = start_reset(email).await;
    tokio::time::sleep_until(started + FORGOT_ANSWER_TIME).await;
    Ok(outcome?)
}

/// A reset request answers no sooner than this, whatever happened: Cognito's sending of a real
/// code takes a few hundred milliseconds, its answer for an unknown address less.
#[cfg(feature = "ssr")]
const FORGOT_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(1000);

#[cfg(feature = "ssr")]
async fn start_reset(email: String) -> Result<(), AuthError> {
    let back = |err: AuthError| form_error(err, crate::routes::FORGOT_PASSWORD, &[("email", &email)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(|e| back(e.into()))?;
    let trust = trust();
    state
        .limits
        .check_device_covers(Form::ForgotPassword, &parsed_email, &trust)
        .await
        .map_err(back)?;
    // Its own budget, per address and source network: filling someone's inbox with other codes
    // cannot stop their reset. Taken now, kept by every answer that reads "sent".
    state
        .limits
        .take_code_email(Mail::Reset, &parsed_email, &trust)
        .await
        .map_err(back)?;
    let outcome = match state.cognito.forgot_password(caller(), &parsed_email).await {
        Ok(()) => Ok(()),
        // What the pool answers for everyone is said as it is (and costs no code). A trigger's
        // failure is not among it: the code's e-mail trigger runs only for a real account.
        Err(
            e @ (AuthError::Unavailable
            | AuthError::Throttled
            | AuthError::BlockedByFirewall
            | AuthError::NotEnabled
            | AuthError::NotInPlan
            | AuthError::Internal),
        ) => {
            state.limits.refund_code_email(Mail::Reset, &parsed_email, &trust).await;
            Err(e)
        }
        // Anything only an account can get is answered like an unknown address: Cognito sends
        // reset codes only to a verified address (the reset page says why a code may not
        // come), refuses past its own count per person, a trigger may refuse that person.
        Err(e) => {
            tracing::info!(error = %e, "no reset code for this address; answered like an unknown one");
            Ok(())
        }
    };
    match outcome {
        Ok(()) => {
            // This browser's reset: its wrong codes count against this cookie, not against the
            // address anyone can type.
            let reset = ResetCookie {
                email: parsed_email.as_str().to_owned(),
                expires_at: state.clock.now() + RESET_LIFETIME.as_secs() as i64,
                step: cognito_auth::session::new_session_id(),
            };
            set_cookies(
                state
                    .sessions
                    .transient_cookie(Transient::Reset, &reset, RESET_LIFETIME)
                    .into_iter()
                    .collect(),
            );
            redirect_to(
                crate::routes::FORGOT_PASSWORD,
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
    let back = |err: AuthError| {
        form_error(
            err,
            crate::routes::FORGOT_PASSWORD,
            &[("email", &email), ("step", "reset")],
        )
    };
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(|e| back(e.into()))?;
    let code = ConfirmationCode::parse(&code).map_err(|e| back(e.into()))?;
    let password = Password::parse(password, &state.sign_up.policy).map_err(|e| back(e.into()))?;
    let trust = trust();
    // With this browser's own reset (its cookie, for this address), wrong codes count against
    // that; without it, against the address.
    let mine = state
        .sessions
        .read_transient::<ResetCookie>(Transient::Reset, &request_headers())
        .filter(|r| r.email == parsed_email.as_str() && r.expires_at > state.clock.now())
        .and(trust.proof(ProofKind::Reset))
        .map(|p| p.id.clone());
    let against = Against {
        email: &parsed_email,
        step: mine.as_deref(),
        per_account: mine.is_none(),
    };
    // This browser's own reset gets a few codes in all (counted in the store by its id, so
    // neither copies of its cookie nor codes sent at once get more); then a new code is needed.
    let this_try = match &mine {
        Some(step) => match state.limits.try_answer(step, RESET_TRIES, RESET_LIFETIME).await {
            Some(n) => n,
            None => {
                set_cookies(state.sessions.clear_transient(Transient::Reset).into_iter().collect());
                return Err(back(AuthError::CodeAttemptsUsed).into());
            }
        },
        None => 0,
    };
    let attempt = state
        .limits
        .check_failures(Form::ResetPassword, against, &trust)
        .await
        .map_err(back)?;
    let outcome = state
        .cognito
        .confirm_forgot_password(caller(), &parsed_email, &code, &password)
        .await;
    attempt.finish(&outcome).await;
    if let Some(step) = &mine {
        match &outcome {
            Err(AuthError::WrongCode | AuthError::ExpiredCode) if this_try >= RESET_TRIES => {
                set_cookies(state.sessions.clear_transient(Transient::Reset).into_iter().collect());
                return Err(back(AuthError::CodeAttemptsUsed).into());
            }
            Err(AuthError::WrongCode | AuthError::ExpiredCode) => {}
            _ => state.limits.answer_was_no_try(step).await,
        }
    }
    outcome.map_err(back)?;
    set_cookies(state.sessions.clear_transient(Transient::Reset).into_iter().collect());
    end_every_session(&state, &parsed_email).await;
    // This browser proved the mailbox, and set the password: it is known for the account from
    // now on (after the reset's end of every earlier device cookie), so guesses elsewhere at the
    // address cannot keep its owner out.
    if state.limits.may_issue_device(&parsed_email).await {
        set_cookies(
            state
                .sessions
                .device_cookie(&request_headers(), parsed_email.as_str(), state.clock.now())
                .into_iter()
                .collect(),
        );
    }
    redirect_to(
        crate::routes::SIGN_IN,
        &[("email", parsed_email.as_str()), ("notice", "password_reset")],
    );
    Ok(())
}

/// After a reset: every session of the person ends — in this app first (every instance and the
/// API refuse their sessions and older tokens at once), then at Cognito (AdminUserGlobalSignOut:
/// sign-ins outside this app too). Both need the server's AWS credentials (AdminGetUser finds
/// whose sessions these are: the form knows only the address). Neither failure undoes the
/// reset; each is logged for the operator.
#[cfg(feature = "ssr")]
async fn end_every_session(state: &crate::state::AppState, email: &Email) {
    // Browsers that knew the old password are no longer known for this account.
    if state.limits.forget_devices(email).await.is_err() {
        tracing::warn!("password reset: the session store did not take the end of the account's device cookies");
    }
    match state.cognito.admin_sub_of(email).await {
        Ok(sub) => {
            if state
                .revocations
                .revoke_person(&sub, None, state.clock.now())
                .await
                .is_err()
            {
                tracing::error!("password reset: the session store did not take the sign-out of the person's sessions");
            }
        }
        Err(e) => tracing::error!(
            error = %e,
            "password reset: could not find whose sessions to end (the server needs cognito-idp:AdminGetUser)"
        ),
    }
    match state.cognito.admin_sign_out(email).await {
        Ok(()) => {}
        Err(AuthError::NotEnabled) => {
            tracing::info!("password reset: this Cognito has no AdminUserGlobalSignOut; signed out in this app only");
        }
        Err(e) => tracing::error!(
            error = %e,
            "password reset: Cognito did not end the person's other sign-ins (the server needs cognito-idp:AdminUserGlobalSignOut)"
        ),
    }
    // No browser remembered while someone else may have known the password skips the second
    // step any more.
    if state.devices != cognito_auth::cognito::pool::Remembering::Off {
        match state.cognito.admin_forget_devices(email.as_str()).await {
            Ok(n) => tracing::info!(forgotten = n, "password reset: the remembered devices were forgotten"),
            Err(e) => tracing::error!(
                error = %e,
                "password reset: the remembered devices were not forgotten (the server needs \
                 cognito-idp:AdminListDevices and cognito-idp:AdminForgetDevice)"
            ),
        }
    }
}
