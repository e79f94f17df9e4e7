//! The OAuth 2 grants a person approves, run with the `oauth2` crate over our own reqwest client
//! (the same HTTP function as client credentials, see [`crate::infra::oauth`]):
//!
//! ```text
//! authorization code + PKCE S256 (RFC 6749 §4.1, RFC 7636, RFC 8252)
//!   bind 127.0.0.1:{random port} -> open the browser (or show the address) -> the person approves
//!   -> the browser comes to http://127.0.0.1:{port}/callback?code&state -> state checked
//!   -> "You can close this tab" -> the code and the PKCE verifier swapped for tokens
//!   (a browser that never comes back: timeout, and the listener is closed; cancel likewise)
//! device grant (RFC 8628)
//!   device request -> the user code and the address go to the caller at once
//!   -> poll at the interval, +5 s after slow_down, stop at expired_token / access_denied / cancel
//! refresh (RFC 6749 §6): the refresh token for new tokens; a new refresh token replaces the old
//! ```
//!
//! Nothing here prints or logs a token, a code or a verifier.

use crate::core::exchange::TransportError;
use crate::core::oauth::{CachedToken, GrantError, GrantStep, expiry_from_token};
use crate::core::profile::UserSignIn;
use crate::core::secret::Secret;
use crate::infra::oauth::{Seen, TokenHttp, not_a_token};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, DeviceAuthorizationUrl,
    EmptyExtraDeviceAuthorizationFields, EndpointNotSet, EndpointSet, ErrorResponseType, PkceCodeChallenge,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardDeviceAuthorizationResponse, StandardErrorResponse,
    StandardRevocableToken, StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// How long to wait for the browser to come back, unless told otherwise.
pub const DEFAULT_BROWSER_TIMEOUT_SECS: u64 = 300;
const CALLBACK_PATH: &str = "/callback";

/// The `refresh_expires_in` some servers (Keycloak, the practice server) add to a token answer.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct RefreshExpiry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_expires_in: Option<u64>,
}

impl oauth2::ExtraTokenFields for RefreshExpiry {}

type SignInTokenResponse = StandardTokenResponse<RefreshExpiry, BasicTokenType>;
type NewClient = oauth2::Client<
    BasicErrorResponse,
    SignInTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
>;
type SignInClient<HasAuthUrl, HasDeviceUrl> = oauth2::Client<
    BasicErrorResponse,
    SignInTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuthUrl,
    HasDeviceUrl,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Opens a web page for the person. Tests stand in for the browser by following the consent page
/// over HTTP.
pub trait Browser: Send + Sync {
    /// Open `url`. An error (in plain words) means no browser could be opened: the caller then
    /// shows the address to open by hand.
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The system's browser: `xdg-open` (Linux, BSD), `open` (macOS), `start` (Windows).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        use std::process::{Command, Stdio};
        #[cfg(target_os = "macos")]
        let mut command = Command::new("open");
        #[cfg(target_os = "windows")]
        let mut command = {
            let mut c = Command::new("cmd");
            c.args(["/C", "start", ""]);
            c
        };
        #[cfg(not(any(target_os = "macos", target_os = "windows")))]
        let mut command = {
            if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
                return Err("there is no desktop session here to show a browser".to_owned());
            }
            Command::new("xdg-open")
        };
        let mut child =
            command.arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().map_err(|e| {
                match e.kind() {
                    std::io::ErrorKind::NotFound => "this computer has no program set up to open web pages".to_owned(),
                    _ => format!("the browser could not be started: {e}"),
                }
            })?;
        // xdg-open says quickly when it finds no browser; a browser it starts may run for hours.
        for _ in 0..30 {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(_)) => return Err("no web browser was found to open the page".to_owned()),
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => return Err(format!("the browser could not be started: {e}")),
            }
        }
        std::thread::spawn(move || child.wait());
        Ok(())
    }
}

/// For `--no-browser`: only show the address.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBrowser;

impl Browser for NoBrowser {
    fn open(&self, _url: &str) -> Result<(), String> {
        Err("you asked Gatepass not to open a browser".to_owned())
    }
}

/// What the person must do now, told to the caller as soon as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInPrompt {
    /// Approve on this page. `opened`: the browser was opened on it; if not, `problem` says why,
    /// and the address must be opened by hand.
    Browser { url: String, opened: bool, problem: Option<String>, waits_until: i64 },
    /// Type `user_code` at `verification_uri` (or open `verification_uri_complete`) before `expires_at`.
    Device {
        user_code: String,
        verification_uri: String,
        verification_uri_complete: Option<String>,
        expires_at: i64,
        interval_secs: u64,
    },
}

