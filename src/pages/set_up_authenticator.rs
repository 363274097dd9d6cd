//! `/sign-in/authenticator`: the pool requires two-step sign-in and this person has no second
//! factor yet (MFA_SETUP). They add this site to an authenticator app — a QR code rendered on
//! the server, or the secret typed by hand — and enter the first code it shows.

use super::challenge::ChallengeGate;
use crate::auth::{ChallengeKind, VerifyMfaSetup};
use crate::components::{
    CodeField, ErrorBanner, Form, FormAction, MarkHydrated, SubmitButton, TotpInstructions, banner_error, field_error,
    query_error, use_form_error,
};
use crate::error::{AppError, Field};
use crate::i18n::{language, texts};
use crate::routes;
use crate::t;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SetUpAuthenticatorPage() -> impl IntoView {
    let error = query_error();
    let t = texts();
    view! {
        <Title text=(t.site.title)(t.challenge.set_up_heading)/>
        <section class="card">
            <h1>{t.challenge.set_up_heading}</h1>
            <ChallengeGate kinds=&[ChallengeKind::MfaSetup] page=move |challenge| {
                let error = error.clone();
                view! {
                    <p>{t.challenge.set_up_intro.0} <strong>{challenge.email}</strong> {t.challenge.set_up_intro.1}</p>
                    {challenge.totp.map(|totp| view! { <TotpInstructions totp/> })}
                    <CodeForm error/>
                }
            }/>
            <p><A href=routes::SIGN_IN>{t.form.start_again}</A></p>
        </section>
    }
}

/// The first code, live in the browser.
#[island(lazy)]
fn CodeForm(error: Option<AppError>) -> impl IntoView {
    let action = FormAction::new::<VerifyMfaSetup>();
    let error = use_form_error(move || action.value().get(), error);
    let lang = language();
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <Form action>
            <CodeField label=t!(lang, form.code_from_app) error=field_error(error, Field::Code)/>
            <SubmitButton label=t!(lang, challenge.turn_on) busy_label=t!(lang, form.checking) pending=action.pending()/>
        </Form>
    }
}
