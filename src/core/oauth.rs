//! OAuth 2, the pure part: the tokens kept between sends (with when they were obtained and when
//! they expire), when a new one is needed, and the sign-in server's errors (RFC 6749 §5.2,
//! RFC 8628 §3.5) in plain words.
//!
//! ```text
//! ClientCredentials | UserSignIn (profile) + client secret (keychain)
//!   -> infra::oauth runs the grant -> CachedToken (keychain, as one JSON value)
//!   -> before each send: still good for 60 s?  yes: reuse
//!        no: a refresh token?  yes: refresh_token grant (the server may replace it: rotation)
//!            no: client credentials runs the grant again; code and device need the person
//!   -> a 401 invalid_token: the same, once, and the request is retried once
//! ```
//!
//! The cached token and its expiry are stored together in one keychain entry, so no file ever
//! holds the token and the profiles file does not change each time a token is obtained.

use crate::core::exchange::TransportError;
use crate::core::secret::Secret;
use serde::{Deserialize, Serialize};

/// Get a new token when the cached one expires within this many seconds.
pub const RENEW_MARGIN_SECS: i64 = 60;

/// An access token obtained from a token endpoint, with what is known about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    pub access_token: Secret,
    /// `Bearer`, usually.
    pub token_type: String,
    /// Unix seconds.
    pub obtained_at: i64,
    /// Unix seconds; `None` when neither the server nor the token says.
    pub expires_at: Option<i64>,
    /// The permissions (scopes) granted, as the server said or, when it did not, as asked for.
    pub scopes: Vec<String>,
    /// Given by the code and device grants: gets a new access token without the person.
    pub refresh_token: Option<Secret>,
    /// Unix seconds, when the server said (`refresh_expires_in`, as Keycloak does); else `None`.
    pub refresh_expires_at: Option<i64>,
}

/// The cached token's keychain form. Only ever written to the keychain.
#[derive(Serialize, Deserialize)]
struct Stored {
    access_token: String,
    token_type: String,
    obtained_at: i64,
    #[serde(default)]
    expires_at: Option<i64>,
    #[serde(default)]
    scopes: Vec<String>,
    // Both absent in values cached before refresh tokens were kept: those still read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_expires_at: Option<i64>,
}

impl CachedToken {
    /// Is a new token needed before sending at `now` (unix seconds)?
    pub fn needs_renewal(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|exp| exp - now <= RENEW_MARGIN_SECS)
    }

    /// The refresh token, while it may still be used at `now` (unix seconds).
    pub fn usable_refresh_token(&self, now: i64) -> Option<&Secret> {
        self.refresh_token.as_ref().filter(|t| !t.is_empty() && self.refresh_expires_at.is_none_or(|exp| exp > now))
    }

    pub fn info(&self, reused: bool) -> TokenInfo {
        TokenInfo {
            fingerprint: self.access_token.fingerprint(),
            obtained_at: self.obtained_at,
            expires_at: self.expires_at,
            scopes: self.scopes.clone(),
            reused,
            has_refresh_token: self.refresh_token.is_some(),
            refresh_expires_at: self.refresh_expires_at,
        }
    }

    /// The value stored in the keychain: the token and its metadata as one JSON text.
    pub fn to_keychain_value(&self) -> Secret {
        let stored = Stored {
            access_token: self.access_token.expose().to_owned(),
            token_type: self.token_type.clone(),
            obtained_at: self.obtained_at,
            expires_at: self.expires_at,
            scopes: self.scopes.clone(),
            refresh_token: self.refresh_token.as_ref().map(|t| t.expose().to_owned()),
            refresh_expires_at: self.refresh_expires_at,
        };
        let text = serde_json::to_string(&stored).unwrap_or_default();
        let mut stored = stored;
        zeroize::Zeroize::zeroize(&mut stored.access_token);
        if let Some(refresh) = stored.refresh_token.as_mut() {
            zeroize::Zeroize::zeroize(refresh);
        }
        Secret::new(text)
    }

    /// Read the keychain value back; `None` when it is not one we wrote (then a new token is got).
    pub fn from_keychain_value(value: &Secret) -> Option<Self> {
        let mut stored: Stored = serde_json::from_str(value.expose()).ok()?;
        let access_token = Secret::new(std::mem::take(&mut stored.access_token));
        if access_token.is_empty() {
            return None;
        }
        Some(Self {
            access_token,
            token_type: stored.token_type,
            obtained_at: stored.obtained_at,
            expires_at: stored.expires_at,
            scopes: stored.scopes,
            refresh_token: stored.refresh_token.take().map(Secret::new).filter(|t| !t.is_empty()),
            refresh_expires_at: stored.refresh_expires_at,
        })
    }
}

