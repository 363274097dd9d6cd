//! Every call to the Cognito user pool a sign-up, a sign-in, a reset and an account page make,
//! and how each failure maps to an [`AuthError`] (feature `cognito`).
//!
//! ```no_run
//! use cognito_auth::cognito::{AuthStep, Caller, Cognito};
//! use cognito_auth::types::{Email, Password};
//!
//! # async fn sign_in(sdk: cognito_auth::cognito::sdk::Client) -> Result<(), cognito_auth::AuthError> {
//! // The SDK's client (`aws_config::load_from_env`) carries the region and the credentials.
//! let cognito = Cognito::new(sdk, "eu-west-1_AbC123".into(), "the-app-client-id".into(), None);
//! let email = Email::parse("ada@example.com")?;
//! let password = Password::for_sign_in("correct horse battery staple".into())?;
//! match cognito.sign_in(Caller { ip: None }, &email, &password).await? {
//!     // Keep them on the server: an encrypted HttpOnly cookie, never JavaScript.
//!     AuthStep::Tokens(tokens) => drop(tokens),
//!     // A second factor, a new password, an authenticator to set up: ask for it, then answer.
//!     AuthStep::Challenge(challenge) => println!("Cognito asks for {:?}", challenge.kind),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The mapping is where Cognito's exception names stop: the original error is logged here with
//! its AWS request id, and only the typed variant goes on. The local emulator gets some names
//! wrong (`InvalidPasswordException` for a wrong password, where AWS says
//! `NotAuthorizedException`), so both spellings are mapped.
//!
//! | what | file |
//! |---|---|
//! | the calls of sign-up and its confirmation | `sign_up.rs` |
//! | the calls of the password reset (and the sign-out at Cognito after it) | `password_reset.rs` |
//! | the password sign-in, by the flow the client allows (`USER_PASSWORD_AUTH`, `USER_AUTH`, SRP) | `password.rs` |
//! | the challenges, refresh, sign-out | `sign_in.rs` |
//! | sign-in without a password (`USER_AUTH`: passkey, e-mail code), the account's passkeys | `passwordless.rs` |
//! | the account page's calls (the person's own access token) | `account.rs` |
//! | remembered devices: confirming, the device's proof at sign-in, listing, forgetting | `devices.rs` |
//! | what a sign-in step answers: tokens or a challenge | `answers.rs` |
//! | exception → [`AuthError`], and the log line | `errors.rs` |
//! | which failures the SDK may retry | `retry.rs` |
//! | the pool's OAuth 2.0 endpoints: "Continue with …", managed login, `/logout` | `oauth.rs` |
//! | what the pool and client allow, read and checked at start-up | `pool.rs` |
//! | `SECRET_HASH` for app clients with a secret | `crate::secret_hash` |
//!
//! The call files are one `impl Cognito` split by flow; they share this module's imports
//! (`use super::*`).

mod account;
mod answers;
pub mod devices;
mod errors;
pub mod oauth;
mod password;
mod password_reset;
mod passwordless;
pub mod pool;
mod retry;
mod sign_in;
mod sign_up;

use crate::AuthError;
pub use answers::*;
/// The AWS SDK these calls are made with, for its `Client` ([`Cognito::new`]) in the same version.
pub use aws_sdk_cognitoidentityprovider as sdk;
pub use devices::{ConfirmedDevice, DeviceFacts, DeviceSecret, DeviceUse, NewDevice};
pub use errors::*;
pub use password::PasswordFlow;
pub use passwordless::{FirstFactor, PasskeyFacts, to_document, to_json};
use retry::*;

use crate::secret_hash::ClientSecret;
use crate::types::ChallengeKind;
use crate::types::{ConfirmationCode, DisplayName, Email, MfaCode, Password};
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::RequestId;
use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenError;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, SoftwareTokenMfaSettingsType,
    UserContextDataType, VerifySoftwareTokenResponseType,
};
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::retry::ErrorKind;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The person behind a call, for Cognito's threat protection: their IP address, as the app
/// resolved it (the trusted proxy's header, else the connection). Cognito uses it to judge the
/// sign-in instead of this server's address; it honours it on clients with a secret (and
/// `EnablePropagateAdditionalUserContextData`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The person's address; `None` when the app cannot tell it.
    pub ip: Option<IpAddr>,
}

impl Caller {
    fn context(self) -> Option<UserContextDataType> {
        self.ip
            .map(|ip| UserContextDataType::builder().ip_address(ip.to_string()).build())
    }
}

/// A TOTP secret Cognito made for a sign-in's MFA set-up, and the session that goes on.
pub struct TotpAssociation {
    /// The shared secret, for the authenticator app (its QR code).
    pub secret: String,
    /// The challenge's session, to answer `MFA_SETUP` with.
    pub session: String,
}

/// The account as Cognito holds it (GetUser with the user's own token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountFacts {
    /// The e-mail address.
    pub email: String,
    /// Whether the address was proved (a code, or a provider that vouches for it).
    pub email_verified: bool,
    /// The display name (`name`), empty when none.
    pub name: String,
    /// Two-step sign-in with an authenticator app is on.
    pub totp: bool,
    /// The provider this user exists through (`Google` for `Google_…`), when they are only a
    /// provider's user: no password here. `None` for the pool's own users, linked ones included.
    pub federated_with: Option<String>,
    /// The provider a pool's own user is linked to (`identities`, where the client may read
    /// it): its sign-ins write the mapped attributes (the name, the e-mail) over any change made
    /// here.
    pub linked_to: Option<String>,
}

/// What a sign-up led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedUp {
    /// True when the account is already confirmed (PreSignUp trigger or admin confirmation).
    pub confirmed: bool,
}

