//! What the app needs from the user pool and its app client, checked once at start-up.
//!
//! The server reads its pool and client (`DescribeUserPool`, `GetUserPoolMfaConfig`,
//! `DescribeUserPoolClient`, in [`Cognito::pool_facts`]) and says, one line each, what it found: a
//! warning where the app still works but something is off, an error where it cannot work (in
//! production the server then refuses to start). The client's own settings decide how the app
//! behaves (rotation, how long a sign-in challenge may take); there is no switch to keep in
//! step with them.

use super::oauth::Federation;
use super::{Cognito, Op, PasswordFlow, fail, not_twice};
use crate::AuthError;
use crate::secret_hash::ClientSecret;
use crate::types::ConfirmationMode;
use crate::types::PasswordPolicy;
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, FeatureType, PreventUserExistenceErrorTypes, TimeUnitsType, UserPoolMfaType,
    UserVerificationType, VerifiedAttributeType, WebAuthnFactorConfigurationType,
};
use std::time::Duration;

/// What could be read of the pool and client. `None`: the call failed (IAM, emulator).
#[derive(Debug, Default)]
pub struct PoolFacts {
    /// The password policy (DescribeUserPool), when it could be read.
    pub policy: Option<PasswordPolicy>,
    /// The pool's other settings, when they could be read.
    pub settings: Option<PoolSettings>,
    /// Its second factors, when they could be read.
    pub mfa: Option<MfaFacts>,
    /// The app client's settings (DescribeUserPoolClient), when they could be read.
    pub client: Option<ClientFacts>,
    /// `SignInPolicy.AllowedFirstAuthFactors`, as Cognito names them (`PASSWORD`, `EMAIL_OTP`,
    /// `WEB_AUTHN`, …); empty when the pool has no sign-in policy (password only).
    pub first_factors: Vec<String>,
    /// The pool's passkey settings (GetUserPoolMfaConfig's `WebAuthnConfiguration`).
    pub webauthn: Option<WebAuthnFacts>,
    /// Each identity provider the client offers, with the pool attributes its
    /// `AttributeMapping` writes (DescribeIdentityProvider); `None` for one that could not be read.
    pub provider_mappings: Vec<(String, Option<Vec<String>>)>,
}

/// The pool's passkey settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebAuthnFacts {
    /// The relying-party id passkeys are made for; `None`: Cognito's managed-login domain.
    pub relying_party_id: Option<String>,
    /// Cognito asks the authenticator to verify the person (PIN, biometrics) for every passkey.
    pub user_verification_required: bool,
    /// `MULTI_FACTOR_WITH_USER_VERIFICATION`: a passkey counts as two factors (so it can sign in
    /// to a pool that requires MFA).
    pub counts_as_mfa: bool,
}

impl PoolFacts {
    /// The password flow the app client allows, the first of [`PasswordFlow::ORDER`]; `None`
    /// when it allows none, or could not be read (then [`crate::cognito::Cognito::sign_in`]
    /// tries each once).
    pub fn password_flow(&self) -> Option<PasswordFlow> {
        let client = self.client.as_ref()?;
        PasswordFlow::ORDER.into_iter().find(|flow| match flow {
            PasswordFlow::Password => client.user_password_auth,
            PasswordFlow::UserAuth => client.user_auth,
            PasswordFlow::Srp => client.user_srp_auth,
        })
    }

    /// The ways to sign in besides the password that the sign-in page offers: those the pool
    /// allows as first factors, when the client may use `USER_AUTH` (assumed when the client
    /// could not be read: Cognito then refuses at use, and the person is told).
    pub fn sign_in_methods(&self) -> crate::types::SignInMethods {
        let user_auth = self.client.as_ref().is_none_or(|c| c.user_auth);
        let allows = |factor: &str| user_auth && self.first_factors.iter().any(|f| f == factor);
        crate::types::SignInMethods {
            passkey: allows("WEB_AUTHN"),
            email_code: allows("EMAIL_OTP"),
        }
    }
}

/// The pool's own settings beyond the password policy (DescribeUserPool).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolSettings {
    /// `AttributesRequireVerificationBeforeUpdate` lists `email`: a new address takes effect
    /// only once its code is entered.
    pub email_verified_before_update: bool,
    /// Whether and how the pool remembers devices (`DeviceConfiguration`).
    pub devices: Remembering,
    /// `ChallengeRequiredOnNewDevice`: a remembered device signs in with its own proof instead
    /// of the second step. Without it, devices are tracked but every sign-in still asks.
    pub remembered_skip_second_step: bool,
}

/// How a pool remembers devices (`DeviceConfiguration`; see [`super::devices`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remembering {
    /// No `DeviceConfiguration`: no device is tracked.
    #[default]
    Off,
    /// "Always" (`DeviceOnlyRememberedOnUserPrompt` false): every confirmed device is
    /// remembered and skips the second step.
    Always,
    /// "User opt-in": a device is remembered only when the person asks ("Remember this browser").
    OptIn,
}

/// The second factors the pool offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MfaFacts {
    /// MFA `ON`: every user must have a second factor.
    pub required: bool,
    /// MFA `OPTIONAL`: users who turned it on are asked for a code.
    pub optional: bool,
    /// Authenticator apps (TOTP) are allowed.
    pub totp: bool,
    /// Codes by SMS.
    pub sms: bool,
    /// Codes by e-mail.
    pub email: bool,
}

/// What the app client allows, as DescribeUserPoolClient says it.
#[derive(Debug, Default)]
pub struct ClientFacts {
    /// The client's secret as Cognito reports it; only compared with the configured one.
    pub secret: Option<ClientSecret>,
    /// How many active secrets the client has (ListUserPoolClientSecrets; AWS allows two), read
    /// only when the configured secret is not the one DescribeUserPoolClient shows. `None`:
    /// not read, or could not be.
    pub secret_count: Option<usize>,
    /// `EnablePropagateAdditionalUserContextData`: Cognito believes the person's IP address the
    /// app sends (only possible on a client with a secret).
    pub propagate_user_context: Option<bool>,
    /// `ALLOW_USER_PASSWORD_AUTH`: sign-in with the password sent to Cognito.
    pub user_password_auth: bool,
    /// `ALLOW_USER_AUTH`: the choice-based sign-in (passkeys, e-mail codes, the password).
    pub user_auth: bool,
    /// `ALLOW_USER_SRP_AUTH`: the SRP exchange, where only a proof of the password travels
    /// (Amplify's and the console's default).
    pub user_srp_auth: bool,
    /// `ALLOW_REFRESH_TOKEN_AUTH`: sessions can be renewed.
    pub refresh_token_auth: bool,
    /// Refresh-token rotation is on (each refresh returns a new refresh token).
    pub rotation: bool,
    /// How long an exchanged refresh token still works, with rotation on.
    pub rotation_grace_seconds: Option<i32>,
    /// The access token's lifetime.
    pub access_token_seconds: Option<u64>,
    /// The refresh token's lifetime.
    pub refresh_token_seconds: Option<u64>,
    /// How long a sign-in challenge's session lasts (3–15 minutes; Cognito's default is 3).
    pub auth_session_minutes: Option<i32>,
    /// `EnableTokenRevocation`: RevokeToken works (on by default).
    pub token_revocation: Option<bool>,
    /// `PreventUserExistenceErrors` is `ENABLED`.
    pub prevent_user_existence_errors: Option<bool>,
    /// The client may write the standard `locale` attribute, where sign-up keeps the person's
    /// language for Cognito's e-mails.
    pub writes_locale: bool,
    /// The client may read the `identities` attribute, which tells a person whose account is
    /// linked to a provider's (GetUser returns only what the client may read).
    pub reads_identities: bool,
    /// `WriteAttributes`; `None` when the client lists none (it may write every attribute).
    pub write_attributes: Option<Vec<String>>,
    /// The client's OAuth settings, for sign-in through the pool's own pages.
    pub oauth: OAuthFacts,
}

