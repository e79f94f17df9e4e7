//! The one profile builder: a [`ProfileDraft`] (what a person typed, in the editor or as
//! `gatepass profile add` flags) becomes a [`Profile`] only through [`ProfileDraft::build`],
//! which applies every rule once. Both front ends fill a draft and word the typed
//! [`ProfileError`] for themselves (the CLI names its flag, the editor its field), so the
//! command line cannot accept what the window refuses.
//!
//! ```text
//! editor form ─┐                          ┌─> Profile (valid from here on)
//!              ├─> ProfileDraft ─ build ──┤
//! CLI flags ───┘    (text, as typed)      └─> ProfileError { which rule, which field }
//! ```

use super::{
    AssertionKey, AuthKind, AuthMethod, ClientAuth, Environment, KeyPlacement, OAuth1Method, OAuth1Placement, Profile,
    ProfileId, SigV4Placement, SigningAlg,
};
use crate::core::certificate::CertificateError;
use crate::core::token::mint::MintError;

/// A profile as typed, before any rule is applied. Text stays text (a lifetime of "abc" is
/// refused here with a reason, not by whichever parser a front end happens to use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileDraft {
    pub id: ProfileId,
    pub name: String,
    pub environment: Environment,
    pub base_url: String,
    /// Hosts the credential may go to, `host` or `host:port`; empty means the base URL's host.
    pub allowed_hosts: Vec<String>,
    pub auth: AuthDraft,
    /// Permissions (scopes) the credential should carry; entries may hold several words.
    pub expected_scopes: Vec<String>,
    pub variables: Vec<(String, String)>,
    pub notes: String,
    pub jwks_url: String,
    pub introspection_url: String,
    pub check_path: String,
    /// Extra trusted certificate authorities, as PEM text; empty trusts only the system's.
    pub ca_bundle_pem: String,
}

/// The sign-in method's fields as typed. Only the fields of [`AuthDraft::kind`] are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthDraft {
    pub kind: AuthKind,
    /// API key: the header or query parameter that carries it, and which of the two.
    pub key_name: String,
    pub key_placement: KeyPlacement,
    /// Basic (and other username-and-password methods).
    pub username: String,
    /// OAuth: the token endpoint; the sign-in page (code grant) or device endpoint (device grant).
    pub token_url: String,
    pub authorization_url: String,
    pub client_id: String,
    pub client_auth: ClientAuth,
    /// OAuth: the permissions asked for; entries may hold several words.
    pub oauth_scopes: Vec<String>,
    pub audience: String,
    pub resource: String,
    /// Signed JWT, and a `private_key_jwt` assertion: how it is signed and the `kid`.
    pub alg: SigningAlg,
    pub key_id: String,
    /// Signed JWT: the claims template.
    pub jwt_issuer: String,
    pub jwt_subject: String,
    pub jwt_audience: String,
    pub jwt_scopes: Vec<String>,
    pub jwt_claims: String,
    /// Seconds, as typed.
    pub jwt_lifetime: String,
    /// AWS Signature V4.
    pub aws_access_key_id: String,
    pub aws_region: String,
    pub aws_service: String,
    pub aws_placement: SigV4Placement,
    /// A presigned URL's lifetime in seconds, as typed.
    pub aws_expires: String,
    /// OAuth 1.0a.
    pub oauth1_consumer_key: String,
    pub oauth1_token: String,
    pub oauth1_method: OAuth1Method,
    pub oauth1_placement: OAuth1Placement,
    pub oauth1_realm: String,
}

impl AuthDraft {
    pub fn new(kind: AuthKind) -> Self {
        Self {
            kind,
            key_name: "X-Api-Key".to_owned(),
            key_placement: KeyPlacement::Header,
            username: String::new(),
            token_url: String::new(),
            authorization_url: String::new(),
            client_id: String::new(),
            client_auth: ClientAuth::BasicHeader,
            oauth_scopes: Vec::new(),
            audience: String::new(),
            resource: String::new(),
            alg: SigningAlg::HS256,
            key_id: String::new(),
            jwt_issuer: String::new(),
            jwt_subject: String::new(),
            jwt_audience: String::new(),
            jwt_scopes: Vec::new(),
            jwt_claims: String::new(),
            jwt_lifetime: super::SignedJwt::DEFAULT_LIFETIME_SECS.to_string(),
            aws_access_key_id: String::new(),
            aws_region: String::new(),
            aws_service: String::new(),
            aws_placement: SigV4Placement::Header,
            aws_expires: super::AwsSigV4::DEFAULT_EXPIRES_SECS.to_string(),
            oauth1_consumer_key: String::new(),
            oauth1_token: String::new(),
            oauth1_method: OAuth1Method::HmacSha1,
            oauth1_placement: OAuth1Placement::Header,
            oauth1_realm: String::new(),
        }
    }

