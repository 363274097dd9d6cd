//! Building blocks the pages share: form fields, messages, the site header.

mod form;
mod header;
mod totp;

pub use form::*;
pub use header::*;
pub use totp::*;
