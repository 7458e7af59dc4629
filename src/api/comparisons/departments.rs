//! `/comparisons/departments` — the units of a year side by side: the year's table computed
//! once per change of its data, sliced into pages, sorted by any column (each order computed
//! once), streamed as CSV or written as XLSX.

use crate::api::responses::{InvalidQuery, TableNotModified, Unauthenticated};
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    ADJUSTMENT_RATE, DEPARTMENT_CODE, DEPARTMENT_NAME, EXECUTION_RATE, FINDINGS_COUNT, GRADE,
    INDICATORS_MET_SHARE, PROBLEMS_COUNT, STAFFING_CONTROL_RATE, SortOrder, THREE_PUBLIC_ACTUAL,
    THREE_PUBLIC_CHANGE_RATE, TOTAL_ADJUSTED, TOTAL_EXECUTED, TOTAL_INITIAL, column,
    from_year_table, rate,
};
use crate::api::error::ApiError;
use crate::api::export::{
    Cell, Column, Format, Lang, Rows, Vocabulary, answer, json_text, negotiate,
};
use crate::api::extract::window;
use crate::app::Store;
use crate::app::comparisons::CachedTable;
use crate::domain::access::Caller;
use crate::domain::comparison::Line;
use crate::domain::department::UnitKind;
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::figures::{Exact, Percent};
use crate::domain::names::named_enum;
use crate::domain::report::Grade;
use crate::domain::values::{FiscalYear, UnitCode};

named_enum! {
    /// A column of the units table: what `sort` takes, and the key of the row's field in JSON.
    pub enum DepartmentColumn {
        DepartmentCode = "department_code",
        DepartmentName = "department_name",
        Kind = "kind",
        ParentCode = "parent_code",
        Status = "status",
        BasicInitial = "basic_initial",
        BasicAdjusted = "basic_adjusted",
        BasicExecuted = "basic_executed",
        ProjectInitial = "project_initial",
        ProjectAdjusted = "project_adjusted",
        ProjectExecuted = "project_executed",
        TotalInitial = "total_initial",
        TotalAdjusted = "total_adjusted",
        TotalExecuted = "total_executed",
        ExecutionRate = "execution_rate",
        ExecutionRateRank = "execution_rate_rank",
        AdjustmentRate = "adjustment_rate",
        AdjustmentRateRank = "adjustment_rate_rank",
        ThreePublicBudget = "three_public_budget",
        ThreePublicActual = "three_public_actual",
        ThreePublicPriorActual = "three_public_prior_actual",
        ThreePublicChangeRate = "three_public_change_rate",
        ThreePublicChangeRateRank = "three_public_change_rate_rank",
        StaffingControlRate = "staffing_control_rate",
        StaffingControlRateRank = "staffing_control_rate_rank",
        Score = "score",
        ScoreRank = "score_rank",
        Grade = "grade",
        IndicatorsTotal = "indicators_total",
        IndicatorsMet = "indicators_met",
        IndicatorsMetShare = "indicators_met_share",
        IndicatorsMetShareRank = "indicators_met_share_rank",
        FindingsCount = "findings_count",
        FindingsErrors = "findings_errors",
        ProblemsCount = "problems_count",
    }
}

fn rank(rank: Option<usize>) -> Cell<'static> {
    Cell::Integer(rank.and_then(|r| i64::try_from(r).ok()))
}

