//! Saved requests and the collections that hold them: the model, how a collection is ordered
//! and checked, and (in [`format`]) the plain-text files it is kept in.
//!
//! A collection is a folder the user chooses (often inside their own git repository): one small
//! collection file (`gatepass-collection.toml`: name, folder and request order, variables, notes)
//! and one file per request (`*.request.toml`), in sub-folders for the collection's folders. A
//! saved request belongs to no profile: it is sent with the active one, whose credential is
//! attached at send time. So a collection never holds a secret; a literal credential found in a
//! request is refused until it is moved into the keychain. Reading folders and writing files is
//! `infra::collections`; this module is pure.

pub mod format;
pub mod run;

use crate::core::request::{KeyValue, Method, RequestDraft};
use std::collections::BTreeMap;

/// The collection file at the root of a collection folder.
pub const COLLECTION_FILE: &str = "gatepass-collection.toml";
/// Every request file ends with this.
pub const REQUEST_SUFFIX: &str = ".request.toml";

/// Where a request file sits, relative to the collection folder, with `/` between parts:
/// `Orders/create-an-order.request.toml`. Derived from the file's place, never stored in it, so
/// it is stable across runs and readable in a diff.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestPath(String);

impl RequestPath {
    /// A path as found on disk; `None` when it is not a request file or leaves the collection.
    pub fn new(relative: &str) -> Option<Self> {
        let relative = relative.replace('\\', "/");
        let ok = relative.ends_with(REQUEST_SUFFIX)
            && !relative.starts_with('/')
            && relative.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
        ok.then_some(Self(relative))
    }

