//! Collection folders on disk: reading one (every request file, each on its own, so one bad
//! file costs only itself), writing request and collection files atomically, and noticing when
//! git or an editor changed the folder. Also the short list of collections open in Gatepass
//! (`collections.toml` in the config folder). The file format itself is `core::collection::format`.

use crate::core::collection::format::{self, FormatError};
use crate::core::collection::{
    COLLECTION_FILE, Collection, CollectionMeta, LoadProblem, REQUEST_SUFFIX, RequestEntry, RequestPath, SavedRequest,
};
use serde::{Deserialize, Serialize};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// A request file larger than this is not read (a saved request is text someone edits).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Folders deeper than this inside a collection are not read.
const MAX_DEPTH: usize = 12;
/// More request files than this in one collection are not read.
pub const MAX_REQUESTS: usize = 50_000;

#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    #[error(
        "There is no collection in {path}: it has no {COLLECTION_FILE} file. Choose the folder that holds it, or make a new collection there."
    )]
    NotACollection { path: PathBuf },
    #[error("{path} is not a folder Gatepass can open. It may have been moved or deleted.")]
    NotAFolder { path: PathBuf },
    #[error("{path} already holds a collection. Open it instead of making a new one.")]
    AlreadyACollection { path: PathBuf },
    #[error("{path} is inside the collection in {outer}. Open that collection, or choose a folder outside it.")]
    InsideAnother { path: PathBuf, outer: PathBuf },
    #[error("The collection file {path} cannot be read{}. {problem}", problem.line().map(|l| format!(" (line {l})")).unwrap_or_default())]
    BadCollectionFile { path: PathBuf, problem: FormatError },
    #[error(
        "Gatepass may not write in {path}. The change was not saved; it is still in the open tab. Make the folder writable, or save into another collection."
    )]
    ReadOnly { path: PathBuf },
    #[error("There is no request file {path} any more. It may have been moved or deleted outside Gatepass.")]
    NoSuchRequest { path: PathBuf },
    #[error("A request file {path} already exists. Choose another name.")]
    Exists { path: PathBuf },
    #[error("Could not read or write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

fn io_error(path: &Path, source: std::io::Error) -> CollectionError {
    if source.kind() == std::io::ErrorKind::PermissionDenied || source.raw_os_error() == Some(30) {
        CollectionError::ReadOnly { path: path.to_path_buf() }
    } else {
        CollectionError::Io { path: path.to_path_buf(), source }
    }
}

/// The file of a request inside a collection folder.
pub fn request_file(root: &Path, path: &RequestPath) -> PathBuf {
    path.as_str().split('/').fold(root.to_path_buf(), |dir, part| dir.join(part))
}

/// Whether `dir` holds a collection file.
pub fn is_collection(dir: &Path) -> bool {
    dir.join(COLLECTION_FILE).is_file()
}

/// The collection folder that holds `dir`, when `dir` is inside one (or is one).
pub fn enclosing_collection(dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(dir).ok()?;
    absolute.ancestors().find(|a| is_collection(a)).map(Path::to_path_buf)
}

