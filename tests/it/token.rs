//! `gatepass token inspect` through the real binary: reading, broken input, signatures with a
//! secret, a PEM key and a JWKS served over loopback, and tokens minted by `PyJWT` (a second,
//! independent implementation). The token itself must never appear in the output.

use crate::common;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use std::process::Output;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn inspect(args: &[&str], stdin: Option<&str>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["token", "inspect"];
    all.extend_from_slice(args);
    common::run_gatepass(dir.path(), &all, stdin)
}

fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn hs256(claims: &serde_json::Value, secret: &str) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

/// Neither the whole token nor its signature may appear anywhere in what the binary printed.
fn assert_not_leaked(out: &Output, token: &str) {
    let signature = token.rsplit('.').next().unwrap();
    for stream in [text(&out.stdout), text(&out.stderr)] {
        assert!(!stream.contains(token), "the token was printed:\n{stream}");
        assert!(signature.len() < 8 || !stream.contains(signature), "the signature was printed:\n{stream}");
    }
}

#[test]
fn inspect_explains_a_jwt_without_printing_it() {
    let token = hs256(
        &serde_json::json!({
            "iss": "https://auth.example.com/", "sub": "user-42", "aud": "orders-api",
            "exp": now_secs() + 3600, "iat": now_secs() - 60, "scope": "read:orders profile"
        }),
        "s3cret",
    );
    let out = inspect(&[&token, "--expected-scope", "write:orders", "--expected-scope", "read:orders"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("Token:      eyJ…{} (JWT, {} characters)", &token[token.len() - 4..], token.len())),
        "{stdout}"
    );
    assert!(
        stdout.contains("State:      Valid — Expires in 59 min")
            || stdout.contains("State:      Valid — Expires in 1 h"),
        "{stdout}"
    );
    assert!(stdout.contains("Issuer (iss)       who issued this pass        https://auth.example.com/"), "{stdout}");
    assert!(stdout.contains("Audience (aud)     which API it is meant for   orders-api"), "{stdout}");
    assert!(stdout.contains("Permissions (scopes): read:orders profile   (from scope)"), "{stdout}");
    assert!(stdout.contains("Missing permissions:  write:orders\n"), "{stdout}");
    assert!(stdout.contains("Signature:  Signature not checked — No key was given."), "{stdout}");
    assert_not_leaked(&out, &token);
}

#[test]
fn json_output_from_standard_input() {
    let token = hs256(&serde_json::json!({"sub": "a", "exp": now_secs() - 7200, "scp": ["x", "y"]}), "k");
    let out = inspect(&["-", "--format", "json"], Some(&format!("Bearer {token}\n")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["kind"], "jwt");
    assert_eq!(report["state"], "expired");
    assert_eq!(report["state_words"], "Expired 2 h ago");
    assert_eq!(report["scopes"], serde_json::json!(["x", "y"]));
    assert_eq!(report["signature"]["status"], "not_checked");
    assert_eq!(report["claims"]["sub"], "a");
    assert_not_leaked(&out, &token);
}

#[test]
fn broken_tokens_exit_2_with_a_plain_message() {
    let e = |s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    };
    let header = e(r#"{"alg":"HS256"}"#);
    let huge = format!("{header}.{}.c2ln", "A".repeat(100_000));
    let cases = [
        ("two parts", format!("{header}.{}", e("{}")), "it has 2 parts instead of 3"),
        ("bad base64url", format!("{header}.@@@.c2ln"), "Part 2 of the token (the claims) is not valid base64url text"),
        (
            "claims not JSON",
            format!("{header}.{}.c2ln", e("hello")),
            "Part 2 of the token (the claims) decodes, but it is not JSON",
        ),
        ("huge", huge, "This text is too large to be a token (97 KB; Gatepass reads up to 64 KB)"),
        ("empty", String::new(), "There is no token to read."),
    ];
    for (name, token, message) in cases {
        let out = inspect(&["-"], Some(&token));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}");
    }
}

