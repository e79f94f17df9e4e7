//! UI tests: the real app driven through its accessibility tree (`egui_kittest`, no display),
//! with the practice API on loopback and secrets in session memory.

use crate::common;

use common::ui::{has_text, wait_for};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gatepass::infra::keychain::KeychainError;
use gatepass::practice::PracticeConfig;
use gatepass::ui::app::{GatepassApp, StartOptions};
use std::time::Duration;

pub(crate) struct Fixture {
    _rt: tokio::runtime::Runtime,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) harness: Harness<'static, GatepassApp>,
}

pub(crate) fn start(options: StartOptions) -> Fixture {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let handle = rt.handle().clone();
    let ctx = egui::Context::default();
    let app = GatepassApp::new(&ctx, Ok(ws), handle, options);
    let mut harness = Harness::builder().with_size(egui::vec2(1280.0, 860.0)).build_ui_state(
        |ui, app: &mut GatepassApp| {
            app.logic(&ui.ctx().clone());
            app.draw(ui);
        },
        app,
    );
    harness.step();
    Fixture { _rt: rt, dir, harness }
}

pub(crate) fn practice_options() -> StartOptions {
    StartOptions {
        practice: PracticeConfig { sandbox_port: 0, production_port: 0, mtls_port: 0, ..PracticeConfig::default() },
        session_memory: true,
        ..StartOptions::default()
    }
}

pub(crate) fn ready(f: &mut Fixture) {
    wait_for(&mut f.harness, "the sample profiles", |h| {
        h.state().profiles().len() == gatepass::workspace::SAMPLE_PROFILE_COUNT
    });
}

/// Pick a profile the way a person does from the keyboard: Ctrl+1…9.
fn select_profile(f: &mut Fixture, name: &str) {
    common::ui::select_profile(&mut f.harness, name);
}

#[test]
fn choose_profile_type_url_send_and_see_the_status() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Sandbox");
    let url = f.harness.get_by_label("URL");
    url.focus();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.step();
    f.harness.get_by_label("URL").type_text("/v1/me");
    f.harness.step();
    assert_eq!(f.harness.state().tab().draft.url, "/v1/me");
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the response", |h| has_text(h, "OK: the request worked"));
    assert_eq!(f.harness.state().tab().answer.as_ref().unwrap().exchange.status(), Some(200));
    // Now the same without the credential: a 401 in plain words.
    f.harness.get_by_label("Send credential").click();
    f.harness.step();
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the 401", |h| has_text(h, "Unauthorized: the API did not accept who you are"));
}

#[test]
fn a_failed_request_gets_an_explanation_card_with_working_buttons() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Sandbox");
    // The 401 without a credential: the card names it and shows where it stopped.
    f.harness.state_mut().tab_mut().draft.url = "/v1/me".into();
    f.harness.state_mut().tab_mut().draft.send_credential = false;
    f.harness.step();
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the explanation", |h| has_text(h, "No key or token was sent"));
    assert!(has_text(&f.harness, "1. Who you are"));
    assert!(has_text(&f.harness, "Stopped at the first check"));
    let top = f.harness.state().tab().answer.as_ref().unwrap().explained.diagnosis.findings[0].cause;
    assert_eq!(top, gatepass::core::diagnose::Cause::MissingCredential);

    // A formatting slip the user typed: "Fix and send again" fixes it and the answer is a 200.
    let lab = gatepass::workspace::lab_requests().into_iter().find(|r| r.label == "Formatting slip").unwrap();
    f.harness.state_mut().commands.push(gatepass::ui::command::Command::RestoreDraft(Box::new(lab.draft)));
    f.harness.step();
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the slip", |h| has_text(h, "The key or token has a formatting slip"));
    f.harness.get_by_label("Fix and send again").click();
    wait_for(&mut f.harness, "the fixed send", |h| {
        h.state().tab().answer.as_ref().and_then(|r| r.exchange.status()) == Some(200)
    });
    let header =
        f.harness.state().tab().draft.headers.iter().find(|h| h.name == "Authorization").unwrap().value.clone();
    assert!(header.starts_with("Bearer gp_test_") && !header.contains("Bearer Bearer"), "not fixed");
    assert!(!has_text(&f.harness, "formatting slip"), "the card stayed after a success");
}