/// Read a whole collection. A request file that cannot be read is named in `problems` (with its
/// line when the text says where) and the rest still loads; only a missing or unreadable
/// collection file stops the load.
pub fn load(root: &Path) -> Result<Collection, CollectionError> {
    if !root.is_dir() {
        return Err(CollectionError::NotAFolder { path: root.to_path_buf() });
    }
    let meta_path = root.join(COLLECTION_FILE);
    let meta_text = match read_bounded(&meta_path) {
        Ok(text) => text,
        Err(ReadProblem::Missing) => return Err(CollectionError::NotACollection { path: root.to_path_buf() }),
        Err(ReadProblem::Io(source)) => return Err(CollectionError::Io { path: meta_path, source }),
        Err(problem) => {
            return Err(CollectionError::BadCollectionFile {
                path: meta_path,
                problem: FormatError::Syntax { line: None, message: problem.words() },
            });
        }
    };
    let meta = format::parse_collection(&meta_text)
        .map_err(|problem| CollectionError::BadCollectionFile { path: meta_path, problem })?;
    let mut collection = Collection { meta, requests: Vec::new(), problems: Vec::new() };
    let mut files = Vec::new();
    walk(root, root, 0, &mut files, &mut collection.problems);
    for (path, file) in files {
        if collection.requests.len() >= MAX_REQUESTS {
            collection.problems.push(LoadProblem {
                file: path.to_string(),
                line: None,
                words: format!("The collection has more than {MAX_REQUESTS} requests; the rest were not read."),
            });
            break;
        }
        let text = match read_bounded(&file) {
            Ok(text) => text,
            Err(problem) => {
                collection.problems.push(LoadProblem { file: path.to_string(), line: None, words: problem.words() });
                continue;
            }
        };
        match format::parse_request(&text) {
            Ok(request) => {
                let literal_secrets = crate::core::collection::literal_secrets(&request.draft);
                collection.requests.push(RequestEntry { path, request, literal_secrets });
            }
            Err(error) => collection.problems.push(LoadProblem {
                file: path.to_string(),
                line: error.line(),
                words: error.to_string(),
            }),
        }
    }
    collection.sort();
    let duplicates = collection.duplicate_names();
    collection.problems.extend(duplicates);
    Ok(collection)
}

/// Every request file under `dir`, sorted, with folders that cannot be read named.
fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<(RequestPath, PathBuf)>, problems: &mut Vec<LoadProblem>) {
    let relative = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/");
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(LoadProblem {
                file: relative(dir),
                line: None,
                words: format!("This folder cannot be read: {e}."),
            });
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Never follow a link: a link to a parent folder would loop, one elsewhere leaves the collection.
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if depth >= MAX_DEPTH {
                problems.push(LoadProblem {
                    file: relative(&path),
                    line: None,
                    words: format!("Folders nested deeper than {MAX_DEPTH} levels are not read."),
                });
            } else if is_collection(&path) {
                problems.push(LoadProblem {
                    file: relative(&path),
                    line: None,
                    words: "This folder is a collection of its own, so its requests are not part of this one. Open it separately.".to_owned(),
                });
            } else {
                walk(root, &path, depth + 1, out, problems);
            }
        } else if kind.is_file() && name.ends_with(REQUEST_SUFFIX) {
            match RequestPath::new(&relative(&path)) {
                Some(request_path) => out.push((request_path, path)),
                None => problems.push(LoadProblem {
                    file: relative(&path),
                    line: None,
                    words: "This file name cannot be used for a request.".to_owned(),
                }),
            }
        }
    }
}

enum ReadProblem {
    Missing,
    TooLarge,
    NotText,
    NotAFile,
    Io(std::io::Error),
}

impl ReadProblem {
    fn words(&self) -> String {
        match self {
            Self::Missing => "The file is not there any more.".to_owned(),
            Self::TooLarge => {
                format!("The file is larger than {} MB, so it was not read.", MAX_FILE_BYTES / 1024 / 1024)
            }
            Self::NotText => "The file is not text (UTF-8), so it was not read.".to_owned(),
            Self::NotAFile => "This is not a regular file, so it was not read.".to_owned(),
            Self::Io(e) => format!("The file cannot be read: {e}."),
        }
    }
}

fn read_bounded(path: &Path) -> Result<String, ReadProblem> {
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadProblem::Missing),
        Err(e) => return Err(ReadProblem::Io(e)),
    };
    if !metadata.is_file() {
        return Err(ReadProblem::NotAFile);
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge);
    }
    let file = std::fs::File::open(path).map_err(ReadProblem::Io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge);
    }
    String::from_utf8(bytes).map_err(|_| ReadProblem::NotText)
}

