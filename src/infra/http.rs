//! Sending a prepared request over HTTP(S) with reqwest and rustls.
//!
//! Redirects are followed here, not by reqwest, so the rule is ours and visible: on any change of
//! origin (scheme, host or port) the profile's credential, every header the credential rule
//! flags, cookies and a query credential stay behind, and a 307/308 that would re-send a body
//! holding a keychain secret stops with a message. The same origin keeps them all. Each step is
//! kept in the exchange, so the window can show "→ other.host: your key was not sent on".
//!
//! Every error text that leaves here went through the credential rule: reqwest's errors end
//! with the whole URL, which may carry a key.

use crate::core::certificate::CertificateError;
use crate::core::credential::{Rule, same_origin};
use crate::core::exchange::{
    Exchange, Outcome, Redirect, RequestId, RequestRecord, Response, TlsProblem, TransportError,
};
use crate::core::request::{AppliedCredential, CredentialPlacement, Method, PreparedRequest};
use crate::infra::tls::{self, TlsExtras};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The largest body kept in memory; the rest is dropped and the response marked as cut.
pub const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;
const MAX_REDIRECTS: usize = 10;
const CONNECT_TIMEOUT_SECS: u64 = 15;

/// How many clients with a client certificate or extra authorities are kept ready.
const MAX_TLS_CLIENTS: usize = 16;

/// One HTTP client for the whole process (it pools connections), plus one per set of TLS extras
/// (client certificate, extra authorities) met so far, so sending with a certificate stays fast.
///
/// Plain `http://` requests (the practice API, local services) go through a client that loads no
/// TLS roots; the client for `https://` reads the system's roots the first time it is needed.
/// Reading them takes a few milliseconds, most of a short command's start-up.
#[derive(Clone)]
pub struct HttpClient {
    plain: reqwest::Client,
    secure: Arc<OnceLock<Result<reqwest::Client, String>>>,
    /// A client with a client certificate or extra authorities, used for every request.
    fixed: Option<reqwest::Client>,
    with_tls: Arc<Mutex<Vec<(TlsExtras, reqwest::Client)>>>,
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Gatepass/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(CONNECT_TIMEOUT_SECS))
}

impl HttpClient {
    pub fn new() -> Result<Self, TransportError> {
        let plain = builder()
            .tls_certs_only(std::iter::empty())
            .build()
            .map_err(|e| TransportError::Other { detail: error_chain(&e) })?;
        Ok(Self { plain, secure: Arc::default(), fixed: None, with_tls: Arc::default() })
    }