#[test]
fn production_post_asks_first_and_cancel_sends_nothing() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Production");
    assert!(has_text(&f.harness, "PRODUCTION (live)"), "the production banner is missing");
    f.harness.state_mut().tab_mut().draft.method = gatepass::core::request::Method::Post;
    f.harness.state_mut().tab_mut().draft.url = "/v1/orders".into();
    f.harness.step();
    f.harness.get_by_label("Send to Production").click();
    wait_for(&mut f.harness, "the question", |h| {
        has_text(h, "a Production (live) profile. It can change real data. Send it?")
    });
    f.harness.get_by_label("Cancel").click();
    f.harness.step();
    f.harness.step();
    assert!(f.harness.state().confirmation().is_none());
    assert!(f.harness.state().tab().answer.is_none(), "something was sent after Cancel");
    std::thread::sleep(Duration::from_millis(300));
    f.harness.step();
    assert!(f.harness.state().history().is_empty(), "history recorded a send after Cancel");
}

#[test]
fn keychain_banner_appears_when_the_store_fails_and_memory_is_offered() {
    let options =
        StartOptions { keychain_failure: Some(KeychainError::Locked), session_memory: false, ..practice_options() };
    let mut f = start(options);
    f.harness.step();
    assert!(has_text(&f.harness, "The keychain cannot be used"));
    assert!(has_text(
        &f.harness,
        "The keychain is locked. Unlock it (usually with your login password) and try again."
    ));
    f.harness.get_by_label("Keep secrets in memory for this session").click();
    f.harness.step();
    f.harness.step();
    assert!(!has_text(&f.harness, "The keychain cannot be used"));
    assert!(has_text(&f.harness, "Secrets: memory, this session only"));
    // The sample workspace now gets its secrets (in memory) and works.
    ready(&mut f);
}

#[test]
fn history_restores_a_request() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Sandbox");
    f.harness.state_mut().tab_mut().draft.url = "/v1/orders?page=2".into();
    f.harness.step();
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "history", |h| !h.state().history().is_empty());
    f.harness.get_by_label("History").click();
    f.harness.step();
    f.harness.state_mut().tab_mut().draft.url = "/something/else".into();
    f.harness.step();
    f.harness.get_by_label("/v1/orders?page=2").click();
    f.harness.step();
    f.harness.step();
    assert_eq!(f.harness.state().tab().draft.url, "/v1/orders?page=2");
}

/// Make an API-key profile in the editor as a person does, on the active profile's base URL: the
/// name, the key, the header it goes in, then "Create profile".
fn new_api_key_profile_in_the_editor(f: &mut Fixture, name: &str, key: &str, header: &str) {
    let base = f.harness.state().active_profile().unwrap().base_url.clone();
    f.harness.get_by_label("Profiles…").click();
    f.harness.run_steps(3);
    f.harness.get_by_label("New profile").click();
    f.harness.run_steps(2);
    for (label, text) in [("Name", name), ("API key (required)", key)] {
        common::ui::type_into(&mut f.harness, label, text);
    }
    for (label, text) in [("Key name", header), ("Base URL", base.as_str())] {
        f.harness.get_by_label(label).focus();
        f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        f.harness.step();
        f.harness.get_by_label(label).type_text(text);
        f.harness.step();
    }
    f.harness.get_by_label("Create profile").click();
    wait_for(&mut f.harness, "the new profile", |h| h.state().profiles().iter().any(|p| p.name == name));
}

#[test]
fn profile_created_in_the_editor_keeps_its_canary_secret_out_of_files_and_debug_output() {
    const CANARY: &str = "gp_test_UICANARY4d8e2f6a1c";
    let mut f = start(practice_options());
    ready(&mut f);
    new_api_key_profile_in_the_editor(&mut f, "Canary shop", CANARY, "X-Api-Key");
    assert!(has_text(&f.harness, "Saved."), "the editor did not confirm the save");
    select_profile(&mut f, "Canary shop");
    f.harness.get_by_label("Close window").click();
    f.harness.step();
    f.harness.state_mut().tab_mut().draft.url = "/v1/me".into();
    f.harness.step();
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the 401 for an unknown key", |h| {
        has_text(h, "Unauthorized: the API did not accept who you are")
    });
    let exchange = f.harness.state().tab().answer.as_ref().unwrap().exchange.clone();
    assert_eq!(
        exchange.record.credential.as_ref().map(gatepass::core::credential::CredentialSummary::description),
        Some(format!("API key gp_test_…{} in header X-Api-Key", &CANARY[CANARY.len() - 4..]).as_str())
    );
    let debug = format!("{exchange:?} {:?}", f.harness.state().profiles());
    assert!(!debug.contains(CANARY), "the canary is in Debug output");
    wait_for(&mut f.harness, "history", |h| !h.state().history().is_empty());
    f.harness.get_by_label("History").click();
    f.harness.step();
    let files = common::all_files(f.dir.path());
    assert!(files.iter().any(|(p, _)| p.ends_with("profiles.toml")));
    for (path, bytes) in &files {
        assert!(!common::contains(bytes, CANARY), "the canary is in {}", path.display());
    }
}

