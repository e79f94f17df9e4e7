//! Postman collections (v2.0 and v2.1 JSON, v3 multi-file YAML folders) and Postman
//! environment and globals files → an [`ImportPlan`] or one [`PlannedProfile`].
//!
//! Values are kept as the document has them; [`ImportPlan::finish`] moves the secrets. Folders
//! nest, `:id` path variables become `{{id}}`, auth is inherited from collection to folder to
//! request, and scripts are kept as notes, never run.

use super::plan::{ImportPlan, PlannedAuth, PlannedProfile, is_literal, looks_secret_name};
use super::{ImportError, Part};
use crate::core::collection::{SavedRequest, folder_path_for};
use crate::core::profile::{Environment, KeyPlacement};
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use serde_json::Value;
use std::collections::BTreeMap;

/// Is this parsed document a Postman collection (any version, so an old one gets clear words)?
pub fn is_collection(doc: &Value) -> bool {
    let doc = unwrap_export(doc, "collection");
    let schema = doc.pointer("/info/schema").and_then(Value::as_str).unwrap_or_default();
    schema.contains("getpostman.com")
        || schema.contains("schema.postman.com")
        || (doc.get("info").is_some_and(Value::is_object) && doc.get("item").is_some())
        || (doc.get("requests").is_some_and(Value::is_array) && doc.get("order").is_some())
}

/// Is this parsed document a Postman environment or globals file?
pub fn is_environment(doc: &Value) -> bool {
    let doc = unwrap_export(doc, "environment");
    doc.get("_postman_variable_scope").is_some()
        || (doc.get("values").is_some_and(Value::is_array) && doc.get("name").is_some() && doc.get("item").is_none())
}

/// Read a Postman collection or environment file (the `read_one` hook).
pub fn read(doc: &Value) -> Result<Part, ImportError> {
    if is_collection(doc) {
        return collection(unwrap_export(doc, "collection")).map(|p| Part::Collection(Box::new(p)));
    }
    environment(unwrap_export(doc, "environment")).map(|p| Part::Environment(Box::new(p)))
}

/// The Postman API wraps exports: `{"collection": {...}}`, `{"environment": {...}}`.
fn unwrap_export<'a>(doc: &'a Value, key: &str) -> &'a Value {
    match doc.get(key) {
        Some(inner) if inner.is_object() && (inner.get("info").is_some() || inner.get("values").is_some()) => inner,
        _ => doc,
    }
}

// ---------------------------------------------------------------------------------------------
// Collections v2.0 / v2.1

/// Read a Postman Collection v2.0 or v2.1 document.
pub fn collection(doc: &Value) -> Result<ImportPlan, ImportError> {
    if !doc.is_object() {
        return Err(invalid("the file should hold one JSON object, with `info` and `item`."));
    }
    if doc.get("info").is_none() && doc.get("requests").is_some() {
        return Err(ImportError::Invalid(
            "This is a Postman collection in the old version 1 format. Gatepass reads collections in version 2.0 and 2.1 (and version 3 folders). In Postman, export the collection again and choose Collection v2.1."
                .to_owned(),
        ));
    }
    let schema = doc.pointer("/info/schema").and_then(Value::as_str).unwrap_or_default();
    let format = if schema.is_empty() || schema.contains("v2.1") {
        "postman-2.1"
    } else if schema.contains("v2.0") {
        "postman-2.0"
    } else if schema.contains("/v2.") {
        "postman-2.1"
    } else {
        let version =
            schema.split('/').find(|p| p.starts_with('v') && p[1..].starts_with(|c: char| c.is_ascii_digit()));
        return Err(ImportError::Invalid(format!(
            "Postman collection version {} is not supported. Gatepass reads collections in version 2.0 and 2.1 (JSON) and version 3 folders (YAML). In Postman, export the collection again and choose Collection v2.1.",
            version.unwrap_or(schema)
        )));
    };
    let name = doc.pointer("/info/name").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty());
    let mut plan = ImportPlan::new(format, name.unwrap_or("Postman collection"));
    plan.notes = description(doc.pointer("/info/description"));
    let items = match doc.get("item") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(items)) => items.as_slice(),
        Some(_) => return Err(invalid("`item` should be a list of requests and folders.")),
    };
    let mut walker = Walker::default();
    let collection_name = plan.name.clone();
    add_variables(&mut plan, doc.get("variable"), &collection_name);
    let collection_label = plan.name.clone();
    let collection_auth = match doc.get("auth") {
        Some(auth) if auth.is_object() => Walker::auth(&mut plan, auth, &format!("the collection {collection_label}")),
        _ => Effective::Nothing,
    };
    if let Some(notes) = scripts(doc.get("event")) {
        push_note(&mut plan.notes, &notes.text);
        for kind in notes.kinds {
            plan.skip(format!("the collection {collection_label}"), format!("{kind} not run"));
        }
    }
    walker.walk(&mut plan, items, "", "", &collection_auth);
    walker.finish(&mut plan, &collection_auth);
    Ok(plan)
}

