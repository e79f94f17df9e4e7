//! cURL import against curl itself: each command of `tests/curl/wire.toml` (and each command of
//! ../shared/samples/curl-import, when present) is run by the real curl and, imported, by
//! Gatepass's own sending path (a profile holding the credential the import took out, the
//! workspace's send), both against one loopback listener. What arrives must be the same request.
//!
//! Compared: the method; the path (percent-decoded); the query as decoded pairs (order kept among
//! repeats of a name); every header by name and value, except the connection's mechanics
//! (`Content-Length`, `Connection`, `Expect`, and the `Upgrade: h2c` that `--http2` asks for), each client's own `User-Agent` (`curl/…`,
//! `Gatepass/…`), `Accept: */*`, and the `Accept-Encoding` that `--compressed` adds; the body byte
//! for byte, or as decoded pairs when both sides send a web form (a form body is edited as fields
//! and encoded again). Each request Gatepass sent is also exported ("Copy as cURL", the secret
//! revealed) and run by curl: that must arrive as Gatepass's request too. `Cookie` is compared as its list of pairs (curl 7 joins them with `;`). A
//! multipart form's boundary is random in curl, so both sides' boundaries read `BOUNDARY`.

use crate::common;
use gatepass::core::curl::{self, FileRefusal, Files};
use gatepass::core::profile::{AuthMethod, Environment, Profile};
use serde::Deserialize;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// One request as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Arrived {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A loopback listener that answers every request `200 OK` and hands over what arrived.
struct Listener {
    port: u16,
    arrived: mpsc::Receiver<Arrived>,
}

impl Listener {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, arrived) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let tx = tx.clone();
                std::thread::spawn(move || {
                    if let Some(request) = serve(stream) {
                        let _ = tx.send(request);
                    }
                });
            }
        });
        Self { port, arrived }
    }

    /// The next request to arrive, waiting at most a few seconds.
    fn next(&self) -> Option<Arrived> {
        self.arrived.recv_timeout(Duration::from_secs(10)).ok()
    }

    /// Drop whatever arrived and was not taken (a second request curl made).
    fn drain(&self) {
        while self.arrived.try_recv().is_ok() {}
    }
}

fn serve(stream: std::net::TcpStream) -> Option<Arrived> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut writer = stream.try_clone().ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let header = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let mut body = Vec::new();
    if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").ok()?;
    Some(Arrived { method, target, headers, body })
}

/// Files read from the folder the command runs in, as `curl import --read-files` does.
struct Folder(PathBuf);

impl Files for Folder {
    fn read(&self, path: &str) -> Result<Vec<u8>, FileRefusal> {
        std::fs::read(self.0.join(path)).map_err(|e| FileRefusal::Unreadable { reason: e.to_string() })
    }
}

fn curl_installed() -> bool {
    std::process::Command::new("curl").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Run the command with the real curl, in `dir`, and take what arrived.
fn run_curl(command: &str, dir: &Path, listener: &Listener) -> Option<Arrived> {
    // A shell prompt pasted with the command is for Gatepass to see past, not for bash.
    let command = command.trim_start().strip_prefix("$ ").unwrap_or(command);
    let mut child = std::process::Command::new("bash")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let arrived = listener.next();
    let _ = child.wait();
    listener.drain();
    arrived
}

/// Numbers the profiles the tests make, so each has its own name.
static PROFILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Import the command and send it through the workspace with a profile holding its credential.
/// Also returns the request as "Copy as cURL" writes it, with the real secret.
fn run_gatepass(
    command: &str,
    dir: &Path,
    listener: &Listener,
    rt: &tokio::runtime::Runtime,
    ws: &std::sync::Arc<gatepass::workspace::Workspace>,
) -> Result<(Arrived, String), String> {
    let imported = curl::import_with(command, &Folder(dir.to_owned())).map_err(|e| e.to_string())?;
    if !imported.sends_what_curl_sends() {
        return Err(format!("the import leaves out {:?}", imported.left_out));
    }
    let n = PROFILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut profile =
        Profile::new(format!("Wire {n}"), Environment::Sandbox, format!("http://127.0.0.1:{}", listener.port));
    let secret = imported.credential().map(|c| {
        profile.auth = c.suggested.to_auth_method(&profile.id);
        c.secret.clone()
    });
    if secret.is_none() {
        profile.auth = AuthMethod::None;
    }
    ws.save_profile(&profile, secret.as_ref()).map_err(|e| e.to_string())?;
    let exported = ws
        .export_curl(&profile.id, &imported.draft, &gatepass::core::curl_export::SecretChoice::Reveal)
        .map_err(|e| e.to_string())?;
    let outcome = common::send_draft(rt, ws, &profile.id, imported.draft).map_err(|e| e.to_string())?;
    let (status, _) = common::response_of(outcome);
    assert_eq!(status, 200);
    let arrived = listener.next().ok_or("nothing arrived from Gatepass")?;
    listener.drain();
    Ok((arrived, exported))
}

fn decoded_pairs(text: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text).map(|(n, v)| (n.into_owned(), v.into_owned())).collect()
}

