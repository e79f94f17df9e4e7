//! The diagnosis engine measured on tests/corpus/: real responses documented by API providers,
//! each labelled with the cause a careful engineer would name. Prints the accuracy table the
//! README shows, and the reading grade of the words, and fails below the thresholds.
//!
//! Run alone with the table: `cargo test --test corpus -- --nocapture`

use gatepass::core::diagnose::Knowledge;
use gatepass::core::diagnose::har::{self, HarOptions};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Thresholds for the first corpus, the cases the rules were written and tuned with. Raise them as
/// the engine improves; never lower them to get green.
const MIN_TOP1: f64 = 0.80;
const MIN_TOP3: f64 = 0.90;
const MAX_GRADE: f64 = 8.0;

/// Each blind batch's first-sight score (top-1, top-3 cases right), taken when it was copied in and
/// before any rule changed for it. A blind batch measures the engine on responses nobody tuned it
/// for, so it is held to never falling below that score, not to the thresholds above; the issue's
/// targets (85 % / 95 % over the whole corpus) are reported beside it in tests/corpus/README.md.
/// A new batch's line is added with its first-sight figures, never raised to match later tuning.
const FIRST_SIGHT: &[(u32, usize, usize)] = &[(1, 12, 17), (2, 19, 25), (3, 23, 26), (4, 28, 36)];

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    provider: String,
    expect: String,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    expected_scopes: Vec<String>,
    #[serde(default)]
    now: Option<String>,
    /// The blind batch the case came in (none for the first corpus, which the rules were tuned on).
    #[serde(default)]
    batch: Option<u32>,
}

struct Outcome {
    expect: String,
    got: Vec<String>,
    batch: Option<u32>,
}

impl Outcome {
    fn top1(&self) -> bool {
        if self.expect == "none" { self.got.is_empty() } else { self.got.first() == Some(&self.expect) }
    }
    fn top3(&self) -> bool {
        if self.expect == "none" { self.got.is_empty() } else { self.got.iter().take(3).any(|c| *c == self.expect) }
    }
}

fn run_corpus() -> (Vec<(String, String, Outcome)>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(root.join("cases.toml")).unwrap()).unwrap();
    let mut outcomes = Vec::new();
    let mut texts = Vec::new();
    for case in cases.case {
        let text = std::fs::read_to_string(root.join(&case.file)).unwrap();
        let options = HarOptions {
            environment: case.environment.clone(),
            expected_scopes: case.expected_scopes.clone(),
            now: case
                .now
                .as_deref()
                .map(|n| time::OffsetDateTime::parse(n, &time::format_description::well_known::Rfc3339).unwrap()),
        };
        let report = har::explain(&text, &options, Knowledge::builtin()).unwrap();
        let entry = report.entries.last().unwrap();
        for f in entry.findings() {
            texts.push(f.title.clone());
            texts.push(f.explanation.clone());
        }
        let got = entry
            .findings()
            .iter()
            .map(|f| serde_json::to_value(f.cause).unwrap().as_str().unwrap().to_owned())
            .collect();
        outcomes.push((case.file, case.provider, Outcome { expect: case.expect, got, batch: case.batch }));
    }
    (outcomes, texts)
}

#[allow(clippy::cast_precision_loss, reason = "counts are small")]
fn ratio(n: usize, of: usize) -> f64 {
    n as f64 / of.max(1) as f64
}

