//! The practice API's demo credentials (fixed, public practice values: not secrets) and its
//! HS256 tokens: minting them and checking their signature and claims.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{PracticeEnv, PracticeError};

/// The audience every practice token must carry.
pub const AUDIENCE: &str = "gatepass-practice";

/// The API-key header name.
pub const API_KEY_HEADER: &str = "X-Api-Key";

/// The scopes of the good API key, the Basic user and a full token.
pub const FULL_SCOPES: &[&str] = &["orders:read", "orders:write", "profile:read"];
/// The scopes of a read-only token.
pub const READ_SCOPES: &[&str] = &["orders:read", "profile:read"];

/// A demo credential the UI can offer; the values are public practice values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCredential {
    /// Which environment it belongs to.
    pub env: PracticeEnv,
    /// A stable id, e.g. `sandbox-api-key`.
    pub id: &'static str,
    /// A short label for people.
    pub label: &'static str,
    /// What kind of credential and its value.
    pub kind: DemoKind,
}

/// The shape of a demo credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoKind {
    /// An API key sent in `header` (or the `api_key` query parameter).
    ApiKey {
        /// The header name, `X-Api-Key`.
        header: &'static str,
        /// The key.
        value: &'static str,
    },
    /// HTTP Basic.
    Basic {
        /// The user name.
        username: &'static str,
        /// The password.
        password: &'static str,
    },
    /// A bearer token to mint with [`mint_token`] with these scopes.
    Bearer {
        /// The scopes the minted token carries.
        scopes: &'static [&'static str],
    },
    /// A service account that signs its own tokens (`EdDSA`) with a private key: as the bearer
    /// token itself, or as a `private_key_jwt` assertion at the sign-in server. The key is
    /// [`super::service_private_key`]; its public half is known to the practice API.
    ServiceAccount {
        /// The client ID, also the `iss` and `sub` of the tokens it signs.
        client_id: &'static str,
        /// The `kid` header naming its key.
        key_id: &'static str,
        /// The permissions (scopes) it may use.
        scopes: &'static [&'static str],
    },
    /// An OAuth 2 client of the practice sign-in server (`POST /oauth/token`, client credentials).
    OAuthClient {
        /// The client ID.
        client_id: &'static str,
        /// The client secret.
        client_secret: &'static str,
        /// The permissions (scopes) this client may ask for.
        scopes: &'static [&'static str],
    },
}

/// An OAuth 2 client the practice sign-in server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OAuthClient {
    pub id: &'static str,
    pub label: &'static str,
    pub client_id: &'static str,
    pub client_secret: &'static str,
    pub scopes: &'static [&'static str],
}

const SANDBOX_CLIENTS: &[OAuthClient] = &[
    OAuthClient {
        id: "sandbox-oauth-client",
        label: "Sandbox OAuth client (all scopes)",
        client_id: "gp-sandbox-app",
        client_secret: "gp_test_cs_4Wd9Qa2Rn7Lk5Ze1Xv8Bt3Hy",
        scopes: FULL_SCOPES,
    },
    OAuthClient {
        id: "sandbox-oauth-reader",
        label: "Sandbox OAuth client (read only)",
        client_id: "gp-sandbox-reader",
        client_secret: "gp_test_cs_8Jm3Uv6Pc1Ks9Tf4Yg2Nq7Dw",
        scopes: READ_SCOPES,
    },
];

const PRODUCTION_CLIENTS: &[OAuthClient] = &[OAuthClient {
    id: "production-oauth-client",
    label: "Production OAuth client (read only)",
    client_id: "gp-production-app",
    client_secret: "gp_live_cs_2Ex7Gb5Mh0Rs3Va8Ku6Lp1Wz",
    scopes: READ_SCOPES,
}];

/// A public OAuth 2 client (no secret, RFC 6749 §2.1) for the grants a person approves:
/// authorization code with PKCE and the device grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicClient {
    pub client_id: &'static str,
    /// The app's name on the consent page.
    pub name: &'static str,
    pub scopes: &'static [&'static str],
}

const SANDBOX_PUBLIC: PublicClient =
    PublicClient { client_id: "gp-sandbox-desktop", name: "Gatepass Desktop (practice)", scopes: FULL_SCOPES };
const PRODUCTION_PUBLIC: PublicClient =
    PublicClient { client_id: "gp-production-desktop", name: "Gatepass Desktop (practice)", scopes: READ_SCOPES };

/// The public client of one environment: for the authorization code and device grants.
pub fn public_client(env: PracticeEnv) -> PublicClient {
    match env {
        PracticeEnv::Sandbox => SANDBOX_PUBLIC,
        PracticeEnv::Production => PRODUCTION_PUBLIC,
    }
}

/// The OAuth 2 clients of one environment.
pub(crate) fn oauth_clients(env: PracticeEnv) -> &'static [OAuthClient] {
    match env {
        PracticeEnv::Sandbox => SANDBOX_CLIENTS,
        PracticeEnv::Production => PRODUCTION_CLIENTS,
    }
}

