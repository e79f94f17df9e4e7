//! The app: a router, not a container. It holds the views (the request tabs, the sidebar, the
//! windows), builds the read-only [`ViewCx`] they draw with, applies the [`Command`]s they return
//! by spawning tasks, and routes each task's reply back to the view that asked — by tab and
//! request id, dropping replies for an older request.
//!
//! `logic` drains finished tasks and applies commands; `ui` only draws. The command handling of
//! each area lives next door: `app/tokens.rs`, `app/check.rs`, `app/curl.rs`.

mod check;
mod collections;
mod curl;
mod import;
mod run;
mod tokens;

use crate::core::body::{self, FormattedBody, ViewMode};
use crate::core::exchange::{Exchange, RequestId};
use crate::core::profile::{Profile, ProfileId};
use crate::core::request::RequestDraft;
use crate::infra::keychain::{KeychainError, StoreKind, UnavailableStore};
use crate::infra::store::ProfilesFile;
use crate::practice::{PracticeConfig, PracticeServer};
use crate::ui::command::{Command, SecretPurpose, TabId};
use crate::ui::panels::banners_ui::Notices;
use crate::ui::panels::check_ui::CheckView;
use crate::ui::panels::confirm_ui::ConfirmDialog;
use crate::ui::panels::curl_ui::ImportWindow;
use crate::ui::panels::profiles_ui::ProfileEditor;
use crate::ui::panels::request_tab::{Answer, BodyState, Origin, RequestTab};
use crate::ui::panels::sidebar_ui::Sidebar;
use crate::ui::panels::token_ui::{ActiveFingerprint, ActiveTokenView, SignInView, TokenFetch, TokenInspector};
use crate::ui::tasks::{BodyMatch, Event, Tasks};
use crate::ui::theme::Theme;
use crate::ui::view::{KeychainState, Notice, PracticeStatus, ViewCx};
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

/// The app as the window runs it, with the default start and the bench log when asked for.
pub fn window_app(
    ctx: &egui::Context,
    workspace: Result<Arc<Workspace>, String>,
    runtime: tokio::runtime::Handle,
    launched: Instant,
) -> Box<dyn eframe::App> {
    let mut app = GatepassApp::new(ctx, workspace, runtime, StartOptions::default());
    app.bench = BenchLog::from_env(launched);
    Box::new(app)
}

/// Under this width the window puts less in a row (the top bar folds its notes into "More").
const NARROW_WIDTH: f32 = 1100.0;

/// How many history entries the sidebar holds: the newest, or the newest a search finds.
const HISTORY_SHOWN: usize = 500;

pub struct GatepassApp {
    pub bench: Option<BenchLog>,
    workspace: Result<Arc<Workspace>, String>,
    tasks: Tasks,
    events: Receiver<Event>,
    /// Commands waiting for `logic`. Tests push here only to arrange what the UI cannot reach.
    pub commands: Vec<Command>,
    theme: Theme,
    profiles: Vec<Profile>,
    active: Option<ProfileId>,
    practice: PracticeStatus,
    practice_server: Option<PracticeServer>,
    keychain: KeychainState,
    sample_checked: bool,
    notices: Notices,
    /// The open requests, each with its own draft and answer; one is active.
    tabs: Vec<RequestTab>,
    active_tab: usize,
    sidebar: Sidebar,
    confirm: Option<ConfirmDialog>,
    editor: Option<ProfileEditor>,
    inspector: Option<TokenInspector>,
    /// "Check setup", with the last run's results (kept while the window is closed).
    check: CheckView,
    /// The active profile's access token, for the profile bar.
    active_token: Option<ActiveTokenView>,
    active_fingerprint: Option<ActiveFingerprint>,
    /// "Get new token" for an OAuth profile.
    token_fetch: Option<TokenFetch>,
    /// A sign-in waiting for the person (browser or device code), shown in its own window.
    sign_in: Option<SignInView>,
    /// Opens the sign-in page: the system's browser (UI tests put a stand-in here).
    pub browser: Arc<dyn crate::workspace::Browser>,
    curl_import: Option<ImportWindow>,
    tab_strip: crate::ui::panels::collections_ui::TabStrip,
    /// "Save request" for a tab whose request was never saved.
    save_dialog: Option<crate::ui::panels::collections_ui::SaveDialog>,
    next_tab: u64,
    /// The tabs of last time were put back (until then, the open tabs are not remembered).
    tabs_restored: bool,
    remembered_tabs: Option<(Vec<(std::path::PathBuf, crate::core::collection::RequestPath)>, usize)>,
    /// The run window, with the last run's results.
    run: Option<crate::ui::panels::run_ui::RunView>,
    next_run: u64,
    /// "Import…", with its preview.
    import: Option<crate::ui::panels::import_ui::ImportView>,
    /// Where the import window's file chooser first opens: the home folder, found once at start.
    home_dir: Option<std::path::PathBuf>,
    next_id: u64,
    was_focused: bool,
    /// Follows the open collections' folders, so a change made by git or an editor shows.
    watcher: Option<crate::infra::watch::FolderWatcher>,
    /// Readings of the collections asked for, and the number of the one the sidebar shows.
    readings: u64,
    reading_shown: u64,
}

