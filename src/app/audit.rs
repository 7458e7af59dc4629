//! 审计日志 — how an entry is kept, and for how long. A request that acted, or that tried a
//! real user's password, has an entry of its own; refusals that name no one (a bad token, an
//! unknown user name, a login refused before its password was checked) are summed per address
//! over a window, so that a flood of them costs one row per address and kind, not one per
//! request. Each entry written prunes a bounded number of entries past the retention.

use chrono::{Duration, NaiveDateTime};

use super::access::require_admin;
use super::{AppError, administer};
use crate::domain::access::Caller;
pub use crate::store::audit::{AuditEntry, NewAuditEntry};
use crate::store::audit::{Keeping, Pruning};
use crate::store::{Page, Store, Window, now};

/// What the log keeps, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct AuditPolicy {
    retention: Duration,
}

/// Whose an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An action, or an attempt at a real user: a row of its own.
    Own,
    /// A refusal that names no one: summed with the like ones from its address.
    Anonymous,
}

impl AuditPolicy {
    /// The window over which anonymous refusals from one address are summed in one entry.
    pub const SUMMED_OVER: Duration = Duration::minutes(10);
    /// The most entries past the retention that writing one entry removes.
    pub const PRUNED_PER_ENTRY: i64 = 16;

    pub fn new(retention_days: u32) -> Self {
        Self {
            retention: Duration::days(i64::from(retention_days)),
        }
    }

    fn pruning(&self, at: NaiveDateTime) -> Pruning {
        Pruning {
            before: at - self.retention,
            at_most: Self::PRUNED_PER_ENTRY,
        }
    }
}

/// Records `entry`; an error says the log could not be written.
pub fn record(
    store: &Store,
    policy: &AuditPolicy,
    entry: &NewAuditEntry,
    kind: Kind,
) -> Result<(), AppError> {
    let at = now();
    let keeping = match kind {
        Kind::Own => Keeping::Own,
        Kind::Anonymous => Keeping::SummedSince(at - AuditPolicy::SUMMED_OVER),
    };
    administer("an audit entry", || {
        store.record_audit(entry, keeping, policy.pruning(at))
    })
}

/// A page of the log, newest first, with the window asked for in the request. Admins.
pub fn log(
    store: &Store,
    caller: &Caller,
    window: Result<Window, AppError>,
) -> Result<(Page<AuditEntry>, Window), AppError> {
    require_admin(caller)?;
    let window = window?;
    store.read_transaction(|tx| Ok((tx.audit_log(window)?, window)))
}