/// Every piece of text the window shows: labels and the values of fields.
fn shown_text(harness: &Harness<'static, GatepassApp>) -> String {
    let mut all = String::new();
    for node in harness.query_all(egui_kittest::kittest::By::new().include_labels().predicate(|_| true)) {
        let node = egui_kittest::kittest::NodeT::accesskit_node(&node);
        let texts: [Option<String>; 2] = [node.label(), node.value()];
        for text in texts.into_iter().flatten() {
            all.push_str(&text);
            all.push('\n');
        }
    }
    all
}

/// A key in a header with an unusual name (Azure's `Ocp-Apim-Subscription-Key`) and a typed
/// cookie, through the window: the Preview, "Request sent", the answer, the card and History show
/// them masked, the card says the key went in a header the practice API does not read (not that
/// none was sent), and no file or Debug output holds them.
#[test]
fn a_key_in_an_unusual_header_is_masked_on_every_surface_of_the_window() {
    let key = format!("gp_test_AZUREWIN{:x}Qm7Tz", std::process::id());
    let cookie = format!("sidWINDOWCOOKIE{:x}Lp4Vd8Rk", std::process::id());
    let mut f = start(practice_options());
    ready(&mut f);
    new_api_key_profile_in_the_editor(&mut f, "Azure shop", &key, "Ocp-Apim-Subscription-Key");
    select_profile(&mut f, "Azure shop");
    f.harness.get_by_label("Close window").click();
    f.harness.step();
    f.harness.state_mut().tab_mut().draft.url = "/v1/me".into();
    f.harness
        .state_mut()
        .tab_mut()
        .draft
        .headers
        .push(gatepass::core::request::KeyValue::new("Cookie", format!("session={cookie}")));
    f.harness.step();
    f.harness.get_by_label("Preview").click();
    f.harness.run_steps(2);
    let mut seen = shown_text(&f.harness);
    assert!(seen.contains("Ocp-Apim-Subscription-Key"), "the Preview does not show the key's header:\n{seen}");

    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the explanation", |h| {
        h.state().tab().answer.as_ref().is_some_and(|a| !a.explained.diagnosis.findings.is_empty())
    });
    f.harness.run_steps(2);
    let answer = f.harness.state().tab().answer.as_ref().unwrap();
    let top = &answer.explained.diagnosis.findings[0];
    assert_eq!(top.cause, gatepass::core::diagnose::Cause::WrongAuthScheme, "{top:?}");
    let debug = format!("{:?} {:?}", answer.exchange, answer.explained);
    seen.push_str(&shown_text(&f.harness));
    assert!(seen.contains("Ocp-Apim-Subscription-Key header"), "the card does not say where the key went:\n{seen}");
    assert!(!seen.contains("carried no key"), "the card says no key was sent:\n{seen}");
    f.harness.get_by_label("Request sent").click();
    f.harness.run_steps(2);
    let sent = shown_text(&f.harness);
    let tail = &key[key.len() - 4..];
    assert!(sent.contains(&format!("gp_test_…{tail}")), "Request sent does not show the fingerprint:\n{sent}");
    seen.push_str(&sent);
    wait_for(&mut f.harness, "history", |h| !h.state().history().is_empty());
    f.harness.get_by_label("History").click();
    f.harness.run_steps(2);
    seen.push_str(&shown_text(&f.harness));

    for secret in [&key[8..], &cookie[..]] {
        let part = &secret[..12];
        assert!(!seen.contains(part), "{secret} is on screen:\n{seen}");
        assert!(!debug.contains(part), "{secret} is in Debug output");
        for (path, bytes) in &common::all_files(f.dir.path()) {
            assert!(!common::contains(bytes, part), "{secret} is in {}", path.display());
        }
    }
}

