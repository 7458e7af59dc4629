//! Liveness and readiness, for load balancers and orchestrators.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use crate::app::Store;

/// Set when the process is told to stop: every answer from then on closes its connection,
/// and `/readyz` answers 503 so that a load balancer sends no more.
#[derive(Debug, Clone, Default)]
pub struct Stopping(Arc<AtomicBool>);

impl Stopping {
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Middleware: once the process is stopping, every answer closes its connection, so that
/// clients on keep-alive connections go elsewhere for their next request.
pub async fn close_when_stopping(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let stopping = req.app_data::<web::Data<Stopping>>().cloned();
    let mut answer = next.call(req).await?;
    if stopping.is_some_and(|stopping| stopping.is_set()) {
        answer
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(answer)
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`
    pub status: &'static str,
}

/// The process is up and answering. Roles: anyone.
#[utoipa::path(tag = "health", security(()), responses((status = 200, description = "Up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// How long `/readyz` waits for the database before it answers that the database does not
/// answer: a probe gets its answer within a second, whatever the database does.
const READY_WAIT: Duration = Duration::from_millis(800);

/// The database answers a query within 0.8 s and the service is not stopping: it can do its
/// work. Roles: anyone.
#[utoipa::path(tag = "health", security(()), responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "The database does not answer, or the service is stopping", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(
    store: web::Data<Store>,
    stopping: web::Data<Stopping>,
) -> Result<HttpResponse, ApiError> {
    if stopping.is_set() {
        return Err(ApiError::Unavailable(
            "the service is stopping; it answers what it has received".to_owned(),
        ));
    }
    let ping = super::request_id::block(move || crate::app::maintenance::ready(&store, READY_WAIT));
    match actix_web::rt::time::timeout(READY_WAIT, ping).await {
        Ok(answer) => answer??,
        Err(_) => {
            return Err(ApiError::Unavailable(format!(
                "the database did not answer within {} ms",
                READY_WAIT.as_millis()
            )));
        }
    }
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}
