//! Client certificates (mutual TLS): reading PEM text and the facts a person needs about a
//! certificate — who it names, who issued it, and how long it stays good.
//!
//! Pure functions over text and DER bytes, with the clock passed in, so the 30-day warning is
//! tested by moving an injected clock. Checking that a key belongs to its certificate needs the
//! crypto provider and lives in `infra::tls`.

use rustls_pki_types::pem::{self, PemObject as _};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::OffsetDateTime;

/// Inside this many days of its end date a certificate is "expiring soon".
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// A certificate's state, by what a person does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertState {
    Valid,
    /// Still good, but ends within [`EXPIRY_WARNING_DAYS`].
    ExpiresSoon,
    Expired,
    NotYetValid,
}

impl CertState {
    pub fn label(self) -> &'static str {
        match self {
            CertState::Valid => "Valid",
            CertState::ExpiresSoon => "Expires soon",
            CertState::Expired => "Expired",
            CertState::NotYetValid => "Not valid yet",
        }
    }
}

/// What a certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// Who the certificate names, for example "CN=orders-app, O=Example".
    pub subject: String,
    /// The common name alone, when there is one ("orders-app").
    pub common_name: Option<String>,
    /// Who signed it.
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Whole days until the end date; negative once it has passed.
    pub days_left: i64,
    pub state: CertState,
}

impl CertificateFacts {
    /// One line in plain words: "Valid for 364 more days (until 2027-11-23)".
    pub fn state_words(&self) -> String {
        let until = self.not_after.date();
        match self.state {
            CertState::Valid => format!("Valid for {} more days (until {until})", self.days_left),
            CertState::ExpiresSoon if self.days_left == 0 => format!("Expires today ({until})"),
            CertState::ExpiresSoon => format!(
                "Expires in {} (on {until}). Ask for a new certificate soon",
                plural(self.days_left, "day", "days")
            ),
            CertState::Expired => format!(
                "Expired {} ago (on {until}). Servers will refuse it: ask for a new certificate",
                plural(-self.days_left, "day", "days").replace("0 days", "less than a day")
            ),
            CertState::NotYetValid => {
                format!("Not valid yet: it starts working on {}", self.not_before.date())
            }
        }
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// Why certificate or key text cannot be used, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error(
        "No certificate was found. A certificate in PEM form is text that starts with \"-----BEGIN CERTIFICATE-----\"."
    )]
    NoCertificate,
    #[error(
        "That is a private key, not a certificate. Put the certificate (it starts with \"-----BEGIN CERTIFICATE-----\") here, and the key in the key field."
    )]
    KeyGivenAsCertificate,
    #[error(
        "The {what} text is damaged, so it cannot be read (it is not valid PEM). Copy the whole file again, with its BEGIN and END lines."
    )]
    BadPem { what: &'static str },
    #[error("The certificate could not be read. It may be damaged, or it may not be an X.509 certificate.")]
    Unreadable,
    #[error(
        "No private key was found. A private key in PEM form starts with \"-----BEGIN PRIVATE KEY-----\" (or RSA or EC PRIVATE KEY)."
    )]
    NoKey,
    #[error(
        "The private key is locked with a passphrase, and Gatepass cannot open that kind of file. Unlock it first, for example with `openssl pkey -in key.pem -out key-open.pem`."
    )]
    EncryptedKey,
    #[error("Gatepass cannot use this kind of private key. Use an RSA, EC (P-256 or P-384) or Ed25519 key.")]
    UnsupportedKey,
    #[error(
        "The private key does not belong to this certificate. Choose the key that was made together with the certificate."
    )]
    KeyMismatch,
    #[error(
        "The passphrase does not open this PKCS#12 file. Check it (it is case-sensitive) and try again, or ask whoever made the file."
    )]
    WrongPassphrase,
    #[error(
        "This file is not a PKCS#12 bundle Gatepass can read. A PKCS#12 file usually ends in .p12 or .pfx; it may be damaged, or use an encryption Gatepass does not know."
    )]
    BadPkcs12,
    #[error("The PKCS#12 file holds no private key with a certificate. Ask for a bundle that has both.")]
    EmptyPkcs12,
    #[error(
        "No certificate was found in the CA bundle. It should hold one or more \"-----BEGIN CERTIFICATE-----\" blocks."
    )]
    EmptyCaBundle,
}

