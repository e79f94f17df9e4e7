//! What views ask for. A view returns these from `show`; the app applies them in `logic`,
//! spawns the work, and routes each reply back to the view that asked (by tab and request id).
//!
//! Every command type lives here, so the import graph runs one way: app → views → this module.

use crate::core::body::ViewMode;
use crate::core::collection::RequestPath;
use crate::core::profile::{Environment, Profile, ProfileId, SecretRef};
use crate::core::request::RequestDraft;
use crate::core::secret::Secret;
use crate::workspace::ForeignHostChoice;
use std::path::PathBuf;

/// One open request (a tab), so replies reach the tab that sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TabId(pub u64);

#[derive(Debug)]
pub enum Command {
    /// Send this tab's draft with the active profile.
    Send(TabId),
    /// Stop this tab's send.
    Cancel(TabId),
    /// Fix the credential slip typed into the tab's headers, then send.
    FixAndSend(TabId),
    /// Turn "Send credential" on in the tab, then send.
    SendWithCredential(TabId),
    /// Format the tab's answer body again, pretty or raw, wrapped at a column or not.
    FormatBody {
        tab: TabId,
        mode: ViewMode,
        wrap_columns: Option<usize>,
    },
    /// Look for text in the tab's answer body (off the UI thread).
    SearchBody {
        tab: TabId,
        query: String,
    },
    /// Write the tab's answer body to a file, as received.
    SaveBody {
        tab: TabId,
        path: String,
    },
    SelectProfile(ProfileId),
    /// Put a request in the active tab (from "Try these", history, Check setup).
    RestoreDraft(Box<RequestDraft>),
    /// Search all of history for this text (lower case).
    SearchHistory(String),
    AnswerGates {
        yes: bool,
        foreign_host: ForeignHostChoice,
    },
    /// Open the profile editor, on this profile or the active one.
    OpenEditor(Option<ProfileId>),
    SaveProfile {
        profile: Box<Profile>,
        secret: Option<Secret>,
        /// The method's second secret (OAuth 1's token secret, AWS's session token) and its slot.
        second: Option<(SecretRef, Secret)>,
        /// Make a `DPoP` key (`Some(true)`) or delete the profile's (`Some(false)`).
        dpop: Option<bool>,
    },
    DeleteProfile(ProfileId),
    /// Rewrite a damaged profiles file with the profiles that could be read (the person chose).
    RepairProfiles,
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
    LoadPem(PemField, String),
    ReadSecret(SecretRef, SecretPurpose),
    RetryKeychain,
    UseSessionMemory,
    ToggleTheme,
    /// Show a message in the notice strip.
    Notify(crate::ui::view::Notice),
    /// The token inspector, the profile bar's token, "Get new token", sign-in.
    Token(TokenCommand),
    /// The "Check setup" window.
    Check(CheckCommand),
    /// Import cURL and Copy as cURL.
    Curl(CurlCommand),
    /// Collections: open, save, rename, move, delete, run, import.
    Collections(CollectionCommand),
    /// The tabs: a new one, pick one, close one.
    Tabs(TabCommand),
    /// The import window's steps.
    Import(ImportCommand),
}

/// What the import window asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportCommand {
    /// Read the files and show what the import would do.
    Preview,
    /// Do the import previewed.
    Apply,
    /// The file chooser wants this folder's contents.
    List(PathBuf),
}

/// What the tab strip asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabCommand {
    New,
    Select(TabId),
    Next,
    /// Close the tab; one with unsaved changes asks first.
    Close(TabId),
    /// Close the tab and lose its unsaved changes (the person said so).
    Discard(TabId),
}

/// An open collection as the sidebar shows it: where it is, its name, and what it holds (or why
/// it could not be read).
#[derive(Debug, Clone)]
pub struct LoadedCollection {
    pub path: PathBuf,
    pub name: String,
    /// Shared: the sidebar draws from it every frame without copying 2,000 requests.
    pub collection: Result<std::sync::Arc<crate::core::collection::Collection>, String>,
}

/// Where "Save" puts a request that was never saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveTarget {
    Existing(PathBuf),
    /// A new collection in this folder, with this name.
    New {
        dir: String,
        name: String,
    },
}

