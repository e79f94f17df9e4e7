//! Reading HAR 1.2 files (what browsers' developer tools and API clients export) and diagnosing
//! every entry. Lenient: a missing field is read as empty, not as an error.

use super::knowledge::{EnvKind, Knowledge};
use super::observe::observe;
use super::{Context, Diagnosis, Failure, Finding, PastSend, Seen, diagnose};
use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

/// Options from the command line.
#[derive(Debug, Clone, Default)]
pub struct HarOptions {
    /// The environment the requests were meant for: sandbox, production, or a custom label.
    pub environment: Option<String>,
    pub expected_scopes: Vec<String>,
    /// Reason about time from here, instead of each entry's `startedDateTime`.
    pub now: Option<OffsetDateTime>,
}

/// The whole result, serialised exactly as `gatepass explain --format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub entries: Vec<ReportEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportEntry {
    pub index: usize,
    pub method: String,
    /// Redacted: a credential in the query shows as its fingerprint.
    pub url: String,
    /// 0 when no response came back.
    pub status: u16,
    /// Written as `findings` (the diagnosis's findings, ranked).
    #[serde(rename = "findings", serialize_with = "findings_only")]
    pub diagnosis: Diagnosis,
    #[serde(skip)]
    pub failure: Option<Failure>,
}

impl ReportEntry {
    pub fn findings(&self) -> &[Finding] {
        &self.diagnosis.findings
    }
}

fn findings_only<S: serde::Serializer>(diagnosis: &Diagnosis, serializer: S) -> Result<S::Ok, S::Error> {
    diagnosis.findings.serialize(serializer)
}

/// Why a HAR file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HarError {
    #[error("This file is not valid JSON ({0}). A HAR file is JSON; check that the whole file was saved.")]
    NotJson(String),
    #[error(
        "This file is JSON but not a HAR file: it has no list of requests (log.entries). Export it again as HAR from the browser or API client."
    )]
    NoEntries,
}

/// How many earlier entries count as this entry's history.
const HISTORY_WINDOW: usize = 200;

/// Diagnose every entry in a HAR file.
pub fn explain(text: &str, options: &HarOptions, knowledge: &Knowledge) -> Result<Report, HarError> {
    let text = text.trim_start_matches('\u{feff}');
    let (env, env_label) = environment(options.environment.as_deref());
    let mut history: Vec<PastSend> = Vec::new();
    let mut previous: Option<(String, Option<String>, bool)> = None; // (host, redirect target, had credential)
    let mut out = Vec::new();
    // The entries are read one at a time as the file is parsed (no tree of the whole file), and
    // each is dropped once diagnosed: memory follows the report, not the file.
    let mut each = |index: usize, entry: &Value| {
        let parsed = Entry::read(entry);
        let request =
            observe(knowledge, &parsed.method, &parsed.url, &parsed.request_headers, parsed.request_body.as_deref());
        let started = parsed.started;
        let now = options.now.or(started).unwrap_or_else(OffsetDateTime::now_utc);
        let redirected_from = previous.as_ref().and_then(|(host, target, had_credential)| {
            let target_host =
                target.as_deref().and_then(|t| url::Url::parse(t).ok()).and_then(|u| u.host_str().map(str::to_owned));
            (*had_credential && target_host.as_deref() == Some(request.host.as_str()) && *host != request.host)
                .then(|| host.clone())
        });
        let context = Context {
            environment: env,
            environment_label: env_label.clone(),
            expected_scopes: options.expected_scopes.clone(),
            now,
            sent_at: started,
            // The sends just before this one: enough for "it worked a moment ago", and no
            // quadratic cost on files with thousands of entries.
            history: history[history.len().saturating_sub(HISTORY_WINDOW)..].to_vec(),
            redirected_from,
            // A HAR file does not say whether a client certificate went.
            client_certificate: false,
        };
        let failure = parsed.error.as_deref().map(Failure::from_message);
        let diagnosis = match (&failure, parsed.status) {
            (Some(f), _) => diagnose(&request, &Seen::Failed(f), &context, knowledge),
            (None, 0) => {
                let f = Failure::from_message("no response was recorded");
                diagnose(&request, &Seen::Failed(&f), &context, knowledge)
            }
            (None, status) => diagnose(
                &request,
                &Seen::Response {
                    status,
                    headers: &parsed.response_headers,
                    body: &parsed.response_body,
                    content_type: parsed.mime_type.as_deref(),
                },
                &context,
                knowledge,
            ),
        };
        history.push(PastSend {
            method: request.method.clone(),
            host: request.host.clone(),
            path: request.path.clone(),
            status: (parsed.status != 0).then_some(parsed.status),
            at: started.unwrap_or(now),
        });
        previous = Some((request.host.clone(), parsed.redirect_to.clone(), request.has_credential()));
        out.push(ReportEntry {
            index,
            method: request.method,
            url: request.url,
            status: parsed.status,
            diagnosis,
            failure,
        });
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = serde::de::DeserializeSeed::deserialize(Walk { path: ENTRIES, each: &mut each }, &mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found))
        .map_err(|e| HarError::NotJson(json_error_words(&e)))?;
    if !found {
        return Err(HarError::NoEntries);
    }
    Ok(Report { entries: out })
}

