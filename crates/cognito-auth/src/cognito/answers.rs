//! What a sign-in step answers: tokens, or the next challenge and its session.

use super::*;
use crate::AuthError;

/// Tokens from a successful sign-in or refresh.
#[derive(Clone)]
pub struct Tokens {
    /// The access token: what calls Cognito as the person (GetUser, the account's changes) and what the API checks.
    pub access_token: String,
    /// The ID token: who the person is (`sub`, `email`, `name`), for the session.
    pub id_token: String,
    /// Present on sign-in; a refresh leaves the refresh token as it was.
    pub refresh_token: Option<String>,
    /// A device Cognito began to track at this sign-in (`NewDeviceMetadata`, in pools that
    /// remember devices): confirm it ([`Cognito::confirm_device`]) and keep its secret.
    pub new_device: Option<NewDevice>,
    /// The device these tokens were issued to, when the sign-in named one that Cognito knew
    /// ([`Cognito::sign_in_on`]): its refresh token needs the device's key.
    pub device_key: Option<String>,
}

impl Tokens {
    /// Tokens as a sign-in issues them, with no device.
    pub fn new(access_token: String, id_token: String, refresh_token: Option<String>) -> Self {
        Self {
            access_token,
            id_token,
            refresh_token,
            new_device: None,
            device_key: None,
        }
    }

    /// The device the refresh token belongs to: the one named at sign-in, or the new one.
    pub fn device(&self) -> Option<&str> {
        self.device_key
            .as_deref()
            .or(self.new_device.as_ref().map(|d| d.key.as_str()))
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tokens(***)")
    }
}

pub(super) fn tokens_from(op: Op, result: Option<AuthenticationResultType>) -> Result<Tokens, AuthError> {
    let Some(result) = result else {
        // Neither tokens nor a challenge: a malformed answer, no session to create.
        tracing::warn!(?op, "cognito answered without tokens");
        return Err(AuthError::Internal);
    };
    match (result.access_token, result.id_token) {
        (Some(access_token), Some(id_token)) => Ok(Tokens {
            access_token,
            id_token,
            refresh_token: result.refresh_token,
            new_device: result
                .new_device_metadata
                .and_then(|d| match (d.device_key, d.device_group_key) {
                    (Some(key), Some(group_key)) => Some(NewDevice { key, group_key }),
                    _ => None,
                }),
            device_key: None,
        }),
        _ => {
            tracing::warn!(?op, "cognito answer lacks the access or ID token");
            Err(AuthError::Internal)
        }
    }
}

/// What Cognito answered a sign-in step with: the tokens, or the next challenge.
#[derive(Debug)]
pub enum AuthStep {
    /// Signed in: the tokens.
    Tokens(Tokens),
    /// Cognito asks for another step first (a second factor, a new password, an authenticator to set up).
    Challenge(Challenge),
}

/// A sign-in challenge: what Cognito asks next and what answering it takes. Kept by the server
/// in the encrypted challenge cookie (`auth::flows::pending`) between the pages of the sign-in.
#[derive(Clone, Serialize, Deserialize)]
pub struct Challenge {
    /// What Cognito asks for.
    pub kind: ChallengeKind,
    /// Cognito's `Session`: proves the earlier steps were passed. Never shown, never logged.
    pub session: String,
    /// The internal username the answers (and their `SECRET_HASH`) must name: Cognito's
    /// `USER_ID_FOR_SRP`, a UUID in pools that sign in with e-mail.
    pub username: String,
    /// Where a code was sent (`CODE_DELIVERY_DESTINATION`, already masked by Cognito).
    #[serde(default)]
    pub destination: Option<String>,
    /// `MFAS_CAN_CHOOSE` (SELECT_MFA_TYPE) or `MFAS_CAN_SETUP` (MFA_SETUP), as Cognito names them.
    #[serde(default)]
    pub options: Vec<String>,
    /// NEW_PASSWORD_REQUIRED: the attributes the person must give, without `userAttributes.`.
    #[serde(default)]
    pub required_attributes: Vec<String>,
    /// WEB_AUTHN: the `CREDENTIAL_REQUEST_OPTIONS` for the browser (public: a challenge, the
    /// relying party, the account's passkey ids). Handed to the page once, never kept in the cookie.
    #[serde(skip)]
    pub request_options: Option<String>,
    /// An e-mail code "sent" to an address Cognito has no code for (no such account, or no
    /// e-mail codes for it): the code page looks the same, and every code is wrong, so the
    /// form never tells who has an account.
    #[serde(default)]
    pub decoy: bool,
    /// The remembered device this sign-in named (`DEVICE_KEY`): every answer names it again, as
    /// Amazon's own client does, and the tokens at the end belong to it.
    #[serde(default)]
    pub device_key: Option<String>,
}

