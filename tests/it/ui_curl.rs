//! UI tests of "Import cURL…" and "Copy as cURL": the real app driven through its accessibility
//! tree (`egui_kittest`, no display), secrets in session memory.

use crate::common;

use common::ui::{has_text, wait_for};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gatepass::core::profile::{AuthKind, AuthMethod, Environment, KeyPlacement, Profile};
use gatepass::core::secret::Secret;
use gatepass::ui::app::{GatepassApp, StartOptions};
use gatepass::workspace::Workspace;
use std::sync::Arc;

struct Fixture {
    _rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    ws: Arc<Workspace>,
    profile: Profile,
    harness: Harness<'static, GatepassApp>,
}

const OLD_TOKEN: &str = "old-token-value-000000";
const CANARY: &str = "gp_test_CANARYfromCurl9f2c";

fn start() -> Fixture {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let mut profile = Profile::new("Orders API", Environment::Sandbox, "https://api.example.com");
    profile.auth = AuthMethod::new_of_kind(AuthKind::Bearer, &profile.id);
    ws.save_profile(&profile, None).unwrap();
    let ctx = egui::Context::default();
    let options = StartOptions { start_practice: false, session_memory: true, ..StartOptions::default() };
    let app = GatepassApp::new(&ctx, Ok(Arc::clone(&ws)), rt.handle().clone(), options);
    // The app starts a fresh session store: the profile's token goes in after.
    ws.save_profile(&profile, Some(&Secret::new(OLD_TOKEN))).unwrap();
    let mut harness = Harness::builder().with_size(egui::vec2(1280.0, 900.0)).build_ui_state(
        |ui, app: &mut GatepassApp| {
            app.logic(&ui.ctx().clone());
            app.draw(ui);
        },
        app,
    );
    harness.step();
    Fixture { _rt: rt, _dir: dir, ws, profile, harness }
}

fn paste(f: &mut Fixture, command: &str) {
    f.harness.get_by_label("Import cURL…").click();
    for _ in 0..4 {
        f.harness.step();
    }
    assert!(f.harness.state().curl_import().is_some(), "the window did not open");
    f.harness.get_by_label("curl command").focus();
    f.harness.step();
    f.harness.get_by_label("curl command").type_text(command);
    f.harness.step();
    f.harness.step();
}

