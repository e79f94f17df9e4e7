//! OAuth 2 client credentials end to end: the practice sign-in server on the wire, the grant
//! through the library (cached, reused, renewed, retried after a refused token), its errors in
//! plain words, and the `gatepass` binary (`profile add`, `token get`, `send`), with a canary
//! client secret that must appear nowhere; and the same grant against `oauth2-mock-server`, an
//! implementation nobody here wrote, whose RS256 tokens are checked against its key set (JWKS).

use crate::common;

use gatepass::core::exchange::RequestId;
use gatepass::core::oauth::{CachedToken, GrantError};
use gatepass::core::profile::{AuthMethod, ClientAuth, ClientCredentials, Environment, Profile};
use gatepass::core::request::RequestDraft;
use gatepass::core::secret::Secret;
use gatepass::infra::keychain::{MemoryStore, SecretStore as _};
use gatepass::practice::{DemoKind, PracticeEnv, PracticeServer, demo_credentials};
use gatepass::workspace::{
    ForeignHostChoice, PracticeUrls, SendOutcome, SendRequest, TokenPolicy, Workspace, WorkspaceError,
};
use std::sync::Arc;

const INVALID_CLIENT_WORDS: &str =
    "The sign-in server did not accept the client ID or secret. Copy them again from the app's settings.";

fn demo_client(id: &str) -> (&'static str, &'static str) {
    demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            DemoKind::OAuthClient { client_id, client_secret, .. } if c.id == id => Some((client_id, client_secret)),
            _ => None,
        })
        .unwrap()
}

/// A workspace whose secret store the test can also reach, to age or spoil the cached token.
fn workspace(dir: &std::path::Path) -> (Arc<Workspace>, Arc<MemoryStore>) {
    let ws = common::workspace(dir);
    let store = Arc::new(MemoryStore::default());
    ws.set_secret_store(store.clone());
    (ws, store)
}

fn send(
    rt: &tokio::runtime::Runtime,
    ws: &Arc<Workspace>,
    profile: &Profile,
    path: &str,
) -> Result<u16, WorkspaceError> {
    Ok(common::response_of(common::send_draft(rt, ws, &profile.id, RequestDraft::get(path))?).0)
}

fn oauth_profile(
    server: &PracticeServer,
    ws: &Workspace,
    client_auth: ClientAuth,
    client: &str,
    secret: &str,
    scopes: &[&str],
) -> Profile {
    let base = server.base_url(PracticeEnv::Sandbox);
    let mut p = Profile::new(format!("OAuth {client_auth:?} {secret}"), Environment::Sandbox, &base);
    let mut settings = ClientCredentials::new(&p.id);
    settings.token_url = format!("{base}/oauth/token");
    client.clone_into(&mut settings.client_id);
    settings.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
    settings.client_auth = client_auth;
    p.auth = AuthMethod::OAuthClientCredentials(settings);
    ws.save_profile(&p, Some(&Secret::new(secret))).unwrap();
    p
}

