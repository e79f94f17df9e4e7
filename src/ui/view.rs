//! What every view may read while it draws: [`ViewCx`], a narrow, read-only context, and the
//! small status types it carries.
//!
//! Views own their state and return [`crate::ui::command::Command`]s; they never see the app.
//! The context is built by the app once per frame, so a view cannot reach anything it was not
//! handed: the profiles and which one is active, the theme, the clock, and what the workspace
//! knows (keychain, practice API, the active profile's token).

use crate::core::profile::{Profile, ProfileId};
use crate::infra::keychain::{KeychainError, StoreKind};
use crate::ui::panels::token_ui::{ActiveFingerprint, ActiveTokenView, TokenFetch};
use crate::ui::theme::Theme;

/// Where the keychain stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeychainState {
    Connecting,
    Ready(StoreKind),
    Unavailable(KeychainError),
}

/// Where the practice API stands, as views see it (the server itself stays with the app).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PracticeStatus {
    Off,
    Starting,
    Running,
    Failed(String),
}

/// A message shown in the notice strip until dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Self { text: text.into(), is_error: false }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self { text: text.into(), is_error: true }
    }
}

/// The read-only context a view draws with.
pub struct ViewCx<'a> {
    pub theme: &'a Theme,
    pub profiles: &'a [Profile],
    pub active: Option<&'a Profile>,
    /// The clock, read once per frame so every view agrees on "now".
    pub now: time::OffsetDateTime,
    pub keychain: &'a KeychainState,
    pub practice: &'a PracticeStatus,
    /// The active profile's access token, read off the UI thread, for the profile bar.
    pub active_token: Option<&'a ActiveTokenView>,
    /// The active profile's stored credential as its fingerprint, once read (for the Preview).
    pub active_fingerprint: Option<&'a ActiveFingerprint>,
    /// "Get new token" in flight or finished, for the profile it was asked for.
    pub token_fetch: Option<&'a TokenFetch>,
    /// The window is narrow (under about 1,100 points): views put less in a row.
    pub narrow: bool,
    /// The main window has the keyboard: no dialog or editor is open over it.
    pub keyboard: bool,
}

impl ViewCx<'_> {
    pub fn profile(&self, id: &ProfileId) -> Option<&Profile> {
        self.profiles.iter().find(|p| &p.id == id)
    }

    pub fn active_id(&self) -> Option<&ProfileId> {
        self.active.map(|p| &p.id)
    }

    pub fn local_offset(&self) -> time::UtcOffset {
        time::UtcOffset::local_offset_at(self.now).unwrap_or(time::UtcOffset::UTC)
    }

    /// Another profile for `env` than `besides`, for "switch to the Sandbox profile": one of the
    /// same kind (practice or not) first.
    pub fn profile_for_environment(
        &self,
        env: crate::core::diagnose::EnvKind,
        besides: Option<&ProfileId>,
    ) -> Option<&Profile> {
        let practice = besides.and_then(|id| self.profile(id)).is_some_and(|p| p.practice.is_some());
        let candidates = || {
            self.profiles.iter().filter(move |p| {
                Some(&p.id) != besides && crate::core::diagnose::EnvKind::of(&p.environment) == Some(env)
            })
        };
        candidates().find(|p| p.practice.is_some() == practice).or_else(|| candidates().next())
    }
}
