//! The account page's server functions: a signed-in person looks after their own account —
//! password, authenticator app, name, e-mail, sign out everywhere, delete the account.
//!
//! Every call goes to Cognito with the person's own access token (the session layer has just
//! refreshed it). Adding an authenticator when one is on already, turning two-step sign-in off
//! (never offered when the pool's MFA is `ON`), changing the e-mail and deleting the account
//! also need the password typed in the last five minutes (`REAUTH_WINDOW_SECS`):
//! [`confirm_password`] signs in again — through any challenge the account has — and the new
//! session remembers when. Each action is limited per person, and answers with a redirect back
//! to `/account` (with a notice) or with an error for the form it came from (`?error=…&form=…`
//! without JavaScript).

mod devices;
mod guard;
mod passkeys;

pub use devices::*;
pub use guard::forms;
#[cfg(feature = "ssr")]
pub(super) use guard::{done, fail, recently_confirmed, signed_in};
pub use passkeys::*;

use crate::auth::TotpSetup;
use crate::auth::validate::PasswordPolicy;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::auth::{
    context::{
        finish_sign_out, form_error, no_store, redirect_to, request_headers, session, set_cookies, state, trust,
    },
    flows::{pending, pending::Factor},
    validate::{ConfirmationCode, DisplayName, Email, MfaCode, Password},
};
#[cfg(feature = "ssr")]
use crate::state::AppState;
#[cfg(feature = "ssr")]
use cognito_auth::cognito::AuthStep;
#[cfg(feature = "ssr")]
use cognito_auth::family_of;
#[cfg(feature = "ssr")]
use cognito_auth::{
    limits::Mail,
    session::{Session, Transient},
};

/// What the account page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub email: String,
    pub email_verified: bool,
    pub name: String,
    /// Two-step sign-in with an authenticator app is on.
    pub totp_enabled: bool,
    /// The pool requires a second factor (MFA `ON`): it cannot be turned off.
    pub totp_required: bool,
    /// An authenticator app being added: the QR code and key, until its first code.
    pub totp_setup: Option<TotpSetup>,
    /// A new e-mail address waiting for its code.
    pub pending_email: Option<String>,
    /// Until when (Unix seconds) sensitive changes are allowed without the password again.
    pub confirmed_until: Option<i64>,
    pub policy: PasswordPolicy,
    /// Where this person is signed in (the session store's records), this session first.
    pub sessions: Vec<SessionView>,
    /// The account's passkeys; `None` when the pool does not offer passkeys.
    pub passkeys: Option<Vec<PasskeyView>>,
    /// The browsers Cognito remembers for this person; `None` when the pool remembers none.
    #[serde(default)]
    pub devices: Option<Vec<DeviceView>>,
    /// The provider this person exists through (only a provider's user, no password here): the
    /// page shows what it can change for them.
    #[serde(default)]
    pub federated_with: Option<String>,
    /// The provider a pool's own user is linked to: its sign-ins write the name and e-mail, so
    /// the page does not offer to change them.
    #[serde(default)]
    pub linked_to: Option<String>,
}

/// One signed-in browser in the sessions list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// What "sign out" names (only its owner can end it).
    pub id: String,
    pub current: bool,
    /// "Chrome on macOS"; empty when the browser did not say.
    pub device: String,
    /// "203.0.113.0/24"; empty when unknown.
    pub place: String,
    /// `password`, `password-totp`, …; empty when not known (signed in before the list).
    pub method: String,
    /// Seconds since it signed in, and since it was last seen.
    pub signed_in_ago: i64,
    pub seen_ago: i64,
}

/// What an account change waiting for a code keeps, in its encrypted cookie.
#[cfg(feature = "ssr")]
#[derive(Default, Serialize, Deserialize)]
struct AccountPending {
    /// Whose change it is: a cookie left by someone else on a shared browser is ignored.
    sub: String,
    #[serde(default)]
    totp_secret: Option<String>,
    #[serde(default)]
    new_email: Option<String>,
}

/// A code for a change waits this long (Cognito's attribute codes last 24 hours; a secret
/// that was never confirmed is simply made again).
#[cfg(feature = "ssr")]
const PENDING_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30 * 60);