fn cache_slot(profile: &Profile) -> gatepass::core::profile::SecretRef {
    match &profile.auth {
        AuthMethod::OAuthClientCredentials(settings) => settings.token_cache.clone(),
        _ => panic!("not an OAuth profile"),
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[test]
fn sample_oauth_profile_gets_a_token_reuses_it_renews_it_and_retries_once() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let (ws, store) = workspace(dir.path());
    ws.ensure_sample_workspace(&PracticeUrls::from(&server)).unwrap();
    let profile = ws.profile_named("Practice — OAuth (Sandbox)").unwrap();
    let issued = || server.tokens_issued(PracticeEnv::Sandbox);
    assert_eq!(issued(), 0);

    // First send: the grant runs (Basic client authentication), the API accepts the token.
    assert_eq!(send(&rt, &ws, &profile, "/v1/me").unwrap(), 200);
    assert_eq!(issued(), 1);
    let cached = CachedToken::from_keychain_value(&store.get(&cache_slot(&profile)).unwrap().unwrap()).unwrap();
    assert_eq!(cached.scopes, vec!["orders:read", "orders:write", "profile:read"]);
    let lifetime = cached.expires_at.unwrap() - cached.obtained_at;
    assert_eq!(lifetime, 600, "the practice tokens last 10 minutes");

    // Second send: the cached token is reused; the token endpoint is not asked again.
    assert_eq!(send(&rt, &ws, &profile, "/v1/orders").unwrap(), 200);
    assert_eq!(issued(), 1, "a second send asked for a new token");
    let (_, info) = rt.block_on(ws.access_token(&profile.id, TokenPolicy::ReuseIfFresh)).unwrap();
    assert!(info.reused);
    assert_eq!(info.fingerprint, cached.access_token.fingerprint());
    assert_eq!(issued(), 1);

    // A token that expires within a minute is replaced before the send.
    let aging = CachedToken { expires_at: Some(now() + 30), ..cached.clone() };
    store.set(&cache_slot(&profile), &aging.to_keychain_value()).unwrap();
    assert_eq!(send(&rt, &ws, &profile, "/v1/me").unwrap(), 200);
    assert_eq!(issued(), 2, "a token about to expire was reused");
    let renewed = CachedToken::from_keychain_value(&store.get(&cache_slot(&profile)).unwrap().unwrap()).unwrap();
    assert!(renewed.expires_at.unwrap() >= now() + 590, "the cache still holds the old token");

    // A token the API refuses (401 invalid_token) although its expiry looks fine: a new token is
    // obtained once and the request sent again.
    let spoiled = CachedToken { access_token: Secret::new("not-a-token-the-api-issued"), ..renewed };
    store.set(&cache_slot(&profile), &spoiled.to_keychain_value()).unwrap();
    assert_eq!(send(&rt, &ws, &profile, "/v1/me").unwrap(), 200);
    assert_eq!(issued(), 3);

    // "Get new token" always asks.
    let (_, info) = rt.block_on(ws.access_token(&profile.id, TokenPolicy::GetNew)).unwrap();
    assert!(!info.reused);
    assert_eq!(issued(), 4);

    // The token lives in the keychain only: not in the profiles file, not in history.
    let token = ws.profile_token(&profile.id).unwrap().unwrap();
    let (_, client_secret) = demo_client("sandbox-oauth-client");
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, token.expose()), "the access token is in {}", path.display());
        assert!(!common::contains(&bytes, client_secret), "the client secret is in {}", path.display());
    }
}

#[test]
fn form_body_client_authentication_works_and_asks_for_fewer_scopes() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    let (client, secret) = demo_client("sandbox-oauth-reader");
    let profile = oauth_profile(&server, &ws, ClientAuth::RequestBody, client, secret, &["orders:read"]);
    let (_, info) = rt.block_on(ws.access_token(&profile.id, TokenPolicy::ReuseIfFresh)).unwrap();
    assert!(!info.reused);
    assert_eq!(info.scopes, vec!["orders:read"]);
    assert!(info.fingerprint.starts_with("eyJ…"), "{}", info.fingerprint);
    assert_eq!(send(&rt, &ws, &profile, "/v1/orders").unwrap(), 200);
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 1);
}

#[test]
fn a_wrong_client_secret_is_explained_in_plain_words_with_either_client_authentication() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    let (client, _) = demo_client("sandbox-oauth-client");
    for client_auth in [ClientAuth::BasicHeader, ClientAuth::RequestBody] {
        let profile = oauth_profile(&server, &ws, client_auth, client, "gp_test_cs_wrong_secret_0000", &[]);
        let error = send(&rt, &ws, &profile, "/v1/me").unwrap_err();
        let WorkspaceError::Grant(GrantError::Endpoint { code, .. }) = &error else { panic!("{error:?}") };
        assert_eq!(code, "invalid_client");
        let text = error.to_string();
        assert!(text.starts_with(INVALID_CLIENT_WORDS), "{client_auth:?}: {text}");
        assert!(text.contains("The client secret for client 'gp-sandbox-app' is wrong"), "{text}");
        assert!(ws.recent_history(10).unwrap().is_empty(), "a request went out without a token");
    }
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 0);
}

