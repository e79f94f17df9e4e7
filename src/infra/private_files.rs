//! Files and folders only their owner can read: every file Gatepass writes (profiles, the lock,
//! history and its WAL/SHM files, backups, exports it saves) is created with mode 0600 and every
//! folder of its own with 0700 — set at creation, so there is never a moment another user could
//! open it. Files made by an older release with looser modes are tightened when a workspace opens
//! ([`tighten`]), with a note in the log.
//!
//! Every write site calls these instead of `std::fs::File::create` / `std::fs::write`. On systems
//! without Unix modes (Windows) they are plain creates: the user's profile folder is already
//! private there.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Mode of every file Gatepass writes.
pub const FILE_MODE: u32 = 0o600;
/// Mode of every folder Gatepass makes for itself.
pub const DIR_MODE: u32 = 0o700;

/// Open options that create the file 0600 if it does not exist. Add `.write(true)`,
/// `.truncate(..)` as the call site needs.
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(FILE_MODE);
    }
    options
}

/// Create (or truncate) a file for writing, 0600 from its first moment.
pub fn create(path: &Path) -> std::io::Result<File> {
    let file = options().write(true).create(true).truncate(true).open(path)?;
    // An existing file keeps its old mode through O_CREAT: tighten it too.
    restrict(&file, FILE_MODE)?;
    Ok(file)
}

/// Write a whole file, 0600.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Make a folder (and the missing ones above it) 0700. A folder that exists keeps its mode:
/// [`tighten`] deals with Gatepass's own.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)
}

#[cfg(unix)]
fn restrict(file: &File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let current = file.metadata()?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_: &File, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// Take group and other permissions off `path` (a file to 0600, a folder to 0700) when it has
/// any. Returns whether it changed; a path that does not exist is left alone.
pub fn tighten(path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let metadata = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        if metadata.file_type().is_symlink() {
            return Ok(false);
        }
        let wanted = if metadata.is_dir() { DIR_MODE } else { FILE_MODE };
        let current = metadata.permissions().mode() & 0o777;
        if current & !wanted == 0 {
            return Ok(false);
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & wanted))?;
        Ok(true)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(false)
    }
}

/// Tighten each of these paths, and say in the log which ones were too open. Returns the ones
/// changed. Failures are logged, never fatal: the files stay usable.
pub fn tighten_all(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut changed = Vec::new();
    for path in paths {
        match tighten(path) {
            Ok(true) => {
                tracing::info!(path = %path.display(), "others could read this; it is now readable by you only");
                changed.push(path.clone());
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "could not make this readable by you only"),
        }
    }
    changed
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_private_from_creation() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        create_dir_all(&nested).unwrap();
        assert_eq!(mode(&nested), 0o700);
        let file = nested.join("f");
        write(&file, b"x").unwrap();
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn loose_files_are_tightened_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("old");
        std::fs::write(&file, b"x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let changed = tighten_all(&[dir.path().to_path_buf(), file.clone(), dir.path().join("missing")]);
        assert_eq!(changed.len(), 2);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(dir.path()), 0o700);
        assert!(tighten_all(std::slice::from_ref(&file)).is_empty());
        // Rewriting an existing loose file tightens it too.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        write(&file, b"y").unwrap();
        assert_eq!(mode(&file), 0o600);
    }
}
