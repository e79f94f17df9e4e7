//! The practice API's public-key side: its sign-in server signs access tokens with an Ed25519 key
//! and publishes the public half as a key set (JWKS, RFC 7517) with server metadata (RFC 8414);
//! and each environment has a *service account* whose private key a client holds, to sign its own
//! tokens (a signed JWT sent as the bearer token) or to prove itself to the sign-in server
//! (`private_key_jwt`, RFC 7523).
//!
//! The keys are fixed practice values, derived from public seeds at run time: nothing here is a
//! secret, and nothing is stored.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::json;

use super::PracticeEnv;
use super::auth::json_response;
use super::credentials::{FULL_SCOPES, OAuthClient, TokenSpec, issuer, now_secs};
use crate::core::secret::Secret;

/// A practice key pair: which key it is and the seed it is derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyRole {
    /// The sign-in server's token-signing key (published in the JWKS).
    Server,
    /// The service account's key (the client holds the private half).
    Service,
}

fn seed(env: PracticeEnv, role: KeyRole) -> [u8; 32] {
    let role = match role {
        KeyRole::Server => "server",
        KeyRole::Service => "service",
    };
    let text = format!("gatepass-practice-{env}-{role}-ed25519-public-demo-value");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// The `kid` of a practice key.
fn key_id(env: PracticeEnv, role: KeyRole) -> &'static str {
    match (env, role) {
        (PracticeEnv::Sandbox, KeyRole::Server) => "gp-sandbox-server-1",
        (PracticeEnv::Sandbox, KeyRole::Service) => "gp-sandbox-service-1",
        (PracticeEnv::Production, KeyRole::Server) => "gp-production-server-1",
        (PracticeEnv::Production, KeyRole::Service) => "gp-production-service-1",
    }
}

/// The public key, base64url (the JWK `x` of an OKP key).
fn public_x(env: PracticeEnv, role: KeyRole) -> Option<String> {
    use aws_lc_rs::signature::KeyPair as _;
    let pair = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&seed(env, role)).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()))
}

fn private_pem(env: PracticeEnv, role: KeyRole) -> Secret {
    crate::core::token::mint::ed25519_pem_from_seed(&seed(env, role))
}

/// The service account of one environment: its client ID (also the `iss` of the tokens it signs).
pub fn service_client_id(env: PracticeEnv) -> &'static str {
    match env {
        PracticeEnv::Sandbox => "gp-sandbox-service",
        PracticeEnv::Production => "gp-production-service",
    }
}

/// The service account's `kid`.
pub fn service_key_id(env: PracticeEnv) -> &'static str {
    key_id(env, KeyRole::Service)
}

/// The service account's private key (PEM), a public practice value.
pub fn service_private_key(env: PracticeEnv) -> Secret {
    private_pem(env, KeyRole::Service)
}

/// The service account as a client of the sign-in server: it proves itself with a signed
/// assertion, never a secret.
pub(crate) fn service_client(env: PracticeEnv) -> &'static OAuthClient {
    static SANDBOX: OAuthClient = OAuthClient {
        id: "sandbox-service",
        label: "Sandbox service account (signs with its private key)",
        client_id: "gp-sandbox-service",
        client_secret: "",
        scopes: FULL_SCOPES,
    };
    static PRODUCTION: OAuthClient = OAuthClient {
        id: "production-service",
        label: "Production service account (signs with its private key)",
        client_id: "gp-production-service",
        client_secret: "",
        scopes: super::credentials::READ_SCOPES,
    };
    match env {
        PracticeEnv::Sandbox => &SANDBOX,
        PracticeEnv::Production => &PRODUCTION,
    }
}

/// Who signed a token checked here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signer {
    /// This environment's sign-in server.
    Server,
    /// This environment's service account.
    Service,
}

/// Why an `EdDSA` token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyProblem {
    /// Its `kid` names a key of the other environment.
    OtherEnvironment,
    /// No `kid`, or one this environment does not know.
    UnknownKey(Option<String>),
    /// The signature does not hold.
    BadSignature,
    /// The claims are not readable JSON.
    BadClaims(String),
}