    /// The file for a request named `name` in `folder`.
    pub fn for_name(folder: &str, name: &str) -> Self {
        let stem = file_stem_for(name);
        Self(if folder.is_empty() {
            format!("{stem}{REQUEST_SUFFIX}")
        } else {
            format!("{folder}/{stem}{REQUEST_SUFFIX}")
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The folder part ("" at the collection's root).
    pub fn folder(&self) -> &str {
        self.0.rsplit_once('/').map_or("", |(folder, _)| folder)
    }

    /// The file name without the request suffix: how the collection file names it.
    pub fn stem(&self) -> &str {
        let file = self.0.rsplit_once('/').map_or(self.0.as_str(), |(_, file)| file);
        file.strip_suffix(REQUEST_SUFFIX).unwrap_or(file)
    }
}

impl std::fmt::Display for RequestPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file or folder name made from what the user typed: lower case words joined by `-`, only
/// letters, digits, `-` and `_`, never empty, never a name Windows refuses, at most 80 bytes.
pub fn file_stem_for(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.trim().chars() {
        if c.is_alphanumeric() || c == '_' {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
        if out.len() >= 80 {
            break;
        }
    }
    let reserved = ["con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "lpt1", "lpt2", "lpt3"];
    if out.is_empty() {
        "request".to_owned()
    } else if reserved.contains(&out.as_str()) {
        format!("{out}-request")
    } else {
        out
    }
}

/// A folder name as typed, made safe for a folder on disk: the path separators and characters
/// file systems refuse become spaces; `/` between parts is kept for nested folders.
pub fn folder_path_for(name: &str) -> String {
    name.split('/')
        .map(|part| {
            let cleaned: String = part
                .chars()
                .map(|c| if c.is_control() || "\\:*?\"<>|".contains(c) { ' ' } else { c })
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            cleaned.trim_matches('.').trim().to_owned()
        })
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// Which answers count as a pass when a collection is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpectedStatus {
    /// Any 2xx answer (the default).
    #[default]
    AnySuccess,
    /// Exactly this status.
    Exact(u16),
    /// Any status of this class: 4 means 4xx.
    Class(u8),
}

impl ExpectedStatus {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        if text == "2xx" || text == "any 2xx" || text.is_empty() {
            return Some(Self::AnySuccess);
        }
        if let Some(class) = text.strip_suffix("xx")
            && let Ok(digit) = class.parse::<u8>()
            && (1..=5).contains(&digit)
        {
            return Some(Self::Class(digit));
        }
        text.parse::<u16>().ok().filter(|s| (100..=599).contains(s)).map(Self::Exact)
    }

    pub fn text(self) -> String {
        match self {
            Self::AnySuccess => "2xx".to_owned(),
            Self::Exact(status) => status.to_string(),
            Self::Class(class) => format!("{class}xx"),
        }
    }

    pub fn matches(self, status: u16) -> bool {
        match self {
            Self::AnySuccess => (200..300).contains(&status),
            Self::Exact(expected) => status == expected,
            Self::Class(class) => status / 100 == u16::from(class),
        }
    }

    /// "any 2xx answer", "201", "any 4xx answer".
    pub fn words(self) -> String {
        match self {
            Self::AnySuccess => "any 2xx answer".to_owned(),
            Self::Exact(status) => status.to_string(),
            Self::Class(class) => format!("any {class}xx answer"),
        }
    }
}

/// One saved request, as the user edits it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SavedRequest {
    pub name: String,
    pub draft: RequestDraft,
    /// The permissions (scopes) the API needs for this request, e.g. `orders:write`. When the
    /// API accepts several sign-ins ([`Self::alternatives`]), every scope any of them names.
    pub required_scopes: Vec<String>,
    /// The sign-ins the API accepts for this request, when it names more than one (an `OpenAPI`
    /// operation's `security` alternatives): each with the scopes it needs. Empty: one way.
    pub alternatives: Vec<SignInAlternative>,
    pub expect: ExpectedStatus,
    pub notes: String,
}

/// The kind of sign-in an API names (`OpenAPI`'s security scheme types, coarsely).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInKind {
    /// No sign-in at all (an empty alternative: the request may go without one).
    None,
    ApiKey,
    Basic,
    Bearer,
    Digest,
    #[serde(rename = "oauth2")]
    OAuth2,
    OpenIdConnect,
    MutualTls,
    Other,
}

impl SignInKind {
    /// An `OpenAPI` security scheme's `type` (and, for `http`, its `scheme`).
    pub fn of_scheme(kind: &str, http_scheme: Option<&str>) -> Self {
        match (kind, http_scheme.map(str::to_ascii_lowercase).as_deref()) {
            ("apiKey", _) => Self::ApiKey,
            ("http", Some("basic")) | ("basic", _) => Self::Basic,
            ("http", Some("bearer")) => Self::Bearer,
            ("http", Some("digest")) => Self::Digest,
            ("oauth2", _) => Self::OAuth2,
            ("openIdConnect", _) => Self::OpenIdConnect,
            ("mutualTLS", _) => Self::MutualTls,
            _ => Self::Other,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::None => "no sign-in",
            Self::ApiKey => "an API key",
            Self::Basic => "a username and password (Basic)",
            Self::Bearer => "an access token",
            Self::Digest => "HTTP Digest",
            Self::OAuth2 => "OAuth 2",
            Self::OpenIdConnect => "OpenID Connect",
            Self::MutualTls => "a client certificate",
            Self::Other => "another sign-in",
        }
    }

    /// The kinds a profile's sign-in can stand for.
    fn of_profile(profile: &crate::core::profile::Profile) -> Vec<Self> {
        use crate::core::profile::AuthMethod;
        let mut kinds = match &profile.auth {
            AuthMethod::None => vec![Self::None],
            AuthMethod::ApiKey { .. } => vec![Self::ApiKey],
            AuthMethod::Basic { .. } => vec![Self::Basic],
            AuthMethod::Digest { .. } => vec![Self::Digest],
            AuthMethod::Bearer { .. } | AuthMethod::SignedJwt(_) => {
                vec![Self::Bearer, Self::OAuth2, Self::OpenIdConnect]
            }
            auth if auth.is_oauth() => vec![Self::OAuth2, Self::OpenIdConnect, Self::Bearer],
            _ => vec![Self::Other],
        };
        if profile.client_certificate.is_some() {
            kinds.push(Self::MutualTls);
        }
        kinds
    }
}

/// One way the API accepts a request: every kind of sign-in it needs at once, and the scopes.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SignInAlternative {
    /// The security schemes' names in the API's description (`petstore_auth`, `api_key`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemes: Vec<String>,
    pub kinds: Vec<SignInKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

impl SignInAlternative {
    /// `OAuth 2 (petstore_auth) with read:pets, write:pets`.
    pub fn words(&self) -> String {
        let kinds: Vec<String> = self
            .kinds
            .iter()
            .enumerate()
            .map(|(i, k)| match self.schemes.get(i) {
                Some(name) if *k != SignInKind::None => format!("{} ({name})", k.words()),
                _ => k.words().to_owned(),
            })
            .collect();
        let kinds = if kinds.is_empty() { SignInKind::None.words().to_owned() } else { kinds.join(" and ") };
        if self.scopes.is_empty() { kinds } else { format!("{kinds} with {}", self.scopes.join(", ")) }
    }
}

/// Which of a request's sign-in alternatives a profile can use, and the scopes that one needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeChoice {
    pub scopes: Vec<String>,
    /// The alternative the profile matches, when the API accepts more than one.
    pub alternative: Option<SignInAlternative>,
}

impl SavedRequest {
    /// The scopes to expect when this request goes with `profile`: with alternatives, those of
    /// the first one whose every sign-in the profile has (else the first it has any of, else
    /// the first), so an API key profile is not told it lacks an OAuth alternative's scopes.
    pub fn scopes_for(&self, profile: &crate::core::profile::Profile) -> ScopeChoice {
        if self.alternatives.is_empty() {
            return ScopeChoice { scopes: self.required_scopes.clone(), alternative: None };
        }
        let has = SignInKind::of_profile(profile);
        let covered = |alt: &&SignInAlternative| alt.kinds.iter().all(|k| has.contains(k));
        let touched = |alt: &&SignInAlternative| alt.kinds.iter().any(|k| has.contains(k));
        let chosen = self
            .alternatives
            .iter()
            .find(covered)
            .or_else(|| self.alternatives.iter().find(touched))
            .or_else(|| self.alternatives.first())
            .cloned();
        ScopeChoice { scopes: chosen.as_ref().map(|a| a.scopes.clone()).unwrap_or_default(), alternative: chosen }
    }
}

/// The collection file: what is not a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectionMeta {
    pub name: String,
    pub notes: String,
    /// Folders in the order the user put them, each with its requests' file stems in order.
    /// Folders and requests not listed follow, by name.
    pub order: Vec<FolderOrder>,
    /// `{{name}}` values for every request; a profile's own variable of the same name wins.
    pub variables: BTreeMap<String, String>,
}

/// One folder's place and the order of the requests in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FolderOrder {
    /// "" for the collection's root, `Orders`, `Orders/Refunds`.
    pub folder: String,
    pub requests: Vec<String>,
}