#[test]
fn a_scope_the_client_may_not_have_is_named() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    let (client, secret) = demo_client("sandbox-oauth-reader");
    let profile =
        oauth_profile(&server, &ws, ClientAuth::BasicHeader, client, secret, &["orders:read", "orders:write"]);
    let error = rt.block_on(ws.access_token(&profile.id, TokenPolicy::ReuseIfFresh)).unwrap_err();
    let WorkspaceError::Grant(GrantError::Endpoint { code, .. }) = &error else { panic!("{error:?}") };
    assert_eq!(code, "invalid_scope");
    let text = error.to_string();
    assert!(
        text.starts_with(
            "The sign-in server refused the permissions (scopes) asked for: orders:read orders:write. Check their spelling"
        ),
        "{text}"
    );
    assert!(text.contains("may not ask for: orders:write"), "{text}");
}

#[test]
fn a_token_url_that_answers_a_web_page_is_named_as_such() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    // A sign-in page where the token endpoint should be.
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .fallback(|| async { axum::response::Html("<!doctype html><html><body><form>Sign in</form></body></html>") });
    rt.spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    let (client, secret) = demo_client("sandbox-oauth-client");
    let mut profile = oauth_profile(&server, &ws, ClientAuth::BasicHeader, client, secret, &[]);
    if let AuthMethod::OAuthClientCredentials(settings) = &mut profile.auth {
        settings.token_url = format!("http://{addr}/login");
    }
    ws.save_profile(&profile, None).unwrap();
    let error = rt.block_on(ws.access_token(&profile.id, TokenPolicy::ReuseIfFresh)).unwrap_err();
    assert!(matches!(error, WorkspaceError::Grant(GrantError::Html { status: 200 })), "{error:?}");
    assert!(
        error.to_string().starts_with("The token URL answered with a web page (HTML, status 200), not with a token.")
    );

    // A token URL that is not a URL at all.
    if let AuthMethod::OAuthClientCredentials(settings) = &mut profile.auth {
        settings.token_url = "login.example.com/token".into();
    }
    ws.save_profile(&profile, None).unwrap();
    let error = rt.block_on(ws.access_token(&profile.id, TokenPolicy::ReuseIfFresh)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "The token URL \"login.example.com/token\" is not a valid address. Use the full address, starting with https://."
    );
}

#[test]
fn an_audience_for_another_api_is_sent_and_the_refusal_explained() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let (ws, store) = workspace(dir.path());
    let (client, secret) = demo_client("sandbox-oauth-client");
    let mut profile = oauth_profile(&server, &ws, ClientAuth::RequestBody, client, secret, &["orders:read"]);
    if let AuthMethod::OAuthClientCredentials(settings) = &mut profile.auth {
        settings.audience = Some("https://billing.example.com".into());
    }
    ws.save_profile(&profile, None).unwrap();
    let request = SendRequest {
        id: RequestId(1),
        profile: profile.id.clone(),
        draft: RequestDraft::get("/v1/me"),
        production_write_confirmed: false,
        foreign_host: ForeignHostChoice::Ask,
        origin: gatepass::workspace::SendOrigin::Manual,
        required_scopes: Vec::new(),
    };
    let SendOutcome::Sent { exchange, explained, .. } = rt.block_on(ws.send(request)).unwrap() else {
        panic!("not sent")
    };
    assert_eq!(exchange.status(), Some(401));
    // The token was for another API: a new one (same settings) is tried once, then the refusal is explained.
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 2);
    let cached = CachedToken::from_keychain_value(&store.get(&cache_slot(&profile)).unwrap().unwrap()).unwrap();
    let gatepass::core::token::TokenKind::Jwt(jwt) =
        gatepass::core::token::read_token(cached.access_token.expose()).unwrap()
    else {
        panic!("not a JWT")
    };
    assert_eq!(jwt.audience, vec!["https://billing.example.com"]);
    assert_eq!(explained.diagnosis.findings[0].cause, gatepass::core::diagnose::Cause::WrongAudience);
}

