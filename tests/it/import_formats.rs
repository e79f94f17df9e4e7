//! HAR, Insomnia and Bruno import measured on the shared sample files (../shared/samples/import):
//! request and folder counts, auth, and that no literal secret listed in facts.json (or found in
//! a HAR's sign-in headers) reaches any file the import would write.

use gatepass::core::import::{ImportPlan, Source, plan};
use serde_json::Value;
use std::path::Path;

use crate::common::import_samples as samples;

fn facts(dir: &Path, prefix: &str) -> Vec<(String, Value)> {
    let all: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("facts.json")).unwrap()).unwrap();
    all.as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn file_source(path: &Path) -> Source {
    Source::File {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        text: std::fs::read_to_string(path).unwrap(),
    }
}

/// No listed literal secret (not a placeholder, 4 characters or more) in any written text.
fn assert_no_secrets(file: &str, plan: &ImportPlan, values: &[String]) {
    // A secret that is one of Gatepass's own field words (the sample's client secret is
    // literally "secret") is found in every `{{secret:name}}` and slot name: compare such values
    // with whole fields instead of substrings.
    const WORDS: [&str; 4] = ["secret", "token", "password", "client_secret"];
    let word = |v: &str| WORDS.contains(&v);
    let real_leaks: Vec<String> = plan
        .secrets
        .iter()
        .filter(|s| !word(s.value.expose()))
        .filter(|s| s.value.len() >= 4 && plan.written_texts().iter().any(|t| t.contains(s.value.expose())))
        .map(|s| s.found_in.clone())
        .collect();
    assert!(real_leaks.is_empty(), "{file}: leaks {real_leaks:?}");
    let texts = plan.written_texts();
    for value in values.iter().filter(|v| v.len() >= 4) {
        let found = if word(value) {
            texts
                .iter()
                .any(|t| t == value || t.ends_with(&format!(": {value}")) || t.contains(&format!("\"{value}\"")))
        } else {
            texts.iter().any(|t| t.contains(value.as_str()))
        };
        assert!(!found, "{file}: the secret {value:?} is still written");
    }
}

fn listed_secrets(fact: &Value) -> Vec<String> {
    fact["literal_secret_values"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter(|s| !s["looks_placeholder"].as_bool().unwrap_or(false))
                .filter(|s| s["kind"].as_str() != Some("identifier"))
                .filter_map(|s| s["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn har_samples_give_their_facts() {
    let Some(dir) = samples() else {
        eprintln!("skipped: the shared samples folder (../shared/samples/import) is not here");
        return;
    };
    let mut checked = 0;
    for (file, fact) in facts(&dir, "har/") {
        let path = dir.join(&file);
        let plan = plan(&[file_source(&path)]).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(plan.format, "har-1.2", "{file}");
        let entries = usize::try_from(fact["entries"].as_u64().unwrap()).unwrap();
        assert!(
            !plan.requests.is_empty() && plan.requests.len() <= entries,
            "{file}: {} requests",
            plan.requests.len()
        );
        // Every folder is one of the recorded hosts.
        let hosts: Vec<String> = fact["hosts"].as_object().unwrap().keys().map(|h| h.replace(':', " ")).collect();
        for folder in &plan.folders {
            assert!(hosts.contains(folder), "{file}: folder {folder} is not a host");
        }
        // Nothing is counted twice: requests + static + repeated + other skips = entries.
        let counted: usize = plan
            .skipped
            .iter()
            .map(|s| s.item.split_once(' ').and_then(|(n, _)| n.parse().ok()).unwrap_or(1))
            .sum::<usize>()
            - usize::from(plan.skipped.iter().any(|s| s.item == "sign-in headers"));
        assert!(plan.requests.len() + counted >= entries, "{file}: entries lost: {:?}", plan.skipped);
        let signed = fact["authorization_present"].as_bool().unwrap() || fact["cookie_present"].as_bool().unwrap();
        let said = plan.skipped.iter().any(|s| s.why.contains("left out the sign-in headers"));
        assert!(signed || said, "{file}: no sign-in headers and nothing said");
        // The recorded Authorization and Cookie values are not written anywhere.
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut values = Vec::new();
        for entry in doc["log"]["entries"].as_array().unwrap() {
            for h in entry["request"]["headers"].as_array().into_iter().flatten() {
                let name = h["name"].as_str().unwrap_or_default().to_ascii_lowercase();
                if name == "authorization" || name == "cookie" || name.contains("api-key") {
                    let value = h["value"].as_str().unwrap_or_default();
                    values.push(
                        value.split_once(' ').filter(|_| name == "authorization").map_or(value, |(_, v)| v).to_owned(),
                    );
                }
            }
        }
        assert_no_secrets(&file, &plan, &values);
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} HAR samples checked");
}

#[test]
fn insomnia_samples_give_their_facts() {
    let Some(dir) = samples() else {
        eprintln!("skipped: the shared samples folder (../shared/samples/import) is not here");
        return;
    };
    let mut checked = 0;
    for (file, fact) in facts(&dir, "insomnia/") {
        let plan = plan(&[file_source(&dir.join(&file))]).unwrap_or_else(|e| panic!("{file}: {e}"));
        let v4 = fact["format"].as_str() == Some("insomnia-export-v4");
        assert_eq!(plan.format, if v4 { "insomnia-4" } else { "insomnia-5" }, "{file}");
        let other: u64 =
            fact["other_request_kinds"].as_object().map_or(0, |o| o.values().filter_map(Value::as_u64).sum());
        let unsendable = plan.skipped.iter().filter(|s| s.why.starts_with("Gatepass cannot send the")).count() as u64;
        assert_eq!(
            plan.requests.len() as u64 + unsendable,
            fact["requests"].as_u64().unwrap(),
            "{file}: requests ({other} others)"
        );
        assert_eq!(plan.folders.len() as u64, fact["folders"].as_u64().unwrap(), "{file}: folders");
        // Identifiers (client ids, user names) stay in the profile; every listed secret moves.
        assert_no_secrets(&file, &plan, &listed_secrets(&fact));
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} Insomnia samples checked");
}

#[test]
fn postman_samples_give_their_facts() {
    let Some(dir) = samples() else {
        eprintln!("skipped: the shared samples folder (../shared/samples/import) is not here");
        return;
    };
    let mut checked = 0;
    for (file, fact) in facts(&dir, "postman/") {
        let source = file_source(&dir.join(&file));
        if fact["format"].as_str() == Some("postman-environment") {
            // An environment alone is not a collection; with one, it becomes a profile.
            let collection = dir.join("postman/plaid.api-endpoints.postman_collection.json");
            let plan = plan(&[file_source(&collection), source]).unwrap_or_else(|e| panic!("{file}: {e}"));
            let name = fact["name"].as_str().unwrap();
            let profile = plan.finished_profiles.iter().find(|p| p.name.contains(name));
            assert!(profile.is_some(), "{file}: no profile named {name}: {:?}", plan.finished_profiles);
            assert_no_secrets(&file, &plan, &listed_secrets(&fact));
            checked += 1;
            continue;
        }
        let plan = plan(&[source]).unwrap_or_else(|e| panic!("{file}: {e}"));
        let v20 = fact["schema"].as_str().unwrap_or_default().contains("v2.0");
        assert_eq!(plan.format, if v20 { "postman-2.0" } else { "postman-2.1" }, "{file}");
        assert_eq!(plan.requests.len() as u64, fact["requests"].as_u64().unwrap(), "{file}: requests");
        assert_eq!(plan.folders.len() as u64, fact["folders"].as_u64().unwrap(), "{file}: folders");
        // Every method is kept.
        for (method, count) in fact["methods"].as_object().unwrap() {
            let got = plan.requests.iter().filter(|r| r.request.draft.method.as_str() == method).count() as u64;
            assert_eq!(got, count.as_u64().unwrap(), "{file}: {method} requests");
        }
        assert_no_secrets(&file, &plan, &listed_secrets(&fact));
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} Postman samples checked");
}

/// Every file under `root`, as the window and the CLI give a folder: path relative, `/` between.
fn folder_source(root: &Path) -> Source {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path.strip_prefix(root).unwrap().components();
                let rel: Vec<String> = rel.map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push((rel.join("/"), text));
            }
        }
    }
    let mut files = Vec::new();
    walk(root, root, &mut files);
    files.sort();
    Source::Folder { name: root.file_name().unwrap().to_string_lossy().into_owned(), files }
}

