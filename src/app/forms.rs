//! The self-evaluation table (自评表) read back into an evaluation: a workbook a stranger
//! sends, so its cost comes after the caller's right. The caller's right to write the
//! evaluation, the department, and whether the evaluation takes an edit now are checked in
//! a read transaction before a byte of the workbook is read; the workbook is read within
//! its bounds (`presentation::workbook`) and a time budget, and stops when the
//! client goes; then the table is merged and saved as every edit is (`evaluations::edit`,
//! which checks all of it again in its own transaction). The reading happens between the
//! two transactions, so that no lock is held while a file is read.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::access::require_write;
use super::audit::Trail;
use super::evaluations::{Edit, EvaluationKey, Saved, edit, previous_report};
use super::library::year_library;
use super::projects::{self, SavedProject};
use super::result_application::year_rules;
use super::{AppError, input};
use crate::domain::access::Caller;
use crate::domain::checks::Finding;
use crate::domain::evaluation::{Evaluation, Precondition};
use crate::domain::project::{ProjectEvaluation, ProjectKey};
use crate::domain::upload::{Upload, UploadError};
use crate::presentation::form::{self, UnreadableCell};
use crate::presentation::workbook::{Interrupt, Stop, TIME_BUDGET, WorkbookError};
use crate::store::Store;

/// Raised when nobody waits for the work any more. The handler holds the `RaiseOnDrop` in
/// its future, which actix drops when the client goes; the work, on another thread, sees the
/// flag and stops.
#[derive(Debug, Clone, Default)]
pub struct ClientGone(Arc<AtomicBool>);

/// Raises its `ClientGone` when dropped.
#[derive(Debug)]
pub struct RaiseOnDrop(Arc<AtomicBool>);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

impl ClientGone {
    /// A flag, and the guard that raises it when dropped.
    pub fn watch() -> (Self, RaiseOnDrop) {
        let flag = Arc::new(AtomicBool::new(false));
        (Self(Arc::clone(&flag)), RaiseOnDrop(flag))
    }

    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// What stops a reading: the client gone, or the time budget spent since `started`.
pub(super) struct Budget<'a> {
    gone: &'a ClientGone,
    until: Instant,
}

impl<'a> Budget<'a> {
    /// The budget of a workbook's reading that starts now: [`TIME_BUDGET`], while the client
    /// waits.
    pub(super) fn starting(gone: &'a ClientGone) -> Self {
        Self {
            gone,
            until: Instant::now() + TIME_BUDGET,
        }
    }
}

impl Interrupt for Budget<'_> {
    fn stop(&self) -> Option<Stop> {
        if self.gone.is_raised() {
            Some(Stop::Abandoned)
        } else if Instant::now() >= self.until {
            Some(Stop::OutOfTime)
        } else {
            None
        }
    }
}

/// Why a table was not taken.
#[derive(Debug, thiserror::Error)]
pub enum FormRefusal {
    /// The workbook: not one, without the sheet 自评表, past a bound, or stopped.
    #[error("{0}")]
    Workbook(WorkbookError),
    /// No one file in the multipart body.
    #[error("{0}")]
    Upload(UploadError),
    /// Cells that could not be read, and `partial` was not asked: nothing is stored.
    #[error("{} cell(s) of the table could not be read", .0.len())]
    Cells(Vec<UnreadableCell>),
}

/// What a table read answers besides the evaluation: the cells it could not read, and the
/// findings of the checks on the report as stored, each with the cell of the table showing
/// the field it is about (`自评表!I12`), where the table shows it.
#[derive(Debug)]
pub struct FormOutcome {
    pub unreadable: Vec<UnreadableCell>,
    pub findings: Vec<(Finding, Option<String>)>,
}

/// Reads the table in the workbook `upload` carries into the evaluation `key` (a new draft when there is
/// none): its budget rows, overall goal, indicators and stated scores replace the report's.
/// With `partial`, what could be read is stored and the unreadable cells are answered with
/// it; without, one unreadable cell stores nothing. Audited as `evaluation.read_form`.
#[allow(clippy::too_many_arguments)]
pub fn read_form(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    key: &EvaluationKey,
    precondition: Precondition,
    partial: bool,
    upload: Upload<'_>,
    gone: &ClientGone,
) -> Result<Saved<FormOutcome>, AppError> {
    let table = read_table(store, caller, key, precondition, upload, gone);
    let table = trail.settle(store, caller, "evaluation.read_form", table)?;
    let (code, year) = (key.code.to_string(), i32::from(key.year));
    let saved = edit(
        store,
        trail,
        caller,
        key,
        precondition,
        Edit::named("read_form"),
        Ok(table),
        |report, table| {
            let reading = table.apply(report, &code, year);
            if !partial && !reading.unreadable.is_empty() {
                return Err(FormRefusal::Cells(reading.unreadable));
            }
            *report = reading.report;
            Ok((reading.unreadable, reading.places))
        },
    )?;
    let findings = store.read_transaction(|tx| {
        let department = tx.department_id(&key.code)?;
        let settings = tx.year_settings(key.year)?;
        let library = year_library(tx, key.year)?;
        let rules = year_rules(tx, key.year)?;
        let previous = previous_report(tx, department, &saved.evaluation)?;
        Ok::<_, AppError>(
            saved
                .evaluation
                .findings(&settings, &library, &rules, previous.as_ref()),
        )
    })?;
    let (unreadable, places) = saved.outcome;
    Ok(Saved {
        evaluation: saved.evaluation,
        change: saved.change,
        outcome: FormOutcome {
            unreadable,
            findings: findings
                .into_iter()
                .map(|finding| {
                    let cell = places.cell(&finding.path);
                    (finding, cell)
                })
                .collect(),
        },
    })
}

