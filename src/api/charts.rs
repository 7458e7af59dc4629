//! `/public/charts/…` and `/public/departments/{code}/charts/trend` — charts of the published
//! reports as SVG, for the portal to embed. Only published reports are drawn.

use crate::api::responses::InvalidQuery;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::extract::path_parameter;
use super::publishing::PAGE_POLICY;
use crate::domain::evaluation::Evaluation;
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::presentation::charts::{self, UnitRate, YearPoint};
use crate::domain::report::Grade;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::evaluations::EvaluationFilter;
use crate::store::{Store, StoreError, Window};

pub const SVG: &str = "image/svg+xml";

/// How many years a unit's trend shows.
const TREND_YEARS: i64 = 5;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    /// The fiscal year.
    pub year: FiscalYear,
}

/// The published reports that match, every page of them, with their units' names.
pub(super) fn published(
    store: &Store,
    filter: &EvaluationFilter,
    most: Option<i64>,
) -> Result<Vec<(String, Evaluation)>, StoreError> {
    let mut found = Vec::new();
    let mut offset = 0;
    loop {
        let page = store.list_evaluations(filter, Window { limit: 500, offset })?;
        let count = page.items.len();
        for summary in page.items {
            let name = store
                .department(&summary.department_code)?
                .department
                .name
                .as_str()
                .to_owned();
            found.push((
                name,
                store.evaluation(&summary.department_code, summary.year)?,
            ));
        }
        offset += i64::try_from(count).unwrap_or(i64::MAX);
        let enough = most.is_some_and(|most| offset >= most);
        if count == 0 || offset >= page.total || enough {
            break;
        }
    }
    if let Some(most) = most {
        found.truncate(usize::try_from(most).unwrap_or(usize::MAX));
    }
    Ok(found)
}

pub(super) fn published_in(
    year: FiscalYear,
    department_code: Option<UnitCode>,
) -> EvaluationFilter {
    EvaluationFilter {
        year: Some(year),
        department_code,
        status: Some(EvaluationStatus::Published),
        within: None,
    }
}

fn svg(text: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(SVG)
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .body(text)
}

fn drawn(result: Result<String, String>) -> Result<String, ApiError> {
    result.map_err(ApiError::internal)
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
    let text = super::request_id::block(move || {
        let units: Vec<UnitRate> = published(&store, &published_in(year, None), None)?
            .into_iter()
            .filter_map(|(name, record)| {
                let rate = record.report.derived_figures().total.execution_rate?;
                Some(UnitRate {
                    name,
                    rate: rate.value().to_f64()?,
                })
            })
            .collect();
        drawn(charts::execution_rates(i32::from(year), &units))
    })
    .await??;
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
    let text = super::request_id::block(move || {
        let weights = store.year_settings(year)?.weights;
        let mut counts: Vec<(Option<Grade>, u32)> = [
            Some(Grade::Excellent),
            Some(Grade::Good),
            Some(Grade::Fair),
            Some(Grade::Poor),
            None,
        ]
        .into_iter()
        .map(|grade| (grade, 0))
        .collect();
        for (_, record) in published(&store, &published_in(year, None), None)? {
            let grade = record
                .report
                .scorecard(&weights, record.approved_goals.as_ref())
                .grade;
            if let Some(entry) = counts.iter_mut().find(|(g, _)| *g == grade) {
                entry.1 += 1;
            }
        }
        drawn(charts::grades(i32::from(year), &counts))
    })
    .await??;
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
    let text = super::request_id::block(move || {
        let filter = EvaluationFilter {
            year: None,
            department_code: Some(code.clone()),
            status: Some(EvaluationStatus::Published),
            within: None,
        };
        let years = published(&store, &filter, Some(TREND_YEARS))?;
        let Some((name, _)) = years.first() else {
            return Err(ApiError::NotFound(format!(
                "a published evaluation of department {code}"
            )));
        };
        let name = name.clone();
        let mut points = years
            .into_iter()
            .map(|(_, record)| {
                let year = record.summary.year;
                let weights = store.year_settings(year)?.weights;
                let scorecard = record
                    .report
                    .scorecard(&weights, record.approved_goals.as_ref());
                Ok(YearPoint {
                    year: i32::from(year),
                    rate: scorecard
                        .figures
                        .total
                        .execution_rate
                        .and_then(|r| r.value().to_f64()),
                    score: scorecard.total.and_then(|s| s.value().to_f64()),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        points.sort_by_key(|p| p.year);
        drawn(charts::trend(&name, &points))
    })
    .await??;
    Ok(svg(text))
}
