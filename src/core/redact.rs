//! Masking credentials in anything that is shown, stored or copied, for callers that have no
//! request at hand (a HAR entry, a pasted command, an echo). Each function asks the one rule in
//! [`crate::core::credential`] with only its detector; code that has the request uses the
//! request's own rule (`PreparedRequest::rule`), which also knows where the profile put its
//! credential.

use crate::core::credential::Rule;

/// Query parameter names that carry credentials in real APIs.
pub fn is_sensitive_query_name(name: &str) -> bool {
    crate::core::credential::is_credential_query_name(name)
}

/// A header value as it may be shown: the scheme word kept, the credential fingerprinted.
pub fn redact_header_value(name: &str, value: &str) -> String {
    Rule::detector().mask_header(name, value).into_string()
}

/// A URL with credential-carrying query values and any password fingerprinted.
pub fn redact_url(url: &url::Url) -> String {
    Rule::detector().mask_url(url).into_string()
}

/// Like [`redact_url`] for text that may not parse yet (a draft's URL with `{{variables}}`).
pub fn redact_url_text(text: &str) -> String {
    Rule::detector().mask_url_text(text).into_string()
}

/// Free text that may hold a URL, a header or a pasted key (an error message, a log line).
pub fn redact_text(text: &str) -> String {
    Rule::detector().mask_text(text).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_credentials_are_fingerprinted() {
        let url = url::Url::parse("https://api.example.com/v1?api_key=gp_test_abcdefghijklmnop1234&page=2").unwrap();
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
        assert_eq!(redact_header_value("X-Api-Key", "gp_live_0123456789abcdefgh"), "gp_live_…efgh");
        assert_eq!(redact_header_value("X-Api-Key", "gp_live_0123456789ab"), "gp_live_… (20 characters)");
        assert_eq!(redact_header_value("Accept", "application/json"), "application/json");
    }

    #[test]
    fn basic_shows_the_username_and_never_the_password_end() {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode("ann:correct-horse-battery");
        let shown = redact_header_value("Authorization", &format!("Basic {encoded}"));
        assert_eq!(shown, "Basic ann:…tery");
        assert!(!shown.contains(&encoded[encoded.len() - 4..]), "{shown}");
    }
}
