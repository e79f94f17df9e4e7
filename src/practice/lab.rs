//! `/v1/lab/{cause}`: one route per diagnosis cause, answering the way real APIs do, so every
//! explanation Gatepass gives can be seen live from the sample workspace.

use axum::extract::Path;
use axum::http::header::{CONTENT_TYPE, DATE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::PracticeEnv;

/// The causes the lab shows, in the order the sidebar lists them, with what each answer imitates.
pub const LAB: &[(&str, &str)] = &[
    ("missing_credential", "401 with no credential sent"),
    ("malformed_credential", "401: the scheme word appears twice"),
    ("invalid_credential", "401: the API key is not recognised"),
    ("wrong_auth_scheme", "401: the API asks for Basic"),
    ("expired_credential", "401 invalid_token: the token expired"),
    ("not_yet_valid_credential", "401: the token is not valid yet"),
    ("revoked_credential", "401: the token was revoked"),
    ("wrong_environment", "401: a test key at a live API"),
    ("wrong_audience", "401: the token is for another API"),
    ("insufficient_scope", "403 insufficient_scope"),
    ("resource_permission", "403: not your item"),
    ("account_policy", "403: an IP address rule"),
    ("client_authentication_failed", "401 invalid_client at a token endpoint"),
    ("signature_mismatch", "403 SignatureDoesNotMatch"),
    ("clock_skew", "403 RequestTimeTooSkewed, clock 15 min off"),
    ("mtls_certificate", "400: no client certificate was sent"),
    ("other_auth_failure", "407: a proxy wants you to sign in"),
];

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    (status, [(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body.to_string()).into_response()
}

fn with_header(mut response: Response, name: axum::http::HeaderName, value: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(name, v);
    }
    response
}

fn realm(env: PracticeEnv) -> String {
    format!("Bearer realm=\"gatepass-practice-{}\"", env.as_str())
}

#[allow(clippy::unused_async, reason = "axum handlers are async")]
pub(crate) async fn lab(env: PracticeEnv, Path(cause): Path<String>, headers: HeaderMap) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    match cause.as_str() {
        "missing_credential" => with_header(
            json(StatusCode::UNAUTHORIZED, &serde_json::json!({"error": "unauthorized", "message": "No API key or token was found in the request."})),
            WWW_AUTHENTICATE,
            &realm(env),
        ),
        "malformed_credential" => {
            let words: Vec<&str> = auth.split_whitespace().collect();
            if words.len() == 2 && words[0].eq_ignore_ascii_case("bearer") {
                return json(StatusCode::OK, &serde_json::json!({"ok": true, "message": "The Authorization header is well formed now."}));
            }
            with_header(
                json(StatusCode::UNAUTHORIZED, &serde_json::json!({"error": "invalid_request", "error_description": "The Authorization header is malformed."})),
                WWW_AUTHENTICATE,
                &format!("{}, error=\"invalid_request\", error_description=\"The Authorization header is malformed\"", realm(env)),
            )
        }
        "invalid_credential" => json(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({"error": {"type": "authentication_error", "message": "Invalid API key provided."}}),
        ),
        "wrong_auth_scheme" => with_header(
            json(StatusCode::UNAUTHORIZED, &serde_json::json!({"message": "This route takes a username and password (Basic)."})),
            WWW_AUTHENTICATE,
            "Basic realm=\"gatepass-practice\", charset=\"UTF-8\"",
        ),
        "expired_credential" => with_header(
            json(StatusCode::UNAUTHORIZED, &serde_json::json!({"error": "invalid_token", "error_description": "The access token expired"})),
            WWW_AUTHENTICATE,
            &format!("{}, error=\"invalid_token\", error_description=\"The access token expired\"", realm(env)),
        ),
        "not_yet_valid_credential" => with_header(
            json(StatusCode::UNAUTHORIZED, &serde_json::json!({"error": "invalid_token", "error_description": "The token is not valid yet (nbf is in the future)"})),
            WWW_AUTHENTICATE,
            &format!("{}, error=\"invalid_token\", error_description=\"The token is not valid yet\"", realm(env)),
        ),
        "revoked_credential" => json(StatusCode::UNAUTHORIZED, &serde_json::json!({"ok": false, "error": "token_revoked"})),
        "wrong_environment" => json(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({"error": {"type": "invalid_request_error", "message": "This is a live API. A test mode key was used to make this request."}}),
        ),
        "wrong_audience" => with_header(
            json(StatusCode::UNAUTHORIZED, &serde_json::json!({"error": "invalid_token", "error_description": "The audience (aud) of this token is not this API"})),
            WWW_AUTHENTICATE,
            &format!("{}, error=\"invalid_token\", error_description=\"Invalid audience\"", realm(env)),
        ),
        "insufficient_scope" => with_header(
            json(StatusCode::FORBIDDEN, &serde_json::json!({"error": "insufficient_scope", "error_description": "This needs the permission reports:read"})),
            WWW_AUTHENTICATE,
            &format!("{}, error=\"insufficient_scope\", scope=\"reports:read\"", realm(env)),
        ),
        "resource_permission" => json(
            StatusCode::FORBIDDEN,
            &serde_json::json!({"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "You do not have access to this report."}}),
        ),
        "account_policy" => json(
            StatusCode::FORBIDDEN,
            &serde_json::json!({"error": "forbidden", "message": "Requests from your IP address are not allowed by this account's allow list."}),
        ),
        "client_authentication_failed" => json(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        ),
        "signature_mismatch" => (
            StatusCode::FORBIDDEN,
            [(CONTENT_TYPE, HeaderValue::from_static("application/xml"))],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>",
        )
            .into_response(),
        "clock_skew" => {
            let skewed = time::OffsetDateTime::now_utc() - time::Duration::minutes(15);
            let format = time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            );
            let date = skewed.format(&format).unwrap_or_default();
            let response = (
                StatusCode::FORBIDDEN,
                [(CONTENT_TYPE, HeaderValue::from_static("application/xml"))],
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>",
            )
                .into_response();
            with_header(response, DATE, &date)
        }
        "mtls_certificate" => (
            StatusCode::BAD_REQUEST,
            [(CONTENT_TYPE, HeaderValue::from_static("text/html"))],
            "<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
        )
            .into_response(),
        "other_auth_failure" => with_header(
            (StatusCode::PROXY_AUTHENTICATION_REQUIRED, "Proxy Authentication Required").into_response(),
            axum::http::header::PROXY_AUTHENTICATE,
            "Basic realm=\"corporate-proxy\"",
        ),
        _ => json(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": "not_found", "message": format!("There is no lab route for {cause}. See /routes.")}),
        ),
    }
}
