//! Integration tests of the embedded practice API over real loopback HTTP.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};

use base64::Engine as _;
use gatepass::practice::{
    DemoKind, PracticeConfig, PracticeEnv, PracticeServer, TokenSpec, demo_credentials, mint_token,
};
use serde_json::Value;

const SANDBOX: PracticeEnv = PracticeEnv::Sandbox;
const PRODUCTION: PracticeEnv = PracticeEnv::Production;

async fn start() -> PracticeServer {
    PracticeServer::start(PracticeConfig { sandbox_port: 0, production_port: 0, ..PracticeConfig::default() })
        .await
        .unwrap()
}

struct Reply {
    status: u16,
    challenges: Vec<String>,
    content_type: String,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    fn error(&self) -> String {
        self.json()["error"].as_str().unwrap().to_owned()
    }
    fn description(&self) -> String {
        self.json()["error_description"].as_str().unwrap().to_owned()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn send(method: reqwest::Method, url: &str, headers: &[(&str, &str)], body: Option<(&str, &str)>) -> Reply {
    let mut req = client().request(method, url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some((content_type, body)) = body {
        req = req.header("content-type", content_type).body(body.to_owned());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let challenges =
        resp.headers().get_all("www-authenticate").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let content_type = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = resp.text().await.unwrap();
    Reply { status, challenges, content_type, text }
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    send(reqwest::Method::GET, url, headers, None).await
}

fn api_key(id: &str) -> &'static str {
    demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            DemoKind::ApiKey { value, .. } if c.id == id => Some(value),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no demo key {id}"))
}

fn basic(env: PracticeEnv) -> (&'static str, &'static str) {
    demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            DemoKind::Basic { username, password } if c.env == env => Some((username, password)),
            _ => None,
        })
        .unwrap()
}

fn basic_header(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

fn token(env: PracticeEnv, scopes: &[&str], expires_in: i64, not_before_in: i64) -> String {
    mint_token(
        env,
        &TokenSpec {
            subject: "alice".to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_in_secs: expires_in,
            not_before_in_secs: not_before_in,
            audience: None,
        },
    )
    .unwrap()
}

fn key_id(env: PracticeEnv) -> &'static str {
    match env {
        PracticeEnv::Sandbox => "sandbox-api-key",
        PracticeEnv::Production => "production-api-key",
    }
}

/// URL, headers, expected `method`, expected `authenticated_as`.
type MeCase<'a> = (String, Vec<(&'a str, &'a str)>, &'static str, String);

const FULL: &[&str] = &["orders:read", "orders:write", "profile:read"];