    /// The client for this address: plain for `http://`, with the system's roots for `https://`
    /// (read now if they were not yet: blocks for a few milliseconds the first time).
    pub(crate) fn client_for(&self, url: &url::Url) -> Result<&reqwest::Client, TransportError> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed);
        }
        if url.scheme() != "https" {
            return Ok(&self.plain);
        }
        self.secure
            .get_or_init(|| builder().build().map_err(|e| error_chain(&e)))
            .as_ref()
            .map_err(|detail| TransportError::Other { detail: detail.clone() })
    }

    /// Read the system's TLS roots now (the window does this on a worker thread at start, so the
    /// first `https://` request does not wait for them).
    pub fn warm_tls(&self) -> Result<(), TransportError> {
        let url = url::Url::parse("https://localhost/").map_err(|e| TransportError::Other { detail: e.to_string() })?;
        self.client_for(&url).map(drop)
    }

    /// A client that presents this client certificate and trusts these extra authorities.
    /// Built once per set of extras and reused (blocks briefly the first time: TLS roots).
    pub fn with_tls(&self, extras: &TlsExtras) -> Result<HttpClient, CertificateError> {
        if extras.is_empty() {
            return Ok(self.clone());
        }
        let mut cache = self.with_tls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, client)) = cache.iter().find(|(key, _)| key == extras) {
            return Ok(Self { fixed: Some(client.clone()), ..self.clone() });
        }
        let client = tls::apply(builder(), extras)?.build().map_err(|e| {
            tracing::warn!(error = %error_chain(&e), "client with a client certificate could not be built");
            CertificateError::UnsupportedKey
        })?;
        if cache.len() >= MAX_TLS_CLIENTS {
            cache.remove(0);
        }
        cache.push((extras.clone(), client.clone()));
        Ok(Self { fixed: Some(client), ..self.clone() })
    }

    /// Send and wait for the whole response. Never fails: a transport problem is an outcome.
    pub async fn send(&self, request: &PreparedRequest, id: RequestId) -> Exchange {
        let started_at = time::OffsetDateTime::now_utc();
        let clock = Instant::now();
        let record = RequestRecord::from_prepared(request);
        let mut redirects = Vec::new();
        let outcome = match tokio::time::timeout(request.timeout, self.follow(request, &mut redirects)).await {
            Ok(Ok(response)) => Outcome::Response(response),
            Ok(Err(error)) => Outcome::Failed(error),
            Err(_) => Outcome::Failed(TransportError::Timeout { secs: request.timeout.as_secs() }),
        };
        Exchange { id, record, outcome, started_at, duration: clock.elapsed(), redirects }
    }

    async fn follow(&self, request: &PreparedRequest, chain: &mut Vec<Redirect>) -> Result<Response, TransportError> {
        let origin = request.url.clone();
        let rule = request.rule();
        // What the profile's credential is called, for "your API key was not sent on".
        let credential_words = request.credential.as_ref().map(|c| match c.summary.method() {
            "api_key" => "your API key".to_owned(),
            "basic" => "your username and password".to_owned(),
            _ => "your access token".to_owned(),
        });
        let mut url = request.wire_url();
        let mut method = request.method;
        let mut body = request.body.clone();
        for _ in 0..=MAX_REDIRECTS {
            let at_origin = same_origin(&origin, &url);
            let mut builder = self.client_for(&url)?.request(to_reqwest(method), url.clone());
            for (name, value) in &request.headers {
                // A redirect that turned the request into a GET dropped its body and so its type;
                // a type typed on a request without a body goes out as typed (as curl sends it).
                if body.is_none() && request.body.is_some() && name.eq_ignore_ascii_case("content-type") {
                    continue;
                }
                if !at_origin && rule.header_is_credential(name, value) {
                    continue;
                }
                let mut header = reqwest::header::HeaderValue::from_str(value)
                    .map_err(|_| TransportError::Other { detail: format!("the {name} header could not be built") })?;
                header.set_sensitive(rule.header_is_credential(name, value));
                builder = builder.header(name, header);
            }
            if at_origin
                && let Some(AppliedCredential { placement: CredentialPlacement::Header { name, value }, .. }) =
                    &request.credential
            {
                let mut header = reqwest::header::HeaderValue::from_str(value.expose())
                    .map_err(|_| TransportError::Other { detail: format!("the {name} header could not be built") })?;
                header.set_sensitive(true);
                builder = builder.header(name, header);
            }
            if let Some(bytes) = &body {
                builder = builder.body(bytes.clone());
            }
            let response = builder.send().await.map_err(|e| map_error(&e, &url, &rule))?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok())
            {
                let mut next = url.join(location).map_err(|e| TransportError::Other {
                    detail: format!("the API redirected to an address that is not valid ({e})"),
                })?;
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(TransportError::Other {
                        detail: format!(
                            "the API redirected to a {}: address, which Gatepass does not follow",
                            next.scheme()
                        ),
                    });
                }
                let leaves = !same_origin(&origin, &next);
                let keeps_body = matches!(status.as_u16(), 307 | 308);
                if leaves && keeps_body && body.is_some() && !request.body_secrets.is_empty() {
                    return Err(TransportError::RedirectWouldResendSecret {
                        origin: crate::core::credential::origin_words(&next),
                        status: status.as_u16(),
                    });
                }
                let mut not_sent = Vec::new();
                if leaves {
                    if let Some(words) = &credential_words {
                        not_sent.push(words.clone());
                    }
                    for (name, value) in &request.headers {
                        if rule.header_is_credential(name, value) {
                            not_sent.push(if name.eq_ignore_ascii_case("cookie") {
                                "cookies".to_owned()
                            } else {
                                format!("the {name} header")
                            });
                        }
                    }
                    if strip_query_credentials(&mut next, &rule) {
                        not_sent.push("the key in the address".to_owned());
                    }
                }
                not_sent.dedup();
                chain.push(Redirect {
                    status: status.as_u16(),
                    from: rule.mask_url(&url),
                    to: rule.mask_url(&next),
                    other_origin: leaves,
                    not_sent,
                });
                if matches!(status.as_u16(), 301..=303) && method != Method::Head {
                    method = Method::Get;
                    body = None;
                }
                url = next;
                continue;
            }
            return read_response(response, &url, &rule).await;
        }
        Err(TransportError::TooManyRedirects)
    }

    /// The underlying client for this address, for adapters that build their own requests (the
    /// OAuth grants).
    pub(crate) fn reqwest_for(&self, url: &url::Url) -> Result<&reqwest::Client, TransportError> {
        self.client_for(url)
    }

    /// A plain GET of a small public document (a key set, a discovery document): no credential,
    /// no redirects followed, at most `max_bytes` read, all within `timeout`.
    /// Returns the status and the body; a body over the limit is cut and marked.
    pub async fn get_small(
        &self,
        url: &url::Url,
        max_bytes: usize,
        timeout: Duration,
    ) -> Result<(u16, Vec<u8>, bool), TransportError> {
        let fetch = async {
            let rule = Rule::detector();
            let mut response =
                self.client_for(url)?.get(url.clone()).send().await.map_err(|e| map_error(&e, url, &rule))?;
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| map_error(&e, url, &rule))? {
                if body.len() + chunk.len() > max_bytes {
                    return Ok((status, body, true));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, body, false))
        };
        match tokio::time::timeout(timeout, fetch).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout { secs: timeout.as_secs() }),
        }
    }
}

