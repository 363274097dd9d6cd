//! Abuse limits in front of Cognito: a spray from many addresses slows the attacker, not the
//! people.
//!
//! **Posts, per source** — checked by the server-function guard (`crate::router`) before the
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
//! addresses are keyed by their [`AccountIds`] (an HMAC with the server's key), never in clear.

use super::clock::Clock;
use super::session::device::{AccountIds, Device};
use crate::AuthError;
use crate::store::{Counted, Mode, Rule, SessionStore, StoreDown, Tally, memory::Memory};
use crate::types::Email;
use axum::http::{HeaderMap, HeaderName};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The abuse limits, per minute unless named otherwise (the module's docs say how each one
/// counts). The app's config reads them from `RATE_LIMIT_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Posts to the Cognito-backed forms per client (an IPv4 address, an IPv6 /64), and per
    /// browser with a cookie that proves an earlier step (`RATE_LIMIT_IP_PER_MINUTE`).
    pub per_client: NonZeroU32,
    /// Posts per network: an IPv4 /24, an IPv6 /48 (`RATE_LIMIT_NETWORK_PER_MINUTE`). An IPv6
    /// /56, one home's delegation, gets four clients' worth.
    pub per_network: NonZeroU32,
    /// Failed attempts (a wrong password, a wrong code) per e-mail address and form, from
    /// browsers that never signed in to that account; each browser that did has a budget of its
    /// own (`RATE_LIMIT_EMAIL_PER_MINUTE`).
    pub failures_per_email: NonZeroU32,
    /// Failed first-factor attempts from all such browsers together
    /// (`RATE_LIMIT_FAILURES_PER_MINUTE`): past it the pool is under a spray, and each client
    /// and network may fail only a few times a minute until it eases.
    pub failures: NonZeroU32,
    /// Successful sign-ins per person per hour (`RATE_LIMIT_SIGN_INS_PER_HOUR`).
    pub sign_ins_per_hour: NonZeroU32,
    /// E-mails with a code (confirmation, reset, sign-in code, a new address) per address per
    /// day (`RATE_LIMIT_CODE_EMAILS_PER_DAY`).
    pub code_emails_per_day: NonZeroU32,
}

/// The defaults the demo app starts with (its `RATE_LIMIT_*` unset; docs/abuse.md says why).
impl Default for Limits {
    fn default() -> Self {
        let n = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        Self {
            per_client: n(60),
            per_network: n(600),
            failures_per_email: n(6),
            failures: n(600),
            sign_ins_per_hour: n(30),
            code_emails_per_day: n(20),
        }
    }
}

/// Whose word the client's address is taken on: a reverse proxy's header, from the proxy's own
/// addresses only.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TrustedProxies {
    /// The header a trusted reverse proxy puts the client's address in; `None`: the socket's
    /// peer address is the client.
    pub header: Option<HeaderName>,
    /// The peers whose `header` is believed (the load balancer's addresses).
    pub proxies: Vec<ipnet::IpNet>,
}

/// A form whose server function calls Cognito.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// The sign-up.
    SignUp,
    /// The code that confirms a sign-up.
    Confirm,
    /// A new confirmation code.
    Resend,
    /// A sign-in with the password.
    SignIn,
    /// "E-mail me a code": a sign-in without a password.
    EmailCode,
    /// The request options for a passkey sign-in.
    PasskeyOptions,
    /// The browser's signed answer to them (under the passkey ceremony's cookie).
    PasskeyAnswer,
    /// The request for a password reset's code.
    ForgotPassword,
    /// The reset's code and new password.
    ResetPassword,
    /// A sign-in code (authenticator app, e-mail, text message), also while setting one up.
    MfaCode,
    /// The choice of second factor.
    ChooseMfa,
    /// An invited user's first password.
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

    /// Which failure budget a form's failures use. Each way in has its own: a spray of wrong
    /// passwords must not close a person's passkey or their e-mailed code.
    fn failure_group(self) -> &'static str {
        match self {
            Self::SignIn => "password",
            Self::PasskeyOptions | Self::PasskeyAnswer => "passkey",
            other => other.label(),
        }
    }
}

/// A cookie this server sealed for an earlier step, which a post carries: such a post is
/// counted by the cookie, not by the network it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    /// Which step's cookie it is.
    pub kind: ProofKind,
    /// What names this cookie (a session id, a digest of a step's sealed value, a device
    /// cookie's nonce): one budget per cookie, however many addresses send it.
    pub id: String,
}

/// Which earlier step a cookie proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofKind {
    /// The session cookies: the account page's forms, the language switch, the sign-out.
    Session,
    /// A sign-in waiting for a challenge's answer: the challenge pages' forms.
    PendingSignIn,
    /// A passkey ceremony: the browser's answer.
    Passkey,
    /// A password reset this browser asked for (its code and new password).
    Reset,
    /// This browser signed in here before (its device cookie): the first-factor forms — for the
    /// account it names only (`RateLimits::check_failures` makes any other address pay its
    /// source's budget after all).
    Device,
}

impl Proof {
    /// Whether this cookie belongs to `form`'s flow.
    pub fn covers(&self, form: Form) -> bool {
        match self.kind {
            ProofKind::Session => matches!(form, Form::Account(_)),
            ProofKind::PendingSignIn => matches!(form, Form::MfaCode | Form::ChooseMfa | Form::NewPassword),
            ProofKind::Passkey => form == Form::PasskeyAnswer,
            ProofKind::Reset => form == Form::ResetPassword,
            ProofKind::Device => form.first_factor(),
        }
    }

    fn key(&self) -> String {
        format!("proof:{:?}:{}", self.kind, self.id)
    }
}

/// What the server-function guard learned about the browser behind a request: the limits of
/// the server functions read it from the request (`auth::context::trust`).
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// The client's address (see [`RateLimits::client_ip`]).
    pub ip: Option<IpAddr>,
    /// The cookies of earlier steps this request carries.
    pub proofs: Vec<Proof>,
    /// The accounts this browser has signed in to before (its device cookie), as it claims
    /// them: [`RateLimits`] checks each against the account's latest password change.
    pub devices: Vec<Device>,
}

impl Trust {
    /// The cookie that lets a post to `form` be counted by it, if any.
    pub fn proof_for(&self, form: Form) -> Option<&Proof> {
        self.proofs.iter().find(|p| p.covers(form))
    }

    /// The cookie of `kind` this request carries, if any.
    pub fn proof(&self, kind: ProofKind) -> Option<&Proof> {
        self.proofs.iter().find(|p| p.kind == kind)
    }
}

