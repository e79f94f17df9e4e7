//! What Gatepass knows about real APIs, loaded from `assets/diagnosis.toml`.
//!
//! Supporting a new provider is a change to that file plus a corpus case; the general signals
//! (challenges, token claims, request formatting, the clock) are code in the sibling modules.

use super::Cause;
use super::lexicon::{Lexicon, RawGroup, RawSense};
pub use crate::core::key_prefix::KeyPrefix;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The data file, built into the binary so the core reads no files.
const BUILTIN: &str = include_str!("../../../assets/diagnosis.toml");

/// Causes with how strongly one piece of evidence points at each.
pub type Weights = Vec<(Cause, f64)>;

#[derive(Debug)]
pub struct CodeRule {
    pub weights: Weights,
    /// How strongly this says "not an authentication problem" (rate limits, outages).
    pub none: f64,
    /// What the code means, in plain words, for the explanation: "the token is not valid".
    pub says: String,
}

#[derive(Debug)]
pub struct PhraseRule {
    pub pattern: Pattern,
    pub weights: Weights,
    pub none: f64,
    /// When this matches a message, later phrase rules are not tried on it.
    pub exclusive: bool,
    pub says: String,
}

#[derive(Debug)]
pub struct Provider {
    pub id: String,
    pub name: String,
    /// A gateway, proxy or framework that answers for many APIs (Envoy, Kong, nginx): read next
    /// to the API's own provider entry, not instead of it.
    pub gateway: bool,
    pub hosts: Vec<String>,
    pub headers: Vec<String>,
    /// Header values that give it away: `server: envoy`, `via: kong/3.4`.
    pub header_values: Vec<(String, Pattern)>,
    /// Wordings only this provider uses, read before the general phrases.
    pub phrases: Vec<PhraseRule>,
    /// JSON pointers to where this provider puts its error code, most specific first.
    pub code_paths: Vec<String>,
    /// Patterns that pull codes out of free text, such as `AADSTS\d+`.
    pub code_patterns: Vec<Pattern>,
    pub codes: BTreeMap<String, CodeRule>,
    /// What a bare status means at this provider when nothing else is said.
    pub status: BTreeMap<u16, CodeRule>,
    /// The prefixes this provider's keys and tokens start with (from `assets/key_prefixes.toml`);
    /// another shape is a slip.
    pub key_prefixes: Vec<String>,
    /// The headers this provider takes its API keys in (`api-key`, `x-api-key`): a key sent as
    /// `Authorization: Bearer` instead is the wrong way of sending it.
    pub key_headers: Vec<String>,
}

/// The two worlds a key or host can belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvKind {
    Sandbox,
    Production,
}

impl EnvKind {
    pub fn words(self) -> &'static str {
        match self {
            EnvKind::Sandbox => "Sandbox (test)",
            EnvKind::Production => "Production (live)",
        }
    }

    pub fn other(self) -> EnvKind {
        match self {
            EnvKind::Sandbox => EnvKind::Production,
            EnvKind::Production => EnvKind::Sandbox,
        }
    }
}

#[derive(Debug)]
pub struct HostRule {
    pub pattern: Pattern,
    pub environment: EnvKind,
}

#[derive(Debug)]
pub struct Knowledge {
    pub codes: BTreeMap<String, CodeRule>,
    pub phrases: Vec<PhraseRule>,
    pub providers: Vec<Provider>,
    pub hosts: Vec<HostRule>,
    pub lexicon: Lexicon,
}

impl Provider {
    /// Whether this provider answered: by host (exact or a parent domain), a telltale header name,
    /// or a header value that gives it away. `host` is lower case.
    fn answered(&self, host: &str, headers: &[(String, String)]) -> bool {
        self.hosts.iter().any(|h| host == h || host.ends_with(&format!(".{h}")))
            || headers.iter().any(|(n, v)| {
                self.headers.iter().any(|h| n.eq_ignore_ascii_case(h))
                    || self.header_values.iter().any(|(name, p)| n.eq_ignore_ascii_case(name) && p.is_match(v))
            })
    }
}

