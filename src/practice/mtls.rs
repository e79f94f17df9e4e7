//! The practice API's client-certificate port: a sandbox listener over TLS that asks every
//! caller for a client certificate (mutual TLS) and answers `GET /v1/me` with who that
//! certificate says the caller is.
//!
//! All certificates are made at start with rcgen, so nothing secret ships with Gatepass: a
//! practice certificate authority (CA), a server certificate for 127.0.0.1 and localhost signed
//! by it, and a client certificate for the sandbox app. The server trusts only client
//! certificates signed by the practice CA; a client trusts the server through the same CA.
//!
//! Handshakes run in their own tasks and finished connections are handed to axum through a
//! small [`Listener`], so one slow or failed handshake never holds up the others.

use super::{PracticeEnv, PracticeError};
use crate::core::certificate;
use crate::core::secret::Secret;
use axum::extract::ConnectInfo;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::serve::{IncomingStream, Listener};
use axum::{Json, Router};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::{TlsAcceptor, rustls};

/// The common name on the sandbox app's client certificate.
pub const SANDBOX_CLIENT_NAME: &str = "practice-sandbox-app";
/// How long a client has to finish the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The practice certificates, made at start.
pub struct PracticePki {
    ca_pem: String,
    ca: rcgen::Issuer<'static, rcgen::KeyPair>,
    server_config: Arc<rustls::ServerConfig>,
    sandbox_client: (String, Secret),
}

impl std::fmt::Debug for PracticePki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PracticePki").finish_non_exhaustive()
    }
}

fn pki_error(e: &impl std::fmt::Display) -> PracticeError {
    PracticeError::Certificate(e.to_string())
}

impl PracticePki {
    /// Make the CA, the server certificate and the sandbox client certificate.
    pub fn generate() -> Result<Self, PracticeError> {
        let ca_key = rcgen::KeyPair::generate().map_err(|e| pki_error(&e))?;
        let mut ca_params = rcgen::CertificateParams::default();
        ca_params.distinguished_name = rcgen::DistinguishedName::new();
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Gatepass Practice CA");
        ca_params.distinguished_name.push(rcgen::DnType::OrganizationName, "Gatepass practice API");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let now = time::OffsetDateTime::now_utc();
        ca_params.not_before = now - time::Duration::days(1);
        ca_params.not_after = now + time::Duration::days(3650);
        let ca_pem = ca_params.self_signed(&ca_key).map_err(|e| pki_error(&e))?.pem();
        let ca = rcgen::Issuer::new(ca_params, ca_key);

        let server_key = rcgen::KeyPair::generate().map_err(|e| pki_error(&e))?;
        let mut server_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(|e| pki_error(&e))?;
        server_params.distinguished_name = rcgen::DistinguishedName::new();
        server_params.distinguished_name.push(rcgen::DnType::CommonName, "Gatepass practice API");
        server_params.not_before = now - time::Duration::days(1);
        server_params.not_after = now + time::Duration::days(3650);
        server_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &ca).map_err(|e| pki_error(&e))?;

        let mut roots = rustls::RootCertStore::empty();
        let ca_der = certificate::parse_certificates(&ca_pem).map_err(|e| pki_error(&e))?;
        roots.add_parsable_certificates(ca_der);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| pki_error(&e))?;
        let key_der = certificate::parse_private_key(&server_key.serialize_pem()).map_err(|e| pki_error(&e))?;
        // TLS 1.2 on this port: a refused client certificate is then refused inside the handshake,
        // so the client always hears why (expired, unknown authority, none sent). Under TLS 1.3
        // the server says so only after the client has finished its handshake, and the client
        // may see just a closed connection; many mTLS gateways still speak 1.2 for that reason.
        let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS12])
            .map_err(|e| pki_error(&e))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![server_cert.der().clone()], key_der)
            .map_err(|e| pki_error(&e))?;
        server_config.alpn_protocols = vec![b"http/1.1".to_vec()];

        let mut pki = Self {
            ca_pem,
            ca,
            server_config: Arc::new(server_config),
            sandbox_client: (String::new(), Secret::new("")),
        };
        pki.sandbox_client = pki.issue_client_certificate(
            SANDBOX_CLIENT_NAME,
            now - time::Duration::days(1),
            now + time::Duration::days(365),
        )?;
        Ok(pki)
    }

    /// The practice CA certificate (PEM): trust it to reach the client-certificate port.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The sandbox app's certificate (PEM) and private key (PEM).
    pub fn sandbox_client(&self) -> (String, Secret) {
        self.sandbox_client.clone()
    }

    /// A client certificate signed by the practice CA, good between the two times (tests use
    /// this for an expired certificate). Returns the certificate (PEM) and its private key (PEM).
    pub fn issue_client_certificate(
        &self,
        common_name: &str,
        not_before: time::OffsetDateTime,
        not_after: time::OffsetDateTime,
    ) -> Result<(String, Secret), PracticeError> {
        let key = rcgen::KeyPair::generate().map_err(|e| pki_error(&e))?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
        params.distinguished_name.push(rcgen::DnType::OrganizationName, "Gatepass practice API");
        params.not_before = not_before;
        params.not_after = not_after;
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.ca).map_err(|e| pki_error(&e))?;
        Ok((cert.pem(), Secret::new(key.serialize_pem())))
    }
}

