//! `/sign-in`: e-mail and password; on success the server keeps the tokens and sends the
//! person on to `next` (a path on this site) or the protected page.

use crate::auth::use_auth;
use crate::components::{
    EmailField, ErrorBanner, Notice, PasswordField, SubmitButton, banner_error, field_error, use_form_error,
    use_query_value,
};
use crate::error::Field;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let error = use_form_error(move || auth.sign_in.value().get());
    let email = use_query_value("email");
    let next = use_query_value("next");
    let notice_code = use_query_value("notice");
    let notice = Signal::derive(move || {
        match notice_code.get().as_str() {
            "confirmed" => Some("Your account is confirmed. Sign in to continue."),
            "password_reset" => Some("Your password has been changed. Sign in with the new one."),
            "signed_out" => Some("You have been signed out."),
            _ => None,
        }
        .map(str::to_owned)
    });

    view! {
        <Title text="Sign in · leptos-cognito"/>
        <section class="card">
            <h1>"Sign in"</h1>
            <Notice text=notice/>
            <ErrorBanner error=banner_error(error)/>
            <ActionForm action=auth.sign_in>
                <input type="hidden" name="next" value=move || next.get()/>
                <EmailField value=email error=field_error(error, Field::Email)/>
                <PasswordField label="Password" autocomplete="current-password" error=field_error(error, Field::Password)/>
                <SubmitButton label="Sign in" busy_label="Signing in…" pending=auth.sign_in.pending()/>
            </ActionForm>
            <p><A href="/forgot-password">"Forgot your password?"</A></p>
            <p>"New here? " <A href="/sign-up">"Create an account"</A></p>
        </section>
    }
}
