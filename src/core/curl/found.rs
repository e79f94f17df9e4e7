//! The credential a curl command carried, and the profile sign-in method that sends it the same
//! way: `-u user:password` and `Authorization: Basic …` become Basic, `--oauth2-bearer` and
//! `Authorization: Bearer …` an access token, a key header or query parameter an API key.
//!
//! A found credential is taken out of the request and offered to a profile's keychain entry, so
//! the value never lands in the request, its history or an export. Its `Debug` shows no value.

use super::detect::{header_is_credential, looks_like_key};
use super::shorten;
use crate::core::diagnose::knowledge::EnvKind;
use crate::core::profile::{AuthKind, AuthMethod, KeyPlacement, ProfileId, SecretRef};
use crate::core::request::BodyDraft;
use crate::core::secret::Secret;
use base64::Engine as _;

/// Where in the command a credential was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    Header(String),
    Query(String),
    /// `-u` / `--user`.
    UserOption,
    /// `--oauth2-bearer`.
    BearerOption,
    /// The address itself: `https://user:password@host/`.
    UrlUserinfo,
    /// Typed or pasted into the request's body (it can only be pointed out, not moved).
    Body,
}

impl CredentialSource {
    pub fn words(&self) -> String {
        match self {
            CredentialSource::Header(name) => format!("header {name}"),
            CredentialSource::Query(name) => format!("query parameter {name}"),
            CredentialSource::UserOption => "the -u option (username and password)".to_owned(),
            CredentialSource::BearerOption => "the --oauth2-bearer option".to_owned(),
            CredentialSource::UrlUserinfo => "the address (user:password@)".to_owned(),
            CredentialSource::Body => "the body".to_owned(),
        }
    }
}

/// The profile sign-in method that sends a found credential the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuggestedAuth {
    ApiKey { name: String, placement: KeyPlacement },
    Bearer,
    Basic { username: String },
}

impl SuggestedAuth {
    pub fn kind(&self) -> AuthKind {
        match self {
            SuggestedAuth::ApiKey { .. } => AuthKind::ApiKey,
            SuggestedAuth::Bearer => AuthKind::Bearer,
            SuggestedAuth::Basic { .. } => AuthKind::Basic,
        }
    }

    /// The method with its secret slot in `profile`'s keychain entries.
    pub fn to_auth_method(&self, profile: &ProfileId) -> AuthMethod {
        match self {
            SuggestedAuth::ApiKey { name, placement } => AuthMethod::ApiKey {
                name: name.clone(),
                placement: *placement,
                key: SecretRef::for_profile(profile, "api_key"),
            },
            SuggestedAuth::Bearer => AuthMethod::Bearer { token: SecretRef::for_profile(profile, "bearer_token") },
            SuggestedAuth::Basic { username } => AuthMethod::Basic {
                username: username.clone(),
                password: SecretRef::for_profile(profile, "basic_password"),
            },
        }
    }

    /// Whether a profile with `auth` sends a credential the same way, so its slot can take this one.
    pub fn matches(&self, auth: &AuthMethod) -> bool {
        match (self, auth) {
            (SuggestedAuth::Bearer, AuthMethod::Bearer { .. }) => true,
            (SuggestedAuth::Basic { username }, AuthMethod::Basic { username: theirs, .. }) => username == theirs,
            (
                SuggestedAuth::ApiKey { name, placement },
                AuthMethod::ApiKey { name: theirs, placement: their_placement, .. },
            ) => name.eq_ignore_ascii_case(theirs) && placement == their_placement,
            _ => false,
        }
    }

    /// In words, for example "API key in header X-Api-Key".
    pub fn words(&self) -> String {
        match self {
            SuggestedAuth::ApiKey { name, placement: KeyPlacement::Header } => format!("API key in header {name}"),
            SuggestedAuth::ApiKey { name, placement: KeyPlacement::Query } => {
                format!("API key in query parameter {name}")
            }
            SuggestedAuth::Bearer => "access token (bearer)".to_owned(),
            SuggestedAuth::Basic { username } => format!("username {username} and password (Basic)"),
        }
    }
}

/// A credential found in a curl command. Its `Debug` never shows the value.
#[derive(Debug, Clone)]
pub struct FoundCredential {
    pub secret: Secret,
    pub source: CredentialSource,
    pub suggested: SuggestedAuth,
    /// What kind of key it looks like, when its prefix tells (e.g. "Stripe test secret key").
    pub looks_like: Option<String>,
    /// Whether its prefix says it is a test or a live key.
    pub environment: Option<EnvKind>,
}

impl FoundCredential {
    pub fn fingerprint(&self) -> String {
        self.secret.fingerprint()
    }

    /// For example "`sk_test_…4f2a` in header Authorization".
    pub fn describe(&self) -> String {
        if self.is_shell_variable() {
            return format!(
                "{} in {} (a shell variable: the value itself is not in the command)",
                self.secret.expose(),
                self.source.words()
            );
        }
        let kind = self.looks_like.as_ref().map(|k| format!(" ({k})")).unwrap_or_default();
        format!("{}{kind} in {}", self.fingerprint(), self.source.words())
    }

