//! Property tests over every parser of outside input: whatever arrives (arbitrary text, and text
//! built from each format's own pieces so the parsers get past their first checks), reading it
//! never panics, and each case ends well inside a second.
//!
//! The suite runs 256 cases of each. The long run keeps each going for a time,
//! `GATEPASS_PROPTEST_SECONDS=600 cargo test --test it parsers:: -- --nocapture`, and prints how
//! many cases each one ran (the README has the counts).

use gatepass::core::import::Source;
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// A case that takes this long is a hang, not a slow machine.
const HANG: Duration = Duration::from_secs(5);

const CASES: u32 = 256;

/// Run `test` on values from `strategy`: 256 cases, or batches of them until
/// `GATEPASS_PROPTEST_SECONDS` have passed. A failure is shrunk to its smallest input first.
fn check<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let seconds = std::env::var("GATEPASS_PROPTEST_SECONDS").ok().and_then(|s| s.parse::<u64>().ok());
    let started = Instant::now();
    let mut total = 0u64;
    loop {
        let config = ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() };
        let mut runner = proptest::test_runner::TestRunner::new(config);
        if let Err(failure) = runner.run(&strategy, &test) {
            panic!("{name}: {failure}");
        }
        total += u64::from(CASES);
        if seconds.is_none_or(|s| started.elapsed() >= Duration::from_secs(s)) {
            break;
        }
    }
    eprintln!("{name}: {total} cases, 0 panics, in {:.0?}", started.elapsed());
}

/// Text made of `pieces` (the format's own words and punctuation) and arbitrary characters.
fn shaped(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(pieces).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => "[ -~]{0,8}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|parts| parts.concat())
}

/// The keys the JSON formats read (HAR, `OpenAPI`, Swagger, Postman, Insomnia, Bruno's `JSON`).
const KEYS: &[&str] = &[
    "log",
    "entries",
    "request",
    "response",
    "headers",
    "name",
    "value",
    "status",
    "url",
    "method",
    "content",
    "text",
    "mimeType",
    "postData",
    "params",
    "queryString",
    "startedDateTime",
    "openapi",
    "swagger",
    "info",
    "title",
    "paths",
    "get",
    "post",
    "security",
    "securitySchemes",
    "components",
    "servers",
    "host",
    "basePath",
    "item",
    "auth",
    "type",
    "bearer",
    "apikey",
    "oauth2",
    "key",
    "in",
    "variable",
    "raw",
    "body",
    "mode",
    "_type",
    "resources",
    "parentId",
    "_id",
    "authentication",
    "environment",
    "data",
    "scopes",
    "flows",
    "tokenUrl",
    "version",
    "$ref",
    "parameters",
    "schema",
    "required",
];

/// Real JSON documents whose keys are the formats' own, nested at random: what gets an
/// importer past "is this JSON" and "which format is it" into its reading of every field.
fn json_document() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>().prop_map(|n| serde_json::json!(n)),
        prop::sample::select(KEYS).prop_map(|k| serde_json::json!(k)),
        prop::sample::select(
            &[
                "2.0",
                "3.0.3",
                "3.1.0",
                "https://a.example/v1/{id}",
                "{{baseUrl}}/x",
                "Bearer x",
                "request",
                "request_group",
                "2026-12-04T10:00:00Z",
                "401",
                ""
            ][..]
        )
        .prop_map(|k| serde_json::json!(k)),
        any::<String>().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|pairs| {
                serde_json::Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
    .prop_map(|v| v.to_string())
}

fn anything() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x7f]{0,400}",
        prop::collection::vec(any::<u8>(), 0..400).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
    ]
}

fn timed<T>(what: &str, input: &str, run: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = run();
    let took = started.elapsed();
    assert!(took < HANG, "{what} took {took:?} on {} bytes: {:?}", input.len(), input.get(..200).unwrap_or(input));
    out
}

