//! `/comparisons/grades` — how the year's units are spread over the grades.

use crate::api::responses::{InvalidQuery, TableNotModified, Unauthenticated};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::deviations::YearQuery;
use super::{GRADE, UNITS, column, from_year_table};
use crate::api::error::ApiError;
use crate::api::export::{Cell, Column, Vocabulary, answer, json_text, negotiate};
use crate::app::Store;
use crate::domain::access::Caller;
use crate::domain::comparison::{UnitYear, grade_distribution};
use crate::domain::values::FiscalYear;

/// How many units have each grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeRow {
    /// `excellent` 优, `good` 良, `fair` 中, `poor` 差, or `ungraded` (no computable score).
    pub grade: String,
    pub units: usize,
}

fn grade_columns() -> Vec<Column<GradeRow>> {
    vec![
        column(GRADE, |r| Cell::Named {
            code: Some(r.grade.as_str()),
            names: Vocabulary::Grade,
        }),
        column(UNITS, |r| Cell::Integer(i64::try_from(r.units).ok())),
    ]
}

#[derive(Serialize, ToSchema)]
pub struct GradeDistribution<'a> {
    pub year: FiscalYear,
    pub items: &'a [GradeRow],
}

/// The distribution of the year's grades (computed scores), read from the year's table with
/// its ETag. Also as CSV or XLSX. Roles:
/// admin, reviewer, analyst; unit (its own department and subordinate units only).
#[utoipa::path(operation_id = "compare_grades", tag = "comparisons", params(YearQuery, ("If-None-Match" = Option<String>, Header, description = "The ETag of the answer the client holds")), responses(
    (status = 200, description = "The distribution", body = GradeDistribution, headers(("ETag" = String, description = "A validator of this answer: it changes when the year's data changes"))),
    TableNotModified, Unauthenticated, InvalidQuery,
))]
#[get("/comparisons/grades")]
pub async fn grades(
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
        let units: Vec<&UnitYear> = table.table.lines.iter().map(|line| &line.unit).collect();
        let (counts, ungraded) = grade_distribution(&units);
        let mut rows: Vec<GradeRow> = counts
            .into_iter()
            .map(|(grade, units)| GradeRow {
                grade: grade.as_str().to_owned(),
                units,
            })
            .collect();
        rows.push(GradeRow {
            grade: "ungraded".to_owned(),
            units: ungraded,
        });
        answer(
            format,
            query.lang.unwrap_or_default(),
            ("grades", "等级分布"),
            grade_columns(),
            rows,
            |rows| json_text(&GradeDistribution { year, items: rows }),
        )
    })
    .await
}
