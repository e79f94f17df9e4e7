//! Checking a JWT's signature with a key the user gives: a shared secret (HS256/384/512), a PEM
//! public key or certificate (RS*, PS*, ES*, `EdDSA`), or a key set (JWKS) matched by `kid`.
//!
//! Pure: the key arrives as data. Fetching a JWKS URL is I/O and lives in `infra::jwks`; when it
//! cannot be fetched the caller reports [`SignatureCheck::NotChecked`], never `Failed`.
//! Only the signature is checked here; expiry and the rest are the token's state, shown apart.

use super::Jwt;
use crate::core::secret::Secret;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use std::str::FromStr as _;

/// A key to check a signature with.
#[derive(Debug, Clone)]
pub enum VerifyKey {
    /// The shared secret of an HS256/384/512 token.
    SharedSecret(Secret),
    /// A public key or certificate in PEM text (`-----BEGIN PUBLIC KEY-----` and friends).
    PublicKeyPem(String),
    /// A key set (JWKS); the key is picked by the token's `kid`.
    KeySet(JwkSet),
}

/// The result of a signature check, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The signature matches the key. `how` says which key, for example "RS256, key \"k1\" from the key set".
    Verified { how: String },
    /// The signature does not match, or the token cannot be trusted whatever the key.
    Failed { reason: String },
    /// Gatepass could not check (no key, a key of the wrong kind, a key set that could not be fetched).
    NotChecked { why: String },
}

impl SignatureCheck {
    pub fn label(&self) -> &'static str {
        match self {
            SignatureCheck::Verified { .. } => "Signature verified",
            SignatureCheck::Failed { .. } => "Signature failed",
            SignatureCheck::NotChecked { .. } => "Signature not checked",
        }
    }

    /// The explanation that goes with the label.
    pub fn detail(&self) -> &str {
        match self {
            SignatureCheck::Verified { how } => how,
            SignatureCheck::Failed { reason } => reason,
            SignatureCheck::NotChecked { why } => why,
        }
    }

    pub fn not_checked(why: impl Into<String>) -> Self {
        SignatureCheck::NotChecked { why: why.into() }
    }
}

/// Why a key set could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySetError {
    #[error("The key set (JWKS) is not JSON ({0}).")]
    NotJson(String),
    #[error("The key set (JWKS) has no \"keys\" list, so it is not a key set.")]
    NoKeysList,
    #[error("The key set (JWKS) has no keys Gatepass can use.")]
    NoUsableKeys,
}

/// Read a key set leniently: keys Gatepass cannot use (encryption keys, unknown kinds) are
/// skipped instead of failing the whole set, as real key sets mix them.
pub fn parse_key_set(json: &str) -> Result<JwkSet, KeySetError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| KeySetError::NotJson(e.to_string()))?;
    let list = match &value {
        serde_json::Value::Object(map) => map.get("keys").and_then(serde_json::Value::as_array),
        _ => None,
    }
    .ok_or(KeySetError::NoKeysList)?;
    let keys: Vec<Jwk> = list
        .iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .filter(|k| !matches!(k.algorithm, AlgorithmParameters::Other(_)))
        .collect();
    if keys.is_empty() {
        return Err(KeySetError::NoUsableKeys);
    }
    Ok(JwkSet { keys })
}

fn family_words(family: AlgorithmFamily) -> &'static str {
    match family {
        AlgorithmFamily::Hmac => "a shared secret",
        AlgorithmFamily::Rsa => "an RSA key",
        AlgorithmFamily::Ec => "an elliptic-curve (EC) key",
        AlgorithmFamily::Ed => "an Ed25519 key",
    }
}

const MISMATCH: &str = "The signature does not match. The token was changed after it was signed, or it was signed with a different key. If the key was recently replaced, get the new one.";

