//! `/`: what the scenario is, which confirmation mode is active, and each step in order.

use crate::auth::ConfirmationModeWords as _;
use crate::auth::get_sign_up_settings;
use crate::components::{Notice, query_value};
use crate::i18n::texts;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let t = texts();
    let h = &t.home;
    let settings = Resource::new(|| (), |_| get_sign_up_settings());
    let notice = (query_value("notice") == "account_deleted").then(|| h.account_deleted.to_owned());
    // A step: the words around its link.
    let step = |((before, after), text): (crate::i18n::Around, &'static str), href: &'static str| {
        view! { <li>{before} <A href=href>{text}</A> {after}</li> }
    };
    let (protected_before, protected_link, protected_middle, protected_after) = h.step_protected;
    view! {
        <Title text="leptos-cognito"/>
        <section class="card wide">
            <Notice text=notice/>
            <h1>{h.heading}</h1>
            <p>{h.intro}</p>
            <Suspense fallback=move || view! { <p>{h.loading}</p> }>
                {move || Suspend::new(async move {
                    settings
                        .await
                        .ok()
                        .map(|s| {
                            view! {
                                <p class="mode" data-mode=format!("{:?}", s.mode).to_lowercase()>
                                    {h.mode.0} <strong>{s.mode.name(t)}</strong> {h.mode.1}
                                    {s.mode.describe(t)}
                                </p>
                            }
                        })
                })}
            </Suspense>
            <h2>{h.steps_heading}</h2>
            <ol class="steps">
                {step(h.step_sign_up, routes::SIGN_UP)}
                {step(h.step_confirm, routes::CONFIRM)}
                {step(h.step_sign_in, routes::SIGN_IN)}
                <li>
                    {protected_before} <A href=routes::PROTECTED>{protected_link}</A> {protected_middle}
                    <code>"GET /api/me"</code> {protected_after}
                </li>
                <li>{h.step_refresh}</li>
                {step(h.step_account, routes::ACCOUNT)}
                <li>{h.step_sign_out}</li>
            </ol>
        </section>
    }
}
