//! Every Cognito exception the app maps, answered the way AWS answers it on the wire (status,
//! `x-amzn-requestid`, JSON body with `__type`), through the SDK's own deserialisers. This is
//! where the emulator's different spellings are covered: AWS says `NotAuthorizedException` for
//! a wrong password, cognito-local says `InvalidPasswordException`.
#![cfg(feature = "ssr")]
// Helpers of a test that cannot build its fixtures should fail loudly.
#![allow(clippy::expect_used)]

use aws_sdk_cognitoidentityprovider::Client;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use leptos_cognito::auth::cognito::{Caller, Cognito};
use leptos_cognito::auth::validate::{ConfirmationCode, Email, Password, PasswordPolicy};
use leptos_cognito::error::AppError;
use leptos_cognito::i18n::Language;

/// An AWS JSON-1.1 error response, as Cognito sends it.
fn aws_error(status: u16, exception: &str) -> HttpResponse {
    let body = format!(r#"{{"__type":"{exception}","message":"Cognito said no ({exception})"}}"#);
    let mut response = HttpResponse::new(StatusCode::try_from(status).expect("status"), SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    response
        .headers_mut()
        .insert("x-amzn-requestid", "6a1b9c3e-0000-4000-8000-000000000000");
    response
}

fn body(status: u16, content_type: &'static str, text: &'static str) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::try_from(status).expect("status"), SdkBody::from(text));
    response.headers_mut().insert("content-type", content_type);
    response
}

fn cognito(rule: &Rule) -> Cognito {
    let client: Client = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [rule]);
    Cognito::new(client, "eu-west-1_Test1".into(), "client".into(), None)
}

/// A call without a known client IP (none is sent to Cognito then).
const NOBODY: Caller = Caller { ip: None };

fn email() -> Email {
    Email::parse("ada@example.com").expect("valid")
}

fn password() -> Password {
    Password::parse("Correct-Horse-9".into(), &PasswordPolicy::default()).expect("valid")
}

fn code() -> ConfirmationCode {
    ConfirmationCode::parse("123456").expect("valid")
}

/// The rule answers every call (retries included) with the same response.
macro_rules! always {
    ($op:path, $response:expr) => {
        mock!($op)
            .sequence()
            .http_response(move || $response)
            .repeatedly()
            .build()
    };
}

async fn sign_in(response: HttpResponse) -> (Result<(), AppError>, usize) {
    let rule = always!(Client::initiate_auth, response.clone_for_test());
    let result = cognito(&rule).sign_in(NOBODY, &email(), &password()).await.map(drop);
    (result, rule.num_calls())
}

trait CloneForTest {
    fn clone_for_test(&self) -> HttpResponse;
}

impl CloneForTest for HttpResponse {
    fn clone_for_test(&self) -> HttpResponse {
        let mut copy = HttpResponse::new(
            self.status(),
            SdkBody::from(self.body().bytes().expect("in-memory body").to_vec()),
        );
        for (name, value) in self.headers() {
            copy.headers_mut().insert(name.to_owned(), value.to_owned());
        }
        copy
    }
}

#[tokio::test]
async fn sign_in_refusals_all_read_the_same() {
    // AWS (prevent user existence errors on): NotAuthorized for unknown user and wrong password.
    // The emulator: UserNotFound / InvalidPassword. One message for all four.
    for exception in [
        "NotAuthorizedException",
        "UserNotFoundException",
        "InvalidPasswordException",
    ] {
        let (result, calls) = sign_in(aws_error(400, exception)).await;
        assert_eq!(result, Err(AppError::InvalidCredentials), "{exception}");
        assert_eq!(calls, 1, "a wrong password is never retried ({exception})");
    }
}

#[tokio::test]
async fn unconfirmed_and_reset_required_accounts_are_told_what_to_do() {
    assert_eq!(
        sign_in(aws_error(400, "UserNotConfirmedException")).await.0,
        Err(AppError::NotConfirmed)
    );
    assert_eq!(
        sign_in(aws_error(400, "PasswordResetRequiredException")).await.0,
        Err(AppError::PasswordResetRequired)
    );
}

#[tokio::test]
async fn throttling_is_retried_then_reported() {
    let (result, calls) = sign_in(aws_error(400, "TooManyRequestsException")).await;
    assert_eq!(result, Err(AppError::Throttled));
    assert_eq!(calls, 3, "the SDK's standard retry: three attempts in all");
    let (result, _) = sign_in(aws_error(400, "LimitExceededException")).await;
    assert_eq!(result, Err(AppError::TooManyAttempts));
}

