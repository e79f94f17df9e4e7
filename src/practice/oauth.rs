//! The practice API's OAuth 2 sign-in server: `POST /oauth/token` (client credentials,
//! RFC 6749 §4.4) and `POST /oauth/introspect` (RFC 7662), per environment.
//!
//! It answers the way real sign-in servers do, errors included (RFC 6749 §5.2: `invalid_client`,
//! `invalid_scope`, `unsupported_grant_type`, `invalid_request`), so a user sees each failure once
//! where nothing is at stake. Tokens are `EdDSA` JWTs signed with the key published at
//! `/oauth/jwks` (see `keys`), so anyone can check them. A client proves itself with its secret
//! (Basic header or form) or with a signed assertion (`private_key_jwt`).
//!
//! Client credentials issues no refresh token (RFC 6749 §4.4.3). The grants a person approves
//! (authorization code, device, and their refresh tokens) live in [`super::sign_in`]; this module
//! routes them and counts every token issued, by grant.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;

use super::PracticeEnv;
use super::auth::{ParsedAuthorization, error_response, json_response, parse_authorization};
use super::credentials::{
    AUDIENCE, OAUTH_TOKEN_LIFETIME_SECS, OAuthClient, TokenSpec, issuer, now_secs, oauth_clients, verify_signature,
};
use super::sign_in::{DEVICE_GRANT_TYPE, PracticeGrant, SignInState, SignInTimings, public_client_id};

/// How many access tokens each environment's sign-in server has issued, by grant (tests count
/// them to prove a cached token is reused, or that a refresh token was used).
#[derive(Debug, Default)]
pub(crate) struct Issued {
    counts: [[AtomicU64; 4]; 2],
}

impl Issued {
    fn slot(env: PracticeEnv) -> usize {
        match env {
            PracticeEnv::Sandbox => 0,
            PracticeEnv::Production => 1,
        }
    }

    fn grant_slot(grant: PracticeGrant) -> usize {
        match grant {
            PracticeGrant::ClientCredentials => 0,
            PracticeGrant::AuthorizationCode => 1,
            PracticeGrant::DeviceCode => 2,
            PracticeGrant::RefreshToken => 3,
        }
    }

    fn bump(&self, env: PracticeEnv, grant: PracticeGrant) {
        self.counts[Self::slot(env)][Self::grant_slot(grant)].fetch_add(1, Ordering::Relaxed);
    }

    /// Every access token issued in `env`, whatever the grant.
    pub(crate) fn get(&self, env: PracticeEnv) -> u64 {
        PracticeGrant::ALL.iter().map(|g| self.by_grant(env, *g)).sum()
    }

    pub(crate) fn by_grant(&self, env: PracticeEnv, grant: PracticeGrant) -> u64 {
        self.counts[Self::slot(env)][Self::grant_slot(grant)].load(Ordering::Relaxed)
    }
}

#[derive(Clone)]
struct OAuthState {
    env: PracticeEnv,
    issued: Arc<Issued>,
    sign_in: Arc<SignInState>,
}

/// The sign-in server's routes for one environment, merged into its router.
pub(crate) fn router(env: PracticeEnv, issued: Arc<Issued>, timings: SignInTimings) -> Router {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/oauth/introspect", post(introspect))
        .route("/oauth/authorize", get(authorize_page).post(authorize_decision))
        .route("/oauth/device_authorization", post(device_authorization))
        .route("/device", get(device_page).post(device_decision))
        .with_state(OAuthState { env, issued, sign_in: Arc::new(SignInState::new(timings)) })
}

async fn authorize_page(State(st): State<OAuthState>, RawQuery(query): RawQuery) -> Response {
    st.sign_in.authorize_page(st.env, query.as_deref())
}

async fn authorize_decision(State(st): State<OAuthState>, body: Bytes) -> Response {
    st.sign_in.authorize_decision(st.env, &body)
}

async fn device_authorization(State(st): State<OAuthState>, headers: HeaderMap, body: Bytes) -> Response {
    match read_form(&headers, &body) {
        Ok(_) => no_store(st.sign_in.device_authorization(st.env, &headers, &body)),
        Err(error) => error.into_response(st.env),
    }
}

