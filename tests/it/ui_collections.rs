//! Collections and tabs in the window, driven through the accessibility tree: a saved request opens
//! in a tab, sends with the collection, shows a dot when changed, Ctrl+S writes its file; a new
//! request is saved with the "Save request" box; delete and Undo; tabs open and close.

use crate::common::ui::{has_text, set_url, wait_for};
use crate::ui::{practice_options, ready, start};
use egui_kittest::kittest::Queryable as _;

fn practice_tour(f: &crate::ui::Fixture) -> std::path::PathBuf {
    f.dir.path().join("data").join("collections").join("practice")
}

#[test]
fn a_saved_request_opens_in_a_tab_sends_and_ctrl_s_writes_its_file() {
    let mut f = start(practice_options());
    ready(&mut f);
    crate::common::ui::select_profile(&mut f.harness, "Practice — Sandbox");
    wait_for(&mut f.harness, "the practice collection", |h| has_text(h, "Practice API tour"));
    f.harness.get_by_label_contains("List orders").click();
    wait_for(&mut f.harness, "the request's tab", |h| h.state().tab().saved.is_some());
    let tab = f.harness.state().tab();
    assert_eq!(tab.title(), "List orders");
    assert!(tab.saved.is_some() && !tab.is_modified());
    f.harness.get_by_label("Send").click();
    wait_for(&mut f.harness, "the answer", |h| h.state().tab().answer.is_some());
    assert_eq!(f.harness.state().tab().answer.as_ref().unwrap().exchange.status(), Some(200));
    // A change shows the dot; Ctrl+S writes the file and the dot goes.
    set_url(&mut f.harness, "/v1/orders?page=3");
    assert!(f.harness.state().tab().is_modified());
    assert!(has_text(&f.harness, "• List orders"));
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    wait_for(&mut f.harness, "the save", |h| !h.state().tab().is_modified());
    let dir = practice_tour(&f);
    let written: String =
        crate::common::all_files(&dir).iter().map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned()).collect();
    assert!(written.contains("/v1/orders?page=3"), "the file does not hold the new address");
    assert!(has_text(&f.harness, "Saved \"List orders\" in Practice API tour."));
}

#[test]
fn a_new_request_is_saved_with_the_save_box_then_deleted_and_put_back() {
    let mut f = start(practice_options());
    ready(&mut f);
    wait_for(&mut f.harness, "the practice collection", |h| has_text(h, "Practice API tour"));
    let before = f.harness.state().tabs().len();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::T);
    f.harness.step();
    f.harness.step();
    assert_eq!(f.harness.state().tabs().len(), before + 1);
    set_url(&mut f.harness, "/v1/orders/42");
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    wait_for(&mut f.harness, "the save box", |h| has_text(h, "Save request"));
    f.harness.get_by_label("Name").focus();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label("Name").type_text("One order");
    f.harness.step();
    f.harness.get_by_label("Save").click();
    wait_for(&mut f.harness, "the save", |h| h.state().tab().saved.is_some());
    assert_eq!(f.harness.state().tab().title(), "One order");
    let saved = f.harness.state().tab().saved.clone().unwrap();
    assert_eq!(saved.collection_name, "Practice API tour");
    let files = || {
        crate::common::all_files(&saved.collection)
            .iter()
            .any(|(_, b)| String::from_utf8_lossy(b).contains("/v1/orders/42"))
    };
    assert!(files(), "no file holds the saved request");
    wait_for(&mut f.harness, "the row", |h| h.query_by_label("GET    One order").is_some());
    // Delete from the row's menu, then Undo.
    f.harness.get_by_label("GET    One order").click_secondary();
    wait_for(&mut f.harness, "the row's menu", |h| h.query_by_label("Delete").is_some());
    f.harness.get_by_label("Delete").click();
    wait_for(&mut f.harness, "the delete", |h| has_text(h, "Deleted \"One order\"."));
    assert!(f.harness.state().tab().saved.is_none(), "the tab still says it is saved");
    assert!(!files(), "the file is still there");
    f.harness.get_by_label("Undo").click();
    wait_for(&mut f.harness, "the undo", |h| has_text(h, "\"One order\" is back."));
    assert!(files(), "Undo did not write the file back");
}

