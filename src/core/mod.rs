//! The domain: no GUI, no async runtime, no keychain, no files, no network.
//!
//! Everything here is plain data and pure functions, so it is tested without any of those.

pub mod auth;
pub mod body;
pub mod certificate;
pub mod challenge;
pub mod check;
pub mod collection;
pub mod credential;
pub mod curl;
pub mod curl_export;
pub mod diagnose;
pub mod exchange;
pub mod export;
pub mod history;
pub mod import;
pub mod key_prefix;
pub mod oauth;
pub mod profile;
pub mod redact;
pub mod request;
pub mod secret;
pub mod status;
pub mod token;
