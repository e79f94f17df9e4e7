//! The send use case over real loopback HTTP against the practice API: credentials applied,
//! gates, redirects, history.

use crate::common;

use gatepass::core::exchange::{Outcome, RequestId};
use gatepass::core::profile::{AuthKind, AuthMethod, Environment, KeyPlacement, Profile};
use gatepass::core::request::{BodyDraft, Gate, Method, RequestDraft};
use gatepass::core::secret::Secret;
use gatepass::practice::{DemoKind, PracticeEnv, demo_credentials};
use gatepass::workspace::{ForeignHostChoice, SendOutcome, SendRequest, Workspace};
use std::sync::Arc;

fn send(rt: &tokio::runtime::Runtime, ws: &Arc<Workspace>, profile: &Profile, draft: RequestDraft) -> SendOutcome {
    send_with(rt, ws, profile, draft, false, ForeignHostChoice::Ask)
}

fn send_with(
    rt: &tokio::runtime::Runtime,
    ws: &Arc<Workspace>,
    profile: &Profile,
    draft: RequestDraft,
    production_write_confirmed: bool,
    foreign_host: ForeignHostChoice,
) -> SendOutcome {
    let request = SendRequest {
        id: RequestId(7),
        profile: profile.id.clone(),
        draft,
        production_write_confirmed,
        foreign_host,
        origin: gatepass::workspace::SendOrigin::Manual,
        required_scopes: Vec::new(),
    };
    rt.block_on(ws.send(request)).unwrap()
}

fn response(outcome: SendOutcome) -> (u16, serde_json::Value) {
    match outcome {
        SendOutcome::Sent { exchange, .. } => match exchange.outcome {
            Outcome::Response(r) => (r.status, serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null)),
            Outcome::Failed(e) => panic!("transport failure: {e}"),
        },
        SendOutcome::NeedsConfirmation(g) => panic!("needs confirmation: {g:?}"),
    }
}

fn sample(ws: &Workspace, name: &str) -> Profile {
    ws.profile_named(name).unwrap()
}

#[test]
fn sample_workspace_sends_200_then_401() {
    let (rt, _server, _dir, ws) = common::sample_workspace();
    let sandbox = sample(&ws, "Practice — Sandbox");
    assert_eq!(sandbox.environment, Environment::Sandbox);

    let (status, body) = response(send(&rt, &ws, &sandbox, RequestDraft::get("/v1/me")));
    assert_eq!(status, 200);
    assert_eq!(body["environment"], "sandbox");
    assert_eq!(body["method"], "api_key");

    let mut without = RequestDraft::get("/v1/me");
    without.send_credential = false;
    let (status, body) = response(send(&rt, &ws, &sandbox, without));
    assert_eq!(status, 401);
    assert_eq!(body["error"], "missing_credential");

    let production = sample(&ws, "Practice — Production");
    let (status, body) = response(send(&rt, &ws, &production, RequestDraft::get("/v1/me")));
    assert_eq!(status, 200);
    assert_eq!(body["environment"], "production");
    assert_eq!(body["method"], "bearer");

    let history = ws.recent_history(10).unwrap();
    assert_eq!(history.iter().map(|h| h.status).collect::<Vec<_>>(), vec![Some(200), Some(401), Some(200)]);
    assert_eq!(history[1].profile_name, "Practice — Sandbox");
    assert!(!history[1].draft.send_credential);
}

#[test]
fn production_write_waits_for_a_yes_and_then_shows_the_missing_scope() {
    let (rt, _server, _dir, ws) = common::sample_workspace();
    let production = sample(&ws, "Practice — Production");
    let mut draft = RequestDraft::get("/v1/orders");
    draft.method = Method::Post;
    draft.body = BodyDraft::Json { text: "{\"item\":\"pen\"}".into() };

    match send(&rt, &ws, &production, draft.clone()) {
        SendOutcome::NeedsConfirmation(gates) => {
            assert_eq!(
                gates,
                vec![Gate::ProductionWrite { method: Method::Post, profile: "Practice — Production".into() }]
            );
        }
        SendOutcome::Sent { .. } => panic!("a production POST went out without a yes"),
    }
    assert!(ws.recent_history(10).unwrap().is_empty(), "nothing may be sent or recorded before the yes");

    let outcome = send_with(&rt, &ws, &production, draft, true, ForeignHostChoice::Ask);
    let SendOutcome::Sent { exchange, .. } = outcome else { panic!("not sent") };
    let r = exchange.response().unwrap();
    assert_eq!(r.status, 403);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");
    assert!(challenge.contains("scope=\"orders:write\""), "{challenge}");
}

