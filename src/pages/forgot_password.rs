//! `/forgot-password`: ask for a reset code, then set a new password with it. The first step
//! answers the same whether or not the e-mail has an account.

use crate::auth::{ForgotPassword, ResetPassword, get_sign_up_settings};
use crate::components::{
    EmailField, ErrorBanner, Notice, PasswordField, SubmitButton, TextField, banner_error, field_error, use_form_error,
    use_query_value,
};
use crate::error::Field;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<ForgotPassword>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let request_error = use_form_error(move || request.value().get());
    let reset_error = use_form_error(move || reset.value().get());
    let email = use_query_value("email");
    let step = use_query_value("step");
    let settings = Resource::new(|| (), |_| get_sign_up_settings());

    view! {
        <Title text="Reset your password · leptos-cognito"/>
        <section class="card">
            <h1>"Reset your password"</h1>
            <Show
                when=move || step.get() == "reset"
                fallback=move || {
                    view! {
                        <p>"Enter your e-mail address and we will send you a code to set a new password."</p>
                        <ErrorBanner error=banner_error(request_error)/>
                        <ActionForm action=request>
                            <EmailField value=email error=field_error(request_error, Field::Email)/>
                            <SubmitButton label="Send a reset code" busy_label="Sending…" pending=request.pending()/>
                        </ActionForm>
                    }
                }
            >
                <Notice text=Signal::derive(move || {
                    Some(format!("If {} has an account, we have e-mailed it a 6-digit code.", email.get()))
                })/>
                <ErrorBanner error=banner_error(reset_error)/>
                <ActionForm action=reset>
                    <input type="hidden" name="email" value=move || email.get()/>
                    <TextField
                        label="Reset code"
                        name="code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        required=true
                        error=field_error(reset_error, Field::Code)
                    />
                    <PasswordField label="New password" autocomplete="new-password" error=field_error(reset_error, Field::Password)/>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            settings.await.ok().map(|s| {
                                let rules = s.policy.check("").into_iter().map(|r| r.label).collect::<Vec<_>>().join(", ");
                                view! { <p class="hint">"The new password needs: " {rules} "."</p> }
                            })
                        })}
                    </Suspense>
                    <SubmitButton label="Set the new password" busy_label="Saving…" pending=reset.pending()/>
                </ActionForm>
            </Show>
            <p><A href="/sign-in">"Back to sign in"</A></p>
        </section>
    }
}
