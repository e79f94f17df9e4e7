//! What an import shows: the request with every credential it still holds masked, for the
//! command line's text and JSON and the window's preview. The main credential was already taken
//! out of the request; cookies, other key headers, query keys and secrets in the body stay in it
//! (the request must send what curl sends), so every surface that prints the request prints
//! this view instead, and the notes go through the same masking.
//!
//! One seam: when the one credential rule (`core::credential`) lands, these functions ask it.

use super::CurlImport;
use super::detect::{header_is_credential, looks_like_key, query_credential};
use crate::core::request::{BodyDraft, KeyValue, RequestDraft};
use crate::core::secret::fingerprint;

/// Body field names whose values are secrets (a token endpoint's form, a JSON login).
fn secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "client_secret"
            | "password"
            | "refresh_token"
            | "access_token"
            | "api_key"
            | "apikey"
            | "token"
            | "secret"
            | "client_assertion"
            | "assertion"
            | "code_verifier"
    ) || lower.ends_with("_secret")
        || lower.ends_with("_password")
        || lower.ends_with("_token")
}

/// The request as it may be shown, and where values were masked in it.
#[derive(Debug, Clone)]
pub struct Shown {
    /// For showing only: never send it.
    pub draft: RequestDraft,
    /// Where a value was masked, in words: "header Cookie", "query parameter token", "the body".
    pub masked: Vec<String>,
}

impl CurlImport {
    /// The request as it may be shown or printed: every header, cookie, query value and body
    /// field that holds a credential fingerprinted. For showing only: the draft keeps the values
    /// it sends.
    pub fn shown(&self) -> Shown {
        let mut shown = self.draft.clone();
        let mut masked = Vec::new();
        shown.url = crate::core::redact::redact_url_text(&shown.url);
        if shown.url != self.draft.url {
            masked.push("the address".to_owned());
        }
        for row in &mut shown.headers {
            let value = mask_header(&row.name, &row.value);
            if value != row.value {
                masked.push(format!("header {}", row.name));
                row.value = value;
            }
        }
        for row in &mut shown.query {
            if query_credential(&row.name, &row.value) || crate::core::redact::is_sensitive_query_name(&row.name) {
                row.value = fingerprint(&row.value);
                masked.push(format!("query parameter {}", row.name));
            }
        }
        shown.body = match &self.draft.body {
            BodyDraft::Form { fields } => BodyDraft::Form { fields: fields.iter().map(mask_field).collect() },
            BodyDraft::Json { text } => BodyDraft::Json { text: mask_json_text(text) },
            BodyDraft::Raw { content_type, text } => {
                BodyDraft::Raw { content_type: content_type.clone(), text: mask_words(&mask_json_text(text)) }
            }
            BodyDraft::None => BodyDraft::None,
        };
        if shown.body != self.draft.body {
            masked.push("the body".to_owned());
        }
        Shown { draft: shown, masked }
    }

    /// [`Self::shown`]'s request.
    pub fn shown_draft(&self) -> RequestDraft {
        self.shown().draft
    }

    /// The notes with any credential-looking word in them fingerprinted.
    pub fn shown_notes(&self) -> Vec<String> {
        self.notes.iter().map(|n| mask_words(n)).collect()
    }
}

fn mask_header(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("cookie") {
        // A cookie may be a sign-in session whatever it is called: every value is masked.
        return value
            .split(';')
            .map(|pair| {
                let pair = pair.trim();
                match pair.split_once('=') {
                    Some((n, v)) => format!("{n}={}", fingerprint(v)),
                    None => fingerprint(pair),
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    if header_is_credential(name, value)
        || crate::core::request::is_sensitive_header(name)
        || looks_like_key(value.split_once(' ').map_or(value, |(_, rest)| rest))
    {
        return crate::core::redact::redact_header_value("Authorization", value);
    }
    value.to_owned()
}

fn mask_field(field: &KeyValue) -> KeyValue {
    let mut copy = field.clone();
    if !field.value.contains("{{") && (secret_field(&field.name) || looks_like_key(&field.value)) {
        copy.value = fingerprint(&field.value);
    }
    copy
}

/// JSON text with the string values of secret fields (and values that look like keys) masked,
/// where they stand; the rest of the text, its spacing included, as typed.
fn mask_json_text(text: &str) -> String {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return text.to_owned() };
    let mut secrets = Vec::new();
    collect_secrets(&value, None, &mut secrets);
    let mut out = text.to_owned();
    for secret in secrets {
        let quoted = serde_json::to_string(&secret).unwrap_or_default();
        out = out.replace(&quoted, &format!("\"{}\"", fingerprint(&secret)));
    }
    out
}

fn collect_secrets(value: &serde_json::Value, key: Option<&str>, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s)
            if !s.is_empty() && !s.contains("{{") && (key.is_some_and(secret_field) || looks_like_key(s)) =>
        {
            out.push(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_secrets(v, key, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| collect_secrets(v, Some(k), out)),
        _ => {}
    }
}

/// Free text with every word that looks like a key fingerprinted, and `name=value` pairs whose
/// name says secret.
fn mask_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let masked = match word.split_once('=') {
            Some((name, value)) if !value.is_empty() && (secret_field(name) || looks_like_key(value)) => {
                format!("{name}={}", fingerprint(value))
            }
            _ if looks_like_key(word) => fingerprint(word),
            _ => std::mem::take(word),
        };
        out.push_str(&masked);
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || "\"'(),;&<>".contains(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::import;

    #[test]
    fn every_credential_left_in_the_request_is_masked_when_shown() {
        let key = ["gp_", "live_", "CANARYsecretValue7f3e"].concat();
        let got = import(&format!(
            "curl 'https://a.test/v1?page=2&access_token={key}' -H 'Authorization: Bearer {key}' -H 'X-Auth-Key: {key}' \
             -H 'Cookie: session=abc123def; theme=dark' -d 'grant_type=client_credentials&client_secret=s3cr3t-value-99'"
        ))
        .unwrap();
        let shown = serde_json::to_string(&got.shown_draft()).unwrap();
        for secret in [key.as_str(), "abc123def", "s3cr3t-value-99"] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(
            shown.contains("grant_type") && shown.contains("client_credentials") && shown.contains("theme="),
            "{shown}"
        );
        // The draft itself still sends what curl sends.
        assert!(serde_json::to_string(&got.draft).unwrap().contains("abc123def"));
        let json = import(&format!("curl https://a.test -H 'Content-Type: application/json' -d '{{\"client_id\": \"app\", \"client_secret\": \"hush-hush-1234\", \"n\": [\"{key}\"]}}'")).unwrap();
        let BodyDraft::Json { text } = json.shown_draft().body else { panic!() };
        assert!(
            !text.contains("hush-hush-1234") && !text.contains(&key) && text.contains("\"client_id\": \"app\""),
            "{text}"
        );
    }

    #[test]
    fn notes_never_repeat_a_value() {
        let key = ["sk_", "live_", "51HqLyjWDarjtT1zdp7dc0123"].concat();
        let got = import(&format!("curl https://a.test -H 'X-Api-Key {key}' --token={key}")).unwrap();
        for note in got.shown_notes() {
            assert!(!note.contains(&key), "{note}");
        }
    }

    use crate::core::request::BodyDraft;
}
