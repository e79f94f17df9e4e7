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
            .starts_with("The body uses the secret {{secret:nope}}, but this profile keeps no secret by that name.")
    );
    // And outside a body it is not allowed at all.
    let mut in_header = RequestDraft::get("/v1/me");
    in_header.headers.push(KeyValue::new("X-Api-Key", "{{secret:client_secret}}"));
    let err = send(in_header).unwrap_err().to_string();
    assert!(err.starts_with("Secrets from the keychain ({{secret:…}}) can be used only in a body."), "{err}");

    // Deleting the profile deletes its body secrets from the keychain.
    let slot = saved.secret_variables["client_secret"].clone();
    ws.delete_profile(&profile.id).unwrap();
    assert!(ws.read_secret(&slot).unwrap().is_none());
}
