//! The credential detector the curl import and the request editor share today: is this header,
//! query parameter or body word a key, token or password? By name lists, known key prefixes, the
//! shape of a JWT, and entropy.
//!
//! It lives here only until the one credential rule (`core::credential`, issue 14) lands; then
//! these functions give way to it, so that the import, the editor's warning, history and every
//! export agree on what a credential is.

use super::draft::split_query;
use super::found::{CredentialSource, FoundCredential, SuggestedAuth, found, header_credential};
use crate::core::profile::KeyPlacement;
use crate::core::request::{BodyDraft, RequestDraft};

/// Query parameter names that carry a credential to move into a profile: the ones the app masks
/// (`redact::is_sensitive_query_name`), less those that are part of a flow or a signature
/// (an OAuth `code`, a request signature), which are not a key a profile could send.
pub(super) fn credential_query_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    crate::core::redact::is_sensitive_query_name(&lower)
        && !matches!(lower.as_str(), "code" | "sig" | "signature" | "id_token")
        && !lower.starts_with("x-amz-")
}

/// Names that say the value is a credential, whatever it looks like.
fn strong_credential_name(lower: &str) -> bool {
    matches!(
        lower,
        "api_key"
            | "apikey"
            | "api-key"
            | "x-api-key"
            | "access_token"
            | "token"
            | "refresh_token"
            | "client_secret"
            | "password"
            | "pass"
            | "secret"
            | "hapikey"
            | "auth"
    ) || lower.ends_with("_token")
        || lower.ends_with("_secret")
        || lower.contains("api-key")
        || lower.contains("apikey")
        || lower.contains("api_key")
        || lower.contains("token")
        || lower.contains("secret")
        || lower.contains("password")
        || lower.contains("subscription-key")
        || lower.contains("access-key")
}

/// A value that could be a key: not a word like `one`, `asc` or `created_at`. Asked of values
/// whose name only hints at a credential (`key`, `sort_key`, `X-Cache-Key`): random keys are long
/// and mix in digits.
fn plausible_secret(value: &str) -> bool {
    let value = value.trim();
    let len = value.chars().count();
    len >= 8 && !value.contains(' ') && (value.chars().any(|c| c.is_ascii_digit()) || len >= 24)
}

/// Whether a query parameter carries a credential to move into a profile.
pub(super) fn query_credential(name: &str, value: &str) -> bool {
    looks_like_key(value)
        || (credential_query_name(name)
            && (strong_credential_name(&name.to_ascii_lowercase()) || plausible_secret(value)))
}

/// Whether a header (other than Authorization, Cookie) carries a credential to move into a profile.
pub(super) fn header_is_credential(name: &str, value: &str) -> bool {
    looks_like_key(value)
        || (credential_header_name(name)
            && (strong_credential_name(&name.to_ascii_lowercase()) || plausible_secret(value)))
}

/// Credentials typed or pasted into a request itself — its URL's query, the query table, the
/// headers, or the body — where they would be stored with the request instead of in the keychain.
/// Header and query credentials can be moved into a profile; one in the body is only pointed out.
pub fn credentials_in_draft(draft: &RequestDraft) -> Vec<FoundCredential> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let (_, url_query) = split_query(&draft.url);
    for row in url_query.iter().chain(draft.query.iter().filter(|r| r.enabled)) {
        if !row.value.trim().is_empty() && !row.value.contains("{{") && query_credential(&row.name, &row.value) {
            let suggested = SuggestedAuth::ApiKey { name: row.name.clone(), placement: KeyPlacement::Query };
            out.push(found(row.value.clone(), CredentialSource::Query(row.name.clone()), suggested));
        }
    }
    for row in draft.headers.iter().filter(|r| r.enabled && !r.value.trim().is_empty() && !r.value.contains("{{")) {
        if let Some(credential) = header_credential(&row.name, row.value.trim(), &mut notes) {
            out.push(credential);
        }
    }
    let body = match &draft.body {
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => text.clone(),
        BodyDraft::Form { fields } => {
            fields.iter().filter(|f| f.enabled).map(|f| f.value.as_str()).collect::<Vec<_>>().join(" ")
        }
        BodyDraft::None => String::new(),
    };
    if let Some(value) = body_credential(&body) {
        out.push(found(value, CredentialSource::Body, SuggestedAuth::Bearer));
    }
    out
}

