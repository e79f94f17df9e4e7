//! The last stages of a request's life: what was sent (redacted) and what came back.
//!
//! An [`Exchange`] is safe to show, keep and copy: its [`RequestRecord`] holds fingerprints,
//! never secrets.

use crate::core::credential::{CredentialSummary, Masked};
use crate::core::request::{Method, PreparedRequest};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One send, so late results of an old send can be told apart and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId(pub u64);

impl RequestId {
    /// The id of Check setup's test requests, far from the ones the window hands out. History
    /// records a send with it as a check's, so lists can keep those apart.
    pub const CHECK_PROBE: RequestId = RequestId(1 << 40);

    pub fn is_check_probe(self) -> bool {
        self == Self::CHECK_PROBE
    }
}

/// The request as it went out, masked by construction: its parts are [`Masked`] texts and a
/// [`CredentialSummary`], which only the credential rule builds, so no raw value can be put in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub method: Method,
    pub url: Masked,
    pub headers: Vec<MaskedHeader>,
    pub body_len: usize,
    /// The profile's credential: method, place, fingerprint; None when no credential went.
    pub credential: Option<CredentialSummary>,
}

/// One header as sent, its value through the credential rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaskedHeader {
    pub name: String,
    pub value: Masked,
}

impl RequestRecord {
    pub fn from_prepared(request: &PreparedRequest) -> Self {
        Self {
            method: request.method,
            url: request.display_url(),
            headers: request.display_headers().into_iter().map(|(name, value)| MaskedHeader { name, value }).collect(),
            body_len: request.body.as_ref().map_or(0, Vec::len),
            credential: request.credential.as_ref().map(|c| c.summary.clone()),
        }
    }

    /// The headers as (name, value) text pairs, for tables.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        self.headers.iter().map(|h| (h.name.clone(), h.value.as_str().to_owned())).collect()
    }
}

/// One step of a redirect chain, masked, with what was held back when it left the origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    pub status: u16,
    pub from: Masked,
    pub to: Masked,
    /// The redirect left the request's origin (scheme, host or port changed).
    pub other_origin: bool,
    /// What was not sent on, in words ("your API key", "the X-Auth-Key header", "cookies").
    pub not_sent: Vec<String>,
}

impl Redirect {
    /// "→ other.host: your API key was not sent on", for the window and the command line.
    pub fn words(&self) -> String {
        if self.not_sent.is_empty() {
            format!("→ {} ({})", self.to, self.status)
        } else {
            format!(
                "→ {} ({}): {} {} not sent on",
                self.to,
                self.status,
                join_words(&self.not_sent),
                if self.not_sent.len() == 1 && !self.not_sent[0].ends_with('s') { "was" } else { "were" }
            )
        }
    }
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub http_version: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the limit and was cut.
    pub body_truncated: bool,
    /// Where a redirect took us, if it did (masked).
    pub final_url: Masked,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

/// TLS problems people meet, by what they need to do about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TlsProblem {
    Untrusted,
    Expired,
    WrongHost,
    /// The server refused the client certificate (or what was sent instead), reason unknown.
    ClientCertificate,
    /// The server asked for a client certificate and none was sent.
    ClientCertificateMissing,
    /// The server refused the client certificate because it has expired.
    ClientCertificateExpired,
    /// The server does not trust the authority that issued the client certificate.
    ClientCertificateUntrusted,
    /// The port answered without TLS (plain HTTP where https:// was asked for).
    NotTls,
    Other,
}

impl TlsProblem {
    /// Is this about the client certificate (who is calling), not the server's?
    pub fn is_client_certificate(self) -> bool {
        matches!(
            self,
            TlsProblem::ClientCertificate
                | TlsProblem::ClientCertificateMissing
                | TlsProblem::ClientCertificateExpired
                | TlsProblem::ClientCertificateUntrusted
        )
    }
}

