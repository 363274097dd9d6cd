//! The account's passkeys on the account page: the list, adding one (after the password again)
//! and removing one. Signing in with a passkey is `flows::passkeys`.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::guard::{done, fail, forms, recently_confirmed, signed_in};
#[cfg(feature = "ssr")]
use crate::auth::context::no_store;
#[cfg(feature = "ssr")]
use crate::state::AppState;
#[cfg(feature = "ssr")]
use cognito_auth::session::Session;

/// One of the account's passkeys, as the account page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    /// What "remove" names (Cognito's credential id; only its owner can remove it).
    pub id: String,
    /// The name the authenticator gave it; empty when it gave none.
    pub name: String,
    /// `platform`, `cross-platform`, or empty.
    pub attachment: String,
    /// Seconds since it was added.
    pub added_ago: i64,
}

/// The account's passkeys for the account page; `None` when the pool has none to offer (or
/// Cognito would not list them: the rest of the page still works).
#[cfg(feature = "ssr")]
pub(super) async fn passkeys_of(state: &AppState, session: &Session, now: i64) -> Option<Vec<PasskeyView>> {
    if !state.sign_in_methods.passkey {
        return None;
    }
    match state.cognito.passkeys(&session.access_token).await {
        Ok(list) => Some(
            list.into_iter()
                .map(|p| PasskeyView {
                    id: p.id,
                    name: p.name,
                    attachment: p.attachment.unwrap_or_default(),
                    added_ago: (now - p.created_at).max(0),
                })
                .collect(),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "could not list the account's passkeys");
            None
        }
    }
}

/// Adding a passkey, step one (after the password again): Cognito's creation options
/// (`PublicKeyCredentialCreationOptionsJSON`) as JSON text, for `navigator.credentials.create`.
#[server(prefix = "/auth", endpoint = "account-passkey-options")]
pub async fn passkey_creation_options() -> Result<String, AppError> {
    no_store();
    let (state, session) = signed_in(forms::PASSKEYS).await?;
    recently_confirmed(&state, &session, forms::PASSKEYS)?;
    let options = state
        .cognito
        .passkey_creation_options(&session.access_token)
        .await
        .map_err(|e| fail(e, forms::PASSKEYS))?;
    Ok(options.to_string())
}

/// Adding a passkey, step two: the new credential (`RegistrationResponseJSON`) for Cognito to
/// check and keep.
#[server(prefix = "/auth", endpoint = "account-passkey-add")]
pub async fn add_passkey(credential: String) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::PASSKEYS).await?;
    recently_confirmed(&state, &session, forms::PASSKEYS)?;
    let credential =
        crate::auth::flows::passkeys::parse_credential(&credential).map_err(|e| fail(e, forms::PASSKEYS))?;
    state
        .cognito
        .add_passkey(&session.access_token, &credential)
        .await
        .map_err(|e| fail(e, forms::PASSKEYS))?;
    done("passkey_added")
}

/// Removes one of the account's passkeys (after the password again): it no longer signs in.
#[server(prefix = "/auth", endpoint = "account-passkey-delete")]
pub async fn delete_passkey(id: String) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::PASSKEYS).await?;
    recently_confirmed(&state, &session, forms::PASSKEYS)?;
    // Cognito's ids are base64url; anything else is not one of the person's passkeys.
    if id.is_empty() || id.len() > 1024 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(fail(AuthError::BadRequest, forms::PASSKEYS).into());
    }
    state
        .cognito
        .delete_passkey(&session.access_token, &id)
        .await
        .map_err(|e| fail(e, forms::PASSKEYS))?;
    done("passkey_deleted")
}
