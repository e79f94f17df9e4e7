//! Collections end to end: the practice collection made with the sample workspace, saved requests
//! as real files (save, rename, move, duplicate, delete, a credential refused), a run of a folder
//! against Sandbox and Production over loopback, and `gatepass collection` / `gatepass run` through
//! the binary with the real keychain, with a canary key that must reach no collection file.

use crate::common;
use gatepass::core::collection::{ExpectedStatus, SavedRequest, run::plan};
use gatepass::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use gatepass::practice::{DemoKind, PracticeEnv, demo_credentials};
use gatepass::workspace::{PRODUCTION_NAME, RunOptions, SANDBOX_NAME, Workspace};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn api_key(env: PracticeEnv, id: &str) -> &'static str {
    demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            DemoKind::ApiKey { value, .. } if c.env == env && c.id == id => Some(value),
            _ => None,
        })
        .unwrap()
}

fn run_all(
    rt: &tokio::runtime::Runtime,
    ws: &Arc<Workspace>,
    dir: &std::path::Path,
    folder: Option<&str>,
    profiles: &[&str],
    options: RunOptions,
) -> Vec<gatepass::workspace::RunRecord> {
    let collection = ws.load_collection(dir).unwrap();
    let profiles: Vec<_> = profiles.iter().map(|n| ws.profile_named(n).unwrap()).collect();
    let planned = plan(&collection, folder, &profiles);
    rt.block_on(ws.run_collection(&collection, planned, options, Arc::new(|_| {}), Arc::new(AtomicBool::new(false))))
        .unwrap()
}

#[test]
fn the_practice_collection_is_made_once_and_runs_against_sandbox_and_production() {
    let (rt, _server, _dir, ws) = common::sample_workspace();
    let listed = ws.open_collections();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].name, "Practice API tour");
    let expected = gatepass::workspace::sample_requests().len() + gatepass::workspace::lab_requests().len();
    assert_eq!(listed[0].requests, expected);
    let dir = listed[0].path.clone();
    assert!(dir.ends_with("collections/practice"), "{}", dir.display());

    // No demo credential is written into the collection's files.
    for (file, bytes) in common::all_files(&dir) {
        for credential in demo_credentials() {
            if let DemoKind::ApiKey { value, .. } = credential.kind {
                assert!(!common::contains(&bytes, value), "{} holds {}", file.display(), credential.id);
            }
        }
    }
    let collection = ws.load_collection(&dir).unwrap();
    assert!(collection.problems.is_empty(), "{:?}", collection.problems);
    assert!(collection.requests.iter().all(|e| e.literal_secrets.is_empty()));

    // Closed, it is not made again.
    ws.close_collection(&dir).unwrap();
    assert_eq!(ws.ensure_practice_collection().unwrap(), None);
    assert!(ws.open_collections().is_empty());
    ws.add_collection(&dir).unwrap();

    // "Try these" with both profiles: Production's write is held back until confirmed.
    let records = run_all(&rt, &ws, &dir, Some("Try these"), &[SANDBOX_NAME, PRODUCTION_NAME], RunOptions::default());
    let cell = |records: &[gatepass::workspace::RunRecord], name: &str, profile: &str| {
        records.iter().find(|r| r.name == name && r.profile_name == profile).cloned().unwrap()
    };
    let create_sandbox = cell(&records, "Create an order", SANDBOX_NAME);
    assert_eq!(create_sandbox.status(), Some(201), "{:?}", create_sandbox.skipped());
    assert!(create_sandbox.ok());
    let create_production = cell(&records, "Create an order", PRODUCTION_NAME);
    assert_eq!(create_production.status(), None);
    assert!(!create_production.ok());
    assert!(create_production.skipped().unwrap().contains("Production"), "{:?}", create_production.skipped());
    let me = cell(&records, "Who am I", PRODUCTION_NAME);
    assert_eq!(me.status(), Some(200));
    let anonymous = cell(&records, "Without a credential", SANDBOX_NAME);
    assert_eq!((anonymous.status(), anonymous.ok()), (Some(401), true), "401 is what that request expects");
    assert_eq!(anonymous.environment, "Sandbox (test)");

    // Confirmed: Production's token lacks orders:write, and the explanation names it.
    let confirmed = RunOptions { confirm_production: true, ..RunOptions::default() };
    let records = run_all(&rt, &ws, &dir, Some("Try these"), &[PRODUCTION_NAME], confirmed);
    let create = cell(&records, "Create an order", PRODUCTION_NAME);
    assert_eq!(create.status(), Some(403));
    let top = create.explained().unwrap().diagnosis.top().unwrap();
    assert_eq!(top.cause, gatepass::core::diagnose::Cause::InsufficientScope);
    let words = format!("{} {} {}", top.title, top.explanation, top.evidence.join(" "));
    assert!(words.contains("orders:write"), "{words}");
    // The run's requests are in history, marked as sent by a run.
    let history = ws.recent_history(100).unwrap();
    assert!(history.iter().any(|e| e.origin == gatepass::workspace::SendOrigin::Run));
    assert!(!history.iter().any(|e| e.origin == gatepass::workspace::SendOrigin::Manual));
}

