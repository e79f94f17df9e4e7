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
    ws: std::sync::Arc<gatepass::workspace::Workspace>,
}

fn start() -> Fixture {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let ctx = egui::Context::default();
    let options = StartOptions { start_practice: false, session_memory: true, ..StartOptions::default() };
    let app = GatepassApp::new(&ctx, Ok(ws.clone()), rt.handle().clone(), options);
    let mut harness = Harness::builder().with_size(egui::vec2(1280.0, 900.0)).build_ui_state(
        |ui, app: &mut GatepassApp| {
            app.logic(&ui.ctx().clone());
            app.draw(ui);
        },
        app,
    );
    harness.step();
    Fixture { _rt: rt, _dir: dir, harness, ws }
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
    f.harness.state_mut().commands.push(Command::SaveProfile {
        profile: Box::new(profile),
        secret: Some(Secret::new(token.as_str())),
        second: None,
        dpop: None,
    });
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

/// The editor's `DPoP` switch makes a key (in the keychain) on save; the inspector then reads a
/// bound token's `cnf.jkt` and says whether it is that key; switched off, the key is deleted.
#[test]
fn the_editor_binds_a_profile_to_a_dpop_key_and_the_inspector_compares_cnf_jkt() {
    let mut f = start();
    bearer_profile(&mut f);
    wait_for(&mut f.harness, "the profile", |h| h.state().profiles().iter().any(|p| p.name == "Orders API"));
    let id = f.harness.state().profiles()[0].id.clone();
    f.harness.state_mut().commands.push(Command::OpenEditor(Some(id.clone())));
    f.harness.run_steps(3);
    f.harness.get_by_label("Bind the token to a DPoP key (RFC 9449)").click();
    f.harness.step();
    assert!(has_text(&f.harness, "A new key is made on save. The token must then be issued for that key."));
    f.harness.get_by_label("Save changes").click();
    wait_for(&mut f.harness, "the DPoP key", |h| h.state().profiles().iter().any(|p| p.dpop_key.is_some()));
    f.harness.get_by_label("Close window").click();
    f.harness.step();
    let profile = f.harness.state().profiles()[0].clone();
    let jkt = f.ws.dpop_thumbprint(&profile).unwrap().expect("the key is in the keychain");
    assert_eq!(jkt.len(), 43);

    // A token bound to this key, then one bound to another.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (bound_to, said) in [
        (jkt.clone(), "It matches this profile's DPoP key"),
        ("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".to_owned(), "It does NOT match this profile's DPoP key"),
    ] {
        let claims = serde_json::json!({"iss": "https://auth.example.com", "exp": now + 600, "cnf": {"jkt": bound_to}});
        let token = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(b"k")).unwrap();
        let mut p = f.harness.state().profiles()[0].clone();
        p.notes = bound_to.clone();
        f.harness.state_mut().commands.push(Command::SaveProfile {
            profile: Box::new(p),
            secret: Some(Secret::new(token.as_str())),
            second: None,
            dpop: None,
        });
        wait_for(&mut f.harness, "the token saved", |h| h.state().profiles()[0].notes == bound_to);
        f.harness
            .state_mut()
            .commands
            .push(Command::Token(gatepass::ui::command::TokenCommand::OpenForProfile(id.clone())));
        wait_for(&mut f.harness, said, |h| has_text(h, said));
        assert!(has_text(&f.harness, &bound_to), "the thumbprint is not shown");
        f.harness.get_by_label("Close window").click();
        f.harness.step();
    }

    // Switched off: the key leaves the keychain.
    f.harness.state_mut().commands.push(Command::OpenEditor(Some(id)));
    f.harness.run_steps(3);
    f.harness.get_by_label("Bind the token to a DPoP key (RFC 9449)").click();
    f.harness.step();
    f.harness.get_by_label("Save changes").click();
    wait_for(&mut f.harness, "the key gone", |h| h.state().profiles()[0].dpop_key.is_none());
    assert_eq!(f.ws.dpop_thumbprint(&profile).unwrap(), None, "the old key is still in the keychain");
}

/// OAuth 1's token secret is typed in the editor (required with a token) and kept in the
/// keychain, never in the profile; AWS's session token likewise.
#[test]
fn the_editor_keeps_oauth1_token_secret_and_aws_session_token_in_the_keychain() {
    let mut f = start();
    f.harness.get_by_label("Profiles…").click();
    f.harness.run_steps(3);
    f.harness.get_by_label("New profile").click();
    f.harness.run_steps(2);
    {
        let form = f.harness.state_mut().editor_mut().unwrap().form.as_mut().unwrap();
        form.name = "Old API".into();
        form.base_url = "https://api.example.com".into();
        form.auth = AuthKind::OAuth1;
        form.oauth1_consumer_key = "consumer-key-1".into();
        form.oauth1_token = "token-1".into();
        form.new_secret = "consumer-secret-canary".to_owned().into();
    }
    f.harness.run_steps(2);
    f.harness.get_by_label("Create profile").click();
    wait_for(&mut f.harness, "the refusal", |h| has_text(h, "Paste the token secret that came with the token"));
    assert!(f.harness.state().profiles().is_empty(), "saved without its token secret");
    type_into(&mut f.harness, "Token secret (required with a token)", "token-secret-canary");
    f.harness.get_by_label("Create profile").click();
    wait_for(&mut f.harness, "the profile", |h| h.state().profiles().iter().any(|p| p.name == "Old API"));
    let profile = f.harness.state().profiles()[0].clone();
    let AuthMethod::OAuth1(settings) = &profile.auth else { panic!("not OAuth 1") };
    let kept = f.ws.read_secret(&settings.token_secret).unwrap().unwrap();
    assert_eq!(kept.expose(), "token-secret-canary");
    assert!(!format!("{:?}", f.harness.state().profiles()).contains("token-secret-canary"));

    // AWS: the session token is optional, and goes to its own slot.
    {
        let form = f.harness.state_mut().editor_mut().unwrap().form.as_mut().unwrap();
        form.auth = AuthKind::AwsSigV4;
        form.aws_access_key_id = "AKIDEXAMPLE".into();
        form.aws_region = "us-east-1".into();
        form.aws_service = "s3".into();
        form.new_secret = uuid::Uuid::new_v4().simple().to_string().into();
    }
    f.harness.run_steps(2);
    type_into(&mut f.harness, "Session token (optional)", "session-token-canary");
    f.harness.get_by_label("Save changes").click();
    wait_for(&mut f.harness, "the AWS profile", |h| matches!(h.state().profiles()[0].auth, AuthMethod::AwsSigV4(_)));
    let AuthMethod::AwsSigV4(aws) = &f.harness.state().profiles()[0].auth else { unreachable!() };
    assert_eq!(f.ws.read_secret(&aws.session_token).unwrap().unwrap().expose(), "session-token-canary");
}
