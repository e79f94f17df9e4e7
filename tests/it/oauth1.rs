//! OAuth 1.0a against Python's `oauthlib` as the server (`SignatureOnlyEndpoint`): each
//! signature method, the parameters in the header, the query and a form body, with and without
//! a token, a wrong secret refused, a server clock far off named as the likely cause, and the
//! binary end to end with the real keychain. Keys are made at run time.

use crate::common;
use gatepass::core::profile::{AuthMethod, Environment, OAuth1, OAuth1Method, OAuth1Placement, Profile};
use gatepass::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use gatepass::core::secret::Secret;
use std::io::BufRead as _;

struct Oauthlib {
    child: std::process::Child,
    port: u16,
}

impl Drop for Oauthlib {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Keys {
    key: String,
    secret: String,
    token: String,
    token_secret: String,
}

fn keys() -> Keys {
    let fresh = || uuid::Uuid::new_v4().simple().to_string();
    Keys { key: format!("ck{}", fresh()), secret: fresh(), token: format!("tk{}", fresh()), token_secret: fresh() }
}

fn oauthlib(keys: &Keys, clock_offset_secs: i64) -> Option<Oauthlib> {
    oauthlib_with(keys, clock_offset_secs, None)
}

/// With `rsa_key_out`, the server makes an RSA key pair and writes the private key there.
fn oauthlib_with(keys: &Keys, clock_offset_secs: i64, rsa_key_out: Option<&std::path::Path>) -> Option<Oauthlib> {
    let modules = if rsa_key_out.is_some() { "import oauthlib, cryptography" } else { "import oauthlib" };
    let available =
        std::process::Command::new("python3").args(["-c", modules]).output().is_ok_and(|o| o.status.success());
    if !available {
        if let Some(reason) = std::env::var_os("GATEPASS_SKIP_OAUTHLIB") {
            eprintln!("skipped: oauthlib is not available ({})", reason.to_string_lossy());
            return None;
        }
        assert!(
            !common::real_keychain_expected(),
            "tests/run.sh should have installed oauthlib (pip install oauthlib)"
        );
        eprintln!("skipped: oauthlib is not installed; tests/run.sh installs it");
        return None;
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oauth1/oauthlib_server.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .env("GATEPASS_OAUTH1_CONSUMER_KEY", &keys.key)
        .env("GATEPASS_OAUTH1_CONSUMER_SECRET", &keys.secret)
        .env("GATEPASS_OAUTH1_TOKEN", &keys.token)
        .env("GATEPASS_OAUTH1_TOKEN_SECRET", &keys.token_secret)
        .env("GATEPASS_SERVER_CLOCK_OFFSET_SECS", clock_offset_secs.to_string())
        .envs(rsa_key_out.map(|path| ("GATEPASS_OAUTH1_RSA_KEY_OUT", path.as_os_str())))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let port = first.trim().parse().unwrap();
    Some(Oauthlib { child, port })
}

fn profile(server: &Oauthlib, keys: &Keys, method: OAuth1Method, placement: OAuth1Placement, token: bool) -> Profile {
    let mut profile = Profile::new("OAuth 1", Environment::Sandbox, format!("http://127.0.0.1:{}", server.port));
    profile.auth = AuthMethod::OAuth1(OAuth1 {
        consumer_key: keys.key.clone(),
        token: if token { keys.token.clone() } else { String::new() },
        method,
        placement,
        ..OAuth1::new(&profile.id)
    });
    profile
}

fn form_post(url: &str) -> RequestDraft {
    RequestDraft {
        method: Method::Post,
        url: url.to_owned(),
        body: BodyDraft::Form {
            fields: vec![KeyValue::new("status", "Hello Ladies + Gentlemen, a signed OAuth request!")],
        },
        ..RequestDraft::default()
    }
}

#[rstest::rstest]
#[case::hmac_sha1_header(OAuth1Method::HmacSha1, OAuth1Placement::Header)]
#[case::hmac_sha256_header(OAuth1Method::HmacSha256, OAuth1Placement::Header)]
#[case::plaintext_header(OAuth1Method::Plaintext, OAuth1Placement::Header)]
#[case::hmac_sha1_query(OAuth1Method::HmacSha1, OAuth1Placement::Query)]
#[case::hmac_sha256_body(OAuth1Method::HmacSha256, OAuth1Placement::Body)]
fn oauthlib_accepts_each_method_and_placement(#[case] method: OAuth1Method, #[case] placement: OAuth1Placement) {
    let keys = keys();
    let Some(server) = oauthlib(&keys, 0) else { return };
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = profile(&server, &keys, method, placement, true);
    ws.save_profile(&profile, Some(&Secret::new(&keys.secret))).unwrap();
    let AuthMethod::OAuth1(settings) = &profile.auth else { unreachable!() };
    ws.set_profile_secret(&profile.id, &settings.token_secret, &Secret::new(&keys.token_secret)).unwrap();

    // A query with characters that need encoding, and a form body: both are signed.
    let (status, body) = common::response_of(
        common::send_draft(
            &rt,
            &ws,
            &profile.id,
            form_post("/1.1/statuses/update.json?include_entities=true&q=a%20b%2Bc"),
        )
        .unwrap(),
    );
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["token"], keys.token.as_str());
    assert_eq!(answer["signature_method"], method.name());
    if placement != OAuth1Placement::Body {
        let (status, body) = common::response_of(
            common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/1.1/account?x=%E2%9C%93")).unwrap(),
        );
        assert_eq!(status, 200, "{body}");
    }
}

/// RSA-SHA1 (RFC 5849 §3.4.3): the consumer's RSA private key (made by the server, with
/// Python's `cryptography`) signs; oauthlib checks with the public key. A secret that is not an
/// RSA key is named before anything is sent.
#[test]
fn rsa_sha1_is_checked_by_oauthlib_with_the_public_key() {
    let keys = keys();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("consumer-key.pem");
    let Some(server) = oauthlib_with(&keys, 0, Some(&key_file)) else { return };
    let rt = common::runtime();
    let ws = common::workspace(dir.path());
    let private_key = std::fs::read_to_string(&key_file).unwrap();
    let profile = profile(&server, &keys, OAuth1Method::RsaSha1, OAuth1Placement::Header, true);
    ws.save_profile(&profile, Some(&Secret::new(&private_key))).unwrap();
    for draft in [RequestDraft::get("/1.1/account?x=%E2%9C%93"), form_post("/1.1/statuses/update.json?a=b")] {
        let (status, body) = common::response_of(common::send_draft(&rt, &ws, &profile.id, draft).unwrap());
        assert_eq!(status, 200, "{body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (answer["signature_method"].as_str(), answer["token"].as_str()),
            (Some("RSA-SHA1"), Some(keys.token.as_str()))
        );
    }
    // A consumer secret in place of the key.
    ws.save_profile(&profile, Some(&Secret::new(&keys.secret))).unwrap();
    let refused = common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/1.1/account"));
    let said = match refused {
        Err(e) => e.to_string(),
        Ok(outcome) => panic!("sent with a secret that is no RSA key: {:?}", common::response_of(outcome)),
    };
    assert!(said.contains("RSA-SHA1 signs with the consumer's RSA private key"), "{said}");
}

#[test]
fn consumer_only_requests_and_a_wrong_secret() {
    let keys = keys();
    let Some(server) = oauthlib(&keys, 0) else { return };
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = profile(&server, &keys, OAuth1Method::HmacSha1, OAuth1Placement::Header, false);
    ws.save_profile(&profile, Some(&Secret::new(&keys.secret))).unwrap();
    let (status, body) =
        common::response_of(common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/two-legged")).unwrap());
    assert_eq!(status, 200, "{body}");
    // The record names the signature and never holds the secret.
    ws.save_profile(&profile, Some(&Secret::new("not-the-secret"))).unwrap();
    let outcome = common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/two-legged")).unwrap();
    let gatepass::workspace::SendOutcome::Sent { exchange, .. } = outcome else { panic!("not sent") };
    assert_eq!(exchange.status(), Some(401));
    let record = format!("{:?}", exchange.record);
    assert!(record.contains("OAuth 1.0a signature (HMAC-SHA1"), "{record}");
    assert!(!record.contains(&keys.secret) && !record.contains("not-the-secret"), "{record}");
}

#[test]
fn a_refused_timestamp_is_explained_as_the_clock() {
    let keys = keys();
    let Some(server) = oauthlib(&keys, 3600) else { return };
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = profile(&server, &keys, OAuth1Method::HmacSha1, OAuth1Placement::Header, false);
    ws.save_profile(&profile, Some(&Secret::new(&keys.secret))).unwrap();
    let outcome = common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/x")).unwrap();
    let gatepass::workspace::SendOutcome::Sent { exchange, explained, .. } = outcome else { panic!("not sent") };
    assert_eq!(exchange.status(), Some(401));
    let top = &explained.diagnosis.findings[0];
    assert_eq!(top.cause, gatepass::core::diagnose::Cause::ClockSkew, "{:#?}", explained.diagnosis.findings);
}

#[test]
fn body_placement_needs_a_form_body() {
    let keys = keys();
    let Some(server) = oauthlib(&keys, 0) else { return };
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = profile(&server, &keys, OAuth1Method::HmacSha1, OAuth1Placement::Body, false);
    ws.save_profile(&profile, Some(&Secret::new(&keys.secret))).unwrap();
    let error = common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/x")).unwrap_err();
    assert!(error.to_string().starts_with("This profile sends its OAuth 1 parameters in the body"), "{error}");
}

#[test]
fn the_binary_adds_an_oauth1_profile_and_sends() {
    if common::skip_without_keychain() {
        return;
    }
    let keys = keys();
    let Some(server) = oauthlib(&keys, 0) else { return };
    let config = tempfile::tempdir().unwrap();
    let base = format!("http://127.0.0.1:{}", server.port);
    let out = common::run_gatepass(
        config.path(),
        &[
            "profile",
            "add",
            "X API",
            "--base-url",
            &base,
            "--auth",
            "oauth1",
            "--consumer-key",
            &keys.key,
            "--token",
            &keys.token,
            "--signature-method",
            "HMAC-SHA256",
        ],
        Some(&format!("{}\n{}\n", keys.secret, keys.token_secret)),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sent = common::run_gatepass(config.path(), &["send", "--profile", "X API", "/1.1/account?x=1"], None);
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert!(sent.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&sent.stderr));
    assert!(stdout.contains("\"ok\": true"), "{stdout}");
    for (path, bytes) in common::all_files(config.path()) {
        assert!(!common::contains(&bytes, &keys.secret), "{} holds the consumer secret", path.display());
        assert!(!common::contains(&bytes, &keys.token_secret), "{} holds the token secret", path.display());
    }
    let rsa = common::run_gatepass(
        config.path(),
        &[
            "profile",
            "add",
            "RSA",
            "--base-url",
            &base,
            "--auth",
            "oauth1",
            "--consumer-key",
            "k",
            "--signature-method",
            "RSA-SHA1",
        ],
        Some("x\n"),
    );
    assert!(!rsa.status.success());
    assert!(
        String::from_utf8_lossy(&rsa.stderr).contains("RSA-SHA1 signs with the consumer's RSA private key"),
        "{}",
        String::from_utf8_lossy(&rsa.stderr)
    );
}
