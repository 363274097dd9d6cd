//! Signing in with a password, by whichever flow the app client allows.
//!
//! Pools made by Amplify or by the console's defaults allow `ALLOW_USER_SRP_AUTH` (and often
//! `ALLOW_USER_AUTH`) but not `ALLOW_USER_PASSWORD_AUTH`. So the password goes by the first of
//! these the client allows ([`PasswordFlow::ORDER`]):
//!
//! 1. `USER_PASSWORD_AUTH`: the password to Cognito, over TLS, from this server;
//! 2. `USER_AUTH` with `PREFERRED_CHALLENGE=PASSWORD`: the choice-based sign-in, answered with the
//!    password at once;
//! 3. `USER_SRP_AUTH`: the SRP-6a exchange Cognito defines (`SRP_A`, then `PASSWORD_VERIFIER`
//!    with `PASSWORD_CLAIM_SIGNATURE`, `PASSWORD_CLAIM_SECRET_BLOCK` and `TIMESTAMP`): only a
//!    proof of the password leaves this server. The arithmetic is the `aws-cognito-srp` crate's
//!    (`num-bigint` underneath); nothing here computes with big numbers.
//!
//! Which one is read from `DescribeUserPoolClient` at start-up
//! ([`super::pool::PoolFacts::password_flow`], [`Cognito::with_password_flow`]), and only that one
//! is used. When the client cannot be read, the first sign-in finds out, trying SRP first (it sends
//! no password, so none goes to a flow the client refuses), then `USER_AUTH`, then
//! `USER_PASSWORD_AUTH`, and keeps the first that Cognito answers for the person rather than
//! refusing as not enabled. Every challenge after any of them (MFA, a new password, an
//! authenticator to set up) is the same as after the first.
//!
//! None of these steps is retried by the SDK after a timeout or a 5xx: Cognito may have
//! processed it, and a second try would count a wrong password twice towards its lockout, send a
//! second e-mailed code that voids the first, or answer a used session.

use super::devices::DeviceStep;
use super::*;
use crate::AuthError;
use aws_cognito_srp::{SrpClient, User};
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::{
    RespondToAuthChallengeError, RespondToAuthChallengeOutput,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use std::sync::atomic::AtomicU8;

/// How a password signs in: the first flow the app client allows, in [`PasswordFlow::ORDER`]
/// ([`Cognito::sign_in`], [`super::pool::PoolFacts::password_flow`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordFlow {
    /// `USER_PASSWORD_AUTH` (`ALLOW_USER_PASSWORD_AUTH`).
    Password,
    /// `USER_AUTH` answered with `PASSWORD` (`ALLOW_USER_AUTH`).
    UserAuth,
    /// `USER_SRP_AUTH` (`ALLOW_USER_SRP_AUTH`): the password never leaves this server.
    Srp,
}

impl PasswordFlow {
    /// The order the app prefers them in, among those the client allows.
    pub const ORDER: [PasswordFlow; 3] = [PasswordFlow::Password, PasswordFlow::UserAuth, PasswordFlow::Srp];

    /// The order they are tried in when the client cannot be read: SRP first, which sends no
    /// password to a flow the client may refuse.
    pub const DISCOVERY: [PasswordFlow; 3] = [PasswordFlow::Srp, PasswordFlow::UserAuth, PasswordFlow::Password];

    /// Its `AuthFlow` name, for logs and the start-up report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Password => "USER_PASSWORD_AUTH",
            Self::UserAuth => "USER_AUTH (PASSWORD)",
            Self::Srp => "USER_SRP_AUTH",
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            Self::Password => 1,
            Self::UserAuth => 2,
            Self::Srp => 3,
        }
    }

    fn from_u8(n: u8) -> Option<Self> {
        Self::ORDER.into_iter().find(|f| f.to_u8() == n)
    }
}

/// The flow in use, shared by the clones of one [`Cognito`]: 0 until it is known.
#[derive(Debug, Default)]
pub(super) struct FlowInUse(AtomicU8);

/// Why a flow did not sign in.
enum Tried {
    /// The client does not allow this flow: the next one may do.
    NotEnabled,
    /// Cognito no longer knows the device the sign-in named, or refused its proof: the sign-in
    /// is made again without it.
    DeviceRefused,
    /// A real answer (a wrong password, a challenge's failure, Cognito unreachable).
    Failed(AuthError),
}

impl From<AuthError> for Tried {
    fn from(err: AuthError) -> Self {
        Self::Failed(err)
    }
}

/// A password step's failure with a device named: Cognito's "Device does not exist." (as Amazon's
/// own client reads it) means the sign-in is made again without the device; anything else is the
/// step's own failure.
fn device_or(device: Option<&DeviceSecret>, err: SdkError<RespondToAuthChallengeError, HttpResponse>) -> Tried {
    if device.is_some() && err.code() == Some("ResourceNotFoundException") && device_gone(err.message()) {
        return Tried::DeviceRefused;
    }
    Tried::Failed(fail(Op::SignIn, err))
}

