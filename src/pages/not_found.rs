//! Any path the app does not know.

use crate::i18n::texts;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let t = texts();
    let ((before, after), link) = t.not_found.body;
    view! {
        <Title text=(t.site.title)(t.not_found.title)/>
        <section class="card">
            <h1>{t.not_found.heading}</h1>
            <p>{before} <A href="/">{link}</A> {after}</p>
        </section>
    }
}
