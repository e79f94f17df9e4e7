//! Where secret values live: the OS keychain, or — only when the user agrees because the
//! keychain cannot be used — this process's memory for one session.
//!
//! Every call here can block (a locked keyring pops up an unlock prompt and waits), so callers
//! run them on a blocking thread, never on the UI thread. There is no file fallback, by design.
//!
//! On macOS and Windows we talk to `keyring-core` and the platform store directly rather than
//! through `keyring::Entry`, because the simple API folds every store failure into one cached "no
//! default store" error and we need to tell a person which of five problems they have.
//!
//! On Linux we speak the Secret Service protocol ourselves (the `secret-service` crate), with the
//! same item attributes the keyring store uses (`service`, `username`), so entries written before
//! stay readable. The session is opened without the Diffie–Hellman key exchange: that exchange
//! protects secrets from other users' processes watching the session bus, which the bus does not
//! allow anyway, and any process of the same user may read an unlocked keyring directly. Skipping
//! it makes each `gatepass` command start about 6 ms sooner (see the README's performance table).

use crate::core::profile::SecretRef;
use crate::core::secret::Secret;
use std::collections::HashMap;
#[cfg(not(target_os = "linux"))]
use std::sync::Arc;
use std::sync::Mutex;

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
    #[error("The keychain failed: {detail}")]
    Other { detail: String },
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
    #[cfg(target_os = "linux")]
    store: secret_service_store::Store,
    #[cfg(not(target_os = "linux"))]
    store: Arc<keyring_core::CredentialStore>,
}

impl Keychain {
    /// Connect to the platform keychain and check it can be used.
    pub fn open(namespace: &str) -> Result<Self, KeychainError> {
        let keychain = Self::connect(namespace)?;
        // A read of a slot that does not exist proves the store answers and is unlocked.
        keychain.get(&SecretRef("gatepass-probe".to_owned()))?;
        Ok(keychain)
    }

    /// Connect without the extra check: the first real read or write reports any problem.
    /// For one-shot commands, where that read comes right after.
    pub fn connect(namespace: &str) -> Result<Self, KeychainError> {
        Ok(Self { service: format!("gatepass:{namespace}"), store: platform_store()? })
    }

