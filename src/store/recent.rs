//! What the database said a moment ago, kept for the requests that follow: the callers
//! (users, service tokens) and the years' table stamps. Each answer serves for at most
//! `FRESH_FOR`, is forgotten at once when this server writes, and on SQLite only while the WAL
//! file, which every commit of any process moves, is as it was.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// How long what the database said may serve later requests. For a caller (a user, a service
/// token): a change of password, role or department, a disabling or a revocation ends a token
/// within this time on every server, however it was made. A change made through this server
/// forgets everything at once; on SQLite, one made by another process on the same file (a
/// command-line job) moves the WAL file, which is looked at (one `stat`) on every request, so
/// there it takes effect at once too.
const FRESH_FOR: Duration = Duration::from_millis(500);

/// How many answers are remembered; past it, the stale ones are dropped, and all if none is.
const KEPT: usize = 10_000;

/// The size and time of a SQLite database's WAL file: every commit, by any process, moves them.
type FileMark = Option<(u64, Option<SystemTime>)>;

/// When an answer was read: the epoch of this server's changes and the WAL file's mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Reading {
    epoch: u64,
    file: FileMark,
}

/// Answers the database gave a moment ago, by key, each used for at most `FRESH_FOR`,
/// and on SQLite only while nothing was written to the file since.
#[derive(Debug)]
pub(super) struct Recent<V> {
    entries: Mutex<HashMap<String, (Instant, Reading, V)>>,
    /// Moves on with every change made here, so that an answer read before a change is not
    /// remembered after it.
    epoch: AtomicU64,
    /// The WAL file of a SQLite database; none for PostgreSQL.
    wal: Option<PathBuf>,
    /// Whether answers are kept only where the WAL file tells of other processes' changes.
    sqlite_only: bool,
}

impl<V: Clone> Recent<V> {
    /// Answers about the database at `database_url`.
    pub(super) fn of(database_url: &str) -> Self {
        Self {
            entries: Mutex::default(),
            epoch: AtomicU64::default(),
            wal: super::connection::sqlite_path(database_url)
                .map(|path| PathBuf::from(format!("{path}-wal"))),
            sqlite_only: false,
        }
    }

    /// Answers about the database at `database_url` that must follow every change at once:
    /// kept on SQLite, where a change by any process moves the WAL file, and not on PostgreSQL,
    /// where another server's change leaves nothing to see here.
    pub(super) fn at_once(database_url: &str) -> Self {
        Self {
            sqlite_only: true,
            ..Self::of(database_url)
        }
    }

    fn keeps(&self) -> bool {
        !self.sqlite_only || self.wal.is_some()
    }

    /// What an answer read now is read at.
    pub(super) fn reading(&self) -> Reading {
        Reading {
            epoch: self.epoch.load(Ordering::Acquire),
            file: self.wal.as_ref().and_then(|wal| {
                std::fs::metadata(wal)
                    .ok()
                    .map(|m| (m.len(), m.modified().ok()))
            }),
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<V> {
        if !self.keeps() {
            return None;
        }
        let now = self.reading();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, read, _)| at.elapsed() < FRESH_FOR && *read == now)
            .map(|(_, _, value)| value.clone())
    }

    /// Remembers `value`, read at `read`, unless this server changed something since.
    pub(super) fn keep(&self, key: String, value: V, read: Reading) {
        if !self.keeps() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::Acquire) != read.epoch {
            return;
        }
        if entries.len() >= KEPT {
            entries.retain(|_, (at, _, _)| at.elapsed() < FRESH_FOR);
            if entries.len() >= KEPT {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), read, value));
    }

    /// Forgets everything: a change was made.
    pub(super) fn forget(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}
