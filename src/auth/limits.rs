//! Abuse limits in front of Cognito: a spray from many addresses slows the attacker, not the
//! people.
//!
//! **Posts, per source** — checked by the server-function guard (`crate::server`) before the
//! function runs: per client (an IPv4 address, an IPv6 /64: one host or one home gets a whole
//! /64, so a limit per IPv6 address would be no limit at all), and in front of it per network (an
//! IPv4 /24, an IPv6 /48; an IPv6 /56, one home's delegation, gets four clients' worth). All of a
//! post's buckets are taken together or not at all, so a client its network refuses spends
//! nothing of its own. A post that carries a cookie this server sealed for an earlier step of
//! the same flow ([`Proof`]: the session for the account page, a pending sign-in for its code,
//! a passkey ceremony for its answer, a browser that signed in here before for the first-factor
//! forms) is counted by that cookie instead: a person whose network is being sprayed from is
//! not slowed by it. There is no budget shared by everyone for posts: ten addresses posting junk
//! used to lock every person out of every form.
//!
//! **Failures, per account** — a wrong password or code counts against the e-mail address at
//! that form (checked before Cognito is called, counted after). Only failures count, so junk
//! posted with a person's address cannot lock them out. A browser that has signed in to that
//! account before — OWASP's "device cookie" (`session::device`) — counts its own failures
//! instead, so a spray of wrong passwords against a person does not keep *them* out either.
//!
//! **Failures, all together** — first-factor failures from browsers without such a cookie are
//! also counted for everyone ([`Limits::failures`]). Past that ceiling the pool is under a spray:
//! each client and network may then fail only a few times a minute until it eases. Nobody is
//! refused for the ceiling alone: a person on a clean network still signs in (a right password
//! is no failure), a source that keeps failing waits.
//!
//! **Per person** — successful sign-ins per hour (each writes a session record), account page
//! views, the account forms' attempts, and e-mails with a code per address per day (a lever to
//! fill someone's inbox, and Cognito's quota).
//!
//! All answer 429 with `Retry-After`, and a person sees how long to wait. Unknown and known
//! e-mails are limited alike, so a limit tells nothing about accounts.
//!
//! The client's address is the socket's peer, or what a trusted proxy put in its header — only
//! when the peer is one of `TRUSTED_PROXIES`.
//!
//! Every limit is a GCRA budget ([`Rule`]). With a shared session store (Redis) the budgets are
//! counted there, one Lua script per step, so N instances allow what one does; while the store
//! cannot be reached they are counted per instance, with a warning in the log (a limit that lets
//! a little more through for a minute is better than a sign-in page that is down). E-mail
//! addresses are keyed by their SHA-256, never in clear.

use super::clock::Clock;
use super::session::device::Device;
use super::session::store::{Mode, Rule, SessionStore, StoreDown, memory::Memory};
use super::validate::Email;
use crate::config::{Config, Limits};
use crate::error::AppError;
use axum::http::{HeaderMap, HeaderName};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
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
    /// "E-mail me a code": a sign-in without a password.
    EmailCode,
    /// The request options for a passkey sign-in.
    PasskeyOptions,
    /// The browser's signed answer to them (under the passkey ceremony's cookie).
    PasskeyAnswer,
    ForgotPassword,
    ResetPassword,
    /// A sign-in code (authenticator app, e-mail, text message), also while setting one up.
    MfaCode,
    ChooseMfa,
    NewPassword,
    /// A form of the account page (`auth::account::forms`), keyed by the person's e-mail.
    Account(&'static str),
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
            Self::EmailCode => "sign-in-email-code",
            Self::PasskeyOptions => "passkey-options",
            Self::PasskeyAnswer => "passkey-sign-in",
            Self::ForgotPassword => "forgot-password",
            Self::ResetPassword => "reset-password",
            Self::MfaCode => "mfa-code",
            Self::ChooseMfa => "choose-mfa",
            Self::NewPassword => "new-password",
            Self::Account(_) => "account",
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
            "sign-in-email-code" => Self::EmailCode,
            "passkey-options" => Self::PasskeyOptions,
            "passkey-sign-in" => Self::PasskeyAnswer,
            "forgot-password" => Self::ForgotPassword,
            "reset-password" => Self::ResetPassword,
            "mfa-code" | "mfa-setup" => Self::MfaCode,
            "choose-mfa" => Self::ChooseMfa,
            "new-password" => Self::NewPassword,
            "continue" | "callback" => Self::Federation,
            // The header's language switch writes the person's `locale` at Cognito.
            "language" => Self::Account("language"),
            action if action.starts_with("account-") => Self::Account("any"),
            _ => return None,
        })
    }

    /// A form someone without any earlier step can post: its failures count towards the
    /// ceiling for everyone ([`Limits::failures`]).
    pub fn first_factor(self) -> bool {
        matches!(
            self,
            Self::SignUp
                | Self::Confirm
                | Self::Resend
                | Self::SignIn
                | Self::EmailCode
                | Self::PasskeyOptions
                | Self::ForgotPassword
                | Self::ResetPassword
        )
    }

    /// Which failure budget a form's failures use: the ways into one account share one.
    fn failure_group(self) -> &'static str {
        match self {
            Self::SignIn | Self::EmailCode | Self::PasskeyOptions | Self::PasskeyAnswer => "sign-in",
            other => other.label(),
        }
    }
}

