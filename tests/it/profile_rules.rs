//! The one profile builder, rule by rule through both front ends: `gatepass profile add` (the
//! real binary) and the editor in the real window (egui_kittest). Each must refuse, with the
//! same reason, and save nothing.

use crate::common;

use gatepass::core::profile::AuthKind;
#[cfg(feature = "gui")]
use gatepass::core::profile::{ClientAuth, SigningAlg};
#[cfg(feature = "gui")]
use gatepass::ui::panels::profiles_ui::{EnvKind, ProfileForm};
use rstest::rstest;

const BASE: &str = "https://api.example.com";
const TOKEN: &str = "https://login.example.com/oauth/token";

/// A rule: the `profile add` arguments that break it, the same slip made in the editor's form,
/// and the reason both must give.
struct Rule {
    args: &'static [&'static str],
    kind: AuthKind,
    #[cfg(feature = "gui")]
    edit: Option<fn(&mut ProfileForm)>,
    reason: &'static str,
}

macro_rules! rule {
    ($kind:ident, [$($arg:expr),* $(,)?], $edit:expr, $reason:expr) => {
        Rule {
            args: &[$($arg),*],
            kind: AuthKind::$kind,
            #[cfg(feature = "gui")]
            edit: $edit,
            reason: $reason,
        }
    };
}

#[rstest]
#[case::no_name(rule!(None, [" ", "--base-url", BASE], Some(|f| f.name = " ".into()), "Give the profile a name."))]
#[case::base_url_ftp(rule!(None, ["Shop", "--base-url", "ftp://files.example.com"],
    Some(|f| f.base_url = "ftp://files.example.com".into()),
    "The base URL \"ftp://files.example.com\" starts with ftp://. Gatepass sends requests over http:// or https:// only."))]
#[case::base_url_not_a_url(rule!(None, ["Shop", "--base-url", "not a url"], Some(|f| f.base_url = "not a url".into()),
    "The base URL \"not a url\" is not a valid URL. It should look like https://api.example.com."))]
#[case::custom_environment_without_label(rule!(None, ["Shop", "--environment", " ", "--base-url", BASE],
    Some(|f| { f.env = EnvKind::Custom; f.custom_label = " ".into(); }),
    "Give the custom environment a label, such as Staging."))]
#[case::allowed_host_with_scheme(rule!(None, ["Shop", "--base-url", BASE, "--allowed-host", "https://api.example.com"],
    Some(|f| f.allowed_hosts = "https://api.example.com".into()),
    "The allowed host \"https://api.example.com\" should be a host name such as api.example.com (or api.example.com:8443), without https:// or a path."))]
#[case::api_key_without_name(rule!(ApiKey, ["Shop", "--base-url", BASE, "--auth", "api-key", "--key-name", " "],
    Some(|f| f.key_name = " ".into()), "Say which header or query parameter carries the API key."))]
#[case::api_key_header_with_colon(rule!(ApiKey, ["Shop", "--base-url", BASE, "--auth", "api-key", "--key-name", "X-Key:"],
    Some(|f| f.key_name = "X-Key:".into()), "The header name \"X-Key:\" cannot hold spaces, colons or line breaks."))]
#[case::basic_username_with_colon(rule!(Basic, ["Shop", "--base-url", BASE, "--auth", "basic", "--username", "ann:x"],
    Some(|f| f.username = "ann:x".into()), "A Basic username cannot contain a colon (:)."))]
#[case::basic_without_username(rule!(Basic, ["Shop", "--base-url", BASE, "--auth", "basic"],
    Some(|f| f.username = String::new()), "Give the username."))]
#[case::digest_without_username(rule!(Digest, ["Shop", "--base-url", BASE, "--auth", "digest"],
    Some(|f| f.username = " ".into()), "Give the username."))]
#[case::digest_username_with_a_line_break(rule!(Digest, ["Shop", "--base-url", BASE, "--auth", "digest", "--username", "ann\tx"],
    Some(|f| f.username = "ann\tx".into()), "The username cannot hold a line break or other control character."))]
#[case::aws_without_access_key_id(rule!(AwsSigV4, ["Shop", "--base-url", BASE, "--auth", "aws-sigv4", "--region", "us-east-1", "--service", "s3"],
    Some(|f| { f.aws_region = "us-east-1".into(); f.aws_service = "s3".into(); }),
    "Give the AWS access key ID (it starts with AKIA or ASIA, and is in the IAM console)."))]
#[case::aws_region_not_a_region(rule!(AwsSigV4, ["Shop", "--base-url", BASE, "--auth", "aws-sigv4", "--access-key-id", "GPKEY1", "--region", "Ireland", "--service", "s3"],
    Some(|f| { f.aws_access_key_id = "GPKEY1".into(); f.aws_region = "Ireland".into(); f.aws_service = "s3".into(); }),
    "The region \"Ireland\" does not look like an AWS region, such as us-east-1 or eu-west-2."))]
