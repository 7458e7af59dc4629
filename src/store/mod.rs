//! Storage: one code base over SQLite (embedded default) and PostgreSQL (production), chosen
//! by the database URL. Turns rows into domain types; knows nothing of HTTP.

pub mod audit;
pub mod comparisons;
mod connection;
pub mod departments;
pub mod evaluations;
pub mod generations;
pub mod library;
pub mod monitoring;
mod projections;
pub mod projects;
mod recent;
pub mod report_counts;
pub mod result_application;
pub mod review_samples;
pub mod review_scores;
mod schema;
pub mod service_tokens;
pub mod users;
mod watchdog;
pub mod years;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::event::{AcquireEvent, CheckoutEvent, TimeoutEvent};
use diesel::r2d2::{HandleError, HandleEvent, Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::domain::FieldError;
use connection::ConnectionManager;
pub use connection::{Backend, DbConnection, PostgresDeadlines};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// What can go wrong in storage, in terms the API can answer with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} was not found")]
    NotFound(String),
    /// The request contradicts what is stored (a duplicate, a dependent row).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("not valid: {}", .0.iter().map(|e| format!("{}: {}", e.path, e.invalid)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// Another writer kept winning the race; the client may try again.
    #[error("too many concurrent writers to the same record")]
    Contended,
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database's disk (or SQLite's page limit) is full: nothing more can be stored until
    /// room is made. SQLite's `SQLITE_FULL`, PostgreSQL's 53100 (disk full), recognised by their
    /// messages, which is all diesel passes on.
    #[error("the database cannot store more: {0}")]
    StorageFull(String),
    /// No connection can be opened at this moment; the outage is logged once, when it begins.
    #[error("no connection to the database can be opened at this moment")]
    Outage,
    #[error("storage failed: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Cause>,
    },
}

/// The error underneath another, kept for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

impl StoreError {
    /// Something that cannot be so: stored data that does not read back, a broken promise.
    pub fn internal(context: impl Into<String>) -> Self {
        Self::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// A failure of something underneath, with what was being done.
    pub fn caused(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::Contended
            }
            DieselError::DatabaseError(_, info) if info.message().contains("database is locked") => {
                Self::Unavailable(
                    "the SQLite file stayed locked by another process's write for the whole busy timeout"
                        .to_owned(),
                )
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                Self::Unavailable(error.to_string())
            }
            DieselError::DatabaseError(_, info) if is_lost_connection(info.message()) => {
                Self::Unavailable(error.to_string())
            }
            DieselError::DatabaseError(_, info) if is_storage_full(info.message()) => {
                Self::StorageFull(info.message().to_owned())
            }
            // `statement_timeout` and `lock_timeout` (PostgreSQL's 57014 and 55P03).
            DieselError::DatabaseError(_, info)
                if info.message().starts_with("canceling statement due to") =>
            {
                Self::Unavailable(error.to_string())
            }
            // A connection lost in a transaction cannot even roll back.
            DieselError::BrokenTransactionManager => Self::Unavailable(error.to_string()),
            _ => Self::caused("the database failed", error),
        }
    }
}

/// The words of a full disk: SQLite's for `SQLITE_FULL`, and the system's for `ENOSPC`, which
/// PostgreSQL appends to its disk-full errors (53100: "could not extend file …: No space left
/// on device"), and for a quota.
fn is_storage_full(message: &str) -> bool {
    [
        "database or disk is full",
        "No space left on device",
        "could not extend file",
        "Disk quota exceeded",
    ]
    .iter()
    .any(|phrase| message.contains(phrase))
}

/// PostgreSQL's words for a connection that a shutdown or restart of the server ended.
fn is_lost_connection(message: &str) -> bool {
    [
        "terminating connection",
        "server closed the connection",
        "the database system is shutting down",
        "the database system is starting up",
        "no connection to the server",
        // The socket cut by the watchdog, or lost underneath.
        "could not receive data from server",
        "could not send data to server",
    ]
    .iter()
    .any(|phrase| message.contains(phrase))
}

/// The claim of one server process on a SQLite file: an exclusive lock on `<file>.lock` beside
/// the file itself (its symlinks followed, `.` and `..` resolved), held until it is dropped (or
/// the process ends, however it ends). SQLite serves one writer at a time, and a second server
/// would make each wait on the other's writes, so a file is served by one process; the command
/// line's short jobs may still open it.
#[derive(Debug)]
pub struct ServerClaim {
    _lock: std::fs::File,
}

