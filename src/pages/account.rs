//! `/account`: a signed-in person looks after their account — name, password, two-step sign-in
//! with an authenticator app, e-mail, where they are signed in (and signing out any other
//! browser), passkeys, sign out everywhere, delete the account. Guarded on the
//! server like the protected page; every form works without JavaScript.

use crate::auth::account::forms;
use crate::auth::{
    AccountView, AddPasskey, ChangeEmail, ChangePassword, ConfirmAuthenticator, ConfirmPassword, DeleteAccount,
    DeletePasskey, DeviceView, EndSession, ForgetDevice, PasskeyCreationOptions, PasskeyView, ResendEmailCode,
    SessionView, SignOutEverywhere, StartAuthenticator, TurnOffAuthenticator, UpdateName, VerifyNewEmail, get_account,
};
use crate::components::{
    CodeField, ErrorBanner, Form, FormAction, MarkHydrated, NewPasswordField, Notice, PasswordField, SubmitButton,
    TextField, TotpInstructions, banner_error, field_error, query_error, query_value, use_form_error,
};
use crate::error::{AppError, Field};
use crate::i18n::{Texts, language, texts};
use crate::t;
use cognito_auth::AuthError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| get_account());
    let t = texts();
    let notice = notice_text(&query_value("notice"), t).map(str::to_owned);
    // An error after a post without JavaScript, for the form named in `form`.
    let loaded = Loaded {
        error: query_error(),
        form: query_value("form"),
        name: query_value("name"),
        email: query_value("email"),
    };
    view! {
        <Title text=(t.site.title)(t.account.heading)/>
        <Suspense fallback=move || view! { <p>{t.account.loading}</p> }>
            {move || {
                let (notice, loaded) = (notice.clone(), loaded.clone());
                Suspend::new(async move {
                    match account.await {
                        Ok(Some(view)) => view! { <Account view notice loaded/> }.into_any(),
                        // No session, or one Cognito no longer accepts (signed out everywhere
                        // from another device): sign in again.
                        Ok(None) | Err(AppError { kind: AuthError::SessionExpired, .. }) => {
                            view! { <Redirect path="/sign-in?next=/account"/> }.into_any()
                        }
                        Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.message(language())))/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn notice_text(code: &str, t: &Texts) -> Option<&'static str> {
    let a = &t.account;
    Some(match code {
        "confirmed" => a.confirmed,
        "password_changed" => a.password_changed,
        "password_changed_everywhere" => a.password_changed_everywhere,
        "password_changed_everywhere_app_only" => a.password_changed_everywhere_app_only,
        "password_changed_everywhere_cognito_only" => a.password_changed_everywhere_cognito_only,
        "authenticator_started" => a.authenticator_started,
        "authenticator_on" => a.authenticator_on,
        "authenticator_off" => a.authenticator_off,
        "name_changed" => a.name_changed,
        "email_code_sent" => a.email_code_sent,
        "email_code_resent" => a.email_code_resent,
        "email_changed" => a.email_changed,
        "verify_code_sent" => a.verify_code_sent,
        "email_verified" => a.email_verified,
        "email_unchanged" => a.email_unchanged,
        "session_ended" => a.session_ended,
        "device_forgotten" => a.device_forgotten,
        "passkey_added" => a.passkey_added,
        "passkey_deleted" => a.passkey_deleted,
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
    let (t, a) = (texts(), &texts().account);
    let verified = if view.email_verified {
        a.verified
    } else {
        a.not_verified
    };
    let name = if view.name.is_empty() {
        a.no_name.to_owned()
    } else {
        view.name.clone()
    };
    let two_step = if view.totp_enabled {
        a.two_step_on
    } else {
        a.two_step_off
    };
    view! {
        <section class="card wide">
            <h1>{a.heading}</h1>
            <Notice text=notice/>
            <dl class="facts" aria-label=a.heading>
                <dt>{t.form.email}</dt>
                <dd data-testid="account-email">{view.email.clone()} {a.state.0} {verified} {a.state.1}</dd>
                <dt>{a.name}</dt>
                <dd data-testid="account-name">{name}</dd>
                <dt>{a.two_step}</dt>
                <dd data-testid="account-two-step">{two_step}</dd>
            </dl>
            <Sessions sessions=view.sessions.clone() error=loaded.error_for(forms::SESSIONS)/>
            {view.devices.clone().map(|devices| view! { <Devices devices error=loaded.error_for(forms::DEVICES)/> })}
            <AccountForms view=view.clone() loaded=loaded.clone()/>
            {view.passkeys.clone().map(|passkeys| view! {
                <Passkeys passkeys confirmed=view.confirmed_until.is_some() error=loaded.error_for(forms::PASSKEYS)/>
            })}
        </section>
    }
}

/// The account's passkeys, each with its own "Remove" (a plain form post), and "Add a passkey",
/// which needs the browser's WebAuthn (`public/passkeys.js`): without JavaScript the page says
/// so. Adding and removing need the password from the last few minutes, like the other
/// sensitive changes. Rendered on the server only.
#[component]
fn Passkeys(passkeys: Vec<PasskeyView>, confirmed: bool, error: Option<AppError>) -> impl IntoView {
    let a = &texts().account;
    let lang = language();
    let rows = passkeys
        .into_iter()
        .map(|p| {
            let name = if p.name.is_empty() {
                a.passkey_unnamed.to_owned()
            } else {
                p.name.clone()
            };
            let kind = match p.attachment.as_str() {
                "platform" => a.passkey_platform,
                "cross-platform" => a.passkey_cross_platform,
                _ => a.passkey_unknown_kind,
            };
            let remove = view! {
                <form method="post" action=DeletePasskey::url()>
                    <input type="hidden" name="id" value=p.id.clone()/>
                    <button type="submit" class="secondary" aria-label=(a.passkey_delete_named)(&name)>
                        {a.passkey_delete}
                    </button>
                </form>
            };
            view! {
                <li class="session" data-testid="passkey">
                    <p class="session-device"><strong>{name}</strong></p>
                    <dl class="facts">
                        <dt>{a.passkey_added_label}</dt>
                        <dd>{(a.ago)(p.added_ago)}</dd>
                        <dt>{a.passkey_kind_label}</dt>
                        <dd>{kind}</dd>
                    </dl>
                    {confirmed.then_some(remove)}
                </li>
            }
        })
        .collect_view();
    let empty = rows.is_empty();
    view! {
        <h2 id="passkeys">{a.passkeys_heading}</h2>
        <p>{a.passkeys_intro}</p>
        {error.map(|e| view! { <div class="banner error" role="alert">{e.message(lang)}</div> })}
        {empty.then(|| view! { <p data-testid="no-passkeys">{a.passkeys_none}</p> })}
        <ul class="sessions" data-testid="passkeys">{rows}</ul>
        {if confirmed {
            view! {
                <button
                    type="button"
                    data-passkey="add"
                    data-options-url=PasskeyCreationOptions::url()
                    data-answer-url=AddPasskey::url()
                    data-busy-label=a.passkey_adding
                    hidden
                >
                    {a.passkey_add}
                </button>
                // Shown until public/passkeys.js finds WebAuthn in the browser.
                <p data-passkey="needs-js">{a.passkey_needs_js}</p>
                <script type="module" src="/passkeys.js"></script>
            }
            .into_any()
        } else {
            view! { <p>{a.passkey_needs_reauth}</p> }.into_any()
        }}
    }
}

/// Where the person is signed in, each other browser with its own "Sign out". Rendered on the
/// server only, with plain form posts: it works the same with and without JavaScript and adds
/// nothing to the page's wasm.
#[component]
fn Sessions(sessions: Vec<SessionView>, error: Option<AppError>) -> impl IntoView {
    let a = &texts().account;
    let method = move |code: &str| match code {
        "password" => Some(a.method_password),
        "password-totp" => Some(a.method_password_totp),
        "password-email" => Some(a.method_password_email),
        "password-sms" => Some(a.method_password_sms),
        "passkey" => Some(a.method_passkey),
        "email-code" => Some(a.method_email_code),
        "federated" => Some(a.method_federated),
        "managed-login" => Some(a.method_managed_login),
        _ => None,
    };
    let lang = language();
    let rows = sessions
        .into_iter()
        .map(|s| {
            let device = if s.device.is_empty() {
                a.unknown_device.to_owned()
            } else {
                s.device.clone()
            };
            let place = if s.place.is_empty() {
                a.unknown_place.to_owned()
            } else {
                s.place.clone()
            };
            let how = method(&s.method);
            let action = view! {
                <form method="post" action=EndSession::url()>
                    <input type="hidden" name="session" value=s.id.clone()/>
                    <button type="submit" class="secondary" aria-label=(a.end_session_named)(&device)>
                        {a.end_session}
                    </button>
                </form>
            };
            view! {
                <li class="session" data-testid="session" data-current=s.current.to_string()>
                    <p class="session-device">
                        <strong>{device}</strong>
                        {s.current.then(|| view! { " " <span class="badge">{a.this_session}</span> })}
                    </p>
                    <dl class="facts">
                        <dt>{a.signed_in_label}</dt>
                        <dd>{(a.ago)(s.signed_in_ago)}</dd>
                        <dt>{a.last_seen_label}</dt>
                        <dd>{(a.ago)(s.seen_ago)}</dd>
                        <dt>{a.place_label}</dt>
                        <dd>{place}</dd>
                        {how.map(|how| view! { <dt>{a.method_label}</dt> <dd>{how}</dd> })}
                    </dl>
                    {(!s.current).then_some(action)}
                </li>
            }
        })
        .collect_view();
    view! {
        <h2>{t!(lang, account.sessions_heading)}</h2>
        <p>{t!(lang, account.sessions_intro)}</p>
        {error.map(|e| view! { <div class="banner error" role="alert">{e.message(lang)}</div> })}
        <ul class="sessions" data-testid="sessions">{rows}</ul>
    }
}

/// The browsers Cognito remembers (they skip the second step), each with "Forget". Rendered on
/// the server only, with plain form posts, like [`Sessions`].
#[component]
fn Devices(devices: Vec<DeviceView>, error: Option<AppError>) -> impl IntoView {
    let a = &texts().account;
    let lang = language();
    let empty = devices.is_empty();
    let rows = devices
        .into_iter()
        .map(|d| {
            let name = if d.name.is_empty() {
                a.unknown_device.to_owned()
            } else {
                d.name.clone()
            };
            view! {
                <li class="session" data-testid="device" data-current=d.current.to_string()>
                    <p class="session-device">
                        <strong>{name.clone()}</strong>
                        {d.current.then(|| view! { " " <span class="badge">{a.this_browser}</span> })}
                    </p>
                    {d.used_ago.map(|ago| view! {
                        <dl class="facts">
                            <dt>{a.device_used_label}</dt>
                            <dd>{(a.ago)(ago)}</dd>
                        </dl>
                    })}
                    <form method="post" action=ForgetDevice::url()>
                        <input type="hidden" name="device" value=d.key.clone()/>
                        <button type="submit" class="secondary" aria-label=(a.forget_device_named)(&name)>
                            {a.forget_device}
                        </button>
                    </form>
                </li>
            }
        })
        .collect_view();
    view! {
        <h2>{t!(lang, account.devices_heading)}</h2>
        <p>{if empty { a.devices_none } else { a.devices_intro }}</p>
        {error.map(|e| view! { <div class="banner error" role="alert">{e.message(lang)}</div> })}
        <ul class="sessions" data-testid="devices">{rows}</ul>
    }
}

/// Every form of the page, live in the browser: pending buttons, errors next to their fields.
#[island(lazy)]
fn AccountForms(view: AccountView, loaded: Loaded) -> impl IntoView {
    let account = view;
    let confirmed = account.confirmed_until.is_some();
    let policy = account.policy.clone();
    let name_action = FormAction::new::<UpdateName>();
    let name_error = use_form_error(move || name_action.value().get(), loaded.error_for(forms::NAME));
    let password_action = FormAction::new::<ChangePassword>();
    let password_error = use_form_error(move || password_action.value().get(), loaded.error_for(forms::PASSWORD));
    let reauth_action = FormAction::new::<ConfirmPassword>();
    let reauth_error = use_form_error(move || reauth_action.value().get(), loaded.error_for(forms::REAUTH));
    let lang = language();
    let typed_name = if loaded.form == forms::NAME {
        loaded.name.clone()
    } else {
        account.name.clone()
    };

    // A provider's sign-in writes the name and the e-mail (its attribute mapping): for its own
    // users and for accounts linked to it, a change here would not stick.
    let from_provider = account.federated_with.is_some() || account.linked_to.is_some();
    let linked = account.linked_to.clone().map(|provider| {
        let (before, after) = t!(lang, account.linked_note);
        view! { <p data-testid="linked">{format!("{before}{provider}{after}")}</p> }
    });
    view! {
        <MarkHydrated/>
        {(!from_provider).then(|| view! {
            <h2>{t!(lang, account.name)}</h2>
            <ErrorBanner error=banner_error(name_error)/>
            <Form action=name_action>
                <TextField
                    label=t!(lang, account.name)
                    name="name"
                    autocomplete="name"
                    value=typed_name
                    error=field_error(name_error, Field::Name)
                />
                <SubmitButton label=t!(lang, account.save_name) busy_label=t!(lang, form.saving) pending=name_action.pending()/>
            </Form>
        })}
        {linked}

        {match account.federated_with.clone() {
            // Only a provider's user: no password, two-step sign-in or e-mail here to change.
            Some(provider) => {
                let (before, after) = t!(lang, account.federated_note);
                view! {
                    <p data-testid="federated">{format!("{before}{provider}{after}")}</p>
                    <Everywhere loaded=loaded.clone()/>
                }
                    .into_any()
            }
            None => view! {
                <h2>{t!(lang, form.password)}</h2>
                <ErrorBanner error=banner_error(password_error)/>
                <Form action=password_action>
                    <PasswordField
                        label=t!(lang, account.current_password)
                        name="current_password"
                        autocomplete="current-password"
                        error=field_error(password_error, Field::CurrentPassword)
                    />
                    <NewPasswordField
                        label=t!(lang, form.new_password)
                        name="new_password"
                        policy
                        error=field_error(password_error, Field::Password)
                    />
                    <div class="check">
                        <input type="checkbox" id="sign_out_others" name="sign_out_others" value="yes"/>
                        <label for="sign_out_others">{t!(lang, account.sign_out_others)}</label>
                    </div>
                    <SubmitButton
                        label=t!(lang, account.change_password)
                        busy_label=t!(lang, account.changing)
                        pending=password_action.pending()
                    />
                </Form>

                <h2>{t!(lang, account.reauth_heading)}</h2>
                {if confirmed {
                    view! { <p data-testid="reauth-state">{t!(lang, account.reauth_done)}</p> }.into_any()
                } else {
                    view! {
                        <p data-testid="reauth-state">{t!(lang, account.reauth_needed)}</p>
                        <ErrorBanner error=banner_error(reauth_error)/>
                        <Form action=reauth_action>
                            <PasswordField
                                label=t!(lang, form.password)
                                autocomplete="current-password"
                                error=field_error(reauth_error, Field::CurrentPassword)
                            />
                            <SubmitButton
                                label=t!(lang, account.reauth_submit)
                                busy_label=t!(lang, form.checking)
                                pending=reauth_action.pending()
                            />
                        </Form>
                    }
                        .into_any()
                }}

                <TwoStep account=account.clone() loaded=loaded.clone() confirmed/>
                {account.linked_to.is_none().then(|| view! { <EmailChange account loaded=loaded.clone() confirmed/> })}
                <Everywhere loaded=loaded.clone()/>
                <Delete loaded confirmed/>
            }
                .into_any(),
        }}
    }
}

/// A form's last answer: `None` before it was sent, then its error (`Some(None)`: it worked).
fn answer(action: FormAction) -> Signal<Option<Option<AppError>>> {
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
    let start = FormAction::new::<StartAuthenticator>();
    let confirm = FormAction::new::<ConfirmAuthenticator>();
    let off = FormAction::new::<TurnOffAuthenticator>();
    let error = section_error(
        [answer(start), answer(confirm), answer(off)],
        loaded.error_for(forms::AUTHENTICATOR),
    );
    let lang = language();
    let body = match (account.totp_enabled, account.totp_setup) {
        (true, _) if account.totp_required => view! { <p>{t!(lang, account.totp_on)}</p> }.into_any(),
        (true, _) if confirmed => view! {
            <p>{t!(lang, account.totp_on_confirmed)}</p>
            <Form action=off>
                <SubmitButton label=t!(lang, account.turn_off) busy_label=t!(lang, account.turning_off) pending=off.pending()/>
            </Form>
        }
        .into_any(),
        (true, _) => view! { <p>{t!(lang, account.totp_on)}</p> }.into_any(),
        (false, Some(totp)) => view! {
            <TotpInstructions totp/>
            <Form action=confirm>
                <CodeField label=t!(lang, form.code_from_app) id="totp-code" error=field_error(error, Field::Code)/>
                <SubmitButton label=t!(lang, account.turn_on) busy_label=t!(lang, form.checking) pending=confirm.pending()/>
            </Form>
        }
        .into_any(),
        (false, None) if confirmed => view! {
            <p>{t!(lang, account.totp_off)}</p>
            <Form action=start>
                <SubmitButton label=t!(lang, account.set_up) busy_label=t!(lang, account.preparing) pending=start.pending()/>
            </Form>
        }
        .into_any(),
        (false, None) => view! {
            <p>{t!(lang, account.totp_off)}</p>
            <p>{t!(lang, account.totp_needs_reauth)}</p>
        }
        .into_any(),
    };
    view! {
        <h2>{t!(lang, account.two_step)}</h2>
        <ErrorBanner error=banner_error(error)/>
        {body}
    }
}

/// A new e-mail address, confirmed with the code Cognito sends to it.
#[component]
fn EmailChange(account: AccountView, loaded: Loaded, confirmed: bool) -> impl IntoView {
    let change = FormAction::new::<ChangeEmail>();
    let verify = FormAction::new::<VerifyNewEmail>();
    let resend = FormAction::new::<ResendEmailCode>();
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
    let lang = language();
    let pending = t!(lang, account.email_pending);
    // An address nobody proved yet (an account an administrator or the PreSignUp trigger
    // confirmed): a code to it, without the password again — proving an address is no risk.
    let unverified = (!account.email_verified && account.pending_email.is_none()).then(|| {
        view! {
            <p data-testid="verify-email">{t!(lang, account.verify_needed)}</p>
            <Form action=resend attr:class="inline">
                <button type="submit" class="link" disabled=move || resend.pending().get()>{t!(lang, account.verify_send)}</button>
            </Form>
            <Form action=verify>
                <CodeField label=t!(lang, form.code_from_email) id="verify-code" error=field_error(error, Field::Code)/>
                <SubmitButton label=t!(lang, account.verify_submit) busy_label=t!(lang, form.checking) pending=verify.pending()/>
            </Form>
        }
    });
    let body = match account.pending_email {
        Some(new_email) => view! {
            <p>{pending.0} <strong>{new_email}</strong> {pending.1} {current} {pending.2}</p>
            <Form action=verify>
                <CodeField label=t!(lang, form.code_from_email) id="email-code" error=field_error(error, Field::Code)/>
                <SubmitButton label=t!(lang, account.change_email) busy_label=t!(lang, form.checking) pending=verify.pending()/>
            </Form>
            <Form action=resend attr:class="inline">
                <button type="submit" class="link" disabled=move || resend.pending().get()>{t!(lang, account.resend)}</button>
            </Form>
        }
        .into_any(),
        None if confirmed => view! {
            <Form action=change>
                <TextField
                    label=t!(lang, account.new_email)
                    name="email"
                    kind="email"
                    autocomplete="email"
                    value=typed
                    required=true
                    error=field_error(error, Field::Email)
                />
                <SubmitButton label=t!(lang, account.send_code) busy_label=t!(lang, form.sending) pending=change.pending()/>
            </Form>
        }
        .into_any(),
        None => view! { <p>{t!(lang, account.email_needs_reauth)}</p> }.into_any(),
    };
    view! {
        <h2>{t!(lang, form.email)}</h2>
        <ErrorBanner error=banner_error(error)/>
        {unverified}
        {body}
    }
}

/// Sign out on every device (GlobalSignOut).
#[component]
fn Everywhere(loaded: Loaded) -> impl IntoView {
    let action = FormAction::new::<SignOutEverywhere>();
    let error = use_form_error(move || action.value().get(), loaded.error_for(forms::EVERYWHERE));
    let lang = language();
    view! {
        <h2>{t!(lang, account.everywhere_heading)}</h2>
        <p>{t!(lang, account.everywhere_intro)}</p>
        <ErrorBanner error=banner_error(error)/>
        <Form action>
            <SubmitButton
                label=t!(lang, account.everywhere_heading)
                busy_label=t!(lang, account.signing_out)
                pending=action.pending()
            />
        </Form>
    }
}

/// Delete the account for good.
#[component]
fn Delete(loaded: Loaded, confirmed: bool) -> impl IntoView {
    let action = FormAction::new::<DeleteAccount>();
    let error = use_form_error(move || action.value().get(), loaded.error_for(forms::DELETE));
    let lang = language();
    view! {
        <h2>{t!(lang, account.delete_heading)}</h2>
        <ErrorBanner error=banner_error(error)/>
        {if confirmed {
            view! {
                <Form action attr:class="danger">
                    <div class="check">
                        <input type="checkbox" id="confirm-delete" name="confirm" value="yes" required=true/>
                        <label for="confirm-delete">{t!(lang, account.delete_confirm)}</label>
                    </div>
                    <SubmitButton
                        label=t!(lang, account.delete_submit)
                        busy_label=t!(lang, account.deleting)
                        pending=action.pending()
                    />
                </Form>
            }
                .into_any()
        } else {
            view! { <p>{t!(lang, account.delete_needs_reauth)}</p> }.into_any()
        }}
    }
}
