//! "Check setup": is every profile's credential set up right? A pure function from what the
//! workspace gathered about one profile (its secret, its token, its certificate, a probe request,
//! its history) and the clock, to a checklist of green / amber / red rows in plain words, each
//! amber or red row with what to do. Reports (text, Markdown, HTML) carry fingerprints only.
//!
//! ```text
//! CheckInput (gathered off the UI thread)  ->  check_profile()  ->  ProfileCheck { rows }
//! [ProfileCheck]                           ->  Report          ->  text / Markdown / HTML / JSON
//! ```

use crate::core::certificate::{CertState, CertificateFacts};
use crate::core::diagnose::Knowledge;
use crate::core::diagnose::knowledge::EnvKind;
use crate::core::diagnose::observe::{Slip, read_stored_secret};
use crate::core::profile::{AuthMethod, Profile};
use crate::core::secret::Secret;
use crate::core::token::time_words::{duration_words, short_duration_words};
use crate::core::token::{TokenKind, read_token};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

mod method_rows;

/// How long a credential may stay unchanged before the check suggests replacing it.
pub const DEFAULT_ROTATION_DAYS: i64 = 90;
/// A token that stays good this long is a risk: stolen, it keeps working.
pub const LONG_LIVED_DAYS: i64 = 30;

/// The colour of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Green: nothing to do.
    Ok,
    /// Not applicable or not run (for example no probe address): grey.
    Skipped,
    /// Amber: works now, but someone should act.
    Warning,
    /// Red: broken, or will be refused.
    Failed,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Skipped => "Not checked",
            Level::Warning => "Warning",
            Level::Failed => "Problem",
        }
    }
}

/// One line of a profile's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRow {
    /// A stable id, e.g. `secret_readable`.
    pub id: &'static str,
    pub level: Level,
    /// What was checked, in a few words ("Secret in the keychain").
    pub title: &'static str,
    /// What was found, in plain words; secrets only as fingerprints.
    pub found: String,
    /// What to do, for amber and red rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// More to read: for a failed test request, its explanation and the steps to take.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl CheckRow {
    fn new(id: &'static str, title: &'static str, level: Level, found: impl Into<String>) -> Self {
        Self { id, level, title, found: found.into(), fix: None, details: Vec::new() }
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    fn with_details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }
}

/// What could be read of the profile's own secret.
#[derive(Debug, Clone)]
pub enum SecretState {
    /// The method has no secret (no credential, or a public OAuth client).
    NotNeeded,
    Present(Secret),
    Missing,
    /// The keychain could not be read: the message says why.
    Unreadable(String),
}

/// The answer to the probe request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub method: String,
    pub path: String,
    /// The status, or the reason nothing came back.
    pub outcome: Result<u16, String>,
    /// The explanation card's headline when it failed.
    pub explanation: Option<String>,
    /// The card's explanation, then what to do, step by step.
    pub details: Vec<String>,
    /// When nothing came back: whether the network was the problem (rather than the profile).
    pub network: bool,
}

/// Everything known about one profile, gathered by the workspace.
#[derive(Debug, Clone)]
pub struct CheckInput {
    pub profile: Profile,
    pub secret: SecretState,
    /// The token the profile would send now (a bearer token, the cached OAuth token or a newly
    /// obtained one, a signed JWT made now), or why there is none.
    pub token: Option<Result<Secret, String>>,
    /// The OAuth profile can renew its token by itself (a refresh token, or client credentials).
    pub renewable: Option<bool>,
    pub certificate: Option<Result<CertificateFacts, String>>,
    /// When the profile's secret was last set (unix seconds), if Gatepass recorded it.
    pub secret_set_at: Option<i64>,
    pub probe: Option<Probe>,
    /// When a request with this profile last got a 2xx answer (unix seconds).
    pub last_success: Option<i64>,
    /// The method's second secret (OAuth 1's token secret, AWS's session token) is in the
    /// keychain; `None` when the method has none.
    pub second_secret: Option<bool>,
    /// The profile's `DPoP` key: `None` when it has none, `Some(None)` when the keychain lacks
    /// the key it names, else the key's thumbprint.
    pub dpop_key: Option<Option<String>>,
    /// The permissions the saved requests that go with this profile need (those of the open
    /// collections whose address is the profile's), each request by its name.
    pub request_needs: Vec<RequestNeed>,
}

/// A saved request that names the permissions (scopes) it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestNeed {
    /// The request's name, with its collection: `Practice API tour · Create an order`.
    pub request: String,
    pub scopes: Vec<String>,
}

/// A checked profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileCheck {
    pub profile: String,
    pub environment: String,
    pub rows: Vec<CheckRow>,
    /// The worst row.
    pub level: Level,
    /// When the check ran (RFC 3339, UTC).
    pub checked_at: String,
}

