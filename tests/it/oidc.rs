//! Interop with an independent, certified OpenID provider: panva's `oidc-provider` (npm, 8.x, on
//! Node), started on 127.0.0.1 by `tests/oidc/provider.mjs`. Every grant Gatepass runs goes
//! through the `gatepass` binary against it: client credentials with each client
//! authentication (Basic, form fields, `private_key_jwt`), the authorization code with PKCE (its
//! own login and consent pages, driven over HTTP by a stand-in browser), the device grant,
//! refresh with rotation, introspection, and DPoP-bound tokens with the server's nonces, sent on
//! to the provider's userinfo endpoint as the protected API.
//!
//! `tests/run.sh` installs `oidc-provider` and names it in `GATEPASS_OIDC_PROVIDER`; without it
//! each test says why it is skipped.

use crate::common;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

struct Provider {
    child: std::process::Child,
    issuer: String,
    events: Receiver<Value>,
    /// The `private_key_jwt` client's private key (PEM), made by the provider script.
    client_key: String,
    _dir: tempfile::TempDir,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// The next token the provider issued: `{"grant_type", "client_id", "dpop"}`.
    fn next_issued(&self) -> Value {
        self.events.recv_timeout(Duration::from_secs(20)).expect("the provider issued no token")
    }
}

fn provider() -> Option<Provider> {
    provider_with(&[])
}

fn provider_with(envs: &[(&str, std::path::PathBuf)]) -> Option<Provider> {
    if common::skip_without_keychain() {
        return None;
    }
    let Some(module) = std::env::var_os("GATEPASS_OIDC_PROVIDER") else {
        if let Some(reason) = std::env::var_os("GATEPASS_SKIP_OIDC_PROVIDER") {
            eprintln!("skipped: oidc-provider is not available ({})", reason.to_string_lossy());
            return None;
        }
        assert!(!common::real_keychain_expected(), "tests/run.sh should have installed oidc-provider");
        eprintln!("skipped: oidc-provider is not installed; tests/run.sh installs it");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("client-key.pem");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc/provider.mjs");
    let mut child = std::process::Command::new("node")
        .arg(script)
        .arg(&key_file)
        .arg(module)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("node did not start");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("listening on ").map(str::to_owned))
        .expect("the provider never said where it listens");
    let (tx, events) = channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Some(json) = line.strip_prefix("event ") {
                let _ = tx.send(serde_json::from_str(json).unwrap());
            }
        }
    });
    let client_key = std::fs::read_to_string(&key_file).unwrap();
    Some(Provider { child, issuer, events, client_key, _dir: dir })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

/// `profile add` flags for a client credentials profile of this provider's `client`.
fn client_credentials(op: &Provider, client: &str) -> Vec<String> {
    let token_url = format!("{}/token", op.issuer);
    ["--auth", "oauth-client-credentials", "--token-url", &token_url, "--client-id", client, "--scope", "orders:read"]
        .map(str::to_owned)
        .to_vec()
}

fn add(config: &std::path::Path, name: &str, issuer: &str, args: &[&str], stdin: Option<&str>) {
    let mut all = vec!["profile", "add", name, "--base-url", issuer];
    all.extend_from_slice(args);
    ok(&common::run_gatepass(config, &all, stdin));
}

