//! Postman collections in schema 3.0: a folder of YAML files, one `NAME.request.yaml` per
//! request, the collection's and each folder's settings (name, auth, variables, scripts) in a
//! `.resources/definition.yaml` beside them, and environments as YAML files under
//! `postman/environments/` (globals under `postman/globals/`). The folder given may be the
//! collection itself or a repository root holding `postman/collections/NAME/`.
//!
//! Each file is turned into the shape of a v2.1 collection, so the one Postman reader does the
//! rest: auth inherited from collection to folder to request, path variables, bodies, scripts
//! kept as notes, and every literal secret moved out. Fields come in the two shapes seen in the
//! wild: lists of `{key, value}` rows or plain maps (headers, query, credentials, variables).

use super::super::{ImportError, Part};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const DEFINITION: &str = ".resources/definition.yaml";

/// A v3 collection folder, when `files` holds one: the collection and any environments.
pub fn read_folder(name: &str, files: &[(String, String)]) -> Result<Option<Vec<Part>>, ImportError> {
    let is_request = |path: &str| is_request_file(path) && !path.split('/').any(|p| p == ".resources");
    if !files.iter().any(|(path, _)| is_request(path) || path.ends_with(DEFINITION)) {
        return Ok(None);
    }
    let root = collection_root(files)?;
    let mut parts = Vec::new();
    let mut tree = Folder::default();
    let mut definitions: BTreeMap<String, Value> = BTreeMap::new();
    for (path, text) in files {
        let Some(relative) = path.strip_prefix(root.as_str()) else { continue };
        if let Some(dir) = relative.strip_suffix(DEFINITION) {
            definitions.insert(dir.trim_end_matches('/').to_owned(), yaml(path, text)?);
        } else if is_request(relative) {
            let mut folders: Vec<&str> = relative.split('/').collect();
            let file = folders.pop().unwrap_or_default();
            let stem = file.trim_end_matches(".yaml").trim_end_matches(".yml").trim_end_matches(".request");
            tree.insert(&folders, request_item(stem, &yaml(path, text)?));
        }
    }
    for (path, text) in files {
        if let Some(kind) = environment_kind(path) {
            let stem = path.rsplit('/').next().unwrap_or(path);
            let stem = stem.trim_end_matches(".yaml").trim_end_matches(".yml");
            let doc = environment_json(stem, kind, &yaml(path, text)?);
            parts.push(Part::Environment(Box::new(super::environment(&doc)?)));
        }
    }
    if tree.is_empty() && definitions.is_empty() {
        return Ok(Some(parts));
    }
    let root_name = root.trim_end_matches('/').rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or(name);
    let doc = collection_json(root_name, &tree, &definitions);
    let mut plan = super::collection(&doc)?;
    "postman-3.0".clone_into(&mut plan.format);
    parts.insert(0, Part::Collection(Box::new(plan)));
    Ok(Some(parts))
}

fn is_request_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".request.yaml") || lower.ends_with(".request.yml")
}

/// `postman/collections/NAME/` in a repository root (one collection only), else the folder itself.
fn collection_root(files: &[(String, String)]) -> Result<String, ImportError> {
    let mut names: Vec<&str> = files
        .iter()
        .filter_map(|(path, _)| path.strip_prefix("postman/collections/"))
        .filter_map(|rest| rest.split_once('/').map(|(name, _)| name))
        .collect();
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [] => Ok(String::new()),
        [one] => Ok(format!("postman/collections/{one}/")),
        [first, second, ..] => Err(ImportError::TwoCollections((*first).to_owned(), (*second).to_owned())),
    }
}

fn environment_kind(path: &str) -> Option<&'static str> {
    let extension = std::path::Path::new(path).extension().and_then(|e| e.to_str()).unwrap_or_default();
    let yaml = extension.eq_ignore_ascii_case("yaml") || extension.eq_ignore_ascii_case("yml");
    if !yaml || is_request_file(path) {
        return None;
    }
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    if dir == "postman/environments" || dir == "environments" {
        Some("environment")
    } else if dir == "postman/globals" || dir == "globals" {
        Some("globals")
    } else {
        None
    }
}

fn yaml(path: &str, text: &str) -> Result<Value, ImportError> {
    let value: Value = serde_yaml_ng::from_str(text)
        .map_err(|e| ImportError::Invalid(format!("Postman collection: {path} is not valid YAML ({e}).")))?;
    Ok(if value.is_null() { Value::Object(Map::new()) } else { value })
}