    /// The fields of an existing method, as they would be typed.
    pub fn from_method(method: &AuthMethod) -> Self {
        let mut draft = Self::new(method.kind());
        match method {
            AuthMethod::ApiKey { name, placement, .. } => {
                draft.key_name.clone_from(name);
                draft.key_placement = *placement;
            }
            AuthMethod::Basic { username, .. } | AuthMethod::Digest { username, .. } => {
                draft.username.clone_from(username);
            }
            AuthMethod::OAuthClientCredentials(settings) => {
                draft.token_url.clone_from(&settings.token_url);
                draft.client_id.clone_from(&settings.client_id);
                draft.client_auth = settings.client_auth;
                draft.oauth_scopes.clone_from(&settings.scopes);
                draft.audience = settings.audience.clone().unwrap_or_default();
                draft.resource = settings.resource.clone().unwrap_or_default();
                if let Some(key) = &settings.assertion {
                    draft.alg = key.algorithm;
                    draft.key_id = key.key_id.clone().unwrap_or_default();
                }
            }
            AuthMethod::SignedJwt(settings) => {
                draft.alg = settings.algorithm;
                draft.key_id = settings.key_id.clone().unwrap_or_default();
                draft.jwt_issuer.clone_from(&settings.issuer);
                draft.jwt_subject.clone_from(&settings.subject);
                draft.jwt_audience.clone_from(&settings.audience);
                draft.jwt_scopes.clone_from(&settings.scopes);
                draft.jwt_claims.clone_from(&settings.extra_claims);
                draft.jwt_lifetime = settings.lifetime_secs.to_string();
            }
            AuthMethod::OAuthAuthorizationCode(settings) | AuthMethod::OAuthDevice(settings) => {
                draft.authorization_url.clone_from(&settings.authorization_url);
                draft.token_url.clone_from(&settings.token_url);
                draft.client_id.clone_from(&settings.client_id);
                draft.oauth_scopes.clone_from(&settings.scopes);
                draft.audience = settings.audience.clone().unwrap_or_default();
            }
            AuthMethod::AwsSigV4(settings) => {
                draft.aws_access_key_id.clone_from(&settings.access_key_id);
                draft.aws_region.clone_from(&settings.region);
                draft.aws_service.clone_from(&settings.service);
                draft.aws_placement = settings.placement;
                draft.aws_expires = settings.expires_secs.to_string();
            }
            AuthMethod::OAuth1(settings) => {
                draft.oauth1_consumer_key.clone_from(&settings.consumer_key);
                draft.oauth1_token.clone_from(&settings.token);
                draft.oauth1_method = settings.method;
                draft.oauth1_placement = settings.placement;
                draft.oauth1_realm = settings.realm.clone().unwrap_or_default();
            }
            AuthMethod::None | AuthMethod::Bearer { .. } => {}
        }
        draft
    }
}

/// Which field a rule is about, so each front end can point at it (a flag, a text box).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftField {
    Name,
    Environment,
    BaseUrl,
    AllowedHosts,
    KeyName,
    Username,
    TokenUrl,
    AuthorizationUrl,
    DeviceAuthorizationUrl,
    ClientId,
    Algorithm,
    Lifetime,
    ExtraClaims,
    JwksUrl,
    IntrospectionUrl,
    Variables,
    CaBundle,
    AccessKeyId,
    Region,
    Service,
    Expires,
    ConsumerKey,
}

/// An address a profile holds, with the example its message gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlField {
    Base,
    Token,
    Authorization,
    DeviceAuthorization,
    Jwks,
    Introspection,
}

