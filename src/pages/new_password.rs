//! `/sign-in/new-password`: a user an administrator invited (AdminCreateUser) signs in with the
//! temporary password from their e-mail, then chooses their own here (NEW_PASSWORD_REQUIRED),
//! with the pool's policy as a checklist and any attributes the pool requires.

use super::challenge::ChallengeGate;
use crate::auth::validate::PasswordPolicy;
use crate::auth::{ChallengeKind, SetNewPassword, attribute_label};
use crate::components::{
    ErrorBanner, Form, FormAction, MarkHydrated, NewPasswordField, SubmitButton, TextField, banner_error, field_error,
    query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use crate::i18n::{language, texts};
use crate::routes;
use crate::t;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// One attribute the pool requires: its Cognito name, its label, what was typed before.
type Attribute = (String, String, String);

#[component]
pub fn NewPasswordPage() -> impl IntoView {
    let error = query_error();
    let t = texts();
    view! {
        <Title text=(t.site.title)(t.challenge.new_password_heading)/>
        <section class="card">
            <h1>{t.challenge.new_password_heading}</h1>
            <ChallengeGate kinds=&[ChallengeKind::NewPassword] page=move |challenge| {
                let attributes: Vec<Attribute> = challenge
                    .required_attributes
                    .iter()
                    .map(|name| (name.clone(), attribute_label(name, t), query_value(&format!("attributes[{name}]"))))
                    .collect();
                view! {
                    <p>{t.challenge.welcome.0} <strong>{challenge.email}</strong> {t.challenge.welcome.1}</p>
                    <NewPasswordForm policy=challenge.policy attributes error=error.clone()/>
                }
            }/>
            <p><A href=routes::SIGN_IN>{t.form.start_again}</A></p>
        </section>
    }
}

/// The form, live in the browser: the policy checklist follows typing.
#[island(lazy)]
fn NewPasswordForm(policy: PasswordPolicy, attributes: Vec<Attribute>, error: Option<AppError>) -> impl IntoView {
    let action = FormAction::new::<SetNewPassword>();
    let error = use_form_error(move || action.value().get(), error);
    let lang = language();
    view! {
        <MarkHydrated/>
        // A missing attribute is said above the form: it may be any of the fields.
        <ErrorBanner error=banner_error(error)/>
        <Form action>
            <NewPasswordField label=t!(lang, form.new_password) policy error=field_error(error, Field::Password)/>
            {attributes
                .into_iter()
                .map(|(name, label, value)| {
                    view! {
                        <TextField
                            label
                            name=format!("attributes[{name}]")
                            id=format!("attribute-{name}")
                            value=value
                            required=true
                            error=Signal::derive(|| None::<String>)
                        />
                    }
                })
                .collect_view()}
            <SubmitButton label=t!(lang, challenge.set_password) busy_label=t!(lang, form.saving) pending=action.pending()/>
        </Form>
    }
}
