//! The server functions that answer a sign-in challenge, one per page under `/sign-in/`:
//! a code (authenticator app, e-mail, text message), the choice between factors, an invited
//! user's first password, and setting up an authenticator app when the pool requires MFA.
//!
//! Each reads the pending sign-in from its encrypted cookie ([`crate::auth::flows::pending`]), checks the
//! answer's shape, limits attempts per e-mail (and per IP, in the guard), calls Cognito, and
//! goes on with [`crate::auth::flows::pending::advance`]: into the app, or to the next challenge. A wrong
//! code keeps the challenge, so the person may try again while Cognito's session lasts; an
//! expired one goes back to the sign-in form with a message.

#[cfg(feature = "ssr")]
use crate::auth::ChallengePage as _;
use crate::auth::ChallengeView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;
use std::collections::HashMap;

#[cfg(feature = "ssr")]
use crate::auth::{
    ChallengeKind,
    context::{caller, form_error, no_store, state, trust},
    flows::pending::{self, Factor, PendingSignIn},
    validate::{Email, MfaCode, Password, attribute_value},
};
#[cfg(feature = "ssr")]
use crate::state::AppState;
#[cfg(feature = "ssr")]
use cognito_auth::limits::{Against, Attempt, Form, ProofKind};

/// The challenge the current sign-in waits for, as its page shows it; `None` without one.
#[server(prefix = "/auth", endpoint = "sign-in-challenge")]
pub async fn get_sign_in_challenge() -> Result<Option<ChallengeView>, AppError> {
    no_store();
    let state = state()?;
    Ok(pending::current(&state).await.map(|p| p.view(&state)))
}

/// The pending sign-in for an answer on `page`. `None`: there is none (or it waits for another
/// page), and the response already leads back to sign-in.
#[cfg(feature = "ssr")]
pub(super) async fn pending_for(state: &AppState, kinds: &[ChallengeKind]) -> Result<Option<PendingSignIn>, AuthError> {
    let Some(pending) = pending::current(state).await else {
        pending::restart(state, None, &AuthError::ChallengeExpired)?;
        return Ok(None);
    };
    if !kinds.contains(&pending.challenge.kind) {
        pending::restart(state, Some(&pending), &AuthError::ChallengeExpired)?;
        return Ok(None);
    }
    Ok(Some(pending))
}

/// One answer to `pending`'s code at `form`, within its budgets: the pending sign-in's own (its
/// cookie, `proof`), and — only after a password — the account's. A code anyone can start for
/// any address (an e-mailed sign-in code, a passkey ceremony) never spends the account's, or
/// anyone could close the person's own second step that way.
#[cfg(feature = "ssr")]
pub(super) async fn attempt_for(
    state: &AppState,
    form: Form,
    proof: ProofKind,
    pending: &PendingSignIn,
) -> Result<Attempt, AuthError> {
    let email = Email::parse(&pending.email)?;
    let trust = trust();
    let step = trust.proof(proof).map(|p| p.id.clone());
    let against = Against {
        email: &email,
        step: step.as_deref(),
        per_account: pending.factor == Factor::Password,
    };
    state.limits.check_failures(form, against, &trust).await
}

/// Counts an answer to a challenge (a wrong code keeps what [`attempt_for`] took).
#[cfg(feature = "ssr")]
pub(super) async fn finish<T>(attempt: Attempt, pending: &PendingSignIn, answer: &Result<T, AuthError>) {
    metrics::counter!(
        "challenges_total",
        "kind" => format!("{:?}", pending.challenge.kind),
        "outcome" => answer.as_ref().map_or_else(AuthError::code, |_| "ok"),
    )
    .increment(1);
    attempt.finish(answer).await;
}

