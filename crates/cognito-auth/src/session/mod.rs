//! The server-kept session: Cognito's tokens in encrypted HttpOnly cookies, refreshed by the
//! server before they expire — Amplify's `currentSession()`, done where the browser cannot
//! touch the tokens.
//!
//! Two cookies, both AES-256-GCM encrypted and authenticated with the server's key (the
//! `cookie` crate's private jar), so they are opaque and tamper-proof to the browser and any
//! instance holding the same key can serve any request; the tokens are never stored anywhere
//! else (the session store, `store`, keeps only what revokes and lists sessions):
//! - the *session* cookie: the access token, its expiry and the user's e-mail and `sub`;
//! - the *refresh* cookie: the refresh token, which never leaves it except towards Cognito.
//!
//! Both carry the same random `session_id`, made at sign-in: one is never read without the
//! other from the same sign-in. A session cookie too big for one cookie (many groups) is split
//! into parts (`seal_session`).
//!
//! [`session_layer`] runs before every page and server function: it decrypts the cookies,
//! refreshes when the access token has less than the configured margin left
//! (`REFRESH_TOKEN_AUTH`, or `GetTokensFromRefreshToken` on an app client that rotates refresh
//! tokens, whose new refresh token then replaces the old one in its cookie), rewrites the
//! cookies, and hands the [`Session`] to the handlers through the request's extensions.
//!
//! A third cookie, short-lived, holds a sign-in that is waiting for a challenge's answer (see
//! `pending`); it is encrypted with the same key. It has to happen there, before rendering starts: a streamed page has
//! sent its headers — and so any `Set-Cookie` — before its data resolves.
//!
//! | what | file |
//! |---|---|
//! | the cookies: sealing, splitting, opening; a session started, rewritten, cleared | `mod.rs` |
//! | a request's session: opened, checked against revocations, refreshed when due | `resolve.rs` |
//! | the refresh: one at a time per session, on every instance; the revocation at Cognito | `refresh.rs` |
//! | the middleware around every page and server function | `layer.rs` |
//! | device cookies (a browser that signed in here before) | `device.rs` |

pub mod device;
mod layer;
mod refresh;
pub mod remembered;
mod resolve;

use crate::AuthError;
#[cfg(test)]
use layer::cookie_family;
pub use layer::session_layer;

use crate::clock::Clock;
use crate::cognito::{Cognito, Tokens};
use crate::limits::{Proof, ProofKind, Trust};
use crate::store::KEEP_SLACK;
use crate::{Ended, Revocations, StoreDown, family_of, records};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use base64::Engine as _;
use cookie::{Cookie, CookieJar, Key, SameSite};
use http::header::{COOKIE, HeaderValue, SET_COOKIE};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::OnceCell;

/// A signed-in user's session, as the handlers see it.
#[derive(Clone)]
pub struct Session {
    /// The access token, for Cognito's calls as the person and for the API.
    pub access_token: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// The person's e-mail address.
    pub email: String,
    /// The person's `sub`.
    pub sub: String,
    /// When this server last refreshed the tokens (Unix seconds); `None` until the first refresh.
    pub refreshed_at: Option<i64>,
    /// When the person last proved who they are with their password (Unix seconds): at
    /// sign-in, or when the account page asked again. Refreshes keep it, for the same `sub`.
    pub authenticated_at: Option<i64>,
    /// A random id made at sign-in and sealed in both cookies: a session cookie is only ever
    /// read with the refresh cookie it was issued with (a stolen refresh cookie cannot borrow
    /// someone else's fresh `authenticated_at`). It stays the same across refreshes, so it can
    /// also key a server-side record of the session.
    pub session_id: String,
}

