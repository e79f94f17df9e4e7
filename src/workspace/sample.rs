//! The ready-to-try workspace: profiles pointing at the embedded practice API (an API key, an
//! access token, OAuth 2 client credentials, a browser sign-in, a signed JWT and a client
//! certificate), their demo credentials in the keychain, and a short list of requests that show a success and each
//! common failure.

use super::{Workspace, WorkspaceError};
use crate::core::profile::{
    AuthMethod, ClientAuth, ClientCredentials, ClientIdentity, Environment, KeyPlacement, PracticeLink, Profile,
    SecretRef, SignedJwt, SigningAlg, TokenChecks, UserSignIn,
};
use crate::core::request::{BodyDraft, KeyValue, Method, RequestDraft};
use crate::core::secret::Secret;
use crate::practice::{self, DemoKind, PracticeEnv, PracticeServer, TokenSpec};

pub const SANDBOX_NAME: &str = "Practice — Sandbox";
pub const PRODUCTION_NAME: &str = "Practice — Production";
pub const OAUTH_NAME: &str = "Practice — OAuth (Sandbox)";
pub const MTLS_NAME: &str = "Practice — Client certificate (Sandbox)";
pub const SIGN_IN_NAME: &str = "Practice — Sign in with browser (Sandbox)";

/// The practice sign-in server's sign-in page for an environment's base URL.
fn authorize_url(base_url: &str) -> String {
    format!("{}/oauth/authorize", base_url.trim_end_matches('/'))
}

pub const SIGNED_JWT_NAME: &str = "Practice — Signed JWT (Sandbox)";

/// Every sample profile, in the order they are listed.
const ALL: [PracticeLink; 6] = [
    PracticeLink::Sandbox,
    PracticeLink::Production,
    PracticeLink::SandboxOAuth,
    PracticeLink::SandboxSignIn,
    PracticeLink::SandboxSignedJwt,
    PracticeLink::SandboxMtls,
];

/// How many profiles a new sample workspace has.
pub const SAMPLE_PROFILE_COUNT: usize = ALL.len();

/// The name a sample profile is created with.
fn sample_name(link: PracticeLink) -> &'static str {
    match link {
        PracticeLink::Sandbox => SANDBOX_NAME,
        PracticeLink::Production => PRODUCTION_NAME,
        PracticeLink::SandboxOAuth => OAUTH_NAME,
        PracticeLink::SandboxSignIn => SIGN_IN_NAME,
        PracticeLink::SandboxSignedJwt => SIGNED_JWT_NAME,
        PracticeLink::SandboxMtls => MTLS_NAME,
    }
}

/// The practice sign-in server's token endpoint for an environment's base URL.
fn token_url(base_url: &str) -> String {
    format!("{}/oauth/token", base_url.trim_end_matches('/'))
}

/// The practice sign-in server's key set and introspection endpoint for an environment's base URL.
fn token_checks(base_url: &str) -> TokenChecks {
    let base = base_url.trim_end_matches('/');
    TokenChecks {
        jwks_url: Some(format!("{base}/oauth/jwks")),
        verify_secret: None,
        introspection_url: Some(format!("{base}/oauth/introspect")),
    }
}

/// Where the practice API listens now (its ports can change between launches), and the
/// client-certificate port's certificates of this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeUrls {
    pub sandbox: String,
    pub production: String,
    pub mtls: Option<PracticeMtls>,
}

/// The practice client-certificate port as this run made it: its address, the CA that signed
/// its certificates, and the sandbox app's certificate and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeMtls {
    pub base_url: String,
    pub ca_pem: String,
    pub certificate_pem: String,
    pub private_key: Secret,
}

impl From<&PracticeServer> for PracticeUrls {
    fn from(server: &PracticeServer) -> Self {
        let (certificate_pem, private_key) = server.pki().sandbox_client();
        Self {
            sandbox: server.base_url(PracticeEnv::Sandbox),
            production: server.base_url(PracticeEnv::Production),
            mtls: Some(PracticeMtls {
                base_url: server.mtls_base_url(),
                ca_pem: server.pki().ca_pem().to_owned(),
                certificate_pem,
                private_key,
            }),
        }
    }
}

impl PracticeUrls {
    fn get(&self, env: PracticeEnv) -> String {
        match env {
            PracticeEnv::Sandbox => self.sandbox.clone(),
            PracticeEnv::Production => self.production.clone(),
        }
    }
}

