//! Remembered devices: Cognito's device tracking, done by the server for the browser.
//!
//! In a pool that remembers devices (`DeviceConfiguration`), a sign-in that names no device is
//! answered with a new one (`NewDeviceMetadata`: a device key and a group key, in
//! [`Tokens::new_device`]). The server then makes a random device password, sends Cognito only
//! its SRP verifier ([`Cognito::confirm_device`], `ConfirmDevice` with
//! `DeviceSecretVerifierConfig`) and keeps the three in an encrypted HttpOnly cookie of the
//! browser (the `session` feature's remembered-device cookie) — never in JavaScript, never in
//! the store.
//!
//! At the next sign-in from that browser, [`Cognito::sign_in_on`] names the device
//! (`DEVICE_KEY`). When Cognito remembers it, Cognito asks the device to prove itself instead of
//! a second factor (`DEVICE_SRP_AUTH`, then `DEVICE_PASSWORD_VERIFIER`), and the server answers
//! with an SRP proof of the device password: the person goes straight in after the password.
//! Refreshing tokens issued to a device needs its key ([`Cognito::refresh_on`]).
//!
//! "Always" pools remember every confirmed device; "User opt-in" pools remember one when the
//! person asks ([`Cognito::remember_device`], `UpdateDeviceStatus`). The account page lists them
//! ([`Cognito::devices`]) and forgets one ([`Cognito::forget_device`]) or all
//! ([`Cognito::forget_devices`], [`Cognito::admin_forget_devices`] after a password reset).
//!
//! The SRP arithmetic is `aws-cognito-srp`'s (the same crate as the password's SRP), run off the
//! async workers.

use super::*;
use crate::AuthError;
use aws_cognito_srp::{SrpClient, TrackedDevice, UntrackedDevice};
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeError;
use aws_sdk_cognitoidentityprovider::types::{DeviceRememberedStatusType, DeviceSecretVerifierConfigType, DeviceType};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// A device Cognito began to track at a sign-in (`NewDeviceMetadata`), not yet confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDevice {
    /// `DeviceKey`: `region_uuid`.
    pub key: String,
    /// `DeviceGroupKey`.
    pub group_key: String,
}

/// What proves a browser is a device Cognito knows: its keys and the random password whose
/// verifier Cognito keeps. Belongs in an encrypted HttpOnly cookie of that browser, nowhere
/// else.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSecret {
    /// `DeviceKey`.
    #[serde(rename = "k")]
    pub key: String,
    /// `DeviceGroupKey`.
    #[serde(rename = "g")]
    pub group_key: String,
    /// The device password (40 random bytes, base64): Cognito has only its verifier.
    #[serde(rename = "p")]
    password: String,
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSecret")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// A device [`Cognito::confirm_device`] confirmed.
#[derive(Debug)]
pub struct ConfirmedDevice {
    /// Keep it in the browser's encrypted cookie.
    pub secret: DeviceSecret,
    /// Cognito's `UserConfirmationNecessary`: a "User opt-in" pool, where the device is
    /// remembered only once the person asks ([`Cognito::remember_device`]).
    pub needs_consent: bool,
}

/// One of the person's devices, as the account page lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceFacts {
    /// `DeviceKey`: compare it with the cookie's to mark this browser.
    pub key: String,
    /// `device_name`, as given at confirmation ("Firefox on Linux").
    pub name: Option<String>,
    /// When it last signed in (Unix seconds).
    pub last_used: Option<i64>,
    /// `device_remembered_status` is `remembered`: it skips the second step.
    pub remembered: bool,
}

/// What a sign-in did with the device it was given ([`Cognito::sign_in_on`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceUse {
    /// No device was given, or Cognito did not ask it to prove itself (a device it tracks but
    /// does not remember: the second step follows as usual).
    NotAsked,
    /// Cognito asked and the device proved itself: no second step.
    Proved,
    /// Cognito no longer knows the device, or refused its proof: the sign-in went on without it,
    /// and the browser should forget it.
    Refused,
}

fn blocking_failed(e: tokio::task::JoinError) -> AuthError {
    tracing::error!(error = %e, "the device's SRP computation did not finish");
    AuthError::Internal
}

/// Cognito's date as Unix seconds.
fn unix(date: Option<&aws_smithy_types::DateTime>) -> Option<i64> {
    date.map(aws_smithy_types::DateTime::secs)
}