/// The requests and sub-folders of one folder, by name, in the order of their `order` fields.
#[derive(Default)]
struct Folder {
    requests: Vec<(i64, Value)>,
    folders: BTreeMap<String, Folder>,
}

impl Folder {
    fn insert(&mut self, path: &[&str], item: (i64, Value)) {
        match path.split_first() {
            None => self.requests.push(item),
            Some((first, rest)) => self.folders.entry((*first).to_owned()).or_default().insert(rest, item),
        }
    }

    fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.folders.is_empty()
    }

    /// v2.1 items: folders (with their definitions) and requests, sorted by `order`.
    fn items(&self, dir: &str, definitions: &BTreeMap<String, Value>) -> Vec<Value> {
        let mut items: Vec<(i64, Value)> = self.requests.clone();
        for (name, folder) in &self.folders {
            let path = if dir.is_empty() { name.clone() } else { format!("{dir}/{name}") };
            let def = definitions.get(&path).cloned().unwrap_or(Value::Object(Map::new()));
            let mut item = Map::new();
            item.insert("name".to_owned(), Value::String(string(&def, "name").unwrap_or_else(|| name.clone())));
            item.insert("item".to_owned(), Value::Array(folder.items(&path, definitions)));
            settings(&def, &mut item);
            items.push((order(&def), Value::Object(item)));
        }
        items.sort_by_key(|(order, _)| *order);
        items.into_iter().map(|(_, item)| item).collect()
    }
}

fn collection_json(name: &str, tree: &Folder, definitions: &BTreeMap<String, Value>) -> Value {
    let def = definitions.get("").cloned().unwrap_or(Value::Object(Map::new()));
    let mut doc = Map::new();
    doc.insert(
        "info".to_owned(),
        json!({
            "name": string(&def, "name").unwrap_or_else(|| name.to_owned()),
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        }),
    );
    doc.insert("item".to_owned(), Value::Array(tree.items("", definitions)));
    settings(&def, &mut doc);
    if let Some(vars) = def.get("variables").or_else(|| def.get("variable")) {
        doc.insert("variable".to_owned(), Value::Array(rows(vars)));
    }
    Value::Object(doc)
}

/// What a collection or folder definition carries for its requests: auth, scripts, description.
fn settings(def: &Value, out: &mut Map<String, Value>) {
    if let Some(auth) = def.get("auth").and_then(auth) {
        out.insert("auth".to_owned(), auth);
    }
    if let Some(events) = def.get("scripts").and_then(events) {
        out.insert("event".to_owned(), events);
    }
    if let Some(description) = string(def, "description") {
        out.insert("description".to_owned(), Value::String(description));
    }
}

fn request_item(stem: &str, yaml: &Value) -> (i64, Value) {
    let mut url = Map::new();
    url.insert("raw".to_owned(), Value::String(string(yaml, "url").unwrap_or_default()));
    if let Some(query) = yaml.get("queryParams").or_else(|| yaml.get("query")) {
        url.insert("query".to_owned(), Value::Array(rows(query)));
    }
    if let Some(vars) = yaml.get("pathVariables") {
        url.insert("variable".to_owned(), Value::Array(rows(vars)));
    }
    let mut request = Map::new();
    request.insert("method".to_owned(), Value::String(string(yaml, "method").unwrap_or_else(|| "GET".to_owned())));
    request.insert("url".to_owned(), Value::Object(url));
    if let Some(headers) = yaml.get("headers") {
        request.insert("header".to_owned(), Value::Array(rows(headers)));
    }
    if let Some(body) = yaml.get("body").and_then(body) {
        request.insert("body".to_owned(), body);
    }
    if let Some(auth) = yaml.get("auth").and_then(auth) {
        request.insert("auth".to_owned(), auth);
    }
    if let Some(description) = string(yaml, "description") {
        request.insert("description".to_owned(), Value::String(description));
    }
    let mut item = Map::new();
    item.insert("name".to_owned(), Value::String(string(yaml, "name").unwrap_or_else(|| stem.to_owned())));
    item.insert("request".to_owned(), Value::Object(request));
    if let Some(events) = yaml.get("scripts").and_then(events) {
        item.insert("event".to_owned(), events);
    }
    (order(yaml), Value::Object(item))
}

