//! The shape of every text the app shows. `en.rs` and `ja.rs` each fill in one [`Texts`]; a
//! text missing from either is a missing field, so the build fails. Texts with a value in them
//! are functions, so a wrong or missing argument fails the build too. Where a value sits in the
//! middle of a sentence (a link, an e-mail in bold), the text is split around it: Japanese puts
//! it in a different place than English.

/// A text.
pub type Text = &'static str;
/// The words before and after a value (a link, a name in bold).
pub type Around = (Text, Text);
/// Before the first value, between the two, after the second.
pub type Around2 = (Text, Text, Text);

pub struct Texts {
    pub site: Site,
    pub form: Form,
    pub home: Home,
    pub sign_up: SignUp,
    pub confirm: Confirm,
    pub sign_in: SignIn,
    pub challenge: Challenge,
    pub forgot: Forgot,
    pub protected: Protected,
    pub account: Account,
    pub not_found: NotFound,
    pub attribute: Attribute,
    pub errors: Errors,
}

pub struct Site {
    /// `<title>`: "{page} · leptos-cognito".
    pub title: fn(&str) -> String,
    pub nav_label: Text,
    /// Around the e-mail of the person signed in.
    pub signed_in_as: Around,
    pub protected: Text,
    pub account: Text,
    pub sign_in: Text,
    pub sign_up: Text,
    pub sign_out: Text,
    /// The language switch: the group's name.
    pub language: Text,
    /// Between items of a list ("A, B" / "A、B").
    pub list_separator: Text,
    /// The link on the "briefly unavailable" page.
    pub try_again: Text,
}

pub struct Form {
    pub email: Text,
    pub password: Text,
    pub new_password: Text,
    pub show: Text,
    pub hide: Text,
    pub saving: Text,
    pub checking: Text,
    pub sending: Text,
    pub start_again: Text,
    pub rules_label: Text,
    pub rule_done: Text,
    pub rule_missing: Text,
    pub rule_min_length: fn(u32) -> String,
    pub rule_uppercase: Text,
    pub rule_lowercase: Text,
    pub rule_number: Text,
    pub rule_symbol: Text,
    pub code_from_app: Text,
    pub code_from_email: Text,
    pub code_from_sms: Text,
    pub totp_scan: Text,
    pub totp_by_hand: Text,
    pub totp_enter: Text,
    pub totp_qr_label: Text,
}

pub struct Home {
    pub heading: Text,
    pub intro: Text,
    pub loading: Text,
    /// Around the confirmation mode's name.
    pub mode: Around,
    pub mode_code: Text,
    pub mode_lambda: Text,
    pub mode_admin: Text,
    pub describe_code: Text,
    pub describe_lambda: Text,
    pub describe_admin: Text,
    pub steps_heading: Text,
    /// Each step is the words around its link, and the link's text.
    pub step_sign_up: (Around, Text),
    pub step_confirm: (Around, Text),
    pub step_sign_in: (Around, Text),
    /// Around the link, then around `GET /api/me`.
    pub step_protected: (Text, Text, Text, Text),
    pub step_refresh: Text,
    pub step_account: (Around, Text),
    pub step_sign_out: Text,
    pub account_deleted: Text,
}

pub struct SignUp {
    pub title: Text,
    pub heading: Text,
    pub name: Text,
    pub submit: Text,
    pub submitting: Text,
    pub have_account: Around,
}

pub struct Confirm {
    pub heading: Text,
    pub emulator: Text,
    pub already: Around,
    pub code_sent: fn(&str) -> String,
    pub code_resent: Text,
    pub not_confirmed: Text,
    pub code: Text,
    pub code_hint: Text,
    pub submit: Text,
    pub submitting: Text,
    pub resend: Text,
}

pub struct SignIn {
    pub heading: Text,
    pub confirmed: Text,
    pub password_reset: Text,
    pub signed_out: Text,
    pub signed_out_everywhere: Text,
    /// Signed out everywhere in this app; this Cognito has no global sign-out (an emulator).
    pub signed_out_everywhere_app_only: Text,
    /// Signed out everywhere in this app; Cognito's global sign-out failed and is tried again.
    pub signed_out_everywhere_retrying: Text,
    /// Signed out at Cognito, but this app could not record it (its store is down).
    pub signed_out_everywhere_cognito_only: Text,
    /// "Continue with …" from a browser signed in already: what going on does.
    pub replace_session: Text,
    pub forgot: Text,
    pub new_here: Around,
    pub create: Text,
    pub submitting: Text,
    /// Between the password form and the other ways to sign in.
    pub or: Text,
    pub with_passkey: Text,
    /// "Continue with {provider}" (a provider the pool federates: Google, a company's).
    pub continue_with: Around,
    /// The link to Cognito's managed login page.
    pub managed_login: Text,
    /// The accessible name of the "Continue with …" links' group.
    pub other_ways: Text,
    pub waiting_for_passkey: Text,
    pub email_code: Text,
    pub sending_code: Text,
    /// Shown without JavaScript where the passkey button would be.
    pub passkey_needs_js: Text,
    /// The code page's heading when the code is the whole sign-in (no password before it).
    pub code_heading: Text,
}

