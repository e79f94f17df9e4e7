//! `gatepass check`: is every profile's credential set up right? A checklist per profile, green /
//! amber / red, each problem with what to do; as text, JSON, Markdown or HTML to paste into a
//! ticket. Exit code 0 when all is green, 1 with warnings, 2 when something fails. Secrets appear
//! only as fingerprints.

use crate::core::check::{Policy, Report};
use crate::workspace::Workspace;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check only this profile (repeatable); all profiles when left out.
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Warn about a secret older than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = crate::core::check::DEFAULT_ROTATION_DAYS)]
    pub rotation_days: i64,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    Markdown,
    Html,
}

pub fn run(workspace: &Arc<Workspace>, args: &CheckArgs, runtime: &tokio::runtime::Runtime) -> anyhow::Result<i32> {
    let mut ids = Vec::new();
    for name in &args.profiles {
        ids.push(workspace.profile_named(name)?.id);
    }
    workspace.connect_keychain().context("Gatepass keeps secrets only in the keychain, so it cannot check them")?;
    let now = time::OffsetDateTime::now_utc();
    let policy = Policy { rotation_days: args.rotation_days, ..Policy::new(now) };
    let results = runtime.block_on(workspace.check_profiles(&ids, policy));
    let mut checks = Vec::new();
    for (_, result) in results {
        checks.push(result.map_err(anyhow::Error::msg)?);
    }
    if checks.is_empty() {
        println!("There are no profiles to check. Add one with `gatepass profile add`.");
        return Ok(0);
    }
    let report = Report::new(checks, now);
    match args.format {
        CheckFormat::Text => print!("{}", report.text()),
        CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        CheckFormat::Markdown => print!("{}", report.markdown()),
        CheckFormat::Html => print!("{}", report.html()),
    }
    Ok(report.exit_code())
}