/// Make a new collection in `dir` (created when missing). Refused where a collection already is,
/// or inside another collection.
pub fn create(dir: &Path, name: &str) -> Result<Collection, CollectionError> {
    if is_collection(dir) {
        return Err(CollectionError::AlreadyACollection { path: dir.to_path_buf() });
    }
    if let Some(outer) = dir.parent().and_then(enclosing_collection) {
        return Err(CollectionError::InsideAnother { path: dir.to_path_buf(), outer });
    }
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let meta = CollectionMeta { name: name.trim().to_owned(), ..CollectionMeta::default() };
    write_meta(dir, &meta)?;
    Ok(Collection { meta, requests: Vec::new(), problems: Vec::new() })
}

/// Write the collection file; nothing is written when it already says exactly this (in
/// Gatepass's words or in a person's own, with their comments and layout).
pub fn write_meta(root: &Path, meta: &CollectionMeta) -> Result<bool, CollectionError> {
    let path = root.join(COLLECTION_FILE);
    if read_bounded(&path).ok().and_then(|text| format::parse_collection(&text).ok()).as_ref() == Some(meta) {
        return Ok(false);
    }
    write_if_changed(&path, &format::write_collection(meta))
}

/// Write a request's file (its folders made as needed); nothing is written when the file already
/// says exactly this, so an unchanged request keeps its bytes, its comments and its time stamp
/// (a file edited by hand or merged by git is not rewritten by a save that changed nothing).
pub fn write_request(root: &Path, path: &RequestPath, request: &SavedRequest) -> Result<bool, CollectionError> {
    let file = request_file(root, path);
    if read_bounded(&file).ok().and_then(|text| format::parse_request(&text).ok()).as_ref() == Some(request) {
        return Ok(false);
    }
    write_if_changed(&file, &format::write_request(request))
}

/// Delete a request's file, and its folder when that is left empty.
pub fn remove_request(root: &Path, path: &RequestPath) -> Result<(), CollectionError> {
    let file = request_file(root, path);
    match std::fs::remove_file(&file) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CollectionError::NoSuchRequest { path: file });
        }
        Err(e) => return Err(io_error(&file, e)),
    }
    let mut dir = file.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        if d == root || std::fs::remove_dir(&d).is_err() {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Ok(())
}

fn write_if_changed(path: &Path, text: &str) -> Result<bool, CollectionError> {
    if std::fs::read(path).ok().as_deref() == Some(text.as_bytes()) {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    write_atomically(path, text.as_bytes())?;
    Ok(true)
}

/// Temp file beside the target, synced, renamed over it, the folder synced: a reader sees the
/// old file or the new one, never part of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CollectionError> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let result = (|| {
        let mut out = std::fs::File::create(&tmp)?;
        if let Ok(existing) = std::fs::metadata(path) {
            out.set_permissions(existing.permissions())?;
        }
        out.write_all(bytes)?;
        out.sync_all()?;
        drop(out);
        std::fs::rename(&tmp, path)?;
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_error(path, e)
    })
}

/// What the folder looks like (file names, sizes, change times): cheap to take, and different
/// whenever git or an editor changed a request or the collection file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot(Vec<(String, u64, Option<std::time::SystemTime>)>);

pub fn snapshot(root: &Path) -> Snapshot {
    fn visit(root: &Path, dir: &Path, depth: usize, out: &mut Vec<(String, u64, Option<std::time::SystemTime>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            if kind.is_dir() && depth < MAX_DEPTH {
                visit(root, &path, depth + 1, out);
            } else if kind.is_file() && (name.ends_with(REQUEST_SUFFIX) || name == COLLECTION_FILE) {
                let meta = entry.metadata().ok();
                out.push((
                    path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned(),
                    meta.as_ref().map_or(0, std::fs::Metadata::len),
                    meta.and_then(|m| m.modified().ok()),
                ));
            }
        }
    }
    let mut out = Vec::new();
    visit(root, root, 0, &mut out);
    out.sort();
    Snapshot(out)
}

