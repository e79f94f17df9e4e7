//! `gatepass practice`: the embedded practice API in the foreground.

use crate::practice::{self, PracticeConfig, PracticeEnv, PracticeServer};
use anyhow::Context as _;
use std::io::Write as _;

pub async fn run(port: u16) -> anyhow::Result<i32> {
    let config = PracticeConfig {
        sandbox_port: port,
        production_port: if port == 0 { 0 } else { port.saturating_add(1) },
        mtls_port: if port == 0 { 0 } else { port.saturating_add(2) },
        fallback_to_free_port: false,
        ..PracticeConfig::default()
    };
    let server = PracticeServer::start(config).await?;
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
