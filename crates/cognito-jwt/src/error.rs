//! Why a token was refused.

/// Why a token was refused. Its text is safe to send to API clients (RFC 6750
/// `error_description`): it names the rule, never the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Longer than [`crate::MAX_TOKEN_BYTES`].
    #[error("the token is too large")]
    TooLarge,
    /// Not three base64url segments of JSON (a refresh token, a JWE, garbage).
    #[error("the token is not a signed JWT")]
    Malformed,
    /// Not RS256 (`none`, `HS256` and every other are refused before any key is looked up).
    #[error("the token's algorithm is not allowed")]
    Algorithm,
    /// No `kid` in the header.
    #[error("the token has no key id")]
    MissingKid,
    /// A `kid` the pool's JWKS does not list, even after fetching it again.
    #[error("the token's signing key is unknown")]
    UnknownKid,
    /// The JWKS could not be fetched, and no key for the token is cached: the token cannot be
    /// judged now (an API answers 503, not 401).
    #[error("the signing keys could not be fetched")]
    JwksUnavailable,
    /// The RS256 signature does not verify with the pool's key.
    #[error("the token's signature is invalid")]
    Signature,
    /// `exp` has passed (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `nbf` has not come yet (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iss` is not the configured issuer.
    #[error("the token's issuer is not accepted")]
    Issuer,
    /// `token_use` is not `access` where an access token was asked for.
    #[error("the token is not an access token")]
    NotAccessToken,
    /// `token_use` is not `id` where an ID token was asked for.
    #[error("the token is not an ID token")]
    NotIdToken,
    /// `client_id` (access) or `aud` (ID) is not one of the configured app clients.
    #[error("the token was issued to another client")]
    Client,
    /// A claim is missing (`exp`, `sub`) or of the wrong type.
    #[error("the token's claims are invalid")]
    Claims,
    /// The [`crate::RevocationCheck`] refused it (signed out).
    #[error("the token has been revoked")]
    Revoked,
    /// The [`crate::RevocationCheck`] could not answer: a token that cannot be checked is not
    /// accepted (an API answers 503).
    #[error("the token's revocation cannot be checked right now")]
    RevocationUnavailable,
}

impl TokenError {
    /// Every reason, in the order of [`crate::Verifier::refusals`]. A slice, not an array: a
    /// reason added later is not a breaking change.
    pub const ALL: &'static [TokenError] = &[
        Self::TooLarge,
        Self::Malformed,
        Self::Algorithm,
        Self::MissingKid,
        Self::UnknownKid,
        Self::JwksUnavailable,
        Self::Signature,
        Self::Expired,
        Self::NotYetValid,
        Self::Issuer,
        Self::NotAccessToken,
        Self::NotIdToken,
        Self::Client,
        Self::Claims,
        Self::Revoked,
        Self::RevocationUnavailable,
    ];

    /// Its name in metrics and logs (`snake_case`).
    ///
    /// ```
    /// use cognito_jwt::TokenError;
    /// assert_eq!(TokenError::NotYetValid.label(), "not_yet_valid");
    /// assert_eq!(TokenError::ALL[TokenError::Expired.index()], TokenError::Expired);
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::Malformed => "malformed",
            Self::Algorithm => "algorithm",
            Self::MissingKid => "missing_kid",
            Self::UnknownKid => "unknown_kid",
            Self::JwksUnavailable => "jwks_unavailable",
            Self::Signature => "signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::Issuer => "issuer",
            Self::NotAccessToken => "not_access",
            Self::NotIdToken => "not_id",
            Self::Client => "client",
            Self::Claims => "claims",
            Self::Revoked => "revoked",
            Self::RevocationUnavailable => "revocation_unavailable",
        }
    }

    /// Its position in [`TokenError::ALL`].
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|e| *e == self).unwrap_or(0)
    }

    /// Whether the token could not be judged now (the JWKS or the revocation check was not
    /// reachable), rather than refused: an API answers 503 with `Retry-After`, not 401.
    pub fn is_unavailable(self) -> bool {
        matches!(self, Self::JwksUnavailable | Self::RevocationUnavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_label_and_place() {
        let mut labels: Vec<&str> = TokenError::ALL.iter().map(|e| e.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), TokenError::ALL.len());
        for (i, e) in TokenError::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
        }
    }
}
