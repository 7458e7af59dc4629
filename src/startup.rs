//! Builds the server apart from running it, so that tests start it on port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::Logger;
use actix_web::{App, HttpServer, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::api::extract::{BodyLimit, query_config};
use crate::config::Settings;
use crate::store::{Store, StoreError};

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
}

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Opens the database, runs pending migrations and binds the listener.
    pub fn build(settings: &Settings) -> Result<Self, StartupError> {
        let database = settings.database_for_log();
        let store =
            Store::connect(&settings.database_url, settings.pool_size).map_err(|source| {
                StartupError::Database {
                    database: database.clone(),
                    source,
                }
            })?;
        let applied = store.migrate().map_err(|source| StartupError::Database {
            database: database.clone(),
            source,
        })?;
        log::info!("database {database} ready ({applied} migration(s) applied)");
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Listen {
            bind: settings.bind.to_string(),
            source,
        })?;
        Self::serve(listener, store, settings)
    }

    fn serve(
        listener: TcpListener,
        store: Store,
        settings: &Settings,
    ) -> Result<Self, StartupError> {
        let listen_error = |source| StartupError::Listen {
            bind: settings.bind.to_string(),
            source,
        };
        let port = listener.local_addr().map_err(listen_error)?.port();
        let store = web::Data::new(store);
        let body_limit = BodyLimit(usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX));
        let openapi = api::openapi();
        let mut server = HttpServer::new(move || {
            // The document and its UI come before the `/api/v1` scope, which would take the path.
            let app = App::new()
                .wrap(Logger::new(r#"%a "%r" %s %b %Dms"#))
                .app_data(store.clone())
                .app_data(body_limit)
                .app_data(query_config())
                .service(
                    SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi.clone()),
                )
                .route("/docs", web::get().to(api::to_docs));
            api::register(app).0.default_service(web::to(api::no_route))
        })
        .listen(listener)
        .map_err(listen_error)?;
        if let Some(workers) = settings.workers {
            server = server.workers(usize::from(workers));
        }
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
