//! Reading error bodies and headers for what they say: codes and messages, in the shapes real
//! APIs use (JSON at any depth, XML, plain text, HTML pages). Only the first bytes are read.

use serde_json::Value;

/// How much of a body is read for signals.
pub const BODY_PREFIX: usize = 64 * 1024;
const MAX_LEAVES: usize = 400;
const MAX_DEPTH: usize = 8;

/// A code or message found in the response, with where it was found (for the evidence line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// `error.code`, `header x-amzn-errortype`, `<Code>`.
    pub at: String,
    pub value: String,
}

#[derive(Debug, Clone, Default)]
#[allow(clippy::struct_excessive_bools, reason = "independent facts read from one body, each used on its own")]
pub struct BodySignals {
    pub codes: Vec<Field>,
    pub messages: Vec<Field>,
    /// The parsed JSON, when the body was JSON (for provider code paths).
    pub json: Option<Value>,
    /// Slack-style `"ok": false`.
    pub ok_false: bool,
    /// GraphQL's `"errors": [...]`, which comes with a 200.
    pub graphql_errors: bool,
    /// The body is shaped like an error report (an `error` member, `success: false`, a non-zero
    /// result code next to a message): APIs that answer every call with a 200 say "no" this way.
    pub error_shaped: bool,
    /// The body could not be read as text (binary, compressed).
    pub unreadable: bool,
}

const CODE_KEYS: &[&str] = &[
    "error",
    "oauth_problem",
    "code",
    "error_code",
    "errorcode",
    "err_code",
    "type",
    "__type",
    "status",
    "reason",
    "subcode",
    "error_subcode",
    "error_type",
    "errortype",
    "faultcode",
    "errorcodes",
    "error_codes",
    "kind",
    "name",
    "id",
    ".tag",
    "category",
];

const MESSAGE_KEYS: &[&str] = &[
    "message",
    "error_description",
    "errordescription",
    "detail",
    "details",
    "title",
    "description",
    "msg",
    "errormessage",
    "error_message",
    "errorsummary",
    "error_summary",
    "hint",
    "faultstring",
    "error_reason",
    "errors",
    "warning",
    "needed",
    "text",
];

/// Read a response body (its first bytes) for codes and messages.
pub fn read_body(body: &[u8], content_type: Option<&str>) -> BodySignals {
    let mut out = BodySignals::default();
    let prefix = &body[..body.len().min(BODY_PREFIX)];
    if prefix.is_empty() {
        return out;
    }
    if prefix.starts_with(&[0x1f, 0x8b]) || prefix.contains(&0) {
        out.unreadable = true;
        return out;
    }
    let text = String::from_utf8_lossy(prefix);
    if text.chars().filter(|c| *c == char::REPLACEMENT_CHARACTER).count() * 10 > text.chars().count().max(1) {
        out.unreadable = true;
        return out;
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(json) = serde_json::from_str::<Value>(trimmed) {
            let mut leaves = 0;
            walk(&json, "", None, 0, &mut leaves, &mut out);
            out.graphql_errors = json.get("errors").and_then(Value::as_array).is_some_and(|e| !e.is_empty());
            let tuple = read_error_tuple(&json, &mut out);
            out.error_shaped = out.graphql_errors || tuple || error_shaped(&json);
            out.json = Some(json);
            return out;
        }
        // Cut or broken JSON: pull out what looks like "key": "value".
        scan_json_like(trimmed, &mut out);
        return out;
    }
    let is_html = content_type.is_some_and(|c| c.contains("html"))
        || trimmed.get(..15).is_some_and(|s| s.to_ascii_lowercase().starts_with("<!doctype html"))
        || trimmed.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("<html"));
    if !is_html && trimmed.starts_with('<') {
        scan_xml(trimmed, &mut out);
        if !out.codes.is_empty() || !out.messages.is_empty() {
            return out;
        }
    }
    let plain = if is_html || trimmed.starts_with('<') { strip_tags(trimmed) } else { trimmed.to_owned() };
    let plain: String = collapse_spaces(&plain).chars().take(2000).collect();
    if !plain.is_empty() {
        out.messages.push(Field { at: "body".to_owned(), value: plain });
    }
    out
}

