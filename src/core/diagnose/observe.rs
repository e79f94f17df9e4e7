//! What a request carried, read once from the raw request and kept without any secret.
//!
//! [`observe`] is the only place in the engine that sees raw credential values. It keeps facts
//! (where the credential went, its scheme, formatting slips, a known prefix, what a JWT says) and
//! a fingerprint, so everything after it is safe to show and store.

use super::knowledge::{EnvKind, KeyPrefix, Knowledge};
use crate::core::credential::{Place as RulePlace, Rule};
use crate::core::secret::fingerprint;
use crate::core::token::{TokenKind, read_token};
use base64::Engine as _;
use time::OffsetDateTime;

/// Where a credential travelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Header(String),
    Query(String),
    Form(String),
    Cookie,
}

impl Place {
    pub fn words(&self) -> String {
        match self {
            Place::Header(name) => format!("the {name} header"),
            Place::Query(name) => format!("the address (query parameter {name})"),
            Place::Form(name) => format!("the form field {name}"),
            Place::Cookie => "a cookie".to_owned(),
        }
    }
}

/// A formatting slip in a credential as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slip {
    Empty,
    DoubledScheme,
    MissingScheme,
    Quotes,
    SpaceInside,
    LineBreak,
    SurroundingSpace,
    /// A template variable or a stand-in that was never filled in: `{{token}}`, `YOUR_API_KEY`.
    Placeholder,
    /// An unset variable's value: `null`, `undefined`.
    Unset,
    /// Far too short to be a real key or token.
    TooShort,
    /// An address (URL) where the key belongs.
    LooksLikeUrl,
    /// The API's keys start with a known prefix, and this one does not.
    UnexpectedShape,
    BasicNotBase64,
    BasicNoColon,
    /// Base64 of `user:password` sent with the word Bearer.
    BasicAsBearer,
    /// Looks like a JWT (three parts, starts `eyJ`) but can't be read as one.
    BrokenJwt,
    /// A real-looking value still inside the brackets of an example (`<…>`, `[…]`).
    Brackets,
    /// A JWT time (`iat`, `exp`, `nbf`) in milliseconds where seconds belong.
    MillisecondTime,
}

impl Slip {
    pub fn words(self) -> &'static str {
        match self {
            Slip::Empty => "the value is empty",
            Slip::DoubledScheme => "the scheme word appears twice (\"Bearer Bearer …\")",
            Slip::MissingScheme => "the value has no scheme word (such as Bearer) in front of it",
            Slip::Quotes => "the value has quote marks in it",
            Slip::SpaceInside => "the value has a space in the middle",
            Slip::LineBreak => "the value has a line break in it",
            Slip::SurroundingSpace => "the value has spaces at its start or end",
            Slip::Placeholder => "the value is a stand-in that was never filled in",
            Slip::Unset => "the value is \"null\" or \"undefined\", the text of a setting that was never filled in",
            Slip::TooShort => "the value is far too short to be a real key or token",
            Slip::LooksLikeUrl => "the value is a web address, not a key",
            Slip::UnexpectedShape => "the value does not look like this API's keys",
            Slip::BasicNotBase64 => "the Basic value is not valid base64",
            Slip::BasicNoColon => "the Basic value has no colon between username and password",
            Slip::BasicAsBearer => "a username and password (Basic) were sent with the word Bearer",
            Slip::BrokenJwt => "the token looks like a JWT but its parts can't be read",
            Slip::Brackets => "the value is still inside the brackets of an example such as <YOUR_TOKEN>",
            Slip::MillisecondTime => {
                "a time in the token is in milliseconds where seconds belong (a slip where the token was made)"
            }
        }
    }
}

/// What a JWT credential says about itself. Claims only, never the token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwtFacts {
    pub algorithm: Option<String>,
    pub issuer: Option<String>,
    pub audience: Vec<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub not_before: Option<OffsetDateTime>,
    pub issued_at: Option<OffsetDateTime>,
    pub scopes: Vec<String>,
    pub has_scope_claim: bool,
}

