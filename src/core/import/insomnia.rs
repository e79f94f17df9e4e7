//! Insomnia exports into an [`ImportPlan`]: the v4 export (JSON or YAML, `_type: export`,
//! `__export_format: 4`, a flat list of resources linked by `parentId`) and the v5 YAML
//! collection (`type: collection.insomnia.rest/5.0`, a `collection` tree with `children`).
//!
//! Folders (`request_group`) become folders, their headers and sign-in pass down to the requests
//! inside; the base environment becomes the collection's variables and each sub-environment a
//! profile. Insomnia's `{{ _.name }}` becomes Gatepass's `{{name}}`; template tags
//! (`{% response … %}`, `{% uuid %}`) are kept as text and named, since Gatepass does not run them.
//!
//! Also home to what the Insomnia and Bruno importers share: the environment guessed from a
//! profile's name, the base URL guessed from its variables, and the one rule for sign-in
//! (the most common one becomes the collection's, the others are named).

use super::plan::{ImportPlan, PlannedAuth, PlannedProfile};
use super::{ImportError, Part};
use crate::core::collection::{SavedRequest, folder_path_for};
use crate::core::profile::{Environment, KeyPlacement};
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// An Insomnia v4 export or v5 collection, or `None` when the document is neither.
pub fn read(doc: &Value) -> Result<Option<Part>, ImportError> {
    if doc.get("_type").and_then(Value::as_str) == Some("export") && doc.get("resources").is_some() {
        let format = doc.get("__export_format").map(scalar).unwrap_or_default();
        if format != "4" {
            return Err(ImportError::Invalid(format!(
                "Insomnia export: format {} is not supported. Gatepass reads Insomnia v4 exports (JSON or YAML) and v5 YAML collections; export again from a current Insomnia.",
                if format.is_empty() { "(none given)".to_owned() } else { format }
            )));
        }
        return v4(doc).map(|p| Some(Part::Collection(Box::new(p))));
    }
    let kind = doc.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind.starts_with("collection.insomnia.rest/") || kind.starts_with("spec.insomnia.rest/") {
        if !kind.ends_with("/5.0") {
            return Err(ImportError::Invalid(format!(
                "Insomnia collection: {kind} is not supported. Gatepass reads version 5.0 collections and v4 exports."
            )));
        }
        return v5(doc).map(|p| Some(Part::Collection(Box::new(p))));
    }
    if kind.starts_with("environment.insomnia.rest/") {
        let mut plan = ImportPlan::new("insomnia-5", str_of(doc, "name"));
        environments_v5(doc.get("environments"), &mut plan);
        let mut profiles = plan.profiles.into_iter();
        let Some(mut first) = profiles.next() else {
            return Err(ImportError::Invalid("Insomnia environment file: it holds no environment.".to_owned()));
        };
        for (k, v) in plan.variables {
            first.variables.entry(k).or_insert(v);
        }
        return Ok(Some(Part::Environment(Box::new(first))));
    }
    Ok(None)
}

// ---------------------------------------------------------------- shared with Bruno

/// A profile's environment from its name: sandbox/test/dev/staging/qa/local → Sandbox,
/// prod/production/live → Production, anything else its own label.
pub(super) fn guess_environment(name: &str) -> Environment {
    let words: Vec<String> = name
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if has(&["prod", "production", "live", "prd"]) {
        Environment::Production
    } else if has(&[
        "sandbox",
        "test",
        "testing",
        "dev",
        "develop",
        "development",
        "staging",
        "stage",
        "qa",
        "uat",
        "local",
        "localhost",
    ]) {
        Environment::Sandbox
    } else {
        Environment::from_label(name)
    }
}

/// The value of a base-URL-like variable, when it is a literal web address.
pub(super) fn base_url_of(variables: &BTreeMap<String, String>) -> String {
    const NAMES: [&str; 14] = [
        "baseurl",
        "base",
        "url",
        "host",
        "hosturl",
        "apiurl",
        "apibase",
        "apibaseurl",
        "server",
        "serverurl",
        "endpoint",
        "apihost",
        "rooturl",
        "domain",
    ];
    let norm = |k: &str| k.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    NAMES
        .iter()
        .find_map(|want| {
            variables.iter().find(|(k, v)| {
                norm(k) == *want && !v.contains("{{") && (v.starts_with("http://") || v.starts_with("https://"))
            })
        })
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// A request's sign-in as the source tool gives it, after folder inheritance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Effective {
    /// Nothing anywhere up the tree, or explicitly none.
    NoAuth,
    Auth(PlannedAuth),
    /// A kind Gatepass has no method for, in words (`NTLM`, `OAuth 1.0`).
    Unsupported(String),
}

/// A request waiting for the sign-in rule.
pub(super) struct Pending {
    pub folder: String,
    pub request: SavedRequest,
    pub auth: Effective,
}