/// Whose failures an attempt counts against: one account's (the e-mail address), and how.
#[derive(Clone, Copy, Debug)]
pub struct Against<'a> {
    /// The account.
    pub email: &'a Email,
    /// The cookie of the step the attempt answers (a pending sign-in, a passkey ceremony, a
    /// reset): its own budget, so a replayed copy of it is bounded too.
    pub step: Option<&'a str>,
    /// Counted against the account's budget too (or the browser's device budget for it): a
    /// password, a code that follows a password. Not a step anyone can start for any address
    /// (an e-mailed sign-in code, a passkey ceremony, a reset with its own cookie), or anyone
    /// could spend the person's budget through it.
    pub per_account: bool,
}

impl<'a> Against<'a> {
    /// A first factor (a password): the account's budget, from this browser.
    pub fn account(email: &'a Email) -> Self {
        Self {
            email,
            step: None,
            per_account: true,
        }
    }
}

/// Account page views per person per minute: each one is a GetUser.
const ACCOUNT_VIEWS_PER_MINUTE: u32 = 60;
/// While the pool is under a spray: failures per client, and per network, per minute.
const SPRAY_FAILURES_PER_CLIENT: u32 = 3;
const SPRAY_FAILURES_PER_NETWORK: u32 = 30;
/// Every budget of one account together (its devices', its steps', its own) is capped at this
/// many times one budget: a pile of device cookies collected with the password gets no more.
const ACCOUNT_CAP: u32 = 5;

/// Cognito's own lockout of a password (AWS, "Lockout behavior for failed sign-in attempts"):
/// after five failures it refuses every sign-in for 2^(n-5) seconds, up to about fifteen
/// minutes — the right password too ("Password attempts exceeded") — until a success, or
/// until fifteen minutes without any attempt. Anyone can send wrong passwords for an address,
/// so browsers without a device cookie for the account stop two short of it (until
/// [`COGNITO_QUIET`] after the last attempt sent): the person's own browser is never locked
/// out by someone else's guesses, and may even mistype once.
const COGNITO_LOCKOUT_AT: u32 = 5;
const STRANGERS_STOP_AT: u32 = COGNITO_LOCKOUT_AT - 2;
/// Cognito's quarter of an hour, and a minute more: its clock starts when the attempt reaches
/// it, a little after this count's.
const COGNITO_QUIET: Duration = Duration::from_secs(16 * 60);

/// New device cookies per account a day: each is a budget of its own, so they are not to be
/// collected by the hundred.
const DEVICES_PER_DAY: u32 = 10;

/// The abuse limits of the forms, counted in the session store (every instance together when it is shared).
pub struct RateLimits {
    per_client: Rule,
    /// An IPv6 /56: one home's delegation.
    per_home: Rule,
    per_network: Rule,
    /// Failures per account (or device, or step) and group.
    failures: Rule,
    /// Every failure of one account and group, whoever made it.
    account_cap: Rule,
    /// First-factor failures of everyone without a device cookie for the account.
    ceiling: Rule,
    /// Failures per client and per network while the ceiling is passed.
    spray_client: Rule,
    spray_network: Rule,
    /// Attempts per person at an account form.
    attempts: Rule,
    sign_ins: Rule,
    account_views: Rule,
    /// E-mails with a code per address and source network, and per address from anywhere.
    code_emails: Rule,
    code_emails_cap: Rule,
    /// New device cookies per account.
    devices_issued: Rule,
    /// Redis, when the store is shared; the limits count there.
    shared: Option<Arc<SessionStore>>,
    /// This instance's count: the only one without a shared store, the fallback while it is down.
    local: Memory,
    /// When the fallback was last logged (Unix ms): one warning a minute, not one per request.
    warned_at: AtomicI64,
    trusted_proxy_header: Option<HeaderName>,
    trusted_proxies: Vec<ipnet::IpNet>,
    account_ids: AccountIds,
    clock: Clock,
}

fn n(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value).unwrap_or(NonZeroU32::MIN)
}

/// The kind of e-mail with a code, each with budgets of its own: filling someone's inbox with
/// confirmation codes must not stop their password reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mail {
    /// A password reset's code.
    Reset,
    /// Any other code: confirming a sign-up, signing in by e-mail, verifying an address.
    Code,
}

/// A failure budget taken by [`RateLimits::check_failures`] just before Cognito is asked: given
/// back when the attempt turns out to be no failure ([`Attempt::finish`]). One dropped
/// unfinished (the request went away while Cognito answered) keeps it: the guess may have been
/// made.
#[must_use = "finish it with the outcome, or the budget stays spent"]
pub struct Attempt {
    limits: Arc<RateLimits>,
    /// Taken now, given back unless it was a failure.
    taken: Vec<(String, Rule)>,
    /// Counted only for a failure (the ceiling, the spray budgets).
    shared: Vec<(String, Rule)>,
    /// The account's tally of Cognito's lockout, forgotten by a success.
    lockout: Option<String>,
    finished: bool,
}

