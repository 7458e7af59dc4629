//! Connections chosen by the URL's scheme, never guessed: a failed PostgreSQL connection
//! reports PostgreSQL's own error instead of a SQLite one.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{Error, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::watchdog::Watch;

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

/// How long the service waits on PostgreSQL, so that an unreachable or frozen server, or a lost
/// network, costs a bounded time.
#[derive(Debug, Clone, Copy)]
pub struct PostgresDeadlines {
    /// For a connection to open (libpq's `connect_timeout`, which takes 2 s at least).
    pub connect: Duration,
    /// TCP keep-alive: idle time before the first probe, time between probes, and probes
    /// unanswered before the connection is given up.
    pub keepalive_idle: Duration,
    pub keepalive_interval: Duration,
    pub keepalive_count: u32,
    /// For one statement (`statement_timeout`, ended by the server); a statement that gets no
    /// answer at all one second after it is cut (`watchdog`). `None` for the command line's
    /// jobs, whose statements may run long.
    pub statement: Option<Duration>,
    /// For one lock (`lock_timeout`).
    pub lock: Option<Duration>,
}

impl PostgresDeadlines {
    pub const CONNECT: Duration = Duration::from_secs(2);
    pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);
    pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2);
    pub const KEEPALIVE_COUNT: u32 = 3;
    pub const STATEMENT: Duration = Duration::from_secs(5);
    pub const LOCK: Duration = Duration::from_secs(3);
    /// How long the pool's ping (`SELECT 1` as a connection is handed out) may wait: a server
    /// that answers anything answers that at once.
    const PING: Duration = Duration::from_secs(1);
    /// Past the statement's deadline, the server's own cancel comes first; this long after it,
    /// silence means the server does not run.
    const SILENCE: Duration = Duration::from_secs(1);

    /// The connection parameters libpq takes in the URL, unless the URL sets them itself.
    fn url_with_parameters(&self, url: &str) -> String {
        let given = url.split_once('?').map_or("", |(_, query)| query);
        let parameters = [
            ("connect_timeout", self.connect.as_secs().max(2).to_string()),
            ("keepalives", "1".to_owned()),
            ("keepalives_idle", self.keepalive_idle.as_secs().to_string()),
            (
                "keepalives_interval",
                self.keepalive_interval.as_secs().to_string(),
            ),
            ("keepalives_count", self.keepalive_count.to_string()),
        ];
        let mut url = url.to_owned();
        for (name, value) in parameters {
            let set = given
                .split('&')
                .any(|pair| pair.split('=').next() == Some(name));
            if !set {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&format!("{name}={value}"));
            }
        }
        url
    }

    /// The session's timeouts, set as a connection opens.
    fn session_settings(&self) -> Option<String> {
        let ms = |d: Duration| d.as_millis();
        match (self.statement, self.lock) {
            (None, None) => None,
            (statement, lock) => Some(format!(
                "SET statement_timeout = {}; SET lock_timeout = {}",
                statement.map_or(0, ms),
                lock.map_or(0, ms)
            )),
        }
    }

    /// How long a statement waits for an answer before its connection is cut.
    fn silence(&self) -> Option<Duration> {
        self.statement.map(|statement| statement + Self::SILENCE)
    }
}

impl Default for PostgresDeadlines {
    /// The command line's jobs: bounded waits for the network, no bound on statements.
    fn default() -> Self {
        Self {
            connect: Self::CONNECT,
            keepalive_idle: Self::KEEPALIVE_IDLE,
            keepalive_interval: Self::KEEPALIVE_INTERVAL,
            keepalive_count: Self::KEEPALIVE_COUNT,
            statement: None,
            lock: None,
        }
    }
}

/// A connection as the pool keeps it: a PostgreSQL one with the watch on its socket.
pub struct Pooled {
    conn: DbConnection,
    watch: Option<Watch>,
    /// Given up by its user (its timeouts lifted for the migrations): not handed out again.
    spent: bool,
}

impl Pooled {
    /// Lifts this connection's timeouts for work that may take long (the migrations at start),
    /// and has the pool close it afterwards rather than lend it on without them.
    pub fn without_deadlines(&mut self) -> diesel::QueryResult<()> {
        self.spent = true;
        if let Some(watch) = &self.watch {
            watch.set(Duration::ZERO);
        }
        match &mut self.conn {
            DbConnection::Postgres(pg) => {
                pg.batch_execute("SET statement_timeout = 0; SET lock_timeout = 0")
            }
            DbConnection::Sqlite(_) => Ok(()),
        }
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl Drop for Pooled {
    /// The watch ends before the socket closes, so that its number is not cut once reused.
    fn drop(&mut self) {
        if let Some(watch) = &self.watch {
            watch.disarm();
        }
    }
}

pub struct ConnectionManager {
    url: String,
    backend: Backend,
    deadlines: PostgresDeadlines,
}

impl ConnectionManager {
    pub fn new(database_url: &str, deadlines: PostgresDeadlines) -> Self {
        let backend = Backend::of(database_url);
        let url = match backend {
            Backend::Sqlite => sqlite_path(database_url).unwrap_or(database_url).to_owned(),
            Backend::Postgres => deadlines.url_with_parameters(database_url),
        };
        Self {
            url,
            backend,
            deadlines,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = Error;

    fn connect(&self) -> Result<Pooled, Error> {
        match self.backend {
            Backend::Postgres => {
                let mut pg = PgConnection::establish(&self.url).map_err(Error::ConnectionError)?;
                if let Some(settings) = self.deadlines.session_settings() {
                    pg.batch_execute(&settings).map_err(Error::QueryError)?;
                }
                let watch = self
                    .deadlines
                    .silence()
                    .and_then(|silence| Watch::of(&mut pg, silence));
                Ok(Pooled {
                    conn: DbConnection::Postgres(pg),
                    watch,
                    spent: false,
                })
            }
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.url).map_err(Error::ConnectionError)?;
                conn.batch_execute(SQLITE_SETTINGS)
                    .map_err(Error::QueryError)?;
                Ok(Pooled {
                    conn: DbConnection::Sqlite(conn),
                    watch: None,
                    spent: false,
                })
            }
        }
    }

    /// Checked as the pool hands a connection out. A SQLite connection is a file opened in this
    /// process and cannot be lost, so it is not asked: a `SELECT 1` before each request's
    /// statements cost as much as the statement that reads one report. A PostgreSQL connection
    /// can be ended by the server, and is pinged, within a second when it is watched.
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), Error> {
        match &mut pooled.conn {
            DbConnection::Sqlite(_) => Ok(()),
            conn @ DbConnection::Postgres(_) => {
                if let (Some(watch), Some(silence)) = (&pooled.watch, self.deadlines.silence()) {
                    watch.set(PostgresDeadlines::PING);
                    let pinged = conn.ping();
                    watch.set(silence);
                    pinged.map_err(Error::QueryError)
                } else {
                    conn.ping().map_err(Error::QueryError)
                }
            }
        }
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.spent || pooled.conn.is_broken()
    }
}