/// The one sign-in rule: the collection's own (`declared`) or else the most common effective
/// sign-in becomes the collection's; requests with none do not send the profile's credential;
/// requests with another one keep it named in their notes and in skipped.
pub(super) fn settle_auth(plan: &mut ImportPlan, pending: Vec<Pending>, declared: Option<PlannedAuth>, tool: &str) {
    let main = declared.filter(|a| *a != PlannedAuth::None).or_else(|| {
        let mut counts: Vec<(PlannedAuth, usize)> = Vec::new();
        for p in &pending {
            if let Effective::Auth(a) = &p.auth {
                match counts.iter_mut().find(|(b, _)| b == a) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((a.clone(), 1)),
                }
            }
        }
        // The first most common one (document order breaks ties).
        let best = counts.iter().map(|(_, n)| *n).max()?;
        counts.into_iter().find(|(_, n)| *n == best).map(|(a, _)| a)
    });
    if let Some(main) = &main {
        plan.collection_auth = main.clone();
    }
    for mut p in pending {
        let item = format!("{} {}", p.request.draft.method.as_str(), join_item(&p.folder, &p.request.name));
        match &p.auth {
            Effective::NoAuth => p.request.draft.send_credential = false,
            Effective::Auth(a) if Some(a) == main.as_ref() => p.request.draft.send_credential = true,
            Effective::Auth(a) => {
                add_note(
                    &mut p.request.notes,
                    &format!(
                        "In {tool} this request signed in with its own {}; Gatepass sends the profile's sign-in: pick a profile that signs in this way.",
                        a.words()
                    ),
                );
                plan.skip(item, format!("it signs in with its own {}, unlike the rest of the collection", a.words()));
            }
            Effective::Unsupported(words) => {
                p.request.draft.send_credential = false;
                add_note(
                    &mut p.request.notes,
                    &format!("In {tool} this request signed in with {words}, which Gatepass does not have."),
                );
                plan.skip(item, format!("it signs in with {words}, which Gatepass does not have"));
            }
        }
        plan.add_request(&p.folder, p.request);
    }
}

/// Keep the literal secret of a sign-in Gatepass cannot carry where `finish` moves it to the
/// keychain: a collection variable with a secret-looking name (never in a written file).
pub(super) fn keep_secret(plan: &mut ImportPlan, field: &str, value: &str) {
    let value = value.trim();
    if value.is_empty() || !super::plan::is_literal(value) {
        return;
    }
    if plan.variables.values().any(|v| v == value) {
        return;
    }
    let base = field.to_owned();
    let name = (1..100_000)
        .map(|n| if n == 1 { base.clone() } else { format!("{base}_{n}") })
        .find(|n| !plan.variables.contains_key(n))
        .unwrap_or(base);
    plan.variables.insert(name, value.to_owned());
}

pub(super) fn add_note(notes: &mut String, line: &str) {
    if !notes.is_empty() {
        notes.push('\n');
    }
    notes.push_str(line);
}

/// A script, kept as a note shortened to a few lines.
pub(super) fn script_note(kind: &str, script: &str) -> String {
    let lines: Vec<&str> = script.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut text = lines.iter().take(6).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > 6 {
        text.push_str(&format!("\n… ({} more lines)", lines.len() - 6));
    }
    format!("{kind} (not run):\n{text}")
}

pub(super) fn join_item(folder: &str, name: &str) -> String {
    if folder.is_empty() { name.to_owned() } else { format!("{folder}/{name}") }
}

/// An object's values as variables, nested objects flattened with dots (`auth.token`).
pub(super) fn flatten(value: Option<&Value>, prefix: &str, out: &mut BTreeMap<String, String>) {
    let Some(Value::Object(map)) = value else { return };
    for (k, v) in map {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(_) => flatten(Some(v), &key, out),
            Value::Null => {
                out.insert(key, String::new());
            }
            other => {
                out.insert(key, scalar(other));
            }
        }
    }
}

/// A scalar as text (strings without quotes, arrays as JSON).
pub(super) fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

// ---------------------------------------------------------------- templates

/// `{{ _.name }}` and `{{ name }}` → `{{name}}`; template tags (`{% … %}`) are kept as text and
/// their names collected.
fn template(text: &str, tags: &mut BTreeSet<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next_var = rest.find("{{");
        let next_tag = rest.find("{%");
        match (next_var, next_tag) {
            (Some(v), t) if t.is_none_or(|t| v < t) => {
                out.push_str(&rest[..v]);
                let after = &rest[v + 2..];
                let Some(end) = after.find("}}") else {
                    out.push_str(&rest[v..]);
                    return out;
                };
                let inner = after[..end].trim();
                let inner = inner.strip_prefix("_.").unwrap_or(inner);
                let inner = if let Some(quoted) = inner.strip_prefix("_['").and_then(|s| s.strip_suffix("']")) {
                    quoted
                } else {
                    inner
                };
                out.push_str("{{");
                out.push_str(inner.trim());
                out.push_str("}}");
                rest = &after[end + 2..];
            }
            (_, Some(t)) => {
                out.push_str(&rest[..t]);
                let after = &rest[t + 2..];
                let end = after.find("%}").map_or(after.len(), |e| e + 2);
                if let Some(name) = after.split_whitespace().next() {
                    tags.insert(name.trim_end_matches("%}").to_owned());
                }
                out.push_str(&rest[t..t + 2 + end.min(after.len())]);
                rest = &after[end.min(after.len())..];
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

// ---------------------------------------------------------------- the tree, either version

/// One node of the collection tree, read the same way from a v4 resource or a v5 item.
struct Node<'a> {
    value: &'a Value,
    kind: Kind,
    children: Vec<Node<'a>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Folder,
    Request,
    Grpc,
    WebSocket,
    SocketIo,
}

/// Field access that hides the v4/v5 differences.
#[derive(Clone, Copy)]
struct Version {
    v5: bool,
}

impl Version {
    fn description(self, v: &Value) -> &str {
        if self.v5 {
            v.pointer("/meta/description").and_then(Value::as_str).unwrap_or_default()
        } else {
            str_of(v, "description")
        }
    }
    fn scripts(self, v: &Value) -> [(&'static str, &str); 2] {
        if self.v5 {
            [
                ("Pre-request script", v.pointer("/scripts/preRequest").and_then(Value::as_str).unwrap_or_default()),
                (
                    "After-response script",
                    v.pointer("/scripts/afterResponse").and_then(Value::as_str).unwrap_or_default(),
                ),
            ]
        } else {
            [
                ("Pre-request script", str_of(v, "preRequestScript")),
                ("After-response script", str_of(v, "afterResponseScript")),
            ]
        }
    }
}

fn sort_key(v: &Value, version: Version) -> f64 {
    let key = if version.v5 { v.pointer("/meta/sortKey") } else { v.get("metaSortKey") };
    key.and_then(Value::as_f64).unwrap_or(0.0)
}

fn build_v4<'a>(
    parent: &str,
    resources: &'a [Value],
    kind_of: &dyn Fn(&Value) -> Option<Kind>,
    depth: usize,
) -> Vec<Node<'a>> {
    let mut nodes: Vec<Node<'a>> = resources
        .iter()
        .filter(|r| str_of(r, "parentId") == parent)
        .filter_map(|r| kind_of(r).map(|kind| (r, kind)))
        .map(|(r, kind)| Node {
            value: r,
            kind,
            children: if kind == Kind::Folder && depth < 64 {
                build_v4(str_of(r, "_id"), resources, kind_of, depth + 1)
            } else {
                Vec::new()
            },
        })
        .collect();
    nodes.sort_by(|a, b| sort_key(a.value, Version { v5: false }).total_cmp(&sort_key(b.value, Version { v5: false })));
    nodes
}

fn build_v5(items: &[Value], depth: usize) -> Vec<Node<'_>> {
    let mut nodes: Vec<Node> = items
        .iter()
        .filter(|i| i.is_object())
        .map(|i| {
            let kind = if i.get("children").is_some() {
                Kind::Folder
            } else if i.get("method").is_some() {
                Kind::Request
            } else if i.get("reflectionApi").is_some() || i.get("protoMethodName").is_some() {
                Kind::Grpc
            } else {
                Kind::WebSocket
            };
            let children = match (kind, i.get("children")) {
                (Kind::Folder, Some(Value::Array(c))) if depth < 64 => build_v5(c, depth + 1),
                _ => Vec::new(),
            };
            Node { value: i, kind, children }
        })
        .collect();
    nodes.sort_by(|a, b| sort_key(a.value, Version { v5: true }).total_cmp(&sort_key(b.value, Version { v5: true })));
    nodes
}

