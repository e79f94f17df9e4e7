//! The OAuth 2 client credentials grant (RFC 6749 §4.4), run with the `oauth2` crate over our own
//! reqwest client, so one HTTP stack is built and the same TLS and timeout rules apply.
//!
//! The crate builds the request (client authentication by Basic header or form body, scopes,
//! extra fields) and reads the answer; [`send_token_request`] is the HTTP function it calls.
//! What the answer looked like (status, content type) is noted on the side so an HTML page or a
//! body that is not a token can be explained in plain words.

use crate::core::exchange::TransportError;
use crate::core::oauth::{CachedToken, GrantError, Introspection, IntrospectionError, expiry_from_token};
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

/// Run the grant: ask the token endpoint for an access token (over `http`, which carries the
/// profile's `DPoP` proofs when it has a key). `now` is unix seconds.
pub async fn client_credentials(
    http: &TokenHttp,
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
    let signs = settings.client_auth == ClientAuth::PrivateKeyJwt;
    if client_secret.is_empty() {
        return Err(if signs { GrantError::MissingPrivateKey } else { GrantError::MissingSecret });
    }
    let mut client = BasicClient::new(ClientId::new(client_id.to_owned())).set_token_uri(token_url).set_auth_type(
        if settings.client_auth == ClientAuth::BasicHeader { AuthType::BasicAuth } else { AuthType::RequestBody },
    );
    if !signs {
        client = client.set_client_secret(ClientSecret::new(client_secret.expose().to_owned()));
    }
    let scopes: Vec<String> = settings.scopes.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    let mut request = client.exchange_client_credentials().add_scopes(scopes.iter().cloned().map(Scope::new));
    if signs {
        // RFC 7523 §2.2: no secret; the client ID and a signed assertion go in the form body.
        let key = settings.assertion.clone().unwrap_or_default();
        let assertion = crate::core::token::mint::client_assertion(
            client_id,
            token_url_text,
            key.algorithm,
            key.key_id.as_deref(),
            client_secret,
            now,
        )
        .map_err(GrantError::Assertion)?;
        request = request
            .add_extra_param("client_assertion_type", crate::core::token::mint::ASSERTION_TYPE)
            .add_extra_param("client_assertion", assertion.expose().to_owned());
    }
    if let Some(audience) = settings.audience.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        request = request.add_extra_param("audience", audience.to_owned());
    }
    if let Some(resource) = settings.resource.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        request = request.add_extra_param("resource", resource.to_owned());
    }

    tracing::debug!(client_auth = ?settings.client_auth, scopes = scopes.len(), "asking the token endpoint");
    let result = request.request_async(http).await;
    let seen = http.seen();
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

