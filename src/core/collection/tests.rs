#![allow(clippy::unwrap_used, reason = "tests")]

use super::format::{FormatError, parse_collection, parse_request, write_collection, write_request};
use super::*;
use crate::core::request::BodyDraft;
use proptest::prelude::*;

fn sample() -> SavedRequest {
    let mut draft = RequestDraft::get("/v1/orders");
    draft.method = Method::Post;
    draft.headers.push(KeyValue::new("Idempotency-Key", "{{order_key}}"));
    draft.query.push(KeyValue { enabled: false, name: "dry_run".to_owned(), value: "true".to_owned() });
    draft.body = BodyDraft::Json { text: "{\n  \"item\": \"notebook\",\n  \"quantity\": 2\n}".to_owned() };
    SavedRequest {
        name: "Create an order".to_owned(),
        draft,
        required_scopes: vec!["orders:write".to_owned()],
        alternatives: Vec::new(),
        expect: ExpectedStatus::Exact(201),
        notes: "Makes a new order.\nSandbox only.".to_owned(),
    }
}

#[test]
fn a_request_file_reads_as_written_and_looks_like_the_documented_shape() {
    let text = write_request(&sample());
    assert_eq!(
        text,
        r#"# A Gatepass request. The credential comes from the profile it is sent with.
format = 1
name = "Create an order"
method = "POST"
url = "/v1/orders"
required_scopes = ["orders:write"]
expect_status = "201"
notes = """
Makes a new order.
Sandbox only."""

[[query]]
name = "dry_run"
value = "true"
enabled = false

[[headers]]
name = "Idempotency-Key"
value = "{{order_key}}"

[body]
kind = "json"
text = """
{
  "item": "notebook",
  "quantity": 2
}"""
"#
    );
    assert_eq!(parse_request(&text).unwrap(), sample());
}

#[test]
fn defaults_are_left_out() {
    let request =
        SavedRequest { name: "Who am I".to_owned(), draft: RequestDraft::get("/v1/me"), ..Default::default() };
    let text = write_request(&request);
    assert_eq!(
        text,
        "# A Gatepass request. The credential comes from the profile it is sent with.\nformat = 1\nname = \"Who am I\"\nmethod = \"GET\"\nurl = \"/v1/me\"\n"
    );
    assert_eq!(parse_request(&text).unwrap(), request);
}

#[test]
fn a_misspelt_key_is_named_with_its_line() {
    let text = "format = 1\nname = \"x\"\nmethod = \"GET\"\nurl = \"/\"\nheaderz = []\n";
    let error = parse_request(text).unwrap_err();
    assert_eq!(error.line(), Some(5), "{error}");
    assert!(error.to_string().contains("headerz"), "{error}");
}

#[test]
fn broken_toml_is_named_with_its_line() {
    let error = parse_request("format = 1\nname = \"x\nmethod = \"GET\"\n").unwrap_err();
    assert_eq!(error.line(), Some(2), "{error}");
}

#[test]
fn a_newer_format_says_to_update_and_a_missing_one_says_what_to_add() {
    let newer = parse_request("format = 7\nname = \"x\"\nmethod = \"GET\"\nurl = \"/\"\nwhatever = 1\n").unwrap_err();
    assert_eq!(newer, FormatError::NewerFormat { found: 7 });
    assert!(newer.to_string().contains("newer Gatepass"));
    assert_eq!(parse_request("name = \"x\"\n").unwrap_err(), FormatError::NoFormat);
    assert!(matches!(
        parse_collection("format = \"one\"\nname = \"x\"\n").unwrap_err(),
        FormatError::Syntax { line: Some(1), .. }
    ));
}

#[test]
fn wrong_values_are_said_in_words() {
    let method = parse_request("format = 1\nname = \"x\"\nmethod = \"FETCH\"\nurl = \"/\"\n").unwrap_err();
    assert_eq!(method, FormatError::Method("FETCH".to_owned()));
    let status =
        parse_request("format = 1\nname = \"x\"\nmethod = \"GET\"\nurl = \"/\"\nexpect_status = \"sometimes\"\n")
            .unwrap_err();
    assert_eq!(status, FormatError::ExpectStatus("sometimes".to_owned()));
}

