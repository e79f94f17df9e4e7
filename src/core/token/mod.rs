//! Reading access tokens: is this a JWT, what does it say, is it still good, what does it allow.
//!
//! ```text
//! raw text (pasted, from the keychain, from a token endpoint)
//!   -> read_token() -> TokenKind::Jwt(Jwt)            header and claims decoded, times and scopes read
//!                    | TokenKind::Opaque(OpaqueToken) only its length, fingerprint and known prefix
//!                    | TokenError                     why it cannot be read, in plain words
//!   -> token_state(jwt, now, soon)   Valid / ExpiringSoon / Expired / NotYetValid / NoExpiry
//!   -> verify::verify(jwt, key)      Verified / Failed / NotChecked
//! ```
//!
//! Everything here is pure: the clock is a parameter, keys are passed in, nothing is fetched.
//! Decoding never checks the signature; that is [`verify`]'s job, and a decoded [`Jwt`] says
//! nothing about whether it can be trusted. The token text itself is kept only inside a
//! [`Secret`], so no `Debug` or error message can print it.

pub mod explain;
pub mod mint;
pub mod time_words;
pub mod verify;

#[cfg(test)]
mod tests;

use crate::core::secret::{Secret, fingerprint};
use base64::Engine as _;
use serde_json::{Map, Value};

/// The largest token Gatepass will read. Real JWTs with many group claims reach 10–20 KB; a
/// bigger paste is almost always a whole response or file pasted by mistake.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The default "expiring soon" threshold.
pub const DEFAULT_SOON: time::Duration = time::Duration::minutes(5);

/// What a piece of token text turned out to be.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "callers match on `TokenKind::Jwt(jwt)` by value; tokens are read one at a time, so the size does not matter"
)]
pub enum TokenKind {
    Jwt(Jwt),
    Opaque(OpaqueToken),
}

impl TokenKind {
    pub fn as_jwt(&self) -> Option<&Jwt> {
        match self {
            TokenKind::Jwt(jwt) => Some(jwt),
            TokenKind::Opaque(_) => None,
        }
    }

    /// The safe way to name the token: a known prefix and the last four characters.
    pub fn fingerprint(&self) -> &str {
        match self {
            TokenKind::Jwt(jwt) => &jwt.fingerprint,
            TokenKind::Opaque(opaque) => &opaque.fingerprint,
        }
    }
}

/// The three parts of a JWT, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtPart {
    Header,
    Claims,
    Signature,
}

impl JwtPart {
    /// 1, 2 or 3, as people count the dot-separated pieces.
    pub fn number(self) -> usize {
        match self {
            JwtPart::Header => 1,
            JwtPart::Claims => 2,
            JwtPart::Signature => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JwtPart::Header => "header",
            JwtPart::Claims => "claims",
            JwtPart::Signature => "signature",
        }
    }
}

/// Why a token could not be read. The messages never contain the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("There is no token to read. Paste an access token, or choose a profile that has one.")]
    Empty,
    #[error(
        "This text is too large to be a token ({} KB; Gatepass reads up to {} KB). Check that only the token was copied, not a whole response or file.",
        .bytes / 1024,
        .limit / 1024
    )]
    TooLarge { bytes: usize, limit: usize },
    #[error("The token has a space or line break in the middle. Tokens never do. Copy it again as one unbroken line.")]
    HasWhitespace,
    #[error(
        "This looks like a JWT, but it has {parts} parts instead of 3. A JWT is three pieces joined by dots: header, claims and signature. The token may be cut short; copy it again."
    )]
    NotThreeParts { parts: usize },
    #[error(
        "Part {} of the token (the {}) is not valid base64url text{}. The token may be cut short or changed; copy it again.",
        .part.number(),
        .part.label(),
        .position.map(|p| format!(" (a character that does not belong at position {})", p + 1)).unwrap_or_default()
    )]
    BadBase64 { part: JwtPart, position: Option<usize> },
    #[error(
        "Part {} of the token (the {}) decodes, but it is not JSON ({detail}). So this is not a JWT Gatepass can read.",
        .part.number(),
        .part.label()
    )]
    NotJson { part: JwtPart, detail: String },
    #[error(
        "Part {} of the token (the {}) is JSON but not an object in curly braces, as a JWT needs.",
        .part.number(),
        .part.label()
    )]
    NotObject { part: JwtPart },
}

