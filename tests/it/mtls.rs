//! Client certificates (mutual TLS) against the practice API's client-certificate port, through
//! the library and the `gatepass` binary; bad certificate input at import; and the server
//! certificate's own failures (untrusted, expired, wrong host) told apart, over real TLS.

use crate::common;

use gatepass::core::certificate::{CertState, CertificateError};
use gatepass::core::exchange::{Outcome, TlsProblem, TransportError};
use gatepass::core::profile::{Environment, Profile};
use gatepass::core::request::RequestDraft;
use gatepass::core::secret::Secret;
use gatepass::practice::{PracticeServer, SANDBOX_CLIENT_NAME};
use gatepass::workspace::{PracticeUrls, SendOutcome, Workspace, WorkspaceError};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

fn setup() -> (tokio::runtime::Runtime, PracticeServer, tempfile::TempDir, Arc<Workspace>) {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    (rt, server, dir, ws)
}

/// A profile on the client-certificate port that trusts the practice CA, with no certificate yet.
fn mtls_profile(ws: &Workspace, server: &PracticeServer, name: &str) -> Profile {
    let mut profile = Profile::new(name, Environment::Sandbox, server.mtls_base_url());
    profile.ca_bundle_pem = Some(server.pki().ca_pem().to_owned());
    ws.save_profile(&profile, None).unwrap();
    profile
}

fn send(rt: &tokio::runtime::Runtime, ws: &Arc<Workspace>, profile: &Profile, path: &str) -> SendOutcome {
    common::send_draft(rt, ws, &profile.id, RequestDraft::get(path)).unwrap()
}

fn json_ok(outcome: SendOutcome) -> serde_json::Value {
    let SendOutcome::Sent { exchange, .. } = outcome else { panic!("not sent") };
    match exchange.outcome {
        Outcome::Response(r) => {
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            serde_json::from_slice(&r.body).unwrap()
        }
        Outcome::Failed(e) => panic!("transport failure: {e:?}"),
    }
}

/// The transport error and the explanation card's headline.
fn failure(outcome: SendOutcome) -> (TransportError, String) {
    let SendOutcome::Sent { exchange, explained, .. } = outcome else { panic!("not sent") };
    let Outcome::Failed(error) = exchange.outcome else { panic!("expected a failure, got {:?}", exchange.status()) };
    let title = explained.diagnosis.findings.first().map(|f| f.title.clone()).unwrap_or_default();
    (error, title)
}

fn tls_problem(error: &TransportError) -> TlsProblem {
    match error {
        TransportError::Tls { problem, .. } => *problem,
        other => panic!("not a TLS failure: {other:?}"),
    }
}

#[test]
fn the_right_certificate_gets_through_and_the_echo_names_it() {
    let (rt, server, _dir, ws) = setup();
    let profile = mtls_profile(&ws, &server, "Cert");
    let (cert, key) = server.pki().sandbox_client();
    let facts = ws.import_client_certificate(&profile.id, &cert, &key).unwrap();
    assert_eq!(facts.common_name.as_deref(), Some(SANDBOX_CLIENT_NAME));
    assert_eq!(facts.state, CertState::Valid);
    let body = json_ok(send(&rt, &ws, &profile, "/v1/me"));
    assert_eq!(body["client_certificate"]["common_name"], SANDBOX_CLIENT_NAME);
    assert_eq!(body["client_certificate"]["subject"], format!("CN={SANDBOX_CLIENT_NAME}, O=Gatepass practice API"));
    assert_eq!(body["client_certificate"]["issuer"], "CN=Gatepass Practice CA, O=Gatepass practice API");
    // A second send reuses the client built for this certificate.
    assert_eq!(json_ok(send(&rt, &ws, &profile, "/v1/me"))["authenticated_with"], "client_certificate");
}

#[test]
fn no_certificate_is_told_as_missing() {
    let (rt, server, _dir, ws) = setup();
    let profile = mtls_profile(&ws, &server, "No cert");
    let (error, title) = failure(send(&rt, &ws, &profile, "/v1/me"));
    assert_eq!(tls_problem(&error), TlsProblem::ClientCertificateMissing, "{error:?}");
    assert_eq!(
        error.to_string(),
        "127.0.0.1 asks for a client certificate (a file that proves which system is calling), and this profile has none. Add the certificate and its key to the profile."
    );
    assert_eq!(title, "The client certificate was missing or not accepted");
}