const CHALLENGE: &[&str] = &[
    "Bearer",
    "Basic",
    "Digest",
    "DPoP",
    "Negotiate",
    "realm=",
    "error=",
    "scope=",
    "\"",
    "\\\"",
    "\\",
    ",",
    " ",
    "=",
    "nonce=",
    "algorithm=",
    "qop=\"auth,auth-int\"",
    "resource_metadata=",
    "\"invalid_token\"",
    "  ",
    ";",
];
const CURL: &[&str] = &[
    "curl ",
    "-H ",
    "--header ",
    "-d ",
    "--data-raw ",
    "--data-binary ",
    "-u ",
    "-X ",
    "POST ",
    "'",
    "\"",
    "\\",
    "\\\n",
    "$",
    "$'",
    "@",
    "-F ",
    "--url ",
    "https://api.example.com/v1?a=1&b=2 ",
    "Authorization: Bearer x ",
    "--json ",
    "-b ",
    "--oauth2-bearer ",
    "--aws-sigv4 ",
    " ",
    "\t",
    "`",
    "$(",
    "{",
    "}",
    "#",
    ";",
    "|",
];
const JWT: &[&str] = &["eyJ", "hbGciOiJIUzI1NiJ9", ".", "eyJleHAiOjF9", "=", "-", "_", "e30", "W10", "bnVsbA", " "];
const JSON: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "1e400",
    "-0",
    "\"log\"",
    "\"entries\"",
    "\"request\"",
    "\"response\"",
    "\"headers\"",
    "\"name\"",
    "\"value\"",
    "\"status\"",
    "401",
    "\"url\"",
    "\"https://a.example\"",
    "\"method\"",
    "\"GET\"",
    "\"content\"",
    "\"text\"",
    "\"openapi\"",
    "\"3.0.0\"",
    "\"swagger\"",
    "\"2.0\"",
    "\"paths\"",
    "\"/x\"",
    "\"get\"",
    "\"security\"",
    "\"info\"",
    "\"item\"",
    "\"_type\"",
    "\"resources\"",
    "\"export\"",
    "\"auth\"",
    "\"bearer\"",
    "\"variable\"",
    "\"startedDateTime\"",
    "\"www-authenticate\"",
    "\\u0000",
];
const YAML: &[&str] = &[
    "openapi: 3.0.0\n",
    "paths:\n",
    "  /x:\n",
    "    get:\n",
    "      security:\n",
    "- ",
    ": ",
    "\n",
    "  ",
    "&a ",
    "*a",
    "!!str ",
    "'",
    "\"",
    "#",
    "info:\n",
    "meta:\n  name: x\n",
    "get {\n",
    "}\n",
    "auth:bearer {\n",
    "  token: x\n",
];
const PEM: &[&str] = &[
    "-----BEGIN CERTIFICATE-----\n",
    "-----END CERTIFICATE-----\n",
    concat!("-----BEGIN ", "PRIVATE KEY-----\n"),
    "-----END PRIVATE KEY-----\n",
    concat!("-----BEGIN EC ", "PRIVATE KEY-----\n"),
    "MIIB",
    "AAAA",
    "\n",
    "=",
    "+/",
];
const TOML: &[&str] = &[
    "version = 1\n",
    "keychain_namespace = \"abc\"\n",
    "[[profile]]\n",
    "id = \"p\"\n",
    "name = \"n\"\n",
    "base_url = \"https://a.example\"\n",
    "[profile.environment]\n",
    "kind = \"sandbox\"\n",
    "kind = \"custom\"\n",
    "[profile.auth]\n",
    "method = \"none\"\n",
    "method = \"bearer\"\n",
    "secret = \"x\"\n",
    "=",
    "\"",
    "[",
    "]",
    "\n",
];

#[test]
fn the_challenge_parser_takes_anything() {
    check("the_challenge_parser_takes_anything", prop_oneof![anything(), shaped(CHALLENGE)], |text| {
        timed("WWW-Authenticate", &text, || {
            let _ = gatepass::core::challenge::parse(&text);
            let _ = gatepass::core::challenge::from_headers([
                ("www-authenticate", text.as_str()),
                ("WWW-Authenticate", "Bearer"),
            ]);
        });
        Ok(())
    });
}

#[test]
fn the_curl_reader_takes_anything() {
    check("the_curl_reader_takes_anything", prop_oneof![anything(), shaped(CURL)], |text| {
        timed("curl", &text, || {
            let _ = gatepass::core::curl::import(&text);
            let _ = gatepass::core::curl::import(&format!("curl {text}"));
        });
        Ok(())
    });
}

