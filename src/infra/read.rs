//! Reading what comes from outside (files a person names, standard input) with a size limit,
//! so no input can make Gatepass grow until memory runs out, and no special file can make it
//! wait forever.
//!
//! Every file Gatepass reads that it did not write itself goes through here: PEM and PKCS#12
//! files, HAR files, imports, the profiles file, a curl command, a token. The rules:
//! - only regular files are read: a directory, a named pipe (FIFO), a device (`/dev/zero`) or a
//!   socket is refused by name before it is opened (opening a FIFO would wait for a writer);
//! - at most `limit` bytes are read; a file known to be larger is refused without reading it,
//!   and anything that grows past the limit while read (standard input, `/proc` files) is
//!   refused at the limit. The message says the limit.
//!
//! `what` names the thing in the caller's words ("client certificate", "HAR file") so the
//! message says what was being read, not only where from.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// 1 KB and 1 MB, as the limits below count them.
pub const KB: u64 = 1024;
pub const MB: u64 = 1024 * KB;

/// How much each kind of input may weigh. Generous for real material, far below what hurts.
pub mod limit {
    use super::{KB, MB};
    /// A PEM certificate, key or CA bundle (a system's whole CA bundle is about 200 KB).
    pub const PEM: u64 = 4 * MB;
    /// A PKCS#12 bundle (.p12/.pfx): a key and a short chain.
    pub const PKCS12: u64 = MB;
    /// A secret typed or piped in: a key, a token, a PEM private key.
    pub const SECRET: u64 = 64 * KB;
    /// An access token or a JWT given to `token inspect`.
    pub const TOKEN: u64 = MB;
    /// A key set (JWKS) file.
    pub const JWKS: u64 = MB;
    /// A pasted curl command.
    pub const CURL: u64 = 4 * MB;
    /// The profiles file (CA bundles and certificates live inside it).
    pub const PROFILES: u64 = 16 * MB;
    /// An import (`OpenAPI`, Postman, Insomnia, Bruno, HAR to import): the largest public API
    /// descriptions are a few tens of MB.
    pub const IMPORT: u64 = 128 * MB;
    /// One saved request file (`NAME.request.toml`), as collections read them.
    pub const REQUEST: u64 = crate::infra::collections::MAX_FILE_BYTES;
    /// A HAR file read whole (the streaming reader has no whole-file limit, only per entry).
    pub const HAR: u64 = 256 * MB;
}

/// Where the bytes came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    StandardInput,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::StandardInput => f.write_str("standard input"),
        }
    }
}

/// A file that is not a regular file, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialKind {
    Directory,
    NamedPipe,
    Device,
    Socket,
    Other,
}

impl SpecialKind {
    pub fn words(self) -> &'static str {
        match self {
            Self::Directory => "a folder",
            Self::NamedPipe => "a named pipe (FIFO)",
            Self::Device => "a device",
            Self::Socket => "a socket",
            Self::Other => "not a regular file",
        }
    }
}

/// Why an input could not be read. Each message names the thing, where it came from and what
/// to do; none quotes the content.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("There is no {what} at {path}. Check the path.")]
    NotFound { what: String, path: PathBuf },
    #[error("Gatepass is not allowed to read the {what} {path}. Check the file's permissions.")]
    PermissionDenied { what: String, path: PathBuf },
    #[error("The {what} {path} is {}, not a file. Give the path of a regular file.", kind.words())]
    Special { what: String, path: PathBuf, kind: SpecialKind },
    #[error(
        "The {what} from {from} is larger than {}, the most Gatepass reads for one. Check that it is the right {what}.",
        size_words(*limit)
    )]
    TooLarge { what: String, from: Source, limit: u64 },
    #[error("The {what} from {from} is not text (it is not UTF-8). Check that it is the right {what}.")]
    NotText { what: String, from: Source },
    #[error("The {what} from {from} could not be read: {error}.")]
    Io { what: String, from: Source, error: std::io::Error },
}

impl ReadError {
    /// The limit that was passed, when this is [`ReadError::TooLarge`].
    pub fn limit(&self) -> Option<u64> {
        match self {
            Self::TooLarge { limit, .. } => Some(*limit),
            _ => None,
        }
    }
}