#[test]
fn saved_requests_are_plain_files_that_can_be_renamed_moved_copied_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let root = dir.path().join("my-api");
    ws.create_collection(&root, "My API").unwrap();
    let mut draft = RequestDraft::get("/v1/orders");
    draft.method = Method::Post;
    draft.body = BodyDraft::Json { text: "{\"item\": \"notebook\"}".to_owned() };
    let request = SavedRequest {
        name: "Create an order".to_owned(),
        draft,
        required_scopes: vec!["orders:write".to_owned()],
        alternatives: Vec::new(),
        expect: ExpectedStatus::Exact(201),
        notes: String::new(),
    };
    let path = ws.save_request(&root, None, "Orders", &request).unwrap();
    assert_eq!(path.as_str(), "Orders/create-an-order.request.toml");
    let file = root.join("Orders").join("create-an-order.request.toml");
    let bytes = std::fs::read(&file).unwrap();
    assert!(text(&bytes).contains("required_scopes = [\"orders:write\"]"), "{}", text(&bytes));
    // Saving it unchanged writes nothing.
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    assert_eq!(ws.save_request(&root, Some(&path), "Orders", &request).unwrap(), path);
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), modified);

    let second = ws
        .save_request(
            &root,
            None,
            "Orders",
            &SavedRequest {
                name: "List orders".to_owned(),
                draft: RequestDraft::get("/v1/orders"),
                ..Default::default()
            },
        )
        .unwrap();
    let renamed = ws.rename_request(&root, &path, "Place an order").unwrap();
    assert_eq!(renamed.as_str(), "Orders/place-an-order.request.toml");
    assert!(!file.exists());
    // A rename keeps the request's place in its folder.
    let collection = ws.load_collection(&root).unwrap();
    let names: Vec<_> = collection.requests.iter().map(|e| e.request.name.as_str()).collect();
    assert_eq!(names, ["Place an order", "List orders"]);

    let moved = ws.move_request(&root, &second, "Reports/Daily").unwrap();
    assert_eq!(moved.as_str(), "Reports/Daily/list-orders.request.toml");
    let copy = ws.duplicate_request(&root, &renamed).unwrap();
    assert_eq!(copy.as_str(), "Orders/place-an-order-copy.request.toml");
    let collection = ws.load_collection(&root).unwrap();
    assert_eq!(collection.folders(), ["Orders", "Reports/Daily"]);
    assert_eq!(collection.find("Orders/Place an order copy").unwrap().request.required_scopes, ["orders:write"]);

    let deleted = ws.delete_request(&root, &moved).unwrap();
    assert!(!root.join("Reports").exists(), "an emptied folder goes too");
    // Undo: save it again where it was.
    assert_eq!(ws.save_request(&root, None, "Reports/Daily", &deleted).unwrap(), moved);

    // A credential typed into a request is refused, and the file is not written.
    let key = format!("sk_test_{}", "canaryCollection0123456789");
    let mut secret = RequestDraft::get("/v1/charges");
    secret.headers.push(KeyValue::new("Authorization", format!("Bearer {key}")));
    let refused = ws
        .save_request(
            &root,
            None,
            "",
            &SavedRequest { name: "Charges".to_owned(), draft: secret, ..Default::default() },
        )
        .unwrap_err();
    let said = refused.to_string();
    assert!(said.contains("holds a credential") && said.contains("Authorization"), "{said}");
    assert!(!said.contains(&key), "{said}");
    assert!(!root.join("charges.request.toml").exists());
    for (file, bytes) in common::all_files(&root) {
        assert!(!common::contains(&bytes, &key), "{}", file.display());
    }
}

