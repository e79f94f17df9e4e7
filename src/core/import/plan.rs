//! What every importer produces: an [`ImportPlan`] — the collection to write, the profiles to
//! create, and the secrets to move into the keychain — before anything is written.
//!
//! Importers (`OpenAPI`, Postman, Insomnia, Bruno, HAR) build requests and profile suggestions
//! with the values exactly as the document has them, then call [`ImportPlan::finish`]: one place
//! decides what is a secret (auth fields, secret-looking names, what the credential detector
//! finds), takes it out of the requests and variables, and leaves `{{secret:name}}` or the
//! profile's sign-in method in its place. So every format follows the same rule, and a test can
//! check that no value listed in [`ImportPlan::secrets`] is left in any request.

use crate::core::collection::SavedRequest;
use crate::core::profile::{AuthMethod, Environment, KeyPlacement, Profile, SecretRef};
use crate::core::request::BodyDraft;
use crate::core::secret::Secret;
use std::collections::BTreeMap;

/// Something in the document that was not imported, and why, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The request, folder, field or file it is about: `POST /v1/orders`, `Orders/Create (test script)`.
    pub item: String,
    pub why: String,
}

/// One request and the folder (`/` between parts, "" for the root) it goes in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRequest {
    pub folder: String,
    pub request: SavedRequest,
}

/// A sign-in method as the document gives it: values are literal text or `{{variable}}`
/// references, resolved against the profile's and the collection's variables by `finish`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PlannedAuth {
    #[default]
    None,
    ApiKey {
        name: String,
        placement: KeyPlacement,
        value: String,
    },
    Bearer {
        token: String,
    },
    Basic {
        username: String,
        password: String,
    },
    Digest {
        username: String,
        password: String,
    },
    OAuthClientCredentials {
        token_url: String,
        client_id: String,
        client_secret: String,
        scopes: Vec<String>,
    },
    OAuthAuthorizationCode {
        authorize_url: String,
        token_url: String,
        client_id: String,
        scopes: Vec<String>,
    },
    AwsSigV4 {
        access_key_id: String,
        secret_access_key: String,
        region: String,
        service: String,
    },
}

impl PlannedAuth {
    /// The method's words, for summaries.
    pub fn words(&self) -> &'static str {
        match self {
            Self::None => "no sign-in",
            Self::ApiKey { .. } => "API key",
            Self::Bearer { .. } => "bearer token",
            Self::Basic { .. } => "user name and password",
            Self::Digest { .. } => "Digest",
            Self::OAuthClientCredentials { .. } => "OAuth client credentials",
            Self::OAuthAuthorizationCode { .. } => "OAuth sign-in in the browser",
            Self::AwsSigV4 { .. } => "AWS Signature Version 4",
        }
    }
}

/// A profile the import suggests: from an `OpenAPI` server, a Postman environment, an Insomnia or
/// Bruno environment, or the collection's own auth when there is no environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedProfile {
    pub name: String,
    pub environment: Environment,
    pub base_url: String,
    pub auth: PlannedAuth,
    /// Variables as the document gives them (secret ones included: `finish` moves them).
    pub variables: BTreeMap<String, String>,
    /// Names of variables the document marks as secret (Postman `type: secret`, Bruno secret vars).
    pub secret_names: Vec<String>,
    pub expected_scopes: Vec<String>,
    pub notes: String,
}

impl PlannedProfile {
    pub fn new(name: impl Into<String>, environment: Environment, base_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            environment,
            base_url: base_url.into(),
            auth: PlannedAuth::None,
            variables: BTreeMap::new(),
            secret_names: Vec::new(),
            expected_scopes: Vec::new(),
            notes: String::new(),
        }
    }
}

/// A secret taken out of the document, on its way to one profile's keychain entry.
#[derive(Clone)]
pub struct MovedSecret {
    /// Index into [`ImportPlan::profiles`] of the profile whose keychain entry it goes to.
    pub profile: usize,
    pub slot: SecretRef,
    /// Where it was found, for the preview: "auth of the collection (token)", "header `X-Api-Key` of GET /me".
    pub found_in: String,
    pub value: Secret,
}

