//! The API routes and the bearer-token extractor that guards them.

use super::{ApiErrorBody, Me};
use crate::auth::expiring::{ExpiringMap, now_unix};
use crate::auth::verifier::{AccessClaims, TokenError, Verifier};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::{Arc, LazyLock};

const REALM: &str = "leptos-cognito";

/// Why an API request was refused: each case becomes the RFC 6750 answer for it.
#[derive(Debug)]
pub enum ApiError {
    /// No bearer credentials (no `Authorization` header, or one with another scheme such as
    /// `Basic`): 401 with a bare challenge and no error code, as RFC 6750 §3.1 asks.
    MissingToken,
    /// A `Bearer` header that is malformed (no token, spaces in it, sent twice).
    BadRequest,
    Invalid(TokenError),
    /// A valid token without the group or scope the route needs: 403.
    InsufficientScope(String),
    /// The signing keys could not be fetched: the token cannot be judged now.
    Unavailable,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, description, challenge) = match self {
            Self::MissingToken => (
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "send an access token as `Authorization: Bearer <token>`".to_owned(),
                format!("Bearer realm=\"{REALM}\""),
            ),
            Self::BadRequest => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the Authorization header must be `Bearer <token>`".to_owned(),
                format!("Bearer realm=\"{REALM}\", error=\"invalid_request\""),
            ),
            Self::Invalid(TokenError::JwksUnavailable | TokenError::StoreUnavailable) | Self::Unavailable => {
                let body = ApiErrorBody {
                    error: "temporarily_unavailable".into(),
                    error_description: "the token cannot be checked right now; try again shortly".into(),
                };
                let mut res = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                return res;
            }
            // The answer a flood of forged tokens gets: made once per reason, then only copied.
            Self::Invalid(e) => return invalid_token(&e),
            Self::InsufficientScope(needed) => {
                let description = format!("this route needs {needed}");
                let challenge = format!(
                    "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", error_description=\"{description}\""
                );
                (StatusCode::FORBIDDEN, "insufficient_scope", description, challenge)
            }
        };
        let mut res = (
            status,
            Json(ApiErrorBody {
                error: code.into(),
                error_description: description,
            }),
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        res
    }
}

/// 401 `invalid_token` with the reason, in the body and in `WWW-Authenticate` (RFC 6750 §3).
fn invalid_token(e: &TokenError) -> Response {
    static ANSWERS: LazyLock<Vec<(HeaderValue, Bytes)>> = LazyLock::new(|| {
        TokenError::ALL
            .iter()
            .map(|e| {
                let challenge = format!("Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{e}\"");
                let body = serde_json::to_vec(&ApiErrorBody {
                    error: "invalid_token".into(),
                    error_description: e.to_string(),
                })
                .unwrap_or_default();
                (
                    HeaderValue::from_maybe_shared(Bytes::from(challenge))
                        .unwrap_or_else(|_| HeaderValue::from_static("Bearer")),
                    Bytes::from(body),
                )
            })
            .collect()
    });
    let Some((challenge, body)) = ANSWERS.get(e.index()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, challenge.clone()),
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ],
        body.clone(),
    )
        .into_response()
}

/// A request whose bearer token is a valid access token of this pool and app client.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// Shared with the verifier's cache of verified tokens: copying them costs nothing.
    pub claims: Arc<AccessClaims>,
    /// The `Authorization` header, kept for calls made on the user's behalf (Cognito
    /// `GetUser`): a reference-counted copy, not a copy of the token. Never logged.
    authorization: HeaderValue,
}

impl Authenticated {
    /// The raw access token.
    fn token(&self) -> &str {
        self.authorization
            .to_str()
            .ok()
            .and_then(|value| value.split_once(' '))
            .map_or("", |(_, token)| token.trim())
    }

    /// Refuses the request (403) unless the user is in `group` (`cognito:groups`).
    pub fn require_group(&self, group: &str) -> Result<(), ApiError> {
        if self.claims.groups.iter().any(|g| g == group) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(format!("the group `{group}`")))
        }
    }

    /// Refuses the request (403) unless the token carries the OAuth `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        if self.claims.scopes().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(format!("the scope `{scope}`")))
        }
    }
}

/// The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235).
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(ApiError::MissingToken);
    };
    if values.next().is_some() {
        return Err(ApiError::BadRequest);
    }
    let value = value.to_str().map_err(|_| ApiError::BadRequest)?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::MissingToken);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Err(ApiError::BadRequest);
    }
    Ok(token)
}

impl<S> FromRequestParts<S> for Authenticated
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let verifier = Arc::<Verifier>::from_ref(state);
        // Refusals are counted and logged (sampled) by the verifier, not here per request.
        let claims = verifier.verify_access(token).await.map_err(ApiError::Invalid)?;
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .cloned()
            .ok_or(ApiError::MissingToken)?;
        Ok(Self { claims, authorization })
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

async fn me(State(state): State<AppState>, auth: Authenticated) -> Response {
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
                Err(crate::error::AppError::SessionExpired) => {
                    if claims.exp > now + REVOKED_IF_LEFT_SECS {
                        revoked_at_cognito(&state, &auth, now).await;
                    }
                    return ApiError::Invalid(TokenError::Revoked).into_response();
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
async fn revoked_at_cognito(state: &AppState, auth: &Authenticated, now: u64) {
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

/// The token-checked routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/me", get(me))
}
