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

struct Server {
    child: std::process::Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dpop_api(token: &str, jkt: &str) -> Server {
    use std::io::BufRead as _;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dpop/pyjwt_server.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .env("GATEPASS_DPOP_TOKEN", token)
        .env("GATEPASS_DPOP_JKT", jkt)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    Server { port: first.trim().parse().unwrap(), child }
}

/// A bearer profile with a `DPoP` key: each request carries a fresh proof; the API's nonce is
/// answered and the request sent once more; the record masks both the token and the proof.
#[test]
fn api_requests_carry_a_fresh_proof_and_answer_the_nonce() {
    use gatepass::core::profile::{AuthKind, AuthMethod, Environment, Profile};
    if !common::pyjwt_available() {
        return;
    }
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let token = format!("dpop-bound-{}", uuid::Uuid::new_v4().simple());
    let mut profile = Profile::new("DPoP", Environment::Sandbox, "http://127.0.0.1:1");
    profile.auth = AuthMethod::new_of_kind(AuthKind::Bearer, &profile.id);
    ws.save_profile(&profile, Some(&Secret::new(&token))).unwrap();
    let jkt = ws.new_dpop_key(&profile).unwrap();
    let server = dpop_api(&token, &jkt);
    let mut profile = ws.profile_named("DPoP").unwrap();
    assert_eq!(ws.dpop_thumbprint(&profile).unwrap().as_deref(), Some(jkt.as_str()));
    profile.base_url = format!("http://127.0.0.1:{}", server.port);
    ws.save_profile(&profile, None).unwrap();
    for _ in 0..2 {
        let outcome =
            common::send_draft(&rt, &ws, &profile.id, gatepass::core::request::RequestDraft::get("/protected?x=1"))
                .unwrap();
        let gatepass::workspace::SendOutcome::Sent { exchange, .. } = outcome else { panic!("not sent") };
        let record = format!("{:?}", exchange.record);
        let gatepass::core::exchange::Outcome::Response(response) = exchange.outcome else { panic!("failed") };
        assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
        assert!(!record.contains(&token), "{record}");
        assert!(!record.contains("eyJ0eXAiOiJkcG9wK2p3dCI"), "the proof is masked: {record}");
    }
}

#[test]
fn the_binary_makes_a_dpop_key_and_shows_its_thumbprint() {
    if common::skip_without_keychain() {
        return;
    }
    let config = tempfile::tempdir().unwrap();
    let out = common::run_gatepass(
        config.path(),
        &["profile", "add", "Bound", "--base-url", "https://api.example.com", "--auth", "bearer", "--dpop"],
        Some("a-dpop-bound-token\n"),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let jkt =
        stdout.split("cnf.jkt = ").nth(1).unwrap().split_whitespace().next().unwrap().trim_end_matches('.').to_owned();
    assert_eq!(jkt.len(), 43, "{stdout}");
    let shown = common::run_gatepass(config.path(), &["profile", "show", "Bound"], None);
    assert!(String::from_utf8_lossy(&shown.stdout).contains(&format!("thumbprint (cnf.jkt) {jkt}")));
    for (path, bytes) in common::all_files(config.path()) {
        assert!(!common::contains(&bytes, "PRIVATE KEY"), "{} holds the DPoP key", path.display());
    }
    let refused = common::run_gatepass(
        config.path(),
        &["profile", "add", "Other", "--base-url", "https://api.example.com", "--auth", "api-key", "--dpop"],
        Some("k\n"),
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("--dpop binds an access token to a key, so it goes with --auth bearer or an OAuth sign-in")
    );
}

/// The token inspector reads a bound token's `cnf.jkt` and says whether it is this profile's key.
#[test]
fn the_inspector_compares_cnf_jkt_with_the_profiles_key() {
    use gatepass::core::profile::{AuthKind, AuthMethod, Environment, Profile};
    if common::skip_without_keychain() {
        return;
    }
    let config = tempfile::tempdir().unwrap();
    let ws = common::workspace_at(config.path());
    ws.connect_keychain().unwrap();
    let mut profile = Profile::new("Bound", Environment::Sandbox, "https://api.example.com");
    profile.auth = AuthMethod::new_of_kind(AuthKind::Bearer, &profile.id);
    ws.save_profile(&profile, Some(&Secret::new("placeholder-token"))).unwrap();
    let jkt = ws.new_dpop_key(&profile).unwrap();
    let profile = ws.profile_named("Bound").unwrap();
    let token_with = |jkt: &str| {
        let claims = serde_json::json!({ "sub": "me", "exp": 4_000_000_000_i64, "cnf": { "jkt": jkt } });
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"test-signing-secret"),
        )
        .unwrap()
    };
    for (bound_to, matches) in [(jkt.clone(), true), ("x".repeat(43), false)] {
        ws.save_profile(&profile, Some(&Secret::new(token_with(&bound_to)))).unwrap();
        let out =
            common::run_gatepass(config.path(), &["token", "inspect", "--profile", "Bound", "--format", "json"], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["dpop"]["jkt"], bound_to.as_str());
        assert_eq!(report["dpop"]["matches_profile_key"], matches, "{report}");
    }
}
