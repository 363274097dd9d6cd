//! Adding an authenticator app: the QR code and the key as text (sign-in's MFA set-up and the
//! account page).

use crate::auth::TotpSetup;
use leptos::prelude::*;

/// The QR code and the secret as text. The SVG is made on the server (`auth::totp`); nothing
/// here needs the browser to run code.
#[component]
pub fn TotpInstructions(totp: TotpSetup) -> impl IntoView {
    view! {
        <ol class="steps">
            <li>
                "Scan this QR code with the app:"
                <div class="qr" inner_html=totp.qr_svg></div>
            </li>
            <li>
                "Or add an account by hand with this key (time-based):"
                <p><code class="secret" data-testid="totp-secret">{totp.secret_grouped}</code></p>
            </li>
            <li>"Enter the 6-digit code the app then shows."</li>
        </ol>
    }
}