#[cfg(feature = "ssr")]
fn read_pending(state: &AppState, session: &Session) -> AccountPending {
    state
        .sessions
        .read_transient::<AccountPending>(Transient::Account, &request_headers())
        .filter(|p| p.sub == session.sub)
        .unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn write_pending(state: &AppState, pending: &AccountPending) -> Result<(), AuthError> {
    let cookie = if pending.totp_secret.is_none() && pending.new_email.is_none() {
        state.sessions.clear_transient(Transient::Account)
    } else {
        Some(
            state
                .sessions
                .transient_cookie(Transient::Account, pending, PENDING_LIFETIME)?,
        )
    };
    set_cookies(cookie.into_iter().collect());
    Ok(())
}

/// The account as the page shows it; `None` without a session.
#[server(prefix = "/auth", endpoint = "account")]
pub async fn get_account() -> Result<Option<AccountView>, AppError> {
    no_store();
    let state = state()?;
    let Some(session) = session() else {
        return Ok(None);
    };
    // A GetUser each: so many a minute per person.
    state.limits.check_account_view(&session.sub).await?;
    let facts = match state.cognito.account(&session.access_token).await {
        Ok(facts) => facts,
        // Cognito no longer accepts this session's token: signed out there (an operator's global
        // sign-out, a disabled or deleted user). This app signs the session out too — in the
        // store, so the next request (the sign-in page the account page sends it to) clears its
        // cookies on whichever instance it lands, and the API refuses its tokens.
        Err(AuthError::SessionExpired) => {
            // With time to spare on the token, Cognito revoked it; in its last seconds (a refresh
            // that failed), it may just have run out by Cognito's clock: no sign-out for that.
            let now = state.clock.now();
            if session.expires_at > now + 30 {
                tracing::info!("Cognito refused the session's token on the account page; signing the session out");
                let revoked = state
                    .revocations
                    .revoke_session(&session.sub, &session.session_id, &session.access_token, now)
                    .await;
                if revoked.is_err() {
                    tracing::warn!("the session store did not take the sign-out of a session Cognito refused");
                }
            }
            return Err(AuthError::SessionExpired.into());
        }
        Err(e) => return Err(e.into()),
    };
    let pending = read_pending(&state, &session);
    let now = state.clock.now();
    Ok(Some(AccountView {
        totp_setup: pending
            .totp_secret
            .as_deref()
            .filter(|_| !facts.totp)
            .and_then(|secret| crate::auth::totp::setup(&state.config.app_name, &facts.email, secret).ok()),
        pending_email: pending.new_email.filter(|e| *e != facts.email),
        totp_enabled: facts.totp,
        email: facts.email,
        email_verified: facts.email_verified,
        name: facts.name,
        totp_required: state.mfa_required,
        confirmed_until: session
            .authenticated_at
            .filter(|_| session.recently_authenticated(now, state.config.reauth_window))
            .map(|at| at + state.config.reauth_window.as_secs() as i64),
        policy: state.sign_up.policy.clone(),
        sessions: sessions_of(&state, &session, now).await,
        passkeys: match facts.federated_with {
            // A provider's user signs in only through the provider.
            Some(_) => None,
            None => passkeys::passkeys_of(&state, &session, now).await,
        },
        devices: match facts.federated_with {
            Some(_) => None,
            None => devices::devices_of(&state, &session, now).await,
        },
        federated_with: facts.federated_with,
        linked_to: facts.linked_to,
    }))
}

/// The person's sessions as the list shows them: this one first, then the most recent.
#[cfg(feature = "ssr")]
async fn sessions_of(state: &AppState, session: &Session, now: i64) -> Vec<SessionView> {
    let records = match state.revocations.store().sessions_of(&session.sub, now).await {
        Ok(records) => records,
        // The session layer has just asked the store; were it down, this page would not render.
        Err(_) => return vec![],
    };
    let mut views: Vec<SessionView> = records
        .into_iter()
        .map(|r| SessionView {
            current: r.id == session.session_id,
            id: r.id,
            device: r.device,
            place: r.place,
            method: r.method,
            signed_in_ago: (now - r.signed_in_at).max(0),
            seen_ago: (now - r.last_seen).max(0),
        })
        .collect();
    views.sort_by_key(|v| (!v.current, v.seen_ago));
    views
}

/// Asks for the password again before a sensitive change: a fresh sign-in as the same person,
/// through any challenge the account has (an authenticator code), back to the account page.
#[server(prefix = "/auth", endpoint = "account-confirm-password")]
pub async fn confirm_password(password: String) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::REAUTH).await?;
    let email = Email::parse(&session.email).map_err(|e| fail(e.into(), forms::REAUTH))?;
    let password = Password::for_sign_in(password).map_err(|_| fail(AuthError::WrongPassword, forms::REAUTH))?;
    match crate::auth::flows::sign_in::password_sign_in(&state, &email, &password).await {
        Ok(step) => Ok(pending::advance(
            &state,
            step,
            email.as_str(),
            "/account?notice=confirmed",
            Factor::Password,
        )
        .await
        .map_err(|e| fail(e, forms::REAUTH))?),
        Err(AuthError::InvalidCredentials) => Err(fail(AuthError::WrongPassword, forms::REAUTH).into()),
        Err(e) => Err(fail(e, forms::REAUTH).into()),
    }
}

