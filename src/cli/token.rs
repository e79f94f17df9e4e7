//! `gatepass token inspect`: read a token, say what it is, whether it is still good, what it
//! allows, and whether its signature checks out. The token is never printed, only its fingerprint.

use crate::core::profile::AuthMethod;
use crate::core::secret::Secret;
use crate::core::token::explain::standard_claims;
use crate::core::token::time_words::{absolute_words, relative_words, state_words};
use crate::core::token::verify::SignatureCheck;
use crate::core::token::{Jwt, OpaqueToken, TokenKind, TokenState, read_token, token_state};
use crate::workspace::{
    Browser, CancelSignal, KeySource, NoBrowser, SignInHow, SignInOptions, SignInPrompt, SystemBrowser, TokenPolicy,
    Workspace,
};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use std::io::IsTerminal as _;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Show what an access token says: who issued it, for whom, when it expires, its permissions
    /// (scopes) and whether its signature checks out. The token itself is never printed.
    Inspect(InspectArgs),
    /// Get an access token for an OAuth profile from its sign-in server (or reuse the cached one
    /// while it is good for more than a minute, or renew it with the refresh token). For the
    /// browser sign-in, prints the address on stderr and opens the browser; for the device
    /// grant, prints the code and the address on stderr and waits. Prints the token's
    /// fingerprint, expiry and permissions; the token stays in the keychain.
    Get(GetArgs),
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// The OAuth profile.
    #[arg(long)]
    pub profile: String,
    /// Ask for a new token even when the cached one is still good (for the browser and device
    /// sign-ins: sign in again).
    #[arg(long)]
    pub new: bool,
    /// Do not open a browser: only print the address to open.
    #[arg(long)]
    pub no_browser: bool,
    /// How long to wait for the browser sign-in, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = crate::workspace::DEFAULT_BROWSER_TIMEOUT_SECS)]
    pub timeout: u64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The token, or - to read it from standard input. Left out: read from standard input or a
    /// hidden prompt (safer than the command line, which shells keep in their history).
    pub token: Option<String>,
    /// Inspect this profile's access token (from the keychain) and compare its permissions.
    #[arg(long, conflicts_with = "token")]
    pub profile: Option<String>,
    /// Check the signature with the key set (JWKS) at this URL, or in this file.
    #[arg(long, value_name = "URL", conflicts_with_all = ["key", "secret_stdin"])]
    pub jwks: Option<String>,
    /// Check the signature with this PEM public key or certificate file (RS*, PS*, ES*, `EdDSA`).
    #[arg(long, value_name = "FILE", conflicts_with = "secret_stdin")]
    pub key: Option<PathBuf>,
    /// Check the signature with the shared secret (HS256/384/512), read from standard input.
    #[arg(long)]
    pub secret_stdin: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// A permission (scope) the token should carry (repeatable); missing ones are listed.
    #[arg(long = "expected-scope", value_name = "SCOPE")]
    pub expected_scopes: Vec<String>,
    /// Also ask the profile's introspection endpoint (RFC 7662) whether the token is active
    /// (done anyway for an opaque token when the profile names one).
    #[arg(long, requires = "profile")]
    pub introspect: bool,
    /// Call the token "expiring soon" this many minutes before it expires.
    #[arg(long, value_name = "MINUTES", default_value_t = 5)]
    pub soon: u32,
}

