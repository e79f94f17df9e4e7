//! The plain-text files of a collection: TOML, one file per request plus the collection file.
//!
//! Written for people who review them in git: a `format` number first, keys always in the same
//! order, defaults left out, multi-line bodies as multi-line strings, no time stamps or random ids.
//! Writing is canonical — the same request always gives the same bytes — and `parse` then `write`
//! gives back the bytes Gatepass wrote, so a file is rewritten only when the request changed.
//! Reading is strict about what it does not know (a misspelt key is named with its line), and a
//! file from a newer Gatepass says so instead of being half-read.
//!
//! ```toml
//! format = 1
//! name = "Create an order"
//! method = "POST"
//! url = "/v1/orders"
//! required_scopes = ["orders:write"]
//! expect_status = "201"
//!
//! [[headers]]
//! name = "Idempotency-Key"
//! value = "{{order_key}}"
//!
//! [body]
//! kind = "json"
//! text = """
//! {"item": "notebook"}"""
//! ```

use super::{CollectionMeta, ExpectedStatus, FolderOrder, SavedRequest};
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the file format this Gatepass reads and writes.
pub const FORMAT_VERSION: u32 = 1;

const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// Why a file could not be read, with the 1-based line when the text says where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("This file is not valid TOML or has a value Gatepass does not expect: {message}")]
    Syntax { line: Option<usize>, message: String },
    #[error(
        "This file was written by a newer Gatepass (format {found}; this one reads format {FORMAT_VERSION}). Update Gatepass to open it."
    )]
    NewerFormat { found: u32 },
    #[error(
        "This file has no format number, so Gatepass cannot tell how to read it. Add `format = {FORMAT_VERSION}` as its first line."
    )]
    NoFormat,
    #[error("The method \"{0}\" is not one Gatepass sends. Use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS.")]
    Method(String),
    #[error("The expected status \"{0}\" is not a status (write 200, 404, or 2xx for any success).")]
    ExpectStatus(String),
    #[error("The body kind \"{0}\" is not one Gatepass knows (json, form, raw).")]
    BodyKind(String),
}

impl FormatError {
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Syntax { line, .. } => *line,
            _ => None,
        }
    }
}

// ---- request files -----------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestFile {
    format: u32,
    name: String,
    method: String,
    url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    required_scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    send_credential: Option<bool>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notes: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    query: Vec<Row>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    headers: Vec<Row>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<BodyFile>,
    /// The sign-ins the API accepts, when more than one (each with its scopes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sign_in: Vec<super::SignInAlternative>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    name: String,
    #[serde(default)]
    value: String,
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    enabled: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyFile {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fields: Vec<Row>,
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
fn is_yes(value: &bool) -> bool {
    *value
}

fn rows_to_file(rows: &[KeyValue]) -> Vec<Row> {
    rows.iter().map(|r| Row { name: r.name.clone(), value: r.value.clone(), enabled: r.enabled }).collect()
}

fn rows_from_file(rows: Vec<Row>) -> Vec<KeyValue> {
    rows.into_iter().map(|r| KeyValue { enabled: r.enabled, name: r.name, value: r.value }).collect()
}

/// The request as the canonical text of its file.
pub fn write_request(request: &SavedRequest) -> String {
    let draft = &request.draft;
    let body = match &draft.body {
        BodyDraft::None => None,
        BodyDraft::Json { text } => {
            Some(BodyFile { kind: "json".to_owned(), content_type: None, text: Some(text.clone()), fields: Vec::new() })
        }
        BodyDraft::Form { fields } => {
            Some(BodyFile { kind: "form".to_owned(), content_type: None, text: None, fields: rows_to_file(fields) })
        }
        BodyDraft::Raw { content_type, text } => Some(BodyFile {
            kind: "raw".to_owned(),
            content_type: (!content_type.is_empty()).then(|| content_type.clone()),
            text: Some(text.clone()),
            fields: Vec::new(),
        }),
    };
    let file = RequestFile {
        format: FORMAT_VERSION,
        name: request.name.clone(),
        method: draft.method.as_str().to_owned(),
        url: draft.url.clone(),
        required_scopes: request.required_scopes.clone(),
        expect_status: (request.expect != ExpectedStatus::AnySuccess).then(|| request.expect.text()),
        timeout_secs: (draft.timeout_secs != DEFAULT_TIMEOUT_SECS).then_some(draft.timeout_secs),
        send_credential: (!draft.send_credential).then_some(false),
        notes: request.notes.clone(),
        query: rows_to_file(&draft.query),
        headers: rows_to_file(&draft.headers),
        body,
        sign_in: request.alternatives.clone(),
    };
    let text = toml::to_string(&file).unwrap_or_else(|e| format!("# could not be written: {e}\n"));
    format!("# A Gatepass request. The credential comes from the profile it is sent with.\n{text}")
}

/// Read a request file's text.
pub fn parse_request(text: &str) -> Result<SavedRequest, FormatError> {
    check_format(text)?;
    let file: RequestFile = toml::from_str(text).map_err(|e| syntax(text, &e))?;
    let method = Method::parse(&file.method).ok_or_else(|| FormatError::Method(file.method.clone()))?;
    let expect = match &file.expect_status {
        Some(text) => ExpectedStatus::parse(text).ok_or_else(|| FormatError::ExpectStatus(text.clone()))?,
        None => ExpectedStatus::AnySuccess,
    };
    let body = match file.body {
        None => BodyDraft::None,
        Some(body) => match body.kind.to_ascii_lowercase().as_str() {
            "json" => BodyDraft::Json { text: body.text.unwrap_or_default() },
            "form" => BodyDraft::Form { fields: rows_from_file(body.fields) },
            "raw" => BodyDraft::Raw {
                content_type: body.content_type.unwrap_or_default(),
                text: body.text.unwrap_or_default(),
            },
            "none" => BodyDraft::None,
            _ => return Err(FormatError::BodyKind(body.kind)),
        },
    };
    Ok(SavedRequest {
        name: file.name,
        draft: RequestDraft {
            method,
            url: file.url,
            query: rows_from_file(file.query),
            headers: rows_from_file(file.headers),
            body,
            timeout_secs: file.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS),
            send_credential: file.send_credential.unwrap_or(true),
        },
        required_scopes: file.required_scopes,
        alternatives: file.sign_in,
        expect,
        notes: file.notes,
    })
}

