//! 比较读模型 — the comparison tables' read model, and the one owner of what they keep: the
//! year tables (each year's units table per filter, computed once per generation of the year's
//! data and brought up to date after a change), the row orders asked of each, the JSON answers
//! written from them, and the rules that say when any of it is stale. The store only reads the
//! rows and the stamps (`Store::year_rows`, `Store::table_stamp`); the api asks through
//! `app::comparisons`.
//!
//! **When a table is stale.** A table is kept with the stamp of the year's data it was read at
//! (`Stamp`). A request reads the year's stamp first; the kept table answers it when its stamp
//! is that one, or when its rows were read after the request read its stamp (then they hold all
//! the stamp names, and more). Else the table is rebuilt: from the table before, by reading
//! again only the units changed since (`units_changed_since`), or anew (a table rolled up, a
//! change of every unit, changes dropped since, a year emptied by hand, more changed units than
//! a tenth of the rows). An answer written from a table is kept under its ETag, which names the
//! stamp: a new stamp is a new ETag, and the answers of older stamps are never asked for again.
//!
//! **One rebuild at a time (single flight).** However many requests find a table stale, one
//! rebuilds it; the others wait for that rebuild, holding no database connection, and are
//! answered from what it built when it read its rows after they read their stamps (see
//! docs/comparisons.md for why they wait rather than take the previous generation). The rebuild
//! reads the rows in one read transaction, gives the connection back, and then computes.
//!
//! **The project rows** (`project_year`) follow the same rules: a year's rows are kept with
//! the stamp they were read at, brought up to date by reading again only the units changed
//! since, one reading at a time (`app::project_tables`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use bytes::Bytes;

use super::AppError;
use super::project_tables::{self, ProjectYear};
use crate::domain::comparison::YearTable;
use crate::domain::values::FiscalYear;
use crate::metrics::TableCounts;
use crate::store::Store;
use crate::store::comparisons::UnitFilter;
use crate::store::generations::{Changes, Stamp};

/// More changed units than one in `REREAD_AT_MOST` of a table's rows, and the table is
/// computed anew rather than brought up to date.
const REREAD_AT_MOST: usize = 10;

/// How many computed tables are kept: each distinct filter (and each unit caller's subtree)
/// is a table of its own.
const TABLES_KEPT: usize = 32;

/// How many bytes of written answers are kept; past it, all are dropped and the keeping starts
/// over (answers of an older generation are never asked for again, and go the same way).
const ANSWERS_KEPT_BYTES: usize = 16 << 20;

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
    /// The rebuild that made it (`ReadModel::rebuilds`): its rows were read after every
    /// stamp read before that rebuild began.
    began: u64,
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

    /// Whether this table answers a request that read `asked`.
    fn answers(&self, asked: Asked) -> bool {
        self.stamp == asked.stamp || self.began > asked.after
    }
}

/// A year's stamp as a request read it, and when: the rebuilds begun after it read the rows of
/// everything the stamp names.
#[derive(Debug, Clone, Copy)]
pub struct Asked {
    pub stamp: Stamp,
    /// The count of rebuilds begun when the stamp had been read.
    after: u64,
}

/// A table's place: the table kept, and whether a rebuild of it is under way.
#[derive(Debug, Default)]
struct Slot {
    table: Option<Arc<CachedTable>>,
    rebuilding: bool,
}

/// The comparison read model of one application: shared by its workers.
#[derive(Debug, Default)]
pub struct ReadModel {
    slots: Mutex<HashMap<TableKey, Slot>>,
    /// Told whenever a rebuild ends, so that the requests waiting for it look again.
    rebuilt: Condvar,
    /// How many rebuilds have begun: what `Asked::after` and `CachedTable::began` count.
    rebuilds: AtomicU64,
    computed: AtomicU64,
    updated: AtomicU64,
    waited: AtomicU64,
    answers: WrittenAnswers,
    /// Each year's project rows as last read.
    projects: Mutex<HashMap<i32, Arc<ProjectYear>>>,
    /// Held while a year's project rows are read: one reading at a time; the others wait for
    /// it and are answered from what it read.
    project_reading: Mutex<()>,
}

impl ReadModel {
    /// `stamp`, read just now.
    fn asked(&self, stamp: Stamp) -> Asked {
        Asked {
            stamp,
            after: self.rebuilds.load(Ordering::SeqCst),
        }
    }

    /// The stamp of `year`'s data as read a moment ago, if it was: no database is asked.
    pub fn recent_stamp(&self, store: &Store, year: i32) -> Option<Asked> {
        store
            .recent_table_stamp(year)
            .map(|stamp| self.asked(stamp))
    }

    /// The stamp of `year`'s data: as read a moment ago, else from the database.
    pub fn stamp(&self, store: &Store, year: i32) -> Result<Asked, AppError> {
        let stamp = store.table_stamp(year)?;
        Ok(self.asked(stamp))
    }

