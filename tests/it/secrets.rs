//! Secrets stay in the keychain: the real Secret Service round trip, namespacing, and a canary
//! secret used through a whole session that must appear in no file, log line or output.

use crate::common;

use gatepass::core::profile::SecretRef;
use gatepass::core::secret::Secret;
use gatepass::infra::keychain::{Keychain, SecretStore};
use gatepass::practice::PracticeEnv;

#[test]
fn real_keychain_stores_reads_and_deletes() {
    if !common::real_keychain_expected() {
        eprintln!("skipped: run tests/run.sh for a private keychain");
        return;
    }
    let ns = format!("test-{}", uuid_like());
    let keychain = Keychain::open(&ns).unwrap();
    let other = Keychain::open(&format!("{ns}-other")).unwrap();
    let slot = SecretRef("profile-1/api_key".into());
    assert_eq!(keychain.get(&slot).unwrap(), None);
    keychain.set(&slot, &Secret::new("gp_test_round_trip_value")).unwrap();
    assert_eq!(keychain.get(&slot).unwrap().unwrap().expose(), "gp_test_round_trip_value");
    // Another config directory's namespace does not see it.
    assert_eq!(other.get(&slot).unwrap(), None);
    keychain.set(&slot, &Secret::new("replaced")).unwrap();
    assert_eq!(keychain.get(&slot).unwrap().unwrap().expose(), "replaced");
    keychain.delete(&slot).unwrap();
    assert_eq!(keychain.get(&slot).unwrap(), None);
    // Deleting what is not there is not an error.
    keychain.delete(&slot).unwrap();
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    )
}

const CANARY: &str = "gp_test_CANARY7f3a9c1e5b2d";

#[test]
fn canary_secret_leaks_nowhere() {
    if !common::real_keychain_expected() {
        eprintln!("skipped: run tests/run.sh for a private keychain");
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let mut transcript = Vec::new();
    let mut run = |args: &[&str], stdin: &str| {
        let out = common::run_gatepass(dir.path(), &[&["-vvv"], args].concat(), Some(stdin));
        transcript.extend_from_slice(&out.stdout);
        transcript.extend_from_slice(&out.stderr);
        out.status.code()
    };
    // A key in a header and a key in the query string, used to succeed and to fail.
    assert_eq!(run(&["profile", "add", "Canary header", "--base-url", &base, "--auth", "api-key"], CANARY), Some(0));
    assert_eq!(
        run(
            &[
                "profile",
                "add",
                "Canary query",
                "--base-url",
                &base,
                "--auth",
                "api-key",
                "--key-in",
                "query",
                "--key-name",
                "api_key"
            ],
            CANARY
        ),
        Some(0)
    );
    assert_eq!(run(&["profile", "add", "Canary bearer", "--base-url", &base, "--auth", "bearer"], CANARY), Some(0));
    for profile in ["Canary header", "Canary query", "Canary bearer"] {
        assert_eq!(run(&["send", "--profile", profile, "/v1/me"], ""), Some(1), "{profile}: an unknown key is refused");
        assert_eq!(run(&["send", "--profile", profile, "/v1/echo?api_key=x"], ""), Some(0), "{profile}");
        run(&["profile", "show", profile], "");
    }
    // A failure with no server at all.
    run(&["send", "--profile", "Canary query", "http://127.0.0.1:9/v1/me", "--allow-other-host"], "");
    let files = common::all_files(dir.path());
    for profile in ["Canary header", "Canary query", "Canary bearer"] {
        run(&["profile", "remove", profile], "");
    }
    let transcript = String::from_utf8_lossy(&transcript);
    assert!(transcript.contains("sending"), "the most verbose log level was not on: {transcript}");
    assert!(!transcript.contains(CANARY), "the canary is in the output or logs:\n{transcript}");
    assert!(files.iter().any(|(p, _)| p.ends_with("history.sqlite3")), "no history was written");
    assert!(files.iter().any(|(p, _)| p.ends_with("profiles.toml")), "no profiles file was written");
    for (path, bytes) in &files {
        assert!(!common::contains(bytes, CANARY), "the canary is in {}", path.display());
        assert!(!common::contains(bytes, &CANARY[8..]), "part of the canary is in {}", path.display());
    }
}

/// The keychain daemon stops while Gatepass holds a session (it crashed, or the desktop restarted
/// it): the next write opens a new session and succeeds, instead of failing until Gatepass is
/// restarted. Runs in its own D-Bus session, so the daemon it stops is its own.
#[test]
fn a_keychain_daemon_restart_does_not_lose_the_next_write() {
    use std::io::{BufRead as _, Write as _};
    use std::process::{Command, Stdio};
    if common::skip_without_keychain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = PrivateKeyring::new(dir.path());
    let (pids, config) = (session.pids.clone(), dir.path().join("config"));
    let value = "restart-proof-value-5e8b1d9c2a";
    let gatepass = env!("CARGO_BIN_EXE_gatepass");
    // One D-Bus session for three commands: add a profile, keep a secret (the daemon is stopped
    // while it waits for the value), and read the secret back through a dry run.
    let script = format!(
        "set -e\n\
         G='{gatepass}'; C='{config}'\n\
         \"$G\" --config-dir \"$C\" profile add Partner --base-url https://partner.test --auth none >/dev/null\n\
         echo added >&2\n\
         GATEPASS_LOG=debug \"$G\" --config-dir \"$C\" profile secret Partner partner_key\n\
         \"$G\" --config-dir \"$C\" send --profile Partner --dry-run -H 'X-Partner-Key: {{{{secret:partner_key}}}}' /v1/me\n",
        config = config.display()
    );
    let mut child = session
        .command(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dbus-run-session (package dbus) is needed; tests/run.sh installs it");
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // Wait until `profile secret` has opened its keychain session and waits for the value.
    loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).unwrap();
        seen.push_str(&line);
        assert!(read > 0, "the commands ended before the keychain was open:\n{seen}");
        if line.contains("keychain open and unlocked") {
            break;
        }
    }
    let first = std::fs::read_to_string(&pids).unwrap();
    let daemon: i32 = first.trim().parse().unwrap();
    let killed = Command::new("kill").args(["-KILL", &daemon.to_string()]).status().unwrap();
    assert!(killed.success());
    let mut input = child.stdin.take().unwrap();
    input.write_all(value.as_bytes()).unwrap();
    drop(input);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    seen.push_str(&rest);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{seen}");
    assert!(stdout.contains("Kept partner_key"), "{stdout}");
    assert!(seen.contains("opening a new one"), "the session was not renewed:\n{seen}");
    // The dry run read the value from the daemon D-Bus started again: its fingerprint shows.
    let fingerprint = Secret::new(value).fingerprint();
    let tail = fingerprint.trim_start_matches('…');
    assert!(stdout.contains(tail), "no {fingerprint} in the dry run:\n{stdout}");
    assert!(!stdout.contains(value) && !seen.contains(value), "the secret was printed");
    let starts = std::fs::read_to_string(&pids).unwrap();
    assert_eq!(starts.lines().count(), 2, "the daemon should have started twice: {starts}");
    if let Some(second) = starts.lines().nth(1) {
        let _ = Command::new("kill").arg(second.trim()).status();
    }
}

