//! The words of a diagnosis: headlines, explanations and next steps (../shared/PLAIN-LANGUAGE.md).

use super::findings::{Facts, Signal};
use super::observe::SentRequest;
use super::{Action, Cause, Diagnosis, Finding};
use time::OffsetDateTime;

pub(super) const NO_CREDENTIAL: &str = "The request carried no key, token or password.";
pub(super) const STATUS_401: &str = "The API did not accept who you are.";
pub(super) const STATUS_403: &str = "The API knows who you are, but you are not allowed to do this.";
pub(super) const STATUS_407: &str = "A proxy server between you and the API wants you to sign in to it first.";
pub(super) const TOKEN_ENDPOINT_401: &str = "The sign-in server did not accept the app's details.";
pub(super) const MTLS_MISSING_REASON: &str =
    "The server asked for a client certificate (a file that proves which system is calling), and none was sent.";
pub(super) const MTLS_EXPIRED_REASON: &str =
    "The server refused the client certificate because its end date has passed.";
pub(super) const MTLS_UNTRUSTED_REASON: &str =
    "The server does not trust the authority that signed the client certificate, so it cannot tell who is calling.";
pub(super) const MTLS_REASON: &str = "The server wants a client certificate (a file that proves which system is calling) and did not get one it accepts.";
pub(super) const CLOCK_REASON: &str = "The times in the token only make sense if one of the clocks is wrong.";

fn title(cause: Cause, facts: &Facts) -> String {
    match cause {
        Cause::MissingCredential => "No key or token was sent".to_owned(),
        Cause::MalformedCredential => "The key or token has a formatting slip".to_owned(),
        Cause::InvalidCredential if facts.is_token_request => {
            "The sign-in server did not accept these details".to_owned()
        }
        Cause::InvalidCredential => "The API did not accept your key or token".to_owned(),
        Cause::WrongAuthScheme => "The API expects a different kind of credential".to_owned(),
        Cause::ExpiredCredential if facts.has_jwt => "Your access token has expired".to_owned(),
        Cause::ExpiredCredential => "Your key or token has expired".to_owned(),
        Cause::NotYetValidCredential => "Your token is not valid yet".to_owned(),
        Cause::RevokedCredential => "Your key or token was switched off or replaced".to_owned(),
        Cause::WrongEnvironment => match (facts.key_environment, api_environment(facts)) {
            (Some(key), Some(api)) if key != api => format!("A {} key was sent to {}", key.words(), api.words()),
            _ => "The credential is for a different environment".to_owned(),
        },
        Cause::WrongAudience if facts.signed_region.is_some() => "The request was signed for another region".to_owned(),
        Cause::WrongAudience => "The token was made for a different API".to_owned(),
        Cause::InsufficientScope => "Your token lacks a needed permission (scope)".to_owned(),
        Cause::ResourcePermission => "The API knows you, but you may not do this".to_owned(),
        Cause::AccountPolicy => "An account rule blocked the request".to_owned(),
        Cause::ClientAuthenticationFailed => "The sign-in server did not accept your app's ID or secret".to_owned(),
        Cause::SignatureMismatch => "The signature did not match".to_owned(),
        Cause::ClockSkew => "Your computer's clock seems to be off".to_owned(),
        Cause::MtlsCertificate => "The client certificate was missing or not accepted".to_owned(),
        Cause::OtherAuthFailure if facts.nonce_refused => {
            "The request's one-time number (nonce) was refused".to_owned()
        }
        Cause::OtherAuthFailure if facts.unsure => "Possibly a sign-in problem: see the API's words".to_owned(),
        Cause::OtherAuthFailure => "The sign-in failed for another reason".to_owned(),
    }
}

/// A sentence that helps tell this cause from its neighbours.
fn hint(cause: Cause, facts: &Facts) -> Option<&'static str> {
    Some(match cause {
        Cause::MissingCredential => "The API needs to know who is calling.",
        Cause::MalformedCredential => "A stray space, quote or line break is enough to break a key.",
        Cause::InvalidCredential if facts.lumped => {
            "This message is used for wrong, expired and switched-off keys alike. If it worked before, it was likely switched off or replaced."
        }
        Cause::InvalidCredential => "If it worked before, it was likely switched off or replaced.",
        Cause::ExpiredCredential => "Tokens stop working after a set time.",
        Cause::RevokedCredential => "Keys are switched off when someone makes a new one or removes access.",
        Cause::WrongEnvironment => "Sandbox (test) and Production (live) keys only work in their own place.",
        Cause::InsufficientScope => "Each token carries a list of things it may do (scopes).",
        Cause::ClockSkew => "Signed requests and tokens carry times, and servers reject times that are far off.",
        _ => return None,
    })
}

