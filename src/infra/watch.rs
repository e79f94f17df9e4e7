//! Watching collection folders for changes made by someone else (git, an editor), through the
//! OS's file events (inotify on Linux, and the macOS and Windows equivalents) via `notify`.
//!
//! Only changes count: a file being opened or read (which Gatepass itself does every time it reads
//! a collection) is not one, so reading the collections again never sets off another reading.
//! Only collection files and folders count: not `.git/`, hidden files or editors' swap files.
//! Changes arriving close together (a `git checkout` touching forty files) are reported once.
//! Everything, including adding and letting go of folders, happens on the watcher's own thread.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};

/// How long the folders must stay quiet before a change is reported.
const QUIET: Duration = Duration::from_millis(250);

enum Message {
    Watch(Vec<PathBuf>),
    Event(notify::Result<notify::Event>),
    #[cfg(test)]
    Watched(mpsc::Sender<Vec<PathBuf>>),
    Stop,
}

/// Watches a set of folders, each with everything inside it.
pub struct FolderWatcher {
    to_thread: mpsc::Sender<Message>,
}

impl FolderWatcher {
    /// `changed` is called on the watcher's own thread with the files that changed (never
    /// empty), after the folders have been quiet for a moment. If the OS cannot watch anything,
    /// that is logged and nothing is ever reported.
    pub fn new(changed: impl Fn(Vec<PathBuf>) + Send + 'static) -> Self {
        let (to_thread, inbox) = mpsc::channel();
        let events = to_thread.clone();
        let spawned =
            std::thread::Builder::new().name("folder watcher".into()).spawn(move || match notify::recommended_watcher(
                move |event| {
                    let _ = events.send(Message::Event(event));
                },
            ) {
                Ok(watcher) => follow(watcher, &inbox, &changed),
                Err(error) => tracing::warn!(%error, "collections cannot be watched for changes"),
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "collections cannot be watched for changes");
        }
        Self { to_thread }
    }

    /// Watch exactly these folders: new ones are added, ones no longer named are let go. A folder
    /// that cannot be watched (gone, or the OS's limit on watches reached) is logged and skipped;
    /// it is tried again on the next call. Returns at once: the work is the watcher thread's.
    pub fn watch_only(&self, folders: &[PathBuf]) {
        let _ = self.to_thread.send(Message::Watch(folders.to_vec()));
    }

    /// The folders being watched once the calls before this one are done (for tests).
    #[cfg(test)]
    fn watched(&self) -> Vec<PathBuf> {
        let (tx, rx) = mpsc::channel();
        let _ = self.to_thread.send(Message::Watched(tx));
        rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default()
    }
}

impl Drop for FolderWatcher {
    fn drop(&mut self) {
        let _ = self.to_thread.send(Message::Stop);
    }
}

/// The watcher thread: adds and lets go of folders, gathers the changes that count, and reports
/// them once the folders have been quiet for `QUIET`.
fn follow(mut watcher: impl Watcher, inbox: &mpsc::Receiver<Message>, changed: &dyn Fn(Vec<PathBuf>)) {
    let mut following: BTreeSet<PathBuf> = BTreeSet::new();
    let mut pending: BTreeSet<PathBuf> = BTreeSet::new();
    let mut quiet_at: Option<Instant> = None;
    loop {
        let message = match quiet_at {
            Some(at) => inbox.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => inbox.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match message {
            Ok(Message::Watch(folders)) => {
                let wanted: BTreeSet<PathBuf> = folders.into_iter().collect();
                for gone in following.difference(&wanted) {
                    let _ = watcher.unwatch(gone);
                }
                following.retain(|f| wanted.contains(f));
                for folder in wanted {
                    if following.contains(&folder) {
                        continue;
                    }
                    match watcher.watch(&folder, RecursiveMode::Recursive) {
                        Ok(()) => {
                            following.insert(folder);
                        }
                        Err(error) => {
                            tracing::warn!(%error, folder = %folder.display(), "a folder could not be following");
                        }
                    }
                }
            }
            Ok(Message::Event(Ok(event))) => {
                if is_a_change(event.kind) {
                    let before = pending.len();
                    pending.extend(event.paths.into_iter().filter(|p| concerns_collections(&following, p)));
                    if pending.len() > before || quiet_at.is_some() {
                        quiet_at = Some(Instant::now() + QUIET);
                    }
                }
            }
            Ok(Message::Event(Err(error))) => tracing::warn!(%error, "a following folder could not be followed"),
            #[cfg(test)]
            Ok(Message::Watched(reply)) => {
                let _ = reply.send(following.iter().cloned().collect());
            }
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                quiet_at = None;
                if !pending.is_empty() {
                    changed(std::mem::take(&mut pending).into_iter().collect());
                }
            }
        }
    }
}

/// Whether an event says something changed: made, written, renamed, removed. Opening, reading
/// and closing without writing are not changes, nor are new access times or permissions.
fn is_a_change(kind: EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Any | EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Other => true,
    }
}