fn facts(device: DeviceType) -> Option<DeviceFacts> {
    let attribute = |name: &str| {
        device
            .device_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .map(str::to_owned)
    };
    Some(DeviceFacts {
        name: attribute("device_name"),
        remembered: attribute("device_remembered_status").as_deref() == Some("remembered"),
        last_used: unix(
            device
                .device_last_authenticated_date()
                .or(device.device_last_modified_date()),
        ),
        key: device.device_key?,
    })
}

impl Cognito {
    /// ConfirmDevice: makes the device's random password, gives Cognito its SRP verifier and
    /// salt (`DeviceSecretVerifierConfig`) and `name`, and returns what the browser keeps.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_device(
        &self,
        access_token: &str,
        device: &NewDevice,
        name: &str,
    ) -> Result<ConfirmedDevice, AuthError> {
        let (pool, group_key, key, client) = (
            self.user_pool_id.clone(),
            device.group_key.clone(),
            device.key.clone(),
            self.client_id.clone(),
        );
        let verifier = tokio::task::spawn_blocking(move || {
            SrpClient::new(UntrackedDevice::new(&pool, &group_key, &key), &client, None).get_password_verifier()
        })
        .await
        .map_err(blocking_failed)?;
        let config = DeviceSecretVerifierConfigType::builder()
            .password_verifier(&verifier.verifier)
            .salt(&verifier.salt)
            .build();
        let out = self
            .client
            .confirm_device()
            .access_token(access_token)
            .device_key(&device.key)
            .device_secret_verifier_config(config)
            .set_device_name(Some(name).filter(|n| !n.is_empty()).map(str::to_owned))
            .send()
            .await
            .map_err(|e| fail(Op::Device, e))?;
        Ok(ConfirmedDevice {
            secret: DeviceSecret {
                key: device.key.clone(),
                group_key: device.group_key.clone(),
                password: verifier.password,
            },
            needs_consent: out.user_confirmation_necessary,
        })
    }

    /// UpdateDeviceStatus: the device skips the second step from now on (`remembered`), or no
    /// longer does (`not_remembered`; it stays tracked, so its refresh token still works).
    #[tracing::instrument(skip_all)]
    pub async fn remember_device(&self, access_token: &str, key: &str, remembered: bool) -> Result<(), AuthError> {
        self.client
            .update_device_status()
            .access_token(access_token)
            .device_key(key)
            .device_remembered_status(if remembered {
                DeviceRememberedStatusType::Remembered
            } else {
                DeviceRememberedStatusType::NotRemembered
            })
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(Op::Device, e))
    }

    /// ListDevices: every device Cognito tracks for the person, newest use first.
    #[tracing::instrument(skip_all)]
    pub async fn devices(&self, access_token: &str) -> Result<Vec<DeviceFacts>, AuthError> {
        let mut all = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client
                .list_devices()
                .access_token(access_token)
                .limit(60)
                .set_pagination_token(next.take())
                .send()
                .await
                .map_err(|e| fail(Op::Device, e))?;
            all.extend(out.devices.unwrap_or_default().into_iter().filter_map(facts));
            match out.pagination_token {
                Some(token) if !token.is_empty() && all.len() < 1_000 => next = Some(token),
                _ => break,
            }
        }
        all.sort_by_key(|d| std::cmp::Reverse(d.last_used));
        Ok(all)
    }

    /// ForgetDevice: Cognito no longer knows the device; its next sign-in asks the second step
    /// again, and its refresh tokens stop working.
    #[tracing::instrument(skip_all)]
    pub async fn forget_device(&self, access_token: &str, key: &str) -> Result<(), AuthError> {
        match self
            .client
            .forget_device()
            .access_token(access_token)
            .device_key(key)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // Forgotten already (from another browser): what was asked is done.
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(()),
            Err(e) => Err(fail(Op::Device, e)),
        }
    }

    /// Forgets every device of the person ("sign out everywhere"): the number forgotten. One
    /// that fails does not stop the others; the error is the last failure's, once all were
    /// tried (then [`Cognito::admin_forget_devices`] may finish the job).
    pub async fn forget_devices(&self, access_token: &str) -> Result<usize, AuthError> {
        let devices = self.devices(access_token).await?;
        let mut failed = None;
        for device in &devices {
            if let Err(e) = self.forget_device(access_token, &device.key).await {
                tracing::warn!(error = %e, "a remembered device could not be forgotten");
                failed = Some(e);
            }
        }
        failed.map_or(Ok(devices.len()), Err)
    }

    /// AdminListDevices and AdminForgetDevice, with the server's AWS credentials, for the user
    /// `username` names (the internal username, or an alias such as the e-mail address): after a
    /// password reset, no device remembered while someone else may have known the password
    /// skips the second step. The number forgotten.
    #[tracing::instrument(skip_all)]
    pub async fn admin_forget_devices(&self, username: &str) -> Result<usize, AuthError> {
        let mut keys = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client
                .admin_list_devices()
                .user_pool_id(&self.user_pool_id)
                .username(username)
                .limit(60)
                .set_pagination_token(next.take())
                .send()
                .await
                .map_err(|e| fail(Op::Admin, e))?;
            keys.extend(out.devices.unwrap_or_default().into_iter().filter_map(|d| d.device_key));
            match out.pagination_token {
                Some(token) if !token.is_empty() && keys.len() < 1_000 => next = Some(token),
                _ => break,
            }
        }
        for key in &keys {
            match self
                .client
                .admin_forget_device()
                .user_pool_id(&self.user_pool_id)
                .username(username)
                .device_key(key)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if e.code() == Some("ResourceNotFoundException") => {}
                Err(e) => return Err(fail(Op::Admin, e)),
            }
        }
        Ok(keys.len())
    }

    /// Answers `DEVICE_SRP_AUTH` (Cognito asks a remembered device to prove itself after the
    /// password) with `device`'s SRP proof, and returns what follows (tokens, normally).
    pub(super) async fn prove_device(
        &self,
        caller: Caller,
        session: Option<&str>,
        username: &str,
        device: &DeviceSecret,
    ) -> Result<AuthStep, DeviceStep> {
        let tracked = TrackedDevice::new(&self.user_pool_id, &device.group_key, &device.key, &device.password);
        let client = self.client_id.clone();
        let (srp, srp_a) = tokio::task::spawn_blocking(move || {
            let srp = SrpClient::new(tracked, &client, None);
            let a = srp.get_auth_parameters().a;
            (srp, a)
        })
        .await
        .map_err(|e| DeviceStep::Failed(blocking_failed(e)))?;
        let out = self
            .respond_sdk(
                caller,
                ChallengeNameType::DeviceSrpAuth,
                session,
                username,
                [
                    ("DEVICE_KEY".to_owned(), device.key.clone()),
                    ("SRP_A".to_owned(), srp_a),
                ],
            )
            .await
            .map_err(device_step)?;
        // An answer that does not fit the device's exchange: the device's data or Cognito's
        // view of it is off; the sign-in goes on without it.
        if out.challenge_name != Some(ChallengeNameType::DevicePasswordVerifier) {
            tracing::warn!(challenge = ?out.challenge_name, "DEVICE_SRP_AUTH not answered with DEVICE_PASSWORD_VERIFIER");
            return Err(DeviceStep::Refused);
        }
        let params = out.challenge_parameters.unwrap_or_default();
        let param = |name: &str| params.get(name).filter(|v| !v.is_empty()).cloned();
        let (Some(salt), Some(b), Some(block)) = (param("SALT"), param("SRP_B"), param("SECRET_BLOCK")) else {
            tracing::warn!("DEVICE_PASSWORD_VERIFIER without SALT, SRP_B or SECRET_BLOCK");
            return Err(DeviceStep::Refused);
        };
        let proof = tokio::task::spawn_blocking(move || srp.verify(&block, &salt, &b))
            .await
            .map_err(|e| DeviceStep::Failed(blocking_failed(e)))?
            .map_err(|e| {
                tracing::warn!(error = %e, "Cognito's device SRP values do not compute");
                DeviceStep::Refused
            })?;
        let answer = self
            .respond_sdk(
                caller,
                ChallengeNameType::DevicePasswordVerifier,
                out.session.as_deref().or(session),
                username,
                [
                    ("DEVICE_KEY".to_owned(), device.key.clone()),
                    (
                        "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
                        proof.password_claim_secret_block,
                    ),
                    ("PASSWORD_CLAIM_SIGNATURE".to_owned(), proof.password_claim_signature),
                    ("TIMESTAMP".to_owned(), proof.timestamp),
                ],
            )
            .await
            .map_err(device_step)?;
        let step = step_from(
            Op::Device,
            answer.authentication_result,
            answer.challenge_name,
            answer.session,
            answer.challenge_parameters,
            username,
        )
        .map_err(DeviceStep::Failed)?;
        Ok(match step {
            AuthStep::Tokens(mut tokens) => {
                tokens.device_key = Some(device.key.clone());
                AuthStep::Tokens(tokens)
            }
            other => other,
        })
    }
}

