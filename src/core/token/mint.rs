//! Making JWTs: a profile's signed token for each request, and the `private_key_jwt` client
//! assertion an OAuth client can prove itself with (RFC 7523 §2.2).
//!
//! ```text
//! SignedJwt settings + key (Secret) + now
//!   -> claims()   the template's iss/sub/aud/scope, extra claims, iat, exp, jti
//!   -> sign()     header {alg, typ, kid} signed with the key   -> Secret (the token)
//!               | MintError                                    why, in plain words
//! ```
//!
//! Pure apart from the random `jti`: the clock is a parameter and the key is passed in. The key
//! and the token stay inside [`Secret`]s, so no error or `Debug` output can show them.

use crate::core::profile::{SignedJwt, SigningAlg};
use crate::core::secret::Secret;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value};

/// How long a client assertion is good for: RFC 7523 asks for a short life.
pub const ASSERTION_LIFETIME_SECS: i64 = 60;

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Why a token could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    #[error("There is no signing key yet. Add {key} to the profile, and Gatepass keeps it in the keychain.")]
    NoKey { key: &'static str },
    #[error("The extra claims are not valid JSON: {why}.")]
    ExtraClaimsNotJson { why: String, line: usize, column: usize },
    #[error("The extra claims must be a JSON object, like {{\"tenant\": \"acme\"}}.")]
    ExtraClaimsNotObject,
    #[error("The lifetime must be at least 1 second.")]
    ZeroLifetime,
    #[error(
        "{alg} signs with {key}, but the stored key is not PEM text. A PEM key starts with a line like -----BEGIN PRIVATE KEY-----."
    )]
    NotPem { alg: SigningAlg, key: &'static str },
    #[error(
        "The stored key is a public key ({label}). Signing needs the private key; the public key is the one the API keeps."
    )]
    PublicKey { label: String },
    #[error(
        "The stored private key is locked with a passphrase. Gatepass needs it unlocked: run `openssl pkey -in key.pem -out unlocked.pem` and store that."
    )]
    Encrypted,
    #[error(
        "The stored key is an OpenSSH key. Convert it to PEM first: `ssh-keygen -p -m PKCS8 -f KEYFILE` (this changes the file in place; copy it first)."
    )]
    OpenSsh,
    #[error(
        "{alg} needs {needs}, but the stored key is {found}. Pick the algorithm that matches the key, or store the right key."
    )]
    WrongKeyType { alg: SigningAlg, needs: &'static str, found: &'static str },
    #[error(
        "The EC key is in the older \"EC PRIVATE KEY\" form. Convert it to PKCS#8: `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem`, and store that."
    )]
    Sec1Ec,
    #[error("The key could not be read as {key}: {why}.")]
    BadKey { key: &'static str, why: String },
    #[error("The token could not be signed: {why}.")]
    Sign { why: String },
}

/// Make a profile's token, good from `now` (unix seconds) for the profile's lifetime.
pub fn mint(settings: &SignedJwt, key: &Secret, now: i64) -> Result<Secret, MintError> {
    let claims = claims(settings, now)?;
    sign(settings.algorithm, key, settings.key_id.as_deref(), &claims)
}

/// The claims a profile's token carries, made at `now` (unix seconds).
pub fn claims(settings: &SignedJwt, now: i64) -> Result<Map<String, Value>, MintError> {
    if settings.lifetime_secs == 0 {
        return Err(MintError::ZeroLifetime);
    }
    let mut claims = extra_claims(&settings.extra_claims)?;
    let mut put = |name: &str, value: &str| {
        if !value.trim().is_empty() {
            claims.insert(name.to_owned(), Value::String(value.trim().to_owned()));
        }
    };
    put("iss", &settings.issuer);
    put("sub", &settings.subject);
    put("aud", &settings.audience);
    put("scope", &settings.scopes.join(" "));
    claims.insert("iat".to_owned(), Value::from(now));
    claims.insert("exp".to_owned(), Value::from(now.saturating_add(i64::from(settings.lifetime_secs))));
    claims.entry("jti").or_insert_with(|| Value::String(uuid::Uuid::new_v4().simple().to_string()));
    Ok(claims)
}

