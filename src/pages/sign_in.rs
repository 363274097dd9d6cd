//! `/sign-in`: e-mail and password; on success the server keeps the tokens and sends the
//! person on to `next` (a path on this site) or the protected page.

use crate::auth::SignIn;
use crate::components::{
    EmailField, ErrorBanner, MarkHydrated, Notice, PasswordField, PostForm, SubmitButton, banner_error, field_error,
    query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use crate::i18n::{language, texts};
use crate::t;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SignInPage() -> impl IntoView {
    let t = texts();
    let notice = match query_value("notice").as_str() {
        "confirmed" => Some(t.sign_in.confirmed),
        "password_reset" => Some(t.sign_in.password_reset),
        "signed_out" => Some(t.sign_in.signed_out),
        "signed_out_everywhere" => Some(t.sign_in.signed_out_everywhere),
        _ => None,
    }
    .map(str::to_owned);

    view! {
        <Title text=(t.site.title)(t.sign_in.heading)/>
        <section class="card">
            <h1>{t.sign_in.heading}</h1>
            <Notice text=notice/>
            <SignInForm email=query_value("email") next=query_value("next") error=query_error()/>
            <p><A href="/forgot-password">{t.sign_in.forgot}</A></p>
            <p>{t.sign_in.new_here.0} <A href="/sign-up">{t.sign_in.create}</A> {t.sign_in.new_here.1}</p>
        </section>
    }
}

/// The form, live in the browser: a pending button and errors next to their fields.
#[island]
fn SignInForm(email: String, next: String, error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = use_form_error(move || action.value().get(), error);
    let lang = language();
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <PostForm
            action
            args=|f| SignIn {
                email: f.text("email"),
                password: f.text("password"),
                next: Some(f.text("next")),
            }
        >
            <input type="hidden" name="next" value=next/>
            <EmailField value=email error=field_error(error, Field::Email)/>
            <PasswordField label=t!(lang, form.password) autocomplete="current-password" error=field_error(error, Field::Password)/>
            <SubmitButton label=t!(lang, sign_in.heading) busy_label=t!(lang, sign_in.submitting) pending=action.pending()/>
        </PostForm>
    }
}
