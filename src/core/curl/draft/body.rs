//! The body curl sends: `--data`, `--data-binary`, `--data-raw`, `--data-urlencode` and `--json`
//! values made as curl makes them (files read only through [`Files`]), `-T` uploads, and the
//! [`BodyDraft`] kind that sends those bytes with the Content-Type curl sends. Also `--variable`
//! and the `--expand-…` options that fill variables into values.

use super::address::{curl_escape, form_rows};
use super::{Built, Gathered, Stdin};
use crate::core::curl::{FileRefusal, Files, shorten};
use crate::core::request::{BodyDraft, KeyValue};

pub(super) const FORM_TYPE: &str = "application/x-www-form-urlencoded";
pub(super) const JSON_TYPE: &str = "application/json";

/// How `--data`, `--data-binary`, `--data-raw`, `--data-urlencode` and `--json` treat their value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DataKind {
    /// `-d`, `--data-ascii`: `@file` is read with its line breaks removed.
    Ascii,
    /// `--data-binary`: `@file` is read as it is.
    Binary,
    /// `--data-raw`: no `@file`.
    Raw,
    /// `--data-urlencode`: `[name]=content`, `[name]@file`, the content percent-encoded.
    UrlEncode,
    /// `--json`: like `--data-binary`, joined without `&`, and JSON headers.
    Json,
}

/// Reads the files a command names, through what the caller allows.
pub(super) struct Reader<'a> {
    pub files: &'a dyn Files,
    pub stdin: &'a Stdin,
}

impl Reader<'_> {
    /// The content of `name` (`-` is standard input), or `None` with a note saying why not.
    pub(super) fn read(&self, name: &str, what: &str, out: &mut Built) -> Option<Vec<u8>> {
        let (path, shown) = if name == "-" {
            match &self.stdin.file {
                Some(file) if !file.contains(['`', '$']) => {
                    (file.as_str(), format!("standard input (the file \"{}\")", shorten(file)))
                }
                Some(source) => {
                    out.notes.push(format!(
                        "curl reads {what} from standard input, which the shell fills from \"{}\". Gatepass does not run the shell, so it was left out; paste the content into the request instead.",
                        shorten(source)
                    ));
                    out.left_out.push(format!("{what} (from standard input)"));
                    return None;
                }
                None => {
                    out.notes.push(format!(
                        "curl reads {what} from standard input (-), which a pasted command does not have. Paste it into the request instead."
                    ));
                    out.left_out.push(format!("{what} (from standard input)"));
                    return None;
                }
            }
        } else {
            (name, format!("the file \"{}\"", shorten(name)))
        };
        match self.files.read(path) {
            Ok(bytes) => Some(bytes),
            Err(refusal) => {
                let why = match refusal {
                    FileRefusal::NotAllowed => {
                        "which was not read: Gatepass reads a file a command names only when you let it".to_owned()
                    }
                    FileRefusal::Unreadable { reason } => format!("which could not be read ({reason})"),
                    FileRefusal::TooLarge { bytes, limit } => {
                        format!("which is too large to import ({bytes} bytes; at most {limit})")
                    }
                };
                out.notes.push(format!(
                    "curl sends {what} from {shown}, {why}. Paste its content into the request instead."
                ));
                out.left_out.push(format!("{what} (from {shown})"));
                None
            }
        }
    }

    /// Like [`Reader::read`], for content that must be text.
    pub(super) fn read_text(&self, name: &str, what: &str, out: &mut Built) -> Option<String> {
        let bytes = self.read(name, what, out)?;
        if let Ok(text) = String::from_utf8(bytes) {
            Some(text)
        } else {
            out.notes.push(format!(
                "curl sends {what} from \"{}\", which is not text. Gatepass keeps a request's body as text, so it was left out.",
                shorten(name)
            ));
            out.left_out.push(format!("{what} (a binary file)"));
            None
        }
    }
}

/// One `--data…` value as curl makes it, or `None` when its file was not read.
pub(super) fn data_piece(kind: DataKind, value: &str, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    match kind {
        DataKind::Raw => Some(value.to_owned()),
        DataKind::UrlEncode => urlencoded(value, "the body", reader, out),
        DataKind::Ascii | DataKind::Binary | DataKind::Json => {
            let Some(file) = value.strip_prefix('@') else { return Some(value.to_owned()) };
            let text = reader.read_text(file, "the body", out)?;
            Some(if kind == DataKind::Ascii { text.replace(['\r', '\n'], "") } else { text })
        }
    }
}

/// `--data-urlencode` and `--url-query`: `name=content`, `=content`, `name@file`, `@file`, or
/// `content`; the content percent-encoded as curl does (a space as `+`).
pub(super) fn urlencoded(value: &str, what: &str, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    let (name, content) = if let Some(at) = value.find('=') {
        (&value[..at], value.as_bytes()[at + 1..].to_vec())
    } else if let Some(at) = value.find('@') {
        (&value[..at], reader.read(&value[at + 1..], what, out)?)
    } else {
        ("", value.as_bytes().to_vec())
    };
    let encoded = curl_escape(&content, true);
    Some(if name.is_empty() { encoded } else { format!("{name}={encoded}") })
}

