//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use crate::store::Store;

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

/// The database answers a query: the service can do its work. Roles: anyone.
#[utoipa::path(tag = "health", security(()), responses(
    (status = 200, description = "Ready", body = Health),
    (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    web::block(move || store.ping()).await??;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}