/// One credential seen on the request.
#[derive(Debug, Clone)]
pub struct CredentialSeen {
    pub place: Place,
    /// The scheme word as written (`Bearer`, `basic`), for the Authorization headers.
    pub scheme: Option<String>,
    pub fingerprint: String,
    pub slips: Vec<Slip>,
    pub prefix: Option<KeyPrefix>,
    pub jwt: Option<JwtFacts>,
}

impl CredentialSeen {
    pub fn scheme_is(&self, scheme: &str) -> bool {
        self.scheme.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    }

    /// "access token eyJ…x1Yz in the Authorization header"
    pub fn words(&self) -> String {
        let what = match (&self.scheme, &self.prefix, &self.jwt) {
            (_, Some(p), _) => p.kind.clone(),
            (Some(s), _, _) if s.eq_ignore_ascii_case("basic") => "username and password (Basic)".to_owned(),
            (_, _, Some(_)) => "token (JWT)".to_owned(),
            (Some(s), _, _) if s.eq_ignore_ascii_case("bearer") => "access token".to_owned(),
            _ if self.place == Place::Cookie => "session cookie".to_owned(),
            _ => "credential".to_owned(),
        };
        format!("{what} {} in {}", self.fingerprint, self.place.words())
    }

    /// Nothing usable was sent: empty, or the text of an unset variable.
    pub fn is_effectively_missing(&self) -> bool {
        self.slips.iter().any(|s| matches!(s, Slip::Empty | Slip::Unset))
    }

    pub fn environment(&self) -> Option<EnvKind> {
        self.prefix.as_ref().and_then(|p| p.environment)
    }
}

/// The request as the engine sees it: redacted, with facts about its credentials.
#[derive(Debug, Clone, Default)]
pub struct SentRequest {
    pub method: String,
    /// Redacted.
    pub url: String,
    pub host: String,
    pub path: String,
    /// Redacted.
    pub headers: Vec<(String, String)>,
    pub credentials: Vec<CredentialSeen>,
    /// The OAuth grant type when this was a request to a token endpoint.
    pub grant_type: Option<String>,
    /// An AWS Signature V4 credential scope (date, region, service), read before the
    /// Authorization header was masked; it holds no secret.
    pub signing_scope: Option<super::signing::SigningScope>,
}

impl SentRequest {
    pub fn has_credential(&self) -> bool {
        !self.credentials.is_empty()
    }

    /// The credential that matters most: the Authorization header first, then any other.
    pub fn main_credential(&self) -> Option<&CredentialSeen> {
        self.credentials
            .iter()
            .find(|c| matches!(&c.place, Place::Header(n) if n.eq_ignore_ascii_case("authorization")))
            .or_else(|| self.credentials.iter().find(|c| c.place != Place::Cookie))
            .or_else(|| self.credentials.first())
    }

    pub fn jwt(&self) -> Option<&JwtFacts> {
        self.credentials.iter().find_map(|c| c.jwt.as_ref())
    }

    pub fn is_token_request(&self) -> bool {
        self.grant_type.is_some() || self.path.ends_with("/token")
    }
}

