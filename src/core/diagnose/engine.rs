//! How evidence is weighed into ranked findings: [`diagnose`] runs the readers over the
//! exchange and ranks what they found.
//!
//! Each piece of evidence adds weight to one or more causes. Weights for one cause combine as
//! independent evidence (1 − Π(1 − w)). What the status alone suggests is a floor, not more
//! evidence, so a specific signal always outranks a bare "401".

use super::findings::{Board, Signal};
use super::knowledge::{Knowledge, Provider};
use super::observe::{SentRequest, Slip};
use super::{Cause, Context, Diagnosis, Failure, FailureKind, Finding, Seen, Stage};
use super::{response, sent, signals, words};
use crate::core::challenge;
use crate::core::exchange::TlsProblem;
use std::collections::BTreeSet;

/// Findings below this are not shown.
const FLOOR: f64 = 0.08;
const MAX_FINDINGS: usize = 5;

/// Diagnose one exchange.
pub fn diagnose(request: &SentRequest, seen: &Seen<'_>, context: &Context, knowledge: &Knowledge) -> Diagnosis {
    let mut board = Board::default();
    board.facts.is_token_request = request.is_token_request();
    board.facts.has_jwt = request.jwt().is_some();
    let stage_if_found = match seen {
        Seen::Failed(failure) => {
            read_failure(failure, &mut board);
            Stage::Connection
        }
        Seen::Response { status, headers, body, content_type } => {
            board.facts.status = Some(*status);
            if !read_response(request, *status, headers, body, *content_type, context, knowledge, &mut board) {
                return Diagnosis { findings: Vec::new(), stage: Stage::Allowed };
            }
            Stage::Identity
        }
    };
    let findings = rank(&board, request);
    let stage = match (stage_if_found, findings.first()) {
        (Stage::Connection, _) => Stage::Connection,
        (_, Some(top)) => top.cause.stage(),
        (_, None) => match board.facts.status {
            Some(401) => Stage::Identity,
            Some(403) => Stage::Permission,
            _ => Stage::Allowed,
        },
    };
    Diagnosis { findings, stage }
}

fn read_failure(failure: &Failure, board: &mut Board) {
    let evidence = Some(format!("The connection failed: {}", words::clip(&failure.message, 200)));
    match failure.kind {
        FailureKind::Tls(problem) if problem.is_client_certificate() => {
            let reason = match problem {
                TlsProblem::ClientCertificateMissing => words::MTLS_MISSING_REASON,
                TlsProblem::ClientCertificateExpired => words::MTLS_EXPIRED_REASON,
                TlsProblem::ClientCertificateUntrusted => words::MTLS_UNTRUSTED_REASON,
                _ => words::MTLS_REASON,
            };
            board.add(Cause::MtlsCertificate, 0.9, evidence, Some(reason.to_owned()));
        }
        // The server's own certificate, the network: not about who you are. The connection error
        // says what to do.
        FailureKind::Tls(_) | FailureKind::Dns | FailureKind::Refused | FailureKind::Timeout | FailureKind::Other => {}
    }
}

/// Read a response; false when there is nothing about authentication in it.
#[allow(clippy::too_many_arguments, reason = "one call site; a struct would only rename the same parts")]
fn read_response(
    request: &SentRequest,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    content_type: Option<&str>,
    context: &Context,
    knowledge: &Knowledge,
    board: &mut Board,
) -> bool {
    let mut body_signals = signals::read_body(body, content_type);
    if (300..400).contains(&status) {
        return read_login_redirect(request, headers, board);
    }
    if (200..300).contains(&status) && !body_signals.ok_false && !body_signals.error_shaped {
        return false;
    }
    signals::read_headers(headers, &mut body_signals);
    let provider = knowledge.provider(&request.host, headers);
    board.facts.provider = provider.map(|p| p.name.clone());
    let challenges = challenge::from_headers(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));

    response::read_challenges(request, &challenges, knowledge, board);
    response::read_codes(&body_signals, provider, knowledge, board);
    let read = response::read_phrases(&body_signals, &challenges, knowledge, board);
    response::read_words(&read, knowledge, board);
    response::read_time_windows(&body_signals, context.now, board);
    response::read_scope_headers(headers, &body_signals, board);
    response::read_policy_headers(headers, board);
    let server_time = header(headers, "date").and_then(words::parse_http_date);
    sent::read_request(request, status, context, knowledge, provider, server_time, board);
    sent::read_named_but_unsent(request, &body_signals.messages, board);
    sent::read_key_as_bearer(request, provider, board);
    sent::read_history(request, status, context, board);

    // A provider that hides forbidden items behind a status (GitHub's 404) speaks when a credential was sent.
    let provider_status = provider.and_then(|p| p.status.get(&status).map(|r| (p, r)));
    if let Some((p, rule)) = provider_status
        && request.has_credential()
        && !board.auth_signal
        && board.not_auth < 0.5
    {
        board.auth_signal = true;
        for (cause, w) in &rule.weights {
            board.floor(*cause, *w, Some(format!("At {}, {}.", p.name, rule.says)));
        }
    }
    let status_is_auth = matches!(status, 401 | 403 | 407 | 495 | 496);
    if !board.auth_signal && !status_is_auth && board.not_auth < 0.5 {
        response::possibly_auth(&read, knowledge, board);
    }
    if !board.auth_signal && (!status_is_auth || board.not_auth >= 0.5) {
        return false;
    }
    credential_sent_but_unseen(request, board);
    nothing_sent_so_refused(request, status, context, board);
    request_explains_rejection(board);
    if board.facts.lumped && request.grant_type.as_deref() == Some("refresh_token") {
        board.add(
            Cause::RevokedCredential,
            0.3,
            None,
            Some("Refresh tokens rarely expire on their own; they are most often switched off.".to_owned()),
        );
    }
    if status_is_auth || board.signals.is_empty() {
        status_floor(request, status, provider, context, board);
    }
    true
}

