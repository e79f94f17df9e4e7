//! A request's first two stages: what the user edits, and what will go on the wire.
//!
//! ```text
//! RequestDraft (edited, may hold {{variables}}, saved in history)
//!   -> prepare(draft, profile, secret) ->
//! PreparedRequest (variables resolved, credential attached, never persisted or logged)
//!   -> sent by infra::http -> Exchange (see exchange.rs)
//! ```

use crate::core::credential::{CredentialSummary, Masked, Place, Rule};
use crate::core::profile::{AuthMethod, KeyPlacement, Profile};
use crate::core::secret::{Secret, SecretSlip};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// HTTP methods offered in the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    #[default]
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    pub const ALL: [Method; 7] =
        [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Head, Method::Options];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    /// GET, HEAD and OPTIONS only read; anything else may change data.
    pub fn is_read_only(self) -> bool {
        matches!(self, Method::Get | Method::Head | Method::Options)
    }

    pub fn parse(text: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// One row of the query or header table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub enabled: bool,
    pub name: String,
    pub value: String,
}

impl KeyValue {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self { enabled: true, name: name.into(), value: value.into() }
    }
}

/// The request body as edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BodyDraft {
    #[default]
    None,
    Json {
        text: String,
    },
    Form {
        fields: Vec<KeyValue>,
    },
    Raw {
        content_type: String,
        text: String,
    },
}

/// What the user edits. Holds no secret from a profile; `{{variables}}` stay unresolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDraft {
    pub method: Method,
    pub url: String,
    #[serde(default)]
    pub query: Vec<KeyValue>,
    #[serde(default)]
    pub headers: Vec<KeyValue>,
    #[serde(default)]
    pub body: BodyDraft,
    pub timeout_secs: u64,
    /// Attach the active profile's credential. Off to see what the API says without one.
    pub send_credential: bool,
}

impl Default for RequestDraft {
    fn default() -> Self {
        Self {
            method: Method::Get,
            url: String::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: BodyDraft::None,
            timeout_secs: 30,
            send_credential: true,
        }
    }
}

impl RequestDraft {
    pub fn get(url: impl Into<String>) -> Self {
        Self { url: url.into(), ..Self::default() }
    }
}

/// Where a credential was put on the request.
#[derive(Debug)]
pub enum CredentialPlacement {
    Header { name: String, value: Secret },
    Query { name: String, value: Secret },
}

impl CredentialPlacement {
    /// Where it sits, for the credential rule.
    pub fn place(&self) -> Place {
        match self {
            CredentialPlacement::Header { name, .. } => Place::Header(name.clone()),
            CredentialPlacement::Query { name, .. } => Place::Query(name.clone()),
        }
    }

    fn value(&self) -> &Secret {
        match self {
            CredentialPlacement::Header { value, .. } | CredentialPlacement::Query { value, .. } => value,
        }
    }
}

/// The credential attached to a prepared request, with its safe summary.
#[derive(Debug)]
pub struct AppliedCredential {
    pub placement: CredentialPlacement,
    /// The method, the place and the fingerprint; `description()` in words.
    pub summary: CredentialSummary,
}

impl AppliedCredential {
    /// For example "API key `gp_test`_…a1b2 in header X-Api-Key".
    pub fn description(&self) -> &str {
        self.summary.description()
    }
}

/// A request ready to send: variables resolved, credential attached. Never persisted or logged;
/// its `Debug` shows the redacted view only.
pub struct PreparedRequest {
    pub method: Method,
    /// The URL without the credential (a query-string credential is added by the sender).
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub credential: Option<AppliedCredential>,
    pub body: Option<Vec<u8>>,
    /// The keychain values filled into the body's `{{secret:…}}` places, if any: the body then
    /// holds secrets, so a redirect to another origin must not re-send it.
    pub body_secrets: Vec<Secret>,
    /// The keychain values filled into header and query values: masked wherever the request is
    /// shown, and not sent on to another origin.
    pub filled_secrets: Vec<Secret>,
    pub timeout: Duration,
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &self.display_url())
            .field("headers", &self.display_headers())
            .field("credential", &self.credential.as_ref().map(AppliedCredential::description))
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("body_secrets", &self.body_secrets.len())
            .field("filled_secrets", &self.filled_secrets.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A reason a send needs the user's explicit yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// A method that can change data, sent with a Production profile.
    ProductionWrite { method: Method, profile: String },
    /// The credential would go to a host outside the profile's allowed hosts.
    ForeignHost { host: String, what: String, environment: String },
}

