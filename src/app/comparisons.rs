//! 横向与纵向比较 — units side by side, year over year, and the goals they keep missing. A
//! year's tables are read from the year's table, computed once per generation of its data and
//! kept by the comparison read model (`app::read_model`); the generation's stamp names it in
//! the ETag.

use std::sync::Arc;

use super::AppError;
use super::access::{list_scope, require_read};
pub use super::read_model::{Asked, CachedTable, ReadModel};
use crate::domain::access::Caller;
use crate::domain::comparison::{TrendYear, UnmetGoal, unit_trend, unmet_goals};
use crate::domain::department::UnitKind;
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::report::Grade;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::Store;
pub use crate::store::comparisons::UnitFilter;
pub use crate::store::generations::Stamp;

/// The units a caller's table is of: those the filter names, within what the caller sees.
pub fn unit_filter(
    caller: &Caller,
    kind: Option<UnitKind>,
    parent: Option<UnitCode>,
    status: Option<EvaluationStatus>,
    grade: Option<Grade>,
) -> Result<UnitFilter, AppError> {
    Ok(UnitFilter {
        kind,
        parent_code: parent,
        status,
        grade,
        department_code: None,
        within: list_scope(caller)?,
    })
}

/// The stamp of `year`'s data as read a moment ago, if it was: no database is asked.
pub fn recent_stamp(store: &Store, model: &ReadModel, year: FiscalYear) -> Option<Asked> {
    model.recent_stamp(store, year.value())
}

/// The stamp of `year`'s data: as read a moment ago, else from the database.
pub fn stamp(store: &Store, model: &ReadModel, year: FiscalYear) -> Result<Asked, AppError> {
    model.stamp(store, year.value())
}

/// `year`'s table for `filter` (rolled up to parents or not) that answers a request that read
/// the stamp `asked`: as kept, or rebuilt once however many requests ask for it.
pub fn year_table(
    store: &Store,
    model: &ReadModel,
    year: FiscalYear,
    (filter, rollup): (&UnitFilter, bool),
    asked: Asked,
) -> Result<Arc<CachedTable>, AppError> {
    model.year_table(store, year.value(), filter, rollup, asked)
}

/// The years from `from` to `to`, by default the five years up to the latest with data.
fn span(
    store: &Store,
    within: Option<&UnitCode>,
    from: Option<FiscalYear>,
    to: Option<FiscalYear>,
) -> Result<(i32, i32), AppError> {
    let to = match to {
        Some(to) => to.value(),
        None => store.latest_year(within)?.unwrap_or(FiscalYear::FIRST),
    };
    let from = from
        .map_or(to - 4, FiscalYear::value)
        .max(FiscalYear::FIRST);
    Ok((from, to))
}

/// The indicators missed in at least `at_least` consecutive years of the span, within what
/// the caller sees; with the span read.
pub fn unmet(
    store: &Store,
    caller: &Caller,
    from: Option<FiscalYear>,
    to: Option<FiscalYear>,
    at_least: usize,
) -> Result<(i32, i32, Vec<UnmetGoal>), AppError> {
    let within = list_scope(caller)?;
    let (from, to) = span(store, within.as_ref(), from, to)?;
    let indicators = store.indicator_years(from, to, within.as_ref())?;
    Ok((from, to, unmet_goals(&indicators, at_least)))
}

/// A unit's figures year by year over the span, if the caller may read its data; or, without
/// `department`, the district's within what the caller sees; with the span read.
pub fn trend(
    store: &Store,
    model: &ReadModel,
    caller: &Caller,
    department: Option<&UnitCode>,
    from: Option<FiscalYear>,
    to: Option<FiscalYear>,
) -> Result<(i32, i32, Vec<TrendYear>), AppError> {
    if let Some(code) = department {
        store.read_transaction(|tx| require_read(tx, caller, code))?;
    }
    let mut filter = unit_filter(caller, None, None, None, None)?;
    filter.department_code = department.cloned();
    let (from, to) = span(store, filter.within.as_ref(), from, to)?;
    let years = if department.is_some() {
        unit_trend(&store.unit_years(from, to, &filter)?)
    } else {
        district_trend(store, model, (from, to), &filter)?
    };
    Ok((from, to, years))
}

/// The district's series: each year's row read from that year's units table (computed once per
/// change of the year's data and shared with the tables), so a series over many units costs
/// what the tables already cost, not a read of every unit of every year.
fn district_trend(
    store: &Store,
    model: &ReadModel,
    (from, to): (i32, i32),
    filter: &UnitFilter,
) -> Result<Vec<TrendYear>, AppError> {
    let mut years = Vec::new();
    for year in from..=to {
        let asked = model.stamp(store, year)?;
        if asked.stamp.empty {
            continue;
        }
        let table = model.year_table(store, year, filter, false, asked)?;
        if !table.table.lines.is_empty() {
            years.push(table.table.district_year(year));
        }
    }
    Ok(years)
}