/// Check `jwt`'s signature with `key`. No key means "not checked"; `alg: none` always fails.
pub fn verify(jwt: &Jwt, key: Option<&VerifyKey>) -> SignatureCheck {
    if jwt.is_unsigned() {
        return SignatureCheck::Failed {
            reason: "The token is not signed (alg: none), so anyone could have written it. An API should refuse it."
                .to_owned(),
        };
    }
    let Some(alg_name) = jwt.algorithm.as_deref() else {
        return SignatureCheck::Failed {
            reason: "The token does not say how it was signed (its header has no alg).".to_owned(),
        };
    };
    let Ok(alg) = Algorithm::from_str(alg_name) else {
        return SignatureCheck::not_checked(format!("Gatepass cannot check the signing method {alg_name}."));
    };
    let Some(key) = key else {
        let what = match alg.family() {
            AlgorithmFamily::Hmac => "the shared secret it was signed with",
            _ => "the issuer's public key or key set (JWKS) URL",
        };
        return SignatureCheck::not_checked(format!(
            "No key was given. To check this {alg_name} signature, add {what}."
        ));
    };
    let raw = jwt.raw().expose();
    let Some((message, signature)) = raw.rsplit_once('.') else {
        return SignatureCheck::Failed { reason: "The token has no signature part.".to_owned() };
    };
    if signature.is_empty() {
        return SignatureCheck::Failed {
            reason: format!("The token says it is signed with {alg_name}, but its signature part is empty."),
        };
    }
    let check = |decoding: &DecodingKey| jsonwebtoken::crypto::verify(signature, message.as_bytes(), decoding, alg);

    match key {
        VerifyKey::SharedSecret(secret) => {
            if alg.family() != AlgorithmFamily::Hmac {
                return SignatureCheck::not_checked(format!(
                    "The token is signed with {alg_name}, which needs {}, but a shared secret was given.",
                    family_words(alg.family())
                ));
            }
            if secret.is_empty() {
                return SignatureCheck::not_checked("The shared secret is empty.");
            }
            match check(&DecodingKey::from_secret(secret.expose().as_bytes())) {
                Ok(true) => SignatureCheck::Verified { how: format!("{alg_name}, with the shared secret") },
                Ok(false) | Err(_) => SignatureCheck::Failed { reason: MISMATCH.to_owned() },
            }
        }
        VerifyKey::PublicKeyPem(pem) => {
            let decoding = match alg.family() {
                // Never use a public key as an HMAC secret: that is the classic algorithm-confusion attack.
                AlgorithmFamily::Hmac => {
                    return SignatureCheck::not_checked(format!(
                        "The token is signed with {alg_name}, which needs the shared secret, but a public key was given."
                    ));
                }
                AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(pem.as_bytes()),
                AlgorithmFamily::Ec => DecodingKey::from_ec_pem(pem.as_bytes()),
                AlgorithmFamily::Ed => DecodingKey::from_ed_pem(pem.as_bytes()),
            };
            let Ok(decoding) = decoding else {
                return SignatureCheck::not_checked(format!(
                    "The key file is not a PEM public key of the kind {alg_name} needs ({}).",
                    family_words(alg.family())
                ));
            };
            match check(&decoding) {
                Ok(true) => SignatureCheck::Verified { how: format!("{alg_name}, with the public key given") },
                Ok(false) => SignatureCheck::Failed { reason: MISMATCH.to_owned() },
                Err(_) => SignatureCheck::not_checked(format!(
                    "The key given is not {} that fits {alg_name}.",
                    family_words(alg.family())
                )),
            }
        }
        VerifyKey::KeySet(set) => verify_with_set(jwt, set, alg, alg_name, &check),
    }
}

/// Why a key from a key set was not used to check a signature.
enum Unfit {
    /// Published for another job (`use` other than `sig`, `key_ops` without `verify`).
    Job(String),
    /// Of another method (`alg`) or another kind of key than the token's.
    Method(String),
}

impl Unfit {
    fn words(self) -> String {
        match self {
            Unfit::Job(words) | Unfit::Method(words) => words,
        }
    }
}

