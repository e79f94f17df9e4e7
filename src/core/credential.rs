//! The one rule for "is this a credential", asked by every surface that shows, stores, logs or
//! forwards a request: the preview, "Request sent", history, logs, `Debug`, exports, reports, the
//! diagnosis observer and the redirect policy.
//!
//! Two questions, one answer:
//! - **Where the profile put it.** A sign-in method says where its credential goes
//!   ([`Place`]: a header, a query parameter, a cookie, a body field). That place is a credential
//!   whatever its name, so `Ocp-Apim-Subscription-Key` is as secret as `Authorization`.
//!   New sign-in methods (Digest, `SigV4`, OAuth 1.0a, `DPoP`) plug in by naming their places in
//!   [`places_of`] (or by the places their `AppliedCredential` reports).
//! - **What a typed or pasted value looks like.** Anything else is judged by the detector: the
//!   name lists, known key prefixes, the JWT shape, and high entropy.
//!
//! What comes out for people is a [`Masked`] text: a type only this module builds, so a record
//! made of `Masked` parts cannot hold a raw value by forgetting.

use crate::core::profile::{AuthMethod, KeyPlacement};
use crate::core::secret::{Secret, fingerprint};
use serde::Serialize;

/// Where a credential sits on a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "in", content = "name", rename_all = "snake_case")]
pub enum Place {
    Header(String),
    Query(String),
    Cookie(String),
    /// A field of a form or JSON body (a client secret a token endpoint wants in its form).
    BodyField(String),
}

impl Place {
    /// "header", "query", "cookie" or "body", as `send --format json` names it.
    pub fn kind_word(&self) -> &'static str {
        match self {
            Place::Header(_) => "header",
            Place::Query(_) => "query",
            Place::Cookie(_) => "cookie",
            Place::BodyField(_) => "body",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Place::Header(n) | Place::Query(n) | Place::Cookie(n) | Place::BodyField(n) => n,
        }
    }

    /// "header X-Api-Key", "query parameter `api_key`", …
    pub fn words(&self) -> String {
        match self {
            Place::Header(n) => format!("header {n}"),
            Place::Query(n) => format!("query parameter {n}"),
            Place::Cookie(n) => format!("cookie {n}"),
            Place::BodyField(n) => format!("body field {n}"),
        }
    }
}

/// Where a profile's sign-in method puts its credential. A method that signs the request puts
/// its signature in the places it lists here (the `Authorization` header, signature parameters).
pub fn places_of(auth: &AuthMethod) -> Vec<Place> {
    match auth {
        AuthMethod::None => Vec::new(),
        AuthMethod::ApiKey { name, placement: KeyPlacement::Header, .. } => vec![Place::Header(name.trim().to_owned())],
        AuthMethod::ApiKey { name, placement: KeyPlacement::Query, .. } => vec![Place::Query(name.trim().to_owned())],
        AuthMethod::Bearer { .. }
        | AuthMethod::Basic { .. }
        | AuthMethod::OAuthClientCredentials(_)
        | AuthMethod::SignedJwt(_)
        | AuthMethod::OAuthAuthorizationCode(_)
        | AuthMethod::OAuthDevice(_)
        | AuthMethod::Digest { .. } => vec![Place::Header("Authorization".to_owned())],
        AuthMethod::AwsSigV4(settings) => match settings.placement {
            crate::core::profile::SigV4Placement::Header => vec![Place::Header("Authorization".to_owned())],
            crate::core::profile::SigV4Placement::Query => {
                vec![Place::Query(crate::core::auth::sigv4::SIGNATURE_PARAM.to_owned())]
            }
        },
        AuthMethod::OAuth1(settings) => match settings.placement {
            crate::core::profile::OAuth1Placement::Header => vec![Place::Header("Authorization".to_owned())],
            crate::core::profile::OAuth1Placement::Query | crate::core::profile::OAuth1Placement::Body => {
                vec![Place::Query("oauth_signature".to_owned())]
            }
        },
    }
}

