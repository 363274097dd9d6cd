//! `/sign-up`: e-mail, password (with the pool's policy as a live checklist) and an optional name.

use crate::auth::validate::PasswordPolicy;
use crate::auth::{SignUp, get_sign_up_settings};
use crate::components::{
    EmailField, ErrorBanner, Form, FormAction, MarkHydrated, NewPasswordField, SubmitButton, TextField, banner_error,
    field_error, query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use crate::i18n::{language, texts};
use crate::routes;
use crate::t;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_sign_up_settings());
    let (email, name, error) = (query_value("email"), query_value("name"), query_error());
    let t = texts();
    view! {
        <Title text=(t.site.title)(t.sign_up.title)/>
        <section class="card">
            <h1>{t.sign_up.heading}</h1>
            <Suspense fallback=|| ()>
                {move || {
                    let (email, name, error) = (email.clone(), name.clone(), error.clone());
                    Suspend::new(async move {
                        let policy = settings.await.map(|s| s.policy).unwrap_or_default();
                        view! { <SignUpForm email name policy error/> }
                    })
                }}
            </Suspense>
            <p>{t.sign_up.have_account.0} <A href=routes::SIGN_IN>{t.site.sign_in}</A> {t.sign_up.have_account.1}</p>
        </section>
    }
}

/// The form, live in the browser: the policy checklist follows typing, errors appear next to
/// their fields.
#[island(lazy)]
fn SignUpForm(email: String, name: String, policy: PasswordPolicy, error: Option<AppError>) -> impl IntoView {
    let action = FormAction::new::<SignUp>();
    let error = use_form_error(move || action.value().get(), error);
    let lang = language();
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <Form action=action>
            <EmailField value=email error=field_error(error, Field::Email)/>
            <NewPasswordField label=t!(lang, form.password) policy error=field_error(error, Field::Password)/>
            <TextField label=t!(lang, sign_up.name) name="name" autocomplete="name" value=name error=field_error(error, Field::Name)/>
            <SubmitButton label=t!(lang, sign_up.submit) busy_label=t!(lang, sign_up.submitting) pending=action.pending()/>
        </Form>
    }
}