/// The certificates in PEM text, first (the client's own) first, as DER.
pub fn parse_certificates(pem_text: &str) -> Result<Vec<CertificateDer<'static>>, CertificateError> {
    let certificates = CertificateDer::pem_slice_iter(pem_text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(&e, "certificate"))?;
    if certificates.is_empty() {
        return Err(if pem_text.contains("PRIVATE KEY-----") {
            CertificateError::KeyGivenAsCertificate
        } else if pem_text.trim().is_empty() || !pem_text.contains("-----BEGIN") {
            CertificateError::NoCertificate
        } else {
            CertificateError::BadPem { what: "certificate" }
        });
    }
    Ok(certificates)
}

/// The private key in PEM text, as DER.
pub fn parse_private_key(pem_text: &str) -> Result<PrivateKeyDer<'static>, CertificateError> {
    if pem_text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || pem_text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(CertificateError::EncryptedKey);
    }
    PrivateKeyDer::from_pem_slice(pem_text.as_bytes()).map_err(|e| match e {
        pem::Error::NoItemsFound if pem_text.contains("-----BEGIN") && !pem_text.contains("PRIVATE KEY") => {
            CertificateError::NoKey
        }
        pem::Error::NoItemsFound if pem_text.contains("PRIVATE KEY-----") => CertificateError::BadPem { what: "key" },
        pem::Error::NoItemsFound => CertificateError::NoKey,
        other => pem_error(&other, "key"),
    })
}

/// The certificates of a CA bundle (servers signed by a private authority).
pub fn parse_ca_bundle(pem_text: &str) -> Result<Vec<CertificateDer<'static>>, CertificateError> {
    match parse_certificates(pem_text) {
        Err(CertificateError::NoCertificate | CertificateError::KeyGivenAsCertificate) => {
            Err(CertificateError::EmptyCaBundle)
        }
        other => other,
    }
}

fn pem_error(error: &pem::Error, what: &'static str) -> CertificateError {
    match error {
        pem::Error::NoItemsFound => CertificateError::NoCertificate,
        _ => CertificateError::BadPem { what },
    }
}

/// DER bytes as PEM text with the given label ("CERTIFICATE", "PRIVATE KEY"), lines of 64
/// characters ending in `\n` (RFC 7468).
pub fn pem_from_der(label: &str, der: &[u8]) -> String {
    let block = ::pem::Pem::new(label, der);
    ::pem::encode_config(&block, ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF))
}

/// The facts of one certificate (DER bytes) at `now`.
pub fn certificate_facts(der: &[u8], now: OffsetDateTime) -> Result<CertificateFacts, CertificateError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|_| CertificateError::Unreadable)?;
    let not_before = cert.validity().not_before.to_datetime();
    let not_after = cert.validity().not_after.to_datetime();
    let common_name = cert.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_owned);
    let days_left = (not_after - now).whole_days();
    let state = if now < not_before {
        CertState::NotYetValid
    } else if now >= not_after {
        CertState::Expired
    } else if not_after - now < time::Duration::days(EXPIRY_WARNING_DAYS) {
        CertState::ExpiresSoon
    } else {
        CertState::Valid
    };
    Ok(CertificateFacts {
        subject: cert.subject().to_string(),
        common_name,
        issuer: cert.issuer().to_string(),
        not_before,
        not_after,
        days_left,
        state,
    })
}

/// The names of the authorities in a CA bundle (their common names, else their subjects).
pub fn ca_bundle_names(pem_text: &str, now: OffsetDateTime) -> Result<Vec<String>, CertificateError> {
    let certificates = parse_ca_bundle(pem_text)?;
    certificates.iter().map(|der| certificate_facts(der, now).map(|f| f.common_name.unwrap_or(f.subject))).collect()
}

