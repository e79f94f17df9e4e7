//! Why a request failed, in plain words: the diagnosis engine.
//!
//! [`diagnose`] is a pure function from what was sent ([`SentRequest`], already redacted by
//! [`observe`]), what came back ([`Seen`]), and the [`Context`] (profile, clock, history) to a
//! [`Diagnosis`]: findings ranked by how likely they are. Provider knowledge is data
//! (`assets/diagnosis.toml`, see [`knowledge`]); the general signals are code in [`engine`].

mod engine;
mod findings;
pub mod har;
pub mod knowledge;
pub mod lexicon;
pub mod observe;
mod response;
mod sent;
pub mod signals;
mod signing;
mod words;

pub use engine::diagnose;
pub use knowledge::{EnvKind, Knowledge};
pub use observe::{SentRequest, observe};

use crate::core::exchange::{TlsProblem, TransportError};
use serde::Serialize;
use time::OffsetDateTime;

/// The fixed list of causes. The ids are part of the CLI's JSON output: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    MissingCredential,
    MalformedCredential,
    InvalidCredential,
    WrongAuthScheme,
    ExpiredCredential,
    NotYetValidCredential,
    RevokedCredential,
    WrongEnvironment,
    WrongAudience,
    InsufficientScope,
    ResourcePermission,
    AccountPolicy,
    ClientAuthenticationFailed,
    SignatureMismatch,
    ClockSkew,
    MtlsCertificate,
    OtherAuthFailure,
}

impl Cause {
    pub const ALL: [Cause; 17] = [
        Cause::MissingCredential,
        Cause::MalformedCredential,
        Cause::InvalidCredential,
        Cause::WrongAuthScheme,
        Cause::ExpiredCredential,
        Cause::NotYetValidCredential,
        Cause::RevokedCredential,
        Cause::WrongEnvironment,
        Cause::WrongAudience,
        Cause::InsufficientScope,
        Cause::ResourcePermission,
        Cause::AccountPolicy,
        Cause::ClientAuthenticationFailed,
        Cause::SignatureMismatch,
        Cause::ClockSkew,
        Cause::MtlsCertificate,
        Cause::OtherAuthFailure,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Cause::MissingCredential => "missing_credential",
            Cause::MalformedCredential => "malformed_credential",
            Cause::InvalidCredential => "invalid_credential",
            Cause::WrongAuthScheme => "wrong_auth_scheme",
            Cause::ExpiredCredential => "expired_credential",
            Cause::NotYetValidCredential => "not_yet_valid_credential",
            Cause::RevokedCredential => "revoked_credential",
            Cause::WrongEnvironment => "wrong_environment",
            Cause::WrongAudience => "wrong_audience",
            Cause::InsufficientScope => "insufficient_scope",
            Cause::ResourcePermission => "resource_permission",
            Cause::AccountPolicy => "account_policy",
            Cause::ClientAuthenticationFailed => "client_authentication_failed",
            Cause::SignatureMismatch => "signature_mismatch",
            Cause::ClockSkew => "clock_skew",
            Cause::MtlsCertificate => "mtls_certificate",
            Cause::OtherAuthFailure => "other_auth_failure",
        }
    }

    pub fn from_id(id: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.id() == id)
    }

    /// Where on the way in this cause stops a request.
    pub fn stage(self) -> Stage {
        match self {
            Cause::InsufficientScope | Cause::ResourcePermission | Cause::AccountPolicy => Stage::Permission,
            _ => Stage::Identity,
        }
    }
}

/// The three checkpoints a request passes: who you are, what you may do, allowed. A transport
/// failure stops it before the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Connection,
    Identity,
    Permission,
    Allowed,
}

/// How sure, in words (numbers only in machine output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likelihood {
    Likely,
    Possible,
    Unlikely,
}

impl Likelihood {
    pub fn of(confidence: f64) -> Likelihood {
        if confidence >= 0.6 {
            Likelihood::Likely
        } else if confidence >= 0.3 {
            Likelihood::Possible
        } else {
            Likelihood::Unlikely
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Likelihood::Likely => "likely",
            Likelihood::Possible => "possible",
            Likelihood::Unlikely => "unlikely",
        }
    }
}