/// The sign-in method's name as the profiles file and `send --format json` spell it.
pub fn method_name(auth: &AuthMethod) -> &'static str {
    match auth {
        AuthMethod::None => "none",
        AuthMethod::ApiKey { .. } => "api_key",
        AuthMethod::Bearer { .. } => "bearer",
        AuthMethod::Basic { .. } => "basic",
        AuthMethod::OAuthClientCredentials(_) => "oauth_client_credentials",
        AuthMethod::SignedJwt(_) => "signed_jwt",
        AuthMethod::OAuthAuthorizationCode(_) => "oauth_authorization_code",
        AuthMethod::OAuthDevice(_) => "oauth_device",
        AuthMethod::Digest { .. } => "digest",
        AuthMethod::AwsSigV4(_) => "aws_sigv4",
        AuthMethod::OAuth1(_) => "oauth1",
    }
}

/// What a request's own credential was, safe to show and keep: the method, where it went, its
/// fingerprint, and all that in words. Built only from a [`Secret`], so it holds no raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSummary {
    method: &'static str,
    place: Place,
    fingerprint: Masked,
    description: Masked,
}

impl CredentialSummary {
    /// `words` turns the fingerprint into the credential's name in words ("API key …4f2a"); the
    /// place is added after it.
    pub fn new(method: &'static str, place: Place, secret: &Secret, words: impl FnOnce(&str) -> String) -> Self {
        let fingerprint = secret.fingerprint();
        let named = words(&fingerprint);
        let description =
            Rule::detector().with_values([secret.clone()]).mask_text(&format!("{named} in {}", place.words()));
        Self { method, place, fingerprint: Masked(fingerprint), description }
    }

    pub fn method(&self) -> &'static str {
        self.method
    }

    pub fn place(&self) -> &Place {
        &self.place
    }

    pub fn fingerprint(&self) -> &Masked {
        &self.fingerprint
    }

    /// For example "API key `gp_test`_…a1b2 in header X-Api-Key".
    pub fn description(&self) -> &str {
        self.description.as_str()
    }
}

impl std::fmt::Display for CredentialSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description.as_str())
    }
}

impl Serialize for CredentialSummary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("method", self.method)?;
        map.serialize_entry("in", self.place.kind_word())?;
        map.serialize_entry("name", self.place.name())?;
        map.serialize_entry("fingerprint", self.fingerprint.as_str())?;
        map.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Origins: where a credential may go

