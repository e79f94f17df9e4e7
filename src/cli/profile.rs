//! `gatepass profile list | show | add | remove | certificate`: credential profiles from the command
//! line. Secrets are read from standard input or a hidden prompt, never from a flag.

use super::{needs_keychain, read_passphrase_input, read_secret_input};
use crate::core::certificate::{CertState, CertificateFacts};
use crate::core::profile::{
    AuthKind, AuthMethod, ClientAuth, ClientIdentity, DraftField, Environment, KeyPlacement, Profile, ProfileDraft,
    SigV4Placement, SigningAlg,
};
use crate::core::secret::Secret;
use crate::workspace::Workspace;
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use std::io::IsTerminal as _;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List all profiles.
    List,
    /// Show one profile (secrets as fingerprints).
    Show { name: String },
    /// Add a profile. The secret is read from standard input or a hidden prompt.
    Add(Box<AddArgs>),
    /// Remove a profile and its secret.
    Remove { name: String },
    /// Keep a secret a request uses as `{{secret:NAME}}` (in a header, the query or the body) in
    /// the profile's keychain entry. The value is read from standard input or a hidden prompt.
    Secret {
        /// The profile's name.
        profile: String,
        /// The secret's name, as requests write it in `{{secret:NAME}}`.
        name: String,
        /// Forget it instead, and delete it from the keychain.
        #[arg(long)]
        remove: bool,
    },
    /// Give a profile a client certificate (mutual TLS) or extra trusted authorities, or take
    /// them off. The private key goes to the keychain; the certificate stays in the profile.
    Certificate(CertificateArgs),
}

