//! Credential profiles: who we are when we call an API, and where that identity may be sent.
//!
//! A profile holds only *references* to secrets ([`SecretRef`]); the values live in the OS
//! keychain. Everything here serialises to the readable profiles file. A profile is built from
//! what a person typed only through [`ProfileDraft::build`] (in `profile/draft.rs`), the one
//! place its rules live.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod draft;
pub use draft::{AuthDraft, DraftField, ProfileDraft, ProfileError, UrlField};

/// A profile's stable id (survives renames).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProfileId(pub String);

impl ProfileId {
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl std::fmt::Display for ProfileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which world a profile talks to. Production is treated with extra care everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Environment {
    Sandbox,
    Production,
    /// A team's own stage, such as Staging, with a colour like `#d08a2c`.
    Custom {
        label: String,
        color: String,
    },
}

impl Environment {
    pub fn label(&self) -> &str {
        match self {
            Environment::Sandbox => "Sandbox",
            Environment::Production => "Production",
            Environment::Custom { label, .. } => label,
        }
    }

    /// The label with its plain-words gloss, as Gatepass names it first.
    pub fn long_label(&self) -> String {
        match self {
            Environment::Sandbox => "Sandbox (test)".to_owned(),
            Environment::Production => "Production (live)".to_owned(),
            Environment::Custom { label, .. } => label.clone(),
        }
    }

    /// Production, or a team's own stage whose label says so ("prod", "PRD", "live", "Production
    /// EU", "prod-us"): the guard and the red banner follow the meaning, not one spelling. The one
    /// rule for it, which the explanations use too.
    pub fn is_production(&self) -> bool {
        match self {
            Environment::Production => true,
            Environment::Sandbox => false,
            Environment::Custom { label, .. } => label_words(label).any(|w| {
                w.starts_with("production")
                    || (w.starts_with("prod") && !w.starts_with("product"))
                    || w.starts_with("prd")
                    || w == "live"
            }),
        }
    }

    /// Sandbox, or a stage whose label says it is for testing (Staging, QA, UAT, dev, preview).
    pub fn is_test_like(&self) -> bool {
        match self {
            Environment::Sandbox => true,
            Environment::Production => false,
            Environment::Custom { .. } if self.is_production() => false,
            Environment::Custom { label, .. } => label_words(label).any(|w| {
                ["stag", "test", "dev", "qa", "uat", "sandbox", "sbx", "preview", "demo", "local"]
                    .iter()
                    .any(|p| w.starts_with(p))
            }),
        }
    }

    /// Parse what a person types: "sandbox", "test", "production", "live", or any other label.
    pub fn from_label(label: &str) -> Self {
        match label.trim().to_ascii_lowercase().as_str() {
            "sandbox" | "test" => Environment::Sandbox,
            "production" | "prod" | "prd" | "live" => Environment::Production,
            _ => Environment::Custom { label: label.trim().to_owned(), color: "#d08a2c".to_owned() },
        }
    }
}

/// The lower-case words of an environment's label.
fn label_words(label: &str) -> impl Iterator<Item = String> + '_ {
    label.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// A pointer to a keychain entry: the profile file stores this, never the value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretRef(pub String);

impl SecretRef {
    pub fn for_profile(profile: &ProfileId, field: &str) -> Self {
        Self(format!("{profile}/{field}"))
    }
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPlacement {
    Header,
    Query,
}

/// How an OAuth 2 client proves who it is to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// Client ID and secret in an `Authorization: Basic` header (`client_secret_basic`).
    #[default]
    BasicHeader,
    /// Client ID and secret as form fields in the request body (`client_secret_post`).
    RequestBody,
    /// A short-lived JWT signed with the client's private key instead of a secret
    /// (`private_key_jwt`, RFC 7523 §2.2): the secret slot holds the private key.
    PrivateKeyJwt,
}

impl ClientAuth {
    pub const ALL: [ClientAuth; 3] = [ClientAuth::BasicHeader, ClientAuth::RequestBody, ClientAuth::PrivateKeyJwt];

    pub fn label(self) -> &'static str {
        match self {
            ClientAuth::BasicHeader => "a Basic header",
            ClientAuth::RequestBody => "the form body",
            ClientAuth::PrivateKeyJwt => "a signed assertion (private key)",
        }
    }
}

/// How a `private_key_jwt` client assertion is signed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssertionKey {
    pub algorithm: SigningAlg,
    /// The `kid` header naming the key the sign-in server should check with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// The settings of an OAuth 2 client credentials grant (RFC 6749 §4.4). The client secret and the
/// access token obtained with it live in the keychain; this holds only their slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    /// The sign-in server's token endpoint.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: SecretRef,
    /// Permissions (scopes) to ask for; empty asks for the client's default.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The `audience` parameter some servers (Auth0, Okta) need to pick the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// The `resource` parameter (RFC 8707) other servers (Azure AD v1, ADFS) use instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// With [`ClientAuth::PrivateKeyJwt`]: how the assertion is signed and which key it names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<AssertionKey>,
    /// Where the last access token obtained is cached, with its expiry.
    pub token_cache: SecretRef,
}