/// An API answering with a redirect to a sign-in page: the session is missing or has ended.
fn read_login_redirect(request: &SentRequest, headers: &[(String, String)], board: &mut Board) -> bool {
    let Some(location) = header(headers, "location") else { return false };
    let lower = location.to_ascii_lowercase();
    let to_login =
        ["login", "signin", "sign_in", "sign-in", "/sso", "/saml", "oauth2/authorize", "/authorize?", "/auth?"]
            .iter()
            .any(|w| lower.contains(w));
    if !to_login {
        return false;
    }
    let evidence = Some(format!("Location: {}", words::mask(&words::clip(location, 200))));
    let reason = Some("The API sent the request on to a sign-in page instead of answering it.".to_owned());
    if request.has_credential() {
        board.add(Cause::ExpiredCredential, 0.55, evidence.clone(), reason);
        board.add(Cause::InvalidCredential, 0.35, evidence.clone(), None);
        board.add(Cause::MissingCredential, 0.3, evidence, None);
    } else {
        board.add(Cause::MissingCredential, 0.8, evidence, reason);
    }
    true
}

/// A cause found in the request itself (a broken value, a key from the other environment, a
/// temporary key without its session token) explains the server's "invalid key" or "client
/// authentication failed": name the root cause first.
fn request_explains_rejection(board: &mut Board) {
    let Some(root) = board.request_root_cause else { return };
    let current = board.confidence(root);
    board.floor(root, current.max(0.88), None);
    // A value broken in the request (a stand-in, a slip) has no real state: what the server says
    // of it (expired, revoked, not yet valid) follows from the slip.
    let state_claims: &[Cause] = if root == Cause::MalformedCredential {
        &[Cause::ExpiredCredential, Cause::RevokedCredential, Cause::NotYetValidCredential]
    } else {
        &[]
    };
    for cause in [
        Cause::InvalidCredential,
        Cause::ClientAuthenticationFailed,
        Cause::MissingCredential,
        Cause::MalformedCredential,
    ]
    .iter()
    .chain(state_claims)
    .copied()
    {
        if cause == root {
            continue;
        }
        if let Some(signals) = board.signals.get_mut(&cause) {
            for s in signals.iter_mut() {
                s.weight *= 0.6;
            }
        }
    }
}

/// The API says no credential came, yet one was sent: either it went where this API does not
/// look, or the API could not read it. Shift weight from "missing" to those.
fn credential_sent_but_unseen(request: &SentRequest, board: &mut Board) {
    let Some(cred) = request.main_credential() else { return };
    if cred.is_effectively_missing() || cred.slips.contains(&Slip::Placeholder) {
        return;
    }
    let Some(signals) = board.signals.get_mut(&Cause::MissingCredential) else { return };
    let standard = cred.scheme_is("bearer") || cred.scheme_is("basic") || cred.scheme_is("digest");
    let (keep, to) = if standard && cred.slips.is_empty() {
        (0.5, Cause::InvalidCredential)
    } else {
        (0.85, Cause::WrongAuthScheme)
    };
    let strongest = signals.iter().map(|s| s.weight).fold(0.0, f64::max);
    for s in signals.iter_mut() {
        s.weight *= keep;
    }
    let reason = if to == Cause::InvalidCredential {
        format!(
            "A credential was sent ({}), but the API acts as if none came, so it likely did not accept it.",
            cred.words()
        )
    } else {
        format!(
            "A credential was sent in {}, but the API says none came. It may look somewhere else.",
            cred.place.words()
        )
    };
    board.add(to, strongest * 0.6, Some(format!("Sent: {}", cred.words())), Some(reason));
}

