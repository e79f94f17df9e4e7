//! Masking of credential values for the echo route: enough to recognise a value, never enough
//! to reuse it.

/// Prefixes that are shown in full because they only say which kind of key it is.
const KNOWN_PREFIXES: &[&str] = &["gp_test_", "gp_live_"];

/// Values shorter than this are hidden entirely.
const MIN_SHOWN_LEN: usize = 12;

/// Masks one credential value: the known prefix (if any), an ellipsis, and the last 4 chars.
/// `gp_test_sbx_…3Jd` style; short values become a lone ellipsis.
pub(crate) fn mask_value(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < MIN_SHOWN_LEN {
        return "…".to_owned();
    }
    let prefix = KNOWN_PREFIXES.iter().find(|p| value.starts_with(**p)).copied().unwrap_or("");
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}

/// Masks an `Authorization`-style value, keeping the scheme word readable:
/// `Bearer eyJ…` becomes `Bearer …abcd`.
pub(crate) fn mask_authorization(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, rest)) if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) => {
            format!("{scheme} {}", mask_value(rest))
        }
        _ => mask_value(value),
    }
}

/// Whether a header carries a credential and must be masked in echoes.
pub(crate) fn is_credential_header(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "authorization" | "proxy-authorization" | "x-api-key" | "cookie" | "set-cookie"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_known_prefix_and_last_four() {
        assert_eq!(mask_value("gp_test_sbx_7Qm2Kx9Lb4Tz8Rw1Nc6Vh3Jd"), "gp_test_…h3Jd");
        assert_eq!(mask_value("gp_live_prd_5Tn1Yc8Kw3Qv7Bx0Hs4Fj2Em"), "gp_live_…j2Em");
    }

    #[test]
    fn unknown_values_show_only_the_tail() {
        assert_eq!(mask_value("abcdefghijklmnop"), "…mnop");
    }

    #[test]
    fn short_values_are_hidden_entirely() {
        assert_eq!(mask_value("secret"), "…");
        assert_eq!(mask_value(""), "…");
    }

    #[test]
    fn authorization_keeps_the_scheme() {
        assert_eq!(mask_authorization("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig-abcd"), "Bearer …abcd");
        assert_eq!(mask_authorization("Basic dXNlcjpwYXNzd29yZA=="), "Basic …ZA==");
    }

    #[test]
    fn multibyte_values_do_not_panic() {
        assert_eq!(mask_value("ééééééééééééé1234"), "…1234");
    }

    #[test]
    fn credential_headers_are_recognised_case_insensitively() {
        assert!(is_credential_header("X-Api-Key"));
        assert!(is_credential_header("Cookie"));
        assert!(!is_credential_header("accept"));
    }
}