pub(super) fn url_query_piece(value: &str, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    match value.strip_prefix('+') {
        Some(raw) => Some(raw.to_owned()),
        None => urlencoded(value, "part of the query", reader, out),
    }
}

pub(super) fn upload_body(file: &str, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    let name = if file == "." { "-" } else { file };
    reader.read_text(name, "the file to upload (-T)", out)
}

pub(super) fn take_header(headers: &mut Vec<KeyValue>, name: &str) -> Option<String> {
    let index = headers.iter().position(|h| h.name.eq_ignore_ascii_case(name))?;
    Some(headers.remove(index).value)
}

/// The body as a draft holds it, sending the bytes and Content-Type curl sends. `content_type` is
/// the type curl sends (typed, or its default for -d and --json; `None` for none).
pub(super) fn body_from(
    text: &str,
    content_type: Option<&str>,
    headers: &mut Vec<KeyValue>,
    notes: &mut Vec<String>,
) -> BodyDraft {
    let media = content_type.map(|c| c.split(';').next().unwrap_or(c).trim().to_ascii_lowercase());
    let typed = headers.iter().any(|h| h.name.eq_ignore_ascii_case("Content-Type"));
    let is_json = {
        let t = text.trim_start();
        !t.is_empty() && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    };
    let object_or_array = matches!(text.trim_start().chars().next(), Some('{' | '['));
    match media.as_deref() {
        Some(m) if (m == JSON_TYPE || m.ends_with("+json")) && is_json => {
            // The JSON kind sends application/json by itself; any other type stays a header row.
            if content_type == Some(JSON_TYPE) {
                take_header(headers, "Content-Type");
            } else if !typed {
                headers.push(KeyValue::new("Content-Type", content_type.unwrap_or(JSON_TYPE)));
            }
            BodyDraft::Json { text: text.to_owned() }
        }
        Some(FORM_TYPE) if is_json && object_or_array && !typed => {
            notes.push(
                "curl sends this JSON body as a web form (Content-Type application/x-www-form-urlencoded), because -d does that when no Content-Type is given. Gatepass sends it the same way; if the API expects JSON, delete the Content-Type header."
                    .to_owned(),
            );
            headers.push(KeyValue::new("Content-Type", FORM_TYPE));
            BodyDraft::Json { text: text.to_owned() }
        }
        // A form is edited as fields and encoded again when sent; text with line breaks keeps
        // its exact bytes as raw text instead.
        Some(FORM_TYPE) if text.contains('=') && !text.contains(['\r', '\n']) => {
            if content_type == Some(FORM_TYPE) {
                take_header(headers, "Content-Type");
            }
            BodyDraft::Form { fields: form_rows(text) }
        }
        _ => {
            let content_type = if typed {
                take_header(headers, "Content-Type").unwrap_or_default()
            } else {
                content_type.unwrap_or_default().to_owned()
            };
            BodyDraft::Raw { content_type, text: text.to_owned() }
        }
    }
}

/// `--variable name=content`, `name@file`, `%ENV`: kept for `--expand-…` options.
pub(super) fn variable(value: &str, g: &mut Gathered, reader: &Reader<'_>, out: &mut Built) {
    if let Some(env) = value.strip_prefix('%') {
        let (name, default) = match env.split_once('=') {
            Some((n, d)) => (n, Some(d.to_owned())),
            None => (env, None),
        };
        out.notes.push(format!(
            "--variable %{} takes a value from curl's environment, which a pasted command does not have.{}",
            shorten(name),
            if default.is_some() { " Gatepass used its default." } else { " Gatepass left it empty." }
        ));
        g.variables.insert(name.to_owned(), default.unwrap_or_default());
        return;
    }
    if let Some(at) = value.find('=') {
        g.variables.insert(value[..at].to_owned(), value[at + 1..].to_owned());
    } else if let Some(at) = value.find('@') {
        let content = reader.read_text(&value[at + 1..], "a --variable", out).unwrap_or_default();
        g.variables.insert(value[..at].to_owned(), content);
    }
}

/// Fill `{{name}}` and `{{name:trim:json:url:b64}}` from `--variable`, as `--expand-…` does.
pub(super) fn expand(text: &str, variables: &std::collections::BTreeMap<String, String>, out: &mut Built) -> String {
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        result.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            result.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let mut parts = after[..end].split(':');
        let name = parts.next().unwrap_or_default();
        let mut value = if let Some(v) = variables.get(name) {
            v.clone()
        } else {
            out.notes.push(format!(
                "The variable {{{{{}}}}} is not set by a --variable, so curl fills in nothing there.",
                shorten(name)
            ));
            String::new()
        };
        for function in parts {
            value = match function {
                "trim" => value.trim().to_owned(),
                "json" => {
                    let quoted = serde_json::to_string(&value).unwrap_or_default();
                    quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().to_owned()
                }
                "url" => curl_escape(value.as_bytes(), false),
                "b64" => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
                }
                _ => value,
            };
        }
        result.push_str(&value);
        rest = &after[end + 2..];
    }
    result.push_str(rest);
    result
}
