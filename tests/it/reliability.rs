//! Nothing lost, nothing hangs: the binary against special files, oversized input, damaged
//! profiles files, concurrent first use and a keychain that does not answer. Every run has a
//! deadline, so a hang fails the test instead of stalling the suite.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// How long any one command may take here before it counts as hanging.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Run the binary with its own config folder, feeding `stdin`, and kill it if it outlives
/// `deadline` (then the test fails saying so).
pub fn run_within(
    config: &std::path::Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    envs: &[(&str, &str)],
    deadline: Duration,
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatepass"))
        .arg("--config-dir")
        .arg(config)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.map(<[u8]>::to_vec);
    let feeder = std::thread::spawn(move || {
        if let Some(bytes) = bytes {
            // A command that stops before reading all of its input closes the pipe: fine.
            let _ = input.write_all(&bytes);
        }
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    if let Ok(output) = rx.recv_timeout(deadline) {
        let _ = feeder.join();
        output.unwrap()
    } else {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("gatepass {args:?} did not finish within {deadline:?}");
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(target_os = "linux")]
#[test]
fn client_cert_dev_zero_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_within(
        dir.path(),
        &[
            "profile",
            "add",
            "Zero",
            "--base-url",
            "https://api.example.com",
            "--client-cert",
            "/dev/zero",
            "--client-key",
            "/dev/zero",
        ],
        None,
        &[],
        DEADLINE,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(said.contains("/dev/zero is a device, not a file"), "{said}");
    assert!(!dir.path().join("profiles.toml").exists(), "nothing may be saved");
}

#[cfg(target_os = "linux")]
#[test]
fn every_file_a_command_names_is_read_within_bounds() {
    // A device or a named pipe where a file is expected, and standard input without end: each
    // command stops at once and names the problem instead of hanging or filling memory.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let fifo = fifo.display().to_string();
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    let cases: [(&[&str], &str); 5] = [
        (&["token", "inspect", token, "--key", "/dev/zero"], "The key file /dev/zero is a device, not a file"),
        (&["token", "inspect", token, "--jwks", "/dev/zero"], "key set (JWKS) file /dev/zero is a device"),
        (&["run", &fifo], "is a named pipe (FIFO), not a file"),
        (&["curl", "import", &fifo], "is a named pipe (FIFO), not a file"),
        (&["collection", "show", "/dev/zero"], "/dev/zero is not a folder"),
    ];
    for (args, expected) in cases {
        let out = run_within(dir.path(), args, None, &[], DEADLINE);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let said = text(&out.stderr);
        assert!(said.contains(expected), "{args:?}: {said}");
        assert!(!said.contains("panicked"), "{args:?}: {said}");
    }
    // Two megabytes of token on standard input: over the 1 MB a token may weigh.
    let big = vec![b'a'; 2 * 1024 * 1024];
    let out = run_within(dir.path(), &["token", "inspect", "-"], Some(&big), &[], DEADLINE);
    assert_ne!(out.status.code(), Some(0));
    let said = text(&out.stderr);
    assert!(said.contains("from standard input is larger than 1 MB"), "{said}");
}

#[cfg(unix)]
#[test]
fn a_fifo_at_profiles_toml_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("profiles.toml");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for args in [&["profile", "list"][..], &["send", "--profile", "X", "/v1/me"][..], &["check"][..]] {
        let out = run_within(dir.path(), args, None, &[], DEADLINE);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        let said = text(&out.stderr);
        assert!(said.contains("profiles.toml is a named pipe (FIFO), not a file"), "{args:?}: {said}");
    }
}

/// Two, then twenty first `profile add`s into one new config folder at the same moment: every
/// secret is kept where every later command finds it (they once each made their own keychain
/// namespace).
#[rstest::rstest]
#[case::two(2)]
#[case::twenty(20)]
fn concurrent_first_profile_adds_keep_every_secret(#[case] at_once: usize) {
    if crate::common::skip_without_keychain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let keys: Vec<String> = (0..at_once).map(|i| format!("gp_test_concurrent{i:02}Qx7Lm4Rt9Wz")).collect();
    let children: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let config = config.clone();
            let key = key.clone();
            std::thread::spawn(move || {
                let name = format!("P{i:02}");
                let args = ["profile", "add", &name, "--base-url", "https://api.example.com", "--auth", "api-key"];
                run_within(&config, &args, Some(key.as_bytes()), &[], DEADLINE)
            })
        })
        .collect();
    for child in children {
        let out = child.join().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    for (i, key) in keys.iter().enumerate() {
        let name = format!("P{i:02}");
        let out = run_within(&config, &["send", "--profile", &name, "--dry-run", "/v1/me"], None, &[], DEADLINE);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        let tail = &key[key.len() - 4..];
        assert!(text(&out.stdout).contains(tail), "{name}'s key is not where the profile says: {}", text(&out.stdout));
    }
}

/// A profiles file damaged twice loses no profile from disk: each damaged version is kept in
/// its own copy, every change is refused (naming the file, the line and --repair) so the file
/// stays as it is, and only `--repair` rewrites it with what could be read.
#[test]
fn a_profiles_file_damaged_twice_loses_no_profile_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    for name in ["Alpha", "Beta"] {
        let out =
            run_within(config, &["profile", "add", name, "--base-url", "https://a.example.com"], None, &[], DEADLINE);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let path = config.join("profiles.toml");
    let good = std::fs::read_to_string(&path).unwrap();
    // First damage: Beta's environment is of a kind Gatepass does not know.
    let at = good.rfind("kind = \"sandbox\"").unwrap();
    let first = format!("{}kind = \"moon\"{}", &good[..at], &good[at + "kind = \"sandbox\"".len()..]);
    std::fs::write(&path, &first).unwrap();
    let list = run_within(config, &["profile", "list"], None, &[], DEADLINE);
    assert_eq!(list.status.code(), Some(0), "{}", text(&list.stderr));
    assert!(text(&list.stdout).contains("Alpha") && !text(&list.stdout).contains("Beta"), "{}", text(&list.stdout));
    assert!(text(&list.stderr).contains("Profile 2 \"Beta\" was left out"), "{}", text(&list.stderr));
    assert!(text(&list.stderr).contains("--repair"), "{}", text(&list.stderr));
    let add = |name: &str, repair: bool| {
        let mut args = vec!["profile", "add", name, "--base-url", "https://c.example.com"];
        if repair {
            args.push("--repair");
        }
        run_within(config, &args, None, &[], DEADLINE)
    };
    let refused = add("Gamma", false);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));
    let said = text(&refused.stderr);
    assert!(said.contains("could be read only in part, so Gatepass did not change it"), "{said}");
    assert!(said.contains("run the command again with --repair"), "{said}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first, "the damaged file was written over");

    // Second damage, of another kind: the file is no longer TOML.
    let second = format!("{first}\n[[profile]\nname = \"Delta\"\n");
    std::fs::write(&path, &second).unwrap();
    let refused = add("Gamma", false);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("line "), "the line is not named: {}", text(&refused.stderr));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), second);
    assert_eq!(std::fs::read_to_string(config.join("profiles.toml.unreadable")).unwrap(), first);
    assert_eq!(std::fs::read_to_string(config.join("profiles.toml.unreadable.2")).unwrap(), second);

    // The person chose: --repair rewrites the file with what could be read, and the change goes in.
    std::fs::write(&path, &first).unwrap();
    let repaired = add("Gamma", true);
    assert_eq!(repaired.status.code(), Some(0), "{}", text(&repaired.stderr));
    let now = std::fs::read_to_string(&path).unwrap();
    assert!(now.contains("name = \"Alpha\"") && now.contains("name = \"Gamma\"") && !now.contains("Beta"), "{now}");
    // Beta is still on disk, in the first copy, for the person to bring back.
    assert!(std::fs::read_to_string(config.join("profiles.toml.unreadable")).unwrap().contains("name = \"Beta\""));
    let list = run_within(config, &["profile", "list"], None, &[], DEADLINE);
    assert!(!text(&list.stderr).contains("Warning"), "still damaged: {}", text(&list.stderr));
}
