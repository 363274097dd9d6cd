//! The server functions, one file per flow. Each is a `#[server]` function: the server build
//! runs its body, the browser build gets a stub that posts to it.

pub mod account;
mod challenges;
mod language;
mod password_reset;
mod sign_in;
mod sign_up;

pub use account::*;
pub use challenges::*;
pub use language::*;
pub use password_reset::*;
pub use sign_in::*;
pub use sign_up::*;