/// An app client's OAuth 2.0 settings (DescribeUserPoolClient), by Cognito's names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OAuthFacts {
    /// `AllowedOAuthFlowsUserPoolClient`: the client may use the OAuth endpoints at all.
    pub enabled: bool,
    /// `AllowedOAuthFlows`: `code`, `implicit`, `client_credentials`.
    pub flows: Vec<String>,
    /// `AllowedOAuthScopes`.
    pub scopes: Vec<String>,
    /// `SupportedIdentityProviders`: `COGNITO` (the pool's own users) and the providers' names.
    pub providers: Vec<String>,
    /// `CallbackURLs`: where the pool may send the browser back with a code.
    pub callback_urls: Vec<String>,
    /// `LogoutURLs`: where `/logout` may send it.
    pub logout_urls: Vec<String>,
}

impl ClientFacts {
    /// How long the app keeps a pending sign-in challenge: as long as Cognito does.
    pub fn challenge_lifetime_secs(&self) -> u64 {
        challenge_lifetime_secs(self.auth_session_minutes)
    }
}

/// Cognito's session lifetime for a challenge (3 minutes unless the client says otherwise).
pub fn challenge_lifetime_secs(minutes: Option<i32>) -> u64 {
    minutes
        .and_then(|m| u64::try_from(m).ok())
        .filter(|m| (3..=15).contains(m))
        .unwrap_or(3)
        * 60
}

/// How a finding weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// As it should be.
    Ok,
    /// Works, but something is off (said at start-up, in the log).
    Warn,
    /// The app cannot work with this pool as configured.
    Fatal,
}

/// One line of the start-up report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// How it weighs.
    pub level: Level,
    /// What it says, for the operator.
    pub message: String,
}

fn finding(level: Level, message: impl Into<String>) -> Finding {
    Finding {
        level,
        message: message.into(),
    }
}

/// Cognito's shortest access-token lifetime; the emulator allows less (the tests use 10 s).
const MIN_ACCESS_TOKEN_SECONDS: u64 = 300;

/// What the app expects of its pool and client: the parts of its configuration the check
/// compares with what it read.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Expectations {
    /// How new accounts are confirmed.
    pub confirmation_mode: ConfirmationMode,
    /// The client's secret as the app was given it.
    pub client_secret: Option<ClientSecret>,
    /// The client's other active secret, while secrets are rotated.
    pub second_client_secret: Option<ClientSecret>,
    /// Sign-in through the pool's own pages, when offered.
    pub federation: Option<Federation>,
    /// How early the app refreshes an access token.
    pub refresh_margin: Duration,
    /// How long a session lives.
    pub session_max_age: Duration,
    /// The app's own origin.
    pub app_url: String,
    /// Where the pool sends the browser back after sign-in (one of the client's callback URLs).
    pub callback_url: String,
    /// Where the pool's `/logout` sends it back (one of the client's sign-out URLs).
    pub signed_out_url: String,
}

impl Expectations {
    /// An app at `app_url` (its origin) that confirms sign-ups with a code, has no client secret
    /// and no sign-in through the pool's pages, refreshes a minute before the access token ends
    /// and keeps sessions 30 days: set the fields that differ.
    pub fn new(app_url: impl Into<String>) -> Self {
        let app_url = app_url.into();
        Self {
            confirmation_mode: ConfirmationMode::Code,
            client_secret: None,
            second_client_secret: None,
            federation: None,
            refresh_margin: Duration::from_secs(60),
            session_max_age: Duration::from_secs(30 * 24 * 3600),
            callback_url: format!("{app_url}/auth/callback"),
            signed_out_url: format!("{app_url}/"),
            app_url,
        }
    }
}

