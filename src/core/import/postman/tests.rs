#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use super::*;
use crate::core::import::{Source, plan as plan_sources};
use serde_json::json;

fn read_plan(doc: &Value) -> ImportPlan {
    let text = serde_json::to_string(doc).unwrap();
    plan_sources(&[Source::File { name: "c.json".into(), text }]).unwrap()
}

fn raw(doc: &Value) -> ImportPlan {
    collection(doc).unwrap()
}

const V21: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";
const V20: &str = "https://schema.getpostman.com/json/collection/v2.0.0/collection.json";

fn find<'a>(plan: &'a ImportPlan, name: &str) -> &'a crate::core::import::PlannedRequest {
    plan.requests.iter().find(|r| r.request.name == name).unwrap_or_else(|| panic!("no request {name}"))
}

#[test]
fn folders_requests_urls_query_and_headers() {
    let doc = json!({
        "info": {"name": "Shop", "schema": V21, "description": "The shop API."},
        "item": [
            {"name": "Orders", "item": [
                {"name": "Refunds/Returns", "item": [
                    {"name": "Get refund", "request": {
                        "method": "get",
                        "url": {"raw": "{{base}}/orders/:orderId/refunds/:refund?page=2&x=1",
                                "host": ["{{base}}"], "path": ["orders", ":orderId", "refunds", ":refund"],
                                "query": [{"key": "page", "value": "2"}, {"key": "debug", "value": "1", "disabled": true}],
                                "variable": [{"key": "orderId", "value": "{{order_id}}"}, {"key": "refund", "value": "r_1"}]},
                        "header": [{"key": "Accept", "value": "application/json"},
                                   {"key": "X-Trace", "value": "on", "disabled": true}]
                    }}
                ]},
                {"name": "Empty", "item": []}
            ]},
            {"name": "Ping", "request": "https://api.example.com/ping"}
        ]
    });
    let plan = raw(&doc);
    assert_eq!(plan.format, "postman-2.1");
    assert_eq!(plan.name, "Shop");
    assert_eq!(plan.notes, "The shop API.");
    assert_eq!(plan.folders, vec!["Orders", "Orders/Refunds-Returns", "Orders/Empty"]);
    let r = find(&plan, "Get refund");
    assert_eq!(r.folder, "Orders/Refunds-Returns");
    assert_eq!(r.request.draft.method, Method::Get);
    assert_eq!(r.request.draft.url, "{{base}}/orders/{{order_id}}/refunds/{{refund}}");
    assert_eq!(plan.variables.get("refund").map(String::as_str), Some("r_1"));
    let q = &r.request.draft.query;
    assert_eq!(q.len(), 2);
    assert!(q[0].enabled && q[0].name == "page" && q[0].value == "2");
    assert!(!q[1].enabled && q[1].name == "debug");
    let h = &r.request.draft.headers;
    assert!(h[0].enabled && !h[1].enabled);
    let ping = find(&plan, "Ping");
    assert_eq!(ping.folder, "");
    assert_eq!(ping.request.draft.url, "https://api.example.com/ping");
}

#[test]
fn url_object_without_raw_is_built_from_its_parts() {
    let doc = json!({"info": {"name": "x", "schema": V21}, "item": [{"name": "a", "request": {
        "method": "DELETE",
        "url": {"protocol": "https", "host": ["api", "example", "com"], "port": "8443", "path": ["v1", ":id"],
                "variable": [{"key": "id"}]}
    }}]});
    let plan = raw(&doc);
    assert_eq!(find(&plan, "a").request.draft.url, "https://api.example.com:8443/v1/{{id}}");
    assert_eq!(find(&plan, "a").request.draft.method, Method::Delete);
}

#[test]
fn v20_string_urls_and_object_auth() {
    let doc = json!({"info": {"name": "Old", "schema": V20},
    "auth": {"type": "bearer", "bearer": {"token": "{{access_token}}"}},
    "item": [
        {"name": "a", "request": {"method": "POST", "url": "{{base_url}}/v1/items/:id?expand=all",
            "header": [{"key": "Authorization", "value": "Bearer {{access_token}}"}]}},
        {"name": "b", "request": {"method": "GET", "url": "{{base_url}}/x",
            "auth": {"type": "noauth"}}}
    ]});
    let plan = raw(&doc);
    assert_eq!(plan.format, "postman-2.0");
    assert_eq!(plan.collection_auth, PlannedAuth::Bearer { token: "{{access_token}}".into() });
    let a = find(&plan, "a");
    assert_eq!(a.request.draft.url, "{{base_url}}/v1/items/{{id}}");
    assert_eq!(a.request.draft.query, vec![KeyValue::new("expand", "all")]);
    assert!(a.request.draft.send_credential);
    assert!(a.request.draft.headers.is_empty(), "the header the sign-in sends is dropped");
    assert!(!find(&plan, "b").request.draft.send_credential);
}