/// How a key set writes a value (`"RSA-OAEP"`, `"encrypt"`): the value's own JSON name.
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "something else".to_owned(),
    }
}

/// Whether a key from a key set may check an `alg_name` signature. A key published for another
/// job (`use` other than `sig`, `key_ops` without `verify`) or for another method (`alg`) is
/// never used, whatever its bytes would say (RFC 7517 §4.2–4.4).
fn unfit_key(jwk: &Jwk, alg: Algorithm, alg_name: &str) -> Option<Unfit> {
    use jsonwebtoken::jwk::{KeyOperations, PublicKeyUse};
    let name = match jwk.common.key_id.as_deref() {
        Some(kid) => format!("The key \"{kid}\" in the key set"),
        None => "A key in the key set".to_owned(),
    };
    let job = match &jwk.common.public_key_use {
        None | Some(PublicKeyUse::Signature) => None,
        Some(PublicKeyUse::Encryption) => Some("encryption (\"use\": \"enc\")".to_owned()),
        Some(PublicKeyUse::Other(other)) => Some(format!("\"{other}\" (its \"use\")")),
    };
    if let Some(job) = job {
        return Some(Unfit::Job(format!(
            "{name} is published for {job}, not for checking signatures, so Gatepass did not use it."
        )));
    }
    if let Some(ops) = &jwk.common.key_operations
        && !ops.iter().any(|op| matches!(op, KeyOperations::Verify))
    {
        let listed: Vec<String> = ops.iter().map(wire_name).collect();
        let listed = if listed.is_empty() { "nothing".to_owned() } else { listed.join(", ") };
        return Some(Unfit::Job(format!(
            "{name} may only be used for {listed} (its \"key_ops\"), not to verify signatures, so Gatepass did not use it."
        )));
    }
    if let Some(key_alg) = &jwk.common.key_algorithm
        && key_alg.to_string() != alg_name
    {
        return Some(Unfit::Method(format!(
            "{name} is for {}, but the token says it was signed with {alg_name}.",
            wire_name(key_alg)
        )));
    }
    if !DecodingKey::from_jwk(jwk).is_ok_and(|k| k.family() == alg.family()) {
        return Some(Unfit::Method(format!("{name} is not {}, which {alg_name} needs.", family_words(alg.family()))));
    }
    None
}

