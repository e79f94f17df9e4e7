//! The one credential rule, end to end: canary keys in unusual places masked in every surface of
//! the binary, redirects between two loopback origins (`127.0.0.1` → `localhost`) that keep
//! nothing secret, `send --format json` / `--dry-run`, and file modes.

use crate::common;

use gatepass::core::exchange::{Outcome, RequestId, TransportError};
use gatepass::core::profile::{AuthMethod, Environment, KeyPlacement, Profile, SecretRef};
use gatepass::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use gatepass::core::secret::Secret;
use gatepass::practice::PracticeEnv;
use gatepass::workspace::{ForeignHostChoice, SendOutcome, SendRequest, Workspace};
use std::sync::Arc;

/// A canary made at run time, so the source holds nothing key-shaped.
fn canary(tag: &str) -> String {
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("gp_test_{tag}{stamp:x}Zq8RmT2v")
}

fn send(rt: &tokio::runtime::Runtime, ws: &Arc<Workspace>, profile: &Profile, draft: RequestDraft) -> SendOutcome {
    let request = SendRequest {
        id: RequestId(3),
        profile: profile.id.clone(),
        draft,
        production_write_confirmed: false,
        foreign_host: ForeignHostChoice::Ask,
        origin: gatepass::workspace::SendOrigin::Manual,
        required_scopes: Vec::new(),
    };
    rt.block_on(ws.send(request)).unwrap()
}

fn echo_of(outcome: &SendOutcome) -> serde_json::Value {
    let SendOutcome::Sent { exchange, .. } = outcome else { panic!("needs confirmation") };
    match &exchange.outcome {
        Outcome::Response(r) => serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null),
        Outcome::Failed(e) => panic!("transport failure: {e}"),
    }
}

fn key_profile(ws: &Workspace, base: &str, placement: KeyPlacement, name: &str, key: &str) -> Profile {
    let mut profile = Profile::new(format!("Redirects {name} {placement:?}"), Environment::Sandbox, base);
    profile.auth = AuthMethod::ApiKey { name: name.into(), placement, key: SecretRef::for_profile(&profile.id, "k") };
    ws.save_profile(&profile, Some(&Secret::new(key))).unwrap();
    profile
}

#[test]
fn a_redirect_to_another_origin_keeps_every_credential_behind_and_the_same_origin_keeps_them() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let base = server.base_url(PracticeEnv::Sandbox);
    assert!(base.contains("127.0.0.1"), "{base}");
    let key = canary("KEY");
    let typed = canary("TYPED");
    for placement in [KeyPlacement::Header, KeyPlacement::Query] {
        let profile = key_profile(&ws, &base, placement, "X-Api-Key", &key);
        let mut draft = RequestDraft::get("/v1/redirect-away");
        draft.headers.push(KeyValue::new("X-Auth-Key", &typed));
        draft.headers.push(KeyValue::new("Cookie", format!("sid={typed}")));

        // 127.0.0.1 → localhost: another origin. Nothing secret reaches it.
        let outcome = send(&rt, &ws, &profile, draft.clone());
        let echo = echo_of(&outcome);
        let headers = &echo["headers"];
        assert!(headers.get("x-api-key").is_none(), "{placement:?}: {echo}");
        assert!(headers.get("x-auth-key").is_none(), "{placement:?}: {echo}");
        assert!(headers.get("cookie").is_none(), "{placement:?}: {echo}");
        assert!(echo["query"].get("X-Api-Key").is_none(), "{placement:?}: {echo}");
        let SendOutcome::Sent { exchange, .. } = &outcome else { unreachable!() };
        assert_eq!(exchange.redirects.len(), 1);
        let hop = &exchange.redirects[0];
        assert!(hop.other_origin);
        assert!(hop.to.contains("localhost"), "{}", hop.to);
        assert_eq!(hop.not_sent[0], "your API key");
        assert!(hop.not_sent.contains(&"the X-Auth-Key header".to_owned()), "{:?}", hop.not_sent);
        assert!(hop.not_sent.contains(&"cookies".to_owned()), "{:?}", hop.not_sent);
        assert!(
            hop.words().contains(": your API key, the X-Auth-Key header and cookies were not sent on"),
            "{}",
            hop.words()
        );
        let shown = format!("{exchange:?}");
        assert!(!shown.contains(&key[8..]) && !shown.contains(&typed[8..]), "{shown}");

        // 127.0.0.1 → 127.0.0.1: the same origin keeps them all.
        draft.url = "/v1/redirect-away?to=same".into();
        let echo = echo_of(&send(&rt, &ws, &profile, draft));
        let headers = &echo["headers"];
        // (A key in the query rides in the address, which the API's Location replaces.)
        if placement == KeyPlacement::Header {
            assert!(headers.get("x-api-key").is_some(), "{echo}");
        }
        assert!(headers.get("x-auth-key").is_some(), "{echo}");
        assert!(headers.get("cookie").is_some(), "{echo}");
        ws.delete_profile(&profile.id).unwrap();
    }
}