/// Ask an introspection endpoint (RFC 7662) about `token`. With `client`, authenticate as that
/// OAuth client (Basic header, form fields, or a signed assertion, as at its token endpoint).
pub async fn introspect(
    http: &HttpClient,
    url: &str,
    client: Option<(&ClientCredentials, &Secret)>,
    token: &Secret,
    now: i64,
) -> Result<Introspection, GrantError> {
    let url = url.trim();
    let bad_url = || GrantError::Introspection(IntrospectionError::BadUrl { url: url.to_owned() });
    let parsed = url::Url::parse(url).map_err(|_| bad_url())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad_url());
    }
    let request = introspection_request(url, client, token, now)?;
    let seen = Mutex::new(Seen::default());
    let response = send_token_request(http, request, &seen).await.map_err(GrantError::Transport)?;
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    let html = seen.starts_like_html || seen.content_type.to_ascii_lowercase().contains("html");
    if html {
        return Err(GrantError::Introspection(IntrospectionError::Html { status: seen.status }));
    }
    if response.status().is_success() {
        return Introspection::from_json(response.body()).map_err(GrantError::Introspection);
    }
    // An error answer: RFC 6749 §5.2 JSON when the server follows it.
    let error: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
    match error.as_ref().and_then(|e| e.get("error")).and_then(serde_json::Value::as_str) {
        Some(code) => Err(GrantError::Endpoint {
            code: code.to_owned(),
            description: error
                .as_ref()
                .and_then(|e| e.get("error_description"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            scopes: Vec::new(),
        }),
        None => Err(GrantError::Introspection(IntrospectionError::Status { status: seen.status })),
    }
}

/// The introspection request: the token and the client's authentication, as a form.
fn introspection_request(
    url: &str,
    client: Option<(&ClientCredentials, &Secret)>,
    token: &Secret,
    now: i64,
) -> Result<HttpRequest, GrantError> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("token", token.expose());
    form.append_pair("token_type_hint", "access_token");
    let mut request = oauth2::http::Request::builder()
        .method(oauth2::http::Method::POST)
        .uri(url)
        .header(oauth2::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(oauth2::http::header::ACCEPT, "application/json");
    if let Some((settings, secret)) = client {
        let id = settings.client_id.trim();
        match settings.client_auth {
            ClientAuth::BasicHeader => {
                // RFC 6749 §2.3.1: each part form-encoded, then joined and base64-encoded.
                let encode = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
                let pair = format!("{}:{}", encode(id), encode(secret.expose()));
                let value =
                    format!("Basic {}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pair));
                request = request.header(oauth2::http::header::AUTHORIZATION, value);
            }
            ClientAuth::RequestBody => {
                form.append_pair("client_id", id);
                form.append_pair("client_secret", secret.expose());
            }
            ClientAuth::PrivateKeyJwt => {
                let key = settings.assertion.clone().unwrap_or_default();
                let assertion = crate::core::token::mint::client_assertion(
                    id,
                    settings.token_url.trim(),
                    key.algorithm,
                    key.key_id.as_deref(),
                    secret,
                    now,
                )
                .map_err(GrantError::Assertion)?;
                form.append_pair("client_id", id);
                form.append_pair("client_assertion_type", crate::core::token::mint::ASSERTION_TYPE);
                form.append_pair("client_assertion", assertion.expose());
            }
        }
    }
    request.body(form.finish().into_bytes()).map_err(|_| {
        GrantError::Transport(TransportError::Other { detail: "the request could not be built".to_owned() })
    })
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
///
/// With a `DPoP` key (RFC 9449 §5), every token request (a form with `grant_type`) carries a
/// fresh proof, so the server binds the token it issues to that key; when the server asks for
/// its nonce (`use_dpop_nonce`), the request goes once more with a proof that carries it, and
/// the nonce is kept for the next token request (device polling, refresh).
pub struct TokenHttp {
    http: HttpClient,
    seen: Mutex<Seen>,
    dpop: Option<TokenDpop>,
}

struct TokenDpop {
    key: Secret,
    nonce: Mutex<Option<String>>,
}

impl TokenHttp {
    /// Token requests over `http`, with no `DPoP` proof.
    pub fn new(http: &HttpClient) -> Self {
        Self { http: http.clone(), seen: Mutex::new(Seen::default()), dpop: None }
    }

    /// Token requests carry `DPoP` proofs signed with `key` (the profile's, from the keychain).
    #[must_use]
    pub fn with_dpop(mut self, key: Option<Secret>) -> Self {
        self.dpop = key.map(|key| TokenDpop { key, nonce: Mutex::new(None) });
        self
    }

    /// What the last answer looked like.
    pub(crate) fn seen(&self) -> Seen {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let Some(dpop) = self.dpop.as_ref().filter(|_| is_token_request(&request)) else {
            return send_token_request(&self.http, request, &self.seen).await;
        };
        let again = copy_request(&request);
        let first = send_token_request(&self.http, dpop.prove(request)?, &self.seen).await?;
        let asked = nonce_asked(&first);
        dpop.remember_nonce(&first);
        match (asked, again) {
            (Some(_), Some(again)) => {
                tracing::info!("the token endpoint asked for its DPoP nonce; asking once more with it");
                let second = send_token_request(&self.http, dpop.prove(again)?, &self.seen).await?;
                dpop.remember_nonce(&second);
                Ok(second)
            }
            _ => Ok(first),
        }
    }
}

impl TokenDpop {
    /// The request with a fresh proof for it in its `DPoP` header.
    fn prove(&self, mut request: HttpRequest) -> Result<HttpRequest, TransportError> {
        let unsigned = |detail: String| TransportError::Other { detail };
        let url = url::Url::parse(&request.uri().to_string())
            .map_err(|_| unsigned("the token URL could not be read for the DPoP proof".to_owned()))?;
        let nonce = self.nonce.lock().ok().and_then(|n| n.clone());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let proof =
            crate::core::auth::dpop::proof(&self.key, request.method().as_str(), &url, None, nonce.as_deref(), now)
                .map_err(|e| unsigned(e.to_string()))?;
        let value = oauth2::http::HeaderValue::from_str(proof.expose())
            .map_err(|_| unsigned("the DPoP proof could not be put in a header".to_owned()))?;
        request.headers_mut().insert("dpop", value);
        Ok(request)
    }

    /// A server may hand out a new nonce with any answer (RFC 9449 §8.2): the next proof uses it.
    fn remember_nonce(&self, response: &HttpResponse) {
        let given = response.headers().get("dpop-nonce").and_then(|v| v.to_str().ok()).map(str::trim);
        if let (Some(nonce), Ok(mut kept)) = (given.filter(|n| !n.is_empty()), self.nonce.lock()) {
            *kept = Some(nonce.to_owned());
        }
    }
}

/// A token request (RFC 6749 §4–6) is a form that names its `grant_type`; the device
/// authorization request and introspection are not, and get no proof.
fn is_token_request(request: &HttpRequest) -> bool {
    request.method() == oauth2::http::Method::POST
        && url::form_urlencoded::parse(request.body()).any(|(name, _)| name == "grant_type")
}

fn copy_request(request: &HttpRequest) -> Option<HttpRequest> {
    let mut builder = oauth2::http::Request::builder().method(request.method().clone()).uri(request.uri().clone());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    builder.body(request.body().clone()).ok()
}

/// The nonce a token endpoint asked for, when it refused the proof for want of one.
fn nonce_asked(response: &HttpResponse) -> Option<String> {
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str().to_owned(), v.to_owned())))
        .collect();
    crate::core::auth::dpop::nonce_asked(response.status().as_u16(), &headers, response.body())
}

impl<'c> oauth2::AsyncHttpClient<'c> for TokenHttp {
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
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
    let client = http.reqwest_for(request.url())?.clone();
    let fetch = async {
        let mut response = client.execute(request).await.map_err(|e| crate::infra::http::transport_error(&e, &host))?;
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