#[tokio::test]
async fn me_accepts_every_method_in_each_environment() {
    let server = start().await;
    for env in [SANDBOX, PRODUCTION] {
        let me = format!("{}/v1/me", server.base_url(env));
        let key = api_key(key_id(env));
        let (user, password) = basic(env);
        let bearer = format!("Bearer {}", token(env, FULL, 600, 0));
        let basic = basic_header(user, password);
        let cases: Vec<MeCase> = vec![
            (me.clone(), vec![("x-api-key", key)], "api_key", key_id(env).to_owned()),
            (format!("{me}?api_key={key}"), vec![], "api_key", key_id(env).to_owned()),
            (me.clone(), vec![("authorization", basic.as_str())], "basic", user.to_owned()),
            (me.clone(), vec![("authorization", bearer.as_str())], "bearer", "alice".to_owned()),
        ];
        for (url, headers, method, who) in cases {
            let reply = get(&url, &headers).await;
            assert_eq!(reply.status, 200, "{env} {method}: {}", reply.text);
            let body = reply.json();
            assert_eq!(body["environment"], env.as_str());
            assert_eq!(body["method"], method);
            assert_eq!(body["authenticated_as"], who.as_str());
            assert_eq!(body["scopes"], serde_json::json!(["orders:read", "orders:write", "profile:read"]));
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn missing_credential_offers_bearer_and_basic() {
    let server = start().await;
    let reply = get(&format!("{}/v1/me", server.base_url(SANDBOX)), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.challenges,
        vec!["Bearer realm=\"gatepass-practice-sandbox\"", "Basic realm=\"gatepass-practice-sandbox\""]
    );
    assert_eq!(reply.error(), "missing_credential");
    assert_eq!(reply.json()["environment"], "sandbox");
    assert_eq!(reply.content_type, "application/json");
}

#[tokio::test]
async fn each_malformed_slip_is_named() {
    let server = start().await;
    let me = format!("{}/v1/me", server.base_url(SANDBOX));
    let jwt = token(SANDBOX, FULL, 600, 0);
    let key = api_key("sandbox-api-key");
    let cases: Vec<(String, &str)> = vec![
        (
            jwt.clone(),
            "The Authorization header has no scheme word: it starts with the credential itself. \
             Put 'Bearer ' (for a token) or 'Basic ' (for user:password in base64) in front of it",
        ),
        (
            key.to_owned(),
            "The Authorization header has no scheme word: it starts with the credential itself. \
             Put 'Bearer ' (for a token) or 'Basic ' (for user:password in base64) in front of it",
        ),
        (format!("Bearer Bearer {jwt}"), "The scheme word 'Bearer' appears twice ('Bearer Bearer ...'); send it once"),
        (format!("Bearer \"{jwt}\""), "The credential is wrapped in quote marks; send it without them"),
        (format!("\"Bearer {jwt}\""), "The credential is wrapped in quote marks; send it without them"),
        (
            format!("Bearer {jwt} extra"),
            "The credential contains a space after the token; everything after the scheme word \
             must be one unbroken value",
        ),
        (
            format!("Bearer {jwt}\\n"),
            "The credential contains a literal \\n (an escaped line break copied from JSON or a \
             shell); remove it",
        ),
        (format!("Bearer {jwt}%0A"), "The credential contains %0A (a URL-encoded line break); remove it"),
        (
            format!("Token {jwt}"),
            "The Authorization scheme 'Token' is not supported here; use Bearer or Basic, or \
             send an API key in the X-Api-Key header",
        ),
    ];
    for (value, description) in cases {
        let reply = get(&me, &[("authorization", value.as_str())]).await;
        assert_eq!(reply.status, 401, "{value}");
        assert_eq!(reply.error(), "malformed_credential", "{value}");
        assert_eq!(reply.description(), description, "{value}");
        assert_eq!(reply.challenges.len(), 2, "{value}");
        assert!(
            reply.challenges[0].starts_with("Bearer realm=\"gatepass-practice-sandbox\", error=\"invalid_request\""),
            "{:?}",
            reply.challenges
        );
        assert_eq!(reply.challenges[1], "Basic realm=\"gatepass-practice-sandbox\"");
    }
    // The header form of the escaped line break stays header-safe.
    let reply = get(&me, &[("authorization", &format!("Bearer {jwt}\\n"))]).await;
    assert!(reply.challenges[0].contains("a literal backslash-n"));
}

#[tokio::test]
async fn keys_of_the_other_environment_are_named() {
    let server = start().await;
    for (env, key, owner) in [
        (PRODUCTION, api_key("sandbox-api-key"), "sandbox"),
        (SANDBOX, api_key("production-api-key"), "production"),
        (SANDBOX, api_key("production-revoked-key"), "production"),
    ] {
        let reply = get(&format!("{}/v1/me", server.base_url(env)), &[("x-api-key", key)]).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.error(), "wrong_environment");
        let body = reply.json();
        assert_eq!(body["environment"], env.as_str());
        assert_eq!(body["credential_environment"], owner);
        assert!(
            reply.description().starts_with(&format!("This API key belongs to the {owner} environment")),
            "{}",
            reply.description()
        );
        assert_eq!(reply.challenges.len(), 1);
        assert!(reply.challenges[0].contains("error=\"invalid_token\""));
    }
}

#[tokio::test]
async fn revoked_and_unknown_keys() {
    let server = start().await;
    let me = format!("{}/v1/me", server.base_url(SANDBOX));
    let reply = get(&me, &[("x-api-key", api_key("sandbox-revoked-key"))]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), "key_revoked");
    assert_eq!(reply.description(), "This API key was revoked; use an active sandbox key instead");

    let reply = get(&me, &[("x-api-key", "gp_test_sbx_000000000000000000000000")]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), "invalid_key");

    let reply = get(&format!("{me}?api_key=not-a-key-at-all"), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), "invalid_key");
    assert_eq!(reply.description(), "This is not an API key this API issued: sandbox keys start with gp_test_");
}