/// Why no response came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TransportError {
    #[error(
        "Could not find the server {host}. Check the address for typos, and check that you are online or on the right network (VPN)."
    )]
    Dns { host: String },
    #[error("The server at {host} refused the connection. It may be down, or the port may be wrong.")]
    Refused { host: String },
    #[error("No answer within {}. The server may be slow or unreachable; try again or raise the timeout.", seconds_words(*.secs))]
    Timeout { secs: u64 },
    #[error("{}", tls_words(*.problem, host))]
    Tls { host: String, problem: TlsProblem, detail: String },
    #[error("The request was cancelled.")]
    Cancelled,
    #[error("Too many redirects. The API keeps sending the request elsewhere.")]
    TooManyRedirects,
    #[error(
        "The API sent the request on to {origin} and asked for the same body again ({status}). The body holds a secret from the keychain, so Gatepass stopped instead of sending it to another host. Send the request to {origin} directly if it is meant for it."
    )]
    RedirectWouldResendSecret { origin: String, status: u16 },
    #[error(
        "The server at {host} sent headers too large to read. It is likely not working right: try again later, or tell its owner."
    )]
    HeadersTooLarge { host: String },
    #[error(
        "The server at {host} did not answer in HTTP: it sent something else. Check the address and the port, and whether it wants https:// or http://."
    )]
    NotHttp { host: String },
    #[error("The connection failed: {detail}")]
    Other { detail: String },
}

fn seconds_words(secs: u64) -> String {
    if secs == 1 { "1 second".to_owned() } else { format!("{secs} seconds") }
}

fn tls_words(problem: TlsProblem, host: &str) -> String {
    match problem {
        TlsProblem::Untrusted => format!(
            "The secure connection to {host} failed: its certificate is not from an authority this computer trusts. If this is a private or test server, add its CA certificate."
        ),
        TlsProblem::Expired => {
            format!("The secure connection to {host} failed: the server's certificate has expired. Tell the API owner.")
        }
        TlsProblem::WrongHost => format!(
            "The secure connection failed: the certificate is for a different name than {host}. Check the address."
        ),
        TlsProblem::ClientCertificate => format!(
            "{host} asked for a client certificate (a file that proves which system is calling) and did not accept what was sent. Check that the certificate and key are the ones made for this API."
        ),
        TlsProblem::ClientCertificateMissing => format!(
            "{host} asks for a client certificate (a file that proves which system is calling), and this profile has none. Add the certificate and its key to the profile."
        ),
        TlsProblem::ClientCertificateExpired => format!(
            "{host} refused the client certificate because it has expired. Ask for a new certificate and import it into the profile."
        ),
        TlsProblem::ClientCertificateUntrusted => format!(
            "{host} does not trust the authority that issued the client certificate. Check that this is the certificate made for this API, or ask the API owner which authority they accept."
        ),
        TlsProblem::NotTls => format!(
            "The secure connection to {host} failed: the server answered without TLS, as a plain http:// server does. Use http:// for this address, or check the port."
        ),
        TlsProblem::Other => format!("The secure connection to {host} failed."),
    }
}

/// The result of a send.
#[derive(Debug, Clone)]
pub enum Outcome {
    Response(Response),
    Failed(TransportError),
}

/// A complete send: what went, what came back, and how long it took.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub id: RequestId,
    pub record: RequestRecord,
    pub outcome: Outcome,
    pub started_at: time::OffsetDateTime,
    pub duration: Duration,
    /// The redirects followed, in order (empty when the first answer was the last).
    pub redirects: Vec<Redirect>,
}

impl Exchange {
    pub fn status(&self) -> Option<u16> {
        match &self.outcome {
            Outcome::Response(r) => Some(r.status),
            Outcome::Failed(_) => None,
        }
    }

    pub fn response(&self) -> Option<&Response> {
        match &self.outcome {
            Outcome::Response(r) => Some(r),
            Outcome::Failed(_) => None,
        }
    }
}

/// Bytes in words: "512 B", "1.5 KB", "48.2 MB".
pub fn size_words(bytes: usize) -> String {
    #[allow(clippy::cast_precision_loss, reason = "display only")]
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        if bytes.is_multiple_of(1024) { format!("{} KB", bytes / 1024) } else { format!("{:.1} KB", b / 1024.0) }
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// A duration in words: "38 ms", "2.4 s".
pub fn duration_words(d: Duration) -> String {
    if d.as_millis() < 1 {
        "under 1 ms".to_owned()
    } else if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
