//! Every call this app makes to the Cognito user pool, and how each failure maps to an
//! [`AppError`].
//!
//! The mapping is where Cognito's exception names stop: the original error is logged here with
//! its AWS request id, and only the typed variant goes on. The local emulator gets some names
//! wrong (`InvalidPasswordException` for a wrong password, where AWS says
//! `NotAuthorizedException`), so both spellings are mapped.

use crate::auth::validate::{ConfirmationCode, DisplayName, Email, Password, PasswordPolicy};
use crate::error::AppError;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::RequestId;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, AuthenticationResultType};
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::retry::ErrorKind;
use std::fmt;

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
}

/// Maps a Cognito exception name to what the person is told.
pub fn map_exception(op: Op, code: Option<&str>) -> AppError {
    use AppError as E;
    match (op, code.unwrap_or_default()) {
        (_, "TooManyRequestsException") => E::Throttled,
        (_, "LimitExceededException" | "TooManyFailedAttemptsException") => E::TooManyAttempts,
        (Op::Refresh | Op::GetUser, "NotAuthorizedException" | "UserNotFoundException") => E::SessionExpired,
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
        (_, "UserLambdaValidationException") => E::SignUpRejected,
        (Op::ResendCode, _) => E::ResendUnavailable,
        (Op::SignOut, _) => E::Internal,
        (_, "InternalErrorException" | "ServiceUnavailable" | "ServiceUnavailableException") => E::Unavailable,
        _ => E::Internal,
    }
}

/// Turns an SDK failure into an [`AppError`], logging what only the server may see.
fn fail<E, R>(op: Op, err: SdkError<E, R>) -> AppError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let mapped = match &err {
        SdkError::ServiceError(service) => map_exception(op, service.err().code()),
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

fn tokens_from(op: Op, result: Option<AuthenticationResultType>, challenge: Option<&str>) -> Result<Tokens, AppError> {
    let Some(result) = result else {
        // A challenge (MFA, NEW_PASSWORD_REQUIRED) the app does not handle, or a malformed
        // answer: either way there is no session to create.
        tracing::warn!(?op, challenge, "cognito answered without tokens");
        return Err(match challenge {
            Some("NEW_PASSWORD_REQUIRED") => AppError::PasswordResetRequired,
            _ => AppError::Internal,
        });
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
}

impl Cognito {
    pub fn new(client: Client, user_pool_id: String, client_id: String) -> Self {
        Self {
            client,
            user_pool_id,
            client_id,
        }
    }

    #[tracing::instrument(skip_all)]
    pub async fn password_policy(&self) -> Result<PasswordPolicy, AppError> {
        let out = self
            .client
            .describe_user_pool()
            .user_pool_id(&self.user_pool_id)
            .send()
            .await
            .map_err(|e| fail(Op::DescribePool, e))?;
        let policy = out.user_pool.and_then(|p| p.policies).and_then(|p| p.password_policy);
        Ok(match policy {
            Some(p) => PasswordPolicy {
                min_length: p.minimum_length.and_then(|n| u32::try_from(n).ok()).unwrap_or(8),
                require_uppercase: p.require_uppercase,
                require_lowercase: p.require_lowercase,
                require_numbers: p.require_numbers,
                require_symbols: p.require_symbols,
            },
            None => PasswordPolicy::default(),
        })
    }

    #[tracing::instrument(skip(self, password, name))]
    pub async fn sign_up(
        &self,
        email: &Email,
        password: &Password,
        name: Option<&DisplayName>,
    ) -> Result<SignedUp, AppError> {
        let mut attributes = vec![attr("email", email.as_str())?];
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
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map_err(|e| fail(Op::SignUp, e))?;
        Ok(SignedUp {
            confirmed: out.user_confirmed,
        })
    }

    #[tracing::instrument(skip(self))]
    pub async fn confirm_sign_up(&self, email: &Email, code: &ConfirmationCode) -> Result<(), AppError> {
        self.client
            .confirm_sign_up()
            .client_id(&self.client_id)
            .username(email.as_str())
            .confirmation_code(code.as_str())
            .send()
            .await
            .map_err(|e| fail(Op::ConfirmSignUp, e))?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    pub async fn resend_code(&self, email: &Email) -> Result<(), AppError> {
        self.client
            .resend_confirmation_code()
            .client_id(&self.client_id)
            .username(email.as_str())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map(drop)
            .or_else(|e| hide_unknown_user(Op::ResendCode, e))
    }

    /// The administrator's way to confirm: needs IAM credentials on the server, which is why
    /// it never belongs in browser code.
    #[tracing::instrument(skip(self))]
    pub async fn admin_confirm(&self, email: &Email) -> Result<(), AppError> {
        self.client
            .admin_confirm_sign_up()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await
            .map_err(|e| fail(Op::AdminConfirm, e))?;
        Ok(())
    }

    #[tracing::instrument(skip(self, password))]
    pub async fn sign_in(&self, email: &Email, password: &Password) -> Result<Tokens, AppError> {
        let out = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email.as_str())
            .auth_parameters("PASSWORD", password.expose())
            .send()
            .await
            .map_err(|e| fail(Op::SignIn, e))?;
        let challenge = out.challenge_name.as_ref().map(|c| c.as_str().to_owned());
        tokens_from(Op::SignIn, out.authentication_result, challenge.as_deref())
    }

    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, AppError> {
        let out = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token)
            .send()
            .await
            .map_err(|e| fail(Op::Refresh, e))?;
        let challenge = out.challenge_name.as_ref().map(|c| c.as_str().to_owned());
        tokens_from(Op::Refresh, out.authentication_result, challenge.as_deref())
    }

    /// Ends the session at Cognito: the refresh token (and the access tokens issued from it)
    /// stop working. `GlobalSignOut` also signs the user out on other devices where the pool
    /// supports it; the local emulator does not, which is logged and otherwise ignored.
    #[tracing::instrument(skip_all)]
    pub async fn sign_out(&self, refresh_token: &str, access_token: Option<&str>) -> Result<(), AppError> {
        let revoked = self
            .client
            .revoke_token()
            .client_id(&self.client_id)
            .token(refresh_token)
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::SignOut, e));
        if let Some(access_token) = access_token
            && let Err(e) = self.client.global_sign_out().access_token(access_token).send().await
        {
            tracing::info!(
                code = e.code().unwrap_or("-"),
                "GlobalSignOut not done (unsupported or token expired)"
            );
        }
        revoked
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

    #[tracing::instrument(skip(self))]
    pub async fn forgot_password(&self, email: &Email) -> Result<(), AppError> {
        self.client
            .forgot_password()
            .client_id(&self.client_id)
            .username(email.as_str())
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map(drop)
            .or_else(|e| hide_unknown_user(Op::ForgotPassword, e))
    }

    #[tracing::instrument(skip(self, password))]
    pub async fn confirm_forgot_password(
        &self,
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
            .customize()
            .config_override(not_twice())
            .send()
            .await
            .map_err(|e| fail(Op::ConfirmForgotPassword, e))?;
        Ok(())
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