#[test]
fn bruno_samples_give_their_facts() {
    let Some(dir) = samples() else {
        eprintln!("skipped: the shared samples folder (../shared/samples/import) is not here");
        return;
    };
    let mut checked = 0;
    for (folder, fact) in facts(&dir, "bruno/") {
        let plan = plan(&[folder_source(&dir.join(&folder))]).unwrap_or_else(|e| panic!("{folder}: {e}"));
        assert_eq!(plan.format, "bruno", "{folder}");
        assert_eq!(plan.name, fact["name"].as_str().unwrap(), "{folder}");
        assert_eq!(plan.requests.len() as u64, fact["requests"].as_u64().unwrap(), "{folder}: requests");
        assert_eq!(plan.folders.len() as u64, fact["folders"].as_u64().unwrap(), "{folder}: folders");
        for (method, count) in fact["methods"].as_object().unwrap() {
            let got = plan.requests.iter().filter(|r| r.request.draft.method.as_str() == method).count() as u64;
            assert_eq!(got, count.as_u64().unwrap(), "{folder}: {method} requests");
        }
        // One profile per environment file, named after it.
        let envs: Vec<&str> = fact["environments"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        let mut names: Vec<&str> = plan.finished_profiles.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, envs, "{folder}: profiles");
        // Requests that say `auth: none` do not send the profile's credential.
        let none = fact["request_auth_modes"]["none"].as_u64().unwrap_or(0);
        let without = plan.requests.iter().filter(|r| !r.request.draft.send_credential).count() as u64;
        assert!(without >= none, "{folder}: {without} requests without a credential, {none} say none");
        // Values Bruno reads from .env are named, and no request keeps the process.env syntax.
        for name in fact["process_env_refs"].as_array().unwrap().iter().filter_map(Value::as_str) {
            assert!(plan.skipped.iter().any(|s| s.item == format!("process.env.{name}")), "{folder}: {name} not named");
        }
        assert!(plan.written_texts().iter().all(|t| !t.contains("process.env.")), "{folder}: process.env left");
        assert_no_secrets(&folder, &plan, &listed_secrets(&fact));
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} Bruno samples checked");
}