/// What may be shown about a token: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub fingerprint: String,
    pub obtained_at: i64,
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    /// The cached token was still good, so no new one was asked for.
    pub reused: bool,
    /// A refresh token is kept, so a new access token can be got without the person.
    pub has_refresh_token: bool,
    /// When the refresh token stops working (unix seconds), where the server said.
    pub refresh_expires_at: Option<i64>,
}

/// Which OAuth grant, for naming it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStep {
    /// The sign-in page in the browser (the authorization endpoint's answer, RFC 6749 §4.1.2.1).
    Authorize,
    /// Swapping the approval code for tokens (RFC 6749 §4.1.3).
    AuthorizationCode,
    /// The device grant's polling (RFC 8628 §3.4).
    Device,
    /// Using the refresh token (RFC 6749 §6).
    Refresh,
}

impl GrantStep {
    fn method_words(self) -> &'static str {
        match self {
            GrantStep::Authorize | GrantStep::AuthorizationCode => "sign in with the browser (authorization code)",
            GrantStep::Device => "sign in with a code on another device (device grant)",
            GrantStep::Refresh => "renewing a sign-in (refresh token)",
        }
    }
}

/// The expiry to use when the server gives no `expires_in`: the token's own `exp`, if it is a JWT.
pub fn expiry_from_token(token: &Secret) -> Option<i64> {
    match crate::core::token::read_token(token.expose()).ok()? {
        crate::core::token::TokenKind::Jwt(jwt) => jwt.expires_at.map(time::OffsetDateTime::unix_timestamp),
        crate::core::token::TokenKind::Opaque(_) => None,
    }
}

/// Why no access token could be obtained. Every message says what to do; none holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// The token endpoint refused, with an RFC 6749 §5.2 error code.
    #[error("{}", endpoint_words(code, description.as_deref(), scopes))]
    Endpoint {
        code: String,
        description: Option<String>,
        /// The permissions (scopes) that were asked for, to name them in the message.
        scopes: Vec<String>,
    },
    #[error(
        "The token URL answered with a web page (HTML, status {status}), not with a token. The address is probably the sign-in page, not the token endpoint. Check the token URL; it often ends in /oauth/token or /oauth2/v2.0/token."
    )]
    Html { status: u16 },
    #[error("{}", not_a_token_words(*status, detail))]
    NotAToken { status: u16, detail: String },
    #[error("The token URL \"{url}\" is not a valid address. Use the full address, starting with https://.")]
    BadTokenUrl { url: String },
    #[error("The profile has no client ID. Edit the profile and paste the client ID from the app's settings.")]
    MissingClientId,
    #[error(
        "The profile's client secret is not set. Edit the profile and paste the client secret from the app's settings."
    )]
    MissingSecret,
    #[error(
        "The profile's private key is not set. It signs the proof the sign-in server asks for (private_key_jwt). Edit the profile and paste the private key (PEM)."
    )]
    MissingPrivateKey,
    #[error("Gatepass could not make the signed proof for the sign-in server. {0}")]
    Assertion(crate::core::token::mint::MintError),
    #[error(transparent)]
    Introspection(IntrospectionError),
    #[error("Gatepass could not reach the sign-in server. {0}")]
    Transport(TransportError),
    /// The sign-in page, the code exchange, the device polling or a refresh was refused.
    #[error("{}", step_words(*step, code, description.as_deref()))]
    Refused { step: GrantStep, code: String, description: Option<String> },
    #[error(
        "This profile needs a person to sign in, and there is no saved sign-in to renew. Click Get new token, or run `gatepass token get --profile \"{profile}\"`."
    )]
    SignInNeeded { profile: String },
    #[error(
        "The browser came back with an answer that does not belong to this sign-in (the state value did not match), so Gatepass ignored it. Start the sign-in again. If it keeps happening, another program on this computer may be answering for the sign-in server."
    )]
    StateMismatch,
    #[error(
        "Nobody finished the sign-in in the browser within {}, so Gatepass stopped waiting and closed the local address it was listening on. Start the sign-in again. If the sign-in page showed an error about the redirect address (redirect URI), ask the API owner to allow http://127.0.0.1 with any port for this app.",
        duration_words(*secs)
    )]
    BrowserTimeout { secs: u64 },
    #[error("The sign-in was cancelled. Nothing was changed.")]
    Cancelled,
    #[error(
        "Gatepass could not open a local address to receive the browser's answer ({detail}). Try again; if it keeps failing, use the device grant instead."
    )]
    Loopback { detail: String },
    #[error(
        "The authorization URL \"{url}\" is not a valid address. Use the full address of the sign-in page, starting with https://."
    )]
    BadAuthorizationUrl { url: String },
    #[error(
        "The sign-in server's answer to the device request had no {field}. Check the device authorization URL; it often ends in /oauth/device_authorization or /oauth2/devicecode."
    )]
    DeviceAnswerIncomplete { field: &'static str },
}

