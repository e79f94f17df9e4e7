//! Signed JWTs end to end: Gatepass makes and signs a token for each request (the sample
//! "Signed JWT" profile against the practice API, through the library and the binary), proves an
//! OAuth client with a `private_key_jwt` assertion, and checks the practice sign-in server's
//! tokens against its published key set (JWKS). Tokens Gatepass signs with keys made by Python's
//! `cryptography` are verified by `PyJWT`, an implementation nobody here wrote. A canary key
//! appears in no file and no output.

use crate::common;

use gatepass::core::profile::{
    AssertionKey, AuthMethod, ClientAuth, ClientCredentials, Environment, Profile, SignedJwt, SigningAlg,
};
use gatepass::core::request::RequestDraft;
use gatepass::core::secret::Secret;
use gatepass::core::token::mint::{MintError, ed25519_pem_from_seed, mint};
use gatepass::practice::{self, PracticeEnv};
use gatepass::workspace::{TokenPolicy, Workspace, WorkspaceError};
use std::sync::Arc;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Send GET `path` with `profile`; the status and the response body.
fn send(
    rt: &tokio::runtime::Runtime,
    ws: &Arc<Workspace>,
    profile: &Profile,
    path: &str,
) -> Result<(u16, String), WorkspaceError> {
    Ok(common::response_of(common::send_draft(rt, ws, &profile.id, RequestDraft::get(path))?))
}

fn service_settings(profile: &Profile) -> SignedJwt {
    let mut settings = SignedJwt::new(&profile.id);
    settings.algorithm = SigningAlg::EdDSA;
    settings.key_id = Some(practice::service_key_id(PracticeEnv::Sandbox).to_owned());
    practice::service_client_id(PracticeEnv::Sandbox).clone_into(&mut settings.issuer);
    settings.subject = settings.issuer.clone();
    practice::AUDIENCE.clone_into(&mut settings.audience);
    settings.scopes = vec!["orders:read".into()];
    settings
}

#[test]
fn the_sample_signed_jwt_profile_signs_each_request_and_the_api_accepts_it() {
    let (rt, server, _dir, ws) = common::sample_workspace();
    let profile = ws.profile_named(gatepass::workspace::SIGNED_JWT_NAME).unwrap();
    let AuthMethod::SignedJwt(settings) = &profile.auth else { panic!("{:?}", profile.auth) };
    assert_eq!(settings.algorithm, SigningAlg::EdDSA);

    let (status, body) = send(&rt, &ws, &profile, "/v1/me").unwrap();
    assert_eq!(status, 200, "{body}");
    let me: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(me["authenticated_as"], "gp-sandbox-service");
    assert_eq!(me["scopes"], serde_json::json!(["orders:read", "orders:write", "profile:read"]));

    // Each request gets its own token; the one the inspector sees is fresh and good for 5 minutes.
    let a = ws.profile_token(&profile.id).unwrap().unwrap();
    let b = ws.profile_token(&profile.id).unwrap().unwrap();
    assert_ne!(a.expose(), b.expose());
    let gatepass::core::token::TokenKind::Jwt(jwt) = gatepass::core::token::read_token(a.expose()).unwrap() else {
        panic!("not a JWT")
    };
    let lifetime = jwt.expires_at.unwrap() - jwt.issued_at.unwrap();
    assert_eq!(lifetime, time::Duration::seconds(300));

    // The same token at the production API: the key is the sandbox's, and the API says so.
    let mut at_production = profile.clone();
    at_production.base_url = server.base_url(PracticeEnv::Production);
    at_production.allowed_hosts = vec![];
    ws.save_profile(&at_production, None).unwrap();
    let (status, body) = send(&rt, &ws, &at_production, "/v1/me").unwrap();
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("signed by the sandbox environment"), "{body}");
}

