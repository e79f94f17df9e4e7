//! The general signals, and how evidence is weighed into ranked findings.
//!
//! Each piece of evidence adds weight to one or more causes. Weights for one cause combine as
//! independent evidence (1 − Π(1 − w)). What the status alone suggests is a floor, not more
//! evidence, so a specific signal always outranks a bare "401".

use super::knowledge::{CodeRule, EnvKind, Knowledge, Provider, Weights, normalise_code};
use super::observe::{SentRequest, Slip};
use super::signals::{self, BodySignals, Field};
use super::words;
use super::{Cause, Context, Diagnosis, Failure, FailureKind, Finding, Seen, Stage};
use crate::core::challenge::{self, Challenge};
use crate::core::exchange::TlsProblem;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Findings below this are not shown.
const FLOOR: f64 = 0.08;
const MAX_FINDINGS: usize = 5;

/// One reason to believe in a cause.
#[derive(Debug, Clone)]
pub(super) struct Signal {
    pub weight: f64,
    /// Quoted evidence, secrets masked.
    pub evidence: Option<String>,
    /// A short sentence linking the evidence to the cause.
    pub reason: Option<String>,
}

/// The facts the words are built from.
#[derive(Debug, Clone, Default)]
pub(super) struct Facts {
    pub status: Option<u16>,
    pub needed_scopes: Vec<String>,
    pub granted_scopes: Option<Vec<String>>,
    pub other_environment: Option<EnvKind>,
    pub key_environment: Option<EnvKind>,
    pub target_environment: Option<EnvKind>,
    pub slips: Vec<Slip>,
    pub provider: Option<String>,
    pub lumped: bool,
    pub worked_before: Option<OffsetDateTime>,
    pub is_token_request: bool,
    pub has_jwt: bool,
    pub skew_minutes: Option<i64>,
}

#[derive(Default)]
pub(super) struct Board {
    pub signals: BTreeMap<Cause, Vec<Signal>>,
    pub floors: BTreeMap<Cause, (f64, Option<String>)>,
    /// Evidence from the response that speaks of authentication (not just the status).
    pub auth_signal: bool,
    /// How strongly the response says this is not about authentication (a rate limit, an outage).
    pub not_auth: f64,
    pub facts: Facts,
    seen_rules: BTreeSet<String>,
    /// Codes matched, so a code already understood is not read again as words.
    matched_codes: BTreeSet<String>,
    /// Something in the request itself explains a rejection (a broken value, a key from the
    /// other environment, a temporary key without its session token).
    request_root_cause: Option<Cause>,
}

impl Board {
    fn add(&mut self, cause: Cause, weight: f64, evidence: Option<String>, reason: Option<String>) {
        self.signals.entry(cause).or_default().push(Signal { weight, evidence, reason });
    }

    fn add_all(&mut self, weights: &Weights, evidence: Option<&str>, reason: Option<&str>) {
        for (i, (cause, w)) in weights.iter().enumerate() {
            // The reason belongs to the strongest cause; the others still carry the evidence.
            let reason = if i == 0 { reason.map(str::to_owned) } else { None };
            self.add(*cause, *w, evidence.map(str::to_owned), reason);
        }
    }

    fn floor(&mut self, cause: Cause, weight: f64, reason: Option<String>) {
        let entry = self.floors.entry(cause).or_insert((0.0, None));
        if weight > entry.0 {
            *entry = (weight, reason);
        }
    }

    fn rule(&mut self, key: String, rule: &CodeRule, evidence: Option<&str>) {
        self.rule_scaled(key, rule, evidence, 1.0);
    }

    /// A rule whose weights count for less (a generic code when the provider's own code spoke).
    fn rule_scaled(&mut self, key: String, rule: &CodeRule, evidence: Option<&str>, scale: f64) {
        if !self.seen_rules.insert(key) {
            return;
        }
        self.not_auth = self.not_auth.max(rule.none);
        if rule.weights.is_empty() {
            return;
        }
        self.auth_signal = true;
        if is_lumped(&rule.weights) {
            self.facts.lumped = true;
        }
        let reason = format!("The API says {}.", rule.says);
        let weights: Weights = rule.weights.iter().map(|(c, w)| (*c, w * scale)).collect();
        self.add_all(&weights, evidence, Some(&reason));
    }