fn verify_with_set(
    jwt: &Jwt,
    set: &JwkSet,
    alg: Algorithm,
    alg_name: &str,
    check: &dyn Fn(&DecodingKey) -> jsonwebtoken::errors::Result<bool>,
) -> SignatureCheck {
    let candidates: Vec<&Jwk> = if let Some(kid) = jwt.key_id.as_deref() {
        let Some(jwk) = set.find(kid) else {
            return SignatureCheck::Failed {
                reason: format!(
                    "No key in the key set (JWKS) has the id \"{kid}\" that the token names. The key may have been replaced, or the key set belongs to another issuer."
                ),
            };
        };
        if let Some(unfit) = unfit_key(jwk, alg, alg_name) {
            return SignatureCheck::Failed { reason: unfit.words() };
        }
        vec![jwk]
    } else {
        let mut fit = Vec::new();
        let mut passed_over = None;
        for jwk in &set.keys {
            match unfit_key(jwk, alg, alg_name) {
                None => fit.push(jwk),
                Some(Unfit::Job(why)) => passed_over = passed_over.or(Some(why)),
                Some(Unfit::Method(_)) => {}
            }
        }
        if fit.is_empty() {
            // Say why a key was passed over, when one was left out for its job.
            let reason = match passed_over {
                Some(why) => format!(
                    "The key set (JWKS) has no {alg_name} key meant for signatures, and the token names no key id (kid). {why}"
                ),
                None => format!("The key set (JWKS) has no {alg_name} key, and the token names no key id (kid)."),
            };
            return SignatureCheck::Failed { reason };
        }
        fit
    };
    for jwk in &candidates {
        let Ok(decoding) = DecodingKey::from_jwk(jwk) else { continue };
        if matches!(check(&decoding), Ok(true)) {
            let how = match jwk.common.key_id.as_deref() {
                Some(kid) => format!("{alg_name}, with key \"{kid}\" from the key set"),
                None => format!("{alg_name}, with a key from the key set"),
            };
            return SignatureCheck::Verified { how };
        }
    }
    SignatureCheck::Failed { reason: MISMATCH.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::{TokenKind, read_token};
    use jsonwebtoken::{EncodingKey, Header, encode};

    fn read(text: &str) -> Jwt {
        match read_token(text) {
            Ok(TokenKind::Jwt(jwt)) => jwt,
            other => panic!("{other:?}"),
        }
    }

    fn mint(alg: Algorithm, kid: Option<&str>, key: &EncodingKey) -> Jwt {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        let claims = serde_json::json!({"sub": "user-1", "exp": 4_000_000_000_u64, "scope": "read"});
        read(&encode(&header, &claims, key).unwrap())
    }

    fn secret(text: &str) -> VerifyKey {
        VerifyKey::SharedSecret(Secret::new(text))
    }

    /// A key pair made in the test: (private PEM for signing, public PEM for checking).
    fn key_pair(alg: &'static rcgen::SignatureAlgorithm) -> (String, String) {
        let pair = rcgen::KeyPair::generate_for(alg).unwrap();
        (pair.serialize_pem(), pair.public_key_pem())
    }

    #[test]
    fn hmac_family_verifies_with_the_right_secret_only() {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let jwt = mint(alg, None, &EncodingKey::from_secret(b"correct horse battery staple"));
            let ok = verify(&jwt, Some(&secret("correct horse battery staple")));
            assert_eq!(ok, SignatureCheck::Verified { how: format!("{alg:?}, with the shared secret") });
            let wrong = verify(&jwt, Some(&secret("correct horse battery stapler")));
            assert_eq!(wrong, SignatureCheck::Failed { reason: MISMATCH.to_owned() }, "{alg:?}");
        }
    }

    #[test]
    fn public_key_algorithms_verify_with_pem() {
        let cases: [(&str, Algorithm, &'static rcgen::SignatureAlgorithm); 5] = [
            ("rs256", Algorithm::RS256, &rcgen::PKCS_RSA_SHA256),
            ("ps256", Algorithm::PS256, &rcgen::PKCS_RSA_SHA256),
            ("es256", Algorithm::ES256, &rcgen::PKCS_ECDSA_P256_SHA256),
            ("es384", Algorithm::ES384, &rcgen::PKCS_ECDSA_P384_SHA384),
            ("eddsa", Algorithm::EdDSA, &rcgen::PKCS_ED25519),
        ];
        for (name, alg, kind) in cases {
            let (private, public) = key_pair(kind);
            let signing = match alg.family() {
                AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(private.as_bytes()),
                AlgorithmFamily::Ec => EncodingKey::from_ec_pem(private.as_bytes()),
                _ => EncodingKey::from_ed_pem(private.as_bytes()),
            }
            .unwrap();
            let jwt = mint(alg, None, &signing);
            let check = verify(&jwt, Some(&VerifyKey::PublicKeyPem(public)));
            assert!(matches!(check, SignatureCheck::Verified { .. }), "{name}: {check:?}");

            let (_, other_public) = key_pair(kind);
            let check = verify(&jwt, Some(&VerifyKey::PublicKeyPem(other_public)));
            assert_eq!(check, SignatureCheck::Failed { reason: MISMATCH.to_owned() }, "{name}");
        }
    }

    #[test]
    fn a_changed_claim_fails() {
        use base64::Engine as _;
        let jwt = mint(Algorithm::HS256, None, &EncodingKey::from_secret(b"k"));
        let raw = jwt.raw().expose().to_owned();
        let parts: Vec<&str> = raw.split('.').collect();
        let forged_claims =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"sub":"admin","exp":4000000000}"#);
        let forged = read(&format!("{}.{forged_claims}.{}", parts[0], parts[2]));
        assert_eq!(verify(&forged, Some(&secret("k"))), SignatureCheck::Failed { reason: MISMATCH.to_owned() });
    }

    #[test]
    fn a_public_key_is_never_used_as_an_hmac_secret() {
        let (_, public) = key_pair(&rcgen::PKCS_ECDSA_P256_SHA256);
        // The algorithm-confusion attack: sign HS256 with the public key's text.
        let jwt = mint(Algorithm::HS256, None, &EncodingKey::from_secret(public.as_bytes()));
        let check = verify(&jwt, Some(&VerifyKey::PublicKeyPem(public)));
        assert!(matches!(check, SignatureCheck::NotChecked { .. }), "{check:?}");
        assert!(check.detail().contains("needs the shared secret, but a public key was given"));
    }

    #[test]
    fn alg_none_never_verifies_and_no_key_is_not_checked() {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let unsigned = read(&format!("{}.{}.", e.encode(r#"{"alg":"none"}"#), e.encode(r#"{"sub":"x"}"#)));
        for key in [None, Some(secret("anything"))] {
            let check = verify(&unsigned, key.as_ref());
            assert!(matches!(check, SignatureCheck::Failed { .. }), "{check:?}");
            assert!(check.detail().contains("not signed (alg: none)"));
        }
        let hs = mint(Algorithm::HS256, None, &EncodingKey::from_secret(b"k"));
        assert_eq!(
            verify(&hs, None),
            SignatureCheck::NotChecked {
                why: "No key was given. To check this HS256 signature, add the shared secret it was signed with."
                    .to_owned()
            }
        );
        let odd = read(&format!("{}.{}.c2ln", e.encode(r#"{"alg":"ES512"}"#), e.encode("{}")));
        assert_eq!(
            verify(&odd, Some(&secret("k"))),
            SignatureCheck::NotChecked { why: "Gatepass cannot check the signing method ES512.".to_owned() }
        );
    }

    #[test]
    fn key_sets_match_by_kid() {
        let (private, _) = key_pair(&rcgen::PKCS_ECDSA_P256_SHA256);
        let signing = EncodingKey::from_ec_pem(private.as_bytes()).unwrap();
        let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&signing, Algorithm::ES256).unwrap();
        jwk.common.key_id = Some("k2".to_owned());
        let (other_private, _) = key_pair(&rcgen::PKCS_ECDSA_P256_SHA256);
        let mut decoy = jsonwebtoken::jwk::Jwk::from_encoding_key(
            &EncodingKey::from_ec_pem(other_private.as_bytes()).unwrap(),
            Algorithm::ES256,
        )
        .unwrap();
        decoy.common.key_id = Some("k1".to_owned());
        let json = serde_json::json!({"keys": [
            {"kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "enc1", "n": "AQAB", "e": "AQAB"},
            {"kty": "weird"},
            decoy,
            jwk,
        ]})
        .to_string();
        let set = parse_key_set(&json).unwrap();

        let check = verify(&mint(Algorithm::ES256, Some("k2"), &signing), Some(&VerifyKey::KeySet(set.clone())));
        assert_eq!(check, SignatureCheck::Verified { how: "ES256, with key \"k2\" from the key set".to_owned() });

        let check = verify(&mint(Algorithm::ES256, Some("k1"), &signing), Some(&VerifyKey::KeySet(set.clone())));
        assert_eq!(check, SignatureCheck::Failed { reason: MISMATCH.to_owned() });

        let check = verify(&mint(Algorithm::ES256, Some("gone"), &signing), Some(&VerifyKey::KeySet(set.clone())));
        assert!(check.detail().starts_with("No key in the key set (JWKS) has the id \"gone\""), "{check:?}");

        // No kid: every key of the right kind is tried.
        let check = verify(&mint(Algorithm::ES256, None, &signing), Some(&VerifyKey::KeySet(set)));
        assert_eq!(check, SignatureCheck::Verified { how: "ES256, with key \"k2\" from the key set".to_owned() });
    }

    #[test]
    fn a_key_published_for_another_job_or_method_never_verifies() {
        use jsonwebtoken::jwk::{KeyAlgorithm, KeyOperations, PublicKeyUse};
        let (private, _) = key_pair(&rcgen::PKCS_ECDSA_P256_SHA256);
        let signing = EncodingKey::from_ec_pem(private.as_bytes()).unwrap();
        let with = |edit: &dyn Fn(&mut Jwk)| {
            let mut jwk = Jwk::from_encoding_key(&signing, Algorithm::ES256).unwrap();
            jwk.common.key_id = Some("k".to_owned());
            edit(&mut jwk);
            VerifyKey::KeySet(JwkSet { keys: vec![jwk] })
        };
        let named = mint(Algorithm::ES256, Some("k"), &signing);
        let unnamed = mint(Algorithm::ES256, None, &signing);

        // The same key bytes verify when the set says they may.
        for fine in [
            with(&|_| {}),
            with(&|k| k.common.public_key_use = Some(PublicKeyUse::Signature)),
            with(&|k| k.common.key_operations = Some(vec![KeyOperations::Verify])),
        ] {
            assert!(matches!(verify(&named, Some(&fine)), SignatureCheck::Verified { .. }));
        }

        let enc = with(&|k| k.common.public_key_use = Some(PublicKeyUse::Encryption));
        assert_eq!(
            verify(&named, Some(&enc)).detail(),
            "The key \"k\" in the key set is published for encryption (\"use\": \"enc\"), not for checking signatures, so Gatepass did not use it."
        );
        let check = verify(&unnamed, Some(&enc));
        assert!(matches!(check, SignatureCheck::Failed { .. }), "{check:?}");
        assert!(check.detail().starts_with("The key set (JWKS) has no ES256 key meant for signatures"), "{check:?}");
        assert!(check.detail().contains("published for encryption"), "{check:?}");

        let ops = with(&|k| k.common.key_operations = Some(vec![KeyOperations::Encrypt, KeyOperations::WrapKey]));
        assert_eq!(
            verify(&named, Some(&ops)).detail(),
            "The key \"k\" in the key set may only be used for encrypt, wrapKey (its \"key_ops\"), not to verify signatures, so Gatepass did not use it."
        );
        let other_use = with(&|k| k.common.public_key_use = Some(PublicKeyUse::Other("tls".to_owned())));
        assert!(verify(&named, Some(&other_use)).detail().contains("published for \"tls\""));

        let es384 = with(&|k| k.common.key_algorithm = Some(KeyAlgorithm::ES384));
        let check = verify(&named, Some(&es384));
        assert_eq!(
            check.detail(),
            "The key \"k\" in the key set is for ES384, but the token says it was signed with ES256."
        );
        assert!(matches!(check, SignatureCheck::Failed { .. }));
        let oaep = with(&|k| k.common.key_algorithm = Some(KeyAlgorithm::RSA_OAEP));
        assert!(verify(&named, Some(&oaep)).detail().contains("is for RSA-OAEP,"), "the key set's own name");
        assert_eq!(
            verify(&unnamed, Some(&es384)).detail(),
            "The key set (JWKS) has no ES256 key, and the token names no key id (kid)."
        );
    }

    #[test]
    fn key_set_errors_are_plain() {
        assert!(matches!(parse_key_set("<html>"), Err(KeySetError::NotJson(_))));
        assert_eq!(parse_key_set(r#"{"kid":"x"}"#), Err(KeySetError::NoKeysList));
        assert_eq!(parse_key_set(r#"{"keys":[{"kty":"weird"}]}"#), Err(KeySetError::NoUsableKeys));
    }
}
