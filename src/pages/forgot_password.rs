//! `/forgot-password`: ask for a reset code, then set a new password with it. The first step
//! answers the same whether or not the e-mail has an account.

use crate::auth::{ForgotPassword, ResetPassword, get_sign_up_settings};
use crate::components::{
    CodeField, EmailField, ErrorBanner, MarkHydrated, Notice, PasswordField, SubmitButton, banner_error, field_error,
    query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = query_value("email");
    let error = query_error();
    let step = if query_value("step") == "reset" {
        let settings = Resource::new(|| (), |_| get_sign_up_settings());
        let notice = format!("If {email} has an account, we have e-mailed it a 6-digit code.");
        view! {
            <Notice text=Some(notice)/>
            <Suspense fallback=|| ()>
                {move || {
                    let (email, error) = (email.clone(), error.clone());
                    Suspend::new(async move {
                        let rules = settings
                            .await
                            .map(|s| s.policy.check("").into_iter().map(|r| r.label).collect::<Vec<_>>().join(", "))
                            .unwrap_or_default();
                        view! { <ResetForm email rules error/> }
                    })
                }}
            </Suspense>
        }
        .into_any()
    } else {
        view! {
            <p>"Enter your e-mail address and we will send you a code to set a new password."</p>
            <RequestCodeForm email error/>
        }
        .into_any()
    };

    view! {
        <Title text="Reset your password · leptos-cognito"/>
        <section class="card">
            <h1>"Reset your password"</h1>
            {step}
            <p><A href="/sign-in">"Back to sign in"</A></p>
        </section>
    }
}

/// Step one, live in the browser: the e-mail to send a reset code to.
#[island(lazy)]
fn RequestCodeForm(email: String, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = use_form_error(move || action.value().get(), error);
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <ActionForm action>
            <EmailField value=email error=field_error(error, Field::Email)/>
            <SubmitButton label="Send a reset code" busy_label="Sending…" pending=action.pending()/>
        </ActionForm>
    }
}

/// Step two, live in the browser: the code and the new password. `rules` names what the pool's
/// policy asks of a password.
#[island(lazy)]
fn ResetForm(email: String, rules: String, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = use_form_error(move || action.value().get(), error);
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <ActionForm action>
            <input type="hidden" name="email" value=email/>
            <CodeField label="Reset code" error=field_error(error, Field::Code)/>
            <PasswordField label="New password" autocomplete="new-password" error=field_error(error, Field::Password)/>
            {(!rules.is_empty()).then(|| view! { <p class="hint">"The new password needs: " {rules} "."</p> })}
            <SubmitButton label="Set the new password" busy_label="Saving…" pending=action.pending()/>
        </ActionForm>
    }
}