/// Something worth knowing about a readable JWT that does not stop it being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenWarning {
    /// `alg: none`: the token is not signed, so anyone could have written it.
    Unsigned,
    /// The header names no signing method at all.
    NoAlgorithm,
    /// A time claim was text ("1700000000") rather than a number; it was read anyway.
    TimeAsText { claim: &'static str },
    /// A time claim could not be read as a time.
    UnreadableTime { claim: &'static str, reason: String },
    /// A time claim holds milliseconds where seconds belong (`1733900000000`): a slip where the
    /// token was made; an API reads it as a date tens of thousands of years away.
    TimeInMilliseconds { claim: &'static str },
}

impl TokenWarning {
    /// The warning in plain words.
    pub fn describe(&self) -> String {
        match self {
            TokenWarning::Unsigned => {
                "This token is not signed (alg: none). Anyone could have written it, so an API should refuse it."
                    .to_owned()
            }
            TokenWarning::NoAlgorithm => "The token's header does not say how it was signed (no alg).".to_owned(),
            TokenWarning::TimeAsText { claim } => format!(
                "The time \"{claim}\" is written as text, not as a number. Gatepass read it, but some APIs will not."
            ),
            TokenWarning::UnreadableTime { claim, reason } => {
                format!("The time \"{claim}\" could not be read: {reason}.")
            }
            TokenWarning::TimeInMilliseconds { claim } => format!(
                "The time \"{claim}\" is in milliseconds, where seconds belong. Whoever made the token should divide it by 1000."
            ),
        }
    }
}

/// A decoded JSON Web Token. Decoded only: nothing here says the signature is good.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub algorithm: Option<String>,
    pub key_id: Option<String>,
    /// `typ` from the header, for example "JWT" or "at+jwt".
    pub token_type: Option<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audience: Vec<String>,
    pub expires_at: Option<time::OffsetDateTime>,
    pub not_before: Option<time::OffsetDateTime>,
    pub issued_at: Option<time::OffsetDateTime>,
    /// Permissions, from `scope` (space-separated), `scp` (text or list), `permissions` and `roles`,
    /// in the order found, without repeats.
    pub scopes: Vec<String>,
    /// Which claims the scopes came from, for example `["scope"]`.
    pub scope_claims: Vec<&'static str>,
    /// The signature's length in bytes (0 for an unsigned token).
    pub signature_len: usize,
    pub warnings: Vec<TokenWarning>,
    /// The safe way to name this token, for example `eyJ…x9Qa`.
    pub fingerprint: String,
    /// The whole token, kept for checking the signature. Never shown.
    raw: Secret,
}

impl Jwt {
    /// The token text, for checking its signature or sending it. Every caller is a place the
    /// token can escape: keep them few.
    pub fn raw(&self) -> &Secret {
        &self.raw
    }

    /// `alg: none`: the token says it is not signed.
    pub fn is_unsigned(&self) -> bool {
        self.algorithm.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("none"))
    }

    /// The permissions in `expected` that this token does not carry, in `expected`'s order.
    pub fn missing_scopes<'a>(&self, expected: &'a [String]) -> Vec<&'a str> {
        missing_scopes(&self.scopes, expected)
    }
}

/// A token that is not a JWT: Gatepass can tell its length and maybe who issues tokens like it,
/// but cannot read what it allows or when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpaqueToken {
    /// Length in characters.
    pub length: usize,
    /// The safe way to name this token, for example `ghp_…9f2c`.
    pub fingerprint: String,
    /// What the token looks like, when its shape is a known one, for example "GitHub personal access token".
    pub known_as: Option<&'static str>,
    /// The token itself, kept for asking its server about it. Never shown.
    raw: Secret,
}

impl OpaqueToken {
    /// The token text, for asking its sign-in server about it (introspection).
    pub fn raw(&self) -> &Secret {
        &self.raw
    }