/// The settings of a check run.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub now: OffsetDateTime,
    /// A token is "expiring soon" inside this window.
    pub soon: Duration,
    pub rotation_days: i64,
}

impl Policy {
    pub fn new(now: OffsetDateTime) -> Self {
        Self { now, soon: crate::core::token::DEFAULT_SOON, rotation_days: DEFAULT_ROTATION_DAYS }
    }
}

/// Check one profile.
pub fn check_profile(input: &CheckInput, policy: &Policy) -> ProfileCheck {
    let knowledge = Knowledge::builtin();
    let profile = &input.profile;
    let what = profile.auth.secret_label();
    let mut rows = Vec::new();

    // 1. The secret is in the keychain and can be read.
    let secret = match &input.secret {
        SecretState::NotNeeded => None,
        SecretState::Present(secret) => {
            rows.push(CheckRow::new(
                "secret_readable",
                "Secret in the keychain",
                Level::Ok,
                format!("The {what} is in the keychain ({}).", shown(secret)),
            ));
            Some(secret)
        }
        SecretState::Missing => {
            rows.push(
                CheckRow::new(
                    "secret_readable",
                    "Secret in the keychain",
                    Level::Failed,
                    format!("There is no {what} in the keychain for this profile."),
                )
                .fix(format!("Open the profile and paste the {what}.")),
            );
            None
        }
        SecretState::Unreadable(why) => {
            rows.push(
                CheckRow::new("secret_readable", "Secret in the keychain", Level::Failed, why.clone())
                    .fix("Unlock the keychain, then run the check again."),
            );
            None
        }
    };

    // 2. Its format is plausible; 3. its environment matches the profile's.
    if let Some(secret) =
        secret.filter(|_| !matches!(profile.auth, AuthMethod::SignedJwt(ref s) if !s.algorithm.is_shared_secret()))
    {
        let seen = read_stored_secret(knowledge, secret.expose());
        // A password may hold spaces (Basic, Digest); a key or token may not.
        let password = matches!(profile.auth, AuthMethod::Basic { .. } | AuthMethod::Digest { .. });
        let slips: Vec<&Slip> = seen
            .slips
            .iter()
            .filter(|s| match s {
                Slip::BrokenJwt => false,
                Slip::SpaceInside => !password,
                _ => true,
            })
            .collect();
        rows.push(if let Some(slip) = slips.first() {
            CheckRow::new("secret_format", "Format", Level::Failed, format!("In the {what}, {}.", slip.words()))
                .fix(format!("Paste the {what} again, exactly as the provider shows it."))
        } else {
            let shape = seen.prefix.as_ref().map_or_else(
                || format!("{} characters, no spaces or line breaks", secret.expose().chars().count()),
                |p| format!("{} ({})", p.kind, p.provider),
            );
            CheckRow::new("secret_format", "Format", Level::Ok, format!("Looks right: {shape}."))
        });
        if let (Some(prefix), Some(want)) = (&seen.prefix, EnvKind::of(&profile.environment))
            && let Some(has) = prefix.environment
        {
            rows.push(if has == want {
                CheckRow::new(
                    "secret_environment",
                    "Key matches the environment",
                    Level::Ok,
                    format!("A {} key in a {} profile.", has.words(), profile.environment.long_label()),
                )
            } else {
                CheckRow::new(
                    "secret_environment",
                    "Key matches the environment",
                    Level::Failed,
                    format!(
                        "This {} profile holds a key that looks like a {} key ({}).",
                        profile.environment.long_label(),
                        has.words(),
                        prefix.prefix
                    ),
                )
                .fix(format!(
                    "Put the {} key in this profile, or move this key to a {} profile.",
                    want.words(),
                    has.words()
                ))
            });
        }
    }
    host_row(profile, knowledge, &mut rows);

    // 4. The token: valid, not expiring, renewable, not long-lived; 5. its permissions.
    token_rows(input, policy, &mut rows);
    method_rows::method_rows(input, &mut rows);

    // 6. The client certificate.
    match &input.certificate {
        None => {}
        Some(Ok(facts)) => {
            let level = match facts.state {
                CertState::Valid => Level::Ok,
                CertState::ExpiresSoon => Level::Warning,
                CertState::Expired | CertState::NotYetValid => Level::Failed,
            };
            let row = CheckRow::new(
                "certificate",
                "Client certificate",
                level,
                format!("{}: {}.", facts.common_name.as_deref().unwrap_or(&facts.subject), facts.state_words()),
            );
            rows.push(if level == Level::Ok {
                row
            } else {
                row.fix("Ask the API owner for a new certificate and import it into the profile.")
            });
        }
        Some(Err(why)) => rows.push(
            CheckRow::new("certificate", "Client certificate", Level::Failed, why.clone())
                .fix("Import the certificate and its key into the profile again."),
        ),
    }

    // 7. Age against the rotation policy.
    if !matches!(input.secret, SecretState::NotNeeded) {
        rows.push(match input.secret_set_at.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok()) {
            Some(set) => {
                let age = policy.now - set;
                if age.whole_days() > policy.rotation_days {
                    CheckRow::new(
                        "secret_age",
                        "Age",
                        Level::Warning,
                        format!(
                            "The {what} was set {} ago, more than {} days.",
                            short_duration_words(age),
                            policy.rotation_days
                        ),
                    )
                    .fix(format!("Replace the {what} with a new one (rotate it), then run the check again."))
                } else {
                    CheckRow::new(
                        "secret_age",
                        "Age",
                        Level::Ok,
                        format!("The {what} was set {} ago.", short_duration_words(age)),
                    )
                }
            }
            None => CheckRow::new(
                "secret_age",
                "Age",
                Level::Skipped,
                format!("Gatepass does not know when the {what} was set (it was set before Gatepass kept track)."),
            ),
        });
    }

    // 8. The probe request; 9. when it last worked.
    rows.push(match &input.probe {
        None => CheckRow::new("probe", "Test request", Level::Skipped, "No check address is set for this profile.")
            .fix("Name a check address in the profile (a GET that needs the credential, such as /v1/me)."),
        Some(probe) => match &probe.outcome {
            Ok(status) if (200..300).contains(status) => CheckRow::new(
                "probe",
                "Test request",
                Level::Ok,
                format!("{} {} answered {status}.", probe.method, probe.path),
            ),
            Ok(status) => CheckRow::new(
                "probe",
                "Test request",
                Level::Failed,
                format!("{} {} answered {status}.", probe.method, probe.path),
            )
            .fix(
                probe
                    .explanation
                    .clone()
                    .unwrap_or_else(|| "Open the profile and send the request to see why.".to_owned()),
            )
            .with_details(probe.details.clone()),
            Err(why) => CheckRow::new(
                "probe",
                "Test request",
                Level::Failed,
                format!("{} {} could not be sent: {why}", probe.method, probe.path),
            )
            .fix(if probe.network {
                "Check the base URL and the network, then run the check again."
            } else {
                "Do what the message says, then run the check again."
            })
            .with_details(probe.details.clone()),
        },
    });
    rows.push(match input.last_success.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok()) {
        Some(at) => CheckRow::new(
            "last_worked",
            "Last worked",
            Level::Ok,
            if (policy.now - at).whole_seconds() < 60 {
                "A request with this profile worked just now.".to_owned()
            } else {
                format!("A request with this profile last worked {} ago.", short_duration_words(policy.now - at))
            },
        ),
        None => {
            CheckRow::new("last_worked", "Last worked", Level::Skipped, "No request with this profile has worked yet.")
        }
    });

    let level = rows.iter().map(|r| r.level).filter(|l| *l != Level::Skipped).max().unwrap_or(Level::Ok);
    ProfileCheck {
        profile: profile.name.clone(),
        environment: profile.environment.long_label(),
        rows,
        level,
        checked_at: stamp(policy.now),
    }
}