#[test]
fn the_token_reader_takes_anything() {
    check("the_token_reader_takes_anything", prop_oneof![anything(), shaped(JWT)], |text| {
        timed("token", &text, || gatepass::core::token::read_token(&text).map(|_| ()).ok());
        Ok(())
    });
}

#[test]
fn the_har_reader_takes_anything() {
    check("the_har_reader_takes_anything", prop_oneof![anything(), shaped(JSON), json_document()], |text| {
        let options = gatepass::core::diagnose::har::HarOptions::default();
        timed("HAR", &text, || {
            let _ =
                gatepass::core::diagnose::har::explain(&text, &options, gatepass::core::diagnose::Knowledge::builtin());
        });
        Ok(())
    });
}

#[test]
fn every_importer_takes_anything() {
    check(
        "every_importer_takes_anything",
        (
            prop_oneof![anything(), shaped(JSON), shaped(YAML), json_document(), json_document()],
            prop::sample::select(
                &[
                    "api.json",
                    "api.yaml",
                    "x.postman_collection.json",
                    "insomnia.json",
                    "a.har",
                    "req.bru",
                    "opencollection.yml",
                    "x.txt",
                ][..],
            ),
        ),
        |(text, name)| {
            timed("import", &text, || {
                let _ = gatepass::core::import::plan(&[Source::File { name: name.to_owned(), text: text.clone() }]);
                let folder = Source::Folder {
                    name: "c".to_owned(),
                    files: vec![
                        ("bruno.json".to_owned(), "{\"name\":\"c\"}".to_owned()),
                        (name.to_owned(), text.clone()),
                    ],
                };
                let _ = gatepass::core::import::plan(&[folder]);
            });
            Ok(())
        },
    );
}

#[test]
fn the_pem_readers_take_anything() {
    check("the_pem_readers_take_anything", prop_oneof![anything(), shaped(PEM)], |text| {
        let now = time::OffsetDateTime::now_utc();
        timed("PEM", &text, || {
            let _ = gatepass::core::certificate::parse_certificates(&text);
            let _ = gatepass::core::certificate::parse_private_key(&text);
            let _ = gatepass::core::certificate::parse_ca_bundle(&text);
            let _ = gatepass::core::certificate::facts_from_pem(&text, now);
        });
        Ok(())
    });
}

#[test]
fn the_profiles_file_reader_takes_anything() {
    check("the_profiles_file_reader_takes_anything", prop_oneof![anything(), shaped(TOML)], |text| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("profiles.toml"), &text).unwrap();
        let store = gatepass::infra::store::ProfileStore::new(dir.path());
        let loaded = timed("profiles file", &text, || store.load());
        // Read in part or whole, never lost: a damaged file is kept and not written over.
        if let Ok(loaded) = loaded
            && loaded.damage.is_some()
        {
            prop_assert!(store.update(|_| ()).is_err());
            prop_assert_eq!(std::fs::read_to_string(dir.path().join("profiles.toml")).unwrap(), text);
        }
        Ok(())
    });
}

#[test]
fn the_pkcs12_reader_takes_anything() {
    let passphrase = gatepass::core::secret::Secret::new("pass");
    check("the_pkcs12_reader_takes_anything", prop::collection::vec(any::<u8>(), 0..2048), |bytes| {
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        timed("PKCS#12", &shown, || gatepass::workspace::Workspace::open_pkcs12(&bytes, &passphrase).map(|_| ()).ok());
        Ok(())
    });
}

#[test]
fn the_body_views_take_anything() {
    use gatepass::core::body::{ViewMode, prepare};
    check(
        "the_body_views_take_anything",
        (prop::collection::vec(any::<u8>(), 0..2048), prop_oneof![shaped(JSON), json_document()]),
        |(bytes, json)| {
            let shown = String::from_utf8_lossy(&bytes).into_owned();
            timed("body", &shown, || {
                for body in [bytes.as_slice(), json.as_bytes()] {
                    let _ = gatepass::core::body::validate_json(body);
                    let _ = gatepass::core::body::format_json_pretty(body);
                    let _ = gatepass::core::body::hex_dump(body);
                    for mode in [ViewMode::Pretty, ViewMode::Raw] {
                        let _ = prepare(Some("application/json"), body, mode);
                        let _ = prepare(None, body, mode);
                    }
                }
            });
            Ok(())
        },
    );
}
