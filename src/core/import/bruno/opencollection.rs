//! `OpenCollection` YAML (Bruno 3 and later): `opencollection.yml` at the root with one `.yml`
//! file per request, `folder.yml` per folder and `environments/*.yml`; or one bundled file whose
//! `items` hold every folder and request.

use super::{
    Body, Defaults, Dir, Env, Node, Req, assemble, auth_of, check, join_item, key_values, seq_of, sort_nodes, template,
    tree,
};
use crate::core::import::insomnia::{Effective, flatten, scalar};
use crate::core::import::plan::ImportPlan;
use crate::core::import::{ImportError, Part, parse_document};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A bundled `OpenCollection` file (`opencollection:` at its top).
pub fn read_bundled(doc: &Value) -> Result<Part, ImportError> {
    let mut plan = ImportPlan::new("opencollection", collection_name(doc, "OpenCollection"));
    let mut refs = BTreeSet::new();
    let root = defaults(doc, "the collection", &mut plan, &mut refs, true);
    let nodes = items(doc.get("items"), "", &mut plan, &mut refs, 0);
    let envs = environments(doc, &mut refs);
    if nodes.is_empty() && envs.is_empty() {
        return Err(ImportError::Invalid(
            "OpenCollection: the file has no requests (its `items` list is empty or missing).".to_owned(),
        ));
    }
    assemble(&mut plan, root, nodes, envs, refs);
    Ok(Part::Collection(Box::new(plan)))
}

/// An `OpenCollection` folder whose `opencollection.yml` is in `root` (`""` or `a/b/`).
pub(super) fn read_folder(
    folder_name: &str,
    root: &str,
    files: &[(String, String)],
) -> Result<ImportPlan, ImportError> {
    let root_file = files
        .iter()
        .find(|(p, _)| *p == format!("{root}opencollection.yml") || *p == format!("{root}opencollection.yaml"))
        .map(|(_, t)| t.as_str())
        .unwrap_or_default();
    let doc = parse_document(root_file)
        .map_err(|e| ImportError::Invalid(format!("OpenCollection: opencollection.yml could not be read. {e}")))?;
    let mut plan = ImportPlan::new("opencollection", collection_name(&doc, folder_name));
    let mut refs = BTreeSet::new();
    let root_defaults = defaults(&doc, "the collection", &mut plan, &mut refs, true);
    let mut envs = environments(&doc, &mut refs);
    let mut dirs: BTreeMap<String, Dir> = BTreeMap::new();
    // A bundled root may also list items.
    let bundled = items(doc.get("items"), "", &mut plan, &mut refs, 0);
    dirs.entry(String::new()).or_default().nodes.extend(bundled);
    for (path, text) in files {
        let Some(rel) = path.strip_prefix(root) else { continue };
        let (dir, file) = rel.rsplit_once('/').map_or(("", rel), |(d, f)| (d, f));
        if dir.split('/').any(|s| s.starts_with('.') || s == "node_modules") {
            continue;
        }
        let Some(stem) = file.strip_suffix(".yml").or_else(|| file.strip_suffix(".yaml")) else { continue };
        if dir.is_empty() && stem == "opencollection" {
            continue;
        }
        let value = match parse_document(text) {
            Ok(v) if v.is_object() => v,
            Ok(_) => continue,
            Err(e) => {
                plan.skip(rel.to_owned(), format!("it could not be read: {e}"));
                continue;
            }
        };
        if dir == "environments" {
            envs.push(environment(&value, stem, &mut refs));
            continue;
        }
        let entry = dirs.entry(dir.to_owned()).or_default();
        if stem == "folder" {
            let info = value.get("info").or_else(|| value.get("meta"));
            entry.name = info.map(|i| text_at(i, "name")).filter(|n| !n.trim().is_empty());
            entry.seq = info.map_or(f64::MAX, |i| seq_of(&text_at(i, "seq")));
            entry.defaults = defaults(&value, &format!("folder {dir}"), &mut plan, &mut refs, false);
            continue;
        }
        let node = request(&value, stem, &join_item(dir, stem), &mut plan, &mut refs);
        entry.nodes.push(node);
    }
    let nodes = tree(&mut dirs, "");
    if nodes.is_empty() && envs.is_empty() {
        return Err(ImportError::Invalid(
            "OpenCollection: no request files (.yml) were found in this folder.".to_owned(),
        ));
    }
    assemble(&mut plan, root_defaults, nodes, envs, refs);
    Ok(plan)
}