/// The read-only context for this frame, built from the app's fields directly so the views
/// (other fields) can be borrowed mutably next to it.
macro_rules! view_cx {
    ($app:expr, $now:expr, $narrow:expr, $keyboard:expr) => {
        ViewCx {
            theme: &$app.theme,
            profiles: &$app.profiles,
            active: $app.active.as_ref().and_then(|id| $app.profiles.iter().find(|p| &p.id == id)),
            now: $now,
            keychain: &$app.keychain,
            practice: &$app.practice,
            active_token: $app.active_token.as_ref(),
            active_fingerprint: $app.active_fingerprint.as_ref(),
            token_fetch: $app.token_fetch.as_ref(),
            narrow: $narrow,
            keyboard: $keyboard,
        }
    };
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
            practice: PracticeStatus::Off,
            practice_server: None,
            keychain: KeychainState::Connecting,
            sample_checked: !options.start_practice,
            notices: Notices::default(),
            tabs: vec![RequestTab::new(TabId(1), RequestDraft::get("/v1/me"))],
            active_tab: 0,
            sidebar: Sidebar::default(),
            confirm: None,
            editor: None,
            inspector: None,
            check: CheckView::default(),
            active_token: None,
            active_fingerprint: None,
            token_fetch: None,
            sign_in: None,
            browser: Arc::new(crate::workspace::SystemBrowser),
            curl_import: None,
            tab_strip: crate::ui::panels::collections_ui::TabStrip::default(),
            save_dialog: None,
            next_tab: 1,
            tabs_restored: false,
            remembered_tabs: None,
            run: None,
            next_run: 0,
            import: None,
            home_dir: None,
            next_id: 1,
            was_focused: true,
            watcher: None,
            readings: 0,
            reading_shown: 0,
        };
        let Ok(ws) = app.workspace.clone() else { return app };
        if ws.damage.is_some() {
            app.notices.damaged_profiles = Some(ws.warnings.join(" "));
        } else {
            for warning in &ws.warnings {
                app.notices.push(Notice::info(warning.clone()));
            }
        }
        match ws.load_profiles() {
            Ok(loaded) => app.apply_profiles(loaded.file),
            Err(e) => app.notices.push(Notice::error(e.to_string())),
        }
        if options.start_practice {
            app.practice = PracticeStatus::Starting;
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
        app.sidebar.collections.default_dir = collections::default_collections_dir(&app.workspace);
        app.home_dir = directories::UserDirs::new().map(|d| d.home_dir().to_path_buf());
        app.refresh_history();
        collections::start(&app);
        app
    }

    // ---- what tests and the views' tests read -------------------------------------------

    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    pub fn active_profile(&self) -> Option<&Profile> {
        self.active.as_ref().and_then(|id| self.profiles.iter().find(|p| &p.id == id))
    }

    /// The import window, when open.
    pub fn import_view(&self) -> Option<&crate::ui::panels::import_ui::ImportView> {
        self.import.as_ref()
    }

    /// The collections part of the sidebar.
    pub fn sidebar_collections(&self) -> &crate::ui::panels::collections_ui::CollectionsView {
        &self.sidebar.collections
    }

    /// The run window, when open.
    pub fn run_view(&self) -> Option<&crate::ui::panels::run_ui::RunView> {
        self.run.as_ref()
    }

    /// The active request tab.
    pub fn tab(&self) -> &RequestTab {
        &self.tabs[self.active_tab]
    }

    /// The active request tab, to arrange a request the UI cannot type (tests).
    pub fn tab_mut(&mut self) -> &mut RequestTab {
        &mut self.tabs[self.active_tab]
    }

    pub fn tabs(&self) -> &[RequestTab] {
        &self.tabs
    }

    pub fn history(&self) -> &[crate::core::history::HistoryEntry] {
        &self.sidebar.history
    }

    pub fn sidebar(&self) -> &Sidebar {
        &self.sidebar
    }

    pub fn editor(&self) -> Option<&ProfileEditor> {
        self.editor.as_ref()
    }

    /// The editor, to arrange a field the UI cannot type into (a file path, in tests).
    pub fn editor_mut(&mut self) -> Option<&mut ProfileEditor> {
        self.editor.as_mut()
    }

    pub fn inspector(&self) -> Option<&TokenInspector> {
        self.inspector.as_ref()
    }

    pub fn inspector_mut(&mut self) -> Option<&mut TokenInspector> {
        self.inspector.as_mut()
    }

    pub fn check_view(&self) -> &CheckView {
        &self.check
    }

    pub fn confirmation(&self) -> Option<&ConfirmDialog> {
        self.confirm.as_ref()
    }

    pub fn token_fetch(&self) -> Option<&TokenFetch> {
        self.token_fetch.as_ref()
    }

    pub fn sign_in(&self) -> Option<&SignInView> {
        self.sign_in.as_ref()
    }

    pub fn curl_import(&self) -> Option<&ImportWindow> {
        self.curl_import.as_ref()
    }

    pub fn practice_server(&self) -> Option<&PracticeServer> {
        self.practice_server.as_ref()
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices.items
    }

    // ---- the loop ---------------------------------------------------------------------

    fn connect_keychain(&mut self) {
        let Ok(ws) = self.workspace.clone() else { return };
        self.keychain = KeychainState::Connecting;
        self.tasks.spawn_blocking(move || Event::KeychainReady(ws.connect_keychain().map(|()| ws.secret_store_kind())));
    }

    fn refresh_history(&self) {
        let Ok(ws) = self.workspace.clone() else { return };
        self.tasks.spawn_blocking(move || {
            // Also have the HTTP clients ready (the TLS roots read), so the first send does not
            // build them on a runtime thread.
            if let Err(error) = ws.warm_up() {
                tracing::warn!(%error, "HTTP client could not be built");
            }
            let entries = ws.recent_history(HISTORY_SHOWN).map_err(|e| e.to_string());
            match ws.take_history_warning() {
                Some(warning) => Event::HistoryWithWarning(entries, warning),
                None => Event::History(entries),
            }
        });
    }

    fn reload_profiles(&self) {
        let Ok(ws) = self.workspace.clone() else { return };
        self.tasks
            .spawn_blocking(move || Event::Profiles(ws.load_profiles().map(|l| l.file).map_err(|e| e.to_string())));
    }

    fn apply_profiles(&mut self, file: ProfilesFile) {
        self.mark_active_token_stale();
        self.profiles = file.profiles;
        let keep = self.active.clone().filter(|id| self.profiles.iter().any(|p| &p.id == id));
        self.active = keep
            .or(file.active_profile.filter(|id| self.profiles.iter().any(|p| &p.id == id)))
            .or_else(|| self.profiles.first().map(|p| p.id.clone()));
    }

    /// Drain finished tasks, apply commands. Never blocks.
    pub fn logic(&mut self, ctx: &egui::Context) {
        // Another Gatepass window may have changed the profiles: read them again on focus.
        let focused = ctx.input(|i| i.focused);
        if focused && !self.was_focused {
            self.reload_profiles();
            // git or an editor may have changed a collection's files meanwhile.
            collections::reload(self);
        }
        self.was_focused = focused;
        while let Ok(event) = self.events.try_recv() {
            self.on_event(event);
        }
        self.maybe_prepare_sample();
        while !self.commands.is_empty() {
            for command in std::mem::take(&mut self.commands) {
                self.apply(command, ctx);
            }
        }
        self.refresh_active_token();
        self.refresh_active_fingerprint();
        collections::remember_tabs(self);
    }

    fn maybe_prepare_sample(&mut self) {
        if self.sample_checked || !matches!(self.keychain, KeychainState::Ready(_)) {
            return;
        }
        let (Some(server), Ok(ws)) = (&self.practice_server, &self.workspace) else { return };
        self.sample_checked = true;
        let ws = Arc::clone(ws);
        let server = crate::workspace::PracticeUrls::from(server);
        self.tasks
            .spawn_blocking(move || Event::SampleReady(ws.ensure_sample_workspace(&server).map_err(|e| e.to_string())));
    }

    fn tab_index(&self, id: TabId) -> Option<usize> {
        self.tabs.iter().position(|t| t.id == id)
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::PracticeStarted(Ok(server)) => {
                self.practice_server = Some(server);
                self.practice = PracticeStatus::Running;
            }
            Event::PracticeStarted(Err(e)) => {
                self.notices.push(Notice::error(format!("The practice API could not start: {e}")));
                self.practice = PracticeStatus::Failed(e);
            }
            Event::KeychainReady(Ok(kind)) => self.keychain = KeychainState::Ready(kind),
            Event::KeychainReady(Err(e)) => {
                tracing::warn!(error = %e, "keychain unavailable");
                self.keychain = KeychainState::Unavailable(e);
            }
            Event::SampleReady(result) => {
                if let Err(e) = result {
                    self.notices.push(Notice::error(format!("The sample profiles could not be set up: {e}")));
                }
                self.reload_profiles();
                collections::reload(self);
            }
            Event::Profiles(Ok(file)) | Event::ProfileDeleted(Ok(file)) => self.apply_profiles(file),
            Event::ProfilesRepaired(Ok(file)) => {
                self.apply_profiles(file);
                let kept = self
                    .workspace
                    .as_ref()
                    .ok()
                    .and_then(|ws| ws.damage.as_ref())
                    .map(|d| d.backup.display().to_string());
                self.notices.damaged_profiles = None;
                self.notices.push(Notice::info(match kept {
                    Some(path) => format!("The profiles file was rewritten with the profiles that could be read. The original is kept at {path}."),
                    None => "The profiles file was rewritten with the profiles that could be read.".to_owned(),
                }));
            }
            Event::ProfilesRepaired(Err(e)) => self.notices.push(Notice::error(e)),
            Event::ProfileSaved(Ok((file, id))) => {
                self.apply_profiles(file);
                if let Some(editor) = &mut self.editor {
                    editor.saved(&self.profiles, &id);
                }
            }
            Event::Profiles(Err(e)) | Event::ProfileDeleted(Err(e)) | Event::History(Err(e)) => {
                self.notices.push(Notice::error(e));
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
                    None => self.notices.push(Notice::error(e)),
                }
            }
            Event::SendDone { tab, request, result } => {
                // A send with an OAuth profile may have got a new token for the profile bar.
                if self.profiles.iter().any(|p| p.id == request.profile && p.auth.is_oauth()) {
                    self.mark_active_token_stale();
                }
                self.on_send_done(tab, request, result);
            }
            Event::BodyFormatted { tab, id, mode, wrap_columns, body } => {
                if let Some(i) = self.tab_index(tab) {
                    self.tabs[i].body_formatted(id, mode, wrap_columns, body);
                }
            }
            Event::BodySearched { tab, id, query, matches, capped } => {
                if let Some(i) = self.tab_index(tab) {
                    self.tabs[i].searched(id, query, matches, capped);
                }
            }
            Event::BodySaved { tab, result } => {
                if let Some(i) = self.tab_index(tab) {
                    use crate::ui::panels::request_tab::TabNote;
                    self.tabs[i].note = Some(match result {
                        Ok(path) => TabNote::BodySaved(path),
                        Err(why) => TabNote::BodyNotSaved(why),
                    });
                }
            }
            Event::Token(event) => self.on_token_event(event),
            Event::Check(id, result) => self.on_check_event(id, result),
            Event::Curl(event) => curl::on_event(self, event),
            Event::Collections(event) => collections::on_event(self, event),
            Event::Run(event) => run::on_event(self, event),
            Event::ImportPreviewed(result) => import::previewed(self, result),
            Event::ImportListed(dir, result) => import::listed(self, &dir, result),
            Event::Imported(result) => import::imported(self, result),
            Event::History(Ok(entries)) => {
                self.sidebar.history = entries;
                self.sidebar.history_changed();
            }
            Event::HistorySearched(needle, Ok(found)) => {
                // An answer for text the person has since changed is dropped.
                if self.sidebar.search.trim().to_lowercase() == needle {
                    self.sidebar.searched = Some((needle, found));
                }
            }
            Event::HistorySearched(_, Err(e)) => tracing::warn!(error = %e, "history could not be searched"),
            Event::HistoryWithWarning(entries, warning) => {
                self.notices.push(Notice::info(warning));
                self.on_event(Event::History(entries));
            }
            Event::SecretRead(purpose, result) => {
                let Some(editor) = &mut self.editor else { return };
                match (purpose, result) {
                    (SecretPurpose::Copy, Ok(Some(secret))) => {
                        self.tasks.copy_text(secret.expose());
                        editor.status = Some("Copied. The value was not shown.".to_owned());
                    }
                    (SecretPurpose::Reveal, Ok(Some(secret))) => editor.revealed = Some(secret),
                    (_, Ok(None)) => editor.status = Some("No value is saved for this profile yet.".to_owned()),
                    (_, Err(e)) => editor.status = Some(e),
                }
            }
        }
    }

    fn on_send_done(&mut self, tab: TabId, request: SendRequest, result: Result<SendOutcome, String>) {
        let Some(i) = self.tab_index(tab) else { return };
        let id = request.id;
        match result {
            Ok(SendOutcome::NeedsConfirmation(gates)) => {
                if self.tabs[i].in_flight() == Some(id) {
                    self.tabs[i].send_ended(id, None);
                    self.confirm = Some(ConfirmDialog { tab, request, gates });
                }
            }
            Ok(SendOutcome::Sent { exchange, explained, history_warning }) => {
                if let Some(w) = history_warning {
                    self.notices.push(Notice::info(w));
                }
                let Some(profile) = self.profiles.iter().find(|p| p.id == request.profile) else {
                    self.tabs[i].send_ended(id, Some("The profile was removed while the request was out.".to_owned()));
                    return;
                };
                let exchange: Arc<Exchange> = Arc::from(exchange);
                let origin = Origin::new(profile, &request.draft, exchange.started_at);
                let answer = Answer {
                    exchange: Arc::clone(&exchange),
                    explained: Arc::from(explained),
                    origin,
                    mode: ViewMode::Pretty,
                    wrap_columns: None,
                    body: BodyState::Formatting { shown: None },
                    superseded: None,
                };
                if self.tabs[i].answered(id, answer) {
                    let wrap = self.tabs[i].wrap;
                    // Wrapped bodies are formatted again at the view's width on the next frame.
                    let _ = wrap;
                    self.format_body(tab, &exchange, ViewMode::Pretty, None);
                    self.refresh_history();
                }
            }
            Err(e) => self.tabs[i].send_ended(id, Some(e)),
        }
    }

    fn format_body(&self, tab: TabId, exchange: &Arc<Exchange>, mode: ViewMode, wrap_columns: Option<usize>) {
        let exchange = Arc::clone(exchange);
        self.tasks.spawn_blocking(move || {
            let (content_type, bytes) = match exchange.response() {
                Some(r) => (r.content_type(), r.body.as_slice()),
                None => (None, &[][..]),
            };
            let body = Arc::new(body::prepare_wrapped(content_type, bytes, mode, wrap_columns));
            Event::BodyFormatted { tab, id: exchange.id, mode, wrap_columns, body }
        });
    }

    #[allow(clippy::needless_pass_by_value, reason = "the request is the send's: it goes into the task")]
    fn start_send(&mut self, tab: TabId, request: SendRequest) {
        let Ok(ws) = self.workspace.clone() else { return };
        let Some(i) = self.tab_index(tab) else { return };
        let id = request.id;
        let sent = request.clone();
        let cancel = self.tasks.spawn(async move {
            let result = ws.send(sent.clone()).await.map_err(|e| e.to_string());
            Event::SendDone { tab, request: sent, result }
        });
        self.tabs[i].started(id, cancel);
    }

    fn new_tab_id(&mut self) -> TabId {
        self.next_tab += 1;
        TabId(self.next_tab)
    }

    /// The run window, on a collection or one of its folders.
    fn open_run(&mut self, dir: std::path::PathBuf, folder: Option<String>) {
        run::open(self, dir, folder);
    }

    /// The import window, on a dropped file when there is one.
    fn open_import(&mut self, path: Option<&str>) {
        import::open(self, path);
    }

    fn new_request_id(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    fn apply(&mut self, command: Command, ctx: &egui::Context) {
        let ws = self.workspace.clone();
        match command {
            Command::Send(tab) => {
                let Some(i) = self.tab_index(tab) else { return };
                if self.tabs[i].is_sending() {
                    return;
                }
                let Some(profile) = self.active.clone() else {
                    self.tabs[i].send = crate::ui::panels::request_tab::SendState::Failed(
                        "Choose a profile first, or create one under Profiles….".to_owned(),
                    );
                    return;
                };
                let (draft, required_scopes) =
                    collections::draft_to_send(&self.tabs[i], self.profiles.iter().find(|p| p.id == profile));
                let request = SendRequest {
                    id: self.new_request_id(),
                    profile,
                    draft,
                    production_write_confirmed: false,
                    foreign_host: ForeignHostChoice::Ask,
                    origin: crate::workspace::SendOrigin::Manual,
                    required_scopes,
                };
                self.start_send(tab, request);
            }
            Command::Cancel(tab) => {
                if let Some(i) = self.tab_index(tab) {
                    self.tabs[i].cancel();
                }
            }
            Command::FixAndSend(tab) => {
                if let Some(i) = self.tab_index(tab) {
                    self.tabs[i].fix_draft();
                    self.commands.push(Command::Send(tab));
                }
            }
            Command::SendWithCredential(tab) => {
                if let Some(i) = self.tab_index(tab) {
                    self.tabs[i].draft.send_credential = true;
                    self.commands.push(Command::Send(tab));
                }
            }
            Command::FormatBody { tab, mode, wrap_columns } => {
                let Some(i) = self.tab_index(tab) else { return };
                let Some(answer) = &mut self.tabs[i].answer else { return };
                if answer.mode == mode && answer.wrap_columns == wrap_columns {
                    return;
                }
                answer.mode = mode;
                answer.wrap_columns = wrap_columns;
                let shown = answer.body.shown().cloned();
                answer.body = BodyState::Formatting { shown };
                let exchange = Arc::clone(&answer.exchange);
                self.format_body(tab, &exchange, mode, wrap_columns);
            }
            Command::SearchBody { tab, query } => {
                let Some(i) = self.tab_index(tab) else { return };
                let Some(answer) = &self.tabs[i].answer else { return };
                let Some(body) = answer.body.shown().cloned() else { return };
                let id = answer.exchange.id;
                self.tasks.spawn_blocking(move || {
                    let (matches, capped) = search_body(&body, &query);
                    Event::BodySearched { tab, id, query, matches, capped }
                });
            }
            Command::SaveBody { tab, path } => {
                let Some(i) = self.tab_index(tab) else { return };
                let Some(answer) = &self.tabs[i].answer else { return };
                let exchange = Arc::clone(&answer.exchange);
                self.tasks.spawn_blocking(move || {
                    let bytes = exchange.response().map_or(&[][..], |r| r.body.as_slice());
                    let result = crate::workspace::save_file(std::path::Path::new(&path), bytes)
                        .map(|p| p.display().to_string())
                        .map_err(|e| e.to_string());
                    Event::BodySaved { tab, result }
                });
            }
            Command::AnswerGates { yes, foreign_host } => {
                if let Some(pending) = self.confirm.take()
                    && yes
                {
                    let mut request = pending.request;
                    request.id = self.new_request_id();
                    request.production_write_confirmed = true;
                    request.foreign_host = foreign_host;
                    self.start_send(pending.tab, request);
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
            Command::RestoreDraft(draft) => self.tabs[self.active_tab].restore(*draft),
            Command::SearchHistory(needle) => {
                let Ok(ws) = self.workspace.clone() else { return };
                self.tasks.spawn_blocking(move || {
                    let found = ws.search_history(&needle, HISTORY_SHOWN).map_err(|e| e.to_string());
                    Event::HistorySearched(needle, found)
                });
            }
            Command::OpenEditor(id) => {
                let id = id.or_else(|| self.active.clone());
                let profile = id.and_then(|id| self.profiles.iter().find(|p| p.id == id));
                self.editor = Some(ProfileEditor::on(profile));
            }
            Command::SaveProfile { profile, secret, second, dpop } => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        let id = profile.id.clone();
                        let saved = ws.save_profile(&profile, secret.as_ref()).and_then(|file| {
                            if let Some((slot, value)) = &second {
                                ws.set_profile_secret(&id, slot, value)?;
                            }
                            match dpop {
                                None => return Ok(file),
                                Some(true) => drop(ws.new_dpop_key(&profile)?),
                                Some(false) => ws.forget_dpop_key(&id)?,
                            }
                            Ok(ws.load_profiles()?.file)
                        });
                        Event::ProfileSaved(saved.map(|f| (f, id)).map_err(|e| e.to_string()))
                    });
                }
            }
            Command::RepairProfiles => {
                if let Ok(ws) = ws {
                    self.tasks.spawn_blocking(move || {
                        Event::ProfilesRepaired(ws.repair_profiles().map_err(|e| e.to_string()))
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
                    self.sample_checked = self.practice_server.is_none() && self.practice != PracticeStatus::Starting;
                }
            }
            Command::ToggleTheme => {
                self.theme = Theme::load(!self.theme.dark);
                self.theme.apply(ctx);
            }
            Command::Notify(notice) => self.notices.push(notice),
            Command::Token(command) => self.apply_token_command(command),
            Command::Check(command) => self.apply_check_command(command, ctx),
            Command::Curl(command) => curl::apply(self, command),
            Command::Collections(command) => collections::apply(self, command),
            Command::Tabs(command) => collections::apply_tab(self, command),
            Command::Import(command) => import::apply(self, command),
        }
    }

    /// Ctrl+1..9 picks a profile (the tab's own keys are the tab's).
    fn shortcuts(&mut self, ctx: &egui::Context) {
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
        let pick = ctx.input_mut(|i| keys.iter().position(|k| i.consume_key(egui::Modifiers::COMMAND, *k)));
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
        import::dropped(self, &ctx);
        if self.confirm.is_none()
            && self.editor.is_none()
            && self.save_dialog.is_none()
            && let Some(command) = collections::shortcuts(&ctx, self.tab().id)
        {
            self.commands.push(command);
        }
        let now = time::OffsetDateTime::now_utc();
        let narrow = ctx.content_rect().width() < NARROW_WIDTH;
        // The main window has the keyboard unless a dialog or the editor is open.
        let keyboard =
            self.confirm.is_none() && self.editor.is_none() && self.save_dialog.is_none() && self.import.is_none();
        let mut commands = Vec::new();
        let margin = crate::ui::theme::px_i8(self.theme.spacing.panel_margin);
        {
            let cx = view_cx!(self, now, narrow, keyboard);
            let bar =
                egui::Frame::new().fill(self.theme.palette.panel).inner_margin(egui::Margin::symmetric(margin, 8));
            egui::Panel::top("profile_bar")
                .frame(bar)
                .show(ui, |ui| commands.extend(crate::ui::panels::profile_bar_ui::profile_bar_ui(ui, &cx)));
            commands.extend(self.notices.show(ui, &cx));
            let side = egui::Frame::new().fill(self.theme.palette.background).inner_margin(egui::Margin::same(margin));
            egui::Panel::left("sidebar")
                .frame(side)
                .resizable(true)
                .default_size(if narrow { 220.0 } else { 280.0 })
                .min_size(180.0)
                .show(ui, |ui| {
                    let open = self.tabs[self.active_tab].saved.as_ref().map(|s| (s.collection.as_path(), &s.path));
                    commands.extend(self.sidebar.show(ui, &cx, open));
                });
            let central = egui::Frame::new().fill(self.theme.palette.panel).inner_margin(egui::Margin::same(margin));
            egui::CentralPanel::default().frame(central).show(ui, |ui| {
                commands.extend(self.tab_strip.show(ui, &cx, &self.tabs, self.active_tab));
                commands.extend(self.tabs[self.active_tab].show(ui, &cx));
            });
            if let Some(view) = &mut self.import
                && !view.show(&ctx, &cx, &mut commands)
            {
                self.import = None;
            }
            if let Some(view) = &mut self.run
                && !view.show(&ctx, &cx, &mut commands)
            {
                self.run = None;
            }
            if let Some(dialog) = &mut self.save_dialog
                && !dialog.show(&ctx, &cx, &self.sidebar.collections, &mut commands)
            {
                self.save_dialog = None;
            }
            if let Some(editor) = &mut self.editor
                && !editor.show(&ctx, &cx, &mut commands)
            {
                self.editor = None;
            }
            if let Some(inspector) = &mut self.inspector
                && !crate::ui::panels::token_ui::inspector_window_ui(inspector, &ctx, &cx, &mut commands)
            {
                self.inspector = None;
            }
            commands.extend(crate::ui::panels::check_ui::check_window_ui(&mut self.check, &ctx, &cx));
            if let Some(view) = &self.sign_in {
                commands.extend(crate::ui::panels::token_ui::sign_in_window_ui(view, &ctx, &cx));
            }
            if let Some(window) = &mut self.curl_import
                && !crate::ui::panels::curl_ui::import_window_ui(window, &ctx, &cx, &mut commands)
            {
                self.curl_import = None;
            }
            if let Some(confirm) = &self.confirm {
                commands.extend(confirm.show(&ctx, &cx));
            }
            if let Some(after) = crate::ui::panels::token_ui::countdown_repaint(self.inspector.as_ref(), &cx) {
                // Countdowns move: the window each second, the profile bar when its words change.
                ctx.request_repaint_after(after);
            }
        }
        if self.tabs.iter().any(RequestTab::is_sending)
            || self.run.as_ref().is_some_and(crate::ui::panels::run_ui::RunView::is_running)
        {
            // A spinner is showing; keep it moving only while something is in flight.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        } else if self.tab().answer.is_some() {
            // "2 min ago" changes once a minute.
            ctx.request_repaint_after(std::time::Duration::from_secs(30));
        }
        self.commands.extend(commands);
    }
}