impl Challenge {
    /// The code page of an e-mail code that was never sent (see [`Challenge::decoy`]), with the
    /// address masked as [`mask_email`] masks a real one's. Its session and username are random,
    /// as long as Cognito's (a session of about 1,100 characters, a UUID), so that its sealed
    /// cookie is no shorter than a real one's (the cookies are also padded to whole kilobytes).
    pub fn decoy_email_code(email: &str) -> Self {
        use base64::Engine as _;
        let mut random = [0u8; 825 + 16];
        // The system's random source does not fail on the platforms this runs on; a decoy with
        // zeros would still look the same from outside.
        let _ = aws_lc_rs::rand::fill(&mut random);
        let (session, id) = random.split_at(825);
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let username = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        Self {
            kind: ChallengeKind::EmailOtp,
            session: base64::engine::general_purpose::STANDARD.encode(session),
            username,
            destination: Some(mask_email(email)),
            options: vec![],
            required_attributes: vec![],
            request_options: None,
            decoy: true,
            device_key: None,
        }
    }
}

/// An address as the e-mail-code page shows it, `a***@e***`: made here from what the person typed,
/// for a real code and a decoy alike. Cognito's own mask of a real account's address (and the
/// random one it makes for an unknown address) would tell the two apart.
pub fn mask_email(email: &str) -> String {
    let (name, domain) = email.split_once('@').unwrap_or((email, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(name), first(domain))
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Challenge")
            .field("kind", &self.kind)
            .field("options", &self.options)
            .field("required_attributes", &self.required_attributes)
            .finish_non_exhaustive()
    }
}

/// The challenge names this app answers; anything else (custom auth, device SRP) has no page here.
pub(super) fn challenge_kind(name: &ChallengeNameType) -> Option<ChallengeKind> {
    Some(match name {
        ChallengeNameType::NewPasswordRequired => ChallengeKind::NewPassword,
        ChallengeNameType::SoftwareTokenMfa => ChallengeKind::SoftwareToken,
        ChallengeNameType::EmailOtp => ChallengeKind::EmailOtp,
        ChallengeNameType::SmsMfa => ChallengeKind::SmsMfa,
        ChallengeNameType::SelectMfaType => ChallengeKind::SelectMfa,
        ChallengeNameType::MfaSetup => ChallengeKind::MfaSetup,
        ChallengeNameType::WebAuthn => ChallengeKind::Passkey,
        _ => return None,
    })
}

/// The internal username a challenge names: `USER_ID_FOR_SRP` on the password and MFA
/// challenges, `USERNAME` on others (and on some answers that carry only that). Both are the
/// internal name (a UUID in e-mail pools), which `SECRET_HASH` must be computed over.
pub(super) fn internal_username(params: &mut HashMap<String, String>) -> Option<String> {
    let srp = params.remove("USER_ID_FOR_SRP").filter(|u| !u.is_empty());
    let plain = params.remove("USERNAME").filter(|u| !u.is_empty());
    srp.or(plain)
}

/// Reads an `InitiateAuth` / `RespondToAuthChallenge` answer. `username` is the one the step
/// was about, used when Cognito names no user (neither `USER_ID_FOR_SRP` nor `USERNAME`).
pub(super) fn step_from(
    op: Op,
    result: Option<AuthenticationResultType>,
    name: Option<ChallengeNameType>,
    session: Option<String>,
    params: Option<HashMap<String, String>>,
    username: &str,
) -> Result<AuthStep, AuthError> {
    let Some(name) = name else {
        return tokens_from(op, result).map(AuthStep::Tokens);
    };
    let Some(kind) = challenge_kind(&name) else {
        tracing::warn!(
            ?op,
            challenge = name.as_str(),
            "cognito asked for a challenge this app cannot answer"
        );
        return Err(AuthError::UnsupportedChallenge);
    };
    let Some(session) = session else {
        tracing::warn!(?op, challenge = name.as_str(), "challenge without a session");
        return Err(AuthError::Internal);
    };
    let mut params = params.unwrap_or_default();
    let list = |value: Option<String>| -> Vec<String> {
        value
            .and_then(|v| serde_json::from_str::<Vec<String>>(&v).ok())
            .unwrap_or_default()
    };
    let required_attributes = list(params.remove("requiredAttributes"))
        .into_iter()
        .map(|a| a.strip_prefix("userAttributes.").unwrap_or(&a).to_owned())
        .collect();
    let options = list(
        params
            .remove("MFAS_CAN_CHOOSE")
            .or_else(|| params.remove("MFAS_CAN_SETUP")),
    );
    Ok(AuthStep::Challenge(Challenge {
        kind,
        session,
        username: internal_username(&mut params).unwrap_or_else(|| username.to_owned()),
        destination: params.remove("CODE_DELIVERY_DESTINATION"),
        options,
        required_attributes,
        request_options: params.remove("CREDENTIAL_REQUEST_OPTIONS"),
        decoy: false,
        device_key: None,
    }))
}

/// `step` of a sign-in that named the device `device`: a next challenge names it again, and
/// tokens belong to it (unless Cognito made a new one, [`Tokens::new_device`]).
pub(super) fn carry_device(step: AuthStep, device: Option<String>) -> AuthStep {
    let Some(device) = device else {
        return step;
    };
    match step {
        AuthStep::Tokens(mut tokens) => {
            if tokens.new_device.is_none() && tokens.device_key.is_none() {
                tokens.device_key = Some(device);
            }
            AuthStep::Tokens(tokens)
        }
        AuthStep::Challenge(mut challenge) => {
            challenge.device_key = Some(device);
            AuthStep::Challenge(challenge)
        }
    }
}
