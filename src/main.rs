//! Entry point: parse the command line, build the tokio runtime, run the GUI or a CLI command,
//! and turn errors into a plain message and an exit code.

use clap::Parser as _;
use gatepass::cli::{self, Cli};

fn main() {
    let launched = std::time::Instant::now();
    let cli = Cli::parse();
    gatepass::logging::init(cli.verbose);
    let code = match run(&cli, launched) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("{error:#}");
            2
        }
    };
    std::process::exit(code);
}

fn run(cli: &Cli, launched: std::time::Instant) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .thread_name("gatepass-worker")
        .build()?;
    match &cli.command {
        Some(command) => cli::run(cli, command, &runtime),
        None => run_gui(cli, &runtime, launched),
    }
}

#[cfg(feature = "gui")]
fn run_gui(cli: &Cli, runtime: &tokio::runtime::Runtime, launched: std::time::Instant) -> anyhow::Result<i32> {
    gatepass::ui::run(cli.config_dir.as_deref(), runtime.handle().clone(), launched)?;
    Ok(0)
}

#[cfg(not(feature = "gui"))]
fn run_gui(_: &Cli, _: &tokio::runtime::Runtime, _: std::time::Instant) -> anyhow::Result<i32> {
    anyhow::bail!(
        "This build of Gatepass has no window (built without the gui feature). Use a command: gatepass --help"
    )
}