#[test]
fn closing_a_changed_tab_asks_first() {
    let mut f = start(practice_options());
    ready(&mut f);
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::T);
    f.harness.step();
    f.harness.step();
    set_url(&mut f.harness, "/v1/typed");
    let tabs = f.harness.state().tabs().len();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::W);
    f.harness.step();
    f.harness.step();
    assert!(has_text(&f.harness, "Close without saving?"));
    assert_eq!(f.harness.state().tabs().len(), tabs);
    f.harness.get_by_label("Close without saving").click();
    f.harness.step();
    f.harness.step();
    assert_eq!(f.harness.state().tabs().len(), tabs - 1);
    assert!(f.harness.state().tabs().iter().all(|t| t.draft.url != "/v1/typed"));
}

#[test]
fn the_practice_collection_runs_against_sandbox_and_production_and_a_failed_cell_opens_its_card() {
    let mut f = start(practice_options());
    ready(&mut f);
    crate::common::ui::select_profile(&mut f.harness, "Practice — Sandbox");
    wait_for(&mut f.harness, "the practice collection", |h| has_text(h, "Practice API tour"));
    f.harness.get_by_label("Practice API tour").click_secondary();
    wait_for(&mut f.harness, "the collection's menu", |h| h.query_by_label("Run the collection…").is_some());
    f.harness.get_by_label("Run the collection…").click();
    wait_for(&mut f.harness, "the run window", |h| h.state().run_view().is_some());
    let view = f.harness.state().run_view().unwrap();
    let names: Vec<String> = view
        .chosen
        .iter()
        .filter_map(|id| f.harness.state().profiles().iter().find(|p| &p.id == id))
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Practice — Production".to_owned()), "{names:?}");
    let rows = view.rows.len();
    wait_for(&mut f.harness, "the Run button", |h| h.query_by_label("Run").is_some());
    f.harness.get_by_label("Run").click();
    wait_for(&mut f.harness, "the run's end", |h| {
        h.state().run_view().is_some_and(|v| !v.is_running() && v.cells.len() == rows * 2)
    });
    let view = f.harness.state().run_view().unwrap();
    // The Production write was held back; the Sandbox one was sent.
    let production =
        f.harness.state().profiles().iter().find(|p| p.name == "Practice — Production").unwrap().id.clone();
    let create = view.rows.iter().find(|r| r.label.ends_with("Create an order")).unwrap().path.clone();
    assert!(view.cells[&(create.clone(), production.clone())].skipped().is_some());
    let (passed, failed, skipped) = view.counts();
    assert!(passed > 0 && failed > 0 && skipped > 0, "{passed} {failed} {skipped}");
    assert!(has_text(&f.harness, &format!("{passed} passed")));
    // A failed cell opens its request in a tab with the answer and the card.
    let failed_cell = view.cells.values().find(|r| !r.ok() && r.explained().is_some() && r.status().is_some()).unwrap();
    let status = failed_cell.status();
    let label = format!("{} · {} ms", status.unwrap(), failed_cell.ms().unwrap());
    f.harness.query_all_by_label(&label).next().unwrap().click();
    wait_for(&mut f.harness, "the cell's answer in a tab", |h| {
        h.state().tab().saved.is_some()
            && h.state().tab().answer.as_ref().is_some_and(|a| a.exchange.status() == status)
    });
    let answer = f.harness.state().tab().answer.as_ref().unwrap();
    assert!(!answer.explained.diagnosis.findings.is_empty(), "no explanation with the answer");

    // A failed cell says why under its status, and one cell runs again on its own.
    let view = f.harness.state().run_view().unwrap();
    let key = view
        .cells
        .iter()
        .find(|(_, r)| !r.ok() && r.skipped().is_none() && r.status().is_some())
        .map(|(k, _)| k.clone())
        .unwrap();
    let before = view.cells[&key].ms();
    let cells = view.cells.len();
    let headline = view.cells[&key].note();
    let label = format!("{} · {} ms", view.cells[&key].status().unwrap(), before.unwrap());
    assert!(
        has_text(&f.harness, &headline.chars().take(20).collect::<String>()),
        "no headline under the cell: {headline}"
    );
    f.harness.query_all_by_label(&label).next().unwrap().click_secondary();
    wait_for(&mut f.harness, "the cell's menu", |h| h.query_by_label("Run this one again").is_some());
    f.harness.get_by_label("Run this one again").click();
    wait_for(&mut f.harness, "the cell sent again", |h| {
        h.state().run_view().is_some_and(|v| !v.is_running() && v.total == 1 && v.cells.contains_key(&key))
    });
    assert_eq!(f.harness.state().run_view().unwrap().cells.len(), cells, "the other cells were lost");
}

