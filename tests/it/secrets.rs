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
