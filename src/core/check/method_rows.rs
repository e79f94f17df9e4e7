//! The rows Check setup adds for what a sign-in method needs beside its main secret: OAuth 1's
//! token secret, AWS's session token and region, and a `DPoP` key with the token bound to it.
//! Kept apart from the rows every profile gets (`core::check`), one function per method.

use super::{CheckInput, CheckRow, Level};
use crate::core::auth::dpop::Binding;
use crate::core::profile::AuthMethod;
use crate::core::token::{TokenKind, read_token};

/// Every method row this profile calls for, in the order a person fixes them.
pub(super) fn method_rows(input: &CheckInput, rows: &mut Vec<CheckRow>) {
    match &input.profile.auth {
        AuthMethod::OAuth1(settings)
            if !settings.token.trim().is_empty() && settings.method != crate::core::profile::OAuth1Method::RsaSha1 =>
        {
            rows.push(oauth1_token_secret(input.second_secret));
        }
        AuthMethod::AwsSigV4(settings) => {
            rows.extend(aws_session_token(&settings.access_key_id, input.second_secret));
            rows.extend(aws_region(&settings.region, &input.profile.base_url));
        }
        _ => {}
    }
    rows.extend(dpop_rows(input));
}

fn oauth1_token_secret(stored: Option<bool>) -> CheckRow {
    if stored == Some(true) {
        CheckRow::new("second_secret", "Token secret", Level::Ok, "The token's secret is in the keychain.")
    } else {
        CheckRow::new(
            "second_secret",
            "Token secret",
            Level::Failed,
            "The profile has an OAuth 1 token but no token secret in the keychain, so its requests cannot be signed right.",
        )
        .fix("Open the profile and paste the token secret that came with the token.")
    }
}

/// AWS key IDs say what they are: `ASIA…` is temporary (it needs its session token), `AKIA…`
/// long-term (it takes none).
fn aws_session_token(key_id: &str, stored: Option<bool>) -> Option<CheckRow> {
    let key_id = key_id.trim();
    let temporary = key_id.starts_with("ASIA");
    let long_term = key_id.starts_with("AKIA");
    let has = stored == Some(true);
    let shown = key_id.get(..4).unwrap_or(key_id);
    match (temporary, long_term, has) {
        (true, _, false) => Some(
            CheckRow::new(
                "second_secret",
                "Session token",
                Level::Failed,
                format!(
                    "The access key ID ({shown}…) is for temporary credentials, which only work with the session token they came with. None is in the keychain."
                ),
            )
            .fix("Open the profile and paste the session token (AWS_SESSION_TOKEN) that came with the key."),
        ),
        (_, true, true) => Some(
            CheckRow::new(
                "second_secret",
                "Session token",
                Level::Warning,
                format!(
                    "A session token is in the keychain, but the access key ID ({shown}…) is a long-term key, which takes none. AWS refuses the pair."
                ),
            )
            .fix("Remove the session token, or use the temporary key ID it came with."),
        ),
        (_, _, true) => Some(CheckRow::new(
            "second_secret",
            "Session token",
            Level::Ok,
            "The session token of the temporary credentials is in the keychain.",
        )),
        _ => None,
    }
}

/// The base URL's region (an AWS address names one) against the region the profile signs for.
fn aws_region(region: &str, base_url: &str) -> Option<CheckRow> {
    let url = url::Url::parse(base_url.trim()).ok()?;
    let host_region = crate::core::auth::sigv4::region_of_host(url.host_str()?)?;
    Some(if host_region.eq_ignore_ascii_case(region.trim()) {
        CheckRow::new("region", "Region", Level::Ok, format!("Signed for {host_region}, the base URL's region."))
    } else {
        CheckRow::new(
            "region",
            "Region",
            Level::Failed,
            format!(
                "Requests are signed for {}, but the base URL is in {host_region}: AWS refuses a signature for another region.",
                region.trim()
            ),
        )
        .fix(format!("Set the profile's region to {host_region}, or fix the base URL."))
    })
}

/// A `DPoP` key in the keychain, and a JWT access token bound to it (`cnf.jkt`).
fn dpop_rows(input: &CheckInput) -> Vec<CheckRow> {
    let mut rows = Vec::new();
    let bound_to = match &input.token {
        Some(Ok(token)) => match read_token(token.expose()) {
            Ok(TokenKind::Jwt(jwt)) => Some(
                jwt.claims.get("cnf").and_then(|c| c.get("jkt")).and_then(serde_json::Value::as_str).map(str::to_owned),
            ),
            _ => None,
        },
        _ => None,
    };
    match &input.dpop_key {
        None => {
            if let Some(Some(jkt)) = &bound_to {
                rows.push(binding_row(jkt, None));
            }
        }
        Some(None) => rows.push(
            CheckRow::new("dpop_key", "DPoP key", Level::Failed, "The profile's DPoP key is not in the keychain.")
                .fix("Open the profile, switch the DPoP key off and on again to make a new one, then get a new token."),
        ),
        Some(Some(ours)) => {
            rows.push(CheckRow::new(
                "dpop_key",
                "DPoP key",
                Level::Ok,
                format!("In the keychain (thumbprint {}…); each request carries a proof signed with it.", short(ours)),
            ));
            match &bound_to {
                Some(Some(jkt)) => rows.push(binding_row(jkt, Some(ours))),
                Some(None) => rows.push(
                    CheckRow::new(
                        "dpop_binding",
                        "Token bound to the key",
                        Level::Warning,
                        "The access token is not bound to any key (it has no cnf.jkt): the sign-in server may not offer DPoP, and the API may refuse a plain token sent as DPoP.",
                    )
                    .fix("Ask whether the API takes DPoP tokens. If it does not, switch the DPoP key off for this profile."),
                ),
                None => {}
            }
        }
    }
    rows
}