    #[cfg(not(target_os = "linux"))]
    fn entry(&self, slot: &SecretRef) -> Result<keyring_core::Entry, KeychainError> {
        self.store.build(&self.service, &slot.0, None).map_err(|e| map_error(&e))
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<secret_service_store::Store, KeychainError> {
    secret_service_store::Store::connect()
}

/// The Secret Service (GNOME Keyring, `KWallet`) over D-Bus, in a plain session.
#[cfg(target_os = "linux")]
mod secret_service_store {
    use super::{KeychainError, classify_platform_failure};
    use secret_service::EncryptionType;
    use secret_service::blocking::SecretService;
    use std::collections::HashMap;
    use std::sync::Mutex;

    pub struct Store {
        service: Mutex<SecretService<'static>>,
    }

    fn attributes<'a>(service: &'a str, user: &'a str) -> HashMap<&'a str, &'a str> {
        HashMap::from([("service", service), ("username", user)])
    }

    impl Store {
        pub fn connect() -> Result<Self, KeychainError> {
            let service = SecretService::connect(EncryptionType::Plain).map_err(map_error)?;
            Ok(Self { service: Mutex::new(service) })
        }

        fn lock(&self) -> Result<std::sync::MutexGuard<'_, SecretService<'static>>, KeychainError> {
            self.service.lock().map_err(|_| KeychainError::Other { detail: "the keychain connection broke".to_owned() })
        }

        /// The value of the item named by `service` and `user`, unlocking it first if needed.
        pub fn get(&self, service: &str, user: &str) -> Result<Option<Vec<u8>>, KeychainError> {
            let ss = self.lock()?;
            let found = ss.search_items(attributes(service, user)).map_err(map_error)?;
            if !found.locked.is_empty() {
                let locked: Vec<_> = found.locked.iter().collect();
                ss.unlock_all(&locked).map_err(map_error)?;
            }
            match found.unlocked.first().or(found.locked.first()) {
                Some(item) => item.get_secret().map(Some).map_err(map_error),
                None => Ok(None),
            }
        }

        /// Store `value` in the default collection, replacing an item with the same name.
        pub fn set(&self, service: &str, user: &str, value: &[u8]) -> Result<(), KeychainError> {
            let ss = self.lock()?;
            let collection = ss.get_default_collection().map_err(map_error)?;
            collection.ensure_unlocked().map_err(map_error)?;
            let label = format!("keyring:{user}@{service}");
            collection
                .create_item(&label, attributes(service, user), value, true, "text/plain")
                .map(drop)
                .map_err(map_error)
        }

        /// Remove every item with this name; none is fine.
        pub fn delete(&self, service: &str, user: &str) -> Result<(), KeychainError> {
            let ss = self.lock()?;
            let found = ss.search_items(attributes(service, user)).map_err(map_error)?;
            if !found.locked.is_empty() {
                let locked: Vec<_> = found.locked.iter().collect();
                ss.unlock_all(&locked).map_err(map_error)?;
            }
            for item in found.unlocked.iter().chain(found.locked.iter()) {
                item.delete().map_err(map_error)?;
            }
            Ok(())
        }
    }

    /// The Secret Service's errors, as a person can act on them. They name D-Bus objects and
    /// errors, never secret values.
    pub(super) fn map_error(error: secret_service::Error) -> KeychainError {
        use secret_service::Error as E;
        match error {
            E::Locked | E::NoResult => KeychainError::Locked,
            E::Prompt | E::PromptDisconnected => KeychainError::PromptDismissed,
            E::Unavailable => KeychainError::NoSecretService,
            E::Zbus(e) => classify_platform_failure(&e.to_string()),
            E::ZbusFdo(e) => classify_platform_failure(&e.to_string()),
            other => KeychainError::Other { detail: other.to_string() },
        }
    }
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

/// Turn the store's error into one a person can act on. The store's messages never contain
/// secret values, only service names and D-Bus errors.
#[cfg(not(target_os = "linux"))]
fn map_error(error: &keyring_core::Error) -> KeychainError {
    use keyring_core::Error as E;
    match error {
        E::NoStorageAccess(inner) => {
            let text = inner.to_string().to_ascii_lowercase();
            if text.contains("prompt") {
                KeychainError::PromptDismissed
            } else if text.contains("denied") || text.contains("not allowed") {
                KeychainError::AccessDenied
            } else {
                KeychainError::Locked
            }
        }
        E::PlatformFailure(inner) => classify_platform_failure(&inner.to_string()),
        other => KeychainError::Other { detail: other.to_string() },
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
    } else {
        KeychainError::Other { detail: text.to_owned() }
    }
}

#[cfg(target_os = "linux")]
impl SecretStore for Keychain {
    fn get(&self, slot: &SecretRef) -> Result<Option<Secret>, KeychainError> {
        match self.store.get(&self.service, &slot.0)? {
            Some(bytes) => match String::from_utf8(bytes) {
                Ok(value) => Ok(Some(Secret::new(value))),
                // Never show the bytes: they are the secret.
                Err(_) => Err(KeychainError::Other {
                    detail: format!("the value kept for {} is not text; save it again", slot.0),
                }),
            },
            None => Ok(None),
        }
    }

    fn set(&self, slot: &SecretRef, value: &Secret) -> Result<(), KeychainError> {
        self.store.set(&self.service, &slot.0, value.expose().as_bytes())
    }

    fn delete(&self, slot: &SecretRef) -> Result<(), KeychainError> {
        self.store.delete(&self.service, &slot.0)
    }

    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }
}

#[cfg(not(target_os = "linux"))]
impl SecretStore for Keychain {
    fn get(&self, slot: &SecretRef) -> Result<Option<Secret>, KeychainError> {
        match self.entry(slot)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(&e)),
        }
    }

    fn set(&self, slot: &SecretRef, value: &Secret) -> Result<(), KeychainError> {
        self.entry(slot)?.set_password(value.expose()).map_err(|e| map_error(&e))
    }

    fn delete(&self, slot: &SecretRef) -> Result<(), KeychainError> {
        match self.entry(slot)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(&e)),
        }
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
        ];
        for (text, expected) in cases {
            assert_eq!(classify_platform_failure(text), expected, "{text}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn secret_service_errors_tell_prompt_from_locked() {
        use super::secret_service_store::map_error;
        assert_eq!(map_error(secret_service::Error::Prompt), KeychainError::PromptDismissed);
        assert_eq!(map_error(secret_service::Error::Locked), KeychainError::Locked);
        assert_eq!(map_error(secret_service::Error::NoResult), KeychainError::Locked);
        assert_eq!(map_error(secret_service::Error::Unavailable), KeychainError::NoSecretService);
    }

    #[cfg(not(target_os = "linux"))]
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
