//! `OpenAPI` 3.0/3.1 and Swagger 2.0 → one saved request per operation.
//!
//! Folders come from each operation's first tag, path parameters become `{{variables}}`, query and
//! header parameters are kept, and each operation's `security` gives its required scopes: with
//! several alternatives, each is kept (its kinds of sign-in and scopes) so the one a profile
//! matches is used when it is sent, and they are named in the notes.

use super::{ImportError, ImportPlan, PlannedAuth, PlannedProfile};
use crate::core::collection::{SavedRequest, SignInAlternative, SignInKind, folder_path_for};
use crate::core::profile::{Environment, KeyPlacement};
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
            let (required_scopes, alternatives) = scopes(doc, security);
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
                notes.push_str(&alternatives.iter().map(SignInAlternative::words).collect::<Vec<_>>().join("; or "));
                notes.push('.');
            }
            // One way in needs no list: its scopes are the required ones.
            let alternatives = if alternatives.len() > 1 { alternatives } else { Vec::new() };
            out.operations.push(ImportedOperation {
                folder,
                request: SavedRequest { name, draft, required_scopes, alternatives, notes, ..Default::default() },
            });
        }
    }
    Ok(out)
}

/// The document as an import plan: requests in folders by tag, a profile per server (one that
/// says sandbox, test or staging is suggested as Sandbox, the others as Production), and the
/// sign-in method most operations use as the profiles' method.
pub fn plan(doc: &Value) -> Result<ImportPlan, ImportError> {
    let imported = import(doc)?;
    let swagger2 = doc.get("openapi").is_none();
    let format = if swagger2 {
        "swagger-2.0".to_owned()
    } else {
        let mut parts = imported.version.split('.');
        format!("openapi-{}.{}", parts.next().unwrap_or("3"), parts.next().unwrap_or("0"))
    };
    let mut plan = ImportPlan::new(format, imported.title.clone());
    doc.pointer("/info/description").and_then(Value::as_str).unwrap_or_default().clone_into(&mut plan.notes);
    for op in imported.operations {
        let folder = folder_path_for(&op.folder);
        plan.add_request(&folder, op.request);
    }
    for words in imported.skipped {
        let (item, why) = words.split_once(": ").unwrap_or(("the document", words.as_str()));
        plan.skip(item, why);
    }
    let (auth, auth_notes) = main_scheme(doc);
    for (item, why) in auth_notes {
        plan.skip(item, why);
    }
    let described = server_descriptions(doc, swagger2);
    let mut seen = Vec::new();
    for (url, description) in described {
        if seen.contains(&url) {
            continue;
        }
        seen.push(url.clone());
        let words = format!("{url} {description}").to_ascii_lowercase();
        let test_words = ["sandbox", "test", "staging", "stage", "dev", "qa", "uat", "mock", "localhost", "127.0.0.1"];
        let environment =
            if test_words.iter().any(|w| words.contains(w)) { Environment::Sandbox } else { Environment::Production };
        let mut profile =
            PlannedProfile::new(format!("{} — {}", imported.title, environment.label()), environment, url.clone());
        if plan.profiles.iter().any(|p| p.name == profile.name) {
            let host = url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or(url.clone());
            profile.name = format!("{} ({host})", profile.name);
        }
        profile.auth = auth.clone();
        if !description.is_empty() {
            profile.notes = format!("Server: {description}");
        }
        plan.profiles.push(profile);
    }
    if plan.profiles.is_empty() {
        let mut profile = PlannedProfile::new(imported.title.clone(), Environment::Sandbox, String::new());
        profile.auth = auth;
        "The document names no server: set this profile's base URL.".clone_into(&mut profile.notes);
        plan.profiles.push(profile);
    }
    Ok(plan)
}

/// Each server's URL (variables at their defaults) and description.
fn server_descriptions(doc: &Value, swagger2: bool) -> Vec<(String, String)> {
    if swagger2 {
        return swagger_servers(doc).into_iter().map(|u| (u, String::new())).collect();
    }
    let urls = openapi_servers(doc);
    let descriptions: Vec<String> = doc
        .get("servers")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|s| s.get("url").and_then(Value::as_str).is_some())
                .map(|s| s.get("description").and_then(Value::as_str).unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    urls.into_iter().enumerate().map(|(i, u)| (u, descriptions.get(i).cloned().unwrap_or_default())).collect()
}

