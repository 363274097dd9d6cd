//! How a failed Cognito call becomes an [`AuthError`]: the exception names stop here. The
//! original error is logged with its AWS request id; only the typed variant goes on.

use super::*;
use crate::AuthError;

/// Which call failed: the same Cognito exception means different things to a person in
/// different places (`InvalidPasswordException` is a weak password on sign-up but a wrong one
/// on the emulator's sign-in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// SignUp.
    SignUp,
    /// ConfirmSignUp.
    ConfirmSignUp,
    /// ResendConfirmationCode.
    ResendCode,
    /// AdminConfirmSignUp (the server confirms new accounts).
    AdminConfirm,
    /// InitiateAuth with a password.
    SignIn,
    /// GetTokensFromRefreshToken, or InitiateAuth `REFRESH_TOKEN_AUTH`.
    Refresh,
    /// RevokeToken.
    SignOut,
    /// ForgotPassword.
    ForgotPassword,
    /// ConfirmForgotPassword.
    ConfirmForgotPassword,
    /// GetUser with the session's access token.
    GetUser,
    /// DescribeUserPool and DescribeUserPoolClient, at start-up.
    DescribePool,
    /// A code answer: SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_MFA.
    MfaCode,
    /// The `SELECT_MFA_TYPE` answer: the second step the person chose.
    SelectMfa,
    /// The `NEW_PASSWORD_REQUIRED` answer: an invited user's first password.
    NewPassword,
    /// AssociateSoftwareToken / VerifySoftwareToken / RespondToAuthChallenge(MFA_SETUP) with
    /// the challenge's session.
    MfaSetup,
    /// The account page's calls with the user's access token (GetUser, UpdateUserAttributes,
    /// SetUserMFAPreference, AssociateSoftwareToken, DeleteUser, …).
    Account,
    /// ChangePassword.
    ChangePassword,
    /// VerifySoftwareToken with the access token: the account page's authenticator set-up.
    AccountTotp,
    /// VerifyUserAttribute: the code sent to a new e-mail address.
    VerifyEmail,
    /// GlobalSignOut.
    GlobalSignOut,
    /// The server's own calls with AWS credentials about one account (AdminGetUser,
    /// AdminUserGlobalSignOut).
    Admin,
    /// `InitiateAuth USER_AUTH` and its `SELECT_CHALLENGE` answer: a passkey or an e-mail code
    /// asked for.
    Passwordless,
    /// The `WEB_AUTHN` answer: the browser's signed assertion.
    Passkey,
    /// The account's passkeys: Start/CompleteWebAuthnRegistration, List/DeleteWebAuthnCredential(s).
    AccountPasskey,
    /// Remembered devices: ConfirmDevice, UpdateDeviceStatus, ListDevices, ForgetDevice with the
    /// person's access token, and a device's own proof at sign-in (`DEVICE_SRP_AUTH`).
    Device,
}

