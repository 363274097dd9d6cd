//! The browser's side of the API: one `fetch` with the bearer token.

use super::{ApiErrorBody, Me};
use crate::i18n::Language;
use crate::t;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// `GET /api/me` with `Authorization: Bearer <access_token>`. Errors are ready to show, in
/// `lang`; the API's own `error_description` is for developers and stays in the console.
pub async fn me(access_token: &str, lang: Language) -> Result<Me, String> {
    let unreachable = |_| t!(lang, protected.api_unreachable).to_owned();
    let headers = Headers::new().map_err(unreachable)?;
    headers
        .set("Authorization", &format!("Bearer {access_token}"))
        .map_err(unreachable)?;
    headers.set("Accept", "application/json").map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init("/api/me", &init).map_err(unreachable)?;
    let window = web_sys::window().ok_or_else(|| unreachable(wasm_bindgen::JsValue::NULL))?;
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
        serde_json::from_str(&text).map_err(|_| t!(lang, protected.api_unexpected).to_owned())
    } else {
        let body = serde_json::from_str::<ApiErrorBody>(&text).ok();
        if let Some(body) = &body {
            web_sys::console::warn_1(&format!("GET /api/me: {}: {}", body.error, body.error_description).into());
        }
        Err(match body.as_ref().map(|b| b.error.as_str()) {
            Some("invalid_token") => t!(lang, protected.api_expired).to_owned(),
            _ => t!(lang, protected.api_refused)(response.status()),
        })
    }
}
