//! Every call this app makes to the Cognito user pool, and how each failure maps to an
//! [`AppError`].
//!
//! The mapping is where Cognito's exception names stop: the original error is logged here with
//! its AWS request id, and only the typed variant goes on. The local emulator gets some names
//! wrong (`InvalidPasswordException` for a wrong password, where AWS says
//! `NotAuthorizedException`), so both spellings are mapped.

use crate::auth::ChallengeKind;
use crate::auth::pool::{ClientFacts, MfaFacts, PoolFacts, PoolSettings};
use crate::auth::secret_hash::ClientSecret;
use crate::auth::validate::{ConfirmationCode, DisplayName, Email, MfaCode, Password, PasswordPolicy};
use crate::error::AppError;
use crate::i18n::Language;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::RequestId;
use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenError;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, ExplicitAuthFlowsType, FeatureType,
    PreventUserExistenceErrorTypes, SoftwareTokenMfaSettingsType, TimeUnitsType, UserContextDataType, UserPoolMfaType,
    VerifiedAttributeType, VerifySoftwareTokenResponseType,
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

/// Which call failed: the same Cognito exception means different things to a person in
/// different places (`InvalidPasswordException` is a weak password on sign-up but a wrong one
/// on the emulator's sign-in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    SignUp,
    ConfirmSignUp,
    ResendCode,
    AdminConfirm,
    SignIn,
    Refresh,
    SignOut,
    ForgotPassword,
    ConfirmForgotPassword,
    GetUser,
    DescribePool,
    /// A code answer: SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_MFA.
    MfaCode,
    SelectMfa,
    NewPassword,
    /// AssociateSoftwareToken / VerifySoftwareToken / RespondToAuthChallenge(MFA_SETUP) with
    /// the challenge's session.
    MfaSetup,
    /// The account page's calls with the user's access token (GetUser, UpdateUserAttributes,
    /// SetUserMFAPreference, AssociateSoftwareToken, DeleteUser, …).
    Account,
    ChangePassword,
    /// VerifySoftwareToken with the access token: the account page's authenticator set-up.
    AccountTotp,
    VerifyEmail,
    GlobalSignOut,
}

/// Maps a Cognito exception name to what the person is told.
pub fn map_exception(op: Op, code: Option<&str>) -> AppError {
    use AppError as E;
    match (op, code.unwrap_or_default()) {
        (_, "TooManyRequestsException") => E::Throttled,
        // The pool's AWS WAF web ACL blocked the request (bot control, rate rules, geo blocks).
        (_, "ForbiddenException") => E::BlockedByFirewall,
        // A trigger crashed, timed out or answered in a shape Cognito could not read: the pool's
        // set-up is at fault, not the person.
        (_, "InvalidLambdaResponseException" | "UnexpectedLambdaException") => E::TriggerFailed,
        (_, "OperationNotEnabledException") => E::NotEnabled,
        // A trigger refused on purpose. Which one depends on the call: pre-sign-up on SignUp
        // (and post-confirmation on AdminConfirmSignUp), pre-authentication and pre-token
        // generation on every sign-in step and refresh, CustomMessage on the calls that e-mail a
        // code, post-confirmation and the like on the rest.
        (Op::SignUp | Op::AdminConfirm, "UserLambdaValidationException") => E::SignUpRejected,
        (
            Op::SignIn | Op::MfaCode | Op::SelectMfa | Op::NewPassword | Op::MfaSetup,
            "UserLambdaValidationException",
        ) => E::SignInRejected,
        // The session cannot be renewed; signing in again shows the refusal in words.
        (Op::Refresh, "UserLambdaValidationException") => E::SessionExpired,
        (Op::ResendCode | Op::ForgotPassword, "UserLambdaValidationException") => E::CodeRejected,
        (_, "UserLambdaValidationException") => E::ChangeRejected,
        // AWS's only reasons for these: "User is already confirmed." on a resend, "no registered/
        // verified email or phone_number" on a reset. Distinct variants, so the forms can decide
        // what they may reveal.
        (Op::ResendCode, "InvalidParameterException") => E::AlreadyConfirmed,
        (Op::ForgotPassword, "InvalidParameterException") => E::NoVerifiedEmail,
        // With rotation on, a refresh token that was already exchanged (after the grace period).
        (Op::Refresh, "RefreshTokenReuseException") => E::SessionExpired,
        // A challenge answer: the code is wrong (the session stays usable, so the person may try
        // again), or the session is gone (expired, used up, or it never existed).
        (Op::MfaCode | Op::MfaSetup, "CodeMismatchException" | "EnableSoftwareTokenMFAException") => E::WrongMfaCode,
        (
            Op::MfaCode | Op::MfaSetup | Op::SelectMfa | Op::NewPassword,
            "NotAuthorizedException"
            | "ExpiredCodeException"
            | "UserNotFoundException"
            | "SoftwareTokenMFANotFoundException",
        ) => E::ChallengeExpired,
        (Op::SelectMfa, "MFAMethodNotFoundException" | "InvalidParameterException") => E::UnsupportedChallenge,
        // NEW_PASSWORD_REQUIRED without a required attribute, or with one that cannot be written.
        (Op::NewPassword, "InvalidParameterException") => E::MissingAttributes,
        (_, "PasswordHistoryPolicyViolationException") => E::PasswordReused,
        (_, "LimitExceededException" | "TooManyFailedAttemptsException") => E::TooManyAttempts,
        // A wrong current password, as AWS says it. AWS's InvalidPasswordException here means the
        // *new* password breaks the policy (the general arm below); the emulator's use of it for
        // a wrong current password is told apart by its text in `map_service_error`.
        (Op::ChangePassword, "NotAuthorizedException") => E::WrongPassword,
        (Op::AccountTotp, "CodeMismatchException" | "EnableSoftwareTokenMFAException") => E::WrongMfaCode,
        (
            Op::Refresh | Op::GetUser | Op::Account | Op::AccountTotp | Op::VerifyEmail | Op::GlobalSignOut,
            "NotAuthorizedException" | "UserNotFoundException",
        ) => E::SessionExpired,
        // The emulator has no GlobalSignOut (HTTP 500 `Unsupported`); AWS may be unreachable.
        (Op::GlobalSignOut, _) => E::SignOutEverywhereUnavailable,
        // AWS answers NotAuthorizedException for both an unknown user and a wrong password (with
        // "prevent user existence errors" on); the emulator says UserNotFound or InvalidPassword.
        // One message for all, so the form never tells whether an account exists.
        (Op::SignIn, "NotAuthorizedException" | "UserNotFoundException" | "InvalidPasswordException") => {
            E::InvalidCredentials
        }
        (_, "UserNotConfirmedException") => E::NotConfirmed,
        (_, "PasswordResetRequiredException") => E::PasswordResetRequired,
        (_, "UsernameExistsException" | "AliasExistsException") => E::EmailTaken,
        (_, "InvalidPasswordException") => E::WeakPassword,
        (_, "CodeMismatchException") => E::WrongCode,
        (_, "ExpiredCodeException") => E::ExpiredCode,
        // Confirming for an unknown e-mail: say "wrong code" rather than reveal there is no
        // account.
        (Op::ConfirmSignUp | Op::ConfirmForgotPassword, "UserNotFoundException") => E::WrongCode,
        // An already-confirmed account: the code step is over, signing in is what is left.
        (Op::ConfirmSignUp, "NotAuthorizedException") => E::InvalidCredentials,
        (_, "CodeDeliveryFailureException") => E::CodeDeliveryFailed,
        (Op::ResendCode, _) => E::ResendUnavailable,
        (Op::SignOut, _) => E::Internal,
        (_, "InternalErrorException" | "ServiceUnavailable" | "ServiceUnavailableException") => E::Unavailable,
        _ => E::Internal,
    }
}

