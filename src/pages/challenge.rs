//! What every sign-in challenge page shares: reading the pending challenge on the server, and
//! sending the person on when it is missing, expired or for another page.

use crate::auth::ChallengePage as _;
use crate::auth::{ChallengeKind, ChallengeView, get_sign_in_challenge};
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Renders `page` with the pending challenge when it is one of `kinds`; otherwise redirects
/// (302 on the server) to the page of the challenge that is pending, or to the sign-in form.
#[component]
pub fn ChallengeGate<F, V>(kinds: &'static [ChallengeKind], page: F) -> impl IntoView
where
    F: Fn(ChallengeView) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let challenge = Resource::new(|| (), |_| get_sign_in_challenge());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match challenge.await {
                        Ok(Some(view)) if kinds.contains(&view.kind) => page(view).into_any(),
                        Ok(Some(view)) => view! { <Redirect path=view.kind.path()/> }.into_any(),
                        _ => view! { <Redirect path="/sign-in?error=challenge_expired"/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