impl ClientCredentials {
    /// Empty settings whose secrets live in this profile's slots.
    pub fn new(profile: &ProfileId) -> Self {
        Self {
            token_url: String::new(),
            client_id: String::new(),
            client_secret: SecretRef::for_profile(profile, "client_secret"),
            scopes: Vec::new(),
            audience: None,
            resource: None,
            client_auth: ClientAuth::BasicHeader,
            assertion: None,
            token_cache: SecretRef::for_profile(profile, "oauth_token"),
        }
    }

    /// The same settings, with the secret slots moved to another profile's.
    #[must_use]
    pub fn with_slots_of(&self, profile: &ProfileId) -> Self {
        let fresh = Self::new(profile);
        Self { client_secret: fresh.client_secret, token_cache: fresh.token_cache, ..self.clone() }
    }
}

/// The algorithms Gatepass signs JWTs with (RFC 7518 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SigningAlg {
    #[default]
    HS256,
    HS384,
    HS512,
    RS256,
    PS256,
    ES256,
    EdDSA,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 7] = [
        SigningAlg::HS256,
        SigningAlg::HS384,
        SigningAlg::HS512,
        SigningAlg::RS256,
        SigningAlg::PS256,
        SigningAlg::ES256,
        SigningAlg::EdDSA,
    ];

    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::HS256 => "HS256",
            SigningAlg::HS384 => "HS384",
            SigningAlg::HS512 => "HS512",
            SigningAlg::RS256 => "RS256",
            SigningAlg::PS256 => "PS256",
            SigningAlg::ES256 => "ES256",
            SigningAlg::EdDSA => "EdDSA",
        }
    }

    /// Parse an `alg` name, ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Signed with a secret both sides share (HMAC), rather than a private key.
    pub fn is_shared_secret(self) -> bool {
        matches!(self, SigningAlg::HS256 | SigningAlg::HS384 | SigningAlg::HS512)
    }

    /// What key this algorithm signs with, in plain words.
    pub fn key_words(self) -> &'static str {
        match self {
            SigningAlg::HS256 | SigningAlg::HS384 | SigningAlg::HS512 => "a shared secret",
            SigningAlg::RS256 | SigningAlg::PS256 => "an RSA private key (PEM)",
            SigningAlg::ES256 => "an EC P-256 private key (PEM)",
            SigningAlg::EdDSA => "an Ed25519 private key (PEM)",
        }
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A JWT Gatepass makes and signs itself for each request, from a claims template (the way
/// service accounts and many server-to-server APIs work). The signing key lives in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedJwt {
    pub algorithm: SigningAlg,
    /// The signing key: the shared secret (HS*) or the private key as PEM text.
    pub key: SecretRef,
    /// The `kid` header, which tells the API which of its keys to check with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `iss`: who made the token (often the client or service account ID). Empty leaves it out.
    #[serde(default)]
    pub issuer: String,
    /// `sub`: who the token speaks for. Empty leaves it out.
    #[serde(default)]
    pub subject: String,
    /// `aud`: the API the token is meant for. Empty leaves it out.
    #[serde(default)]
    pub audience: String,
    /// Permissions, sent as the space-separated `scope` claim. Empty leaves it out.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// More claims as a JSON object, exactly as typed (e.g. `{"tenant": "acme"}`).
    #[serde(default)]
    pub extra_claims: String,
    /// How long each token is good for, in seconds (`exp` = now + this).
    #[serde(default = "SignedJwt::default_lifetime")]
    pub lifetime_secs: u32,
}

impl SignedJwt {
    pub const DEFAULT_LIFETIME_SECS: u32 = 300;

    fn default_lifetime() -> u32 {
        Self::DEFAULT_LIFETIME_SECS
    }

    /// Empty settings whose key lives in this profile's slot.
    pub fn new(profile: &ProfileId) -> Self {
        Self {
            algorithm: SigningAlg::HS256,
            key: SecretRef::for_profile(profile, "signing_key"),
            key_id: None,
            issuer: String::new(),
            subject: String::new(),
            audience: String::new(),
            scopes: Vec::new(),
            extra_claims: String::new(),
            lifetime_secs: Self::DEFAULT_LIFETIME_SECS,
        }
    }
}

/// The settings of an OAuth 2 grant a person approves in a browser: the authorization code grant
/// with PKCE (RFC 6749 §4.1, RFC 7636) or the device authorization grant (RFC 8628). The optional
/// client secret (confidential clients only) and the tokens obtained live in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSignIn {
    /// Where the person approves: the authorization endpoint (code grant) or the device
    /// authorization endpoint (device grant).
    pub authorization_url: String,
    /// The sign-in server's token endpoint.
    pub token_url: String,
    pub client_id: String,
    /// The client secret's slot; empty for a public client (the usual case for these grants).
    pub client_secret: SecretRef,
    /// Permissions (scopes) to ask for; empty asks for the client's default.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The `audience` parameter some servers (Auth0, Okta) need to pick the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Where the tokens obtained are cached (access token, refresh token, expiries).
    pub token_cache: SecretRef,
}

impl UserSignIn {
    /// Empty settings whose secrets live in this profile's slots.
    pub fn new(profile: &ProfileId) -> Self {
        Self {
            authorization_url: String::new(),
            token_url: String::new(),
            client_id: String::new(),
            client_secret: SecretRef::for_profile(profile, "client_secret"),
            scopes: Vec::new(),
            audience: None,
            token_cache: SecretRef::for_profile(profile, "oauth_token"),
        }
    }

