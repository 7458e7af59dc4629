//! `/comparisons` — units side by side, year over year, against their approved budgets and
//! their goals; every table also as CSV and XLSX.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::list_scope;
use super::error::{ApiError, Problem};
use super::export::{Column, Format, Kind, Lang, answer, json_text, negotiate, off_the_workers};
use super::extract::window;
use crate::domain::FieldError;
use crate::domain::access::Caller;
use crate::domain::comparison::{
    DeviationBand, UnitYear, compare_missing_last, deviation, grade_distribution, median, ranks,
    roll_up, totals, unmet_goals,
};
use crate::domain::department::UnitKind;
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::figures::{Exact, Percent};
use crate::domain::report::Grade;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::Store;
use crate::store::comparisons::UnitFilter;

fn text_of<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// One unit in a year, side by side with the others. Amounts in 万元, rates in %; ranks are
/// 1 for the highest value in the filtered set (ties share a rank), none for an undefined rate.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

const fn column(key: &'static str, en: &'static str, zh: &'static str, kind: Kind) -> Column {
    Column { key, en, zh, kind }
}

/// Columns that more than one table has.
const DEPARTMENT_CODE: Column = column("department_code", "Unit code", "单位代码", Kind::Text);
const DEPARTMENT_NAME: Column = column("department_name", "Unit", "单位名称", Kind::Text);
const TOTAL_INITIAL: Column = column(
    "total_initial",
    "Total, initial (10k CNY)",
    "合计年初预算（万元）",
    Kind::Decimal,
);
const TOTAL_ADJUSTED: Column = column(
    "total_adjusted",
    "Total, adjusted (10k CNY)",
    "合计调整预算（万元）",
    Kind::Decimal,
);
const TOTAL_EXECUTED: Column = column(
    "total_executed",
    "Total, executed (10k CNY)",
    "合计执行数（万元）",
    Kind::Decimal,
);
const EXECUTION_RATE: Column = column(
    "execution_rate",
    "Execution rate (%)",
    "预算执行率（%）",
    Kind::Decimal,
);
const ADJUSTMENT_RATE: Column = column(
    "adjustment_rate",
    "Adjustment rate (%)",
    "预算调整率（%）",
    Kind::Decimal,
);
const THREE_PUBLIC_ACTUAL: Column = column(
    "three_public_actual",
    "Three public, actual (10k CNY)",
    "“三公”经费实际支出（万元）",
    Kind::Decimal,
);
const THREE_PUBLIC_CHANGE_RATE: Column = column(
    "three_public_change_rate",
    "Three public, change (%)",
    "“三公”经费变动率（%）",
    Kind::Decimal,
);
const STAFFING_CONTROL_RATE: Column = column(
    "staffing_control_rate",
    "Staffing control rate (%)",
    "在职人员控制率（%）",
    Kind::Decimal,
);
const GRADE: Column = column("grade", "Grade", "等级", Kind::Text);
const INDICATORS_MET_SHARE: Column = column(
    "indicators_met_share",
    "Indicators met (%)",
    "指标完成率（%）",
    Kind::Decimal,
);
const FINDINGS_COUNT: Column = column(
    "findings_count",
    "Findings",
    "审核发现问题数",
    Kind::Integer,
);
const PROBLEMS_COUNT: Column = column(
    "problems_count",
    "Problems stated",
    "存在问题数",
    Kind::Integer,
);
const UNITS: Column = column("units", "Units", "单位数", Kind::Integer);

