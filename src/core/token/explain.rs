//! The standard claims in plain words, shared by the CLI report and the inspector window, so both
//! say "issuer — who issued this pass" the same way.

use super::Jwt;
use super::time_words::{absolute_words, relative_words};
use time::{OffsetDateTime, UtcOffset};

/// One standard claim, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLine {
    /// The claim's name in the token, for example "iss".
    pub claim: &'static str,
    /// Its name in words, for example "Issuer".
    pub name: &'static str,
    /// What it means, for example "who issued this pass".
    pub meaning: &'static str,
    /// The value: text as is, times relative first and absolute second.
    pub value: String,
}

/// Every standard claim, in the order people ask about them. Claims the token lacks say so, so
/// nobody wonders whether Gatepass missed them.
pub fn standard_claims(jwt: &Jwt, now: OffsetDateTime, local: UtcOffset) -> Vec<ClaimLine> {
    let absent = || "(not in this token)".to_owned();
    let time_value = |t: Option<OffsetDateTime>| {
        t.map_or_else(absent, |t| format!("{} ({})", relative_words(t, now), absolute_words(t, local)))
    };
    vec![
        ClaimLine {
            claim: "iss",
            name: "Issuer",
            meaning: "who issued this pass",
            value: jwt.issuer.clone().unwrap_or_else(absent),
        },
        ClaimLine {
            claim: "sub",
            name: "Subject",
            meaning: "who it is for",
            value: jwt.subject.clone().unwrap_or_else(absent),
        },
        ClaimLine {
            claim: "aud",
            name: "Audience",
            meaning: "which API it is meant for",
            value: if jwt.audience.is_empty() { absent() } else { jwt.audience.join(", ") },
        },
        ClaimLine {
            claim: "exp",
            name: "Expires",
            meaning: "when it stops working",
            value: match jwt.expires_at {
                None if jwt.claims.get("exp").is_some_and(|v| !v.is_null()) => {
                    format!(
                        "unreadable: {} is not a time",
                        jwt.claims.get("exp").map(ToString::to_string).unwrap_or_default()
                    )
                }
                None => "never (no expiry in this token)".to_owned(),
                some => time_value(some),
            },
        },
        ClaimLine { claim: "iat", name: "Issued at", meaning: "when it was made", value: time_value(jwt.issued_at) },
        ClaimLine {
            claim: "nbf",
            name: "Not before",
            meaning: "when it starts working",
            value: time_value(jwt.not_before),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::{TokenKind, read_token};
    use base64::Engine as _;
    use time::macros::datetime;

    #[test]
    fn claims_are_explained_in_plain_words() {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let text = format!(
            "{}.{}.c2ln",
            e.encode(r#"{"alg":"HS256"}"#),
            e.encode(r#"{"iss":"https://auth.example.com","sub":"u1","exp":1714558200,"iat":1714557600}"#)
        );
        let Ok(TokenKind::Jwt(jwt)) = read_token(&text) else { panic!("not read") };
        let lines = standard_claims(&jwt, datetime!(2024-05-01 10:05:50 UTC), UtcOffset::UTC);
        let shown: Vec<(&str, &str, String)> = lines.iter().map(|l| (l.claim, l.meaning, l.value.clone())).collect();
        assert_eq!(
            shown,
            vec![
                ("iss", "who issued this pass", "https://auth.example.com".to_owned()),
                ("sub", "who it is for", "u1".to_owned()),
                ("aud", "which API it is meant for", "(not in this token)".to_owned()),
                ("exp", "when it stops working", "in 4 min 10 s (2024-05-01 10:10:00 UTC)".to_owned()),
                ("iat", "when it was made", "5 min ago (2024-05-01 10:00:00 UTC)".to_owned()),
                ("nbf", "when it starts working", "(not in this token)".to_owned()),
            ]
        );
    }
}
