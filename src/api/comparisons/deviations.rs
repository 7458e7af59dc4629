//! `/comparisons/deviation` — execution against the approved budget, in PEFA-style bands.

use crate::api::responses::{InvalidQuery, TableNotModified, Unauthenticated};
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{DEPARTMENT_CODE, DEPARTMENT_NAME, column, from_year_table};
use crate::api::error::ApiError;
use crate::api::export::{Cell, Column, Format, Lang, Vocabulary, answer, json_text, negotiate};
use crate::app::Store;
use crate::domain::access::Caller;
use crate::domain::comparison::{DeviationBand, compare_missing_last, deviation};
use crate::domain::figures::{Exact, Percent};
use crate::domain::values::FiscalYear;

/// One unit's execution against its approved budget.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviationRow {
    pub department_code: String,
    pub department_name: String,
    /// 年初预算 — the approved budget (万元).
    pub total_initial: Option<Exact>,
    pub total_executed: Option<Exact>,
    /// (executed − initial) ÷ initial (%).
    pub deviation: Option<Percent>,
    pub band: DeviationBand,
}

fn deviation_columns() -> Vec<Column<DeviationRow>> {
    vec![
        column(DEPARTMENT_CODE, |r| {
            Cell::Text(Some(r.department_code.as_str()))
        }),
        column(DEPARTMENT_NAME, |r| {
            Cell::Text(Some(r.department_name.as_str()))
        }),
        column(
            ("Approved budget (10k CNY)", "年初预算（万元）"),
            |r| Cell::Decimal(r.total_initial.map(|e| e.0)),
        ),
        column(("Executed (10k CNY)", "执行数（万元）"), |r| {
            Cell::Decimal(r.total_executed.map(|e| e.0))
        }),
        column(("Deviation (%)", "偏离度（%）"), |r| {
            Cell::Decimal(r.deviation.map(Percent::value))
        }),
        column(("Band", "区间"), |r| Cell::Named {
            code: Some(r.band.as_str()),
            names: Vocabulary::Band,
        }),
    ]
}

#[derive(Serialize, ToSchema)]
pub struct Deviation<'a> {
    pub year: FiscalYear,
    /// How many units fall in each band.
    pub bands: BTreeMap<String, usize>,
    /// The units, the largest deviation first (undefined last).
    pub items: &'a [DeviationRow],
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: FiscalYear,
    pub format: Option<Format>,
    pub lang: Option<Lang>,
}

/// The units of a year in PEFA-style bands of execution against the approved (initial)
/// budget: within 5 %, 10 %, 15 %, beyond; the largest deviation first. Also as CSV or XLSX;
/// read from the year's table, with its ETag.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units only).
#[utoipa::path(operation_id = "compare_deviation", tag = "comparisons", params(YearQuery, ("If-None-Match" = Option<String>, Header, description = "The ETag of the answer the client holds")), responses(
    (status = 200, description = "The bands", body = Deviation, headers(("ETag" = String, description = "A validator of this answer: it changes when the year's data changes"))),
    TableNotModified, Unauthenticated, InvalidQuery,
))]
#[get("/comparisons/deviation")]
pub async fn deviations(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let format = negotiate(&req, query.format);
    let year = query.year;
    let filter = crate::app::comparisons::unit_filter(&caller, None, None, None, None)?;
    from_year_table(store, &req, year, format, (filter, false), move |table| {
        let mut rows: Vec<DeviationRow> = table
            .table
            .lines
            .iter()
            .map(|line| {
                let unit = &line.unit;
                let (deviation, band) = deviation(unit);
                DeviationRow {
                    department_code: unit.department_code.to_string(),
                    department_name: unit.department_name.to_string(),
                    total_initial: unit.total.initial.map(Exact),
                    total_executed: unit.total.executed.map(Exact),
                    deviation,
                    band,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            compare_missing_last(
                &a.deviation.map(|d| d.value().abs()),
                &b.deviation.map(|d| d.value().abs()),
                true,
            )
            .then_with(|| a.department_code.cmp(&b.department_code))
        });
        answer(
            format,
            query.lang.unwrap_or_default(),
            ("deviation", "预算偏离"),
            deviation_columns(),
            rows,
            |rows| {
                let mut bands = BTreeMap::new();
                for row in rows {
                    *bands.entry(row.band.as_str().to_owned()).or_insert(0) += 1;
                }
                json_text(&Deviation {
                    year,
                    bands,
                    items: rows,
                })
            },
        )
    })
    .await
}