// ---- the collection file -----------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectionFile {
    format: u32,
    name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notes: String,
    /// The order of the requests at the collection's root, by file name without `.request.toml`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    requests: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    variables: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    folders: Vec<FolderFile>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FolderFile {
    name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    requests: Vec<String>,
}

/// The collection file's canonical text.
pub fn write_collection(meta: &CollectionMeta) -> String {
    let root = meta.order.iter().find(|o| o.folder.is_empty()).map(|o| o.requests.clone()).unwrap_or_default();
    let file = CollectionFile {
        format: FORMAT_VERSION,
        name: meta.name.clone(),
        notes: meta.notes.clone(),
        requests: root,
        variables: meta.variables.clone(),
        folders: meta
            .order
            .iter()
            .filter(|o| !o.folder.is_empty())
            .map(|o| FolderFile { name: o.folder.clone(), requests: o.requests.clone() })
            .collect(),
    };
    let text = toml::to_string(&file).unwrap_or_else(|e| format!("# could not be written: {e}\n"));
    format!(
        "# A Gatepass collection: this folder's requests, one *.request.toml file each. No secrets here:\n# credentials come from the profile a request is sent with.\n{text}"
    )
}

/// Read the collection file's text.
pub fn parse_collection(text: &str) -> Result<CollectionMeta, FormatError> {
    check_format(text)?;
    let file: CollectionFile = toml::from_str(text).map_err(|e| syntax(text, &e))?;
    let mut order = Vec::new();
    if !file.requests.is_empty() {
        order.push(FolderOrder { folder: String::new(), requests: file.requests });
    }
    order.extend(file.folders.into_iter().map(|f| FolderOrder { folder: f.name, requests: f.requests }));
    Ok(CollectionMeta { name: file.name, notes: file.notes, order, variables: file.variables })
}

/// The format number decides how the rest is read, so it is checked first, on its own.
fn check_format(text: &str) -> Result<(), FormatError> {
    #[derive(Deserialize)]
    struct Version {
        format: Option<toml::Value>,
    }
    let version: Version = toml::from_str(text).map_err(|e| syntax(text, &e))?;
    match version.format {
        None => Err(FormatError::NoFormat),
        Some(toml::Value::Integer(n)) if n == i64::from(FORMAT_VERSION) => Ok(()),
        Some(toml::Value::Integer(n)) if n > i64::from(FORMAT_VERSION) => {
            Err(FormatError::NewerFormat { found: u32::try_from(n).unwrap_or(u32::MAX) })
        }
        Some(other) => Err(FormatError::Syntax {
            line: line_of_key(text, "format"),
            message: format!("the format number is {other}, and this Gatepass reads format {FORMAT_VERSION}"),
        }),
    }
}

fn syntax(text: &str, error: &toml::de::Error) -> FormatError {
    let line = error.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
    FormatError::Syntax { line, message: error.message().trim().to_owned() }
}

fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines().position(|l| l.trim_start().starts_with(key)).map(|i| i + 1)
}