/// The fixed practice values of one environment.
pub(crate) struct EnvSecrets {
    pub key_prefix: &'static str,
    pub good_key: &'static str,
    pub revoked_key: &'static str,
    pub basic_user: &'static str,
    pub basic_password: &'static str,
    signing_secret: &'static [u8],
}

const SANDBOX: EnvSecrets = EnvSecrets {
    key_prefix: "gp_test_",
    good_key: "gp_test_sbx_7Qm2Kx9Lb4Tz8Rw1Nc6Vh3Jd",
    revoked_key: "gp_test_rvk_3Hf8Pq1Zs6Wy0Mb5Xe2Lu9Ga",
    basic_user: "sandbox-user",
    basic_password: "practice-sandbox-pass",
    signing_secret: b"gatepass-practice-sandbox-signing-key-public-demo-value",
};

const PRODUCTION: EnvSecrets = EnvSecrets {
    key_prefix: "gp_live_",
    good_key: "gp_live_prd_5Tn1Yc8Kw3Qv7Bx0Hs4Fj2Em",
    revoked_key: "gp_live_rvk_9Da4Lg7Ur2Io5Zp8Cm1Wk6Sb",
    basic_user: "production-user",
    basic_password: "practice-production-pass",
    signing_secret: b"gatepass-practice-production-signing-key-public-demo-value",
};

pub(crate) fn secrets(env: PracticeEnv) -> &'static EnvSecrets {
    match env {
        PracticeEnv::Sandbox => &SANDBOX,
        PracticeEnv::Production => &PRODUCTION,
    }
}

/// The `iss` claim (and the `realm` of challenges) of one environment.
pub fn issuer(env: PracticeEnv) -> String {
    format!("gatepass-practice-{}", env.as_str())
}

/// Every demo credential of both environments.
pub fn demo_credentials() -> Vec<DemoCredential> {
    let mut out = Vec::new();
    for env in PracticeEnv::ALL {
        let s = secrets(env);
        let (key, revoked, basic, full, read) = match env {
            PracticeEnv::Sandbox => (
                ("sandbox-api-key", "Sandbox API key"),
                ("sandbox-revoked-key", "Sandbox API key (revoked)"),
                ("sandbox-basic", "Sandbox Basic user"),
                ("sandbox-token-full", "Sandbox token (all scopes)"),
                ("sandbox-token-read", "Sandbox token (read only)"),
            ),
            PracticeEnv::Production => (
                ("production-api-key", "Production API key"),
                ("production-revoked-key", "Production API key (revoked)"),
                ("production-basic", "Production Basic user"),
                ("production-token-full", "Production token (all scopes)"),
                ("production-token-read", "Production token (read only)"),
            ),
        };
        out.push(DemoCredential {
            env,
            id: key.0,
            label: key.1,
            kind: DemoKind::ApiKey { header: API_KEY_HEADER, value: s.good_key },
        });
        out.push(DemoCredential {
            env,
            id: revoked.0,
            label: revoked.1,
            kind: DemoKind::ApiKey { header: API_KEY_HEADER, value: s.revoked_key },
        });
        out.push(DemoCredential {
            env,
            id: basic.0,
            label: basic.1,
            kind: DemoKind::Basic { username: s.basic_user, password: s.basic_password },
        });
        out.push(DemoCredential { env, id: full.0, label: full.1, kind: DemoKind::Bearer { scopes: FULL_SCOPES } });
        out.push(DemoCredential { env, id: read.0, label: read.1, kind: DemoKind::Bearer { scopes: READ_SCOPES } });
        let service = super::keys::service_client(env);
        out.push(DemoCredential {
            env,
            id: service.id,
            label: service.label,
            kind: DemoKind::ServiceAccount {
                client_id: service.client_id,
                key_id: super::keys::service_key_id(env),
                scopes: service.scopes,
            },
        });
        for client in oauth_clients(env) {
            out.push(DemoCredential {
                env,
                id: client.id,
                label: client.label,
                kind: DemoKind::OAuthClient {
                    client_id: client.client_id,
                    client_secret: client.client_secret,
                    scopes: client.scopes,
                },
            });
        }
    }
    out
}

/// What to put in a minted token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpec {
    /// The `sub` claim.
    pub subject: String,
    /// The scopes, joined with spaces into the `scope` claim.
    pub scopes: Vec<String>,
    /// Seconds from now until `exp`; negative means already expired.
    pub expires_in_secs: i64,
    /// Seconds from now until `nbf`; 0 means now, positive means not yet valid.
    pub not_before_in_secs: i64,
    /// The `aud` claim; `None` means [`AUDIENCE`].
    pub audience: Option<String>,
}

#[derive(Debug, Serialize)]
struct OutgoingClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    nbf: i64,
    iat: i64,
    scope: String,
}

/// Mints an HS256 token signed with `env`'s key and issued by `env`.
pub fn mint_token(env: PracticeEnv, spec: &TokenSpec) -> Result<String, PracticeError> {
    mint_with_issuer(env, &issuer(env), spec)
}

