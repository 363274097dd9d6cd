//! The `Authorization: Bearer` extractor for axum, and the RFC 6750 answer to every refusal.
//!
//! ```no_run
//! use axum::{Json, Router, routing::get};
//! use cognito_jwt::axum::Authenticated;
//! use cognito_jwt::{Verifier, VerifierConfig};
//! use std::sync::Arc;
//!
//! async fn me(auth: Authenticated) -> Json<String> {
//!     Json(auth.claims.sub.clone())
//! }
//!
//! # fn run() -> Result<(), cognito_jwt::SetupError> {
//! let config = VerifierConfig::for_pool("eu-west-1", "eu-west-1_AbC123xyz", ["client-1"]);
//! let verifier = Arc::new(Verifier::new(config)?);
//! let app: Router = Router::new().route("/me", get(me)).with_state(verifier);
//! # Ok(())
//! # }
//! ```

use crate::{AccessClaims, TokenError, Verifier};
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

/// A request whose bearer token is a valid access token of the pool and an accepted app client.
/// Takes the verifier from the router's state (`Arc<Verifier>: FromRef<S>`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Authenticated {
    /// Shared with the verifier's cache of verified tokens: copying them costs nothing.
    pub claims: Arc<AccessClaims>,
    /// The `Authorization` header, kept for calls made on the user's behalf (Cognito `GetUser`):
    /// a reference-counted copy, not a copy of the token. Never logged.
    authorization: HeaderValue,
    realm: Arc<str>,
}

impl Authenticated {
    /// The raw access token, for calls made on the user's behalf.
    pub fn token(&self) -> &str {
        self.authorization
            .to_str()
            .ok()
            .and_then(|value| value.split_once(' '))
            .map_or("", |(_, token)| token.trim())
    }

    /// Refuses the request (403 `insufficient_scope`) unless the user is in `group`
    /// (`cognito:groups`).
    pub fn require_group(&self, group: &str) -> Result<(), BearerError> {
        if self.claims.groups.iter().any(|g| g == group) {
            Ok(())
        } else {
            Err(self.insufficient(format!("the group `{group}`")))
        }
    }

    /// Refuses the request (403 `insufficient_scope`) unless the token carries the OAuth `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), BearerError> {
        if self.claims.scopes().any(|s| s == scope) {
            Ok(())
        } else {
            Err(self.insufficient(format!("the scope `{scope}`")))
        }
    }

    /// The answer to refuse this request for `error` (a check made after the extractor, such as
    /// a revocation learnt from Cognito itself).
    pub fn refuse(&self, error: TokenError) -> BearerError {
        BearerError {
            kind: Kind::Invalid(error),
            realm: self.realm.clone(),
        }
    }

    fn insufficient(&self, needed: String) -> BearerError {
        BearerError {
            kind: Kind::InsufficientScope(needed),
            realm: self.realm.clone(),
        }
    }
}

/// Why a request was refused; each case is its RFC 6750 answer ([`IntoResponse`]), with a JSON
/// body `{"error": …, "error_description": …}`.
#[derive(Clone, Debug)]
pub struct BearerError {
    kind: Kind,
    realm: Arc<str>,
}

#[derive(Clone, Debug)]
enum Kind {
    /// No bearer credentials (no `Authorization` header, or another scheme such as `Basic`): 401
    /// with a bare challenge and no error code, as RFC 6750 §3.1 asks.
    Missing,
    /// A `Bearer` header that is malformed (no token, spaces in it, sent twice): 400.
    BadRequest,
    /// 401 `invalid_token` with the reason; 503 when the token could not be judged now.
    Invalid(TokenError),
    /// A valid token without the group or scope the route needs: 403.
    InsufficientScope(String),
}

