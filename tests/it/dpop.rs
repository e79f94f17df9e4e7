//! DPoP proofs (RFC 9449) checked by a second implementation: PyJWT verifies each proof's ES256
//! signature with the public key its header carries, and Python recomputes `ath` and the key's
//! RFC 7638 thumbprint (what a bound token's `cnf.jkt` holds). Keys are made at run time.

use crate::common;
use gatepass::core::auth::dpop;
use gatepass::core::secret::Secret;

const CHECK: &str = r#"
import base64, hashlib, json, sys, jwt
proof, token, expected_jkt = sys.argv[1], sys.argv[2], sys.argv[3]
header = jwt.get_unverified_header(proof)
assert header["typ"] == "dpop+jwt", header
key = jwt.PyJWK(header["jwk"], algorithm="ES256")
claims = jwt.decode(proof, key.key, algorithms=["ES256"])
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
assert claims["ath"] == b64(hashlib.sha256(token.encode()).digest()), claims
jwk = header["jwk"]
canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, sort_keys=True, separators=(",", ":"))
assert b64(hashlib.sha256(canonical.encode()).digest()) == expected_jkt, "thumbprint"
assert "d" not in jwk
print(json.dumps(claims))
"#;

#[test]
fn pyjwt_verifies_a_proof_and_python_agrees_on_ath_and_the_thumbprint() {
    if !common::pyjwt_available() {
        return;
    }
    let key = dpop::generate_key().unwrap();
    let token = Secret::new(format!("at-{}", uuid::Uuid::new_v4().simple()));
    let url = url::Url::parse("https://resource.example.org/protected?x=1").unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let proof = dpop::proof(&key, "POST", &url, Some(&token), Some("server-nonce"), now).unwrap();
    let jkt = dpop::key_thumbprint(&key).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", CHECK, proof.expose(), token.expose(), &jkt])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let claims: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], "https://resource.example.org/protected");
    assert_eq!(claims["nonce"], "server-nonce");
    assert_eq!(claims["iat"], now);
    // A proof signed by another key must not pass as this key's.
    let other = dpop::generate_key().unwrap();
    assert_ne!(dpop::key_thumbprint(&other).unwrap(), jkt);
    let forged = dpop::proof(&other, "POST", &url, Some(&token), None, now).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", CHECK, forged.expose(), token.expose(), &jkt])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a proof by another key matched the thumbprint");
}
