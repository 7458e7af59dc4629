//! 审计日志 — who did what, when, from where, and how it ended: every administrative and
//! review action and every failed authentication. Entries are only ever added.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::{Page, Store, StoreError, Window, now};

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
}

impl Store {
    pub fn record_audit(&self, entry: NewAuditEntry) -> Result<(), StoreError> {
        self.write(|conn| {
            diesel::insert_into(audit_log::table)
                .values((
                    audit_log::at.eq(now()),
                    audit_log::actor.eq(entry.actor),
                    audit_log::action.eq(entry.action),
                    audit_log::target.eq(entry.target),
                    audit_log::address.eq(entry.address),
                    audit_log::status.eq(i32::from(entry.status)),
                    audit_log::outcome.eq(entry.outcome),
                    audit_log::detail.eq(entry.detail),
                ))
                .execute(conn)?;
            Ok(())
        })
    }

    /// The log, newest first.
    pub fn audit_log(&self, window: Window) -> Result<Page<AuditEntry>, StoreError> {
        self.read(|conn| {
            let total = audit_log::table.count().get_result(conn)?;
            let items = audit_log::table
                .order(audit_log::id.desc())
                .limit(window.limit)
                .offset(window.offset)
                .select(AuditEntry::as_select())
                .load(conn)?;
            Ok(Page { items, total })
        })
    }
}