/// Something the app can do about a finding, shown as a button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    GetNewToken,
    /// Switch to a profile for this environment.
    SwitchEnvironment(EnvKind),
    OpenTokenInspector,
    /// Send again with the slip fixed (trimmed, de-quoted, one scheme word).
    RetryFixed,
    EditProfile,
}

/// One possible cause with its evidence and what to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub cause: Cause,
    pub confidence: f64,
    pub title: String,
    pub explanation: String,
    pub evidence: Vec<String>,
    pub next_steps: Vec<String>,
    #[serde(skip)]
    pub actions: Vec<Action>,
}

impl Finding {
    pub fn likelihood(&self) -> Likelihood {
        Likelihood::of(self.confidence)
    }
}

/// The result: findings sorted by confidence, highest first; empty when there is no
/// authentication problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub stage: Stage,
}

impl Diagnosis {
    pub fn top(&self) -> Option<&Finding> {
        self.findings.first()
    }

    /// A redacted text summary for a support ticket: what was sent, what came back, the causes.
    pub fn summary(&self, request: &SentRequest, status: Option<u16>) -> String {
        words::summary(self, request, status)
    }
}

/// A transport failure, as the engine reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    Dns,
    Refused,
    Timeout,
    Tls(TlsProblem),
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn from_transport(error: &TransportError) -> Failure {
        let kind = match error {
            TransportError::Dns { .. } => FailureKind::Dns,
            TransportError::Refused { .. } => FailureKind::Refused,
            TransportError::Timeout { .. } => FailureKind::Timeout,
            TransportError::Tls { problem, .. } => FailureKind::Tls(*problem),
            TransportError::Cancelled
            | TransportError::TooManyRedirects
            | TransportError::RedirectWouldResendSecret { .. }
            | TransportError::HeadersTooLarge { .. }
            | TransportError::NotHttp { .. }
            | TransportError::Other { .. } => FailureKind::Other,
        };
        Failure { kind, message: error.to_string() }
    }

    /// Classify a client's error text (curl, browsers, Node, Python), as HAR files carry it.
    pub fn from_message(message: &str) -> Failure {
        let m = message.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
        let kind = if has(&[
            "certificate required",
            "no required ssl certificate",
            "bad certificate",
            "certificate_required",
            "client certificate",
            "unknown_ca alert",
            "alert unknown ca",
            "alert handshake failure",
            "sslv3_alert_handshake_failure",
            "certificate unknown",
            "ssl peer certificate or ssh remote key was not ok",
            "client_auth_cert",
            "ssl_client_auth",
        ]) {
            FailureKind::Tls(TlsProblem::ClientCertificate)
        } else if has(&["certificate has expired", "cert_has_expired", "certificate expired", "date_invalid"]) {
            FailureKind::Tls(TlsProblem::Expired)
        } else if has(&[
            "altname",
            "does not match",
            "common_name_invalid",
            "hostname mismatch",
            "not valid for",
            "no alternative certificate subject name",
        ]) {
            FailureKind::Tls(TlsProblem::WrongHost)
        } else if has(&[
            "self signed",
            "self-signed",
            "unable to get local issuer",
            "unable_to_verify_leaf_signature",
            "authority_invalid",
            "unknown issuer",
            "untrusted",
            "certificate verify failed",
        ]) {
            FailureKind::Tls(TlsProblem::Untrusted)
        } else if has(&["ssl", "tls", "handshake", "certificate"]) {
            FailureKind::Tls(TlsProblem::Other)
        } else if has(&[
            "enotfound",
            "could not resolve",
            "name_not_resolved",
            "getaddrinfo",
            "name or service not known",
            "nodename nor servname",
            "dns",
        ]) {
            FailureKind::Dns
        } else if has(&["refused", "econnrefused"]) {
            FailureKind::Refused
        } else if has(&["timed out", "timeout", "etimedout"]) {
            FailureKind::Timeout
        } else {
            FailureKind::Other
        };
        Failure { kind, message: message.chars().take(500).collect() }
    }
}

