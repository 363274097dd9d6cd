//! Passkeys: signing in with one, and the account page's list (add, remove).
//!
//! A passkey ceremony needs the browser (`navigator.credentials`), so each is two calls with the
//! smallest script there is in between (`public/passkeys.js`): a server function gives it the
//! WebAuthn options Cognito made, the browser asks the person's device, and the signed answer
//! comes back as a plain form post — whose outcome is a redirect like every other form's. The
//! script sees only those options and the credential; Cognito's `Session` stays in the encrypted
//! challenge cookie and the tokens in the session cookies, as with a password.
//!
//! Cognito requires a username to start (`USER_AUTH` with `USERNAME`): there is no passkey
//! sign-in before the e-mail is known, so the browser's passkey autofill starts once it is.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::challenges::{attempt_for, finish};
#[cfg(feature = "ssr")]
use crate::auth::{
    ChallengeKind,
    context::{caller, form_error, no_store, set_cookies, state, trust},
    flows::{pending, pending::Factor, pending::PendingSignIn},
    validate::{Email, safe_next},
};
#[cfg(feature = "ssr")]
use cognito_auth::cognito::{AuthStep, FirstFactor};
#[cfg(feature = "ssr")]
use cognito_auth::{
    limits::{Form, ProofKind},
    session::Transient,
};

/// The largest credential a browser sends back (a passkey's answer is about 1–2 KB; an
/// attestation with a certificate chain a few KB).
#[cfg(feature = "ssr")]
const MAX_CREDENTIAL_BYTES: usize = 16 * 1024;

/// A credential as the browser posted it: JSON, within size.
#[cfg(feature = "ssr")]
pub(super) fn parse_credential(text: &str) -> Result<serde_json::Value, AuthError> {
    if text.len() > MAX_CREDENTIAL_BYTES {
        return Err(AuthError::TooLarge);
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        _ => Err(AuthError::BadRequest),
    }
}

/// Step one of a passkey sign-in: Cognito's request options for the person's passkeys
/// (`PublicKeyCredentialRequestOptionsJSON`), as JSON text for the script. The challenge's
/// session goes into the challenge cookie. Without a passkey for the address (or without such
/// an account) the answer is [`AuthError::NoPasskey`].
#[server(prefix = "/auth", endpoint = "passkey-options")]
pub async fn passkey_sign_in_options(email: String, next: Option<String>) -> Result<String, AppError> {
    no_store();
    let next_raw = next.unwrap_or_default();
    let back = |err: AuthError| form_error(err, crate::routes::SIGN_IN, &[("email", &email), ("next", &next_raw)]);
    let state = state()?;
    if !state.sign_in_methods.passkey {
        return Err(back(AuthError::PasskeysUnavailable).into());
    }
    // Asking for the options is no guess and is never refused for failures: refused passkeys
    // count against their own ceremony, and a wrong password elsewhere closes no passkey.
    let parsed = Email::parse(&email).map_err(|e| back(e.into()))?;
    state
        .limits
        .check_device_covers(Form::PasskeyOptions, &parsed, &trust())
        .await
        .map_err(back)?;
    let challenge = match state
        .cognito
        .start_without_password(caller(), &parsed, FirstFactor::Passkey)
        .await
        .map_err(back)?
    {
        AuthStep::Challenge(challenge) => challenge,
        AuthStep::Tokens(_) => return Err(back(AuthError::NoPasskey).into()),
    };
    let Some(options) = challenge.request_options.clone() else {
        tracing::warn!("the WEB_AUTHN challenge came without CREDENTIAL_REQUEST_OPTIONS");
        return Err(back(AuthError::Internal).into());
    };
    let lifetime = state.challenge_lifetime;
    let pending = PendingSignIn {
        challenge,
        email: parsed.as_str().to_owned(),
        next: safe_next(Some(next_raw.as_str()).filter(|n| !n.is_empty())),
        expires_at: state.clock.now() + lifetime.as_secs() as i64,
        totp_secret: None,
        factor: Factor::Passkey,
        step: cognito_auth::session::new_session_id(),
    };
    set_cookies(vec![
        pending::keep(&state, Transient::Passkey, &pending, lifetime).await?,
    ]);
    Ok(options)
}

/// Step two: the browser's signed answer (`AuthenticationResponseJSON`). Signed in, or back to
/// the sign-in form with what went wrong and the e-mail kept.
#[server(prefix = "/auth", endpoint = "passkey-sign-in")]
pub async fn passkey_sign_in(credential: String) -> Result<(), AppError> {
    let state = state()?;
    let pending = pending::current_in(&state, Transient::Passkey)
        .await
        .filter(|p| p.challenge.kind == ChallengeKind::Passkey);
    let Some(pending) = pending else {
        return Ok(pending::restart_in(
            &state,
            Transient::Passkey,
            None,
            &AuthError::ChallengeExpired,
        )?);
    };
    // Counted against this ceremony (its cookie), never against the account: a passkey cannot
    // be guessed, and a ceremony anyone can start must not spend the person's budget.
    let attempt = match attempt_for(&state, Form::PasskeyAnswer, ProofKind::Passkey, &pending).await {
        Ok(attempt) => attempt,
        Err(e) => return Ok(pending::restart_in(&state, Transient::Passkey, Some(&pending), &e)?),
    };
    let answer = match parse_credential(&credential) {
        Ok(credential) => {
            state
                .cognito
                .answer_passkey(caller(), &pending.challenge, &credential)
                .await
        }
        Err(e) => Err(e),
    };
    finish(attempt, &pending, &answer).await;
    let result = match answer {
        Ok(step) => pending::advance(&state, step, &pending.email, &pending.next, Factor::Passkey).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(()),
        // Cognito's session is spent by a refused answer: the next try starts afresh.
        Err(e) => Ok(pending::restart_in(&state, Transient::Passkey, Some(&pending), &e)?),
    }
}
