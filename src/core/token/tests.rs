//! The decoder on good, odd and broken tokens, and the state at chosen instants.

use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::macros::datetime;

fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// A token from literal header and claims JSON, with a made-up signature.
fn token(header: &str, claims: &str) -> String {
    format!("{}.{}.{}", b64(header), b64(claims), b64("not-a-real-signature"))
}

fn jwt(claims: &str) -> Jwt {
    match read_token(&token(r#"{"alg":"HS256","typ":"JWT"}"#, claims)) {
        Ok(TokenKind::Jwt(jwt)) => jwt,
        other => panic!("expected a JWT, got {other:?}"),
    }
}

#[test]
fn reads_standard_claims() {
    let jwt = jwt(r#"{"iss":"https://auth.example.com/","sub":"user-42","aud":["orders-api","billing"],
            "exp":1700000600,"nbf":1700000000,"iat":1700000000,"scope":"read:orders write:orders"}"#);
    assert_eq!(jwt.algorithm.as_deref(), Some("HS256"));
    assert_eq!(jwt.token_type.as_deref(), Some("JWT"));
    assert_eq!(jwt.issuer.as_deref(), Some("https://auth.example.com/"));
    assert_eq!(jwt.subject.as_deref(), Some("user-42"));
    assert_eq!(jwt.audience, vec!["orders-api", "billing"]);
    assert_eq!(jwt.expires_at, Some(datetime!(2023-11-14 22:23:20 UTC)));
    assert_eq!(jwt.not_before, Some(datetime!(2023-11-14 22:13:20 UTC)));
    assert_eq!(jwt.issued_at, jwt.not_before);
    assert_eq!(jwt.scopes, vec!["read:orders", "write:orders"]);
    assert_eq!(jwt.scope_claims, vec!["scope"]);
    assert_eq!(jwt.signature_len, "not-a-real-signature".len());
    assert!(jwt.warnings.is_empty(), "{:?}", jwt.warnings);
}

#[test]
fn bearer_word_and_whitespace_are_dropped() {
    let text = format!("  Bearer {}\n", token(r#"{"alg":"HS256"}"#, r#"{"sub":"a"}"#));
    let kind = read_token(&text).unwrap();
    assert_eq!(kind.as_jwt().unwrap().subject.as_deref(), Some("a"));
    let lower = format!("bearer\t{}", token(r#"{"alg":"HS256"}"#, r#"{"sub":"b"}"#));
    assert_eq!(read_token(&lower).unwrap().as_jwt().unwrap().subject.as_deref(), Some("b"));
}

#[test]
fn scopes_come_from_every_usual_claim_without_repeats() {
    let jwt = jwt(r#"{"scp":["a","b"],"permissions":["b","c"],"roles":"admin","scope":"z a"}"#);
    assert_eq!(jwt.scopes, vec!["z", "a", "b", "c", "admin"]);
    assert_eq!(jwt.scope_claims, vec!["scope", "scp", "permissions", "roles"]);
    let jwt = self::jwt(r#"{"scp":"read write"}"#);
    assert_eq!(jwt.scopes, vec!["read", "write"]);
}

#[test]
fn audience_may_be_one_string() {
    assert_eq!(jwt(r#"{"aud":"orders-api"}"#).audience, vec!["orders-api"]);
    assert!(jwt(r"{}").audience.is_empty());
}

#[test]
fn missing_scopes_keep_the_expected_order() {
    let jwt = jwt(r#"{"scope":"read:orders"}"#);
    let expected = vec!["write:orders".to_owned(), "read:orders".to_owned(), " ".to_owned(), "admin".to_owned()];
    assert_eq!(jwt.missing_scopes(&expected), vec!["write:orders", "admin"]);
    assert!(jwt.missing_scopes(&[]).is_empty());
}

#[test]
fn numeric_claims_as_strings_are_read_with_a_warning() {
    let jwt = jwt(r#"{"exp":"1700000000","iat":" 1699999000 ","nbf":1699999000.75}"#);
    assert_eq!(jwt.expires_at, Some(datetime!(2023-11-14 22:13:20 UTC)));
    assert_eq!(jwt.issued_at, Some(datetime!(2023-11-14 21:56:40 UTC)));
    assert_eq!(jwt.not_before, Some(datetime!(2023-11-14 21:56:40 UTC)));
    assert_eq!(
        jwt.warnings,
        vec![TokenWarning::TimeAsText { claim: "exp" }, TokenWarning::TimeAsText { claim: "iat" }]
    );
    assert!(jwt.warnings[0].describe().contains("\"exp\" is written as text"));
}

#[test]
fn absurd_times_are_named_not_panicked_on() {
    // Out of range even read as milliseconds (1954, the year 318 000): not called a slip of unit.
    for value in [
        "1e300",
        "-1e300",
        "99999999999999999999",
        "-500000000000",
        "10000000000000000",
        "\"NaN\"",
        "\"soon\"",
        "true",
        "[1]",
    ] {
        let jwt = jwt(&format!(r#"{{"exp":{value}}}"#));
        assert_eq!(jwt.expires_at, None, "{value}");
        assert!(
            matches!(jwt.warnings.as_slice(), [TokenWarning::UnreadableTime { claim: "exp", .. }]),
            "{value}: {:?}",
            jwt.warnings
        );
    }
    // Milliseconds where seconds belong are named as that slip.
    let millis = jwt(r#"{"exp":1700000000000}"#);
    assert_eq!(millis.expires_at, None);
    assert_eq!(millis.warnings, vec![TokenWarning::TimeInMilliseconds { claim: "exp" }]);
    assert!(millis.warnings[0].describe().contains("milliseconds"), "{:?}", millis.warnings);
    assert_eq!(jwt(r#"{"exp":null}"#).warnings, vec![]);
}

#[test]
fn alg_none_is_read_with_a_warning() {
    let text = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(r#"{"sub":"x"}"#));
    let TokenKind::Jwt(jwt) = read_token(&text).unwrap() else { panic!("not a JWT") };
    assert!(jwt.is_unsigned());
    assert_eq!(jwt.signature_len, 0);
    assert_eq!(jwt.warnings, vec![TokenWarning::Unsigned]);
    assert!(jwt.warnings[0].describe().contains("not signed (alg: none)"));
}

#[test]
fn broken_tokens_each_get_their_own_message() {
    let header = b64(r#"{"alg":"HS256"}"#);
    let claims = b64(r#"{"sub":"x"}"#);
    let cases: Vec<(&str, String, TokenError)> = vec![
        ("empty", "  ".to_owned(), TokenError::Empty),
        ("only bearer", "Bearer ".to_owned(), TokenError::Empty),
        ("two parts", format!("{header}.{claims}"), TokenError::NotThreeParts { parts: 2 }),
        ("four parts", format!("{header}.{claims}.sig.more"), TokenError::NotThreeParts { parts: 4 }),
        (
            "bad base64 in the claims",
            format!("{header}.ab!cd.sig"),
            TokenError::BadBase64 { part: JwtPart::Claims, position: Some(2) },
        ),
        (
            "bad base64 length in the header",
            format!("a.{claims}.sig"),
            TokenError::BadBase64 { part: JwtPart::Header, position: None },
        ),
        (
            "bad base64 in the signature",
            format!("{header}.{claims}.s*g"),
            TokenError::BadBase64 { part: JwtPart::Signature, position: Some(1) },
        ),
        (
            "claims not JSON",
            format!("{header}.{}.sig", b64("hello there")),
            TokenError::NotJson { part: JwtPart::Claims, detail: "a syntax error at line 1, column 1".to_owned() },
        ),
        (
            "header cut short",
            format!("{}.{claims}.sig", b64(r#"{"alg":"#)),
            TokenError::NotJson { part: JwtPart::Header, detail: "it ends too early at line 1, column 7".to_owned() },
        ),
        ("claims a list", format!("{header}.{}.sig", b64("[1,2]")), TokenError::NotObject { part: JwtPart::Claims }),
        ("space inside", format!("{header}. {claims}.sig"), TokenError::HasWhitespace),
        (
            "huge",
            format!("{header}.{}.sig", "A".repeat(MAX_TOKEN_BYTES)),
            TokenError::TooLarge { bytes: header.len() + MAX_TOKEN_BYTES + 5, limit: MAX_TOKEN_BYTES },
        ),
    ];
    for (name, text, expected) in cases {
        assert_eq!(read_token(&text), Err(expected), "{name}");
    }
}

#[test]
fn error_messages_are_plain_and_never_hold_the_token() {
    let secretish = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXZhbHVlLTEyMzQ.sig";
    let message = read_token(secretish).unwrap_err().to_string();
    assert_eq!(
        message,
        "Part 2 of the token (the claims) decodes, but it is not JSON (a syntax error at line 1, column 1). So this is not a JWT Gatepass can read."
    );
    assert!(!message.contains("c2VjcmV0"));
    assert_eq!(
        TokenError::BadBase64 { part: JwtPart::Claims, position: Some(2) }.to_string(),
        "Part 2 of the token (the claims) is not valid base64url text (a character that does not belong at position 3). The token may be cut short or changed; copy it again."
    );
    assert_eq!(
        TokenError::TooLarge { bytes: 200 * 1024, limit: MAX_TOKEN_BYTES }.to_string(),
        "This text is too large to be a token (200 KB; Gatepass reads up to 64 KB). Check that only the token was copied, not a whole response or file."
    );
}

#[test]
fn opaque_tokens_are_recognised() {
    let TokenKind::Opaque(gh) = read_token(&format!("{}{}", "ghp_", "abcdefghijklmnopqrstuvwxyz0123459f2c")).unwrap()
    else {
        panic!("GitHub token read as a JWT")
    };
    assert_eq!(gh.known_as, Some("GitHub personal access token"));
    assert_eq!(gh.fingerprint, "ghp_…9f2c");
    assert_eq!(gh.length, 40);
    assert!(gh.explanation().starts_with("This looks like a GitHub personal access token. It is an opaque token"));

    let TokenKind::Opaque(plain) = read_token("2YotnFZFEjr1zCsicMWpAA").unwrap() else { panic!("read as a JWT") };
    assert_eq!(plain.known_as, None);
    assert!(plain.explanation().contains("cannot read its expiry or permissions"));

    let jwe = format!("{}.key.iv.text.tag", b64(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#));
    let TokenKind::Opaque(jwe) = read_token(&jwe).unwrap() else { panic!("JWE read as a JWT") };
    assert_eq!(jwe.known_as, Some("encrypted JWT (JWE), which only the API can open"));
}

#[test]
fn debug_never_shows_the_token() {
    let text = token(r#"{"alg":"HS256"}"#, r#"{"sub":"canary"}"#);
    let kind = read_token(&text).unwrap();
    let printed = format!("{kind:?}");
    assert!(!printed.contains(&text), "{printed}");
    assert!(!printed.contains(text.split('.').nth(2).unwrap()), "{printed}");
    assert_eq!(kind.as_jwt().unwrap().raw().expose(), text);
}

#[test]
fn state_moves_through_its_stages_as_the_clock_moves() {
    let jwt = jwt(r#"{"nbf":1700000000,"exp":1700003600}"#);
    let nbf = datetime!(2023-11-14 22:13:20 UTC);
    let exp = nbf + time::Duration::hours(1);
    let soon = DEFAULT_SOON;
    let cases = [
        ("a second before nbf", nbf - time::Duration::seconds(1), TokenState::NotYetValid),
        ("at nbf", nbf, TokenState::Valid),
        ("just over five minutes left", exp - time::Duration::seconds(301), TokenState::Valid),
        ("exactly five minutes left", exp - soon, TokenState::ExpiringSoon),
        ("a second left", exp - time::Duration::seconds(1), TokenState::ExpiringSoon),
        ("at exp", exp, TokenState::Expired),
        ("a day later", exp + time::Duration::days(1), TokenState::Expired),
    ];
    for (name, now, expected) in cases {
        assert_eq!(token_state(&jwt, now, soon), expected, "{name}");
    }
    assert_eq!(
        token_state(&jwt, exp - time::Duration::minutes(20), time::Duration::minutes(30)),
        TokenState::ExpiringSoon
    );
}

#[test]
fn state_without_expiry() {
    let never = jwt(r#"{"sub":"x"}"#);
    assert_eq!(token_state(&never, datetime!(2030-01-01 0:00 UTC), DEFAULT_SOON), TokenState::NoExpiry);
    let later = jwt(r#"{"nbf":1700000000}"#);
    assert_eq!(token_state(&later, datetime!(2020-01-01 0:00 UTC), DEFAULT_SOON), TokenState::NotYetValid);
    assert!(TokenState::NoExpiry.is_usable() && !TokenState::Expired.is_usable());
    let tomorrow = jwt(r#"{"sub":"x","exp":"tomorrow"}"#);
    assert_eq!(token_state(&tomorrow, datetime!(2030-01-01 0:00 UTC), DEFAULT_SOON), TokenState::UnreadableExpiry);
    assert!(!TokenState::UnreadableExpiry.is_usable());
}

/// A tiny deterministic generator, so the property test needs no extra crate and replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap()
    }
}

/// Property: on any input the decoder returns (never panics), a readable JWT's fingerprint
/// never holds its signature, and every error message is free of the input's distinctive parts.
#[test]
fn decoder_never_panics_on_mutated_or_random_input() {
    let seeds = [
        token(r#"{"alg":"RS256","kid":"k1"}"#, r#"{"sub":"s","exp":1700000000,"scope":"a b","aud":["x"]}"#),
        token(r#"{"alg":"none"}"#, r#"{"exp":"17","nbf":1e300,"iat":-1e20,"scp":[1,null,{"a":2}]}"#),
        token(r#"{"alg":"HS256"}"#, &format!(r#"{{"deep":{}{}}}"#, "[".repeat(200), "]".repeat(200))),
        format!("{}{}", "ghp_", "abcdefghijklmnopqrstuvwxyz0123459f2c"),
    ];
    let alphabet: Vec<char> = "eyJAZaz09-_.=+/ \n\"{}[]:,\u{e9}\u{1F511}\0".chars().collect();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut jwts = 0;
    let mut errors = 0;
    for round in 0..20_000 {
        let mut chars: Vec<char> = if round % 5 == 0 {
            (0..rng.below(120)).map(|_| alphabet[rng.below(alphabet.len())]).collect()
        } else {
            seeds[rng.below(seeds.len())].chars().collect()
        };
        for _ in 0..rng.below(4) {
            if chars.is_empty() {
                break;
            }
            let at = rng.below(chars.len());
            match rng.below(4) {
                0 => chars[at] = alphabet[rng.below(alphabet.len())],
                1 => {
                    chars.remove(at);
                }
                2 => chars.insert(at, alphabet[rng.below(alphabet.len())]),
                _ => chars.truncate(at),
            }
        }
        let text: String = chars.into_iter().collect();
        match read_token(&text) {
            Ok(TokenKind::Jwt(jwt)) => {
                jwts += 1;
                if let Some(sig) = text.trim().rsplit('.').next().filter(|s| s.len() > 6) {
                    assert!(!jwt.fingerprint.contains(sig), "{text:?}");
                }
                let _ = token_state(&jwt, time::OffsetDateTime::UNIX_EPOCH, DEFAULT_SOON);
            }
            Ok(TokenKind::Opaque(o)) => assert!(o.length <= text.chars().count()),
            Err(e) => {
                errors += 1;
                let message = e.to_string();
                assert!(!message.is_empty());
                if let Some(part) = text.split('.').find(|p| p.len() > 12) {
                    assert!(!message.contains(part), "{message} holds {part}");
                }
            }
        }
    }
    // The mutations must reach both outcomes, or the test proves little.
    assert!(jwts > 1500 && errors > 5000, "jwts {jwts}, errors {errors}");
}

#[test]
fn a_jwt_whose_last_character_leaves_bits_set_still_reads() {
    use base64::Engine as _;
    let part = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    // Two bytes of signature encode as three characters; "JIo" leaves unused bits set.
    let token = format!("{}.{}.JIo", part(r#"{"alg":"RS256"}"#), part(r#"{"exp":1582623600}"#));
    let TokenKind::Jwt(jwt) = read_token(&token).unwrap() else { panic!("not read as a JWT") };
    assert_eq!(jwt.expires_at.map(time::OffsetDateTime::unix_timestamp), Some(1_582_623_600));
    // A character outside base64url is still named.
    assert!(matches!(read_token(&format!("{}.{}.ab$c", part("{}"), part("{}"))), Err(TokenError::BadBase64 { .. })));
}