const DEPARTMENT_COLUMNS: &[Column] = &[
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    column("kind", "Kind", "单位性质", Kind::Text),
    column("parent_code", "Parent", "上级单位", Kind::Text),
    column("status", "Status", "状态", Kind::Text),
    column(
        "basic_initial",
        "Basic, initial (10k CNY)",
        "基本支出年初预算（万元）",
        Kind::Decimal,
    ),
    column(
        "basic_adjusted",
        "Basic, adjusted (10k CNY)",
        "基本支出调整预算（万元）",
        Kind::Decimal,
    ),
    column(
        "basic_executed",
        "Basic, executed (10k CNY)",
        "基本支出执行数（万元）",
        Kind::Decimal,
    ),
    column(
        "project_initial",
        "Projects, initial (10k CNY)",
        "项目支出年初预算（万元）",
        Kind::Decimal,
    ),
    column(
        "project_adjusted",
        "Projects, adjusted (10k CNY)",
        "项目支出调整预算（万元）",
        Kind::Decimal,
    ),
    column(
        "project_executed",
        "Projects, executed (10k CNY)",
        "项目支出执行数（万元）",
        Kind::Decimal,
    ),
    TOTAL_INITIAL,
    TOTAL_ADJUSTED,
    TOTAL_EXECUTED,
    EXECUTION_RATE,
    column(
        "execution_rate_rank",
        "Execution rate rank",
        "预算执行率排名",
        Kind::Integer,
    ),
    ADJUSTMENT_RATE,
    column(
        "adjustment_rate_rank",
        "Adjustment rate rank",
        "预算调整率排名",
        Kind::Integer,
    ),
    column(
        "three_public_budget",
        "Three public, budget (10k CNY)",
        "“三公”经费预算（万元）",
        Kind::Decimal,
    ),
    THREE_PUBLIC_ACTUAL,
    column(
        "three_public_prior_actual",
        "Three public, prior-year actual (10k CNY)",
        "“三公”经费上年实际支出（万元）",
        Kind::Decimal,
    ),
    THREE_PUBLIC_CHANGE_RATE,
    column(
        "three_public_change_rate_rank",
        "Three public change rank",
        "“三公”经费变动率排名",
        Kind::Integer,
    ),
    STAFFING_CONTROL_RATE,
    column(
        "staffing_control_rate_rank",
        "Staffing control rank",
        "在职人员控制率排名",
        Kind::Integer,
    ),
    column("score", "Score", "自评得分", Kind::Decimal),
    column("score_rank", "Score rank", "得分排名", Kind::Integer),
    GRADE,
    column("indicators_total", "Indicators", "指标数", Kind::Integer),
    column(
        "indicators_met",
        "Indicators met",
        "完成指标数",
        Kind::Integer,
    ),
    INDICATORS_MET_SHARE,
    column(
        "indicators_met_share_rank",
        "Indicators met rank",
        "指标完成率排名",
        Kind::Integer,
    ),
    FINDINGS_COUNT,
    column(
        "findings_errors",
        "Findings that are errors",
        "其中错误数",
        Kind::Integer,
    ),
    PROBLEMS_COUNT,
];

/// The rows of units with their rates (their own, or those of a rolled-up group).
fn comparison_rows(rated: &[(UnitYear, crate::domain::comparison::Rates)]) -> Vec<ComparisonRow> {
    let units: Vec<&UnitYear> = rated.iter().map(|(unit, _)| unit).collect();
    let rates: Vec<_> = rated.iter().map(|(_, rates)| *rates).collect();
    let rank_of = |pick: fn(&crate::domain::comparison::Rates) -> Option<Percent>| {
        ranks(
            &rates
                .iter()
                .map(|r| pick(r).map(Percent::value))
                .collect::<Vec<_>>(),
        )
    };
    let execution = rank_of(|r| r.execution);
    let adjustment = rank_of(|r| r.adjustment);
    let three_public = rank_of(|r| r.three_public_change);
    let staffing = rank_of(|r| r.staffing_control);
    let met_share = rank_of(|r| r.indicators_met_share);
    let score = ranks(&units.iter().map(|u| u.score).collect::<Vec<_>>());
    units
        .iter()
        .enumerate()
        .map(|(i, unit)| ComparisonRow {
            department_code: unit.department_code.clone(),
            department_name: unit.department_name.clone(),
            kind: unit.kind.clone(),
            parent_code: unit.parent_code.clone(),
            status: unit.status.clone(),
            basic_initial: unit.basic.initial.map(Exact),
            basic_adjusted: unit.basic.adjusted.map(Exact),
            basic_executed: unit.basic.executed.map(Exact),
            project_initial: unit.projects.initial.map(Exact),
            project_adjusted: unit.projects.adjusted.map(Exact),
            project_executed: unit.projects.executed.map(Exact),
            total_initial: unit.total.initial.map(Exact),
            total_adjusted: unit.total.adjusted.map(Exact),
            total_executed: unit.total.executed.map(Exact),
            execution_rate: rates[i].execution,
            execution_rate_rank: execution[i],
            adjustment_rate: rates[i].adjustment,
            adjustment_rate_rank: adjustment[i],
            three_public_budget: unit.three_public_budget.map(Exact),
            three_public_actual: unit.three_public_actual.map(Exact),
            three_public_prior_actual: unit.three_public_prior_actual.map(Exact),
            three_public_change_rate: rates[i].three_public_change,
            three_public_change_rate_rank: three_public[i],
            staffing_control_rate: rates[i].staffing_control,
            staffing_control_rate_rank: staffing[i],
            score: unit.score.map(Exact),
            score_rank: score[i],
            grade: unit.grade,
            indicators_total: unit.indicators_total,
            indicators_met: unit.indicators_met,
            indicators_met_share: rates[i].indicators_met_share,
            indicators_met_share_rank: met_share[i],
            findings_count: unit.findings_errors + unit.findings_warnings,
            findings_errors: unit.findings_errors,
            problems_count: unit.problems_count,
        })
        .collect()
}

