//! The auth matrix and the draft-to-request rules, case by case.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::core::profile::{AuthKind, Environment, SecretRef};

fn profile(auth: AuthKind) -> Profile {
    let mut p = Profile::new("Shop — Sandbox", Environment::Sandbox, "https://api.example.com/");
    p.auth = AuthMethod::new_of_kind(auth, &p.id);
    p.variables.insert("tenant".to_owned(), "acme".to_owned());
    p
}

fn wire(draft: &RequestDraft, profile: &Profile, secret: &str) -> (String, Vec<(String, String)>) {
    let prepared = prepare(draft, profile, Some(&Secret::new(secret))).unwrap();
    let mut headers = prepared.headers.clone();
    if let Some(AppliedCredential { placement: CredentialPlacement::Header { name, value }, .. }) = &prepared.credential
    {
        headers.push((name.clone(), value.expose().to_owned()));
    }
    (prepared.wire_url().to_string(), headers)
}

#[test]
fn auth_matrix_puts_the_exact_value_on_the_wire() {
    struct Case {
        name: &'static str,
        auth: AuthMethod,
        secret: &'static str,
        url: &'static str,
        header: Option<(&'static str, &'static str)>,
    }
    let id = crate::core::profile::ProfileId("p1".to_owned());
    let cases = [
        Case {
            name: "none",
            auth: AuthMethod::None,
            secret: "unused",
            url: "https://api.example.com/v1/me",
            header: None,
        },
        Case {
            name: "api_key_header",
            auth: AuthMethod::ApiKey {
                name: "X-Api-Key".into(),
                placement: KeyPlacement::Header,
                key: SecretRef::for_profile(&id, "k"),
            },
            secret: "gp_test_key123456",
            url: "https://api.example.com/v1/me",
            header: Some(("X-Api-Key", "gp_test_key123456")),
        },
        Case {
            name: "api_key_query",
            auth: AuthMethod::ApiKey {
                name: "api_key".into(),
                placement: KeyPlacement::Query,
                key: SecretRef::for_profile(&id, "k"),
            },
            secret: "gp_test_key 1&2",
            url: "https://api.example.com/v1/me?api_key=gp_test_key+1%262",
            header: None,
        },
        Case {
            name: "bearer",
            auth: AuthMethod::Bearer { token: SecretRef::for_profile(&id, "t") },
            secret: "eyJhbGciOiJIUzI1NiJ9.e30.sig",
            url: "https://api.example.com/v1/me",
            header: Some(("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")),
        },
        Case {
            name: "basic",
            auth: AuthMethod::Basic { username: "Aladdin".into(), password: SecretRef::for_profile(&id, "p") },
            secret: "open sesame",
            url: "https://api.example.com/v1/me",
            header: Some(("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")),
        },
        Case {
            name: "oauth_client_credentials_sends_the_access_token",
            auth: AuthMethod::OAuthClientCredentials(crate::core::profile::ClientCredentials::new(&id)),
            secret: "eyJhbGciOiJIUzI1NiJ9.e30.oauth",
            url: "https://api.example.com/v1/me",
            header: Some(("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.oauth")),
        },
    ];
    for case in cases {
        let mut p = profile(AuthKind::None);
        p.auth = case.auth;
        let (url, headers) = wire(&RequestDraft::get("/v1/me"), &p, case.secret);
        assert_eq!(url, case.url, "case {}", case.name);
        let expected: Vec<(String, String)> =
            case.header.into_iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        assert_eq!(headers, expected, "case {}", case.name);
    }
}

#[test]
fn preview_masks_every_credential() {
    for (kind, secret) in [
        (AuthKind::ApiKey, "gp_live_CANARY0000abcd"),
        (AuthKind::Bearer, "gp_live_CANARY0000abcd"),
        (AuthKind::Basic, "gp_live_CANARY0000abcd"),
    ] {
        let mut p = profile(kind);
        if let AuthMethod::ApiKey { placement, .. } = &mut p.auth {
            *placement = KeyPlacement::Query;
        }
        let mut draft = RequestDraft::get("{{base_url}}/v1/{{tenant}}/orders");
        draft.headers.push(KeyValue::new("X-Other-Token", "typed_by_hand_CANARY_9999"));
        let prepared = prepare(&draft, &p, Some(&Secret::new(secret))).unwrap();
        let preview = prepared.preview();
        assert!(!preview.contains("CANARY"), "{kind:?}: {preview}");
        assert!(preview.starts_with("GET https://api.example.com/v1/acme/orders"), "{preview}");
        let debug = format!("{prepared:?}");
        assert!(!debug.contains("CANARY"), "{debug}");
    }
    let p = profile(AuthKind::Bearer);
    let prepared = prepare(&RequestDraft::get("/v1/me"), &p, Some(&Secret::new("gp_live_CANARY0000abcd"))).unwrap();
    assert!(prepared.preview().contains("Authorization: Bearer gp_live_… (22 characters)"), "{}", prepared.preview());
}

