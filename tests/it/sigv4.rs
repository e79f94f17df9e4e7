//! AWS Signature Version 4 against AWS's published test suite (read at run time from the
//! `aws-sigv4` crate's package, where AWS ships it) and against a server that recomputes each
//! signature with botocore, the AWS SDK for Python's signer: GET with a query, POST with a body,
//! a session token, through the workspace and through the binary. Keys are made at run time.

use crate::common;
use gatepass::core::auth::sigv4::{self, SigV4Request};
use gatepass::core::profile::{AuthMethod, AwsSigV4, Environment, Profile, ProfileId, SigV4Placement};
use gatepass::core::request::{BodyDraft, Method, RequestDraft};
use gatepass::core::secret::Secret;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::sync::Arc;

/// AWS's Signature V4 test suite, as the `aws-sigv4` package in Cargo's registry holds it.
fn test_suite() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let registry = home.join("registry").join("src");
    let mut found: Vec<PathBuf> = std::fs::read_dir(registry)
        .ok()?
        .flatten()
        .flat_map(|index| std::fs::read_dir(index.path()).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("aws-sigv4-")))
        .map(|p| p.join("aws-signing-test-suite").join("v4"))
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found.pop()
}

struct Case {
    name: String,
    method: String,
    url: url::Url,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    context: serde_json::Value,
}

/// Read `request.txt` (an HTTP request as text) and `context.json`. None for a request this
/// client cannot send as written (a header value over several lines).
fn read_case(dir: &std::path::Path) -> Option<Case> {
    let text = std::fs::read_to_string(dir.join("request.txt")).ok()?;
    let context: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("context.json")).ok()?).ok()?;
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let first = lines.next()?;
    let method = first.split(' ').next()?.to_owned();
    let target = first.strip_prefix(&format!("{method} "))?.strip_suffix(" HTTP/1.1")?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            return None;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.to_owned(), value.to_owned()));
    }
    let host = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host"))?.1.clone();
    let url = url::Url::parse(&format!("https://{host}{target}")).ok()?;
    // The signer adds these itself, from the time and the keys.
    headers.retain(|(n, _)| {
        !n.eq_ignore_ascii_case("host")
            && !n.eq_ignore_ascii_case("x-amz-date")
            && !n.eq_ignore_ascii_case("x-amz-security-token")
    });
    Some(Case {
        name: dir.file_name()?.to_string_lossy().into_owned(),
        method,
        url,
        headers,
        body: body.as_bytes().to_vec(),
        context,
    })
}