#[test]
fn every_auth_type_in_both_shapes() {
    let cases = [
        (
            json!({"type": "apikey", "apikey": [{"key": "key", "value": "X-Key"}, {"key": "value", "value": "{{k}}"}, {"key": "in", "value": "query"}]}),
            PlannedAuth::ApiKey { name: "X-Key".into(), placement: KeyPlacement::Query, value: "{{k}}".into() },
        ),
        (
            json!({"type": "apikey", "apikey": {"key": "X-Key", "value": "{{k}}"}}),
            PlannedAuth::ApiKey { name: "X-Key".into(), placement: KeyPlacement::Header, value: "{{k}}".into() },
        ),
        (
            json!({"type": "basic", "basic": [{"key": "username", "value": "u"}, {"key": "password", "value": "{{p}}"}]}),
            PlannedAuth::Basic { username: "u".into(), password: "{{p}}".into() },
        ),
        (
            json!({"type": "digest", "digest": {"username": "u", "password": "{{p}}"}}),
            PlannedAuth::Digest { username: "u".into(), password: "{{p}}".into() },
        ),
        (
            json!({"type": "awsv4", "awsv4": [{"key": "accessKey", "value": "{{ak}}"}, {"key": "secretKey", "value": "{{sk}}"},
                                          {"key": "region", "value": "eu-west-1"}, {"key": "service", "value": "s3"}]}),
            PlannedAuth::AwsSigV4 {
                access_key_id: "{{ak}}".into(),
                secret_access_key: "{{sk}}".into(),
                region: "eu-west-1".into(),
                service: "s3".into(),
            },
        ),
        (
            json!({"type": "oauth2", "oauth2": [{"key": "grant_type", "value": "client_credentials"},
                 {"key": "accessTokenUrl", "value": "https://id.example.com/token"}, {"key": "clientId", "value": "{{cid}}"},
                 {"key": "clientSecret", "value": "{{cs}}"}, {"key": "scope", "value": "read write"}]}),
            PlannedAuth::OAuthClientCredentials {
                token_url: "https://id.example.com/token".into(),
                client_id: "{{cid}}".into(),
                client_secret: "{{cs}}".into(),
                scopes: vec!["read".into(), "write".into()],
            },
        ),
        (
            json!({"type": "oauth2", "oauth2": {"authUrl": "https://id.example.com/auth", "accessTokenUrl": "https://id.example.com/token",
                 "clientId": "app", "scope": "openid"}}),
            PlannedAuth::OAuthAuthorizationCode {
                authorize_url: "https://id.example.com/auth".into(),
                token_url: "https://id.example.com/token".into(),
                client_id: "app".into(),
                scopes: vec!["openid".into()],
            },
        ),
    ];
    for (auth, want) in cases {
        let doc = json!({"info": {"name": "x", "schema": V21}, "auth": auth, "item": [{"name": "a", "request": {"url": "https://h/"}}]});
        let plan = raw(&doc);
        assert_eq!(plan.collection_auth, want, "{auth}");
        assert!(find(&plan, "a").request.draft.send_credential);
    }
}

#[test]
fn inheritance_folder_noauth_and_differing_request_auth() {
    let doc = json!({"info": {"name": "x", "schema": V21},
    "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{t}}"}]},
    "item": [
        {"name": "Public", "auth": {"type": "noauth"}, "item": [
            {"name": "open", "request": {"url": "https://h/open"}},
            {"name": "inherits explicitly", "request": {"url": "https://h/x", "auth": {"type": "inherit"}}}
        ]},
        {"name": "Signed", "item": [
            {"name": "token call", "request": {"method": "POST", "url": "https://h/token",
                "auth": {"type": "basic", "basic": [{"key": "username", "value": "id"}, {"key": "password", "value": "hunter2-very-secret"}]}}},
            {"name": "normal", "request": {"url": "https://h/n"}}
        ]}
    ]});
    let plan = read_plan(&doc);
    assert_eq!(plan.collection_auth, PlannedAuth::Bearer { token: "{{t}}".into() });
    assert!(!find(&plan, "open").request.draft.send_credential);
    assert!(!find(&plan, "inherits explicitly").request.draft.send_credential);
    assert!(find(&plan, "normal").request.draft.send_credential);
    let token = find(&plan, "token call");
    assert!(!token.request.draft.send_credential);
    assert!(token.request.notes.contains("signs in its own way"), "{}", token.request.notes);
    assert!(plan.skipped.iter().any(|s| s.item == "Signed/token call"), "{:?}", plan.skipped);
    let texts = plan.written_texts().join("\n");
    assert!(!texts.contains("hunter2-very-secret"));
    assert!(
        plan.secrets.iter().any(|s| s.value.expose() == "hunter2-very-secret"),
        "the password is kept in the keychain"
    );
    assert!(plan.leaks().is_empty());
}