impl UrlField {
    fn words(self) -> &'static str {
        match self {
            UrlField::Base => "base URL",
            UrlField::Token => "token URL",
            UrlField::Authorization => "sign-in page URL",
            UrlField::DeviceAuthorization => "device authorization URL",
            UrlField::Jwks => "key set (JWKS) address",
            UrlField::Introspection => "introspection address",
        }
    }

    fn example(self) -> &'static str {
        match self {
            UrlField::Base => "https://api.example.com",
            UrlField::Token => "https://login.example.com/oauth/token",
            UrlField::Authorization => "https://login.example.com/oauth/authorize",
            UrlField::DeviceAuthorization => "https://login.example.com/oauth/device_authorization",
            UrlField::Jwks => "https://login.example.com/.well-known/jwks.json",
            UrlField::Introspection => "https://login.example.com/oauth/introspect",
        }
    }

    fn field(self) -> DraftField {
        match self {
            UrlField::Base => DraftField::BaseUrl,
            UrlField::Token => DraftField::TokenUrl,
            UrlField::Authorization => DraftField::AuthorizationUrl,
            UrlField::DeviceAuthorization => DraftField::DeviceAuthorizationUrl,
            UrlField::Jwks => DraftField::JwksUrl,
            UrlField::Introspection => DraftField::IntrospectionUrl,
        }
    }
}

/// Why a draft is not a profile yet, in words for anyone (no button or flag names: each front
/// end adds where to fix it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("Give the profile a name.")]
    NoName,
    #[error("Give the custom environment a label, such as Staging.")]
    NoEnvironmentLabel,
    #[error("The {} is missing. It should look like {}.", .0.words(), .0.example())]
    MissingUrl(UrlField),
    #[error("The {} \"{text}\" is not a valid URL. It should look like {}.", .field.words(), .field.example())]
    BadUrl { field: UrlField, text: String },
    #[error(
        "The {} \"{text}\" starts with {scheme}://. Gatepass sends requests over http:// or https:// only.",
        .field.words()
    )]
    NotHttp { field: UrlField, text: String, scheme: String },
    #[error(
        "The {} \"{text}\" has no host name. It should look like {}.",
        .field.words(),
        .field.example()
    )]
    NoHost { field: UrlField, text: String },
    #[error(
        "The allowed host \"{0}\" should be a host name such as api.example.com (or api.example.com:8443), without https:// or a path."
    )]
    BadAllowedHost(String),
    #[error("Say which header or query parameter carries the API key.")]
    NoKeyName,
    #[error("The header name \"{0}\" cannot hold spaces, colons or line breaks.")]
    BadHeaderName(String),
    #[error("Give the username.")]
    NoUsername,
    #[error("A Basic username cannot contain a colon (:).")]
    UsernameColon,
    #[error("The username cannot hold a line break or other control character.")]
    UsernameControl,
    #[error("The client ID is missing. It is in the app's settings on the sign-in server.")]
    NoClientId,
    #[error("A signed assertion uses a private key: choose RS256, PS256, ES256 or EdDSA.")]
    AssertionNeedsPrivateKey,
    #[error("Say how long each token is good for, in whole seconds of at least 1 (for example 300).")]
    BadLifetime(String),
    #[error("{0}")]
    ExtraClaims(MintError),
    #[error("A variable needs a name (its value is \"{0}\").")]
    UnnamedVariable(String),
    #[error("{0}")]
    CaBundle(CertificateError),
    #[error("Give the AWS access key ID (it starts with AKIA or ASIA, and is in the IAM console).")]
    NoAccessKeyId,
    #[error("The access key ID \"{0}\" should be letters and digits only, without spaces.")]
    BadAccessKeyId(String),
    #[error("Give the AWS region the requests are signed for, such as us-east-1.")]
    NoRegion,
    #[error("The region \"{0}\" does not look like an AWS region, such as us-east-1 or eu-west-2.")]
    BadRegion(String),
    #[error("Give the AWS service the requests are signed for, such as s3, execute-api or sqs.")]
    NoService,
    #[error("Say how long a presigned URL stays good, in whole seconds from 1 to 604800 (7 days).")]
    BadExpires(String),
    #[error("Give the OAuth 1 consumer key (the API's app settings name it consumer key or client key).")]
    NoConsumerKey,
}

