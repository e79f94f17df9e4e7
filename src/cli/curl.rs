//! `gatepass curl import | export`: read a curl command as API documentation shows it, and write a
//! request as a curl command with the credential masked, as `$VAR`, or revealed.

use super::needs_keychain;
use super::send::{RequestArgs, draft_from_args};
use crate::core::curl::{self, CurlImport};
use crate::core::curl_export::{SecretChoice, env_var_name};
use crate::core::diagnose::knowledge::EnvKind;
use crate::core::profile::Environment;
use crate::core::request::{BodyDraft, KeyValue};
use crate::workspace::Workspace;
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use std::io::Read as _;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CurlCommand {
    /// Read a curl command and show the request it makes and the credential it carried
    /// (every credential as a fingerprint, never the value).
    Import(ImportArgs),
    /// Print a request as a curl command. The credential is masked unless you choose otherwise.
    Export(ExportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A file holding the command; - or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// text for people, json for scripts.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Read the files the command names (`-d @body.json`, `-T file`, `-H @headers.txt`), relative
    /// to the current folder. Without it no file is read, and the import says what it left out.
    #[arg(long)]
    pub read_files: bool,
    /// Make a profile with this name whose keychain entry holds the credential found.
    #[arg(long, value_name = "NAME")]
    pub save_profile: Option<String>,
    /// With --save-profile: the profile's base URL. Default: the scheme and host of the command's URL.
    #[arg(long, requires = "save_profile")]
    pub base_url: Option<String>,
    /// With --save-profile: sandbox, production, or your own label such as staging. Default: what
    /// the key's prefix says (a live key: production), else sandbox.
    #[arg(long, requires = "save_profile")]
    pub environment: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SecretArg {
    /// The credential's fingerprint (safe to share; the command will not sign in).
    Masked,
    /// A reference to an environment variable named after the profile, such as `$SHOP_TOKEN`.
    Env,
    /// The credential itself. Anyone who sees the output can use it.
    Reveal,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub request: RequestArgs,
    /// How the credential is written.
    #[arg(long, value_enum, default_value = "masked")]
    pub secret: SecretArg,
}

pub fn run_curl(workspace: &Workspace, command: &CurlCommand) -> anyhow::Result<i32> {
    match command {
        CurlCommand::Import(args) => run_import(workspace, args),
        CurlCommand::Export(args) => run_export(workspace, args),
    }
}

fn read_input(file: Option<&PathBuf>) -> anyhow::Result<String> {
    let mut text = String::new();
    match file {
        Some(path) if path.as_os_str() != "-" => {
            text =
                crate::infra::read::bounded_text(path, crate::infra::read::limit::CURL, "file with the curl command")?;
        }
        _ => {
            std::io::stdin()
                .take(curl::MAX_INPUT as u64 + 1)
                .read_to_string(&mut text)
                .context("Could not read the command from standard input")?;
        }
    }
    Ok(text)
}

/// The most `--read-files` reads from one file (10 MiB).
const LOCAL_FILE_LIMIT: u64 = 10 * 1024 * 1024;

/// The files a command names, read from the current folder because the user said so
/// (`--read-files`).
struct LocalFiles {
    max_bytes: u64,
}

impl curl::Files for LocalFiles {
    fn read(&self, path: &str) -> Result<Vec<u8>, curl::FileRefusal> {
        let unreadable = |e: std::io::Error| curl::FileRefusal::Unreadable { reason: io_words(&e) };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if !meta.is_file() {
            return Err(curl::FileRefusal::Unreadable { reason: "it is not a file".to_owned() });
        }
        if meta.len() > self.max_bytes {
            return Err(curl::FileRefusal::TooLarge { bytes: meta.len(), limit: self.max_bytes });
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(self.max_bytes + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
        Ok(bytes)
    }
}

fn io_words(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "there is no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

fn run_import(workspace: &Workspace, args: &ImportArgs) -> anyhow::Result<i32> {
    let text = read_input(args.file.as_ref())?;
    let imported = if args.read_files {
        curl::import_with(&text, &LocalFiles { max_bytes: LOCAL_FILE_LIMIT })?
    } else {
        curl::import(&text)?
    };
    let saved = match &args.save_profile {
        Some(name) => {
            let Some(credential) = imported.credential() else {
                bail!(
                    "The command carries no credential, so there is nothing to keep in a profile. Add the profile with `gatepass profile add`."
                )
            };
            if credential.is_shell_variable() {
                bail!(
                    "The command names the shell variable {} instead of the credential itself, so there is nothing to keep in a profile. Put the real value in its place and import again.",
                    credential.secret.expose()
                )
            }
            let base_url = match &args.base_url {
                Some(url) => url.clone(),
                None => origin(&imported.draft.url).with_context(|| {
                    format!("Cannot tell the base URL from \"{}\". Give it with --base-url.", imported.draft.url)
                })?,
            };
            url::Url::parse(&base_url).with_context(|| format!("The base URL \"{base_url}\" is not a valid URL"))?;
            needs_keychain(workspace)?;
            let environment = match (&args.environment, credential.environment) {
                (Some(label), _) => Environment::from_label(label),
                (None, Some(EnvKind::Production)) => Environment::Production,
                (None, _) => Environment::Sandbox,
            };
            let profile = workspace.save_imported_profile(name, environment, &base_url, credential)?;
            Some(profile)
        }
        None => None,
    };
    match args.format {
        Format::Text => {
            print!("{}", describe(&imported));
            if !args.read_files && imported.notes.iter().any(|n| n.contains("was not read")) {
                println!("To read the files the command names, run the import again with --read-files.");
            }
            if let Some(profile) = &saved {
                println!(
                    "Added profile \"{}\" ({}, {}). The credential is in its keychain entry; requests sent with the profile carry it.",
                    profile.name,
                    profile.environment.long_label(),
                    profile.base_url
                );
            }
        }
        Format::Json => {
            let credential = imported.credential().map(|c| {
                serde_json::json!({
                    "fingerprint": c.fingerprint(),
                    "found_in": c.source.words(),
                    "suggested_method": c.suggested.kind().label(),
                    "suggested": c.suggested.words(),
                    "looks_like": c.looks_like,
                })
            });
            let shown = imported.shown();
            let out = serde_json::json!({
                "request": shown.draft,
                "masked": shown.masked,
                "credential": credential,
                "credentials_found": imported.credentials.len(),
                "notes": imported.shown_notes(),
                "sends_what_curl_sends": imported.sends_what_curl_sends(),
                "left_out": imported.left_out,
                "saved_profile": saved.as_ref().map(|p| p.name.clone()),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    }
    Ok(0)
}

/// `https://host:port` of a URL, when it has one.
fn origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    Some(match parsed.port() {
        Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
        None => format!("{}://{host}", parsed.scheme()),
    })
}

fn rows(out: &mut String, label: &str, rows: &[KeyValue]) {
    for row in rows {
        out.push_str(&format!("{label:<13}{}: {}\n", row.name, row.value));
    }
}

/// What was understood, in words. Every credential appears only as its fingerprint.
pub fn describe(imported: &CurlImport) -> String {
    let d = &imported.shown_draft();
    let mut out = format!("Request:     {} {}\n", d.method.as_str(), d.url);
    rows(&mut out, "Query:", &d.query);
    rows(&mut out, "Header:", &d.headers);
    match &d.body {
        BodyDraft::None => {}
        BodyDraft::Json { text } => out.push_str(&format!("Body (JSON): {}\n", text.trim())),
        BodyDraft::Form { fields } => rows(&mut out, "Form field:", fields),
        BodyDraft::Raw { content_type, text } => {
            out.push_str(&format!("Body ({content_type}): {}\n", text.trim()));
        }
    }
    if d.timeout_secs != 30 {
        out.push_str(&format!("Time limit:  {} s\n", d.timeout_secs));
    }
    match imported.credential() {
        Some(c) => {
            out.push_str(&format!("Credential:  {}\n", c.describe()));
            out.push_str("             It was taken out of the request, so it is not sent with it.\n");
            out.push_str(&format!(
                "Keep it in:  a profile that sends: {}. Add --save-profile NAME to make one.\n",
                c.suggested.words()
            ));
        }
        None => out.push_str("Credential:  none found\n"),
    }
    for note in &imported.shown_notes() {
        out.push_str(&format!("Note:        {note}\n"));
    }
    if !imported.left_out.is_empty() {
        out.push_str("Not the same as curl's request; it leaves out:\n");
        for part in &imported.left_out {
            out.push_str(&format!("             - {part}\n"));
        }
    }
    out
}

fn run_export(workspace: &Workspace, args: &ExportArgs) -> anyhow::Result<i32> {
    let draft = draft_from_args(&args.request, 30, true)?;
    let profile = workspace.profile_named(&args.request.profile)?;
    let choice = match args.secret {
        SecretArg::Masked => SecretChoice::Masked,
        SecretArg::Env => SecretChoice::EnvVar(env_var_name(&profile.name, &profile.auth)),
        SecretArg::Reveal => SecretChoice::Reveal,
    };
    if profile.auth.secret_ref().is_some() && !matches!(choice, SecretChoice::EnvVar(_)) {
        needs_keychain(workspace)?;
    }
    println!("{}", workspace.export_curl(&profile.id, &draft, &choice)?);
    if let SecretChoice::EnvVar(name) = &choice {
        eprintln!("Set {name} before running the command, for example: export {name}=...");
    }
    Ok(0)
}