/// Client-certificate options, shared by `profile add` and `profile certificate`.
#[derive(Debug, Args, Default)]
pub struct TlsArgs {
    /// A client certificate file (PEM) to present to the server (mutual TLS). Needs --client-key.
    #[arg(long, value_name = "FILE", requires = "client_key", conflicts_with = "pkcs12")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key file (PEM). It is copied into the keychain; the
    /// profile file holds only a reference to it.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// A PKCS#12 bundle (.p12 or .pfx) holding the client certificate and its key. Its
    /// passphrase is read from standard input or a hidden prompt; the key goes to the keychain
    /// and the passphrase is not kept.
    #[arg(long, value_name = "FILE")]
    pub pkcs12: Option<PathBuf>,
    /// Extra certificate authorities (PEM) to trust for this profile's server, for APIs whose
    /// certificate comes from a private authority.
    #[arg(long, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CertificateArgs {
    pub name: String,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Take the client certificate off the profile and delete its key from the keychain.
    #[arg(long, conflicts_with_all = ["client_cert", "client_key", "pkcs12"])]
    pub remove: bool,
    /// Stop trusting the extra certificate authorities.
    #[arg(long, conflicts_with = "ca_bundle")]
    pub remove_ca_bundle: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AuthArg {
    None,
    ApiKey,
    Bearer,
    Basic,
    /// OAuth 2 client credentials: the client secret is read like other secrets.
    OauthClientCredentials,
    /// A JWT Gatepass signs for each request: the signing key (shared secret or PEM private key)
    /// is read like other secrets.
    SignedJwt,
    /// OAuth 2 authorization code with PKCE: a person signs in with the browser.
    OauthAuthorizationCode,
    /// OAuth 2 device grant: a person types a short code on the sign-in server's page.
    OauthDevice,
    /// HTTP Digest (RFC 7616): needs --username; the password is read like other secrets and
    /// only a hash of it answering the server's challenge is sent.
    Digest,
    /// AWS Signature Version 4: needs --access-key-id, --region and --service; the secret
    /// access key is read like other secrets (with --session-token-stdin, a second line holds
    /// the session token of temporary credentials).
    #[value(name = "aws-sigv4")]
    AwsSigv4,
    /// OAuth 1.0a: needs --consumer-key; the consumer secret is read like other secrets, and
    /// with --token, a second line of standard input holds the token secret.
    Oauth1,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OAuth1In {
    Header,
    Query,
    Body,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClientAuthArg {
    /// Client ID and secret in a Basic header (`client_secret_basic`).
    Basic,
    /// Client ID and secret as form fields (`client_secret_post`).
    Body,
    /// A JWT signed with the client's private key (`private_key_jwt`); the key is read like other
    /// secrets, and --alg / --key-id say how to sign.
    PrivateKeyJwt,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyIn {
    Header,
    Query,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools, reason = "command-line flags: each bool is one --flag")]
pub struct AddArgs {
    pub name: String,
    /// sandbox, production, or your own label such as staging.
    #[arg(long, default_value = "sandbox")]
    pub environment: String,
    #[arg(long)]
    pub base_url: String,
    #[arg(long, value_enum, default_value = "none")]
    pub auth: AuthArg,
    /// Header or query parameter name for an API key.
    #[arg(long, default_value = "X-Api-Key")]
    pub key_name: String,
    #[arg(long, value_enum, default_value = "header")]
    pub key_in: KeyIn,
    /// Username for Basic or Digest.
    #[arg(long)]
    pub username: Option<String>,
    /// A host the credential may go to (repeatable). Default: the base URL's host.
    #[arg(long = "allowed-host")]
    pub allowed_hosts: Vec<String>,
    /// A permission (scope) the credential should carry (repeatable). With OAuth, also asked for.
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// OAuth: the sign-in server's token endpoint.
    #[arg(long)]
    pub token_url: Option<String>,
    /// OAuth: the app's client ID.
    #[arg(long)]
    pub client_id: Option<String>,
    /// OAuth authorization code: the sign-in page (authorization endpoint).
    #[arg(long)]
    pub authorization_url: Option<String>,
    /// OAuth device grant: the device authorization endpoint.
    #[arg(long)]
    pub device_authorization_url: Option<String>,
    /// OAuth authorization code or device: read a client secret from standard input (only for
    /// a confidential client; apps on people's computers usually have none).
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// OAuth: how the client ID and secret are sent to the token endpoint.
    #[arg(long, value_enum, default_value = "basic")]
    pub client_auth: ClientAuthArg,
    /// OAuth: the audience parameter (Auth0, Okta), naming the API the token is for.
    #[arg(long)]
    pub audience: Option<String>,
    /// OAuth: the resource parameter (RFC 8707), naming the API the token is for.
    #[arg(long)]
    pub resource: Option<String>,
    /// AWS Signature V4: the access key ID.
    #[arg(long)]
    pub access_key_id: Option<String>,
    /// AWS Signature V4: the region requests are signed for (us-east-1, …).
    #[arg(long)]
    pub region: Option<String>,
    /// AWS Signature V4: the service's signing name (s3, execute-api, sqs, …).
    #[arg(long)]
    pub service: Option<String>,
    /// AWS Signature V4: sign as a presigned URL (query parameters) instead of the header.
    #[arg(long)]
    pub presign: bool,
    /// AWS Signature V4 with --presign: how long the URL stays good, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::core::profile::AwsSigV4::DEFAULT_EXPIRES_SECS.to_string())]
    pub expires: String,
    /// AWS Signature V4: standard input holds the secret access key on its first line and the
    /// session token (temporary credentials) on the second.
    #[arg(long)]
    pub session_token_stdin: bool,
    /// Make a `DPoP` key (RFC 9449, EC P-256) for the profile, kept in the keychain: its access
    /// token is then sent as `Authorization: DPoP …` with a fresh proof on every request, and
    /// with an OAuth sign-in, the token requests carry proofs too, so the token is bound to it.
    #[arg(long)]
    pub dpop: bool,
    /// OAuth 1.0a: the consumer key.
    #[arg(long)]
    pub consumer_key: Option<String>,
    /// OAuth 1.0a: the access token (its secret is the second line of standard input).
    #[arg(long)]
    pub token: Option<String>,
    /// OAuth 1.0a: HMAC-SHA1, HMAC-SHA256, RSA-SHA1 (standard input holds the consumer's RSA
    /// private key, PEM) or PLAINTEXT.
    #[arg(long, value_parser = parse_oauth1_method, default_value = "HMAC-SHA1")]
    pub signature_method: crate::core::profile::OAuth1Method,
    /// OAuth 1.0a: where the protocol parameters go.
    #[arg(long, value_enum, default_value = "header")]
    pub oauth1_in: OAuth1In,
    /// OAuth 1.0a: the realm some APIs want in the header (`NetSuite`: the account ID).
    #[arg(long)]
    pub realm: Option<String>,
    /// A variable as name=value (repeatable).
    /// Signing algorithm for a signed JWT or a `private_key_jwt` assertion: HS256, HS384, HS512,
    /// RS256, PS256, ES256 or `EdDSA`.
    #[arg(long, value_parser = parse_alg, default_value = "HS256")]
    pub alg: SigningAlg,
    /// The `kid` header of a signed JWT or assertion.
    #[arg(long)]
    pub key_id: Option<String>,
    /// Signed JWT: the `iss` claim.
    #[arg(long)]
    pub issuer: Option<String>,
    /// Signed JWT: the `sub` claim.
    #[arg(long)]
    pub subject: Option<String>,
    /// Signed JWT: more claims, as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub claims: Option<String>,
    /// Signed JWT: how long each token is good for, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::core::profile::SignedJwt::DEFAULT_LIFETIME_SECS.to_string())]
    pub lifetime: String,
    /// A GET that needs the credential (e.g. /v1/me), sent by `gatepass check` to prove it works.
    #[arg(long, value_name = "PATH")]
    pub check_path: Option<String>,
    /// A key set (JWKS) address that checks this profile's token signatures.
    #[arg(long, value_name = "URL")]
    pub jwks_url: Option<String>,
    /// An introspection endpoint (RFC 7662) that says whether a token is active.
    #[arg(long, value_name = "URL")]
    pub introspection_url: Option<String>,
    #[arg(long = "var", value_parser = parse_var)]
    pub variables: Vec<(String, String)>,
    #[arg(long, default_value = "")]
    pub notes: String,
    #[command(flatten)]
    pub tls: TlsArgs,
}

fn parse_alg(text: &str) -> Result<SigningAlg, String> {
    SigningAlg::from_name(text).ok_or_else(|| {
        let names: Vec<_> = SigningAlg::ALL.iter().map(|a| a.name()).collect();
        format!("\"{text}\" is not an algorithm Gatepass signs with; use one of {}", names.join(", "))
    })
}

fn parse_oauth1_method(text: &str) -> Result<crate::core::profile::OAuth1Method, String> {
    crate::core::profile::OAuth1Method::from_name(text).ok_or_else(|| {
        format!("\"{text}\" is not an OAuth 1 signature method; use HMAC-SHA1, HMAC-SHA256, RSA-SHA1 or PLAINTEXT")
    })
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .ok_or_else(|| format!("\"{text}\" is not name=value"))
}

pub fn run(workspace: &Workspace, command: &ProfileCommand) -> anyhow::Result<i32> {
    match command {
        ProfileCommand::List => {
            let loaded = workspace.load_profiles()?;
            if loaded.file.profiles.is_empty() {
                println!("No profiles yet. Add one with `gatepass profile add NAME --base-url URL`.");
            }
            for p in &loaded.file.profiles {
                let active = if loaded.file.active_profile.as_ref() == Some(&p.id) { "*" } else { " " };
                println!(
                    "{active} {:<30} {:<18} {:<28} {}",
                    p.name,
                    p.environment.long_label(),
                    p.auth.kind().label(),
                    p.base_url
                );
            }
            Ok(0)
        }
        ProfileCommand::Show { name } => {
            let profile = workspace.profile_named(name)?;
            let fingerprint = match profile.auth.secret_ref() {
                Some(slot) => {
                    needs_keychain(workspace)?;
                    let unset = if profile.auth.user_sign_in().is_some() {
                        "none (a public client)"
                    } else {
                        "not set yet: remove and add the profile again to set it"
                    };
                    Some(
                        workspace
                            .read_secret(slot)?
                            .map_or_else(|| unset.to_owned(), |s| format!("{} (in the keychain)", s.fingerprint())),
                    )
                }
                None => None,
            };
            let client_key = match &profile.client_certificate {
                Some(identity) => {
                    needs_keychain(workspace)?;
                    Some(workspace.read_secret(&identity.private_key)?.is_some())
                }
                None => None,
            };
            print!("{}", describe_profile(&profile, fingerprint.as_deref(), client_key));
            if profile.dpop_key.is_some() {
                needs_keychain(workspace)?;
                match workspace.dpop_thumbprint(&profile)? {
                    Some(jkt) => println!("DPoP key:        in the keychain, thumbprint (cnf.jkt) {jkt}"),
                    None => println!("DPoP key:        missing from the keychain: add the profile again with --dpop"),
                }
            }
            if profile.auth.is_oauth() {
                println!("Access token:    {}", cached_token_words(workspace, &profile)?);
            }
            Ok(0)
        }
        ProfileCommand::Add(args) => {
            let mut profile = profile_from_args(args)?;
            if args.dpop && !profile.auth.carries_access_token() {
                bail!(
                    "--dpop binds an access token to a key, so it goes with --auth bearer or an OAuth sign-in (oauth-client-credentials, oauth-authorization-code, oauth-device); {} sends no access token.",
                    profile.auth.kind().label()
                );
            }
            if args.tls.pkcs12.is_some() && profile.auth.secret_ref().is_some() && !std::io::stdin().is_terminal() {
                bail!(
                    "Both the {} and the PKCS#12 passphrase would be read from standard input. Add the profile without --pkcs12 first, then run `gatepass profile certificate \"{}\" --pkcs12 FILE`.",
                    profile.auth.secret_label(),
                    profile.name
                );
            }
            // Read and check the files before anything is saved or asked for.
            let identity = read_identity(&args.tls)?;
            if let Some((certificate_pem, _, _)) = &identity {
                profile.client_certificate = Some(ClientIdentity::new(&profile.id, certificate_pem.clone()));
            }
            // Check the keychain before asking for the secret, so nobody pastes it for nothing.
            let public_client = profile.auth.user_sign_in().is_some() && !args.client_secret_stdin;
            // Saving an OAuth profile also clears any cached token: the keychain is needed even
            // for a public client, which has no secret to read.
            if profile.auth.secret_ref().is_some() || identity.is_some() {
                needs_keychain(workspace)?;
            }
            let mut secret = match profile.auth.secret_ref() {
                Some(_) if !public_client => Some(read_secret_input(profile.auth.secret_label())?),
                _ => None,
            };
            // Temporary AWS credentials: the session token is the second line.
            let session_token = match (&profile.auth, args.session_token_stdin) {
                (AuthMethod::AwsSigV4(settings), true) => {
                    let both = secret.take().map(|s| s.expose().to_owned()).unwrap_or_default();
                    let Some((key, token)) = both.split_once('\n') else {
                        bail!(
                            "With --session-token-stdin, give the secret access key on the first line and the session token on the second."
                        );
                    };
                    secret = Some(Secret::new(key.trim_end_matches('\r')));
                    Some((settings.session_token.clone(), Secret::new(token.trim_end_matches(['\r', '\n']))))
                }
                (_, true) => bail!("--session-token-stdin goes with --auth aws-sigv4 only."),
                // OAuth 1 with a token: the token secret is the second line (RSA-SHA1 signs
                // with the private key alone: all of standard input is that key).
                (AuthMethod::OAuth1(settings), false)
                    if !settings.token.is_empty() && settings.method != crate::core::profile::OAuth1Method::RsaSha1 =>
                {
                    let both = secret.take().map(|s| s.expose().to_owned()).unwrap_or_default();
                    let Some((key, token)) = both.split_once('\n') else {
                        bail!(
                            "With --token, give the consumer secret on the first line of standard input and the token secret on the second."
                        );
                    };
                    secret = Some(Secret::new(key.trim_end_matches('\r')));
                    Some((settings.token_secret.clone(), Secret::new(token.trim_end_matches(['\r', '\n']))))
                }
                _ => None,
            };
            if let (AuthMethod::OAuth1(settings), Some(key)) = (&profile.auth, &secret)
                && settings.method == crate::core::profile::OAuth1Method::RsaSha1
            {
                crate::core::auth::oauth1::check_rsa_key(key)?;
            }
            workspace.save_profile_with_key(&profile, secret.as_ref(), identity.as_ref().map(|(_, key, _)| key))?;
            if let Some((slot, token)) = &session_token {
                workspace.set_profile_secret(&profile.id, slot, token)?;
            }
            if args.dpop {
                let thumbprint = workspace.new_dpop_key(&profile)?;
                println!(
                    "Made a DPoP key for \"{}\" (in the keychain). A token bound to it carries cnf.jkt = {thumbprint}.",
                    profile.name
                );
            }
            if public_client {
                println!(
                    "Added profile \"{}\" ({}). It has no client secret (an app on people's computers needs none). Sign in with `gatepass token get --profile \"{}\"`.",
                    profile.name,
                    profile.environment.long_label(),
                    profile.name
                );
            } else {
                let kept = match (profile.auth.secret_ref(), &identity) {
                    (Some(_), Some(_)) => {
                        format!(" Its {} and client certificate key are in the keychain.", profile.auth.secret_label())
                    }
                    (Some(_), None) => format!(" Its {} is in the keychain.", profile.auth.secret_label()),
                    (None, Some(_)) => " Its client certificate key is in the keychain.".to_owned(),
                    (None, None) => String::new(),
                };
                println!("Added profile \"{}\" ({}).{kept}", profile.name, profile.environment.long_label());
            }
            if let Some((_, _, facts)) = &identity {
                println!("Client certificate: {}. {}.", facts.subject, facts.state_words());
            }
            Ok(0)
        }
        ProfileCommand::Certificate(args) => run_certificate(workspace, args),
        ProfileCommand::Secret { profile, name, remove } => {
            let profile = workspace.profile_named(profile)?;
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
                bail!("A secret's name is letters, digits, `_`, `-` and `.`, as in {{{{secret:api_key}}}}.");
            }
            needs_keychain(workspace)?;
            if *remove {
                if workspace.remove_secret_variable(&profile.id, name)? {
                    println!(
                        "Forgot the secret {name} of profile \"{}\" and deleted it from the keychain.",
                        profile.name
                    );
                    return Ok(0);
                }
                bail!("Profile \"{}\" has no secret named {name}.", profile.name);
            }
            let value = read_secret_input(&format!("value of {name}"))?;
            workspace.set_secret_variable(&profile.id, name, &value)?;
            println!(
                "Kept {name} ({}) in the keychain for profile \"{}\": requests use it as {{{{secret:{name}}}}}.",
                value.fingerprint(),
                profile.name
            );
            Ok(0)
        }
        ProfileCommand::Remove { name } => {
            let profile = workspace.profile_named(name)?;
            if !profile.secret_slots().is_empty() {
                needs_keychain(workspace)?;
            }
            workspace.delete_profile(&profile.id)?;
            println!("Removed profile \"{}\" and its secret.", profile.name);
            Ok(0)
        }
    }
}

fn run_certificate(workspace: &Workspace, args: &CertificateArgs) -> anyhow::Result<i32> {
    let profile = workspace.profile_named(&args.name)?;
    let identity = read_identity(&args.tls)?;
    let bundle = args.tls.ca_bundle.as_deref().map(read_ca_bundle).transpose()?;
    if identity.is_none() && bundle.is_none() && !args.remove && !args.remove_ca_bundle {
        bail!(
            "Say what to change: --client-cert FILE with --client-key FILE, --pkcs12 FILE, --ca-bundle FILE, --remove or --remove-ca-bundle."
        );
    }
    if identity.is_some() || args.remove {
        needs_keychain(workspace)?;
    }
    if let Some((certificate_pem, key, _)) = &identity {
        let facts = workspace.import_client_certificate(&profile.id, certificate_pem, key)?;
        println!("The profile \"{}\" now presents a client certificate. Its key is in the keychain.", profile.name);
        println!("Client certificate: {}. {}.", facts.subject, facts.state_words());
    }
    if args.remove {
        workspace.remove_client_certificate(&profile.id)?;
        println!("Took the client certificate off \"{}\" and deleted its key from the keychain.", profile.name);
    }
    if let Some(bundle) = &bundle {
        workspace.set_ca_bundle(&profile.id, Some(bundle))?;
        println!("The profile \"{}\" now also trusts the authorities in the CA bundle.", profile.name);
    }
    if args.remove_ca_bundle {
        workspace.set_ca_bundle(&profile.id, None)?;
        println!("The profile \"{}\" trusts only this computer's authorities again.", profile.name);
    }
    Ok(0)
}

fn read_text_file(path: &std::path::Path, what: &str) -> anyhow::Result<String> {
    let text = crate::workspace::read_pem_file(path).with_context(|| format!("The {what} file could not be used"))?;
    Ok(text.as_str().to_owned())
}

/// The certificate and key named on the command line, checked: both readable and belonging together.
fn read_identity(args: &TlsArgs) -> anyhow::Result<Option<(String, Secret, CertificateFacts)>> {
    let (certificate_pem, key) = match (&args.client_cert, &args.client_key, &args.pkcs12) {
        (Some(cert_path), Some(key_path), _) => {
            (read_text_file(cert_path, "client certificate")?, Secret::new(read_text_file(key_path, "private key")?))
        }
        (_, _, Some(bundle_path)) => {
            let bundle = crate::workspace::read_key_file(bundle_path).context("The PKCS#12 file could not be used")?;
            let passphrase = read_passphrase_input()?;
            Workspace::open_pkcs12(&bundle, &passphrase)?
        }
        _ => return Ok(None),
    };
    let facts = Workspace::check_client_certificate(&certificate_pem, &key)?;
    if let Some(warning) = certificate_warning(&facts) {
        eprintln!("Warning: {warning}");
    }
    Ok(Some((certificate_pem, key, facts)))
}

fn read_ca_bundle(path: &std::path::Path) -> anyhow::Result<String> {
    let text = read_text_file(path, "CA bundle")?;
    crate::core::certificate::parse_ca_bundle(&text)?;
    Ok(text)
}

/// A line to say before sending when the client certificate will not be accepted, or soon won't.
pub(crate) fn certificate_warning(facts: &CertificateFacts) -> Option<String> {
    match facts.state {
        CertState::Valid => None,
        CertState::ExpiresSoon | CertState::Expired | CertState::NotYetValid => Some(format!(
            "the client certificate ({}): {}.",
            facts.common_name.as_deref().unwrap_or(&facts.subject),
            facts.state_words()
        )),
    }
}

/// What is known about an OAuth profile's cached access token, in words (never the token).
fn cached_token_words(workspace: &Workspace, profile: &Profile) -> anyhow::Result<String> {
    let Some(info) = workspace.cached_token_info(&profile.id)? else {
        if profile.auth.user_sign_in().is_some() {
            return Ok(format!("none yet: sign in with `gatepass token get --profile \"{}\"`", profile.name));
        }
        return Ok(format!(
            "none yet (sent requests get one; or run `gatepass token get --profile \"{}\"`)",
            profile.name
        ));
    };
    let now = time::OffsetDateTime::now_utc();
    let expiry = match info.expires_at.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok()) {
        Some(t) => crate::core::token::time_words::expiry_words(t, now),
        None => "expiry not said".to_owned(),
    };
    let renewal = if info.has_refresh_token { ", renews itself with a refresh token" } else { "" };
    Ok(format!("{} in the keychain, {expiry}{renewal}", info.fingerprint))
}

/// A profile as text, secrets as fingerprints.
/// `client_key` says whether the client certificate's key was found in the keychain.
pub fn describe_profile(profile: &Profile, fingerprint: Option<&str>, client_key: Option<bool>) -> String {
    let mut out = format!("Name:            {}\n", profile.name);
    out.push_str(&format!("Environment:     {}\n", profile.environment.long_label()));
    out.push_str(&format!("Base URL:        {}\n", profile.base_url));
    out.push_str(&format!("Allowed hosts:   {}\n", profile.effective_allowed_hosts().join(", ")));
    out.push_str(&format!("Auth:            {}\n", profile.auth.kind().label()));
    match &profile.auth {
        AuthMethod::ApiKey { name, placement, .. } => {
            let place = match placement {
                KeyPlacement::Header => "header",
                KeyPlacement::Query => "query parameter",
            };
            out.push_str(&format!("Sent in:         {place} {name}\n"));
        }
        AuthMethod::Basic { username, .. } => out.push_str(&format!("Username:        {username}\n")),
        AuthMethod::OAuth1(settings) => {
            out.push_str(&format!("Consumer key:    {}\n", settings.consumer_key));
            if !settings.token.is_empty() {
                out.push_str(&format!("Token:           {}\n", settings.token));
            }
            out.push_str(&format!("Signed with:     {}\n", settings.method.name()));
            if let Some(realm) = &settings.realm {
                out.push_str(&format!("Realm:           {realm}\n"));
            }
        }
        AuthMethod::AwsSigV4(settings) => {
            out.push_str(&format!("Access key ID:   {}\n", settings.access_key_id));
            out.push_str(&format!("Region:          {}\n", settings.region));
            out.push_str(&format!("Service:         {}\n", settings.service));
            out.push_str(&match settings.placement {
                crate::core::profile::SigV4Placement::Header => {
                    "Signed in:       the Authorization header, for every request\n".to_owned()
                }
                crate::core::profile::SigV4Placement::Query => {
                    format!("Signed in:       a presigned URL, good for {} s\n", settings.expires_secs)
                }
            });
        }
        AuthMethod::Digest { username, .. } => {
            out.push_str(&format!("Username:        {username}\n"));
            out.push_str("Sent as:         an answer to the server's Digest challenge (the password stays here)\n");
        }
        AuthMethod::OAuthClientCredentials(settings) => {
            out.push_str(&format!("Token URL:       {}\n", settings.token_url));
            out.push_str(&format!("Client ID:       {}\n", settings.client_id));
            out.push_str(&format!("Client auth:     in {}\n", settings.client_auth.label()));
            if !settings.scopes.is_empty() {
                out.push_str(&format!("Asks for:        {}\n", settings.scopes.join(" ")));
            }
            if let Some(audience) = &settings.audience {
                out.push_str(&format!("Audience:        {audience}\n"));
            }
            if let Some(resource) = &settings.resource {
                out.push_str(&format!("Resource:        {resource}\n"));
            }
        }
        AuthMethod::SignedJwt(settings) => {
            out.push_str(&format!("Signed with:     {}\n", settings.algorithm));
            if let Some(kid) = &settings.key_id {
                out.push_str(&format!("Key ID (kid):    {kid}\n"));
            }
            for (label, value) in [
                ("Issuer (iss):    ", &settings.issuer),
                ("Subject (sub):   ", &settings.subject),
                ("Audience (aud):  ", &settings.audience),
            ] {
                if !value.is_empty() {
                    out.push_str(&format!("{label}{value}\n"));
                }
            }
            if !settings.scopes.is_empty() {
                out.push_str(&format!("Scope claim:     {}\n", settings.scopes.join(" ")));
            }
            if !settings.extra_claims.trim().is_empty() {
                out.push_str(&format!("Extra claims:    {}\n", settings.extra_claims.trim()));
            }
            out.push_str(&format!(
                "Each token:      good for {} s, made fresh for every request\n",
                settings.lifetime_secs
            ));
        }
        AuthMethod::OAuthAuthorizationCode(settings) | AuthMethod::OAuthDevice(settings) => {
            let label = if matches!(profile.auth, AuthMethod::OAuthDevice(_)) {
                "Device URL:      "
            } else {
                "Sign-in URL:     "
            };
            out.push_str(&format!("{label}{}\n", settings.authorization_url));
            out.push_str(&format!("Token URL:       {}\n", settings.token_url));
            out.push_str(&format!("Client ID:       {}\n", settings.client_id));
            if !settings.scopes.is_empty() {
                out.push_str(&format!("Asks for:        {}\n", settings.scopes.join(" ")));
            }
            if let Some(audience) = &settings.audience {
                out.push_str(&format!("Audience:        {audience}\n"));
            }
        }
        AuthMethod::None | AuthMethod::Bearer { .. } => {}
    }
    if let Some(fp) = fingerprint {
        out.push_str(&format!("Secret:          {fp}\n"));
    }
    let now = time::OffsetDateTime::now_utc();
    if let Some(identity) = &profile.client_certificate {
        match crate::core::certificate::facts_from_pem(&identity.certificate_pem, now) {
            Ok(facts) => {
                out.push_str(&format!("Client cert:     {}\n", facts.subject));
                out.push_str(&format!("  issued by:     {}\n", facts.issuer));
                out.push_str(&format!("  valid:         {} to {}\n", facts.not_before.date(), facts.not_after.date()));
                out.push_str(&format!("  state:         {}\n", facts.state_words()));
            }
            Err(e) => out.push_str(&format!("Client cert:     cannot be read. {e}\n")),
        }
        out.push_str(match client_key {
            Some(true) => "  key:           in the keychain\n",
            Some(false) => "  key:           missing from the keychain: import the certificate and key again\n",
            None => "",
        });
    }
    if let Some(bundle) = &profile.ca_bundle_pem {
        let names = crate::core::certificate::ca_bundle_names(bundle, now)
            .map_or_else(|e| e.to_string(), |names| names.join(", "));
        out.push_str(&format!("Also trusts:     {names} (CA bundle)\n"));
    }
    if !profile.expected_scopes.is_empty() {
        out.push_str(&format!("Permissions:     {}\n", profile.expected_scopes.join(" ")));
    }
    if !profile.secret_variables.is_empty() {
        let names: Vec<String> = profile.secret_variables.keys().map(|n| format!("{{{{secret:{n}}}}}")).collect();
        out.push_str(&format!("Body secrets:    {} (in the keychain)\n", names.join(", ")));
    }
    if let Some(path) = &profile.check_path {
        out.push_str(&format!("Check address:   GET {path}\n"));
    }
    if let Some(change) = &profile.secret_change
        && let Ok(set) = time::OffsetDateTime::from_unix_timestamp(change.set_at)
    {
        let when = set.date();
        match &change.previous_fingerprint {
            Some(previous) => out.push_str(&format!("Secret set:      {when} (replaced {previous})\n")),
            None => out.push_str(&format!("Secret set:      {when}\n")),
        }
    }
    if let Some(url) = &profile.token_checks.jwks_url {
        out.push_str(&format!("Key set (JWKS):  {url}\n"));
    }
    if profile.token_checks.verify_secret.is_some() {
        out.push_str("Checks with:     a shared secret kept in the keychain\n");
    }
    if let Some(url) = &profile.token_checks.introspection_url {
        out.push_str(&format!("Introspection:   {url}\n"));
    }
    for (k, v) in &profile.variables {
        out.push_str(&format!("Variable:        {k} = {v}\n"));
    }
    if !profile.notes.is_empty() {
        out.push_str(&format!("Notes:           {}\n", profile.notes));
    }
    out
}

/// The flag that sets a draft's field, for saying where to fix what the builder refused.
fn flag_of(field: DraftField) -> &'static str {
    match field {
        DraftField::Name => "the NAME argument",
        DraftField::Environment => "--environment",
        DraftField::BaseUrl => "--base-url",
        DraftField::AllowedHosts => "--allowed-host",
        DraftField::KeyName => "--key-name",
        DraftField::Username => "--username",
        DraftField::TokenUrl => "--token-url",
        DraftField::AuthorizationUrl => "--authorization-url",
        DraftField::DeviceAuthorizationUrl => "--device-authorization-url",
        DraftField::ClientId => "--client-id",
        DraftField::Algorithm => "--alg",
        DraftField::Lifetime => "--lifetime",
        DraftField::ExtraClaims => "--claims",
        DraftField::JwksUrl => "--jwks-url",
        DraftField::IntrospectionUrl => "--introspection-url",
        DraftField::Variables => "--var",
        DraftField::CaBundle => "--ca-bundle",
        DraftField::AccessKeyId => "--access-key-id",
        DraftField::Region => "--region",
        DraftField::Service => "--service",
        DraftField::Expires => "--expires",
        DraftField::ConsumerKey => "--consumer-key",
    }
}

