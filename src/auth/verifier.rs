//! Verifies Cognito JWTs as strictly as AWS's own `aws-jwt-verify`.
//!
//! `jsonwebtoken`'s defaults are not enough for Cognito: it checks `iss` only when told, allows
//! 60 s of leeway, ignores `nbf`, and Cognito access tokens carry no `aud` — the app client is in
//! `client_id` instead. So every rule is spelled out here:
//! - RS256 only, `kid` required, keys only from the pool's JWKS (never `jku`, `x5u`, `jwk`);
//! - `iss` exactly the configured issuer, `exp` required, `nbf` honoured, leeway 0 by default;
//! - `token_use` and `client_id` (access) or `aud` (ID) checked against the configuration.
//!
//! The JWKS is cached by `kid`. An unknown `kid` causes at most one refetch at a time, shared by
//! every request waiting for it, and at most one per [`REFETCH_PENALTY`], so a flood of forged
//! `kid`s cannot turn into a flood of requests to Cognito.
//!
//! Access tokens that passed every check are remembered until their `exp` (as Envoy's
//! `jwt_authn` does), so a client calling the API repeatedly with the same token costs one RSA
//! verification, not one per request. Failures are never remembered, the cache is bounded, and
//! it is emptied whenever the JWKS is fetched again, so a key removed from the pool stops
//! working at once.

use crate::auth::expiring::{ExpiringMap, now_unix};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Longest bearer token accepted; Cognito's are about 1 KiB. Checked before any decoding.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// After a JWKS fetch, an unknown `kid` is rejected without fetching again for this long.
pub const REFETCH_PENALTY: Duration = Duration::from_secs(10);
/// At most this many verified access tokens are remembered (about 1 KiB each).
pub const VERIFIED_CACHE_MAX: usize = 10_000;

/// Why a token was refused. The text is safe to send to API clients (RFC 6750
/// `error_description`): it names the rule, never the token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is too large")]
    TooLarge,
    #[error("the token is not a signed JWT")]
    Malformed,
    #[error("the token's algorithm is not allowed")]
    Algorithm,
    #[error("the token has no key id")]
    MissingKid,
    #[error("the token's signing key is unknown")]
    UnknownKid,
    #[error("the signing keys could not be fetched")]
    JwksUnavailable,
    #[error("the token's signature is invalid")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's issuer is not accepted")]
    Issuer,
    #[error("the token is not an {0} token")]
    TokenUse(&'static str),
    #[error("the token was issued to another client")]
    Client,
    #[error("the token's claims are invalid")]
    Claims,
}

/// The claims of a verified Cognito access token that handlers may use.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub sub: String,
    // Defaulted so that an ID token sent here fails on `token_use`, with the reason named.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub client_id: String,
    pub token_use: String,
    pub iss: String,
    pub exp: u64,
    pub iat: u64,
    #[serde(default)]
    pub nbf: Option<u64>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    #[serde(default)]
    pub jti: Option<String>,
}

impl AccessClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace()
    }
}