/// The extra claims typed by the user: empty, or a JSON object.
pub fn extra_claims(text: &str) -> Result<Map<String, Value>, MintError> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(MintError::ExtraClaimsNotObject),
        Err(e) => {
            Err(MintError::ExtraClaimsNotJson { why: super::json_error_words(&e), line: e.line(), column: e.column() })
        }
    }
}

/// A `private_key_jwt` client assertion: issued by and about the client, for the token endpoint,
/// good for a minute (RFC 7523 §3).
pub fn client_assertion(
    client_id: &str,
    token_url: &str,
    algorithm: SigningAlg,
    key_id: Option<&str>,
    key: &Secret,
    now: i64,
) -> Result<Secret, MintError> {
    let mut claims = Map::new();
    claims.insert("iss".to_owned(), Value::String(client_id.to_owned()));
    claims.insert("sub".to_owned(), Value::String(client_id.to_owned()));
    claims.insert("aud".to_owned(), Value::String(token_url.to_owned()));
    claims.insert("iat".to_owned(), Value::from(now));
    claims.insert("exp".to_owned(), Value::from(now.saturating_add(ASSERTION_LIFETIME_SECS)));
    claims.insert("jti".to_owned(), Value::String(uuid::Uuid::new_v4().simple().to_string()));
    sign(algorithm, key, key_id, &claims)
}

/// Sign `claims` with `key` under `algorithm`, naming `key_id` in the header when given.
pub fn sign(
    algorithm: SigningAlg,
    key: &Secret,
    key_id: Option<&str>,
    claims: &Map<String, Value>,
) -> Result<Secret, MintError> {
    let key_words = algorithm.key_words();
    if key.expose().trim().is_empty() {
        return Err(MintError::NoKey { key: key_words });
    }
    let encoding_key = encoding_key(algorithm, key)?;
    let mut header = Header::new(jwt_algorithm(algorithm));
    header.kid = key_id.map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &encoding_key)
        .map(Secret::new)
        .map_err(|e| MintError::Sign { why: e.to_string() })
}

fn jwt_algorithm(algorithm: SigningAlg) -> Algorithm {
    match algorithm {
        SigningAlg::HS256 => Algorithm::HS256,
        SigningAlg::HS384 => Algorithm::HS384,
        SigningAlg::HS512 => Algorithm::HS512,
        SigningAlg::RS256 => Algorithm::RS256,
        SigningAlg::PS256 => Algorithm::PS256,
        SigningAlg::ES256 => Algorithm::ES256,
        SigningAlg::EdDSA => Algorithm::EdDSA,
    }
}

/// The kind of key a PEM block holds, as far as its label and algorithm identifier tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFamily {
    Rsa,
    EcP256,
    EcOther,
    Ed25519,
    Unknown,
}

impl KeyFamily {
    fn words(self) -> &'static str {
        match self {
            KeyFamily::Rsa => "an RSA key",
            KeyFamily::EcP256 => "an EC P-256 key",
            KeyFamily::EcOther => "an EC key on a curve other than P-256",
            KeyFamily::Ed25519 => "an Ed25519 key",
            KeyFamily::Unknown => "a key of a kind Gatepass does not know",
        }
    }
}

/// DER object identifiers, as their encoded bytes.
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The first PEM block's label and decoded body.
fn pem_block(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].trim().to_owned();
    let body_start = &rest[label_end + 5..];
    let end = body_start.find("-----END ")?;
    let b64: String = body_start[..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()).ok()?;
    Some((label, der))
}

fn family_of(label: &str, der: &[u8]) -> KeyFamily {
    match label {
        "RSA PRIVATE KEY" => KeyFamily::Rsa,
        "EC PRIVATE KEY" if contains(der, OID_P256) => KeyFamily::EcP256,
        "EC PRIVATE KEY" => KeyFamily::EcOther,
        _ if contains(der, OID_RSA) => KeyFamily::Rsa,
        _ if contains(der, OID_EC) && contains(der, OID_P256) => KeyFamily::EcP256,
        _ if contains(der, OID_EC) => KeyFamily::EcOther,
        _ if contains(der, OID_ED25519) => KeyFamily::Ed25519,
        _ => KeyFamily::Unknown,
    }
}

