//! HAR 1.2 (a browser's or proxy's recording, `log.entries`) into an [`ImportPlan`]: one request
//! per entry, static files (images, style sheets, scripts, fonts, media) left out, repeats of the
//! same method and address imported once, one folder per host.
//!
//! Headers the browser or the connection computes (HTTP/2 `:authority`, `Content-Length`, `Host`,
//! `Connection`, `Accept-Encoding`, `Sec-Fetch-*`, …) are dropped: Gatepass's sender sets its own.
//! A `Cookie` header (or the entry's `cookies` list) is kept as the document has it; `finish`
//! moves it to the keychain like any other credential.

use super::ImportError;
use super::plan::{ImportPlan, looks_secret_header};
use crate::core::collection::{SavedRequest, folder_path_for};
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use serde_json::Value;
use std::collections::BTreeSet;

/// Does this document look like a HAR file (`log.entries`)?
pub fn detect(doc: &Value) -> bool {
    doc.pointer("/log/entries").is_some()
}

/// Hop-by-hop and computed request headers: the sender makes its own.
const DROPPED_HEADERS: [&str; 17] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "accept-encoding",
    "content-encoding",
    "upgrade-insecure-requests",
    "priority",
    "if-none-match",
    "if-modified-since",
    "pragma",
    "cache-control",
];

const STATIC_EXTENSIONS: [&str; 30] = [
    "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff", "css", "js", "mjs", "map", "woff",
    "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "wav", "ogg", "m4a", "m4v", "mov", "flac", "aac",
];