fn sign_case(case: &Case, placement: SigV4Placement) -> sigv4::SigV4Signed {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignatureLocation, SigningSettings,
        UriPathNormalizationMode,
    };
    let c = &case.context;
    let settings = AwsSigV4 {
        access_key_id: c["credentials"]["access_key_id"].as_str().unwrap().to_owned(),
        region: c["region"].as_str().unwrap().to_owned(),
        service: c["service"].as_str().unwrap().to_owned(),
        placement,
        ..AwsSigV4::new(&ProfileId("suite".into()))
    };
    let secret = Secret::new(c["credentials"]["secret_access_key"].as_str().unwrap());
    let token = c["credentials"]["token"].as_str().map(Secret::new);
    let time: std::time::SystemTime =
        time::OffsetDateTime::parse(c["timestamp"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap()
            .into();
    let mut signing = SigningSettings::default();
    signing.uri_path_normalization_mode = if c["normalize"].as_bool().unwrap_or(true) {
        UriPathNormalizationMode::Enabled
    } else {
        UriPathNormalizationMode::Disabled
    };
    // The suite's canonical paths encode a path once (as S3 signs): a path with escapes in it
    // is signed that way; other services' double encoding is checked by botocore below.
    if case.url.path().contains('%') {
        signing.percent_encoding_mode = PercentEncodingMode::Single;
    }
    if c["omit_session_token"].as_bool().unwrap_or(false) {
        signing.session_token_mode = SessionTokenMode::Exclude;
    }
    if c["sign_body"].as_bool().unwrap_or(false) {
        signing.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    if placement == SigV4Placement::Query {
        signing.signature_location = SignatureLocation::QueryParams;
        signing.expires_in = Some(std::time::Duration::from_secs(c["expiration_in_seconds"].as_u64().unwrap_or(3600)));
    }
    let request = SigV4Request { method: &case.method, url: &case.url, headers: &case.headers, body: &case.body };
    sigv4::sign_with(&settings, &secret, token.as_ref(), request, time, signing).unwrap()
}

/// Every case of AWS's suite that a client can send: Gatepass's signature (through its own
/// request model and the signer it uses) must be AWS's, in the header and as a presigned URL.
#[test]
fn aws_published_test_suite() {
    let Some(suite) = test_suite() else {
        eprintln!("skipped: AWS's SigV4 test suite was not found in Cargo's registry (the aws-sigv4 package ships it)");
        return;
    };
    let mut checked = Vec::new();
    let mut left_out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&suite).unwrap().flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        if !dir.join("context.json").exists() {
            left_out.push(format!("{} (no context.json: the signer's own case, keys not given)", dir.display()));
            continue;
        }
        let Some(case) = read_case(&dir) else {
            left_out.push(format!("{} (a header value over several lines cannot be sent)", dir.display()));
            continue;
        };
        // The address is parsed as every client parses it: "/./" and "//" are normalised before
        // anything is sent, so a signature over the path as typed cannot be sent at all.
        if case.context["normalize"].as_bool() == Some(false) && case.name.contains("unnormalized") {
            left_out.push(format!("{} (an unnormalised path cannot be sent)", case.name));
            continue;
        }
        let header = std::fs::read_to_string(dir.join("header-signed-request.txt")).unwrap();
        let expected = header.lines().find_map(|l| l.strip_prefix("Authorization:")).unwrap().trim().to_owned();
        let signed = sign_case(&case, SigV4Placement::Header);
        assert_eq!(signed.authorization.as_ref().map(|a| a.expose().to_owned()), Some(expected), "{}", case.name);
        if let Ok(query) = std::fs::read_to_string(dir.join("query-signature.txt")) {
            let presigned = sign_case(&case, SigV4Placement::Query);
            assert_eq!(presigned.signature.expose(), query.trim(), "{} (presigned)", case.name);
        }
        checked.push(case.name);
    }
    eprintln!("checked {} cases; left out: {left_out:?}", checked.len());
    assert!(checked.len() >= 25, "only {} cases were checked: {checked:?}", checked.len());
    for must in ["get-vanilla", "get-vanilla-query-order-key-case", "post-x-www-form-urlencoded", "get-utf8"] {
        assert!(checked.iter().any(|c| c == must), "{must} was not checked: {checked:?}");
    }
}

/// botocore's signature check as a loopback server, stopped by its PID when dropped.
struct Botocore {
    child: std::process::Child,
    port: u16,
}

impl Drop for Botocore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn botocore(access_key_id: &str, secret: &str) -> Option<Botocore> {
    botocore_with_clock(access_key_id, secret, 0)
}