/// What the collections in the sidebar, the save box and the run window ask for.
#[derive(Debug, Clone)]
pub enum CollectionCommand {
    /// Read every open collection again.
    Reload,
    /// Open a saved request: the tab already showing it, or a new one.
    OpenRequest {
        dir: PathBuf,
        path: RequestPath,
    },
    /// Ctrl+S: save the tab where it is saved, or ask where.
    Save(TabId),
    /// Save the tab's request as a new one.
    SaveAs {
        tab: TabId,
        target: SaveTarget,
        folder: String,
        name: String,
    },
    /// Add a collection folder that exists to the list.
    Open(String),
    /// Make a new, empty collection.
    Create {
        dir: String,
        name: String,
    },
    /// Take a collection off the list; its files stay.
    Close(PathBuf),
    Rename {
        dir: PathBuf,
        path: RequestPath,
        name: String,
    },
    Duplicate {
        dir: PathBuf,
        path: RequestPath,
    },
    Move {
        dir: PathBuf,
        path: RequestPath,
        folder: String,
    },
    Delete {
        dir: PathBuf,
        path: RequestPath,
    },
    /// Put back the request deleted last.
    UndoDelete,
    /// Write the collection as another tool's file.
    Export {
        dir: PathBuf,
        format: crate::core::export::ExportFormat,
        profile: Option<crate::core::profile::ProfileId>,
        file: PathBuf,
    },
    /// Open the run window on a collection, or on one folder of it.
    OpenRun {
        dir: PathBuf,
        folder: Option<String>,
    },
    /// Start the run window's run with the profiles it has ticked.
    StartRun,
    /// Stop the run: requests already out finish, the rest are not sent.
    StopRun,
    /// Send one cell of the run again (one request with one profile); the others stay.
    RerunCell {
        request: RequestPath,
        profile: crate::core::profile::ProfileId,
    },
    /// Open a run cell's answer and explanation in a tab.
    OpenRunCell {
        request: RequestPath,
        profile: crate::core::profile::ProfileId,
    },
    /// Open the import window, on this file or folder when one was dropped.
    OpenImport(Option<String>),
}

/// Which PEM field of the profile editor a file is loaded into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemField {
    Certificate,
    Key,
    CaBundle,
}

/// Why a secret was read from the keychain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretPurpose {
    Reveal,
    Copy,
}

/// What the token inspector, the profile bar's token and the sign-in window ask for.
#[derive(Debug)]
pub enum TokenCommand {
    /// Open on the active profile's token (when it has one) or on a paste box.
    OpenForActiveProfile,
    /// Open on this profile's token (an explanation card made with it).
    OpenForProfile(ProfileId),
    /// Open on a token the app already holds, compared with these expected permissions.
    OpenWith {
        token: Secret,
        label: String,
        expected: Vec<String>,
    },
    /// Read the inspected profile's token from the keychain again.
    Reload,
    CheckSignature,
    /// Ask the profile's introspection endpoint about the token shown.
    Introspect,
    /// Keep the shared secret typed in the inspector in the keychain for this profile (or forget it).
    RememberSecret(bool),
    /// Ask an OAuth profile's sign-in server for a new access token ("Get new token", "Sign in…").
    GetNewToken(ProfileId),
    /// Stop the sign-in waiting for the person.
    CancelSignIn,
}

#[derive(Debug)]
pub enum CheckCommand {
    Open,
    /// Check every profile (at once).
    All,
    /// Check one profile again.
    One(ProfileId),
    /// Copy the report to the clipboard: Markdown (`false`) or HTML (`true`).
    CopyReport {
        html: bool,
    },
    /// Send the profile's test request in the main window, where its explanation card shows.
    ShowWhy(ProfileId),
    /// Ask an OAuth profile's sign-in server for a new token, then check the profile again.
    GetNewToken(ProfileId),
}

/// What the cURL import window and the copy button ask for.
#[derive(Debug)]
pub enum CurlCommand {
    OpenImport,
    /// Use the imported request in the active tab; the credential it carried waits for a home.
    UseImported(Box<crate::core::curl::CurlImport>),
    /// Take a credential found in the active tab's request out of it and offer it a home.
    MovePasted(crate::core::curl::FoundCredential),
    /// Keep a secret found in the active tab's body in the active profile's keychain entry.
    KeepBodySecret(crate::core::curl::FoundCredential),
    /// Put the found credential in the active profile's keychain entry.
    StoreInActive,
    /// Make a new profile holding the found credential.
    CreateProfile {
        name: String,
        environment: Environment,
        base_url: String,
    },
    /// Copy the tab's request as a curl command.
    Copy(TabId, CopyChoice),
}

/// How "Copy as cURL" writes the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopyChoice {
    #[default]
    Masked,
    EnvVar,
    Reveal,
}

impl CopyChoice {
    pub fn label(self) -> &'static str {
        match self {
            CopyChoice::Masked => "Secret masked (safe to share)",
            CopyChoice::EnvVar => "Secret as $VARIABLE",
            CopyChoice::Reveal => "Real secret (anyone who sees it can use it)",
        }
    }
}
