//! leptos-cognito: an Amazon Cognito user pool in front of a Leptos + axum app.
//!
//! Both builds compile the shared modules; server-only modules are switched on here, once.

pub mod api;
pub mod app;
pub mod auth;
pub mod components;
pub mod error;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod state;

/// The browser's entry point: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A server function that succeeds redirects (sign-in → protected page, confirm → sign-in,
    // sign-out → home). Every one of those changes who is signed in, so the next page is loaded
    // whole, rendered by the server with the new cookies, instead of routed in the browser.
    // (It also sidesteps what we saw with Leptos 0.8's router here: a page routed to from a
    // server function's redirect re-used the previous page's inputs, values and all.)
    // Set before `<Router/>`, which only installs its own hook when none is set.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(location);
        }
    });
    leptos::mount::hydrate_body(app::App);
}