    /// The same settings, with the secret slots moved to another profile's.
    #[must_use]
    pub fn with_slots_of(&self, profile: &ProfileId) -> Self {
        let fresh = Self::new(profile);
        Self { client_secret: fresh.client_secret, token_cache: fresh.token_cache, ..self.clone() }
    }
}

/// Where an AWS Signature V4 goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigV4Placement {
    /// The `Authorization` header (and `X-Amz-Date`), as the AWS SDKs sign.
    #[default]
    Header,
    /// A presigned URL: the signature and its parameters in the query string.
    Query,
}

/// The settings of AWS Signature Version 4. The secret access key and the optional session
/// token (temporary credentials) live in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsSigV4 {
    pub access_key_id: String,
    /// `us-east-1`, `eu-west-1`, …
    pub region: String,
    /// The signing name of the service: `s3`, `execute-api`, `sqs`, `dynamodb`, …
    pub service: String,
    pub secret_access_key: SecretRef,
    /// The slot of a session token (temporary credentials from STS); nothing in it means none.
    pub session_token: SecretRef,
    #[serde(default)]
    pub placement: SigV4Placement,
    /// How long a presigned URL stays good, in seconds.
    #[serde(default = "AwsSigV4::default_expiry")]
    pub expires_secs: u32,
}

impl AwsSigV4 {
    pub const DEFAULT_EXPIRES_SECS: u32 = 900;

    fn default_expiry() -> u32 {
        Self::DEFAULT_EXPIRES_SECS
    }

    /// Empty settings whose secrets live in this profile's slots.
    pub fn new(profile: &ProfileId) -> Self {
        Self {
            access_key_id: String::new(),
            region: String::new(),
            service: String::new(),
            secret_access_key: SecretRef::for_profile(profile, "aws_secret_access_key"),
            session_token: SecretRef::for_profile(profile, "aws_session_token"),
            placement: SigV4Placement::Header,
            expires_secs: Self::DEFAULT_EXPIRES_SECS,
        }
    }
}

/// How an OAuth 1.0a request is signed (RFC 5849 §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OAuth1Method {
    #[default]
    #[serde(rename = "HMAC-SHA1")]
    HmacSha1,
    #[serde(rename = "HMAC-SHA256")]
    HmacSha256,
    #[serde(rename = "PLAINTEXT")]
    Plaintext,
    /// The consumer's RSA private key signs (RFC 5849 §3.4.3); the consumer secret slot holds it.
    #[serde(rename = "RSA-SHA1")]
    RsaSha1,
}

impl OAuth1Method {
    pub const ALL: [OAuth1Method; 4] =
        [OAuth1Method::HmacSha1, OAuth1Method::HmacSha256, OAuth1Method::RsaSha1, OAuth1Method::Plaintext];

    /// The `oauth_signature_method` value.
    pub fn name(self) -> &'static str {
        match self {
            OAuth1Method::HmacSha1 => "HMAC-SHA1",
            OAuth1Method::HmacSha256 => "HMAC-SHA256",
            OAuth1Method::Plaintext => "PLAINTEXT",
            OAuth1Method::RsaSha1 => "RSA-SHA1",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Where OAuth 1.0a's protocol parameters go (RFC 5849 §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuth1Placement {
    #[default]
    Header,
    Query,
    /// A form body's fields (`application/x-www-form-urlencoded` only).
    Body,
}

/// The settings of OAuth 1.0a. The consumer secret and the token secret live in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuth1 {
    pub consumer_key: String,
    pub consumer_secret: SecretRef,
    /// The access token (`oauth_token`); empty for consumer-only (two-legged) requests.
    #[serde(default)]
    pub token: String,
    pub token_secret: SecretRef,
    /// Named `signature_method` in the file: `method` is the sign-in method's own tag.
    #[serde(default, rename = "signature_method")]
    pub method: OAuth1Method,
    #[serde(default)]
    pub placement: OAuth1Placement,
    /// The `realm` some APIs (`NetSuite`) need in the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
}

impl OAuth1 {
    /// Empty settings whose secrets live in this profile's slots.
    pub fn new(profile: &ProfileId) -> Self {
        Self {
            consumer_key: String::new(),
            consumer_secret: SecretRef::for_profile(profile, "oauth1_consumer_secret"),
            token: String::new(),
            token_secret: SecretRef::for_profile(profile, "oauth1_token_secret"),
            method: OAuth1Method::HmacSha1,
            placement: OAuth1Placement::Header,
            realm: None,
        }
    }
}

/// How a profile proves who it is. New methods (signed JWTs, other grants) are new variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum AuthMethod {
    None,
    ApiKey {
        name: String,
        placement: KeyPlacement,
        key: SecretRef,
    },
    Bearer {
        token: SecretRef,
    },
    Basic {
        username: String,
        password: SecretRef,
    },
    /// OAuth 2 client credentials: Gatepass gets an access token from the token URL and sends it
    /// as a bearer token.
    #[serde(rename = "oauth_client_credentials")]
    OAuthClientCredentials(ClientCredentials),
    /// A JWT Gatepass signs itself for each request and sends as a bearer token.
    SignedJwt(SignedJwt),
    /// OAuth 2 authorization code with PKCE: a person signs in and approves in the browser.
    #[serde(rename = "oauth_authorization_code")]
    OAuthAuthorizationCode(UserSignIn),
    /// OAuth 2 device grant: a person types a short code on a sign-in page, on any device.
    #[serde(rename = "oauth_device")]
    OAuthDevice(UserSignIn),
    /// HTTP Digest (RFC 7616): the password never goes out; each request answers the server's
    /// challenge with a hash of it.
    Digest {
        username: String,
        password: SecretRef,
    },
    /// AWS Signature Version 4: each request signed with the secret access key.
    #[serde(rename = "aws_sigv4")]
    AwsSigV4(AwsSigV4),
    /// OAuth 1.0a (RFC 5849): each request signed with the consumer and token secrets.
    #[serde(rename = "oauth1")]
    OAuth1(OAuth1),
}

