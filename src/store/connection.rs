//! Connections chosen by the URL's scheme, never guessed: a failed PostgreSQL connection
//! reports PostgreSQL's own error instead of a SQLite one.

use diesel::connection::SimpleConnection;
use diesel::r2d2::{Error, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

/// One connection to either database.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(database_url: &str) -> Self {
        if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// SQLite in WAL mode with foreign keys on; `synchronous = FULL` so that a write that was
/// acknowledged survives a power cut, and a busy timeout so that a writer waits for another
/// connection's write (a command-line job's, beside the one server) instead of failing.
/// The busy timeout comes first: switching to WAL takes a lock that other new connections
/// must wait for.
const SQLITE_SETTINGS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

/// The SQLite file a URL names, or `None` for PostgreSQL.
pub fn sqlite_path(database_url: &str) -> Option<&str> {
    match Backend::of(database_url) {
        Backend::Sqlite => Some(
            database_url
                .strip_prefix("sqlite://")
                .unwrap_or(database_url),
        ),
        Backend::Postgres => None,
    }
}

pub struct ConnectionManager {
    url: String,
    backend: Backend,
}

impl ConnectionManager {
    pub fn new(database_url: &str) -> Self {
        Self {
            url: sqlite_path(database_url).unwrap_or(database_url).to_owned(),
            backend: Backend::of(database_url),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = Error;

    fn connect(&self) -> Result<DbConnection, Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(DbConnection::Postgres)
                .map_err(Error::ConnectionError),
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.url).map_err(Error::ConnectionError)?;
                conn.batch_execute(SQLITE_SETTINGS)
                    .map_err(Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// Checked as the pool hands a connection out. A SQLite connection is a file opened in this
    /// process and cannot be lost, so it is not asked: a `SELECT 1` before each request's
    /// statements cost as much as the statement that reads one report. A PostgreSQL connection
    /// can be ended by the server, and is pinged.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Error> {
        match conn {
            DbConnection::Sqlite(_) => Ok(()),
            DbConnection::Postgres(_) => conn.ping().map_err(Error::QueryError),
        }
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}