/// A request from the "Try these" list.
#[derive(Debug, Clone)]
pub struct SampleRequest {
    pub label: &'static str,
    pub expect: &'static str,
    pub draft: RequestDraft,
}

/// Requests that work against either practice profile.
pub fn sample_requests() -> Vec<SampleRequest> {
    let mut no_credential = RequestDraft::get("/v1/me");
    no_credential.send_credential = false;
    let mut create = RequestDraft::get("/v1/orders");
    create.method = Method::Post;
    create.body = BodyDraft::Json { text: "{\n  \"item\": \"notebook\",\n  \"quantity\": 2\n}".to_owned() };
    vec![
        SampleRequest { label: "Who am I", expect: "200 with the Sandbox profile", draft: RequestDraft::get("/v1/me") },
        SampleRequest {
            label: "Without a credential",
            expect: "401: the API cannot tell who you are",
            draft: no_credential,
        },
        SampleRequest { label: "List orders", expect: "200", draft: RequestDraft::get("/v1/orders") },
        SampleRequest {
            label: "Create an order",
            expect: "201 in Sandbox; 403 in Production (missing permission)",
            draft: create,
        },
        SampleRequest {
            label: "Admin reports",
            expect: "403: known, but not allowed",
            draft: RequestDraft::get("/v1/admin/reports"),
        },
        SampleRequest {
            label: "Large response (20 MB)",
            expect: "200, stays responsive",
            draft: RequestDraft::get("/v1/big?mb=20"),
        },
        SampleRequest {
            label: "Binary response",
            expect: "200, shown as hex",
            draft: RequestDraft::get("/v1/binary?kb=4"),
        },
        SampleRequest {
            label: "Redirect to another host",
            expect: "the credential is not sent along",
            draft: RequestDraft::get("/v1/redirect-away"),
        },
    ]
}

/// One request per diagnosis cause, against the practice API's `/v1/lab/{cause}` routes.
pub fn lab_requests() -> Vec<SampleRequest> {
    let label = |cause: &str| match cause {
        "missing_credential" => "No credential",
        "malformed_credential" => "Formatting slip",
        "invalid_credential" => "Unknown key",
        "wrong_auth_scheme" => "Wrong kind of credential",
        "expired_credential" => "Expired token",
        "not_yet_valid_credential" => "Token not valid yet",
        "revoked_credential" => "Switched-off token",
        "wrong_environment" => "Test key at a live API",
        "wrong_audience" => "Token for another API",
        "insufficient_scope" => "Missing permission",
        "resource_permission" => "Not your item",
        "account_policy" => "Account rule",
        "client_authentication_failed" => "App secret refused",
        "signature_mismatch" => "Signature mismatch",
        "clock_skew" => "Clock off",
        "mtls_certificate" => "No client certificate",
        _ => "Proxy sign-in",
    };
    crate::practice::lab::LAB
        .iter()
        .map(|(cause, expect)| {
            let mut draft = RequestDraft::get(format!("/v1/lab/{cause}"));
            match *cause {
                "missing_credential" => draft.send_credential = false,
                "malformed_credential" => {
                    // The practice API's public demo key, typed with the scheme word twice.
                    draft.send_credential = false;
                    let key = demo_value(PracticeEnv::Sandbox, "sandbox-api-key")
                        .and_then(|k| match k {
                            DemoKind::ApiKey { value, .. } => Some(value),
                            _ => None,
                        })
                        .unwrap_or_default();
                    draft.headers.push(KeyValue::new("Authorization", format!("Bearer Bearer {key}")));
                }
                _ => {}
            }
            SampleRequest { label: label(cause), expect, draft }
        })
        .collect()
}

fn demo_value(env: PracticeEnv, id: &str) -> Option<DemoKind> {
    practice::demo_credentials().into_iter().find(|c| c.env == env && c.id == id).map(|c| c.kind)
}

/// The sample profile that uses the client-certificate port, with its key; None when this run
/// of the practice API has no such port.
fn mtls_profile(server: &PracticeUrls) -> Option<(Profile, Secret)> {
    let mtls = server.mtls.as_ref()?;
    let mut profile = Profile::new(MTLS_NAME, Environment::Sandbox, mtls.base_url.clone());
    profile.practice = Some(PracticeLink::SandboxMtls);
    profile.check_path = Some("/v1/me".to_owned());
    profile.allowed_hosts = vec![host_port(&mtls.base_url)];
    profile.client_certificate = Some(ClientIdentity::new(&profile.id, mtls.certificate_pem.clone()));
    profile.ca_bundle_pem = Some(mtls.ca_pem.clone());
    profile.notes = "A test profile that proves who it is with a client certificate (mutual TLS) instead of a key. The practice API makes a new certificate each time it starts, and Gatepass puts it in this profile. Try \"Who am I\".".into();
    Some((profile, mtls.private_key.clone()))
}