/// A sign-in step's answer, before it becomes an [`AuthStep`].
struct Answer {
    result: Option<AuthenticationResultType>,
    name: Option<ChallengeNameType>,
    session: Option<String>,
    params: Option<HashMap<String, String>>,
}

impl From<RespondToAuthChallengeOutput> for Answer {
    fn from(out: RespondToAuthChallengeOutput) -> Self {
        Self {
            result: out.authentication_result,
            name: out.challenge_name,
            session: out.session,
            params: out.challenge_parameters,
        }
    }
}

/// A refusal of the flow itself, before any password was checked: AWS says
/// `InvalidParameterException` "… flow not enabled for this client", or
/// `UnsupportedOperationException` for `USER_AUTH` on a client without it, or
/// `FeatureUnavailableInTierException` for `USER_AUTH` on a Lite pool; an emulator without the
/// flow answers `Unsupported`.
fn flow_refused<E: ProvideErrorMetadata>(flow: PasswordFlow, err: &SdkError<E, impl fmt::Debug>) -> bool {
    let SdkError::ServiceError(service) = err else {
        return false;
    };
    let err = service.err();
    match err.code() {
        Some("Unsupported" | "UnsupportedOperationException") => true,
        Some("FeatureUnavailableInTierException") => flow == PasswordFlow::UserAuth,
        Some("InvalidParameterException") => err
            .message()
            .is_some_and(|m| m.contains("flow") && m.contains("not enabled")),
        _ => false,
    }
}

/// An answer about the person, which only a flow the client allows gives: the flow is the one.
fn answers_for_the_person(err: &AuthError) -> bool {
    matches!(
        err,
        AuthError::InvalidCredentials
            | AuthError::NotConfirmed
            | AuthError::PasswordResetRequired
            | AuthError::PasswordAttemptsExceeded
    )
}

impl Cognito {
    /// The password flow this client allows, as the pool check read it; `None`: unknown, try
    /// each in order at the first sign-in.
    pub fn with_password_flow(self, flow: Option<PasswordFlow>) -> Self {
        self.password_flow
            .0
            .store(flow.map_or(0, PasswordFlow::to_u8), Ordering::Relaxed);
        self
    }

    /// The password flow in use, once known.
    pub fn password_flow(&self) -> Option<PasswordFlow> {
        PasswordFlow::from_u8(self.password_flow.0.load(Ordering::Relaxed))
    }

    /// Signs in with `email` and `password` by the client's password flow. Cognito answers with
    /// tokens or with the first challenge.
    pub async fn sign_in(&self, caller: Caller, email: &Email, password: &Password) -> Result<AuthStep, AuthError> {
        self.sign_in_on(caller, email, password, None)
            .await
            .map(|(step, _)| step)
    }

    /// [`Self::sign_in`] from a browser that keeps `device` (a remembered device, see
    /// [`super::devices`]): Cognito is told its key, and when it asks the device to prove itself
    /// instead of a second factor, the proof is given here. A device Cognito no longer knows,
    /// or whose proof it refuses, is left out and the sign-in made again without it
    /// ([`DeviceUse::Refused`]: the browser should forget it).
    #[tracing::instrument(skip_all, fields(device = device.is_some()))]
    pub async fn sign_in_on(
        &self,
        caller: Caller,
        email: &Email,
        password: &Password,
        device: Option<&DeviceSecret>,
    ) -> Result<(AuthStep, DeviceUse), AuthError> {
        match self.sign_in_with(caller, email, password, device).await {
            Err(Tried::DeviceRefused) => {
                tracing::info!("Cognito does not know this browser's device (any more): signing in without it");
                match self.sign_in_with(caller, email, password, None).await {
                    Ok((step, _)) => Ok((step, DeviceUse::Refused)),
                    Err(Tried::Failed(err)) => Err(err),
                    Err(Tried::NotEnabled | Tried::DeviceRefused) => Err(AuthError::NotEnabled),
                }
            }
            Err(Tried::Failed(err)) => Err(err),
            Err(Tried::NotEnabled) => Err(AuthError::NotEnabled),
            // A challenge next names the device again, and the tokens at the end are its.
            Ok((step, used)) => Ok((carry_device(step, device.map(|d| d.key.clone())), used)),
        }
    }

    async fn sign_in_with(
        &self,
        caller: Caller,
        email: &Email,
        password: &Password,
        device: Option<&DeviceSecret>,
    ) -> Result<(AuthStep, DeviceUse), Tried> {
        // Known (read from the client, or found before): that flow, and no other.
        if let Some(flow) = self.password_flow() {
            return match self.sign_in_by(flow, false, caller, email, password, device).await {
                Ok(step) => Ok(step),
                Err(Tried::DeviceRefused) => Err(Tried::DeviceRefused),
                Err(Tried::Failed(err)) => Err(err.into()),
                Err(Tried::NotEnabled) => {
                    tracing::error!(
                        flow = flow.name(),
                        "the app client refuses the password flow it allowed at start-up: restart the server to read \
                         the client again"
                    );
                    Err(AuthError::NotEnabled.into())
                }
            };
        }
        for flow in PasswordFlow::DISCOVERY {
            let outcome = self.sign_in_by(flow, true, caller, email, password, device).await;
            let decided = match &outcome {
                Err(Tried::NotEnabled) => continue,
                Ok(_) | Err(Tried::DeviceRefused) => true,
                Err(Tried::Failed(err)) => answers_for_the_person(err),
            };
            if decided {
                tracing::info!(flow = flow.name(), "password sign-in: the app client allows this flow");
                self.password_flow.0.store(flow.to_u8(), Ordering::Relaxed);
            }
            // Anything else (Cognito unreachable, a firewall, a trigger) tells nothing about the
            // client: the next sign-in asks again.
            return outcome;
        }
        tracing::error!("the app client allows no password sign-in (USER_PASSWORD_AUTH, USER_AUTH, USER_SRP_AUTH)");
        Err(AuthError::NotEnabled.into())
    }

