//! Cross-site request refusal for the server functions under `/auth/`.
//!
//! The session cookies are `SameSite=Lax`, which already keeps them off cross-site POSTs; this
//! is the second lock, and it also covers server functions that need no session (sign-up,
//! sign-in: login CSRF). Browsers send `Sec-Fetch-Site` on every request since 2023; older ones
//! send `Origin` on POSTs. A same-origin form posted without JavaScript passes both checks.
//! Applied by the server-function guard in `crate::router`.

use axum::extract::Request;
use axum::http::header;

/// The prefix every server function of the app is mounted under.
pub const SERVER_FN_PREFIX: &str = "/auth/";

pub fn is_cross_site(request: &Request, app_url: &str) -> bool {
    if let Some(site) = request.headers().get("sec-fetch-site") {
        // `none` is a navigation the person started (typed URL, bookmark).
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match request.headers().get(header::ORIGIN) {
        Some(origin) => origin.as_bytes() != app_url.as_bytes(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method("POST").uri("/auth/sign-in");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).expect("request")
    }

    const APP: &str = "http://127.0.0.1:3000";

    #[test]
    fn same_origin_posts_pass() {
        assert!(!is_cross_site(&request(&[("sec-fetch-site", "same-origin")]), APP));
        assert!(!is_cross_site(&request(&[("origin", APP)]), APP));
        // No browser headers at all (curl, tests): SameSite cookies are the guard there.
        assert!(!is_cross_site(&request(&[]), APP));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(is_cross_site(&request(&[("sec-fetch-site", "cross-site")]), APP));
        assert!(is_cross_site(&request(&[("sec-fetch-site", "same-site")]), APP));
        assert!(is_cross_site(&request(&[("origin", "https://evil.example")]), APP));
        assert!(is_cross_site(&request(&[("origin", "null")]), APP));
    }
}