/// Each client authentication at the token endpoint: the provider issues the token to that
/// client; the JWT it signed checks out against its published key set, and the opaque one is
/// active when the provider is asked (introspection).
#[test]
fn client_credentials_with_each_client_authentication() {
    let Some(op) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let token_url = format!("{}/token", op.issuer);
    let jwks = format!("{}/jwks", op.issuer);
    let introspection = format!("{}/token/introspection", op.issuer);
    let cc = ["--auth", "oauth-client-credentials", "--token-url", &token_url, "--scope", "orders:read"];

    add(
        config,
        "Basic",
        &op.issuer,
        &with(&cc, &["--client-id", "gp-cc-basic"]),
        Some("gp-cc-basic-secret-0b4e7c9a\n"),
    );
    let got = json(&common::run_gatepass(config, &["token", "get", "--profile", "Basic", "--format", "json"], None));
    assert_eq!(got["reused"], false);
    assert_eq!(got["scopes"], serde_json::json!(["orders:read"]));
    assert_eq!(got["expires_in_secs"].as_i64().map(|s| (590..=600).contains(&s)), Some(true), "{got}");
    assert_eq!(
        op.next_issued(),
        serde_json::json!({"grant_type": "client_credentials", "client_id": "gp-cc-basic", "dpop": null, "x5t": null})
    );
    let inspected = json(&common::run_gatepass(
        config,
        &["token", "inspect", "--profile", "Basic", "--jwks", &jwks, "--format", "json"],
        None,
    ));
    assert_eq!(inspected["signature"]["status"], "verified", "{inspected}");
    assert_eq!(inspected["issuer"], op.issuer.as_str());
    assert_eq!(inspected["claims"]["client_id"], "gp-cc-basic");
    assert_eq!(inspected["scopes"], serde_json::json!(["orders:read"]));
    let again = json(&common::run_gatepass(config, &["token", "get", "--profile", "Basic", "--format", "json"], None));
    assert_eq!(
        (again["reused"].clone(), again["fingerprint"].clone()),
        (Value::Bool(true), got["fingerprint"].clone())
    );

    add(
        config,
        "Form",
        &op.issuer,
        &with(&cc, &["--client-id", "gp-cc-post", "--client-auth", "body", "--introspection-url", &introspection]),
        Some("gp-cc-post-secret-5d21f08e\n"),
    );
    ok(&common::run_gatepass(config, &["token", "get", "--profile", "Form"], None));
    assert_eq!(op.next_issued()["client_id"], "gp-cc-post");
    let asked =
        json(&common::run_gatepass(config, &["token", "inspect", "--profile", "Form", "--format", "json"], None));
    assert_eq!(asked["kind"], "opaque", "{asked}");
    assert_eq!(asked["introspection"]["active"], true, "{asked}");
    assert_eq!(asked["introspection"]["client_id"], "gp-cc-post", "{asked}");
    assert_eq!(asked["introspection"]["scopes"], serde_json::json!(["orders:read"]), "{asked}");

    add(
        config,
        "Signed",
        &op.issuer,
        &with(
            &cc,
            &[
                "--client-id",
                "gp-cc-jwt",
                "--client-auth",
                "private-key-jwt",
                "--alg",
                "ES256",
                "--key-id",
                "gp-interop",
            ],
        ),
        Some(&op.client_key),
    );
    ok(&common::run_gatepass(config, &["token", "get", "--profile", "Signed"], None));
    assert_eq!(op.next_issued()["client_id"], "gp-cc-jwt");

    // A wrong secret: the provider refuses, and Gatepass says so in words, naming the client.
    add(config, "Wrong", &op.issuer, &with(&cc, &["--client-id", "gp-cc-basic"]), Some("not-the-secret\n"));
    let refused = common::run_gatepass(config, &["token", "get", "--profile", "Wrong"], None);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));
    let said = text(&refused.stderr);
    assert!(said.contains("invalid_client"), "{said}");
    assert!(!said.contains("not-the-secret"), "{said}");

    for (path, bytes) in common::all_files(config) {
        for secret in ["gp-cc-basic-secret-0b4e7c9a", "gp-cc-post-secret-5d21f08e", "PRIVATE KEY"] {
            assert!(!common::contains(&bytes, secret), "{} holds a secret", path.display());
        }
    }
}