fn collection_name(doc: &Value, fallback: &str) -> String {
    let name = doc.get("info").map(|i| text_at(i, "name")).unwrap_or_default();
    if name.trim().is_empty() { fallback.to_owned() } else { name.trim().to_owned() }
}

/// A scalar field as text (numbers too), empty when missing.
fn text_at(v: &Value, key: &str) -> String {
    v.get(key).map(scalar).unwrap_or_default()
}

/// Docs as text: a string, or `{content: …}`.
fn docs_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(o @ Value::Object(_)) => text_at(o, "content"),
        _ => String::new(),
    }
}

/// `[{name, value, disabled}]` rows (also `key` for the name, `enabled` for the switch).
fn rows(list: Option<&Value>) -> Vec<(String, String, bool)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.is_object())
        .map(|r| {
            let name = if r.get("name").is_some() { text_at(r, "name") } else { text_at(r, "key") };
            let disabled = r.get("disabled").and_then(Value::as_bool).unwrap_or(false)
                || r.get("enabled").and_then(Value::as_bool) == Some(false);
            (name, value_text(r.get("value")), !disabled)
        })
        .collect()
}

/// A variable's value: text, `{type, data}`, or variants (the selected one, else the first).
fn value_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Array(variants)) => {
            let chosen = variants
                .iter()
                .find(|x| x.get("selected").and_then(Value::as_bool) == Some(true))
                .or_else(|| variants.first());
            chosen.map(|c| value_text(c.get("value"))).unwrap_or_default()
        }
        Some(o @ Value::Object(_)) if o.get("data").is_some() => text_at(o, "data"),
        Some(other) => scalar(other),
        None => String::new(),
    }
}

/// (variables, names of secret ones).
fn variables(list: Option<&Value>, refs: &mut BTreeSet<String>) -> (Vec<(String, String)>, Vec<String>) {
    let (mut vars, mut secrets) = (Vec::new(), Vec::new());
    for v in list.and_then(Value::as_array).into_iter().flatten() {
        let name = text_at(v, "name");
        if name.trim().is_empty() || v.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        if v.get("secret").and_then(Value::as_bool) == Some(true) {
            secrets.push(name.trim().to_owned());
            // A secret variable that carries a value anyway: finish moves it to the keychain.
            let value = value_text(v.get("value"));
            if !value.is_empty() {
                vars.push((name.trim().to_owned(), value));
            }
            continue;
        }
        vars.push((name.trim().to_owned(), template(&value_text(v.get("value")), refs)));
    }
    (vars, secrets)
}

fn scripts(list: Option<&Value>) -> Vec<(&'static str, String)> {
    let kind = |t: &str| match t {
        "before-request" | "pre-request" => "Pre-request script",
        "after-response" | "post-response" => "Post-response script",
        "tests" => "Tests",
        _ => "Script",
    };
    match list {
        Some(Value::Array(list)) => list
            .iter()
            .map(|s| (kind(&text_at(s, "type")), text_at(s, "code")))
            .filter(|(_, c)| !c.trim().is_empty())
            .collect(),
        Some(Value::Object(map)) => {
            map.iter().map(|(k, v)| (kind(k), scalar(v))).filter(|(_, c)| !c.trim().is_empty()).collect()
        }
        _ => Vec::new(),
    }
}

/// A sign-in: `inherit` (→ `None`), or `{type: …, fields…}` (fields also under the type's name).
fn auth(v: &Value, item: &str, plan: &mut ImportPlan, refs: &mut BTreeSet<String>) -> Option<Effective> {
    match v {
        Value::String(mode) => auth_of(mode, &|_| String::new(), item, plan, refs),
        Value::Object(_) => {
            let mode = if v.get("type").is_some() { text_at(v, "type") } else { text_at(v, "mode") };
            let mut fields = BTreeMap::new();
            flatten(Some(v), "", &mut fields);
            let mode_key = mode.trim().to_owned();
            let get = |names: &[&str]| {
                names
                    .iter()
                    .flat_map(|n| [(*n).to_owned(), format!("{mode_key}.{n}")])
                    .find_map(|k| fields.get(&k).filter(|x| !x.is_empty()).cloned())
                    .unwrap_or_default()
            };
            auth_of(&mode, &get, item, plan, refs)
        }
        _ => Some(Effective::NoAuth),
    }
}

