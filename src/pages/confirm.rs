//! `/confirm`: the e-mailed 6-digit code, and "send a new code".

use crate::auth::{ConfirmSignUp, ResendCode};
use crate::components::{
    CodeField, EmailField, ErrorBanner, MarkHydrated, Notice, SubmitButton, banner_error, field_error, query_error,
    query_value, use_form_error,
};
use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ConfirmPage() -> impl IntoView {
    view! {
        <Title text="Confirm your account · leptos-cognito"/>
        <section class="card">
            <h1>"Confirm your account"</h1>
            <ConfirmForms email=query_value("email") notice=query_value("notice") error=query_error()/>
            <p class="small">
                "Running on the local emulator? cognito-local prints the code in its log; no e-mail is sent."
            </p>
            <p>"Already confirmed? " <A href="/sign-in">"Sign in"</A></p>
        </section>
    }
}

/// Both forms of the page, live in the browser. They share the e-mail: the one typed in the
/// confirmation form also goes with "send a new code".
#[island(lazy)]
fn ConfirmForms(email: String, notice: String, error: Option<AppError>) -> impl IntoView {
    let confirm = ServerAction::<ConfirmSignUp>::new();
    let resend = ServerAction::<ResendCode>::new();
    let confirm_error = use_form_error(move || confirm.value().get(), error);
    let resend_error = Memo::new(move |_| resend.value().get().and_then(Result::err));
    let typed = RwSignal::new(email.clone());

    let notice = Signal::derive(move || {
        if resend.value().get().is_some_and(|r| r.is_ok()) {
            return Some("We sent a new code. Check your e-mail.".to_owned());
        }
        match notice.as_str() {
            "code_sent" => Some(format!(
                "We sent a 6-digit code to {}. Enter it below to confirm your account.",
                typed.get()
            )),
            "code_resent" => Some("We sent a new code. Check your e-mail.".to_owned()),
            "not_confirmed" => Some("Your account is not confirmed yet. Enter the code we e-mailed you.".to_owned()),
            _ => None,
        }
    });
    let banner = Signal::derive(move || {
        banner_error(confirm_error)
            .get()
            .or_else(|| resend_error.get().map(|e| e.to_string()))
    });

    view! {
        <MarkHydrated/>
        <Notice text=notice/>
        <ErrorBanner error=banner/>
        <ActionForm action=confirm>
            <EmailField value=email error=field_error(confirm_error, Field::Email) on_input=Callback::new(move |v| typed.set(v))/>
            <CodeField label="Confirmation code" hint="The 6-digit code from the e-mail." error=field_error(confirm_error, Field::Code)/>
            <SubmitButton label="Confirm" busy_label="Confirming…" pending=confirm.pending()/>
        </ActionForm>
        <ActionForm action=resend attr:class="inline">
            <input type="hidden" name="email" value=move || typed.get()/>
            <button type="submit" class="link" disabled=move || resend.pending().get()>
                "Send a new code"
            </button>
        </ActionForm>
    }
}