#[test]
fn most_common_request_auth_becomes_the_collections() {
    let bearer = json!({"type": "bearer", "bearer": [{"key": "token", "value": "{{t}}"}]});
    let doc = json!({"info": {"name": "x", "schema": V21}, "item": [
        {"name": "a", "request": {"url": "https://h/a", "auth": bearer}},
        {"name": "b", "request": {"url": "https://h/b", "auth": bearer}},
        {"name": "c", "request": {"url": "https://h/c", "auth": {"type": "basic", "basic": {"username": "u", "password": "{{p}}"}}}},
        {"name": "d", "request": {"url": "https://h/d"}}
    ]});
    let plan = raw(&doc);
    assert_eq!(plan.collection_auth, PlannedAuth::Bearer { token: "{{t}}".into() });
    assert!(find(&plan, "a").request.draft.send_credential);
    assert!(!find(&plan, "c").request.draft.send_credential);
    assert!(!find(&plan, "d").request.draft.send_credential, "Postman sends nothing for d");
}

#[test]
fn unsupported_auth_is_named_and_its_secrets_kept_out_of_files() {
    let doc = json!({"info": {"name": "x", "schema": V21},
        "auth": {"type": "oauth1", "oauth1": [{"key": "consumerKey", "value": "ck"}, {"key": "consumerSecret", "value": "cs-abcdef-123456"},
                                              {"key": "token", "value": "tok-abcdef-123456"}, {"key": "tokenSecret", "value": "ts-abcdef-123456"}]},
        "item": [{"name": "a", "request": {"url": "https://h/a"}},
                 {"name": "b", "request": {"url": "https://h/b", "auth": {"type": "hawk", "hawk": {"authId": "id", "authKey": "hawk-key-abcdef"}}}},
                 {"name": "c", "request": {"url": "https://h/c", "auth": {"type": "ntlm", "ntlm": {"username": "u", "password": "ntlm-pass-abcdef"}}}}]});
    let plan = read_plan(&doc);
    assert_eq!(plan.collection_auth, PlannedAuth::None);
    assert!(plan.skipped.iter().any(|s| s.why.contains("OAuth 1.0")), "{:?}", plan.skipped);
    assert!(plan.skipped.iter().any(|s| s.why.contains("Hawk")));
    assert!(plan.skipped.iter().any(|s| s.why.contains("NTLM")));
    let texts = plan.written_texts().join("\n");
    for secret in ["cs-abcdef-123456", "tok-abcdef-123456", "ts-abcdef-123456", "hawk-key-abcdef", "ntlm-pass-abcdef"] {
        assert!(!texts.contains(secret), "{secret} left in a file");
        assert!(plan.secrets.iter().any(|s| s.value.expose() == secret), "{secret} not moved to the keychain");
    }
    assert!(!find(&plan, "b").request.draft.send_credential);
    assert!(find(&plan, "b").request.notes.contains("Hawk"));
}

#[test]
fn literal_collection_auth_secrets_move_to_the_keychain() {
    let doc = json!({"info": {"name": "x", "schema": V21},
        "auth": {"type": "apikey", "apikey": [{"key": "key", "value": "X-Api-Key"}, {"key": "value", "value": "sk_live_abcdefghijklmnop1234"}]},
        "variable": [{"key": "client_secret", "value": "cs_abcdefghijklmnop"}, {"key": "base_url", "value": "https://api.example.com"}],
        "item": [{"name": "a", "request": {"url": "{{base_url}}/a"}}]});
    let plan = read_plan(&doc);
    let texts = plan.written_texts().join("\n");
    assert!(!texts.contains("sk_live_abcdefghijklmnop1234"));
    assert!(!texts.contains("cs_abcdefghijklmnop"));
    assert!(plan.leaks().is_empty());
    assert_eq!(plan.finished_profiles[0].base_url, "https://api.example.com");
}

