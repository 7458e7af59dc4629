//! `/public/charts/…` and `/public/departments/{code}/charts/trend` — charts of the published
//! reports as SVG, for the portal to embed. Only published reports are drawn.

use crate::api::responses::InvalidQuery;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::extract::path_parameter;
use super::publishing::PAGE_POLICY;
use crate::app;
use crate::app::Store;
use crate::domain::values::{FiscalYear, UnitCode};

pub const SVG: &str = "image/svg+xml";

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    /// The fiscal year.
    pub year: FiscalYear,
}

fn svg(text: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(SVG)
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .body(text)
}

/// 预算执行率 by unit for a year, highest first, with the district median drawn across; of
/// the published reports whose execution rate can be computed. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(ChartQuery), responses(
    (status = 200, description = "The chart", content((String = "image/svg+xml"))),
    InvalidQuery,
))]
#[get("/public/charts/execution-rates")]
pub async fn execution_rate_chart(
    store: web::Data<Store>,
    query: web::Query<ChartQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.year;
    let text =
        super::request_id::block(move || app::public::execution_rate_chart(&store, year)).await??;
    Ok(svg(text))
}

/// How many published reports of a year have each grade (优, 良, 中, 差) by the bureau's
/// scoring, and how many cannot be graded yet. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(ChartQuery), responses(
    (status = 200, description = "The chart", content((String = "image/svg+xml"))),
    InvalidQuery,
))]
#[get("/public/charts/grades")]
pub async fn grade_chart(
    store: web::Data<Store>,
    query: web::Query<ChartQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.year;
    let text = super::request_id::block(move || app::public::grade_chart(&store, year)).await??;
    Ok(svg(text))
}

/// A unit's execution rate and score over its latest five published years, oldest first.
/// A unit with no published report is not found. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
    ("code" = UnitCode, Path, description = "单位代码"),
), responses(
    (status = 200, description = "The chart", content((String = "image/svg+xml"))),
    (status = 404, description = "No published evaluation of the department", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/departments/{code}/charts/trend")]
pub async fn trend_chart(
    req: HttpRequest,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let code = path_parameter::<UnitCode>(&req, "code")?;
    let text = super::request_id::block(move || app::public::trend_chart(&store, &code)).await??;
    Ok(svg(text))
}
