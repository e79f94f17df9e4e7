//! `gatepass practice`: the embedded practice API in the foreground.

use crate::practice::{self, PracticeConfig, PracticeEnv, PracticeError, PracticeServer};
use anyhow::{Context as _, bail};
use std::io::Write as _;

pub async fn run(port: u16) -> anyhow::Result<i32> {
    let config = PracticeConfig {
        sandbox_port: port,
        production_port: if port == 0 { 0 } else { port.saturating_add(1) },
        mtls_port: if port == 0 { 0 } else { port.saturating_add(2) },
        fallback_to_free_port: false,
        ..PracticeConfig::default()
    };
    let host = config.host;
    let server = match PracticeServer::start(config).await {
        Ok(server) => server,
        Err(PracticeError::Bind { addr, in_use: true, .. }) if port != 0 => {
            return already_running(host, port, addr).await;
        }
        Err(e) => return Err(e.into()),
    };
    println!("Gatepass practice API");
    println!("  Sandbox (test):    {}", server.base_url(PracticeEnv::Sandbox));
    println!("  Production (live): {}", server.base_url(PracticeEnv::Production));
    println!("  Open either address in a browser to see every route and what it shows.");
    println!("  Sign-in server (OAuth 2 client credentials): each address + /oauth/token");
    println!("  Its signing keys (JWKS): each address + /oauth/jwks");
    println!("  Client certificates (Sandbox): {}", server.mtls_base_url());
    println!("    It asks for a client certificate signed by the practice CA, made fresh at each start.");
    println!("    The \"Practice — Client certificate (Sandbox)\" profile gets the current one when Gatepass opens.");
    println!("Demo credentials (names only; the values are listed on the practice page):");
    for credential in practice::demo_credentials() {
        println!("  {:<28} {}", credential.id, credential.label);
    }
    println!("Press Ctrl+C to stop.");
    let _ = std::io::stdout().flush();
    tokio::signal::ctrl_c().await.context("waiting for Ctrl+C")?;
    server.shutdown().await;
    Ok(0)
}

/// A port was taken: when the practice API already runs there (the window serves it), say
/// where and end without error; anything else is another program, said as such.
async fn already_running(host: std::net::IpAddr, port: u16, taken: std::net::SocketAddr) -> anyhow::Result<i32> {
    let Some(about) = practice::find_running(host, port).await else {
        bail!(
            "Another program already uses {taken}, so the practice API cannot start there. Choose other ports with --port, or --port 0 to let Gatepass pick free ones."
        );
    };
    println!("The practice API is already running on this computer, so there is nothing to start.");
    println!("  Sandbox (test):    {}", about.sandbox);
    println!("  Production (live): {}", about.production);
    println!("  Client certificates (Sandbox): {}", about.client_certificates);
    println!("It is probably the one the Gatepass window started; it stops when that window closes.");
    Ok(0)
}