/// A cookie this server sealed for an earlier step, which a post carries: such a post is
/// counted by the cookie, not by the network it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    pub kind: ProofKind,
    /// What names this cookie (a session id, a digest of a pending step's sealed value, a device
    /// cookie's nonce): one budget per cookie, however many addresses send it.
    pub id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofKind {
    /// The session cookies: the account page's forms and the language switch.
    Session,
    /// A sign-in waiting for a challenge's answer: the challenge pages' forms.
    PendingSignIn,
    /// A passkey ceremony: the browser's answer.
    Passkey,
    /// This browser signed in here before (its device cookie): the first-factor forms.
    Device,
}

impl Proof {
    /// Whether this cookie belongs to `form`'s flow.
    pub fn covers(&self, form: Form) -> bool {
        match self.kind {
            ProofKind::Session => matches!(form, Form::Account(_)),
            ProofKind::PendingSignIn => matches!(form, Form::MfaCode | Form::ChooseMfa | Form::NewPassword),
            ProofKind::Passkey => form == Form::PasskeyAnswer,
            ProofKind::Device => form.first_factor(),
        }
    }

    fn key(&self) -> String {
        format!("proof:{:?}:{}", self.kind, self.id)
    }
}

/// What the server-function guard learned about the browser behind a request: the limits of
/// the server functions read it from the request (`auth::server::trust`).
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// The client's address (see [`RateLimits::client_ip`]).
    pub ip: Option<IpAddr>,
    /// The cookies of earlier steps this request carries.
    pub proofs: Vec<Proof>,
    /// The accounts this browser has signed in to before (its device cookie).
    pub devices: Vec<Device>,
}

impl Trust {
    /// The cookie that lets a post to `form` be counted by it, if any.
    pub fn proof_for(&self, form: Form) -> Option<&Proof> {
        self.proofs.iter().find(|p| p.covers(form))
    }

    /// The device cookie's nonce for `email`'s account, when this browser has signed in to it
    /// before: its failures are its own.
    pub fn device_for(&self, email: &Email) -> Option<&str> {
        let account = super::session::device::account_of(email.as_str());
        self.devices
            .iter()
            .find(|d| d.account == account)
            .map(|d| d.nonce.as_str())
    }
}

/// Account page views per person per minute: each one is a GetUser.
const ACCOUNT_VIEWS_PER_MINUTE: u32 = 60;
/// While the pool is under a spray: failures per client, and per network, per minute.
const SPRAY_FAILURES_PER_CLIENT: u32 = 2;
const SPRAY_FAILURES_PER_NETWORK: u32 = 20;

