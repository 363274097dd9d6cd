//! The account page's remembered browsers: the devices Cognito remembers for the person (they
//! skip the second step), this one marked, each with "Forget". Server-rendered with plain form
//! posts, like the sessions list.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{done, fail, forms, signed_in};
#[cfg(feature = "ssr")]
use crate::auth::context::request_headers;
#[cfg(feature = "ssr")]
use crate::state::AppState;
#[cfg(feature = "ssr")]
use cognito_auth::AuthError;
#[cfg(feature = "ssr")]
use cognito_auth::session::Session;

/// One remembered browser in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    /// Cognito's device key: what "Forget" names (only its owner's access token can forget it).
    pub key: String,
    /// "Firefox on Linux", as it was named when it was confirmed; empty when unknown.
    pub name: String,
    /// The browser the page is open in.
    pub current: bool,
    /// Seconds since it last signed in, when Cognito says.
    pub used_ago: Option<i64>,
}

/// The remembered browsers, this one first; `None` when the pool remembers no devices (or
/// Cognito could not say just now: the page shows the rest).
#[cfg(feature = "ssr")]
pub(super) async fn devices_of(state: &AppState, session: &Session, now: i64) -> Option<Vec<DeviceView>> {
    if state.devices == cognito_auth::cognito::pool::Remembering::Off || !state.remembered_skip_second_step {
        return None;
    }
    // The device this session's tokens belong to.
    let here = state.sessions.session_device(&request_headers());
    let devices = match state.cognito.devices(&session.access_token).await {
        Ok(devices) => devices,
        Err(e) => {
            tracing::warn!(error = %e, "the remembered devices could not be listed (ListDevices)");
            return None;
        }
    };
    let mut views: Vec<DeviceView> = devices
        .into_iter()
        .filter(|d| d.remembered)
        .map(|d| DeviceView {
            current: here.as_deref() == Some(d.key.as_str()),
            name: d.name.unwrap_or_default(),
            used_ago: d.last_used.map(|at| (now - at).max(0)),
            key: d.key,
        })
        .collect();
    views.sort_by_key(|v| !v.current);
    Some(views)
}

/// Forgets one remembered browser: its next sign-in asks for the second step again. Another
/// browser's device is forgotten at Cognito (ForgetDevice; its refresh tokens stop working).
/// This browser's is only no longer remembered (UpdateDeviceStatus), so the session open here
/// keeps refreshing.
#[server(prefix = "/auth", endpoint = "account-forget-device")]
pub async fn forget_device(device: String) -> Result<(), AppError> {
    let (state, session) = signed_in(forms::DEVICES).await?;
    if device.is_empty() || device.len() > 128 {
        return Err(fail(AuthError::BadRequest, forms::DEVICES).into());
    }
    // The device this session's tokens belong to: forgetting it at Cognito would end the
    // session at its next refresh.
    let here = state.sessions.session_device(&request_headers()).as_deref() == Some(device.as_str());
    let forgotten = if here {
        state
            .cognito
            .remember_device(&session.access_token, &device, false)
            .await
    } else {
        state.cognito.forget_device(&session.access_token, &device).await
    };
    forgotten.map_err(|e| fail(e, forms::DEVICES))?;
    done("device_forgotten")
}
