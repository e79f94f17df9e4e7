//! UI test of the sign-in a person approves: the sample "Sign in with browser" profile, its
//! "Sign in…" button, the waiting window with the address to open by hand when no browser opens,
//! the test acting as the browser, the token in the profile bar, and Cancel.

use crate::common;

use common::ui::{has_text, wait_for};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gatepass::practice::PracticeConfig;
use gatepass::ui::app::{GatepassApp, StartOptions};
use gatepass::workspace::{NoBrowser, SignInPrompt};
use std::sync::Arc;

const PROFILE: &str = "Practice — Sign in with browser (Sandbox)";

fn start(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> Harness<'static, GatepassApp> {
    let ws = common::workspace(dir);
    let ctx = egui::Context::default();
    let options = StartOptions {
        practice: PracticeConfig { sandbox_port: 0, production_port: 0, ..PracticeConfig::default() },
        session_memory: true,
        ..StartOptions::default()
    };
    let mut app = GatepassApp::new(&ctx, Ok(ws), rt.handle().clone(), options);
    // As on a machine where no browser can be opened: the window must show the address.
    app.browser = Arc::new(NoBrowser);
    let mut harness = Harness::builder().with_size(egui::vec2(1280.0, 860.0)).build_ui_state(
        |ui, app: &mut GatepassApp| {
            app.logic(&ui.ctx().clone());
            app.draw(ui);
        },
        app,
    );
    harness.step();
    harness
}

fn sign_in_url(harness: &Harness<'static, GatepassApp>) -> Option<String> {
    match harness.state().sign_in().as_ref()?.prompt.as_ref()? {
        SignInPrompt::Browser { url, opened: false, .. } => Some(url.clone()),
        _ => None,
    }
}

fn open_sign_in(harness: &mut Harness<'static, GatepassApp>) -> String {
    wait_for(harness, "the sample profiles", |h| h.state().profiles().iter().any(|p| p.name == PROFILE));
    common::ui::select_profile(harness, PROFILE);
    wait_for(harness, "the Sign in button", |h| has_text(h, "Sign in…"));
    // The profile bar settles once the token state is read ("no token yet"); a click while it
    // still moves can miss the button, so wait for that first.
    wait_for(harness, "the token state", |h| has_text(h, "no token yet"));
    harness.get_by_label("Sign in…").click();
    wait_for(harness, "the address to open", |h| sign_in_url(h).is_some());
    sign_in_url(harness).unwrap()
}

#[test]
fn sign_in_shows_the_address_when_no_browser_opens_and_finishes_when_approved() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut harness = start(&rt, dir.path());
    let url = open_sign_in(&mut harness);
    assert!(has_text(&harness, "Open this address in a browser to sign in"));
    assert!(has_text(&harness, "you asked Gatepass not to open a browser"));
    assert!(has_text(&harness, "Copy address"));
    assert!(has_text(&harness, "Waiting for you to approve…"));
    assert!(url.contains("/oauth/authorize?") && url.contains("code_challenge_method=S256"), "{url}");

    // The test is the person with the browser: approve on the consent page.
    let back = rt.block_on(async {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let html = http.get(&url).send().await.unwrap().text().await.unwrap();
        let request = html.split("name=\"request\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let origin = url::Url::parse(&url).unwrap().origin().ascii_serialization();
        let answer = http
            .post(format!("{origin}/oauth/authorize"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("request={request}&decision=approve"))
            .send()
            .await
            .unwrap();
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        http.get(location).send().await.unwrap().text().await.unwrap()
    });
    assert!(back.contains("You can close this tab"), "{back}");
    wait_for(&mut harness, "the window to close", |h| h.state().sign_in().is_none());
    wait_for(&mut harness, "the token in the profile bar", |h| has_text(h, "token expires in"));
    let done = harness.state().token_fetch().cloned();
    let Some(gatepass::ui::panels::token_ui::TokenFetch::Done(_, info)) = done else { panic!("{done:?}") };
    assert!(info.has_refresh_token);
    assert!(!has_text(&harness, "Open this address in a browser to sign in"));
}

#[test]
fn cancel_closes_the_window_without_an_error() {
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut harness = start(&rt, dir.path());
    open_sign_in(&mut harness);
    // A window takes one frame to size itself before it takes clicks.
    harness.step();
    harness.get_by_label("Cancel").click();
    wait_for(&mut harness, "the window to close", |h| h.state().sign_in().is_none());
    wait_for(&mut harness, "the task to end", |h| h.state().token_fetch().is_none());
    assert!(!has_text(&harness, "cancelled"), "a cancel is not an error to show");
    assert!(has_text(&harness, "Sign in…"));
}
