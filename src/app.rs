//! The HTML shell, `<App/>` and the routes.

use crate::components::Header;
use crate::pages::{
    AccountPage, ChooseMethodPage, ConfirmPage, HomePage, NewPasswordPage, NotFound, PasswordResetPage, ProtectedPage,
    SetUpAuthenticatorPage, SignInCodePage, SignInPage, SignUpPage,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    // The request (read once: the context hands out a copy of it).
    #[cfg(feature = "ssr")]
    let request = use_context::<http::request::Parts>();
    // The request's language, for every component of the page (`i18n::language`). Islands read
    // it back from `<html lang>` in the browser.
    #[cfg(feature = "ssr")]
    provide_context(
        request
            .as_ref()
            .map(|parts| crate::i18n::request_language(&parts.headers))
            .unwrap_or_default(),
    );
    let lang = crate::i18n::language();
    // Only a page with islands loads the wasm (`routes::has_islands`). One without is marked as
    // live as it gets from the start, as the wasm would mark it.
    #[cfg(feature = "ssr")]
    let islands = request.is_none_or(|parts| crate::routes::has_islands(parts.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let islands = true;
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag() data-hydrated=(!islands).then_some("true")>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <InlineStylesheet options=options.clone()/>
                {islands.then(|| view! { <HydrationScripts options islands=true/> })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The stylesheet inside the page (see [`stylesheet`] for why), with this response's nonce.
#[component]
fn InlineStylesheet(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let css = stylesheet(&options).to_string();
    #[cfg(not(feature = "ssr"))]
    let css = {
        let _ = options;
        String::new()
    };
    view! { <style id="leptos" nonce=leptos::nonce::use_nonce() inner_html=css></style> }
}

/// Sets this page's Content-Security-Policy: scripts only from this site or carrying the nonce
/// Leptos put on its own inline scripts for this response, wasm allowed to compile, nothing
/// framed, forms posting only here. In development the reload socket of `cargo leptos watch`
/// is allowed too. With the pool's domain (`COGNITO_DOMAIN`), forms may also end there: the
/// browser checks `form-action` on every redirect of a form's answer, and signing out of a
/// session made there goes on to the pool's `/logout`.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let state = use_context::<crate::state::AppState>();
    let production = state.as_ref().is_some_and(|s| s.config.production);
    let pool_domain = state
        .as_ref()
        .and_then(|s| s.config.federation.as_ref())
        .filter(|f| f.has_logout())
        .map(|f| format!(" {}", f.domain))
        .unwrap_or_default();
    let connect = if production {
        "'self'"
    } else {
        "'self' ws://127.0.0.1:* ws://localhost:*"
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; connect-src {connect}; object-src 'none'; base-uri 'none'; \
         form-action 'self'{pool_domain}; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
    // The page is in the language of the `lang` cookie or of Accept-Language (`crate::i18n`).
    response.append_header(
        http::header::VARY,
        http::HeaderValue::from_static("Accept-Language, Cookie"),
    );
}

/// The whole app, rendered on the server only: in islands mode the browser runs just the islands
/// inside the pages (see `pages`), so the router, the header and the page frames never ship as
/// wasm, and a link loads a whole page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title text="leptos-cognito"/>
        <Router>
            <Header/>
            <main>
                // Every page is rendered whole before it is sent (SsrMode::Async): out-of-order
                // streaming fills Suspense boundaries in with a script, so without JavaScript
                // the header and forms would stay empty; it is also what lets a missing session
                // become a real 302. The data they wait for is the server's own (cookies, the
                // policy read at start-up), so nothing is gained by streaming.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-up") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/confirm") view=ConfirmPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                    // The sign-in's challenges, one page each (see `crate::auth::ChallengeKind`).
                    <Route path=path!("/sign-in/code") view=SignInCodePage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/choose-method") view=ChooseMethodPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/new-password") view=NewPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/authenticator") view=SetUpAuthenticatorPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=PasswordResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/protected") view=ProtectedPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// The app's stylesheet, to be put inline in every page. A `<link>` to it would block the first
/// paint for one more round trip — on a slow mobile connection the sign-in form then appears
/// about 2 s later — for 1 KB (brotli) of CSS. Read once in production; in development on every
/// page, so `cargo leptos watch` shows a changed stylesheet on reload.
#[cfg(feature = "ssr")]
fn stylesheet(options: &LeptosOptions) -> std::sync::Arc<str> {
    static CACHED: std::sync::OnceLock<std::sync::Arc<str>> = std::sync::OnceLock::new();
    let read = || -> std::sync::Arc<str> {
        let name = format!("{}{}.css", options.output_name, hash_suffix(options, "css"));
        let path = std::path::Path::new(options.site_root.as_ref())
            .join(options.site_pkg_dir.as_ref())
            .join(name);
        match std::fs::read_to_string(&path) {
            Ok(css) => css.into(),
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "could not read the stylesheet");
                std::sync::Arc::from("")
            }
        }
    };
    if options.env == leptos::config::Env::PROD {
        CACHED.get_or_init(read).clone()
    } else {
        read()
    }
}

/// `.<hash>` for a bundle file when cargo-leptos hashed the names (`hash-files`): it writes the
/// hashes to a file beside the server binary, which is where Leptos' own components look too.
#[cfg(feature = "ssr")]
fn hash_suffix(options: &LeptosOptions, kind: &str) -> String {
    if !options.hash_files {
        return String::new();
    }
    let file = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())));
    let hashes = file.and_then(|f| std::fs::read_to_string(f).ok()).unwrap_or_default();
    hashes
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim() == kind)
        .map(|(_, hash)| format!(".{}", hash.trim()))
        .unwrap_or_default()
}