/// The claims of a verified Cognito ID token.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct IdClaims {
    pub sub: String,
    pub aud: String,
    pub token_use: String,
    pub iss: String,
    pub exp: u64,
    pub iat: u64,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, rename = "cognito:username")]
    pub username: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct VerifierConfig {
    pub issuer: String,
    pub jwks_url: String,
    /// App clients whose tokens are accepted (`client_id` of access tokens, `aud` of ID tokens).
    pub client_ids: Vec<String>,
    pub leeway: Duration,
    /// After a JWKS fetch, unknown `kid`s are refused without fetching again for this long
    /// ([`REFETCH_PENALTY`] in production; tests shorten it).
    pub refetch_penalty: Duration,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RsaJwk {
    kid: String,
    kty: String,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    n: String,
    e: String,
}

struct Refetch {
    last: Option<Instant>,
}

pub struct Verifier {
    config: VerifierConfig,
    http: reqwest::Client,
    keys: RwLock<Arc<HashMap<String, DecodingKey>>>,
    refetch: tokio::sync::Mutex<Refetch>,
    fetches: std::sync::atomic::AtomicU64,
    /// Whole token → its claims, for tokens that passed every check.
    verified: ExpiringMap<AccessClaims>,
    access_validation: Validation,
    id_validation: Validation,
}

impl Verifier {
    pub fn new(config: VerifierConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(1500))
            .timeout(Duration::from_secs(3))
            // A JWKS URL that redirects elsewhere is not the pool's JWKS.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let base = |audience: Option<&[String]>| {
            let mut v = Validation::new(Algorithm::RS256);
            v.algorithms = vec![Algorithm::RS256];
            v.set_issuer(&[&config.issuer]);
            v.set_required_spec_claims(&["exp", "iss", "sub"]);
            v.leeway = config.leeway.as_secs();
            v.validate_exp = true;
            v.validate_nbf = true;
            match audience {
                Some(aud) => v.set_audience(aud),
                // Cognito access tokens have no `aud`; `client_id` is checked instead.
                None => v.validate_aud = false,
            }
            v
        };
        let access_validation = base(None);
        let id_validation = base(Some(&config.client_ids));
        Ok(Self {
            config,
            http,
            keys: RwLock::new(Arc::default()),
            refetch: tokio::sync::Mutex::new(Refetch { last: None }),
            fetches: Default::default(),
            verified: ExpiringMap::new(VERIFIED_CACHE_MAX),
            access_validation,
            id_validation,
        })
    }

    /// How many times the JWKS has been fetched (for tests and metrics).
    pub fn jwks_fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Verifies a Cognito access token.
    pub async fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let now = now_unix();
        if let Some(claims) = self.remembered(token, now) {
            return Ok(claims);
        }
        let claims: AccessClaims = self.verify(token, &self.access_validation).await?;
        if claims.token_use != "access" {
            return Err(TokenError::TokenUse("access"));
        }
        if !self.config.client_ids.contains(&claims.client_id) {
            return Err(TokenError::Client);
        }
        self.remember(token, &claims, now);
        Ok(claims)
    }

    /// The claims of a token that passed every check before and is still within `exp` and
    /// `nbf` (with the same leeway as a full check).
    fn remembered(&self, token: &str, now: u64) -> Option<AccessClaims> {
        let leeway = self.config.leeway.as_secs();
        // Stored until `exp + leeway`, the last second a full check would still pass.
        let claims = self.verified.get(token, now)?;
        claims.nbf.is_none_or(|nbf| nbf <= now + leeway).then_some(claims)
    }

    fn remember(&self, token: &str, claims: &AccessClaims, now: u64) {
        let until = claims.exp.saturating_add(self.config.leeway.as_secs());
        self.verified.insert(token.to_owned(), until, claims.clone(), now);
    }

    /// How many verified tokens are remembered (for tests and metrics).
    pub fn remembered_tokens(&self) -> usize {
        self.verified.len()
    }

    /// Verifies a Cognito ID token (for routes that ask for one).
    pub async fn verify_id(&self, token: &str) -> Result<IdClaims, TokenError> {
        let claims: IdClaims = self.verify(token, &self.id_validation).await?;
        if claims.token_use != "id" {
            return Err(TokenError::TokenUse("ID"));
        }
        Ok(claims)
    }

    async fn verify<T: for<'de> Deserialize<'de>>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<T, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        // A JWS has three segments. Cognito's refresh token is a five-segment JWE: it is refused
        // here, before anything is decoded.
        if token.split('.').count() != 3 {
            return Err(TokenError::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| unparsable_header(token))?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Algorithm);
        }
        let kid = header.kid.ok_or(TokenError::MissingKid)?;
        let key = self.key(&kid).await?;
        let data = jsonwebtoken::decode::<T>(token, &key, validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            match e.kind() {
                K::InvalidSignature | K::InvalidRsaKey(_) => TokenError::Signature,
                K::ExpiredSignature => TokenError::Expired,
                K::ImmatureSignature => TokenError::NotYetValid,
                K::InvalidIssuer => TokenError::Issuer,
                K::InvalidAudience | K::MissingRequiredClaim(_) if validation.validate_aud => TokenError::Client,
                K::InvalidAlgorithm | K::InvalidAlgorithmName => TokenError::Algorithm,
                K::InvalidToken | K::Base64(_) | K::Utf8(_) => TokenError::Malformed,
                // The header was read above, so this is the payload: claims of the wrong shape.
                K::Json(_) => TokenError::Claims,
                _ => TokenError::Claims,
            }
        })?;
        Ok(data.claims)
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, TokenError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        // One refetch at a time: the others wait here, then find the key (or the penalty box).
        let mut refetch = self.refetch.lock().await;
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        if refetch
            .last
            .is_some_and(|last| last.elapsed() < self.config.refetch_penalty)
        {
            return Err(if self.keys_empty() {
                TokenError::JwksUnavailable
            } else {
                TokenError::UnknownKid
            });
        }
        refetch.last = Some(Instant::now());
        let keys = self.fetch().await?;
        let found = keys.get(kid).cloned();
        *self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keys);
        // A key may have left the set: nothing verified with the old set is trusted any more.
        self.verified.clear();
        found.ok_or(TokenError::UnknownKid)
    }

    fn cached(&self, kid: &str) -> Option<DecodingKey> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(kid)
            .cloned()
    }

    fn keys_empty(&self) -> bool {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_empty()
    }

    /// Fetches the JWKS. A failure never lets a token through: it is reported as
    /// [`TokenError::JwksUnavailable`] and the keys already cached stay in use.
    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, TokenError> {
        self.fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let unavailable = |what: &str, e: &dyn std::fmt::Display| {
            tracing::error!(url = %self.config.jwks_url, error = %e, "JWKS {what}");
            TokenError::JwksUnavailable
        };
        let response = self
            .http
            .get(&self.config.jwks_url)
            .send()
            .await
            .map_err(|e| unavailable("fetch failed", &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(unavailable("answered an error", &status));
        }
        let set: JwkSet = response
            .json()
            .await
            .map_err(|e| unavailable("is not valid JSON", &e))?;
        Ok(parse_keys(set))
    }
}

/// Why a header `jsonwebtoken` cannot parse was refused: an algorithm it does not even know
/// (`none`, `HS1024`) is named as such; anything else is malformed.
fn unparsable_header(token: &str) -> TokenError {
    use base64::Engine as _;
    let alg = token
        .split('.')
        .next()
        .and_then(|h| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|header| header.get("alg").cloned());
    match alg {
        Some(alg) if alg != "RS256" => TokenError::Algorithm,
        _ => TokenError::Malformed,
    }
}

/// The usable signing keys of a JWKS: RSA, `use` = `sig`, RS256 (or no `alg`), with `n` and `e`.
/// Anything else is skipped rather than failing the whole set.
fn parse_keys(set: JwkSet) -> HashMap<String, DecodingKey> {
    set.keys
        .into_iter()
        .filter_map(|value| serde_json::from_value::<RsaJwk>(value).ok())
        .filter(|k| k.kty == "RSA" && k.use_.as_deref() == Some("sig") && k.alg.as_deref().is_none_or(|a| a == "RS256"))
        .filter_map(|k| Some((k.kid, DecodingKey::from_rsa_components(&k.n, &k.e).ok()?)))
        .collect()
}