/// The same server with its clock `offset_secs` away from this computer's.
fn botocore_with_clock(access_key_id: &str, secret: &str, offset_secs: i64) -> Option<Botocore> {
    let available = std::process::Command::new("python3")
        .args(["-c", "import botocore"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        if let Some(reason) = std::env::var_os("GATEPASS_SKIP_BOTOCORE") {
            eprintln!("skipped: botocore is not available ({})", reason.to_string_lossy());
            return None;
        }
        assert!(
            !common::real_keychain_expected(),
            "tests/run.sh should have installed botocore (pip install botocore)"
        );
        eprintln!("skipped: botocore is not installed; tests/run.sh installs it");
        return None;
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sigv4/botocore_server.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .env("GATEPASS_AWS_ACCESS_KEY_ID", access_key_id)
        .env("GATEPASS_AWS_SECRET_ACCESS_KEY", secret)
        .env("GATEPASS_SERVER_CLOCK_OFFSET_SECS", offset_secs.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let port = first.trim().parse().unwrap();
    Some(Botocore { child, port })
}

/// A made-up key pair of AWS's shape, fresh for each run.
fn keys() -> (String, String) {
    let id: String = uuid::Uuid::new_v4().simple().to_string().to_uppercase().chars().take(16).collect();
    (format!("GPTEST{id}"), format!("{}/{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()))
}

fn aws_profile(base: &str, key_id: &str, service: &str, placement: SigV4Placement) -> Profile {
    let mut profile = Profile::new("AWS", Environment::Sandbox, base);
    let settings = AwsSigV4 {
        access_key_id: key_id.to_owned(),
        region: "eu-west-1".to_owned(),
        service: service.to_owned(),
        placement,
        ..AwsSigV4::new(&profile.id)
    };
    profile.auth = AuthMethod::AwsSigV4(settings);
    profile
}

fn status_and_body(outcome: gatepass::workspace::SendOutcome) -> (u16, serde_json::Value) {
    let (status, body) = common::response_of(outcome);
    (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)))
}

#[test]
fn botocore_accepts_gets_posts_and_a_session_token() {
    let (key_id, secret) = keys();
    let Some(server) = botocore(&key_id, &secret) else { return };
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws: Arc<gatepass::workspace::Workspace> = common::workspace(dir.path());
    let profile =
        aws_profile(&format!("http://127.0.0.1:{}", server.port), &key_id, "execute-api", SigV4Placement::Header);
    ws.save_profile(&profile, Some(&Secret::new(&secret))).unwrap();

    let draft = RequestDraft::get("/prod/items?b=2&a=1&q=a%20b&empty=");
    let (status, body) = status_and_body(common::send_draft(&rt, &ws, &profile.id, draft).unwrap());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["path"], "/prod/items?b=2&a=1&q=a%20b&empty=");

    let post = RequestDraft {
        method: Method::Post,
        url: "/prod/orders/ünï".to_owned(),
        body: BodyDraft::Json { text: r#"{"order": 42}"#.to_owned() },
        ..RequestDraft::default()
    };
    let (status, body) = status_and_body(common::send_draft(&rt, &ws, &profile.id, post.clone()).unwrap());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["body"], r#"{"order": 42}"#);
    assert!(body["signed_headers"].as_array().unwrap().iter().any(|h| h == "content-type"), "{body}");

    // Temporary credentials: the session token rides along, signed.
    let AuthMethod::AwsSigV4(settings) = &profile.auth else { unreachable!() };
    ws.set_profile_secret(&profile.id, &settings.session_token, &Secret::new("session-token-for-this-test")).unwrap();
    let (status, body) = status_and_body(common::send_draft(&rt, &ws, &profile.id, post).unwrap());
    assert_eq!((status, &body["session_token"]), (200, &serde_json::Value::Bool(true)), "{body}");

    // A wrong secret is refused by botocore's check: the test can fail.
    ws.save_profile(&profile, Some(&Secret::new("not-the-secret"))).unwrap();
    let (status, body) = status_and_body(common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/x")).unwrap());
    assert_eq!((status, &body["error"]), (403, &serde_json::Value::from("SignatureDoesNotMatch")));
}

#[test]
fn the_record_shows_the_signature_masked_and_never_the_secret() {
    let (key_id, secret) = keys();
    let Some(server) = botocore(&key_id, &secret) else { return };
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = aws_profile(&format!("http://127.0.0.1:{}", server.port), &key_id, "sqs", SigV4Placement::Header);
    ws.save_profile(&profile, Some(&Secret::new(&secret))).unwrap();
    let outcome = common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/queue")).unwrap();
    let gatepass::workspace::SendOutcome::Sent { exchange, .. } = outcome else { panic!("not sent") };
    let record = format!("{:?}", exchange.record);
    assert!(record.contains("in header Authorization"), "{record}");
    assert!(record.contains("X-Amz-Date"), "{record}");
    assert!(!record.contains(&secret), "{record}");
    let history = ws.recent_history(5).unwrap();
    assert!(!format!("{history:?}").contains(&secret));
}

#[test]
fn a_clock_far_off_is_named_as_the_likely_cause() {
    let (key_id, secret) = keys();
    let Some(server) = botocore_with_clock(&key_id, &secret, 3600) else { return };
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = aws_profile(&format!("http://127.0.0.1:{}", server.port), &key_id, "s3", SigV4Placement::Header);
    ws.save_profile(&profile, Some(&Secret::new(&secret))).unwrap();
    let outcome = common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/bucket/key")).unwrap();
    let gatepass::workspace::SendOutcome::Sent { exchange, explained, .. } = outcome else { panic!("not sent") };
    assert_eq!(exchange.status(), Some(403));
    let top = &explained.diagnosis.findings[0];
    assert_eq!(top.cause, gatepass::core::diagnose::Cause::ClockSkew, "{top:?}");
    assert_eq!(top.title, "Your computer's clock seems to be off");
}

#[test]
fn a_region_that_does_not_match_the_host_is_said_before_sending() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    // Nothing listens there: the refusal must come before any connection is tried.
    let profile = aws_profile("https://sqs.us-east-2.amazonaws.com", "GPTESTKEY", "sqs", SigV4Placement::Header);
    ws.save_profile(&profile, Some(&Secret::new("secret"))).unwrap();
    let error = common::send_draft(&rt, &ws, &profile.id, RequestDraft::get("/123/queue")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "The profile signs for the region eu-west-1, but the address sqs.us-east-2.amazonaws.com is in us-east-2. AWS would refuse the signature: set the profile's region to us-east-2, or use an address in eu-west-1."
    );
    assert!(ws.recent_history(5).unwrap().is_empty(), "nothing was sent");
}

#[test]
fn the_binary_adds_an_aws_profile_with_a_session_token_and_sends() {
    if common::skip_without_keychain() {
        return;
    }
    let (key_id, secret) = keys();
    let Some(server) = botocore(&key_id, &secret) else { return };
    let config = tempfile::tempdir().unwrap();
    let base = format!("http://127.0.0.1:{}", server.port);
    let out = common::run_gatepass(
        config.path(),
        &[
            "profile",
            "add",
            "AWS API",
            "--base-url",
            &base,
            "--auth",
            "aws-sigv4",
            "--access-key-id",
            &key_id,
            "--region",
            "eu-west-1",
            "--service",
            "execute-api",
            "--session-token-stdin",
        ],
        Some(&format!("{secret}\nsession-token-from-stdin\n")),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = common::run_gatepass(config.path(), &["profile", "show", "AWS API"], None);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("Region:          eu-west-1"), "{text}");
    assert!(!text.contains(&secret), "{text}");
    let sent = common::run_gatepass(
        config.path(),
        &[
            "send",
            "--profile",
            "AWS API",
            "-X",
            "POST",
            "-d",
            "{\"a\": 1}",
            "-H",
            "Content-Type: application/json",
            "/prod/x?y=1",
        ],
        None,
    );
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert!(sent.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&sent.stderr));
    assert!(stdout.contains("\"ok\": true") || stdout.contains("\"ok\":true"), "{stdout}");
    assert!(stdout.contains("\"session_token\": true") || stdout.contains("\"session_token\":true"), "{stdout}");
    for (path, bytes) in common::all_files(config.path()) {
        assert!(!common::contains(&bytes, &secret), "{} holds the secret access key", path.display());
        assert!(!common::contains(&bytes, "session-token-from-stdin"), "{} holds the session token", path.display());
    }
}