impl Gate {
    /// The question the user is asked, in plain words.
    pub fn question(&self) -> String {
        match self {
            Gate::ProductionWrite { method, profile } => format!(
                "This {} request uses {profile}, a Production (live) profile. It can change real data. Send it?",
                method.as_str()
            ),
            Gate::ForeignHost { host, what, environment } => format!(
                "This would send your {environment} {what} to {host}, which is not one of this profile's allowed hosts."
            ),
        }
    }
}

/// Why a draft could not become a request. Every message says what to do; none holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    #[error(
        "The address is empty. Type a URL such as https://api.example.com/v1/me, or a path such as /v1/me to use the profile's base URL."
    )]
    EmptyUrl,
    #[error("The address \"{url}\" is not a valid URL: {reason}. Check for typos; a full URL starts with https://.")]
    InvalidUrl { url: String, reason: String },
    #[error("The address uses \"{scheme}:\", which Gatepass cannot send. Use http:// or https://.")]
    UnsupportedScheme { scheme: String },
    #[error(
        "The variable {{{{{name}}}}} is not defined in this profile. Add it under the profile's variables, or fix the name."
    )]
    UnknownVariable { name: String },
    #[error("A variable in {place} is not closed: \"{{{{\" has no matching \"}}}}\".")]
    UnclosedVariable { place: String },
    #[error("{}", unknown_secret_words(name, *allowed_here))]
    UnknownSecretVariable { name: String, allowed_here: bool },
    #[error(
        "The header name \"{name}\" has characters a header name cannot have. Use letters, digits and dashes only."
    )]
    InvalidHeaderName { name: String },
    #[error(
        "The value of header {name} has a line break in it. This often happens when a value is pasted with the line after it. Remove the line break and send again."
    )]
    HeaderValueLineBreak { name: String },
    #[error("The value of header {name} has a character that cannot be sent in a header (a control character).")]
    InvalidHeaderValue { name: String },
    #[error(
        "The JSON body is not valid: {message} (line {line}, column {column}). Fix it, or choose Raw text to send it as it is."
    )]
    InvalidJson { message: String, line: usize, column: usize },
    #[error("The profile's {what} {slip}. Edit the profile and paste the value again without it.")]
    SecretSlip { what: String, slip: String },
    #[error(
        "The profile's {what} is not in the keychain (it was never saved, or it was deleted there). Save it in the profile again, or send the request without its credential."
    )]
    MissingSecret { what: String },
    #[error("The profile's API key header name \"{name}\" is not a valid header name.")]
    InvalidKeyName { name: String },
    #[error("The username for Basic sign-in has a colon (:) in it, which Basic sign-in cannot carry.")]
    BasicUsernameColon,
    #[error("The timeout must be between 1 and 3600 seconds.")]
    InvalidTimeout,
}

/// How a body names a secret kept in the keychain: `{{secret:client_secret}}`.
pub const SECRET_VARIABLE_PREFIX: &str = "secret:";

fn unknown_secret_words(name: &str, allowed_here: bool) -> String {
    if allowed_here {
        format!(
            "The request uses the secret {{{{secret:{name}}}}}, but this profile keeps no secret by that name. Move the value into the profile again, or fix the name."
        )
    } else {
        "Secrets from the keychain ({{secret:…}}) can be used in a body, a header's value or a query parameter's value, not in the address or in a name.".to_owned()
    }
}

/// Does this text name a keychain secret (`{{secret:name}}`)?
pub fn mentions_secret(text: &str) -> bool {
    text.contains(concat!("{{", "secret:"))
}