/// A URL's origin (scheme, host, port): the unit a credential is allowed to, and the unit a
/// redirect must stay within to keep it.
pub fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `https://api.example.com`, `http://127.0.0.1:7410`: an origin as people read it.
pub fn origin_words(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

/// Does `url` fall within one of the allowed entries? Each entry is an origin
/// (`https://api.example.com:8443`), a `host:port`, or a bare host. A bare host or `host:port`
/// takes the base URL's scheme, so an `https` profile's credential never goes over plain `http`
/// without a question; a bare host takes the base URL's port when it is the base URL's host, and
/// the scheme's default port otherwise.
pub fn origin_allowed(url: &url::Url, base: Option<&url::Url>, allowed: &[String]) -> bool {
    let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
    let port = url.port_or_known_default();
    let base_scheme = base.map_or("https", url::Url::scheme);
    let base_host = base.and_then(url::Url::host_str).map(str::to_ascii_lowercase);
    allowed.iter().any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.contains("://") {
            return url::Url::parse(&entry).is_ok_and(|e| same_origin(&e, url));
        }
        if url.scheme() != base_scheme {
            return false;
        }
        let default_port = if base_scheme == "http" { 80 } else { 443 };
        match entry.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.ends_with(']') => {
                h.trim_start_matches('[').trim_end_matches(']') == host.trim_start_matches('[').trim_end_matches(']')
                    && p.parse::<u16>().ok() == port
            }
            _ => {
                let expected = if base_host.as_deref() == Some(entry.as_str()) {
                    base.and_then(url::Url::port_or_known_default)
                } else {
                    Some(default_port)
                };
                entry == host && port == expected
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The detector, for what was typed or pasted

/// Header names whose values are credentials wherever they appear (typed by hand, pasted, or
/// sent by a server). Anti-forgery tokens are included: they are not a sign-in, but they are
/// bound to a session and should not be shown or forwarded either.
pub fn is_credential_header_name(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    if matches!(lower.as_str(), "x-request-id" | "idempotency-key" | "x-idempotency-key" | "sec-websocket-key") {
        return false;
    }
    matches!(
        lower.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "key" | "dpop" | "x-amz-security-token"
    ) || lower.contains("api-key")
        || lower.contains("apikey")
        || lower.contains("api_key")
        || lower.contains("token")
        || lower.contains("secret")
        || lower.contains("password")
        || lower.contains("subscription-key")
        || lower.contains("access-key")
        || lower.contains("auth-key")
        || lower.contains("session")
        || lower.ends_with("-key")
        || lower.ends_with("_key")
        || lower.ends_with("-signature")
}

/// Header names that hold a request's anti-forgery token: masked like a credential, but not a
/// key a profile could send.
pub fn is_anti_forgery_header_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("csrf") || lower.contains("xsrf")
}

/// Query parameter names that carry credentials in real APIs.
pub fn is_credential_query_name(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "api_key"
            | "apikey"
            | "api-key"
            | "key"
            | "token"
            | "access_token"
            | "id_token"
            | "refresh_token"
            | "client_secret"
            | "password"
            | "pass"
            | "passwd"
            | "secret"
            | "sig"
            | "signature"
            | "code"
            | "auth"
            | "x-amz-signature"
            | "x-amz-credential"
            | "x-amz-security-token"
            | "x-api-key"
            | "hapikey"
            | "appid"
            | "subscription-key"
            | "session"
            | "sessionid"
            | "oauth_signature"
    ) || lower.ends_with("_token")
        || lower.ends_with("-token")
        || lower.ends_with("_secret")
        || lower.ends_with("_key")
        || lower.ends_with("-key")
}

/// Body field names (form or JSON) that carry credentials, on token endpoints and elsewhere.
pub fn is_credential_field_name(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "client_secret"
            | "client_assertion"
            | "password"
            | "refresh_token"
            | "access_token"
            | "assertion"
            | "api_key"
            | "apikey"
            | "token"
            | "secret"
            | "code_verifier"
            | "device_code"
            | "auth_key"
            | "authkey"
            | "api-key"
            | "app_key"
            | "appkey"
            | "access_key"
            | "secret_key"
            | "private_key"
            | "key"
    ) || lower.ends_with("_secret")
        || lower.ends_with("_password")
        || lower.ends_with("_token")
}

/// Key prefixes that say "this is a key" on their own (secret kinds only; a publishable key is
/// meant to be public). The diagnosis knowledge adds the providers it knows.
const SECRET_PREFIXES: &[&str] = &[
    "gp_test_",
    "gp_live_",
    "sk_test_",
    "sk_live_",
    "rk_test_",
    "rk_live_",
    "whsec_",
    "github_pat_",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "ghr_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xapp-",
    "sk-",
    "SG.",
    "key-",
    "AKIA",
    "ASIA",
    "AIza",
    "ya29.",
    "shpat_",
    "shpss_",
    "npm_",
    "pypi-",
    "dop_v1_",
    "hf_",
];

/// Does this value look like a key, a token or a password, whatever it is called: a known
/// secret-key prefix, a JWT, or a long random-looking string?
pub fn looks_like_credential(value: &str) -> bool {
    let value = value.trim();
    // A fingerprint (`gp_live_…4f2a`) is already masked; no real key holds these marks.
    if value.len() < 12 || value.len() > 16 * 1024 || value.contains(char::is_whitespace) || value.contains(['…', '•'])
    {
        return false;
    }
    let known = crate::core::diagnose::Knowledge::builtin().prefix(value);
    if known.is_some_and(|p| !p.publishable) {
        return true;
    }
    if known.is_none() && SECRET_PREFIXES.iter().any(|p| value.starts_with(p)) && value.len() >= 16 {
        return true;
    }
    looks_like_jwt(value) || high_entropy(value)
}

