//! The API routes and the bearer-token extractor that guards them.

use super::Me;
use crate::auth::verifier::{TokenError, Verifier};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cognito_auth::AuthError;
use cognito_auth::Revocations;
use cognito_auth::cognito::Cognito;
use cognito_auth::expiring::{ExpiringMap, now_unix};
use std::sync::Arc;

/// The routes' extractor and the RFC 6750 answer to every refusal are `cognito-jwt`'s (feature
/// `axum`): `Authenticated` takes the verifier from the state, `BearerError` is the answer.
pub use cognito_jwt::axum::{Authenticated, BearerError};

/// What the API's routes need, and nothing of the app around them: a router of any state `S`
/// mounts them where `ApiState: FromRef<S>` (axum's substates). One reference count to clone.
#[derive(Clone)]
pub struct ApiState(Arc<ApiParts>);

/// The parts of an [`ApiState`].
pub struct ApiParts {
    pub verifier: Arc<Verifier>,
    /// For `GetUser` (the e-mail an access token does not carry).
    pub cognito: Cognito,
    /// Where a token Cognito refuses is remembered as revoked.
    pub revocations: Arc<Revocations>,
    /// `/api/me` answers by token, each until its token expires.
    pub me_answers: Arc<MeCache>,
}

impl ApiState {
    pub fn new(parts: ApiParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for ApiState {
    type Target = ApiParts;
    fn deref(&self) -> &ApiParts {
        &self.0
    }
}

impl FromRef<ApiState> for Arc<Verifier> {
    fn from_ref(state: &ApiState) -> Self {
        state.verifier.clone()
    }
}

/// `/api/me`'s answer for each token (by `jti`) until the token expires: what it says never
/// changes for a token, so a page that calls the API repeatedly costs Cognito one `GetUser` per
/// token, and the server one JSON encoding, not one per request.
/// The answer is kept with the `sub` it was made for and served only to that `sub`: a `jti` is
/// unique per token on Cognito, but an answer must never reach another person if it were not.
pub type MeCache = ExpiringMap<(Arc<str>, Bytes)>;

/// At most this many answers are remembered (about 400 bytes each).
pub const ME_CACHE_MAX: usize = 10_000;

/// An answer is reused for at most this long: GetUser is also what notices a token Cognito no
/// longer accepts (an operator's global sign-out, a disabled user) when nothing told this app's
/// store, so a reused 200 must not outlive such a revocation by more than this.
pub const ME_CACHE_SECS: i64 = 60;

/// A token GetUser refuses with more than this left (by this server's clock) was revoked at
/// Cognito; with less, it may just have run out by Cognito's clock.
const REVOKED_IF_LEFT_SECS: u64 = 30;

async fn me(State(state): State<ApiState>, auth: Authenticated) -> Response {
    let claims = &auth.claims;
    let now = now_unix();
    let cached = claims.jti.as_deref().and_then(|jti| state.me_answers.get(jti, now));
    let body = match cached.filter(|(sub, _)| **sub == *claims.sub) {
        Some((_, body)) => body,
        None => {
            // The token is already verified; GetUser adds the e-mail (access tokens carry none)
            // and, on real Cognito, fails for a token Cognito no longer accepts: revoked by a
            // global sign-out (an operator's too), or of a disabled user. That is a 401 — and a
            // revocation every instance and the API see from now on, without asking Cognito.
            let email = match state.cognito.email_of(auth.token()).await {
                Ok(email) => Some(email),
                // Cognito also says this of a token in its last seconds (by its clock): only one
                // with time to spare was revoked, and only that is remembered as revoked.
                Err(AuthError::SessionExpired) => {
                    if claims.exp > now + REVOKED_IF_LEFT_SECS {
                        revoked_at_cognito(&state, &auth, now).await;
                    }
                    return auth.refuse(TokenError::Revoked).into_response();
                }
                // Cognito unreachable: the verified claims still answer; the e-mail is left out,
                // and the answer not kept.
                Err(_) => None,
            };
            let keep = email.is_some();
            let email = email.flatten();
            let me = Me {
                sub: claims.sub.clone(),
                username: claims.username.clone(),
                email,
                groups: claims.groups.clone(),
                scopes: claims.scopes().map(str::to_owned).collect(),
                client_id: claims.client_id.clone(),
                expires_at: claims.exp,
                issued_at: claims.iat,
            };
            let Ok(body) = serde_json::to_vec(&me) else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let body = Bytes::from(body);
            if let Some(jti) = claims.jti.clone().filter(|_| keep) {
                let until = claims.exp.min(now + ME_CACHE_SECS as u64);
                state
                    .me_answers
                    .insert(jti, until, (Arc::from(claims.sub.as_str()), body.clone()), now);
            }
            body
        }
    };
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

/// Cognito refused a token this API had verified (GetUser said `NotAuthorized`): its family is
/// refused from now on in the session store, so the session it belongs to is signed out at its
/// next page and no other instance asks Cognito again.
async fn revoked_at_cognito(state: &ApiState, auth: &Authenticated, now: u64) {
    tracing::info!("Cognito no longer accepts a verified token (revoked or disabled there); refused");
    if state
        .revocations
        .revoke_session(&auth.claims.sub, "", auth.token(), now as i64)
        .await
        .is_err()
    {
        tracing::warn!("the session store did not take a token Cognito refused; this instance refuses it at GetUser");
    }
}

/// The token-checked routes, mounted under `/api`, in any router whose state gives an
/// [`ApiState`].
pub fn routes<S>() -> Router<S>
where
    ApiState: FromRef<S>,
    Arc<Verifier>: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route("/api/me", get(me))
}