/// A size in the words a person reads: "4 MB", "64 KB", "300 bytes".
pub fn size_words(bytes: u64) -> String {
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= KB && bytes.is_multiple_of(KB) {
        format!("{} KB", bytes / KB)
    } else if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

/// Open `path` for reading only if it is a regular file, without waiting on a FIFO. Returns the
/// file and its size on disk (0 for files whose size is not known in advance, like `/proc`).
pub fn open(path: &Path, what: &str) -> Result<(std::fs::File, u64), ReadError> {
    let io = |error: std::io::Error| match error.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound { what: what.to_owned(), path: path.to_owned() },
        std::io::ErrorKind::PermissionDenied => {
            ReadError::PermissionDenied { what: what.to_owned(), path: path.to_owned() }
        }
        _ => ReadError::Io { what: what.to_owned(), from: Source::File(path.to_owned()), error },
    };
    // Look before opening: opening a FIFO blocks until something writes to it.
    let before = std::fs::metadata(path).map_err(io)?;
    check_regular(before.file_type(), path, what)?;
    let file = std::fs::File::open(path).map_err(io)?;
    // And after: the path may have been swapped in between.
    let after = file.metadata().map_err(io)?;
    check_regular(after.file_type(), path, what)?;
    Ok((file, after.len()))
}

fn check_regular(kind: std::fs::FileType, path: &Path, what: &str) -> Result<(), ReadError> {
    if kind.is_file() {
        return Ok(());
    }
    let special = special_kind(kind);
    Err(ReadError::Special { what: what.to_owned(), path: path.to_owned(), kind: special })
}

#[cfg(unix)]
fn special_kind(kind: std::fs::FileType) -> SpecialKind {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_dir() {
        SpecialKind::Directory
    } else if kind.is_fifo() {
        SpecialKind::NamedPipe
    } else if kind.is_char_device() || kind.is_block_device() {
        SpecialKind::Device
    } else if kind.is_socket() {
        SpecialKind::Socket
    } else {
        SpecialKind::Other
    }
}

#[cfg(not(unix))]
fn special_kind(kind: std::fs::FileType) -> SpecialKind {
    if kind.is_dir() { SpecialKind::Directory } else { SpecialKind::Other }
}

/// Read the whole regular file at `path`, at most `limit` bytes.
pub fn bounded(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, ReadError> {
    let (file, size) = open(path, what)?;
    let from = Source::File(path.to_owned());
    if size > limit {
        return Err(ReadError::TooLarge { what: what.to_owned(), from, limit });
    }
    read_up_to(file, limit, what, from, size)
}

/// Like [`bounded`], as UTF-8 text.
pub fn bounded_text(path: &Path, limit: u64, what: &str) -> Result<String, ReadError> {
    let bytes = bounded(path, limit, what)?;
    String::from_utf8(bytes)
        .map_err(|_| ReadError::NotText { what: what.to_owned(), from: Source::File(path.to_owned()) })
}

/// Read standard input to its end, at most `limit` bytes.
pub fn stdin_bounded(limit: u64, what: &str) -> Result<Vec<u8>, ReadError> {
    reader_bounded(std::io::stdin().lock(), limit, what, Source::StandardInput)
}

/// Like [`stdin_bounded`], as UTF-8 text.
pub fn stdin_bounded_text(limit: u64, what: &str) -> Result<String, ReadError> {
    let bytes = stdin_bounded(limit, what)?;
    String::from_utf8(bytes).map_err(|_| ReadError::NotText { what: what.to_owned(), from: Source::StandardInput })
}

/// Read any reader to its end, at most `limit` bytes; `from` says where it is from.
pub fn reader_bounded(reader: impl Read, limit: u64, what: &str, from: Source) -> Result<Vec<u8>, ReadError> {
    read_up_to(reader, limit, what, from, 0)
}

fn read_up_to(reader: impl Read, limit: u64, what: &str, from: Source, size_hint: u64) -> Result<Vec<u8>, ReadError> {
    let capacity = usize::try_from(size_hint.min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    // One byte more than allowed tells "exactly at the limit" from "over it".
    match reader.take(limit.saturating_add(1)).read_to_end(&mut bytes) {
        Ok(_) => {}
        Err(error) => return Err(ReadError::Io { what: what.to_owned(), from, error }),
    }
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(ReadError::TooLarge { what: what.to_owned(), from, limit });
    }
    Ok(bytes)
}

/// One thing in a folder, for a file chooser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderEntry {
    pub name: String,
    pub is_dir: bool,
    /// Bytes, for a file.
    pub bytes: u64,
}

/// The most entries a folder listing holds; a folder with more says so.
pub const FOLDER_ENTRIES: usize = 5_000;

/// What a path typed or clicked in a file chooser turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// A folder: its folders first, then its files, each by name (case ignored); `cut` when it
    /// holds more than [`FOLDER_ENTRIES`].
    Folder { entries: Vec<FolderEntry>, cut: bool },
    /// A file (a path typed or pasted in whole): the chooser takes it.
    File,
}