/// The names `sort` takes: the table's columns.
fn sort_columns() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(DEPARTMENT_COLUMNS.iter().map(|c| c.key)))
        .build()
}

/// Sorts rows by one column, the rows without a value last whichever way.
fn sort_rows(rows: &mut Vec<ComparisonRow>, key: &str, order: SortOrder) -> Result<(), ApiError> {
    let column = DEPARTMENT_COLUMNS
        .iter()
        .find(|c| c.key == key)
        .ok_or_else(|| {
            let keys: Vec<&str> = DEPARTMENT_COLUMNS.iter().map(|c| c.key).collect();
            ApiError::InvalidParameters(vec![FieldError::new(
                "sort",
                format!("`{key}` is not a column; one of {}", keys.join(", ")),
            )])
        })?;
    /// A row's value in the sort column, read once.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Number(Option<Decimal>),
        Whole(Option<i64>),
        Text(Option<String>),
    }
    let keys: Vec<Key> = rows
        .iter()
        .map(|row| {
            let value = serde_json::to_value(row)
                .map(|v| v[key].clone())
                .unwrap_or_default();
            match column.kind {
                Kind::Decimal => Key::Number(value.as_str().and_then(|s| s.parse().ok())),
                Kind::Integer => Key::Whole(value.as_i64()),
                Kind::Text | Kind::List => Key::Text(value.as_str().map(str::to_owned)),
            }
        })
        .collect();
    let descending = order == SortOrder::Desc;
    let mut order_of: Vec<usize> = (0..rows.len()).collect();
    order_of.sort_by(|&a, &b| {
        let by_value = match (&keys[a], &keys[b]) {
            (Key::Number(x), Key::Number(y)) => compare_missing_last(x, y, descending),
            (Key::Whole(x), Key::Whole(y)) => compare_missing_last(x, y, descending),
            (Key::Text(x), Key::Text(y)) => compare_missing_last(x, y, descending),
            (x, y) => x.cmp(y),
        };
        by_value.then_with(|| rows[a].department_code.cmp(&rows[b].department_code))
    });
    let mut taken: Vec<Option<ComparisonRow>> =
        std::mem::take(rows).into_iter().map(Some).collect();
    *rows = order_of
        .into_iter()
        .filter_map(|i| taken[i].take())
        .collect();
    Ok(())
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
    pub items: Vec<ComparisonRow>,
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
    #[param(schema_with = sort_columns)]
    pub sort: Option<String>,
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

fn unit_filter(
    caller: &Caller,
    kind: Option<UnitKind>,
    parent: Option<UnitCode>,
    status: Option<EvaluationStatus>,
    grade: Option<Grade>,
) -> Result<UnitFilter, ApiError> {
    Ok(UnitFilter {
        kind,
        parent_code: parent,
        status,
        grade,
        department_code: None,
        within: list_scope(caller)?,
    })
}