/// Changes the password. With `sign_out_others`, every other session ends — in this app first
/// (every instance and the API refuse them from now on, whatever Cognito says next), then at
/// Cognito (GlobalSignOut) — and this browser signs in afresh with the new password, so it stays
/// signed in.
#[server(prefix = "/auth", endpoint = "account-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    sign_out_others: Option<String>,
) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::PASSWORD).await?;
    let current =
        Password::for_sign_in(current_password).map_err(|_| fail(AuthError::WrongPassword, forms::PASSWORD))?;
    let new = Password::parse(new_password, &state.sign_up.policy).map_err(|e| fail(e.into(), forms::PASSWORD))?;
    state
        .cognito
        .change_password(&session.access_token, &current, &new)
        .await
        .map_err(|e| fail(e, forms::PASSWORD))?;
    let email = Email::parse(&session.email).map_err(|e| fail(e.into(), forms::PASSWORD))?;
    // A browser that knew the old password is no longer known for this account — but this one,
    // which just typed it, is again (its device cookie is issued afresh).
    if state.limits.forget_devices(&email).await.is_err() {
        tracing::warn!("the session store did not take the end of the account's device cookies");
    }
    if sign_out_others.is_none() {
        if state.limits.may_issue_device(&email).await {
            set_cookies(
                state
                    .sessions
                    .device_cookie(&request_headers(), email.as_str(), state.clock.now())
                    .into_iter()
                    .collect(),
            );
        }
        return done("password_changed");
    }
    // The app's own sign-out first: every token and session of this person issued up to this
    // second is refused on every instance and by the API from now on. It never waits for
    // Cognito's answer (an emulator has no GlobalSignOut; AWS may be unreachable) — nor does
    // Cognito's part wait for a store that is down.
    let here = state
        .revocations
        .revoke_person(&session.sub, None, state.clock.now())
        .await
        .is_ok();
    if !here {
        tracing::error!("the session store did not take the password change's sign-out of the other devices");
    }
    // Then Cognito's, with this session's token (it ends this session's refresh token too, so
    // it comes before signing in again: a later call would end the new session as well — which
    // is why a failure here is said, not retried in the background).
    let at_cognito = state.cognito.global_sign_out(&session.access_token).await;
    if let Err(e) = &at_cognito {
        tracing::warn!(error = %e, "password changed and the other devices signed out of this app, but Cognito's GlobalSignOut failed");
    }
    // This browser signs in again with the new password. The revocation is written again now,
    // after Cognito's call: a refresh that crossed into a new second while it ran is refused
    // too — all but the new session (which may share that second).
    let again = crate::auth::flows::sign_in::password_sign_in(&state, &email, &new).await;
    let exempt = match &again {
        Ok(AuthStep::Tokens(tokens)) => family_of(&tokens.access_token).map(|(family, _, _)| family),
        _ => None,
    };
    let here = here
        && state
            .revocations
            .revoke_person(&session.sub, exempt, state.clock.now())
            .await
            .is_ok();
    // Said, not retried: a later GlobalSignOut would end the session signed in just below.
    let notice = match (here, at_cognito.is_ok()) {
        (true, true) => "/account?notice=password_changed_everywhere",
        (true, false) => "/account?notice=password_changed_everywhere_app_only",
        (false, _) => "/account?notice=password_changed_everywhere_cognito_only",
    };
    match again {
        Ok(step) => Ok(pending::advance(&state, step, email.as_str(), notice, Factor::Password)
            .await
            .map_err(|e| fail(e, forms::PASSWORD))?),
        Err(e) => {
            tracing::warn!(error = %e, "signing in again after the password change failed");
            set_cookies(state.sessions.clear());
            redirect_to(
                crate::routes::SIGN_IN,
                &[("email", email.as_str()), ("notice", "password_changed")],
            );
            Ok(())
        }
    }
}

