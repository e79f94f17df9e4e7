//! The practice sign-in server's grants a person approves: authorization code with PKCE
//! (RFC 6749 §4.1, RFC 7636, S256 only), the device grant (RFC 8628), and refresh tokens with
//! rotation (RFC 6749 §6, OAuth 2.1 §4.3.1), per environment.
//!
//! The "person" is whoever clicks Approve on the consent page: the practice API has no accounts,
//! so the token's subject is always `practice-user`. Redirect addresses must be loopback
//! (`http://127.0.0.1:{any port}/…`, RFC 8252 §7.3); anything else gets an error page, never a
//! redirect, because a bad redirect address is exactly what must not receive a code.
//!
//! Codes, device codes and refresh tokens live in memory only and are lost on restart, as a real
//! server's would be on a database reset. Lifetimes and the polling interval are in
//! [`SignInTimings`], small in tests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse as _, Response};
use serde_json::json;

use super::PracticeEnv;
use super::credentials::{PublicClient, TokenSpec, oauth_clients, public_client};
use super::routes::escape_html;

/// How long things last on the practice sign-in server. Realistic by default; tests use small values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInTimings {
    /// An authorization code, from the redirect to its exchange.
    pub code_lifetime_secs: u64,
    /// A device code and its user code, from the device request to approval.
    pub device_code_lifetime_secs: u64,
    /// The polling interval the device answer asks for.
    pub device_interval_secs: u64,
    /// Polls closer together than this get `slow_down`. The same as the interval by default; a
    /// larger value shows `slow_down` to a client that polls exactly at the interval.
    pub device_min_poll_secs: u64,
    /// Access tokens from these grants.
    pub access_token_lifetime_secs: i64,
    /// Refresh tokens (said in `refresh_expires_in`, as Keycloak does).
    pub refresh_token_lifetime_secs: i64,
}

impl Default for SignInTimings {
    fn default() -> Self {
        Self {
            code_lifetime_secs: 60,
            device_code_lifetime_secs: 600,
            device_interval_secs: 5,
            device_min_poll_secs: 5,
            access_token_lifetime_secs: 600,
            refresh_token_lifetime_secs: 8 * 3600,
        }
    }
}

/// The grant types the practice sign-in server counts, for tests that prove which one ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PracticeGrant {
    ClientCredentials,
    AuthorizationCode,
    DeviceCode,
    RefreshToken,
}

impl PracticeGrant {
    pub const ALL: [PracticeGrant; 4] = [
        PracticeGrant::ClientCredentials,
        PracticeGrant::AuthorizationCode,
        PracticeGrant::DeviceCode,
        PracticeGrant::RefreshToken,
    ];
}

pub(crate) const DEVICE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Who asks and for what, once the consent page was shown.
#[derive(Debug, Clone)]
pub(crate) struct Approval {
    client_id: String,
    app_name: String,
    scopes: Vec<String>,
    audience: Option<String>,
}

#[derive(Debug)]
struct PendingAuthorize {
    approval: Approval,
    redirect_uri: String,
    state: Option<String>,
    code_challenge: String,
    created: Instant,
}

