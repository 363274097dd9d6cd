//! The refresh: one Cognito call per session at a time — per instance (a table of refreshes
//! under way, shared by every request that needs one), and for every instance with a shared
//! store (a lock per session) — and the revocation at Cognito of a refresh token this app ended.

use super::*;
use crate::AuthError;

/// Another instance holding a session's refresh lock: this long, then the lock ends by itself.
/// It is not let go after a refresh that worked: a request that left the browser with the old
/// refresh token just before the new one arrived must not use it again (with rotation and no
/// grace period, that would sign the person out).
const REFRESH_LOCK: Duration = Duration::from_secs(10);

const IN_FLIGHT_KEEP: Duration = Duration::from_secs(10);

impl Sessions {
    /// Whether this is the first time this instance revokes `session_id`'s refresh token at
    /// Cognito (it is marked as done from now on): a replayed cookie calls Cognito once, not
    /// once per request.
    pub fn first_revocation(&self, session_id: &str) -> bool {
        let now = self.clock.now().max(0) as u64;
        if session_id.is_empty() {
            return true;
        }
        if self.revoked_here.get(session_id, now).is_some() {
            return false;
        }
        self.revoked_here
            .insert(session_id.to_owned(), now + self.max_age.as_secs(), (), now);
        true
    }

    /// Revokes a refresh token at Cognito in the background (a session this app has ended: nobody
    /// else holds it, and Cognito may have revoked it already) — once per session on this instance.
    pub(super) fn revoke_at_cognito(&self, session_id: &str, refresh_token: &str) {
        if !self.first_revocation(session_id) {
            return;
        }
        let cognito = self.cognito.clone();
        let refresh_token = refresh_token.to_owned();
        tokio::spawn(async move {
            if let Err(e) = cognito.revoke_refresh_token(&refresh_token).await {
                tracing::debug!(error = %e, "a signed-out session's refresh token could not be revoked (it may be already)");
            }
        });
    }

    pub(super) async fn refresh(
        &self,
        refresh_token: &str,
        username: &str,
        session_id: &str,
        device_key: Option<&str>,
    ) -> Result<Tokens, AuthError> {
        let cell = {
            let mut table = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            table.retain(|_, (started, _)| started.elapsed() < IN_FLIGHT_KEEP);
            table
                .entry(refresh_token.to_owned())
                .or_insert_with(|| (Instant::now(), Arc::default()))
                .1
                .clone()
        };
        cell.get_or_init(|| async {
            // The table above holds one refresh per instance; a shared store holds one for all.
            let store = self.revocations.store();
            let token = new_session_id();
            let key = format!("refresh:{session_id}");
            // A store that cannot say counts as "held": two refreshes at once would sign the
            // person out under rotation; the current token serves while it is valid.
            if store.is_shared() && store.lock(&key, &token, REFRESH_LOCK).await != Ok(true) {
                tracing::info!("another instance is refreshing this session; using its current token");
                #[cfg(feature = "metrics")]
                metrics::counter!("refreshes_total", "outcome" => "elsewhere").increment(1);
                return Err(AuthError::Unavailable);
            }
            self.refresh_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let outcome = self.cognito.refresh_on(refresh_token, username, device_key).await;
            #[cfg(feature = "metrics")]
            metrics::counter!("refreshes_total", "outcome" => match &outcome {
                Ok(_) => "ok",
                Err(AuthError::SessionExpired) => "expired",
                Err(_) => "failed",
            })
            .increment(1);
            // A refresh that did not happen may be tried again at once, from any instance.
            if outcome.is_err() && store.is_shared() {
                let _ = store.unlock(&key, &token).await;
            }
            outcome
        })
        .await
        .clone()
    }
}
