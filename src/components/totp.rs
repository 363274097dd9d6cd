//! Adding an authenticator app: the QR code and the key as text (sign-in's MFA set-up and the
//! account page).

use crate::auth::TotpSetup;
use crate::i18n::language;
use crate::t;
use leptos::prelude::*;

/// The QR code and the secret as text. The SVG is made on the server (`auth::totp`); nothing
/// here needs the browser to run code.
#[component]
pub fn TotpInstructions(totp: TotpSetup) -> impl IntoView {
    // Also shown inside the account page's island: texts one at a time (see `crate::i18n`).
    let lang = language();
    view! {
        <ol class="steps">
            <li>
                {t!(lang, form.totp_scan)}
                <div class="qr" role="img" aria-label=t!(lang, form.totp_qr_label) inner_html=totp.qr_svg></div>
            </li>
            <li>
                {t!(lang, form.totp_by_hand)}
                <p><code class="secret" data-testid="totp-secret">{totp.secret_grouped}</code></p>
            </li>
            <li>{t!(lang, form.totp_enter)}</li>
        </ol>
    }
}