/// Read a HAR document. `file_name` names the collection when the recording has no page title.
pub fn plan(doc: &Value, file_name: &str) -> Result<ImportPlan, ImportError> {
    let log = doc.get("log").filter(|l| l.is_object()).ok_or_else(|| invalid("it has no `log` object"))?;
    if let Some(version) = log.get("version").and_then(Value::as_str)
        && !version.trim().starts_with('1')
    {
        return Err(ImportError::Invalid(format!(
            "HAR file: version {version} is not supported. Gatepass reads HAR 1.1 and 1.2."
        )));
    }
    let entries = log
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("`log.entries` is not a list of recorded requests"))?;
    let title = log
        .pointer("/pages/0/title")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 120)
        .map_or_else(|| stem(file_name), str::to_owned);
    let mut plan = ImportPlan::new("har-1.2", title);
    let creator = [log.pointer("/creator/name"), log.pointer("/creator/version")]
        .iter()
        .filter_map(|v| v.and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    plan.notes = if creator.trim().is_empty() {
        "Imported from a HAR recording.".to_owned()
    } else {
        format!("Imported from a HAR recording made by {creator}.")
    };

    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut static_count = 0;
    let mut repeated = 0;
    let mut signed_in = false;
    for (index, entry) in entries.iter().enumerate() {
        let Some(request) = entry.get("request").filter(|r| r.is_object()) else {
            plan.skip(format!("entry {}", index + 1), "it has no recorded request");
            continue;
        };
        let url = request.get("url").and_then(Value::as_str).unwrap_or_default().trim().to_owned();
        let method_text = request.get("method").and_then(Value::as_str).unwrap_or("GET").trim().to_ascii_uppercase();
        let item = format!("{method_text} {}", shorten(&url, 100));
        let Ok(parsed) = url::Url::parse(&url) else {
            plan.skip(item, "its address is not a full web address");
            continue;
        };
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            plan.skip(item, format!("Gatepass sends HTTP requests only, and this one uses {}:", parsed.scheme()));
            continue;
        }
        let Some(method) = Method::parse(&method_text) else {
            plan.skip(item, format!("Gatepass cannot send the {method_text} method"));
            continue;
        };
        let headers_in = request.get("headers").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        if headers_in.iter().any(|h| looks_secret_header(str_field(h, "name")))
            || request.get("cookies").and_then(Value::as_array).is_some_and(|c| !c.is_empty())
        {
            signed_in = true;
        }
        if method.is_read_only() && is_static(entry, &parsed) {
            static_count += 1;
            continue;
        }
        if !seen.insert((method_text.clone(), url.clone())) {
            repeated += 1;
            continue;
        }
        if entry.get("_webSocketMessages").is_some()
            || headers_in.iter().any(|h| {
                str_field(h, "name").eq_ignore_ascii_case("upgrade")
                    && str_field(h, "value").eq_ignore_ascii_case("websocket")
            })
        {
            plan.skip(item, "it opens a WebSocket, which Gatepass does not send");
            continue;
        }

        let (base, mut query) = crate::core::curl::split_query(&url);
        if query.is_empty() {
            // Some tools record the query only in `queryString`.
            query = rows(request.get("queryString"));
        }
        let mut headers = Vec::new();
        let mut cookies: Vec<String> = Vec::new();
        let mut encoded_body = false;
        for h in headers_in {
            let name = str_field(h, "name").trim();
            let value = str_field(h, "value");
            let lower = name.to_ascii_lowercase();
            if lower == "content-encoding" && !value.trim().eq_ignore_ascii_case("identity") {
                encoded_body = true;
            }
            if name.is_empty()
                || name.starts_with(':')
                || DROPPED_HEADERS.contains(&lower.as_str())
                || lower.starts_with("sec-fetch-")
                || lower.starts_with("sec-ch-")
            {
                continue;
            }
            if lower == "cookie" {
                cookies.push(value.trim().to_owned());
                continue;
            }
            headers.push(KeyValue::new(name, value));
        }
        if cookies.is_empty()
            && let Some(list) = request.get("cookies").and_then(Value::as_array)
        {
            cookies = list
                .iter()
                .filter(|c| !str_field(c, "name").is_empty())
                .map(|c| format!("{}={}", str_field(c, "name"), str_field(c, "value")))
                .collect();
        }
        if !cookies.is_empty() {
            headers.push(KeyValue::new("Cookie", cookies.join("; ")));
        }

        let mut notes = Vec::new();
        let body = match request.get("postData").filter(|p| p.is_object()) {
            None => BodyDraft::None,
            Some(_) if encoded_body => {
                plan.skip(item.clone(), "its body was recorded compressed, so it was left out");
                notes.push("The recorded body was compressed and was left out.".to_owned());
                BodyDraft::None
            }
            Some(post) => body_of(post, &item, &mut plan, &mut notes),
        };
        if !matches!(body, BodyDraft::None) {
            // The body kind carries the content type; the sender sets it.
            headers.retain(|h| !h.name.eq_ignore_ascii_case("content-type"));
        }
        if let Some(status) = entry.pointer("/response/status").and_then(Value::as_u64).filter(|s| *s > 0) {
            let when = entry.get("startedDateTime").and_then(Value::as_str).unwrap_or_default();
            notes.push(if when.is_empty() {
                format!("Recorded answer: {status}.")
            } else {
                format!("Recorded {when}, answered {status}.")
            });
        }

        let host = parsed.host_str().unwrap_or_default();
        let host = match parsed.port() {
            Some(port) => format!("{host} {port}"),
            None => host.to_owned(),
        };
        let folder = folder_path_for(&host);
        let path = parsed.path();
        let base_name = shorten(&format!("{} {}", method.as_str(), if path.is_empty() { "/" } else { path }), 80);
        let name = unique_name(&plan, &folder, &base_name);
        let draft = RequestDraft { method, url: base, query, headers, body, ..RequestDraft::default() };
        plan.add_request(&folder, SavedRequest { name, draft, notes: notes.join("\n"), ..SavedRequest::default() });
    }
    if static_count > 0 {
        plan.skip(
            format!("{static_count} static files"),
            "images, style sheets, scripts, fonts and media the page loaded are not API requests",
        );
    }
    if repeated > 0 {
        plan.skip(
            format!("{repeated} repeated requests"),
            "the same method and address were recorded more than once; each was imported once",
        );
    }
    if !signed_in && !plan.requests.is_empty() {
        plan.skip(
            "sign-in headers",
            "the browser left out the sign-in headers when saving this file: pick the profile to send these requests with",
        );
    }
    Ok(plan)
}

fn invalid(why: &str) -> ImportError {
    ImportError::Invalid(format!("HAR file: {why}."))
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn rows(list: Option<&Value>) -> Vec<KeyValue> {
    list.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter(|p| !str_field(p, "name").is_empty())
                .map(|p| KeyValue::new(str_field(p, "name"), str_field(p, "value")))
                .collect()
        })
        .unwrap_or_default()
}

