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

    /// A stand-in for a value that stays in the keychain, for previews drawn without reading it.
    pub fn placeholder() -> Self {
        Self::new(PLACEHOLDER)
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
        if self.expose() == PLACEHOLDER {
            return "(value from the keychain)".to_owned();
        }
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

const PLACEHOLDER: &str = "\u{0}gatepass-placeholder\u{0}";

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

/// The safe fingerprint of any credential-like text.
pub fn fingerprint(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 12 {
        return format!("•••• ({} characters)", chars.len());
    }
    // A known key prefix (the one table), or the start every JWT shares.
    let prefix = crate::core::key_prefix::find(value)
        .map(|p| p.prefix.as_str())
        .or_else(|| value.starts_with("eyJ").then_some("eyJ"))
        .unwrap_or("");
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}

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
        assert_eq!(fingerprint("plainlongvalue9876"), "…9876");
        assert_eq!(fingerprint("short"), "•••• (5 characters)");
    }

    #[test]
    fn slips_are_named() {
        assert_eq!(Secret::new("abc\n").formatting_slip(), Some(SecretSlip::TrailingLineBreak));
        assert_eq!(Secret::new("a\nbc").formatting_slip(), Some(SecretSlip::LineBreakInside));
        assert_eq!(Secret::new(" abc").formatting_slip(), Some(SecretSlip::SurroundingSpaces));
        assert_eq!(Secret::new("abc").formatting_slip(), None);
    }
}