// ---- the list of open collections ---------------------------------------------------------

/// `collections.toml` in the config folder: the collections open in Gatepass, in sidebar order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OpenCollections {
    /// The practice collection was made once; it is not made again after the user closes it.
    #[serde(default)]
    pub practice_created: bool,
    #[serde(default, rename = "collection")]
    pub collections: Vec<OpenCollection>,
    /// The saved requests open in tabs, restored on the next start (unsaved drafts are not kept:
    /// they may hold a credential typed into them).
    #[serde(default, rename = "tab", skip_serializing_if = "Vec::is_empty")]
    pub tabs: Vec<OpenTab>,
    /// Which of those tabs was in front.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub active_tab: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A saved request open in a tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTab {
    pub collection: PathBuf,
    pub request: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCollection {
    pub path: PathBuf,
}

pub const OPEN_COLLECTIONS_FILE: &str = "collections.toml";

/// Read the list; a missing file is an empty list, a damaged one is kept aside and read as empty.
pub fn read_open_collections(config_dir: &Path) -> (OpenCollections, Option<String>) {
    let path = config_dir.join(OPEN_COLLECTIONS_FILE);
    let Ok(text) = read_bounded(&path) else { return (OpenCollections::default(), None) };
    match toml::from_str(&text) {
        Ok(list) => (list, None),
        Err(e) => {
            let aside = config_dir.join(format!("{OPEN_COLLECTIONS_FILE}.unreadable"));
            let _ = std::fs::rename(&path, &aside);
            (
                OpenCollections::default(),
                Some(format!(
                    "The list of open collections could not be read ({}), so it starts empty. The collections themselves are untouched; open them again with Open folder…. The old list is kept at {}.",
                    e.message().trim(),
                    aside.display()
                )),
            )
        }
    }
}