#[test]
fn corpus_accuracy_and_reading_grade() {
    let (outcomes, texts) = run_corpus();
    let total = outcomes.len();
    let top1 = outcomes.iter().filter(|o| o.2.top1()).count();
    let top3 = outcomes.iter().filter(|o| o.2.top3()).count();
    let mut by_cause: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (_, _, o) in &outcomes {
        let e = by_cause.entry(o.expect.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(o.top1());
        e.2 += usize::from(o.top3());
    }
    let providers: std::collections::BTreeSet<&str> = outcomes.iter().map(|o| o.1.as_str()).collect();
    println!("\n| cause | cases | top-1 | top-3 |\n|---|---|---|---|");
    for (cause, (n, t1, t3)) in &by_cause {
        println!("| {cause} | {n} | {t1} | {t3} |");
    }
    println!(
        "| **all ({} providers)** | **{total}** | **{top1} ({:.0}%)** | **{top3} ({:.0}%)** |",
        providers.len(),
        ratio(top1, total) * 100.0,
        ratio(top3, total) * 100.0
    );
    let mut by_batch: BTreeMap<Option<u32>, (usize, usize, usize)> = BTreeMap::new();
    for (_, _, o) in &outcomes {
        let e = by_batch.entry(o.batch).or_default();
        e.0 += 1;
        e.1 += usize::from(o.top1());
        e.2 += usize::from(o.top3());
    }
    println!("\n| batch | cases | top-1 | top-3 |\n|---|---|---|---|");
    for (batch, (n, t1, t3)) in &by_batch {
        let name = batch.map_or_else(|| "first corpus".to_owned(), |b| format!("batch {b}"));
        println!("| {name} | {n} | {t1} ({:.0}%) | {t3} ({:.0}%) |", ratio(*t1, *n) * 100.0, ratio(*t3, *n) * 100.0);
    }
    println!("\nMisses (top-1):");
    for (file, _, o) in outcomes.iter().filter(|o| !o.2.top1()) {
        let batch = o.batch.map_or_else(String::new, |b| format!("[batch {b}] "));
        println!("  {batch}{file}: expected {}, got {:?}", o.expect, o.got.iter().take(3).collect::<Vec<_>>());
    }
    let grade = mean_grade(&texts);
    println!("\nMean Flesch–Kincaid grade of titles and explanations: {grade:.1} ({} texts)", texts.len());

    assert!(total >= 80, "the corpus needs at least 80 cases, has {total}");
    assert!(providers.len() >= 25, "the corpus needs at least 25 providers, has {}", providers.len());
    let (n, t1, t3) = by_batch.get(&None).copied().unwrap_or_default();
    assert!(ratio(t1, n) >= MIN_TOP1, "top-1 accuracy on the first corpus {t1}/{n} is below {MIN_TOP1}");
    assert!(ratio(t3, n) >= MIN_TOP3, "top-3 accuracy on the first corpus {t3}/{n} is below {MIN_TOP3}");
    for (batch, (n, t1, t3)) in by_batch.iter().filter_map(|(b, v)| b.map(|b| (b, v))) {
        let Some(&(_, first1, first3)) = FIRST_SIGHT.iter().find(|f| f.0 == batch) else {
            panic!(
                "batch {batch} ({n} cases) has no first-sight score in FIRST_SIGHT: score it before tuning and add it"
            );
        };
        assert!(*t1 >= first1, "batch {batch}: top-1 {t1}/{n} fell below its first-sight {first1}");
        assert!(*t3 >= first3, "batch {batch}: top-3 {t3}/{n} fell below its first-sight {first3}");
    }
    assert!(grade <= MAX_GRADE, "mean reading grade {grade:.1} is above {MAX_GRADE}");
}

/// Flesch–Kincaid grade level, averaged over texts:
/// 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59.
fn mean_grade(texts: &[String]) -> f64 {
    let grades: Vec<f64> = texts.iter().filter(|t| !t.trim().is_empty()).map(|t| grade(t)).collect();
    grades.iter().sum::<f64>() / ratio(grades.len(), 1)
}

#[allow(clippy::cast_precision_loss, reason = "counts are small")]
pub fn grade(text: &str) -> f64 {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '/' || c == '—')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let sentences = text.split(['.', '?', '!', ':']).filter(|s| s.chars().any(char::is_alphanumeric)).count().max(1);
    let syllables: usize = words.iter().map(|w| syllables(w)).sum();
    let words_n = words.len().max(1) as f64;
    0.39 * (words_n / sentences as f64) + 11.8 * (syllables as f64 / words_n) - 15.59
}

fn syllables(word: &str) -> usize {
    let w = word.to_lowercase();
    if w.chars().any(|c| c.is_ascii_digit()) {
        return 1;
    }
    let vowels = |c: char| "aeiouy".contains(c);
    let mut count = 0;
    let mut prev = false;
    for c in w.chars() {
        let v = vowels(c);
        if v && !prev {
            count += 1;
        }
        prev = v;
    }
    if (w.ends_with('e') && !w.ends_with("le") || w.ends_with("ed") && !w.ends_with("ted") && !w.ends_with("ded"))
        && count > 1
    {
        count -= 1;
    }
    count.max(1)
}

#[test]
fn the_grade_formula_matches_known_values() {
    // "The cat sat on the mat." — 6 one-syllable words in one sentence: 0.39×6 + 11.8×1 − 15.59.
    assert!((grade("The cat sat on the mat.") - (-1.45)).abs() < 0.01);
    assert_eq!(syllables("permission"), 3);
    assert_eq!(syllables("expired"), 2);
    assert!(grade("Authentication credentials unrecognizable notwithstanding organizational considerations.") > 20.0);
}
