//! The OAuth 2 grants a person approves, end to end against the practice sign-in server:
//! authorization code with PKCE (a stand-in browser follows the consent page over HTTP), the
//! device grant (approved over HTTP while Gatepass polls), refresh tokens with rotation, and
//! their failures in plain words; through the library and through the `gatepass` binary, with
//! the refresh token checked to appear in no file and no output.

use crate::common;

use gatepass::core::exchange::RequestId;
use gatepass::core::oauth::{CachedToken, GrantError, GrantStep};
use gatepass::core::profile::{AuthMethod, Environment, Profile, SecretRef, UserSignIn};
use gatepass::core::request::RequestDraft;
use gatepass::core::secret::Secret;
use gatepass::infra::http::HttpClient;
use gatepass::infra::keychain::{MemoryStore, SecretStore as _};
use gatepass::infra::oauth::TokenHttp;
use gatepass::practice::{PracticeConfig, PracticeEnv, PracticeGrant, PracticeServer, SignInTimings, public_client};
use gatepass::workspace::{
    Browser, CancelSignal, ForeignHostChoice, PracticeUrls, SendRequest, SignInHow, SignInOptions, SignInPrompt,
    TokenPolicy, Workspace, WorkspaceError, cancel_pair,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn practice(rt: &tokio::runtime::Runtime, sign_in: SignInTimings) -> PracticeServer {
    let config = PracticeConfig { sandbox_port: 0, production_port: 0, sign_in, ..PracticeConfig::default() };
    rt.block_on(PracticeServer::start(config)).unwrap()
}

/// Quick device polling for tests: a code good for 20 s, polled every second.
fn quick() -> SignInTimings {
    SignInTimings {
        device_code_lifetime_secs: 20,
        device_interval_secs: 1,
        device_min_poll_secs: 1,
        ..SignInTimings::default()
    }
}

fn workspace(dir: &std::path::Path) -> (Arc<Workspace>, Arc<MemoryStore>) {
    let ws = common::workspace(dir);
    let store = Arc::new(MemoryStore::default());
    ws.set_secret_store(store.clone());
    (ws, store)
}

fn settings_for(server: &PracticeServer, profile: &Profile, device: bool) -> UserSignIn {
    let base = server.base_url(PracticeEnv::Sandbox);
    let mut settings = UserSignIn::new(&profile.id);
    settings.authorization_url =
        if device { format!("{base}/oauth/device_authorization") } else { format!("{base}/oauth/authorize") };
    settings.token_url = format!("{base}/oauth/token");
    public_client(PracticeEnv::Sandbox).client_id.clone_into(&mut settings.client_id);
    settings.scopes = vec!["orders:read".into(), "profile:read".into()];
    settings
}

fn sign_in_profile(server: &PracticeServer, ws: &Workspace, name: &str, device: bool) -> Profile {
    let mut p = Profile::new(name, Environment::Sandbox, server.base_url(PracticeEnv::Sandbox));
    let settings = settings_for(server, &p, device);
    p.auth = if device { AuthMethod::OAuthDevice(settings) } else { AuthMethod::OAuthAuthorizationCode(settings) };
    ws.save_profile(&p, None).unwrap();
    p
}

fn cache_slot(profile: &Profile) -> SecretRef {
    profile.auth.token_cache().unwrap().clone()
}

fn cached(store: &MemoryStore, profile: &Profile) -> CachedToken {
    CachedToken::from_keychain_value(&store.get(&cache_slot(profile)).unwrap().unwrap()).unwrap()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn grants(server: &PracticeServer, grant: PracticeGrant) -> u64 {
    server.grants_issued(PracticeEnv::Sandbox, grant)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

// ---- the stand-in browser -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Person {
    Approves,
    Denies,
    /// Never comes back (closed the tab).
    WalksAway,
    /// Approves, but something swaps the `state` on the way back.
    ApprovesStateTampered,
    /// Approves a sign-in whose PKCE challenge someone swapped for their own.
    ApprovesChallengeSwapped,
    /// Opens the page with a redirect address that is not loopback (the app registered another).
    RedirectElsewhere,
}

/// The sign-in address the browser was asked to open, and the last page it showed (status, HTML).
type Seen = (Option<String>, Option<(u16, String)>);

/// Follows the consent page over HTTP as a person would, and records what it saw.
struct StandInBrowser {
    person: Person,
    handle: tokio::runtime::Handle,
    /// The sign-in address it was asked to open, and the last page it showed.
    seen: Arc<Mutex<Seen>>,
}

impl StandInBrowser {
    fn new(person: Person, rt: &tokio::runtime::Runtime) -> Arc<Self> {
        Arc::new(Self { person, handle: rt.handle().clone(), seen: Arc::default() })
    }

    fn opened_url(&self) -> String {
        self.seen.lock().unwrap().0.clone().unwrap()
    }

    fn last_page(&self) -> Option<(u16, String)> {
        self.seen.lock().unwrap().1.clone()
    }

    /// The last page once it contains `text` (the browser reads it a moment after Gatepass
    /// writes it), or whatever it is after five seconds.
    fn page_with(&self, text: &str) -> (u16, String) {
        for _ in 0..100 {
            if let Some(page) = self.last_page().filter(|(_, html)| html.contains(text)) {
                return page;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.last_page().unwrap_or_default()
    }
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name { value.to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

impl Browser for StandInBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        let person = self.person;
        let seen = self.seen.clone();
        seen.lock().unwrap().0 = Some(url.to_owned());
        let mut url = url.to_owned();
        match person {
            Person::ApprovesChallengeSwapped => {
                url = with_param(&url, "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
            }
            Person::RedirectElsewhere => url = with_param(&url, "redirect_uri", "https://app.example.com/callback"),
            _ => {}
        }
        self.handle.spawn(async move {
            let http = no_redirects();
            let page = http.get(&url).send().await.unwrap();
            let status = page.status().as_u16();
            let html = page.text().await.unwrap();
            seen.lock().unwrap().1 = Some((status, html.clone()));
            if person == Person::WalksAway || status != 200 {
                return;
            }
            let request = html.split("name=\"request\" value=\"").nth(1).unwrap().split('"').next().unwrap();
            let origin = url::Url::parse(&url).unwrap().origin().ascii_serialization();
            let decision = if person == Person::Denies { "deny" } else { "approve" };
            let answer = http
                .post(format!("{origin}/oauth/authorize"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("request={request}&decision={decision}"))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), 303);
            let mut back = answer.headers()["location"].to_str().unwrap().to_owned();
            if person == Person::ApprovesStateTampered {
                back = with_param(&back, "state", "someone-elses-state");
            }
            let page = http.get(&back).send().await.unwrap();
            let status = page.status().as_u16();
            seen.lock().unwrap().1 = Some((status, page.text().await.unwrap()));
        });
        Ok(())
    }
}

type Prompts = Arc<Mutex<Vec<SignInPrompt>>>;

fn how(browser: Arc<dyn Browser>, timeout: Duration, prompts: &Prompts, cancel: CancelSignal) -> SignInHow {
    let prompts = prompts.clone();
    SignInHow {
        browser,
        options: SignInOptions { browser_timeout: timeout },
        prompt: Arc::new(move |p| prompts.lock().unwrap().push(p)),
        cancel,
    }
}

fn send(rt: &tokio::runtime::Runtime, ws: &Arc<Workspace>, profile: &Profile, path: &str) -> u16 {
    common::response_of(common::send_draft(rt, ws, &profile.id, RequestDraft::get(path)).unwrap()).0
}

// ---- authorization code with PKCE --------------------------------------------------------

#[test]
fn sample_profile_signs_in_with_the_browser_then_refreshes_with_rotation() {
    let rt = common::runtime();
    let server = practice(&rt, SignInTimings::default());
    let dir = tempfile::tempdir().unwrap();
    let (ws, store) = workspace(dir.path());
    ws.ensure_sample_workspace(&PracticeUrls::from(&server)).unwrap();
    let profile = ws.profile_named("Practice — Sign in with browser (Sandbox)").unwrap();
    assert!(matches!(profile.auth, AuthMethod::OAuthAuthorizationCode(_)));

    // Before anyone signed in, a send cannot get a token on its own: it says to sign in.
    let request = SendRequest {
        id: RequestId(1),
        profile: profile.id.clone(),
        draft: RequestDraft::get("/v1/me"),
        production_write_confirmed: false,
        foreign_host: ForeignHostChoice::Ask,
        origin: gatepass::workspace::SendOrigin::Manual,
        required_scopes: Vec::new(),
    };
    let error = rt.block_on(ws.send(request)).unwrap_err();
    assert!(matches!(error, WorkspaceError::Grant(GrantError::SignInNeeded { .. })), "{error:?}");
    assert!(error.to_string().starts_with("This profile needs a person to sign in"), "{error}");

    let browser = StandInBrowser::new(Person::Approves, &rt);
    let prompts = Prompts::default();
    let (_, info) = rt
        .block_on(ws.obtain_token(
            &profile.id,
            TokenPolicy::ReuseIfFresh,
            how(browser.clone(), Duration::from_secs(20), &prompts, CancelSignal::never()),
        ))
        .unwrap();
    assert!(!info.reused);
    assert!(info.has_refresh_token);
    let refresh_life = info.refresh_expires_at.unwrap() - info.obtained_at;
    assert!((8 * 3600 - 2..=8 * 3600).contains(&refresh_life), "{refresh_life}");
    assert_eq!(grants(&server, PracticeGrant::AuthorizationCode), 1);

    // The browser was sent to the consent page with PKCE S256 and a loopback redirect, and was
    // answered with a page that says it can be closed.
    let opened = url::Url::parse(&browser.opened_url()).unwrap();
    let param = |name: &str| opened.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param("client_id").as_deref(), Some("gp-sandbox-desktop"));
    assert!(param("redirect_uri").unwrap().starts_with("http://127.0.0.1:"));
    assert!(param("state").is_some_and(|s| s.len() >= 16));
    let (status, page) = browser.page_with("You can close this tab");
    assert_eq!(status, 200);
    assert!(page.contains("You can close this tab and go back to Gatepass."), "{page}");
    let [SignInPrompt::Browser { opened: true, .. }] = prompts.lock().unwrap().as_slice() else {
        panic!("prompts: {:?}", prompts.lock().unwrap())
    };

    // The token works, and is reused while fresh.
    assert_eq!(send(&rt, &ws, &profile, "/v1/me"), 200);
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 1);
    let first = cached(&store, &profile);
    let first_refresh = first.refresh_token.clone().unwrap();

    // Shortly before expiry the refresh token is used, not the person, and it is replaced.
    let aging = CachedToken { expires_at: Some(now() + 30), ..first.clone() };
    store.set(&cache_slot(&profile), &aging.to_keychain_value()).unwrap();
    assert_eq!(send(&rt, &ws, &profile, "/v1/orders"), 200);
    assert_eq!(grants(&server, PracticeGrant::RefreshToken), 1);
    assert_eq!(grants(&server, PracticeGrant::AuthorizationCode), 1, "the person was asked again");
    let second = cached(&store, &profile);
    let second_refresh = second.refresh_token.clone().unwrap();
    assert!(second_refresh.expose() != first_refresh.expose(), "the refresh token was not rotated");
    assert!(second.expires_at.unwrap() >= now() + 590, "the cache still holds the aging token");

    // The replaced refresh token no longer works (rotation), at the wire.
    let base = server.base_url(PracticeEnv::Sandbox);
    let reply = rt.block_on(async {
        let r = no_redirects()
            .post(format!("{base}/oauth/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=refresh_token&client_id=gp-sandbox-desktop&refresh_token={}",
                first_refresh.expose()
            ))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    assert_eq!(reply.0, 400);
    assert!(reply.1.contains("\"error\":\"invalid_grant\""), "{}", reply.1);
    assert!(reply.1.contains("already used and replaced by a new one (rotation)"), "{}", reply.1);

    // A token the API refuses (401 invalid_token): refreshed once, and the request sent again.
    let spoiled = CachedToken { access_token: Secret::new("not-a-token-the-api-issued"), ..second };
    store.set(&cache_slot(&profile), &spoiled.to_keychain_value()).unwrap();
    assert_eq!(send(&rt, &ws, &profile, "/v1/me"), 200);
    assert_eq!(grants(&server, PracticeGrant::RefreshToken), 2);
    assert_eq!(grants(&server, PracticeGrant::ClientCredentials), 0);

    // The refresh token lives in the keychain only.
    let third = cached(&store, &profile);
    for (path, bytes) in common::all_files(dir.path()) {
        for canary in [&first_refresh, &second_refresh, third.refresh_token.as_ref().unwrap()] {
            assert!(!common::contains(&bytes, canary.expose()), "a refresh token is in {}", path.display());
        }
    }
    assert!(!format!("{third:?}").contains(third.refresh_token.as_ref().unwrap().expose()));
}

#[test]
fn an_older_sample_workspace_gets_the_sign_in_profile_once() {
    let rt = common::runtime();
    let server = practice(&rt, SignInTimings::default());
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    let urls = PracticeUrls::from(&server);
    ws.ensure_sample_workspace(&urls).unwrap();
    let name = "Practice — Sign in with browser (Sandbox)";
    let sign_in = ws.profile_named(name).unwrap();
    ws.delete_profile(&sign_in.id).unwrap();
    // As written by a version that offered three samples.
    let path = dir.path().join("config").join("profiles.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut table: toml::Table = text.parse().unwrap();
    table.insert(
        "samples_offered".into(),
        toml::Value::Array(vec!["sandbox".into(), "production".into(), "sandbox_oauth".into()]),
    );
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    ws.ensure_sample_workspace(&urls).unwrap();
    let added = ws.profile_named(name).unwrap();
    let AuthMethod::OAuthAuthorizationCode(settings) = &added.auth else { panic!("{:?}", added.auth) };
    assert_eq!(settings.authorization_url, format!("{}/oauth/authorize", server.base_url(PracticeEnv::Sandbox)));
    assert_eq!(settings.client_id, "gp-sandbox-desktop");
    // Deleted on purpose: it stays deleted.
    ws.delete_profile(&added.id).unwrap();
    ws.ensure_sample_workspace(&urls).unwrap();
    assert!(ws.profile_named(name).is_err());
    // The signed-JWT sample, new since three were offered, was added once too.
    assert_eq!(ws.load_profiles().unwrap().file.profiles.len(), gatepass::workspace::SAMPLE_PROFILE_COUNT - 1);
}

#[test]
fn a_refresh_token_the_server_refuses_is_explained_and_the_person_is_asked_next_time() {
    let rt = common::runtime();
    let server = practice(&rt, SignInTimings::default());
    let dir = tempfile::tempdir().unwrap();
    let (ws, store) = workspace(dir.path());
    let profile = sign_in_profile(&server, &ws, "Browser", false);
    let stale = CachedToken {
        access_token: Secret::new("old-access-token"),
        token_type: "Bearer".into(),
        obtained_at: now() - 3600,
        expires_at: Some(now() - 10),
        scopes: vec![],
        refresh_token: Some(Secret::new("gp_rt_switched_off")),
        refresh_expires_at: None,
    };
    store.set(&cache_slot(&profile), &stale.to_keychain_value()).unwrap();
    let error = rt.block_on(ws.access_token(&profile.id, TokenPolicy::ReuseIfFresh)).unwrap_err();
    let WorkspaceError::Grant(GrantError::Refused { step: GrantStep::Refresh, code, .. }) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(code, "invalid_grant");
    let words = error.to_string();
    assert!(
        words.starts_with("The saved sign-in has run out: the sign-in server no longer accepts the refresh token"),
        "{words}"
    );
    assert!(words.contains("Sign in again with Get new token."), "{words}");
    assert!(!words.contains("gp_rt_switched_off"), "{words}");

    // "Get new token" (obtain_token) falls back to the person: here, the stand-in browser.
    let browser = StandInBrowser::new(Person::Approves, &rt);
    let (_, info) = rt
        .block_on(ws.obtain_token(
            &profile.id,
            TokenPolicy::ReuseIfFresh,
            how(browser, Duration::from_secs(20), &Prompts::default(), CancelSignal::never()),
        ))
        .unwrap();
    assert!(info.has_refresh_token);
    assert_eq!(grants(&server, PracticeGrant::AuthorizationCode), 1);
    assert_eq!(grants(&server, PracticeGrant::RefreshToken), 0);
}

fn sign_in_with(person: Person, timeout: Duration) -> (Result<(), WorkspaceError>, Arc<StandInBrowser>) {
    let rt = common::runtime();
    let server = practice(&rt, SignInTimings::default());
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    let profile = sign_in_profile(&server, &ws, "Browser", false);
    let browser = StandInBrowser::new(person, &rt);
    let result = rt
        .block_on(ws.obtain_token(
            &profile.id,
            TokenPolicy::GetNew,
            how(browser.clone(), timeout, &Prompts::default(), CancelSignal::never()),
        ))
        .map(|_| ());
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 0);
    (result, browser)
}

#[test]
fn deny_on_the_consent_page_is_access_denied_in_plain_words() {
    let (result, browser) = sign_in_with(Person::Denies, Duration::from_secs(20));
    let error = result.unwrap_err();
    let WorkspaceError::Grant(GrantError::Refused { step: GrantStep::Authorize, code, .. }) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(code, "access_denied");
    assert!(error.to_string().starts_with("The sign-in was denied on the approval page, so there is no token."));
    assert!(browser.page_with("Sign-in not completed").1.contains("Sign-in not completed"));
}

#[test]
fn a_state_that_does_not_match_is_rejected() {
    let (result, browser) = sign_in_with(Person::ApprovesStateTampered, Duration::from_secs(20));
    let error = result.unwrap_err();
    assert!(matches!(error, WorkspaceError::Grant(GrantError::StateMismatch)), "{error:?}");
    assert!(error.to_string().contains("(the state value did not match)"), "{error}");
    let (status, page) = browser.page_with("This answer does not belong");
    assert_eq!(status, 400);
    assert!(page.contains("This answer does not belong to the sign-in"), "{page}");
}

#[test]
fn the_pkce_verifier_is_checked() {
    let (result, _) = sign_in_with(Person::ApprovesChallengeSwapped, Duration::from_secs(20));
    let error = result.unwrap_err();
    let WorkspaceError::Grant(GrantError::Refused { step: GrantStep::AuthorizationCode, code, description }) = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(code, "invalid_grant");
    assert_eq!(description.as_deref(), Some("The code_verifier does not match the code_challenge (PKCE check failed)"));
    assert!(error.to_string().contains("not match the proof Gatepass sent with it (the PKCE code verifier)"));
}

#[test]
fn a_redirect_address_that_is_not_registered_gets_an_error_page_and_the_wait_times_out_and_closes() {
    let (result, browser) = sign_in_with(Person::RedirectElsewhere, Duration::from_secs(2));
    let (status, page) = browser.last_page().unwrap();
    assert_eq!(status, 400, "the server must show an error page, never redirect");
    assert!(page.contains("The redirect address is not allowed"), "{page}");
    assert!(page.contains("(redirect URI mismatch)"), "{page}");
    let error = result.unwrap_err();
    assert!(matches!(error, WorkspaceError::Grant(GrantError::BrowserTimeout { secs: 2 })), "{error:?}");
    let words = error.to_string();
    assert!(words.starts_with("Nobody finished the sign-in in the browser within 2 seconds"), "{words}");
    assert!(words.contains("an error about the redirect address (redirect URI)"), "{words}");

    // The listener is closed: nothing answers at its port any more.
    let opened = url::Url::parse(&browser.opened_url()).unwrap();
    let redirect = opened.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "port {port} still answers");
}

#[test]
fn a_browser_that_never_comes_back_times_out_and_cancel_stops_the_wait() {
    let (result, browser) = sign_in_with(Person::WalksAway, Duration::from_secs(1));
    assert!(matches!(result, Err(WorkspaceError::Grant(GrantError::BrowserTimeout { secs: 1 }))), "{result:?}");
    assert!(browser.page_with("Approve").1.contains("Approve"), "the consent page was not shown");

    let rt = common::runtime();
    let server = practice(&rt, SignInTimings::default());
    let dir = tempfile::tempdir().unwrap();
    let (ws, _) = workspace(dir.path());
    let profile = sign_in_profile(&server, &ws, "Browser", false);
    let browser = StandInBrowser::new(Person::WalksAway, &rt);
    let (handle, signal) = cancel_pair();
    let started = std::time::Instant::now();
    let task = rt.spawn({
        let ws = ws.clone();
        let how = how(browser.clone(), Duration::from_mins(1), &Prompts::default(), signal);
        async move { ws.obtain_token(&profile.id, TokenPolicy::GetNew, how).await.map(|_| ()) }
    });
    std::thread::sleep(Duration::from_millis(500));
    handle.cancel();
    let result = rt.block_on(task).unwrap();
    assert!(matches!(result, Err(WorkspaceError::Grant(GrantError::Cancelled))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let opened = url::Url::parse(&browser.opened_url()).unwrap();
    let redirect = opened.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "port {port} still answers");
}

#[test]
fn the_practice_sign_in_page_checks_the_client_and_the_redirect_before_anything_else() {
    let rt = common::runtime();
    let server = practice(&rt, SignInTimings::default());
    let base = server.base_url(PracticeEnv::Sandbox);
    let get = |query: &str| {
        rt.block_on(async {
            let r = no_redirects().get(format!("{base}/oauth/authorize?{query}")).send().await.unwrap();
            let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
            (r.status().as_u16(), location, r.text().await.unwrap())
        })
    };
    let loopback = "redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback";
    let (status, location, page) = get(&format!("response_type=code&client_id=nobody&{loopback}"));
    assert_eq!((status, location), (400, None));
    assert!(page.contains("This app is not known here"), "{page}");
    let (status, location, page) =
        get("response_type=code&client_id=gp-sandbox-desktop&redirect_uri=http%3A%2F%2Flocalhost.evil%2Fcb");
    assert_eq!((status, location), (400, None));
    assert!(page.contains("redirect URI mismatch"), "{page}");
    // Without PKCE the error goes back to the app, with its state.
    let (status, location, _) = get(&format!("response_type=code&client_id=gp-sandbox-desktop&{loopback}&state=s1"));
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(location.starts_with("http://127.0.0.1:5000/callback?error=invalid_request"), "{location}");
    assert!(location.ends_with("&state=s1"), "{location}");
    // With everything right: the consent page, in plain words, with both buttons.
    let (status, _, page) = get(&format!(
        "response_type=code&client_id=gp-sandbox-desktop&{loopback}&state=s1&code_challenge=abc&code_challenge_method=S256&scope=orders%3Aread"
    ));
    assert_eq!(status, 200);
    assert!(page.contains("<strong>Gatepass Desktop (practice)</strong>"), "{page}");
    assert!(page.contains("See your orders <span class=\"muted\">(orders:read)</span>"), "{page}");
    assert!(page.contains(">Approve</button>") && page.contains(">Deny</button>"), "{page}");
}

// ---- device grant ---------------------------------------------------------------------------

/// Approve or deny a user code on the practice `/device` page, as a person would.
async fn decide(base: &str, user_code: &str, decision: &str) -> String {
    let http = no_redirects();
    let page = http.get(format!("{base}/device?user_code={user_code}")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Approve the device"), "{page}");
    http.post(format!("{base}/device"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("user_code={user_code}&decision={decision}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Run the device grant through the library; the person decides `after` the code is shown.
fn device_grant(
    timings: SignInTimings,
    decision: Option<&'static str>,
    after: Duration,
) -> (Result<(CachedToken, gatepass::infra::sign_in::DeviceReport), GrantError>, Vec<SignInPrompt>, PracticeServer) {
    let rt = common::runtime();
    let server = practice(&rt, timings);
    let base = server.base_url(PracticeEnv::Sandbox);
    let p = Profile::new("Device", Environment::Sandbox, &base);
    let settings = settings_for(&server, &p, true);
    let prompts = Prompts::default();
    let handle = rt.handle().clone();
    let seen = prompts.clone();
    let prompt = move |p: SignInPrompt| {
        if let (SignInPrompt::Device { user_code, .. }, Some(decision)) = (&p, decision) {
            let (base, code) = (base.clone(), user_code.clone());
            handle.spawn(async move {
                tokio::time::sleep(after).await;
                decide(&base, &code, decision).await;
            });
        }
        seen.lock().unwrap().push(p);
    };
    let http = HttpClient::new().unwrap();
    let result = rt.block_on(gatepass::infra::sign_in::device(
        &TokenHttp::new(&http),
        &settings,
        None,
        &prompt,
        CancelSignal::never(),
    ));
    let prompts = prompts.lock().unwrap().clone();
    (result, prompts, server)
}

#[test]
fn device_grant_shows_the_code_at_once_waits_while_pending_then_gets_tokens() {
    let (result, prompts, server) = device_grant(quick(), Some("approve"), Duration::from_millis(1500));
    let (token, report) = result.unwrap();
    let [SignInPrompt::Device { user_code, verification_uri, verification_uri_complete, expires_at, interval_secs }] =
        prompts.as_slice()
    else {
        panic!("{prompts:?}")
    };
    assert_eq!(user_code.len(), 9);
    assert_eq!(verification_uri, &format!("{}/device", server.base_url(PracticeEnv::Sandbox)));
    assert_eq!(
        verification_uri_complete.as_deref(),
        Some(format!("{verification_uri}?user_code={user_code}").as_str())
    );
    assert!((expires_at - now() - 20).abs() <= 2);
    assert_eq!(*interval_secs, 1);
    // At least one authorization_pending answer, each followed by a wait of the interval.
    assert!(!report.waits_secs.is_empty() && report.waits_secs.iter().all(|w| *w == 1), "{report:?}");
    assert!(token.refresh_token.is_some());
    assert_eq!(token.scopes, vec!["orders:read", "profile:read"]);
    assert_eq!(grants(&server, PracticeGrant::DeviceCode), 1);
}

#[test]
fn device_grant_slow_down_adds_five_seconds() {
    // The server wants 2 s between polls but says 1: the second poll gets slow_down.
    let timings = SignInTimings { device_min_poll_secs: 2, ..quick() };
    let (result, _, server) = device_grant(timings, Some("approve"), Duration::from_millis(2500));
    let (_, report) = result.unwrap();
    assert_eq!(report.waits_secs.first(), Some(&1), "{report:?}");
    assert_eq!(report.waits_secs.get(1), Some(&6), "slow_down did not add 5 s: {report:?}");
    assert_eq!(grants(&server, PracticeGrant::DeviceCode), 1);
}

#[test]
fn device_grant_denied_stops_with_access_denied() {
    let (result, _, server) = device_grant(quick(), Some("deny"), Duration::from_millis(500));
    let error = result.unwrap_err();
    assert!(
        matches!(&error, GrantError::Refused { step: GrantStep::Device, code, .. } if code == "access_denied"),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("The sign-in was denied on the approval page"));
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 0);
}

#[test]
fn device_grant_code_that_runs_out_stops_with_expired_token() {
    let timings = SignInTimings { device_code_lifetime_secs: 2, ..quick() };
    let (result, _, _) = device_grant(timings, None, Duration::ZERO);
    let error = result.unwrap_err();
    assert!(
        matches!(&error, GrantError::Refused { step: GrantStep::Device, code, .. } if code == "expired_token"),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("The code ran out before anyone approved it. Start again to get a new code"));
}

#[test]
fn a_device_address_that_answers_a_web_page_is_named_as_such() {
    let rt = common::runtime();
    let server = practice(&rt, quick());
    let p = Profile::new("Device", Environment::Sandbox, server.base_url(PracticeEnv::Sandbox));
    let mut settings = settings_for(&server, &p, true);
    // The page where a person types the code, not the device authorization endpoint.
    settings.authorization_url = format!("{}/device", server.base_url(PracticeEnv::Sandbox));
    let http = HttpClient::new().unwrap();
    let error = rt
        .block_on(gatepass::infra::sign_in::device(
            &TokenHttp::new(&http),
            &settings,
            None,
            &|_| {},
            CancelSignal::never(),
        ))
        .unwrap_err();
    assert!(matches!(error, GrantError::Html { status: 400 }), "{error:?}");
    assert_eq!(grants(&server, PracticeGrant::DeviceCode), 0);
}

#[test]
fn device_profile_through_the_workspace_then_refresh() {
    let rt = common::runtime();
    let server = practice(&rt, quick());
    let dir = tempfile::tempdir().unwrap();
    let (ws, store) = workspace(dir.path());
    let profile = sign_in_profile(&server, &ws, "Device", true);
    let base = server.base_url(PracticeEnv::Sandbox);
    let handle = rt.handle().clone();
    let how = SignInHow {
        browser: Arc::new(gatepass::workspace::NoBrowser),
        options: SignInOptions::default(),
        prompt: Arc::new(move |p| {
            if let SignInPrompt::Device { user_code, .. } = p {
                let base = base.clone();
                handle.spawn(async move { decide(&base, &user_code, "approve").await });
            }
        }),
        cancel: CancelSignal::never(),
    };
    rt.block_on(ws.obtain_token(&profile.id, TokenPolicy::ReuseIfFresh, how)).unwrap();
    assert_eq!(send(&rt, &ws, &profile, "/v1/me"), 200);
    let aging = CachedToken { expires_at: Some(now() + 5), ..cached(&store, &profile) };
    store.set(&cache_slot(&profile), &aging.to_keychain_value()).unwrap();
    assert_eq!(send(&rt, &ws, &profile, "/v1/me"), 200);
    assert_eq!(grants(&server, PracticeGrant::DeviceCode), 1);
    assert_eq!(grants(&server, PracticeGrant::RefreshToken), 1);
}

// ---- the gatepass binary --------------------------------------------------------------------

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every refresh token cached for this config directory, read from the (private) keychain.
fn refresh_tokens_in_keychain(config: &std::path::Path, profile: &str) -> Vec<String> {
    let paths = gatepass::infra::store::Paths { config_dir: config.to_owned(), data_dir: config.join("data") };
    let ws = Workspace::open(paths).unwrap();
    ws.connect_keychain().unwrap();
    let p = ws.profile_named(profile).unwrap();
    let value = ws.read_secret(p.auth.token_cache().unwrap()).unwrap().unwrap();
    let token = CachedToken::from_keychain_value(&value).unwrap();
    vec![token.refresh_token.unwrap().expose().to_owned(), token.access_token.expose().to_owned()]
}

#[test]
fn cli_device_grant_prints_the_code_polls_and_leaks_no_refresh_token() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = practice(&rt, quick());
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let add = common::run_gatepass(
        dir.path(),
        &[
            "profile",
            "add",
            "TV app",
            "--base-url",
            &base,
            "--auth",
            "oauth-device",
            "--device-authorization-url",
            &format!("{base}/oauth/device_authorization"),
            "--token-url",
            &format!("{base}/oauth/token"),
            "--client-id",
            "gp-sandbox-desktop",
            "--scope",
            "orders:read",
        ],
        None,
    );
    assert_eq!(add.status.code(), Some(0), "{}", text(&add.stderr));
    assert!(text(&add.stdout).contains("It has no client secret"), "{}", text(&add.stdout));

    let (child, rx, reader) = common::spawn_gatepass(dir.path(), &["token", "get", "--profile", "TV app"]);
    let intro = common::wait_for_line(&rx, |l| l.contains("and type this code:"));
    assert_eq!(intro, format!("To sign in, open {base}/device on any device and type this code:"));
    let code_line = common::wait_for_line(&rx, |l| !l.trim().is_empty());
    let user_code = code_line.trim().to_owned();
    assert_eq!(user_code.len(), 9, "{code_line}");
    std::thread::sleep(Duration::from_millis(1200));
    let page = rt.block_on(decide(&base, &user_code, "approve"));
    assert!(page.contains("You approved the device."), "{page}");
    let out = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with(&format!("Got a new access token for \"TV app\" from {base}/oauth/token.")), "{stdout}");
    assert!(stdout.contains("Permissions:  orders:read\n"), "{stdout}");
    assert!(stdout.contains("Renewal:      a refresh token is kept in the keychain, in 7 h"), "{stdout}");
    assert_eq!(grants(&server, PracticeGrant::DeviceCode), 1);

    // The next run reuses the token: no code, nobody asked.
    let again = common::run_gatepass(dir.path(), &["token", "get", "--profile", "TV app"], None);
    assert!(text(&again.stdout).starts_with("Reused the access token"), "{}", text(&again.stdout));
    assert!(!text(&again.stderr).contains("type this code"));

    let show = common::run_gatepass(dir.path(), &["profile", "show", "TV app"], None);
    let shown = text(&show.stdout);
    assert!(
        shown.contains("Device URL:      ") && shown.contains("Secret:          none (a public client)"),
        "{shown}"
    );
    assert!(shown.contains(", renews itself with a refresh token"), "{shown}");

    // Canary: the refresh token (and the access token) appear in no file and no output.
    for canary in refresh_tokens_in_keychain(dir.path(), "TV app") {
        for (path, bytes) in common::all_files(dir.path()) {
            assert!(!common::contains(&bytes, &canary), "a token is in {}", path.display());
        }
        for output in [&stdout, &stderr, &text(&again.stdout), &text(&again.stderr), &shown] {
            assert!(!output.contains(&canary), "a token was printed");
        }
    }
}

#[test]
fn cli_browser_sign_in_without_a_browser_prints_the_address_and_takes_the_answer() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = practice(&rt, SignInTimings::default());
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let add = common::run_gatepass(
        dir.path(),
        &[
            "profile",
            "add",
            "Desktop",
            "--base-url",
            &base,
            "--auth",
            "oauth-authorization-code",
            "--authorization-url",
            &format!("{base}/oauth/authorize"),
            "--token-url",
            &format!("{base}/oauth/token"),
            "--client-id",
            "gp-sandbox-desktop",
        ],
        None,
    );
    assert_eq!(add.status.code(), Some(0), "{}", text(&add.stderr));

    let (child, rx, reader) = common::spawn_gatepass(
        dir.path(),
        &["token", "get", "--profile", "Desktop", "--no-browser", "--timeout", "30"],
    );
    let intro = common::wait_for_line(&rx, |l| l.starts_with("Open this address in a browser to sign in"));
    assert_eq!(
        intro,
        "Open this address in a browser to sign in (Gatepass did not open one: you asked Gatepass not to open a browser):"
    );
    let url = common::wait_for_line(&rx, |l| l.trim().starts_with("http")).trim().to_owned();
    assert!(url.starts_with(&format!("{base}/oauth/authorize?")), "{url}");
    // The test is the browser.
    let browser = StandInBrowser::new(Person::Approves, &rt);
    browser.open(&url).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Waiting up to 30 seconds for you to approve… (Ctrl+C stops)"), "{stderr}");
    assert!(text(&out.stdout).starts_with("Got a new access token for \"Desktop\""), "{}", text(&out.stdout));
    assert_eq!(grants(&server, PracticeGrant::AuthorizationCode), 1);
    assert!(browser.page_with("You can close this tab").1.contains("You can close this tab"));

    let send = common::run_gatepass(dir.path(), &["send", "--profile", "Desktop", "/v1/me"], None);
    assert_eq!(send.status.code(), Some(0), "{}", text(&send.stderr));
    for canary in refresh_tokens_in_keychain(dir.path(), "Desktop") {
        for (path, bytes) in common::all_files(dir.path()) {
            assert!(!common::contains(&bytes, &canary), "a token is in {}", path.display());
        }
        for output in [&text(&out.stdout), &stderr, &text(&send.stdout), &text(&send.stderr)] {
            assert!(!output.contains(&canary), "a token was printed");
        }
    }
}