/// How a stored secret is named in a row: its fingerprint, or for PEM text what it is (a
/// fingerprint of PEM would show only its dashes).
fn shown(secret: &Secret) -> String {
    let text = secret.expose().trim_start();
    match text.strip_prefix("-----BEGIN ").and_then(|rest| rest.split_once("-----")) {
        Some((label, _)) => format!("PEM, {}", label.to_ascii_lowercase()),
        None => secret.fingerprint(),
    }
}

/// The base URL's host against the profile's environment ("a Production profile pointed at a
/// sandbox host").
fn host_row(profile: &Profile, knowledge: &Knowledge, rows: &mut Vec<CheckRow>) {
    let Some(host) = url::Url::parse(profile.base_url.trim()).ok().and_then(|u| u.host_str().map(str::to_owned)) else {
        rows.push(
            CheckRow::new(
                "host_environment",
                "Address",
                Level::Failed,
                format!("The base URL \"{}\" is not a valid address.", profile.base_url),
            )
            .fix("Open the profile and fix the base URL."),
        );
        return;
    };
    let (Some(has), Some(want)) = (knowledge.host_environment(&host), EnvKind::of(&profile.environment)) else {
        return;
    };
    rows.push(if has == want {
        CheckRow::new(
            "host_environment",
            "Address matches the environment",
            Level::Ok,
            format!("{host} is a {} address.", has.words()),
        )
    } else {
        CheckRow::new(
            "host_environment",
            "Address matches the environment",
            Level::Failed,
            format!(
                "This {} profile points at {host}, which looks like a {} address.",
                profile.environment.long_label(),
                has.words()
            ),
        )
        .fix("Fix the base URL, or the profile's environment.")
    });
}

