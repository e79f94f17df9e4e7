//! Shared set-up for integration tests: a practice API on free loopback ports and a workspace in
//! its own temporary config directory.
#![allow(
    dead_code,
    reason = "shared helpers; not every one is used in every build (the no-GUI build drops the UI tests)"
)]

#[cfg(feature = "gui")]
pub mod ui;

use gatepass::infra::store::Paths;
use gatepass::practice::{PracticeConfig, PracticeServer};
use gatepass::workspace::Workspace;
use std::sync::Arc;

/// A runtime that outlives the test body, so servers keep running while the test works.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// The practice API on free ports.
pub fn practice(rt: &tokio::runtime::Runtime) -> PracticeServer {
    let config = PracticeConfig {
        sandbox_port: 0,
        production_port: 0,
        fallback_to_free_port: true,
        ..PracticeConfig::default()
    };
    rt.block_on(PracticeServer::start(config)).unwrap()
}

/// A workspace in a fresh temporary directory, secrets in memory.
pub fn workspace(dir: &std::path::Path) -> Arc<Workspace> {
    let paths = Paths { config_dir: dir.join("config"), data_dir: dir.join("data") };
    let ws = Workspace::open(paths).unwrap();
    ws.use_session_memory();
    Arc::new(ws)
}

/// A workspace on the folder the binary uses with `--config-dir dir` (files only: its keychain is
/// not connected).
pub fn workspace_at(dir: &std::path::Path) -> Arc<Workspace> {
    Arc::new(Workspace::open(Paths { config_dir: dir.to_path_buf(), data_dir: dir.to_path_buf() }).unwrap())
}

/// The practice API on free ports and a fresh workspace seeded with its sample profiles. Keep the
/// runtime, the server and the directory alive for the test's length.
pub fn sample_workspace() -> (tokio::runtime::Runtime, PracticeServer, tempfile::TempDir, Arc<Workspace>) {
    let rt = runtime();
    let server = practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    ws.ensure_sample_workspace(&gatepass::workspace::PracticeUrls::from(&server)).unwrap();
    (rt, server, dir, ws)
}

/// Send `draft` with the profile as a person would: no Production confirmation given, a foreign
/// host asked about.
pub fn send_draft(
    rt: &tokio::runtime::Runtime,
    ws: &Arc<Workspace>,
    profile: &gatepass::core::profile::ProfileId,
    draft: gatepass::core::request::RequestDraft,
) -> Result<gatepass::workspace::SendOutcome, gatepass::workspace::WorkspaceError> {
    let request = gatepass::workspace::SendRequest {
        id: gatepass::core::exchange::RequestId(1),
        profile: profile.clone(),
        draft,
        production_write_confirmed: false,
        foreign_host: gatepass::workspace::ForeignHostChoice::Ask,
        origin: gatepass::workspace::SendOrigin::Manual,
        required_scopes: Vec::new(),
    };
    rt.block_on(ws.send(request))
}

/// The status and body of an answer; a transport failure or a confirmation ends the test.
pub fn response_of(outcome: gatepass::workspace::SendOutcome) -> (u16, String) {
    match outcome {
        gatepass::workspace::SendOutcome::Sent { exchange, .. } => match exchange.outcome {
            gatepass::core::exchange::Outcome::Response(r) => (r.status, String::from_utf8_lossy(&r.body).into_owned()),
            gatepass::core::exchange::Outcome::Failed(e) => panic!("transport failure: {e}"),
        },
        gatepass::workspace::SendOutcome::NeedsConfirmation(g) => panic!("needs confirmation: {g:?}"),
    }
}

/// Is the real keychain expected here (set by tests/run.sh)?
pub fn real_keychain_expected() -> bool {
    std::env::var_os("GATEPASS_TEST_REAL_KEYCHAIN").is_some()
}

/// For tests that need the real keychain: true (and a note) when there is none to use.
pub fn skip_without_keychain() -> bool {
    if real_keychain_expected() {
        return false;
    }
    eprintln!("skipped: run tests/run.sh for a private keychain");
    true
}

/// For the `PyJWT` interop tests: false (and a note) when `PyJWT` cannot be used here. Under
/// tests/run.sh it must be there, unless the script said pip itself is missing.
pub fn pyjwt_available() -> bool {
    let available = std::process::Command::new("python3")
        .args(["-c", "import jwt, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if available {
        return true;
    }
    if let Some(reason) = std::env::var_os("GATEPASS_SKIP_PYJWT") {
        eprintln!("skipped: PyJWT is not available ({})", reason.to_string_lossy());
        return false;
    }
    assert!(!real_keychain_expected(), "tests/run.sh should have installed PyJWT (pip install pyjwt cryptography)");
    eprintln!("skipped: PyJWT is not installed; tests/run.sh installs it");
    false
}

/// Every file under `dir`, recursively, as bytes.
pub fn all_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Run the `gatepass` binary with its own config directory, feeding `stdin`.
pub fn run_gatepass(config: &std::path::Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatepass"))
        .arg("--config-dir")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        // A command that stops before reading its input (a usage error) closes the pipe: fine.
        if let Err(e) = input.write_all(text.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing to gatepass: {e}");
        }
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// A PKCS#12 bundle of this certificate and key, locked with `passphrase`.
pub fn pkcs12(cert_pem: &str, key: &gatepass::core::secret::Secret, passphrase: &str) -> Vec<u8> {
    let cert_der = gatepass::core::certificate::parse_certificates(cert_pem).unwrap().remove(0);
    let rustls_pki_types::PrivateKeyDer::Pkcs8(key_der) =
        gatepass::core::certificate::parse_private_key(key.expose()).unwrap()
    else {
        panic!("rcgen keys are PKCS#8")
    };
    let chain = p12_keystore::PrivateKeyChain::new(
        b"gatepass-test".to_vec(),
        p12_keystore::PrivateKey::from_der(key_der.secret_pkcs8_der()).unwrap(),
        [p12_keystore::Certificate::from_der(&cert_der).unwrap()],
    );
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry("client", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    store.writer(passphrase).write().unwrap()
}

/// The shared import samples (../shared/samples/import): from the main checkout, or from a
/// worktree under wt/. `None` when they are not here (tests then skip and say so).
pub fn import_samples() -> Option<std::path::PathBuf> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ["../shared/samples/import", "../../shared/samples/import"]
        .into_iter()
        .map(|p| root.join(p))
        .find(|d| d.join("facts.json").is_file())
}

/// Start `gatepass` and hand its stderr over line by line while it runs.
pub fn spawn_gatepass(
    config: &std::path::Path,
    args: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>, std::thread::JoinHandle<String>) {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatepass"))
        .arg("--config-dir")
        .arg(config)
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    (child, rx, reader)
}

/// The next line of stderr that `matches` (20 s at most).
pub fn wait_for_line(rx: &std::sync::mpsc::Receiver<String>, matches: impl Fn(&str) -> bool) -> String {
    loop {
        let line = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("gatepass printed no such line");
        if matches(&line) {
            return line;
        }
    }
}