/// Codes and messages some APIs put in headers.
pub fn read_headers(headers: &[(String, String)], out: &mut BodySignals) {
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        let value = value.chars().take(500).collect::<String>();
        match lower.as_str() {
            "x-amzn-errortype" | "x-ms-error-code" | "x-error-code" | "x-amz-error-code" | "grpc-status-name" => {
                let code = value.split(':').next().unwrap_or_default().trim().to_owned();
                if !code.is_empty() {
                    out.codes.push(Field { at: format!("header {name}"), value: code });
                }
            }
            "x-error-message" | "x-amz-error-message" | "grpc-message" | "x-ms-error-message" | "x-error-detail" => {
                out.messages.push(Field { at: format!("header {name}"), value });
            }
            _ => {}
        }
    }
}

/// What a member's name says its value is: a code, a message, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Code,
    Message,
    Other,
}

/// Known names first, then the shapes providers invent (`ret_code`, `errcode`, `errmsg`,
/// `ret_msg`, `errorDescription`, `error_detail`).
fn role(key: &str) -> Role {
    if CODE_KEYS.contains(&key) {
        return Role::Code;
    }
    if MESSAGE_KEYS.contains(&key) {
        return Role::Message;
    }
    let squashed: String = key.chars().filter(char::is_ascii_alphanumeric).collect();
    if ["msg", "message", "desc", "detail", "reason", "hint", "explanation", "errortext"]
        .iter()
        .any(|w| squashed.contains(w))
    {
        Role::Message
    } else if squashed.ends_with("code") || squashed.ends_with("errno") || squashed.ends_with("error") {
        Role::Code
    } else {
        Role::Other
    }
}

fn push_leaf(key: &str, path: &str, value: &str, out: &mut BodySignals) {
    let value: String = value.chars().take(600).collect();
    let value = value.trim();
    if value.is_empty() {
        return;
    }
    let field = Field { at: path.to_owned(), value: value.to_owned() };
    let one_word = !value.contains(char::is_whitespace) && value.len() <= 100;
    match role(key) {
        Role::Code if one_word => out.codes.push(field),
        // Some APIs put a code where the message belongs: "message": "TOKEN_EXPIRED".
        Role::Message if one_word && looks_like_code(value) => {
            out.codes.push(field.clone());
            out.messages.push(field);
        }
        Role::Code | Role::Message => out.messages.push(field),
        Role::Other => {}
    }
}

/// Members whose number is an error code (`code`, `errcode`, `ret_code`, `subcode`, `errno`).
fn numeric_code_key(key: &str) -> bool {
    let squashed: String = key.chars().filter(char::is_ascii_alphanumeric).collect();
    squashed.ends_with("code") || squashed.ends_with("codes") || squashed.ends_with("errno")
}

/// Does a JSON body report an error, whatever its status?
fn error_shaped(json: &Value) -> bool {
    error_shaped_at(json, 0)
}

/// The top object, or one a level or two down (`{"messages": [{"status": "4", "error-text": …}]}`).
fn error_shaped_at(json: &Value, depth: usize) -> bool {
    if depth > 2 {
        return false;
    }
    if let Some(items) = json.as_array() {
        return depth > 0 && items.iter().take(5).any(|v| error_shaped_at(v, depth + 1));
    }
    let Some(map) = json.as_object() else { return false };
    if depth < 2 && map.values().any(|v| (v.is_object() || v.is_array()) && error_shaped_at(v, depth + 1)) {
        return true;
    }
    let mut has_message = false;
    let mut failed = false;
    for (key, value) in map {
        let lower = key.to_ascii_lowercase();
        let present = !matches!(value, Value::Null) && value.as_str().is_none_or(|s| !s.trim().is_empty());
        match lower.as_str() {
            "error" | "errors" | "fault" | "error_code" | "errorcode" | "error_description"
                if present && value != &Value::Bool(false) && value.as_array().is_none_or(|a| !a.is_empty()) =>
            {
                failed = true;
            }
            "success" | "ok" | "succeeded" => failed |= value == &Value::Bool(false),
            "status" | "result" | "state" => {
                failed |= value.as_str().is_some_and(|s| {
                    matches!(s.to_ascii_lowercase().as_str(), "error" | "fail" | "failed" | "failure" | "denied")
                });
            }
            _ => {}
        }
        if role(&lower) == Role::Message && value.as_str().is_some_and(|s| s.contains(' ')) {
            has_message = true;
        }
        // A result code that is not zero (or 200) next to a sentence: {"errcode":40001,"errmsg":"…"}.
        if (numeric_code_key(&lower) || lower == "status")
            && let Some(n) = value.as_i64().or_else(|| value.as_str().and_then(|s| s.trim().parse::<i64>().ok()))
            && n != 0
            && n != 200
        {
            failed |= map.iter().any(|(k, v)| role(&k.to_ascii_lowercase()) == Role::Message && v.is_string());
        }
    }
    failed || (has_message && map.contains_key("errors"))
}

