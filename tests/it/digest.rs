//! HTTP Digest against a server Gatepass did not write: Debian's Apache (`mod_auth_digest`, MD5
//! with qop=auth) on 127.0.0.1, a CGI script behind it echoing what arrived. GET with a query,
//! POST with a body, the nonce reused with a rising nonce count, a stale nonce answered again, a
//! wrong password stopped after one answer, and the binary end to end with the real keychain.
//! Digest's other algorithms (SHA-256, SHA-512-256, -sess, userhash) are checked against curl,
//! the other client, in `digest_curl`. `tests/run.sh` installs apache2; without it these tests
//! say why they skip.

use crate::common;
use gatepass::core::exchange::Outcome;
use gatepass::core::profile::{AuthMethod, Environment, Profile, SecretRef};
use gatepass::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use gatepass::core::secret::Secret;
use gatepass::workspace::{SendOutcome, Workspace};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";
const REALM: &str = "gatepass digest test";

/// Apache in the foreground on a free loopback port, stopped (by its PID) when dropped.
pub struct Apache {
    child: std::process::Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Apache {
    /// SIGTERM, not SIGKILL: Apache then stops its workers and its CGI daemon before it exits.
    fn drop(&mut self) {
        let stopped = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Why Apache cannot be used here, when it cannot; under tests/run.sh it must be there unless
/// the script said it could not be installed.
fn apache_missing() -> Option<String> {
    if Path::new(APACHE).exists() && Path::new(MODULES).join("mod_auth_digest.so").exists() {
        return None;
    }
    if let Some(reason) = std::env::var_os("GATEPASS_SKIP_APACHE") {
        return Some(reason.to_string_lossy().into_owned());
    }
    assert!(!common::real_keychain_expected(), "tests/run.sh should have installed apache2 (apt-get install apache2)");
    Some("apache2 is not installed; tests/run.sh installs it".to_owned())
}

impl Apache {
    /// Start Apache guarding /digest/ with Digest for `user` / `password`. `nonce_lifetime_secs`
    /// is how long a nonce stays good (Apache's default is 300).
    pub fn start(user: &str, password: &str, nonce_lifetime_secs: u32) -> Option<Self> {
        if let Some(reason) = apache_missing() {
            eprintln!("skipped: {reason}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Apache's workers run as www-data when started as root: they must read these.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let www = root.join("www");
        std::fs::create_dir(&www).unwrap();
        std::fs::set_permissions(&www, std::fs::Permissions::from_mode(0o755)).unwrap();
        let script = www.join("echo.cgi");
        std::fs::write(
            &script,
            "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nprintf '%s %s user=%s\\n' \"$REQUEST_METHOD\" \"$QUERY_STRING\" \"$REMOTE_USER\"\ncat\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        // The htdigest file: user:realm:MD5(user:realm:password), as `htdigest` writes it.
        let ha1 = md5_hex(&format!("{user}:{REALM}:{password}"));
        let users = root.join("users");
        std::fs::write(&users, format!("{user}:{REALM}:{ha1}\n")).unwrap();
        std::fs::set_permissions(&users, std::fs::Permissions::from_mode(0o644)).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let root_text = root.display();
        let as_root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let user_lines = if as_root { "User www-data\nGroup www-data\n" } else { "" };
        let conf = format!(
            r#"ServerRoot {root_text}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {root_text}/httpd.pid
ErrorLog {root_text}/error.log
LogLevel warn
{user_lines}LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authn_file_module {MODULES}/mod_authn_file.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule auth_digest_module {MODULES}/mod_auth_digest.so
LoadModule cgid_module {MODULES}/mod_cgid.so
LoadModule alias_module {MODULES}/mod_alias.so
ScriptSock {root_text}/cgid.sock
ScriptAlias /digest/ {root_text}/www/
<Location /digest/>
  AuthType Digest
  AuthName "{REALM}"
  AuthDigestDomain /digest/
  AuthDigestProvider file
  AuthDigestNonceLifetime {nonce_lifetime_secs}
  AuthUserFile {root_text}/users
  Require valid-user
</Location>
"#
        );
        let conf_path = root.join("httpd.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = std::process::Command::new(APACHE)
            .arg("-f")
            .arg(&conf_path)
            .arg("-DFOREGROUND")
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let apache = Self { child, port, dir };
        apache.wait_until_listening();
        Some(apache)
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "Apache did not start: {}", self.error_log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

fn md5_hex(text: &str) -> String {
    use md5::Digest as _;
    use std::fmt::Write as _;
    md5::Md5::digest(text.as_bytes()).iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A workspace (secrets in memory) with one Digest profile for Apache.
fn digest_profile(apache: &Apache, user: &str, password: &str) -> (tempfile::TempDir, Arc<Workspace>, Profile) {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let mut profile = Profile::new("Digest", Environment::Sandbox, apache.base_url());
    profile.auth =
        AuthMethod::Digest { username: user.to_owned(), password: SecretRef::for_profile(&profile.id, "password") };
    ws.save_profile(&profile, Some(&Secret::new(password))).unwrap();
    (dir, ws, profile)
}

struct Answer {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
    sent_authorization: Option<String>,
    headline: String,
}

fn send(rt: &tokio::runtime::Runtime, ws: &Arc<Workspace>, profile: &Profile, draft: RequestDraft) -> Answer {
    match common::send_draft(rt, ws, &profile.id, draft).unwrap() {
        SendOutcome::Sent { exchange, explained, .. } => {
            let sent_authorization = exchange
                .record
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("authorization"))
                .map(|h| h.value.as_str().to_owned());
            let top = explained.diagnosis.findings.first();
            let headline = top.map(|f| format!("{:?}: {} {}", f.cause, f.title, f.explanation)).unwrap_or_default();
            match exchange.outcome {
                Outcome::Response(r) => Answer {
                    status: r.status,
                    body: String::from_utf8_lossy(&r.body).into_owned(),
                    headers: r.headers.clone(),
                    sent_authorization,
                    headline,
                },
                Outcome::Failed(e) => panic!("transport failure: {e}"),
            }
        }
        SendOutcome::NeedsConfirmation(gates) => panic!("needs confirmation: {gates:?}"),
    }
}

/// The nonce count Apache's `Authentication-Info` header says it accepted.
fn accepted_nc(answer: &Answer) -> Option<String> {
    let info = answer.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("authentication-info"))?;
    info.1.split(',').map(str::trim).find_map(|part| part.strip_prefix("nc=")).map(str::to_owned)
}

fn password() -> String {
    format!("pw {}", uuid::Uuid::new_v4().simple())
}

#[test]
fn get_with_a_query_then_the_nonce_is_reused() {
    let password = password();
    let Some(apache) = Apache::start("alice", &password, 300) else { return };
    let rt = common::runtime();
    let (_dir, ws, profile) = digest_profile(&apache, "alice", &password);
    let mut draft = RequestDraft::get("/digest/echo.cgi?q=a%20b");
    draft.query.push(KeyValue::new("page", "2"));
    let first = send(&rt, &ws, &profile, draft.clone());
    assert_eq!(first.status, 200, "{}\n{}", first.body, apache.error_log());
    assert_eq!(first.body, "GET q=a%20b&page=2 user=alice\n");
    assert_eq!(accepted_nc(&first).as_deref(), Some("00000001"));
    // The record shows that a Digest answer went, never the password.
    let shown = first.sent_authorization.unwrap_or_default();
    assert!(shown.starts_with("Digest"), "{shown}");
    assert!(!shown.contains(&password));
    // The second request answers the same nonce at once, with the next count: no new challenge.
    let second = send(&rt, &ws, &profile, draft);
    assert_eq!((second.status, accepted_nc(&second).as_deref()), (200, Some("00000002")));
}

#[test]
fn post_with_a_body() {
    let password = password();
    let Some(apache) = Apache::start("bob", &password, 300) else { return };
    let rt = common::runtime();
    let (_dir, ws, profile) = digest_profile(&apache, "bob", &password);
    let draft = RequestDraft {
        method: Method::Post,
        url: "/digest/echo.cgi".to_owned(),
        body: BodyDraft::Json { text: r#"{"order": 42, "note": "ünïcode"}"#.to_owned() },
        ..RequestDraft::default()
    };
    let answer = send(&rt, &ws, &profile, draft);
    assert_eq!(answer.status, 200, "{}\n{}", answer.body, apache.error_log());
    assert_eq!(answer.body, "POST  user=bob\n{\"order\": 42, \"note\": \"ünïcode\"}");
}

#[test]
fn a_stale_nonce_is_answered_again() {
    let password = password();
    let Some(apache) = Apache::start("carol", &password, 1) else { return };
    let rt = common::runtime();
    let (_dir, ws, profile) = digest_profile(&apache, "carol", &password);
    let first = send(&rt, &ws, &profile, RequestDraft::get("/digest/echo.cgi"));
    assert_eq!(first.status, 200, "{}", apache.error_log());
    // Nothing to wait on but the clock: the nonce lives one second, Apache says stale after.
    std::thread::sleep(Duration::from_millis(2100));
    let second = send(&rt, &ws, &profile, RequestDraft::get("/digest/echo.cgi"));
    assert_eq!(second.status, 200, "{}", apache.error_log());
    // The kept nonce was refused as stale and a fresh one answered: its count starts again.
    assert_eq!(accepted_nc(&second).as_deref(), Some("00000001"));
}

#[test]
fn a_wrong_password_is_answered_once_and_explained() {
    let Some(apache) = Apache::start("dave", &password(), 300) else { return };
    let rt = common::runtime();
    let (_dir, ws, profile) = digest_profile(&apache, "dave", "not the password");
    let answer = send(&rt, &ws, &profile, RequestDraft::get("/digest/echo.cgi"));
    assert_eq!(answer.status, 401);
    assert!(answer.sent_authorization.is_some_and(|a| a.starts_with("Digest")));
    // One answer, refused, and no second try.
    assert_eq!(apache.error_log().matches("password mismatch").count(), 1, "{}", apache.error_log());
    // Explained as a wrong credential, and why: the server checked the answer and asked again.
    assert!(answer.headline.starts_with("InvalidCredential: "), "{}", answer.headline);
    assert!(answer.headline.contains("does not accept that username and password"), "{}", answer.headline);
}

#[test]
fn the_binary_adds_a_digest_profile_and_sends_with_it() {
    if common::skip_without_keychain() {
        return;
    }
    let password = password();
    let Some(apache) = Apache::start("erin", &password, 300) else { return };
    let config = tempfile::tempdir().unwrap();
    let base = apache.base_url();
    let out = common::run_gatepass(
        config.path(),
        &["profile", "add", "Digest API", "--base-url", &base, "--auth", "digest", "--username", "erin"],
        Some(&format!("{password}\n")),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = common::run_gatepass(config.path(), &["profile", "show", "Digest API"], None);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("Username (Digest)") || text.contains("(Digest)"), "{text}");
    assert!(text.contains("Username:        erin"), "{text}");
    let sent = common::run_gatepass(
        config.path(),
        &["send", "--profile", "Digest API", "-X", "POST", "-d", "name=erin", "/digest/echo.cgi?x=1"],
        None,
    );
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert!(sent.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&sent.stderr));
    assert!(stdout.contains("POST x=1 user=erin"), "{stdout}");
    // The password is in no file Gatepass wrote.
    for (path, bytes) in common::all_files(config.path()) {
        assert!(!common::contains(&bytes, &password), "{} holds the password", path.display());
    }
}

/// A loopback server that challenges with `challenge` and hands over the Authorization header
/// of the answer. Every response closes its connection, so each request comes on its own.
fn challenging_listener(challenge: String) -> (u16, std::sync::mpsc::Receiver<(String, String, String)>) {
    use std::io::{BufRead as _, BufReader, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut parts = line.split_whitespace();
            let (method, target) =
                (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
            let mut authorization = None;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("authorization")
                {
                    authorization = Some(value.trim().to_owned());
                }
            }
            let reply = match authorization {
                None => format!(
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {challenge}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                ),
                Some(answer) => {
                    let _ = tx.send((method, target, answer));
                    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
                }
            };
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (port, rx)
}

/// curl, the other Digest client, answers the same challenge: Gatepass's answer with curl's
/// client nonce and count must be the same, for each algorithm curl knows.
#[rstest::rstest]
#[case::md5_sess("MD5-sess", false)]
#[case::sha_256("SHA-256", false)]
#[case::sha_256_sess("SHA-256-sess", false)]
#[case::sha_512_256("SHA-512-256", false)]
#[case::sha_512_256_userhash("SHA-512-256", true)]
#[case::sha_256_userhash("SHA-256", true)]
fn the_answer_matches_curls(#[case] algorithm: &str, #[case] userhash: bool) {
    use gatepass::core::auth::digest::{self, DigestTarget};
    let Ok(version) = std::process::Command::new("curl").arg("--version").output() else {
        eprintln!("skipped: curl is not installed");
        return;
    };
    // Before 8.8.0 curl answered "SHA-512-256" with plain SHA-256 (its SHA-512/256 came in
    // 8.8.0); Gatepass's SHA-512/256 is checked against Python's hashlib in the unit tests.
    let version = String::from_utf8_lossy(&version.stdout);
    let number: Vec<u32> =
        version.split_whitespace().nth(1).unwrap_or("0").split('.').filter_map(|n| n.parse().ok()).collect();
    if algorithm.starts_with("SHA-512-256") && number.as_slice() < [8, 8].as_slice() {
        eprintln!("skipped: curl {number:?} answers SHA-512-256 with SHA-256; 8.8.0 or later is needed");
        return;
    }
    let challenge = format!(
        "Digest realm=\"curl check\", qop=\"auth\", algorithm={algorithm}, nonce=\"{}\", opaque=\"{}\"{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple(),
        if userhash { ", userhash=true" } else { "" }
    );
    let (port, answers) = challenging_listener(challenge.clone());
    let password = password();
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "--digest", "-u", &format!("ann:{password}"), "-d", "x=1"])
        .arg(format!("http://127.0.0.1:{port}/items?q=a%20b"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (method, target, curls) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    let curls = gatepass::core::challenge::parse(&curls).remove(0);
    let cnonce = curls.param("cnonce").unwrap();
    let nc = u32::from_str_radix(curls.param("nc").unwrap(), 16).unwrap();
    let read = digest::strongest(&gatepass::core::challenge::parse(&challenge)).unwrap();
    let ours = digest::answer(
        &read,
        "ann",
        &Secret::new(password),
        DigestTarget { method: &method, uri: &target, body: b"x=1" },
        cnonce,
        nc,
    );
    let ours = gatepass::core::challenge::parse(ours.expose()).remove(0);
    for name in ["response", "username", "uri", "qop", "nc", "realm", "opaque"] {
        assert_eq!(ours.param(name), curls.param(name), "{name}: ours {ours:?}, curl's {curls:?}");
    }
    assert_eq!(curls.param("uri"), Some("/items?q=a%20b"));
}
