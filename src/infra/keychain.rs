//! Where secret values live: the OS keychain, or — only when the user agrees because the
//! keychain cannot be used — this process's memory for one session.
//!
//! Every call here can block (a locked keyring pops up an unlock prompt and waits), so callers
//! run them on a blocking thread, never on the UI thread. Each call also has a deadline (10 s
//! where no prompt can appear, 2 minutes where a person may be typing the password,
//! `GATEPASS_KEYCHAIN_TIMEOUT` to change it): a keychain that does not answer is said in words
//! instead of hanging a scheduled `check`. There is no file fallback, by design.
//!
//! The keychain is reached through the keyring crate family on every OS: `keyring-core` with the
//! platform's store (the Secret Service on Linux, the Keychain on macOS, the Credential Manager
//! on Windows). We build the store ourselves rather than use `keyring::Entry`, because the simple
//! API folds every store failure into one cached "no default store" error, and we need to tell a
//! person which of five problems they have, and to try again once the keyring daemon is there.
//!
//! On Linux the store opens an *encrypted* Secret Service session (Diffie–Hellman, then AES): a
//! secret never crosses the session bus in clear, so `dbus-monitor` on the same bus sees only
//! ciphertext (a test watches for that). Items keep the attributes Gatepass has always written
//! (`service` = `gatepass:<namespace>`, `username` = the slot), so entries written by earlier
//! releases still read.

use crate::core::profile::SecretRef;
use crate::core::secret::Secret;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which store holds the secrets now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager).
    Keychain,
    /// Memory only, for this session: forgotten when Gatepass quits.
    SessionMemory,
}

/// Why the keychain could not be used, in the cases a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    #[error(
        "Gatepass cannot reach the keychain because there is no desktop session bus (D-Bus). Log in to a desktop session, or start one with dbus-run-session."
    )]
    NoSessionBus,
    #[error(
        "No keychain service is running. Install and start one, such as GNOME Keyring (package gnome-keyring) or KWallet."
    )]
    NoSecretService,
    #[error("The keychain is locked. Unlock it (usually with your login password) and try again.")]
    Locked,
    #[error("The keychain asked to be unlocked, and the request was dismissed. Try again and unlock it when asked.")]
    PromptDismissed,
    #[error("The keychain did not allow Gatepass to use it. Check the keychain's access settings.")]
    AccessDenied,
    #[error(
        "The keychain service stopped while Gatepass was using it, and it did not answer when Gatepass tried again. Try once more; if it keeps happening, log out and back in to restart it."
    )]
    StoppedAnswering,
    #[error("{}", no_answer_words(*seconds, *prompt_possible))]
    NoAnswer { seconds: u64, prompt_possible: bool },
    #[error("The keychain failed: {detail}")]
    Other { detail: String },
}

fn no_answer_words(seconds: u64, prompt_possible: bool) -> String {
    let why = if prompt_possible {
        "It may be locked and waiting for its password in a prompt that was not answered."
    } else {
        "It may be locked, and here no prompt for its password can appear (there is no display)."
    };
    format!(
        "The keychain did not answer within {seconds} seconds. {why} Unlock it, or start the keyring service, then try again. A request can also go without its credential (--no-credential, or turn off Send credential). GATEPASS_KEYCHAIN_TIMEOUT sets how many seconds to wait."
    )
}

/// A place to keep secret values. Methods block: call them off the UI thread.
pub trait SecretStore: Send + Sync {
    fn get(&self, slot: &SecretRef) -> Result<Option<Secret>, KeychainError>;
    fn set(&self, slot: &SecretRef, value: &Secret) -> Result<(), KeychainError>;
    fn delete(&self, slot: &SecretRef) -> Result<(), KeychainError>;
    fn kind(&self) -> StoreKind;
}

/// The OS keychain. Entries are named `gatepass:<namespace>` / `<slot>`, so two config
/// directories never share or overwrite each other's secrets.
pub struct Keychain {
    service: String,
    /// The open session. Replaced when the keychain daemon went away under it (see `retrying`).
    store: Mutex<Arc<keyring_core::CredentialStore>>,
}