    /// Why Gatepass cannot show more, in plain words.
    pub fn explanation(&self) -> String {
        let what = match self.known_as {
            Some(name) => format!("This looks like a {name}. "),
            None => String::new(),
        };
        format!(
            "{what}It is an opaque token: a reference that only the server that issued it can look up. \
             Gatepass cannot read its expiry or permissions here. \
             To learn them, ask the issuer (its token introspection endpoint), or send a request and see what the API says."
        )
    }
}

/// Is a token still good at `now`?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Good now and for longer than the "soon" threshold.
    Valid,
    /// Good now, but expires within the threshold.
    ExpiringSoon,
    /// Its expiry time has passed.
    Expired,
    /// Its "not before" time is still ahead.
    NotYetValid,
    /// It never expires (no `exp` claim), and its "not before" time, if any, has passed.
    NoExpiry,
    /// It has an `exp` claim that is not a time (`"tomorrow"`): servers treat it as broken.
    UnreadableExpiry,
}

impl TokenState {
    /// One or two words for a badge.
    pub fn label(self) -> &'static str {
        match self {
            TokenState::Valid => "Valid",
            TokenState::ExpiringSoon => "Expiring soon",
            TokenState::Expired => "Expired",
            TokenState::NotYetValid => "Not yet valid",
            TokenState::NoExpiry => "Never expires",
            TokenState::UnreadableExpiry => "Expiry unreadable",
        }
    }

    /// Can the token be used right now?
    pub fn is_usable(self) -> bool {
        matches!(self, TokenState::Valid | TokenState::ExpiringSoon | TokenState::NoExpiry)
    }
}

/// The token's state at `now`. A token whose expiry equals `now` has expired (RFC 7519: "on or
/// after"); expiry is checked before "not before", so a token with both in the wrong place reads
/// as expired.
pub fn token_state(jwt: &Jwt, now: time::OffsetDateTime, soon: time::Duration) -> TokenState {
    if let Some(exp) = jwt.expires_at
        && exp <= now
    {
        return TokenState::Expired;
    }
    if let Some(nbf) = jwt.not_before
        && nbf > now
    {
        return TokenState::NotYetValid;
    }
    match jwt.expires_at {
        None if jwt.claims.get("exp").is_some_and(|v| !v.is_null()) => TokenState::UnreadableExpiry,
        None => TokenState::NoExpiry,
        Some(exp) if exp - now <= soon => TokenState::ExpiringSoon,
        Some(_) => TokenState::Valid,
    }
}

/// The permissions in `expected` that `granted` lacks, in `expected`'s order. Blank entries in
/// `expected` are ignored; the comparison is exact, as servers compare scopes.
pub fn missing_scopes<'a>(granted: &[String], expected: &'a [String]) -> Vec<&'a str> {
    expected.iter().map(|s| s.trim()).filter(|s| !s.is_empty() && !granted.iter().any(|g| g == s)).fold(
        Vec::new(),
        |mut acc, s| {
            if !acc.contains(&s) {
                acc.push(s);
            }
            acc
        },
    )
}

/// Read a token from text as a person would paste it: surrounding whitespace and a leading
/// `Bearer ` word are dropped. Three dot-separated parts, or text starting like a JWT (`eyJ`),
/// is read as a JWT and any fault in it is an error; anything else is an opaque token.
pub fn read_token(raw: &str) -> Result<TokenKind, TokenError> {
    let text = strip_bearer(raw.trim()).trim();
    if text.is_empty() {
        return Err(TokenError::Empty);
    }
    if text.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge { bytes: text.len(), limit: MAX_TOKEN_BYTES });
    }
    if text.chars().any(char::is_whitespace) {
        return Err(TokenError::HasWhitespace);
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() == 3 {
        return read_jwt(text, &parts).map(TokenKind::Jwt);
    }
    if text.starts_with("eyJ") && parts.len() == 5 {
        return Ok(TokenKind::Opaque(opaque(text, Some("encrypted JWT (JWE), which only the API can open"))));
    }
    if text.starts_with("eyJ") {
        return Err(TokenError::NotThreeParts { parts: parts.len() });
    }
    Ok(TokenKind::Opaque(opaque(text, known_prefix(text))))
}

fn strip_bearer(text: &str) -> &str {
    match text.split_once(char::is_whitespace) {
        Some((word, rest)) if word.eq_ignore_ascii_case("bearer") => rest,
        None if text.eq_ignore_ascii_case("bearer") => "",
        _ => text,
    }
}