/// One row per unit for a year: budgets (basic, project, total: initial, adjusted, executed),
/// execution and adjustment rates, "三公" and its change against the previous year, staffing
/// control, score, grade, share of indicators met, findings and problems — with ranks, sorted
/// by any column, filtered by kind, parent, state and grade, paged, with district totals and
/// medians over the filtered set. Also as CSV or XLSX. Roles: admin, reviewer, analyst; unit
/// (its own department and subordinate units only).
#[utoipa::path(tag = "comparisons", params(DepartmentComparisonQuery), responses(
    (status = 200, description = "The table (JSON, CSV or XLSX)", body = DepartmentComparison,
        content((DepartmentComparison = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
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
    let filter = unit_filter(&caller, query.kind, query.parent, query.status, query.grade)?;
    let year = query.year;
    let rollup = query.rollup.unwrap_or(false);
    off_the_workers(move || {
        let units = store.unit_years(year.value(), year.value(), &filter)?;
        let parents = if rollup { Some(store.parents()?) } else { None };
        // The district is the same units whether or not they are rolled up.
        let district = totals(&units.iter().collect::<Vec<_>>());
        let rated: Vec<(UnitYear, crate::domain::comparison::Rates)> = match &parents {
            Some(parents) => roll_up(units, parents),
            None => units
                .into_iter()
                .map(|unit| {
                    let rates = unit.rates();
                    (unit, rates)
                })
                .collect(),
        };
        let mut rows = comparison_rows(&rated);
        sort_rows(
            &mut rows,
            query.sort.as_deref().unwrap_or("department_code"),
            query.order.unwrap_or_default(),
        )?;
        answer(
            format,
            query.lang.unwrap_or_default(),
            "departments",
            DEPARTMENT_COLUMNS,
            &rows,
            || {
                let rates: Vec<_> = rated.iter().map(|(_, rates)| *rates).collect();
                let median_of = |pick: fn(&crate::domain::comparison::Rates) -> Option<Percent>| {
                    median(rates.iter().map(|r| pick(r).map(Percent::value)))
                };
                let medians = Medians {
                    execution_rate: median_of(|r| r.execution).map(Exact),
                    adjustment_rate: median_of(|r| r.adjustment).map(Exact),
                    three_public_change_rate: median_of(|r| r.three_public_change).map(Exact),
                    staffing_control_rate: median_of(|r| r.staffing_control).map(Exact),
                    indicators_met_share: median_of(|r| r.indicators_met_share).map(Exact),
                    score: median(rated.iter().map(|(unit, _)| unit.score)).map(Exact),
                };
                let total = rows.len();
                let offset = usize::try_from(window.offset).unwrap_or(usize::MAX);
                let limit = usize::try_from(window.limit).unwrap_or(0);
                let items: Vec<ComparisonRow> =
                    rows.iter().skip(offset).take(limit).cloned().collect();
                json_text(&DepartmentComparison {
                    year,
                    rollup,
                    items,
                    total,
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
                    medians,
                })
            },
        )
    })
    .await
}

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

const TREND_COLUMNS: &[Column] = &[
    column("year", "Year", "年度", Kind::Integer),
    UNITS,
    TOTAL_INITIAL,
    TOTAL_ADJUSTED,
    TOTAL_EXECUTED,
    EXECUTION_RATE,
    ADJUSTMENT_RATE,
    THREE_PUBLIC_ACTUAL,
    THREE_PUBLIC_CHANGE_RATE,
    STAFFING_CONTROL_RATE,
    column("score", "Score", "得分", Kind::Decimal),
    GRADE,
    INDICATORS_MET_SHARE,
    FINDINGS_COUNT,
    PROBLEMS_COUNT,
];

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
pub struct Trend {
    pub department_code: Option<String>,
    pub from: i32,
    pub to: i32,
    /// One row per year that has data, oldest first.
    pub items: Vec<TrendRow>,
}

/// The years from `from` to `to`, by default the five years up to the latest with data.
fn span(
    store: &Store,
    within: Option<&UnitCode>,
    from: Option<FiscalYear>,
    to: Option<FiscalYear>,
) -> Result<(i32, i32), crate::store::StoreError> {
    let to = match to {
        Some(to) => to.value(),
        None => store.latest_year(within)?.unwrap_or(FiscalYear::FIRST),
    };
    let from = from
        .map_or(to - 4, FiscalYear::value)
        .max(FiscalYear::FIRST);
    Ok((from, to))
}

/// A unit's figures year by year (five years by default), or — without `department` — the
/// district's: sums and the rates of the sums, the median score. Also as CSV or XLSX.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units only).
#[utoipa::path(tag = "comparisons", params(TrendQuery), responses(
    (status = 200, description = "The series", body = Trend),
    (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
))]
#[get("/comparisons/trends")]
pub async fn trends(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<TrendQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    if let Some(code) = &query.department {
        super::access::require_read(&store, &caller, code).await?;
    }
    let format = negotiate(&req, query.format);
    let mut filter = unit_filter(&caller, None, None, None, None)?;
    filter.department_code = query.department.clone();
    off_the_workers(move || {
        let (from, to) = span(&store, filter.within.as_ref(), query.from, query.to)?;
        let units = store.unit_years(from, to, &filter)?;
        let mut by_year: BTreeMap<i32, Vec<&UnitYear>> = BTreeMap::new();
        for unit in &units {
            by_year.entry(unit.year).or_default().push(unit);
        }
        let single = query.department.is_some();
        let rows: Vec<TrendRow> = by_year
            .into_iter()
            .map(|(year, units)| {
                let sums = totals(&units);
                TrendRow {
                    year,
                    units: units.len(),
                    total_initial: sums.total.initial.map(Exact),
                    total_adjusted: sums.total.adjusted.map(Exact),
                    total_executed: sums.total.executed.map(Exact),
                    execution_rate: sums.execution_rate,
                    adjustment_rate: sums.adjustment_rate,
                    three_public_actual: sums.three_public_actual.map(Exact),
                    three_public_change_rate: sums.three_public_change_rate,
                    staffing_control_rate: sums.staffing_control_rate,
                    score: (if single {
                        units[0].score
                    } else {
                        median(units.iter().map(|u| u.score))
                    })
                    .map(Exact),
                    grade: if single { units[0].grade } else { None },
                    indicators_met_share: sums.indicators_met_share,
                    findings_count: sums.findings_errors + sums.findings_warnings,
                    problems_count: sums.problems_count,
                }
            })
            .collect();
        answer(
            format,
            query.lang.unwrap_or_default(),
            "trends",
            TREND_COLUMNS,
            &rows,
            || {
                json_text(&Trend {
                    department_code: query.department.map(String::from),
                    from,
                    to,
                    items: rows.clone(),
                })
            },
        )
    })
    .await
}

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