/// Starts adding an authenticator app: Cognito makes a secret; the page shows it as a QR code.
#[server(prefix = "/auth", endpoint = "account-authenticator")]
pub async fn start_authenticator() -> Result<(), AppError> {
    let (state, session) = signed_in(forms::AUTHENTICATOR).await?;
    // Whoever holds this session (a browser left signed in, a copied cookie) could otherwise
    // put their own phone between the person and every later sign-in, or replace theirs: like
    // any sensitive change, the password again first.
    recently_confirmed(&state, &session, forms::AUTHENTICATOR)?;
    let secret = state
        .cognito
        .new_totp_secret(&session.access_token)
        .await
        .map_err(|e| fail(e, forms::AUTHENTICATOR))?;
    let mut pending = read_pending(&state, &session);
    pending.sub.clone_from(&session.sub);
    pending.totp_secret = Some(secret);
    write_pending(&state, &pending)?;
    done("authenticator_started")
}

/// The first code of the new authenticator app: two-step sign-in is on from now.
#[server(prefix = "/auth", endpoint = "account-authenticator-confirm")]
pub async fn confirm_authenticator(code: String) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::AUTHENTICATOR).await?;
    let code = MfaCode::parse(&code).map_err(|e| fail(e.into(), forms::AUTHENTICATOR))?;
    let device = format!("{} authenticator", state.config.app_name);
    state
        .cognito
        .turn_on_totp(&session.access_token, &code, &device)
        .await
        .map_err(|e| fail(e, forms::AUTHENTICATOR))?;
    let mut pending = read_pending(&state, &session);
    pending.totp_secret = None;
    write_pending(&state, &pending)?;
    done("authenticator_on")
}

/// Turns two-step sign-in off (after the password again).
#[server(prefix = "/auth", endpoint = "account-authenticator-off")]
pub async fn turn_off_authenticator() -> Result<(), AppError> {
    let (state, session) = signed_in(forms::AUTHENTICATOR).await?;
    // With the pool's MFA `ON`, AWS refuses this or accepts it and asks for a code anyway.
    if state.mfa_required {
        return Err(fail(AuthError::MfaRequired, forms::AUTHENTICATOR).into());
    }
    recently_confirmed(&state, &session, forms::AUTHENTICATOR)?;
    state
        .cognito
        .set_totp(&session.access_token, false)
        .await
        .map_err(|e| fail(e, forms::AUTHENTICATOR))?;
    done("authenticator_off")
}

/// Sets the name shown on the account (empty removes it).
#[server(prefix = "/auth", endpoint = "account-name")]
pub async fn update_name(name: String) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::NAME).await?;
    let back = |e| form_error(e, crate::routes::ACCOUNT, &[("form", forms::NAME), ("name", &name)]);
    let parsed = DisplayName::parse(&name).map_err(|e| back(e.into()))?;
    state
        .cognito
        .update_name(&session.access_token, parsed.as_ref())
        .await
        .map_err(back)?;
    done("name_changed")
}