fn v4(doc: &Value) -> Result<ImportPlan, ImportError> {
    let resources = doc
        .get("resources")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::Invalid("Insomnia export: `resources` is not a list.".to_owned()))?;
    let version = Version { v5: false };
    let kind_of = |r: &Value| match str_of(r, "_type") {
        "request_group" => Some(Kind::Folder),
        "request" => Some(Kind::Request),
        "grpc_request" => Some(Kind::Grpc),
        "websocket_request" => Some(Kind::WebSocket),
        "socketio_request" => Some(Kind::SocketIo),
        _ => None,
    };
    let workspaces: Vec<&Value> = resources.iter().filter(|r| str_of(r, "_type") == "workspace").collect();
    let ids: BTreeSet<&str> =
        resources.iter().filter(|r| kind_of(r) == Some(Kind::Folder)).map(|r| str_of(r, "_id")).collect();
    let mut roots: Vec<(String, Vec<Node>)> = Vec::new();
    for ws in &workspaces {
        roots.push((str_of(ws, "name").to_owned(), build_v4(str_of(ws, "_id"), resources, &kind_of, 0)));
    }
    // Requests and folders whose parent is in no workspace and no folder: at the root.
    let ws_ids: BTreeSet<&str> = workspaces.iter().map(|w| str_of(w, "_id")).collect();
    let orphans: Vec<Node> = resources
        .iter()
        .filter(|r| kind_of(r).is_some())
        .filter(|r| {
            let p = str_of(r, "parentId");
            !ws_ids.contains(p) && !ids.contains(p)
        })
        .map(|r| {
            let kind = kind_of(r).unwrap_or(Kind::Request);
            let children =
                if kind == Kind::Folder { build_v4(str_of(r, "_id"), resources, &kind_of, 1) } else { Vec::new() };
            Node { value: r, kind, children }
        })
        .collect();
    let name =
        workspaces.first().map(|w| str_of(w, "name").trim()).filter(|n| !n.is_empty()).unwrap_or("Insomnia export");
    let mut plan = ImportPlan::new("insomnia-4", name);
    plan.notes = workspaces.first().map(|w| str_of(w, "description").to_owned()).unwrap_or_default();
    let mut pending = Vec::new();
    let mut tags = BTreeSet::new();
    let several = roots.iter().filter(|(_, n)| !n.is_empty()).count() > 1;
    let ctx = Inherited::default();
    for (ws_name, nodes) in &roots {
        let folder = if several { folder_path_for(ws_name) } else { String::new() };
        walk(nodes, &folder, &ctx, version, &mut plan, &mut pending, &mut tags);
    }
    walk(&orphans, "", &ctx, version, &mut plan, &mut pending, &mut tags);

    // Environments: the base one(s) (parent: a workspace) and their sub-environments.
    let mut bases: Vec<&Value> = resources
        .iter()
        .filter(|r| {
            str_of(r, "_type") == "environment"
                && (ws_ids.contains(str_of(r, "parentId")) || str_of(r, "parentId").starts_with("wrk_"))
        })
        .collect();
    bases.sort_by(|a, b| sort_key(a, version).total_cmp(&sort_key(b, version)));
    for base in &bases {
        let mut vars = BTreeMap::new();
        flatten(base.get("data"), "", &mut vars);
        for (k, v) in vars {
            plan.variables.entry(k).or_insert_with(|| template(&v, &mut tags));
        }
        let mut subs: Vec<&Value> = resources
            .iter()
            .filter(|r| str_of(r, "_type") == "environment" && str_of(r, "parentId") == str_of(base, "_id"))
            .collect();
        subs.sort_by(|a, b| sort_key(a, version).total_cmp(&sort_key(b, version)));
        for sub in subs {
            push_profile(&mut plan, str_of(sub, "name"), sub.get("data"), &mut tags);
        }
    }
    if plan.profiles.is_empty() && !plan.variables.is_empty() {
        let vars = plan.variables.clone();
        let name = plan.name.clone();
        let mut profile = PlannedProfile::new(name, Environment::Sandbox, base_url_of(&vars));
        "Made from the Insomnia base environment.".clone_into(&mut profile.notes);
        plan.profiles.push(profile);
    }
    for r in resources {
        let what = str_of(r, "name");
        match str_of(r, "_type") {
            "cookie_jar" => {
                let n = r.get("cookies").and_then(Value::as_array).map_or(0, Vec::len);
                if n > 0 {
                    plan.skip(
                        format!("cookie jar {what}"),
                        format!("its {n} saved cookies were not imported: sign in again to get fresh ones"),
                    );
                }
            }
            "api_spec" if !str_of(r, "contents").trim().is_empty() => {
                plan.skip(
                    format!("design document {}", str_of(r, "fileName")),
                    "the API design was not imported here: import it as an OpenAPI file",
                );
            }
            "unit_test_suite" => {
                plan.skip(format!("test suite {what}"), "Insomnia's unit tests are not run by Gatepass");
            }
            _ => {}
        }
    }
    name_tags(&mut plan, &tags);
    settle_auth(&mut plan, pending, None, "Insomnia");
    Ok(plan)
}

