//! The one type that holds a credential's value.
//!
//! A `Secret` cannot be printed, serialised or logged by accident: it has no `Display`, no
//! `Serialize`, a `Debug` that prints a placeholder, and reading it takes an explicit
//! [`Secret::expose`] that is easy to grep for. The memory is wiped on drop.

use zeroize::Zeroizing;

/// A credential value: API key, token, password, client secret, private key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The raw value. Every caller is a place a secret can escape: keep them few.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// A short, safe way to tell two secrets apart: a known prefix and the last four characters,
    /// for example `gp_live_…4f2a`. Short secrets show only their length.
    pub fn fingerprint(&self) -> String {
        fingerprint(self.expose())
    }

    /// Where the value has a slip that breaks it when sent: a line break or surrounding space.
    pub fn formatting_slip(&self) -> Option<SecretSlip> {
        let value = self.expose();
        if value.ends_with('\n') || value.ends_with('\r') {
            Some(SecretSlip::TrailingLineBreak)
        } else if value.contains('\n') || value.contains('\r') {
            Some(SecretSlip::LineBreakInside)
        } else if value.trim() != value {
            Some(SecretSlip::SurroundingSpaces)
        } else {
            None
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<{} characters, hidden>)", self.0.chars().count())
    }
}

/// A formatting problem found in a secret's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSlip {
    TrailingLineBreak,
    LineBreakInside,
    SurroundingSpaces,
}

impl SecretSlip {
    pub fn describe(self) -> &'static str {
        match self {
            SecretSlip::TrailingLineBreak => {
                "ends with a line break. This often happens when a key is pasted with the line after it"
            }
            SecretSlip::LineBreakInside => "has a line break in the middle",
            SecretSlip::SurroundingSpaces => "starts or ends with a space",
        }
    }
}

/// The safe fingerprint of any credential-like text: its known prefix (which only says what kind
/// of key it is; from the one table, or the `eyJ` every JWT starts with) and at most the last four
/// characters, never more than a third of what follows the prefix, and none of it when that part
/// is under 16 characters.
pub fn fingerprint(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let prefix = crate::core::key_prefix::find(value)
        .map(|p| p.prefix.as_str())
        .or_else(|| value.starts_with("eyJ").then_some("eyJ"))
        .unwrap_or("");
    let body = chars.len() - prefix.chars().count();
    if body < MIN_CHARS_FOR_TAIL {
        return if prefix.is_empty() {
            format!("•••• ({} characters)", chars.len())
        } else {
            format!("{prefix}… ({} characters)", chars.len())
        };
    }
    let shown = (body / 3).min(4);
    let tail: String = chars[chars.len() - shown..].iter().collect();
    format!("{prefix}…{tail}")
}

/// Below this many characters after its known prefix a secret shows none of itself.
pub const MIN_CHARS_FOR_TAIL: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("gp_live_canary_value_1234");
        let printed = format!("{secret:?}");
        assert_eq!(printed, "Secret(<25 characters, hidden>)");
    }

    #[test]
    fn fingerprint_keeps_known_prefix_and_last_four() {
        assert_eq!(fingerprint("gp_live_abcdefghijkl4f2a"), "gp_live_…4f2a");
        assert_eq!(fingerprint("plainlongvalue0123456789"), "…6789");
        assert_eq!(fingerprint("short"), "•••• (5 characters)");
    }

    #[test]
    fn fingerprints_never_show_a_short_secret_or_more_than_a_third() {
        // A short key shows only its known prefix; a short password nothing at all.
        assert_eq!(fingerprint(&format!("{}{}", "sk_live_", "ABCD")), "sk_live_… (12 characters)");
        assert_eq!(fingerprint("hunter2hunter2"), "•••• (14 characters)");
        assert_eq!(fingerprint("gp_test_abcdefghijklmno"), "gp_test_… (23 characters)");
        for len in 16..64 {
            let value: String = (0..len).map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap())).collect();
            let shown = fingerprint(&value).chars().filter(char::is_ascii_alphanumeric).count();
            assert!(shown * 3 <= len, "{len}: {}", fingerprint(&value));
        }
    }

    #[test]
    fn slips_are_named() {
        assert_eq!(Secret::new("abc\n").formatting_slip(), Some(SecretSlip::TrailingLineBreak));
        assert_eq!(Secret::new("a\nbc").formatting_slip(), Some(SecretSlip::LineBreakInside));
        assert_eq!(Secret::new(" abc").formatting_slip(), Some(SecretSlip::SurroundingSpaces));
        assert_eq!(Secret::new("abc").formatting_slip(), None);
    }
}