    /// What a password step answered, once a remembered device has proved itself when Cognito
    /// asked it to (`DEVICE_SRP_AUTH`).
    async fn then_device(
        &self,
        caller: Caller,
        device: Option<&DeviceSecret>,
        answer: Answer,
        username: &str,
    ) -> Result<(AuthStep, DeviceUse), Tried> {
        if answer.name != Some(ChallengeNameType::DeviceSrpAuth) {
            let step = step_from(
                Op::SignIn,
                answer.result,
                answer.name,
                answer.session,
                answer.params,
                username,
            )?;
            return Ok((step, DeviceUse::NotAsked));
        }
        let Some(device) = device else {
            tracing::warn!("Cognito asked a device to prove itself, and the sign-in named none");
            return Err(AuthError::Internal.into());
        };
        let mut params = answer.params.unwrap_or_default();
        let username = internal_username(&mut params).unwrap_or_else(|| username.to_owned());
        match self
            .prove_device(caller, answer.session.as_deref(), &username, device)
            .await
        {
            Ok(step) => Ok((step, DeviceUse::Proved)),
            // The device's own fault (forgotten, its proof refused, an answer that does not fit
            // it): the sign-in is made again without it, and the browser forgets it — never a
            // browser that cannot sign in with its right password.
            Err(DeviceStep::Refused) => Err(Tried::DeviceRefused),
            // Anything else (Cognito unreachable, a trigger, a firewall): said as it is; the
            // device is kept for the next try.
            Err(DeviceStep::Failed(err)) => Err(err.into()),
        }
    }

