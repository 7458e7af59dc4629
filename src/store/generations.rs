//! The generation of a year's comparison tables, kept in the database (`table_changes`: one row
//! per change, with the unit it is about), so that every server reading the same database sees
//! a change made through another at its next request, a table computed once is served until its
//! year changes, and a table computed before is brought up to date by reading again only the
//! units changed since.

use diesel::prelude::*;

use super::schema::{evaluation_metrics, table_changes};
use super::{DbConnection, StoreError};

/// Every `PRUNE_EVERY`th change drops the changes older than the last two `PRUNE_EVERY`. A
/// transaction that commits its change more than `PRUNE_EVERY` changes after it took the change's
/// id is taken not to happen; a table that read the changes less than `PRUNE_EVERY` ids above the
/// oldest kept is computed anew, not brought up to date (`Changes::may_have_dropped_unseen`).
const PRUNE_EVERY: i64 = 1024;

/// Records, inside the caller's transaction, that what `year`'s tables show of `department`
/// has changed; every year's when `year` is `None`, every unit's when `department` is `None`
/// (a unit's name, kind or parent, which filters and roll-ups read).
pub fn bump(
    conn: &mut DbConnection,
    year: Option<i32>,
    department: Option<&str>,
) -> Result<(), StoreError> {
    let id: i64 = diesel::insert_into(table_changes::table)
        .values((
            table_changes::year.eq(year),
            table_changes::department_code.eq(department),
        ))
        .returning(table_changes::id)
        .get_result(conn)?;
    if id % PRUNE_EVERY == 0 {
        diesel::delete(table_changes::table.filter(table_changes::id.le(id - 2 * PRUNE_EVERY)))
            .execute(conn)?;
    }
    Ok(())
}

/// What a year's tables were computed from: the latest change, how many changes there are
/// and the oldest change kept (so that a change whose transaction began first but committed
/// last still moves the stamp, even when a pruning drops as many), and whether the year has any
/// row at all (projections emptied by hand, before a `reproject`, answer as empty at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub generation: i64,
    pub changes: i64,
    pub oldest: i64,
    pub empty: bool,
}

impl Stamp {
    /// The stamp as a validator's text.
    pub fn text(self) -> String {
        let empty = if self.empty { "e" } else { "" };
        format!(
            "{}.{}.{}{empty}",
            self.generation, self.changes, self.oldest
        )
    }
}

/// The year's current stamp, in one query of index lookups and no table read. The year's
/// changes and those that touch every year are looked up apart: each is a range of the index
/// on (year, id), where an `OR` of the two would walk the index.
pub(super) fn stamp(conn: &mut DbConnection, year: i32) -> Result<Stamp, StoreError> {
    let of_year = || table_changes::table.filter(table_changes::year.eq(year));
    let of_all = || table_changes::table.filter(table_changes::year.is_null());
    let (latest_of_year, latest_of_all, count_of_year, count_of_all, oldest, present): (
        Option<i64>,
        Option<i64>,
        i64,
        i64,
        Option<i64>,
        bool,
    ) = diesel::select((
        of_year()
            .select(diesel::dsl::max(table_changes::id))
            .single_value(),
        of_all()
            .select(diesel::dsl::max(table_changes::id))
            .single_value(),
        of_year().count().single_value().assume_not_null(),
        of_all().count().single_value().assume_not_null(),
        table_changes::table
            .select(diesel::dsl::min(table_changes::id))
            .single_value(),
        diesel::dsl::exists(evaluation_metrics::table.filter(evaluation_metrics::year.eq(year))),
    ))
    .get_result(conn)?;
    Ok(Stamp {
        generation: latest_of_year.max(latest_of_all).unwrap_or(0),
        changes: count_of_year + count_of_all,
        oldest: oldest.unwrap_or(0),
        empty: !present,
    })
}

/// One change of a year's tables: its id, and the unit it is about (`None`: every unit).
pub type Change = (i64, Option<String>);

/// The changes kept that touch a year's tables, and the range of ids kept of every year's.
#[derive(Debug)]
pub struct Changes {
    /// By id.
    pub of_year: Vec<Change>,
    /// The oldest change kept, of any year: those before it were dropped.
    pub oldest_kept: Option<i64>,
    /// The latest change of any year when these were read.
    pub latest: Option<i64>,
}

impl Changes {
    /// Whether a change that a table read through `read_through` had not seen may have been
    /// dropped since (see `PRUNE_EVERY`). Nothing is dropped before the first pruning.
    pub fn may_have_dropped_unseen(&self, read_through: Option<i64>) -> bool {
        match (self.oldest_kept, read_through) {
            (None, _) => false,
            (Some(oldest), _) if oldest <= 1 => false,
            (Some(oldest), Some(read_through)) => read_through < oldest + PRUNE_EVERY,
            (Some(_), None) => true,
        }
    }
}

/// The changes kept that touch `year`'s tables. The range of ids is read last: on PostgreSQL
/// each statement sees what is committed when it runs, and a pruning committed in between
/// then shows in the range, which errs towards computing a table anew.
pub(super) fn changes(conn: &mut DbConnection, year: i32) -> Result<Changes, StoreError> {
    let of_year: Vec<Change> = table_changes::table
        .filter(table_changes::year.eq(year))
        .select((table_changes::id, table_changes::department_code))
        .load(conn)?;
    let of_all: Vec<i64> = table_changes::table
        .filter(table_changes::year.is_null())
        .select(table_changes::id)
        .load(conn)?;
    let mut of_year: Vec<Change> = of_year
        .into_iter()
        .chain(of_all.into_iter().map(|id| (id, None)))
        .collect();
    of_year.sort_unstable_by_key(|(id, _)| *id);
    let (oldest_kept, latest): (Option<i64>, Option<i64>) = table_changes::table
        .select((
            diesel::dsl::min(table_changes::id),
            diesel::dsl::max(table_changes::id),
        ))
        .get_result(conn)?;
    Ok(Changes {
        of_year,
        oldest_kept,
        latest,
    })
}

impl super::Transaction<'_> {
    /// The year's stamp and the changes kept of it, read before anything else this transaction
    /// reads: a change committed after them is read again next time, never missed.
    pub fn year_changes(&mut self, year: i32) -> Result<(Stamp, Changes), StoreError> {
        let stamp = stamp(self.conn, year)?;
        let changes = changes(self.conn, year)?;
        Ok((stamp, changes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(oldest_kept: Option<i64>) -> Changes {
        Changes {
            of_year: Vec::new(),
            oldest_kept,
            latest: None,
        }
    }

    #[test]
    fn unseen_changes_may_be_dropped_only_after_a_pruning_that_reached_near_the_table() {
        // Nothing pruned yet: every change since is still there.
        assert!(!kept(None).may_have_dropped_unseen(None));
        assert!(!kept(Some(1)).may_have_dropped_unseen(Some(40)));
        // Pruned far below what the table read: a late commit there would be older still.
        assert!(!kept(Some(2_049)).may_have_dropped_unseen(Some(2_049 + PRUNE_EVERY)));
        // Pruned up to near what the table read, or the table read before any change.
        assert!(kept(Some(2_049)).may_have_dropped_unseen(Some(2_049 + PRUNE_EVERY - 1)));
        assert!(kept(Some(2_049)).may_have_dropped_unseen(None));
    }
}