impl Keychain {
    /// Connect to the platform keychain and check it can be used.
    pub fn open(namespace: &str) -> Result<Self, KeychainError> {
        let keychain = Self::connect(namespace)?;
        keychain.check()?;
        Ok(keychain)
    }

    /// A read of a slot that does not exist: proves the store answers and is unlocked.
    pub fn check(&self) -> Result<(), KeychainError> {
        self.get(&SecretRef("gatepass-probe".to_owned()))?;
        tracing::debug!("keychain open and unlocked");
        Ok(())
    }

    /// The same session, for another config folder's entries.
    #[must_use]
    pub fn in_namespace(mut self, namespace: &str) -> Self {
        self.service = format!("gatepass:{namespace}");
        self
    }

    /// Connect without the extra check: the first real read or write reports any problem.
    /// For one-shot commands, where that read comes right after. Each call connects anew, so a
    /// keyring daemon that started since the last failure is found.
    pub fn connect(namespace: &str) -> Result<Self, KeychainError> {
        let started = std::time::Instant::now();
        let store = within_deadline(platform_store)??;
        tracing::debug!(ms = started.elapsed().as_secs_f64() * 1000.0, "keychain session opened");
        Ok(Self { service: format!("gatepass:{namespace}"), store: Mutex::new(store) })
    }

    fn current_store(&self) -> Arc<keyring_core::CredentialStore> {
        self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Run `op` on the open session, within the deadline. When it fails in the platform layer
    /// (the keychain daemon stopped or restarted since the session opened, so the session is
    /// gone), open a new session once and try again: the daemon's files survive a restart, and
    /// D-Bus starts it again on the next call. A long-running window would otherwise fail on
    /// every secret until it is restarted. Reads, replacing writes and deletes are safe to repeat.
    fn retrying<T: Send + 'static>(
        &self,
        op: impl Fn(&keyring_core::CredentialStore, &str) -> Result<T, keyring_core::Error> + Send + Sync + 'static,
    ) -> Result<T, KeychainError> {
        let op = Arc::new(op);
        let run = |store: Arc<keyring_core::CredentialStore>| {
            let (op, service) = (Arc::clone(&op), self.service.clone());
            within_deadline(move || op(store.as_ref(), &service))
        };
        match run(self.current_store())? {
            Err(keyring_core::Error::PlatformFailure(first)) => {
                tracing::info!(error = %first, "the keychain session failed; opening a new one");
                let fresh = within_deadline(platform_store)??;
                *self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
                run(fresh)?.map_err(|e| map_error(&e))
            }
            other => other.map_err(|e| map_error(&e)),
        }
    }
}

/// How long one keychain call may take: `GATEPASS_KEYCHAIN_TIMEOUT` seconds when set; else 10 s
/// where no unlock prompt can appear (no display), and 2 minutes where a person may be typing
/// the keychain's password into one.
fn deadline() -> Duration {
    if let Some(seconds) = std::env::var("GATEPASS_KEYCHAIN_TIMEOUT").ok().and_then(|v| v.trim().parse::<u64>().ok()) {
        return Duration::from_secs(seconds.max(1));
    }
    if can_show_a_prompt() { Duration::from_mins(2) } else { Duration::from_secs(10) }
}

fn can_show_a_prompt() -> bool {
    if cfg!(target_os = "linux") {
        ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
    } else {
        true
    }
}

/// Run one blocking keychain call on its own thread and wait at most [`deadline`]. A call that
/// does not answer (a daemon that hangs, a locked keyring waiting for a prompt nobody sees) is
/// left behind, and the caller hears so in words instead of waiting forever.
fn within_deadline<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, KeychainError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("keychain".to_owned())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| KeychainError::Other { detail: format!("no thread could be started for it ({e})") })?;
    let limit = deadline();
    rx.recv_timeout(limit).map_err(|_| {
        tracing::warn!(seconds = limit.as_secs(), "the keychain did not answer in time");
        KeychainError::NoAnswer { seconds: limit.as_secs(), prompt_possible: can_show_a_prompt() }
    })
}