/// The Cognito calls of the scenario, bound to one app client.
#[derive(Clone, Debug)]
pub struct Cognito {
    client: Client,
    user_pool_id: String,
    client_id: String,
    /// The app client's secret, and while secrets are rotated the other active one.
    secrets: Arc<Secrets>,
    /// Set once the endpoint answered GetTokensFromRefreshToken with `Unsupported` (cognito-local):
    /// from then on refresh uses `InitiateAuth REFRESH_TOKEN_AUTH`. AWS never sets it.
    no_get_tokens: Arc<AtomicBool>,
    /// The app client may write the `locale` attribute (Cognito refuses the whole sign-up
    /// when a client writes an attribute it may not).
    writes_locale: bool,
    /// The providers this app offers (`COGNITO_IDENTITY_PROVIDERS`): a user named after one of
    /// them (`Google_…`) is that provider's, without a password here.
    providers: Arc<[String]>,
    /// The password flow the client allows, once known ([`Cognito::with_password_flow`]).
    password_flow: Arc<password::FlowInUse>,
}

impl Cognito {
    /// The calls of one app client of one pool: `client` is the SDK's (its region, credentials, retries), `secret` the client's when it has one.
    pub fn new(client: Client, user_pool_id: String, client_id: String, secret: Option<ClientSecret>) -> Self {
        Self {
            client,
            user_pool_id,
            client_id,
            secrets: Arc::new(Secrets {
                list: secret.into_iter().collect(),
                ..Secrets::default()
            }),
            no_get_tokens: Arc::default(),
            writes_locale: true,
            providers: Arc::from([]),
            password_flow: Arc::default(),
        }
    }

    /// Whether sign-up stores the person's language (`locale`); see [`pool::ClientFacts::writes_locale`].
    pub fn with_locale_attribute(mut self, writes_locale: bool) -> Self {
        self.writes_locale = writes_locale;
        self
    }

    /// The providers this app offers, by their pool names (see [`AccountFacts::federated_with`]).
    pub fn with_identity_providers(mut self, providers: Vec<String>) -> Self {
        self.providers = providers.into();
        self
    }

    /// The client's other active secret, while secrets are rotated (`AddUserPoolClientSecret`):
    /// the first is used; when Cognito refuses it ("Unable to verify secret hash"), this one is
    /// tried for that call, and kept from then on (once: the two never take turns).
    pub fn with_second_secret(mut self, secret: ClientSecret) -> Self {
        let mut list = self.secrets.list.clone();
        list.truncate(1);
        list.push(secret);
        self.secrets = Arc::new(Secrets {
            list,
            ..Secrets::default()
        });
        self
    }

    /// The secret in use, when the app client has one.
    fn secret(&self) -> Option<&ClientSecret> {
        self.secrets.list.get(self.secrets.in_use.index())
    }

    /// `SECRET_HASH` for `username`, when the app client has a secret (see `crate::secret_hash`).
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.secret().map(|s| s.hash(username, &self.client_id))
    }

    /// Runs `call` (which reads the secret in use), and once more with the other secret when
    /// Cognito refused this one and there is another not yet tried.
    async fn signed<T, E, R, F, Fut>(&self, call: F) -> Result<T, SdkError<E, R>>
    where
        E: ProvideErrorMetadata,
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, SdkError<E, R>>>,
    {
        let first = call().await;
        match &first {
            Err(err) if secret_refused(err) && self.switch_secret() => call().await,
            _ => first,
        }
    }

    /// Moves to the other secret, once in the process's life; false when there is none to move to.
    fn switch_secret(&self) -> bool {
        if self.secrets.list.len() < 2 || !self.secrets.in_use.move_to_second() {
            return false;
        }
        tracing::warn!(
            "Cognito refused the first COGNITO_CLIENT_SECRET: using the second from now on (finish the rotation: \
             docs/setup.md, \"Rotating the client secret\")"
        );
        true
    }
}

/// The app client's secrets ([`Cognito::with_second_secret`]).
#[derive(Debug, Default)]
struct Secrets {
    list: Vec<ClientSecret>,
    in_use: SecretInUse,
}

/// Which of an app client's (at most two) secrets is in use: the first, until the second is
/// tried after Cognito refused the first; kept from then on, so the two never take turns.
/// Shared by the clones of a [`Cognito`] and of an [`oauth::OAuth`].
#[derive(Debug, Default)]
pub(crate) struct SecretInUse(std::sync::atomic::AtomicUsize);

impl SecretInUse {
    /// 0 for the first secret, 1 for the second.
    pub(crate) fn index(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    /// Moves to the second secret: true the first time only.
    pub(crate) fn move_to_second(&self) -> bool {
        self.0
            .compare_exchange(0, 1, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}

/// Cognito refused the call's client secret (or the `SECRET_HASH` made with it).
fn secret_refused<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    match err {
        SdkError::ServiceError(service) => refuses_secret(service.err().code(), service.err().message()),
        _ => false,
    }
}

/// An authenticator app's code for VerifySoftwareToken, which takes exactly 6 digits (its
/// `UserCode` pattern); an [`MfaCode`] may also be an e-mailed 8-digit one. Checked here so a
/// mistyped code gets its own message instead of Cognito's InvalidParameterException.
fn totp_code(code: &MfaCode) -> Result<&str, AuthError> {
    let code = code.as_str();
    if code.len() == 6 {
        Ok(code)
    } else {
        Err(AuthError::InvalidTotpCode)
    }
}

fn attr(name: &str, value: &str) -> Result<AttributeType, AuthError> {
    AttributeType::builder().name(name).value(value).build().map_err(|e| {
        tracing::error!(error = %e, "building a user attribute");
        AuthError::Internal
    })
}
