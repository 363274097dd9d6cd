//! Typed settings from the environment, checked once at start-up.
//!
//! A missing or malformed variable stops the server with one line naming it, before it listens.
//! Every variable is documented in `.env.example`.

use std::num::NonZeroU32;
use std::time::Duration;

pub use crate::auth::ConfirmationMode;
pub use cognito_auth::cognito::oauth::{Federation, IdentityProvider};
pub use cognito_auth::limits::Limits;
use cognito_auth::secret_hash::ClientSecret;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub production: bool,
    /// The origin people reach the app at, e.g. `https://app.example.com`.
    pub app_url: String,
    pub user_pool_id: String,
    pub client_id: String,
    /// The app client's secret, for clients that have one (`COGNITO_CLIENT_SECRET`).
    pub client_secret: Option<ClientSecret>,
    /// While secrets are rotated, the client's other active one (`COGNITO_CLIENT_SECRET=first,second`):
    /// tried when Cognito refuses the first, then kept.
    pub client_secret_second: Option<ClientSecret>,
    pub region: String,
    pub issuer: String,
    pub jwks_url: String,
    /// App clients whose access tokens the API accepts.
    pub api_client_ids: Vec<String>,
    /// `API_URL`: the origin of an API server the protected page's calls go to; `None`: the
    /// API routes of this process, called in process.
    pub api_url: Option<String>,
    /// The shared session store (`REDIS_URL`); unset, this process's memory.
    pub redis_url: Option<RedisUrl>,
    /// Where `/metrics` listens (`METRICS_ADDR`); unset, nowhere.
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub confirmation_mode: ConfirmationMode,
    /// At least 64 bytes; `None` only in development (a random key per process then).
    pub session_key: Option<Vec<u8>>,
    /// The key before the current one, while it is being rolled: cookies it sealed are still
    /// read, and sealed again with `session_key`.
    pub session_key_previous: Option<Vec<u8>>,
    /// Refresh the access token when it has less than this left.
    pub refresh_margin: Duration,
    /// Lifetime of the session cookies; match the app client's refresh-token validity.
    pub session_max_age: Duration,
    /// Clock skew allowed when checking `exp` and `nbf` on the API.
    pub jwt_leeway: Duration,
    /// The header a trusted reverse proxy puts the client's address in; `None`: the socket's
    /// peer address is the client.
    pub trusted_proxy_header: Option<http::HeaderName>,
    /// The peers whose `trusted_proxy_header` is believed (`TRUSTED_PROXIES`): the load
    /// balancer's addresses. From anyone else the header is the client's own word.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The abuse limits (`RATE_LIMIT_*`): see [`Limits`].
    pub limits: Limits,
    /// A request's whole body must arrive within this long (a slow sender holds a connection
    /// and a task while it trickles).
    pub request_body_timeout: Duration,
    /// The name authenticator apps show next to the account (`APP_NAME`).
    pub app_name: String,
    /// Sensitive account changes need the password typed within this long (default 5 minutes,
    /// as Clerk and Better Auth ask).
    pub reauth_window: Duration,
    /// The pool's OAuth 2.0 endpoints, for "Continue with Google" and managed login
    /// (`COGNITO_DOMAIN` and what goes with it); `None`: neither is offered.
    pub federation: Option<Federation>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `get`, so tests can pass a map instead of the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let err = |var: &'static str, problem: &str| ConfigError {
            var,
            problem: problem.into(),
        };

        let app_url = get("APP_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into());
        let app_url = app_url.trim_end_matches('/').to_owned();
        if !(app_url.starts_with("http://") || app_url.starts_with("https://")) {
            return Err(err("APP_URL", "must start with http:// or https://"));
        }
        // An https app is a deployed one: a forgotten APP_ENV must not mean a random session
        // key per process and trust in the local emulator's issuer. Development over https
        // (a local TLS proxy) says so with APP_ENV=development.
        let production = match get("APP_ENV").as_deref() {
            None => app_url.starts_with("https://"),
            Some("development") => false,
            Some("production") => true,
            Some(_) => return Err(err("APP_ENV", "must be `development` or `production`")),
        };
        if production && !app_url.starts_with("https://") {
            return Err(err("APP_URL", "must be https:// in production (cookies are Secure)"));
        }

        let user_pool_id = get("COGNITO_USER_POOL_ID").ok_or_else(|| {
            err(
                "COGNITO_USER_POOL_ID",
                "is missing (like eu-west-1_AbC123; `scripts/dev` makes a local one)",
            )
        })?;
        let (pool_region, pool_suffix) = user_pool_id
            .split_once('_')
            .filter(|(r, s)| !r.is_empty() && !s.is_empty())
            .ok_or_else(|| {
                err(
                    "COGNITO_USER_POOL_ID",
                    "must look like <region>_<id>, e.g. eu-west-1_AbC123",
                )
            })?;
        if !pool_suffix.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err(
                "COGNITO_USER_POOL_ID",
                "must look like <region>_<id>, e.g. eu-west-1_AbC123",
            ));
        }
        let client_id = get("COGNITO_CLIENT_ID").ok_or_else(|| err("COGNITO_CLIENT_ID", "is missing"))?;
        // Whether the client has a secret is checked against Cognito at start-up (`cognito_auth::cognito::pool`).
        // One secret, or two while they are rotated (AWS allows two active secrets per client).
        let secrets: Vec<ClientSecret> = get("COGNITO_CLIENT_SECRET")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| ClientSecret::new(s.to_owned()))
            .collect();
        if secrets.len() > 2 {
            return Err(err(
                "COGNITO_CLIENT_SECRET",
                "holds at most two secrets, comma-separated (an app client has at most two active ones)",
            ));
        }
        let mut secrets = secrets.into_iter();
        let (client_secret, client_secret_second) = (secrets.next(), secrets.next());
        let region = get("AWS_REGION").unwrap_or_else(|| pool_region.to_owned());

        let issuer = get("COGNITO_ISSUER")
            .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"));
        let jwks_url = get("COGNITO_JWKS_URL").unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"));
        for (var, url) in [("COGNITO_ISSUER", &issuer), ("COGNITO_JWKS_URL", &jwks_url)] {
            if production && !is_public_https(url) {
                // The local emulator signs with a private key that is published in its source:
                // trusting it in production would let anyone mint tokens.
                return Err(err(var, "must be a public https:// URL in production"));
            }
        }

        // Where the protected page's call to the API goes: unset, the API routes of this very
        // process; set, an API server elsewhere, which gets the access token over this link.
        let api_url = match get("API_URL") {
            None => None,
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_owned();
                if !is_origin(&url) {
                    return Err(err(
                        "API_URL",
                        "must be an origin like https://api.example.com (no path)",
                    ));
                }
                if production && !url.starts_with("https://") {
                    return Err(err(
                        "API_URL",
                        "must be https:// in production: access tokens travel over it",
                    ));
                }
                Some(url)
            }
        };

        let api_client_ids = match get("API_CLIENT_IDS") {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => vec![client_id.clone()],
        };

        let confirmation_mode = match get("CONFIRMATION_MODE").as_deref() {
            None | Some("code") => ConfirmationMode::Code,
            Some("lambda") => ConfirmationMode::Lambda,
            Some("admin") => ConfirmationMode::Admin,
            Some(_) => return Err(err("CONFIRMATION_MODE", "must be `code`, `lambda` or `admin`")),
        };

        let key = |var: &'static str| -> Result<Option<Vec<u8>>, ConfigError> {
            let Some(b64) = get(var) else { return Ok(None) };
            use base64::Engine as _;
            let key = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| err(var, "must be base64 (try `openssl rand -base64 64`)"))?;
            if key.len() < 64 {
                return Err(err(
                    var,
                    "must decode to at least 64 bytes (try `openssl rand -base64 64`)",
                ));
            }
            Ok(Some(key))
        };
        let session_key = match key("SESSION_KEY")? {
            Some(key) => Some(key),
            None if production => {
                return Err(err(
                    "SESSION_KEY",
                    "is required in production (try `openssl rand -base64 64`)",
                ));
            }
            None => None,
        };
        let session_key_previous = key("SESSION_KEY_PREVIOUS")?;
        if session_key_previous.is_some() && session_key.is_none() {
            return Err(err(
                "SESSION_KEY_PREVIOUS",
                "needs SESSION_KEY, the key that replaces it",
            ));
        }
        if session_key_previous.is_some() && session_key_previous == session_key {
            return Err(err(
                "SESSION_KEY_PREVIOUS",
                "is the same as SESSION_KEY; it must be the key before it",
            ));
        }

        let secs = |var: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match get(var) {
                None => Ok(Duration::from_secs(default)),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|_| err(var, "must be a whole number of seconds")),
            }
        };
        // The session store: revocations every instance sees, shared limits, the sessions list.
        let redis_url = match get("REDIS_URL") {
            None => None,
            Some(url) => {
                let url = url.trim().to_owned();
                let (scheme, rest) = url.split_once("://").unwrap_or_default();
                if !matches!(scheme, "redis" | "rediss") || rest.is_empty() {
                    return Err(err(
                        "REDIS_URL",
                        "must be redis://host:port or rediss://host:port (TLS)",
                    ));
                }
                let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                let loopback = ["127.0.0.1", "localhost", "[::1]"]
                    .iter()
                    .any(|h| host == *h || host.starts_with(&format!("{h}:")) || host.starts_with(&format!("{h}/")));
                if production && scheme == "redis" && !loopback {
                    return Err(err(
                        "REDIS_URL",
                        "must be rediss:// (TLS) in production: session ids and revocations travel over it",
                    ));
                }
                Some(RedisUrl(url))
            }
        };
        let metrics_addr = match get("METRICS_ADDR") {
            None => None,
            Some(addr) => {
                let addr: std::net::SocketAddr = addr
                    .trim()
                    .parse()
                    .map_err(|_| err("METRICS_ADDR", "must be an address and port like 127.0.0.1:9100"))?;
                // The counters tell an outsider how many people sign in, fail and are limited:
                // never on an address the internet reaches.
                if production && is_public(addr.ip()) {
                    return Err(err(
                        "METRICS_ADDR",
                        "must not be a public address in production: use loopback, a private address, or 0.0.0.0 \
                         behind a firewall that keeps the port in your network",
                    ));
                }
                Some(addr)
            }
        };
        let refresh_margin = secs("SESSION_REFRESH_MARGIN_SECS", 60)?;
        let session_max_age = secs("SESSION_MAX_AGE_SECS", 30 * 24 * 3600)?;
        let jwt_leeway = secs("JWT_LEEWAY_SECS", 0)?;
        // A revocation is kept a minute past the tokens it covers (`store::KEEP_SLACK`): a
        // longer leeway would let a revoked token pass after its entry had expired.
        if jwt_leeway > Duration::from_secs(60) {
            return Err(err("JWT_LEEWAY_SECS", "must be at most 60 seconds"));
        }
        let reauth_window = secs("REAUTH_WINDOW_SECS", 300)?;

        let trusted_proxy_header = match get("TRUSTED_PROXY_HEADER") {
            None => None,
            Some(name) => Some(
                http::HeaderName::try_from(name.trim())
                    .map_err(|_| err("TRUSTED_PROXY_HEADER", "must be a header name like x-forwarded-for"))?,
            ),
        };
        let trusted_proxies = match get("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    // A bare address is a network of one.
                    s.parse::<ipnet::IpNet>()
                        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                })
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    err(
                        "TRUSTED_PROXIES",
                        "must be comma-separated addresses or CIDRs, like 10.0.0.0/8, fd00::/8",
                    )
                })?,
        };
        if trusted_proxy_header.is_some() && trusted_proxies.is_empty() {
            return Err(err(
                "TRUSTED_PROXIES",
                "is required with TRUSTED_PROXY_HEADER: the load balancer's addresses (like 10.0.0.0/8), \
                 or anyone could choose their own address by sending the header",
            ));
        }
        let per_minute = |var: &'static str, default: u32| -> Result<NonZeroU32, ConfigError> {
            match get(var) {
                None => Ok(NonZeroU32::new(default).unwrap_or(NonZeroU32::MIN)),
                Some(v) => v
                    .trim()
                    .parse::<NonZeroU32>()
                    .map_err(|_| err(var, "must be a whole number above 0")),
            }
        };
        if get("RATE_LIMIT_FORM_PER_MINUTE").is_some() {
            return Err(err(
                "RATE_LIMIT_FORM_PER_MINUTE",
                "is gone: a ceiling on posts let a few addresses lock everyone out. Failed attempts are \
                 counted instead: RATE_LIMIT_FAILURES_PER_MINUTE (docs/abuse.md, \"Abuse limits\")",
            ));
        }
        // The core's defaults, each replaced by its variable when set.
        let mut limits = Limits::default();
        limits.per_client = per_minute("RATE_LIMIT_IP_PER_MINUTE", limits.per_client.get())?;
        limits.per_network = per_minute("RATE_LIMIT_NETWORK_PER_MINUTE", limits.per_network.get())?;
        limits.failures_per_email = per_minute("RATE_LIMIT_EMAIL_PER_MINUTE", limits.failures_per_email.get())?;
        limits.failures = per_minute("RATE_LIMIT_FAILURES_PER_MINUTE", limits.failures.get())?;
        limits.sign_ins_per_hour = per_minute("RATE_LIMIT_SIGN_INS_PER_HOUR", limits.sign_ins_per_hour.get())?;
        limits.code_emails_per_day = per_minute("RATE_LIMIT_CODE_EMAILS_PER_DAY", limits.code_emails_per_day.get())?;
        let request_body_timeout = secs("REQUEST_BODY_TIMEOUT_SECS", 10)?;
        if request_body_timeout.is_zero() {
            return Err(err("REQUEST_BODY_TIMEOUT_SECS", "must be at least 1 second"));
        }

        let app_name = get("APP_NAME").unwrap_or_else(|| "leptos-cognito".into());
        if app_name.chars().count() > 64 || app_name.contains(':') || app_name.chars().any(char::is_control) {
            return Err(err("APP_NAME", "must be at most 64 characters, without `:`"));
        }

        let federation = federation(&get, &region, production)?;

        Ok(Self {
            production,
            app_url,
            user_pool_id,
            client_id,
            client_secret,
            client_secret_second,
            region,
            issuer,
            jwks_url,
            api_url,
            redis_url,
            metrics_addr,
            api_client_ids,
            confirmation_mode,
            session_key,
            session_key_previous,
            refresh_margin,
            session_max_age,
            jwt_leeway,
            trusted_proxy_header,
            trusted_proxies,
            limits,
            request_body_timeout,
            app_name,
            reauth_window,
            federation,
        })
    }

    /// Where the pool sends people back with an authorization code (one of the app client's
    /// `CallbackURLs`).
    pub fn callback_url(&self) -> String {
        format!("{}/auth/callback", self.app_url)
    }

    /// Where the pool's `/logout` sends the browser back to (one of the client's `LogoutURLs`).
    pub fn signed_out_url(&self) -> String {
        format!("{}/", self.app_url)
    }

    /// What the pool check expects of the pool and client.
    pub fn expectations(&self) -> cognito_auth::cognito::pool::Expectations {
        let mut expected = cognito_auth::cognito::pool::Expectations::new(self.app_url.clone());
        expected.confirmation_mode = self.confirmation_mode;
        expected.client_secret = self.client_secret.clone();
        expected.second_client_secret = self.client_secret_second.clone();
        expected.federation = self.federation.clone();
        expected.refresh_margin = self.refresh_margin;
        expected.session_max_age = self.session_max_age;
        expected.callback_url = self.callback_url();
        expected.signed_out_url = self.signed_out_url();
        expected
    }

    /// The app client as the pool's OAuth endpoints see it.
    pub fn oauth_client(&self) -> cognito_auth::cognito::oauth::OAuthClient {
        let mut client = cognito_auth::cognito::oauth::OAuthClient::new(
            self.client_id.clone(),
            self.callback_url(),
            self.signed_out_url(),
        );
        client.client_secret = self.client_secret.clone();
        client.second_client_secret = self.client_secret_second.clone();
        client.emulator_json = !self.production;
        client
    }

    /// Whose word the client's address is taken on (`TRUSTED_PROXY_HEADER`, `TRUSTED_PROXIES`).
    pub fn trusted_proxies(&self) -> cognito_auth::limits::TrustedProxies {
        let mut trusted = cognito_auth::limits::TrustedProxies::default();
        trusted.header = self.trusted_proxy_header.clone();
        trusted.proxies = self.trusted_proxies.clone();
        trusted
    }

    /// What the sessions are made with.
    pub fn sessions(&self) -> cognito_auth::session::SessionConfig {
        let mut sessions = cognito_auth::session::SessionConfig::new(self.session_max_age, self.refresh_margin);
        sessions.key = self.session_key.clone();
        sessions.previous_key = self.session_key_previous.clone();
        sessions.secure = self.secure_cookies();
        sessions
    }

    /// Cookies get `Secure` and the `__Host-` prefix whenever the app is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.app_url.starts_with("https://")
    }

    /// `Strict-Transport-Security` for an app served over https: browsers then never try plain
    /// http for it again (for a year), so a network attacker cannot downgrade the first request.
    /// Without `includeSubDomains`: the pool owner's other hosts are not this app's to decide.
    pub fn hsts(&self) -> Option<&'static str> {
        self.secure_cookies().then_some("max-age=31536000")
    }
}

