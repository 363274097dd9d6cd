//! Sign-in without a password — a passkey or a code by e-mail, Cognito's choice-based flow
//! `USER_AUTH` — and the account's passkeys (add, list, delete) with the person's own token.
//!
//! Cognito keeps every WebAuthn secret: it makes the challenge, checks the signed answer against
//! the passkeys it holds, and checks the origin against the pool's relying-party id. The app only
//! carries the options to the browser and the credential back, as JSON (the SDK types them as
//! `aws_smithy_types::Document`; converted here, at the edge).

use super::*;
use crate::AuthError;
use aws_sdk_cognitoidentityprovider::types::AuthFactorType;
use aws_smithy_types::{Document, Number};

/// The first factors a person may choose on the sign-in page besides the password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstFactor {
    /// `WEB_AUTHN`: a passkey.
    Passkey,
    /// `EMAIL_OTP`: a code Cognito e-mails.
    EmailCode,
}

impl FirstFactor {
    fn challenge(self) -> ChallengeNameType {
        match self {
            Self::Passkey => ChallengeNameType::WebAuthn,
            Self::EmailCode => ChallengeNameType::EmailOtp,
        }
    }

    /// `AllowedFirstAuthFactors` names it so.
    pub fn auth_factor(self) -> AuthFactorType {
        match self {
            Self::Passkey => AuthFactorType::WebAuthn,
            Self::EmailCode => AuthFactorType::EmailOtp,
        }
    }

    /// What the person is told when Cognito does not offer this factor for the account. A
    /// passkey sign-in starts from the e-mail, so it does tell whether an address has a passkey
    /// (as every username-first passkey flow does); the e-mail code hides even that (a decoy).
    fn unavailable(self) -> AuthError {
        match self {
            Self::Passkey => AuthError::NoPasskey,
            Self::EmailCode => AuthError::MethodUnavailable,
        }
    }
}

/// One of the account's passkeys, as the account page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyFacts {
    /// The credential's id, as Cognito lists it (what `delete_passkey` takes).
    pub id: String,
    /// The name the authenticator gave it ("Chrome on Mac", "iCloud Keychain").
    pub name: String,
    /// `platform` (built into the device) or `cross-platform` (a security key, a phone).
    pub attachment: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

impl Cognito {
    /// `InitiateAuth USER_AUTH` with `PREFERRED_CHALLENGE`: Cognito answers with that challenge
    /// straight away (a passkey's request options, or "code sent") when the account has it, else
    /// with `SELECT_CHALLENGE` and the challenges it does offer — answered here with `factor` if
    /// it is among them.
    #[tracing::instrument(skip_all)]
    pub async fn start_without_password(
        &self,
        caller: Caller,
        email: &Email,
        factor: FirstFactor,
    ) -> Result<AuthStep, AuthError> {
        let sent = self
            .signed(|| async {
                let mut request = self
                    .client
                    .initiate_auth()
                    .client_id(&self.client_id)
                    .auth_flow(AuthFlowType::UserAuth)
                    .auth_parameters("USERNAME", email.as_str())
                    .auth_parameters("PREFERRED_CHALLENGE", factor.challenge().as_str())
                    .set_user_context_data(caller.context());
                if let Some(hash) = self.secret_hash(email.as_str()) {
                    request = request.auth_parameters("SECRET_HASH", hash);
                }
                // Asking for an e-mailed code sends one: asked once, never retried after a
                // timeout or a 5xx (a second code would void the first, the one the person is
                // reading).
                if factor == FirstFactor::EmailCode {
                    request.customize().config_override(not_twice()).send().await
                } else {
                    request.send().await
                }
            })
            .await;
        let out = sent.map_err(|e| unavailable_as(factor, fail(Op::Passwordless, e)))?;
        if out.challenge_name != Some(ChallengeNameType::SelectChallenge) {
            let step = step_from(
                Op::Passwordless,
                out.authentication_result,
                out.challenge_name,
                out.session,
                out.challenge_parameters,
                email.as_str(),
            );
            return only(factor, step);
        }
        if !out
            .available_challenges
            .as_deref()
            .unwrap_or_default()
            .contains(&factor.challenge())
        {
            tracing::info!(?factor, offered = ?out.available_challenges, "the account has no such first factor");
            return Err(factor.unavailable());
        }
        let (Some(session), mut params) = (out.session, out.challenge_parameters.unwrap_or_default()) else {
            tracing::warn!("SELECT_CHALLENGE without a session");
            return Err(AuthError::Internal);
        };
        let username = internal_username(&mut params).unwrap_or_else(|| email.as_str().to_owned());
        let answer = [("ANSWER".to_owned(), factor.challenge().as_str().to_owned())];
        let step = self
            .respond(
                Op::Passwordless,
                caller,
                ChallengeNameType::SelectChallenge,
                &session,
                &username,
                answer,
            )
            .await;
        only(factor, step.map_err(|e| unavailable_as(factor, e)))
    }

