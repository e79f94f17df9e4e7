//! `DPoP` proofs (RFC 9449): a key the profile holds proves, request by request, that whoever
//! sends the access token also holds the key the token was bound to.
//!
//! ```text
//! generate_key() ─> P-256 private key (PKCS#8 PEM, into the keychain)
//!                    └─ public_jwk() ─> {"kty":"EC","crv":"P-256","x","y"} ─ thumbprint() ─> cnf.jkt
//! proof(key, method, address, token?, nonce?, now) ─> "eyJ0eXAiOiJkcG9wK2p3dCIs…"  (the DPoP header)
//! ```
//!
//! ES256 only: it is what every `DPoP` server supports (RFC 9449 §5.1 lists it first) and keeps
//! proofs short. The signing is aws-lc-rs's; a proof is checked with `PyJWT` in `tests/it/dpop.rs`.

use crate::core::secret::Secret;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use serde_json::{Value, json};

/// Why a `DPoP` key cannot be used, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpopError {
    #[error(
        "The DPoP key is not an EC P-256 private key (PEM), which DPoP proofs (ES256) need. Let Gatepass make a new DPoP key for the profile, or paste a P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)."
    )]
    WrongKeyType,
    #[error("A new DPoP key could not be made: {0}")]
    Generate(String),
    #[error("The DPoP proof could not be signed: {0}")]
    Sign(String),
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh P-256 private key, as PKCS#8 PEM.
pub fn generate_key() -> Result<Secret, DpopError> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|e| DpopError::Generate(e.to_string()))?;
    Ok(Secret::new(pem::encode(&pem::Pem::new("PRIVATE KEY", document.as_ref().to_vec()))))
}

fn key_pair(key: &Secret) -> Result<EcdsaKeyPair, DpopError> {
    let block = pem::parse(key.expose().trim()).map_err(|_| DpopError::WrongKeyType)?;
    if block.tag() != "PRIVATE KEY" {
        return Err(DpopError::WrongKeyType);
    }
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, block.contents()).map_err(|_| DpopError::WrongKeyType)
}

/// The public half as a JWK (RFC 7517), members in RFC 7638's order.
pub fn public_jwk(key: &Secret) -> Result<Value, DpopError> {
    let pair = key_pair(key)?;
    // An uncompressed point: 0x04, then x and y of 32 bytes each.
    let point = pair.public_key().as_ref();
    let (x, y) = point.get(1..33).zip(point.get(33..65)).ok_or(DpopError::WrongKeyType)?;
    Ok(json!({ "crv": "P-256", "kty": "EC", "x": b64(x), "y": b64(y) }))
}

/// The JWK thumbprint (RFC 7638, SHA-256): what a bound token's `cnf.jkt` holds.
pub fn thumbprint(jwk: &Value) -> String {
    let canonical = format!(
        r#"{{"crv":"{}","kty":"{}","x":"{}","y":"{}"}}"#,
        jwk["crv"].as_str().unwrap_or_default(),
        jwk["kty"].as_str().unwrap_or_default(),
        jwk["x"].as_str().unwrap_or_default(),
        jwk["y"].as_str().unwrap_or_default()
    );
    b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref())
}

/// The thumbprint of the key's public half.
pub fn key_thumbprint(key: &Secret) -> Result<String, DpopError> {
    public_jwk(key).map(|jwk| thumbprint(&jwk))
}

/// `htu` (RFC 9449 §4.2): the address without its query and fragment.
pub fn target_uri(url: &url::Url) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    bare.to_string()
}

/// `ath` (RFC 9449 §4.2): the access token's SHA-256, base64url.
pub fn access_token_hash(token: &Secret) -> String {
    b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.expose().as_bytes()).as_ref())
}

/// A fresh proof for one request: `method` and `url` as sent, `access_token` when the request
/// carries one (API requests; not token requests), `nonce` when the server gave one.
pub fn proof(
    key: &Secret,
    method: &str,
    url: &url::Url,
    access_token: Option<&Secret>,
    nonce: Option<&str>,
    now: i64,
) -> Result<Secret, DpopError> {
    let pair = key_pair(key)?;
    let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(key)? });
    let mut claims = json!({
        "jti": uuid::Uuid::new_v4().simple().to_string(),
        "htm": method.to_ascii_uppercase(),
        "htu": target_uri(url),
        "iat": now,
    });
    if let Some(token) = access_token {
        claims["ath"] = Value::String(access_token_hash(token));
    }
    if let Some(nonce) = nonce {
        claims["nonce"] = Value::String(nonce.to_owned());
    }
    let signing_input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let signature = pair.sign(&rng, signing_input.as_bytes()).map_err(|e| DpopError::Sign(e.to_string()))?;
    Ok(Secret::new(format!("{signing_input}.{}", b64(signature.as_ref()))))
}

/// How a bound token's `cnf.jkt` compares with a profile's `DPoP` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// Bound to this profile's key: its proofs will be accepted.
    Matches,
    /// Bound to another key: the API will refuse this profile's proofs.
    OtherKey,
    /// The profile has no `DPoP` key, so it cannot prove anything for this token.
    NoKey,
}