/// Fill `{{secret:name}}` places in a header or query value with the keychain's values, as
/// they are. Returns the name of a secret that has no value.
pub fn fill_secret_text(text: &str, values: &std::collections::BTreeMap<String, Secret>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let open = concat!("{{", "secret:");
    while let Some(start) = rest.find(open) {
        out.push_str(&rest[..start]);
        let after = &rest[start + open.len()..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = after[..end].trim();
        out.push_str(values.get(name).ok_or_else(|| name.to_owned())?.expose());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Fill the body's `{{secret:name}}` places with the values from the keychain, at the last
/// moment before sending: JSON-escaped in a JSON body, form-encoded in a form body, as they are in
/// a raw body. Returns the name of a secret that has no value.
pub fn fill_secret_variables(
    body: &[u8],
    draft_body: &BodyDraft,
    values: &std::collections::BTreeMap<String, Secret>,
) -> Result<Vec<u8>, String> {
    let Ok(text) = std::str::from_utf8(body) else { return Ok(body.to_vec()) };
    let form = matches!(draft_body, BodyDraft::Form { .. });
    let json = matches!(draft_body, BodyDraft::Json { .. });
    let (open, close, prefix) =
        if form { ("%7B%7B", "%7D%7D", "secret%3A") } else { ("{{", "}}", SECRET_VARIABLE_PREFIX) };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(&format!("{open}{prefix}")) {
        out.push_str(&rest[..start]);
        let after = &rest[start + open.len() + prefix.len()..];
        let Some(end) = after.find(close) else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = after[..end].trim();
        let value = values.get(name).ok_or_else(|| name.to_owned())?;
        if form {
            out.extend(url::form_urlencoded::byte_serialize(value.expose().as_bytes()));
        } else if json {
            let quoted = serde_json::to_string(value.expose()).unwrap_or_default();
            out.push_str(quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default());
        } else {
            out.push_str(value.expose());
        }
        rest = &after[end + close.len()..];
    }
    out.push_str(rest);
    Ok(out.into_bytes())
}

/// Replace every `{{name}}` in `text` with the profile's variable. `base_url` is always defined.
/// A `{{secret:name}}` is left to be filled in at the last moment, and allowed only in a body, a
/// header's value or a query parameter's value.
pub fn resolve_variables(text: &str, place: &str, profile: &Profile) -> Result<String, PrepareError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(PrepareError::UnclosedVariable { place: place.to_owned() });
        };
        let name = after[..end].trim();
        if let Some(secret_name) = name.strip_prefix(SECRET_VARIABLE_PREFIX) {
            // A secret kept in the keychain: filled in only at the last moment before sending,
            // after the request was observed (see `fill_secret_variables`, `fill_secret_text`).
            let allowed_here = place == "the body"
                || place == "a form field"
                || place.starts_with("header ")
                || place == "a query parameter value";
            if !allowed_here || !profile.secret_variables.contains_key(secret_name.trim()) {
                return Err(PrepareError::UnknownSecretVariable { name: secret_name.trim().to_owned(), allowed_here });
            }
            out.push_str(&rest[start..start + 2 + end + 2]);
        } else {
            let value = lookup_variable(name, profile)
                .ok_or_else(|| PrepareError::UnknownVariable { name: name.to_owned() })?;
            out.push_str(value);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn lookup_variable<'a>(name: &str, profile: &'a Profile) -> Option<&'a str> {
    profile
        .variables
        .get(name)
        .map(String::as_str)
        .or_else(|| (name == "base_url").then_some(profile.base_url.trim_end_matches('/')))
}

/// Build the full URL: variables resolved, a bare path joined to the profile's base URL,
/// and enabled query rows appended.
pub fn resolve_url(draft: &RequestDraft, profile: &Profile) -> Result<url::Url, PrepareError> {
    let text = resolve_variables(draft.url.trim(), "the address", profile)?;
    if text.is_empty() {
        return Err(PrepareError::EmptyUrl);
    }
    let full = if text.starts_with('/') {
        format!(
            "{}{}",
            resolve_variables(profile.base_url.trim(), "the base URL", profile)?.trim_end_matches('/'),
            text
        )
    } else if !text.contains("://") && !text.contains(':') && looks_like_a_path(&text, profile) {
        // `v1/me`: a path without its leading slash, under the profile's base URL.
        format!(
            "{}/{}",
            resolve_variables(profile.base_url.trim(), "the base URL", profile)?.trim_end_matches('/'),
            text
        )
    } else if !text.contains("://") && !text.contains(':') {
        format!("https://{text}")
    } else {
        text
    };
    let mut url = url::Url::parse(&full)
        .map_err(|e| PrepareError::InvalidUrl { url: full.clone(), reason: url_error_words(e) })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(PrepareError::UnsupportedScheme { scheme: url.scheme().to_owned() });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(PrepareError::InvalidUrl { url: full, reason: "it has no host name".to_owned() });
    }
    let rows: Vec<(String, String)> = draft
        .query
        .iter()
        .filter(|row| row.enabled && !row.name.trim().is_empty())
        .map(|row| {
            Ok((
                resolve_variables(row.name.trim(), "a query parameter", profile)?,
                resolve_variables(&row.value, "a query parameter value", profile)?,
            ))
        })
        .collect::<Result<_, PrepareError>>()?;
    if !rows.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &rows {
            pairs.append_pair(name, value);
        }
    }
    Ok(url)
}

