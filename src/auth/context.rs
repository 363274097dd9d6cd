//! The browser-side view of identity: one [`AuthContext`] that holds the actions which change
//! who is signed in, and the current user, refetched whenever one of them completes. Every page
//! and the header read auth state from here.

use super::{CurrentUser, SignIn, SignOut, get_current_user};
use crate::error::AppError;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct AuthContext {
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

/// Creates the context; called once, by `<App/>`.
pub fn provide_auth() {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let user = Resource::new(
        move || (sign_in.version().get(), sign_out.version().get()),
        |_| get_current_user(),
    );
    provide_context(AuthContext {
        sign_in,
        sign_out,
        user,
    });
}

/// The auth context `<App/>` provides to every page.
pub fn use_auth() -> AuthContext {
    // `<App/>` provides it before any route renders, so it is always there.
    expect_context::<AuthContext>()
}