fn token_rows(input: &CheckInput, policy: &Policy, rows: &mut Vec<CheckRow>) {
    let profile = &input.profile;
    let token = match &input.token {
        None => return,
        Some(Err(why)) => {
            rows.push(
                CheckRow::new("token_valid", "Token", Level::Failed, why.clone())
                    .fix("Open the profile and get a new token (or paste one)."),
            );
            return;
        }
        Some(Ok(token)) => token,
    };
    let signed_per_request = matches!(profile.auth, AuthMethod::SignedJwt(_));
    let Ok(TokenKind::Jwt(jwt)) = read_token(token.expose()) else {
        rows.push(CheckRow::new(
            "token_valid",
            "Token",
            Level::Skipped,
            format!("{} is an opaque token: its expiry and permissions cannot be read here.", token.fingerprint()),
        ));
        return;
    };
    let now = policy.now;
    rows.push(match (jwt.expires_at, jwt.not_before) {
        (_, Some(nbf)) if nbf > now => {
            CheckRow::new("token_valid", "Token", Level::Failed, format!("{} is not valid yet.", jwt.fingerprint))
                .fix("Check this computer's clock, or get a new token.")
        }
        (Some(exp), _) if exp <= now => CheckRow::new(
            "token_valid",
            "Token",
            Level::Failed,
            format!("{} expired {} ago.", jwt.fingerprint, short_duration_words(now - exp)),
        )
        .fix(if input.renewable == Some(true) {
            "Gatepass gets a new one by itself on the next request; or click Get new token."
        } else {
            "Get a new token and paste it into the profile."
        }),
        (Some(exp), _) if exp - now <= policy.soon && !signed_per_request && input.renewable != Some(true) => {
            CheckRow::new(
                "token_valid",
                "Token",
                Level::Warning,
                format!("{} expires in {}.", jwt.fingerprint, duration_words(exp - now)),
            )
            .fix("Get a new token before a long test.")
        }
        (Some(exp), _) => CheckRow::new(
            "token_valid",
            "Token",
            Level::Ok,
            format!("{} is valid and expires in {}.", jwt.fingerprint, duration_words(exp - now)),
        ),
        (None, _) => CheckRow::new("token_valid", "Token", Level::Ok, format!("{} is valid.", jwt.fingerprint)),
    });
    // A token with no expiry, or one that lives for months, stays useful to whoever steals it.
    let lifetime = jwt.expires_at.map(|exp| exp - jwt.issued_at.unwrap_or(now));
    match lifetime {
        None => rows.push(
            CheckRow::new(
                "token_lifetime",
                "Token lifetime",
                Level::Warning,
                "The token never expires: if it is stolen, it keeps working.",
            )
            .fix("Ask the API owner for short-lived tokens, or replace this one regularly."),
        ),
        Some(life) if life.whole_days() > LONG_LIVED_DAYS => rows.push(
            CheckRow::new(
                "token_lifetime",
                "Token lifetime",
                Level::Warning,
                format!(
                    "The token is good for {} in all: if it is stolen, it stays useful that long.",
                    short_duration_words(life)
                ),
            )
            .fix("Use shorter-lived tokens where the API allows it."),
        ),
        Some(life) => rows.push(CheckRow::new(
            "token_lifetime",
            "Token lifetime",
            Level::Ok,
            format!("Each token is good for {}.", short_duration_words(life)),
        )),
    }
    match input.renewable {
        Some(true) => rows.push(CheckRow::new(
            "token_renewal",
            "Renewal",
            Level::Ok,
            "Gatepass renews the token by itself before it expires.",
        )),
        Some(false) => rows.push(
            CheckRow::new(
                "token_renewal",
                "Renewal",
                Level::Warning,
                "The token cannot be renewed without a person signing in again.",
            )
            .fix("Sign in again when it runs out (Get new token)."),
        ),
        None => {}
    }
    if !profile.expected_scopes.is_empty() {
        let missing = jwt.missing_scopes(&profile.expected_scopes);
        rows.push(if missing.is_empty() {
            CheckRow::new(
                "scopes",
                "Permissions",
                Level::Ok,
                format!("Has every expected permission: {}.", profile.expected_scopes.join(" ")),
            )
        } else {
            CheckRow::new("scopes", "Permissions", Level::Failed, format!("Missing: {}.", missing.join(" ")))
                .fix("Ask for these permissions (scopes) when getting the token, or have the API owner grant them.")
        });
    }
    if let Some(row) = request_needs_row(&input.request_needs, &jwt.scopes) {
        rows.push(row);
    }
}

