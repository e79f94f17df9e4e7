//! Checking a profile's tokens beyond reading them: the key set (JWKS) and the shared secret a
//! profile remembers for signature checks, and asking the sign-in server whether a token is
//! active (RFC 7662 introspection) — through the library against the practice API, and through
//! the `gatepass` binary.

use crate::common;

use gatepass::core::profile::{AuthKind, AuthMethod, Environment, Profile, TokenChecks};
use gatepass::core::secret::Secret;
use gatepass::core::token::TokenKind;
use gatepass::infra::keychain::{MemoryStore, SecretStore as _};
use gatepass::practice::{PracticeEnv, TokenSpec};
use gatepass::workspace::{KeySource, TokenPolicy};
use std::sync::Arc;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_sample_oauth_profile_checks_its_token_with_the_key_set_and_asks_the_server() {
    let (rt, server, _dir, ws) = common::sample_workspace();
    let profile = ws.profile_named(gatepass::workspace::OAUTH_NAME).unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    assert_eq!(profile.token_checks.jwks_url.as_deref(), Some(format!("{base}/oauth/jwks").as_str()));

    let (token, _) = rt.block_on(ws.access_token(&profile.id, TokenPolicy::GetNew)).unwrap();
    let TokenKind::Jwt(jwt) = gatepass::core::token::read_token(token.expose()).unwrap() else { panic!("not a JWT") };
    let key = ws.profile_verify_key(&profile.id).unwrap();
    assert!(matches!(&key, KeySource::KeySetUrl(url) if url.ends_with("/oauth/jwks")), "{key:?}");
    assert_eq!(rt.block_on(ws.check_signature(&jwt, key)).label(), "Signature verified");

    // Active, with its permissions and expiry, as the server says.
    let said = rt.block_on(ws.introspect(&profile.id, &token)).unwrap();
    assert!(said.active);
    assert_eq!(said.scopes, ["orders:read", "orders:write", "profile:read"]);
    let left = said.expires_at.unwrap() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((590..=600).contains(&left), "{left}");
    let now = time::OffsetDateTime::now_utc();
    assert!(
        said.summary(now).starts_with("The sign-in server says this token is active and expires in 9 min"),
        "{}",
        said.summary(now)
    );

    // An opaque token it never issued, and an expired one it did: not active, in words.
    let said = rt.block_on(ws.introspect(&profile.id, &Secret::new("2YotnFZFEjr1zCsicMWpAA"))).unwrap();
    assert!(!said.active);
    assert!(said.summary(now).starts_with("The sign-in server says this token is not active"));
    let expired = gatepass::practice::mint_token(
        PracticeEnv::Sandbox,
        &TokenSpec { subject: "a".into(), scopes: vec![], expires_in_secs: -60, not_before_in_secs: 0, audience: None },
    )
    .unwrap();
    assert!(!rt.block_on(ws.introspect(&profile.id, &Secret::new(expired))).unwrap().active);

    // An introspection address that is a web page: said plainly.
    let mut wrong = profile.clone();
    wrong.token_checks.introspection_url = Some(format!("{base}/"));
    ws.save_profile(&wrong, None).unwrap();
    let err = rt.block_on(ws.introspect(&profile.id, &token)).unwrap_err().to_string();
    assert!(err.starts_with("The introspection address does not take questions about tokens (405"), "{err}");
    // No address at all.
    let mut none = wrong.clone();
    none.token_checks.introspection_url = None;
    ws.save_profile(&none, None).unwrap();
    let err = rt.block_on(ws.introspect(&profile.id, &token)).unwrap_err().to_string();
    assert!(err.contains("names no introspection address"), "{err}");
}

#[test]
fn a_remembered_secret_lives_in_the_keychain_and_goes_with_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let store = Arc::new(MemoryStore::default());
    ws.set_secret_store(store.clone());
    let mut profile = Profile::new("Orders", Environment::Sandbox, "https://api.example.com");
    profile.auth = AuthMethod::new_of_kind(AuthKind::Bearer, &profile.id);
    ws.save_profile(&profile, Some(&Secret::new("tok"))).unwrap();
    assert!(matches!(ws.profile_verify_key(&profile.id).unwrap(), KeySource::None));

    let canary = "canary-verify-secret-7d1f";
    ws.remember_verify_secret(&profile.id, Some(&Secret::new(canary))).unwrap();
    let slot = TokenChecks::verify_secret_slot(&profile.id);
    assert_eq!(store.get(&slot).unwrap().unwrap().expose(), canary);
    assert!(matches!(ws.profile_verify_key(&profile.id).unwrap(), KeySource::SharedSecret(s) if s.expose() == canary));
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, canary), "the secret is in {}", path.display());
    }

    // A copy keeps its own copy; deleting the original removes only the original's.
    let (_, copy_id) = ws.duplicate_profile(&profile.id).unwrap();
    let copy_slot = TokenChecks::verify_secret_slot(&copy_id);
    assert_eq!(store.get(&copy_slot).unwrap().unwrap().expose(), canary);
    ws.delete_profile(&profile.id).unwrap();
    assert!(store.get(&slot).unwrap().is_none(), "the remembered secret outlived its profile");
    assert!(store.get(&copy_slot).unwrap().is_some());

    // Forgetting removes it.
    ws.remember_verify_secret(&copy_id, None).unwrap();
    assert!(store.get(&copy_slot).unwrap().is_none());
    assert!(matches!(ws.profile_verify_key(&copy_id).unwrap(), KeySource::None));
}

#[test]
fn cli_inspects_a_profile_token_with_its_key_set_and_asks_the_server() {
    if !common::real_keychain_expected() {
        eprintln!("skipped: needs the real keychain (tests/run.sh starts one)");
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let (client_id, client_secret) = gatepass::practice::demo_credentials()
        .into_iter()
        .find_map(|c| match c.kind {
            gatepass::practice::DemoKind::OAuthClient { client_id, client_secret, .. }
                if c.id == "sandbox-oauth-client" =>
            {
                Some((client_id, client_secret))
            }
            _ => None,
        })
        .unwrap();
    let out = common::run_gatepass(
        dir.path(),
        &[
            "profile",
            "add",
            "Shop",
            "--base-url",
            &base,
            "--auth",
            "oauth-client-credentials",
            "--token-url",
            &format!("{base}/oauth/token"),
            "--client-id",
            client_id,
            "--jwks-url",
            &format!("{base}/oauth/jwks"),
            "--introspection-url",
            &format!("{base}/oauth/introspect"),
        ],
        Some(client_secret),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = common::run_gatepass(dir.path(), &["profile", "show", "Shop"], None);
    assert!(text(&out.stdout).contains(&format!("Introspection:   {base}/oauth/introspect")), "{}", text(&out.stdout));
    let out = common::run_gatepass(dir.path(), &["token", "get", "--profile", "Shop"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let out = common::run_gatepass(
        dir.path(),
        &["token", "inspect", "--profile", "Shop", "--introspect", "--format", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signature"]["status"], "verified", "{report}");
    assert_eq!(report["introspection"]["active"], true, "{report}");
    assert_eq!(report["introspection"]["client_id"], client_id);

    let out = common::run_gatepass(dir.path(), &["token", "inspect", "--profile", "Shop", "--introspect"], None);
    assert!(
        text(&out.stdout).contains("Sign-in server: The sign-in server says this token is active"),
        "{}",
        text(&out.stdout)
    );
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, client_secret), "the client secret is in {}", path.display());
    }
    let _ = common::run_gatepass(dir.path(), &["profile", "remove", "Shop"], None);
}
