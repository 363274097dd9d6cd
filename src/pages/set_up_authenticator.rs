//! `/sign-in/authenticator`: the pool requires two-step sign-in and this person has no second
//! factor yet (MFA_SETUP). They add this site to an authenticator app — a QR code rendered on
//! the server, or the secret typed by hand — and enter the first code it shows.

use super::challenge::ChallengeGate;
use crate::auth::{ChallengeKind, VerifyMfaSetup};
use crate::components::{
    CodeField, ErrorBanner, MarkHydrated, SubmitButton, TotpInstructions, banner_error, field_error, query_error,
    use_form_error,
};
use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SetUpAuthenticatorPage() -> impl IntoView {
    let error = query_error();
    view! {
        <Title text="Set up two-step sign-in · leptos-cognito"/>
        <section class="card">
            <h1>"Set up two-step sign-in"</h1>
            <ChallengeGate kinds=&[ChallengeKind::MfaSetup] page=move |challenge| {
                let error = error.clone();
                view! {
                    <p>
                        "This site asks for a code from an authenticator app each time " <strong>{challenge.email}</strong>
                        " signs in. Add it to your app now (Google Authenticator, Microsoft Authenticator, 1Password, …)."
                    </p>
                    {challenge.totp.map(|totp| view! { <TotpInstructions totp/> })}
                    <CodeForm error/>
                }
            }/>
            <p><A href="/sign-in">"Start again"</A></p>
        </section>
    }
}

/// The first code, live in the browser.
#[island(lazy)]
fn CodeForm(error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<VerifyMfaSetup>::new();
    let error = use_form_error(move || action.value().get(), error);
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <ActionForm action>
            <CodeField label="Code from your authenticator app" error=field_error(error, Field::Code)/>
            <SubmitButton label="Turn on and sign in" busy_label="Checking…" pending=action.pending()/>
        </ActionForm>
    }
}