/// Asks to change the e-mail (after the password again): Cognito sends a code to the new
/// address, and the old one stays in force until the code is entered.
#[server(prefix = "/auth", endpoint = "account-email")]
pub async fn change_email(email: String) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::EMAIL).await?;
    let back = |e| form_error(e, crate::routes::ACCOUNT, &[("form", forms::EMAIL), ("email", &email)]);
    recently_confirmed(&state, &session, forms::EMAIL)?;
    let parsed = Email::parse(&email).map_err(|e| back(e.into()))?;
    if parsed.as_str() == session.email {
        return done("email_unchanged");
    }
    let trust = trust();
    state
        .limits
        .take_code_email(Mail::Code, &parsed, &trust)
        .await
        .map_err(back)?;
    if let Err(e) = state.cognito.change_email(&session.access_token, &parsed).await {
        state.limits.refund_code_email(Mail::Code, &parsed, &trust).await;
        return Err(back(e).into());
    }
    let mut pending = read_pending(&state, &session);
    pending.sub.clone_from(&session.sub);
    pending.new_email = Some(parsed.as_str().to_owned());
    write_pending(&state, &pending)?;
    done("email_code_sent")
}

/// The code sent to the new address: from now on it is the account's e-mail (and username). Or,
/// without a change waiting, the code sent to the account's own address: it is verified from now
/// on (an account confirmed by an administrator or the PreSignUp trigger starts without).
#[server(prefix = "/auth", endpoint = "account-email-verify")]
pub async fn verify_new_email(code: String) -> Result<(), AppError> {
    let (state, mut session) = signed_in(forms::EMAIL).await?;
    let code = ConfirmationCode::parse(&code).map_err(|e| fail(e.into(), forms::EMAIL))?;
    state
        .cognito
        .verify_email(&session.access_token, &code)
        .await
        .map_err(|e| fail(e, forms::EMAIL))?;
    let mut pending = read_pending(&state, &session);
    // The session's ID token still names the old address until the next refresh.
    let Some(new_email) = pending.new_email.take() else {
        return done("email_verified");
    };
    session.email = new_email;
    set_cookies(state.sessions.rewrite(&session).await?);
    write_pending(&state, &pending)?;
    done("email_changed")
}

/// E-mails a code: to the new address while a change waits for it, else to the account's own
/// address, to verify it. Each is an e-mail to someone's inbox: so many a day per address.
#[server(prefix = "/auth", endpoint = "account-email-resend")]
pub async fn resend_email_code() -> Result<(), AppError> {
    let (state, session) = signed_in(forms::EMAIL).await?;
    let changing = read_pending(&state, &session).new_email;
    let to = Email::parse(changing.as_deref().unwrap_or(&session.email)).map_err(|e| fail(e.into(), forms::EMAIL))?;
    let trust = trust();
    state
        .limits
        .take_code_email(Mail::Code, &to, &trust)
        .await
        .map_err(|e| fail(e, forms::EMAIL))?;
    if let Err(e) = state.cognito.resend_email_code(&session.access_token).await {
        state.limits.refund_code_email(Mail::Code, &to, &trust).await;
        return Err(fail(e, forms::EMAIL).into());
    }
    done(if changing.is_some() {
        "email_code_resent"
    } else {
        "verify_code_sent"
    })
}

/// Signs out one other browser of this person, from the sessions list: at its next request it
/// lands on the sign-in page, its refresh token is revoked, and the API refuses its tokens.
#[server(prefix = "/auth", endpoint = "account-end-session")]
pub async fn end_session(session: String) -> Result<(), AppError> {
    let (state, current) = signed_in(forms::SESSIONS).await?;
    if session == current.session_id {
        // This browser signs out with "Sign out"; the list offers no button for it.
        return Err(fail(AuthError::BadRequest, forms::SESSIONS).into());
    }
    match state
        .revocations
        .end_session(&current.sub, &session, state.clock.now())
        .await
    {
        // Not found: already signed out (another tab, an expiry): the outcome asked for.
        Ok(_) => done("session_ended"),
        Err(_) => Err(fail(AuthError::BrieflyUnavailable, forms::SESSIONS).into()),
    }
}

