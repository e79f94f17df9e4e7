use super::*;
use crate::core::import::{Source, plan};

fn folder(files: &[(&str, &str)]) -> Source {
    Source::Folder {
        name: "picked".to_owned(),
        files: files.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect(),
    }
}

fn request<'a>(plan: &'a ImportPlan, name: &str) -> &'a SavedRequest {
    &plan.requests.iter().find(|r| r.request.name == name).unwrap_or_else(|| panic!("no {name}")).request
}

const TOKEN: &str = "tok_live_9f8e7d6c5b4a3210";

fn bru_collection() -> Source {
    folder(&[
        ("bruno.json", r#"{"version": "1", "name": "Shop", "type": "collection", "ignore": ["node_modules"]}"#),
        (
            "collection.bru",
            &format!(
                "auth {{\n  mode: bearer\n}}\n\nauth:bearer {{\n  token: {TOKEN}\n}}\n\nheaders {{\n  x-client: gatepass-test\n}}\n\ndocs {{\n  The shop API.\n}}\n"
            ),
        ),
        ("Orders/folder.bru", "meta {\n  name: Orders and carts\n  seq: 1\n}\n\nauth {\n  mode: inherit\n}\n"),
        (
            "Orders/Get order.bru",
            "meta {\n  name: One order\n  type: http\n  seq: 2\n}\n\nget {\n  url: {{baseUrl}}/orders/:id?expand=items\n  body: none\n  auth: inherit\n}\n\nparams:query {\n  expand: items\n  ~debug: 1\n}\n\nparams:path {\n  id: 42\n}\n\nassert {\n  res.status: eq 200\n  res.body.id: isDefined\n}\n\nscript:pre-request {\n  bru.setVar(\"x\", 1);\n}\n",
        ),
        (
            "Orders/Create order.bru",
            "meta {\n  name: New order\n  type: http\n  seq: 1\n}\n\npost {\n  url: {{baseUrl}}/orders\n  body: json\n  auth: none\n}\n\nheaders {\n  content-type: application/json\n  x-api-secret: {{apiSecret}}\n}\n\nbody:json {\n  {\n    \"sku\": \"A-1\",\n    \"note\": \"{{process.env.NOTE}}\"\n  }\n}\n\nvars:post-response {\n  orderId: res.body.id\n}\n",
        ),
        (
            "Login.bru",
            "meta {\n  name: Login\n  type: http\n  seq: 3\n}\n\npost {\n  url: {{baseUrl}}/login\n  body: formUrlEncoded\n  auth: basic\n}\n\nauth:basic {\n  username: shop-user\n  password: hunter2-Very-Secret\n}\n\nbody:form-urlencoded {\n  grant: password\n}\n",
        ),
        ("Socket.bru", "meta {\n  name: Live feed\n  type: ws\n}\n"),
        ("Empty/folder.bru", "meta {\n  name: Nothing here\n}\n"),
        ("node_modules/x/Ignored.bru", "meta {\n  name: Ignored\n}\nget {\n  url: http://x\n}\n"),
        (
            "environments/Sandbox.bru",
            "vars {\n  baseUrl: https://sandbox.shop.test\n  ~old: 1\n}\nvars:secret [\n  apiSecret\n]\n",
        ),
        ("environments/Production.bru", "vars {\n  baseUrl: https://shop.test\n}\n"),
        (".env", "NOTE=the-real-note-value\n"),
    ])
}

#[test]
fn a_bru_folder_gives_folders_requests_profiles_and_sign_in() {
    let plan = plan(&[bru_collection()]).unwrap();
    assert_eq!((plan.format.as_str(), plan.name.as_str()), ("bruno", "Shop"));
    assert_eq!(plan.folders, ["Orders and carts"]);
    assert_eq!(plan.requests.len(), 3);
    // seq orders the requests in their folder.
    let order: Vec<&str> = plan.requests.iter().map(|r| r.request.name.as_str()).collect();
    assert_eq!(order, ["New order", "One order", "Login"]);
    let one = request(&plan, "One order");
    assert_eq!(one.draft.url, "{{baseUrl}}/orders/{{id}}");
    assert_eq!(one.draft.query.len(), 2);
    assert!(!one.draft.query[1].enabled);
    assert_eq!(one.expect, ExpectedStatus::Exact(200));
    assert!(one.notes.contains("res.body.id isDefined") && one.notes.contains("Pre-request script (not run)"));
    assert!(one.draft.send_credential);
    assert!(one.draft.headers.iter().any(|h| h.name == "x-client"));
    assert_eq!(plan.variables.get("id").map(String::as_str), Some("42"));
    let new = request(&plan, "New order");
    assert!(!new.draft.send_credential, "auth: none");
    let BodyDraft::Json { text } = &new.draft.body else { panic!("{:?}", new.draft.body) };
    assert!(text.contains("\"note\": \"{{NOTE}}\""), "{text}");
    // The secret variable is filled from the keychain where Gatepass fills secrets.
    assert!(new.draft.headers.iter().any(|h| h.value == "{{secret:apiSecret}}"), "{:?}", new.draft.headers);
    assert!(new.notes.contains("orderId"));
    // The collection's bearer token is the profiles' sign-in, in the keychain.
    assert!(matches!(plan.collection_auth, PlannedAuth::Bearer { .. }));
    assert!(plan.secrets.iter().any(|s| s.value.expose() == TOKEN));
    // Login signs in its own way: kept, named, and its password moved all the same.
    assert!(plan.skipped.iter().any(|s| s.item.contains("Login") && s.why.contains("user name and password")));
    let texts = plan.written_texts().join("\n");
    for secret in [TOKEN, "hunter2-Very-Secret", "the-real-note-value"] {
        assert!(!texts.contains(secret), "{secret} is written");
    }
    assert!(plan.leaks().is_empty(), "{:?}", plan.leaks());
    assert!(plan.skipped.iter().any(|s| s.item == "Live feed" && s.why.contains("WebSocket")));
    assert!(plan.skipped.iter().any(|s| s.item == "process.env.NOTE"));
    assert!(!texts.contains("Ignored"));
    let sandbox = plan.profiles.iter().find(|p| p.name == "Sandbox").unwrap();
    assert_eq!(sandbox.environment, crate::core::profile::Environment::Sandbox);
    assert_eq!(sandbox.base_url, "https://sandbox.shop.test");
    assert!(sandbox.notes.contains("apiSecret"));
    assert!(!sandbox.variables.contains_key("old"));
    let production = plan.profiles.iter().find(|p| p.name == "Production").unwrap();
    assert_eq!(production.environment, crate::core::profile::Environment::Production);
    assert_eq!(plan.notes, "The shop API.");
}

#[test]
fn a_bru_folder_picked_one_level_up_is_found_and_bad_manifests_are_said() {
    let Source::Folder { files, .. } = bru_collection() else { unreachable!() };
    let nested: Vec<(String, String)> = files.into_iter().map(|(p, t)| (format!("shop/{p}"), t)).collect();
    let plan = plan(&[Source::Folder { name: "api".into(), files: nested }]).unwrap();
    assert_eq!(plan.requests.len(), 3);
    let err = super::super::plan(&[folder(&[("bruno.json", "{ not json"), ("a.bru", "get {\n}\n")])]).err().unwrap();
    assert!(err.to_string().contains("bruno.json is not valid JSON"), "{err}");
    let err = super::super::plan(&[folder(&[("bruno.json", "{}"), ("readme.md", "hi")])]).err().unwrap();
    assert!(err.to_string().contains("no request files"), "{err}");
    assert!(read_folder("x", &[("notes.txt".into(), "hi".into())]).unwrap().is_none());
}

#[test]
fn graphql_multipart_oauth_and_api_keys() {
    let files = folder(&[
        ("bruno.json", r#"{"name": "Mixed"}"#),
        (
            "q.bru",
            "meta {\n  name: Query\n  type: graphql\n}\npost {\n  url: https://g.test/graphql\n  body: graphql\n  auth: apikey\n}\nauth:apikey {\n  key: X-Key\n  value: key-123456789\n  placement: queryparams\n}\nbody:graphql {\n  { me { id } }\n}\nbody:graphql:vars {\n  {\"a\": 1}\n}\n",
        ),
        (
            "upload.bru",
            "meta {\n  name: Upload\n}\nput {\n  url: https://g.test/up\n  body: multipartForm\n  auth: oauth2\n}\nauth:oauth2 {\n  grant_type: client_credentials\n  access_token_url: https://g.test/token\n  client_id: app-1\n  client_secret: cs-abcdef123456\n  scope: read write\n}\nbody:multipart-form {\n  title: hello @contentType(text/plain)\n  file: @file(/tmp/a.png)\n}\n",
        ),
    ]);
    let plan = plan(&[files]).unwrap();
    let q = request(&plan, "Query");
    let BodyDraft::Json { text } = &q.draft.body else { panic!() };
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["variables"]["a"], 1);
    assert!(v["query"].as_str().unwrap().contains("me { id }"));
    let up = request(&plan, "Upload");
    let BodyDraft::Form { fields } = &up.draft.body else { panic!() };
    assert_eq!((fields.len(), fields[0].value.as_str()), (1, "hello"));
    assert!(plan.skipped.iter().any(|s| s.item.contains("file field file")));
    let texts = plan.written_texts().join("\n");
    assert!(!texts.contains("key-123456789") && !texts.contains("cs-abcdef123456"));
    assert!(plan.leaks().is_empty());
}

#[test]
fn an_opencollection_folder_and_a_bundled_file() {
    let root = "opencollection: 1.0.0\ninfo:\n  name: Cards\nrequest:\n  auth:\n    type: bearer\n    token: \"{{token}}\"\n  headers:\n    - name: x-team\n      value: blue\nconfig:\n  environments:\n    - name: Staging\n      variables:\n        - name: baseUrl\n          value: https://staging.cards.test\n        - name: token\n          value: stg_abcdefghijklmnop\n";
    let get = "info:\n  name: List cards\n  type: http\n  seq: 2\nhttp:\n  method: GET\n  url: \"{{baseUrl}}/cards/:id\"\n  params:\n    - name: limit\n      value: \"10\"\n      type: query\n    - name: id\n      value: c1\n      type: path\nruntime:\n  auth: inherit\n  assertions:\n    - expression: res.status\n      operator: eq\n      value: \"200\"\n";
    let post = "info:\n  name: Add card\n  seq: 1\nhttp:\n  method: post\n  url: \"{{baseUrl}}/cards\"\n  body:\n    type: json\n    data: '{\"n\": 1}'\n  auth:\n    type: basic\n    username: u\n    password: pw-0123456789\nruntime:\n  scripts:\n    - type: before-request\n      code: console.log(1)\n";
    let env = "name: Production\nvariables:\n  - name: baseUrl\n    value: https://cards.test\n  - secret: true\n    name: token\n";
    let files = folder(&[
        ("opencollection.yml", root),
        ("Cards/folder.yml", "info:\n  name: All cards\n  type: folder\nrequest:\n  auth: inherit\n"),
        ("Cards/list.yml", get),
        ("Cards/add.yml", post),
        ("environments/production.yml", env),
        ("Cards/broken.yml", "info: [unclosed"),
    ]);
    let plan = plan(&[files]).unwrap();
    assert_eq!((plan.format.as_str(), plan.name.as_str()), ("opencollection", "Cards"));
    assert_eq!(plan.folders, ["All cards"]);
    let order: Vec<&str> = plan.requests.iter().map(|r| r.request.name.as_str()).collect();
    assert_eq!(order, ["Add card", "List cards"]);
    let list = request(&plan, "List cards");
    assert_eq!(list.draft.url, "{{baseUrl}}/cards/{{id}}");
    assert_eq!(list.draft.query[0].name, "limit");
    assert_eq!(list.expect, ExpectedStatus::Exact(200));
    assert!(list.draft.send_credential && list.draft.headers.iter().any(|h| h.name == "x-team"));
    assert!(plan.skipped.iter().any(|s| s.item.contains("Add card") && s.why.contains("own")));
    assert!(plan.skipped.iter().any(|s| s.item.contains("broken.yml")));
    let names: Vec<&str> = plan.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Staging", "Production"]);
    let texts = plan.written_texts().join("\n");
    assert!(!texts.contains("stg_abcdefghijklmnop") && !texts.contains("pw-0123456789"));
    assert!(plan.secrets.iter().any(|s| s.value.expose() == "stg_abcdefghijklmnop"));

    let bundled = "opencollection: 1.0.0\ninfo:\n  name: Bundle\nitems:\n  - info:\n      name: Users\n      type: folder\n    items:\n      - info:\n          name: Me\n          type: http\n        http:\n          method: GET\n          url: https://b.test/me\n  - info:\n      name: Ping\n    http:\n      method: HEAD\n      url: https://b.test/ping\n  - info:\n      name: Stream\n      type: grpc\n    grpc:\n      url: grpc://b.test\n";
    let plan = super::super::plan(&[Source::File { name: "bundle.yml".into(), text: bundled.into() }]).unwrap();
    assert_eq!(plan.format, "opencollection");
    assert_eq!(plan.folders, ["Users"]);
    assert_eq!(plan.requests.len(), 2);
    assert!(plan.skipped.iter().any(|s| s.item == "Stream" && s.why.contains("gRPC")));
    let err = super::super::plan(&[Source::File { name: "e.yml".into(), text: "opencollection: 1.0.0\n".into() }]);
    assert!(err.err().unwrap().to_string().contains("no requests"));
}

#[test]
fn cut_files_never_panic() {
    let Source::Folder { files, .. } = bru_collection() else { unreachable!() };
    for (path, text) in &files {
        for end in (0..text.len()).step_by(7).filter(|e| text.is_char_boundary(*e)) {
            let cut: Vec<(String, String)> = files
                .iter()
                .map(|(p, t)| (p.clone(), if p == path { t[..end].to_owned() } else { t.clone() }))
                .collect();
            let _ = super::super::plan(&[Source::Folder { name: "x".into(), files: cut }]);
        }
    }
}
