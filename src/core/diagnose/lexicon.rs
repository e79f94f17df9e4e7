//! The general-language layer: what an error sentence says about identity, permission, time,
//! signatures and setup, for providers Gatepass has never heard of.
//!
//! `assets/diagnosis.toml` names word groups (`credential`: key, token, password…; `expired`:
//! expired, expiry, timed out…) and senses: groups that, found close together in one sentence,
//! point at a cause ("credential" + "expired" → `expired_credential`). Words match whole, or as
//! stems (`expir*`); a group can hold phrases ("not yet valid", "does not match"). The longest
//! match wins where matches overlap, and a single predicate word right after "not" or "never"
//! does not count ("not expired" is not "expired").
//!
//! The phrase patterns in the same file are tried first; this layer reads the sentences no
//! pattern understood, so an unknown provider's "timestamp outside the allowed window" still
//! lands on a cause.

use super::Cause;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Words found further apart than this (in words) are not read as one statement.
const DEFAULT_WINDOW: usize = 10;
/// The most words read from one text.
const MAX_WORDS: usize = 400;

/// One entry of a group: one or more words, each exact or a stem (`expir*`).
#[derive(Debug, Clone)]
struct Entry {
    words: Vec<Word>,
}

#[derive(Debug, Clone)]
enum Word {
    Exact(String),
    Stem(String),
}