pub struct RateLimits {
    per_client: Rule,
    /// An IPv6 /56: one home's delegation.
    per_home: Rule,
    per_network: Rule,
    /// Failures per e-mail (or device) and form.
    failures: Rule,
    /// First-factor failures of everyone without a device cookie for the account.
    ceiling: Rule,
    /// Failures per client and per network while the ceiling is passed.
    spray_client: Rule,
    spray_network: Rule,
    /// Attempts per person at an account form.
    attempts: Rule,
    sign_ins: Rule,
    account_views: Rule,
    code_emails: Rule,
    /// Redis, when the store is shared; the limits count there.
    shared: Option<Arc<SessionStore>>,
    /// This instance's count: the only one without a shared store, the fallback while it is down.
    local: Memory,
    /// When the fallback was last logged (Unix ms): one warning a minute, not one per request.
    warned_at: AtomicI64,
    trusted_proxy_header: Option<HeaderName>,
    trusted_proxies: Vec<ipnet::IpNet>,
    clock: Clock,
}

fn n(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value).unwrap_or(NonZeroU32::MIN)
}

impl RateLimits {
    /// Counts in `shared` when it is (Redis), else in this process, on `clock`.
    pub fn new(config: &Config, shared: Option<Arc<SessionStore>>, clock: Clock) -> Self {
        let Limits {
            per_client,
            per_network,
            failures_per_email,
            failures,
            sign_ins_per_hour,
            code_emails_per_day,
        } = config.limits;
        let per_client = Rule::per_minute(per_client);
        Self {
            per_client,
            per_home: per_client.times(4),
            per_network: Rule::per_minute(per_network),
            failures: Rule::per_minute(failures_per_email),
            ceiling: Rule::per_minute(failures),
            spray_client: Rule::per_minute(n(SPRAY_FAILURES_PER_CLIENT)),
            spray_network: Rule::per_minute(n(SPRAY_FAILURES_PER_NETWORK)),
            attempts: Rule::per_minute(failures_per_email),
            sign_ins: Rule::per(sign_ins_per_hour, Duration::from_secs(3600)),
            account_views: Rule::per_minute(n(ACCOUNT_VIEWS_PER_MINUTE)),
            code_emails: Rule::per(code_emails_per_day, Duration::from_secs(24 * 3600)),
            shared: shared.filter(|s| s.is_shared()),
            local: Memory::default(),
            warned_at: AtomicI64::new(i64::MIN),
            trusted_proxy_header: config.trusted_proxy_header.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            clock,
        }
    }

