//! Rate limits in front of Cognito, checked before it is called.
//!
//! Two keyed GCRA limiters (the `governor` crate): one per client IP over every form that calls
//! Cognito, applied by the server-function guard in `crate::server` before the request body is
//! even read; one per e-mail
//! address and form, applied by each server function once the e-mail is parsed. The first
//! stops a bot spraying many accounts from one address, the second a slow password guess on one
//! account from many addresses. Both answer 429 with `Retry-After`, and a person sees how long
//! to wait. Unknown and known e-mails are limited alike, so a limit tells nothing about accounts.
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
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
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
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_email: DefaultKeyedRateLimiter<(Form, String)>,
    clock: DefaultClock,
    trusted_proxy_header: Option<HeaderName>,
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            per_ip: DefaultKeyedRateLimiter::keyed(Quota::per_minute(config.rate_limit_ip_per_minute)),
            per_email: DefaultKeyedRateLimiter::keyed(Quota::per_minute(config.rate_limit_email_per_minute)),
            clock: DefaultClock::default(),
            trusted_proxy_header: config.trusted_proxy_header.clone(),
        }
    }

    /// The client's address: from the trusted proxy's header when one is configured (its
    /// right-most entry, the one that proxy added; entries to its left are whatever the client
    /// sent), else the connection's peer.
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> IpAddr {
        let from_proxy = self.trusted_proxy_header.as_ref().and_then(|name| {
            let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
            value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
        });
        from_proxy.or(peer).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), AppError> {
        if self.per_ip.len() >= MAX_KEYS {
            self.per_ip.retain_recent();
        }
        self.per_ip.check_key(&ip).map_err(|not_until| {
            tracing::info!(%ip, "rate limit per IP reached");
            limited(not_until.wait_time_from(self.clock.now()))
        })
    }

    pub fn check_email(&self, form: Form, email: &Email) -> Result<(), AppError> {
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
        self.per_ip.retain_recent();
        self.per_email.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_email.shrink_to_fit();
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

    #[test]
    fn the_client_ip_comes_from_the_trusted_header_only() {
        let forwarded = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7")]);
        // Without a trusted proxy the header is the client's own word: ignored.
        assert_eq!(limits(&[]).client_ip(&forwarded, Some(PEER)), PEER);
        let behind = limits(&[("TRUSTED_PROXY_HEADER", "X-Forwarded-For")]);
        // The right-most entry is the one the proxy appended; "1.2.3.4" was sent by the client.
        assert_eq!(
            behind.client_ip(&forwarded, Some(PEER)),
            "203.0.113.7".parse::<IpAddr>().expect("ip")
        );
        assert_eq!(
            behind.client_ip(&headers(&[("x-forwarded-for", "junk")]), Some(PEER)),
            PEER
        );
        assert_eq!(behind.client_ip(&HeaderMap::new(), Some(PEER)), PEER);
    }

    #[test]
    fn each_ip_gets_its_quota_then_a_wait() {
        let limits = limits(&[("RATE_LIMIT_IP_PER_MINUTE", "3")]);
        for _ in 0..3 {
            assert_eq!(limits.check_ip(PEER), Ok(()));
        }
        match limits.check_ip(PEER) {
            // One token comes back every 20 s.
            Err(AppError::RateLimited { seconds }) => assert!((1..=20).contains(&seconds), "{seconds}"),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert_eq!(
            limits.check_ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            Ok(()),
            "other clients are not affected"
        );
    }

    #[test]
    fn each_email_and_form_gets_its_quota() {
        let limits = limits(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "2")]);
        let ada = Email::parse("ada@example.com").expect("email");
        let bob = Email::parse("bob@example.com").expect("email");
        assert_eq!(limits.check_email(Form::SignIn, &ada), Ok(()));
        assert_eq!(limits.check_email(Form::SignIn, &ada), Ok(()));
        assert!(matches!(
            limits.check_email(Form::SignIn, &ada),
            Err(AppError::RateLimited { .. })
        ));
        assert_eq!(limits.check_email(Form::ForgotPassword, &ada), Ok(()));
        assert_eq!(limits.check_email(Form::SignIn, &bob), Ok(()));
    }

    #[test]
    fn only_the_cognito_forms_are_limited() {
        assert_eq!(Form::from_path("/auth/sign-in"), Some(Form::SignIn));
        assert_eq!(Form::from_path("/auth/reset-password"), Some(Form::ResetPassword));
        assert_eq!(Form::from_path("/auth/api-token"), None);
        assert_eq!(Form::from_path("/sign-in"), None);
    }
}
