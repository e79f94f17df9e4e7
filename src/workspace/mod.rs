//! The use cases both front ends call: send a draft with a profile, manage profiles and their
//! secrets, read history, set up the sample workspace.
//!
//! The CLI and the GUI never reach into `infra` on their own, so they cannot drift apart. Methods
//! that touch the keychain, files or the database block; the GUI calls them from tasks.

mod check;
mod collections;
mod curl;
mod digest;
mod dpop;
mod files;
pub mod import;
mod oauth1;
mod sample;
mod send;
mod sigv4;

pub use send::DryRun;

pub use crate::core::history::SendOrigin;
pub use collections::{
    CollectionSummary, PRACTICE_COLLECTION_NAME, RunOptions, RunOutcome, RunProgress, RunRecord, unreadable_records,
};
pub use files::save_file;

pub use sample::{
    OAUTH_NAME, PRODUCTION_NAME, PracticeMtls, PracticeUrls, SAMPLE_PROFILE_COUNT, SANDBOX_NAME, SIGNED_JWT_NAME,
    SampleRequest, lab_requests, sample_requests,
};

use crate::core::certificate::{CertificateError, CertificateFacts};
use crate::core::exchange::{Exchange, RequestId};
use crate::core::history::HistoryEntry;
use crate::core::oauth::{CachedToken, GrantError, TokenInfo};
use crate::core::profile::{AuthMethod, ClientIdentity, Profile, ProfileId, SecretRef};
use crate::core::request::{Gate, PrepareError, RequestDraft};
use crate::core::secret::Secret;
use crate::core::token::Jwt;
use crate::core::token::verify::{SignatureCheck, VerifyKey, parse_key_set, verify};
use crate::infra::history::{History, HistoryError};
use crate::infra::http::HttpClient;
use crate::infra::jwks::JwksCache;
use crate::infra::keychain::{Keychain, KeychainError, MemoryStore, SecretStore, StoreKind, UnavailableStore};
use crate::infra::oauth::TokenHttp;
use crate::infra::read;
pub use crate::infra::sign_in::{
    Browser, CancelHandle, CancelSignal, DEFAULT_BROWSER_TIMEOUT_SECS, NoBrowser, SignInOptions, SignInPrompt,
    SystemBrowser, cancel_pair,
};
use crate::infra::store::{Loaded, Paths, ProfileStore, ProfilesFile, StoreError};
use crate::infra::tls::TlsExtras;
use std::sync::{Arc, Mutex, RwLock};