impl DepartmentColumn {
    /// The column's headings and the accessor of its cell: the one definition that JSON,
    /// CSV, XLSX and sorting read.
    pub fn column(self) -> Column<Line> {
        match self {
            Self::DepartmentCode => column(DEPARTMENT_CODE, |l| {
                Cell::Text(Some(&l.unit.department_code))
            }),
            Self::DepartmentName => column(DEPARTMENT_NAME, |l| {
                Cell::Text(Some(&l.unit.department_name))
            }),
            Self::Kind => column(("Kind", "单位性质"), |l| Cell::Named {
                code: Some(&l.unit.kind),
                names: Vocabulary::UnitKind,
            }),
            Self::ParentCode => column(("Parent", "上级单位"), |l| {
                Cell::Text(l.unit.parent_code.as_deref())
            }),
            Self::Status => column(("Status", "状态"), |l| Cell::Named {
                code: Some(&l.unit.status),
                names: Vocabulary::Status,
            }),
            Self::BasicInitial => column(
                ("Basic, initial (10k CNY)", "基本支出年初预算（万元）"),
                |l| Cell::Decimal(l.unit.basic.initial),
            ),
            Self::BasicAdjusted => column(
                ("Basic, adjusted (10k CNY)", "基本支出调整预算（万元）"),
                |l| Cell::Decimal(l.unit.basic.adjusted),
            ),
            Self::BasicExecuted => column(
                ("Basic, executed (10k CNY)", "基本支出执行数（万元）"),
                |l| Cell::Decimal(l.unit.basic.executed),
            ),
            Self::ProjectInitial => column(
                ("Projects, initial (10k CNY)", "项目支出年初预算（万元）"),
                |l| Cell::Decimal(l.unit.projects.initial),
            ),
            Self::ProjectAdjusted => column(
                ("Projects, adjusted (10k CNY)", "项目支出调整预算（万元）"),
                |l| Cell::Decimal(l.unit.projects.adjusted),
            ),
            Self::ProjectExecuted => column(
                ("Projects, executed (10k CNY)", "项目支出执行数（万元）"),
                |l| Cell::Decimal(l.unit.projects.executed),
            ),
            Self::TotalInitial => column(TOTAL_INITIAL, |l| Cell::Decimal(l.unit.total.initial)),
            Self::TotalAdjusted => column(TOTAL_ADJUSTED, |l| Cell::Decimal(l.unit.total.adjusted)),
            Self::TotalExecuted => column(TOTAL_EXECUTED, |l| Cell::Decimal(l.unit.total.executed)),
            Self::ExecutionRate => column(EXECUTION_RATE, |l| rate(l.rates.execution)),
            Self::ExecutionRateRank => {
                column(("Execution rate rank", "预算执行率排名"), |l| {
                    rank(l.ranks.execution)
                })
            }
            Self::AdjustmentRate => column(ADJUSTMENT_RATE, |l| rate(l.rates.adjustment)),
            Self::AdjustmentRateRank => {
                column(("Adjustment rate rank", "预算调整率排名"), |l| {
                    rank(l.ranks.adjustment)
                })
            }
            Self::ThreePublicBudget => column(
                ("Three public, budget (10k CNY)", "“三公”经费预算（万元）"),
                |l| Cell::Decimal(l.unit.three_public_budget),
            ),
            Self::ThreePublicActual => column(THREE_PUBLIC_ACTUAL, |l| {
                Cell::Decimal(l.unit.three_public_actual)
            }),
            Self::ThreePublicPriorActual => column(
                (
                    "Three public, prior-year actual (10k CNY)",
                    "“三公”经费上年实际支出（万元）",
                ),
                |l| Cell::Decimal(l.unit.three_public_prior_actual),
            ),
            Self::ThreePublicChangeRate => column(THREE_PUBLIC_CHANGE_RATE, |l| {
                rate(l.rates.three_public_change)
            }),
            Self::ThreePublicChangeRateRank => column(
                ("Three public change rank", "“三公”经费变动率排名"),
                |l| rank(l.ranks.three_public_change),
            ),
            Self::StaffingControlRate => {
                column(STAFFING_CONTROL_RATE, |l| rate(l.rates.staffing_control))
            }
            Self::StaffingControlRateRank => column(
                ("Staffing control rank", "在职人员控制率排名"),
                |l| rank(l.ranks.staffing_control),
            ),
            Self::Score => column(("Score", "自评得分"), |l| Cell::Decimal(l.unit.score)),
            Self::ScoreRank => column(("Score rank", "得分排名"), |l| rank(l.ranks.score)),
            Self::Grade => column(GRADE, |l| Cell::Named {
                code: l.unit.grade.map(Grade::as_str),
                names: Vocabulary::Grade,
            }),
            Self::IndicatorsTotal => column(("Indicators", "指标数"), |l| {
                Cell::Integer(Some(l.unit.indicators_total))
            }),
            Self::IndicatorsMet => column(("Indicators met", "完成指标数"), |l| {
                Cell::Integer(Some(l.unit.indicators_met))
            }),
            Self::IndicatorsMetShare => {
                column(INDICATORS_MET_SHARE, |l| rate(l.rates.indicators_met_share))
            }
            Self::IndicatorsMetShareRank => {
                column(("Indicators met rank", "指标完成率排名"), |l| {
                    rank(l.ranks.indicators_met_share)
                })
            }
            Self::FindingsCount => column(FINDINGS_COUNT, |l| {
                Cell::Integer(Some(l.unit.findings_errors + l.unit.findings_warnings))
            }),
            Self::FindingsErrors => column(("Findings that are errors", "其中错误数"), |l| {
                Cell::Integer(Some(l.unit.findings_errors))
            }),
            Self::ProblemsCount => column(PROBLEMS_COUNT, |l| {
                Cell::Integer(Some(l.unit.problems_count))
            }),
        }
    }
}