#[test]
fn the_collection_file_keeps_order_variables_and_notes() {
    let meta = CollectionMeta {
        name: "Practice API tour".to_owned(),
        notes: "Try each request with Sandbox, then Production.".to_owned(),
        order: vec![
            FolderOrder { folder: String::new(), requests: vec!["who-am-i".to_owned()] },
            FolderOrder { folder: "Orders".to_owned(), requests: vec!["list".to_owned(), "create".to_owned()] },
        ],
        variables: [("order_key".to_owned(), "abc".to_owned())].into_iter().collect(),
    };
    let text = write_collection(&meta);
    assert_eq!(parse_collection(&text).unwrap(), meta);
    assert_eq!(write_collection(&parse_collection(&text).unwrap()), text);
    assert!(text.contains("[[folders]]\nname = \"Orders\"\nrequests = [\"list\", \"create\"]"), "{text}");
}

#[test]
fn file_names_are_safe_and_readable() {
    assert_eq!(file_stem_for("Create an order"), "create-an-order");
    assert_eq!(file_stem_for("  GET /v1/users/{id}  "), "get-v1-users-id");
    assert_eq!(file_stem_for("../../etc/passwd"), "etc-passwd");
    assert_eq!(file_stem_for("???"), "request");
    assert_eq!(file_stem_for("CON"), "con-request");
    assert_eq!(file_stem_for("Zahlung prüfen"), "zahlung-prüfen");
    assert!(file_stem_for(&"x".repeat(500)).len() <= 80);
    assert_eq!(folder_path_for("Orders / Refunds"), "Orders/Refunds");
    assert_eq!(folder_path_for("a:b*c"), "a b c");
    assert_eq!(folder_path_for("../.."), "");
    assert_eq!(RequestPath::new("../x.request.toml"), None);
    assert_eq!(RequestPath::new("a/b.request.toml").unwrap().folder(), "a");
    assert_eq!(RequestPath::new("b.request.toml").unwrap().stem(), "b");
}

fn entry(path: &str, name: &str) -> RequestEntry {
    RequestEntry {
        path: RequestPath::new(path).unwrap(),
        request: SavedRequest { name: name.to_owned(), draft: RequestDraft::get("/"), ..Default::default() },
        literal_secrets: Vec::new(),
    }
}

#[test]
fn requests_follow_the_collection_files_order_then_names() {
    let mut collection = Collection {
        meta: CollectionMeta {
            name: "c".to_owned(),
            order: vec![
                FolderOrder { folder: "Orders".to_owned(), requests: vec!["z".to_owned(), "a".to_owned()] },
                FolderOrder { folder: String::new(), requests: vec![] },
            ],
            ..Default::default()
        },
        requests: vec![
            entry("root.request.toml", "Root"),
            entry("Orders/a.request.toml", "A"),
            entry("Beta/b.request.toml", "B"),
            entry("Orders/unlisted.request.toml", "Unlisted"),
            entry("Orders/z.request.toml", "Z"),
        ],
        problems: Vec::new(),
    };
    collection.sort();
    let order: Vec<&str> = collection.requests.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        order,
        [
            "Orders/z.request.toml",
            "Orders/a.request.toml",
            "Orders/unlisted.request.toml",
            "root.request.toml",
            "Beta/b.request.toml"
        ]
    );
    assert_eq!(collection.folders(), ["Orders", "", "Beta"]);
    assert!(collection.duplicate_names().is_empty());
}

#[test]
fn two_requests_with_one_name_are_named_as_a_problem() {
    let collection = Collection {
        requests: vec![entry("a.request.toml", "Same"), entry("b.request.toml", "same")],
        ..Default::default()
    };
    let problems = collection.duplicate_names();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].file, "b.request.toml");
    assert!(problems[0].words.contains("a.request.toml"), "{}", problems[0].words);
}

