//! Gatepass: an API client for testing APIs where authentication is the hard part.

pub mod core;
pub mod infra;
#[cfg(feature = "gui")]
pub mod ui;
