//! The embedded practice API: a small axum server with two listeners (sandbox and production)
//! that fails authentication the way real APIs do, so users can learn what each failure looks
//! like. It is also the fixture of the integration tests.
//!
//! This module owns the server's life (binding, port fallback, graceful shutdown) and the public
//! types. The demo credentials and token minting live in [`credentials`], the credential checks
//! in `auth`, and the routes in `routes`.

mod auth;
pub mod credentials;
mod keys;
pub mod lab;
pub mod mtls;
mod oauth;
mod routes;
mod sign_in;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use credentials::{
    AUDIENCE, DemoCredential, DemoKind, PublicClient, TokenSpec, demo_credentials, issuer, mint_token, public_client,
};
pub use keys::{service_client_id, service_key_id, service_private_key};
pub use mtls::{PracticePki, SANDBOX_CLIENT_NAME};
pub use sign_in::{PracticeGrant, SignInTimings};

/// One of the two environments the practice API serves, each on its own port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PracticeEnv {
    /// The test environment: keys start with `gp_test_`.
    Sandbox,
    /// The live environment: keys start with `gp_live_`.
    Production,
}

impl PracticeEnv {
    /// Both environments, sandbox first.
    pub const ALL: [PracticeEnv; 2] = [PracticeEnv::Sandbox, PracticeEnv::Production];

    /// The lowercase name used in JSON bodies: `sandbox` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            PracticeEnv::Sandbox => "sandbox",
            PracticeEnv::Production => "production",
        }
    }

    /// The other environment.
    #[must_use]
    pub fn other(self) -> PracticeEnv {
        match self {
            PracticeEnv::Sandbox => PracticeEnv::Production,
            PracticeEnv::Production => PracticeEnv::Sandbox,
        }
    }
}

impl fmt::Display for PracticeEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the practice API listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeConfig {
    /// The address both listeners bind to.
    pub host: IpAddr,
    /// The sandbox port; 0 asks the OS for a free port.
    pub sandbox_port: u16,
    /// The production port; 0 asks the OS for a free port.
    pub production_port: u16,
    /// The sandbox's client-certificate (mutual TLS) port; 0 asks the OS for a free port.
    pub mtls_port: u16,
    /// When a port is taken, use a free port the OS picks instead of failing.
    pub fallback_to_free_port: bool,
    /// Lifetimes and the device polling interval of the sign-in server (small in tests).
    pub sign_in: SignInTimings,
}

impl Default for PracticeConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            sandbox_port: 7410,
            production_port: 7411,
            mtls_port: 7412,
            fallback_to_free_port: true,
            sign_in: SignInTimings::default(),
        }
    }
}

/// What can go wrong when starting the practice API or minting a token.
#[derive(Debug, thiserror::Error)]
pub enum PracticeError {
    /// A listener could not be opened.
    #[error("Could not open the practice API ({env}) on {addr}: {reason}")]
    Bind {
        /// The environment whose listener failed.
        env: PracticeEnv,
        /// The address that was tried.
        addr: SocketAddr,
        /// Plain words for the cause, e.g. "address in use".
        reason: String,
        /// Another program listens there already.
        in_use: bool,
    },
    /// The practice certificates could not be made.
    #[error("Could not make the practice certificates: {0}")]
    Certificate(String),
    /// A token could not be signed.
    #[error("Could not sign the practice token: {0}")]
    Token(String),
}

/// How long `shutdown` waits for in-flight requests before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Where the route that names a running practice API is, on both environments' ports.
pub const ABOUT_PATH: &str = "/.well-known/gatepass-practice";

/// What a running practice API says of itself at [`ABOUT_PATH`]: its addresses. Lets
/// `gatepass practice` tell that the window already serves it, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeAbout {
    /// Always `gatepass-practice`.
    pub service: String,
    /// The Sandbox base URL.
    pub sandbox: String,
    /// The Production base URL.
    pub production: String,
    /// The base URL of the Sandbox's client-certificate port.
    pub client_certificates: String,
}

const ABOUT_SERVICE: &str = "gatepass-practice";

/// Ask whatever listens on `host:port` whether it is a Gatepass practice API; its addresses if
/// it is, `None` for anything else (another program, or nothing answering within two seconds).
pub async fn find_running(host: IpAddr, port: u16) -> Option<PracticeAbout> {
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build().ok()?;
    let url = format!("http://{}{ABOUT_PATH}", SocketAddr::new(host, port));
    let response = client.get(url).send().await.ok()?.error_for_status().ok()?;
    let body = response.bytes().await.ok()?;
    let about: PracticeAbout = serde_json::from_slice(&body).ok()?;
    (about.service == ABOUT_SERVICE).then_some(about)
}

/// A running practice API: two listeners on a tokio runtime. Dropping it stops the listeners.
#[derive(Debug)]
pub struct PracticeServer {
    sandbox_addr: SocketAddr,
    production_addr: SocketAddr,
    mtls_addr: SocketAddr,
    pki: std::sync::Arc<PracticePki>,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
    issued: std::sync::Arc<oauth::Issued>,
}