#[tokio::test]
async fn broken_tokens_are_invalid_token_with_a_reason() {
    let server = start().await;
    let me = format!("{}/v1/me", server.base_url(SANDBOX));
    let cases = [
        (token(SANDBOX, FULL, -60, -3600), "invalid_token", "The access token expired"),
        (
            token(SANDBOX, FULL, 7200, 3600),
            "invalid_token",
            "The access token is not valid yet (its nbf time is in the future)",
        ),
        (
            token(PRODUCTION, FULL, 600, 0),
            "wrong_environment",
            "The access token was signed by the production environment, but this is the sandbox API",
        ),
        (
            "aaa.bbb.ccc".to_owned(),
            "invalid_token",
            "The access token is not a JWT (expected three base64url parts separated by dots)",
        ),
    ];
    for (tok, code, description) in cases {
        let reply = get(&me, &[("authorization", &format!("Bearer {tok}"))]).await;
        assert_eq!(reply.status, 401, "{description}");
        assert_eq!(reply.error(), code);
        assert_eq!(reply.description(), description);
        assert_eq!(
            reply.challenges,
            vec![format!(
                "Bearer realm=\"gatepass-practice-sandbox\", error=\"invalid_token\", \
                 error_description=\"{description}\""
            )]
        );
    }
}

#[tokio::test]
async fn demo_token_route_vends_each_kind() {
    let server = start().await;
    let base = server.base_url(SANDBOX);
    for (kind, status, code) in [
        ("valid", 200, None),
        ("read_only", 200, None),
        ("expired", 401, Some("invalid_token")),
        ("not_yet_valid", 401, Some("invalid_token")),
        ("wrong_issuer", 401, Some("invalid_token")),
    ] {
        let vended = send(reqwest::Method::POST, &format!("{base}/v1/demo/tokens?kind={kind}"), &[], None).await;
        assert_eq!(vended.status, 200);
        let body = vended.json();
        assert_eq!(body["token_type"], "Bearer");
        let tok = body["access_token"].as_str().unwrap();
        let reply = get(&format!("{base}/v1/me"), &[("authorization", &format!("Bearer {tok}"))]).await;
        assert_eq!(reply.status, status, "{kind}: {}", reply.text);
        if let Some(code) = code {
            assert_eq!(reply.error(), code);
        }
    }
    let reply = send(reqwest::Method::POST, &format!("{base}/v1/demo/tokens?kind=nope"), &[], None).await;
    assert_eq!(reply.status, 400);
}

#[tokio::test]
async fn read_only_token_cannot_write_orders() {
    let server = start().await;
    let orders = format!("{}/v1/orders", server.base_url(SANDBOX));
    let read_only = format!("Bearer {}", token(SANDBOX, &["orders:read", "profile:read"], 600, 0));
    let reply = get(&orders, &[("authorization", &read_only)]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["orders"].as_array().unwrap().len(), 3);

    let reply = send(
        reqwest::Method::POST,
        &orders,
        &[("authorization", &read_only)],
        Some(("application/json", "{\"item\":\"x\"}")),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error(), "insufficient_scope");
    assert_eq!(reply.challenges.len(), 1);
    assert!(reply.challenges[0].contains("error=\"insufficient_scope\""));
    assert!(reply.challenges[0].contains("scope=\"orders:write\""));
}

#[tokio::test]
async fn writing_orders_echoes_json_and_rejects_other_bodies() {
    let server = start().await;
    let orders = format!("{}/v1/orders", server.base_url(PRODUCTION));
    let key = api_key("production-api-key");
    let reply = send(
        reqwest::Method::POST,
        &orders,
        &[("x-api-key", key)],
        Some(("application/json", "{\"item\":\"widget\",\"quantity\":3}")),
    )
    .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["order"], serde_json::json!({"item": "widget", "quantity": 3}));

    let reply = send(reqwest::Method::POST, &orders, &[("x-api-key", key)], Some(("text/plain", "widget"))).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.text, "POST /v1/orders needs a JSON body with Content-Type: application/json\n");
}

#[tokio::test]
async fn admin_reports_are_forbidden_without_a_challenge() {
    let server = start().await;
    let reply =
        get(&format!("{}/v1/admin/reports", server.base_url(SANDBOX)), &[("x-api-key", api_key("sandbox-api-key"))])
            .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error(), "forbidden");
    assert!(reply.challenges.is_empty());
}

#[tokio::test]
async fn wrong_basic_password_gets_a_basic_challenge() {
    let server = start().await;
    let (user, _) = basic(SANDBOX);
    let reply =
        get(&format!("{}/v1/me", server.base_url(SANDBOX)), &[("authorization", &basic_header(user, "wrong"))]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), "invalid_password");
    assert_eq!(reply.description(), "The password for user 'sandbox-user' is wrong");
    assert_eq!(reply.challenges, vec!["Basic realm=\"gatepass-practice-sandbox\""]);
}

