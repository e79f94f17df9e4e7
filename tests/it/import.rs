//! OpenAPI and Swagger import measured on the shared sample documents (../shared/samples/import):
//! operation counts and sampled operations' required scopes, as facts.json gives them.

use gatepass::core::import::{openapi, parse_document};
use serde_json::Value;
use std::path::PathBuf;

fn samples() -> Option<PathBuf> {
    // ../shared from the main checkout, ../../shared from a worktree under wt/.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ["../shared/samples/import", "../../shared/samples/import"]
        .into_iter()
        .map(|p| root.join(p))
        .find(|d| d.join("facts.json").is_file())
}

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
