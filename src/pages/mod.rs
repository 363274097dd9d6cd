//! One page per file, in the order of the scenario; the sign-in's challenge pages
//! (`sign_in_code`, `choose_method`, `new_password`, `set_up_authenticator`) share
//! `challenge.rs`.
//!
//! Each page is rendered on the server; its interactive part is an `#[island]`, the only code
//! of the page that runs in the browser. The sign-in form is in the main wasm: it is the page
//! everyone loads first. Every other island is `lazy`: `cargo leptos … --split` puts its code in
//! a chunk of its own, fetched only by the page that shows it. The protected page has no island
//! at all: its two clocks tick with `public/protected.js`.

mod account;
mod challenge;
mod choose_method;
mod confirm;
mod home;
mod new_password;
mod not_found;
mod password_reset;
mod protected;
mod set_up_authenticator;
mod sign_in;
mod sign_in_code;
mod sign_up;

pub use account::AccountPage;
pub use choose_method::ChooseMethodPage;
pub use confirm::ConfirmPage;
pub use home::HomePage;
pub use new_password::NewPasswordPage;
pub use not_found::NotFound;
pub use password_reset::PasswordResetPage;
pub use protected::ProtectedPage;
pub use set_up_authenticator::SetUpAuthenticatorPage;
pub use sign_in::SignInPage;
pub use sign_in_code::SignInCodePage;
pub use sign_up::SignUpPage;
