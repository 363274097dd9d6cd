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
    leptos::mount::hydrate_body(app::App);
}