#[tokio::test]
async fn malformed_answers_never_panic() {
    let html = sign_in(body(200, "text/html", "<html><body>Bad gateway</body></html>"))
        .await
        .0;
    assert_eq!(html, Err(AppError::Unavailable));
    let truncated = sign_in(body(
        200,
        "application/x-amz-json-1.1",
        r#"{"AuthenticationResult":{"AccessTo"#,
    ))
    .await
    .0;
    assert_eq!(truncated, Err(AppError::Unavailable));
    // A challenge without the session its answer needs: nothing to go on with.
    let challenge = sign_in(body(
        200,
        "application/x-amz-json-1.1",
        r#"{"ChallengeName":"SOFTWARE_TOKEN_MFA","ChallengeParameters":{}}"#,
    ))
    .await
    .0;
    assert_eq!(challenge, Err(AppError::Internal));
    // A challenge this app has no page for: said plainly, nothing kept.
    let custom = sign_in(body(
        200,
        "application/x-amz-json-1.1",
        r#"{"ChallengeName":"CUSTOM_CHALLENGE","Session":"abc","ChallengeParameters":{}}"#,
    ))
    .await
    .0;
    assert_eq!(custom, Err(AppError::UnsupportedChallenge));
    let no_tokens = sign_in(body(
        200,
        "application/x-amz-json-1.1",
        r#"{"AuthenticationResult":{}}"#,
    ))
    .await
    .0;
    assert_eq!(no_tokens, Err(AppError::Internal));
    let unavailable = sign_in(aws_error(500, "InternalErrorException")).await.0;
    assert_eq!(unavailable, Err(AppError::Unavailable));
}

#[tokio::test]
async fn sign_up_exceptions() {
    for (exception, expected) in [
        ("UsernameExistsException", AppError::EmailTaken),
        ("InvalidPasswordException", AppError::WeakPassword),
        ("TooManyRequestsException", AppError::Throttled),
        ("LimitExceededException", AppError::TooManyAttempts),
        ("CodeDeliveryFailureException", AppError::CodeDeliveryFailed),
        ("UserLambdaValidationException", AppError::SignUpRejected),
    ] {
        let rule = always!(Client::sign_up, aws_error(400, exception));
        let result = cognito(&rule)
            .sign_up(NOBODY, &email(), &password(), None, Language::English)
            .await
            .map(drop);
        assert_eq!(result, Err(expected), "{exception}");
    }
}

#[tokio::test]
async fn confirmation_exceptions() {
    for (exception, expected) in [
        ("CodeMismatchException", AppError::WrongCode),
        ("ExpiredCodeException", AppError::ExpiredCode),
        // No account for that e-mail: the answer must not say so.
        ("UserNotFoundException", AppError::WrongCode),
        ("TooManyFailedAttemptsException", AppError::TooManyAttempts),
        ("LimitExceededException", AppError::TooManyAttempts),
    ] {
        let rule = always!(Client::confirm_sign_up, aws_error(400, exception));
        let result = cognito(&rule).confirm_sign_up(NOBODY, &email(), &code()).await;
        assert_eq!(result, Err(expected), "{exception}");
    }
}

#[tokio::test]
async fn password_reset_exceptions() {
    for (exception, expected) in [
        ("CodeMismatchException", AppError::WrongCode),
        ("ExpiredCodeException", AppError::ExpiredCode),
        ("InvalidPasswordException", AppError::WeakPassword),
        ("UserNotFoundException", AppError::WrongCode),
    ] {
        let rule = always!(Client::confirm_forgot_password, aws_error(400, exception));
        let result = cognito(&rule)
            .confirm_forgot_password(NOBODY, &email(), &code(), &password())
            .await;
        assert_eq!(result, Err(expected), "{exception}");
    }
}

#[tokio::test]
async fn unknown_accounts_look_like_known_ones_on_forgot_password_and_resend() {
    let rule = always!(Client::forgot_password, aws_error(400, "UserNotFoundException"));
    assert_eq!(cognito(&rule).forgot_password(NOBODY, &email()).await, Ok(()));
    let rule = always!(
        Client::resend_confirmation_code,
        aws_error(400, "UserNotFoundException")
    );
    assert_eq!(cognito(&rule).resend_code(NOBODY, &email()).await, Ok(()));
    let rule = always!(Client::forgot_password, aws_error(400, "LimitExceededException"));
    assert_eq!(
        cognito(&rule).forgot_password(NOBODY, &email()).await,
        Err(AppError::TooManyAttempts)
    );
}

#[tokio::test]
async fn the_emulators_missing_resend_reads_as_a_human_message() {
    // cognito-local answers operations it lacks with a 500 and its own error name.
    let rule = always!(Client::resend_confirmation_code, aws_error(500, "Unsupported"));
    assert_eq!(
        cognito(&rule).resend_code(NOBODY, &email()).await,
        Err(AppError::ResendUnavailable)
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_ends_the_session() {
    let rule = always!(Client::initiate_auth, aws_error(400, "NotAuthorizedException"));
    assert_eq!(
        cognito(&rule).refresh("refresh-token", "user-1").await.map(drop),
        Err(AppError::SessionExpired)
    );
}
