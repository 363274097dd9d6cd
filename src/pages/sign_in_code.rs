//! `/sign-in/code`: the second step of a sign-in — the code of an authenticator app
//! (SOFTWARE_TOKEN_MFA), or the one Cognito sent by e-mail (EMAIL_OTP) or text message
//! (SMS_MFA), with the wording for each; and the e-mailed code of a sign-in without a password
//! (USER_AUTH's EMAIL_OTP), which answers the same challenge.

use super::challenge::ChallengeGate;
use crate::auth::{AnswerMfaCode, ChallengeKind};
use crate::components::{
    CodeField, ErrorBanner, Form, FormAction, MarkHydrated, SubmitButton, banner_error, field_error, query_error,
    use_form_error,
};
use crate::error::{AppError, Field};
use crate::i18n::{language, texts};
use crate::routes;
use crate::t;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

const KINDS: &[ChallengeKind] = &[
    ChallengeKind::SoftwareToken,
    ChallengeKind::EmailOtp,
    ChallengeKind::SmsMfa,
];

#[component]
pub fn SignInCodePage() -> impl IntoView {
    let error = query_error();
    let t = texts();
    view! {
        <section class="card">
            <ChallengeGate kinds=KINDS page=move |challenge| {
                // A code asked for instead of a password is the whole sign-in, not a second step.
                let heading = if challenge.first_factor { t.sign_in.code_heading } else { t.challenge.two_step };
                let to = challenge.destination.clone().unwrap_or_else(|| t.challenge.someone.to_owned());
                let (intro, label) = match challenge.kind {
                    ChallengeKind::EmailOtp => ((t.challenge.email_intro)(&to), t.form.code_from_email),
                    ChallengeKind::SmsMfa => ((t.challenge.sms_intro)(&to), t.form.code_from_sms),
                    _ => (t.challenge.app_intro.to_owned(), t.form.code_from_app),
                };
                view! {
                    <Title text=(t.site.title)(heading)/>
                    <h1>{heading}</h1>
                    <p>{t.challenge.signing_in_as.0} <strong>{challenge.email}</strong> {t.challenge.signing_in_as.1}</p>
                    <p id="code-intro">{intro}</p>
                    <CodeForm label=label.to_owned() error=error.clone() offer_remember=challenge.offer_remember/>
                }
            }/>
            <p><A href=routes::SIGN_IN>{t.form.start_again}</A></p>
        </section>
    }
}

/// The code form, live in the browser: a pending button and the error next to the field.
#[island(lazy)]
fn CodeForm(label: String, error: Option<AppError>, offer_remember: bool) -> impl IntoView {
    let action = FormAction::new::<AnswerMfaCode>();
    let error = use_form_error(move || action.value().get(), error);
    let lang = language();
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <Form action>
            <CodeField label error=field_error(error, Field::Code)/>
            {offer_remember.then(|| view! {
                <div class="check">
                    <input type="checkbox" id="remember" name="remember" value="on" aria-describedby="remember-hint"/>
                    <label for="remember">{t!(lang, challenge.remember)}</label>
                </div>
                <p class="hint" id="remember-hint">{t!(lang, challenge.remember_hint)}</p>
            })}
            <SubmitButton label=t!(lang, challenge.continue_) busy_label=t!(lang, form.checking) pending=action.pending()/>
        </Form>
    }
}
