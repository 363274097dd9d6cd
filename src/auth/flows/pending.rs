//! A sign-in between its steps, and where each step leads.
//!
//! When Cognito answers a password (or a challenge answer) with another challenge, the server
//! keeps what the next answer needs. Where a code went, the page to go on to and the step's
//! random id go in a short-lived, encrypted, HttpOnly cookie that lives exactly as long as
//! Cognito's session (3 minutes unless the app client says otherwise); Cognito's `Session` (up to
//! 8 KB, too long for a cookie, and its length would tell a real challenge from a decoy), the
//! user's internal username and an authenticator's secret are kept sealed in the session store
//! under the step's id ([`keep`], [`current_in`]). None of it is in the page or reachable from
//! JavaScript; an expired or missing step sends the person back to the sign-in form with a
//! clear message.
//!
//! [`advance`] is the one place a step's outcome is turned into a response: a session (the
//! token cookies set, the pending cookie removed, a redirect to where the person was going) or
//! the next challenge's page.

use crate::auth::ChallengePage as _;
use crate::auth::context::{caller, redirect_to, request_headers, session, set_cookies};
use crate::auth::validate::safe_next;
use crate::auth::{ChallengeKind, ChallengeView};
use crate::state::AppState;
use cognito_auth::AuthError;
use cognito_auth::cognito::{AuthStep, Challenge};
use cognito_auth::session::{Transient, new_session_id};
use serde::{Deserialize, Serialize};

/// The factor name Cognito uses for authenticator apps in `MFAS_CAN_SETUP`.
const TOTP: &str = "SOFTWARE_TOKEN_MFA";

/// What a sign-in began with: the password, a passkey, or a code by e-mail (`USER_AUTH`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    #[default]
    Password,
    Passkey,
    EmailCode,
    /// Through the pool's OAuth endpoints, at an identity provider (Google, a company's).
    Federated,
    /// Through the pool's OAuth endpoints, on Cognito's managed login page.
    ManagedLogin,
}

impl Factor {
    /// The tokens came from the pool's `/oauth2/token`: signing out visits its `/logout` too.
    pub fn through_pool(self) -> bool {
        matches!(self, Self::Federated | Self::ManagedLogin)
    }
}

/// What the server keeps of a sign-in waiting for a challenge's answer.
#[derive(Serialize, Deserialize)]
pub struct PendingSignIn {
    pub challenge: Challenge,
    /// The e-mail the person signed in with: shown on the pages, keys the rate limit.
    pub email: String,
    /// Where to go once signed in (already checked by [`safe_next`]).
    pub next: String,
    /// Unix seconds: when Cognito's session for this challenge ends.
    pub expires_at: i64,
    /// MFA_SETUP: the authenticator secret Cognito made for this sign-in.
    #[serde(default)]
    pub totp_secret: Option<String>,
    #[serde(default)]
    pub factor: Factor,
    /// Random, made with the sign-in step: what its budgets and its count of wrong e-mailed codes
    /// are keyed by (in the store, not in this cookie: a copy of the cookie from before a wrong
    /// code must not get its tries back).
    #[serde(default)]
    pub step: String,
}

/// Wrong answers an e-mailed sign-in code takes before a new one is needed (for a real code and
/// a decoy alike).
pub const EMAIL_CODE_TRIES: u32 = 3;

impl PendingSignIn {
    /// A sign-in whose whole first factor is an e-mailed code (`USER_AUTH` `EMAIL_OTP`).
    pub fn is_email_code_sign_in(&self) -> bool {
        self.factor == Factor::EmailCode && self.challenge.kind == ChallengeKind::EmailOtp
    }
}

impl PendingSignIn {
    /// What the challenge page shows (no session, nothing secret but the TOTP secret the
    /// person is about to type into their app).
    pub fn view(&self, state: &AppState) -> ChallengeView {
        ChallengeView {
            kind: self.challenge.kind,
            email: self.email.clone(),
            destination: self.challenge.destination.clone(),
            options: self.challenge.options.clone(),
            required_attributes: self.challenge.required_attributes.clone(),
            policy: state.sign_up.policy.clone(),
            totp: self
                .totp_secret
                .as_deref()
                .and_then(|secret| crate::auth::totp::setup(&state.config.app_name, &self.email, secret).ok()),
            first_factor: self.factor == Factor::EmailCode && self.challenge.kind == ChallengeKind::EmailOtp,
            offer_remember: state.devices == cognito_auth::cognito::pool::Remembering::OptIn
                && state.remembered_skip_second_step
                && self.factor == Factor::Password,
        }
    }
}

