//! The profiles file: readable TOML in the config directory, holding profiles and references
//! to keychain entries, never secret values.
//!
//! Writes are atomic (temp file, fsync, rename) and made under a lock file, re-reading the file
//! first, so two Gatepass windows editing profiles at once do not undo each other's changes.
//! A file that cannot be read is copied aside and never overwritten by an empty one.

use crate::core::profile::{PracticeLink, Profile, ProfileId};
use crate::infra::private_files;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub const PROFILES_FILE: &str = "profiles.toml";

/// What the profiles file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilesFile {
    pub version: u32,
    /// Names this config directory's keychain entries, so two directories never collide.
    pub keychain_namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_profile: Option<ProfileId>,
    /// The practice profiles this workspace has been given, so one added in a later version is
    /// added once to an older workspace, and one the user deleted stays deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples_offered: Vec<PracticeLink>,
    #[serde(default, rename = "profile")]
    pub profiles: Vec<Profile>,
}

impl ProfilesFile {
    fn new() -> Self {
        Self {
            version: 1,
            keychain_namespace: uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
            active_profile: None,
            samples_offered: Vec::new(),
            profiles: Vec::new(),
        }
    }

    pub fn profile(&self, id: &ProfileId) -> Option<&Profile> {
        self.profiles.iter().find(|p| &p.id == id)
    }

    pub fn profile_by_name(&self, name: &str) -> Option<&Profile> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.profiles.iter().find(|p| p.name.eq_ignore_ascii_case(name)))
    }
}

/// What loading found.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: ProfilesFile,
    /// The file did not exist: this is a first launch.
    pub is_new: bool,
    /// Problems met while reading, in plain words; each says where the original was kept.
    pub warnings: Vec<String>,
    /// The file could be read only in part: what was left out, and where its copy is.
    pub damage: Option<Damage>,
}

/// A profiles file read only in part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// A copy of the file as it was, never written over.
    pub backup: PathBuf,
    /// What could not be read, one sentence each (with the line, when the file is not TOML).
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "Could not read or write the profiles file {path}: {source}. Check that the folder exists and you may write to it."
    )]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0} Gatepass keeps its profiles in that file: move what is there now out of the way.")]
    Read(crate::infra::read::ReadError),
    #[error("Could not save the profiles: {0}")]
    Serialize(String),
    #[error(
        "The profiles file {path} could be read only in part, so Gatepass did not change it: writing it now would drop what it could not read. {} A copy of the original is kept at {}. Fix the file in an editor, or have Gatepass rewrite it with the profiles it could read.",
        damage.problems.join(" "),
        damage.backup.display()
    )]
    Damaged { path: PathBuf, damage: Damage },
}

/// How many copies of damaged profiles files are kept before Gatepass asks for room.
const MAX_BACKUPS: usize = 50;

/// The profiles file in one config directory.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
    /// The namespace a file not yet written will get, fixed for this store's life so secrets
    /// saved before the first write are found after it.
    new_namespace: String,
    /// The person chose to have a damaged file rewritten with what could be read.
    repair: Arc<AtomicBool>,
}