/// A redirect to another origin: the answer shows the chain, a line a hop, and says what was not
/// sent on; a redirect within the origin says nothing was held back.
#[test]
fn the_answer_shows_the_redirect_chain_and_what_was_not_sent_on() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Sandbox");
    common::ui::set_url(&mut f.harness, "/v1/redirect-away");
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the answer", |h| h.state().tab().answer.is_some());
    f.harness.run_steps(2);
    let hops = f.harness.state().tab().answer.as_ref().unwrap().exchange.redirects.clone();
    assert_eq!(hops.len(), 1, "{hops:?}");
    assert!(hops[0].to.contains("localhost"), "{hops:?}");
    let line = hops[0].words();
    assert!(line.contains("your API key was not sent on"), "{line}");
    assert!(has_text(&f.harness, &line), "the window does not show {line:?}");
    assert!(has_text(&f.harness, "Redirected from "), "no redirect chain on screen");

    common::ui::set_url(&mut f.harness, "/v1/redirect-away?to=same");
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the second answer", |h| {
        h.state().tab().answer.as_ref().is_some_and(|a| a.exchange.record.url.contains("to=same"))
    });
    f.harness.run_steps(2);
    assert!(!has_text(&f.harness, "not sent on"), "a same-origin redirect said something was held back");
    assert!(has_text(&f.harness, "Redirected from "), "no redirect chain on screen");
}

#[test]
fn oauth_profile_gets_a_token_with_one_click_and_sends_with_it() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — OAuth (Sandbox)");
    wait_for(&mut f.harness, "the empty token state", |h| has_text(h, "no token yet"));
    f.harness.get_by_label("Get new token").click();
    wait_for(&mut f.harness, "the new token in the profile bar", |h| has_text(h, "token expires in"));
    match &f.harness.state().token_fetch() {
        Some(gatepass::ui::panels::token_ui::TokenFetch::Done(_, info)) => {
            assert!(!info.reused);
            assert_eq!(info.expires_at.unwrap() - info.obtained_at, 600);
        }
        other => panic!("the token was not obtained: {other:?}"),
    }
    f.harness.state_mut().tab_mut().draft.url = "/v1/me".into();
    f.harness.step();
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the response", |h| {
        h.state().tab().answer.as_ref().and_then(|r| r.exchange.status()) == Some(200)
    });

    // The inspector checks the token against the sign-in server's key set at once, and asks the
    // server whether it is active.
    f.harness.get_by_label_contains("token expires in").click();
    wait_for(&mut f.harness, "the automatic signature check", |h| has_text(h, "Signature verified"));
    assert!(has_text(&f.harness, "EdDSA, with key \"gp-sandbox-server-1\" from the key set"));
    // The section is below the fold of the inspector's scroll area: scroll to it, as a person would.
    f.harness.get_by_label("Ask now").scroll_to_me();
    // Let the scroll animation settle before clicking where the button now is.
    for _ in 0..30 {
        f.harness.step();
    }
    f.harness.get_by_label("Ask now").click();
    wait_for(&mut f.harness, "the server's answer", |h| {
        matches!(
            h.state().inspector().unwrap().introspection,
            gatepass::ui::panels::token_ui::IntrospectionState::Done(_)
        )
    });
    let state = &f.harness.state().inspector().unwrap().introspection;
    assert!(has_text(&f.harness, "The sign-in server says this token is active"), "{state:?}");
}

#[test]
fn the_client_certificate_profile_sends_and_its_editor_shows_the_certificate() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Client certificate (Sandbox)");
    assert!(has_text(&f.harness, "client certificate"), "the profile bar does not name the certificate");
    f.harness.state_mut().tab_mut().draft.url = "/v1/me".into();
    f.harness.step();
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the response", |h| has_text(h, "OK: the request worked"));
    f.harness.get_by_label("Profiles…").click();
    // A new window is measured on its first frame and drawn on the next.
    f.harness.run_steps(3);
    // The section is below the fold of the editor's scroll area.
    let over_the_form = f.harness.get_by_label("Base URL").rect().center();
    for _ in 0..20 {
        if has_text(&f.harness, "Remove certificate…") {
            break;
        }
        f.harness.hover_at(over_the_form);
        f.harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, -3.0),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
            source: egui::MouseWheelSource::Wheel,
        });
        f.harness.step();
    }
    assert!(has_text(&f.harness, "Valid for 364 more days"), "the editor does not show the state");
    assert!(has_text(&f.harness, "Issued by"));
    assert!(has_text(&f.harness, "Remove certificate…"));
}