#[test]
fn the_preview_shows_the_stored_fingerprint_and_says_when_a_signature_goes_instead() {
    let p = profile(AuthKind::Bearer);
    let (text, _) = preview(&RequestDraft::get("/v1/me"), &p, Some("…VwXy")).unwrap();
    assert!(text.contains("Authorization: Bearer …VwXy\n"), "{text}");
    let (text, _) = preview(&RequestDraft::get("/v1/me"), &p, None).unwrap();
    assert!(text.contains("Authorization: Bearer (from the keychain)"), "{text}");
    let mut key = profile(AuthKind::ApiKey);
    if let AuthMethod::ApiKey { placement, name, .. } = &mut key.auth {
        *placement = KeyPlacement::Query;
        *name = "api_key".to_owned();
    }
    let (text, _) = preview(&RequestDraft::get("/v1/me?page=2"), &key, Some("…VwXy")).unwrap();
    assert!(text.starts_with("GET https://api.example.com/v1/me?page=2&api_key=…VwXy\n"), "{text}");
    let digest = profile(AuthKind::Digest);
    let (text, _) = preview(&RequestDraft::get("/v1/me"), &digest, Some("…VwXy")).unwrap();
    assert!(text.contains("Authorization: Digest (signed when sent)"), "{text}");
    assert!(!text.contains("VwXy"), "{text}");
}

#[test]
fn a_path_without_its_leading_slash_goes_under_the_base_url() {
    let p = profile(AuthKind::None);
    assert_eq!(resolve_url(&RequestDraft::get("v1/me"), &p).unwrap().as_str(), "https://api.example.com/v1/me");
    assert_eq!(
        resolve_url(&RequestDraft::get("orders?page=2"), &p).unwrap().as_str(),
        "https://api.example.com/orders?page=2"
    );
    assert_eq!(resolve_url(&RequestDraft::get("api.other.test/v1"), &p).unwrap().as_str(), "https://api.other.test/v1");
    assert_eq!(resolve_url(&RequestDraft::get("localhost/x"), &p).unwrap().as_str(), "https://localhost/x");
}

#[test]
fn variables_resolve_and_fail_clearly() {
    let p = profile(AuthKind::None);
    assert_eq!(resolve_variables("{{ base_url }}/t/{{tenant}}", "x", &p).unwrap(), "https://api.example.com/t/acme");
    assert_eq!(
        resolve_variables("/t/{{tenantt}}", "x", &p),
        Err(PrepareError::UnknownVariable { name: "tenantt".into() })
    );
    assert_eq!(
        resolve_variables("/t/{{tenant", "the address", &p),
        Err(PrepareError::UnclosedVariable { place: "the address".into() })
    );
    let message = PrepareError::UnknownVariable { name: "tenantt".into() }.to_string();
    assert!(message.starts_with("The variable {{tenantt}} is not defined"), "{message}");
}

#[test]
fn url_errors_say_what_is_wrong() {
    let p = profile(AuthKind::None);
    let cases: [(&str, PrepareError); 4] = [
        ("", PrepareError::EmptyUrl),
        ("ftp://files.example.com/x", PrepareError::UnsupportedScheme { scheme: "ftp".into() }),
        (
            "http://exa mple.com/",
            PrepareError::InvalidUrl {
                url: "http://exa mple.com/".into(),
                reason: "the host name has a character it cannot have".into(),
            },
        ),
        (
            "https://api.example.com:99999/",
            PrepareError::InvalidUrl {
                url: "https://api.example.com:99999/".into(),
                reason: "the port number is not valid".into(),
            },
        ),
    ];
    for (url, expected) in cases {
        assert_eq!(resolve_url(&RequestDraft::get(url), &p).unwrap_err(), expected, "url {url:?}");
    }
    assert_eq!(
        resolve_url(&RequestDraft::get("api.example.com/v1"), &p).unwrap().as_str(),
        "https://api.example.com/v1"
    );
}

#[test]
fn header_slips_are_named() {
    let p = profile(AuthKind::None);
    let mut draft = RequestDraft::get("/v1/me");
    draft.headers.push(KeyValue::new("X-Trace", "abc\n"));
    assert_eq!(prepare(&draft, &p, None).unwrap_err(), PrepareError::HeaderValueLineBreak { name: "X-Trace".into() });
    draft.headers[0] = KeyValue::new("Bad Name", "x");
    assert_eq!(prepare(&draft, &p, None).unwrap_err(), PrepareError::InvalidHeaderName { name: "Bad Name".into() });
}