/// Compares what was read with what the app needs, one finding per line of the start-up report.
pub fn check(facts: &PoolFacts, config: &Expectations) -> Vec<Finding> {
    use Level::{Fatal, Ok, Warn};
    let mut out = Vec::new();

    // Accounts confirmed without a code own an address nobody proved. Offered beside sign-in
    // through a provider, that lets a sign-up in someone else's name sit waiting for the real
    // owner's Google sign-in — captured by a pool that links by e-mail (the link-accounts
    // trigger, or one added later). Refused in production.
    let providers = config.federation.as_ref().is_some_and(|f| !f.providers.is_empty());
    if providers && config.confirmation_mode != ConfirmationMode::Code {
        out.push(finding(
            Fatal,
            format!(
                "CONFIRMATION_MODE={} confirms sign-ups without proof of the address, and this app offers sign-in \
                 through {}: a sign-up in another person's name could capture their later sign-in there. \
                 Use CONFIRMATION_MODE=code with identity providers (docs/federation.md)",
                match config.confirmation_mode {
                    ConfirmationMode::Admin => "admin",
                    _ => "lambda",
                },
                config
                    .federation
                    .iter()
                    .flat_map(|f| &f.providers)
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ));
    }

    if facts.policy.is_none() {
        out.push(finding(
            Warn,
            "could not read the pool (DescribeUserPool): sign-up checks Cognito's default password policy; \
             grant cognito-idp:DescribeUserPool",
        ));
    }

    match &facts.client {
        None => {
            out.push(finding(
                Warn,
                "could not read the app client (DescribeUserPoolClient): assuming no client secret check, \
                 no refresh-token rotation and 3-minute sign-in challenges; grant cognito-idp:DescribeUserPoolClient",
            ));
            if config.client_secret.is_some() {
                out.push(finding(
                    Ok,
                    "client secret: configured (not checked against the client)",
                ));
            }
        }
        Some(client) => {
            match (&client.secret, &config.client_secret) {
                (Some(_), None) => out.push(finding(
                    Fatal,
                    "the app client has a secret, but COGNITO_CLIENT_SECRET is not set: every sign-in would fail \
                     with \"Unable to verify secret hash\"",
                )),
                (None, Some(_)) => out.push(finding(
                    Fatal,
                    "COGNITO_CLIENT_SECRET is set, but the app client has no secret: unset it",
                )),
                // Rotation under way: the second configured secret is the one the client shows.
                (Some(theirs), Some(_))
                    if config
                        .second_client_secret
                        .as_ref()
                        .is_some_and(|second| second.matches(theirs.expose())) =>
                {
                    out.push(finding(
                        Ok,
                        "client secret: configured; the second of COGNITO_CLIENT_SECRET is the one \
                         DescribeUserPoolClient shows (a rotation under way: the first is tried first)",
                    ));
                }
                (Some(theirs), Some(ours)) if !ours.matches(theirs.expose()) => out.push(match client.secret_count {
                    Some(0 | 1) => finding(Fatal, "COGNITO_CLIENT_SECRET is not the app client's secret"),
                    // The other active secret cannot be compared (AWS never shows it again), so
                    // a second secret must not stop the server: that is how secrets are rotated.
                    Some(n) => finding(
                        Warn,
                        format!(
                            "COGNITO_CLIENT_SECRET is not the secret DescribeUserPoolClient shows; the app client has {n} \
                             active secrets, so it may be the other one (if sign-ins fail with \"Unable to verify \
                             secret hash\", it is not)"
                        ),
                    ),
                    None => finding(
                        Warn,
                        "COGNITO_CLIENT_SECRET is not the secret DescribeUserPoolClient shows: it may be the client's \
                         second active secret, or wrong (then every sign-in fails); grant \
                         cognito-idp:ListUserPoolClientSecrets to tell",
                    ),
                }),
                (Some(_), Some(_)) => out.push(finding(Ok, "client secret: configured, matches the app client")),
                (None, None) => out.push(finding(Ok, "client secret: none (a public client)")),
            }
            match facts.password_flow() {
                Some(flow) => out.push(finding(
                    Ok,
                    match flow {
                        PasswordFlow::Srp => format!(
                            "password sign-in: {} (the password itself never leaves this server)",
                            flow.name()
                        ),
                        _ => format!("password sign-in: {}", flow.name()),
                    },
                )),
                None => out.push(finding(
                    Fatal,
                    "the app client allows no password sign-in (none of ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_AUTH, \
                     ALLOW_USER_SRP_AUTH): nobody can sign in with a password",
                )),
            }
            if client.rotation {
                let grace = client.rotation_grace_seconds.unwrap_or(0);
                out.push(finding(
                    Ok,
                    format!(
                        "refresh-token rotation: on; refreshing with GetTokensFromRefreshToken (grace period {grace} s)"
                    ),
                ));
                if grace == 0 {
                    out.push(finding(
                        Warn,
                        "refresh-token rotation has no grace period (RetryGracePeriodSeconds 0): a refresh whose answer \
                         is lost, or two servers refreshing one session at once, signs the person out; 10-60 s is safer",
                    ));
                }
            } else if client.refresh_token_auth {
                out.push(finding(
                    Ok,
                    "refresh-token rotation: off; refreshing with GetTokensFromRefreshToken",
                ));
            } else {
                out.push(finding(
                    Warn,
                    "the app client allows neither ALLOW_REFRESH_TOKEN_AUTH nor rotation: sessions end when the \
                     access token expires",
                ));
            }
            if client.token_revocation == Some(false) {
                out.push(finding(
                    Warn,
                    "token revocation is off (EnableTokenRevocation): sign-out clears the cookies but the refresh \
                     token stays valid until it expires",
                ));
            }
            match (client.propagate_user_context, &config.client_secret) {
                (Some(true), _) => out.push(finding(
                    Ok,
                    "threat protection sees each person's IP address (EnablePropagateAdditionalUserContextData)",
                )),
                (_, Some(_)) => out.push(finding(
                    Warn,
                    "EnablePropagateAdditionalUserContextData is off: Cognito ignores the person's IP address the app \
                     sends, and threat protection sees every sign-in coming from this server; turn it on",
                )),
                (_, None) => out.push(finding(
                    Ok,
                    "a public client: threat protection sees every sign-in coming from this server's address \
                     (EnablePropagateAdditionalUserContextData needs a client secret)",
                )),
            }
            // A provider's returning user is refused when the client may not write an attribute
            // its mapping writes ("Continue with …" then fails for everyone who used it before).
            for (provider, mapped) in &facts.provider_mappings {
                match (mapped, &client.write_attributes) {
                    (None, _) => out.push(finding(
                        Warn,
                        format!(
                            "could not read the identity provider {provider}'s attribute mapping \
                             (DescribeIdentityProvider); grant cognito-idp:DescribeIdentityProvider"
                        ),
                    )),
                    (Some(mapped), Some(writable)) => {
                        let missing: Vec<&str> = mapped
                            .iter()
                            .filter(|a| !writable.contains(a))
                            .map(String::as_str)
                            .collect();
                        if !missing.is_empty() {
                            out.push(finding(
                                Warn,
                                format!(
                                    "the identity provider {provider} maps {} but the app client may not write \
                                     {}: Cognito refuses its returning users; add {} to WriteAttributes",
                                    missing.join(", "),
                                    if missing.len() == 1 { "it" } else { "them" },
                                    missing.join(", "),
                                ),
                            ));
                        }
                    }
                    (Some(_), None) => {}
                }
            }
            // A public client's tokens anyone gets with a password: with email_verified writable,
            // anyone may mark someone else's address as theirs, verified — and a linking trigger
            // then hands them that person's provider sign-in.
            let writes_verified = client
                .write_attributes
                .as_ref()
                .is_none_or(|w| w.iter().any(|a| a == "email_verified"));
            if providers && client.secret.is_none() && writes_verified {
                out.push(finding(
                    Fatal,
                    "a public app client (no secret) may write email_verified while identity providers are offered: \
                     anyone can get this client's tokens with a password and mark any address as verified; give \
                     the client a secret (then only this server gets its tokens), or take email_verified out of \
                     its WriteAttributes and out of the providers' mappings",
                ));
            }
            if providers && !client.reads_identities {
                out.push(finding(
                    Warn,
                    "the app client may not read the `identities` attribute (ReadAttributes): a person whose account \
                     is linked to a provider is not known as one, and the account page offers changes to the name \
                     and e-mail that the provider's next sign-in writes over; add identities to ReadAttributes",
                ));
            }
            if !client.writes_locale {
                out.push(finding(
                    Warn,
                    "the app client may not write the `locale` attribute (WriteAttributes): sign-up stores no \
                     language, so Cognito's e-mails are in English for everyone",
                ));
            }
            if client.prevent_user_existence_errors != Some(true) {
                out.push(finding(
                    Warn,
                    "PreventUserExistenceErrors is not ENABLED: this app's forms hide whether an account exists, \
                     but Cognito tells any other caller of this client",
                ));
            }
            if let Some(seconds) = client.access_token_seconds {
                if seconds < MIN_ACCESS_TOKEN_SECONDS {
                    out.push(finding(
                        Warn,
                        format!(
                            "access tokens last {seconds} s: Cognito allows 5 minutes at least (only the local \
                             emulator accepts less)"
                        ),
                    ));
                }
                if config.refresh_margin.as_secs() >= seconds {
                    out.push(finding(
                        Warn,
                        format!(
                            "SESSION_REFRESH_MARGIN_SECS ({}) is not shorter than the access-token lifetime ({seconds} \
                             s): every request would refresh",
                            config.refresh_margin.as_secs()
                        ),
                    ));
                }
            }
            if let Some(seconds) = client.refresh_token_seconds
                && config.session_max_age.as_secs() > seconds
            {
                out.push(finding(
                    Warn,
                    format!(
                        "SESSION_MAX_AGE_SECS ({}) outlives the refresh token ({seconds} s): cookies stay after the \
                         session has ended",
                        config.session_max_age.as_secs()
                    ),
                ));
            }
            // A session signed out from the sessions list is refused by its id for the cookie's
            // lifetime: copied cookies whose refresh token lives longer could sign in again after it.
            if let Some(seconds) = client.refresh_token_seconds
                && seconds > config.session_max_age.as_secs()
            {
                out.push(finding(
                    Warn,
                    format!(
                        "the refresh token ({seconds} s) outlives SESSION_MAX_AGE_SECS ({}): a browser signed out \
                         from the sessions list is refused only that long; set SESSION_MAX_AGE_SECS to the \
                         refresh-token validity",
                        config.session_max_age.as_secs()
                    ),
                ));
            }
        }
    }

    if let Some(settings) = facts.settings {
        if !settings.email_verified_before_update {
            out.push(finding(
                Warn,
                "AttributesRequireVerificationBeforeUpdate does not list email: a changed e-mail address takes \
                 effect before its code is entered, so a mistyped address becomes the account's sign-in name, \
                 unverified (no password reset); set it to email",
            ));
        }
        match settings.devices {
            Remembering::Off => {}
            _ if !settings.remembered_skip_second_step => out.push(finding(
                Ok,
                "devices: tracked, but a remembered device does not skip the second step \
                 (ChallengeRequiredOnNewDevice is false): nobody is offered \"Remember this browser\"",
            )),
            // Nobody is asked: a shared computer, once through the second step, skips it from
            // then on for whoever knows the password.
            Remembering::Always => out.push(finding(
                Warn,
                "devices: every browser that passes the second step is remembered without asking (shared computers \
                 too) and skips it from then on; set DeviceOnlyRememberedOnUserPrompt to true to let people choose",
            )),
            Remembering::OptIn => out.push(finding(
                Ok,
                "devices: remembered when the person asks (\"Remember this browser\" on the code page), then \
                 the password alone signs in there; every browser's device is confirmed, so its refresh carries \
                 DEVICE_KEY",
            )),
        }
    }

    match facts.mfa {
        None => out.push(finding(
            Warn,
            "could not read the MFA configuration (GetUserPoolMfaConfig); grant cognito-idp:GetUserPoolMfaConfig",
        )),
        Some(mfa) => {
            let factors: Vec<&str> = [
                (mfa.totp, "authenticator app"),
                (mfa.email, "e-mail code"),
                (mfa.sms, "text message"),
            ]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
            let factors = if factors.is_empty() {
                "none".to_owned()
            } else {
                factors.join(", ")
            };
            let mode = if mfa.required {
                "required"
            } else if mfa.optional {
                "optional"
            } else {
                "off"
            };
            out.push(finding(Ok, format!("MFA: {mode}; factors: {factors}")));
            if mfa.required && !mfa.totp {
                out.push(finding(
                    Warn,
                    "MFA is required but authenticator apps are not allowed: users without a factor cannot set one \
                     up during sign-in in this app (it sets up authenticator apps only)",
                ));
            }
        }
    }
    check_first_factors(facts, config, &mut out);
    check_federation(facts, config, &mut out);
    out
}

/// Sign-in through the pool's OAuth endpoints (`COGNITO_DOMAIN`): the client must allow the code
/// flow, the scopes the app asks for, its callback and sign-out URLs and each provider offered.
/// Any of them missing and Cognito shows its own error page instead of coming back.
fn check_federation(facts: &PoolFacts, config: &Expectations, out: &mut Vec<Finding>) {
    use Level::{Fatal, Ok};
    let Some(federation) = &config.federation else {
        if let Some(client) = &facts.client {
            let others: Vec<&str> = client
                .oauth
                .providers
                .iter()
                .map(String::as_str)
                .filter(|p| *p != "COGNITO")
                .collect();
            if !others.is_empty() {
                out.push(finding(
                    Ok,
                    format!(
                        "identity providers: the client allows {}; set COGNITO_DOMAIN and COGNITO_IDENTITY_PROVIDERS to offer them",
                        others.join(", ")
                    ),
                ));
            }
        }
        return;
    };
    let Some(client) = &facts.client else {
        out.push(finding(
            Ok,
            format!(
                "pool domain {}: the client's OAuth settings could not be read (not checked)",
                federation.domain
            ),
        ));
        return;
    };
    let o = &client.oauth;
    let mut problems = Vec::new();
    if !o.enabled {
        problems.push("the client has no OAuth 2.0 (AllowedOAuthFlowsUserPoolClient is off)".to_owned());
    }
    if !o.flows.iter().any(|f| f == "code") {
        problems.push("AllowedOAuthFlows lacks `code` (authorization code grant)".to_owned());
    }
    // Anyone could ask for `response_type=token` with this client and its callback URL: the
    // tokens would come back in the URL, readable by the page's scripts.
    if o.flows.iter().any(|f| f == "implicit") {
        problems
            .push("AllowedOAuthFlows allows `implicit` (tokens in the browser's URL); allow `code` only".to_owned());
    }
    let missing: Vec<&str> = super::oauth::SCOPES
        .into_iter()
        .filter(|s| !o.scopes.iter().any(|have| have == s))
        .collect();
    if !missing.is_empty() {
        problems.push(format!("AllowedOAuthScopes lacks {}", missing.join(", ")));
    }
    let callback = config.callback_url.clone();
    if !o.callback_urls.contains(&callback) {
        problems.push(format!("CallbackURLs lacks {callback}"));
    }
    // cognito-local has no `/logout`, so nothing is sent there.
    let signed_out = config.signed_out_url.clone();
    if federation.has_logout() && !o.logout_urls.contains(&signed_out) {
        problems.push(format!(
            "LogoutURLs lacks {signed_out} (signing out ends at the pool's /logout)"
        ));
    }
    for provider in &federation.providers {
        if !o.providers.contains(&provider.name) {
            problems.push(format!("SupportedIdentityProviders lacks {}", provider.name));
        }
    }
    if federation.managed_login && !o.providers.iter().any(|p| p == "COGNITO") {
        problems
            .push("managed login is on but SupportedIdentityProviders lacks COGNITO (the pool's own users)".to_owned());
    }
    if problems.is_empty() {
        let names: Vec<&str> = federation.providers.iter().map(|p| p.name.as_str()).collect();
        out.push(finding(
            Ok,
            format!(
                "pool domain {}: code flow with PKCE, callback {callback}{}{}",
                federation.domain,
                if names.is_empty() {
                    String::new()
                } else {
                    format!(", providers {}", names.join(", "))
                },
                if federation.managed_login {
                    ", managed login"
                } else {
                    ""
                },
            ),
        ));
    } else {
        out.push(finding(
            Fatal,
            format!("sign-in through the pool's domain cannot work: {}", problems.join("; ")),
        ));
    }
}

/// Passkeys and e-mail codes (`USER_AUTH`): which first factors the pool allows, whether the
/// client may use them, and whether passkeys can work at this app's address.
fn check_first_factors(facts: &PoolFacts, config: &Expectations, out: &mut Vec<Finding>) {
    use Level::{Ok, Warn};
    let others: Vec<&str> = facts
        .first_factors
        .iter()
        .map(String::as_str)
        .filter(|f| *f != "PASSWORD")
        .collect();
    if others.is_empty() {
        out.push(finding(
            Ok,
            "first factors: password only (no passkeys or e-mail codes in the pool's SignInPolicy)",
        ));
        return;
    }
    out.push(finding(
        Ok,
        format!("first factors: {}", facts.first_factors.join(", ")),
    ));
    if facts.client.as_ref().is_some_and(|c| !c.user_auth) {
        out.push(finding(
            Warn,
            format!(
                "the pool allows {} but the app client lacks ALLOW_USER_AUTH: the sign-in page offers the password \
                 only; add ALLOW_USER_AUTH to the client's ExplicitAuthFlows",
                others.join(", ")
            ),
        ));
    }
    let mfa_required = facts.mfa.is_some_and(|m| m.required);
    if mfa_required && others.contains(&"EMAIL_OTP") {
        out.push(finding(
            Warn,
            "MFA is required: Cognito does not sign anyone in with an e-mail code alone in such a pool",
        ));
    }
    if !others.contains(&"WEB_AUTHN") {
        return;
    }
    let host = url_host(&config.app_url);
    match facts.webauthn.as_ref() {
        None => out.push(finding(
            Warn,
            "passkeys: could not read the pool's WebAuthnConfiguration; passkeys work only when its relying-party \
             id is APP_URL's host or a parent of it",
        )),
        Some(w) => {
            match (&w.relying_party_id, &host) {
                (Some(rp), Some(host)) if host == rp || host.ends_with(&format!(".{rp}")) => {
                    out.push(finding(Ok, format!("passkeys: relying party {rp} (covers {host})")));
                }
                (Some(rp), host) => out.push(finding(
                    Warn,
                    format!(
                        "passkeys: the relying-party id {rp} does not cover APP_URL's host {}: browsers refuse to make \
                         or use passkeys here; set WebAuthnRelyingPartyId to the app's host (or a parent domain)",
                        host.as_deref().unwrap_or("?")
                    ),
                )),
                (None, _) => out.push(finding(
                    Warn,
                    "passkeys: no relying-party id is set, so Cognito uses its managed-login domain, which this app's \
                     pages are not on; set WebAuthnRelyingPartyId to the app's host",
                )),
            }
            if !w.user_verification_required {
                out.push(finding(
                    Warn,
                    "passkeys: user verification is only preferred: a passkey may sign in without the device's \
                     fingerprint, face or PIN check; set UserVerification to required",
                ));
            }
            if mfa_required && !w.counts_as_mfa {
                out.push(finding(
                    Warn,
                    "MFA is required: Cognito refuses passkey sign-in unless passkeys count as MFA \
                     (FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION)",
                ));
            }
        }
    }
}

/// The host of an `http(s)://host[:port]/…` URL.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

impl Cognito {
    /// The pool's password policy and MFA settings, and the app client's flows, secret,
    /// rotation and token lifetimes, for the start-up checks (`auth::cognito::pool`). What cannot be
    /// read (missing IAM permissions, an emulator without the call) stays `None`.
    #[tracing::instrument(skip_all)]
    pub async fn pool_facts(&self) -> PoolFacts {
        let (policy, settings, first_factors) = match self.describe_pool().await {
            Ok((policy, settings, factors)) => (Some(policy), Some(settings), factors),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the pool's password policy (DescribeUserPool)");
                (None, None, Vec::new())
            }
        };
        let (mfa, webauthn) = self.mfa_facts().await.unzip();
        let client = self.client_facts().await;
        let mut provider_mappings = Vec::new();
        let offered = client.as_ref().map(|c| c.oauth.providers.clone()).unwrap_or_default();
        for provider in offered.into_iter().filter(|p| p != "COGNITO") {
            let mapped = self.provider_mapping(&provider).await;
            provider_mappings.push((provider, mapped));
        }
        PoolFacts {
            policy,
            settings,
            mfa,
            client,
            first_factors,
            webauthn: webauthn.flatten(),
            provider_mappings,
        }
    }

    /// The pool attributes `provider`'s `AttributeMapping` writes (DescribeIdentityProvider).
    async fn provider_mapping(&self, provider: &str) -> Option<Vec<String>> {
        let out = self
            .client
            .describe_identity_provider()
            .user_pool_id(&self.user_pool_id)
            .provider_name(provider)
            .send()
            .await
            .map_err(|e| fail(Op::DescribePool, e))
            .ok()?;
        // `username` is Cognito's own (it maps the provider's `sub` there itself): no client
        // writes it.
        let mut mapped: Vec<String> = out
            .identity_provider?
            .attribute_mapping
            .unwrap_or_default()
            .into_keys()
            .filter(|a| a != "username")
            .collect();
        mapped.sort();
        Some(mapped)
    }

    async fn mfa_facts(&self) -> Option<(MfaFacts, Option<WebAuthnFacts>)> {
        let out = self
            .client
            .get_user_pool_mfa_config()
            .user_pool_id(&self.user_pool_id)
            .send()
            .await
            .map_err(|e| fail(Op::DescribePool, e))
            .ok()?;
        let webauthn = out.web_authn_configuration.map(|w| WebAuthnFacts {
            relying_party_id: w.relying_party_id.filter(|id| !id.is_empty()),
            user_verification_required: w.user_verification == Some(UserVerificationType::Required),
            counts_as_mfa: w.factor_configuration
                == Some(WebAuthnFactorConfigurationType::MultiFactorWithUserVerification),
        });
        let mfa = MfaFacts {
            required: out.mfa_configuration == Some(UserPoolMfaType::On),
            optional: out.mfa_configuration == Some(UserPoolMfaType::Optional),
            totp: out.software_token_mfa_configuration.is_some_and(|c| c.enabled),
            sms: out.sms_mfa_configuration.and_then(|c| c.sms_configuration).is_some(),
            email: out.email_mfa_configuration.is_some(),
        };
        Some((mfa, webauthn))
    }

    async fn client_facts(&self) -> Option<ClientFacts> {
        let out = self
            .client
            .describe_user_pool_client()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .send()
            .await
            .map_err(|e| fail(Op::DescribePool, e))
            .ok()?;
        let c = out.user_pool_client?;
        let flows = c.explicit_auth_flows.unwrap_or_default();
        let allows =
            |new: ExplicitAuthFlowsType, legacy: ExplicitAuthFlowsType| flows.contains(&new) || flows.contains(&legacy);
        let units = c
            .token_validity_units
            .unwrap_or_else(|| aws_sdk_cognitoidentityprovider::types::TokenValidityUnitsType::builder().build());
        let seconds = |value: Option<i32>, unit: Option<TimeUnitsType>, default: TimeUnitsType| {
            let n = u64::try_from(value?).ok()?;
            Some(
                n * match unit.unwrap_or(default) {
                    TimeUnitsType::Seconds => 1,
                    TimeUnitsType::Minutes => 60,
                    TimeUnitsType::Hours => 3600,
                    _ => 86_400,
                },
            )
        };
        let rotation = c.refresh_token_rotation.as_ref();
        let secret = c.client_secret.map(ClientSecret::new);
        // AWS allows two active secrets (for rotating them) and DescribeUserPoolClient shows
        // one: when ours is not that one, count them (their values are never shown).
        let secret_count = match (&secret, self.secret()) {
            (Some(theirs), Some(ours)) if !ours.matches(theirs.expose()) => self.secret_count().await,
            _ => None,
        };
        Some(ClientFacts {
            secret,
            secret_count,
            propagate_user_context: c.enable_propagate_additional_user_context_data,
            user_password_auth: allows(
                ExplicitAuthFlowsType::AllowUserPasswordAuth,
                ExplicitAuthFlowsType::UserPasswordAuth,
            ),
            user_auth: flows.contains(&ExplicitAuthFlowsType::AllowUserAuth),
            // No flows listed (Cognito's default set: SRP, refresh, custom), or only the legacy
            // names, which leave SRP allowed unless the client is custom-auth only.
            user_srp_auth: flows.contains(&ExplicitAuthFlowsType::AllowUserSrpAuth)
                || (flows.iter().all(|f| {
                    matches!(
                        f,
                        ExplicitAuthFlowsType::AdminNoSrpAuth
                            | ExplicitAuthFlowsType::CustomAuthFlowOnly
                            | ExplicitAuthFlowsType::UserPasswordAuth
                    )
                }) && !flows.contains(&ExplicitAuthFlowsType::CustomAuthFlowOnly)),
            refresh_token_auth: flows.is_empty() || flows.contains(&ExplicitAuthFlowsType::AllowRefreshTokenAuth),
            rotation: rotation.is_some_and(|r| r.feature == FeatureType::Enabled),
            rotation_grace_seconds: rotation.and_then(|r| r.retry_grace_period_seconds),
            access_token_seconds: seconds(c.access_token_validity, units.access_token, TimeUnitsType::Hours),
            refresh_token_seconds: seconds(
                Some(c.refresh_token_validity).filter(|n| *n > 0),
                units.refresh_token,
                TimeUnitsType::Days,
            ),
            auth_session_minutes: c.auth_session_validity,
            // No WriteAttributes list: the client may write every attribute.
            writes_locale: c
                .write_attributes
                .as_deref()
                .is_none_or(|w| w.is_empty() || w.iter().any(|a| a == "locale")),
            // No ReadAttributes list: the client may read every attribute.
            reads_identities: c
                .read_attributes
                .as_deref()
                .is_none_or(|r| r.is_empty() || r.iter().any(|a| a == "identities")),
            write_attributes: c.write_attributes.clone().filter(|w| !w.is_empty()),
            token_revocation: c.enable_token_revocation,
            prevent_user_existence_errors: c
                .prevent_user_existence_errors
                .map(|p| p == PreventUserExistenceErrorTypes::Enabled),
            oauth: OAuthFacts {
                enabled: c.allowed_o_auth_flows_user_pool_client.unwrap_or(false),
                flows: c
                    .allowed_o_auth_flows
                    .unwrap_or_default()
                    .iter()
                    .map(|f| f.as_str().to_owned())
                    .collect(),
                scopes: c.allowed_o_auth_scopes.unwrap_or_default(),
                providers: c.supported_identity_providers.unwrap_or_default(),
                callback_urls: c.callback_urls.unwrap_or_default(),
                logout_urls: c.logout_urls.unwrap_or_default(),
            },
        })
    }

    /// How many secrets the app client has (ListUserPoolClientSecrets); `None` when it cannot
    /// be read (IAM, an emulator without the call).
    async fn secret_count(&self) -> Option<usize> {
        let out = self
            .client
            .list_user_pool_client_secrets()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map_err(|e| fail(Op::DescribePool, e))
            .ok()?;
        Some(out.client_secrets.map_or(0, |s| s.len()))
    }

    /// The pool's password policy and the settings the start-up report checks.
    #[tracing::instrument(skip_all)]
    async fn describe_pool(&self) -> Result<(PasswordPolicy, PoolSettings, Vec<String>), AuthError> {
        let out = self
            .client
            .describe_user_pool()
            .user_pool_id(&self.user_pool_id)
            .send()
            .await
            .map_err(|e| fail(Op::DescribePool, e))?;
        let pool = out.user_pool;
        let settings = PoolSettings {
            email_verified_before_update: pool
                .as_ref()
                .and_then(|p| p.user_attribute_update_settings.as_ref())
                .and_then(|u| u.attributes_require_verification_before_update.as_deref())
                .is_some_and(|a| a.contains(&VerifiedAttributeType::Email)),
            // Any DeviceConfiguration at all turns device tracking on.
            devices: match pool.as_ref().and_then(|p| p.device_configuration.as_ref()) {
                None => Remembering::Off,
                Some(c) if c.device_only_remembered_on_user_prompt => Remembering::OptIn,
                Some(_) => Remembering::Always,
            },
            remembered_skip_second_step: pool
                .as_ref()
                .and_then(|p| p.device_configuration.as_ref())
                .is_some_and(|c| c.challenge_required_on_new_device),
        };
        let policies = pool.and_then(|p| p.policies);
        let first_factors = policies
            .as_ref()
            .and_then(|p| p.sign_in_policy.as_ref())
            .map(|s| {
                s.allowed_first_auth_factors()
                    .iter()
                    .map(|f| f.as_str().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let policy = policies.and_then(|p| p.password_policy);
        let policy = match policy {
            Some(p) => PasswordPolicy {
                min_length: p.minimum_length.and_then(|n| u32::try_from(n).ok()).unwrap_or(8),
                require_uppercase: p.require_uppercase,
                require_lowercase: p.require_lowercase,
                require_numbers: p.require_numbers,
                require_symbols: p.require_symbols,
            },
            None => PasswordPolicy::default(),
        };
        Ok((policy, settings, first_factors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// What an app expects, from the settings the demo app reads (`vars`, the last one of a
    /// name wins): its defaults otherwise.
    fn config(vars: &[(&str, &str)]) -> Expectations {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        let app_url = map
            .get("APP_URL")
            .copied()
            .unwrap_or("http://127.0.0.1:3000")
            .to_owned();
        let federation = map.get("COGNITO_DOMAIN").map(|prefix| Federation {
            domain: format!("https://{prefix}.auth.eu-west-1.amazoncognito.com"),
            providers: map
                .get("COGNITO_IDENTITY_PROVIDERS")
                .map(|list| {
                    list.split(',')
                        .filter_map(super::super::oauth::IdentityProvider::parse)
                        .collect()
                })
                .unwrap_or_default(),
            managed_login: false,
            cognito_local: false,
        });
        let mut secrets = map
            .get("COGNITO_CLIENT_SECRET")
            .into_iter()
            .flat_map(|s| s.split(','))
            .map(|s| ClientSecret::new(s.trim().to_owned()));
        Expectations {
            confirmation_mode: match map.get("CONFIRMATION_MODE").copied() {
                None | Some("code") => ConfirmationMode::Code,
                Some("lambda") => ConfirmationMode::Lambda,
                Some("admin") => ConfirmationMode::Admin,
                Some(other) => panic!("no confirmation mode {other}"),
            },
            client_secret: secrets.next(),
            second_client_secret: secrets.next(),
            federation,
            refresh_margin: Duration::from_secs(60),
            session_max_age: Duration::from_secs(30 * 24 * 3600),
            callback_url: format!("{app_url}/auth/callback"),
            signed_out_url: format!("{app_url}/"),
            app_url,
        }
    }

    fn good_client() -> ClientFacts {
        ClientFacts {
            secret: None,
            secret_count: None,
            propagate_user_context: None,
            user_password_auth: true,
            user_auth: false,
            user_srp_auth: true,
            refresh_token_auth: true,
            rotation: false,
            rotation_grace_seconds: None,
            access_token_seconds: Some(3600),
            refresh_token_seconds: Some(30 * 86_400),
            auth_session_minutes: Some(3),
            token_revocation: Some(true),
            prevent_user_existence_errors: Some(true),
            writes_locale: true,
            reads_identities: true,
            write_attributes: None,
            oauth: OAuthFacts::default(),
        }
    }

    fn facts(client: ClientFacts) -> PoolFacts {
        PoolFacts {
            policy: Some(PasswordPolicy::default()),
            settings: Some(PoolSettings {
                email_verified_before_update: true,
                devices: Remembering::Off,
                remembered_skip_second_step: false,
            }),
            mfa: Some(MfaFacts::default()),
            client: Some(client),
            first_factors: vec![],
            webauthn: None,
            provider_mappings: vec![],
        }
    }

    fn worst(findings: &[Finding]) -> Level {
        findings.iter().map(|f| f.level).max().unwrap_or(Level::Ok)
    }

    #[test]
    fn confirming_without_proof_beside_a_provider_is_refused() {
        let with = |mode: &str, providers: Option<&str>| {
            let mut vars = vec![("APP_URL", "http://localhost:3000"), ("CONFIRMATION_MODE", mode)];
            if let Some(providers) = providers {
                vars.extend([("COGNITO_DOMAIN", "myapp"), ("COGNITO_IDENTITY_PROVIDERS", providers)]);
            }
            check(&facts(good_client()), &config(&vars))
                .into_iter()
                .filter(|f| f.message.contains("without proof"))
                .map(|f| f.level)
                .collect::<Vec<_>>()
        };
        assert_eq!(with("admin", Some("Google")), [Level::Fatal]);
        assert_eq!(with("lambda", Some("MyCorp")), [Level::Fatal]);
        assert_eq!(with("code", Some("Google")), []);
        assert_eq!(with("admin", None), []);
    }

    #[test]
    fn the_client_must_allow_what_sign_in_through_the_pool_needs() {
        let vars = [
            ("APP_URL", "http://localhost:3000"),
            ("COGNITO_DOMAIN", "myapp"),
            ("COGNITO_IDENTITY_PROVIDERS", "Google,MyCorp"),
        ];
        let ready = OAuthFacts {
            enabled: true,
            flows: vec!["code".into()],
            scopes: super::super::oauth::SCOPES.map(str::to_owned).to_vec(),
            providers: vec!["COGNITO".into(), "Google".into(), "MyCorp".into()],
            callback_urls: vec!["http://localhost:3000/auth/callback".into()],
            logout_urls: vec!["http://localhost:3000/".into()],
        };
        // A public client, which must not write email_verified (see the check's own test).
        let with = |oauth: OAuthFacts| {
            let client = ClientFacts {
                oauth,
                write_attributes: Some(vec!["email".into(), "name".into(), "locale".into()]),
                ..good_client()
            };
            check(&facts(client), &config(&vars))
        };
        let findings = with(ready.clone());
        assert_eq!(worst(&findings), Level::Ok, "{findings:?}");
        assert!(findings.iter().any(|f| f.message.contains("providers Google, MyCorp")));
        let fatal = |oauth: OAuthFacts, says: &str| {
            let findings = with(oauth);
            assert!(
                findings
                    .iter()
                    .any(|f| f.level == Level::Fatal && f.message.contains(says)),
                "{says}: {findings:?}"
            );
        };
        fatal(
            OAuthFacts {
                enabled: false,
                ..ready.clone()
            },
            "AllowedOAuthFlowsUserPoolClient",
        );
        fatal(
            OAuthFacts {
                flows: vec!["implicit".into()],
                ..ready.clone()
            },
            "lacks `code`",
        );
        fatal(
            OAuthFacts {
                flows: vec!["code".into(), "implicit".into()],
                ..ready.clone()
            },
            "allows `implicit`",
        );
        fatal(
            OAuthFacts {
                scopes: vec!["openid".into(), "email".into()],
                ..ready.clone()
            },
            "lacks profile, aws.cognito.signin.user.admin",
        );
        fatal(
            OAuthFacts {
                callback_urls: vec!["http://localhost:3000/".into()],
                ..ready.clone()
            },
            "CallbackURLs lacks http://localhost:3000/auth/callback",
        );
        fatal(
            OAuthFacts {
                logout_urls: vec![],
                ..ready.clone()
            },
            "LogoutURLs lacks http://localhost:3000/",
        );
        fatal(
            OAuthFacts {
                providers: vec!["COGNITO".into(), "Google".into()],
                ..ready.clone()
            },
            "SupportedIdentityProviders lacks MyCorp",
        );
        // Without a domain configured, a client with providers only gets a hint.
        let hint = check(
            &facts(ClientFacts {
                oauth: ready,
                ..good_client()
            }),
            &config(&[]),
        );
        assert_eq!(worst(&hint), Level::Ok);
        assert!(
            hint.iter()
                .any(|f| f.message.contains("the client allows Google, MyCorp"))
        );
    }

    #[test]
    fn a_well_set_up_pool_passes() {
        let findings = check(&facts(good_client()), &config(&[]));
        assert_eq!(worst(&findings), Level::Ok, "{findings:?}");
        assert!(findings.iter().any(|f| f.message.contains("rotation: off")));
        assert!(findings.iter().any(|f| f.message == "MFA: off; factors: none"));
    }

    #[test]
    fn a_refresh_token_that_outlives_the_cookies_is_reported() {
        let long = ClientFacts {
            refresh_token_seconds: Some(90 * 86_400),
            ..good_client()
        };
        let findings = check(&facts(long), &config(&[]));
        assert!(
            findings
                .iter()
                .any(|f| f.level == Level::Warn && f.message.contains("outlives SESSION_MAX_AGE_SECS")),
            "{findings:?}"
        );
    }

    #[test]
    fn a_secret_must_be_configured_exactly_when_the_client_has_one() {
        let with_secret = || ClientFacts {
            secret: Some(ClientSecret::new("s3cret".into())),
            propagate_user_context: Some(true),
            ..good_client()
        };
        let missing = check(&facts(with_secret()), &config(&[]));
        assert_eq!(worst(&missing), Level::Fatal);
        assert!(
            missing
                .iter()
                .any(|f| f.message.contains("COGNITO_CLIENT_SECRET is not set"))
        );

        // The client has one secret and ours is not it: nothing can work.
        let wrong = check(
            &facts(ClientFacts {
                secret_count: Some(1),
                ..with_secret()
            }),
            &config(&[("COGNITO_CLIENT_SECRET", "other")]),
        );
        assert!(
            wrong
                .iter()
                .any(|f| f.level == Level::Fatal && f.message.contains("is not the app client's"))
        );

        let right = check(&facts(with_secret()), &config(&[("COGNITO_CLIENT_SECRET", "s3cret")]));
        assert_eq!(worst(&right), Level::Ok, "{right:?}");

        let extra = check(&facts(good_client()), &config(&[("COGNITO_CLIENT_SECRET", "s3cret")]));
        assert!(
            extra
                .iter()
                .any(|f| f.level == Level::Fatal && f.message.contains("has no secret"))
        );
        // No finding ever carries the secret itself.
        for f in right.iter().chain(&wrong).chain(&extra) {
            assert!(!f.message.contains("s3cret") && !f.message.contains("other"), "{f:?}");
        }
    }

    /// AWS allows two active secrets (to rotate them) and shows only one: ours may be the other.
    #[test]
    fn a_second_active_secret_is_never_fatal() {
        let two = ClientFacts {
            secret: Some(ClientSecret::new("s3cret".into())),
            secret_count: Some(2),
            propagate_user_context: Some(true),
            ..good_client()
        };
        let findings = check(&facts(two), &config(&[("COGNITO_CLIENT_SECRET", "the-new-one")]));
        assert_eq!(worst(&findings), Level::Warn, "{findings:?}");
        assert!(findings.iter().any(|f| f.message.contains("2 active secrets")));
        // Not countable (IAM): a warning that says how to tell, not a refusal to start.
        let unknown = ClientFacts {
            secret: Some(ClientSecret::new("s3cret".into())),
            secret_count: None,
            propagate_user_context: Some(true),
            ..good_client()
        };
        let findings = check(&facts(unknown), &config(&[("COGNITO_CLIENT_SECRET", "the-new-one")]));
        assert_eq!(worst(&findings), Level::Warn, "{findings:?}");
        assert!(findings.iter().any(|f| f.message.contains("ListUserPoolClientSecrets")));
        for f in &findings {
            assert!(
                !f.message.contains("the-new-one") && !f.message.contains("s3cret"),
                "{f:?}"
            );
        }
        // Both configured (`first,second`), the client shows the second: a rotation under way.
        let rotating = || ClientFacts {
            secret: Some(ClientSecret::new("s3cret".into())),
            secret_count: Some(2),
            propagate_user_context: Some(true),
            ..good_client()
        };
        let findings = check(
            &facts(rotating()),
            &config(&[("COGNITO_CLIENT_SECRET", "the-new-one, s3cret")]),
        );
        assert_eq!(worst(&findings), Level::Ok, "{findings:?}");
        assert!(findings.iter().any(|f| f.message.contains("rotation under way")));
        // Neither of the two is the one it shows, and it has one secret: fatal.
        let one = ClientFacts {
            secret_count: Some(1),
            ..rotating()
        };
        let findings = check(
            &facts(one),
            &config(&[("COGNITO_CLIENT_SECRET", "the-new-one,an-old-one")]),
        );
        assert_eq!(worst(&findings), Level::Fatal, "{findings:?}");
    }

    #[test]
    fn the_callers_ip_reaches_threat_protection_only_when_the_client_passes_it_on() {
        let secret = [("COGNITO_CLIENT_SECRET", "s3cret")];
        let with_secret = |propagate| ClientFacts {
            secret: Some(ClientSecret::new("s3cret".into())),
            propagate_user_context: propagate,
            ..good_client()
        };
        let off = check(&facts(with_secret(Some(false))), &config(&secret));
        assert!(
            off.iter().any(
                |f| f.level == Level::Warn && f.message.contains("EnablePropagateAdditionalUserContextData is off")
            ),
            "{off:?}"
        );
        let on = check(&facts(with_secret(Some(true))), &config(&secret));
        assert_eq!(worst(&on), Level::Ok, "{on:?}");
        // A public client cannot turn it on: said, but nothing to fix.
        let public = check(&facts(good_client()), &config(&[]));
        assert_eq!(worst(&public), Level::Ok, "{public:?}");
        assert!(public.iter().any(|f| f.message.contains("a public client")));
    }

    #[test]
    fn e_mail_changes_before_verification_are_a_warning_and_remembered_devices_are_reported() {
        let pool = |email_verified_before_update, remembers: bool| PoolFacts {
            settings: Some(PoolSettings {
                email_verified_before_update,
                devices: if remembers {
                    Remembering::OptIn
                } else {
                    Remembering::Off
                },
                remembered_skip_second_step: true,
            }),
            ..facts(good_client())
        };
        let findings = check(&pool(false, false), &config(&[]));
        assert_eq!(worst(&findings), Level::Warn);
        assert!(
            findings
                .iter()
                .any(|f| f.message.contains("AttributesRequireVerificationBeforeUpdate"))
        );
        let findings = check(&pool(true, true), &config(&[]));
        assert_eq!(worst(&findings), Level::Ok, "devices are supported");
        assert!(findings.iter().any(|f| f.message.contains("Remember this browser")));
        // "Always": nobody is asked, shared computers too.
        let always = PoolFacts {
            settings: Some(PoolSettings {
                email_verified_before_update: true,
                devices: Remembering::Always,
                remembered_skip_second_step: true,
            }),
            ..facts(good_client())
        };
        let findings = check(&always, &config(&[]));
        assert_eq!(worst(&findings), Level::Warn);
        assert!(
            findings
                .iter()
                .any(|f| f.message.contains("DeviceOnlyRememberedOnUserPrompt"))
        );
        assert_eq!(worst(&check(&pool(true, false), &config(&[]))), Level::Ok);
    }

    #[test]
    fn rotation_without_a_grace_period_is_a_warning() {
        for grace in [Some(0), None] {
            let findings = check(
                &facts(ClientFacts {
                    rotation: true,
                    rotation_grace_seconds: grace,
                    ..good_client()
                }),
                &config(&[]),
            );
            assert!(
                findings
                    .iter()
                    .any(|f| f.level == Level::Warn && f.message.contains("no grace period")),
                "{grace:?}: {findings:?}"
            );
        }
    }

    #[test]
    fn a_client_that_may_not_write_locale_is_a_warning() {
        assert_eq!(worst(&check(&facts(good_client()), &config(&[]))), Level::Ok);
        let no_locale = check(
            &facts(ClientFacts {
                writes_locale: false,
                ..good_client()
            }),
            &config(&[]),
        );
        assert_eq!(worst(&no_locale), Level::Warn, "{no_locale:?}");
        assert!(no_locale.iter().any(|f| f.message.contains("`locale`")));
    }

    /// With identity providers, a client that cannot read `identities` does not know a linked
    /// account for one (the template's client once could not).
    #[test]
    fn linked_accounts_need_identities_readable_when_providers_are_offered() {
        let blind = ClientFacts {
            reads_identities: false,
            ..good_client()
        };
        let providers = [("COGNITO_DOMAIN", "myapp"), ("COGNITO_IDENTITY_PROVIDERS", "Google")];
        let findings = check(&facts(blind), &config(&providers));
        assert!(
            findings
                .iter()
                .any(|f| f.level == Level::Warn && f.message.contains("`identities`")),
            "{findings:?}"
        );
        let blind = ClientFacts {
            reads_identities: false,
            ..good_client()
        };
        let without = check(&facts(blind), &config(&[]));
        assert!(
            !without.iter().any(|f| f.message.contains("`identities`")),
            "no providers, no need"
        );
        let findings = check(&facts(good_client()), &config(&providers));
        assert!(!findings.iter().any(|f| f.message.contains("`identities`")));
    }

    /// Cognito refuses a provider's returning user when the client may not write an attribute
    /// the provider maps (the template's client once could not write `email_verified`).
    #[test]
    fn every_attribute_a_provider_maps_must_be_writable() {
        let pool = |writable: &[&str], mapped: Option<&[&str]>| PoolFacts {
            provider_mappings: vec![(
                "Google".into(),
                mapped.map(|m| m.iter().map(|a| a.to_string()).collect()),
            )],
            ..facts(ClientFacts {
                write_attributes: Some(writable.iter().map(|a| a.to_string()).collect()),
                ..good_client()
            })
        };
        let providers = [("COGNITO_DOMAIN", "myapp"), ("COGNITO_IDENTITY_PROVIDERS", "Google")];
        let mapped: &[&str] = &["email", "email_verified", "name"];
        let findings = check(&pool(&["email", "name", "locale"], Some(mapped)), &config(&providers));
        assert!(
            findings
                .iter()
                .any(|f| f.level == Level::Warn && f.message.contains("Google maps email_verified")),
            "{findings:?}"
        );
        let findings = check(
            &pool(&["email", "email_verified", "name", "locale"], Some(mapped)),
            &config(&providers),
        );
        assert!(!findings.iter().any(|f| f.message.contains("maps")), "{findings:?}");
        // A public client that may write email_verified: anyone could claim an address.
        let public = PoolFacts {
            provider_mappings: vec![],
            ..facts(ClientFacts {
                secret: None,
                write_attributes: Some(vec!["email".into(), "email_verified".into()]),
                ..good_client()
            })
        };
        let findings = check(&public, &config(&providers));
        assert!(
            findings
                .iter()
                .any(|f| f.level == Level::Fatal && f.message.contains("mark any address as verified")),
            "{findings:?}"
        );
        let unread = check(&pool(&["email"], None), &config(&providers));
        assert!(
            unread
                .iter()
                .any(|f| f.message.contains("cognito-idp:DescribeIdentityProvider"))
        );
    }

    #[test]
    fn flows_rotation_and_lifetimes_are_reported() {
        let no_password = check(
            &facts(ClientFacts {
                user_password_auth: false,
                user_srp_auth: false,
                ..good_client()
            }),
            &config(&[]),
        );
        assert!(
            no_password
                .iter()
                .any(|f| f.level == Level::Fatal && f.message.contains("allows no password sign-in"))
        );
        // Amplify's and the console's client: SRP and refresh, no ALLOW_USER_PASSWORD_AUTH.
        let amplify = facts(ClientFacts {
            user_password_auth: false,
            ..good_client()
        });
        assert_eq!(amplify.password_flow(), Some(PasswordFlow::Srp));
        let findings = check(&amplify, &config(&[]));
        assert!(findings.iter().all(|f| f.level != Level::Fatal), "{findings:?}");
        assert!(
            findings
                .iter()
                .any(|f| f.message.contains("password sign-in: USER_SRP_AUTH"))
        );
        // The choice-based sign-in comes before SRP; the password flow before both.
        let choice = facts(ClientFacts {
            user_password_auth: false,
            user_auth: true,
            ..good_client()
        });
        assert_eq!(choice.password_flow(), Some(PasswordFlow::UserAuth));
        assert_eq!(facts(good_client()).password_flow(), Some(PasswordFlow::Password));
        let unread = PoolFacts {
            client: None,
            ..facts(good_client())
        };
        assert_eq!(unread.password_flow(), None);

        let rotating = check(
            &facts(ClientFacts {
                rotation: true,
                rotation_grace_seconds: Some(30),
                refresh_token_auth: false,
                ..good_client()
            }),
            &config(&[]),
        );
        assert_eq!(worst(&rotating), Level::Ok, "{rotating:?}");
        assert!(
            rotating
                .iter()
                .any(|f| f.message.contains("GetTokensFromRefreshToken (grace period 30 s)"))
        );

        let loose = check(
            &facts(ClientFacts {
                refresh_token_auth: false,
                token_revocation: Some(false),
                prevent_user_existence_errors: Some(false),
                access_token_seconds: Some(10),
                ..good_client()
            }),
            &config(&[]),
        );
        assert_eq!(worst(&loose), Level::Warn);
        for needle in [
            "sessions end when the access token expires",
            "token revocation is off",
            "PreventUserExistenceErrors",
            "access tokens last 10 s",
            "every request would refresh",
        ] {
            assert!(loose.iter().any(|f| f.message.contains(needle)), "{needle}: {loose:?}");
        }
    }

    #[test]
    fn passkeys_and_e_mail_codes_are_offered_only_where_pool_and_client_allow_them() {
        let passwordless = |user_auth: bool, rp: Option<&str>| PoolFacts {
            first_factors: vec!["PASSWORD".into(), "EMAIL_OTP".into(), "WEB_AUTHN".into()],
            webauthn: Some(WebAuthnFacts {
                relying_party_id: rp.map(str::to_owned),
                user_verification_required: true,
                counts_as_mfa: false,
            }),
            ..facts(ClientFacts {
                user_auth,
                ..good_client()
            })
        };
        let app = config(&[("APP_URL", "https://app.example.com"), ("APP_ENV", "development")]);
        // Password only: nothing offered, one line.
        let plain = facts(good_client());
        assert_eq!(plain.sign_in_methods(), crate::types::SignInMethods::default());
        assert!(
            check(&plain, &app)
                .iter()
                .any(|f| f.message.starts_with("first factors: password only"))
        );
        // Both allowed, the client may use USER_AUTH, the relying party is a parent of the host.
        let good = passwordless(true, Some("example.com"));
        assert_eq!(
            good.sign_in_methods(),
            crate::types::SignInMethods {
                passkey: true,
                email_code: true
            }
        );
        let findings = check(&good, &app);
        assert_eq!(worst(&findings), Level::Ok, "{findings:?}");
        assert!(
            findings
                .iter()
                .any(|f| f.message == "first factors: PASSWORD, EMAIL_OTP, WEB_AUTHN")
        );
        assert!(
            findings
                .iter()
                .any(|f| f.message == "passkeys: relying party example.com (covers app.example.com)")
        );
        // Without ALLOW_USER_AUTH: the password only, and a warning that says what to add.
        let no_flow = passwordless(false, Some("example.com"));
        assert_eq!(no_flow.sign_in_methods(), crate::types::SignInMethods::default());
        assert!(
            check(&no_flow, &app)
                .iter()
                .any(|f| f.level == Level::Warn && f.message.contains("ALLOW_USER_AUTH"))
        );
        // A relying party that does not cover the host, or none: warnings.
        for rp in [Some("other.example"), Some("ample.com"), None] {
            let findings = check(&passwordless(true, rp), &app);
            assert!(
                findings
                    .iter()
                    .any(|f| f.level == Level::Warn && f.message.starts_with("passkeys:")),
                "{rp:?}: {findings:?}"
            );
        }
        // MFA required: passkeys only when they count as MFA, e-mail codes never.
        let strict = PoolFacts {
            mfa: Some(MfaFacts {
                required: true,
                totp: true,
                ..MfaFacts::default()
            }),
            ..passwordless(true, Some("example.com"))
        };
        let findings = check(&strict, &app);
        assert!(findings.iter().any(|f| f.message.contains("passkeys count as MFA")));
        assert!(findings.iter().any(|f| f.message.contains("e-mail code alone")));
        assert_eq!(url_host("http://localhost:3000/x"), Some("localhost".into()));
        assert_eq!(url_host("https://App.Example.com"), Some("app.example.com".into()));
    }

    #[test]
    fn mfa_settings_are_described() {
        let pool = PoolFacts {
            mfa: Some(MfaFacts {
                required: true,
                sms: true,
                ..MfaFacts::default()
            }),
            ..facts(good_client())
        };
        let findings = check(&pool, &config(&[]));
        assert!(
            findings
                .iter()
                .any(|f| f.message == "MFA: required; factors: text message")
        );
        assert!(
            findings
                .iter()
                .any(|f| f.level == Level::Warn && f.message.contains("cannot set one up"))
        );
    }

    #[test]
    fn unreadable_pools_are_warnings_not_failures() {
        let findings = check(&PoolFacts::default(), &config(&[]));
        assert_eq!(worst(&findings), Level::Warn);
        assert!(findings.iter().any(|f| f.message.contains("DescribeUserPoolClient")));
    }

    #[test]
    fn challenge_sessions_last_as_long_as_cognitos() {
        assert_eq!(challenge_lifetime_secs(None), 180);
        assert_eq!(challenge_lifetime_secs(Some(15)), 900);
        assert_eq!(challenge_lifetime_secs(Some(99)), 180);
    }
}
