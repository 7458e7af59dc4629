//! Reads the projections for the comparison tables: plain indexed SQL, no document parsed.
//! A year's units table is computed once per generation of the year's data and shared by the
//! requests that follow (`Store::year_table`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::generations::{Changes, Stamp, stamp};
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

/// More changed units than one in `REREAD_AT_MOST` of a table's rows, and the table is
/// computed anew rather than brought up to date.
const REREAD_AT_MOST: usize = 10;

/// The units whose rows changed since `previous` was computed: the changes it has not seen.
/// `None` when the table must be computed anew: a change of every unit, changes dropped since
/// it was computed (it may have missed one), or too many units to read again.
fn units_changed_since(previous: &CachedTable, changes: &Changes) -> Option<Vec<String>> {
    if changes.may_have_dropped_unseen(previous.read_through) {
        return None;
    }
    let mut codes = Vec::new();
    for (id, code) in &changes.of_year {
        if previous.seen.binary_search(id).is_err() {
            codes.push(code.clone()?);
        }
    }
    codes.sort_unstable();
    codes.dedup();
    (codes.len() <= previous.table.lines.len() / REREAD_AT_MOST).then_some(codes)
}

/// Every department's parent, for rolling units up.
fn parents_of(conn: &mut DbConnection) -> Result<HashMap<String, Option<String>>, StoreError> {
    let rows: Vec<(String, Option<String>)> = departments::table
        .select((departments::code, departments::parent_code))
        .load(conn)?;
    Ok(rows.into_iter().collect())
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
    /// The year's changes the table includes, by id, and the latest change of any year when
    /// they were read: what a later table need not read again.
    seen: Vec<i64>,
    read_through: Option<i64>,
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
    /// The table kept under `key`, whatever its stamp.
    fn latest(&self, key: &TableKey) -> Option<Arc<CachedTable>> {
        self.tables
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn get(&self, key: &TableKey, stamp: Stamp) -> Option<Arc<CachedTable>> {
        let found = self
            .tables
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .filter(|cached| cached.stamp == stamp)
            .cloned();
        crate::metrics::cache_lookup(crate::metrics::Cache::YearTables, found.is_some());
        found
    }

    fn keep(&self, key: TableKey, table: Arc<CachedTable>) {
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        let mut dropped: Vec<Arc<CachedTable>> = Vec::new();
        tables.retain(|k, cached| {
            let kept = k.year != key.year || cached.stamp == table.stamp;
            if !kept {
                dropped.push(cached.clone());
            }
            kept
        });
        if tables.len() >= TABLES_KEPT
            && let Some(oldest) = tables
                .iter()
                .min_by_key(|(_, cached)| cached.stamp.generation)
                .map(|(k, _)| k.clone())
        {
            dropped.extend(tables.remove(&oldest));
        }
        dropped.extend(tables.insert(key, table));
        // The tables let go are freed after the lock, not while other requests wait on it.
        drop(tables);
        drop(dropped);
    }
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

    /// `year`'s units table for `filter` as of `at` (from `table_stamp`): computed the first
    /// time, then shared until the year's data changes; then brought up to date from the table
    /// before by reading again only the units changed since (a table rolled up, or after a
    /// change of every unit, is computed anew).
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
        // A year emptied by hand (see `Stamp::empty`) changed without a change recorded: then,
        // and from then, the table is computed anew.
        let previous = self
            .tables
            .latest(&key)
            .filter(|previous| !rollup && !at.empty && !previous.stamp.empty);
        let (table, anew) = self.read(|conn| -> Result<(CachedTable, bool), StoreError> {
            // The changes are read before everything the table is made of (the caller's
            // subtree, the parents, the rows): a change committed in between is read again
            // next time, never missed.
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
            let changed = previous
                .as_deref()
                .and_then(|previous| units_changed_since(previous, &changes));
            let (table, anew) = match (&previous, changed) {
                (Some(previous), Some(codes)) => {
                    let units =
                        unit_years_of(conn, (year, year), filter, scope.as_deref(), Some(&codes))?;
                    let read_again = codes.iter().map(String::as_str).collect();
                    (previous.table.with_changes(units, &read_again), false)
                }
                _ => {
                    let units = unit_years_of(conn, (year, year), filter, scope.as_deref(), None)?;
                    (YearTable::build(units, parents.as_ref()), true)
                }
            };
            let table = CachedTable {
                stamp: at,
                table,
                seen: changes.of_year.iter().map(|(id, _)| *id).collect(),
                read_through: changes.latest,
                orders: Mutex::default(),
            };
            Ok((table, anew))
        })?;
        let table = Arc::new(table);
        self.tables.keep(key, table.clone());
        if anew {
            // Reading every row of the year left as much free again; the table stays.
            crate::memory::give_back();
        }
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
