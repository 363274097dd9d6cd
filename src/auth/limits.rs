//! Rate limits in front of Cognito, checked before it is called.
//!
//! Per client, over every form that calls Cognito, applied by the server-function guard in
//! `crate::server` before the request body is even read: a client is an IPv4 address or an
//! IPv6 /64 (one host or one home gets a whole /64, so a limit per IPv6 address would be no
//! limit at all). Per form, from all clients together: a ceiling that a spray spread over
//! thousands of addresses cannot get past. Per e-mail address and form, applied by each server
//! function once the e-mail is parsed: it counts *failures* (a wrong password, a wrong code),
//! not attempts, so anyone posting junk with a person's address cannot lock them out of their
//! own sign-in or reset, while a slow guess from many addresses still stops. (The account
//! page's forms, behind a session, count attempts per e-mail.) All answer 429 with
//! `Retry-After`, and a person sees how long to wait. Unknown and known e-mails are limited
//! alike, so a limit tells nothing about accounts.
//!
//! The client's address is the socket's peer, or what a trusted proxy put in its header — only
//! when the peer is one of `TRUSTED_PROXIES`.
//!
//! Every limit is a GCRA budget ([`Rule`]). With a shared session store (Redis) the budgets are
//! counted there, in one Lua script per step, so N instances allow what one does; while the
//! store cannot be reached they are counted per instance, with a warning in the log (a limit
//! that lets a little more through for a minute is better than a sign-in page that is down).
//! Without a shared store they are counted in this process: behind a load balancer with N
//! instances a client then gets up to N times the quota. E-mail addresses are keyed by their
//! SHA-256, never in clear.

use super::session::store::{Mode, Rule, SessionStore, StoreDown, memory::Memory, unix_ms};
use super::validate::Email;
use crate::config::Config;
use crate::error::AppError;
use axum::http::{HeaderMap, HeaderName};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A form whose server function calls Cognito.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    SignUp,
    Confirm,
    Resend,
    SignIn,
    ForgotPassword,
    ResetPassword,
    /// A sign-in code (authenticator app, e-mail, text message), also while setting one up.
    MfaCode,
    ChooseMfa,
    NewPassword,
    /// A form of the account page (`auth::account::forms`), keyed by the person's e-mail.
    Account(&'static str),
    /// A sign-in without a password: every request for a passkey's options or an e-mailed code
    /// counts (each starts a Cognito sign-in; a code is an e-mail to someone's inbox).
    Passwordless,
    /// A round trip through the pool's OAuth endpoints: its start and its callback.
    Federation,
}

impl Form {
    /// Its name in keys and metrics.
    pub fn label(self) -> &'static str {
        match self {
            Self::SignUp => "sign-up",
            Self::Confirm => "confirm",
            Self::Resend => "resend-code",
            Self::SignIn => "sign-in",
            Self::ForgotPassword => "forgot-password",
            Self::ResetPassword => "reset-password",
            Self::MfaCode => "mfa-code",
            Self::ChooseMfa => "choose-mfa",
            Self::NewPassword => "new-password",
            Self::Account(_) => "account",
            Self::Passwordless => "passwordless",
            Self::Federation => "federation",
        }
    }

    /// The form a request path belongs to (the server functions' endpoints).
    pub fn from_path(path: &str) -> Option<Self> {
        Some(match path.strip_prefix(super::csrf::SERVER_FN_PREFIX)? {
            "sign-up" => Self::SignUp,
            "confirm" => Self::Confirm,
            "resend-code" => Self::Resend,
            "sign-in" => Self::SignIn,
            "forgot-password" => Self::ForgotPassword,
            "reset-password" => Self::ResetPassword,
            "mfa-code" | "mfa-setup" => Self::MfaCode,
            "choose-mfa" => Self::ChooseMfa,
            "new-password" => Self::NewPassword,
            "passkey-options" | "passkey-sign-in" | "sign-in-email-code" => Self::Passwordless,
            "continue" | "callback" => Self::Federation,
            action if action.starts_with("account-") => Self::Account("any"),
            _ => return None,
        })
    }
}

pub struct RateLimits {
    per_client: Rule,
    per_form: Rule,
    /// Attempts, for the account page's forms.
    per_email: Rule,
    /// Failures (wrong password or code) per e-mail and form.
    failures: Rule,
    /// Redis, when the store is shared; the limits count there.
    shared: Option<Arc<SessionStore>>,
    /// This instance's count: the only one without a shared store, the fallback while it is down.
    local: Memory,
    /// When the fallback was last logged (Unix ms): one warning a minute, not one per request.
    warned_at: AtomicI64,
    trusted_proxy_header: Option<HeaderName>,
    trusted_proxies: Vec<ipnet::IpNet>,
}