/// The auth methods by name, for pickers and the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    None,
    ApiKey,
    Bearer,
    Basic,
    OAuthClientCredentials,
    SignedJwt,
    OAuthAuthorizationCode,
    OAuthDevice,
    Digest,
    AwsSigV4,
    OAuth1,
}

impl AuthKind {
    pub const ALL: [AuthKind; 11] = [
        AuthKind::None,
        AuthKind::ApiKey,
        AuthKind::Bearer,
        AuthKind::Basic,
        AuthKind::OAuthClientCredentials,
        AuthKind::SignedJwt,
        AuthKind::OAuthAuthorizationCode,
        AuthKind::OAuthDevice,
        AuthKind::Digest,
        AuthKind::AwsSigV4,
        AuthKind::OAuth1,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AuthKind::None => "No credential",
            AuthKind::ApiKey => "API key",
            AuthKind::Bearer => "Access token (bearer)",
            AuthKind::Basic => "Username and password (Basic)",
            AuthKind::OAuthClientCredentials => "OAuth 2 client credentials",
            AuthKind::SignedJwt => "Signed JWT",
            AuthKind::OAuthAuthorizationCode => "OAuth 2 sign in with browser (authorization code)",
            AuthKind::OAuthDevice => "OAuth 2 sign in with a code (device)",
            AuthKind::Digest => "Username and password (Digest)",
            AuthKind::AwsSigV4 => "AWS Signature V4",
            AuthKind::OAuth1 => "OAuth 1.0a (signed requests)",
        }
    }
}

impl AuthMethod {
    pub fn kind(&self) -> AuthKind {
        match self {
            AuthMethod::None => AuthKind::None,
            AuthMethod::ApiKey { .. } => AuthKind::ApiKey,
            AuthMethod::Bearer { .. } => AuthKind::Bearer,
            AuthMethod::Basic { .. } => AuthKind::Basic,
            AuthMethod::OAuthClientCredentials(_) => AuthKind::OAuthClientCredentials,
            AuthMethod::SignedJwt(_) => AuthKind::SignedJwt,
            AuthMethod::OAuthAuthorizationCode(_) => AuthKind::OAuthAuthorizationCode,
            AuthMethod::OAuthDevice(_) => AuthKind::OAuthDevice,
            AuthMethod::Digest { .. } => AuthKind::Digest,
            AuthMethod::AwsSigV4(_) => AuthKind::AwsSigV4,
            AuthMethod::OAuth1(_) => AuthKind::OAuth1,
        }
    }

    /// Does this method get its access token from a sign-in server (any OAuth grant)?
    pub fn is_oauth(&self) -> bool {
        self.token_cache().is_some()
    }

