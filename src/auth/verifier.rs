//! Verifies Cognito JWTs as strictly as AWS's own `aws-jwt-verify`.
//!
//! Every rule is spelled out here, since `jsonwebtoken`'s defaults are not enough for Cognito:
//! - RS256 only, `kid` required, keys only from the pool's JWKS (never `jku`, `x5u`, `jwk`);
//! - `iss` exactly the configured issuer, `exp` required, `nbf` honoured, leeway 0 by default;
//! - `token_use` and `client_id` (access) or `aud` (ID) checked against the configuration
//!   (Cognito access tokens carry no `aud`).
//!
//! **Cheap checks first.** A public API meets floods of forged, expired and foreign tokens, so a
//! token is refused on everything that needs no cryptography — its size and shape, its header,
//! every claim — before its key is looked up or its signature checked. Refusing on claims that
//! are not yet verified is safe: they can only make a token fail, never pass. Unlike
//! `aws-jwt-verify`, which checks the signature first, this tells an unsigned sender which
//! issuer and app client are accepted; neither is a secret (the issuer is the pool's public URL,
//! a client id is no credential). Only a token whose claims would all pass costs an
//! RSA verification. Refusals are counted per reason ([`Verifier::refusals`]); the log gets one
//! line per [`REFUSAL_LOG_EVERY`] at most, not one per request.
//!
//! **Keys parsed once.** The signature is checked with `aws-lc-rs` (the crypto backend
//! `jsonwebtoken` uses too) against a key parsed once per JWKS fetch: `jsonwebtoken::decode`
//! rebuilds the RSA key from `n` and `e` for every token (README, "The token-checked API", for
//! the figures). `jsonwebtoken` still reads the header and the JWKS's keys.
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
use crate::auth::session::store::{Revocations, StoreDown};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Longest bearer token accepted; Cognito's are about 1 KiB. Checked before any decoding.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// After a JWKS fetch, an unknown `kid` is rejected without fetching again for this long.
pub const REFETCH_PENALTY: Duration = Duration::from_secs(10);
/// At most this many verified access tokens are remembered (about 1 KiB each).
pub const VERIFIED_CACHE_MAX: usize = 10_000;
/// Refused tokens are logged at most once in this many seconds, with the counts so far.
pub const REFUSAL_LOG_EVERY: u64 = 10;
/// The decoded payload of the largest token accepted fits here (base64: 4 characters, 3 bytes).
const MAX_PAYLOAD_BYTES: usize = MAX_TOKEN_BYTES / 4 * 3;
/// An RSA signature of the largest key accepted (8192 bits).
const MAX_SIGNATURE_BYTES: usize = 8192 / 8;

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
    #[error("the token has been revoked")]
    Revoked,
    /// The session store (revocations) could not be asked: a token that cannot be checked
    /// is not accepted.
    #[error("the token's revocation cannot be checked right now")]
    StoreUnavailable,
}

/// The reasons of [`TokenError::ALL`] as metric labels, in the same order.
const REFUSAL_LABELS: [&str; TokenError::ALL.len()] = [
    "too_large",
    "malformed",
    "algorithm",
    "missing_kid",
    "unknown_kid",
    "jwks_unavailable",
    "signature",
    "expired",
    "not_yet_valid",
    "issuer",
    "not_access",
    "not_id",
    "client",
    "claims",
    "revoked",
    "store_unavailable",
];

impl TokenError {
    /// Every reason, in the order of [`Verifier::refusals`].
    pub const ALL: [TokenError; 16] = [
        Self::TooLarge,
        Self::Malformed,
        Self::Algorithm,
        Self::MissingKid,
        Self::UnknownKid,
        Self::JwksUnavailable,
        Self::Signature,
        Self::Expired,
        Self::NotYetValid,
        Self::Issuer,
        Self::TokenUse("access"),
        Self::TokenUse("ID"),
        Self::Client,
        Self::Claims,
        Self::Revoked,
        Self::StoreUnavailable,
    ];

