//! Every page's path, named once: the server functions redirect to them, the pages link to them,
//! a challenge names its page with them. The router (`app.rs`) spells each in `path!`, which
//! takes only literals; a test below checks that every path here is routed there.

/// The home page: what this app shows, step by step.
pub const HOME: &str = "/";
/// Sign up.
pub const SIGN_UP: &str = "/sign-up";
/// Confirm a sign-up with the e-mailed code.
pub const CONFIRM: &str = "/confirm";
/// Sign in (password, passkey, e-mailed code, or a provider).
pub const SIGN_IN: &str = "/sign-in";
/// A sign-in code: authenticator app, e-mail or text message.
pub const SIGN_IN_CODE: &str = "/sign-in/code";
/// Choose how to receive the code.
pub const CHOOSE_METHOD: &str = "/sign-in/choose-method";
/// A new password the pool requires (an invited user's first sign-in).
pub const NEW_PASSWORD: &str = "/sign-in/new-password";
/// Set up an authenticator app the pool requires.
pub const SET_UP_AUTHENTICATOR: &str = "/sign-in/authenticator";
/// Reset a forgotten password.
pub const FORGOT_PASSWORD: &str = "/forgot-password";
/// The protected page (the server calls the token-checked API for it).
pub const PROTECTED: &str = "/protected";
/// The account page.
pub const ACCOUNT: &str = "/account";
/// The sign-out server function (`auth/flows/sign_in.rs`): its request never refreshes the
/// session, and goes through while the store is down.
pub const SIGN_OUT: &str = "/auth/sign-out";

/// Whether the page at `path` has islands (forms that hydrate). Only those pages load the
/// wasm: the home page, the protected page (its API panel is rendered by the server, its
/// clocks tick with `public/protected.js`) and the not-found page are plain HTML, so their
/// first visit costs the page and nothing else. A page that gains an island belongs here: the
/// integration tests render every page and check that each loads the wasm exactly when it has
/// an island.
pub fn has_islands(path: &str) -> bool {
    // The router takes a path with a trailing slash as the same page.
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    matches!(
        path,
        SIGN_UP
            | CONFIRM
            | SIGN_IN
            | SIGN_IN_CODE
            | CHOOSE_METHOD
            | NEW_PASSWORD
            | SET_UP_AUTHENTICATOR
            | FORGOT_PASSWORD
            | ACCOUNT
    )
}

/// The two hand-written scripts in `public/`. Their names stay the same from one deploy to the
/// next (the bundle's carry a hash of their content), so browsers must ask whether a kept copy
/// is still the current one (`Cache-Control: no-cache`, see `crate::router`).
pub const PUBLIC_SCRIPTS: [&str; 2] = ["/passkeys.js", "/protected.js"];

/// Paths that never need the session: static files, the bearer-token API, the health check.
pub fn skips_session(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/api/")
        || matches!(path, "/health" | "/favicon.ico")
        || PUBLIC_SCRIPTS.contains(&path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_path_is_routed() {
        let router = include_str!("app.rs");
        for path in [
            super::HOME,
            super::SIGN_UP,
            super::CONFIRM,
            super::SIGN_IN,
            super::SIGN_IN_CODE,
            super::CHOOSE_METHOD,
            super::NEW_PASSWORD,
            super::SET_UP_AUTHENTICATOR,
            super::FORGOT_PASSWORD,
            super::PROTECTED,
            super::ACCOUNT,
        ] {
            assert!(
                router.contains(&format!("path!(\"{path}\")")),
                "{path} is not routed in app.rs"
            );
        }
    }

    #[test]
    fn a_page_has_islands_with_or_without_a_trailing_slash() {
        for path in [
            super::SIGN_IN,
            "/sign-in/",
            super::ACCOUNT,
            "/account/",
            super::SIGN_IN_CODE,
        ] {
            assert!(super::has_islands(path), "{path}");
        }
        for path in [super::HOME, super::PROTECTED, "/protected/", "/no-such-page", "//"] {
            assert!(!super::has_islands(path), "{path}");
        }
    }

    #[test]
    fn static_files_and_the_api_skip_the_session_and_the_sign_out_is_its_endpoint() {
        assert!(super::skips_session("/pkg/app.wasm"));
        assert!(super::skips_session("/api/me"));
        assert!(!super::skips_session("/protected"));
        assert!(!super::skips_session("/auth/sign-in"));
        let (prefix, endpoint) = super::SIGN_OUT.rsplit_once('/').expect("a path");
        let flows = include_str!("auth/flows/sign_in.rs");
        assert!(flows.contains(&format!("#[server(prefix = \"{prefix}\", endpoint = \"{endpoint}\")]")));
    }
}
