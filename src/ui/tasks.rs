//! Running work off the UI thread and getting the result back.
//!
//! Every task sends one [`Event`] on the app's channel and asks egui to repaint, so the UI wakes,
//! drains the channel in `logic`, and never blocks. Keychain and disk calls run on blocking threads.

use crate::core::body::{FormattedBody, ViewMode};
use crate::core::exchange::RequestId;
use crate::core::history::HistoryEntry;
use crate::core::profile::ProfileId;
use crate::core::secret::Secret;
use crate::infra::keychain::{KeychainError, StoreKind};
use crate::infra::store::ProfilesFile;
use crate::practice::PracticeServer;
use crate::workspace::SendOutcome;
use std::sync::Arc;
use std::sync::mpsc::Sender;

/// What a finished task reports.
pub enum Event {
    PracticeStarted(Result<PracticeServer, String>),
    KeychainReady(Result<StoreKind, KeychainError>),
    SampleReady(Result<(), String>),
    Profiles(Result<ProfilesFile, String>),
    /// A profile was saved or duplicated; select this one.
    ProfileSaved(Result<(ProfilesFile, ProfileId), String>),
    ProfileDeleted(Result<ProfilesFile, String>),
    SendDone(RequestId, Result<SendOutcome, String>),
    BodyFormatted(RequestId, ViewMode, Arc<FormattedBody>),
    History(Result<Vec<HistoryEntry>, String>),
    /// History, and a one-time message that its damaged file was replaced.
    HistoryWithWarning(Result<Vec<HistoryEntry>, String>, String),
    SecretRead(SecretPurpose, Result<Option<Secret>, String>),
    /// A client certificate was imported or removed: the profiles, the profile, what to say.
    CertificateChanged(Result<(ProfilesFile, ProfileId, String), String>),
    /// A PEM file was read for the profile editor.
    PemLoaded(crate::ui::panels::profiles_ui::PemField, Result<zeroize::Zeroizing<String>, String>),
    /// The token inspector and the profile bar's token (see ui/inspector.rs).
    Token(crate::ui::inspector::TokenEvent),
    /// A profile's setup check finished (see `ui/check_ui.rs`).
    Check(crate::ui::check_ui::CheckEvent),
    /// Import cURL and Copy as cURL (see `ui/panels/curl_ui.rs`).
    Curl(crate::ui::panels::curl_ui::CurlEvent),
}

/// Why a secret was read from the keychain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretPurpose {
    Reveal,
    Copy,
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
