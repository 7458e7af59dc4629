//! `GET /metrics` for Prometheus, on a listener of its own (`PERFEVAL_METRICS_BIND`, off by
//! default): the API's listener never answers it, so that who may read the service's traffic
//! and the collection's progress is decided by where the metrics listener is bound (loopback,
//! a monitoring network), not by a credential every scraper must hold. The middleware here
//! counts every request of the API by its route template.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::app;
use crate::app::Store;
use crate::app::comparisons::ReadModel;
use crate::metrics::{self, ReportLabels, UNMATCHED_ROUTE};

/// The OpenMetrics text format, which Prometheus asks for first.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Blocking threads of the metrics listener: a scrape reads the database once.
const SCRAPE_THREADS: usize = 2;

/// Middleware: counts each answered request by method, route template (the pattern that
/// matched, such as `/api/v1/departments/{code}`; `unmatched` when none did, so that probes
/// of random paths add no series) and status, and times it to its answer's headers.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let answered = next.call(req).await;
    let (route, status) = match &answered {
        Ok(response) => (
            response.request().match_pattern(),
            response.status().as_u16(),
        ),
        Err(error) => (None, error.as_response_error().status_code().as_u16()),
    };
    metrics::request_answered(
        method.as_str(),
        route.as_deref().unwrap_or(UNMATCHED_ROUTE),
        status,
        started.elapsed(),
    );
    answered
}

/// The metrics, with the reports of the latest years counted by year and state as the
/// database has them now. When the database cannot say, the rest is answered without them.
async fn scrape(store: web::Data<Store>, model: web::Data<ReadModel>) -> HttpResponse {
    let store = store.into_inner();
    let counted = super::request_id::block(move || app::progress::report_counts(&store)).await;
    let reports = counted
        .map_err(|e| e.to_string())
        .and_then(|counts| counts.map_err(|e| e.to_string()))
        .unwrap_or_else(|why| {
            log::warn!("metrics: the reports could not be counted: {why}");
            Vec::new()
        });
    let reports = reports.into_iter().map(|(year, state, count)| {
        let labels = ReportLabels {
            year,
            state: state.as_str().to_owned(),
        };
        (labels, count)
    });
    HttpResponse::Ok()
        .content_type(OPENMETRICS)
        .body(metrics::encode(reports, model.table_counts()))
}

/// The metrics listener: bound, not yet running.
pub struct MetricsListener {
    port: u16,
    server: Server,
}

impl MetricsListener {
    /// Binds `bind` and serves `GET /metrics` there (404 for anything else), on one worker of
    /// its own so that a scrape is answered even while the API's workers are all busy.
    pub fn bind(bind: SocketAddr, store: Store, model: Arc<ReadModel>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind)?;
        let port = listener.local_addr()?.port();
        if !bind.ip().is_loopback() {
            log::warn!(
                "metrics are served on {bind}, beyond this host: make sure only the monitoring \
                 system can reach that address"
            );
        }
        let store = web::Data::new(store);
        let model = web::Data::from(model);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(store.clone())
                .app_data(model.clone())
                .route("/metrics", web::get().to(scrape))
                .default_service(web::to(HttpResponse::NotFound))
        })
        .workers(1)
        .worker_max_blocking_threads(SCRAPE_THREADS)
        .disable_signals()
        .listen(listener)?
        .run();
        log::info!("metrics at http://{bind}/metrics");
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves scrapes until `until` ends (the API's server stops), then stops.
    pub async fn serve_until<T>(self, until: impl Future<Output = T>) -> T {
        let handle = self.server.handle();
        actix_web::rt::spawn(self.server);
        let ended = until.await;
        handle.stop(false).await;
        ended
    }
}