/// `v1/me` is a path, `api.example.com/v1` and `localhost/x` are hosts: the first part names a
/// host only when it has a dot or is `localhost`. Only with a base URL to put the path under.
fn looks_like_a_path(text: &str, profile: &Profile) -> bool {
    let first = text.split(['/', '?', '#']).next().unwrap_or_default();
    !profile.base_url.trim().is_empty() && !first.contains('.') && !first.eq_ignore_ascii_case("localhost")
}

fn url_error_words(error: url::ParseError) -> String {
    match error {
        url::ParseError::EmptyHost => "it has no host name".to_owned(),
        url::ParseError::InvalidPort => "the port number is not valid".to_owned(),
        url::ParseError::InvalidIpv4Address | url::ParseError::InvalidIpv6Address => {
            "the IP address is not valid".to_owned()
        }
        url::ParseError::InvalidDomainCharacter | url::ParseError::IdnaError => {
            "the host name has a character it cannot have".to_owned()
        }
        url::ParseError::RelativeUrlWithoutBase => "it is missing http:// or https://".to_owned(),
        other => other.to_string(),
    }
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn check_header(name: &str, value: &str) -> Result<(), PrepareError> {
    if name.is_empty() || !name.chars().all(is_token_char) {
        return Err(PrepareError::InvalidHeaderName { name: name.to_owned() });
    }
    if value.contains('\n') || value.contains('\r') {
        return Err(PrepareError::HeaderValueLineBreak { name: name.to_owned() });
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(PrepareError::InvalidHeaderValue { name: name.to_owned() });
    }
    Ok(())
}

/// Where a JSON text stops being valid, in words and with a 1-based position.
pub fn validate_json(text: &str) -> Result<(), PrepareError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).map(|_| ()).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        PrepareError::InvalidJson { message, line: e.line(), column: e.column() }
    })
}

/// Headers whose values are credentials wherever they appear: asks the one rule
/// ([`crate::core::credential::is_credential_header_name`]).
pub fn is_sensitive_header(name: &str) -> bool {
    crate::core::credential::is_credential_header_name(name)
        || crate::core::credential::is_anti_forgery_header_name(name)
}

/// Turn a draft into the request that will be sent. `secret` is the profile's credential,
/// already read from the keychain (ignored when the draft does not send credentials).
pub fn prepare(
    draft: &RequestDraft,
    profile: &Profile,
    secret: Option<&Secret>,
) -> Result<PreparedRequest, PrepareError> {
    let mut prepared = prepare_without_credential(draft, profile)?;
    prepared.credential = if draft.send_credential { apply_credential(&profile.auth, secret)? } else { None };
    Ok(prepared)
}