/// How a device's own step ended when it did not sign in.
#[derive(Debug)]
pub(super) enum DeviceStep {
    /// Cognito no longer knows the device ("Device does not exist."), refused its proof, or
    /// answered what does not fit it: the sign-in goes on without it, and the browser forgets it.
    Refused,
    /// Anything else — Cognito unreachable or busy, a trigger, a firewall, a fault of the set-up:
    /// said as it is, and the device kept.
    Failed(AuthError),
}

/// A device step's failure, decided on Cognito's exception name and text as Amazon's own client
/// decides: "Device does not exist.", or a refused proof (`NotAuthorizedException`, but not a
/// refused client secret or the password lockout), is the device's; the rest is not.
fn device_step(err: SdkError<RespondToAuthChallengeError, HttpResponse>) -> DeviceStep {
    let (code, message) = (err.code(), err.message());
    let refused = match code {
        Some("ResourceNotFoundException") => device_gone(message),
        Some("NotAuthorizedException") => {
            !refuses_secret(code, message) && !message.is_some_and(|m| m.contains(PASSWORD_ATTEMPTS_EXCEEDED))
        }
        _ => false,
    };
    if refused {
        tracing::info!(code, message, "Cognito refused the remembered device");
        DeviceStep::Refused
    } else {
        DeviceStep::Failed(fail(Op::Device, err))
    }
}

