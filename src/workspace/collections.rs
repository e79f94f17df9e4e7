//! The collection use cases both front ends call: the list of open collections, opening and
//! making one, saving, renaming, moving, duplicating and deleting requests, the practice
//! collection, and running a collection (or a folder) against one or more profiles.
//!
//! A run goes through the one send path (`Workspace::send`), so gates, redaction, history and
//! explanations are what a single send gives; it only adds the collection's variables, the
//! per-run Production confirmation, a bound on how many requests are in flight, and pass/fail.

use super::{ForeignHostChoice, SendOrigin, SendOutcome, SendRequest, Workspace, WorkspaceError};
use crate::core::collection::run::{PlannedRun, Skip};
use crate::core::collection::{
    Collection, CollectionMeta, ExpectedStatus, FolderOrder, RequestEntry, RequestPath, SavedRequest, folder_path_for,
};
use crate::core::exchange::{Exchange, RequestId};
use crate::core::export::{ExportBase, ExportFormat, Exported};
use crate::core::profile::{Profile, ProfileId};
use crate::core::request::RequestDraft;
use crate::infra::collections::{self as files, CollectionError, OpenCollection};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The name of the collection made with the practice workspace.
pub const PRACTICE_COLLECTION_NAME: &str = "Practice API tour";

/// An open collection, for a list: its name, where it is, how many requests it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionSummary {
    pub name: String,
    pub path: PathBuf,
    pub requests: usize,
    /// Why it cannot be opened now (moved, deleted, unreadable), in words.
    pub problem: Option<String>,
}

/// How a run is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Requests that can change data are sent with Production profiles (confirmed once for the run).
    pub confirm_production: bool,
    /// How many requests are in flight at once.
    pub concurrency: usize,
    /// Stop at the first request that does not pass.
    pub bail: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { confirm_production: false, concurrency: 8, bail: false }
    }
}

/// One request sent (or held back) with one profile.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub request: RequestPath,
    pub name: String,
    pub folder: String,
    pub method: String,
    /// The URL as the request file has it (variables unresolved, no credential).
    pub url: String,
    pub profile: ProfileId,
    pub profile_name: String,
    /// "Sandbox (test)", "Production (live)", …
    pub environment: String,
    pub expect: ExpectedStatus,
    pub outcome: RunOutcome,
}

impl RunRecord {
    /// The answer's status, when there was one.
    pub fn status(&self) -> Option<u16> {
        match &self.outcome {
            RunOutcome::Sent { exchange, .. } => exchange.status(),
            _ => None,
        }
    }

    /// Whether it passed: sent, answered, and the status is the expected one.
    pub fn ok(&self) -> bool {
        self.status().is_some_and(|s| self.expect.matches(s))
    }

    /// How long the exchange took, when it was sent.
    pub fn ms(&self) -> Option<u64> {
        match &self.outcome {
            RunOutcome::Sent { exchange, .. } => Some(u64::try_from(exchange.duration.as_millis()).unwrap_or(u64::MAX)),
            _ => None,
        }
    }

    /// Why it was not sent, in words.
    pub fn skipped(&self) -> Option<String> {
        match &self.outcome {
            RunOutcome::Skipped(skip) => Some(skip.words()),
            RunOutcome::NotSent(words) => Some(words.clone()),
            RunOutcome::Sent { .. } => None,
        }
    }

    /// What a record says in one short line: the explanation's headline, why it was not sent, or
    /// what was expected instead.
    pub fn note(&self) -> String {
        if let Some(skipped) = self.skipped() {
            return skipped;
        }
        let headline = self.explained().and_then(|e| e.diagnosis.top()).map(|f| f.title.clone());
        match (&self.outcome, self.ok()) {
            (RunOutcome::Sent { exchange, .. }, false) if exchange.response().is_none() => {
                headline.unwrap_or_else(|| "No answer: the request did not reach the API.".to_owned())
            }
            (_, false) => {
                let expected = format!("expected {}", self.expect.words());
                headline.map_or(expected.clone(), |h| format!("{h} ({expected})"))
            }
            (_, true) => headline.map(|h| format!("as expected: {h}")).unwrap_or_default(),
        }
    }

