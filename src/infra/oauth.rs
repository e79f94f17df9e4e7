//! The OAuth 2 client credentials grant (RFC 6749 §4.4), run with the `oauth2` crate over our own
//! reqwest client, so one HTTP stack is built and the same TLS and timeout rules apply.
//!
//! The crate builds the request (client authentication by Basic header or form body, scopes,
//! extra fields) and reads the answer; [`send_token_request`] is the HTTP function it calls.
//! What the answer looked like (status, content type) is noted on the side so an HTML page or a
//! body that is not a token can be explained in plain words.

use crate::core::exchange::TransportError;
use crate::core::oauth::{CachedToken, GrantError, expiry_from_token};
use crate::core::profile::{ClientAuth, ClientCredentials};
use crate::core::secret::Secret;
use crate::infra::http::HttpClient;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse, RequestTokenError, Scope, TokenResponse as _,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

/// A token endpoint answers with a small JSON document; anything bigger is not a token.
const MAX_TOKEN_RESPONSE_BYTES: usize = 1024 * 1024;
const TOKEN_TIMEOUT_SECS: u64 = 30;

/// What the last answer looked like, for explaining one that was not a token.
#[derive(Debug, Default, Clone)]
pub(crate) struct Seen {
    status: u16,
    content_type: String,
    starts_like_html: bool,
}

/// Run the grant: ask the token endpoint for an access token. `now` is unix seconds.
pub async fn client_credentials(
    http: &HttpClient,
    settings: &ClientCredentials,
    client_secret: &Secret,
    now: i64,
) -> Result<CachedToken, GrantError> {
    let token_url_text = settings.token_url.trim();
    let bad_url = || GrantError::BadTokenUrl { url: token_url_text.to_owned() };
    let parsed = url::Url::parse(token_url_text).map_err(|_| bad_url())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad_url());
    }
    let token_url = oauth2::TokenUrl::from_url(parsed);
    let client_id = settings.client_id.trim();
    if client_id.is_empty() {
        return Err(GrantError::MissingClientId);
    }
    if client_secret.is_empty() {
        return Err(GrantError::MissingSecret);
    }
    let client = BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_client_secret(ClientSecret::new(client_secret.expose().to_owned()))
        .set_auth_type(match settings.client_auth {
            ClientAuth::BasicHeader => AuthType::BasicAuth,
            ClientAuth::RequestBody => AuthType::RequestBody,
        })
        .set_token_uri(token_url);
    let scopes: Vec<String> = settings.scopes.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    let mut request = client.exchange_client_credentials().add_scopes(scopes.iter().cloned().map(Scope::new));
    if let Some(audience) = settings.audience.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        request = request.add_extra_param("audience", audience.to_owned());
    }
    if let Some(resource) = settings.resource.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        request = request.add_extra_param("resource", resource.to_owned());
    }

    let transport = TokenHttp { http: http.clone(), seen: Mutex::new(Seen::default()) };
    tracing::debug!(client_auth = ?settings.client_auth, scopes = scopes.len(), "asking the token endpoint");
    let result = request.request_async(&transport).await;
    let seen = transport.seen.lock().map(|s| s.clone()).unwrap_or_default();
    match result {
        Ok(response) => {
            let access_token = Secret::new(response.access_token().secret().clone());
            let expires_at = response
                .expires_in()
                .map(|d| now.saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
                .or_else(|| expiry_from_token(&access_token));
            let granted = response.scopes().map(|s| s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            tracing::info!(expires_in = ?response.expires_in(), "access token obtained");
            Ok(CachedToken {
                access_token,
                token_type: response.token_type().as_ref().to_owned(),
                obtained_at: now,
                expires_at,
                scopes: granted.unwrap_or(scopes),
                refresh_token: None,
                refresh_expires_at: None,
            })
        }
        Err(RequestTokenError::ServerResponse(error)) => Err(GrantError::Endpoint {
            code: error.error().as_ref().to_owned(),
            description: error.error_description().cloned(),
            scopes,
        }),
        Err(RequestTokenError::Request(transport)) => Err(GrantError::Transport(transport)),
        // Never show serde's message or the body: a half-readable answer may hold a token.
        Err(RequestTokenError::Parse(error, _)) => Err(not_a_token(&seen, &format!("unreadable at {}", error.path()))),
        Err(RequestTokenError::Other(_)) => Err(not_a_token(&seen, "not JSON")),
    }
}

pub(crate) fn not_a_token(seen: &Seen, what: &str) -> GrantError {
    if seen.content_type.to_ascii_lowercase().contains("html") || seen.starts_like_html {
        GrantError::Html { status: seen.status }
    } else {
        let kind = if seen.content_type.is_empty() { "no content type".to_owned() } else { seen.content_type.clone() };
        GrantError::NotAToken { status: seen.status, detail: format!("{kind}, {what}") }
    }
}

/// The HTTP client the `oauth2` crate calls: ours. A type rather than a closure so its future is
/// plainly `Send` (the GUI runs the grant on the tokio pool).
pub(crate) struct TokenHttp {
    http: HttpClient,
    seen: Mutex<Seen>,
}

impl TokenHttp {
    pub(crate) fn new(http: &HttpClient) -> Self {
        Self { http: http.clone(), seen: Mutex::new(Seen::default()) }
    }

    /// What the last answer looked like.
    pub(crate) fn seen(&self) -> Seen {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for TokenHttp {
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send_token_request(&self.http, request, &self.seen))
    }
}

/// One token request over our reqwest client: no redirects, a timeout and a size limit, the
/// Basic header marked sensitive.
async fn send_token_request(
    http: &HttpClient,
    request: HttpRequest,
    seen: &Mutex<Seen>,
) -> Result<HttpResponse, TransportError> {
    let host = request.uri().host().unwrap_or_default().to_owned();
    let mut request = reqwest::Request::try_from(request)
        .map_err(|_| TransportError::Other { detail: "the token request could not be built".to_owned() })?;
    if let Some(value) = request.headers_mut().get_mut(reqwest::header::AUTHORIZATION) {
        value.set_sensitive(true);
    }
    let fetch = async {
        let mut response =
            http.reqwest().execute(request).await.map_err(|e| crate::infra::http::transport_error(&e, &host))?;
        let mut builder = oauth2::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| crate::infra::http::transport_error(&e, &host))? {
            if body.len() + chunk.len() > MAX_TOKEN_RESPONSE_BYTES {
                return Err(TransportError::Other {
                    detail: "the token URL sent more than 1 MB, which is not a token answer".to_owned(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(|_| TransportError::Other { detail: "the answer could not be read".to_owned() })
    };
    let response = tokio::time::timeout(Duration::from_secs(TOKEN_TIMEOUT_SECS), fetch)
        .await
        .map_err(|_| TransportError::Timeout { secs: TOKEN_TIMEOUT_SECS })??;
    if let Ok(mut seen) = seen.lock() {
        seen.status = response.status().as_u16();
        response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .clone_into(&mut seen.content_type);
        let start = response.body().iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        seen.starts_like_html = response.body().get(start) == Some(&b'<');
    }
    tracing::debug!(status = response.status().as_u16(), bytes = response.body().len(), "token endpoint answered");
    Ok(response)
}