impl Attempt {
    /// Counts `outcome`: a wrong password or code, or Cognito's own "too many attempts", keeps
    /// what was taken (and counts for everyone); anything else — success, a typo caught before
    /// the call, Cognito unreachable — gives it back.
    pub async fn finish<T>(mut self, outcome: &Result<T, AuthError>) {
        self.finished = true;
        if is_failure(outcome) {
            if !self.shared.is_empty() {
                let _ = self.limits.step(&self.shared, Mode::Record).await;
            }
        } else {
            if !self.taken.is_empty() {
                let _ = self.limits.step(&self.taken, Mode::Refund).await;
            }
            // Cognito starts its count again after a right password; what was no wrong one
            // (throttled, its firewall, its own lockout, no answer) is taken back. (A request
            // that timed out after Cognito counted it is the one case this misses: rare, and
            // outside anyone's control; the other way round, an outage would close accounts.)
            if let Some(key) = &self.lockout {
                let op = if outcome.is_ok() { Tally::Forget } else { Tally::Remove };
                self.limits.tally(key, op, COGNITO_QUIET).await;
            }
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.finished {
            tracing::debug!("an attempt ended before Cognito's answer was read; its budget stays spent");
        }
    }
}

/// The outcomes that count as a failed guess.
fn is_failure<T>(outcome: &Result<T, AuthError>) -> bool {
    matches!(
        outcome,
        Err(AuthError::InvalidCredentials
            | AuthError::WrongCode
            | AuthError::ExpiredCode
            | AuthError::WrongMfaCode
            | AuthError::WrongPassword
            | AuthError::PasskeyRefused
            | AuthError::TooManyAttempts)
    )
}

impl RateLimits {
    /// Counts in `shared` when it is (Redis), else in this process, on `clock`; keys accounts by
    /// `account_ids` (the device cookie's).
    pub fn new(
        limits: Limits,
        proxies: TrustedProxies,
        shared: Option<Arc<SessionStore>>,
        account_ids: AccountIds,
        clock: Clock,
    ) -> Self {
        let Limits {
            per_client,
            per_network,
            failures_per_email,
            failures,
            sign_ins_per_hour,
            code_emails_per_day,
        } = limits;
        let per_client = Rule::per_minute(per_client);
        let per_network = Rule::per_minute(per_network);
        let failures_per_email = Rule::per_minute(failures_per_email);
        let code_emails = Rule::per(code_emails_per_day, Duration::from_secs(24 * 3600));
        Self {
            per_client,
            per_home: per_client.times(4),
            per_network,
            failures: failures_per_email,
            account_cap: failures_per_email.times(ACCOUNT_CAP),
            ceiling: Rule::per_minute(failures),
            spray_client: Rule::per_minute(n(SPRAY_FAILURES_PER_CLIENT)),
            spray_network: Rule::per_minute(n(SPRAY_FAILURES_PER_NETWORK)),
            attempts: failures_per_email,
            sign_ins: Rule::per(sign_ins_per_hour, Duration::from_secs(3600)),
            account_views: Rule::per_minute(n(ACCOUNT_VIEWS_PER_MINUTE)),
            code_emails,
            code_emails_cap: code_emails.times(ACCOUNT_CAP),
            devices_issued: Rule::per(n(DEVICES_PER_DAY), Duration::from_secs(24 * 3600)),
            shared: shared.filter(|s| s.is_shared()),
            local: Memory::default(),
            warned_at: AtomicI64::new(i64::MIN),
            trusted_proxy_header: proxies.header,
            trusted_proxies: proxies.proxies,
            account_ids,
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
                Err(StoreDown) => self.fell_back(now_ms),
            }
        }
        self.local.rate(&limits, mode, now_ms)
    }

