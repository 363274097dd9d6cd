//! How the server reaches the token-checked API on the page's behalf (see [`super::call`]):
//! in this process by default — the API's router is a tower `Service`, called with `oneshot`,
//! so there is no second socket and no port to keep private — or over HTTP to `API_URL` when
//! the API runs somewhere else. Either way the request is the one any client sends:
//! `GET /api/me` with `Authorization: Bearer <access token>`, verified by the API on its own.

use super::me::ApiState;
use super::{ApiAnswer, ApiCall, ApiErrorBody, Me};
use axum::body::Body;
use cognito_auth::session::Session;
use http::{HeaderValue, Request, StatusCode, header};
use std::time::Duration;
use tower::ServiceExt as _;

/// The one route the protected page calls.
pub const ME_PATH: &str = "/api/me";

/// The API's answers are a few hundred bytes; anything much larger is not the API.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// A remote API gets as long as a Cognito call (`crate::state::cognito_timeouts`): the page
/// waits at most this long.
const REMOTE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the API runs.
pub enum Upstream {
    /// The routes of [`super::server`] in this process.
    InProcess,
    /// Another server: `API_URL` (its origin, without a trailing slash).
    Remote { base: String, http: reqwest::Client },
}

impl Upstream {
    pub fn new(api_url: Option<&str>) -> Result<Self, reqwest::Error> {
        Ok(match api_url {
            None => Self::InProcess,
            Some(base) => Self::Remote {
                base: base.trim_end_matches('/').to_owned(),
                http: reqwest::Client::builder()
                    .timeout(REMOTE_TIMEOUT)
                    // The access token goes to exactly the configured origin, never to where a
                    // redirect points.
                    .redirect(reqwest::redirect::Policy::none())
                    .build()?,
            },
        })
    }
}

/// `GET /api/me` with the session's access token, and what the page may show of it: `api` is
/// the API's own state (for the call in this process), `upstream` where it runs.
pub async fn call_me(api: &ApiState, upstream: &Upstream, session: &Session) -> ApiCall {
    let (url, answer) = match upstream {
        Upstream::InProcess => (ME_PATH.to_owned(), in_process(api, &session.access_token).await),
        Upstream::Remote { base, http } => {
            let url = format!("{base}{ME_PATH}");
            let answer = remote(http, &url, &session.access_token).await;
            (url, answer)
        }
    };
    ApiCall {
        method: "GET".into(),
        url,
        token_bytes: session.access_token.len(),
        answer,
        expires_at: session.expires_at,
        refreshed_at: session.refreshed_at,
    }
}

async fn in_process(api: &ApiState, access_token: &str) -> ApiAnswer {
    let Ok(authorization) = HeaderValue::from_str(&format!("Bearer {access_token}")) else {
        // A token with bytes a header cannot carry never came from Cognito.
        return ApiAnswer::Refused {
            status: StatusCode::UNAUTHORIZED.as_u16(),
            error: "invalid_token".into(),
        };
    };
    let request = Request::get(ME_PATH)
        .header(header::AUTHORIZATION, authorization)
        .header(header::ACCEPT, "application/json")
        .body(Body::empty());
    let Ok(request) = request else {
        return ApiAnswer::Unreachable;
    };
    // The API's router, made for this call: it holds the state, so keeping one inside the
    // state would be a reference cycle. Building it is a few small allocations.
    let api = super::me::routes().with_state(api.clone());
    let response = match api.oneshot(request).await {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    };
    let status = response.status();
    match axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES).await {
        Ok(body) => read_answer(status, &body),
        Err(_) => ApiAnswer::Unexpected {
            status: status.as_u16(),
        },
    }
}

async fn remote(http: &reqwest::Client, url: &str, access_token: &str) -> ApiAnswer {
    let response = http
        .get(url)
        .bearer_auth(access_token)
        .header(header::ACCEPT, "application/json")
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        Err(e) => {
            // Without the URL's query or the token: reqwest's message names only the host.
            tracing::warn!(error = %e.without_url(), "the API could not be reached");
            return ApiAnswer::Unreachable;
        }
    };
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    if response
        .content_length()
        .is_some_and(|len| len > MAX_ANSWER_BYTES as u64)
    {
        return ApiAnswer::Unexpected {
            status: status.as_u16(),
        };
    }
    match response.bytes().await {
        Ok(body) if body.len() <= MAX_ANSWER_BYTES => read_answer(status, &body),
        Ok(_) => ApiAnswer::Unexpected {
            status: status.as_u16(),
        },
        Err(e) => {
            tracing::warn!(error = %e.without_url(), "the API's answer broke off");
            ApiAnswer::Unreachable
        }
    }
}

fn read_answer(status: StatusCode, body: &[u8]) -> ApiAnswer {
    if status.is_success() {
        return match serde_json::from_slice::<Me>(body) {
            Ok(me) => ApiAnswer::Me(me),
            Err(_) => ApiAnswer::Unexpected {
                status: status.as_u16(),
            },
        };
    }
    match serde_json::from_slice::<ApiErrorBody>(body) {
        Ok(refusal) => {
            // The description is for developers: it goes to the log, not to the page.
            tracing::info!(status = status.as_u16(), error = %refusal.error, description = %refusal.error_description, "the API refused the call");
            ApiAnswer::Refused {
                status: status.as_u16(),
                error: refusal.error,
            }
        }
        Err(_) => ApiAnswer::Unexpected {
            status: status.as_u16(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_by_status_and_shape() {
        let me = br#"{"sub":"s","username":"u","email":null,"groups":[],"scopes":[],"client_id":"c","expires_at":1,"issued_at":0}"#;
        assert!(matches!(read_answer(StatusCode::OK, me), ApiAnswer::Me(m) if m.sub == "s"));
        let refused = br#"{"error":"invalid_token","error_description":"the token has expired"}"#;
        assert_eq!(
            read_answer(StatusCode::UNAUTHORIZED, refused),
            ApiAnswer::Refused {
                status: 401,
                error: "invalid_token".into()
            }
        );
        assert_eq!(
            read_answer(StatusCode::OK, b"<html>proxy</html>"),
            ApiAnswer::Unexpected { status: 200 }
        );
        assert_eq!(
            read_answer(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>"),
            ApiAnswer::Unexpected { status: 502 }
        );
    }

    #[test]
    fn api_url_is_kept_as_an_origin_without_a_trailing_slash() {
        let Ok(Upstream::Remote { base, .. }) = Upstream::new(Some("https://api.example.com/")) else {
            panic!("a remote upstream");
        };
        assert_eq!(base, "https://api.example.com");
        assert!(matches!(Upstream::new(None), Ok(Upstream::InProcess)));
    }
}
