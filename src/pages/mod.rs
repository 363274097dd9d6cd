//! One page per file, in the order of the scenario.

mod confirm;
mod forgot_password;
mod home;
mod not_found;
mod protected;
mod sign_in;
mod sign_up;

pub use confirm::ConfirmPage;
pub use forgot_password::ForgotPasswordPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use protected::ProtectedPage;
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