/// Read a raw request once. `body` is the request body (form bodies are read for token requests).
/// What is a credential is the credential rule's detector (a request from a HAR file has no
/// profile behind it).
pub fn observe(
    knowledge: &Knowledge,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> SentRequest {
    observe_with(knowledge, &Rule::detector(), method, url, headers, body)
}

/// Like [`observe`], with the request's own credential rule: where its profile put the
/// credential counts whatever the header or parameter is called.
pub fn observe_with(
    knowledge: &Knowledge,
    rule: &Rule,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> SentRequest {
    let parsed = url::Url::parse(url).ok();
    let host = parsed.as_ref().and_then(|u| u.host_str()).unwrap_or_default().to_ascii_lowercase();
    let path = parsed.as_ref().map(|u| u.path().to_owned()).unwrap_or_default();
    let mut credentials = Vec::new();

    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if lower == "cookie" {
            if !value.trim().is_empty() {
                credentials.push(CredentialSeen {
                    place: Place::Cookie,
                    scheme: None,
                    fingerprint: "(cookies)".to_owned(),
                    slips: Vec::new(),
                    prefix: None,
                    jwt: None,
                });
            }
        } else if lower == "authorization" || lower == "proxy-authorization" {
            credentials.push(read_authorization(knowledge, name, value));
        } else if rule.header_is_credential(name, value) && lower != "set-cookie" {
            credentials.push(read_plain(knowledge, Place::Header(name.clone()), value));
        }
    }
    if let Some(u) = &parsed {
        for (name, value) in u.query_pairs() {
            // An OAuth `code` in an address is a step of a sign-in, not a credential sent on
            // purpose, unless the profile itself puts its key there.
            let known = rule.is_known(&RulePlace::Query(name.clone().into_owned()));
            if known || (rule.query_is_credential(&name, &value) && name != "code") {
                credentials.push(read_plain(knowledge, Place::Query(name.into_owned()), &value));
            }
        }
    }
    let mut grant_type = None;
    if let Some(body) = body.filter(|b| b.len() < 64 * 1024 && !b.trim_start().starts_with('{')) {
        for (name, value) in url::form_urlencoded::parse(body.as_bytes()) {
            if name == "grant_type" {
                grant_type = Some(value.chars().take(100).collect());
            } else if name != "code" && rule.field_is_credential(&name, &value) {
                credentials.push(read_plain(knowledge, Place::Form(name.into_owned()), &value));
            }
        }
    }

    SentRequest {
        method: method.to_ascii_uppercase(),
        url: rule.mask_url_text(url).into_string(),
        host,
        path,
        headers: headers.iter().map(|(n, v)| (n.clone(), rule.mask_header(n, v).into_string())).collect(),
        credentials,
        grant_type,
        signing_scope: super::signing::scope_of(headers, parsed.as_ref()),
    }
}

/// Read a prepared request (the GUI's and the CLI's path), credential included, once.
pub fn observe_prepared(knowledge: &Knowledge, request: &crate::core::request::PreparedRequest) -> SentRequest {
    use crate::core::request::{AppliedCredential, CredentialPlacement};
    let mut headers = request.headers.clone();
    if let Some(AppliedCredential { placement: CredentialPlacement::Header { name, value }, .. }) = &request.credential
    {
        headers.push((name.clone(), value.expose().to_owned()));
    }
    let body = request.body.as_deref().and_then(|b| std::str::from_utf8(b).ok());
    let rule = request.rule();
    let mut sent = observe_with(knowledge, &rule, request.method.as_str(), request.wire_url().as_str(), &headers, body);
    // Wipe the copies that held the credential.
    for (_, value) in &mut headers {
        zeroize::Zeroize::zeroize(value);
    }
    sent.url = request.display_url().into_string();
    sent
}

fn read_authorization(knowledge: &Knowledge, name: &str, value: &str) -> CredentialSeen {
    let mut slips = whitespace_slips(value);
    let trimmed = value.trim();
    let (scheme, rest) = match trimmed.split_once(char::is_whitespace) {
        Some((s, r)) => (Some(s.to_owned()), r.trim()),
        None => (None, trimmed),
    };
    let mut credential = rest;
    let mut scheme = scheme;
    // One word only: either a scheme with nothing after it, or a value with no scheme word.
    if scheme.is_none() && !trimmed.is_empty() {
        if is_scheme_word(trimmed) {
            scheme = Some(trimmed.to_owned());
            credential = "";
        } else {
            slips.push(Slip::MissingScheme);
        }
    }
    if credential.is_empty() {
        slips.push(Slip::Empty);
    }
    if let Some(s) = &scheme
        && let Some((second, after)) = credential.split_once(char::is_whitespace).or(Some((credential, "")))
        && second.eq_ignore_ascii_case(s)
    {
        slips.push(Slip::DoubledScheme);
        credential = after.trim();
    }
    if credential.contains(char::is_whitespace) && !slips.contains(&Slip::LineBreak) {
        slips.push(Slip::SpaceInside);
    }
    let is_basic = scheme.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("basic"));
    let is_bearer = scheme.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("bearer"));
    let unquoted = credential.trim_matches(|c| c == '"' || c == '\'');
    // Parameterised schemes (AWS Signature V4, Digest, OAuth 1) carry "name=value, …" with spaces,
    // and Digest and OAuth 1 quote their values.
    let parameterised = credential.contains('=') && credential.contains(',');
    if !parameterised && (unquoted.len() != credential.len() || credential.contains('"')) {
        slips.push(Slip::Quotes);
    }
    if parameterised {
        slips.retain(|s| *s != Slip::SpaceInside);
        // Percent-encoded values (OAuth 1.0a) with a space or line break pasted along.
        let lower = credential.to_ascii_lowercase();
        if ["%20\"", "\"%20", "%0a\"", "%0d\"", "%0a%", "%20,"].iter().any(|p| lower.contains(p)) {
            slips.push(Slip::SurroundingSpace);
        }
    } else {
        value_slips(unquoted, &mut slips);
    }
    let mut prefix = knowledge.prefix(unquoted).cloned();
    if parameterised
        && let Some(key_id) = credential.split("Credential=").nth(1).and_then(|c| c.split(['/', ',']).next())
    {
        prefix = knowledge.prefix(key_id.trim()).cloned();
    }
    if is_basic && !unquoted.is_empty() {
        match decode_base64(unquoted) {
            None => slips.push(Slip::BasicNotBase64),
            Some(decoded) => match decoded.split_once(':') {
                None => slips.push(Slip::BasicNoColon),
                Some((user, password)) => {
                    prefix = knowledge.prefix(user).or_else(|| knowledge.prefix(password)).cloned();
                }
            },
        }
    }
    if is_bearer
        && !unquoted.contains('.')
        && unquoted.len() >= 8
        && decode_base64(unquoted).is_some_and(|d| d.contains(':') && d.chars().all(|c| !c.is_control()))
        && prefix.is_none()
    {
        slips.push(Slip::BasicAsBearer);
    }
    let jwt = jwt_facts(unquoted, &mut slips);
    CredentialSeen {
        place: Place::Header(name.to_owned()),
        fingerprint: format!(
            "{}{}",
            scheme.as_ref().map(|s| format!("{s} ")).unwrap_or_default(),
            fingerprint(unquoted)
        ),
        scheme,
        slips,
        prefix,
        jwt,
    }
}