/// The device side of a sign-in that ends now. A new device (`NewDeviceMetadata`: the pool
/// tracks devices, whatever the pool check could read) is confirmed with this browser's name —
/// its refresh needs a confirmed device — and its secret kept in this browser's cookie; once the
/// person asked ("Remember this browser", opt-in pools), it is remembered. A device the sign-in
/// named is remembered when asked. The cookie to set, if any.
async fn remember_device(
    state: &AppState,
    tokens: &mut cognito_auth::cognito::Tokens,
    email: &str,
    factor: Factor,
    remember: bool,
) -> Option<http::HeaderValue> {
    let Some(new) = tokens.new_device.clone() else {
        if remember
            && let Some(key) = tokens.device_key.clone()
            && let Err(e) = state.cognito.remember_device(&tokens.access_token, &key, true).await
        {
            tracing::warn!(error = %e, "the device could not be remembered (UpdateDeviceStatus)");
        }
        return None;
    };
    let headers = request_headers();
    let name = cognito_auth::records::device(cognito_auth::session::user_agent(&headers));
    let mut confirmed = state.cognito.confirm_device(&tokens.access_token, &new, &name).await;
    // Once more when Cognito was briefly unreachable: a new verifier replaces the first.
    if matches!(confirmed, Err(AuthError::Unavailable | AuthError::Throttled)) {
        confirmed = state.cognito.confirm_device(&tokens.access_token, &new, &name).await;
    }
    let confirmed = match confirmed {
        Ok(confirmed) => confirmed,
        Err(e) => {
            // Signed in all the same, with no device: its refresh names none, and the next
            // sign-in is offered a new one.
            tracing::warn!(error = %e, "the new device could not be confirmed (ConfirmDevice)");
            tokens.new_device = None;
            return None;
        }
    };
    if confirmed.needs_consent
        && remember
        && let Err(e) = state
            .cognito
            .remember_device(&tokens.access_token, &new.key, true)
            .await
    {
        tracing::warn!(error = %e, "the new device could not be remembered (UpdateDeviceStatus)");
    }
    // Filed under the address as the forms parse it; a provider's user has no device here.
    let email = crate::auth::validate::Email::parse(email)
        .ok()
        .filter(|_| !matches!(factor, Factor::Federated | Factor::ManagedLogin))?;
    // A device this browser kept for the account before (a passkey or an e-mailed code signs in
    // without naming it) is forgotten: none is left that no browser can prove any more.
    if let Some(old) = state.sessions.remembered_device(&headers, email.as_str())
        && old.key != new.key
        && let Err(e) = state.cognito.forget_device(&tokens.access_token, &old.key).await
    {
        tracing::info!(error = %e, "this browser's previous device could not be forgotten");
    }
    state
        .sessions
        .remember_device_cookie(&headers, email.as_str(), &confirmed.secret)
}

/// How a sign-in that ends now was made, for the sessions list: what it began with and, after
/// a password, the second step it went through, if any (the pending sign-in's last challenge).
fn method_of(factor: Factor, last: Option<ChallengeKind>) -> &'static str {
    match (factor, last) {
        (Factor::Passkey, _) => "passkey",
        (Factor::EmailCode, _) => "email-code",
        (Factor::Federated, _) => "federated",
        (Factor::ManagedLogin, _) => "managed-login",
        (Factor::Password, Some(ChallengeKind::SoftwareToken | ChallengeKind::MfaSetup)) => "password-totp",
        (Factor::Password, Some(ChallengeKind::EmailOtp)) => "password-email",
        (Factor::Password, Some(ChallengeKind::SmsMfa)) => "password-sms",
        (Factor::Password, _) => "password",
    }
}

/// What of a pending sign-in is kept in the store, not in its cookie.
#[derive(Serialize, Deserialize)]
struct Kept {
    session: String,
    username: String,
    #[serde(default)]
    totp_secret: Option<String>,
}

fn kept_key(step: &str) -> String {
    format!("step:{step}")
}

/// The `Set-Cookie` of `pending` in `cookie` for `lifetime`, its secrets kept in the store under
/// its step's id. A store that cannot keep them now answers "briefly unavailable".
pub async fn keep(
    state: &AppState,
    cookie: Transient,
    pending: &PendingSignIn,
    lifetime: std::time::Duration,
) -> Result<http::HeaderValue, AuthError> {
    let kept = Kept {
        session: pending.challenge.session.clone(),
        username: pending.challenge.username.clone(),
        totp_secret: pending.totp_secret.clone(),
    };
    let json = serde_json::to_string(&kept).map_err(|_| AuthError::Internal)?;
    state
        .sessions
        .put_sealed(&kept_key(&pending.step), &json, lifetime)
        .await
        .map_err(|cognito_auth::StoreDown| AuthError::BrieflyUnavailable)?;
    let mut light = PendingSignIn {
        challenge: pending.challenge.clone(),
        email: pending.email.clone(),
        next: pending.next.clone(),
        expires_at: pending.expires_at,
        totp_secret: None,
        factor: pending.factor,
        step: pending.step.clone(),
    };
    light.challenge.session.clear();
    light.challenge.username.clear();
    state.sessions.transient_cookie(cookie, &light, lifetime)
}