/// One unit in a year, side by side with the others. Amounts in 万元, rates in %; ranks are
/// 1 for the highest value in the filtered set (ties share a rank), none for an undefined rate.
/// The schema of a row; rows are written from `DepartmentColumn`'s accessors, and a test
/// keeps the two to the same names.
#[derive(ToSchema)]
pub struct ComparisonRow {
    pub department_code: String,
    pub department_name: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub status: String,
    pub basic_initial: Option<Exact>,
    pub basic_adjusted: Option<Exact>,
    pub basic_executed: Option<Exact>,
    pub project_initial: Option<Exact>,
    pub project_adjusted: Option<Exact>,
    pub project_executed: Option<Exact>,
    pub total_initial: Option<Exact>,
    pub total_adjusted: Option<Exact>,
    pub total_executed: Option<Exact>,
    /// 预算执行率 (%)
    pub execution_rate: Option<Percent>,
    pub execution_rate_rank: Option<usize>,
    /// 预算调整率 (%)
    pub adjustment_rate: Option<Percent>,
    pub adjustment_rate_rank: Option<usize>,
    pub three_public_budget: Option<Exact>,
    pub three_public_actual: Option<Exact>,
    /// The previous year's "三公" actual: from the previous year's report where there is one.
    pub three_public_prior_actual: Option<Exact>,
    /// "三公"经费变动率 of the actuals against the previous year (%)
    pub three_public_change_rate: Option<Percent>,
    pub three_public_change_rate_rank: Option<usize>,
    /// 在职人员控制率 (%)
    pub staffing_control_rate: Option<Percent>,
    pub staffing_control_rate_rank: Option<usize>,
    /// 自评得分 by the rules (points); none while it cannot be computed.
    pub score: Option<Exact>,
    pub score_rank: Option<usize>,
    pub grade: Option<Grade>,
    pub indicators_total: i64,
    pub indicators_met: i64,
    /// Share of indicators met (%)
    pub indicators_met_share: Option<Percent>,
    pub indicators_met_share_rank: Option<usize>,
    pub findings_count: i64,
    pub findings_errors: i64,
    pub problems_count: i64,
}

/// A row of the table as JSON: each column's cell under the column's name.
pub struct RowOf {
    table: Arc<CachedTable>,
    at: usize,
}

impl Serialize for RowOf {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let line = &self.table.table.lines[self.at];
        let mut map = serializer.serialize_map(Some(DepartmentColumn::ALL.len()))?;
        for column in DepartmentColumn::ALL {
            map.serialize_entry(column.as_str(), &(column.column().cell)(line))?;
        }
        map.end()
    }
}

/// The table's rows in one order, as the exports read them.
struct Sorted {
    table: Arc<CachedTable>,
    order: Arc<[u32]>,
}

impl Rows for Sorted {
    type Row = Line;

    fn count(&self) -> usize {
        self.order.len()
    }

    fn row(&self, at: usize) -> &Line {
        &self.table.table.lines[self.order[at] as usize]
    }
}

