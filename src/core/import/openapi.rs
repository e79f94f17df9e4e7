//! `OpenAPI` 3.0/3.1 and Swagger 2.0 → one saved request per operation.
//!
//! Folders come from each operation's first tag, path parameters become `{{variables}}`, query and
//! header parameters are kept, and each operation's `security` gives its required scopes (the union
//! within the first alternative; the other alternatives are named in the notes).

use super::ImportError;
use crate::core::collection::SavedRequest;
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use serde_json::Value;

/// One imported operation: the folder it goes in and the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedOperation {
    pub folder: String,
    pub request: SavedRequest,
}

/// What an `OpenAPI` document gives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenApiImport {
    pub title: String,
    /// `3.0.3`, `3.1.0`, `2.0`.
    pub version: String,
    /// Server base URLs, in the document's order.
    pub servers: Vec<String>,
    pub operations: Vec<ImportedOperation>,
    /// Things not imported, in plain words.
    pub skipped: Vec<String>,
}

const METHODS: [(&str, Method); 7] = [
    ("get", Method::Get),
    ("put", Method::Put),
    ("post", Method::Post),
    ("delete", Method::Delete),
    ("options", Method::Options),
    ("head", Method::Head),
    ("patch", Method::Patch),
];

/// Read an `OpenAPI` or Swagger document (already parsed from JSON or YAML).
pub fn import(doc: &Value) -> Result<OpenApiImport, ImportError> {
    let version = match (doc.get("openapi"), doc.get("swagger")) {
        (Some(v), _) => v.as_str().map_or_else(|| v.to_string(), str::to_owned),
        (None, Some(v)) => v.as_str().map_or_else(|| v.to_string(), str::to_owned),
        (None, None) => return Err(ImportError::WrongKind),
    };
    let swagger2 = doc.get("swagger").is_some() && doc.get("openapi").is_none();
    if !(version.starts_with("3.0") || version.starts_with("3.1") || (swagger2 && version == "2.0")) {
        return Err(ImportError::UnknownVersion(version));
    }
    let title = doc.pointer("/info/title").and_then(Value::as_str).unwrap_or("Imported API").to_owned();
    let servers = if swagger2 { swagger_servers(doc) } else { openapi_servers(doc) };
    let base = if servers.is_empty() { String::new() } else { "{{base_url}}".to_owned() };
    let global_security = doc.get("security");
    let mut out = OpenApiImport { title, version, servers, ..Default::default() };
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(out);
    };
    for (path, item) in paths {
        let item = resolve(doc, item, &mut out.skipped);
        let Some(item_obj) = item.as_object() else { continue };
        let shared_params = item_obj.get("parameters");
        if !swagger2 && item_obj.contains_key("trace") {
            out.skipped.push(format!("TRACE {path}: Gatepass does not send TRACE requests; left out."));
        }
        for (key, method) in METHODS {
            let Some(op) = item_obj.get(key) else { continue };
            let op = resolve(doc, op, &mut out.skipped);
            let security = op.get("security").or(global_security);
            let (required_scopes, alternatives) = scopes(security);
            let name = op
                .get("summary")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .or_else(|| op.get("operationId").and_then(Value::as_str))
                .map_or_else(|| format!("{} {path}", method.as_str()), str::to_owned);
            let folder = op.pointer("/tags/0").and_then(Value::as_str).map(str::to_owned).unwrap_or_default();
            let mut draft =
                RequestDraft { method, url: format!("{base}{}", variables_in_path(path)), ..Default::default() };
            let mut seen = Vec::new();
            for params in [op.get("parameters"), shared_params].into_iter().flatten() {
                let Some(list) = params.as_array() else { continue };
                for param in list {
                    let param = resolve(doc, param, &mut out.skipped);
                    let (Some(pname), Some(place)) =
                        (param.get("name").and_then(Value::as_str), param.get("in").and_then(Value::as_str))
                    else {
                        continue;
                    };
                    if seen.contains(&(pname.to_owned(), place.to_owned())) {
                        continue;
                    }
                    seen.push((pname.to_owned(), place.to_owned()));
                    let value = example_text(param).unwrap_or_default();
                    let enabled = param.get("required").and_then(Value::as_bool).unwrap_or(false);
                    let kv = KeyValue { enabled, name: pname.to_owned(), value };
                    match place {
                        "query" => draft.query.push(kv),
                        "header" => draft.headers.push(kv),
                        "body" => draft.body = body_from_schema(doc, param.get("schema"), &mut out.skipped),
                        _ => {}
                    }
                }
            }
            if let Some(body_ref) = op.get("requestBody") {
                let body = resolve(doc, body_ref, &mut out.skipped);
                if let Some(content) = body.get("content") {
                    draft.body = body_from_content(doc, content, &mut out.skipped);
                }
            }
            let mut notes = op.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
            if alternatives.len() > 1 {
                if !notes.is_empty() {
                    notes.push_str("\n\n");
                }
                notes.push_str("The API accepts any one of these sign-ins: ");
                notes.push_str(&alternatives.join("; or "));
                notes.push('.');
            }
            out.operations.push(ImportedOperation {
                folder,
                request: SavedRequest { name, draft, required_scopes, notes, ..Default::default() },
            });
        }
    }
    Ok(out)
}

