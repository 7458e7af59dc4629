//! Reads the projections for the comparison tables: plain indexed SQL, no document parsed.
//! The rows of a year's units table are read here (`Store::year_rows`); the table is computed
//! from them, kept and shared by the comparison read model (`app::read_model`).

use std::collections::HashMap;

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::generations::{Changes, Stamp, stamp};
use super::projections::{AMOUNT_SCALE, RATE_SCALE, SCORE_SCALE};
use super::schema::{departments, evaluation_metrics, indicator_metrics};
use super::{DbConnection, Store, StoreError};
use crate::domain::comparison::{Amounts, IndicatorYear, UnitYear};
use crate::domain::department::UnitKind;
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::report::Grade;
use crate::domain::values::UnitCode;

/// Which units a comparison covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UnitFilter {
    pub kind: Option<UnitKind>,
    pub parent_code: Option<UnitCode>,
    pub status: Option<EvaluationStatus>,
    pub grade: Option<Grade>,
    pub department_code: Option<UnitCode>,
    /// Only units within this one's subtree (a unit caller's own).
    pub within: Option<UnitCode>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = evaluation_metrics)]
struct MetricsRow {
    department_code: String,
    year: i32,
    status: String,
    basic_initial: Option<i64>,
    basic_adjusted: Option<i64>,
    basic_executed: Option<i64>,
    project_initial: Option<i64>,
    project_adjusted: Option<i64>,
    project_executed: Option<i64>,
    total_initial: Option<i64>,
    total_adjusted: Option<i64>,
    total_executed: Option<i64>,
    three_public_budget: Option<i64>,
    three_public_actual: Option<i64>,
    three_public_prior_actual: Option<i64>,
    authorized_staff: Option<i64>,
    staff_on_payroll: Option<i64>,
    score: Option<i64>,
    grade: Option<String>,
    indicators_total: i32,
    indicators_met: i32,
    findings_errors: i32,
    findings_warnings: i32,
    problems_count: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = indicator_metrics)]
struct IndicatorRow {
    department_code: String,
    name: String,
    unit: String,
    year: i32,
    met: Option<bool>,
    attainment: Option<i64>,
}

fn scaled(value: Option<i64>, scale: u32) -> Option<Decimal> {
    value.map(|v| Decimal::new(v, scale))
}

/// A department's name, kind and parent.
type DepartmentColumns = (String, String, Option<String>);

fn unit_year(
    row: MetricsRow,
    (name, kind, parent): DepartmentColumns,
    prior_actual: Option<i64>,
) -> UnitYear {
    let amount = |v| scaled(v, AMOUNT_SCALE);
    UnitYear {
        department_code: row.department_code.into(),
        department_name: name.into(),
        kind: kind.into(),
        parent_code: parent.map(Into::into),
        year: row.year,
        status: row.status.into(),
        basic: Amounts {
            initial: amount(row.basic_initial),
            adjusted: amount(row.basic_adjusted),
            executed: amount(row.basic_executed),
        },
        projects: Amounts {
            initial: amount(row.project_initial),
            adjusted: amount(row.project_adjusted),
            executed: amount(row.project_executed),
        },
        total: Amounts {
            initial: amount(row.total_initial),
            adjusted: amount(row.total_adjusted),
            executed: amount(row.total_executed),
        },
        three_public_budget: amount(row.three_public_budget),
        three_public_actual: amount(row.three_public_actual),
        three_public_prior_actual: amount(prior_actual.or(row.three_public_prior_actual)),
        authorized_staff: row.authorized_staff,
        staff_on_payroll: row.staff_on_payroll,
        score: scaled(row.score, SCORE_SCALE),
        grade: row.grade.as_deref().and_then(Grade::parse),
        indicators_total: row.indicators_total.into(),
        indicators_met: row.indicators_met.into(),
        findings_errors: row.findings_errors.into(),
        findings_warnings: row.findings_warnings.into(),
        problems_count: row.problems_count.into(),
    }
}