/// A request file as read: where it is, and what it holds or why it could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEntry {
    pub path: RequestPath,
    pub request: SavedRequest,
    /// Credentials written into the request itself (where the profile's should go). Such a
    /// request is not sent until they are moved into the keychain.
    pub literal_secrets: Vec<LiteralSecret>,
}

/// A credential found in a saved request, named without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralSecret {
    /// "header `X-Api-Key`", "query parameter `api_key`", "the body".
    pub place: String,
    pub fingerprint: String,
}

/// Something in the folder that could not be read; the rest of the collection still loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// The file or folder, relative to the collection folder.
    pub file: String,
    /// The 1-based line, when the problem is in a file's text.
    pub line: Option<usize>,
    pub words: String,
}

impl std::fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {line}: {}", self.file, self.words),
            None => write!(f, "{}: {}", self.file, self.words),
        }
    }
}

/// A collection as loaded: its file, its requests in sidebar order, and what could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Collection {
    pub meta: CollectionMeta,
    pub requests: Vec<RequestEntry>,
    pub problems: Vec<LoadProblem>,
}

impl Collection {
    /// Put the requests in the order the collection file gives; folders and requests it does not
    /// list follow by name.
    pub fn sort(&mut self) {
        let folder_rank = |folder: &str| self.meta.order.iter().position(|o| o.folder == folder);
        let request_rank = |path: &RequestPath| {
            self.meta
                .order
                .iter()
                .find(|o| o.folder == path.folder())
                .and_then(|o| o.requests.iter().position(|stem| stem == path.stem()))
        };
        let mut keyed: Vec<_> = std::mem::take(&mut self.requests)
            .into_iter()
            .map(|entry| {
                let folder = entry.path.folder().to_owned();
                let key = (
                    folder_rank(&folder).unwrap_or(usize::MAX),
                    folder.to_lowercase(),
                    request_rank(&entry.path).unwrap_or(usize::MAX),
                    entry.request.name.to_lowercase(),
                    entry.path.clone(),
                );
                (key, entry)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        self.requests = keyed.into_iter().map(|(_, entry)| entry).collect();
    }

    /// Requests that share a name with an earlier one in the same folder: both load, but runs and
    /// reports could not tell them apart.
    pub fn duplicate_names(&self) -> Vec<LoadProblem> {
        let mut seen: BTreeMap<(String, String), &RequestPath> = BTreeMap::new();
        let mut problems = Vec::new();
        for entry in &self.requests {
            let key = (entry.path.folder().to_owned(), entry.request.name.to_lowercase());
            if let Some(first) = seen.get(&key) {
                problems.push(LoadProblem {
                    file: entry.path.to_string(),
                    line: None,
                    words: format!(
                        "Another request in this folder has the same name, \"{}\" ({first}). Both are loaded; rename one so runs and reports can tell them apart.",
                        entry.request.name
                    ),
                });
            } else {
                seen.insert(key, &entry.path);
            }
        }
        problems
    }

    /// The folders, in sidebar order ("" for the root when it holds requests).
    pub fn folders(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for entry in &self.requests {
            let folder = entry.path.folder();
            if out.last().is_none_or(|last| last != folder) && !out.iter().any(|f| f == folder) {
                out.push(folder.to_owned());
            }
        }
        for listed in &self.meta.order {
            if !out.contains(&listed.folder) {
                out.push(listed.folder.clone());
            }
        }
        out
    }

    pub fn request(&self, path: &RequestPath) -> Option<&RequestEntry> {
        self.requests.iter().find(|entry| &entry.path == path)
    }

    /// A request by its name, or its folder and name (`Orders/Create an order`), or its file.
    pub fn find(&self, wanted: &str) -> Option<&RequestEntry> {
        let wanted = wanted.trim();
        self.requests.iter().find(|e| e.path.as_str() == wanted).or_else(|| {
            let (folder, name) = wanted.rsplit_once('/').unwrap_or(("", wanted));
            self.requests
                .iter()
                .find(|e| e.request.name.eq_ignore_ascii_case(name) && (folder.is_empty() || e.path.folder() == folder))
        })
    }

    /// Record `path` at the end of its folder's order (a new or moved request), and its folder
    /// after the others when it is new.
    pub fn place_last(&mut self, path: &RequestPath) {
        self.unplace(path);
        let folder = path.folder().to_owned();
        if let Some(order) = self.meta.order.iter_mut().find(|o| o.folder == folder) {
            order.requests.push(path.stem().to_owned());
        } else {
            self.meta.order.push(FolderOrder { folder, requests: vec![path.stem().to_owned()] });
        }
    }

    /// Forget `path` in the order (a deleted or moved request).
    pub fn unplace(&mut self, path: &RequestPath) {
        if let Some(order) = self.meta.order.iter_mut().find(|o| o.folder == path.folder()) {
            order.requests.retain(|stem| stem != path.stem());
        }
    }

    /// A file for a new request named `name` in `folder` that no other request uses.
    pub fn free_path(&self, folder: &str, name: &str) -> RequestPath {
        let first = RequestPath::for_name(folder, name);
        if self.request(&first).is_none() {
            return first;
        }
        (2..=self.requests.len() + 2)
            .map(|n| RequestPath::for_name(folder, &format!("{name} {n}")))
            .find(|path| self.request(path).is_none())
            .unwrap_or(first)
    }
}

/// The credentials written into a request where the profile's should go, named without values.
pub fn literal_secrets(draft: &RequestDraft) -> Vec<LiteralSecret> {
    crate::core::curl::credentials_in_draft(draft)
        .into_iter()
        .map(|found| LiteralSecret { place: found.source.words(), fingerprint: found.fingerprint() })
        .collect()
}

/// The draft with the collection's `{{variables}}` filled in where the profile has no variable of
/// that name (the profile's wins). `{{secret:…}}` and unknown names are left for `prepare`.
pub fn apply_variables(
    draft: &RequestDraft,
    variables: &BTreeMap<String, String>,
    profile_variables: &BTreeMap<String, String>,
) -> RequestDraft {
    if variables.is_empty() {
        return draft.clone();
    }
    let fill = |text: &str| -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = after[..end].trim();
            match variables.get(name) {
                Some(value) if !profile_variables.contains_key(name) && name != "base_url" => out.push_str(value),
                _ => out.push_str(&rest[start..start + 2 + end + 2]),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    };
    let rows = |rows: &[KeyValue]| -> Vec<KeyValue> {
        rows.iter().map(|r| KeyValue { enabled: r.enabled, name: fill(&r.name), value: fill(&r.value) }).collect()
    };
    let mut out = draft.clone();
    out.url = fill(&draft.url);
    out.query = rows(&draft.query);
    out.headers = rows(&draft.headers);
    out.body = match &draft.body {
        crate::core::request::BodyDraft::Json { text } => crate::core::request::BodyDraft::Json { text: fill(text) },
        crate::core::request::BodyDraft::Form { fields } => {
            crate::core::request::BodyDraft::Form { fields: rows(fields) }
        }
        crate::core::request::BodyDraft::Raw { content_type, text } => {
            crate::core::request::BodyDraft::Raw { content_type: fill(content_type), text: fill(text) }
        }
        crate::core::request::BodyDraft::None => crate::core::request::BodyDraft::None,
    };
    out
}

/// Whether a request can change data (anything but GET, HEAD and OPTIONS).
pub fn is_write(method: Method) -> bool {
    !method.is_read_only()
}

#[cfg(test)]
mod tests;