/// Walks `{"log": {"entries": [...]}}` with serde, handing each entry to the callback as it is
/// parsed; every other member is skipped without being kept. `path` is what is left to walk
/// (`["log", "entries"]` at the top); the value is `true` when it led to a list.
struct Walk<'f, F> {
    path: &'static [&'static str],
    each: &'f mut F,
}

const ENTRIES: &[&str] = &["log", "entries"];

impl<'de, F: FnMut(usize, &Value)> serde::de::DeserializeSeed<'de> for Walk<'_, F> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(usize, &Value)> serde::de::Visitor<'de> for Walk<'_, F> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a HAR document")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.path.split_first() {
                Some((want, rest)) if !found && key == *want => {
                    found = map.next_value_seed(Walk { path: rest, each: &mut *self.each })?;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        if !self.path.is_empty() {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            return Ok(false);
        }
        let mut index = 0;
        while let Some(entry) = seq.next_element::<Value>()? {
            (self.each)(index, &entry);
            index += 1;
        }
        Ok(true)
    }
    // Any other JSON value leads to no list of entries.
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

fn environment(name: Option<&str>) -> (Option<EnvKind>, Option<String>) {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else { return (None, None) };
    let lower = name.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "sandbox" | "test" | "testing" | "staging" | "stage" | "dev" | "development" | "qa" | "uat" => {
            Some(EnvKind::Sandbox)
        }
        "production" | "prod" | "live" => Some(EnvKind::Production),
        _ => None,
    };
    (kind, Some(name.to_owned()))
}

fn json_error_words(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => format!("it ends too early, at line {}", e.line()),
        _ => format!("at line {}, column {}", e.line(), e.column()),
    }
}

/// One entry's parts, each read leniently.
struct Entry {
    method: String,
    url: String,
    started: Option<OffsetDateTime>,
    request_headers: Vec<(String, String)>,
    request_body: Option<String>,
    status: u16,
    response_headers: Vec<(String, String)>,
    response_body: Vec<u8>,
    mime_type: Option<String>,
    error: Option<String>,
    redirect_to: Option<String>,
}

/// The most of a body read from a HAR entry.
const BODY_LIMIT: usize = super::signals::BODY_PREFIX;

impl Entry {
    fn read(entry: &Value) -> Entry {
        let s = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
        let request = entry.get("request").unwrap_or(&Value::Null);
        let response = entry.get("response").unwrap_or(&Value::Null);
        let status =
            response.get("status").and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())));
        let error = s(response, "/_error").or_else(|| s(entry, "/_error")).filter(|e| !e.trim().is_empty());
        let mime_type = s(response, "/content/mimeType");
        let encoding = s(response, "/content/encoding");
        let text = response.pointer("/content/text").and_then(Value::as_str).unwrap_or_default();
        let text = &text[..text.floor_char_boundary(BODY_LIMIT * 2)];
        let response_body = if encoding.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("base64")) {
            base64::engine::general_purpose::STANDARD
                .decode(text.trim().as_bytes())
                .unwrap_or_else(|_| text.as_bytes().to_vec())
        } else {
            text.as_bytes().to_vec()
        };
        let response_headers = headers(response);
        let redirect_to = s(response, "/redirectURL").filter(|u| !u.is_empty()).or_else(|| {
            response_headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("location")).map(|(_, v)| v.clone())
        });
        Entry {
            method: s(request, "/method").unwrap_or_else(|| "GET".to_owned()),
            url: s(request, "/url").unwrap_or_default(),
            started: s(entry, "/startedDateTime")
                .and_then(|t| OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()),
            request_headers: headers(request),
            request_body: s(request, "/postData/text").map(|t| t[..t.floor_char_boundary(BODY_LIMIT)].to_owned()),
            status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(0),
            response_headers,
            response_body,
            mime_type,
            error,
            redirect_to,
        }
    }
}