#[test]
fn a_file_is_imported_from_the_window_after_its_preview() {
    let Some(samples) = crate::common::import_samples() else {
        eprintln!("skipped: the shared samples folder (../shared/samples/import) is not here");
        return;
    };
    let mut f = start(practice_options());
    ready(&mut f);
    let profiles = f.harness.state().profiles().len();
    f.harness.get_by_label("Import…").click();
    wait_for(&mut f.harness, "the import window", |h| h.query_by_label("Files or folders").is_some());
    let source = samples.join("postman/paypal.checkout-flows.postman_collection.v2.0.json");
    let target = f.dir.path().join("paypal");
    crate::common::ui::type_into(&mut f.harness, "Files or folders", &source.display().to_string());
    crate::common::ui::type_into(&mut f.harness, "Write it to", &target.display().to_string());
    f.harness.get_by_label("Preview the import").click();
    wait_for(&mut f.harness, "the preview", |h| has_text(h, "43 requests in 13 folders"));
    assert!(has_text(&f.harness, "Secrets moved to the keychain"));
    assert!(!target.exists(), "the preview wrote something");
    f.harness.get_by_label("Import").click();
    wait_for(&mut f.harness, "the import", |h| has_text(h, "It is open in the sidebar."));
    wait_for(&mut f.harness, "the collection in the sidebar", |h| has_text(h, "PayPal Checkout Flows"));
    assert!(target.join(gatepass::core::collection::COLLECTION_FILE).is_file());
    wait_for(&mut f.harness, "the new profile", |h| h.state().profiles().len() > profiles);
    let secret = "EMnAWe06ioGtouJs7gLYT9chK9-2jJ--7MKRXpI8FesmY_2Kp-d_7aCqff7M9moEJBvuXoBO4clKtY0v";
    for (path, bytes) in crate::common::all_files(f.dir.path()) {
        assert!(!String::from_utf8_lossy(&bytes).contains(secret), "{path:?} holds the client secret");
    }
}

#[test]
fn the_saved_requests_open_in_tabs_come_back_on_the_next_start() {
    let rt = crate::common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let open = |rt: &tokio::runtime::Runtime| {
        let ws = crate::common::workspace(dir.path());
        let ctx = egui::Context::default();
        let app = gatepass::ui::app::GatepassApp::new(&ctx, Ok(ws), rt.handle().clone(), practice_options());
        egui_kittest::Harness::builder().with_size(egui::vec2(1280.0, 860.0)).build_ui_state(
            |ui, app: &mut gatepass::ui::app::GatepassApp| {
                app.logic(&ui.ctx().clone());
                app.draw(ui);
            },
            app,
        )
    };
    let mut first = open(&rt);
    wait_for(&mut first, "the practice collection", |h| has_text(h, "Practice API tour"));
    first.get_by_label_contains("List orders").click();
    wait_for(&mut first, "its tab", |h| h.state().tab().title() == "List orders");
    first.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::T);
    first.step();
    first.get_by_label_contains("Who am I").click();
    wait_for(&mut first, "the second tab", |h| h.state().tabs().len() == 2 && h.state().tab().title() == "Who am I");
    // Back to the first, then quit (the list is written as the tabs change).
    first.get_by_label("List orders").click();
    wait_for(&mut first, "the first tab in front", |h| h.state().tab().title() == "List orders");
    let written = dir.path().join("config").join("collections.toml");
    wait_for(&mut first, "the tabs written down", |_| {
        std::fs::read_to_string(&written).is_ok_and(|t| t.matches("[[tab]]").count() == 2 && !t.contains("active_tab"))
    });
    drop(first);
    let mut second = open(&rt);
    wait_for(&mut second, "the tabs back", |h| h.state().tabs().len() == 2);
    let titles: Vec<String> =
        second.state().tabs().iter().map(gatepass::ui::panels::request_tab::RequestTab::title).collect();
    assert_eq!(titles, ["List orders", "Who am I"]);
    assert_eq!(second.state().tab().title(), "List orders");
}

