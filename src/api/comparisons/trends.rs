//! `/comparisons/trends` — a unit's figures, or the district's, year by year.

use crate::api::responses::{InvalidQuery, Unauthenticated};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    ADJUSTMENT_RATE, EXECUTION_RATE, FINDINGS_COUNT, GRADE, INDICATORS_MET_SHARE, PROBLEMS_COUNT,
    STAFFING_CONTROL_RATE, THREE_PUBLIC_ACTUAL, THREE_PUBLIC_CHANGE_RATE, TOTAL_ADJUSTED,
    TOTAL_EXECUTED, TOTAL_INITIAL, UNITS, column, rate,
};
use crate::api::error::{ApiError, Problem};
use crate::api::export::{
    Cell, Column, Format, Lang, Vocabulary, answer, json_text, negotiate, off_the_workers,
};
use crate::app;
use crate::app::Store;
use crate::app::comparisons::ReadModel;
use crate::domain::access::Caller;
use crate::domain::figures::{Exact, Percent};
use crate::domain::report::Grade;
use crate::domain::values::{FiscalYear, UnitCode};

/// One year of a series: a unit's, or the district's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendRow {
    pub year: i32,
    /// How many units the year covers (1 for a unit's series).
    pub units: usize,
    pub total_initial: Option<Exact>,
    pub total_adjusted: Option<Exact>,
    pub total_executed: Option<Exact>,
    pub execution_rate: Option<Percent>,
    pub adjustment_rate: Option<Percent>,
    pub three_public_actual: Option<Exact>,
    pub three_public_change_rate: Option<Percent>,
    pub staffing_control_rate: Option<Percent>,
    /// The unit's score, or the district's median score.
    pub score: Option<Exact>,
    /// The unit's grade (none for the district).
    pub grade: Option<Grade>,
    pub indicators_met_share: Option<Percent>,
    pub findings_count: i64,
    pub problems_count: i64,
}

fn trend_columns() -> Vec<Column<TrendRow>> {
    vec![
        column(("Year", "年度"), |r| Cell::Integer(Some(r.year.into()))),
        column(UNITS, |r| Cell::Integer(i64::try_from(r.units).ok())),
        column(TOTAL_INITIAL, |r| {
            Cell::Decimal(r.total_initial.map(|e| e.0))
        }),
        column(TOTAL_ADJUSTED, |r| {
            Cell::Decimal(r.total_adjusted.map(|e| e.0))
        }),
        column(TOTAL_EXECUTED, |r| {
            Cell::Decimal(r.total_executed.map(|e| e.0))
        }),
        column(EXECUTION_RATE, |r| rate(r.execution_rate)),
        column(ADJUSTMENT_RATE, |r| rate(r.adjustment_rate)),
        column(THREE_PUBLIC_ACTUAL, |r| {
            Cell::Decimal(r.three_public_actual.map(|e| e.0))
        }),
        column(THREE_PUBLIC_CHANGE_RATE, |r| {
            rate(r.three_public_change_rate)
        }),
        column(STAFFING_CONTROL_RATE, |r| rate(r.staffing_control_rate)),
        column(("Score", "得分"), |r| Cell::Decimal(r.score.map(|e| e.0))),
        column(GRADE, |r| Cell::Named {
            code: r.grade.map(Grade::as_str),
            names: Vocabulary::Grade,
        }),
        column(INDICATORS_MET_SHARE, |r| rate(r.indicators_met_share)),
        column(FINDINGS_COUNT, |r| Cell::Integer(Some(r.findings_count))),
        column(PROBLEMS_COUNT, |r| Cell::Integer(Some(r.problems_count))),
    ]
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// The unit (单位代码); without it, the district's series over every unit the caller sees.
    pub department: Option<UnitCode>,
    /// The first year (default: four years before `to`).
    pub from: Option<FiscalYear>,
    /// The last year (default: the latest year with an evaluation).
    pub to: Option<FiscalYear>,
    pub format: Option<Format>,
    pub lang: Option<Lang>,
}

#[derive(Serialize, ToSchema)]
pub struct Trend<'a> {
    pub department_code: Option<String>,
    pub from: i32,
    pub to: i32,
    /// One row per year that has data, oldest first.
    pub items: &'a [TrendRow],
}

/// A unit's figures year by year (five years by default), or — without `department` — the
/// district's: sums and the rates of the sums, the median score. Also as CSV or XLSX.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units only).
#[utoipa::path(operation_id = "compare_trends", tag = "comparisons", params(TrendQuery), responses(
    (status = 200, description = "The series", body = Trend),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    Unauthenticated, InvalidQuery,
))]
#[get("/comparisons/trends")]
pub async fn trends(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<TrendQuery>,
    model: web::Data<ReadModel>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let format = negotiate(&req, query.format);
    off_the_workers(move || {
        let (from, to, years) = app::comparisons::trend(
            &store,
            &model,
            &caller,
            query.department.as_ref(),
            query.from,
            query.to,
        )?;
        let rows: Vec<TrendRow> = years
            .into_iter()
            .map(|year| {
                let sums = year.totals;
                TrendRow {
                    year: year.year,
                    units: sums.units,
                    total_initial: sums.total.initial.map(Exact),
                    total_adjusted: sums.total.adjusted.map(Exact),
                    total_executed: sums.total.executed.map(Exact),
                    execution_rate: sums.execution_rate,
                    adjustment_rate: sums.adjustment_rate,
                    three_public_actual: sums.three_public_actual.map(Exact),
                    three_public_change_rate: sums.three_public_change_rate,
                    staffing_control_rate: sums.staffing_control_rate,
                    score: year.score.map(Exact),
                    grade: year.grade,
                    indicators_met_share: sums.indicators_met_share,
                    findings_count: sums.findings_errors + sums.findings_warnings,
                    problems_count: sums.problems_count,
                }
            })
            .collect();
        answer(
            format,
            query.lang.unwrap_or_default(),
            ("trends", "历年趋势"),
            trend_columns(),
            rows,
            |rows| {
                json_text(&Trend {
                    department_code: query.department.map(String::from),
                    from,
                    to,
                    items: rows,
                })
            },
        )
    })
    .await
}