/// The order of the rows by one column, the rows without a value last whichever way, ties by
/// unit code.
fn sort(lines: &[Line], by: DepartmentColumn, order: SortOrder) -> Vec<u32> {
    let cell = by.column().cell;
    let descending = order == SortOrder::Desc;
    let mut indices: Vec<u32> = (0..u32::try_from(lines.len()).unwrap_or(u32::MAX)).collect();
    // A year's table comes in unit code order: the default order needs no sorting.
    if by == DepartmentColumn::DepartmentCode
        && lines.is_sorted_by(|a, b| a.unit.department_code < b.unit.department_code)
    {
        if descending {
            indices.reverse();
        }
        return indices;
    }
    indices.sort_by(|&a, &b| {
        let (a, b) = (&lines[a as usize], &lines[b as usize]);
        cell(a)
            .compare(&cell(b), descending)
            .then_with(|| a.unit.department_code.cmp(&b.unit.department_code))
    });
    indices
}

/// The district's figures over the filtered set.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictTotals {
    /// How many units.
    pub units: usize,
    pub total_initial: Option<Exact>,
    pub total_adjusted: Option<Exact>,
    pub total_executed: Option<Exact>,
    pub basic_executed: Option<Exact>,
    pub project_executed: Option<Exact>,
    pub three_public_budget: Option<Exact>,
    pub three_public_actual: Option<Exact>,
    /// Σ executed ÷ Σ adjusted over the units that give both (%).
    pub execution_rate: Option<Percent>,
    pub adjustment_rate: Option<Percent>,
    pub three_public_change_rate: Option<Percent>,
    pub staffing_control_rate: Option<Percent>,
    pub indicators_met_share: Option<Percent>,
    pub findings_count: i64,
    pub problems_count: i64,
}

/// The medians over the filtered set of the units that have the figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct Medians {
    pub execution_rate: Option<Exact>,
    pub adjustment_rate: Option<Exact>,
    pub three_public_change_rate: Option<Exact>,
    pub staffing_control_rate: Option<Exact>,
    pub indicators_met_share: Option<Exact>,
    pub score: Option<Exact>,
}

