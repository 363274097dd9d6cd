//! The server functions, one file per flow. Each is a `#[server]` function: the server build
//! runs its body. The browser posts to it as a form, with JavaScript or without.
//!
//! Each validates its input with [`crate::auth::validate`] before Cognito is called and answers
//! with an [`crate::error::AppError`] a person can read. They are POST (Leptos' default) and
//! sit under `/auth/`, where `crate::auth::csrf` refuses cross-site requests. With JavaScript,
//! the form's island posts the same fields (`components::FormAction`) and shows errors inline;
//! without it, the browser posts the form and is redirected — to the next page on success, back
//! to the form with `?error=…` on failure. The
//! two ends of a round trip through the pool (`federation.rs`) are `GET`: a link starts it and the
//! pool's redirect ends it, both top-level navigations that the `state` check, not `csrf`, guards.

pub mod account;
mod challenges;
mod federation;
mod language;
mod passkeys;
mod password_reset;
#[cfg(feature = "ssr")]
pub(crate) mod pending;
mod sign_in;
mod sign_up;

pub use account::*;
pub use challenges::*;
pub use federation::*;
pub use language::*;
pub use passkeys::*;
pub use password_reset::*;
pub use sign_in::*;
pub use sign_up::*;