pub struct Challenge {
    pub two_step: Text,
    pub choose_title: Text,
    /// Around the e-mail of the person signing in.
    pub signing_in_as: Around,
    pub someone: Text,
    pub email_intro: fn(&str) -> String,
    pub sms_intro: fn(&str) -> String,
    pub app_intro: Text,
    pub continue_: Text,
    pub continuing: Text,
    pub choose_legend: Text,
    pub factor_app: Text,
    pub factor_sms: Text,
    pub factor_email: Text,
    pub factor_other: Text,
    pub new_password_heading: Text,
    /// Around the invited person's e-mail.
    pub welcome: Around,
    pub set_password: Text,
    pub set_up_heading: Text,
    /// Around the e-mail of the person signing in.
    pub set_up_intro: Around,
    pub turn_on: Text,
    /// "Remember this browser" on the code page (pools that ask the person).
    pub remember: Text,
    pub remember_hint: Text,
}

pub struct Forgot {
    pub heading: Text,
    pub intro: Text,
    pub code_sent: fn(&str) -> String,
    /// Why a code may not come: Cognito sends reset codes only to a verified address.
    pub verified_only: Text,
    pub back: Text,
    pub send: Text,
    pub code: Text,
    /// Around the list of the policy's rules.
    pub needs: Around,
    pub submit: Text,
}

pub struct Protected {
    pub heading: Text,
    pub checking: Text,
    pub signed_in_as: Around,
    pub answered: Text,
    /// Around `GET /api/me`, then around `Authorization: Bearer …`.
    pub explain: Around2,
    /// The accessible names of the three lists: the request, the API's answer, the session.
    pub request_label: Text,
    pub answer_label: Text,
    pub session_label: Text,
    pub request: Text,
    pub authorization: Text,
    /// After `Bearer …`: what stands for the token, given its length in bytes.
    pub token_elided: fn(usize) -> String,
    pub status: Text,
    /// The status of a call the API never answered.
    pub no_answer: Text,
    pub username: Text,
    pub subject: Text,
    pub groups: Text,
    pub not_available: Text,
    pub none: Text,
    pub expires: Text,
    pub in_seconds: fn(i64) -> String,
    pub seconds_ago: fn(i64) -> String,
    pub refreshed: Text,
    pub not_refreshed: Text,
    pub call_again: Text,
    pub wait_hint: Text,
    pub api_unreachable: Text,
    pub api_unexpected: Text,
    pub api_expired: Text,
    pub api_refused: fn(u16) -> String,
}

pub struct Account {
    pub heading: Text,
    pub loading: Text,
    pub confirmed: Text,
    pub password_changed: Text,
    pub password_changed_everywhere: Text,
    pub password_changed_everywhere_app_only: Text,
    pub password_changed_everywhere_cognito_only: Text,
    pub verify_code_sent: Text,
    pub totp_needs_reauth: Text,
    pub email_verified: Text,
    /// The account's address is not verified: why it matters, and how.
    pub verify_needed: Text,
    pub verify_send: Text,
    pub verify_submit: Text,
    pub authenticator_started: Text,
    pub authenticator_on: Text,
    pub authenticator_off: Text,
    pub name_changed: Text,
    pub email_code_sent: Text,
    pub email_code_resent: Text,
    pub email_changed: Text,
    pub email_unchanged: Text,
    pub verified: Text,
    pub not_verified: Text,
    /// Around the e-mail's state ("verified").
    pub state: Around,
    pub name: Text,
    pub no_name: Text,
    pub two_step: Text,
    pub two_step_on: Text,
    pub two_step_off: Text,
    pub save_name: Text,
    pub current_password: Text,
    pub sign_out_others: Text,
    pub change_password: Text,
    pub changing: Text,
    pub reauth_heading: Text,
    pub reauth_done: Text,
    pub reauth_needed: Text,
    pub reauth_submit: Text,
    pub totp_on_confirmed: Text,
    pub totp_on: Text,
    pub totp_off: Text,
    pub turn_off: Text,
    pub turning_off: Text,
    pub turn_on: Text,
    pub set_up: Text,
    pub preparing: Text,
    /// Around the new address, then around the current one.
    pub email_pending: Around2,
    pub change_email: Text,
    pub resend: Text,
    pub new_email: Text,
    pub send_code: Text,
    pub email_needs_reauth: Text,
    pub sessions_heading: Text,
    pub sessions_intro: Text,
    /// Beside the session the page is open in.
    pub this_session: Text,
    pub unknown_device: Text,
    pub unknown_place: Text,
    pub signed_in_label: Text,
    pub last_seen_label: Text,
    pub place_label: Text,
    pub method_label: Text,
    pub method_password: Text,
    pub method_password_totp: Text,
    pub method_password_email: Text,
    pub method_password_sms: Text,
    pub method_passkey: Text,
    pub method_email_code: Text,
    pub method_federated: Text,
    /// On the account page of a person who exists only through a provider.
    pub federated_note: Around,
    /// On the account page of a pool's own user linked to a provider.
    pub linked_note: Around,
    pub method_managed_login: Text,
    /// A time before now, in words ("5 minutes ago").
    pub ago: fn(i64) -> String,
    pub end_session: Text,
    /// The button's accessible name: "Sign out Chrome on macOS".
    pub end_session_named: fn(&str) -> String,
    pub session_ended: Text,
    pub devices_heading: Text,
    pub devices_intro: Text,
    pub devices_none: Text,
    /// Beside the browser the page is open in.
    pub this_browser: Text,
    pub device_used_label: Text,
    pub forget_device: Text,
    /// The button's accessible name: "Forget Firefox on Linux".
    pub forget_device_named: fn(&str) -> String,
    pub device_forgotten: Text,
    pub everywhere_heading: Text,
    pub everywhere_intro: Text,
    pub signing_out: Text,
    pub delete_heading: Text,
    pub delete_confirm: Text,
    pub delete_submit: Text,
    pub deleting: Text,
    pub delete_needs_reauth: Text,
    pub passkeys_heading: Text,
    pub passkeys_intro: Text,
    pub passkeys_none: Text,
    pub passkey_add: Text,
    pub passkey_adding: Text,
    pub passkey_needs_js: Text,
    pub passkey_needs_reauth: Text,
    /// When a passkey was added, in words ("3 days ago").
    pub passkey_added_label: Text,
    pub passkey_kind_label: Text,
    pub passkey_platform: Text,
    pub passkey_cross_platform: Text,
    pub passkey_unknown_kind: Text,
    pub passkey_delete: Text,
    /// The button's accessible name: "Remove Chrome on Mac".
    pub passkey_delete_named: fn(&str) -> String,
    pub passkey_unnamed: Text,
    pub passkey_added: Text,
    pub passkey_deleted: Text,
}

