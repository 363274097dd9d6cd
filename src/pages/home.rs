//! `/`: what the scenario is, which confirmation mode is active, and each step in order.

use crate::auth::get_sign_up_settings;
use crate::components::{Notice, query_value};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_sign_up_settings());
    let notice = (query_value("notice") == "account_deleted").then(|| "Your account has been deleted.".to_owned());
    view! {
        <Title text="leptos-cognito"/>
        <section class="card wide">
            <Notice text=notice/>
            <h1>"Amazon Cognito in front of a Leptos app"</h1>
            <p>
                "This app signs people up and in with a Cognito user pool, using its own forms. "
                "The server talks to Cognito, keeps the tokens in encrypted HttpOnly cookies and "
                "refreshes them by itself — no token is ever stored in the browser. A protected page "
                "then calls an API that checks the access token against the pool's signing keys."
            </p>
            <Suspense fallback=|| view! { <p>"Loading the pool's settings…"</p> }>
                {move || Suspend::new(async move {
                    settings
                        .await
                        .ok()
                        .map(|s| {
                            view! {
                                <p class="mode" data-mode=format!("{:?}", s.mode).to_lowercase()>
                                    "New accounts are confirmed by " <strong>{s.mode.name()}</strong> ": "
                                    {s.mode.describe()}
                                </p>
                            }
                        })
                })}
            </Suspense>
            <h2>"Try it, step by step"</h2>
            <ol class="steps">
                <li><A href="/sign-up">"Sign up"</A>" with an e-mail address and a password that meets the pool's policy."</li>
                <li><A href="/confirm">"Confirm"</A>" the account with the e-mailed code (in code mode)."</li>
                <li><A href="/sign-in">"Sign in"</A>": the server receives the tokens and keeps them."</li>
                <li>"Open the "<A href="/protected">"protected page"</A>": it calls "<code>"GET /api/me"</code>" with a fresh access token."</li>
                <li>"Wait for the access token to expire and call the API again: the server refreshes the session by itself."</li>
                <li>"Look after your "<A href="/account">"account"</A>": password, an authenticator app for two-step sign-in, name, e-mail, sign out everywhere, delete it."</li>
                <li>"Sign out: the refresh token is revoked at Cognito and the cookies are cleared."</li>
            </ol>
        </section>
    }
}
