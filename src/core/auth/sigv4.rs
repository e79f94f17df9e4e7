//! AWS Signature Version 4: each request signed with the profile's secret access key, in the
//! `Authorization` header or as a presigned URL's query parameters.
//!
//! The signing itself is AWS's own (`aws-sigv4` from smithy-rs, the signer of the AWS SDK for
//! Rust): AWS's canonicalisation has many corners (sorted and encoded query, trimmed header
//! values, double-encoded paths except for S3, the payload hash), and it is checked here against
//! AWS's published Signature V4 test suite in `tests/it/sigv4.rs`. This module decides what goes in
//! (the request exactly as it will be sent) and what comes out (headers or query parameters,
//! the secret parts as [`Secret`]s), and checks the profile's region against the address.

use crate::core::profile::{AwsSigV4, SigV4Placement};
use crate::core::secret::Secret;
use std::time::SystemTime;

/// The request parts a signature covers, exactly as they will be sent.
#[derive(Debug, Clone, Copy)]
pub struct SigV4Request<'a> {
    pub method: &'a str,
    /// The full address, query included (already percent-encoded, as it goes on the wire).
    pub url: &'a url::Url,
    /// The headers that will be sent, `Host` aside (it is taken from the address).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// What signing adds to a request.
#[derive(Debug)]
pub struct SigV4Signed {
    /// Headers to add: `X-Amz-Date`, maybe `X-Amz-Content-Sha256` (not secret).
    pub headers: Vec<(String, String)>,
    /// With header signing: the `Authorization` value.
    pub authorization: Option<Secret>,
    /// The session token, sent as `X-Amz-Security-Token` (header or query parameter).
    pub session_token: Option<Secret>,
    /// With a presigned URL: the query parameters to add (not secret), and the signature.
    pub query: Vec<(String, String)>,
    pub signature: Secret,
}

/// The name the session token goes under, header or query parameter.
pub const SESSION_TOKEN_NAME: &str = "X-Amz-Security-Token";
/// The presigned URL's signature parameter.
pub const SIGNATURE_PARAM: &str = "X-Amz-Signature";

/// Why a request cannot be signed, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    #[error(
        "The profile signs for the region {profile_region}, but the address {host} is in {host_region}. AWS would refuse the signature: set the profile's region to {host_region}, or use an address in {profile_region}."
    )]
    RegionMismatch { profile_region: String, host: String, host_region: String },
    #[error("The request could not be signed for AWS: {0}")]
    Signing(String),
}

/// AWS's convention: S3 neither normalises nor double-encodes the path, and wants the payload
/// hash in a header; every other service does the first two and needs no header.
fn settings_for(
    service: &str,
    placement: SigV4Placement,
    expires_secs: u32,
) -> aws_sigv4::http_request::SigningSettings {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, SignatureLocation, SigningSettings, UriPathNormalizationMode,
    };
    let mut settings = SigningSettings::default();
    let s3 = service.eq_ignore_ascii_case("s3");
    settings.percent_encoding_mode = if s3 { PercentEncodingMode::Single } else { PercentEncodingMode::Double };
    settings.uri_path_normalization_mode =
        if s3 { UriPathNormalizationMode::Disabled } else { UriPathNormalizationMode::Enabled };
    if s3 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    if placement == SigV4Placement::Query {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(std::time::Duration::from_secs(u64::from(expires_secs.max(1))));
    }
    settings
}

/// Sign `request` with the profile's settings and keys at `time`.
pub fn sign(
    settings: &AwsSigV4,
    secret_access_key: &Secret,
    session_token: Option<&Secret>,
    request: SigV4Request<'_>,
    time: SystemTime,
) -> Result<SigV4Signed, SigV4Error> {
    check_region(&settings.region, request.url)?;
    sign_with(
        settings,
        secret_access_key,
        session_token,
        request,
        time,
        settings_for(&settings.service, settings.placement, settings.expires_secs),
    )
}

