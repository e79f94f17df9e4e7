//! Every integration test, in one test binary (one link instead of twenty). Each module is an
//! area; this list is the table of contents of what is tested. Run one area with
//! `cargo test --test it <module>::`, e.g. `cargo test --test it corpus:: -- --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

/// Shared set-up: the practice API on free ports, a workspace in a temporary folder, UI helpers.
mod common;

/// `{{secret:name}}` in a body: kept in the keychain, filled in only as the request goes out.
mod body_secrets;
/// Check setup end to end: every sample profile, each row state, the binary's formats and exit codes.
mod check;
/// The binary against the practice API, each test with its own config folder and the real keychain.
mod cli;
/// The explanation engine measured on tests/corpus/ (accuracy table, reading grade).
mod corpus;
/// Import from cURL and export as cURL: real commands, bad input, round trips, the binary.
mod curl;
/// `gatepass explain` through the binary: the JSON shape, text, stdin, unreadable files.
mod explain;
/// Client certificates (mutual TLS) and the server certificate's failures, over real TLS.
mod mtls;
/// OAuth 2 client credentials end to end, its errors, and oauth2-mock-server interop.
mod oauth;
/// OAuth 2 grants a person approves: authorization code with PKCE, device grant, refresh tokens.
mod oauth_grants;
/// The embedded practice API over real loopback HTTP.
mod practice;
/// Nothing lost, nothing hangs: special files, size limits, damaged profiles, concurrent first use, keychain deadlines.
mod reliability;
/// Secrets stay in the keychain: the real Secret Service, namespacing, a canary through a session.
mod secrets;
/// Signed JWTs made for each request, `private_key_jwt`, PyJWT interop.
mod signed_jwt;
/// `gatepass token inspect`: reading, broken input, signatures (secret, PEM, JWKS), PyJWT tokens.
mod token;
/// A profile's key set and shared secret for signature checks; RFC 7662 introspection.
mod token_checks;
/// The window driven through its accessibility tree (egui_kittest, no display).
#[cfg(feature = "gui")]
mod ui;
/// The response body viewer: visible rows only, scrolling, the summary line.
#[cfg(feature = "gui")]
mod ui_body_view;
/// "Import cURL…" and "Copy as cURL" in the window.
#[cfg(feature = "gui")]
mod ui_curl;
/// Signing in with a browser from the window, the waiting window, Cancel.
#[cfg(feature = "gui")]
mod ui_sign_in;
/// The token inspector window and the profile bar's token state.
#[cfg(feature = "gui")]
mod ui_token;
/// The send use case over loopback: credentials applied, gates, redirects, history.
mod workspace;
