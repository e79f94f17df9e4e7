//! Import from cURL and export as cURL: a table of curl commands from public API documentation,
//! bad input, a random-input loop over the tokenizer, exports that hold no secret, round trips,
//! and `gatepass curl` through the binary with the real keychain.

use crate::common;

use gatepass::core::curl::{self, CurlError, SuggestedAuth};
use gatepass::core::curl_export::{SecretChoice, env_var_name, to_curl};
use gatepass::core::profile::{AuthKind, AuthMethod, Environment, KeyPlacement, Profile};
use gatepass::core::request::{BodyDraft, KeyValue, Method, RequestDraft, prepare};
use gatepass::core::secret::Secret;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Table {
    command: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    curl: String,
    method: String,
    url: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body_kind: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    form: Vec<(String, String)>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    credential: Option<ExpectedCredential>,
    #[serde(default)]
    notes_contain: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ExpectedCredential {
    suggested: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    username: Option<String>,
    source: String,
    fingerprint: String,
}

fn pairs(rows: &[KeyValue]) -> Vec<(String, String)> {
    rows.iter().map(|r| (r.name.clone(), r.value.clone())).collect()
}

fn suggested_words(s: &SuggestedAuth) -> (String, Option<String>, Option<String>) {
    match s {
        SuggestedAuth::Bearer => ("bearer".to_owned(), None, None),
        SuggestedAuth::Basic { username } => ("basic".to_owned(), None, Some(username.clone())),
        SuggestedAuth::ApiKey { name, placement: KeyPlacement::Header } => {
            ("api_key_header".to_owned(), Some(name.clone()), None)
        }
        SuggestedAuth::ApiKey { name, placement: KeyPlacement::Query } => {
            ("api_key_query".to_owned(), Some(name.clone()), None)
        }
    }
}

#[test]
fn documentation_commands_import_exactly() {
    let table: Table = toml::from_str(include_str!("../curl/commands.toml")).unwrap();
    assert!(table.command.len() >= 25, "only {} commands in the table", table.command.len());
    let mut failures = Vec::new();
    for case in &table.command {
        let got = match curl::import(&case.curl) {
            Ok(got) => got,
            Err(e) => {
                failures.push(format!("{}: did not import: {e}", case.name));
                continue;
            }
        };
        let d = &got.draft;
        let mut problems = Vec::new();
        if d.method.as_str() != case.method {
            problems.push(format!("method {} (expected {})", d.method.as_str(), case.method));
        }
        if d.url != case.url {
            problems.push(format!("url {:?} (expected {:?})", d.url, case.url));
        }
        if pairs(&d.query) != case.query {
            problems.push(format!("query {:?} (expected {:?})", pairs(&d.query), case.query));
        }
        if pairs(&d.headers) != case.headers {
            problems.push(format!("headers {:?} (expected {:?})", pairs(&d.headers), case.headers));
        }
        let body_ok = match (&d.body, case.body_kind.as_str()) {
            (BodyDraft::None, "none") => true,
            (BodyDraft::Json { text }, "json") => Some(text) == case.body.as_ref(),
            (BodyDraft::Form { fields }, "form") => pairs(fields) == case.form,
            (BodyDraft::Raw { content_type, text }, "raw") => {
                Some(text) == case.body.as_ref() && Some(content_type) == case.content_type.as_ref()
            }
            _ => false,
        };
        if !body_ok {
            problems.push(format!("body {:?} (expected {} {:?} {:?})", d.body, case.body_kind, case.body, case.form));
        }
        match (&case.credential, got.credential()) {
            (None, None) => {}
            (Some(want), Some(found)) => {
                let (kind, name, username) = suggested_words(&found.suggested);
                if kind != want.suggested || name != want.name || username != want.username {
                    problems.push(format!("suggested {:?} (expected {want:?})", found.suggested));
                }
                if found.source.words() != want.source {
                    problems.push(format!("found in {} (expected {})", found.source.words(), want.source));
                }
                if found.fingerprint() != want.fingerprint {
                    problems.push(format!("fingerprint {} (expected {})", found.fingerprint(), want.fingerprint));
                }
                // The credential is out of the request: no header, query row or URL holds it.
                let value = found.secret.expose();
                let draft_text = serde_json::to_string(d).unwrap();
                if draft_text.contains(value) {
                    problems.push("the credential is still in the request".to_owned());
                }
            }
            (want, found) => problems.push(format!(
                "credential {:?} (expected {want:?})",
                found.map(gatepass::core::curl::FoundCredential::describe)
            )),
        }
        for words in &case.notes_contain {
            if !got.notes.iter().any(|n| n.contains(words.as_str())) {
                problems.push(format!("no note says {words:?}; notes: {:?}", got.notes));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{}:\n    {}", case.name, problems.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} commands differ:\n{}",
        failures.len(),
        table.command.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_input_is_named_in_words() {
    let cases: Vec<(&str, CurlError)> = vec![
        ("", CurlError::Empty),
        ("   \n  ", CurlError::Empty),
        ("wget https://example.com", CurlError::NotCurl { first_word: "wget".to_owned() }),
        ("GET /v1/me HTTP/1.1", CurlError::NotCurl { first_word: "GET".to_owned() }),
        ("curl -H 'Accept: json'", CurlError::NoUrl),
        ("curl https://a.test -H", CurlError::MissingValue { option: "-H".to_owned() }),
        ("curl -X TRACE https://a.test", CurlError::UnsupportedMethod { method: "TRACE".to_owned() }),
        (
            "curl https://a.test \\\n  -d '{\"a\": 1}\n",
            CurlError::UnclosedQuote { quote: "single (')", line: 2, column: 6 },
        ),
        ("curl \"https://a.test", CurlError::UnclosedQuote { quote: "double (\")", line: 1, column: 6 }),
    ];
    for (input, expected) in cases {
        let err = curl::import(input).unwrap_err();
        assert_eq!(err, expected, "for {input:?}");
        let words = err.to_string();
        assert!(words.ends_with('.'), "{words}");
    }
    assert_eq!(
        curl::import("curl https://a.test -d 'x").unwrap_err().to_string(),
        "A single (') quote opened on line 1, column 24 is never closed. Check that the command was copied whole."
    );
    // A form whose file was not read is imported without it, and says so.
    let got = curl::import("curl -F file=@photo.jpg -F note=hi https://a.test/upload").unwrap();
    assert_eq!(got.left_out, ["the form's file field \"file\" (from the file \"photo.jpg\")"]);

    // A body from a file is named as not read, and the import says it is not curl's request:
    // the body keeps the type curl sends, empty, ready for the content to be pasted in.
    let got =
        curl::import("curl -X POST https://a.test/v1/items -H 'Content-Type: application/json' -d @body.json").unwrap();
    assert_eq!(got.draft.body, BodyDraft::Raw { content_type: "application/json".to_owned(), text: String::new() });
    assert!(got.notes.iter().any(|n| n.contains("the file \"body.json\", which was not read")), "{:?}", got.notes);
    assert_eq!(got.left_out, ["the body (from the file \"body.json\")"]);
    assert!(!got.sends_what_curl_sends());

    // Unknown options are named, never silently dropped.
    let got = curl::import("curl --frobnicate https://a.test").unwrap();
    assert_eq!(got.notes, vec!["Gatepass does not know the option --frobnicate, so it was left out.".to_owned()]);

    // A huge paste is refused at once, with its size.
    let huge = format!("curl https://a.test -d '{}'", "x".repeat(2 * 1024 * 1024));
    assert_eq!(curl::import(&huge).unwrap_err(), CurlError::TooLong { size: huge.len() });
    // Just under the limit still imports.
    let big = format!("curl https://a.test --data-raw '{}'", "y".repeat(1000 * 1000));
    let got = curl::import(&big).unwrap();
    assert!(matches!(got.draft.body, BodyDraft::Raw { ref text, .. } if text.len() == 1000 * 1000));
}

#[test]
fn errors_and_debug_never_show_the_credential() {
    let canary = "sk_live_CANARYcanary1234";
    let got = curl::import(&format!("curl https://a.test -H 'Authorization: Bearer {canary}'")).unwrap();
    assert!(!format!("{got:?}").contains(canary), "Debug shows the secret");
    let err = curl::import(&format!("curl -X TRACE https://a.test -H 'Authorization: Bearer {canary}'")).unwrap_err();
    assert!(!err.to_string().contains(canary));
    let err = curl::import(&format!("curl -H 'Authorization: Bearer {canary}'")).unwrap_err();
    assert!(!err.to_string().contains(canary));
}

/// A small seeded generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn random_input_never_panics() {
    let pieces = [
        "curl",
        " ",
        "\n",
        "\\",
        "\\\n",
        "^",
        "^\n",
        "'",
        "\"",
        "$'",
        "$",
        "-",
        "--",
        "-X",
        "-H",
        "-d",
        "-u",
        "-G",
        "--data-urlencode",
        "--json",
        "=",
        "@",
        ":",
        "|",
        ";",
        "&",
        ">",
        "#",
        "https://a.test/x?y=1",
        "é",
        "\u{0}",
        "\r\n",
        "Authorization: Bearer ",
        "{\"a\":",
        "-sSLk",
        "-XPOST",
        "\\x4",
        "\\u12",
        "%",
        "&&",
        "a=b",
    ];
    let mut rng = Lcg(0x5eed_cafe);
    for _ in 0..20_000 {
        let len = rng.next() % 24;
        let mut input = String::new();
        if !rng.next().is_multiple_of(4) {
            input.push_str("curl ");
        }
        for _ in 0..len {
            input.push_str(pieces[usize::try_from(rng.next()).unwrap() % pieces.len()]);
        }
        let _ = curl::tokenize(&input);
        if let Err(e) = curl::import(&input) {
            assert!(!e.to_string().is_empty());
        }
    }
}

fn profile_with(kind: AuthKind) -> Profile {
    let mut profile = Profile::new("Shop", Environment::Sandbox, "https://api.shop.test");
    profile.auth = AuthMethod::new_of_kind(kind, &profile.id);
    profile
}

const CANARY: &str = "gp_live_CANARYsecretValue7f3e";

fn sample_drafts() -> Vec<RequestDraft> {
    vec![
        RequestDraft::get("https://api.shop.test/v1/orders"),
        RequestDraft {
            method: Method::Post,
            url: "https://api.shop.test/v1/orders".to_owned(),
            query: vec![KeyValue::new("expand", "items lines"), KeyValue::new("q", "it's \"quoted\" & $HOME")],
            headers: vec![KeyValue::new("Idempotency-Key", "abc-123"), KeyValue::new("Accept", "application/json")],
            body: BodyDraft::Json { text: "{\"note\": \"it's $5 `now`\", \"n\": [1, 2]}".to_owned() },
            ..RequestDraft::default()
        },
        RequestDraft {
            method: Method::Put,
            url: "https://api.shop.test/v1/customers/7".to_owned(),
            body: BodyDraft::Form {
                fields: vec![KeyValue::new("name", "Jenny Rosen"), KeyValue::new("email", "j+r@example.com")],
            },
            timeout_secs: 90,
            ..RequestDraft::default()
        },
        RequestDraft {
            method: Method::Patch,
            url: "https://api.shop.test/v1/notes/1".to_owned(),
            body: BodyDraft::Raw { content_type: "text/plain".to_owned(), text: "line one\nline 'two'\n".to_owned() },
            ..RequestDraft::default()
        },
        RequestDraft { method: Method::Delete, ..RequestDraft::get("https://api.shop.test/v1/orders/9") },
        RequestDraft { method: Method::Head, ..RequestDraft::get("https://api.shop.test/health") },
    ]
}

fn profiles() -> Vec<Profile> {
    let mut query_key = profile_with(AuthKind::ApiKey);
    if let AuthMethod::ApiKey { name, placement, .. } = &mut query_key.auth {
        "api_key".clone_into(name);
        *placement = KeyPlacement::Query;
    }
    let mut basic = profile_with(AuthKind::Basic);
    if let AuthMethod::Basic { username, .. } = &mut basic.auth {
        "shop-admin".clone_into(username);
    }
    vec![profile_with(AuthKind::Bearer), profile_with(AuthKind::ApiKey), query_key, basic]
}

#[test]
fn masked_and_env_exports_hold_no_secret_and_reveal_does() {
    let secret = Secret::new(CANARY);
    for profile in profiles() {
        let var = env_var_name(&profile.name, &profile.auth);
        for draft in sample_drafts() {
            let prepared = prepare(&draft, &profile, Some(&secret)).unwrap();
            let masked = to_curl(&prepared, &SecretChoice::Masked);
            assert!(
                !masked.contains(CANARY) && !masked.contains("CANARY"),
                "masked export holds the secret:\n{masked}"
            );
            assert!(masked.contains("…7f3e"), "masked export should show the fingerprint:\n{masked}");
            let env = to_curl(&prepared, &SecretChoice::EnvVar(var.clone()));
            assert!(!env.contains("CANARY"), "env export holds the secret:\n{env}");
            assert!(env.contains(&format!("${{{var}}}")), "env export should name ${var}:\n{env}");
            let revealed = to_curl(&prepared, &SecretChoice::Reveal);
            let needle = if matches!(profile.auth, AuthMethod::Basic { .. }) {
                format!("shop-admin:{CANARY}")
            } else {
                CANARY.to_owned()
            };
            assert!(revealed.contains(&needle), "reveal should hold the secret:\n{revealed}");
        }
    }
    // Typed credential-like headers are masked too, not only the profile's.
    let profile = profile_with(AuthKind::None);
    let draft = RequestDraft {
        headers: vec![KeyValue::new("X-Api-Key", CANARY), KeyValue::new("Cookie", format!("s={CANARY}"))],
        query: vec![KeyValue::new("access_token", CANARY)],
        ..RequestDraft::get("https://api.shop.test/v1")
    };
    let prepared = prepare(&draft, &profile, None).unwrap();
    for choice in [SecretChoice::Masked, SecretChoice::EnvVar("X".to_owned())] {
        let text = to_curl(&prepared, &choice);
        assert!(!text.contains("CANARY"), "{text}");
    }
}

#[test]
fn env_export_reads_like_the_docs() {
    let profile = profile_with(AuthKind::Bearer);
    let prepared =
        prepare(&RequestDraft::get("https://api.shop.test/v1/me"), &profile, Some(&Secret::new(CANARY))).unwrap();
    assert_eq!(
        to_curl(&prepared, &SecretChoice::EnvVar("SHOP_TOKEN".to_owned())),
        "curl \\\n  https://api.shop.test/v1/me \\\n  -H \"Authorization: Bearer ${SHOP_TOKEN}\""
    );
    assert_eq!(
        to_curl(&prepared, &SecretChoice::Masked),
        "curl \\\n  https://api.shop.test/v1/me \\\n  -H 'Authorization: Bearer gp_live_…7f3e'"
    );
}

#[test]
fn export_then_import_gives_the_same_request() {
    let secret = Secret::new(CANARY);
    for profile in profiles() {
        for draft in sample_drafts() {
            let prepared = prepare(&draft, &profile, Some(&secret)).unwrap();
            let command = to_curl(&prepared, &SecretChoice::Reveal);
            let back = curl::import(&command).unwrap_or_else(|e| panic!("{e}\n{command}"));
            let d = &back.draft;
            assert_eq!(d.method, draft.method, "{command}");
            assert_eq!(d.url, draft.url, "{command}");
            assert_eq!(pairs(&d.query), pairs(&draft.query), "{command}");
            assert_eq!(pairs(&d.headers), pairs(&draft.headers), "{command}");
            assert_eq!(d.body, draft.body, "{command}");
            assert_eq!(d.timeout_secs, draft.timeout_secs, "{command}");
            let found = back.credential().unwrap_or_else(|| panic!("no credential found in\n{command}"));
            assert_eq!(found.secret.expose(), CANARY);
            assert!(found.suggested.matches(&profile.auth), "{:?} vs {:?}", found.suggested, profile.auth);
            assert_eq!(back.credentials.len(), 1);
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn cli_import_shows_the_request_and_only_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "curl -X POST https://api.shop.test/v1/orders \\\n  -H 'Authorization: Bearer {CANARY}' \\\n  -H 'Accept: application/json' \\\n  -d '{{\"sku\": \"A-1\"}}'\n"
    );
    let out = common::run_gatepass(dir.path(), &["curl", "import"], Some(&command));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(!shown.contains("CANARY") && !text(&out.stderr).contains("CANARY"), "{shown}");
    assert!(shown.contains("Request:     POST https://api.shop.test/v1/orders"), "{shown}");
    assert!(shown.contains("Header:      Accept: application/json"), "{shown}");
    assert!(shown.contains("Body (JSON): {\"sku\": \"A-1\"}"), "{shown}");
    assert!(
        shown.contains("Credential:  gp_live_…7f3e (Production (live) practice key) in header Authorization\n             It was taken out of the request"),
        "{shown}"
    );

    let out = common::run_gatepass(dir.path(), &["curl", "import", "--format", "json"], Some(&command));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["credential"]["fingerprint"], "gp_live_…7f3e");
    assert_eq!(json["credential"]["suggested_method"], "Access token (bearer)");
    assert_eq!(json["request"]["method"], "POST");
    assert!(!text(&out.stdout).contains("CANARY"));

    let out = common::run_gatepass(dir.path(), &["curl", "import"], Some("wget https://x.test"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("This is not a curl command"), "{}", text(&out.stderr));
}

#[test]
fn cli_import_saves_the_credential_in_the_keychain_only() {
    if !common::real_keychain_expected() {
        eprintln!("skipped: run tests/run.sh for a private keychain");
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(gatepass::practice::PracticeEnv::Sandbox);
    let key = gatepass::practice::demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            gatepass::practice::DemoKind::ApiKey { value, .. }
                if c.env == gatepass::practice::PracticeEnv::Sandbox && c.id == "sandbox-api-key" =>
            {
                Some(value)
            }
            _ => None,
        })
        .unwrap();
    let command = format!("curl {base}/v1/me -H 'X-Api-Key: {key}'");
    let out = common::run_gatepass(
        dir.path(),
        &["curl", "import", "--save-profile", "Imported shop", "--environment", "sandbox"],
        Some(&command),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("Added profile \"Imported shop\""), "{shown}");
    assert!(!shown.contains(key) && !text(&out.stderr).contains(key));
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, key), "the key is in {}", path.display());
    }
    // The profile sends the moved key the way the command did, and the practice API accepts it.
    let out = common::run_gatepass(dir.path(), &["profile", "show", "Imported shop"], None);
    let shown = text(&out.stdout);
    assert!(shown.contains("Sent in:         header X-Api-Key"), "{shown}");
    assert!(shown.contains(&format!("{} (in the keychain)", gatepass::core::secret::fingerprint(key))), "{shown}");
    assert!(shown.contains(&format!("Base URL:        {base}")), "{shown}");
    let out = common::run_gatepass(dir.path(), &["send", "--profile", "Imported shop", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));

    // Export: masked by default, $VAR on request, the value only when revealed.
    let out = common::run_gatepass(dir.path(), &["curl", "export", "--profile", "Imported shop", "/v1/me"], None);
    let masked = text(&out.stdout);
    assert!(!masked.contains(key), "{masked}");
    assert!(masked.contains(&gatepass::core::secret::fingerprint(key)), "{masked}");
    let out = common::run_gatepass(
        dir.path(),
        &["curl", "export", "--profile", "Imported shop", "--secret", "env", "/v1/me"],
        None,
    );
    let env = text(&out.stdout);
    assert!(env.contains("-H \"X-Api-Key: ${IMPORTED_SHOP_API_KEY}\""), "{env}");
    assert!(!env.contains(key));
    let out = common::run_gatepass(
        dir.path(),
        &["curl", "export", "--profile", "Imported shop", "--secret", "reveal", "/v1/me"],
        None,
    );
    assert!(text(&out.stdout).contains(&format!("X-Api-Key: {key}")), "{}", text(&out.stdout));

    // Without --environment, a key whose prefix says "live" makes a Production profile.
    let out = common::run_gatepass(
        dir.path(),
        &["curl", "import", "--save-profile", "Live one"],
        Some(&format!("curl https://api.shop.test/v1/me -H 'Authorization: Bearer {CANARY}'")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Added profile \"Live one\" (Production (live), https://api.shop.test)"),
        "{}",
        text(&out.stdout)
    );
    drop(server);
}

#[test]
fn cli_import_masks_every_credential_in_text_and_json() {
    // Made at run time: a key in a cookie, a client secret in the body, two custom key headers.
    let canary = ["gp_", "live_", "CANARY", "d41f9a0c7e"].concat();
    let secret = ["s3cr3t", "-CANARY-", "body-0042"].concat();
    let command = format!(
        "curl -X POST 'https://api.shop.test/oauth/token?audience=shop' \\\n  -H 'Ocp-Apim-Subscription-Key: {canary}' \\\n  -H 'X-Auth-Key: {canary}2' \\\n  -H 'Cookie: session={canary}3; theme=dark' -b 'sid={canary}4' \\\n  -d grant_type=client_credentials -d 'client_secret={secret}'\n"
    );
    let dir = tempfile::tempdir().unwrap();
    for format in ["text", "json"] {
        let out = common::run_gatepass(dir.path(), &["curl", "import", "--format", format], Some(&command));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!shown.contains("CANARY"), "{format} output shows a credential:\n{shown}");
        assert!(shown.contains("grant_type") && shown.contains("theme="), "{shown}");
    }
    let out = common::run_gatepass(dir.path(), &["curl", "import", "--format", "json"], Some(&command));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["masked"], serde_json::json!(["header Cookie", "the body"]));
    assert_eq!(json["credential"]["found_in"], "header Ocp-Apim-Subscription-Key");
    assert_eq!(json["credentials_found"], 2);
}