/// Claims the SQLite file that `database_url` names for this server; refuses, naming the lock,
/// when another server holds it, under whatever name (a symlink, `dir/../file`) it was given.
/// PostgreSQL serves any number of servers, and an in-memory database is its connection's
/// own: `None`.
pub fn claim_for_server(database_url: &str) -> Result<Option<ServerClaim>, StoreError> {
    let Some(path) = connection::sqlite_path(database_url) else {
        return Ok(None);
    };
    if path == ":memory:" {
        return Ok(None);
    }
    let file = database_file(path)?;
    let mut lock_path = file.clone().into_os_string();
    lock_path.push(".lock");
    let lock_path = std::path::PathBuf::from(lock_path);
    let shown = lock_path.display();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {shown}: {e}")))?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(ServerClaim { _lock: lock })),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Conflict {
            code: "database_in_use",
            detail: format!(
                "another perfeval server is serving {path} (it holds {shown}); a SQLite file \
                 is served by one process at a time: stop the other server, give this one a file \
                 of its own, or use PostgreSQL for several servers"
            ),
        }),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(StoreError::Unavailable(format!("cannot lock {shown}: {e}")))
        }
    }
}

/// The SQLite file at `path` under its one canonical name: symlinks followed, `.` and `..`
/// resolved, as SQLite itself resolves them to name its `-wal` and `-shm` files. Only a file
/// that exists has such a name, so a missing one is created empty, which SQLite reads as an
/// empty database. (Two hard links are two names to SQLite as well, whose journals would not
/// meet; a database must not be hard-linked.)
fn database_file(path: &str) -> Result<std::path::PathBuf, StoreError> {
    let cannot = |e: std::io::Error| StoreError::Unavailable(format!("cannot open {path}: {e}"));
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(cannot)?;
    std::fs::canonicalize(path).map_err(cannot)
}

/// A page of a list, with the number of all the items the filter matches.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Which slice of a list to read.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

/// The storage handle: a pool of connections to one database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    waits: Waits,
    /// Whether the last attempt to open a connection failed: while it did and no connection is
    /// idle, a request is refused at once instead of waiting for the pool's timeout.
    reachability: Reachability,
    /// SQLite allows one writer at a time; writers of this process queue here rather than in
    /// SQLite's busy handler, which polls.
    sqlite_writer: Arc<Mutex<()>>,
    /// Users and service tokens as read for recent requests (`recent::Recent`).
    recent_users: Arc<recent::Recent<users::UserRecord>>,
    recent_service_tokens: Arc<recent::Recent<service_tokens::ServiceTokenRecord>>,
    /// The stamps of the years' tables read a moment ago (SQLite only), forgotten at every
    /// write made here.
    recent_stamps: Arc<recent::Recent<generations::Stamp>>,
    /// The most bytes a report's stored JSON may have (`with_document_limit`).
    document_limit: usize,
}

/// How long the store waits on the database, so that an unreachable one costs a bounded time.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// A request's wait for a pooled connection; then 503.
    pub pool: Duration,
    /// The wait at start for the first PostgreSQL connection, when migrations run: a database
    /// that is starting up together with the service gets a while to come up, and one that
    /// stays unreachable is reported after it.
    pub startup: Duration,
    /// What PostgreSQL connections wait for.
    pub postgres: PostgresDeadlines,
}

impl Waits {
    /// The default wait at start.
    pub const STARTUP: Duration = Duration::from_secs(10);
}

/// How a PostgreSQL write transaction keeps concurrent writers apart (SQLite has one writer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// Rare administrative writes: PostgreSQL detects any interference, and the writer that
    /// loses gets `Contended`.
    Serializable,
    /// Writes of reports: READ COMMITTED, kept apart by the row locks the work takes before it
    /// reads anything (see `lock_department`), so that writers of distinct units never wait
    /// for or fail on each other.
    RowLocks,
}

impl Store {
    /// Opens a pool on `database_url`: `postgres://…` or `postgresql://…` for PostgreSQL,
    /// anything else (a path, or `sqlite://path`) for a SQLite file, created when missing.
    /// Taking a connection waits at most `waits.pool`. Connections are opened in the
    /// background: an unreachable database is reported by the first use, and the pool keeps
    /// trying to reconnect.
    pub fn connect_with(database_url: &str, pool_size: u32, waits: Waits) -> Self {
        let manager = ConnectionManager::new(database_url, waits.postgres);
        let backend = manager.backend();
        let reachability = Reachability::default();
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(waits.pool)
            .error_handler(Box::new(reachability.clone()))
            .event_handler(Box::new(reachability.clone()))
            .build_unchecked(manager);
        Self {
            pool,
            backend,
            waits,
            reachability,
            sqlite_writer: Arc::new(Mutex::new(())),
            recent_users: Arc::new(recent::Recent::of(database_url)),
            recent_service_tokens: Arc::new(recent::Recent::of(database_url)),
            recent_stamps: Arc::new(recent::Recent::at_once(database_url)),
            document_limit: usize::MAX,
        }
    }