/// Check an `EdDSA` token's signature against the key its `kid` names; claims unchecked.
pub(crate) fn verify_ed25519<T: serde::de::DeserializeOwned>(
    env: PracticeEnv,
    token: &str,
    kid: Option<&str>,
) -> Result<(T, Signer), KeyProblem> {
    let role = match kid {
        Some(k) if k == key_id(env, KeyRole::Server) => KeyRole::Server,
        Some(k) if k == key_id(env, KeyRole::Service) => KeyRole::Service,
        Some(k) if k == key_id(env.other(), KeyRole::Server) || k == key_id(env.other(), KeyRole::Service) => {
            return Err(KeyProblem::OtherEnvironment);
        }
        other => return Err(KeyProblem::UnknownKey(other.map(str::to_owned))),
    };
    let x = public_x(env, role).ok_or(KeyProblem::BadSignature)?;
    let key = DecodingKey::from_ed_components(&x).map_err(|_| KeyProblem::BadSignature)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    match jsonwebtoken::decode::<T>(token, &key, &validation) {
        Ok(data) => Ok((data.claims, if role == KeyRole::Server { Signer::Server } else { Signer::Service })),
        Err(e) => match e.kind() {
            jsonwebtoken::errors::ErrorKind::Json(why) => Err(KeyProblem::BadClaims(why.to_string())),
            _ => Err(KeyProblem::BadSignature),
        },
    }
}

/// An access token from the sign-in server, signed with its published key.
pub(crate) fn mint_server_token(env: PracticeEnv, spec: &TokenSpec) -> Result<String, super::PracticeError> {
    let now = now_secs();
    let claims = json!({
        "iss": issuer(env),
        "sub": spec.subject,
        "aud": spec.audience.as_deref().unwrap_or(super::AUDIENCE),
        "exp": now.saturating_add(spec.expires_in_secs),
        "nbf": now.saturating_add(spec.not_before_in_secs),
        "iat": now,
        "scope": spec.scopes.join(" "),
        "jti": uuid::Uuid::new_v4().simple().to_string(),
    });
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key_id(env, KeyRole::Server).to_owned());
    let pem = private_pem(env, KeyRole::Server);
    let key =
        EncodingKey::from_ed_pem(pem.expose().as_bytes()).map_err(|e| super::PracticeError::Token(e.to_string()))?;
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| super::PracticeError::Token(e.to_string()))
}

/// Check a `private_key_jwt` client assertion (RFC 7523 §3): signed by the service account's key,
/// issued by and about the client, for this token endpoint, not expired, not reused too long.
pub(crate) fn check_assertion(
    env: PracticeEnv,
    assertion: &str,
    token_url: &str,
) -> Result<&'static OAuthClient, String> {
    #[derive(serde::Deserialize)]
    struct Claims {
        iss: Option<String>,
        sub: Option<String>,
        aud: Option<serde_json::Value>,
        exp: Option<i64>,
    }
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| "The client assertion is not a JWT (three base64url parts separated by dots)".to_owned())?;
    if header.alg != Algorithm::EdDSA {
        return Err(format!(
            "The client assertion is signed with {:?}; the service account's key is an Ed25519 key (EdDSA)",
            header.alg
        ));
    }
    let (claims, signer) = verify_ed25519::<Claims>(env, assertion, header.kid.as_deref()).map_err(|p| match p {
        KeyProblem::OtherEnvironment => format!(
            "The client assertion is signed with the {} environment's key, but this is the {env} sign-in server",
            env.other()
        ),
        KeyProblem::UnknownKey(Some(kid)) => {
            format!("The client assertion names a key this server does not know: kid '{kid}'")
        }
        KeyProblem::UnknownKey(None) => "The client assertion has no kid header naming its key".to_owned(),
        KeyProblem::BadSignature => {
            "The client assertion's signature does not match the service account's key".to_owned()
        }
        KeyProblem::BadClaims(why) => format!("The client assertion's claims could not be read: {why}"),
    })?;
    if signer != Signer::Service {
        return Err("The client assertion must be signed with the service account's key".to_owned());
    }
    let client = service_client(env);
    if claims.iss.as_deref() != Some(client.client_id) || claims.sub.as_deref() != Some(client.client_id) {
        return Err(format!("The client assertion's iss and sub must both be the client ID '{}'", client.client_id));
    }
    // RFC 7523 §3: the token endpoint's URL, or the server's issuer identifier.
    let server = issuer(env);
    let accepted = |aud: &str| aud == token_url || aud == server;
    let aud_ok = match &claims.aud {
        Some(serde_json::Value::String(aud)) => accepted(aud),
        Some(serde_json::Value::Array(auds)) => auds.iter().any(|a| a.as_str().is_some_and(accepted)),
        _ => false,
    };
    if !aud_ok {
        return Err(format!("The client assertion's aud must be this token endpoint, {token_url}"));
    }
    match claims.exp {
        None => Err("The client assertion has no exp claim".to_owned()),
        Some(exp) if exp <= now_secs() => {
            Err("The client assertion expired; make a new one for each request".to_owned())
        }
        Some(_) => Ok(client),
    }
}