/// Three base64url parts, the first a JSON header (`eyJ`).
pub fn looks_like_jwt(value: &str) -> bool {
    value.starts_with("eyJ")
        && value.split('.').count() == 3
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.=".contains(c))
}

/// At least 32 characters of letters and digits mixed like a random key (over 4 bits of
/// entropy per character), not a word, a UUID or a hex hash.
pub fn high_entropy(word: &str) -> bool {
    if word.len() < 32 || word.len() > 512 {
        return false;
    }
    let has = |f: fn(&char) -> bool| word.chars().any(|c| f(&c));
    if !(has(char::is_ascii_lowercase) && has(char::is_ascii_uppercase) && has(char::is_ascii_digit)) {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in word.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    #[allow(clippy::cast_precision_loss, reason = "short strings; an estimate")]
    let len = word.len() as f64;
    #[allow(clippy::cast_precision_loss, reason = "short strings; an estimate")]
    let entropy: f64 = counts
        .values()
        .map(|&n| {
            let p = n as f64 / len;
            -p * p.log2()
        })
        .sum();
    entropy > 4.0
}

/// Scheme words kept in front of a masked `Authorization` value.
fn is_scheme_word(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "bearer" | "basic" | "token" | "digest" | "dpop" | "negotiate" | "ntlm" | "aws4-hmac-sha256" | "oauth" | "mac"
    )
}

// ---------------------------------------------------------------------------------------------
// The rule

/// The rule for one request: the places its own credential went (known by the sign-in method),
/// the values it filled in (so an echo of one is caught anywhere), and the detector for the rest.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    known: Vec<Place>,
    values: Vec<Secret>,
}

impl Rule {
    /// Only the detector: for text with no profile behind it (a HAR file, a pasted command).
    pub fn detector() -> Self {
        Self::default()
    }

    /// The places a request's own credential went.
    pub fn with_places(places: impl IntoIterator<Item = Place>) -> Self {
        Self { known: places.into_iter().collect(), values: Vec::new() }
    }

    /// The rule for a profile's sign-in method.
    pub fn for_auth(auth: &AuthMethod) -> Self {
        Self::with_places(places_of(auth))
    }

    /// Also treat these exact values as secret wherever they appear (the credential that was
    /// filled in, the body's `{{secret:…}}` values).
    #[must_use]
    pub fn with_values(mut self, values: impl IntoIterator<Item = Secret>) -> Self {
        self.values.extend(values.into_iter().filter(|v| v.len() >= 4));
        self
    }

    pub fn known_places(&self) -> &[Place] {
        &self.known
    }

    /// Did the request's own credential go in this place?
    pub fn is_known(&self, place: &Place) -> bool {
        self.knows(place)
    }

    fn knows(&self, place: &Place) -> bool {
        self.known.iter().any(|k| match (k, place) {
            (Place::Header(a), Place::Header(b)) => a.eq_ignore_ascii_case(b),
            (Place::Query(a), Place::Query(b))
            | (Place::Cookie(a), Place::Cookie(b))
            | (Place::BodyField(a), Place::BodyField(b)) => a == b,
            _ => false,
        })
    }

    fn holds_known_value(&self, value: &str) -> bool {
        self.values.iter().any(|v| value.contains(v.expose()))
    }

    /// Is this header (as sent or typed) a credential?
    pub fn header_is_credential(&self, name: &str, value: &str) -> bool {
        self.knows(&Place::Header(name.trim().to_owned()))
            || is_credential_header_name(name)
            || is_anti_forgery_header_name(name)
            || self.holds_known_value(value)
            || value_is_credential(value)
    }