#[test]
fn bodies_of_every_mode() {
    let doc = json!({"info": {"name": "x", "schema": V21}, "item": [
        {"name": "json by language", "request": {"method": "POST", "url": "https://h/",
            "body": {"mode": "raw", "raw": "{\"a\": {{n}}}", "options": {"raw": {"language": "json"}}}}},
        {"name": "json by header", "request": {"method": "POST", "url": "https://h/",
            "header": [{"key": "Content-Type", "value": "application/vnd.api+json"}],
            "body": {"mode": "raw", "raw": "{}"}}},
        {"name": "xml", "request": {"method": "POST", "url": "https://h/",
            "header": [{"key": "Content-Type", "value": "text/xml"}], "body": {"mode": "raw", "raw": "<a/>"}}},
        {"name": "plain", "request": {"method": "POST", "url": "https://h/", "body": {"mode": "raw", "raw": "hello"}}},
        {"name": "form", "request": {"method": "POST", "url": "https://h/", "body": {"mode": "urlencoded", "urlencoded": [
            {"key": "a", "value": "1"}, {"key": "b", "value": "2", "disabled": true}]}}},
        {"name": "multipart", "request": {"method": "POST", "url": "https://h/", "body": {"mode": "formdata", "formdata": [
            {"key": "title", "value": "x", "type": "text"}, {"key": "upload", "type": "file", "src": "/tmp/a.png"}]}}},
        {"name": "graphql", "request": {"method": "POST", "url": "https://h/", "body": {"mode": "graphql", "graphql": {
            "query": "query { me { id } }", "variables": "{\"x\": 1}"}}}},
        {"name": "file", "request": {"method": "POST", "url": "https://h/", "body": {"mode": "file", "file": {"src": "a.bin"}}}},
        {"name": "empty", "request": {"method": "POST", "url": "https://h/", "body": {"mode": "raw", "raw": ""}}}
    ]});
    let plan = raw(&doc);
    assert_eq!(find(&plan, "json by language").request.draft.body, BodyDraft::Json { text: "{\"a\": {{n}}}".into() });
    assert_eq!(find(&plan, "json by header").request.draft.body, BodyDraft::Json { text: "{}".into() });
    assert_eq!(
        find(&plan, "xml").request.draft.body,
        BodyDraft::Raw { content_type: "text/xml".into(), text: "<a/>".into() }
    );
    assert_eq!(
        find(&plan, "plain").request.draft.body,
        BodyDraft::Raw { content_type: "text/plain".into(), text: "hello".into() }
    );
    let BodyDraft::Form { fields } = &find(&plan, "form").request.draft.body else { panic!() };
    assert!(fields[0].enabled && !fields[1].enabled);
    let BodyDraft::Form { fields } = &find(&plan, "multipart").request.draft.body else { panic!() };
    assert_eq!(fields, &vec![KeyValue::new("title", "x")]);
    assert!(plan.skipped.iter().any(|s| s.item.contains("upload")), "{:?}", plan.skipped);
    let BodyDraft::Json { text } = &find(&plan, "graphql").request.draft.body else { panic!() };
    let v: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v, json!({"query": "query { me { id } }", "variables": {"x": 1}}));
    assert_eq!(find(&plan, "file").request.draft.body, BodyDraft::None);
    assert!(plan.skipped.iter().any(|s| s.item == "file"));
    assert_eq!(find(&plan, "empty").request.draft.body, BodyDraft::None);
}

#[test]
fn scripts_become_notes_with_secrets_masked() {
    let doc = json!({"info": {"name": "x", "schema": V21}, "item": [{"name": "a",
        "event": [{"listen": "prerequest", "script": {"exec": ["pm.environment.set('k', 'sk_live_abcdefghijklmnopqrstuvwx1234');", "", "a();", "b();", "c();", "d();"]}},
                  {"listen": "test", "script": {"exec": ["pm.test('ok', () => {});"]}}],
        "request": {"url": "https://h/"}}]});
    let plan = raw(&doc);
    let notes = &find(&plan, "a").request.notes;
    assert!(notes.contains("Pre-request script (not run):"), "{notes}");
    assert!(notes.contains("Test script (not run):"));
    assert!(notes.contains("(1 more lines)"), "{notes}");
    assert!(!notes.contains("sk_live_abcdefghijklmnopqrstuvwx1234"), "{notes}");
    assert!(plan.skipped.iter().any(|s| s.item == "a" && s.why == "pre-request script not run"));
    assert!(plan.skipped.iter().any(|s| s.item == "a" && s.why == "test script not run"));
}

