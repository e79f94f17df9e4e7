//! What the request itself shows: no credential, formatting slips, a key from the other
//! environment, what a JWT says about its times, audience, issuer and scopes, the computer's
//! clock against the server's, and this profile's earlier sends.

use super::findings::Board;
use super::knowledge::{EnvKind, Knowledge, Provider};
use super::observe::{SentRequest, Slip};
use super::{Cause, Context, words};
use crate::core::token::time_words;
use time::OffsetDateTime;

/// What the request itself shows: no credential, slips, prefixes, token claims, the clock.
pub(super) fn read_request(
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
    // Only error reports reach here: 4xx/5xx, or a 2xx whose body reports an error.
    let failing = matches!(status, 200..=299 | 400..=599);
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
                // The server asking for a scheme word is answered by this slip: the word is
                // missing, not another one in its place.
                let asked_for_scheme = board.signals.contains_key(&Cause::WrongAuthScheme);
                board.add(
                    Cause::MalformedCredential,
                    if asked_for_scheme { 0.85 } else { 0.55 },
                    evidence.clone(),
                    reason,
                );
                board.add(Cause::WrongAuthScheme, 0.35, evidence, None);
                if asked_for_scheme {
                    board.request_root_cause.get_or_insert(Cause::MalformedCredential);
                }
            }
            Slip::Placeholder => {
                board.add(Cause::MalformedCredential, 0.75, evidence.clone(), reason);
                board.add(Cause::MissingCredential, 0.5, evidence, None);
                // No real value went: whatever the server says of it ("expired"), this is why.
                board.request_root_cause.get_or_insert(Cause::MalformedCredential);
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
        super::signing::read_signing_scope(request, board);
        read_clock(request, context, server_time, board);
    }
}

