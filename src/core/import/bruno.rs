//! Bruno collections into an [`ImportPlan`]: the `.bru` folder layout (`bruno.json`, `.bru`
//! request files, `folder.bru`, `collection.bru`, `environments/*.bru`) and `OpenCollection`
//! YAML, Bruno's newer format (`opencollection.yml` with `.yml` request files, or one bundled
//! file holding every item).
//!
//! Both become one tree of [`Node`]s, then one walk gives folders, requests, inherited headers
//! and sign-in, and profiles from the environments.

mod bru;
mod opencollection;
#[cfg(test)]
mod tests;

use super::insomnia::{
    Effective, Pending, add_note, base_url_of, guess_environment, join_item, keep_secret, replace_path_param,
    script_note, settle_auth,
};
use super::plan::{ImportPlan, PlannedAuth, PlannedProfile};
use super::{ImportError, Part};
use crate::core::collection::{ExpectedStatus, SavedRequest, folder_path_for};
use crate::core::profile::KeyPlacement;
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use bru::Blocks as _;
use std::collections::{BTreeMap, BTreeSet};

pub use opencollection::read_bundled;

/// A Bruno collection folder (`.bru` or `OpenCollection`), or `None` when the folder is not one.
pub fn read_folder(name: &str, files: &[(String, String)]) -> Result<Option<Part>, ImportError> {
    if let Some(root) = root_of(files, &["opencollection.yml", "opencollection.yaml"]) {
        return opencollection::read_folder(name, &root, files).map(|p| Some(Part::Collection(Box::new(p))));
    }
    let root = root_of(files, &["bruno.json"]).or_else(|| {
        // `.bru` files without `bruno.json`: the folder itself is the collection.
        files.iter().any(|(p, _)| p.to_ascii_lowercase().ends_with(".bru")).then(String::new)
    });
    match root {
        Some(root) => read_bru(name, &root, files).map(|p| Some(Part::Collection(Box::new(p)))),
        None => Ok(None),
    }
}

/// The folder (`""` or `a/b/`) holding the least deep of `markers`.
fn root_of(files: &[(String, String)], markers: &[&str]) -> Option<String> {
    files
        .iter()
        .filter_map(|(path, _)| {
            let (dir, file) = path.rsplit_once('/').map_or(("", path.as_str()), |(d, f)| (d, f));
            markers.contains(&file).then(|| if dir.is_empty() { String::new() } else { format!("{dir}/") })
        })
        .min_by_key(|dir| (dir.matches('/').count(), dir.clone()))
}

// ---------------------------------------------------------------- the tree both formats make