    /// The OAuth grant's person-approved settings (authorization code or device).
    pub fn user_sign_in(&self) -> Option<&UserSignIn> {
        match self {
            AuthMethod::OAuthAuthorizationCode(s) | AuthMethod::OAuthDevice(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the method sends an access token (a pasted one, or one from a sign-in server):
    /// what a `DPoP` key can bind.
    pub fn carries_access_token(&self) -> bool {
        matches!(self, Self::Bearer { .. }) || self.token_cache().is_some()
    }

    /// Where an OAuth method caches its tokens.
    pub fn token_cache(&self) -> Option<&SecretRef> {
        match self {
            AuthMethod::OAuthClientCredentials(cc) => Some(&cc.token_cache),
            AuthMethod::OAuthAuthorizationCode(s) | AuthMethod::OAuthDevice(s) => Some(&s.token_cache),
            _ => None,
        }
    }

    /// A fresh method of the given kind whose secret lives in this profile's slot.
    pub fn new_of_kind(kind: AuthKind, profile: &ProfileId) -> Self {
        match kind {
            AuthKind::None => AuthMethod::None,
            AuthKind::ApiKey => AuthMethod::ApiKey {
                name: "X-Api-Key".to_owned(),
                placement: KeyPlacement::Header,
                key: SecretRef::for_profile(profile, "api_key"),
            },
            AuthKind::Bearer => AuthMethod::Bearer { token: SecretRef::for_profile(profile, "token") },
            AuthKind::Basic => {
                AuthMethod::Basic { username: String::new(), password: SecretRef::for_profile(profile, "password") }
            }
            AuthKind::OAuthClientCredentials => AuthMethod::OAuthClientCredentials(ClientCredentials::new(profile)),
            AuthKind::SignedJwt => AuthMethod::SignedJwt(SignedJwt::new(profile)),
            AuthKind::OAuthAuthorizationCode => AuthMethod::OAuthAuthorizationCode(UserSignIn::new(profile)),
            AuthKind::OAuthDevice => AuthMethod::OAuthDevice(UserSignIn::new(profile)),
            AuthKind::Digest => {
                AuthMethod::Digest { username: String::new(), password: SecretRef::for_profile(profile, "password") }
            }
            AuthKind::AwsSigV4 => AuthMethod::AwsSigV4(AwsSigV4::new(profile)),
            AuthKind::OAuth1 => AuthMethod::OAuth1(OAuth1::new(profile)),
        }
    }

    /// The secret the user sets for this method, if any (for OAuth, the client secret).
    pub fn secret_ref(&self) -> Option<&SecretRef> {
        match self {
            AuthMethod::None => None,
            AuthMethod::ApiKey { key, .. } => Some(key),
            AuthMethod::Bearer { token } => Some(token),
            AuthMethod::Basic { password, .. } | AuthMethod::Digest { password, .. } => Some(password),
            AuthMethod::OAuthClientCredentials(cc) => Some(&cc.client_secret),
            AuthMethod::SignedJwt(settings) => Some(&settings.key),
            AuthMethod::OAuthAuthorizationCode(s) | AuthMethod::OAuthDevice(s) => Some(&s.client_secret),
            AuthMethod::AwsSigV4(settings) => Some(&settings.secret_access_key),
            AuthMethod::OAuth1(settings) => Some(&settings.consumer_secret),
        }
    }

    /// Every keychain slot this method uses, the user's secret first (deleted with the profile).
    pub fn secret_slots(&self) -> Vec<&SecretRef> {
        match self {
            AuthMethod::OAuthClientCredentials(cc) => vec![&cc.client_secret, &cc.token_cache],
            AuthMethod::OAuthAuthorizationCode(s) | AuthMethod::OAuthDevice(s) => {
                vec![&s.client_secret, &s.token_cache]
            }
            AuthMethod::AwsSigV4(settings) => vec![&settings.secret_access_key, &settings.session_token],
            AuthMethod::OAuth1(settings) => vec![&settings.consumer_secret, &settings.token_secret],
            other => other.secret_ref().into_iter().collect(),
        }
    }

    /// What the secret the user sets is called in this method, in plain words.
    pub fn secret_label(&self) -> &'static str {
        match self {
            AuthMethod::None => "credential",
            AuthMethod::ApiKey { .. } => "API key",
            AuthMethod::Bearer { .. } => "access token",
            AuthMethod::Basic { .. } | AuthMethod::Digest { .. } => "password",
            AuthMethod::OAuthClientCredentials(cc) if cc.client_auth == ClientAuth::PrivateKeyJwt => "private key",
            AuthMethod::OAuthClientCredentials(_)
            | AuthMethod::OAuthAuthorizationCode(_)
            | AuthMethod::OAuthDevice(_) => "client secret",
            AuthMethod::SignedJwt(settings) if settings.algorithm.is_shared_secret() => "signing secret",
            AuthMethod::SignedJwt(_) => "private key",
            AuthMethod::AwsSigV4(_) => "secret access key",
            AuthMethod::OAuth1(o) if o.method == OAuth1Method::RsaSha1 => "RSA private key",
            AuthMethod::OAuth1(_) => "consumer secret",
        }
    }

    /// What goes on the wire with a request, in plain words (for OAuth, the access token
    /// obtained with the client secret, not the secret itself).
    pub fn sent_credential_label(&self) -> &'static str {
        match self {
            AuthMethod::SignedJwt(_) => "signed token",
            AuthMethod::Digest { .. } => "Digest answer",
            AuthMethod::AwsSigV4(_) => "AWS signature",
            AuthMethod::OAuth1(_) => "OAuth 1 signature",
            other if other.is_oauth() => "access token",
            other => other.secret_label(),
        }
    }
}

/// A TLS client identity (mutual TLS, "client certificate"): used together with whichever auth
/// method the profile has. The certificate is public and kept as PEM text in the profile file;
/// the private key (PEM) lives in the keychain. A PKCS#12 bundle is not kept as such: on import
/// it would be split into these two parts, so no passphrase needs storing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientIdentity {
    /// The client certificate, followed by any intermediate certificates (PEM).
    pub certificate_pem: String,
    /// The private key (PEM), in the keychain.
    pub private_key: SecretRef,
}

impl ClientIdentity {
    /// An identity whose key lives in this profile's slot.
    pub fn new(profile: &ProfileId, certificate_pem: impl Into<String>) -> Self {
        Self { certificate_pem: certificate_pem.into(), private_key: Self::key_slot(profile) }
    }

    /// The keychain slot of a profile's client-certificate key.
    pub fn key_slot(profile: &ProfileId) -> SecretRef {
        SecretRef::for_profile(profile, "client_key")
    }
}

/// Marks the sample profiles so the app can point them at the practice API's current address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PracticeLink {
    Sandbox,
    Production,
    /// The sandbox API, with a token from the sandbox's own sign-in server.
    #[serde(rename = "sandbox_oauth")]
    SandboxOAuth,
    /// The sandbox's client-certificate port, with a certificate issued by the practice CA.
    #[serde(rename = "sandbox_mtls")]
    SandboxMtls,
    /// The sandbox API, with a token a person approves on the sandbox's sign-in page.
    #[serde(rename = "sandbox_sign_in")]
    SandboxSignIn,
    /// The sandbox API, with a JWT Gatepass signs with the sandbox service account's key.
    SandboxSignedJwt,
}