/// The caller's side of a cancel.
#[derive(Debug)]
pub struct CancelHandle(tokio::sync::watch::Sender<bool>);

impl CancelHandle {
    pub fn cancel(&self) {
        let _ = self.0.send(true);
    }
}

/// The grant's side of a cancel.
#[derive(Debug, Clone)]
pub struct CancelSignal(tokio::sync::watch::Receiver<bool>);

impl CancelSignal {
    /// A signal that never fires (the CLI stops with Ctrl+C instead).
    pub fn never() -> Self {
        cancel_pair().1
    }

    async fn cancelled(&mut self) {
        if self.0.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

pub fn cancel_pair() -> (CancelHandle, CancelSignal) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    (CancelHandle(tx), CancelSignal(rx))
}

/// How the authorization code grant waits.
#[derive(Debug, Clone, Copy)]
pub struct SignInOptions {
    /// Give up (and close the listener) when the browser has not come back by then.
    pub browser_timeout: Duration,
}

impl Default for SignInOptions {
    fn default() -> Self {
        Self { browser_timeout: Duration::from_secs(DEFAULT_BROWSER_TIMEOUT_SECS) }
    }
}

/// What the device grant's polling did (the waits between polls, in seconds), for tests and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceReport {
    pub waits_secs: Vec<u64>,
}

fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn http_url(text: &str) -> Option<url::Url> {
    let parsed = url::Url::parse(text.trim()).ok()?;
    (matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some_and(|h| !h.is_empty())).then_some(parsed)
}

fn scopes_of(settings: &UserSignIn) -> Vec<String> {
    settings.scopes.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

fn audience_of(settings: &UserSignIn) -> Option<String> {
    settings.audience.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned)
}

fn base_client(
    settings: &UserSignIn,
    client_secret: Option<&Secret>,
) -> Result<SignInClient<EndpointNotSet, EndpointNotSet>, GrantError> {
    let token_url = http_url(&settings.token_url)
        .ok_or_else(|| GrantError::BadTokenUrl { url: settings.token_url.trim().to_owned() })?;
    let client_id = settings.client_id.trim();
    if client_id.is_empty() {
        return Err(GrantError::MissingClientId);
    }
    let mut client = NewClient::new(ClientId::new(client_id.to_owned()))
        .set_token_uri(TokenUrl::from_url(token_url))
        .set_auth_type(AuthType::BasicAuth);
    if let Some(secret) = client_secret.filter(|s| !s.is_empty()) {
        client = client.set_client_secret(ClientSecret::new(secret.expose().to_owned()));
    }
    Ok(client)
}

fn authorization_url(settings: &UserSignIn) -> Result<url::Url, GrantError> {
    http_url(&settings.authorization_url)
        .ok_or_else(|| GrantError::BadAuthorizationUrl { url: settings.authorization_url.trim().to_owned() })
}

/// A token answer as the cached token; a refresh that brings no new refresh token keeps the old.
fn cached_from(response: &SignInTokenResponse, asked: Vec<String>, previous: Option<&CachedToken>) -> CachedToken {
    let now = now_secs();
    let access_token = Secret::new(response.access_token().secret().clone());
    let expires_at = response
        .expires_in()
        .map(|d| now.saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
        .or_else(|| expiry_from_token(&access_token));
    let granted = response.scopes().map(|s| s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let (refresh_token, refresh_expires_at) = match response.refresh_token() {
        Some(token) => (
            Some(Secret::new(token.secret().clone())),
            response
                .extra_fields()
                .refresh_expires_in
                .filter(|secs| *secs > 0)
                .map(|secs| now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX))),
        ),
        None => previous.map_or((None, None), |p| (p.refresh_token.clone(), p.refresh_expires_at)),
    };
    tracing::info!(expires_in = ?response.expires_in(), refresh = refresh_token.is_some(), "tokens obtained");
    CachedToken {
        access_token,
        token_type: response.token_type().as_ref().to_owned(),
        obtained_at: now,
        expires_at,
        scopes: granted.unwrap_or(asked),
        refresh_token,
        refresh_expires_at,
    }
}

fn refused<T: ErrorResponseType + AsRef<str> + std::fmt::Display + 'static>(
    step: GrantStep,
    error: RequestTokenError<TransportError, StandardErrorResponse<T>>,
    seen: &Seen,
) -> GrantError {
    match error {
        RequestTokenError::ServerResponse(error) => GrantError::Refused {
            step,
            code: error.error().as_ref().to_owned(),
            description: error.error_description().cloned(),
        },
        RequestTokenError::Request(transport) => GrantError::Transport(transport),
        // Never show serde's message or the body: a half-readable answer may hold a token.
        RequestTokenError::Parse(error, _) => not_a_token(seen, &format!("unreadable at {}", error.path())),
        RequestTokenError::Other(_) => not_a_token(seen, "not JSON"),
    }
}

