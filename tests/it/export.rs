//! `gatepass collection export`: a collection imported from a real document, written back as
//! OpenAPI 3.1 (checked by openapi-spec-validator, an independent implementation) and as a Postman
//! v2.1 collection, then read again by the importers: the same requests, folders and scopes.

use gatepass::core::import::{Source, plan};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn export(config: &Path, dir: &Path, to: &str, out: &Path) -> String {
    let args = ["collection", "export", dir.to_str().unwrap(), "--to", to, "-o", out.to_str().unwrap()];
    let done = crate::common::run_gatepass(config, &args, None);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    std::fs::read_to_string(out).unwrap()
}

fn import(config: &Path, source: &Path, into: &Path) {
    let args = ["import", source.to_str().unwrap(), "--into", into.to_str().unwrap()];
    let done = crate::common::run_gatepass(config, &args, None);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
}

fn shown(config: &Path, dir: &Path) -> Vec<Value> {
    let done =
        crate::common::run_gatepass(config, &["collection", "show", dir.to_str().unwrap(), "--format", "json"], None);
    let v: Value = serde_json::from_slice(&done.stdout).unwrap();
    v["requests"].as_array().unwrap().clone()
}

/// `openapi-spec-validator` on the file: its verdict, or `None` when it cannot run here.
fn validator(path: &Path) -> Option<Result<(), String>> {
    let script = "import sys\nfrom openapi_spec_validator import validate\nfrom openapi_spec_validator.readers import read_from_filename\nvalidate(read_from_filename(sys.argv[1])[0])\n";
    let available = std::process::Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        if let Some(why) = std::env::var_os("GATEPASS_SKIP_OPENAPI_VALIDATOR") {
            eprintln!("skipped the validator: {}", why.to_string_lossy());
            return None;
        }
        assert!(!crate::common::real_keychain_expected(), "tests/run.sh should have installed openapi-spec-validator");
        return None;
    }
    let out = std::process::Command::new("python3").args(["-c", script, path.to_str().unwrap()]).output().unwrap();
    Some(if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) })
}

#[test]
fn an_imported_openapi_document_exports_as_valid_openapi_with_the_same_scopes() {
    let Some((samples, dir, config)) = crate::import::cli_setup() else { return };
    let collection = dir.path().join("spotify");
    import(&config, &samples.join("openapi/spotify.fixed-spotify-open-api.yml"), &collection);
    let before = shown(&config, &collection);
    let out = dir.path().join("spotify.openapi.json");
    let text = export(&config, &collection, "openapi", &out);
    if let Some(verdict) = validator(&out) {
        assert_eq!(verdict, Ok(()), "openapi-spec-validator");
    }
    let again = plan(&[Source::File { name: "spotify.openapi.json".into(), text }]).unwrap();
    assert_eq!(again.requests.len(), before.len());
    // Each method and path needs the same permissions as before.
    // `{{baseUrl}}/a/{{id}}`, `https://host/a/{{id}}` and `/a/{{id}}` are all `/a/{{id}}`.
    let path_of = |url: &str| {
        let url = url.split('?').next().unwrap();
        let url = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
            None if url.starts_with("{{") => url.split_once("}}").map_or(url, |(_, p)| p),
            None => url,
        };
        url.to_owned()
    };
    let scopes = |list: &[String]| {
        let mut l = list.to_vec();
        l.sort();
        l
    };
    let mut wanted: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &before {
        let list: Vec<String> =
            r["required_scopes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
        wanted.insert((r["method"].as_str().unwrap().to_owned(), path_of(r["url"].as_str().unwrap())), scopes(&list));
    }
    let with_scopes = wanted.values().filter(|s| !s.is_empty()).count();
    assert!(with_scopes > 20, "only {with_scopes} requests need scopes");
    for r in &again.requests {
        let key = (r.request.draft.method.as_str().to_owned(), path_of(&r.request.draft.url));
        assert_eq!(wanted.get(&key), Some(&scopes(&r.request.required_scopes)), "{key:?}");
    }
}

#[test]
fn an_imported_postman_collection_exports_as_postman_and_imports_the_same() {
    let Some((samples, dir, config)) = crate::import::cli_setup() else { return };
    let collection = dir.path().join("paypal");
    import(&config, &samples.join("postman/paypal.checkout-flows.postman_collection.v2.0.json"), &collection);
    let before = shown(&config, &collection);
    let out = dir.path().join("paypal.postman_collection.json");
    let text = export(&config, &collection, "postman", &out);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["info"]["schema"], "https://schema.getpostman.com/json/collection/v2.1.0/collection.json");
    let again = plan(&[Source::File { name: "paypal.json".into(), text: text.clone() }]).unwrap();
    assert_eq!(again.format, "postman-2.1");
    assert_eq!(again.requests.len(), before.len());
    assert_eq!(again.folders.len(), 13);
    let methods = |list: Vec<String>| {
        let mut l = list;
        l.sort();
        l
    };
    assert_eq!(
        methods(again.requests.iter().map(|r| r.request.draft.method.as_str().to_owned()).collect()),
        methods(before.iter().map(|r| r["method"].as_str().unwrap().to_owned()).collect())
    );
    // The client secret the original held went to the keychain at import; it is not exported.
    assert!(!text.contains("EMnAWe06ioGtouJs7gLYT9chK9-2jJ--7MKRXpI8FesmY_2Kp-d_7aCqff7M9moEJBvuXoBO4clKtY0v"));
    // An existing file is never written over.
    let args = ["collection", "export", collection.to_str().unwrap(), "--to", "postman", "-o", out.to_str().unwrap()];
    let refused = crate::common::run_gatepass(&config, &args, None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("exists already"));
}
