//! `gatepass collection list | show`: the collections open in Gatepass, and one collection's
//! requests as a tree, for a person in a terminal or (`--format json`) for other tools.

use crate::core::collection::Collection;
use crate::core::export::ExportFormat;
use crate::workspace::Workspace;
use clap::{Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum CollectionCommand {
    /// The collections open in Gatepass: name, folder, how many requests.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// One collection's requests, folder by folder.
    Show {
        /// The collection's folder (the one holding gatepass-collection.toml).
        dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Write a collection for other tools: a Postman v2.1 collection or `OpenAPI` 3.1 paths. No
    /// secret goes in: a `{{secret:name}}` keeps only its name.
    Export {
        /// The collection's folder (the one holding gatepass-collection.toml).
        dir: PathBuf,
        #[arg(long, value_enum)]
        to: ExportTo,
        /// The file to write (it must not exist yet). Default: standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Give relative addresses this profile's base URL (no secret of it is written).
        #[arg(long)]
        profile: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportTo {
    /// Postman Collection v2.1 (JSON).
    Postman,
    /// `OpenAPI` 3.1 paths (JSON).
    Openapi,
}

pub fn run(workspace: &Workspace, command: &CollectionCommand) -> anyhow::Result<i32> {
    match command {
        CollectionCommand::List { format } => {
            let collections = workspace.open_collections();
            for c in collections.iter().filter_map(|c| c.problem.as_ref().map(|p| (c, p))) {
                eprintln!("Warning: {} ({}): {}", c.0.name, c.0.path.display(), c.1);
            }
            if *format == Format::Json {
                let list: Vec<_> = collections
                    .iter()
                    .map(|c| serde_json::json!({"name": c.name, "path": c.path, "requests": c.requests}))
                    .collect();
                println!("{}", serde_json::json!({ "collections": list }));
            } else if collections.is_empty() {
                println!("No collections are open. The window's \"New collection…\" and \"Open folder…\" add one.");
            } else {
                let width = collections.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
                for c in &collections {
                    let count =
                        if c.requests == 1 { "1 request".to_owned() } else { format!("{} requests", c.requests) };
                    println!("{:<width$}  {:>13}  {}", c.name, count, c.path.display());
                }
            }
            Ok(0)
        }
        CollectionCommand::Export { dir, to, output, profile } => {
            export(workspace, dir, *to, output.as_deref(), profile.as_deref())
        }
        CollectionCommand::Show { dir, format } => {
            let collection = workspace.load_collection(dir)?;
            for problem in &collection.problems {
                eprintln!("Warning: {problem}");
            }
            if *format == Format::Json {
                println!("{}", show_json(&collection));
            } else {
                print!("{}", show_text(&collection, dir));
            }
            Ok(0)
        }
    }
}

/// `{"name":…,"requests":[{"name":…,"folder":"Orders","method":"POST","url":"/v1/orders","required_scopes":["orders:write"]}]}`
pub fn show_json(collection: &Collection) -> serde_json::Value {
    let requests: Vec<_> = collection
        .requests
        .iter()
        .map(|e| {
            serde_json::json!({
                "name": e.request.name,
                "folder": e.path.folder(),
                "method": e.request.draft.method.as_str(),
                "url": crate::core::redact::redact_url_text(&e.request.draft.url),
                "required_scopes": e.request.required_scopes,
            })
        })
        .collect();
    serde_json::json!({ "name": collection.meta.name, "requests": requests })
}

fn show_text(collection: &Collection, dir: &Path) -> String {
    let mut out = format!("{} ({})\n", collection.meta.name, dir.display());
    if collection.requests.is_empty() {
        out.push_str("  No requests yet.\n");
    }
    let mut folder: Option<&str> = None;
    for entry in &collection.requests {
        let this = entry.path.folder();
        if folder != Some(this) {
            folder = Some(this);
            if !this.is_empty() {
                out.push_str(&format!("  {this}/\n"));
            }
        }
        let indent = if this.is_empty() { "  " } else { "    " };
        let scopes = if !entry.request.alternatives.is_empty() {
            let ways: Vec<String> =
                entry.request.alternatives.iter().map(crate::core::collection::SignInAlternative::words).collect();
            format!("  needs one of: {}", ways.join("; or "))
        } else if entry.request.required_scopes.is_empty() {
            String::new()
        } else {
            format!("  needs {}", entry.request.required_scopes.join(" "))
        };
        let refused = if entry.literal_secrets.is_empty() { "" } else { "  (holds a credential: not sent)" };
        out.push_str(&format!(
            "{indent}{:<7} {}  {}{scopes}{refused}\n",
            entry.request.draft.method.as_str(),
            entry.request.name,
            crate::core::redact::redact_url_text(&entry.request.draft.url)
        ));
    }
    out
}

fn export(
    workspace: &Workspace,
    dir: &Path,
    to: ExportTo,
    output: Option<&Path>,
    profile: Option<&str>,
) -> anyhow::Result<i32> {
    let format = match to {
        ExportTo::Postman => ExportFormat::Postman,
        ExportTo::Openapi => ExportFormat::OpenApi,
    };
    let profile = profile.map(|name| workspace.profile_named(name)).transpose()?;
    let profile = profile.as_ref().map(|p| &p.id);
    let exported = if let Some(path) = output {
        let exported = workspace.write_export(dir, format, profile, path)?;
        eprintln!("Wrote {} requests as {} to {}.", exported.requests, format.describe(), path.display());
        exported
    } else {
        let exported = workspace.export_collection(dir, format, profile)?;
        println!("{}", serde_json::to_string_pretty(&exported.document)?);
        exported
    };
    for line in &exported.left_out {
        eprintln!("  Note: {line}");
    }
    Ok(0)
}