#[test]
fn a_pkcs12_file_is_imported_in_the_editor_and_a_wrong_passphrase_is_said_plainly() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Client certificate (Sandbox)");
    let server = f.harness.state().practice_server().unwrap();
    let (cert, key) = server
        .pki()
        .issue_client_certificate(
            "p12-app",
            time::OffsetDateTime::now_utc() - time::Duration::days(1),
            time::OffsetDateTime::now_utc() + time::Duration::days(20),
        )
        .unwrap();
    let path = f.dir.path().join("client.p12");
    std::fs::write(&path, common::pkcs12(&cert, &key, "right")).unwrap();
    f.harness.get_by_label("Profiles…").click();
    f.harness.run_steps(3);
    let over_the_form = f.harness.get_by_label("Base URL").rect().center();
    let import = |f: &mut Fixture, passphrase: &str| {
        let form = f.harness.state_mut().editor_mut().unwrap().form.as_mut().unwrap();
        form.cert.pkcs12_path = path.to_str().unwrap().to_owned();
        *form.cert.pkcs12_passphrase = passphrase.to_owned();
        // To the bottom of the form, so the button is wholly in view.
        for _ in 0..20 {
            f.harness.hover_at(over_the_form);
            f.harness.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Line,
                delta: egui::vec2(0.0, -3.0),
                phase: egui::TouchPhase::Move,
                modifiers: egui::Modifiers::NONE,
                source: egui::MouseWheelSource::Wheel,
            });
            f.harness.step();
        }
        f.harness.get_by_label("Import PKCS#12").click();
    };
    import(&mut f, "wrong");
    wait_for(&mut f.harness, "the refusal", |h| has_text(h, "The passphrase does not open this PKCS#12 file."));
    import(&mut f, "right");
    wait_for(&mut f.harness, "the import", |h| has_text(h, "Client certificate imported. Expires in 19 days"));
    let profile = f.harness.state().profiles().iter().find(|p| p.name.contains("Client certificate")).unwrap().clone();
    assert_eq!(profile.client_certificate.unwrap().certificate_pem.trim(), cert.trim());
}

#[test]
fn check_all_runs_every_sample_profile_and_finds_the_missing_permission() {
    let mut f = start(practice_options());
    ready(&mut f);
    f.harness.get_by_label("Check setup").click();
    wait_for(&mut f.harness, "every profile checked", |h| {
        Some(h.state().check_view())
            .is_some_and(|v| v.results.len() == gatepass::workspace::SAMPLE_PROFILE_COUNT && v.running() == 0)
    });
    let h = &f.harness;
    assert!(has_text(h, "Practice — Production"));
    // The red row: the Production token lacks a permission its profile expects.
    assert!(has_text(h, "Missing: orders:write."), "the missing permission is not shown");
    assert!(has_text(h, "To do: Ask for these permissions (scopes)"));
    let view = h.state().check_view();
    let production = h.state().profiles().iter().find(|p| p.name == "Practice — Production").unwrap();
    match view.results.get(&production.id) {
        Some(gatepass::ui::panels::check_ui::CheckState::Done(check)) => {
            assert_eq!(check.level, gatepass::core::check::Level::Failed);
        }
        other => panic!("{other:?}"),
    }

    // Closed and opened again: the same time-stamped results, not a new run.
    let started = view.started_at;
    f.harness.get_by_label("Close window").click();
    wait_for(&mut f.harness, "the window closed", |h| !has_text(h, "Missing: orders:write."));
    f.harness.get_by_label("Check setup").click();
    wait_for(&mut f.harness, "the window again", |h| has_text(h, "Missing: orders:write."));
    let view = f.harness.state().check_view();
    assert_eq!(view.started_at, started);
    assert_eq!(view.running(), 0);

    // The card of an OAuth profile has the "Get new token" its advice names.
    let oauth = f.harness.state().profiles().iter().filter(|p| p.auth.is_oauth()).count();
    assert!(oauth > 0);
    assert_eq!(f.harness.query_all_by_label("Get new token").count(), oauth);
}

