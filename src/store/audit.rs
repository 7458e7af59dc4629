//! 审计日志 — who did what, when, from where, and how it ended: every administrative and
//! review action and every failed authentication. Entries are added; refusals of one kind from
//! one address are summed in one entry per window; entries older than the retention go.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConnection, Page, Store, StoreError, Transaction, Window, now};

/// An entry to record; the time is the store's.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub address: Option<String>,
    pub status: u16,
    pub outcome: &'static str,
    pub detail: Option<String>,
}

/// An entry as recorded.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub address: Option<String>,
    pub status: i32,
    pub outcome: String,
    pub detail: Option<String>,
    /// How many requests the entry stands for: 1, or more for summed refusals.
    pub occurrences: i32,
}

/// How an entry is kept.
#[derive(Debug, Clone, Copy)]
pub enum Keeping {
    /// A row of its own.
    Own,
    /// Added to the latest entry recorded since then from the same address with the same
    /// action, status and detail and no actor, if there is one.
    SummedSince(NaiveDateTime),
}

/// Which old entries go when one is recorded: at most `at_most` of those before `before`,
/// oldest first, so that each write costs a bounded amount.
#[derive(Debug, Clone, Copy)]
pub struct Pruning {
    pub before: NaiveDateTime,
    pub at_most: i64,
}

/// The entry an administrative write records in its own transaction, made from what the
/// write did: the change and its entry are stored together, or neither is.
pub struct Recording<'a, T> {
    pub entry: &'a dyn Fn(&T) -> NewAuditEntry,
    pub pruning: Pruning,
}

/// `done`, once its entry, if there is one to write, is written on `conn`.
pub(super) fn recorded<T>(
    conn: &mut DbConnection,
    recording: Option<&Recording<'_, T>>,
    done: T,
) -> Result<T, StoreError> {
    if let Some(recording) = recording {
        let entry = (recording.entry)(&done);
        write_entry(conn, &entry, Keeping::Own, recording.pruning).map_err(
            |error| match error {
                StoreError::Contended | StoreError::Outage | StoreError::Unavailable(_) => error,
                // A change is not made without its entry: for its caller, storage is unavailable.
                other => {
                    StoreError::Unavailable(format!("the audit log cannot be written: {other}"))
                }
            },
        )?;
    }
    Ok(done)
}

/// Records `entry` as `keeping` says, and prunes as `pruning` says, on `conn`.
fn write_entry(
    conn: &mut DbConnection,
    entry: &NewAuditEntry,
    keeping: Keeping,
    pruning: Pruning,
) -> Result<(), StoreError> {
    let summed_into = match (keeping, &entry.address, &entry.detail) {
        (Keeping::SummedSince(since), Some(address), Some(detail)) => audit_log::table
            .filter(audit_log::address.eq(address))
            .filter(audit_log::action.eq(&entry.action))
            .filter(audit_log::status.eq(i32::from(entry.status)))
            .filter(audit_log::detail.eq(detail))
            .filter(audit_log::actor.is_null())
            .filter(audit_log::at.ge(since))
            .order(audit_log::id.desc())
            .select(audit_log::id)
            .first::<i64>(conn)
            .optional()?,
        _ => None,
    };
    match summed_into {
        Some(id) => {
            diesel::update(audit_log::table.find(id))
                .set(audit_log::occurrences.eq(audit_log::occurrences + 1))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(audit_log::table)
                .values((
                    audit_log::at.eq(now()),
                    audit_log::actor.eq(&entry.actor),
                    audit_log::action.eq(&entry.action),
                    audit_log::target.eq(&entry.target),
                    audit_log::address.eq(&entry.address),
                    audit_log::status.eq(i32::from(entry.status)),
                    audit_log::outcome.eq(entry.outcome),
                    audit_log::detail.eq(&entry.detail),
                ))
                .execute(conn)?;
        }
    }
    let old: Vec<i64> = audit_log::table
        .filter(audit_log::at.lt(pruning.before))
        .order(audit_log::at.asc())
        .select(audit_log::id)
        .limit(pruning.at_most)
        .load(conn)?;
    if !old.is_empty() {
        diesel::delete(audit_log::table.filter(audit_log::id.eq_any(old))).execute(conn)?;
    }
    Ok(())
}

impl Store {
    /// Records `entry` in a transaction of its own (READ COMMITTED: a sum is one row's update,
    /// and two writers pruning the same rows wait for each other rather than fail): what is
    /// recorded apart from any change — a login, a refusal.
    pub fn record_audit(
        &self,
        entry: &NewAuditEntry,
        keeping: Keeping,
        pruning: Pruning,
    ) -> Result<(), StoreError> {
        self.write_transaction(|tx| tx.record_audit(entry, keeping, pruning))
    }
}

impl Transaction<'_> {
    /// Records `entry` in this transaction: with the change it records, or not at all.
    pub fn record_audit(
        &mut self,
        entry: &NewAuditEntry,
        keeping: Keeping,
        pruning: Pruning,
    ) -> Result<(), StoreError> {
        write_entry(self.conn, entry, keeping, pruning)
    }

    /// The log, newest first.
    pub fn audit_log(&mut self, window: Window) -> Result<Page<AuditEntry>, StoreError> {
        let conn = &mut *self.conn;
        let total = audit_log::table.count().get_result(conn)?;
        let items = audit_log::table
            .order(audit_log::id.desc())
            .limit(window.limit)
            .offset(window.offset)
            .select(AuditEntry::as_select())
            .load(conn)?;
        Ok(Page { items, total })
    }
}