fn v5(doc: &Value) -> Result<ImportPlan, ImportError> {
    let version = Version { v5: true };
    let items = match doc.get("collection") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ImportError::Invalid(
                "Insomnia collection: `collection` is not a list of requests and folders.".to_owned(),
            ));
        }
    };
    let nodes = build_v5(items, 0);
    let name = Some(str_of(doc, "name").trim()).filter(|n| !n.is_empty()).unwrap_or("Insomnia collection");
    let mut plan = ImportPlan::new("insomnia-5", name);
    doc.pointer("/meta/description").and_then(Value::as_str).unwrap_or_default().clone_into(&mut plan.notes);
    let mut pending = Vec::new();
    let mut tags = BTreeSet::new();
    walk(&nodes, "", &Inherited::default(), version, &mut plan, &mut pending, &mut tags);
    environments_v5(doc.get("environments"), &mut plan);
    let n = doc.pointer("/cookieJar/cookies").and_then(Value::as_array).map_or(0, Vec::len);
    if n > 0 {
        plan.skip("cookie jar", format!("its {n} saved cookies were not imported: sign in again to get fresh ones"));
    }
    if doc.get("spec").is_some_and(|s| !s.is_null()) {
        plan.skip("design document", "the API design was not imported here: import it as an OpenAPI file");
    }
    name_tags(&mut plan, &tags);
    settle_auth(&mut plan, pending, None, "Insomnia");
    Ok(plan)
}

fn environments_v5(envs: Option<&Value>, plan: &mut ImportPlan) {
    let mut tags = BTreeSet::new();
    let bases: Vec<&Value> = match envs {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    for base in bases {
        let mut vars = BTreeMap::new();
        flatten(base.get("data"), "", &mut vars);
        for (k, v) in vars {
            plan.variables.entry(k).or_insert_with(|| template(&v, &mut tags));
        }
        for sub in base.get("subEnvironments").and_then(Value::as_array).into_iter().flatten() {
            push_profile(plan, str_of(sub, "name"), sub.get("data"), &mut tags);
        }
    }
    if plan.profiles.is_empty() && !plan.variables.is_empty() {
        let vars = plan.variables.clone();
        let mut profile = PlannedProfile::new(plan.name.clone(), Environment::Sandbox, base_url_of(&vars));
        "Made from the Insomnia base environment.".clone_into(&mut profile.notes);
        plan.profiles.push(profile);
    }
    name_tags(plan, &tags);
}

fn push_profile(plan: &mut ImportPlan, name: &str, data: Option<&Value>, tags: &mut BTreeSet<String>) {
    let name = if name.trim().is_empty() {
        format!("Environment {}", plan.profiles.len() + 1)
    } else {
        name.trim().to_owned()
    };
    let mut vars = BTreeMap::new();
    flatten(data, "", &mut vars);
    let vars: BTreeMap<String, String> = vars.into_iter().map(|(k, v)| (k, template(&v, tags))).collect();
    let mut all = plan.variables.clone();
    all.extend(vars.clone());
    let mut profile = PlannedProfile::new(name.clone(), guess_environment(&name), base_url_of(&all));
    profile.variables = vars;
    plan.profiles.push(profile);
}

fn name_tags(plan: &mut ImportPlan, tags: &BTreeSet<String>) {
    for tag in tags {
        let item = format!("template tag {{% {tag} %}}");
        if !plan.skipped.iter().any(|s| s.item == item) {
            plan.skip(item, "Gatepass does not run Insomnia template tags; the text was kept as it is: replace it with a value or a {{variable}}");
        }
    }
}

/// What a folder passes down to what is inside it.
#[derive(Default, Clone)]
struct Inherited {
    headers: Vec<KeyValue>,
    /// `None`: nothing set up the tree.
    auth: Option<Effective>,
}

fn walk(
    nodes: &[Node],
    folder: &str,
    inherited: &Inherited,
    version: Version,
    plan: &mut ImportPlan,
    pending: &mut Vec<Pending>,
    tags: &mut BTreeSet<String>,
) {
    for node in nodes {
        let v = node.value;
        let name = Some(str_of(v, "name").trim()).filter(|n| !n.is_empty()).unwrap_or("Untitled");
        match node.kind {
            Kind::Folder => {
                let wanted = join_item(folder, &folder_path_for(name).replace('/', " "));
                // Two sibling folders of the same name stay two folders.
                let path = (1..100_000)
                    .map(|n| if n == 1 { wanted.clone() } else { format!("{wanted} ({n})") })
                    .find(|p| !plan.folders.contains(p))
                    .unwrap_or(wanted);
                plan.add_folder(&path);
                let mut inner = inherited.clone();
                inner.headers.extend(headers(v.get("headers"), tags));
                if let Some(auth) = auth_of(v.get("authentication"), &path, plan, tags) {
                    inner.auth = Some(auth);
                }
                let mut folder_vars = BTreeMap::new();
                flatten(v.get("environment"), "", &mut folder_vars);
                for (k, value) in folder_vars {
                    let value = template(&value, tags);
                    match plan.variables.get(&k) {
                        Some(existing) if *existing != value => plan.skip(
                            format!("folder {path} variable {k}"),
                            "another value of the same name is already a collection variable; Gatepass has no folder variables",
                        ),
                        _ => {
                            plan.variables.insert(k, value);
                        }
                    }
                }
                for (kind, script) in version.scripts(v) {
                    if !script.trim().is_empty() {
                        plan.skip(format!("folder {path} ({})", kind.to_lowercase()), "scripts are not run");
                    }
                }
                walk(&node.children, &path, &inner, version, plan, pending, tags);
            }
            Kind::Request => {
                if let Some(p) = request(v, name, folder, inherited, version, plan, tags) {
                    pending.push(p);
                }
            }
            Kind::Grpc | Kind::WebSocket | Kind::SocketIo => {
                let what = match node.kind {
                    Kind::Grpc => "gRPC",
                    Kind::WebSocket => "WebSocket",
                    _ => "Socket.IO",
                };
                plan.skip(join_item(folder, name), format!("it is a {what} request, which Gatepass does not send"));
            }
        }
    }
}

fn headers(list: Option<&Value>, tags: &mut BTreeSet<String>) -> Vec<KeyValue> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|h| !str_of(h, "name").trim().is_empty())
        .map(|h| KeyValue {
            enabled: !h.get("disabled").and_then(Value::as_bool).unwrap_or(false),
            name: template(str_of(h, "name").trim(), tags),
            value: template(&h.get("value").map(scalar).unwrap_or_default(), tags),
        })
        .collect()
}

