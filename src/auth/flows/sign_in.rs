//! Sign-in (with the password, or with a code by e-mail) and sign-out, and what the pages read
//! about the session. A sign-in that Cognito answers with a challenge goes on in
//! `challenges.rs`; passkeys are in `passkeys.rs`.

use crate::auth::{CurrentUser, SessionInfo, SignInMethods};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{
    ConfirmationMode,
    context::{
        caller, finish_sign_out, form_error, no_store, redirect_to, request_headers, session, set_cookies, state, trust,
    },
    flows::{pending, pending::Factor},
    validate::{Email, Password, safe_next},
};
#[cfg(feature = "ssr")]
use cognito_auth::cognito::{AuthStep, Challenge, FirstFactor, mask_email};
#[cfg(feature = "ssr")]
use cognito_auth::limits::{Against, Form, Mail};

/// The signed-in user, or `None`. Reads the session the middleware resolved (and refreshed).
#[server(prefix = "/auth", endpoint = "current-user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    no_store();
    Ok(session().map(|s| CurrentUser { email: s.email }))
}

#[server(prefix = "/auth", endpoint = "sign-in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let next_raw = next.unwrap_or_default();
    let back = |err: AuthError| form_error(err, crate::routes::SIGN_IN, &[("email", &email), ("next", &next_raw)]);
    let state = state()?;
    let parsed_email = Email::parse(&email).map_err(|_| back(AuthError::InvalidCredentials))?;
    let password = Password::for_sign_in(password).map_err(|e| back(e.into()))?;
    let trust = trust();
    let attempt = state
        .limits
        .check_failures(Form::SignIn, Against::account(&parsed_email), &trust)
        .await
        .map_err(back)?;
    let outcome = password_sign_in(&state, &parsed_email, &password).await;
    // Cognito's lockout tells that the account exists: only a browser known for it hears it,
    // and is charged nothing for it. Any other is told, and charged, what a wrong password is.
    let outcome = match outcome {
        Err(AuthError::PasswordAttemptsExceeded) if !state.limits.knows_device(&parsed_email, &trust).await => {
            Err(AuthError::InvalidCredentials)
        }
        outcome => outcome,
    };
    attempt.finish(&outcome).await;
    metrics::counter!("sign_in_attempts_total", "outcome" => match &outcome {
        Ok(cognito_auth::cognito::AuthStep::Tokens(_)) => "signed_in",
        Ok(cognito_auth::cognito::AuthStep::Challenge(_)) => "challenge",
        Err(e) => e.code(),
    })
    .increment(1);
    match outcome {
        // Tokens: signed in. A challenge (MFA, an invited user's first password): its page.
        Ok(step) => Ok(pending::advance(
            &state,
            step,
            parsed_email.as_str(),
            &safe_next(Some(next_raw.as_str()).filter(|n| !n.is_empty())),
            Factor::Password,
        )
        .await
        .map_err(back)?),
        // The account exists but was never confirmed: lead the person to the code step.
        Err(AuthError::NotConfirmed) if state.config.confirmation_mode == ConfirmationMode::Code => {
            redirect_to(
                crate::routes::CONFIRM,
                &[("email", parsed_email.as_str()), ("notice", "not_confirmed")],
            );
            Ok(())
        }
        Err(e) => Err(back(e).into()),
    }
}

/// A password sign-in from this browser, with the device it keeps for the account when the
/// pool remembers devices (a remembered one skips the second step); a device Cognito no longer
/// knows is dropped from the browser.
#[cfg(feature = "ssr")]
pub(super) async fn password_sign_in(
    state: &crate::state::AppState,
    email: &Email,
    password: &Password,
) -> Result<AuthStep, AuthError> {
    use cognito_auth::cognito::{DeviceUse, pool::Remembering};
    let headers = request_headers();
    let device = match state.devices {
        Remembering::Off => None,
        _ => state.sessions.remembered_device(&headers, email.as_str()),
    };
    let (step, used) = state
        .cognito
        .sign_in_on(caller(), email, password, device.as_ref())
        .await?;
    if used == DeviceUse::Refused {
        set_cookies(
            state
                .sessions
                .forget_device_cookie(&headers, email.as_str())
                .into_iter()
                .collect(),
        );
    }
    Ok(step)
}

/// "E-mail me a code": a sign-in without the password (`USER_AUTH` with `EMAIL_OTP`). Cognito
/// e-mails a code and the person types it on `/sign-in/code`, like a second-step code. An
/// address Cognito sends no code to (no account, or none for it) gets the same page, and every
/// code there is wrong, so the form tells nothing about who has an account. Each request counts
/// against the address's budget: it is an e-mail to someone's inbox.
#[server(prefix = "/auth", endpoint = "sign-in-email-code")]
pub async fn sign_in_with_email_code(email: String, next: Option<String>) -> Result<(), AppError> {
    // Every answer takes at least this long: the decoy must not answer faster than a real code.
    let started = tokio::time::Instant::now();
    let outcome = email_code_sign_in(email, next).await;
    tokio::time::sleep_until(started + EMAIL_CODE_ANSWER_TIME).await;
    Ok(outcome?)
}