fn openapi_servers(doc: &Value) -> Vec<String> {
    let Some(list) = doc.get("servers").and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .filter_map(|s| {
            let mut url = s.get("url")?.as_str()?.to_owned();
            if let Some(vars) = s.get("variables").and_then(Value::as_object) {
                for (k, v) in vars {
                    if let Some(d) = v.get("default").and_then(Value::as_str) {
                        url = url.replace(&format!("{{{k}}}"), d);
                    }
                }
            }
            Some(url.trim_end_matches('/').to_owned())
        })
        .collect()
}

fn swagger_servers(doc: &Value) -> Vec<String> {
    let Some(host) = doc.get("host").and_then(Value::as_str) else { return Vec::new() };
    let base_path = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
    let schemes: Vec<&str> = doc
        .get("schemes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let scheme = if schemes.contains(&"https") || schemes.is_empty() { "https" } else { schemes[0] };
    vec![format!("{scheme}://{host}{}", base_path.trim_end_matches('/'))]
}

/// The scopes any alternative may need (sorted union over the alternatives, so a profile that
/// holds them all can send it), and every alternative in words for the notes.
fn scopes(security: Option<&Value>) -> (Vec<String>, Vec<String>) {
    let Some(list) = security.and_then(Value::as_array) else { return (Vec::new(), Vec::new()) };
    let mut alternatives = Vec::new();
    let mut all: Vec<String> = Vec::new();
    for alt in list {
        let Some(obj) = alt.as_object() else { continue };
        let mut union: Vec<String> = Vec::new();
        let mut words = Vec::new();
        for (scheme, scopes) in obj {
            let these: Vec<String> = scopes
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            words.push(if these.is_empty() { scheme.clone() } else { format!("{scheme} ({})", these.join(", ")) });
            for s in these {
                if !union.contains(&s) {
                    union.push(s);
                }
            }
        }
        alternatives.push(if words.is_empty() { "no sign-in".to_owned() } else { words.join(" and ") });
        for s in union {
            if !all.contains(&s) {
                all.push(s);
            }
        }
    }
    all.sort();
    (all, alternatives)
}

fn variables_in_path(path: &str) -> String {
    // `{id}` → `{{id}}`; already-doubled braces are left alone.
    let mut out = String::with_capacity(path.len() + 8);
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        if let Some(end) = rest[start..].find('}') {
            let name = rest[start + 1..start + end].trim_matches(|c| c == '{' || c == '}');
            out.push_str("{{");
            out.push_str(name);
            out.push_str("}}");
            rest = rest[start + end + 1..].trim_start_matches('}');
        } else {
            out.push_str(&rest[start..]);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

/// A local `$ref` (`#/…`) followed a bounded number of times; an unreadable one is named in `skipped`.
fn resolve<'a>(doc: &'a Value, value: &'a Value, skipped: &mut Vec<String>) -> &'a Value {
    let mut current = value;
    for _ in 0..32 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else { return current };
        if let Some(target) = reference.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            current = target;
        } else {
            let words = format!("The reference `{reference}` could not be read; it was left out.");
            if !skipped.contains(&words) {
                skipped.push(words);
            }
            return current;
        }
    }
    current
}

fn example_text(param: &Value) -> Option<String> {
    let v = param
        .get("example")
        .or_else(|| param.pointer("/schema/example"))
        .or_else(|| param.pointer("/schema/default"))
        .or_else(|| param.get("default"))?;
    Some(match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn body_from_content(doc: &Value, content: &Value, skipped: &mut Vec<String>) -> BodyDraft {
    let Some(map) = content.as_object() else { return BodyDraft::None };
    let Some((media, media_obj)) = map.iter().find(|(k, _)| k.contains("json")).or_else(|| map.iter().next()) else {
        return BodyDraft::None;
    };
    let example = media_obj
        .get("example")
        .cloned()
        .or_else(|| {
            media_obj
                .pointer("/examples")
                .and_then(Value::as_object)
                .and_then(|e| e.values().next())
                .map(|e| resolve(doc, e, &mut Vec::new()).get("value").cloned().unwrap_or(Value::Null))
        })
        .filter(|v| !v.is_null())
        .or_else(|| media_obj.get("schema").map(|s| sample(doc, s, 0, skipped)));
    match example {
        Some(value) if media.contains("json") => {
            BodyDraft::Json { text: serde_json::to_string_pretty(&value).unwrap_or_default() }
        }
        Some(Value::String(text)) => BodyDraft::Raw { content_type: media.clone(), text },
        Some(value) => BodyDraft::Raw { content_type: media.clone(), text: value.to_string() },
        None => BodyDraft::None,
    }
}

fn body_from_schema(doc: &Value, schema: Option<&Value>, skipped: &mut Vec<String>) -> BodyDraft {
    match schema {
        Some(s) => {
            BodyDraft::Json { text: serde_json::to_string_pretty(&sample(doc, s, 0, skipped)).unwrap_or_default() }
        }
        None => BodyDraft::None,
    }
}

/// A sample value from a schema: examples and defaults first, then a typed placeholder. Depth
/// bounds recursive `$ref`s.
fn sample(doc: &Value, schema: &Value, depth: usize, skipped: &mut Vec<String>) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    let schema = resolve(doc, schema, skipped);
    if let Some(e) = schema.get("example").or_else(|| schema.get("default")) {
        return e.clone();
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|a| a.first()) {
        return first.clone();
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            if key == "allOf" {
                let mut merged = serde_json::Map::new();
                for part in list {
                    if let Value::Object(o) = sample(doc, part, depth + 1, skipped) {
                        merged.extend(o);
                    }
                }
                return Value::Object(merged);
            }
            return list.first().map_or(Value::Null, |s| sample(doc, s, depth + 1, skipped));
        }
    }
    let kind = match schema.get("type") {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "",
    };
    match kind {
        "object" => {
            let mut o = serde_json::Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    o.insert(k.clone(), sample(doc, v, depth + 1, skipped));
                }
            }
            Value::Object(o)
        }
        "array" => match schema.get("items") {
            Some(items) => Value::Array(vec![sample(doc, items, depth + 1, skipped)]),
            None => Value::Array(Vec::new()),
        },
        "string" => Value::String(String::new()),
        "integer" | "number" => Value::from(0),
        "boolean" => Value::Bool(false),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::import::parse_document;

    const DOC: &str = r##"
openapi: 3.0.3
info: {title: Shop}
servers: [{url: "https://sandbox.shop.test/v1/"}]
security: [{oauth: [orders:read]}]
paths:
  /orders/{id}:
    parameters: [{name: id, in: path, required: true}]
    get:
      tags: [Orders]
      summary: Get an order
      parameters: [{name: expand, in: query, schema: {type: string, example: items}}]
    post:
      operationId: updateOrder
      security: [{oauth: [orders:write, orders:read]}, {key: []}]
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Node"}
components:
  schemas:
    Node: {type: object, properties: {name: {type: string}, child: {$ref: "#/components/schemas/Node"}, ext: {$ref: "other.yaml#/X"}}}
"##;

    #[test]
    fn operations_folders_variables_scopes() {
        let doc = parse_document(DOC).unwrap();
        let out = import(&doc).unwrap();
        assert_eq!(out.servers, vec!["https://sandbox.shop.test/v1".to_owned()]);
        assert_eq!(out.operations.len(), 2);
        let get = &out.operations[0];
        assert_eq!(get.folder, "Orders");
        assert_eq!(get.request.name, "Get an order");
        assert_eq!(get.request.draft.url, "{{base_url}}/orders/{{id}}");
        assert_eq!(get.request.draft.query[0].value, "items");
        assert_eq!(get.request.required_scopes, vec!["orders:read".to_owned()]);
        let post = &out.operations[1];
        assert_eq!(post.request.name, "updateOrder");
        assert_eq!(post.request.required_scopes, vec!["orders:read".to_owned(), "orders:write".to_owned()]);
        assert!(post.request.notes.contains("key"), "{}", post.request.notes);
        assert!(matches!(&post.request.draft.body, BodyDraft::Json { text } if text.contains("\"child\"")));
        assert!(out.skipped.iter().any(|s| s.contains("other.yaml")), "{:?}", out.skipped);
    }

    #[test]
    fn swagger2_host_and_body() {
        let doc = parse_document(
            r#"{"swagger":"2.0","host":"api.test","basePath":"/v2","schemes":["http"],
            "paths":{"/pets":{"post":{"parameters":[{"in":"body","name":"b","schema":{"type":"object","properties":{"n":{"type":"integer"}}}}],
            "security":[{"petstore_auth":["write:pets","read:pets"]}]}}}}"#,
        )
        .unwrap();
        let out = import(&doc).unwrap();
        assert_eq!(out.servers, vec!["http://api.test/v2".to_owned()]);
        assert_eq!(out.operations[0].request.required_scopes, vec!["read:pets".to_owned(), "write:pets".to_owned()]);
        assert!(matches!(&out.operations[0].request.draft.body, BodyDraft::Json { text } if text.contains("\"n\": 0")));
    }

    #[test]
    fn bad_input_is_named() {
        assert!(matches!(parse_document("{ truncated"), Err(ImportError::NotJsonOrYaml(_))));
        assert_eq!(import(&parse_document("a: 1").unwrap()), Err(ImportError::WrongKind));
        assert!(matches!(import(&parse_document("openapi: 4.0.0").unwrap()), Err(ImportError::UnknownVersion(_))));
    }
}