/// `COGNITO_DOMAIN` and the settings that need it.
fn federation(
    get: &impl Fn(&str) -> Option<String>,
    region: &str,
    production: bool,
) -> Result<Option<Federation>, ConfigError> {
    let err = |var: &'static str, problem: &str| ConfigError {
        var,
        problem: problem.into(),
    };
    let flag = |var: &'static str, default: bool| match get(var).as_deref().map(str::trim) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(err(var, "must be `true` or `false`")),
    };
    let providers = match get("COGNITO_IDENTITY_PROVIDERS") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(IdentityProvider::parse)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                err(
                    "COGNITO_IDENTITY_PROVIDERS",
                    "must be the pool's provider names, comma-separated (like Google,MyCorpSAML=My Corp)",
                )
            })?,
    };
    let managed_login = flag("COGNITO_MANAGED_LOGIN", false)?;
    let cognito_local = flag("COGNITO_LOCAL_OAUTH", false)?;
    if cognito_local && production {
        return Err(err(
            "COGNITO_LOCAL_OAUTH",
            "is for the local emulator only, not production",
        ));
    }
    let Some(domain) = get("COGNITO_DOMAIN") else {
        for (var, set) in [
            ("COGNITO_IDENTITY_PROVIDERS", !providers.is_empty()),
            ("COGNITO_MANAGED_LOGIN", managed_login),
        ] {
            if set {
                return Err(err(var, "needs COGNITO_DOMAIN, the pool's domain"));
            }
        }
        return Ok(None);
    };
    let domain = domain.trim().trim_end_matches('/');
    // A prefix (`myapp`), a custom domain (`auth.example.com`), or an origin (an emulator).
    let domain = if domain.contains("://") {
        domain.to_owned()
    } else if domain.contains('.') {
        format!("https://{domain}")
    } else {
        format!("https://{domain}.auth.{region}.amazoncognito.com")
    };
    if !is_origin(&domain) {
        return Err(err(
            "COGNITO_DOMAIN",
            "must be the domain's prefix (myapp), a custom domain (auth.example.com) or an origin (no path)",
        ));
    }
    if production && !is_public_https(&domain) {
        // The authorization code and the client secret travel to it.
        return Err(err("COGNITO_DOMAIN", "must be a public https:// domain in production"));
    }
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|origin| domain == *origin || domain.starts_with(&format!("{origin}:")));
    if cognito_local && !loopback {
        return Err(err(
            "COGNITO_LOCAL_OAUTH",
            "is for cognito-local on this machine (http://127.0.0.1:PORT), not a Cognito domain",
        ));
    }
    let mut federation = Federation::new(domain);
    federation.providers = providers;
    federation.managed_login = managed_login;
    federation.cognito_local = cognito_local;
    Ok(Some(federation))
}

