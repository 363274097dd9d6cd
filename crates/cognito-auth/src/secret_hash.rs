//! The app client's secret and the `SECRET_HASH` Cognito asks for when a client has one.
//!
//! A server-rendered app is what AWS calls a confidential client, and its guide gives such a
//! client a secret. Then every public call must prove it knows the secret without sending it:
//! `SECRET_HASH = Base64(HMAC-SHA256(key = client secret, message = username ‖ client id))`.
//! Two calls take the raw secret instead (`RevokeToken`, `GetTokensFromRefreshToken`).
//!
//! The trap: the `username` is the one the call is about *as Cognito knows it*. On sign-up,
//! sign-in and the code e-mails that is what the person typed (their e-mail); on a challenge
//! answer and on a refresh it is the user's internal username (`USER_ID_FOR_SRP`, the access
//! token's `username`: a UUID in pools that sign in with e-mail). Real Cognito refuses the
//! e-mail there; the emulators accept anything, so only tests against real answers catch it.
//!
//! ```
//! use cognito_auth::secret_hash::ClientSecret;
//!
//! let secret = ClientSecret::new("a-client-secret".into());
//! // Sign-in: the e-mail the person typed. A challenge answer or a refresh: their internal username.
//! assert_eq!(secret.hash("ada@example.com", "client-1"), "3vhXcvP8EL3aaAJwI2IWfzsQ2Bqalmj5KvKoN99jBx0=");
//! assert_eq!(format!("{secret:?}"), "ClientSecret(***)");
//! ```

use aws_lc_rs::hmac;
use base64::Engine as _;

/// The app client's secret. Never printed, never logged, never sent to the browser.
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// The secret as Cognito shows it (`DescribeUserPoolClient`'s `ClientSecret`).
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// For the two calls that take the secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `SECRET_HASH` for `username` on the app client `client_id`.
    pub fn hash(&self, username: &str, client_id: &str) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.as_bytes());
        let mut context = hmac::Context::with_key(&key);
        context.update(username.as_bytes());
        context.update(client_id.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(context.sign().as_ref())
    }

    /// Compares with a secret read from Cognito in constant time (start-up check).
    pub fn matches(&self, other: &str) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(self.0.as_bytes(), other.as_bytes()).is_ok()
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed with Python's `hmac` (an independent implementation) from the formula
    // in AWS's "Computing secret hash values" page.
    #[test]
    fn matches_a_fixed_vector() {
        let secret = ClientSecret::new("a-client-secret".into());
        assert_eq!(
            secret.hash("ada@example.com", "client-1"),
            "3vhXcvP8EL3aaAJwI2IWfzsQ2Bqalmj5KvKoN99jBx0="
        );
        assert_eq!(
            secret.hash("7d5f3c1e-0000-4000-8000-000000000001", "client-1"),
            "DvuW5Ya1zRD5eCBbFrt3RhFWVICzvQdoT8aE8xvXEyo="
        );
    }

    #[test]
    fn is_never_printed() {
        let secret = ClientSecret::new("a-client-secret".into());
        assert_eq!(format!("{secret:?}"), "ClientSecret(***)");
        assert!(secret.matches("a-client-secret"));
        assert!(!secret.matches("a-client-secreT"));
        assert!(!secret.matches("short"));
    }
}
