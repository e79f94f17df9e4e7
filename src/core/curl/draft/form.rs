//! `-F` / `--form`: a multipart form, written the way curl writes it.
//!
//! A draft has no multipart body kind, and a form made only of text needs none: the form is
//! carried as raw text whose bytes are curl's (each part's `Content-Disposition`, `filename`,
//! `Content-Type` — guessed from the file name as curl guesses it, or `;type=` — and `;headers=`),
//! under a boundary of curl's shape. Only the boundary differs, as it differs between two runs of
//! curl. A part whose file is not text (an image, say) cannot be carried in a text body: the import
//! says so and names it as left out.

use super::Built;
use super::body::Reader;
use crate::core::curl::shorten;
use std::hash::{Hash as _, Hasher as _};

/// One `-F` or `--form-string` value, as given.
#[derive(Debug, Clone)]
pub(super) struct FormArg {
    pub value: String,
    /// `--form-string`: the value is taken as it is (no `@file`, `<file` or `;type=`).
    pub literal: bool,
}

/// The boundary and the form's body text; a part whose file could not be read is left out.
pub(super) fn multipart(args: &[FormArg], reader: &Reader<'_>, out: &mut Built) -> (String, String) {
    let mut parts: Vec<String> = Vec::new();
    for arg in args {
        if let Some(part) = part(arg, reader, out) {
            parts.push(part);
        }
    }
    let boundary = boundary_for(&parts);
    let mut body = String::new();
    for part in &parts {
        body.push_str(&format!("--{boundary}\r\n{part}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (boundary, body)
}

/// curl's shape: 24 dashes and 16 hex digits, here from a hash of the parts, so the same form
/// always gets the same boundary, and one that is not in any part.
fn boundary_for(parts: &[String]) -> String {
    let mut seed = 0u64;
    loop {
        let mut hasher = std::hash::DefaultHasher::new();
        seed.hash(&mut hasher);
        parts.hash(&mut hasher);
        let boundary = format!("------------------------{:016x}", hasher.finish());
        if !parts.iter().any(|p| p.contains(&boundary)) {
            return boundary;
        }
        seed += 1;
    }
}

/// A part's headers and content (without the boundary line).
fn part(arg: &FormArg, reader: &Reader<'_>, out: &mut Built) -> Option<String> {
    let Some((name, rest)) = arg.value.split_once('=') else {
        out.notes.push(format!(
            "The form field \"{}\" has no \"=\" between its name and value, so curl does not send it either.",
            shorten(&arg.value)
        ));
        return None;
    };
    let name = escape(name);
    if arg.literal {
        return Some(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{rest}"));
    }
    let (content, params) = split_params(rest);
    let mut content_type = params.kind;
    let mut filename = params.filename;
    let text = if let Some(file) = content.strip_prefix('@') {
        let shown = filename.clone().unwrap_or_else(|| file.rsplit(['/', '\\']).next().unwrap_or(file).to_owned());
        if content_type.is_none() {
            content_type = Some(guessed_type(&shown).to_owned());
        }
        filename = Some(shown);
        reader.read_text(file, &format!("the form's file field \"{name}\""), out)?
    } else if let Some(file) = content.strip_prefix('<') {
        reader.read_text(file, &format!("the form field \"{name}\""), out)?
    } else {
        content
    };
    let mut head = format!("Content-Disposition: form-data; name=\"{name}\"");
    if let Some(filename) = &filename {
        head.push_str(&format!("; filename=\"{}\"", escape(filename)));
    }
    head.push_str("\r\n");
    if let Some(kind) = content_type {
        head.push_str(&format!("Content-Type: {kind}\r\n"));
    }
    for header in params.headers {
        head.push_str(&header);
        head.push_str("\r\n");
    }
    Some(format!("{head}\r\n{text}"))
}

/// What follows a form value: `;type=`, `;filename=`, `;headers=` (others are ignored, as curl
/// ignores them with a warning).
#[derive(Default)]
struct Params {
    kind: Option<String>,
    filename: Option<String>,
    headers: Vec<String>,
}

/// Split `value;type=x;filename=y` into the value and its parameters; a value in double quotes
/// may hold `;`.
fn split_params(text: &str) -> (String, Params) {
    let (value, mut rest) = quoted_or_until_semicolon(text);
    let mut params = Params::default();
    while let Some(after) = rest.strip_prefix(';') {
        let after = after.trim_start();
        let (key, value_text) = after.split_once('=').unwrap_or((after, ""));
        let (value, next) = quoted_or_until_semicolon(value_text);
        match key.trim().to_ascii_lowercase().as_str() {
            "type" => params.kind = Some(value),
            "filename" => params.filename = Some(value),
            "headers" => params.headers.push(value),
            _ => {}
        }
        rest = next;
    }
    (value, params)
}

fn quoted_or_until_semicolon(text: &str) -> (String, &str) {
    if let Some(inner) = text.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, next)) = chars.next() {
                        value.push(next);
                    }
                }
                '"' => return (value, &inner[i + 1..]),
                _ => value.push(c),
            }
        }
        return (value, "");
    }
    match text.find(';') {
        Some(at) => (text[..at].to_owned(), &text[at..]),
        None => (text.to_owned(), ""),
    }
}

/// curl writes `"`, CR and LF in a field or file name percent-encoded.
fn escape(name: &str) -> String {
    name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

/// The type curl gives a file part from its name's extension.
fn guessed_type(filename: &str) -> &'static str {
    let extension = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "gif" => "image/gif",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" => "text/plain",
        "htm" | "html" => "text/html",
        "pdf" => "application/pdf",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}