/// Ends every session of this account, on every device, and this one too.
#[server(prefix = "/auth", endpoint = "account-sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let (state, session) = signed_in(forms::EVERYWHERE).await?;
    // The app's own sign-out first, and whatever Cognito answers next: every instance and the
    // API refuse every session and token of this person issued up to this second.
    let now = state.clock.now();
    let here = state.revocations.revoke_person(&session.sub, None, now).await.is_ok();
    if !here {
        tracing::error!("the session store did not take the sign-out everywhere; asking Cognito anyway");
    }
    if let Ok(email) = Email::parse(&session.email)
        && state.limits.forget_devices(&email).await.is_err()
    {
        tracing::warn!("the session store did not take the end of the account's device cookies");
    }
    // Every remembered browser is forgotten too: none skips the second step any more. Before
    // GlobalSignOut, which ends the token these calls need.
    let mut cookies = Vec::new();
    if state.devices != cognito_auth::cognito::pool::Remembering::Off {
        if let Err(e) = state.cognito.forget_devices(&session.access_token).await {
            // With the server's credentials, what the person's own token could not — for this
            // session's own user (its internal username), never another with the same address.
            let username = state
                .sessions
                .session_username(&request_headers())
                .unwrap_or_else(|| session.sub.clone());
            let admin = state.cognito.admin_forget_devices(&username).await.map(drop);
            if let Err(admin) = admin {
                tracing::error!(error = %e, admin = %admin, "signing out everywhere: the remembered devices could not all be forgotten");
            }
        }
        cookies.extend(state.sessions.forget_device_cookie(&request_headers(), &session.email));
    }
    // Then Cognito's: GlobalSignOut ends every refresh token of the person — sign-ins outside
    // this app too (another app of the pool, a command-line tool), which only Cognito can end.
    // One call with this session's token (RevokeToken before it would revoke the token it
    // needs; after it, it would only be refused), then this browser's cookies.
    let at_cognito = state.cognito.global_sign_out(&session.access_token).await;
    // Written again now that Cognito has answered: a refresh that crossed into a new second
    // while the call ran is refused too.
    let here = here
        && state
            .revocations
            .revoke_person(&session.sub, None, state.clock.now())
            .await
            .is_ok();
    let notice = match at_cognito {
        // This app could not record it: Cognito's part holds (no refresh token works any more),
        // and this app's other sessions end when their access tokens do.
        Ok(()) if !here => "signed_out_everywhere_cognito_only",
        Ok(()) => "signed_out_everywhere",
        // This Cognito has no GlobalSignOut (an emulator): the app's own sign-out is all there is.
        Err(AuthError::NotEnabled) => {
            tracing::info!("this Cognito has no GlobalSignOut: signed out everywhere in this app only");
            "signed_out_everywhere_app_only"
        }
        Err(e) => {
            tracing::warn!(error = %e, "signed out everywhere in this app; Cognito's GlobalSignOut failed, asking again");
            retry_global_sign_out(&state, &session, now);
            "signed_out_everywhere_retrying"
        }
    };
    cookies.extend(state.sessions.clear());
    set_cookies(cookies);
    finish_sign_out(&state, crate::routes::SIGN_IN, &[("notice", notice)]);
    Ok(())
}