/// An e-mail-code request answers no sooner than this, whatever happened: Cognito's sending of
/// a real code takes a few hundred milliseconds (more when it is slow), a decoy none.
#[cfg(feature = "ssr")]
pub(super) const EMAIL_CODE_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(1500);

#[cfg(feature = "ssr")]
async fn email_code_sign_in(email: String, next: Option<String>) -> Result<(), AuthError> {
    let next_raw = next.unwrap_or_default();
    let back = |err: AuthError| form_error(err, crate::routes::SIGN_IN, &[("email", &email), ("next", &next_raw)]);
    let state = state()?;
    if !state.sign_in_methods.email_code {
        return Err(back(AuthError::MethodUnavailable));
    }
    let parsed_email = Email::parse(&email).map_err(|e| back(e.into()))?;
    let trust = trust();
    // A code is an e-mail to someone's inbox: so many a day per address and source network (a
    // browser that signed in to the account before has its own day's budget), taken now and
    // kept whenever the answer reads "sent" — a decoy's too.
    state
        .limits
        .check_device_covers(Form::EmailCode, &parsed_email, &trust)
        .await
        .map_err(back)?;
    state
        .limits
        .take_code_email(Mail::Code, &parsed_email, &trust)
        .await
        .map_err(back)?;
    let outcome = state
        .cognito
        .start_without_password(caller(), &parsed_email, FirstFactor::EmailCode)
        .await;
    metrics::counter!("sign_in_attempts_total", "outcome" => outcome.as_ref().map_or_else(AuthError::code, |_| "email_code")).increment(1);
    let step = match outcome {
        // The page shows the address as typed, masked here: Cognito's mask (and the random
        // challenge it makes up for an unknown address) would tell real from decoy.
        Ok(AuthStep::Challenge(mut challenge)) => {
            challenge.destination = Some(mask_email(parsed_email.as_str()));
            AuthStep::Challenge(challenge)
        }
        Ok(step) => step,
        // What the pool as a whole answers is said as it is: it is the same for every address.
        // (A trigger's failure is not: triggers run only for a real account.)
        Err(
            e @ (AuthError::Unavailable
            | AuthError::Throttled
            | AuthError::BlockedByFirewall
            | AuthError::NotEnabled
            | AuthError::NotInPlan
            | AuthError::Internal),
        ) => {
            state.limits.refund_code_email(Mail::Code, &parsed_email, &trust).await;
            return Err(back(e));
        }
        // Anything only an account can get (no code for it, too many codes, an address that
        // bounces, a trigger refusing that person) looks like any other address: a code "sent",
        // and counted like one (else the day's budget would run out for every address but these).
        Err(e) => {
            tracing::info!(error = %e, "no e-mail code for this address; answered with the decoy");
            AuthStep::Challenge(Challenge::decoy_email_code(parsed_email.as_str()))
        }
    };
    pending::advance(
        &state,
        step,
        parsed_email.as_str(),
        &safe_next(Some(next_raw.as_str()).filter(|n| !n.is_empty())),
        Factor::EmailCode,
    )
    .await
    .map_err(back)
}

/// The sign-in page's choice of ways besides the password.
#[server(prefix = "/auth", endpoint = "sign-in-methods")]
pub async fn get_sign_in_methods() -> Result<SignInMethods, AppError> {
    Ok(state()?.sign_in_methods)
}

/// Revokes the refresh token at Cognito, clears the cookies and goes home. Works without
/// JavaScript (a plain form post). A session signed in through the pool's own pages (Google,
/// managed login) goes home by the pool's `/logout`, which ends the pool's own session cookie:
/// the next "Continue with …" then asks who it is instead of signing the same person in.
#[server(prefix = "/auth", endpoint = "sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = state()?;
    let headers = request_headers();
    // The API refuses this session's access tokens from now on (Cognito's revocation does
    // not reach an API that verifies tokens itself). While the store is down there is no
    // checked session, but the cookies still name it: written as soon as the store is back.
    let ended = match session() {
        Some(session) => Some(cognito_auth::Ended {
            family: None,
            sub: session.sub,
            session_id: session.session_id,
            access_token: session.access_token,
        }),
        None => state.sessions.ended_in_cookies(&headers),
    };
    let session_id = ended.as_ref().map(|e| e.session_id.clone()).unwrap_or_default();
    if let Some(ended) = ended {
        let now = state.clock.now();
        let revoked = state.revocations.revoke_session_or_later(ended, now).await;
        if revoked.is_err() {
            tracing::error!("the session store did not take the sign-out; it is written when the store is back");
        }
    }
    // Once per session on this instance (by its refresh token, for cookies from before sessions
    // had ids): posting the same cookies again calls Cognito no more.
    if let Some(refresh_token) = state.sessions.refresh_token(&headers)
        && state.sessions.first_revocation(if session_id.is_empty() {
            &refresh_token
        } else {
            &session_id
        })
    {
        // This browser only (RevokeToken); other devices stay signed in. The cookies go
        // whatever Cognito says: a person who asked to sign out is signed out of this app even
        // while Cognito is unreachable.
        if let Err(e) = state.cognito.sign_out(&refresh_token).await {
            tracing::warn!(error = %e, "revoking the refresh token failed; cookies cleared anyway");
        }
    }
    set_cookies(state.sessions.clear());
    finish_sign_out(&state, "/", &[]);
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
