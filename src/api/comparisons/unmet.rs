//! `/comparisons/unmet-goals` — goals a unit missed in consecutive years.

use crate::api::responses::{InvalidQuery, Unauthenticated};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{DEPARTMENT_CODE, column};
use crate::api::error::ApiError;
use crate::api::export::{
    Cell, Column, Format, Lang, answer, json_text, negotiate, off_the_workers,
};
use crate::app;
use crate::app::Store;
use crate::domain::access::Caller;
use crate::domain::values::FiscalYear;
use crate::domain::{FieldError, Invalid};

/// A goal a unit missed in consecutive years.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnmetGoalRow {
    pub department_code: String,
    /// The indicator's name (三级指标) and unit, which match it across years.
    pub indicator: String,
    pub unit: String,
    /// The consecutive years it was missed, oldest first.
    pub years: Vec<i32>,
    pub consecutive_years: usize,
    /// Its attainment in each of those years (%).
    pub attainments: Vec<Option<String>>,
}

fn unmet_columns() -> Vec<Column<UnmetGoalRow>> {
    vec![
        column(DEPARTMENT_CODE, |r| {
            Cell::Text(Some(r.department_code.as_str()))
        }),
        column(("Indicator", "指标名称"), |r| {
            Cell::Text(Some(r.indicator.as_str()))
        }),
        column(("Unit of measure", "计量单位"), |r| {
            Cell::Text(Some(r.unit.as_str()))
        }),
        column(("Consecutive years missed", "连续未完成年数"), |r| {
            Cell::Integer(i64::try_from(r.consecutive_years).ok())
        }),
        column(("Years", "年度"), |r| {
            Cell::List(r.years.iter().map(i32::to_string).collect())
        }),
        column(("Attainment (%)", "完成率（%）"), |r| {
            Cell::List(
                r.attainments
                    .iter()
                    .map(|a| a.clone().unwrap_or_default())
                    .collect(),
            )
        }),
    ]
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnmetGoalsQuery {
    /// How many consecutive years a goal must have been missed, 1 to 20 (default 2).
    #[param(minimum = 1, maximum = 20)]
    pub years: Option<usize>,
    /// The last year looked at (default: the latest year with an evaluation).
    pub to: Option<FiscalYear>,
    /// The first year looked at (default: four years before `to`).
    pub from: Option<FiscalYear>,
    pub format: Option<Format>,
    pub lang: Option<Lang>,
}

#[derive(Serialize, ToSchema)]
pub struct UnmetGoals<'a> {
    pub years: usize,
    pub from: i32,
    pub to: i32,
    pub items: &'a [UnmetGoalRow],
}

/// Indicators missed in at least `years` consecutive years (matched within a unit by name and
/// unit of measure), each with its longest run. Also as CSV or XLSX. Roles: admin, reviewer,
/// analyst; unit (its own department and subordinate units only).
#[utoipa::path(operation_id = "compare_unmet_goals", tag = "comparisons", params(UnmetGoalsQuery), responses(
    (status = 200, description = "The goals missed", body = UnmetGoals),
    Unauthenticated, InvalidQuery,
))]
#[get("/comparisons/unmet-goals")]
pub async fn unmet(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<UnmetGoalsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let at_least = query.years.unwrap_or(2);
    if !(1..=20).contains(&at_least) {
        return Err(ApiError::InvalidParameters(vec![FieldError::new(
            "years",
            Invalid::between(1, 20),
        )]));
    }
    let format = negotiate(&req, query.format);
    off_the_workers(move || {
        let (from, to, goals) =
            app::comparisons::unmet(&store, &caller, query.from, query.to, at_least)?;
        let rows: Vec<UnmetGoalRow> = goals
            .into_iter()
            .map(|goal| UnmetGoalRow {
                department_code: goal.department_code,
                indicator: goal.name,
                unit: goal.unit,
                consecutive_years: goal.years.len(),
                years: goal.years,
                attainments: goal
                    .attainments
                    .iter()
                    .map(|a| a.map(|d| d.normalize().to_string()))
                    .collect(),
            })
            .collect();
        answer(
            format,
            query.lang.unwrap_or_default(),
            ("unmet-goals", "未完成指标"),
            unmet_columns(),
            rows,
            |rows| {
                json_text(&UnmetGoals {
                    years: at_least,
                    from,
                    to,
                    items: rows,
                })
            },
        )
    })
    .await
}