fn practice_profile(server: &PracticeUrls, link: PracticeLink) -> Result<(Profile, Option<Secret>), WorkspaceError> {
    let (env, environment) = match link {
        PracticeLink::Production => (PracticeEnv::Production, Environment::Production),
        PracticeLink::Sandbox
        | PracticeLink::SandboxOAuth
        | PracticeLink::SandboxSignIn
        | PracticeLink::SandboxSignedJwt => (PracticeEnv::Sandbox, Environment::Sandbox),
        PracticeLink::SandboxMtls => {
            return Err(WorkspaceError::Other("the client-certificate profile has no auth secret".to_owned()));
        }
    };
    let name = sample_name(link);
    let mut profile = Profile::new(name, environment, server.get(env));
    profile.practice = Some(link);
    profile.check_path = Some("/v1/me".to_owned());
    profile.allowed_hosts = vec![host_port(&server.get(env))];
    let missing = || WorkspaceError::Other("the practice API has no demo credential for this profile".to_owned());
    let secret = match link {
        PracticeLink::Sandbox => {
            let Some(DemoKind::ApiKey { header, value }) = demo_value(env, "sandbox-api-key") else {
                return Err(missing());
            };
            profile.auth = AuthMethod::ApiKey {
                name: header.to_owned(),
                placement: KeyPlacement::Header,
                key: SecretRef::for_profile(&profile.id, "api_key"),
            };
            profile.expected_scopes = vec!["orders:read".into(), "orders:write".into(), "profile:read".into()];
            profile.notes = "A test profile on Gatepass's built-in practice API. It uses an API key. Try the requests under \"Try these\".".into();
            Some(Secret::new(value))
        }
        PracticeLink::Production => {
            let spec = TokenSpec {
                subject: "demo-live-app".to_owned(),
                scopes: vec!["orders:read".to_owned(), "profile:read".to_owned()],
                expires_in_secs: 365 * 24 * 3600,
                not_before_in_secs: 0,
                audience: None,
            };
            let token = practice::mint_token(env, &spec).map_err(|e| WorkspaceError::Other(e.to_string()))?;
            profile.auth = AuthMethod::Bearer { token: SecretRef::for_profile(&profile.id, "token") };
            profile.expected_scopes = vec!["orders:read".into(), "orders:write".into()];
            profile.notes = "A live profile on the practice API. It uses an access token that can read orders but not create them, so \"Create an order\" shows a missing permission.".into();
            Some(Secret::new(token))
        }
        PracticeLink::SandboxOAuth => {
            let Some(DemoKind::OAuthClient { client_id, client_secret, .. }) = demo_value(env, "sandbox-oauth-client")
            else {
                return Err(missing());
            };
            let mut settings = ClientCredentials::new(&profile.id);
            settings.token_url = token_url(&server.get(env));
            client_id.clone_into(&mut settings.client_id);
            settings.scopes = vec!["orders:read".into(), "orders:write".into(), "profile:read".into()];
            settings.client_auth = ClientAuth::BasicHeader;
            profile.auth = AuthMethod::OAuthClientCredentials(settings);
            profile.token_checks = token_checks(&server.get(env));
            profile.expected_scopes = vec!["orders:read".into(), "orders:write".into(), "profile:read".into()];
            profile.notes = "A test profile that signs in the way server-to-server apps do: Gatepass asks the practice sign-in server for an access token with the app's client ID and secret (OAuth 2 client credentials), keeps it (10 minutes here) until a minute before it expires, then gets a new one.".into();
            Some(Secret::new(client_secret))
        }
        PracticeLink::SandboxSignIn => {
            let mut settings = UserSignIn::new(&profile.id);
            settings.authorization_url = authorize_url(&server.get(env));
            settings.token_url = token_url(&server.get(env));
            practice::public_client(env).client_id.clone_into(&mut settings.client_id);
            settings.scopes = vec!["orders:read".into(), "profile:read".into()];
            profile.auth = AuthMethod::OAuthAuthorizationCode(settings);
            // A public client cannot prove itself to the introspection endpoint: the key set only.
            profile.token_checks.jwks_url = token_checks(&server.get(env)).jwks_url;
            profile.expected_scopes = vec!["orders:read".into(), "profile:read".into()];
            profile.notes = "A test profile that signs in the way desktop and mobile apps do: Gatepass opens the practice sign-in page in your browser, you choose Approve, and the browser hands Gatepass the result (OAuth 2 authorization code with PKCE). Gatepass then renews the token on its own with a refresh token, until that runs out (8 hours here).".into();
            None
        }
        PracticeLink::SandboxSignedJwt => {
            let Some(DemoKind::ServiceAccount { client_id, key_id, scopes }) = demo_value(env, "sandbox-service")
            else {
                return Err(missing());
            };
            let mut settings = SignedJwt::new(&profile.id);
            settings.algorithm = SigningAlg::EdDSA;
            settings.key_id = Some(key_id.to_owned());
            client_id.clone_into(&mut settings.issuer);
            client_id.clone_into(&mut settings.subject);
            practice::AUDIENCE.clone_into(&mut settings.audience);
            settings.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
            profile.auth = AuthMethod::SignedJwt(settings);
            profile.expected_scopes = vec!["orders:read".into(), "orders:write".into(), "profile:read".into()];
            profile.notes = "A test profile that signs its own tokens, the way service accounts do: for every request Gatepass makes a short-lived JWT and signs it with the service account's private key (Ed25519, kept in the keychain). The practice API knows the matching public key.".into();
            Some(practice::service_private_key(env))
        }
        PracticeLink::SandboxMtls => return Err(missing()),
    };
    Ok((profile, secret))
}