/// What a folder (or the collection) gives the requests inside it.
#[derive(Default, Clone, Debug)]
struct Defaults {
    headers: Vec<KeyValue>,
    /// `None`: inherits from above.
    auth: Option<Effective>,
    variables: Vec<(String, String)>,
    /// (kind in words, code)
    scripts: Vec<(&'static str, String)>,
    docs: String,
}

#[derive(Debug)]
enum Node {
    Folder {
        name: String,
        seq: f64,
        defaults: Defaults,
        children: Vec<Node>,
    },
    Request(Box<Req>),
    /// A request Gatepass does not send (gRPC, WebSocket), with why.
    Other {
        name: String,
        seq: f64,
        why: String,
    },
}

impl Node {
    fn sort_key(&self) -> (u8, f64, String) {
        match self {
            Node::Folder { name, seq, .. } => (0, *seq, name.to_lowercase()),
            Node::Request(r) => (1, r.seq, r.name.to_lowercase()),
            Node::Other { name, seq, .. } => (1, *seq, name.to_lowercase()),
        }
    }
}

fn sort_nodes(nodes: &mut [Node]) {
    nodes.sort_by(|a, b| {
        let (ka, kb) = (a.sort_key(), b.sort_key());
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then_with(|| ka.2.cmp(&kb.2))
    });
}

#[derive(Debug, Default)]
struct Req {
    name: String,
    seq: f64,
    method: String,
    url: String,
    /// `None`: the URL keeps its own query string.
    query: Option<Vec<KeyValue>>,
    path: Vec<(String, String)>,
    headers: Vec<KeyValue>,
    body: Body,
    auth: Option<Effective>,
    variables: Vec<(String, String)>,
    scripts: Vec<(&'static str, String)>,
    docs: String,
    expect: Option<ExpectedStatus>,
    /// Checks other than the status, in words, for the notes.
    checks: Vec<String>,
    /// Variables Bruno sets from the answer.
    answer_vars: Vec<String>,
}

#[derive(Debug, Default)]
enum Body {
    #[default]
    None,
    Json(String),
    Raw {
        content_type: String,
        text: String,
    },
    Form {
        fields: Vec<KeyValue>,
        multipart: bool,
        files: Vec<String>,
    },
    Graphql {
        query: String,
        variables: String,
    },
    File,
}

/// A profile from an environment.
struct Env {
    name: String,
    variables: Vec<(String, String)>,
    secrets: Vec<String>,
}

/// The seq of a sort: a number, or last.
fn seq_of(text: &str) -> f64 {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite()).unwrap_or(f64::MAX)
}

/// `{{process.env.NAME}}` → `{{NAME}}` (Gatepass does not read `.env` files), the names kept.
fn template(text: &str, env_refs: &mut BTreeSet<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}").map(|c| open + c) else { break };
        let inner = rest[open + 2..close].trim();
        out.push_str(&rest[..open]);
        match inner.strip_prefix("process.env.") {
            Some(name) if !name.is_empty() => {
                env_refs.insert(name.to_owned());
                out.push_str(&format!("{{{{{name}}}}}"));
            }
            _ => out.push_str(&rest[open..close + 2]),
        }
        rest = &rest[close + 2..];
    }
    out.push_str(rest);
    out
}

/// A sign-in as Bruno names it (`mode`), its fields read through `get` (which tries each name
/// given). `None` for `inherit`.
fn auth_of(
    mode: &str,
    get: &dyn Fn(&[&str]) -> String,
    item: &str,
    plan: &mut ImportPlan,
    env_refs: &mut BTreeSet<String>,
) -> Option<Effective> {
    let mode = mode.trim().to_ascii_lowercase();
    let f = |names: &[&str], refs: &mut BTreeSet<String>| template(get(names).trim(), refs);
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
    let r = env_refs;
    let effective = match mode.as_str() {
        "inherit" => return None,
        "" | "none" | "noauth" => Effective::NoAuth,
        "basic" => Effective::Auth(PlannedAuth::Basic { username: f(&["username"], r), password: f(&["password"], r) }),
        "digest" => {
            Effective::Auth(PlannedAuth::Digest { username: f(&["username"], r), password: f(&["password"], r) })
        }
        "bearer" => Effective::Auth(PlannedAuth::Bearer { token: f(&["token"], r) }),
        "apikey" => {
            let (name, value) = (f(&["key"], r), f(&["value"], r));
            let placement = f(&["placement"], r).to_ascii_lowercase();
            let placement = if placement.starts_with("query") { KeyPlacement::Query } else { KeyPlacement::Header };
            Effective::Auth(PlannedAuth::ApiKey { name, placement, value })
        }
        "awsv4" => {
            keep_secret(plan, &format!("{slug}_session_token"), &f(&["sessionToken", "session_token"], r));
            Effective::Auth(PlannedAuth::AwsSigV4 {
                access_key_id: f(&["accessKeyId", "access_key_id"], r),
                secret_access_key: f(&["secretAccessKey", "secret_access_key"], r),
                region: f(&["region"], r),
                service: f(&["service"], r),
            })
        }
        "oauth2" => {
            let grant = f(&["grant_type", "flow", "grantType"], r).to_ascii_lowercase();
            let token_url = f(&["access_token_url", "accessTokenUrl"], r);
            let client_id = f(&["client_id", "clientId", "credentials.clientId"], r);
            let client_secret = f(&["client_secret", "clientSecret", "credentials.clientSecret"], r);
            let scopes: Vec<String> =
                f(&["scope"], r).split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            for (field, names) in [
                ("access_token", &["access_token", "accessToken", "token"][..]),
                ("refresh_token", &["refresh_token", "refreshToken"][..]),
            ] {
                keep_secret(plan, &format!("{slug}_{field}"), &f(names, r));
            }
            match grant.as_str() {
                "client_credentials" => {
                    Effective::Auth(PlannedAuth::OAuthClientCredentials { token_url, client_id, client_secret, scopes })
                }
                "authorization_code" | "" => {
                    if super::plan::is_literal(&client_secret) && !client_secret.is_empty() {
                        keep_secret(plan, &format!("{slug}_client_secret"), &client_secret);
                        plan.skip(format!("{item} (client secret)"), "the OAuth client secret was moved to the profile's keychain entry as a secret variable: Gatepass's browser sign-in does not use one");
                    }
                    Effective::Auth(PlannedAuth::OAuthAuthorizationCode {
                        authorize_url: f(&["authorization_url", "authorizationUrl"], r),
                        token_url,
                        client_id,
                        scopes,
                    })
                }
                other => {
                    keep_secret(plan, &format!("{slug}_client_secret"), &client_secret);
                    keep_secret(
                        plan,
                        &format!("{slug}_password"),
                        &f(&["password", "resourceOwner.password", "resource_owner.password"], r),
                    );
                    let words = match other {
                        "password" | "resource_owner_password_credentials" => "the password grant",
                        "implicit" => "the implicit grant",
                        _ => "an unusual grant",
                    };
                    Effective::Unsupported(format!("OAuth 2 ({words})"))
                }
            }
        }
        other => {
            for (field, names) in [
                ("password", &["password"][..]),
                ("secret", &["secret", "client_secret", "clientSecret"][..]),
                ("token", &["token"][..]),
            ] {
                keep_secret(plan, &format!("{slug}_{field}"), &f(names, r));
            }
            Effective::Unsupported(match other {
                "ntlm" => "NTLM".to_owned(),
                "wsse" => "WSSE".to_owned(),
                "cli" => "a token from a command".to_owned(),
                _ => format!("the {other} sign-in"),
            })
        }
    };
    Some(effective)
}