impl ProfileError {
    /// The field the rule is about.
    pub fn field(&self) -> DraftField {
        match self {
            ProfileError::NoName => DraftField::Name,
            ProfileError::NoEnvironmentLabel => DraftField::Environment,
            ProfileError::MissingUrl(field)
            | ProfileError::BadUrl { field, .. }
            | ProfileError::NotHttp { field, .. }
            | ProfileError::NoHost { field, .. } => field.field(),
            ProfileError::BadAllowedHost(_) => DraftField::AllowedHosts,
            ProfileError::NoKeyName | ProfileError::BadHeaderName(_) => DraftField::KeyName,
            ProfileError::NoUsername | ProfileError::UsernameColon | ProfileError::UsernameControl => {
                DraftField::Username
            }
            ProfileError::NoClientId => DraftField::ClientId,
            ProfileError::AssertionNeedsPrivateKey => DraftField::Algorithm,
            ProfileError::BadLifetime(_) => DraftField::Lifetime,
            ProfileError::ExtraClaims(_) => DraftField::ExtraClaims,
            ProfileError::UnnamedVariable(_) => DraftField::Variables,
            ProfileError::CaBundle(_) => DraftField::CaBundle,
            ProfileError::NoAccessKeyId | ProfileError::BadAccessKeyId(_) => DraftField::AccessKeyId,
            ProfileError::NoRegion | ProfileError::BadRegion(_) => DraftField::Region,
            ProfileError::NoService => DraftField::Service,
            ProfileError::BadExpires(_) => DraftField::Expires,
            ProfileError::NoConsumerKey => DraftField::ConsumerKey,
        }
    }
}

impl ProfileDraft {
    /// An empty draft for a new profile.
    pub fn new(kind: AuthKind) -> Self {
        Self {
            id: ProfileId::random(),
            name: String::new(),
            environment: Environment::Sandbox,
            base_url: String::new(),
            allowed_hosts: Vec::new(),
            auth: AuthDraft::new(kind),
            expected_scopes: Vec::new(),
            variables: Vec::new(),
            notes: String::new(),
            jwks_url: String::new(),
            introspection_url: String::new(),
            check_path: String::new(),
            ca_bundle_pem: String::new(),
        }
    }

    /// A saved profile, as it would be typed again.
    pub fn from_profile(profile: &Profile) -> Self {
        Self {
            id: profile.id.clone(),
            name: profile.name.clone(),
            environment: profile.environment.clone(),
            base_url: profile.base_url.clone(),
            allowed_hosts: profile.allowed_hosts.clone(),
            auth: AuthDraft::from_method(&profile.auth),
            expected_scopes: profile.expected_scopes.clone(),
            variables: profile.variables.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            notes: profile.notes.clone(),
            jwks_url: profile.token_checks.jwks_url.clone().unwrap_or_default(),
            introspection_url: profile.token_checks.introspection_url.clone().unwrap_or_default(),
            check_path: profile.check_path.clone().unwrap_or_default(),
            ca_bundle_pem: profile.ca_bundle_pem.clone().unwrap_or_default(),
        }
    }