#[test]
fn a_file_written_by_hand_with_a_mistake_is_named_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let root = dir.path().join("c");
    ws.create_collection(&root, "C").unwrap();
    ws.save_request(
        &root,
        None,
        "",
        &SavedRequest { name: "Good".to_owned(), draft: RequestDraft::get("/v1/me"), ..Default::default() },
    )
    .unwrap();
    std::fs::write(
        root.join("bad.request.toml"),
        "format = 1\nname = \"Bad\"\nmethod = \"GET\"\nurl = \"/\nheaders = 3\n",
    )
    .unwrap();
    std::fs::write(root.join("newer.request.toml"), "format = 2\nname = \"From the future\"\n").unwrap();
    let key = format!("sk_test_{}", "handWrittenKey0123456789");
    std::fs::write(
        root.join("typed.request.toml"),
        format!("format = 1\nname = \"Typed key\"\nmethod = \"GET\"\nurl = \"/v1/me\"\n\n[[headers]]\nname = \"X-Api-Key\"\nvalue = \"{key}\"\n"),
    )
    .unwrap();
    let collection = ws.load_collection(&root).unwrap();
    assert_eq!(collection.requests.len(), 2);
    let bad = collection.problems.iter().find(|p| p.file == "bad.request.toml").unwrap();
    assert_eq!(bad.line, Some(4), "{bad}");
    let newer = collection.problems.iter().find(|p| p.file == "newer.request.toml").unwrap();
    assert!(newer.words.contains("newer Gatepass"), "{newer}");
    let typed = collection.find("Typed key").unwrap();
    assert_eq!(typed.literal_secrets.len(), 1);
    assert!(typed.literal_secrets[0].place.contains("X-Api-Key"), "{:?}", typed.literal_secrets);
    assert!(!format!("{:?}", typed.literal_secrets).contains(&key));
}