/// A static file: by the answer's content type, Chrome's resource type, or the address's extension.
fn is_static(entry: &Value, url: &url::Url) -> bool {
    let mime = entry.pointer("/response/content/mimeType").and_then(Value::as_str).unwrap_or_default();
    let mime = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let by_mime = ["image/", "font/", "audio/", "video/"].iter().any(|p| mime.starts_with(p))
        || mime == "text/css"
        || mime.contains("javascript")
        || mime.contains("ecmascript")
        || mime.starts_with("application/font")
        || mime.starts_with("application/x-font")
        || mime == "application/vnd.ms-fontobject";
    let kind = entry.get("_resourceType").and_then(Value::as_str).unwrap_or_default();
    let by_kind = ["image", "stylesheet", "script", "font", "media"].contains(&kind);
    let extension = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .and_then(|last| last.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    by_mime || by_kind || STATIC_EXTENSIONS.contains(&extension.as_str())
}

/// `postData`: `params` → form fields, JSON text → JSON, other text → raw.
fn body_of(post: &Value, item: &str, plan: &mut ImportPlan, notes: &mut Vec<String>) -> BodyDraft {
    let mime = str_field(post, "mimeType").trim().to_owned();
    let lower = mime.to_ascii_lowercase();
    let text = str_field(post, "text");
    let params = post.get("params").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let files: Vec<&str> =
        params.iter().filter(|p| p.get("fileName").is_some()).map(|p| str_field(p, "name")).collect();
    if lower.starts_with("multipart/") {
        if !files.is_empty() {
            plan.skip(item, format!("its body sends files ({}), which were left out", files.join(", ")));
            notes.push("The recorded body sent files; they were left out.".to_owned());
            return BodyDraft::None;
        }
        if text.is_empty() {
            plan.skip(item, "its multipart body was not recorded, so it was left out");
            return BodyDraft::None;
        }
        return BodyDraft::Raw { content_type: mime, text: text.to_owned() };
    }
    if !params.is_empty() && (lower.is_empty() || lower.contains("x-www-form-urlencoded")) {
        return BodyDraft::Form { fields: rows(post.get("params")) };
    }
    if text.is_empty() {
        return BodyDraft::None;
    }
    if text.chars().any(|c| c == '\u{fffd}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))) {
        plan.skip(item, "its body is binary data, which Gatepass cannot edit, so it was left out");
        notes.push("The recorded body was binary and was left out.".to_owned());
        return BodyDraft::None;
    }
    if lower.contains("x-www-form-urlencoded") {
        let (_, fields) = crate::core::curl::split_query(&format!("?{text}"));
        return BodyDraft::Form { fields };
    }
    let looks_json = lower.contains("json") || lower.is_empty() || lower.starts_with("text/plain");
    if looks_json && serde_json::from_str::<Value>(text).is_ok_and(|v| v.is_object() || v.is_array()) {
        return BodyDraft::Json { text: text.to_owned() };
    }
    let content_type = if mime.is_empty() { "text/plain".to_owned() } else { mime };
    BodyDraft::Raw { content_type, text: text.to_owned() }
}

fn stem(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.strip_suffix(".har").or_else(|| base.strip_suffix(".json")).unwrap_or(base);
    if stem.trim().is_empty() { "Recorded requests".to_owned() } else { stem.trim().to_owned() }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// A name not yet used in this folder: `GET /a`, `GET /a (2)`, ….
pub(super) fn unique_name(plan: &ImportPlan, folder: &str, wanted: &str) -> String {
    let taken = |n: &str| plan.requests.iter().any(|r| r.folder == folder && r.request.name.eq_ignore_ascii_case(n));
    if !taken(wanted) {
        return wanted.to_owned();
    }
    (2..100_000).map(|n| format!("{wanted} ({n})")).find(|n| !taken(n)).unwrap_or_else(|| wanted.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn har(entries: &Value) -> Value {
        json!({"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "120"}, "entries": entries}})
    }

    fn entry(method: &str, url: &str, headers: &Value, mime: &str) -> Value {
        json!({"startedDateTime": "2024-01-01T00:00:00Z", "request": {"method": method, "url": url,
            "headers": headers, "cookies": [], "queryString": []},
            "response": {"status": 200, "content": {"mimeType": mime}}})
    }

    #[test]
    fn entries_become_requests_by_host_without_static_files_or_repeats() {
        let doc = har(&json!([
            entry(
                "GET",
                "https://api.example.com/v1/users?page=2&q=a%20b",
                &json!([
                    {"name": ":authority", "value": "api.example.com"},
                    {"name": "Accept", "value": "application/json"},
                    {"name": "Accept-Encoding", "value": "gzip"},
                    {"name": "Content-Length", "value": "0"},
                    {"name": "sec-fetch-mode", "value": "cors"}
                ]),
                "application/json"
            ),
            entry("GET", "https://api.example.com/v1/users?page=2&q=a%20b", &json!([]), "application/json"),
            entry("GET", "https://cdn.example.com/logo.png", &json!([]), "image/png"),
            entry("GET", "https://cdn.example.com/app", &json!([]), "application/javascript"),
            entry("GET", "https://cdn.example.com/font.woff2", &json!([]), ""),
            entry("GET", "http://localhost:8080/health", &json!([]), "text/plain"),
        ]));
        let plan = plan(&doc, "session.har").unwrap();
        assert_eq!(plan.format, "har-1.2");
        assert_eq!(plan.name, "session");
        assert_eq!(plan.requests.len(), 2);
        assert_eq!(plan.folders, vec!["api.example.com", "localhost 8080"]);
        let first = &plan.requests[0].request;
        assert_eq!(first.name, "GET /v1/users");
        assert_eq!(first.draft.url, "https://api.example.com/v1/users");
        assert_eq!(first.draft.query, vec![KeyValue::new("page", "2"), KeyValue::new("q", "a b")]);
        assert_eq!(first.draft.headers, vec![KeyValue::new("Accept", "application/json")]);
        assert!(plan.skipped.iter().any(|s| s.item == "3 static files"), "{:?}", plan.skipped);
        assert!(plan.skipped.iter().any(|s| s.item == "1 repeated requests"));
        assert!(plan.skipped.iter().any(|s| s.why.contains("left out the sign-in headers")));
    }

    #[test]
    fn bodies_by_kind() {
        let mut json_post = entry(
            "POST",
            "https://a.example/items",
            &json!([{"name": "Content-Type", "value": "application/json"}]),
            "application/json",
        );
        json_post["request"]["postData"] = json!({"mimeType": "application/json", "text": "{\"a\":1}"});
        let mut form_post = entry("POST", "https://a.example/form", &json!([]), "text/html");
        form_post["request"]["postData"] =
            json!({"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "x", "value": "1"}]});
        let mut form_text = entry("PUT", "https://a.example/form", &json!([]), "text/html");
        form_text["request"]["postData"] =
            json!({"mimeType": "application/x-www-form-urlencoded", "text": "x=1&y=a+b"});
        let mut xml = entry("POST", "https://a.example/xml", &json!([]), "text/xml");
        xml["request"]["postData"] = json!({"mimeType": "text/xml", "text": "<a/>"});
        let mut file = entry("POST", "https://a.example/upload", &json!([]), "text/html");
        file["request"]["postData"] = json!({"mimeType": "multipart/form-data; boundary=x",
            "params": [{"name": "doc", "fileName": "a.pdf"}]});
        let plan = plan(&har(&json!([json_post, form_post, form_text, xml, file])), "x.har").unwrap();
        let bodies: Vec<&BodyDraft> = plan.requests.iter().map(|r| &r.request.draft.body).collect();
        assert_eq!(bodies[0], &BodyDraft::Json { text: "{\"a\":1}".into() });
        assert!(plan.requests[0].request.draft.headers.is_empty(), "content type rides with the body");
        assert_eq!(bodies[1], &BodyDraft::Form { fields: vec![KeyValue::new("x", "1")] });
        assert_eq!(bodies[2], &BodyDraft::Form { fields: vec![KeyValue::new("x", "1"), KeyValue::new("y", "a b")] });
        assert_eq!(bodies[3], &BodyDraft::Raw { content_type: "text/xml".into(), text: "<a/>".into() });
        assert_eq!(bodies[4], &BodyDraft::None);
        assert!(plan.skipped.iter().any(|s| s.why.contains("sends files (doc)")));
    }

    #[test]
    fn cookies_and_authorization_are_moved_by_finish() {
        let doc = har(&json!([entry(
            "GET",
            "https://api.example.com/me",
            &json!([
                {"name": "authorization", "value": "Bearer abcdef123456"},
                {"name": "cookie", "value": "a=1"},
                {"name": "cookie", "value": "sid=s3cr3tvalue"}
            ]),
            "application/json"
        ),]));
        let mut plan = plan(&doc, "x.har").unwrap();
        assert!(!plan.skipped.iter().any(|s| s.why.contains("sign-in headers")));
        let cookie = plan.requests[0].request.draft.headers.iter().find(|h| h.name == "Cookie").unwrap();
        assert_eq!(cookie.value, "a=1; sid=s3cr3tvalue");
        plan.finish();
        assert!(plan.leaks().is_empty());
        let texts = plan.written_texts().join("\n");
        assert!(!texts.contains("abcdef123456") && !texts.contains("s3cr3tvalue"), "{texts}");
    }

    #[test]
    fn bad_input_is_named() {
        assert!(matches!(plan(&json!({"log": {"entries": 3}}), "x.har"), Err(ImportError::Invalid(_))));
        assert!(matches!(
            plan(&json!({"log": {"version": "2.0", "entries": []}}), "x.har"),
            Err(ImportError::Invalid(_))
        ));
        let odd = har(&json!([
            {"request": {"method": "GET", "url": "data:text/plain,hi"}},
            {"request": {"method": "PROPFIND", "url": "https://a.example/"}},
            {"request": {"url": 7}},
            {"nothing": true},
        ]));
        let plan = plan(&odd, "x.har").unwrap();
        assert!(plan.requests.is_empty());
        assert_eq!(plan.skipped.len(), 4, "{:?}", plan.skipped);
    }
}
