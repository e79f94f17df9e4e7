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

/// Open a PKCS#12 bundle (.p12/.pfx) with its passphrase and split it into the certificate
/// chain (PEM) and the private key (PEM), which Gatepass then keeps like any other: the
/// certificates in the profile, the key in the keychain. The passphrase is not kept.
pub fn identity_from_pkcs12(bundle: &[u8], passphrase: &Secret) -> Result<(String, Secret), CertificateError> {
    let store =
        p12_keystore::KeyStore::from_pkcs12(bundle, passphrase.expose(), p12_keystore::Pkcs12ImportPolicy::Relaxed)
            .map_err(|e| match e {
                p12_keystore::error::Error::MacError(_) => CertificateError::WrongPassphrase,
                // A wrong passphrase on a bundle without a MAC shows as data that does not decrypt.
                p12_keystore::error::Error::UnpadError | p12_keystore::error::Error::InvalidPrivateKey
                    if !passphrase.is_empty() =>
                {
                    CertificateError::WrongPassphrase
                }
                _ => CertificateError::BadPkcs12,
            })?;
    let (_, chain) = store.private_key_chain().ok_or(CertificateError::EmptyPkcs12)?;
    if chain.certs().is_empty() {
        return Err(CertificateError::EmptyPkcs12);
    }
    let certificates: String =
        chain.certs().iter().map(|c| certificate::pem_from_der("CERTIFICATE", c.as_der())).collect();
    let key = Zeroizing::new(certificate::pem_from_der("PRIVATE KEY", chain.key().as_der()));
    Ok((certificates, Secret::new(key.as_str())))
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