    pub fn explained(&self) -> Option<&crate::core::diagnose::Explained> {
        match &self.outcome {
            RunOutcome::Sent { explained, .. } => Some(explained),
            _ => None,
        }
    }
}

/// How one run ended.
#[derive(Debug, Clone)]
pub enum RunOutcome {
    /// Sent; the answer (or the connection error) and its explanation.
    Sent { exchange: Arc<Exchange>, explained: Arc<crate::core::diagnose::Explained> },
    /// Held back before it was prepared.
    Skipped(Skip),
    /// It could not be sent: a variable without a value, a missing secret, a bad URL…
    NotSent(String),
}

/// Said while a run goes on: how many are done out of how many, and the one that just finished.
#[derive(Debug, Clone)]
pub struct RunProgress {
    pub done: usize,
    pub total: usize,
    pub index: usize,
    pub record: RunRecord,
}

impl Workspace {
    // ---- the list of open collections ----------------------------------------------------

    fn collections_lock(&self) -> Result<std::fs::File, WorkspaceError> {
        let dir = &self.paths.config_dir;
        crate::infra::private_files::create_dir_all(dir)
            .map_err(|source| CollectionError::Io { path: dir.clone(), source })?;
        let path = dir.join("collections.lock");
        // 0600 from its first moment, like every file Gatepass writes.
        let lock = crate::infra::private_files::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| CollectionError::Io { path: path.clone(), source })?;
        lock.lock().map_err(|source| CollectionError::Io { path, source })?;
        Ok(lock)
    }

    /// Change the list under its lock.
    fn update_open_collections<T>(
        &self,
        change: impl FnOnce(&mut files::OpenCollections) -> T,
    ) -> Result<T, WorkspaceError> {
        let lock = self.collections_lock()?;
        let (mut list, warning) = files::read_open_collections(&self.paths.config_dir);
        if let Some(w) = warning {
            tracing::warn!("{w}");
        }
        let value = change(&mut list);
        let written = files::write_open_collections(&self.paths.config_dir, &list);
        let _ = lock.unlock();
        written?;
        Ok(value)
    }

    /// The folders of the collections open in Gatepass, in the order they were opened.
    pub fn collection_paths(&self) -> Vec<PathBuf> {
        files::read_open_collections(&self.paths.config_dir).0.collections.into_iter().map(|c| c.path).collect()
    }

    /// Every open collection with its name and size; one that cannot be read says why.
    pub fn open_collections(&self) -> Vec<CollectionSummary> {
        self.collection_paths()
            .into_iter()
            .map(|path| match files::load(&path) {
                Ok(c) => CollectionSummary { name: c.meta.name, requests: c.requests.len(), path, problem: None },
                Err(e) => CollectionSummary {
                    name: path
                        .file_name()
                        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
                    requests: 0,
                    problem: Some(e.to_string()),
                    path,
                },
            })
            .collect()
    }

    /// Read a collection folder (it need not be in the list).
    pub fn load_collection(&self, dir: &Path) -> Result<Collection, WorkspaceError> {
        Ok(files::load(dir)?)
    }

    /// The permissions each saved request of the open collections needs when it goes with
    /// `profile` (see `SavedRequest::scopes_for`), for the requests whose address is the
    /// profile's: a collection for another API does not count against it. Collections that
    /// cannot be read are left out (the sidebar names them).
    pub fn request_needs(&self, profile: &Profile) -> Vec<crate::core::check::RequestNeed> {
        let mut needs = Vec::new();
        for dir in self.collection_paths() {
            let Ok(collection) = files::load(&dir) else { continue };
            for entry in &collection.requests {
                let scopes = entry.request.scopes_for(profile).scopes;
                if scopes.is_empty() {
                    continue;
                }
                let draft = crate::core::collection::apply_variables(
                    &entry.request.draft,
                    &collection.meta.variables,
                    &profile.variables,
                );
                let goes_to_profile =
                    crate::core::request::resolve_url(&draft, profile).is_ok_and(|url| profile.allows_host(&url));
                if goes_to_profile {
                    needs.push(crate::core::check::RequestNeed {
                        request: format!("{} · {}", collection.meta.name, entry.request.name),
                        scopes,
                    });
                }
            }
        }
        needs
    }

    /// The collection at `dir` as another tool's document (nothing written). With a profile,
    /// relative addresses get its base URL; no secret of it goes in.
    pub fn export_collection(
        &self,
        dir: &Path,
        format: ExportFormat,
        profile: Option<&ProfileId>,
    ) -> Result<Exported, WorkspaceError> {
        let collection = self.load_collection(dir)?;
        let base = match profile {
            Some(id) => {
                let p = self.profile(id)?;
                ExportBase { base_url: p.base_url.clone(), label: p.environment.long_label() }
            }
            None => ExportBase::default(),
        };
        Ok(format.export(&collection, &base))
    }

    /// Write that document to `output`, a new file (0600, like every file Gatepass writes). An
    /// existing file is never replaced: someone's work may be in it.
    pub fn write_export(
        &self,
        dir: &Path,
        format: ExportFormat,
        profile: Option<&ProfileId>,
        output: &Path,
    ) -> Result<Exported, WorkspaceError> {
        let exported = self.export_collection(dir, format, profile)?;
        let text = serde_json::to_string_pretty(&exported.document)
            .map_err(|e| WorkspaceError::Other(format!("The export could not be written as JSON: {e}")))?;
        let written = (|| {
            use std::io::Write as _;
            let mut file = crate::infra::private_files::options().write(true).create_new(true).open(output)?;
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()
        })();
        written.map_err(|e| {
            WorkspaceError::Other(if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!("{} exists already. Choose a new file name, or remove that file first.", output.display())
            } else {
                format!("Could not write {}: {e}", output.display())
            })
        })?;
        tracing::info!(requests = exported.requests, format = format.describe(), "collection exported");
        Ok(exported)
    }

    /// Make a new collection in `dir` and add it to the list.
    pub fn create_collection(&self, dir: &Path, name: &str) -> Result<Collection, WorkspaceError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(WorkspaceError::Collection(CollectionError::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::other("a collection needs a name"),
            }));
        }
        let collection = files::create(dir, name)?;
        self.remember_collection(dir)?;
        Ok(collection)
    }

    /// Open an existing collection folder and add it to the list.
    pub fn add_collection(&self, dir: &Path) -> Result<Collection, WorkspaceError> {
        let collection = files::load(dir).map_err(|e| match e {
            CollectionError::NotACollection { path } => match files::enclosing_collection(&path) {
                Some(outer) if outer != path => CollectionError::InsideAnother { path, outer },
                _ => CollectionError::NotACollection { path },
            },
            other => other,
        })?;
        self.remember_collection(dir)?;
        Ok(collection)
    }

    fn remember_collection(&self, dir: &Path) -> Result<(), WorkspaceError> {
        let path = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.update_open_collections(|list| {
            if !list.collections.iter().any(|c| c.path == path) {
                list.collections.push(OpenCollection { path });
            }
        })
    }

    /// The saved requests that were open in tabs, and which one was in front.
    pub fn open_tabs(&self) -> (Vec<(PathBuf, RequestPath)>, usize) {
        let list = files::read_open_collections(&self.paths.config_dir).0;
        let tabs =
            list.tabs.iter().filter_map(|t| RequestPath::new(&t.request).map(|p| (t.collection.clone(), p))).collect();
        (tabs, list.active_tab)
    }

    /// Remember the saved requests open in tabs, for the next start.
    pub fn remember_tabs(&self, tabs: &[(PathBuf, RequestPath)], active: usize) -> Result<(), WorkspaceError> {
        self.update_open_collections(|list| {
            list.tabs = tabs
                .iter()
                .map(|(collection, path)| files::OpenTab { collection: collection.clone(), request: path.to_string() })
                .collect();
            list.active_tab = active;
        })
    }

    /// Take a collection off the list; its folder and files are left as they are.
    pub fn close_collection(&self, dir: &Path) -> Result<(), WorkspaceError> {
        let path = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.update_open_collections(|list| list.collections.retain(|c| c.path != path && c.path != dir))
    }

    /// What the collection folder looks like now, to notice changes made by git or an editor.
    pub fn collection_snapshot(dir: &Path) -> files::Snapshot {
        files::snapshot(dir)
    }

    // ---- requests ----------------------------------------------------------------------

    /// Save `request` in `folder` of the collection in `dir`. With `existing`, the request saved
    /// there is replaced (renamed or moved when its name or folder changed); without, a new file is
    /// made. Refused when the request holds a credential of its own. Returns where it is now.
    pub fn save_request(
        &self,
        dir: &Path,
        existing: Option<&RequestPath>,
        folder: &str,
        request: &SavedRequest,
    ) -> Result<RequestPath, WorkspaceError> {
        if request.name.trim().is_empty() {
            return Err(WorkspaceError::RequestNeedsName);
        }
        let found = crate::core::collection::literal_secrets(&request.draft);
        if !found.is_empty() {
            return Err(WorkspaceError::RequestHoldsSecret {
                places: found.into_iter().map(|s| format!("{} in {}", s.fingerprint, s.place)).collect(),
            });
        }
        let mut collection = files::load(dir)?;
        let folder = folder_path_for(folder);
        let keep_file = existing.filter(|path| {
            path.folder() == folder
                && collection.request(path).is_some_and(|e| e.request.name.trim() == request.name.trim())
        });
        let path = if let Some(path) = keep_file {
            path.clone()
        } else {
            let mut free = collection.clone();
            if let Some(old) = existing {
                free.requests.retain(|e| &e.path != old);
            }
            free.free_path(&folder, &request.name)
        };
        files::write_request(dir, &path, request)?;
        if let Some(old) = existing
            && old != &path
        {
            match files::remove_request(dir, old) {
                Ok(()) | Err(CollectionError::NoSuchRequest { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            let position = collection
                .meta
                .order
                .iter()
                .find(|o| o.folder == old.folder())
                .and_then(|o| o.requests.iter().position(|s| s == old.stem()));
            collection.unplace(old);
            // A rename keeps the request's place; a move puts it last in its new folder.
            match (old.folder() == path.folder(), position) {
                (true, Some(at)) => {
                    if let Some(order) = collection.meta.order.iter_mut().find(|o| o.folder == path.folder()) {
                        order.requests.insert(at.min(order.requests.len()), path.stem().to_owned());
                    }
                }
                _ => collection.place_last(&path),
            }
        } else if existing.is_none() {
            collection.place_last(&path);
        }
        files::write_meta(dir, &collection.meta)?;
        Ok(path)
    }

    /// Give a saved request a new name (its file follows).
    pub fn rename_request(&self, dir: &Path, path: &RequestPath, name: &str) -> Result<RequestPath, WorkspaceError> {
        let collection = files::load(dir)?;
        let entry = collection.request(path).ok_or_else(|| no_request(dir, path))?;
        let mut request = entry.request.clone();
        name.trim().clone_into(&mut request.name);
        self.save_request(dir, Some(path), path.folder(), &request)
    }

    /// Put a saved request in another folder ("" for the collection's root).
    pub fn move_request(&self, dir: &Path, path: &RequestPath, folder: &str) -> Result<RequestPath, WorkspaceError> {
        let collection = files::load(dir)?;
        let entry = collection.request(path).ok_or_else(|| no_request(dir, path))?;
        self.save_request(dir, Some(path), folder, &entry.request.clone())
    }

    /// A copy of a saved request beside it, named "… copy".
    pub fn duplicate_request(&self, dir: &Path, path: &RequestPath) -> Result<RequestPath, WorkspaceError> {
        let collection = files::load(dir)?;
        let entry = collection.request(path).ok_or_else(|| no_request(dir, path))?;
        let mut copy = entry.request.clone();
        copy.name = format!("{} copy", copy.name);
        let mut n = 2;
        while collection.requests.iter().any(|e| e.path.folder() == path.folder() && e.request.name == copy.name) {
            copy.name = format!("{} copy {n}", entry.request.name);
            n += 1;
        }
        self.save_request(dir, None, path.folder(), &copy)
    }

    /// Delete a saved request; returns it, so the front end can offer to undo.
    pub fn delete_request(&self, dir: &Path, path: &RequestPath) -> Result<SavedRequest, WorkspaceError> {
        let mut collection = files::load(dir)?;
        let request = collection.request(path).ok_or_else(|| no_request(dir, path))?.request.clone();
        files::remove_request(dir, path)?;
        collection.unplace(path);
        files::write_meta(dir, &collection.meta)?;
        Ok(request)
    }

    /// Change the collection file: name, notes, folder order, variables.
    pub fn save_collection_meta(&self, dir: &Path, meta: &CollectionMeta) -> Result<(), WorkspaceError> {
        if !files::is_collection(dir) {
            return Err(CollectionError::NotACollection { path: dir.to_path_buf() }.into());
        }
        files::write_meta(dir, meta)?;
        Ok(())
    }

    // ---- the practice collection ------------------------------------------------------------

    /// Where the practice collection is made.
    pub fn practice_collection_dir(&self) -> PathBuf {
        self.paths.data_dir.join("collections").join("practice")
    }

    /// Make the practice collection ("Practice API tour") the first time the practice workspace
    /// is set up; once made it is not made again, even when the user closed or deleted it.
    /// Returns its folder when it was made now.
    pub fn ensure_practice_collection(&self) -> Result<Option<PathBuf>, WorkspaceError> {
        let made = files::read_open_collections(&self.paths.config_dir).0.practice_created;
        if made {
            return Ok(None);
        }
        let dir = self.practice_collection_dir();
        if !files::is_collection(&dir) {
            write_practice_collection(&dir)?;
        }
        let path = std::path::absolute(&dir).unwrap_or(dir.clone());
        self.update_open_collections(|list| {
            list.practice_created = true;
            if !list.collections.iter().any(|c| c.path == path) {
                list.collections.insert(0, OpenCollection { path: path.clone() });
            }
        })?;
        Ok(Some(dir))
    }

    // ---- running ----------------------------------------------------------------------------

    /// Run `planned` (see `core::collection::run::plan`) with at most `options.concurrency` in
    /// flight. `progress` hears each record as it finishes; `stop` is checked before each starts.
    /// Records come back in the order of the plan.
    pub async fn run_collection(
        self: &Arc<Self>,
        collection: &Collection,
        planned: Vec<PlannedRun>,
        options: RunOptions,
        progress: Arc<dyn Fn(RunProgress) + Send + Sync>,
        stop: Arc<std::sync::atomic::AtomicBool>,
    ) -> Result<Vec<RunRecord>, WorkspaceError> {
        use std::sync::atomic::Ordering;
        let profiles: Vec<Profile> = {
            let this = Arc::clone(self);
            tokio::task::spawn_blocking(move || this.load_profiles().map(|l| l.file.profiles))
                .await
                .map_err(super::stopped("running the collection"))??
        };
        let total = planned.len();
        let semaphore = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let variables = Arc::new(collection.meta.variables.clone());
        let mut tasks = tokio::task::JoinSet::new();
        for (index, run) in planned.into_iter().enumerate() {
            let Some(entry) = collection.request(&run.request).cloned() else { continue };
            let Some(profile) = profiles.iter().find(|p| p.id == run.profile).cloned() else {
                return Err(WorkspaceError::NoSuchProfile(run.profile.0));
            };
            let this = Arc::clone(self);
            let semaphore = Arc::clone(&semaphore);
            let (done, failed, stop, progress, variables) = (
                Arc::clone(&done),
                Arc::clone(&failed),
                Arc::clone(&stop),
                Arc::clone(&progress),
                Arc::clone(&variables),
            );
            // Taken here, in the plan's order: requests start in order, and with --bail the
            // next one starts only after the failure before it was noted.
            let permit = semaphore.acquire_owned().await;
            tasks.spawn(async move {
                let held = if stop.load(Ordering::SeqCst) {
                    Some(Skip::Stopped)
                } else if options.bail && failed.load(Ordering::SeqCst) {
                    Some(Skip::Bailed)
                } else {
                    None
                };
                let outcome = match held {
                    Some(skip) => RunOutcome::Skipped(skip),
                    None => this.run_one(&entry, &profile, &variables, options, index).await,
                };
                let record = record_of(&entry, &profile, outcome);
                if !record.ok() && record.skipped().is_none_or(|_| matches!(record.outcome, RunOutcome::NotSent(_))) {
                    failed.store(true, Ordering::SeqCst);
                }
                drop(permit);
                let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                progress(RunProgress { done: finished, total, index, record: record.clone() });
                (index, record)
            });
        }
        let mut records: Vec<(usize, RunRecord)> = Vec::with_capacity(total);
        while let Some(joined) = tasks.join_next().await {
            records.push(joined.map_err(super::stopped("sending a request of the run"))?);
        }
        records.sort_by_key(|(index, _)| *index);
        Ok(records.into_iter().map(|(_, record)| record).collect())
    }

    async fn run_one(
        self: &Arc<Self>,
        entry: &RequestEntry,
        profile: &Profile,
        variables: &std::collections::BTreeMap<String, String>,
        options: RunOptions,
        index: usize,
    ) -> RunOutcome {
        if let Some(skip) =
            crate::core::collection::run::skip_before_sending(entry, profile, options.confirm_production)
        {
            return RunOutcome::Skipped(skip);
        }
        let draft: RequestDraft =
            crate::core::collection::apply_variables(&entry.request.draft, variables, &profile.variables);
        let request = SendRequest {
            id: RequestId(u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1)),
            profile: profile.id.clone(),
            draft,
            production_write_confirmed: options.confirm_production,
            foreign_host: ForeignHostChoice::Ask,
            origin: SendOrigin::Run,
            required_scopes: entry.request.scopes_for(profile).scopes,
        };
        match self.send(request).await {
            Ok(SendOutcome::Sent { exchange, explained, .. }) => {
                RunOutcome::Sent { exchange: Arc::from(exchange), explained: Arc::from(explained) }
            }
            Ok(SendOutcome::NeedsConfirmation(gates)) => {
                let foreign = gates.iter().find_map(|g| match g {
                    crate::core::request::Gate::ForeignHost { host, .. } => Some(host.clone()),
                    crate::core::request::Gate::ProductionWrite { .. } => None,
                });
                RunOutcome::Skipped(match foreign {
                    Some(host) => Skip::ForeignHost { host },
                    None => Skip::ProductionWrite,
                })
            }
            Err(e) => RunOutcome::NotSent(e.to_string()),
        }
    }
}

/// A row per request file of the collection (or of `folder`) that could not be read, for each
/// profile: a run never passes with requests it could not even read.
pub fn unreadable_records(collection: &Collection, folder: Option<&str>, profiles: &[Profile]) -> Vec<RunRecord> {
    let folder = folder.map(|f| f.trim_matches('/')).filter(|f| !f.is_empty());
    let mut records = Vec::new();
    for problem in &collection.problems {
        if !problem.file.ends_with(crate::core::collection::REQUEST_SUFFIX) {
            continue;
        }
        let Some(path) = RequestPath::new(&problem.file) else { continue };
        if folder.is_some_and(|f| path.folder() != f && !path.folder().starts_with(&format!("{f}/"))) {
            continue;
        }
        for profile in profiles {
            records.push(RunRecord {
                request: path.clone(),
                name: path.stem().to_owned(),
                folder: path.folder().to_owned(),
                method: String::new(),
                url: String::new(),
                profile: profile.id.clone(),
                profile_name: profile.name.clone(),
                environment: profile.environment.long_label(),
                expect: crate::core::collection::ExpectedStatus::AnySuccess,
                outcome: RunOutcome::Skipped(Skip::Unreadable { problem: problem.to_string() }),
            });
        }
    }
    records
}

fn record_of(entry: &RequestEntry, profile: &Profile, outcome: RunOutcome) -> RunRecord {
    RunRecord {
        request: entry.path.clone(),
        name: entry.request.name.clone(),
        folder: entry.path.folder().to_owned(),
        method: entry.request.draft.method.as_str().to_owned(),
        // Shown in tables and reports: a credential typed into the URL is fingerprinted.
        url: crate::core::redact::redact_url_text(&entry.request.draft.url),
        profile: profile.id.clone(),
        profile_name: profile.name.clone(),
        environment: profile.environment.long_label(),
        expect: entry.request.expect,
        outcome,
    }
}

fn no_request(dir: &Path, path: &RequestPath) -> WorkspaceError {
    CollectionError::NoSuchRequest { path: files::request_file(dir, path) }.into()
}

/// The practice collection's files: the "Try these" requests and one per explanation.
fn write_practice_collection(dir: &Path) -> Result<(), WorkspaceError> {
    let mut meta = CollectionMeta {
        name: PRACTICE_COLLECTION_NAME.to_owned(),
        notes: "Requests for Gatepass's built-in practice API. Send each with \"Practice — Sandbox\", then with \"Practice — Production\", or run the whole collection against both to see what differs.".to_owned(),
        order: Vec::new(),
        variables: std::collections::BTreeMap::new(),
    };
    let _ = crate::infra::private_files::create_dir_all(dir);
    files::create(dir, PRACTICE_COLLECTION_NAME).or_else(|e| match e {
        CollectionError::AlreadyACollection { .. } => Ok(Collection::default()),
        other => Err(other),
    })?;
    let scopes = |label: &str| -> Vec<String> {
        match label {
            "Who am I" => vec!["profile:read".to_owned()],
            "List orders" => vec!["orders:read".to_owned()],
            "Create an order" => vec!["orders:write".to_owned()],
            _ => Vec::new(),
        }
    };
    for (folder, samples) in [("Try these", super::sample_requests()), ("See each explanation", super::lab_requests())]
    {
        let mut order = FolderOrder { folder: folder.to_owned(), requests: Vec::new() };
        for sample in samples {
            let mut draft = sample.draft;
            // A typed credential is the point of the "formatting slip" example; a file must not hold
            // one, so the header names a variable of this collection instead of the key itself.
            if draft.headers.iter().any(|h| h.name.eq_ignore_ascii_case("authorization")) {
                for header in &mut draft.headers {
                    if header.name.eq_ignore_ascii_case("authorization") {
                        "{{doubled_scheme_example}}".clone_into(&mut header.value);
                    }
                }
                meta.variables.insert("doubled_scheme_example".to_owned(), "Bearer Bearer example-token".to_owned());
            }
            let expect = if folder == "See each explanation" || sample.label == "Without a credential" {
                sample.expect.get(..3).and_then(ExpectedStatus::parse).unwrap_or_default()
            } else {
                ExpectedStatus::AnySuccess
            };
            let request = SavedRequest {
                name: sample.label.to_owned(),
                draft,
                required_scopes: scopes(sample.label),
                alternatives: Vec::new(),
                expect,
                notes: format!("Expect: {}.", sample.expect),
            };
            let path = RequestPath::for_name(folder, &request.name);
            files::write_request(dir, &path, &request)?;
            order.requests.push(path.stem().to_owned());
        }
        meta.order.push(order);
    }
    files::write_meta(dir, &meta)?;
    // The practice collection lives in Gatepass's own data folder, where every file is private.
    tighten_tree(dir);
    Ok(())
}

/// Folders 0700 and files 0600 under `dir` (Gatepass's own folders only; a user's collection
/// folder keeps the modes its owner chose).
fn tighten_tree(dir: &Path) {
    let _ = crate::infra::private_files::tighten(dir);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            tighten_tree(&path);
        } else {
            let _ = crate::infra::private_files::tighten(&path);
        }
    }
}