fn request(
    v: &Value,
    name: &str,
    folder: &str,
    inherited: &Inherited,
    version: Version,
    plan: &mut ImportPlan,
    tags: &mut BTreeSet<String>,
) -> Option<Pending> {
    let method_text = str_of(v, "method").trim().to_ascii_uppercase();
    let method_text = if method_text.is_empty() { "GET".to_owned() } else { method_text };
    let item = join_item(folder, name);
    let Some(method) = Method::parse(&method_text) else {
        plan.skip(item, format!("Gatepass cannot send the {method_text} method"));
        return None;
    };
    let mut url = template(str_of(v, "url").trim(), tags);
    // Path parameters `:id` → `{{id}}`, their values as collection variables.
    for p in v.get("pathParameters").and_then(Value::as_array).into_iter().flatten() {
        let pname = str_of(p, "name").trim();
        if pname.is_empty() {
            continue;
        }
        url = replace_path_param(&url, pname);
        let value = template(&p.get("value").map(scalar).unwrap_or_default(), tags);
        if !value.is_empty() && !plan.variables.contains_key(pname) {
            plan.variables.insert(pname.to_owned(), value);
        }
    }
    let query = headers(v.get("parameters"), tags);
    let mut hdrs = inherited.headers.clone();
    for h in headers(v.get("headers"), tags) {
        hdrs.retain(|x| !x.name.eq_ignore_ascii_case(&h.name));
        hdrs.push(h);
    }
    let mut notes = version.description(v).trim().to_owned();
    let body = body_of(v.get("body"), &item, plan, tags, &mut notes);
    if !matches!(body, BodyDraft::None) {
        hdrs.retain(|h| !h.name.eq_ignore_ascii_case("content-type"));
    }
    for (kind, script) in version.scripts(v) {
        if !script.trim().is_empty() {
            add_note(&mut notes, &script_note(kind, script));
            plan.skip(format!("{item} ({})", kind.to_lowercase()), format!("{} not run", kind.to_lowercase()));
        }
    }
    let auth = match auth_of(v.get("authentication"), &item, plan, tags) {
        Some(a) => a,
        None => inherited.auth.clone().unwrap_or(Effective::NoAuth),
    };
    let draft = RequestDraft { method, url, query, headers: hdrs, body, ..RequestDraft::default() };
    let name = super::har::unique_name(plan, folder, name);
    Some(Pending {
        folder: folder.to_owned(),
        request: SavedRequest { name, draft, notes, ..SavedRequest::default() },
        auth,
    })
}