impl Session {
    /// Whether the password was typed within `window` (`REAUTH_WINDOW_SECS`) before `now`:
    /// recently enough for a sensitive change.
    pub fn recently_authenticated(&self, now: i64, window: Duration) -> bool {
        self.authenticated_at
            .is_some_and(|at| at <= now && now - at < window.as_secs() as i64)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("email", &self.email)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What [`session_layer`] found for this request; read by server functions from the request
/// parts.
#[derive(Clone, Debug, Default)]
pub struct CurrentSession(pub Option<Session>);

#[derive(Serialize, Deserialize)]
struct SessionCookie {
    at: String,
    exp: i64,
    email: String,
    sub: String,
    #[serde(default)]
    refreshed_at: Option<i64>,
    #[serde(default)]
    auth_at: Option<i64>,
    /// [`Session::session_id`]; `None` in cookies from before the two were bound.
    #[serde(default)]
    sid: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct RefreshCookie {
    rt: String,
    /// The user's internal username, which a refresh's `SECRET_HASH` must name.
    #[serde(default)]
    un: Option<String>,
    /// [`Session::session_id`]; `None` in cookies from before the two were bound.
    #[serde(default)]
    sid: Option<String>,
    /// Signed in through the pool's own pages (a provider, managed login): signing out also
    /// ends the pool's session cookie (`/logout`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pool: bool,
    /// Whose session it is (the access token's `sub`): a person's revocation reaches a browser
    /// that kept only this cookie.
    #[serde(default)]
    sub: Option<String>,
    /// When the session began (Unix seconds), kept through refreshes and rotations: a session
    /// is over `SESSION_MAX_AGE_SECS` after it, whatever the browser kept — revocations are
    /// kept that long and no longer. `None` in cookies from before it was kept.
    #[serde(default)]
    at: Option<i64>,
    /// The family of the session's access tokens (`origin_jti`, else the last token's `jti`): a
    /// sign-out while the store is down names it even when the session is kept in the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fam: Option<String>,
    /// The remembered device the tokens were issued to (its `DEVICE_KEY`): Cognito wants it
    /// with every refresh of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dk: Option<String>,
}

/// Refresh cookies without their session's start (`RefreshCookie::at`) were last issued on this
/// day (2026-12-07, Unix seconds); such a cookie is accepted, and given a start, only until a
/// whole session lifetime after it — later it can only be a copy that never kept the new one.
const START_KEPT_SINCE: i64 = 1_796_601_600;

/// 16 random bytes, base64url: a new [`Session::session_id`]. The bytes come from the
/// operating system's CSPRNG, through the cookie crate's key generator (already a dependency;
/// no second random-number crate for one call).
pub fn new_session_id() -> String {
    let key = Key::generate();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&key.master()[..16])
}

/// Transient cookies hold their JSON padded to a multiple of this many bytes.
const TRANSIENT_PAD: usize = 1024;

/// A sealed session larger than this (bytes) is kept in the store (`Sessions::seal_session`): an
/// access token of a person in a few groups fits under it; with the refresh cookie (about 2.7 kB)
/// and a pending sign-in's (about 2 kB), the browser then sends under 7 kB.
const IN_STORE_OVER: usize = 2048;

/// What the session cookie holds when the session is kept in the store.
#[derive(Serialize, Deserialize)]
struct InStore {
    stored: String,
}

fn in_store_key(session_id: &str) -> String {
    crate::store::session_blob_key(session_id)
}

/// 128 bits of a sealed cookie's SHA-256, hex: names it without revealing it.
fn digest_of(sealed: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, sealed.as_bytes());
    digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The claims this module reads from tokens it received straight from Cognito over TLS. Such
/// tokens need no signature check here (OpenID Connect Core §3.1.3.7 allows this for tokens
/// from the token endpoint); the API verifies every token it is sent.
#[derive(Deserialize)]
struct UnverifiedClaims {
    exp: i64,
    sub: String,
    #[serde(default)]
    email: Option<String>,
    /// Access tokens: the internal username (the ID token calls it `cognito:username`).
    #[serde(default)]
    username: Option<String>,
}

fn peek_claims(jwt: &str) -> Option<UnverifiedClaims> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The current Unix time in seconds.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

type InFlight = Arc<OnceCell<Result<Tokens, AuthError>>>;

/// What the sessions are made with (the app builds it from its environment: `SESSION_KEY`,
/// `SESSION_KEY_PREVIOUS`, `APP_URL`'s scheme, `SESSION_MAX_AGE_SECS`,
/// `SESSION_REFRESH_MARGIN_SECS`).
#[derive(Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The cookies' key (64 bytes); none: a random one, so sessions end at a restart and are
    /// not shared between instances.
    pub key: Option<Vec<u8>>,
    /// While the key is rolled: cookies sealed with this one are read, and sealed again.
    pub previous_key: Option<Vec<u8>>,
    /// `Secure` cookies with the `__Host-` prefix (an https site).
    pub secure: bool,
    /// How long a session lives, whatever the browser keeps.
    pub max_age: Duration,
    /// Refresh when the access token has less than this left.
    pub refresh_margin: Duration,
}

impl SessionConfig {
    /// Sessions that live `max_age` and are refreshed `refresh_margin` before the access token
    /// ends, sealed with a random key (they end at a restart and are not shared: set `key` to
    /// 64 bytes every instance shares) in cookies without `Secure` (set `secure` behind https).
    pub fn new(max_age: Duration, refresh_margin: Duration) -> Self {
        Self {
            key: None,
            previous_key: None,
            secure: false,
            max_age,
            refresh_margin,
        }
    }
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("secure", &self.secure)
            .field("max_age", &self.max_age)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

/// Owns the cookie key and the single-flight table of refreshes under way.
pub struct Sessions {
    key: Key,
    /// While the key is being rolled (`SESSION_KEY_PREVIOUS`): cookies sealed with it are
    /// read, and sealed again with `key` in the same response.
    previous_key: Option<Key>,
    secure: bool,
    max_age: Duration,
    margin: Duration,
    cognito: Cognito,
    /// Refresh token → the one refresh call for it. Entries stay a few seconds after they
    /// finish, so requests that left the browser with the old cookie just before the new one
    /// arrived reuse the answer instead of calling Cognito again.
    in_flight: Mutex<HashMap<String, (Instant, InFlight)>>,
    refresh_calls: std::sync::atomic::AtomicU64,
    /// Signed-out sessions and people (shared with the API's verifier): a session whose access
    /// token is among them is signed out at its next request.
    revocations: Arc<Revocations>,
    /// Session id → when this instance last wrote its last-seen time, and the family it wrote:
    /// the store is written at most once a [`SEEN_EVERY`] per session and instance.
    seen: Mutex<HashMap<String, (Instant, Option<String>)>>,
    /// Signed-out sessions whose refresh token this instance has already revoked at Cognito: a
    /// copy of their cookies replayed a thousand times costs Cognito one call, not a thousand.
    revoked_here: crate::expiring::ExpiringMap<()>,
    /// The ids of accounts in device cookies and the limits' keys (keyed by `key`).
    account_ids: device::AccountIds,
    clock: Clock,
    /// The answer to a request while the store cannot check its session
    /// ([`Sessions::with_unavailable_page`]): the app's page, in the person's language.
    unavailable: fn(&http::request::Parts) -> Response,
    /// Paths the middleware leaves alone ([`Sessions::skipping`]).
    skip: fn(&str) -> bool,
    /// The sign-out's path ([`Sessions::with_sign_out_path`]): its request never refreshes.
    sign_out_path: Option<&'static str>,
}

/// At most this many sessions are remembered as revoked at Cognito (the map starts again past
/// it: one more call each, no more).
const REVOKED_HERE_MAX: usize = 10_000;

/// A session's "last seen" is this precise (per instance).
const SEEN_EVERY: Duration = Duration::from_secs(60);
/// Past this many, the table of [`Sessions::seen`] starts again (it only saves writes).
const SEEN_MAX: usize = 100_000;

/// Characters of the sealed session per cookie: with the name and the percent-encoding of
/// the base64's `/` and `=`, a part stays well under the 4,096 bytes every browser keeps.
const PART_LEN: usize = 3600;
/// At most this many session cookies (about 14 kB). Proxies cap the whole `Cookie` header (8 kB
/// per header line is nginx's default), so a session past this is refused at sign-in rather
/// than cut off somewhere in between.
const MAX_PARTS: usize = 4;

/// Short-lived encrypted cookies for a flow between two of its pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transient {
    /// A sign-in waiting for a challenge's answer (`pending`).
    SignIn,
    /// An account change waiting for a code: a new authenticator's secret, a new e-mail
    /// (`account`).
    Account,
    /// A passkey sign-in waiting for the browser's answer. A cookie of its own: the passkey
    /// autofill starts one whenever the e-mail field holds an address, which must not end a
    /// sign-in waiting for a code.
    Passkey,
    /// A sign-in through the pool's OAuth endpoints, between the redirect to the pool and the
    /// callback (`cognito::oauth::Authorization`).
    Federation,
    /// A password reset this browser asked for: the address, until the code's end. Its wrong
    /// codes count against it, not against the address (which anyone can type).
    Reset,
}

impl Transient {
    fn name(self, secure: bool) -> &'static str {
        match (self, secure) {
            (Self::SignIn, false) => "lc-sign-in",
            (Self::SignIn, true) => "__Host-lc-sign-in",
            (Self::Account, false) => "lc-account",
            (Self::Account, true) => "__Host-lc-account",
            (Self::Passkey, false) => "lc-passkey",
            (Self::Passkey, true) => "__Host-lc-passkey",
            (Self::Federation, false) => "lc-federation",
            (Self::Federation, true) => "__Host-lc-federation",
            (Self::Reset, false) => "lc-reset",
            (Self::Reset, true) => "__Host-lc-reset",
        }
    }
}

impl Sessions {
    /// Sessions sealed with `config`'s key, refreshed through `cognito`. Refuses a key that is not 64 bytes.
    pub fn new(config: &SessionConfig, cognito: Cognito) -> Result<Self, AuthError> {
        let key = match &config.key {
            Some(bytes) => Key::try_from(bytes.as_slice()).map_err(|_| AuthError::Internal)?,
            None => {
                tracing::warn!(
                    "SESSION_KEY is not set: using a random key, so sessions end when the server restarts \
                     and are not shared between instances"
                );
                Key::generate()
            }
        };
        let previous_key = match &config.previous_key {
            Some(bytes) => Some(Key::try_from(bytes.as_slice()).map_err(|_| AuthError::Internal)?),
            None => None,
        };
        let account_ids = device::AccountIds::new(&key);
        Ok(Self {
            key,
            previous_key,
            secure: config.secure,
            max_age: config.max_age,
            margin: config.refresh_margin,
            cognito,
            in_flight: Mutex::new(HashMap::new()),
            refresh_calls: Default::default(),
            revocations: Arc::new(Revocations::in_memory()),
            seen: Mutex::new(HashMap::new()),
            revoked_here: crate::expiring::ExpiringMap::new(REVOKED_HERE_MAX),
            account_ids,
            clock: Clock::system(),
            unavailable: |_| {
                (
                    http::StatusCode::SERVICE_UNAVAILABLE,
                    [(http::header::RETRY_AFTER, "5")],
                    "briefly unavailable",
                )
                    .into_response()
            },
            skip: |_| false,
            sign_out_path: None,
        })
    }