#[test]
fn a_body_with_a_filled_in_secret_is_never_resent_to_another_origin() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let base = server.base_url(PracticeEnv::Sandbox);
    let mut profile = Profile::new("Body secret", Environment::Sandbox, &base);
    ws.save_profile(&profile, None).unwrap();
    let secret = canary("BODY");
    ws.set_secret_variable(&profile.id, "client_secret", &Secret::new(&secret)).unwrap();
    profile = ws.profile_named("Body secret").unwrap();
    let body = BodyDraft::Json { text: r#"{"client_secret":"{{secret:client_secret}}"}"#.into() };
    let post = |url: &str| RequestDraft { method: Method::Post, body: body.clone(), ..RequestDraft::get(url) };

    for status in [307, 308] {
        let outcome = send(&rt, &ws, &profile, post(&format!("/v1/redirect-away?status={status}")));
        let SendOutcome::Sent { exchange, .. } = outcome else { panic!("needs confirmation") };
        match &exchange.outcome {
            Outcome::Failed(error @ TransportError::RedirectWouldResendSecret { origin, status: s }) => {
                assert!(origin.contains("localhost"), "{origin}");
                assert_eq!(*s, status);
                assert!(error.to_string().contains("stopped instead of sending it to another host"), "{error}");
            }
            other => panic!("{status}: the body went on: {other:?}"),
        }
    }
    // A 302 turns the POST into a GET without a body: nothing secret goes on.
    let echo = echo_of(&send(&rt, &ws, &profile, post("/v1/redirect-away?status=302")));
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["body_length"], 0);
    // The same origin gets the body again on a 307.
    let echo = echo_of(&send(&rt, &ws, &profile, post("/v1/redirect-away?status=307&to=same")));
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body_length"], serde_json::json!(r#"{"client_secret":""}"#.len() + secret.len()));
}

#[test]
fn a_typed_credential_header_obeys_the_allowed_hosts() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let base = server.base_url(PracticeEnv::Sandbox);
    let profile = Profile::new("No auth", Environment::Sandbox, &base);
    ws.save_profile(&profile, None).unwrap();
    let other = base.replace("127.0.0.1", "localhost");
    let mut draft = RequestDraft::get(format!("{other}/v1/echo"));
    draft.headers.push(KeyValue::new("X-Auth-Key", canary("T")));
    match send(&rt, &ws, &profile, draft.clone()) {
        SendOutcome::NeedsConfirmation(gates) => {
            assert!(
                gates[0].question().contains("your Sandbox X-Auth-Key header to http://localhost:"),
                "{}",
                gates[0].question()
            );
        }
        SendOutcome::Sent { .. } => panic!("a typed key went to another host without a question"),
    }
    let request = SendRequest {
        id: RequestId(4),
        profile: profile.id.clone(),
        draft,
        production_write_confirmed: false,
        foreign_host: ForeignHostChoice::SendWithoutCredential,
        origin: gatepass::workspace::SendOrigin::Manual,
        required_scopes: Vec::new(),
    };
    let echo = echo_of(&rt.block_on(ws.send(request)).unwrap());
    assert!(echo["headers"].get("x-auth-key").is_none(), "{echo}");
}

/// Run the binary and keep everything it said.
struct Session {
    dir: tempfile::TempDir,
    transcript: Vec<u8>,
}

impl Session {
    fn run(&mut self, args: &[&str], stdin: &str) -> std::process::Output {
        let out = common::run_gatepass(self.dir.path(), &[&["-vvv"], args].concat(), Some(stdin));
        self.transcript.extend_from_slice(&out.stdout);
        self.transcript.extend_from_slice(&out.stderr);
        out
    }
}