#[test]
fn a_key_pasted_into_a_header_is_pointed_out_and_moved_out_of_the_request() {
    let mut f = start(practice_options());
    ready(&mut f);
    let key = ["sk_", "live_", "51HqLyjWDarjtT1zdp7dc0123"].concat();
    f.harness
        .state_mut()
        .tab_mut()
        .draft
        .headers
        .push(gatepass::core::request::KeyValue::new("X-Shop-Key", key.as_str()));
    f.harness.step();
    wait_for(&mut f.harness, "the notice", |h| has_text(h, "This request carries what looks like a credential"));
    assert!(has_text(&f.harness, "header X-Shop-Key"));
    assert!(!has_text(&f.harness, &key), "the key is shown in the notice");
    f.harness.get_by_label("Move it into a profile…").click();
    wait_for(&mut f.harness, "the move window", |h| h.state().curl_import().is_some_and(|w| w.found.is_some()));
    assert!(
        f.harness.state().tab().draft.headers.iter().all(|h| !h.value.contains(&key)),
        "the key is still in the request"
    );
    wait_for(&mut f.harness, "the notice gone", |h| !has_text(h, "This request carries what looks like a credential"));
}

#[test]
fn a_key_typed_into_the_url_is_taken_out_of_it_and_the_rest_stays() {
    let mut f = start(practice_options());
    ready(&mut f);
    let key = ["sk_", "live_", "51HqLyjWDarjtT1zdp7dc0123"].concat();
    f.harness.state_mut().tab_mut().draft.url = format!("/v1/me?api_key={key}&page=2");
    f.harness.step();
    wait_for(&mut f.harness, "the notice", |h| has_text(h, "in query parameter api_key"));
    f.harness.get_by_label("Move it into a profile…").click();
    wait_for(&mut f.harness, "the move window", |h| has_text(h, "The request carried"));
    assert_eq!(f.harness.state().tab().draft.url, "/v1/me?page=2");
}

#[test]
fn a_failed_test_request_in_check_setup_opens_its_explanation_card() {
    let mut f = start(practice_options());
    ready(&mut f);
    // A copy of the Sandbox profile with a key the API does not know.
    let mut broken = f.harness.state().profiles().iter().find(|p| p.name == "Practice — Sandbox").unwrap().clone();
    broken.id = gatepass::core::profile::ProfileId::random();
    broken.name = "Shop with an old key".into();
    broken.practice = None;
    broken.auth =
        gatepass::core::profile::AuthMethod::new_of_kind(gatepass::core::profile::AuthKind::ApiKey, &broken.id);
    let old_key = gatepass::core::secret::Secret::new(["gp_", "test_", "sbx_0000000000000000000000"].concat());
    f.harness.state_mut().commands.push(gatepass::ui::command::Command::SaveProfile {
        profile: Box::new(broken),
        secret: Some(old_key),
        second: None,
        dpop: None,
    });
    wait_for(&mut f.harness, "the new profile", |h| {
        h.state().profiles().iter().any(|p| p.name == "Shop with an old key")
    });
    f.harness.get_by_label("Check setup").click();
    wait_for(&mut f.harness, "the checks", |h| {
        let v = h.state().check_view();
        v.results.len() == h.state().profiles().len() && v.running() == 0
    });
    wait_for(&mut f.harness, "the failed test request's row", |h| has_text(h, "GET /v1/me answered 401."));
    // The explanation is right there, before any click.
    assert!(has_text(&f.harness, "Why, and what to do"));
    assert!(has_text(&f.harness, "To do: "));
    // The sign-in sample (nobody signed in yet) fails too; ours is the last Sandbox profile listed.
    f.harness.query_all_by_label("Show the whole explanation").last().unwrap().scroll_to_me();
    for _ in 0..30 {
        f.harness.step();
    }
    f.harness.query_all_by_label("Show the whole explanation").last().unwrap().click();
    wait_for(&mut f.harness, "the response in the main window", |h| {
        h.state().tab().answer.as_ref().and_then(|r| r.exchange.status()) == Some(401)
    });
    assert_eq!(f.harness.state().active_profile().map(|p| p.name.clone()).as_deref(), Some("Shop with an old key"));
    assert!(!f.harness.state().check_view().open, "the check window stays open over the card");
    wait_for(&mut f.harness, "the explanation card", |h| has_text(h, "What to do"));
}