/// Sign in with the browser: authorization code with PKCE S256 over a loopback redirect.
pub async fn authorization_code(
    transport: &TokenHttp,
    settings: &UserSignIn,
    client_secret: Option<&Secret>,
    browser: Arc<dyn Browser>,
    prompt: &(dyn Fn(SignInPrompt) + Send + Sync),
    options: SignInOptions,
    mut cancel: CancelSignal,
) -> Result<CachedToken, GrantError> {
    let auth_url = authorization_url(settings)?;
    let listener =
        TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| GrantError::Loopback { detail: e.to_string() })?;
    let port = listener.local_addr().map_err(|e| GrantError::Loopback { detail: e.to_string() })?.port();
    let redirect = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    let redirect = RedirectUrl::new(redirect).map_err(|e| GrantError::Loopback { detail: e.to_string() })?;
    let client =
        base_client(settings, client_secret)?.set_auth_uri(AuthUrl::from_url(auth_url)).set_redirect_uri(redirect);
    let scopes = scopes_of(settings);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge);
    if let Some(audience) = audience_of(settings) {
        request = request.add_extra_param("audience", audience);
    }
    let (url, state) = request.url();
    let url = url.to_string();
    let deadline = tokio::time::Instant::now() + options.browser_timeout;
    let waits_until = now_secs().saturating_add(i64::try_from(options.browser_timeout.as_secs()).unwrap_or(i64::MAX));
    let opening = url.clone();
    let opened = tokio::task::spawn_blocking(move || browser.open(&opening))
        .await
        .unwrap_or_else(|e| Err(format!("the browser could not be started: {e}")));
    tracing::info!(port, opened = opened.is_ok(), "waiting for the browser to come back");
    prompt(SignInPrompt::Browser { url, opened: opened.is_ok(), problem: opened.err(), waits_until });

    let code = wait_for_redirect(&listener, state.secret(), deadline, &mut cancel, options.browser_timeout).await;
    drop(listener);
    let code = code?;
    let exchange = client.exchange_code(AuthorizationCode::new(code)).set_pkce_verifier(verifier);
    let result = tokio::select! {
        result = exchange.request_async(transport) => result,
        () = cancel.cancelled() => return Err(GrantError::Cancelled),
    };
    result
        .map(|r| cached_from(&r, scopes, None))
        .map_err(|e| refused(GrantStep::AuthorizationCode, e, &transport.seen()))
}

/// Wait for the browser on the loopback listener. Only `GET /callback` counts; other requests
/// (a favicon) get a 404 and the wait goes on.
async fn wait_for_redirect(
    listener: &TcpListener,
    expected_state: &str,
    deadline: tokio::time::Instant,
    cancel: &mut CancelSignal,
    timeout: Duration,
) -> Result<String, GrantError> {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = tokio::time::sleep_until(deadline) => return Err(GrantError::BrowserTimeout { secs: timeout.as_secs() }),
            () = cancel.cancelled() => return Err(GrantError::Cancelled),
        };
        let Ok((mut stream, _)) = accepted else { continue };
        let Ok(Some(target)) = tokio::time::timeout(Duration::from_secs(5), read_target(&mut stream)).await else {
            continue;
        };
        let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else { continue };
        if url.path() != CALLBACK_PATH {
            answer(&mut stream, "404 Not Found", "Not found", "This address only receives the sign-in answer.").await;
            continue;
        }
        let get = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        if get("state").as_deref() != Some(expected_state) {
            answer(
                &mut stream,
                "400 Bad Request",
                "This answer does not belong to the sign-in",
                "Gatepass ignored it. Go back to Gatepass and start the sign-in again.",
            )
            .await;
            return Err(GrantError::StateMismatch);
        }
        if let Some(code) = get("error") {
            answer(
                &mut stream,
                "200 OK",
                "Sign-in not completed",
                "You can close this tab and go back to Gatepass, which says what happened.",
            )
            .await;
            return Err(GrantError::Refused {
                step: GrantStep::Authorize,
                code,
                description: get("error_description"),
            });
        }
        if let Some(code) = get("code").filter(|c| !c.is_empty()) {
            answer(&mut stream, "200 OK", "Signed in", "You can close this tab and go back to Gatepass.").await;
            return Ok(code);
        }
        answer(&mut stream, "400 Bad Request", "No sign-in answer", "This address only receives the sign-in answer.")
            .await;
    }
}

