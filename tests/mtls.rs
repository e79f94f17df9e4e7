//! Client certificates (mutual TLS) against the practice API's client-certificate port, through
//! the library and the `gatepass` binary; bad certificate input at import; and the server
//! certificate's own failures (untrusted, expired, wrong host) told apart, over real TLS.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use gatepass::core::certificate::{CertState, CertificateError};
use gatepass::core::exchange::{Outcome, RequestId, TlsProblem, TransportError};
use gatepass::core::profile::{Environment, Profile};
use gatepass::core::request::RequestDraft;
use gatepass::core::secret::Secret;
use gatepass::infra::practice::{PracticeServer, SANDBOX_CLIENT_NAME};
use gatepass::workspace::{ForeignHostChoice, PracticeUrls, SendOutcome, SendRequest, Workspace, WorkspaceError};
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
    let request = SendRequest {
        id: RequestId(1),
        profile: profile.id.clone(),
        draft: RequestDraft::get(path),
        production_write_confirmed: false,
        foreign_host: ForeignHostChoice::Ask,
    };
    rt.block_on(ws.send(request)).unwrap()
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