    fn fell_back(&self, now_ms: i64) {
        let last = self.warned_at.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) >= 60_000
            && self
                .warned_at
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!("the session store is unreachable: rate limits are counted per instance until it is back");
        }
    }

    /// A tally the limits keep (Cognito's lockout, a step's wrong codes), shared or here; a store
    /// that is down counts here meanwhile.
    async fn tally(&self, key: &str, op: Tally, ttl: Duration) -> Counted {
        let now_ms = self.clock.now_ms();
        if let Some(store) = &self.shared {
            let at = self.clock.is_manual().then_some(now_ms);
            match store.tally(key, op, ttl, at).await {
                Ok(tally) => return tally,
                Err(StoreDown) => self.fell_back(now_ms),
            }
        }
        let (count, left, added) = self.local.tally(key, op, ttl.as_millis() as i64, now_ms);
        Counted {
            count,
            left: Duration::from_millis(left.max(0) as u64),
            added,
        }
    }

    /// A value the limits keep beside their counts (a device epoch), shared or here.
    async fn get_value(&self, key: &str) -> Result<Option<String>, StoreDown> {
        let now = self.clock.now();
        match &self.shared {
            Some(store) => store.get_blob(key, now).await,
            None => Ok(self.local.get_blob(key, now)),
        }
    }

    async fn put_value(&self, key: &str, value: &str, until: i64) -> Result<(), StoreDown> {
        let now = self.clock.now();
        match &self.shared {
            Some(store) => store.put_blob(key, value, until, now).await,
            None => {
                self.local.put_blob(key, value, until, now);
                Ok(())
            }
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
                // A /32 is one provider's whole allocation (or an attacker's: they are cheap).
                (format!("{kind}:{}/32", mask_v6(v6, 32)), network.times(4)),
            ],
        }
    }

    /// The post budgets of a request's source (no proof).
    fn post_limits(&self, trust: &Trust) -> Vec<(String, Rule)> {
        match trust.ip {
            Some(ip) => self.source("post", ip, self.per_client, self.per_home, self.per_network),
            // No address known (no peer): one bucket for all such posts.
            None => vec![("post:unknown".to_owned(), self.per_network)],
        }
    }

    /// One post to `form`: within its cookie's budget when it carries one of `form`'s flow,
    /// else within the budgets of its client and networks.
    pub async fn check_source(&self, form: Form, trust: &Trust) -> Result<(), AuthError> {
        let limits = match trust.proof_for(form) {
            // A device cookie stands in for the source only while it is still good for its
            // account, and all of one account's device cookies together get at most a few
            // sources' worth.
            Some(proof) if proof.kind == ProofKind::Device => match trust.devices.first() {
                Some(device) if self.device(&device.account, trust).await.is_some() => vec![
                    (proof.key(), self.per_client),
                    (
                        format!("post:account:{}", device.account),
                        self.per_client.times(ACCOUNT_CAP),
                    ),
                ],
                _ => self.post_limits(trust),
            },
            Some(proof) => vec![(proof.key(), self.per_client)],
            None => self.post_limits(trust),
        };
        self.step(&limits, Mode::Take).await.map_err(|wait| {
            tracing::info!(form = form.label(), "rate limit per source reached");
            #[cfg(feature = "metrics")]
            metrics::counter!("rate_limited_total", "form" => form.label(), "limit" => "source").increment(1);
            limited(wait)
        })
    }

    /// The nonce of this browser's device cookie for the account `id`, when it has one issued
    /// after the account's last password change, reset or "sign out everywhere"
    /// ([`Self::forget_devices`]). A store that cannot say counts as no device: the account's
    /// own budget applies.
    async fn device<'t>(&self, id: &str, trust: &'t Trust) -> Option<&'t str> {
        let device = trust.devices.iter().find(|d| d.account == id)?;
        let since = match self.get_value(&format!("devices:{id}")).await {
            Ok(since) => since.and_then(|v| v.parse::<i64>().ok()).unwrap_or(i64::MIN),
            Err(StoreDown) => return None,
        };
        // In the same second as the change counts as after it: the browser that changed the
        // password signs in again (and gets its new cookie) within it.
        (device.issued >= since).then_some(device.nonce.as_str())
    }

    /// Whether this browser is known for `email`'s account (a device cookie issued since its
    /// last password change): such a browser may hear what only the account's owner may.
    pub async fn knows_device(&self, email: &Email, trust: &Trust) -> bool {
        let id = self.account_ids.of(email.as_str());
        self.device(&id, trust).await.is_some()
    }

    /// A post to `form` for `email` that a device cookie let through in place of its source
    /// (`check_source`), for an account the cookie does not name: the source pays after all.
    /// For the forms whose server function knows the address only once it runs.
    pub async fn check_device_covers(&self, form: Form, email: &Email, trust: &Trust) -> Result<(), AuthError> {
        let stood_in = trust
            .devices
            .first()
            .filter(|_| trust.proof_for(form).is_some_and(|p| p.kind == ProofKind::Device));
        let Some(first) = stood_in else {
            return Ok(());
        };
        // Known for this address too; or the cookie was no longer good, and the guard made the
        // source pay then already.
        if self.knows_device(email, trust).await || self.device(&first.account, trust).await.is_none() {
            return Ok(());
        }
        self.step(&self.post_limits(trust), Mode::Take).await.map_err(|wait| {
            #[cfg(feature = "metrics")]
            metrics::counter!("rate_limited_total", "form" => form.label(), "limit" => "source").increment(1);
            limited(wait)
        })
    }

    /// Whether a new device cookie may be given for `email`'s account now (at most
    /// ten a day): without one, the browser counts by its source as before.
    pub async fn may_issue_device(&self, email: &Email) -> bool {
        let id = self.account_ids.of(email.as_str());
        self.step(&[(format!("devices:new:{id}"), self.devices_issued)], Mode::Take)
            .await
            .is_ok()
    }

    /// One of the `tries` answers the step `step` gets in all (an e-mailed sign-in code, a reset
    /// code), reserved before Cognito is asked and kept in the store for as long as the step
    /// lives, so neither a copy of its cookie from before nor answers sent at once get more:
    /// which try this is (from 1), or `None` when they are used up. Give it back with
    /// [`Self::answer_was_no_try`] when the answer turns out not to have been a wrong one.
    pub async fn try_answer(&self, step: &str, tries: u32, lifetime: Duration) -> Option<u32> {
        let counted = self
            .tally(&format!("tries:{step}"), Tally::AddBelow(tries), lifetime)
            .await;
        counted.added.then_some(counted.count)
    }

    /// Gives back a try [`Self::try_answer`] reserved (the answer was right, or never checked).
    pub async fn answer_was_no_try(&self, step: &str) {
        self.tally(&format!("tries:{step}"), Tally::Remove, Duration::ZERO)
            .await;
    }

    /// Ends every device cookie of `email`'s account issued up to now (a password change or
    /// reset, "sign out everywhere", a deleted account): a browser that knew the old password
    /// proves nothing any more.
    pub async fn forget_devices(&self, email: &Email) -> Result<(), StoreDown> {
        let id = self.account_ids.of(email.as_str());
        let now = self.clock.now();
        let until = now + super::session::device::LIFETIME.as_secs() as i64;
        self.put_value(&format!("devices:{id}"), &now.to_string(), until).await
    }

    /// Whether one more attempt `against` an account at `form` may go to Cognito: its budgets are
    /// taken now, and given back by [`Attempt::finish`] unless it was a failure (so many attempts
    /// at once cannot all pass a check made before any of them failed).
    pub async fn check_failures(
        self: &Arc<Self>,
        form: Form,
        against: Against<'_>,
        trust: &Trust,
    ) -> Result<Attempt, AuthError> {
        let group = form.failure_group();
        let id = self.account_ids.of(against.email.as_str());
        let mut taken = vec![];
        let mut shared = vec![];
        if let Some(step) = against.step {
            taken.push((format!("fail:step:{group}:{step}"), self.failures));
        }
        let device = self.device(&id, trust).await;
        // A device cookie stood in for this post's source budget (`check_source`), but it names
        // another account: the source pays after all.
        self.check_device_covers(form, against.email, trust).await?;
        // Cognito's own lockout: a password from a browser not known for the account is not
        // sent once it would be the fifth failure since the last quiet quarter of an hour.
        let lockout = (form == Form::SignIn && against.per_account).then(|| format!("lockout:{id}"));
        // Only what follows a password spends the account's own budgets: a step anyone can
        // start for any address (an e-mailed code, a passkey ceremony, a reset with its own
        // cookie) is bounded by its cookie alone, or anyone could close the person's own way in.
        if against.per_account {
            taken.push((format!("fail:cap:{group}:{id}"), self.account_cap));
            match device {
                Some(nonce) => taken.push((format!("fail:device:{group}:{nonce}"), self.failures)),
                None => {
                    taken.push((format!("fail:{group}:{id}"), self.failures));
                    // Everyone's first-factor failures, and this source's while they pass the
                    // ceiling (a spray).
                    if form.first_factor() && against.step.is_none() {
                        shared.push((format!("ceiling:{group}"), self.ceiling));
                        if let Some(ip) = trust.ip {
                            shared.extend(self.source(
                                "fail",
                                ip,
                                self.spray_client,
                                self.spray_client.times(4),
                                self.spray_network,
                            ));
                        }
                    }
                }
            }
        }
        let refused = |which: &'static str| {
            move |wait| {
                tracing::info!(form = form.label(), which, "rate limit of failures reached");
                #[cfg(feature = "metrics")]
                metrics::counter!("rate_limited_total", "form" => form.label(), "limit" => which).increment(1);
                limited(wait)
            }
        };
        if let Some((ceiling, sources)) = shared.split_first() {
            // Past the ceiling, the pool is under a spray: this source's own failures decide.
            let under_spray = self.step(std::slice::from_ref(ceiling), Mode::Check).await.is_err();
            if under_spray {
                #[cfg(feature = "metrics")]
                metrics::counter!("spray_checks_total", "form" => form.label()).increment(1);
                self.step(sources, Mode::Check).await.map_err(refused("spray"))?;
            }
        }
        self.step(&taken, Mode::Take).await.map_err(refused("account"))?;
        // Counted as it is sent (a request dropped while Cognito answers may have failed there),
        // in one step with the check: guesses sent at once cannot all pass the last place.
        if let Some(key) = &lockout {
            let op = match device {
                Some(_) => Tally::Add,
                None => Tally::AddBelow(STRANGERS_STOP_AT),
            };
            let counted = self.tally(key, op, COGNITO_QUIET).await;
            if !counted.added {
                if !taken.is_empty() {
                    let _ = self.step(&taken, Mode::Refund).await;
                }
                tracing::info!(
                    "a password for an account near Cognito's lockout, from a browser not known for it; not sent"
                );
                #[cfg(feature = "metrics")]
                metrics::counter!("rate_limited_total", "form" => form.label(), "limit" => "lockout").increment(1);
                return Err(limited(counted.left));
            }
        }
        Ok(Attempt {
            limits: self.clone(),
            taken,
            shared,
            lockout,
            finished: false,
        })
    }

    /// Every attempt counts: for the account page's forms, which only a signed-in person reaches.
    pub async fn check_email_attempt(&self, form: Form, email: &Email) -> Result<(), AuthError> {
        let id = self.account_ids.of(email.as_str());
        let key = format!("attempt:{form:?}:{id}");
        self.step(&[(key, self.attempts)], Mode::Take).await.map_err(|wait| {
            tracing::info!(form = form.label(), "rate limit per e-mail reached");
            #[cfg(feature = "metrics")]
            metrics::counter!("rate_limited_total", "form" => form.label(), "limit" => "person").increment(1);
            limited(wait)
        })
    }

    /// One more successful sign-in of `sub` (each writes a session record): refused past
    /// [`Limits::sign_ins_per_hour`].
    pub async fn check_sign_in(&self, sub: &str) -> Result<(), AuthError> {
        self.step(&[(format!("sign-in:{sub}"), self.sign_ins)], Mode::Take)
            .await
            .map_err(|wait| {
                tracing::warn!("successful sign-ins of one person over the limit");
                #[cfg(feature = "metrics")]
                metrics::counter!("rate_limited_total", "form" => "sign-in", "limit" => "sign-ins").increment(1);
                limited(wait)
            })
    }

    /// One more view of `sub`'s account page (a GetUser each).
    pub async fn check_account_view(&self, sub: &str) -> Result<(), AuthError> {
        self.step(&[(format!("view:{sub}"), self.account_views)], Mode::Take)
            .await
            .map_err(|wait| {
                #[cfg(feature = "metrics")]
                metrics::counter!("rate_limited_total", "form" => "account", "limit" => "views").increment(1);
                limited(wait)
            })
    }

    /// The budgets of an e-mail of `mail` to `email` from this browser: its device cookie's for
    /// the account, else the address's from this source network — and, from anywhere, the
    /// address's ceiling.
    async fn mail_limits(&self, mail: Mail, email: &Email, trust: &Trust) -> Vec<(String, Rule)> {
        let id = self.account_ids.of(email.as_str());
        let kind = match mail {
            Mail::Reset => "reset",
            Mail::Code => "code",
        };
        let mut limits = vec![(format!("mail:{kind}:{id}"), self.code_emails_cap)];
        match self.device(&id, trust).await {
            Some(nonce) => limits.push((format!("mail:{kind}:device:{nonce}"), self.code_emails)),
            None => {
                let network = match trust.ip.map(|ip| ip.to_canonical()) {
                    Some(IpAddr::V4(v4)) => format!("{}/24", mask_v4(v4, 24)),
                    Some(IpAddr::V6(v6)) => format!("{}/48", mask_v6(v6, 48)),
                    None => "unknown".to_owned(),
                };
                limits.push((format!("mail:{kind}:{id}:{network}"), self.code_emails));
            }
        }
        limits
    }

    /// One more e-mail of `mail` to `email` today from this browser, taken before Cognito is
    /// asked (so many requests at once cannot all pass one check). Every answer that reads
    /// "sent" keeps it — a code that went out, a decoy, an account that has a code already —
    /// so the budget runs out alike for every address; only what the pool answers for everyone
    /// (Cognito unreachable, throttled) gives it back ([`Self::refund_code_email`]).
    pub async fn take_code_email(&self, mail: Mail, email: &Email, trust: &Trust) -> Result<(), AuthError> {
        let limits = self.mail_limits(mail, email, trust).await;
        self.step(&limits, Mode::Take).await.map_err(|wait| {
            tracing::info!(?mail, "code e-mails to one address over the day's limit");
            #[cfg(feature = "metrics")]
            metrics::counter!("rate_limited_total", "form" => "code-email", "limit" => "day").increment(1);
            limited(wait)
        })
    }

    /// Gives back what [`Self::take_code_email`] took, when nothing went out for a reason that
    /// is the same for every address.
    pub async fn refund_code_email(&self, mail: Mail, email: &Email, trust: &Trust) {
        let limits = self.mail_limits(mail, email, trust).await;
        let _ = self.step(&limits, Mode::Refund).await;
    }
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

