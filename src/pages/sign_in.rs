//! `/sign-in`: e-mail and password; on success the server keeps the tokens and sends the
//! person on to `next` (a path on this site) or the protected page.

use crate::auth::SignIn;
use crate::components::{
    EmailField, ErrorBanner, MarkHydrated, Notice, PasswordField, SubmitButton, banner_error, field_error, query_error,
    query_value, use_form_error,
};
use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignInPage() -> impl IntoView {
    let notice = match query_value("notice").as_str() {
        "confirmed" => Some("Your account is confirmed. Sign in to continue."),
        "password_reset" => Some("Your password has been changed. Sign in with the new one."),
        "signed_out" => Some("You have been signed out."),
        "signed_out_everywhere" => Some("You have been signed out on every device."),
        _ => None,
    }
    .map(str::to_owned);

    view! {
        <Title text="Sign in · leptos-cognito"/>
        <section class="card">
            <h1>"Sign in"</h1>
            <Notice text=notice/>
            <SignInForm email=query_value("email") next=query_value("next") error=query_error()/>
            <p><A href="/forgot-password">"Forgot your password?"</A></p>
            <p>"New here? " <A href="/sign-up">"Create an account"</A></p>
        </section>
    }
}

/// The form, live in the browser: a pending button and errors next to their fields.
#[island]
fn SignInForm(email: String, next: String, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = use_form_error(move || action.value().get(), error);
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <ActionForm action>
            <input type="hidden" name="next" value=next/>
            <EmailField value=email error=field_error(error, Field::Email)/>
            <PasswordField label="Password" autocomplete="current-password" error=field_error(error, Field::Password)/>
            <SubmitButton label="Sign in" busy_label="Signing in…" pending=action.pending()/>
        </ActionForm>
    }
}
