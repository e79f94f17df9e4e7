//! Secrets a request body names as `{{secret:name}}`: kept in the profile's keychain entries,
//! filled in only when the request goes out, and never stored with the request. Proven against
//! the practice sign-in server, which takes a client secret in a form or JSON body.

use crate::common;

use gatepass::core::profile::{Environment, Profile};
use gatepass::core::request::{BodyDraft, KeyValue, Method, PrepareError, RequestDraft};
use gatepass::core::secret::Secret;
use gatepass::practice::{DemoKind, PracticeEnv, demo_credentials};
use gatepass::workspace::WorkspaceError;

fn demo_client() -> (&'static str, &'static str) {
    demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            DemoKind::OAuthClient { client_id, client_secret, .. } if c.id == "sandbox-oauth-client" => {
                Some((client_id, client_secret))
            }
            _ => None,
        })
        .unwrap()
}

fn post(body: BodyDraft) -> RequestDraft {
    let mut draft = RequestDraft::get("/oauth/token");
    draft.method = Method::Post;
    draft.body = body;
    draft
}

#[test]
fn a_client_secret_named_in_the_body_is_filled_in_when_sending_and_stored_nowhere() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let (client_id, client_secret) = demo_client();
    let profile = Profile::new("Token endpoint", Environment::Sandbox, server.base_url(PracticeEnv::Sandbox));
    ws.save_profile(&profile, None).unwrap();
    ws.set_secret_variable(&profile.id, "client_secret", &Secret::new(client_secret)).unwrap();
    let saved = ws.profile_named("Token endpoint").unwrap();
    assert_eq!(saved.secret_variables.keys().collect::<Vec<_>>(), ["client_secret"]);

    let send = |draft: RequestDraft| common::send_draft(&rt, &ws, &profile.id, draft).map(common::response_of);

    // A form body: the secret is form-encoded into place.
    let form = post(BodyDraft::Form {
        fields: vec![
            KeyValue::new("grant_type", "client_credentials"),
            KeyValue::new("client_id", client_id),
            KeyValue::new("client_secret", "{{secret:client_secret}}"),
        ],
    });
    let (status, body) = send(form).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("access_token"), "{body}");

    // The history keeps the request as typed: the name, not the value.
    let history = ws.recent_history(5).unwrap();
    let stored = serde_json::to_string(&history[0].draft).unwrap();
    assert!(stored.contains("{{secret:client_secret}}"), "{stored}");
    assert!(!stored.contains(client_secret));
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, client_secret), "the secret is in {}", path.display());
    }

    // A name the profile does not keep is refused before anything is sent, in words.
    let wrong = post(BodyDraft::Raw { content_type: "text/plain".into(), text: "{{secret:nope}}".into() });
    let err = send(wrong).unwrap_err();
    assert!(matches!(err, WorkspaceError::Prepare(PrepareError::UnknownSecretVariable { .. })), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("The request uses the secret {{secret:nope}}, but this profile keeps no secret by that name.")
    );
    // In the address itself it is not allowed.
    let in_address = RequestDraft::get("/v1/me/{{secret:client_secret}}");
    let err = send(in_address).unwrap_err().to_string();
    assert!(
        err.starts_with("Secrets from the keychain ({{secret:…}}) can be used in a body, a header's value"),
        "{err}"
    );

    // Deleting the profile deletes its body secrets from the keychain.
    let slot = saved.secret_variables["client_secret"].clone();
    ws.delete_profile(&profile.id).unwrap();
    assert!(ws.read_secret(&slot).unwrap().is_none());
}

/// The practice API's Sandbox key, for the header and query cases.
fn sandbox_key() -> &'static str {
    demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            DemoKind::ApiKey { value, .. } if c.env == PracticeEnv::Sandbox => Some(value),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_key_named_in_a_header_or_the_query_is_filled_in_when_sending_and_masked_everywhere() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let key = sandbox_key();
    // A profile without a sign-in method: the key is only a named secret (as an import leaves it).
    let profile = Profile::new("Imported", Environment::Sandbox, server.base_url(PracticeEnv::Sandbox));
    ws.save_profile(&profile, None).unwrap();
    ws.set_secret_variable(&profile.id, "api_key", &Secret::new(key)).unwrap();
    let send = |draft: RequestDraft| common::send_draft(&rt, &ws, &profile.id, draft);

    let mut in_header = RequestDraft::get("/v1/me");
    in_header.headers.push(KeyValue::new("X-Api-Key", "{{secret:api_key}}"));
    let outcome = send(in_header).unwrap();
    let gatepass::workspace::SendOutcome::Sent { exchange, .. } = &outcome else { panic!("not sent") };
    let shown = format!("{:?}", exchange.record);
    assert!(!shown.contains(key), "the record shows the key: {shown}");
    let (status, body) = common::response_of(outcome);
    assert_eq!(status, 200, "{body}");

    let mut in_query = RequestDraft::get("/v1/me");
    in_query.query.push(KeyValue::new("api_key", "{{secret:api_key}}"));
    in_query.query.push(KeyValue::new("page", "2"));
    let outcome = send(in_query).unwrap();
    let gatepass::workspace::SendOutcome::Sent { exchange, .. } = &outcome else { panic!("not sent") };
    assert!(!exchange.record.url.as_str().contains(key), "{}", exchange.record.url.as_str());
    let (status, body) = common::response_of(outcome);
    assert_eq!(status, 200, "{body}");

    // Neither the history nor any file holds the key.
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, key), "the key is in {}", path.display());
    }
    let history =
        serde_json::to_string(&ws.recent_history(5).unwrap().iter().map(|e| &e.draft).collect::<Vec<_>>()).unwrap();
    assert!(!history.contains(key));
}

#[test]
fn the_cli_keeps_a_named_secret_in_the_keychain_and_forgets_it() {
    if common::skip_without_keychain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let value = "named-secret-7d1c9a5e3b";
    let add = ["profile", "add", "Partner", "--base-url", "https://partner.test", "--auth", "none"];
    let out = common::run_gatepass(&config, &add, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = common::run_gatepass(&config, &["profile", "secret", "Partner", "partner_key"], Some(value));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("{{secret:partner_key}}") && !said.contains(value), "{said}");
    let shown = common::run_gatepass(&config, &["profile", "show", "Partner"], None);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("{{secret:partner_key}}"));
    for (path, text) in common::all_files(&config) {
        assert!(!String::from_utf8_lossy(&text).contains(value), "{path:?} holds the secret");
    }
    let bad = common::run_gatepass(&config, &["profile", "secret", "Partner", "has space"], Some(value));
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("letters, digits"));
    let out = common::run_gatepass(&config, &["profile", "secret", "Partner", "partner_key", "--remove"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = common::run_gatepass(&config, &["profile", "show", "Partner"], None);
    assert!(!String::from_utf8_lossy(&shown.stdout).contains("partner_key"));
    let again = common::run_gatepass(&config, &["profile", "secret", "Partner", "partner_key", "--remove"], None);
    assert!(String::from_utf8_lossy(&again.stderr).contains("has no secret named partner_key"));
}
