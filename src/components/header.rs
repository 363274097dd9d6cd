//! The site header: who is signed in and a sign-out button, or the sign-in / sign-up links, and
//! the language switch. Plain HTML from the server: every change of who is signed in (or of the
//! language) loads a whole new page.

use crate::auth::{SetLanguage, SignOut, get_current_user};
use crate::i18n::{Language, language, texts};
use crate::routes;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn Header() -> impl IntoView {
    let t = texts();
    let user = Resource::new(|| (), |_| get_current_user());
    view! {
        <header class="site-header">
            <A href="/">"leptos-cognito"</A>
            <nav aria-label=t.site.nav_label>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(user)) => {
                                view! {
                                    <span class="who">
                                        {t.site.signed_in_as.0} <strong>{user.email}</strong> {t.site.signed_in_as.1}
                                    </span>
                                    <A href=routes::PROTECTED>{t.site.protected}</A>
                                    <A href=routes::ACCOUNT>{t.site.account}</A>
                                    // A plain post: the server signs out and redirects home.
                                    <form method="post" action=SignOut::url() class="inline">
                                        <button type="submit" class="secondary">{t.site.sign_out}</button>
                                    </form>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <A href=routes::SIGN_IN>{t.site.sign_in}</A>
                                    <A href=routes::SIGN_UP>{t.site.sign_up}</A>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Suspense>
            </nav>
            <LanguageSwitch/>
        </header>
    }
}

/// Both languages, each named in itself; the current one is pressed. A plain form post that
/// comes back to this very page (path and query), now in the other language.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let current = language();
    let location = use_location();
    let (path, search) = (location.pathname.get_untracked(), location.search.get_untracked());
    let search = search.trim_start_matches('?');
    let here = if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    };
    view! {
        <form method="post" action=SetLanguage::url() class="inline language" aria-label=texts().site.language>
            <input type="hidden" name="next" value=here/>
            {Language::ALL
                .into_iter()
                .map(|l| {
                    view! {
                        <button
                            type="submit"
                            name="lang"
                            value=l.tag()
                            lang=l.tag()
                            class="secondary"
                            aria-pressed=if l == current { "true" } else { "false" }
                        >
                            {l.native_name()}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}