const DEVIATION_COLUMNS: &[Column] = &[
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    column(
        "total_initial",
        "Approved budget (10k CNY)",
        "年初预算（万元）",
        Kind::Decimal,
    ),
    column(
        "total_executed",
        "Executed (10k CNY)",
        "执行数（万元）",
        Kind::Decimal,
    ),
    column("deviation", "Deviation (%)", "偏离度（%）", Kind::Decimal),
    column("band", "Band", "区间", Kind::Text),
];

#[derive(Serialize, ToSchema)]
pub struct Deviation {
    pub year: FiscalYear,
    /// How many units fall in each band.
    pub bands: BTreeMap<String, usize>,
    /// The units, the largest deviation first (undefined last).
    pub items: Vec<DeviationRow>,
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
/// budget: within 5 %, 10 %, 15 %, beyond; the largest deviation first. Also as CSV or XLSX.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units only).
#[utoipa::path(tag = "comparisons", params(YearQuery), responses(
    (status = 200, description = "The bands", body = Deviation),
    (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
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
    let filter = unit_filter(&caller, None, None, None, None)?;
    off_the_workers(move || {
        let units = store.unit_years(year.value(), year.value(), &filter)?;
        let mut rows: Vec<DeviationRow> = units
            .iter()
            .map(|unit| {
                let (deviation, band) = deviation(unit);
                DeviationRow {
                    department_code: unit.department_code.clone(),
                    department_name: unit.department_name.clone(),
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
            "deviation",
            DEVIATION_COLUMNS,
            &rows,
            || {
                let mut bands = BTreeMap::new();
                for row in &rows {
                    *bands
                        .entry(text_of(&row.band).unwrap_or_default())
                        .or_insert(0) += 1;
                }
                json_text(&Deviation {
                    year,
                    bands,
                    items: rows.clone(),
                })
            },
        )
    })
    .await
}

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

const UNMET_COLUMNS: &[Column] = &[
    DEPARTMENT_CODE,
    column("indicator", "Indicator", "指标名称", Kind::Text),
    column("unit", "Unit of measure", "计量单位", Kind::Text),
    column(
        "consecutive_years",
        "Consecutive years missed",
        "连续未完成年数",
        Kind::Integer,
    ),
    column("years", "Years", "年度", Kind::List),
    column("attainments", "Attainment (%)", "完成率（%）", Kind::List),
];

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
pub struct UnmetGoals {
    pub years: usize,
    pub from: i32,
    pub to: i32,
    pub items: Vec<UnmetGoalRow>,
}

/// Indicators missed in at least `years` consecutive years (matched within a unit by name and
/// unit of measure), each with its longest run. Also as CSV or XLSX. Roles: admin, reviewer,
/// analyst; unit (its own department and subordinate units only).
#[utoipa::path(tag = "comparisons", params(UnmetGoalsQuery), responses(
    (status = 200, description = "The goals missed", body = UnmetGoals),
    (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
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
            "must be from 1 to 20",
        )]));
    }
    let format = negotiate(&req, query.format);
    let within = list_scope(&caller)?;
    off_the_workers(move || {
        let (from, to) = span(&store, within.as_ref(), query.from, query.to)?;
        let indicators = store.indicator_years(from, to, within.as_ref())?;
        let rows: Vec<UnmetGoalRow> = unmet_goals(&indicators, at_least)
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
            "unmet-goals",
            UNMET_COLUMNS,
            &rows,
            || {
                json_text(&UnmetGoals {
                    years: at_least,
                    from,
                    to,
                    items: rows.clone(),
                })
            },
        )
    })
    .await
}