pub fn run_token(
    workspace: &std::sync::Arc<Workspace>,
    command: &TokenCommand,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<i32> {
    match command {
        TokenCommand::Inspect(args) => inspect(workspace, args, runtime),
        TokenCommand::Get(args) => get(workspace, args, runtime),
    }
}

fn get(
    workspace: &std::sync::Arc<Workspace>,
    args: &GetArgs,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<i32> {
    let profile = workspace.profile_named(&args.profile)?;
    if matches!(profile.auth, AuthMethod::SignedJwt(_)) {
        bail!(
            "The profile \"{}\" has no token to get: Gatepass signs a new one for every request. To see one, run `gatepass token inspect --profile \"{}\"`.",
            profile.name,
            profile.name
        );
    }
    let token_url = match &profile.auth {
        AuthMethod::OAuthClientCredentials(settings) => settings.token_url.clone(),
        AuthMethod::OAuthAuthorizationCode(settings) | AuthMethod::OAuthDevice(settings) => settings.token_url.clone(),
        _ => bail!(
            "The profile \"{}\" does not get its token from a sign-in server: it uses {}. Only OAuth profiles have a token to get.",
            profile.name,
            profile.auth.kind().label()
        ),
    };
    workspace.connect_keychain().context("Gatepass keeps secrets only in the keychain, so it cannot go on")?;
    let policy = if args.new { TokenPolicy::GetNew } else { TokenPolicy::ReuseIfFresh };
    let browser: std::sync::Arc<dyn Browser> =
        if args.no_browser { std::sync::Arc::new(NoBrowser) } else { std::sync::Arc::new(SystemBrowser) };
    let how = SignInHow {
        browser,
        options: SignInOptions { browser_timeout: std::time::Duration::from_secs(args.timeout.max(1)) },
        prompt: std::sync::Arc::new(print_prompt),
        cancel: CancelSignal::never(),
    };
    let (token, info) = runtime.block_on(workspace.obtain_token(&profile.id, policy, how))?;
    drop(token);
    let now = time::OffsetDateTime::now_utc();
    let local = time::UtcOffset::local_offset_at(now).unwrap_or(time::UtcOffset::UTC);
    let at = |unix: i64| time::OffsetDateTime::from_unix_timestamp(unix).ok();
    let missing = crate::core::token::missing_scopes(&info.scopes, &profile.expected_scopes);
    match args.format {
        Format::Text => {
            let mut out = if info.reused {
                format!("Reused the access token in the keychain for \"{}\" (still good).\n", profile.name)
            } else {
                format!("Got a new access token for \"{}\" from {token_url}.\n", profile.name)
            };
            out.push_str(&format!("Token:        {} (kept in the keychain, never printed)\n", info.fingerprint));
            if let Some(obtained) = at(info.obtained_at) {
                out.push_str(&format!(
                    "Obtained:     {} ({})\n",
                    relative_words(obtained, now),
                    absolute_words(obtained, local)
                ));
            }
            match info.expires_at.and_then(at) {
                Some(expires) => out.push_str(&format!(
                    "Expires:      {} ({})\n",
                    relative_words(expires, now),
                    absolute_words(expires, local)
                )),
                None => out.push_str("Expires:      not said by the server or the token\n"),
            }
            if info.scopes.is_empty() {
                out.push_str("Permissions:  none named\n");
            } else {
                out.push_str(&format!("Permissions:  {}\n", info.scopes.join(" ")));
            }
            if !missing.is_empty() {
                out.push_str(&format!("Missing permissions: {}\n", missing.join(" ")));
            }
            if info.has_refresh_token {
                let until = info
                    .refresh_expires_at
                    .and_then(at)
                    .map(|t| format!(", {} ({})", relative_words(t, now), absolute_words(t, local)))
                    .unwrap_or_default();
                out.push_str(&format!("Renewal:      a refresh token is kept in the keychain{until}\n"));
            }
            print!("{out}");
        }
        Format::Json => {
            let rfc3339 =
                |unix: i64| at(unix).and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok());
            let json = serde_json::json!({
                "profile": profile.name,
                "reused": info.reused,
                "fingerprint": info.fingerprint,
                "obtained_at": rfc3339(info.obtained_at),
                "expires_at": info.expires_at.and_then(rfc3339),
                "expires_in_secs": info.expires_at.map(|e| e - now.unix_timestamp()),
                "scopes": info.scopes,
                "missing_scopes": missing,
                "has_refresh_token": info.has_refresh_token,
                "refresh_expires_at": info.refresh_expires_at.and_then(rfc3339),
            });
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(0)
}

/// Tell the person what to do, on stderr (stdout stays the result, for scripts).
fn print_prompt(prompt: SignInPrompt) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let minutes = |until: i64| {
        let secs = (until - now).max(0);
        if secs < 120 { format!("{secs} seconds") } else { format!("{} minutes", secs / 60) }
    };
    let text = match prompt {
        SignInPrompt::Browser { url, opened: true, waits_until, .. } => format!(
            "Opened the sign-in page in your browser. If it did not open, open this address:\n\n  {url}\n\nWaiting up to {} for you to approve… (Ctrl+C stops)\n",
            minutes(waits_until)
        ),
        SignInPrompt::Browser { url, opened: false, problem, waits_until } => format!(
            "Open this address in a browser to sign in{}:\n\n  {url}\n\nWaiting up to {} for you to approve… (Ctrl+C stops)\n",
            problem.map(|p| format!(" (Gatepass did not open one: {p})")).unwrap_or_default(),
            minutes(waits_until)
        ),
        SignInPrompt::Device { user_code, verification_uri, verification_uri_complete, expires_at, .. } => format!(
            "To sign in, open {verification_uri} on any device and type this code:\n\n    {user_code}\n\n{}The code works for {}. Waiting for you to approve… (Ctrl+C stops)\n",
            verification_uri_complete
                .map(|u| format!("Or open {u}, which has the code filled in.\n"))
                .unwrap_or_default(),
            minutes(expires_at)
        ),
    };
    eprint!("{text}");
}

/// Standard input to its end (a token, or the secret it was signed with), at most 1 MB.
fn read_stdin() -> anyhow::Result<zeroize::Zeroizing<String>> {
    Ok(zeroize::Zeroizing::new(crate::infra::read::stdin_bounded_text(crate::infra::read::limit::TOKEN, "input")?))
}

fn inspect(
    workspace: &std::sync::Arc<Workspace>,
    args: &InspectArgs,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<i32> {
    let token_from_stdin = args.profile.is_none() && args.token.as_deref().is_none_or(|t| t == "-");
    if args.secret_stdin && token_from_stdin {
        bail!(
            "The token and the secret cannot both come from standard input. Give the token as an argument or with --profile, and pipe in the secret."
        );
    }
    let mut expected = args.expected_scopes.clone();
    let mut profile_id = None;
    // The thumbprint of the profile's DPoP key, to compare with a bound token's cnf.jkt.
    let mut dpop_jkt: Option<Option<String>> = None;
    let raw = if let Some(name) = &args.profile {
        let profile = workspace.profile_named(name)?;
        profile_id = Some((profile.id.clone(), profile.token_checks.introspection_url.is_some()));
        expected.extend(profile.expected_scopes.iter().cloned());
        workspace.connect_keychain().context("Gatepass keeps secrets only in the keychain, so it cannot go on")?;
        dpop_jkt = Some(workspace.dpop_thumbprint(&profile)?);
        match workspace.profile_token(&profile.id)? {
            Some(token) => token,
            None => bail!(
                "The profile \"{}\" has no access token to inspect. It uses {}.",
                profile.name,
                profile.auth.kind().label()
            ),
        }
    } else {
        match args.token.as_deref() {
            Some(t) if t != "-" => Secret::new(t),
            _ if std::io::stdin().is_terminal() && args.token.is_none() => {
                Secret::new(rpassword::prompt_password("Paste the token (it will not be shown): ")?)
            }
            _ => Secret::new(read_stdin()?.as_str()),
        }
    };
    let key = if args.secret_stdin {
        let text = read_stdin()?;
        let trimmed = text.strip_suffix('\n').unwrap_or(&text);
        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
        if trimmed.is_empty() {
            bail!("No secret came on standard input. Pipe in the shared secret the token was signed with.");
        }
        KeySource::SharedSecret(Secret::new(trimmed))
    } else if let Some(path) = &args.key {
        let pem = crate::infra::read::bounded_text(path, crate::infra::read::limit::PEM, "key file")?;
        KeySource::PublicKeyPem(pem)
    } else if let Some(jwks) = &args.jwks {
        if jwks.starts_with("http://") || jwks.starts_with("https://") {
            KeySource::KeySetUrl(jwks.clone())
        } else {
            let json = crate::infra::read::bounded_text(
                std::path::Path::new(jwks),
                crate::infra::read::limit::JWKS,
                "key set (JWKS) file",
            )?;
            KeySource::KeySetJson(json)
        }
    } else if let Some((id, _)) = &profile_id {
        // The key remembered on the profile: its shared secret, or its key set address.
        workspace.profile_verify_key(id)?
    } else {
        KeySource::None
    };

    // The message is complete on its own ("This looks like a JWT, but it has 2 parts..."), and never holds the token.
    let kind = read_token(raw.expose())?;
    let introspection = match &profile_id {
        Some((id, has_url)) if args.introspect || (*has_url && matches!(kind, TokenKind::Opaque(_))) => {
            Some(runtime.block_on(workspace.introspect(id, &raw)).map_err(|e| e.to_string()))
        }
        _ => None,
    };
    drop(raw);
    let now = time::OffsetDateTime::now_utc();
    let local = time::UtcOffset::local_offset_at(now).unwrap_or(time::UtcOffset::UTC);
    let soon = time::Duration::minutes(i64::from(args.soon));
    let (mut text, mut json) = match &kind {
        TokenKind::Opaque(opaque) => (opaque_text(opaque), opaque_json(opaque)),
        TokenKind::Jwt(jwt) => {
            let signature = runtime.block_on(workspace.check_signature(jwt, key));
            let report = JwtReport { jwt, now, local, soon, expected: &expected, signature: &signature };
            (report.text(), report.json())
        }
    };
    if let TokenKind::Jwt(jwt) = &kind
        && let Some(jkt) = jwt.claims.get("cnf").and_then(|c| c.get("jkt")).and_then(serde_json::Value::as_str)
    {
        let (words, matches) = match &dpop_jkt {
            Some(ours) => {
                let binding = crate::core::auth::dpop::Binding::of(jkt, ours.as_deref());
                (binding.words(), Some(binding == crate::core::auth::dpop::Binding::Matches))
            }
            None => ("give --profile to compare it with a profile's DPoP key", None),
        };
        text.push_str(&format!("\nDPoP-bound (cnf.jkt {jkt}): {words}\n"));
        json["dpop"] = serde_json::json!({ "jkt": jkt, "matches_profile_key": matches });
    }
    if let Some(answer) = &introspection {
        match answer {
            Ok(said) => {
                text.push_str(&format!("\nSign-in server: {}\n", said.summary(now)));
                json["introspection"] = serde_json::to_value(said)?;
            }
            Err(why) => {
                text.push_str(&format!("\nSign-in server: could not be asked. {why}\n"));
                json["introspection"] = serde_json::json!({ "error": why });
            }
        }
    }
    match args.format {
        Format::Text => print!("{text}"),
        Format::Json => println!("{}", serde_json::to_string_pretty(&json)?),
    }
    Ok(0)
}

fn opaque_text(opaque: &OpaqueToken) -> String {
    format!(
        "Token:      {} (opaque, {} characters)\nKind:       {}\n\n{}\n",
        opaque.fingerprint,
        opaque.length,
        opaque.known_as.unwrap_or("not a JWT, and not a shape Gatepass knows"),
        opaque.explanation()
    )
}

fn opaque_json(opaque: &OpaqueToken) -> serde_json::Value {
    serde_json::json!({
        "kind": "opaque",
        "fingerprint": opaque.fingerprint,
        "length": opaque.length,
        "known_as": opaque.known_as,
        "explanation": opaque.explanation(),
    })
}

fn state_key(state: TokenState) -> &'static str {
    match state {
        TokenState::Valid => "valid",
        TokenState::ExpiringSoon => "expiring_soon",
        TokenState::Expired => "expired",
        TokenState::NotYetValid => "not_yet_valid",
        TokenState::NoExpiry => "no_expiry",
        TokenState::UnreadableExpiry => "unreadable_expiry",
    }
}

fn signature_key(check: &SignatureCheck) -> &'static str {
    match check {
        SignatureCheck::Verified { .. } => "verified",
        SignatureCheck::Failed { .. } => "failed",
        SignatureCheck::NotChecked { .. } => "not_checked",
    }
}

struct JwtReport<'a> {
    jwt: &'a Jwt,
    now: time::OffsetDateTime,
    local: time::UtcOffset,
    soon: time::Duration,
    expected: &'a [String],
    signature: &'a SignatureCheck,
}

