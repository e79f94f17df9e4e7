//! Running a collection: which requests go to which profiles, which are held back and why, and
//! what counts as a pass. The sending itself is the workspace's (it reuses the one send path, so
//! gates, redaction, history and explanations are the same as for a single request).

use super::{Collection, RequestEntry, RequestPath};
use crate::core::profile::Profile;

/// One request to send with one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRun {
    pub request: RequestPath,
    pub profile: crate::core::profile::ProfileId,
}

/// Why a planned run was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// A request that can change data, with a Production profile, and the run was not confirmed.
    ProductionWrite,
    /// The request holds a credential of its own; it is not sent until that is in the keychain.
    LiteralSecret { places: Vec<String> },
    /// The credential would go to a host outside the profile's allowed hosts.
    ForeignHost { host: String },
    /// The run was stopped before this one started.
    Stopped,
    /// An earlier request failed and the run was asked to stop at the first failure.
    Bailed,
    /// The request file could not be read, so there was nothing to send: the run fails.
    Unreadable { problem: String },
}

impl Skip {
    /// Why, in words for the results table and the JSON `skipped` field.
    pub fn words(&self) -> String {
        match self {
            Self::ProductionWrite => {
                "Not sent: it can change data and the profile is Production (live). Confirm Production writes for this run to send it.".to_owned()
            }
            Self::LiteralSecret { places } => format!(
                "Not sent: the request holds a credential of its own ({}). Move it into the keychain first.",
                places.join(", ")
            ),
            Self::ForeignHost { host } => format!(
                "Not sent: the credential would go to {host}, which is not one of the profile's allowed hosts."
            ),
            Self::Stopped => "Not sent: the run was stopped.".to_owned(),
            Self::Bailed => "Not sent: an earlier request failed and the run stops at the first failure.".to_owned(),
            Self::Unreadable { problem } => format!("Not sent: the request file could not be read ({problem})."),
        }
    }
}

/// Every request of the collection (or of one folder and its sub-folders) with every profile,
/// request by request. `folder` "" or `None` means the whole collection.
pub fn plan(collection: &Collection, folder: Option<&str>, profiles: &[Profile]) -> Vec<PlannedRun> {
    let folder = folder.map(|f| f.trim_matches('/')).filter(|f| !f.is_empty());
    collection
        .requests
        .iter()
        .filter(|entry| folder.is_none_or(|f| in_folder(entry, f)))
        .flat_map(|entry| profiles.iter().map(|p| PlannedRun { request: entry.path.clone(), profile: p.id.clone() }))
        .collect()
}

/// Whether the request is in `folder` or one of its sub-folders.
pub fn in_folder(entry: &RequestEntry, folder: &str) -> bool {
    let own = entry.path.folder();
    own == folder || own.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a folder name matches any folder of the collection (for a clear message when not).
pub fn has_folder(collection: &Collection, folder: &str) -> bool {
    let folder = folder.trim_matches('/');
    collection.requests.iter().any(|entry| in_folder(entry, folder))
}

/// What holds a request back before anything is prepared: a credential written into it, or a
/// Production write that was not confirmed for this run.
pub fn skip_before_sending(entry: &RequestEntry, profile: &Profile, production_confirmed: bool) -> Option<Skip> {
    if !entry.literal_secrets.is_empty() {
        return Some(Skip::LiteralSecret { places: entry.literal_secrets.iter().map(|s| s.place.clone()).collect() });
    }
    if profile.environment.is_production() && !entry.request.draft.method.is_read_only() && !production_confirmed {
        return Some(Skip::ProductionWrite);
    }
    None
}

/// The required permissions of a request that a token does not carry, in the request's order.
pub fn missing_scopes<'a>(required: &'a [String], granted: &[String]) -> Vec<&'a str> {
    required.iter().map(String::as_str).filter(|scope| !granted.iter().any(|g| g == scope)).collect()
}