/// Where `query` is in the body's display lines, ignoring ASCII case; at most 10,000 matches.
fn search_body(body: &FormattedBody, query: &str) -> (Vec<BodyMatch>, bool) {
    const CAP: usize = 10_000;
    let needle = query.to_ascii_lowercase();
    let mut matches = Vec::new();
    if needle.is_empty() {
        return (matches, false);
    }
    for line in 0..body.line_count() {
        let text = body.line(line).to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = text[from..].find(&needle) {
            let start = from + at;
            matches.push(BodyMatch { line, start, end: start + needle.len() });
            if matches.len() >= CAP {
                return (matches, true);
            }
            from = start + needle.len().max(1);
        }
    }
    (matches, false)
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

#[cfg(test)]
mod tests {
    use super::search_body;
    use crate::core::body::{ViewMode, prepare};

    #[test]
    fn body_search_finds_every_match_ignoring_case() {
        let body = prepare(Some("text/plain"), b"Alpha beta\nALPHA alpha\nnone", ViewMode::Raw);
        let (matches, capped) = search_body(&body, "alpha");
        assert!(!capped);
        let found: Vec<(usize, usize)> = matches.iter().map(|m| (m.line, m.start)).collect();
        assert_eq!(found, vec![(0, 0), (1, 0), (1, 6)]);
    }
}
