//! Settings from the environment (or flags), validated once at start.

use std::net::SocketAddr;
use std::time::Duration;

use crate::store::PostgresDeadlines;

/// How the service runs. Every setting has an environment variable; a flag wins over it.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Address and port to listen on: an IP address or a host name (`localhost:8080`).
    #[arg(
        long,
        env = "PERFEVAL_BIND",
        default_value = "127.0.0.1:8080",
        value_parser = parse_listen_address
    )]
    pub bind: SocketAddr,

    /// `postgres://…` for PostgreSQL; otherwise a SQLite file path (created when missing).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "perfeval.db",
        value_parser = parse_database_url
    )]
    pub database_url: String,

    /// Connections kept open to the database.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub pool_size: u32,

    /// The largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "PERFEVAL_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=(64 * 1024 * 1024)))]
    pub max_body_bytes: u64,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "PERFEVAL_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,

    /// The key that signs login tokens (HS256): at least 32 bytes. Required unless `--dev`.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Try the service out: without `JWT_SECRET`, sign tokens with a key made up at start
    /// (every token ends with the process). `cargo run` sets it (`.cargo/config.toml`).
    #[arg(long, env = "PERFEVAL_DEV", num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = parse_switch)]
    pub dev: bool,

    /// The bureau portal's public key (PEM text, or the path of a PEM file; RSA, EC P-256 or
    /// Ed25519): tokens it signs (RS256, ES256, EdDSA) are accepted.
    #[arg(long, env = "JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<String>,

    /// The `iss` that portal tokens must carry (required with `JWT_PUBLIC_KEY`).
    #[arg(long, env = "JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// The `aud` that portal tokens must carry (required with `JWT_PUBLIC_KEY`).
    #[arg(long, env = "JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// The longest a portal token may live (`exp` − `iat`), in seconds.
    #[arg(long, env = "JWT_MAX_TTL", default_value_t = 3600,
          value_parser = clap::value_parser!(u32).range(60..=86_400))]
    pub jwt_max_ttl_seconds: u32,

    /// Web origins (`https://portal.example.gov.cn`) whose pages may call the API from a
    /// browser, comma-separated; none by default.
    #[arg(long, env = "PERFEVAL_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// How long a login token lives, in seconds.
    #[arg(long, env = "PERFEVAL_TOKEN_TTL", default_value_t = 3600,
          value_parser = clap::value_parser!(u32).range(60..=86_400))]
    pub token_ttl_seconds: u32,

    /// The administrator created on an empty database.
    #[arg(long, env = "PERFEVAL_ADMIN_USER", default_value = "admin")]
    pub admin_user: String,

    /// That administrator's password; when unset, one is generated and printed once.
    #[arg(long, env = "PERFEVAL_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,

    /// Days the audit log keeps an entry; older ones are removed as new ones are written (at
    /// most 16 with each).
    #[arg(long, env = "PERFEVAL_AUDIT_RETENTION_DAYS", default_value_t = 730,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub audit_retention_days: u32,

    /// Address and port of a second listener that answers only `GET /metrics` (Prometheus);
    /// none by default. Whoever reaches it reads the traffic and the collection's progress:
    /// bind it to loopback or a monitoring network, never where the API's clients are.
    #[arg(long, env = "PERFEVAL_METRICS_BIND", value_parser = parse_listen_address)]
    pub metrics_bind: Option<SocketAddr>,

    #[command(flatten)]
    pub limits: Limits,
}

/// How long and how much the service waits for clients and the database, so that a stalled
/// client or an unreachable database costs a bounded share of it for a bounded time.
#[derive(Debug, Clone, clap::Args)]
pub struct Limits {
    /// Seconds a client has to send a request's headers; later gets 408.
    #[arg(long, env = "PERFEVAL_HEADER_TIMEOUT", default_value_t = Limits::HEADER_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout: u64,

    /// Seconds a client has to send a request's body once its headers are in; later gets 408.
    #[arg(long, env = "PERFEVAL_BODY_TIMEOUT", default_value_t = Limits::BODY_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,

