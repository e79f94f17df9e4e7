//! Entry point: parse the command line, build the tokio runtime, run the GUI or a CLI command,
//! and turn errors into a plain message and an exit code.

use clap::Parser as _;
use gatepass::cli::{self, Cli};

fn main() {
    let launched = std::time::Instant::now();
    quiet_panics();
    let cli = Cli::parse();
    gatepass::logging::init(cli.verbose);
    let code = match run(&cli, launched) {
        Ok(code) => code,
        // The reader went away (`gatepass send … | head`): the end of the output, not a fault.
        Err(error) if is_closed_pipe(&error) => 0,
        Err(error) => {
            eprintln!("{error:#}");
            2
        }
    };
    std::process::exit(code);
}

fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}

/// No panic reaches a user as a backtrace. A reader that goes away (`gatepass collection show | head`)
/// makes the standard library's print panic with "failed printing to stdout": that is the end of the
/// output, not a fault, so Gatepass stops quietly. Anything else is a bug, said in words, with where it
/// happened, so it can be reported; `RUST_BACKTRACE=1` still prints the backtrace.
fn quiet_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") {
            std::process::exit(0);
        }
        if std::env::var_os("RUST_BACKTRACE").is_some() {
            default(info);
        } else {
            let place = info.location().map(|l| format!(" (at {}:{})", l.file(), l.line())).unwrap_or_default();
            eprintln!(
                "Gatepass hit a bug{place}, and what it was doing stopped. Nothing you typed caused it. Please report it with what you were doing; run again with RUST_BACKTRACE=1 for details."
            );
        }
    }));
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
