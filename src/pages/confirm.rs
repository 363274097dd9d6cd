//! `/confirm`: the e-mailed 6-digit code, and "send a new code".

use crate::auth::{ConfirmSignUp, ResendCode};
use crate::components::{
    CodeField, EmailField, ErrorBanner, Form, FormAction, MarkHydrated, Notice, SubmitButton, banner_error,
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
pub fn ConfirmPage() -> impl IntoView {
    let t = texts();
    view! {
        <Title text=(t.site.title)(t.confirm.heading)/>
        <section class="card">
            <h1>{t.confirm.heading}</h1>
            <ConfirmForms email=query_value("email") notice=query_value("notice") error=query_error()/>
            <p class="small">{t.confirm.emulator}</p>
            <p>{t.confirm.already.0} <A href=routes::SIGN_IN>{t.site.sign_in}</A> {t.confirm.already.1}</p>
        </section>
    }
}

/// Both forms of the page, live in the browser. They share the e-mail: the one typed in the
/// confirmation form also goes with "send a new code".
#[island(lazy)]
fn ConfirmForms(email: String, notice: String, error: Option<AppError>) -> impl IntoView {
    let confirm = FormAction::new::<ConfirmSignUp>();
    let resend = FormAction::new::<ResendCode>();
    let confirm_error = use_form_error(move || confirm.value().get(), error);
    let resend_error = Memo::new(move |_| resend.value().get().and_then(Result::err));
    let typed = RwSignal::new(email.clone());
    let lang = language();

    let notice = Signal::derive(move || {
        if resend.value().get().is_some_and(|r| r.is_ok()) {
            return Some(t!(lang, confirm.code_resent).to_owned());
        }
        match notice.as_str() {
            "code_sent" => Some(t!(lang, confirm.code_sent)(&typed.get())),
            "code_resent" => Some(t!(lang, confirm.code_resent).to_owned()),
            "not_confirmed" => Some(t!(lang, confirm.not_confirmed).to_owned()),
            _ => None,
        }
    });
    let banner = Signal::derive(move || {
        banner_error(confirm_error)
            .get()
            .or_else(|| resend_error.get().map(|e| e.message(lang)))
    });

    view! {
        <MarkHydrated/>
        <Notice text=notice/>
        <ErrorBanner error=banner/>
        <Form action=confirm>
            <EmailField value=email error=field_error(confirm_error, Field::Email) on_input=Callback::new(move |v| typed.set(v))/>
            <CodeField label=t!(lang, confirm.code) hint=t!(lang, confirm.code_hint) error=field_error(confirm_error, Field::Code)/>
            <SubmitButton label=t!(lang, confirm.submit) busy_label=t!(lang, confirm.submitting) pending=confirm.pending()/>
        </Form>
        <Form action=resend attr:class="inline">
            <input type="hidden" name="email" value=move || typed.get()/>
            <button type="submit" class="link" disabled=move || resend.pending().get()>
                {t!(lang, confirm.resend)}
            </button>
        </Form>
    }
}