/// An error as a bare list, `["error", 10114, "nonce: small"]` (some exchanges' and RPC APIs'
/// style): its numbers are codes and its sentences messages.
fn read_error_tuple(json: &Value, out: &mut BodySignals) -> bool {
    let Some(items) = json.as_array() else { return false };
    let first = items.first().and_then(Value::as_str).map(str::to_ascii_lowercase);
    if !matches!(first.as_deref(), Some("error" | "err" | "fail" | "failed")) {
        return false;
    }
    for (i, item) in items.iter().enumerate().skip(1).take(10) {
        let at = format!("[{i}]");
        match item {
            Value::Number(n) => out.codes.push(Field { at, value: n.to_string() }),
            Value::String(text) if !text.trim().is_empty() => out.messages.push(Field { at, value: text.clone() }),
            _ => {}
        }
    }
    true
}

fn looks_like_code(value: &str) -> bool {
    value.len() >= 4
        && value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && value.chars().any(|c| c.is_ascii_uppercase())
}

fn walk(value: &Value, path: &str, key: Option<&str>, depth: usize, leaves: &mut usize, out: &mut BodySignals) {
    if depth > MAX_DEPTH || *leaves > MAX_LEAVES {
        return;
    }
    let key_lower = key.map(str::to_ascii_lowercase);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(v, &child, Some(k), depth + 1, leaves, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate().take(20) {
                walk(v, &format!("{path}[{i}]"), key, depth + 1, leaves, out);
            }
        }
        Value::String(s) => {
            *leaves += 1;
            if let Some(k) = &key_lower {
                push_leaf(k, path, s, out);
            }
        }
        Value::Number(n) => {
            *leaves += 1;
            if let Some(k) = &key_lower
                && numeric_code_key(k)
            {
                out.codes.push(Field { at: path.to_owned(), value: n.to_string() });
            }
        }
        Value::Bool(b) => {
            *leaves += 1;
            if key_lower.as_deref() == Some("ok") && !b {
                out.ok_false = true;
            }
        }
        Value::Null => {}
    }
}