#[test]
fn an_expired_certificate_is_told_as_expired() {
    let (rt, server, _dir, ws) = setup();
    let profile = mtls_profile(&ws, &server, "Old cert");
    let now = OffsetDateTime::now_utc();
    let (cert, key) =
        server.pki().issue_client_certificate("old-app", now - Duration::days(400), now - Duration::days(3)).unwrap();
    let facts = ws.import_client_certificate(&profile.id, &cert, &key).unwrap();
    assert_eq!((facts.state, facts.days_left), (CertState::Expired, -3));
    let (error, title) = failure(send(&rt, &ws, &profile, "/v1/me"));
    assert_eq!(tls_problem(&error), TlsProblem::ClientCertificateExpired, "{error:?}");
    assert_eq!(
        error.to_string(),
        "127.0.0.1 refused the client certificate because it has expired. Ask for a new certificate and import it into the profile."
    );
    assert_eq!(title, "The client certificate was missing or not accepted");
}

/// A certificate authority of our own, that the practice API has never heard of, and a client
/// certificate it signed.
fn stranger_certificate() -> (String, Secret) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::default();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Stranger CA");
    let ca = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(rcgen::DnType::CommonName, "stranger-app");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &ca).unwrap();
    (cert.pem(), Secret::new(key.serialize_pem()))
}

#[test]
fn a_certificate_from_an_unknown_authority_is_told_as_untrusted() {
    let (rt, server, _dir, ws) = setup();
    let profile = mtls_profile(&ws, &server, "Stranger");
    let (cert, key) = stranger_certificate();
    ws.import_client_certificate(&profile.id, &cert, &key).unwrap();
    let (error, title) = failure(send(&rt, &ws, &profile, "/v1/me"));
    assert_eq!(tls_problem(&error), TlsProblem::ClientCertificateUntrusted, "{error:?}");
    assert_eq!(
        error.to_string(),
        "127.0.0.1 does not trust the authority that issued the client certificate. Check that this is the certificate made for this API, or ask the API owner which authority they accept."
    );
    assert_eq!(title, "The client certificate was missing or not accepted");
}

#[test]
fn bad_input_is_refused_at_import_with_the_reason() {
    let (_rt, server, _dir, ws) = setup();
    let profile = mtls_profile(&ws, &server, "Import");
    let (cert, key) = server.pki().sandbox_client();
    let (_, other_key) = stranger_certificate();
    let refuse = |cert: &str, key: &Secret| match ws.import_client_certificate(&profile.id, cert, key) {
        Err(WorkspaceError::Certificate(e)) => e,
        other => panic!("expected a certificate error, got {other:?}"),
    };
    assert_eq!(refuse(&cert, &other_key), CertificateError::KeyMismatch);
    assert_eq!(refuse("not a certificate", &key), CertificateError::NoCertificate);
    assert_eq!(refuse(&cert.replacen("MI", "M*", 1), &key), CertificateError::BadPem { what: "certificate" });
    assert_eq!(refuse(key.expose(), &key), CertificateError::KeyGivenAsCertificate);
    assert_eq!(refuse(&cert, &Secret::new(cert.clone())), CertificateError::NoKey);
    let error = ws.import_client_certificate(&profile.id, &cert, &other_key).unwrap_err();
    assert_eq!(
        error.to_string(),
        "The client certificate cannot be used. The private key does not belong to this certificate. Choose the key that was made together with the certificate."
    );
    // Nothing was kept from the refused imports.
    assert_eq!(ws.profile_named("Import").unwrap().client_certificate, None);
}

#[test]
fn the_key_never_reaches_the_profile_file_and_goes_with_the_profile() {
    let (_rt, server, dir, ws) = setup();
    let profile = mtls_profile(&ws, &server, "Canary");
    let (cert, key) = server.pki().sandbox_client();
    ws.import_client_certificate(&profile.id, &cert, &key).unwrap();
    let body = key.expose().lines().nth(1).unwrap().to_owned();
    assert!(body.len() > 20);
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, &body), "the private key is in {}", path.display());
    }
    let slot = ws.profile_named("Canary").unwrap().client_certificate.unwrap().private_key;
    assert_eq!(ws.read_secret(&slot).unwrap().as_ref(), Some(&key));
    ws.delete_profile(&profile.id).unwrap();
    assert_eq!(ws.read_secret(&slot).unwrap(), None, "the key was left in the keychain");
}

