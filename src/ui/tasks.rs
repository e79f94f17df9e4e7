//! Running work off the UI thread and getting the result back.
//!
//! Every task sends one [`Event`] on the app's channel and asks egui to repaint, so the UI wakes,
//! drains the channel in `logic`, and never blocks. Keychain and disk calls run on blocking threads.
//! Replies carry the tab and request id they answer, so the app routes each to the view that asked
//! and drops the ones for an older request.

use crate::core::body::{FormattedBody, ViewMode};
use crate::core::exchange::RequestId;
use crate::core::history::HistoryEntry;
use crate::core::profile::ProfileId;
use crate::core::secret::Secret;
use crate::infra::keychain::{KeychainError, StoreKind};
use crate::infra::store::ProfilesFile;
use crate::practice::PracticeServer;
use crate::ui::command::{CopyChoice, PemField, SecretPurpose, TabId};
use crate::workspace::SendOutcome;
use std::sync::Arc;
use std::sync::mpsc::Sender;

/// How a task ended when it did not succeed: stopped on purpose, or failed (in plain words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    Cancelled,
    Failed(String),
}

impl TaskError {
    pub fn failed(error: impl std::fmt::Display) -> Self {
        Self::Failed(error.to_string())
    }
}

/// Where a search in a body found its text: display line and byte range in that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyMatch {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// What a finished task reports.
pub enum Event {
    PracticeStarted(Result<PracticeServer, String>),
    KeychainReady(Result<StoreKind, KeychainError>),
    SampleReady(Result<(), String>),
    Profiles(Result<ProfilesFile, String>),
    /// The damaged profiles file was rewritten (the answer says where its original is).
    ProfilesRepaired(Result<ProfilesFile, String>),
    /// A profile was saved or duplicated; select this one.
    ProfileSaved(Result<(ProfilesFile, ProfileId), String>),
    ProfileDeleted(Result<ProfilesFile, String>),
    SendDone {
        tab: TabId,
        request: crate::workspace::SendRequest,
        result: Result<SendOutcome, String>,
    },
    BodyFormatted {
        tab: TabId,
        id: RequestId,
        mode: ViewMode,
        wrap_columns: Option<usize>,
        body: Arc<FormattedBody>,
    },
    /// Where the text was found in a tab's body (capped), for the search of this query.
    BodySearched {
        tab: TabId,
        id: RequestId,
        query: String,
        matches: Vec<BodyMatch>,
        capped: bool,
    },
    /// A tab's body was written to a file (the path), or why not.
    BodySaved {
        tab: TabId,
        result: Result<String, String>,
    },
    /// A folder the import window's file chooser asked for: its contents, and whether the
    /// listing was cut.
    ImportListed(std::path::PathBuf, Result<crate::infra::read::Listing, String>),
    History(Result<Vec<HistoryEntry>, String>),
    /// What a search of all of history found, for the text asked.
    HistorySearched(String, Result<Vec<HistoryEntry>, String>),
    /// History, and a one-time message that its damaged file was replaced.
    HistoryWithWarning(Result<Vec<HistoryEntry>, String>, String),
    SecretRead(SecretPurpose, Result<Option<Secret>, String>),
    /// A client certificate was imported or removed: the profiles, the profile, what to say.
    CertificateChanged(Result<(ProfilesFile, ProfileId, String), String>),
    /// A PEM file was read for the profile editor.
    PemLoaded(PemField, Result<zeroize::Zeroizing<String>, String>),
    /// The token inspector and the profile bar's token.
    Token(TokenEvent),
    /// A profile's setup check finished.
    Check(ProfileId, Result<crate::core::check::ProfileCheck, String>),
    /// Import cURL and Copy as cURL.
    Curl(CurlEvent),
    Collections(CollectionEvent),
    Run(RunEvent),
    ImportPreviewed(Result<Box<crate::workspace::import::ImportPreview>, String>),
    Imported(Result<crate::workspace::import::ImportDone, String>),
}

/// Collections read or changed on a worker.
pub enum CollectionEvent {
    /// Every open collection, read again; `reading` numbers the readings in the order they were
    /// asked for, so a late answer never replaces a newer one.
    Loaded { reading: u64, collections: Vec<crate::ui::command::LoadedCollection> },
    /// The open tabs were written down (or could not be: logged).
    Remembered,
    /// Files in an open collection changed (git, an editor, or Gatepass itself): read them again.
    ChangedOnDisk,
    /// At start: the collections, and the saved requests that were open in tabs last time.
    Started {
        collections: Vec<crate::ui::command::LoadedCollection>,
        tabs: Vec<(std::path::PathBuf, crate::core::collection::RequestPath)>,
        active: usize,
    },
    /// A change was made (or refused); the collections as they are now.
    Changed {
        result: Result<Box<CollectionChange>, String>,
        reading: u64,
        collections: Vec<crate::ui::command::LoadedCollection>,
    },
}