/// Asks Cognito again, in the background, to end every refresh token of the person whose
/// session asked for "sign out everywhere" at `revoked_at`: a few times over a few minutes,
/// while the session's access token is valid — and only while the person has not signed in
/// again since (GlobalSignOut would end that new session at Cognito too; the app's revocation
/// has forgotten every session record of the person, so any record is a new sign-in).
#[cfg(feature = "ssr")]
fn retry_global_sign_out(state: &AppState, session: &Session, revoked_at: i64) {
    const WAITS: [std::time::Duration; 4] = [
        std::time::Duration::from_secs(10),
        std::time::Duration::from_secs(30),
        std::time::Duration::from_secs(90),
        std::time::Duration::from_secs(270),
    ];
    let (state, access_token, sub, expires_at) = (
        state.clone(),
        session.access_token.clone(),
        session.sub.clone(),
        session.expires_at,
    );
    tokio::spawn(async move {
        let still_wanted = || async {
            let now = state.clock.now();
            let signed_in_again = state
                .revocations
                .store()
                .sessions_of(&sub, now)
                .await
                .map_or(true, |sessions| sessions.iter().any(|s| s.signed_in_at >= revoked_at));
            now < expires_at && !signed_in_again
        };
        let done = try_again(&WAITS, still_wanted, || state.cognito.global_sign_out(&access_token)).await;
        if done {
            tracing::info!("Cognito's GlobalSignOut went through on a later try");
        } else {
            tracing::error!(
                "Cognito's GlobalSignOut could not be made: sign-ins outside this app keep their refresh tokens \
                 (this app refuses its own sessions and the API this person's older tokens)"
            );
        }
    });
}

/// Tries `attempt` again after each of `waits`, while `wanted` says it still is: `true` once it
/// went through; `false` when it stopped being wanted, ran out of tries, or can never work
/// (the call is not there, or the token it needs is no longer accepted).
#[cfg(feature = "ssr")]
async fn try_again<W, A>(waits: &[std::time::Duration], wanted: impl Fn() -> W, attempt: impl Fn() -> A) -> bool
where
    W: Future<Output = bool>,
    A: Future<Output = Result<(), AuthError>>,
{
    for wait in waits {
        tokio::time::sleep(*wait).await;
        if !wanted().await {
            return false;
        }
        match attempt().await {
            Ok(()) => return true,
            Err(AuthError::NotEnabled | AuthError::SessionExpired) => return false,
            Err(_) => {}
        }
    }
    false
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn a_failed_call_is_tried_again_while_wanted_and_only_while_it_can_work() {
        let waits = [Duration::ZERO; 4];
        let tries = AtomicUsize::new(0);
        // Fails twice (Cognito unreachable), then goes through.
        let flaky = || async {
            match tries.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(AuthError::Unavailable),
                _ => Ok(()),
            }
        };
        assert!(try_again(&waits, || async { true }, flaky).await);
        assert_eq!(tries.load(Ordering::SeqCst), 3);
        // Never while not wanted (the person signed in again): no call at all.
        let calls = AtomicUsize::new(0);
        let counted = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(AuthError::Unavailable)
        };
        assert!(!try_again(&waits, || async { false }, counted).await);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // Not again once it cannot work; at most one try per wait otherwise.
        let calls = AtomicUsize::new(0);
        let missing = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(AuthError::NotEnabled)
        };
        assert!(!try_again(&waits, || async { true }, missing).await);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let calls = AtomicUsize::new(0);
        let down = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(AuthError::Unavailable)
        };
        assert!(!try_again(&waits, || async { true }, down).await);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }
}

/// Deletes the account for good (after the password again and an explicit confirmation).
#[server(prefix = "/auth", endpoint = "account-delete")]
pub async fn delete_account(confirm: Option<String>) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::DELETE).await?;
    recently_confirmed(&state, &session, forms::DELETE)?;
    if confirm.as_deref() != Some("yes") {
        return Err(fail(AuthError::ConfirmDeletion, forms::DELETE).into());
    }
    state
        .cognito
        .delete_user(&session.access_token)
        .await
        .map_err(|e| fail(e, forms::DELETE))?;
    // An address given up may be someone else's next: no browser is known for it any more.
    if let Ok(email) = Email::parse(&session.email)
        && state.limits.forget_devices(&email).await.is_err()
    {
        tracing::warn!("the session store did not take the end of the account's device cookies");
    }
    if state
        .revocations
        .revoke_deleted(&session.sub, state.clock.now())
        .await
        .is_err()
    {
        tracing::error!(
            "the session store did not take the deleted account; the API accepts its access tokens until they expire"
        );
    }
    let mut cookies = state.sessions.clear();
    cookies.extend(state.sessions.clear_transient(Transient::Account));
    set_cookies(cookies);
    finish_sign_out(&state, "/", &[("notice", "account_deleted")]);
    Ok(())
}