async fn device_page(State(st): State<OAuthState>, RawQuery(query): RawQuery) -> Response {
    st.sign_in.device_page(st.env, query.as_deref())
}

async fn device_decision(State(st): State<OAuthState>, body: Bytes) -> Response {
    st.sign_in.device_decision(st.env, &body)
}

/// The grants a person approves: the client is a public one named by `client_id`, or a
/// confidential one that authenticates as for client credentials.
fn issue_for_person(
    st: &OAuthState,
    headers: &HeaderMap,
    fields: &[(String, String)],
    grant_type: &str,
) -> Result<Response, OAuthError> {
    let env = st.env;
    let authenticates =
        headers.contains_key(axum::http::header::AUTHORIZATION) || field(fields, "client_secret").is_some();
    let client_id = if authenticates {
        authenticate_client(env, headers, fields)?.client_id.to_owned()
    } else {
        let map = fields.iter().cloned().collect();
        match public_client_id(env, &map) {
            Some(id) => id,
            None => {
                return Err(OAuthError::invalid_client(
                    format!(
                        "There is no client '{}' in the {env} environment",
                        field(fields, "client_id").unwrap_or("(none sent)")
                    ),
                    false,
                ));
            }
        }
    };
    let map: std::collections::HashMap<String, String> = fields.iter().cloned().collect();
    let outcome = match grant_type {
        "authorization_code" => st.sign_in.exchange_code(&client_id, &map),
        "refresh_token" => st.sign_in.use_refresh_token(&client_id, &map),
        _ => st.sign_in.poll_device(&client_id, &map),
    };
    let (approval, grant) = outcome.map_err(|(code, description)| OAuthError::new(code, description))?;
    let body = st.sign_in.tokens_for(env, approval).map_err(|description| OAuthError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "server_error",
        description,
        basic_challenge: false,
    })?;
    st.issued.bump(env, grant);
    tracing::debug!(%env, ?grant, "practice token issued");
    Ok(no_store(json_response(StatusCode::OK, &body)))
}

/// An RFC 6749 §5.2 error, as JSON with `error` and `error_description`.
struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: String,
    /// Answer with `WWW-Authenticate: Basic` (the client tried Basic and failed).
    basic_challenge: bool,
}

impl OAuthError {
    fn new(code: &'static str, description: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, description: description.into(), basic_challenge: false }
    }

    fn invalid_client(description: impl Into<String>, used_basic: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_client",
            description: description.into(),
            basic_challenge: used_basic,
        }
    }

    fn into_response(self, env: PracticeEnv) -> Response {
        let mut response = error_response(env, self.status, self.code, &self.description);
        if self.basic_challenge
            && let Ok(value) = HeaderValue::from_str(&format!("Basic realm=\"{}\"", issuer(env)))
        {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        no_store(response)
    }
}

/// Token responses must not be cached (RFC 6749 §5.1).
pub(crate) fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The form fields of a token or introspection request; a repeated field is an error (§3.2).
fn read_form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(OAuthError::new(
            "invalid_request",
            "The token request must be a form: Content-Type application/x-www-form-urlencoded",
        ));
    }
    let fields: Vec<(String, String)> =
        url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    for (i, (name, _)) in fields.iter().enumerate() {
        if fields[..i].iter().any(|(n, _)| n == name) {
            return Err(OAuthError::new("invalid_request", format!("The field {name} is sent more than once")));
        }
    }
    Ok(fields)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// Which client is calling: HTTP Basic (`client_secret_basic`) or form fields