pub(super) fn replace_path_param(url: &str, name: &str) -> String {
    let needle = format!(":{name}");
    let mut out = String::new();
    let mut rest = url;
    while let Some(at) = rest.find(&needle) {
        let after = &rest[at + needle.len()..];
        let boundary = after.chars().next().is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        let starts_segment = rest[..at].ends_with('/');
        out.push_str(&rest[..at]);
        if boundary && starts_segment {
            out.push_str(&format!("{{{{{name}}}}}"));
        } else {
            out.push_str(&needle);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn body_of(
    body: Option<&Value>,
    item: &str,
    plan: &mut ImportPlan,
    tags: &mut BTreeSet<String>,
    notes: &mut String,
) -> BodyDraft {
    let Some(body) = body.filter(|b| b.is_object()) else { return BodyDraft::None };
    let mime = str_of(body, "mimeType").trim().to_owned();
    let lower = mime.to_ascii_lowercase();
    let text = template(str_of(body, "text"), tags);
    let params = body.get("params").and_then(Value::as_array);
    if lower.contains("x-www-form-urlencoded") || lower.starts_with("multipart/") {
        let mut fields = Vec::new();
        for p in params.into_iter().flatten() {
            let pname = str_of(p, "name");
            if str_of(p, "type") == "file" || p.get("fileName").and_then(Value::as_str).is_some_and(|f| !f.is_empty()) {
                plan.skip(format!("{item} (file field {pname})"), "file uploads are not imported");
                add_note(notes, &format!("The form field `{pname}` sent a file; it was left out."));
                continue;
            }
            if pname.is_empty() {
                continue;
            }
            fields.push(KeyValue {
                enabled: !p.get("disabled").and_then(Value::as_bool).unwrap_or(false),
                name: template(pname, tags),
                value: template(&p.get("value").map(scalar).unwrap_or_default(), tags),
            });
        }
        if lower.starts_with("multipart/") && !fields.is_empty() {
            plan.skip(
                format!("{item} (multipart form)"),
                "its form is sent URL-encoded: Gatepass does not send multipart forms yet",
            );
        }
        return if fields.is_empty() { BodyDraft::None } else { BodyDraft::Form { fields } };
    }
    if body.get("fileName").and_then(Value::as_str).is_some_and(|f| !f.is_empty()) {
        plan.skip(format!("{item} (body file)"), "its body is a file, which was not imported");
        return BodyDraft::None;
    }
    if text.trim().is_empty() {
        return BodyDraft::None;
    }
    if lower.contains("json") || lower.contains("graphql") {
        // GraphQL bodies are stored as `{"query": …, "variables": …}`, sent as JSON.
        return BodyDraft::Json { text };
    }
    BodyDraft::Raw { content_type: if mime.is_empty() { "text/plain".to_owned() } else { mime }, text }
}

/// A node's own sign-in: `None` when it inherits (no `authentication`, `{}`, or no type).
fn auth_of(auth: Option<&Value>, item: &str, plan: &mut ImportPlan, tags: &mut BTreeSet<String>) -> Option<Effective> {
    let a = auth.filter(|a| a.is_object())?;
    let kind = str_of(a, "type").trim().to_ascii_lowercase();
    if kind.is_empty() || kind == "inherit" {
        return None;
    }
    if a.get("disabled").and_then(Value::as_bool).unwrap_or(false) || kind == "none" {
        return Some(Effective::NoAuth);
    }
    let mut f = |key: &str| template(&a.get(key).map(scalar).unwrap_or_default(), tags);
    let slug: String = item
        .rsplit('/')
        .next()
        .unwrap_or(item)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect::<String>()
        .trim_matches('_')
        .chars()
        .take(30)
        .collect();
    let scopes = |s: String| s.split([' ', ',']).filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>();
    let effective = match kind.as_str() {
        "basic" => Effective::Auth(PlannedAuth::Basic { username: f("username"), password: f("password") }),
        "digest" => Effective::Auth(PlannedAuth::Digest { username: f("username"), password: f("password") }),
        "bearer" => Effective::Auth(PlannedAuth::Bearer { token: f("token") }),
        "apikey" => {
            let (key, value, add_to) = (f("key"), f("value"), f("addTo"));
            match add_to.as_str() {
                "cookie" => {
                    keep_secret(plan, &format!("{slug}_cookie"), &value);
                    Effective::Unsupported("an API key sent as a cookie".to_owned())
                }
                "queryParams" | "query" => {
                    Effective::Auth(PlannedAuth::ApiKey { name: key, placement: KeyPlacement::Query, value })
                }
                _ => Effective::Auth(PlannedAuth::ApiKey { name: key, placement: KeyPlacement::Header, value }),
            }
        }
        "oauth2" => {
            let grant = f("grantType");
            let (token_url, client_id, client_secret) = (f("accessTokenUrl"), f("clientId"), f("clientSecret"));
            for (field, key) in
                [("access_token", "accessToken"), ("refresh_token", "refreshToken"), ("id_token", "identityToken")]
            {
                let value = f(key);
                keep_secret(plan, &format!("{slug}_{field}"), &value);
            }
            match grant.as_str() {
                "client_credentials" => Effective::Auth(PlannedAuth::OAuthClientCredentials {
                    token_url,
                    client_id,
                    client_secret,
                    scopes: scopes(f("scope")),
                }),
                "authorization_code" | "" => {
                    keep_secret(plan, &format!("{slug}_client_secret"), &client_secret);
                    if super::plan::is_literal(&client_secret) && !client_secret.trim().is_empty() {
                        plan.skip(format!("{item} (client secret)"), "the OAuth client secret was moved to the profile's keychain entry as a secret variable: Gatepass's browser sign-in does not use one");
                    }
                    Effective::Auth(PlannedAuth::OAuthAuthorizationCode {
                        authorize_url: f("authorizationUrl"),
                        token_url,
                        client_id,
                        scopes: scopes(f("scope")),
                    })
                }
                other => {
                    keep_secret(plan, &format!("{slug}_client_secret"), &client_secret);
                    keep_secret(plan, &format!("{slug}_password"), &f("password"));
                    Effective::Unsupported(format!("OAuth 2 ({} grant)", other.replace('_', " ")))
                }
            }
        }
        "awsv4" | "aws" | "iam" => {
            let token = f("sessionToken");
            keep_secret(plan, &format!("{slug}_session_token"), &token);
            Effective::Auth(PlannedAuth::AwsSigV4 {
                access_key_id: f("accessKeyId"),
                secret_access_key: f("secretAccessKey"),
                region: f("region"),
                service: f("service"),
            })
        }
        other => {
            for (field, key) in [
                ("password", "password"),
                ("secret", "consumerSecret"),
                ("token", "tokenKey"),
                ("token_secret", "tokenSecret"),
                ("private_key", "privateKey"),
                ("apikey", "key"),
                ("token", "token"),
            ] {
                let value = f(key);
                keep_secret(plan, &format!("{slug}_{field}"), &value);
            }
            let words = match other {
                "ntlm" => "NTLM",
                "hawk" => "Hawk",
                "oauth1" => "OAuth 1.0",
                "asap" => "Atlassian ASAP",
                "netrc" => "a .netrc file",
                _ => "a sign-in method",
            };
            Effective::Unsupported(if words == "a sign-in method" {
                format!("the {other} sign-in")
            } else {
                words.to_owned()
            })
        }
    };
    Some(effective)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan_of(doc: &Value) -> ImportPlan {
        match read(doc).unwrap() {
            Some(Part::Collection(p)) => *p,
            _ => panic!("not a collection"),
        }
    }

    fn v4_doc() -> Value {
        json!({"_type": "export", "__export_format": 4, "resources": [
            {"_id": "wrk_1", "_type": "workspace", "name": "Shop"},
            {"_id": "env_1", "_type": "environment", "parentId": "wrk_1", "name": "Base Environment",
             "data": {"base_url": "https://api.shop.test", "nested": {"id": 7}}},
            {"_id": "env_2", "_type": "environment", "parentId": "env_1", "name": "Production",
             "data": {"base_url": "https://api.shop.com", "api_token": "prod-tok-123456"}},
            {"_id": "env_3", "_type": "environment", "parentId": "env_1", "name": "Staging", "data": {"api_token": "stg-tok-123456"}},
            {"_id": "fld_1", "_type": "request_group", "parentId": "wrk_1", "name": "Orders", "metaSortKey": 1,
             "authentication": {"type": "bearer", "token": "{{ _.api_token }}"},
             "headers": [{"name": "X-Shop", "value": "1"}]},
            {"_id": "fld_2", "_type": "request_group", "parentId": "fld_1", "name": "Empty", "metaSortKey": 5},
            {"_id": "req_1", "_type": "request", "parentId": "fld_1", "name": "Get order", "method": "GET", "metaSortKey": 2,
             "url": "{{ _.base_url }}/orders/:id", "pathParameters": [{"name": "id", "value": "42"}],
             "parameters": [{"name": "expand", "value": "items"}, {"name": "x", "value": "y", "disabled": true}],
             "headers": [], "authentication": {}, "body": {}},
            {"_id": "req_2", "_type": "request", "parentId": "fld_1", "name": "Create order", "method": "POST", "metaSortKey": 1,
             "url": "{{base_url}}/orders", "headers": [{"name": "Content-Type", "value": "application/json"}],
             "body": {"mimeType": "application/json", "text": "{\"sku\": \"{{ _.nested.id }}\"}"},
             "preRequestScript": "insomnia.environment.set('a', 1);", "authentication": {"type": "bearer", "token": "{{ _.api_token }}"}},
            {"_id": "req_3", "_type": "request", "parentId": "wrk_1", "metaSortKey": 10, "name": "Health", "method": "GET",
             "url": "{{ _.base_url }}/health?t={% now 'iso-8601' %}", "authentication": {"type": "none"}},
            {"_id": "req_4", "_type": "request", "parentId": "wrk_1", "metaSortKey": 10, "name": "Admin", "method": "DELETE",
             "url": "{{ _.base_url }}/admin", "authentication": {"type": "basic", "username": "root", "password": "hunter2hunter2"}},
            {"_id": "req_5", "_type": "request", "parentId": "wrk_1", "metaSortKey": 10, "name": "Legacy", "method": "GET",
             "url": "https://legacy.test", "authentication": {"type": "ntlm", "username": "u", "password": "ntlm-pass-1234"}},
            {"_id": "req_6", "_type": "request", "parentId": "wrk_1", "metaSortKey": 10, "name": "Form", "method": "POST", "url": "https://a.test/f",
             "body": {"mimeType": "multipart/form-data", "params": [{"name": "a", "value": "1"}, {"name": "f", "type": "file", "fileName": "/x.png"}]}},
            {"_id": "ws_1", "_type": "websocket_request", "parentId": "wrk_1", "name": "Live", "url": "wss://a.test"},
            {"_id": "jar_1", "_type": "cookie_jar", "parentId": "wrk_1", "name": "Default Jar", "cookies": [{"key": "sid", "value": "cookie-val-9999"}]}
        ]})
    }

    #[test]
    fn v4_export_gives_folders_requests_profiles_and_auth() {
        let mut plan = plan_of(&v4_doc());
        assert_eq!(plan.format, "insomnia-4");
        assert_eq!(plan.name, "Shop");
        assert_eq!(plan.folders, vec!["Orders", "Orders/Empty"]);
        let names: Vec<&str> = plan.requests.iter().map(|r| r.request.name.as_str()).collect();
        assert_eq!(names, vec!["Create order", "Get order", "Health", "Admin", "Legacy", "Form"]);
        let get = &plan.requests[1].request;
        assert_eq!(get.draft.url, "{{base_url}}/orders/{{id}}");
        assert_eq!(plan.variables.get("id").map(String::as_str), Some("42"));
        assert_eq!(get.draft.query.len(), 2);
        assert!(!get.draft.query[1].enabled);
        assert_eq!(get.draft.headers, vec![KeyValue::new("X-Shop", "1")]);
        assert!(get.draft.send_credential);
        let create = &plan.requests[0].request;
        assert_eq!(create.draft.body, BodyDraft::Json { text: "{\"sku\": \"{{nested.id}}\"}".into() });
        assert!(create.notes.contains("Pre-request script (not run)"));
        assert_eq!(plan.collection_auth, PlannedAuth::Bearer { token: "{{api_token}}".into() });
        assert!(!plan.requests[2].request.draft.send_credential, "Health says none");
        assert!(plan.requests[3].request.notes.contains("user name and password"));
        assert!(plan.skipped.iter().any(|s| s.item == "DELETE Admin"));
        assert!(plan.skipped.iter().any(|s| s.why.contains("NTLM")));
        assert!(plan.skipped.iter().any(|s| s.item.contains("{% now %}")));
        assert!(plan.skipped.iter().any(|s| s.why.contains("WebSocket")));
        assert!(plan.skipped.iter().any(|s| s.item.contains("cookie jar")));
        assert!(plan.skipped.iter().any(|s| s.item.contains("file field f")));
        assert_eq!(plan.requests[5].request.draft.body, BodyDraft::Form { fields: vec![KeyValue::new("a", "1")] });
        let profiles: Vec<(&str, &Environment)> =
            plan.profiles.iter().map(|p| (p.name.as_str(), &p.environment)).collect();
        assert_eq!(profiles, vec![("Production", &Environment::Production), ("Staging", &Environment::Sandbox)]);
        assert_eq!(plan.profiles[0].base_url, "https://api.shop.com");
        assert_eq!(plan.profiles[1].base_url, "https://api.shop.test");
        plan.finish();
        assert!(plan.leaks().is_empty());
        let texts = plan.written_texts().join("\n");
        for secret in ["prod-tok-123456", "stg-tok-123456", "hunter2hunter2", "ntlm-pass-1234", "cookie-val-9999"] {
            assert!(!texts.contains(secret), "{secret} written");
        }
    }

    #[test]
    fn v5_collection_tree() {
        let doc: Value = serde_yaml_ng::from_str(
            r#"
type: collection.insomnia.rest/5.0
name: Weather
meta: {id: wrk_1}
collection:
  - name: Later
    url: "{{ _.host }}/later"
    method: get
    meta: {id: req_2, sortKey: -1}
  - name: Forecasts
    meta: {id: fld_1, sortKey: -5}
    authentication: {type: apikey, key: X-Api-Key, value: "{{ _.key }}", addTo: header}
    children:
      - name: Today
        url: "{{ _.host }}/today"
        method: POST
        body: {mimeType: application/graphql, text: '{"query":"{ today }"}'}
        scripts: {preRequest: "insomnia.environment.set('x', 1)"}
        meta: {id: req_1, description: Today's weather}
      - name: Stream
        url: grpc://x
        reflectionApi: {enabled: false}
        meta: {id: g_1}
environments:
  name: Base Environment
  data: {host: "https://weather.test"}
  subEnvironments:
    - name: Dev
      data: {key: dev-key-12345}
cookieJar: {name: Default Jar, cookies: []}
"#,
        )
        .unwrap();
        let mut plan = plan_of(&doc);
        assert_eq!(plan.format, "insomnia-5");
        assert_eq!(plan.folders, vec!["Forecasts"]);
        assert_eq!(plan.requests.len(), 2);
        assert_eq!(plan.requests[0].request.name, "Today");
        assert_eq!(plan.requests[0].request.draft.body, BodyDraft::Json { text: "{\"query\":\"{ today }\"}".into() });
        assert!(plan.requests[0].request.notes.starts_with("Today's weather"));
        assert!(!plan.requests[1].request.draft.send_credential);
        assert_eq!(plan.requests[1].request.draft.method, Method::Get);
        assert!(matches!(&plan.collection_auth, PlannedAuth::ApiKey { name, .. } if name == "X-Api-Key"));
        assert!(plan.skipped.iter().any(|s| s.why.contains("gRPC")));
        assert_eq!(plan.profiles[0].environment, Environment::Sandbox);
        assert_eq!(plan.profiles[0].base_url, "https://weather.test");
        plan.finish();
        assert!(!plan.written_texts().join("\n").contains("dev-key-12345"));
    }

    #[test]
    fn bad_input_and_versions() {
        assert!(read(&json!({"hello": 1})).unwrap().is_none());
        assert!(
            matches!(read(&json!({"_type": "export", "__export_format": 3, "resources": []})), Err(ImportError::Invalid(m)) if m.contains("v4"))
        );
        assert!(matches!(
            read(&json!({"_type": "export", "__export_format": 4, "resources": 5})),
            Err(ImportError::Invalid(_))
        ));
        assert!(matches!(read(&json!({"type": "collection.insomnia.rest/6.0"})), Err(ImportError::Invalid(_))));
        assert!(matches!(
            read(&json!({"type": "collection.insomnia.rest/5.0", "collection": "x"})),
            Err(ImportError::Invalid(_))
        ));
        // Odd shapes do not panic.
        let odd = json!({"_type": "export", "__export_format": 4, "resources": [
            {"_type": "request", "_id": "r", "parentId": "nowhere", "method": "BREW", "url": 5},
            {"_type": "request", "_id": "r2", "parentId": null, "headers": "no", "authentication": "x", "body": []},
            {"_type": "request_group", "_id": "a", "parentId": "a"},
            7
        ]});
        let plan = plan_of(&odd);
        assert_eq!(plan.requests.len(), 1);
    }

    #[test]
    fn non_ascii_values_do_not_panic_finish() {
        assert!(super::super::plan::is_literal("我应该怎么学好ai"));
        assert!(super::super::plan::is_literal("Bearer 我应该"));
    }

    #[test]
    fn templates() {
        let mut tags = BTreeSet::new();
        assert_eq!(template("{{ _.a }}/{{b}}/{{ _['c-d'] }}/{{ x", &mut tags), "{{a}}/{{b}}/{{c-d}}/{{ x");
        assert_eq!(template("a{% uuid 'v4' %}b", &mut tags), "a{% uuid 'v4' %}b");
        assert!(tags.contains("uuid"));
        assert_eq!(replace_path_param("/a/:id/b/:idx", "id"), "/a/{{id}}/b/:idx");
        assert_eq!(guess_environment("Local development (Docker)"), Environment::Sandbox);
        assert_eq!(guess_environment("PROD EU"), Environment::Production);
    }
}