/// Reads the 项目支出绩效自评表 in the workbook `upload` carries into the project evaluation
/// `key` (a new draft when there is none), as `read_form` reads the departmental table: the
/// caller's right, `If-Match` and whether the table takes an edit are checked before a byte is
/// read; the project, funding, overall goals, indicators and stated scores replace the
/// table's, the rest stays; with `partial`, what could be read is stored. The findings answered
/// are the project table's checks, each with the cell showing its field. Audited as
/// `project.read_form`.
#[allow(clippy::too_many_arguments)]
pub fn read_project_form(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    key: &ProjectKey,
    precondition: Precondition,
    partial: bool,
    upload: Upload<'_>,
    gone: &ClientGone,
) -> Result<SavedProject<FormOutcome>, AppError> {
    let writable = store.read_transaction(|tx| {
        require_write(tx, caller, &key.department_code)?;
        let department = tx.department_id(&key.department_code)?;
        let stored = tx.project(department, key)?;
        let stored = stored.as_ref().map(|s| &s.evaluation);
        ProjectEvaluation::check(precondition, stored)?;
        if let Some(stored) = stored {
            stored.stage.check_editable(|| key.to_string())?;
        }
        Ok::<_, AppError>(())
    });
    let table = writable.and_then(|()| parse_within_budget(upload, gone));
    let table = trail.settle(store, caller, "project.read_form", table)?;
    let saved = projects::edit(
        store,
        trail,
        caller,
        key,
        precondition,
        "read_form",
        Ok(table),
        |stored, table| {
            let reading = form::read_project(table, stored, key);
            if !partial && !reading.unreadable.is_empty() {
                return Err(FormRefusal::Cells(reading.unreadable));
            }
            *stored = reading.table;
            Ok((reading.unreadable, reading.places))
        },
    )?;
    let assessed = projects::assessed(store, caller, key)?;
    let (unreadable, places) = saved.outcome;
    Ok(SavedProject {
        evaluation: saved.evaluation,
        change: saved.change,
        outcome: FormOutcome {
            unreadable,
            findings: assessed
                .findings
                .into_iter()
                .map(|finding| {
                    let cell = places.cell(&finding.path);
                    (finding, cell)
                })
                .collect(),
        },
    })
}

/// The table the workbook holds, read once the caller's right to write, the evaluation's
/// version and whether it takes an edit are checked.
fn read_table(
    store: &Store,
    caller: &Caller,
    key: &EvaluationKey,
    precondition: Precondition,
    upload: Upload<'_>,
    gone: &ClientGone,
) -> Result<form::FilledTable, AppError> {
    store.read_transaction(|tx| {
        require_write(tx, caller, &key.code)?;
        let department = tx.department_id(&key.code)?;
        let stored = tx.evaluation(department, &key.code, key.year)?;
        let stored = stored.as_ref().map(|s| &s.evaluation);
        Evaluation::check(precondition, stored)?;
        if let Some(stored) = stored {
            stored.check_editable()?;
        }
        Ok::<_, AppError>(())
    })?;
    parse_within_budget(upload, gone)
}

/// The sheet of the workbook `upload` carries, read within its bounds and the time budget.
/// Called only for a caller who may write: the file is looked for in the body only then.
fn parse_within_budget(
    upload: Upload<'_>,
    gone: &ClientGone,
) -> Result<form::FilledTable, AppError> {
    let workbook = input(upload.file().map_err(FormRefusal::Upload))?;
    input(form::parse(workbook, &Budget::starting(gone)).map_err(FormRefusal::Workbook))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_is_raised_when_the_guard_goes_and_stops_a_reading_at_once() {
        let (gone, guard) = ClientGone::watch();
        let budget = Budget {
            gone: &gone,
            until: Instant::now() + TIME_BUDGET,
        };
        assert_eq!(budget.stop(), None);
        drop(guard);
        assert_eq!(budget.stop(), Some(Stop::Abandoned));
    }

    #[test]
    fn a_spent_budget_stops_a_reading() {
        let (gone, _guard) = ClientGone::watch();
        let budget = Budget {
            gone: &gone,
            until: Instant::now(),
        };
        assert_eq!(budget.stop(), Some(Stop::OutOfTime));
    }
}