impl ProfileStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            new_namespace: ProfilesFile::new().keychain_namespace,
            repair: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Let the next write replace a damaged file with the profiles that could be read (its
    /// original stays in its numbered copy). Until then, every write to it is refused.
    pub fn allow_repair(&self) {
        self.repair.store(true, Ordering::SeqCst);
    }

    fn new_file(&self) -> ProfilesFile {
        ProfilesFile { keychain_namespace: self.new_namespace.clone(), ..ProfilesFile::new() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(PROFILES_FILE)
    }

    /// Read the file. A missing file gives an empty set (not yet written); a damaged one gives
    /// what could be read, and a copy of the original is kept beside it.
    pub fn load(&self) -> Result<Loaded, StoreError> {
        let path = self.path();
        let text = match crate::infra::read::bounded(&path, crate::infra::read::limit::PROFILES, "profiles file") {
            Ok(bytes) => bytes,
            Err(crate::infra::read::ReadError::NotFound { .. }) => {
                return Ok(Loaded { file: self.new_file(), is_new: true, warnings: Vec::new(), damage: None });
            }
            Err(e) => return Err(StoreError::Read(e)),
        };
        let (file, problems) = parse_leniently(&String::from_utf8_lossy(&text));
        let mut warnings = Vec::new();
        let mut damage = None;
        if !problems.is_empty() {
            let backup = self.keep_backup(&text)?;
            warnings.push(format!(
                "Part of the profiles file could not be read, so Gatepass loaded what it could and will not change the file until you choose. The original is kept at {}. {}",
                backup.display(),
                problems.join(" ")
            ));
            damage = Some(Damage { backup, problems });
        }
        Ok(Loaded { file, is_new: false, warnings, damage })
    }

    /// The file as it is on disk, written first (under the lock) when there is none yet. Two
    /// processes starting in a new folder at once then agree on one keychain namespace: the
    /// second finds the first one's file.
    pub fn ensure_exists(&self) -> Result<ProfilesFile, StoreError> {
        if self.path().exists() {
            return Ok(self.load()?.file);
        }
        Ok(self.update(|_| ())?.0)
    }

    /// Change the file under the lock: re-read, apply `change`, write atomically.
    pub fn update<T>(&self, change: impl FnOnce(&mut ProfilesFile) -> T) -> Result<(ProfilesFile, T), StoreError> {
        private_files::create_dir_all(&self.dir).map_err(|source| StoreError::Io { path: self.dir.clone(), source })?;
        let lock_path = self.dir.join("profiles.lock");
        let lock = private_files::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| StoreError::Io { path: lock_path.clone(), source })?;
        lock.lock().map_err(|source| StoreError::Io { path: lock_path.clone(), source })?;
        let result = (|| {
            let loaded = self.load()?;
            if let Some(damage) = loaded.damage
                && !self.repair.load(Ordering::SeqCst)
            {
                return Err(StoreError::Damaged { path: self.path(), damage });
            }
            let mut file = loaded.file;
            let value = change(&mut file);
            self.write_atomically(&file)?;
            Ok((file, value))
        })();
        let _ = lock.unlock();
        result
    }

    fn write_atomically(&self, file: &ProfilesFile) -> Result<(), StoreError> {
        let text = toml::to_string_pretty(file).map_err(|e| StoreError::Serialize(e.to_string()))?;
        let text =
            format!("# Gatepass profiles. Secrets are not in this file: it names keychain entries only.\n{text}");
        let path = self.path();
        let tmp = self.dir.join(format!(".{PROFILES_FILE}.{}.tmp", std::process::id()));
        let io = |source| StoreError::Io { path: path.clone(), source };
        let mut out = private_files::create(&tmp).map_err(io)?;
        out.write_all(text.as_bytes()).map_err(io)?;
        out.sync_all().map_err(io)?;
        drop(out);
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Keep a damaged file's bytes beside it: `profiles.toml.unreadable`, then `.unreadable.2`,
    /// `.3`… A backup is never written over, so a second damage cannot lose the first file's
    /// profiles; the same bytes damaged again reuse their backup.
    fn keep_backup(&self, original: &[u8]) -> Result<PathBuf, StoreError> {
        for n in 1..=MAX_BACKUPS {
            let name =
                if n == 1 { format!("{PROFILES_FILE}.unreadable") } else { format!("{PROFILES_FILE}.unreadable.{n}") };
            let backup = self.dir.join(name);
            match std::fs::read(&backup) {
                Ok(bytes) if bytes == original => return Ok(backup),
                Ok(_) => {}
                Err(_) => {
                    private_files::write(&backup, original)
                        .map_err(|source| StoreError::Io { path: backup.clone(), source })?;
                    return Ok(backup);
                }
            }
        }
        Err(StoreError::Io {
            path: self.dir.join(format!("{PROFILES_FILE}.unreadable.{MAX_BACKUPS}")),
            source: std::io::Error::other(format!(
                "{MAX_BACKUPS} copies of damaged profiles files are kept already; look at them and remove the ones not needed"
            )),
        })
    }
}

/// Read as much as possible: each profile on its own, so one bad entry loses only itself.
fn parse_leniently(text: &str) -> (ProfilesFile, Vec<String>) {
    let mut problems = Vec::new();
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("The file is not valid TOML: {}.", first_line(&e.to_string())));
            let mut file = ProfilesFile::new();
            if let Some(ns) = find_namespace(text) {
                file.keychain_namespace = ns;
            }
            return (file, problems);
        }
    };
    let mut file = ProfilesFile::new();
    match table.get("keychain_namespace").and_then(toml::Value::as_str) {
        Some(ns) => ns.clone_into(&mut file.keychain_namespace),
        None => problems.push("The keychain_namespace line is missing, so saved secrets may not be found.".to_owned()),
    }
    file.active_profile = table.get("active_profile").and_then(toml::Value::as_str).map(|s| ProfileId(s.to_owned()));
    file.samples_offered =
        table.get("samples_offered").and_then(|v| v.clone().try_into::<Vec<PracticeLink>>().ok()).unwrap_or_default();
    if let Some(list) = table.get("profile") {
        match list.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item.clone().try_into::<Profile>() {
                        Ok(p) => file.profiles.push(p),
                        Err(e) => {
                            let name = item.get("name").and_then(toml::Value::as_str).unwrap_or("(no name)");
                            problems.push(format!(
                                "Profile {} \"{name}\" was left out: {}.",
                                i + 1,
                                first_line(&e.to_string())
                            ));
                        }
                    }
                }
            }
            None => problems.push("The profile entries are not a list.".to_owned()),
        }
    }
    (file, problems)
}