/// Finished TLS connections, handed to axum one by one.
struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept loop has stopped (shutdown): wait for axum to notice.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The client certificate a connection presented (its first certificate, DER).
#[derive(Debug, Clone)]
struct PeerCertificate(Option<Vec<u8>>);

impl axum::extract::connect_info::Connected<IncomingStream<'_, TlsListener>> for PeerCertificate {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        let (_, connection) = stream.io().get_ref();
        Self(connection.peer_certificates().and_then(|chain| chain.first()).map(|c| c.to_vec()))
    }
}

/// Serve the client-certificate port until `stop` turns true.
pub(super) async fn serve(
    listener: TcpListener,
    local: SocketAddr,
    pki: Arc<PracticePki>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let (ready_tx, ready) = mpsc::channel(64);
    let acceptor = TlsAcceptor::from(pki.server_config.clone());
    let mut accept_stop = stop.clone();
    let accept_loop = async move {
        loop {
            let (tcp, remote) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(err) => {
                        tracing::debug!(%err, "practice mTLS accept failed");
                        continue;
                    }
                },
                _ = accept_stop.wait_for(|stop| *stop) => break,
            };
            let acceptor = acceptor.clone();
            let ready_tx = ready_tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => {
                        let _ = ready_tx.send((tls, remote)).await;
                    }
                    Ok(Err(err)) => tracing::info!(%remote, %err, "practice mTLS handshake refused"),
                    Err(_) => tracing::info!(%remote, "practice mTLS handshake timed out"),
                }
            });
        }
    };
    let app = router().into_make_service_with_connect_info::<PeerCertificate>();
    let signal = async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    let server = axum::serve(TlsListener { ready, local }, app).with_graceful_shutdown(signal);
    let ((), result) = tokio::join!(accept_loop, server);
    if let Err(err) = result {
        tracing::warn!(%err, "practice mTLS listener stopped with an error");
    }
}

fn router() -> Router {
    Router::new().route("/", get(index)).route("/v1/me", get(me))
}

async fn index() -> Html<&'static str> {
    Html(
        "<!doctype html><title>Gatepass practice API: client certificates</title>\
         <h1>Client-certificate port (Sandbox)</h1>\
         <p>This port asks every caller for a client certificate (a file that proves which system is calling), \
         signed by the Gatepass Practice CA. <code>GET /v1/me</code> says who your certificate names.</p>",
    )
}

async fn me(ConnectInfo(peer): ConnectInfo<PeerCertificate>) -> impl IntoResponse {
    let now = time::OffsetDateTime::now_utc();
    let facts = peer.0.as_deref().and_then(|der| certificate::certificate_facts(der, now).ok());
    match facts {
        Some(facts) => Json(json!({
            "environment": PracticeEnv::Sandbox.as_str(),
            "authenticated_with": "client_certificate",
            "client_certificate": {
                "subject": facts.subject,
                "common_name": facts.common_name,
                "issuer": facts.issuer,
                "days_left": facts.days_left,
            },
            "message": format!(
                "The server checked your client certificate. It says you are {}.",
                facts.common_name.as_deref().unwrap_or(&facts.subject)
            ),
        }))
        .into_response(),
        // The handshake demands a certificate, so this only happens if that rule changes.
        None => (
            axum::http::StatusCode::UNAUTHORIZED,
            Json(json!({"error": "no_client_certificate", "message": "No client certificate was presented."})),
        )
            .into_response(),
    }
}
