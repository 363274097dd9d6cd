//! `/sign-in/choose-method`: the person has more than one second factor (SELECT_MFA_TYPE) and
//! picks the one to use for this sign-in.

use super::challenge::ChallengeGate;
use crate::auth::{ChallengeKind, ChooseMfa, mfa_factor_label};
use crate::components::{
    ErrorBanner, Form, FormAction, MarkHydrated, SubmitButton, banner_error, query_error, use_form_error,
};
use crate::error::AppError;
use crate::i18n::{language, texts};
use crate::routes;
use crate::t;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ChooseMethodPage() -> impl IntoView {
    let error = query_error();
    let t = texts();
    view! {
        <Title text=(t.site.title)(t.challenge.choose_title)/>
        <section class="card">
            <h1>{t.challenge.two_step}</h1>
            <ChallengeGate kinds=&[ChallengeKind::SelectMfa] page=move |challenge| {
                view! {
                    <p>{t.challenge.signing_in_as.0} <strong>{challenge.email}</strong> {t.challenge.signing_in_as.1}</p>
                    <ChooseForm options=challenge.options error=error.clone()/>
                }
            }/>
            <p><A href=routes::SIGN_IN>{t.form.start_again}</A></p>
        </section>
    }
}

/// The choice, live in the browser. `options` are Cognito's names for the factors offered.
#[island(lazy)]
fn ChooseForm(options: Vec<String>, error: Option<AppError>) -> impl IntoView {
    let action = FormAction::new::<ChooseMfa>();
    let error = use_form_error(move || action.value().get(), error);
    let first = options.first().cloned();
    let lang = language();
    view! {
        <MarkHydrated/>
        <ErrorBanner error=banner_error(error)/>
        <Form action>
            <fieldset class="choices">
                <legend>{t!(lang, challenge.choose_legend)}</legend>
                {options
                    .into_iter()
                    .map(|factor| {
                        let id = format!("factor-{}", factor.to_lowercase());
                        let checked = first.as_deref() == Some(factor.as_str());
                        view! {
                            <div class="choice">
                                <input type="radio" name="factor" id=id.clone() value=factor.clone() checked=checked required=true/>
                                <label for=id>{mfa_factor_label(&factor, lang)}</label>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <SubmitButton label=t!(lang, challenge.continue_) busy_label=t!(lang, challenge.continuing) pending=action.pending()/>
        </Form>
    }
}