/// `DPoP` with client credentials: the token requests carry proofs (the provider demands its nonce
/// first, so each request goes twice), the token is bound to the profile's key (`cnf.jkt`), and
/// the inspector says it matches.
#[test]
fn dpop_bound_client_credentials_answer_the_providers_nonce() {
    let Some(op) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let args = client_credentials(&op, "gp-cc-dpop");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Without a key the provider refuses this client: it must get bound tokens.
    add(config, "Unbound", &op.issuer, &args, Some("gp-cc-dpop-secret-a7730c12\n"));
    let refused = common::run_gatepass(config, &["token", "get", "--profile", "Unbound"], None);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));

    let mut bound = args.clone();
    bound.push("--dpop");
    let made = common::run_gatepass(
        config,
        &[&["profile", "add", "Bound", "--base-url", &op.issuer][..], &bound].concat(),
        Some("gp-cc-dpop-secret-a7730c12\n"),
    );
    let said = ok(&made);
    let jkt = said.split("cnf.jkt = ").nth(1).unwrap().split_whitespace().next().unwrap().trim_end_matches('.');
    ok(&common::run_gatepass(config, &["token", "get", "--profile", "Bound"], None));
    let issued = op.next_issued();
    assert_eq!((issued["client_id"].as_str(), issued["dpop"].as_str()), (Some("gp-cc-dpop"), Some(jkt)), "{issued}");
    let inspected =
        json(&common::run_gatepass(config, &["token", "inspect", "--profile", "Bound", "--format", "json"], None));
    assert_eq!(inspected["dpop"], serde_json::json!({"jkt": jkt, "matches_profile_key": true}), "{inspected}");
}

/// A stand-in browser: follows redirects, keeps cookies, fills the provider's login form (any
/// login and password), the device page's code, and submits each page's form, until it reaches
/// Gatepass's loopback callback or a page with no form.
struct Browser {
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
    rt: tokio::runtime::Runtime,
}

impl Browser {
    fn new() -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, cookies: BTreeMap::new(), rt: common::runtime() }
    }

    /// Walk from `start`; returns the last page's text.
    fn walk(&mut self, start: &str, user_code: Option<&str>) -> String {
        let mut next = (reqwest::Method::GET, url::Url::parse(start).unwrap(), Vec::<(String, String)>::new());
        for _ in 0..20 {
            let (method, url, form) = next;
            let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            let mut request = self.http.request(method.clone(), url.clone()).header("cookie", cookie);
            if method == reqwest::Method::POST {
                let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&form).finish();
                request = request.header("content-type", "application/x-www-form-urlencoded").body(body);
            }
            let (status, headers, page) = self.rt.block_on(async {
                let response = request.send().await.unwrap();
                (response.status(), response.headers().clone(), response.text().await.unwrap())
            });
            eprintln!("browser: {method} {url} -> {status}");
            for value in headers.get_all("set-cookie") {
                let pair = value.to_str().unwrap().split(';').next().unwrap();
                if let Some((name, value)) = pair.split_once('=') {
                    self.cookies.insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
            if status.is_redirection() {
                let location = headers["location"].to_str().unwrap();
                next = (reqwest::Method::GET, url.join(location).unwrap(), Vec::new());
                continue;
            }
            assert!(status.is_success(), "{url} answered {status}: {page}");
            let Some((action, fields)) = first_form(&page, user_code) else { return page };
            next = (reqwest::Method::POST, url.join(&action).unwrap(), fields);
        }
        panic!("the sign-in pages never ended");
    }
}

