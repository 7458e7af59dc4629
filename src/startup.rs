//! Builds the server apart from running it, so that tests start it on port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api;
use crate::api::audit::refused_credentials;
use crate::api::auth::{Authenticator, LoginLimiter, LoginOrigins, PortalKey};
use crate::api::extract::{BodyDeadline, BodyLimit, query_config};
use crate::api::headers::{allowed_origins, cors, security_headers};
use crate::api::health::{Stopping, close_when_stopping};
use crate::api::metrics::{MetricsListener, count_requests};
use crate::app::audit::AuditPolicy;
use crate::app::comparisons::ReadModel;
use crate::config::Settings;
use crate::domain::access::{Password, Role};
use crate::hex::random_hex;
use crate::store::users::NewUser;
use crate::store::{ServerClaim, Store, StoreError, claim_for_server};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database {database}: {source}")]
    Database {
        database: String,
        source: StoreError,
    },
    #[error("cannot listen on {bind}: {source}")]
    Listen {
        bind: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Configuration(String),
}

/// The shortest `JWT_SECRET` accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Where the OpenAPI document is served; the Swagger UI reads it from there.
const OPENAPI_DOCUMENT_PATH: &str = "/api/v1/openapi.json";

/// The token authority the settings describe: refuses a missing or short secret unless `--dev`.
pub fn authenticator(settings: &Settings) -> Result<Authenticator, StartupError> {
    let configuration = StartupError::Configuration;
    let secret = match (&settings.jwt_secret, settings.dev) {
        (Some(secret), _) if secret.expose().len() >= MIN_SECRET_BYTES => {
            secret.expose().as_bytes().to_vec()
        }
        (Some(_), _) => {
            return Err(configuration(format!(
                "JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes; make one with `openssl rand -hex 32`"
            )));
        }
        (None, true) => {
            log::warn!(
                "--dev: signing tokens with a key made up for this process; they end with it"
            );
            random_hex()
                .map_err(|e| configuration(e.to_string()))?
                .into_bytes()
        }
        (None, false) => {
            return Err(configuration(format!(
                "JWT_SECRET is not set: set one of at least {MIN_SECRET_BYTES} bytes \
                 (`openssl rand -hex 32`), or start with --dev to try the service with a throwaway key"
            )));
        }
    };
    let portal = match &settings.jwt_public_key {
        None => None,
        Some(key) => {
            let (Some(issuer), Some(audience)) = (&settings.jwt_issuer, &settings.jwt_audience)
            else {
                return Err(configuration(
                    "JWT_PUBLIC_KEY needs JWT_ISSUER and JWT_AUDIENCE, which the portal's tokens must carry"
                        .to_owned(),
                ));
            };
            let pem = if key.trim_start().starts_with("-----BEGIN") {
                key.clone().into_bytes()
            } else {
                std::fs::read(key).map_err(|e| {
                    configuration(format!(
                        "JWT_PUBLIC_KEY names the file {key}, which cannot be read: {e}"
                    ))
                })?
            };
            let portal = PortalKey::from_pem(&pem, issuer, audience, settings.jwt_max_ttl_seconds)
                .map_err(configuration)?;
            log::info!(
                "accepting {:?} tokens of issuer {issuer} for audience {audience}",
                portal.algorithm()
            );
            Some(portal)
        }
    };
    Authenticator::new(&secret, portal, settings.token_ttl_seconds).map_err(configuration)
}

/// Raises the soft limit of open files to the hard limit, so that the connection limits
/// (`PERFEVAL_MAX_CONNECTIONS` per worker), not a service manager's default of 1,024, decide
/// how many clients are served; warns when the connection limits can exceed what is allowed.
pub fn raise_open_file_limit(settings: &Settings) {
    let allowed = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(allowed) => allowed,
        Err(e) => {
            log::warn!("cannot raise the limit of open files: {e}");
            return;
        }
    };
    let workers = workers(settings);
    let connections = u64::from(settings.limits.max_connections)
        .saturating_mul(u64::try_from(workers).unwrap_or(u64::MAX));
    // Beside the clients: the database pool, the listener, the log, a margin for the libraries.
    let needed = connections.saturating_add(u64::from(settings.pool_size) + 64);
    if needed > allowed {
        log::warn!(
            "up to {connections} client connections ({workers} workers × PERFEVAL_MAX_CONNECTIONS) \
             may need more than the {allowed} open files allowed; lower PERFEVAL_MAX_CONNECTIONS \
             or raise the hard limit (LimitNOFILE=, ulimit -Hn)"
        );
    } else {
        log::info!("open files allowed: {allowed}");
    }
}

