//! The practice API's routes: the router shared by both environments and every handler, each
//! demonstrating one thing a client has to get right.

use std::fmt::Write as _;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};
use serde::Serialize;
use serde_json::{Value, json};

use super::PracticeEnv;
use super::auth::{self, AuthMethod, Failure, authenticate, error_response, json_response};
use super::credentials::{FULL_SCOPES, READ_SCOPES, TokenSpec, demo_credentials, mint_with_issuer};
use crate::core::redact::{is_sensitive_query_name, redact_header_value};
use crate::core::secret::fingerprint;

/// Caps that keep a practice request from eating the machine.
const MAX_BIG_MB: u64 = 200;
const MAX_BINARY_KB: u64 = 100 * 1024;
const MAX_SLOW_MS: u64 = 60_000;
/// The largest body `/v1/echo` reads.
const ECHO_BODY_LIMIT: usize = 64 * 1024 * 1024;

#[derive(Clone, Copy)]
struct AppState {
    env: PracticeEnv,
    port: u16,
}

/// One documented route.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub demonstrates: &'static str,
    pub needs: &'static str,
}

pub(crate) const ROUTES: &[RouteInfo] = &[
    RouteInfo {
        method: "GET",
        path: "/",
        demonstrates: "This page: every route and the names of the demo credentials",
        needs: "nothing",
    },
    RouteInfo { method: "GET", path: "/routes", demonstrates: "The same list as JSON", needs: "nothing" },
    RouteInfo {
        method: "GET",
        path: "/v1/me",
        demonstrates: "Who you are authenticated as, and how; every auth failure can be tried here",
        needs: "any valid credential",
    },
    RouteInfo { method: "GET", path: "/v1/orders", demonstrates: "A scoped read", needs: "scope orders:read" },
    RouteInfo {
        method: "POST",
        path: "/v1/orders",
        demonstrates: "A scoped write: 403 insufficient_scope with a read-only token; echoes the JSON body",
        needs: "scope orders:write, a JSON body",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/admin/reports",
        demonstrates: "403 forbidden: authenticated, but this resource is not yours (not a scope problem)",
        needs: "any valid credential (always refused)",
    },
    RouteInfo {
        method: "ANY",
        path: "/v1/echo",
        demonstrates: "What the server received: method, path, query, headers (credentials masked), body length",
        needs: "nothing",
    },
    RouteInfo {
        method: "POST",
        path: "/v1/demo/tokens?kind=valid|expired|not_yet_valid|read_only|wrong_issuer",
        demonstrates: "Practice-only token vending, to try expired and otherwise broken tokens",
        needs: "nothing",
    },
    RouteInfo {
        method: "POST",
        path: "/oauth/token",
        demonstrates: "An OAuth 2 sign-in server: grant_type=client_credentials with the client ID and secret in a Basic header or in the form; scope, audience or resource; tokens last 10 minutes; RFC 6749 errors (invalid_client, invalid_scope, unsupported_grant_type, invalid_request). Also authorization_code (PKCE verifier checked), the device grant (authorization_pending, slow_down, expired_token, access_denied) and refresh_token (each refresh token works once and is replaced: rotation)",
        needs: "a demo OAuth client (listed below), or the public client gp-sandbox-desktop / gp-production-desktop for the grants a person approves",
    },
    RouteInfo {
        method: "GET",
        path: "/oauth/authorize?response_type=code&client_id=…&redirect_uri=…&state=…&code_challenge=…&code_challenge_method=S256",
        demonstrates: "Sign in with the browser (authorization code with PKCE): a consent page with Approve and Deny. PKCE S256 is required; the redirect address must be http://127.0.0.1 with any port, anything else gets an error page (redirect URI mismatch); Deny sends error=access_denied; codes work once and last a minute",
        needs: "a person to click Approve",
    },
    RouteInfo {
        method: "POST",
        path: "/oauth/device_authorization",
        demonstrates: "The device grant (RFC 8628): a device code, a short user code, the page to type it on, its expiry and the polling interval",
        needs: "client_id=… in the form",
    },
    RouteInfo {
        method: "GET",
        path: "/device",
        demonstrates: "Where a person types the device's user code and chooses Approve or Deny",
        needs: "a user code from /oauth/device_authorization",
    },
    RouteInfo {
        method: "POST",
        path: "/oauth/introspect",
        demonstrates: "Token introspection (RFC 7662): whether a token is active, its scope, expiry and client",
        needs: "a demo OAuth client, and token=... in the form",
    },
    RouteInfo {
        method: "GET",
        path: "/oauth/jwks",
        demonstrates: "The sign-in server's key set (JWKS): the Ed25519 public key its access tokens are signed with (EdDSA, kid gp-{environment}-server-1)",
        needs: "nothing",
    },
    RouteInfo {
        method: "GET",
        path: "/.well-known/oauth-authorization-server",
        demonstrates: "Sign-in server metadata (RFC 8414): its endpoints, key set and the ways a client may prove itself (client_secret_basic, client_secret_post, private_key_jwt)",
        needs: "nothing",
    },
    RouteInfo {
        method: "GET",
        path: "/practice/service-key.pem",
        demonstrates: "The service account's private key (a public practice value): sign your own EdDSA JWT with it to call this API, or prove the client gp-{environment}-service at /oauth/token with a private_key_jwt assertion",
        needs: "nothing",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/big?mb=N",
        demonstrates: "A large JSON response of about N MB (at most 200)",
        needs: "nothing",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/binary?kb=N",
        demonstrates: "Binary bytes with NULs and invalid UTF-8",
        needs: "nothing",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/slow?ms=N",
        demonstrates: "A response after N ms (at most 60000), for timeouts and cancel",
        needs: "nothing",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/redirect-away[?status=307&to=same]",
        demonstrates: "302 (or the status asked, 301/302/303/307/308) to the echo on another host name (localhost): a client must drop every credential; to=same stays on 127.0.0.1",
        needs: "nothing",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/lab/{cause}",
        demonstrates: "One failure per diagnosis cause (missing_credential, expired_credential, …), answered the way real APIs do",
        needs: "nothing",
    },
    RouteInfo {
        method: "GET",
        path: "/v1/status/{code}",
        demonstrates: "Any status code from 200 to 599 with a tiny body",
        needs: "nothing",
    },
];