/// Why the data file could not be used: names the entry, for whoever edits it.
#[derive(Debug, thiserror::Error)]
#[error("assets/diagnosis.toml: {0}")]
pub struct KnowledgeError(String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    codes: Vec<RawCode>,
    #[serde(default)]
    phrases: Vec<RawPhrase>,
    #[serde(default)]
    providers: Vec<RawProvider>,
    #[serde(default)]
    hosts: Vec<RawHost>,
    #[serde(default)]
    word_groups: Vec<RawGroup>,
    #[serde(default)]
    senses: Vec<RawSense>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    code: String,
    causes: BTreeMap<String, f64>,
    says: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhrase {
    pattern: String,
    causes: BTreeMap<String, f64>,
    says: String,
    #[serde(default)]
    exclusive: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    id: String,
    name: String,
    #[serde(default)]
    gateway: bool,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    headers: Vec<String>,
    #[serde(default)]
    header_values: Vec<RawHeaderValue>,
    #[serde(default)]
    phrases: Vec<RawPhrase>,
    #[serde(default)]
    code_paths: Vec<String>,
    #[serde(default)]
    code_patterns: Vec<String>,
    #[serde(default)]
    codes: Vec<RawCode>,
    #[serde(default)]
    status: Vec<RawStatus>,
    #[serde(default)]
    key_headers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeaderValue {
    name: String,
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatus {
    status: u16,
    causes: BTreeMap<String, f64>,
    says: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    pattern: String,
    environment: EnvKind,
}

/// The weights for causes, and the weight for `none`.
fn weights(raw: &BTreeMap<String, f64>, entry: &str) -> Result<(Weights, f64), KnowledgeError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut none = 0.0;
    for (name, weight) in raw {
        if !(0.0..=1.0).contains(weight) {
            return Err(KnowledgeError(format!("{entry}: weight {weight} for {name} is not between 0 and 1")));
        }
        if name == "none" {
            none = *weight;
            continue;
        }
        let cause = Cause::from_id(name).ok_or_else(|| KnowledgeError(format!("{entry}: unknown cause `{name}`")))?;
        out.push((cause, *weight));
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok((out, none))
}

fn regex(pattern: &str, entry: &str) -> Pattern {
    Pattern {
        text: pattern.to_owned(),
        entry: entry.to_owned(),
        lite: OnceLock::new(),
        full: OnceLock::new(),
        uses: std::sync::atomic::AtomicU32::new(0),
    }
}

/// After this many searches a pattern is compiled again with the full regex engine.
const FULL_ENGINE_AFTER: u32 = 200;

/// A case-insensitive pattern, compiled the first time it is used: most runs (a request that
/// worked) never need one. A failed `gatepass send` needs every one, once: they are compiled with
/// `regex-lite`, which compiles in a tenth of the time. A pattern searched often (`gatepass
/// explain` over thousands of requests) is compiled again with the full `regex` engine, whose
/// searches are much faster. Both read the same syntax; `Knowledge::check_patterns` compiles every
/// pattern with both (a test does, for the built-in file).
#[derive(Debug)]
pub struct Pattern {
    text: String,
    entry: String,
    lite: OnceLock<Option<regex_lite::Regex>>,
    full: OnceLock<Option<regex::Regex>>,
    uses: std::sync::atomic::AtomicU32,
}

/// One compiled form of a pattern, for a search.
enum Engine<'a> {
    Lite(&'a regex_lite::Regex),
    Full(&'a regex::Regex),
}

impl Pattern {
    fn error(&self, e: &dyn std::fmt::Display) -> KnowledgeError {
        KnowledgeError(format!("{}: pattern `{}` is not valid: {e}", self.entry, self.text))
    }

    fn build_lite(&self) -> Result<regex_lite::Regex, KnowledgeError> {
        regex_lite::RegexBuilder::new(&self.text)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| self.error(&e))
    }

    fn build_full(&self) -> Result<regex::Regex, KnowledgeError> {
        regex::RegexBuilder::new(&self.text)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| self.error(&e))
    }

    fn build(&self) -> Result<(), KnowledgeError> {
        self.build_lite()?;
        self.build_full()?;
        Ok(())
    }

    /// The engine for this search; a pattern that does not compile matches nothing (logged once).
    fn engine(&self) -> Option<Engine<'_>> {
        let uses = self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if uses >= FULL_ENGINE_AFTER || self.full.get().is_some() {
            let full = self.full.get_or_init(|| self.build_full().map_err(|e| tracing::error!("{e}")).ok());
            return full.as_ref().map(Engine::Full);
        }
        self.lite.get_or_init(|| self.build_lite().map_err(|e| tracing::error!("{e}")).ok()).as_ref().map(Engine::Lite)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_match(&self, text: &str) -> bool {
        match self.engine() {
            Some(Engine::Lite(re)) => re.is_match(text),
            Some(Engine::Full(re)) => re.is_match(text),
            None => false,
        }
    }

    /// The first match, as text.
    pub fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        match self.engine()? {
            Engine::Lite(re) => re.find(text).map(|m| m.as_str()),
            Engine::Full(re) => re.find(text).map(|m| m.as_str()),
        }
    }

    /// Every match, as text, at most `limit`.
    pub fn find_all<'t>(&self, text: &'t str, limit: usize) -> Vec<&'t str> {
        match self.engine() {
            Some(Engine::Lite(re)) => re.find_iter(text).take(limit).map(|m| m.as_str()).collect(),
            Some(Engine::Full(re)) => re.find_iter(text).take(limit).map(|m| m.as_str()).collect(),
            None => Vec::new(),
        }
    }
}

