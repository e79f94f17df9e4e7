//! Logging to standard error. Our own code logs field names, lengths and fingerprints, never
//! values; other crates are held at `warn` even at the most verbose level, because HTTP libraries
//! at trace level print header values.

use tracing_subscriber::EnvFilter;

/// `verbosity` is the count of `-v` flags. `GATEPASS_LOG=debug` does the same as `-vv`.
pub fn init(verbosity: u8) {
    let level = match (verbosity, std::env::var("GATEPASS_LOG").ok().as_deref()) {
        (0, Some(level)) => level.to_owned(),
        (0, None) => "warn".to_owned(),
        (1, _) => "info".to_owned(),
        (2, _) => "debug".to_owned(),
        _ => "trace".to_owned(),
    };
    let filter = EnvFilter::try_new(format!("warn,gatepass={level}")).unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}