    /// Its position in [`TokenError::ALL`].
    pub fn index(&self) -> usize {
        match self {
            Self::TooLarge => 0,
            Self::Malformed => 1,
            Self::Algorithm => 2,
            Self::MissingKid => 3,
            Self::UnknownKid => 4,
            Self::JwksUnavailable => 5,
            Self::Signature => 6,
            Self::Expired => 7,
            Self::NotYetValid => 8,
            Self::Issuer => 9,
            Self::TokenUse("access") => 10,
            Self::TokenUse(_) => 11,
            Self::Client => 12,
            Self::Claims => 13,
            Self::Revoked => 14,
            Self::StoreUnavailable => 15,
        }
    }
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
    /// One per refresh token: every access token issued from it carries the same (when the app
    /// client has token revocation on). What a sign-out revokes (`auth::session::store`).
    #[serde(default)]
    pub origin_jti: Option<String>,
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
    /// The `nonce` of the sign-in request this token answers (the pool's OAuth endpoints).
    #[serde(default)]
    pub nonce: Option<String>,
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

/// A signing key of the pool, parsed once when the JWKS is fetched.
type Key = Arc<ParsedPublicKey>;

/// What a token must say to pass, checked before its signature.
#[derive(Clone, Copy)]
enum Expect<'a> {
    /// `token_use` = `access`, `client_id` one of these.
    Access(&'a [String]),
    /// `token_use` = `id`, `aud` one of these.
    Id(&'a [String]),
}

/// The claims every check reads, borrowed from the decoded payload (a string is copied only if
/// it holds JSON escapes; a missing one reads as empty). Whatever else the payload holds is
/// skipped unread.
#[derive(Deserialize)]
struct CheckedClaims<'a> {
    #[serde(borrow, default)]
    iss: Cow<'a, str>,
    /// Required, but its value is the caller's business.
    #[serde(default)]
    sub: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    exp: Option<u64>,
    #[serde(default)]
    nbf: Option<u64>,
    #[serde(borrow, default)]
    token_use: Cow<'a, str>,
    #[serde(borrow, default)]
    client_id: Cow<'a, str>,
    #[serde(default)]
    aud: Option<Audience>,
}

/// `aud` is one string or a list of them (RFC 7519 §4.1.3); Cognito sends one. Only ID tokens
/// have it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn any(&self, accepted: &[String]) -> bool {
        match self {
            Self::One(aud) => accepted.contains(aud),
            Self::Many(auds) => auds.iter().any(|aud| accepted.contains(aud)),
        }
    }
}

/// A token of the right shape whose claims would pass: what is left is its key and signature.
struct Candidate<'t> {
    kid: String,
    /// `header.payload`, the signed bytes.
    signed: &'t str,
    payload: &'t str,
    signature: &'t str,
}

struct Refetch {
    last: Option<Instant>,
}

/// Refused tokens by reason, and when the last log line about them was written.
struct Refusals {
    counts: [AtomicU64; TokenError::ALL.len()],
    logged_at: AtomicU64,
}

pub struct Verifier {
    config: VerifierConfig,
    http: reqwest::Client,
    keys: RwLock<Arc<HashMap<String, Key>>>,
    refetch: tokio::sync::Mutex<Refetch>,
    fetches: AtomicU64,
    /// Whole token → its claims, for tokens that passed every check.
    verified: ExpiringMap<Arc<AccessClaims>>,
    refusals: Refusals,
    /// Signed-out sessions and people: asked after every check, cached tokens too.
    revocations: Arc<Revocations>,
}