/// The security scheme most operations name, as a profile sign-in method, and what could not be
/// carried over.
fn main_scheme(doc: &Value) -> (PlannedAuth, Vec<(String, String)>) {
    let schemes = doc
        .pointer("/components/securitySchemes")
        .or_else(|| doc.get("securityDefinitions"))
        .and_then(Value::as_object);
    let Some(schemes) = schemes else { return (PlannedAuth::None, Vec::new()) };
    let mut uses: Vec<(String, usize)> = schemes.keys().map(|k| (k.clone(), 0)).collect();
    let mut count = |security: Option<&Value>| {
        for alt in security.and_then(Value::as_array).into_iter().flatten() {
            for name in alt.as_object().into_iter().flat_map(|o| o.keys()) {
                if let Some(entry) = uses.iter_mut().find(|(k, _)| k == name) {
                    entry.1 += 1;
                }
            }
        }
    };
    count(doc.get("security"));
    for item in doc.get("paths").and_then(Value::as_object).into_iter().flat_map(|p| p.values()) {
        for (key, _) in METHODS {
            if let Some(op) = item.get(key) {
                count(op.get("security"));
            }
        }
    }
    // The most used; ties go to the document's order.
    let mut best: Option<(String, usize)> = None;
    for (name, n) in uses {
        if best.as_ref().is_none_or(|(_, b)| n > *b) {
            best = Some((name, n));
        }
    }
    let Some((name, _)) = best else { return (PlannedAuth::None, Vec::new()) };
    let scheme = &schemes[&name];
    let kind = scheme.get("type").and_then(Value::as_str).unwrap_or_default();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
    let item = format!("security scheme {name}");
    let mut notes = Vec::new();
    let auth = match kind {
        "apiKey" => {
            let param = text(scheme.get("name"));
            match scheme.get("in").and_then(Value::as_str) {
                Some("query") => {
                    PlannedAuth::ApiKey { name: param, placement: KeyPlacement::Query, value: String::new() }
                }
                Some("cookie") => {
                    notes.push((item, format!("an API key in the cookie `{param}`: Gatepass sends API keys in a header or the query, so the profile has no sign-in method yet.")));
                    PlannedAuth::None
                }
                _ => PlannedAuth::ApiKey { name: param, placement: KeyPlacement::Header, value: String::new() },
            }
        }
        "basic" => PlannedAuth::Basic { username: String::new(), password: String::new() },
        "http" => match scheme.get("scheme").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("basic") => PlannedAuth::Basic { username: String::new(), password: String::new() },
            Some("digest") => PlannedAuth::Digest { username: String::new(), password: String::new() },
            _ => PlannedAuth::Bearer { token: String::new() },
        },
        "oauth2" => oauth2_auth(scheme, &item, &mut notes),
        "openIdConnect" => {
            let url = text(scheme.get("openIdConnectUrl"));
            notes.push((item, format!("OpenID Connect sign-in: the profile signs in in the browser; fill its sign-in and token addresses from the discovery document {url}.")));
            PlannedAuth::OAuthAuthorizationCode {
                authorize_url: String::new(),
                token_url: String::new(),
                client_id: String::new(),
                scopes: vec!["openid".to_owned()],
            }
        }
        "mutualTLS" => {
            notes.push((
                item,
                "a client certificate (mutual TLS): add it to the profile with Client certificate…".to_owned(),
            ));
            PlannedAuth::None
        }
        other => {
            notes.push((item, format!("sign-in type `{other}` is not one Gatepass knows.")));
            PlannedAuth::None
        }
    };
    (auth, notes)
}

