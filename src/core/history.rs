//! A history entry: what was sent, when, with which profile, and how it went. No secret.

use crate::core::request::RequestDraft;
use serde::{Deserialize, Serialize};

/// What sent a request: a person, a setup check's test request, or a collection run. History
/// keeps the last two apart so they do not crowd out what the user sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendOrigin {
    #[default]
    Manual,
    Check,
    Run,
}

impl SendOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Check => "check",
            Self::Run => "run",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "check" => Self::Check,
            "run" => Self::Run,
            _ => Self::Manual,
        }
    }
}

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
    /// Who sent it.
    #[serde(default)]
    pub origin: SendOrigin,
}

impl HistoryEntry {
    /// Does a search for `needle` (lower case) find this entry? It looks in the address, the
    /// profile's name, the environment, the method and the status ("failed" when no answer came).
    pub fn matches(&self, needle: &str) -> bool {
        let status = self.status.map_or_else(|| "failed".to_owned(), |s| s.to_string());
        [self.url.as_str(), self.profile_name.as_str(), self.environment.as_str(), self.method.as_str(), &status]
            .iter()
            .any(|field| field.to_lowercase().contains(needle))
    }
}