#[test]
fn a_new_request_gets_a_free_file() {
    let collection = Collection { requests: vec![entry("Orders/create.request.toml", "Create")], ..Default::default() };
    assert_eq!(collection.free_path("Orders", "Create").as_str(), "Orders/create-2.request.toml");
    assert_eq!(collection.free_path("", "Create").as_str(), "create.request.toml");
}

#[test]
fn finding_a_request_by_name_folder_or_file() {
    let collection = Collection {
        requests: vec![entry("Orders/create.request.toml", "Create"), entry("create.request.toml", "Create")],
        ..Default::default()
    };
    assert_eq!(collection.find("Orders/Create").unwrap().path.as_str(), "Orders/create.request.toml");
    assert_eq!(collection.find("create.request.toml").unwrap().path.as_str(), "create.request.toml");
    assert!(collection.find("Nope").is_none());
}

#[test]
fn collection_variables_fill_in_where_the_profile_has_none() {
    let mut draft = RequestDraft::get("{{base_url}}/v1/orders/{{order_id}}?{{region}}");
    draft.headers.push(KeyValue::new("X-Tenant", "{{tenant}}"));
    draft.body =
        BodyDraft::Json { text: "{\"secret\": \"{{secret:client_secret}}\", \"t\": \"{{tenant}}\"}".to_owned() };
    let collection: BTreeMap<String, String> =
        [("order_id", "ord_1"), ("tenant", "acme"), ("region", "eu"), ("base_url", "http://nope")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    let profile: BTreeMap<String, String> = [("region".to_owned(), "us".to_owned())].into_iter().collect();
    let out = apply_variables(&draft, &collection, &profile);
    assert_eq!(out.url, "{{base_url}}/v1/orders/ord_1?{{region}}");
    assert_eq!(out.headers[0].value, "acme");
    assert_eq!(
        out.body,
        BodyDraft::Json { text: "{\"secret\": \"{{secret:client_secret}}\", \"t\": \"acme\"}".to_owned() }
    );
}

#[test]
fn a_credential_written_into_a_request_is_found_and_named_without_its_value() {
    let key = format!("sk_test_{}", "4eC39HqLyjWDarjtT1zdp7dc");
    let mut draft = RequestDraft::get("/v1/charges");
    draft.headers.push(KeyValue::new("Authorization", format!("Bearer {key}")));
    let found = literal_secrets(&draft);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].place.contains("Authorization"), "{:?}", found[0]);
    assert!(!format!("{found:?}").contains(&key));
    let mut referenced = RequestDraft::get("/v1/charges");
    referenced.body = BodyDraft::Json { text: "{\"client_secret\": \"{{secret:client_secret}}\"}".to_owned() };
    assert!(literal_secrets(&referenced).is_empty());
}

#[test]
fn expected_statuses_read_and_match() {
    assert_eq!(ExpectedStatus::parse("2xx"), Some(ExpectedStatus::AnySuccess));
    assert_eq!(ExpectedStatus::parse("404"), Some(ExpectedStatus::Exact(404)));
    assert_eq!(ExpectedStatus::parse("4XX"), Some(ExpectedStatus::Class(4)));
    assert_eq!(ExpectedStatus::parse("700"), None);
    assert!(ExpectedStatus::AnySuccess.matches(204));
    assert!(!ExpectedStatus::AnySuccess.matches(302));
    assert!(ExpectedStatus::Class(4).matches(403));
    assert!(!ExpectedStatus::Exact(201).matches(200));
}

