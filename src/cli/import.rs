//! `gatepass import FILE|DIR... [--into DIR] [--name NAME] [--format text|json] [--dry-run]`:
//! bring in an `OpenAPI`/Swagger document, a Postman, Insomnia or Bruno collection (with its
//! environments) or a HAR file as a collection; its secrets go to the keychain.

use super::collection::Format;
use crate::workspace::Workspace;
use crate::workspace::import::{ImportDone, ImportPreview};
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
    let preview = workspace.preview_import(&args.sources, args.into.as_deref(), args.name.as_deref())?;
    if args.dry_run {
        if args.format == Format::Json {
            let profiles = preview.profiles();
            println!(
                "{}",
                summary_json(&preview, preview.plan.requests.len(), preview.plan.secrets.len(), &profiles, true)
            );
        } else {
            print_preview(&preview);
            println!("Nothing was written (--dry-run).");
        }
        return Ok(0);
    }
    if !preview.plan.secrets.is_empty() {
        super::needs_keychain(workspace)?;
    }
    let text_preview = (args.format == Format::Text).then(|| capture_preview(&preview));
    let json_head = (args.format == Format::Json).then(|| (preview.plan.format.clone(), skipped_json(&preview)));
    let done = workspace.apply_import(preview)?;
    match (text_preview, json_head) {
        (Some(text), _) => {
            print!("{text}");
            print_done(&done);
        }
        (None, Some((format, skipped))) => {
            let profiles: Vec<_> = done
                .profiles
                .iter()
                .map(|(name, env, created)| serde_json::json!({"name": name, "environment": env, "created": created}))
                .collect();
            println!(
                "{}",
                serde_json::json!({
                    "collection": done.collection,
                    "format": format,
                    "requests": done.requests,
                    "folders": done.folders,
                    "skipped": skipped,
                    "secrets_moved": done.secrets_moved,
                    "profiles": profiles,
                })
            );
        }
        (None, None) => {}
    }
    Ok(0)
}

fn skipped_json(preview: &ImportPreview) -> Vec<serde_json::Value> {
    preview.plan.skipped.iter().map(|s| serde_json::json!({"item": s.item, "why": s.why})).collect()
}

fn summary_json(
    preview: &ImportPreview,
    requests: usize,
    secrets: usize,
    profiles: &[(String, String, bool)],
    dry_run: bool,
) -> serde_json::Value {
    let profiles: Vec<_> = profiles
        .iter()
        .map(|(name, env, created)| serde_json::json!({"name": name, "environment": env, "created": created}))
        .collect();
    serde_json::json!({
        "collection": preview.target,
        "format": preview.plan.format,
        "requests": requests,
        "folders": preview.plan.folders.len(),
        "skipped": skipped_json(preview),
        "secrets_moved": secrets,
        "profiles": profiles,
        "dry_run": dry_run,
    })
}

fn print_preview(preview: &ImportPreview) {
    print!("{}", capture_preview(preview));
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
        format_words(&plan.format),
        preview.target.display()
    );
    for (name, environment, created) in preview.profiles() {
        let what = if created { "new profile" } else { "existing profile, kept as it is" };
        let _ = writeln!(out, "  Profile {name} ({environment}): {what}");
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

fn format_words(format: &str) -> String {
    match format.split_once('-') {
        Some(("openapi", v)) => format!("OpenAPI {v}"),
        Some(("swagger", v)) => format!("Swagger {v}"),
        Some(("postman", "environment")) => "Postman environment".to_owned(),
        Some(("postman", v)) => format!("Postman collection {v}"),
        Some(("insomnia", v)) => format!("Insomnia export v{v}"),
        Some(("har", v)) => format!("HAR {v}"),
        _ if format == "bruno" => "Bruno collection".to_owned(),
        _ if format == "opencollection" => "OpenCollection".to_owned(),
        _ => format.to_owned(),
    }
}