/// (see [`CollectionEvent`]) A run's progress and its end, for the run window.
pub enum RunEvent {
    Progress { run: u64, progress: Box<crate::workspace::RunProgress> },
    Done { run: u64, result: Result<Vec<crate::workspace::RunRecord>, String> },
}

/// What a change did, for the view that asked.
pub enum CollectionChange {
    /// A tab's request was saved here.
    Saved { tab: TabId, saved: crate::ui::panels::request_tab::SavedAt },
    /// A request was deleted: kept here so the person can undo.
    Deleted {
        dir: std::path::PathBuf,
        path: crate::core::collection::RequestPath,
        request: crate::core::collection::SavedRequest,
    },
    /// A request's file moved (renamed, or put in another folder).
    Moved {
        dir: std::path::PathBuf,
        old: crate::core::collection::RequestPath,
        new: crate::core::collection::RequestPath,
        name: String,
    },
    /// Something to say in the sidebar ("Opened …", "Duplicated …").
    Said(String),
}

/// What the token tasks report.
pub enum TokenEvent {
    /// The inspected profile's token, read from the keychain, with the key it is checked with
    /// and the thumbprint of the profile's `DPoP` key, when it has one.
    ProfileToken(u64, Result<Option<Secret>, String>, crate::workspace::KeySource, Option<String>),
    Introspected(u64, Result<crate::core::oauth::Introspection, String>),
    /// The shared secret was remembered (true) or forgotten (false), or why not.
    SecretRemembered(Result<bool, String>),
    SignatureChecked(u64, crate::core::token::verify::SignatureCheck),
    /// The active profile's token, for the profile bar.
    ActiveToken(ProfileId, Result<Option<Secret>, String>),
    /// The fingerprint of the active profile's stored credential (`None`: nothing stored).
    ActiveFingerprint(ProfileId, Result<Option<String>, String>),
    /// "Get new token" finished for this OAuth profile.
    Obtained(ProfileId, Result<crate::core::oauth::TokenInfo, TaskError>),
    /// A sign-in a person approves needs them now: the address to open, or the device code.
    SignInPrompt(ProfileId, crate::workspace::SignInPrompt),
}

/// What a curl task reports.
pub enum CurlEvent {
    Stored(Result<ProfilesFile, String>),
    /// A secret from the body was kept in the keychain under this name.
    BodySecretStored(Result<(ProfilesFile, String), String>),
    Created(Result<(ProfilesFile, ProfileId), String>),
    /// The command (or why it could not be made), for this tab, choice and the variable it names.
    Copied(TabId, CopyChoice, Option<String>, Result<String, String>),
}

/// Spawns tasks that report back as events.
#[derive(Clone)]
pub struct Tasks {
    runtime: tokio::runtime::Handle,
    sender: Sender<Event>,
    ctx: egui::Context,
}

impl Tasks {
    pub fn new(runtime: tokio::runtime::Handle, sender: Sender<Event>, ctx: egui::Context) -> Self {
        Self { runtime, sender, ctx }
    }

    /// Run async work; its event arrives later.
    pub fn spawn<F>(&self, work: F) -> tokio::task::AbortHandle
    where
        F: Future<Output = Event> + Send + 'static,
    {
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        self.runtime
            .spawn(async move {
                let event = work.await;
                let _ = sender.send(event);
                ctx.request_repaint();
            })
            .abort_handle()
    }

    /// A way for long work to report along the way (not only at its end): each call sends one
    /// event and wakes the UI.
    pub fn reporter(&self) -> impl Fn(Event) + Send + Sync + Clone + 'static {
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        move |event| {
            let _ = sender.send(event);
            ctx.request_repaint();
        }
    }

    /// Put text on the clipboard (used for "copy" of a secret without showing it).
    pub fn copy_text(&self, text: &str) {
        self.ctx.copy_text(text.to_owned());
    }

    /// Run blocking work (keychain, disk) on a blocking thread.
    pub fn spawn_blocking<F>(&self, work: F)
    where
        F: FnOnce() -> Event + Send + 'static,
    {
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        self.runtime.spawn_blocking(move || {
            let _ = sender.send(work());
            ctx.request_repaint();
        });
    }
}