/// A record of the profile's secret being set or replaced (rotation). Fingerprints only, such as
/// `sk_live_…4f2a`: they name a secret without revealing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretChange {
    /// When it was set, in unix seconds.
    pub set_at: i64,
    pub fingerprint: String,
    /// The secret it replaced, and when that one had been set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_set_at: Option<i64>,
}

/// How Gatepass checks this profile's tokens beyond reading them: the key to check signatures
/// with, and a server to ask whether a token is still active.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenChecks {
    /// A key set (JWKS) address to check signatures with (RS*, PS*, ES*, `EdDSA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// The keychain slot of a shared secret to check HS256/384/512 signatures with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_secret: Option<SecretRef>,
    /// An RFC 7662 introspection endpoint that says whether a token is active. An OAuth
    /// profile authenticates to it like to its token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_url: Option<String>,
}

impl TokenChecks {
    pub fn is_empty(&self) -> bool {
        *self == TokenChecks::default()
    }

    /// The slot a profile's remembered verification secret goes in.
    pub fn verify_secret_slot(profile: &ProfileId) -> SecretRef {
        SecretRef::for_profile(profile, "verify_secret")
    }
}

/// A credential profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: ProfileId,
    pub name: String,
    pub environment: Environment,
    pub base_url: String,
    /// Hosts this profile's credential may be sent to. Empty means "the base URL's host".
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    pub auth: AuthMethod,
    /// Permissions (scopes) the profile's credential is expected to carry.
    #[serde(default)]
    pub expected_scopes: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practice: Option<PracticeLink>,
    #[serde(default, skip_serializing_if = "TokenChecks::is_empty")]
    pub token_checks: TokenChecks,
    /// A GET that needs the credential, sent by "Check setup" to prove it works (e.g. `/v1/me`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_path: Option<String>,
    /// Secrets a request body uses as `{{secret:name}}`, each in its own keychain slot (for
    /// example a client secret a token endpoint wants in the form body).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secret_variables: BTreeMap<String, SecretRef>,
    /// When the profile's secret was last set, and what it replaced (fingerprints only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_change: Option<SecretChange>,
    /// A client certificate sent during the secure-connection handshake, whatever the auth method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<ClientIdentity>,
    /// Extra certificate authorities (PEM) trusted for this profile's servers, for APIs whose
    /// certificate comes from a private authority. Added to the system's, not instead of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_bundle_pem: Option<String>,
    /// A `DPoP` key (RFC 9449, EC P-256, in the keychain): the access token is sent as
    /// `Authorization: DPoP …` with a fresh proof signed by it on every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<SecretRef>,
}

impl Profile {
    pub fn new(name: impl Into<String>, environment: Environment, base_url: impl Into<String>) -> Self {
        Self {
            id: ProfileId::random(),
            name: name.into(),
            environment,
            base_url: base_url.into(),
            allowed_hosts: Vec::new(),
            auth: AuthMethod::None,
            expected_scopes: Vec::new(),
            variables: BTreeMap::new(),
            notes: String::new(),
            practice: None,
            token_checks: TokenChecks::default(),
            check_path: None,
            secret_variables: BTreeMap::new(),
            secret_change: None,
            client_certificate: None,
            ca_bundle_pem: None,
            dpop_key: None,
        }
    }

    /// The slot a profile's `DPoP` key goes in.
    pub fn dpop_key_slot(profile: &ProfileId) -> SecretRef {
        SecretRef::for_profile(profile, "dpop_key")
    }

    /// Every keychain slot this profile uses (deleted with it): its auth method's, the user's
    /// secret first, then its client key's and its remembered verification secret's.
    pub fn secret_slots(&self) -> Vec<&SecretRef> {
        let mut slots = self.auth.secret_slots();
        slots.extend(self.client_certificate.as_ref().map(|identity| &identity.private_key));
        slots.extend(self.token_checks.verify_secret.as_ref());
        slots.extend(self.secret_variables.values());
        slots.extend(self.dpop_key.as_ref());
        slots
    }

    /// Whether sending a request with this profile reads the keychain: for its credential (when
    /// it is sent) and its proof key, its client certificate's key, or a `{{secret:name}}` value.
    pub fn reads_keychain_when_sending(&self, with_credential: bool) -> bool {
        (with_credential && (self.auth.secret_ref().is_some() || self.dpop_key.is_some()))
            || self.client_certificate.is_some()
            || !self.secret_variables.is_empty()
    }

    /// The slot a secret variable of this profile goes in.
    pub fn secret_variable_slot(profile: &ProfileId, name: &str) -> SecretRef {
        SecretRef::for_profile(profile, &format!("var/{name}"))
    }

    /// The hosts the credential may go to, with the default applied. Entries are `host` or
    /// `host:port`, lower case.
    pub fn effective_allowed_hosts(&self) -> Vec<String> {
        if self.allowed_hosts.is_empty() {
            url::Url::parse(self.base_url.trim())
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .into_iter()
                .collect()
        } else {
            self.allowed_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect()
        }
    }