impl RateLimits {
    /// Counts in `shared` when it is (Redis), else in this process.
    pub fn new(config: &Config, shared: Option<Arc<SessionStore>>) -> Self {
        Self {
            per_client: Rule::per_minute(config.rate_limit_ip_per_minute),
            per_form: Rule::per_minute(config.rate_limit_form_per_minute),
            per_email: Rule::per_minute(config.rate_limit_email_per_minute),
            failures: Rule::per_minute(config.rate_limit_email_per_minute),
            shared: shared.filter(|s| s.is_shared()),
            local: Memory::default(),
            warned_at: AtomicI64::new(i64::MIN),
            trusted_proxy_header: config.trusted_proxy_header.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
        }
    }

    /// One step of `rule` on `key`, in the shared store or, without one or while it is down,
    /// here. `Err(wait)` when out of budget.
    async fn step(&self, key: &str, rule: Rule, mode: Mode) -> Result<(), Duration> {
        if let Some(store) = &self.shared {
            match store.rate(key, rule, mode).await {
                Ok(answer) => return answer,
                Err(StoreDown) => {
                    let now = unix_ms();
                    let last = self.warned_at.load(Ordering::Relaxed);
                    if now.saturating_sub(last) >= 60_000
                        && self
                            .warned_at
                            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                            .is_ok()
                    {
                        tracing::warn!(
                            "the session store is unreachable: rate limits are counted per instance until it is back"
                        );
                    }
                }
            }
        }
        self.local.rate(key, rule, mode, unix_ms())
    }

    /// The client's address: the connection's peer, or — when that peer is a trusted proxy —
    /// the right-most address in the proxy's header that is not itself a trusted proxy (entries
    /// to its left are whatever the client sent). A value that does not parse is logged and
    /// ignored: the peer is used, never one address every bad value would share.
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> IpAddr {
        let peer = peer.map(|ip| ip.to_canonical());
        let unknown = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        let (Some(name), Some(peer)) = (self.trusted_proxy_header.as_ref(), peer) else {
            return peer.unwrap_or(unknown);
        };
        if !self.is_trusted(peer) {
            return peer;
        }
        // Several header lines are one list, in order (RFC 9110 §5.3).
        let mut hops = Vec::new();
        for value in headers.get_all(name) {
            let Ok(value) = value.to_str() else {
                tracing::warn!(header = %name, "the trusted proxy's header is not text; using the peer address");
                return peer;
            };
            hops.extend(value.split(',').map(str::trim));
        }
        let mut client = peer;
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(ip) if self.is_trusted(ip) => client = ip,
                Some(ip) => return ip,
                None => {
                    tracing::warn!(header = %name, value = %hop, "a hop in the trusted proxy's header does not parse; using the peer address");
                    return peer;
                }
            }
        }
        // Only proxies in the chain: the left-most is as close to the client as we know.
        client
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// One post to `form` from `ip`: within the client's quota, and within the form's ceiling
    /// for everyone.
    pub async fn check_client(&self, form: Form, ip: IpAddr) -> Result<(), AppError> {
        let client = client_key(ip);
        self.step(&format!("ip:{client}"), self.per_client, Mode::Take)
            .await
            .map_err(|wait| {
                tracing::info!(%client, "rate limit per client reached");
                limited(wait)
            })?;
        self.step(&format!("form:{}", form.label()), self.per_form, Mode::Take)
            .await
            .map_err(|wait| {
                tracing::warn!(?form, "rate limit for all clients together reached");
                limited(wait)
            })
    }

    /// Whether `email` may still fail at `form`: checked before Cognito is called, counted
    /// with [`Self::count_failure`] after. Nothing is used up by asking.
    pub async fn check_email(&self, form: Form, email: &Email) -> Result<(), AppError> {
        self.step(&email_key("fail", form, email), self.failures, Mode::Check)
            .await
            .map_err(|wait| {
                tracing::info!(?form, "rate limit of failures per e-mail reached");
                metrics::counter!("rate_limited_total", "form" => form.label()).increment(1);
                limited(wait)
            })
    }

    /// Counts `outcome` against `email`'s budget at `form` when it is a failure: a wrong
    /// password or code, or Cognito's own "too many attempts". Anything else — success, a typo
    /// caught before the call, Cognito unreachable — costs nothing.
    pub async fn count_failure<T>(&self, form: Form, email: &Email, outcome: &Result<T, AppError>) {
        if let Err(
            AppError::InvalidCredentials
            | AppError::WrongCode
            | AppError::ExpiredCode
            | AppError::WrongMfaCode
            | AppError::WrongPassword
            | AppError::PasskeyRefused
            | AppError::TooManyAttempts,
        ) = outcome
        {
            let _ = self
                .step(&email_key("fail", form, email), self.failures, Mode::Record)
                .await;
        }
    }

    /// Every attempt counts: for the account page's forms, which only a signed-in person reaches.
    pub async fn check_email_attempt(&self, form: Form, email: &Email) -> Result<(), AppError> {
        self.step(&email_key("attempt", form, email), self.per_email, Mode::Take)
            .await
            .map_err(|wait| {
                tracing::info!(?form, "rate limit per e-mail reached");
                metrics::counter!("rate_limited_total", "form" => form.label()).increment(1);
                limited(wait)
            })
    }
}