/// The HTTP workers the server runs: `PERFEVAL_WORKERS`, or one per core as actix does.
fn workers(settings: &Settings) -> usize {
    settings
        .workers
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Waits for SIGTERM or SIGINT and names it.
async fn stop_signal() -> &'static str {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(terminate) => terminate,
        Err(e) => {
            log::warn!("cannot listen for SIGTERM ({e}); only SIGINT stops the service");
            let _ = actix_web::rt::signal::ctrl_c().await;
            return "SIGINT";
        }
    };
    let interrupt = std::pin::pin!(actix_web::rt::signal::ctrl_c());
    let terminated = std::pin::pin!(terminate.recv());
    match futures_util::future::select(terminated, interrupt).await {
        futures_util::future::Either::Left(_) => "SIGTERM",
        futures_util::future::Either::Right(_) => "SIGINT",
    }
}

/// While no administrator exists (whatever other users were added before), the first one:
/// with `PERFEVAL_ADMIN_PASSWORD`, or with a generated password printed once to standard
/// output (never to the log).
fn ensure_admin(store: &Store, settings: &Settings) -> Result<(), StartupError> {
    let database = |source| StartupError::Database {
        database: settings.database_for_log(),
        source,
    };
    if store.admin_count().map_err(database)? > 0 {
        return Ok(());
    }
    let username = settings
        .admin_user
        .parse()
        .map_err(|e| StartupError::Configuration(format!("PERFEVAL_ADMIN_USER: {e}")))?;
    let (password, generated) = match &settings.admin_password {
        Some(password) => (password.expose().to_owned(), false),
        None => (
            random_hex().map_err(|e| database(StoreError::caused("no randomness", e)))?[..24]
                .to_owned(),
            true,
        ),
    };
    let password = Password::try_from(password)
        .map_err(|e| StartupError::Configuration(format!("PERFEVAL_ADMIN_PASSWORD: {e}")))?;
    let admin = NewUser {
        username,
        password: password.clone(),
        role: Role::Admin,
        department: None,
    };
    let admin = store.create_user(admin, None).map_err(database)?;
    log::info!("created the first administrator, {}", admin.username);
    if generated {
        println!(
            "\nThe first administrator is `{name}` with the password\n\n    {password}\n\n\
             It is shown this once: keep it, or change it with `{command} user set-password {name}`.\n",
            command = command_as_run(),
            name = admin.username,
            password = password.expose(),
        );
    }
    Ok(())
}

/// How this binary is started, for telling people which command to type next: under
/// `cargo run` (which sets `CARGO` for the process it runs) that is cargo's command.
pub fn command_as_run() -> &'static str {
    match (std::env::var_os("CARGO").is_some(), cfg!(debug_assertions)) {
        (true, true) => "cargo run --",
        (true, false) => "cargo run --release --",
        (false, _) => "perfeval",
    }
}

/// How long, after SIGTERM or SIGINT, connections are still accepted and answered: the
/// requests clients had already sent, waiting in the listen queue, get answers rather than a
/// closed connection.
const DRAIN: Duration = Duration::from_secs(1);

/// How long, once the listener takes no new connection, the server goes on accepting those the
/// kernel had already queued before it stops accepting.
const EMPTY_QUEUE: Duration = Duration::from_millis(300);