    /// `year`'s table for `filter` (rolled up to parents or not) that answers a request that
    /// read `asked`: the table kept, or the one the rebuild under way makes, or one this
    /// request rebuilds when none is under way. Blocks while another request rebuilds it.
    pub fn year_table(
        &self,
        store: &Store,
        year: i32,
        filter: &UnitFilter,
        rollup: bool,
        asked: Asked,
    ) -> Result<Arc<CachedTable>, AppError> {
        let key = TableKey {
            year,
            filter: filter.clone(),
            rollup,
        };
        let mut slots = self.slots();
        let mut waited = false;
        loop {
            let slot = slots.entry(key.clone()).or_default();
            if let Some(table) = slot.table.as_ref().filter(|t| t.answers(asked)) {
                crate::metrics::cache_lookup(crate::metrics::Cache::YearTables, !waited);
                return Ok(table.clone());
            }
            if !slot.rebuilding {
                slot.rebuilding = true;
                let previous = slot.table.clone();
                drop(slots);
                crate::metrics::cache_lookup(crate::metrics::Cache::YearTables, false);
                return self.rebuild(store, &key, previous);
            }
            if !waited {
                waited = true;
                self.waited.fetch_add(1, Ordering::Relaxed);
            }
            // A poisoned lock holds only whole tables and flags that a rebuild's guard resets.
            slots = self.rebuilt.wait(slots).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<TableKey, Slot>> {
        // A poisoned lock holds only whole tables and flags that a rebuild's guard resets.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Rebuilds the table of `key` from `previous` (the one kept, if any), and keeps it: reads
    /// the rows in one transaction, gives the connection back, then computes.
    fn rebuild(
        &self,
        store: &Store,
        key: &TableKey,
        previous: Option<Arc<CachedTable>>,
    ) -> Result<Arc<CachedTable>, AppError> {
        let mut ending = RebuildEnding {
            model: self,
            key,
            table: None,
        };
        let began = self.rebuilds.fetch_add(1, Ordering::SeqCst) + 1;
        let rows = store.year_rows(key.year, &key.filter, key.rollup, |stamp, changes| {
            // A year emptied by hand (see `Stamp::empty`) changed without a change recorded:
            // then, and from then, the table is computed anew; so is a table rolled up.
            previous
                .as_deref()
                .filter(|previous| !key.rollup && !stamp.empty && !previous.stamp.empty)
                .and_then(|previous| units_changed_since(previous, changes))
        })?;
        let (table, anew) = match (&previous, &rows.read_again) {
            (Some(previous), Some(codes)) => {
                let read_again: HashSet<&str> = codes.iter().map(String::as_str).collect();
                (previous.table.with_changes(rows.units, &read_again), false)
            }
            _ => (YearTable::build(rows.units, rows.parents.as_ref()), true),
        };
        let table = Arc::new(CachedTable {
            stamp: rows.stamp,
            table,
            seen: rows.changes.of_year.iter().map(|(id, _)| *id).collect(),
            read_through: rows.changes.latest,
            began,
            orders: Mutex::default(),
        });
        let counter = if anew { &self.computed } else { &self.updated };
        counter.fetch_add(1, Ordering::Relaxed);
        ending.table = Some(table.clone());
        drop(previous);
        drop(ending);
        if anew {
            // Reading every row of the year left as much free again; the table stays.
            crate::memory::give_back();
        }
        Ok(table)
    }

    /// `year`'s project rows that answer a request that read `asked`: those kept, or those a
    /// reading under way reads, or those this request reads (only the units changed since the
    /// rows kept, where it can). Blocks while another request reads them.
    pub fn project_year(
        &self,
        store: &Store,
        year: FiscalYear,
        asked: Asked,
    ) -> Result<Arc<ProjectYear>, AppError> {
        let kept = |model: &Self| {
            // A poisoned lock holds only whole readings; taking it over is safe.
            let years = model.projects.lock().unwrap_or_else(|e| e.into_inner());
            years.get(&year.value()).cloned()
        };
        let answers = |rows: &ProjectYear| rows.stamp == asked.stamp || rows.began > asked.after;
        if let Some(rows) = kept(self).filter(|rows| answers(rows)) {
            crate::metrics::cache_lookup(crate::metrics::Cache::YearTables, true);
            return Ok(rows);
        }
        let turn = self
            .project_reading
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let previous = kept(self);
        if let Some(rows) = previous.as_ref().filter(|rows| answers(rows)) {
            crate::metrics::cache_lookup(crate::metrics::Cache::YearTables, false);
            return Ok(rows.clone());
        }
        crate::metrics::cache_lookup(crate::metrics::Cache::YearTables, false);
        let began = self.rebuilds.fetch_add(1, Ordering::SeqCst) + 1;
        let (rows, anew) = project_tables::read(
            store,
            year,
            previous.as_deref(),
            began,
            |previous, changes| {
                changed_units(
                    &previous.seen,
                    previous.read_through,
                    changes,
                    previous.rows(),
                )
            },
        )?;
        let rows = Arc::new(rows);
        let counter = if anew { &self.computed } else { &self.updated };
        counter.fetch_add(1, Ordering::Relaxed);
        self.projects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(year.value(), rows.clone());
        drop(turn);
        drop(previous);
        Ok(rows)
    }

    /// How the year tables were served since the start.
    pub fn table_counts(&self) -> TableCounts {
        TableCounts {
            computed: self.computed.load(Ordering::Relaxed),
            updated: self.updated.load(Ordering::Relaxed),
            waited: self.waited.load(Ordering::Relaxed),
        }
    }

    /// The JSON answer written before under `etag`, if it is kept.
    pub fn written(&self, etag: &str) -> Option<Bytes> {
        self.answers.get(etag)
    }

    /// Keeps the JSON answer written under `etag`.
    pub fn keep_written(&self, etag: String, body: Bytes) {
        self.answers.keep(etag, body);
    }
}

/// The end of a rebuild, however it ends (built, failed, or a panic): the table built is kept,
/// the slot no longer rebuilding, and the requests waiting are told.
struct RebuildEnding<'m> {
    model: &'m ReadModel,
    key: &'m TableKey,
    table: Option<Arc<CachedTable>>,
}

impl Drop for RebuildEnding<'_> {
    fn drop(&mut self) {
        let mut slots = self.model.slots();
        let dropped = match self.table.take() {
            Some(table) => keep(&mut slots, self.key, table),
            None => Vec::new(),
        };
        if let Some(slot) = slots.get_mut(self.key) {
            slot.rebuilding = false;
        }
        drop(slots);
        self.model.rebuilt.notify_all();
        // The tables let go are freed after the lock, not while other requests wait on it.
        drop(dropped);
    }
}

/// Keeps `table` under `key`: the other tables of its year at another stamp go, and past
/// `TABLES_KEPT` the oldest. Answers the tables let go, to be freed outside the lock.
fn keep(
    slots: &mut HashMap<TableKey, Slot>,
    key: &TableKey,
    table: Arc<CachedTable>,
) -> Vec<Arc<CachedTable>> {
    let mut dropped = Vec::new();
    for (k, slot) in slots.iter_mut() {
        if k.year == key.year && slot.table.as_ref().is_some_and(|t| t.stamp != table.stamp) {
            dropped.extend(slot.table.take());
        }
    }
    slots.retain(|k, slot| k == key || slot.rebuilding || slot.table.is_some());
    let kept = slots.values().filter(|slot| slot.table.is_some()).count();
    if kept >= TABLES_KEPT
        && let Some(oldest) = slots
            .iter()
            .filter(|(k, _)| *k != key)
            .filter_map(|(k, slot)| slot.table.as_ref().map(|t| (k, t.stamp.generation)))
            .min_by_key(|(_, generation)| *generation)
            .map(|(k, _)| k.clone())
        && let Some(slot) = slots.get_mut(&oldest)
    {
        dropped.extend(slot.table.take());
    }
    dropped.extend(slots.entry(key.clone()).or_default().table.replace(table));
    dropped
}

/// The units whose rows changed since `previous` was computed: the changes it has not seen.
/// `None` when the table must be computed anew (see `changed_units`).
fn units_changed_since(previous: &CachedTable, changes: &Changes) -> Option<Vec<String>> {
    changed_units(
        &previous.seen,
        previous.read_through,
        changes,
        previous.table.lines.len(),
    )
}

/// The units changed since rows that saw the changes `seen` (by id) and read through
/// `read_through`. `None` when the rows must be read anew: a change of every unit, changes
/// dropped since they were read (they may have missed one), or more units than one in
/// `REREAD_AT_MOST` of their `rows`.
fn changed_units(
    seen: &[i64],
    read_through: Option<i64>,
    changes: &Changes,
    rows: usize,
) -> Option<Vec<String>> {
    if changes.may_have_dropped_unseen(read_through) {
        return None;
    }
    let mut codes = Vec::new();
    for (id, code) in &changes.of_year {
        if seen.binary_search(id).is_err() {
            codes.push(code.clone()?);
        }
    }
    codes.sort_unstable();
    codes.dedup();
    (codes.len() <= rows / REREAD_AT_MOST).then_some(codes)
}

/// JSON answers already written from the year tables, by ETag. An ETag names the year's data
/// generation and everything else an answer depends on, so the answer kept under it is the one
/// that would be written again: a page asked for again is sent as it was, not written anew.
#[derive(Debug, Default)]
struct WrittenAnswers {
    /// The answers, and how many bytes they hold together.
    kept: Mutex<(HashMap<String, Bytes>, usize)>,
}

impl WrittenAnswers {
    fn get(&self, etag: &str) -> Option<Bytes> {
        // A poisoned lock holds only whole answers; taking it over is safe.
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let found = kept.0.get(etag).cloned();
        drop(kept);
        crate::metrics::cache_lookup(crate::metrics::Cache::WrittenAnswers, found.is_some());
        found
    }

    fn keep(&self, etag: String, body: Bytes) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let (answers, bytes) = &mut *kept;
        if *bytes + body.len() > ANSWERS_KEPT_BYTES {
            answers.clear();
            *bytes = 0;
        }
        if body.len() <= ANSWERS_KEPT_BYTES {
            *bytes += body.len();
            answers.insert(etag, body);
        }
    }
}