fn binding_row(jkt: &str, ours: Option<&str>) -> CheckRow {
    let binding = Binding::of(jkt, ours);
    let found = format!("The token's key thumbprint (cnf.jkt {}…) {}", short(jkt), binding.words());
    if binding == Binding::Matches {
        CheckRow::new("dpop_binding", "Token bound to the key", Level::Ok, format!("{found}."))
    } else {
        CheckRow::new("dpop_binding", "Token bound to the key", Level::Failed, found)
    }
}

fn short(thumbprint: &str) -> &str {
    thumbprint.get(..8).unwrap_or(thumbprint)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::core::check::{Policy, check_profile};
    use crate::core::profile::{AuthKind, Environment};
    use crate::core::secret::Secret;
    use base64::Engine as _;

    fn input(kind: AuthKind, base_url: &str) -> CheckInput {
        let mut input = crate::core::check::tests::input(Environment::Sandbox, "s3cr3t-value-0123456789");
        base_url.clone_into(&mut input.profile.base_url);
        input.profile.auth = AuthMethod::new_of_kind(kind, &input.profile.id);
        input
    }

    fn levels(input: &CheckInput, id: &str) -> Vec<Level> {
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        check_profile(input, &Policy::new(now)).rows.into_iter().filter(|r| r.id == id).map(|r| r.level).collect()
    }

    fn jwt(claims: &serde_json::Value) -> Secret {
        let part = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        Secret::new(format!("{}.{}.c2ln", part(&serde_json::json!({"alg": "HS256"})), part(claims)))
    }

    #[test]
    fn an_oauth1_token_needs_its_secret_in_the_keychain() {
        let mut oauth1 = input(AuthKind::OAuth1, "https://api.example.com");
        assert!(levels(&oauth1, "second_secret").is_empty(), "no token: no row");
        if let AuthMethod::OAuth1(o) = &mut oauth1.profile.auth {
            o.token = "token-1".into();
        }
        oauth1.second_secret = Some(false);
        assert_eq!(levels(&oauth1, "second_secret"), [Level::Failed]);
        oauth1.second_secret = Some(true);
        assert_eq!(levels(&oauth1, "second_secret"), [Level::Ok]);
    }

    #[test]
    fn aws_temporary_keys_need_a_session_token_and_the_region_must_be_the_hosts() {
        let mut aws = input(AuthKind::AwsSigV4, "https://s3.eu-west-1.amazonaws.com");
        if let AuthMethod::AwsSigV4(s) = &mut aws.profile.auth {
            s.access_key_id = "ASIAEXAMPLE123".into();
            s.region = "us-east-1".into();
        }
        aws.second_secret = Some(false);
        assert_eq!(levels(&aws, "second_secret"), [Level::Failed]);
        assert_eq!(levels(&aws, "region"), [Level::Failed]);
        aws.second_secret = Some(true);
        assert_eq!(levels(&aws, "second_secret"), [Level::Ok]);
        if let AuthMethod::AwsSigV4(s) = &mut aws.profile.auth {
            // A long-term key ID, made here: only its AKIA prefix matters.
            s.access_key_id = format!("AKIA{}", uuid::Uuid::new_v4().simple().to_string()[..16].to_uppercase());
            s.region = "eu-west-1".into();
        }
        assert_eq!(levels(&aws, "second_secret"), [Level::Warning], "a long-term key with a session token");
        assert_eq!(levels(&aws, "region"), [Level::Ok]);
        aws.second_secret = Some(false);
        assert!(levels(&aws, "second_secret").is_empty());
    }

    #[test]
    fn a_dpop_key_is_checked_and_so_is_the_tokens_binding_to_it() {
        let mut bearer = input(AuthKind::Bearer, "https://api.example.com");
        let ours = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
        bearer.dpop_key = Some(None);
        assert_eq!(levels(&bearer, "dpop_key"), [Level::Failed]);
        bearer.dpop_key = Some(Some(ours.into()));
        bearer.token = Some(Ok(jwt(&serde_json::json!({"cnf": {"jkt": ours}}))));
        assert_eq!((levels(&bearer, "dpop_key"), levels(&bearer, "dpop_binding")), (vec![Level::Ok], vec![Level::Ok]));
        bearer.token = Some(Ok(jwt(&serde_json::json!({"cnf": {"jkt": "another-key-thumbprint"}}))));
        assert_eq!(levels(&bearer, "dpop_binding"), [Level::Failed]);
        bearer.token = Some(Ok(jwt(&serde_json::json!({"sub": "u"}))));
        assert_eq!(levels(&bearer, "dpop_binding"), [Level::Warning]);
        // A bound token in a profile with no key cannot be used.
        bearer.dpop_key = None;
        bearer.token = Some(Ok(jwt(&serde_json::json!({"cnf": {"jkt": ours}}))));
        assert_eq!(levels(&bearer, "dpop_binding"), [Level::Failed]);
        bearer.token = Some(Ok(Secret::new("opaque-token-value")));
        assert!(levels(&bearer, "dpop_binding").is_empty());
    }
}