fn opaque(text: &str, known_as: Option<&'static str>) -> OpaqueToken {
    OpaqueToken { length: text.chars().count(), fingerprint: fingerprint(text), known_as, raw: Secret::new(text) }
}

/// Shapes of well-known opaque tokens, most specific first.
const KNOWN_OPAQUE: &[(&str, &str)] = &[
    ("github_pat_", "GitHub fine-grained personal access token"),
    ("ghp_", "GitHub personal access token"),
    ("gho_", "GitHub OAuth access token"),
    ("ghu_", "GitHub app user token"),
    ("ghs_", "GitHub app installation token"),
    ("ghr_", "GitHub refresh token"),
    ("glpat-", "GitLab personal access token"),
    ("xoxb-", "Slack bot token"),
    ("xoxp-", "Slack user token"),
    ("xoxa-", "Slack app token"),
    ("sk_live_", "Stripe live secret key"),
    ("sk_test_", "Stripe test secret key"),
    ("rk_live_", "Stripe live restricted key"),
    ("rk_test_", "Stripe test restricted key"),
    ("gp_live_", "Gatepass practice live key"),
    ("gp_test_", "Gatepass practice test key"),
    ("ya29.", "Google OAuth access token"),
    ("shpat_", "Shopify access token"),
    ("npm_", "npm access token"),
    ("v1.local.", "PASETO token (encrypted)"),
    ("v2.local.", "PASETO token (encrypted)"),
    ("v3.local.", "PASETO token (encrypted)"),
    ("v4.local.", "PASETO token (encrypted)"),
    ("v1.public.", "PASETO token"),
    ("v2.public.", "PASETO token"),
    ("v3.public.", "PASETO token"),
    ("v4.public.", "PASETO token"),
];

fn known_prefix(text: &str) -> Option<&'static str> {
    KNOWN_OPAQUE.iter().find(|(prefix, _)| text.starts_with(prefix)).map(|(_, name)| *name)
}

fn decode_part(text: &str, part: JwtPart) -> Result<Vec<u8>, TokenError> {
    // JWTs use unpadded base64url; tolerate stray padding, which some hand-made tokens carry, and
    // unused bits left set in the last character (as Go's, Node's and Python's decoders do): the
    // token still reads, and whether its signature holds is for the key to say.
    const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    let trimmed = text.trim_end_matches('=');
    LENIENT.decode(trimmed).map_err(|e| {
        let position = match e {
            base64::DecodeError::InvalidByte(at, _) | base64::DecodeError::InvalidLastSymbol(at, _) => Some(at),
            base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => None,
        };
        TokenError::BadBase64 { part, position }
    })
}

fn json_object(bytes: &[u8], part: JwtPart) -> Result<Map<String, Value>, TokenError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(TokenError::NotObject { part }),
        Err(e) => Err(TokenError::NotJson { part, detail: json_error_words(&e) }),
    }
}

/// `serde_json`'s message names the place, never the content; say it in fewer words.
pub(crate) fn json_error_words(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "it ends too early",
        serde_json::error::Category::Syntax => "a syntax error",
        serde_json::error::Category::Data | serde_json::error::Category::Io => "it cannot be read",
    };
    if e.line() > 0 { format!("{what} at line {}, column {}", e.line(), e.column()) } else { what.to_owned() }
}