    /// One flow. `probing`: the client's flows are unknown, so `USER_AUTH` asks first without the
    /// password (Cognito answers SELECT_CHALLENGE, the password goes in the answer): no password
    /// reaches a flow the client refuses.
    async fn sign_in_by(
        &self,
        flow: PasswordFlow,
        probing: bool,
        caller: Caller,
        email: &Email,
        password: &Password,
        device: Option<&DeviceSecret>,
    ) -> Result<(AuthStep, DeviceUse), Tried> {
        let first = match flow {
            PasswordFlow::Password => AuthFlowType::UserPasswordAuth,
            PasswordFlow::UserAuth => AuthFlowType::UserAuth,
            PasswordFlow::Srp => AuthFlowType::UserSrpAuth,
        };
        // The SRP exchange's secret `a` lives only as long as this sign-in. The crate's user
        // name only feeds its own log lines (the proof is over Cognito's USER_ID_FOR_SRP): it
        // is not given the address. Its 3072-bit arithmetic runs off the async workers.
        let srp = match flow {
            PasswordFlow::Srp => {
                let (pool, client, secret) = (
                    self.user_pool_id.clone(),
                    self.client_id.clone(),
                    password.expose().to_owned(),
                );
                let made = tokio::task::spawn_blocking(move || {
                    let srp = SrpClient::new(User::new(&pool, "-", &secret), &client, None);
                    let a = srp.get_auth_parameters().a;
                    (srp, a)
                })
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "the SRP computation did not finish");
                    AuthError::Internal
                })?;
                Some(made)
            }
            _ => None,
        };
        let srp_a = srp.as_ref().map(|(_, a)| a.clone());
        let sent = self
            .signed(|| {
                let mut request = self
                    .client
                    .initiate_auth()
                    .client_id(&self.client_id)
                    .auth_flow(first.clone())
                    .auth_parameters("USERNAME", email.as_str())
                    .set_user_context_data(caller.context());
                request = match (flow, &srp_a) {
                    (PasswordFlow::Srp, Some(a)) => request.auth_parameters("SRP_A", a),
                    (PasswordFlow::UserAuth, _) if probing => request,
                    (PasswordFlow::UserAuth, _) => request
                        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
                        .auth_parameters("PASSWORD", password.expose()),
                    _ => request.auth_parameters("PASSWORD", password.expose()),
                };
                if let Some(device) = device {
                    request = request.auth_parameters("DEVICE_KEY", &device.key);
                }
                // The first step names the user by what they typed: the hash is over the e-mail.
                if let Some(hash) = self.secret_hash(email.as_str()) {
                    request = request.auth_parameters("SECRET_HASH", hash);
                }
                request.customize().config_override(not_twice()).send()
            })
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(err) if flow_refused(flow, &err) => {
                tracing::info!(flow = flow.name(), "the app client does not allow this password flow");
                return Err(Tried::NotEnabled);
            }
            // "Device does not exist": forgotten, from another browser or by a reset.
            Err(err)
                if device.is_some()
                    && err.code() == Some("ResourceNotFoundException")
                    && device_gone(err.message()) =>
            {
                return Err(Tried::DeviceRefused);
            }
            Err(err) => return Err(fail(Op::SignIn, err).into()),
        };
        match (&out.challenge_name, srp) {
            (Some(ChallengeNameType::PasswordVerifier), Some((srp, _))) => {
                let params = out.challenge_parameters.unwrap_or_default();
                let param = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
                let (Some(salt), Some(b), Some(block), Some(user_id)) = (
                    param("SALT"),
                    param("SRP_B"),
                    param("SECRET_BLOCK"),
                    param("USER_ID_FOR_SRP"),
                ) else {
                    tracing::warn!("PASSWORD_VERIFIER without SALT, SRP_B, SECRET_BLOCK or USER_ID_FOR_SRP");
                    return Err(AuthError::Internal.into());
                };
                let (block, salt, b) = (block.to_owned(), salt.to_owned(), b.to_owned());
                let user = user_id.to_owned();
                let proof = tokio::task::spawn_blocking(move || srp.verify(&block, &user, &salt, &b))
                    .await
                    .map_err(|e| {
                        tracing::error!(error = %e, "the SRP computation did not finish");
                        AuthError::Internal
                    })?
                    .map_err(|e| {
                        tracing::warn!(error = %e, "Cognito's SRP values do not compute");
                        AuthError::Internal
                    })?;
                let responses = [
                    (
                        "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
                        proof.password_claim_secret_block,
                    ),
                    ("PASSWORD_CLAIM_SIGNATURE".to_owned(), proof.password_claim_signature),
                    ("TIMESTAMP".to_owned(), proof.timestamp),
                ]
                .into_iter()
                // The device the first step named, again (as Amazon's own client sends it).
                .chain(device.map(|d| ("DEVICE_KEY".to_owned(), d.key.clone())));
                // From here on the user is named by Cognito's own username (USER_ID_FOR_SRP),
                // and so is the hash.
                let answer = self
                    .respond_sdk(
                        caller,
                        ChallengeNameType::PasswordVerifier,
                        out.session.as_deref(),
                        user_id,
                        responses,
                    )
                    .await
                    .map_err(|err| device_or(device, err))?;
                self.then_device(caller, device, answer.into(), user_id).await
            }
            // The choice-based sign-in offered a choice after all: the password, when it is
            // offered. An account without one (passkeys only) reads like a wrong password, so
            // the form tells nothing about which accounts exist.
            (Some(ChallengeNameType::SelectChallenge), _) => {
                let offered = out.available_challenges.as_deref().unwrap_or_default();
                if !offered.contains(&ChallengeNameType::Password) {
                    tracing::info!(?offered, "USER_AUTH offers no password for this account");
                    return Err(AuthError::InvalidCredentials.into());
                }
                let Some(session) = out.session else {
                    tracing::warn!("SELECT_CHALLENGE without a session");
                    return Err(AuthError::Internal.into());
                };
                let mut params = out.challenge_parameters.unwrap_or_default();
                let username = internal_username(&mut params).unwrap_or_else(|| email.as_str().to_owned());
                let responses = [
                    ("ANSWER".to_owned(), "PASSWORD".to_owned()),
                    ("PASSWORD".to_owned(), password.expose().to_owned()),
                ];
                let answer = self
                    .respond_sdk(
                        caller,
                        ChallengeNameType::SelectChallenge,
                        Some(&session),
                        &username,
                        responses,
                    )
                    .await
                    .map_err(|err| device_or(device, err))?;
                self.then_device(caller, device, answer.into(), &username).await
            }
            _ => {
                let answer = Answer {
                    result: out.authentication_result,
                    name: out.challenge_name,
                    session: out.session,
                    params: out.challenge_parameters,
                };
                self.then_device(caller, device, answer, email.as_str()).await
            }
        }
    }
}

