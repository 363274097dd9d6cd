//! Sign-in, its challenges, refresh and sign-out.

use super::*;
use crate::AuthError;
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::{
    RespondToAuthChallengeError, RespondToAuthChallengeOutput,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

impl Cognito {
    /// Answers a challenge with `responses` (without `USERNAME` and `SECRET_HASH`, added here
    /// for the challenge's internal username).
    pub(super) async fn respond(
        &self,
        op: Op,
        caller: Caller,
        name: ChallengeNameType,
        session: &str,
        username: &str,
        responses: impl IntoIterator<Item = (String, String)>,
    ) -> Result<AuthStep, AuthError> {
        self.respond_in(op, caller, name, Some(session), username, responses)
            .await
    }

    /// [`Self::respond`] to `challenge` (with `session`, its own or the one a set-up step gave):
    /// with the device its sign-in named, which the next step and the tokens carry on.
    async fn respond_to(
        &self,
        op: Op,
        caller: Caller,
        name: ChallengeNameType,
        challenge: &Challenge,
        session: &str,
        responses: impl IntoIterator<Item = (String, String)>,
    ) -> Result<AuthStep, AuthError> {
        let device = challenge.device_key.clone();
        let responses: Vec<(String, String)> = responses
            .into_iter()
            .chain(device.clone().map(|key| ("DEVICE_KEY".to_owned(), key)))
            .collect();
        let step = self
            .respond(op, caller, name, session, &challenge.username, responses)
            .await?;
        Ok(carry_device(step, device))
    }

    /// [`Self::respond`], for the one answer that may come without a session: SRP's
    /// `PASSWORD_VERIFIER` (Cognito's answer to `SRP_A` may carry none).
    pub(super) async fn respond_in(
        &self,
        op: Op,
        caller: Caller,
        name: ChallengeNameType,
        session: Option<&str>,
        username: &str,
        responses: impl IntoIterator<Item = (String, String)>,
    ) -> Result<AuthStep, AuthError> {
        let out = self.respond_raw(op, caller, name, session, username, responses).await?;
        step_from(
            op,
            out.authentication_result,
            out.challenge_name,
            out.session,
            out.challenge_parameters,
            username,
        )
    }

    /// [`Self::respond_in`], with Cognito's answer as it came (the device's own challenges are
    /// read before it becomes an [`AuthStep`]).
    pub(super) async fn respond_raw(
        &self,
        op: Op,
        caller: Caller,
        name: ChallengeNameType,
        session: Option<&str>,
        username: &str,
        responses: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RespondToAuthChallengeOutput, AuthError> {
        self.respond_sdk(caller, name, session, username, responses)
            .await
            .map_err(|e| fail(op, e))
    }

    /// [`Self::respond_raw`], with the SDK's error as it came (what a device step decides on:
    /// Cognito's exception name and text, as Amazon's own client does).
    pub(super) async fn respond_sdk(
        &self,
        caller: Caller,
        name: ChallengeNameType,
        session: Option<&str>,
        username: &str,
        responses: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RespondToAuthChallengeOutput, SdkError<RespondToAuthChallengeError, HttpResponse>> {
        let mut given: HashMap<String, String> = responses.into_iter().collect();
        given.insert("USERNAME".into(), username.to_owned());
        self.signed(|| async {
            let mut all = given.clone();
            if let Some(hash) = self.secret_hash(username) {
                all.insert("SECRET_HASH".into(), hash);
            }
            let request = self
                .client
                .respond_to_auth_challenge()
                .client_id(&self.client_id)
                .challenge_name(name.clone())
                .set_session(session.map(str::to_owned))
                .set_challenge_responses(Some(all))
                .set_user_context_data(caller.context());
            // Sent once, retried only when throttled: a challenge's session is used up by an
            // answer Cognito processed, and an answer may send a code (choosing an e-mailed
            // or texted one) that a second try would void.
            request.customize().config_override(not_twice()).send().await
        })
        .await
    }

    /// The code of an authenticator app (SOFTWARE_TOKEN_MFA), or the one Cognito e-mailed
    /// (EMAIL_OTP) or texted (SMS_MFA).
    #[tracing::instrument(skip_all, fields(kind = ?challenge.kind))]
    pub async fn answer_code(
        &self,
        caller: Caller,
        challenge: &Challenge,
        code: &MfaCode,
    ) -> Result<AuthStep, AuthError> {
        // An authenticator app's code is 6 digits here too: a longer one would only cost the
        // person one of Cognito's few attempts.
        if challenge.kind == ChallengeKind::SoftwareToken {
            totp_code(code)?;
        }
        let (name, key) = match challenge.kind {
            ChallengeKind::SoftwareToken => (ChallengeNameType::SoftwareTokenMfa, "SOFTWARE_TOKEN_MFA_CODE"),
            ChallengeKind::EmailOtp => (ChallengeNameType::EmailOtp, "EMAIL_OTP_CODE"),
            ChallengeKind::SmsMfa => (ChallengeNameType::SmsMfa, "SMS_MFA_CODE"),
            _ => return Err(AuthError::ChallengeExpired),
        };
        let responses = [(key.to_owned(), code.as_str().to_owned())];
        self.respond_to(Op::MfaCode, caller, name, challenge, &challenge.session, responses)
            .await
    }

    /// SELECT_MFA_TYPE: the factor the person picked, named as Cognito offered it.
    #[tracing::instrument(skip_all)]
    pub async fn choose_mfa(&self, caller: Caller, challenge: &Challenge, factor: &str) -> Result<AuthStep, AuthError> {
        let responses = [("ANSWER".to_owned(), factor.to_owned())];
        self.respond_to(
            Op::SelectMfa,
            caller,
            ChallengeNameType::SelectMfaType,
            challenge,
            &challenge.session,
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
    ) -> Result<AuthStep, AuthError> {
        let responses: Vec<(String, String)> =
            std::iter::once(("NEW_PASSWORD".to_owned(), password.expose().to_owned()))
                .chain(
                    attributes
                        .iter()
                        .map(|(name, value)| (format!("userAttributes.{name}"), value.clone())),
                )
                .collect();
        self.respond_to(
            Op::NewPassword,
            caller,
            ChallengeNameType::NewPasswordRequired,
            challenge,
            &challenge.session,
            responses,
        )
        .await
    }

    /// MFA_SETUP, step one: Cognito makes a TOTP secret for the user of this sign-in.
    #[tracing::instrument(skip_all)]
    pub async fn associate_totp(&self, session: &str) -> Result<TotpAssociation, AuthError> {
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
                Err(AuthError::Internal)
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
    ) -> Result<AuthStep, AuthError> {
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
            return Err(AuthError::WrongMfaCode);
        }
        let session = out.session.unwrap_or_else(|| challenge.session.clone());
        self.respond_to(
            Op::MfaSetup,
            caller,
            ChallengeNameType::MfaSetup,
            challenge,
            &session,
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
    pub async fn refresh(&self, refresh_token: &str, username: &str) -> Result<Tokens, AuthError> {
        self.refresh_on(refresh_token, username, None).await
    }

    /// [`Self::refresh`] of tokens issued to a remembered device: Cognito wants its key
    /// (`DEVICE_KEY`) with the refresh token.
    #[tracing::instrument(skip_all)]
    pub async fn refresh_on(
        &self,
        refresh_token: &str,
        username: &str,
        device_key: Option<&str>,
    ) -> Result<Tokens, AuthError> {
        if !self.no_get_tokens.load(Ordering::Relaxed) {
            let answer = self
                .signed(|| {
                    self.client
                        .get_tokens_from_refresh_token()
                        .client_id(&self.client_id)
                        .refresh_token(refresh_token)
                        .set_device_key(device_key.map(str::to_owned))
                        .set_client_secret(self.secret().map(|s| s.expose().to_owned()))
                        .customize()
                        .config_override(
                            aws_sdk_cognitoidentityprovider::config::Builder::default()
                                .retry_classifier(NoRetryWhenUnsupported),
                        )
                        .send()
                })
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
        self.refresh_with_initiate_auth(refresh_token, username, device_key)
            .await
    }

    async fn refresh_with_initiate_auth(
        &self,
        refresh_token: &str,
        username: &str,
        device_key: Option<&str>,
    ) -> Result<Tokens, AuthError> {
        let out = self
            .signed(|| {
                let mut request = self
                    .client
                    .initiate_auth()
                    .client_id(&self.client_id)
                    .auth_flow(AuthFlowType::RefreshTokenAuth)
                    .auth_parameters("REFRESH_TOKEN", refresh_token);
                if let Some(key) = device_key {
                    request = request.auth_parameters("DEVICE_KEY", key);
                }
                if let Some(hash) = self.secret_hash(username) {
                    request = request.auth_parameters("SECRET_HASH", hash);
                }
                request.send()
            })
            .await
            .map_err(|e| fail(Op::Refresh, e))?;
        tokens_from(Op::Refresh, out.authentication_result)
    }

    /// Signs this browser out: RevokeToken ends its refresh token, and with it every access
    /// and ID token issued from that refresh token (they carry its `origin_jti`). Other
    /// devices stay signed in; ending those is [`Cognito::global_sign_out`], the account page's
    /// "sign out everywhere". (GlobalSignOut here, after RevokeToken, could never work: its
    /// access token was just revoked, so AWS refuses it with NotAuthorizedException.)
    #[tracing::instrument(skip_all)]
    pub async fn sign_out(&self, refresh_token: &str) -> Result<(), AuthError> {
        self.signed(|| {
            self.client
                .revoke_token()
                .client_id(&self.client_id)
                .token(refresh_token)
                .set_client_secret(self.secret().map(|s| s.expose().to_owned()))
                .send()
        })
        .await
        .map(drop)
        .map_err(|e| fail(Op::SignOut, e))
    }

    /// Revokes one refresh token (and the access tokens issued from it), for a session that a
    /// newer sign-in in the same browser replaced: the same RevokeToken as [`Cognito::sign_out`].
    pub async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<(), AuthError> {
        self.sign_out(refresh_token).await
    }
}
