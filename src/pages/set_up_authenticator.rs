//! `/sign-in/authenticator`: the pool requires two-step sign-in and this person has no second
//! factor yet (MFA_SETUP). They add this site to an authenticator app — a QR code rendered on
//! the server, or the secret typed by hand — and enter the first code it shows.

use super::challenge::ChallengeGate;
use crate::auth::{ChallengeKind, TotpSetup, VerifyMfaSetup};
use crate::components::{
    CodeField, ErrorBanner, MarkHydrated, SubmitButton, banner_error, field_error, query_error, use_form_error,
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

/// The QR code and the secret as text. Server HTML: the SVG is made on the server, and
/// nothing here needs the browser to run code.
#[component]
pub fn TotpInstructions(totp: TotpSetup) -> impl IntoView {
    view! {
        <ol class="steps">
            <li>
                "Scan this QR code with the app:"
                <div class="qr" inner_html=totp.qr_svg></div>
            </li>
            <li>
                "Or add an account by hand with this key (time-based):"
                <p><code class="secret" data-testid="totp-secret">{totp.secret_grouped}</code></p>
            </li>
            <li>"Enter the 6-digit code the app then shows."</li>
        </ol>
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