    fn confidence(&self, cause: Cause) -> f64 {
        let combined = self
            .signals
            .get(&cause)
            .map_or(0.0, |signals| 1.0 - signals.iter().map(|s| 1.0 - s.weight.clamp(0.0, 0.99)).product::<f64>());
        let floor = self.floors.get(&cause).map_or(0.0, |f| f.0);
        combined.max(floor).min(0.99)
    }
}

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
    if (200..300).contains(&status) && !body_signals.ok_false && !body_signals.graphql_errors {
        return false;
    }
    signals::read_headers(headers, &mut body_signals);
    let provider = knowledge.provider(&request.host, headers);
    board.facts.provider = provider.map(|p| p.name.clone());
    let challenges = challenge::from_headers(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));

    read_challenges(request, &challenges, knowledge, board);
    read_codes(&body_signals, provider, knowledge, board);
    read_phrases(&body_signals, &challenges, knowledge, board);
    read_time_windows(&body_signals, context.now, board);
    read_scope_headers(headers, &body_signals, board);
    read_policy_headers(headers, board);
    let server_time = header(headers, "date").and_then(words::parse_http_date);
    read_request(request, status, context, knowledge, provider, server_time, board);
    read_history(request, status, context, board);

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
    if !board.auth_signal && (!status_is_auth || board.not_auth >= 0.5) {
        return false;
    }
    credential_sent_but_unseen(request, board);
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
    for cause in [
        Cause::InvalidCredential,
        Cause::ClientAuthenticationFailed,
        Cause::MissingCredential,
        Cause::MalformedCredential,
    ] {
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
    let standard = cred.scheme_is("bearer") || cred.scheme_is("basic");
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

/// Evidence that fits "wrong, expired or switched off" alike.
fn is_lumped(weights: &Weights) -> bool {
    let has = |c: Cause| weights.iter().any(|(cause, _)| *cause == c);
    has(Cause::InvalidCredential)
        && (has(Cause::ExpiredCredential) || has(Cause::RevokedCredential))
        && weights.len() >= 3
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn read_challenges(request: &SentRequest, challenges: &[Challenge], knowledge: &Knowledge, board: &mut Board) {
    for c in challenges {
        let evidence = Some(format!("WWW-Authenticate: {}", words::clip(&c.quote(), 300)));
        if let Some(error) = c.param("error") {
            board.auth_signal = true;
            if error.eq_ignore_ascii_case("insufficient_scope")
                && let Some(scope) = c.param("scope")
            {
                board.facts.needed_scopes.extend(split_scopes(scope));
            }
            if error.eq_ignore_ascii_case("invalid_request") {
                // RFC 6750 §3.1: the request carrying the token is malformed or incomplete.
                board.add(
                    Cause::MalformedCredential,
                    0.55,
                    evidence.clone(),
                    Some("The API says the request is missing something or is badly formed.".to_owned()),
                );
                board.add(Cause::MissingCredential, 0.35, evidence.clone(), None);
            } else if let Some(rule) = knowledge.codes.get(&normalise_code(error)) {
                board.rule(format!("code {}", normalise_code(error)), rule, evidence.as_deref());
            }
        }
    }
    // The scheme the API asks for against the one sent.
    let asked: Vec<&str> =
        challenges.iter().map(|c| c.scheme.as_str()).filter(|s| !s.is_empty() && *s != "*").collect();
    if asked.is_empty() {
        return;
    }
    let evidence = Some(format!("WWW-Authenticate asks for: {}", asked.join(", ")));
    match request.main_credential() {
        Some(cred) if cred.is_effectively_missing() => {}
        Some(cred) if cred.scheme.is_some() => {
            let sent = cred.scheme.as_deref().unwrap_or_default();
            let standard = |s: &str| s.eq_ignore_ascii_case("bearer") || s.eq_ignore_ascii_case("basic");
            // Servers often name one scheme and accept others, so this is a hint, not proof.
            let weight = if standard(sent) { 0.55 } else { 0.35 };
            if !asked.iter().any(|a| a.eq_ignore_ascii_case(sent)) && !cred.slips.contains(&Slip::MissingScheme) {
                board.add(
                    Cause::WrongAuthScheme,
                    weight,
                    evidence,
                    Some(format!("The API asks for {}, but the request used {sent}.", asked.join(" or "))),
                );
            }
        }
        Some(cred) if asked.iter().any(|a| a.eq_ignore_ascii_case("bearer") || a.eq_ignore_ascii_case("basic")) => {
            board.add(
                Cause::WrongAuthScheme,
                0.55,
                evidence,
                Some(format!(
                    "The API asks for {} in the Authorization header, but the credential went in {}.",
                    asked.join(" or "),
                    cred.place.words()
                )),
            );
        }
        Some(_) | None => {}
    }
}

fn read_codes(body: &BodySignals, provider: Option<&Provider>, knowledge: &Knowledge, board: &mut Board) {
    // When the provider's own code spoke, generic codes in the same body count for less.
    let mut provider_spoke = false;
    if let Some(p) = provider {
        if let Some(json) = &body.json {
            for path in &p.code_paths {
                if let Some(code) = signals::pointer_string(json, path)
                    && let Some(rule) = p.codes.get(&normalise_code(&code))
                {
                    let at = path.trim_start_matches('/').replace('/', ".");
                    provider_spoke = true;
                    board.rule(format!("{} {}", p.id, normalise_code(&code)), rule, Some(&quote_field(&at, &code)));
                }
            }
        }
        for field in &body.messages {
            for pattern in &p.code_patterns {
                for m in pattern.find_iter(&field.value).take(3) {
                    if let Some(rule) = p.codes.get(&normalise_code(m.as_str())) {
                        provider_spoke = true;
                        board.rule(
                            format!("{} {}", p.id, normalise_code(m.as_str())),
                            rule,
                            Some(&quote_message(field)),
                        );
                    }
                }
            }
        }
    }
    for field in &body.codes {
        let key = normalise_code(&field.value);
        let provider_rule = provider.and_then(|p| p.codes.get(&key).map(|r| (format!("{} {key}", p.id), r)));
        if let Some((id, rule)) = provider_rule {
            board.matched_codes.insert(key);
            board.rule(id, rule, Some(&quote_field(&field.at, &field.value)));
        } else if let Some(rule) = knowledge.codes.get(&key) {
            board.matched_codes.insert(key.clone());
            let scale = if provider_spoke { 0.6 } else { 1.0 };
            board.rule_scaled(format!("code {key}"), rule, Some(&quote_field(&field.at, &field.value)), scale);
        }
    }
    // A provider's codes may also appear in a message (AADSTS50126: …).
    for p in &knowledge.providers {
        if provider.is_some_and(|own| own.id == p.id) {
            continue;
        }
        for field in &body.messages {
            for pattern in &p.code_patterns {
                if let Some(m) = pattern.find(&field.value)
                    && let Some(rule) = p.codes.get(&normalise_code(m.as_str()))
                {
                    board.rule(format!("{} {}", p.id, normalise_code(m.as_str())), rule, Some(&quote_message(field)));
                }
            }
        }
    }
}

fn read_phrases(body: &BodySignals, challenges: &[Challenge], knowledge: &Knowledge, board: &mut Board) {
    let mut texts: Vec<Field> = body.messages.clone();
    for c in challenges {
        if let Some(d) = c.param("error_description") {
            texts.push(Field { at: "WWW-Authenticate error_description".to_owned(), value: d.to_owned() });
        }
    }
    // Codes written as words ("Invalid_API_Key", "token expired") are read as phrases too.
    for f in &body.codes {
        if !board.matched_codes.contains(&normalise_code(&f.value)) {
            texts.push(Field { at: f.at.clone(), value: f.value.replace(['_', '-', '.'], " ") });
        }
    }
    for field in &texts {
        let text = field.value.replace('_', " ");
        for rule in &knowledge.phrases {
            if !rule.pattern.is_match(&text) {
                continue;
            }
            let key = format!("phrase {}", rule.pattern.as_str());
            if board.seen_rules.insert(key) {
                board.not_auth = board.not_auth.max(rule.none);
                if !rule.weights.is_empty() {
                    board.auth_signal = true;
                    if is_lumped(&rule.weights) {
                        board.facts.lumped = true;
                    }
                    let evidence = Some(quote_message(field));
                    board.add_all(&rule.weights, evidence.as_deref(), Some(&format!("The API says {}.", rule.says)));
                }
            }
            if rule.exclusive {
                break;
            }
        }
    }
}

/// Messages that spell out a validity window ("Start [...] Expiry [...] Current [...]", "valid
/// from … expiry time … Current time …"): compare the times they give.
fn read_time_windows(body: &BodySignals, now: OffsetDateTime, board: &mut Board) {
    for field in &body.messages {
        let Some(window) = words::time_window(&field.value) else { continue };
        let current = window.current.unwrap_or(now);
        let evidence = Some(quote_message(field));
        if let Some(start) = window.start
            && start > current
        {
            board.auth_signal = true;
            board.add(
                Cause::NotYetValidCredential,
                0.8,
                evidence.clone(),
                Some(format!("The message says it starts working {}.", words::from_now(start, current))),
            );
        }
        if let Some(end) = window.end
            && end < current
        {
            board.auth_signal = true;
            board.add(
                Cause::ExpiredCredential,
                0.8,
                evidence,
                Some(format!("The message says it stopped working {}.", words::ago(end, current))),
            );
        }
    }
}

/// GitHub-style scope headers, Slack's `needed`/`provided`.
fn read_scope_headers(headers: &[(String, String)], body: &BodySignals, board: &mut Board) {
    let granted = header(headers, "x-oauth-scopes").map(split_scopes);
    let accepted = header(headers, "x-accepted-oauth-scopes").map(split_scopes);
    if let Some(g) = &granted {
        board.facts.granted_scopes = Some(g.clone());
    }
    if let (Some(granted), Some(accepted)) = (&granted, &accepted)
        && !accepted.is_empty()
        && !accepted.iter().any(|a| granted.iter().any(|g| g == a || a.starts_with(&format!("{g}:"))))
    {
        board.auth_signal = true;
        board.facts.needed_scopes.extend(accepted.iter().cloned());
        board.add(
            Cause::InsufficientScope,
            0.8,
            Some(format!(
                "X-Accepted-OAuth-Scopes: {}; X-OAuth-Scopes: {}",
                accepted.join(", "),
                if granted.is_empty() { "(none)".to_owned() } else { granted.join(", ") }
            )),
            Some("The API lists the permissions (scopes) it accepts here, and your token has none of them.".to_owned()),
        );
    }
    if let Some(json) = &body.json {
        if let Some(needed) = signals::pointer_string(json, "/needed") {
            board.facts.needed_scopes.extend(split_scopes(&needed));
        }
        if let Some(provided) = signals::pointer_string(json, "/provided") {
            board.facts.granted_scopes = Some(split_scopes(&provided));
        }
    }
}

fn read_policy_headers(headers: &[(String, String)], board: &mut Board) {
    if let Some(sso) = header(headers, "x-github-sso") {
        board.auth_signal = true;
        board.add(
            Cause::AccountPolicy,
            0.85,
            Some(format!("X-GitHub-SSO: {}", words::clip(sso, 200))),
            Some(
                "The organization requires single sign-on (SSO), and this token is not yet approved for it.".to_owned(),
            ),
        );
    }
}

fn split_scopes(text: &str) -> Vec<String> {
    text.split([' ', ',']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// What the request itself shows: no credential, slips, prefixes, token claims, the clock.
fn read_request(
    request: &SentRequest,
    status: u16,
    context: &Context,
    knowledge: &Knowledge,
    provider: Option<&Provider>,
    server_time: Option<OffsetDateTime>,
    board: &mut Board,
) {
    let Some(cred) = request.main_credential() else {
        if let Some(from) = &context.redirected_from {
            board.add(
                Cause::MissingCredential,
                0.85,
                Some(format!("Redirected from {from} to {}", request.host)),
                Some(format!(
                    "The request was sent on from {from} to {}, and the credential was left behind, as it should be for another host.",
                    request.host
                )),
            );
        }
        return;
    };
    let failing = matches!(status, 400..=599);
    // Formatting slips.
    for slip in &cred.slips {
        board.facts.slips.push(*slip);
        let evidence = Some(format!("Sent: {}. {}", cred.words(), words::capitalise(slip.words())));
        let reason = Some(format!("In the request, {}.", slip.words()));
        if !failing {
            continue;
        }
        match slip {
            Slip::BasicAsBearer => {
                board.add(Cause::MalformedCredential, 0.8, evidence.clone(), reason);
                board.add(Cause::WrongAuthScheme, 0.5, evidence, None);
            }
            Slip::MissingScheme => {
                board.add(Cause::MalformedCredential, 0.55, evidence.clone(), reason);
                board.add(Cause::WrongAuthScheme, 0.35, evidence, None);
            }
            Slip::Placeholder => {
                board.add(Cause::MalformedCredential, 0.75, evidence.clone(), reason);
                board.add(Cause::MissingCredential, 0.5, evidence, None);
            }
            Slip::Unset | Slip::Empty => {
                board.add(Cause::MissingCredential, 0.82, evidence.clone(), reason);
                board.add(Cause::MalformedCredential, 0.5, evidence, None);
            }
            Slip::TooShort | Slip::LooksLikeUrl | Slip::UnexpectedShape => {
                board.add(Cause::MalformedCredential, 0.75, evidence.clone(), reason);
                board.add(Cause::InvalidCredential, 0.4, evidence, None);
                board.request_root_cause.get_or_insert(Cause::MalformedCredential);
            }
            _ => {
                board.add(Cause::MalformedCredential, 0.82, evidence, reason);
                board.request_root_cause.get_or_insert(Cause::MalformedCredential);
            }
        }
        board.auth_signal |= status == 400;
    }
    // Which world the key belongs to, against where it went.
    let key_env = request.credentials.iter().find_map(super::observe::CredentialSeen::environment);
    let host_env = knowledge.host_environment(&request.host);
    board.facts.key_environment = key_env;
    board.facts.target_environment = context.environment.or(host_env);
    if let Some(key_env) = key_env {
        let target = context.environment.map(|e| (e, "the profile")).or(host_env.map(|e| (e, "the address")));
        if let Some((target_env, by)) = target
            && target_env != key_env
            && failing
        {
            board.auth_signal = true;
            board.facts.other_environment = Some(key_env);
            board.request_root_cause = Some(Cause::WrongEnvironment);
            board.add(
                Cause::WrongEnvironment,
                0.8,
                Some(format!("Sent: {}; {by} is {}", cred.words(), target_env.words())),
                Some(format!("The key looks like a {} key, but {by} is {}.", key_env.words(), target_env.words())),
            );
        }
    }
    if let (Some(profile_env), Some(host_env)) = (context.environment, host_env)
        && profile_env != host_env
        && failing
    {
        board.facts.other_environment = Some(host_env);
        board.request_root_cause.get_or_insert(Cause::WrongEnvironment);
        board.add(
            Cause::WrongEnvironment,
            0.5,
            Some(format!("Host {} looks like {}", request.host, host_env.words())),
            Some(format!("The address looks like {}, but the profile is {}.", host_env.words(), profile_env.words())),
        );
    }
    if let Some(prefix) = &cred.prefix
        && prefix.publishable
        && failing
    {
        board.add(
            Cause::InvalidCredential,
            0.6,
            Some(format!("Sent: {}", cred.words())),
            Some(format!(
                "This is a {} from {}. It is meant to be public and can't be used to sign in.",
                prefix.kind, prefix.provider
            )),
        );
        board.add(Cause::WrongAuthScheme, 0.35, None, None);
    }
    if let Some(prefix) = &cred.prefix
        && prefix.kind.contains("temporary")
        && !request.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("x-amz-security-token"))
        && failing
    {
        board.request_root_cause = Some(Cause::MissingCredential);
        board.add(
            Cause::MissingCredential,
            0.88,
            Some(format!("Sent: {}; no X-Amz-Security-Token header", cred.words())),
            Some(
                "This is a temporary access key. It only works together with its session token, which was not sent."
                    .to_owned(),
            ),
        );
    }
    if let Some(p) = provider
        && !p.key_prefixes.is_empty()
        && failing
        && cred.place != super::observe::Place::Cookie
        && !cred.is_effectively_missing()
        && !cred.prefix.as_ref().is_some_and(|k| p.key_prefixes.iter().any(|want| k.prefix.starts_with(want.as_str())))
    {
        board.facts.slips.push(Slip::UnexpectedShape);
        board.add(
            Cause::MalformedCredential,
            0.45,
            Some(format!("Sent: {}", cred.words())),
            Some(format!("{} keys start with {}, and this value does not.", p.name, p.key_prefixes.join(" or "))),
        );
        board.add(Cause::InvalidCredential, 0.3, None, None);
    }
    if let Some(jwt) = request.jwt() {
        read_jwt(request, jwt, status, context, server_time, board);
    }
    if failing {
        read_clock(context.now, server_time, board);
    }
}

fn read_jwt(
    request: &SentRequest,
    jwt: &super::observe::JwtFacts,
    status: u16,
    context: &Context,
    server_time: Option<OffsetDateTime>,
    board: &mut Board,
) {
    let failing = matches!(status, 400..=599);
    if !failing {
        return;
    }
    let now = context.now;
    let judge = server_time.unwrap_or(now);
    let strong = matches!(status, 401 | 400);
    if let Some(exp) = jwt.expires_at {
        if exp <= judge {
            board.auth_signal = true;
            let evidence = Some(format!(
                "The token's expiry (exp) is {}; the request was sent at {}",
                words::utc(exp),
                words::utc(now)
            ));
            let reason = Some(format!("The token itself says it stopped working {}.", words::ago(exp, now)));
            board.add(Cause::ExpiredCredential, if strong { 0.9 } else { 0.6 }, evidence, reason);
        } else if exp <= now && server_time.is_some() {
            board.add(
                Cause::ClockSkew,
                0.5,
                Some(format!("The token's expiry (exp) is {}", words::utc(exp))),
                Some("By this computer's clock the token has expired, but not by the server's clock.".to_owned()),
            );
        }
    }
    if let Some(nbf) = jwt.not_before
        && nbf > judge + time::Duration::seconds(30)
    {
        board.auth_signal = true;
        let skewed = server_time.is_some_and(|s| (s - now).whole_seconds().abs() > 120);
        let evidence = Some(format!(
            "The token's start time (nbf) is {}; the request was sent at {}",
            words::utc(nbf),
            words::utc(judge)
        ));
        board.add(
            Cause::NotYetValidCredential,
            if skewed { 0.55 } else { 0.8 },
            evidence.clone(),
            Some(format!("The token says it starts working {}.", words::from_now(nbf, judge))),
        );
        if skewed {
            board.add(Cause::ClockSkew, 0.7, evidence, Some(words::CLOCK_REASON.to_owned()));
        }
    }
    if let Some(iat) = jwt.issued_at
        && iat > judge + time::Duration::minutes(2)
    {
        board.auth_signal = true;
        let evidence = Some(format!(
            "The token's issue time (iat) is {}, after the request time {}",
            words::utc(iat),
            words::utc(judge)
        ));
        board.add(Cause::ClockSkew, 0.55, evidence.clone(), Some(words::CLOCK_REASON.to_owned()));
        board.add(
            Cause::NotYetValidCredential,
            0.45,
            evidence,
            Some("The token says it was made in the future.".to_owned()),
        );
    }
    // Audience: only when it names hosts or URLs, so it can be compared with the address.
    let host_like: Vec<&String> = jwt.audience.iter().filter(|a| a.contains("://") || a.contains('.')).collect();
    if !host_like.is_empty()
        && host_like.len() == jwt.audience.len()
        && !request.host.is_empty()
        && !host_like.iter().any(|a| audience_matches(a, &request.host))
    {
        board.add(
            Cause::WrongAudience,
            if strong { 0.6 } else { 0.5 },
            Some(format!(
                "The token's audience (aud) is {}; the request went to {}",
                jwt.audience.join(", "),
                request.host
            )),
            Some(format!("The token was made for {}, not for {}.", jwt.audience.join(", "), request.host)),
        );
    }
    if let Some(iss) = &jwt.issuer {
        let iss_env = env_word(iss);
        if let (Some(iss_env), Some(target)) = (iss_env, board.facts.target_environment)
            && iss_env != target
        {
            board.facts.other_environment = Some(iss_env);
            board.add(
                Cause::WrongEnvironment,
                0.55,
                Some(format!("The token's issuer (iss) is {iss}")),
                Some(format!(
                    "The token comes from a {} sign-in server, but this is {}.",
                    iss_env.words(),
                    target.words()
                )),
            );
        }
    }
    // Scopes the server asked for, or the profile expects, against the token's.
    if jwt.has_scope_claim {
        board.facts.granted_scopes.get_or_insert_with(|| jwt.scopes.clone());
    }
    if status == 403 && jwt.has_scope_claim {
        let missing: Vec<&String> =
            context.expected_scopes.iter().filter(|s| !jwt.scopes.iter().any(|g| g == *s)).collect();
        if !missing.is_empty() {
            board.facts.needed_scopes.extend(missing.iter().map(|s| (*s).clone()));
            board.add(
                Cause::InsufficientScope,
                0.55,
                Some(format!("The token's permissions (scopes): {}", words::list_or_none(&jwt.scopes))),
                Some(format!(
                    "The profile expects the permission (scope) {}, and the token does not have it.",
                    missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                )),
            );
        }
    }
}

fn audience_matches(aud: &str, host: &str) -> bool {
    let aud_host = url::Url::parse(aud).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let aud_host = aud_host.unwrap_or_else(|| aud.trim_end_matches('/').to_ascii_lowercase());
    host == aud_host || host.ends_with(&format!(".{aud_host}")) || aud_host.ends_with(&format!(".{host}"))
}

fn env_word(text: &str) -> Option<EnvKind> {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    if words.iter().any(|w| matches!(*w, "sandbox" | "test" | "staging" | "dev" | "uat" | "qa")) {
        Some(EnvKind::Sandbox)
    } else if words.iter().any(|w| matches!(*w, "prod" | "production" | "live")) {
        Some(EnvKind::Production)
    } else {
        None
    }
}

fn read_clock(now: OffsetDateTime, server_time: Option<OffsetDateTime>, board: &mut Board) {
    let Some(server) = server_time else { return };
    let skew = (now - server).whole_minutes();
    if skew.abs() >= 5 {
        board.facts.skew_minutes = Some(skew);
        board.add(
            Cause::ClockSkew,
            if board.signals.contains_key(&Cause::ClockSkew) { 0.6 } else { 0.35 },
            Some(format!("Server time (Date header): {}; request sent at: {}", words::utc(server), words::utc(now))),
            Some(format!("This computer's clock and the server's differ by {}.", words::minutes(skew.unsigned_abs()))),
        );
    }
}

fn read_history(request: &SentRequest, status: u16, context: &Context, board: &mut Board) {
    if status != 401 || !request.has_credential() {
        return;
    }
    let worked = context
        .history
        .iter()
        .filter(|p| {
            p.host == request.host
                && p.at < context.now
                && p.status.is_some_and(|s| (200..300).contains(&s))
                && (p.path == request.path || p.method == request.method)
        })
        .map(|p| p.at)
        .max();
    let failed_since = worked.is_some_and(|w| {
        context
            .history
            .iter()
            .any(|p| p.host == request.host && p.at > w && p.at < context.now && p.status == Some(401))
    });
    if let Some(at) = worked {
        board.facts.worked_before = Some(at);
        let evidence = Some(format!("The same kind of request with this profile worked at {}", words::utc(at)));
        let reason = Some(format!(
            "A request like this worked {}, so the credential changed since then.",
            words::ago(at, context.now)
        ));
        board.add(Cause::RevokedCredential, if failed_since { 0.45 } else { 0.4 }, evidence.clone(), reason);
        board.add(Cause::ExpiredCredential, 0.3, evidence, None);
    }
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
                        "The profile expects the permission (scope) {}; the key may not have it.",
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

fn quote_field(at: &str, value: &str) -> String {
    format!("{at}: \"{}\"", words::mask(&words::clip(value, 300)))
}

fn quote_message(field: &Field) -> String {
    if field.at == "body" {
        format!("Response body: \"{}\"", words::mask(&words::clip(&field.value, 300)))
    } else {
        quote_field(&field.at, &field.value)
    }
}
