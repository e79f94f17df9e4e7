//! Every rule of the profile builder, one named case each, and round trips of each method.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use rstest::rstest;

fn draft(kind: AuthKind) -> ProfileDraft {
    let mut d = ProfileDraft::new(kind);
    d.name = "Shop".into();
    d.base_url = "https://api.example.com".into();
    d.auth.username = "ann".into();
    d.auth.token_url = "https://login.example.com/oauth/token".into();
    d.auth.authorization_url = "https://login.example.com/oauth/authorize".into();
    d.auth.client_id = "app-1".into();
    d
}

#[rstest]
#[case::no_name(AuthKind::None, |d: &mut ProfileDraft| d.name = "  ".into(), ProfileError::NoName)]
#[case::base_url_not_a_url(AuthKind::None, |d: &mut ProfileDraft| d.base_url = "not a url".into(),
    ProfileError::BadUrl { field: UrlField::Base, text: "not a url".into() })]
#[case::base_url_ftp(AuthKind::None, |d: &mut ProfileDraft| d.base_url = "ftp://files.example.com".into(),
    ProfileError::NotHttp { field: UrlField::Base, text: "ftp://files.example.com".into(), scheme: "ftp".into() })]
#[case::base_url_empty(AuthKind::None, |d: &mut ProfileDraft| d.base_url = "https://".into(),
    ProfileError::MissingUrl(UrlField::Base))]
#[case::custom_environment_without_label(AuthKind::None,
    |d: &mut ProfileDraft| d.environment = Environment::Custom { label: " ".into(), color: "#d08a2c".into() },
    ProfileError::NoEnvironmentLabel)]
#[case::allowed_host_with_scheme(AuthKind::None,
    |d: &mut ProfileDraft| d.allowed_hosts = vec!["https://api.example.com".into()],
    ProfileError::BadAllowedHost("https://api.example.com".into()))]
#[case::api_key_without_name(AuthKind::ApiKey, |d: &mut ProfileDraft| d.auth.key_name = " ".into(),
    ProfileError::NoKeyName)]
#[case::api_key_header_with_colon(AuthKind::ApiKey, |d: &mut ProfileDraft| d.auth.key_name = "X-Key:".into(),
    ProfileError::BadHeaderName("X-Key:".into()))]
#[case::basic_username_with_colon(AuthKind::Basic, |d: &mut ProfileDraft| d.auth.username = "ann:x".into(),
    ProfileError::UsernameColon)]
#[case::basic_without_username(AuthKind::Basic, |d: &mut ProfileDraft| d.auth.username = String::new(),
    ProfileError::NoUsername)]
#[case::token_url_missing(AuthKind::OAuthClientCredentials, |d: &mut ProfileDraft| d.auth.token_url = String::new(),
    ProfileError::MissingUrl(UrlField::Token))]
#[case::token_url_without_host(AuthKind::OAuthClientCredentials,
    |d: &mut ProfileDraft| d.auth.token_url = "localhost:8080/oauth/token".into(),
    ProfileError::NoHost { field: UrlField::Token, text: "localhost:8080/oauth/token".into() })]
#[case::token_url_file(AuthKind::OAuthClientCredentials,
    |d: &mut ProfileDraft| d.auth.token_url = "file://login/oauth/token".into(),
    ProfileError::NotHttp { field: UrlField::Token, text: "file://login/oauth/token".into(), scheme: "file".into() })]
#[case::client_id_missing(AuthKind::OAuthClientCredentials, |d: &mut ProfileDraft| d.auth.client_id = " ".into(),
    ProfileError::NoClientId)]
#[case::assertion_with_shared_secret(AuthKind::OAuthClientCredentials,
    |d: &mut ProfileDraft| { d.auth.client_auth = ClientAuth::PrivateKeyJwt; d.auth.alg = SigningAlg::HS256; },
    ProfileError::AssertionNeedsPrivateKey)]
#[case::jwt_lifetime_zero(AuthKind::SignedJwt, |d: &mut ProfileDraft| d.auth.jwt_lifetime = "0".into(),
    ProfileError::BadLifetime("0".into()))]
#[case::jwt_lifetime_words(AuthKind::SignedJwt, |d: &mut ProfileDraft| d.auth.jwt_lifetime = "five".into(),
    ProfileError::BadLifetime("five".into()))]
#[case::jwt_claims_not_an_object(AuthKind::SignedJwt, |d: &mut ProfileDraft| d.auth.jwt_claims = "[1]".into(),
    ProfileError::ExtraClaims(MintError::ExtraClaimsNotObject))]