fn encoding_key(algorithm: SigningAlg, key: &Secret) -> Result<EncodingKey, MintError> {
    let key_words = algorithm.key_words();
    if algorithm.is_shared_secret() {
        return Ok(EncodingKey::from_secret(key.expose().as_bytes()));
    }
    let text = key.expose();
    let Some((label, der)) = pem_block(text) else {
        return Err(MintError::NotPem { alg: algorithm, key: key_words });
    };
    match label.as_str() {
        "ENCRYPTED PRIVATE KEY" => return Err(MintError::Encrypted),
        "OPENSSH PRIVATE KEY" => return Err(MintError::OpenSsh),
        "PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE" => return Err(MintError::PublicKey { label }),
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {}
        _ => return Err(MintError::NotPem { alg: algorithm, key: key_words }),
    }
    let found = family_of(&label, &der);
    let needed = match algorithm {
        SigningAlg::RS256 | SigningAlg::PS256 => KeyFamily::Rsa,
        SigningAlg::ES256 => KeyFamily::EcP256,
        _ => KeyFamily::Ed25519,
    };
    if found != needed {
        return Err(MintError::WrongKeyType { alg: algorithm, needs: key_words, found: found.words() });
    }
    let bad = |e: jsonwebtoken::errors::Error| MintError::BadKey { key: key_words, why: e.to_string() };
    match needed {
        KeyFamily::Rsa => EncodingKey::from_rsa_pem(text.as_bytes()).map_err(bad),
        KeyFamily::EcP256 if label == "EC PRIVATE KEY" => Err(MintError::Sec1Ec),
        KeyFamily::EcP256 => EncodingKey::from_ec_pem(text.as_bytes()).map_err(bad),
        _ => EncodingKey::from_ed_pem(text.as_bytes()).map_err(bad),
    }
}