/// A Cognito that verifies SRP as AWS does, on the SDK's own wire shapes (aws-smithy-mocks): the
/// server's half of the exchange, written here from the protocol (RFC 5054's 3072-bit group,
/// `k = H(N | g)`, `x = H(salt | H(pool | user | ":" | password))`, Cognito's HKDF and claim
/// signature), against the client's half, which is `aws-cognito-srp`'s and not written here: a
/// sign-in goes through only when the two compute the same key.
#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::secret_hash::ClientSecret;
    use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
    use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
    use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use base64::Engine as _;
    use hmac::{Hmac, KeyInit, Mac};
    use num_bigint::BigUint;
    use sha2::{Digest, Sha256};
    use std::sync::Mutex;

    /// RFC 5054's (and RFC 3526's) 3072-bit prime, as OpenSSL's `modp_3072` group holds it.
    pub(in crate::cognito) const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
    pub(in crate::cognito) const POOL: &str = "eu-west-1_Srp1Pool";
    pub(in crate::cognito) const USER_ID: &str = "7c2f1e9a-0b5d-4c3e-9f1a-2d4b6c8e0a13";
    const PASSWORD: &str = "Correct-Horse-9";
    const SECRET: &str = "the-client-secret";

    pub(in crate::cognito) fn h(parts: &[&[u8]]) -> Vec<u8> {
        let mut d = Sha256::new();
        for p in parts {
            d.update(p);
        }
        d.finalize().to_vec()
    }

    pub(in crate::cognito) fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }

    /// Big-endian bytes with a 0 in front when the first byte's high bit is set (Cognito's `padHex`).
    pub(in crate::cognito) fn pad(n: &BigUint) -> Vec<u8> {
        let bytes = n.to_bytes_be();
        if bytes[0] >= 0x80 {
            [&[0u8][..], &bytes].concat()
        } else {
            bytes
        }
    }

    /// The server's side of one exchange.
    struct Server {
        n: BigUint,
        salt: BigUint,
        v: BigUint,
        b: BigUint,
        big_b: BigUint,
        secret_block: Vec<u8>,
        a: Mutex<Option<BigUint>>,
    }

    impl Server {
        fn new() -> Self {
            let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("hex");
            let g = BigUint::from(2u8);
            let k = BigUint::from_bytes_be(&h(&[&pad(&n), &pad(&g)]));
            let salt = BigUint::from_bytes_be(&[
                0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15, 0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x34,
            ]);
            let pool_name = POOL.split_once('_').expect("region_name").1;
            let identity = h(&[pool_name.as_bytes(), USER_ID.as_bytes(), b":", PASSWORD.as_bytes()]);
            let x = BigUint::from_bytes_be(&h(&[&pad(&salt), &identity]));
            let v = g.modpow(&x, &n);
            let b = BigUint::from_bytes_be(&h(&[b"the server's secret b"]));
            let big_b = (&k * &v + g.modpow(&b, &n)) % &n;
            Self {
                n,
                salt,
                v,
                b,
                big_b,
                secret_block: b"a block only Cognito can read".to_vec(),
                a: Mutex::new(None),
            }
        }

        /// What Cognito answers `SRP_A` with.
        fn challenge(&self, srp_a: &str) -> HashMap<String, String> {
            let a = BigUint::parse_bytes(srp_a.as_bytes(), 16).expect("SRP_A is hex");
            assert!(&a % &self.n != BigUint::ZERO, "A mod N must not be 0");
            *self.a.lock().expect("lock") = Some(a);
            [
                ("SALT", self.salt.to_str_radix(16)),
                ("SRP_B", self.big_b.to_str_radix(16)),
                (
                    "SECRET_BLOCK",
                    base64::engine::general_purpose::STANDARD.encode(&self.secret_block),
                ),
                ("USER_ID_FOR_SRP", USER_ID.to_owned()),
                ("USERNAME", USER_ID.to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
        }

        /// Whether the claim proves the password, as Cognito checks it.
        fn verifies(&self, responses: &HashMap<String, String>) -> bool {
            let a = self.a.lock().expect("lock").clone().expect("SRP_A came first");
            let u = BigUint::from_bytes_be(&h(&[&pad(&a), &pad(&self.big_b)]));
            let s = (a * self.v.modpow(&u, &self.n)).modpow(&self.b, &self.n);
            let prk = hmac(&pad(&u), &[&pad(&s)]);
            let key = &hmac(&prk, &[b"Caldera Derived Key", &[1]])[..16];
            let timestamp = &responses["TIMESTAMP"];
            // `Mon Dec 7 09:05:03 UTC 2026`: the day without a leading zero.
            let words: Vec<&str> = timestamp.split(' ').collect();
            assert_eq!(words.len(), 6, "{timestamp}");
            assert!(!words[2].starts_with('0') && words[4] == "UTC", "{timestamp}");
            let pool_name = POOL.split_once('_').expect("region_name").1;
            let expected = hmac(
                key,
                &[
                    pool_name.as_bytes(),
                    USER_ID.as_bytes(),
                    &self.secret_block,
                    timestamp.as_bytes(),
                ],
            );
            responses["PASSWORD_CLAIM_SECRET_BLOCK"]
                == base64::engine::general_purpose::STANDARD.encode(&self.secret_block)
                && responses["PASSWORD_CLAIM_SIGNATURE"] == base64::engine::general_purpose::STANDARD.encode(expected)
        }
    }

    /// Tokens, as a sign-in's last step answers them.
    pub(in crate::cognito) fn signed_in() -> AuthenticationResultType {
        AuthenticationResultType::builder()
            .access_token("access")
            .id_token("id")
            .refresh_token("refresh")
            .build()
    }

    pub(in crate::cognito) fn aws_error(exception: &str, message: &str) -> HttpResponse {
        let body = serde_json::json!({ "__type": exception, "message": message }).to_string();
        let mut response = HttpResponse::new(StatusCode::try_from(400).expect("status"), SdkBody::from(body));
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.1");
        response
    }

    /// Rules for a client that allows only `allowed`, the others refused as AWS refuses them.
    fn pool(server: Arc<Server>, allowed: AuthFlowType, secret: Option<&'static str>) -> (Rule, Rule) {
        pool_then(server, allowed, secret, false)
    }

    /// [`pool`], whose right password leads to an authenticator's code when `mfa`.
    fn pool_then(server: Arc<Server>, allowed: AuthFlowType, secret: Option<&'static str>, mfa: bool) -> (Rule, Rule) {
        let srp = server.clone();
        let initiate = mock!(Client::initiate_auth).then_compute_response(move |input| {
            let flow = input.auth_flow().expect("a flow").clone();
            if flow != allowed {
                let name = flow.as_str().to_owned();
                return MockResponse::Http(aws_error(
                    "InvalidParameterException",
                    &format!("{name} flow not enabled for this client"),
                ));
            }
            let params = input.auth_parameters().expect("parameters");
            assert_eq!(params["USERNAME"], "ada@example.com");
            let hash = |user: &str| secret.map(|s| ClientSecret::new(s.to_owned()).hash(user, "client"));
            assert_eq!(
                params.get("SECRET_HASH").cloned(),
                hash("ada@example.com"),
                "the first step's hash is over the e-mail"
            );
            assert!(!params.contains_key("PASSWORD"), "SRP sends no password");
            MockResponse::Output(
                InitiateAuthOutput::builder()
                    .challenge_name(ChallengeNameType::PasswordVerifier)
                    .set_challenge_parameters(Some(srp.challenge(&params["SRP_A"])))
                    .build(),
            )
        });
        let respond = mock!(Client::respond_to_auth_challenge).then_compute_response(move |input| {
            assert_eq!(input.challenge_name(), Some(&ChallengeNameType::PasswordVerifier));
            let responses = input.challenge_responses().expect("responses");
            assert_eq!(responses["USERNAME"], USER_ID, "answered as Cognito's own username");
            let hash = secret.map(|s| ClientSecret::new(s.to_owned()).hash(USER_ID, "client"));
            assert_eq!(
                responses.get("SECRET_HASH").cloned(),
                hash,
                "the answer's hash is over USER_ID_FOR_SRP"
            );
            if server.verifies(responses) && mfa {
                MockResponse::Output(
                    RespondToAuthChallengeOutput::builder()
                        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                        .session("the-mfa-session")
                        .challenge_parameters("USER_ID_FOR_SRP", USER_ID)
                        .build(),
                )
            } else if server.verifies(responses) {
                MockResponse::Output(
                    RespondToAuthChallengeOutput::builder()
                        .authentication_result(signed_in())
                        .build(),
                )
            } else {
                MockResponse::Http(aws_error("NotAuthorizedException", "Incorrect username or password."))
            }
        });
        (initiate, respond)
    }

    fn cognito(rules: &[&Rule], secret: Option<&str>) -> Cognito {
        let client: Client = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, rules);
        Cognito::new(
            client,
            POOL.into(),
            "client".into(),
            secret.map(|s| ClientSecret::new(s.to_owned())),
        )
    }

    fn email() -> Email {
        Email::parse("ada@example.com").expect("valid")
    }

    fn password(p: &str) -> Password {
        Password::for_sign_in(p.to_owned()).expect("a password")
    }

    const NOBODY: Caller = Caller { ip: None };

    #[tokio::test]
    async fn an_srp_only_client_signs_in_with_a_proof_and_refuses_a_wrong_password() {
        for secret in [None, Some(SECRET)] {
            let (initiate, respond) = pool(Arc::new(Server::new()), AuthFlowType::UserSrpAuth, secret);
            let cognito = cognito(&[&initiate, &respond], secret).with_password_flow(Some(PasswordFlow::Srp));
            let step = cognito.sign_in(NOBODY, &email(), &password(PASSWORD)).await;
            assert!(matches!(step, Ok(AuthStep::Tokens(_))), "{step:?}");
            let wrong = cognito.sign_in(NOBODY, &email(), &password("Wrong-Horse-9")).await;
            assert_eq!(wrong.map(drop), Err(AuthError::InvalidCredentials));
            assert_eq!((initiate.num_calls(), respond.num_calls()), (2, 2));
        }
    }

    #[tokio::test]
    async fn a_second_step_after_srp_is_the_same_as_after_a_password() {
        let (initiate, respond) = pool_then(Arc::new(Server::new()), AuthFlowType::UserSrpAuth, None, true);
        let cognito = cognito(&[&initiate, &respond], None).with_password_flow(Some(PasswordFlow::Srp));
        match cognito.sign_in(NOBODY, &email(), &password(PASSWORD)).await {
            Ok(AuthStep::Challenge(challenge)) => {
                assert_eq!(challenge.kind, ChallengeKind::SoftwareToken);
                assert_eq!(challenge.session, "the-mfa-session");
                assert_eq!(
                    challenge.username, USER_ID,
                    "the code is answered as Cognito's own username"
                );
            }
            other => panic!("expected the authenticator's code, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_unread_client_is_tried_in_order_once_and_the_answer_kept() {
        let (initiate, respond) = pool(Arc::new(Server::new()), AuthFlowType::UserSrpAuth, None);
        let cognito = cognito(&[&initiate, &respond], None);
        assert_eq!(cognito.password_flow(), None);
        let step = cognito.sign_in(NOBODY, &email(), &password(PASSWORD)).await;
        assert!(matches!(step, Ok(AuthStep::Tokens(_))), "{step:?}");
        // SRP first: it sends no password to a flow the client might refuse.
        assert_eq!(initiate.num_calls(), 1);
        assert_eq!(cognito.password_flow(), Some(PasswordFlow::Srp));
        let again = cognito.clone().sign_in(NOBODY, &email(), &password(PASSWORD)).await;
        assert!(matches!(again, Ok(AuthStep::Tokens(_))), "{again:?}");
        assert_eq!(initiate.num_calls(), 2, "kept");
    }

    /// A client that allows only USER_PASSWORD_AUTH, unread: SRP and USER_AUTH are refused as AWS
    /// refuses them, without the password ever going to either.
    #[tokio::test]
    async fn an_unread_password_only_client_gets_the_password_last_and_only_there() {
        let initiate = mock!(Client::initiate_auth).then_compute_response(|input| {
            let params = input.auth_parameters().expect("parameters");
            match input.auth_flow() {
                Some(AuthFlowType::UserPasswordAuth) => {
                    assert_eq!(params["PASSWORD"], PASSWORD);
                    MockResponse::Output(InitiateAuthOutput::builder().authentication_result(signed_in()).build())
                }
                Some(AuthFlowType::UserAuth) => {
                    assert!(
                        !params.contains_key("PASSWORD"),
                        "no password to a flow that may be refused"
                    );
                    MockResponse::Http(aws_error(
                        "UnsupportedOperationException",
                        "USER_AUTH is not enabled for this client",
                    ))
                }
                _ => {
                    assert!(!params.contains_key("PASSWORD"));
                    MockResponse::Http(aws_error(
                        "InvalidParameterException",
                        "USER_SRP_AUTH flow not enabled for this client",
                    ))
                }
            }
        });
        let cognito = cognito(&[&initiate], None);
        let step = cognito.sign_in(NOBODY, &email(), &password(PASSWORD)).await;
        assert!(matches!(step, Ok(AuthStep::Tokens(_))), "{step:?}");
        assert_eq!(initiate.num_calls(), 3);
        assert_eq!(cognito.password_flow(), Some(PasswordFlow::Password));
    }

    /// Cognito unreachable while the flow is unknown: asked once (never retried: it may have
    /// counted the attempt), and nothing kept about the client.
    #[tokio::test]
    async fn an_answer_that_says_nothing_about_the_client_keeps_nothing() {
        let down = mock!(Client::initiate_auth).then_compute_response(|_| {
            let mut response = aws_error("InternalErrorException", "try later");
            *response.status_mut() = StatusCode::try_from(500).expect("status");
            MockResponse::Http(response)
        });
        let cognito = cognito(&[&down], None);
        let step = cognito.sign_in(NOBODY, &email(), &password(PASSWORD)).await;
        assert_eq!(step.map(drop), Err(AuthError::Unavailable));
        assert_eq!(down.num_calls(), 1, "not retried");
        assert_eq!(cognito.password_flow(), None);
    }

    /// A client that allows only USER_AUTH, unread: asked without the password, which goes in
    /// the answer to the choice Cognito offers, named as Cognito's own username.
    #[tokio::test]
    async fn an_unread_choice_only_client_gets_the_password_in_the_answer() {
        let initiate = mock!(Client::initiate_auth).then_compute_response(|input| {
            let params = input.auth_parameters().expect("parameters");
            assert!(!params.contains_key("PASSWORD"), "not before the flow is known");
            match input.auth_flow() {
                Some(AuthFlowType::UserAuth) => MockResponse::Output(
                    InitiateAuthOutput::builder()
                        .challenge_name(ChallengeNameType::SelectChallenge)
                        .session("select")
                        .challenge_parameters("USERNAME", USER_ID)
                        .available_challenges(ChallengeNameType::Password)
                        .available_challenges(ChallengeNameType::WebAuthn)
                        .build(),
                ),
                _ => MockResponse::Http(aws_error(
                    "InvalidParameterException",
                    "USER_SRP_AUTH flow not enabled for this client",
                )),
            }
        });
        let respond = mock!(Client::respond_to_auth_challenge).then_compute_response(|input| {
            let responses = input.challenge_responses().expect("responses");
            assert_eq!(input.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
            assert_eq!(input.session(), Some("select"));
            assert_eq!(
                (responses["ANSWER"].as_str(), responses["PASSWORD"].as_str()),
                ("PASSWORD", PASSWORD)
            );
            assert_eq!(responses["USERNAME"], USER_ID);
            MockResponse::Output(
                RespondToAuthChallengeOutput::builder()
                    .authentication_result(signed_in())
                    .build(),
            )
        });
        let cognito = cognito(&[&initiate, &respond], None);
        let step = cognito.sign_in(NOBODY, &email(), &password(PASSWORD)).await;
        assert!(matches!(step, Ok(AuthStep::Tokens(_))), "{step:?}");
        assert_eq!((initiate.num_calls(), respond.num_calls()), (2, 1));
        assert_eq!(cognito.password_flow(), Some(PasswordFlow::UserAuth));
    }

    /// USER_AUTH offers no password for the account (passkeys only): the same answer as a wrong
    /// password, so the form tells nothing about the account.
    #[tokio::test]
    async fn an_account_without_a_password_reads_like_a_wrong_one() {
        let initiate = mock!(Client::initiate_auth).then_output(|| {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session("select")
                .available_challenges(ChallengeNameType::WebAuthn)
                .build()
        });
        let cognito = cognito(&[&initiate], None).with_password_flow(Some(PasswordFlow::UserAuth));
        let step = cognito.sign_in(NOBODY, &email(), &password(PASSWORD)).await;
        assert_eq!(step.map(drop), Err(AuthError::InvalidCredentials));
    }

    #[tokio::test]
    async fn a_choice_only_client_gets_the_password_through_user_auth() {
        let initiate = mock!(Client::initiate_auth).then_compute_response(|input| {
            let params = input.auth_parameters().expect("parameters");
            match input.auth_flow() {
                Some(AuthFlowType::UserAuth) => {
                    assert_eq!(params["PREFERRED_CHALLENGE"], "PASSWORD");
                    assert_eq!(params["PASSWORD"], PASSWORD);
                    MockResponse::Output(InitiateAuthOutput::builder().authentication_result(signed_in()).build())
                }
                _ => MockResponse::Http(aws_error(
                    "InvalidParameterException",
                    "USER_PASSWORD_AUTH flow not enabled for this client",
                )),
            }
        });
        let cognito = cognito(&[&initiate], None).with_password_flow(Some(PasswordFlow::UserAuth));
        let step = cognito.sign_in(NOBODY, &email(), &password(PASSWORD)).await;
        assert!(matches!(step, Ok(AuthStep::Tokens(_))), "{step:?}");
        assert_eq!(initiate.num_calls(), 1);
    }
}

/// Two client secrets while they are rotated: Cognito refuses the first ("Unable to verify
/// secret hash"), the second is tried for that call and kept; with one wrong secret, the person
/// is told of a fault, not of a wrong password.
#[cfg(test)]
mod two_secrets {
    use super::tests::signed_in;
    use super::*;
    use crate::secret_hash::ClientSecret;
    use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
    use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    fn refused() -> HttpResponse {
        let body = r#"{"__type":"NotAuthorizedException","message":"Unable to verify secret hash for client client"}"#;
        let mut response = HttpResponse::new(StatusCode::try_from(400).expect("status"), SdkBody::from(body));
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.1");
        response
    }

    #[tokio::test]
    async fn the_second_secret_is_tried_once_and_kept() {
        let new = ClientSecret::new("the-new-secret".into()).hash("ada@example.com", "client");
        let initiate = mock!(Client::initiate_auth).then_compute_response(move |input| {
            let params = input.auth_parameters().expect("parameters");
            if params.get("SECRET_HASH") == Some(&new) {
                MockResponse::Output(InitiateAuthOutput::builder().authentication_result(signed_in()).build())
            } else {
                MockResponse::Http(refused())
            }
        });
        let client: Client = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&initiate]);
        let email = Email::parse("ada@example.com").expect("valid");
        let password = Password::for_sign_in("Correct-Horse-9".into()).expect("a password");
        let caller = Caller { ip: None };
        let cognito = Cognito::new(
            client.clone(),
            "eu-west-1_Pool1".into(),
            "client".into(),
            Some(ClientSecret::new("the-old-secret".into())),
        )
        .with_second_secret(ClientSecret::new("the-new-secret".into()))
        .with_password_flow(Some(PasswordFlow::Password));
        let first = cognito.sign_in(caller, &email, &password).await;
        assert!(matches!(first, Ok(AuthStep::Tokens(_))), "{first:?}");
        assert_eq!(
            initiate.num_calls(),
            2,
            "refused with the first, signed in with the second"
        );
        let again = cognito.clone().sign_in(caller, &email, &password).await;
        assert!(matches!(again, Ok(AuthStep::Tokens(_))), "{again:?}");
        assert_eq!(initiate.num_calls(), 3, "the second is kept");

        // One secret, and it is wrong: a fault of the server's set-up, said as one.
        let wrong = Cognito::new(
            client,
            "eu-west-1_Pool1".into(),
            "client".into(),
            Some(ClientSecret::new("the-old-secret".into())),
        )
        .with_password_flow(Some(PasswordFlow::Password));
        assert_eq!(
            wrong.sign_in(caller, &email, &password).await.map(drop),
            Err(AuthError::Internal)
        );
        assert_eq!(initiate.num_calls(), 4, "asked once");
    }
}