impl std::fmt::Debug for MovedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MovedSecret")
            .field("profile", &self.profile)
            .field("slot", &self.slot)
            .field("found_in", &self.found_in)
            .field("value", &self.value)
            .finish()
    }
}

/// Everything an import will write, shown as a preview first.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// The summary's `format`: `openapi-3.1`, `swagger-2.0`, `postman-2.1`, `postman-3.0`,
    /// `postman-environment`, `insomnia-4`, `insomnia-5`, `bruno`, `opencollection`, `har-1.2`.
    pub format: String,
    /// The collection's name (the document's title).
    pub name: String,
    pub notes: String,
    /// Every folder, in document order, empty ones included (`/` between parts).
    pub folders: Vec<String>,
    pub requests: Vec<PlannedRequest>,
    /// The collection's own variables (secret ones are moved by `finish`).
    pub variables: BTreeMap<String, String>,
    /// The sign-in method the collection itself declares (Postman collection `auth`, …), given to
    /// every suggested profile that has none of its own.
    pub collection_auth: PlannedAuth,
    pub profiles: Vec<PlannedProfile>,
    pub skipped: Vec<Skipped>,
    /// Filled by `finish`: the profiles to create, each with its new id and keychain slots.
    pub finished_profiles: Vec<Profile>,
    /// Filled by `finish`: the secrets to store before anything is written.
    pub secrets: Vec<MovedSecret>,
}

impl ImportPlan {
    pub fn new(format: impl Into<String>, name: impl Into<String>) -> Self {
        Self { format: format.into(), name: name.into(), ..Default::default() }
    }

    pub fn skip(&mut self, item: impl Into<String>, why: impl Into<String>) {
        self.skipped.push(Skipped { item: item.into(), why: why.into() });
    }

    /// Add a folder (and its parents) once, in the order first seen.
    pub fn add_folder(&mut self, folder: &str) {
        let mut path = String::new();
        for part in folder.split('/').filter(|p| !p.is_empty()) {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(part);
            if !self.folders.contains(&path) {
                self.folders.push(path.clone());
            }
        }
    }

    pub fn add_request(&mut self, folder: &str, request: SavedRequest) {
        self.add_folder(folder);
        self.requests.push(PlannedRequest { folder: folder.to_owned(), request });
    }

