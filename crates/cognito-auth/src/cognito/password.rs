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
//! ([`super::pool::PoolFacts::password_flow`], [`Cognito::with_password_flow`]); when the client
//! cannot be read, each is tried in that order once, and the first the client does not refuse as
//! "not enabled" is remembered. Every challenge after any of them (MFA, a new password, an
//! authenticator to set up) is the same as after the first.

use super::*;
use crate::AuthError;
use aws_cognito_srp::{SrpClient, User};
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
    /// The order the app prefers them in (and tries them in, when the client cannot be read).
    pub const ORDER: [PasswordFlow; 3] = [PasswordFlow::Password, PasswordFlow::UserAuth, PasswordFlow::Srp];

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
    /// A real answer (a wrong password, a challenge's failure, Cognito unreachable).
    Failed(AuthError),
}

impl From<AuthError> for Tried {
    fn from(err: AuthError) -> Self {
        Self::Failed(err)
    }
}

/// A refusal of the flow itself: AWS says `InvalidParameterException` "… flow not enabled for
/// this client"; an emulator without the flow answers `Unsupported`.
fn flow_refused<E: ProvideErrorMetadata>(err: &SdkError<E, impl fmt::Debug>) -> bool {
    let SdkError::ServiceError(service) = err else {
        return false;
    };
    let err = service.err();
    match err.code() {
        Some("Unsupported") => true,
        Some("InvalidParameterException") => err.message().is_some_and(|m| m.contains("not enabled")),
        _ => false,
    }
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
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(&self, caller: Caller, email: &Email, password: &Password) -> Result<AuthStep, AuthError> {
        // The flow the client was read to allow first; were it refused after all (the client
        // changed, an emulator that reports flows it lacks), the others in order, once.
        let known = self.password_flow();
        let order = known
            .into_iter()
            .chain(PasswordFlow::ORDER.into_iter().filter(|flow| Some(*flow) != known));
        for flow in order {
            match self.sign_in_by(flow, caller, email, password).await {
                Err(Tried::NotEnabled) => continue,
                // Cognito could not be asked: nothing learnt about the client.
                Err(Tried::Failed(err @ (AuthError::Unavailable | AuthError::Throttled))) => return Err(err),
                outcome => {
                    if Some(flow) != known {
                        tracing::info!(flow = flow.name(), "password sign-in: the app client allows this flow");
                        self.password_flow.0.store(flow.to_u8(), Ordering::Relaxed);
                    }
                    return outcome.map_err(|tried| match tried {
                        Tried::Failed(err) => err,
                        Tried::NotEnabled => AuthError::NotEnabled,
                    });
                }
            }
        }
        tracing::error!("the app client allows no password sign-in (USER_PASSWORD_AUTH, USER_AUTH, USER_SRP_AUTH)");
        Err(AuthError::NotEnabled)
    }

    async fn sign_in_by(
        &self,
        flow: PasswordFlow,
        caller: Caller,
        email: &Email,
        password: &Password,
    ) -> Result<AuthStep, Tried> {
        let first = match flow {
            PasswordFlow::Password => AuthFlowType::UserPasswordAuth,
            PasswordFlow::UserAuth => AuthFlowType::UserAuth,
            PasswordFlow::Srp => AuthFlowType::UserSrpAuth,
        };
        // The SRP exchange's secret `a` lives only as long as this sign-in.
        let srp = (flow == PasswordFlow::Srp).then(|| {
            SrpClient::new(
                User::new(&self.user_pool_id, email.as_str(), password.expose()),
                &self.client_id,
                None,
            )
        });
        let srp_a = srp.as_ref().map(|srp| srp.get_auth_parameters().a);
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
                    (PasswordFlow::UserAuth, _) => request
                        .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
                        .auth_parameters("PASSWORD", password.expose()),
                    _ => request.auth_parameters("PASSWORD", password.expose()),
                };
                // The first step names the user by what they typed: the hash is over the e-mail.
                if let Some(hash) = self.secret_hash(email.as_str()) {
                    request = request.auth_parameters("SECRET_HASH", hash);
                }
                request.send()
            })
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(err) if flow_refused(&err) => {
                tracing::info!(flow = flow.name(), "the app client does not allow this password flow");
                return Err(Tried::NotEnabled);
            }
            Err(err) => return Err(fail(Op::SignIn, err).into()),
        };
        match (&out.challenge_name, srp) {
            (Some(ChallengeNameType::PasswordVerifier), Some(srp)) => {
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
                let proof = srp.verify(block, user_id, salt, b).map_err(|e| {
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
                ];
                // From here on the user is named by Cognito's own username (USER_ID_FOR_SRP),
                // and so is the hash.
                Ok(self
                    .respond_in(
                        Op::SignIn,
                        caller,
                        ChallengeNameType::PasswordVerifier,
                        out.session.as_deref(),
                        user_id,
                        responses,
                    )
                    .await?)
            }
            // The choice-based sign-in offered a choice after all: the password it is.
            (Some(ChallengeNameType::SelectChallenge), _) => {
                let params = out.challenge_parameters.unwrap_or_default();
                let username = params
                    .get("USERNAME")
                    .filter(|u| !u.is_empty())
                    .map_or(email.as_str(), String::as_str);
                let responses = [
                    ("ANSWER".to_owned(), "PASSWORD".to_owned()),
                    ("PASSWORD".to_owned(), password.expose().to_owned()),
                ];
                Ok(self
                    .respond_in(
                        Op::SignIn,
                        caller,
                        ChallengeNameType::SelectChallenge,
                        out.session.as_deref(),
                        username,
                        responses,
                    )
                    .await?)
            }
            _ => Ok(step_from(
                Op::SignIn,
                out.authentication_result,
                out.challenge_name,
                out.session,
                out.challenge_parameters,
                email.as_str(),
            )?),
        }
    }
}