/// The request with everything but the profile's credential, which is attached later with
/// [`PreparedRequest::attach`] (an OAuth token is got only once the gates are passed) or never.
pub fn prepare_without_credential(draft: &RequestDraft, profile: &Profile) -> Result<PreparedRequest, PrepareError> {
    if draft.timeout_secs == 0 || draft.timeout_secs > 3600 {
        return Err(PrepareError::InvalidTimeout);
    }
    let url = resolve_url(draft, profile)?;
    let mut headers = Vec::new();
    for row in draft.headers.iter().filter(|r| r.enabled && !r.name.trim().is_empty()) {
        let name = resolve_variables(row.name.trim(), "a header name", profile)?;
        let value = resolve_variables(&row.value, &format!("header {name}"), profile)?;
        check_header(&name, &value)?;
        headers.push((name, value));
    }
    let body = match &draft.body {
        BodyDraft::None => None,
        BodyDraft::Json { text } => {
            let text = resolve_variables(text, "the body", profile)?;
            validate_json(&text)?;
            push_default_header(&mut headers, "Content-Type", "application/json");
            Some(text.into_bytes())
        }
        BodyDraft::Form { fields } => {
            let mut encoder = url::form_urlencoded::Serializer::new(String::new());
            for field in fields.iter().filter(|f| f.enabled && !f.name.is_empty()) {
                encoder.append_pair(
                    &resolve_variables(&field.name, "a form field", profile)?,
                    &resolve_variables(&field.value, "a form field", profile)?,
                );
            }
            push_default_header(&mut headers, "Content-Type", "application/x-www-form-urlencoded");
            Some(encoder.finish().into_bytes())
        }
        BodyDraft::Raw { content_type, text } => {
            if !content_type.trim().is_empty() {
                check_header("Content-Type", content_type.trim())?;
                push_default_header(&mut headers, "Content-Type", content_type.trim());
            }
            Some(resolve_variables(text, "the body", profile)?.into_bytes())
        }
    };
    Ok(PreparedRequest {
        method: draft.method,
        url,
        headers,
        credential: None,
        body,
        body_secrets: Vec::new(),
        filled_secrets: Vec::new(),
        timeout: Duration::from_secs(draft.timeout_secs),
    })
}

fn push_default_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
        headers.push((name.to_owned(), value.to_owned()));
    }
}