/// A credential-looking word in a body: an `Authorization:` line, a JWT, a known key, or a
/// long random-looking string (the kind that is a key, not a word or an id).
fn body_credential(body: &str) -> Option<String> {
    if body.len() > 256 * 1024 {
        return None;
    }
    for line in body.lines() {
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("authorization")
        {
            let value = value.trim().trim_matches(|c| c == '"' || c == ',').trim();
            let token = value.split_once(' ').map_or(value, |(_, rest)| rest.trim());
            if !token.is_empty() {
                return Some(token.to_owned());
            }
        }
    }
    body.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.+/=".contains(c)))
        .find(|word| looks_like_key(word) || high_entropy(word))
        .map(str::to_owned)
}

/// At least 32 characters of letters and digits mixed like a random key (over 4 bits of
/// entropy per character), not a word, a UUID or a hex hash.
fn high_entropy(word: &str) -> bool {
    if word.len() < 32 || word.len() > 512 {
        return false;
    }
    let has = |f: fn(&char) -> bool| word.chars().any(|c| f(&c));
    if !(has(char::is_ascii_lowercase) && has(char::is_ascii_uppercase) && has(char::is_ascii_digit)) {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in word.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    #[allow(clippy::cast_precision_loss, reason = "short strings; an estimate")]
    let len = word.len() as f64;
    #[allow(clippy::cast_precision_loss, reason = "short strings; an estimate")]
    let entropy: f64 = counts
        .values()
        .map(|&n| {
            let p = n as f64 / len;
            -p * p.log2()
        })
        .sum();
    entropy > 4.0
}

/// Header names that carry an API key or token as their whole value.
pub(super) fn credential_header_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.contains("csrf") || lower.contains("xsrf") || lower == "x-request-id" || lower == "idempotency-key" {
        return false;
    }
    lower.contains("api-key")
        || lower.contains("apikey")
        || lower.contains("api_key")
        || lower.contains("token")
        || lower.contains("secret")
        || lower.contains("password")
        || lower.contains("subscription-key")
        || lower.contains("access-key")
        || lower == "key"
        || lower.ends_with("-key")
        || lower.ends_with("_key")
}

/// A value that looks like a known kind of key (by its prefix) or a JWT.
pub(super) fn looks_like_key(value: &str) -> bool {
    let value = value.trim();
    if value.len() < 12 || value.contains(' ') {
        return false;
    }
    crate::core::key_prefix::find(value).is_some_and(|p| !p.publishable)
        || (value.starts_with("eyJ") && value.matches('.').count() == 2)
}

#[cfg(test)]
mod draft_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::core::request::RequestDraft;

    #[test]
    fn credentials_pasted_into_a_request_are_found_wherever_they_are() {
        let live = ["sk_", "live_", "51HqLyjWDarjtT1zdp7dc0123"].concat();
        let mut draft = RequestDraft::get(format!("https://api.example.com/v1/x?api_key={live}&page=2"));
        draft.headers.push(crate::core::request::KeyValue::new(
            "Authorization",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        ));
        draft.headers.push(crate::core::request::KeyValue::new("Accept", "application/json"));
        draft.body =
            BodyDraft::Json { text: r#"{"note": "hello world", "secret": "Zk3Qp9Lx2Vb7Nc4Rt8Wy1Hd6Jm5Gs0Ae"}"#.into() };
        let found = credentials_in_draft(&draft);
        let places: Vec<String> = found.iter().map(|f| f.source.words()).collect();
        assert_eq!(places, ["query parameter api_key", "header Authorization", "the body"]);
        assert_eq!(
            found[0].suggested,
            SuggestedAuth::ApiKey { name: "api_key".into(), placement: KeyPlacement::Query }
        );
        assert_eq!(found[1].suggested, SuggestedAuth::Bearer);
        assert!(!format!("{found:?}").contains(&live));
    }

    #[test]
    fn ordinary_requests_and_variables_are_left_alone() {
        let mut draft = RequestDraft::get("https://api.example.com/v1/orders?page=2&sort=desc");
        draft.headers.push(crate::core::request::KeyValue::new("X-Api-Key", "{{api_key}}"));
        draft.headers.push(crate::core::request::KeyValue::new("X-Request-Id", "3f2c9a8e-1b4d-4c6e-9f0a-7d5e2b1c8a90"));
        draft.body =
            BodyDraft::Json { text: r#"{"item": "notebook", "id": "d41d8cd98f00b204e9800998ecf8427e"}"#.into() };
        assert!(credentials_in_draft(&draft).is_empty());
    }
}