/// The comparison of a year's units.
#[derive(Serialize, ToSchema)]
pub struct DepartmentComparison {
    pub year: FiscalYear,
    pub rollup: bool,
    #[schema(value_type = Vec<ComparisonRow>)]
    pub items: Vec<RowOf>,
    /// How many units match the filter, on all pages.
    pub total: usize,
    pub limit: i64,
    pub offset: i64,
    pub district: DistrictTotals,
    pub medians: Medians,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DepartmentComparisonQuery {
    /// The fiscal year.
    pub year: FiscalYear,
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
    /// Only the units whose parent has this code.
    pub parent: Option<UnitCode>,
    /// Only evaluations in this state.
    pub status: Option<EvaluationStatus>,
    /// Only units with this grade.
    pub grade: Option<Grade>,
    /// The column to sort by (any column of the table; default `department_code`).
    #[param(inline)]
    pub sort: Option<DepartmentColumn>,
    /// `asc` (default) or `desc`; rows without a value come last either way.
    pub order: Option<SortOrder>,
    /// Roll each parent up with its subordinate units: amounts, staff and counts summed, rates
    /// recomputed; score, grade and state stay the parent's own.
    pub rollup: Option<bool>,
    /// How many rows to answer in JSON, 1 to 500 (default 50); CSV and XLSX hold every row.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
    /// `json` (default), `csv` or `xlsx`; `Accept: text/csv` or the XLSX type work too.
    pub format: Option<Format>,
    /// The language of CSV and XLSX headings: `en` (default) or `zh`.
    pub lang: Option<Lang>,
}

/// One row per unit for a year: budgets (basic, project, total: initial, adjusted, executed),
/// execution and adjustment rates, "三公" and its change against the previous year, staffing
/// control, score, grade, share of indicators met, findings and problems — with ranks, sorted
/// by any column, filtered by kind, parent, state and grade, paged, with district totals and
/// medians over the filtered set. Also as CSV or XLSX. Roles: admin, reviewer, analyst; unit
/// (its own department and subordinate units only).
///
/// The table is computed once per change of the year's data and shared; its ETag changes
/// with the data, and `If-None-Match` with the ETag held is answered 304 without a body.
#[utoipa::path(operation_id = "compare_departments", tag = "comparisons", params(DepartmentComparisonQuery, ("If-None-Match" = Option<String>, Header, description = "The ETag of the answer the client holds")), responses(
    (status = 200, description = "The table (JSON, CSV or XLSX)", body = DepartmentComparison,
        content((DepartmentComparison = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
        headers(("ETag" = String, description = "A validator of this answer: it changes when the year's data changes"))),
    TableNotModified, Unauthenticated, InvalidQuery,
))]
#[get("/comparisons/departments")]
pub async fn departments(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<DepartmentComparisonQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let window = window(query.limit, query.offset)?;
    let format = negotiate(&req, query.format);
    let filter = crate::app::comparisons::unit_filter(
        &caller,
        query.kind,
        query.parent,
        query.status,
        query.grade,
    )?;
    let year = query.year;
    let rollup = query.rollup.unwrap_or(false);
    from_year_table(store, &req, year, format, (filter, rollup), move |table| {
        let by = query.sort.unwrap_or(DepartmentColumn::DepartmentCode);
        let order = query.order.unwrap_or_default();
        let sorted = table.order((by as usize, order == SortOrder::Desc), |t| {
            sort(&t.lines, by, order)
        });
        let columns = DepartmentColumn::ALL.map(DepartmentColumn::column).to_vec();
        answer(
            format,
            query.lang.unwrap_or_default(),
            ("departments", "单位对比"),
            columns,
            Sorted {
                table: table.clone(),
                order: sorted,
            },
            |rows| {
                let offset = usize::try_from(window.offset).unwrap_or(usize::MAX);
                let limit = usize::try_from(window.limit).unwrap_or(0);
                let items = rows
                    .order
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|&at| RowOf {
                        table: table.clone(),
                        at: at as usize,
                    })
                    .collect();
                let district = &table.table.district;
                let medians = &table.table.medians;
                json_text(&DepartmentComparison {
                    year,
                    rollup,
                    items,
                    total: rows.order.len(),
                    limit: window.limit,
                    offset: window.offset,
                    district: DistrictTotals {
                        units: district.units,
                        total_initial: district.total.initial.map(Exact),
                        total_adjusted: district.total.adjusted.map(Exact),
                        total_executed: district.total.executed.map(Exact),
                        basic_executed: district.basic.executed.map(Exact),
                        project_executed: district.projects.executed.map(Exact),
                        three_public_budget: district.three_public_budget.map(Exact),
                        three_public_actual: district.three_public_actual.map(Exact),
                        execution_rate: district.execution_rate,
                        adjustment_rate: district.adjustment_rate,
                        three_public_change_rate: district.three_public_change_rate,
                        staffing_control_rate: district.staffing_control_rate,
                        indicators_met_share: district.indicators_met_share,
                        findings_count: district.findings_errors + district.findings_warnings,
                        problems_count: district.problems_count,
                    },
                    medians: Medians {
                        execution_rate: medians.execution_rate.map(Exact),
                        adjustment_rate: medians.adjustment_rate.map(Exact),
                        three_public_change_rate: medians.three_public_change_rate.map(Exact),
                        staffing_control_rate: medians.staffing_control_rate.map(Exact),
                        indicators_met_share: medians.indicators_met_share.map(Exact),
                        score: medians.score.map(Exact),
                    },
                })
            },
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_schema_names_every_column_and_nothing_else() {
        let schema = serde_json::to_value(<ComparisonRow as utoipa::PartialSchema>::schema())
            .unwrap_or_default();
        let mut named: Vec<&str> = schema["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        named.sort_unstable();
        let mut columns: Vec<&str> = DepartmentColumn::ALL.iter().map(|c| c.as_str()).collect();
        columns.sort_unstable();
        assert_eq!(named, columns);
    }
}
