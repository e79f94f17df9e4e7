//! `gatepass import FILE|DIR... [--into DIR] [--name NAME] [--format text|json] [--dry-run]`:
//! bring in an `OpenAPI`/Swagger document, a Postman, Insomnia or Bruno collection (with its
//! environments) or a HAR file as a collection; its secrets go to the keychain.

use super::collection::Format;
use crate::workspace::import::{ImportDone, ImportPreview, ImportRefused};
use crate::workspace::{Workspace, WorkspaceError};
use anyhow::bail;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The files or folders to import: one collection (or API description, or HAR), and any
    /// environment files that go with it.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub sources: Vec<PathBuf>,
    /// The collection folder to make (default: a folder named after the collection, here).
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// The collection's name (default: the document's title).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Show what would be made, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(workspace: &Workspace, args: &ImportArgs) -> anyhow::Result<i32> {
    let preview = match workspace.preview_import(&args.sources, args.into.as_deref(), args.name.as_deref()) {
        Ok(preview) => preview,
        Err(error @ WorkspaceError::Import(ImportRefused::TargetHoldsCollection { .. })) => {
            bail!("{error} Give a new folder with --into.")
        }
        Err(error) => return Err(error.into()),
    };
    let json = args.format == Format::Json;
    if args.dry_run {
        if json {
            let plan = &preview.plan;
            let done = ImportDone {
                collection: preview.target.clone(),
                requests: plan.requests.len(),
                folders: plan.folders.len(),
                secrets_moved: plan.secrets.len(),
                profiles: preview.profiles(),
            };
            println!("{}", summary_json(&done, &plan.format, &skipped_json(&preview)));
        } else {
            print!("{}", capture_preview(&preview));
            println!("Nothing was written (--dry-run).");
        }
        return Ok(0);
    }
    if !preview.plan.secrets.is_empty() {
        super::needs_keychain(workspace)?;
    }
    // The preview's words and the skipped list are taken before the plan is handed over.
    let text_preview = if json { String::new() } else { capture_preview(&preview) };
    let (format, skipped) = (preview.plan.format.clone(), skipped_json(&preview));
    let done = workspace.apply_import(preview)?;
    if json {
        println!("{}", summary_json(&done, &format, &skipped));
    } else {
        print!("{text_preview}");
        print_done(&done);
    }
    Ok(0)
}

fn skipped_json(preview: &ImportPreview) -> Vec<serde_json::Value> {
    preview.plan.skipped.iter().map(|s| serde_json::json!({"item": s.item, "why": s.why})).collect()
}

/// The summary other tools read: the shape is a contract, kept exactly.
fn summary_json(done: &ImportDone, format: &str, skipped: &[serde_json::Value]) -> serde_json::Value {
    let profiles: Vec<_> = done
        .profiles
        .iter()
        .map(|(name, env, created)| serde_json::json!({"name": name, "environment": env.long_label(), "created": created}))
        .collect();
    serde_json::json!({
        "collection": done.collection,
        "format": format,
        "requests": done.requests,
        "folders": done.folders,
        "skipped": skipped,
        "secrets_moved": done.secrets_moved,
        "profiles": profiles,
    })
}

/// The preview in words: what will be made, what was left out and why, where each secret goes.
fn capture_preview(preview: &ImportPreview) -> String {
    use std::fmt::Write as _;
    let plan = &preview.plan;
    let mut out = String::new();
    let requests = plural(plan.requests.len(), "request", "requests");
    let folders = plural(plan.folders.len(), "folder", "folders");
    let _ = writeln!(
        out,
        "\"{}\" ({}): {requests} in {folders}, into {}",
        plan.name,
        crate::core::import::format_words(&plan.format),
        preview.target.display()
    );
    for (name, environment, created) in preview.profiles() {
        let what = if created { "new profile" } else { "existing profile, kept as it is" };
        let _ = writeln!(out, "  Profile {name} ({}): {what}", environment.long_label());
    }
    if !plan.secrets.is_empty() {
        let _ = writeln!(out, "Secrets moved to the keychain ({}):", plan.secrets.len());
        for (found_in, profile) in preview.secret_moves() {
            let _ = writeln!(out, "  {found_in} → profile {profile}");
        }
    }
    if !plan.skipped.is_empty() {
        let _ = writeln!(out, "Left out or changed ({}):", plan.skipped.len());
        for s in plan.skipped.iter().take(40) {
            let _ = writeln!(out, "  {}: {}", s.item, s.why);
        }
        if plan.skipped.len() > 40 {
            let _ = writeln!(out, "  … and {} more (--format json lists them all)", plan.skipped.len() - 40);
        }
    }
    out
}

fn print_done(done: &ImportDone) {
    println!(
        "Imported {} into {}. `gatepass collection show {}` lists them; `gatepass run {}` sends them.",
        plural(done.requests, "request", "requests"),
        done.collection.display(),
        done.collection.display(),
        done.collection.display()
    );
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}