/// A row list as request rows, `{{process.env.X}}` rewritten.
fn key_values(rows: impl IntoIterator<Item = (String, String, bool)>, refs: &mut BTreeSet<String>) -> Vec<KeyValue> {
    rows.into_iter()
        .filter(|(k, _, _)| !k.trim().is_empty())
        .map(|(name, value, enabled)| KeyValue {
            enabled,
            name: template(name.trim(), refs),
            value: template(&value, refs),
        })
        .collect()
}

/// `res.status: eq 200` (or `==`, `equals`) → the expected status; anything else in words.
fn check(expression: &str, operator_and_value: &str) -> Result<ExpectedStatus, String> {
    let text = operator_and_value.trim();
    let (op, value) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    if expression.trim() == "res.status"
        && matches!(op, "eq" | "==" | "===" | "equals")
        && let Ok(code) = value.trim().parse::<u16>()
        && (100..=599).contains(&code)
    {
        return Ok(ExpectedStatus::Exact(code));
    }
    Err(format!("{} {}", expression.trim(), text))
}

// ---------------------------------------------------------------- the walk

struct Walk<'a> {
    plan: &'a mut ImportPlan,
    pending: Vec<Pending>,
    secret_names: &'a BTreeSet<String>,
}

#[derive(Default, Clone)]
struct Inherited {
    headers: Vec<KeyValue>,
    auth: Option<Effective>,
}