    /// Turn the suggestions into profiles and take every secret out of requests and variables.
    /// With no suggested profile, one is made from the collection's name so the secrets have a
    /// home. Idempotent: a second call changes nothing.
    pub fn finish(&mut self) {
        if !self.finished_profiles.is_empty() {
            return;
        }
        if self.profiles.is_empty() {
            let base = self.variables.get("base_url").or_else(|| self.variables.get("baseUrl")).cloned();
            self.profiles.push(PlannedProfile::new(
                self.name.clone(),
                Environment::Sandbox,
                base.filter(|b| !b.contains("{{")).unwrap_or_default(),
            ));
        }
        // Collection variables that hold secrets go to every profile (the first when several).
        let secret_collection_vars: Vec<(String, String)> = self
            .variables
            .iter()
            .filter(|(k, v)| looks_secret_name(k, true) && is_literal(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, _) in &secret_collection_vars {
            self.variables.remove(key);
        }
        self.absorb_auth_headers();
        let profiles = std::mem::take(&mut self.profiles);
        for (index, planned) in profiles.iter().enumerate() {
            let mut profile = Profile::new(planned.name.clone(), planned.environment.clone(), planned.base_url.clone());
            profile.expected_scopes.clone_from(&planned.expected_scopes);
            profile.notes.clone_from(&planned.notes);
            let lookup = |text: &str| resolve(text, &planned.variables, &self.variables);
            let auth = if planned.auth == PlannedAuth::None { &self.collection_auth } else { &planned.auth };
            let (method, secrets) = auth_method(auth, &profile, &lookup);
            profile.auth = method;
            for (slot, value, field) in secrets {
                self.secrets.push(MovedSecret {
                    profile: index,
                    slot,
                    found_in: format!("the sign-in of profile {} ({field})", planned.name),
                    value: Secret::new(value),
                });
            }
            for (key, value) in &planned.variables {
                let secret = planned.secret_names.contains(key) || looks_secret_name(key, true);
                if secret {
                    if is_literal(value) && !value.trim().is_empty() {
                        let slot = Profile::secret_variable_slot(&profile.id, key);
                        profile.secret_variables.insert(key.clone(), slot.clone());
                        self.secrets.push(MovedSecret {
                            profile: index,
                            slot,
                            found_in: format!("variable `{key}` of profile {}", planned.name),
                            value: Secret::new(value.clone()),
                        });
                    }
                } else {
                    profile.variables.insert(key.clone(), value.clone());
                }
            }
            if index == 0 {
                for (key, value) in &secret_collection_vars {
                    let slot = Profile::secret_variable_slot(&profile.id, key);
                    profile.secret_variables.insert(key.clone(), slot.clone());
                    self.secrets.push(MovedSecret {
                        profile: index,
                        slot,
                        found_in: format!("collection variable `{key}`"),
                        value: Secret::new(value.clone()),
                    });
                }
            }
            self.finished_profiles.push(profile);
        }
        self.profiles = profiles;
        let mut requests = std::mem::take(&mut self.requests);
        for planned in &mut requests {
            self.scrub_request(planned);
        }
        // A value moved from one request is taken out of every other one that repeats it.
        for secret in self.secrets.iter().filter(|s| s.value.len() >= 4) {
            let value = secret.value.expose();
            let placeholder = match secret.slot.0.split_once("/var/") {
                Some((_, name)) => secret_placeholder(name),
                None => "(moved to the keychain)".to_owned(),
            };
            for planned in &mut requests {
                replace_everywhere(&mut planned.request.draft, value, &placeholder);
                if planned.request.notes.contains(value) {
                    planned.request.notes = planned.request.notes.replace(value, "(moved to the keychain)");
                }
            }
        }
        self.requests = requests;
    }

    /// Take literal credentials out of one request. A credential the detector recognises in a
    /// header or the query (`Authorization: Bearer …`, `X-Api-Key`, `?api_key=`) becomes the first
    /// profile's sign-in method when it has none or the same one, and leaves the request; other
    /// secret-looking values (by name: headers, query, form fields, JSON keys) go to the
    /// profile's keychain entries and the request keeps `{{secret:name}}`.
    fn scrub_request(&mut self, planned: &mut PlannedRequest) {
        use crate::core::curl::CredentialSource;
        let label = format!("{} {}", planned.request.draft.method.as_str(), planned.request.name);
        let draft = &mut planned.request.draft;
        let mut moved: Vec<(String, String, String)> = Vec::new(); // (name, value, place)
        // Credentials in the address itself become query rows first, so one pass handles both.
        let (base, url_query) = crate::core::curl::split_query(&draft.url);
        if !url_query.is_empty() && url_query.iter().any(|r| is_literal(&r.value)) {
            draft.url = base;
            let mut rows = url_query;
            rows.append(&mut draft.query);
            draft.query = rows;
        }
        // Headers first: `Authorization` says best how the API wants its credential.
        let mut found_all = crate::core::curl::credentials_in_draft(draft);
        found_all.sort_by_key(|f| !matches!(f.source, CredentialSource::Header(_)));
        for found in found_all {
            let value = found.secret.expose().to_owned();
            if value.trim().is_empty() || !is_literal(&value) {
                continue;
            }
            let (rows, row_name) = match &found.source {
                CredentialSource::Header(name) => (&mut draft.headers, name.clone()),
                CredentialSource::Query(name) => (&mut draft.query, name.clone()),
                CredentialSource::Body => {
                    // A key written into a body: the body keeps `{{secret:…}}`, filled at send time.
                    let name = self.free_secret_name("body_secret", &moved);
                    let before = draft.clone();
                    replace_everywhere(draft, &value, &secret_placeholder(&name));
                    if *draft != before && !written_body(draft).contains(&value) {
                        moved.push((name, value, format!("the body of {label}")));
                    } else {
                        *draft = before;
                    }
                    continue;
                }
                _ => continue,
            };
            let profile = &mut self.finished_profiles[0];
            if profile.auth == AuthMethod::None {
                profile.auth = found.suggested.to_auth_method(&profile.id);
            }
            let slot = profile.auth.secret_ref().cloned();
            let same_way = found.suggested.matches(&profile.auth);
            let stored = slot.as_ref().and_then(|slot| self.secrets.iter().find(|s| &s.slot == slot));
            let takes_it = same_way && stored.is_none_or(|s| s.value.expose() == value);
            if let (true, Some(slot)) = (takes_it, slot) {
                rows.retain(|r| !(r.name.eq_ignore_ascii_case(&row_name) && r.value.contains(&value)));
                if stored.is_none() {
                    self.secrets.push(MovedSecret {
                        profile: 0,
                        slot,
                        found_in: format!("{} of {label}", found.source.words()),
                        value: Secret::new(value),
                    });
                }
                draft.send_credential = true;
            } else {
                let name = self.free_secret_name(&row_name, &moved);
                let placeholder = secret_placeholder(&name);
                replace_everywhere(draft, &value, &placeholder);
                moved.push((name, value, format!("{} of {label}", found.source.words())));
            }
        }
        for row in &mut draft.headers {
            if is_literal(&row.value) && !row.value.trim().is_empty() && looks_secret_header(&row.name) {
                let name = self.free_secret_name(&row.name, &moved);
                moved.push((name.clone(), row.value.clone(), format!("header `{}` of {label}", row.name)));
                row.value = secret_placeholder(&name);
            }
        }
        for row in &mut draft.query {
            if is_literal(&row.value) && !row.value.trim().is_empty() && looks_secret_name(&row.name, true) {
                let name = self.free_secret_name(&row.name, &moved);
                moved.push((name.clone(), row.value.clone(), format!("query parameter `{}` of {label}", row.name)));
                row.value = secret_placeholder(&name);
            }
        }
        match &mut draft.body {
            BodyDraft::Form { fields } => {
                for row in fields {
                    if is_literal(&row.value) && !row.value.trim().is_empty() && looks_secret_name(&row.name, true) {
                        let name = self.free_secret_name(&row.name, &moved);
                        moved.push((name.clone(), row.value.clone(), format!("form field `{}` of {label}", row.name)));
                        row.value = secret_placeholder(&name);
                    }
                }
            }
            BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => {
                for (key, value) in json_string_pairs(text) {
                    if is_literal(&value) && !value.trim().is_empty() && looks_secret_name(&key, false) {
                        let quoted_value = serde_json::to_string(&value).unwrap_or_default();
                        if text.contains(&quoted_value) {
                            let name = self.free_secret_name(&key, &moved);
                            let quoted_placeholder =
                                serde_json::to_string(&secret_placeholder(&name)).unwrap_or_default();
                            *text = text.replace(&quoted_value, &quoted_placeholder);
                            moved.push((name, value, format!("body field `{key}` of {label}")));
                        }
                    }
                }
            }
            BodyDraft::None => {}
        }
        for (name, value, place) in moved {
            // The same value elsewhere in this request (a `code` query parameter repeated in the
            // JSON body) goes too.
            if value.len() >= 4 {
                replace_everywhere(draft, &value, &secret_placeholder(&name));
            }
            // The same value met again (in another request) keeps its first name.
            if let Some(existing) = self.secrets.iter().find(|s| s.value.expose() == value) {
                let existing_name = existing.slot.0.rsplit('/').next().unwrap_or_default().to_owned();
                if existing_name != name {
                    replace_everywhere(draft, &secret_placeholder(&name), &secret_placeholder(&existing_name));
                }
                continue;
            }
            let profile = &mut self.finished_profiles[0];
            let slot = Profile::secret_variable_slot(&profile.id, &name);
            profile.secret_variables.insert(name.clone(), slot.clone());
            self.secrets.push(MovedSecret { profile: 0, slot, found_in: place, value: Secret::new(value) });
        }
        // Notes (scripts, descriptions) are written too: a moved value never stays there.
        for secret in self.secrets.iter().filter(|s| s.value.len() >= 4) {
            if planned.request.notes.contains(secret.value.expose()) {
                planned.request.notes = planned.request.notes.replace(secret.value.expose(), "(moved to the keychain)");
            }
        }
    }

    /// `Authorization: Bearer {{token}}` or `X-Api-Key: {{key}}` written into requests by hand:
    /// when the collection declares no sign-in, the most common such header becomes it, and the
    /// requests that carry it drop it (the profile sends it).
    fn absorb_auth_headers(&mut self) {
        if self.collection_auth != PlannedAuth::None {
            return;
        }
        let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
        for planned in &self.requests {
            for row in planned.request.draft.headers.iter().filter(|r| r.enabled) {
                if !is_literal(&row.value) && row.value.contains("{{") && looks_secret_header(&row.name) {
                    *counts.entry((row.name.to_ascii_lowercase(), row.value.trim().to_owned())).or_default() += 1;
                }
            }
        }
        let Some(((name, value), _)) = counts.into_iter().max_by_key(|(_, n)| *n) else { return };
        let lower = value.to_ascii_lowercase();
        let auth = if name == "authorization" && lower.starts_with("bearer ") {
            PlannedAuth::Bearer { token: value[7..].trim().to_owned() }
        } else if name == "authorization" {
            return;
        } else {
            let header = self
                .requests
                .iter()
                .flat_map(|p| &p.request.draft.headers)
                .find(|r| r.name.eq_ignore_ascii_case(&name))
                .map_or(name.clone(), |r| r.name.clone());
            PlannedAuth::ApiKey { name: header, placement: KeyPlacement::Header, value: value.clone() }
        };
        self.collection_auth = auth;
        for planned in &mut self.requests {
            let headers = &mut planned.request.draft.headers;
            let before = headers.len();
            headers.retain(|r| !(r.name.eq_ignore_ascii_case(&name) && r.value.trim() == value));
            if headers.len() != before {
                planned.request.draft.send_credential = true;
            }
        }
    }

    /// A keychain name for a moved value: the field's own name, made unique among this profile's.
    fn free_secret_name(&self, wanted: &str, pending: &[(String, String, String)]) -> String {
        let base: String = wanted
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c.to_ascii_lowercase() } else { '_' })
            .collect();
        let base = if base.trim_matches('_').is_empty() { "secret".to_owned() } else { base };
        let taken = |name: &str| {
            self.finished_profiles.first().is_some_and(|p| p.secret_variables.contains_key(name))
                || pending.iter().any(|(n, _, _)| n == name)
        };
        if !taken(&base) {
            return base;
        }
        (2..10_000).map(|n| format!("{base}_{n}")).find(|name| !taken(name)).unwrap_or(base)
    }

    /// Every text a written file would hold (request fields, variables, notes, profile fields),
    /// for the check that no moved secret is left behind.
    pub fn written_texts(&self) -> Vec<String> {
        let mut out = vec![self.name.clone(), self.notes.clone()];
        out.extend(self.variables.iter().flat_map(|(k, v)| [k.clone(), v.clone()]));
        for planned in &self.requests {
            let r = &planned.request;
            out.push(r.name.clone());
            out.push(r.notes.clone());
            out.push(r.draft.url.clone());
            out.extend(r.draft.headers.iter().chain(&r.draft.query).map(|kv| format!("{}: {}", kv.name, kv.value)));
            out.push(written_body(&r.draft));
        }
        for profile in &self.finished_profiles {
            out.push(serde_json::to_string(profile).unwrap_or_default());
        }
        out
    }

    /// Moved secrets still found in what would be written (should be none).
    pub fn leaks(&self) -> Vec<String> {
        let texts = self.written_texts();
        self.secrets
            .iter()
            .filter(|s| s.value.len() >= 4 && texts.iter().any(|t| t.contains(s.value.expose())))
            .map(|s| s.found_in.clone())
            .collect()
    }
}

