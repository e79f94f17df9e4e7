//! Times in words: relative first ("expires in 4 min 10 s"), absolute second (local time and UTC).
//!
//! Every function takes `now` (and the local offset) as parameters, so a countdown is a pure
//! function of the clock and is tested by moving an injected clock, never by sleeping.

use super::{Jwt, TokenState, token_state};
use time::{Duration, OffsetDateTime, UtcOffset};

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const YEAR: i64 = 365 * DAY;

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

fn days_words(days: i64) -> String {
    if days >= 365 { plural(days / 365, "year", "years") } else { plural(days, "day", "days") }
}

/// A length of time to the second while it is under an hour, then in two coarser units:
/// "42 s", "4 min 10 s", "2 h 5 min", "3 days 2 h", "2 years". The sign is ignored.
pub fn duration_words(duration: Duration) -> String {
    let secs = duration.whole_seconds().saturating_abs();
    let (major, minor) = if secs < MINUTE {
        return format!("{secs} s");
    } else if secs < HOUR {
        (format!("{} min", secs / MINUTE), (secs % MINUTE, "s"))
    } else if secs < DAY {
        (format!("{} h", secs / HOUR), (secs % HOUR / MINUTE, "min"))
    } else if secs < YEAR {
        (days_words(secs / DAY), (secs % DAY / HOUR, "h"))
    } else {
        return days_words(secs / DAY);
    };
    match minor {
        (0, _) => major,
        (n, unit) => format!("{major} {n} {unit}"),
    }
}

/// A length of time in one unit, rounded down: "42 s", "12 min", "2 h", "3 days", "2 years".
/// For short labels, such as the profile bar, and for times long past.
pub fn short_duration_words(duration: Duration) -> String {
    let secs = duration.whole_seconds().saturating_abs();
    if secs < MINUTE {
        format!("{secs} s")
    } else if secs < HOUR {
        format!("{} min", secs / MINUTE)
    } else if secs < DAY {
        format!("{} h", secs / HOUR)
    } else {
        days_words(secs / DAY)
    }
}

/// "in 4 min 10 s", "2 h ago", or "now". Future times to the second while under an hour; past
/// times in one unit, as people say them.
pub fn relative_words(instant: OffsetDateTime, now: OffsetDateTime) -> String {
    let delta = instant - now;
    if delta.whole_seconds() == 0 {
        "now".to_owned()
    } else if delta.is_positive() {
        format!("in {}", duration_words(delta))
    } else {
        format!("{} ago", short_duration_words(delta))
    }
}

/// "expires in 4 min 10 s" or "expired 2 h ago".
pub fn expiry_words(expires_at: OffsetDateTime, now: OffsetDateTime) -> String {
    if expires_at <= now {
        let ago = now - expires_at;
        if ago.whole_seconds() == 0 {
            "expired just now".to_owned()
        } else {
            format!("expired {} ago", short_duration_words(ago))
        }
    } else {
        format!("expires in {}", duration_words(expires_at - now))
    }
}