#[case::sign_in_page_missing(AuthKind::OAuthAuthorizationCode,
    |d: &mut ProfileDraft| d.auth.authorization_url = String::new(), ProfileError::MissingUrl(UrlField::Authorization))]
#[case::device_page_not_a_url(AuthKind::OAuthDevice,
    |d: &mut ProfileDraft| d.auth.authorization_url = "device page".into(),
    ProfileError::BadUrl { field: UrlField::DeviceAuthorization, text: "device page".into() })]
#[case::jwks_url_ftp(AuthKind::None, |d: &mut ProfileDraft| d.jwks_url = "ftp://keys.example.com/jwks".into(),
    ProfileError::NotHttp { field: UrlField::Jwks, text: "ftp://keys.example.com/jwks".into(), scheme: "ftp".into() })]
#[case::introspection_url_bad(AuthKind::None, |d: &mut ProfileDraft| d.introspection_url = "ask me".into(),
    ProfileError::BadUrl { field: UrlField::Introspection, text: "ask me".into() })]
#[case::unnamed_variable(AuthKind::None, |d: &mut ProfileDraft| d.variables = vec![(" ".into(), "v1".into())],
    ProfileError::UnnamedVariable("v1".into()))]
#[case::ca_bundle_without_certificate(AuthKind::None, |d: &mut ProfileDraft| d.ca_bundle_pem = "hello".into(),
    ProfileError::CaBundle(CertificateError::EmptyCaBundle))]
fn each_rule_refuses_with_its_reason(
    #[case] kind: AuthKind,
    #[case] edit: fn(&mut ProfileDraft),
    #[case] expected: ProfileError,
) {
    let mut d = draft(kind);
    assert!(d.build(None).is_ok(), "the starting draft must be valid: {:?}", d.build(None));
    edit(&mut d);
    assert_eq!(d.build(None).unwrap_err(), expected);
}

#[test]
fn messages_name_the_rule_in_plain_words() {
    let ftp = ProfileError::NotHttp { field: UrlField::Base, text: "ftp://x".into(), scheme: "ftp".into() };
    assert_eq!(
        ftp.to_string(),
        "The base URL \"ftp://x\" starts with ftp://. Gatepass sends requests over http:// or https:// only."
    );
    assert_eq!(ftp.field(), DraftField::BaseUrl);
    assert_eq!(
        ProfileError::MissingUrl(UrlField::Token).to_string(),
        "The token URL is missing. It should look like https://login.example.com/oauth/token."
    );
}

#[rstest]
#[case::none(AuthKind::None)]
#[case::api_key(AuthKind::ApiKey)]
#[case::bearer(AuthKind::Bearer)]
#[case::basic(AuthKind::Basic)]
#[case::client_credentials(AuthKind::OAuthClientCredentials)]
#[case::signed_jwt(AuthKind::SignedJwt)]
#[case::authorization_code(AuthKind::OAuthAuthorizationCode)]
#[case::device(AuthKind::OAuthDevice)]
fn a_built_profile_drafts_back_to_itself(#[case] kind: AuthKind) {
    let mut d = draft(kind);
    d.allowed_hosts = vec!["api.example.com, files.example.com:8443".into()];
    d.expected_scopes = vec!["orders:read orders:write".into()];
    d.auth.oauth_scopes = vec!["orders:read".into()];
    d.variables = vec![("shop".into(), "acme".into())];
    let profile = d.build(None).unwrap();
    assert_eq!(profile.allowed_hosts, vec!["api.example.com", "files.example.com:8443"]);
    assert_eq!(profile.expected_scopes, vec!["orders:read", "orders:write"]);
    assert_eq!(profile.auth.kind(), kind);
    let again = ProfileDraft::from_profile(&profile).build(Some(&profile)).unwrap();
    assert_eq!(again, profile);
}

#[test]
fn editing_keeps_what_the_draft_does_not_hold() {
    let mut saved = draft(AuthKind::Bearer).build(None).unwrap();
    saved.practice = Some(super::super::PracticeLink::Sandbox);
    let mut d = ProfileDraft::from_profile(&saved);
    d.name = "Shop 2".into();
    let edited = d.build(Some(&saved)).unwrap();
    assert_eq!(edited.practice, saved.practice);
    assert_eq!(edited.auth, saved.auth);
    assert_eq!(edited.name, "Shop 2");
}