#[test]
fn a_wrong_key_or_a_broken_template_is_refused_with_a_plain_reason() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let mut profile = Profile::new("Svc", Environment::Sandbox, server.base_url(PracticeEnv::Sandbox));
    profile.auth = AuthMethod::SignedJwt(service_settings(&profile));
    // A key the API does not know: the signature fails.
    ws.save_profile(&profile, Some(&ed25519_pem_from_seed(&[42; 32]))).unwrap();
    let (status, body) = send(&rt, &ws, &profile, "/v1/me").unwrap();
    assert_eq!(status, 401);
    assert!(body.contains("signature is invalid"), "{body}");

    // The right key with the wrong algorithm chosen: nothing is sent, and the reason is named.
    let mut settings = service_settings(&profile);
    settings.algorithm = SigningAlg::ES256;
    profile.auth = AuthMethod::SignedJwt(settings);
    ws.save_profile(&profile, Some(&practice::service_private_key(PracticeEnv::Sandbox))).unwrap();
    let err = send(&rt, &ws, &profile, "/v1/me").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ES256 needs an EC P-256 private key (PEM), but the stored key is an Ed25519 key. Pick the algorithm that matches the key, or store the right key."
    );
    assert!(matches!(err, WorkspaceError::Mint(MintError::WrongKeyType { .. })));
}

#[test]
fn private_key_jwt_gets_a_token_that_verifies_against_the_published_key_set() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let base = server.base_url(PracticeEnv::Sandbox);
    let mut profile = Profile::new("Signer", Environment::Sandbox, &base);
    let mut settings = ClientCredentials::new(&profile.id);
    settings.token_url = format!("{base}/oauth/token");
    settings.client_id = practice::service_client_id(PracticeEnv::Sandbox).to_owned();
    settings.client_auth = ClientAuth::PrivateKeyJwt;
    settings.assertion = Some(AssertionKey {
        algorithm: SigningAlg::EdDSA,
        key_id: Some(practice::service_key_id(PracticeEnv::Sandbox).to_owned()),
    });
    settings.scopes = vec!["orders:read".into()];
    profile.auth = AuthMethod::OAuthClientCredentials(settings.clone());
    ws.save_profile(&profile, Some(&practice::service_private_key(PracticeEnv::Sandbox))).unwrap();

    let (token, info) = rt.block_on(ws.access_token(&profile.id, TokenPolicy::GetNew)).unwrap();
    assert_eq!(info.scopes, ["orders:read"]);
    assert_eq!(server.tokens_issued(PracticeEnv::Sandbox), 1);
    let (status, body) = send(&rt, &ws, &profile, "/v1/orders").unwrap();
    assert_eq!(status, 200, "{body}");

    // The sign-in server signs with EdDSA and publishes the key: the inspector's key-set check holds.
    let gatepass::core::token::TokenKind::Jwt(jwt) = gatepass::core::token::read_token(token.expose()).unwrap() else {
        panic!("not a JWT")
    };
    assert_eq!(jwt.algorithm.as_deref(), Some("EdDSA"));
    let check =
        rt.block_on(ws.check_signature(&jwt, gatepass::workspace::KeySource::KeySetUrl(format!("{base}/oauth/jwks"))));
    assert_eq!(check.label(), "Signature verified", "{}", check.detail());
    // The production key set does not hold the sandbox key.
    let other = server.base_url(PracticeEnv::Production);
    let check =
        rt.block_on(ws.check_signature(&jwt, gatepass::workspace::KeySource::KeySetUrl(format!("{other}/oauth/jwks"))));
    assert_ne!(check.label(), "Signature verified");

    // A key the sign-in server does not know: invalid_client, in plain words.
    let mut wrong = profile.clone();
    wrong.id = gatepass::core::profile::ProfileId::random();
    wrong.name = "Signer, wrong key".into();
    wrong.auth = AuthMethod::OAuthClientCredentials(settings.with_slots_of(&wrong.id));
    ws.save_profile(&wrong, Some(&ed25519_pem_from_seed(&[1; 32]))).unwrap();
    let err = rt.block_on(ws.access_token(&wrong.id, TokenPolicy::GetNew)).unwrap_err().to_string();
    assert!(err.starts_with("The sign-in server did not accept the client ID or secret."), "{err}");
    assert!(err.contains("signature does not match the service account's key"), "{err}");
}