    /// One step of every limit in `limits` at once, in the shared store or, without one or
    /// while it is down, here. `Err(wait)` when out of budget.
    async fn step(&self, limits: &[(String, Rule)], mode: Mode) -> Result<(), Duration> {
        let limits: Vec<(&str, Rule)> = limits.iter().map(|(k, r)| (k.as_str(), *r)).collect();
        let now_ms = self.clock.now_ms();
        if let Some(store) = &self.shared {
            let at = self.clock.is_manual().then_some(now_ms);
            match store.rate(&limits, mode, at).await {
                Ok(answer) => return answer,
                Err(StoreDown) => {
                    let last = self.warned_at.load(Ordering::Relaxed);
                    if now_ms.saturating_sub(last) >= 60_000
                        && self
                            .warned_at
                            .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                            .is_ok()
                    {
                        tracing::warn!(
                            "the session store is unreachable: rate limits are counted per instance until it is back"
                        );
                    }
                }
            }
        }
        self.local.rate(&limits, mode, now_ms)
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

    /// The buckets of `ip` (`kind`: `post` or `fail`), finest first: the client, and the networks
    /// it is in, each with its rule.
    fn source(&self, kind: &str, ip: IpAddr, client: Rule, home: Rule, network: Rule) -> Vec<(String, Rule)> {
        match ip.to_canonical() {
            IpAddr::V4(v4) => vec![
                (format!("{kind}:{v4}/32"), client),
                (format!("{kind}:{}/24", mask_v4(v4, 24)), network),
            ],
            IpAddr::V6(v6) => vec![
                (format!("{kind}:{}/64", mask_v6(v6, 64)), client),
                (format!("{kind}:{}/56", mask_v6(v6, 56)), home),
                (format!("{kind}:{}/48", mask_v6(v6, 48)), network),
            ],
        }
    }

    /// One post to `form`: within its cookie's budget when it carries one of `form`'s flow,
    /// else within the budgets of its client and networks.
    pub async fn check_source(&self, form: Form, trust: &Trust) -> Result<(), AppError> {
        let limits = match (trust.proof_for(form), trust.ip) {
            (Some(proof), _) => vec![(proof.key(), self.per_client)],
            (None, Some(ip)) => self.source("post", ip, self.per_client, self.per_home, self.per_network),
            // No address known (no peer): one bucket for all such posts.
            (None, None) => vec![("post:unknown".to_owned(), self.per_network)],
        };
        self.step(&limits, Mode::Take).await.map_err(|wait| {
            tracing::info!(form = form.label(), "rate limit per source reached");
            metrics::counter!("rate_limited_total", "form" => form.label(), "limit" => "source").increment(1);
            limited(wait)
        })
    }

    /// The failure budgets a failure at `form` with `email` from this browser counts against:
    /// the device's own when it signed in to that account before; else the address's and — for
    /// a first-factor form — the ceiling for everyone and the source's spray budgets.
    fn failure_limits(&self, form: Form, email: &Email, trust: &Trust) -> (Vec<(String, Rule)>, bool) {
        let group = form.failure_group();
        if let Some(nonce) = trust.device_for(email) {
            return (vec![(format!("fail:device:{nonce}:{group}"), self.failures)], false);
        }
        let mut limits = vec![(email_key("fail", group, email), self.failures)];
        let shared = form.first_factor();
        if shared {
            limits.push((format!("ceiling:{group}"), self.ceiling));
            if let Some(ip) = trust.ip {
                limits.extend(self.source(
                    "fail",
                    ip,
                    self.spray_client,
                    self.spray_client.times(4),
                    self.spray_network,
                ));
            }
        }
        (limits, shared)
    }

    /// Whether `email` may still fail at `form` from this browser: checked before Cognito is
    /// called, counted with [`Self::count_failure`] after. Nothing is used up by asking.
    pub async fn check_failures(&self, form: Form, email: &Email, trust: &Trust) -> Result<(), AppError> {
        let (limits, shared) = self.failure_limits(form, email, trust);
        let refused = |which: &'static str| {
            move |wait| {
                tracing::info!(form = form.label(), which, "rate limit of failures reached");
                metrics::counter!("rate_limited_total", "form" => form.label(), "limit" => which).increment(1);
                limited(wait)
            }
        };
        self.step(&limits[..1], Mode::Check).await.map_err(refused("account"))?;
        if !shared {
            return Ok(());
        }
        // Past the ceiling, the pool is under a spray: this source's own failures decide.
        let under_spray = self.step(&limits[1..2], Mode::Check).await.is_err();
        if under_spray {
            metrics::counter!("spray_checks_total", "form" => form.label()).increment(1);
            self.step(&limits[2..], Mode::Check).await.map_err(refused("spray"))?;
        }
        Ok(())
    }