#[test]
fn a_secret_in_the_body_is_kept_in_the_keychain_and_named_instead() {
    let mut f = start(practice_options());
    ready(&mut f);
    let secret = "Zk3Qp9Lx2Vb7Nc4Rt8Wy1Hd6Jm5Gs0Ae";
    f.harness.state_mut().tab_mut().draft.body =
        gatepass::core::request::BodyDraft::Json { text: format!("{{\"client_secret\": \"{secret}\"}}") };
    f.harness.step();
    wait_for(&mut f.harness, "the notice", |h| has_text(h, "in the body"));
    f.harness.get_by_label_contains("Keep it in the keychain of").click();
    wait_for(&mut f.harness, "the profile to keep it", |h| {
        h.state()
            .profiles()
            .iter()
            .any(|p| p.name == "Practice — Sandbox" && p.secret_variables.contains_key("client_secret"))
    });
    match &f.harness.state().tab().draft.body {
        gatepass::core::request::BodyDraft::Json { text } => {
            assert_eq!(text, "{\"client_secret\": \"{{secret:client_secret}}\"}");
        }
        other => panic!("{other:?}"),
    }
    wait_for(&mut f.harness, "the notice gone", |h| !has_text(h, "This request carries what looks like a credential"));
}

#[test]
fn an_answer_names_its_origin_and_is_marked_after_switching_profiles() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Sandbox");
    common::ui::set_url(&mut f.harness, "/v1/me");
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the response", |h| has_text(h, "OK: the request worked"));
    assert!(has_text(&f.harness, "Practice — Sandbox · Sandbox (test) · just now"), "no origin on the answer");
    // Ctrl+2: Production. The Sandbox answer is now the previous one, and says so.
    select_profile(&mut f, "Practice — Production");
    assert!(has_text(
        &f.harness,
        "Previous answer: from Practice — Sandbox, before you switched to Practice — Production"
    ));
    f.harness.get_by_label("Clear").click();
    f.harness.step();
    assert!(f.harness.state().tab().answer.is_none());
}

#[test]
fn restoring_a_history_entry_marks_the_old_answer_and_rows_name_their_profile() {
    let mut f = start(practice_options());
    ready(&mut f);
    select_profile(&mut f, "Practice — Sandbox");
    common::ui::set_url(&mut f.harness, "/v1/me");
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "history", |h| !h.state().history().is_empty());
    f.harness.get_by_label("History").click();
    f.harness.step();
    wait_for(&mut f.harness, "the row", |h| has_text(h, "Practice — Sandbox · Sandbox (test)"));
    // Search finds by profile; nothing matches a word no row has.
    common::ui::type_into(&mut f.harness, "Search history", "nothing-like-this");
    assert!(has_text(&f.harness, "Nothing in the history matches."));
    f.harness.get_by_label("Search history").focus();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label("Search history").type_text("sandbox");
    f.harness.step();
    f.harness.step();
    f.harness.get_by_label("/v1/me").click();
    wait_for(&mut f.harness, "the old answer marked", |h| {
        has_text(h, "Previous answer: from Practice — Sandbox, before you picked another request")
    });
}

#[test]
fn check_setup_and_every_action_stay_reachable_at_900_by_600() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let ctx = egui::Context::default();
    let app = GatepassApp::new(&ctx, Ok(ws), rt.handle().clone(), practice_options());
    let mut harness = Harness::builder().with_size(egui::vec2(900.0, 600.0)).build_ui_state(
        |ui, app: &mut GatepassApp| {
            app.logic(&ui.ctx().clone());
            app.draw(ui);
        },
        app,
    );
    wait_for(&mut harness, "the sample profiles", |h| {
        h.state().profiles().len() == gatepass::workspace::SAMPLE_PROFILE_COUNT
    });
    let check = harness.get_by_label("Check setup");
    assert!(check.rect().max.x <= 900.0, "Check setup is cut off at {:?}", check.rect());
    // The theme switch and the status notes are in "More".
    harness.get_by_label("More").click();
    harness.run_steps(2);
    assert!(has_text(&harness, "Secrets: memory, this session only"));
    harness.get_by_label("Light theme").click();
    harness.run_steps(2);
    harness.get_by_label("Check setup").click();
    wait_for(&mut harness, "the checks", |h| h.state().check_view().open);
}