/// Attach the profile's credential exactly as its method says. For OAuth 2 client credentials,
/// `secret` is the access token obtained from the token endpoint.
pub fn apply_credential(auth: &AuthMethod, secret: Option<&Secret>) -> Result<Option<AppliedCredential>, PrepareError> {
    if matches!(auth, AuthMethod::None) {
        return Ok(None);
    }
    let what = auth.sent_credential_label().to_owned();
    let secret = secret.filter(|s| !s.is_empty()).ok_or_else(|| PrepareError::MissingSecret { what: what.clone() })?;
    if let Some(slip) = secret.formatting_slip()
        && (slip != SecretSlip::SurroundingSpaces || !matches!(auth, AuthMethod::Basic { .. }))
    {
        return Err(PrepareError::SecretSlip { what, slip: slip.describe().to_owned() });
    }
    let method = crate::core::credential::method_name(auth);
    let applied = match auth {
        AuthMethod::None => return Ok(None),
        AuthMethod::ApiKey { name, placement, .. } => {
            let name = name.trim().to_owned();
            if name.is_empty() || !name.chars().all(is_token_char) {
                return Err(PrepareError::InvalidKeyName { name });
            }
            let placement = match placement {
                KeyPlacement::Header => CredentialPlacement::Header { name, value: secret.clone() },
                KeyPlacement::Query => CredentialPlacement::Query { name, value: secret.clone() },
            };
            let summary = CredentialSummary::new(method, placement.place(), secret, |fp| format!("API key {fp}"));
            AppliedCredential { placement, summary }
        }
        // For a signed JWT, `secret` is the token the workspace made, never the signing key; for
        // OAuth, the access token the workspace obtained, never the client secret.
        AuthMethod::Bearer { .. }
        | AuthMethod::OAuthClientCredentials(_)
        | AuthMethod::OAuthAuthorizationCode(_)
        | AuthMethod::OAuthDevice(_)
        | AuthMethod::SignedJwt(_) => {
            let placement = CredentialPlacement::Header {
                name: "Authorization".to_owned(),
                value: Secret::new(format!("Bearer {}", secret.expose())),
            };
            let label = auth.sent_credential_label();
            let summary = CredentialSummary::new(method, placement.place(), secret, |fp| format!("{label} {fp}"));
            AppliedCredential { placement, summary }
        }
        // For AWS Signature V4, `secret` is the signature the workspace made for this very
        // request (the whole Authorization value, or a presigned URL's X-Amz-Signature).
        AuthMethod::AwsSigV4(settings) => {
            let placement = match settings.placement {
                crate::core::profile::SigV4Placement::Header => {
                    CredentialPlacement::Header { name: "Authorization".to_owned(), value: secret.clone() }
                }
                crate::core::profile::SigV4Placement::Query => CredentialPlacement::Query {
                    name: crate::core::auth::sigv4::SIGNATURE_PARAM.to_owned(),
                    value: secret.clone(),
                },
            };
            let summary = CredentialSummary::new(method, placement.place(), secret, |_| {
                format!(
                    "AWS Signature V4 (access key ID {}, {} in {})",
                    settings.access_key_id, settings.service, settings.region
                )
            });
            AppliedCredential { placement, summary }
        }
        // For OAuth 1.0a, `secret` is the signature the workspace made for this request (the
        // whole Authorization value with header placement, else `oauth_signature`).
        AuthMethod::OAuth1(settings) => {
            let placement = match settings.placement {
                crate::core::profile::OAuth1Placement::Header => {
                    CredentialPlacement::Header { name: "Authorization".to_owned(), value: secret.clone() }
                }
                crate::core::profile::OAuth1Placement::Query | crate::core::profile::OAuth1Placement::Body => {
                    CredentialPlacement::Query { name: "oauth_signature".to_owned(), value: secret.clone() }
                }
            };
            let summary = CredentialSummary::new(method, placement.place(), secret, |_| {
                format!("OAuth 1.0a signature ({}, consumer key {})", settings.method.name(), settings.consumer_key)
            });
            AppliedCredential { placement, summary }
        }
        // For Digest, `secret` is the answer the workspace worked out for this request's
        // challenge, never the password.
        AuthMethod::Digest { username, .. } => {
            let placement = CredentialPlacement::Header { name: "Authorization".to_owned(), value: secret.clone() };
            let summary = CredentialSummary::new(method, placement.place(), secret, |_| {
                format!("Digest answer for username {username}")
            });
            AppliedCredential { placement, summary }
        }
        AuthMethod::Basic { username, .. } => {
            if username.contains(':') {
                return Err(PrepareError::BasicUsernameColon);
            }
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{}", secret.expose()));
            let placement = CredentialPlacement::Header {
                name: "Authorization".to_owned(),
                value: Secret::new(format!("Basic {encoded}")),
            };
            let summary = CredentialSummary::new(method, placement.place(), secret, |fp| {
                format!("username {username} and password {fp} (Basic)")
            });
            AppliedCredential { placement, summary }
        }
    };
    Ok(Some(applied))
}

/// The same access token, sent as a DPoP-bound token (RFC 9449 §7.1): `Authorization: DPoP …`.
pub fn dpop_bound(applied: AppliedCredential) -> AppliedCredential {
    match applied.placement {
        CredentialPlacement::Header { name, value } if value.expose().starts_with("Bearer ") => {
            let token = Secret::new(value.expose()["Bearer ".len()..].to_owned());
            let placement =
                CredentialPlacement::Header { name, value: Secret::new(format!("DPoP {}", token.expose())) };
            let summary = CredentialSummary::new(applied.summary.method(), placement.place(), &token, |fp| {
                format!("DPoP-bound access token {fp}")
            });
            AppliedCredential { placement, summary }
        }
        placement => AppliedCredential { placement, ..applied },
    }
}

impl PreparedRequest {
    /// The gates this request must pass before it is sent with `profile`.
    pub fn gates(&self, profile: &Profile) -> Vec<Gate> {
        self.gates_with(profile, self.credential.is_some())
    }

