//! The command-line companion: one file per command (`practice`, `profile`, `send`, `explain`,
//! `token`, `check`, `curl`). Each prints results; all logic lives in the workspace and core,
//! shared with the GUI. This file holds the argument tree, the dispatch, and what several
//! commands share (opening the workspace, the keychain, reading a secret without a flag).

pub mod check;
pub mod collection;
pub mod curl;
mod explain;
pub mod import;
mod practice;
pub mod profile;
pub mod run;
pub mod send;
pub mod token;

use crate::core::secret::Secret;
use crate::infra::read;
use crate::infra::store::Paths;
use crate::workspace::Workspace;
use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;

pub use profile::{AddArgs, AuthArg, CertificateArgs, ClientAuthArg, KeyIn, ProfileCommand, TlsArgs, describe_profile};
pub use send::{RequestArgs, SendArgs};

#[derive(Debug, Parser)]
#[command(name = "gatepass", version, about = "Test APIs where authentication is the hard part.", long_about = None)]
pub struct Cli {
    /// Keep profiles and history in this folder instead of the usual place.
    #[arg(long, global = true, env = "GATEPASS_CONFIG_DIR", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Say more about what happens (-v, -vv, -vvv). Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When the profiles file could be read only in part: let this command rewrite it with the
    /// profiles that could be read (a copy of the original is kept beside it).
    #[arg(long, global = true)]
    pub repair: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the practice API in the foreground.
    Practice {
        /// Port for the Sandbox API; Production uses the next one. 0 picks free ports.
        #[arg(long, default_value_t = 7410)]
        port: u16,
    },
    /// List, show, add or remove credential profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Send a request with a profile's credential.
    Send(SendArgs),
    /// Explain why requests in a HAR file failed: the likely causes, ranked, and what to do.
    Explain(explain::ExplainArgs),
    /// Read an access token: who issued it, when it expires, what it allows.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Check every profile's setup: secret, format, environment, token, permissions, certificate,
    /// age, a test request. Exit code 0 all green, 1 warnings, 2 problems.
    Check(check::CheckArgs),
    /// Import a curl command (its credential goes to a profile), or export a request as one.
    #[command(subcommand)]
    Curl(curl::CurlCommand),
    /// List the open collections, or show one collection's requests.
    #[command(subcommand)]
    Collection(collection::CollectionCommand),
    /// Bring in an API description (`OpenAPI`, Swagger), a Postman, Insomnia or Bruno collection (with
    /// its environments) or a HAR file as a collection; its secrets go to the keychain.
    Import(import::ImportArgs),
    /// Send every request of a collection (or one folder, or one request file) with each profile,
    /// and say what passed. Exit code 0 all passed, 1 any did not, 2 it could not run, 130 stopped with Ctrl+C (after the report of what ran).
    Run(run::RunArgs),
}

/// Run a command; returns the process exit code.
pub fn run(cli: &Cli, command: &Command, runtime: &tokio::runtime::Runtime) -> anyhow::Result<i32> {
    run_command(cli, command, runtime).map_err(|error| {
        let damaged = error.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<crate::infra::store::StoreError>(),
                Some(crate::infra::store::StoreError::Damaged { .. })
            ) || matches!(
                cause.downcast_ref::<crate::workspace::WorkspaceError>(),
                Some(crate::workspace::WorkspaceError::Store(crate::infra::store::StoreError::Damaged { .. }))
            )
        });
        if damaged {
            anyhow::anyhow!(
                "{error:#} To rewrite it with the profiles that could be read, run the command again with --repair."
            )
        } else {
            error
        }
    })
}

fn run_command(cli: &Cli, command: &Command, runtime: &tokio::runtime::Runtime) -> anyhow::Result<i32> {
    match command {
        Command::Practice { port } => runtime.block_on(practice::run(*port)),
        Command::Profile(cmd) => {
            let workspace = open_workspace(cli)?;
            profile::run(&workspace, cmd)
        }
        Command::Send(args) => {
            let workspace = Arc::new(open_workspace(cli)?);
            runtime.block_on(send::run(&workspace, args))
        }
        Command::Explain(args) => explain::run(args),
        Command::Token(cmd) => token::run_token(&Arc::new(open_workspace(cli)?), cmd, runtime),
        Command::Check(args) => check::run(&Arc::new(open_workspace(cli)?), args, runtime),
        Command::Curl(cmd) => curl::run_curl(&open_workspace(cli)?, cmd),
        Command::Collection(cmd) => collection::run(&open_workspace(cli)?, cmd),
        Command::Import(args) => import::run(&open_workspace(cli)?, args),
        Command::Run(args) => run::run(&Arc::new(open_workspace(cli)?), args, runtime),
    }
}

pub(crate) fn open_workspace(cli: &Cli) -> anyhow::Result<Workspace> {
    let paths = Paths::resolve(cli.config_dir.as_deref())?;
    let workspace = Workspace::open(paths)?;
    for warning in &workspace.warnings {
        eprintln!("Warning: {warning}");
    }
    if workspace.damage.is_some() {
        if cli.repair {
            workspace.allow_repair();
        } else {
            eprintln!(
                "Commands that change profiles will not run until the file is fixed, or until you run one with --repair to rewrite it with what could be read."
            );
        }
    }
    Ok(workspace)
}

pub(crate) fn needs_keychain(workspace: &Workspace) -> anyhow::Result<()> {
    workspace.connect_keychain().context("Gatepass keeps secrets only in the keychain, so it cannot go on")
}

/// Read a PKCS#12 passphrase from standard input (piped) or a hidden prompt; it may be empty.
pub(crate) fn read_passphrase_input() -> anyhow::Result<Secret> {
    if std::io::stdin().is_terminal() {
        return Ok(Secret::new(rpassword::prompt_password("PKCS#12 passphrase (it will not be shown): ")?));
    }
    let text = zeroize::Zeroizing::new(read::stdin_bounded_text(read::limit::SECRET, "PKCS#12 passphrase")?);
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    Ok(Secret::new(trimmed.strip_suffix('\r').unwrap_or(trimmed)))
}

/// Read a secret from standard input (piped) or a hidden prompt; never from a flag.
pub(crate) fn read_secret_input(what: &str) -> anyhow::Result<Secret> {
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Paste the {what} (it will not be shown): "))?
    } else {
        let text = zeroize::Zeroizing::new(read::stdin_bounded_text(read::limit::SECRET, what)?);
        // A pipe adds one newline at the end (`echo`): that is not part of the secret.
        let trimmed = text.strip_suffix('\n').unwrap_or(&text);
        trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned()
    };
    // Line breaks belong in a PEM key; NUL and other control characters in no secret.
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        bail!(
            "The {what} holds a control character (such as NUL), which no API accepts. Copy it again from where it was issued; nothing was saved."
        );
    }
    if value.is_empty() {
        bail!("No {what} was given. Pipe it in, or type it at the prompt.");
    }
    Ok(Secret::new(value))
}
