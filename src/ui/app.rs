//! The app: its state, the commands widgets push, and the loop that turns commands into tasks
//! and task results into state.
//!
//! `logic` drains finished tasks and applies commands; `ui` only draws. Every pending thing is a
//! small enum (`SendState`, `KeychainState`, ...), and results for an old request id are dropped.

use crate::core::body::{self, FormattedBody, ViewMode};
use crate::core::exchange::{Exchange, RequestId};
use crate::core::history::HistoryEntry;
use crate::core::profile::{Profile, ProfileId, SecretRef};
use crate::core::request::{Gate, RequestDraft};
use crate::core::secret::Secret;
use crate::infra::keychain::{KeychainError, StoreKind, UnavailableStore};
use crate::infra::store::ProfilesFile;
use crate::practice::{PracticeConfig, PracticeServer};
use crate::ui::inspector::{ActiveTokenView, TokenCommand, TokenInspector};
use crate::ui::panels::profiles_ui::ProfileEditor;
use crate::ui::tasks::{Event, SecretPurpose, Tasks};
use crate::ui::theme::Theme;
use crate::workspace::{ForeignHostChoice, SendOutcome, SendRequest, Workspace};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

/// How the app starts; tests turn the practice API or the keychain off.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub start_practice: bool,
    pub practice: PracticeConfig,
    /// Use this keychain error instead of opening the keychain (tests of the banner).
    pub keychain_failure: Option<KeychainError>,
    /// Keep secrets in memory from the start (tests).
    pub session_memory: bool,
    pub dark: bool,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            start_practice: true,
            practice: PracticeConfig::default(),
            keychain_failure: None,
            session_memory: false,
            dark: true,
        }
    }
}