/// A key for `email` at `form`: its SHA-256, so the store never holds an address in clear.
fn email_key(kind: &str, form: Form, email: &Email) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, email.as_str().as_bytes());
    let hex: String = digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
    // Debug, not the label: each account form has its own budget.
    format!("{kind}:{form:?}:{hex}")
}

/// The key a client is limited by: an IPv4 address, or the /64 an IPv6 address is in.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

/// One entry of a forwarding header: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let ip = hop
        .parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .or_else(|_| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(hop)
                .parse::<Ipv6Addr>()
                .map(IpAddr::V6)
        })
        .ok()?;
    Some(ip.to_canonical())
}

fn limited(wait: Duration) -> AppError {
    // Rounded up: "wait 0 seconds" would be a lie a person could act on.
    let seconds = u32::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u32::MAX)
        .max(1);
    AppError::RateLimited { seconds }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn limits(vars: &[(&str, &str)]) -> RateLimits {
        limits_on(vars, None)
    }

    fn limits_on(vars: &[(&str, &str)], shared: Option<Arc<SessionStore>>) -> RateLimits {
        let mut all = vec![
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("COGNITO_CLIENT_ID", "client"),
        ];
        all.extend_from_slice(vars);
        let config =
            Config::from_lookup(|k| all.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).expect("config");
        RateLimits::new(&config, shared)
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().expect("value"));
        }
        map
    }

    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
    const BEHIND: [(&str, &str); 2] = [
        ("TRUSTED_PROXY_HEADER", "X-Forwarded-For"),
        ("TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8"),
    ];

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn the_client_ip_comes_from_the_trusted_header_only() {
        let forwarded = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7")]);
        // Without a trusted proxy the header is the client's own word: ignored.
        assert_eq!(limits(&[]).client_ip(&forwarded, Some(PEER)), PEER);
        let behind = limits(&BEHIND);
        // The right-most entry is the one the proxy appended; "1.2.3.4" was sent by the client.
        assert_eq!(behind.client_ip(&forwarded, Some(PEER)), ip("203.0.113.7"));
        assert_eq!(behind.client_ip(&HeaderMap::new(), Some(PEER)), PEER);
        // A peer outside TRUSTED_PROXIES sent the header itself.
        let stranger = ip("198.51.100.9");
        assert_eq!(behind.client_ip(&forwarded, Some(stranger)), stranger);
        // No peer known: the header cannot be believed either.
        assert_eq!(behind.client_ip(&forwarded, None), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }

    #[test]
    fn forwarded_values_with_ports_brackets_and_chains_parse() {
        let behind = limits(&BEHIND);
        let from = |value: &'static str| behind.client_ip(&headers(&[("x-forwarded-for", value)]), Some(PEER));
        assert_eq!(from("203.0.113.7:4711"), ip("203.0.113.7"));
        assert_eq!(from("2001:db8::1"), ip("2001:db8::1"));
        assert_eq!(from("[2001:db8::1]"), ip("2001:db8::1"));
        assert_eq!(from("[2001:db8::1]:4711"), ip("2001:db8::1"));
        assert_eq!(from("::ffff:203.0.113.7"), ip("203.0.113.7"));
        // Trusted hops (a CDN in front of the balancer) are skipped from the right.
        assert_eq!(from("1.2.3.4, 203.0.113.7, 10.1.2.3, fd00::5"), ip("203.0.113.7"));
        // Only proxies: the left-most one.
        assert_eq!(from("10.7.7.7, 10.1.2.3"), ip("10.7.7.7"));
        // Several header lines are one list.
        let two = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "203.0.113.8")]);
        assert_eq!(behind.client_ip(&two, Some(PEER)), ip("203.0.113.8"));
    }

    #[test]
    fn a_bad_forwarded_value_falls_back_to_the_peer_never_a_shared_address() {
        let behind = limits(&BEHIND);
        for bad in [
            "junk",
            "",
            "203.0.113.7, junk",
            "unknown",
            "[2001:db8::1",
            "1.2.3.4:port",
        ] {
            let forwarded = headers(&[("x-forwarded-for", bad)]);
            assert_eq!(behind.client_ip(&forwarded, Some(PEER)), PEER, "{bad:?}");
        }
        let mut binary = HeaderMap::new();
        binary.insert(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff1.2.3.4").expect("value"),
        );
        assert_eq!(behind.client_ip(&binary, Some(PEER)), PEER);
    }

    #[tokio::test]
    async fn each_client_gets_its_quota_then_a_wait() {
        let limits = limits(&[("RATE_LIMIT_IP_PER_MINUTE", "3")]);
        for _ in 0..3 {
            assert_eq!(limits.check_client(Form::SignIn, PEER).await, Ok(()));
        }
        match limits.check_client(Form::SignIn, PEER).await {
            // One token comes back every 20 s.
            Err(AppError::RateLimited { seconds }) => assert!((1..=20).contains(&seconds), "{seconds}"),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert_eq!(
            limits.check_client(Form::SignIn, IpAddr::V4(Ipv4Addr::LOCALHOST)).await,
            Ok(()),
            "other clients are not affected"
        );
    }

    #[tokio::test]
    async fn an_ipv6_client_is_its_slash_64() {
        let limits = limits(&[("RATE_LIMIT_IP_PER_MINUTE", "3")]);
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"] {
            assert_eq!(limits.check_client(Form::SignIn, ip(host)).await, Ok(()));
        }
        assert!(matches!(
            limits.check_client(Form::SignIn, ip("2001:db8:1:2:abcd::9")).await,
            Err(AppError::RateLimited { .. })
        ));
        // The next /64 is another client.
        assert_eq!(limits.check_client(Form::SignIn, ip("2001:db8:1:3::1")).await, Ok(()));
        assert_eq!(client_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[tokio::test]
    async fn all_clients_together_meet_the_forms_ceiling() {
        let limits = limits(&[("RATE_LIMIT_FORM_PER_MINUTE", "5")]);
        for n in 1..=5u8 {
            assert_eq!(
                limits
                    .check_client(Form::SignIn, IpAddr::V4(Ipv4Addr::new(192, 0, 2, n)))
                    .await,
                Ok(())
            );
        }
        assert!(matches!(
            limits.check_client(Form::SignIn, ip("198.51.100.1")).await,
            Err(AppError::RateLimited { .. })
        ));
        // Each form has its own ceiling.
        assert_eq!(
            limits.check_client(Form::ForgotPassword, ip("198.51.100.1")).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn only_failures_use_up_an_emails_budget() {
        let limits = limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]);
        let ada = Email::parse("ada@example.com").expect("email");
        let bob = Email::parse("bob@example.com").expect("email");
        // Asking, successes and errors that are not a failed guess cost nothing.
        for outcome in [Ok(()), Err(AppError::Unavailable), Err(AppError::WeakPassword)] {
            assert_eq!(limits.check_email(Form::SignIn, &ada).await, Ok(()));
            limits.count_failure(Form::SignIn, &ada, &outcome).await;
        }
        for _ in 0..2 {
            assert_eq!(limits.check_email(Form::SignIn, &ada).await, Ok(()));
            limits
                .count_failure::<()>(Form::SignIn, &ada, &Err(AppError::InvalidCredentials))
                .await;
        }
        match limits.check_email(Form::SignIn, &ada).await {
            // One failure is forgiven every 30 s.
            Err(AppError::RateLimited { seconds }) => assert!((1..=30).contains(&seconds), "{seconds}"),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert_eq!(limits.check_email(Form::ForgotPassword, &ada).await, Ok(()));
        assert_eq!(limits.check_email(Form::SignIn, &bob).await, Ok(()));
        limits
            .count_failure::<()>(Form::ResetPassword, &bob, &Err(AppError::WrongCode))
            .await;
        limits
            .count_failure::<()>(Form::ResetPassword, &bob, &Err(AppError::ExpiredCode))
            .await;
        assert!(limits.check_email(Form::ResetPassword, &bob).await.is_err());
    }

    #[tokio::test]
    async fn the_account_forms_count_every_attempt() {
        let limits = limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]);
        let ada = Email::parse("ada@example.com").expect("email");
        let form = Form::Account("password");
        assert_eq!(limits.check_email_attempt(form, &ada).await, Ok(()));
        assert_eq!(limits.check_email_attempt(form, &ada).await, Ok(()));
        assert!(limits.check_email_attempt(form, &ada).await.is_err());
    }

    #[test]
    fn only_the_cognito_forms_are_limited() {
        assert_eq!(Form::from_path("/auth/sign-in"), Some(Form::SignIn));
        assert_eq!(Form::from_path("/auth/reset-password"), Some(Form::ResetPassword));
        assert_eq!(Form::from_path("/auth/api-token"), None);
        assert_eq!(Form::from_path("/sign-in"), None);
    }

    #[tokio::test]
    async fn two_instances_on_one_redis_share_one_budget() {
        let redis = crate::auth::session::store::test_redis::TestRedis::start();
        let store = Arc::new(SessionStore::redis(&redis.url()).expect("url"));
        let vars = [
            ("RATE_LIMIT_IP_PER_MINUTE", "60"),
            ("RATE_LIMIT_FORM_PER_MINUTE", "1000"),
        ];
        let (a, b) = (limits_on(&vars, Some(store.clone())), limits_on(&vars, Some(store)));
        // 60 posts spread over both instances, then the 61st is refused wherever it lands.
        for n in 0..60 {
            let instance = if n % 2 == 0 { &a } else { &b };
            assert_eq!(instance.check_client(Form::SignIn, PEER).await, Ok(()), "post {n}");
        }
        for instance in [&a, &b] {
            assert!(matches!(
                instance.check_client(Form::SignIn, PEER).await,
                Err(AppError::RateLimited { seconds: 1 })
            ));
        }
        // Failures per e-mail too.
        let ada = Email::parse("ada@example.com").expect("email");
        let c = limits_on(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")], a.shared.clone());
        let d = limits_on(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")], a.shared.clone());
        c.count_failure::<()>(Form::SignIn, &ada, &Err(AppError::InvalidCredentials))
            .await;
        d.count_failure::<()>(Form::SignIn, &ada, &Err(AppError::InvalidCredentials))
            .await;
        assert!(c.check_email(Form::SignIn, &ada).await.is_err());
        assert!(d.check_email(Form::SignIn, &ada).await.is_err());
    }

    #[tokio::test]
    async fn while_redis_is_down_each_instance_counts_alone() {
        let mut redis = crate::auth::session::store::test_redis::TestRedis::start();
        let store = Arc::new(SessionStore::redis(&redis.url()).expect("url"));
        let a = limits_on(&[("RATE_LIMIT_IP_PER_MINUTE", "2")], Some(store));
        redis.kill();
        // Still limited, by this instance's own count: never open, never an error page.
        assert_eq!(a.check_client(Form::SignIn, PEER).await, Ok(()));
        assert_eq!(a.check_client(Form::SignIn, PEER).await, Ok(()));
        assert!(matches!(
            a.check_client(Form::SignIn, PEER).await,
            Err(AppError::RateLimited { .. })
        ));
        // Back: counted in the store again, with no restart of the app.
        redis.restart();
        let store = a.shared.clone().expect("shared");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while store.ping().await.is_err() {
            assert!(std::time::Instant::now() < deadline, "the store did not come back");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let other = ip("192.0.2.77");
        assert_eq!(a.check_client(Form::SignIn, other).await, Ok(()));
        assert_eq!(a.check_client(Form::SignIn, other).await, Ok(()));
        let b = limits_on(&[("RATE_LIMIT_IP_PER_MINUTE", "2")], Some(store));
        assert!(
            matches!(
                b.check_client(Form::SignIn, other).await,
                Err(AppError::RateLimited { .. })
            ),
            "another instance sees what this one counted"
        );
    }
}