    /// The profile this draft describes, or the first rule it breaks. `existing` is the saved
    /// profile being edited: what a draft does not hold (its secret slots when the method
    /// stays the same, its client certificate, secret history, body secrets) is kept from it.
    pub fn build(&self, existing: Option<&Profile>) -> Result<Profile, ProfileError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(ProfileError::NoName);
        }
        let base = self.base_url.trim();
        web_url(base, UrlField::Base)?;
        let environment = match &self.environment {
            Environment::Custom { label, color } => {
                if label.trim().is_empty() {
                    return Err(ProfileError::NoEnvironmentLabel);
                }
                Environment::Custom { label: label.trim().to_owned(), color: color.trim().to_owned() }
            }
            other => other.clone(),
        };
        let mut profile = existing.cloned().unwrap_or_else(|| Profile::new(name, environment.clone(), base));
        profile.id = self.id.clone();
        name.clone_into(&mut profile.name);
        profile.environment = environment;
        base.clone_into(&mut profile.base_url);
        profile.allowed_hosts = allowed_hosts(&self.allowed_hosts)?;
        let keep_slots = existing.is_some_and(|p| p.auth.kind() == self.auth.kind);
        let mut auth =
            if keep_slots { profile.auth.clone() } else { AuthMethod::new_of_kind(self.auth.kind, &self.id) };
        self.auth.apply(&mut auth)?;
        profile.auth = auth;
        profile.token_checks.jwks_url = optional_url(&self.jwks_url, UrlField::Jwks)?;
        profile.token_checks.introspection_url = optional_url(&self.introspection_url, UrlField::Introspection)?;
        profile.check_path = Some(self.check_path.trim().to_owned()).filter(|p| !p.is_empty());
        profile.expected_scopes = words(&self.expected_scopes);
        profile.variables = std::collections::BTreeMap::new();
        for (key, value) in &self.variables {
            if key.trim().is_empty() {
                return Err(ProfileError::UnnamedVariable(value.clone()));
            }
            profile.variables.insert(key.trim().to_owned(), value.clone());
        }
        profile.notes.clone_from(&self.notes);
        let ca = self.ca_bundle_pem.trim();
        profile.ca_bundle_pem = if ca.is_empty() {
            None
        } else {
            crate::core::certificate::parse_ca_bundle(ca).map_err(ProfileError::CaBundle)?;
            Some(format!("{ca}\n"))
        };
        Ok(profile)
    }
}

impl AuthDraft {
    /// Fill `method` (already of this draft's kind) from the typed fields.
    fn apply(&self, method: &mut AuthMethod) -> Result<(), ProfileError> {
        match method {
            AuthMethod::ApiKey { name, placement, .. } => {
                let key_name = self.key_name.trim();
                if key_name.is_empty() {
                    return Err(ProfileError::NoKeyName);
                }
                if self.key_placement == KeyPlacement::Header
                    && key_name.chars().any(|c| c.is_whitespace() || c == ':' || c.is_control())
                {
                    return Err(ProfileError::BadHeaderName(key_name.to_owned()));
                }
                key_name.clone_into(name);
                *placement = self.key_placement;
            }
            AuthMethod::Basic { username, .. } => {
                if self.username.contains(':') {
                    return Err(ProfileError::UsernameColon);
                }
                if self.username.trim().is_empty() {
                    return Err(ProfileError::NoUsername);
                }
                self.username.trim().clone_into(username);
            }
            AuthMethod::OAuthClientCredentials(settings) => {
                settings.token_url = web_url(&self.token_url, UrlField::Token)?;
                settings.client_id = self.client_id()?;
                settings.client_auth = self.client_auth;
                settings.scopes = words(&self.oauth_scopes);
                settings.audience = non_empty(&self.audience);
                settings.resource = non_empty(&self.resource);
                settings.assertion = if self.client_auth == ClientAuth::PrivateKeyJwt {
                    if self.alg.is_shared_secret() {
                        return Err(ProfileError::AssertionNeedsPrivateKey);
                    }
                    Some(AssertionKey { algorithm: self.alg, key_id: non_empty(&self.key_id) })
                } else {
                    None
                };
            }
            AuthMethod::SignedJwt(settings) => {
                settings.algorithm = self.alg;
                settings.key_id = non_empty(&self.key_id);
                self.jwt_issuer.trim().clone_into(&mut settings.issuer);
                self.jwt_subject.trim().clone_into(&mut settings.subject);
                self.jwt_audience.trim().clone_into(&mut settings.audience);
                settings.scopes = words(&self.jwt_scopes);
                settings.extra_claims.clone_from(&self.jwt_claims);
                settings.lifetime_secs = match self.jwt_lifetime.trim().parse::<u32>() {
                    Ok(secs) if secs > 0 => secs,
                    _ => return Err(ProfileError::BadLifetime(self.jwt_lifetime.clone())),
                };
                crate::core::token::mint::extra_claims(&settings.extra_claims).map_err(ProfileError::ExtraClaims)?;
            }
            AuthMethod::OAuth1(settings) => {
                settings.consumer_key = non_empty(&self.oauth1_consumer_key).ok_or(ProfileError::NoConsumerKey)?;
                self.oauth1_token.trim().clone_into(&mut settings.token);
                settings.method = self.oauth1_method;
                settings.placement = self.oauth1_placement;
                settings.realm = non_empty(&self.oauth1_realm);
            }
            AuthMethod::AwsSigV4(settings) => {
                let key_id = self.aws_access_key_id.trim();
                if key_id.is_empty() {
                    return Err(ProfileError::NoAccessKeyId);
                }
                if !key_id.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(ProfileError::BadAccessKeyId(key_id.to_owned()));
                }
                let region = self.aws_region.trim().to_ascii_lowercase();
                if region.is_empty() {
                    return Err(ProfileError::NoRegion);
                }
                if !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    || !region.contains('-')
                {
                    return Err(ProfileError::BadRegion(self.aws_region.trim().to_owned()));
                }
                let service = self.aws_service.trim().to_ascii_lowercase();
                if service.is_empty() {
                    return Err(ProfileError::NoService);
                }
                settings.expires_secs = match self.aws_expires.trim().parse::<u32>() {
                    Ok(secs) if (1..=604_800).contains(&secs) => secs,
                    _ => return Err(ProfileError::BadExpires(self.aws_expires.clone())),
                };
                key_id.clone_into(&mut settings.access_key_id);
                settings.region = region;
                settings.service = service;
                settings.placement = self.aws_placement;
            }
            AuthMethod::Digest { username, .. } => {
                // Digest hashes "username:realm:password", so a colon is allowed; a line break is not.
                let typed = self.username.trim();
                if typed.is_empty() {
                    return Err(ProfileError::NoUsername);
                }
                if typed.chars().any(char::is_control) {
                    return Err(ProfileError::UsernameControl);
                }
                typed.clone_into(username);
            }
            AuthMethod::OAuthAuthorizationCode(settings) | AuthMethod::OAuthDevice(settings) => {
                let page = if self.kind == AuthKind::OAuthDevice {
                    UrlField::DeviceAuthorization
                } else {
                    UrlField::Authorization
                };
                settings.authorization_url = web_url(&self.authorization_url, page)?;
                settings.token_url = web_url(&self.token_url, UrlField::Token)?;
                settings.client_id = self.client_id()?;
                settings.scopes = words(&self.oauth_scopes);
                settings.audience = non_empty(&self.audience);
            }
            AuthMethod::None | AuthMethod::Bearer { .. } => {}
        }
        Ok(())
    }

    fn client_id(&self) -> Result<String, ProfileError> {
        non_empty(&self.client_id).ok_or(ProfileError::NoClientId)
    }
}