/// `http(s)://host[:port]` and nothing more: no path, query, fragment or user.
fn is_origin(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains(['/', '?', '#', '@'])
    })
}

fn is_public_https(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    !(host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host.starts_with('[')
        || host == "0.0.0.0")
}

/// An address other hosts on the internet can reach: not loopback, private, link-local, shared
/// (CGNAT), unique-local or "every interface" (which binds the host's own addresses: its firewall
/// decides).
fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let shared = v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64;
            !(v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || shared)
        }
        IpAddr::V6(v6) => {
            let unique_local = (v6.segments()[0] & 0xfe00) == 0xfc00;
            let link_local = (v6.segments()[0] & 0xffc0) == 0xfe80;
            !(v6.is_loopback() || v6.is_unspecified() || unique_local || link_local)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn metrics_never_listen_on_a_public_address_in_production() {
        for public in ["203.0.113.9:9100", "[2001:db8::1]:9100"] {
            assert!(
                is_public(public.parse::<std::net::SocketAddr>().expect("addr").ip()),
                "{public}"
            );
        }
        for private in [
            "127.0.0.1:9100",
            "10.0.0.5:9100",
            "0.0.0.0:9100",
            "[::1]:9100",
            "[fd00::5]:9100",
            "100.64.0.1:9100",
        ] {
            assert!(
                !is_public(private.parse::<std::net::SocketAddr>().expect("addr").ip()),
                "{private}"
            );
        }
    }

    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const POOL: (&str, &str) = ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123");
    const CLIENT: (&str, &str) = ("COGNITO_CLIENT_ID", "abc");
    const KEY: (&str, &str) = (
        "SESSION_KEY",
        "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMw==",
    );

    /// One secret, or two while they are rotated (`first,second`); never three.
    #[test]
    fn the_client_secret_may_be_two_while_rotated() {
        let secret = |v: &'static str| config(&[POOL, CLIENT, ("COGNITO_CLIENT_SECRET", v)]);
        let one = secret("only").expect("valid");
        assert!(one.client_secret.is_some_and(|s| s.matches("only")) && one.client_secret_second.is_none());
        let two = secret(" first , second ").expect("valid");
        assert!(two.client_secret.is_some_and(|s| s.matches("first")));
        assert!(two.client_secret_second.is_some_and(|s| s.matches("second")));
        let three = secret("a,b,c").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            three.contains("COGNITO_CLIENT_SECRET") && three.contains("at most two"),
            "{three}"
        );
        assert!(secret(" ").expect("valid").client_secret.is_none());
    }

    #[test]
    fn the_previous_session_key_needs_a_new_one_that_differs() {
        let previous = |v: &'static str| ("SESSION_KEY_PREVIOUS", v);
        let other = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNA==";
        let c = config(&[POOL, CLIENT, KEY, previous(other)]).expect("valid");
        assert_eq!(c.session_key_previous.map(|k| k.len()), Some(64));
        let var_of = |r: Result<Config, ConfigError>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(var_of(config(&[POOL, CLIENT, previous(other)])).contains("SESSION_KEY_PREVIOUS"));
        assert!(var_of(config(&[POOL, CLIENT, KEY, previous(KEY.1)])).contains("same as SESSION_KEY"));
        assert!(var_of(config(&[POOL, CLIENT, KEY, previous("c2hvcnQ=")])).contains("at least 64 bytes"));
    }

    #[test]
    fn the_pool_domain_from_a_prefix_a_custom_domain_or_an_origin() {
        let domain = |v: &'static str| config(&[POOL, CLIENT, ("COGNITO_DOMAIN", v)]).map(|c| c.federation);
        let f = domain("myapp").expect("valid").expect("set");
        assert_eq!(f.domain, "https://myapp.auth.eu-west-1.amazoncognito.com");
        assert!(f.providers.is_empty() && !f.managed_login && !f.cognito_local);
        assert_eq!(
            domain("auth.example.com/").expect("valid").map(|f| f.domain).as_deref(),
            Some("https://auth.example.com")
        );
        assert_eq!(
            domain("http://127.0.0.1:9229")
                .expect("valid")
                .map(|f| f.domain)
                .as_deref(),
            Some("http://127.0.0.1:9229")
        );
        assert!(domain("https://auth.example.com/oauth2").is_err());
        assert_eq!(config(&[POOL, CLIENT]).expect("valid").federation, None);
        // Production: a public https domain only.
        let prod = |v: &'static str| {
            config(&[
                POOL,
                CLIENT,
                KEY,
                ("APP_URL", "https://app.example.com"),
                ("COGNITO_DOMAIN", v),
            ])
        };
        assert!(prod("myapp").is_ok());
        assert!(prod("http://127.0.0.1:9229").is_err());
        let local = config(&[
            KEY,
            POOL,
            CLIENT,
            ("APP_URL", "https://app.example.com"),
            ("COGNITO_DOMAIN", "myapp"),
            ("COGNITO_LOCAL_OAUTH", "true"),
        ]);
        assert!(local.err().is_some_and(|e| e.var == "COGNITO_LOCAL_OAUTH"));
        // Only for cognito-local on this machine: elsewhere it would switch the nonce check off.
        let elsewhere =
            |d: &'static str| config(&[POOL, CLIENT, ("COGNITO_DOMAIN", d), ("COGNITO_LOCAL_OAUTH", "true")]);
        assert!(elsewhere("http://127.0.0.1:9229").is_ok());
        assert!(elsewhere("http://10.0.0.5:9229").is_err());
        assert!(elsewhere("myapp").is_err());
    }

    #[test]
    fn identity_providers_need_a_domain_and_pool_names() {
        let providers = |v: &'static str| {
            config(&[
                POOL,
                CLIENT,
                ("COGNITO_DOMAIN", "myapp"),
                ("COGNITO_IDENTITY_PROVIDERS", v),
            ])
            .map(|c| c.federation.map(|f| f.providers).unwrap_or_default())
        };
        let list = providers("Google, SignInWithApple,MyCorpSAML=My Corp,").expect("valid");
        let labels: Vec<(&str, &str)> = list.iter().map(|p| (p.name.as_str(), p.label.as_str())).collect();
        assert_eq!(
            labels,
            [
                ("Google", "Google"),
                ("SignInWithApple", "Apple"),
                ("MyCorpSAML", "My Corp")
            ]
        );
        for bad in ["Goo gle", "Google=", "a/b", "ThisNameIsFarTooLongForACognitoProvider"] {
            assert!(providers(bad).is_err(), "{bad}");
        }
        let without_domain = config(&[POOL, CLIENT, ("COGNITO_IDENTITY_PROVIDERS", "Google")]);
        assert!(
            without_domain
                .err()
                .is_some_and(|e| e.to_string().contains("needs COGNITO_DOMAIN"))
        );
        let managed = config(&[POOL, CLIENT, ("COGNITO_MANAGED_LOGIN", "true")]);
        assert!(managed.err().is_some_and(|e| e.var == "COGNITO_MANAGED_LOGIN"));
    }

    #[test]
    fn defaults_point_at_real_cognito() {
        let c = config(&[POOL, CLIENT]).expect("valid");
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
        assert_eq!(c.jwks_url, format!("{}/.well-known/jwks.json", c.issuer));
        assert_eq!(c.confirmation_mode, ConfirmationMode::Code);
        assert_eq!(c.api_client_ids, vec!["abc".to_string()]);
        assert_eq!(c.jwt_leeway, Duration::ZERO);
        assert!(!c.secure_cookies());
    }

    #[test]
    fn missing_and_malformed_variables_are_named() {
        assert_eq!(config(&[CLIENT]).expect_err("no pool").var, "COGNITO_USER_POOL_ID");
        assert_eq!(
            config(&[("COGNITO_USER_POOL_ID", "nounderscore"), CLIENT])
                .expect_err("bad")
                .var,
            "COGNITO_USER_POOL_ID"
        );
        assert_eq!(config(&[POOL]).expect_err("no client").var, "COGNITO_CLIENT_ID");
        assert_eq!(
            config(&[POOL, CLIENT, ("CONFIRMATION_MODE", "sms")])
                .expect_err("mode")
                .var,
            "CONFIRMATION_MODE"
        );
        assert_eq!(
            config(&[POOL, CLIENT, ("SESSION_KEY", "c2hvcnQ=")])
                .expect_err("short")
                .var,
            "SESSION_KEY"
        );
        assert_eq!(
            config(&[POOL, CLIENT, ("JWT_LEEWAY_SECS", "-1")]).expect_err("neg").var,
            "JWT_LEEWAY_SECS"
        );
        assert_eq!(
            config(&[POOL, CLIENT, ("JWT_LEEWAY_SECS", "61")])
                .expect_err("too long")
                .var,
            "JWT_LEEWAY_SECS"
        );
        let msg = config(&[CLIENT]).expect_err("no pool").to_string();
        assert!(
            msg.starts_with("configuration: COGNITO_USER_POOL_ID is missing"),
            "{msg}"
        );
    }

    #[test]
    fn an_https_app_is_production_unless_it_says_otherwise() {
        let https = ("APP_URL", "https://app.example.com");
        // A forgotten APP_ENV on a deployed app: production's checks, not a random key.
        assert_eq!(config(&[POOL, CLIENT, https]).expect_err("no key").var, "SESSION_KEY");
        let c = config(&[POOL, CLIENT, https, KEY]).expect("valid");
        assert!(c.production);
        assert_eq!(c.hsts(), Some("max-age=31536000"));
        let local = config(&[POOL, CLIENT, https, ("APP_ENV", "development")]).expect("valid");
        assert!(!local.production);
        let plain = config(&[POOL, CLIENT]).expect("valid");
        assert!(!plain.production);
        assert_eq!(plain.hsts(), None);
    }

    #[test]
    fn a_trusted_proxy_header_needs_the_proxies_it_comes_from() {
        let header = ("TRUSTED_PROXY_HEADER", "x-forwarded-for");
        assert_eq!(
            config(&[POOL, CLIENT, header]).expect_err("no proxies").var,
            "TRUSTED_PROXIES"
        );
        let c = config(&[
            POOL,
            CLIENT,
            header,
            ("TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8,192.0.2.1"),
        ])
        .expect("valid");
        let nets: Vec<String> = c.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(nets, ["10.0.0.0/8", "fd00::/8", "192.0.2.1/32"]);
        for bad in ["10.0.0.0/33", "ten", "10.0.0.0/8;"] {
            let e = config(&[POOL, CLIENT, header, ("TRUSTED_PROXIES", bad)]).expect_err(bad);
            assert_eq!(e.var, "TRUSTED_PROXIES", "{bad}");
        }
        let e = config(&[POOL, CLIENT, ("REQUEST_BODY_TIMEOUT_SECS", "0")]).expect_err("zero");
        assert_eq!(e.var, "REQUEST_BODY_TIMEOUT_SECS");
    }

    #[test]
    fn production_refuses_the_local_emulator_and_plain_http() {
        let prod = ("APP_ENV", "production");
        let https = ("APP_URL", "https://app.example.com");
        assert_eq!(
            config(&[prod, POOL, CLIENT, https]).expect_err("no key").var,
            "SESSION_KEY"
        );
        assert_eq!(config(&[prod, POOL, CLIENT, KEY]).expect_err("http app").var, "APP_URL");
        for issuer in [
            "http://127.0.0.1:9229/eu-west-1_AbC123",
            "https://localhost/x",
            "https://127.0.0.1/x",
        ] {
            let e = config(&[prod, POOL, CLIENT, KEY, https, ("COGNITO_ISSUER", issuer)]).expect_err("local");
            assert_eq!(e.var, "COGNITO_ISSUER", "{issuer}");
        }
        let e = config(&[
            prod,
            POOL,
            CLIENT,
            KEY,
            https,
            ("COGNITO_JWKS_URL", "http://x/jwks.json"),
        ])
        .expect_err("jwks");
        assert_eq!(e.var, "COGNITO_JWKS_URL");
        let c = config(&[prod, POOL, CLIENT, KEY, https]).expect("valid production config");
        assert!(c.secure_cookies());
        assert_eq!(c.session_key.map(|k| k.len()), Some(64));
    }

    #[test]
    fn api_url_is_an_origin_and_https_in_production() {
        assert_eq!(config(&[POOL, CLIENT]).expect("valid").api_url, None);
        let c = config(&[POOL, CLIENT, ("API_URL", "http://127.0.0.1:8080/")]).expect("valid");
        assert_eq!(c.api_url.as_deref(), Some("http://127.0.0.1:8080"));
        for bad in [
            "api.example.com",
            "ftp://api.example.com",
            "https://api.example.com/v1",
            "https://user@api.example.com",
            "https://",
        ] {
            assert_eq!(
                config(&[POOL, CLIENT, ("API_URL", bad)]).expect_err(bad).var,
                "API_URL",
                "{bad}"
            );
        }
        let prod = [
            ("APP_ENV", "production"),
            ("APP_URL", "https://app.example.com"),
            POOL,
            CLIENT,
            KEY,
        ];
        let plain = [&prod[..], &[("API_URL", "http://api.internal")]].concat();
        assert_eq!(config(&plain).expect_err("http api").var, "API_URL");
        let tls = [&prod[..], &[("API_URL", "https://api.example.com")]].concat();
        assert_eq!(
            config(&tls).expect("valid").api_url.as_deref(),
            Some("https://api.example.com")
        );
    }
}

/// `REDIS_URL`, which may hold a password (ElastiCache's AUTH token): never printed.
#[derive(Clone)]
pub struct RedisUrl(String);

impl RedisUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisUrl(…)")
    }
}