impl Walk<'_> {
    fn nodes(&mut self, nodes: Vec<Node>, folder: &str, inherited: &Inherited) {
        for node in nodes {
            match node {
                Node::Folder { name, defaults, children, .. } => {
                    let clean = folder_path_for(&name).replace('/', " ");
                    let wanted = join_item(folder, if clean.is_empty() { "Folder" } else { &clean });
                    let path = (1..100_000)
                        .map(|n| if n == 1 { wanted.clone() } else { format!("{wanted} ({n})") })
                        .find(|p| !self.plan.folders.contains(p))
                        .unwrap_or(wanted);
                    self.plan.add_folder(&path);
                    let mut inner = inherited.clone();
                    self.defaults(&format!("folder {path}"), defaults, &mut inner);
                    self.nodes(children, &path, &inner);
                }
                Node::Request(req) => self.request(*req, folder, inherited),
                Node::Other { name, why, .. } => self.plan.skip(join_item(folder, &name), why),
            }
        }
    }

    /// A folder's (or the collection's) defaults into what its requests inherit.
    fn defaults(&mut self, what: &str, defaults: Defaults, inner: &mut Inherited) {
        for h in defaults.headers {
            inner.headers.retain(|x| !x.name.eq_ignore_ascii_case(&h.name));
            inner.headers.push(h);
        }
        if defaults.auth.is_some() {
            inner.auth = defaults.auth;
        }
        self.variables(what, defaults.variables);
        for (kind, code) in defaults.scripts {
            if !code.trim().is_empty() {
                self.plan.skip(format!("{what} ({})", kind.to_lowercase()), "scripts are not run");
            }
        }
    }

    fn variables(&mut self, what: &str, variables: Vec<(String, String)>) {
        for (k, value) in variables {
            match self.plan.variables.get(&k) {
                Some(existing) if *existing != value => self.plan.skip(
                    format!("{what} variable {k}"),
                    "another value of the same name is already a collection variable",
                ),
                _ => {
                    self.plan.variables.insert(k, value);
                }
            }
        }
    }

    fn request(&mut self, req: Req, folder: &str, inherited: &Inherited) {
        let item = join_item(folder, &req.name);
        let method_text =
            if req.method.trim().is_empty() { "GET".to_owned() } else { req.method.trim().to_ascii_uppercase() };
        let Some(method) = Method::parse(&method_text) else {
            self.plan.skip(item, format!("Gatepass cannot send the {method_text} method"));
            return;
        };
        let mut url = req.url.trim().to_owned();
        for (name, value) in &req.path {
            url = replace_path_param(&url, name);
            if !value.is_empty() && !self.plan.variables.contains_key(name) {
                self.plan.variables.insert(name.clone(), value.clone());
            }
        }
        let query = match req.query {
            Some(rows) => {
                // The rows are the query: the URL's own copy of it goes.
                if let Some(at) = url.find('?') {
                    url.truncate(at);
                }
                rows
            }
            None => Vec::new(),
        };
        let mut headers = inherited.headers.clone();
        for h in req.headers {
            headers.retain(|x| !x.name.eq_ignore_ascii_case(&h.name));
            headers.push(h);
        }
        let mut notes = req.docs.trim().to_owned();
        let body = match req.body {
            Body::None => BodyDraft::None,
            Body::Json(text) if text.trim().is_empty() => BodyDraft::None,
            Body::Json(text) => BodyDraft::Json { text },
            Body::Raw { text, .. } if text.trim().is_empty() => BodyDraft::None,
            Body::Raw { content_type, text } => BodyDraft::Raw { content_type, text },
            Body::Graphql { query, variables } => {
                let variables = serde_json::from_str::<serde_json::Value>(variables.trim())
                    .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new()));
                let text = serde_json::json!({"query": query, "variables": variables});
                BodyDraft::Json { text: serde_json::to_string_pretty(&text).unwrap_or_default() }
            }
            Body::Form { fields, multipart, files } => {
                for name in files {
                    self.plan.skip(format!("{item} (file field {name})"), "file uploads are not imported");
                    add_note(&mut notes, &format!("The form field `{name}` sent a file; it was left out."));
                }
                if multipart && !fields.is_empty() {
                    self.plan.skip(
                        format!("{item} (multipart form)"),
                        "its form is sent URL-encoded: Gatepass does not send multipart forms yet",
                    );
                }
                if fields.is_empty() { BodyDraft::None } else { BodyDraft::Form { fields } }
            }
            Body::File => {
                self.plan.skip(format!("{item} (body file)"), "its body is a file, which was not imported");
                BodyDraft::None
            }
        };
        if !matches!(body, BodyDraft::None) && !matches!(body, BodyDraft::Form { .. }) {
            // Gatepass sets the content type of a JSON or text body itself.
            headers.retain(|h| !h.name.eq_ignore_ascii_case("content-type") || matches!(body, BodyDraft::Raw { .. }));
        }
        for (kind, code) in req.scripts {
            if !code.trim().is_empty() {
                add_note(&mut notes, &script_note(kind, &code));
                self.plan.skip(format!("{item} ({})", kind.to_lowercase()), format!("{} not run", kind.to_lowercase()));
            }
        }
        if !req.checks.is_empty() {
            add_note(&mut notes, &format!("Checks in Bruno (not run): {}", req.checks.join("; ")));
            self.plan.skip(format!("{item} (checks)"), "checks other than the answer's status are not run");
        }
        if !req.answer_vars.is_empty() {
            add_note(
                &mut notes,
                &format!(
                    "In Bruno this request set {} from the answer; Gatepass does not.",
                    req.answer_vars.join(", ")
                ),
            );
            self.plan.skip(
                format!("{item} (variables from the answer)"),
                "Gatepass does not set variables from an answer: copy the value into the profile",
            );
        }
        self.variables(&item, req.variables);
        let mut draft = RequestDraft { method, url, query, headers, body, ..RequestDraft::default() };
        self.secret_refs(&mut draft);
        let auth = req.auth.or_else(|| inherited.auth.clone()).unwrap_or(Effective::NoAuth);
        let taken = |n: &str, pending: &[Pending]| {
            pending.iter().any(|p| p.folder == folder && p.request.name.eq_ignore_ascii_case(n))
        };
        let name = if taken(&req.name, &self.pending) {
            (2..100_000).map(|n| format!("{} ({n})", req.name)).find(|n| !taken(n, &self.pending)).unwrap_or(req.name)
        } else {
            req.name
        };
        let request =
            SavedRequest { name, draft, notes, expect: req.expect.unwrap_or_default(), ..SavedRequest::default() };
        self.pending.push(Pending { folder: folder.to_owned(), request, auth });
    }

    /// `{{name}}` of a secret variable → `{{secret:name}}` where Gatepass fills secrets in
    /// (header and query values, bodies).
    fn secret_refs(&self, draft: &mut RequestDraft) {
        if self.secret_names.is_empty() {
            return;
        }
        let rewrite = |text: &mut String| {
            for name in self.secret_names {
                let from = format!("{{{{{name}}}}}");
                if text.contains(&from) {
                    *text = text.replace(&from, &super::plan::secret_placeholder(name));
                }
            }
        };
        for row in draft.query.iter_mut().chain(draft.headers.iter_mut()) {
            rewrite(&mut row.value);
        }
        match &mut draft.body {
            BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => rewrite(text),
            BodyDraft::Form { fields } => fields.iter_mut().for_each(|f| rewrite(&mut f.value)),
            BodyDraft::None => {}
        }
    }
}

