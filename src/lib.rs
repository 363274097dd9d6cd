//! leptos-cognito: an Amazon Cognito user pool in front of a Leptos + axum app.
//!
//! Both builds compile the shared modules; server-only modules are switched on here, once.

pub mod api;
pub mod app;
pub mod auth;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod routes;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod refusals;
#[cfg(feature = "ssr")]
pub mod router;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod telemetry;

/// The browser's entry point. The app runs in islands mode: pages are HTML from the server, and
/// only the `#[island]` components in them (the forms) become live. Leptos' loader calls this, then hydrates every island on the page; a lazy island first
/// fetches its own chunk of wasm (see `pages`).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // No redirect hook: the islands post their forms with `components::FormAction`, which
    // follows a server function's redirect itself (a whole page load, rendered by the server
    // with the new cookies), not Leptos' server-function client.
    leptos::mount::hydrate_islands();
    // A page with islands is marked live by them (`components::MarkHydrated`); one without is
    // as live as it gets now.
    let document = web_sys::window().and_then(|w| w.document());
    if document.is_some_and(|d| d.query_selector("leptos-island").ok().flatten().is_none()) {
        components::mark_hydrated();
    }
}
