//! What a profile adds to the secure connection (TLS): a client certificate with its private key,
//! and extra certificate authorities for servers signed by a private one.
//!
//! Checking that a key belongs to its certificate needs the crypto provider (aws-lc-rs, as
//! everywhere in Gatepass), so it lives here rather than in `core::certificate`.

use crate::core::certificate::{self, CertificateError, CertificateFacts};
use crate::core::secret::Secret;
use tokio_rustls::rustls;
use zeroize::Zeroizing;

/// A profile's TLS additions, with the key read from the keychain. Never persisted or logged.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsExtras {
    /// The client certificate (PEM, chain included) and its private key (PEM).
    pub client: Option<(String, Secret)>,
    /// Extra trusted authorities (PEM).
    pub ca_bundle_pem: Option<String>,
}

impl std::fmt::Debug for TlsExtras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsExtras")
            .field("client_certificate", &self.client.is_some())
            .field("ca_bundle", &self.ca_bundle_pem.is_some())
            .finish()
    }
}

impl TlsExtras {
    pub fn is_empty(&self) -> bool {
        self.client.is_none() && self.ca_bundle_pem.is_none()
    }
}

/// Check a certificate and key before they are kept: both readable, and the key the one that
/// belongs to the certificate. Returns the certificate's facts at `now`.
pub fn check_identity(
    certificate_pem: &str,
    private_key_pem: &Secret,
    now: time::OffsetDateTime,
) -> Result<CertificateFacts, CertificateError> {
    let certificates = certificate::parse_certificates(certificate_pem)?;
    let first = certificates.first().ok_or(CertificateError::NoCertificate)?;
    let facts = certificate::certificate_facts(first, now)?;
    let key = certificate::parse_private_key(private_key_pem.expose())?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let signing_key = provider.key_provider.load_private_key(key).map_err(|_| CertificateError::UnsupportedKey)?;
    match rustls::sign::CertifiedKey::new(certificates, signing_key).keys_match() {
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(CertificateError::KeyMismatch)
        }
        // A key that cannot tell its public half is checked by the handshake instead.
        _ => Ok(facts),
    }
}

/// Add the extras to a client builder.
pub(crate) fn apply(
    mut builder: reqwest::ClientBuilder,
    extras: &TlsExtras,
) -> Result<reqwest::ClientBuilder, CertificateError> {
    if let Some(bundle) = &extras.ca_bundle_pem {
        certificate::parse_ca_bundle(bundle)?;
        let roots = reqwest::Certificate::from_pem_bundle(bundle.as_bytes())
            .map_err(|_| CertificateError::BadPem { what: "CA bundle" })?;
        builder = builder.tls_certs_merge(roots);
    }
    if let Some((certificate_pem, key)) = &extras.client {
        certificate::parse_certificates(certificate_pem)?;
        certificate::parse_private_key(key.expose())?;
        let mut both = Zeroizing::new(Vec::with_capacity(certificate_pem.len() + key.len() + 1));
        both.extend_from_slice(certificate_pem.as_bytes());
        both.push(b'\n');
        both.extend_from_slice(key.expose().as_bytes());
        let identity = reqwest::Identity::from_pem(&both).map_err(|_| CertificateError::UnsupportedKey)?;
        builder = builder.identity(identity);
    }
    Ok(builder)
}