fn oauth2_auth(scheme: &Value, item: &str, notes: &mut Vec<(String, String)>) -> PlannedAuth {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
    // Swagger 2.0: one flow on the scheme itself.
    if let Some(flow) = scheme.get("flow").and_then(Value::as_str) {
        return match flow {
            "application" => PlannedAuth::OAuthClientCredentials {
                token_url: text(scheme.get("tokenUrl")),
                client_id: String::new(),
                client_secret: String::new(),
                scopes: Vec::new(),
            },
            _ => PlannedAuth::OAuthAuthorizationCode {
                authorize_url: text(scheme.get("authorizationUrl")),
                token_url: text(scheme.get("tokenUrl")),
                client_id: String::new(),
                scopes: Vec::new(),
            },
        };
    }
    let flows = scheme.get("flows");
    if let Some(flow) = flows.and_then(|f| f.get("authorizationCode")) {
        return PlannedAuth::OAuthAuthorizationCode {
            authorize_url: text(flow.get("authorizationUrl")),
            token_url: text(flow.get("tokenUrl")),
            client_id: String::new(),
            scopes: Vec::new(),
        };
    }
    if let Some(flow) = flows.and_then(|f| f.get("clientCredentials")) {
        return PlannedAuth::OAuthClientCredentials {
            token_url: text(flow.get("tokenUrl")),
            client_id: String::new(),
            client_secret: String::new(),
            scopes: Vec::new(),
        };
    }
    if let Some(flow) = flows.and_then(|f| f.get("implicit")) {
        notes.push((item.to_owned(), "the implicit OAuth flow is no longer considered safe (RFC 9700); the profile signs in in the browser with a code instead, which most servers that offer implicit also accept.".to_owned()));
        return PlannedAuth::OAuthAuthorizationCode {
            authorize_url: text(flow.get("authorizationUrl")),
            token_url: String::new(),
            client_id: String::new(),
            scopes: Vec::new(),
        };
    }
    if flows.and_then(|f| f.get("password")).is_some() {
        notes.push((item.to_owned(), "the OAuth password flow: Gatepass does not sign in with a user's password; the profile takes a token you paste.".to_owned()));
        return PlannedAuth::Bearer { token: String::new() };
    }
    PlannedAuth::Bearer { token: String::new() }
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

/// The scopes any alternative may need (sorted union over the alternatives), and each
/// alternative: the kinds of sign-in it needs at once (from the document's security schemes)
/// and the union of their scopes. Which one a profile matches is chosen when it is sent
/// ([`SavedRequest::scopes_for`]).
fn scopes(doc: &Value, security: Option<&Value>) -> (Vec<String>, Vec<SignInAlternative>) {
    let Some(list) = security.and_then(Value::as_array) else { return (Vec::new(), Vec::new()) };
    let schemes = doc
        .pointer("/components/securitySchemes")
        .or_else(|| doc.get("securityDefinitions"))
        .and_then(Value::as_object);
    let mut alternatives = Vec::new();
    let mut all: Vec<String> = Vec::new();
    for alt in list {
        let Some(obj) = alt.as_object() else { continue };
        let mut alternative = SignInAlternative::default();
        for (scheme, scopes) in obj {
            let definition = schemes.and_then(|s| s.get(scheme));
            let kind = definition.map_or(SignInKind::Other, |d| {
                SignInKind::of_scheme(
                    d.get("type").and_then(Value::as_str).unwrap_or_default(),
                    d.get("scheme").and_then(Value::as_str),
                )
            });
            alternative.schemes.push(scheme.clone());
            alternative.kinds.push(kind);
            for s in scopes.as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !alternative.scopes.iter().any(|have| have == s) {
                    alternative.scopes.push(s.to_owned());
                }
            }
        }
        if alternative.kinds.is_empty() {
            alternative.kinds.push(SignInKind::None);
        }
        for s in &alternative.scopes {
            if !all.contains(s) {
                all.push(s.clone());
            }
        }
        alternatives.push(alternative);
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
  securitySchemes:
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://login.shop.test/token", scopes: {}}}}
    key: {type: apiKey, in: header, name: X-Api-Key}
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

    /// With two ways in (OAuth with scopes, or an API key), each profile is held to the
    /// alternative it can use: an API key profile lacks no scope.
    #[test]
    fn each_security_alternative_is_kept_and_the_profile_is_held_to_the_one_it_matches() {
        use crate::core::profile::{AuthKind, AuthMethod, Profile};
        let doc = parse_document(DOC).unwrap();
        let post = import(&doc).unwrap().operations.remove(1).request;
        assert_eq!(post.alternatives.len(), 2);
        assert_eq!(post.alternatives[0].kinds, [SignInKind::OAuth2]);
        assert_eq!(post.alternatives[1].kinds, [SignInKind::ApiKey]);
        assert!(
            post.notes.contains("OAuth 2 (oauth) with orders:write, orders:read; or an API key (key)"),
            "{}",
            post.notes
        );
        let profile = |kind| {
            let mut p = Profile::new("P", Environment::Sandbox, "https://sandbox.shop.test");
            p.auth = AuthMethod::new_of_kind(kind, &p.id);
            p
        };
        let key = post.scopes_for(&profile(AuthKind::ApiKey));
        assert_eq!((key.scopes.len(), key.alternative.map(|a| a.kinds)), (0, Some(vec![SignInKind::ApiKey])));
        let oauth = post.scopes_for(&profile(AuthKind::OAuthClientCredentials));
        assert_eq!(oauth.scopes, ["orders:write", "orders:read"]);
        // A profile that fits neither is held to the first.
        assert_eq!(post.scopes_for(&profile(AuthKind::Basic)).scopes, ["orders:write", "orders:read"]);
        // The one-way GET keeps no list.
        assert!(import(&doc).unwrap().operations[0].request.alternatives.is_empty());
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
