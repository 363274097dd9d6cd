//! `/account`: a signed-in person looks after their account — name, password, two-step sign-in
//! with an authenticator app, e-mail, sign out everywhere, delete the account. Guarded on the
//! server like the protected page; every form works without JavaScript.

use crate::auth::account::forms;
use crate::auth::{
    AccountView, ChangeEmail, ChangePassword, ConfirmAuthenticator, ConfirmPassword, DeleteAccount, ResendEmailCode,
    SignOutEverywhere, StartAuthenticator, TurnOffAuthenticator, UpdateName, VerifyNewEmail, get_account,
};
use crate::components::{
    CodeField, ErrorBanner, MarkHydrated, NewPasswordField, Notice, PasswordField, SubmitButton, TextField,
    TotpInstructions, banner_error, field_error, query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| get_account());
    let notice = notice_text(&query_value("notice")).map(str::to_owned);
    // An error after a post without JavaScript, for the form named in `form`.
    let loaded = Loaded {
        error: query_error(),
        form: query_value("form"),
        name: query_value("name"),
        email: query_value("email"),
    };
    view! {
        <Title text="Your account · leptos-cognito"/>
        <Suspense fallback=|| view! { <p>"Loading your account…"</p> }>
            {move || {
                let (notice, loaded) = (notice.clone(), loaded.clone());
                Suspend::new(async move {
                    match account.await {
                        Ok(Some(view)) => view! { <Account view notice loaded/> }.into_any(),
                        // No session, or one Cognito no longer accepts (signed out everywhere
                        // from another device): sign in again.
                        Ok(None) | Err(AppError::SessionExpired) => {
                            view! { <Redirect path="/sign-in?next=/account"/> }.into_any()
                        }
                        Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.to_string()))/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "confirmed" => "Thank you. For the next 5 minutes you can make the changes below that need your password.",
        "password_changed" => "Your password has been changed.",
        "password_changed_everywhere" => "Your password has been changed, and your other devices have been signed out.",
        "password_changed_not_everywhere" => {
            "Your password has been changed. We could not sign out your other devices right now: use “Sign out everywhere” below to try again."
        }
        "authenticator_started" => "Add this site to your authenticator app, then enter the code it shows.",
        "authenticator_on" => {
            "Two-step sign-in is on: from now on you sign in with your password and a code from your app."
        }
        "authenticator_off" => "Two-step sign-in is off.",
        "name_changed" => "Your name has been saved.",
        "email_code_sent" => "We sent a code to your new address. Enter it below to make the change.",
        "email_code_resent" => "We sent the code again.",
        "email_changed" => "Your e-mail address has been changed.",
        "email_unchanged" => "That is already your e-mail address.",
        _ => return None,
    })
}

/// What a post without JavaScript came back with: the error, the form it belongs to, and what
/// was typed (never a password).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Loaded {
    error: Option<AppError>,
    form: String,
    name: String,
    email: String,
}

impl Loaded {
    fn error_for(&self, form: &str) -> Option<AppError> {
        self.error.clone().filter(|_| self.form == form)
    }
}

/// The overview, rendered on the server; the forms are one island.
#[component]
fn Account(view: AccountView, notice: Option<String>, loaded: Loaded) -> impl IntoView {
    let verified = if view.email_verified {
        "verified"
    } else {
        "not verified yet"
    };
    let name = if view.name.is_empty() {
        "(none)".to_owned()
    } else {
        view.name.clone()
    };
    let two_step = if view.totp_enabled {
        "on (authenticator app)"
    } else {
        "off"
    };
    view! {
        <section class="card wide">
            <h1>"Your account"</h1>
            <Notice text=notice/>
            <dl class="facts" aria-label="Your account">
                <dt>"E-mail"</dt>
                <dd data-testid="account-email">{view.email.clone()} " (" {verified} ")"</dd>
                <dt>"Name"</dt>
                <dd data-testid="account-name">{name}</dd>
                <dt>"Two-step sign-in"</dt>
                <dd data-testid="account-two-step">{two_step}</dd>
            </dl>
            <AccountForms view loaded/>
        </section>
    }
}