/// The `request:` defaults of the collection or a folder.
fn defaults(doc: &Value, what: &str, plan: &mut ImportPlan, refs: &mut BTreeSet<String>, collection: bool) -> Defaults {
    let request = doc.get("request").unwrap_or(&Value::Null);
    let auth = match request.get("auth") {
        Some(a) => auth(a, what, plan, refs),
        None => collection.then_some(Effective::NoAuth),
    };
    let (variables, _) = variables(request.get("variables"), refs);
    Defaults {
        headers: key_values(rows(request.get("headers")), refs),
        auth,
        variables,
        scripts: scripts(request.get("scripts")),
        docs: docs_of(doc.get("docs")),
    }
}

/// The items of a bundled collection or folder.
fn items(
    list: Option<&Value>,
    folder: &str,
    plan: &mut ImportPlan,
    refs: &mut BTreeSet<String>,
    depth: usize,
) -> Vec<Node> {
    let mut nodes = Vec::new();
    if depth > 64 {
        return nodes;
    }
    for (index, item) in list.and_then(Value::as_array).into_iter().flatten().enumerate() {
        let info = item.get("info").or_else(|| item.get("meta")).unwrap_or(&Value::Null);
        let kind = text_at(info, "type").to_ascii_lowercase();
        let name = text_at(info, "name");
        if kind == "folder" || item.get("items").is_some() {
            let name = if name.trim().is_empty() { format!("Folder {}", index + 1) } else { name.trim().to_owned() };
            let path = join_item(folder, &name);
            let defaults = defaults(item, &format!("folder {path}"), plan, refs, false);
            let children = items(item.get("items"), &path, plan, refs, depth + 1);
            let seq = info.get("seq").map_or(position(index), |s| seq_of(&scalar(s)));
            nodes.push(Node::Folder { name, seq, defaults, children });
        } else if kind == "script" || item.get("script").is_some() {
            plan.skip(join_item(folder, if name.is_empty() { "script file" } else { &name }), "scripts are not run");
        } else {
            let stem = if name.trim().is_empty() { format!("Request {}", index + 1) } else { name.clone() };
            let mut node = request(item, &stem, &join_item(folder, &stem), plan, refs);
            if let Node::Request(r) = &mut node
                && info.get("seq").is_none()
            {
                r.seq = position(index);
            }
            nodes.push(node);
        }
    }
    sort_nodes(&mut nodes);
    nodes
}

fn request(v: &Value, stem: &str, item: &str, plan: &mut ImportPlan, refs: &mut BTreeSet<String>) -> Node {
    let info = v.get("info").or_else(|| v.get("meta")).unwrap_or(&Value::Null);
    let name = Some(text_at(info, "name")).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| stem.to_owned());
    let seq = seq_of(&text_at(info, "seq"));
    let kind = text_at(info, "type").to_ascii_lowercase();
    if kind == "grpc" || v.get("grpc").is_some() {
        return Node::Other { name, seq, why: "it is a gRPC request, which Gatepass does not send".to_owned() };
    }
    if kind == "websocket" || v.get("websocket").is_some() {
        return Node::Other { name, seq, why: "it is a WebSocket request, which Gatepass does not send".to_owned() };
    }
    let graphql = kind == "graphql" || v.get("graphql").is_some();
    let Some(http) = v.get("http").or_else(|| v.get("graphql")).filter(|h| h.is_object()) else {
        return Node::Other { name, seq, why: "the file has no `http` section".to_owned() };
    };
    let runtime = v.get("runtime").unwrap_or(&Value::Null);
    // Query and path parameters: one list with `type`, or `{query: […], path: […]}`.
    let (mut query, mut path) = (Vec::new(), Vec::new());
    match http.get("params") {
        Some(Value::Array(list)) => {
            for p in list {
                let row = rows(Some(&Value::Array(vec![p.clone()])));
                if text_at(p, "type") == "path" {
                    path.extend(row);
                } else {
                    query.extend(row);
                }
            }
        }
        Some(o @ Value::Object(_)) => {
            query = rows(o.get("query"));
            path = rows(o.get("path"));
        }
        _ => {}
    }
    let body = if graphql { graphql_body(http.get("body"), refs) } else { body(http.get("body"), refs) };
    let auth = match runtime.get("auth").or_else(|| http.get("auth")).or_else(|| v.get("auth")) {
        Some(a) => auth(a, item, plan, refs),
        None => Some(Effective::NoAuth),
    };
    let (variables, _) = variables(runtime.get("variables").or_else(|| v.get("vars")), refs);
    let mut expect = None;
    let mut checks = Vec::new();
    for a in runtime.get("assertions").and_then(Value::as_array).into_iter().flatten() {
        if a.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let op_value = format!("{} {}", text_at(a, "operator"), text_at(a, "value"));
        match check(&text_at(a, "expression"), &op_value) {
            Ok(status) if expect.is_none() => expect = Some(status),
            Ok(_) => {}
            Err(words) => checks.push(words),
        }
    }
    let answer_vars = runtime
        .get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| text_at(a, "type") == "set-variable")
        .filter_map(|a| a.get("variable").map(|t| text_at(t, "name")))
        .collect();
    let query_rows = (!query.is_empty()).then(|| key_values(query, refs));
    Node::Request(Box::new(Req {
        name,
        seq,
        method: text_at(http, "method"),
        url: template(&text_at(http, "url"), refs),
        query: query_rows,
        path: path.into_iter().map(|(k, v, _)| (k.trim().to_owned(), template(&v, refs))).collect(),
        headers: key_values(rows(http.get("headers")), refs),
        body,
        auth,
        variables,
        scripts: scripts(runtime.get("scripts").or_else(|| v.get("scripts"))),
        docs: docs_of(v.get("docs")),
        expect,
        checks,
        answer_vars,
    }))
}

