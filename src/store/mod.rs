//! Storage: one code base over SQLite (embedded default) and PostgreSQL (production), chosen
//! by the database URL. Turns rows into domain types; knows nothing of HTTP.

pub mod audit;
pub mod comparisons;
mod connection;
pub mod departments;
pub mod evaluations;
mod projections;
mod schema;
pub mod service_tokens;
pub mod users;
pub mod years;

use std::ops::DerefMut;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::domain::FieldError;
use connection::ConnectionManager;
pub use connection::{Backend, DbConnection};

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
    #[error("the document is not valid")]
    Invalid(Vec<FieldError>),
    /// The client's `If-Match` names a version that is not the current one.
    #[error("the stored version is {current:?}")]
    PreconditionFailed { current: Option<i64> },
    /// The action is not allowed in the evaluation's current state.
    #[error("an evaluation that is {} cannot be {}", .status.as_str(), .action.as_str())]
    IllegalTransition {
        status: crate::domain::evaluation::EvaluationStatus,
        action: crate::domain::evaluation::Action,
        allowed: Vec<crate::domain::evaluation::Action>,
    },
    /// The checks found errors that keep the evaluation from being submitted.
    #[error("the checks found {} error(s)", .0.len())]
    Blocked(Vec<crate::domain::checks::Finding>),
    /// Another writer kept winning the race; the client may try again.
    #[error("too many concurrent writers to the same record")]
    Contended,
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("storage failed: {0}")]
    Internal(String),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::Contended
            }
            DieselError::DatabaseError(_, info)
                if info.message().contains("database is locked") =>
            {
                Self::Contended
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                Self::Unavailable(error.to_string())
            }
            _ => Self::Internal(error.to_string()),
        }
    }
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
    /// SQLite allows one writer at a time; writers of this process queue here instead of
    /// failing on a busy lock when a read transaction would upgrade to a write.
    sqlite_writer: Arc<Mutex<()>>,
}

impl Store {
    /// Opens a pool on `database_url`: `postgres://…` or `postgresql://…` for PostgreSQL,
    /// anything else (a path, or `sqlite://path`) for a SQLite file, created when missing.
    pub fn connect(database_url: &str, pool_size: u32) -> Result<Self, StoreError> {
        let manager = ConnectionManager::new(database_url);
        let backend = manager.backend();
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs the migrations that have not run yet; answers how many ran.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let _writer = self.lock_writer();
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            DbConnection::Postgres(pg) => pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len()),
            DbConnection::Sqlite(sqlite) => sqlite
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.len()),
        };
        applied.map_err(|e| StoreError::Internal(format!("migration failed: {e}")))
    }

    /// Answers whether the database takes a query now.
    pub fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.batch_execute("SELECT 1")
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    fn conn(&self) -> Result<PooledConnection<ConnectionManager>, StoreError> {
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

    /// Runs `work` in one write transaction: all of it is stored, or none of it.
    fn write<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _writer = self.lock_writer();
        let mut conn = self.conn()?;
        conn.deref_mut().transaction(|conn| {
            // Projections read other rows than the ones they write; only serializable
            // transactions keep two concurrent writers from leaving them stale. A writer that
            // loses is tried again (`Contended`).
            if matches!(conn, DbConnection::Postgres(_)) {
                conn.batch_execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")?;
            }
            work(conn)
        })
    }

    /// Runs `work` on a connection, in one read transaction so that a page and its total agree.
    fn read<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        conn.deref_mut().transaction(work)
    }
}

fn now() -> chrono::NaiveDateTime {
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