/// `[{key, value, disabled}]` from either a list of rows or a plain map.
fn rows(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(list) => list
            .iter()
            .filter_map(|row| {
                let key = row.get("key").or_else(|| row.get("name"))?;
                let mut out = json!({ "key": text(key), "value": text(row.get("value").unwrap_or(&Value::Null)) });
                let off = row.get("disabled").and_then(Value::as_bool) == Some(true)
                    || row.get("enabled").and_then(Value::as_bool) == Some(false);
                if off {
                    out["disabled"] = Value::Bool(true);
                }
                if let Some(kind) = row.get("type").and_then(Value::as_str) {
                    out["type"] = Value::String(kind.to_owned());
                }
                Some(out)
            })
            .collect(),
        Value::Object(map) => map.iter().map(|(k, v)| json!({ "key": k, "value": text(v) })).collect(),
        _ => Vec::new(),
    }
}

/// `{type, content}` → a v2.1 body (raw with its language, urlencoded, formdata, graphql).
fn body(value: &Value) -> Option<Value> {
    let (kind, content) = match value {
        Value::String(text) => ("text".to_owned(), Value::String(text.clone())),
        Value::Object(map) => (
            map.get("type").or_else(|| map.get("mode")).and_then(Value::as_str).unwrap_or("text").to_ascii_lowercase(),
            map.get("content").or_else(|| map.get("raw")).cloned().unwrap_or(Value::Null),
        ),
        _ => return None,
    };
    Some(match kind.as_str() {
        "urlencoded" | "x-www-form-urlencoded" | "form-urlencoded" => {
            json!({ "mode": "urlencoded", "urlencoded": rows(&content) })
        }
        "formdata" | "form-data" | "multipart" | "multipart/form-data" => {
            json!({ "mode": "formdata", "formdata": rows(&content) })
        }
        "graphql" => {
            let graphql = if content.is_object() { content } else { json!({ "query": text(&content) }) };
            json!({ "mode": "graphql", "graphql": graphql })
        }
        "none" => return None,
        language => {
            let raw = if content.is_string() || content.is_null() {
                text(&content)
            } else {
                serde_json::to_string_pretty(&content).unwrap_or_default()
            };
            let language = if language == "raw" { "text" } else { language };
            json!({ "mode": "raw", "raw": raw, "options": { "raw": { "language": language } } })
        }
    })
}

/// `{type, credentials}` (a list of rows or a map, or the fields beside `type`) → v2.1 auth.
fn auth(value: &Value) -> Option<Value> {
    let map = value.as_object()?;
    let kind = map.get("type").and_then(Value::as_str)?.to_owned();
    let fields = match map.get("credentials").or_else(|| map.get(&kind)) {
        Some(credentials) => rows(credentials),
        None => map.iter().filter(|(k, _)| *k != "type").map(|(k, v)| json!({ "key": k, "value": text(v) })).collect(),
    };
    let mut out = Map::new();
    out.insert("type".to_owned(), Value::String(kind.clone()));
    if kind != "noauth" && kind != "inherit" {
        out.insert(kind, Value::Array(fields));
    }
    Some(Value::Object(out))
}

/// Scripts (`beforeRequest`/`afterResponse`) → v2.1 events, kept as notes by the reader.
fn events(value: &Value) -> Option<Value> {
    let list = value.as_array()?;
    let events: Vec<Value> = list
        .iter()
        .filter_map(|script| {
            let code = text(script.get("code").or_else(|| script.get("exec"))?);
            let kind = script.get("type").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
            let listen = if kind.contains("before") || kind.contains("prerequest") { "prerequest" } else { "test" };
            Some(json!({ "listen": listen, "script": { "exec": code.lines().collect::<Vec<_>>() } }))
        })
        .collect();
    (!events.is_empty()).then_some(Value::Array(events))
}

fn environment_json(stem: &str, kind: &str, yaml: &Value) -> Value {
    let values = yaml.get("values").or_else(|| yaml.get("variables")).map(rows).unwrap_or_default();
    let values: Vec<Value> = values
        .into_iter()
        .map(|mut row| {
            if row.get("disabled").and_then(Value::as_bool) == Some(true) {
                row["enabled"] = Value::Bool(false);
            }
            row
        })
        .collect();
    json!({
        "name": string(yaml, "name").unwrap_or_else(|| stem.to_owned()),
        "values": values,
        "_postman_variable_scope": kind,
    })
}