fn first_line(text: &str) -> String {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or(text).trim().trim_end_matches('.').to_owned()
}

fn find_namespace(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "keychain_namespace").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Where profiles, history and logs live.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    /// `--config-dir` (or `GATEPASS_CONFIG_DIR`) puts everything in one folder; otherwise the
    /// platform's config and data directories.
    pub fn resolve(config_dir: Option<&Path>) -> Result<Self, StoreError> {
        if let Some(dir) = config_dir {
            return Ok(Self { config_dir: dir.to_path_buf(), data_dir: dir.to_path_buf() });
        }
        let dirs = directories::ProjectDirs::from("dev", "Gatepass", "Gatepass").ok_or_else(|| StoreError::Io {
            path: PathBuf::from("~"),
            source: std::io::Error::other("no home directory was found for this user"),
        })?;
        Ok(Self { config_dir: dirs.config_dir().to_path_buf(), data_dir: dirs.data_dir().to_path_buf() })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::core::profile::Environment;

    #[test]
    fn namespace_of_a_new_file_is_the_one_it_is_written_with() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let before = store.load().unwrap().file.keychain_namespace;
        let (written, ()) = store.update(|_| ()).unwrap();
        assert_eq!(written.keychain_namespace, before);
        assert_eq!(store.load().unwrap().file.keychain_namespace, before);
    }

    #[test]
    fn round_trip_and_concurrent_updates_keep_both_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let other_window = ProfileStore::new(dir.path());
        store.update(|f| f.profiles.push(Profile::new("A", Environment::Sandbox, "https://a.example.com"))).unwrap();
        other_window
            .update(|f| f.profiles.push(Profile::new("B", Environment::Production, "https://b.example.com")))
            .unwrap();
        let names: Vec<String> = store.load().unwrap().file.profiles.into_iter().map(|p| p.name).collect();
        assert_eq!(names, vec!["A", "B"]);
    }

    #[test]
    fn damaged_file_is_kept_and_readable_profiles_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        store
            .update(|f| {
                f.profiles.push(Profile::new("Good", Environment::Sandbox, "https://a.example.com"));
                f.profiles.push(Profile::new("Bad", Environment::Sandbox, "https://b.example.com"));
            })
            .unwrap();
        let text = std::fs::read_to_string(store.path()).unwrap();
        let broken = text.replacen("method = \"none\"", "method = \"carrier_pigeon\"", 2).replacen(
            "method = \"carrier_pigeon\"",
            "method = \"none\"",
            1,
        );
        std::fs::write(store.path(), &broken).unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.file.profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["Good"]);
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("Profile 2 \"Bad\" was left out"), "{}", loaded.warnings[0]);
        assert_eq!(std::fs::read_to_string(dir.path().join("profiles.toml.unreadable")).unwrap(), broken);
        // The damaged original stays untouched: a change is refused until a repair is asked for.
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), broken);
        assert!(matches!(store.update(|_| ()), Err(StoreError::Damaged { .. })));
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), broken);
    }

    #[test]
    fn a_damaged_file_is_not_written_over_until_a_repair_is_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let broken = "version = 1\nkeychain_namespace = \"abc123\"\n[[profile]]\nname = \"One\"\nbroken = [\n";
        std::fs::write(store.path(), broken).unwrap();
        let refused = store.update(|f| f.profiles.push(Profile::new("New", Environment::Sandbox, "https://n.example")));
        let Err(StoreError::Damaged { damage, .. }) = &refused else { panic!("written over: {refused:?}") };
        assert!(damage.problems[0].contains("line 5"), "the line is not named: {:?}", damage.problems);
        let said = refused.unwrap_err().to_string();
        assert!(said.contains("could be read only in part, so Gatepass did not change it"), "{said}");
        assert!(said.contains("profiles.toml.unreadable"), "{said}");
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), broken, "the file changed");
        // Another process (or window) that was told to repair writes what could be read.
        let repairing = ProfileStore::new(dir.path());
        repairing.allow_repair();
        let (file, ()) = repairing.update(|_| ()).unwrap();
        assert_eq!(file.keychain_namespace, "abc123", "the namespace was lost");
        assert!(store.load().unwrap().damage.is_none());
        assert_eq!(std::fs::read_to_string(dir.path().join("profiles.toml.unreadable")).unwrap(), broken);
        // Repaired, the file takes changes again.
        store.update(|f| f.profiles.push(Profile::new("New", Environment::Sandbox, "https://n.example"))).unwrap();
    }

    #[test]
    fn a_second_damage_keeps_the_first_backup() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let first = "version = 1\nkeychain_namespace = \"abc123\"\n[[profile]]\nname = \"One\"\nbroken = [\n";
        std::fs::write(store.path(), first).unwrap();
        assert!(store.load().unwrap().warnings[0].contains("profiles.toml.unreadable"));
        // The same damage read again reuses its backup.
        let again = store.load().unwrap();
        assert!(!again.warnings[0].contains("profiles.toml.unreadable.2"), "a second copy of the same bytes was made");
        let second = "version = 1\nkeychain_namespace = \"abc123\"\n[[profile]]\nname = \"Two\"\nbroken = {\n";
        std::fs::write(store.path(), second).unwrap();
        let loaded = store.load().unwrap();
        assert!(loaded.warnings[0].contains("profiles.toml.unreadable.2"), "{}", loaded.warnings[0]);
        assert_eq!(std::fs::read_to_string(dir.path().join("profiles.toml.unreadable")).unwrap(), first);
        assert_eq!(std::fs::read_to_string(dir.path().join("profiles.toml.unreadable.2")).unwrap(), second);
    }

    #[test]
    fn file_that_is_not_toml_keeps_its_namespace() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        std::fs::write(store.path(), "version = 1\nkeychain_namespace = \"abc123\"\n[[profile]\nname=").unwrap();
        let loaded = store.load().unwrap();
        assert!(loaded.file.profiles.is_empty());
        assert_eq!(loaded.file.keychain_namespace, "abc123");
        assert!(loaded.warnings[0].contains("not valid TOML"), "{}", loaded.warnings[0]);
    }
}