#[test]
fn a_run_plans_every_request_with_every_profile_and_holds_back_production_writes() {
    use crate::core::profile::{Environment, Profile};
    let sandbox = Profile::new("S", Environment::Sandbox, "https://sandbox.example.com");
    let production = Profile::new("P", Environment::Production, "https://api.example.com");
    let mut post = entry("Orders/create.request.toml", "Create");
    post.request.draft.method = Method::Post;
    let collection = Collection { requests: vec![entry("me.request.toml", "Me"), post.clone()], ..Default::default() };
    let all = run::plan(&collection, None, &[sandbox.clone(), production.clone()]);
    assert_eq!(all.len(), 4);
    assert_eq!(run::plan(&collection, Some("Orders"), std::slice::from_ref(&sandbox)).len(), 1);
    assert!(run::has_folder(&collection, "Orders/"));
    assert!(!run::has_folder(&collection, "Ord"));
    assert_eq!(run::skip_before_sending(&post, &production, false), Some(run::Skip::ProductionWrite));
    assert_eq!(run::skip_before_sending(&post, &production, true), None);
    assert_eq!(run::skip_before_sending(&post, &sandbox, false), None);
    assert_eq!(run::missing_scopes(&["a".to_owned(), "b".to_owned()], &["b".to_owned()]), ["a"]);
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,24}",
        "\\PC{0,24}",
        "[a-z\"'\\\\\n\r\t{}]{0,40}",
        Just("'''\"\"\"".to_owned()),
        Just(String::new()),
    ]
}

fn rows_strategy() -> impl Strategy<Value = Vec<KeyValue>> {
    prop::collection::vec(
        (any::<bool>(), text_strategy(), text_strategy()).prop_map(|(enabled, name, value)| KeyValue {
            enabled,
            name,
            value,
        }),
        0..4,
    )
}

fn body_strategy() -> impl Strategy<Value = BodyDraft> {
    prop_oneof![
        Just(BodyDraft::None),
        text_strategy().prop_map(|text| BodyDraft::Json { text }),
        rows_strategy().prop_map(|fields| BodyDraft::Form { fields }),
        (text_strategy(), text_strategy()).prop_map(|(content_type, text)| BodyDraft::Raw { content_type, text }),
    ]
}

fn request_strategy() -> impl Strategy<Value = SavedRequest> {
    let draft = (
        prop::sample::select(Method::ALL.to_vec()),
        text_strategy(),
        rows_strategy(),
        rows_strategy(),
        body_strategy(),
        1u64..4000,
        any::<bool>(),
    )
        .prop_map(|(method, url, query, headers, body, timeout_secs, send_credential)| RequestDraft {
            method,
            url,
            query,
            headers,
            body,
            timeout_secs,
            send_credential,
        });
    let expect = prop_oneof![
        Just(ExpectedStatus::AnySuccess),
        (100u16..600).prop_map(ExpectedStatus::Exact),
        (1u8..6).prop_map(|c| ExpectedStatus::parse(&format!("{c}xx")).unwrap_or_default()),
    ];
    let kind = prop::sample::select(
        &[
            SignInKind::None,
            SignInKind::ApiKey,
            SignInKind::Basic,
            SignInKind::Bearer,
            SignInKind::Digest,
            SignInKind::OAuth2,
            SignInKind::OpenIdConnect,
            SignInKind::MutualTls,
            SignInKind::Other,
        ][..],
    );
    let alternative = (
        prop::collection::vec(text_strategy(), 0..3),
        prop::collection::vec(kind, 0..3),
        prop::collection::vec(text_strategy(), 0..3),
    )
        .prop_map(|(schemes, kinds, scopes)| SignInAlternative { schemes, kinds, scopes });
    (
        text_strategy(),
        draft,
        prop::collection::vec(text_strategy(), 0..3),
        prop::collection::vec(alternative, 0..3),
        expect,
        text_strategy(),
    )
        .prop_map(|(name, draft, required_scopes, alternatives, expect, notes)| SavedRequest {
            name,
            draft,
            required_scopes,
            alternatives,
            expect,
            notes,
        })
}

proptest! {
    // Failure seeds are kept next to this file (tests.proptest-regressions), not in a folder at the
    // top of the repository.
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Any request → file → the same request; and the file of that request is the same bytes.
    #[test]
    fn any_request_round_trips_through_its_file(request in request_strategy()) {
        let text = write_request(&request);
        let back = parse_request(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &request);
        prop_assert_eq!(write_request(&back), text);
    }

    /// Whatever text is read, reading never panics.
    #[test]
    fn reading_any_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse_request(&text);
        let _ = parse_collection(&text);
    }
}