/// The router of one environment; `port` is the port it actually listens on.
pub(crate) fn router(env: PracticeEnv, port: u16) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/routes", get(routes_json))
        .route("/v1/me", get(me))
        .route("/v1/orders", get(list_orders).post(create_order))
        .route("/v1/admin/reports", get(admin_reports))
        .route("/v1/echo", any(echo))
        .route("/v1/demo/tokens", post(demo_token))
        .route("/v1/big", get(big))
        .route("/v1/binary", get(binary))
        .route("/v1/slow", get(slow))
        .route("/v1/redirect-away", any(redirect_away))
        .route("/v1/status/{code}", get(status))
        .route(
            "/v1/lab/{cause}",
            get(move |cause: Path<String>, headers: HeaderMap| super::lab::lab(env, cause, headers)),
        )
        .fallback(not_found)
        .with_state(AppState { env, port })
}

async fn not_found(State(st): State<AppState>, uri: Uri) -> Response {
    error_response(
        st.env,
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("No route {}; GET /routes lists them", uri.path()),
    )
}

async fn index(State(st): State<AppState>) -> Html<String> {
    let mut html = String::new();
    let env = st.env;
    let _ = write!(
        html,
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Gatepass practice API \
         ({env})</title></head><body>\n<h1>Gatepass practice API: {env}</h1>\n<p>Every failure \
         answers the way real APIs do. Errors carry a JSON body with error, error_description \
         and environment.</p>\n<h2>Routes</h2>\n<table>\n<tr><th>Method</th><th>Path</th>\
         <th>Demonstrates</th><th>Needs</th></tr>\n"
    );
    for r in ROUTES {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            r.method,
            escape_html(r.path),
            escape_html(r.demonstrates),
            escape_html(r.needs)
        );
    }
    html.push_str("</table>\n<h2>Demo credentials</h2>\n<ul>\n");
    for c in demo_credentials().iter().filter(|c| c.env == env) {
        if let super::DemoKind::OAuthClient { client_id, client_secret, scopes } = &c.kind {
            let _ = writeln!(
                html,
                "<li><code>{}</code>: {}: client ID <code>{client_id}</code>, client secret \
                 <code>{client_secret}</code>, scopes <code>{}</code>, token URL <code>/oauth/token</code></li>",
                c.id,
                escape_html(c.label),
                scopes.join(" ")
            );
        } else if let super::DemoKind::ServiceAccount { client_id, key_id, scopes } = &c.kind {
            let _ = writeln!(
                html,
                "<li><code>{}</code>: {}: client ID <code>{client_id}</code>, key ID <code>{key_id}</code>, \
                 private key <a href=\"/practice/service-key.pem\">/practice/service-key.pem</a> (a practice \
                 value), scopes <code>{}</code>. Sign an EdDSA JWT with iss and sub <code>{client_id}</code> and \
                 aud <code>{}</code> to call this API, or use it as a private_key_jwt assertion at \
                 <code>/oauth/token</code>. The sign-in server's own key set: <code>/oauth/jwks</code>.</li>",
                c.id,
                escape_html(c.label),
                scopes.join(" "),
                super::AUDIENCE
            );
        } else {
            let _ = writeln!(html, "<li><code>{}</code>: {}</li>", c.id, escape_html(c.label));
        }
    }
    html.push_str("</ul>\n</body></html>\n");
    Html(html)
}

pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

async fn routes_json() -> Response {
    json_response(StatusCode::OK, &ROUTES)
}

#[derive(Serialize)]
struct MeBody {
    environment: PracticeEnv,
    authenticated_as: String,
    method: AuthMethod,
    scopes: Vec<String>,
}

async fn me(State(st): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Result<Response, Failure> {
    let principal = authenticate(st.env, &headers, query.as_deref())?;
    Ok(json_response(
        StatusCode::OK,
        &MeBody {
            environment: st.env,
            authenticated_as: principal.name,
            method: principal.method,
            scopes: principal.scopes,
        },
    ))
}

async fn list_orders(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let principal = authenticate(st.env, &headers, query.as_deref())?;
    auth::require_scope(st.env, &principal, "orders:read")?;
    let orders = json!({
        "environment": st.env,
        "orders": [
            {"id": "ord_1001", "item": "Practice widget", "quantity": 2, "status": "shipped"},
            {"id": "ord_1002", "item": "Sample gadget", "quantity": 1, "status": "pending"},
            {"id": "ord_1003", "item": "Demo gizmo", "quantity": 5, "status": "cancelled"},
        ],
    });
    Ok(json_response(StatusCode::OK, &orders))
}

async fn create_order(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Failure> {
    let principal = authenticate(st.env, &headers, query.as_deref())?;
    auth::require_scope(st.env, &principal, "orders:write")?;
    let is_json =
        headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || v.ends_with("+json")
        });
    if !is_json {
        return Ok(plain(
            StatusCode::BAD_REQUEST,
            "POST /v1/orders needs a JSON body with Content-Type: application/json\n",
        ));
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return Ok(plain(StatusCode::BAD_REQUEST, "The body is not valid JSON\n"));
    };
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"environment": st.env, "created_by": principal.name, "order": value}),
    ))
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], text).into_response()
}

async fn admin_reports(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let principal = authenticate(st.env, &headers, query.as_deref())?;
    Err(Failure::forbidden(
        st.env,
        format!(
            "'{}' is authenticated but is not allowed to see admin reports; no demo credential \
             is",
            principal.name
        ),
    ))
}

async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let body_length = match axum::body::to_bytes(body, ECHO_BODY_LIMIT).await {
        Ok(bytes) => Value::from(bytes.len()),
        Err(_) => Value::String(format!("more than {ECHO_BODY_LIMIT} bytes (not read)")),
    };
    let mut query = serde_json::Map::new();
    if let Some(q) = uri.query() {
        for (name, value) in url::form_urlencoded::parse(q.as_bytes()) {
            let shown = if is_sensitive_query_name(&name) { fingerprint(&value) } else { value.into_owned() };
            query.insert(name.into_owned(), Value::String(shown));
        }
    }
    let mut shown_headers = serde_json::Map::new();
    for name in headers.keys() {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| {
                // The same masking the app uses for what it shows and stores.
                redact_header_value(name.as_str(), &String::from_utf8_lossy(v.as_bytes()))
            })
            .collect();
        shown_headers.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
    }
    json_response(
        StatusCode::OK,
        &json!({
            "method": method.as_str(),
            "path": uri.path(),
            "query": query,
            "headers": shown_headers,
            "body_length": body_length,
        }),
    )
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes()).find(|(n, _)| n == name).map(|(_, v)| v.into_owned())
}

/// A numeric query parameter: `default` when absent, an error response when not a number.
fn number_param(
    env: PracticeEnv,
    query: Option<&str>,
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, Box<Response>> {
    match query_param(query, name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse::<u64>().map(|n| n.min(max)).map_err(|_| {
            Box::new(error_response(
                env,
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("The query parameter {name} must be a whole number, got '{raw}'"),
            ))
        }),
    }
}

async fn demo_token(State(st): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let kind = query_param(query.as_deref(), "kind").unwrap_or_else(|| "valid".to_owned());
    let scopes = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let own_issuer = super::issuer(st.env);
    let (spec, iss) = match kind.as_str() {
        "valid" => (spec(scopes(FULL_SCOPES), 3600, 0), own_issuer),
        "expired" => (spec(scopes(FULL_SCOPES), -300, -3900), own_issuer),
        "not_yet_valid" => (spec(scopes(FULL_SCOPES), 7200, 3600), own_issuer),
        "read_only" => (spec(scopes(READ_SCOPES), 3600, 0), own_issuer),
        "wrong_issuer" => (spec(scopes(FULL_SCOPES), 3600, 0), "gatepass-practice-elsewhere".to_owned()),
        other => {
            return error_response(
                st.env,
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!(
                    "Unknown kind '{other}'; use one of valid, expired, not_yet_valid, \
                     read_only, wrong_issuer"
                ),
            );
        }
    };
    match mint_with_issuer(st.env, &iss, &spec) {
        Ok(token) => json_response(
            StatusCode::OK,
            &json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": spec.expires_in_secs,
                "scope": spec.scopes.join(" "),
            }),
        ),
        Err(err) => error_response(st.env, StatusCode::INTERNAL_SERVER_ERROR, "server_error", &err.to_string()),
    }
}