#[test]
fn a_collection_is_exported_for_postman_from_its_menu() {
    let mut f = start(practice_options());
    ready(&mut f);
    wait_for(&mut f.harness, "the practice collection", |h| has_text(h, "Practice API tour"));
    f.harness.get_by_label("Practice API tour").click_secondary();
    wait_for(&mut f.harness, "the collection's menu", |h| h.query_by_label("Export for Postman…").is_some());
    f.harness.get_by_label("Export for Postman…").click();
    wait_for(&mut f.harness, "the export form", |h| has_text(h, "Export \"Practice API tour\" for other tools"));
    // The file goes beside the collection's folder, named after it; addresses from Sandbox.
    let expected = practice_tour(&f).parent().unwrap().join("Practice-API-tour.postman_collection.json");
    let form = f.harness.state().sidebar_collections().export.clone().unwrap();
    assert_eq!(form.target(), expected);
    f.harness.get_by_label("Addresses").click();
    wait_for(&mut f.harness, "the list of profiles", |h| h.query_by_label_contains("Practice — Sandbox (").is_some());
    f.harness.get_by_label_contains("Practice — Sandbox (").click();
    wait_for(&mut f.harness, "the list to close", |h| h.query_by_label("Keep {{baseUrl}}").is_none());
    f.harness.get_by_label("Export").click();
    wait_for(&mut f.harness, "the export", |h| has_text(h, "requests as a Postman v2.1 collection"));
    let text = std::fs::read_to_string(&expected).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(doc["info"]["schema"].as_str().unwrap().contains("v2.1"), "{text}");
    let sandbox =
        f.harness.state().profiles().iter().find(|p| p.name == "Practice — Sandbox").unwrap().base_url.clone();
    let vars = doc["variable"].as_array().unwrap();
    assert!(vars.iter().any(|v| v["key"] == "baseUrl" && v["value"] == sandbox.as_str()), "{text}");
    let saved = crate::common::all_files(&practice_tour(&f))
        .iter()
        .filter(|(p, _)| p.to_string_lossy().ends_with(".request.toml"))
        .count();
    let said = format!("Wrote {saved} requests as a Postman v2.1 collection to {}.", expected.display());
    assert!(has_text(&f.harness, &said), "no \"{said}\"");
    for credential in gatepass::practice::demo_credentials() {
        if let gatepass::practice::DemoKind::ApiKey { value, .. } = credential.kind {
            assert!(!text.contains(value), "the export holds a demo key");
        }
    }
    // A second export to the same file is refused; the first file stays as it was.
    f.harness.get_by_label("Practice API tour").click_secondary();
    wait_for(&mut f.harness, "the collection's menu", |h| h.query_by_label("Export for Postman…").is_some());
    f.harness.get_by_label("Export for Postman…").click();
    wait_for(&mut f.harness, "the export form", |h| h.query_by_label("Export").is_some());
    f.harness.get_by_label("Export").click();
    wait_for(&mut f.harness, "the refusal", |h| has_text(h, "exists already"));
    assert_eq!(std::fs::read_to_string(&expected).unwrap(), text);
}

#[test]
fn a_request_file_changed_by_an_editor_shows_in_its_tab_and_a_tab_with_changes_asks_which_to_keep() {
    let mut f = start(practice_options());
    ready(&mut f);
    wait_for(&mut f.harness, "the practice collection", |h| has_text(h, "Practice API tour"));
    f.harness.get_by_label_contains("List orders").click();
    wait_for(&mut f.harness, "the request's tab", |h| h.state().tab().title() == "List orders");
    let saved = f.harness.state().tab().saved.clone().unwrap();
    let file = saved.collection.join(saved.path.as_str());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("/v1/orders"), "{text}");
    // An editor (or git) changes the file: the tab, with no changes of its own, follows it. The
    // window never loses the focus here, so the change is seen by watching the folder.
    std::fs::write(&file, text.replacen("/v1/orders", "/v1/orders?status=open", 1)).unwrap();
    wait_for(&mut f.harness, "the tab on the file's new version", |h| {
        h.state().tab().draft.url.contains("/v1/orders?status=open")
    });
    assert!(!f.harness.state().tab().is_modified(), "following the file made the tab look changed");
    // With a change of the person's own, the tab keeps it and says the file changed.
    set_url(&mut f.harness, "/v1/orders?mine=1");
    std::fs::write(&file, text.replacen("/v1/orders", "/v1/orders?status=closed", 1)).unwrap();
    wait_for(&mut f.harness, "the note that the file changed", |h| has_text(h, "was changed outside Gatepass"));
    assert_eq!(f.harness.state().tab().draft.url, "/v1/orders?mine=1", "the person's change was lost");
    f.harness.get_by_label("Use the file's version").click();
    f.harness.step();
    let tab = f.harness.state().tab();
    assert!(tab.draft.url.contains("/v1/orders?status=closed"), "{}", tab.draft.url);
    assert!(!tab.is_modified());
    f.harness.step();
    assert!(!has_text(&f.harness, "was changed outside Gatepass"));
}

