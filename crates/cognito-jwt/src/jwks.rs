//! The pool's signing keys: fetched from its JWKS, parsed once, cached by `kid`, fetched again
//! for an unknown `kid` at most once per penalty period (as `aws-jwt-verify`'s penalty box).

use crate::TokenError;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// A signing key of the pool, parsed once when the JWKS is fetched.
pub(crate) type Key = Arc<ParsedPublicKey>;

pub(crate) struct Jwks {
    /// Where the keys come from, and the client that fetches them; none for pinned keys.
    source: Option<(String, reqwest::Client)>,
    penalty: Duration,
    keys: RwLock<Arc<HashMap<String, Key>>>,
    /// When the JWKS was last fetched: one fetch at a time, the others wait for its result.
    refetch: tokio::sync::Mutex<Option<Instant>>,
    fetches: AtomicU64,
    /// Bumped each time a fetched set replaces the keys: whatever was verified with an older
    /// set is no longer trusted (a key may have left it).
    generation: AtomicU64,
}

impl Jwks {
    /// Keys fetched from `url` when a token names one not yet known.
    pub(crate) fn fetched(url: String, penalty: Duration) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(1500))
            .timeout(Duration::from_secs(3))
            // A JWKS URL that redirects elsewhere is not the pool's JWKS.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            source: Some((url, http)),
            penalty,
            keys: RwLock::new(Arc::default()),
            refetch: tokio::sync::Mutex::new(None),
            fetches: AtomicU64::new(0),
            generation: AtomicU64::new(0),
        })
    }

    /// These keys and no others (a JWKS document), never fetched.
    pub(crate) fn pinned(jwks: &str) -> Result<Self, serde_json::Error> {
        let set: JwkSet = serde_json::from_str(jwks)?;
        Ok(Self {
            source: None,
            penalty: Duration::MAX,
            keys: RwLock::new(Arc::new(parse_keys(set))),
            refetch: tokio::sync::Mutex::new(None),
            fetches: AtomicU64::new(0),
            generation: AtomicU64::new(0),
        })
    }

    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Which set of keys is in use (see `generation`).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The key `kid` names: cached, or fetched once more (unless the set was fetched within the
    /// penalty period).
    pub(crate) async fn key(&self, kid: &str) -> Result<Key, TokenError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let Some((url, http)) = &self.source else {
            return Err(TokenError::UnknownKid);
        };
        // One refetch at a time: the others wait here, then find the key (or the penalty box).
        let mut last = self.refetch.lock().await;
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        if last.is_some_and(|last| last.elapsed() < self.penalty) {
            return Err(if self.is_empty() {
                TokenError::JwksUnavailable
            } else {
                TokenError::UnknownKid
            });
        }
        *last = Some(Instant::now());
        let keys = self.fetch(url, http).await?;
        let found = keys.get(kid).cloned();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        self.generation.fetch_add(1, Ordering::SeqCst);
        found.ok_or(TokenError::UnknownKid)
    }

    fn cached(&self, kid: &str) -> Option<Key> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(kid)
            .cloned()
    }

    fn is_empty(&self) -> bool {
        self.keys.read().unwrap_or_else(PoisonError::into_inner).is_empty()
    }

    /// Fetches the JWKS. A failure never lets a token through: it is reported as
    /// [`TokenError::JwksUnavailable`], and the keys already cached stay in use.
    async fn fetch(&self, url: &str, http: &reqwest::Client) -> Result<HashMap<String, Key>, TokenError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let unavailable = |what: &str, e: &dyn std::fmt::Display| {
            tracing::error!(url, error = %e, "JWKS {what}");
            TokenError::JwksUnavailable
        };
        let response = http
            .get(url)
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