/// Goes on from Cognito's answer to a challenge: into the app or to the next challenge
/// ([`pending::advance`]); back to sign-in when the challenge is over; else the error on the
/// challenge's page.
#[cfg(feature = "ssr")]
async fn go_on(
    state: &AppState,
    pending: &PendingSignIn,
    page: &str,
    answer: Result<cognito_auth::cognito::AuthStep, AuthError>,
    remember: bool,
) -> Result<(), AuthError> {
    let result = match answer {
        Ok(step) => {
            pending::advance_remembering(state, step, &pending.email, &pending.next, pending.factor, remember).await
        }
        Err(e) => Err(e),
    };
    match result {
        Err(err @ (AuthError::ChallengeExpired | AuthError::UnsupportedChallenge | AuthError::MfaSetupUnavailable)) => {
            pending::restart(state, Some(pending), &err)
        }
        Err(err) => Err(form_error(err, page, &[])),
        Ok(()) => Ok(()),
    }
}

/// A sign-in code: from an authenticator app (SOFTWARE_TOKEN_MFA), or the one Cognito e-mailed
/// (EMAIL_OTP) or texted (SMS_MFA).
#[server(prefix = "/auth", endpoint = "mfa-code")]
pub async fn answer_mfa_code(code: String, remember: Option<String>) -> Result<(), AppError> {
    let page = ChallengeKind::SoftwareToken.path();
    let state = state()?;
    let kinds = [
        ChallengeKind::SoftwareToken,
        ChallengeKind::EmailOtp,
        ChallengeKind::SmsMfa,
    ];
    let code = MfaCode::parse(&code).map_err(|e| form_error(e.into(), page, &[]));
    let Some(pending) = pending_for(&state, &kinds).await? else {
        return Ok(());
    };
    let code = code?;
    // An e-mailed code that is the whole sign-in: a decoy's page must behave as a real one's —
    // no faster, and over after the same number of wrong codes (whatever Cognito's own count),
    // counted by the step in the store, so a copy of the cookie from before gets no more tries.
    let email_code = pending.is_email_code_sign_in();
    let step = if pending.step.is_empty() {
        pending.challenge.session.clone()
    } else {
        pending.step.clone()
    };
    let lifetime = std::time::Duration::from_secs(pending.expires_at.saturating_sub(state.clock.now()).max(1) as u64);
    let this_try = if email_code {
        match state
            .limits
            .try_answer(&step, pending::EMAIL_CODE_TRIES, lifetime)
            .await
        {
            Some(n) => n,
            None => return Ok(pending::restart(&state, Some(&pending), &AuthError::CodeAttemptsUsed)?),
        }
    } else {
        0
    };
    let attempt = attempt_for(&state, Form::MfaCode, ProofKind::PendingSignIn, &pending)
        .await
        .map_err(|e| form_error(e, page, &[]))?;
    let started = tokio::time::Instant::now();
    // A decoy (an e-mail code for an address Cognito sent none to): every code is wrong.
    let answer = if pending.challenge.decoy {
        Err(AuthError::WrongMfaCode)
    } else {
        state.cognito.answer_code(caller(), &pending.challenge, &code).await
    };
    finish(attempt, &pending, &answer).await;
    if email_code {
        tokio::time::sleep_until(started + EMAIL_CODE_CHECK_TIME).await;
        // The try reserved above is spent by a wrong code only; the last one ends the step.
        if !matches!(answer, Err(AuthError::WrongMfaCode)) {
            state.limits.answer_was_no_try(&step).await;
        } else if this_try >= pending::EMAIL_CODE_TRIES {
            return Ok(pending::restart(&state, Some(&pending), &AuthError::CodeAttemptsUsed)?);
        }
    }
    // "Remember this browser": only after a password (a code that is the whole sign-in has
    // no second step to skip).
    let remember = remember.is_some() && pending.factor == Factor::Password;
    Ok(go_on(&state, &pending, page, answer, remember).await?)
}

/// An answer to an e-mailed sign-in code takes at least this long: a decoy's is checked by no one.
#[cfg(feature = "ssr")]
const EMAIL_CODE_CHECK_TIME: std::time::Duration = std::time::Duration::from_millis(600);

