//! UI tests of the token inspector and the profile bar's token state: the real app driven through
//! its accessibility tree (`egui_kittest`, no display), secrets in session memory.

use crate::common;

use common::ui::{has_text, type_into, wait_for};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gatepass::core::profile::{AuthKind, AuthMethod, Environment, Profile};
use gatepass::core::secret::Secret;
use gatepass::ui::app::{GatepassApp, StartOptions};
use gatepass::ui::command::Command;
use gatepass::ui::panels::token_ui::KeyChoice;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

struct Fixture {
    _rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    harness: Harness<'static, GatepassApp>,
}

fn start() -> Fixture {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let ctx = egui::Context::default();
    let options = StartOptions { start_practice: false, session_memory: true, ..StartOptions::default() };
    let app = GatepassApp::new(&ctx, Ok(ws), rt.handle().clone(), options);
    let mut harness = Harness::builder().with_size(egui::vec2(1280.0, 900.0)).build_ui_state(
        |ui, app: &mut GatepassApp| {
            app.logic(&ui.ctx().clone());
            app.draw(ui);
        },
        app,
    );
    harness.step();
    Fixture { _rt: rt, _dir: dir, harness }
}

const SIGNING_SECRET: &str = "ui-test-signing-secret";

/// A bearer profile whose token expires in 12½ minutes and lacks one expected permission.
fn bearer_profile(f: &mut Fixture) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = serde_json::json!({
        "iss": "https://auth.example.com", "sub": "ui-user", "aud": "orders-api",
        "exp": now + 750, "iat": now - 30, "scope": "orders:read",
    });
    let token =
        encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SIGNING_SECRET.as_bytes())).unwrap();
    let mut profile = Profile::new("Orders API", Environment::Sandbox, "https://api.example.com");
    profile.auth = AuthMethod::new_of_kind(AuthKind::Bearer, &profile.id);
    profile.expected_scopes = vec!["orders:read".into(), "orders:write".into()];
    f.harness
        .state_mut()
        .commands
        .push(Command::SaveProfile { profile: Box::new(profile), secret: Some(Secret::new(token.as_str())) });
    token
}

#[test]
fn profile_bar_shows_the_token_state_and_the_inspector_explains_it() {
    let mut f = start();
    let token = bearer_profile(&mut f);
    wait_for(&mut f.harness, "the profile bar's token state", |h| has_text(h, "token expires in 12 min"));

    // The state in the bar opens the inspector.
    f.harness.get_by_label_contains("token expires in 12 min").click();
    wait_for(&mut f.harness, "the inspector", |h| has_text(h, "who issued this pass"));
    let h = &f.harness;
    assert!(has_text(h, "The access token of the profile \"Orders API\""));
    assert!(has_text(h, "Valid"), "no state badge");
    assert!(has_text(h, "Expires in 12 min"), "no countdown");
    assert!(has_text(h, "which API it is meant for"));
    assert!(has_text(h, "orders-api"));
    assert!(has_text(h, "missing: orders:write"), "the missing permission is not marked");
    assert!(has_text(h, &format!("eyJ…{}", &token[token.len() - 4..])), "no fingerprint");
    assert!(!has_text(h, &token), "the token is shown before Reveal");
    let signature = token.rsplit('.').next().unwrap();
    assert!(!has_text(h, signature), "the signature is shown before Reveal");

    // Reveal shows it; Hide hides it again.
    f.harness.get_by_label("Reveal").click();
    wait_for(&mut f.harness, "the revealed token", |h| has_text(h, signature) && h.query_by_label("Hide").is_some());
    f.harness.get_by_label("Hide").click();
    wait_for(&mut f.harness, "the token hidden again", |h| !has_text(h, signature));

    // Check the signature with the shared secret.
    {
        let inspector = f.harness.state_mut().inspector_mut().unwrap();
        inspector.key_choice = KeyChoice::SharedSecret;
        inspector.key_secret = SIGNING_SECRET.to_owned().into();
    }
    f.harness.step();
    f.harness.get_by_label("Check signature").click();
    wait_for(&mut f.harness, "the signature check", |h| has_text(h, "Signature verified"));
    assert!(has_text(&f.harness, "HS256, with the shared secret"));

    // A wrong secret fails, in words.
    f.harness.state_mut().inspector_mut().unwrap().key_secret = "not-the-secret".to_owned().into();
    f.harness.step();
    f.harness.get_by_label("Check signature").click();
    wait_for(&mut f.harness, "the failed check", |h| has_text(h, "Signature failed"));
    assert!(has_text(&f.harness, "The signature does not match."));

    // The right secret, remembered for the profile: the next opening checks with it at once.
    f.harness.state_mut().inspector_mut().unwrap().key_secret = SIGNING_SECRET.to_owned().into();
    f.harness.step();
    f.harness.get_by_label("Remember for this profile").click();
    wait_for(&mut f.harness, "the secret kept", |h| has_text(h, "kept in the keychain"));
    wait_for(&mut f.harness, "the profile to name the slot", |h| {
        h.state().profiles().iter().any(|p| p.name == "Orders API" && p.token_checks.verify_secret.is_some())
    });
    let profile = f.harness.state().profiles().iter().find(|p| p.name == "Orders API").unwrap().clone();
    let slot = profile.token_checks.verify_secret.clone().unwrap();
    assert_eq!(slot, gatepass::core::profile::TokenChecks::verify_secret_slot(&profile.id));
    f.harness.get_by_label("Close window").click();
    f.harness.step();
    f.harness.get_by_label_contains("token expires in 12 min").click();
    wait_for(&mut f.harness, "the automatic check", |h| has_text(h, "Signature verified"));
    assert_eq!(f.harness.state().inspector().unwrap().key_choice, KeyChoice::SharedSecret);
}

#[test]
fn a_pasted_broken_token_gets_a_plain_message() {
    let mut f = start();
    f.harness.get_by_label("Inspect token…").click();
    wait_for(&mut f.harness, "the paste box", |h| h.query_by_label("Token").is_some());
    // No bearer profile: the inspector opens on a paste box.
    type_into(&mut f.harness, "Token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0");
    wait_for(&mut f.harness, "the headline", |h| has_text(h, "This token cannot be read"));
    assert!(has_text(&f.harness, "it has 2 parts instead of 3"), "no reason");

    type_into(&mut f.harness, "Token", ".c2ln");
    wait_for(&mut f.harness, "the fixed token", |h| has_text(h, "who it is for"));
    assert!(has_text(&f.harness, "Never expires"));
}

#[test]
fn an_opaque_token_is_explained() {
    let mut f = start();
    f.harness.get_by_label("Inspect token…").click();
    wait_for(&mut f.harness, "the paste box", |h| h.query_by_label("Token").is_some());
    type_into(&mut f.harness, "Token", "2YotnFZFEjr1zCsicMWpAA");
    wait_for(&mut f.harness, "the explanation", |h| has_text(h, "Opaque token: its contents cannot be read here"));
    assert!(has_text(&f.harness, "only the server that issued it can look up"));
}