fn string(value: &Value, key: &str) -> Option<String> {
    value.get(key).map(text).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn order(value: &Value) -> i64 {
    value.get("order").and_then(Value::as_i64).unwrap_or(i64::MAX)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect()
    }

    #[test]
    fn a_v3_folder_becomes_one_collection_with_its_folders_auth_and_environment() {
        let given = files(&[
            (
                "postman/collections/Shop API/.resources/definition.yaml",
                "$kind: collection\nname: Shop API\nauth:\n  type: bearer\n  credentials:\n    - key: token\n      value: '{{token}}'\nvariables:\n  baseUrl: https://api.shop.test\n",
            ),
            (
                "postman/collections/Shop API/Orders/.resources/definition.yaml",
                "$kind: collection\nname: Orders\norder: 2000\n",
            ),
            (
                "postman/collections/Shop API/Orders/Create order.request.yaml",
                "$kind: http-request\nname: Create order\nmethod: POST\nurl: '{{baseUrl}}/v1/orders'\norder: 1000\nheaders:\n  - key: Content-Type\n    value: application/json\nbody:\n  type: json\n  content: |-\n    {\"sku\": \"A1\"}\nscripts:\n  - type: afterResponse\n    code: pm.test('ok')\n",
            ),
            (
                "postman/collections/Shop API/Orders/List orders.request.yaml",
                "$kind: http-request\nmethod: GET\nurl: '{{baseUrl}}/v1/orders'\norder: 500\nqueryParams:\n  page: '2'\n",
            ),
            (
                "postman/collections/Shop API/Who am I.request.yaml",
                "$kind: http-request\nname: Who am I\nmethod: GET\nurl: '{{baseUrl}}/v1/me'\norder: 1000\nauth:\n  type: noauth\n",
            ),
            (
                "postman/collections/Shop API/Orders/List orders.resources/examples/ok.example.yaml",
                "$kind: http-example\nname: ok\n",
            ),
            (
                "postman/environments/Sandbox.yaml",
                "name: Shop Sandbox\nvalues:\n  - key: token\n    value: sk_test_abcdefghijklmnop1234\n    type: secret\n",
            ),
        ]);
        let parts = read_folder("repo", &given).unwrap().unwrap();
        assert_eq!(parts.len(), 2);
        let Part::Collection(plan) = &parts[0] else { panic!("no collection first") };
        assert_eq!(plan.name, "Shop API");
        assert_eq!(plan.format, "postman-3.0");
        let names: Vec<(&str, &str)> =
            plan.requests.iter().map(|r| (r.folder.as_str(), r.request.name.as_str())).collect();
        assert_eq!(names, [("", "Who am I"), ("Orders", "List orders"), ("Orders", "Create order")], "{names:?}");
        let create = plan.requests.iter().find(|r| r.request.name == "Create order").unwrap();
        assert_eq!(create.request.draft.method.as_str(), "POST");
        assert!(
            matches!(&create.request.draft.body, crate::core::request::BodyDraft::Json { text } if text.contains("A1"))
        );
        let list = plan.requests.iter().find(|r| r.request.name == "List orders").unwrap();
        assert!(list.request.draft.query.iter().any(|q| q.name == "page" && q.value == "2"));
        let Part::Environment(env) = &parts[1] else { panic!("no environment") };
        assert_eq!(env.name, "Shop Sandbox");
        assert!(env.secret_names.iter().any(|n| n == "token"));
    }

    #[test]
    fn two_collections_in_one_repository_are_refused_by_name() {
        let given = files(&[
            ("postman/collections/A/x.request.yaml", "method: GET\nurl: /a\n"),
            ("postman/collections/B/y.request.yaml", "method: GET\nurl: /b\n"),
        ]);
        assert!(matches!(read_folder("repo", &given), Err(ImportError::TwoCollections(a, b)) if a == "A" && b == "B"));
    }

    #[test]
    fn a_folder_without_v3_files_is_not_taken() {
        let given = files(&[("README.md", "hello"), ("notes.yaml", "a: 1\n")]);
        assert!(read_folder("x", &given).unwrap().is_none());
    }
}