    /// Bounds the report documents written through this store to `bytes` of JSON: the server
    /// gives it its body limit, so that what is stored is never more than a body could be,
    /// whichever way it came in (a whole report, parts, a table). Unbounded by default.
    pub fn with_document_limit(mut self, bytes: usize) -> Self {
        self.document_limit = bytes;
        self
    }

    /// The most bytes a report's stored JSON may have.
    pub fn document_limit(&self) -> usize {
        self.document_limit
    }

    /// `connect_with` the given pool timeout and the default wait at start.
    pub fn connect(database_url: &str, pool_size: u32, pool_timeout: Duration) -> Self {
        let waits = Waits {
            pool: pool_timeout,
            startup: Waits::STARTUP,
            postgres: PostgresDeadlines::default(),
        };
        Self::connect_with(database_url, pool_size, waits)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs the migrations that have not run yet; answers how many ran. Waits up to
    /// `waits.startup` for a PostgreSQL server that may be starting; a SQLite file that cannot
    /// be opened will not open later, so it is reported at once.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let _writer = self.lock_writer();
        let wait = match self.backend {
            Backend::Postgres => self.waits.startup,
            Backend::Sqlite => Duration::from_secs(1),
        };
        let mut conn = self.pool.get_timeout(wait).map_err(|e| {
            StoreError::Unavailable(format!(
                "no connection could be opened within {} s: {e}",
                wait.as_secs_f32()
            ))
        })?;
        // A migration may rewrite a large table: not bounded like a request's statements.
        conn.without_deadlines()?;
        let applied = match &mut **conn {
            DbConnection::Postgres(pg) => pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len()),
            DbConnection::Sqlite(sqlite) => sqlite
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.len()),
        };
        applied.map_err(|e| StoreError::caused("migration failed", e))
    }

    /// After a bulk load (an import, a reprojection): on PostgreSQL, the tables read on every
    /// request vacuumed and analysed, so that the planner reads their indexes at once instead
    /// of after autovacuum's next round. Nothing on SQLite, where statistics (`ANALYZE`) would
    /// have SQLite prepare a statement anew whenever a value bound to it changes.
    pub fn refresh_statistics(&self) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let mut conn = self.conn()?;
        conn.batch_execute(
            "VACUUM ANALYZE table_changes, evaluation_metrics, indicator_metrics, evaluations, departments",
        )?;
        Ok(())
    }

    /// Answers whether the database takes a query now, waiting at most `wait` for a connection.
    pub fn ping(&self, wait: Duration) -> Result<(), StoreError> {
        self.refuse_during_outage()?;
        let mut conn = self
            .pool
            .get_timeout(wait)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        conn.batch_execute("SELECT 1")
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    fn refuse_during_outage(&self) -> Result<(), StoreError> {
        if self.reachability.is_lost() && self.pool.state().idle_connections == 0 {
            crate::metrics::pool_refused(crate::metrics::PoolRefusal::Outage);
            return Err(StoreError::Outage);
        }
        Ok(())
    }

    fn conn(&self) -> Result<PooledConnection<ConnectionManager>, StoreError> {
        self.refuse_during_outage()?;
        self.pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    fn lock_writer(&self) -> Option<std::sync::MutexGuard<'_, ()>> {
        match self.backend {
            // A poisoned lock guards no data, only turns; taking it over is safe.
            Backend::Sqlite => Some(self.sqlite_writer.lock().unwrap_or_else(|e| e.into_inner())),
            Backend::Postgres => None,
        }
    }

    /// Runs `work` in one write transaction: all of it is stored, or none of it. Serializable
    /// on PostgreSQL; for the rare administrative writes.
    fn write<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction(Isolation::Serializable, work)
    }

    /// On SQLite the transaction begins IMMEDIATE: it takes the write lock before it reads,
    /// so that it waits its turn (busy timeout) instead of failing when a read would
    /// become a write while another connection writes.
    fn transaction<T, E: From<StoreError>>(
        &self,
        isolation: Isolation,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        let _writer = self.lock_writer();
        let mut pooled = self.conn()?;
        let conn: &mut DbConnection = &mut pooled;
        let begun = match conn {
            DbConnection::Sqlite(sqlite) => {
                AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
            }
            DbConnection::Postgres(pg) => {
                let begin = match isolation {
                    Isolation::Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE",
                    Isolation::RowLocks => "BEGIN ISOLATION LEVEL READ COMMITTED",
                };
                AnsiTransactionManager::begin_transaction_sql(pg, begin)
            }
        };
        begun.map_err(StoreError::from)?;
        let finished = finish(conn, work);
        self.recent_stamps.forget();
        finished
    }

    /// Runs `work` as one unit of work: one write transaction (READ COMMITTED on PostgreSQL,
    /// IMMEDIATE on SQLite), all of it stored or none of it. `work` takes the row locks that keep
    /// it apart from other writers (`Transaction::lock_department`, `lock_all_departments`)
    /// before it reads. A race lost anyway is `StoreError::Contended`, for the caller to retry.
    pub fn write_transaction<T, E: From<StoreError>>(
        &self,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(Isolation::RowLocks, |conn| work(&mut Transaction { conn }))
    }

    /// Runs `work` as one read transaction, so that what it reads agrees with itself.
    pub fn read_transaction<T, E: From<StoreError>>(
        &self,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.read(|conn| work(&mut Transaction { conn }))
    }

    /// Runs `work` on a connection, in one read transaction so that a page and its total agree.
    fn read<T, E: From<StoreError>>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        type Manager = <DbConnection as Connection>::TransactionManager;
        let mut pooled = self.conn()?;
        let conn: &mut DbConnection = &mut pooled;
        Manager::begin_transaction(conn).map_err(StoreError::from)?;
        finish(conn, work)
    }
}

