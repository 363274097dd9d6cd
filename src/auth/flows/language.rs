//! The language switch in the header: a plain form post, so it works without JavaScript. The
//! choice is kept in the `lang` cookie (it wins over `Accept-Language`, see `crate::i18n`) and,
//! for a signed-in person, in their `locale` attribute, so that the e-mails Cognito sends them
//! from then on (the CustomMessage Lambda) are in the same language.

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::context::{redirect_to, session, set_cookies, state};

/// How long the choice is kept: a year, renewed with every switch.
#[cfg(feature = "ssr")]
const KEEP_FOR_DAYS: i64 = 365;

/// Switches to `lang` (`en`, `ja`) and sends the person back to `next`, the page they were on.
#[server(prefix = "/auth", endpoint = "language")]
pub async fn set_language(lang: String, next: String) -> Result<(), AppError> {
    use crate::i18n::{COOKIE, Language};
    let state = state()?;
    let back = if next.is_empty() {
        "/".to_owned()
    } else {
        crate::auth::validate::safe_next(Some(&next))
    };
    // A tag that is not ours (a hand-made post) changes nothing.
    let Some(language) = Language::from_tag(&lang) else {
        redirect_to(&back, &[]);
        return Ok(());
    };
    let cookie = cookie::Cookie::build((COOKIE, language.tag()))
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::days(KEEP_FOR_DAYS))
        .build();
    if let Ok(value) = http::HeaderValue::from_str(&cookie.encoded().to_string()) {
        set_cookies(vec![value]);
    }
    if let Some(session) = session() {
        // Once per session and language: switching back and forth (or a script posting the
        // switch) costs Cognito one write per change, not one per post.
        let now = state.clock.now().max(0) as u64;
        let written = state.locales_written.get(&session.session_id, now);
        if written.as_deref() != Some(language.tag()) {
            // The page switches whatever Cognito says; the e-mails just keep the old language.
            match state.cognito.set_locale(&session.access_token, language.tag()).await {
                Ok(()) => state.locales_written.insert(
                    session.session_id.clone(),
                    session.expires_at.max(0) as u64,
                    language.tag().to_owned(),
                    now,
                ),
                Err(e) => tracing::warn!(error = %e, "could not store the language in the locale attribute"),
            }
        }
    }
    redirect_to(&back, &[]);
    Ok(())
}