    /// Signs out, at their next request, the sessions `revocations` names, and keeps the
    /// sessions' records in its store.
    pub fn with_revocations(mut self, revocations: Arc<Revocations>) -> Self {
        self.revocations = revocations;
        self
    }

    /// The ids of accounts (an HMAC of the address with this server's key), which the device
    /// cookie and the abuse limits key by.
    pub fn account_ids(&self) -> &device::AccountIds {
        &self.account_ids
    }

    /// Reads the time from `clock` (a test's).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// What a request gets while its session cannot be checked (the store is down): by default
    /// a bare 503 with `Retry-After`; the app passes its own page.
    pub fn with_unavailable_page(mut self, page: fn(&http::request::Parts) -> Response) -> Self {
        self.unavailable = page;
        self
    }

    /// Paths the middleware leaves alone, for speed: static files, a bearer-token API, a health
    /// check. By default none (a router can also put the layer on the routes that need it).
    pub fn skipping(mut self, skip: fn(&str) -> bool) -> Self {
        self.skip = skip;
        self
    }

    /// The sign-out's path: its request never refreshes the session (a refresh there would
    /// mint the tokens the sign-out is about to revoke), and it goes through while the store is
    /// down, so a shared computer can always be left.
    pub fn with_sign_out_path(mut self, path: &'static str) -> Self {
        self.sign_out_path = Some(path);
        self
    }

    /// How many refresh calls this instance has made to Cognito (for tests and metrics).
    pub fn refresh_calls(&self) -> u64 {
        self.refresh_calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn session_name(&self) -> &'static str {
        // `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and
        // Path=/, so a sibling subdomain cannot plant or shadow it. Browsers only allow it over
        // https, so plain-http development uses bare names.
        if self.secure { "__Host-lc-session" } else { "lc-session" }
    }

