//! "Check setup" end to end: every sample profile checked against the practice API (real
//! keychain when the test script provides it, real HTTP over loopback), rows in each state with
//! an injected clock, the binary's exit codes and formats, and a canary secret in no report.

use crate::common;

use gatepass::core::check::{Level, Policy, ProfileCheck, Report};
use gatepass::core::profile::{AuthKind, AuthMethod, Environment, Profile};
use gatepass::core::secret::Secret;
use gatepass::practice::PracticeEnv;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn row<'a>(check: &'a ProfileCheck, id: &str) -> &'a gatepass::core::check::CheckRow {
    check.rows.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no row {id} in {check:#?}"))
}

#[test]
fn the_sample_workspace_checks_green_except_what_is_really_wrong() {
    let (rt, _server, _dir, ws) = common::sample_workspace();
    let now = time::OffsetDateTime::now_utc();
    let started = std::time::Instant::now();
    let results = rt.block_on(ws.check_profiles(&[], Policy::new(now)));
    let elapsed = started.elapsed();
    let checks: Vec<ProfileCheck> = results.into_iter().map(|(_, r)| r.unwrap()).collect();
    assert_eq!(checks.len(), gatepass::workspace::SAMPLE_PROFILE_COUNT);
    let by_name = |name: &str| checks.iter().find(|c| c.profile == name).unwrap();

    let sandbox = by_name(gatepass::workspace::SANDBOX_NAME);
    assert_eq!(sandbox.level, Level::Ok, "{sandbox:#?}");
    assert_eq!(row(sandbox, "probe").found, "GET /v1/me answered 200.");
    assert_eq!(row(sandbox, "secret_environment").level, Level::Ok);

    // The Production sample's token lacks orders:write, which the profile expects, and lives a year.
    let production = by_name(gatepass::workspace::PRODUCTION_NAME);
    assert_eq!(production.level, Level::Failed);
    assert_eq!(row(production, "scopes").found, "Missing: orders:write.");
    assert_eq!(row(production, "token_lifetime").level, Level::Warning);
    // The practice collection's requests name what they need: the token is held to that too.
    let needs = row(production, "request_scopes");
    assert_eq!(needs.level, Level::Warning, "{needs:#?}");
    assert_eq!(
        needs.found,
        "The access token lacks a permission (scope): orders:write, which 1 saved request needs (Practice API tour · Create an order). It has: orders:read profile:read."
    );
    // An API key names no permissions: Sandbox is not held to them.
    assert!(!sandbox.rows.iter().any(|r| r.id == "request_scopes"), "{sandbox:#?}");

    let oauth = by_name(gatepass::workspace::OAUTH_NAME);
    assert_eq!(row(oauth, "token_renewal").level, Level::Ok);
    assert_eq!(row(oauth, "probe").level, Level::Ok);

    // Nobody has signed in with the browser yet: the token row says so, in red.
    let sign_in = by_name("Practice — Sign in with browser (Sandbox)");
    assert_eq!(row(sign_in, "token_valid").level, Level::Failed);
    // A public client has no secret: no row about one.
    assert!(!sign_in.rows.iter().any(|r| r.id == "secret_readable"), "{sign_in:#?}");

    let signed = by_name(gatepass::workspace::SIGNED_JWT_NAME);
    assert_eq!(row(signed, "token_valid").level, Level::Ok, "{signed:#?}");
    assert_eq!(row(signed, "probe").level, Level::Ok);

    let mtls = by_name("Practice — Client certificate (Sandbox)");
    assert_eq!(row(mtls, "certificate").level, Level::Ok, "{mtls:#?}");
    assert_eq!(row(mtls, "probe").level, Level::Ok, "{mtls:#?}");

    // A second run sees the first run's requests in history.
    let again = rt.block_on(ws.check_profiles(&[], Policy::new(time::OffsetDateTime::now_utc())));
    let sandbox = again
        .iter()
        .find_map(|(_, r)| r.as_ref().ok().filter(|c| c.profile == gatepass::workspace::SANDBOX_NAME))
        .unwrap();
    assert_eq!(row(sandbox, "last_worked").level, Level::Ok);
    eprintln!("checked {} profiles in {elapsed:?}", checks.len());
}