#[test]
fn pasted_token_with_trailing_newline_is_named() {
    let p = profile(AuthKind::Bearer);
    let err = prepare(&RequestDraft::get("/v1/me"), &p, Some(&Secret::new("eyJabc.def.ghi\n"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The profile's access token ends with a line break. This often happens when a key is pasted with the line after it. Edit the profile and paste the value again without it."
    );
}

#[test]
fn missing_secret_is_named() {
    let p = profile(AuthKind::ApiKey);
    assert_eq!(
        prepare(&RequestDraft::get("/v1/me"), &p, None).unwrap_err(),
        PrepareError::MissingSecret { what: "API key".into() }
    );
    let mut draft = RequestDraft::get("/v1/me");
    draft.send_credential = false;
    assert!(prepare(&draft, &p, None).unwrap().credential.is_none());
}

#[test]
fn invalid_json_points_at_the_error() {
    let p = profile(AuthKind::None);
    let mut draft = RequestDraft::get("/v1/orders");
    draft.method = Method::Post;
    draft.body = BodyDraft::Json { text: "{\n  \"a\": 1,\n  \"b\": }".into() };
    assert_eq!(
        prepare(&draft, &p, None).unwrap_err(),
        PrepareError::InvalidJson { message: "expected value".into(), line: 3, column: 8 }
    );
    draft.body = BodyDraft::Json { text: "{\"a\": 1}".into() };
    let prepared = prepare(&draft, &p, None).unwrap();
    assert_eq!(prepared.headers, vec![("Content-Type".to_owned(), "application/json".to_owned())]);
}

#[test]
fn gates_for_production_writes_and_foreign_hosts() {
    let mut p = profile(AuthKind::ApiKey);
    p.environment = Environment::Production;
    p.name = "Shop — Production".into();
    let key = Secret::new("gp_live_abcdefghijkl");
    let mut draft = RequestDraft::get("/v1/orders");
    assert!(prepare(&draft, &p, Some(&key)).unwrap().gates(&p).is_empty());
    draft.method = Method::Post;
    assert_eq!(
        prepare(&draft, &p, Some(&key)).unwrap().gates(&p),
        vec![Gate::ProductionWrite { method: Method::Post, profile: "Shop — Production".into() }]
    );
    draft.method = Method::Get;
    draft.url = "https://api.other.com/v1".into();
    let gates = prepare(&draft, &p, Some(&key)).unwrap().gates(&p);
    assert_eq!(gates.len(), 1);
    assert_eq!(
        gates[0].question(),
        "This would send your Production API key to https://api.other.com, which is not one of this profile's allowed hosts."
    );
    draft.send_credential = false;
    assert!(prepare(&draft, &p, Some(&key)).unwrap().gates(&p).is_empty());
}

#[test]
fn history_draft_hides_hand_typed_credentials() {
    let mut draft = RequestDraft::get("https://api.example.com/v1?access_token=CANARY_abcdefgh1234");
    draft.headers.push(KeyValue::new("Authorization", "Bearer CANARY_abcdefgh5678"));
    draft.query.push(KeyValue::new("api_key", "CANARY_abcdefgh9999"));
    let stored = serde_json::to_string(&redacted_draft(&draft, &Rule::detector())).unwrap();
    assert!(!stored.contains("CANARY"), "{stored}");
    assert!(stored.contains("Bearer …5678"), "{stored}");
}

#[test]
fn body_secrets_are_filled_in_the_way_each_body_is_written() {
    let mut values = BTreeMap::new();
    values.insert("cs".to_owned(), Secret::new("a\"b&c d"));
    let json = BodyDraft::Json { text: String::new() };
    let filled = fill_secret_variables(br#"{"client_secret": "{{secret:cs}}"}"#, &json, &values).unwrap();
    assert_eq!(String::from_utf8(filled).unwrap(), r#"{"client_secret": "a\"b&c d"}"#);
    let form = BodyDraft::Form { fields: vec![] };
    let filled = fill_secret_variables(b"client_secret=%7B%7Bsecret%3Acs%7D%7D&x=1", &form, &values).unwrap();
    assert_eq!(String::from_utf8(filled).unwrap(), "client_secret=a%22b%26c+d&x=1");
    let raw = BodyDraft::Raw { content_type: "text/plain".into(), text: String::new() };
    assert_eq!(fill_secret_variables(b"[{{secret:cs}}]", &raw, &values).unwrap(), b"[a\"b&c d]");
    assert_eq!(fill_secret_variables(b"{{secret:other}}", &raw, &values).unwrap_err(), "other");
}