#[case::aws_without_service(rule!(AwsSigV4, ["Shop", "--base-url", BASE, "--auth", "aws-sigv4", "--access-key-id", "GPKEY1", "--region", "us-east-1"],
    Some(|f| { f.aws_access_key_id = "GPKEY1".into(); f.aws_region = "us-east-1".into(); }),
    "Give the AWS service the requests are signed for, such as s3, execute-api or sqs."))]
#[case::aws_presigned_for_too_long(rule!(AwsSigV4, ["Shop", "--base-url", BASE, "--auth", "aws-sigv4", "--access-key-id", "GPKEY1", "--region", "us-east-1", "--service", "s3", "--presign", "--expires", "0"],
    Some(|f| { f.aws_access_key_id = "GPKEY1".into(); f.aws_region = "us-east-1".into(); f.aws_service = "s3".into(); f.aws_placement = gatepass::core::profile::SigV4Placement::Query; f.aws_expires = "0".into(); }),
    "Say how long a presigned URL stays good, in whole seconds from 1 to 604800 (7 days)."))]
#[case::oauth1_without_consumer_key(rule!(OAuth1, ["Shop", "--base-url", BASE, "--auth", "oauth1"],
    Some(|f| f.oauth1_consumer_key = " ".into()),
    "Give the OAuth 1 consumer key (the API's app settings name it consumer key or client key)."))]
#[case::token_url_missing(rule!(OAuthClientCredentials,
    ["Shop", "--base-url", BASE, "--auth", "oauth-client-credentials", "--client-id", "app-1"],
    Some(|f| f.token_url = "https://".into()),
    "The token URL is missing. It should look like https://login.example.com/oauth/token."))]
#[case::token_url_without_host(rule!(OAuthClientCredentials,
    ["Shop", "--base-url", BASE, "--auth", "oauth-client-credentials", "--token-url", "localhost:8080/oauth/token", "--client-id", "app-1"],
    Some(|f| f.token_url = "localhost:8080/oauth/token".into()),
    "The token URL \"localhost:8080/oauth/token\" has no host name. It should look like https://login.example.com/oauth/token."))]
#[case::client_id_missing(rule!(OAuthClientCredentials,
    ["Shop", "--base-url", BASE, "--auth", "oauth-client-credentials", "--token-url", TOKEN],
    Some(|f| f.client_id = String::new()),
    "The client ID is missing. It is in the app's settings on the sign-in server."))]
// The editor offers only private-key algorithms once "signed assertion" is picked.
#[case::assertion_with_a_shared_secret(rule!(OAuthClientCredentials,
    ["Shop", "--base-url", BASE, "--auth", "oauth-client-credentials", "--token-url", TOKEN, "--client-id", "app-1", "--client-auth", "private-key-jwt", "--alg", "HS256"],
    None, "A signed assertion uses a private key: choose RS256, PS256, ES256 or EdDSA."))]
#[case::jwt_lifetime_zero(rule!(SignedJwt, ["Shop", "--base-url", BASE, "--auth", "signed-jwt", "--lifetime", "0"],
    Some(|f| f.jwt_lifetime = "0".into()),
    "Say how long each token is good for, in whole seconds of at least 1 (for example 300)."))]
#[case::jwt_lifetime_in_words(rule!(SignedJwt, ["Shop", "--base-url", BASE, "--auth", "signed-jwt", "--lifetime", "five"],
    Some(|f| f.jwt_lifetime = "five".into()),
    "Say how long each token is good for, in whole seconds of at least 1 (for example 300)."))]
#[case::jwt_claims_not_an_object(rule!(SignedJwt, ["Shop", "--base-url", BASE, "--auth", "signed-jwt", "--claims", "[1]"],
    Some(|f| f.jwt_claims = "[1]".into()), "The extra claims must be a JSON object, like {\"tenant\": \"acme\"}."))]
#[case::sign_in_page_missing(rule!(OAuthAuthorizationCode,
    ["Shop", "--base-url", BASE, "--auth", "oauth-authorization-code", "--token-url", TOKEN, "--client-id", "app-1"],
    Some(|f| f.authorization_url = String::new()),
    "The sign-in page URL is missing. It should look like https://login.example.com/oauth/authorize."))]
#[case::device_page_not_a_url(rule!(OAuthDevice,
    ["Shop", "--base-url", BASE, "--auth", "oauth-device", "--device-authorization-url", "device page", "--token-url", TOKEN, "--client-id", "app-1"],
    Some(|f| f.authorization_url = "device page".into()),
    "The device authorization URL \"device page\" is not a valid URL. It should look like https://login.example.com/oauth/device_authorization."))]
#[case::jwks_url_ftp(rule!(None, ["Shop", "--base-url", BASE, "--jwks-url", "ftp://keys.example.com/jwks"],
    Some(|f| f.jwks_url = "ftp://keys.example.com/jwks".into()),
    "The key set (JWKS) address \"ftp://keys.example.com/jwks\" starts with ftp://. Gatepass sends requests over http:// or https:// only."))]