/// The facts of the first certificate in PEM text.
pub fn facts_from_pem(pem_text: &str, now: OffsetDateTime) -> Result<CertificateFacts, CertificateError> {
    let certificates = parse_certificates(pem_text)?;
    let first = certificates.first().ok_or(CertificateError::NoCertificate)?;
    certificate_facts(first, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_valid_between(not_before: OffsetDateTime, not_after: OffsetDateTime) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["orders-app".to_owned()]).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, "orders-app");
        params.distinguished_name.push(rcgen::DnType::OrganizationName, "Example");
        params.not_before = not_before;
        params.not_after = not_after;
        (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
    }

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn facts_follow_an_injected_clock() {
        let (pem, _) = cert_valid_between(at("2026-01-01T00:00:00Z"), at("2026-12-31T00:00:00Z"));
        let cases = [
            ("2025-12-31T00:00:00Z", CertState::NotYetValid, 365),
            ("2026-06-01T00:00:00Z", CertState::Valid, 213),
            ("2026-12-01T00:00:01Z", CertState::ExpiresSoon, 29),
            ("2026-12-30T12:00:00Z", CertState::ExpiresSoon, 0),
            ("2027-01-02T00:00:00Z", CertState::Expired, -2),
        ];
        for (now, state, days) in cases {
            let facts = facts_from_pem(&pem, at(now)).unwrap();
            assert_eq!((facts.state, facts.days_left), (state, days), "at {now}");
        }
        let facts = facts_from_pem(&pem, at("2026-12-01T00:00:01Z")).unwrap();
        assert_eq!(facts.subject, "CN=orders-app, O=Example");
        assert_eq!(facts.common_name.as_deref(), Some("orders-app"));
        assert_eq!(facts.state_words(), "Expires in 29 days (on 2026-12-31). Ask for a new certificate soon");
        let expired = facts_from_pem(&pem, at("2027-01-02T00:00:00Z")).unwrap();
        assert_eq!(
            expired.state_words(),
            "Expired 2 days ago (on 2026-12-31). Servers will refuse it: ask for a new certificate"
        );
    }

    #[test]
    fn exactly_thirty_days_left_is_still_valid() {
        let (pem, _) = cert_valid_between(at("2026-01-01T00:00:00Z"), at("2026-12-31T00:00:00Z"));
        let facts = facts_from_pem(&pem, at("2026-12-01T00:00:00Z")).unwrap();
        assert_eq!((facts.state, facts.days_left), (CertState::Valid, 30));
    }

    #[test]
    fn bad_text_gets_a_plain_reason() {
        let (cert, key) = cert_valid_between(at("2026-01-01T00:00:00Z"), at("2026-12-31T00:00:00Z"));
        assert_eq!(parse_certificates(""), Err(CertificateError::NoCertificate));
        assert_eq!(parse_certificates("hello"), Err(CertificateError::NoCertificate));
        assert_eq!(parse_certificates(&key), Err(CertificateError::KeyGivenAsCertificate));
        let damaged = cert.replacen("MI", "M!", 1);
        assert_eq!(parse_certificates(&damaged), Err(CertificateError::BadPem { what: "certificate" }));
        let cut = &cert[..cert.len() / 2];
        assert_eq!(parse_certificates(cut), Err(CertificateError::BadPem { what: "certificate" }));
        assert_eq!(parse_private_key(&cert), Err(CertificateError::NoKey));
        assert_eq!(
            // Only the label matters here: a made-up body, put together at run time.
            parse_private_key(&format!("-----BEGIN {0}-----\nAAAA\n-----END {0}-----\n", "ENCRYPTED PRIVATE KEY")),
            Err(CertificateError::EncryptedKey)
        );
        assert!(parse_private_key(&key).is_ok());
        let garbage = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01]);
        assert_eq!(certificate_facts(&garbage, at("2026-01-01T00:00:00Z")), Err(CertificateError::Unreadable));
        assert_eq!(parse_ca_bundle("nothing here"), Err(CertificateError::EmptyCaBundle));
    }
}
