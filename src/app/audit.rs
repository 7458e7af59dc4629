//! 审计日志 — how an entry is kept, and for how long. Every use case that changes something
//! writes its entry in its own transaction (`Trail::change`, `Trail::administer`): the change
//! and its entry are stored together, or neither is; a refused change is recorded as refused
//! once its transaction is rolled back. A login that tried a real user's password has an
//! entry of its own; refusals that name no one (a bad token, an unknown user name, a login
//! refused before its password was checked) are summed per address over a window, so that a
//! flood of them costs one row per address and kind, not one per request. Each entry written
//! prunes a bounded number of entries past the retention.

use chrono::{Duration, NaiveDateTime};

use super::access::require_admin;
use super::{AppError, administer, retrying};
use crate::domain::access::Caller;
pub use crate::store::audit::{AuditEntry, NewAuditEntry};
use crate::store::audit::{Keeping, Pruning, Recording};
use crate::store::{Page, Store, StoreError, Transaction, Window, now};

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

/// What a change was answered with, as its entry keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// 200: done (or nothing to do).
    Done,
    /// 201: made.
    Created,
    /// 204: removed.
    Removed,
}

impl Answered {
    /// The HTTP status the answer has, which the log keeps.
    pub fn status(self) -> u16 {
        match self {
            Self::Done => 200,
            Self::Created => 201,
            Self::Removed => 204,
        }
    }
}

/// The request a change comes with, as the log keeps it: from where, on what, under which
/// policy, and the status the service answers each refusal with. Made by the api from the
/// request; every use case that changes something takes one.
#[derive(Debug, Clone)]
pub struct Trail {
    pub policy: AuditPolicy,
    /// The client's address (`api::audit::logged_address`).
    pub address: Option<String>,
    /// The request's path, cut to a bounded length.
    pub target: String,
    /// The status a use case's error is answered with.
    pub answered: fn(&AppError) -> u16,
}

impl Trail {
    fn entry(
        &self,
        caller: &Caller,
        action: &str,
        status: u16,
        detail: Option<String>,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor: Some(caller.subject.clone()),
            action: action.to_owned(),
            target: Some(self.target.clone()),
            address: self.address.clone(),
            status,
            outcome: outcome(status),
            detail,
        }
    }

    /// Runs `work` as one write transaction under the retry policy, and writes the entry of
    /// `action` that `describe` makes of what it did in the same transaction; when the work
    /// is refused, records the refusal (`settle`).
    pub(crate) fn change<T>(
        &self,
        store: &Store,
        caller: &Caller,
        action: &str,
        what: &dyn std::fmt::Display,
        mut work: impl FnMut(&mut Transaction<'_>) -> Result<T, AppError>,
        describe: impl Fn(&T) -> (Answered, Option<String>),
    ) -> Result<T, AppError> {
        let done = retrying(store, what, |tx| {
            let done = work(tx)?;
            let (answered, detail) = describe(&done);
            let entry = self.entry(caller, action, answered.status(), detail);
            // A lost race is tried again as any write's; anything else leaves the change
            // unmade, for want of its entry.
            tx.record_audit(&entry, Keeping::Own, self.policy.pruning(now()))
                .map_err(|error| match error {
                    StoreError::Contended => AppError::Store(error),
                    other => AppError::Unrecorded(other),
                })?;
            Ok(done)
        });
        self.settle(store, caller, action, done)
    }

    /// An administrative write that the store makes in a transaction of its own, given the
    /// entry of `action` that `describe` makes of what it did, to store with it; when it is
    /// refused, records the refusal (`settle`).
    fn administer<T>(
        &self,
        store: &Store,
        caller: &Caller,
        action: &str,
        mut write: impl FnMut(&Recording<'_, T>) -> Result<T, StoreError>,
        describe: impl Fn(&T) -> (Answered, Option<String>),
    ) -> Result<T, AppError> {
        let entry = |done: &T| {
            let (answered, detail) = describe(done);
            self.entry(caller, action, answered.status(), detail)
        };
        let recording = Recording {
            entry: &entry,
            pruning: self.policy.pruning(now()),
        };
        let done = administer(action, || write(&recording));
        self.settle(store, caller, action, done)
    }

    /// An administrative write of `input` (read from the request) that only admins make: the
    /// caller's right is checked first, then the input, then the store writes it with its
    /// entry (`administer`); a refusal of any of them is recorded (`settle`).
    pub(crate) fn administer_as_admin<I, T>(
        &self,
        store: &Store,
        caller: &Caller,
        action: &str,
        input: Result<I, AppError>,
        mut write: impl FnMut(&I, &Recording<'_, T>) -> Result<T, StoreError>,
        describe: impl Fn(&T) -> (Answered, Option<String>),
    ) -> Result<T, AppError> {
        let checked = require_admin(caller).and(input);
        let input = self.settle(store, caller, action, checked)?;
        self.administer(
            store,
            caller,
            action,
            |recording| write(&input, recording),
            describe,
        )
    }

    /// `result`, after recording it as a refusal of `action` when it is one, in a
    /// transaction of its own (the change's is rolled back). A log that cannot be written is
    /// reported in the service's log; the refusal is answered as it is.
    pub(crate) fn settle<T>(
        &self,
        store: &Store,
        caller: &Caller,
        action: &str,
        result: Result<T, AppError>,
    ) -> Result<T, AppError> {
        if let Err(refusal) = &result {
            let entry = self.entry(caller, action, (self.answered)(refusal), None);
            note(store, &self.policy, &entry, Kind::Own);
        }
        result
    }
}

/// How an answer of `status` ended.
pub fn outcome(status: u16) -> &'static str {
    match status {
        200..=399 => "succeeded",
        400..=499 => "refused",
        _ => "failed",
    }
}

/// Records `entry` in a transaction of its own: what is not a change (a login, a refusal).
/// An error says the log could not be written.
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

/// Records `entry` apart from any change, when what is answered does not wait for it: a log
/// that cannot be written is reported in the service's log.
pub(crate) fn note(store: &Store, policy: &AuditPolicy, entry: &NewAuditEntry, kind: Kind) {
    if let Err(error) = record(store, policy, entry, kind) {
        log::error!("the audit log could not be written: {error}");
    }
}

/// Records a credential shown with `request` (its method and path), refused for `reason` and
/// answered with `status`:
/// it names no one that can be told, so it is summed with the like ones from its address. A
/// log that cannot be written is reported in the service's log; the refusal is answered as it
/// is.
pub fn credential_refused(
    store: &Store,
    policy: &AuditPolicy,
    address: Option<String>,
    request: String,
    reason: String,
    status: u16,
) {
    let entry = NewAuditEntry {
        actor: None,
        action: "authenticate".to_owned(),
        target: Some(request),
        address,
        status,
        outcome: outcome(status),
        detail: Some(reason),
    };
    note(store, policy, &entry, Kind::Anonymous);
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