impl JwtReport<'_> {
    fn text(&self) -> String {
        let jwt = self.jwt;
        let state = token_state(jwt, self.now, self.soon);
        let mut out = format!("Token:      {} (JWT, {} characters)\n", jwt.fingerprint, jwt.raw().len());
        out.push_str(&format!("State:      {} — {}\n", state.label(), state_words(jwt, self.now, self.soon)));
        out.push_str(&format!("Signature:  {} — {}\n", self.signature.label(), self.signature.detail()));
        out.push_str(&format!(
            "Algorithm:  {} (how it was signed){}\n",
            jwt.algorithm.as_deref().unwrap_or("(not said)"),
            jwt.key_id.as_deref().map(|k| format!(", key id (kid) {k}")).unwrap_or_default()
        ));
        out.push('\n');
        for line in standard_claims(jwt, self.now, self.local) {
            let label = format!("{} ({})", line.name, line.claim);
            out.push_str(&format!("{label:<18} {:<27} {}\n", line.meaning, line.value));
        }
        out.push('\n');
        if jwt.scopes.is_empty() {
            out.push_str("Permissions (scopes): none in this token\n");
        } else {
            out.push_str(&format!(
                "Permissions (scopes): {}   (from {})\n",
                jwt.scopes.join(" "),
                jwt.scope_claims.join(", ")
            ));
        }
        let missing = jwt.missing_scopes(self.expected);
        if !missing.is_empty() {
            out.push_str(&format!("Missing permissions:  {}\n", missing.join(" ")));
        } else if !self.expected.is_empty() {
            out.push_str("Missing permissions:  none; every expected permission is there\n");
        }
        for warning in &jwt.warnings {
            out.push_str(&format!("Warning: {}\n", warning.describe()));
        }
        out.push_str("\nHeader:\n");
        out.push_str(&pretty(&jwt.header));
        out.push_str("\nClaims:\n");
        out.push_str(&pretty(&jwt.claims));
        out.push('\n');
        out
    }

    fn json(&self) -> serde_json::Value {
        let jwt = self.jwt;
        let state = token_state(jwt, self.now, self.soon);
        let rfc3339 = |t: Option<time::OffsetDateTime>| {
            t.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        };
        serde_json::json!({
            "kind": "jwt",
            "fingerprint": jwt.fingerprint,
            "length": jwt.raw().len(),
            "state": state_key(state),
            "state_words": state_words(jwt, self.now, self.soon),
            "algorithm": jwt.algorithm,
            "key_id": jwt.key_id,
            "issuer": jwt.issuer,
            "subject": jwt.subject,
            "audience": jwt.audience,
            "expires_at": rfc3339(jwt.expires_at),
            "expires_at_words": jwt.expires_at.map(|t| absolute_words(t, self.local)),
            "not_before": rfc3339(jwt.not_before),
            "issued_at": rfc3339(jwt.issued_at),
            "scopes": jwt.scopes,
            "expected_scopes": self.expected,
            "missing_scopes": jwt.missing_scopes(self.expected),
            "signature": { "status": signature_key(self.signature), "detail": self.signature.detail() },
            "warnings": jwt.warnings.iter().map(crate::core::token::TokenWarning::describe).collect::<Vec<_>>(),
            "header": jwt.header,
            "claims": jwt.claims,
        })
    }
}

fn pretty(map: &serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::to_string_pretty(map).unwrap_or_default() + "\n"
}