fn duration_words(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs / 60),
    }
}

/// An error from a person-approved grant in plain words, with what to do, then the server's words.
fn step_words(step: GrantStep, code: &str, description: Option<&str>) -> String {
    let method = step.method_words();
    let mut text = match (step, code) {
        (_, "access_denied") => "The sign-in was denied on the approval page, so there is no token. If that was a mistake, start again and choose Approve. If you did approve, ask the API owner whether your account may use this app.".to_owned(),
        (GrantStep::Device, "expired_token") => "The code ran out before anyone approved it. Start again to get a new code, and approve it within the time shown.".to_owned(),
        (_, "expired_token") => "The sign-in has run out. Sign in again with Get new token.".to_owned(),
        (GrantStep::Device, "authorization_pending") => "Nobody has approved the code yet. Open the page shown, type the code and choose Approve.".to_owned(),
        (GrantStep::Device, "slow_down") => "The sign-in server asked Gatepass to check less often. Gatepass waits longer between checks; nothing to do.".to_owned(),
        (GrantStep::Refresh, "invalid_grant") => "The saved sign-in has run out: the sign-in server no longer accepts the refresh token (it expired, was switched off, or was already replaced). Sign in again with Get new token.".to_owned(),
        (GrantStep::AuthorizationCode, "invalid_grant") => "The sign-in server did not accept the approval code. It may have been used already, be too old, or not match the proof Gatepass sent with it (the PKCE code verifier) or the redirect address. Sign in again.".to_owned(),
        (GrantStep::Device, "invalid_grant") => "The sign-in server did not accept the device code. It may have been used already or run out. Start again to get a new code.".to_owned(),
        (_, "invalid_client") => "The sign-in server did not accept the client ID (or the client secret, if the profile has one). Copy the client ID again from the app's settings. An app that runs on people's computers (a public client) usually has no client secret: leave it empty.".to_owned(),
        (_, "unauthorized_client") => format!("This app is not allowed to {method}. Ask the API owner to turn this sign-in method on for the app."),
        (_, "unsupported_grant_type") => format!("The sign-in server does not offer {method}. Check the token URL, or ask the API owner which sign-in method to use."),
        (_, "unsupported_response_type") => "The sign-in server does not offer sign-in with the browser for this app. Ask the API owner to turn on the authorization code grant, or use the device grant.".to_owned(),
        (_, "invalid_scope") => "The sign-in server refused the permissions (scopes) asked for. Check their spelling, and remove the ones this app does not need, or ask the API owner to allow them.".to_owned(),
        (_, "invalid_request") => "The sign-in server said the request is missing something or has something it does not accept. Check the authorization URL, the token URL and the client ID.".to_owned(),
        (_, "temporarily_unavailable" | "server_error") => "The sign-in server had a problem of its own. Try again in a minute; if it keeps failing, tell the API owner.".to_owned(),
        (_, other) => format!("The sign-in server refused the sign-in (error {other})."),
    };
    text.push_str(&format!(" (The server said: {code}"));
    if let Some(description) = description.filter(|d| !d.trim().is_empty()) {
        text.push_str(&format!(": \"{}\"", description.trim()));
    }
    text.push_str(".)");
    text
}