/// How many names a row lists before it says how many more there are.
const NAMES_LISTED: usize = 3;

/// Does the token have what the saved requests need? Amber when some would be refused for a
/// missing permission: the profile may not be meant for them, but the person should know.
fn request_needs_row(needs: &[RequestNeed], granted: &[String]) -> Option<CheckRow> {
    let needing: Vec<&RequestNeed> = needs.iter().filter(|n| n.scopes.iter().any(|s| !s.trim().is_empty())).collect();
    if needing.is_empty() {
        return None;
    }
    let title = "Saved requests need";
    let requests = |n: usize| if n == 1 { "1 saved request".to_owned() } else { format!("{n} saved requests") };
    let mut lacking: Vec<(&str, Vec<&str>)> = Vec::new();
    for need in &needing {
        for scope in crate::core::token::missing_scopes(granted, &need.scopes) {
            match lacking.iter_mut().find(|(s, _)| *s == scope) {
                Some((_, names)) => names.push(&need.request),
                None => lacking.push((scope, vec![need.request.as_str()])),
            }
        }
    }
    if lacking.is_empty() {
        let mut all: Vec<&str> = needing.iter().flat_map(|n| n.scopes.iter().map(String::as_str)).collect();
        all.sort_unstable();
        all.dedup();
        return Some(CheckRow::new(
            "request_scopes",
            title,
            Level::Ok,
            match needing.len() {
                1 => format!("Has what the saved request needs: {}.", all.join(" ")),
                n => format!("Has what the {n} saved requests need: {}.", all.join(" ")),
            },
        ));
    }
    if granted.is_empty() {
        return Some(
            CheckRow::new(
                "request_scopes",
                title,
                Level::Warning,
                format!(
                    "The access token names no permissions (scopes), and {} some: {}.",
                    if needing.len() == 1 {
                        "1 saved request needs".to_owned()
                    } else {
                        format!("{} saved requests need", needing.len())
                    },
                    lacking.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(" ")
                ),
            )
            .fix("Ask for these permissions when getting the token; the API may refuse those requests without them."),
        );
    }
    let parts: Vec<String> = lacking
        .iter()
        .map(|(scope, names)| {
            let listed = names.iter().take(NAMES_LISTED).copied().collect::<Vec<_>>().join(", ");
            let more = names.len().saturating_sub(NAMES_LISTED);
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            format!(
                "{scope}, which {} need{} ({listed}{more})",
                requests(names.len()),
                if names.len() == 1 { "s" } else { "" }
            )
        })
        .collect();
    Some(
        CheckRow::new(
            "request_scopes",
            title,
            Level::Warning,
            format!(
                "The access token lacks {}: {}. It has: {}.",
                if parts.len() == 1 { "a permission (scope)" } else { "these permissions (scopes)" },
                parts.join("; "),
                granted.join(" ")
            ),
        )
        .fix("Ask for these permissions (scopes) when getting the token, or have the API owner grant them."),
    )
}

/// A whole run's result, for sharing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub checked_at: String,
    pub profiles: Vec<ProfileCheck>,
    pub level: Level,
}

impl Report {
    pub fn new(profiles: Vec<ProfileCheck>, now: OffsetDateTime) -> Self {
        let level = profiles.iter().map(|p| p.level).max().unwrap_or(Level::Ok);
        Self { checked_at: stamp(now), profiles, level }
    }

    /// 0 when everything is green, 1 with warnings, 2 when something failed.
    pub fn exit_code(&self) -> i32 {
        match self.level {
            Level::Ok | Level::Skipped => 0,
            Level::Warning => 1,
            Level::Failed => 2,
        }
    }

    fn summary(&self) -> String {
        let count = |l: Level| self.profiles.iter().filter(|p| p.level == l).count();
        format!(
            "{} profiles checked: {} all right, {} with warnings, {} with problems.",
            self.profiles.len(),
            count(Level::Ok) + count(Level::Skipped),
            count(Level::Warning),
            count(Level::Failed)
        )
    }

    pub fn text(&self) -> String {
        let mut out = format!("Setup check, {}\n{}\n", self.checked_at, self.summary());
        for p in &self.profiles {
            out.push_str(&format!("\n{} — {} — {}\n", p.profile, p.environment, p.level.label()));
            for r in &p.rows {
                out.push_str(&format!("  [{:<11}] {}: {}\n", r.level.label(), r.title, r.found));
                if let Some(fix) = &r.fix
                    && matches!(r.level, Level::Warning | Level::Failed)
                {
                    out.push_str(&format!("                To do: {fix}\n"));
                }
            }
        }
        out
    }