/// Maps a Cognito exception name to what the person is told.
pub fn map_exception(op: Op, code: Option<&str>) -> AuthError {
    use AuthError as E;
    match (op, code.unwrap_or_default()) {
        (_, "TooManyRequestsException") => E::Throttled,
        // cognito-local's answer (HTTP 500, `CognitoLocal#Unsupported`) for a call it does not
        // have: GlobalSignOut and AdminUserGlobalSignOut among them. The app's own revocation
        // has been done by then; this says Cognito's part cannot be, here, ever.
        (Op::GlobalSignOut | Op::Admin, "Unsupported") => E::NotEnabled,
        // The pool's AWS WAF web ACL blocked the request (bot control, rate rules, geo blocks).
        (_, "ForbiddenException") => E::BlockedByFirewall,
        // A trigger crashed, timed out or answered in a shape Cognito could not read: the pool's
        // set-up is at fault, not the person.
        (_, "InvalidLambdaResponseException" | "UnexpectedLambdaException") => E::TriggerFailed,
        (_, "OperationNotEnabledException") => E::NotEnabled,
        // The pool's feature plan (Lite, Essentials, Plus) does not include the call.
        (_, "FeatureUnavailableInTierException") => E::NotInPlan,
        // Passkeys: the pool has them off (or not on its plan, or not for this client).
        (
            _,
            "WebAuthnNotEnabledException" | "WebAuthnConfigurationMissingException" | "WebAuthnClientMismatchException",
        ) => E::PasskeysUnavailable,
        // A passkey made for another relying party, or a page at an origin the pool's
        // relying-party id does not cover.
        (_, "WebAuthnRelyingPartyMismatchException" | "WebAuthnOriginNotAllowedException") => E::PasskeyWrongSite,
        // Registration: the options were used up or outlived (Cognito keeps them a few minutes).
        (_, "WebAuthnChallengeNotFoundException") => E::PasskeyExpired,
        // A signature that does not check out, a passkey no longer on the account, user
        // verification missing, an authenticator Cognito does not accept.
        (Op::Passkey, "NotAuthorizedException" | "WebAuthnCredentialNotSupportedException") => E::PasskeyRefused,
        (Op::AccountPasskey, "WebAuthnCredentialNotSupportedException") => E::PasskeyRefused,
        (Op::Passkey, "ExpiredCodeException" | "UserNotFoundException") => E::ChallengeExpired,
        // USER_AUTH asked of a client without ALLOW_USER_AUTH, or a factor the pool does not allow.
        (Op::Passwordless, "InvalidParameterException" | "UnsupportedOperationException") => E::MethodUnavailable,
        // An unknown account (without "prevent user existence errors"): said like an account
        // without that factor, so the form never tells whether an account exists.
        (Op::Passwordless, "UserNotFoundException" | "NotAuthorizedException") => E::MethodUnavailable,
        (Op::AccountPasskey, "NotAuthorizedException" | "UserNotFoundException") => E::SessionExpired,
        // Cognito keeps at most 20 passkeys per user.
        (Op::AccountPasskey, "LimitExceededException") => E::TooManyPasskeys,
        // An unconfirmed account, or one that must reset its password: said like an account
        // without the factor (no secret was given, so nothing may be revealed).
        (Op::Passwordless, "UserNotConfirmedException" | "PasswordResetRequiredException") => E::MethodUnavailable,
        // A trigger refused on purpose. Which one depends on the call: pre-sign-up on SignUp
        // (and post-confirmation on AdminConfirmSignUp), pre-authentication and pre-token
        // generation on every sign-in step and refresh, CustomMessage on the calls that e-mail a
        // code, post-confirmation and the like on the rest.
        (Op::SignUp | Op::AdminConfirm, "UserLambdaValidationException") => E::SignUpRejected,
        (
            Op::SignIn | Op::MfaCode | Op::SelectMfa | Op::NewPassword | Op::MfaSetup | Op::Passwordless | Op::Passkey,
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
        // An access token that no longer works.
        (Op::Device, "NotAuthorizedException" | "UserNotFoundException") => E::SessionExpired,
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
pub(super) const EMULATOR_WRONG_PASSWORD: &str = "Invalid password";

/// AWS's text for a sign-in during its lockout after wrong passwords.
pub(super) const PASSWORD_ATTEMPTS_EXCEEDED: &str = "Password attempts exceeded";

/// [`map_exception`], plus the cases where the exception name alone is ambiguous: Cognito's
/// lockout after wrong passwords (a NotAuthorizedException like a wrong password), and the
/// emulator's InvalidPasswordException for a wrong current password. Only that exact text
/// means "wrong password"; anything else is AWS's meaning, a new password the policy refuses
/// (the app checks the policy first, but the pool may be stricter than what DescribeUserPool
/// let it read).
pub fn map_service_error(op: Op, code: Option<&str>, message: Option<&str>) -> AuthError {
    match (op, code, message) {
        // "Unable to verify secret hash for client …": COGNITO_CLIENT_SECRET is not the
        // client's. The server's set-up is at fault, not the person's password.
        (_, code, message) if refuses_secret(code, message) => AuthError::Internal,
        // The remembered device the tokens belong to was forgotten (elsewhere, or by a reset):
        // over, as a refused refresh token is. Any other missing resource (the app client
        // itself) is a fault of the set-up, said as one.
        (Op::Refresh | Op::Device, Some("ResourceNotFoundException"), message) if device_gone(message) => {
            AuthError::SessionExpired
        }
        (Op::ChangePassword, Some("InvalidPasswordException"), Some(EMULATOR_WRONG_PASSWORD)) => {
            AuthError::WrongPassword
        }
        // Cognito's own lockout after wrong passwords: NotAuthorizedException, told apart only
        // by its text. Not a wrong password (it counts against no budget); whether the person
        // may hear it is the sign-in form's call.
        (Op::SignIn, Some("NotAuthorizedException"), Some(message)) if message.contains(PASSWORD_ATTEMPTS_EXCEEDED) => {
            AuthError::PasswordAttemptsExceeded
        }
        _ => map_exception(op, code),
    }
}

/// Cognito's "Device does not exist." (a `ResourceNotFoundException` about a device, told apart
/// by its text, as Amazon's own client tells it).
pub(super) fn device_gone(message: Option<&str>) -> bool {
    message.is_some_and(|m| m.to_ascii_lowercase().contains("device"))
}

/// "Unable to verify secret hash for client …", or a token call's refused client secret:
/// Cognito's `NotAuthorizedException` about the secret, told apart by its text.
pub(super) fn refuses_secret(code: Option<&str>, message: Option<&str>) -> bool {
    code == Some("NotAuthorizedException") && message.is_some_and(|m| m.to_ascii_lowercase().contains("secret"))
}

/// Turns an SDK failure into an [`AuthError`], logging what only the server may see.
pub(super) fn fail<E, R>(op: Op, err: SdkError<E, R>) -> AuthError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let mapped = match &err {
        SdkError::ServiceError(service) => map_service_error(op, service.err().code(), service.err().message()),
        // Connection refused, DNS, TLS, timeouts: Cognito could not be reached in time.
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => AuthError::Unavailable,
        // An answer that is not what the API promises (HTML from a proxy, truncated JSON).
        SdkError::ResponseError(_) => AuthError::Unavailable,
        _ => AuthError::Internal,
    };
    let request_id = match &err {
        SdkError::ServiceError(service) => service.err().meta().request_id().map(str::to_owned),
        _ => None,
    };
    let code = err.code().unwrap_or("-").to_owned();
    #[cfg(feature = "metrics")]
    metrics::counter!("cognito_errors_total", "op" => format!("{op:?}"), "error" => code.clone()).increment(1);
    let detail = aws_smithy_error_chain(&err);
    if matches!(mapped, AuthError::Internal | AuthError::Unavailable) {
        tracing::error!(?op, code, request_id, error = %detail, "cognito call failed");
    } else if mapped == AuthError::NotInPlan {
        tracing::warn!(?op, code, request_id, error = %detail, "the pool's feature plan lacks this call");
    } else {
        tracing::info!(?op, code, request_id, error = %detail, "cognito refused the request");
    }
    mapped
}

/// The whole `source()` chain in one line: the SDK's top-level message alone says little.
pub(super) fn aws_smithy_error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        out.push_str(": ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

/// For the calls whose answer must not tell whether an account exists (resend code, forgot
/// password): "no such user" is reported as success, exactly as for a real account.
pub(super) fn hide_unknown_user<E, R>(op: Op, err: SdkError<E, R>) -> Result<(), AuthError>
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