#[derive(Debug)]
struct CodeGrant {
    approval: Approval,
    redirect_uri: String,
    code_challenge: String,
    expires: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeviceStatus {
    Pending,
    Approved,
    Denied,
}

#[derive(Debug)]
struct DeviceGrant {
    approval: Approval,
    user_code: String,
    expires: Instant,
    last_poll: Option<Instant>,
    status: DeviceStatus,
}

#[derive(Debug)]
struct RefreshGrant {
    approval: Approval,
    expires_at: i64,
}

/// One environment's sign-in state: in memory, behind one lock each, never held across `.await`.
#[derive(Debug, Default)]
pub(crate) struct SignInState {
    pub timings: SignInTimings,
    pending: Mutex<HashMap<String, PendingAuthorize>>,
    codes: Mutex<HashMap<String, CodeGrant>>,
    devices: Mutex<HashMap<String, DeviceGrant>>,
    refresh: Mutex<HashMap<String, RefreshGrant>>,
    /// Refresh tokens already replaced, to explain their reuse.
    rotated: Mutex<Vec<String>>,
}

/// A token-endpoint refusal: (code, description).
pub(crate) type Refusal = (&'static str, String);

fn random_token(prefix: &str) -> String {
    format!("{prefix}{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Eight letters people can read aloud and type: no vowels (no words), no look-alikes.
fn user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let letters: String =
        bytes.iter().take(8).map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

fn normalise_user_code(text: &str) -> String {
    let letters: String = text.chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_uppercase()).collect();
    if letters.len() == 8 { format!("{}-{}", &letters[..4], &letters[4..]) } else { letters }
}

/// The app asking: the environment's public client, or one of its confidential clients.
fn known_app(env: PracticeEnv, client_id: &str) -> Option<(String, &'static [&'static str])> {
    let public: PublicClient = public_client(env);
    if public.client_id == client_id {
        return Some((public.name.to_owned(), public.scopes));
    }
    oauth_clients(env).iter().find(|c| c.client_id == client_id).map(|c| (c.label.to_owned(), c.scopes))
}

/// Loopback only (RFC 8252 §7.3): `http://127.0.0.1:{port}/…` or `http://[::1]:{port}/…`.
fn loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http"
            && matches!(u.host_str(), Some("127.0.0.1" | "[::1]"))
            && u.fragment().is_none()
            && u.username().is_empty()
    })
}

fn scope_words(scope: &str) -> &'static str {
    match scope {
        "orders:read" => "See your orders",
        "orders:write" => "Create and change your orders",
        "profile:read" => "See your profile",
        _ => "A permission this practice server does not describe",
    }
}

fn parse_scopes(
    env: PracticeEnv,
    client_id: &str,
    allowed: &[&str],
    asked: Option<&str>,
) -> Result<Vec<String>, String> {
    let requested: Vec<String> = asked.map(|s| s.split_whitespace().map(str::to_owned).collect()).unwrap_or_default();
    let unknown: Vec<&str> = requested.iter().map(String::as_str).filter(|s| !allowed.contains(s)).collect();
    if !unknown.is_empty() {
        return Err(format!(
            "The client '{client_id}' may not ask for: {}. It may ask for: {} (in the {env} environment)",
            unknown.join(" "),
            allowed.join(" ")
        ));
    }
    Ok(if requested.is_empty() { allowed.iter().map(|s| (*s).to_owned()).collect() } else { requested })
}

// ---- pages --------------------------------------------------------------------------------

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<meta name=\"viewport\" content=\"width=device-width\"><style>\
body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1d2329}}\
h1{{font-size:1.4rem}} .box{{border:1px solid #c9d1d9;border-radius:8px;padding:1rem 1.25rem}}\
button{{font-size:1rem;padding:.5rem 1.4rem;margin-right:.6rem;border-radius:6px;border:1px solid #8c959f;cursor:pointer}}\
button.approve{{background:#1f6feb;color:#fff;border-color:#1f6feb}} .muted{{color:#57606a;font-size:.9rem}}\
input{{font-size:1.3rem;letter-spacing:.15em;padding:.3rem .5rem;text-transform:uppercase}} code{{font-size:.95em}}\
</style></head><body>{body}</body></html>",
        title = escape_html(title)
    );
    (status, [(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html).into_response()
}

fn error_page(env: PracticeEnv, headline: &str, detail: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        headline,
        &format!(
            "<h1>{}</h1><p>{}</p><p class=\"muted\">Gatepass practice sign-in server ({env}). Nothing was sent back to the app.</p>",
            escape_html(headline),
            escape_html(detail)
        ),
    )
}

fn consent_box(env: PracticeEnv, approval: &Approval) -> String {
    let mut items = String::new();
    for scope in &approval.scopes {
        items.push_str(&format!(
            "<li>{} <span class=\"muted\">({})</span></li>",
            escape_html(scope_words(scope)),
            escape_html(scope)
        ));
    }
    format!(
        "<div class=\"box\"><p><strong>{}</strong> <span class=\"muted\">(client ID {})</span> wants to use the practice API ({env}) as you.</p>\
<p>It asks to:</p><ul>{items}</ul><p class=\"muted\">You are signed in as the practice user. Choose Approve only if you started this sign-in.</p>",
        escape_html(&approval.app_name),
        escape_html(&approval.client_id)
    )
}