fn not_a_token_words(status: u16, detail: &str) -> String {
    match status {
        404 => "Nothing answers at the token URL (404 Not Found). Check the token URL; it often ends in /oauth/token or /oauth2/v2.0/token.".to_owned(),
        405 => "The token URL does not take token requests (405: it does not accept POST). It is probably another page of the sign-in server; check the token URL.".to_owned(),
        300..=399 => format!("The token URL sends requests elsewhere (redirect, status {status}). Use the address it redirects to, often the same with https:// or without a trailing slash."),
        500..=599 => format!("The sign-in server had a problem of its own (status {status}). Try again in a minute; if it keeps failing, tell the API owner."),
        _ => format!("The token URL answered with status {status}, but not with a token Gatepass could read ({detail}). Check that the token URL is the sign-in server's token endpoint."),
    }
}

/// An RFC 6749 §5.2 code in plain words: what happened, why, what to do, then the server's own
/// words for the engineer.
fn endpoint_words(code: &str, description: Option<&str>, scopes: &[String]) -> String {
    let asked = if scopes.is_empty() { "the default permissions".to_owned() } else { scopes.join(" ") };
    let mut text = match code {
        "invalid_client" => "The sign-in server did not accept the client ID or secret. Copy them again from the app's settings. If they are right, the app may be switched off, or set up to sign in another way (try the other client authentication: Basic header or form body).".to_owned(),
        "invalid_scope" => format!(
            "The sign-in server refused the permissions (scopes) asked for: {asked}. Check their spelling. Remove the ones this app does not need, or ask the API owner to allow them."
        ),
        "unauthorized_client" => "This app is not allowed to get tokens with its own ID and secret (client credentials). Ask the API owner to turn on the client credentials grant for it.".to_owned(),
        "unsupported_grant_type" => "The sign-in server does not give tokens to an app signing in with its own ID and secret (client credentials). Check the token URL, or ask the API owner which sign-in method to use.".to_owned(),
        "invalid_grant" => "The sign-in server refused the grant: it is not valid, has expired or was switched off. Get a new token; if it keeps failing, check the app's settings with the API owner.".to_owned(),
        "invalid_request" => "The sign-in server said the token request is missing something or has something it does not accept. Check the audience or resource field and the token URL.".to_owned(),
        "invalid_target" => "The sign-in server does not know the API named in the audience or resource field. Check that field, or leave it empty.".to_owned(),
        "access_denied" => "The sign-in server refused to give this app a token. Ask the API owner to allow this app.".to_owned(),
        "temporarily_unavailable" | "server_error" => "The sign-in server had a problem of its own. Try again in a minute; if it keeps failing, tell the API owner.".to_owned(),
        other => format!("The sign-in server refused to give a token (error {other})."),
    };
    text.push_str(&format!(" (The server said: {code}"));
    if let Some(description) = description.filter(|d| !d.trim().is_empty()) {
        text.push_str(&format!(": \"{}\"", description.trim()));
    }
    text.push_str(".)");
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn token(expires_at: Option<i64>) -> CachedToken {
        CachedToken {
            access_token: Secret::new("eyJhbGciOiJIUzI1NiJ9.e30.canary-access-token"),
            token_type: "Bearer".into(),
            obtained_at: 1_000,
            expires_at,
            scopes: vec!["orders:read".into()],
            refresh_token: None,
            refresh_expires_at: None,
        }
    }

    #[test]
    fn renewal_starts_a_minute_before_expiry() {
        let t = token(Some(1_300));
        assert!(!t.needs_renewal(1_000));
        assert!(!t.needs_renewal(1_239));
        assert!(t.needs_renewal(1_240));
        assert!(t.needs_renewal(2_000));
        assert!(!token(None).needs_renewal(i64::MAX / 2));
    }

    #[test]
    fn keychain_value_round_trips() {
        let t = token(Some(1_300));
        let back = CachedToken::from_keychain_value(&t.to_keychain_value()).unwrap();
        assert_eq!(back, t);
        assert_eq!(CachedToken::from_keychain_value(&Secret::new("not json")), None);
        assert_eq!(
            CachedToken::from_keychain_value(&Secret::new(r#"{"access_token":"","token_type":"x","obtained_at":1}"#)),
            None
        );
    }

    #[test]
    fn refresh_token_round_trips_and_old_values_still_read() {
        let mut t = token(Some(1_300));
        t.refresh_token = Some(Secret::new("canary-refresh-token"));
        t.refresh_expires_at = Some(5_000);
        let back = CachedToken::from_keychain_value(&t.to_keychain_value()).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.usable_refresh_token(4_999).map(Secret::expose), Some("canary-refresh-token"));
        assert_eq!(back.usable_refresh_token(5_000), None);
        let old = r#"{"access_token":"abc","token_type":"Bearer","obtained_at":1,"expires_at":2,"scopes":[]}"#;
        let old = CachedToken::from_keychain_value(&Secret::new(old)).unwrap();
        assert_eq!(old.refresh_token, None);
        assert!(!old.info(true).has_refresh_token);
        assert!(!format!("{:?}", back.info(true)).contains("canary"));
    }

    #[test]
    fn person_approved_grant_errors_say_what_to_do() {
        let words = |step, code: &str| GrantError::Refused { step, code: code.into(), description: None }.to_string();
        assert!(words(GrantStep::Device, "expired_token").starts_with("The code ran out before anyone approved it."));
        assert!(words(GrantStep::Device, "access_denied").starts_with("The sign-in was denied on the approval page"));
        assert!(words(GrantStep::Refresh, "invalid_grant").contains("Sign in again with Get new token."));
        assert!(words(GrantStep::AuthorizationCode, "invalid_grant").contains("(the PKCE code verifier)"));
        assert!(words(GrantStep::Device, "unsupported_grant_type").contains("does not offer sign in with a code"));
        assert!(words(GrantStep::Device, "slow_down").ends_with("(The server said: slow_down.)"));
        assert!(GrantError::BrowserTimeout { secs: 300 }.to_string().contains("within 5 minutes"));
    }

    #[test]
    fn info_never_holds_the_token() {
        let info = token(Some(1_300)).info(true);
        assert_eq!(info.fingerprint, "eyJ…oken");
        assert!(!format!("{info:?}").contains("canary"));
    }

    #[test]
    fn each_endpoint_error_says_what_to_do() {
        let cases = [
            ("invalid_client", "did not accept the client ID or secret. Copy them again from the app's settings."),
            ("invalid_scope", "refused the permissions (scopes) asked for: orders:read admin"),
            ("unsupported_grant_type", "does not give tokens to an app signing in with its own ID and secret"),
            ("unauthorized_client", "Ask the API owner to turn on the client credentials grant"),
            ("invalid_request", "Check the audience or resource field"),
            ("made_up", "refused to give a token (error made_up)"),
        ];
        for (code, expected) in cases {
            let error = GrantError::Endpoint {
                code: code.into(),
                description: Some("server words".into()),
                scopes: vec!["orders:read".into(), "admin".into()],
            };
            let text = error.to_string();
            assert!(text.contains(expected), "{code}: {text}");
            assert!(text.ends_with(&format!("(The server said: {code}: \"server words\".)")), "{text}");
        }
    }

    #[test]
    fn answers_that_are_not_tokens_are_told_apart_by_status() {
        let words = |status| GrantError::NotAToken { status, detail: "text/plain, not JSON".into() }.to_string();
        assert!(words(404).starts_with("Nothing answers at the token URL (404 Not Found)."));
        assert!(words(405).contains("it does not accept POST"));
        assert!(words(301).contains("redirect, status 301"));
        assert!(words(502).starts_with("The sign-in server had a problem of its own (status 502)."));
        assert!(words(200).contains("(text/plain, not JSON)"));
    }
}

/// What a sign-in server said about a token when asked (RFC 7662 §2.2). Only `active` is
/// required; the rest is what servers usually add.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Introspection {
    pub active: bool,
    pub scopes: Vec<String>,
    pub expires_at: Option<i64>,
    pub issued_at: Option<i64>,
    pub client_id: Option<String>,
    pub subject: Option<String>,
    pub username: Option<String>,
    pub token_type: Option<String>,
}