/// Every form of the page, live in the browser: pending buttons, errors next to their fields.
#[island(lazy)]
fn AccountForms(view: AccountView, loaded: Loaded) -> impl IntoView {
    let account = view;
    let confirmed = account.confirmed_until.is_some();
    let policy = account.policy.clone();
    let name_action = ServerAction::<UpdateName>::new();
    let name_error = use_form_error(move || name_action.value().get(), loaded.error_for(forms::NAME));
    let password_action = ServerAction::<ChangePassword>::new();
    let password_error = use_form_error(move || password_action.value().get(), loaded.error_for(forms::PASSWORD));
    let reauth_action = ServerAction::<ConfirmPassword>::new();
    let reauth_error = use_form_error(move || reauth_action.value().get(), loaded.error_for(forms::REAUTH));
    let typed_name = if loaded.form == forms::NAME {
        loaded.name.clone()
    } else {
        account.name.clone()
    };

    view! {
        <MarkHydrated/>
        <h2>"Name"</h2>
        <ErrorBanner error=banner_error(name_error)/>
        <ActionForm action=name_action>
            <TextField label="Name" name="name" autocomplete="name" value=typed_name error=field_error(name_error, Field::Name)/>
            <SubmitButton label="Save name" busy_label="Saving…" pending=name_action.pending()/>
        </ActionForm>

        <h2>"Password"</h2>
        <ErrorBanner error=banner_error(password_error)/>
        <ActionForm action=password_action>
            <PasswordField
                label="Current password"
                name="current_password"
                autocomplete="current-password"
                error=field_error(password_error, Field::CurrentPassword)
            />
            <NewPasswordField label="New password" name="new_password" policy error=field_error(password_error, Field::Password)/>
            <div class="check">
                <input type="checkbox" id="sign_out_others" name="sign_out_others" value="yes"/>
                <label for="sign_out_others">"Sign out my other devices"</label>
            </div>
            <SubmitButton label="Change password" busy_label="Changing…" pending=password_action.pending()/>
        </ActionForm>

        <h2>"Confirm it’s you"</h2>
        {if confirmed {
            view! {
                <p data-testid="reauth-state">
                    "Confirmed. For the next few minutes you can turn off two-step sign-in, change your e-mail or delete your account."
                </p>
            }
                .into_any()
        } else {
            view! {
                <p data-testid="reauth-state">
                    "Turning off two-step sign-in, changing your e-mail and deleting your account need your password from the last 5 minutes."
                </p>
                <ErrorBanner error=banner_error(reauth_error)/>
                <ActionForm action=reauth_action>
                    <PasswordField label="Password" autocomplete="current-password" error=field_error(reauth_error, Field::CurrentPassword)/>
                    <SubmitButton label="Confirm my password" busy_label="Checking…" pending=reauth_action.pending()/>
                </ActionForm>
            }
                .into_any()
        }}

        <TwoStep account=account.clone() loaded=loaded.clone() confirmed/>
        <EmailChange account loaded=loaded.clone() confirmed/>
        <Everywhere loaded=loaded.clone()/>
        <Delete loaded confirmed/>
    }
}

/// A form's last answer: `None` before it was sent, then its error (`Some(None)`: it worked).
fn answer<S>(action: ServerAction<S>) -> Signal<Option<Option<AppError>>>
where
    S: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().map(|r| r.err()))
}

/// The error for a section of several forms: the first of them that answered, or the one the
/// page was loaded with.
fn section_error<const N: usize>(
    answers: [Signal<Option<Option<AppError>>>; N],
    loaded: Option<AppError>,
) -> Memo<Option<AppError>> {
    Memo::new(move |_| answers.iter().find_map(|a| a.get()).unwrap_or_else(|| loaded.clone()))
}

