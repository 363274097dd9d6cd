//! `/sign-in/code`: the second step of a sign-in — the code of an authenticator app
//! (SOFTWARE_TOKEN_MFA), or the one Cognito sent by e-mail (EMAIL_OTP) or text message
//! (SMS_MFA), with the wording for each.

use super::challenge::ChallengeGate;
use crate::auth::{AnswerMfaCode, ChallengeKind};
use crate::components::{
    CodeField, ErrorBanner, MarkHydrated, SubmitButton, banner_error, field_error, query_error, use_form_error,
};
use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

const KINDS: &[ChallengeKind] = &[
    ChallengeKind::SoftwareToken,
    ChallengeKind::EmailOtp,
    ChallengeKind::SmsMfa,
];

#[component]
pub fn SignInCodePage() -> impl IntoView {
    let error = query_error();
    view! {
        <Title text="Two-step sign-in · leptos-cognito"/>
        <section class="card">
            <h1>"Two-step sign-in"</h1>
            <ChallengeGate kinds=KINDS page=move |challenge| {
                let to = challenge.destination.clone().unwrap_or_else(|| "you".to_owned());
                let (intro, label) = match challenge.kind {
                    ChallengeKind::EmailOtp => (format!("We sent a sign-in code to {to}. Enter it below."), "Code from the e-mail"),
                    ChallengeKind::SmsMfa => (
                        format!("We sent a sign-in code by text message to {to}. Enter it below."),
                        "Code from the text message",
                    ),
                    _ => (
                        "Open your authenticator app and enter the 6-digit code it shows for this site.".to_owned(),
                        "Code from your authenticator app",
                    ),
                };
                view! {
                    <p>"Signing in as " <strong>{challenge.email}</strong> "."</p>
                    <p id="code-intro">{intro}</p>
                    <CodeForm label=label.to_owned() error=error.clone()/>
                }
            }/>
            <p><A href="/sign-in">"Start again"</A></p>
        </section>
    }
}

/// The code form, live in the browser: a pending button and the error next to the field.
#[island(lazy)]
fn CodeForm(label: String, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<AnswerMfaCode>::new();
    let error = use_form_error(move || action.value().get(), error);
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <ActionForm action>
            <CodeField label error=field_error(error, Field::Code)/>
            <SubmitButton label="Continue" busy_label="Checking…" pending=action.pending()/>
        </ActionForm>
    }
}
