//! A collection written for other tools: a Postman v2.1 collection, or `OpenAPI` 3.1 paths.
//!
//! Never a secret: saved requests hold none (`{{secret:name}}` keeps only a name, which becomes
//! an empty variable of that name), and a credential typed into a request anyway (the detector's
//! finding) is replaced by a `{{…}}` placeholder and named in [`Exported::left_out`].

use crate::core::collection::{Collection, ExpectedStatus, RequestEntry};
use crate::core::curl::credentials_in_draft;
use crate::core::import::plan::looks_secret_name;
use crate::core::request::{BodyDraft, KeyValue, RequestDraft, SECRET_VARIABLE_PREFIX};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The document, and what did not go in, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub document: Value,
    pub requests: usize,
    pub left_out: Vec<String>,
}

/// Which other tool's format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A Postman Collection v2.1 (JSON).
    Postman,
    /// `OpenAPI` 3.1 paths (JSON).
    OpenApi,
}

impl ExportFormat {
    /// What the file is, in words: "a Postman v2.1 collection".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Postman => "a Postman v2.1 collection",
            Self::OpenApi => "OpenAPI 3.1 paths",
        }
    }

    /// The usual file name for a collection called `name`.
    pub fn file_name(self, name: &str) -> String {
        let stem: String = name
            .trim()
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let stem = if stem.is_empty() { "collection".to_owned() } else { stem };
        match self {
            Self::Postman => format!("{stem}.postman_collection.json"),
            Self::OpenApi => format!("{stem}.openapi.json"),
        }
    }

    /// The document for `collection` in this format.
    pub fn export(self, collection: &Collection, base: &ExportBase) -> Exported {
        match self {
            Self::Postman => postman(collection, base),
            Self::OpenApi => openapi(collection, base),
        }
    }
}

/// Where relative request addresses point: the profile's base URL, or `{{baseUrl}}`.
#[derive(Debug, Clone, Default)]
pub struct ExportBase {
    /// The base URL to write as the `baseUrl` variable (Postman) or the server (`OpenAPI`).
    pub base_url: String,
    /// The profile's words for the server description, such as "Sandbox (test)".
    pub label: String,
}

