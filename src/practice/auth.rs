//! The practice API's auth layer: reading the credential from a request, naming every slip in
//! it, checking it against the environment, and turning each failure into the response a real
//! API would send (status, `WWW-Authenticate` challenges, JSON error body).

use std::fmt::Write as _;

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Serialize;

use super::PracticeEnv;
use super::credentials::{AUDIENCE, FULL_SCOPES, SignatureProblem, issuer, now_secs, secrets, verify_signature};

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AuthMethod {
    ApiKey,
    Basic,
    Bearer,
}

/// Who a request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    pub name: String,
    pub method: AuthMethod,
    pub scopes: Vec<String>,
}

/// A well-formed `Authorization` header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParsedAuthorization {
    Bearer(String),
    Basic { username: String, password: String },
}

/// A slip in how a credential was written, each named in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slip {
    Empty,
    MultipleHeaders,
    NonAscii,
    ControlCharacter,
    NoScheme,
    SchemeOnly(String),
    DoubledScheme(String),
    Quoted,
    EscapedLineBreak(&'static str),
    EncodedLineBreak(&'static str),
    Whitespace,
    UnknownScheme(String),
    SchemeInKey(String),
    BadBase64,
    NoColon,
}

impl Slip {
    pub(crate) fn description(&self) -> String {
        match self {
            Slip::Empty => "The credential is empty".to_owned(),
            Slip::MultipleHeaders => "More than one Authorization header was sent; send exactly one".to_owned(),
            Slip::NonAscii => "The credential contains characters outside ASCII (often a smart \
                               quote or an invisible space pasted from a document)"
                .to_owned(),
            Slip::ControlCharacter => "The credential contains a line break or another control \
                                       character; remove it"
                .to_owned(),
            Slip::NoScheme => "The Authorization header has no scheme word: it starts with the \
                               credential itself. Put 'Bearer ' (for a token) or 'Basic ' (for \
                               user:password in base64) in front of it"
                .to_owned(),
            Slip::SchemeOnly(scheme) => {
                format!("The Authorization header says '{scheme}' but has no credential after it")
            }
            Slip::DoubledScheme(scheme) => {
                format!("The scheme word '{scheme}' appears twice ('{scheme} {scheme} ...'); send it once")
            }
            Slip::Quoted => "The credential is wrapped in quote marks; send it without them".to_owned(),
            Slip::EscapedLineBreak(seq) => format!(
                "The credential contains a literal {seq} (an escaped line break copied from JSON \
                 or a shell); remove it"
            ),
            Slip::EncodedLineBreak(seq) => {
                format!("The credential contains {seq} (a URL-encoded line break); remove it")
            }
            Slip::Whitespace => "The credential contains a space after the token; everything \
                                 after the scheme word must be one unbroken value"
                .to_owned(),
            Slip::UnknownScheme(scheme) => format!(
                "The Authorization scheme '{scheme}' is not supported here; use Bearer or Basic, \
                 or send an API key in the X-Api-Key header"
            ),
            Slip::SchemeInKey(scheme) => {
                format!("The API key is preceded by the scheme word '{scheme}'; an API key is sent alone")
            }
            Slip::BadBase64 => "The Basic credential is not valid base64".to_owned(),
            Slip::NoColon => "The Basic credential decodes to text without a colon; it must be \
                              base64 of username:password"
                .to_owned(),
        }
    }
}

const SCHEMES: [&str; 2] = ["Bearer", "Basic"];

fn known_scheme(word: &str) -> Option<&'static str> {
    SCHEMES.iter().find(|s| s.eq_ignore_ascii_case(word)).copied()
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '\u{201c}' | '\u{201d}' | '\u{2018}' | '\u{2019}')
}

/// Slips that can hide anywhere in a credential, whatever carries it.
fn common_slips(raw: &str) -> Result<(), Slip> {
    if raw.trim().is_empty() {
        return Err(Slip::Empty);
    }
    if raw.starts_with(is_quote) {
        return Err(Slip::Quoted);
    }
    if raw.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Slip::ControlCharacter);
    }
    if !raw.is_ascii() {
        return Err(Slip::NonAscii);
    }
    for seq in ["\\n", "\\r"] {
        if raw.contains(seq) {
            return Err(Slip::EscapedLineBreak(seq));
        }
    }
    let upper = raw.to_ascii_uppercase();
    for seq in ["%0A", "%0D"] {
        if upper.contains(seq) {
            return Err(Slip::EncodedLineBreak(seq));
        }
    }
    Ok(())
}