pub fn write_open_collections(config_dir: &Path, list: &OpenCollections) -> Result<(), CollectionError> {
    let text = toml::to_string(list).map_err(|e| CollectionError::Io {
        path: config_dir.join(OPEN_COLLECTIONS_FILE),
        source: std::io::Error::other(e.to_string()),
    })?;
    let path = config_dir.join(OPEN_COLLECTIONS_FILE);
    write_if_changed(
        &path,
        &format!("# Collections open in Gatepass: folders on this computer. No secrets here.\n{text}"),
    )?;
    // Gatepass's own folder: 0600 like every file it writes there.
    crate::infra::private_files::tighten(&path).map_err(|source| CollectionError::Io { path: path.clone(), source })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::core::request::RequestDraft;

    fn saved(name: &str, url: &str) -> SavedRequest {
        SavedRequest { name: name.to_owned(), draft: RequestDraft::get(url), ..SavedRequest::default() }
    }

    #[test]
    fn a_collection_is_written_read_back_and_an_unchanged_save_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("api");
        let mut collection = create(&root, "My API").unwrap();
        let path = collection.free_path("Orders", "List orders");
        assert!(write_request(&root, &path, &saved("List orders", "/v1/orders")).unwrap());
        collection.place_last(&path);
        write_meta(&root, &collection.meta).unwrap();
        let before = std::fs::metadata(request_file(&root, &path)).unwrap().modified().unwrap();
        assert!(!write_request(&root, &path, &saved("List orders", "/v1/orders")).unwrap());
        assert_eq!(std::fs::metadata(request_file(&root, &path)).unwrap().modified().unwrap(), before);
        let loaded = load(&root).unwrap();
        assert_eq!(loaded.meta.name, "My API");
        assert_eq!(loaded.requests.len(), 1);
        assert_eq!(loaded.requests[0].path.as_str(), "Orders/list-orders.request.toml");
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    }

    /// A file a person wrote (their comments, their order of keys) is left alone by a save that
    /// changes nothing, and written in Gatepass's words when something changed.
    #[test]
    fn a_hand_written_file_is_not_rewritten_by_a_save_that_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("api");
        let collection = create(&root, "My API").unwrap();
        let path = collection.free_path("", "List orders");
        let hand = "# Ask Sam before changing this one.\nurl = \"/v1/orders\"\nformat = 1\nmethod = \"GET\"\nname = \"List orders\"\n";
        std::fs::write(request_file(&root, &path), hand).unwrap();
        let meta_hand = "# our API\nformat = 1\nname = \"My API\"\n";
        std::fs::write(root.join(COLLECTION_FILE), meta_hand).unwrap();
        let loaded = load(&root).unwrap();
        assert!(!write_request(&root, &path, &loaded.requests[0].request).unwrap());
        assert!(!write_meta(&root, &loaded.meta).unwrap());
        assert_eq!(std::fs::read_to_string(request_file(&root, &path)).unwrap(), hand);
        assert_eq!(std::fs::read_to_string(root.join(COLLECTION_FILE)).unwrap(), meta_hand);
        assert!(write_request(&root, &path, &saved("List orders", "/v1/orders?page=2")).unwrap());
        assert!(std::fs::read_to_string(request_file(&root, &path)).unwrap().contains("page=2"));
    }

    #[test]
    fn a_bad_file_is_named_with_its_line_and_the_rest_loads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        create(root, "c").unwrap();
        write_request(root, &RequestPath::new("good.request.toml").unwrap(), &saved("Good", "/")).unwrap();
        std::fs::write(root.join("bad.request.toml"), "format = 1\nname = \"Bad\"\nmethod = GET\n").unwrap();
        std::fs::create_dir(root.join("inner")).unwrap();
        create(&root.join("inner"), "inner").unwrap_err();
        std::fs::write(root.join("inner").join(COLLECTION_FILE), format::write_collection(&CollectionMeta::default()))
            .unwrap();
        let loaded = load(root).unwrap();
        assert_eq!(loaded.requests.len(), 1);
        let bad = loaded.problems.iter().find(|p| p.file == "bad.request.toml").unwrap();
        assert_eq!(bad.line, Some(3), "{bad}");
        assert!(loaded.problems.iter().any(|p| p.file == "inner" && p.words.contains("collection of its own")));
    }

    #[test]
    fn a_folder_without_a_collection_file_says_so() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(load(dir.path()), Err(CollectionError::NotACollection { .. })));
        assert!(matches!(load(&dir.path().join("gone")), Err(CollectionError::NotAFolder { .. })));
    }

    #[test]
    fn removing_the_last_request_of_a_folder_removes_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        create(root, "c").unwrap();
        let path = RequestPath::new("A/B/x.request.toml").unwrap();
        write_request(root, &path, &saved("X", "/")).unwrap();
        remove_request(root, &path).unwrap();
        assert!(!root.join("A").exists());
        assert!(root.join(COLLECTION_FILE).exists());
        assert!(matches!(remove_request(root, &path), Err(CollectionError::NoSuchRequest { .. })));
    }

    #[test]
    fn the_snapshot_changes_when_a_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        create(root, "c").unwrap();
        let first = snapshot(root);
        write_request(root, &RequestPath::new("x.request.toml").unwrap(), &saved("X", "/")).unwrap();
        assert_ne!(snapshot(root), first);
    }

    #[test]
    fn a_folder_gatepass_may_not_write_in_is_said_as_such() {
        // Root may write anywhere, so the permission is not set up on disk here: the mapping is.
        let denied = io_error(Path::new("/x"), std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert!(matches!(denied, CollectionError::ReadOnly { .. }));
        assert!(denied.to_string().contains("still in the open tab"), "{denied}");
        let read_only_fs = io_error(Path::new("/x"), std::io::Error::from_raw_os_error(30));
        assert!(matches!(read_only_fs, CollectionError::ReadOnly { .. }));
    }
}