/// What a stored secret looks like on its own, before it is sent: its slips, its known prefix
/// (and so its environment) and, for a JWT, its claims. For the setup check.
pub fn read_stored_secret(knowledge: &Knowledge, value: &str) -> CredentialSeen {
    read_plain(knowledge, Place::Header("stored".to_owned()), value)
}

fn read_plain(knowledge: &Knowledge, place: Place, value: &str) -> CredentialSeen {
    let mut slips = whitespace_slips(value);
    let trimmed = value.trim();
    if trimmed.is_empty() {
        slips.push(Slip::Empty);
    }
    if trimmed.contains(char::is_whitespace) && !slips.contains(&Slip::LineBreak) {
        // "Bearer xyz" in an API-key header: a scheme word where none belongs.
        if trimmed.split_whitespace().count() == 2 && is_scheme_word(trimmed.split_whitespace().next().unwrap_or("")) {
            slips.push(Slip::DoubledScheme);
        } else {
            slips.push(Slip::SpaceInside);
        }
    }
    let unquoted = trimmed.trim_matches(|c| c == '"' || c == '\'');
    if unquoted.len() != trimmed.len() {
        slips.push(Slip::Quotes);
    }
    value_slips(unquoted, &mut slips);
    let jwt = jwt_facts(unquoted, &mut slips);
    CredentialSeen {
        fingerprint: fingerprint(unquoted),
        place,
        scheme: None,
        slips,
        prefix: knowledge.prefix(unquoted).cloned(),
        jwt,
    }
}

