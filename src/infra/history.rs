//! Request history in an `SQLite` file in the data directory.
//!
//! Rows hold only redacted data: the URL with credentials fingerprinted and the draft with
//! hand-typed credentials fingerprinted. Profile secrets never reach this layer.

use crate::core::history::HistoryEntry;
use rusqlite::{Connection, OptionalExtension as _, params};
use std::path::{Path, PathBuf};

pub const HISTORY_FILE: &str = "history.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("Could not use the history database {path}: {detail}")]
    Database { path: PathBuf, detail: String },
}

pub struct History {
    conn: Connection,
    path: PathBuf,
    /// Said once when a damaged database was moved aside.
    pub warning: Option<String>,
}

impl History {
    /// Open (or create) the history in `dir`. A damaged file is moved aside and a new one started.
    pub fn open(dir: &Path) -> Result<Self, HistoryError> {
        let path = dir.join(HISTORY_FILE);
        let err = |e: &dyn std::fmt::Display| HistoryError::Database { path: path.clone(), detail: e.to_string() };
        crate::infra::private_files::create_dir_all(dir).map_err(|e| err(&e))?;
        precreate(&path).map_err(|e| err(&e))?;
        match Self::open_at(&path) {
            Ok(h) => Ok(h),
            Err(first) => {
                let aside = dir.join(format!("{HISTORY_FILE}.unreadable"));
                std::fs::rename(&path, &aside).map_err(|_| err(&first))?;
                precreate(&path).map_err(|e| err(&e))?;
                let mut history = Self::open_at(&path).map_err(|e| err(&e))?;
                history.warning = Some(format!(
                    "The history database could not be read, so Gatepass started a new one. The old file is kept at {}.",
                    aside.display()
                ));
                Ok(history)
            }
        }
    }

    fn open_at(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS history (
                id INTEGER PRIMARY KEY,
                sent_at INTEGER NOT NULL,
                profile_id TEXT NOT NULL,
                profile_name TEXT NOT NULL,
                environment TEXT NOT NULL,
                method TEXT NOT NULL,
                url TEXT NOT NULL,
                status INTEGER,
                duration_ms INTEGER NOT NULL,
                error TEXT,
                draft_json TEXT NOT NULL,
                origin TEXT NOT NULL DEFAULT 'manual'
             );
             CREATE INDEX IF NOT EXISTS history_profile ON history(profile_id, sent_at);",
        )?;
        // A database made before requests had an origin gets the column; its rows were sent by hand.
        let has_origin = conn.prepare("SELECT 1 FROM pragma_table_info('history') WHERE name = 'origin'")?.exists([])?;
        if !has_origin {
            conn.execute_batch("ALTER TABLE history ADD COLUMN origin TEXT NOT NULL DEFAULT 'manual';")?;
        }
        Ok(Self { conn, path: path.to_path_buf(), warning: None })
    }

    fn fail(&self, e: impl std::fmt::Display) -> HistoryError {
        HistoryError::Database { path: self.path.clone(), detail: e.to_string() }
    }

    /// Store an entry; returns its id.
    pub fn record(&self, entry: &HistoryEntry) -> Result<i64, HistoryError> {
        let draft = serde_json::to_string(&entry.draft).map_err(|e| self.fail(e))?;
        self.conn
            .execute(
                "INSERT INTO history (sent_at, profile_id, profile_name, environment, method, url, status, duration_ms, error, draft_json, origin)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    entry.sent_at,
                    entry.profile_id,
                    entry.profile_name,
                    entry.environment,
                    entry.method,
                    entry.url,
                    entry.status,
                    i64::try_from(entry.duration_ms).unwrap_or(i64::MAX),
                    entry.error,
                    draft,
                    entry.origin.as_str()
                ],
            )
            .map_err(|e| self.fail(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The newest entries first.
    pub fn recent(&self, limit: usize) -> Result<Vec<HistoryEntry>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, sent_at, profile_id, profile_name, environment, method, url, status, duration_ms, error, draft_json, origin
                 FROM history ORDER BY id DESC LIMIT ?1",
            )
            .map_err(|e| self.fail(e))?;
        let rows =
            stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], row_to_entry).map_err(|e| self.fail(e))?;
        rows.filter_map(Result::ok).map(Ok).collect()
    }

    /// The newest entries a search for `needle` finds (see `HistoryEntry::matches`), at most
    /// `limit`, among all of history. The rule is the entry's own, in Rust, so that case folding
    /// works beyond ASCII (the database's `lower` only folds A–Z); rows are read newest first and the
    /// reading stops at the `limit`-th match.
    pub fn search(&self, needle: &str, limit: usize) -> Result<Vec<HistoryEntry>, HistoryError> {
        let needle = needle.trim().to_lowercase();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, sent_at, profile_id, profile_name, environment, method, url, status, duration_ms, error, draft_json, origin
                 FROM history ORDER BY id DESC",
            )
            .map_err(|e| self.fail(e))?;
        let rows = stmt.query_map([], row_to_entry).map_err(|e| self.fail(e))?;
        Ok(rows.filter_map(Result::ok).filter(|e| e.matches(&needle)).take(limit).collect())
    }

    /// The last time any request with this profile worked (2xx), in unix seconds.
    pub fn last_success_for_profile(&self, profile_id: &str) -> Result<Option<i64>, HistoryError> {
        self.conn
            .query_row(
                "SELECT sent_at FROM history WHERE profile_id = ?1 AND status BETWEEN 200 AND 299
                 ORDER BY id DESC LIMIT 1",
                params![profile_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.fail(e))
    }

    /// The last time this method and URL worked (2xx) with this profile, in unix seconds.
    pub fn last_success(&self, profile_id: &str, method: &str, url: &str) -> Result<Option<i64>, HistoryError> {
        self.conn
            .query_row(
                "SELECT sent_at FROM history WHERE profile_id = ?1 AND method = ?2 AND url = ?3
                 AND status BETWEEN 200 AND 299 ORDER BY id DESC LIMIT 1",
                params![profile_id, method, url],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.fail(e))
    }
}