    /// Open connections each worker keeps at most; more wait in the listen queue.
    #[arg(long, env = "PERFEVAL_MAX_CONNECTIONS", default_value_t = Limits::MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,

    /// Open connections one client address may hold at once, over all workers; more are closed
    /// as they are accepted.
    #[arg(long, env = "PERFEVAL_MAX_CONNECTIONS_PER_CLIENT", default_value_t = Limits::MAX_CONNECTIONS_PER_CLIENT,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections_per_client: u32,

    /// Percent of the slots (`PERFEVAL_MAX_CONNECTIONS` × workers) whose connections, once open,
    /// put the service under pressure: then idle connections are closed after
    /// `PERFEVAL_PRESSED_IDLE_TIMEOUT`.
    #[arg(long, env = "PERFEVAL_PRESSURE_PERCENT", default_value_t = Limits::PRESSURE_PERCENT,
          value_parser = clap::value_parser!(u8).range(1..=100))]
    pub pressure_percent: u8,

    /// Seconds a connection with no request under way may stay idle while the service is under
    /// pressure; then it is closed (unpressed, the header deadline and keep-alive apply).
    #[arg(long, env = "PERFEVAL_PRESSED_IDLE_TIMEOUT", default_value_t = Limits::PRESSED_IDLE_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub pressed_idle_timeout: u64,

    /// Threads each worker may run blocking work on (database calls, exports); more work waits.
    #[arg(long, env = "PERFEVAL_BLOCKING_THREADS", default_value_t = Limits::BLOCKING_THREADS,
          value_parser = clap::value_parser!(u16).range(1..=512))]
    pub blocking_threads: u16,

    /// Seconds a request waits for a database connection before it gets 503.
    #[arg(long, env = "DATABASE_POOL_TIMEOUT", default_value_t = Limits::POOL_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub pool_timeout: u64,

    /// Seconds the service waits at start for PostgreSQL to accept a connection before it exits.
    #[arg(long, env = "DATABASE_STARTUP_TIMEOUT", default_value_t = Limits::STARTUP_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub startup_timeout: u64,

    /// Seconds a PostgreSQL connection may take to open (libpq's `connect_timeout`; 2 at least).
    #[arg(long, env = "DATABASE_CONNECT_TIMEOUT", default_value_t = Limits::CONNECT_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(2..=60))]
    pub connect_timeout: u64,

    /// Seconds one PostgreSQL statement of a request may run (`statement_timeout`); a statement
    /// that gets no answer one second after that has its connection cut.
    #[arg(long, env = "DATABASE_STATEMENT_TIMEOUT", default_value_t = Limits::STATEMENT_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub statement_timeout: u64,

    /// Seconds one PostgreSQL statement of a request may wait for a lock (`lock_timeout`).
    #[arg(long, env = "DATABASE_LOCK_TIMEOUT", default_value_t = Limits::LOCK_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub lock_timeout: u64,

    /// TCP keep-alive on PostgreSQL connections: seconds idle before the first probe.
    #[arg(long, env = "DATABASE_KEEPALIVES_IDLE", default_value_t = Limits::KEEPALIVES_IDLE,
          value_parser = clap::value_parser!(u64).range(1..=7200))]
    pub keepalives_idle: u64,

    /// TCP keep-alive: seconds between probes.
    #[arg(long, env = "DATABASE_KEEPALIVES_INTERVAL", default_value_t = Limits::KEEPALIVES_INTERVAL,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub keepalives_interval: u64,

    /// TCP keep-alive: probes unanswered before the connection is given up.
    #[arg(long, env = "DATABASE_KEEPALIVES_COUNT", default_value_t = Limits::KEEPALIVES_COUNT,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub keepalives_count: u32,

    /// Seconds given, at SIGTERM or SIGINT, to the requests under way before the process exits.
    #[arg(long, env = "PERFEVAL_SHUTDOWN_TIMEOUT", default_value_t = Limits::SHUTDOWN_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub shutdown_timeout: u64,
}