impl Word {
    fn matches(&self, token: &str) -> bool {
        match self {
            Word::Exact(w) => w == token,
            Word::Stem(s) => token.starts_with(s.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
struct Group {
    name: String,
    entries: Vec<Entry>,
    /// Whether "not"/"never" right before a one-word match cancels it.
    negatable: bool,
}

/// Groups that, close together in one sentence, point at a cause.
#[derive(Debug, Clone)]
pub struct Sense {
    pub cause: Option<Cause>,
    /// Indexes into the groups.
    groups: Vec<usize>,
    pub weight: f64,
    /// How strongly this says "not an authentication problem".
    pub none: f64,
    window: usize,
    /// Finishes "The API says …".
    pub says: String,
    /// Names of the groups, for the error messages of the data file.
    pub group_names: Vec<String>,
}

/// The whole layer, as loaded.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    groups: Vec<Group>,
    pub senses: Vec<Sense>,
}

/// A sense that matched a text, with the words that made it.
#[derive(Debug, Clone)]
pub struct Reading<'l> {
    pub sense: &'l Sense,
    pub words: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    name: String,
    words: Vec<String>,
    #[serde(default = "yes")]
    negatable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSense {
    groups: Vec<String>,
    causes: BTreeMap<String, f64>,
    says: String,
    #[serde(default)]
    window: Option<usize>,
}

impl Lexicon {
    pub(super) fn build(groups: Vec<RawGroup>, senses: Vec<RawSense>) -> Result<Lexicon, String> {
        let mut out = Lexicon::default();
        for g in groups {
            if out.groups.iter().any(|o| o.name == g.name) {
                return Err(format!("word group {} is listed twice", g.name));
            }
            let mut entries = Vec::new();
            for w in &g.words {
                let words: Vec<Word> = tokens(w)
                    .into_iter()
                    .map(|t| {
                        if let Some(stem) = t.strip_suffix('*') { Word::Stem(stem.to_owned()) } else { Word::Exact(t) }
                    })
                    .collect();
                if words.is_empty() || words.iter().any(|w| matches!(w, Word::Stem(s) if s.len() < 3)) {
                    return Err(format!(
                        "word group {}: entry {w:?} is empty or its stem is shorter than 3 letters",
                        g.name
                    ));
                }
                entries.push(Entry { words });
            }
            out.groups.push(Group { name: g.name, entries, negatable: g.negatable });
        }
        for s in senses {
            let entry = format!("sense {}", s.groups.join(" + "));
            let mut groups = Vec::new();
            for name in &s.groups {
                let i = out
                    .groups
                    .iter()
                    .position(|g| g.name == *name)
                    .ok_or_else(|| format!("{entry}: unknown word group `{name}`"))?;
                groups.push(i);
            }
            if groups.is_empty() {
                return Err(format!("{entry}: names no word group"));
            }
            let mut cause = None;
            let mut weight = 0.0;
            let mut none = 0.0;
            for (name, w) in &s.causes {
                if !(0.0..=1.0).contains(w) {
                    return Err(format!("{entry}: weight {w} for {name} is not between 0 and 1"));
                }
                if name == "none" {
                    none = *w;
                } else {
                    if cause.is_some() {
                        return Err(format!("{entry}: a sense points at one cause"));
                    }
                    cause = Some(Cause::from_id(name).ok_or_else(|| format!("{entry}: unknown cause `{name}`"))?);
                    weight = *w;
                }
            }
            out.senses.push(Sense {
                cause,
                groups,
                weight,
                none,
                window: s.window.unwrap_or(DEFAULT_WINDOW),
                says: s.says,
                group_names: s.groups,
            });
        }
        Ok(out)
    }

    /// Every sense the text carries, strongest first; at most one per cause.
    pub fn read(&self, text: &str) -> Vec<Reading<'_>> {
        let mut best: BTreeMap<Option<Cause>, Reading<'_>> = BTreeMap::new();
        for sentence in sentences(text) {
            let tokens = tokens(sentence);
            if tokens.is_empty() {
                continue;
            }
            let found = self.find_groups(&tokens);
            for sense in &self.senses {
                let Some((from, to)) = closest(&sense.groups, &found, sense.window) else { continue };
                let better = best.get(&sense.cause).is_none_or(|r| {
                    sense.weight > r.sense.weight || (sense.cause.is_none() && sense.none > r.sense.none)
                });
                if better {
                    best.insert(sense.cause, Reading { sense, words: tokens[from..=to].join(" ") });
                }
            }
        }
        let mut out: Vec<Reading<'_>> = best.into_values().collect();
        out.sort_by(|a, b| b.sense.weight.total_cmp(&a.sense.weight));
        out
    }

    /// Does the text speak of any of these groups?
    pub fn mentions(&self, text: &str, group: &str) -> bool {
        let Some(i) = self.groups.iter().position(|g| g.name == group) else { return false };
        sentences(text).any(|s| {
            let tokens = tokens(s);
            self.find_groups(&tokens).iter().any(|(g, _, _)| *g == i)
        })
    }

    /// Where each group matches: (group, first token, last token), overlaps settled.
    fn find_groups(&self, tokens: &[String]) -> Vec<(usize, usize, usize)> {
        let mut matches: Vec<(usize, usize, usize)> = Vec::new();
        for (gi, group) in self.groups.iter().enumerate() {
            for entry in &group.entries {
                let n = entry.words.len();
                for start in 0..tokens.len().saturating_sub(n - 1) {
                    if entry.words.iter().zip(&tokens[start..start + n]).all(|(w, t)| w.matches(t)) {
                        let negated = n == 1
                            && group.negatable
                            && start > 0
                            && matches!(tokens[start - 1].as_str(), "not" | "never" | "non");
                        if !negated {
                            matches.push((gi, start, start + n - 1));
                        }
                    }
                }
            }
        }
        // The longest match wins where matches overlap; equally long ones stand together.
        matches.sort_by(|a, b| (b.2 - b.1).cmp(&(a.2 - a.1)).then(a.1.cmp(&b.1)));
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        for m in matches {
            let len = m.2 - m.1;
            let beaten = kept.iter().any(|k| k.1 <= m.2 && m.1 <= k.2 && (k.2 - k.1) > len);
            if !beaten && !kept.contains(&m) {
                kept.push(m);
            }
        }
        kept
    }
}

/// The smallest span that holds one match of every group, when it fits in the window.
fn closest(groups: &[usize], found: &[(usize, usize, usize)], window: usize) -> Option<(usize, usize)> {
    let per_group: Vec<Vec<(usize, usize)>> =
        groups.iter().map(|g| found.iter().filter(|(fg, _, _)| fg == g).map(|(_, a, b)| (*a, *b)).collect()).collect();
    if per_group.iter().any(Vec::is_empty) {
        return None;
    }
    // One group's matches anchor the span; the others take their nearest match.
    let mut best: Option<(usize, usize)> = None;
    for &(a, b) in &per_group[0] {
        let mut from = a;
        let mut to = b;
        let mut distinct = vec![(a, b)];
        for other in &per_group[1..] {
            let nearest = other
                .iter()
                .filter(|m| !distinct.contains(m))
                .min_by_key(|(x, y)| x.abs_diff(a).min(y.abs_diff(b)))
                .copied();
            let (x, y) = nearest?;
            distinct.push((x, y));
            from = from.min(x);
            to = to.max(y);
        }
        if to - from <= window && best.is_none_or(|(f, t)| to - from < t - f) {
            best = Some((from, to));
        }
    }
    best
}

/// Sentences: split where a full stop, question mark, exclamation mark, semicolon or line break
/// ends one (a dot inside `api.example.com` does not).
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let ends = match c {
            '\n' | ';' | '!' | '?' => true,
            '.' => bytes.get(i + 1).is_none_or(u8::is_ascii_whitespace),
            _ => false,
        };
        if ends {
            out.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out.into_iter().filter(|s| !s.trim().is_empty())
}

/// Lower-case words; `_` stays inside a word (`page_token` is not `token`), apostrophes go
/// (`doesn't` → `doesnt`), a trailing `*` is kept for stems in the data file. At most
/// [`MAX_WORDS`].
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut katakana = false;
    for c in text.chars() {
        let is_katakana = matches!(c as u32, 0x30A0..=0x30FF);
        if katakana && !is_katakana && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        katakana = is_katakana;
        if is_katakana {
            // A run of katakana is one borrowed word (トークン, "token").
            if !word.is_empty() && !word.chars().all(|w| matches!(w as u32, 0x30A0..=0x30FF)) {
                out.push(std::mem::take(&mut word));
            }
            word.push(c);
        } else if is_ideograph_or_kana(c) {
            // Chinese and Japanese write no spaces between words: each character is a word
            // here, and the data file's entries ("过期", "期限切れ") become runs of them.
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(c.to_string());
            if out.len() >= MAX_WORDS {
                return out;
            }
        } else if c.is_alphanumeric() || c == '_' || c == '*' {
            word.extend(c.to_lowercase());
        } else if c != '\'' && c != '’' && !word.is_empty() {
            out.push(std::mem::take(&mut word));
            if out.len() >= MAX_WORDS {
                return out;
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Han ideographs and Japanese kana, the scripts written without spaces between words.
fn is_ideograph_or_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// `JWTExpired` → `JWT Expired`, `InvalidSignature` → `Invalid Signature`: codes written in
/// camel case, read as words. `OAuth` stays whole.
pub fn split_camel(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let oauth = i >= 1
                && prev == 'O'
                && chars[i..].starts_with(&['A', 'u', 't', 'h'])
                && (i < 2 || !chars[i - 2].is_alphabetic());
            if !oauth && (prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower)) {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let groups = vec![
            RawGroup {
                name: "credential".into(),
                words: vec!["token*".into(), "key".into(), "access_token".into()],
                negatable: false,
            },
            RawGroup { name: "expired".into(), words: vec!["expir*".into(), "timed out".into()], negatable: true },
            RawGroup { name: "bad".into(), words: vec!["invalid".into(), "not valid".into()], negatable: true },
            RawGroup { name: "time".into(), words: vec!["timestamp*".into()], negatable: false },
            RawGroup { name: "outside".into(), words: vec!["outside".into(), "out of range".into()], negatable: true },
        ];
        let senses = vec![
            RawSense {
                groups: vec!["credential".into(), "expired".into()],
                causes: [("expired_credential".into(), 0.7)].into(),
                says: "expired".into(),
                window: None,
            },
            RawSense {
                groups: vec!["credential".into(), "bad".into()],
                causes: [("invalid_credential".into(), 0.6)].into(),
                says: "bad".into(),
                window: None,
            },
            RawSense {
                groups: vec!["time".into(), "outside".into()],
                causes: [("clock_skew".into(), 0.7)].into(),
                says: "time".into(),
                window: Some(6),
            },
        ];
        Lexicon::build(groups, senses).unwrap()
    }

    fn causes(text: &str) -> Vec<Cause> {
        lexicon().read(text).iter().filter_map(|r| r.sense.cause).collect()
    }

    #[test]
    fn groups_close_together_point_at_a_cause() {
        assert_eq!(causes("The timestamp of this request is outside the allowed window."), [Cause::ClockSkew]);
        assert_eq!(causes("Your token has expired, please sign in again"), [Cause::ExpiredCredential]);
        assert_eq!(causes("The key you sent is not valid"), [Cause::InvalidCredential]);
    }

    #[test]
    fn a_negated_word_does_not_count() {
        assert!(causes("The token is not expired; the problem is elsewhere").is_empty());
    }

    #[test]
    fn chinese_and_japanese_are_read_without_spaces() {
        assert_eq!(tokens("签名过期。Timestamp"), ["签", "名", "过", "期", "timestamp"]);
        assert_eq!(tokens("アクセストークンの有効"), ["アクセストークン", "の", "有", "効"]);
    }

    #[test]
    fn words_in_other_sentences_or_far_apart_do_not_combine() {
        assert!(causes("Token received. Expiry set.").is_empty());
        assert!(causes("timestamp a b c d e f g h outside").is_empty());
    }

    #[test]
    fn identifiers_with_underscores_are_one_word() {
        assert!(causes("page_token is invalid").is_empty());
        assert_eq!(causes("access_token is invalid"), [Cause::InvalidCredential]);
    }

    #[test]
    fn camel_case_codes_become_words() {
        assert_eq!(split_camel("JWTExpired"), "JWT Expired");
        assert_eq!(split_camel("JWSInvalidSignature"), "JWS Invalid Signature");
        assert_eq!(split_camel("OAuthException"), "OAuth Exception");
        assert_eq!(split_camel("InvalidAccessToken"), "Invalid Access Token");
        assert_eq!(split_camel("already spaced words"), "already spaced words");
    }

    #[test]
    fn bad_data_is_named() {
        let unknown = Lexicon::build(
            vec![],
            vec![RawSense { groups: vec!["nope".into()], causes: BTreeMap::new(), says: String::new(), window: None }],
        );
        assert!(unknown.unwrap_err().contains("unknown word group `nope`"));
        let short =
            Lexicon::build(vec![RawGroup { name: "x".into(), words: vec!["ab*".into()], negatable: true }], vec![]);
        assert!(short.unwrap_err().contains("shorter than 3"));
    }
}