fn scan_json_like(text: &str, out: &mut BodySignals) {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE.get_or_init(|| regex::Regex::new(r#""([A-Za-z_]{1,30})"\s*:\s*"((?:[^"\\]|\\.){1,400})""#).ok())
    else {
        return;
    };
    for cap in re.captures_iter(text).take(MAX_LEAVES) {
        let key = cap[1].to_ascii_lowercase();
        push_leaf(&key, &cap[1], &cap[2], out);
    }
}

fn scan_xml(text: &str, out: &mut BodySignals) {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE.get_or_init(|| regex::Regex::new(r"<([A-Za-z_:]{1,40})>([^<]{1,600})</").ok()) else {
        return;
    };
    for cap in re.captures_iter(text).take(MAX_LEAVES) {
        let tag = cap[1].rsplit(':').next().unwrap_or(&cap[1]).to_ascii_lowercase();
        let at = format!("<{}>", &cap[1]);
        if CODE_KEYS.contains(&tag.as_str()) || MESSAGE_KEYS.contains(&tag.as_str()) {
            push_leaf(&tag, &at, &cap[2], out);
        } else if cap[2].trim().contains(' ')
            && (tag.contains("detail") || tag.contains("message") || tag.contains("reason"))
        {
            // Extra detail elements, such as Azure's <AuthenticationErrorDetail>.
            push_leaf("detail", &at, &cap[2], out);
        }
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(8192));
    let lower = html.to_ascii_lowercase();
    let mut in_tag = false;
    let mut skip_until: Option<&str> = None;
    let mut chars = html.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let rest = &lower[i..];
        if let Some(end) = skip_until {
            if rest.starts_with(end) {
                skip_until = None;
                // Step over the rest of the closing tag.
                for _ in 1..end.len() {
                    chars.next();
                }
            }
            continue;
        }
        if rest.starts_with("<script") {
            skip_until = Some("</script>");
        } else if rest.starts_with("<style") {
            skip_until = Some("</style>");
        } else if c == '<' {
            in_tag = true;
            out.push(' ');
        } else if c == '>' {
            in_tag = false;
        } else if !in_tag {
            out.push(c);
        }
    }
    out.replace("&nbsp;", " ").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A JSON pointer lookup that also reads a string value's text.
pub fn pointer_string(json: &Value, pointer: &str) -> Option<String> {
    match json.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.value.as_str()).collect()
    }

    #[test]
    fn reads_nested_json_codes_and_messages() {
        let s = read_body(
            br#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED","details":[{"reason":"ACCESS_TOKEN_EXPIRED"}]}}"#,
            Some("application/json"),
        );
        assert_eq!(values(&s.codes), ["401", "ACCESS_TOKEN_EXPIRED", "UNAUTHENTICATED"]);
        assert_eq!(values(&s.messages), ["Request had invalid authentication credentials."]);
        assert_eq!(s.codes[1].at, "error.details[0].reason");
    }

    #[test]
    fn reads_slack_ok_false() {
        let s = read_body(br#"{"ok":false,"error":"invalid_auth"}"#, None);
        assert!(s.ok_false);
        assert_eq!(values(&s.codes), ["invalid_auth"]);
    }

    #[test]
    fn reads_aws_xml() {
        let s = read_body(
            b"<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>",
            Some("application/xml"),
        );
        assert_eq!(values(&s.codes), ["SignatureDoesNotMatch"]);
        assert_eq!(s.messages.len(), 1);
    }

    #[test]
    fn reads_html_pages_as_text() {
        let s = read_body(
            b"<html><head><title>400 No required SSL certificate was sent</title><style>b{}</style></head><body><center><h1>400 Bad Request</h1></center></body></html>",
            Some("text/html"),
        );
        assert_eq!(values(&s.messages), ["400 No required SSL certificate was sent 400 Bad Request"]);
    }

    #[test]
    fn cut_json_is_read_best_effort() {
        let s = read_body(br#"{"error": "invalid_token", "error_description": "The token exp"#, None);
        assert_eq!(values(&s.codes), ["invalid_token"]);
    }

    #[test]
    fn binary_and_compressed_bodies_are_not_read() {
        assert!(read_body(&[0x1f, 0x8b, 8, 0, 1, 2], None).unreadable);
        assert!(read_body(&[0, 159, 146, 150, 255, 254], None).unreadable);
    }

    #[test]
    fn header_codes_are_read() {
        let mut s = BodySignals::default();
        read_headers(
            &[("x-amzn-ErrorType".to_owned(), "UnrecognizedClientException:http://internal.amazon.com/".to_owned())],
            &mut s,
        );
        assert_eq!(values(&s.codes), ["UnrecognizedClientException"]);
    }

    #[test]
    fn random_bodies_never_panic() {
        let pieces: [&[u8]; 10] =
            [b"{", b"}", b"\"error\"", b":", b"<Code>", b"</", b"\xff\xfe", b"[", b"\"ok\":false", "é✓".as_bytes()];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..5_000 {
            let mut body = Vec::new();
            for _ in 0..12 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                body.extend_from_slice(pieces[usize::try_from(state % 10).unwrap_or(0)]);
            }
            let s = read_body(&body, Some("text/html"));
            assert!(s.codes.iter().all(|f| !f.value.is_empty()));
        }
        let huge = vec![b'a'; 10 * 1024 * 1024];
        assert!(read_body(&huge, None).messages[0].value.len() <= 2000);
    }
}