fn rebase_slot(auth: &AuthMethod, id: &crate::core::profile::ProfileId) -> AuthMethod {
    match auth {
        AuthMethod::ApiKey { name, placement, .. } => {
            AuthMethod::ApiKey { name: name.clone(), placement: *placement, key: SecretRef::for_profile(id, "api_key") }
        }
        AuthMethod::Bearer { .. } => AuthMethod::Bearer { token: SecretRef::for_profile(id, "token") },
        AuthMethod::OAuthClientCredentials(settings) => AuthMethod::OAuthClientCredentials(settings.with_slots_of(id)),
        AuthMethod::SignedJwt(settings) => {
            AuthMethod::SignedJwt(SignedJwt { key: SecretRef::for_profile(id, "signing_key"), ..settings.clone() })
        }
        AuthMethod::OAuthAuthorizationCode(settings) => AuthMethod::OAuthAuthorizationCode(settings.with_slots_of(id)),
        other => other.clone(),
    }
}

fn host_port(base_url: &str) -> String {
    url::Url::parse(base_url)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_default()
}

impl Workspace {
    /// Add one sample profile with its secret (for the client-certificate one, its key).
    fn add_sample(&self, server: &PracticeUrls, link: PracticeLink) -> Result<(), WorkspaceError> {
        if link == PracticeLink::SandboxMtls {
            if let Some((profile, key)) = mtls_profile(server) {
                self.save_profile_with_key(&profile, None, Some(&key))?;
            }
            return Ok(());
        }
        let (profile, secret) = practice_profile(server, link)?;
        self.save_profile(&profile, secret.as_ref())?;
        Ok(())
    }