/// cognito-local's whole text for a wrong current password on ChangePassword
/// (`InvalidPasswordError` in its `errors.js`). AWS's InvalidPasswordException always names the
/// policy ("Password does not conform to policy: …").
const EMULATOR_WRONG_PASSWORD: &str = "Invalid password";

/// [`map_exception`], plus the one case where the exception name alone is ambiguous: the
/// emulator's InvalidPasswordException for a wrong current password. Only that exact text
/// means "wrong password"; anything else is AWS's meaning, a new password the policy refuses
/// (the app checks the policy first, but the pool may be stricter than what DescribeUserPool
/// let it read).
pub fn map_service_error(op: Op, code: Option<&str>, message: Option<&str>) -> AppError {
    match (op, code, message) {
        (Op::ChangePassword, Some("InvalidPasswordException"), Some(EMULATOR_WRONG_PASSWORD)) => {
            AppError::WrongPassword
        }
        _ => map_exception(op, code),
    }
}

/// Turns an SDK failure into an [`AppError`], logging what only the server may see.
fn fail<E, R>(op: Op, err: SdkError<E, R>) -> AppError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let mapped = match &err {
        SdkError::ServiceError(service) => map_service_error(op, service.err().code(), service.err().message()),
        // Connection refused, DNS, TLS, timeouts: Cognito could not be reached in time.
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => AppError::Unavailable,
        // An answer that is not what the API promises (HTML from a proxy, truncated JSON).
        SdkError::ResponseError(_) => AppError::Unavailable,
        _ => AppError::Internal,
    };
    let request_id = match &err {
        SdkError::ServiceError(service) => service.err().meta().request_id().map(str::to_owned),
        _ => None,
    };
    let code = err.code().unwrap_or("-").to_owned();
    let detail = aws_smithy_error_chain(&err);
    if matches!(mapped, AppError::Internal | AppError::Unavailable) {
        tracing::error!(?op, code, request_id, error = %detail, "cognito call failed");
    } else {
        tracing::info!(?op, code, request_id, error = %detail, "cognito refused the request");
    }
    mapped
}