/// Which world the API that answered belongs to, as far as the evidence tells.
fn api_environment(facts: &Facts) -> Option<super::knowledge::EnvKind> {
    match (facts.key_environment, facts.target_environment) {
        (Some(key), Some(target)) if key != target => Some(target),
        // The API said the key is from the other world.
        (Some(key), _) => Some(key.other()),
        (None, target) => target,
    }
}

fn next_steps(cause: Cause, facts: &Facts) -> (Vec<String>, Vec<Action>) {
    let s = |items: &[&str]| items.iter().map(|i| (*i).to_owned()).collect::<Vec<_>>();
    match cause {
        Cause::MissingCredential => (
            s(&[
                "Check that the profile has an auth method and a saved key or token.",
                "Check that \"Send credential\" is on for this request.",
                "Check the API's docs for where the key goes: which header, or which query parameter.",
            ]),
            vec![Action::EditProfile],
        ),
        Cause::MalformedCredential => {
            let mut steps = Vec::new();
            if let Some(slip) = facts.slips.first() {
                steps.push(format!("Fix the slip: {}. Then send again.", slip.words()));
            }
            steps.push("Copy the key again from where it was issued, and paste only the key.".to_owned());
            (steps, vec![Action::RetryFixed, Action::EditProfile])
        }
        Cause::InvalidCredential => (
            s(&[
                "Copy the key again from the API's dashboard and paste it into the profile.",
                "Check that the key is for this API and this account.",
                "If it worked before, ask the API owner if it was switched off or replaced.",
            ]),
            vec![Action::EditProfile, Action::OpenTokenInspector],
        ),
        Cause::WrongAuthScheme => (
            s(&[
                "Check the API's docs for how to send the key: Bearer, Basic, or a key header.",
                "Change the profile's auth method to match.",
            ]),
            vec![Action::EditProfile],
        ),
        Cause::ExpiredCredential => (
            s(&["Get a new token.", "If the token is pasted into the profile, paste a fresh one."]),
            vec![Action::GetNewToken, Action::OpenTokenInspector],
        ),
        Cause::NotYetValidCredential => (
            s(&["Wait a minute and send again.", "Check that this computer's clock is right."]),
            vec![Action::OpenTokenInspector],
        ),
        Cause::RevokedCredential => (
            s(&[
                "Ask the API owner or your admin if the key was switched off or replaced.",
                "Make a new key in the API's dashboard and save it in the profile.",
            ]),
            vec![Action::EditProfile],
        ),
        Cause::WrongEnvironment => {
            let api = api_environment(facts);
            // The profile whose key fits: the key's own world when the address is the other one,
            // else the world the API belongs to.
            let switch_to = match (facts.key_environment, facts.target_environment, api) {
                (Some(key), Some(target), _) if key != target => Some(key),
                (_, _, Some(api)) => Some(api),
                _ => facts.other_environment,
            };
            let mut steps = Vec::new();
            let mut actions = Vec::new();
            if let Some(env) = switch_to {
                steps.push(format!("Switch to the {} profile.", env.words()));
                actions.push(Action::SwitchEnvironment(env));
            }
            if let Some(api) = api
                && Some(api) != switch_to
            {
                steps.push(format!("Or use a {} key with this address.", api.words()));
            }
            steps.push("Check the address: test and live often use different hosts.".to_owned());
            (steps, actions)
        }
        Cause::WrongAudience if facts.signed_region.is_some() => {
            let (signed, address) = facts.signed_region.clone().unwrap_or_default();
            (
                vec![
                    format!("Set the profile's region to {address}, the region of this address, and send again."),
                    format!("Or, if the data lives in {signed}, use that region's address."),
                ],
                Vec::new(),
            )
        }
        Cause::WrongAudience => (
            s(&[
                "Get a token made for this API: check the audience or resource setting.",
                "Check the address: the token may be meant for another service.",
            ]),
            vec![Action::OpenTokenInspector, Action::GetNewToken],
        ),
        Cause::InsufficientScope => {
            let mut steps = Vec::new();
            if facts.needed_scopes.is_empty() {
                steps.push("Find the permission (scope) this call needs in the API's docs.".to_owned());
            } else {
                let mut needed: Vec<&str> = Vec::new();
                for scope in &facts.needed_scopes {
                    if !needed.contains(&scope.as_str()) {
                        needed.push(scope);
                    }
                }
                steps.push(format!("Get a token with the permission (scope) {}.", needed.join(", ")));
            }
            steps.push("If you can't, ask the API owner or an admin to grant it.".to_owned());
            (steps, vec![Action::GetNewToken, Action::OpenTokenInspector])
        }
        Cause::ResourcePermission => (
            s(&[
                "Check that you use the right account for this item.",
                "Ask the item's owner or an admin to give you access.",
            ]),
            vec![],
        ),
        Cause::AccountPolicy => (
            s(&[
                "Read the API's message: it names the rule, such as single sign-on, an address list, or the plan.",
                "Ask your admin to approve this key, add your address, or fix the account.",
            ]),
            vec![],
        ),
        Cause::ClientAuthenticationFailed => (
            s(&[
                "Check the client ID and client secret. Copy them again from the app's settings.",
                "Check how they are sent: some servers want a Basic header, others the form body.",
            ]),
            vec![Action::EditProfile],
        ),
        Cause::SignatureMismatch => (
            s(&[
                "Check the secret used to sign.",
                "Check that what you sign is exactly what is sent: method, path, headers and body.",
                "Check that this computer's clock is right.",
            ]),
            vec![Action::EditProfile],
        ),
        Cause::ClockSkew => (s(&["Set this computer's clock to update itself, then send again."]), vec![]),
        Cause::MtlsCertificate => (
            s(&[
                "Add the client certificate and its key to the profile.",
                "Check that the certificate has not expired and is the one the API expects.",
            ]),
            vec![Action::EditProfile],
        ),
        Cause::OtherAuthFailure if facts.nonce_must_grow => (
            s(&[
                "Send a nonce larger than any sent before with this key: a time in milliseconds always grows.",
                "If two programs share this key, their nonces get out of order: give each its own key.",
            ]),
            vec![],
        ),
        Cause::OtherAuthFailure if facts.nonce_refused => (
            s(&[
                "Send again: Gatepass makes a new nonce for each request it signs.",
                "If the API gave a nonce to use, send again so the request carries that one.",
                "If the API still refuses it, check that no other program sends with this key at the same moment.",
            ]),
            vec![],
        ),
        Cause::OtherAuthFailure => (
            s(&["Read the API's message for details.", "Copy the summary and send it to the API's support team."]),
            vec![],
        ),
    }
}