/// Pairs grouped by name: order matters only among repeats of one name.
fn grouped(pairs: Vec<(String, String)>) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut groups = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (name, value) in pairs {
        groups.entry(name).or_default().push(value);
    }
    groups
}

fn normal_headers(arrived: &Arrived, compressed: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = arrived
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .filter(|(n, v)| {
            !matches!(n.as_str(), "content-length" | "connection" | "expect" | "upgrade" | "http2-settings")
                && !(n == "user-agent" && (v.starts_with("curl/") || v.starts_with("Gatepass/")))
                && !(n == "accept" && v == "*/*")
                && !(n == "accept-encoding" && compressed)
        })
        .map(|(n, v)| {
            if n == "cookie" {
                let pairs: Vec<&str> = v.split(';').map(str::trim).filter(|p| !p.is_empty()).collect();
                (n, pairs.join("; "))
            } else {
                (n, v)
            }
        })
        .collect();
    out.sort();
    out
}

/// A multipart request with its boundary written as `BOUNDARY`: curl picks a random one each run.
fn without_boundary(arrived: &Arrived) -> Arrived {
    let boundary = arrived.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-type")).and_then(|(_, v)| {
        v.to_ascii_lowercase()
            .starts_with("multipart/")
            .then(|| v.split("boundary=").nth(1).map(str::to_owned))
            .flatten()
    });
    let Some(boundary) = boundary else { return arrived.clone() };
    let mut copy = arrived.clone();
    for (_, value) in &mut copy.headers {
        *value = value.replace(&boundary, "BOUNDARY");
    }
    copy.body = String::from_utf8_lossy(&arrived.body).replace(&boundary, "BOUNDARY").into_bytes();
    copy
}

/// How the two requests differ, in words; empty when they are the same request.
fn differences(command: &str, curl: &Arrived, gatepass: &Arrived) -> Vec<String> {
    let (curl, gatepass) = (&without_boundary(curl), &without_boundary(gatepass));
    let mut out = Vec::new();
    if curl.method != gatepass.method {
        out.push(format!("method: curl {}, Gatepass {}", curl.method, gatepass.method));
    }
    let split = |target: &str| -> (String, Vec<(String, String)>) {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let path = percent_encoding_decode(path);
        (if path.is_empty() { "/".to_owned() } else { path }, decoded_pairs(query.as_bytes()))
    };
    let (curl_path, curl_query) = split(&curl.target);
    let (gp_path, gp_query) = split(&gatepass.target);
    if curl_path != gp_path {
        out.push(format!("path: curl {curl_path}, Gatepass {gp_path}"));
    }
    if grouped(curl_query.clone()) != grouped(gp_query.clone()) {
        out.push(format!("query: curl {curl_query:?}, Gatepass {gp_query:?}"));
    }
    let compressed = command.contains("--compressed");
    let (curl_headers, gp_headers) = (normal_headers(curl, compressed), normal_headers(gatepass, compressed));
    if curl_headers != gp_headers {
        out.push(format!("headers: curl {curl_headers:?}, Gatepass {gp_headers:?}"));
    }
    let form = |a: &Arrived| {
        a.headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("content-type")
                && v.split(';').next().unwrap_or("").trim() == "application/x-www-form-urlencoded"
        })
    };
    let same_body = curl.body == gatepass.body
        || (form(curl) && form(gatepass) && decoded_pairs(&curl.body) == decoded_pairs(&gatepass.body));
    if !same_body {
        out.push(format!(
            "body: curl {:?}, Gatepass {:?}",
            String::from_utf8_lossy(&curl.body),
            String::from_utf8_lossy(&gatepass.body)
        ));
    }
    out
}

fn percent_encoding_decode(text: &str) -> String {
    decoded_pairs(format!("x={}", text.replace('+', "%2B")).as_bytes()).pop().map(|(_, v)| v).unwrap_or_default()
}

#[derive(Debug, Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    /// The command; `{url}` is `http://127.0.0.1:PORT`, `{host}` is `127.0.0.1:PORT`.
    curl: String,
    /// Files in the folder the command runs in.
    #[serde(default)]
    files: std::collections::BTreeMap<String, String>,
}