/// Two-step sign-in: set up an authenticator app, or turn it off.
#[component]
fn TwoStep(account: AccountView, loaded: Loaded, confirmed: bool) -> impl IntoView {
    let start = ServerAction::<StartAuthenticator>::new();
    let confirm = ServerAction::<ConfirmAuthenticator>::new();
    let off = ServerAction::<TurnOffAuthenticator>::new();
    let error = section_error(
        [answer(start), answer(confirm), answer(off)],
        loaded.error_for(forms::AUTHENTICATOR),
    );
    let body = match (account.totp_enabled, account.totp_setup) {
        (true, _) if confirmed => view! {
            <p>"On: your authenticator app gives you a code each time you sign in."</p>
            <ActionForm action=off>
                <SubmitButton label="Turn off two-step sign-in" busy_label="Turning off…" pending=off.pending()/>
            </ActionForm>
        }
        .into_any(),
        (true, _) => view! {
            <p>"On: your authenticator app gives you a code each time you sign in. To turn it off, confirm your password above."</p>
        }
        .into_any(),
        (false, Some(totp)) => view! {
            <TotpInstructions totp/>
            <ActionForm action=confirm>
                <CodeField label="Code from your authenticator app" id="totp-code" error=field_error(error, Field::Code)/>
                <SubmitButton label="Turn on two-step sign-in" busy_label="Checking…" pending=confirm.pending()/>
            </ActionForm>
        }
        .into_any(),
        (false, None) => view! {
            <p>"Off. With an authenticator app, signing in also asks for a code from your phone."</p>
            <ActionForm action=start>
                <SubmitButton label="Set up an authenticator app" busy_label="Preparing…" pending=start.pending()/>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <h2>"Two-step sign-in"</h2>
        <ErrorBanner error=banner_error(error)/>
        {body}
    }
}

/// A new e-mail address, confirmed with the code Cognito sends to it.
#[component]
fn EmailChange(account: AccountView, loaded: Loaded, confirmed: bool) -> impl IntoView {
    let change = ServerAction::<ChangeEmail>::new();
    let verify = ServerAction::<VerifyNewEmail>::new();
    let resend = ServerAction::<ResendEmailCode>::new();
    let error = section_error(
        [answer(change), answer(verify), answer(resend)],
        loaded.error_for(forms::EMAIL),
    );
    let typed = if loaded.form == forms::EMAIL {
        loaded.email.clone()
    } else {
        String::new()
    };
    let current = account.email.clone();
    let body = match account.pending_email {
        Some(new_email) => view! {
            <p>
                "We sent a code to " <strong>{new_email}</strong> ". Enter it to make it your e-mail; until then you sign in with "
                {current} "."
            </p>
            <ActionForm action=verify>
                <CodeField label="Code from the e-mail" id="email-code" error=field_error(error, Field::Code)/>
                <SubmitButton label="Change my e-mail" busy_label="Checking…" pending=verify.pending()/>
            </ActionForm>
            <ActionForm action=resend attr:class="inline">
                <button type="submit" class="link" disabled=move || resend.pending().get()>"Send the code again"</button>
            </ActionForm>
        }
        .into_any(),
        None if confirmed => view! {
            <ActionForm action=change>
                <TextField label="New e-mail" name="email" kind="email" autocomplete="email" value=typed required=true error=field_error(error, Field::Email)/>
                <SubmitButton label="Send a code to the new address" busy_label="Sending…" pending=change.pending()/>
            </ActionForm>
        }
        .into_any(),
        None => view! { <p>"To change your e-mail, confirm your password above."</p> }.into_any(),
    };
    view! {
        <h2>"E-mail"</h2>
        <ErrorBanner error=banner_error(error)/>
        {body}
    }
}

/// Sign out on every device (GlobalSignOut).
#[component]
fn Everywhere(loaded: Loaded) -> impl IntoView {
    let action = ServerAction::<SignOutEverywhere>::new();
    let error = use_form_error(move || action.value().get(), loaded.error_for(forms::EVERYWHERE));
    view! {
        <h2>"Sign out everywhere"</h2>
        <p>"Signs you out on every device and browser, this one too."</p>
        <ErrorBanner error=banner_error(error)/>
        <ActionForm action>
            <SubmitButton label="Sign out everywhere" busy_label="Signing out…" pending=action.pending()/>
        </ActionForm>
    }
}

/// Delete the account for good.
#[component]
fn Delete(loaded: Loaded, confirmed: bool) -> impl IntoView {
    let action = ServerAction::<DeleteAccount>::new();
    let error = use_form_error(move || action.value().get(), loaded.error_for(forms::DELETE));
    view! {
        <h2>"Delete your account"</h2>
        <ErrorBanner error=banner_error(error)/>
        {if confirmed {
            view! {
                <ActionForm action attr:class="danger">
                    <div class="check">
                        <input type="checkbox" id="confirm-delete" name="confirm" value="yes" required=true/>
                        <label for="confirm-delete">"I understand that this deletes my account and cannot be undone"</label>
                    </div>
                    <SubmitButton label="Delete my account" busy_label="Deleting…" pending=action.pending()/>
                </ActionForm>
            }
                .into_any()
        } else {
            view! { <p>"To delete your account, confirm your password above."</p> }.into_any()
        }}
    }
}