    /// `WEB_AUTHN`: the browser's signed answer (`AuthenticationResponseJSON`) for the request
    /// options of `challenge`. Cognito checks the signature, the challenge, the origin and user
    /// verification.
    #[tracing::instrument(skip_all)]
    pub async fn answer_passkey(
        &self,
        caller: Caller,
        challenge: &Challenge,
        credential: &serde_json::Value,
    ) -> Result<AuthStep, AuthError> {
        let responses = [("CREDENTIAL".to_owned(), credential.to_string())];
        self.respond(
            Op::Passkey,
            caller,
            ChallengeNameType::WebAuthn,
            &challenge.session,
            &challenge.username,
            responses,
        )
        .await
    }

    /// `StartWebAuthnRegistration`: the options (`PublicKeyCredentialCreationOptionsJSON`) for
    /// the browser to make a passkey for the signed-in person.
    #[tracing::instrument(skip_all)]
    pub async fn passkey_creation_options(&self, access_token: &str) -> Result<serde_json::Value, AuthError> {
        let out = self
            .client
            .start_web_authn_registration()
            .access_token(access_token)
            .send()
            .await
            .map_err(|e| fail(Op::AccountPasskey, e))?;
        Ok(to_json(&out.credential_creation_options))
    }

    /// `CompleteWebAuthnRegistration`: the new passkey (`RegistrationResponseJSON`); Cognito
    /// checks it against the options it made and keeps its public key.
    #[tracing::instrument(skip_all)]
    pub async fn add_passkey(&self, access_token: &str, credential: &serde_json::Value) -> Result<(), AuthError> {
        self.client
            .complete_web_authn_registration()
            .access_token(access_token)
            .credential(to_document(credential))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::AccountPasskey, e))
    }

    /// `ListWebAuthnCredentials`, every page of it (Cognito allows 20 passkeys per user).
    #[tracing::instrument(skip_all)]
    pub async fn passkeys(&self, access_token: &str) -> Result<Vec<PasskeyFacts>, AuthError> {
        let mut all = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client
                .list_web_authn_credentials()
                .access_token(access_token)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| fail(Op::AccountPasskey, e))?;
            all.extend(out.credentials.into_iter().map(|c| PasskeyFacts {
                id: c.credential_id,
                name: c.friendly_credential_name,
                attachment: c.authenticator_attachment,
                created_at: c.created_at.secs(),
            }));
            match out.next_token {
                Some(token) if !token.is_empty() && all.len() < 100 => next = Some(token),
                _ => return Ok(all),
            }
        }
    }

    /// `DeleteWebAuthnCredential`. One that is already gone is the outcome asked for.
    #[tracing::instrument(skip_all)]
    pub async fn delete_passkey(&self, access_token: &str, credential_id: &str) -> Result<(), AuthError> {
        match self
            .client
            .delete_web_authn_credential()
            .access_token(access_token)
            .credential_id(credential_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(()),
            Err(e) => Err(fail(Op::AccountPasskey, e)),
        }
    }
}

/// The challenge of `factor`, or "not offered" for anything else. Cognito answers an unknown
/// user (when it prevents user-existence errors) with a challenge picked at random among those
/// the pool allows; passing that on would tell unknown addresses from real ones.
fn only(factor: FirstFactor, step: Result<AuthStep, AuthError>) -> Result<AuthStep, AuthError> {
    let wanted = match factor {
        FirstFactor::Passkey => ChallengeKind::Passkey,
        FirstFactor::EmailCode => ChallengeKind::EmailOtp,
    };
    match step {
        Ok(AuthStep::Challenge(challenge)) if challenge.kind == wanted => Ok(AuthStep::Challenge(challenge)),
        Ok(other) => {
            tracing::info!(?factor, step = ?other, "USER_AUTH answered with another step; told as not offered");
            Err(factor.unavailable())
        }
        // A challenge this app has no page for (PASSWORD, SMS_OTP, …): the same.
        Err(AuthError::UnsupportedChallenge) => Err(factor.unavailable()),
        Err(e) => Err(e),
    }
}

/// "Not offered" said in the words of the factor asked for.
fn unavailable_as(factor: FirstFactor, err: AuthError) -> AuthError {
    match err {
        AuthError::MethodUnavailable => factor.unavailable(),
        other => other,
    }
}

/// The SDK's `Document` as JSON (numbers keep their kind; the WebAuthn documents hold only
/// small integers such as `timeout` and the algorithm ids).
pub fn to_json(doc: &Document) -> serde_json::Value {
    use serde_json::Value;
    match doc {
        Document::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        Document::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Document::Number(Number::PosInt(n)) => Value::from(*n),
        Document::Number(Number::NegInt(n)) => Value::from(*n),
        Document::Number(Number::Float(f)) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Document::String(s) => Value::String(s.clone()),
        Document::Bool(b) => Value::Bool(*b),
        Document::Null => Value::Null,
    }
}

/// JSON as the SDK's `Document`.
pub fn to_document(value: &serde_json::Value) -> Document {
    use serde_json::Value;
    match value {
        Value::Object(map) => Document::Object(map.iter().map(|(k, v)| (k.clone(), to_document(v))).collect()),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or_default()),
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Bool(b) => Document::Bool(*b),
        Value::Null => Document::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_json_convert_both_ways() {
        let json = serde_json::json!({
            "challenge": "3q2-7w",
            "rp": {"id": "example.com", "name": "Example"},
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
            "timeout": 300000,
            "ratio": 0.5,
            "extensions": {"credProps": true},
            "hints": null,
        });
        assert_eq!(to_json(&to_document(&json)), json);
    }
}
