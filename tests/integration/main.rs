//! Every integration test, in one binary: each file under `tests/` used to be a binary of its
//! own, and each linked its own copy of the app and the AWS SDK (about 0.5 GB of disk and a
//! link step apiece). Each module says what it covers; `common` is what the mock-Cognito tests
//! share. `cargo test --features ssr verifier::` runs one module.
#![cfg(feature = "ssr")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod account;
mod app;
mod challenges;
mod cognito_errors;
mod common;
mod devices;
mod federation;
mod language;
mod limits;
mod passkeys;
mod sign_out;
mod store;
