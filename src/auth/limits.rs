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
//! Limits are per instance: behind a load balancer with N instances a client gets up to N times
//! the quota, which still keeps Cognito's account-wide quotas (about 120 sign-ins and 50
//! sign-ups a second) out of reach of one client.

use super::validate::Email;
use crate::config::Config;
use crate::error::AppError;
use axum::http::{HeaderMap, HeaderName};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
}

impl Form {
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
            action if action.starts_with("account-") => Self::Account("any"),
            _ => return None,
        })
    }
}

/// Idle keys are dropped once this many are held, and every few minutes anyway.
const MAX_KEYS: usize = 100_000;

pub struct RateLimits {
    per_client: DefaultKeyedRateLimiter<IpAddr>,
    per_form: DefaultKeyedRateLimiter<Form>,
    /// Attempts, for the account page's forms.
    per_email: DefaultKeyedRateLimiter<(Form, String)>,
    failures: Failures,
    clock: DefaultClock,
    trusted_proxy_header: Option<HeaderName>,
    trusted_proxies: Vec<ipnet::IpNet>,
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            per_client: DefaultKeyedRateLimiter::keyed(Quota::per_minute(config.rate_limit_ip_per_minute)),
            per_form: DefaultKeyedRateLimiter::keyed(Quota::per_minute(config.rate_limit_form_per_minute)),
            per_email: DefaultKeyedRateLimiter::keyed(Quota::per_minute(config.rate_limit_email_per_minute)),
            failures: Failures::per_minute(config.rate_limit_email_per_minute),
            clock: DefaultClock::default(),
            trusted_proxy_header: config.trusted_proxy_header.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
        }
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
    pub fn check_client(&self, form: Form, ip: IpAddr) -> Result<(), AppError> {
        if self.per_client.len() >= MAX_KEYS {
            self.per_client.retain_recent();
        }
        let client = client_key(ip);
        self.per_client.check_key(&client).map_err(|not_until| {
            tracing::info!(%client, "rate limit per client reached");
            limited(not_until.wait_time_from(self.clock.now()))
        })?;
        self.per_form.check_key(&form).map_err(|not_until| {
            tracing::warn!(?form, "rate limit for all clients together reached");
            limited(not_until.wait_time_from(self.clock.now()))
        })
    }

    /// Whether `email` may still fail at `form`: checked before Cognito is called, counted
    /// with [`Self::count_failure`] after. Nothing is used up by asking.
    pub fn check_email(&self, form: Form, email: &Email) -> Result<(), AppError> {
        self.failures.check(&(form, email.as_str().to_owned())).map_err(|wait| {
            tracing::info!(?form, "rate limit of failures per e-mail reached");
            limited(wait)
        })
    }

    /// Counts `outcome` against `email`'s budget at `form` when it is a failure: a wrong
    /// password or code, or Cognito's own "too many attempts". Anything else — success, a typo
    /// caught before the call, Cognito unreachable — costs nothing.
    pub fn count_failure<T>(&self, form: Form, email: &Email, outcome: &Result<T, AppError>) {
        if let Err(
            AppError::InvalidCredentials
            | AppError::WrongCode
            | AppError::ExpiredCode
            | AppError::WrongMfaCode
            | AppError::WrongPassword
            | AppError::TooManyAttempts,
        ) = outcome
        {
            self.failures.record((form, email.as_str().to_owned()));
        }
    }

    /// Every attempt counts: for the account page's forms, which only a signed-in person reaches.
    pub fn check_email_attempt(&self, form: Form, email: &Email) -> Result<(), AppError> {
        if self.per_email.len() >= MAX_KEYS {
            self.per_email.retain_recent();
        }
        self.per_email
            .check_key(&(form, email.as_str().to_owned()))
            .map_err(|not_until| {
                tracing::info!(?form, "rate limit per e-mail reached");
                limited(not_until.wait_time_from(self.clock.now()))
            })
    }

    /// Drops the keys whose limit has fully recovered; they hold no information any more.
    pub fn forget_idle(&self) {
        self.per_client.retain_recent();
        self.per_email.retain_recent();
        self.per_client.shrink_to_fit();
        self.per_email.shrink_to_fit();
        self.failures.forget_idle();
    }

    /// Drops idle keys every few minutes for as long as the limits are in use.
    pub fn spawn_cleanup(limits: &Arc<Self>) {
        let weak = Arc::downgrade(limits);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(300));
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(limits) = weak.upgrade() else { break };
                limits.forget_idle();
            }
        });
    }
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

/// A GCRA budget that only failures use up, so it can be asked without spending: each key
/// holds the time its budget is full again ("theoretical arrival time"); a failure pushes it
/// one interval later; a key more than a burst ahead of now is out of budget.
struct Failures {
    interval: Duration,
    /// How far ahead of now a key may be and still fail once more.
    tolerance: Duration,
    keys: Mutex<HashMap<(Form, String), Instant>>,
}

