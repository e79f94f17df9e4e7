//! Gatepass: an API client for testing APIs where authentication is the hard part.
//!
//! ```text
//!            ┌──────────── ui (egui, feature "gui") ───────────┐   ┌─── cli (clap) ───┐
//!            └───────────────────────┬─────────────────────────┘   └────────┬─────────┘
//!                                    ▼                                      ▼
//!                      workspace: the use cases (send, profiles, history, sample)
//!                                    │
//!              ┌─────────────────────┴──────────────────────┐
//!              ▼                                            ▼
//!   core: the domain, pure                         infra: adapters that do I/O
//!   (secret, profile, request, exchange,           (http, keychain, store, history,
//!    redact, status, history)                       oauth, sign-in, jwks)
//! ```
//!
//! `practice` is the embedded practice API (axum): a second program that the app and the tests
//! start on loopback, not an adapter.
//!
//! A request's life, one type per stage: `RequestDraft` → `PreparedRequest` (credential attached,
//! never stored) → `Exchange` (redacted record + response or transport error) → history.

pub mod cli;
pub mod core;
pub mod infra;
pub mod logging;
pub mod practice;
#[cfg(feature = "gui")]
pub mod ui;
pub mod workspace;
