//! Settings from the environment (or flags), validated once at start.

use std::net::SocketAddr;

/// How the service runs. Every setting has an environment variable; a flag wins over it.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "PERFEVAL_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// `postgres://…` for PostgreSQL; otherwise a SQLite file path (created when missing).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "perfeval.db",
        global = true
    )]
    pub database_url: String,

    /// Connections kept open to the database.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=256), global = true)]
    pub pool_size: u32,

    /// The largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "PERFEVAL_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=(64 * 1024 * 1024)), global = true)]
    pub max_body_bytes: u64,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "PERFEVAL_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256), global = true)]
    pub workers: Option<u16>,
}

impl Settings {
    /// What a log line may say about the database: the URL without any password in it.
    pub fn database_for_log(&self) -> String {
        match self.database_url.split_once("://") {
            Some((scheme, rest)) => match rest.rsplit_once('@') {
                Some((credentials, host)) => {
                    let user = credentials.split(':').next().unwrap_or_default();
                    format!("{scheme}://{user}@{host}")
                }
                None => self.database_url.clone(),
            },
            None => self.database_url.clone(),
        }
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