#[test]
fn server_metadata_names_the_key_set_and_the_ways_to_sign_in() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let base = server.base_url(PracticeEnv::Production);
    let client = reqwest::Client::new();
    let meta: serde_json::Value = rt
        .block_on(async {
            client.get(format!("{base}/.well-known/oauth-authorization-server")).send().await?.text().await
        })
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(meta["issuer"], "gatepass-practice-production");
    assert_eq!(meta["jwks_uri"], format!("{base}/oauth/jwks"));
    assert!(meta["token_endpoint_auth_methods_supported"].as_array().unwrap().contains(&"private_key_jwt".into()));
    let jwks: serde_json::Value = rt
        .block_on(async { client.get(format!("{base}/oauth/jwks")).send().await?.text().await })
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "gp-production-server-1");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    assert!(jwks["keys"][0].get("d").is_none(), "the key set must hold no private part");
}

/// The binary: add a signed-JWT profile (the key read from standard input), send with it, show
/// it; the key shows nowhere.
#[test]
fn cli_adds_a_signed_jwt_profile_and_sends_and_the_key_shows_nowhere() {
    if common::skip_without_keychain() {
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let key = practice::service_private_key(PracticeEnv::Sandbox);
    let kid = practice::service_key_id(PracticeEnv::Sandbox);
    let out = common::run_gatepass(
        dir.path(),
        &[
            "profile",
            "add",
            "Svc",
            "--base-url",
            &base,
            "--auth",
            "signed-jwt",
            "--alg",
            "eddsa",
            "--key-id",
            kid,
            "--issuer",
            "gp-sandbox-service",
            "--subject",
            "gp-sandbox-service",
            "--audience",
            "gatepass-practice",
            "--scope",
            "orders:read",
            "--claims",
            r#"{"tenant": "acme"}"#,
            "--lifetime",
            "120",
        ],
        Some(key.expose()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = common::run_gatepass(dir.path(), &["send", "--profile", "Svc", "/v1/me"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("gp-sandbox-service"), "{}", text(&out.stdout));
    let out = common::run_gatepass(dir.path(), &["profile", "show", "Svc"], None);
    let shown = text(&out.stdout);
    assert!(shown.contains("Signed with:     EdDSA"), "{shown}");
    assert!(shown.contains("Each token:      good for 120 s"), "{shown}");
    let out = common::run_gatepass(
        dir.path(),
        &["token", "inspect", "--profile", "Svc", "--format", "json", "--soon", "1"],
        None,
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["algorithm"], "EdDSA", "{report}");
    assert_eq!(report["state"], "valid");

    // Bad input: broken extra claims are refused when the profile is added.
    let out = common::run_gatepass(
        dir.path(),
        &["profile", "add", "Broken", "--base-url", &base, "--auth", "signed-jwt", "--claims", "{\"a\": }"],
        Some("a-shared-secret"),
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("The extra claims are not valid JSON"), "{}", text(&out.stderr));

    // The same key proves an OAuth client at the sign-in server (private_key_jwt).
    let out = common::run_gatepass(
        dir.path(),
        &[
            "profile",
            "add",
            "Signer",
            "--base-url",
            &base,
            "--auth",
            "oauth-client-credentials",
            "--token-url",
            &format!("{base}/oauth/token"),
            "--client-id",
            "gp-sandbox-service",
            "--client-auth",
            "private-key-jwt",
            "--alg",
            "EdDSA",
            "--key-id",
            kid,
            "--scope",
            "orders:read",
        ],
        Some(key.expose()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = common::run_gatepass(dir.path(), &["token", "get", "--profile", "Signer", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["scopes"], serde_json::json!(["orders:read"]));
    let out = common::run_gatepass(dir.path(), &["send", "--profile", "Signer", "/v1/orders"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A shared-secret algorithm cannot make a private_key_jwt assertion: said at once.
    let out = common::run_gatepass(
        dir.path(),
        &[
            "profile",
            "add",
            "Signer HS",
            "--base-url",
            &base,
            "--auth",
            "oauth-client-credentials",
            "--token-url",
            &format!("{base}/oauth/token"),
            "--client-id",
            "gp-sandbox-service",
            "--client-auth",
            "private-key-jwt",
            "--alg",
            "HS256",
        ],
        Some("secret"),
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("A signed assertion uses a private key: choose RS256, PS256, ES256 or EdDSA."),
        "{}",
        text(&out.stderr)
    );

    let body_line = key.expose().lines().nth(1).unwrap().to_owned();
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, &body_line), "the key is in {}", path.display());
    }
    for name in ["Svc", "Signer"] {
        let _ = common::run_gatepass(dir.path(), &["profile", "remove", name], None);
    }
}

const PYTHON_KEYS: &str = r#"
import sys
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519
from cryptography.hazmat.primitives import serialization as s
out = sys.argv[1]
def save(name, key):
    with open(out + "/" + name + ".key", "wb") as f:
        f.write(key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))
    with open(out + "/" + name + ".pub", "wb") as f:
        f.write(key.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
save("rsa", rsa.generate_private_key(public_exponent=65537, key_size=2048))
save("ec", ec.generate_private_key(ec.SECP256R1()))
save("ed", ed25519.Ed25519PrivateKey.generate())
"#;

const PYJWT_VERIFY: &str = r#"
import sys, jwt, json
alg, token, key = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
claims = jwt.decode(token, key, algorithms=[alg], audience="https://api.example", issuer="svc@example")
print(json.dumps({"alg": jwt.get_unverified_header(token)["alg"], "kid": jwt.get_unverified_header(token).get("kid"), "sub": claims["sub"], "scope": claims["scope"], "tenant": claims["tenant"], "life": claims["exp"] - claims["iat"]}))
"#;

/// Interop: a JWT Gatepass signs is verified by `PyJWT`, for every algorithm Gatepass signs with.
#[test]
fn tokens_gatepass_signs_verify_with_pyjwt() {
    if !common::pyjwt_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let made =
        std::process::Command::new("python3").args(["-c", PYTHON_KEYS, dir.path().to_str().unwrap()]).status().unwrap();
    assert!(made.success());
    let shared = dir.path().join("shared.txt");
    std::fs::write(&shared, "a-shared-secret-that-is-long-enough-for-hs512-0123456789abcdefghij").unwrap();
    let cases = [
        (SigningAlg::HS256, "shared.txt", "shared.txt"),
        (SigningAlg::HS384, "shared.txt", "shared.txt"),
        (SigningAlg::HS512, "shared.txt", "shared.txt"),
        (SigningAlg::RS256, "rsa.key", "rsa.pub"),
        (SigningAlg::PS256, "rsa.key", "rsa.pub"),
        (SigningAlg::ES256, "ec.key", "ec.pub"),
        (SigningAlg::EdDSA, "ed.key", "ed.pub"),
    ];
    for (alg, private, public) in cases {
        let mut settings = SignedJwt::new(&gatepass::core::profile::ProfileId("p".into()));
        settings.algorithm = alg;
        settings.key_id = Some(format!("kid-{alg}"));
        settings.issuer = "svc@example".into();
        settings.subject = "user-7".into();
        settings.audience = "https://api.example".into();
        settings.scopes = vec!["orders:read".into(), "orders:write".into()];
        settings.extra_claims = r#"{"tenant": "acme"}"#.into();
        settings.lifetime_secs = 90;
        let key = Secret::new(std::fs::read_to_string(dir.path().join(private)).unwrap());
        let token = mint(&settings, &key, now()).unwrap_or_else(|e| panic!("{alg}: {e}"));
        let out = std::process::Command::new("python3")
            .args(["-c", PYJWT_VERIFY, alg.name(), token.expose(), dir.path().join(public).to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{alg}: PyJWT refused it: {}", text(&out.stderr));
        let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            seen,
            serde_json::json!({"alg": alg.name(), "kid": format!("kid-{alg}"), "sub": "user-7", "scope": "orders:read orders:write", "tenant": "acme", "life": 90}),
            "{alg}"
        );
    }
}