    fn refresh_name(&self) -> &'static str {
        if self.secure { "__Host-lc-refresh" } else { "lc-refresh" }
    }

    fn cookie(&self, name: impl Into<std::borrow::Cow<'static, str>>, value: String) -> Cookie<'static> {
        Cookie::build((name, value))
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(cookie::time::Duration::seconds(self.max_age.as_secs() as i64))
            .build()
    }

    fn encrypt(&self, cookie: Cookie<'static>) -> Option<HeaderValue> {
        let name = cookie.name().to_owned();
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(cookie);
        let encrypted = jar.get(&name)?;
        HeaderValue::from_str(&encrypted.encoded().to_string()).ok()
    }

    /// Keeps `value` in the session store under `key` for `lifetime`, sealed as a cookie would
    /// be (the store holds ciphertext only; AES-GCM binds it to the name `key` too).
    pub async fn put_sealed(&self, key: &str, value: &str, lifetime: Duration) -> Result<(), StoreDown> {
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key)
            .add(Cookie::new(key.to_owned(), value.to_owned()));
        let sealed = jar.get(key).map(|c| c.value().to_owned()).ok_or(StoreDown)?;
        let now = self.clock.now();
        self.revocations
            .store()
            .put_blob(key, &sealed, now + lifetime.as_secs() as i64 + 1, now)
            .await
    }

    /// What [`Self::put_sealed`] kept under `key`, opened (`None`: gone, or not sealed here).
    pub async fn get_sealed(&self, key: &str) -> Result<Option<String>, StoreDown> {
        let Some(sealed) = self.revocations.store().get_blob(key, self.clock.now()).await? else {
            return Ok(None);
        };
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(key.to_owned(), sealed));
        let opened = jar
            .private(&self.key)
            .get(key)
            .or_else(|| self.previous_key.as_ref().and_then(|k| jar.private(k).get(key)));
        Ok(opened.map(|c| c.value().to_owned()))
    }

    /// The session cookie holding `value` — sealed, and kept in the store when it is large.
    ///
    /// Browsers drop a cookie over 4,096 bytes without a word, proxies refuse a `Cookie` header
    /// past 8 kB (nginx's default), and the access token grows with every group the user is in
    /// (`cognito:groups`): 80 groups make a sealed session of about 6 kB. So a sealed session
    /// over [`IN_STORE_OVER`] is kept in the session store, keyed by the session's id (sealed
    /// first: the store holds ciphertext only), and the cookie names it ([`InStore`]): with the
    /// refresh cookie and any other of the app's, the browser sends well under 7 kB.
    ///
    /// Where the store cannot take it (down), the sealed value is cut into parts of
    /// [`PART_LEN`] characters instead: the first keeps the cookie's name and starts with the
    /// number of parts (`3.`, never part of the sealed value's base64), the others are named
    /// `…-2`, `…-3`. Only that many parts are read back, so parts left over from a bigger session
    /// are ignored until they expire.
    async fn seal_session(&self, session_id: &str, value: String) -> Result<Vec<HeaderValue>, AuthError> {
        let name = self.session_name();
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(self.cookie(name, value));
        let sealed = jar.get(name).map(|c| c.value().to_owned()).ok_or(AuthError::Internal)?;
        if sealed.len() > IN_STORE_OVER && !session_id.is_empty() {
            let now = self.clock.now();
            let until = now + self.max_age.as_secs() as i64 + KEEP_SLACK;
            let kept = self
                .revocations
                .store()
                .put_blob(&in_store_key(session_id), &sealed, until, now)
                .await;
            match kept {
                Ok(()) => {
                    let reference = serde_json::to_string(&InStore {
                        stored: session_id.to_owned(),
                    })
                    .map_err(|_| AuthError::Internal)?;
                    return Ok(self.encrypt(self.cookie(name, reference)).into_iter().collect());
                }
                Err(StoreDown) => {
                    tracing::warn!("a large session could not be kept in the store; it goes in several cookies");
                }
            }
        }
        // The sealed value is base64: one byte per character, so any index is a boundary.
        let chunks: Vec<&str> = sealed
            .as_bytes()
            .chunks(PART_LEN)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        if chunks.len() > MAX_PARTS {
            tracing::warn!(bytes = sealed.len(), "the session does not fit in {MAX_PARTS} cookies");
            return Err(AuthError::SessionTooLarge);
        }
        let parts = chunks.len();
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let cookie = match i {
                    0 if parts == 1 => self.cookie(name, (*chunk).to_owned()),
                    0 => self.cookie(name, format!("{parts}.{chunk}")),
                    _ => self.cookie(format!("{name}-{}", i + 1), (*chunk).to_owned()),
                };
                HeaderValue::from_str(&cookie.encoded().to_string()).map_err(|_| AuthError::Internal)
            })
            .collect()
    }

    /// The session cookie's value, put back together from its parts or fetched from the store
    /// (see [`Self::seal_session`]), and whether it was sealed with the previous key. `Err`: the
    /// store, which holds it, cannot be asked now.
    async fn open_session(&self, jar: &CookieJar) -> Result<Option<(SessionCookie, bool)>, StoreDown> {
        let Some(one) = self.session_jar(jar) else {
            return Ok(None);
        };
        let name = self.session_name();
        if let Some(opened) = self.read_sealed::<SessionCookie>(&one, name) {
            return Ok(Some(opened));
        }
        let Some((reference, _)) = self.read_sealed::<InStore>(&one, name) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let Some(sealed) = self
            .revocations
            .store()
            .get_blob(&in_store_key(&reference.stored), now)
            .await?
        else {
            return Ok(None);
        };
        let mut kept = CookieJar::new();
        kept.add_original(Cookie::new(name, sealed));
        // The kept value is the session of the id the cookie names, and no other.
        Ok(self
            .read_sealed::<SessionCookie>(&kept, name)
            .filter(|(c, _)| c.sid.as_deref() == Some(reference.stored.as_str())))
    }

    /// The session id the session cookie names, whether it holds the session or points to the
    /// store (no store call: for the abuse limits' proof of a session).
    fn session_id_of(&self, jar: &CookieJar) -> Option<String> {
        let one = self.session_jar(jar)?;
        let name = self.session_name();
        self.read::<SessionCookie>(&one, name)
            .and_then(|c| c.sid)
            .or_else(|| self.read::<InStore>(&one, name).map(|r| r.stored))
    }

    /// The session cookie's parts put back together, ready to be opened.
    fn session_jar(&self, jar: &CookieJar) -> Option<CookieJar> {
        let name = self.session_name();
        let first = jar.get(name)?.value();
        let joined = match first.split_once('.') {
            None => first.to_owned(),
            Some((count, rest)) => {
                let parts: usize = count.parse().ok().filter(|n| (2..=MAX_PARTS).contains(n))?;
                let mut joined = rest.to_owned();
                for part in 2..=parts {
                    joined.push_str(jar.get(&format!("{name}-{part}"))?.value());
                }
                joined
            }
        };
        let mut one = CookieJar::new();
        one.add_original(Cookie::new(name, joined));
        Some(one)
    }

    fn read<T: for<'de> Deserialize<'de>>(&self, jar: &CookieJar, name: &str) -> Option<T> {
        self.read_sealed(jar, name).map(|(value, _)| value)
    }

    /// The cookie's value, and whether it was sealed with the previous key (so it should be
    /// sealed again with the current one).
    fn read_sealed<T: for<'de> Deserialize<'de>>(&self, jar: &CookieJar, name: &str) -> Option<(T, bool)> {
        let parse = |cookie: Cookie<'static>| serde_json::from_str(cookie.value()).ok();
        if let Some(cookie) = jar.private(&self.key).get(name) {
            return parse(cookie).map(|v| (v, false));
        }
        let previous = self.previous_key.as_ref()?;
        jar.private(previous).get(name).and_then(parse).map(|v| (v, true))
    }

    /// `Set-Cookie` values that start a session from fresh sign-in tokens.
    /// `proves_identity`: the sign-in counts as "the password typed just now" for the account
    /// page's sensitive changes (a password or a user-verified passkey; an e-mailed code does
    /// not: inbox access alone must not add a passkey or change the e-mail).
    /// `through_pool`: the tokens came from the pool's OAuth endpoints (see [`Self::through_pool`]).
    pub async fn start(
        &self,
        tokens: &Tokens,
        proves_identity: bool,
        through_pool: bool,
    ) -> Result<(Session, Vec<HeaderValue>), AuthError> {
        let refresh_token = tokens.refresh_token.as_deref().ok_or_else(|| {
            tracing::error!("sign-in answer has no refresh token");
            AuthError::Internal
        })?;
        let mut session = self.session_from(tokens, None, new_session_id())?;
        session.authenticated_at = proves_identity.then(|| self.clock.now());
        let mut headers = self.session_headers(&session).await?;
        headers.push(self.refresh_header(
            refresh_token,
            &tokens.access_token,
            &session.session_id,
            through_pool,
            self.clock.now(),
            tokens.device(),
        )?);
        Ok((session, headers))
    }

    /// The refresh cookie for `refresh_token`, with the internal username read from the access
    /// token that came with it, bound to the session `session_id`.
    fn refresh_header(
        &self,
        refresh_token: &str,
        access_token: &str,
        session_id: &str,
        pool: bool,
        started_at: i64,
        device_key: Option<&str>,
    ) -> Result<HeaderValue, AuthError> {
        let claims = peek_claims(access_token);
        let sub = claims.as_ref().map(|c| c.sub.clone());
        let un = claims.map(|c| c.username.unwrap_or(c.sub));
        let refresh = serde_json::to_string(&RefreshCookie {
            rt: refresh_token.to_owned(),
            un,
            sid: Some(session_id.to_owned()),
            pool,
            sub,
            at: Some(started_at),
            fam: family_of(access_token).map(|(family, _, _)| family),
            dk: device_key.map(str::to_owned),
        })
        .map_err(|_| AuthError::Internal)?;
        self.encrypt(self.cookie(self.refresh_name(), refresh))
            .ok_or(AuthError::Internal)
    }

    /// The refresh cookie as it is, sealed with the current key.
    fn seal_refresh(&self, refresh: &RefreshCookie) -> Option<HeaderValue> {
        let value = serde_json::to_string(refresh).ok()?;
        self.encrypt(self.cookie(self.refresh_name(), value))
    }

    /// A cookie holding `value` for `lifetime` (for a sign-in: as long as Cognito keeps the
    /// challenge's session).
    pub fn transient_cookie<T: Serialize>(
        &self,
        kind: Transient,
        value: &T,
        lifetime: Duration,
    ) -> Result<HeaderValue, AuthError> {
        let mut json = serde_json::to_string(value).map_err(|_| AuthError::Internal)?;
        // Padded to whole kilobytes (spaces before the closing brace, which JSON ignores): the
        // sealed length tells nothing finer about what is inside (a decoy's sign-in, a real one).
        if json.ends_with('}') {
            let padded = json.len().div_ceil(TRANSIENT_PAD) * TRANSIENT_PAD;
            json.pop();
            json.extend(std::iter::repeat_n(' ', padded - json.len() - 1));
            json.push('}');
        }
        let mut cookie = self.cookie(kind.name(self.secure), json);
        cookie.set_max_age(cookie::time::Duration::seconds(lifetime.as_secs() as i64));
        self.encrypt(cookie).ok_or(AuthError::Internal)
    }

    /// The value of this request's `kind` cookie, if it is there and was made by this app.
    pub fn read_transient<T: for<'de> Deserialize<'de>>(
        &self,
        kind: Transient,
        headers: &http::HeaderMap,
    ) -> Option<T> {
        self.read(&jar_of(headers), kind.name(self.secure))
    }

    /// Whether the request carries a `kind` cookie (valid or not).
    pub fn has_transient(&self, kind: Transient, headers: &http::HeaderMap) -> bool {
        jar_of(headers).get(kind.name(self.secure)).is_some()
    }

    /// The `Set-Cookie` value that removes the `kind` cookie.
    pub fn clear_transient(&self, kind: Transient) -> Option<HeaderValue> {
        let mut gone = self.cookie(kind.name(self.secure), String::new());
        gone.make_removal();
        HeaderValue::from_str(&gone.to_string()).ok()
    }

    /// `Set-Cookie` values for `session` as it is now (after the account page changed it).
    pub async fn rewrite(&self, session: &Session) -> Result<Vec<HeaderValue>, AuthError> {
        self.session_headers(session).await
    }

    fn session_from(
        &self,
        tokens: &Tokens,
        refreshed_at: Option<i64>,
        session_id: String,
    ) -> Result<Session, AuthError> {
        let access = peek_claims(&tokens.access_token);
        let id = peek_claims(&tokens.id_token);
        match (access, id) {
            (Some(access), Some(id)) => Ok(Session {
                access_token: tokens.access_token.clone(),
                expires_at: access.exp,
                email: id.email.unwrap_or_default(),
                sub: access.sub,
                refreshed_at,
                authenticated_at: None,
                session_id,
            }),
            _ => {
                tracing::error!("cognito returned tokens this app cannot read");
                Err(AuthError::Internal)
            }
        }
    }

    async fn session_headers(&self, session: &Session) -> Result<Vec<HeaderValue>, AuthError> {
        let value = serde_json::to_string(&SessionCookie {
            at: session.access_token.clone(),
            exp: session.expires_at,
            email: session.email.clone(),
            sub: session.sub.clone(),
            refreshed_at: session.refreshed_at,
            auth_at: session.authenticated_at,
            sid: Some(session.session_id.clone()),
        })
        .map_err(|_| AuthError::Internal)?;
        self.seal_session(&session.session_id, value).await
    }

    /// `Set-Cookie` values that remove both cookies. Further parts of a split session cookie
    /// are removed by [`Self::resolve`], which sees them; left anywhere else they are ignored.
    pub fn clear(&self) -> Vec<HeaderValue> {
        self.remove([self.session_name().to_owned(), self.refresh_name().to_owned()])
    }

    /// Removes both cookies and the session cookie's further parts this request carries.
    fn clear_all(&self, jar: &CookieJar) -> Vec<HeaderValue> {
        let session = self.session_name();
        let parts = (2..=MAX_PARTS)
            .map(|part| format!("{session}-{part}"))
            .filter(|name| jar.get(name).is_some());
        let mut removals = self.clear();
        removals.extend(self.remove(parts));
        removals
    }

    fn remove(&self, names: impl IntoIterator<Item = String>) -> Vec<HeaderValue> {
        names
            .into_iter()
            .filter_map(|name| {
                let mut gone = self.cookie(name, String::new());
                gone.make_removal();
                HeaderValue::from_str(&gone.to_string()).ok()
            })
            .collect()
    }

    /// What the cookies of `headers` prove about the browser (for the abuse limits, which count
    /// a post by the cookie of its flow rather than by its network): a session, a sign-in waiting
    /// for a code, a passkey ceremony — each only when this server sealed it and it has not
    /// ended — and the accounts this browser signed in to before (its device cookie).
    pub fn trust(&self, headers: &http::HeaderMap, ip: Option<std::net::IpAddr>, now: i64) -> Trust {
        #[derive(Deserialize)]
        struct Ends {
            expires_at: i64,
            /// The step's own id (`PendingSignIn::step`, a reset's): the same in every copy of
            /// the cookie, however often it was sealed again.
            #[serde(default)]
            step: String,
        }
        let jar = jar_of(headers);
        let mut proofs = Vec::new();
        // A session only within its lifetime (its refresh cookie says when it began): an old
        // cookie is no budget of its own.
        let refresh = self.read::<RefreshCookie>(&jar, self.refresh_name());
        let live = refresh
            .as_ref()
            .is_some_and(|r| r.at.is_some_and(|at| now - at <= self.max_age.as_secs() as i64));
        // And the session cookie of that very sign-in (not an old one beside a fresh refresh
        // cookie).
        if live
            && let Some(session) = self
                .session_id_of(&jar)
                .filter(|id| refresh.as_ref().and_then(|r| r.sid.as_deref()) == Some(id.as_str()))
        {
            proofs.push(Proof {
                kind: ProofKind::Session,
                id: session,
            });
        }
        for (kind, cookie) in [
            (ProofKind::PendingSignIn, Transient::SignIn),
            (ProofKind::Passkey, Transient::Passkey),
            (ProofKind::Reset, Transient::Reset),
        ] {
            let name = cookie.name(self.secure);
            if let Some(ends) = self.read::<Ends>(&jar, name).filter(|c| c.expires_at > now)
                && let Some(sealed) = jar.get(name)
            {
                let id = if ends.step.is_empty() {
                    digest_of(sealed.value())
                } else {
                    ends.step
                };
                proofs.push(Proof { kind, id });
            }
        }
        let devices = self.devices(headers, now);
        if let Some(device) = devices.first() {
            proofs.push(Proof {
                kind: ProofKind::Device,
                id: device.nonce.clone(),
            });
        }
        Trust { ip, proofs, devices }
    }

    /// Whether this request's session was signed in through the pool's own pages (a provider
    /// like Google, or managed login), so that signing out must also visit the pool's `/logout`.
    pub fn through_pool(&self, headers: &http::HeaderMap) -> bool {
        self.read::<RefreshCookie>(&jar_of(headers), self.refresh_name())
            .is_some_and(|c| c.pool)
    }

    /// The refresh token of this request, for signing out.
    pub fn refresh_token(&self, headers: &http::HeaderMap) -> Option<String> {
        self.read::<RefreshCookie>(&jar_of(headers), self.refresh_name())
            .map(|c| c.rt)
    }

    /// What a sign-out must revoke, from the cookies alone (their seal checked, nothing asked of
    /// the store): for a sign-out while the store is down. The access token is empty where the
    /// cookies do not hold it (a session kept in the store); its family is in the refresh cookie.
    pub fn ended_in_cookies(&self, headers: &http::HeaderMap) -> Option<Ended> {
        let jar = jar_of(headers);
        let refresh = self.read::<RefreshCookie>(&jar, self.refresh_name())?;
        let session = self
            .session_jar(&jar)
            .and_then(|one| self.read::<SessionCookie>(&one, self.session_name()))
            .filter(|s| s.sid.is_some() && s.sid == refresh.sid);
        let session_id = refresh.sid.clone()?;
        let sub = session
            .as_ref()
            .map(|s| s.sub.clone())
            .or(refresh.sub)
            .unwrap_or_default();
        Some(Ended {
            sub,
            session_id,
            access_token: session.map(|s| s.at).unwrap_or_default(),
            family: refresh.fam,
        })
    }

    /// Keeps the store's record of `session` current: made when missing (a session from before
    /// the store, or a store that lost it), its last-seen time and family updated at most once
    /// a minute on this instance. A store that is down only loses the update.
    pub async fn seen(&self, session: &Session, headers: &http::HeaderMap, ip: Option<std::net::IpAddr>) {
        if session.session_id.is_empty() {
            return;
        }
        let family = family_of(&session.access_token).map(|(family, _, _)| family);
        {
            let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((at, written)) = seen.get(&session.session_id)
                && at.elapsed() < SEEN_EVERY
                && *written == family
            {
                return;
            }
            if seen.len() >= SEEN_MAX {
                seen.clear();
            }
            seen.insert(session.session_id.clone(), (Instant::now(), family.clone()));
        }
        let store = self.revocations.store();
        let now = self.clock.now();
        if store.touch_session(&session.session_id, now, family.as_deref()).await == Ok(false) {
            let record = records::new_record(
                &session.session_id,
                &session.sub,
                "",
                family,
                user_agent(headers),
                ip,
                session.authenticated_at.unwrap_or(now),
            );
            let _ = self.revocations.save_session(&record, now).await;
        }
    }

    /// Records a new session, signed in by `method`, for the sessions list.
    pub async fn record_sign_in(
        &self,
        session: &Session,
        method: &str,
        headers: &http::HeaderMap,
        ip: Option<std::net::IpAddr>,
    ) -> Result<(), StoreDown> {
        let now = self.clock.now();
        let family = family_of(&session.access_token).map(|(family, _, _)| family);
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(session.session_id.clone(), (Instant::now(), family.clone()));
        let record = records::new_record(
            &session.session_id,
            &session.sub,
            method,
            family,
            user_agent(headers),
            ip,
            now,
        );
        self.revocations.save_session(&record, now).await
    }
}