    /// Whether the "credential" is only a shell variable's name (`$API_TOKEN`, `${TOKEN}`), which
    /// the person's shell would fill in: not a value to keep in a keychain.
    pub fn is_shell_variable(&self) -> bool {
        let value = self.secret.expose();
        let name = value
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .or_else(|| value.strip_prefix('$'))
            .unwrap_or_default();
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    }
}

/// A found credential, with what its prefix says about it.
pub(super) fn found(value: String, source: CredentialSource, suggested: SuggestedAuth) -> FoundCredential {
    let prefix = crate::core::key_prefix::find(&value);
    let looks_like = prefix.map(|p| p.kind.clone());
    let environment = prefix.and_then(|p| p.environment);
    FoundCredential { secret: Secret::new(value), source, suggested, looks_like, environment }
}

pub(super) fn header_credential(name: &str, value: &str, notes: &mut Vec<String>) -> Option<FoundCredential> {
    let source = CredentialSource::Header(name.to_owned());
    if name.eq_ignore_ascii_case("Authorization") {
        let (scheme, rest) = value.split_once(' ').map_or((value, ""), |(s, r)| (s, r.trim()));
        if scheme.eq_ignore_ascii_case("Bearer") && !rest.is_empty() {
            return Some(found(rest.to_owned(), source, SuggestedAuth::Bearer));
        }
        if scheme.eq_ignore_ascii_case("Basic")
            && let Some(pair) = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
            && let Some((user, password)) = pair.split_once(':')
        {
            return Some(basic_credential(user, password, source, notes));
        }
        // Another scheme (Token, Bot, SSWS, ...): the whole value is the credential.
        let suggested = SuggestedAuth::ApiKey { name: name.to_owned(), placement: KeyPlacement::Header };
        return Some(found(value.to_owned(), source, suggested));
    }
    if name.eq_ignore_ascii_case("Proxy-Authorization") || name.eq_ignore_ascii_case("Cookie") {
        if name.eq_ignore_ascii_case("Cookie") && !value.is_empty() {
            notes.push(
                "The command sends cookies (a Cookie header). They may hold a sign-in session: they stay in the request's headers, and history shows them masked."
                    .to_owned(),
            );
        }
        return None;
    }
    if header_is_credential(name, value) {
        let suggested = SuggestedAuth::ApiKey { name: name.to_owned(), placement: KeyPlacement::Header };
        return Some(found(value.to_owned(), source, suggested));
    }
    None
}

pub(super) fn user_credential(user: &str, notes: &mut Vec<String>) -> FoundCredential {
    if let Some((name, password)) = user.split_once(':') {
        basic_credential(name, password, CredentialSource::UserOption, notes)
    } else {
        notes.push(format!(
            "-u gives the username \"{}\" without a password (curl would ask for it). Set the password in the profile.",
            shorten(user)
        ));
        found(String::new(), CredentialSource::UserOption, SuggestedAuth::Basic { username: user.to_owned() })
    }
}

pub(super) fn basic_credential(
    user: &str,
    password: &str,
    source: CredentialSource,
    notes: &mut Vec<String>,
) -> FoundCredential {
    if password.is_empty() && !user.is_empty() && !looks_like_key(user) {
        // A username with an empty password: a Basic profile needs a password, so the profile
        // sends curl's whole Authorization value as its key, byte for byte.
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:"));
        let suggested = SuggestedAuth::ApiKey { name: "Authorization".to_owned(), placement: KeyPlacement::Header };
        return found(format!("Basic {encoded}"), source, suggested);
    }
    if password.is_empty() && !user.is_empty() {
        // Stripe-style: the key is the username and the password is empty. A profile keeps the
        // username in its file, so the key goes to the keychain as a bearer token instead.
        notes.push(
            "The key was sent as a username with an empty password. Gatepass keeps usernames in the profile file, which is no place for a key, so it suggests sending the key as an access token (bearer), which APIs like Stripe also accept."
                .to_owned(),
        );
        return found(user.to_owned(), source, SuggestedAuth::Bearer);
    }
    found(password.to_owned(), source, SuggestedAuth::Basic { username: user.to_owned() })
}

pub(super) fn body_secret_note(body: &BodyDraft, notes: &mut Vec<String>) {
    let names: Vec<String> = match body {
        BodyDraft::Form { fields } => fields
            .iter()
            .filter(|f| matches!(f.name.to_ascii_lowercase().as_str(), "client_secret" | "password" | "refresh_token"))
            .map(|f| f.name.clone())
            .collect(),
        BodyDraft::Json { text } => ["client_secret", "password", "refresh_token"]
            .iter()
            .filter(|n| text.contains(&format!("\"{n}\"")))
            .map(|n| (*n).to_owned())
            .collect(),
        _ => Vec::new(),
    };
    if !names.is_empty() {
        notes.push(format!(
            "The body holds a secret ({}). It stays in the body: for a sign-in server's token endpoint, an OAuth 2 client credentials profile keeps the client secret in the keychain instead.",
            names.join(", ")
        ));
    }
}