/// The flags as a draft, for the one profile builder the editor uses too.
fn draft_from_args(args: &AddArgs) -> anyhow::Result<ProfileDraft> {
    let kind = match args.auth {
        AuthArg::None => AuthKind::None,
        AuthArg::ApiKey => AuthKind::ApiKey,
        AuthArg::Bearer => AuthKind::Bearer,
        AuthArg::Basic => AuthKind::Basic,
        AuthArg::OauthClientCredentials => AuthKind::OAuthClientCredentials,
        AuthArg::SignedJwt => AuthKind::SignedJwt,
        AuthArg::OauthAuthorizationCode => AuthKind::OAuthAuthorizationCode,
        AuthArg::OauthDevice => AuthKind::OAuthDevice,
        AuthArg::Digest => AuthKind::Digest,
        AuthArg::AwsSigv4 => AuthKind::AwsSigV4,
        AuthArg::Oauth1 => AuthKind::OAuth1,
    };
    let mut draft = ProfileDraft::new(kind);
    args.name.clone_into(&mut draft.name);
    draft.environment = Environment::from_label(&args.environment);
    args.base_url.clone_into(&mut draft.base_url);
    draft.allowed_hosts.clone_from(&args.allowed_hosts);
    draft.expected_scopes.clone_from(&args.scopes);
    draft.variables.clone_from(&args.variables);
    args.notes.clone_into(&mut draft.notes);
    draft.jwks_url = args.jwks_url.clone().unwrap_or_default();
    draft.introspection_url = args.introspection_url.clone().unwrap_or_default();
    draft.check_path = args.check_path.clone().unwrap_or_default();
    if let Some(bundle) = &args.tls.ca_bundle {
        draft.ca_bundle_pem = read_text_file(bundle, "CA bundle")?;
    }
    let auth = &mut draft.auth;
    args.key_name.clone_into(&mut auth.key_name);
    auth.key_placement = match args.key_in {
        KeyIn::Header => KeyPlacement::Header,
        KeyIn::Query => KeyPlacement::Query,
    };
    auth.username = args.username.clone().unwrap_or_default();
    auth.token_url = args.token_url.clone().unwrap_or_default();
    auth.authorization_url = match args.auth {
        AuthArg::OauthDevice => args.device_authorization_url.clone(),
        _ => args.authorization_url.clone(),
    }
    .unwrap_or_default();
    auth.client_id = args.client_id.clone().unwrap_or_default();
    auth.client_auth = match args.client_auth {
        ClientAuthArg::Basic => ClientAuth::BasicHeader,
        ClientAuthArg::Body => ClientAuth::RequestBody,
        ClientAuthArg::PrivateKeyJwt => ClientAuth::PrivateKeyJwt,
    };
    auth.oauth_scopes.clone_from(&args.scopes);
    auth.audience = args.audience.clone().unwrap_or_default();
    auth.resource = args.resource.clone().unwrap_or_default();
    auth.alg = args.alg;
    auth.key_id = args.key_id.clone().unwrap_or_default();
    auth.jwt_issuer = args.issuer.clone().unwrap_or_default();
    auth.jwt_subject = args.subject.clone().unwrap_or_default();
    auth.jwt_audience = args.audience.clone().unwrap_or_default();
    auth.jwt_scopes.clone_from(&args.scopes);
    auth.jwt_claims = args.claims.clone().unwrap_or_default();
    args.lifetime.clone_into(&mut auth.jwt_lifetime);
    auth.aws_access_key_id = args.access_key_id.clone().unwrap_or_default();
    auth.aws_region = args.region.clone().unwrap_or_default();
    auth.aws_service = args.service.clone().unwrap_or_default();
    auth.aws_placement = if args.presign { SigV4Placement::Query } else { SigV4Placement::Header };
    args.expires.clone_into(&mut auth.aws_expires);
    auth.oauth1_consumer_key = args.consumer_key.clone().unwrap_or_default();
    auth.oauth1_token = args.token.clone().unwrap_or_default();
    auth.oauth1_method = args.signature_method;
    auth.oauth1_placement = match args.oauth1_in {
        OAuth1In::Header => crate::core::profile::OAuth1Placement::Header,
        OAuth1In::Query => crate::core::profile::OAuth1Placement::Query,
        OAuth1In::Body => crate::core::profile::OAuth1Placement::Body,
    };
    auth.oauth1_realm = args.realm.clone().unwrap_or_default();
    Ok(draft)
}

fn profile_from_args(args: &AddArgs) -> anyhow::Result<Profile> {
    let draft = draft_from_args(args)?;
    draft.build(None).map_err(|e| {
        let flag = flag_of(e.field());
        anyhow::anyhow!("{e} (Set it with {flag}.)")
    })
}