pub(super) fn read_jwt(
    request: &SentRequest,
    jwt: &super::observe::JwtFacts,
    status: u16,
    context: &Context,
    server_time: Option<OffsetDateTime>,
    board: &mut Board,
) {
    let failing = matches!(status, 200..=299 | 400..=599);
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
                time_words::utc_words(exp),
                time_words::utc_words(now)
            ));
            let reason =
                Some(format!("The token itself says it stopped working {}.", time_words::relative_with_utc(exp, now)));
            board.add(Cause::ExpiredCredential, if strong { 0.9 } else { 0.6 }, evidence, reason);
        } else if exp <= now && server_time.is_some() {
            board.add(
                Cause::ClockSkew,
                0.5,
                Some(format!("The token's expiry (exp) is {}", time_words::utc_words(exp))),
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
            time_words::utc_words(nbf),
            time_words::utc_words(judge)
        ));
        board.add(
            Cause::NotYetValidCredential,
            if skewed { 0.55 } else { 0.8 },
            evidence.clone(),
            Some(format!("The token says it starts working {}.", time_words::relative_with_utc(nbf, judge))),
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
            time_words::utc_words(iat),
            time_words::utc_words(judge)
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

pub(super) fn audience_matches(aud: &str, host: &str) -> bool {
    let aud_host = url::Url::parse(aud).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let aud_host = aud_host.unwrap_or_else(|| aud.trim_end_matches('/').to_ascii_lowercase());
    host == aud_host || host.ends_with(&format!(".{aud_host}")) || aud_host.ends_with(&format!(".{host}"))
}

pub(super) fn env_word(text: &str) -> Option<EnvKind> {
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

/// A key sent as `Authorization: Bearer` to a provider that takes keys in a header of its own
/// (`api-key`, `x-api-key`), with no such header in the request: the wrong way of sending it. A JWT
/// after Bearer is a real token (such providers take those too), so it does not count.
pub(super) fn read_key_as_bearer(request: &SentRequest, provider: Option<&Provider>, board: &mut Board) {
    let Some(p) = provider.filter(|p| !p.key_headers.is_empty()) else { return };
    let Some(cred) = request.main_credential() else { return };
    if !cred.scheme_is("bearer") || cred.jwt.is_some() {
        return;
    }
    if request.headers.iter().any(|(n, _)| p.key_headers.contains(&n.to_ascii_lowercase())) {
        return;
    }
    let header = p.key_headers.first().map_or("its own", String::as_str);
    board.add(
        Cause::WrongAuthScheme,
        0.85,
        Some(format!("Sent: {} in Authorization; {} takes keys in the {header} header", cred.words(), p.name)),
        Some(format!(
            "{} takes API keys in the {header} header. After Authorization: Bearer it expects a token from its sign-in service, so a key sent there is refused.",
            p.name
        )),
    );
    board.request_root_cause.get_or_insert(Cause::WrongAuthScheme);
}

/// An error that names a part of the credential the request did not carry at all ("Client ID
/// and OAuth token do not match" with no client ID sent): the missing part is the likelier story.
/// Not for token requests, whose client ID may travel in Basic sign-in or the body.
pub(super) fn read_named_but_unsent(request: &SentRequest, messages: &[super::signals::Field], board: &mut Board) {
    if request.is_token_request() || messages.is_empty() {
        return;
    }
    let said: String = messages.iter().map(|f| f.value.to_ascii_lowercase()).collect::<Vec<_>>().join(" ");
    let squash = |name: &str| -> String {
        name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
    };
    let named = ["client id", "client-id", "client_id", "clientid"].iter().any(|n| said.contains(n));
    let query: Vec<String> =
        url::Url::parse(&request.url).map(|u| u.query_pairs().map(|(k, _)| squash(&k)).collect()).unwrap_or_default();
    let carried = request.headers.iter().any(|(n, _)| squash(n).contains("clientid"))
        || query.iter().any(|k| k.contains("clientid"));
    if named && !carried {
        board.add(
            Cause::MissingCredential,
            0.8,
            Some("The API's message names a client ID; the request sent none".to_owned()),
            Some(
                "The API expects a client ID with the request (often a header such as Client-Id), and none was sent."
                    .to_owned(),
            ),
        );
        board.request_root_cause.get_or_insert(Cause::MissingCredential);
    }
}

/// The time a signed request carries of itself, by the sender's clock: AWS's and Tencent's
/// timestamp headers, `x-ms-date`, a request `Date`, or a `Timestamp`, `X-Amz-Date` or
/// `oauth_timestamp` in the query.
fn signed_timestamp(request: &SentRequest) -> Option<OffsetDateTime> {
    let iso_basic = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let parse = |name: &str, value: &str| -> Option<OffsetDateTime> {
        let value = value.trim();
        match name {
            "x-amz-date" => {
                time::PrimitiveDateTime::parse(value, &iso_basic).ok().map(time::PrimitiveDateTime::assume_utc)
            }
            "x-tc-timestamp" | "oauth_timestamp" => {
                value.parse::<i64>().ok().and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
            }
            "x-ms-date" | "date" => words::parse_http_date(value),
            "timestamp" => OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).ok(),
            _ => None,
        }
    };
    let from_headers = request.headers.iter().find_map(|(n, v)| parse(&n.to_ascii_lowercase(), v));
    from_headers.or_else(|| {
        let url = url::Url::parse(&request.url).ok()?;
        url.query_pairs().find_map(|(n, v)| parse(&n.to_ascii_lowercase(), &v))
    })
}

/// The sending computer's clock against the server's `Date`. A clock off by minutes is the root
/// cause when the server's complaint is about time (expired, not yet valid, a timestamp out of
/// range): signatures, assertions and tokens made with a wrong clock look expired or early to the
/// server. Not when a token had run out even by the sender's own clock: that expiry is real.
pub(super) fn read_clock(
    request: &SentRequest,
    context: &Context,
    server_time: Option<OffsetDateTime>,
    board: &mut Board,
) {
    let Some(server) = server_time else { return };
    // What the server said, before this reading adds its own: a request's end time just passed
    // is not the server talking about time.
    let about_time = [Cause::ClockSkew, Cause::ExpiredCredential, Cause::NotYetValidCredential]
        .iter()
        .any(|c| board.signals.contains_key(c));
    read_request_expiry(request, server, board);
    // The time signed into the request is what the server judged; else the send time.
    let sent = signed_timestamp(request).or(context.sent_at).unwrap_or(context.now);
    let skew = (sent - server).whole_minutes();
    // Servers that check times allow a few minutes at most; when the complaint is about time, two
    // minutes off already counts.
    if skew.abs() >= if about_time { 2 } else { 5 } {
        board.facts.skew_minutes = Some(skew);
        let expired_anyway = request.jwt().and_then(|j| j.expires_at).is_some_and(|exp| exp <= sent);
        // A day or more apart is seldom a clock (it would fail most HTTPS too): more likely a
        // time written into the request by hand or in the wrong unit; the server's own words
        // about that time then come first.
        let days_apart = skew.abs() >= 24 * 60;
        let weight = if about_time && !expired_anyway && !days_apart {
            0.92
        } else if about_time && days_apart {
            0.55
        } else if board.signals.contains_key(&Cause::ClockSkew) {
            0.6
        } else {
            0.35
        };
        board.add(
            Cause::ClockSkew,
            weight,
            Some(format!(
                "Server time (Date header): {}; request sent at: {}",
                time_words::utc_words(server),
                time_words::utc_words(sent)
            )),
            Some(format!(
                "This computer's clock and the server's differ by {}.",
                time_words::duration_words(time::Duration::minutes(skew))
            )),
        );
    }
}

/// A signed request that carries its own end time (`api-expires`, `expires`, `X-Expires`: unix
/// seconds): when that time had passed by the server's clock only seconds ago, the request was
/// made by a clock running behind, or with a window too short for the trip. The server's
/// "expired" is about the request's time, not the credential.
fn read_request_expiry(request: &SentRequest, server: OffsetDateTime, board: &mut Board) {
    let Some((name, expiry)) = request.headers.iter().find_map(|(n, v)| {
        let lower = n.to_ascii_lowercase();
        let named = lower == "expires" || lower.ends_with("-expires") || lower.ends_with("-expiry");
        let secs = v.trim().parse::<i64>().ok().filter(|s| (1_000_000_000..5_000_000_000).contains(s))?;
        named.then(|| (n.clone(), OffsetDateTime::from_unix_timestamp(secs).ok()))
    }) else {
        return;
    };
    let Some(expiry) = expiry else { return };
    let late = (server - expiry).whole_seconds();
    if !(0..=600).contains(&late) {
        return;
    }
    let clock = |t: OffsetDateTime| {
        let hms = time::macros::format_description!("[hour]:[minute]:[second]");
        t.format(&hms).map_or_else(|_| time_words::utc_words(t), |s| format!("{s} UTC"))
    };
    board.add(
        Cause::ClockSkew,
        0.8,
        Some(format!("{name}: {}; server time (Date header): {}", clock(expiry), clock(server))),
        Some(format!(
            "The request said it stops being good at {}, and by the server's clock that had passed {} before it arrived: this computer's clock runs behind, or the request's window is too short.",
            clock(expiry),
            if late == 1 { "1 second".to_owned() } else { format!("{late} seconds") }
        )),
    );
}

pub(super) fn read_history(request: &SentRequest, status: u16, context: &Context, board: &mut Board) {
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
        let evidence =
            Some(format!("The same kind of request with this profile worked at {}", time_words::utc_words(at)));
        let reason = Some(format!(
            "A request like this worked {}, so the credential changed since then.",
            time_words::relative_with_utc(at, context.now)
        ));
        board.add(Cause::RevokedCredential, if failed_since { 0.45 } else { 0.4 }, evidence.clone(), reason);
        board.add(Cause::ExpiredCredential, 0.3, evidence, None);
    }
}
