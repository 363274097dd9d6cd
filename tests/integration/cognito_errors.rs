//! Every Cognito exception the app maps, answered the way AWS answers it on the wire (status,
//! `x-amzn-requestid`, JSON body with `__type`), through the SDK's own deserialisers. This is
//! where the emulator's different spellings are covered: AWS says `NotAuthorizedException` for
//! a wrong password, cognito-local says `InvalidPasswordException`.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use cognito_auth::AuthError;
use cognito_auth::cognito::{Caller, Cognito, FirstFactor};
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

async fn sign_in(response: HttpResponse) -> (Result<(), AuthError>, usize) {
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
        assert_eq!(result, Err(AuthError::InvalidCredentials), "{exception}");
        assert_eq!(calls, 1, "a wrong password is never retried ({exception})");
    }
}

#[tokio::test]
async fn unconfirmed_and_reset_required_accounts_are_told_what_to_do() {
    assert_eq!(
        sign_in(aws_error(400, "UserNotConfirmedException")).await.0,
        Err(AuthError::NotConfirmed)
    );
    assert_eq!(
        sign_in(aws_error(400, "PasswordResetRequiredException")).await.0,
        Err(AuthError::PasswordResetRequired)
    );
}

#[tokio::test]
async fn throttling_is_retried_then_reported() {
    let (result, calls) = sign_in(aws_error(400, "TooManyRequestsException")).await;
    assert_eq!(result, Err(AuthError::Throttled));
    assert_eq!(calls, 3, "the SDK's standard retry: three attempts in all");
    let (result, _) = sign_in(aws_error(400, "LimitExceededException")).await;
    assert_eq!(result, Err(AuthError::TooManyAttempts));
}

#[tokio::test]
async fn malformed_answers_never_panic() {
    let html = sign_in(body(200, "text/html", "<html><body>Bad gateway</body></html>"))
        .await
        .0;
    assert_eq!(html, Err(AuthError::Unavailable));
    let truncated = sign_in(body(
        200,
        "application/x-amz-json-1.1",
        r#"{"AuthenticationResult":{"AccessTo"#,
    ))
    .await
    .0;
    assert_eq!(truncated, Err(AuthError::Unavailable));
    // A challenge without the session its answer needs: nothing to go on with.
    let challenge = sign_in(body(
        200,
        "application/x-amz-json-1.1",
        r#"{"ChallengeName":"SOFTWARE_TOKEN_MFA","ChallengeParameters":{}}"#,
    ))
    .await
    .0;
    assert_eq!(challenge, Err(AuthError::Internal));
    // A challenge this app has no page for: said plainly, nothing kept.
    let custom = sign_in(body(
        200,
        "application/x-amz-json-1.1",
        r#"{"ChallengeName":"CUSTOM_CHALLENGE","Session":"abc","ChallengeParameters":{}}"#,
    ))
    .await
    .0;
    assert_eq!(custom, Err(AuthError::UnsupportedChallenge));
    let no_tokens = sign_in(body(
        200,
        "application/x-amz-json-1.1",
        r#"{"AuthenticationResult":{}}"#,
    ))
    .await
    .0;
    assert_eq!(no_tokens, Err(AuthError::Internal));
    let unavailable = sign_in(aws_error(500, "InternalErrorException")).await.0;
    assert_eq!(unavailable, Err(AuthError::Unavailable));
}

#[tokio::test]
async fn sign_up_exceptions() {
    for (exception, expected) in [
        ("UsernameExistsException", AuthError::EmailTaken),
        ("InvalidPasswordException", AuthError::WeakPassword),
        ("TooManyRequestsException", AuthError::Throttled),
        ("LimitExceededException", AuthError::TooManyAttempts),
        ("CodeDeliveryFailureException", AuthError::CodeDeliveryFailed),
        ("UserLambdaValidationException", AuthError::SignUpRejected),
    ] {
        let rule = always!(Client::sign_up, aws_error(400, exception));
        let result = cognito(&rule)
            .sign_up(NOBODY, &email(), &password(), None, "en")
            .await
            .map(drop);
        assert_eq!(result, Err(expected), "{exception}");
    }
}

