//! Writing what the user asked to keep (a response body) to a file of their choosing.
//!
//! The file is new: an existing one is never replaced, so a slip of the path loses nothing. It is
//! written under a temporary name and renamed into place, readable by its owner only.

use super::WorkspaceError;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Why a file could not be saved, in words.
#[derive(Debug, thiserror::Error)]
pub enum SaveFileError {
    #[error("The file {} could not be {what}: {detail}", path.display())]
    Io { path: PathBuf, what: &'static str, detail: String },
    #[error("{} is a folder. Add a file name, such as response.json.", .0.display())]
    IsAFolder(PathBuf),
    #[error("{} already exists. Choose another name; Gatepass does not replace files.", .0.display())]
    Exists(PathBuf),
    #[error("The folder {} does not exist. Choose a folder that does.", .0.display())]
    NoSuchFolder(PathBuf),
}

/// Write `bytes` to `path` (`~/` means the home folder) as a new file; returns where it went.
pub fn save_file(path: &Path, bytes: &[u8]) -> Result<PathBuf, WorkspaceError> {
    let path = expand_home(path);
    let words = |what: &'static str, e: &dyn std::fmt::Display| {
        WorkspaceError::from(SaveFileError::Io { path: path.clone(), what, detail: e.to_string() })
    };
    if path.as_os_str().is_empty() || path.is_dir() {
        return Err(SaveFileError::IsAFolder(path).into());
    }
    if path.exists() {
        return Err(SaveFileError::Exists(path).into());
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(SaveFileError::NoSuchFolder(dir.to_path_buf()).into());
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.gatepass-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&temp).map_err(|e| words("created", &e))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(words("written", &e));
    }
    // A hard link fails if the name was taken meanwhile, so nothing is ever replaced.
    let linked = std::fs::hard_link(&temp, &path).or_else(|_| {
        if path.exists() {
            Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists))
        } else {
            std::fs::rename(&temp, &path)
        }
    });
    let _ = std::fs::remove_file(&temp);
    linked.map_err(|e| words("written", &e))?;
    Ok(path)
}

fn expand_home(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => std::env::var_os("HOME").map_or_else(|| path.to_path_buf(), |home| PathBuf::from(home).join(rest)),
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::save_file;

    #[test]
    fn a_body_is_saved_as_is_and_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("body.bin");
        let bytes = [0u8, 159, 146, 150, 255];
        assert_eq!(save_file(&path, &bytes).unwrap(), path);
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        let again = save_file(&path, b"other").unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file was replaced");
        let missing = save_file(&dir.path().join("nope/body.bin"), b"x").unwrap_err().to_string();
        assert!(missing.contains("does not exist"), "{missing}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "a temporary file was left behind");
    }
}
