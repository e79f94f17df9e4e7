//! The `gatepass` binary against the practice API over loopback, each test with its own config
//! directory, using the real keychain (tests/run.sh starts a private one).

use crate::common;

use gatepass::practice::{DemoKind, PracticeEnv, demo_credentials};
use std::process::{Command, Output, Stdio};

fn gatepass(config: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    common::run_gatepass(config, args, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn key(env: PracticeEnv, id: &str) -> &'static str {
    demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            DemoKind::ApiKey { value, .. } if c.env == env && c.id == id => Some(value),
            _ => None,
        })
        .unwrap()
}

#[test]
fn profile_lifecycle_and_send_through_the_binary() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let sandbox_key = key(PracticeEnv::Sandbox, "sandbox-api-key");

    let out = gatepass(
        dir.path(),
        &["profile", "add", "Shop sandbox", "--base-url", &base, "--auth", "api-key", "--scope", "orders:read"],
        Some(&format!("{sandbox_key}\n")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Added profile \"Shop sandbox\" (Sandbox (test))"), "{}", text(&out.stdout));

    let out = gatepass(dir.path(), &["profile", "list"], None);
    assert!(text(&out.stdout).contains("Shop sandbox"), "{}", text(&out.stdout));

    let out = gatepass(dir.path(), &["profile", "show", "Shop sandbox"], None);
    let shown = text(&out.stdout);
    assert!(
        shown.contains(&format!(
            "Secret:          gp_test_…{} (in the keychain)",
            &sandbox_key[sandbox_key.len() - 4..]
        )),
        "{shown}"
    );
    assert!(!shown.contains(sandbox_key), "show printed the key itself");

    let out = gatepass(dir.path(), &["send", "--profile", "Shop sandbox", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("200 OK: the request worked"), "{stdout}");
    assert!(
        stdout.contains("\"environment\":\"sandbox\"") || stdout.contains("\"environment\": \"sandbox\""),
        "{stdout}"
    );

    let out = gatepass(dir.path(), &["send", "--profile", "Shop sandbox", "--no-credential", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).starts_with("401 Unauthorized: the API did not accept who you are"),
        "{}",
        text(&out.stdout)
    );

    let out = gatepass(
        dir.path(),
        &[
            "send",
            "--profile",
            "Shop sandbox",
            "-X",
            "POST",
            "/v1/orders",
            "-H",
            "X-Trace: cli-test",
            "--data",
            "{\"item\":\"pen\"}",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).starts_with("201 "), "{}", text(&out.stdout));

    let out = gatepass(dir.path(), &["profile", "remove", "Shop sandbox"], None);
    assert_eq!(out.status.code(), Some(0));
    let out = gatepass(dir.path(), &["send", "--profile", "Shop sandbox", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim(),
        "There is no profile named \"Shop sandbox\". Run `gatepass profile list` to see the names."
    );
}

#[test]
fn production_write_from_the_cli_needs_a_flag() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Production);
    let live_key = key(PracticeEnv::Production, "production-api-key");
    let out = gatepass(
        dir.path(),
        &["profile", "add", "Live", "--environment", "production", "--base-url", &base, "--auth", "api-key"],
        Some(live_key),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = gatepass(dir.path(), &["send", "--profile", "Live", "-X", "DELETE", "/v1/orders"], None);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("This DELETE request uses Live, a Production (live) profile. It can change real data. Send it?"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was sent."), "{stderr}");
    let out = gatepass(dir.path(), &["send", "--profile", "Live", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A stage of the team's own whose name says production is guarded the same way.
    let out = gatepass(
        dir.path(),
        &["profile", "add", "Live EU", "--environment", "production-eu", "--base-url", &base, "--auth", "api-key"],
        Some(live_key),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = gatepass(dir.path(), &["send", "--profile", "Live EU", "-X", "POST", "/v1/orders"], None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("uses Live EU, a Production (live) profile"), "{}", text(&out.stderr));
}

#[test]
fn secrets_never_come_from_a_flag_and_bad_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = gatepass(
        dir.path(),
        &["profile", "add", "X", "--base-url", "https://api.example.com", "--auth", "api-key", "--key", "abc"],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "a --key flag must not exist");
    let out = gatepass(dir.path(), &["profile", "add", "X", "--base-url", "not a url"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("The base URL \"not a url\" is not a valid URL"), "{}", text(&out.stderr));
    let out = gatepass(dir.path(), &["send", "--profile", "X", "-H", "NoColonHere", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).trim(), "The header \"NoColonHere\" has no colon. Write it as 'Name: value'.");
}

#[test]
fn keychain_without_a_session_bus_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gatepass"))
        .arg("--config-dir")
        .arg(dir.path())
        .args(["profile", "add", "X", "--base-url", "https://api.example.com", "--auth", "bearer"])
        .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}/no-bus-here", dir.path().display()))
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Gatepass cannot reach the keychain because there is no desktop session bus (D-Bus)"),
        "{stderr}"
    );
    assert!(!dir.path().join("profiles.toml").exists(), "no profile may be saved without its secret");
}

#[test]
fn practice_command_prints_its_addresses_and_credential_names_only() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatepass"))
        .args(["practice", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !seen.contains("Press Ctrl+C") && std::time::Instant::now() < deadline {
        let n = std::io::Read::read(&mut stdout, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(seen.contains("Sandbox (test):    http://127.0.0.1:"), "{seen}");
    assert!(seen.contains("sandbox-api-key"), "{seen}");
    for credential in demo_credentials() {
        if let DemoKind::ApiKey { value, .. } = credential.kind {
            assert!(!seen.contains(value), "printed a key value");
        }
    }
}

#[test]
fn practice_command_says_where_the_running_practice_api_is_and_ends() {
    // The window serves the practice API; `gatepass practice` on its port finds it there.
    let rt = common::runtime();
    let server = common::practice(&rt);
    let port = server.addr(PracticeEnv::Sandbox).port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_gatepass")).args(["practice", "--port", &port]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("already running"), "{said}");
    assert!(said.contains(&format!("Sandbox (test):    {}", server.base_url(PracticeEnv::Sandbox))), "{said}");
    assert!(said.contains(&format!("Production (live): {}", server.base_url(PracticeEnv::Production))), "{said}");
    assert!(said.contains(&server.mtls_base_url()), "{said}");
}

#[test]
fn practice_command_on_another_programs_port_says_so() {
    // Something that is not Gatepass answers on the port: a plain 404 for every request.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let out =
        Command::new(env!("CARGO_BIN_EXE_gatepass")).args(["practice", "--port", &port.to_string()]).output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    let said = text(&out.stderr);
    assert!(said.contains(&format!("Another program already uses 127.0.0.1:{port}")), "{said}");
    assert!(said.contains("--port 0"), "{said}");
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
}

#[test]
fn no_display_is_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gatepass"))
        .arg("--config-dir")
        .arg(dir.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("Gatepass cannot open its window because no display is available"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    use std::io::Read as _;
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let out = gatepass(dir.path(), &["profile", "add", "Open", "--base-url", &base, "--auth", "none"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // `gatepass send … | head -c 100`: read a little of 5 MB, then close the pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatepass"))
        .arg("--config-dir")
        .arg(dir.path())
        .args(["send", "--profile", "Open", "/v1/big?mb=5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).trim().is_empty(), "said on a closed pipe: {}", text(&out.stderr));
}

#[test]
fn a_secret_with_a_control_character_is_refused_and_nothing_is_saved() {
    if common::skip_without_keychain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let add = ["profile", "add", "Nul", "--base-url", "https://api.example.com", "--auth", "api-key"];
    let out = gatepass(dir.path(), &add, Some("gp_test_abc\u{0}defghijklmnop"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("holds a control character (such as NUL)"), "{}", text(&out.stderr));
    let listed = gatepass(dir.path(), &["profile", "list"], None);
    assert!(!text(&listed.stdout).contains("Nul"), "{}", text(&listed.stdout));
}
