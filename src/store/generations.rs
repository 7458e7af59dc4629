//! The generation of a year's comparison tables: the id of the latest change that touches
//! them, kept in the database (`table_changes`), so that every server reading the same database
//! sees a change made through another at its next request, and a table computed once can be
//! served until the generation moves.

use diesel::prelude::*;

use super::schema::{evaluation_metrics, table_changes};
use super::{DbConnection, StoreError};

/// How many changes a year gathers before the older rows are dropped: only the latest counts.
const PRUNE_EVERY: i64 = 1024;

/// Records, inside the caller's transaction, that what `year`'s tables show has changed (every
/// year's when `None`: a unit's name, kind or parent).
pub fn bump(conn: &mut DbConnection, year: Option<i32>) -> Result<(), StoreError> {
    let id: i64 = diesel::insert_into(table_changes::table)
        .values(table_changes::year.eq(year))
        .returning(table_changes::id)
        .get_result(conn)?;
    if id % PRUNE_EVERY == 0 {
        let older = table_changes::table.filter(table_changes::id.lt(id));
        match year {
            Some(year) => diesel::delete(older.filter(table_changes::year.eq(year))).execute(conn),
            None => diesel::delete(older.filter(table_changes::year.is_null())).execute(conn),
        }?;
    }
    Ok(())
}

/// What a year's tables were computed from: its generation, and whether it has any row at all
/// (projections emptied by hand, before a `reproject`, answer as empty at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub generation: i64,
    pub empty: bool,
}

impl Stamp {
    /// The stamp as a validator's text.
    pub fn text(self) -> String {
        if self.empty {
            format!("{}e", self.generation)
        } else {
            self.generation.to_string()
        }
    }
}

/// The year's current stamp: two index lookups, no table read.
pub(super) fn stamp(conn: &mut DbConnection, year: i32) -> Result<Stamp, StoreError> {
    let generation: Option<i64> = table_changes::table
        .filter(
            table_changes::year
                .eq(year)
                .or(table_changes::year.is_null()),
        )
        .select(diesel::dsl::max(table_changes::id))
        .get_result(conn)?;
    let present: bool = diesel::select(diesel::dsl::exists(
        evaluation_metrics::table.filter(evaluation_metrics::year.eq(year)),
    ))
    .get_result(conn)?;
    Ok(Stamp {
        generation: generation.unwrap_or(0),
        empty: !present,
    })
}