fn whitespace_slips(value: &str) -> Vec<Slip> {
    let mut slips = Vec::new();
    if value.contains('\n') || value.contains('\r') {
        slips.push(Slip::LineBreak);
    } else if value.trim() != value {
        slips.push(Slip::SurroundingSpace);
    }
    slips
}

fn is_scheme_word(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "bearer"
            | "basic"
            | "token"
            | "digest"
            | "negotiate"
            | "ntlm"
            | "hoba"
            | "mutual"
            | "dpop"
            | "apikey"
            | "sso-key"
    )
}

fn is_unset(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "undefined" | "null" | "none" | "nil" | "nan" | "[object object]")
}

/// Slips in the value itself, wherever it was sent.
fn value_slips(value: &str, slips: &mut Vec<Slip>) {
    if value.is_empty() {
        return;
    }
    if is_unset(value) {
        slips.push(Slip::Unset);
    } else if in_brackets(value) {
        slips.push(Slip::Brackets);
    } else if is_placeholder(value) {
        slips.push(Slip::Placeholder);
    } else if value.starts_with("http://") || value.starts_with("https://") {
        slips.push(Slip::LooksLikeUrl);
    } else if value.chars().count() < 8 {
        slips.push(Slip::TooShort);
    }
}

/// `<pk.eyJ1Ijo…>`: a key pasted over an example's `<YOUR_TOKEN>` with the brackets kept. The
/// inside is long and key-like (no spaces, not an upper-case name like `YOUR_TOKEN`).
fn in_brackets(value: &str) -> bool {
    let inner = value
        .strip_prefix('<')
        .and_then(|v| v.strip_suffix('>'))
        .or_else(|| value.strip_prefix('[').and_then(|v| v.strip_suffix(']')));
    inner.is_some_and(|inner| {
        inner.chars().count() >= 16
            && !inner.contains(char::is_whitespace)
            && !inner.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c == '-' || c.is_ascii_digit())
    })
}

/// A value made only of the words that name what should have gone there: `access-token`,
/// `your_api_key`, `MY-SECRET`, `api key here`.
fn names_itself(lower: &str) -> bool {
    const FILLER: [&str; 12] =
        ["my", "your", "the", "access", "api", "auth", "bearer", "client", "app", "here", "insert", "placeholder"];
    const LAST: [&str; 5] = ["token", "key", "secret", "password", "apikey"];
    let words: Vec<&str> = lower.split(['-', '_', ' ', '.']).filter(|w| !w.is_empty()).collect();
    words.len() >= 2
        && words.iter().any(|w| LAST.contains(w))
        && words.iter().all(|w| FILLER.contains(w) || LAST.contains(w))
}

fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if names_itself(&lower) {
        return true;
    }
    matches!(lower.as_str(), "<token>" | "token" | "xxx" | "changeme")
        || (lower.starts_with("{{") && lower.ends_with("}}"))
        || (lower.starts_with("${") && lower.ends_with('}'))
        || (lower.starts_with('<') && lower.ends_with('>'))
        || (lower.starts_with('$')
            && lower[1..].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && lower.len() > 1)
        || lower.starts_with("your_")
        || lower.starts_with("your-")
        || lower.contains("your_api_key")
        || lower.contains("your-api-key")
        || lower.contains("api_key_here")
        || lower.contains("insert_")
}