/// SELECT_MFA_TYPE: which of the offered factors to use for this sign-in.
#[server(prefix = "/auth", endpoint = "choose-mfa")]
pub async fn choose_mfa(factor: String) -> Result<(), AppError> {
    let page = ChallengeKind::SelectMfa.path();
    let state = state()?;
    let Some(pending) = pending_for(&state, &[ChallengeKind::SelectMfa]).await? else {
        return Ok(());
    };
    // Only what Cognito offered is sent back, exactly as it named it.
    if !pending.challenge.options.contains(&factor) {
        return Err(form_error(AuthError::InvalidChoice, page, &[]).into());
    }
    let answer = state.cognito.choose_mfa(caller(), &pending.challenge, &factor).await;
    Ok(go_on(&state, &pending, page, answer, false).await?)
}

/// NEW_PASSWORD_REQUIRED: a user an administrator invited chooses their own password, and
/// gives the attributes the pool requires (`attributes[name]=…` in the form).
#[server(prefix = "/auth", endpoint = "new-password")]
pub async fn set_new_password(password: String, attributes: Option<HashMap<String, String>>) -> Result<(), AppError> {
    let page = ChallengeKind::NewPassword.path();
    let state = state()?;
    let Some(pending) = pending_for(&state, &[ChallengeKind::NewPassword]).await? else {
        return Ok(());
    };
    // What was typed for the attributes comes back after a no-JS error; the password never.
    let attributes = attributes.unwrap_or_default();
    let keep: Vec<(String, String)> = pending
        .challenge
        .required_attributes
        .iter()
        .filter_map(|name| Some((format!("attributes[{name}]"), attributes.get(name)?.clone())))
        .collect();
    let keep_refs: Vec<(&str, &str)> = keep.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let back = |err: AuthError| form_error(err, page, &keep_refs);
    let password = Password::parse(password, &state.sign_up.policy).map_err(|e| back(e.into()))?;
    // Exactly the attributes the challenge asked for: others may not be writable.
    let given = pending
        .challenge
        .required_attributes
        .iter()
        .map(|name| {
            let value = attributes.get(name).map(String::as_str).unwrap_or_default();
            attribute_value(value).map(|v| (name.clone(), v))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|invalid| back(invalid.into()))?;
    let answer = state
        .cognito
        .set_new_password(caller(), &pending.challenge, &password, &given)
        .await;
    match answer {
        // A refused password or attribute comes back with what was typed for the attributes.
        Err(e)
            if !matches!(
                e,
                AuthError::ChallengeExpired | AuthError::UnsupportedChallenge | AuthError::MfaSetupUnavailable
            ) =>
        {
            Err(back(e).into())
        }
        answer => Ok(go_on(&state, &pending, page, answer, false).await?),
    }
}

/// MFA_SETUP: the first code of the authenticator app the person just added proves it holds
/// the secret; Cognito then turns MFA on for them and the sign-in goes on.
#[server(prefix = "/auth", endpoint = "mfa-setup")]
pub async fn verify_mfa_setup(code: String) -> Result<(), AppError> {
    let page = ChallengeKind::MfaSetup.path();
    let state = state()?;
    let code = MfaCode::parse(&code).map_err(|e| form_error(e.into(), page, &[]));
    let Some(pending) = pending_for(&state, &[ChallengeKind::MfaSetup]).await? else {
        return Ok(());
    };
    let code = code?;
    let attempt = attempt_for(&state, Form::MfaCode, ProofKind::PendingSignIn, &pending)
        .await
        .map_err(|e| form_error(e, page, &[]))?;
    let device = format!("{} authenticator", state.config.app_name);
    let answer = state
        .cognito
        .finish_totp_setup(caller(), &pending.challenge, &code, &device)
        .await;
    finish(attempt, &pending, &answer).await;
    Ok(go_on(&state, &pending, page, answer, false).await?)
}