/// A D-Bus session of a test's own, where D-Bus starts gnome-keyring on demand, unlocked, and
/// records the pid of every start: a test may stop or kill that daemon without touching the one
/// the other tests use.
struct PrivateKeyring {
    data: std::path::PathBuf,
    runtime: std::path::PathBuf,
    pids: std::path::PathBuf,
}

impl PrivateKeyring {
    fn new(dir: &std::path::Path) -> PrivateKeyring {
        let (data, runtime, pids) = (dir.join("data"), dir.join("runtime"), dir.join("daemon-pids"));
        std::fs::create_dir_all(data.join("dbus-1/services")).unwrap();
        std::fs::create_dir_all(&runtime).unwrap();
        let start = dir.join("start-keyring");
        let password = dir.join("password");
        std::fs::write(&password, "private-test").unwrap();
        std::fs::write(
            &start,
            format!(
                // `exec` with the password from a file, not a pipe: the daemon keeps the pid written.
                "#!/bin/sh\necho $$ >> '{}'\nexec gnome-keyring-daemon --foreground --unlock --components=secrets <'{password}' >>'{log}' 2>&1\n",
                pids.display(),
                password = password.display(),
                log = dir.join("daemon.log").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&start, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        std::fs::write(
            data.join("dbus-1/services/org.freedesktop.secrets.service"),
            format!("[D-BUS Service]\nName=org.freedesktop.secrets\nExec={}\n", start.display()),
        )
        .unwrap();
        PrivateKeyring { data, runtime, pids }
    }

    /// `sh -c script` in the private session, with no display and no inherited log level.
    fn command(&self, script: &str) -> std::process::Command {
        let mut command = std::process::Command::new("dbus-run-session");
        command
            .args(["--", "sh", "-c", script])
            .env("XDG_DATA_HOME", &self.data)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("GATEPASS_LOG")
            .env_remove("GATEPASS_KEYCHAIN_TIMEOUT");
        command
    }
}

/// A keychain daemon that takes calls and never answers (stopped with SIGSTOP): four sends at
/// once each say so within the deadline instead of hanging, and once the daemon runs again the
/// next command works.
#[test]
fn a_keychain_that_does_not_answer_is_said_within_the_deadline_and_the_next_command_works() {
    if common::skip_without_keychain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = PrivateKeyring::new(dir.path());
    let key = "gp_test_deadlineCanary7Rm4Qx2Lp9";
    let out = |name: &str| dir.path().join(name).display().to_string();
    let script = format!(
        "G='{gatepass}'; C='{config}'\n\
         printf %s '{key}' | \"$G\" --config-dir \"$C\" profile add Partner --base-url https://partner.test --auth api-key >/dev/null || exit 3\n\
         pid=$(head -n 1 '{pids}')\n\
         kill -STOP \"$pid\"\n\
         start=$(date +%s)\n\
         for i in 1 2 3 4; do (GATEPASS_KEYCHAIN_TIMEOUT=2 timeout 30 \"$G\" --config-dir \"$C\" send --profile Partner --dry-run /v1/me >'{out1}'.$i 2>'{err1}'.$i; echo $? > '{code1}'.$i) & done\n\
         wait\n\
         echo $(( $(date +%s) - start )) > '{took}'\n\
         kill -CONT \"$pid\"\n\
         \"$G\" --config-dir \"$C\" send --profile Partner --dry-run /v1/me >'{out2}' 2>'{err2}'\n\
         echo $? > '{code2}'\n\
         kill \"$pid\"\n",
        gatepass = env!("CARGO_BIN_EXE_gatepass"),
        config = out("config"),
        pids = session.pids.display(),
        out1 = out("out1"),
        err1 = out("err1"),
        code1 = out("code1"),
        took = out("took"),
        out2 = out("out2"),
        err2 = out("err2"),
        code2 = out("code2"),
    );
    let status = session.command(&script).status().expect("dbus-run-session (package dbus) is needed");
    assert!(status.success(), "the session script failed: {status}");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    // Four sends at once against the silent keychain: each one answers within the deadline.
    let mut said = String::new();
    for i in 1..=4 {
        assert_ne!(read(&format!("code1.{i}")).trim(), "0", "send {i} with a silent keychain said it worked");
        said = read(&format!("err1.{i}"));
        assert!(said.contains("The keychain did not answer within 2 seconds"), "send {i}: {said}");
        assert!(said.contains("no prompt for its password can appear"), "send {i}: {said}");
    }
    let took: u64 = read("took").trim().parse().unwrap();
    assert!(took < 10, "it waited {took} s instead of about 2");
    assert_eq!(read("code2").trim(), "0", "after the daemon ran again: {}", read("err2"));
    let tail = &key[key.len() - 4..];
    assert!(read("out2").contains(tail), "the dry run did not show the key's fingerprint: {}", read("out2"));
    assert!(!read("out2").contains(key) && !said.contains(key));
}

/// `dbus-monitor` on the same session bus watches every message while Gatepass stores a canary
/// key, reads it back and deletes it: the canary crosses the bus only encrypted, so it is in the
/// monitor's output neither as text nor as the hex of its bytes. The monitor did see the calls
/// (the item's attributes travel in clear, and the session asked for the encrypted algorithm).
#[test]
fn the_session_bus_never_carries_a_secret_in_clear() {
    use std::io::{BufRead as _, Write as _};
    use std::process::Stdio;
    if common::skip_without_keychain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = PrivateKeyring::new(dir.path());
    let canary = "gp_test_BusCanary4h7Kq2Wz9Xc5Vb";
    let dry = dir.path().join("dry-run.txt");
    let script = format!(
        "G='{gatepass}'; C='{config}'\n\
         dbus-monitor --session &\n\
         monitor=$!\n\
         read go\n\
         printf %s '{canary}' | \"$G\" --config-dir \"$C\" profile add Vault --base-url https://vault.test --auth api-key >/dev/null 2>&1 || echo ADD-FAILED\n\
         \"$G\" --config-dir \"$C\" send --profile Vault --dry-run /v1/me >'{dry}' 2>&1 || echo DRY-RUN-FAILED\n\
         \"$G\" --config-dir \"$C\" profile remove Vault >/dev/null 2>&1 || echo REMOVE-FAILED\n\
         dbus-send --session --type=signal /gatepass/test gatepass.test.Done\n\
         read done\n\
         kill $monitor\n\
         kill $(cat '{pids}')\n",
        gatepass = env!("CARGO_BIN_EXE_gatepass"),
        config = dir.path().join("config").display(),
        dry = dry.display(),
        pids = session.pids.display(),
    );
    let mut child = session
        .command(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-run-session and dbus-monitor (package dbus) are needed; tests/run.sh installs them");
    let mut input = child.stdin.take().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    let mut read_until = |seen: &mut String, mark: &str| loop {
        let line =
            lines.next().unwrap_or_else(|| panic!("the monitor stopped before {mark:?}:\n{seen}")).unwrap_or_default();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(mark) {
            break;
        }
    };
    // The monitor's first message (the bus taking its name) says it is watching.
    read_until(&mut seen, "org.freedesktop.DBus");
    input.write_all(b"go\n").unwrap();
    read_until(&mut seen, "member=Done");
    input.write_all(b"done\n").unwrap();
    drop(input);
    for line in lines {
        seen.push_str(&line.unwrap_or_default());
        seen.push('\n');
    }
    child.wait().unwrap();

    assert!(!seen.contains("-FAILED"), "a command failed:\n{seen}");
    let dry = std::fs::read_to_string(&dry).unwrap();
    assert!(dry.contains(&canary[canary.len() - 4..]), "the dry run did not read the key back:\n{dry}");
    // What the monitor saw: the store, the read and the delete, over an encrypted session.
    for call in ["member=OpenSession", "member=CreateItem", "member=Delete", "dh-ietf1024-sha256-aes128-cbc-pkcs7"] {
        assert!(seen.contains(call), "the monitor did not see {call}; it saw:\n{seen}");
    }
    assert!(seen.contains("GetSecret"), "the monitor did not see the key read back:\n{seen}");
    assert!(seen.contains("gatepass:"), "the monitor did not see Gatepass's item attributes");
    // Not the canary as text, nor any 12 of its characters, nor its bytes written in hex.
    assert!(!seen.contains(&canary[8..20]), "the canary crossed the bus in clear:\n{seen}");
    let hex = canary[8..20].bytes().fold(String::new(), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    });
    let squeezed: String = seen.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    assert!(!squeezed.contains(&hex), "the canary's bytes crossed the bus in clear");
}

/// Interop with libsecret, the Secret Service client the desktop's own tools use: `secret-tool`
/// finds the key Gatepass stored under the attributes Gatepass has always written
/// (`service` = `gatepass:<namespace>`, `username` = the slot) and reads the same value, and the
/// value another program stores under those attributes is the one Gatepass sends.
#[test]
fn secret_tool_and_gatepass_read_each_others_entries() {
    if common::skip_without_keychain() {
        return;
    }
    if std::process::Command::new("secret-tool").arg("--version").output().is_err() {
        eprintln!("skipped: secret-tool (package libsecret-tools) is not installed; tests/run.sh installs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = PrivateKeyring::new(dir.path());
    let ours = "gp_test_WrittenByGatepass5Tq8Lm2X";
    let theirs = "partner-written-by-libsecret-7Hc3Vw";
    let out = |name: &str| dir.path().join(name).display().to_string();
    let script = format!(
        "G='{gatepass}'; C='{config}'\n\
         printf %s '{ours}' | \"$G\" --config-dir \"$C\" profile add Partner --base-url https://partner.test --auth api-key >/dev/null || exit 3\n\
         NS=$(sed -n 's/^keychain_namespace = \"\\(.*\\)\"$/\\1/p' \"$C/profiles.toml\")\n\
         secret-tool search --all service \"gatepass:$NS\" >'{found}' 2>&1 || exit 4\n\
         ID=$(sed -n 's|^attribute.username = \\(.*\\)/api_key$|\\1|p' '{found}')\n\
         printf %s '{theirs}' | secret-tool store --label='Partner key' service \"gatepass:$NS\" username \"$ID/api_key\" || exit 5\n\
         \"$G\" --config-dir \"$C\" send --profile Partner --dry-run /v1/me >'{dry}' 2>&1 || exit 6\n\
         secret-tool search --all service \"gatepass:$NS\" >'{after}' 2>&1 || exit 7\n\
         kill $(cat '{pids}')\n",
        gatepass = env!("CARGO_BIN_EXE_gatepass"),
        config = out("config"),
        found = out("found"),
        dry = out("dry"),
        after = out("after"),
        pids = session.pids.display(),
    );
    let status = session.command(&script).status().expect("dbus-run-session (package dbus) is needed");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    assert!(status.success(), "step {status} failed:\n{}\n{}", read("found"), read("dry"));
    let found = read("found");
    assert!(found.contains(&format!("secret = {ours}")), "libsecret did not read Gatepass's key:\n{found}");
    assert!(found.contains("/api_key"), "{found}");
    let dry = read("dry");
    let fingerprint = Secret::new(theirs).fingerprint();
    assert!(dry.contains(&fingerprint), "Gatepass did not read the entry libsecret wrote ({fingerprint}):\n{dry}");
    assert!(!dry.contains(theirs) && !dry.contains(ours), "a secret was printed:\n{dry}");
    // libsecret replaced Gatepass's item (the same attributes), it did not add a second one.
    let after = read("after");
    assert_eq!(after.matches("secret = ").count(), 1, "{after}");
    assert!(after.contains(&format!("secret = {theirs}")), "{after}");
}
