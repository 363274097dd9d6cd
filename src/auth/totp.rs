//! Setting up an authenticator app: the `otpauth://` URI that apps read, as a QR code rendered
//! on the server (inline SVG, no image request, nothing for the browser to run), and the same
//! secret as grouped text for typing by hand. Used by the sign-in's MFA_SETUP step and by the
//! account page.

use super::TotpSetup;
use crate::error::AppError;
use cognito_auth::AuthError;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Everything but RFC 3986's unreserved characters is escaped in the label and parameters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The Key URI Format authenticator apps read: `otpauth://totp/Issuer:account?secret=…&issuer=…`.
/// The issuer is in the label and as a parameter, as Google Authenticator's spec asks.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let issuer = utf8_percent_encode(issuer, COMPONENT).to_string();
    let account = utf8_percent_encode(account, COMPONENT);
    let secret: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    format!("otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30")
}

/// The secret in groups of four characters, as people type it.
pub fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `data` as a QR code: an `<svg>` element ready to put in the page, labelled for screen readers.
pub fn qr_svg(data: &str) -> Result<String, AppError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|e| {
        tracing::error!(error = %e, "could not encode the QR code");
        AppError::new(AuthError::Internal)
    })?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    // The renderer writes a standalone SVG file; inside HTML the XML declaration has no place.
    let element = image.find("<svg").map(|start| &image[start..]).unwrap_or(&image);
    // The element around it is the image, labelled in the page's language.
    Ok(element.replacen("<svg ", r#"<svg aria-hidden="true" focusable="false" "#, 1))
}

/// The page's set-up block for `secret`, labelled with the app's name and the person's e-mail.
pub fn setup(issuer: &str, account: &str, secret: &str) -> Result<TotpSetup, AppError> {
    let uri = otpauth_uri(issuer, account, secret);
    Ok(TotpSetup {
        secret_grouped: grouped(secret),
        qr_svg: qr_svg(&uri)?,
        uri,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_names_the_app_and_the_account() {
        assert_eq!(
            otpauth_uri("leptos cognito", "ada+mfa@example.com", "JBSW Y3DP"),
            "otpauth://totp/leptos%20cognito:ada%2Bmfa%40example.com?secret=JBSWY3DP&issuer=leptos%20cognito\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn secrets_are_grouped_by_four() {
        assert_eq!(grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(grouped("ABCDEF"), "ABCD EF");
    }

    #[test]
    fn the_qr_code_is_an_inline_svg_element() {
        let svg = qr_svg("otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP").expect("svg");
        assert!(svg.starts_with(r#"<svg aria-hidden="true" "#), "{}", &svg[..60]);
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
    }
}