    /// On first launch, create the practice profiles with their secrets; on later launches, point
    /// the practice profiles at the practice API's current address, and give the
    /// client-certificate profile this run's certificate. Blocks (keychain).
    pub fn ensure_sample_workspace(&self, server: &PracticeUrls) -> Result<(), WorkspaceError> {
        let loaded = self.profiles.load()?;
        if loaded.damage.is_some() {
            // Nothing is written to a damaged file before the person chooses (they are asked).
            return Ok(());
        }
        // First launch: no file yet, or only the empty one opening the keychain wrote.
        let first_launch = loaded.is_new || (loaded.file.profiles.is_empty() && loaded.file.samples_offered.is_empty());
        if first_launch {
            for link in ALL {
                self.add_sample(server, link)?;
            }
            self.profiles.update(|f| f.samples_offered = ALL.to_vec())?;
            self.ensure_practice_collection()?;
            tracing::info!("sample workspace created");
            return Ok(());
        }
        // A workspace that uses the practice profiles gets the practice collection once, even one
        // made before collections existed.
        if loaded.file.profiles.iter().any(|p| p.practice.is_some()) {
            self.ensure_practice_collection()?;
        }
        // A sample workspace made before a sample profile existed gets it once. One offered
        // before and missing now was deleted on purpose, so it stays deleted.
        let offered = &loaded.file.samples_offered;
        let uses_samples = loaded.file.profiles.iter().any(|p| p.practice.is_some());
        let new_links: Vec<PracticeLink> = ALL.into_iter().filter(|link| !offered.contains(link)).collect();
        // The first two were there from the start, before the list of offered samples was kept.
        let from_the_start = [PracticeLink::Sandbox, PracticeLink::Production];
        if uses_samples && new_links.iter().any(|link| !from_the_start.contains(link)) {
            for link in new_links.into_iter().filter(|link| !from_the_start.contains(link)) {
                let present = loaded.file.profiles.iter().any(|p| p.practice == Some(link));
                let name_taken = loaded.file.profiles.iter().any(|p| p.name.eq_ignore_ascii_case(sample_name(link)));
                if !present && !name_taken {
                    self.add_sample(server, link)?;
                    tracing::info!(?link, "sample profile added to an older workspace");
                }
            }
            self.profiles.update(|f| f.samples_offered = ALL.to_vec())?;
        }
        for profile in loaded.file.profiles.iter().filter(|p| p.practice.is_some()) {
            if profile.practice == Some(PracticeLink::SandboxMtls) {
                self.refresh_mtls_sample(server, profile)?;
                continue;
            }
            let env = match profile.practice {
                Some(PracticeLink::Production) => PracticeEnv::Production,
                _ => PracticeEnv::Sandbox,
            };
            let url = server.get(env);
            let mut moved = profile.clone();
            moved.check_path.get_or_insert_with(|| "/v1/me".to_owned());
            moved.base_url.clone_from(&url);
            moved.allowed_hosts = vec![host_port(&url)];
            if let AuthMethod::OAuthClientCredentials(settings) = &mut moved.auth
                && profile.practice == Some(PracticeLink::SandboxOAuth)
            {
                settings.token_url = token_url(&url);
                moved.token_checks =
                    TokenChecks { verify_secret: moved.token_checks.verify_secret.clone(), ..token_checks(&url) };
            }
            if let AuthMethod::OAuthAuthorizationCode(settings) = &mut moved.auth
                && profile.practice == Some(PracticeLink::SandboxSignIn)
            {
                settings.authorization_url = authorize_url(&url);
                settings.token_url = token_url(&url);
                moved.token_checks.jwks_url = token_checks(&url).jwks_url;
            }
            // Re-seed a missing secret (for example after a session kept only in memory). The
            // sign-in sample is a public client: it has no secret to miss.
            let missing = match profile.auth.secret_ref() {
                Some(slot) if profile.auth.user_sign_in().is_none() => self.read_secret(slot)?.is_none(),
                _ => false,
            };
            if missing
                && let Ok((fresh, secret)) = practice_profile(server, profile.practice.unwrap_or(PracticeLink::Sandbox))
            {
                // The fresh profile's slots are named after its own id: keep ours.
                moved.auth = rebase_slot(&fresh.auth, &profile.id);
                self.save_profile(&moved, secret.as_ref())?;
            } else if moved != *profile {
                self.save_profile(&moved, None)?;
            }
        }
        Ok(())
    }

    /// The practice API makes new certificates at each start: point the client-certificate
    /// profile at this run's port, CA, certificate and key. A user who removed the certificate
    /// from the profile keeps it removed.
    fn refresh_mtls_sample(&self, server: &PracticeUrls, profile: &Profile) -> Result<(), WorkspaceError> {
        let Some(mtls) = &server.mtls else { return Ok(()) };
        let mut moved = profile.clone();
        moved.base_url.clone_from(&mtls.base_url);
        moved.allowed_hosts = vec![host_port(&mtls.base_url)];
        moved.ca_bundle_pem = Some(mtls.ca_pem.clone());
        let Some(identity) = &mut moved.client_certificate else {
            return if moved == *profile { Ok(()) } else { self.save_profile(&moved, None).map(drop) };
        };
        identity.certificate_pem.clone_from(&mtls.certificate_pem);
        self.save_profile_with_key(&moved, None, Some(&mtls.private_key))?;
        Ok(())
    }
}
