//! The hook a verifier asks after every other check: has this token been revoked?

use crate::AccessClaims;
use std::future::Future;
use std::pin::Pin;

/// The check could not be made (a store that does not answer): the token is refused as
/// [`crate::TokenError::RevocationUnavailable`], never accepted unchecked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the revocation check is unavailable")]
pub struct Unavailable;

/// What [`RevocationCheck::is_revoked`] returns.
pub type RevocationFuture<'a> = Pin<Box<dyn Future<Output = Result<bool, Unavailable>> + Send + 'a>>;

/// Asked after a token passed every other check — remembered tokens too — with the claims it
/// carries: `aws-jwt-verify`'s `customJwtCheck`, for the one check a signature cannot give.
/// Cognito's own revocation (`RevokeToken`, `GlobalSignOut`) stops *Cognito* from accepting a
/// token; an API that verifies tokens itself accepts a signed-out session's access token until it
/// expires unless it asks something that knows — a store of sign-outs, shared by the API and
/// whatever signs people out.
///
/// `now` is the verifier's clock with its leeway taken off (Unix seconds): a revocation must
/// last as long as a token it covers still passes `exp` plus the leeway.
///
/// ```
/// use cognito_jwt::{AccessClaims, RevocationCheck, RevocationFuture};
/// use std::collections::HashSet;
/// use std::sync::{PoisonError, RwLock};
///
/// /// Families signed out on this process (a real one is shared: Redis, a database).
/// #[derive(Default)]
/// struct SignedOut(RwLock<HashSet<String>>);
///
/// impl RevocationCheck for SignedOut {
///     fn is_revoked<'a>(&'a self, claims: &'a AccessClaims, _now: i64) -> RevocationFuture<'a> {
///         // A writer that panicked left the set as it was: still read it (never "not revoked").
///         let set = self.0.read().unwrap_or_else(PoisonError::into_inner);
///         let revoked = claims.family().is_some_and(|f| set.contains(f));
///         Box::pin(async move { Ok(revoked) })
///     }
/// }
/// ```
pub trait RevocationCheck: Send + Sync + 'static {
    /// Whether the token these claims came from has been revoked.
    fn is_revoked<'a>(&'a self, claims: &'a AccessClaims, now: i64) -> RevocationFuture<'a>;
}
