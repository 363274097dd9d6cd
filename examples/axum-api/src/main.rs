//! A plain axum API behind a Cognito user pool, with `cognito-jwt`: every route that takes
//! `Authenticated` answers only a valid access token of the pool and app client, and RFC 6750's
//! refusals to anything else.
//!
//! `COGNITO_ISSUER` (or `AWS_REGION` and `COGNITO_USER_POOL_ID`), `COGNITO_CLIENT_ID`,
//! `COGNITO_JWKS_URL` when the keys are not under the issuer (an emulator), and `ADDR`
//! (default 127.0.0.1:8080). Then: `curl -H "Authorization: Bearer $TOKEN" :8080/me`.

use axum::{Json, Router, routing::get};
use cognito_jwt::axum::{Authenticated, BearerError};
use cognito_jwt::{Verifier, VerifierConfig};
use serde_json::{Value, json};
use std::sync::Arc;

/// Who is calling: the token's claims.
async fn me(auth: Authenticated) -> Json<Value> {
    let claims = &auth.claims;
    Json(json!({ "sub": claims.sub, "username": claims.username, "groups": claims.groups }))
}

/// Only for the group `admins`: 403 `insufficient_scope` for anyone else.
async fn admin(auth: Authenticated) -> Result<&'static str, BearerError> {
    auth.require_group("admins")?;
    Ok("welcome, admin")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let client_id = var("COGNITO_CLIENT_ID")?;
    let mut config = match var("COGNITO_ISSUER") {
        Ok(issuer) => VerifierConfig::new(issuer, [client_id]),
        Err(_) => VerifierConfig::for_pool(&var("AWS_REGION")?, &var("COGNITO_USER_POOL_ID")?, [client_id]),
    };
    if let Ok(url) = var("COGNITO_JWKS_URL") {
        config = config.with_jwks_url(url);
    }
    let verifier = Arc::new(Verifier::new(config)?);
    let app = Router::new()
        .route("/me", get(me))
        .route("/admin", get(admin))
        .with_state(verifier);
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