/// What a folder holds (see [`Listing`]). Hidden entries (a leading dot) are left out. Blocking:
/// call it off the UI thread.
pub fn list_folder(dir: &Path) -> Result<Listing, String> {
    let words = |error: std::io::Error| match error.kind() {
        std::io::ErrorKind::NotFound => format!("There is no folder {}. Check the path.", dir.display()),
        std::io::ErrorKind::PermissionDenied => {
            format!("Gatepass is not allowed to read the folder {}. Check its permissions.", dir.display())
        }
        kind => format!("The folder {} could not be read ({kind}).", dir.display()),
    };
    if std::fs::metadata(dir).map_err(words)?.is_file() {
        return Ok(Listing::File);
    }
    let read = std::fs::read_dir(dir).map_err(words)?;
    let mut entries = Vec::new();
    let mut cut = false;
    for entry in read.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if entries.len() >= FOLDER_ENTRIES {
            cut = true;
            break;
        }
        // Follows links, so a linked folder opens like any other.
        let meta = std::fs::metadata(entry.path()).ok();
        entries.push(FolderEntry {
            name,
            is_dir: meta.as_ref().is_some_and(std::fs::Metadata::is_dir),
            bytes: meta.as_ref().map_or(0, std::fs::Metadata::len),
        });
    }
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())));
    Ok(Listing::Folder { entries, cut })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn a_file_within_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pem");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(bounded(&path, 5, "certificate").unwrap(), b"12345");
        assert_eq!(bounded_text(&path, 5, "certificate").unwrap(), "12345");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_with_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.har");
        std::fs::write(&path, vec![b'x'; 2049]).unwrap();
        let error = bounded(&path, 2 * KB, "HAR file").unwrap_err();
        assert_eq!(error.limit(), Some(2 * KB));
        let text = error.to_string();
        assert!(text.contains("larger than 2 KB"), "{text}");
        assert!(text.contains("HAR file"), "{text}");
    }

    #[test]
    fn a_reader_that_never_ends_stops_at_the_limit() {
        let error = reader_bounded(std::io::repeat(0), MB, "secret", Source::StandardInput).unwrap_err();
        assert_eq!(error.limit(), Some(MB));
        assert!(error.to_string().contains("from standard input is larger than 1 MB"), "{error}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dev_zero_is_refused_as_a_device_without_reading() {
        let error = bounded(Path::new("/dev/zero"), MB, "client certificate").unwrap_err();
        assert!(matches!(error, ReadError::Special { kind: SpecialKind::Device, .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            "The client certificate /dev/zero is a device, not a file. Give the path of a regular file."
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let error = bounded(&fifo, MB, "profiles file").unwrap_err();
        assert!(matches!(error, ReadError::Special { kind: SpecialKind::NamedPipe, .. }), "{error:?}");
        assert!(error.to_string().contains("is a named pipe (FIFO), not a file"), "{error}");
    }

    #[test]
    fn a_folder_and_a_missing_file_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let error = bounded(dir.path(), MB, "PEM file").unwrap_err();
        assert!(matches!(error, ReadError::Special { kind: SpecialKind::Directory, .. }), "{error:?}");
        assert!(error.to_string().contains("is a folder, not a file"), "{error}");
        let missing = dir.path().join("nope.pem");
        let error = bounded(&missing, MB, "PEM file").unwrap_err();
        assert!(matches!(error, ReadError::NotFound { .. }), "{error:?}");
        assert_eq!(error.to_string(), format!("There is no PEM file at {}. Check the path.", missing.display()));
    }

    #[test]
    fn text_that_is_not_utf8_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin");
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        let error = bounded_text(&path, MB, "curl command").unwrap_err();
        assert!(matches!(error, ReadError::NotText { .. }), "{error:?}");
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_words(4 * MB), "4 MB");
        assert_eq!(size_words(64 * KB), "64 KB");
        assert_eq!(size_words(1500), "1500 bytes");
        assert_eq!(size_words(1), "1 byte");
    }

    #[test]
    fn a_folder_lists_its_folders_first_then_its_files_by_name_without_hidden_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("specs")).unwrap();
        std::fs::write(dir.path().join("b.yaml"), "x: 1").unwrap();
        std::fs::write(dir.path().join("A.json"), "{}").unwrap();
        std::fs::write(dir.path().join(".env"), "SECRET=1").unwrap();
        let Listing::Folder { entries, cut } = list_folder(dir.path()).unwrap() else { panic!("not a folder") };
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["specs", "A.json", "b.yaml"]);
        assert!(entries[0].is_dir && !entries[1].is_dir);
        assert_eq!(entries[1].bytes, 2);
        assert!(!cut);
        let missing = list_folder(&dir.path().join("gone")).unwrap_err();
        assert!(missing.starts_with("There is no folder ") && missing.ends_with("Check the path."), "{missing}");
        assert_eq!(list_folder(&dir.path().join("b.yaml")).unwrap(), Listing::File);
    }
}