#[test]
fn pasted_command_fills_the_request_and_its_token_moves_to_the_profile() {
    let mut f = start();
    paste(
        &mut f,
        &format!(
            "curl -X POST 'https://api.example.com/v1/orders?expand=items' -H 'Authorization: Bearer {CANARY}' -H 'Accept: application/json' -k --data-raw '{{\"sku\": \"A-1\"}}'"
        ),
    );
    // The live preview says what was understood, the credential only as its fingerprint.
    assert!(has_text(&f.harness, "Gatepass understood:"));
    assert!(has_text(&f.harness, "Credential: gp_test_…9f2c (Sandbox (test) practice key) in header Authorization"));
    assert!(has_text(&f.harness, "-k (--insecure) was left out"));
    assert!(!has_text(&f.harness, "CANARY"), "the preview shows the secret");

    f.harness.get_by_label("Use this request").click();
    f.harness.step();
    f.harness.step();
    {
        let draft = &f.harness.state().tab().draft;
        assert_eq!(draft.method.as_str(), "POST");
        assert_eq!(draft.url, "https://api.example.com/v1/orders");
        assert_eq!(draft.query.len(), 1);
        let headers: Vec<(&str, &str)> = draft.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
        // --data-raw without a Content-Type: curl sends the web-form type, and so does the import.
        assert_eq!(
            headers,
            vec![("Accept", "application/json"), ("Content-Type", "application/x-www-form-urlencoded")],
            "the credential is left in the headers"
        );
        assert!(!serde_json::to_string(draft).unwrap().contains("CANARY"));
    }
    // The selected profile sends a bearer token too, so its keychain entry is offered.
    let offer = "Move it into the keychain entry of \"Orders API\"";
    assert!(has_text(&f.harness, offer));
    f.harness.get_by_label(offer).click();
    wait_for(&mut f.harness, "the credential to be stored", |h| {
        has_text(h, "Done. The credential is in the keychain entry")
    });
    let slot = f.profile.auth.secret_ref().unwrap().clone();
    assert_eq!(f.ws.read_secret(&slot).unwrap().unwrap().expose(), CANARY);
    f.harness.get_by_label("Close").click();
    f.harness.step();
    assert!(f.harness.state().curl_import().is_none());

    // Copy as cURL from the Preview tab: masked by default, and the copy holds no secret.
    f.harness.get_by_label("Preview").click();
    // The Preview shows the fingerprint of the key in the keychain (read on a task), not a stand-in.
    let preview_holds = |h: &egui_kittest::Harness<'static, gatepass::ui::app::GatepassApp>, text: &str| {
        h.query_all(egui_kittest::kittest::By::new().predicate(|node| node.value().is_some_and(|v| v.contains(text))))
            .next()
            .is_some()
    };
    wait_for(&mut f.harness, "the stored key's fingerprint", |h| {
        preview_holds(h, "Authorization: Bearer gp_test_…9f2c")
    });
    assert!(!preview_holds(&f.harness, "CANARY") && !preview_holds(&f.harness, "(from the keychain)"));
    f.harness.get_by_label("Copy as cURL").click();
    wait_for(&mut f.harness, "the copy", |h| h.state().tab().copy.status.is_some());
    let (words, shown) = f.harness.state().tab().copy.status.clone().unwrap();
    assert_eq!(words, "Copied as cURL, the secret masked.");
    let shown = shown.unwrap();
    assert!(shown.contains("-H 'Authorization: Bearer gp_test_…9f2c'"), "{shown}");
    assert!(!shown.contains("CANARY"), "{shown}");
    // Once the request changes, the old copy is no longer shown as if it were this request.
    f.harness.state_mut().tab_mut().draft.url.push_str("/7");
    f.harness.step();
    assert!(f.harness.state().tab().copy.status.is_none());
}

#[test]
fn a_credential_of_another_kind_makes_a_new_profile() {
    let mut f = start();
    paste(&mut f, &format!("curl https://api.shop.test/v1/me -H 'X-Api-Key: {CANARY}'"));
    f.harness.get_by_label("Use this request").click();
    f.harness.step();
    f.harness.step();
    assert!(has_text(
        &f.harness,
        "The selected profile \"Orders API\" uses another kind of sign-in: Access token (bearer). It cannot keep this credential, which needs a profile that sends: API key in header X-Api-Key."
    ));
    assert!(f.harness.state().tab().draft.headers.is_empty(), "the key is left in the headers");
    f.harness.get_by_label("Create profile").click();
    wait_for(&mut f.harness, "the new profile", |h| h.state().profiles().len() == 2 && has_text(h, "Done."));
    let made = f.harness.state().profiles().iter().find(|p| p.name == "api.shop.test").cloned().unwrap();
    assert_eq!(made.base_url, "https://api.shop.test");
    assert!(
        matches!(&made.auth, AuthMethod::ApiKey { name, placement: KeyPlacement::Header, .. } if name == "X-Api-Key")
    );
    assert_eq!(f.ws.read_secret(made.auth.secret_ref().unwrap()).unwrap().unwrap().expose(), CANARY);
    // The old profile keeps its own token.
    assert_eq!(f.ws.read_secret(f.profile.auth.secret_ref().unwrap()).unwrap().unwrap().expose(), OLD_TOKEN);
    // The new profile is selected.
    wait_for(&mut f.harness, "the new profile to be selected", |h| {
        h.state().active_profile().map(|p| &p.id) == Some(&made.id)
    });
}

#[test]
fn an_unclosed_quote_is_named_in_the_window() {
    let mut f = start();
    paste(&mut f, "curl https://api.example.com -d '{\"a\": 1}");
    assert!(has_text(&f.harness, "A single (') quote opened on line 1, column 33 is never closed."));
    assert!(f.harness.query_by_label("Use this request").is_none());
}
