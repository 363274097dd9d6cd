//! Building blocks the pages share: form fields, messages, the site header.

mod form;
mod header;

pub use form::*;
pub use header::*;