/// The whole `source()` chain in one line: the SDK's top-level message alone says little.
fn aws_smithy_error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        out.push_str(": ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

/// Calls that must not run twice: a second SignUp meets the account the first one made, a second
/// ResendConfirmationCode or ForgotPassword sends another e-mail (voiding the first code), a second
/// ConfirmForgotPassword finds its code used. A throttled call was refused before Cognito did
/// anything, so it is retried like any other; a timeout or a 5xx may have been processed, so it
/// is not.
fn not_twice() -> aws_sdk_cognitoidentityprovider::config::Builder {
    aws_sdk_cognitoidentityprovider::config::Builder::default().retry_classifier(RetryOnlyThrottling)
}

#[derive(Debug)]
struct RetryOnlyThrottling;

impl ClassifyRetry for RetryOnlyThrottling {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    /// Runs after the SDK's own classifiers and keeps only their "throttled" verdicts.
    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        match previous {
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            }) => RetryAction::NoActionIndicated,
            RetryAction::RetryIndicated(_) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "RetryOnlyThrottling"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// The error code cognito-local answers an operation it does not implement with (HTTP 500,
/// `__type: CognitoLocal#Unsupported`; the SDK drops the namespace).
const UNSUPPORTED: &str = "Unsupported";

/// An `Unsupported` answer will not change on a retry: without this the SDK retries the HTTP 500
/// with back-off, and the first refresh against the emulator waits for it.
#[derive(Debug)]
struct NoRetryWhenUnsupported;

impl ClassifyRetry for NoRetryWhenUnsupported {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let unsupported = ctx
            .output_or_error()
            .and_then(Result::err)
            .and_then(|e| e.as_operation_error())
            .and_then(|e| e.downcast_ref::<GetTokensFromRefreshTokenError>())
            .is_some_and(|e| e.code() == Some(UNSUPPORTED));
        if unsupported {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "NoRetryWhenUnsupported"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// Tokens from a successful sign-in or refresh.
#[derive(Clone)]
pub struct Tokens {
    pub access_token: String,
    pub id_token: String,
    /// Present on sign-in; a refresh leaves the refresh token as it was.
    pub refresh_token: Option<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tokens(***)")
    }
}

fn tokens_from(op: Op, result: Option<AuthenticationResultType>) -> Result<Tokens, AppError> {
    let Some(result) = result else {
        // Neither tokens nor a challenge: a malformed answer, no session to create.
        tracing::warn!(?op, "cognito answered without tokens");
        return Err(AppError::Internal);
    };
    match (result.access_token, result.id_token) {
        (Some(access_token), Some(id_token)) => Ok(Tokens {
            access_token,
            id_token,
            refresh_token: result.refresh_token,
        }),
        _ => {
            tracing::warn!(?op, "cognito answer lacks the access or ID token");
            Err(AppError::Internal)
        }
    }
}

/// What Cognito answered a sign-in step with: the tokens, or the next challenge.
#[derive(Debug)]
pub enum AuthStep {
    Tokens(Tokens),
    Challenge(Challenge),
}

/// A sign-in challenge: what Cognito asks next and what answering it takes. Kept by the server
/// in the encrypted challenge cookie (`auth::pending`) between the pages of the sign-in.
#[derive(Clone, Serialize, Deserialize)]
pub struct Challenge {
    pub kind: ChallengeKind,
    /// Cognito's `Session`: proves the earlier steps were passed. Never shown, never logged.
    pub session: String,
    /// The internal username the answers (and their `SECRET_HASH`) must name: Cognito's
    /// `USER_ID_FOR_SRP`, a UUID in pools that sign in with e-mail.
    pub username: String,
    /// Where a code was sent (`CODE_DELIVERY_DESTINATION`, already masked by Cognito).
    #[serde(default)]
    pub destination: Option<String>,
    /// `MFAS_CAN_CHOOSE` (SELECT_MFA_TYPE) or `MFAS_CAN_SETUP` (MFA_SETUP), as Cognito names them.
    #[serde(default)]
    pub options: Vec<String>,
    /// NEW_PASSWORD_REQUIRED: the attributes the person must give, without `userAttributes.`.
    #[serde(default)]
    pub required_attributes: Vec<String>,
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Challenge")
            .field("kind", &self.kind)
            .field("options", &self.options)
            .field("required_attributes", &self.required_attributes)
            .finish_non_exhaustive()
    }
}

/// The challenge names this app answers; anything else (custom auth, device SRP, passkeys as a
/// second step) has no page here.
fn challenge_kind(name: &ChallengeNameType) -> Option<ChallengeKind> {
    Some(match name {
        ChallengeNameType::NewPasswordRequired => ChallengeKind::NewPassword,
        ChallengeNameType::SoftwareTokenMfa => ChallengeKind::SoftwareToken,
        ChallengeNameType::EmailOtp => ChallengeKind::EmailOtp,
        ChallengeNameType::SmsMfa => ChallengeKind::SmsMfa,
        ChallengeNameType::SelectMfaType => ChallengeKind::SelectMfa,
        ChallengeNameType::MfaSetup => ChallengeKind::MfaSetup,
        _ => return None,
    })
}

/// The internal username a challenge names: `USER_ID_FOR_SRP` on the password and MFA
/// challenges, `USERNAME` on others (and on some answers that carry only that). Both are the
/// internal name (a UUID in e-mail pools), which `SECRET_HASH` must be computed over.
fn internal_username(params: &mut HashMap<String, String>) -> Option<String> {
    let srp = params.remove("USER_ID_FOR_SRP").filter(|u| !u.is_empty());
    let plain = params.remove("USERNAME").filter(|u| !u.is_empty());
    srp.or(plain)
}

/// Reads an `InitiateAuth` / `RespondToAuthChallenge` answer. `username` is the one the step
/// was about, used when Cognito names no user (neither `USER_ID_FOR_SRP` nor `USERNAME`).
fn step_from(
    op: Op,
    result: Option<AuthenticationResultType>,
    name: Option<ChallengeNameType>,
    session: Option<String>,
    params: Option<HashMap<String, String>>,
    username: &str,
) -> Result<AuthStep, AppError> {
    let Some(name) = name else {
        return tokens_from(op, result).map(AuthStep::Tokens);
    };
    let Some(kind) = challenge_kind(&name) else {
        tracing::warn!(
            ?op,
            challenge = name.as_str(),
            "cognito asked for a challenge this app cannot answer"
        );
        return Err(AppError::UnsupportedChallenge);
    };
    let Some(session) = session else {
        tracing::warn!(?op, challenge = name.as_str(), "challenge without a session");
        return Err(AppError::Internal);
    };
    let mut params = params.unwrap_or_default();
    let list = |value: Option<String>| -> Vec<String> {
        value
            .and_then(|v| serde_json::from_str::<Vec<String>>(&v).ok())
            .unwrap_or_default()
    };
    let required_attributes = list(params.remove("requiredAttributes"))
        .into_iter()
        .map(|a| a.strip_prefix("userAttributes.").unwrap_or(&a).to_owned())
        .collect();
    let options = list(
        params
            .remove("MFAS_CAN_CHOOSE")
            .or_else(|| params.remove("MFAS_CAN_SETUP")),
    );
    Ok(AuthStep::Challenge(Challenge {
        kind,
        session,
        username: internal_username(&mut params).unwrap_or_else(|| username.to_owned()),
        destination: params.remove("CODE_DELIVERY_DESTINATION"),
        options,
        required_attributes,
    }))
}

/// The person behind a call, for Cognito's threat protection: their IP address, as the app
/// resolved it (the trusted proxy's header, else the connection). Cognito uses it to judge the
/// sign-in instead of this server's address; it honours it on clients with a secret (and
/// `EnablePropagateAdditionalUserContextData`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
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
    pub secret: String,
    pub session: String,
}