/// Runs `work` in the transaction begun on `conn`, and commits what it did, or rolls it back
/// when it failed.
fn finish<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    type Manager = <DbConnection as Connection>::TransactionManager;
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(StoreError::from)?;
            Ok(value)
        }
        Err(error) => {
            Manager::rollback_transaction(conn).map_err(StoreError::from)?;
            Err(error)
        }
    }
}

/// One transaction's connection, lent to a unit of work: what it reads and writes through it
/// is committed together or not at all.
pub struct Transaction<'c> {
    conn: &'c mut DbConnection,
}

/// Whether the database can be reached, as the pool last found when it opened a connection.
#[derive(Debug, Clone, Default)]
struct Reachability {
    lost: Arc<AtomicBool>,
}

impl Reachability {
    fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }
}

impl HandleError<diesel::r2d2::Error> for Reachability {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        // The pool tries again every fraction of a second; one line per outage is enough.
        if !self.lost.swap(true, Ordering::Relaxed) {
            log::error!(
                "cannot connect to the database: {error}; refusing requests until it answers"
            );
        }
    }
}

impl HandleEvent for Reachability {
    fn handle_acquire(&self, _: AcquireEvent) {
        if self.lost.swap(false, Ordering::Relaxed) {
            log::info!("the database answers again");
        }
    }

    fn handle_checkout(&self, event: CheckoutEvent) {
        crate::metrics::pool_waited(event.duration());
    }

    fn handle_timeout(&self, _: TimeoutEvent) {
        crate::metrics::pool_refused(crate::metrics::PoolRefusal::Timeout);
    }
}

/// Now, as both databases keep it.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    // Both databases keep microseconds; cut to them so that what is answered is what is stored.
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

fn is_unique_violation(error: &DieselError) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// `first` without its `LIMIT ?`, for a filter on a unique key (it finds one row at most).
/// SQLite (3.47 on) prepares a statement whose LIMIT is a bound parameter anew after every
/// binding, which would undo the statement cache on every lookup by key.
pub(crate) trait UniqueRow<U> {
    fn unique_row(self, conn: &mut DbConnection) -> diesel::QueryResult<Option<U>>;
}

impl<'q, Q, U> UniqueRow<U> for Q
where
    Q: diesel::RunQueryDsl<DbConnection> + diesel::query_dsl::LoadQuery<'q, DbConnection, U>,
{
    fn unique_row(self, conn: &mut DbConnection) -> diesel::QueryResult<Option<U>> {
        Ok(self.load(conn)?.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_told_from_other_failures_on_both_databases() {
        for full in [
            "database or disk is full",
            "could not extend file \"base/16384/16385\": No space left on device",
            "could not write to file \"pg_wal/xlogtemp.42\": No space left on device",
        ] {
            assert!(is_storage_full(full), "{full}");
        }
        for other in ["disk I/O error", "relation \"x\" does not exist"] {
            assert!(!is_storage_full(other), "{other}");
        }
    }
}