/// Local time first, then UTC: "2023-11-14 23:23:20 (UTC+01:00) · 22:23:20 UTC". When the local
/// offset is UTC, just "2023-11-14 22:23:20 UTC". The UTC part names its date when it differs.
pub fn absolute_words(instant: OffsetDateTime, local: UtcOffset) -> String {
    let utc = instant.to_offset(UtcOffset::UTC);
    let utc_full = format!("{} {} UTC", utc.date(), hms(utc));
    if local == UtcOffset::UTC {
        return utc_full;
    }
    let here = instant.to_offset(local);
    let (h, m, _) = local.as_hms();
    let sign = if local.is_negative() { '-' } else { '+' };
    let offset = format!("UTC{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs());
    let utc_part = if utc.date() == here.date() { format!("{} UTC", hms(utc)) } else { utc_full };
    format!("{} {} ({offset}) · {utc_part}", here.date(), hms(here))
}

/// A short absolute time for sentences, in UTC: "1 Mar 10:42 UTC".
pub fn utc_words(instant: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[day padding:none] [month repr:short] [hour]:[minute] UTC");
    instant.to_offset(UtcOffset::UTC).format(&format).unwrap_or_default()
}

/// Relative first, absolute second, as an explanation says it: "23 min ago (1 Mar 10:42 UTC)",
/// "in 5 min (1 Mar 11:10 UTC)".
pub fn relative_with_utc(instant: OffsetDateTime, now: OffsetDateTime) -> String {
    format!("{} ({})", relative_words(instant, now), utc_words(instant))
}

fn hms(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// One line for the token's state, as the inspector's headline says it: "Expires in 4 min 10 s",
/// "Expired 2 h ago", "Not valid yet: starts working in 3 min", "Never expires".
pub fn state_words(jwt: &Jwt, now: OffsetDateTime, soon: Duration) -> String {
    match token_state(jwt, now, soon) {
        TokenState::Valid | TokenState::ExpiringSoon | TokenState::Expired => match jwt.expires_at {
            Some(exp) => capitalise(&expiry_words(exp, now)),
            None => "Never expires".to_owned(),
        },
        TokenState::NotYetValid => match jwt.not_before {
            Some(nbf) => format!("Not valid yet: starts working {}", relative_words(nbf, now)),
            None => "Not valid yet".to_owned(),
        },
        TokenState::NoExpiry => "Never expires".to_owned(),
        TokenState::UnreadableExpiry => "Its expiry (exp) is not a time, so APIs will likely refuse it".to_owned(),
    }
}

/// The profile bar's short form: "token expires in 12 min", "token expired 2 h ago".
pub fn short_state_words(jwt: &Jwt, now: OffsetDateTime, soon: Duration) -> String {
    match token_state(jwt, now, soon) {
        TokenState::Valid | TokenState::ExpiringSoon => match jwt.expires_at {
            Some(exp) => format!("token expires in {}", short_duration_words(exp - now)),
            None => "token never expires".to_owned(),
        },
        TokenState::Expired => match jwt.expires_at {
            Some(exp) if (now - exp).whole_seconds() == 0 => "token expired just now".to_owned(),
            Some(exp) => format!("token expired {} ago", short_duration_words(now - exp)),
            None => "token expired".to_owned(),
        },
        TokenState::NotYetValid => "token not valid yet".to_owned(),
        TokenState::NoExpiry => "token never expires".to_owned(),
        TokenState::UnreadableExpiry => "token expiry unreadable".to_owned(),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::{DEFAULT_SOON, TokenKind, read_token};
    use base64::Engine as _;
    use time::macros::{datetime, offset};

    #[test]
    fn durations_in_words() {
        let cases = [
            (0, "0 s"),
            (42, "42 s"),
            (60, "1 min"),
            (250, "4 min 10 s"),
            (3600, "1 h"),
            (7500, "2 h 5 min"),
            (86_400, "1 day"),
            (3 * 86_400 + 2 * 3600 + 59, "3 days 2 h"),
            (800 * 86_400, "2 years"),
            (-250, "4 min 10 s"),
        ];
        for (secs, words) in cases {
            assert_eq!(duration_words(Duration::seconds(secs)), words, "{secs}");
        }
        assert_eq!(short_duration_words(Duration::seconds(7500)), "2 h");
        assert_eq!(short_duration_words(Duration::seconds(750)), "12 min");
        assert_eq!(duration_words(Duration::MAX), "292471208677 years");
    }

    #[test]
    fn relative_first() {
        let now = datetime!(2024-05-01 10:00:00 UTC);
        assert_eq!(expiry_words(now + Duration::seconds(250), now), "expires in 4 min 10 s");
        assert_eq!(expiry_words(now - Duration::seconds(7500), now), "expired 2 h ago");
        assert_eq!(expiry_words(now, now), "expired just now");
        assert_eq!(relative_words(now - Duration::minutes(23), now), "23 min ago");
        assert_eq!(relative_words(now + Duration::minutes(3), now), "in 3 min");
        assert_eq!(relative_words(now, now), "now");
        assert_eq!(relative_with_utc(now - Duration::minutes(23), now), "23 min ago (1 May 09:37 UTC)");
        assert_eq!(relative_with_utc(now + Duration::seconds(250), now), "in 4 min 10 s (1 May 10:04 UTC)");
    }

    #[test]
    fn absolute_second_local_and_utc() {
        let t = datetime!(2024-05-01 10:42:00 UTC);
        assert_eq!(absolute_words(t, UtcOffset::UTC), "2024-05-01 10:42:00 UTC");
        assert_eq!(absolute_words(t, offset!(+2)), "2024-05-01 12:42:00 (UTC+02:00) · 10:42:00 UTC");
        assert_eq!(
            absolute_words(datetime!(2024-05-01 01:00:00 UTC), offset!(-5:30)),
            "2024-04-30 19:30:00 (UTC-05:30) · 2024-05-01 01:00:00 UTC"
        );
    }

    fn jwt(claims: &str) -> Jwt {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let text = format!("{}.{}.c2ln", e.encode(r#"{"alg":"HS256"}"#), e.encode(claims));
        match read_token(&text) {
            Ok(TokenKind::Jwt(jwt)) => jwt,
            other => panic!("{other:?}"),
        }
    }

    /// The live countdown: each tick of an injected clock gives the exact words, through every state.
    #[test]
    fn countdown_with_an_injected_clock() {
        let jwt = jwt(r#"{"nbf":1714557600,"exp":1714558200}"#); // 10:00:00 and 10:10:00 UTC
        let start = datetime!(2024-05-01 09:59:58 UTC);
        let ticks = [
            (0, "Not valid yet: starts working in 2 s", "token not valid yet"),
            (2, "Expires in 10 min", "token expires in 10 min"),
            (3, "Expires in 9 min 59 s", "token expires in 9 min"),
            (352, "Expires in 4 min 10 s", "token expires in 4 min"),
            (601, "Expires in 1 s", "token expires in 1 s"),
            (602, "Expired just now", "token expired just now"),
            (603, "Expired 1 s ago", "token expired 1 s ago"),
            (2 + 600 + 7200, "Expired 2 h ago", "token expired 2 h ago"),
        ];
        for (secs, long, short) in ticks {
            let now = start + Duration::seconds(secs);
            assert_eq!(state_words(&jwt, now, DEFAULT_SOON), long, "t+{secs}");
            assert_eq!(short_state_words(&jwt, now, DEFAULT_SOON), short, "t+{secs}");
        }
        assert_eq!(state_words(&self::jwt("{}"), start, DEFAULT_SOON), "Never expires");
    }
}
