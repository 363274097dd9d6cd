//! The CustomMessage trigger: writes every e-mail and SMS Cognito sends for this app — the
//! sign-up code, its resend, the password-reset code, the code for a new e-mail address, the
//! invitation with a temporary password and the sign-in code — in the language the person chose.
//!
//! The app stores that choice in Cognito's standard `locale` attribute at sign-up, so the
//! message follows the person, not the browser that happens to trigger it: an invitation an administrator sends from the console is
//! in the invitee's language too. `ja`, `ja-JP`, … give Japanese; anything else, or no
//! attribute, English.
//!
//! Cognito fills the placeholders it passes in the event (`codeParameter`, `{####}`;
//! `usernameParameter`, `{username}`) after the trigger returns, so the code never reaches this
//! function. Each placeholder appears exactly once per message: Cognito rejects an invitation
//! without both, and cognito-local replaces only the first occurrence.
//!
//! The same binary (`src/main.rs`, the `bootstrap` of `cargo lambda build --release`) runs in
//! AWS Lambda and locally under `cargo lambda watch`, which cognito-local calls.

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCustomMessage, CognitoEventUserPoolsCustomMessageTriggerSource as Source,
};

/// The two languages the app speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    English,
    Japanese,
}

impl Language {
    /// From a BCP 47 tag as Cognito's `locale` attribute holds it (`ja`, `ja-JP`, `en-GB`…).
    pub fn from_locale(locale: Option<&str>) -> Self {
        match locale.map(|l| l.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase()) {
            Some(primary) if primary == "ja" => Self::Japanese,
            _ => Self::English,
        }
    }
}

/// What the operator configures on the function (environment variables).
#[derive(Clone, Debug)]
pub struct Settings {
    /// `APP_NAME`: how the messages name the app (default "leptos-cognito").
    pub app_name: String,
    /// `APP_URL`: when set, messages link to the page where the code is entered.
    pub app_url: Option<String>,
}

impl Settings {
    pub fn from_env() -> Self {
        let non_empty = |name| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            app_name: non_empty("APP_NAME").unwrap_or_else(|| "leptos-cognito".to_owned()),
            app_url: non_empty("APP_URL").map(|u| u.trim_end_matches('/').to_owned()),
        }
    }
}

/// One message in one language: the e-mail (subject and HTML body) and the SMS text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub email_subject: String,
    pub email_html: String,
    pub sms: String,
}

/// Fills in the event's `response`. A trigger source this app does not know (Cognito may add
/// one) is left empty, so Cognito sends its own default message rather than none.
pub fn custom_message(
    mut event: CognitoEventUserPoolsCustomMessage,
    settings: &Settings,
) -> CognitoEventUserPoolsCustomMessage {
    let Some(source) = event.cognito_event_user_pools_header.trigger_source.clone() else {
        return event;
    };
    let locale = event.request.user_attributes.get("locale").and_then(|v| v.as_str());
    let language = Language::from_locale(locale);
    let code = event
        .request
        .code_parameter
        .clone()
        .unwrap_or_else(|| "{####}".to_owned());
    let username = event
        .request
        .username_parameter
        .clone()
        .unwrap_or_else(|| "{username}".to_owned());
    if let Some(message) = message(&source, language, settings, &code, &username) {
        event.response.email_subject = Some(message.email_subject);
        event.response.email_message = Some(message.email_html);
        event.response.sms_message = Some(message.sms);
    }
    event
}

/// The message for `source` in `language`; `code` and `username` are Cognito's placeholders.
pub fn message(
    source: &Source,
    language: Language,
    settings: &Settings,
    code: &str,
    username: &str,
) -> Option<Message> {
    let app = escape(&settings.app_name);
    let link = |path: &str| settings.app_url.as_ref().map(|url| format!("{}{path}", escape(url)));
    // Which page takes the code, for the link under it.
    let page = match source {
        Source::SignUp | Source::ResendCode => link("/confirm"),
        Source::ForgotPassword => link("/forgot-password"),
        Source::UpdateUserAttribute | Source::VerifyUserAttribute => link("/account"),
        Source::AdminCreateUser => link("/sign-in"),
        Source::Authentication => None,
        _ => return None,
    };
    let code_html = format!("<strong style=\"font-size:1.25em;letter-spacing:0.1em\">{code}</strong>");
    let (subject, paragraphs, sms) = match language {
        Language::English => english(source, &app, &code_html, code, username, page.as_deref())?,
        Language::Japanese => japanese(source, &app, &code_html, code, username, page.as_deref())?,
    };
    let lang = match language {
        Language::English => "en",
        Language::Japanese => "ja",
    };
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    Some(Message {
        email_subject: subject,
        email_html: format!("<div lang=\"{lang}\">{body}</div>"),
        sms,
    })
}

type Parts = (String, Vec<String>, String);