    /// The gates, with the profile's credential still to be attached when `credential_will_go`
    /// (an OAuth token is got only once they are passed). A credential header typed into the
    /// request obeys the allowed hosts like the profile's own.
    pub fn gates_with(&self, profile: &Profile, credential_will_go: bool) -> Vec<Gate> {
        let mut gates = Vec::new();
        if profile.environment.is_production() && !self.method.is_read_only() {
            gates.push(Gate::ProductionWrite { method: self.method, profile: profile.name.clone() });
        }
        if !profile.allows_host(&self.url) {
            let rule = Rule::detector();
            let typed: Vec<&str> =
                self.headers.iter().filter(|(n, v)| rule.header_is_credential(n, v)).map(|(n, _)| n.as_str()).collect();
            let what = match (credential_will_go && !matches!(profile.auth, AuthMethod::None), typed.as_slice()) {
                (true, []) => Some(profile.auth.sent_credential_label().to_owned()),
                (true, names) => {
                    Some(format!("{} and the {} header", profile.auth.sent_credential_label(), names.join(", ")))
                }
                (false, []) => None,
                (false, [one]) => Some(format!("{one} header")),
                (false, names) => Some(format!("{} headers", names.join(", "))),
            };
            if let Some(what) = what {
                gates.push(Gate::ForeignHost {
                    host: crate::core::credential::origin_words(&self.url),
                    what,
                    environment: profile.environment.label().to_owned(),
                });
            }
        }
        gates
    }

    /// Attach the profile's credential (an OAuth access token got after the gates).
    pub fn attach(&mut self, credential: Option<AppliedCredential>) {
        self.credential = credential;
    }

    /// Drop the credential (the user chose to send to a foreign host without it), and every
    /// typed header the credential rule flags with it.
    pub fn drop_credentials(&mut self) {
        self.credential = None;
        let rule = Rule::detector();
        self.headers.retain(|(n, v)| !rule.header_is_credential(n, v));
    }

    /// The credential rule for this request: where its own credential sits, and the values that
    /// went out (so an echo of one is caught anywhere).
    pub fn rule(&self) -> Rule {
        let mut values: Vec<Secret> = self.body_secrets.clone();
        values.extend(self.filled_secrets.iter().cloned());
        if let Some(applied) = &self.credential {
            let value = applied.placement.value();
            values.push(value.clone());
            if let CredentialPlacement::Header { .. } = applied.placement
                && let Some((_, rest)) = value.expose().split_once(' ')
            {
                values.push(Secret::new(rest));
            }
        }
        Rule::with_places(self.credential.iter().map(|c| c.placement.place())).with_values(values)
    }

    /// The URL that will go on the wire, with the credential if it rides in the query.
    /// This holds the secret: use it only to send.
    pub fn wire_url(&self) -> url::Url {
        let mut url = self.url.clone();
        if let Some(AppliedCredential { placement: CredentialPlacement::Query { name, value }, .. }) = &self.credential
        {
            url.query_pairs_mut().append_pair(name, value.expose());
        }
        url
    }

    /// The URL as it may be shown or stored: every credential in it as its fingerprint.
    pub fn display_url(&self) -> Masked {
        self.rule().mask_url(&self.wire_url())
    }

    /// Headers as they may be shown: credential values as fingerprints.
    pub fn display_headers(&self) -> Vec<(String, Masked)> {
        let rule = self.rule();
        let mut out: Vec<(String, Masked)> =
            self.headers.iter().map(|(n, v)| (n.clone(), rule.mask_header(n, v))).collect();
        if let Some(AppliedCredential { placement: CredentialPlacement::Header { name, value }, .. }) = &self.credential
        {
            out.push((name.clone(), rule.mask_header(name, value.expose())));
        }
        out
    }

    /// The body as it may be shown: credential fields and filled-in secrets masked.
    pub fn display_body(&self) -> Option<Masked> {
        let body = self.body.as_ref()?;
        let rule = self.rule();
        let form = self
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("content-type") && v.contains("x-www-form-urlencoded"));
        Some(match std::str::from_utf8(body) {
            Ok(s) if s.len() <= 64 * 1024 => rule.mask_body_text(s, form),
            Ok(s) => {
                let cut = rule.mask_text(&s[..s.floor_char_boundary(64 * 1024)]);
                rule.mask_text(&format!("{cut}… ({} bytes in all)", s.len()))
            }
            Err(_) => rule.mask_text(&format!("({} bytes of binary data)", body.len())),
        })
    }

    /// The exact request that will go out, as text, with secrets masked.
    pub fn preview(&self) -> String {
        let mut text = format!("{} {}\n", self.method.as_str(), self.display_url());
        for (name, value) in self.display_headers() {
            text.push_str(&format!("{name}: {value}\n"));
        }
        if let Some(body) = self.display_body() {
            text.push('\n');
            text.push_str(body.as_str());
        }
        text
    }
}