    /// Counts `outcome` against the budgets of [`Self::check_failures`] when it is a failure: a
    /// wrong password or code, or Cognito's own "too many attempts". Anything else — success, a
    /// typo caught before the call, Cognito unreachable — costs nothing.
    pub async fn count_failure<T>(&self, form: Form, email: &Email, trust: &Trust, outcome: &Result<T, AppError>) {
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
            let (limits, _) = self.failure_limits(form, email, trust);
            let _ = self.step(&limits, Mode::Record).await;
        }
    }

    /// Every attempt counts: for the account page's forms, which only a signed-in person reaches.
    pub async fn check_email_attempt(&self, form: Form, email: &Email) -> Result<(), AppError> {
        let key = email_key("attempt", &format!("{form:?}"), email);
        self.step(&[(key, self.attempts)], Mode::Take).await.map_err(|wait| {
            tracing::info!(form = form.label(), "rate limit per e-mail reached");
            metrics::counter!("rate_limited_total", "form" => form.label(), "limit" => "person").increment(1);
            limited(wait)
        })
    }

    /// One more successful sign-in of `sub` (each writes a session record): refused past
    /// [`Limits::sign_ins_per_hour`].
    pub async fn check_sign_in(&self, sub: &str) -> Result<(), AppError> {
        self.step(&[(format!("sign-in:{sub}"), self.sign_ins)], Mode::Take)
            .await
            .map_err(|wait| {
                tracing::warn!("successful sign-ins of one person over the limit");
                metrics::counter!("rate_limited_total", "form" => "sign-in", "limit" => "sign-ins").increment(1);
                limited(wait)
            })
    }

    /// One more view of `sub`'s account page (a GetUser each).
    pub async fn check_account_view(&self, sub: &str) -> Result<(), AppError> {
        self.step(&[(format!("view:{sub}"), self.account_views)], Mode::Take)
            .await
            .map_err(|wait| {
                metrics::counter!("rate_limited_total", "form" => "account", "limit" => "views").increment(1);
                limited(wait)
            })
    }

    /// One more e-mail with a code to `email` today; a browser that signed in to that account
    /// before has a day's budget of its own, so nobody can use up the person's.
    pub async fn check_code_email(&self, email: &Email, trust: &Trust) -> Result<(), AppError> {
        let key = match trust.device_for(email) {
            Some(nonce) => format!("mail:device:{nonce}"),
            None => email_key("mail", "code", email),
        };
        self.step(&[(key, self.code_emails)], Mode::Take).await.map_err(|wait| {
            tracing::info!("code e-mails to one address over the day's limit");
            metrics::counter!("rate_limited_total", "form" => "code-email", "limit" => "day").increment(1);
            limited(wait)
        })
    }
}

/// A key for `email` in `group`: its SHA-256, so the store never holds an address in clear.
fn email_key(kind: &str, group: &str, email: &Email) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, email.as_str().as_bytes());
    let hex: String = digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{kind}:{group}:{hex}")
}

fn mask_v4(ip: Ipv4Addr, bits: u32) -> Ipv4Addr {
    Ipv4Addr::from(ip.to_bits() & (u32::MAX << (32 - bits)))
}