fn phrase_rules(raw: Vec<RawPhrase>, entry: &str) -> Result<Vec<PhraseRule>, KnowledgeError> {
    let mut phrases = Vec::with_capacity(raw.len());
    for p in raw {
        let entry = format!("{entry}phrase {}", p.pattern);
        let (weights, none) = weights(&p.causes, &entry)?;
        phrases.push(PhraseRule {
            pattern: regex(&p.pattern, &entry),
            weights,
            none,
            exclusive: p.exclusive,
            says: p.says,
        });
    }
    Ok(phrases)
}

fn code_table(raw: Vec<RawCode>, entry: &str) -> Result<BTreeMap<String, CodeRule>, KnowledgeError> {
    let mut table = BTreeMap::new();
    for c in raw {
        let key = normalise_code(&c.code);
        let (weights, none) = weights(&c.causes, &format!("{entry} code {}", c.code))?;
        let rule = CodeRule { weights, none, says: c.says };
        if table.insert(key, rule).is_some() {
            return Err(KnowledgeError(format!("{entry}: code {} is listed twice", c.code)));
        }
    }
    Ok(table)
}

/// How codes are compared: case and separators do not matter (`invalid_token` = `InvalidToken`).
pub fn normalise_code(code: &str) -> String {
    let code = code.rsplit('#').next().unwrap_or(code);
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

impl Knowledge {
    pub fn parse(text: &str) -> Result<Knowledge, KnowledgeError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| KnowledgeError(e.to_string()))?;
        let codes = code_table(raw.codes, "codes")?;
        let phrases = phrase_rules(raw.phrases, "")?;
        let lexicon = Lexicon::build(raw.word_groups, raw.senses).map_err(KnowledgeError)?;
        let mut providers = Vec::new();
        for p in raw.providers {
            let entry = format!("provider {}", p.id);
            let mut status = BTreeMap::new();
            for s in p.status {
                let (weights, none) = weights(&s.causes, &format!("{entry} status {}", s.status))?;
                let rule = CodeRule { weights, none, says: s.says };
                status.insert(s.status, rule);
            }
            providers.push(Provider {
                key_prefixes: crate::core::key_prefix::of_provider(&p.id),
                gateway: p.gateway,
                header_values: p
                    .header_values
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), regex(&h.pattern, &entry)))
                    .collect(),
                phrases: phrase_rules(p.phrases, &format!("{entry} "))?,
                code_patterns: p.code_patterns.iter().map(|c| regex(c, &entry)).collect(),
                codes: code_table(p.codes, &entry)?,
                id: p.id,
                name: p.name,
                hosts: p.hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
                headers: p.headers.iter().map(|h| h.to_ascii_lowercase()).collect(),
                code_paths: p.code_paths,
                status,
                key_headers: p.key_headers.iter().map(|h| h.to_ascii_lowercase()).collect(),
            });
        }
        let hosts = raw
            .hosts
            .into_iter()
            .map(|h| Ok(HostRule { pattern: regex(&h.pattern, "hosts"), environment: h.environment }))
            .collect::<Result<_, KnowledgeError>>()?;
        Ok(Knowledge { codes, phrases, providers, hosts, lexicon })
    }

    fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        self.phrases
            .iter()
            .map(|p| &p.pattern)
            .chain(self.providers.iter().flat_map(|p| p.code_patterns.iter()))
            .chain(self.providers.iter().flat_map(|p| p.phrases.iter().map(|r| &r.pattern)))
            .chain(self.providers.iter().flat_map(|p| p.header_values.iter().map(|(_, v)| v)))
            .chain(self.hosts.iter().map(|h| &h.pattern))
    }

    /// Compile every pattern now, naming the first that is not valid.
    pub fn check_patterns(&self) -> Result<(), KnowledgeError> {
        for pattern in self.patterns() {
            pattern.build()?;
        }
        Ok(())
    }

    /// The knowledge shipped with Gatepass. The file is checked by a test, so a broken edit
    /// fails the build's tests; should it still be broken at run time, the engine runs on the
    /// general signals alone.
    pub fn builtin() -> &'static Knowledge {
        static CELL: OnceLock<Knowledge> = OnceLock::new();
        CELL.get_or_init(|| {
            let started = std::time::Instant::now();
            let knowledge = Knowledge::parse(BUILTIN).unwrap_or_else(|e| {
                tracing::error!("{e}");
                Knowledge::empty()
            });
            tracing::debug!(ms = started.elapsed().as_secs_f64() * 1000.0, "diagnosis rules loaded");
            knowledge
        })
    }

    pub fn empty() -> Knowledge {
        Knowledge {
            codes: BTreeMap::new(),
            phrases: Vec::new(),
            providers: Vec::new(),
            hosts: Vec::new(),
            lexicon: Lexicon::default(),
        }
    }

    /// The API provider a response came from, by host (exact or a parent domain) or a telltale
    /// header. Gateways are not providers here: see [`Knowledge::gateways`].
    pub fn provider(&self, host: &str, headers: &[(String, String)]) -> Option<&Provider> {
        let host = host.to_ascii_lowercase();
        self.providers.iter().filter(|p| !p.gateway).find(|p| p.answered(&host, headers))
    }

    /// The gateways, proxies and frameworks that answered (or passed on) the response.
    pub fn gateways(&self, host: &str, headers: &[(String, String)]) -> Vec<&Provider> {
        let host = host.to_ascii_lowercase();
        self.providers.iter().filter(|p| p.gateway && p.answered(&host, headers)).collect()
    }

    /// The longest known prefix the credential starts with (from the one key-prefix table).
    pub fn prefix(&self, credential: &str) -> Option<&'static KeyPrefix> {
        crate::core::key_prefix::find(credential)
    }

    /// Which world a host belongs to, when its name tells.
    pub fn host_environment(&self, host: &str) -> Option<EnvKind> {
        self.hosts.iter().find(|h| h.pattern.is_match(host)).map(|h| h.environment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_file_loads_and_names_only_known_causes() {
        let k = Knowledge::parse(BUILTIN).unwrap();
        k.check_patterns().unwrap();
        assert!(k.providers.len() >= 20, "only {} providers", k.providers.len());
        assert!(k.codes.contains_key("invalidtoken"));
        assert!(k.phrases.len() >= 20);
    }

    #[test]
    fn an_unknown_cause_is_named() {
        let err = Knowledge::parse("[[codes]]\ncode = \"x\"\ncauses = { nope = 0.5 }\nsays = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown cause `nope`"), "{err}");
    }

    #[test]
    fn codes_compare_without_case_or_separators() {
        assert_eq!(normalise_code("invalid_token"), normalise_code("InvalidToken"));
        assert_eq!(
            normalise_code("com.amazon.coral.service#UnrecognizedClientException"),
            "unrecognizedclientexception"
        );
    }

    #[test]
    fn prefixes_take_the_longest_match() {
        let k = Knowledge::parse(BUILTIN).unwrap();
        assert_eq!(k.prefix("sk-ant-api03-xyz").map(|p| p.provider.as_str()), Some("Anthropic"));
        assert_eq!(k.prefix("sk_test_abc").and_then(|p| p.environment), Some(EnvKind::Sandbox));
    }
}