/// What the request will look like when sent with `profile`, before the credential is read:
/// `stored_fingerprint` is the fingerprint of the stored secret (from
/// `Workspace::credential_fingerprint`), shown where the credential will go. Returns the text and
/// the gates it will meet.
pub fn preview(
    draft: &RequestDraft,
    profile: &Profile,
    stored_fingerprint: Option<&str>,
) -> Result<(String, Vec<Gate>), PrepareError> {
    let prepared = prepare_without_credential(draft, profile)?;
    let will_go = draft.send_credential && !matches!(profile.auth, AuthMethod::None);
    let gates = prepared.gates_with(profile, will_go);
    let mut text = prepared.preview();
    if will_go {
        // A signing method sends a signature made at send time, never the stored secret.
        let signs = matches!(profile.auth, AuthMethod::Digest { .. } | AuthMethod::AwsSigV4(_) | AuthMethod::OAuth1(_));
        let shown = if signs { "(signed when sent)" } else { stored_fingerprint.unwrap_or("(from the keychain)") };
        let line = match crate::core::credential::places_of(&profile.auth).first() {
            Some(Place::Header(name)) if name.eq_ignore_ascii_case("authorization") => {
                let scheme = match &profile.auth {
                    AuthMethod::Basic { .. } => "Basic",
                    AuthMethod::Digest { .. } => "Digest",
                    AuthMethod::AwsSigV4(_) => "AWS4-HMAC-SHA256",
                    AuthMethod::OAuth1(_) => "OAuth",
                    _ if profile.dpop_key.is_some() => "DPoP",
                    _ => "Bearer",
                };
                Some(format!("{name}: {scheme} {shown}"))
            }
            Some(Place::Header(name)) => Some(format!("{name}: {shown}")),
            Some(Place::Query(name)) => {
                let first_line_end = text.find('\n').unwrap_or(text.len());
                let sep = if text[..first_line_end].contains('?') { '&' } else { '?' };
                text.insert_str(first_line_end, &format!("{sep}{name}={shown}"));
                None
            }
            _ => None,
        };
        if let Some(line) = line {
            let at = text.find("\n\n").map_or(text.len(), |i| i + 1);
            text.insert_str(at, &format!("{line}\n"));
        }
    }
    Ok((text, gates))
}

/// A draft fit to be stored in history: credential values typed by hand (by the rule, with the
/// profile's own places) replaced by their fingerprints. (Profile credentials are never in a draft.)
pub fn redacted_draft(draft: &RequestDraft, rule: &Rule) -> RequestDraft {
    let mut copy = draft.clone();
    for row in &mut copy.headers {
        if !row.value.contains("{{") && rule.header_is_credential(&row.name, &row.value) {
            row.value = rule.mask_header(&row.name, &row.value).into_string();
        }
    }
    for row in &mut copy.query {
        if !row.value.contains("{{") && rule.query_is_credential(&row.name, &row.value) {
            row.value = crate::core::secret::fingerprint(&row.value);
        }
    }
    copy.url = rule.mask_url_text(&copy.url).into_string();
    match &mut copy.body {
        BodyDraft::Form { fields } => {
            for field in fields {
                if !field.value.contains("{{") && rule.field_is_credential(&field.name, &field.value) {
                    field.value = crate::core::secret::fingerprint(&field.value);
                }
            }
        }
        BodyDraft::Json { text } | BodyDraft::Raw { text, .. } => {
            if !text.contains(concat!("{{", "secret:")) {
                *text = rule.mask_text(text).into_string();
            }
        }
        BodyDraft::None => {}
    }
    copy
}

/// Variables a profile defines, for the editor's hints.
pub fn variable_names(profile: &Profile) -> BTreeMap<String, String> {
    let mut names = profile.variables.clone();
    names.entry("base_url".to_owned()).or_insert_with(|| profile.base_url.clone());
    names
}

#[cfg(test)]
mod tests;