/// Every part together: the tree, the collection's defaults, the environments.
fn assemble(plan: &mut ImportPlan, root: Defaults, nodes: Vec<Node>, envs: Vec<Env>, mut env_refs: BTreeSet<String>) {
    let secret_names: BTreeSet<String> = envs.iter().flat_map(|e| e.secrets.iter().cloned()).collect();
    let declared = match &root.auth {
        Some(Effective::Auth(a)) => Some(a.clone()),
        _ => None,
    };
    if !root.docs.trim().is_empty() {
        add_note(&mut plan.notes, root.docs.trim());
    }
    let mut inherited = Inherited::default();
    let mut walk = Walk { plan, pending: Vec::new(), secret_names: &secret_names };
    walk.defaults("the collection", root, &mut inherited);
    walk.nodes(nodes, "", &inherited);
    let Walk { plan, pending, .. } = walk;
    for env in envs {
        let name =
            if env.name.trim().is_empty() { format!("Environment {}", plan.profiles.len() + 1) } else { env.name };
        let variables: BTreeMap<String, String> =
            env.variables.into_iter().map(|(k, v)| (k, template(&v, &mut env_refs))).collect();
        let mut all = plan.variables.clone();
        all.extend(variables.clone());
        let mut profile = PlannedProfile::new(name.trim(), guess_environment(&name), base_url_of(&all));
        profile.variables = variables;
        if !env.secrets.is_empty() {
            profile.notes = format!(
                "Bruno keeps the values of the secret variables {} on each computer, not in the collection: give them to this profile as secret variables (gatepass profile secret).",
                env.secrets.join(", ")
            );
            profile.secret_names = env.secrets;
        }
        plan.profiles.push(profile);
    }
    for name in &env_refs {
        plan.skip(
            format!("process.env.{name}"),
            format!("Bruno reads it from the .env file, which Gatepass does not read. The requests now use {{{{{name}}}}}: give the profile a variable {name}, a secret one if it is a credential"),
        );
    }
    settle_auth(plan, pending, declared, "Bruno");
}