fn headers(part: &Value) -> Vec<(String, String)> {
    part.get("headers")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .take(500)
                .filter_map(|h| {
                    let name = h.get("name")?.as_str()?;
                    let value = match h.get("value")? {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    Some((name.to_owned(), value[..value.floor_char_boundary(16 * 1024)].to_owned()))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn har(entries: &str) -> String {
        format!(r#"{{"log":{{"version":"1.2","creator":{{"name":"t","version":"1"}},"entries":[{entries}]}}}}"#)
    }

    #[test]
    fn broken_files_get_plain_messages() {
        let k = Knowledge::builtin();
        let o = HarOptions::default();
        assert!(matches!(explain("{\"log\":", &o, k), Err(HarError::NotJson(m)) if m.contains("ends too early")));
        assert_eq!(explain("{\"log\":{}}", &o, k).unwrap_err(), HarError::NoEntries);
        assert_eq!(explain("[1,2]", &o, k).unwrap_err(), HarError::NoEntries);
    }

    #[test]
    fn base64_bodies_are_decoded_and_binary_ones_ignored() {
        use base64::Engine as _;
        let k = Knowledge::builtin();
        let body = base64::engine::general_purpose::STANDARD.encode(r#"{"error":"token_expired"}"#);
        let gzip = base64::engine::general_purpose::STANDARD.encode([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
        let entry = |text: &str| {
            format!(
                r#"{{"request":{{"method":"GET","url":"https://api.example.com/","headers":[{{"name":"Authorization","value":"Bearer abcdefghijklmnop123"}}]}},"response":{{"status":401,"headers":[],"content":{{"mimeType":"application/json","encoding":"base64","text":"{text}"}}}}}}"#
            )
        };
        let report = explain(&har(&format!("{},{}", entry(&body), entry(&gzip))), &HarOptions::default(), k).unwrap();
        assert_eq!(report.entries[0].findings()[0].cause, super::super::Cause::ExpiredCredential);
        // A compressed body can't be read: the status still speaks, nothing panics.
        assert_eq!(report.entries[1].findings()[0].cause, super::super::Cause::InvalidCredential);
    }

    #[test]
    fn entries_with_missing_fields_are_read_best_effort() {
        let k = Knowledge::builtin();
        let report = explain(
            &har(r#"{}, 5, {"request":{"url":"not a url"},"response":{"status":"401"}}"#),
            &HarOptions::default(),
            k,
        )
        .unwrap();
        assert_eq!(report.entries.len(), 3);
        assert_eq!(report.entries[0].status, 0);
        assert_eq!(report.entries[2].status, 401);
        assert_eq!(report.entries[2].findings()[0].cause, super::super::Cause::MissingCredential);
    }

    /// The stream finds `log.entries` wherever it sits among other members, skips the rest, and
    /// names a document without it (or with something else there) as not a HAR file.
    #[test]
    fn entries_are_found_among_other_members_and_anything_else_is_no_har() {
        let k = Knowledge::builtin();
        let options = HarOptions::default();
        let entry = r#"{"request":{"method":"GET","url":"https://api.example.com/v1/me","headers":[]},"response":{"status":401,"headers":[],"content":{"text":""}}}"#;
        let text = format!(
            r#"{{"extra":[1,{{"log":{{"entries":[]}}}}],"log":{{"pages":[{{"id":"p"}}],"entries":[{entry},{entry}],"creator":{{}}}}}}"#
        );
        let report = explain(&text, &options, k).unwrap();
        assert_eq!(report.entries.len(), 2);
        assert_eq!(report.entries[1].index, 1);
        for not_har in
            [r#"[{"log":{"entries":[]}}]"#, r#"{"log":{"entries":"none"}}"#, r#"{"log":[]}"#, "42", r#"{"entries":[]}"#]
        {
            assert_eq!(explain(not_har, &options, k).unwrap_err(), HarError::NoEntries, "{not_har}");
        }
        assert!(matches!(explain(r#"{"log":{"entries":[{"#, &options, k), Err(HarError::NotJson(_))));
        assert!(matches!(explain(r#"{"log":{"entries":[]}} trailing"#, &options, k), Err(HarError::NotJson(_))));
    }
}