impl BearerError {
    /// The token's own refusal, if that is what this is.
    pub fn token_error(&self) -> Option<TokenError> {
        match self.kind {
            Kind::Invalid(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            Kind::Missing => StatusCode::UNAUTHORIZED,
            Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::Invalid(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Invalid(_) => StatusCode::UNAUTHORIZED,
            Kind::InsufficientScope(_) => StatusCode::FORBIDDEN,
        }
    }
}

fn json_body(error: &str, description: &str) -> Bytes {
    Bytes::from(serde_json::json!({ "error": error, "error_description": description }).to_string())
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let realm = &self.realm;
        let status = self.status();
        let (body, challenge) = match &self.kind {
            Kind::Missing => (
                json_body(
                    "missing_token",
                    "send an access token as `Authorization: Bearer <token>`",
                ),
                Some(format!("Bearer realm=\"{realm}\"")),
            ),
            Kind::BadRequest => (
                json_body("invalid_request", "the Authorization header must be `Bearer <token>`"),
                Some(format!("Bearer realm=\"{realm}\", error=\"invalid_request\"")),
            ),
            Kind::Invalid(e) if e.is_unavailable() => {
                let body = json_body(
                    "temporarily_unavailable",
                    "the token cannot be checked right now; try again shortly",
                );
                let mut res = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                return res;
            }
            // The answer a flood of forged tokens gets: made once per realm and reason, then only
            // copied.
            Kind::Invalid(e) => return invalid_token(realm, *e),
            Kind::InsufficientScope(needed) => {
                let description = format!("this route needs {needed}");
                let challenge = format!(
                    "Bearer realm=\"{realm}\", error=\"insufficient_scope\", error_description=\"{description}\""
                );
                (json_body("insufficient_scope", &description), Some(challenge))
            }
        };
        let mut res = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        res
    }
}

/// 401 `invalid_token` with the reason, in the body and in `WWW-Authenticate` (RFC 6750 §3).
fn invalid_token(realm: &Arc<str>, e: TokenError) -> Response {
    type Answers = HashMap<(Arc<str>, TokenError), (HeaderValue, Bytes)>;
    static ANSWERS: OnceLock<RwLock<Answers>> = OnceLock::new();
    let answers = ANSWERS.get_or_init(RwLock::default);
    let key = (realm.clone(), e);
    let cached = answers
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        .cloned();
    let (challenge, body) = cached.unwrap_or_else(|| {
        let challenge = format!("Bearer realm=\"{realm}\", error=\"invalid_token\", error_description=\"{e}\"");
        let made = (
            HeaderValue::from_str(&challenge).unwrap_or_else(|_| HeaderValue::from_static("Bearer")),
            json_body("invalid_token", &e.to_string()),
        );
        let mut answers = answers.write().unwrap_or_else(PoisonError::into_inner);
        // A handful of realms in one process; a map that grew past that is started over.
        if answers.len() > 256 {
            answers.clear();
        }
        answers.insert(key, made.clone());
        made
    });
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, challenge),
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ],
        body,
    )
        .into_response()
}

/// The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235).
fn bearer(parts: &Parts) -> Result<&str, Kind> {
    let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(Kind::Missing);
    };
    if values.next().is_some() {
        return Err(Kind::BadRequest);
    }
    let value = value.to_str().map_err(|_| Kind::BadRequest)?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Kind::Missing);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Err(Kind::BadRequest);
    }
    Ok(token)
}

impl<S> FromRequestParts<S> for Authenticated
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = BearerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let realm = verifier.realm.clone();
        let refuse = |kind| BearerError {
            kind,
            realm: realm.clone(),
        };
        let token = bearer(parts).map_err(refuse)?;
        // Refusals are counted and logged (sampled) by the verifier, not here per request.
        let claims = verifier
            .verify_access(token)
            .await
            .map_err(|e| refuse(Kind::Invalid(e)))?;
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .cloned()
            .ok_or_else(|| refuse(Kind::Missing))?;
        Ok(Self {
            claims,
            authorization,
            realm,
        })
    }
}