/// The first form on a page: its action and the fields a person would send.
fn first_form(page: &str, user_code: Option<&str>) -> Option<(String, Vec<(String, String)>)> {
    let attribute = |tag: &str, name: &str| {
        regex::Regex::new(&format!(r#"\b{name}="([^"]*)""#))
            .unwrap()
            .captures(tag)
            .map(|c| c[1].replace("&amp;", "&").replace("&#x2F;", "/"))
    };
    let start = page.find("<form")?;
    let form = &page[start..start + page[start..].find("</form>")?];
    let action = attribute(&form[..form.find('>')?], "action")?;
    let mut fields = Vec::new();
    for tag in regex::Regex::new(r"<input[^>]*>").unwrap().find_iter(form) {
        let Some(name) = attribute(tag.as_str(), "name") else { continue };
        let value = match name.as_str() {
            "login" => "gatepass-tester".to_owned(),
            "password" => "any password".to_owned(),
            "user_code" => attribute(tag.as_str(), "value").or(user_code.map(str::to_owned)).unwrap_or_default(),
            _ => attribute(tag.as_str(), "value").unwrap_or_default(),
        };
        fields.push((name, value));
    }
    Some((action, fields))
}

/// The next line with something on it after the line that `matches` (an address or a code
/// stands on its own line, after the sentence that announces it).
fn line_after(rx: &Receiver<String>, matches: impl Fn(&str) -> bool) -> String {
    common::wait_for_line(rx, matches);
    common::wait_for_line(rx, |l| !l.trim().is_empty()).trim().to_owned()
}

/// The authorization code with PKCE through the provider's own login and consent pages, with a
/// `DPoP` key: the code exchange and the refresh carry proofs with the provider's nonce, the
/// access token (30 s, so the next `token get` renews it) is bound to the key, and `gatepass send` reaches the userinfo endpoint with `Authorization: DPoP` and a
/// proof for it.
#[test]
fn authorization_code_with_pkce_dpop_and_refresh() {
    let Some(op) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let (auth_url, token_url) = (format!("{}/auth", op.issuer), format!("{}/token", op.issuer));
    let args = [
        "--auth",
        "oauth-authorization-code",
        "--authorization-url",
        &auth_url,
        "--token-url",
        &token_url,
        "--client-id",
        "gp-native",
        "--scope",
        "openid",
        "--scope",
        "offline_access",
        "--dpop",
    ];
    add(config, "Desktop", &op.issuer, &args, None);
    let (child, rx, _stderr) =
        common::spawn_gatepass(config, &["token", "get", "--profile", "Desktop", "--no-browser", "--timeout", "30"]);
    let address = line_after(&rx, |l| l.starts_with("Open this address in a browser to sign in"));
    assert!(address.starts_with(&format!("{auth_url}?")), "{address}");
    assert!(address.contains("code_challenge_method=S256"), "{address}");
    let mut browser = Browser::new();
    let last = browser.walk(&address, None);
    assert!(last.contains("You can close this tab"), "{last}");
    let out = child.wait_with_output().unwrap();
    assert!(ok(&out).starts_with("Got a new access token for \"Desktop\""));
    let first = op.next_issued();
    let jkt = first["dpop"].as_str().expect("the token is DPoP-bound").to_owned();
    assert_eq!(first["grant_type"], "authorization_code", "{first}");
    let shown = ok(&common::run_gatepass(config, &["profile", "show", "Desktop"], None));
    assert!(shown.contains(&format!("thumbprint (cnf.jkt) {jkt}")), "{shown}");

    // The API: the provider's userinfo endpoint, which checks the proof against the token's key.
    let me = common::run_gatepass(config, &["send", "--profile", "Desktop", "/me"], None);
    let me_out = ok(&me);
    assert!(
        me_out.contains("\"sub\": \"gatepass-tester\"") || me_out.contains("\"sub\":\"gatepass-tester\""),
        "{me_out}"
    );

    // 30 s tokens are always within the minute before expiry: the next get renews.
    let renewed =
        json(&common::run_gatepass(config, &["token", "get", "--profile", "Desktop", "--format", "json"], None));
    assert_eq!(renewed["reused"], false, "{renewed}");
    let second = op.next_issued();
    assert_eq!(
        (second["grant_type"].as_str(), second["dpop"].as_str()),
        (Some("authorization_code refresh_token"), Some(jkt.as_str()))
    );
    ok(&common::run_gatepass(config, &["send", "--profile", "Desktop", "/me"], None));
}

/// The device grant: Gatepass prints the code, the stand-in person types it on the provider's
/// device page and approves; Gatepass's polling gets the token.
#[test]
fn device_grant_through_the_providers_pages() {
    let Some(op) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let (device_url, token_url) = (format!("{}/device/auth", op.issuer), format!("{}/token", op.issuer));
    let args = [
        "--auth",
        "oauth-device",
        "--device-authorization-url",
        &device_url,
        "--token-url",
        &token_url,
        "--client-id",
        "gp-device",
        "--scope",
        "openid",
        "--scope",
        "offline_access",
    ];
    add(config, "TV", &op.issuer, &args, None);
    let (child, rx, _stderr) = common::spawn_gatepass(config, &["token", "get", "--profile", "TV"]);
    let intro = common::wait_for_line(&rx, |l| l.contains("and type this code:"));
    let code = common::wait_for_line(&rx, |l| !l.trim().is_empty()).trim().to_owned();
    assert!(intro.starts_with(&format!("To sign in, open {}/device", op.issuer)), "{intro}");
    let mut browser = Browser::new();
    let last = browser.walk(&format!("{}/device", op.issuer), Some(&code));
    assert!(last.contains("Sign-in Success"), "{last}");
    let out = child.wait_with_output().unwrap();
    let said = ok(&out);
    assert!(said.starts_with("Got a new access token for \"TV\""), "{said}");
    assert!(said.contains("Renewal:      a refresh token is kept in the keychain"), "{said}");
    let issued = op.next_issued();
    assert_eq!((issued["grant_type"].as_str(), issued["client_id"].as_str()), (Some("device_code"), Some("gp-device")));
    let me = ok(&common::run_gatepass(config, &["send", "--profile", "TV", "/me"], None));
    assert!(me.contains("gatepass-tester"), "{me}");
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files in `dir`:
/// (CA, server certificate, server key, client certificate, client key).
fn pki(dir: &std::path::Path) -> [std::path::PathBuf; 5] {
    let now = time::OffsetDateTime::now_utc();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::default();
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Interop CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    (ca_params.not_before, ca_params.not_after) = (now - time::Duration::days(1), now + time::Duration::days(30));
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let ca = rcgen::Issuer::new(ca_params, ca_key);
    let issue = |names: Vec<String>, usage| {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(names).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "interop");
        (params.not_before, params.not_after) = (now - time::Duration::days(1), now + time::Duration::days(30));
        params.extended_key_usages = vec![usage];
        (params.signed_by(&key, &ca).unwrap().pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = issue(vec!["127.0.0.1".to_owned()], rcgen::ExtendedKeyUsagePurpose::ServerAuth);
    let (client_cert, client_key) = issue(Vec::new(), rcgen::ExtendedKeyUsagePurpose::ClientAuth);
    let files = [
        ("ca.pem", ca_pem),
        ("server.pem", server_cert),
        ("server-key.pem", server_key),
        ("client.pem", client_cert),
        ("client-key.pem", client_key),
    ];
    files.map(|(name, text)| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    })
}

/// RFC 8705 certificate-bound tokens: the provider serves TLS, the profile holds a client
/// certificate (its key in the keychain) and the provider's CA; the token request goes with the
/// certificate, and the token is bound to it (`cnf.x5t#S256` is the certificate's SHA-256).
#[test]
fn client_credentials_over_mtls_get_a_certificate_bound_token() {
    use base64::Engine as _;
    let files = tempfile::tempdir().unwrap();
    let [ca, server_cert, server_key, client_cert, client_key] = pki(files.path());
    let envs = [("GP_TLS_CERT", server_cert), ("GP_TLS_KEY", server_key), ("GP_TLS_CA", ca.clone())];
    let Some(op) = provider_with(&envs) else { return };
    assert!(op.issuer.starts_with("https://"), "{}", op.issuer);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let mut args = client_credentials(&op, "gp-cc-mtls");
    for (flag, file) in [("--client-cert", &client_cert), ("--client-key", &client_key), ("--ca-bundle", &ca)] {
        args.extend([flag.to_owned(), file.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    add(config, "Bound by certificate", &op.issuer, &args, Some("gp-cc-mtls-secret-3e91d4b7\n"));
    ok(&common::run_gatepass(config, &["token", "get", "--profile", "Bound by certificate"], None));
    let issued = op.next_issued();
    let der = gatepass::core::certificate::parse_certificates(&std::fs::read_to_string(&client_cert).unwrap()).unwrap();
    let thumbprint = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der[0].as_ref()).as_ref());
    assert_eq!((issued["client_id"].as_str(), issued["x5t"].as_str()), (Some("gp-cc-mtls"), Some(thumbprint.as_str())));
    let inspected = json(&common::run_gatepass(
        config,
        &["token", "inspect", "--profile", "Bound by certificate", "--format", "json"],
        None,
    ));
    assert_eq!(inspected["claims"]["cnf"]["x5t#S256"], thumbprint.as_str(), "{inspected}");
    // The client key stays in the keychain: no file of the profile holds it.
    let key_text = std::fs::read_to_string(&client_key).unwrap();
    let body = key_text.lines().nth(1).unwrap();
    for (path, bytes) in common::all_files(config) {
        assert!(!common::contains(&bytes, body), "{} holds the client key", path.display());
    }
}