impl Failures {
    fn per_minute(n: std::num::NonZeroU32) -> Self {
        let interval = Duration::from_secs(60) / n.get();
        Self {
            interval,
            tolerance: interval * (n.get() - 1),
            keys: Mutex::default(),
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<(Form, String), Instant>> {
        // A panic elsewhere while holding the lock leaves plain timestamps: still usable.
        self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(wait)`: out of budget for this long.
    fn check(&self, key: &(Form, String)) -> Result<(), Duration> {
        let now = Instant::now();
        let ahead = self
            .keys()
            .get(key)
            .map(|tat| tat.saturating_duration_since(now))
            .unwrap_or_default();
        match ahead.checked_sub(self.tolerance) {
            Some(wait) if !wait.is_zero() => Err(wait),
            _ => Ok(()),
        }
    }

    fn record(&self, key: (Form, String)) {
        let now = Instant::now();
        let mut keys = self.keys();
        if keys.len() >= MAX_KEYS {
            keys.retain(|_, tat| *tat > now);
        }
        let tat = keys.entry(key).or_insert(now);
        *tat = (*tat).max(now) + self.interval;
    }

    fn forget_idle(&self) {
        let now = Instant::now();
        let mut keys = self.keys();
        keys.retain(|_, tat| *tat > now);
        keys.shrink_to_fit();
    }
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
        let mut all = vec![
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("COGNITO_CLIENT_ID", "client"),
        ];
        all.extend_from_slice(vars);
        let config =
            Config::from_lookup(|k| all.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).expect("config");
        RateLimits::new(&config)
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

    #[test]
    fn each_client_gets_its_quota_then_a_wait() {
        let limits = limits(&[("RATE_LIMIT_IP_PER_MINUTE", "3")]);
        for _ in 0..3 {
            assert_eq!(limits.check_client(Form::SignIn, PEER), Ok(()));
        }
        match limits.check_client(Form::SignIn, PEER) {
            // One token comes back every 20 s.
            Err(AppError::RateLimited { seconds }) => assert!((1..=20).contains(&seconds), "{seconds}"),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert_eq!(
            limits.check_client(Form::SignIn, IpAddr::V4(Ipv4Addr::LOCALHOST)),
            Ok(()),
            "other clients are not affected"
        );
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let limits = limits(&[("RATE_LIMIT_IP_PER_MINUTE", "3")]);
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"] {
            assert_eq!(limits.check_client(Form::SignIn, ip(host)), Ok(()));
        }
        assert!(matches!(
            limits.check_client(Form::SignIn, ip("2001:db8:1:2:abcd::9")),
            Err(AppError::RateLimited { .. })
        ));
        // The next /64 is another client.
        assert_eq!(limits.check_client(Form::SignIn, ip("2001:db8:1:3::1")), Ok(()));
        assert_eq!(client_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn all_clients_together_meet_the_forms_ceiling() {
        let limits = limits(&[("RATE_LIMIT_FORM_PER_MINUTE", "5")]);
        for n in 1..=5u8 {
            assert_eq!(
                limits.check_client(Form::SignIn, IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))),
                Ok(())
            );
        }
        assert!(matches!(
            limits.check_client(Form::SignIn, ip("198.51.100.1")),
            Err(AppError::RateLimited { .. })
        ));
        // Each form has its own ceiling.
        assert_eq!(limits.check_client(Form::ForgotPassword, ip("198.51.100.1")), Ok(()));
    }

    #[test]
    fn only_failures_use_up_an_emails_budget() {
        let limits = limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]);
        let ada = Email::parse("ada@example.com").expect("email");
        let bob = Email::parse("bob@example.com").expect("email");
        // Asking, successes and errors that are not a failed guess cost nothing.
        for outcome in [Ok(()), Err(AppError::Unavailable), Err(AppError::WeakPassword)] {
            assert_eq!(limits.check_email(Form::SignIn, &ada), Ok(()));
            limits.count_failure(Form::SignIn, &ada, &outcome);
        }
        for _ in 0..2 {
            assert_eq!(limits.check_email(Form::SignIn, &ada), Ok(()));
            limits.count_failure::<()>(Form::SignIn, &ada, &Err(AppError::InvalidCredentials));
        }
        match limits.check_email(Form::SignIn, &ada) {
            // One failure is forgiven every 30 s.
            Err(AppError::RateLimited { seconds }) => assert!((1..=30).contains(&seconds), "{seconds}"),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert_eq!(limits.check_email(Form::ForgotPassword, &ada), Ok(()));
        assert_eq!(limits.check_email(Form::SignIn, &bob), Ok(()));
        limits.count_failure::<()>(Form::ResetPassword, &bob, &Err(AppError::WrongCode));
        limits.count_failure::<()>(Form::ResetPassword, &bob, &Err(AppError::ExpiredCode));
        assert!(limits.check_email(Form::ResetPassword, &bob).is_err());
    }

    #[test]
    fn the_account_forms_count_every_attempt() {
        let limits = limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]);
        let ada = Email::parse("ada@example.com").expect("email");
        let form = Form::Account("password");
        assert_eq!(limits.check_email_attempt(form, &ada), Ok(()));
        assert_eq!(limits.check_email_attempt(form, &ada), Ok(()));
        assert!(limits.check_email_attempt(form, &ada).is_err());
    }

    #[test]
    fn only_the_cognito_forms_are_limited() {
        assert_eq!(Form::from_path("/auth/sign-in"), Some(Form::SignIn));
        assert_eq!(Form::from_path("/auth/reset-password"), Some(Form::ResetPassword));
        assert_eq!(Form::from_path("/auth/api-token"), None);
        assert_eq!(Form::from_path("/sign-in"), None);
    }
}