#[test]
fn a_broken_profile_gets_red_rows_with_what_to_do_and_the_report_holds_no_secret() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    let canary = ["gp_", "test_", "canary7Qm2Kx9Lb4Tz8Rw"].concat();
    let mut profile = Profile::new("Shop (live)", Environment::Production, server.base_url(PracticeEnv::Production));
    profile.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &profile.id);
    profile.check_path = Some("/v1/me".into());
    ws.save_profile(&profile, Some(&Secret::new(canary.as_str()))).unwrap();

    // Ninety-one days later, by the injected clock.
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(91);
    let check = rt.block_on(ws.check_profile(&profile.id, Policy::new(later))).unwrap();
    assert_eq!(row(&check, "probe").level, Level::Failed);
    assert!(row(&check, "probe").found.starts_with("GET /v1/me answered 401"), "{:?}", row(&check, "probe"));
    assert!(row(&check, "probe").fix.as_deref().is_some_and(|f| !f.is_empty()));
    // The explanation card's words come along, for the window and the report.
    let details = &row(&check, "probe").details;
    assert!(details.len() >= 2 && details[1].starts_with("To do: "), "{details:?}");
    assert_eq!(row(&check, "secret_age").level, Level::Warning);
    assert!(row(&check, "secret_age").found.contains("more than 90 days"), "{:?}", row(&check, "secret_age"));

    // Replacing the secret keeps the previous fingerprint and the time of change.
    ws.save_profile(&profile, Some(&Secret::new("gp_live_prd_5Tn1Yc8Kw3Qv7Bx0Hs4Fj2Em"))).unwrap();
    let saved = ws.profile_named("Shop (live)").unwrap();
    let change = saved.secret_change.unwrap();
    assert_eq!(change.previous_fingerprint.as_deref(), Some(Secret::new(canary.as_str()).fingerprint().as_str()));
    assert_eq!(change.fingerprint, "gp_live_…j2Em");
    assert!(change.previous_set_at.is_some_and(|t| t <= change.set_at));

    let report = Report::new(vec![check], later);
    assert_eq!(report.exit_code(), 2);
    for out in [report.text(), report.markdown(), report.html(), serde_json::to_string(&report).unwrap()] {
        assert!(!out.contains(&canary), "the secret is in a report: {out}");
    }
    for (path, bytes) in common::all_files(dir.path()) {
        assert!(!common::contains(&bytes, &canary), "the secret is in {}", path.display());
    }
}