/// Why an introspection answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntrospectionError {
    #[error(
        "The introspection address answered, but not with JSON that says whether the token is active (RFC 7662). Check the address; it often ends in /introspect."
    )]
    NotAnAnswer,
    #[error(
        "The introspection address \"{url}\" is not a valid address. Use the full address, starting with https://."
    )]
    BadUrl { url: String },
    #[error(
        "The introspection address answered with a web page (HTML, status {status}), not with an answer about the token. Check the address; it often ends in /introspect."
    )]
    Html { status: u16 },
    #[error("{}", introspection_status_words(*status))]
    Status { status: u16 },
}

fn introspection_status_words(status: u16) -> String {
    match status {
        404 => "Nothing answers at the introspection address (404 Not Found). Check the address; it often ends in /introspect.".to_owned(),
        405 => "The introspection address does not take questions about tokens (405: it does not accept POST). Check the address; it often ends in /introspect.".to_owned(),
        401 | 403 => format!("The sign-in server would not say (status {status}): it does not let this app ask about tokens. Check the client ID and secret, or ask the API owner."),
        500..=599 => format!("The sign-in server had a problem of its own (status {status}). Try again in a minute."),
        _ => format!("The introspection address answered with status {status}, not with an answer about the token. Check the address."),
    }
}

