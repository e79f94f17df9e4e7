//! What findings are made of: each piece of evidence (a [`Signal`]) weighs for a cause on the
//! [`Board`], and the [`Facts`] gathered on the way give the words their details. The readers
//! (`response`, `sent`, `signing`, `lexicon`) write here; `engine` ranks; `words` reads the result.
//! Words depend on this module, never on the engine.

use super::Cause;
use super::knowledge::{CodeRule, EnvKind, Weights};
use super::observe::Slip;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// One reason to believe in a cause.
#[derive(Debug, Clone)]
pub(super) struct Signal {
    pub weight: f64,
    /// Quoted evidence, secrets masked.
    pub evidence: Option<String>,
    /// A short sentence linking the evidence to the cause.
    pub reason: Option<String>,
}

/// The facts the words are built from.
#[derive(Debug, Clone, Default)]
#[allow(clippy::struct_excessive_bools, reason = "independent facts, each read on its own by the words")]
pub(super) struct Facts {
    pub status: Option<u16>,
    pub needed_scopes: Vec<String>,
    pub granted_scopes: Option<Vec<String>>,
    pub other_environment: Option<EnvKind>,
    pub key_environment: Option<EnvKind>,
    pub target_environment: Option<EnvKind>,
    pub slips: Vec<Slip>,
    pub provider: Option<String>,
    pub lumped: bool,
    pub worked_before: Option<OffsetDateTime>,
    pub is_token_request: bool,
    pub has_jwt: bool,
    pub skew_minutes: Option<i64>,
    /// Only the words of the message spoke of sign-in; no rule understood it.
    pub unsure: bool,
    /// A signed request's region, and the region of the address it went to, when they differ.
    pub signed_region: Option<(String, String)>,
    /// The API refused the request's one-time number (nonce).
    pub nonce_refused: bool,
    /// …because it was not larger than the last one (APIs that want an ever-growing nonce).
    pub nonce_must_grow: bool,
}

#[derive(Default)]
pub(super) struct Board {
    pub signals: BTreeMap<Cause, Vec<Signal>>,
    pub floors: BTreeMap<Cause, (f64, Option<String>)>,
    /// Evidence from the response that speaks of authentication (not just the status).
    pub auth_signal: bool,
    /// How strongly the response says this is not about authentication (a rate limit, an outage).
    pub not_auth: f64,
    pub facts: Facts,
    pub seen_rules: BTreeSet<String>,
    /// Codes matched, so a code already understood is not read again as words.
    pub matched_codes: BTreeSet<String>,
    /// Something in the request itself explains a rejection (a broken value, a key from the
    /// other environment, a temporary key without its session token).
    pub request_root_cause: Option<Cause>,
}

impl Board {
    pub fn add(&mut self, cause: Cause, weight: f64, evidence: Option<String>, reason: Option<String>) {
        self.signals.entry(cause).or_default().push(Signal { weight, evidence, reason });
    }

    pub fn add_all(&mut self, weights: &Weights, evidence: Option<&str>, reason: Option<&str>) {
        for (i, (cause, w)) in weights.iter().enumerate() {
            // The reason belongs to the strongest cause; the others still carry the evidence.
            let reason = if i == 0 { reason.map(str::to_owned) } else { None };
            self.add(*cause, *w, evidence.map(str::to_owned), reason);
        }
    }

    pub fn floor(&mut self, cause: Cause, weight: f64, reason: Option<String>) {
        let entry = self.floors.entry(cause).or_insert((0.0, None));
        if weight > entry.0 {
            *entry = (weight, reason);
        }
    }

    pub fn rule(&mut self, key: String, rule: &CodeRule, evidence: Option<&str>) {
        self.rule_scaled(key, rule, evidence, 1.0);
    }

    /// A rule whose weights count for less (a generic code when the provider's own code spoke).
    pub fn rule_scaled(&mut self, key: String, rule: &CodeRule, evidence: Option<&str>, scale: f64) {
        if !self.seen_rules.insert(key) {
            return;
        }
        self.not_auth = self.not_auth.max(rule.none);
        if rule.weights.is_empty() {
            return;
        }
        self.auth_signal = true;
        if is_lumped(&rule.weights) {
            self.facts.lumped = true;
        }
        let reason = format!("The API says {}.", rule.says);
        let weights: Weights = rule.weights.iter().map(|(c, w)| (*c, w * scale)).collect();
        self.add_all(&weights, evidence, Some(&reason));
    }

    pub fn confidence(&self, cause: Cause) -> f64 {
        let combined = self
            .signals
            .get(&cause)
            .map_or(0.0, |signals| 1.0 - signals.iter().map(|s| 1.0 - s.weight.clamp(0.0, 0.99)).product::<f64>());
        let floor = self.floors.get(&cause).map_or(0.0, |f| f.0);
        combined.max(floor).min(0.99)
    }
}

/// Evidence that fits "wrong, expired or switched off" alike.
pub(super) fn is_lumped(weights: &Weights) -> bool {
    let has = |c: Cause| weights.iter().any(|(cause, _)| *cause == c);
    has(Cause::InvalidCredential)
        && (has(Cause::ExpiredCredential) || has(Cause::RevokedCredential))
        && weights.len() >= 3
}