// ---------------------------------------------------------------- the .bru layout

fn read_bru(folder_name: &str, root: &str, files: &[(String, String)]) -> Result<ImportPlan, ImportError> {
    let manifest = files
        .iter()
        .find(|(p, _)| *p == format!("{root}bruno.json"))
        .map(|(_, text)| {
            serde_json::from_str::<serde_json::Value>(text)
                .map_err(|e| ImportError::Invalid(format!("Bruno collection: bruno.json is not valid JSON ({e}).")))
        })
        .transpose()?;
    let name = manifest
        .as_ref()
        .and_then(|m| m.get("name"))
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(folder_name)
        .to_owned();
    let ignore: Vec<String> = manifest
        .as_ref()
        .and_then(|m| m.get("ignore"))
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut plan = ImportPlan::new("bruno", name);
    let mut refs = BTreeSet::new();
    let mut root_defaults = Defaults::default();
    let mut envs = Vec::new();
    let mut dirs: BTreeMap<String, Dir> = BTreeMap::new();
    for (path, text) in files {
        let Some(rel) = path.strip_prefix(root) else { continue };
        let (dir, file) = rel.rsplit_once('/').map_or(("", rel), |(d, f)| (d, f));
        if dir.split('/').any(|s| s.starts_with('.') || s == "node_modules" || ignore.iter().any(|i| i == s)) {
            continue;
        }
        let Some(stem) = file.strip_suffix(".bru") else { continue };
        let blocks = bru::parse(text);
        if dir == "environments" {
            envs.push(bru_env(stem, &blocks));
            continue;
        }
        if dir.is_empty() && file == "collection.bru" {
            root_defaults = bru_defaults(&blocks, "the collection", &mut plan, &mut refs, true);
            continue;
        }
        let entry = dirs.entry(dir.to_owned()).or_default();
        if file == "folder.bru" {
            let what = format!("folder {dir}");
            entry.name = Some(blocks.field("meta", "name")).filter(|n| !n.trim().is_empty());
            entry.seq = seq_of(&blocks.field("meta", "seq"));
            entry.defaults = bru_defaults(&blocks, &what, &mut plan, &mut refs, false);
            continue;
        }
        let node = bru_request(stem, &join_item(dir, stem), &blocks, &mut plan, &mut refs);
        entry.nodes.push(node);
    }
    if dirs.values().all(|d| d.nodes.is_empty()) && envs.is_empty() {
        return Err(ImportError::Invalid(
            "Bruno collection: no request files (.bru) were found in this folder.".to_owned(),
        ));
    }
    let nodes = tree(&mut dirs, "");
    assemble(&mut plan, root_defaults, nodes, envs, refs);
    Ok(plan)
}

/// One folder on disk while the tree is built.
#[derive(Default)]
struct Dir {
    name: Option<String>,
    seq: f64,
    defaults: Defaults,
    nodes: Vec<Node>,
}