#[test]
fn canaries_in_unusual_places_are_masked_in_every_surface_of_the_binary() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let base = server.base_url(PracticeEnv::Sandbox);
    let mut s = Session { dir: tempfile::tempdir().unwrap(), transcript: Vec::new() };
    let azure = canary("AZURE");
    let code = canary("CODE");
    let cookie = canary("COOKIE");
    let password = canary("PASSWORD");
    let canaries = [&azure, &code, &cookie, &password];

    let add = |s: &mut Session, name: &str, extra: &[&str], secret: &str| {
        let args = [&["profile", "add", name, "--base-url", &base][..], extra, &["--check-path", "/v1/me"]].concat();
        let out = s.run(&args, secret);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    };
    add(&mut s, "Azure", &["--auth", "api-key", "--key-name", "Ocp-Apim-Subscription-Key"], &azure);
    add(&mut s, "Code", &["--auth", "api-key", "--key-in", "query", "--key-name", "code"], &code);
    add(&mut s, "Basic", &["--auth", "basic", "--username", "ann"], &password);

    // The practice API reads X-Api-Key: the key in Ocp-Apim-Subscription-Key is "none" to it.
    let out = s.run(&["send", "--profile", "Azure", "/v1/me", "--format", "json"], "");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["request"]["method"], "GET");
    assert_eq!(
        json["request"]["credential"],
        serde_json::json!({"method": "api_key", "in": "header", "name": "Ocp-Apim-Subscription-Key",
            "fingerprint": format!("gp_test_…{}", &azure[azure.len() - 4..])})
    );
    let sent: Vec<&serde_json::Value> = json["request"]["headers"].as_array().unwrap().iter().collect();
    assert!(
        sent.iter()
            .any(|h| h["name"] == "Ocp-Apim-Subscription-Key"
                && h["value"] == json["request"]["credential"]["fingerprint"]),
        "{json}"
    );
    assert_eq!(json["response"]["status"], 401);
    assert!(json["error"].is_null());
    let top = &json["findings"][0];
    assert_eq!(top["cause"], "wrong_auth_scheme", "{json}");
    assert!(
        top["explanation"].as_str().unwrap().contains("Ocp-Apim-Subscription-Key header"),
        "the explanation should say where the key went: {top}"
    );
    assert!(!json.to_string().contains("carried no key"), "{json}");

    // The dry run prints the same record and sends nothing.
    let out = s.run(&["send", "--profile", "Azure", "/v1/echo", "--dry-run", "--format", "json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let dry: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(dry["request"]["credential"], json["request"]["credential"]);
    assert!(dry["response"].is_null() && dry["error"].is_null());
    assert_eq!(dry["findings"], serde_json::json!([]));
    s.run(&["send", "--profile", "Azure", "/v1/echo", "--dry-run"], "");

    // Every surface: text and JSON sends, a typed cookie, failures, the echo, history, show,
    // check reports in each format, curl export.
    let cookie_header = format!("Cookie: sid={cookie}");
    for profile in ["Azure", "Code", "Basic"] {
        s.run(&["send", "--profile", profile, "/v1/echo", "-H", &cookie_header], "");
        s.run(&["send", "--profile", profile, "/v1/me", "--format", "json", "-H", &cookie_header], "");
        s.run(&["send", "--profile", profile, "http://127.0.0.1:9/v1/me?x=1", "--allow-other-host"], "");
        s.run(
            &["send", "--profile", profile, "http://127.0.0.1:9/v1/me", "--allow-other-host", "--format", "json"],
            "",
        );
        s.run(&["send", "--profile", profile, "/v1/redirect-away", "-H", &cookie_header], "");
        s.run(&["profile", "show", profile], "");
        s.run(&["curl", "export", "--profile", profile, "/v1/me", "-H", &cookie_header], "");
    }
    for format in ["text", "json", "markdown", "html"] {
        s.run(&["check", "--format", format], "");
    }
    let files = common::all_files(s.dir.path());
    assert!(files.iter().any(|(p, _)| p.ends_with("history.sqlite3")), "no history was written");
    let transcript = String::from_utf8_lossy(&s.transcript).into_owned();
    assert!(transcript.contains("sending"), "the most verbose log level was not on");
    for canary in canaries {
        // Not the value, nor any 12 characters of what follows its prefix.
        let tail = &canary[8..20];
        assert!(!transcript.contains(tail), "{canary} is in the output or logs:\n{transcript}");
        for (path, bytes) in &files {
            assert!(!common::contains(bytes, tail), "{canary} is in {}", path.display());
        }
    }
    for name in ["Azure", "Code", "Basic"] {
        s.run(&["profile", "remove", name], "");
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn assert_private(dir: &std::path::Path) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            assert_private(&path);
        } else {
            assert_eq!(mode(&path), 0o600, "{} is not private", path.display());
        }
    }
}

