//! The verifier: cheap checks first, then the key, then the signature; remembered tokens; the
//! revocation hook.

use crate::cache::{ExpiringMap, now_unix};
use crate::jwks::Jwks;
use crate::{AccessClaims, IdClaims, RevocationCheck, TokenError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Longest bearer token accepted; Cognito's are about 1 KiB. Checked before any decoding.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// After a JWKS fetch, an unknown `kid` is refused without fetching again for this long.
pub const REFETCH_PENALTY: Duration = Duration::from_secs(10);
/// At most this many verified access tokens are remembered (about 1 KiB each).
pub const VERIFIED_CACHE_MAX: usize = 10_000;
/// Refused tokens are logged at most once in this many seconds, with the counts so far.
pub const REFUSAL_LOG_EVERY: u64 = 10;
/// The decoded payload of the largest token accepted fits here (base64: 4 characters, 3 bytes).
const MAX_PAYLOAD_BYTES: usize = MAX_TOKEN_BYTES / 4 * 3;
/// An RSA signature of the largest key accepted (8192 bits).
const MAX_SIGNATURE_BYTES: usize = 8192 / 8;

/// What a [`Verifier`] accepts: one pool's tokens, for some of its app clients.
///
/// ```
/// use cognito_jwt::VerifierConfig;
/// let config = VerifierConfig::for_pool("eu-west-1", "eu-west-1_AbC123xyz", ["client-1"]);
/// assert_eq!(config.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz");
/// assert_eq!(config.jwks_url, format!("{}/.well-known/jwks.json", config.issuer));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifierConfig {
    /// The pool's issuer, exactly as its tokens' `iss` says it.
    pub issuer: String,
    /// Where the pool's signing keys are (`<issuer>/.well-known/jwks.json`).
    pub jwks_url: String,
    /// App clients whose tokens are accepted (`client_id` of access tokens, `aud` of ID tokens).
    pub client_ids: Vec<String>,
    /// How far past `exp` (and before `nbf`) a token still passes: none by default, as
    /// `aws-jwt-verify`'s default (`graceSeconds: 0`).
    pub leeway: Duration,
    /// After a JWKS fetch, unknown `kid`s are refused without fetching again for this long
    /// ([`REFETCH_PENALTY`]).
    pub refetch_penalty: Duration,
    /// The realm the `axum` extractor names in `WWW-Authenticate` (RFC 6750).
    pub realm: String,
}

impl VerifierConfig {
    /// A pool of AWS: its issuer `https://cognito-idp.<region>.amazonaws.com/<pool id>` and its
    /// JWKS under it.
    pub fn for_pool(region: &str, user_pool_id: &str, client_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::new(
            format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"),
            client_ids,
        )
    }

    /// Any issuer (an emulator's, a pool behind a custom endpoint): its JWKS under it.
    pub fn new(issuer: impl Into<String>, client_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let issuer = issuer.into();
        Self {
            jwks_url: format!("{issuer}/.well-known/jwks.json"),
            issuer,
            client_ids: client_ids.into_iter().map(Into::into).collect(),
            leeway: Duration::ZERO,
            refetch_penalty: REFETCH_PENALTY,
            realm: "cognito".into(),
        }
    }

    /// The JWKS from another URL.
    pub fn with_jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = url.into();
        self
    }

    /// Tokens a little past `exp` or before `nbf` still pass (clock skew).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Another wait before an unknown `kid` fetches the JWKS again.
    pub fn with_refetch_penalty(mut self, penalty: Duration) -> Self {
        self.refetch_penalty = penalty;
        self
    }

    /// The realm named in `WWW-Authenticate`.
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }
}

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

/// `aud` may be one string or a list of them (RFC 7519 §4.1.3); Cognito's ID tokens carry one,
/// and a list is refused, as `aws-jwt-verify` refuses it. Only ID tokens have it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(serde::de::IgnoredAny),
}