/// How many units have each grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeRow {
    /// `excellent` 优, `good` 良, `fair` 中, `poor` 差, or `ungraded` (no computable score).
    pub grade: String,
    pub units: usize,
}

const GRADE_COLUMNS: &[Column] = &[GRADE, UNITS];

#[derive(Serialize, ToSchema)]
pub struct GradeDistribution {
    pub year: FiscalYear,
    pub items: Vec<GradeRow>,
}

/// The distribution of the year's grades (computed scores). Also as CSV or XLSX. Roles:
/// admin, reviewer, analyst; unit (its own department and subordinate units only).
#[utoipa::path(tag = "comparisons", params(YearQuery), responses(
    (status = 200, description = "The distribution", body = GradeDistribution),
    (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
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
    let filter = unit_filter(&caller, None, None, None, None)?;
    off_the_workers(move || {
        let units = store.unit_years(year.value(), year.value(), &filter)?;
        let all: Vec<&UnitYear> = units.iter().collect();
        let (counts, ungraded) = grade_distribution(&all);
        let order = ["excellent", "good", "fair", "poor"];
        let mut rows: Vec<GradeRow> = counts
            .into_iter()
            .map(|(grade, units)| GradeRow {
                grade: grade.to_owned(),
                units,
            })
            .collect();
        rows.sort_by(|a, b| {
            let at = |g: &str| order.iter().position(|o| *o == g).unwrap_or(order.len());
            at(&a.grade).cmp(&at(&b.grade)).then(Ordering::Equal)
        });
        rows.push(GradeRow {
            grade: "ungraded".to_owned(),
            units: ungraded,
        });
        answer(
            format,
            query.lang.unwrap_or_default(),
            "grades",
            GRADE_COLUMNS,
            &rows,
            || {
                json_text(&GradeDistribution {
                    year,
                    items: rows.clone(),
                })
            },
        )
    })
    .await
}