pub(super) fn finding(
    cause: Cause,
    confidence: f64,
    signals: &[&Signal],
    floor_reason: Option<String>,
    facts: &Facts,
    request: &SentRequest,
) -> Finding {
    let mut sentences: Vec<String> = Vec::new();
    for reason in signals.iter().filter_map(|s| s.reason.clone()).chain(floor_reason) {
        // Two signals often say nearly the same ("…not allowed to use this item", "…not allowed
        // to do this"): the stronger one speaks, once.
        if !sentences.iter().any(|said| much_alike(said, &reason)) && sentences.len() < 2 {
            sentences.push(reason);
        }
    }
    if let Some(h) = hint(cause, facts)
        && sentences.len() < 3
    {
        sentences.push(h.to_owned());
    }
    let mut evidence: Vec<String> = Vec::new();
    for e in signals.iter().filter_map(|s| s.evidence.clone()) {
        if !evidence.contains(&e) && evidence.len() < 4 {
            evidence.push(e);
        }
    }
    if evidence.is_empty() {
        if let Some(status) = facts.status {
            evidence.push(format!("HTTP status {status}"));
        }
        evidence.push(match request.main_credential() {
            Some(c) => format!("Sent: {}", c.words()),
            None => "Sent: no key, token or password".to_owned(),
        });
    }
    let (next_steps, actions) = next_steps(cause, facts);
    Finding {
        cause,
        confidence,
        title: title(cause, facts),
        explanation: sentences.join(" "),
        evidence,
        next_steps,
        actions,
    }
}

pub(super) fn summary(diagnosis: &Diagnosis, request: &SentRequest, status: Option<u16>) -> String {
    let mut out = format!("Request: {} {}\n", request.method, request.url);
    match request.main_credential() {
        Some(c) => out.push_str(&format!("Credential: {}\n", c.words())),
        None => out.push_str("Credential: none\n"),
    }
    match status {
        Some(s) => out.push_str(&format!("Response: {s}\n")),
        None => out.push_str("Response: none (the connection failed)\n"),
    }
    if diagnosis.findings.is_empty() {
        out.push_str("No sign of an authentication problem.\n");
    }
    for (i, f) in diagnosis.findings.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {} ({}, {:.2})\n   {}\n",
            i + 1,
            f.title,
            f.likelihood().words(),
            f.confidence,
            f.explanation
        ));
        for e in &f.evidence {
            out.push_str(&format!("   Evidence: {e}\n"));
        }
        for s in &f.next_steps {
            out.push_str(&format!("   To do: {s}\n"));
        }
    }
    out
}

