//! The axum router: Leptos pages and server functions, the API, and the layers around them.
//! Built by [`router`] so tests can send requests without opening a socket.

use crate::api;
use crate::app::{App, shell};
use crate::auth::csrf::refuse_cross_site;
use crate::auth::session::session_layer;
use crate::state::AppState;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use axum::{Json, Router, middleware};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let page = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .merge(api::server::routes())
        .route("/health", get(health))
        .leptos_routes_with_context(&state, routes, context, page)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.sessions.clone(), session_layer))
        .layer(middleware::from_fn_with_state(state.clone(), refuse_cross_site))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// For scripts and load balancers: the process is up and serving.
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}