/// What widgets ask for. Applied in `logic`, so drawing never does I/O.
#[derive(Debug)]
pub enum Command {
    Send,
    Cancel,
    SelectProfile(ProfileId),
    AnswerGates {
        yes: bool,
        foreign_host: ForeignHostChoice,
    },
    SaveProfile {
        profile: Box<Profile>,
        secret: Option<Secret>,
    },
    DeleteProfile(ProfileId),
    DuplicateProfile(ProfileId),
    /// Give a profile a client certificate; the key goes to the keychain.
    ImportCertificate {
        profile: ProfileId,
        certificate_pem: String,
        key: Secret,
    },
    /// Open a PKCS#12 file with its passphrase and import what it holds.
    ImportPkcs12 {
        profile: ProfileId,
        path: String,
        passphrase: Secret,
    },
    RemoveCertificate(ProfileId),
    /// Read a PEM file into one of the editor's fields.
    LoadPem(crate::ui::panels::profiles_ui::PemField, String),
    ReadSecret(SecretRef, SecretPurpose),
    RetryKeychain,
    UseSessionMemory,
    RestoreDraft(Box<RequestDraft>),
    SetBodyMode(ViewMode),
    ToggleTheme,
    /// A button on the explanation card.
    Fix(crate::core::diagnose::Action),
    /// The token inspector (see ui/inspector.rs).
    Token(TokenCommand),
    /// The "Check setup" window (see `ui/check_ui.rs`).
    Check(crate::ui::check_ui::CheckCommand),
    /// Import cURL and Copy as cURL (see `ui/panels/curl_ui.rs`).
    Curl(crate::ui::panels::curl_ui::CurlCommand),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeychainState {
    Connecting,
    Ready(StoreKind),
    Unavailable(KeychainError),
}

pub enum PracticeState {
    Off,
    Starting,
    Running(PracticeServer),
    Failed(String),
}

pub enum SendState {
    Idle,
    InFlight { id: RequestId, abort: tokio::task::AbortHandle, started: Instant },
}

/// A send that waits for the user's yes.
pub struct PendingConfirmation {
    pub request: SendRequest,
    pub gates: Vec<Gate>,
}

pub enum BodyState {
    Formatting,
    Ready(Arc<FormattedBody>),
}

/// The last exchange and its body, formatted off the UI thread.
pub struct ResponseView {
    pub exchange: Arc<Exchange>,
    /// Why it failed; no findings when it did not.
    pub explained: Arc<crate::core::diagnose::Explained>,
    pub mode: ViewMode,
    pub body: BodyState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestTab {
    Query,
    Headers,
    Body,
    Auth,
    Preview,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseTab {
    Body,
    Headers,
    Sent,
}

/// A message shown in the notice strip until dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// Frame timings for tests/bench.sh, written only when `GATEPASS_BENCH_LOG` names a file.
pub struct BenchLog {
    launched: Instant,
    out: std::io::BufWriter<std::fs::File>,
    first_frame_written: bool,
}

impl BenchLog {
    pub fn from_env(launched: Instant) -> Option<Self> {
        let path = std::env::var_os("GATEPASS_BENCH_LOG")?;
        let file = std::fs::File::create(path).ok()?;
        Some(Self { launched, out: std::io::BufWriter::new(file), first_frame_written: false })
    }

    fn record(&mut self, cpu_secs: Option<f32>) {
        use std::io::Write as _;
        if !self.first_frame_written {
            self.first_frame_written = true;
            let _ = writeln!(self.out, "first_frame_ms {}", self.launched.elapsed().as_secs_f64() * 1000.0);
        }
        if let Some(cpu) = cpu_secs {
            let _ = writeln!(self.out, "frame_ms {}", f64::from(cpu) * 1000.0);
        }
        let _ = self.out.flush();
    }
}

pub struct GatepassApp {
    pub bench: Option<BenchLog>,
    pub workspace: Result<Arc<Workspace>, String>,
    pub tasks: Tasks,
    events: Receiver<Event>,
    pub commands: Vec<Command>,
    pub theme: Theme,
    pub profiles: Vec<Profile>,
    pub active: Option<ProfileId>,
    pub practice: PracticeState,
    pub keychain: KeychainState,
    sample_checked: bool,
    pub notices: Vec<Notice>,
    pub draft: RequestDraft,
    pub send: SendState,
    pub response: Option<ResponseView>,
    /// A plain-words reason the last send did not happen (bad URL, keychain...).
    pub send_error: Option<String>,
    /// A plain note about the last send that is not a problem (it was cancelled).
    pub send_note: Option<String>,
    pub confirmation: Option<PendingConfirmation>,
    pub history: Vec<HistoryEntry>,
    pub editor: Option<ProfileEditor>,
    /// The token inspector window, when open.
    pub inspector: Option<TokenInspector>,
    /// The "Check setup" window, with the last run's results.
    pub check: Option<crate::ui::check_ui::CheckView>,
    /// The active profile's access token, for the profile bar.
    pub active_token: Option<ActiveTokenView>,
    /// "Get new token" for an OAuth profile (see ui/inspector.rs).
    pub token_fetch: Option<crate::ui::inspector::TokenFetch>,
    /// A sign-in waiting for the person (browser or device code), shown in its own window.
    pub sign_in: Option<crate::ui::inspector::SignInView>,
    /// Opens the sign-in page: the system's browser (UI tests put a stand-in here).
    pub browser: Arc<dyn crate::workspace::Browser>,
    pub request_tab: RequestTab,
    pub response_tab: ResponseTab,
    /// Import cURL and Copy as cURL (see `ui/panels/curl_ui.rs`).
    pub curl: crate::ui::panels::curl_ui::CurlState,
    next_id: u64,
    was_focused: bool,
}

impl GatepassApp {
    pub fn new(
        ctx: &egui::Context,
        workspace: Result<Arc<Workspace>, String>,
        runtime: tokio::runtime::Handle,
        options: StartOptions,
    ) -> Self {
        let (sender, events) = channel();
        let tasks = Tasks::new(runtime, sender, ctx.clone());
        let theme = Theme::load(options.dark);
        theme.apply(ctx);
        let mut app = Self {
            bench: None,
            workspace,
            tasks,
            events,
            commands: Vec::new(),
            theme,
            profiles: Vec::new(),
            active: None,
            practice: PracticeState::Off,
            keychain: KeychainState::Connecting,
            sample_checked: !options.start_practice,
            notices: Vec::new(),
            draft: RequestDraft::get("/v1/me"),
            send: SendState::Idle,
            response: None,
            send_error: None,
            send_note: None,
            confirmation: None,
            history: Vec::new(),
            editor: None,
            inspector: None,
            check: None,
            active_token: None,
            token_fetch: None,
            sign_in: None,
            browser: Arc::new(crate::workspace::SystemBrowser),
            request_tab: RequestTab::Query,
            response_tab: ResponseTab::Body,
            curl: crate::ui::panels::curl_ui::CurlState::default(),
            next_id: 1,
            was_focused: true,
        };
        let Ok(ws) = app.workspace.clone() else { return app };
        app.notices.extend(ws.warnings.iter().map(|w| Notice { text: w.clone(), is_error: false }));
        match ws.load_profiles() {
            Ok(loaded) => app.apply_profiles(loaded.file),
            Err(e) => app.notices.push(Notice { text: e.to_string(), is_error: true }),
        }
        if options.start_practice {
            app.practice = PracticeState::Starting;
            let config = options.practice.clone();
            app.tasks.spawn(async move {
                Event::PracticeStarted(PracticeServer::start(config).await.map_err(|e| e.to_string()))
            });
        }
        if let Some(error) = options.keychain_failure {
            ws.set_secret_store(Arc::new(UnavailableStore(error.clone())));
            app.keychain = KeychainState::Unavailable(error);
        } else if options.session_memory {
            ws.use_session_memory();
            app.keychain = KeychainState::Ready(StoreKind::SessionMemory);
        } else {
            app.connect_keychain();
        }
        app.refresh_history();
        app
    }

    fn connect_keychain(&mut self) {
        let Ok(ws) = self.workspace.clone() else { return };
        self.keychain = KeychainState::Connecting;
        self.tasks.spawn_blocking(move || Event::KeychainReady(ws.connect_keychain().map(|()| ws.secret_store_kind())));
    }

    pub(crate) fn refresh_history(&self) {
        let Ok(ws) = self.workspace.clone() else { return };
        self.tasks.spawn_blocking(move || {
            // Also have the HTTP clients ready (the TLS roots read), so the first send does not
            // build them on a runtime thread.
            if let Err(error) = ws.warm_up() {
                tracing::warn!(%error, "HTTP client could not be built");
            }
            let entries = ws.recent_history(500).map_err(|e| e.to_string());
            match ws.take_history_warning() {
                Some(warning) => Event::HistoryWithWarning(entries, warning),
                None => Event::History(entries),
            }
        });
    }

    pub(crate) fn reload_profiles(&self) {
        let Ok(ws) = self.workspace.clone() else { return };
        self.tasks
            .spawn_blocking(move || Event::Profiles(ws.load_profiles().map(|l| l.file).map_err(|e| e.to_string())));
    }

    /// Take a fresh copy of the profiles file (after a task saved one).
    pub(crate) fn apply_profiles_file(&mut self, file: ProfilesFile) {
        self.apply_profiles(file);
    }

    fn apply_profiles(&mut self, file: ProfilesFile) {
        self.mark_active_token_stale();
        self.profiles = file.profiles;
        let keep = self.active.clone().filter(|id| self.profiles.iter().any(|p| &p.id == id));
        self.active = keep
            .or(file.active_profile.filter(|id| self.profiles.iter().any(|p| &p.id == id)))
            .or_else(|| self.profiles.first().map(|p| p.id.clone()));
    }

    pub fn active_profile(&self) -> Option<&Profile> {
        self.active.as_ref().and_then(|id| self.profiles.iter().find(|p| &p.id == id))
    }

    pub fn is_sending(&self) -> bool {
        matches!(self.send, SendState::InFlight { .. })
    }

    pub fn practice_running(&self) -> bool {
        matches!(self.practice, PracticeState::Running(_))
    }

    /// Drain finished tasks, apply commands. Never blocks.
    pub fn logic(&mut self, ctx: &egui::Context) {
        // Another Gatepass window may have changed the profiles: read them again on focus.
        let focused = ctx.input(|i| i.focused);
        if focused && !self.was_focused {
            self.reload_profiles();
        }
        self.was_focused = focused;
        while let Ok(event) = self.events.try_recv() {
            self.on_event(event);
        }
        self.maybe_prepare_sample();
        for command in std::mem::take(&mut self.commands) {
            self.apply(command, ctx);
        }
        self.refresh_active_token();
    }

    fn maybe_prepare_sample(&mut self) {
        if self.sample_checked || !matches!(self.keychain, KeychainState::Ready(_)) {
            return;
        }
        let (PracticeState::Running(server), Ok(ws)) = (&self.practice, &self.workspace) else { return };
        self.sample_checked = true;
        let ws = Arc::clone(ws);
        let server = crate::workspace::PracticeUrls::from(server);
        self.tasks
            .spawn_blocking(move || Event::SampleReady(ws.ensure_sample_workspace(&server).map_err(|e| e.to_string())));
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::PracticeStarted(Ok(server)) => self.practice = PracticeState::Running(server),
            Event::PracticeStarted(Err(e)) => {
                self.notices.push(Notice { text: format!("The practice API could not start: {e}"), is_error: true });
                self.practice = PracticeState::Failed(e);
            }
            Event::KeychainReady(Ok(kind)) => self.keychain = KeychainState::Ready(kind),
            Event::KeychainReady(Err(e)) => {
                tracing::warn!(error = %e, "keychain unavailable");
                self.keychain = KeychainState::Unavailable(e);
            }
            Event::SampleReady(result) => {
                if let Err(e) = result {
                    self.notices
                        .push(Notice { text: format!("The sample profiles could not be set up: {e}"), is_error: true });
                }
                self.reload_profiles();
            }
            Event::Profiles(Ok(file)) | Event::ProfileDeleted(Ok(file)) => self.apply_profiles(file),
            Event::ProfileSaved(Ok((file, id))) => {
                self.apply_profiles(file);
                if let Some(editor) = &mut self.editor {
                    editor.saved(&self.profiles, &id);
                }
            }
            Event::Profiles(Err(e)) | Event::ProfileDeleted(Err(e)) => {
                self.notices.push(Notice { text: e, is_error: true });
            }
            Event::CertificateChanged(Ok((file, id, said))) => {
                self.apply_profiles(file);
                if let Some(editor) = &mut self.editor {
                    editor.saved(&self.profiles, &id);
                    editor.status = Some(said);
                }
            }
            Event::PemLoaded(field, Ok(text)) => {
                if let Some(editor) = &mut self.editor {
                    editor.pem_loaded(field, text);
                }
            }
            Event::CertificateChanged(Err(e)) | Event::PemLoaded(_, Err(e)) | Event::ProfileSaved(Err(e)) => {
                match &mut self.editor {
                    Some(editor) => editor.failed(e),
                    None => self.notices.push(Notice { text: e, is_error: true }),
                }
            }
            Event::SendDone(id, result) => {
                // A send with an OAuth profile may have got a new token for the profile bar.
                if self.active_profile().is_some_and(|p| p.auth.is_oauth()) {
                    self.mark_active_token_stale();
                }
                self.on_send_done(id, result);
            }
            Event::Token(event) => self.on_token_event(event),
            Event::Check(event) => self.on_check_event(event),
            Event::Curl(event) => crate::ui::panels::curl_ui::on_event(self, event),
            Event::BodyFormatted(id, mode, body) => {
                if let Some(view) = &mut self.response
                    && view.exchange.id == id
                    && view.mode == mode
                {
                    view.body = BodyState::Ready(body);
                }
            }
            Event::History(Ok(entries)) => self.history = entries,
            Event::History(Err(e)) => self.notices.push(Notice { text: e, is_error: true }),
            Event::HistoryWithWarning(entries, warning) => {
                self.notices.push(Notice { text: warning, is_error: false });
                self.on_event(Event::History(entries));
            }
            Event::SecretRead(purpose, result) => match (purpose, result) {
                (SecretPurpose::Copy, Ok(Some(secret))) => {
                    self.tasks_ctx_copy(&secret);
                    if let Some(editor) = &mut self.editor {
                        editor.status = Some("Copied. The value was not shown.".to_owned());
                    }
                }
                (SecretPurpose::Reveal, Ok(Some(secret))) => {
                    if let Some(editor) = &mut self.editor {
                        editor.revealed = Some(secret);
                    }
                }
                (_, Ok(None)) => {
                    if let Some(editor) = &mut self.editor {
                        editor.status = Some("No value is saved for this profile yet.".to_owned());
                    }
                }
                (_, Err(e)) => {
                    if let Some(editor) = &mut self.editor {
                        editor.status = Some(e);
                    }
                }
            },
        }
    }

    fn tasks_ctx_copy(&self, secret: &Secret) {
        self.tasks.copy_text(secret.expose());
    }

    fn on_send_done(&mut self, id: RequestId, result: Result<SendOutcome, String>) {
        let SendState::InFlight { id: current, .. } = &self.send else { return };
        if *current != id {
            return;
        }
        self.send = SendState::Idle;
        match result {
            Ok(SendOutcome::NeedsConfirmation(gates)) => {
                let request = SendRequest {
                    id,
                    profile: self.active.clone().unwrap_or_else(|| ProfileId(String::new())),
                    draft: self.draft.clone(),
                    production_write_confirmed: false,
                    foreign_host: ForeignHostChoice::Ask,
                    origin: crate::workspace::SendOrigin::Manual,
                    required_scopes: Vec::new(),
                };
                self.confirmation = Some(PendingConfirmation { request, gates });
            }
            Ok(SendOutcome::Sent { exchange, explained, history_warning }) => {
                if let Some(w) = history_warning {
                    self.notices.push(Notice { text: w, is_error: false });
                }
                let exchange: Arc<Exchange> = Arc::from(exchange);
                self.response = Some(ResponseView {
                    exchange: Arc::clone(&exchange),
                    explained: Arc::from(explained),
                    mode: ViewMode::Pretty,
                    body: BodyState::Formatting,
                });
                self.format_body(&exchange, ViewMode::Pretty);
                self.refresh_history();
            }
            Err(e) => self.send_error = Some(e),
        }
    }

    /// Another profile for `env`, for "switch to the Sandbox profile": one of the same kind
    /// (practice or not) first.
    pub fn profile_for_environment(&self, env: crate::core::diagnose::EnvKind) -> Option<&Profile> {
        let active = self.active_profile();
        let practice = active.is_some_and(|a| a.practice.is_some());
        let candidates = || {
            self.profiles.iter().filter(|p| {
                Some(&p.id) != self.active.as_ref() && crate::core::diagnose::EnvKind::of(&p.environment) == Some(env)
            })
        };
        candidates().find(|p| p.practice.is_some() == practice).or_else(|| candidates().next())
    }

    /// Whether a header the user typed carries a credential with a slip that can be fixed.
    pub fn can_fix_draft(&self) -> bool {
        self.draft.headers.iter().any(|h| h.enabled && fixed_credential(&h.name, &h.value).is_some())
    }

    fn fix(&mut self, action: &crate::core::diagnose::Action) {
        use crate::core::diagnose::Action;
        match action {
            // An OAuth profile can get a new token by itself: one click does it.
            Action::GetNewToken if self.active_profile().is_some_and(|p| p.auth.is_oauth()) => {
                if let Some(id) = self.active.clone() {
                    self.apply_token_command(crate::ui::inspector::TokenCommand::GetNewToken(id));
                }
            }
            Action::GetNewToken | Action::EditProfile => self.open_editor(),
            Action::OpenTokenInspector => {
                self.apply_token_command(crate::ui::inspector::TokenCommand::OpenForActiveProfile);
            }
            Action::SwitchEnvironment(env) => match self.profile_for_environment(*env) {
                Some(p) => {
                    let id = p.id.clone();
                    self.commands.push(Command::SelectProfile(id));
                }
                None => self.notices.push(Notice {
                    text: format!("There is no {} profile yet. Create one under Profiles….", env.words()),
                    is_error: false,
                }),
            },
            Action::RetryFixed => {
                for h in &mut self.draft.headers {
                    if h.enabled
                        && let Some(fixed) = fixed_credential(&h.name, &h.value)
                    {
                        h.value = fixed;
                    }
                }
                self.commands.push(Command::Send);
            }
        }
    }

    fn format_body(&self, exchange: &Arc<Exchange>, mode: ViewMode) {
        let exchange = Arc::clone(exchange);
        self.tasks.spawn_blocking(move || {
            let (content_type, bytes) = match exchange.response() {
                Some(r) => (r.content_type(), r.body.as_slice()),
                None => (None, &[][..]),
            };
            Event::BodyFormatted(exchange.id, mode, Arc::new(body::prepare(content_type, bytes, mode)))
        });
    }

    fn start_send(&mut self, request: SendRequest) {
        let Ok(ws) = self.workspace.clone() else { return };
        self.send_error = None;
        self.send_note = None;
        let id = request.id;
        let abort =
            self.tasks.spawn(async move { Event::SendDone(id, ws.send(request).await.map_err(|e| e.to_string())) });
        self.send = SendState::InFlight { id, abort, started: Instant::now() };
    }

    fn new_request_id(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    fn apply(&mut self, command: Command, ctx: &egui::Context) {
        let ws = self.workspace.clone();
        match command {
            Command::Send => {
                if self.is_sending() {
                    return;
                }
                let Some(profile) = self.active.clone() else {
                    self.send_error = Some("Choose a profile first, or create one under Profiles….".to_owned());
                    return;
                };
                let request = SendRequest {
                    id: self.new_request_id(),
                    profile,
                    draft: self.draft.clone(),
                    production_write_confirmed: false,
                    foreign_host: ForeignHostChoice::Ask,
                    origin: crate::workspace::SendOrigin::Manual,
                    required_scopes: Vec::new(),
                };
                self.start_send(request);
            }
            Command::Cancel => {
                if let SendState::InFlight { abort, .. } = &self.send {
                    abort.abort();
                    self.send = SendState::Idle;
                    self.send_note = Some("The request was cancelled. Nothing more will be read from it.".to_owned());
                }
            }
            Command::AnswerGates { yes, foreign_host } => {
                if let Some(pending) = self.confirmation.take()
                    && yes
                {
                    let mut request = pending.request;
                    request.id = self.new_request_id();
                    request.production_write_confirmed = true;
                    request.foreign_host = foreign_host;
                    self.start_send(request);
                }
            }
            Command::SelectProfile(id) => {
                self.active = Some(id.clone());
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        let result = ws.set_active_profile(&id).and_then(|()| ws.load_profiles()).map(|l| l.file);
                        Event::Profiles(result.map_err(|e| e.to_string()))
                    });
                }
            }
            Command::SaveProfile { profile, secret } => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        let id = profile.id.clone();
                        Event::ProfileSaved(
                            ws.save_profile(&profile, secret.as_ref()).map(|f| (f, id)).map_err(|e| e.to_string()),
                        )
                    });
                }
            }
            Command::DeleteProfile(id) => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        Event::ProfileDeleted(ws.delete_profile(&id).map_err(|e| e.to_string()))
                    });
                }
            }
            Command::DuplicateProfile(id) => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        Event::ProfileSaved(ws.duplicate_profile(&id).map_err(|e| e.to_string()))
                    });
                }
            }
            Command::ImportCertificate { profile, certificate_pem, key } => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        let imported =
                            ws.import_client_certificate(&profile, &certificate_pem, &key).and_then(|facts| {
                                let said = format!("Client certificate imported. {}.", facts.state_words());
                                Ok((ws.load_profiles()?.file, profile, said))
                            });
                        Event::CertificateChanged(imported.map_err(|e| e.to_string()))
                    });
                }
            }
            Command::ImportPkcs12 { profile, path, passphrase } => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        let imported = crate::workspace::read_key_file(std::path::Path::new(&path))
                            .and_then(|bundle| Workspace::open_pkcs12(&bundle, &passphrase))
                            .and_then(|(certificate_pem, key)| {
                                ws.import_client_certificate(&profile, &certificate_pem, &key)
                            })
                            .and_then(|facts| {
                                let said = format!("Client certificate imported. {}.", facts.state_words());
                                Ok((ws.load_profiles()?.file, profile, said))
                            });
                        Event::CertificateChanged(imported.map_err(|e| e.to_string()))
                    });
                }
            }
            Command::RemoveCertificate(profile) => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        let removed = ws.remove_client_certificate(&profile).map(|file| {
                            (
                                file,
                                profile,
                                "Client certificate removed, and its key deleted from the keychain.".to_owned(),
                            )
                        });
                        Event::CertificateChanged(removed.map_err(|e| e.to_string()))
                    });
                }
            }
            Command::LoadPem(field, path) => {
                self.tasks.spawn_blocking(move || {
                    Event::PemLoaded(
                        field,
                        crate::workspace::read_pem_file(std::path::Path::new(&path)).map_err(|e| e.to_string()),
                    )
                });
            }
            Command::ReadSecret(slot, purpose) => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        Event::SecretRead(purpose, ws.read_secret(&slot).map_err(|e| e.to_string()))
                    });
                }
            }
            Command::RetryKeychain => self.connect_keychain(),
            Command::UseSessionMemory => {
                if let Ok(ws) = ws {
                    ws.use_session_memory();
                    self.keychain = KeychainState::Ready(StoreKind::SessionMemory);
                    self.sample_checked = !self.practice_running() && !matches!(self.practice, PracticeState::Starting);
                }
            }
            Command::RestoreDraft(draft) => {
                self.draft = *draft;
                self.request_tab = RequestTab::Query;
            }
            Command::SetBodyMode(mode) => {
                if let Some(view) = &mut self.response
                    && view.mode != mode
                {
                    view.mode = mode;
                    view.body = BodyState::Formatting;
                    let exchange = Arc::clone(&view.exchange);
                    self.format_body(&exchange, mode);
                }
            }
            Command::Fix(action) => self.fix(&action),
            Command::ToggleTheme => {
                self.theme = Theme::load(!self.theme.dark);
                self.theme.apply(ctx);
            }
            Command::Token(command) => self.apply_token_command(command),
            Command::Check(command) => self.apply_check_command(command, ctx),
            Command::Curl(command) => crate::ui::panels::curl_ui::apply(self, command),
        }
    }

    /// Keyboard shortcuts: Ctrl+Enter sends, Escape cancels, Ctrl+1..9 picks a profile.
    fn shortcuts(&mut self, ctx: &egui::Context) {
        let (send, cancel, pick) = ctx.input_mut(|i| {
            let send = i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter);
            let cancel = i.key_pressed(egui::Key::Escape);
            let keys = [
                egui::Key::Num1,
                egui::Key::Num2,
                egui::Key::Num3,
                egui::Key::Num4,
                egui::Key::Num5,
                egui::Key::Num6,
                egui::Key::Num7,
                egui::Key::Num8,
                egui::Key::Num9,
            ];
            let pick = keys.iter().position(|k| i.consume_key(egui::Modifiers::COMMAND, *k));
            (send, cancel, pick)
        });
        if send && self.confirmation.is_none() && self.editor.is_none() {
            self.commands.push(Command::Send);
        }
        if cancel && self.is_sending() {
            self.commands.push(Command::Cancel);
        }
        if let Some(index) = pick
            && let Some(profile) = self.profiles.get(index)
        {
            self.commands.push(Command::SelectProfile(profile.id.clone()));
        }
    }

    /// Draw everything. Also used by UI tests, which call `logic` themselves.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.shortcuts(&ctx);
        crate::ui::panels::layout_ui(self, ui);
        if self.is_sending() {
            // A spinner is showing; keep it moving only while something is in flight.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        if let Some(after) = crate::ui::panels::token_ui::countdown_repaint(self) {
            // Countdowns move: the window each second, the profile bar when its words change.
            ctx.request_repaint_after(after);
        }
    }
}