fn written_body(draft: &crate::core::request::RequestDraft) -> String {
    match &draft.body {
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => text.clone(),
        BodyDraft::Form { fields } => fields.iter().map(|f| f.value.as_str()).collect::<Vec<_>>().join("&"),
        BodyDraft::None => String::new(),
    }
}

/// `{{secret:name}}`.
pub fn secret_placeholder(name: &str) -> String {
    format!("{{{{{}{name}}}}}", crate::core::request::SECRET_VARIABLE_PREFIX)
}

/// Is this text a value of its own, not only `{{variable}}` references (with an optional scheme
/// word such as `Bearer {{token}}`)?
pub fn is_literal(value: &str) -> bool {
    let mut rest = value.trim();
    for scheme in ["bearer ", "basic ", "token ", "digest ", "oauth "] {
        // `get`: a value may start with a multi-byte character (`我应该…`), not a char boundary at 7.
        if rest.len() > scheme.len() && rest.get(..scheme.len()).is_some_and(|p| p.eq_ignore_ascii_case(scheme)) {
            rest = rest[scheme.len()..].trim_start();
            break;
        }
    }
    let mut without_refs = String::new();
    let mut tail = rest;
    while let Some(start) = tail.find("{{") {
        without_refs.push_str(&tail[..start]);
        if let Some(end) = tail[start..].find("}}") {
            tail = &tail[start + end + 2..];
        } else {
            tail = "";
            without_refs.push('{');
        }
    }
    without_refs.push_str(tail);
    !without_refs.trim().is_empty()
}