/// The request's `User-Agent` (empty when it sends none or not as text): what
/// [`records::device`] names a browser from.
pub fn user_agent(headers: &http::HeaderMap) -> &str {
    headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The outcome of [`Sessions::resolve`].
pub struct Resolved {
    /// The request's session, when it has a valid one.
    pub session: Option<Session>,
    /// The cookies to write back: a refreshed session, or a cleared one.
    pub set_cookies: Vec<HeaderValue>,
    /// The session store could not be asked whether this session was revoked: it is not
    /// accepted, nor signed out (its cookies are kept for when the store is back).
    pub unavailable: bool,
}

fn jar_of(headers: &http::HeaderMap) -> CookieJar {
    let mut jar = CookieJar::new();
    for value in headers.get_all(COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for cookie in Cookie::split_parse_encoded(value.to_owned()).flatten() {
            jar.add_original(cookie.into_owned());
        }
    }
    jar
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn sessions(secure: bool) -> Sessions {
        let sdk = aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::Config::builder()
                .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
                .region(aws_sdk_cognitoidentityprovider::config::Region::new("eu-west-1"))
                .build(),
        );
        sessions_with(secure, sdk)
    }

    fn sessions_with(secure: bool, sdk: aws_sdk_cognitoidentityprovider::Client) -> Sessions {
        let config = SessionConfig {
            key: None,
            previous_key: None,
            secure,
            max_age: Duration::from_secs(30 * 24 * 3600),
            refresh_margin: Duration::from_secs(60),
        };
        Sessions::new(
            &config,
            Cognito::new(sdk, "eu-west-1_Test1".into(), "client".into(), None),
        )
        .expect("sessions")
    }

    /// Sessions sealing with `key` and, while it is rolled, reading `previous` too.
    fn sessions_keyed(key: &str, previous: Option<&str>) -> Sessions {
        use base64::Engine as _;
        let b64 = |fill: &str| base64::engine::general_purpose::STANDARD.encode(fill.repeat(64));
        let (key, previous) = (b64(key), previous.map(b64));
        let decode = |b: &str| base64::engine::general_purpose::STANDARD.decode(b).expect("base64");
        let config = SessionConfig {
            key: Some(decode(&key)),
            previous_key: previous.as_deref().map(decode),
            secure: false,
            max_age: Duration::from_secs(30 * 24 * 3600),
            refresh_margin: Duration::from_secs(60),
        };
        let sdk = aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::Config::builder()
                .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
                .region(aws_sdk_cognitoidentityprovider::config::Region::new("eu-west-1"))
                .build(),
        );
        Sessions::new(
            &config,
            Cognito::new(sdk, "eu-west-1_Test1".into(), "client".into(), None),
        )
        .expect("sessions")
    }

    #[tokio::test]
    async fn rolling_the_key_keeps_sessions_and_seals_them_again() {
        let old = sessions_keyed("a", None);
        let (_, sealed_old) = old.start(&tokens(now_unix() + 3600), true, false).await.expect("start");
        // Without the previous key, the old cookies are as good as forged.
        assert!(
            sessions_keyed("b", None)
                .resolve(&request_headers(&sealed_old))
                .await
                .session
                .is_none()
        );

        let rolling = sessions_keyed("b", Some("a"));
        let resolved = rolling.resolve(&request_headers(&sealed_old)).await;
        assert_eq!(resolved.session.map(|s| s.email).as_deref(), Some("ada@example.com"));
        // Both cookies come back sealed with the new key, no refresh needed for it…
        assert_eq!(resolved.set_cookies.len(), 2, "{:?}", resolved.set_cookies);
        let new_only = sessions_keyed("b", None);
        let again = new_only.resolve(&request_headers(&resolved.set_cookies)).await;
        assert!(again.session.is_some());
        assert_eq!(
            new_only
                .refresh_token(&request_headers(&resolved.set_cookies))
                .as_deref(),
            Some("refresh-secret")
        );
        // …and cookies already under the new key are left alone.
        assert!(
            rolling
                .resolve(&request_headers(&resolved.set_cookies))
                .await
                .set_cookies
                .is_empty()
        );
    }

    fn jwt(claims: serde_json::Value) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            b64(br#"{"alg":"RS256"}"#),
            b64(claims.to_string().as_bytes())
        )
    }

    pub(super) fn tokens(exp: i64) -> Tokens {
        Tokens::new(
            jwt(serde_json::json!({"exp": exp, "sub": "user-1"})),
            jwt(serde_json::json!({"exp": exp, "sub": "user-1", "email": "ada@example.com"})),
            Some("refresh-secret".into()),
        )
    }

    pub(super) fn request_headers(set_cookies: &[HeaderValue]) -> http::HeaderMap {
        let cookie = set_cookies
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
            .collect::<Vec<_>>()
            .join("; ");
        let mut headers = http::HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&cookie).expect("ascii"));
        headers
    }

    #[tokio::test]
    async fn a_fresh_session_round_trips_without_calling_cognito() {
        let s = sessions(false);
        let (_, set) = s.start(&tokens(now_unix() + 3600), true, false).await.expect("start");
        assert_eq!(set.len(), 2);
        for v in &set {
            let v = v.to_str().expect("ascii");
            assert!(
                v.contains("HttpOnly") && v.contains("SameSite=Lax") && v.contains("Path=/"),
                "{v}"
            );
            assert!(
                !v.contains("refresh-secret") && !v.contains("ada@example.com"),
                "cookie is not encrypted: {v}"
            );
        }
        let resolved = s.resolve(&request_headers(&set)).await;
        let session = resolved.session.expect("session");
        assert_eq!(session.email, "ada@example.com");
        assert_eq!(session.sub, "user-1");
        assert!(resolved.set_cookies.is_empty());
        assert_eq!(s.refresh_calls(), 0);
        assert_eq!(
            s.refresh_token(&request_headers(&set)).as_deref(),
            Some("refresh-secret")
        );
    }

    #[tokio::test]
    async fn a_session_ends_at_its_lifetime_whatever_the_browser_kept() {
        // Kept past SESSION_MAX_AGE (a copy, a browser that ignored Max-Age): refused, because
        // a session ended from the list is refused exactly that long and no longer.
        let clock = Clock::manual_now();
        let s = sessions(false).with_clock(clock.clone());
        let (_, set) = s.start(&tokens(clock.now() + 3600), true, false).await.expect("start");
        assert!(s.resolve(&request_headers(&set)).await.session.is_some());
        clock.advance(s.max_age + Duration::from_secs(1));
        // Signed out before any refresh is tried (none could be: no Cognito here).
        let resolved = s.resolve(&request_headers(&set)).await;
        assert!(resolved.session.is_none());
        assert!(
            resolved
                .set_cookies
                .iter()
                .any(|c| c.to_str().is_ok_and(|c| c.contains("Max-Age=0"))),
            "its cookies are cleared"
        );
        assert_eq!(s.refresh_calls(), 0);
    }

    #[tokio::test]
    async fn https_uses_host_prefixed_secure_cookies() {
        let s = sessions(true);
        let (_, set) = s.start(&tokens(now_unix() + 3600), true, false).await.expect("start");
        for v in &set {
            let v = v.to_str().expect("ascii");
            assert!(v.starts_with("__Host-") && v.contains("Secure"), "{v}");
        }
    }

    #[tokio::test]
    async fn tampered_or_foreign_cookies_are_cleared() {
        let s = sessions(false);
        let mut headers = http::HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("lc-session=forged; lc-refresh=forged"));
        let resolved = s.resolve(&headers).await;
        assert!(resolved.session.is_none());
        assert_eq!(resolved.set_cookies.len(), 2, "both cookies removed");
        // A cookie encrypted with another key is as good as forged.
        let (_, set) = sessions(false)
            .start(&tokens(now_unix() + 3600), true, false)
            .await
            .expect("start");
        assert!(s.resolve(&request_headers(&set)).await.session.is_none());
    }

    #[tokio::test]
    async fn concurrent_requests_of_one_session_share_one_refresh() {
        use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
        use aws_sdk_cognitoidentityprovider::types::AuthenticationResultType;
        let fresh = tokens(now_unix() + 3600);
        let (access, id) = (fresh.access_token.clone(), fresh.id_token.clone());
        // One answer only: a second refresh call would find no rule and fail the test.
        let rule = aws_smithy_mocks::mock!(aws_sdk_cognitoidentityprovider::Client::get_tokens_from_refresh_token)
            .match_requests(|r| r.refresh_token() == Some("refresh-secret"))
            .then_output(move || {
                GetTokensFromRefreshTokenOutput::builder()
                    .authentication_result(
                        AuthenticationResultType::builder()
                            .access_token(access.clone())
                            .id_token(id.clone())
                            .build(),
                    )
                    .build()
            });
        let client = aws_smithy_mocks::mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
        let s = Arc::new(sessions_with(false, client));
        // A session whose access token expires within the refresh margin.
        let (_, set) = s.start(&tokens(now_unix() + 5), true, false).await.expect("start");
        let headers = request_headers(&set);
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (s, headers) = (s.clone(), headers.clone());
                tokio::spawn(async move { s.resolve(&headers).await })
            })
            .collect();
        for task in tasks {
            let resolved = task.await.expect("task");
            let session = resolved.session.expect("refreshed session");
            assert!(session.expires_at > now_unix() + 3000);
            assert!(session.refreshed_at.is_some());
            assert_eq!(resolved.set_cookies.len(), 1, "only the session cookie is rewritten");
        }
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(s.refresh_calls(), 1);
    }

    #[tokio::test]
    async fn a_refused_refresh_clears_the_cookies() {
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use aws_smithy_types::body::SdkBody;
        // Cognito's answer to a revoked refresh token, as it comes over the wire.
        let rule = aws_smithy_mocks::mock!(aws_sdk_cognitoidentityprovider::Client::get_tokens_from_refresh_token)
            .then_http_response(|| {
                let body = r#"{"__type":"NotAuthorizedException","message":"Refresh Token has been revoked"}"#;
                let mut response = HttpResponse::new(400.try_into().expect("status"), SdkBody::from(body));
                response
                    .headers_mut()
                    .insert("content-type", "application/x-amz-json-1.1");
                response
            });
        let client = aws_smithy_mocks::mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
        let s = sessions_with(false, client);
        let (_, set) = s.start(&tokens(now_unix() - 1), true, false).await.expect("start");
        let resolved = s.resolve(&request_headers(&set)).await;
        assert!(resolved.session.is_none());
        assert_eq!(resolved.set_cookies.len(), 2);
        for v in &resolved.set_cookies {
            assert!(v.to_str().expect("ascii").contains("Max-Age=0"), "{v:?}");
        }
    }

    #[tokio::test]
    async fn a_refresh_cookie_only_works_with_the_session_cookie_of_its_sign_in() {
        let s = sessions(false);
        let (ada, ada_set) = s.start(&tokens(now_unix() + 3600), true, false).await.expect("start");
        let (bob, bob_set) = s.start(&tokens(now_unix() + 3600), true, false).await.expect("start");
        assert_ne!(ada.session_id, bob.session_id);
        assert_eq!(ada.session_id.len(), 22, "16 bytes, base64url");
        let resolved = s.resolve(&request_headers(&ada_set)).await;
        assert_eq!(resolved.session.map(|s| s.session_id), Some(ada.session_id));
        // Bob's session cookie next to Ada's refresh cookie: signed out, both cookies removed.
        let mixed = [bob_set[0].clone(), ada_set[1].clone()];
        let resolved = s.resolve(&request_headers(&mixed)).await;
        assert!(resolved.session.is_none());
        assert_eq!(resolved.set_cookies.len(), 2, "{:?}", resolved.set_cookies);
        assert!(
            resolved
                .set_cookies
                .iter()
                .all(|v| v.to_str().expect("ascii").contains("Max-Age=0"))
        );
    }

    /// Cookies as they were sealed before the session id existed.
    fn legacy_cookies(s: &Sessions, exp: i64, auth_at: Option<i64>) -> Vec<HeaderValue> {
        let t = tokens(exp);
        let session = serde_json::json!({"at": t.access_token, "exp": exp, "email": "ada@example.com",
            "sub": "user-1", "auth_at": auth_at});
        let refresh = serde_json::json!({"rt": "refresh-secret", "un": "user-1"});
        vec![
            s.encrypt(s.cookie(s.session_name(), session.to_string()))
                .expect("seal"),
            s.encrypt(s.cookie(s.refresh_name(), refresh.to_string()))
                .expect("seal"),
        ]
    }

    #[tokio::test]
    async fn cookies_from_before_the_binding_are_read_once_and_get_an_id() {
        let s = sessions(false);
        let legacy = legacy_cookies(&s, now_unix() + 3600, None);
        let resolved = s.resolve(&request_headers(&legacy)).await;
        let session = resolved.session.expect("still signed in");
        assert_eq!(session.session_id.len(), 22);
        assert_eq!(resolved.set_cookies.len(), 2, "both sealed again with the id");
        let again = s.resolve(&request_headers(&resolved.set_cookies)).await;
        assert_eq!(again.session.map(|s| s.session_id), Some(session.session_id));
        assert!(again.set_cookies.is_empty());
        // An old refresh cookie next to a new session cookie is not a pair.
        let (_, new) = s.start(&tokens(now_unix() + 3600), true, false).await.expect("start");
        let mixed = [new[0].clone(), legacy[1].clone()];
        assert!(s.resolve(&request_headers(&mixed)).await.session.is_none());
    }

    #[tokio::test]
    async fn cookies_without_their_start_are_refused_a_lifetime_after_they_stopped_being_made() {
        let day = 24 * 3600;
        for (at, kept) in [
            (START_KEPT_SINCE + 10 * day, true),
            (START_KEPT_SINCE + 40 * day, false),
        ] {
            let clock = Clock::manual(at * 1000);
            let s = sessions(false).with_clock(clock);
            assert_eq!(s.max_age.as_secs() as i64, 30 * day, "the default lifetime");
            let legacy = legacy_cookies(&s, at + 3600, None);
            let resolved = s.resolve(&request_headers(&legacy)).await;
            assert_eq!(resolved.session.is_some(), kept, "{at}");
        }
    }

    /// A refresh that answers with tokens of `sub`, rotated to `rotated`.
    fn refreshing_to(sub: &'static str, rotated: Option<&'static str>) -> aws_smithy_mocks::Rule {
        use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
        use aws_sdk_cognitoidentityprovider::types::AuthenticationResultType;
        aws_smithy_mocks::mock!(aws_sdk_cognitoidentityprovider::Client::get_tokens_from_refresh_token).then_output(
            move || {
                let exp = now_unix() + 3600;
                GetTokensFromRefreshTokenOutput::builder()
                    .authentication_result(
                        AuthenticationResultType::builder()
                            .access_token(jwt(serde_json::json!({"exp": exp, "sub": sub})))
                            .id_token(jwt(
                                serde_json::json!({"exp": exp, "sub": sub, "email": "x@example.com"}),
                            ))
                            .set_refresh_token(rotated.map(str::to_owned))
                            .build(),
                    )
                    .build()
            },
        )
    }

    #[tokio::test]
    async fn the_password_time_survives_a_refresh_only_for_the_same_person() {
        for (sub, kept) in [("user-1", true), ("someone-else", false)] {
            let rule = refreshing_to(sub, None);
            let client = aws_smithy_mocks::mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
            let s = sessions_with(false, client);
            // Adopted legacy cookies, due for a refresh, with a fresh password time.
            let legacy = legacy_cookies(&s, now_unix() + 5, Some(now_unix()));
            let session = s.resolve(&request_headers(&legacy)).await.session.expect("refreshed");
            assert_eq!(session.sub, sub);
            assert_eq!(session.authenticated_at.is_some(), kept, "{sub}");
        }
    }

    fn pairs(set: &[HeaderValue]) -> Vec<String> {
        set.iter()
            .map(|v| v.to_str().expect("ascii").split(';').next().expect("pair").to_owned())
            .collect()
    }

    #[tokio::test]
    async fn a_user_in_80_groups_keeps_the_session_in_the_store_and_the_cookies_small() {
        let s = sessions(true);
        let exp = now_unix() + 3600;
        let groups: Vec<String> = (0..80).map(|i| format!("department-{i:02}-readers")).collect();
        let mut t = tokens(exp);
        t.access_token = jwt(serde_json::json!({"exp": exp, "sub": "user-1", "cognito:groups": groups}));
        // A refresh token as long as Cognito's (about 1,800 characters).
        t.refresh_token = Some("r".repeat(1800));
        let (session, set) = s.start(&t, true, false).await.expect("start");
        let sent = pairs(&set);
        assert_eq!(
            sent.len(),
            2,
            "one session cookie naming the stored session, one refresh cookie"
        );
        // With a pending sign-in's cookie and a device cookie beside them, well under 7 kB.
        let total: usize = sent.iter().map(String::len).sum();
        assert!(total + 2 * 1024 + 512 < 7 * 1024, "{total} bytes");
        let read = s
            .resolve(&request_headers(&set))
            .await
            .session
            .expect("read back whole");
        assert_eq!(read.access_token, t.access_token);
        // The store holds it sealed: no token in clear.
        let kept = s
            .revocations
            .store()
            .get_blob(&in_store_key(&session.session_id), now_unix())
            .await
            .expect("store")
            .expect("kept");
        assert!(!kept.contains("department-00") && !kept.contains(&t.access_token[..20]));
        // Gone from the store (a sign-out): no session, however the cookie is kept.
        s.revocations
            .store()
            .forget_blob(&in_store_key(&session.session_id))
            .await
            .expect("store");
        assert!(s.resolve(&request_headers(&set)).await.session.is_none());
    }

    #[tokio::test]
    async fn when_the_store_cannot_keep_it_a_large_session_is_split_across_cookies() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("redis://{}", closed.local_addr().expect("addr"));
        drop(closed);
        let down = Arc::new(Revocations::new(
            Arc::new(crate::SessionStore::redis(&url).expect("url")),
            Duration::from_secs(3600),
        ));
        let s = sessions(true).with_revocations(down);
        let exp = now_unix() + 3600;
        let groups: Vec<String> = (0..80).map(|i| format!("department-{i:02}-readers")).collect();
        let mut t = tokens(exp);
        t.access_token = jwt(serde_json::json!({"exp": exp, "sub": "user-1", "cognito:groups": groups}));
        let (_, set) = s.start(&t, true, false).await.expect("start");
        assert!(set.len() > 2, "the session cookie is split: {}", set.len());
        for pair in pairs(&set) {
            assert!(pair.len() <= 4096, "{} bytes", pair.len());
        }
        let jar = jar_of(&request_headers(&set));
        let opened = s
            .open_session(&jar)
            .await
            .expect("no store needed")
            .expect("read back whole");
        assert_eq!(opened.0.at, t.access_token);
        // Losing a part loses the session, never half of one.
        let partial = jar_of(&request_headers(&[set[0].clone(), set[2].clone()]));
        assert!(s.open_session(&partial).await.expect("no store needed").is_none());
        // Far too many groups for four cookies: refused at sign-in with its own message.
        let groups: Vec<String> = (0..2000).map(|i| format!("department-{i:04}-readers")).collect();
        t.access_token = jwt(serde_json::json!({"exp": exp, "sub": "user-1", "cognito:groups": groups}));
        assert!(matches!(
            s.start(&t, true, false).await,
            Err(AuthError::SessionTooLarge)
        ));
    }

    #[tokio::test]
    async fn the_layer_keeps_a_rotated_refresh_token_when_the_handler_sets_another_cookie() {
        use axum::routing::post;
        let rule = refreshing_to("user-1", Some("rotated-secret"));
        let client = aws_smithy_mocks::mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
        let s = Arc::new(sessions_with(false, client));
        let (_, set) = s.start(&tokens(now_unix() + 5), true, false).await.expect("start");
        let app = axum::Router::new()
            // Like the language switch: a handler that sets a cookie of its own.
            .route("/lang", post(|| async { ([(SET_COOKIE, "lc-lang=ja; Path=/")], "ok") }))
            // Like sign-out: a handler that writes the session cookie itself.
            .route(
                "/out",
                post(|| async { ([(SET_COOKIE, "lc-session=; Max-Age=0")], "ok") }),
            )
            .layer(axum::middleware::from_fn_with_state(s.clone(), session_layer));
        let send = |path: &'static str| {
            let request = Request::post(path)
                .header(COOKIE, request_headers(&set)[COOKIE].clone())
                .body(axum::body::Body::empty())
                .expect("request");
            tower::ServiceExt::oneshot(app.clone(), request)
        };
        let response = send("/lang").await.expect("response");
        let names: Vec<_> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(cookie_family)
            .collect();
        assert_eq!(names, ["lc-lang", "lc-session", "lc-refresh"]);
        let rotated = request_headers(
            &response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .cloned()
                .collect::<Vec<_>>(),
        );
        assert_eq!(s.refresh_token(&rotated).as_deref(), Some("rotated-secret"));
        let response = send("/out").await.expect("response");
        let values: Vec<_> = response.headers().get_all(SET_COOKIE).iter().cloned().collect();
        assert_eq!(
            values.iter().filter_map(cookie_family).collect::<Vec<_>>(),
            ["lc-session", "lc-refresh"]
        );
        assert_eq!(values[0], "lc-session=; Max-Age=0", "the handler's word on its cookie");
    }

    #[test]
    fn split_parts_count_as_their_cookie() {
        let family = |v: &'static str| cookie_family(&HeaderValue::from_static(v));
        assert_eq!(
            family("__Host-lc-session-3=abc; Path=/").as_deref(),
            Some("__Host-lc-session")
        );
        assert_eq!(family("lc-sign-in=x").as_deref(), Some("lc-sign-in"));
    }
}
