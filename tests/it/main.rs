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
/// Collections: the practice collection, saved requests as files, runs, `collection` and `run` through the binary.
mod collections;
/// The explanation engine measured on tests/corpus/ (accuracy table, reading grade).
mod corpus;
/// The one credential rule end to end: canaries in every surface, two-origin redirects, file modes.
mod credential;
/// Import from cURL and export as cURL: real commands, bad input, round trips, the binary.
mod curl;
/// cURL import against curl itself: both send to one loopback listener, the requests compared.
mod curl_wire;
/// HTTP Digest against Apache's mod_auth_digest (GET, POST, nonce reuse, stale, wrong password, the binary) and curl (each algorithm).
mod digest;
/// DPoP (RFC 9449): proofs verified by PyJWT, ath and the thumbprint recomputed; API requests against a PyJWT-checking server, its nonce answered.
mod dpop;
/// `gatepass explain` through the binary: the JSON shape, text, stdin, unreadable files.
mod explain;
/// OpenAPI/Swagger import on the shared sample documents: counts and required scopes from facts.json.
mod export;
/// The hostile-input table: misbehaving servers and wrong input through the binary, each named in words.
mod hostile;
mod import;
/// HAR, Insomnia and Bruno import on the shared samples: counts, auth, no secret left in a written file.
mod import_formats;
/// Client certificates (mutual TLS) and the server certificate's failures, over real TLS.
mod mtls;
/// OAuth 2 client credentials end to end, its errors, and oauth2-mock-server interop.
mod oauth;
/// OAuth 1.0a against oauthlib: each signature method, header/query/body, a refused timestamp, the binary.
mod oauth1;
/// OAuth 2 grants a person approves: authorization code with PKCE, device grant, refresh tokens.
mod oauth_grants;
/// Every OAuth grant, client authentication and DPoP against panva's certified oidc-provider, through the binary.
mod oidc;
/// Property tests over every parser of outside input: no panic, no hang.
mod parsers;
/// The embedded practice API over real loopback HTTP.
mod practice;
/// The one profile builder, rule by rule: the CLI and the editor refuse with the same reason.
mod profile_rules;
/// Nothing lost, nothing hangs: special files, size limits, damaged profiles, concurrent first use, keychain deadlines.
mod reliability;
/// Secrets stay in the keychain: the real Secret Service, namespacing, a canary through a session.
mod secrets;
/// Signed JWTs made for each request, `private_key_jwt`, PyJWT interop.
mod signed_jwt;
/// AWS Signature V4: AWS's published test suite, botocore recomputing each signature, region checks, the binary.
mod sigv4;
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
/// Collections in the sidebar, tabs, saving with Ctrl+S.
#[cfg(feature = "gui")]
mod ui_collections;
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