/// The account as Cognito holds it (GetUser with the user's own token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountFacts {
    pub email: String,
    pub email_verified: bool,
    pub name: String,
    /// Two-step sign-in with an authenticator app is on.
    pub totp: bool,
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
    secret: Option<ClientSecret>,
    /// Set once the endpoint answered GetTokensFromRefreshToken with `Unsupported` (cognito-local):
    /// from then on refresh uses `InitiateAuth REFRESH_TOKEN_AUTH`. AWS never sets it.
    no_get_tokens: Arc<AtomicBool>,
    /// The app client may write the `locale` attribute (Cognito refuses the whole sign-up
    /// when a client writes an attribute it may not).
    writes_locale: bool,
}

impl Cognito {
    pub fn new(client: Client, user_pool_id: String, client_id: String, secret: Option<ClientSecret>) -> Self {
        Self {
            client,
            user_pool_id,
            client_id,
            secret,
            no_get_tokens: Arc::default(),
            writes_locale: true,
        }
    }

    /// Whether sign-up stores the person's language (`locale`); see [`ClientFacts::writes_locale`].
    pub fn with_locale_attribute(mut self, writes_locale: bool) -> Self {
        self.writes_locale = writes_locale;
        self
    }

    /// `SECRET_HASH` for `username`, when the app client has a secret (see `secret_hash`).
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.secret.as_ref().map(|s| s.hash(username, &self.client_id))
    }

    /// The pool's password policy and MFA settings, and the app client's flows, secret,
    /// rotation and token lifetimes, for the start-up checks (`auth::pool`). What cannot be
    /// read (missing IAM permissions, an emulator without the call) stays `None`.
    #[tracing::instrument(skip_all)]
    pub async fn pool_facts(&self) -> PoolFacts {
        let (policy, settings) = match self.describe_pool().await {
            Ok((policy, settings)) => (Some(policy), Some(settings)),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the pool's password policy (DescribeUserPool)");
                (None, None)
            }
        };
        PoolFacts {
            policy,
            settings,
            mfa: self.mfa_facts().await,
            client: self.client_facts().await,
        }
    }

    async fn mfa_facts(&self) -> Option<MfaFacts> {
        let out = self
            .client
            .get_user_pool_mfa_config()
            .user_pool_id(&self.user_pool_id)
            .send()
            .await
            .map_err(|e| fail(Op::DescribePool, e))
            .ok()?;
        Some(MfaFacts {
            required: out.mfa_configuration == Some(UserPoolMfaType::On),
            optional: out.mfa_configuration == Some(UserPoolMfaType::Optional),
            totp: out.software_token_mfa_configuration.is_some_and(|c| c.enabled),
            sms: out.sms_mfa_configuration.and_then(|c| c.sms_configuration).is_some(),
            email: out.email_mfa_configuration.is_some(),
        })
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
        let secret_count = match (&secret, &self.secret) {
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
            // No flows listed: Cognito's default set, which includes refresh.
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
            token_revocation: c.enable_token_revocation,
            prevent_user_existence_errors: c
                .prevent_user_existence_errors
                .map(|p| p == PreventUserExistenceErrorTypes::Enabled),
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
    async fn describe_pool(&self) -> Result<(PasswordPolicy, PoolSettings), AppError> {
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
            // Any DeviceConfiguration at all turns device remembering on.
            remembers_devices: pool.as_ref().is_some_and(|p| p.device_configuration.is_some()),
        };
        let policy = pool.and_then(|p| p.policies).and_then(|p| p.password_policy);
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
        Ok((policy, settings))
    }

    #[tracing::instrument(skip(self, password, name))]
    pub async fn sign_up(
        &self,
        caller: Caller,
        email: &Email,
        password: &Password,
        name: Option<&DisplayName>,
        language: Language,
    ) -> Result<SignedUp, AppError> {
        // `locale` picks the language of every e-mail Cognito sends this person from now on
        // (the CustomMessage trigger reads it).
        let mut attributes = vec![attr("email", email.as_str())?];
        if self.writes_locale {
            attributes.push(attr("locale", language.tag())?);
        }
        if let Some(name) = name {
            attributes.push(attr("name", name.as_str())?);
        }
        let out = self
            .client
            .sign_up()
            .client_id(&self.client_id)
            .username(email.as_str())
            .password(password.expose())
            .set_user_attributes(Some(attributes))
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map_err(|e| fail(Op::SignUp, e))?;
        Ok(SignedUp {
            confirmed: out.user_confirmed,
        })
    }

    // The code is a secret while it is valid: never in a log line.
    #[tracing::instrument(skip(self, code))]
    pub async fn confirm_sign_up(
        &self,
        caller: Caller,
        email: &Email,
        code: &ConfirmationCode,
    ) -> Result<(), AppError> {
        self.client
            .confirm_sign_up()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code.as_str())
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .send()
            .await
            .map_err(|e| fail(Op::ConfirmSignUp, e))?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    pub async fn resend_code(&self, caller: Caller, email: &Email) -> Result<(), AppError> {
        self.client
            .resend_confirmation_code()
            .client_id(&self.client_id)
            .username(email.as_str())
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map(drop)
            .or_else(|e| hide_unknown_user(Op::ResendCode, e))
    }

    /// The administrator's way to confirm: needs IAM credentials on the server, which is why
    /// it never belongs in browser code.
    ///
    /// AdminConfirmSignUp confirms the account but leaves `email_verified` false, and Cognito
    /// sends password-reset codes only to a verified address: without the second call these
    /// people could never reset their password. Marking it verified is the administrator's
    /// promise that the address is theirs, which admin-confirm mode makes anyway. If only that
    /// second call fails, the account works; the log says what is missing.
    #[tracing::instrument(skip(self))]
    pub async fn admin_confirm(&self, email: &Email) -> Result<(), AppError> {
        self.client
            .admin_confirm_sign_up()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await
            .map_err(|e| fail(Op::AdminConfirm, e))?;
        let verified = self
            .client
            .admin_update_user_attributes()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .user_attributes(attr("email_verified", "true")?)
            .send()
            .await;
        if let Err(e) = verified {
            let err = fail(Op::AdminConfirm, e);
            tracing::error!(
                error = %err,
                "confirmed, but email_verified could not be set: this account cannot reset its password \
                 (grant cognito-idp:AdminUpdateUserAttributes)"
            );
        }
        Ok(())
    }

    /// `USER_PASSWORD_AUTH`: the password goes to Cognito over TLS from this server (there is
    /// no browser to run SRP in). Cognito answers with tokens or with the first challenge.
    #[tracing::instrument(skip(self, password))]
    pub async fn sign_in(&self, caller: Caller, email: &Email, password: &Password) -> Result<AuthStep, AppError> {
        let mut request = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email.as_str())
            .auth_parameters("PASSWORD", password.expose())
            .set_user_context_data(caller.context());
        // Sign-in names the user by what they typed: the hash is over the e-mail.
        if let Some(hash) = self.secret_hash(email.as_str()) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        let out = request.send().await.map_err(|e| fail(Op::SignIn, e))?;
        step_from(
            Op::SignIn,
            out.authentication_result,
            out.challenge_name,
            out.session,
            out.challenge_parameters,
            email.as_str(),
        )
    }

    /// Answers a challenge with `responses` (without `USERNAME` and `SECRET_HASH`, added here
    /// for the challenge's internal username).
    async fn respond(
        &self,
        op: Op,
        caller: Caller,
        name: ChallengeNameType,
        session: &str,
        username: &str,
        responses: impl IntoIterator<Item = (String, String)>,
    ) -> Result<AuthStep, AppError> {
        let mut all: HashMap<String, String> = responses.into_iter().collect();
        all.insert("USERNAME".into(), username.to_owned());
        if let Some(hash) = self.secret_hash(username) {
            all.insert("SECRET_HASH".into(), hash);
        }
        let out = self
            .client
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(name)
            .session(session)
            .set_challenge_responses(Some(all))
            .set_user_context_data(caller.context())
            .send()
            .await
            .map_err(|e| fail(op, e))?;
        step_from(
            op,
            out.authentication_result,
            out.challenge_name,
            out.session,
            out.challenge_parameters,
            username,
        )
    }

    /// The code of an authenticator app (SOFTWARE_TOKEN_MFA), or the one Cognito e-mailed
    /// (EMAIL_OTP) or texted (SMS_MFA).
    #[tracing::instrument(skip_all, fields(kind = ?challenge.kind))]
    pub async fn answer_code(
        &self,
        caller: Caller,
        challenge: &Challenge,
        code: &MfaCode,
    ) -> Result<AuthStep, AppError> {
        // An authenticator app's code is 6 digits here too: a longer one would only cost the
        // person one of Cognito's few attempts.
        if challenge.kind == ChallengeKind::SoftwareToken {
            totp_code(code)?;
        }
        let (name, key) = match challenge.kind {
            ChallengeKind::SoftwareToken => (ChallengeNameType::SoftwareTokenMfa, "SOFTWARE_TOKEN_MFA_CODE"),
            ChallengeKind::EmailOtp => (ChallengeNameType::EmailOtp, "EMAIL_OTP_CODE"),
            ChallengeKind::SmsMfa => (ChallengeNameType::SmsMfa, "SMS_MFA_CODE"),
            _ => return Err(AppError::ChallengeExpired),
        };
        let responses = [(key.to_owned(), code.as_str().to_owned())];
        self.respond(
            Op::MfaCode,
            caller,
            name,
            &challenge.session,
            &challenge.username,
            responses,
        )
        .await
    }

    /// SELECT_MFA_TYPE: the factor the person picked, named as Cognito offered it.
    #[tracing::instrument(skip_all)]
    pub async fn choose_mfa(&self, caller: Caller, challenge: &Challenge, factor: &str) -> Result<AuthStep, AppError> {
        let responses = [("ANSWER".to_owned(), factor.to_owned())];
        self.respond(
            Op::SelectMfa,
            caller,
            ChallengeNameType::SelectMfaType,
            &challenge.session,
            &challenge.username,
            responses,
        )
        .await
    }

    /// NEW_PASSWORD_REQUIRED: the invited user's own password and the attributes the pool
    /// requires (`attributes` holds only those the challenge listed).
    #[tracing::instrument(skip_all)]
    pub async fn set_new_password(
        &self,
        caller: Caller,
        challenge: &Challenge,
        password: &Password,
        attributes: &[(String, String)],
    ) -> Result<AuthStep, AppError> {
        let responses = std::iter::once(("NEW_PASSWORD".to_owned(), password.expose().to_owned())).chain(
            attributes
                .iter()
                .map(|(name, value)| (format!("userAttributes.{name}"), value.clone())),
        );
        self.respond(
            Op::NewPassword,
            caller,
            ChallengeNameType::NewPasswordRequired,
            &challenge.session,
            &challenge.username,
            responses,
        )
        .await
    }

    /// MFA_SETUP, step one: Cognito makes a TOTP secret for the user of this sign-in.
    #[tracing::instrument(skip_all)]
    pub async fn associate_totp(&self, session: &str) -> Result<TotpAssociation, AppError> {
        let out = self
            .client
            .associate_software_token()
            .session(session)
            .send()
            .await
            .map_err(|e| fail(Op::MfaSetup, e))?;
        match (out.secret_code, out.session) {
            (Some(secret), Some(session)) => Ok(TotpAssociation { secret, session }),
            _ => {
                tracing::warn!("AssociateSoftwareToken answered without a secret or a session");
                Err(AppError::Internal)
            }
        }
    }

    /// MFA_SETUP, step two: the first code from the app proves it holds the secret; then the
    /// sign-in goes on with the session Cognito returned.
    #[tracing::instrument(skip_all)]
    pub async fn finish_totp_setup(
        &self,
        caller: Caller,
        challenge: &Challenge,
        code: &MfaCode,
        device_name: &str,
    ) -> Result<AuthStep, AppError> {
        let code = totp_code(code)?;
        let out = self
            .client
            .verify_software_token()
            .session(&challenge.session)
            .user_code(code)
            .friendly_device_name(device_name)
            .send()
            .await
            .map_err(|e| fail(Op::MfaSetup, e))?;
        if out.status != Some(VerifySoftwareTokenResponseType::Success) {
            return Err(AppError::WrongMfaCode);
        }
        let session = out.session.unwrap_or_else(|| challenge.session.clone());
        self.respond(
            Op::MfaSetup,
            caller,
            ChallengeNameType::MfaSetup,
            &session,
            &challenge.username,
            std::iter::empty(),
        )
        .await
    }

    /// New access and ID tokens for a refresh token, through `GetTokensFromRefreshToken`: on
    /// AWS it works whether the app client rotates refresh tokens or not (with rotation on,
    /// `REFRESH_TOKEN_AUTH` is refused), so nothing has to be known about the client — a
    /// DescribeUserPoolClient the app may not call decides nothing. With rotation the answer
    /// carries a new refresh token, and the old one stops working after the grace period.
    ///
    /// Only an endpoint that lacks the call (cognito-local answers HTTP 500 `Unsupported`) is
    /// refreshed with `InitiateAuth REFRESH_TOKEN_AUTH` instead, from its first such answer on.
    /// `username` is the user's internal one (the access token's `username`), which
    /// `SECRET_HASH` must name there.
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str, username: &str) -> Result<Tokens, AppError> {
        if !self.no_get_tokens.load(Ordering::Relaxed) {
            let answer = self
                .client
                .get_tokens_from_refresh_token()
                .client_id(&self.client_id)
                .refresh_token(refresh_token)
                .set_client_secret(self.secret.as_ref().map(|s| s.expose().to_owned()))
                .customize()
                .config_override(
                    aws_sdk_cognitoidentityprovider::config::Builder::default()
                        .retry_classifier(NoRetryWhenUnsupported),
                )
                .send()
                .await;
            match answer {
                Ok(out) => return tokens_from(Op::Refresh, out.authentication_result),
                Err(e) if e.code() == Some(UNSUPPORTED) => {
                    if !self.no_get_tokens.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            "this Cognito endpoint has no GetTokensFromRefreshToken (an emulator): refreshing with \
                             InitiateAuth REFRESH_TOKEN_AUTH from now on"
                        );
                    }
                }
                Err(e) => return Err(fail(Op::Refresh, e)),
            }
        }
        self.refresh_with_initiate_auth(refresh_token, username).await
    }

    async fn refresh_with_initiate_auth(&self, refresh_token: &str, username: &str) -> Result<Tokens, AppError> {
        let mut request = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token);
        if let Some(hash) = self.secret_hash(username) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        let out = request.send().await.map_err(|e| fail(Op::Refresh, e))?;
        tokens_from(Op::Refresh, out.authentication_result)
    }

    /// Signs this browser out: RevokeToken ends its refresh token, and with it every access
    /// and ID token issued from that refresh token (they carry its `origin_jti`). Other
    /// devices stay signed in; ending those is [`Cognito::global_sign_out`], the account page's
    /// "sign out everywhere". (GlobalSignOut here, after RevokeToken, could never work: its
    /// access token was just revoked, so AWS refuses it with NotAuthorizedException.)
    #[tracing::instrument(skip_all)]
    pub async fn sign_out(&self, refresh_token: &str) -> Result<(), AppError> {
        self.client
            .revoke_token()
            .client_id(&self.client_id)
            .token(refresh_token)
            .set_client_secret(self.secret.as_ref().map(|s| s.expose().to_owned()))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::SignOut, e))
    }

    /// The account's e-mail, read with the user's own access token.
    #[tracing::instrument(skip_all)]
    pub async fn email_of(&self, access_token: &str) -> Result<Option<String>, AppError> {
        let out = self
            .client
            .get_user()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| fail(Op::GetUser, e))?;
        Ok(out
            .user_attributes
            .into_iter()
            .find(|a| a.name == "email")
            .and_then(|a| a.value))
    }

    /// The account as the account page shows it, read with the user's own access token.
    #[tracing::instrument(skip_all)]
    pub async fn account(&self, access_token: &str) -> Result<AccountFacts, AppError> {
        let out = self
            .client
            .get_user()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| fail(Op::Account, e))?;
        let attr = |name: &str| {
            out.user_attributes
                .iter()
                .find(|a| a.name == name)
                .and_then(|a| a.value.clone())
        };
        Ok(AccountFacts {
            email: attr("email").unwrap_or_default(),
            email_verified: attr("email_verified").as_deref() == Some("true"),
            name: attr("name").unwrap_or_default(),
            totp: out
                .user_mfa_setting_list
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|m| m == "SOFTWARE_TOKEN_MFA"),
        })
    }

    /// The current password proves it is the person; the new one replaces it.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        access_token: &str,
        current: &Password,
        new: &Password,
    ) -> Result<(), AppError> {
        self.client
            .change_password()
            .access_token(access_token)
            .previous_password(current.expose())
            .proposed_password(new.expose())
            .send()
            .await
            .map_err(|e| fail(Op::ChangePassword, e))?;
        Ok(())
    }

    /// A new TOTP secret for the signed-in user's authenticator app (not used until verified).
    #[tracing::instrument(skip_all)]
    pub async fn new_totp_secret(&self, access_token: &str) -> Result<String, AppError> {
        let out = self
            .client
            .associate_software_token()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| fail(Op::Account, e))?;
        out.secret_code.ok_or_else(|| {
            tracing::warn!("AssociateSoftwareToken answered without a secret");
            AppError::Internal
        })
    }

    /// The first code proves the app holds the secret; then two-step sign-in is turned on with
    /// the authenticator app as the preferred factor.
    #[tracing::instrument(skip_all)]
    pub async fn turn_on_totp(&self, access_token: &str, code: &MfaCode, device_name: &str) -> Result<(), AppError> {
        let code = totp_code(code)?;
        let out = self
            .client
            .verify_software_token()
            .access_token(access_token)
            .user_code(code)
            .friendly_device_name(device_name)
            .send()
            .await
            .map_err(|e| fail(Op::AccountTotp, e))?;
        if out.status != Some(VerifySoftwareTokenResponseType::Success) {
            return Err(AppError::WrongMfaCode);
        }
        self.set_totp(access_token, true).await
    }

    /// Turns the authenticator app on or off as the second factor.
    #[tracing::instrument(skip(self, access_token))]
    pub async fn set_totp(&self, access_token: &str, enabled: bool) -> Result<(), AppError> {
        let settings = SoftwareTokenMfaSettingsType::builder()
            .enabled(enabled)
            .preferred_mfa(enabled)
            .build();
        self.client
            .set_user_mfa_preference()
            .access_token(access_token)
            .software_token_mfa_settings(settings)
            .send()
            .await
            .map_err(|e| fail(Op::Account, e))?;
        Ok(())
    }

    /// Sets the name, or removes it when `name` is `None`.
    #[tracing::instrument(skip_all)]
    pub async fn update_name(&self, access_token: &str, name: Option<&DisplayName>) -> Result<(), AppError> {
        match name {
            Some(name) => self
                .client
                .update_user_attributes()
                .access_token(access_token)
                .user_attributes(attr("name", name.as_str())?)
                .send()
                .await
                .map(drop)
                .map_err(|e| fail(Op::Account, e)),
            None => self
                .client
                .delete_user_attributes()
                .access_token(access_token)
                .user_attribute_names("name")
                .send()
                .await
                .map(drop)
                .map_err(|e| fail(Op::Account, e)),
        }
    }

    /// Stores the person's language in `locale`, for the e-mails Cognito sends them later. Does
    /// nothing when the app client may not write `locale` (the start-up check warns of it).
    #[tracing::instrument(skip_all)]
    pub async fn set_locale(&self, access_token: &str, lang: Language) -> Result<(), AppError> {
        if !self.writes_locale {
            return Ok(());
        }
        self.client
            .update_user_attributes()
            .access_token(access_token)
            .user_attributes(attr("locale", lang.tag())?)
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::Account, e))
    }

    /// Asks to change the e-mail: Cognito e-mails a code to the new address. With the pool's
    /// `AttributesRequireVerificationBeforeUpdate`, the old address stays until the code is used.
    #[tracing::instrument(skip_all)]
    pub async fn change_email(&self, access_token: &str, email: &Email) -> Result<(), AppError> {
        self.client
            .update_user_attributes()
            .access_token(access_token)
            .user_attributes(attr("email", email.as_str())?)
            .send()
            .await
            .map_err(|e| fail(Op::Account, e))?;
        Ok(())
    }

    /// The code from the e-mail to the new address: the change takes effect.
    #[tracing::instrument(skip_all)]
    pub async fn verify_email(&self, access_token: &str, code: &ConfirmationCode) -> Result<(), AppError> {
        self.client
            .verify_user_attribute()
            .access_token(access_token)
            .attribute_name("email")
            .code(code.as_str())
            .send()
            .await
            .map_err(|e| fail(Op::VerifyEmail, e))?;
        Ok(())
    }

    /// Sends the e-mail verification code again.
    #[tracing::instrument(skip_all)]
    pub async fn resend_email_code(&self, access_token: &str) -> Result<(), AppError> {
        self.client
            .get_user_attribute_verification_code()
            .access_token(access_token)
            .attribute_name("email")
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::ResendCode, e))
    }

    /// Signs the user out everywhere: every refresh token of theirs stops working.
    #[tracing::instrument(skip_all)]
    pub async fn global_sign_out(&self, access_token: &str) -> Result<(), AppError> {
        self.client
            .global_sign_out()
            .access_token(access_token)
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::GlobalSignOut, e))
    }

    /// Deletes the user for good.
    #[tracing::instrument(skip_all)]
    pub async fn delete_user(&self, access_token: &str) -> Result<(), AppError> {
        self.client
            .delete_user()
            .access_token(access_token)
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::Account, e))
    }

    #[tracing::instrument(skip(self))]
    pub async fn forgot_password(&self, caller: Caller, email: &Email) -> Result<(), AppError> {
        self.client
            .forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map(drop)
            .or_else(|e| hide_unknown_user(Op::ForgotPassword, e))
    }

    #[tracing::instrument(skip(self, code, password))]
    pub async fn confirm_forgot_password(
        &self,
        caller: Caller,
        email: &Email,
        code: &ConfirmationCode,
        password: &Password,
    ) -> Result<(), AppError> {
        self.client
            .confirm_forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code.as_str())
            .password(password.expose())
            .set_secret_hash(self.secret_hash(email.as_str()))
            .set_user_context_data(caller.context())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map_err(|e| fail(Op::ConfirmForgotPassword, e))?;
        Ok(())
    }

    /// Revokes one refresh token (and the access tokens issued from it), for a session that a
    /// newer sign-in in the same browser replaced: the same RevokeToken as [`Cognito::sign_out`].
    pub async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<(), AppError> {
        self.sign_out(refresh_token).await
    }
}

/// An authenticator app's code for VerifySoftwareToken, which takes exactly 6 digits (its
/// `UserCode` pattern); an [`MfaCode`] may also be an e-mailed 8-digit one. Checked here so a
/// mistyped code gets its own message instead of Cognito's InvalidParameterException.
fn totp_code(code: &MfaCode) -> Result<&str, AppError> {
    let code = code.as_str();
    if code.len() == 6 {
        Ok(code)
    } else {
        Err(AppError::InvalidTotpCode)
    }
}

/// For the calls whose answer must not tell whether an account exists (resend code, forgot
/// password): "no such user" is reported as success, exactly as for a real account.
fn hide_unknown_user<E, R>(op: Op, err: SdkError<E, R>) -> Result<(), AppError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    if err.code() == Some("UserNotFoundException") {
        tracing::info!(?op, "no such user; answering as if there were one");
        return Ok(());
    }
    Err(fail(op, err))
}

fn attr(name: &str, value: &str) -> Result<AttributeType, AppError> {
    AttributeType::builder().name(name).value(value).build().map_err(|e| {
        tracing::error!(error = %e, "building a user attribute");
        AppError::Internal
    })
}