    /// Is this query parameter a credential?
    pub fn query_is_credential(&self, name: &str, value: &str) -> bool {
        self.knows(&Place::Query(name.to_owned()))
            || is_credential_query_name(name)
            || self.holds_known_value(value)
            || looks_like_credential(value)
    }

    /// Is this body field a credential?
    pub fn field_is_credential(&self, name: &str, value: &str) -> bool {
        self.knows(&Place::BodyField(name.to_owned()))
            || is_credential_field_name(name)
            || self.holds_known_value(value)
            || looks_like_credential(value)
    }

    /// A header value as it may be shown: the scheme word kept, the credential fingerprinted;
    /// anything else as it is.
    pub fn mask_header(&self, name: &str, value: &str) -> Masked {
        if !self.header_is_credential(name, value) {
            return Masked(value.to_owned());
        }
        let lower = name.to_ascii_lowercase();
        if lower == "cookie" {
            return Masked(mask_cookie_pairs(value, "; "));
        }
        if lower == "set-cookie" {
            let (pair, attributes) = value.split_once(';').map_or((value, ""), |(p, a)| (p, a));
            let masked = mask_cookie_pairs(pair, "; ");
            return Masked(if attributes.is_empty() { masked } else { format!("{masked};{attributes}") });
        }
        Masked(mask_credential_value(value))
    }

    /// A URL with every credential in it fingerprinted: a password, credential query values.
    pub fn mask_url(&self, url: &url::Url) -> Masked {
        let mut copy = url.clone();
        if copy.password().is_some() {
            let _ = copy.set_password(Some("••••"));
        }
        if copy.query().is_some() {
            let pairs: Vec<(String, String)> = copy
                .query_pairs()
                .map(|(n, v)| {
                    let v = if self.query_is_credential(&n, &v) { fingerprint(&v) } else { v.into_owned() };
                    (n.into_owned(), v)
                })
                .collect();
            copy.query_pairs_mut().clear().extend_pairs(pairs);
        }
        // Show the fingerprint's marks as marks, not percent-escapes: this text is for people.
        let text = copy.to_string().replace("%E2%80%A6", "…").replace("%E2%80%A2", "•");
        Masked(self.mask_known_values(&text))
    }

    /// Like [`Self::mask_url`] for text that may not parse yet (a draft's URL with `{{variables}}`).
    pub fn mask_url_text(&self, text: &str) -> Masked {
        if let Ok(url) = url::Url::parse(text) {
            return self.mask_url(&url);
        }
        // A path or a template (`/v1/me?api_key=…`, `{{base_url}}/x?token=…`): its query is
        // masked as a URL's would be.
        if let Some((head, query)) = text.split_once('?')
            && let Ok(url) = url::Url::parse(&format!("http://gatepass.invalid/?{query}"))
        {
            let masked = self.mask_url(&url).into_string();
            let query_masked = masked.split_once('?').map_or("", |(_, q)| q);
            let pairs = |q: &str| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect::<Vec<_>>();
            // Nothing to hide: the text stays exactly as written (no re-encoded `{{variables}}`).
            let query = if pairs(query_masked) == pairs(query) { query } else { query_masked };
            return Masked(format!("{}?{query}", self.mask_free_words(head)));
        }
        Masked(self.mask_free_words(text))
    }