/// Take every query parameter the rule flags out of an address bound for another origin, the
/// profile's own key included, whether the API echoed it in its `Location` or not. Returns
/// whether there was one.
fn strip_query_credentials(url: &mut url::Url, rule: &Rule) -> bool {
    if url.query().is_none() {
        return false;
    }
    let all: Vec<(String, String)> = url.query_pairs().map(|(n, v)| (n.into_owned(), v.into_owned())).collect();
    let kept: Vec<&(String, String)> = all.iter().filter(|(n, v)| !rule.query_is_credential(n, v)).collect();
    if kept.len() == all.len() {
        return false;
    }
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    true
}

async fn read_response(
    mut response: reqwest::Response,
    url: &url::Url,
    rule: &Rule,
) -> Result<Response, TransportError> {
    let status = response.status().as_u16();
    let http_version = format!("{:?}", response.version());
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let capacity = response.content_length().and_then(|n| usize::try_from(n).ok()).unwrap_or(0).min(MAX_BODY_BYTES);
    let mut body = Vec::with_capacity(capacity);
    let mut body_truncated = false;
    while let Some(chunk) = response.chunk().await.map_err(|e| map_error(&e, url, rule))? {
        let room = MAX_BODY_BYTES - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            body_truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response { status, http_version, headers, body, body_truncated, final_url: rule.mask_url(url) })
}

fn to_reqwest(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
        Method::Head => reqwest::Method::HEAD,
        Method::Options => reqwest::Method::OPTIONS,
    }
}

/// The whole chain of causes, for classification. reqwest errors never hold header values.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    clip_long_words(&text)
}