impl Binding {
    /// Compare a token's `cnf.jkt` with the profile key's thumbprint (`None`: the profile has none).
    pub fn of(jkt: &str, profile_key: Option<&str>) -> Self {
        match profile_key {
            Some(ours) if ours == jkt => Self::Matches,
            Some(_) => Self::OtherKey,
            None => Self::NoKey,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Matches => "matches this profile's DPoP key",
            Self::OtherKey => {
                "does NOT match this profile's DPoP key: the API will refuse its proofs. Get the token issued for this profile's key."
            }
            Self::NoKey => {
                "but this profile has no DPoP key: the token must be sent with proofs by the key it is bound to. Give the profile a DPoP key and have the token issued for that key."
            }
        }
    }
}

/// The server's `DPoP-Nonce` when it refused a proof for want of one (RFC 9449 §8–9): a 401
/// with `WWW-Authenticate: DPoP error="use_dpop_nonce"`, or a token endpoint's 400 with
/// `"error": "use_dpop_nonce"`.
pub fn nonce_asked(status: u16, headers: &[(String, String)], body: &[u8]) -> Option<String> {
    let nonce = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("dpop-nonce")).map(|(_, v)| v.trim().to_owned())?;
    let challenged = crate::core::challenge::from_headers(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        .iter()
        .any(|c| c.is_scheme("DPoP") && c.error().is_some_and(|e| e.eq_ignore_ascii_case("use_dpop_nonce")));
    let in_body = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(|e| e.eq_ignore_ascii_case("use_dpop_nonce")))
        .unwrap_or(false);
    ((status == 401 && challenged) || (status == 400 && in_body)).then_some(nonce).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(token: &str, index: usize) -> Value {
        let segment = token.split('.').nth(index).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
    }

    #[test]
    fn a_proof_carries_what_rfc_9449_asks_and_verifies() {
        let key = generate_key().unwrap();
        let url = url::Url::parse("https://api.example.com/v1/orders?page=2#top").unwrap();
        let token = Secret::new("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
        let proof = proof(&key, "get", &url, Some(&token), Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"), 1_700_000_000).unwrap();
        let header = part(proof.expose(), 0);
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"], public_jwk(&key).unwrap());
        assert!(header["jwk"].get("d").is_none(), "the private part never goes in the proof");
        let claims = part(proof.expose(), 1);
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://api.example.com/v1/orders");
        assert_eq!(claims["iat"], 1_700_000_000);
        assert_eq!(claims["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
        // RFC 9449 §7.1's example: this token's hash.
        assert_eq!(claims["ath"], "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
        assert_eq!(claims["jti"].as_str().unwrap().len(), 32);
        // The signature checks out with the public key in the header.
        let (input, signature) = proof.expose().rsplit_once('.').unwrap();
        let jwk = &header["jwk"];
        let mut point = vec![4u8];
        for coordinate in ["x", "y"] {
            point.extend(
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwk[coordinate].as_str().unwrap()).unwrap(),
            );
        }
        aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED, point)
            .verify(input.as_bytes(), &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature).unwrap())
            .unwrap();
    }

    #[test]
    fn each_proof_is_fresh() {
        let key = generate_key().unwrap();
        let url = url::Url::parse("https://api.example.com/").unwrap();
        let a = proof(&key, "POST", &url, None, None, 1).unwrap();
        let b = proof(&key, "POST", &url, None, None, 1).unwrap();
        assert_ne!(part(a.expose(), 1)["jti"], part(b.expose(), 1)["jti"]);
        assert!(part(a.expose(), 1).get("ath").is_none());
    }

    #[test]
    fn rfc_7638_thumbprint_example_shape() {
        // The thumbprint hashes exactly the required members, in order, without spaces.
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "use": "sig"});
        let expected = b64(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            br#"{"crv":"P-256","kty":"EC","x":"a","y":"b"}"#,
        )
        .as_ref());
        assert_eq!(thumbprint(&jwk), expected);
    }

    #[test]
    fn a_key_of_the_wrong_type_is_named() {
        let ed25519 = crate::core::token::mint::ed25519_pem_from_seed(&[7u8; 32]);
        assert_eq!(key_thumbprint(&ed25519), Err(DpopError::WrongKeyType));
        assert_eq!(key_thumbprint(&Secret::new("not a key")), Err(DpopError::WrongKeyType));
        assert!(DpopError::WrongKeyType.to_string().contains("EC P-256"));
    }

    #[test]
    fn a_nonce_is_taken_only_when_the_server_asks_for_one() {
        let headers = |www: &str| {
            vec![("WWW-Authenticate".to_owned(), www.to_owned()), ("DPoP-Nonce".to_owned(), "n-1".to_owned())]
        };
        assert_eq!(nonce_asked(401, &headers(r#"DPoP error="use_dpop_nonce""#), b""), Some("n-1".to_owned()));
        assert_eq!(nonce_asked(401, &headers(r#"DPoP error="invalid_token""#), b""), None);
        assert_eq!(
            nonce_asked(400, &headers("x"), br#"{"error":"use_dpop_nonce","error_description":"nonce"}"#),
            Some("n-1".to_owned())
        );
        assert_eq!(nonce_asked(400, &[], br#"{"error":"use_dpop_nonce"}"#), None);
    }
}