/// Whether a first word could be a scheme name rather than a credential pasted on its own.
fn looks_like_scheme(word: &str) -> bool {
    word.len() <= 20 && !word.starts_with("eyJ") && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Parses an `Authorization` header value, naming the first slip found.
pub(crate) fn parse_authorization(raw: &str) -> Result<ParsedAuthorization, Slip> {
    common_slips(raw)?;
    let raw = raw.trim();
    let Some((first, rest)) = raw.split_once([' ', '\t']) else {
        return Err(match known_scheme(raw) {
            Some(scheme) => Slip::SchemeOnly(scheme.to_owned()),
            None => Slip::NoScheme,
        });
    };
    let rest = rest.trim_start();
    let Some(scheme) = known_scheme(first) else {
        return Err(if looks_like_scheme(first) { Slip::UnknownScheme(first.to_owned()) } else { Slip::NoScheme });
    };
    let second = rest.split([' ', '\t']).next().unwrap_or("");
    if known_scheme(second).is_some() {
        return Err(Slip::DoubledScheme(first.to_owned()));
    }
    if rest.starts_with(is_quote) {
        return Err(Slip::Quoted);
    }
    if rest.contains([' ', '\t']) {
        return Err(Slip::Whitespace);
    }
    if scheme == "Bearer" {
        return Ok(ParsedAuthorization::Bearer(rest.to_owned()));
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(rest).map_err(|_| Slip::BadBase64)?;
    let text = String::from_utf8(decoded).map_err(|_| Slip::BadBase64)?;
    let (username, password) = text.split_once(':').ok_or(Slip::NoColon)?;
    Ok(ParsedAuthorization::Basic { username: username.to_owned(), password: password.to_owned() })
}

/// Checks an API key sent in `X-Api-Key` or `?api_key=`, naming the first slip found.
pub(crate) fn parse_api_key(raw: &str) -> Result<&str, Slip> {
    common_slips(raw)?;
    let raw = raw.trim();
    if let Some((first, _)) = raw.split_once([' ', '\t']) {
        return Err(match known_scheme(first) {
            Some(scheme) => Slip::SchemeInKey(scheme.to_owned()),
            None => Slip::Whitespace,
        });
    }
    Ok(raw)
}

/// Which challenges a failure carries.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Challenge {
    /// No credential at all: offer both schemes.
    Offer,
    /// A Bearer challenge with an RFC 6750 error, plus a Basic offer when the scheme is unknown.
    Bearer { error: &'static str, scope: Option<String>, with_basic: bool },
    /// A Basic challenge.
    Basic,
    /// No challenge (a resource permission, not an authentication problem).
    None,
}

/// A refused request, rendered as a real API would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    env: PracticeEnv,
    status: StatusCode,
    code: &'static str,
    description: String,
    challenge: Challenge,
    credential_env: Option<PracticeEnv>,
}

impl Failure {
    fn new(
        env: PracticeEnv,
        status: StatusCode,
        code: &'static str,
        description: impl Into<String>,
        challenge: Challenge,
    ) -> Self {
        Self { env, status, code, description: description.into(), challenge, credential_env: None }
    }

    fn token(env: PracticeEnv, code: &'static str, description: impl Into<String>) -> Self {
        Self::new(
            env,
            StatusCode::UNAUTHORIZED,
            code,
            description,
            Challenge::Bearer { error: "invalid_token", scope: None, with_basic: false },
        )
    }

    fn malformed(env: PracticeEnv, slip: &Slip) -> Self {
        Self::new(
            env,
            StatusCode::UNAUTHORIZED,
            "malformed_credential",
            slip.description(),
            Challenge::Bearer { error: "invalid_request", scope: None, with_basic: true },
        )
    }

    fn wrong_env(mut self, credential_env: PracticeEnv) -> Self {
        self.credential_env = Some(credential_env);
        self
    }

    /// Authenticated, but this resource is not for this principal.
    pub(crate) fn forbidden(env: PracticeEnv, description: impl Into<String>) -> Self {
        Self::new(env, StatusCode::FORBIDDEN, "forbidden", description, Challenge::None)
    }

    fn challenges(&self) -> Vec<String> {
        let realm = issuer(self.env);
        match &self.challenge {
            Challenge::Offer => vec![format!("Bearer realm=\"{realm}\""), format!("Basic realm=\"{realm}\"")],
            Challenge::Bearer { error, scope, with_basic } => {
                let mut bearer = format!(
                    "Bearer realm=\"{realm}\", error=\"{error}\", error_description=\"{}\"",
                    header_safe(&self.description)
                );
                if let Some(scope) = scope {
                    let _ = write!(bearer, ", scope=\"{}\"", header_safe(scope));
                }
                let mut out = vec![bearer];
                if *with_basic {
                    out.push(format!("Basic realm=\"{realm}\""));
                }
                out
            }
            Challenge::Basic => vec![format!("Basic realm=\"{realm}\"")],
            Challenge::None => Vec::new(),
        }
    }
}

/// Makes text safe inside a quoted `WWW-Authenticate` parameter (RFC 6750 allows printable
/// ASCII except `"` and `\`).
pub(crate) fn header_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push('\''),
            '\\' => out.push_str("backslash-"),
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
    environment: PracticeEnv,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential_environment: Option<PracticeEnv>,
}

