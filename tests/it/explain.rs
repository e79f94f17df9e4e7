//! `gatepass explain` through the real binary: the exact JSON shape, text output, stdin, and
//! plain messages for files it can't read.

use crate::common;

use std::path::Path;

fn corpus(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(file).display().to_string()
}

fn explain(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    common::run_gatepass(dir.path(), &all, stdin)
}

/// A HAR with a canary key in the URL and the Authorization header; the key is put together at run time.
const EXPIRED_HAR_TEMPLATE: &str = r#"{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[
 {"startedDateTime":"2026-03-01T11:05:00Z","time":12,
  "request":{"method":"GET","url":"https://api.example.com/v1/orders?api_key={CANARY}","httpVersion":"HTTP/1.1",
    "headers":[{"name":"Authorization","value":"Bearer {CANARY}"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},
  "response":{"status":401,"statusText":"Unauthorized","httpVersion":"HTTP/1.1",
    "headers":[{"name":"WWW-Authenticate","value":"Bearer error=\"invalid_token\", error_description=\"The access token expired\""}],
    "cookies":[],"content":{"size":0,"mimeType":"text/plain","text":""},"redirectURL":"","headersSize":-1,"bodySize":0},
  "cache":{},"timings":{"send":1,"wait":10,"receive":1}},
 {"startedDateTime":"2026-03-01T11:06:00Z","request":{"method":"GET","url":"https://api.example.com/health","headers":[]},
  "response":{"status":200,"headers":[],"content":{"text":"ok"}}},
 {"startedDateTime":"2026-03-01T11:07:00Z","request":{"method":"GET","url":"https://mtls.example.com/","headers":[]},
  "response":{"status":0,"headers":[],"content":{},"_error":"net::ERR_BAD_SSL_CLIENT_AUTH_CERT"}}
]}}"#;

fn canary() -> String {
    format!("{}{}", "sk_live_", "CANARYcanary1234567890abcd")
}

fn expired_har() -> String {
    EXPIRED_HAR_TEMPLATE.replace("{CANARY}", &canary())
}

#[test]
fn json_output_has_exactly_the_documented_shape() {
    let out = explain(&["--format", "json", "-"], Some(&expired_har()));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("CANARYcanary"), "a secret leaked: {stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&json), ["entries"]);
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let mut entry_keys = keys(&entries[0]);
    entry_keys.sort();
    assert_eq!(entry_keys, ["findings", "index", "method", "status", "url"]);
    assert_eq!(entries[0]["index"], 0);
    assert_eq!(entries[0]["method"], "GET");
    assert_eq!(entries[0]["status"], 401);
    let findings = entries[0]["findings"].as_array().unwrap();
    let mut finding_keys = keys(&findings[0]);
    finding_keys.sort();
    assert_eq!(finding_keys, ["cause", "confidence", "evidence", "explanation", "next_steps", "title"]);
    assert_eq!(findings[0]["cause"], "expired_credential");
    let confidences: Vec<f64> = findings.iter().map(|f| f["confidence"].as_f64().unwrap()).collect();
    assert!(confidences.windows(2).all(|w| w[0] >= w[1]), "{confidences:?}");
    assert!(confidences.iter().all(|c| (0.0..=1.0).contains(c)));
    assert_eq!(entries[1]["findings"], serde_json::json!([]), "a 200 has no findings");
    assert_eq!(entries[2]["status"], 0);
    assert_eq!(entries[2]["findings"][0]["cause"], "mtls_certificate");
}

#[test]
fn text_output_never_holds_the_secret() {
    let out = explain(&["-"], Some(&expired_har()));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("Your key or token has expired") || stdout.contains("access token has expired"),
        "{stdout}"
    );
    assert!(stdout.contains("sk_live_…abcd"), "the fingerprint is missing: {stdout}");
    assert!(!stdout.contains("CANARYcanary"), "a secret leaked: {stdout}");
}

#[test]
fn text_output_reads_as_a_card_per_entry() {
    let out = explain(&[&corpus("stripe/test-key-live-customer.har"), "--environment", "sandbox"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("#0 GET https://api.stripe.com/"), "{stdout}");
    assert!(stdout.contains("Evidence: "), "{stdout}");
    assert!(stdout.contains("To do: "), "{stdout}");
}

#[test]
fn unreadable_input_exits_2_with_a_plain_message() {
    let out = explain(&["-"], Some("{\"log\": {\"entries\": ["));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("not valid JSON") && stderr.contains("ends too early"), "{stderr}");

    let out = explain(&["/nonexistent/file.har"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("Could not open /nonexistent/file.har"));

    let out = explain(&["-"], Some("{\"hello\": 1}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("not a HAR file"));

    let out = explain(&["--now", "yesterday", "-"], Some(&expired_har()));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("is not a time like"));
}

#[test]
fn now_overrides_each_entrys_start_time() {
    // The token in this request expires at 10:42 UTC on 1 March 2026.
    let har = expired_har()
        .replace(&format!("Bearer {}", canary()), "Bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3NzIzNjE3MjB9.c2ln");
    let before = explain(&["--format", "json", "--now", "2026-03-01T10:00:00Z", "-"], Some(&har));
    let after = explain(&["--format", "json", "--now", "2026-03-01T11:00:00Z", "-"], Some(&har));
    let read = |o: &std::process::Output| -> serde_json::Value { serde_json::from_slice(&o.stdout).unwrap() };
    let evidence = |v: &serde_json::Value| v["entries"][0]["findings"][0]["evidence"].to_string();
    assert!(!evidence(&read(&before)).contains("(exp)"), "{}", evidence(&read(&before)));
    assert!(evidence(&read(&after)).contains("(exp)"), "{}", evidence(&read(&after)));
}