#[test]
fn imported_commands_send_what_curl_sends() {
    if !curl_installed() {
        eprintln!("skipped: curl is not installed, and this test compares Gatepass with it");
        return;
    }
    let table: Table = toml::from_str(include_str!("../curl/wire.toml")).unwrap();
    let listener = Listener::start();
    let rt = common::runtime();
    let home = tempfile::tempdir().unwrap();
    let ws = common::workspace(home.path());
    let mut failures = Vec::new();
    for case in &table.case {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in &case.files {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        let command = case
            .curl
            .replace("{url}", &format!("http://127.0.0.1:{}", listener.port))
            .replace("{host}", &format!("127.0.0.1:{}", listener.port));
        let Some(by_curl) = run_curl(&command, dir.path(), &listener) else {
            failures.push(format!("{}: curl sent nothing", case.name));
            continue;
        };
        match run_gatepass(&command, dir.path(), &listener, &rt, &ws) {
            Ok((by_gatepass, exported)) => {
                let diff = differences(&command, &by_curl, &by_gatepass);
                if !diff.is_empty() {
                    failures.push(format!("{}:\n    {}", case.name, diff.join("\n    ")));
                }
                // "Copy as cURL", run by curl, sends what Gatepass sent.
                match run_curl(&exported, dir.path(), &listener) {
                    Some(by_export) => {
                        let diff = differences(&exported, &by_gatepass, &by_export);
                        if !diff.is_empty() {
                            failures.push(format!(
                                "{} (exported):\n    {exported}\n    {}",
                                case.name,
                                diff.join("\n    ")
                            ));
                        }
                    }
                    None => failures.push(format!("{} (exported): curl sent nothing for\n    {exported}", case.name)),
                }
            }
            Err(why) => failures.push(format!("{}: {why}", case.name)),
        }
    }
    assert!(table.case.len() >= 40, "only {} commands", table.case.len());
    assert!(
        failures.is_empty(),
        "{} of {} differ from curl:\n{}",
        failures.len(),
        table.case.len(),
        failures.join("\n")
    );
}

/// Sample commands whose request depends on curl's version. Gatepass follows curl 8, which
/// recorded the samples' requests (curl 8.2.1).
const VERSION_DEPENDENT: &[(&str, &str)] = &[(
    "read_cookies_and_mixed_auth",
    "with --oauth2-bearer and --digest, curl 7 waits for a Digest challenge; curl 8 sends the bearer token at once",
)];

/// The real commands of ../shared/samples/curl-import (curlconverter's fixtures), each run by curl
/// against the listener: every one Gatepass imports as complete must arrive as curl's request.
#[test]
fn sample_commands_send_what_curl_sends() {
    // ../shared next to the checkout; a worktree (/work/wt/NAME) has it one level further up.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let samples = std::env::var_os("GATEPASS_SAMPLES")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("../shared/samples"), root.join("../../shared/samples")])
        .map(|p| p.join("curl-import/curl_commands"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| root.join("../shared/samples/curl-import/curl_commands"));
    if !samples.is_dir() {
        eprintln!("skipped: {} is absent (the shared samples are read at test time)", samples.display());
        return;
    }
    if !curl_installed() {
        eprintln!("skipped: curl is not installed, and this test compares Gatepass with it");
        return;
    }
    let listener = Listener::start();
    let rt = common::runtime();
    let home = tempfile::tempdir().unwrap();
    let ws = common::workspace(home.path());
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    names.sort();
    let (mut compared, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    for path in names {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let command = text.replace("localhost:28139", &format!("127.0.0.1:{}", listener.port));
        // Only what Gatepass imports whole, to a plain http:// address curl can reach here.
        let imported = match curl::import(&command) {
            Ok(imported) if imported.sends_what_curl_sends() => imported,
            Ok(_) => {
                skipped.push(format!("{name} (the import says what it leaves out)"));
                continue;
            }
            Err(e) => {
                skipped.push(format!("{name} (refused: {e})"));
                continue;
            }
        };
        if !imported.draft.url.starts_with(&format!("http://127.0.0.1:{}", listener.port))
            || imported.notes.iter().any(|n| n.contains("changes how curl connects") || n.contains("more than one"))
        {
            skipped.push(format!("{name} (another address, a proxy, or several requests)"));
            continue;
        }
        if let Some((_, why)) = VERSION_DEPENDENT.iter().find(|(n, _)| *n == name) {
            skipped.push(format!("{name} (curl {}: {why})", curl_version()));
            continue;
        }
        let Some(by_curl) = run_curl(&command, dir.path(), &listener) else {
            skipped.push(format!("{name} (curl {} sent nothing: it refuses this command)", curl_version()));
            continue;
        };
        compared += 1;
        match run_gatepass(&command, dir.path(), &listener, &rt, &ws) {
            Ok((by_gatepass, _)) => {
                let diff = differences(&command, &by_curl, &by_gatepass);
                if !diff.is_empty() {
                    failures.push(format!("{name}:\n    {}", diff.join("\n    ")));
                }
            }
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    eprintln!("compared {compared} sample commands with curl; skipped {}:\n  {}", skipped.len(), skipped.join("\n  "));
    assert!(compared >= 40, "only {compared} sample commands could be compared");
    assert!(failures.is_empty(), "{} of {compared} differ from curl:\n{}", failures.len(), failures.join("\n"));
}

fn curl_version() -> String {
    std::process::Command::new("curl")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_default()
}