/// Makes the listening socket take no new connection while those already queued can still be
/// accepted: a socket filter that drops every packet to the listener. A client that connects
/// from now on gets no handshake; its next attempt (a second later) finds the listener closed
/// and is refused. Without it, closing the listener would reset the connections still queued,
/// after their clients had sent their requests. The filter is the kernel's (classic BPF), so
/// Linux only; elsewhere the queue is closed as before.
fn refuse_new_connections(listener: std::os::fd::RawFd) {
    #[cfg(target_os = "linux")]
    {
        // One instruction: return 0, i.e. keep none of the packet.
        let drop_all = [libc::sock_filter {
            code: 0x06, // BPF_RET | BPF_K
            jt: 0,
            jf: 0,
            k: 0,
        }];
        let program = libc::sock_fprog {
            len: 1,
            filter: drop_all.as_ptr().cast_mut(),
        };
        // SAFETY: `listener` is the open listening socket of the server, which is not closed
        // before the server stops; the kernel copies the program, which lives through the call.
        let set = unsafe {
            libc::setsockopt(
                listener,
                libc::SOL_SOCKET,
                libc::SO_ATTACH_FILTER,
                std::ptr::from_ref(&program).cast(),
                u32::try_from(std::mem::size_of::<libc::sock_fprog>()).unwrap_or(u32::MAX),
            )
        };
        if set != 0 {
            log::warn!(
                "cannot stop new connections before the queue is emptied: {}",
                std::io::Error::last_os_error()
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = listener;
}

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    /// The listening socket, open until the server stops.
    listener: std::os::fd::RawFd,
    server: Server,
    stopping: Stopping,
    shutdown_timeout: u64,
    /// Held while the server runs: no second server opens the same SQLite file.
    claim: Option<ServerClaim>,
    metrics: Option<MetricsListener>,
}

impl Application {
    /// Checks the settings, opens the database, runs pending migrations, creates the first
    /// administrator on an empty database, and binds the listener.
    pub fn build(settings: &Settings) -> Result<Self, StartupError> {
        let authenticator = authenticator(settings)?;
        let origins =
            allowed_origins(&settings.cors_origins).map_err(StartupError::Configuration)?;
        let database = |source| StartupError::Database {
            database: settings.database_for_log(),
            source,
        };
        let claim = claim_for_server(&settings.database_url).map_err(database)?;
        let store = Store::connect_with(
            &settings.database_url,
            settings.pool_size,
            settings.limits.store_waits(true),
        )
        .with_document_limit(usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX));
        let applied = store.migrate().map_err(database)?;
        log::info!(
            "database {} ready ({applied} migration(s) applied)",
            settings.database_for_log()
        );
        ensure_admin(&store, settings)?;
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Listen {
            bind: settings.bind.to_string(),
            source,
        })?;
        // One read model for the API's workers and the metrics listener that reports on it.
        let read_model = Arc::new(ReadModel::default());
        let metrics = settings
            .metrics_bind
            .map(|bind| {
                MetricsListener::bind(bind, store.clone(), read_model.clone()).map_err(|source| {
                    StartupError::Listen {
                        bind: format!("{bind} (PERFEVAL_METRICS_BIND)"),
                        source,
                    }
                })
            })
            .transpose()?;
        let mut application = Self::serve(
            listener,
            (store, read_model),
            authenticator,
            origins,
            settings,
        )?;
        application.claim = claim;
        application.metrics = metrics;
        Ok(application)
    }

    fn serve(
        listener: TcpListener,
        (store, read_model): (Store, Arc<ReadModel>),
        authenticator: Authenticator,
        origins: Vec<String>,
        settings: &Settings,
    ) -> Result<Self, StartupError> {
        let listen_error = |source| StartupError::Listen {
            bind: settings.bind.to_string(),
            source,
        };
        let port = listener.local_addr().map_err(listen_error)?.port();
        let listener_fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
        let store = web::Data::new(store);
        let authenticator = web::Data::new(authenticator);
        // One limiter for all workers, so that a burst is counted whichever worker takes it.
        let limiter = web::Data::new(LoginLimiter::default());
        let audit_policy = web::Data::new(AuditPolicy::new(settings.audit_retention_days));
        let login_origins = web::Data::new(LoginOrigins(origins.clone()));
        let body_limit = BodyLimit(usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX));
        let body_deadline = BodyDeadline(settings.limits.body_timeout());
        let openapi = api::openapi();
        let routes = web::Data::new(api::Routes::of(&openapi));
        let file_routes = web::Data::new(api::representations::FileRoutes::of(&openapi));
        let document = web::Data::new(
            api::OpenApiDocument::of(&openapi)
                .map_err(|e| StartupError::Configuration(format!("the OpenAPI document: {e}")))?,
        );
        drop(openapi);
        let read_model = web::Data::from(read_model);
        let stopping = Stopping::default();
        let stopping_data = web::Data::new(stopping.clone());
        let limits = &settings.limits;
        let clients = crate::api::clients::ClientConnections::new(
            limits.max_connections_per_client,
            crate::api::clients::Pressure::of(
                usize::try_from(limits.max_connections)
                    .unwrap_or(usize::MAX)
                    .saturating_mul(workers(settings)),
                limits.pressure_percent,
                Duration::from_secs(limits.pressed_idle_timeout),
            ),
        );
        let mut server = HttpServer::new(move || {
            // The document and its UI come before the `/api/v1` scope, which would take the path.
            let app = App::new()
                .wrap(from_fn(api::representations::middleware))
                .wrap(from_fn(refused_credentials))
                .wrap(from_fn(close_when_stopping))
                .wrap(from_fn(api::json_ends_with_newline))
                .wrap(cors(&origins))
                .wrap(from_fn(security_headers))
                .wrap(from_fn(api::language::middleware))
                .wrap(from_fn(api::request_id::middleware))
                .wrap(from_fn(count_requests))
                .wrap(from_fn(crate::api::clients::busy))
                .app_data(stopping_data.clone())
                .app_data(store.clone())
                .app_data(authenticator.clone())
                .app_data(limiter.clone())
                .app_data(audit_policy.clone())
                .app_data(login_origins.clone())
                .app_data(body_limit)
                .app_data(body_deadline)
                .app_data(query_config())
                .app_data(routes.clone())
                .app_data(file_routes.clone())
                .app_data(read_model.clone())
                .app_data(document.clone())
                .service(
                    SwaggerUi::new("/docs/{_:.*}").config(Config::new([OPENAPI_DOCUMENT_PATH])),
                )
                .route(OPENAPI_DOCUMENT_PATH, web::get().to(api::openapi_document))
                .route("/docs", web::get().to(api::to_docs));
            let app = api::register(app).0.default_service(web::to(api::no_route));
            // Registering writes the document's parts again in each worker; give back what
            // that left behind.
            crate::memory::give_back();
            app
        })
        .on_connect(move |connection, data| clients.on_connect(connection, data))
        .client_request_timeout(limits.header_timeout())
        // A client that closes its side has gone: its request's future is dropped then, and
        // the work it started stops (a workbook being read checks). Clients do not half-close
        // a connection to wait for an answer.
        .h1_allow_half_closed(false)
        .max_connections(usize::try_from(limits.max_connections).unwrap_or(usize::MAX))
        .worker_max_blocking_threads(usize::from(limits.blocking_threads))
        .shutdown_timeout(limits.shutdown_timeout)
        // Signals are handled by `run_until_signalled`, which first drains the listen queue.
        .disable_signals()
        .listen(listener)
        .map_err(listen_error)?;
        if let Some(workers) = settings.workers {
            server = server.workers(usize::from(workers));
        }
        Ok(Self {
            port,
            listener: listener_fd,
            server: server.run(),
            stopping,
            shutdown_timeout: limits.shutdown_timeout,
            claim: None,
            metrics: None,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics listener, when `PERFEVAL_METRICS_BIND` asks for one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsListener::port)
    }

    /// Runs until SIGTERM or SIGINT; then answers what comes for a moment (`DRAIN`), takes no
    /// new connection but accepts those queued (`EMPTY_QUEUE`), stops accepting, and gives the
    /// requests under way `PERFEVAL_SHUTDOWN_TIMEOUT` to finish.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let stopping = self.stopping.clone();
        let grace = self.shutdown_timeout;
        let listener = self.listener;
        actix_web::rt::spawn(async move {
            let signal = stop_signal().await;
            log::info!(
                "{signal}: answering what is queued for {} s, then finishing the requests under way within {grace} s",
                DRAIN.as_secs()
            );
            stopping.set();
            actix_web::rt::time::sleep(DRAIN).await;
            refuse_new_connections(listener);
            actix_web::rt::time::sleep(EMPTY_QUEUE).await;
            handle.stop(true).await;
        });
        self.run_until_stopped().await
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stopped = match self.metrics {
            Some(metrics) => metrics.serve_until(self.server).await,
            None => self.server.await,
        };
        drop(self.claim);
        stopped
    }
}