/// Do two sentences share most of their words (at least 60 % of all the words either uses)?
fn much_alike(a: &str, b: &str) -> bool {
    let words = |t: &str| -> std::collections::BTreeSet<String> {
        t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    union > 0 && a.intersection(&b).count() * 10 >= union * 6
}

/// Cut text to at most `max` characters, marking the cut.
pub(super) fn clip(text: &str, max: usize) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    }
}

/// Mask anything in quoted text that looks like a key or token.
pub(super) fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if looks_secret(word) {
            out.push_str(&crate::core::secret::fingerprint(word));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '/' | '=') {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn looks_secret(word: &str) -> bool {
    let w = word.trim_end_matches('.');
    if w.len() < 20 || w.contains('*') {
        return false;
    }
    let digits = w.chars().filter(char::is_ascii_digit).count();
    let letters = w.chars().filter(char::is_ascii_alphabetic).count();
    let upper = w.chars().filter(char::is_ascii_uppercase).count();
    w.starts_with("eyJ") || (digits >= 3 && letters >= 8 && (upper >= 2 || w.len() >= 28))
}

pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

pub(super) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() { "(none)".to_owned() } else { items.join(", ") }
}

/// A validity window spelled out in a message.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct TimeWindow {
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
    pub current: Option<OffsetDateTime>,
}

/// Find "start/valid from", "expiry/expires", "current time" followed by a date (RFC 3339 or an
/// HTTP date, optionally in brackets or quotes).
pub(super) fn time_window(message: &str) -> Option<TimeWindow> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| {
            regex::Regex::new(
                r"(?i)\b(start|valid from|not before|expiry time of assertion|expiry|expires|expired at|current time|current)\W{0,4}((?:\d{4}-\d\d-\d\dT[\d:.]+Z?)|(?:[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT))",
            )
            .ok()
        })
        .as_ref()?;
    let mut window = TimeWindow::default();
    for cap in re.captures_iter(message).take(6) {
        let text = &cap[2];
        let when = parse_http_date(text).or_else(|| {
            let t = if text.ends_with('Z') { text.to_owned() } else { format!("{text}Z") };
            OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
        });
        let Some(when) = when else { continue };
        let label = cap[1].to_ascii_lowercase();
        if label.starts_with("current") {
            window.current = Some(when);
        } else if label.starts_with("exp") {
            window.end = Some(when);
        } else {
            window.start = Some(when);
        }
    }
    (window.start.is_some() || window.end.is_some()).then_some(window)
}

/// An HTTP `Date` header (IMF-fixdate, RFC 9110 §5.6.7).
pub(super) fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value.trim(), &format).ok().map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearly_the_same_sentence_is_said_once() {
        assert!(much_alike(
            "The API says you are not allowed to use this item.",
            "The API says you are not allowed to do this."
        ));
        assert!(!much_alike(
            "The API says the token expired.",
            "This computer's clock and the server's differ by 2 hours."
        ));
    }

    #[test]
    fn masks_tokens_in_quoted_text() {
        let key = format!("{}{}", "sk_live_", "51Habcdefghijklmnop1234XYZ");
        let masked = mask(&format!("Invalid API Key provided: {key}. Try again."));
        assert!(!masked.contains("51Habcdefghijklmnop"), "{masked}");
        assert!(masked.starts_with("Invalid API Key provided: sk_live_…"), "{masked}");
        assert_eq!(mask("The access token expired"), "The access token expired");
        assert_eq!(mask("sk_test_****1234"), "sk_test_****1234");
    }

    #[test]
    fn reads_validity_windows_in_messages() {
        let w = time_window("Signature not valid in the specified time frame: Start [Tue, 14 May 2024 10:00:00 GMT] - Expiry [Tue, 14 May 2024 18:00:00 GMT] - Current [Tue, 14 May 2024 09:12:40 GMT]").unwrap();
        assert!(w.start.unwrap() > w.current.unwrap());
        let w = time_window("Current time: 2024-05-28T06:01:42.5853621Z, assertion valid from 2024-05-28T02:19:01.0000000Z, expiry time of assertion 2024-05-28T02:29:01.0000000Z.").unwrap();
        assert!(w.end.unwrap() < w.current.unwrap());
        assert!(time_window("The access token expired").is_none());
    }

    #[test]
    fn reads_http_dates() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.unix_timestamp(), 784_111_777);
        assert!(parse_http_date("yesterday").is_none());
    }
}