fn read_jwt(text: &str, parts: &[&str]) -> Result<Jwt, TokenError> {
    let header_bytes = decode_part(parts[0], JwtPart::Header)?;
    let claims_bytes = decode_part(parts[1], JwtPart::Claims)?;
    let signature = decode_part(parts[2], JwtPart::Signature)?;
    let header = json_object(&header_bytes, JwtPart::Header)?;
    let claims = json_object(&claims_bytes, JwtPart::Claims)?;

    let mut warnings = Vec::new();
    let algorithm = header.get("alg").and_then(Value::as_str).map(str::to_owned);
    match algorithm.as_deref() {
        None => warnings.push(TokenWarning::NoAlgorithm),
        Some(alg) if alg.eq_ignore_ascii_case("none") => warnings.push(TokenWarning::Unsigned),
        Some(_) => {}
    }
    let expires_at = time_claim(&claims, "exp", &mut warnings);
    let not_before = time_claim(&claims, "nbf", &mut warnings);
    let issued_at = time_claim(&claims, "iat", &mut warnings);
    let (scopes, scope_claims) = read_scopes(&claims);

    Ok(Jwt {
        algorithm,
        key_id: header.get("kid").and_then(Value::as_str).map(str::to_owned),
        token_type: header.get("typ").and_then(Value::as_str).map(str::to_owned),
        issuer: claims.get("iss").and_then(text_value),
        subject: claims.get("sub").and_then(text_value),
        audience: claims.get("aud").map(text_list).unwrap_or_default(),
        expires_at,
        not_before,
        issued_at,
        scopes,
        scope_claims,
        signature_len: signature.len(),
        warnings,
        fingerprint: fingerprint(text),
        raw: Secret::new(text),
        header,
        claims,
    })
}

/// A string claim, or a number written where a string was expected (some issuers send numeric `sub`).
fn text_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A claim that may be one string or a list of strings (`aud`, `scp`, `roles`).
fn text_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(text_value).collect(),
        other => text_value(other).into_iter().collect(),
    }
}

fn read_scopes(claims: &Map<String, Value>) -> (Vec<String>, Vec<&'static str>) {
    let mut scopes: Vec<String> = Vec::new();
    let mut sources = Vec::new();
    for name in ["scope", "scp", "permissions", "roles"] {
        let Some(value) = claims.get(name) else { continue };
        let found: Vec<String> = match value {
            // `scope` is space-separated (RFC 8693 §4.2); some issuers do the same in `scp`.
            Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
            other => text_list(other),
        };
        if !found.is_empty() {
            sources.push(name);
        }
        for scope in found {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
    }
    (scopes, sources)
}

/// The earliest and latest instants `time` can hold (years -9999 and 9999), as Unix seconds.
const MIN_UNIX: i64 = -377_705_116_800;
const MAX_UNIX: i64 = 253_402_300_799;

/// Read a `NumericDate` claim: seconds since 1970, as a number or, leniently, as text.
fn time_claim(
    claims: &Map<String, Value>,
    name: &'static str,
    warnings: &mut Vec<TokenWarning>,
) -> Option<time::OffsetDateTime> {
    let value = claims.get(name)?;
    let seconds = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let parsed = s.trim().parse::<f64>().ok().filter(|f| f.is_finite());
            if parsed.is_some() {
                warnings.push(TokenWarning::TimeAsText { claim: name });
            } else {
                warnings.push(TokenWarning::UnreadableTime {
                    claim: name,
                    reason: "it is text that is not a number of seconds".to_owned(),
                });
                return None;
            }
            parsed
        }
        Value::Null => return None,
        _ => {
            warnings.push(TokenWarning::UnreadableTime {
                claim: name,
                reason: "it should be a number of seconds since 1970".to_owned(),
            });
            return None;
        }
    };
    let Some(seconds) = seconds.filter(|s| s.is_finite()) else {
        warnings.push(TokenWarning::UnreadableTime {
            claim: name,
            reason: "it is not a number Gatepass can use".to_owned(),
        });
        return None;
    };
    #[allow(clippy::cast_precision_loss, reason = "the bounds are far inside f64's exact integer range")]
    let in_range = (MIN_UNIX as f64..=MAX_UNIX as f64).contains(&seconds);
    if !in_range {
        // Milliseconds only when, read as such, the number is a date a token could carry
        // (2000 to 2200); anything else is just out of range.
        if (946_684_800.0..=7_258_118_400.0).contains(&(seconds / 1000.0)) {
            warnings.push(TokenWarning::TimeInMilliseconds { claim: name });
        } else {
            warnings.push(TokenWarning::UnreadableTime {
                claim: name,
                reason: "it is too far from today to be a real date".to_owned(),
            });
        }
        return None;
    }
    #[allow(clippy::cast_possible_truncation, reason = "range checked above; fractions of a second are dropped")]
    let whole = seconds.floor() as i64;
    time::OffsetDateTime::from_unix_timestamp(whole).ok()
}