/// Does a field, header or variable name look like it holds a credential? Lower-cased, without
/// anything but letters and digits: one of the credential words, or ending in one (so
/// `accessTokenUrl`, `token_type_hint` and `sessionId` do not count). A bare `code` (an OAuth
/// authorization code) counts in query and form fields, not as a JSON key (where it is usually a
/// product or country code): `allow_code`.
pub fn looks_secret_name(name: &str, allow_code: bool) -> bool {
    const EXACT: [&str; 19] = [
        "key",
        "pin",
        "cvv",
        "cvv2",
        "pan",
        "code",
        "auth",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "signature",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "pass",
        "pwd",
    ];
    const SUFFIX: [&str; 16] = [
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
        "subscriptionkey",
        "sessionkey",
        "credentials",
        "signature",
        "authorization",
        "authcode",
        "authorizationcode",
        "cookie",
    ];
    let n: String = name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    if n.is_empty() || (n == "code" && !allow_code) {
        return false;
    }
    EXACT.contains(&n.as_str()) || SUFFIX.iter().any(|s| n.ends_with(s))
}

/// A header that carries a credential: `Authorization`, `Cookie`, `X-Api-Key`, `*-Token`, ….
pub fn looks_secret_header(name: &str) -> bool {
    let n: String = name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    looks_secret_name(name, false) || n.ends_with("key") && (n.contains("api") || n.contains("subscription"))
}