fn mask_v6(ip: Ipv6Addr, bits: u32) -> Ipv6Addr {
    Ipv6Addr::from(ip.to_bits() & (u128::MAX << (128 - bits)))
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

    const START: i64 = 1_800_000_000_000;

    fn limits(vars: &[(&str, &str)]) -> RateLimits {
        limits_on(vars, None, Clock::manual(START))
    }

    fn limits_on(vars: &[(&str, &str)], shared: Option<Arc<SessionStore>>, clock: Clock) -> RateLimits {
        let mut all = vec![
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("COGNITO_CLIENT_ID", "client"),
        ];
        all.extend_from_slice(vars);
        let config =
            Config::from_lookup(|k| all.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).expect("config");
        RateLimits::new(&config, shared, clock)
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

    fn from(s: &str) -> Trust {
        Trust {
            ip: Some(ip(s)),
            ..Trust::default()
        }
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
            assert_eq!(limits.check_source(Form::SignIn, &from("10.0.0.9")).await, Ok(()));
        }
        // One post comes back every 20 s.
        assert_eq!(
            limits.check_source(Form::SignIn, &from("10.0.0.9")).await,
            Err(AppError::RateLimited { seconds: 20 })
        );
        assert_eq!(
            limits.check_source(Form::SignIn, &from("127.0.0.1")).await,
            Ok(()),
            "other clients are not affected"
        );
        limits.clock.advance(Duration::from_secs(20));
        assert_eq!(limits.check_source(Form::SignIn, &from("10.0.0.9")).await, Ok(()));
    }

    #[tokio::test]
    async fn an_ipv6_client_is_its_slash_64_in_its_home_and_network() {
        let limits = limits(&[
            ("RATE_LIMIT_IP_PER_MINUTE", "3"),
            ("RATE_LIMIT_NETWORK_PER_MINUTE", "30"),
        ]);
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"] {
            assert_eq!(limits.check_source(Form::SignIn, &from(host)).await, Ok(()));
        }
        assert!(matches!(
            limits.check_source(Form::SignIn, &from("2001:db8:1:2:abcd::9")).await,
            Err(AppError::RateLimited { .. })
        ));
        // The other /64s of the same home (/56) share twelve posts: three more /64s' worth.
        for net in 3..6 {
            for _ in 0..3 {
                let host = format!("2001:db8:1:{net}::1");
                assert_eq!(limits.check_source(Form::SignIn, &from(&host)).await, Ok(()), "{host}");
            }
        }
        assert!(matches!(
            limits.check_source(Form::SignIn, &from("2001:db8:1:6::1")).await,
            Err(AppError::RateLimited { .. })
        ));
        // Another home of the same /48 network is its own, up to the network's 30.
        for _ in 0..3 {
            assert_eq!(
                limits.check_source(Form::SignIn, &from("2001:db8:1:100::1")).await,
                Ok(())
            );
        }
        assert_eq!(client_v6_key(ip("::ffff:192.0.2.1")), "post:192.0.2.1/32");
    }

    fn client_v6_key(ip: IpAddr) -> String {
        limits(&[]).source(
            "post",
            ip,
            Rule::per_minute(NonZeroU32::MIN),
            Rule::per_minute(NonZeroU32::MIN),
            Rule::per_minute(NonZeroU32::MIN),
        )[0]
        .0
        .clone()
    }

    #[tokio::test]
    async fn a_network_meets_its_own_budget_and_a_proof_is_counted_apart() {
        let limits = limits(&[
            ("RATE_LIMIT_IP_PER_MINUTE", "5"),
            ("RATE_LIMIT_NETWORK_PER_MINUTE", "10"),
        ]);
        // Ten addresses of one /24, one post each: the network's budget.
        for host in 1..=10 {
            let client = format!("192.0.2.{host}");
            assert_eq!(limits.check_source(Form::SignIn, &from(&client)).await, Ok(()));
        }
        assert!(matches!(
            limits.check_source(Form::SignIn, &from("192.0.2.11")).await,
            Err(AppError::RateLimited { .. })
        ));
        // A browser of that network that signed in here before has a budget of its own for
        // the first-factor forms; its session's budget is for the account page only.
        let mut trust = from("192.0.2.12");
        trust.proofs.push(Proof {
            kind: ProofKind::Device,
            id: "nonce".into(),
        });
        assert_eq!(limits.check_source(Form::SignIn, &trust).await, Ok(()));
        let session = Trust {
            proofs: vec![Proof {
                kind: ProofKind::Session,
                id: "sid".into(),
            }],
            ..from("192.0.2.13")
        };
        assert_eq!(limits.check_source(Form::Account("name"), &session).await, Ok(()));
        assert!(limits.check_source(Form::SignIn, &session).await.is_err());
    }

    #[tokio::test]
    async fn only_failures_use_up_an_emails_budget() {
        let limits = limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]);
        let ada = Email::parse("ada@example.com").expect("email");
        let bob = Email::parse("bob@example.com").expect("email");
        let here = from("192.0.2.1");
        // Asking, successes and errors that are not a failed guess cost nothing.
        for outcome in [Ok(()), Err(AppError::Unavailable), Err(AppError::WeakPassword)] {
            assert_eq!(limits.check_failures(Form::SignIn, &ada, &here).await, Ok(()));
            limits.count_failure(Form::SignIn, &ada, &here, &outcome).await;
        }
        for n in 0..2 {
            // From another address each time: the account's budget, wherever it is guessed from.
            let there = from(&format!("198.51.100.{n}"));
            assert_eq!(limits.check_failures(Form::SignIn, &ada, &there).await, Ok(()));
            limits
                .count_failure::<()>(Form::SignIn, &ada, &there, &Err(AppError::InvalidCredentials))
                .await;
        }
        // One failure is forgiven every 30 s.
        assert_eq!(
            limits.check_failures(Form::SignIn, &ada, &here).await,
            Err(AppError::RateLimited { seconds: 30 })
        );
        // A passkey refused counts where a wrong password does: one budget per account.
        assert!(limits.check_failures(Form::PasskeyAnswer, &ada, &here).await.is_err());
        assert_eq!(limits.check_failures(Form::ForgotPassword, &ada, &here).await, Ok(()));
        assert_eq!(limits.check_failures(Form::SignIn, &bob, &here).await, Ok(()));
        limits
            .count_failure::<()>(Form::ResetPassword, &bob, &here, &Err(AppError::WrongCode))
            .await;
        limits
            .count_failure::<()>(Form::ResetPassword, &bob, &here, &Err(AppError::ExpiredCode))
            .await;
        assert!(limits.check_failures(Form::ResetPassword, &bob, &here).await.is_err());
    }

    #[tokio::test]
    async fn a_browser_that_signed_in_before_keeps_its_own_failures() {
        let limits = limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]);
        let ada = Email::parse("ada@example.com").expect("email");
        let attacker = from("203.0.113.66");
        for _ in 0..5 {
            limits
                .count_failure::<()>(Form::SignIn, &ada, &attacker, &Err(AppError::InvalidCredentials))
                .await;
        }
        assert!(limits.check_failures(Form::SignIn, &ada, &attacker).await.is_err());
        // Ada at home, with the device cookie of her account: her own budget.
        let home = Trust {
            devices: vec![Device {
                account: crate::auth::session::device::account_of("ada@example.com"),
                nonce: "n1".into(),
                issued: 0,
            }],
            ..from("203.0.113.66")
        };
        assert_eq!(limits.check_failures(Form::SignIn, &ada, &home).await, Ok(()));
        // The cookie names Ada's account only.
        let bob = Email::parse("bob@example.com").expect("email");
        assert_eq!(home.device_for(&bob), None);
    }

    #[tokio::test]
    async fn under_a_spray_each_source_may_fail_only_a_few_times_and_clean_ones_pass() {
        let limits = limits(&[
            ("RATE_LIMIT_FAILURES_PER_MINUTE", "100"),
            ("RATE_LIMIT_IP_PER_MINUTE", "1000"),
        ]);
        let failed = Err::<(), _>(AppError::InvalidCredentials);
        // A spray: 200 addresses, one wrong password each for 200 accounts.
        for n in 0..200u32 {
            let source = from(&format!("198.{}.{}.1", 18 + n / 256, n % 256));
            let victim = Email::parse(&format!("v{n}@example.com")).expect("email");
            limits.count_failure(Form::SignIn, &victim, &source, &failed).await;
        }
        // Under a spray: a source that failed twice waits; a clean one is let through.
        let sprayer = from("198.18.0.1");
        let target = Email::parse("w@example.com").expect("email");
        limits.count_failure(Form::SignIn, &target, &sprayer, &failed).await;
        assert!(limits.check_failures(Form::SignIn, &target, &sprayer).await.is_err());
        let person = Email::parse("ada@example.com").expect("email");
        assert_eq!(
            limits.check_failures(Form::SignIn, &person, &from("192.0.2.44")).await,
            Ok(())
        );
        // Once it eases (a minute without failures), the sprayer's source is judged as before.
        limits.clock.advance(Duration::from_secs(61));
        assert_eq!(limits.check_failures(Form::SignIn, &target, &sprayer).await, Ok(()));
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

    #[tokio::test]
    async fn sign_ins_views_and_code_emails_per_person_are_bounded() {
        let limits = limits(&[
            ("RATE_LIMIT_SIGN_INS_PER_HOUR", "3"),
            ("RATE_LIMIT_CODE_EMAILS_PER_DAY", "2"),
        ]);
        for _ in 0..3 {
            assert_eq!(limits.check_sign_in("sub-a").await, Ok(()));
        }
        assert_eq!(
            limits.check_sign_in("sub-a").await,
            Err(AppError::RateLimited { seconds: 1200 })
        );
        assert_eq!(limits.check_sign_in("sub-b").await, Ok(()));
        for _ in 0..ACCOUNT_VIEWS_PER_MINUTE {
            assert_eq!(limits.check_account_view("sub-a").await, Ok(()));
        }
        assert!(limits.check_account_view("sub-a").await.is_err());
        let ada = Email::parse("ada@example.com").expect("email");
        let anyone = from("192.0.2.1");
        assert_eq!(limits.check_code_email(&ada, &anyone).await, Ok(()));
        assert_eq!(limits.check_code_email(&ada, &anyone).await, Ok(()));
        assert!(limits.check_code_email(&ada, &anyone).await.is_err());
        // Ada's own browser still gets her a code.
        let home = Trust {
            devices: vec![Device {
                account: crate::auth::session::device::account_of("ada@example.com"),
                nonce: "n1".into(),
                issued: 0,
            }],
            ..anyone
        };
        assert_eq!(limits.check_code_email(&ada, &home).await, Ok(()));
    }

    #[test]
    fn only_the_cognito_forms_are_limited() {
        assert_eq!(Form::from_path("/auth/sign-in"), Some(Form::SignIn));
        assert_eq!(Form::from_path("/auth/reset-password"), Some(Form::ResetPassword));
        assert_eq!(Form::from_path("/auth/language"), Some(Form::Account("language")));
        assert_eq!(Form::from_path("/auth/api-token"), None);
        assert_eq!(Form::from_path("/sign-in"), None);
    }

    #[tokio::test]
    async fn two_instances_on_one_redis_share_one_budget() {
        let redis = crate::auth::session::store::test_redis::TestRedis::start();
        let store = Arc::new(SessionStore::redis(&redis.url()).expect("url"));
        let vars = [("RATE_LIMIT_IP_PER_MINUTE", "60")];
        let clock = Clock::manual(START);
        let a = limits_on(&vars, Some(store.clone()), clock.clone());
        let b = limits_on(&vars, Some(store), clock);
        // 60 posts spread over both instances, then the 61st is refused wherever it lands.
        for n in 0..60 {
            let instance = if n % 2 == 0 { &a } else { &b };
            assert_eq!(
                instance.check_source(Form::SignIn, &from("10.0.0.9")).await,
                Ok(()),
                "post {n}"
            );
        }
        for instance in [&a, &b] {
            assert_eq!(
                instance.check_source(Form::SignIn, &from("10.0.0.9")).await,
                Err(AppError::RateLimited { seconds: 1 })
            );
        }
        // Failures per e-mail too.
        let ada = Email::parse("ada@example.com").expect("email");
        let c = limits_on(
            &[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")],
            a.shared.clone(),
            a.clock.clone(),
        );
        let d = limits_on(
            &[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")],
            a.shared.clone(),
            a.clock.clone(),
        );
        let here = from("192.0.2.1");
        c.count_failure::<()>(Form::SignIn, &ada, &here, &Err(AppError::InvalidCredentials))
            .await;
        d.count_failure::<()>(Form::SignIn, &ada, &here, &Err(AppError::InvalidCredentials))
            .await;
        assert!(c.check_failures(Form::SignIn, &ada, &here).await.is_err());
        assert!(d.check_failures(Form::SignIn, &ada, &here).await.is_err());
    }

    #[tokio::test]
    async fn while_redis_is_down_each_instance_counts_alone() {
        let mut redis = crate::auth::session::store::test_redis::TestRedis::start();
        let store = Arc::new(SessionStore::redis(&redis.url()).expect("url"));
        let clock = Clock::manual(START);
        let a = limits_on(&[("RATE_LIMIT_IP_PER_MINUTE", "2")], Some(store), clock.clone());
        redis.kill();
        // Still limited, by this instance's own count: never open, never an error page.
        assert_eq!(a.check_source(Form::SignIn, &from("10.0.0.9")).await, Ok(()));
        assert_eq!(a.check_source(Form::SignIn, &from("10.0.0.9")).await, Ok(()));
        assert!(matches!(
            a.check_source(Form::SignIn, &from("10.0.0.9")).await,
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
        let other = from("192.0.2.77");
        assert_eq!(a.check_source(Form::SignIn, &other).await, Ok(()));
        assert_eq!(a.check_source(Form::SignIn, &other).await, Ok(()));
        let b = limits_on(&[("RATE_LIMIT_IP_PER_MINUTE", "2")], Some(store), clock);
        assert!(
            matches!(
                b.check_source(Form::SignIn, &other).await,
                Err(AppError::RateLimited { .. })
            ),
            "another instance sees what this one counted"
        );
    }
}