fn limited(wait: Duration) -> AuthError {
    // Rounded up: "wait 0 seconds" would be a lie a person could act on.
    let seconds = u32::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u32::MAX)
        .max(1);
    AuthError::RateLimited { seconds }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_redis;
    use axum::http::HeaderValue;

    const START: i64 = 1_800_000_000_000;

    fn limits(vars: &[(&str, &str)]) -> RateLimits {
        limits_on(vars, None, Clock::manual(START))
    }

    fn ids() -> AccountIds {
        AccountIds::new(&cookie::Key::from(&[7u8; 64]))
    }

    fn device_for(email: &str, nonce: &str, issued: i64) -> Device {
        Device {
            account: ids().of(email),
            nonce: nonce.into(),
            issued,
        }
    }

    /// The outcome of a wrong password.
    fn wrong() -> Result<(), AuthError> {
        Err(AuthError::InvalidCredentials)
    }

    /// Limits as the demo app's settings (`vars`) set them, its defaults otherwise.
    fn limits_on(vars: &[(&str, &str)], shared: Option<Arc<SessionStore>>, clock: Clock) -> RateLimits {
        let mut limits = Limits::default();
        let mut proxies = TrustedProxies::default();
        for (name, value) in vars {
            let n = || value.parse::<NonZeroU32>().expect("a positive number");
            match *name {
                "RATE_LIMIT_IP_PER_MINUTE" => limits.per_client = n(),
                "RATE_LIMIT_NETWORK_PER_MINUTE" => limits.per_network = n(),
                "RATE_LIMIT_EMAIL_PER_MINUTE" => limits.failures_per_email = n(),
                "RATE_LIMIT_FAILURES_PER_MINUTE" => limits.failures = n(),
                "RATE_LIMIT_SIGN_INS_PER_HOUR" => limits.sign_ins_per_hour = n(),
                "RATE_LIMIT_CODE_EMAILS_PER_DAY" => limits.code_emails_per_day = n(),
                "TRUSTED_PROXY_HEADER" => proxies.header = Some(HeaderName::try_from(*value).expect("a header name")),
                "TRUSTED_PROXIES" => {
                    proxies.proxies = value.split(',').map(|p| p.trim().parse().expect("a network")).collect();
                }
                other => panic!("no setting {other}"),
            }
        }
        RateLimits::new(limits, proxies, shared, ids(), clock)
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
            Err(AuthError::RateLimited { seconds: 20 })
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
            Err(AuthError::RateLimited { .. })
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
            Err(AuthError::RateLimited { .. })
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
            Err(AuthError::RateLimited { .. })
        ));
        // A browser of that network that signed in here before has a budget of its own for
        // the first-factor forms; its session's budget is for the account page only.
        let mut trust = from("192.0.2.12");
        trust.proofs.push(Proof {
            kind: ProofKind::Device,
            id: "nonce".into(),
        });
        trust.devices.push(Device {
            account: "ada".into(),
            nonce: "nonce".into(),
            issued: 0,
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

    /// One attempt against `email`'s account from `trust`, finished with `outcome`.
    async fn attempt(
        limits: &Arc<RateLimits>,
        form: Form,
        against: Against<'_>,
        trust: &Trust,
        outcome: Result<(), AuthError>,
    ) -> Result<(), AuthError> {
        let attempt = limits.check_failures(form, against, trust).await?;
        attempt.finish(&outcome).await;
        Ok(())
    }

    #[tokio::test]
    async fn only_failures_use_up_an_emails_budget() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let bob = Email::parse("bob@example.com").expect("email");
        let here = from("192.0.2.1");
        // Successes, and errors that are not a failed guess, give back what they took (the last
        // a success: Cognito's count, which the others may have added to, starts again).
        for outcome in [Err(AuthError::Unavailable), Err(AuthError::WeakPassword), Ok(())] {
            assert_eq!(
                attempt(&limits, Form::SignIn, Against::account(&ada), &here, outcome).await,
                Ok(())
            );
        }
        for n in 0..2 {
            // From another address each time: the account's budget, wherever it is guessed from.
            let there = from(&format!("198.51.100.{n}"));
            assert_eq!(
                attempt(&limits, Form::SignIn, Against::account(&ada), &there, wrong()).await,
                Ok(())
            );
        }
        // One failure is forgiven every 30 s.
        assert_eq!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &here, Ok(())).await,
            Err(AuthError::RateLimited { seconds: 30 })
        );
        // Each way in has its own: a reset code, another account.
        assert_eq!(
            attempt(&limits, Form::ResetPassword, Against::account(&ada), &here, Ok(())).await,
            Ok(())
        );
        assert_eq!(
            attempt(&limits, Form::SignIn, Against::account(&bob), &here, Ok(())).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn many_attempts_at_once_cannot_all_pass_one_check() {
        // Taken when checked, so ten guesses in flight at once get two through, not ten.
        let limits = Arc::new(limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let here = from("192.0.2.1");
        let mut held = vec![];
        for _ in 0..10 {
            if let Ok(attempt) = limits.check_failures(Form::SignIn, Against::account(&ada), &here).await {
                held.push(attempt);
            }
        }
        assert_eq!(held.len(), 2);
        for attempt in held {
            attempt.finish(&wrong()).await;
        }
    }

    #[tokio::test]
    async fn an_attempt_dropped_while_cognito_answers_stays_spent() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let here = from("192.0.2.1");
        // A browser that goes away mid-call has made its guess: Cognito may have counted it.
        for _ in 0..2 {
            drop(
                limits
                    .check_failures(Form::SignIn, Against::account(&ada), &here)
                    .await
                    .expect("budget"),
            );
        }
        assert!(
            limits
                .check_failures(Form::SignIn, Against::account(&ada), &here)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn passwords_stop_short_of_cognitos_lockout_except_from_the_owners_browser() {
        // Budgets wide enough that only the lockout's count decides.
        let limits = Arc::new(limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "100")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let issued = limits.clock.now() - 60;
        let home = Trust {
            devices: vec![device_for("ada@example.com", "home", issued)],
            ..from("192.0.2.10")
        };
        // Three wrong passwords from anywhere (Cognito locks at the fifth), and what Cognito
        // surely did not count (throttled) changes nothing.
        for n in 0..3 {
            let there = from(&format!("198.51.100.{n}"));
            attempt(
                &limits,
                Form::SignIn,
                Against::account(&ada),
                &there,
                Err(AuthError::Throttled),
            )
            .await
            .expect("sent");
            attempt(&limits, Form::SignIn, Against::account(&ada), &there, wrong())
                .await
                .expect("sent");
        }
        // A fourth from a browser not known for the account is not sent: Ada could not mistype
        // once without being locked out.
        let stranger = from("203.0.113.9");
        let refused = attempt(&limits, Form::SignIn, Against::account(&ada), &stranger, Ok(())).await;
        assert!(
            matches!(refused, Err(AuthError::RateLimited { seconds }) if seconds > 850 && seconds <= 960),
            "{refused:?}"
        );
        // Ada's own browser is sent whatever the count; her right password starts it again.
        attempt(&limits, Form::SignIn, Against::account(&ada), &home, Ok(()))
            .await
            .expect("the owner is never held");
        assert_eq!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &stranger, Ok(())).await,
            Ok(())
        );
        // Three more; then a quarter of an hour without any attempt, and Cognito (and this) forget.
        for _ in 0..3 {
            attempt(&limits, Form::SignIn, Against::account(&ada), &stranger, wrong())
                .await
                .expect("sent");
            limits.clock.advance(Duration::from_secs(30));
        }
        assert!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &stranger, Ok(()))
                .await
                .is_err()
        );
        limits.clock.advance(COGNITO_QUIET);
        assert_eq!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &stranger, Ok(())).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn a_step_anyone_can_start_never_spends_the_accounts_budgets() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let attacker = from("203.0.113.66");
        // E-mailed codes and passkey ceremonies started for Ada's address, each failed as often
        // as its own budget allows: many steps, none after a password.
        for n in 0..40 {
            let step = format!("step-{n}");
            for form in [Form::MfaCode, Form::PasskeyAnswer] {
                let against = Against {
                    email: &ada,
                    step: Some(&step),
                    per_account: false,
                };
                for _ in 0..2 {
                    attempt(&limits, form, against, &attacker, wrong())
                        .await
                        .expect("its own budget");
                }
                assert!(attempt(&limits, form, against, &attacker, wrong()).await.is_err());
            }
        }
        // Ada's password, and the code that follows it, are untouched.
        let home = from("192.0.2.10");
        assert_eq!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &home, Ok(())).await,
            Ok(())
        );
        let after_password = Against {
            email: &ada,
            step: Some("ada's step"),
            per_account: true,
        };
        assert_eq!(
            attempt(&limits, Form::MfaCode, after_password, &home, Ok(())).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn a_browser_that_signed_in_before_keeps_its_own_failures_until_the_password_changes() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let attacker = from("203.0.113.66");
        for _ in 0..2 {
            attempt(&limits, Form::SignIn, Against::account(&ada), &attacker, wrong())
                .await
                .expect("budget");
        }
        assert!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &attacker, Ok(()))
                .await
                .is_err()
        );
        // Ada at home, with the device cookie of her account: her own budget.
        let issued = limits.clock.now() - 60;
        let home = Trust {
            devices: vec![device_for("ada@example.com", "n1", issued)],
            ..from("203.0.113.66")
        };
        assert_eq!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &home, Ok(())).await,
            Ok(())
        );
        // The cookie names Ada's account only: for Bob it is no device.
        let bob = Email::parse("bob@example.com").expect("email");
        let bobs_id = ids().of(bob.as_str());
        assert_eq!(limits.device(&bobs_id, &home).await, None);
        // Her password changed (or was reset): cookies issued before count for nothing.
        limits.clock.advance(Duration::from_secs(1));
        limits.forget_devices(&ada).await.expect("store");
        assert!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &home, Ok(()))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_pile_of_device_cookies_gets_no_more_than_five_budgets() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let issued = limits.clock.now() - 60;
        let mut refused = 0;
        for n in 0..30 {
            let trust = Trust {
                devices: vec![device_for("ada@example.com", &format!("n{n}"), issued)],
                ..from("203.0.113.66")
            };
            if attempt(&limits, Form::SignIn, Against::account(&ada), &trust, wrong())
                .await
                .is_err()
            {
                refused += 1;
            }
        }
        assert_eq!(refused, 30 - 2 * 5, "the account's cap: five budgets of two");
    }

    #[tokio::test]
    async fn a_device_cookie_for_one_account_is_no_pass_for_another_address() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_IP_PER_MINUTE", "2")]));
        let issued = limits.clock.now() - 60;
        let trust = Trust {
            proofs: vec![Proof {
                kind: ProofKind::Device,
                id: "n1".into(),
            }],
            devices: vec![device_for("mallory@example.com", "n1", issued)],
            ..from("192.0.2.9")
        };
        // The guard counted these posts by the device cookie; for other addresses, the source
        // pays after all: two posts a minute, as any other browser there.
        let victim = Email::parse("ada@example.com").expect("email");
        for _ in 0..2 {
            assert_eq!(
                attempt(&limits, Form::SignIn, Against::account(&victim), &trust, wrong()).await,
                Ok(())
            );
        }
        let refused = attempt(&limits, Form::SignIn, Against::account(&victim), &trust, wrong()).await;
        assert!(matches!(refused, Err(AuthError::RateLimited { .. })), "{refused:?}");
        // For its own account it is the cookie's budget.
        let own = Email::parse("mallory@example.com").expect("email");
        assert_eq!(
            attempt(&limits, Form::SignIn, Against::account(&own), &trust, Ok(())).await,
            Ok(())
        );
        // The same for the forms that never count failures (codes e-mailed, passkey options,
        // sign-up, resend, reset): the source pays for any address but the cookie's own.
        let fresh = Trust {
            ip: Some(ip("192.0.2.99")),
            ..trust.clone()
        };
        for form in [
            Form::EmailCode,
            Form::PasskeyOptions,
            Form::SignUp,
            Form::Resend,
            Form::ForgotPassword,
        ] {
            assert_eq!(limits.check_device_covers(form, &own, &fresh).await, Ok(()), "{form:?}");
        }
        for _ in 0..2 {
            assert_eq!(
                limits.check_device_covers(Form::EmailCode, &victim, &fresh).await,
                Ok(())
            );
        }
        assert!(
            limits
                .check_device_covers(Form::PasskeyOptions, &victim, &fresh)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_pile_of_device_cookies_posts_no_more_than_a_few_sources() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_IP_PER_MINUTE", "2")]));
        let issued = limits.clock.now() - 60;
        let mut passed = 0;
        for n in 0..40 {
            let nonce = format!("n{n}");
            let trust = Trust {
                proofs: vec![Proof {
                    kind: ProofKind::Device,
                    id: nonce.clone(),
                }],
                devices: vec![device_for("mallory@example.com", &nonce, issued)],
                ..from("192.0.2.9")
            };
            for _ in 0..2 {
                if limits.check_source(Form::PasskeyOptions, &trust).await.is_ok() {
                    passed += 1;
                }
            }
        }
        assert_eq!(
            passed,
            2 * ACCOUNT_CAP as usize,
            "one account's cookies together: five sources"
        );
        // And no more than a few new cookies a day for one account.
        let mallory = Email::parse("mallory@example.com").expect("email");
        let issued = futures_count(&limits, &mallory).await;
        assert_eq!(issued, DEVICES_PER_DAY as usize);
    }

    async fn futures_count(limits: &RateLimits, email: &Email) -> usize {
        let mut issued = 0;
        for _ in 0..30 {
            if limits.may_issue_device(email).await {
                issued += 1;
            }
        }
        issued
    }

    #[tokio::test]
    async fn wrong_passwords_close_no_passkey_and_no_e_mailed_code() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let here = from("192.0.2.1");
        for _ in 0..2 {
            attempt(&limits, Form::SignIn, Against::account(&ada), &here, wrong())
                .await
                .expect("budget");
        }
        assert!(
            attempt(&limits, Form::SignIn, Against::account(&ada), &here, Ok(()))
                .await
                .is_err()
        );
        // A passkey ceremony and an e-mailed code's pending sign-in count by their own cookie.
        let ceremony = Against {
            email: &ada,
            step: Some("ceremony-1"),
            per_account: false,
        };
        assert_eq!(
            attempt(&limits, Form::PasskeyAnswer, ceremony, &here, Ok(())).await,
            Ok(())
        );
        let code = Against {
            email: &ada,
            step: Some("pending-1"),
            per_account: false,
        };
        for _ in 0..2 {
            attempt(&limits, Form::MfaCode, code, &here, Err(AuthError::WrongMfaCode))
                .await
                .expect("budget");
        }
        // That one cookie is spent; a fresh code (another pending sign-in) is not, and the
        // person's own second step after their password has the account's budget untouched.
        assert!(attempt(&limits, Form::MfaCode, code, &here, Ok(())).await.is_err());
        let fresh = Against {
            step: Some("pending-2"),
            ..code
        };
        assert_eq!(attempt(&limits, Form::MfaCode, fresh, &here, Ok(())).await, Ok(()));
        let after_password = Against {
            email: &ada,
            step: Some("pending-3"),
            per_account: true,
        };
        assert_eq!(
            attempt(&limits, Form::MfaCode, after_password, &here, Ok(())).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn under_a_spray_each_source_may_fail_only_a_few_times_and_clean_ones_pass() {
        let limits = Arc::new(limits(&[
            ("RATE_LIMIT_FAILURES_PER_MINUTE", "100"),
            ("RATE_LIMIT_IP_PER_MINUTE", "1000"),
        ]));
        // A spray: 200 addresses, one wrong password each for 200 accounts.
        for n in 0..200u32 {
            let source = from(&format!("198.{}.{}.1", 18 + n / 256, n % 256));
            let victim = Email::parse(&format!("v{n}@example.com")).expect("email");
            attempt(&limits, Form::SignIn, Against::account(&victim), &source, wrong())
                .await
                .expect("budget");
        }
        // Under a spray: a source that failed three times waits; a clean one is let through.
        let sprayer = from("198.18.0.1");
        for n in 0..2 {
            let target = Email::parse(&format!("w{n}@example.com")).expect("email");
            attempt(&limits, Form::SignIn, Against::account(&target), &sprayer, wrong())
                .await
                .expect("budget");
        }
        let target = Email::parse("w9@example.com").expect("email");
        assert!(
            attempt(&limits, Form::SignIn, Against::account(&target), &sprayer, Ok(()))
                .await
                .is_err()
        );
        let person = Email::parse("ada@example.com").expect("email");
        assert_eq!(
            attempt(
                &limits,
                Form::SignIn,
                Against::account(&person),
                &from("192.0.2.44"),
                Ok(())
            )
            .await,
            Ok(())
        );
        // Once it eases (a minute without failures), the sprayer's source is judged as before.
        limits.clock.advance(Duration::from_secs(61));
        assert_eq!(
            attempt(&limits, Form::SignIn, Against::account(&target), &sprayer, Ok(())).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn code_emails_are_taken_before_cognito_and_counted_per_network() {
        let limits = Arc::new(limits(&[("RATE_LIMIT_CODE_EMAILS_PER_DAY", "2")]));
        let ada = Email::parse("ada@example.com").expect("email");
        let attacker = from("203.0.113.66");
        // Twenty requests at once: two pass, whatever Cognito answers them.
        let mut at_once = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (limits, ada, attacker) = (limits.clone(), ada.clone(), attacker.clone());
            at_once.spawn(async move { limits.take_code_email(Mail::Code, &ada, &attacker).await });
        }
        let passed = at_once.join_all().await.iter().filter(|r| r.is_ok()).count();
        assert_eq!(passed, 2);
        // One that sent nothing for everyone's reason (Cognito unreachable) is given back.
        limits.refund_code_email(Mail::Code, &ada, &attacker).await;
        assert_eq!(limits.take_code_email(Mail::Code, &ada, &attacker).await, Ok(()));
        assert!(limits.take_code_email(Mail::Code, &ada, &attacker).await.is_err());
        // Ada, elsewhere, still gets her codes — and her reset has a budget of its own.
        let home = from("192.0.2.10");
        assert_eq!(limits.take_code_email(Mail::Code, &ada, &home).await, Ok(()));
        assert_eq!(limits.take_code_email(Mail::Reset, &ada, &attacker).await, Ok(()));
        // From anywhere together, the address's ceiling (five networks' worth, 10) holds: three
        // so far, seven more from new networks, then none.
        for n in 0..7 {
            let net = from(&format!("198.51.{n}.1"));
            assert_eq!(limits.take_code_email(Mail::Code, &ada, &net).await, Ok(()), "{n}");
        }
        assert!(
            limits
                .take_code_email(Mail::Code, &ada, &from("192.0.2.77"))
                .await
                .is_err()
        );
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
    async fn sign_ins_and_views_per_person_are_bounded() {
        let limits = limits(&[("RATE_LIMIT_SIGN_INS_PER_HOUR", "3")]);
        for _ in 0..3 {
            assert_eq!(limits.check_sign_in("sub-a").await, Ok(()));
        }
        assert_eq!(
            limits.check_sign_in("sub-a").await,
            Err(AuthError::RateLimited { seconds: 1200 })
        );
        assert_eq!(limits.check_sign_in("sub-b").await, Ok(()));
        for _ in 0..ACCOUNT_VIEWS_PER_MINUTE {
            assert_eq!(limits.check_account_view("sub-a").await, Ok(()));
        }
        assert!(limits.check_account_view("sub-a").await.is_err());
    }

    #[tokio::test]
    async fn two_instances_on_one_redis_share_one_budget() {
        let redis = test_redis::TestRedis::start();
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
                Err(AuthError::RateLimited { seconds: 1 })
            );
        }
        // Failures per e-mail too.
        let ada = Email::parse("ada@example.com").expect("email");
        let c = Arc::new(limits_on(
            &[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")],
            a.shared.clone(),
            a.clock.clone(),
        ));
        let d = Arc::new(limits_on(
            &[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")],
            a.shared.clone(),
            a.clock.clone(),
        ));
        let here = from("192.0.2.1");
        attempt(&c, Form::SignIn, Against::account(&ada), &here, wrong())
            .await
            .expect("budget");
        attempt(&d, Form::SignIn, Against::account(&ada), &here, wrong())
            .await
            .expect("budget");
        assert!(
            attempt(&c, Form::SignIn, Against::account(&ada), &here, Ok(()))
                .await
                .is_err()
        );
        assert!(
            attempt(&d, Form::SignIn, Against::account(&ada), &here, Ok(()))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn while_redis_is_down_each_instance_counts_alone() {
        let mut redis = test_redis::TestRedis::start();
        let store = Arc::new(SessionStore::redis(&redis.url()).expect("url"));
        let clock = Clock::manual(START);
        let a = limits_on(&[("RATE_LIMIT_IP_PER_MINUTE", "2")], Some(store), clock.clone());
        redis.kill();
        // Still limited, by this instance's own count: never open, never an error page.
        assert_eq!(a.check_source(Form::SignIn, &from("10.0.0.9")).await, Ok(()));
        assert_eq!(a.check_source(Form::SignIn, &from("10.0.0.9")).await, Ok(()));
        assert!(matches!(
            a.check_source(Form::SignIn, &from("10.0.0.9")).await,
            Err(AuthError::RateLimited { .. })
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
                Err(AuthError::RateLimited { .. })
            ),
            "another instance sees what this one counted"
        );
    }
}