/// The nodes of `dir`: its requests and its sub-folders that hold a request somewhere below.
fn tree(dirs: &mut BTreeMap<String, Dir>, dir: &str) -> Vec<Node> {
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    let children: BTreeSet<String> = dirs
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix).filter(|rest| !rest.is_empty()))
        .map(|rest| rest.split('/').next().unwrap_or(rest).to_owned())
        .collect();
    let mut nodes = dirs.get_mut(dir).map(|d| std::mem::take(&mut d.nodes)).unwrap_or_default();
    for child in children {
        let path = format!("{prefix}{child}");
        let inner = tree(dirs, &path);
        if inner.is_empty() {
            continue;
        }
        let (name, seq, defaults) = match dirs.get_mut(&path) {
            Some(d) => (d.name.take().unwrap_or_else(|| child.clone()), d.seq, std::mem::take(&mut d.defaults)),
            None => (child.clone(), f64::MAX, Defaults::default()),
        };
        nodes.push(Node::Folder { name, seq, defaults, children: inner });
    }
    sort_nodes(&mut nodes);
    nodes
}

fn rows3(blocks: &[bru::Block], name: &str) -> Vec<(String, String, bool)> {
    blocks.rows_of(name).into_iter().map(|r| (r.key, r.value, r.enabled)).collect()
}

/// A `.bru` block's auth: the mode from `mode_block.mode_key`, its fields from `auth:<mode>`.
fn bru_auth(
    blocks: &[bru::Block],
    mode: &str,
    item: &str,
    plan: &mut ImportPlan,
    refs: &mut BTreeSet<String>,
) -> Option<Effective> {
    let block = format!("auth:{}", mode.trim().to_ascii_lowercase());
    let get =
        |names: &[&str]| names.iter().map(|n| blocks.field(&block, n)).find(|v| !v.is_empty()).unwrap_or_default();
    auth_of(mode, &get, item, plan, refs)
}

fn bru_scripts(blocks: &[bru::Block]) -> Vec<(&'static str, String)> {
    [("Pre-request script", "script:pre-request"), ("Post-response script", "script:post-response"), ("Tests", "tests")]
        .into_iter()
        .map(|(kind, block)| (kind, blocks.text_of(block)))
        .filter(|(_, code)| !code.trim().is_empty())
        .collect()
}

fn bru_defaults(
    blocks: &[bru::Block],
    what: &str,
    plan: &mut ImportPlan,
    refs: &mut BTreeSet<String>,
    collection: bool,
) -> Defaults {
    let mode = blocks.field("auth", "mode");
    // A folder that says nothing inherits; a collection that says nothing has no sign-in.
    let auth = if mode.trim().is_empty() {
        collection.then_some(Effective::NoAuth)
    } else {
        bru_auth(blocks, &mode, what, plan, refs)
    };
    Defaults {
        headers: key_values(rows3(blocks, "headers"), refs),
        auth,
        variables: rows3(blocks, "vars:pre-request")
            .into_iter()
            .filter(|(_, _, on)| *on)
            .map(|(k, v, _)| (k, template(&v, refs)))
            .collect(),
        scripts: bru_scripts(blocks),
        docs: blocks.text_of("docs"),
    }
}

const VERBS: [&str; 9] = ["get", "post", "put", "patch", "delete", "options", "head", "connect", "trace"];