impl Audience {
    fn any(&self, accepted: &[String]) -> bool {
        match self {
            Self::One(aud) => accepted.contains(aud),
            Self::Many(_) => false,
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

/// Refused tokens by reason, and when the last log line about them was written.
struct Refusals {
    counts: [AtomicU64; TokenError::ALL.len()],
    logged_at: AtomicU64,
}

/// Verifies a pool's tokens. One per process, shared (`Arc`): it holds the pool's keys and the
/// tokens it has verified.
pub struct Verifier {
    config: VerifierConfig,
    jwks: Jwks,
    /// Whole token → its claims, for tokens that passed every check.
    verified: ExpiringMap<Arc<AccessClaims>>,
    refusals: Refusals,
    /// Asked after every check, remembered tokens too.
    revocations: Option<Arc<dyn RevocationCheck>>,
    /// The set of keys `verified` was filled with.
    keys_seen: AtomicU64,
    /// `config.realm`, shared by every refusal the extractor makes (no copy per request).
    #[cfg(feature = "axum")]
    pub(crate) realm: Arc<str>,
}

/// Why a [`Verifier`] could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// No HTTP client could be made to fetch the keys (no TLS roots on the machine).
    #[error("no HTTP client for the pool's keys: {0}")]
    HttpClient(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The pinned keys are not a JWKS document.
    #[error("the keys are not a JWKS document: {0}")]
    Jwks(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier that fetches the pool's keys from `config.jwks_url` when a token names one it
    /// does not know yet (no request is made before that). Fails only if no HTTP client can be
    /// made (no TLS roots on the machine).
    ///
    /// It checks no revocation until it is given one ([`Verifier::with_revocation_check`]):
    /// without it, a token of a session that signed out is accepted until its `exp`, as with
    /// `aws-jwt-verify` without a `customJwtCheck`.
    pub fn new(config: VerifierConfig) -> Result<Self, SetupError> {
        let jwks = Jwks::fetched(config.jwks_url.clone(), config.refetch_penalty)
            .map_err(|e| SetupError::HttpClient(Box::new(e)))?;
        Ok(Self::with(config, jwks))
    }

    /// A verifier that knows these keys (a JWKS document) and never fetches any: for tests, and
    /// for keys pinned at deploy time.
    pub fn with_keys(config: VerifierConfig, jwks: &str) -> Result<Self, SetupError> {
        let jwks = Jwks::pinned(jwks).map_err(|e| SetupError::Jwks(Box::new(e)))?;
        Ok(Self::with(config, jwks))
    }

    fn with(config: VerifierConfig, jwks: Jwks) -> Self {
        Self {
            #[cfg(feature = "axum")]
            realm: Arc::from(config.realm.as_str()),
            config,
            jwks,
            verified: ExpiringMap::new(VERIFIED_CACHE_MAX),
            refusals: Refusals {
                counts: std::array::from_fn(|_| AtomicU64::new(0)),
                logged_at: AtomicU64::new(0),
            },
            revocations: None,
            keys_seen: AtomicU64::new(0),
        }
    }

    /// Refuses the tokens `check` says are revoked, from then on (see [`RevocationCheck`]).
    pub fn with_revocation_check(mut self, check: Arc<dyn RevocationCheck>) -> Self {
        self.revocations = Some(check);
        self
    }

    /// What it was made with.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// How many times the JWKS has been fetched.
    pub fn jwks_fetches(&self) -> u64 {
        self.jwks.fetches()
    }

    /// How many verified tokens are remembered.
    pub fn remembered_tokens(&self) -> usize {
        self.verified.len()
    }

    /// How many tokens were refused since start, for each reason of [`TokenError::ALL`].
    pub fn refusals(&self) -> Vec<(TokenError, u64)> {
        TokenError::ALL
            .iter()
            .zip(&self.refusals.counts)
            .map(|(reason, count)| (*reason, count.load(Ordering::Relaxed)))
            .collect()
    }

    /// Verifies a Cognito access token: shape and size, header (RS256, a `kid`), claims (`exp`,
    /// `nbf`, `iss`, `token_use` = `access`, `client_id`), then the key and the signature, then
    /// the revocation hook. A token that passed before is remembered until its `exp`; the hook
    /// is asked every time.
    ///
    /// ```
    /// use cognito_jwt::{TokenError, Verifier, VerifierConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), cognito_jwt::SetupError> {
    /// let config = VerifierConfig::for_pool("eu-west-1", "eu-west-1_AbC123xyz", ["client-1"]);
    /// let verifier = Verifier::new(config)?;
    /// // Refused on its shape, before any key is looked up (no request is made).
    /// assert_eq!(verifier.verify_access("not.a-jwt").await, Err(TokenError::Malformed));
    /// # Ok(())
    /// # }
    /// ```
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
        // moment it is revoked. Asked with the leeway taken off the clock: a revocation lasts as
        // long as a token it covers still passes `exp + leeway`.
        if let Some(check) = &self.revocations {
            let leeway = self.config.leeway.as_secs() as i64;
            match check.is_revoked(&claims, now as i64 - leeway).await {
                Ok(false) => {}
                Ok(true) => return Err(self.refused(TokenError::Revoked, now)),
                Err(crate::Unavailable) => return Err(self.refused(TokenError::RevocationUnavailable, now)),
            }
        }
        #[cfg(feature = "metrics")]
        metrics::counter!("api_verifications_total", "outcome" => "ok").increment(1);
        Ok(claims)
    }

    /// Verifies a Cognito ID token: the same checks of its shape, key, signature, `iss`, `exp`
    /// and `nbf` as an access token, with `token_use` = `id` and `aud` one of the app clients.
    /// No revocation check (an ID token is read once, when it arrives from Cognito, and never
    /// sent to an API); its `nonce` is the caller's to compare.
    pub async fn verify_id(&self, token: &str) -> Result<IdClaims, TokenError> {
        let now = now_unix();
        self.verify(token, Expect::Id(&self.config.client_ids), now)
            .await
            .map_err(|e| self.refused(e, now))
    }

    /// Counts a refusal; logs one line per [`REFUSAL_LOG_EVERY`] at most, with the totals.
    fn refused(&self, e: TokenError, now: u64) -> TokenError {
        self.refusals.counts[e.index()].fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        metrics::counter!("api_verifications_total", "outcome" => e.label()).increment(1);
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
        // Stored until `exp + leeway - 1`, the last second a full check would still pass.
        let claims = self.verified.get(token, now)?;
        claims
            .nbf
            .is_none_or(|nbf| nbf <= now.saturating_add(leeway))
            .then_some(claims)
    }

    fn remember(&self, token: &str, claims: &Arc<AccessClaims>, now: u64) {
        let until = claims
            .exp
            .saturating_add(self.config.leeway.as_secs())
            .saturating_sub(1);
        self.verified.insert(token.to_owned(), until, claims.clone(), now);
    }

    async fn verify<T: for<'de> Deserialize<'de>>(
        &self,
        token: &str,
        expect: Expect<'_>,
        now: u64,
    ) -> Result<T, TokenError> {
        // No cryptography and no I/O until the token is one that would pass.
        let candidate = self.precheck(token, expect, now)?;
        let key = self.jwks.key(&candidate.kid).await;
        // The keys were fetched again: one may have left the set, so nothing verified with the
        // old set is trusted any more.
        let generation = self.jwks.generation();
        if self.keys_seen.swap(generation, Ordering::SeqCst) != generation {
            self.verified.clear();
        }
        let key = key?;
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
        // RFC 7519 §4.1.4: valid only *before* `exp`.
        if exp.saturating_add(leeway) <= now {
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
                    return Err(TokenError::NotAccessToken);
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
                    return Err(TokenError::NotIdToken);
                }
            }
        }
        Ok(())
    }
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