    /// Is this URL's origin (scheme, host, port) one the credential may be sent to? See
    /// [`crate::core::credential::origin_allowed`] for how entries read.
    pub fn allows_host(&self, url: &url::Url) -> bool {
        let base = url::Url::parse(self.base_url.trim()).ok();
        crate::core::credential::origin_allowed(url, base.as_ref(), &self.effective_allowed_hosts())
    }

    /// A copy with a new id and name; secret references point at the copy's own slots, so the
    /// caller must copy the secret values too.
    pub fn duplicate(&self) -> Profile {
        let mut copy = self.clone();
        copy.id = ProfileId::random();
        copy.name = format!("{} (copy)", self.name);
        copy.practice = None;
        for (name, slot) in &mut copy.secret_variables {
            *slot = Profile::secret_variable_slot(&copy.id, name);
        }
        if copy.dpop_key.is_some() {
            copy.dpop_key = Some(Profile::dpop_key_slot(&copy.id));
        }
        if copy.token_checks.verify_secret.is_some() {
            copy.token_checks.verify_secret = Some(TokenChecks::verify_secret_slot(&copy.id));
        }
        copy.auth = match &self.auth {
            AuthMethod::None => AuthMethod::None,
            AuthMethod::ApiKey { name, placement, .. } => AuthMethod::ApiKey {
                name: name.clone(),
                placement: *placement,
                key: SecretRef::for_profile(&copy.id, "api_key"),
            },
            AuthMethod::Bearer { .. } => AuthMethod::Bearer { token: SecretRef::for_profile(&copy.id, "token") },
            AuthMethod::Basic { username, .. } => {
                AuthMethod::Basic { username: username.clone(), password: SecretRef::for_profile(&copy.id, "password") }
            }
            AuthMethod::OAuthClientCredentials(cc) => AuthMethod::OAuthClientCredentials(cc.with_slots_of(&copy.id)),
            AuthMethod::SignedJwt(settings) => AuthMethod::SignedJwt(SignedJwt {
                key: SecretRef::for_profile(&copy.id, "signing_key"),
                ..settings.clone()
            }),
            AuthMethod::OAuthAuthorizationCode(s) => AuthMethod::OAuthAuthorizationCode(s.with_slots_of(&copy.id)),
            AuthMethod::OAuthDevice(s) => AuthMethod::OAuthDevice(s.with_slots_of(&copy.id)),
            AuthMethod::Digest { username, .. } => AuthMethod::Digest {
                username: username.clone(),
                password: SecretRef::for_profile(&copy.id, "password"),
            },
            AuthMethod::AwsSigV4(settings) => {
                let fresh = AwsSigV4::new(&copy.id);
                AuthMethod::AwsSigV4(AwsSigV4 {
                    secret_access_key: fresh.secret_access_key,
                    session_token: fresh.session_token,
                    ..settings.clone()
                })
            }
            AuthMethod::OAuth1(settings) => {
                let fresh = OAuth1::new(&copy.id);
                AuthMethod::OAuth1(OAuth1 {
                    consumer_secret: fresh.consumer_secret,
                    token_secret: fresh.token_secret,
                    ..settings.clone()
                })
            }
        };
        copy.client_certificate =
            self.client_certificate.as_ref().map(|identity| ClientIdentity::new(&copy.id, &identity.certificate_pem));
        copy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(base: &str, allowed: &[&str]) -> Profile {
        let mut p = Profile::new("p", Environment::Sandbox, base);
        p.allowed_hosts = allowed.iter().map(|s| (*s).to_owned()).collect();
        p
    }

    #[test]
    fn allowed_hosts_default_to_base_url_host() {
        let p = profile("https://API.example.com/v1", &[]);
        assert_eq!(p.effective_allowed_hosts(), vec!["api.example.com".to_owned()]);
        assert!(p.allows_host(&url::Url::parse("https://api.example.com/x").unwrap()));
        assert!(!p.allows_host(&url::Url::parse("https://api.other.com/x").unwrap()));
        assert!(!p.allows_host(&url::Url::parse("https://api.example.com.evil.io/x").unwrap()));
    }

    #[test]
    fn allowed_host_with_port_matches_only_that_port() {
        let p = profile("http://127.0.0.1:7410", &["127.0.0.1:7410"]);
        assert!(p.allows_host(&url::Url::parse("http://127.0.0.1:7410/v1").unwrap()));
        assert!(!p.allows_host(&url::Url::parse("http://127.0.0.1:7411/v1").unwrap()));
    }

    #[test]
    fn allowed_hosts_are_origins() {
        let p = profile("https://api.example.com", &[]);
        assert!(!p.allows_host(&url::Url::parse("http://api.example.com/x").unwrap()), "plain http");
        assert!(!p.allows_host(&url::Url::parse("https://api.example.com:8443/x").unwrap()), "another port");
        let p = profile("https://api.example.com:8443", &["api.example.com", "http://legacy.example.com"]);
        assert!(p.allows_host(&url::Url::parse("https://api.example.com:8443/x").unwrap()));
        assert!(!p.allows_host(&url::Url::parse("https://api.example.com/x").unwrap()));
        assert!(p.allows_host(&url::Url::parse("http://legacy.example.com/x").unwrap()));
        assert!(!p.allows_host(&url::Url::parse("https://legacy.example.com/x").unwrap()));
    }

    #[test]
    fn serialised_profile_holds_references_only() {
        let mut p = profile("https://api.example.com", &[]);
        p.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &p.id);
        let text = toml::to_string(&p).unwrap();
        assert!(text.contains(&format!("key = \"{}/api_key\"", p.id)), "{text}");
        let back: Profile = toml::from_str(&text).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn duplicate_gets_its_own_secret_slots() {
        let mut p = profile("https://api.example.com", &[]);
        p.auth = AuthMethod::new_of_kind(AuthKind::Bearer, &p.id);
        let copy = p.duplicate();
        assert_ne!(copy.id, p.id);
        assert_eq!(copy.name, "p (copy)");
        assert_eq!(copy.auth.secret_ref(), Some(&SecretRef::for_profile(&copy.id, "token")));
    }

    #[test]
    fn client_credentials_round_trip_and_keep_slots_apart() {
        let mut p = profile("https://api.example.com", &[]);
        p.auth = AuthMethod::new_of_kind(AuthKind::OAuthClientCredentials, &p.id);
        if let AuthMethod::OAuthClientCredentials(cc) = &mut p.auth {
            cc.token_url = "https://login.example.com/oauth/token".into();
            cc.client_id = "app-1".into();
            cc.scopes = vec!["orders:read".into()];
            cc.audience = Some("https://api.example.com".into());
        }
        let text = toml::to_string(&p).unwrap();
        assert!(text.contains("method = \"oauth_client_credentials\""), "{text}");
        assert!(text.contains(&format!("client_secret = \"{}/client_secret\"", p.id)), "{text}");
        assert!(text.contains(&format!("token_cache = \"{}/oauth_token\"", p.id)), "{text}");
        let back: Profile = toml::from_str(&text).unwrap();
        assert_eq!(back, p);
        assert_eq!(p.auth.secret_slots().len(), 2);
        let copy = p.duplicate();
        assert_eq!(copy.auth.secret_ref(), Some(&SecretRef::for_profile(&copy.id, "client_secret")));
        assert_eq!(copy.auth.secret_slots()[1], &SecretRef::for_profile(&copy.id, "oauth_token"));
    }

    #[test]
    fn a_profile_written_before_oauth_still_loads() {
        let old = r#"
id = "abc"
name = "Old"
base_url = "https://api.example.com"

[environment]
kind = "sandbox"

[auth]
method = "bearer"
token = "abc/token"
"#;
        let p: Profile = toml::from_str(old).unwrap();
        assert_eq!(p.auth, AuthMethod::Bearer { token: SecretRef("abc/token".into()) });
        assert_eq!((p.client_certificate, p.ca_bundle_pem), (None, None));
    }

    #[test]
    fn client_certificate_keeps_only_a_key_reference() {
        let mut p = profile("https://api.example.com", &[]);
        p.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &p.id);
        p.client_certificate =
            Some(ClientIdentity::new(&p.id, "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"));
        p.ca_bundle_pem = Some("-----BEGIN CERTIFICATE-----\nBB==\n-----END CERTIFICATE-----\n".into());
        let text = toml::to_string(&p).unwrap();
        assert!(text.contains(&format!("private_key = \"{}/client_key\"", p.id)), "{text}");
        let back: Profile = toml::from_str(&text).unwrap();
        assert_eq!(back, p);
        assert_eq!(
            p.secret_slots(),
            vec![&SecretRef::for_profile(&p.id, "api_key"), &SecretRef::for_profile(&p.id, "client_key")]
        );
        let copy = p.duplicate();
        assert_eq!(copy.client_certificate.unwrap().private_key, SecretRef::for_profile(&copy.id, "client_key"));
    }