/// (`client_secret_post`), never both.
fn authenticate_client(
    env: PracticeEnv,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<&'static OAuthClient, OAuthError> {
    let basic = match headers.get(axum::http::header::AUTHORIZATION) {
        None => None,
        Some(value) => {
            let raw = value.to_str().map_err(|_| {
                OAuthError::invalid_client("The Authorization header has characters outside ASCII", true)
            })?;
            match parse_authorization(raw) {
                Ok(ParsedAuthorization::Basic { username, password }) => Some((username, password)),
                Ok(ParsedAuthorization::Bearer(_)) => {
                    return Err(OAuthError::invalid_client(
                        "The token endpoint takes the client ID and secret (Basic), not a bearer token",
                        true,
                    ));
                }
                Err(slip) => return Err(OAuthError::invalid_client(slip.description(), true)),
            }
        }
    };
    if let Some(kind) = field(fields, "client_assertion_type") {
        return authenticate_assertion(env, headers, fields, kind, basic.is_some());
    }
    let form_secret = field(fields, "client_secret");
    let (client_id, secret, used_basic) = match basic {
        Some(_) if form_secret.is_some() => {
            return Err(OAuthError::new(
                "invalid_request",
                "The client authenticated twice (Basic header and client_secret field); use one",
            ));
        }
        // RFC 6749 §2.3.1: the ID and secret are form-encoded before Basic encoding.
        Some((user, pass)) => (decode_basic_part(&user), decode_basic_part(&pass), true),
        None => match (field(fields, "client_id"), form_secret) {
            (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned(), false),
            (Some(_), None) => {
                return Err(OAuthError::invalid_client(
                    "No client secret was sent: add client_secret to the form, or use a Basic header",
                    false,
                ));
            }
            _ => {
                let mut error = OAuthError::invalid_client(
                    "No client authentication was sent: use a Basic header with the client ID and secret, or client_id and client_secret form fields",
                    false,
                );
                error.basic_challenge = true;
                return Err(error);
            }
        },
    };
    if let Some(client) = oauth_clients(env).iter().find(|c| c.client_id == client_id) {
        if client.client_secret == secret {
            return Ok(client);
        }
        return Err(OAuthError::invalid_client(
            format!("The client secret for client '{client_id}' is wrong"),
            used_basic,
        ));
    }
    if oauth_clients(env.other()).iter().any(|c| c.client_id == client_id) {
        return Err(OAuthError::invalid_client(
            format!(
                "The client '{client_id}' belongs to the {} environment, but this is the {env} sign-in server",
                env.other()
            ),
            used_basic,
        ));
    }
    Err(OAuthError::invalid_client(format!("There is no client '{client_id}' in the {env} environment"), used_basic))
}

/// `private_key_jwt` (RFC 7523 §2.2): the client proves itself with a JWT signed by its key.
fn authenticate_assertion(
    env: PracticeEnv,
    headers: &HeaderMap,
    fields: &[(String, String)],
    kind: &str,
    used_basic: bool,
) -> Result<&'static OAuthClient, OAuthError> {
    if used_basic || field(fields, "client_secret").is_some() {
        return Err(OAuthError::new(
            "invalid_request",
            "The client authenticated twice (a client assertion and a secret); use one",
        ));
    }
    if kind != crate::core::token::mint::ASSERTION_TYPE {
        return Err(OAuthError::invalid_client(
            format!(
                "The client_assertion_type '{kind}' is not one this server takes; use {}",
                crate::core::token::mint::ASSERTION_TYPE
            ),
            false,
        ));
    }
    let Some(assertion) = field(fields, "client_assertion") else {
        return Err(OAuthError::invalid_client("The client_assertion field is missing", false));
    };
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let token_url = format!("http://{host}/oauth/token");
    let client = super::keys::check_assertion(env, assertion, &token_url)
        .map_err(|why| OAuthError::invalid_client(why, false))?;
    if field(fields, "client_id").is_some_and(|id| id != client.client_id) {
        return Err(OAuthError::invalid_client("The client_id field does not match the client assertion", false));
    }
    Ok(client)
}

