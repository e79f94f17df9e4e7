//! Fetching an issuer's key set (JWKS) over HTTP, with a small in-memory cache so checking the
//! same token again (the inspector redraws, the CLI runs twice) does not ask the issuer again.
//!
//! A key set that cannot be fetched is a reason the signature was *not checked*; the caller says
//! so in those words, never "failed".

use crate::core::exchange::TransportError;
use crate::core::token::verify::{KeySetError, parse_key_set};
use crate::infra::http::HttpClient;
use jsonwebtoken::jwk::JwkSet;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Key sets are small (a few KB); anything much bigger is not one.
pub const MAX_JWKS_BYTES: usize = 512 * 1024;
/// How long a fetched key set is reused. Issuers rotate keys over days, and a cache miss after a
/// rotation only costs one fetch.
pub const CACHE_TTL: Duration = Duration::from_mins(10);
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a key set could not be had. Every message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error(
        "\"{0}\" is not a web address. Give the key set (JWKS) URL, such as https://auth.example.com/.well-known/jwks.json."
    )]
    BadUrl(String),
    #[error("The key set (JWKS) could not be fetched. {0}")]
    Unreachable(TransportError),
    #[error(
        "The key set (JWKS) address answered {status} instead of the keys. Check the address; issuers list it in their discovery document."
    )]
    Status { status: u16 },
    #[error("The key set (JWKS) address sent more than {} KB, which is not a key set. Check the address.", MAX_JWKS_BYTES / 1024)]
    TooLarge,
    #[error("{0} Check that the address is the key set (JWKS), not a web page.")]
    NotKeySet(KeySetError),
}

/// Fetched key sets by URL.
#[derive(Default)]
pub struct JwksCache {
    entries: Mutex<HashMap<String, (Instant, JwkSet)>>,
}

impl JwksCache {
    /// A cached set still fresh at `now`.
    pub fn get_fresh(&self, url: &str, now: Instant) -> Option<JwkSet> {
        let entries = self.entries.lock().ok()?;
        let (at, set) = entries.get(url)?;
        (now.saturating_duration_since(*at) < CACHE_TTL).then(|| set.clone())
    }

    pub fn put(&self, url: &str, set: JwkSet, at: Instant) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(url.to_owned(), (at, set));
        }
    }

    /// The key set at `url`, from the cache when fresh, else fetched (and cached).
    pub async fn fetch(&self, http: &HttpClient, url: &str) -> Result<JwkSet, JwksError> {
        if let Some(set) = self.get_fresh(url, Instant::now()) {
            tracing::debug!("key set from cache");
            return Ok(set);
        }
        let set = fetch_jwks(http, url).await?;
        self.put(url, set.clone(), Instant::now());
        Ok(set)
    }
}

/// Fetch and read a key set, without the cache.
pub async fn fetch_jwks(http: &HttpClient, url: &str) -> Result<JwkSet, JwksError> {
    let parsed = url::Url::parse(url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| JwksError::BadUrl(url.trim().to_owned()))?;
    let (status, body, cut) =
        http.get_small(&parsed, MAX_JWKS_BYTES, FETCH_TIMEOUT).await.map_err(JwksError::Unreachable)?;
    tracing::debug!(status, bytes = body.len(), "key set fetched");
    if !(200..300).contains(&status) {
        return Err(JwksError::Status { status });
    }
    if cut {
        return Err(JwksError::TooLarge);
    }
    parse_key_set(&String::from_utf8_lossy(&body)).map_err(JwksError::NotKeySet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_entries_expire() {
        let cache = JwksCache::default();
        let start = Instant::now();
        cache.put("https://a/jwks", JwkSet { keys: Vec::new() }, start);
        assert!(cache.get_fresh("https://a/jwks", start + Duration::from_mins(1)).is_some());
        assert!(cache.get_fresh("https://a/jwks", start + CACHE_TTL).is_none());
        assert!(cache.get_fresh("https://b/jwks", start).is_none());
    }
}
