//! OAuth 1.0a request signing (RFC 5849 §3): the consumer key and the token sign each request
//! with HMAC-SHA1, HMAC-SHA256 or PLAINTEXT, the protocol parameters sent in the
//! `Authorization` header, the query string or a form body; or with RSA-SHA1, the consumer's
//! RSA private key signs alone (§3.4.3).
//!
//! ```text
//! method, address, form body ─┐
//! oauth_* (key, token, nonce, timestamp, method, version) ─┴─> signature base string (§3.4.1)
//!   ── HMAC(consumer secret & token secret) ──> oauth_signature ──> header | query | body
//! ```
//!
//! The arithmetic is RFC 5849's; HMAC is aws-lc-rs's; RSA-SHA1 (PKCS #1 v1.5 over SHA-1) is the
//! `rsa` crate's, since aws-lc-rs signs nothing with SHA-1 any more. It is checked against the
//! RFC's own example below and against Python's `oauthlib` as the server in `tests/it/oauth1.rs`.

use crate::core::profile::{OAuth1, OAuth1Method, OAuth1Placement};
use crate::core::secret::Secret;
use base64::Engine as _;

/// The request parts a signature covers, as they will be sent.
#[derive(Debug, Clone, Copy)]
pub struct OAuth1Request<'a> {
    pub method: &'a str,
    pub url: &'a url::Url,
    /// The body, when it is a single-part form (`application/x-www-form-urlencoded`): its
    /// fields are signed too (§3.4.1.3.1). Any other body is not.
    pub form_body: Option<&'a [u8]>,
}

/// The protocol parameters of one signed request, `oauth_signature` apart.
#[derive(Debug)]
pub struct OAuth1Signed {
    /// `oauth_consumer_key`, `oauth_token`, `oauth_nonce`, … (not secret).
    pub params: Vec<(String, String)>,
    /// `oauth_signature`.
    pub signature: Secret,
    /// With header placement: the whole `Authorization` value.
    pub authorization: Option<Secret>,
}

/// Why a request cannot be signed, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuth1Error {
    #[error(
        "RSA-SHA1 signs with the consumer's RSA private key, and the key given is not one (an RSA private key in PEM, PKCS #1 or PKCS #8). Paste the private key whose public key the API has."
    )]
    NotAnRsaKey,
    #[error("The RSA-SHA1 signature could not be made: {0}")]
    RsaSign(String),
    #[error(
        "This profile sends its OAuth 1 parameters in the body, which needs a form body (application/x-www-form-urlencoded). Choose a form body for this request, or send the parameters in the header."
    )]
    BodyNeedsForm,
}

/// RFC 5849 §3.6: percent-encode everything but the unreserved characters.
pub fn encode(text: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(text, KEEP).to_string()
}

/// §3.4.1.2: scheme and host in lower case, the port only when it is not the default, the path.
fn base_uri(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("{}://{host}{port}{}", url.scheme().to_ascii_lowercase(), url.path())
}

/// §3.4.1: the signature base string.
pub fn base_string(request: OAuth1Request<'_>, oauth_params: &[(String, String)]) -> String {
    let mut params: Vec<(String, String)> = request.url.query_pairs().map(|(n, v)| (encode(&n), encode(&v))).collect();
    if let Some(body) = request.form_body {
        params.extend(url::form_urlencoded::parse(body).map(|(n, v)| (encode(&n), encode(&v))));
    }
    params.extend(
        oauth_params
            .iter()
            .filter(|(n, _)| n != "realm" && n != "oauth_signature")
            .map(|(n, v)| (encode(n), encode(v))),
    );
    params.sort();
    let normalized = params.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("&");
    format!("{}&{}&{}", request.method.to_ascii_uppercase(), encode(&base_uri(request.url)), encode(&normalized))
}

fn hmac(algorithm: aws_lc_rs::hmac::Algorithm, key: &str, text: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(algorithm, key.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(aws_lc_rs::hmac::sign(&key, text.as_bytes()).as_ref())
}

/// The signature over `base` (§3.4.2–3.4.4). With RSA-SHA1 the consumer secret is the RSA
/// private key (PEM) and the token secret is not used.
pub fn signature(
    method: OAuth1Method,
    consumer_secret: &Secret,
    token_secret: Option<&Secret>,
    base: &str,
) -> Result<Secret, OAuth1Error> {
    if method == OAuth1Method::RsaSha1 {
        return rsa_sha1(consumer_secret, base).map(Secret::new);
    }
    let key = zeroize::Zeroizing::new(format!(
        "{}&{}",
        encode(consumer_secret.expose()),
        token_secret.map(|t| encode(t.expose())).unwrap_or_default()
    ));
    Ok(Secret::new(match method {
        OAuth1Method::HmacSha256 => hmac(aws_lc_rs::hmac::HMAC_SHA256, &key, base),
        OAuth1Method::Plaintext => key.as_str().to_owned(),
        OAuth1Method::HmacSha1 | OAuth1Method::RsaSha1 => {
            hmac(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key, base)
        }
    }))
}

/// The DER `DigestInfo` prefix of a SHA-1 digest (RFC 8017 §9.2, note 1): PKCS #1 v1.5 signs
/// it followed by the digest.
const SHA1_PREFIX: [u8; 15] =
    [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14];

/// The consumer's RSA private key for RSA-SHA1, read as it will be when signing (PKCS #8 or
/// PKCS #1 PEM): checked when it is given, so a wrong paste is named before anything is sent.
pub fn check_rsa_key(private_key_pem: &Secret) -> Result<(), OAuth1Error> {
    rsa_key(private_key_pem).map(drop)
}

fn rsa_key(private_key_pem: &Secret) -> Result<rsa::RsaPrivateKey, OAuth1Error> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    let pem = private_key_pem.expose().trim();
    rsa::RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|_| OAuth1Error::NotAnRsaKey)
}

