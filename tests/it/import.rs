//! `OpenAPI` and Swagger import measured on the shared sample documents (../shared/samples/import):
//! operation counts and sampled operations' required scopes, as facts.json gives them.

use gatepass::core::import::{openapi, parse_document};
use serde_json::Value;

use crate::common::import_samples as samples;

#[test]
fn openapi_and_swagger_samples_give_their_facts() {
    let Some(dir) = samples() else {
        eprintln!("skipped: the shared samples folder (../shared/samples/import) is not here");
        return;
    };
    let facts: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("facts.json")).unwrap()).unwrap();
    let mut checked = 0;
    for (file, fact) in facts.as_object().unwrap() {
        if !(file.starts_with("openapi/") || file.starts_with("swagger2/")) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let out = openapi::import(&parse_document(&text).unwrap()).unwrap();
        assert_eq!(out.operations.len() as u64, fact["operations"].as_u64().unwrap(), "{file}: operations");
        let with_scopes = out.operations.iter().filter(|o| !o.request.required_scopes.is_empty()).count();
        assert_eq!(with_scopes as u64, fact["operations_with_scopes"].as_u64().unwrap(), "{file}: with scopes");
        for sample in fact["samples"].as_array().unwrap() {
            let id = sample["operationId"].as_str().unwrap();
            let want: Vec<String> =
                sample["required_scopes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
            let method = sample["method"].as_str().unwrap();
            let path = sample["path"].as_str().unwrap().replace('{', "{{").replace('}', "}}");
            let found = out
                .operations
                .iter()
                .find(|o| {
                    o.request.draft.method.as_str() == method
                        && o.request.draft.url.strip_prefix("{{base_url}}").unwrap_or(&o.request.draft.url) == path
                })
                .unwrap_or_else(|| panic!("{file}: {id} {method} {path} not imported"));
            assert_eq!(found.request.required_scopes, want, "{file}: {id}");
        }
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} OpenAPI/Swagger samples checked");
}

// ---- the import as a whole: plan, preview, keychain, files, command line -----------------------

use gatepass::core::import::{self, Source};
use gatepass::core::profile::SecretRef;
use gatepass::core::secret::Secret;
use gatepass::infra::keychain::{KeychainError, SecretStore, StoreKind};

fn file(name: &str, text: &str) -> Source {
    Source::File { name: name.to_owned(), text: text.to_owned() }
}

#[test]
fn openapi_samples_become_plans_with_a_request_per_operation_and_profiles_per_server() {
    let Some(dir) = samples() else {
        eprintln!("skipped: the shared samples folder (../shared/samples/import) is not here");
        return;
    };
    let facts: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("facts.json")).unwrap()).unwrap();
    for (name, fact) in facts.as_object().unwrap() {
        if !(name.starts_with("openapi/") || name.starts_with("swagger2/")) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let plan = import::plan(&[file(name, &text)]).unwrap();
        assert_eq!(plan.requests.len() as u64, fact["operations"].as_u64().unwrap(), "{name}: requests");
        let want_format = fact["format"].as_str().unwrap();
        assert!(want_format.starts_with(&plan.format), "{name}: format {} is not {want_format}", plan.format);
        assert!(!plan.finished_profiles.is_empty(), "{name}: no profile");
        assert!(plan.leaks().is_empty(), "{name}: {:?}", plan.leaks());
        // The most used scheme is the profiles' sign-in.
        let kinds: Vec<_> = plan.finished_profiles.iter().map(|p| p.auth.kind()).collect();
        assert!(kinds.iter().all(|k| *k == kinds[0]), "{name}: profiles sign in differently: {kinds:?}");
    }
}

#[test]
fn a_server_that_says_sandbox_is_suggested_as_sandbox() {
    let doc = r#"{"openapi":"3.1.0","info":{"title":"Shop","version":"1"},
      "servers":[{"url":"https://api.shop.example","description":"Live"},
                 {"url":"https://sandbox.shop.example","description":"Try it"}],
      "components":{"securitySchemes":{"key":{"type":"apiKey","in":"header","name":"X-Shop-Key"}}},
      "security":[{"key":[]}],
      "paths":{"/orders/{id}":{"get":{"summary":"Get an order","tags":["Orders"]}}}}"#;
    let plan = import::plan(&[file("shop.json", doc)]).unwrap();
    assert_eq!(plan.format, "openapi-3.1");
    let envs: Vec<_> = plan.finished_profiles.iter().map(|p| (p.base_url.as_str(), p.environment.label())).collect();
    assert_eq!(envs, [("https://api.shop.example", "Production"), ("https://sandbox.shop.example", "Sandbox")]);
    match &plan.finished_profiles[0].auth {
        gatepass::core::profile::AuthMethod::ApiKey { name, .. } => assert_eq!(name, "X-Shop-Key"),
        other => panic!("not an API key profile: {other:?}"),
    }
    assert_eq!(plan.requests[0].folder, "Orders");
    assert_eq!(plan.requests[0].request.draft.url, "{{base_url}}/orders/{{id}}");
}