#[test]
fn cli_check_exits_by_the_worst_row_and_prints_each_format() {
    if !common::real_keychain_expected() {
        eprintln!("skipped: needs the real keychain (tests/run.sh starts one)");
        return;
    }
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url(PracticeEnv::Sandbox);
    let key = "gp_test_sbx_7Qm2Kx9Lb4Tz8Rw1Nc6Vh3Jd";
    let out = common::run_gatepass(
        dir.path(),
        &["profile", "add", "Good", "--base-url", &base, "--auth", "api-key", "--check-path", "/v1/me"],
        Some(key),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = common::run_gatepass(dir.path(), &["check", "--profile", "Good"], None);
    // The key works (the probe answers 200): nothing red or amber, so exit 0.
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("Good — Sandbox (test) — OK"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("Test request: GET /v1/me answered 200."), "{}", text(&out.stdout));

    let out = common::run_gatepass(
        dir.path(),
        &[
            "profile",
            "add",
            "Live with test key",
            "--base-url",
            &base,
            "--environment",
            "production",
            "--auth",
            "api-key",
        ],
        Some(key),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = common::run_gatepass(dir.path(), &["check", "--format", "markdown"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let md = text(&out.stdout);
    assert!(md.contains("This Production (live) profile holds a key that looks like a Sandbox (test) key"), "{md}");
    assert!(md.contains("| **Problem** | Key matches the environment |"), "{md}");
    assert!(!md.contains(key), "{md}");
    let out = common::run_gatepass(dir.path(), &["check", "--format", "json", "--profile", "Live with test key"], None);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["level"], "failed");
    let html = text(&common::run_gatepass(dir.path(), &["check", "--format", "html"], None).stdout);
    assert!(html.starts_with("<!doctype html>") && !html.contains(key));
    for name in ["Good", "Live with test key"] {
        let _ = common::run_gatepass(dir.path(), &["profile", "remove", name], None);
    }
}

/// The rows of the newer sign-in methods through the binary: AWS temporary credentials without
/// their session token and a base URL in another region, and a `DPoP` key that went missing.
#[test]
fn cli_check_names_a_missing_session_token_a_wrong_region_and_a_missing_dpop_key() {
    if !common::real_keychain_expected() {
        eprintln!("skipped: needs the real keychain (tests/run.sh starts one)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let aws = [
        "profile",
        "add",
        "S3",
        "--base-url",
        "https://s3.eu-west-1.amazonaws.com",
        "--auth",
        "aws-sigv4",
        "--access-key-id",
        "ASIAQEXAMPLE7TEMPKEY",
        "--region",
        "us-east-1",
        "--service",
        "s3",
    ];
    let secret_access_key = format!("{}/{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let out = common::run_gatepass(dir.path(), &aws, Some(&format!("{secret_access_key}\n")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bound = ["profile", "add", "Bound", "--base-url", "https://api.example.com", "--auth", "bearer", "--dpop"];
    let out = common::run_gatepass(dir.path(), &bound, Some("a-bound-token-value\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The key leaves the keychain behind Gatepass's back.
    let ws = common::workspace_at(dir.path());
    ws.connect_keychain().unwrap();
    let profile = ws.profile_named("Bound").unwrap();
    ws.read_secret(profile.dpop_key.as_ref().unwrap()).unwrap().expect("the key was made");
    let namespace = ws.load_profiles().unwrap().file.keychain_namespace;
    let keychain = gatepass::infra::keychain::Keychain::open(&namespace).unwrap();
    gatepass::infra::keychain::SecretStore::delete(&keychain, profile.dpop_key.as_ref().unwrap()).unwrap();

    let out = common::run_gatepass(dir.path(), &["check", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let said = text(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&said).unwrap();
    let rows = |profile: &str| -> Vec<(String, String)> {
        let checks = report["profiles"].as_array().or(report.as_array()).unwrap();
        let check = checks.iter().find(|c| c["profile"] == profile).unwrap();
        check["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_owned(), r["level"].as_str().unwrap().to_owned()))
            .collect()
    };
    let s3 = rows("S3");
    assert!(s3.contains(&("second_secret".into(), "failed".into())), "{s3:?}");
    assert!(s3.contains(&("region".into(), "failed".into())), "{s3:?}");
    assert!(rows("Bound").contains(&("dpop_key".into(), "failed".into())), "{said}");
    assert!(
        said.contains("is for temporary credentials, which only work with the session token they came with"),
        "{said}"
    );
    assert!(said.contains("Requests are signed for us-east-1, but the base URL is in eu-west-1"), "{said}");
    assert!(!said.contains(&secret_access_key), "the secret access key is in the report");
}

/// Benchmark, not a test of speed (nothing is asserted on time): "Check all" over 50 profiles
/// against the practice API, next to one profile checked alone. Run by tests/bench.sh:
/// `cargo test --test check -- --ignored --nocapture check_all_fifty`.
#[test]
#[ignore = "benchmark: run by tests/bench.sh"]
fn check_all_fifty_profiles() {
    let rt = common::runtime();
    let server = common::practice(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(dir.path());
    for i in 0..50 {
        let mut profile =
            Profile::new(format!("Shop {i}"), Environment::Sandbox, server.base_url(PracticeEnv::Sandbox));
        profile.auth = AuthMethod::new_of_kind(AuthKind::ApiKey, &profile.id);
        profile.check_path = Some("/v1/me".into());
        ws.save_profile(&profile, Some(&Secret::new("gp_test_sbx_7Qm2Kx9Lb4Tz8Rw1Nc6Vh3Jd"))).unwrap();
    }
    let ids: Vec<_> = ws.load_profiles().unwrap().file.profiles.into_iter().map(|p| p.id).collect();
    let now = time::OffsetDateTime::now_utc();
    // Warm up (HTTP client, history database), then time one profile alone and all fifty at once.
    rt.block_on(ws.check_profile(&ids[0], Policy::new(now))).unwrap();
    let mut single = Vec::new();
    for id in ids.iter().take(10) {
        let started = std::time::Instant::now();
        rt.block_on(ws.check_profile(id, Policy::new(now))).unwrap();
        single.push(started.elapsed());
    }
    let slowest = single.iter().max().copied().unwrap_or_default();
    let started = std::time::Instant::now();
    let results = rt.block_on(ws.check_profiles(&[], Policy::new(now)));
    let all = started.elapsed();
    assert_eq!(results.len(), 50);
    assert!(results.iter().all(|(_, r)| r.as_ref().is_ok_and(|c| c.level == Level::Ok)));
    println!(
        "check all, 50 profiles: {:.0} ms; one profile alone: slowest {:.1} ms, mean {:.1} ms; 50 one after another would take about {:.0} ms",
        all.as_secs_f64() * 1000.0,
        slowest.as_secs_f64() * 1000.0,
        single.iter().map(std::time::Duration::as_secs_f64).sum::<f64>() * 100.0,
        single.iter().map(std::time::Duration::as_secs_f64).sum::<f64>() * 5000.0
    );
}