#[tokio::test]
async fn echo_masks_credentials() {
    let server = start().await;
    let key = api_key("sandbox-api-key");
    let jwt = token(SANDBOX, FULL, 600, 0);
    let reply = send(
        reqwest::Method::PUT,
        &format!("{}/v1/echo?api_key={key}&x=1&access_token={jwt}", server.base_url(SANDBOX)),
        &[("x-api-key", key), ("authorization", &format!("Bearer {jwt}")), ("cookie", "session=abcdefghijklmnop")],
        Some(("text/plain", "hello")),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(!reply.text.contains(key), "{}", reply.text);
    assert!(!reply.text.contains(&jwt));
    assert!(!reply.text.contains("abcdefghijklmnop"));
    let body = reply.json();
    let masked = format!("gp_test_…{}", &key[key.len() - 4..]);
    assert_eq!(body["method"], "PUT");
    assert_eq!(body["path"], "/v1/echo");
    assert_eq!(body["query"]["api_key"], masked.as_str());
    assert_eq!(body["query"]["x"], "1");
    assert_eq!(body["query"]["access_token"], format!("eyJ…{}", &jwt[jwt.len() - 4..]).as_str());
    assert_eq!(body["headers"]["x-api-key"], masked.as_str());
    assert_eq!(body["headers"]["authorization"], format!("Bearer eyJ…{}", &jwt[jwt.len() - 4..]).as_str());
    assert_eq!(body["headers"]["cookie"], "session=…mnop");
    assert_eq!(body["body_length"], 5);
}

#[tokio::test]
async fn big_binary_slow_redirect_and_status() {
    let server = start().await;
    let base = server.base_url(SANDBOX);

    let big = get(&format!("{base}/v1/big?mb=1"), &[]).await;
    assert_eq!(big.status, 200);
    assert_eq!(big.content_type, "application/json");
    assert!(big.text.len() >= 1_000_000);
    assert!(big.json().as_array().unwrap().len() > 1000);

    let resp = client().get(format!("{base}/v1/binary?kb=2")).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"].to_str().unwrap(), "application/octet-stream");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(bytes.len(), 2048);
    assert!(bytes.contains(&0));
    assert!(std::str::from_utf8(&bytes).is_err());

    let started = std::time::Instant::now();
    let slow = get(&format!("{base}/v1/slow?ms=150"), &[]).await;
    assert_eq!(slow.status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));

    let resp = client().get(format!("{base}/v1/redirect-away")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("http://localhost:{}/v1/echo", server.addr(SANDBOX).port())
    );

    let teapot = get(&format!("{base}/v1/status/418"), &[]).await;
    assert_eq!(teapot.status, 418);
    let empty = get(&format!("{base}/v1/status/204"), &[]).await;
    assert_eq!(empty.status, 204);
    assert_eq!(empty.text, "");
    let bad = get(&format!("{base}/v1/status/42"), &[]).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn index_and_routes_list_everything() {
    let server = start().await;
    let base = server.base_url(PRODUCTION);
    let routes = get(&format!("{base}/routes"), &[]).await;
    assert_eq!(routes.status, 200);
    let list = routes.json();
    let paths: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"/v1/me"));
    assert!(paths.contains(&"/v1/admin/reports"));
    let index = get(&format!("{base}/"), &[]).await;
    assert_eq!(index.status, 200);
    assert!(index.text.contains("production-api-key"));
    assert!(!index.text.contains(api_key("production-api-key")));
}

#[tokio::test]
async fn falls_back_to_a_free_port_when_taken() {
    let taken = TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let server = PracticeServer::start(PracticeConfig {
        sandbox_port: port,
        production_port: 0,
        fallback_to_free_port: true,
        ..PracticeConfig::default()
    })
    .await
    .unwrap();
    assert_ne!(server.addr(SANDBOX).port(), port);
    let reply = get(&format!("{}/routes", server.base_url(SANDBOX)), &[]).await;
    assert_eq!(reply.status, 200);
    server.shutdown().await;

    let err = PracticeServer::start(PracticeConfig {
        sandbox_port: port,
        production_port: 0,
        fallback_to_free_port: false,
        ..PracticeConfig::default()
    })
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("address in use"), "{message}");
    drop(taken);
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let server = start().await;
    let addr = server.addr(SANDBOX);
    drop(server);
    let mut stopped = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            stopped = true;
            break;
        }
    }
    assert!(stopped, "still accepting on {addr}");
}
