//! What an axum API with `jsonwebtoken` costs when written the plain way, as most tutorials do:
//! `GET /health` and `GET /api/me` with the token checked by `jsonwebtoken::decode` (RS256, the
//! issuer, `token_use`, `client_id`), no middleware, no caches. `scripts/bench-api` runs it beside
//! the app on the same tokens and prints the app's cost as a ratio of this one: the floor.
//!
//!     api-floor ADDR JWKS_FILE ISSUER CLIENT_ID
//!
//! Benchmark tooling only: never part of the app.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

struct Floor {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
    client_id: String,
}

#[derive(Deserialize, Serialize)]
struct Claims {
    sub: String,
    client_id: String,
    token_use: String,
    exp: u64,
    #[serde(default, rename = "cognito:groups")]
    groups: Vec<String>,
}

async fn me(State(floor): State<Arc<Floor>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let key = jsonwebtoken::decode_header(token)
        .ok()
        .and_then(|h| h.kid)
        .and_then(|kid| floor.keys.get(&kid));
    let Some(key) = key else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match jsonwebtoken::decode::<Claims>(token, key, &floor.validation) {
        Ok(data) if data.claims.token_use == "access" && data.claims.client_id == floor.client_id => {
            Json(data.claims).into_response()
        }
        Ok(_) => StatusCode::UNAUTHORIZED.into_response(),
        Err(e) => (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, jwks, issuer, client_id] = args.as_slice() else {
        eprintln!("usage: api-floor ADDR JWKS_FILE ISSUER CLIENT_ID");
        return ExitCode::FAILURE;
    };
    let set: JwkSet = match std::fs::read_to_string(jwks).map(|text| serde_json::from_str(&text)) {
        Ok(Ok(set)) => set,
        Ok(Err(e)) => {
            eprintln!("{jwks}: not a JWKS: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("{jwks}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let keys = set
        .keys
        .iter()
        .filter_map(|jwk| Some((jwk.common.key_id.clone()?, DecodingKey::from_jwk(jwk).ok()?)))
        .collect();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.validate_aud = false;
    validation.leeway = 0;
    let floor = Arc::new(Floor {
        keys,
        validation,
        client_id: client_id.clone(),
    });
    let app = Router::new()
        .route("/health", get(health))
        .route("/api/me", get(me))
        .with_state(floor);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("could not listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