impl PracticeServer {
    /// Binds both listeners and serves them on the current tokio runtime.
    pub async fn start(config: PracticeConfig) -> Result<PracticeServer, PracticeError> {
        let sandbox =
            bind(PracticeEnv::Sandbox, config.host, config.sandbox_port, config.fallback_to_free_port).await?;
        let production =
            bind(PracticeEnv::Production, config.host, config.production_port, config.fallback_to_free_port).await?;
        let mtls = bind(PracticeEnv::Sandbox, config.host, config.mtls_port, config.fallback_to_free_port).await?;
        let mtls_addr = local_addr(PracticeEnv::Sandbox, &mtls)?;
        let pki = std::sync::Arc::new(
            tokio::task::spawn_blocking(PracticePki::generate)
                .await
                .map_err(|e| PracticeError::Certificate(format!("the certificate task stopped: {e}")))??,
        );
        let sandbox_addr = local_addr(PracticeEnv::Sandbox, &sandbox)?;
        let production_addr = local_addr(PracticeEnv::Production, &production)?;

        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (watch_tx, watch_rx) = tokio::sync::watch::channel(false);
        // One oneshot for the owner; a watch fans it out to both listeners.
        let relay = tokio::spawn(async move {
            // Either an explicit send or the sender being dropped means stop.
            let _ = stop_rx.await;
            let _ = watch_tx.send(true);
        });

        let mut tasks = vec![relay];
        let issued = std::sync::Arc::new(oauth::Issued::default());
        let about = PracticeAbout {
            service: ABOUT_SERVICE.to_owned(),
            sandbox: format!("http://{sandbox_addr}"),
            production: format!("http://{production_addr}"),
            client_certificates: format!("https://{mtls_addr}"),
        };
        for (env, listener, addr) in
            [(PracticeEnv::Sandbox, sandbox, sandbox_addr), (PracticeEnv::Production, production, production_addr)]
        {
            let router = routes::router(env, addr.port())
                .merge(oauth::router(env, issued.clone(), config.sign_in))
                .merge(keys::router(env, addr.port()))
                .route(
                    ABOUT_PATH,
                    axum::routing::get({
                        let about = about.clone();
                        move || async move { axum::Json(about) }
                    }),
                );
            let mut rx = watch_rx.clone();
            tasks.push(tokio::spawn(async move {
                let signal = async move {
                    let _ = rx.wait_for(|stop| *stop).await;
                };
                if let Err(err) = axum::serve(listener, router).with_graceful_shutdown(signal).await {
                    tracing::warn!(%env, %err, "practice API listener stopped with an error");
                }
            }));
            tracing::info!(%env, %addr, "practice API listening");
        }

        tasks.push(tokio::spawn(mtls::serve(mtls, mtls_addr, pki.clone(), watch_rx)));
        tracing::info!(addr = %mtls_addr, "practice API client-certificate port listening");

        Ok(PracticeServer { sandbox_addr, production_addr, mtls_addr, pki, stop: Some(stop_tx), tasks, issued })
    }

    /// The base URL of one environment, without a trailing slash.
    pub fn base_url(&self, env: PracticeEnv) -> String {
        format!("http://{}", self.addr(env))
    }

    /// The address one environment actually listens on (after any port fallback).
    pub fn addr(&self, env: PracticeEnv) -> SocketAddr {
        match env {
            PracticeEnv::Sandbox => self.sandbox_addr,
            PracticeEnv::Production => self.production_addr,
        }
    }

    /// The address of the sandbox's client-certificate (mutual TLS) port.
    pub fn mtls_addr(&self) -> SocketAddr {
        self.mtls_addr
    }

    /// The base URL of the client-certificate port: `https://127.0.0.1:PORT`, no trailing slash.
    pub fn mtls_base_url(&self) -> String {
        format!("https://{}", self.mtls_addr)
    }

    /// The practice certificates made at start: the CA to trust, the sandbox app's certificate.
    pub fn pki(&self) -> &PracticePki {
        &self.pki
    }

    /// How many access tokens one environment's sign-in server (`POST /oauth/token`) has issued.
    pub fn tokens_issued(&self, env: PracticeEnv) -> u64 {
        self.issued.get(env)
    }

    /// How many access tokens one environment's sign-in server has issued with one grant.
    pub fn grants_issued(&self, env: PracticeEnv, grant: PracticeGrant) -> u64 {
        self.issued.by_grant(env, grant)
    }

    /// Stops both listeners and waits (a few seconds at most) for in-flight requests.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for PracticeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn bind(env: PracticeEnv, host: IpAddr, port: u16, fallback: bool) -> Result<TcpListener, PracticeError> {
    let addr = SocketAddr::new(host, port);
    match TcpListener::bind(addr).await {
        Ok(listener) => Ok(listener),
        Err(err) if fallback && port != 0 => {
            tracing::info!(%env, %addr, %err, "practice port taken; using a free port instead");
            let any = SocketAddr::new(host, 0);
            TcpListener::bind(any).await.map_err(|err| bind_error(env, any, &err))
        }
        Err(err) => Err(bind_error(env, addr, &err)),
    }
}

fn local_addr(env: PracticeEnv, listener: &TcpListener) -> Result<SocketAddr, PracticeError> {
    listener.local_addr().map_err(|err| PracticeError::Bind {
        env,
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        reason: err.to_string(),
        in_use: false,
    })
}

fn bind_error(env: PracticeEnv, addr: SocketAddr, err: &std::io::Error) -> PracticeError {
    let reason = match err.kind() {
        std::io::ErrorKind::AddrInUse => "address in use".to_owned(),
        std::io::ErrorKind::AddrNotAvailable => "this computer has no such address".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    };
    let in_use = err.kind() == std::io::ErrorKind::AddrInUse;
    PracticeError::Bind { env, addr, reason, in_use }
}