/// A keychain that refuses every write, like a locked one.
struct LockedStore;

impl SecretStore for LockedStore {
    fn get(&self, _: &SecretRef) -> Result<Option<Secret>, KeychainError> {
        Err(KeychainError::Locked)
    }
    fn set(&self, _: &SecretRef, _: &Secret) -> Result<(), KeychainError> {
        Err(KeychainError::Locked)
    }
    fn delete(&self, _: &SecretRef) -> Result<(), KeychainError> {
        Err(KeychainError::Locked)
    }
    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }
}

/// A HAR-free, format-free plan with secrets everywhere an importer might leave them.
const SECRETIVE_OPENAPI: &str = r#"{"openapi":"3.0.3","info":{"title":"Leaky","version":"1"},
  "servers":[{"url":"https://api.leaky.example"}],
  "paths":{"/login":{"post":{"summary":"Log in","parameters":[
      {"name":"X-Api-Key","in":"header","example":"lk_live_4f9a8b7c6d5e4f3a2b1c"},
      {"name":"api_key","in":"query","required":true,"example":"qk_0123456789abcdef0123"}],
    "requestBody":{"content":{"application/json":{"example":{"user":"ann","password":"correct horse battery"}}}}}}}}"#;

#[test]
fn every_secret_goes_to_the_keychain_and_no_file_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = crate::common::workspace(dir.path());
    let source = dir.path().join("leaky.json");
    std::fs::write(&source, SECRETIVE_OPENAPI).unwrap();
    let target = dir.path().join("leaky-collection");
    let preview = ws.preview_import(std::slice::from_ref(&source), Some(&target), None).unwrap();
    assert_eq!(preview.plan.secrets.len(), 3, "{:?}", preview.secret_moves());
    let done = ws.apply_import(preview).unwrap();
    assert_eq!((done.requests, done.secrets_moved), (1, 3));
    for (path, bytes) in crate::common::all_files(&target).into_iter().chain(crate::common::all_files(dir.path())) {
        if path == source {
            continue;
        }
        for secret in ["lk_live_4f9a8b7c6d5e4f3a2b1c", "qk_0123456789abcdef0123", "correct horse battery"] {
            assert!(!crate::common::contains(&bytes, secret), "{} holds {secret}", path.display());
        }
    }
    // The values are in the keychain, where the profile points.
    let profile = ws.profile_named("Leaky — Production").unwrap();
    let key = ws.read_secret(profile.auth.secret_ref().unwrap()).unwrap().unwrap();
    assert!(["lk_live_4f9a8b7c6d5e4f3a2b1c", "qk_0123456789abcdef0123"].contains(&key.expose()));
    let collection = ws.load_collection(&target).unwrap();
    assert_eq!(collection.requests.len(), 1);
    let body = format!("{:?}", collection.requests[0].request.draft.body);
    assert!(body.contains("{{secret:password}}"), "{body}");
    assert!(ws.open_collections().iter().any(|c| c.name == "Leaky"), "the collection is not open in Gatepass");
}

#[test]
fn a_locked_keychain_leaves_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let ws = crate::common::workspace(dir.path());
    ws.set_secret_store(std::sync::Arc::new(LockedStore));
    let source = dir.path().join("leaky.json");
    std::fs::write(&source, SECRETIVE_OPENAPI).unwrap();
    let target = dir.path().join("out");
    let preview = ws.preview_import(std::slice::from_ref(&source), Some(&target), None).unwrap();
    let err = ws.apply_import(preview).unwrap_err().to_string();
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(!target.exists(), "the collection folder was made");
    assert!(ws.load_profiles().unwrap().file.profile_by_name("Leaky — Production").is_none(), "a profile was made");
}