    pub fn markdown(&self) -> String {
        let mut out = format!("# Gatepass setup check\n\nChecked {}. {}\n", self.checked_at, self.summary());
        for p in &self.profiles {
            out.push_str(&format!(
                "\n## {} ({}): {}\n\n| | Check | Found | To do |\n|---|---|---|---|\n",
                md(&p.profile),
                p.environment,
                p.level.label()
            ));
            for r in &p.rows {
                let mark = match r.level {
                    Level::Ok => "OK",
                    Level::Skipped => "–",
                    Level::Warning => "**Warning**",
                    Level::Failed => "**Problem**",
                };
                out.push_str(&format!(
                    "| {mark} | {} | {} | {} |\n",
                    r.title,
                    md(&r.found),
                    md(r.fix.as_deref().filter(|_| r.level >= Level::Warning).unwrap_or(""))
                ));
            }
            for r in p.rows.iter().filter(|r| !r.details.is_empty()) {
                out.push_str(&format!("\n**{}, why**: {}\n", r.title, md(&r.details.join(" "))));
            }
        }
        out.push_str("\nSecrets are shown only as fingerprints (the first and last characters).\n");
        out
    }

    pub fn html(&self) -> String {
        let mut out = format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Gatepass setup check</title>\n<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}}.ok{{color:#1a7f37}}.warning{{color:#9a6700}}.failed{{color:#cf222e}}.skipped{{color:#666}}</style></head><body>\n<h1>Gatepass setup check</h1>\n<p>Checked {}. {}</p>\n",
            html(&self.checked_at),
            html(&self.summary())
        );
        for p in &self.profiles {
            out.push_str(&format!(
                "<h2>{} ({}): <span class=\"{}\">{}</span></h2>\n<table><tr><th></th><th>Check</th><th>Found</th><th>To do</th></tr>\n",
                html(&p.profile),
                html(&p.environment),
                class(p.level),
                p.level.label()
            ));
            for r in &p.rows {
                out.push_str(&format!(
                    "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    class(r.level),
                    r.level.label(),
                    html(r.title),
                    html(&r.found),
                    html(r.fix.as_deref().filter(|_| r.level >= Level::Warning).unwrap_or(""))
                ));
            }
            out.push_str("</table>\n");
        }
        out.push_str(
            "<p>Secrets are shown only as fingerprints (the first and last characters).</p>\n</body></html>\n",
        );
        out
    }
}