#[test]
fn collection_and_run_through_the_binary() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let sandbox_key = api_key(PracticeEnv::Sandbox, "sandbox-api-key");
    let production_key = api_key(PracticeEnv::Production, "production-api-key");
    for (name, env, base, key) in [
        ("Shop sandbox", "sandbox", server.base_url(PracticeEnv::Sandbox), sandbox_key),
        ("Shop live", "production", server.base_url(PracticeEnv::Production), production_key),
    ] {
        let out = common::run_gatepass(
            &config,
            &["profile", "add", name, "--environment", env, "--base-url", &base, "--auth", "api-key"],
            Some(&format!("{key}\n")),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    // A collection made through the workspace on the same folder the binary uses.
    let ws = common::workspace_at(&config);
    let root = dir.path().join("repo").join("api");
    ws.create_collection(&root, "Shop").unwrap();
    ws.save_collection_meta(&root, &{
        let mut meta = ws.load_collection(&root).unwrap().meta;
        meta.variables.insert("order_path".to_owned(), "/v1/orders".to_owned());
        meta
    })
    .unwrap();
    ws.save_request(
        &root,
        None,
        "",
        &SavedRequest { name: "Who am I".to_owned(), draft: RequestDraft::get("/v1/me"), ..Default::default() },
    )
    .unwrap();
    let mut create = RequestDraft::get("{{order_path}}");
    create.method = Method::Post;
    create.body = BodyDraft::Json { text: "{\"item\": \"pen\"}".to_owned() };
    ws.save_request(
        &root,
        None,
        "Orders",
        &SavedRequest {
            name: "Create".to_owned(),
            draft: create,
            required_scopes: vec!["orders:write".to_owned()],
            ..Default::default()
        },
    )
    .unwrap();
    let root_text = root.display().to_string();

    let out = common::run_gatepass(&config, &["collection", "list", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list, serde_json::json!({"collections": [{"name": "Shop", "path": root_text, "requests": 2}]}));

    let out = common::run_gatepass(&config, &["collection", "show", &root_text, "--format", "json"], None);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown,
        serde_json::json!({"name": "Shop", "requests": [
            {"name": "Who am I", "folder": "", "method": "GET", "url": "/v1/me", "required_scopes": []},
            {"name": "Create", "folder": "Orders", "method": "POST", "url": "{{order_path}}", "required_scopes": ["orders:write"]}
        ]})
    );

    let run = |args: &[&str]| common::run_gatepass(&config, &[&["run", &root_text][..], args].concat(), None);
    let out = run(&["--profile", "Shop sandbox", "--profile", "Shop live", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "Production's write was not sent: {}", text(&out.stderr));
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    let find = |request: &str, profile: &str| {
        runs.iter().find(|r| r["request"] == request && r["profile"] == profile).unwrap().clone()
    };
    let me = find("Who am I", "Shop sandbox");
    assert_eq!(me["status"], 200);
    assert_eq!(me["ok"], true);
    assert_eq!(me["environment"], "Sandbox (test)");
    assert_eq!(me["skipped"], serde_json::Value::Null);
    assert_eq!(me["findings"], serde_json::json!([]));
    assert!(me["ms"].is_u64());
    let keys: Vec<&str> = me.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec![
        "request",
        "folder",
        "method",
        "url",
        "profile",
        "environment",
        "status",
        "ok",
        "ms",
        "skipped",
        "findings",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(find("Create", "Shop sandbox")["status"], 201, "the collection's variable filled the URL");
    let held = find("Create", "Shop live");
    assert_eq!(held["status"], serde_json::Value::Null);
    assert_eq!(held["ok"], false);
    assert!(held["skipped"].as_str().unwrap().contains("Production"), "{held}");

    let out =
        run(&["--profile", "Shop sandbox", "--profile", "Shop live", "--confirm-production", "--format", "junit"]);
    let junit = text(&out.stdout);
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert_eq!(junit.matches("<testsuite ").count(), 2, "{junit}");
    assert_eq!(junit.matches("<testcase ").count(), 4, "{junit}");

    let out = run(&["--profile", "Shop sandbox", "--folder", "Orders"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("POST Orders/Create") && table.contains("201 ok"), "{table}");
    assert!(table.contains("1 passed, 0 failed, 0 not sent, of 1."), "{table}");

    let out = run(&["--profile", "Shop sandbox", "--folder", "Nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no folder \"Nope\"") && text(&out.stderr).contains("Orders"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["--profile", "Nobody"]);
    assert_eq!(out.status.code(), Some(2));

    // One request file, run on its own with the collection's variables.
    let file = root.join("Orders").join("create.request.toml");
    let out = common::run_gatepass(
        &config,
        &["run", &file.display().to_string(), "--profile", "Shop sandbox", "--format", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The keys went through every run; no collection file holds them.
    for (file, bytes) in common::all_files(&dir.path().join("repo")) {
        assert!(
            !common::contains(&bytes, sandbox_key) && !common::contains(&bytes, production_key),
            "{}",
            file.display()
        );
    }
}

/// `--bail` stops at the first failure every time (requests start in the plan's order); a request
/// file that cannot be read fails the run instead of vanishing from it; a key typed into a
/// request's URL is fingerprinted in `collection show` and in the run's report.
#[test]
fn a_run_bails_in_order_fails_on_unreadable_files_and_masks_a_key_in_a_url() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let base = server.base_url(PracticeEnv::Sandbox);
    let key = api_key(PracticeEnv::Sandbox, "sandbox-api-key");
    let add = ["profile", "add", "Shop", "--base-url", &base, "--auth", "api-key"];
    assert_eq!(common::run_gatepass(&config, &add, Some(&format!("{key}\n"))).status.code(), Some(0));
    let ws = common::workspace_at(&config);
    let root = dir.path().join("api");
    ws.create_collection(&root, "Shop").unwrap();
    let canary = format!("sk_live_51{}", uuid::Uuid::new_v4().simple());
    for (name, url) in [("a first, fails", "/v1/no-such-thing"), ("b then me", "/v1/me"), ("c me again", "/v1/me")] {
        let request = SavedRequest { name: name.to_owned(), draft: RequestDraft::get(url), ..Default::default() };
        ws.save_request(&root, None, "", &request).unwrap();
    }
    // Gatepass refuses to save a key into a file; a hand-edited one may hold it all the same.
    std::fs::write(
        root.join("d-key-in-url.request.toml"),
        format!("format = 1\nname = \"d key in url\"\nmethod = \"GET\"\nurl = \"/v1/me?api_key={canary}\"\n"),
    )
    .unwrap();
    let root_text = root.display().to_string();
    for _ in 0..5 {
        let out = common::run_gatepass(
            &config,
            &["run", &root_text, "--bail", "--concurrency", "1", "--format", "json"],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let runs = runs["runs"].as_array().unwrap();
        assert_eq!(runs[0]["request"], "a first, fails");
        assert_eq!(runs[0]["status"], 404);
        for later in &runs[1..] {
            assert!(later["skipped"].as_str().is_some_and(|s| s.contains("earlier request failed")), "{later}");
        }
    }
    let shown = text(&common::run_gatepass(&config, &["collection", "show", &root_text], None).stdout);
    let shown_json =
        text(&common::run_gatepass(&config, &["collection", "show", &root_text, "--format", "json"], None).stdout);
    let run = common::run_gatepass(&config, &["run", &root_text, "--format", "json"], None);
    for said in [&shown, &shown_json, &text(&run.stdout), &text(&run.stderr)] {
        assert!(!said.contains(&canary), "the key is printed: {said}");
    }
    assert!(shown.contains("/v1/me?api_key=sk_live_"), "the URL is not recognisable: {shown}");

    // A broken request file: warned about, and a failing row in the report.
    std::fs::write(
        root.join("e-broken.request.toml"),
        "format = 1\nname = \"e broken\"\nmethod = \"GETT\"\nurl = \"/v1/me\"\n",
    )
    .unwrap();
    let out = common::run_gatepass(&config, &["run", &root_text, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let broken = runs["runs"].as_array().unwrap().iter().find(|r| r["request"] == "e-broken").cloned().expect("no row");
    assert_eq!((broken["ok"].clone(), broken["status"].clone()), (serde_json::json!(false), serde_json::Value::Null));
    assert!(broken["skipped"].as_str().unwrap().contains("could not be read"), "{broken}");
}