/// What came back.
#[derive(Debug, Clone, Copy)]
pub enum Seen<'a> {
    Response { status: u16, headers: &'a [(String, String)], body: &'a [u8], content_type: Option<&'a str> },
    Failed(&'a Failure),
}

/// An earlier send of this profile, for "it worked an hour ago".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastSend {
    pub method: String,
    pub host: String,
    pub path: String,
    pub status: Option<u16>,
    pub at: OffsetDateTime,
}

/// Everything else the engine reasons with.
#[derive(Debug, Clone)]
pub struct Context {
    /// The environment of the profile the request was sent with, when known.
    pub environment: Option<EnvKind>,
    /// A custom environment's name (Staging), for the words.
    pub environment_label: Option<String>,
    pub expected_scopes: Vec<String>,
    pub now: OffsetDateTime,
    /// When the request left, by the sending computer's own clock, when that is known apart
    /// from `now` (a HAR entry's `startedDateTime` while `--now` gives the real time).
    pub sent_at: Option<OffsetDateTime>,
    pub history: Vec<PastSend>,
    /// The host that redirected here, when the request followed a redirect from another host.
    pub redirected_from: Option<String>,
    /// The request went with a client certificate (mutual TLS), which says who is calling.
    pub client_certificate: bool,
}

impl Context {
    pub fn at(now: OffsetDateTime) -> Context {
        Context {
            environment: None,
            environment_label: None,
            expected_scopes: Vec::new(),
            now,
            sent_at: None,
            history: Vec::new(),
            redirected_from: None,
            client_certificate: false,
        }
    }
}

#[cfg(test)]
mod tests;

/// A sent request and its diagnosis, as the app keeps them next to the exchange.
#[derive(Debug, Clone)]
pub struct Explained {
    pub sent: SentRequest,
    pub diagnosis: Diagnosis,
}

impl EnvKind {
    /// The environment a profile is in; a custom label counts when its name says (Staging → Sandbox).
    pub fn of(environment: &crate::core::profile::Environment) -> Option<EnvKind> {
        if environment.is_production() {
            Some(EnvKind::Production)
        } else if environment.is_test_like() {
            Some(EnvKind::Sandbox)
        } else {
            None
        }
    }
}

/// Diagnose a send from the app: the profile, its earlier sends, and what came back.
pub fn explain_exchange(
    sent: SentRequest,
    exchange: &crate::core::exchange::Exchange,
    profile: &crate::core::profile::Profile,
    history: &[crate::core::history::HistoryEntry],
) -> Explained {
    use crate::core::exchange::Outcome;
    let knowledge = Knowledge::builtin();
    let past = history
        .iter()
        .filter(|h| h.profile_id == profile.id.0)
        .filter_map(|h| {
            let url = url::Url::parse(&h.url).ok()?;
            Some(PastSend {
                method: h.method.clone(),
                host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
                path: url.path().to_owned(),
                status: h.status,
                at: OffsetDateTime::from_unix_timestamp(h.sent_at).ok()?,
            })
        })
        .collect();
    let mut context = Context {
        environment: EnvKind::of(&profile.environment),
        environment_label: Some(profile.environment.label().to_owned()),
        expected_scopes: profile.expected_scopes.clone(),
        now: exchange.started_at,
        sent_at: None,
        history: past,
        redirected_from: None,
        client_certificate: profile.client_certificate.is_some(),
    };
    let diagnosis = match &exchange.outcome {
        Outcome::Failed(error) => {
            let failure = Failure::from_transport(error);
            diagnose(&sent, &Seen::Failed(&failure), &context, knowledge)
        }
        Outcome::Response(response) => {
            // A redirect to another host arrives without the credential (it is dropped on purpose).
            let final_host = url::Url::parse(response.final_url.as_str())
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .unwrap_or_else(|| sent.host.clone());
            let mut judged = sent.clone();
            if final_host != sent.host {
                context.redirected_from = Some(sent.host.clone());
                judged.host = final_host;
                judged.credentials.clear();
            }
            let seen = Seen::Response {
                status: response.status,
                headers: &response.headers,
                body: &response.body,
                content_type: response.content_type(),
            };
            diagnose(&judged, &seen, &context, knowledge)
        }
    };
    Explained { sent, diagnosis }
}