    #[test]
    fn signing_methods_round_trip_through_the_profiles_file() {
        for kind in [AuthKind::Digest, AuthKind::AwsSigV4, AuthKind::OAuth1] {
            let mut p = profile("https://api.example.com", &[]);
            p.auth = AuthMethod::new_of_kind(kind, &p.id);
            if let AuthMethod::OAuth1(settings) = &mut p.auth {
                settings.method = OAuth1Method::HmacSha256;
                settings.placement = OAuth1Placement::Body;
            }
            let text = toml::to_string(&p).unwrap();
            let back: Profile = toml::from_str(&text).unwrap_or_else(|e| panic!("{kind:?}: {e}\n{text}"));
            assert_eq!(back, p, "{text}");
            assert_eq!(p.duplicate().auth.kind(), kind);
        }
    }

    #[test]
    fn environment_labels_parse() {
        assert_eq!(Environment::from_label("live"), Environment::Production);
        assert_eq!(Environment::from_label("Sandbox"), Environment::Sandbox);
        assert_eq!(Environment::from_label("Staging").label(), "Staging");
        assert_eq!(Environment::from_label("prd"), Environment::Production);
    }

    #[test]
    fn a_stage_named_like_production_is_guarded_as_production() {
        for label in ["production-eu", "Prod EU", "PRD", "prd-2", "live-us", "US Production"] {
            let env = Environment::from_label(label);
            assert!(env.is_production(), "{label}");
            assert!(!env.is_test_like(), "{label}");
        }
        for label in ["Staging", "QA", "dev-eu", "UAT 2", "Product demo", "Local"] {
            let env = Environment::from_label(label);
            assert!(!env.is_production(), "{label}");
        }
        assert!(Environment::from_label("Staging").is_test_like());
        assert!(!Environment::from_label("Internal").is_test_like());
    }
}
