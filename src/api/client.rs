//! The browser's side of the API: one `fetch` with the bearer token.

use super::{ApiErrorBody, Me};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// `GET /api/me` with `Authorization: Bearer <access_token>`. Errors are ready to show.
pub async fn me(access_token: &str) -> Result<Me, String> {
    let unreachable = |_| "The API could not be reached. Check your connection and try again.".to_owned();
    let headers = Headers::new().map_err(unreachable)?;
    headers
        .set("Authorization", &format!("Bearer {access_token}"))
        .map_err(unreachable)?;
    headers.set("Accept", "application/json").map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init("/api/me", &init).map_err(unreachable)?;
    let window = web_sys::window().ok_or_else(|| "No browser window.".to_owned())?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(unreachable)?
        .dyn_into()
        .map_err(unreachable)?;
    let text = JsFuture::from(response.text().map_err(unreachable)?)
        .await
        .map_err(unreachable)?;
    let text = text.as_string().unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| "The API answered something unexpected.".to_owned())
    } else {
        let reason = serde_json::from_str::<ApiErrorBody>(&text)
            .map(|b| b.error_description)
            .unwrap_or_else(|_| format!("status {}", response.status()));
        Err(format!("The API refused the call: {reason}."))
    }
}