fn decode_basic_part(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

async fn token(State(st): State<OAuthState>, headers: HeaderMap, body: Bytes) -> Response {
    match issue(&st, &headers, &body) {
        Ok(response) => response,
        Err(error) => error.into_response(st.env),
    }
}

fn issue(st: &OAuthState, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let env = st.env;
    let fields = read_form(headers, body)?;
    let Some(grant_type) = field(&fields, "grant_type") else {
        return Err(OAuthError::new("invalid_request", "The grant_type field is missing"));
    };
    if matches!(grant_type, "authorization_code" | "refresh_token" | DEVICE_GRANT_TYPE) {
        return issue_for_person(st, headers, &fields, grant_type);
    }
    let client = authenticate_client(env, headers, &fields)?;
    if grant_type != "client_credentials" {
        return Err(OAuthError::new(
            "unsupported_grant_type",
            format!(
                "This sign-in server offers client_credentials, authorization_code, refresh_token and the device grant, not '{grant_type}'"
            ),
        ));
    }
    let requested: Vec<String> =
        field(&fields, "scope").map(|s| s.split_whitespace().map(str::to_owned).collect()).unwrap_or_default();
    let unknown: Vec<&str> =
        requested.iter().map(String::as_str).filter(|s| !client.scopes.contains(s)).collect::<Vec<_>>();
    if !unknown.is_empty() {
        return Err(OAuthError::new(
            "invalid_scope",
            format!(
                "The client '{}' may not ask for: {}. It may ask for: {}",
                client.client_id,
                unknown.join(" "),
                client.scopes.join(" ")
            ),
        ));
    }
    let scopes: Vec<String> =
        if requested.is_empty() { client.scopes.iter().map(|s| (*s).to_owned()).collect() } else { requested };
    let audience = match (field(&fields, "audience"), field(&fields, "resource")) {
        (Some(a), Some(r)) if a != r => {
            return Err(OAuthError::new(
                "invalid_request",
                "The audience and resource fields name different APIs; send one of them",
            ));
        }
        (Some(a), _) | (None, Some(a)) => Some(a.to_owned()),
        (None, None) => None,
    };
    let spec = TokenSpec {
        subject: client.client_id.to_owned(),
        scopes,
        expires_in_secs: OAUTH_TOKEN_LIFETIME_SECS,
        not_before_in_secs: 0,
        audience,
    };
    let token = super::keys::mint_server_token(env, &spec).map_err(|e| OAuthError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "server_error",
        description: e.to_string(),
        basic_challenge: false,
    })?;
    st.issued.bump(env, PracticeGrant::ClientCredentials);
    tracing::debug!(%env, client = client.client_id, "practice token issued");
    Ok(no_store(json_response(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": OAUTH_TOKEN_LIFETIME_SECS,
            "scope": spec.scopes.join(" "),
        }),
    )))
}

async fn introspect(State(st): State<OAuthState>, headers: HeaderMap, body: Bytes) -> Response {
    let env = st.env;
    let fields = match read_form(&headers, &body) {
        Ok(fields) => fields,
        Err(error) => return error.into_response(env),
    };
    if let Err(error) = authenticate_client(env, &headers, &fields) {
        return error.into_response(env);
    }
    let Some(token) = field(&fields, "token") else {
        return OAuthError::new("invalid_request", "The token field is missing").into_response(env);
    };
    // RFC 7662 §2.2: anything not a live token of ours is just "not active".
    let inactive = || no_store(json_response(StatusCode::OK, &json!({"active": false})));
    let Ok(claims) = verify_signature(env, token) else { return inactive() };
    let now = now_secs();
    let live = claims.exp.is_some_and(|exp| exp > now)
        && claims.nbf.is_none_or(|nbf| nbf <= now)
        && claims.iss.as_deref() == Some(issuer(env).as_str());
    if !live {
        return inactive();
    }
    no_store(json_response(
        StatusCode::OK,
        &json!({
            "active": true,
            "scope": claims.scope.unwrap_or_default(),
            "client_id": claims.sub,
            "sub": claims.sub,
            "exp": claims.exp,
            "aud": claims.aud.unwrap_or_else(|| AUDIENCE.into()),
            "iss": claims.iss,
            "token_type": "Bearer",
        }),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn basic_parts_are_form_decoded() {
        assert_eq!(decode_basic_part("a%3Ab+c"), "a:b c");
        assert_eq!(decode_basic_part("plain"), "plain");
    }

    #[test]
    fn repeated_fields_are_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        let error = read_form(&headers, b"grant_type=a&grant_type=b").err().unwrap();
        assert_eq!(error.code, "invalid_request");
        assert!(read_form(&HeaderMap::new(), b"grant_type=a").is_err());
    }
}