fn api_key_profile(base: &str, key: &str, ws: &Workspace, placement: KeyPlacement) -> Profile {
    let mut p = Profile::new("Own key", Environment::Sandbox, base);
    p.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &p.id);
    if let AuthMethod::ApiKey { placement: pl, .. } = &mut p.auth {
        *pl = placement;
    }
    ws.save_profile(&p, Some(&Secret::new(key))).unwrap();
    p
}

fn sandbox_key() -> &'static str {
    demo_credentials()
        .into_iter()
        .find_map(|c| match (c.env, c.id, c.kind) {
            (PracticeEnv::Sandbox, "sandbox-api-key", DemoKind::ApiKey { value, .. }) => Some(value),
            _ => None,
        })
        .unwrap()
}

#[test]
fn credential_to_a_foreign_host_needs_a_yes_and_can_be_left_out() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let base = server.base_url(PracticeEnv::Sandbox);
    let profile = api_key_profile(&base, sandbox_key(), &ws, KeyPlacement::Header);
    // localhost is the same machine under another name: not in the allowed hosts.
    let foreign = base.replace("127.0.0.1", "localhost");
    let draft = RequestDraft::get(format!("{foreign}/v1/echo"));
    match send(&rt, &ws, &profile, draft.clone()) {
        SendOutcome::NeedsConfirmation(gates) => assert_eq!(
            gates[0].question(),
            format!(
                "This would send your Sandbox API key to {foreign}, which is not one of this profile's allowed hosts."
            )
        ),
        SendOutcome::Sent { .. } => panic!("sent to a foreign host without asking"),
    }
    let (status, echo) =
        response(send_with(&rt, &ws, &profile, draft.clone(), false, ForeignHostChoice::SendWithoutCredential));
    assert_eq!(status, 200);
    assert!(echo["headers"].get("x-api-key").is_none(), "{echo}");
    let (_, echo) = response(send_with(&rt, &ws, &profile, draft, false, ForeignHostChoice::SendWithCredential));
    assert!(echo["headers"].get("x-api-key").is_some(), "{echo}");
}

#[test]
fn redirect_to_another_host_drops_the_credential() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    for placement in [KeyPlacement::Header, KeyPlacement::Query] {
        let profile = api_key_profile(&server.base_url(PracticeEnv::Sandbox), sandbox_key(), &ws, placement);
        let outcome = send(&rt, &ws, &profile, RequestDraft::get("/v1/redirect-away"));
        let SendOutcome::Sent { exchange, .. } = outcome else { panic!("not sent") };
        let r = exchange.response().unwrap();
        assert_eq!(r.status, 200, "{placement:?}");
        assert!(r.final_url.contains("localhost"), "{}", r.final_url);
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.to_ascii_lowercase().contains("x-api-key"), "{placement:?}: {body}");
        assert!(!body.contains("api_key"), "{placement:?}: {body}");
        ws.delete_profile(&profile.id).unwrap();
    }
}

#[test]
fn transport_failures_are_outcomes_in_plain_words() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let profile = Profile::new("Nowhere", Environment::Sandbox, format!("http://127.0.0.1:{port}"));
    ws.save_profile(&profile, None).unwrap();
    let SendOutcome::Sent { exchange, .. } = send(&rt, &ws, &profile, RequestDraft::get("/v1/me")) else { panic!() };
    let Outcome::Failed(error) = &exchange.outcome else { panic!("expected a failure") };
    assert_eq!(
        error.to_string(),
        "The server at 127.0.0.1 refused the connection. It may be down, or the port may be wrong."
    );
    let history = ws.recent_history(1).unwrap();
    assert_eq!(history[0].status, None);
    assert_eq!(history[0].error.as_deref(), Some(error.to_string().as_str()));
}

#[test]
fn slow_answer_times_out_with_the_limit_named() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = Profile::new("Slow", Environment::Sandbox, server.base_url(PracticeEnv::Sandbox));
    ws.save_profile(&profile, None).unwrap();
    let mut draft = RequestDraft::get("/v1/slow?ms=5000");
    draft.timeout_secs = 1;
    let SendOutcome::Sent { exchange, .. } = send(&rt, &ws, &profile, draft) else { panic!() };
    let Outcome::Failed(error) = &exchange.outcome else { panic!("expected a timeout") };
    assert_eq!(
        error.to_string(),
        "No answer within 1 second. The server may be slow or unreachable; try again or raise the timeout."
    );
}