#[test]
fn a_request_dragged_onto_another_folder_moves_there_and_its_tab_follows() {
    let mut f = start(practice_options());
    ready(&mut f);
    wait_for(&mut f.harness, "the practice collection", |h| has_text(h, "Practice API tour"));
    f.harness.get_by_label_contains("List orders").click();
    wait_for(&mut f.harness, "the request's tab", |h| h.state().tab().title() == "List orders");
    assert_eq!(f.harness.state().tab().saved.as_ref().unwrap().path.folder(), "Try these");
    let from = f.harness.get_by_label("GET    List orders").rect().center();
    let to = f.harness.get_by_label("See each explanation").rect().center();
    let names_shown = |h: &egui_kittest::Harness<'static, gatepass::ui::app::GatepassApp>| {
        h.query_all_by_label("List orders").count()
    };
    let before = names_shown(&f.harness);
    // Press, move a little (past the drag threshold), then over the other folder, and let go.
    f.harness.hover_at(from);
    f.harness.step();
    f.harness.drag_at(from);
    f.harness.step();
    for step in 1..=6u8 {
        let t = f32::from(step) / 6.0;
        f.harness.hover_at(from + (to - from) * t);
        f.harness.step();
    }
    // The request's name goes with the pointer.
    assert_eq!(names_shown(&f.harness), before + 1, "no name by the pointer while dragging");
    f.harness.drop_at(to);
    wait_for(&mut f.harness, "the move", |h| has_text(h, "\"List orders\" is now See each explanation/"));
    let saved = f.harness.state().tab().saved.clone().unwrap();
    assert_eq!(saved.path.folder(), "See each explanation");
    assert!(saved.collection.join(saved.path.as_str()).is_file(), "no file at {}", saved.path);
}

#[test]
fn the_filter_finds_requests_a_rename_renames_the_file_and_ctrl_tab_goes_to_the_next_tab() {
    let mut f = start(practice_options());
    ready(&mut f);
    wait_for(&mut f.harness, "the practice collection", |h| has_text(h, "Practice API tour"));
    assert!(f.harness.query_by_label("GET    Who am I").is_some());
    // The filter, as you type: by address here ("orders" is in List orders' /v1/orders).
    f.harness.get_by_label("Find a request").focus();
    f.harness.get_by_label("Find a request").type_text("orders");
    wait_for(&mut f.harness, "the filtered tree", |h| h.query_by_label("GET    Who am I").is_none());
    assert!(f.harness.query_by_label("GET    List orders").is_some());
    // By method: only the POSTs are left.
    f.harness.get_by_label("Find a request").focus();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label("Find a request").type_text("post");
    wait_for(&mut f.harness, "the POSTs", |h| h.query_by_label("GET    List orders").is_none());
    assert!(f.harness.query_all_by_label_contains("POST   ").next().is_some(), "no POST request is left");
    f.harness.get_by_label("Find a request").focus();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.key_press(egui::Key::Backspace);
    wait_for(&mut f.harness, "the whole tree", |h| h.query_by_label("GET    Who am I").is_some());
    // Rename from the row's menu: the file is renamed too.
    f.harness.get_by_label("GET    Who am I").click_secondary();
    wait_for(&mut f.harness, "the row's menu", |h| h.query_by_label("Rename").is_some());
    f.harness.get_by_label("Rename").click();
    f.harness.step();
    f.harness.step();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label("New name").type_text("My identity");
    f.harness.step();
    f.harness.key_press(egui::Key::Enter);
    wait_for(&mut f.harness, "the rename", |h| h.query_by_label("GET    My identity").is_some());
    let files: Vec<String> = crate::common::all_files(&practice_tour(&f))
        .into_iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|n| n == "my-identity.request.toml"), "{files:?}");
    assert!(!files.iter().any(|n| n == "who-am-i.request.toml"), "{files:?}");
    // Two tabs; Ctrl+Tab goes to the next one, and round again.
    f.harness.get_by_label("GET    List orders").click();
    wait_for(&mut f.harness, "the first tab", |h| h.state().tab().title() == "List orders");
    f.harness.get_by_label("GET    My identity").click();
    wait_for(&mut f.harness, "the second tab", |h| h.state().tab().title() == "My identity");
    let titles = |h: &egui_kittest::Harness<'static, gatepass::ui::app::GatepassApp>| h.state().tab().title();
    let before = titles(&f.harness);
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Tab);
    f.harness.step();
    assert_ne!(titles(&f.harness), before, "Ctrl+Tab stayed on the same tab");
    for _ in 1..f.harness.state().tabs().len() {
        f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Tab);
        f.harness.step();
    }
    assert_eq!(titles(&f.harness), before, "Ctrl+Tab did not come round to the first tab again");
}

