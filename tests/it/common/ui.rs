//! Shared helpers for the UI tests: the real app driven through its accessibility tree.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gatepass::ui::app::GatepassApp;
use std::time::{Duration, Instant};

/// Step the UI until `done` holds (tasks finish on other threads), or fail after 20 s.
pub fn wait_for(
    harness: &mut Harness<'static, GatepassApp>,
    what: &str,
    done: impl Fn(&Harness<'static, GatepassApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        harness.step();
        if done(harness) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Is there a widget whose label contains `text`?
pub fn has_text(harness: &Harness<'static, GatepassApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

/// Type into the field with this label, as a person would: focus it, then type.
pub fn type_into(harness: &mut Harness<'static, GatepassApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.step();
    harness.get_by_label(label).type_text(text);
    harness.step();
}

/// Pick a profile the way a person does from the keyboard: Ctrl+1…9 (its place in the list).
pub fn select_profile(harness: &mut Harness<'static, GatepassApp>, name: &str) {
    let index = harness.state().profiles().iter().position(|p| p.name == name).expect("no such profile");
    let keys = [
        egui::Key::Num1,
        egui::Key::Num2,
        egui::Key::Num3,
        egui::Key::Num4,
        egui::Key::Num5,
        egui::Key::Num6,
        egui::Key::Num7,
        egui::Key::Num8,
        egui::Key::Num9,
    ];
    harness.key_press_modifiers(egui::Modifiers::COMMAND, keys[index]);
    harness.step();
    harness.step();
    assert_eq!(harness.state().active_profile().map(|p| p.name.as_str()), Some(name));
}

/// Replace the URL as a person would: select all in the field, type the new one.
pub fn set_url(harness: &mut Harness<'static, GatepassApp>, url: &str) {
    harness.get_by_label("URL").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.get_by_label("URL").type_text(url);
    harness.step();
}