fn class(level: Level) -> &'static str {
    match level {
        Level::Ok => "ok",
        Level::Skipped => "skipped",
        Level::Warning => "warning",
        Level::Failed => "failed",
    }
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::core::profile::{AuthKind, Environment};

    /// An API key profile with this secret: the start of each check test.
    pub(super) fn input(environment: Environment, secret: &str) -> CheckInput {
        let mut profile = Profile::new("Shop", environment, "https://api.example.com");
        profile.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &profile.id);
        CheckInput {
            profile,
            secret: SecretState::Present(Secret::new(secret)),
            token: None,
            renewable: None,
            certificate: None,
            secret_set_at: None,
            probe: None,
            last_success: None,
            second_secret: None,
            dpop_key: None,
            request_needs: Vec::new(),
        }
    }

    fn row<'a>(check: &'a ProfileCheck, id: &str) -> &'a CheckRow {
        check.rows.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no row {id}: {check:?}"))
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn a_password_with_spaces_is_no_slip_but_a_key_with_spaces_is() {
        let mut digest = input(Environment::Sandbox, "correct horse battery staple");
        digest.profile.auth = AuthMethod::new_of_kind(AuthKind::Digest, &digest.profile.id);
        let check = check_profile(&digest, &Policy::new(now()));
        assert_eq!(row(&check, "secret_format").level, Level::Ok, "{check:?}");
        let key = input(Environment::Sandbox, "abc def ghi jkl mno");
        let check = check_profile(&key, &Policy::new(now()));
        assert_eq!(row(&check, "secret_format").level, Level::Failed, "{check:?}");
    }

    #[test]
    fn a_test_key_in_a_production_profile_is_red_and_says_so() {
        let key = ["sk", "_test_", "4eC39HqLyjWDarjtT1zdp7dc"].concat();
        let check = check_profile(&input(Environment::Production, &key), &Policy::new(now()));
        let r = row(&check, "secret_environment");
        assert_eq!(r.level, Level::Failed);
        assert!(
            r.found.starts_with("This Production (live) profile holds a key that looks like a Sandbox (test) key"),
            "{}",
            r.found
        );
        assert_eq!(check.level, Level::Failed);
        let report = Report::new(vec![check], now());
        assert_eq!(report.exit_code(), 2);
        for text in [report.text(), report.markdown(), report.html(), serde_json::to_string(&report).unwrap()] {
            assert!(!text.contains(&key), "the key leaked: {text}");
        }
    }

    #[test]
    fn a_pasted_line_break_and_an_old_secret_are_named() {
        let mut i = input(Environment::Sandbox, "abcdefgh12345678\n");
        i.secret_set_at = Some((now() - Duration::days(120)).unix_timestamp());
        let check = check_profile(&i, &Policy::new(now()));
        assert_eq!(row(&check, "secret_format").level, Level::Failed);
        assert!(row(&check, "secret_format").found.contains("line break"), "{:?}", row(&check, "secret_format"));
        let age = row(&check, "secret_age");
        assert_eq!(age.level, Level::Warning);
        assert!(age.found.contains("more than 90 days"), "{}", age.found);
    }

    #[test]
    fn missing_secret_and_failed_probe_are_red_with_what_to_do() {
        let mut i = input(Environment::Sandbox, "x");
        i.secret = SecretState::Missing;
        i.probe = Some(Probe {
            method: "GET".into(),
            path: "/v1/me".into(),
            outcome: Ok(401),
            explanation: Some("The API did not get a credential.".into()),
            details: vec!["The request carried no API key.".into(), "Add the key to the profile.".into()],
            network: false,
        });
        let check = check_profile(&i, &Policy::new(now()));
        assert_eq!(row(&check, "secret_readable").level, Level::Failed);
        assert_eq!(row(&check, "secret_readable").fix.as_deref(), Some("Open the profile and paste the API key."));
        assert_eq!(row(&check, "probe").fix.as_deref(), Some("The API did not get a credential."));
        assert_eq!(row(&check, "last_worked").level, Level::Skipped);
    }

    fn facts(state: CertState, days_left: i64) -> CertificateFacts {
        CertificateFacts {
            subject: "CN=orders-app".into(),
            common_name: Some("orders-app".into()),
            issuer: "CN=Example CA".into(),
            not_before: now() - Duration::days(300),
            not_after: now() + Duration::days(days_left),
            days_left,
            state,
        }
    }

    #[test]
    fn certificate_rows_in_each_state() {
        let mut i = input(Environment::Sandbox, "abcdefgh12345678");
        for (state, days, level) in [
            (CertState::Valid, 200, Level::Ok),
            (CertState::ExpiresSoon, 12, Level::Warning),
            (CertState::Expired, -3, Level::Failed),
            (CertState::NotYetValid, 400, Level::Failed),
        ] {
            i.certificate = Some(Ok(facts(state, days)));
            let check = check_profile(&i, &Policy::new(now()));
            let r = row(&check, "certificate");
            assert_eq!(r.level, level, "{state:?}");
            assert!(r.found.starts_with("orders-app: "), "{}", r.found);
            assert_eq!(r.fix.is_some(), level != Level::Ok);
        }
        i.certificate = Some(Err("The key does not match the certificate.".into()));
        assert_eq!(row(&check_profile(&i, &Policy::new(now())), "certificate").level, Level::Failed);
    }

    #[test]
    fn a_production_profile_pointed_at_a_sandbox_host_is_red() {
        let mut i = input(Environment::Production, "abcdefgh12345678");
        i.profile.base_url = "https://api.sandbox.paypal.com".into();
        let check = check_profile(&i, &Policy::new(now()));
        let r = row(&check, "host_environment");
        assert_eq!(r.level, Level::Failed, "{r:?}");
        assert!(r.found.contains("looks like a Sandbox (test) address"), "{}", r.found);
        i.profile.base_url = "not a url".into();
        assert_eq!(row(&check_profile(&i, &Policy::new(now())), "host_environment").level, Level::Failed);
    }

    #[test]
    fn a_token_that_needs_a_person_and_one_not_valid_yet() {
        let mut i = input(Environment::Sandbox, "x");
        i.profile.auth = AuthMethod::new_of_kind(AuthKind::OAuthAuthorizationCode, &i.profile.id);
        i.secret = SecretState::NotNeeded;
        let t = now().unix_timestamp();
        let claims = serde_json::json!({"exp": t + 3600, "nbf": t + 600, "iat": t});
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"k"),
        )
        .unwrap();
        i.token = Some(Ok(Secret::new(token)));
        i.renewable = Some(false);
        let check = check_profile(&i, &Policy::new(now()));
        assert_eq!(row(&check, "token_valid").level, Level::Failed);
        assert!(row(&check, "token_valid").found.ends_with("is not valid yet."));
        assert_eq!(row(&check, "token_renewal").level, Level::Warning);
        assert!(!check.rows.iter().any(|r| r.id == "secret_readable" || r.id == "secret_age"));
    }

    #[test]
    fn the_permissions_saved_requests_need_are_held_against_the_token() {
        let mut i = input(Environment::Production, "x");
        i.profile.auth = AuthMethod::new_of_kind(AuthKind::Bearer, &i.profile.id);
        let token = |scope: &str| {
            let claims = serde_json::json!({"exp": now().unix_timestamp() + 3600, "scope": scope});
            let header = jsonwebtoken::Header::default();
            let key = jsonwebtoken::EncodingKey::from_secret(b"k");
            Some(Ok(Secret::new(jsonwebtoken::encode(&header, &claims, &key).unwrap())))
        };
        let need = |name: &str, scopes: &[&str]| RequestNeed {
            request: format!("Shop · {name}"),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        };
        i.token = token("orders:read");
        // No saved request names a permission: no row.
        i.request_needs = vec![need("Ping", &[])];
        assert!(check_profile(&i, &Policy::new(now())).rows.iter().all(|r| r.id != "request_scopes"));
        i.request_needs = vec![
            need("List orders", &["orders:read"]),
            need("Create an order", &["orders:write"]),
            need("Cancel an order", &["orders:write", "orders:read"]),
        ];
        let check = check_profile(&i, &Policy::new(now()));
        let r = row(&check, "request_scopes");
        assert_eq!(r.level, Level::Warning);
        assert_eq!(
            r.found,
            "The access token lacks a permission (scope): orders:write, which 2 saved requests need (Shop · Create an order, Shop · Cancel an order). It has: orders:read."
        );
        assert!(r.fix.as_deref().is_some_and(|f| f.contains("permissions (scopes)")));
        i.token = token("orders:read orders:write");
        let r = row(&check_profile(&i, &Policy::new(now())), "request_scopes").clone();
        assert_eq!(r.level, Level::Ok);
        assert_eq!(r.found, "Has what the 3 saved requests need: orders:read orders:write.");
        // A token that names no permissions at all cannot be held to them: said as such.
        i.token = token("");
        let r = row(&check_profile(&i, &Policy::new(now())), "request_scopes").clone();
        assert_eq!(r.level, Level::Warning);
        assert!(
            r.found.starts_with("The access token names no permissions (scopes), and 3 saved requests need some"),
            "{}",
            r.found
        );
        i.request_needs = vec![need("Create an order", &["orders:write"])];
        let r = row(&check_profile(&i, &Policy::new(now())), "request_scopes").clone();
        assert_eq!(
            r.found,
            "The access token names no permissions (scopes), and 1 saved request needs some: orders:write."
        );
    }

    #[test]
    fn token_rows_follow_the_clock() {
        let mut i = input(Environment::Sandbox, "x");
        i.profile.auth = AuthMethod::new_of_kind(AuthKind::Bearer, &i.profile.id);
        i.profile.expected_scopes = vec!["a".into(), "b".into()];
        let jwt = |exp: i64, iat: i64| {
            let claims = serde_json::json!({"exp": exp, "iat": iat, "scope": "a"});
            let token = jsonwebtoken::encode(
                &jsonwebtoken::Header::default(),
                &claims,
                &jsonwebtoken::EncodingKey::from_secret(b"k"),
            )
            .unwrap();
            Some(Ok(Secret::new(token)))
        };
        let t = now().unix_timestamp();
        i.token = jwt(t + 120, t - 60);
        let check = check_profile(&i, &Policy::new(now()));
        assert_eq!(row(&check, "token_valid").level, Level::Warning);
        assert_eq!(row(&check, "scopes").found, "Missing: b.");
        i.token = jwt(t - 10, t - 3600);
        assert_eq!(row(&check_profile(&i, &Policy::new(now())), "token_valid").level, Level::Failed);
        i.token = jwt(t + 3600 * 24 * 365, t);
        let long = check_profile(&i, &Policy::new(now()));
        assert_eq!(row(&long, "token_valid").level, Level::Ok);
        assert_eq!(row(&long, "token_lifetime").level, Level::Warning);
    }
}

/// The report's time stamp: RFC 3339 to the second (no fractions a reader has to skip).
fn stamp(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0).unwrap_or(at).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod stamp_tests {
    use super::*;

    #[test]
    fn the_time_stamp_is_to_the_second() {
        let at = time::macros::datetime!(2026-12-03 14:45:07.123456789 UTC);
        assert_eq!(stamp(at), "2026-12-03T14:45:07Z");
    }
}