/// Refused as not allowed, yet no credential was sent: the API (or a gateway's policy, Istio's
/// "RBAC: access denied") could not tell who is calling, and anyone unknown is refused. Sending
/// the credential comes before asking for a permission. A client certificate that went says
/// who is calling, so then the refusal stands as it is.
fn nothing_sent_so_refused(request: &SentRequest, status: u16, context: &Context, board: &mut Board) {
    if request.has_credential() || context.client_certificate || status != 403 {
        return;
    }
    // Not an account rule: one about where the call comes from (an address list) holds anyway.
    let refused =
        [Cause::ResourcePermission, Cause::InsufficientScope].iter().map(|c| board.confidence(*c)).fold(0.0, f64::max);
    if refused < 0.3 || board.confidence(Cause::MissingCredential) >= refused {
        return;
    }
    board.floor(
        Cause::MissingCredential,
        (refused + 0.05).min(0.9),
        Some(format!(
            "{} The API refused access, and without one it cannot tell who is calling.",
            words::NO_CREDENTIAL
        )),
    );
}

pub(super) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// What the status alone suggests: a floor under each cause, never extra evidence.
fn status_floor(request: &SentRequest, status: u16, provider: Option<&Provider>, context: &Context, board: &mut Board) {
    let has_credential = request.has_credential();
    if let Some(p) = provider
        && let Some(rule) = p.status.get(&status)
    {
        for (cause, w) in &rule.weights {
            board.floor(*cause, *w, Some(format!("At {}, {}.", p.name, rule.says)));
        }
    }
    match status {
        401 if !has_credential => {
            board.floor(Cause::MissingCredential, 0.85, Some(words::NO_CREDENTIAL.to_owned()));
        }
        401 if board.facts.is_token_request => {
            board.floor(Cause::ClientAuthenticationFailed, 0.5, Some(words::TOKEN_ENDPOINT_401.to_owned()));
            board.floor(Cause::InvalidCredential, 0.3, None);
        }
        401 => {
            board.floor(Cause::InvalidCredential, 0.45, Some(words::STATUS_401.to_owned()));
            board.floor(Cause::ExpiredCredential, if board.facts.has_jwt { 0.3 } else { 0.25 }, None);
            board.floor(Cause::RevokedCredential, 0.2, None);
        }
        403 if !has_credential => {
            board.floor(Cause::MissingCredential, 0.6, Some(words::NO_CREDENTIAL.to_owned()));
            board.floor(Cause::ResourcePermission, 0.3, None);
        }
        403 => {
            board.floor(Cause::ResourcePermission, 0.45, Some(words::STATUS_403.to_owned()));
            // The profile names the permissions that matter: a missing one is the likelier story.
            if context.expected_scopes.is_empty() {
                board.floor(Cause::InsufficientScope, 0.3, None);
            } else {
                board.floor(
                    Cause::InsufficientScope,
                    0.5,
                    Some(format!(
                        "The profile expects {} {}. If this request needs one the credential was not given, the API refuses it.",
                        if context.expected_scopes.len() == 1 { "the permission (scope)" } else { "the permissions (scopes)" },
                        context.expected_scopes.join(", ")
                    )),
                );
            }
            board.floor(Cause::AccountPolicy, 0.2, None);
        }
        407 => {
            board.floor(Cause::OtherAuthFailure, 0.6, Some(words::STATUS_407.to_owned()));
        }
        495 | 496 => {
            board.floor(Cause::MtlsCertificate, 0.9, Some(words::MTLS_REASON.to_owned()));
        }
        _ => {
            board.floor(Cause::OtherAuthFailure, 0.3, None);
        }
    }
}

fn rank(board: &Board, request: &SentRequest) -> Vec<Finding> {
    let mut causes: Vec<(Cause, f64)> = board
        .signals
        .keys()
        .chain(board.floors.keys())
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|c| (c, board.confidence(c)))
        .filter(|(_, conf)| *conf >= FLOOR)
        .collect();
    causes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    causes.truncate(MAX_FINDINGS);
    causes
        .into_iter()
        .map(|(cause, confidence)| {
            let mut signals: Vec<&Signal> = board.signals.get(&cause).map(|s| s.iter().collect()).unwrap_or_default();
            signals.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            let floor_reason = board.floors.get(&cause).and_then(|f| f.1.clone());
            words::finding(cause, (confidence * 100.0).round() / 100.0, &signals, floor_reason, &board.facts, request)
        })
        .collect()
}