impl Verifier {
    pub fn new(config: VerifierConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(1500))
            .timeout(Duration::from_secs(3))
            // A JWKS URL that redirects elsewhere is not the pool's JWKS.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            config,
            http,
            keys: RwLock::new(Arc::default()),
            refetch: tokio::sync::Mutex::new(Refetch { last: None }),
            fetches: AtomicU64::new(0),
            verified: ExpiringMap::new(VERIFIED_CACHE_MAX),
            refusals: Refusals {
                counts: std::array::from_fn(|_| AtomicU64::new(0)),
                logged_at: AtomicU64::new(0),
            },
            revocations: Arc::new(Revocations::in_memory()),
        })
    }

    /// Refuses the tokens `revocations` names (the server's sign-outs), from then on.
    pub fn with_revocations(mut self, revocations: Arc<Revocations>) -> Self {
        self.revocations = revocations;
        self
    }

    /// How many times the JWKS has been fetched (for tests and metrics).
    pub fn jwks_fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// How many tokens were refused since start, for each reason of [`TokenError::ALL`].
    pub fn refusals(&self) -> [(TokenError, u64); TokenError::ALL.len()] {
        std::array::from_fn(|i| {
            (
                TokenError::ALL[i].clone(),
                self.refusals.counts[i].load(Ordering::Relaxed),
            )
        })
    }

    /// Verifies a Cognito access token.
    pub async fn verify_access(&self, token: &str) -> Result<Arc<AccessClaims>, TokenError> {
        let now = now_unix();
        let claims = match self.remembered(token, now) {
            Some(claims) => claims,
            None => match self.verify(token, Expect::Access(&self.config.client_ids), now).await {
                Ok(claims) => {
                    let claims = Arc::new(claims);
                    self.remember(token, &claims, now);
                    claims
                }
                Err(e) => return Err(self.refused(e, now)),
            },
        };
        // After the cache, never before it: a token remembered as valid is still refused the
        // moment its session is signed out.
        // Asked with the leeway taken off the clock: a revocation lasts as long as a token it
        // covers still passes `exp + leeway`.
        let leeway = self.config.leeway.as_secs() as i64;
        match self.revocations.is_revoked(&claims, now as i64 - leeway).await {
            Ok(false) => {}
            Ok(true) => return Err(self.refused(TokenError::Revoked, now)),
            Err(StoreDown) => return Err(self.refused(TokenError::StoreUnavailable, now)),
        }
        metrics::counter!("api_verifications_total", "outcome" => "ok").increment(1);
        Ok(claims)
    }

    /// Verifies a Cognito ID token (for routes that ask for one).
    pub async fn verify_id(&self, token: &str) -> Result<IdClaims, TokenError> {
        let now = now_unix();
        self.verify(token, Expect::Id(&self.config.client_ids), now)
            .await
            .map_err(|e| self.refused(e, now))
    }

    /// Counts a refusal; logs one line per [`REFUSAL_LOG_EVERY`] at most, with the totals.
    fn refused(&self, e: TokenError, now: u64) -> TokenError {
        self.refusals.counts[e.index()].fetch_add(1, Ordering::Relaxed);
        metrics::counter!("api_verifications_total", "outcome" => REFUSAL_LABELS[e.index()]).increment(1);
        let last = self.refusals.logged_at.load(Ordering::Relaxed);
        if now >= last.saturating_add(REFUSAL_LOG_EVERY)
            && self
                .refusals
                .logged_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let totals: Vec<String> = self
                .refusals()
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(reason, n)| format!("{reason}: {n}"))
                .collect();
            tracing::info!(reason = %e, totals = %totals.join("; "), "bearer token refused (one line per {REFUSAL_LOG_EVERY} s at most; totals since start)");
        }
        e
    }

    /// The claims of a token that passed every check before and is still within `exp` and
    /// `nbf` (with the same leeway as a full check).
    fn remembered(&self, token: &str, now: u64) -> Option<Arc<AccessClaims>> {
        let leeway = self.config.leeway.as_secs();
        // Stored until `exp + leeway`, the last second a full check would still pass.
        let claims = self.verified.get(token, now)?;
        claims
            .nbf
            .is_none_or(|nbf| nbf <= now.saturating_add(leeway))
            .then_some(claims)
    }

    fn remember(&self, token: &str, claims: &Arc<AccessClaims>, now: u64) {
        let until = claims.exp.saturating_add(self.config.leeway.as_secs());
        self.verified.insert(token.to_owned(), until, claims.clone(), now);
    }

    /// How many verified tokens are remembered (for tests and metrics).
    pub fn remembered_tokens(&self) -> usize {
        self.verified.len()
    }

    async fn verify<T: for<'de> Deserialize<'de>>(
        &self,
        token: &str,
        expect: Expect<'_>,
        now: u64,
    ) -> Result<T, TokenError> {
        // No cryptography and no I/O until the token is one that would pass.
        let candidate = self.precheck(token, expect, now)?;
        let key = self.key(&candidate.kid).await?;
        let mut signature = [0u8; MAX_SIGNATURE_BYTES];
        let len = URL_SAFE_NO_PAD
            .decode_slice(candidate.signature, &mut signature)
            .map_err(|_| TokenError::Signature)?;
        key.verify_sig(candidate.signed.as_bytes(), &signature[..len])
            .map_err(|_| TokenError::Signature)?;
        // Signed and checked: now the claims are read in full, into the caller's type.
        let mut payload = vec![0u8; candidate.payload.len() / 4 * 3 + 3];
        let len = URL_SAFE_NO_PAD
            .decode_slice(candidate.payload, &mut payload)
            .map_err(|_| TokenError::Malformed)?;
        serde_json::from_slice(&payload[..len]).map_err(|_| TokenError::Claims)
    }

    /// Every check that needs neither the key nor the signature, in the order `aws-jwt-verify`
    /// reports them: shape, header, then the claims.
    fn precheck<'t>(&self, token: &'t str, expect: Expect<'_>, now: u64) -> Result<Candidate<'t>, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        // A JWS has three segments. Cognito's refresh token is a five-segment JWE: it is refused
        // here, before anything is decoded.
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let signed = &token[..header.len() + 1 + payload.len()];
        let header = jsonwebtoken::decode_header(token).map_err(|_| unparsable_header(token))?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Algorithm);
        }
        let kid = header.kid.ok_or(TokenError::MissingKid)?;

        let mut buffer = [0u8; MAX_PAYLOAD_BYTES];
        let len = URL_SAFE_NO_PAD
            .decode_slice(payload, &mut buffer)
            .map_err(|_| TokenError::Malformed)?;
        let claims: CheckedClaims = serde_json::from_slice(&buffer[..len]).map_err(|_| TokenError::Claims)?;
        self.check_claims(&claims, expect, now)?;
        Ok(Candidate {
            kid,
            signed,
            payload,
            signature,
        })
    }

    fn check_claims(&self, claims: &CheckedClaims<'_>, expect: Expect<'_>, now: u64) -> Result<(), TokenError> {
        let leeway = self.config.leeway.as_secs();
        let (Some(exp), Some(_)) = (claims.exp, &claims.sub) else {
            return Err(match expect {
                Expect::Id(_) if claims.aud.is_none() => TokenError::Client,
                _ => TokenError::Claims,
            });
        };
        if exp.saturating_add(leeway) < now {
            return Err(TokenError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
            return Err(TokenError::NotYetValid);
        }
        if claims.iss != self.config.issuer {
            return Err(TokenError::Issuer);
        }
        match expect {
            Expect::Access(clients) => {
                if claims.token_use != "access" {
                    return Err(TokenError::TokenUse("access"));
                }
                if !clients.iter().any(|c| *c == claims.client_id) {
                    return Err(TokenError::Client);
                }
            }
            Expect::Id(clients) => {
                if !claims.aud.as_ref().is_some_and(|aud| aud.any(clients)) {
                    return Err(TokenError::Client);
                }
                if claims.token_use != "id" {
                    return Err(TokenError::TokenUse("ID"));
                }
            }
        }
        Ok(())
    }

    async fn key(&self, kid: &str) -> Result<Key, TokenError> {
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

    fn cached(&self, kid: &str) -> Option<Key> {
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
    async fn fetch(&self) -> Result<HashMap<String, Key>, TokenError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
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

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

/// Why a header `jsonwebtoken` cannot parse was refused: an algorithm it does not even know
/// (`none`, `HS1024`) is named as such; anything else is malformed.
fn unparsable_header(token: &str) -> TokenError {
    let alg = token
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|header| header.get("alg").cloned());
    match alg {
        Some(alg) if alg != "RS256" => TokenError::Algorithm,
        _ => TokenError::Malformed,
    }
}

/// The usable signing keys of a JWKS: RSA, `use` = `sig`, RS256 (or no `alg`). Anything else is
/// skipped rather than failing the whole set. A key under 2048 bits is kept but verifies nothing
/// (aws-lc-rs checks the size on every signature): its tokens fail as `Signature`.
fn parse_keys(set: JwkSet) -> HashMap<String, Key> {
    use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
    set.keys
        .into_iter()
        .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
        .filter(|k| {
            k.common.public_key_use == Some(PublicKeyUse::Signature)
                && k.common.key_algorithm.is_none_or(|a| a == KeyAlgorithm::RS256)
        })
        .filter_map(|k| {
            let AlgorithmParameters::RSA(rsa) = &k.algorithm else {
                return None;
            };
            let n = URL_SAFE_NO_PAD.decode(&rsa.n).ok()?;
            let e = URL_SAFE_NO_PAD.decode(&rsa.e).ok()?;
            let key = RsaPublicKeyComponents { n: &n, e: &e }
                .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
                .ok()?;
            Some((k.common.key_id?, Arc::new(key)))
        })
        .collect()
}