impl Limits {
    pub const HEADER_TIMEOUT: u64 = 10;
    pub const BODY_TIMEOUT: u64 = 30;
    pub const MAX_CONNECTIONS: u32 = 1000;
    pub const MAX_CONNECTIONS_PER_CLIENT: u32 = 1000;
    pub const PRESSURE_PERCENT: u8 = 50;
    pub const PRESSED_IDLE_TIMEOUT: u64 = 1;
    pub const BLOCKING_THREADS: u16 = 32;
    pub const POOL_TIMEOUT: u64 = 1;
    pub const STARTUP_TIMEOUT: u64 = crate::store::Waits::STARTUP.as_secs();
    pub const CONNECT_TIMEOUT: u64 = PostgresDeadlines::CONNECT.as_secs();
    pub const STATEMENT_TIMEOUT: u64 = PostgresDeadlines::STATEMENT.as_secs();
    pub const LOCK_TIMEOUT: u64 = PostgresDeadlines::LOCK.as_secs();
    pub const KEEPALIVES_IDLE: u64 = PostgresDeadlines::KEEPALIVE_IDLE.as_secs();
    pub const KEEPALIVES_INTERVAL: u64 = PostgresDeadlines::KEEPALIVE_INTERVAL.as_secs();
    pub const KEEPALIVES_COUNT: u32 = PostgresDeadlines::KEEPALIVE_COUNT;
    pub const SHUTDOWN_TIMEOUT: u64 = 10;

    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout)
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout)
    }

    pub fn pool_timeout(&self) -> Duration {
        Duration::from_secs(self.pool_timeout)
    }

    /// What the store waits for, from these settings: for the server, or for a command-line
    /// job (`server: false`), whose statements are not bounded.
    pub fn store_waits(&self, server: bool) -> crate::store::Waits {
        let seconds = Duration::from_secs;
        crate::store::Waits {
            pool: self.pool_timeout(),
            startup: seconds(self.startup_timeout),
            postgres: PostgresDeadlines {
                connect: seconds(self.connect_timeout),
                keepalive_idle: seconds(self.keepalives_idle),
                keepalive_interval: seconds(self.keepalives_interval),
                keepalive_count: self.keepalives_count,
                statement: server.then(|| seconds(self.statement_timeout)),
                lock: server.then(|| seconds(self.lock_timeout)),
            },
        }
    }
}

/// The documented defaults, for code that builds settings without a command line.
impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Self::HEADER_TIMEOUT,
            body_timeout: Self::BODY_TIMEOUT,
            max_connections: Self::MAX_CONNECTIONS,
            max_connections_per_client: Self::MAX_CONNECTIONS_PER_CLIENT,
            pressure_percent: Self::PRESSURE_PERCENT,
            pressed_idle_timeout: Self::PRESSED_IDLE_TIMEOUT,
            blocking_threads: Self::BLOCKING_THREADS,
            pool_timeout: Self::POOL_TIMEOUT,
            startup_timeout: Self::STARTUP_TIMEOUT,
            connect_timeout: Self::CONNECT_TIMEOUT,
            statement_timeout: Self::STATEMENT_TIMEOUT,
            lock_timeout: Self::LOCK_TIMEOUT,
            keepalives_idle: Self::KEEPALIVES_IDLE,
            keepalives_interval: Self::KEEPALIVES_INTERVAL,
            keepalives_count: Self::KEEPALIVES_COUNT,
            shutdown_timeout: Self::SHUTDOWN_TIMEOUT,
        }
    }
}

/// A secret setting: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Settings {
    /// The settings a test starts a service with, on `database_url`: a port the system picks
    /// on the loopback address, one worker, 4 connections, a 2 MiB body limit and the default
    /// limits, no signing key, no portal and no first admin's password; a test sets what it
    /// is about with struct update syntax.
    pub fn for_tests(database_url: String) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            pool_size: 4,
            max_body_bytes: 2 * 1024 * 1024,
            workers: Some(1),
            jwt_secret: None,
            dev: false,
            jwt_public_key: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_max_ttl_seconds: 3600,
            cors_origins: Vec::new(),
            token_ttl_seconds: 3600,
            admin_user: "admin".to_owned(),
            admin_password: None,
            audit_retention_days: 730,
            metrics_bind: None,
            limits: Limits::default(),
        }
    }

    /// What a log line may say about the database: the URL without any password in it,
    /// whether in `user:password@` or in a `password=` parameter.
    pub fn database_for_log(&self) -> String {
        redacted_database_url(&self.database_url)
    }
}