#[case::introspection_url_not_a_url(rule!(None, ["Shop", "--base-url", BASE, "--introspection-url", "ask me"],
    Some(|f| f.introspection_url = "ask me".into()),
    "The introspection address \"ask me\" is not a valid URL. It should look like https://login.example.com/oauth/introspect."))]
#[case::unnamed_variable(rule!(None, ["Shop", "--base-url", BASE, "--var", "=v1"],
    Some(|f| f.variables = vec![(String::new(), "v1".into())]), "A variable needs a name (its value is \"v1\")."))]
#[case::ca_bundle_without_a_certificate(rule!(None, ["Shop", "--base-url", BASE, "--ca-bundle", "{ca_file}"],
    Some(|f| f.cert.ca_pem = "hello".into()),
    "No certificate was found in the CA bundle. It should hold one or more \"-----BEGIN CERTIFICATE-----\" blocks."))]
fn the_cli_and_the_editor_refuse_with_the_same_reason(#[case] rule: Rule) {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, "hello").unwrap();
    let ca_file = ca_file.display().to_string();
    let mut args = vec!["profile", "add"];
    args.extend(rule.args.iter().map(|a| if *a == "{ca_file}" { ca_file.as_str() } else { a }));
    let out = common::run_gatepass(dir.path(), &args, Some("a-secret\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with(rule.reason), "the CLI said: {stderr}\nexpected: {}", rule.reason);
    assert!(stderr.contains("(Set it with "), "the CLI does not name its flag: {stderr}");
    assert!(!dir.path().join("profiles.toml").exists(), "the CLI saved a refused profile");

    #[cfg(feature = "gui")]
    if let Some(edit) = rule.edit {
        editor::refuses(rule.kind, edit, rule.reason);
    }
    #[cfg(not(feature = "gui"))]
    let _ = rule.kind;
}

/// A profile that keeps every rule is accepted by the CLI (the editor's side is the unit test
/// of the form's round trip).
#[test]
fn the_cli_accepts_a_profile_that_keeps_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["profile", "add", "Plain", "--base-url", BASE, "--allowed-host", "api.example.com:443", "--var", "a=1"];
    let out = common::run_gatepass(dir.path(), &args, None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("profiles.toml").exists());
}

#[cfg(feature = "gui")]
mod editor {
    use super::{AuthKind, BASE, ClientAuth, ProfileForm, SigningAlg, TOKEN};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;
    use gatepass::practice::PracticeConfig;
    use gatepass::ui::app::{GatepassApp, StartOptions};

    /// Open the editor on a new profile with the slip made, press "Create profile", and read
    /// the reason on screen.
    pub fn refuses(kind: AuthKind, edit: fn(&mut ProfileForm), reason: &str) {
        let rt = crate::common::runtime();
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::common::workspace(dir.path());
        let options = StartOptions {
            practice: PracticeConfig { sandbox_port: 0, production_port: 0, mtls_port: 0, ..PracticeConfig::default() },
            session_memory: true,
            ..StartOptions::default()
        };
        let app = GatepassApp::new(&egui::Context::default(), Ok(ws), rt.handle().clone(), options);
        // Tall enough that "Create profile" is in view for the longest form.
        let mut harness = Harness::builder().with_size(egui::vec2(1280.0, 1600.0)).build_ui_state(
            |ui, app: &mut GatepassApp| {
                app.logic(&ui.ctx().clone());
                app.draw(ui);
            },
            app,
        );
        crate::common::ui::wait_for(&mut harness, "the sample profiles", |h| {
            h.state().profiles().len() == gatepass::workspace::SAMPLE_PROFILE_COUNT
        });
        let mut form = ProfileForm::blank();
        form.name = "Shop".into();
        form.base_url = BASE.into();
        form.auth = kind;
        form.username = "ann".into();
        form.token_url = TOKEN.into();
        form.authorization_url = "https://login.example.com/oauth/authorize".into();
        form.client_id = "app-1".into();
        form.client_auth = ClientAuth::BasicHeader;
        form.jwt_alg = SigningAlg::HS256;
        *form.new_secret = "a-secret".into();
        edit(&mut form);
        harness.get_by_label("Profiles…").click();
        harness.run_steps(3);
        harness.get_by_label("New profile").click();
        harness.run_steps(2);
        harness.state_mut().editor_mut().unwrap().form = Some(form);
        // A new window sizes itself over a few frames: click where the button has settled.
        harness.run_steps(8);
        harness.get_by_label("Create profile").click();
        harness.run_steps(2);
        assert!(
            harness.query_all_by_label(reason).next().is_some(),
            "the editor does not show \"{reason}\"; it shows {:?}",
            harness.state().editor().and_then(|e| e.status.clone())
        );
        assert_eq!(harness.state().profiles().len(), gatepass::workspace::SAMPLE_PROFILE_COUNT, "the editor saved it");
    }
}
