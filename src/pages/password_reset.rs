//! `/forgot-password`: ask for a reset code, then set a new password with it. The first step
//! answers the same whether or not the e-mail has an account.

use crate::auth::{ForgotPassword, ResetPassword, get_sign_up_settings};
use crate::components::{
    CodeField, EmailField, ErrorBanner, Form, FormAction, MarkHydrated, Notice, PasswordField, SubmitButton,
    banner_error, field_error, query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use crate::i18n::{language, texts};
use crate::routes;
use crate::t;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn PasswordResetPage() -> impl IntoView {
    let email = query_value("email");
    let error = query_error();
    let t = texts();
    let step = if query_value("step") == "reset" {
        let settings = Resource::new(|| (), |_| get_sign_up_settings());
        let notice = (t.forgot.code_sent)(&email);
        view! {
            <Notice text=Some(notice)/>
            <p class="hint">{t.forgot.verified_only}</p>
            <Suspense fallback=|| ()>
                {move || {
                    let (email, error) = (email.clone(), error.clone());
                    Suspend::new(async move {
                        let rules = settings
                            .await
                            .map(|s| {
                                let rules: Vec<String> = s.policy.check("").iter().map(|r| crate::auth::validate::rule_label(r.kind, language())).collect();
                                rules.join(t.site.list_separator)
                            })
                            .unwrap_or_default();
                        view! { <ResetForm email rules error/> }
                    })
                }}
            </Suspense>
        }
        .into_any()
    } else {
        view! {
            <p>{t.forgot.intro}</p>
            <RequestCodeForm email error/>
        }
        .into_any()
    };

    view! {
        <Title text=(t.site.title)(t.forgot.heading)/>
        <section class="card">
            <h1>{t.forgot.heading}</h1>
            {step}
            <p><A href=routes::SIGN_IN>{t.forgot.back}</A></p>
        </section>
    }
}

/// Step one, live in the browser: the e-mail to send a reset code to.
#[island(lazy)]
fn RequestCodeForm(email: String, error: Option<AppError>) -> impl IntoView {
    let action = FormAction::new::<ForgotPassword>();
    let error = use_form_error(move || action.value().get(), error);
    let lang = language();
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <Form action>
            <EmailField value=email error=field_error(error, Field::Email)/>
            <SubmitButton label=t!(lang, forgot.send) busy_label=t!(lang, form.sending) pending=action.pending()/>
        </Form>
    }
}

/// Step two, live in the browser: the code and the new password. `rules` names what the pool's
/// policy asks of a password.
#[island(lazy)]
fn ResetForm(email: String, rules: String, error: Option<AppError>) -> impl IntoView {
    let action = FormAction::new::<ResetPassword>();
    let error = use_form_error(move || action.value().get(), error);
    let lang = language();
    let needs = t!(lang, forgot.needs);
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <Form action>
            <input type="hidden" name="email" value=email/>
            <CodeField label=t!(lang, forgot.code) error=field_error(error, Field::Code)/>
            <PasswordField label=t!(lang, form.new_password) autocomplete="new-password" error=field_error(error, Field::Password)/>
            {(!rules.is_empty()).then(|| view! { <p class="hint">{needs.0} {rules} {needs.1}</p> })}
            <SubmitButton label=t!(lang, forgot.submit) busy_label=t!(lang, form.saving) pending=action.pending()/>
        </Form>
    }
}
