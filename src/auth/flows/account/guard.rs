//! What every form of the account page goes through first: a signed-in session (within the
//! person's limit of account posts), the password typed recently for the sensitive ones, and
//! the way back to the page with a notice or with an error at the form it came from.

#[cfg(feature = "ssr")]
use crate::auth::{
    context::{form_error, redirect_to, session, state},
    validate::Email,
};
#[cfg(feature = "ssr")]
#[cfg(feature = "ssr")]
use crate::state::AppState;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
#[cfg(feature = "ssr")]
use cognito_auth::{limits::Form, session::Session};

/// The forms of the account page, named in `?form=` so an error after a post without
/// JavaScript is shown at the form it belongs to.
pub mod forms {
    pub const NAME: &str = "name";
    pub const PASSWORD: &str = "password";
    pub const REAUTH: &str = "reauth";
    pub const AUTHENTICATOR: &str = "authenticator";
    pub const EMAIL: &str = "email";
    pub const SESSIONS: &str = "sessions";
    pub const DEVICES: &str = "devices";
    pub const PASSKEYS: &str = "passkeys";
    pub const EVERYWHERE: &str = "everywhere";
    pub const DELETE: &str = "delete";
}

/// The session, or the way to the sign-in page (a 401 with JavaScript).
#[cfg(feature = "ssr")]
pub(in crate::auth::flows) async fn signed_in(form: &'static str) -> Result<(AppState, Session), AuthError> {
    let state = state()?;
    match session() {
        Some(session) => {
            let email = Email::parse(&session.email).map_err(|e| fail(e.into(), form))?;
            let limit = state.limits.check_email_attempt(Form::Account(form), &email).await;
            limit.map_err(|e| fail(e, form))?;
            Ok((state, session))
        }
        None => Err(form_error(
            AuthError::SessionExpired,
            crate::routes::SIGN_IN,
            &[("next", crate::routes::ACCOUNT)],
        )),
    }
}

/// An error for `form`, back on the account page.
#[cfg(feature = "ssr")]
pub(in crate::auth::flows) fn fail(err: AuthError, form: &str) -> AuthError {
    form_error(err, crate::routes::ACCOUNT, &[("form", form)])
}

/// Sensitive changes need the password from the last few minutes.
#[cfg(feature = "ssr")]
pub(in crate::auth::flows) fn recently_confirmed(
    state: &AppState,
    session: &Session,
    form: &str,
) -> Result<(), AuthError> {
    if session.recently_authenticated(state.clock.now(), state.config.reauth_window) {
        Ok(())
    } else {
        Err(fail(AuthError::ReauthRequired, form))
    }
}

#[cfg(feature = "ssr")]
pub(in crate::auth::flows) fn done<E>(notice: &str) -> Result<(), E> {
    redirect_to(crate::routes::ACCOUNT, &[("notice", notice)]);
    Ok(())
}