/// Everything a use case may fail with, each in plain words.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("There is no profile named \"{0}\". Run `gatepass profile list` to see the names.")]
    NoSuchProfile(String),
    #[error("A profile named \"{0}\" already exists. Choose another name.")]
    DuplicateName(String),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    Grant(#[from] GrantError),
    #[error(transparent)]
    Mint(#[from] crate::core::token::mint::MintError),
    #[error(transparent)]
    Digest(#[from] crate::core::auth::digest::DigestError),
    #[error(transparent)]
    SigV4(#[from] crate::core::auth::sigv4::SigV4Error),
    #[error(transparent)]
    OAuth1(#[from] crate::core::auth::oauth1::OAuth1Error),
    #[error("The client certificate cannot be used. {0}")]
    Certificate(#[from] CertificateError),
    #[error(
        "The client certificate's private key is not in the keychain. Import the certificate and its key into the profile again."
    )]
    MissingClientKey,
    #[error(transparent)]
    Read(#[from] read::ReadError),
    #[error(transparent)]
    Collection(#[from] crate::infra::collections::CollectionError),
    #[error(
        "This request holds a credential of its own ({}). A collection never keeps secrets: move the credential into a profile's keychain entry, then save.",
        places.join("; ")
    )]
    RequestHoldsSecret { places: Vec<String> },
    #[error("A saved request needs a name.")]
    RequestNeedsName,
    #[error(
        "The profile's DPoP key is not in the keychain. Make a new DPoP key for the profile, then get its token again: a token bound to the old key cannot be used."
    )]
    DpopKeyMissing,
    #[error(transparent)]
    Dpop(#[from] crate::core::auth::dpop::DpopError),
    /// Work Gatepass ran on another thread ended before it finished (a bug, or the app is
    /// shutting down): which work, and the runtime's words.
    #[error(
        "Something went wrong while {task}: it ended early ({detail}). Try again; if it keeps happening, please report it."
    )]
    TaskStopped { task: &'static str, detail: String },
    /// A use case for one sign-in method was asked of a profile with another.
    #[error("The profile \"{profile}\" does not use {wanted}.")]
    NotThisMethod { profile: String, wanted: &'static str },
    #[error("The profile \"{0}\" has no such secret.")]
    NoSuchSecret(String),
    #[error("The profile \"{profile}\" does not get its token from a sign-in server: it uses {method}.")]
    NoSignInServer { profile: String, method: String },
    #[error(transparent)]
    SaveFile(#[from] files::SaveFileError),
    #[error(transparent)]
    Import(#[from] import::ImportRefused),
    #[error(transparent)]
    ImportPlan(#[from] crate::core::import::ImportError),
    #[error("{0}")]
    Other(String),
}

/// Map a stopped background task (its `JoinError`) to [`WorkspaceError::TaskStopped`].
pub(crate) fn stopped(task: &'static str) -> impl FnOnce(tokio::task::JoinError) -> WorkspaceError {
    move |e| WorkspaceError::TaskStopped { task, detail: e.to_string() }
}

/// What a send ended with.
#[derive(Debug)]
pub enum SendOutcome {
    Sent {
        exchange: Box<Exchange>,
        /// Why it failed, when it did (no findings when it did not).
        explained: Box<crate::core::diagnose::Explained>,
        /// The history could not be written (the response is still shown).
        history_warning: Option<String>,
    },
    /// The user must say yes first; nothing was sent.
    NeedsConfirmation(Vec<Gate>),
}

/// How many earlier sends the diagnosis looks back over ("it worked an hour ago").
const HISTORY_FOR_DIAGNOSIS: usize = 200;

/// How to answer a foreign-host gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForeignHostChoice {
    #[default]
    Ask,
    SendWithCredential,
    SendWithoutCredential,
}

/// Whether an OAuth access token still good in the cache may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPolicy {
    /// Use the cached token unless it expires within a minute.
    ReuseIfFresh,
    /// Ask the sign-in server for a new token ("Get new token", or after a 401 `invalid_token`).
    GetNew,
}

/// How a sign-in a person approves reaches the person: which browser, how long to wait, and
/// where to tell them what to do (the address to open, or the device code).
#[derive(Clone)]
pub struct SignInHow {
    pub browser: Arc<dyn Browser>,
    pub options: SignInOptions,
    pub prompt: Arc<dyn Fn(SignInPrompt) + Send + Sync>,
    pub cancel: CancelSignal,
}

/// One send as asked for by a front end.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub id: RequestId,
    pub profile: ProfileId,
    pub draft: RequestDraft,
    pub production_write_confirmed: bool,
    pub foreign_host: ForeignHostChoice,
    /// Who asked: a person, a setup check, a collection run (kept in history).
    pub origin: SendOrigin,
    /// The permissions (scopes) a saved request says the API needs for it; the explanation names
    /// the ones the credential lacks.
    pub required_scopes: Vec<String>,
}

/// The open workspace: one config directory, its keychain namespace, its history.
pub struct Workspace {
    paths: Paths,
    profiles: ProfileStore,
    /// The keychain namespace, settled against the file before the keychain is opened.
    namespace: RwLock<String>,
    /// Opened on first use, like the HTTP client, so short commands pay only for what they use.
    history: std::sync::OnceLock<Mutex<History>>,
    secrets: RwLock<Arc<dyn SecretStore>>,
    /// Built on first use: commands that send nothing never pay for loading TLS roots.
    http: std::sync::OnceLock<HttpClient>,
    /// Key sets (JWKS) fetched for signature checks, reused for a few minutes.
    jwks: JwksCache,
    /// HTTP Digest nonces being answered, in memory only.
    digest_sessions: digest::DigestSessions,
    /// Said once at open: damaged files moved aside.
    pub warnings: Vec<String>,
    /// The profiles file could be read only in part when the workspace opened: it is not
    /// written to until the person chooses ([`Self::repair_profiles`] or [`Self::allow_repair`]).
    pub damage: Option<crate::infra::store::Damage>,
}

impl Workspace {
    /// Open the files (fast, no keychain). Secrets are unavailable until [`Self::connect_keychain`].
    pub fn open(paths: Paths) -> Result<Self, WorkspaceError> {
        // Folders and files an older release made readable by others are made private now.
        crate::infra::private_files::tighten_all(&private_paths(&paths));
        let profiles = ProfileStore::new(&paths.config_dir);
        let loaded = profiles.load()?;
        let warnings = loaded.warnings.clone();
        let damage = loaded.damage.clone();
        tracing::debug!(config = %paths.config_dir.display(), profiles = loaded.file.profiles.len(), "workspace opened");
        Ok(Self {
            namespace: RwLock::new(loaded.file.keychain_namespace.clone()),
            paths,
            profiles,
            history: std::sync::OnceLock::new(),
            secrets: RwLock::new(Arc::new(UnavailableStore(KeychainError::Other {
                detail: "the keychain has not been opened yet".to_owned(),
            }))),
            http: std::sync::OnceLock::new(),
            jwks: JwksCache::default(),
            digest_sessions: digest::DigestSessions::default(),
            warnings,
            damage,
        })
    }

    /// The person chose: a damaged profiles file may be rewritten with the profiles that could
    /// be read, by the next change (its original stays in its numbered copy).
    pub fn allow_repair(&self) {
        self.profiles.allow_repair();
    }

    /// Rewrite a damaged profiles file now with the profiles that could be read.
    pub fn repair_profiles(&self) -> Result<ProfilesFile, WorkspaceError> {
        self.profiles.allow_repair();
        Ok(self.profiles.update(|_| ())?.0)
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The HTTP client, built the first time it is needed (blocks briefly: it loads TLS roots).
    /// Front ends may call this early on a worker thread to have it ready.
    pub fn http_client(&self) -> Result<&HttpClient, WorkspaceError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = HttpClient::new().map_err(|e| WorkspaceError::Other(e.to_string()))?;
        Ok(self.http.get_or_init(|| client))
    }

    /// The namespace the profiles file names, the file written first when there is none yet (so
    /// a secret stored now is found by every process that uses this folder).
    fn current_namespace(&self) -> String {
        self.namespace.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn settled_namespace(&self) -> Result<String, KeychainError> {
        let on_disk = self.profiles.ensure_exists().map(|f| f.keychain_namespace).map_err(|e| {
            KeychainError::Other { detail: format!("its place could not be settled in the profiles file ({e})") }
        })?;
        let mut current = self.namespace.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *current != on_disk {
            tracing::info!("another Gatepass made this config folder first; using its keychain namespace");
            current.clone_from(&on_disk);
        }
        Ok(on_disk)
    }

    /// Open the OS keychain (blocks; may show an unlock prompt).
    pub fn connect_keychain(&self) -> Result<(), KeychainError> {
        // Connect first: without a keychain, no file is written for one.
        let keychain = Keychain::connect(&self.current_namespace())?.in_namespace(&self.settled_namespace()?);
        keychain.check()?;
        self.set_secret_store(Arc::new(keychain));
        Ok(())
    }

    /// Connect to the OS keychain without a check read; the first use reports any problem.
    pub fn connect_keychain_lazily(&self) -> Result<(), KeychainError> {
        let keychain = Keychain::connect(&self.current_namespace())?.in_namespace(&self.settled_namespace()?);
        tracing::debug!("keychain connected");
        self.set_secret_store(Arc::new(keychain));
        Ok(())
    }

    /// Keep secrets in memory until Gatepass quits (the user chose this).
    pub fn use_session_memory(&self) {
        self.set_secret_store(Arc::new(MemoryStore::default()));
    }

    /// Use a given store (tests, and the fallbacks above).
    pub fn set_secret_store(&self, store: Arc<dyn SecretStore>) {
        if let Ok(mut guard) = self.secrets.write() {
            *guard = store;
        }
    }

    fn secret_store(&self) -> Arc<dyn SecretStore> {
        match self.secrets.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn secret_store_kind(&self) -> StoreKind {
        self.secret_store().kind()
    }

    // ---- profiles ----------------------------------------------------------------------

    pub fn load_profiles(&self) -> Result<Loaded, WorkspaceError> {
        Ok(self.profiles.load()?)
    }

    pub fn profile_named(&self, name: &str) -> Result<Profile, WorkspaceError> {
        self.profiles
            .load()?
            .file
            .profile_by_name(name)
            .cloned()
            .ok_or_else(|| WorkspaceError::NoSuchProfile(name.to_owned()))
    }

    fn profile(&self, id: &ProfileId) -> Result<Profile, WorkspaceError> {
        self.profiles.load()?.file.profile(id).cloned().ok_or_else(|| WorkspaceError::NoSuchProfile(id.to_string()))
    }

    /// Create or update a profile; with `secret`, also store its value in the keychain.
    /// The secret is stored first so a profile never points at a value that failed to save.
    pub fn save_profile(&self, profile: &Profile, secret: Option<&Secret>) -> Result<ProfilesFile, WorkspaceError> {
        self.save_profile_with_key(profile, secret, None)
    }

    /// Like [`Self::save_profile`], and with `client_key`, also store the client certificate's
    /// private key in the keychain.
    pub fn save_profile_with_key(
        &self,
        profile: &Profile,
        secret: Option<&Secret>,
        client_key: Option<&Secret>,
    ) -> Result<ProfilesFile, WorkspaceError> {
        // A name another profile has is refused before any secret is stored, so none is orphaned.
        // (The write below checks again under the lock, for a profile added meanwhile.)
        if self
            .profiles
            .load()?
            .file
            .profiles
            .iter()
            .any(|p| p.id != profile.id && p.name.eq_ignore_ascii_case(&profile.name))
        {
            return Err(WorkspaceError::DuplicateName(profile.name.clone()));
        }
        if let (Some(slot), Some(value)) = (profile.auth.secret_ref(), secret) {
            self.secret_store().set(slot, value)?;
        }
        if let (Some(identity), Some(key)) = (&profile.client_certificate, client_key) {
            self.secret_store().set(&identity.private_key, key)?;
        }
        if let Some(token_cache) = profile.auth.token_cache() {
            // A token got with other settings (scopes, client, audience) must not be reused.
            let before = self.profiles.load()?.file.profile(&profile.id).map(|p| p.auth.clone());
            if secret.is_some() || before.as_ref() != Some(&profile.auth) {
                self.secret_store().delete(token_cache)?;
            }
        }
        let (file, duplicate) = self.profiles.update(|f| {
            if f.profiles.iter().any(|p| p.id != profile.id && p.name.eq_ignore_ascii_case(&profile.name)) {
                return true;
            }
            let existing = f.profiles.iter().find(|p| p.id == profile.id).and_then(|p| p.secret_change.clone());
            let mut stored = profile.clone();
            stored.secret_change = match secret.filter(|_| profile.auth.secret_ref().is_some()) {
                // A new secret: remember when, and what it replaced (fingerprints only).
                Some(value) => {
                    let fingerprint = value.fingerprint();
                    Some(match existing {
                        Some(same) if same.fingerprint == fingerprint => same,
                        previous => crate::core::profile::SecretChange {
                            set_at: time::OffsetDateTime::now_utc().unix_timestamp(),
                            fingerprint,
                            previous_fingerprint: previous.as_ref().map(|p| p.fingerprint.clone()),
                            previous_set_at: previous.map(|p| p.set_at),
                        },
                    })
                }
                None => existing.or(stored.secret_change),
            };
            match f.profiles.iter_mut().find(|p| p.id == profile.id) {
                Some(slot) => *slot = stored,
                None => f.profiles.push(stored),
            }
            if f.active_profile.is_none() {
                f.active_profile = Some(profile.id.clone());
            }
            false
        })?;
        if duplicate {
            // Another process took the name meanwhile: a new profile's secrets go again.
            if file.profile(&profile.id).is_none() {
                for slot in [profile.auth.secret_ref(), profile.client_certificate.as_ref().map(|c| &c.private_key)]
                    .into_iter()
                    .flatten()
                {
                    let _ = self.secret_store().delete(slot);
                }
            }
            return Err(WorkspaceError::DuplicateName(profile.name.clone()));
        }
        self.digest_sessions.forget(&profile.id);
        tracing::info!(profile = %profile.id, has_secret = secret.is_some(), "profile saved");
        Ok(file)
    }

    /// Remove a profile and its secrets from the keychain.
    pub fn delete_profile(&self, id: &ProfileId) -> Result<ProfilesFile, WorkspaceError> {
        let profile = self.profile(id)?;
        for slot in profile.secret_slots() {
            self.secret_store().delete(slot)?;
        }
        let (file, ()) = self.profiles.update(|f| {
            f.profiles.retain(|p| &p.id != id);
            if f.active_profile.as_ref() == Some(id) {
                f.active_profile = f.profiles.first().map(|p| p.id.clone());
            }
        })?;
        tracing::info!(profile = %id, "profile deleted");
        Ok(file)
    }

    /// Copy a profile, its secret included.
    pub fn duplicate_profile(&self, id: &ProfileId) -> Result<(ProfilesFile, ProfileId), WorkspaceError> {
        let original = self.profile(id)?;
        let mut copy = original.duplicate();
        let names = self.profiles.load()?.file.profiles.into_iter().map(|p| p.name).collect::<Vec<_>>();
        let mut n = 2;
        while names.iter().any(|name| name.eq_ignore_ascii_case(&copy.name)) {
            copy.name = format!("{} (copy {n})", original.name);
            n += 1;
        }
        let secret = match original.auth.secret_ref() {
            Some(slot) => self.secret_store().get(slot)?,
            None => None,
        };
        if let (Some(from), Some(to)) = (&original.token_checks.verify_secret, &copy.token_checks.verify_secret)
            && let Some(value) = self.secret_store().get(from)?
        {
            self.secret_store().set(to, &value)?;
        }
        for (name, from) in &original.secret_variables {
            if let (Some(to), Some(value)) = (copy.secret_variables.get(name), self.secret_store().get(from)?) {
                self.secret_store().set(to, &value)?;
            }
        }
        let client_key = match &original.client_certificate {
            Some(identity) => self.secret_store().get(&identity.private_key)?,
            None => None,
        };
        let file = self.save_profile_with_key(&copy, secret.as_ref(), client_key.as_ref())?;
        Ok((file, copy.id))
    }

    pub fn set_active_profile(&self, id: &ProfileId) -> Result<(), WorkspaceError> {
        self.profiles.update(|f| f.active_profile = Some(id.clone()))?;
        Ok(())
    }

    /// Keep a value in one of a profile's own keychain slots besides its main secret (an AWS
    /// session token, say). A slot the profile does not use is refused.
    pub fn set_profile_secret(&self, id: &ProfileId, slot: &SecretRef, value: &Secret) -> Result<(), WorkspaceError> {
        let profile = self.profile(id)?;
        if !profile.secret_slots().contains(&slot) {
            return Err(WorkspaceError::NoSuchSecret(profile.name.clone()));
        }
        self.secret_store().set(slot, value)?;
        Ok(())
    }

    /// Read a profile's secret (for reveal and copy in the editor).
    pub fn read_secret(&self, slot: &SecretRef) -> Result<Option<Secret>, WorkspaceError> {
        Ok(self.secret_store().get(slot)?)
    }

    /// The fingerprint of what this profile's credential sends, for the request preview
    /// (blocks: keychain; the window runs it on a task). The API key, token or password as
    /// stored; for OAuth the cached access token; for a signed JWT one made now, as the next
    /// request would carry. None when nothing is stored yet.
    pub fn credential_fingerprint(&self, id: &ProfileId) -> Result<Option<String>, WorkspaceError> {
        let profile = self.profile(id)?;
        let secret = match &profile.auth {
            AuthMethod::None => None,
            AuthMethod::ApiKey { key, .. } => self.secret_store().get(key)?,
            AuthMethod::Basic { password, .. } => self.secret_store().get(password)?,
            _ => self.profile_token(id)?,
        };
        Ok(secret.map(|s| match &profile.auth {
            AuthMethod::Basic { username, .. } => format!("{username}:{}", s.fingerprint()),
            _ => s.fingerprint(),
        }))
    }

    // ---- client certificates -----------------------------------------------------------

    /// Check a client certificate and key without keeping them: both readable, and the key the
    /// one that belongs to the certificate. Returns what the certificate says now.
    pub fn check_client_certificate(
        certificate_pem: &str,
        private_key_pem: &Secret,
    ) -> Result<CertificateFacts, WorkspaceError> {
        Ok(crate::infra::tls::check_identity(certificate_pem, private_key_pem, time::OffsetDateTime::now_utc())?)
    }

    /// Open a PKCS#12 bundle with its passphrase: the certificate (PEM) and key (PEM) inside,
    /// ready for [`Self::import_client_certificate`]. The passphrase is not kept.
    pub fn open_pkcs12(bundle: &[u8], passphrase: &Secret) -> Result<(String, Secret), WorkspaceError> {
        Ok(crate::infra::tls::identity_from_pkcs12(bundle, passphrase)?)
    }

    /// Give a profile a client certificate: check that the certificate and key can be read and
    /// belong together, keep the key in the keychain and the certificate in the profile.
    /// Returns what the certificate says (an expired one is kept, and the facts say so).
    pub fn import_client_certificate(
        &self,
        id: &ProfileId,
        certificate_pem: &str,
        private_key_pem: &Secret,
    ) -> Result<CertificateFacts, WorkspaceError> {
        let facts =
            crate::infra::tls::check_identity(certificate_pem, private_key_pem, time::OffsetDateTime::now_utc())?;
        let mut profile = self.profile(id)?;
        let identity = ClientIdentity::new(&profile.id, certificate_pem.trim().to_owned() + "\n");
        profile.client_certificate = Some(identity);
        self.save_profile_with_key(&profile, None, Some(private_key_pem))?;
        tracing::info!(profile = %id, state = ?facts.state, "client certificate imported");
        Ok(facts)
    }

    /// Take the client certificate off a profile and delete its key from the keychain.
    pub fn remove_client_certificate(&self, id: &ProfileId) -> Result<ProfilesFile, WorkspaceError> {
        let mut profile = self.profile(id)?;
        if let Some(identity) = profile.client_certificate.take() {
            self.secret_store().delete(&identity.private_key)?;
        }
        self.save_profile(&profile, None)
    }

    /// Set or clear the extra certificate authorities (PEM) a profile trusts.
    pub fn set_ca_bundle(&self, id: &ProfileId, ca_bundle_pem: Option<&str>) -> Result<ProfilesFile, WorkspaceError> {
        if let Some(bundle) = ca_bundle_pem {
            // Said on its own: the client certificate has nothing to do with this.
            crate::core::certificate::parse_ca_bundle(bundle).map_err(|e| WorkspaceError::Other(e.to_string()))?;
        }
        let mut profile = self.profile(id)?;
        profile.ca_bundle_pem = ca_bundle_pem.map(|b| b.trim().to_owned() + "\n");
        self.save_profile(&profile, None)
    }

    /// The profile's TLS additions, with the client key read from the keychain (blocks).
    fn tls_extras(&self, profile: &Profile) -> Result<TlsExtras, WorkspaceError> {
        let client = match &profile.client_certificate {
            Some(identity) => {
                let key = self.secret_store().get(&identity.private_key)?.ok_or(WorkspaceError::MissingClientKey)?;
                Some((identity.certificate_pem.clone(), key))
            }
            None => None,
        };
        Ok(TlsExtras { client, ca_bundle_pem: profile.ca_bundle_pem.clone() })
    }

    // ---- sending -----------------------------------------------------------------------

    /// The history database, opened the first time it is needed (blocks: disk).
    fn history(&self) -> Result<std::sync::MutexGuard<'_, History>, WorkspaceError> {
        let cell = if let Some(cell) = self.history.get() {
            cell
        } else {
            let opened = History::open(&self.paths.data_dir)?;
            self.history.get_or_init(|| Mutex::new(opened))
        };
        cell.lock().map_err(|_| WorkspaceError::Other("the history is unavailable".to_owned()))
    }

    /// Open the history and the HTTP client now, on a worker thread, so the first send does not wait.
    pub fn warm_up(&self) -> Result<(), WorkspaceError> {
        self.warm_up_for(true)
    }

    /// Like [`Self::warm_up`]; the system's TLS roots are read only when `https` requests will follow.
    /// The diagnosis rules are read on a thread of their own meanwhile: every send reads the
    /// request with them, and a send that reads the keychain is busy there for longer.
    pub fn warm_up_for(&self, https: bool) -> Result<(), WorkspaceError> {
        let rules = std::thread::Builder::new()
            .name("rules".to_owned())
            .spawn(|| {
                let _ = crate::core::diagnose::Knowledge::builtin();
            })
            .ok();
        let http = self.http_client()?;
        if https {
            http.warm_tls().map_err(|e| WorkspaceError::Other(e.to_string()))?;
        }
        drop(self.history()?);
        if let Some(rules) = rules {
            let _ = rules.join();
        }
        Ok(())
    }

    /// A message, said once, when the history database was damaged and started again.
    pub fn take_history_warning(&self) -> Option<String> {
        self.history().ok()?.warning.take()
    }

    fn record_history(&self, entry: &HistoryEntry) -> Result<i64, WorkspaceError> {
        Ok(self.history()?.record(entry)?)
    }

    pub fn recent_history(&self, limit: usize) -> Result<Vec<HistoryEntry>, WorkspaceError> {
        Ok(self.history()?.recent(limit)?)
    }

    /// The newest `limit` entries of all of history that a search for `needle` finds.
    pub fn search_history(&self, needle: &str, limit: usize) -> Result<Vec<HistoryEntry>, WorkspaceError> {
        Ok(self.history()?.search(needle, limit)?)
    }

    // ---- tokens ------------------------------------------------------------------------

    /// The access token a profile sends, when it sends one (blocks: keychain). For an OAuth
    /// profile, the cached token, if one was obtained.
    pub fn profile_token(&self, id: &ProfileId) -> Result<Option<Secret>, WorkspaceError> {
        let profile = self.profile(id)?;
        match &profile.auth {
            AuthMethod::Bearer { token } => Ok(self.secret_store().get(token)?),
            // A signed JWT is made for each request: show one made now, as the next request would carry.
            AuthMethod::SignedJwt(settings) => match self.secret_store().get(&settings.key)? {
                Some(key) => Ok(Some(crate::core::token::mint::mint(
                    settings,
                    &key,
                    time::OffsetDateTime::now_utc().unix_timestamp(),
                )?)),
                None => Ok(None),
            },
            auth => match auth.token_cache() {
                Some(cache) => Ok(self.cached_token(cache)?.map(|t| t.access_token)),
                None => Ok(None),
            },
        }
    }

    fn cached_token(&self, cache: &SecretRef) -> Result<Option<CachedToken>, WorkspaceError> {
        Ok(self.secret_store().get(cache)?.and_then(|value| CachedToken::from_keychain_value(&value)))
    }

    /// What is known about an OAuth profile's cached token, without the token (blocks: keychain).
    pub fn cached_token_info(&self, id: &ProfileId) -> Result<Option<TokenInfo>, WorkspaceError> {
        match self.profile(id)?.auth.token_cache() {
            Some(cache) => Ok(self.cached_token(cache)?.map(|t| t.info(true))),
            None => Ok(None),
        }
    }

    /// Get an OAuth profile's access token: the cached one while it is good for more than a
    /// minute (with [`TokenPolicy::ReuseIfFresh`]), else a new one from the token endpoint,
    /// which is then cached in the keychain. The token never leaves as anything but a `Secret`.
    pub async fn access_token(
        self: &Arc<Self>,
        id: &ProfileId,
        policy: TokenPolicy,
    ) -> Result<(Secret, TokenInfo), WorkspaceError> {
        let this = Arc::clone(self);
        let id = id.clone();
        let profile = tokio::task::spawn_blocking(move || this.profile(&id))
            .await
            .map_err(stopped("getting the access token"))??;
        self.profile_access_token(&profile, policy).await
    }

    async fn profile_access_token(
        self: &Arc<Self>,
        profile: &Profile,
        policy: TokenPolicy,
    ) -> Result<(Secret, TokenInfo), WorkspaceError> {
        let Some(cache) = profile.auth.token_cache().cloned() else {
            return Err(WorkspaceError::NoSignInServer {
                profile: profile.name.clone(),
                method: profile.auth.kind().label().to_owned(),
            });
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let this = Arc::clone(self);
        let secret_slot = profile.auth.secret_ref().cloned();
        let dpop_slot = profile.dpop_key.clone();
        let for_tls = profile.clone();
        let (cached, client_secret, dpop_key, tls) =
            tokio::task::spawn_blocking(move || -> Result<_, WorkspaceError> {
                let cached = this.cached_token(&cache)?;
                let fresh =
                    policy == TokenPolicy::ReuseIfFresh && cached.as_ref().is_some_and(|t| !t.needs_renewal(now));
                let read = |slot: Option<SecretRef>| match slot {
                    Some(slot) if !fresh => this.secret_store().get(&slot),
                    _ => Ok(None),
                };
                // The token endpoint sees the profile's client certificate and trusts its CA bundle,
                // as the API does (RFC 8705: a certificate-bound token, or the certificate as the
                // client's authentication).
                let tls = if fresh { None } else { Some(this.tls_extras(&for_tls)?) };
                Ok((cached, read(secret_slot)?, read(dpop_slot)?, tls))
            })
            .await
            .map_err(stopped("getting the access token"))??;
        if policy == TokenPolicy::ReuseIfFresh
            && let Some(token) = cached.as_ref().filter(|t| !t.needs_renewal(now))
        {
            tracing::debug!("cached access token reused");
            return Ok((token.access_token.clone(), token.info(true)));
        }
        if profile.dpop_key.is_some() && dpop_key.is_none() {
            return Err(WorkspaceError::DpopKeyMissing);
        }
        let http = self.http_client()?.with_tls(&tls.unwrap_or_default())?;
        let transport = TokenHttp::new(&http).with_dpop(dpop_key);
        let token = match &profile.auth {
            AuthMethod::OAuthClientCredentials(settings) => {
                let client_secret = client_secret.as_ref().ok_or(GrantError::MissingSecret)?;
                crate::infra::oauth::client_credentials(&transport, settings, client_secret, now).await?
            }
            auth => {
                let settings = auth.user_sign_in().ok_or_else(|| WorkspaceError::NotThisMethod {
                    profile: profile.name.clone(),
                    wanted: "an OAuth sign-in",
                })?;
                // Code and device need the person; without a refresh token only they can start it.
                let Some(previous) = cached.filter(|c| c.usable_refresh_token(now).is_some()) else {
                    return Err(GrantError::SignInNeeded { profile: profile.name.clone() }.into());
                };
                tracing::info!("using the refresh token");
                crate::infra::sign_in::refresh(&transport, settings, client_secret.as_ref(), &previous).await?
            }
        };
        drop(client_secret);
        self.store_token(profile, &token).await?;
        let info = token.info(false);
        Ok((token.access_token, info))
    }

    async fn store_token(self: &Arc<Self>, profile: &Profile, token: &CachedToken) -> Result<(), WorkspaceError> {
        let Some(slot) = profile.auth.token_cache().cloned() else { return Ok(()) };
        let this = Arc::clone(self);
        let stored = token.to_keychain_value();
        tokio::task::spawn_blocking(move || this.secret_store().set(&slot, &stored))
            .await
            .map_err(stopped("getting the access token"))??;
        Ok(())
    }

    /// Get an access token the way the profile's grant needs, with the person when it must:
    /// a cached or refreshed token first (unless `policy` asks for a new one); then, for the
    /// authorization code grant, the browser; for the device grant, the code to type. Client
    /// credentials never needs the person.
    pub async fn obtain_token(
        self: &Arc<Self>,
        id: &ProfileId,
        policy: TokenPolicy,
        how: SignInHow,
    ) -> Result<(Secret, TokenInfo), WorkspaceError> {
        let this = Arc::clone(self);
        let id = id.clone();
        let profile = tokio::task::spawn_blocking(move || this.profile(&id))
            .await
            .map_err(stopped("getting the access token"))??;
        let Some(settings) = profile.auth.user_sign_in().cloned() else {
            return self.profile_access_token(&profile, policy).await;
        };
        if policy == TokenPolicy::ReuseIfFresh {
            match self.profile_access_token(&profile, policy).await {
                Ok(found) => return Ok(found),
                Err(WorkspaceError::Grant(
                    GrantError::SignInNeeded { .. }
                    | GrantError::Refused { step: crate::core::oauth::GrantStep::Refresh, .. },
                )) => tracing::info!("no usable saved sign-in; asking the person"),
                Err(other) => return Err(other),
            }
        }
        let this = Arc::clone(self);
        let slot = settings.client_secret.clone();
        let dpop_slot = profile.dpop_key.clone();
        let for_tls = profile.clone();
        let (client_secret, dpop_key, tls) = tokio::task::spawn_blocking(move || -> Result<_, WorkspaceError> {
            let dpop_key = dpop_slot.map(|slot| this.secret_store().get(&slot)).transpose()?;
            Ok((this.secret_store().get(&slot)?, dpop_key, this.tls_extras(&for_tls)?))
        })
        .await
        .map_err(stopped("getting the access token"))??;
        let dpop_key = match dpop_key {
            Some(None) => return Err(WorkspaceError::DpopKeyMissing),
            found => found.flatten(),
        };
        let http = self.http_client()?.with_tls(&tls)?;
        let http = &TokenHttp::new(&http).with_dpop(dpop_key);
        let token = match &profile.auth {
            AuthMethod::OAuthDevice(_) => {
                crate::infra::sign_in::device(http, &settings, client_secret.as_ref(), &*how.prompt, how.cancel)
                    .await?
                    .0
            }
            _ => {
                crate::infra::sign_in::authorization_code(
                    http,
                    &settings,
                    client_secret.as_ref(),
                    how.browser,
                    &*how.prompt,
                    how.options,
                    how.cancel,
                )
                .await?
            }
        };
        drop(client_secret);
        self.store_token(&profile, &token).await?;
        let info = token.info(false);
        Ok((token.access_token, info))
    }

    /// Keep `value` in the keychain as this profile's secret `name`, for a body to use as
    /// `{{secret:name}}` (blocks: keychain).
    pub fn set_secret_variable(&self, id: &ProfileId, name: &str, value: &Secret) -> Result<(), WorkspaceError> {
        let mut profile = self.profile(id)?;
        let slot = Profile::secret_variable_slot(id, name);
        self.secret_store().set(&slot, value)?;
        profile.secret_variables.insert(name.to_owned(), slot);
        self.save_profile(&profile, None)?;
        Ok(())
    }

    /// Forget this profile's secret `name`: its keychain entry goes too. False when it had none.
    pub fn remove_secret_variable(&self, id: &ProfileId, name: &str) -> Result<bool, WorkspaceError> {
        let mut profile = self.profile(id)?;
        let Some(slot) = profile.secret_variables.remove(name) else { return Ok(false) };
        self.secret_store().delete(&slot)?;
        self.save_profile(&profile, None)?;
        Ok(true)
    }

    /// Remember (or, with `None`, forget) the shared secret that checks this profile's token
    /// signatures: the value goes in the keychain, the profile keeps only its slot (blocks).
    pub fn remember_verify_secret(&self, id: &ProfileId, secret: Option<&Secret>) -> Result<(), WorkspaceError> {
        let mut profile = self.profile(id)?;
        let slot = crate::core::profile::TokenChecks::verify_secret_slot(id);
        if let Some(value) = secret {
            self.secret_store().set(&slot, value)?;
            profile.token_checks.verify_secret = Some(slot);
        } else {
            self.secret_store().delete(&slot)?;
            profile.token_checks.verify_secret = None;
        }
        self.save_profile(&profile, None)?;
        Ok(())
    }

    /// The key this profile checks its token signatures with, when one is set: the remembered
    /// shared secret first, else the key set address (blocks: keychain).
    pub fn profile_verify_key(&self, id: &ProfileId) -> Result<KeySource, WorkspaceError> {
        let profile = self.profile(id)?;
        if let Some(slot) = &profile.token_checks.verify_secret
            && let Some(secret) = self.secret_store().get(slot)?
        {
            return Ok(KeySource::SharedSecret(secret));
        }
        Ok(profile.token_checks.jwks_url.map_or(KeySource::None, KeySource::KeySetUrl))
    }

    /// Ask the profile's introspection endpoint (RFC 7662) whether `token` is active. An OAuth
    /// profile authenticates the way it does at its token endpoint.
    pub async fn introspect(
        self: &Arc<Self>,
        id: &ProfileId,
        token: &Secret,
    ) -> Result<crate::core::oauth::Introspection, WorkspaceError> {
        let this = Arc::clone(self);
        let id = id.clone();
        let (profile, client_secret) = tokio::task::spawn_blocking(move || -> Result<_, WorkspaceError> {
            let profile = this.profile(&id)?;
            let secret = match &profile.auth {
                AuthMethod::OAuthClientCredentials(settings) => this.secret_store().get(&settings.client_secret)?,
                _ => None,
            };
            Ok((profile, secret))
        })
        .await
        .map_err(stopped("asking the sign-in server"))??;
        let Some(url) = profile.token_checks.introspection_url.as_deref() else {
            return Err(WorkspaceError::Other(format!(
                "The profile \"{}\" names no introspection address. Add it in the profile's settings (it often ends in /introspect).",
                profile.name
            )));
        };
        let client = match (&profile.auth, client_secret.as_ref()) {
            (AuthMethod::OAuthClientCredentials(settings), Some(secret)) => Some((settings, secret)),
            _ => None,
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Ok(crate::infra::oauth::introspect(self.http_client()?, url, client, token, now).await?)
    }

    /// Check a JWT's signature with the key the user gave. A key set URL is fetched (and cached);
    /// one that cannot be fetched or read means "not checked", never "failed".
    pub async fn check_signature(&self, jwt: &Jwt, key: KeySource) -> SignatureCheck {
        let key = match key {
            KeySource::None => None,
            KeySource::SharedSecret(secret) => Some(VerifyKey::SharedSecret(secret)),
            KeySource::PublicKeyPem(pem) => Some(VerifyKey::PublicKeyPem(pem)),
            KeySource::KeySetJson(json) => match parse_key_set(&json) {
                Ok(set) => Some(VerifyKey::KeySet(set)),
                Err(e) => return SignatureCheck::not_checked(e.to_string()),
            },
            KeySource::KeySetUrl(url) => {
                if jwt.is_unsigned() {
                    None
                } else {
                    let http = match self.http_client() {
                        Ok(http) => http,
                        Err(e) => return SignatureCheck::not_checked(e.to_string()),
                    };
                    match self.jwks.fetch(http, &url).await {
                        Ok(set) => Some(VerifyKey::KeySet(set)),
                        Err(e) => return SignatureCheck::not_checked(e.to_string()),
                    }
                }
            }
        };
        verify(jwt, key.as_ref())
    }
}

/// Read a file a person named that may hold a private key (a PKCS#12 bundle), at most
/// [`read::limit::PKCS12`]. A leading `~/` means the home folder. The bytes are wiped from
/// memory when dropped.
pub fn read_key_file(path: &std::path::Path) -> Result<zeroize::Zeroizing<Vec<u8>>, WorkspaceError> {
    read_secret_file(path, read::limit::PKCS12, "PKCS#12 file")
}

fn read_secret_file(
    path: &std::path::Path,
    limit: u64,
    what: &str,
) -> Result<zeroize::Zeroizing<Vec<u8>>, WorkspaceError> {
    Ok(read::bounded(&expand_home(path), limit, what).map(zeroize::Zeroizing::new)?)
}

fn expand_home(path: &std::path::Path) -> std::path::PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => directories::BaseDirs::new().map_or_else(|| path.to_owned(), |dirs| dirs.home_dir().join(rest)),
        Err(_) => path.to_owned(),
    }
}

/// Read a PEM file (certificate, key or CA bundle) a person named, as text, at most
/// [`read::limit::PEM`].
pub fn read_pem_file(path: &std::path::Path) -> Result<zeroize::Zeroizing<String>, WorkspaceError> {
    let bytes = read_secret_file(path, read::limit::PEM, "PEM file")?;
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(zeroize::Zeroizing::new(text.to_owned())),
        Err(_) => Err(WorkspaceError::Other(format!(
            "{} is not PEM text. If it is a PKCS#12 file (.p12 or .pfx), use that option instead; if it is a DER file, convert it to PEM first, for example with openssl.",
            expand_home(path).display()
        ))),
    }
}

/// Gatepass's own folders and the files it writes in them.
fn private_paths(paths: &Paths) -> Vec<std::path::PathBuf> {
    let mut out = vec![paths.config_dir.clone(), paths.data_dir.clone()];
    for name in [crate::infra::store::PROFILES_FILE, "profiles.lock", "profiles.toml.unreadable", "collections.lock"] {
        out.push(paths.config_dir.join(name));
    }
    let history = crate::infra::history::HISTORY_FILE;
    for suffix in ["", "-wal", "-shm", "-journal", ".unreadable"] {
        out.push(paths.data_dir.join(format!("{history}{suffix}")));
    }
    out.dedup();
    out
}

/// Where the key for a signature check comes from.
#[derive(Debug, Clone, Default)]
pub enum KeySource {
    #[default]
    None,
    /// The shared secret of an HS256/384/512 token.
    SharedSecret(Secret),
    /// A PEM public key or certificate, as text.
    PublicKeyPem(String),
    /// A key set (JWKS), as JSON text.
    KeySetJson(String),
    /// A key set (JWKS) address, fetched in the background and cached.
    KeySetUrl(String),
}
