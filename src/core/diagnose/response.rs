//! What the response says: `WWW-Authenticate` challenges, error codes (the provider's and the
//! common ones), phrases, validity windows spelled out in messages, scope and policy headers.

use super::engine::header;
use super::findings::{Board, is_lumped};
use super::knowledge::{Knowledge, Provider, normalise_code};
use super::observe::{SentRequest, Slip};
use super::signals::{self, BodySignals, Field};
use super::{Cause, lexicon, words};
use crate::core::challenge::Challenge;
use crate::core::token::time_words;
use time::OffsetDateTime;

pub(super) fn read_challenges(
    request: &SentRequest,
    challenges: &[Challenge],
    knowledge: &Knowledge,
    board: &mut Board,
) {
    for c in challenges {
        let evidence = Some(format!("WWW-Authenticate: {}", words::clip(&c.quote(), 300)));
        if let Some(error) = c.param("error").or_else(|| c.param("oauth_problem")) {
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
    // A Digest answer sent, and the server challenges again with a nonce that is not stale: it
    // checked the answer and it did not match (RFC 7616 §3.3), so the username or password is wrong.
    if let Some(cred) = request.main_credential()
        && cred.scheme_is("digest")
        && let Some(again) = challenges.iter().find(|c| c.is_scheme("digest"))
        && !again.param("stale").is_some_and(|s| s.trim().eq_ignore_ascii_case("true"))
    {
        board.add(
            Cause::InvalidCredential,
            0.85,
            Some(format!("WWW-Authenticate: {}", words::clip(&again.quote(), 300))),
            Some(
                "The server checked the Digest answer made from the profile's username and password, and asked again: it does not accept that username and password.".to_owned(),
            ),
        );
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

pub(super) fn read_codes(body: &BodySignals, provider: Option<&Provider>, knowledge: &Knowledge, board: &mut Board) {
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
                for m in pattern.find_all(&field.value, 3) {
                    if let Some(rule) = p.codes.get(&normalise_code(m)) {
                        provider_spoke = true;
                        board.rule(format!("{} {}", p.id, normalise_code(m)), rule, Some(&quote_message(field)));
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
                    && let Some(rule) = p.codes.get(&normalise_code(m))
                {
                    board.rule(format!("{} {}", p.id, normalise_code(m)), rule, Some(&quote_message(field)));
                }
            }
        }
    }
}

/// Every text the response says something in: messages, the challenge's `error_description`,
/// and codes not already understood, written as words (`Invalid_API_Key`).
fn texts(body: &BodySignals, challenges: &[Challenge], board: &Board) -> Vec<Field> {
    let mut texts: Vec<Field> = body.messages.clone();
    for c in challenges {
        if let Some(d) = c.param("error_description") {
            texts.push(Field { at: "WWW-Authenticate error_description".to_owned(), value: d.to_owned() });
        }
    }
    for f in &body.codes {
        if !board.matched_codes.contains(&normalise_code(&f.value)) {
            texts.push(Field { at: f.at.clone(), value: f.value.replace(['_', '-', '.'], " ") });
        }
    }
    texts
}

/// The phrase patterns; returns each text read, with whether a pattern understood it.
pub(super) fn read_phrases(
    body: &BodySignals,
    challenges: &[Challenge],
    knowledge: &Knowledge,
    board: &mut Board,
) -> Vec<(Field, bool)> {
    let texts = texts(body, challenges, board);
    let mut read = Vec::with_capacity(texts.len());
    for field in texts {
        let text = field.value.replace('_', " ");
        let mut understood = false;
        for rule in &knowledge.phrases {
            if !rule.pattern.is_match(&text) {
                continue;
            }
            understood = true;
            let key = format!("phrase {}", rule.pattern.as_str());
            if board.seen_rules.insert(key) {
                board.not_auth = board.not_auth.max(rule.none);
                if !rule.weights.is_empty() {
                    board.auth_signal = true;
                    if is_lumped(&rule.weights) {
                        board.facts.lumped = true;
                    }
                    let evidence = Some(quote_message(&field));
                    board.add_all(&rule.weights, evidence.as_deref(), Some(&format!("The API says {}.", rule.says)));
                }
            }
            if rule.exclusive {
                break;
            }
        }
        read.push((field, understood));
    }
    read
}

/// The general-language layer (word groups and senses in `assets/diagnosis.toml`): what the
/// sentences say about identity, permission, time and signatures. A sentence a phrase pattern
/// already understood, or a response whose codes already spoke clearly, still counts, for half,
/// so its other meanings reach the top three without outranking what the API said exactly.
pub(super) fn read_words(read: &[(Field, bool)], knowledge: &Knowledge, board: &mut Board) {
    let codes_spoke = board.signals.values().flatten().any(|s| s.weight >= 0.6);
    for (field, understood) in read {
        let text = lexicon::split_camel(&field.value.replace('_', " "));
        let scale = if *understood || codes_spoke { 0.5 } else { 1.0 };
        for reading in knowledge.lexicon.read(&text) {
            let sense = reading.sense;
            if !understood {
                board.not_auth = board.not_auth.max(sense.none);
            }
            let Some(cause) = sense.cause else { continue };
            board.facts.nonce_refused |= sense.group_names.iter().any(|g| g == "nonce");
            board.facts.nonce_must_grow |= sense.group_names.iter().any(|g| g == "nonce_order");
            if !board.seen_rules.insert(format!("words {}", cause.id())) {
                continue;
            }
            board.auth_signal = true;
            board.add(
                cause,
                sense.weight * scale,
                Some(quote_message(field)),
                Some(format!("The API says {}.", sense.says)),
            );
        }
    }
    // After the words, so that what they found for the general complaint counts for less too.
    for (field, _) in read {
        read_specific_reason(field, knowledge, board);
    }
}

/// "Signature not valid: incorrect IP address", "Unauthorized: the token has been revoked": a
/// short general complaint, a colon, then why. When the words after the colon name a cause the
/// words before it do not, that is the specific reason, and it goes first.
fn read_specific_reason(field: &Field, knowledge: &Knowledge, board: &mut Board) {
    let Some((head, tail)) = field.value.split_once(": ") else { return };
    let words = |t: &str| t.split_whitespace().count();
    if words(head) > 6 || words(tail) < 2 {
        return;
    }
    let read = |t: &str| -> Vec<(Cause, &str)> {
        knowledge
            .lexicon
            .read(&lexicon::split_camel(&t.replace('_', " ")))
            .into_iter()
            .filter_map(|r| r.sense.cause.map(|c| (c, r.sense.says.as_str())))
            .collect()
    };
    // The words before the colon must be a complaint of their own ("CSRF failed: CSRF token
    // missing" is one complaint, not a general one and its reason).
    let general: Vec<Cause> = read(head).into_iter().map(|(c, _)| c).collect();
    if general.is_empty() {
        return;
    }
    // The reason must name a cause of its own, and a more telling one than "not valid": in
    // "InvalidAudience: the token has a wrong audience" the words after the colon only restate.
    let Some((specific, says)) = read(tail)
        .into_iter()
        .find(|(c, _)| !general.contains(c) && !matches!(c, Cause::InvalidCredential | Cause::OtherAuthFailure))
    else {
        return;
    };
    board.auth_signal = true;
    let strongest = board.confidence(specific).max(0.86);
    board.floor(specific, strongest, Some(format!("The API says {says}; that is why it refused the request.")));
    // The words may have quoted this message for the reason already: then once is enough.
    if board.seen_rules.insert(format!("words {}", specific.id())) {
        board.add(specific, 0.5, Some(quote_message(field)), None);
    }
    for cause in general {
        if let Some(signals) = board.signals.get_mut(&cause) {
            for s in signals.iter_mut() {
                s.weight *= 0.7;
            }
        }
    }
}

/// An error that talks about sign-in, keys, tokens, signatures or permissions, yet nothing
/// above understood it: say so, unsure, with the API's own words, rather than nothing.
pub(super) fn possibly_auth(read: &[(Field, bool)], knowledge: &Knowledge, board: &mut Board) {
    let Some(field) = read.iter().map(|(f, _)| f).find(|f| {
        let text = lexicon::split_camel(&f.value.replace('_', " "));
        knowledge.lexicon.mentions(&text, "auth_topic")
    }) else {
        return;
    };
    board.auth_signal = true;
    board.facts.unsure = true;
    board.add(
        Cause::OtherAuthFailure,
        0.35,
        Some(quote_message(field)),
        Some(format!(
            "The API's message is about signing in, but Gatepass does not know what it means. The API said: \"{}\"",
            words::mask(&words::clip(&field.value, 120))
        )),
    );
}

/// Messages that spell out a validity window ("Start [...] Expiry [...] Current [...]", "valid
/// from … expiry time … Current time …"): compare the times they give.
pub(super) fn read_time_windows(body: &BodySignals, now: OffsetDateTime, board: &mut Board) {
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
                Some(format!("The message says it starts working {}.", time_words::relative_with_utc(start, current))),
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
                Some(format!("The message says it stopped working {}.", time_words::relative_with_utc(end, current))),
            );
        }
    }
}

/// GitHub-style scope headers, Slack's `needed`/`provided`.
pub(super) fn read_scope_headers(headers: &[(String, String)], body: &BodySignals, board: &mut Board) {
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

pub(super) fn read_policy_headers(headers: &[(String, String)], board: &mut Board) {
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

pub(super) fn split_scopes(text: &str) -> Vec<String> {
    text.split([' ', ',']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub(super) fn quote_field(at: &str, value: &str) -> String {
    format!("{at}: \"{}\"", words::mask(&words::clip(value, 300)))
}

pub(super) fn quote_message(field: &Field) -> String {
    if field.at == "body" {
        format!("Response body: \"{}\"", words::mask(&words::clip(&field.value, 300)))
    } else {
        quote_field(&field.at, &field.value)
    }
}