#[test]
fn the_sample_certificate_profile_works_on_a_fresh_config_dir() {
    let (rt, server, _dir, ws) = setup();
    ws.ensure_sample_workspace(&PracticeUrls::from(&server)).unwrap();
    let profile = ws.profile_named("Practice — Client certificate (Sandbox)").unwrap();
    assert_eq!(profile.base_url, server.mtls_base_url());
    let body = json_ok(send(&rt, &ws, &profile, "/v1/me"));
    assert_eq!(body["client_certificate"]["common_name"], SANDBOX_CLIENT_NAME);

    // The next run makes new certificates: the profile follows them.
    let rt2 = common::runtime();
    let next = common::practice(&rt2);
    ws.ensure_sample_workspace(&PracticeUrls::from(&next)).unwrap();
    let moved = ws.profile_named("Practice — Client certificate (Sandbox)").unwrap();
    assert_eq!(moved.ca_bundle_pem.as_deref(), Some(next.pki().ca_pem()));
    let body = json_ok(send(&rt2, &ws, &moved, "/v1/me"));
    assert_eq!(body["client_certificate"]["common_name"], SANDBOX_CLIENT_NAME);
    drop(server);
}

#[test]
fn certificate_facts_follow_an_injected_clock() {
    let (_rt, server, _dir, _ws) = setup();
    let start = OffsetDateTime::parse("2026-03-01T00:00:00Z", &time::format_description::well_known::Rfc3339).unwrap();
    let (cert, _) = server.pki().issue_client_certificate("clock-app", start, start + Duration::days(90)).unwrap();
    let at = |days: i64| gatepass::core::certificate::facts_from_pem(&cert, start + Duration::days(days)).unwrap();
    assert_eq!((at(-1).state, at(-1).days_left), (CertState::NotYetValid, 91));
    assert_eq!((at(0).state, at(0).days_left), (CertState::Valid, 90));
    assert_eq!((at(60).state, at(60).days_left), (CertState::Valid, 30));
    assert_eq!((at(61).state, at(61).days_left), (CertState::ExpiresSoon, 29));
    assert_eq!(at(61).state_words(), "Expires in 29 days (on 2026-05-30). Ask for a new certificate soon");
    assert_eq!((at(90).state, at(90).days_left), (CertState::Expired, 0));
    assert_eq!((at(95).state, at(95).days_left), (CertState::Expired, -5));
    assert_eq!(at(95).issuer, "CN=Gatepass Practice CA, O=Gatepass practice API");
}