fn invalid(what: &str) -> ImportError {
    ImportError::Invalid(format!("Postman collection: {what}"))
}

/// The sign-in a request ends up with after inheritance.
#[derive(Debug, Clone, PartialEq)]
enum Effective {
    /// No auth declared anywhere above it (or `inherit` all the way up).
    Nothing,
    /// `noauth`: sent without a credential.
    NoAuth,
    /// A method Gatepass has. `params` are kept to move its secrets when the request differs.
    Mapped { auth: PlannedAuth, kind: String, params: BTreeMap<String, String> },
    /// A method Gatepass does not have yet (oauth1, ntlm, hawk, …).
    Unsupported(String),
}

/// A request read, before the collection's sign-in is chosen.
struct Pending {
    folder: String,
    label: String,
    request: SavedRequest,
    effective: Effective,
}

#[derive(Default)]
struct Walker {
    pending: Vec<Pending>,
}

impl Walker {
    fn walk(&mut self, plan: &mut ImportPlan, items: &[Value], folder: &str, trail: &str, inherited: &Effective) {
        // Postman lets two folders side by side have the same name: the second is "Name 2".
        let mut siblings = std::collections::HashSet::new();
        for item in items {
            let name = item.get("name").and_then(Value::as_str).map(str::trim).unwrap_or_default();
            if let Some(children) = item.get("item") {
                let base = if name.is_empty() { "Folder".to_owned() } else { name.replace('/', "-") };
                let mut part = base.clone();
                let mut path = folder_path_for(&format!("{folder}/{part}"));
                let mut n = 1;
                while !path.is_empty() && !siblings.insert(path.clone()) {
                    n += 1;
                    part = format!("{base} {n}");
                    path = folder_path_for(&format!("{folder}/{part}"));
                }
                if path.is_empty() {
                    folder.clone_into(&mut path);
                }
                let label = if trail.is_empty() { part.clone() } else { format!("{trail}/{part}") };
                plan.add_folder(&path);
                add_variables(plan, item.get("variable"), &label);
                let effective = match item.get("auth") {
                    Some(auth) if auth.is_object() => {
                        let own = Self::auth(plan, auth, &format!("the folder {label}"));
                        if own == Effective::Nothing { inherited.clone() } else { own }
                    }
                    _ => inherited.clone(),
                };
                if let Some(notes) = scripts(item.get("event")) {
                    for kind in notes.kinds {
                        plan.skip(format!("the folder {label}"), format!("{kind} not run"));
                    }
                }
                match children {
                    Value::Array(children) => self.walk(plan, children, &path, &label, &effective),
                    Value::Null => {}
                    _ => plan.skip(format!("the folder {label}"), "its contents are not a list, so it was left empty"),
                }
            } else if let Some(request) = item.get("request") {
                self.request(plan, item, request, name, folder, trail, inherited);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn request(
        &mut self,
        plan: &mut ImportPlan,
        item: &Value,
        request: &Value,
        name: &str,
        folder: &str,
        trail: &str,
        inherited: &Effective,
    ) {
        let request = match request {
            Value::String(url) => &serde_json::json!({ "url": url, "method": "GET" }),
            Value::Object(_) => request,
            _ => {
                let label = if trail.is_empty() { name.to_owned() } else { format!("{trail}/{name}") };
                plan.skip(label, "the request is not in a form Postman writes, so it was left out");
                return;
            }
        };
        let method_text = request.get("method").and_then(Value::as_str).unwrap_or("GET").trim().to_ascii_uppercase();
        let (url, url_query, path_vars) = url_parts(request.get("url"));
        let name = if name.is_empty() { format!("{method_text} {url}") } else { name.to_owned() };
        let label = if trail.is_empty() { name.clone() } else { format!("{trail}/{name}") };
        let Some(method) = Method::parse(&method_text) else {
            plan.skip(
                label,
                format!("the method {method_text} is not one Gatepass sends, so the request was left out"),
            );
            return;
        };
        let url = path_variables_to_refs(&url, &path_vars, plan);
        let headers = headers(request.get("header"));
        let mut notes = description(request.get("description"));
        let body = body(plan, request.get("body"), &headers, &label, &mut notes);
        add_variables(plan, item.get("variable"), &label);
        let effective = match request.get("auth") {
            Some(auth) if auth.is_object() => {
                let own = Self::auth(plan, auth, &label);
                if own == Effective::Nothing { inherited.clone() } else { own }
            }
            _ => inherited.clone(),
        };
        if let Some(scripts) = scripts(item.get("event")) {
            push_note(&mut notes, &scripts.text);
            for kind in scripts.kinds {
                plan.skip(label.clone(), format!("{kind} not run"));
            }
        }
        let draft = RequestDraft { method, url, query: url_query, headers, body, ..Default::default() };
        self.pending.push(Pending {
            folder: folder.to_owned(),
            label,
            request: SavedRequest { name, draft, notes, ..Default::default() },
            effective,
        });
    }

    /// Map one declared `auth` object. Unsupported methods are named in skipped once, here, and
    /// their secret fields go to the collection's variables (which `finish` moves).
    fn auth(plan: &mut ImportPlan, auth: &Value, where_: &str) -> Effective {
        let kind = auth.get("type").and_then(Value::as_str).unwrap_or("inherit").trim().to_ascii_lowercase();
        let p = auth_params(auth, &kind);
        let get = |k: &str| p.get(k).cloned().unwrap_or_default();
        let mapped = match kind.as_str() {
            "inherit" | "" => return Effective::Nothing,
            "noauth" | "none" => return Effective::NoAuth,
            "apikey" => {
                let placement =
                    if get("in").eq_ignore_ascii_case("query") { KeyPlacement::Query } else { KeyPlacement::Header };
                let name = get("key");
                let name = if name.trim().is_empty() { "X-API-Key".to_owned() } else { name };
                PlannedAuth::ApiKey { name, placement, value: get("value") }
            }
            "bearer" => PlannedAuth::Bearer { token: get("token") },
            "basic" => PlannedAuth::Basic { username: get("username"), password: get("password") },
            "digest" => PlannedAuth::Digest { username: get("username"), password: get("password") },
            "awsv4" => {
                stash(plan, "awsv4", &p, &["sessionToken"]);
                if !get("sessionToken").trim().is_empty() {
                    plan.skip(
                        where_,
                        "the AWS session token is not part of Gatepass's AWS sign-in; it is kept as a secret variable",
                    );
                }
                PlannedAuth::AwsSigV4 {
                    access_key_id: get("accessKey"),
                    secret_access_key: get("secretKey"),
                    region: get("region"),
                    service: get("service"),
                }
            }
            "oauth2" => {
                let grant = p.get("grant_type").map_or("authorization_code", String::as_str).to_owned();
                let scopes: Vec<String> =
                    get("scope").split([' ', ',']).filter(|s| !s.trim().is_empty()).map(str::to_owned).collect();
                // Tokens Postman saved in the file are not carried: Gatepass gets fresh ones.
                stash(plan, "oauth2", &p, &["accessToken", "refreshToken", "idToken"]);
                match grant.as_str() {
                    "client_credentials" => PlannedAuth::OAuthClientCredentials {
                        token_url: get("accessTokenUrl"),
                        client_id: get("clientId"),
                        client_secret: get("clientSecret"),
                        scopes,
                    },
                    "authorization_code" | "authorization_code_with_pkce" | "implicit" => {
                        stash(plan, "oauth2", &p, &["clientSecret"]);
                        PlannedAuth::OAuthAuthorizationCode {
                            authorize_url: get("authUrl"),
                            token_url: get("accessTokenUrl"),
                            client_id: get("clientId"),
                            scopes,
                        }
                    }
                    other => {
                        stash(plan, "oauth2", &p, &["clientSecret", "password"]);
                        plan.skip(
                            where_,
                            format!(
                                "its OAuth 2 sign-in uses the \"{other}\" grant, which Gatepass does not have yet; its secret values are kept as secret variables"
                            ),
                        );
                        return Effective::Unsupported(format!("OAuth 2 ({other})"));
                    }
                }
            }
            other => {
                let secret_fields: &[&str] = match other {
                    "oauth1" => &["consumerSecret", "token", "tokenSecret", "privateKey"],
                    "ntlm" => &["password"],
                    "hawk" => &["authKey"],
                    "akamai" | "edgegrid" => &["accessToken", "clientToken", "clientSecret"],
                    "jwt" => &["secret", "privateKey"],
                    "asap" => &["privateKey"],
                    _ => &[],
                };
                // Unknown types: every field whose name looks secret.
                let guessed: Vec<&str> = p
                    .keys()
                    .map(String::as_str)
                    .filter(|k| looks_secret_name(k, true) || secret_fields.contains(k))
                    .collect();
                stash(plan, other, &p, &guessed);
                plan.skip(
                    where_,
                    format!(
                        "its sign-in ({}) is not one Gatepass has yet; its secret values are kept as secret variables",
                        unsupported_words(other)
                    ),
                );
                return Effective::Unsupported(unsupported_words(other).to_owned());
            }
        };
        Effective::Mapped { auth: mapped, kind, params: p }
    }

    /// Choose the collection's sign-in, then settle each request against it.
    fn finish(self, plan: &mut ImportPlan, collection: &Effective) {
        let declared = match collection {
            Effective::Mapped { auth, .. } => Some(auth.clone()),
            _ => None,
        };
        let chosen = declared.clone().or_else(|| {
            let mut counts: Vec<(PlannedAuth, usize)> = Vec::new();
            for p in &self.pending {
                if let Effective::Mapped { auth, .. } = &p.effective {
                    match counts.iter_mut().find(|(a, _)| a == auth) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((auth.clone(), 1)),
                    }
                }
            }
            // The first most common (max_by_key keeps the last, so compare on reversed order).
            let best = counts.iter().map(|(_, n)| *n).max()?;
            counts.into_iter().find(|(_, n)| *n == best).map(|(a, _)| a)
        });
        plan.collection_auth = chosen.clone().unwrap_or_default();
        for mut pending in self.pending {
            let draft = &mut pending.request.draft;
            match &pending.effective {
                Effective::Nothing => draft.send_credential = chosen.is_none() || declared.is_some(),
                Effective::NoAuth => draft.send_credential = false,
                Effective::Mapped { auth, kind, params } => {
                    if Some(auth) == chosen.as_ref() {
                        draft.send_credential = true;
                        drop_auth_header(draft, auth);
                    } else {
                        draft.send_credential = false;
                        let secret_fields: Vec<&str> = match kind.as_str() {
                            "apikey" => vec!["value"],
                            "bearer" => vec!["token"],
                            "basic" | "digest" => vec!["password"],
                            "awsv4" => vec!["secretKey"],
                            "oauth2" => vec!["clientSecret", "password"],
                            _ => vec![],
                        };
                        stash(plan, kind, params, &secret_fields);
                        push_note(
                            &mut pending.request.notes,
                            &format!(
                                "In Postman this request signs in its own way ({}). Gatepass sends it without the profile's sign-in; set its credential by hand.",
                                auth.words()
                            ),
                        );
                        plan.skip(
                            pending.label.clone(),
                            format!(
                                "its own sign-in ({}) differs from the collection's, so it is sent without a credential",
                                auth.words()
                            ),
                        );
                    }
                }
                Effective::Unsupported(words) => {
                    draft.send_credential = false;
                    push_note(
                        &mut pending.request.notes,
                        &format!("In Postman this request signs in with {words}, which Gatepass does not have yet."),
                    );
                }
            }
            plan.add_request(&pending.folder, pending.request);
        }
    }
}

fn unsupported_words(kind: &str) -> &str {
    match kind {
        "oauth1" => "OAuth 1.0",
        "ntlm" => "NTLM",
        "hawk" => "Hawk",
        "akamai" | "edgegrid" => "Akamai EdgeGrid",
        "jwt" => "JWT Bearer",
        "asap" => "ASAP (Atlassian)",
        other => other,
    }
}

/// An `Authorization` or API-key header that repeats what the sign-in sends: the profile sends it.
fn drop_auth_header(draft: &mut RequestDraft, auth: &PlannedAuth) {
    match auth {
        PlannedAuth::Bearer { token } => {
            let want = format!("bearer {}", token.trim()).to_ascii_lowercase();
            draft.headers.retain(|h| {
                !(h.name.eq_ignore_ascii_case("authorization") && h.value.trim().to_ascii_lowercase() == want)
            });
        }
        PlannedAuth::ApiKey { name, placement: KeyPlacement::Header, value } => {
            draft.headers.retain(|h| !(h.name.eq_ignore_ascii_case(name) && h.value.trim() == value.trim()));
        }
        _ => {}
    }
}

/// `{type, <type>: [{key, value}]}` (v2.1) or `{type, <type>: {key: value}}` (v2.0), either way.
fn auth_params(auth: &Value, kind: &str) -> BTreeMap<String, String> {
    match auth.get(kind) {
        Some(Value::Array(rows)) => rows
            .iter()
            .filter_map(|r| Some((r.get("key")?.as_str()?.to_owned(), text(r.get("value").unwrap_or(&Value::Null)))))
            .collect(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        _ => BTreeMap::new(),
    }
}

/// Put literal secret fields of an auth Gatepass cannot use into the collection's variables
/// under a secret-looking name (`oauth1_consumerSecret`), so `finish` moves them to the keychain.
fn stash(plan: &mut ImportPlan, kind: &str, params: &BTreeMap<String, String>, fields: &[&str]) {
    for field in fields {
        let Some(value) = params.get(*field) else { continue };
        if value.trim().is_empty() || !is_literal(value) {
            continue;
        }
        let mut base = format!("{kind}_{field}");
        if !looks_secret_name(&base, true) {
            base.push_str("_secret");
        }
        let mut name = base.clone();
        let mut n = 2;
        while let Some(existing) = plan.variables.get(&name) {
            if existing == value {
                break;
            }
            name = format!("{base}_{n}");
            n += 1;
        }
        plan.variables.insert(name, value.clone());
    }
}

/// `variable: [{key | id, value, disabled}]` at collection, folder or request level: Gatepass has
/// one set for the collection; a name met again with another value keeps the first.
fn add_variables(plan: &mut ImportPlan, vars: Option<&Value>, where_: &str) {
    let Some(Value::Array(vars)) = vars else { return };
    for var in vars {
        let key = var.get("key").or_else(|| var.get("id")).and_then(Value::as_str).map(str::trim).unwrap_or_default();
        if key.is_empty() {
            continue;
        }
        if var.get("disabled").and_then(Value::as_bool) == Some(true) {
            plan.skip(format!("variable `{key}` of {where_}"), "it is switched off in Postman");
            continue;
        }
        let value = text(var.get("value").unwrap_or(&Value::Null));
        match plan.variables.get(key) {
            None => {
                plan.variables.insert(key.to_owned(), value);
            }
            Some(existing) if *existing == value => {}
            Some(_) => plan.skip(
                format!("variable `{key}` of {where_}"),
                "another value of the same name is already set; Gatepass keeps one value per collection",
            ),
        }
    }
}

/// The URL without its query, the query rows (switched-off ones kept off), and path variables.
fn url_parts(url: Option<&Value>) -> (String, Vec<KeyValue>, Vec<(String, String)>) {
    match url {
        Some(Value::String(raw)) => {
            let (base, query) = split_raw(raw);
            (base, query, Vec::new())
        }
        Some(Value::Object(u)) => {
            let raw = u.get("raw").and_then(Value::as_str).unwrap_or_default();
            let base = if raw.trim().is_empty() { built_url(u) } else { split_raw(raw).0 };
            let query = match u.get("query") {
                Some(Value::Array(rows)) => rows.iter().filter_map(key_value).collect(),
                _ => split_raw(raw).1,
            };
            let vars = match u.get("variable") {
                Some(Value::Array(rows)) => rows
                    .iter()
                    .filter_map(|r| {
                        let key = r.get("key").or_else(|| r.get("id"))?.as_str()?.to_owned();
                        Some((key, text(r.get("value").unwrap_or(&Value::Null))))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (base, query, vars)
        }
        _ => (String::new(), Vec::new(), Vec::new()),
    }
}

/// `protocol://host.parts:port/path/parts` when the URL object has no `raw`.
fn built_url(u: &serde_json::Map<String, Value>) -> String {
    let join = |v: Option<&Value>, sep: &str| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|p| match p {
                Value::Object(o) => o.get("value").map(text).unwrap_or_default(),
                other => text(other),
            })
            .collect::<Vec<_>>()
            .join(sep),
        _ => String::new(),
    };
    let mut out = String::new();
    if let Some(protocol) = u.get("protocol").and_then(Value::as_str).filter(|p| !p.is_empty()) {
        out.push_str(protocol.trim_end_matches("://").trim_end_matches(':'));
        out.push_str("://");
    }
    out.push_str(&join(u.get("host"), "."));
    if let Some(port) = u.get("port").map(text).filter(|p| !p.is_empty()) {
        out.push(':');
        out.push_str(&port);
    }
    let path = join(u.get("path"), "/");
    if !path.is_empty() {
        if !path.starts_with('/') {
            out.push('/');
        }
        out.push_str(&path);
    }
    out
}

/// Split `raw` at `?` (dropping any `#fragment`) into the address and its query rows.
fn split_raw(raw: &str) -> (String, Vec<KeyValue>) {
    let raw = raw.trim();
    let raw = raw.split_once('#').map_or(raw, |(before, _)| before);
    let Some((base, query)) = raw.split_once('?') else { return (raw.to_owned(), Vec::new()) };
    let rows = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            KeyValue::new(k, v)
        })
        .collect();
    (base.to_owned(), rows)
}

/// `/:id/` path segments → `{{id}}`. A path variable whose value is one `{{x}}` reference becomes
/// `{{x}}`; a literal value goes to the collection's variables (the first one met wins).
fn path_variables_to_refs(url: &str, vars: &[(String, String)], plan: &mut ImportPlan) -> String {
    url.split('/')
        .map(|segment| {
            let Some(name) = segment.strip_prefix(':') else { return segment.to_owned() };
            let end = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(name.len());
            let (name, rest) = name.split_at(end);
            if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                return segment.to_owned();
            }
            let value = vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or_default();
            let reference = single_reference(value);
            if let Some(reference) = reference {
                return format!("{{{{{reference}}}}}{rest}");
            }
            if !value.is_empty() && !plan.variables.contains_key(name) {
                plan.variables.insert(name.to_owned(), value.to_owned());
            }
            format!("{{{{{name}}}}}{rest}")
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `{{x}}` alone → `x`.
fn single_reference(value: &str) -> Option<&str> {
    let inner = value.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}") && !inner.trim().is_empty()).then(|| inner.trim())
}

/// `[{key, value, disabled}]` → rows (switched-off ones kept, switched off).
fn key_value(row: &Value) -> Option<KeyValue> {
    let name = row.get("key").and_then(Value::as_str)?;
    let value = text(row.get("value").unwrap_or(&Value::Null));
    let mut kv = KeyValue::new(name, value);
    kv.enabled = row.get("disabled").and_then(Value::as_bool) != Some(true);
    Some(kv)
}

/// Headers as a list of rows, or (v2.0 allows it) one `Name: value` text per line.
fn headers(header: Option<&Value>) -> Vec<KeyValue> {
    match header {
        Some(Value::Array(rows)) => rows.iter().filter_map(key_value).filter(|kv| !kv.name.trim().is_empty()).collect(),
        Some(Value::String(lines)) => lines
            .lines()
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                let name = name.trim();
                let (enabled, name) = match name.strip_prefix("//") {
                    Some(rest) => (false, rest.trim()),
                    None => (true, name),
                };
                (!name.is_empty()).then(|| KeyValue { enabled, name: name.to_owned(), value: value.trim().to_owned() })
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn content_type(headers: &[KeyValue]) -> Option<&str> {
    headers.iter().find(|h| h.enabled && h.name.eq_ignore_ascii_case("content-type")).map(|h| h.value.as_str())
}

fn body(
    plan: &mut ImportPlan,
    body: Option<&Value>,
    headers: &[KeyValue],
    label: &str,
    notes: &mut String,
) -> BodyDraft {
    let Some(body) = body.filter(|b| b.is_object()) else { return BodyDraft::None };
    if body.get("disabled").and_then(Value::as_bool) == Some(true) {
        return BodyDraft::None;
    }
    let mode = body.get("mode").and_then(Value::as_str).unwrap_or_default();
    match mode {
        "raw" => {
            let text = text(body.get("raw").unwrap_or(&Value::Null));
            if text.trim().is_empty() {
                return BodyDraft::None;
            }
            let language = body.pointer("/options/raw/language").and_then(Value::as_str).unwrap_or_default();
            let header_type = content_type(headers).map(str::to_owned);
            let json = language.eq_ignore_ascii_case("json")
                || header_type.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("json"));
            if json {
                BodyDraft::Json { text }
            } else {
                let content_type = header_type.unwrap_or_else(|| {
                    match language.to_ascii_lowercase().as_str() {
                        "xml" => "application/xml",
                        "html" => "text/html",
                        "javascript" => "application/javascript",
                        _ => "text/plain",
                    }
                    .to_owned()
                });
                BodyDraft::Raw { content_type, text }
            }
        }
        "urlencoded" => match body.get("urlencoded") {
            Some(Value::Array(rows)) if !rows.is_empty() => {
                BodyDraft::Form { fields: rows.iter().filter_map(key_value).collect() }
            }
            _ => BodyDraft::None,
        },
        "formdata" => {
            let Some(Value::Array(rows)) = body.get("formdata") else { return BodyDraft::None };
            let mut fields = Vec::new();
            for row in rows {
                let is_file = row.get("type").and_then(Value::as_str) == Some("file") || row.get("src").is_some();
                let key = row.get("key").and_then(Value::as_str).unwrap_or_default();
                if is_file {
                    plan.skip(
                        format!("{label} (file field `{key}`)"),
                        "file uploads are not carried; the other form fields are",
                    );
                    continue;
                }
                fields.extend(key_value(row));
            }
            if fields.is_empty() {
                return BodyDraft::None;
            }
            push_note(
                notes,
                "In Postman this body is multipart form data; Gatepass sends the text fields as an ordinary form.",
            );
            BodyDraft::Form { fields }
        }
        "graphql" => {
            let Some(graphql) = body.get("graphql") else { return BodyDraft::None };
            let query = text(graphql.get("query").unwrap_or(&Value::Null));
            let variables = match graphql.get("variables") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.trim().is_empty() => None,
                Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                    Ok(v) => Some(Ok(v)),
                    Err(_) => Some(Err(s.clone())),
                },
                Some(other) => Some(Ok(other.clone())),
            };
            let quoted = serde_json::to_string(&query).unwrap_or_default();
            let text = match variables {
                None => format!("{{\"query\": {quoted}}}"),
                Some(Ok(v)) => {
                    let mut map = serde_json::Map::new();
                    map.insert("query".to_owned(), Value::String(query));
                    map.insert("variables".to_owned(), v);
                    serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default()
                }
                // `{{x}}` used as a bare value is not JSON; keep the text as Postman sends it.
                Some(Err(raw)) if raw.contains("{{") => {
                    format!("{{\"query\": {quoted}, \"variables\": {}}}", raw.trim())
                }
                Some(Err(_)) => {
                    plan.skip(label, "its GraphQL variables are not valid JSON, so they were left out");
                    format!("{{\"query\": {quoted}}}")
                }
            };
            BodyDraft::Json { text }
        }
        "file" | "binary" => {
            plan.skip(label, "its body is a file, which is not carried; choose the file again in Gatepass");
            BodyDraft::None
        }
        "" => BodyDraft::None,
        other => {
            plan.skip(label, format!("its body type \"{other}\" is not one Gatepass knows, so the body was left out"));
            BodyDraft::None
        }
    }
}

/// Scripts found on an item: the note text and which kinds (for skipped).
struct Scripts {
    text: String,
    kinds: Vec<&'static str>,
}

/// `event: [{listen: prerequest|test, script: {exec: [lines] | text}}]` → notes, a few lines
/// each, with anything that looks like a credential masked.
fn scripts(events: Option<&Value>) -> Option<Scripts> {
    let Some(Value::Array(events)) = events else { return None };
    let mut out = Scripts { text: String::new(), kinds: Vec::new() };
    for event in events {
        if event.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let (kind, title) = match event.get("listen").and_then(Value::as_str) {
            Some("prerequest") => ("pre-request script", "Pre-request script (not run)"),
            Some("test") => ("test script", "Test script (not run)"),
            _ => continue,
        };
        let lines: Vec<String> = match event.pointer("/script/exec") {
            Some(Value::Array(lines)) => lines.iter().map(text).collect(),
            Some(Value::String(s)) => s.lines().map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        let lines: Vec<&str> =
            lines.iter().flat_map(|l| l.lines()).map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let shown = 4;
        let mut note = format!("{title}:");
        for line in lines.iter().take(shown) {
            let line: String = line.chars().take(160).collect();
            note.push_str("\n    ");
            note.push_str(&crate::core::redact::redact_text(&line));
        }
        if lines.len() > shown {
            note.push_str(&format!("\n    … ({} more lines)", lines.len() - shown));
        }
        push_note(&mut out.text, &note);
        if !out.kinds.contains(&kind) {
            out.kinds.push(kind);
        }
    }
    (!out.kinds.is_empty()).then_some(out)
}

fn push_note(notes: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    if !notes.is_empty() {
        notes.push_str("\n\n");
    }
    notes.push_str(text);
}

/// A description: text, or `{content, type}`.
fn description(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Object(o)) => o.get("content").and_then(Value::as_str).unwrap_or_default().trim().to_owned(),
        _ => String::new(),
    }
}

/// A JSON value as text: strings as they are, `null` as nothing, others as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Environments and globals

/// A Postman environment or globals file → one profile.
pub fn environment(doc: &Value) -> Result<PlannedProfile, ImportError> {
    let Some(values) = doc.get("values").and_then(Value::as_array) else {
        return Err(ImportError::Invalid(
            "Postman environment: the file has no `values` list, so there are no variables to import.".to_owned(),
        ));
    };
    let globals = doc.get("_postman_variable_scope").and_then(Value::as_str) == Some("globals");
    let name = doc.get("name").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty());
    let name = name.unwrap_or(if globals { "Postman globals" } else { "Postman environment" }).to_owned();
    let mut profile = PlannedProfile::new(name.clone(), guess_environment(&name), String::new());
    let mut off = Vec::new();
    for value in values {
        let Some(key) = value.get("key").and_then(Value::as_str).map(str::trim).filter(|k| !k.is_empty()) else {
            continue;
        };
        if value.get("enabled").and_then(Value::as_bool) == Some(false) {
            off.push(format!("`{key}`"));
            continue;
        }
        let text = text(value.get("value").unwrap_or(&Value::Null));
        if value.get("type").and_then(Value::as_str) == Some("secret") && !profile.secret_names.iter().any(|n| n == key)
        {
            profile.secret_names.push(key.to_owned());
        }
        profile.variables.insert(key.to_owned(), text);
    }
    if !off.is_empty() {
        profile.notes = format!("Left out, switched off in Postman: {}.", off.join(", "));
    }
    profile.base_url = base_url(&profile.variables);
    Ok(profile)
}

/// Sandbox, Production, or the name itself, from the environment's name.
pub fn guess_environment(name: &str) -> Environment {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let any = |list: &[&str]| words.iter().any(|w| list.contains(w));
    if any(&["sandbox", "test", "testing", "dev", "develop", "development", "staging", "stage", "qa", "uat", "local"]) {
        Environment::Sandbox
    } else if any(&["prod", "production", "live"]) {
        Environment::Production
    } else {
        Environment::from_label(name)
    }
}

/// The value of a base-URL-like variable, when it is a literal address.
fn base_url(vars: &BTreeMap<String, String>) -> String {
    let squash = |k: &str| k.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let literal_url = |v: &str| (v.starts_with("http://") || v.starts_with("https://")) && !v.contains("{{");
    let ranks: [&[&str]; 2] =
        [&["baseurl", "base", "apiurl", "apibaseurl"], &["url", "host", "envurl", "endpoint", "server", "apihost"]];
    for rank in ranks {
        if let Some((_, v)) = vars.iter().find(|(k, v)| rank.contains(&squash(k).as_str()) && literal_url(v.trim())) {
            return v.trim().trim_end_matches('/').to_owned();
        }
    }
    String::new()
}

pub mod v3;

#[cfg(test)]
mod tests;