fn decode_base64(value: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value))
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn jwt_facts(value: &str, slips: &mut Vec<Slip>) -> Option<JwtFacts> {
    let looks_like_jwt = value.starts_with("eyJ") && value.matches('.').count() >= 1;
    if !looks_like_jwt {
        return None;
    }
    match read_token(value) {
        Ok(TokenKind::Jwt(jwt)) => Some({
            if jwt.warnings.iter().any(|w| matches!(w, crate::core::token::TokenWarning::TimeInMilliseconds { .. })) {
                slips.push(Slip::MillisecondTime);
            }
            JwtFacts {
                algorithm: jwt.algorithm.clone(),
                issuer: jwt.issuer.clone(),
                audience: jwt.audience.clone(),
                expires_at: jwt.expires_at,
                not_before: jwt.not_before,
                issued_at: jwt.issued_at,
                has_scope_claim: !jwt.scope_claims.is_empty(),
                scopes: jwt.scopes.clone(),
            }
        }),
        Ok(TokenKind::Opaque(_)) => None,
        Err(_) => {
            slips.push(Slip::BrokenJwt);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k() -> &'static Knowledge {
        Knowledge::builtin()
    }

    fn one(headers: &[(&str, &str)]) -> SentRequest {
        let headers: Vec<_> = headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        observe(k(), "get", "https://api.example.com/v1/x", &headers, None)
    }

    #[test]
    fn no_credential_is_seen_as_none() {
        let r = one(&[("Accept", "application/json")]);
        assert!(!r.has_credential());
        assert_eq!(r.method, "GET");
    }

    #[test]
    fn slips_in_authorization_are_found() {
        let cases: &[(&str, Slip)] = &[
            ("Bearer Bearer abcdefghijklmnop", Slip::DoubledScheme),
            ("abcdefghijklmnopqrstu", Slip::MissingScheme),
            ("Bearer \"abcdefghijklmnop\"", Slip::Quotes),
            ("Bearer abcdefgh\nijklmnop", Slip::LineBreak),
            ("Bearer abcdefgh ijklmnop", Slip::SpaceInside),
            ("Bearer {{access_token}}", Slip::Placeholder),
            ("Bearer access-token", Slip::Placeholder),
            ("Bearer YOUR_API_KEY_HERE", Slip::Placeholder),
            ("Bearer undefined", Slip::Unset),
            ("Bearer kk", Slip::TooShort),
            ("Bearer https://example.openai.azure.com/openai", Slip::LooksLikeUrl),
            ("Basic not-base64!!", Slip::BasicNotBase64),
            ("Bearer dXNlcjpwYXNzd29yZA==", Slip::BasicAsBearer),
            ("Bearer eyJhbGciOiJIUzI1NiJ9.bad!!.sig", Slip::BrokenJwt),
            ("Bearer", Slip::Empty),
            ("Bearer <pk.eyJ1IjoiZGV2IiwiYSI6ImNsMnJ9.Xy7Qz>", Slip::Brackets),
        ];
        for (value, slip) in cases {
            let r = one(&[("Authorization", value)]);
            let c = r.main_credential().unwrap();
            assert!(c.slips.contains(slip), "{value:?}: expected {slip:?}, found {:?}", c.slips);
        }
    }

    #[test]
    fn a_clean_bearer_has_no_slips_and_keeps_its_prefix() {
        // Test keys are put together at run time, so the source holds nothing key-shaped.
        let header = format!("Bearer {}{}", "sk_live_", "abcdefghijklmnop1234");
        let r = one(&[("Authorization", &header)]);
        let c = r.main_credential().unwrap();
        assert!(c.slips.is_empty(), "{:?}", c.slips);
        assert_eq!(c.environment(), Some(EnvKind::Production));
        assert_eq!(c.fingerprint, "Bearer sk_live_…1234");
        assert!(!format!("{r:?}").contains("abcdefghijklmnop"));
    }

    #[test]
    fn basic_username_prefix_is_read() {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{}{}:", "sk_test_", "abcdefghijklmnop"));
        let r = one(&[("Authorization", &format!("Basic {encoded}"))]);
        assert_eq!(r.main_credential().unwrap().environment(), Some(EnvKind::Sandbox));
    }

    #[test]
    fn query_and_form_credentials_are_seen_and_masked() {
        let r = observe(
            k(),
            "POST",
            "https://maps.example.com/api?key=AIzaSyabcdefghijklmnopqrstuvwxyz12345",
            &[],
            Some("grant_type=client_credentials&client_id=app&client_secret=s3cr3t-value-canary-9876"),
        );
        assert_eq!(r.grant_type.as_deref(), Some("client_credentials"));
        assert_eq!(r.credentials.len(), 2);
        assert!(!r.url.contains("abcdefghijklmnop"), "{}", r.url);
        assert!(!format!("{r:?}").contains("canary"));
    }
}
