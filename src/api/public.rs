//! `/public` — what anyone may read: the published reports.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::evaluations::{EvaluationList, EvaluationMeta, EvaluationView};
use super::extract::{EvaluationKey, window};
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::Store;
use crate::store::evaluations::EvaluationFilter;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// Only this fiscal year.
    pub year: Option<FiscalYear>,
    /// Only this department (单位代码).
    pub department: Option<UnitCode>,
    /// How many to answer, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// How many to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The published self-evaluations, newest year first. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(PublicQuery), responses(
    (status = 200, description = "A page of published evaluations", body = EvaluationList),
    (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/evaluations")]
pub async fn list_published(
    store: web::Data<Store>,
    query: web::Query<PublicQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let window = window(query.limit, query.offset)?;
    let filter = EvaluationFilter {
        year: query.year,
        department_code: query.department,
        status: Some(EvaluationStatus::Published),
        within: None,
    };
    let page = web::block(move || store.list_evaluations(&filter, window)).await??;
    Ok(HttpResponse::Ok().json(EvaluationList {
        items: page.items.iter().map(EvaluationMeta::from).collect(),
        total: page.total,
        limit: window.limit,
        offset: window.offset,
    }))
}

/// One published self-evaluation, whole. What is not published is not found. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
    ("code" = UnitCode, Path, description = "单位代码"),
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "The published evaluation", body = EvaluationView),
    (status = 404, description = "No such published evaluation", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/departments/{code}/evaluations/{year}")]
pub async fn get_published(
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let not_published = || {
        ApiError::NotFound(format!(
            "a published {} evaluation of department {}",
            key.year, key.code
        ))
    };
    let record = match web::block({
        let (code, year) = (key.code.clone(), key.year);
        move || store.evaluation(&code, year)
    })
    .await?
    {
        Ok(record) if record.summary.status == EvaluationStatus::Published => record,
        Ok(_) | Err(crate::store::StoreError::NotFound(_)) => return Err(not_published()),
        Err(other) => return Err(other.into()),
    };
    Ok(HttpResponse::Ok().json(EvaluationView {
        meta: (&record.summary).into(),
        report: record.report,
    }))
}