#[test]
fn variables_at_every_level() {
    let doc = json!({"info": {"name": "x", "schema": V21},
        "variable": [{"key": "base", "value": "https://h"}, {"id": "old", "value": 3}, {"key": "off", "value": "1", "disabled": true}],
        "item": [{"name": "F", "variable": [{"key": "f", "value": "1"}], "item": [
            {"name": "a", "variable": [{"key": "base", "value": "https://other"}], "request": {"url": "{{base}}/a"}}]}]});
    let plan = raw(&doc);
    assert_eq!(plan.variables.get("base").map(String::as_str), Some("https://h"));
    assert_eq!(plan.variables.get("old").map(String::as_str), Some("3"));
    assert_eq!(plan.variables.get("f").map(String::as_str), Some("1"));
    assert!(!plan.variables.contains_key("off"));
    assert!(plan.skipped.iter().any(|s| s.item.contains("`base`")));
}

#[test]
fn environments_and_globals() {
    let env = json!({"name": "Acme Staging", "_postman_variable_scope": "environment", "values": [
        {"key": "baseUrl", "value": "https://staging.acme.test/", "enabled": true},
        {"key": "merchant", "value": "m-secret-value", "type": "secret", "enabled": true},
        {"key": "old", "value": "x", "enabled": false}]});
    let Part::Environment(p) = read(&env).unwrap() else { panic!("not an environment") };
    assert_eq!(p.name, "Acme Staging");
    assert_eq!(p.environment, Environment::Sandbox);
    assert_eq!(p.base_url, "https://staging.acme.test");
    assert_eq!(p.secret_names, vec!["merchant".to_owned()]);
    assert!(!p.variables.contains_key("old"));
    let text = serde_json::to_string(&env).unwrap();
    let plan = plan_sources(&[Source::File { name: "e.json".into(), text }]).unwrap();
    assert!(!plan.written_texts().join("\n").contains("m-secret-value"));
    let globals = json!({"name": "My Workspace Globals", "_postman_variable_scope": "globals", "values": []});
    assert!(matches!(read(&globals).unwrap(), Part::Environment(_)));
    assert_eq!(guess_environment("Production EU"), Environment::Production);
    assert_eq!(guess_environment("prod"), Environment::Production);
    assert!(matches!(guess_environment("Acme"), Environment::Custom { .. }));
}

#[test]
fn bad_input_gives_words_not_panics() {
    let old = json!({"id": "1", "name": "v1", "order": [], "requests": []});
    let err = read(&old).err().unwrap().to_string();
    assert!(err.contains("version 1"), "{err}");
    let future = json!({"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v9.0.0/collection.json"}, "item": []});
    let err = read(&future).err().unwrap().to_string();
    assert!(err.contains("v9.0.0") && err.contains("2.1"), "{err}");
    let bad_items = json!({"info": {"name": "x", "schema": V21}, "item": {"a": 1}});
    assert!(read(&bad_items).err().unwrap().to_string().starts_with("Postman collection:"));
    let odd = json!({"info": {"name": "x", "schema": V21}, "item": [
        {"name": "n", "request": 5}, {"name": "m", "request": {"method": "PROPFIND", "url": 7, "header": "A: b\n//C: d"}},
        {"name": "h", "request": {"url": {"raw": 5, "host": 3, "path": [{"value": "v"}], "query": [{"nokey": 1}]}, "header": [1, {"key": 2}], "body": {"mode": "graphql", "graphql": "q"}}},
        {"name": "F", "item": "no"}, 7, null]});
    let plan = raw(&odd);
    assert_eq!(plan.requests.len(), 1);
    assert!(plan.skipped.iter().any(|s| s.why.contains("PROPFIND")));
    let env = json!({"name": "e", "_postman_variable_scope": "environment"});
    assert!(read(&env).err().unwrap().to_string().starts_with("Postman environment:"));
}

#[test]
fn exported_wrapper_is_unwrapped() {
    let doc = json!({"collection": {"info": {"name": "Wrapped", "schema": V21}, "item": [{"name": "a", "request": {"url": "https://h/"}}]}});
    let Part::Collection(plan) = read(&doc).unwrap() else { panic!() };
    assert_eq!(plan.name, "Wrapped");
    assert_eq!(plan.requests.len(), 1);
}