fn redirect_to(target: &str) -> Response {
    match HeaderValue::from_str(target) {
        Ok(value) => (StatusCode::SEE_OTHER, [(LOCATION, value)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let Ok(mut url) = url::Url::parse(base) else { return base.to_owned() };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
    }
    url.to_string()
}

fn query_map(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn form_map(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

impl SignInState {
    pub(crate) fn new(timings: SignInTimings) -> Self {
        Self { timings, ..Self::default() }
    }

    /// `GET /oauth/authorize`: check the client and the redirect address (an error page when
    /// either is wrong), then the rest (errors go back to the app), then show the consent page.
    pub(crate) fn authorize_page(&self, env: PracticeEnv, query: Option<&str>) -> Response {
        let q = query_map(query);
        let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let Some(client_id) = get("client_id") else {
            return error_page(
                env,
                "This sign-in link is incomplete",
                "It has no client ID (client_id). Start the sign-in again from the app.",
            );
        };
        let Some((app_name, allowed)) = known_app(env, client_id) else {
            return error_page(
                env,
                "This app is not known here",
                &format!(
                    "There is no app with the client ID '{client_id}' in the {env} environment. Check the client ID in the app's settings."
                ),
            );
        };
        let Some(redirect_uri) = get("redirect_uri") else {
            return error_page(
                env,
                "This sign-in link is incomplete",
                "It does not say where to send you back (redirect_uri). Start the sign-in again from the app.",
            );
        };
        if !loopback_redirect(redirect_uri) {
            return error_page(
                env,
                "The redirect address is not allowed",
                &format!(
                    "The app asked to be sent back to {redirect_uri}, which is not registered for it (redirect URI mismatch). This practice server allows only http://127.0.0.1 with any port, as desktop apps use. Nothing was sent to that address."
                ),
            );
        }
        let state = get("state").map(str::to_owned);
        let back_with_error = |code: &str, description: &str| {
            let mut pairs = vec![("error", code), ("error_description", description)];
            if let Some(state) = state.as_deref() {
                pairs.push(("state", state));
            }
            redirect_to(&with_query(redirect_uri, &pairs))
        };
        if get("response_type") != Some("code") {
            return back_with_error("unsupported_response_type", "Only response_type=code is offered");
        }
        let challenge = get("code_challenge");
        if challenge.is_none() || get("code_challenge_method") != Some("S256") {
            return back_with_error(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            );
        }
        let scopes = match parse_scopes(env, client_id, allowed, get("scope")) {
            Ok(scopes) => scopes,
            Err(description) => return back_with_error("invalid_scope", &description),
        };
        let approval = Approval {
            client_id: client_id.to_owned(),
            app_name,
            scopes,
            audience: get("audience").map(str::to_owned),
        };
        let request_id = random_token("ar_");
        let body = format!(
            "<h1>Sign in to the practice API ({env})</h1>{}\
<form method=\"post\" action=\"/oauth/authorize\"><input type=\"hidden\" name=\"request\" value=\"{request_id}\">\
<button class=\"approve\" name=\"decision\" value=\"approve\">Approve</button><button name=\"decision\" value=\"deny\">Deny</button></form></div>",
            consent_box(env, &approval)
        );
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|_, p| p.created.elapsed() < Duration::from_mins(10));
            pending.insert(
                request_id,
                PendingAuthorize {
                    approval,
                    redirect_uri: redirect_uri.to_owned(),
                    state,
                    code_challenge: challenge.unwrap_or_default().to_owned(),
                    created: Instant::now(),
                },
            );
        }
        page(StatusCode::OK, "Sign in", &body)
    }

    /// `POST /oauth/authorize`: Approve sends the app a one-time code; Deny sends `access_denied`.
    pub(crate) fn authorize_decision(&self, env: PracticeEnv, body: &[u8]) -> Response {
        let form = form_map(body);
        let pending = form.get("request").and_then(|id| self.pending.lock().ok()?.remove(id));
        let Some(pending) = pending.filter(|p| p.created.elapsed() < Duration::from_mins(10)) else {
            return error_page(env, "This sign-in page has run out", "Start the sign-in again from the app.");
        };
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if form.get("decision").map(String::as_str) == Some("approve") {
            let code = random_token("gp_ac_");
            if let Ok(mut codes) = self.codes.lock() {
                codes.retain(|_, c| c.expires > Instant::now());
                codes.insert(
                    code.clone(),
                    CodeGrant {
                        approval: pending.approval,
                        redirect_uri: pending.redirect_uri.clone(),
                        code_challenge: pending.code_challenge,
                        expires: Instant::now() + Duration::from_secs(self.timings.code_lifetime_secs),
                    },
                );
            }
            pairs.push(("code", code));
        } else {
            pairs.push(("error", "access_denied".to_owned()));
            pairs.push(("error_description", "The person chose Deny on the consent page".to_owned()));
        }
        if let Some(state) = pending.state {
            pairs.push(("state", state));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        redirect_to(&with_query(&pending.redirect_uri, &pairs))
    }

    /// `POST /oauth/device_authorization` (RFC 8628 §3.1–3.2).
    pub(crate) fn device_authorization(&self, env: PracticeEnv, headers: &HeaderMap, body: &[u8]) -> Response {
        let form = form_map(body);
        let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let refuse =
            |status, code: &str, description: &str| super::auth::error_response(env, status, code, description);
        let Some(client_id) = get("client_id") else {
            return refuse(StatusCode::BAD_REQUEST, "invalid_request", "The client_id field is missing");
        };
        let Some((app_name, allowed)) = known_app(env, client_id) else {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                &format!("There is no client '{client_id}' in the {env} environment"),
            );
        };
        let scopes = match parse_scopes(env, client_id, allowed, get("scope")) {
            Ok(scopes) => scopes,
            Err(description) => return refuse(StatusCode::BAD_REQUEST, "invalid_scope", &description),
        };
        let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1");
        let verification_uri = format!("http://{host}/device");
        let device_code = random_token("gp_dc_");
        let code = user_code();
        let timings = self.timings;
        if let Ok(mut devices) = self.devices.lock() {
            devices.retain(|_, d| d.expires + Duration::from_mins(1) > Instant::now());
            devices.insert(
                device_code.clone(),
                DeviceGrant {
                    approval: Approval {
                        client_id: client_id.to_owned(),
                        app_name,
                        scopes,
                        audience: get("audience").map(str::to_owned),
                    },
                    user_code: code.clone(),
                    expires: Instant::now() + Duration::from_secs(timings.device_code_lifetime_secs),
                    last_poll: None,
                    status: DeviceStatus::Pending,
                },
            );
        }
        super::oauth::no_store(super::auth::json_response(
            StatusCode::OK,
            &json!({
                "device_code": device_code,
                "user_code": code,
                "verification_uri": verification_uri,
                "verification_uri_complete": with_query(&verification_uri, &[("user_code", &code)]),
                "expires_in": timings.device_code_lifetime_secs,
                "interval": timings.device_interval_secs,
            }),
        ))
    }

    /// `GET /device`: type the code; with a known code, the consent page.
    pub(crate) fn device_page(&self, env: PracticeEnv, query: Option<&str>) -> Response {
        let q = query_map(query);
        let typed = q.get("user_code").map(|c| normalise_user_code(c)).filter(|c| !c.is_empty());
        let entry_form = |note: &str| {
            page(
                StatusCode::OK,
                "Connect a device",
                &format!(
                    "<h1>Connect a device to the practice API ({env})</h1>{note}\
<form method=\"get\" action=\"/device\"><p><label>Type the code the app shows:<br><input name=\"user_code\" autocomplete=\"off\" placeholder=\"BCDF-GHJK\"></label></p>\
<button class=\"approve\">Continue</button></form>"
                ),
            )
        };
        let Some(typed) = typed else { return entry_form("") };
        let found = self.devices.lock().ok().and_then(|devices| {
            devices
                .values()
                .find(|d| d.user_code == typed && d.status == DeviceStatus::Pending && d.expires > Instant::now())
                .map(|d| d.approval.clone())
        });
        let Some(approval) = found else {
            return entry_form(&format!(
                "<p><strong>The code {} is not known or has run out.</strong> Check it against the app, or start again in the app to get a new code.</p>",
                escape_html(&typed)
            ));
        };
        page(
            StatusCode::OK,
            "Approve the device",
            &format!(
                "<h1>Approve the device</h1><p>Code: <code>{typed}</code>. Check that the app shows the same code.</p>{}\
<form method=\"post\" action=\"/device\"><input type=\"hidden\" name=\"user_code\" value=\"{typed}\">\
<button class=\"approve\" name=\"decision\" value=\"approve\">Approve</button><button name=\"decision\" value=\"deny\">Deny</button></form></div>",
                consent_box(env, &approval)
            ),
        )
    }

    /// `POST /device`: record the person's choice; the app learns it at its next poll.
    pub(crate) fn device_decision(&self, env: PracticeEnv, body: &[u8]) -> Response {
        let form = form_map(body);
        let typed = form.get("user_code").map(|c| normalise_user_code(c)).unwrap_or_default();
        let approve = form.get("decision").map(String::as_str) == Some("approve");
        let recorded = self.devices.lock().ok().is_some_and(|mut devices| {
            devices
                .values_mut()
                .find(|d| d.user_code == typed && d.status == DeviceStatus::Pending && d.expires > Instant::now())
                .map(|d| d.status = if approve { DeviceStatus::Approved } else { DeviceStatus::Denied })
                .is_some()
        });
        if !recorded {
            return error_page(
                env,
                "This code is not known or has run out",
                "Start again in the app to get a new code.",
            );
        }
        let (title, words) = if approve {
            ("Device approved", "You approved the device. You can close this page and go back to the app.")
        } else {
            ("Device denied", "You denied the device. It gets no access. You can close this page.")
        };
        page(StatusCode::OK, title, &format!("<h1>{title}</h1><p>{words}</p>"))
    }

    /// `grant_type=authorization_code`: one-time code, same client and redirect address, and the
    /// PKCE verifier whose S256 hash is the challenge.
    pub(crate) fn exchange_code(
        &self,
        client_id: &str,
        fields: &HashMap<String, String>,
    ) -> Result<(Approval, PracticeGrant), Refusal> {
        let get = |k: &str| fields.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let Some(code) = get("code") else { return Err(("invalid_request", "The code field is missing".to_owned())) };
        // Removed whatever happens next: a code is good for one try (RFC 6749 §4.1.2).
        let grant = self.codes.lock().ok().and_then(|mut codes| codes.remove(code));
        let Some(grant) = grant else {
            return Err(("invalid_grant", "This code is not known, or was already used".to_owned()));
        };
        if grant.expires <= Instant::now() {
            return Err(("invalid_grant", "This code has run out; codes last a short time".to_owned()));
        }
        if grant.approval.client_id != client_id {
            return Err(("invalid_grant", "This code was given to another client".to_owned()));
        }
        if get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
            return Err((
                "invalid_grant",
                "The redirect_uri differs from the one in the sign-in request (redirect URI mismatch)".to_owned(),
            ));
        }
        let Some(verifier) = get("code_verifier") else {
            return Err(("invalid_grant", "The code_verifier field is missing (PKCE is required)".to_owned()));
        };
        let verifier = oauth2::PkceCodeVerifier::new(verifier.to_owned());
        let hashed = oauth2::PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        if hashed.as_str() != grant.code_challenge {
            return Err((
                "invalid_grant",
                "The code_verifier does not match the code_challenge (PKCE check failed)".to_owned(),
            ));
        }
        Ok((grant.approval, PracticeGrant::AuthorizationCode))
    }

    /// `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4–3.5).
    pub(crate) fn poll_device(
        &self,
        client_id: &str,
        fields: &HashMap<String, String>,
    ) -> Result<(Approval, PracticeGrant), Refusal> {
        let Some(device_code) = fields.get("device_code").filter(|v| !v.is_empty()) else {
            return Err(("invalid_request", "The device_code field is missing".to_owned()));
        };
        let Ok(mut devices) = self.devices.lock() else {
            return Err(("server_error", "The device codes are unavailable".to_owned()));
        };
        let Some(device) = devices.get_mut(device_code) else {
            return Err(("invalid_grant", "This device code is not known, or was already used".to_owned()));
        };
        if device.approval.client_id != client_id {
            return Err(("invalid_grant", "This device code was given to another client".to_owned()));
        }
        let now = Instant::now();
        if device.expires <= now {
            devices.remove(device_code);
            return Err(("expired_token", "The device code ran out before it was approved".to_owned()));
        }
        let too_soon = device
            .last_poll
            .is_some_and(|last| now.duration_since(last) < Duration::from_secs(self.timings.device_min_poll_secs));
        device.last_poll = Some(now);
        if too_soon {
            return Err(("slow_down", format!("Poll at most every {} seconds", self.timings.device_min_poll_secs)));
        }
        match device.status {
            DeviceStatus::Pending => Err(("authorization_pending", "Nobody has approved this code yet".to_owned())),
            DeviceStatus::Denied => {
                devices.remove(device_code);
                Err(("access_denied", "The person chose Deny".to_owned()))
            }
            DeviceStatus::Approved => {
                let approval = device.approval.clone();
                devices.remove(device_code);
                Ok((approval, PracticeGrant::DeviceCode))
            }
        }
    }

    /// `grant_type=refresh_token`, with rotation: the refresh token used is replaced.
    pub(crate) fn use_refresh_token(
        &self,
        client_id: &str,
        fields: &HashMap<String, String>,
    ) -> Result<(Approval, PracticeGrant), Refusal> {
        let Some(token) = fields.get("refresh_token").filter(|v| !v.is_empty()) else {
            return Err(("invalid_request", "The refresh_token field is missing".to_owned()));
        };
        let grant = self.refresh.lock().ok().and_then(|mut refresh| refresh.remove(token));
        let Some(grant) = grant else {
            let reused = self.rotated.lock().is_ok_and(|r| r.contains(token));
            return Err((
                "invalid_grant",
                if reused {
                    "This refresh token was already used and replaced by a new one (rotation)".to_owned()
                } else {
                    "This refresh token is not known".to_owned()
                },
            ));
        };
        if let Ok(mut rotated) = self.rotated.lock() {
            rotated.push(token.clone());
        }
        if grant.expires_at <= super::credentials::now_secs() {
            return Err(("invalid_grant", "This refresh token has run out; sign in again".to_owned()));
        }
        if grant.approval.client_id != client_id {
            return Err(("invalid_grant", "This refresh token was given to another client".to_owned()));
        }
        Ok((grant.approval, PracticeGrant::RefreshToken))
    }

    /// The token answer for an approved grant: an access token and a new refresh token.
    pub(crate) fn tokens_for(&self, env: PracticeEnv, approval: Approval) -> Result<serde_json::Value, String> {
        let spec = TokenSpec {
            subject: "practice-user".to_owned(),
            scopes: approval.scopes.clone(),
            expires_in_secs: self.timings.access_token_lifetime_secs,
            not_before_in_secs: 0,
            audience: approval.audience.clone(),
        };
        let access_token = super::keys::mint_server_token(env, &spec).map_err(|e| e.to_string())?;
        let refresh_token = random_token("gp_rt_");
        let lifetime = self.timings.refresh_token_lifetime_secs;
        if let Ok(mut refresh) = self.refresh.lock() {
            refresh.insert(
                refresh_token.clone(),
                RefreshGrant { approval, expires_at: super::credentials::now_secs().saturating_add(lifetime) },
            );
        }
        Ok(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.timings.access_token_lifetime_secs,
            "scope": spec.scopes.join(" "),
            "refresh_token": refresh_token,
            "refresh_expires_in": lifetime,
        }))
    }
}

/// Which client calls a person-approved grant: a public client by `client_id` alone, or a
/// confidential one with its secret (checked by the caller).
pub(crate) fn public_client_id(env: PracticeEnv, fields: &HashMap<String, String>) -> Option<String> {
    fields.get("client_id").filter(|id| known_app(env, id).is_some()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_redirects_are_allowed() {
        assert!(loopback_redirect("http://127.0.0.1:49152/callback"));
        assert!(loopback_redirect("http://127.0.0.1:1/"));
        assert!(!loopback_redirect("https://127.0.0.1:49152/callback"));
        assert!(!loopback_redirect("http://localhost:49152/callback"));
        assert!(!loopback_redirect("http://evil.example/callback"));
        assert!(!loopback_redirect("http://127.0.0.1.evil.example/callback"));
    }

    #[test]
    fn user_codes_read_well_and_typing_is_forgiving() {
        let code = user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert!(code.chars().all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c)));
        assert_eq!(normalise_user_code("bcdf ghjk"), "BCDF-GHJK");
    }
}