/// The JSON error body every error carries, as a response with `status`.
pub(crate) fn error_response(env: PracticeEnv, status: StatusCode, code: &str, description: &str) -> Response {
    let body =
        ErrorBody { error: code, error_description: description, environment: env, credential_environment: None };
    json_response(status, &body)
}

pub(crate) fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    (status, [(CONTENT_TYPE, HeaderValue::from_static("application/json"))], text).into_response()
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            error_description: &self.description,
            environment: self.env,
            credential_environment: self.credential_env,
        };
        let mut response = json_response(self.status, &body);
        for challenge in self.challenges() {
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.headers_mut().append(WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// Finds the request's credential and checks it against `env`.
pub(crate) fn authenticate(env: PracticeEnv, headers: &HeaderMap, query: Option<&str>) -> Result<Principal, Failure> {
    let mut authorization = headers.get_all(AUTHORIZATION).iter();
    if let Some(value) = authorization.next() {
        if authorization.next().is_some() {
            return Err(Failure::malformed(env, &Slip::MultipleHeaders));
        }
        let raw = value.to_str().map_err(|_| Failure::malformed(env, &Slip::NonAscii))?;
        return match parse_authorization(raw) {
            Err(slip) => Err(Failure::malformed(env, &slip)),
            Ok(ParsedAuthorization::Bearer(token)) => {
                if PracticeEnv::ALL.iter().any(|e| token.starts_with(secrets(*e).key_prefix)) {
                    check_key(env, &token)
                } else {
                    check_token(env, &token)
                }
            }
            Ok(ParsedAuthorization::Basic { username, password }) => check_basic(env, &username, &password),
        };
    }
    if let Some(value) = headers.get("x-api-key") {
        let raw = value.to_str().map_err(|_| Failure::malformed(env, &Slip::NonAscii))?;
        let key = parse_api_key(raw).map_err(|slip| Failure::malformed(env, &slip))?;
        return check_key(env, key);
    }
    if let Some(query) = query {
        let key = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "api_key")
            .map(|(_, value)| value.into_owned());
        if let Some(key) = key {
            let key = parse_api_key(&key).map_err(|slip| Failure::malformed(env, &slip))?;
            return check_key(env, key);
        }
    }
    Err(Failure::new(
        env,
        StatusCode::UNAUTHORIZED,
        "missing_credential",
        "No credential was sent: add an Authorization header (Bearer or Basic), an X-Api-Key \
         header, or an api_key query parameter",
        Challenge::Offer,
    ))
}

fn full_scopes() -> Vec<String> {
    FULL_SCOPES.iter().map(|s| (*s).to_owned()).collect()
}

fn check_key(env: PracticeEnv, key: &str) -> Result<Principal, Failure> {
    let own = secrets(env);
    let other_env = env.other();
    let other = secrets(other_env);
    if key.starts_with(other.key_prefix) {
        return Err(Failure::token(
            env,
            "wrong_environment",
            format!(
                "This API key belongs to the {other_env} environment (it starts with {}), but \
                 this is the {env} API; use a {env} key (they start with {})",
                other.key_prefix, own.key_prefix
            ),
        )
        .wrong_env(other_env));
    }
    if key == own.good_key {
        return Ok(Principal { name: format!("{env}-api-key"), method: AuthMethod::ApiKey, scopes: full_scopes() });
    }
    if key == own.revoked_key {
        return Err(Failure::token(
            env,
            "key_revoked",
            format!("This API key was revoked; use an active {env} key instead"),
        ));
    }
    let description = if key.starts_with(own.key_prefix) {
        format!(
            "No {env} API key matches this value: it has the right {} prefix but was not issued \
             by this API (check for a missing or extra character)",
            own.key_prefix
        )
    } else {
        format!("This is not an API key this API issued: {env} keys start with {}", own.key_prefix)
    };
    Err(Failure::token(env, "invalid_key", description))
}

fn check_basic(env: PracticeEnv, username: &str, password: &str) -> Result<Principal, Failure> {
    let own = secrets(env);
    let other_env = env.other();
    if username == own.basic_user {
        if password == own.basic_password {
            return Ok(Principal { name: username.to_owned(), method: AuthMethod::Basic, scopes: full_scopes() });
        }
        return Err(basic_failure(env, "invalid_password", format!("The password for user '{username}' is wrong")));
    }
    if username == secrets(other_env).basic_user {
        return Err(basic_failure(
            env,
            "wrong_environment",
            format!(
                "The user '{username}' belongs to the {other_env} environment, but this is the \
                 {env} API"
            ),
        )
        .wrong_env(other_env));
    }
    Err(basic_failure(env, "invalid_password", format!("There is no user '{username}' in the {env} environment")))
}

fn basic_failure(env: PracticeEnv, code: &'static str, description: String) -> Failure {
    Failure::new(env, StatusCode::UNAUTHORIZED, code, description, Challenge::Basic)
}

fn check_token(env: PracticeEnv, token: &str) -> Result<Principal, Failure> {
    let claims = verify_signature(env, token).map_err(|problem| match problem {
        SignatureProblem::NotAJwt => Failure::token(
            env,
            "invalid_token",
            "The access token is not a JWT (expected three base64url parts separated by dots)",
        ),
        SignatureProblem::WrongAlgorithm(alg) => Failure::token(
            env,
            "invalid_token",
            format!("The access token is signed with {alg}; this API accepts HS256 and EdDSA only"),
        ),
        SignatureProblem::OtherEnvironment => Failure::token(
            env,
            "wrong_environment",
            format!("The access token was signed by the {} environment, but this is the {env} API", env.other()),
        )
        .wrong_env(env.other()),
        SignatureProblem::BadSignature => Failure::token(
            env,
            "invalid_token",
            "The access token signature is invalid (signed with an unknown key, or altered)",
        ),
        SignatureProblem::BadClaims(why) => {
            Failure::token(env, "invalid_token", format!("The access token claims could not be read: {why}"))
        }
    })?;
    let now = now_secs();
    let invalid = |description: String| Failure::token(env, "invalid_token", description);
    match claims.exp {
        None => return Err(invalid("The access token has no exp claim".to_owned())),
        Some(exp) if exp <= now => return Err(invalid("The access token expired".to_owned())),
        Some(_) => {}
    }
    if claims.nbf.is_some_and(|nbf| nbf > now) {
        return Err(invalid("The access token is not valid yet (its nbf time is in the future)".to_owned()));
    }
    let expected_iss = issuer(env);
    match claims.iss.as_deref() {
        // The sign-in server's tokens, or a token the service account signed itself.
        Some(iss) if iss == expected_iss || iss == super::keys::service_client_id(env) => {}
        Some(iss) => {
            return Err(invalid(format!("The access token issuer is '{iss}'; this API expects '{expected_iss}'")));
        }
        None => return Err(invalid("The access token has no iss claim".to_owned())),
    }
    let aud_ok = match &claims.aud {
        Some(serde_json::Value::String(aud)) => aud == AUDIENCE,
        Some(serde_json::Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(AUDIENCE)),
        _ => false,
    };
    if !aud_ok {
        let got = claims.aud.as_ref().map_or_else(|| "missing".to_owned(), ToString::to_string);
        return Err(invalid(format!("The access token audience is {got}; this API expects '{AUDIENCE}'")));
    }
    Ok(Principal {
        name: claims.sub.unwrap_or_else(|| "(no subject)".to_owned()),
        method: AuthMethod::Bearer,
        scopes: claims.scope.unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
    })
}

/// Refuses with 403 `insufficient_scope` unless the principal holds `scope`.
pub(crate) fn require_scope(env: PracticeEnv, principal: &Principal, scope: &str) -> Result<(), Failure> {
    if principal.scopes.iter().any(|s| s == scope) {
        return Ok(());
    }
    let held = if principal.scopes.is_empty() { "none".to_owned() } else { principal.scopes.join(" ") };
    Err(Failure::new(
        env,
        StatusCode::FORBIDDEN,
        "insufficient_scope",
        format!("This request needs the scope {scope}; the credential has: {held}"),
        Challenge::Bearer { error: "insufficient_scope", scope: Some(scope.to_owned()), with_basic: false },
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn bearer_and_basic_parse() {
        assert_eq!(parse_authorization("Bearer abc.def.ghi"), Ok(ParsedAuthorization::Bearer("abc.def.ghi".into())));
        assert_eq!(parse_authorization("bearer abc"), Ok(ParsedAuthorization::Bearer("abc".into())));
        assert_eq!(
            parse_authorization("Basic dXNlcjpwYTpzcw=="),
            Ok(ParsedAuthorization::Basic { username: "user".into(), password: "pa:ss".into() })
        );
    }

    #[test]
    fn each_slip_is_named() {
        let cases: &[(&str, Slip)] = &[
            ("", Slip::Empty),
            ("eyJhbGciOiJIUzI1NiJ9.e30.sig", Slip::NoScheme),
            ("gp_test_sbx_7Qm2Kx9Lb4Tz8Rw1Nc6Vh3Jd", Slip::NoScheme),
            ("Bearer", Slip::SchemeOnly("Bearer".into())),
            ("Bearer Bearer abc", Slip::DoubledScheme("Bearer".into())),
            ("Basic basic abc", Slip::DoubledScheme("Basic".into())),
            ("\"Bearer abc\"", Slip::Quoted),
            ("Bearer \"abc\"", Slip::Quoted),
            ("Bearer abc\\n", Slip::EscapedLineBreak("\\n")),
            ("Bearer abc%0a", Slip::EncodedLineBreak("%0A")),
            ("Bearer abc def", Slip::Whitespace),
            ("Token abc", Slip::UnknownScheme("Token".into())),
            ("eyJabc.def.ghi trailing", Slip::NoScheme),
            ("Basic !!!", Slip::BadBase64),
            ("Basic dXNlcg==", Slip::NoColon),
            ("Bearer abc\u{7}", Slip::ControlCharacter),
        ];
        for (raw, slip) in cases {
            assert_eq!(parse_authorization(raw), Err(slip.clone()), "for {raw:?}");
        }
    }

    #[test]
    fn api_key_slips() {
        assert_eq!(parse_api_key(" gp_test_x "), Ok("gp_test_x"));
        assert_eq!(parse_api_key("Bearer gp_test_x"), Err(Slip::SchemeInKey("Bearer".into())));
        assert_eq!(parse_api_key("gp_test_x y"), Err(Slip::Whitespace));
        assert_eq!(parse_api_key("'gp_test_x'"), Err(Slip::Quoted));
        assert_eq!(parse_api_key("gp_test_x\n"), Err(Slip::ControlCharacter));
    }

    #[test]
    fn header_safe_strips_quotes_and_backslashes() {
        assert_eq!(header_safe("a \"b\" \\n é"), "a 'b' backslash-n ?");
    }

    #[test]
    fn missing_credential_offers_both_schemes() {
        let failure = authenticate(PracticeEnv::Sandbox, &HeaderMap::new(), None).unwrap_err();
        assert_eq!(
            failure.challenges(),
            vec![
                "Bearer realm=\"gatepass-practice-sandbox\"".to_owned(),
                "Basic realm=\"gatepass-practice-sandbox\"".to_owned()
            ]
        );
    }
}