/// A body, or the selected of its variants.
fn body(v: Option<&Value>, refs: &mut BTreeSet<String>) -> Body {
    let Some(v) = v else { return Body::None };
    if let Value::Array(variants) = v {
        let chosen = variants
            .iter()
            .find(|x| x.get("selected").and_then(Value::as_bool) == Some(true))
            .or_else(|| variants.first());
        return body(chosen.and_then(|c| c.get("body")), refs);
    }
    let kind = text_at(v, "type").to_ascii_lowercase().replace(['-', '_'], "");
    let data = text_at(v, "data");
    match kind.as_str() {
        "json" => Body::Json(template(&data, refs)),
        "text" => Body::Raw { content_type: "text/plain".to_owned(), text: template(&data, refs) },
        "xml" => Body::Raw { content_type: "application/xml".to_owned(), text: template(&data, refs) },
        "html" => Body::Raw { content_type: "text/html".to_owned(), text: template(&data, refs) },
        "yaml" => Body::Raw { content_type: "application/yaml".to_owned(), text: template(&data, refs) },
        "sparql" => Body::Raw { content_type: "application/sparql-query".to_owned(), text: template(&data, refs) },
        "formurlencoded" => {
            Body::Form { fields: key_values(rows(v.get("data")), refs), multipart: false, files: Vec::new() }
        }
        "multipartform" => {
            let list: Vec<&Value> = v.get("data").and_then(Value::as_array).into_iter().flatten().collect();
            let files = list.iter().filter(|e| text_at(e, "type") == "file").map(|e| text_at(e, "name")).collect();
            let text_rows: Vec<Value> = list.into_iter().filter(|e| text_at(e, "type") != "file").cloned().collect();
            Body::Form { fields: key_values(rows(Some(&Value::Array(text_rows))), refs), multipart: true, files }
        }
        "graphql" => graphql_body(v.get("data"), refs),
        "file" | "binary" => Body::File,
        _ => Body::None,
    }
}

fn graphql_body(v: Option<&Value>, refs: &mut BTreeSet<String>) -> Body {
    let Some(v) = v else { return Body::None };
    if let Value::Array(variants) = v {
        let chosen = variants
            .iter()
            .find(|x| x.get("selected").and_then(Value::as_bool) == Some(true))
            .or_else(|| variants.first());
        return graphql_body(chosen.and_then(|c| c.get("body")), refs);
    }
    let query = template(&text_at(v, "query"), refs);
    if query.trim().is_empty() {
        return Body::None;
    }
    let variables = match v.get("variables") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    Body::Graphql { query, variables: template(&variables, refs) }
}

fn environments(doc: &Value, refs: &mut BTreeSet<String>) -> Vec<Env> {
    let list = doc.get("config").and_then(|c| c.get("environments")).or_else(|| doc.get("environments"));
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, e)| environment(e, &format!("Environment {}", i + 1), refs))
        .collect()
}

fn environment(v: &Value, fallback: &str, refs: &mut BTreeSet<String>) -> Env {
    let name = text_at(v, "name");
    let (variables, secrets) = variables(v.get("variables"), refs);
    Env { name: if name.trim().is_empty() { fallback.to_owned() } else { name.trim().to_owned() }, variables, secrets }
}

/// An item's place in its list, as a sort key.
fn position(index: usize) -> f64 {
    f64::from(u32::try_from(index).unwrap_or(u32::MAX))
}