#[derive(Clone)]
struct KeysState {
    env: PracticeEnv,
    port: u16,
}

/// `GET /oauth/jwks` and `GET /.well-known/oauth-authorization-server` for one environment.
pub(crate) fn router(env: PracticeEnv, port: u16) -> Router {
    Router::new()
        .route("/oauth/jwks", get(jwks))
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/practice/service-key.pem", get(service_key))
        .with_state(KeysState { env, port })
}

async fn jwks(State(st): State<KeysState>) -> Response {
    let Some(x) = public_x(st.env, KeyRole::Server) else {
        return json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({"error": "server_error"}));
    };
    json_response(
        StatusCode::OK,
        &json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": key_id(st.env, KeyRole::Server), "x": x}]}),
    )
}

/// The service account's private key, for trying signed JWTs with other tools: a public
/// practice value, never a pattern for real keys.
async fn service_key(State(st): State<KeysState>) -> Response {
    let mut response = axum::response::IntoResponse::into_response(service_private_key(st.env).expose().to_owned());
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/x-pem-file"));
    response
}

async fn metadata(State(st): State<KeysState>) -> Response {
    let base = format!("http://127.0.0.1:{}", st.port);
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": issuer(st.env),
            "token_endpoint": format!("{base}/oauth/token"),
            "introspection_endpoint": format!("{base}/oauth/introspect"),
            "jwks_uri": format!("{base}/oauth/jwks"),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["EdDSA"],
        }),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn server_tokens_verify_with_their_own_environment_only() {
        let spec = TokenSpec {
            subject: "app".into(),
            scopes: vec!["orders:read".into()],
            expires_in_secs: 60,
            not_before_in_secs: 0,
            audience: None,
        };
        let token = mint_server_token(PracticeEnv::Sandbox, &spec).unwrap();
        let kid = jsonwebtoken::decode_header(&token).unwrap().kid;
        let (claims, signer) =
            verify_ed25519::<serde_json::Value>(PracticeEnv::Sandbox, &token, kid.as_deref()).unwrap();
        assert_eq!(signer, Signer::Server);
        assert_eq!(claims["scope"], "orders:read");
        assert_eq!(
            verify_ed25519::<serde_json::Value>(PracticeEnv::Production, &token, kid.as_deref()).unwrap_err(),
            KeyProblem::OtherEnvironment
        );
    }

    #[test]
    fn assertions_are_checked_claim_by_claim() {
        let env = PracticeEnv::Sandbox;
        let url = "http://127.0.0.1:1/oauth/token";
        let key = service_private_key(env);
        let kid = service_key_id(env);
        let make = |client: &str, aud: &str| {
            crate::core::token::mint::client_assertion(
                client,
                aud,
                crate::core::profile::SigningAlg::EdDSA,
                Some(kid),
                &key,
                now_secs(),
            )
            .unwrap()
        };
        assert_eq!(
            check_assertion(env, make("gp-sandbox-service", url).expose(), url).unwrap().client_id,
            "gp-sandbox-service"
        );
        assert!(check_assertion(env, make("someone-else", url).expose(), url).unwrap_err().contains("iss and sub"));
        assert!(
            check_assertion(env, make("gp-sandbox-service", "http://x/token").expose(), url)
                .unwrap_err()
                .contains("aud")
        );
        let other =
            check_assertion(PracticeEnv::Production, make("gp-sandbox-service", url).expose(), url).unwrap_err();
        assert!(other.contains("sandbox environment's key"), "{other}");
    }
}