impl eframe::App for GatepassApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        GatepassApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.draw(ui);
        if let Some(bench) = &mut self.bench {
            bench.record(frame.info().cpu_usage);
        }
    }
}

/// A typed credential header with its slip removed: trimmed, unquoted, one scheme word.
/// None when there is nothing to fix.
fn fixed_credential(name: &str, value: &str) -> Option<String> {
    if !crate::core::request::is_sensitive_header(name) || name.eq_ignore_ascii_case("cookie") {
        return None;
    }
    let words: Vec<&str> = value.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::new();
    for w in words {
        if kept.len() == 1 && kept[0].eq_ignore_ascii_case(w) {
            continue;
        }
        kept.push(w);
    }
    let fixed = match kept.as_slice() {
        [scheme, rest @ ..]
            if !rest.is_empty() && matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "basic" | "token") =>
        {
            format!("{scheme} {}", rest.concat().trim_matches(|c| c == '"' || c == '\''))
        }
        _ => kept.concat().trim_matches(|c| c == '"' || c == '\'').to_owned(),
    };
    (fixed != value && !fixed.is_empty()).then_some(fixed)
}

#[cfg(test)]
mod fix_tests {
    use super::fixed_credential;

    #[test]
    fn slips_in_typed_credentials_are_fixed() {
        assert_eq!(fixed_credential("Authorization", "Bearer Bearer abc").as_deref(), Some("Bearer abc"));
        assert_eq!(fixed_credential("Authorization", "Bearer \"abc\"").as_deref(), Some("Bearer abc"));
        assert_eq!(fixed_credential("X-Api-Key", " key123\n").as_deref(), Some("key123"));
        assert_eq!(fixed_credential("Authorization", "Bearer abc"), None);
        assert_eq!(fixed_credential("Accept", " text/html "), None);
    }
}