/// A profiles file read only in part: the window says what was left out and changes nothing
/// until the person chooses; "Rewrite it with what could be read" does, and keeps the original.
#[test]
fn a_damaged_profiles_file_is_left_alone_until_the_person_chooses() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let damaged = "version = 1\nkeychain_namespace = \"abc123\"\n\n[[profile]]\nid = \"p1\"\nname = \"Kept\"\nbase_url = \"https://a.example.com\"\n[profile.environment]\nkind = \"sandbox\"\n[profile.auth]\nmethod = \"none\"\n\n[[profile]]\nid = \"p2\"\nname = \"Odd\"\nbase_url = \"https://b.example.com\"\n[profile.environment]\nkind = \"moon\"\n[profile.auth]\nmethod = \"none\"\n";
    std::fs::write(config.join("profiles.toml"), damaged).unwrap();
    let ws = common::workspace(dir.path());
    let ctx = egui::Context::default();
    let options = StartOptions { start_practice: false, session_memory: true, ..StartOptions::default() };
    let app = GatepassApp::new(&ctx, Ok(ws), rt.handle().clone(), options);
    let mut harness = Harness::builder().with_size(egui::vec2(1280.0, 860.0)).build_ui_state(
        |ui, app: &mut GatepassApp| {
            app.logic(&ui.ctx().clone());
            app.draw(ui);
        },
        app,
    );
    harness.run_steps(3);
    assert!(has_text(&harness, "The profiles file could be read only in part"));
    assert!(has_text(&harness, "Profile 2 \"Odd\" was left out"));
    assert_eq!(harness.state().profiles().iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Kept"]);
    // A change is refused, and the file stays as it was.
    let id = harness.state().profiles()[0].id.clone();
    harness.state_mut().commands.push(gatepass::ui::command::Command::SelectProfile(id));
    wait_for(&mut harness, "the refusal", |h| has_text(h, "so Gatepass did not change it"));
    assert_eq!(std::fs::read_to_string(config.join("profiles.toml")).unwrap(), damaged);

    harness.get_by_label("Rewrite it with what could be read").click();
    wait_for(&mut harness, "the rewrite", |h| has_text(h, "The profiles file was rewritten"));
    assert!(!has_text(&harness, "The profiles file could be read only in part"));
    let now = std::fs::read_to_string(config.join("profiles.toml")).unwrap();
    assert!(now.contains("name = \"Kept\"") && !now.contains("Odd"), "{now}");
    assert_eq!(std::fs::read_to_string(config.join("profiles.toml.unreadable")).unwrap(), damaged);
}

#[test]
fn history_search_finds_an_entry_older_than_the_list_holds() {
    let mut f = start(practice_options());
    ready(&mut f);
    // 601 older entries, written by another Gatepass: the first names an address no other does.
    let history = gatepass::infra::history::History::open(&f.dir.path().join("data")).unwrap();
    for i in 0..601u16 {
        let url = if i == 0 {
            "https://api.example.com/v1/the-oldest-one".to_owned()
        } else {
            format!("https://api.example.com/v1/items/{i}")
        };
        history
            .record(&gatepass::core::history::HistoryEntry {
                id: 0,
                sent_at: 1_700_000_000 + i64::from(i),
                profile_id: "p".into(),
                profile_name: "Shop — Sandbox".into(),
                environment: "Sandbox".into(),
                method: "GET".into(),
                url,
                status: Some(200),
                duration_ms: 3,
                error: None,
                draft: gatepass::core::request::RequestDraft::get("/v1/x"),
                origin: gatepass::core::history::SendOrigin::Manual,
            })
            .unwrap();
    }
    select_profile(&mut f, "Practice — Sandbox");
    common::ui::set_url(&mut f.harness, "/v1/me");
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "history", |h| h.state().history().len() == 500);
    assert!(
        !f.harness.state().history().iter().any(|e| e.url.ends_with("the-oldest-one")),
        "the list holds it already"
    );
    f.harness.get_by_label("History").click();
    f.harness.step();
    common::ui::type_into(&mut f.harness, "Search history", "oldest");
    wait_for(&mut f.harness, "the old entry found", |h| h.query_by_label("/v1/the-oldest-one").is_some());
}