    /// Free text that may hold a URL, a header line or a pasted key (an error message, a log
    /// line): every URL masked as a URL, every `Name: value` line as a header, every word that
    /// looks like a credential fingerprinted.
    pub fn mask_text(&self, text: &str) -> Masked {
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match line.split_once(": ") {
                Some((name, value))
                    if !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                        && self.header_is_credential(name, value) =>
                {
                    out.push_str(name);
                    out.push_str(": ");
                    out.push_str(&self.mask_header(name, value).0);
                }
                _ => out.push_str(&self.mask_free_words(line)),
            }
        }
        Masked(out)
    }

    /// Body text as it may be shown: credential fields of a form or a JSON object masked, and
    /// any credential-looking word in other text.
    pub fn mask_body_text(&self, text: &str, form: bool) -> Masked {
        if form && !text.contains(char::is_whitespace) {
            let pieces: Vec<String> = text
                .split('&')
                .map(|piece| {
                    let (raw_name, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
                    let decode = |t: &str| {
                        url::form_urlencoded::parse(format!("x={t}").as_bytes())
                            .next()
                            .map(|(_, v)| v.into_owned())
                            .unwrap_or_default()
                    };
                    let (name, value) = (decode(raw_name), decode(raw_value));
                    if !value.is_empty() && self.field_is_credential(&name, &value) {
                        format!("{raw_name}={}", fingerprint(&value))
                    } else {
                        piece.to_owned()
                    }
                })
                .collect();
            return Masked(pieces.join("&"));
        }
        if let Ok(original) = serde_json::from_str::<serde_json::Value>(text) {
            let mut value = original.clone();
            self.mask_json(&mut value);
            if value == original {
                return Masked(self.mask_known_values(text));
            }
            return Masked(serde_json::to_string_pretty(&value).unwrap_or_default());
        }
        Masked(self.mask_free_words(text))
    }

    fn mask_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (name, inner) in map.iter_mut() {
                    if let serde_json::Value::String(s) = inner {
                        if self.field_is_credential(name, s) {
                            *s = fingerprint(s);
                        }
                    } else {
                        self.mask_json(inner);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.mask_json(v)),
            serde_json::Value::String(s) if looks_like_credential(s) || self.holds_known_value(s) => {
                *s = fingerprint(s);
            }
            _ => {}
        }
    }

    /// Every exact known value replaced by its fingerprint.
    fn mask_known_values(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for value in &self.values {
            if out.contains(value.expose()) {
                out = out.replace(value.expose(), &value.fingerprint());
            }
            // A value that went out percent-encoded (in a query) is caught in that form too.
            let encoded: String = url::form_urlencoded::byte_serialize(value.expose().as_bytes()).collect();
            if encoded != value.expose() && out.contains(&encoded) {
                out = out.replace(&encoded, &value.fingerprint());
            }
        }
        out
    }

    /// Words of free text: URLs masked as URLs, credential-looking words fingerprinted.
    fn mask_free_words(&self, text: &str) -> String {
        let text = self.mask_known_values(text);
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let end = rest.find(|c: char| c.is_whitespace() || "()<>\"'`,;[]{}".contains(c)).unwrap_or(rest.len());
            let (word, after) = rest.split_at(end);
            if word.is_empty() {
                let c = after.chars().next().unwrap_or(' ');
                out.push(c);
                rest = &after[c.len_utf8()..];
                continue;
            }
            let trimmed = word.trim_end_matches(['.', ':', '!', '?']);
            let tail = &word[trimmed.len()..];
            if (trimmed.starts_with("http://") || trimmed.starts_with("https://"))
                && let Ok(url) = url::Url::parse(trimmed)
            {
                out.push_str(&self.mask_url(&url).0);
            } else if let Some((name, value)) = trimmed.split_once('=')
                && !value.is_empty()
                && (self.query_is_credential(name, value) || self.field_is_credential(name, value))
            {
                out.push_str(name);
                out.push('=');
                out.push_str(&fingerprint(value));
            } else if looks_like_credential(trimmed) {
                out.push_str(&fingerprint(trimmed));
            } else {
                out.push_str(trimmed);
            }
            out.push_str(tail);
            rest = after;
        }
        out
    }
}

/// A value the detector flags in a header with an ordinary name: a known key, a JWT, a long
/// random string, or any of those after a scheme word.
fn value_is_credential(value: &str) -> bool {
    let trimmed = value.trim();
    match trimmed.split_once(' ') {
        Some((scheme, rest)) if is_scheme_word(scheme) => !rest.trim().is_empty(),
        _ => looks_like_credential(trimmed),
    }
}