/// A message quotes the whole address; one of 120,000 characters would drown the words. Any run
/// of more than 200 characters without a space keeps its start and says how long it was.
fn clip_long_words(text: &str) -> String {
    const LONGEST: usize = 200;
    text.split(' ')
        .map(|word| {
            let count = word.chars().count();
            if count <= LONGEST {
                word.to_owned()
            } else {
                let start: String = word.chars().take(120).collect();
                format!("{start}… ({count} characters)")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest address the HTTP library sends (its request-line limit).
const MAX_URL_LEN: usize = 65_534;

/// A reqwest failure sorted by what a person does about it, its text masked by the detector.
pub(crate) fn transport_error(error: &reqwest::Error, host: &str) -> TransportError {
    let chain = Rule::detector().mask_text(&error_chain(error)).into_string();
    classify(&chain, host.to_owned(), error.is_timeout())
}

/// A reqwest failure sorted by what a person does about it. reqwest's text ends with the whole
/// URL, query key included: it goes through the request's credential rule before it is kept.
fn map_error(error: &reqwest::Error, url: &url::Url, rule: &Rule) -> TransportError {
    let host = url.host_str().unwrap_or_default().to_owned();
    // The HTTP library refuses a request line this long before anything is sent.
    if error.is_builder() && url.as_str().len() > MAX_URL_LEN {
        return TransportError::Other {
            detail: format!(
                "the address is {} characters long, and an address can be at most {MAX_URL_LEN}. Send long data in the body instead.",
                url.as_str().len()
            ),
        };
    }
    let chain = rule.mask_text(&error_chain(error)).into_string();
    classify(&chain, host, error.is_timeout())
}

/// Sort a failure by what a person does about it.
pub fn classify(chain: &str, host: String, is_timeout: bool) -> TransportError {
    let lower = chain.to_ascii_lowercase();
    if is_timeout {
        return TransportError::Timeout { secs: CONNECT_TIMEOUT_SECS };
    }
    let tls = |problem| TransportError::Tls { host: host.clone(), problem, detail: chain.to_owned() };
    if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        TransportError::Dns { host }
    } else if lower.contains("connection refused") {
        TransportError::Refused { host }
    } else if lower.contains("message head is too large") || lower.contains("header too large") {
        TransportError::HeadersTooLarge { host }
    } else if ["invalid http version", "invalid status", "invalid header", "invalid response", "parse error"]
        .iter()
        .any(|words| lower.contains(words))
        && !lower.contains("tls")
    {
        TransportError::NotHttp { host }
    } else if lower.contains("certificate required")
        || lower.contains("certificaterequired")
        || lower.contains("no required ssl certificate")
    {
        tls(TlsProblem::ClientCertificateMissing)
    } else if lower.contains("received fatal alert") && lower.contains("certificateexpired") {
        // An alert received is the server's verdict on *our* certificate; the server's own
        // certificate failing our check never arrives as an alert.
        tls(TlsProblem::ClientCertificateExpired)
    } else if lower.contains("received fatal alert") && lower.contains("unknownca") {
        tls(TlsProblem::ClientCertificateUntrusted)
    } else if lower.contains("received fatal alert")
        && ["badcertificate", "certificateunknown", "decrypterror", "unsupportedcertificate", "accessdenied"]
            .iter()
            .any(|alert| lower.contains(alert))
    {
        tls(TlsProblem::ClientCertificate)
    } else if lower.contains("expired") && lower.contains("certificate") {
        tls(TlsProblem::Expired)
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        tls(TlsProblem::WrongHost)
    } else if lower.contains("unknownissuer")
        || lower.contains("unknown issuer")
        || lower.contains("self-signed")
        || lower.contains("self signed")
    {
        tls(TlsProblem::Untrusted)
    } else if lower.contains("invalidcontenttype") || lower.contains("received corrupt message") {
        tls(TlsProblem::NotTls)
    } else if lower.contains("invalid peer certificate") || lower.contains("tls") || lower.contains("handshake") {
        tls(TlsProblem::Other)
    } else {
        TransportError::Other { detail: chain.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_address_in_an_error_is_cut_and_its_length_said() {
        let long = format!("http://x.test/{}", "a".repeat(120_000));
        let said = clip_long_words(&format!("builder error for url ({long})"));
        assert!(said.len() < 400, "{}", said.len());
        assert!(said.starts_with("builder error for url (http://x.test/aaa"), "{said}");
        assert!(said.ends_with("… (120016 characters)"), "{said}");
        assert_eq!(clip_long_words("short words stay"), "short words stay");
    }

    #[test]
    fn failures_are_sorted_by_what_to_do() {
        let cases = [
            ("error sending request: client error (Connect): dns error: failed to lookup address information", "Dns"),
            (
                "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)",
                "Refused",
            ),
            ("client error (Connect): invalid peer certificate: UnknownIssuer", "Untrusted"),
            (
                "client error (Connect): invalid peer certificate: certificate expired: verification time 1, but certificate is not valid after 0",
                "Expired",
            ),
            ("client error (Connect): invalid peer certificate: NotValidForName", "WrongHost"),
            ("received fatal alert: CertificateRequired", "ClientCertificateMissing"),
            (
                "error sending request: client error (SendRequest): connection error: received fatal alert: CertificateExpired",
                "ClientCertificateExpired",
            ),
            ("client error (SendRequest): received fatal alert: UnknownCA", "ClientCertificateUntrusted"),
            ("client error (SendRequest): received fatal alert: BadCertificate", "ClientCertificate"),
            ("client error (Connect): received corrupt message of type InvalidContentType", "TlsNotTls"),
            ("client error (SendRequest): message head is too large", "HeadersTooLarge"),
            ("client error (SendRequest): invalid HTTP version parsed", "NotHttp"),
        ];
        for (chain, expected) in cases {
            let got = classify(chain, "api.example.com".into(), false);
            let name = match &got {
                TransportError::Dns { .. } => "Dns",
                TransportError::Refused { .. } => "Refused",
                TransportError::Tls { problem, .. } => match problem {
                    TlsProblem::Untrusted => "Untrusted",
                    TlsProblem::Expired => "Expired",
                    TlsProblem::WrongHost => "WrongHost",
                    TlsProblem::ClientCertificate => "ClientCertificate",
                    TlsProblem::ClientCertificateMissing => "ClientCertificateMissing",
                    TlsProblem::ClientCertificateExpired => "ClientCertificateExpired",
                    TlsProblem::ClientCertificateUntrusted => "ClientCertificateUntrusted",
                    TlsProblem::NotTls => "TlsNotTls",
                    TlsProblem::Other => "TlsOther",
                },
                TransportError::HeadersTooLarge { .. } => "HeadersTooLarge",
                TransportError::NotHttp { .. } => "NotHttp",
                _ => "Other",
            };
            assert_eq!(name, expected, "{chain}");
        }
    }
}