#[test]
fn alg_none_and_string_times_are_read_with_warnings() {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let exp = (now_secs() + 600).to_string();
    let token = format!("{}.{}.", e.encode(r#"{"alg":"none"}"#), e.encode(format!(r#"{{"sub":"x","exp":"{exp}"}}"#)));
    let out = inspect(&[&token], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Signature:  Signature failed — The token is not signed (alg: none)"), "{stdout}");
    assert!(stdout.contains("Warning: The time \"exp\" is written as text"), "{stdout}");
    assert!(stdout.contains("State:      Valid — Expires in 9 min"), "{stdout}");
}

#[test]
fn opaque_tokens_are_explained() {
    let out = inspect(&["ghp_abcdefghijklmnopqrstuvwxyz0123459f2c"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Token:      ghp_…9f2c (opaque, 40 characters)"), "{stdout}");
    assert!(stdout.contains("Kind:       GitHub personal access token"), "{stdout}");
    assert!(stdout.contains("Gatepass cannot read its expiry or permissions here"), "{stdout}");
}

#[test]
fn shared_secret_from_standard_input() {
    let token = hs256(&serde_json::json!({"sub": "a", "exp": now_secs() + 600}), "the-right-secret");
    let out = inspect(&[&token, "--secret-stdin"], Some("the-right-secret\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Signature:  Signature verified — HS256, with the shared secret"),
        "{}",
        text(&out.stdout)
    );
    let out = inspect(&[&token, "--secret-stdin"], Some("a-wrong-secret\n"));
    assert!(
        text(&out.stdout).contains("Signature:  Signature failed — The signature does not match."),
        "{}",
        text(&out.stdout)
    );
    let out = inspect(&["-", "--secret-stdin"], Some("x"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot both come from standard input"), "{}", text(&out.stderr));
}

#[test]
fn pem_key_file() {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let signing = EncodingKey::from_ed_pem(pair.serialize_pem().as_bytes()).unwrap();
    let token = encode(&Header::new(Algorithm::EdDSA), &serde_json::json!({"sub": "a"}), &signing).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("public.pem");
    std::fs::write(&key, pair.public_key_pem()).unwrap();
    let out = inspect(&[&token, "--key", key.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Signature:  Signature verified — EdDSA, with the public key given"), "{stdout}");
    assert!(stdout.contains("State:      Never expires"), "{stdout}");
}

/// A JWKS served over loopback verifies; an address where nothing listens is "not checked".
#[test]
fn jwks_over_http_and_a_jwks_that_is_down() {
    let rt = common::runtime();
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let signing = EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).unwrap();
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&signing, Algorithm::ES256).unwrap();
    jwk.common.key_id = Some("key-2026".to_owned());
    let body = serde_json::json!({ "keys": [jwk] }).to_string();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    rt.spawn(async move { axum::serve(listener, app).await });

    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("key-2026".to_owned());
    let token = encode(&header, &serde_json::json!({"sub": "a", "exp": now_secs() + 600}), &signing).unwrap();
    let url = format!("http://{addr}/.well-known/jwks.json");
    let out = inspect(&[&token, "--jwks", &url, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signature"]["status"], "verified", "{report}");
    assert_eq!(report["signature"]["detail"], "ES256, with key \"key-2026\" from the key set");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}/jwks.json", closed.local_addr().unwrap());
    drop(closed);
    let out = inspect(&[&token, "--jwks", &down, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signature"]["status"], "not_checked", "{report}");
    let detail = report["signature"]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("The key set (JWKS) could not be fetched. The server at 127.0.0.1 refused the connection."),
        "{detail}"
    );
}

const PYJWT_MINT: &str = r#"
import json, sys, time, jwt
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519
from cryptography.hazmat.primitives import serialization
out = sys.argv[1]
now = int(time.time())
claims = {"iss": "https://pyjwt.example", "sub": "py-user", "aud": ["api"], "exp": now + 900, "iat": now, "scope": "a b"}
def pem(public):
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
tokens = {}
tokens["HS256"] = (jwt.encode(claims, "py-shared-secret-0123456789abcdef", algorithm="HS256"), None)
rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
tokens["RS256"] = (jwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": "py-rsa"}), pem(rsa_key.public_key()))
tokens["PS256"] = (jwt.encode(claims, rsa_key, algorithm="PS256"), pem(rsa_key.public_key()))
ec_key = ec.generate_private_key(ec.SECP256R1())
tokens["ES256"] = (jwt.encode(claims, ec_key, algorithm="ES256"), pem(ec_key.public_key()))
ed_key = ed25519.Ed25519PrivateKey.generate()
tokens["EdDSA"] = (jwt.encode(claims, ed_key, algorithm="EdDSA"), pem(ed_key.public_key()))
jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
jwk["kid"] = "py-rsa"
jwk["alg"] = "RS256"
with open(out + "/jwks.json", "w") as f:
    json.dump({"keys": [jwk]}, f)
for alg, (token, public) in tokens.items():
    with open(out + "/" + alg + ".jwt", "w") as f:
        f.write(token)
    if public:
        with open(out + "/" + alg + ".pem", "w") as f:
            f.write(public)
"#;

/// Interop: tokens minted by `PyJWT` are read and verified by Gatepass. tests/run.sh installs `PyJWT`
/// when missing; it may be skipped only when pip itself is unavailable (run.sh says so).
#[test]
fn tokens_minted_by_pyjwt_verify() {
    if !common::pyjwt_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let status =
        std::process::Command::new("python3").args(["-c", PYJWT_MINT, dir.path().to_str().unwrap()]).status().unwrap();
    assert!(status.success(), "the PyJWT script failed");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();

    let hs = read("HS256.jwt");
    let out = inspect(&[&hs, "--secret-stdin", "--expected-scope", "b"], Some("py-shared-secret-0123456789abcdef"));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Signature:  Signature verified — HS256, with the shared secret"), "{stdout}");
    assert!(stdout.contains("Subject (sub)      who it is for               py-user"), "{stdout}");
    assert!(stdout.contains("Permissions (scopes): a b"), "{stdout}");
    assert_not_leaked(&out, &hs);

    for alg in ["RS256", "PS256", "ES256", "EdDSA"] {
        let token = read(&format!("{alg}.jwt"));
        let key = dir.path().join(format!("{alg}.pem"));
        let out = inspect(&[&token, "--key", key.to_str().unwrap(), "--format", "json"], None);
        assert_eq!(out.status.code(), Some(0), "{alg}: {}", text(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["signature"]["status"], "verified", "{alg}: {report}");
        assert_eq!(report["algorithm"], alg);
        assert_eq!(report["state"], "valid");
        assert_eq!(report["audience"], serde_json::json!(["api"]));
    }

    let rs = read("RS256.jwt");
    let jwks = dir.path().join("jwks.json");
    let out = inspect(&[&rs, "--jwks", jwks.to_str().unwrap()], None);
    assert!(
        text(&out.stdout).contains("Signature:  Signature verified — RS256, with key \"py-rsa\" from the key set"),
        "{}",
        text(&out.stdout)
    );
    // The ES256 token checked against the RSA key: a clear failure, not a crash.
    let es = read("ES256.jwt");
    let out = inspect(&[&es, "--key", dir.path().join("RS256.pem").to_str().unwrap(), "--format", "json"], None);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(report["signature"]["status"], "verified", "{report}");
}
