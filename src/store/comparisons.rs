//! Reads the projections for the comparison tables: plain indexed SQL, no document parsed.
//! A year's units table is computed once per generation of the year's data and shared by the
//! requests that follow (`Store::year_table`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::generations::{Stamp, stamp};
use super::projections::{AMOUNT_SCALE, RATE_SCALE, SCORE_SCALE};
use super::schema::{departments, evaluation_metrics, indicator_metrics};
use super::{DbConnection, Store, StoreError};
use crate::domain::comparison::{Amounts, IndicatorYear, UnitYear, YearTable};
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
        department_code: row.department_code,
        department_name: name,
        kind,
        parent_code: parent,
        year: row.year,
        status: row.status,
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

/// Each department's "三公" actual in `year`.
fn three_public_actuals(
    conn: &mut DbConnection,
    year: i32,
) -> Result<HashMap<String, i64>, StoreError> {
    let rows: Vec<(String, Option<i64>)> = evaluation_metrics::table
        .filter(evaluation_metrics::year.eq(year))
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

/// How many computed tables are kept: each distinct filter (and each unit caller's subtree)
/// is a table of its own.
const TABLES_KEPT: usize = 32;

/// Which table: the year, the filter and whether parents are rolled up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TableKey {
    year: i32,
    filter: UnitFilter,
    rollup: bool,
}

/// Row orders by the caller's key of the order (column, direction).
type Orders = HashMap<(usize, bool), Arc<[u32]>>;

/// A year's table as computed at one stamp of its data, with the row orders asked of it so far.
#[derive(Debug)]
pub struct CachedTable {
    pub stamp: Stamp,
    pub table: YearTable,
    /// Row indices in sorted order, by the caller's key of the order (column, direction).
    orders: Mutex<Orders>,
}

impl CachedTable {
    /// The rows' order under `key`, sorted by `sort` the first time it is asked for.
    pub fn order(
        &self,
        key: (usize, bool),
        sort: impl FnOnce(&YearTable) -> Vec<u32>,
    ) -> Arc<[u32]> {
        // A poisoned lock holds only finished orders; taking it over is safe.
        let known = self
            .orders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        known.unwrap_or_else(|| {
            let order: Arc<[u32]> = sort(&self.table).into();
            self.orders
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, order.clone());
            order
        })
    }
}

/// The tables computed so far, each at the stamp it was computed at.
#[derive(Debug, Default)]
pub struct TableCache {
    tables: Mutex<HashMap<TableKey, Arc<CachedTable>>>,
}

impl TableCache {
    fn get(&self, key: &TableKey, stamp: Stamp) -> Option<Arc<CachedTable>> {
        self.tables
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .filter(|cached| cached.stamp == stamp)
            .cloned()
    }

    fn keep(&self, key: TableKey, table: Arc<CachedTable>) {
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        tables.retain(|k, cached| k.year != key.year || cached.stamp == table.stamp);
        if tables.len() >= TABLES_KEPT
            && let Some(oldest) = tables
                .iter()
                .min_by_key(|(_, cached)| cached.stamp.generation)
                .map(|(k, _)| k.clone())
        {
            tables.remove(&oldest);
        }
        tables.insert(key, table);
    }
}

impl Store {
    /// The stamp of `year`'s data now: what a table and its ETag are computed from.
    pub fn table_stamp(&self, year: i32) -> Result<Stamp, StoreError> {
        let mut conn = self.conn()?;
        stamp(&mut conn, year)
    }

    /// `year`'s units table for `filter` as of `at` (from `table_stamp`): computed the first
    /// time, then shared until the year's data changes.
    pub fn year_table(
        &self,
        year: i32,
        filter: &UnitFilter,
        rollup: bool,
        at: Stamp,
    ) -> Result<Arc<CachedTable>, StoreError> {
        let key = TableKey {
            year,
            filter: filter.clone(),
            rollup,
        };
        if let Some(cached) = self.tables.get(&key, at) {
            return Ok(cached);
        }
        let units = self.unit_years(year, year, filter)?;
        let parents = if rollup { Some(self.parents()?) } else { None };
        let table = Arc::new(CachedTable {
            stamp: at,
            table: YearTable::build(units, parents.as_ref()),
            orders: Mutex::default(),
        });
        self.tables.keep(key, table.clone());
        Ok(table)
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
            .map(|root| self.subtree(root))
            .transpose()?;
        self.read(|conn| {
            let mut query = evaluation_metrics::table
                .inner_join(
                    departments::table
                        .on(departments::code.eq(evaluation_metrics::department_code)),
                )
                .filter(evaluation_metrics::year.between(from, to))
                .into_boxed();
            if let Some(codes) = &scope {
                query = query.filter(evaluation_metrics::department_code.eq_any(codes.clone()));
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
                query =
                    query.filter(evaluation_metrics::department_code.eq(code.as_str().to_owned()));
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
                priors.insert(year, three_public_actuals(conn, year - 1)?);
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
        })
    }

    /// Every department's parent, for rolling units up.
    pub fn parents(&self) -> Result<HashMap<String, Option<String>>, StoreError> {
        self.read(|conn| {
            let rows: Vec<(String, Option<String>)> = departments::table
                .select((departments::code, departments::parent_code))
                .load(conn)?;
            Ok(rows.into_iter().collect())
        })
    }

    /// The indicators of the years `from..=to`, within a unit's subtree when one is given.
    pub fn indicator_years(
        &self,
        from: i32,
        to: i32,
        within: Option<&UnitCode>,
    ) -> Result<Vec<IndicatorYear>, StoreError> {
        let scope = within.map(|root| self.subtree(root)).transpose()?;
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
        let scope = within.map(|root| self.subtree(root)).transpose()?;
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