/// §3.4.3: RSASSA-PKCS1-v1_5 with SHA-1 over the base string, base64.
fn rsa_sha1(private_key_pem: &Secret, base: &str) -> Result<String, OAuth1Error> {
    let key = rsa_key(private_key_pem)?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, base.as_bytes());
    let scheme = rsa::Pkcs1v15Sign { hash_len: Some(20), prefix: Box::new(SHA1_PREFIX) };
    let signature = key.sign(scheme, digest.as_ref()).map_err(|e| OAuth1Error::RsaSign(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(signature))
}

/// A fresh nonce: 128 random bits as hex.
pub fn fresh_nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Sign `request` with the profile's keys, at `timestamp` (unix seconds) with `nonce`.
pub fn sign(
    settings: &OAuth1,
    consumer_secret: &Secret,
    token_secret: Option<&Secret>,
    request: OAuth1Request<'_>,
    timestamp: i64,
    nonce: &str,
) -> Result<OAuth1Signed, OAuth1Error> {
    if settings.placement == OAuth1Placement::Body && request.form_body.is_none() {
        return Err(OAuth1Error::BodyNeedsForm);
    }
    let mut params = vec![("oauth_consumer_key".to_owned(), settings.consumer_key.clone())];
    if !settings.token.is_empty() {
        params.push(("oauth_token".to_owned(), settings.token.clone()));
    }
    params.extend([
        ("oauth_signature_method".to_owned(), settings.method.name().to_owned()),
        ("oauth_timestamp".to_owned(), timestamp.to_string()),
        ("oauth_nonce".to_owned(), nonce.to_owned()),
        ("oauth_version".to_owned(), "1.0".to_owned()),
    ]);
    let base = base_string(request, &params);
    let signature = signature(settings.method, consumer_secret, token_secret, &base)?;
    let authorization = (settings.placement == OAuth1Placement::Header).then(|| {
        let mut parts = Vec::new();
        if let Some(realm) = settings.realm.as_deref().filter(|r| !r.is_empty()) {
            parts.push(format!("realm=\"{}\"", realm.replace('\\', "\\\\").replace('"', "\\\"")));
        }
        parts.extend(params.iter().map(|(n, v)| format!("{n}=\"{}\"", encode(v))));
        parts.push(format!("oauth_signature=\"{}\"", encode(signature.expose())));
        Secret::new(format!("OAuth {}", parts.join(", ")))
    });
    Ok(OAuth1Signed { params, signature, authorization })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_5849_example_base_string_and_signature() {
        // RFC 5849 §3.4.1.1 and §3.4.2 (errata 2550 corrects the signature to r6/TJjbCOr97/+UU0NsvSne7s5g=).
        let url = url::Url::parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
        let params: Vec<(String, String)> = [
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
        ]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
        let base = base_string(OAuth1Request { method: "POST", url: &url, form_body: Some(b"c2&a3=2+q") }, &params);
        assert_eq!(
            base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
        let sig =
            signature(OAuth1Method::HmacSha1, &Secret::new("j49sk3j29djd"), Some(&Secret::new("dh893hdasih9")), &base)
                .unwrap();
        assert_eq!(sig.expose(), "r6/TJjbCOr97/+UU0NsvSne7s5g=");
    }

    #[test]
    fn plaintext_is_the_encoded_secrets() {
        let sig = signature(OAuth1Method::Plaintext, &Secret::new("a b"), None, "ignored").unwrap();
        assert_eq!(sig.expose(), "a%20b&");
        assert_eq!(
            signature(OAuth1Method::RsaSha1, &Secret::new("not a key"), None, "x").unwrap_err(),
            OAuth1Error::NotAnRsaKey
        );
    }

    #[test]
    fn the_port_is_kept_only_when_it_is_not_the_default() {
        assert_eq!(base_uri(&url::Url::parse("HTTP://Example.COM:80/r").unwrap()), "http://example.com/r");
        assert_eq!(
            base_uri(&url::Url::parse("https://www.example.net:8080/?q=1").unwrap()),
            "https://www.example.net:8080/"
        );
    }
}