#[tokio::test]
async fn confirmation_exceptions() {
    for (exception, expected) in [
        ("CodeMismatchException", AuthError::WrongCode),
        ("ExpiredCodeException", AuthError::ExpiredCode),
        // No account for that e-mail: the answer must not say so.
        ("UserNotFoundException", AuthError::WrongCode),
        ("TooManyFailedAttemptsException", AuthError::TooManyAttempts),
        ("LimitExceededException", AuthError::TooManyAttempts),
    ] {
        let rule = always!(Client::confirm_sign_up, aws_error(400, exception));
        let result = cognito(&rule).confirm_sign_up(NOBODY, &email(), &code()).await;
        assert_eq!(result, Err(expected), "{exception}");
    }
}

#[tokio::test]
async fn password_reset_exceptions() {
    for (exception, expected) in [
        ("CodeMismatchException", AuthError::WrongCode),
        ("ExpiredCodeException", AuthError::ExpiredCode),
        ("InvalidPasswordException", AuthError::WeakPassword),
        ("UserNotFoundException", AuthError::WrongCode),
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
        Err(AuthError::TooManyAttempts)
    );
}

#[tokio::test]
async fn the_emulators_missing_resend_reads_as_a_human_message() {
    // cognito-local answers operations it lacks with a 500 and its own error name.
    let rule = always!(Client::resend_confirmation_code, aws_error(500, "Unsupported"));
    assert_eq!(
        cognito(&rule).resend_code(NOBODY, &email()).await,
        Err(AuthError::ResendUnavailable)
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_ends_the_session() {
    let rule = always!(
        Client::get_tokens_from_refresh_token,
        aws_error(400, "NotAuthorizedException")
    );
    assert_eq!(
        cognito(&rule).refresh("refresh-token", "user-1").await.map(drop),
        Err(AuthError::SessionExpired)
    );
}

/// An AWS error with the message AWS (or the emulator) words it with.
fn aws_error_saying(status: u16, exception: &str, message: &str) -> HttpResponse {
    let body = serde_json::json!({ "__type": exception, "message": message }).to_string();
    let mut response = HttpResponse::new(StatusCode::try_from(status).expect("status"), SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    response
        .headers_mut()
        .insert("x-amzn-requestid", "6a1b9c3e-0000-4000-8000-000000000001");
    response
}

fn cognito_with(rules: &[&Rule]) -> Cognito {
    let client: Client = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, rules);
    Cognito::new(client, "eu-west-1_Test1".into(), "client".into(), None)
}

/// Any trigger can refuse with UserLambdaValidationException; what the person is told depends
/// on the call it refused.
#[tokio::test]
async fn a_trigger_refusal_is_worded_for_the_call_it_refused() {
    const REFUSED: &str = "UserLambdaValidationException";
    let refusal = || aws_error_saying(400, REFUSED, "PreAuthentication failed with error Not on the list.");

    let rule = always!(Client::sign_up, refusal());
    let signed_up = cognito(&rule)
        .sign_up(NOBODY, &email(), &password(), None, "en")
        .await
        .map(drop);
    assert_eq!(signed_up, Err(AuthError::SignUpRejected));

    let (signed_in, _) = sign_in(refusal()).await;
    assert_eq!(
        signed_in,
        Err(AuthError::SignInRejected),
        "pre-authentication / pre-token"
    );

    let rule = always!(Client::forgot_password, refusal());
    assert_eq!(
        cognito(&rule).forgot_password(NOBODY, &email()).await,
        Err(AuthError::CodeRejected),
        "CustomMessage on a reset"
    );
    let rule = always!(Client::resend_confirmation_code, refusal());
    assert_eq!(
        cognito(&rule).resend_code(NOBODY, &email()).await,
        Err(AuthError::CodeRejected)
    );
    let rule = always!(Client::confirm_sign_up, refusal());
    assert_eq!(
        cognito(&rule).confirm_sign_up(NOBODY, &email(), &code()).await,
        Err(AuthError::ChangeRejected)
    );
    let rule = always!(Client::update_user_attributes, refusal());
    assert_eq!(
        cognito(&rule).change_email("access-token", &email()).await,
        Err(AuthError::ChangeRejected),
        "CustomMessage on an attribute change"
    );
    let rule = always!(Client::get_tokens_from_refresh_token, refusal());
    assert_eq!(
        cognito(&rule).refresh("rt", "user-1").await.map(drop),
        Err(AuthError::SessionExpired),
        "pre-token generation on a refresh ends the session"
    );
    for err in [
        AuthError::SignUpRejected,
        AuthError::SignInRejected,
        AuthError::CodeRejected,
        AuthError::ChangeRejected,
    ] {
        assert!(AppError::new(err).message(Language::Japanese).ends_with('。'));
    }
}

#[tokio::test]
async fn firewall_disabled_operations_and_broken_triggers_have_their_own_messages() {
    for (status, exception, expected) in [
        (403, "ForbiddenException", AuthError::BlockedByFirewall),
        (400, "OperationNotEnabledException", AuthError::NotEnabled),
        (400, "FeatureUnavailableInTierException", AuthError::NotInPlan),
        (400, "InvalidLambdaResponseException", AuthError::TriggerFailed),
        (400, "UnexpectedLambdaException", AuthError::TriggerFailed),
    ] {
        let (result, calls) = sign_in(aws_error(status, exception)).await;
        assert_eq!(result, Err(expected), "{exception}");
        assert_eq!(calls, 1, "{exception} is not retried");
        let rule = always!(Client::forgot_password, aws_error(status, exception));
        assert_eq!(
            cognito(&rule).forgot_password(NOBODY, &email()).await,
            Err(expected),
            "{exception}"
        );
    }
}

/// On AWS, ChangePassword's InvalidPasswordException is the *new* password breaking the policy
/// (a wrong current one is NotAuthorizedException); cognito-local says "Invalid password" for a
/// wrong current password.
#[tokio::test]
async fn change_password_tells_a_weak_new_password_from_a_wrong_current_one() {
    for (exception, message, expected) in [
        (
            "InvalidPasswordException",
            "Password does not conform to policy: Password must have symbol characters",
            AuthError::WeakPassword,
        ),
        (
            "NotAuthorizedException",
            "Incorrect username or password.",
            AuthError::WrongPassword,
        ),
        ("InvalidPasswordException", "Invalid password", AuthError::WrongPassword),
        (
            "PasswordHistoryPolicyViolationException",
            "Password history",
            AuthError::PasswordReused,
        ),
    ] {
        let rule = always!(Client::change_password, aws_error_saying(400, exception, message));
        let result = cognito(&rule)
            .change_password("access-token", &password(), &password())
            .await;
        assert_eq!(result, Err(expected), "{exception}: {message}");
    }
}

#[tokio::test]
async fn a_reset_without_a_verified_e_mail_and_a_resend_for_a_confirmed_account_say_so() {
    let rule = always!(
        Client::forgot_password,
        aws_error_saying(
            400,
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    );
    assert_eq!(
        cognito(&rule).forgot_password(NOBODY, &email()).await,
        Err(AuthError::NoVerifiedEmail)
    );
    let rule = always!(
        Client::resend_confirmation_code,
        aws_error_saying(400, "InvalidParameterException", "User is already confirmed.")
    );
    assert_eq!(
        cognito(&rule).resend_code(NOBODY, &email()).await,
        Err(AuthError::AlreadyConfirmed)
    );
}

/// VerifySoftwareToken's UserCode is exactly 6 digits: an 8-digit code (fine for an e-mailed
/// one) gets its own message and never reaches Cognito.
#[tokio::test]
async fn an_authenticator_code_must_have_six_digits() {
    use aws_sdk_cognitoidentityprovider::operation::verify_software_token::VerifySoftwareTokenOutput;
    use cognito_auth::cognito::Challenge;
    use leptos_cognito::auth::ChallengeKind;
    use leptos_cognito::auth::validate::MfaCode;
    let verify = mock!(Client::verify_software_token)
        .sequence()
        .output(|| VerifySoftwareTokenOutput::builder().build())
        .repeatedly()
        .build();
    let cognito = cognito(&verify);
    let eight = MfaCode::parse("12345678").expect("a valid e-mail code");
    assert_eq!(
        cognito.turn_on_totp("access-token", &eight, "App").await,
        Err(AuthError::InvalidTotpCode)
    );
    let challenge = Challenge {
        kind: ChallengeKind::MfaSetup,
        session: "session".into(),
        username: "user-1".into(),
        destination: None,
        options: vec![],
        required_attributes: vec![],
        request_options: None,
        decoy: false,
        device_key: None,
    };
    assert_eq!(
        cognito
            .finish_totp_setup(NOBODY, &challenge, &eight, "App")
            .await
            .map(drop),
        Err(AuthError::InvalidTotpCode)
    );
    // The sign-in's authenticator challenge takes 6 digits as well; an e-mailed code may have 8.
    let respond = mock!(Client::respond_to_auth_challenge)
        .sequence()
        .http_response(|| aws_error(400, "CodeMismatchException"))
        .repeatedly()
        .build();
    let cognito = cognito_with(&[&verify, &respond]);
    let code_challenge = |kind| Challenge {
        kind,
        ..challenge.clone()
    };
    assert_eq!(
        cognito
            .answer_code(NOBODY, &code_challenge(ChallengeKind::SoftwareToken), &eight)
            .await
            .map(drop),
        Err(AuthError::InvalidTotpCode)
    );
    assert_eq!(respond.num_calls(), 0);
    assert_eq!(
        cognito
            .answer_code(NOBODY, &code_challenge(ChallengeKind::EmailOtp), &eight)
            .await
            .map(drop),
        Err(AuthError::WrongMfaCode),
        "an 8-digit e-mail code goes to Cognito"
    );
    assert_eq!(respond.num_calls(), 1);
    assert_eq!(verify.num_calls(), 0);
    assert_eq!(
        AppError::new(AuthError::InvalidTotpCode).field(),
        Some(leptos_cognito::error::Field::Code)
    );
}

/// Admin-confirm mode: AdminConfirmSignUp confirms the account, and nothing marks its address
/// verified: nobody proved it (the person does later, with a code on the account page). A
/// rule for AdminUpdateUserAttributes stands by to catch a regression.
#[tokio::test]
async fn admin_confirmation_vouches_for_no_address() {
    use aws_sdk_cognitoidentityprovider::operation::admin_confirm_sign_up::AdminConfirmSignUpOutput;
    use aws_sdk_cognitoidentityprovider::operation::admin_update_user_attributes::AdminUpdateUserAttributesOutput;
    let confirm = mock!(Client::admin_confirm_sign_up)
        .match_requests(|r| r.user_pool_id() == Some("eu-west-1_Test1") && r.username() == Some("ada@example.com"))
        .then_output(|| AdminConfirmSignUpOutput::builder().build());
    let verified =
        mock!(Client::admin_update_user_attributes).then_output(|| AdminUpdateUserAttributesOutput::builder().build());
    assert_eq!(
        cognito_with(&[&confirm, &verified]).admin_confirm(&email()).await,
        Ok(())
    );
    assert_eq!((confirm.num_calls(), verified.num_calls()), (1, 0));
}

/// After a password reset the server finds whose sessions to end (AdminGetUser, its `sub`) and
/// ends them at Cognito (AdminUserGlobalSignOut), on the pool, by the address as typed.
#[tokio::test]
async fn a_reset_finds_the_person_and_signs_them_out_at_cognito() {
    use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput;
    use aws_sdk_cognitoidentityprovider::operation::admin_user_global_sign_out::AdminUserGlobalSignOutOutput;
    use aws_sdk_cognitoidentityprovider::types::AttributeType;
    let get = mock!(Client::admin_get_user)
        .match_requests(|r| r.user_pool_id() == Some("eu-west-1_Test1") && r.username() == Some("ada@example.com"))
        .then_output(|| {
            AdminGetUserOutput::builder()
                .username("7d5f3c1e-0000-4000-8000-000000000001")
                .user_attributes(
                    AttributeType::builder()
                        .name("email")
                        .value("ada@example.com")
                        .build()
                        .unwrap(),
                )
                .user_attributes(
                    AttributeType::builder()
                        .name("sub")
                        .value("7d5f3c1e-0000-4000-8000-000000000001")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        });
    let out = mock!(Client::admin_user_global_sign_out)
        .match_requests(|r| r.user_pool_id() == Some("eu-west-1_Test1") && r.username() == Some("ada@example.com"))
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let cognito = cognito_with(&[&get, &out]);
    assert_eq!(
        cognito.admin_sub_of(&email()).await.as_deref(),
        Ok("7d5f3c1e-0000-4000-8000-000000000001")
    );
    assert_eq!(cognito.admin_sign_out(&email()).await, Ok(()));
    // cognito-local has neither global sign-out: its "unsupported" is told apart, never retried
    // as if Cognito were down.
    let missing = always!(Client::admin_user_global_sign_out, unsupported());
    assert_eq!(
        cognito_with(&[&missing]).admin_sign_out(&email()).await,
        Err(AuthError::NotEnabled)
    );
    let missing = always!(Client::global_sign_out, unsupported());
    assert_eq!(
        cognito_with(&[&missing]).global_sign_out("ey.token").await,
        Err(AuthError::NotEnabled)
    );
}

/// cognito-local's answer for a call it does not have, as it sends it.
fn unsupported() -> HttpResponse {
    let body = r#"{"__type":"CognitoLocal#Unsupported","message":"Cognito Local unsupported feature: Unsupported x-amz-target header \"GlobalSignOut\""}"#;
    let mut response = HttpResponse::new(500.try_into().unwrap(), SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    response
}

/// On AWS every refresh goes through GetTokensFromRefreshToken, whatever the client's rotation
/// setting (and whether or not DescribeUserPoolClient could be read: nothing is asked of it).
#[tokio::test]
async fn refresh_uses_get_tokens_from_refresh_token() {
    use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
    use aws_sdk_cognitoidentityprovider::types::AuthenticationResultType;
    let rule = mock!(Client::get_tokens_from_refresh_token)
        .match_requests(|r| r.client_id() == Some("client") && r.refresh_token() == Some("rt-1"))
        .sequence()
        .output(|| {
            GetTokensFromRefreshTokenOutput::builder()
                .authentication_result(
                    AuthenticationResultType::builder()
                        .access_token("at")
                        .id_token("it")
                        .build(),
                )
                .build()
        })
        .repeatedly()
        .build();
    // No InitiateAuth rule: a REFRESH_TOKEN_AUTH call would fail the test.
    let cognito = cognito(&rule);
    for _ in 0..2 {
        let tokens = cognito.refresh("rt-1", "user-1").await.expect("refreshed");
        assert_eq!(tokens.access_token, "at");
        assert_eq!(tokens.refresh_token, None, "no rotation: the refresh token stays");
    }
    assert_eq!(rule.num_calls(), 2);
}

/// cognito-local has no GetTokensFromRefreshToken (HTTP 500 `CognitoLocal#Unsupported`): the
/// first refresh falls back to REFRESH_TOKEN_AUTH without retrying the 500, and later ones go
/// there straight away.
#[tokio::test]
async fn an_emulator_without_get_tokens_refreshes_with_initiate_auth() {
    use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
    use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, AuthenticationResultType};
    let unsupported = always!(
        Client::get_tokens_from_refresh_token,
        aws_error_saying(
            500,
            "CognitoLocal#Unsupported",
            "Cognito Local unsupported feature: Unsupported x-amz-target header \"GetTokensFromRefreshToken\""
        )
    );
    let initiate = mock!(Client::initiate_auth)
        .match_requests(|r| {
            r.auth_flow() == Some(&AuthFlowType::RefreshTokenAuth)
                && r.auth_parameters()
                    .and_then(|p| p.get("REFRESH_TOKEN"))
                    .map(String::as_str)
                    == Some("rt-1")
        })
        .sequence()
        .output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(
                    AuthenticationResultType::builder()
                        .access_token("at")
                        .id_token("it")
                        .build(),
                )
                .build()
        })
        .repeatedly()
        .build();
    let cognito = cognito_with(&[&unsupported, &initiate]);
    for _ in 0..3 {
        assert!(cognito.refresh("rt-1", "user-1").await.is_ok());
    }
    assert_eq!(unsupported.num_calls(), 1, "asked once, never retried");
    assert_eq!(initiate.num_calls(), 3);
}

/// A code e-mailed on request is asked for once: a retry after a timeout or a 5xx would send a
/// second code and void the first, the one the person is reading. A passkey's request options
/// send nothing, and are retried like any read.
#[tokio::test]
async fn an_e_mailed_sign_in_code_is_asked_for_once() {
    let failing = always!(Client::initiate_auth, aws_error(500, "InternalErrorException"));
    let asked = cognito(&failing)
        .start_without_password(NOBODY, &email(), FirstFactor::EmailCode)
        .await;
    assert_eq!(asked.map(drop), Err(AuthError::Unavailable));
    assert_eq!(failing.num_calls(), 1, "never retried");

    let failing = always!(Client::initiate_auth, aws_error(500, "InternalErrorException"));
    let _ = cognito(&failing)
        .start_without_password(NOBODY, &email(), FirstFactor::Passkey)
        .await;
    assert!(failing.num_calls() > 1, "a passkey's options are retried");

    // Chosen from SELECT_CHALLENGE: the answer that sends the code is sent once too.
    let offered = mock!(Client::initiate_auth).then_output(|| {
        InitiateAuthOutput::builder()
            .challenge_name(ChallengeNameType::SelectChallenge)
            .session("select-session")
            .available_challenges(ChallengeNameType::EmailOtp)
            .available_challenges(ChallengeNameType::Password)
            .build()
    });
    let answer = always!(
        Client::respond_to_auth_challenge,
        aws_error(500, "InternalErrorException")
    );
    let asked = cognito_with(&[&offered, &answer])
        .start_without_password(NOBODY, &email(), FirstFactor::EmailCode)
        .await;
    assert!(asked.is_err());
    assert_eq!(answer.num_calls(), 1, "never retried");
}

/// SECRET_HASH goes with every public call that names the person, over the address they typed
/// (cognito-local ignores it and ministack checks it on sign-in only; AWS refuses a call
/// without it on a client with a secret). Each rule answers only a request with the right hash.
#[tokio::test]
async fn a_client_secret_signs_the_sign_up_confirmation_and_reset_calls() {
    use aws_sdk_cognitoidentityprovider::operation::{
        confirm_forgot_password::ConfirmForgotPasswordOutput, confirm_sign_up::ConfirmSignUpOutput,
        forgot_password::ForgotPasswordOutput, resend_confirmation_code::ResendConfirmationCodeOutput,
        sign_up::SignUpOutput,
    };
    use cognito_auth::secret_hash::ClientSecret;
    let secret = ClientSecret::new("the-client-secret".to_owned());
    let hash = secret.hash("ada@example.com", "client");
    let sign_up = mock!(Client::sign_up)
        .match_requests({
            let hash = hash.clone();
            move |r| r.secret_hash() == Some(hash.as_str())
        })
        .then_output(|| {
            SignUpOutput::builder()
                .user_confirmed(false)
                .user_sub("sub")
                .build()
                .expect("output")
        });
    let confirm = mock!(Client::confirm_sign_up)
        .match_requests({
            let hash = hash.clone();
            move |r| r.secret_hash() == Some(hash.as_str())
        })
        .then_output(|| ConfirmSignUpOutput::builder().build());
    let resend = mock!(Client::resend_confirmation_code)
        .match_requests({
            let hash = hash.clone();
            move |r| r.secret_hash() == Some(hash.as_str())
        })
        .then_output(|| ResendConfirmationCodeOutput::builder().build());
    let forgot = mock!(Client::forgot_password)
        .match_requests({
            let hash = hash.clone();
            move |r| r.secret_hash() == Some(hash.as_str())
        })
        .then_output(|| ForgotPasswordOutput::builder().build());
    let reset = mock!(Client::confirm_forgot_password)
        .match_requests({
            let hash = hash.clone();
            move |r| r.secret_hash() == Some(hash.as_str())
        })
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let client: Client = mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&sign_up, &confirm, &resend, &forgot, &reset]
    );
    let cognito = Cognito::new(client, "eu-west-1_Test1".into(), "client".into(), Some(secret));
    let code = code();
    assert!(cognito.sign_up(NOBODY, &email(), &password(), None, "en").await.is_ok());
    assert_eq!(cognito.confirm_sign_up(NOBODY, &email(), &code).await, Ok(()));
    assert_eq!(cognito.resend_code(NOBODY, &email()).await, Ok(()));
    assert_eq!(cognito.forgot_password(NOBODY, &email()).await, Ok(()));
    assert_eq!(
        cognito
            .confirm_forgot_password(NOBODY, &email(), &code, &password())
            .await,
        Ok(())
    );
    for rule in [&sign_up, &confirm, &resend, &forgot, &reset] {
        assert_eq!(rule.num_calls(), 1);
    }
}