#[test]
fn bad_input_is_refused_in_words() {
    let cases: [(&str, &str, &str); 5] = [
        ("notes.txt", "hello, world: [", "neither JSON nor YAML"),
        ("empty.json", "   ", "empty"),
        ("pets.json", r#"{"openapi":"4.0.0","info":{"title":"x"},"paths":{}}"#, "4.0.0 is not supported"),
        ("odd.json", r#"{"hello":"world"}"#, "not a document Gatepass can import"),
        ("cut.json", r#"{"openapi":"3.0.0","info":{"title":"#, "neither JSON nor YAML"),
    ];
    for (name, text, words) in cases {
        let err = import::plan(&[file(name, text)]).unwrap_err().to_string();
        assert!(err.contains(words), "{name}: {err}");
    }
}

#[test]
fn the_import_command_prints_its_json_summary_and_never_overwrites() {
    let Some((samples, dir, config)) = cli_setup() else { return };
    let target = dir.path().join("petstore");
    let source = samples.join("openapi/swagger-petstore.openapi.yaml");
    let args = ["import", source.to_str().unwrap(), "--into", target.to_str().unwrap(), "--format", "json"];
    let out = crate::common::run_gatepass(&config, &args, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<&str> = summary.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["collection", "folders", "format", "profiles", "requests", "secrets_moved", "skipped"]);
    assert_eq!(summary["format"], "openapi-3.0");
    assert_eq!(summary["requests"], 19);
    assert_eq!(summary["folders"], 3);
    // What the command moved is what the plan found (an example value of a secret-looking parameter).
    let planned = import::plan(&[file("petstore.yaml", &std::fs::read_to_string(&source).unwrap())]).unwrap();
    assert_eq!(summary["secrets_moved"], planned.secrets.len());
    assert_eq!(summary["collection"], target.to_str().unwrap());
    assert_eq!(summary["profiles"][0]["created"], true);
    assert!(summary["profiles"][0]["environment"].is_string());
    // The collection reads back, and the command line lists it.
    let shown = crate::common::run_gatepass(&config, &["collection", "show", target.to_str().unwrap()], None);
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    assert!(String::from_utf8_lossy(&shown.stdout).contains("pet"));
    // The same import again is refused and changes nothing.
    let before = crate::common::all_files(&target);
    let again = crate::common::run_gatepass(&config, &args, None);
    assert!(!again.status.success());
    let words = String::from_utf8_lossy(&again.stderr);
    assert!(words.contains("already holds a collection"), "{words}");
    assert_eq!(crate::common::all_files(&target), before);
    // --dry-run writes nothing.
    let other = dir.path().join("dry");
    let dry = crate::common::run_gatepass(
        &config,
        &["import", source.to_str().unwrap(), "--into", other.to_str().unwrap(), "--dry-run"],
        None,
    );
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("19 requests"));
    assert!(!other.exists());
}

#[test]
fn a_postman_collection_and_its_environment_import_from_the_command_line() {
    let Some((samples, dir, config)) = cli_setup() else { return };
    let target = dir.path().join("paypal");
    let source = samples.join("postman/paypal.checkout-flows.postman_collection.v2.0.json");
    let env = samples.join("postman/env/wise.mca-sandbox.postman_environment.json");
    let args = [
        "import",
        source.to_str().unwrap(),
        env.to_str().unwrap(),
        "--into",
        target.to_str().unwrap(),
        "--format",
        "json",
    ];
    let out = crate::common::run_gatepass(&config, &args, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["format"], "postman-2.0");
    assert_eq!((summary["requests"].as_u64(), summary["folders"].as_u64()), (Some(43), Some(13)));
    let names: Vec<&str> = summary["profiles"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(names.iter().any(|n| n.contains("MCA Sandbox")), "{names:?}");
    let sandbox =
        summary["profiles"].as_array().unwrap().iter().find(|p| p["name"].as_str().unwrap().contains("MCA Sandbox"));
    assert_eq!(sandbox.unwrap()["environment"], "Sandbox (test)");
    // The collection variable client_secret (a literal in the export) is in the keychain, in no file.
    assert!(summary["secrets_moved"].as_u64().unwrap() >= 1);
    let secret = "EMnAWe06ioGtouJs7gLYT9chK9-2jJ--7MKRXpI8FesmY_2Kp-d_7aCqff7M9moEJBvuXoBO4clKtY0v";
    for (path, text) in crate::common::all_files(&target).iter().chain(crate::common::all_files(&config).iter()) {
        assert!(!String::from_utf8_lossy(text).contains(secret), "{path:?} holds the client secret");
    }
    let shown = crate::common::run_gatepass(&config, &["collection", "show", target.to_str().unwrap()], None);
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
}

/// The keychain, the shared samples and an empty config folder, or None (and why) when missing.
pub(crate) fn cli_setup() -> Option<(std::path::PathBuf, tempfile::TempDir, std::path::PathBuf)> {
    if crate::common::skip_without_keychain() {
        return None;
    }
    let Some(samples) = samples() else {
        eprintln!("skipped: the shared samples folder (../shared/samples/import) is not here");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    Some((samples, dir, config))
}

#[test]
fn a_bruno_folder_imports_from_the_command_line_and_its_token_is_only_in_the_keychain() {
    if crate::common::skip_without_keychain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let source = dir.path().join("shop-bruno");
    let token = "brn_live_5c4b3a2918273645";
    let files = [
        ("bruno.json", r#"{"version": "1", "name": "Shop", "type": "collection"}"#.to_owned()),
        ("collection.bru", format!("auth {{\n  mode: bearer\n}}\n\nauth:bearer {{\n  token: {token}\n}}\n")),
        (
            "Orders/List orders.bru",
            "meta {\n  name: List orders\n  type: http\n  seq: 1\n}\n\nget {\n  url: {{baseUrl}}/v1/orders\n  body: none\n  auth: inherit\n}\n"
                .to_owned(),
        ),
        ("environments/Sandbox.bru", "vars {\n  baseUrl: https://sandbox.shop.test\n}\n".to_owned()),
    ];
    for (path, text) in &files {
        let path = source.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let target = dir.path().join("shop");
    let args = ["import", source.to_str().unwrap(), "--into", target.to_str().unwrap(), "--format", "json"];
    let out = crate::common::run_gatepass(&config, &args, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["format"], "bruno");
    assert_eq!((summary["requests"].as_u64(), summary["folders"].as_u64()), (Some(1), Some(1)));
    assert_eq!(summary["profiles"][0]["name"], "Sandbox");
    assert_eq!(summary["secrets_moved"], 1);
    for (path, text) in crate::common::all_files(&target).iter().chain(crate::common::all_files(&config).iter()) {
        assert!(!String::from_utf8_lossy(text).contains(token), "{path:?} holds the token");
    }
    // The profile signs in with the token from the keychain: its fingerprint shows, not the token.
    let shown = crate::common::run_gatepass(&config, &["profile", "show", "Sandbox"], None);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("3645") && !shown.contains(token), "{shown}");
}

#[test]
fn a_postman_v3_folder_imports_from_the_command_line_with_its_secret_only_in_the_keychain() {
    if crate::common::skip_without_keychain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let secret = format!("{}{}", "sk_test_", "v3CanaryQ8m2Lk5Rt7Wx");
    let write = |path: &str, text: &str| {
        let path = repo.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "postman/collections/Shop API/.resources/definition.yaml",
        "$kind: collection\nname: Shop API\nauth:\n  type: bearer\n  credentials:\n    - key: token\n      value: '{{token}}'\n",
    );
    write("postman/collections/Shop API/Orders/.resources/definition.yaml", "$kind: collection\nname: Orders\n");
    write(
        "postman/collections/Shop API/Orders/List orders.request.yaml",
        "$kind: http-request\nname: List orders\nmethod: GET\nurl: '{{baseUrl}}/v1/orders'\nqueryParams:\n  - key: page\n    value: '2'\n",
    );
    write(
        "postman/collections/Shop API/Who am I.request.yaml",
        "$kind: http-request\nname: Who am I\nmethod: GET\nurl: '{{baseUrl}}/v1/me'\n",
    );
    write(
        "postman/environments/Shop Sandbox.yaml",
        &format!(
            "name: Shop Sandbox\nvalues:\n  - key: baseUrl\n    value: https://sandbox.shop.test\n  - key: token\n    value: {secret}\n    type: secret\n"
        ),
    );
    let config = dir.path().join("config");
    let target = dir.path().join("shop");
    let args = ["import", repo.to_str().unwrap(), "--into", target.to_str().unwrap(), "--format", "json"];
    let out = crate::common::run_gatepass(&config, &args, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["format"], "postman-3.0");
    assert_eq!(summary["requests"], 2);
    assert_eq!(summary["folders"], 1);
    // The sign-in's token, and the environment's secret variable it came from.
    assert_eq!(summary["secrets_moved"], 2);
    assert_eq!(summary["profiles"][0]["name"], "Shop Sandbox");
    let shown = crate::common::run_gatepass(&config, &["collection", "show", target.to_str().unwrap()], None);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("Orders") && shown.contains("List orders") && shown.contains("Who am I"), "{shown}");
    for (path, bytes) in crate::common::all_files(dir.path()) {
        if path.starts_with(&repo) {
            continue;
        }
        assert!(!crate::common::contains(&bytes, &secret), "{} holds the token", path.display());
    }
}