/// A TLS server on loopback whose certificate is signed by a CA of the test's own, made with
/// these names and dates. Returns the port and the CA (PEM) to trust.
fn tls_server(
    rt: &tokio::runtime::Runtime,
    names: &[&str],
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> (u16, String) {
    use tokio_rustls::rustls;
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::default();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Test server CA");
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let ca = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params.signed_by(&key, &ca).unwrap();
    let key = gatepass::core::certificate::parse_private_key(&key.serialize_pem()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    (port, ca_pem)
}

/// Send to a test TLS server with a profile that trusts its CA.
fn send_trusting(rt: &tokio::runtime::Runtime, port: u16, ca_pem: String) -> TransportError {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let mut profile = Profile::new("Server check", Environment::Sandbox, format!("https://127.0.0.1:{port}"));
    profile.ca_bundle_pem = Some(ca_pem);
    ws.save_profile(&profile, None).unwrap();
    failure(send(rt, &ws, &profile, "/v1/me")).0
}

#[test]
fn an_expired_server_certificate_is_told_apart() {
    let rt = common::runtime();
    let now = OffsetDateTime::now_utc();
    let (port, ca) = tls_server(&rt, &["127.0.0.1", "localhost"], now - Duration::days(60), now - Duration::days(2));
    let error = send_trusting(&rt, port, ca);
    assert_eq!(tls_problem(&error), TlsProblem::Expired, "{error:?}");
    assert_eq!(
        error.to_string(),
        "The secure connection to 127.0.0.1 failed: the server's certificate has expired. Tell the API owner."
    );
}

#[test]
fn a_server_certificate_for_another_name_is_told_apart() {
    let rt = common::runtime();
    let now = OffsetDateTime::now_utc();
    let (port, ca) = tls_server(&rt, &["api.other.example"], now - Duration::days(1), now + Duration::days(30));
    let error = send_trusting(&rt, port, ca);
    assert_eq!(tls_problem(&error), TlsProblem::WrongHost, "{error:?}");
    assert_eq!(
        error.to_string(),
        "The secure connection failed: the certificate is for a different name than 127.0.0.1. Check the address."
    );
}

#[test]
fn a_server_certificate_from_an_unknown_authority_is_told_apart() {
    let rt = common::runtime();
    let now = OffsetDateTime::now_utc();
    let (port, _ca) = tls_server(&rt, &["127.0.0.1"], now - Duration::days(1), now + Duration::days(30));
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = Profile::new("No CA", Environment::Sandbox, format!("https://127.0.0.1:{port}"));
    ws.save_profile(&profile, None).unwrap();
    let error = failure(send(&rt, &ws, &profile, "/v1/me")).0;
    assert_eq!(tls_problem(&error), TlsProblem::Untrusted, "{error:?}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_binary_adds_shows_and_sends_with_a_client_certificate() {
    if !common::real_keychain_expected() {
        eprintln!("skipped: run tests/run.sh for a private keychain");
        return;
    }
    let (_rt, server, dir, _ws) = setup();
    let config = dir.path().join("cli");
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (cert, key) = server.pki().sandbox_client();
    let (cert_file, key_file, ca_file) =
        (file("client.pem", &cert), file("client-key.pem", key.expose()), file("ca.pem", server.pki().ca_pem()));
    let (_, other_key) = stranger_certificate();
    let other_key_file = file("other-key.pem", other_key.expose());
    let base = server.mtls_base_url();
    let gatepass = |args: &[&str]| common::run_gatepass(&config, args, None);

    // A key that belongs to another certificate is refused, and nothing is saved.
    let out = gatepass(&[
        "profile",
        "add",
        "Cert",
        "--base-url",
        &base,
        "--client-cert",
        &cert_file,
        "--client-key",
        &other_key_file,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("The private key does not belong to this certificate."),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&gatepass(&["profile", "list"]).stdout).contains("Cert"));

    let out = gatepass(&[
        "profile",
        "add",
        "Cert",
        "--base-url",
        &base,
        "--client-cert",
        &cert_file,
        "--client-key",
        &key_file,
        "--ca-bundle",
        &ca_file,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("Added profile \"Cert\" (Sandbox (test)). Its client certificate key is in the keychain."),
        "{}",
        text(&out.stdout)
    );

    let shown = text(&gatepass(&["profile", "show", "Cert"]).stdout);
    assert!(shown.contains(&format!("Client cert:     CN={SANDBOX_CLIENT_NAME}, O=Gatepass practice API")), "{shown}");
    assert!(shown.contains("  state:         Valid for 364 more days"), "{shown}");
    assert!(shown.contains("  key:           in the keychain"), "{shown}");
    assert!(shown.contains("Also trusts:     Gatepass Practice CA (CA bundle)"), "{shown}");
    let key_line = key.expose().lines().nth(1).unwrap();
    assert!(!shown.contains(key_line));
    for (path, bytes) in common::all_files(&config) {
        assert!(!common::contains(&bytes, key_line), "the private key is in {}", path.display());
    }

    let out = gatepass(&["send", "--profile", "Cert", "/v1/me"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("200 OK"), "{stdout}");
    assert!(stdout.contains(&format!("\"common_name\":\"{SANDBOX_CLIENT_NAME}\"")), "{stdout}");

    // An expired certificate: said before sending, and explained after.
    let now = OffsetDateTime::now_utc();
    let (old_cert, old_key) =
        server.pki().issue_client_certificate("old-app", now - Duration::days(100), now - Duration::days(1)).unwrap();
    let (old_cert_file, old_key_file) = (file("old.pem", &old_cert), file("old-key.pem", old_key.expose()));
    let out =
        gatepass(&["profile", "certificate", "Cert", "--client-cert", &old_cert_file, "--client-key", &old_key_file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = gatepass(&["send", "--profile", "Cert", "/v1/me"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let warned = stderr.find("Warning: the client certificate (old-app): Expired 1 day ago").expect(&stderr);
    let failed = stderr.find("127.0.0.1 refused the client certificate because it has expired.").expect(&stderr);
    assert!(warned < failed, "{stderr}");

    // Taken off: the server says it wants one.
    let out = gatepass(&["profile", "certificate", "Cert", "--remove"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = gatepass(&["send", "--profile", "Cert", "/v1/me"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("127.0.0.1 asks for a client certificate"), "{}", text(&out.stderr));
}

#[test]
fn a_pkcs12_bundle_opens_with_its_passphrase_and_gets_through() {
    let (rt, server, _dir, ws) = setup();
    let profile = mtls_profile(&ws, &server, "P12");
    let (cert, key) = server.pki().sandbox_client();
    let bundle = common::pkcs12(&cert, &key, "correct horse");

    let wrong = Workspace::open_pkcs12(&bundle, &Secret::new("wrong horse")).unwrap_err();
    assert!(matches!(wrong, WorkspaceError::Certificate(CertificateError::WrongPassphrase)), "{wrong:?}");
    assert_eq!(
        wrong.to_string(),
        "The client certificate cannot be used. The passphrase does not open this PKCS#12 file. Check it (it is case-sensitive) and try again, or ask whoever made the file."
    );
    let garbage = Workspace::open_pkcs12(b"not a bundle at all", &Secret::new("x")).unwrap_err();
    assert!(matches!(garbage, WorkspaceError::Certificate(CertificateError::BadPkcs12)), "{garbage:?}");

    let (cert_from_bundle, key_from_bundle) = Workspace::open_pkcs12(&bundle, &Secret::new("correct horse")).unwrap();
    assert_eq!(cert_from_bundle.trim(), cert.trim(), "the certificate inside is the one put in");
    let facts = ws.import_client_certificate(&profile.id, &cert_from_bundle, &key_from_bundle).unwrap();
    assert_eq!(facts.common_name.as_deref(), Some(SANDBOX_CLIENT_NAME));
    assert_eq!(json_ok(send(&rt, &ws, &profile, "/v1/me"))["client_certificate"]["common_name"], SANDBOX_CLIENT_NAME);
}

#[test]
fn the_binary_takes_a_pkcs12_bundle_with_the_passphrase_on_stdin() {
    if !common::real_keychain_expected() {
        eprintln!("skipped: run tests/run.sh for a private keychain");
        return;
    }
    let (_rt, server, dir, _ws) = setup();
    let config = dir.path().join("cli");
    let (cert, key) = server.pki().sandbox_client();
    let bundle_path = dir.path().join("client.p12");
    std::fs::write(&bundle_path, common::pkcs12(&cert, &key, "s3cret")).unwrap();
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, server.pki().ca_pem()).unwrap();
    let base = server.mtls_base_url();
    let add = |passphrase: &str| {
        common::run_gatepass(
            &config,
            &[
                "profile",
                "add",
                "P12",
                "--base-url",
                &base,
                "--pkcs12",
                bundle_path.to_str().unwrap(),
                "--ca-bundle",
                ca_path.to_str().unwrap(),
            ],
            Some(passphrase),
        )
    };
    let out = add("not it\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("The passphrase does not open this PKCS#12 file."), "{}", text(&out.stderr));
    let out = add("s3cret\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = common::run_gatepass(&config, &["send", "--profile", "P12", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("\"common_name\":\"{SANDBOX_CLIENT_NAME}\"")), "{}", text(&out.stdout));
    let key_line = key.expose().lines().nth(1).unwrap();
    for (path, bytes) in common::all_files(&config) {
        assert!(!common::contains(&bytes, key_line), "the private key is in {}", path.display());
        assert!(!common::contains(&bytes, "s3cret"), "the passphrase is in {}", path.display());
    }
}