#[test]
fn browse_chooses_a_file_to_import_from_a_folder_listing() {
    let mut f = start(practice_options());
    ready(&mut f);
    let folder = f.dir.path().join("specs");
    std::fs::create_dir_all(folder.join("old")).unwrap();
    std::fs::write(folder.join("openapi.yaml"), "openapi: 3.1.0\ninfo: {title: Shop, version: '1'}\npaths: {}\n")
        .unwrap();
    std::fs::write(folder.join("notes.txt"), "not an API").unwrap();
    f.harness.get_by_label("Import…").click();
    wait_for(&mut f.harness, "the import window", |h| h.query_by_label("Files or folders").is_some());
    f.harness.get_by_label("Browse…").click();
    wait_for(&mut f.harness, "the chooser", |h| h.query_by_label("Folder").is_some());
    // Go to the folder by typing it, as a person pastes a path.
    f.harness.get_by_label("Folder").focus();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label("Folder").type_text(&folder.display().to_string());
    f.harness.key_press(egui::Key::Enter);
    wait_for(&mut f.harness, "the folder's files", |h| h.query_by_label("openapi.yaml").is_some());
    // Folders first, then files; a click selects a folder, its button opens it, and Up comes back.
    assert!(f.harness.query_by_label("old/").is_some() && f.harness.query_by_label("notes.txt").is_some());
    f.harness.get_by_label("old/").click();
    f.harness.step();
    f.harness.get_by_label("Open old/").click();
    wait_for(&mut f.harness, "the inner folder", |h| has_text(h, "This folder is empty."));
    f.harness.get_by_label("Up").click();
    wait_for(&mut f.harness, "back in the folder", |h| h.query_by_label("openapi.yaml").is_some());
    f.harness.get_by_label("openapi.yaml").click();
    f.harness.step();
    f.harness.get_by_label("Add openapi.yaml").click();
    wait_for(&mut f.harness, "the chooser closed", |h| h.query_by_label("Folder").is_none());
    let sources = f.harness.state().import_view().unwrap().sources.clone();
    assert_eq!(sources, folder.join("openapi.yaml").display().to_string());
    // A file's whole path typed (or pasted) in the address line is chosen at once.
    f.harness.get_by_label("Browse…").click();
    wait_for(&mut f.harness, "the chooser again", |h| h.query_by_label("Folder").is_some());
    f.harness.get_by_label("Folder").focus();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label("Folder").type_text(&folder.join("notes.txt").display().to_string());
    f.harness.key_press(egui::Key::Enter);
    wait_for(&mut f.harness, "the typed file chosen", |h| h.query_by_label("Folder").is_none());
    let sources = f.harness.state().import_view().unwrap().sources.clone();
    let expected = format!("{}\n{}", folder.join("openapi.yaml").display(), folder.join("notes.txt").display());
    assert_eq!(sources, expected);
    // Keep only the API description, as a person edits the list.
    f.harness.get_by_label("Files or folders").focus();
    f.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label("Files or folders").type_text(&folder.join("openapi.yaml").display().to_string());
    f.harness.step();
    f.harness.get_by_label("Preview the import").click();
    wait_for(&mut f.harness, "the preview", |h| has_text(h, "\"Shop\""));
}