fn entry(
    store: &keyring_core::CredentialStore,
    service: &str,
    slot: &str,
) -> Result<keyring_core::Entry, keyring_core::Error> {
    store.build(service, slot, None)
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, KeychainError> {
    let store: Arc<keyring_core::CredentialStore> =
        zbus_secret_service_keyring_store::Store::new().map_err(|e| map_error(&e))?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, KeychainError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(|e| map_error(&e))?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, KeychainError> {
    let store = windows_native_keyring_store::Store::new().map_err(|e| map_error(&e))?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, KeychainError> {
    Err(KeychainError::Other { detail: "this operating system has no supported keychain".to_owned() })
}

/// Turn the store's error into one a person can act on, by its kind. The store's errors never
/// contain secret values, only service names and D-Bus errors.
fn map_error(error: &keyring_core::Error) -> KeychainError {
    use keyring_core::Error as E;
    match error {
        E::NoStorageAccess(inner) | E::PlatformFailure(inner) => {
            #[cfg(target_os = "linux")]
            if let Some(ss) = inner.downcast_ref::<secret_service::Error>() {
                return map_secret_service_error(ss);
            }
            let text = inner.to_string();
            match error {
                E::NoStorageAccess(_) if text.to_ascii_lowercase().contains("prompt") => KeychainError::PromptDismissed,
                E::NoStorageAccess(_) if text.to_ascii_lowercase().contains("denied") => KeychainError::AccessDenied,
                E::NoStorageAccess(_) => KeychainError::Locked,
                _ => classify_platform_failure(&text),
            }
        }
        E::NoDefaultStore => KeychainError::NoSecretService,
        other => KeychainError::Other { detail: other.to_string() },
    }
}

/// The Secret Service's own errors, by kind. D-Bus failures (no bus, no service) come as zbus
/// errors, read by their D-Bus error names.
#[cfg(target_os = "linux")]
fn map_secret_service_error(error: &secret_service::Error) -> KeychainError {
    use secret_service::Error as E;
    match error {
        E::Locked | E::NoResult => KeychainError::Locked,
        E::Prompt | E::PromptDisconnected => KeychainError::PromptDismissed,
        E::Unavailable => KeychainError::NoSecretService,
        other => classify_platform_failure(&other.to_string()),
    }
}

fn classify_platform_failure(text: &str) -> KeychainError {
    let lower = text.to_ascii_lowercase();
    if lower.contains("serviceunknown") || lower.contains("was not provided by any .service") {
        KeychainError::NoSecretService
    } else if lower.contains("failed to connect")
        || lower.contains("dbus_session_bus_address")
        || lower.contains("no such file")
    {
        KeychainError::NoSessionBus
    } else if lower.contains("accessdenied") || lower.contains("access denied") {
        KeychainError::AccessDenied
    } else if lower.contains("noreply") || lower.contains("disconnected") || lower.contains("unknownobject") {
        KeychainError::StoppedAnswering
    } else {
        KeychainError::Other { detail: text.to_owned() }
    }
}

impl SecretStore for Keychain {
    fn get(&self, slot: &SecretRef) -> Result<Option<Secret>, KeychainError> {
        let name = slot.0.clone();
        let bytes = self.retrying(move |store, service| match entry(store, service, &name)?.get_secret() {
            Ok(bytes) => Ok(Some(bytes)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            // Two items with one name (written by another tool): the first, as before.
            Err(keyring_core::Error::Ambiguous(entries)) => match entries.first() {
                Some(entry) => entry.get_secret().map(Some),
                None => Ok(None),
            },
            Err(e) => Err(e),
        })?;
        let Some(bytes) = bytes else { return Ok(None) };
        match String::from_utf8(bytes) {
            Ok(value) => Ok(Some(Secret::new(value))),
            // Never show the bytes: they are the secret.
            Err(_) => Err(KeychainError::Other {
                detail: format!("the value kept for {} is not text; save it again", slot.0),
            }),
        }
    }

    fn set(&self, slot: &SecretRef, value: &Secret) -> Result<(), KeychainError> {
        let (name, value) = (slot.0.clone(), value.clone());
        self.retrying(move |store, service| match entry(store, service, &name)?.set_secret(value.expose().as_bytes()) {
            Err(keyring_core::Error::Ambiguous(entries)) => {
                for entry in &entries {
                    entry.delete_credential()?;
                }
                entry(store, service, &name)?.set_secret(value.expose().as_bytes())
            }
            other => other,
        })
    }

    fn delete(&self, slot: &SecretRef) -> Result<(), KeychainError> {
        let name = slot.0.clone();
        self.retrying(move |store, service| match entry(store, service, &name)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(keyring_core::Error::Ambiguous(entries)) => {
                for entry in &entries {
                    entry.delete_credential()?;
                }
                Ok(())
            }
            Err(e) => Err(e),
        })
    }

    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }
}

/// Secrets held in memory for this session only. Used when the user chooses it because the
/// keychain cannot be used, and by unit tests.
#[derive(Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<SecretRef, Secret>>,
}

impl SecretStore for MemoryStore {
    fn get(&self, slot: &SecretRef) -> Result<Option<Secret>, KeychainError> {
        Ok(self.values.lock().map_err(|_| poisoned())?.get(slot).cloned())
    }

    fn set(&self, slot: &SecretRef, value: &Secret) -> Result<(), KeychainError> {
        self.values.lock().map_err(|_| poisoned())?.insert(slot.clone(), value.clone());
        Ok(())
    }

    fn delete(&self, slot: &SecretRef) -> Result<(), KeychainError> {
        self.values.lock().map_err(|_| poisoned())?.remove(slot);
        Ok(())
    }

    fn kind(&self) -> StoreKind {
        StoreKind::SessionMemory
    }
}

fn poisoned() -> KeychainError {
    KeychainError::Other { detail: "the in-memory store failed after an earlier error; restart Gatepass".to_owned() }
}

/// A store that always fails with one error: what the app runs on until the user decides what
/// to do about an unusable keychain, and what tests use to see the banner.
pub struct UnavailableStore(pub KeychainError);

impl SecretStore for UnavailableStore {
    fn get(&self, _: &SecretRef) -> Result<Option<Secret>, KeychainError> {
        Err(self.0.clone())
    }
    fn set(&self, _: &SecretRef, _: &Secret) -> Result<(), KeychainError> {
        Err(self.0.clone())
    }
    fn delete(&self, _: &SecretRef) -> Result<(), KeychainError> {
        Err(self.0.clone())
    }
    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_failures_from_the_real_store_are_classified() {
        let cases = [
            (
                "zbus error: Failed to connect to address unix:path=/run/user/0/bus: No such file or directory",
                KeychainError::NoSessionBus,
            ),
            (
                "zbus fdo error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files",
                KeychainError::NoSecretService,
            ),
            ("org.freedesktop.DBus.Error.AccessDenied: nope", KeychainError::AccessDenied),
            (
                "zbus error: org.freedesktop.DBus.Error.NoReply: Message recipient disconnected from message bus without replying",
                KeychainError::StoppedAnswering,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(classify_platform_failure(text), expected, "{text}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn secret_service_errors_tell_prompt_from_locked() {
        let wrap = |e: secret_service::Error| keyring_core::Error::NoStorageAccess(Box::new(e));
        assert_eq!(map_error(&wrap(secret_service::Error::Prompt)), KeychainError::PromptDismissed);
        assert_eq!(map_error(&wrap(secret_service::Error::Locked)), KeychainError::Locked);
        assert_eq!(map_error(&wrap(secret_service::Error::NoResult)), KeychainError::Locked);
        let failure = keyring_core::Error::PlatformFailure(Box::new(secret_service::Error::Unavailable));
        assert_eq!(map_error(&failure), KeychainError::NoSecretService);
    }

    #[test]
    fn no_storage_access_tells_prompt_from_locked() {
        let prompt =
            keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other("SS error: prompt dismissed")));
        assert_eq!(map_error(&prompt), KeychainError::PromptDismissed);
        let locked = keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other(
            "SS error: result not returned from SS API",
        )));
        assert_eq!(map_error(&locked), KeychainError::Locked);
    }

    #[test]
    fn memory_store_round_trips() {
        let store = MemoryStore::default();
        let slot = SecretRef("p/api_key".into());
        assert_eq!(store.get(&slot), Ok(None));
        store.set(&slot, &Secret::new("v")).unwrap();
        assert_eq!(store.get(&slot).unwrap().unwrap().expose(), "v");
        store.delete(&slot).unwrap();
        assert_eq!(store.get(&slot), Ok(None));
    }
}