/// A Cognito that verifies SRP as AWS does, on the SDK's own wire shapes (aws-smithy-mocks): the
/// server's half of the exchange, written here from the protocol (RFC 5054's 3072-bit group,
/// `k = H(N | g)`, `x = H(salt | H(pool | user | ":" | password))`, Cognito's HKDF and claim
/// signature), against the client's half, which is `aws-cognito-srp`'s and not written here: a
/// sign-in goes through only when the two compute the same key.
#[cfg(test)]
mod tests {
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
    const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
    const POOL: &str = "eu-west-1_Srp1Pool";
    const USER_ID: &str = "7c2f1e9a-0b5d-4c3e-9f1a-2d4b6c8e0a13";
    const PASSWORD: &str = "Correct-Horse-9";
    const SECRET: &str = "the-client-secret";

    fn h(parts: &[&[u8]]) -> Vec<u8> {
        let mut d = Sha256::new();
        for p in parts {
            d.update(p);
        }
        d.finalize().to_vec()
    }

    fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }

    /// Big-endian bytes with a 0 in front when the first byte's high bit is set (Cognito's `padHex`).
    fn pad(n: &BigUint) -> Vec<u8> {
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

    fn aws_error(exception: &str, message: &str) -> HttpResponse {
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
                        .authentication_result(
                            AuthenticationResultType::builder()
                                .access_token("access")
                                .id_token("id")
                                .refresh_token("refresh")
                                .build(),
                        )
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
        // USER_PASSWORD_AUTH and USER_AUTH refused as not enabled, then SRP.
        assert_eq!(initiate.num_calls(), 3);
        assert_eq!(cognito.password_flow(), Some(PasswordFlow::Srp));
        let again = cognito.clone().sign_in(NOBODY, &email(), &password(PASSWORD)).await;
        assert!(matches!(again, Ok(AuthStep::Tokens(_))), "{again:?}");
        assert_eq!(initiate.num_calls(), 4, "the second sign-in goes straight to SRP");
    }

    #[tokio::test]
    async fn a_choice_only_client_gets_the_password_through_user_auth() {
        let initiate = mock!(Client::initiate_auth).then_compute_response(|input| {
            let params = input.auth_parameters().expect("parameters");
            match input.auth_flow() {
                Some(AuthFlowType::UserAuth) => {
                    assert_eq!(params["PREFERRED_CHALLENGE"], "PASSWORD");
                    assert_eq!(params["PASSWORD"], PASSWORD);
                    MockResponse::Output(
                        InitiateAuthOutput::builder()
                            .authentication_result(
                                AuthenticationResultType::builder()
                                    .access_token("a")
                                    .id_token("i")
                                    .refresh_token("r")
                                    .build(),
                            )
                            .build(),
                    )
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
                MockResponse::Output(
                    InitiateAuthOutput::builder()
                        .authentication_result(
                            AuthenticationResultType::builder()
                                .access_token("a")
                                .id_token("i")
                                .refresh_token("r")
                                .build(),
                        )
                        .build(),
                )
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