/// Whether a path in a watched folder can change what a collection holds: a collection or request
/// file (`*.toml`), or a folder (a name without a dot), and nothing under a hidden name such as
/// `.git/`, nor an editor's swap or backup file.
fn concerns_collections(watched: &BTreeSet<PathBuf>, path: &Path) -> bool {
    let Some(root) = watched.iter().filter(|root| path.starts_with(root)).max_by_key(|root| root.as_os_str().len())
    else {
        return false;
    };
    let Ok(inside) = path.strip_prefix(root) else { return false };
    let names: Vec<String> = inside.iter().map(|n| n.to_string_lossy().into_owned()).collect();
    if names.iter().any(|n| n.starts_with('.') || n.ends_with('~')) {
        return false;
    }
    match names.last() {
        None => true,
        Some(name) => {
            let name = Path::new(name);
            name.extension().is_none_or(|ext| ext.eq_ignore_ascii_case("toml"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watcher() -> (FolderWatcher, mpsc::Receiver<Vec<PathBuf>>) {
        let (tx, rx) = mpsc::channel();
        let watcher = FolderWatcher::new(move |paths| {
            let _ = tx.send(paths);
        });
        (watcher, rx)
    }

    #[test]
    fn a_file_written_in_a_watched_folder_is_reported_once_the_folder_is_quiet() {
        let dir = tempfile::tempdir().unwrap();
        let (watcher, rx) = watcher();
        watcher.watch_only(&[dir.path().to_path_buf()]);
        assert_eq!(watcher.watched(), vec![dir.path().to_path_buf()]);
        std::fs::write(dir.path().join("list-orders.request.toml"), "version = 1\n").unwrap();
        let mut seen = Vec::new();
        while !seen.iter().any(|p: &PathBuf| p.ends_with("list-orders.request.toml")) {
            seen.extend(rx.recv_timeout(Duration::from_secs(10)).expect("the change was reported"));
        }
        // A new folder with a file in it (git checking out a branch) is reported too: the folder,
        // or the file when the watch on the new folder was in place before it was written.
        std::fs::create_dir(dir.path().join("Orders")).unwrap();
        std::fs::write(dir.path().join("Orders").join("one-order.request.toml"), "version = 1\n").unwrap();
        let reported = rx.recv_timeout(Duration::from_secs(10)).expect("the new folder was reported");
        assert!(reported.iter().all(|p| p.starts_with(dir.path())), "{reported:?}");
        assert!(reported.iter().any(|p| p.starts_with(dir.path().join("Orders"))), "{reported:?}");
        // Let go of the folder.
        watcher.watch_only(&[]);
        assert!(watcher.watched().is_empty());
    }

    #[test]
    fn reading_the_files_is_not_a_change_so_a_reading_never_sets_off_another() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("list-orders.request.toml");
        std::fs::write(&file, "version = 1\n").unwrap();
        let (watcher, rx) = watcher();
        watcher.watch_only(&[dir.path().to_path_buf()]);
        assert_eq!(watcher.watched().len(), 1);
        // What reading a collection does: list the folder, open and read every file.
        for _ in 0..5 {
            let _ = std::fs::read_dir(dir.path()).unwrap().count();
            assert_eq!(std::fs::read_to_string(&file).unwrap(), "version = 1\n");
        }
        // Then a real change, after the reads: the first report is that change alone, so the
        // reads were not reported (events come in order on the watcher's thread).
        std::fs::write(dir.path().join("marker.request.toml"), "version = 1\n").unwrap();
        let reported = rx.recv_timeout(Duration::from_secs(10)).expect("the change was reported");
        assert_eq!(reported, vec![dir.path().join("marker.request.toml")]);
    }

    #[test]
    fn changes_under_git_and_to_other_files_do_not_count() {
        let root = PathBuf::from("/home/ana/.local/share/gatepass/Practice");
        let watched: BTreeSet<PathBuf> = [root.clone()].into();
        assert!(concerns_collections(&watched, &root.join("Orders/list.request.toml")));
        assert!(concerns_collections(&watched, &root.join("gatepass-collection.toml")));
        assert!(concerns_collections(&watched, &root.join("Orders")), "a folder made or removed");
        assert!(!concerns_collections(&watched, &root.join(".git/index")));
        assert!(!concerns_collections(&watched, &root.join(".git/refs/heads/main")));
        assert!(!concerns_collections(&watched, &root.join("Orders/.list.request.toml.swp")));
        assert!(!concerns_collections(&watched, &root.join("Orders/list.request.toml~")));
        assert!(!concerns_collections(&watched, &root.join("README.md")));
        assert!(!concerns_collections(&watched, Path::new("/elsewhere/x.request.toml")));
        assert!(!is_a_change(EventKind::Access(AccessKind::Open(AccessMode::Any))));
        assert!(!is_a_change(EventKind::Access(AccessKind::Close(AccessMode::Read))));
        assert!(is_a_change(EventKind::Access(AccessKind::Close(AccessMode::Write))));
        assert!(is_a_change(EventKind::Modify(ModifyKind::Name(notify::event::RenameMode::Both))));
    }

    #[test]
    fn a_folder_that_does_not_exist_is_skipped() {
        let (watcher, _rx) = watcher();
        watcher.watch_only(&[PathBuf::from("/no/such/folder/here")]);
        assert!(watcher.watched().is_empty());
    }
}