/// "Bearer eyJ…WXYZ": the scheme word kept, the rest fingerprinted.
fn mask_credential_value(value: &str) -> String {
    let trimmed = value.trim();
    match trimmed.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => {
            // The base64 text's end spells the password's end: fingerprint the password itself.
            let rest = rest.trim();
            match decode_basic(rest) {
                Some((user, password)) => format!("{scheme} {user}:{}", fingerprint(&password)),
                None => format!("{scheme} {}", fingerprint(rest)),
            }
        }
        Some((scheme, rest)) if is_scheme_word(scheme) => {
            let rest = rest.trim();
            // Parameterised schemes (Digest, SigV4, OAuth 1) keep their parameter names.
            if rest.contains('=') && rest.contains(',') {
                format!("{scheme} {}", mask_parameters(rest))
            } else {
                format!("{scheme} {}", fingerprint(rest))
            }
        }
        _ => fingerprint(trimmed),
    }
}

fn decode_basic(encoded: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    // A username that itself looks like a key (Stripe sends the key as the username) is masked too.
    let user = if looks_like_credential(user) { fingerprint(user) } else { user.to_owned() };
    Some((user, password.to_owned()))
}

/// `name="value", name=value` with every value fingerprinted except a few that only name things.
fn mask_parameters(text: &str) -> String {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            match part.split_once('=') {
                Some((name, value)) => {
                    let quoted = value.starts_with('"');
                    let inner = value.trim_matches('"');
                    let keep = matches!(
                        name.trim().to_ascii_lowercase().as_str(),
                        "realm" | "algorithm" | "qop" | "signedheaders" | "oauth_signature_method" | "oauth_version"
                    );
                    let shown = if keep { inner.to_owned() } else { fingerprint(inner) };
                    if quoted { format!("{name}=\"{shown}\"") } else { format!("{name}={shown}") }
                }
                None => fingerprint(part),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `a=1; b=2` with every value fingerprinted: cookies are credentials by nature.
fn mask_cookie_pairs(text: &str, separator: &str) -> String {
    text.split(';')
        .map(|pair| {
            let pair = pair.trim();
            match pair.split_once('=') {
                Some((name, value)) => format!("{name}={}", fingerprint(value.trim_matches('"'))),
                None => fingerprint(pair),
            }
        })
        .collect::<Vec<_>>()
        .join(separator)
}

// ---------------------------------------------------------------------------------------------
// Masked text

/// Text that went through the rule: safe to show, store, log and export. Only this module makes
/// one, so a type built of `Masked` parts cannot hold a raw value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Masked(String);

impl Masked {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// A secret as its fingerprint.
    pub fn fingerprint_of(secret: &Secret) -> Self {
        Masked(secret.fingerprint())
    }
}

impl std::fmt::Display for Masked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Masked {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Masked {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Masked {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Masked {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    /// Test keys are put together at run time, so the source holds nothing key-shaped.
    fn key(prefix: &str) -> String {
        format!("{prefix}{}", "Zq8RmT2vXw4Yb6Nc0Pd3")
    }

    #[test]
    fn a_known_place_is_a_credential_whatever_its_name() {
        let rule = Rule::with_places([Place::Header("Ocp-Apim-Subscription-Key".into())]);
        assert!(rule.header_is_credential("ocp-apim-subscription-key", "abc"));
        assert_eq!(rule.mask_header("Ocp-Apim-Subscription-Key", "0123456789abcdef0123").as_str(), "…0123");
        let rule = Rule::with_places([Place::Query("code".into())]);
        assert!(rule.query_is_credential("code", "short"));
        assert!(!Rule::detector().header_is_credential("Accept", "application/json"));
    }

    #[test]
    fn typed_values_are_judged_by_name_prefix_shape_and_entropy() {
        let rule = Rule::detector();
        for name in ["X-Auth-Key", "Authorization", "X-Api-Key", "Cookie", "X-CSRF-Token", "X-Session"] {
            assert!(rule.header_is_credential(name, "x"), "{name}");
        }
        assert!(rule.header_is_credential("X-Custom", &key("sk_live_")), "a known prefix");
        assert!(
            rule.header_is_credential("X-Custom", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln"),
            "a JWT"
        );
        assert!(rule.header_is_credential("X-Custom", "Q2x5TmVkZ1R6cGFiWmRoVm9zZ3R1aXNqR0VyR3ZrT0"), "entropy");
        assert!(!rule.header_is_credential("X-Request-Id", "4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(!rule.header_is_credential("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"));
        assert!(!rule.header_is_credential("Idempotency-Key", "order-1234"));
    }

    #[test]
    fn masking_keeps_scheme_words_and_cookie_names() {
        let rule = Rule::detector();
        assert_eq!(rule.mask_header("Authorization", "Bearer eyJabcdefghijklmnWXYZ").as_str(), "Bearer eyJ…WXYZ");
        assert_eq!(
            rule.mask_header("Cookie", "sid=abcdefghijklmnopqrst; theme=dark").as_str(),
            "sid=…qrst; theme=•••• (4 characters)"
        );
        assert_eq!(rule.mask_header("Accept", "application/json").as_str(), "application/json");
        let digest = rule.mask_header(
            "Authorization",
            "Digest username=\"u\", realm=\"r\", response=\"0123456789abcdef0123456789abcdef\"",
        );
        assert!(digest.as_str().contains("realm=\"r\""), "{digest}");
        assert!(!digest.as_str().contains("0123456789abcdef"), "{digest}");
    }

    #[test]
    fn urls_lose_query_credentials_and_passwords() {
        let rule = Rule::detector();
        let url =
            url::Url::parse(&format!("https://u:hunter2hunter2@api.example.com/v1?api_key={}&page=2", key("gp_test_")))
                .unwrap();
        assert_eq!(rule.mask_url(&url).as_str(), "https://u:••••@api.example.com/v1?api_key=gp_test_…0Pd3&page=2");
    }

    #[test]
    fn free_text_is_masked_url_header_and_word_alike() {
        let k = key("gp_live_");
        let rule = Rule::with_places([Place::Query("code".into())]);
        let text = format!("error sending request for url (http://127.0.0.1:9/v1/me?code={k}): Connection refused");
        let masked = rule.mask_text(&text);
        assert!(!masked.as_str().contains(&k[8..]), "{masked}");
        assert!(masked.as_str().contains("Connection refused"), "{masked}");
        let line = format!("X-Auth-Key: {k}");
        assert_eq!(rule.mask_text(&line).as_str(), "X-Auth-Key: gp_live_…0Pd3");
        let pasted = format!("the key {k} was refused");
        assert_eq!(rule.mask_text(&pasted).as_str(), "the key gp_live_…0Pd3 was refused");
    }

    #[test]
    fn known_values_are_caught_anywhere() {
        let rule = Rule::detector().with_values([Secret::new("plainpassword")]);
        assert_eq!(
            rule.mask_text("it said plainpassword twice: plainpassword").as_str(),
            "it said •••• (13 characters) twice: •••• (13 characters)"
        );
    }

    #[test]
    fn bodies_lose_credential_fields() {
        let rule = Rule::with_places([Place::BodyField("pin".into())]);
        let form =
            rule.mask_body_text("grant_type=client_credentials&client_secret=abcdefghijklmnopqrstuvwx&pin=1234", true);
        assert_eq!(form.as_str(), "grant_type=client_credentials&client_secret=…uvwx&pin=•••• (4 characters)");
        let json = rule.mask_body_text(r#"{"user":"ann","password":"correct horse battery"}"#, false);
        assert!(!json.as_str().contains("correct horse"), "{json}");
        assert!(json.as_str().contains("\"ann\""), "{json}");
    }
}