/// A required http(s) address with a host, trimmed.
fn web_url(text: &str, field: UrlField) -> Result<String, ProfileError> {
    let text = text.trim();
    // The editor starts address fields with "https://" as a hint: that alone is nothing typed.
    if text.is_empty() || text == "https://" || text == "http://" {
        return Err(ProfileError::MissingUrl(field));
    }
    let parsed = url::Url::parse(text).map_err(|_| ProfileError::BadUrl { field, text: text.to_owned() })?;
    // "localhost:8080/token" parses, as scheme "localhost" with no host: say the host is missing.
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(ProfileError::NoHost { field, text: text.to_owned() });
    }
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ProfileError::NotHttp { field, text: text.to_owned(), scheme: parsed.scheme().to_owned() });
    }
    Ok(text.to_owned())
}

/// An address that may be left empty.
fn optional_url(text: &str, field: UrlField) -> Result<Option<String>, ProfileError> {
    if text.trim().is_empty() { Ok(None) } else { web_url(text, field).map(Some) }
}

fn allowed_hosts(given: &[String]) -> Result<Vec<String>, ProfileError> {
    let mut hosts = Vec::new();
    for entry in given.iter().flat_map(|e| e.split([',', ' '])).map(str::trim).filter(|h| !h.is_empty()) {
        if entry.contains("://") || entry.contains(['/', '?', '#', '@']) || entry.chars().any(char::is_control) {
            return Err(ProfileError::BadAllowedHost(entry.to_owned()));
        }
        hosts.push(entry.to_owned());
    }
    Ok(hosts)
}

/// Scopes as typed: each entry may hold several, separated by spaces or commas.
fn words(entries: &[String]) -> Vec<String> {
    entries.iter().flat_map(|e| e.split([' ', ',', '\t', '\n'])).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn non_empty(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests;