#[test]
fn changing_the_settings_forgets_the_cached_token() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let (ws, store) = workspace(dir.path());
    let (client, secret) = demo_client("sandbox-oauth-client");
    let mut profile = oauth_profile(&server, &ws, ClientAuth::BasicHeader, client, secret, &["orders:read"]);
    rt.block_on(ws.access_token(&profile.id, TokenPolicy::ReuseIfFresh)).unwrap();
    assert!(store.get(&cache_slot(&profile)).unwrap().is_some());
    // Saving with no change keeps it.
    ws.save_profile(&profile, None).unwrap();
    assert!(store.get(&cache_slot(&profile)).unwrap().is_some());
    if let AuthMethod::OAuthClientCredentials(settings) = &mut profile.auth {
        settings.scopes.push("orders:write".into());
    }
    ws.save_profile(&profile, None).unwrap();
    assert_eq!(store.get(&cache_slot(&profile)).unwrap(), None, "a token with the old scopes would be reused");
    ws.delete_profile(&profile.id).unwrap();
    assert_eq!(store.get(&profile.auth.secret_ref().unwrap().clone()).unwrap(), None);
}

// ---- the practice sign-in server on the wire ------------------------------------------------

struct Reply {
    status: u16,
    challenge: Option<String>,
    body: serde_json::Value,
}

