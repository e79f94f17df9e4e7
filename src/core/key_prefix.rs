//! What the start of a credential says it is: the one table of key prefixes, read from
//! `assets/key_prefixes.toml` (built into the binary, so core reads no files).
//!
//! Every part that recognises a key asks here: the diagnosis (a Stripe test key sent to
//! Production), Check setup (a stored secret's shape and environment), the credential detector (a
//! key pasted into a request or a cURL command) and fingerprints (`sk_test_…4f2a`).

use crate::core::diagnose::knowledge::EnvKind;
use serde::Deserialize;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../assets/key_prefixes.toml");

/// One known prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrefix {
    pub prefix: String,
    /// Who issues it, in words.
    pub provider: String,
    /// What it is, in words: "Stripe test secret key".
    pub kind: String,
    pub environment: Option<EnvKind>,
    /// A key meant to be public (a publishable key), not to prove who is calling.
    pub publishable: bool,
    /// The diagnosis provider whose API keys all start with one of the prefixes naming it.
    pub provider_id: Option<String>,
}

/// Why the table could not be read: names the entry, for whoever edits it.
#[derive(Debug, thiserror::Error)]
pub enum KeyPrefixError {
    #[error("assets/key_prefixes.toml: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("assets/key_prefixes.toml: the prefix {0:?} is listed twice")]
    Twice(String),
    #[error("assets/key_prefixes.toml: an entry has an empty prefix")]
    Empty,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    prefix: Vec<RawPrefix>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrefix {
    prefix: String,
    provider: String,
    kind: String,
    #[serde(default)]
    environment: Option<EnvKind>,
    #[serde(default)]
    publishable: bool,
    #[serde(default)]
    provider_id: Option<String>,
}

/// Read a table, longest prefix first (so the first match is the most specific one).
pub fn parse(text: &str) -> Result<Vec<KeyPrefix>, KeyPrefixError> {
    let raw: RawFile = toml::from_str(text)?;
    let mut table: Vec<KeyPrefix> = Vec::with_capacity(raw.prefix.len());
    for p in raw.prefix {
        if p.prefix.is_empty() {
            return Err(KeyPrefixError::Empty);
        }
        if table.iter().any(|t| t.prefix == p.prefix) {
            return Err(KeyPrefixError::Twice(p.prefix));
        }
        table.push(KeyPrefix {
            prefix: p.prefix,
            provider: p.provider,
            kind: p.kind,
            environment: p.environment,
            publishable: p.publishable,
            provider_id: p.provider_id,
        });
    }
    table.sort_by(|a, b| b.prefix.len().cmp(&a.prefix.len()).then_with(|| a.prefix.cmp(&b.prefix)));
    Ok(table)
}

/// The table shipped with Gatepass. A test checks the file, so a broken edit fails the tests;
/// should it still be broken at run time, no prefix is known (and the error is logged once).
pub fn table() -> &'static [KeyPrefix] {
    static CELL: OnceLock<Vec<KeyPrefix>> = OnceLock::new();
    CELL.get_or_init(|| {
        parse(BUILTIN).unwrap_or_else(|e| {
            tracing::error!("{e}");
            Vec::new()
        })
    })
}

/// The most specific known prefix the value starts with.
pub fn find(value: &str) -> Option<&'static KeyPrefix> {
    table().iter().find(|p| value.starts_with(p.prefix.as_str()))
}

/// The prefixes a provider's API keys start with (empty when the table does not say).
pub fn of_provider(provider_id: &str) -> Vec<String> {
    table().iter().filter(|p| p.provider_id.as_deref() == Some(provider_id)).map(|p| p.prefix.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_loads() {
        let t = parse(BUILTIN).unwrap();
        assert!(t.len() >= 40, "only {} prefixes", t.len());
        assert!(t.windows(2).all(|w| w[0].prefix.len() >= w[1].prefix.len()));
    }

    #[test]
    fn the_longest_prefix_wins() {
        assert_eq!(find("sk-ant-api03-xyz").map(|p| p.provider.as_str()), Some("Anthropic"));
        assert_eq!(find("sk-proj-abc").map(|p| p.kind.as_str()), Some("OpenAI project API key"));
        assert_eq!(find("sk-abc").map(|p| p.provider.as_str()), Some("OpenAI"));
        assert_eq!(find("sk_test_abc").and_then(|p| p.environment), Some(EnvKind::Sandbox));
        assert!(find("pk_live_abc").is_some_and(|p| p.publishable));
        assert_eq!(find("nothing-known"), None);
    }

    #[test]
    fn providers_name_their_key_shapes() {
        let stripe = of_provider("stripe");
        assert!(stripe.contains(&"sk_live_".to_owned()) && stripe.contains(&"pk_test_".to_owned()), "{stripe:?}");
        assert!(!stripe.contains(&"whsec_".to_owned()));
        assert_eq!(of_provider("anthropic"), ["sk-ant-"]);
    }

    #[test]
    fn a_doubled_or_empty_prefix_is_named() {
        let twice = "[[prefix]]\nprefix = \"a_\"\nprovider = \"A\"\nkind = \"k\"\n".repeat(2);
        assert!(matches!(parse(&twice), Err(KeyPrefixError::Twice(p)) if p == "a_"));
        assert!(matches!(
            parse("[[prefix]]\nprefix = \"\"\nprovider = \"A\"\nkind = \"k\"\n"),
            Err(KeyPrefixError::Empty)
        ));
        let unknown = "[[prefix]]\nprefix = \"a\"\nprovider = \"A\"\nkind = \"k\"\ncolour = 1\n";
        assert!(parse(unknown).unwrap_err().to_string().contains("colour"));
    }
}
