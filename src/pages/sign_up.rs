//! `/sign-up`: e-mail, password (with the pool's policy as a live checklist) and an optional name.

use crate::auth::validate::PasswordPolicy;
use crate::auth::{SignUp, get_sign_up_settings};
use crate::components::{
    EmailField, ErrorBanner, MarkHydrated, NewPasswordField, SubmitButton, TextField, banner_error, field_error,
    query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_sign_up_settings());
    let (email, name, error) = (query_value("email"), query_value("name"), query_error());
    view! {
        <Title text="Sign up · leptos-cognito"/>
        <section class="card">
            <h1>"Create an account"</h1>
            <Suspense fallback=|| ()>
                {move || {
                    let (email, name, error) = (email.clone(), name.clone(), error.clone());
                    Suspend::new(async move {
                        let policy = settings.await.map(|s| s.policy).unwrap_or_default();
                        view! { <SignUpForm email name policy error/> }
                    })
                }}
            </Suspense>
            <p>"Already have an account? " <A href="/sign-in">"Sign in"</A></p>
        </section>
    }
}

/// The form, live in the browser: the policy checklist follows typing, errors appear next to
/// their fields.
#[island(lazy)]
fn SignUpForm(email: String, name: String, policy: PasswordPolicy, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = use_form_error(move || action.value().get(), error);
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <ActionForm action=action>
            <EmailField value=email error=field_error(error, Field::Email)/>
            <NewPasswordField label="Password" policy error=field_error(error, Field::Password)/>
            <TextField label="Name (optional)" name="name" autocomplete="name" value=name error=field_error(error, Field::Name)/>
            <SubmitButton label="Sign up" busy_label="Creating your account…" pending=action.pending()/>
        </ActionForm>
    }
}