fn spec(scopes: Vec<String>, expires_in_secs: i64, not_before_in_secs: i64) -> TokenSpec {
    TokenSpec { subject: "demo-user".to_owned(), scopes, expires_in_secs, not_before_in_secs, audience: None }
}

/// Builds a JSON array of objects of at least `bytes` bytes.
pub(crate) fn big_json(bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 256);
    out.push(b'[');
    let padding = "lorem ipsum dolor sit amet ".repeat(4);
    let mut i: u64 = 0;
    while out.len() < bytes || i == 0 {
        if i > 0 {
            out.push(b',');
        }
        let _ = std::io::Write::write_fmt(
            &mut out,
            format_args!(
                "{{\"id\":{i},\"name\":\"item-{i}\",\"active\":{},\"note\":\"{padding}\"}}",
                i.is_multiple_of(2)
            ),
        );
        i += 1;
    }
    out.push(b']');
    out
}

async fn big(State(st): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let mb = match number_param(st.env, query.as_deref(), "mb", 1, MAX_BIG_MB) {
        Ok(n) => n,
        Err(resp) => return *resp,
    };
    let bytes = usize::try_from(mb * 1_000_000).unwrap_or(usize::MAX);
    let Ok(body) = tokio::task::spawn_blocking(move || big_json(bytes)).await else {
        return error_response(
            st.env,
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Could not build the response",
        );
    };
    (StatusCode::OK, [(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

async fn binary(State(st): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let kb = match number_param(st.env, query.as_deref(), "kb", 1, MAX_BINARY_KB) {
        Ok(n) => n,
        Err(resp) => return *resp,
    };
    let len = usize::try_from(kb * 1024).unwrap_or(usize::MAX).max(8);
    // Starts with NUL and an invalid UTF-8 sequence, then every byte value in turn.
    let head: [u8; 8] = [0x00, 0xC3, 0x28, 0xFF, 0xFE, 0x80, 0x00, 0x0A];
    let body: Vec<u8> = head.iter().copied().chain((0..=255u8).cycle()).take(len).collect();
    (StatusCode::OK, [(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"))], body).into_response()
}

async fn slow(State(st): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let ms = match number_param(st.env, query.as_deref(), "ms", 1000, MAX_SLOW_MS) {
        Ok(n) => n,
        Err(resp) => return *resp,
    };
    tokio::time::sleep(Duration::from_millis(ms)).await;
    json_response(StatusCode::OK, &json!({"environment": st.env, "slept_ms": ms}))
}

async fn redirect_away(State(st): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let mut status = StatusCode::FOUND;
    let mut host = "localhost";
    for (name, value) in url::form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes()) {
        match (name.as_ref(), value.as_ref()) {
            ("status", code) => {
                if let Some(s) = code.parse::<u16>().ok().filter(|c| matches!(c, 301 | 302 | 303 | 307 | 308)) {
                    status = StatusCode::from_u16(s).unwrap_or(StatusCode::FOUND);
                }
            }
            ("to", "same") => host = "127.0.0.1",
            _ => {}
        }
    }
    let location = format!("http://{host}:{}/v1/echo", st.port);
    let mut response = json_response(status, &json!({"environment": st.env, "location": location}));
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

async fn status(State(st): State<AppState>, Path(code): Path<String>) -> Response {
    let parsed =
        code.parse::<u16>().ok().filter(|c| (200..=599).contains(c)).and_then(|c| StatusCode::from_u16(c).ok());
    let Some(status) = parsed else {
        return error_response(
            st.env,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("'{code}' is not a status code from 200 to 599"),
        );
    };
    if matches!(status.as_u16(), 204 | 205 | 304) {
        return status.into_response();
    }
    json_response(status, &json!({"environment": st.env, "status": status.as_u16()}))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn big_json_is_valid_and_large_enough() {
        let body = big_json(10_000);
        assert!(body.len() >= 10_000);
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert!(value.as_array().unwrap().len() > 10);
    }

    #[test]
    fn big_json_of_zero_is_still_an_array() {
        let value: Value = serde_json::from_slice(&big_json(0)).unwrap();
        assert_eq!(value.as_array().unwrap().len(), 1);
    }

    #[test]
    fn query_param_decodes() {
        assert_eq!(query_param(Some("a=1&kind=read%5Fonly"), "kind").as_deref(), Some("read_only"));
        assert_eq!(query_param(None, "kind"), None);
    }
}