/// The pending sign-in of the current request, unless it has expired.
pub async fn current(state: &AppState) -> Option<PendingSignIn> {
    current_in(state, Transient::SignIn).await
}

/// The pending sign-in kept in `cookie` (the challenge cookie, or the passkey one), with what
/// [`keep`] put in the store. None when either is gone (expired, or the store is down).
pub async fn current_in(state: &AppState, cookie: Transient) -> Option<PendingSignIn> {
    let mut pending = state
        .sessions
        .read_transient::<PendingSignIn>(cookie, &request_headers())
        .filter(|p| p.expires_at > state.clock.now())?;
    // A cookie from before the store kept them holds them itself.
    if pending.step.is_empty() || !pending.challenge.session.is_empty() {
        return Some(pending);
    }
    let json = state.sessions.get_sealed(&kept_key(&pending.step)).await.ok()??;
    let kept: Kept = serde_json::from_str(&json).ok()?;
    pending.challenge.session = kept.session;
    pending.challenge.username = kept.username;
    pending.totp_secret = kept.totp_secret;
    Some(pending)
}

/// Goes on from a sign-in step that began with `factor`: into the app with a session, or to the
/// next challenge's page.
pub async fn advance(
    state: &AppState,
    step: AuthStep,
    email: &str,
    next: &str,
    factor: Factor,
) -> Result<(), AuthError> {
    advance_remembering(state, step, email, next, factor, false).await
}

