//! The site header: who is signed in and a sign-out button, or the sign-in / sign-up links.

use crate::auth::use_auth;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    view! {
        <header class="site-header">
            <A href="/">"leptos-cognito"</A>
            <nav aria-label="Account">
                <Transition fallback=|| ()>
                    {move || {
                        auth.user
                            .get()
                            .map(|user| match user {
                                Ok(Some(user)) => {
                                    view! {
                                        <span class="who">"Signed in as " <strong>{user.email}</strong></span>
                                        <A href="/protected">"Protected page"</A>
                                        <ActionForm action=auth.sign_out attr:class="inline">
                                            <button type="submit" class="secondary">"Sign out"</button>
                                        </ActionForm>
                                    }
                                        .into_any()
                                }
                                _ => {
                                    view! {
                                        <A href="/sign-in">"Sign in"</A>
                                        <A href="/sign-up">"Sign up"</A>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
            </nav>
        </header>
    }
}
