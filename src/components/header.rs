//! The site header: who is signed in and a sign-out button, or the sign-in / sign-up links.
//! Plain HTML from the server: every change of who is signed in loads a whole new page.

use crate::auth::{SignOut, get_current_user};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let user = Resource::new(|| (), |_| get_current_user());
    view! {
        <header class="site-header">
            <A href="/">"leptos-cognito"</A>
            <nav aria-label="Account">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(user)) => {
                                view! {
                                    <span class="who">"Signed in as " <strong>{user.email}</strong></span>
                                    <A href="/protected">"Protected page"</A>
                                    <A href="/account">"Account"</A>
                                    // A plain post: the server signs out and redirects home.
                                    <form method="post" action=SignOut::url() class="inline">
                                        <button type="submit" class="secondary">"Sign out"</button>
                                    </form>
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
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}