#[cfg(unix)]
#[test]
fn every_file_gatepass_writes_is_private_from_the_first_launch_on() {
    // First launch of the window: the sample workspace and a send with history.
    let (rt, _server, dir, ws) = common::sample_workspace();
    let profile = ws.profile_named(gatepass::workspace::SANDBOX_NAME).unwrap();
    echo_of(&send(&rt, &ws, &profile, RequestDraft::get("/v1/echo")));
    let config = dir.path().join("config");
    let data = dir.path().join("data");
    assert!(config.join("profiles.toml").exists() && data.join("history.sqlite3").exists());
    assert!(data.join("history.sqlite3-wal").exists(), "the WAL file is checked too");
    assert_private(&config);
    assert_private(&data);
}

#[cfg(unix)]
#[test]
fn profile_add_and_send_through_the_binary_write_private_files_and_loose_ones_are_tightened() {
    use std::os::unix::fs::PermissionsExt as _;
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gatepass");
    let add = common::run_gatepass(
        &config,
        &["profile", "add", "Open", "--base-url", &server.base_url(PracticeEnv::Sandbox), "--auth", "none"],
        Some(""),
    );
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let sent = common::run_gatepass(&config, &["send", "--profile", "Open", "/v1/echo"], None);
    assert_eq!(sent.status.code(), Some(0), "{}", String::from_utf8_lossy(&sent.stderr));
    assert_private(&config);

    // Files an older release left readable by others are tightened at the next start.
    let profiles = config.join("profiles.toml");
    std::fs::set_permissions(&profiles, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o755)).unwrap();
    let list = common::run_gatepass(&config, &["-v", "profile", "list"], None);
    assert!(list.status.success());
    assert_eq!(mode(&profiles), 0o600);
    assert_eq!(mode(&config), 0o700);
    let log = String::from_utf8_lossy(&list.stderr);
    assert!(log.contains("readable by you only"), "the log should say what was tightened: {log}");
}

#[test]
fn a_header_filled_from_the_keychain_is_not_sent_on_to_another_origin() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let base = server.base_url(PracticeEnv::Sandbox);
    let profile = Profile::new("Named secret", Environment::Sandbox, &base);
    ws.save_profile(&profile, None).unwrap();
    let value = canary("NAMED");
    ws.set_secret_variable(&profile.id, "thing", &Secret::new(&value)).unwrap();
    // A header whose name says nothing about credentials: its value came from the keychain.
    let mut draft = RequestDraft::get("/v1/redirect-away");
    draft.headers.push(KeyValue::new("X-Plain-Name", "{{secret:thing}}"));
    let outcome = send(&rt, &ws, &profile, draft.clone());
    let echo = echo_of(&outcome);
    assert!(echo["headers"].get("x-plain-name").is_none(), "{echo}");
    let SendOutcome::Sent { exchange, .. } = &outcome else { unreachable!() };
    assert!(exchange.redirects[0].not_sent.contains(&"the X-Plain-Name header".to_owned()), "{:?}", exchange.redirects);
    assert!(!format!("{exchange:?}").contains(&value[8..]));
    // The same origin gets it, filled in (the answer that echoes it back is shown masked).
    draft.url = "/v1/redirect-away?to=same".into();
    let echo = echo_of(&send(&rt, &ws, &profile, draft));
    let echoed = echo["headers"]["x-plain-name"].as_str().unwrap_or_default();
    assert!(echoed.ends_with(&value[value.len() - 4..]) && !echoed.contains("{{"), "{echo}");
}