/// A request with every secret taken out: `{{secret:x}}` → `{{x}}`, typed credentials →
/// `{{credential}}`. The names of the secrets it used are added to `secret_names`.
fn cleaned(entry: &RequestEntry, secret_names: &mut BTreeSet<String>, left_out: &mut Vec<String>) -> RequestDraft {
    let mut draft = entry.request.draft.clone();
    for found in credentials_in_draft(&draft) {
        let value = found.secret.expose().to_owned();
        if value.len() < 4 {
            continue;
        }
        replace_all(&mut draft, &value, "{{credential}}");
        left_out.push(format!(
            "{}: a credential typed into the request was replaced by {{{{credential}}}}",
            entry.request.name
        ));
    }
    let mut unsecret = |text: &mut String| {
        let mut rest = text.as_str();
        let mut out = String::new();
        while let Some(at) = rest.find(&format!("{{{{{SECRET_VARIABLE_PREFIX}")) {
            let after = &rest[at + 2 + SECRET_VARIABLE_PREFIX.len()..];
            let Some(end) = after.find("}}") else { break };
            let name = after[..end].trim();
            secret_names.insert(name.to_owned());
            out.push_str(&rest[..at]);
            out.push_str(&format!("{{{{{name}}}}}"));
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        *text = out;
    };
    for row in draft.query.iter_mut().chain(draft.headers.iter_mut()) {
        unsecret(&mut row.value);
    }
    match &mut draft.body {
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => unsecret(text),
        BodyDraft::Form { fields } => fields.iter_mut().for_each(|f| unsecret(&mut f.value)),
        BodyDraft::None => {}
    }
    draft
}

fn replace_all(draft: &mut RequestDraft, value: &str, with: &str) {
    draft.url = draft.url.replace(value, with);
    for row in draft.query.iter_mut().chain(draft.headers.iter_mut()) {
        row.value = row.value.replace(value, with);
    }
    match &mut draft.body {
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => *text = text.replace(value, with),
        BodyDraft::Form { fields } => fields.iter_mut().for_each(|f| f.value = f.value.replace(value, with)),
        BodyDraft::None => {}
    }
}

/// A relative address (`/v1/me`, as profiles complete it) under `{{baseUrl}}`.
fn full_url(url: &str) -> String {
    let url = url.trim();
    if url.contains("://") || url.starts_with("{{") {
        url.to_owned()
    } else if url.starts_with('/') {
        format!("{{{{baseUrl}}}}{url}")
    } else {
        format!("{{{{baseUrl}}}}/{url}")
    }
}

/// Collection variables safe to share: a secret-looking name keeps its name, not its value.
fn shared_variables(collection: &Collection, left_out: &mut Vec<String>) -> BTreeMap<String, String> {
    collection
        .meta
        .variables
        .iter()
        .map(|(k, v)| {
            if looks_secret_name(k, true) && !v.is_empty() && !v.contains("{{") {
                left_out.push(format!("collection variable {k}: its value looks like a secret and was left empty"));
                (k.clone(), String::new())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

fn rows(list: &[KeyValue]) -> Vec<Value> {
    list.iter()
        .filter(|r| !r.name.trim().is_empty())
        .map(|r| {
            let mut row = json!({"key": r.name, "value": r.value});
            if !r.enabled {
                row["disabled"] = json!(true);
            }
            row
        })
        .collect()
}

fn description(entry: &RequestEntry) -> String {
    let mut lines = Vec::new();
    if !entry.request.notes.trim().is_empty() {
        lines.push(entry.request.notes.trim().to_owned());
    }
    if !entry.request.required_scopes.is_empty() {
        lines.push(format!("Needs the permissions (scopes): {}", entry.request.required_scopes.join(" ")));
    }
    lines.join("\n\n")
}

// ---------------------------------------------------------------- Postman

/// The collection as a Postman Collection v2.1 document.
pub fn postman(collection: &Collection, base: &ExportBase) -> Exported {
    let mut left_out = Vec::new();
    let mut secret_names = BTreeSet::new();
    // Folders as nested items, in the collection's order.
    let mut root = Tree::default();
    for entry in &collection.requests {
        let draft = cleaned(entry, &mut secret_names, &mut left_out);
        let item = postman_item(entry, &draft);
        let mut node = &mut root;
        for part in entry.path.folder().split('/').filter(|p| !p.is_empty()) {
            let at = node.folders.iter().position(|(name, _)| name == part).unwrap_or_else(|| {
                node.order.push(Slot::Folder(node.folders.len()));
                node.folders.push((part.to_owned(), Tree::default()));
                node.folders.len() - 1
            });
            node = &mut node.folders[at].1;
        }
        node.order.push(Slot::Request(node.requests.len()));
        node.requests.push(item);
    }
    let root = root.items();
    let mut variables = shared_variables(collection, &mut left_out);
    variables.entry("baseUrl".to_owned()).or_insert_with(|| base.base_url.clone());
    let mut variable: Vec<Value> = variables.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
    for name in &secret_names {
        if !variables.contains_key(name) {
            variable.push(json!({
                "key": name,
                "value": "",
                "description": "A secret: Gatepass keeps it in the keychain and exports only its name. Fill it in where you keep secrets."
            }));
        }
    }
    let mut info = json!({
        "name": collection.meta.name,
        "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    });
    if !collection.meta.notes.trim().is_empty() {
        info["description"] = json!(collection.meta.notes);
    }
    Exported {
        document: json!({"info": info, "item": root, "variable": variable}),
        requests: collection.requests.len(),
        left_out,
    }
}

/// Postman's nested `item` lists while they are built.
#[derive(Default)]
struct Tree {
    folders: Vec<(String, Tree)>,
    requests: Vec<Value>,
    order: Vec<Slot>,
}

enum Slot {
    Folder(usize),
    Request(usize),
}

impl Tree {
    fn items(self) -> Vec<Value> {
        let Tree { folders, requests, order } = self;
        let mut folders: Vec<Option<(String, Tree)>> = folders.into_iter().map(Some).collect();
        let mut requests: Vec<Option<Value>> = requests.into_iter().map(Some).collect();
        order
            .into_iter()
            .filter_map(|slot| match slot {
                Slot::Folder(i) => folders
                    .get_mut(i)
                    .and_then(Option::take)
                    .map(|(name, tree)| json!({"name": name, "item": tree.items()})),
                Slot::Request(i) => requests.get_mut(i).and_then(Option::take),
            })
            .collect()
    }
}

fn postman_item(entry: &RequestEntry, draft: &RequestDraft) -> Value {
    let raw_base = full_url(&draft.url);
    let enabled: Vec<String> = draft
        .query
        .iter()
        .filter(|q| q.enabled && !q.name.is_empty())
        .map(|q| format!("{}={}", q.name, q.value))
        .collect();
    let raw = match (enabled.is_empty(), raw_base.contains('?')) {
        (true, _) => raw_base.clone(),
        (false, true) => format!("{raw_base}&{}", enabled.join("&")),
        (false, false) => format!("{raw_base}?{}", enabled.join("&")),
    };
    let (before_query, _) = raw_base.split_once('?').unwrap_or((&raw_base, ""));
    let (host, path) = match before_query.split_once("://") {
        Some((_, rest)) => rest.split_once('/').unwrap_or((rest, "")),
        None => before_query.split_once('/').unwrap_or((before_query, "")),
    };
    let mut url = json!({
        "raw": raw,
        "host": host.split('.').collect::<Vec<_>>(),
        "path": path.split('/').filter(|p| !p.is_empty()).collect::<Vec<_>>(),
    });
    if let Some((scheme, _)) = before_query.split_once("://") {
        url["protocol"] = json!(scheme);
        url["host"] = json!(host.split('.').collect::<Vec<_>>());
    } else {
        url["host"] = json!([host]);
    }
    if !draft.query.is_empty() {
        url["query"] = json!(rows(&draft.query));
    }
    let mut request = json!({"method": draft.method.as_str(), "header": rows(&draft.headers), "url": url});
    match &draft.body {
        BodyDraft::None => {}
        BodyDraft::Json { text } => {
            request["body"] = json!({"mode": "raw", "raw": text, "options": {"raw": {"language": "json"}}});
        }
        BodyDraft::Raw { content_type, text } => {
            let language = if content_type.contains("xml") { "xml" } else { "text" };
            request["body"] = json!({"mode": "raw", "raw": text, "options": {"raw": {"language": language}}});
            if !draft.headers.iter().any(|h| h.name.eq_ignore_ascii_case("content-type"))
                && let Some(headers) = request["header"].as_array_mut()
            {
                headers.push(json!({"key": "Content-Type", "value": content_type}));
            }
        }
        BodyDraft::Form { fields } => request["body"] = json!({"mode": "urlencoded", "urlencoded": rows(fields)}),
    }
    if !draft.send_credential {
        request["auth"] = json!({"type": "noauth"});
    }
    let text = description(entry);
    if !text.is_empty() {
        request["description"] = json!(text);
    }
    let mut item = json!({"name": entry.request.name, "request": request});
    let check = match entry.request.expect {
        ExpectedStatus::AnySuccess => None,
        ExpectedStatus::Exact(code) => {
            Some(format!("pm.test(\"status is {code}\", function () {{ pm.response.to.have.status({code}); }});"))
        }
        ExpectedStatus::Class(class) => Some(format!(
            "pm.test(\"status is {class}xx\", function () {{ pm.expect(Math.floor(pm.response.code / 100)).to.eql({class}); }});"
        )),
    };
    if let Some(check) = check {
        item["event"] = json!([{"listen": "test", "script": {"type": "text/javascript", "exec": [check]}}]);
    }
    item
}

// ---------------------------------------------------------------- OpenAPI

/// The collection's requests as `OpenAPI` 3.1 paths: one operation per method and path.
pub fn openapi(collection: &Collection, base: &ExportBase) -> Exported {
    let mut left_out = Vec::new();
    let mut secret_names = BTreeSet::new();
    let mut paths = Map::new();
    let mut operation_ids = BTreeSet::new();
    let mut tags = BTreeSet::new();
    let mut any_scopes = false;
    let mut servers = BTreeSet::new();
    let mut requests = 0;
    for entry in &collection.requests {
        let draft = cleaned(entry, &mut secret_names, &mut left_out);
        let (server, path, url_query) = split_address(&draft.url);
        if let Some(server) = server {
            servers.insert(server);
        }
        let method = draft.method.as_str().to_ascii_lowercase();
        let (path, path_params) = openapi_path(&path);
        let slot = paths.entry(path.clone()).or_insert_with(|| json!({}));
        if slot.get(&method).is_some() {
            left_out.push(format!(
                "{}: {} {path} is already another request's; OpenAPI has one operation per method and path",
                entry.request.name,
                draft.method.as_str()
            ));
            continue;
        }
        let mut parameters: Vec<Value> = path_params
            .iter()
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        for q in url_query.iter().chain(draft.query.iter()).filter(|q| !q.name.is_empty()) {
            parameters.push(json!({"name": q.name, "in": "query", "required": q.enabled, "schema": {"type": "string"}, "example": q.value}));
        }
        for h in draft.headers.iter().filter(|h| !h.name.is_empty()) {
            let lower = h.name.to_ascii_lowercase();
            if matches!(lower.as_str(), "content-type" | "accept" | "authorization") {
                continue;
            }
            parameters.push(json!({"name": h.name, "in": "header", "required": h.enabled, "schema": {"type": "string"}, "example": h.value}));
        }
        let id = operation_id(&entry.request.name, &mut operation_ids);
        let mut op =
            json!({"operationId": id, "summary": entry.request.name, "responses": responses(entry.request.expect)});
        let folder = entry.path.folder();
        if !folder.is_empty() {
            tags.insert(folder.to_owned());
            op["tags"] = json!([folder]);
        }
        let text = entry.request.notes.trim();
        if !text.is_empty() {
            op["description"] = json!(text);
        }
        if !parameters.is_empty() {
            op["parameters"] = json!(parameters);
        }
        if let Some(body) = request_body(&draft.body) {
            op["requestBody"] = body;
        }
        if !draft.send_credential {
            op["security"] = json!([]);
        } else if !entry.request.required_scopes.is_empty() {
            any_scopes = true;
            op["security"] = json!([{"signIn": entry.request.required_scopes}]);
        }
        slot[&method] = op;
        requests += 1;
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": collection.meta.name, "version": "1.0.0"},
        "paths": paths,
    });
    if !collection.meta.notes.trim().is_empty() {
        doc["info"]["description"] = json!(collection.meta.notes.trim());
    }
    let mut server_list: Vec<Value> = Vec::new();
    if !base.base_url.trim().is_empty() {
        server_list.push(json!({"url": base.base_url.trim(), "description": base.label}));
    }
    server_list.extend(servers.into_iter().filter(|s| *s != base.base_url.trim()).map(|s| json!({"url": s})));
    if !server_list.is_empty() {
        doc["servers"] = json!(server_list);
    }
    if !tags.is_empty() {
        doc["tags"] = json!(tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>());
    }
    if any_scopes {
        // OpenAPI 3.1 lets any scheme list the permissions an operation needs.
        doc["components"] = json!({"securitySchemes": {"signIn": {"type": "http", "scheme": "bearer", "description": "The profile's access token; each operation lists the permissions (scopes) it needs."}}});
    }
    for name in &secret_names {
        left_out.push(format!("the secret {name}: only its name is in the document, as {{{{{name}}}}}"));
    }
    Exported { document: doc, requests, left_out }
}

/// (`scheme://host` when absolute, the path, the query in the address).
fn split_address(url: &str) -> (Option<String>, String, Vec<KeyValue>) {
    let url = url.trim();
    let (address, query) = url.split_once('?').unwrap_or((url, ""));
    let query: Vec<KeyValue> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            KeyValue { enabled: true, name: k.to_owned(), value: v.to_owned() }
        })
        .collect();
    if let Some((scheme, rest)) = address.split_once("://") {
        let (host, path) = rest.split_once('/').map_or((rest, String::new()), |(h, p)| (h, format!("/{p}")));
        return (Some(format!("{scheme}://{host}")), if path.is_empty() { "/".to_owned() } else { path }, query);
    }
    // `{{baseUrl}}/v1/x` → `/v1/x`
    let path = match address.strip_prefix("{{") {
        Some(rest) => rest.split_once("}}").map_or("", |(_, p)| p).to_owned(),
        None => address.to_owned(),
    };
    let path = if path.starts_with('/') { path } else { format!("/{path}") };
    (None, path, query)
}

/// `/orders/{{id}}` and `/orders/:id` → `/orders/{id}`, with the parameter names.
fn openapi_path(path: &str) -> (String, Vec<String>) {
    let mut names = Vec::new();
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| {
            let name = segment
                .strip_prefix("{{")
                .and_then(|s| s.strip_suffix("}}"))
                .or_else(|| segment.strip_prefix(':'))
                .map(str::trim)
                .filter(|n| !n.is_empty());
            match name {
                Some(n) => {
                    if !names.iter().any(|x| x == n) {
                        names.push(n.to_owned());
                    }
                    format!("{{{n}}}")
                }
                None => segment.replace("{{", "{").replace("}}", "}"),
            }
        })
        .collect();
    (segments.join("/"), names)
}

fn operation_id(name: &str, taken: &mut BTreeSet<String>) -> String {
    let mut words = name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
    let mut id = words.next().map_or_else(|| "request".to_owned(), str::to_ascii_lowercase);
    for w in words {
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.push_str(&chars.as_str().to_ascii_lowercase());
        }
    }
    let unique = (1..100_000)
        .map(|n| if n == 1 { id.clone() } else { format!("{id}{n}") })
        .find(|c| !taken.contains(c))
        .unwrap_or(id);
    taken.insert(unique.clone());
    unique
}

fn responses(expect: ExpectedStatus) -> Value {
    match expect {
        ExpectedStatus::AnySuccess => json!({"2XX": {"description": "Success"}}),
        ExpectedStatus::Exact(code) => json!({code.to_string(): {"description": "The answer this request expects"}}),
        ExpectedStatus::Class(class) => {
            json!({format!("{class}XX"): {"description": "The answer this request expects"}})
        }
    }
}

fn request_body(body: &BodyDraft) -> Option<Value> {
    match body {
        BodyDraft::None => None,
        BodyDraft::Json { text } => {
            let example = serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!(text));
            Some(json!({"content": {"application/json": {"example": example}}}))
        }
        BodyDraft::Raw { content_type, text } => {
            let ct = if content_type.trim().is_empty() { "text/plain" } else { content_type.trim() };
            Some(json!({"content": {ct: {"example": text}}}))
        }
        BodyDraft::Form { fields } => {
            let properties: Map<String, Value> =
                fields.iter().map(|f| (f.name.clone(), json!({"type": "string", "example": f.value}))).collect();
            Some(
                json!({"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": properties}}}}),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::collection::{CollectionMeta, RequestPath, SavedRequest};
    use crate::core::request::Method;

    fn entry(path: &str, name: &str, draft: RequestDraft) -> RequestEntry {
        RequestEntry {
            path: RequestPath::for_name(path.rsplit_once('/').map_or("", |(f, _)| f), name),
            request: SavedRequest { name: name.to_owned(), draft, ..SavedRequest::default() },
            literal_secrets: Vec::new(),
        }
    }

    fn sample() -> Collection {
        let mut get = RequestDraft::get("/v1/orders/{{id}}");
        get.query.push(KeyValue { enabled: true, name: "expand".into(), value: "items".into() });
        get.headers.push(KeyValue { enabled: true, name: "X-Partner".into(), value: "{{secret:partner_key}}".into() });
        let mut post = RequestDraft::get("/v1/orders");
        post.method = Method::Post;
        post.body = BodyDraft::Json { text: "{\"sku\": \"A-1\"}".into() };
        let mut typed = RequestDraft::get("https://api.partner.test/v1/me");
        typed.headers.push(KeyValue {
            enabled: true,
            name: "Authorization".into(),
            value: "Bearer sk_live_51HxTypedKeyThatShouldNeverLeave00".into(),
        });
        typed.send_credential = false;
        let mut one = entry("Orders/one", "One order", get);
        one.request.required_scopes = vec!["orders:read".into()];
        one.request.expect = ExpectedStatus::Exact(200);
        let mut meta = CollectionMeta { name: "Shop".into(), ..CollectionMeta::default() };
        meta.variables.insert("client_secret".into(), "cs-0123456789abcdef".into());
        meta.variables.insert("region".into(), "eu".into());
        Collection {
            meta,
            requests: vec![one, entry("Orders/new", "New order", post), entry("me", "Me", typed)],
            problems: Vec::new(),
        }
    }

    #[test]
    fn postman_keeps_folders_and_no_secret() {
        let out =
            postman(&sample(), &ExportBase { base_url: "https://sandbox.shop.test".into(), label: String::new() });
        let text = out.document.to_string();
        assert!(!text.contains("sk_live_51HxTypedKeyThatShouldNeverLeave00") && !text.contains("cs-0123456789abcdef"));
        assert!(text.contains("{{partner_key}}") && !text.contains("{{secret:"));
        let orders = &out.document["item"][0];
        assert_eq!(orders["name"], "Orders");
        assert_eq!(orders["item"][0]["request"]["url"]["raw"], "{{baseUrl}}/v1/orders/{{id}}?expand=items");
        assert_eq!(orders["item"][0]["request"]["url"]["path"], json!(["v1", "orders", "{{id}}"]));
        assert!(orders["item"][0]["event"][0]["script"]["exec"][0].as_str().unwrap().contains("status(200)"));
        assert_eq!(out.document["item"][1]["request"]["auth"]["type"], "noauth");
        let vars = out.document["variable"].as_array().unwrap();
        assert!(vars.iter().any(|v| v["key"] == "baseUrl" && v["value"] == "https://sandbox.shop.test"));
        assert!(vars.iter().any(|v| v["key"] == "partner_key" && v["value"] == ""));
        assert_eq!(out.left_out.len(), 2, "{:?}", out.left_out);
    }

    #[test]
    fn openapi_paths_parameters_and_scopes() {
        let out = openapi(&sample(), &ExportBase::default());
        let doc = &out.document;
        let get = &doc["paths"]["/v1/orders/{id}"]["get"];
        assert_eq!(get["operationId"], "oneOrder");
        assert_eq!(get["security"], json!([{"signIn": ["orders:read"]}]));
        assert_eq!(get["responses"]["200"]["description"], "The answer this request expects");
        let names: Vec<&str> =
            get["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["id", "expand", "X-Partner"]);
        assert_eq!(
            doc["paths"]["/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["example"]["sku"],
            "A-1"
        );
        assert_eq!(doc["paths"]["/v1/me"]["get"]["security"], json!([]));
        assert_eq!(doc["servers"][0]["url"], "https://api.partner.test");
        assert!(!doc.to_string().contains("sk_live_51HxTypedKeyThatShouldNeverLeave00"));
        assert_eq!(openapi_path("/a/:b/{{c}}/d"), ("/a/{b}/{c}/d".to_owned(), vec!["b".to_owned(), "c".to_owned()]));
    }

    #[test]
    fn the_same_method_and_path_twice_is_named() {
        let mut c = sample();
        let again = c.requests[1].clone();
        c.requests.push(RequestEntry { path: RequestPath::for_name("Orders", "New order 2"), ..again });
        let out = openapi(&c, &ExportBase::default());
        assert_eq!(out.requests, 3);
        assert!(out.left_out.iter().any(|l| l.contains("one operation per method and path")));
    }
}