/// A real TLS server on loopback whose certificate nobody trusts (self-signed).
fn untrusted_tls_server(rt: &tokio::runtime::Runtime) -> u16 {
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let cert = CertificateDer::from(certified.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        tokio_rustls::rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
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
    port
}

#[test]
fn untrusted_certificate_is_named_over_real_tls() {
    let rt = common::runtime();
    let port = untrusted_tls_server(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let profile = Profile::new("Self-signed", Environment::Sandbox, format!("https://localhost:{port}"));
    ws.save_profile(&profile, None).unwrap();
    let SendOutcome::Sent { exchange, .. } = send(&rt, &ws, &profile, RequestDraft::get("/v1/me")) else { panic!() };
    let Outcome::Failed(error) = &exchange.outcome else { panic!("expected a TLS failure") };
    assert_eq!(
        error.to_string(),
        "The secure connection to localhost failed: its certificate is not from an authority this computer trusts. \
         If this is a private or test server, add its CA certificate."
    );
}

#[test]
fn every_lab_route_is_explained_live_as_its_cause() {
    let (rt, _server, _dir, ws) = common::sample_workspace();
    let sandbox = sample(&ws, "Practice — Sandbox");
    let labs = gatepass::workspace::lab_requests();
    assert_eq!(labs.len(), gatepass::core::diagnose::Cause::ALL.len(), "one lab route per cause");
    for (lab, cause) in labs.into_iter().zip(gatepass::core::diagnose::Cause::ALL) {
        let SendOutcome::Sent { explained, exchange, .. } = send(&rt, &ws, &sandbox, lab.draft.clone()) else {
            panic!("{} was not sent", lab.label)
        };
        let causes: Vec<_> = explained.diagnosis.findings.iter().map(|f| f.cause).collect();
        assert_eq!(causes.first(), Some(&cause), "{} ({:?}) was explained as {causes:?}", lab.label, exchange.status());
    }
    // And a success says nothing.
    let SendOutcome::Sent { explained, .. } = send(&rt, &ws, &sandbox, RequestDraft::get("/v1/me")) else { panic!() };
    assert!(explained.diagnosis.findings.is_empty());
}

#[test]
fn a_test_key_in_a_production_profile_is_explained_as_the_wrong_environment() {
    let (rt, _server, _dir, ws) = common::sample_workspace();
    let production = sample(&ws, "Practice — Production");
    let mut profile = Profile::new("Mixed up", Environment::Production, production.base_url.clone());
    profile.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &profile.id);
    let key = demo_credentials()
        .into_iter()
        .find_map(|c| match (c.env, c.kind) {
            (PracticeEnv::Sandbox, DemoKind::ApiKey { value, .. }) if c.id == "sandbox-api-key" => Some(value),
            _ => None,
        })
        .unwrap();
    ws.save_profile(&profile, Some(&Secret::new(key))).unwrap();
    let SendOutcome::Sent { explained, exchange, .. } = send(&rt, &ws, &profile, RequestDraft::get("/v1/me")) else {
        panic!()
    };
    assert_eq!(exchange.status(), Some(401));
    let top = &explained.diagnosis.findings[0];
    assert_eq!(top.cause, gatepass::core::diagnose::Cause::WrongEnvironment, "{:?}", explained.diagnosis.findings);
    assert_eq!(top.title, "A Sandbox (test) key was sent to Production (live)");
    assert!(!format!("{explained:?}").contains(&key[8..]), "the key leaked into the diagnosis");
}

#[test]
fn a_refused_duplicate_name_leaves_no_secret_behind() {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let mut first = Profile::new("Shop", Environment::Sandbox, "https://api.shop.test");
    first.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &first.id);
    ws.save_profile(&first, Some(&Secret::new("gp_test_firstkey123456789"))).unwrap();
    let mut second = Profile::new("shop", Environment::Sandbox, "https://api.shop.test");
    second.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &second.id);
    let refused = ws.save_profile(&second, Some(&Secret::new("gp_test_secondkey12345678")));
    assert!(refused.unwrap_err().to_string().contains("already exists"));
    let slot = second.auth.secret_ref().unwrap();
    assert_eq!(ws.read_secret(slot).unwrap(), None, "the refused profile's key was kept");
    let kept = ws.read_secret(first.auth.secret_ref().unwrap()).unwrap().unwrap();
    assert_eq!(kept.expose(), "gp_test_firstkey123456789");
}
