//! Masking credentials in anything that is shown, stored or copied.
//!
//! Everything that leaves the prepared request for the screen, the history database or a log
//! passes through here first.

use crate::core::secret::fingerprint;

/// Query parameter names that carry credentials in real APIs.
pub fn is_sensitive_query_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "api_key"
            | "apikey"
            | "api-key"
            | "key"
            | "token"
            | "access_token"
            | "id_token"
            | "refresh_token"
            | "client_secret"
            | "password"
            | "pass"
            | "secret"
            | "sig"
            | "signature"
            | "code"
            | "auth"
            | "x-amz-signature"
            | "x-amz-credential"
            | "x-amz-security-token"
            | "x-api-key"
            | "hapikey"
            | "appid"
    ) || lower.ends_with("_token")
        || lower.ends_with("_secret")
        || lower.ends_with("_key")
}

/// A header value as it may be shown: the scheme word kept, the credential fingerprinted.
pub fn redact_header_value(name: &str, value: &str) -> String {
    if !crate::core::request::is_sensitive_header(name) {
        return value.to_owned();
    }
    match value.split_once(' ') {
        Some((scheme, rest))
            if matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "basic" | "token" | "digest") =>
        {
            format!("{scheme} {}", fingerprint(rest.trim()))
        }
        _ => fingerprint(value),
    }
}

/// A URL with credential-carrying query values and any password fingerprinted.
pub fn redact_url(url: &url::Url) -> String {
    let mut copy = url.clone();
    if copy.password().is_some() {
        let _ = copy.set_password(Some("••••"));
    }
    if copy.query().is_some() {
        let pairs: Vec<(String, String)> = copy
            .query_pairs()
            .map(|(n, v)| {
                let v = if is_sensitive_query_name(&n) { fingerprint(&v) } else { v.into_owned() };
                (n.into_owned(), v)
            })
            .collect();
        copy.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // Show the fingerprint's marks as marks, not percent-escapes: this text is for people.
    copy.to_string().replace("%E2%80%A6", "…").replace("%E2%80%A2", "•")
}

/// Like [`redact_url`] for text that may not parse yet (a draft's URL with `{{variables}}`).
pub fn redact_url_text(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(url) if url.query().is_some() || url.password().is_some() => redact_url(&url),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_credentials_are_fingerprinted() {
        let url = url::Url::parse("https://api.example.com/v1?api_key=gp_test_abcdefgh1234&page=2").unwrap();
        assert_eq!(redact_url(&url), "https://api.example.com/v1?api_key=gp_test_…1234&page=2");
    }

    #[test]
    fn url_password_is_hidden() {
        let url = url::Url::parse("https://user:hunter2hunter2@api.example.com/").unwrap();
        assert!(!redact_url(&url).contains("hunter2"));
    }

    #[test]
    fn authorization_keeps_scheme_word() {
        assert_eq!(redact_header_value("Authorization", "Bearer eyJabcdefghijklmnWXYZ"), "Bearer eyJ…WXYZ");
        assert_eq!(redact_header_value("X-Api-Key", "gp_live_0123456789abcd"), "gp_live_…abcd");
        assert_eq!(redact_header_value("Accept", "application/json"), "application/json");
    }
}
