//! `gatepass explain FILE`: diagnose every request in a HAR file.

use crate::core::diagnose::Knowledge;
use crate::core::diagnose::har::{self, HarOptions, Report};
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::io::Read as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A HAR 1.2 file (exported from a browser's developer tools or an API client), or - for standard input.
    pub file: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// The environment these requests were meant for: sandbox, production, or your own label.
    #[arg(long)]
    pub environment: Option<String>,
    /// A permission (scope) the credential should carry (repeatable).
    #[arg(long = "expected-scope")]
    pub expected_scopes: Vec<String>,
    /// Reason about time from this moment (RFC 3339, e.g. 2026-03-01T11:05:00Z) instead of each entry's start time.
    #[arg(long, value_parser = parse_now)]
    pub now: Option<time::OffsetDateTime>,
}

fn parse_now(text: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| format!("\"{text}\" is not a time like 2026-03-01T11:05:00Z"))
}

/// The most read from a HAR file: larger files are refused with a message, not read into memory.
const MAX_FILE: u64 = 512 * 1024 * 1024;

pub fn run(args: &ExplainArgs) -> anyhow::Result<i32> {
    let text = read_input(&args.file)?;
    let options = HarOptions {
        environment: args.environment.clone(),
        expected_scopes: args.expected_scopes.clone(),
        now: args.now,
    };
    let report = har::explain(&text, &options, Knowledge::builtin())
        .with_context(|| format!("Could not read {}", shown_name(&args.file)))?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string(&report)?),
        Format::Text => print!("{}", text_report(&report)),
    }
    Ok(0)
}

fn shown_name(file: &std::path::Path) -> String {
    if file.as_os_str() == "-" { "standard input".to_owned() } else { file.display().to_string() }
}

fn read_input(file: &std::path::Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .context("Could not read the HAR file from standard input")?;
    } else {
        let handle = std::fs::File::open(file)
            .with_context(|| format!("Could not open {}. Check the path and that you may read it", file.display()))?;
        handle
            .take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("Could not read {}", file.display()))?;
    }
    if bytes.len() as u64 > MAX_FILE {
        anyhow::bail!("{} is larger than 512 MB. Export fewer requests and try again.", shown_name(file));
    }
    String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!(
            "{} is not a text file (HAR files are UTF-8 JSON). Check that you chose the right file.",
            shown_name(file)
        )
    })
}

fn text_report(report: &Report) -> String {
    let mut out = String::new();
    if report.entries.is_empty() {
        out.push_str("The file has no requests in it.\n");
    }
    for entry in &report.entries {
        let status = if entry.status == 0 { "no response".to_owned() } else { entry.status.to_string() };
        out.push_str(&format!("#{} {} {} → {status}\n", entry.index, entry.method, entry.url));
        if let Some(f) = &entry.failure {
            out.push_str(&format!("  {}\n", f.message));
        }
        if entry.findings().is_empty() {
            out.push_str("  No sign of an authentication problem.\n\n");
            continue;
        }
        out.push_str(&card(&entry.diagnosis));
        out.push('\n');
    }
    out
}

/// One diagnosis as text: the top cause in full, the others as a list.
pub fn card(diagnosis: &crate::core::diagnose::Diagnosis) -> String {
    let mut out = String::new();
    for (i, f) in diagnosis.findings.iter().enumerate() {
        if i == 0 {
            out.push_str(&format!("  {} ({})\n", f.title, f.likelihood().words()));
            out.push_str(&format!("    {}\n", f.explanation));
            for e in &f.evidence {
                out.push_str(&format!("    Evidence: {e}\n"));
            }
            for s in &f.next_steps {
                out.push_str(&format!("    To do: {s}\n"));
            }
        } else {
            if i == 1 {
                out.push_str("  Other possible causes:\n");
            }
            out.push_str(&format!("    - {} ({})\n", f.title, f.likelihood().words()));
        }
    }
    out
}