impl Introspection {
    /// Read a server's answer. Times may come as numbers or numeric strings; `scope` is
    /// space-separated (some servers send a list).
    pub fn from_json(body: &[u8]) -> Result<Self, IntrospectionError> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| IntrospectionError::NotAnAnswer)?;
        let object = value.as_object().ok_or(IntrospectionError::NotAnAnswer)?;
        let active = match object.get("active") {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => return Err(IntrospectionError::NotAnAnswer),
        };
        let text = |name: &str| object.get(name).and_then(serde_json::Value::as_str).map(str::to_owned);
        let time = |name: &str| match object.get(name) {
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let scopes = match object.get("scope") {
            Some(serde_json::Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            Some(serde_json::Value::Array(items)) => {
                items.iter().filter_map(serde_json::Value::as_str).map(str::to_owned).collect()
            }
            _ => Vec::new(),
        };
        Ok(Self {
            active,
            scopes,
            expires_at: time("exp"),
            issued_at: time("iat"),
            client_id: text("client_id"),
            subject: text("sub"),
            username: text("username"),
            token_type: text("token_type"),
        })
    }

    /// One sentence for people: what the server said, and what to do when the token is not active.
    pub fn summary(&self, now: time::OffsetDateTime) -> String {
        if !self.active {
            return "The sign-in server says this token is not active: it has expired, was revoked, or was never issued by this server. Get a new token.".to_owned();
        }
        let mut text = "The sign-in server says this token is active".to_owned();
        if let Some(exp) = self.expires_at.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok()) {
            text.push_str(&format!(" and {}", crate::core::token::time_words::expiry_words(exp, now)));
        }
        text.push('.');
        if !self.scopes.is_empty() {
            text.push_str(&format!(" Permissions: {}.", self.scopes.join(" ")));
        }
        text
    }
}
