//! A history entry: what was sent, when, with which profile, and how it went. No secret.

use crate::core::request::RequestDraft;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    /// Unix seconds.
    pub sent_at: i64,
    pub profile_id: String,
    pub profile_name: String,
    pub environment: String,
    pub method: String,
    /// With any credential fingerprinted.
    pub url: String,
    pub status: Option<u16>,
    pub duration_ms: u64,
    /// The transport error in words, when there was no response.
    pub error: Option<String>,
    /// The draft as it was, redacted, to restore it.
    pub draft: RequestDraft,
    /// A test request Check setup sent, not one the user sent; lists keep these apart.
    #[serde(default)]
    pub probe: bool,
}
