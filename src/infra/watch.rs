//! Watching folders for changes made by someone else (git, an editor), through the OS's file
//! events (inotify on Linux, and the macOS and Windows equivalents) via `notify`. Changes
//! arriving close together (a `git checkout` touching forty files) are reported once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

/// How long the folders must stay quiet before a change is reported.
const QUIET: Duration = Duration::from_millis(250);

/// Watches a set of folders, each with everything inside it.
pub struct FolderWatcher {
    debouncer: Debouncer<RecommendedWatcher>,
    watched: BTreeSet<PathBuf>,
}

impl FolderWatcher {
    /// `changed` is called on the watcher's own thread with the files that changed (never
    /// empty), after the folders have been quiet for a moment.
    pub fn new(changed: impl Fn(Vec<PathBuf>) + Send + 'static) -> Result<Self, String> {
        let debouncer = new_debouncer(QUIET, move |result: DebounceEventResult| match result {
            Ok(events) if !events.is_empty() => changed(events.into_iter().map(|e| e.path).collect()),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "a watched folder could not be followed"),
        })
        .map_err(|e| e.to_string())?;
        Ok(Self { debouncer, watched: BTreeSet::new() })
    }

    /// Watch exactly these folders: new ones are added, ones no longer named are let go. A folder
    /// that cannot be watched (gone, or the OS's limit on watches reached) is logged and skipped;
    /// it is tried again on the next call.
    pub fn watch_only(&mut self, folders: &[PathBuf]) {
        let wanted: BTreeSet<PathBuf> = folders.iter().cloned().collect();
        for gone in self.watched.difference(&wanted).cloned().collect::<Vec<_>>() {
            let _ = self.debouncer.watcher().unwatch(&gone);
            self.watched.remove(&gone);
        }
        for folder in wanted.difference(&self.watched.clone()) {
            match self.debouncer.watcher().watch(folder, RecursiveMode::Recursive) {
                Ok(()) => {
                    self.watched.insert(folder.clone());
                }
                Err(error) => tracing::warn!(%error, folder = %folder.display(), "a folder could not be watched"),
            }
        }
    }

    /// The folders being watched now.
    pub fn watched(&self) -> impl Iterator<Item = &Path> {
        self.watched.iter().map(PathBuf::as_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_in_a_watched_folder_is_reported_once_the_folder_is_quiet() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut watcher = FolderWatcher::new(move |paths| {
            let _ = tx.send(paths);
        })
        .unwrap();
        watcher.watch_only(&[dir.path().to_path_buf()]);
        assert_eq!(watcher.watched().count(), 1);
        std::fs::write(dir.path().join("list-orders.toml"), "version = 1\n").unwrap();
        let mut seen = Vec::new();
        while !seen.iter().any(|p: &PathBuf| p.ends_with("list-orders.toml")) {
            seen.extend(rx.recv_timeout(Duration::from_secs(10)).expect("the change was reported"));
        }
        // A new folder with a file in it (git checking out a branch) is reported too: the folder,
        // or the file when the watch on the new folder was in place before it was written.
        std::fs::create_dir(dir.path().join("Orders")).unwrap();
        std::fs::write(dir.path().join("Orders").join("one-order.toml"), "version = 1\n").unwrap();
        let reported = rx.recv_timeout(Duration::from_secs(10)).expect("the new folder was reported");
        assert!(reported.iter().all(|p| p.starts_with(dir.path())), "{reported:?}");
        assert!(reported.iter().any(|p| p.starts_with(dir.path().join("Orders"))), "{reported:?}");
        // Let go of the folder: a later change is not reported.
        watcher.watch_only(&[]);
        assert_eq!(watcher.watched().count(), 0);
    }

    #[test]
    fn a_folder_that_does_not_exist_is_skipped_in_words_in_the_log() {
        let mut watcher = FolderWatcher::new(|_| {}).unwrap();
        watcher.watch_only(&[PathBuf::from("/no/such/folder/here")]);
        assert_eq!(watcher.watched().count(), 0);
    }
}