fn bru_request(
    stem: &str,
    item: &str,
    blocks: &[bru::Block],
    plan: &mut ImportPlan,
    refs: &mut BTreeSet<String>,
) -> Node {
    let name = Some(blocks.field("meta", "name")).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| stem.to_owned());
    let seq = seq_of(&blocks.field("meta", "seq"));
    let kind = blocks.field("meta", "type").to_ascii_lowercase();
    if matches!(kind.as_str(), "grpc" | "grpc-request") {
        return Node::Other { name, seq, why: "it is a gRPC request, which Gatepass does not send".to_owned() };
    }
    if matches!(kind.as_str(), "ws" | "websocket" | "ws-request") {
        return Node::Other { name, seq, why: "it is a WebSocket request, which Gatepass does not send".to_owned() };
    }
    let Some(verb) = VERBS.iter().find(|v| blocks.block(v).is_some()) else {
        return Node::Other { name, seq, why: "the file has no method block (get, post, …)".to_owned() };
    };
    let field = |k: &str| blocks.field(verb, k);
    let body_mode = field("body").to_ascii_lowercase();
    let body = match body_mode.as_str() {
        "json" => Body::Json(template(&blocks.text_of("body:json"), refs)),
        "text" => {
            Body::Raw { content_type: "text/plain".to_owned(), text: template(&blocks.text_of("body:text"), refs) }
        }
        "xml" => {
            Body::Raw { content_type: "application/xml".to_owned(), text: template(&blocks.text_of("body:xml"), refs) }
        }
        "sparql" => Body::Raw {
            content_type: "application/sparql-query".to_owned(),
            text: template(&blocks.text_of("body:sparql"), refs),
        },
        "graphql" => Body::Graphql {
            query: template(&blocks.text_of("body:graphql"), refs),
            variables: template(&blocks.text_of("body:graphql:vars"), refs),
        },
        "formurlencoded" | "form-urlencoded" => Body::Form {
            fields: key_values(rows3(blocks, "body:form-urlencoded"), refs),
            multipart: false,
            files: Vec::new(),
        },
        "multipartform" | "multipart-form" => {
            let (files, text): (Vec<_>, Vec<_>) = rows3(blocks, "body:multipart-form")
                .into_iter()
                .partition(|(_, v, _)| v.trim_start().starts_with("@file("));
            let fields = key_values(
                text.into_iter().map(|(k, v, on)| {
                    // A trailing `@contentType(…)` says how Bruno labels the part.
                    let v = v.split(" @contentType(").next().unwrap_or(&v).to_owned();
                    (k, v, on)
                }),
                refs,
            );
            Body::Form { fields, multipart: true, files: files.into_iter().map(|(k, _, _)| k).collect() }
        }
        "file" | "binary" => Body::File,
        _ => Body::None,
    };
    let auth_mode = field("auth");
    let auth = if auth_mode.trim().is_empty() {
        Some(Effective::NoAuth)
    } else {
        bru_auth(blocks, &auth_mode, item, plan, refs)
    };
    let mut expect = None;
    let mut checks = Vec::new();
    for row in blocks.rows_of("assert").into_iter().filter(|r| r.enabled) {
        match check(&row.key, &row.value) {
            Ok(status) if expect.is_none() => expect = Some(status),
            Ok(_) => {}
            Err(words) => checks.push(words),
        }
    }
    let query_rows = rows3(blocks, "params:query");
    Node::Request(Box::new(Req {
        name,
        seq,
        method: (*verb).to_owned(),
        url: template(&field("url"), refs),
        query: (!query_rows.is_empty()).then(|| key_values(query_rows, refs)),
        path: rows3(blocks, "params:path")
            .into_iter()
            .map(|(k, v, _)| (k.trim().to_owned(), template(&v, refs)))
            .collect(),
        headers: key_values(rows3(blocks, "headers"), refs),
        body,
        auth,
        variables: rows3(blocks, "vars:pre-request")
            .into_iter()
            .filter(|(_, _, on)| *on)
            .map(|(k, v, _)| (k, template(&v, refs)))
            .collect(),
        scripts: bru_scripts(blocks),
        docs: blocks.text_of("docs"),
        expect,
        checks,
        answer_vars: blocks.rows_of("vars:post-response").into_iter().filter(|r| r.enabled).map(|r| r.key).collect(),
    }))
}

fn bru_env(stem: &str, blocks: &[bru::Block]) -> Env {
    let mut secrets = Vec::new();
    for b in blocks.iter().filter(|b| b.name == "vars:secret") {
        if let bru::Body::List(items) = &b.body {
            secrets.extend(items.iter().cloned());
        }
    }
    Env {
        name: stem.to_owned(),
        variables: blocks.rows_of("vars").into_iter().filter(|r| r.enabled).map(|r| (r.key, r.value)).collect(),
        secrets,
    }
}