/// Make the database file 0600 before `SQLite` opens it: `SQLite` gives its WAL and SHM files the
/// database file's mode, so they are private from their first moment too.
fn precreate(path: &Path) -> std::io::Result<()> {
    crate::infra::private_files::options().write(true).create(true).truncate(false).open(path).map(drop)
}

fn row_to_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let draft_json: String = row.get(10)?;
    let draft = serde_json::from_str(&draft_json).unwrap_or_default();
    Ok(HistoryEntry {
        id: row.get(0)?,
        sent_at: row.get(1)?,
        profile_id: row.get(2)?,
        profile_name: row.get(3)?,
        environment: row.get(4)?,
        method: row.get(5)?,
        url: row.get(6)?,
        status: row.get(7)?,
        duration_ms: u64::try_from(row.get::<_, i64>(8)?).unwrap_or(0),
        error: row.get(9)?,
        draft,
        origin: crate::core::history::SendOrigin::parse(&row.get::<_, String>(11)?),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::core::request::RequestDraft;

    fn entry(status: Option<u16>) -> HistoryEntry {
        HistoryEntry {
            id: 0,
            sent_at: 1_700_000_000,
            profile_id: "p1".into(),
            profile_name: "Shop — Sandbox".into(),
            environment: "Sandbox".into(),
            method: "GET".into(),
            url: "https://api.example.com/v1/me".into(),
            status,
            duration_ms: 42,
            error: None,
            draft: RequestDraft::get("/v1/me"),
            origin: crate::core::history::SendOrigin::Manual,
        }
    }

    #[test]
    fn entries_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        History::open(dir.path()).unwrap().record(&entry(Some(200))).unwrap();
        let history = History::open(dir.path()).unwrap();
        history.record(&entry(Some(401))).unwrap();
        let recent = history.recent(10).unwrap();
        assert_eq!(recent.iter().map(|e| e.status).collect::<Vec<_>>(), vec![Some(401), Some(200)]);
        assert_eq!(recent[1].draft, RequestDraft::get("/v1/me"));
        assert_eq!(history.last_success("p1", "GET", "https://api.example.com/v1/me").unwrap(), Some(1_700_000_000));
    }

    #[test]
    fn the_origin_is_kept_and_an_older_database_gets_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(HISTORY_FILE);
        // A database as Gatepass wrote it before requests had an origin.
        let old = Connection::open(&path).unwrap();
        old.execute_batch(
            "CREATE TABLE history (id INTEGER PRIMARY KEY, sent_at INTEGER NOT NULL, profile_id TEXT NOT NULL,
             profile_name TEXT NOT NULL, environment TEXT NOT NULL, method TEXT NOT NULL, url TEXT NOT NULL,
             status INTEGER, duration_ms INTEGER NOT NULL, error TEXT, draft_json TEXT NOT NULL);
             INSERT INTO history (sent_at, profile_id, profile_name, environment, method, url, status, duration_ms, draft_json)
             VALUES (1, 'p1', 'P', 'Sandbox', 'GET', 'https://x/', 200, 3, '{}');",
        )
        .unwrap();
        drop(old);
        let history = History::open(dir.path()).unwrap();
        let mut run = entry(Some(200));
        run.origin = crate::core::history::SendOrigin::Run;
        history.record(&run).unwrap();
        let origins: Vec<_> = history.recent(5).unwrap().iter().map(|e| e.origin).collect();
        assert_eq!(origins, [crate::core::history::SendOrigin::Run, crate::core::history::SendOrigin::Manual]);
    }

    #[test]
    fn damaged_database_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(HISTORY_FILE), b"this is not a database, just some words that fill a page")
            .unwrap();
        let history = History::open(dir.path()).unwrap();
        assert!(history.warning.as_deref().unwrap().contains("started a new one"));
        assert!(dir.path().join("history.sqlite3.unreadable").exists());
        history.record(&entry(None)).unwrap();
        assert_eq!(history.recent(5).unwrap().len(), 1);
    }

    #[test]
    fn a_search_looks_through_all_of_history_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(dir.path()).unwrap();
        for i in 0..1_200u16 {
            let mut e = entry(Some(if i % 3 == 0 { 401 } else { 200 }));
            e.url = format!("https://api.example.com/v1/orders/{i}");
            history.record(&e).unwrap();
        }
        let mut failed = entry(None);
        failed.profile_name = "Shop — Production".into();
        history.record(&failed).unwrap();
        // The oldest entry is found, far past what the newest-first list holds.
        let found = history.search("orders/0", 10).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].url, "https://api.example.com/v1/orders/0");
        // Newest first, at most the limit; the status and the profile are searched too.
        let refused = history.search("401", 5).unwrap();
        assert_eq!(refused.len(), 5);
        assert!(refused.windows(2).all(|w| w[0].id > w[1].id));
        assert!(refused.iter().all(|e| e.status == Some(401)));
        assert_eq!(history.search("FAILED", 10).unwrap().len(), 1);
        assert_eq!(history.search("production", 10).unwrap().len(), 1);
        // Fields are searched one by one, as the window's own rule does: text across two is no match.
        assert!(history.search("shop — sandbox sandbox", 10).unwrap().is_empty());
    }

    #[test]
    fn a_search_folds_case_beyond_ascii() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(dir.path()).unwrap();
        let mut zurich = entry(Some(200));
        zurich.profile_name = "ZÜRICH Bank — Sandbox".into();
        history.record(&zurich).unwrap();
        history.record(&entry(Some(200))).unwrap();
        let found = history.search("zürich", 10).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].profile_name, "ZÜRICH Bank — Sandbox");
        assert_eq!(history.search("ZüRiCh", 10).unwrap().len(), 1);
    }
}