/// The database of a maintenance command (`migrate`, `reproject`, `demo`, `user`): the one
/// setting it takes as a flag. Its waits are read from the same environment variables as the
/// service's (`DATABASE_CONNECT_TIMEOUT` …), so that the command's help lists only what it uses.
#[derive(Debug, Clone, clap::Args)]
pub struct Database {
    /// `postgres://…` for PostgreSQL; otherwise a SQLite file path (created when missing).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "perfeval.db",
        value_parser = parse_database_url,
        global = true
    )]
    pub database_url: String,
}

impl Database {
    /// The URL without any password in it, for a log line or an error.
    pub fn for_log(&self) -> String {
        redacted_database_url(&self.database_url)
    }
}

impl Limits {
    /// The limits as the environment sets them (defaults for what it leaves unset).
    pub fn from_env() -> Result<Self, clap::Error> {
        use clap::{Args, FromArgMatches};
        let command = Self::augment_args(clap::Command::new("perfeval").no_binary_name(true));
        Self::from_arg_matches(&command.try_get_matches_from(std::iter::empty::<String>())?)
    }
}

/// `--bind`, `--metrics-bind`: `IP:PORT`, or `HOST:PORT` with a host name that resolves (the
/// first address it resolves to is the one listened on).
fn parse_listen_address(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let unresolved = |why: String| {
        format!("`{text}` is not an address to listen on (IP:PORT or HOST:PORT): {why}")
    };
    text.to_socket_addrs()
        .map_err(|e| unresolved(e.to_string()))?
        .next()
        .ok_or_else(|| unresolved("the host name resolves to no address".to_owned()))
}

fn redacted_database_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let base = match base.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}@{host}")
            }
            None => base.to_owned(),
        },
        None => base.to_owned(),
    };
    match query {
        None => base,
        Some(query) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.to_ascii_lowercase().starts_with("password="))
                .collect();
            if kept.is_empty() {
                base
            } else {
                format!("{base}?{}", kept.join("&"))
            }
        }
    }
}

/// `DATABASE_URL`: a PostgreSQL URL, or a SQLite file path (with or without `sqlite://`).
fn parse_database_url(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err(
            "DATABASE_URL is empty: give a SQLite file path such as perfeval.db, \
                    or postgres://user:password@host:5432/db"
                .to_owned(),
        );
    }
    match text.split_once("://") {
        Some(("postgres" | "postgresql" | "sqlite", _)) | None => Ok(text.to_owned()),
        Some((scheme, _)) => Err(format!(
            "DATABASE_URL names the database kind `{scheme}`, which perfeval does not use: \
             give postgres://… or a SQLite file path"
        )),
    }
}

/// A yes-or-no setting as people write it in an environment (`PERFEVAL_DEV=1`).
fn parse_switch(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err("PERFEVAL_DEV (--dev) takes true or false (also 1/0, yes/no, on/off)".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: Settings,
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let cli = Cli::parse_from(["x", "--jwt-secret", "0123456789abcdef0123456789abcdef"]);
        let printed = format!("{:?}", cli.settings);
        assert!(!printed.contains("0123456789abcdef"), "{printed}");
    }

    #[test]
    fn the_limits_default_to_what_the_command_line_defaults_to() {
        let cli = Cli::parse_from(["x"]);
        let parsed = format!("{:?}", cli.settings.limits);
        assert_eq!(parsed, format!("{:?}", Limits::default()));
    }

    #[test]
    fn database_url_in_logs_loses_its_password() {
        let cli = Cli::parse_from([
            "x",
            "--database-url",
            "postgres://app:s3cret@db:5432/perfeval",
        ]);
        assert_eq!(
            cli.settings.database_for_log(),
            "postgres://app@db:5432/perfeval"
        );
    }
}