/// Ed25519 private key PEM (PKCS#8) from a 32-byte seed, for fixed practice keys.
pub fn ed25519_pem_from_seed(seed: &[u8; 32]) -> Secret {
    const PREFIX: [u8; 16] =
        [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    let mut der = PREFIX.to_vec();
    der.extend_from_slice(seed);
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    Secret::new(format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::core::profile::ProfileId;
    use crate::core::token::{TokenKind, read_token};

    fn settings(alg: SigningAlg) -> SignedJwt {
        let mut s = SignedJwt::new(&ProfileId("p".into()));
        s.algorithm = alg;
        s.issuer = "svc@example".into();
        s.subject = "user-1".into();
        s.audience = "https://api.example".into();
        s.scopes = vec!["orders:read".into(), "orders:write".into()];
        s.extra_claims = r#"{"tenant": "acme", "exp": 1}"#.into();
        s.lifetime_secs = 120;
        s
    }

    #[test]
    fn hs256_token_carries_the_template() {
        let mut s = settings(SigningAlg::HS256);
        s.key_id = Some(" k1 ".into());
        let token = mint(&s, &Secret::new("a-long-shared-secret-of-32-bytes!!"), 1_700_000_000).unwrap();
        let TokenKind::Jwt(jwt) = read_token(token.expose()).unwrap() else { panic!("not a JWT") };
        assert_eq!(jwt.header.get("alg").and_then(Value::as_str), Some("HS256"));
        assert_eq!(jwt.header.get("kid").and_then(Value::as_str), Some("k1"));
        assert_eq!(jwt.claims.get("iss").and_then(Value::as_str), Some("svc@example"));
        assert_eq!(jwt.claims.get("sub").and_then(Value::as_str), Some("user-1"));
        assert_eq!(jwt.claims.get("aud").and_then(Value::as_str), Some("https://api.example"));
        assert_eq!(jwt.claims.get("scope").and_then(Value::as_str), Some("orders:read orders:write"));
        assert_eq!(jwt.claims.get("tenant").and_then(Value::as_str), Some("acme"));
        // The lifetime wins over an `exp` typed among the extra claims.
        assert_eq!(jwt.claims.get("exp").and_then(Value::as_i64), Some(1_700_000_120));
        assert_eq!(jwt.claims.get("iat").and_then(Value::as_i64), Some(1_700_000_000));
        assert_eq!(jwt.claims.get("jti").and_then(Value::as_str).map(str::len), Some(32));
    }

    #[test]
    fn each_token_has_its_own_id() {
        let s = settings(SigningAlg::HS512);
        let key = Secret::new("k".repeat(64));
        let a = claims(&s, 0).unwrap();
        let b = claims(&s, 0).unwrap();
        assert_ne!(a.get("jti"), b.get("jti"));
        assert!(mint(&s, &key, 0).is_ok());
    }

    #[test]
    fn empty_fields_are_left_out() {
        let mut s = SignedJwt::new(&ProfileId("p".into()));
        s.issuer = "  ".into();
        let c = claims(&s, 10).unwrap();
        let mut names: Vec<_> = c.keys().cloned().collect();
        names.sort();
        assert_eq!(names, ["exp", "iat", "jti"]);
    }

    #[test]
    fn bad_extra_claims_say_where() {
        let mut s = settings(SigningAlg::HS256);
        s.extra_claims = "{\n  \"a\": 1,\n}".into();
        match claims(&s, 0).unwrap_err() {
            MintError::ExtraClaimsNotJson { line, .. } => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        s.extra_claims = "[1]".into();
        assert_eq!(claims(&s, 0).unwrap_err(), MintError::ExtraClaimsNotObject);
        s.extra_claims = String::new();
        s.lifetime_secs = 0;
        assert_eq!(claims(&s, 0).unwrap_err(), MintError::ZeroLifetime);
    }

    #[test]
    fn keys_that_cannot_sign_are_named() {
        let s = settings(SigningAlg::ES256);
        let err = |key: &str| mint(&s, &Secret::new(key), 0).unwrap_err();
        assert_eq!(err(""), MintError::NoKey { key: "an EC P-256 private key (PEM)" });
        assert!(matches!(err("just-a-secret"), MintError::NotPem { .. }));
        let block = |label: &str, body: &str| format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        assert_eq!(err(&block("ENCRYPTED PRIVATE KEY", "AAAA")), MintError::Encrypted);
        assert_eq!(err(&block("OPENSSH PRIVATE KEY", "AAAA")), MintError::OpenSsh);
        assert_eq!(err(&block("PUBLIC KEY", "AAAA")), MintError::PublicKey { label: "PUBLIC KEY".into() });
        // An Ed25519 key offered for ES256.
        let ed = ed25519_pem_from_seed(&[7; 32]);
        assert_eq!(
            err(ed.expose()),
            MintError::WrongKeyType {
                alg: SigningAlg::ES256,
                needs: "an EC P-256 private key (PEM)",
                found: "an Ed25519 key"
            }
        );
        let message = err(ed.expose()).to_string();
        assert!(message.contains("Pick the algorithm that matches the key"), "{message}");
    }

    #[test]
    fn ed25519_from_seed_signs_and_errors_never_show_the_key() {
        let key = ed25519_pem_from_seed(&[9; 32]);
        let token = mint(&settings(SigningAlg::EdDSA), &key, 5).unwrap();
        assert_eq!(token.expose().split('.').count(), 3);
        let rsa_err = mint(&settings(SigningAlg::RS256), &key, 5).unwrap_err();
        let words = format!("{rsa_err} {rsa_err:?}");
        let body_line = key.expose().lines().nth(1).unwrap();
        assert!(!words.contains(body_line), "{words}");
    }

    #[test]
    fn client_assertion_is_about_the_client() {
        let key = ed25519_pem_from_seed(&[3; 32]);
        let token =
            client_assertion("my-client", "https://idp.example/token", SigningAlg::EdDSA, Some("kid-1"), &key, 100)
                .unwrap();
        let TokenKind::Jwt(jwt) = read_token(token.expose()).unwrap() else { panic!("not a JWT") };
        assert_eq!(jwt.claims.get("iss").and_then(Value::as_str), Some("my-client"));
        assert_eq!(jwt.claims.get("sub").and_then(Value::as_str), Some("my-client"));
        assert_eq!(jwt.claims.get("aud").and_then(Value::as_str), Some("https://idp.example/token"));
        assert_eq!(jwt.claims.get("exp").and_then(Value::as_i64), Some(160));
        assert_eq!(jwt.header.get("kid").and_then(Value::as_str), Some("kid-1"));
    }
}