/// The request target of one HTTP request (`/callback?code=…`), read from at most 16 KB.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 2048];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && buffer.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buffer);
    let mut parts = text.lines().next()?.split_whitespace();
    (parts.next()? == "GET").then(|| parts.next().map(str::to_owned))?
}

async fn answer(stream: &mut TcpStream, status: &str, title: &str, words: &str) {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
<body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;line-height:1.5\">\
<h1 style=\"font-size:1.4rem\">{title}</h1><p>{words}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Sign in with a code on another device (RFC 8628). The code and the address go to `prompt` as
/// soon as the server gives them; then the token endpoint is polled until the person decides.
pub async fn device(
    transport: &TokenHttp,
    settings: &UserSignIn,
    client_secret: Option<&Secret>,
    prompt: &(dyn Fn(SignInPrompt) + Send + Sync),
    mut cancel: CancelSignal,
) -> Result<(CachedToken, DeviceReport), GrantError> {
    let device_url = http_url(&settings.authorization_url)
        .ok_or_else(|| GrantError::BadAuthorizationUrl { url: settings.authorization_url.trim().to_owned() })?;
    let client = base_client(settings, client_secret)?
        .set_device_authorization_url(DeviceAuthorizationUrl::from_url(device_url));
    let scopes = scopes_of(settings);
    let mut request = client.exchange_device_code().add_scopes(scopes.iter().cloned().map(Scope::new));
    if let Some(audience) = audience_of(settings) {
        request = request.add_extra_param("audience", audience);
    }
    let asked = tokio::select! {
        asked = request.request_async(transport) => asked,
        () = cancel.cancelled() => return Err(GrantError::Cancelled),
    };
    let details: StandardDeviceAuthorizationResponse =
        asked.map_err(|e| refused(GrantStep::Device, e, &transport.seen()))?;
    let _: &EmptyExtraDeviceAuthorizationFields = details.extra_fields();
    if details.user_code().secret().trim().is_empty() {
        return Err(GrantError::DeviceAnswerIncomplete { field: "user code (user_code)" });
    }
    prompt(SignInPrompt::Device {
        user_code: details.user_code().secret().clone(),
        verification_uri: details.verification_uri().to_string(),
        verification_uri_complete: details.verification_uri_complete().map(|u| u.secret().clone()),
        expires_at: now_secs().saturating_add(i64::try_from(details.expires_in().as_secs()).unwrap_or(i64::MAX)),
        interval_secs: details.interval().as_secs(),
    });
    tracing::info!(interval = details.interval().as_secs(), "waiting for the person to approve the device code");
    let waits = Mutex::new(Vec::new());
    let sleep = |wait: Duration| {
        if let Ok(mut waits) = waits.lock() {
            waits.push(wait.as_secs());
        }
        tokio::time::sleep(wait)
    };
    let poll = client.exchange_device_access_token(&details).request_async(transport, sleep, None);
    let result = tokio::select! {
        result = poll => result,
        () = cancel.cancelled() => return Err(GrantError::Cancelled),
    };
    let report = DeviceReport { waits_secs: waits.lock().map(|w| w.clone()).unwrap_or_default() };
    let token =
        result.map(|r| cached_from(&r, scopes, None)).map_err(|e| refused(GrantStep::Device, e, &transport.seen()))?;
    Ok((token, report))
}

/// Use the refresh token for new tokens. The server may send a new refresh token (rotation),
/// which replaces the old one; if it sends none, the old one is kept.
pub async fn refresh(
    transport: &TokenHttp,
    settings: &UserSignIn,
    client_secret: Option<&Secret>,
    previous: &CachedToken,
) -> Result<CachedToken, GrantError> {
    let refresh_token = previous.refresh_token.as_ref().filter(|t| !t.is_empty()).ok_or_else(|| {
        GrantError::Refused { step: GrantStep::Refresh, code: "invalid_grant".to_owned(), description: None }
    })?;
    let client = base_client(settings, client_secret)?;
    let token = RefreshToken::new(refresh_token.expose().to_owned());
    let scopes = scopes_of(settings);
    let result = client.exchange_refresh_token(&token).request_async(transport).await;
    result
        .map(|r| cached_from(&r, if scopes.is_empty() { previous.scopes.clone() } else { scopes }, Some(previous)))
        .map_err(|e| refused(GrantStep::Refresh, e, &transport.seen()))
}
