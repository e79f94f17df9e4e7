//! What views ask for. A view returns these from `show`; the app applies them in `logic`,
//! spawns the work, and routes each reply back to the view that asked (by tab and request id).
//!
//! Every command type lives here, so the import graph runs one way: app → views → this module.

use crate::core::body::ViewMode;
use crate::core::profile::{Environment, Profile, ProfileId, SecretRef};
use crate::core::request::RequestDraft;
use crate::core::secret::Secret;
use crate::workspace::ForeignHostChoice;

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
    AnswerGates {
        yes: bool,
        foreign_host: ForeignHostChoice,
    },
    /// Open the profile editor, on this profile or the active one.
    OpenEditor(Option<ProfileId>),
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