fn english(
    source: &Source,
    app: &str,
    code_html: &str,
    code: &str,
    username: &str,
    page: Option<&str>,
) -> Option<Parts> {
    let enter = |what: &str| match page {
        Some(url) => format!("Enter {what} at <a href=\"{url}\">{url}</a>."),
        None => format!("Enter {what} where you were asked for it."),
    };
    let not_you = "If this was not you, you can ignore this e-mail.".to_owned();
    Some(match source {
        Source::SignUp | Source::ResendCode => (
            format!("Your {app} confirmation code"),
            vec![
                format!("Thank you for signing up for {app}. Your confirmation code is {code_html}."),
                format!("{} It is valid for 24 hours.", enter("it")),
                format!(
                    "If you did not sign up for {app}, you can ignore this e-mail: no account is created without the code."
                ),
            ],
            format!("{app}: your confirmation code is {code}"),
        ),
        Source::ForgotPassword => (
            format!("Reset your {app} password"),
            vec![
                format!("Someone asked to reset the password of your {app} account. Your code is {code_html}."),
                format!("{} It is valid for 1 hour.", enter("it with your new password")),
                format!("{not_you} Your password stays as it is."),
            ],
            format!("{app}: your password reset code is {code}"),
        ),
        Source::UpdateUserAttribute | Source::VerifyUserAttribute => (
            format!("Confirm your e-mail address for {app}"),
            vec![
                format!("To use this e-mail address for your {app} account, enter the code {code_html}."),
                enter("it on your account page"),
                format!("Until then your account keeps its current address. {not_you}"),
            ],
            format!("{app}: your verification code is {code}"),
        ),
        Source::AdminCreateUser => (
            format!("You have been invited to {app}"),
            vec![
                format!("An account has been made for you on {app}."),
                format!("Username: <strong>{username}</strong><br>Temporary password: {code_html}"),
                match page {
                    Some(url) => {
                        format!("Sign in at <a href=\"{url}\">{url}</a>; you will then choose your own password.")
                    }
                    None => "Sign in with these; you will then choose your own password.".to_owned(),
                },
            ],
            format!("{app}: username {username}, temporary password {code}"),
        ),
        Source::Authentication => (
            format!("Your {app} sign-in code"),
            vec![
                format!("Your sign-in code is {code_html}."),
                format!(
                    "If you did not ask for this code, you can ignore this e-mail: nobody can sign in to {app} without it."
                ),
            ],
            format!("{app}: your sign-in code is {code}"),
        ),
        _ => return None,
    })
}

fn japanese(
    source: &Source,
    app: &str,
    code_html: &str,
    code: &str,
    username: &str,
    page: Option<&str>,
) -> Option<Parts> {
    let enter = |what: &str| match page {
        Some(url) => format!("{what}を <a href=\"{url}\">{url}</a> で入力してください。"),
        None => format!("{what}を、コードの入力画面に入力してください。"),
    };
    let not_you = "お心当たりがない場合は、このメールを破棄してください。".to_owned();
    Some(match source {
        Source::SignUp | Source::ResendCode => (
            format!("【{app}】メールアドレスの確認コード"),
            vec![
                format!("{app} にご登録いただきありがとうございます。確認コードは {code_html} です。"),
                format!("{}コードの有効期限は24時間です。", enter("このコード")),
                format!(
                    "{app} に登録した覚えがない場合は、このメールを破棄してください。コードが入力されない限り、アカウントは作成されません。"
                ),
            ],
            format!("{app} の確認コード: {code}"),
        ),
        Source::ForgotPassword => (
            format!("【{app}】パスワード再設定のご案内"),
            vec![
                format!("{app} のパスワード再設定のリクエストを受け付けました。確認コードは {code_html} です。"),
                format!(
                    "{}コードの有効期限は1時間です。",
                    enter("新しいパスワードとあわせてこのコード")
                ),
                format!("{not_you}パスワードは変更されません。"),
            ],
            format!("{app} のパスワード再設定コード: {code}"),
        ),
        Source::UpdateUserAttribute | Source::VerifyUserAttribute => (
            format!("【{app}】メールアドレスの確認"),
            vec![
                format!(
                    "このメールアドレスを {app} のアカウントで使うには、確認コード {code_html} を入力してください。"
                ),
                enter("アカウントページでこのコード"),
                format!("確認が済むまでは、これまでのメールアドレスが引き続き使われます。{not_you}"),
            ],
            format!("{app} の確認コード: {code}"),
        ),
        Source::AdminCreateUser => (
            format!("【{app}】アカウントのご案内"),
            vec![
                format!("{app} にあなたのアカウントが作成されました。"),
                format!("ユーザー名: <strong>{username}</strong><br>仮パスワード: {code_html}"),
                match page {
                    Some(url) => {
                        format!("<a href=\"{url}\">{url}</a> からサインインし、ご自身のパスワードを設定してください。")
                    }
                    None => {
                        "このユーザー名と仮パスワードでサインインし、ご自身のパスワードを設定してください。".to_owned()
                    }
                },
            ],
            format!("{app} ユーザー名: {username} 仮パスワード: {code}"),
        ),
        Source::Authentication => (
            format!("【{app}】サインイン用のコード"),
            vec![
                format!("サインイン用のコードは {code_html} です。"),
                format!(
                    "このコードに心当たりがない場合は、このメールを無視してください。コードがなければ {app} にはサインインできません。"
                ),
            ],
            format!("{app} のサインインコード: {code}"),
        ),
        _ => return None,
    })
}

/// HTML-escapes operator-configured text (the app's name and URL) for the e-mail body.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags() {
        for ja in ["ja", "ja-JP", "JA_jp", " ja "] {
            assert_eq!(Language::from_locale(Some(ja)), Language::Japanese, "{ja}");
        }
        for en in ["en", "en-GB", "jav", "", "fr"] {
            assert_eq!(Language::from_locale(Some(en)), Language::English, "{en}");
        }
        assert_eq!(Language::from_locale(None), Language::English);
    }

    #[test]
    fn app_name_is_escaped() {
        let settings = Settings {
            app_name: "A&B <Shop>".into(),
            app_url: None,
        };
        let m = message(&Source::SignUp, Language::English, &settings, "{####}", "{username}");
        assert!(m.is_some_and(|m| m.email_html.contains("A&amp;B &lt;Shop&gt;") && !m.email_html.contains("<Shop>")));
    }
}