/// A Cognito that tracks devices as AWS does, on the SDK's wire shapes (aws-smithy-mocks): it
/// keeps the verifier and salt `ConfirmDevice` sends, and checks a device's SRP proof against
/// them with the server's half of the exchange (written here from the protocol, as the
/// password's in `password.rs`), while the client's half is `aws-cognito-srp`'s: a device goes
/// in only when the two compute the same key.
#[cfg(test)]
mod tests {
    use super::super::password::tests::{N_HEX, POOL, USER_ID, aws_error, h, hmac, pad, signed_in};
    use super::*;
    use crate::secret_hash::ClientSecret;
    use aws_sdk_cognitoidentityprovider::operation::confirm_device::ConfirmDeviceOutput;
    use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
    use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
    use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
    use aws_sdk_cognitoidentityprovider::types::NewDeviceMetadataType;
    use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};
    use base64::Engine as _;
    use num_bigint::BigUint;
    use std::sync::{Arc, Mutex};

    const KEY: &str = "eu-west-1_5d7d8f0c-4a3b-4f6e-9b0a-1c2d3e4f5a6b";
    const GROUP: &str = "-Hq3UuPzY";
    const SECRET: &str = "the-client-secret";
    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    /// The device as Cognito keeps it: what ConfirmDevice gave, and one exchange's values.
    #[derive(Default)]
    struct Devices {
        verifier: Option<(BigUint, Vec<u8>)>,
        remembered: bool,
        exchange: Option<(BigUint, BigUint, BigUint)>,
        block: Vec<u8>,
        /// DEVICE_SRP_AUTH is answered with a trigger's failure (nothing about the device).
        odd: bool,
    }

    fn n() -> BigUint {
        BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("hex")
    }

    impl Devices {
        /// `DEVICE_PASSWORD_VERIFIER`'s parameters for the device's `SRP_A`.
        fn challenge(&mut self, srp_a: &str) -> HashMap<String, String> {
            let (n, g) = (n(), BigUint::from(2u8));
            let (v, salt) = self.verifier.clone().expect("confirmed first");
            let k = BigUint::from_bytes_be(&h(&[&pad(&n), &pad(&g)]));
            let b = BigUint::from_bytes_be(&h(&[b"the server's device b"]));
            let big_b = (&k * &v + g.modpow(&b, &n)) % &n;
            let a = BigUint::parse_bytes(srp_a.as_bytes(), 16).expect("SRP_A is hex");
            assert!(&a % &n != BigUint::ZERO);
            self.exchange = Some((a, b, big_b.clone()));
            self.block = b"a device block".to_vec();
            [
                ("SRP_B", big_b.to_str_radix(16)),
                ("SALT", salt.iter().map(|b| format!("{b:02x}")).collect()),
                ("SECRET_BLOCK", B64.encode(&self.block)),
                ("DEVICE_KEY", KEY.to_owned()),
                ("USERNAME", USER_ID.to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
        }

        /// Whether the claim proves the device password, as Cognito checks it.
        fn verifies(&self, responses: &HashMap<String, String>) -> bool {
            let n = n();
            let (v, _) = self.verifier.clone().expect("confirmed");
            let (a, b, big_b) = self.exchange.clone().expect("SRP_A came first");
            let u = BigUint::from_bytes_be(&h(&[&pad(&a), &pad(&big_b)]));
            let s = (a * v.modpow(&u, &n)).modpow(&b, &n);
            let prk = hmac(&pad(&u), &[&pad(&s)]);
            let key = &hmac(&prk, &[b"Caldera Derived Key", &[1]])[..16];
            let timestamp = &responses["TIMESTAMP"];
            let expected = hmac(
                key,
                &[GROUP.as_bytes(), KEY.as_bytes(), &self.block, timestamp.as_bytes()],
            );
            responses["PASSWORD_CLAIM_SIGNATURE"] == B64.encode(expected)
        }
    }

    fn tokens(device: bool) -> AuthenticationResultType {
        let mut result = signed_in();
        if device {
            result.new_device_metadata = Some(
                NewDeviceMetadataType::builder()
                    .device_key(KEY)
                    .device_group_key(GROUP)
                    .build(),
            );
        }
        result
    }

    /// The rules of a pool that remembers devices and asks every other browser for an
    /// authenticator's code (which this double never gets: the device must prove itself).
    fn pool(devices: Arc<Mutex<Devices>>) -> Vec<Rule> {
        let (confirm_state, respond_state, initiate_state) = (devices.clone(), devices.clone(), devices);
        let confirm = mock!(Client::confirm_device).then_compute_response(move |input| {
            assert_eq!(input.access_token(), Some("access"));
            assert_eq!(input.device_key(), Some(KEY));
            assert_eq!(input.device_name(), Some("Firefox on Linux"));
            let config = input.device_secret_verifier_config().expect("the verifier");
            let v = B64
                .decode(config.password_verifier().expect("verifier"))
                .expect("base64");
            let salt = B64.decode(config.salt().expect("salt")).expect("base64");
            confirm_state.lock().expect("lock").verifier = Some((BigUint::from_bytes_be(&v), salt));
            MockResponse::Output(
                ConfirmDeviceOutput::builder()
                    .user_confirmation_necessary(false)
                    .build(),
            )
        });
        let initiate = mock!(Client::initiate_auth).then_compute_response(move |input| {
            let params = input.auth_parameters().expect("parameters");
            let state = initiate_state.lock().expect("lock");
            let code = || {
                MockResponse::Output(
                    InitiateAuthOutput::builder()
                        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                        .session("mfa")
                        .challenge_parameters("USER_ID_FOR_SRP", USER_ID)
                        .build(),
                )
            };
            match params.get("DEVICE_KEY") {
                None => code(),
                // Tracked, not remembered: the second step, as for any browser.
                Some(key) if key == KEY && state.verifier.is_some() && !state.remembered => code(),
                Some(key) if key == KEY && state.verifier.is_some() && state.remembered => MockResponse::Output(
                    InitiateAuthOutput::builder()
                        .challenge_name(ChallengeNameType::DeviceSrpAuth)
                        .session("device")
                        .challenge_parameters("USERNAME", USER_ID)
                        .build(),
                ),
                Some(_) => MockResponse::Http(aws_error("ResourceNotFoundException", "Device does not exist.")),
            }
        });
        let respond = mock!(Client::respond_to_auth_challenge).then_compute_response(move |input| {
            let responses = input.challenge_responses().expect("responses");
            assert_eq!(responses["USERNAME"], USER_ID);
            assert_eq!(responses["DEVICE_KEY"], KEY, "every answer names the device");
            assert_eq!(
                responses.get("SECRET_HASH"),
                Some(&ClientSecret::new(SECRET.into()).hash(USER_ID, "client")),
                "over Cognito's own username"
            );
            let mut state = respond_state.lock().expect("lock");
            match input.challenge_name() {
                Some(ChallengeNameType::SoftwareTokenMfa) => {
                    assert_eq!(input.session(), Some("mfa"));
                    MockResponse::Output(
                        RespondToAuthChallengeOutput::builder()
                            .authentication_result(tokens(false))
                            .build(),
                    )
                }
                Some(ChallengeNameType::DeviceSrpAuth) if state.odd => MockResponse::Http(aws_error(
                    "UnexpectedLambdaException",
                    "PreTokenGeneration failed with error: Task timed out",
                )),
                Some(ChallengeNameType::DeviceSrpAuth) => {
                    assert_eq!(input.session(), Some("device"));
                    MockResponse::Output(
                        RespondToAuthChallengeOutput::builder()
                            .challenge_name(ChallengeNameType::DevicePasswordVerifier)
                            .session("verifier")
                            .set_challenge_parameters(Some(state.challenge(&responses["SRP_A"])))
                            .build(),
                    )
                }
                Some(ChallengeNameType::DevicePasswordVerifier) => {
                    assert_eq!(input.session(), Some("verifier"));
                    if state.verifies(responses) {
                        MockResponse::Output(
                            RespondToAuthChallengeOutput::builder()
                                .authentication_result(tokens(false))
                                .build(),
                        )
                    } else {
                        MockResponse::Http(aws_error("NotAuthorizedException", "Incorrect username or password."))
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        });
        vec![confirm, initiate, respond]
    }

    fn cognito(rules: &[Rule]) -> Cognito {
        let client: Client = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, rules);
        Cognito::new(
            client,
            POOL.into(),
            "client".into(),
            Some(ClientSecret::new(SECRET.into())),
        )
        .with_password_flow(Some(PasswordFlow::Password))
    }

    const NOBODY: Caller = Caller { ip: None };

    /// The device of [`KEY`], confirmed as a browser's first sign-in confirms it.
    async fn confirmed(cognito: &Cognito) -> ConfirmedDevice {
        let new = NewDevice {
            key: KEY.into(),
            group_key: GROUP.into(),
        };
        cognito
            .confirm_device("access", &new, "Firefox on Linux")
            .await
            .expect("confirmed")
    }

    fn sign_in_as() -> (Email, Password) {
        (
            Email::parse("ada@example.com").expect("valid"),
            Password::for_sign_in("Correct-Horse-9".into()).expect("a password"),
        )
    }

    #[tokio::test]
    async fn a_confirmed_device_proves_itself_instead_of_the_second_step() {
        let devices = Arc::new(Mutex::new(Devices::default()));
        let rules = pool(devices.clone());
        let cognito = cognito(&rules);
        let confirmed = confirmed(&cognito).await;
        assert!(!confirmed.needs_consent, "an \"Always\" pool");
        devices.lock().expect("lock").remembered = true;
        let (email, password) = sign_in_as();

        let (step, used) = cognito
            .sign_in_on(NOBODY, &email, &password, Some(&confirmed.secret))
            .await
            .expect("signed in");
        assert_eq!(used, DeviceUse::Proved);
        match step {
            AuthStep::Tokens(tokens) => assert_eq!(tokens.device(), Some(KEY), "its refresh needs the key"),
            other => panic!("expected tokens, got {other:?}"),
        }

        // Without the device: the second step, as for any browser.
        let (step, used) = cognito
            .sign_in_on(NOBODY, &email, &password, None)
            .await
            .expect("a step");
        assert_eq!(used, DeviceUse::NotAsked);
        assert!(
            matches!(step, AuthStep::Challenge(ref c) if c.kind == ChallengeKind::SoftwareToken),
            "{step:?}"
        );

        // A device password that is not the one confirmed: refused, and the sign-in goes on without it.
        let mut wrong = confirmed.secret.clone();
        wrong.password = "not the device password".into();
        let (step, used) = cognito
            .sign_in_on(NOBODY, &email, &password, Some(&wrong))
            .await
            .expect("a step");
        assert_eq!(used, DeviceUse::Refused);
        assert!(matches!(step, AuthStep::Challenge(_)), "{step:?}");
    }

    /// Tracked but not remembered (opt-in, not asked yet): the code is asked, every answer names
    /// the device, and the tokens are its (their refresh needs its key).
    #[tokio::test]
    async fn a_tracked_device_goes_with_the_code_and_owns_the_tokens() {
        let devices = Arc::new(Mutex::new(Devices::default()));
        let rules = pool(devices.clone());
        let cognito = cognito(&rules);
        let confirmed = confirmed(&cognito).await;
        let (email, password) = sign_in_as();
        let (step, used) = cognito
            .sign_in_on(NOBODY, &email, &password, Some(&confirmed.secret))
            .await
            .expect("a step");
        assert_eq!(used, DeviceUse::NotAsked);
        let AuthStep::Challenge(challenge) = step else {
            panic!("expected the code, got {step:?}");
        };
        assert_eq!(challenge.device_key.as_deref(), Some(KEY));
        let code = MfaCode::parse("123456").expect("a code");
        match cognito.answer_code(NOBODY, &challenge, &code).await {
            Ok(AuthStep::Tokens(tokens)) => assert_eq!(tokens.device(), Some(KEY)),
            other => panic!("expected tokens, got {other:?}"),
        }
    }

    /// A failure that is not the device's (here a trigger that timed out) is said as it is, and
    /// the device kept: an outage must not make every browser forget its device.
    #[tokio::test]
    async fn a_failure_that_is_not_the_devices_keeps_the_device() {
        let devices = Arc::new(Mutex::new(Devices {
            odd: true,
            ..Devices::default()
        }));
        let rules = pool(devices.clone());
        let cognito = cognito(&rules);
        let confirmed = confirmed(&cognito).await;
        devices.lock().expect("lock").remembered = true;
        let (email, password) = sign_in_as();
        let outcome = cognito
            .sign_in_on(NOBODY, &email, &password, Some(&confirmed.secret))
            .await;
        assert_eq!(outcome.map(drop), Err(AuthError::TriggerFailed));
        assert_eq!(rules[1].num_calls(), 1, "not made again without the device");
    }

    /// The device the tokens belong to was forgotten (elsewhere, or by a reset): the session is
    /// over, as with a refused refresh token — not a fault to retry at every request.
    #[tokio::test]
    async fn a_refresh_for_a_forgotten_device_ends_the_session() {
        let refresh = mock!(Client::get_tokens_from_refresh_token)
            .then_http_response(|| aws_error("ResourceNotFoundException", "Device does not exist."));
        let cognito = cognito(&[refresh]);
        assert_eq!(
            cognito.refresh_on("refresh", USER_ID, Some(KEY)).await.map(drop),
            Err(AuthError::SessionExpired)
        );
    }

    #[tokio::test]
    async fn a_device_cognito_no_longer_knows_is_left_out() {
        let devices = Arc::new(Mutex::new(Devices::default()));
        let rules = pool(devices);
        let cognito = cognito(&rules);
        let forgotten: DeviceSecret =
            serde_json::from_value(serde_json::json!({"k": KEY, "g": GROUP, "p": "x"})).expect("a secret");
        let (email, password) = sign_in_as();
        let (step, used) = cognito
            .sign_in_on(NOBODY, &email, &password, Some(&forgotten))
            .await
            .expect("a step");
        assert_eq!(used, DeviceUse::Refused);
        assert!(matches!(step, AuthStep::Challenge(_)), "{step:?}");
        assert_eq!(rules[1].num_calls(), 2, "asked again without the device");
    }

    #[tokio::test]
    async fn new_device_metadata_comes_with_the_tokens_and_its_key_goes_with_each_refresh() {
        let initiate = mock!(Client::initiate_auth).then_output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(tokens(true))
                .build()
        });
        let refresh = mock!(Client::get_tokens_from_refresh_token).then_compute_response(|input| {
            assert_eq!(input.device_key(), Some(KEY));
            MockResponse::Output(
                GetTokensFromRefreshTokenOutput::builder()
                    .authentication_result(signed_in())
                    .build(),
            )
        });
        let cognito = cognito(&[initiate, refresh]);
        let (email, password) = sign_in_as();
        let Ok(AuthStep::Tokens(tokens)) = cognito.sign_in(NOBODY, &email, &password).await else {
            panic!("expected tokens");
        };
        assert_eq!(
            tokens.new_device,
            Some(NewDevice {
                key: KEY.into(),
                group_key: GROUP.into()
            })
        );
        assert_eq!(tokens.device(), Some(KEY));
        cognito
            .refresh_on("refresh", USER_ID, tokens.device())
            .await
            .expect("refreshed");
    }
}