/// Sign with explicit settings (the test suite names its own normalisation).
pub fn sign_with(
    settings: &AwsSigV4,
    secret_access_key: &Secret,
    session_token: Option<&Secret>,
    request: SigV4Request<'_>,
    time: SystemTime,
    signing: aws_sigv4::http_request::SigningSettings,
) -> Result<SigV4Signed, SigV4Error> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, sign};
    let failed = |e: &dyn std::fmt::Display| SigV4Error::Signing(e.to_string());
    let identity = aws_credential_types::Credentials::new(
        settings.access_key_id.trim(),
        secret_access_key.expose(),
        session_token.map(|t| t.expose().to_owned()),
        None,
        "gatepass profile",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(settings.region.trim())
        .name(settings.service.trim())
        .time(time)
        .settings(signing)
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let host = host_header(request.url);
    let headers = std::iter::once(("host", host.as_str())).chain(
        request.headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("host")).map(|(n, v)| (n.as_str(), v.as_str())),
    );
    let signable =
        SignableRequest::new(request.method, request.url.as_str(), headers, SignableBody::Bytes(request.body))
            .map_err(|e| failed(&e))?;
    let (instructions, signature) = sign(signable, &params).map_err(|e| failed(&e))?.into_parts();
    let (added_headers, added_params) = instructions.into_parts();
    let mut out = SigV4Signed {
        headers: Vec::new(),
        authorization: None,
        session_token: None,
        query: Vec::new(),
        signature: Secret::new(signature),
    };
    for header in added_headers {
        if header.name().eq_ignore_ascii_case("authorization") {
            out.authorization = Some(Secret::new(header.value()));
        } else if header.name().eq_ignore_ascii_case(SESSION_TOKEN_NAME) {
            out.session_token = Some(Secret::new(header.value()));
        } else {
            out.headers.push((canonical_case(header.name()), header.value().to_owned()));
        }
    }
    for (name, value) in added_params {
        if name.eq_ignore_ascii_case(SIGNATURE_PARAM) {
            continue;
        }
        if name.eq_ignore_ascii_case(SESSION_TOKEN_NAME) {
            out.session_token = Some(Secret::new(value.into_owned()));
        } else {
            out.query.push((name.to_owned(), value.into_owned()));
        }
    }
    Ok(out)
}

/// `x-amz-date` as people and AWS's documentation write it: `X-Amz-Date`.
fn canonical_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The `Host` header the client will send: the host, and the port when it is not the default.
pub fn host_header(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// The region an AWS address names, when it names one: `s3.eu-west-1.amazonaws.com`,
/// `my-bucket.s3.eu-west-1.amazonaws.com`, `abc.execute-api.us-east-2.amazonaws.com`,
/// `s3-us-west-2.amazonaws.com`, `…amazonaws.com.cn`. Global endpoints (`iam.amazonaws.com`)
/// and other hosts name none.
pub fn region_of_host(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let stem = host.strip_suffix(".amazonaws.com").or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    stem.split('.').rev().find_map(|label| {
        let label = label.strip_prefix("s3-").unwrap_or(label);
        looks_like_region(label).then(|| label.to_owned())
    })
}

/// `us-east-1`, `eu-central-2`, `ap-southeast-4`, `us-gov-west-1`, `cn-north-1`.
fn looks_like_region(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts.last().is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        && parts[1..parts.len() - 1].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

/// Refuse, before anything is sent, an address in another region than the profile signs for.
pub fn check_region(profile_region: &str, url: &url::Url) -> Result<(), SigV4Error> {
    let Some(host) = url.host_str() else { return Ok(()) };
    match region_of_host(host) {
        Some(host_region) if !host_region.eq_ignore_ascii_case(profile_region.trim()) => {
            Err(SigV4Error::RegionMismatch {
                profile_region: profile_region.trim().to_owned(),
                host: host.to_owned(),
                host_region,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_read_from_aws_addresses() {
        for (host, region) in [
            ("s3.eu-west-1.amazonaws.com", Some("eu-west-1")),
            ("my-bucket.s3.eu-west-1.amazonaws.com", Some("eu-west-1")),
            ("abc123.execute-api.us-east-2.amazonaws.com", Some("us-east-2")),
            ("s3-us-west-2.amazonaws.com", Some("us-west-2")),
            ("dynamodb.us-gov-west-1.amazonaws.com", Some("us-gov-west-1")),
            ("s3.cn-north-1.amazonaws.com.cn", Some("cn-north-1")),
            ("iam.amazonaws.com", None),
            ("sts.amazonaws.com", None),
            ("api.example.com", None),
            ("us-east-1.example.com", None),
        ] {
            assert_eq!(region_of_host(host).as_deref(), region, "{host}");
        }
    }

    #[test]
    fn a_region_that_does_not_match_the_host_is_refused_before_sending() {
        let url = url::Url::parse("https://sqs.eu-central-1.amazonaws.com/123/queue").unwrap();
        let error = check_region("us-east-1", &url).unwrap_err();
        assert_eq!(
            error.to_string(),
            "The profile signs for the region us-east-1, but the address sqs.eu-central-1.amazonaws.com is in eu-central-1. AWS would refuse the signature: set the profile's region to eu-central-1, or use an address in us-east-1."
        );
        assert!(check_region("eu-central-1", &url).is_ok());
        assert!(check_region("us-east-1", &url::Url::parse("http://127.0.0.1:9000/").unwrap()).is_ok());
    }

    #[test]
    fn header_names_are_written_as_aws_writes_them() {
        assert_eq!(canonical_case("x-amz-date"), "X-Amz-Date");
        assert_eq!(canonical_case("x-amz-content-sha256"), "X-Amz-Content-Sha256");
    }
}