/// Each department's "三公" actual in `year` (of the departments `only`, when given).
fn three_public_actuals(
    conn: &mut DbConnection,
    year: i32,
    only: Option<&[String]>,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut query = evaluation_metrics::table
        .filter(evaluation_metrics::year.eq(year))
        .into_boxed();
    if let Some(codes) = only {
        query = query.filter(evaluation_metrics::department_code.eq_any(codes));
    }
    let rows: Vec<(String, Option<i64>)> = query
        .select((
            evaluation_metrics::department_code,
            evaluation_metrics::three_public_actual,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(code, actual)| actual.map(|a| (code, a)))
        .collect())
}

/// The units' figures for the years `from..=to`, filtered, within `scope` (a unit's subtree)
/// and of the units `only` when given, by year then code.
fn unit_years_of(
    conn: &mut DbConnection,
    (from, to): (i32, i32),
    filter: &UnitFilter,
    scope: Option<&[String]>,
    only: Option<&[String]>,
) -> Result<Vec<UnitYear>, StoreError> {
    let mut query = evaluation_metrics::table
        .inner_join(
            departments::table.on(departments::code.eq(evaluation_metrics::department_code)),
        )
        .filter(evaluation_metrics::year.between(from, to))
        .into_boxed();
    for codes in [scope, only].into_iter().flatten() {
        query = query.filter(evaluation_metrics::department_code.eq_any(codes));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(departments::kind.eq(kind.as_str()));
    }
    if let Some(parent) = &filter.parent_code {
        query = query.filter(departments::parent_code.eq(parent.as_str().to_owned()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(evaluation_metrics::status.eq(status.as_str()));
    }
    if let Some(grade) = &filter.grade {
        query = query.filter(evaluation_metrics::grade.eq(grade.as_str()));
    }
    if let Some(code) = &filter.department_code {
        query = query.filter(evaluation_metrics::department_code.eq(code.as_str().to_owned()));
    }
    let rows: Vec<(MetricsRow, DepartmentColumns)> = query
        .order((
            evaluation_metrics::year.asc(),
            evaluation_metrics::department_code.asc(),
        ))
        .select((
            MetricsRow::as_select(),
            (
                departments::name,
                departments::kind,
                departments::parent_code,
            ),
        ))
        .load(conn)?;
    let mut priors: HashMap<i32, HashMap<String, i64>> = HashMap::new();
    for year in from..=to {
        priors.insert(year, three_public_actuals(conn, year - 1, only)?);
    }
    Ok(rows
        .into_iter()
        .map(|(row, department)| {
            let prior = priors
                .get(&row.year)
                .and_then(|p| p.get(&row.department_code))
                .copied();
            unit_year(row, department, prior)
        })
        .collect())
}

/// Every department's parent, for rolling units up.
fn parents_of(conn: &mut DbConnection) -> Result<HashMap<String, Option<String>>, StoreError> {
    let rows: Vec<(String, Option<String>)> = departments::table
        .select((departments::code, departments::parent_code))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// What a year's table is made of, as one read transaction saw it: the year's stamp, its
/// changes kept, and the rows (every row of the filter, or those of the units read again).
#[derive(Debug)]
pub struct YearRows {
    /// The year's stamp, read first: the rows are at least as new as it says.
    pub stamp: Stamp,
    /// The changes kept that touch the year, read before the rows.
    pub changes: Changes,
    pub units: Vec<UnitYear>,
    /// Every department's parent, when the table is rolled up.
    pub parents: Option<HashMap<String, Option<String>>>,
    /// The units whose rows alone were read, when `year_rows` was asked for only those;
    /// `None`: every row of the filter was read.
    pub read_again: Option<Vec<String>>,
}

impl Store {
    /// The stamp of `year`'s data now: what a table and its ETag are computed from.
    pub fn table_stamp(&self, year: i32) -> Result<Stamp, StoreError> {
        if let Some(stamp) = self.recent_table_stamp(year) {
            return Ok(stamp);
        }
        let read_at = self.recent_stamps.reading();
        let mut conn = self.conn()?;
        let stamp = stamp(&mut conn, year)?;
        self.recent_stamps.keep(year.to_string(), stamp, read_at);
        Ok(stamp)
    }

    /// The stamp of `year`'s data as read a moment ago, while nothing has been written to the
    /// database since, by this server or another process (SQLite only: on PostgreSQL another
    /// server's change leaves nothing to see here, and the database is asked every time).
    pub fn recent_table_stamp(&self, year: i32) -> Option<Stamp> {
        self.recent_stamps.get(&year.to_string())
    }

    /// The rows of `year`'s units table for `filter`, in one read transaction whose connection
    /// is back in the pool when this returns. The stamp and the changes are read before
    /// everything the table is made of (the caller's subtree, the parents, the rows): a change
    /// committed in between is read again next time, never missed. `only` is told the stamp and
    /// the changes and names the units whose rows alone are to be read (`None`: every row).
    pub fn year_rows(
        &self,
        year: i32,
        filter: &UnitFilter,
        rollup: bool,
        only: impl FnOnce(&Stamp, &Changes) -> Option<Vec<String>>,
    ) -> Result<YearRows, StoreError> {
        self.read(|conn| {
            let stamp = stamp(conn, year)?;
            let changes = super::generations::changes(conn, year)?;
            let scope = filter
                .within
                .as_ref()
                .map(|root| super::departments::subtree_codes(conn, root))
                .transpose()?;
            let parents = if rollup {
                Some(parents_of(conn)?)
            } else {
                None
            };
            let read_again = only(&stamp, &changes);
            let units = unit_years_of(
                conn,
                (year, year),
                filter,
                scope.as_deref(),
                read_again.as_deref(),
            )?;
            Ok(YearRows {
                stamp,
                changes,
                units,
                parents,
                read_again,
            })
        })
    }

    /// The units' figures for the years `from..=to`, filtered, by year then code.
    pub fn unit_years(
        &self,
        from: i32,
        to: i32,
        filter: &UnitFilter,
    ) -> Result<Vec<UnitYear>, StoreError> {
        let scope = filter
            .within
            .as_ref()
            .map(|root| self.read_transaction(|tx| tx.subtree(root)))
            .transpose()?;
        self.read(|conn| unit_years_of(conn, (from, to), filter, scope.as_deref(), None))
    }

    /// The indicators of the years `from..=to`, within a unit's subtree when one is given.
    pub fn indicator_years(
        &self,
        from: i32,
        to: i32,
        within: Option<&UnitCode>,
    ) -> Result<Vec<IndicatorYear>, StoreError> {
        let scope = within
            .map(|root| self.read_transaction(|tx| tx.subtree(root)))
            .transpose()?;
        self.read(|conn| {
            let mut query = indicator_metrics::table
                .filter(indicator_metrics::year.between(from, to))
                .into_boxed();
            if let Some(codes) = &scope {
                query = query.filter(indicator_metrics::department_code.eq_any(codes.clone()));
            }
            let rows: Vec<IndicatorRow> = query.select(IndicatorRow::as_select()).load(conn)?;
            Ok(rows
                .into_iter()
                .map(|row| IndicatorYear {
                    department_code: row.department_code,
                    name: row.name,
                    unit: row.unit,
                    year: row.year,
                    met: row.met,
                    attainment: scaled(row.attainment, RATE_SCALE),
                })
                .collect())
        })
    }

    /// The latest year that has an evaluation, if any (within a unit's subtree when given).
    pub fn latest_year(&self, within: Option<&UnitCode>) -> Result<Option<i32>, StoreError> {
        let scope = within
            .map(|root| self.read_transaction(|tx| tx.subtree(root)))
            .transpose()?;
        self.read(|conn| {
            let mut query = evaluation_metrics::table.into_boxed();
            if let Some(codes) = &scope {
                query = query.filter(evaluation_metrics::department_code.eq_any(codes.clone()));
            }
            Ok(query
                .select(diesel::dsl::max(evaluation_metrics::year))
                .first::<Option<i32>>(conn)?)
        })
    }
}