fn post_form(rt: &tokio::runtime::Runtime, url: &str, basic: Option<(&str, &str)>, form: &str) -> Reply {
    rt.block_on(async {
        let mut request = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned());
        if let Some((user, pass)) = basic {
            request = request.basic_auth(user, Some(pass));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(response.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
        let body = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        Reply { status, challenge, body }
    })
}

#[test]
fn the_practice_token_endpoint_answers_like_rfc_6749() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let token_url = format!("{}/oauth/token", server.base_url(PracticeEnv::Sandbox));
    let (client, secret) = demo_client("sandbox-oauth-client");

    let ok = post_form(&rt, &token_url, Some((client, secret)), "grant_type=client_credentials&scope=orders%3Aread");
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert_eq!(ok.body["expires_in"], 600);
    assert_eq!(ok.body["scope"], "orders:read");
    let token = ok.body["access_token"].as_str().unwrap().to_owned();

    let wrong_basic = post_form(&rt, &token_url, Some((client, "nope")), "grant_type=client_credentials");
    assert_eq!((wrong_basic.status, wrong_basic.body["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(wrong_basic.challenge.as_deref(), Some("Basic realm=\"gatepass-practice-sandbox\""));

    let wrong_body = post_form(
        &rt,
        &token_url,
        None,
        &format!("grant_type=client_credentials&client_id={client}&client_secret=nope"),
    );
    assert_eq!((wrong_body.status, wrong_body.body["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(wrong_body.challenge, None, "no Basic challenge when Basic was not used");

    let production_client = demo_client("production-oauth-client");
    let elsewhere = post_form(&rt, &token_url, Some(production_client), "grant_type=client_credentials");
    assert_eq!(elsewhere.body["error"], "invalid_client");
    assert!(elsewhere.body["error_description"].as_str().unwrap().contains("belongs to the production environment"));

    let grant = post_form(&rt, &token_url, Some((client, secret)), "grant_type=password&username=a&password=b");
    assert_eq!((grant.status, grant.body["error"].as_str()), (400, Some("unsupported_grant_type")));
    let missing = post_form(&rt, &token_url, Some((client, secret)), "scope=orders%3Aread");
    assert_eq!((missing.status, missing.body["error"].as_str()), (400, Some("invalid_request")));
    let scope = post_form(&rt, &token_url, Some((client, secret)), "grant_type=client_credentials&scope=admin");
    assert_eq!((scope.status, scope.body["error"].as_str()), (400, Some("invalid_scope")));
    let twice = post_form(
        &rt,
        &token_url,
        Some((client, secret)),
        &format!("grant_type=client_credentials&client_id={client}&client_secret={secret}"),
    );
    assert_eq!((twice.status, twice.body["error"].as_str()), (400, Some("invalid_request")));
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 1);

    // The practice page lists the sign-in server and the demo clients' public values.
    let page = rt.block_on(async {
        let response = reqwest::get(server.base_url(PracticeEnv::Sandbox)).await.unwrap();
        String::from_utf8(response.bytes().await.unwrap().to_vec()).unwrap()
    });
    assert!(page.contains("<code>/oauth/token</code>"), "{page}");
    assert!(page.contains(&format!("client ID <code>{client}</code>, client secret <code>{secret}</code>")), "{page}");

    // Introspection (RFC 7662).
    let introspect = format!("{}/oauth/introspect", server.base_url(PracticeEnv::Sandbox));
    let active = post_form(&rt, &introspect, Some((client, secret)), &format!("token={token}"));
    assert_eq!(active.body["active"], true, "{}", active.body);
    assert_eq!(active.body["scope"], "orders:read");
    assert_eq!(active.body["client_id"], client);
    assert!(active.body["exp"].as_i64().unwrap() > now());
    let inactive = post_form(&rt, &introspect, Some((client, secret)), "token=made-up");
    assert_eq!(inactive.body, serde_json::json!({"active": false}));
    let other_env = format!("{}/oauth/introspect", server.base_url(PracticeEnv::Production));
    let foreign = post_form(&rt, &other_env, Some(production_client), &format!("token={token}"));
    assert_eq!(foreign.body["active"], false, "a sandbox token is not active in production");
}

// ---- the binary -----------------------------------------------------------------------------

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn cli_adds_an_oauth_profile_gets_a_token_reuses_it_and_sends() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let token_url = format!("{base}/oauth/token");
    let (client, secret) = demo_client("sandbox-oauth-client");
    let add = |name: &str, client_auth: &str, secret: &str| {
        common::run_gatepass(
            dir.path(),
            &[
                "profile",
                "add",
                name,
                "--base-url",
                &base,
                "--auth",
                "oauth-client-credentials",
                "--token-url",
                &token_url,
                "--client-id",
                client,
                "--client-auth",
                client_auth,
                "--scope",
                "orders:read",
                "--scope",
                "profile:read",
            ],
            Some(&format!("{secret}\n")),
        )
    };
    let out = add("Shop OAuth", "basic", secret);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Its client secret is in the keychain."), "{}", text(&out.stdout));

    let out = common::run_gatepass(dir.path(), &["profile", "show", "Shop OAuth"], None);
    let shown = text(&out.stdout);
    assert!(shown.contains(&format!("Token URL:       {token_url}")), "{shown}");
    assert!(shown.contains("Client ID:       gp-sandbox-app"), "{shown}");
    assert!(shown.contains(&format!("Secret:          gp_test_…{} (in the keychain)", &secret[secret.len() - 4..])));

    assert!(shown.contains("Access token:    none yet"), "{shown}");

    let out = common::run_gatepass(dir.path(), &["token", "get", "--profile", "Shop OAuth"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(&format!("Got a new access token for \"Shop OAuth\" from {token_url}.")), "{stdout}");
    assert!(stdout.contains("Token:        eyJ…"), "{stdout}");
    assert!(stdout.contains("Expires:      in 9 min") || stdout.contains("Expires:      in 10 min"), "{stdout}");
    assert!(stdout.contains("Permissions:  orders:read profile:read"), "{stdout}");
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 1);

    let out = common::run_gatepass(dir.path(), &["token", "get", "--profile", "Shop OAuth", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["reused"], true);
    assert_eq!(json["scopes"], serde_json::json!(["orders:read", "profile:read"]));
    assert!(json["expires_in_secs"].as_i64().unwrap() > 500);
    assert!(!text(&out.stdout).contains("\"eyJhbGci"), "the token itself was printed");

    let out = common::run_gatepass(dir.path(), &["profile", "show", "Shop OAuth"], None);
    assert!(text(&out.stdout).contains("Access token:    eyJ…"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains(" in the keychain, expires in "), "{}", text(&out.stdout));

    let out = common::run_gatepass(dir.path(), &["send", "--profile", "Shop OAuth", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"authenticated_as\":\"gp-sandbox-app\""), "{}", text(&out.stdout));
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 1, "send did not reuse the cached token");

    let out = common::run_gatepass(dir.path(), &["token", "get", "--profile", "Shop OAuth", "--new"], None);
    assert!(text(&out.stdout).starts_with("Got a new access token"), "{}", text(&out.stdout));
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 2);

    // Form-body client authentication, and a wrong secret explained.
    let out = add("Shop OAuth body", "body", secret);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = common::run_gatepass(dir.path(), &["send", "--profile", "Shop OAuth body", "/v1/orders"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 3);
    let out = add("Shop OAuth wrong", "body", "gp_test_cs_not_the_secret");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = common::run_gatepass(dir.path(), &["send", "--profile", "Shop OAuth wrong", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(2), "nothing could be sent");
    assert!(text(&out.stderr).contains(INVALID_CLIENT_WORDS), "{}", text(&out.stderr));
    let out = common::run_gatepass(dir.path(), &["token", "get", "--profile", "Shop OAuth wrong"], None);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains(INVALID_CLIENT_WORDS), "{}", text(&out.stderr));

    // Not an OAuth profile: said plainly.
    let out = common::run_gatepass(
        dir.path(),
        &["profile", "add", "Keyed", "--base-url", &base, "--auth", "api-key"],
        Some("gp_test_sbx_7Qm2Kx9Lb4Tz8Rw1Nc6Vh3Jd\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = common::run_gatepass(dir.path(), &["token", "get", "--profile", "Keyed"], None);
    assert!(
        text(&out.stderr)
            .contains("The profile \"Keyed\" does not get its token from a sign-in server: it uses API key."),
        "{}",
        text(&out.stderr)
    );
    for name in ["Shop OAuth", "Shop OAuth body", "Shop OAuth wrong", "Keyed"] {
        common::run_gatepass(dir.path(), &["profile", "remove", name], None);
    }
}

const CANARY: &str = "gp_test_cs_CANARY4e8b2f6a0c9d";

#[test]
fn a_canary_client_secret_leaks_nowhere() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let token_url = format!("{base}/oauth/token");
    let mut transcript = Vec::new();
    let mut run = |args: &[&str], stdin: &str| {
        let out = common::run_gatepass(dir.path(), &[&["-vvv"], args].concat(), Some(stdin));
        transcript.extend_from_slice(&out.stdout);
        transcript.extend_from_slice(&out.stderr);
        out.status.code()
    };
    for (name, client_auth) in [("Canary basic", "basic"), ("Canary body", "body")] {
        let add = [
            "profile",
            "add",
            name,
            "--base-url",
            &base,
            "--auth",
            "oauth-client-credentials",
            "--token-url",
            &token_url,
            "--client-id",
            "gp-sandbox-app",
            "--client-auth",
            client_auth,
        ];
        assert_eq!(run(&add, CANARY), Some(0));
        assert_ne!(run(&["token", "get", "--profile", name], ""), Some(0), "a canary secret was accepted");
        assert_ne!(run(&["send", "--profile", name, "/v1/me"], ""), Some(0));
        run(&["profile", "show", name], "");
    }
    let files = common::all_files(dir.path());
    for name in ["Canary basic", "Canary body"] {
        run(&["profile", "remove", name], "");
    }
    let transcript = String::from_utf8_lossy(&transcript);
    assert!(transcript.contains(INVALID_CLIENT_WORDS), "{transcript}");
    assert!(transcript.contains("asking the token endpoint"), "the most verbose log level was not on: {transcript}");
    assert!(!transcript.contains(CANARY), "the canary is in the output or logs:\n{transcript}");
    assert!(!transcript.contains(&CANARY[11..]), "part of the canary is in the output or logs:\n{transcript}");
    assert!(files.iter().any(|(p, _)| p.ends_with("profiles.toml")), "no profiles file was written");
    for (path, bytes) in &files {
        assert!(!common::contains(bytes, CANARY), "the canary is in {}", path.display());
        assert!(!common::contains(bytes, &CANARY[11..]), "part of the canary is in {}", path.display());
    }
}

// ---- interoperability with a sign-in server nobody here wrote ---------------------------------

/// A running `oauth2-mock-server` (npm), stopped when dropped.
struct MockServer {
    child: std::process::Child,
    base: String,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `oauth2-mock-server` on a free loopback port, or say why the test is skipped.
fn mock_server() -> Option<MockServer> {
    use std::io::BufRead as _;
    let Some(bin) = std::env::var_os("GATEPASS_OAUTH2_MOCK_SERVER") else {
        if let Some(reason) = std::env::var_os("GATEPASS_SKIP_OAUTH2_MOCK") {
            eprintln!("skipped: oauth2-mock-server is not available ({})", reason.to_string_lossy());
            return None;
        }
        assert!(!common::real_keychain_expected(), "tests/run.sh should have installed oauth2-mock-server");
        eprintln!("skipped: oauth2-mock-server is not installed; tests/run.sh installs it");
        return None;
    };
    let mut child = std::process::Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("oauth2-mock-server did not start");
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    // "OAuth 2 server listening on http://127.0.0.1:PORT"
    let base = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.split_once("listening on ").map(|(_, url)| url.trim().to_owned()))
        .expect("oauth2-mock-server never said where it listens");
    std::thread::spawn(move || lines.for_each(drop));
    Some(MockServer { child, base })
}

#[test]
fn interop_client_credentials_and_jwks_with_oauth2_mock_server() {
    let Some(mock) = mock_server() else { return };
    let rt = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    for client_auth in ClientAuth::ALL {
        let mut p = Profile::new(format!("Mock {client_auth:?}"), Environment::Sandbox, &mock.base);
        let mut settings = ClientCredentials::new(&p.id);
        settings.token_url = format!("{}/token", mock.base);
        settings.client_id = "gatepass-interop".into();
        settings.scopes = vec!["orders:read".into(), "profile:read".into()];
        settings.client_auth = client_auth;
        p.auth = AuthMethod::OAuthClientCredentials(settings);
        ws.save_profile(&p, Some(&Secret::new("interop-client-secret"))).unwrap();

        let (token, info) = rt.block_on(ws.access_token(&p.id, TokenPolicy::ReuseIfFresh)).unwrap();
        assert!(!info.reused);
        assert_eq!(info.scopes, vec!["orders:read", "profile:read"], "{client_auth:?}");
        assert_eq!(info.expires_at.unwrap() - info.obtained_at, 3600, "expires_in was not read");
        let (_, again) = rt.block_on(ws.access_token(&p.id, TokenPolicy::ReuseIfFresh)).unwrap();
        assert!(again.reused, "a fresh token from another server was not reused");

        // Its RS256 signature checks out against the server's key set, fetched by Gatepass.
        let gatepass::core::token::TokenKind::Jwt(jwt) = gatepass::core::token::read_token(token.expose()).unwrap()
        else {
            panic!("oauth2-mock-server gives JWTs")
        };
        assert_eq!(jwt.algorithm.as_deref(), Some("RS256"));
        assert_eq!(jwt.scopes, vec!["orders:read", "profile:read"]);
        let check = rt.block_on(
            ws.check_signature(&jwt, gatepass::workspace::KeySource::KeySetUrl(format!("{}/jwks", mock.base))),
        );
        assert!(
            matches!(check, gatepass::core::token::verify::SignatureCheck::Verified { .. }),
            "{client_auth:?}: {check:?}"
        );
    }

    // Its own refusal, in our words: a grant it does not know.
    let mut p = Profile::new("Mock sign-in page", Environment::Sandbox, &mock.base);
    let mut settings = ClientCredentials::new(&p.id);
    settings.token_url = format!("{}/authorize", mock.base);
    settings.client_id = "gatepass-interop".into();
    p.auth = AuthMethod::OAuthClientCredentials(settings);
    ws.save_profile(&p, Some(&Secret::new("interop-client-secret"))).unwrap();
    let error = rt.block_on(ws.access_token(&p.id, TokenPolicy::ReuseIfFresh)).unwrap_err();
    assert!(
        matches!(error, WorkspaceError::Grant(GrantError::NotAToken { status: 404, .. })),
        "the authorize page is not a token endpoint: {error:?}"
    );
    assert!(error.to_string().starts_with("Nothing answers at the token URL (404 Not Found)."), "{error}");
}

#[test]
fn an_older_sample_workspace_gets_the_oauth_profile_once() {
    const MTLS: &str = "Practice — Client certificate (Sandbox)";
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    let urls = PracticeUrls::from(&server);
    ws.ensure_sample_workspace(&urls).unwrap();
    let names = || ws.load_profiles().unwrap().file.profiles.into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(
        names(),
        vec![
            "Practice — Sandbox",
            "Practice — Production",
            "Practice — OAuth (Sandbox)",
            "Practice — Sign in with browser (Sandbox)",
            "Practice — Signed JWT (Sandbox)",
            MTLS
        ]
    );

    // As written by a version without the OAuth profile: no record of the samples offered.
    let oauth = ws.profile_named("Practice — OAuth (Sandbox)").unwrap();
    ws.delete_profile(&oauth.id).unwrap();
    let path = dir.path().join("config").join("profiles.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut table: toml::Table = text.parse().unwrap();
    let offered = table.remove("samples_offered").unwrap();
    assert_eq!(
        offered,
        toml::Value::Array(vec![
            "sandbox".into(),
            "production".into(),
            "sandbox_oauth".into(),
            "sandbox_sign_in".into(),
            "sandbox_signed_jwt".into(),
            "sandbox_mtls".into()
        ])
    );
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    ws.ensure_sample_workspace(&urls).unwrap();
    // The others are still there, so they are not added twice; the OAuth one comes back.
    assert_eq!(
        names(),
        vec![
            "Practice — Sandbox",
            "Practice — Production",
            "Practice — Sign in with browser (Sandbox)",
            "Practice — Signed JWT (Sandbox)",
            MTLS,
            "Practice — OAuth (Sandbox)"
        ]
    );
    let oauth = ws.profile_named("Practice — OAuth (Sandbox)").unwrap();
    assert_eq!(send(&rt, &ws, &oauth, "/v1/me").unwrap(), 200, "the added profile's secret is in the keychain");

    // Deleted on purpose: it stays deleted.
    ws.delete_profile(&oauth.id).unwrap();
    ws.ensure_sample_workspace(&urls).unwrap();
    assert_eq!(
        names(),
        vec![
            "Practice — Sandbox",
            "Practice — Production",
            "Practice — Sign in with browser (Sandbox)",
            "Practice — Signed JWT (Sandbox)",
            MTLS
        ]
    );
}