pub(crate) fn mint_with_issuer(env: PracticeEnv, iss: &str, spec: &TokenSpec) -> Result<String, PracticeError> {
    let now = now_secs();
    let claims = OutgoingClaims {
        iss,
        sub: &spec.subject,
        aud: spec.audience.as_deref().unwrap_or(AUDIENCE),
        exp: now.saturating_add(spec.expires_in_secs),
        nbf: now.saturating_add(spec.not_before_in_secs),
        iat: now.saturating_add(spec.not_before_in_secs.min(0)).min(now),
        scope: spec.scopes.join(" "),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secrets(env).signing_secret),
    )
    .map_err(|err| PracticeError::Token(err.to_string()))
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The practice tokens' lifetime when obtained from the sign-in server: short, so "expiring
/// soon" (the last 5 minutes) and the renewal before expiry are seen in practice.
pub const OAUTH_TOKEN_LIFETIME_SECS: i64 = 600;

/// The claims of an incoming token, every one optional so a missing one can be named.
#[derive(Debug, Deserialize)]
pub(crate) struct IncomingClaims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Option<serde_json::Value>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub scope: Option<String>,
}

/// Why a token's signature check failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SignatureProblem {
    /// Not three base64url parts of JSON.
    NotAJwt,
    /// Signed with an algorithm other than HS256 or `EdDSA`.
    WrongAlgorithm(String),
    /// Signed with the other environment's key.
    OtherEnvironment,
    /// Signed with no key we know, or altered.
    BadSignature,
    /// The signature holds but the claims are not the JSON we expect.
    BadClaims(String),
}

/// Checks the signature against `env`'s key only; claims are checked by the caller so each
/// failure can be named.
pub(crate) fn verify_signature(env: PracticeEnv, token: &str) -> Result<IncomingClaims, SignatureProblem> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| SignatureProblem::NotAJwt)?;
    if header.alg == Algorithm::EdDSA {
        return super::keys::verify_ed25519(env, token, header.kid.as_deref()).map(|(claims, _)| claims).map_err(
            |problem| match problem {
                super::keys::KeyProblem::OtherEnvironment => SignatureProblem::OtherEnvironment,
                super::keys::KeyProblem::UnknownKey(_) | super::keys::KeyProblem::BadSignature => {
                    SignatureProblem::BadSignature
                }
                super::keys::KeyProblem::BadClaims(why) => SignatureProblem::BadClaims(why),
            },
        );
    }
    if header.alg != Algorithm::HS256 {
        return Err(SignatureProblem::WrongAlgorithm(format!("{:?}", header.alg)));
    }
    match decode_with(env, token) {
        Ok(claims) => Ok(claims),
        Err(err) => match err.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                if decode_with(env.other(), token).is_ok() {
                    Err(SignatureProblem::OtherEnvironment)
                } else {
                    Err(SignatureProblem::BadSignature)
                }
            }
            jsonwebtoken::errors::ErrorKind::Json(e) => Err(SignatureProblem::BadClaims(e.to_string())),
            jsonwebtoken::errors::ErrorKind::Base64(_)
            | jsonwebtoken::errors::ErrorKind::Utf8(_)
            | jsonwebtoken::errors::ErrorKind::InvalidToken => Err(SignatureProblem::NotAJwt),
            other => Err(SignatureProblem::BadClaims(format!("{other:?}"))),
        },
    }
}

fn decode_with(env: PracticeEnv, token: &str) -> Result<IncomingClaims, jsonwebtoken::errors::Error> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    jsonwebtoken::decode::<IncomingClaims>(token, &DecodingKey::from_secret(secrets(env).signing_secret), &validation)
        .map(|data| data.claims)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn spec() -> TokenSpec {
        TokenSpec {
            subject: "alice".into(),
            scopes: vec!["orders:read".into()],
            expires_in_secs: 60,
            not_before_in_secs: 0,
            audience: None,
        }
    }

    #[test]
    fn minted_token_verifies_in_its_own_env_only() {
        let token = mint_token(PracticeEnv::Sandbox, &spec()).unwrap();
        let claims = verify_signature(PracticeEnv::Sandbox, &token).unwrap();
        assert_eq!(claims.iss.as_deref(), Some("gatepass-practice-sandbox"));
        assert_eq!(claims.scope.as_deref(), Some("orders:read"));
        assert_eq!(verify_signature(PracticeEnv::Production, &token).unwrap_err(), SignatureProblem::OtherEnvironment);
    }

    #[test]
    fn garbage_is_not_a_jwt() {
        assert_eq!(verify_signature(PracticeEnv::Sandbox, "abc").unwrap_err(), SignatureProblem::NotAJwt);
    }

    #[test]
    fn demo_ids_are_unique_and_keys_are_prefixed() {
        let creds = demo_credentials();
        let mut ids: Vec<_> = creds.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), creds.len());
        for c in &creds {
            if let DemoKind::ApiKey { value, .. } = c.kind {
                assert!(value.starts_with(secrets(c.env).key_prefix));
            }
        }
    }
}
