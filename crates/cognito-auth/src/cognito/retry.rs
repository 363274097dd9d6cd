//! Which failed calls the SDK may retry: none that may already have done something.

use super::*;

/// Calls that must not run twice: a second SignUp meets the account the first one made, a second
/// ResendConfirmationCode or ForgotPassword sends another e-mail (voiding the first code), a second
/// ConfirmForgotPassword finds its code used. A throttled call was refused before Cognito did
/// anything, so it is retried like any other; a timeout or a 5xx may have been processed, so it
/// is not.
pub(super) fn not_twice() -> aws_sdk_cognitoidentityprovider::config::Builder {
    aws_sdk_cognitoidentityprovider::config::Builder::default().retry_classifier(RetryOnlyThrottling)
}

#[derive(Debug)]
pub(super) struct RetryOnlyThrottling;

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
pub(super) const UNSUPPORTED: &str = "Unsupported";

/// An `Unsupported` answer will not change on a retry: without this the SDK retries the HTTP 500
/// with back-off, and the first refresh against the emulator waits for it.
#[derive(Debug)]
pub(super) struct NoRetryWhenUnsupported;

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