pub struct NotFound {
    pub title: Text,
    pub heading: Text,
    /// Around the link to the start page, and its text.
    pub body: (Around, Text),
}

/// Labels of the standard attributes a pool may require of an invited user.
pub struct Attribute {
    pub name: Text,
    pub given_name: Text,
    pub family_name: Text,
    pub middle_name: Text,
    pub nickname: Text,
    pub preferred_username: Text,
    pub phone_number: Text,
    pub birthdate: Text,
    pub gender: Text,
    pub address: Text,
    pub locale: Text,
    pub zoneinfo: Text,
    pub website: Text,
    pub picture: Text,
    pub profile: Text,
}

/// One message per [`crate::error::AppError`].
pub struct Errors {
    pub invalid_email: Text,
    pub weak_password: Text,
    pub invalid_name: Text,
    pub invalid_code: Text,
    pub email_taken: Text,
    pub invalid_credentials: Text,
    pub not_confirmed: Text,
    pub wrong_code: Text,
    pub expired_code: Text,
    pub password_reset_required: Text,
    pub invalid_mfa_code: Text,
    pub wrong_mfa_code: Text,
    pub challenge_expired: Text,
    pub unsupported_challenge: Text,
    pub mfa_setup_unavailable: Text,
    pub missing_attributes: Text,
    pub password_reused: Text,
    pub invalid_choice: Text,
    pub wrong_password: Text,
    pub reauth_required: Text,
    pub sign_out_everywhere_unavailable: Text,
    pub confirm_deletion: Text,
    pub session_too_large: Text,
    pub mfa_required: Text,
    pub too_many_attempts: Text,
    pub password_attempts_exceeded: Text,
    pub code_attempts_used: Text,
    pub throttled: Text,
    pub rate_limited: fn(u32) -> String,
    pub resend_unavailable: Text,
    pub code_delivery_failed: Text,
    pub sign_up_rejected: Text,
    pub sign_in_rejected: Text,
    pub change_rejected: Text,
    pub code_rejected: Text,
    pub trigger_failed: Text,
    pub blocked_by_firewall: Text,
    pub not_enabled: Text,
    pub not_in_plan: Text,
    pub already_confirmed: Text,
    pub no_verified_email: Text,
    pub invalid_totp_code: Text,
    pub no_passkey: Text,
    pub method_unavailable: Text,
    pub passkey_cancelled: Text,
    pub passkey_refused: Text,
    pub passkey_wrong_site: Text,
    pub passkeys_unavailable: Text,
    pub passkey_expired: Text,
    pub passkey_already_added: Text,
    pub too_many_passkeys: Text,
    pub federation_cancelled: Text,
    pub federation_failed: Text,
    pub federation_expired: Text,
    pub federation_unavailable: Text,
    pub federation_linked: Text,
    pub session_expired: Text,
    pub unavailable: Text,
    pub briefly_unavailable: Text,
    pub forbidden: Text,
    pub too_large: Text,
    pub bad_request: Text,
    pub internal: Text,
}