/// [`advance`], from a code page where the person may have ticked "Remember this browser"
/// (`remember`; only offered when the pool asks the person).
pub async fn advance_remembering(
    state: &AppState,
    step: AuthStep,
    email: &str,
    next: &str,
    factor: Factor,
    remember: bool,
) -> Result<(), AuthError> {
    match step {
        AuthStep::Tokens(mut tokens) => {
            // A pool that remembers devices: the device Cognito began to track is confirmed,
            // and its secret kept in this browser's encrypted cookie (its refresh needs its
            // key). Done before the session starts, which seals the key into the refresh cookie.
            let device_cookie = remember_device(state, &mut tokens, email, factor, remember).await;
            // What counts as "the password typed just now" for the account page's sensitive
            // changes: a password, or a passkey when the pool requires user verification (with
            // it only "preferred", a stolen security key alone would do). Not an e-mailed code
            // (inbox access alone), and not a round trip through the pool: the pool's and the
            // provider's own session cookies can sign a person in again without anyone typing.
            let proves_identity = match factor {
                Factor::Password => true,
                Factor::Passkey => state.passkeys_verify_user,
                Factor::EmailCode | Factor::Federated | Factor::ManagedLogin => false,
            };
            // A password typed again in a browser signed in through the pool keeps the pool's
            // session cookie there: signing out must still visit the pool's `/logout`.
            let through_pool = factor.through_pool() || state.sessions.through_pool(&request_headers());
            let (session_started, mut cookies) = state.sessions.start(&tokens, proves_identity, through_pool).await?;
            cookies.extend(device_cookie);
            // Each sign-in writes a session record: so many an hour per person. Past that, the
            // tokens just issued are handed back (nobody else holds them).
            if let Err(limited) = state.limits.check_sign_in(&session_started.sub).await {
                if let Some(refresh_token) = tokens.refresh_token.clone() {
                    let cognito = state.cognito.clone();
                    tokio::spawn(async move {
                        if let Err(e) = cognito.revoke_refresh_token(&refresh_token).await {
                            tracing::warn!(error = %e, "a refused sign-in's refresh token could not be revoked");
                        }
                    });
                }
                return Err(limited);
            }
            // This browser is known for this account from now on (`device`): its wrong passwords
            // count against its own budget, not the account's.
            // Keyed as the sign-in forms parse the address (trimmed, lower-case). Only for a
            // sign-in by this pool's own account with the address typed here: a provider's user
            // has no password here to guess, and its address may be another account's.
            // At most a few new ones a day per account: each is a budget of its own.
            let known_as = crate::auth::validate::Email::parse(email)
                .ok()
                .filter(|_| matches!(factor, Factor::Password | Factor::Passkey | Factor::EmailCode));
            let known_as = match known_as {
                Some(email) if state.limits.may_issue_device(&email).await => Some(email),
                _ => None,
            };
            if let Some(known_as) = known_as {
                cookies.extend(
                    state
                        .sessions
                        .device_cookie(&request_headers(), known_as.as_str(), state.clock.now()),
                );
            }
            // Its cookie alone says which step it was (nothing of the store is needed for that).
            let last = state
                .sessions
                .read_transient::<PendingSignIn>(Transient::SignIn, &request_headers())
                .filter(|p| p.factor == factor)
                .map(|p| p.challenge.kind);
            let method = method_of(factor, last);
            if state
                .sessions
                .record_sign_in(&session_started, method, &request_headers(), caller().ip)
                .await
                .is_err()
            {
                tracing::warn!(
                    "the session store did not take the new session's record; it is written at its next request"
                );
            }
            metrics::counter!("sign_ins_total", "method" => method).increment(1);
            // A sign-in in a browser that was signed in already (the account page's "type your
            // password again"): the session it replaces ends at Cognito too, so no second live
            // refresh token is left behind for this browser.
            if let Some(old) = state.sessions.refresh_token(&request_headers())
                && tokens.refresh_token.as_deref() != Some(old.as_str())
            {
                // And the API refuses its access tokens from now on.
                if let Some(replaced) = session() {
                    let revoked = state
                        .revocations
                        .revoke_session(
                            &replaced.sub,
                            &replaced.session_id,
                            &replaced.access_token,
                            state.clock.now(),
                        )
                        .await;
                    if revoked.is_err() {
                        tracing::error!("the session store did not take the replaced session's revocation");
                    }
                }
                if let Err(e) = state.cognito.revoke_refresh_token(&old).await {
                    tracing::warn!(error = %e, "the replaced session's refresh token could not be revoked");
                }
            }
            for done in [Transient::SignIn, Transient::Passkey] {
                if state.sessions.has_transient(done, &request_headers()) {
                    cookies.extend(state.sessions.clear_transient(done));
                }
            }
            set_cookies(cookies);
            redirect_to(&safe_next(Some(next).filter(|n| !n.is_empty())), &[]);
            Ok(())
        }
        AuthStep::Challenge(mut challenge) => {
            // A passkey asked for as a second step (passkey MFA): its request options would have
            // to reach the browser from here. The sign-in page asks for passkeys itself.
            if challenge.kind == ChallengeKind::Passkey {
                tracing::warn!("cognito asked for a passkey as a second step; this app asks for one only first");
                return Err(AuthError::UnsupportedChallenge);
            }
            let mut totp_secret = None;
            if challenge.kind == ChallengeKind::MfaSetup {
                // Cognito lists what may be set up; this app sets up authenticator apps only.
                if !challenge.options.is_empty() && !challenge.options.iter().any(|o| o == TOTP) {
                    tracing::warn!(options = ?challenge.options, "MFA_SETUP without an authenticator option");
                    return Err(AuthError::MfaSetupUnavailable);
                }
                // Made here, in the post, so that showing the set-up page changes nothing.
                let association = state.cognito.associate_totp(&challenge.session).await?;
                challenge.session = association.session;
                totp_secret = Some(association.secret);
            }
            let lifetime = state.challenge_lifetime;
            let pending = PendingSignIn {
                challenge,
                email: email.to_owned(),
                next: safe_next(Some(next).filter(|n| !n.is_empty())),
                expires_at: state.clock.now() + lifetime.as_secs() as i64,
                totp_secret,
                factor,
                step: new_session_id(),
            };
            set_cookies(vec![keep(state, Transient::SignIn, &pending, lifetime).await?]);
            redirect_to(pending.challenge.kind.path(), &[]);
            Ok(())
        }
    }
}

/// Ends a pending sign-in that cannot go on (expired, or Cognito asked for something this app
/// cannot answer) and sends the person back to the sign-in form with `error`, keeping the
/// e-mail and where they were going.
pub fn restart(state: &AppState, pending: Option<&PendingSignIn>, error: &AuthError) -> Result<(), AuthError> {
    restart_in(state, Transient::SignIn, pending, error)
}

/// [`restart`] for the pending sign-in kept in `cookie` (only that cookie goes: a passkey
/// attempt that fails leaves a sign-in waiting for a code as it was).
pub fn restart_in(
    state: &AppState,
    cookie: Transient,
    pending: Option<&PendingSignIn>,
    error: &AuthError,
) -> Result<(), AuthError> {
    set_cookies(state.sessions.clear_transient(cookie).into_iter().collect());
    let mut query = crate::error::AppError::new(*error).query();
    if let Some(p) = pending {
        query.push(("email", p.email.clone()));
        if p.next != crate::routes::PROTECTED {
            query.push(("next", p.next.clone()));
        }
    }
    let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    redirect_to(crate::routes::SIGN_IN, &pairs);
    Ok(())
}