/// Does this value look like a placeholder a person must replace (`YOUR_KEY`, `<token>`, `xxxx`)?
pub fn looks_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.starts_with("your_")
        || v.starts_with("your-")
        || v.starts_with("your ")
        || (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with("xxx")
        || v.starts_with("***")
        || v.starts_with("...")
        || v.starts_with("enter")
        || v.starts_with("changeme")
        || v.starts_with("change-me")
        || v.starts_with("change_me")
        || v.starts_with("replace")
}

/// Fill `{{name}}` references from the profile's variables, then the collection's; unknown
/// names stay as they are.
fn resolve(text: &str, profile: &BTreeMap<String, String>, collection: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    let mut depth = 0;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match profile.get(name).or_else(|| collection.get(name)) {
            Some(value) if depth < 8 && !value.contains(&format!("{{{{{name}}}}}")) => {
                depth += 1;
                out.push_str(&resolve(value, profile, collection));
            }
            _ => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The profile's method with keychain slots, and the values to store in them.
fn auth_method(
    auth: &PlannedAuth,
    profile: &Profile,
    lookup: &dyn Fn(&str) -> String,
) -> (AuthMethod, Vec<(SecretRef, String, &'static str)>) {
    let id = &profile.id;
    let mut secrets = Vec::new();
    let mut keep = |slot: &SecretRef, raw: &str, field: &'static str| {
        let value = lookup(raw);
        let value = strip_scheme(&value);
        if !value.trim().is_empty() && is_literal(&value) && !looks_placeholder(&value) {
            secrets.push((slot.clone(), value.trim().to_owned(), field));
        }
    };
    let method = match auth {
        PlannedAuth::None => AuthMethod::None,
        PlannedAuth::ApiKey { name, placement, value } => {
            let key = SecretRef::for_profile(id, "api_key");
            keep(&key, value, "API key");
            AuthMethod::ApiKey { name: lookup(name), placement: *placement, key }
        }
        PlannedAuth::Bearer { token } => {
            let slot = SecretRef::for_profile(id, "token");
            keep(&slot, token, "token");
            AuthMethod::Bearer { token: slot }
        }
        PlannedAuth::Basic { username, password } => {
            let slot = SecretRef::for_profile(id, "password");
            keep(&slot, password, "password");
            AuthMethod::Basic { username: lookup(username), password: slot }
        }
        PlannedAuth::Digest { username, password } => {
            let slot = SecretRef::for_profile(id, "password");
            keep(&slot, password, "password");
            AuthMethod::Digest { username: lookup(username), password: slot }
        }
        PlannedAuth::OAuthClientCredentials { token_url, client_id, client_secret, scopes } => {
            let mut cc = crate::core::profile::ClientCredentials::new(id);
            cc.token_url = lookup(token_url);
            cc.client_id = lookup(client_id);
            cc.scopes.clone_from(scopes);
            keep(&cc.client_secret.clone(), client_secret, "client secret");
            AuthMethod::OAuthClientCredentials(cc)
        }
        PlannedAuth::OAuthAuthorizationCode { authorize_url, token_url, client_id, scopes } => {
            let mut sign_in = crate::core::profile::UserSignIn::new(id);
            sign_in.authorization_url = lookup(authorize_url);
            sign_in.token_url = lookup(token_url);
            sign_in.client_id = lookup(client_id);
            sign_in.scopes.clone_from(scopes);
            AuthMethod::OAuthAuthorizationCode(sign_in)
        }
        PlannedAuth::AwsSigV4 { access_key_id, secret_access_key, region, service } => {
            let mut aws = crate::core::profile::AwsSigV4::new(id);
            aws.access_key_id = lookup(access_key_id);
            aws.region = lookup(region);
            aws.service = lookup(service);
            keep(&aws.secret_access_key.clone(), secret_access_key, "secret access key");
            AuthMethod::AwsSigV4(aws)
        }
    };
    (method, secrets)
}

fn strip_scheme(value: &str) -> String {
    let trimmed = value.trim();
    for scheme in ["Bearer ", "bearer ", "Basic ", "Token "] {
        if let Some(rest) = trimmed.strip_prefix(scheme) {
            return rest.trim().to_owned();
        }
    }
    trimmed.to_owned()
}

/// `"key": "string value"` pairs anywhere in a JSON text (or JSON-like text with variables in it).
fn json_string_pairs(text: &str) -> Vec<(String, String)> {
    fn walk(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if let serde_json::Value::String(s) = v {
                        out.push((k.clone(), s.clone()));
                    } else {
                        walk(v, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        walk(&value, &mut out);
    }
    out
}

fn replace_everywhere(draft: &mut crate::core::request::RequestDraft, value: &str, placeholder: &str) {
    draft.url = draft.url.replace(value, placeholder);
    for row in draft.headers.iter_mut().chain(draft.query.iter_mut()) {
        row.value = row.value.replace(value, placeholder);
    }
    match &mut draft.body {
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => *text = text.replace(value, placeholder),
        BodyDraft::Form { fields } => {
            for row in fields {
                row.value = row.value.replace(value, placeholder);
            }
        }
        BodyDraft::None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::request::{KeyValue, Method, RequestDraft};

    fn request(name: &str, headers: &[(&str, &str)], url: &str, body: BodyDraft) -> SavedRequest {
        SavedRequest {
            name: name.to_owned(),
            draft: RequestDraft {
                method: Method::Post,
                url: url.to_owned(),
                headers: headers
                    .iter()
                    .map(|(n, v)| KeyValue { enabled: true, name: (*n).to_owned(), value: (*v).to_owned() })
                    .collect(),
                body,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn a_bearer_header_becomes_the_profile_method_and_other_secrets_become_references() {
        let mut plan = ImportPlan::new("postman-2.1", "Shop");
        plan.variables.insert("client_secret".to_owned(), "cs_9f8e7d6c5b4a".to_owned());
        plan.variables.insert("region".to_owned(), "eu".to_owned());
        plan.add_request(
            "Orders",
            request(
                "Create",
                &[("Authorization", "Bearer tok_abcdefghijklmnop1234"), ("Accept", "application/json")],
                "https://api.shop.example/orders?access_token=qt_1234567890abcdef",
                BodyDraft::Json { text: r#"{"item": 3, "pin": "4321"}"#.to_owned() },
            ),
        );
        plan.add_request(
            "Orders",
            request(
                "List",
                &[("Authorization", "Bearer tok_abcdefghijklmnop1234")],
                "https://api.shop.example/orders",
                BodyDraft::None,
            ),
        );
        plan.finish();
        assert!(plan.leaks().is_empty(), "{:?}", plan.leaks());
        let profile = &plan.finished_profiles[0];
        assert!(matches!(profile.auth, AuthMethod::Bearer { .. }), "{:?}", profile.auth);
        // The token once (two requests carried it), the query token, the pin, the client secret.
        assert_eq!(plan.secrets.len(), 4, "{:?}", plan.secrets.iter().map(|s| &s.found_in).collect::<Vec<_>>());
        let create = &plan.requests[0].request.draft;
        assert!(create.headers.iter().all(|h| h.name != "Authorization"), "{:?}", create.headers);
        assert_eq!(create.body, BodyDraft::Json { text: r#"{"item": 3, "pin": "{{secret:pin}}"}"#.to_owned() });
        assert!(!plan.variables.contains_key("client_secret"));
        assert_eq!(plan.variables.get("region").map(String::as_str), Some("eu"));
        assert!(profile.secret_variables.contains_key("client_secret"));
        let texts = plan.written_texts().join("\n");
        for secret in ["tok_abcdefghijklmnop1234", "qt_1234567890abcdef", "4321", "cs_9f8e7d6c5b4a"] {
            assert!(!texts.contains(secret), "{secret} is still in the files");
        }
    }

    #[test]
    fn a_header_that_only_names_a_variable_becomes_the_collection_sign_in() {
        let mut plan = ImportPlan::new("insomnia-4", "Api");
        let mut profile = PlannedProfile::new("Api — Sandbox", Environment::Sandbox, "https://sandbox.api.example");
        profile.variables.insert("api_key".to_owned(), "sbx_key_0011223344556677".to_owned());
        plan.profiles.push(profile);
        plan.add_request("", request("Me", &[("X-Api-Key", "{{api_key}}")], "{{base_url}}/me", BodyDraft::None));
        plan.finish();
        let profile = &plan.finished_profiles[0];
        match &profile.auth {
            AuthMethod::ApiKey { name, placement, .. } => {
                assert_eq!((name.as_str(), *placement), ("X-Api-Key", KeyPlacement::Header));
            }
            other => panic!("{other:?}"),
        }
        assert!(plan.requests[0].request.draft.headers.is_empty());
        assert!(plan.secrets.iter().any(|s| s.value.expose() == "sbx_key_0011223344556677"));
        assert!(plan.leaks().is_empty());
    }

    #[test]
    fn names_that_look_secret() {
        for name in ["password", "client_secret", "X-Api-Key", "accessToken", "pin", "Cookie", "code"] {
            assert!(looks_secret_name(name, true) || looks_secret_header(name), "{name}");
        }
        for name in ["accessTokenUrl", "token_type_hint", "sessionId", "region", "country_code_x"] {
            assert!(!looks_secret_name(name, false), "{name}");
        }
        assert!(!looks_secret_name("code", false));
        assert!(is_literal("Bearer abc"));
        assert!(!is_literal("Bearer {{token}}"));
        assert!(!is_literal("{{a}}{{b}}"));
        assert!(is_literal("{{a}}-x"));
    }
}
