//! The self-evaluation reports: reading one, and every edit of one — a whole report, a part,
//! one problem or measure.

use super::access::{list_scope, once_allowed, require_read, require_write};
use super::audit::{Answered, Trail};
use super::library::year_library;
use super::result_application::year_rules;
use super::{AppError, input};
use crate::domain::access::Caller;
use crate::domain::evaluation::{Change, Evaluation, EvaluationSummary, Precondition};
use crate::domain::projection::Projection;
use crate::domain::report::EvaluationReport;
use crate::domain::values::{FiscalYear, UnitCode};
pub use crate::store::evaluations::EvaluationFilter;
use crate::store::evaluations::{
    DepartmentId, EvaluationId, RevisionNote, StoredEvaluation, document_text,
};
use crate::store::{Page, Store, StoreError, Transaction, Window, now};

/// Which evaluation: a department's, of a year (the path parameters `{code}` and `{year}`).
#[derive(Debug, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EvaluationKey {
    /// 单位代码
    pub code: UnitCode,
    /// Fiscal year, 2000–2100
    pub year: FiscalYear,
}

/// The evaluation after an edit, what the edit answered, and what the edit did.
#[derive(Debug)]
pub struct Saved<T> {
    pub evaluation: Evaluation,
    pub outcome: T,
    pub change: Change,
}

/// The evaluations the filter names, newest year first, a page at a time: a unit sees its own
/// subtree only.
pub fn list(
    store: &Store,
    caller: &Caller,
    filter: EvaluationFilter,
    window: Window,
) -> Result<Page<EvaluationSummary>, AppError> {
    let filter = EvaluationFilter {
        within: list_scope(caller)?,
        ..filter
    };
    store.read_transaction(|tx| Ok(tx.list_evaluations(&filter, window)?))
}

/// One evaluation, if the caller may read it.
pub fn read(store: &Store, caller: &Caller, key: &EvaluationKey) -> Result<Evaluation, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.code)?;
        Ok(tx.existing_evaluation(&key.code, key.year)?.evaluation)
    })
}

/// Edits the report (an empty draft when there is none) by `edit`, with `input` read from the
/// request: the caller's right to write is checked first, then the input (its error is
/// answered as it is), then `If-Match`, then the review cycle's rules; the next version is
/// stored with its revision and fresh projections. `edit`'s own refusal is answered as it is
/// and nothing is written; so is a document whose JSON would be larger than the store's
/// document limit (`DocumentTooLarge`).
#[allow(clippy::too_many_arguments)]
pub fn edit<I, T, E: std::error::Error + Send + Sync + 'static>(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    key: &EvaluationKey,
    precondition: Precondition,
    named: Edit,
    asked: Result<I, AppError>,
    mut edit: impl FnMut(&mut EvaluationReport, &I) -> Result<T, E>,
) -> Result<Saved<T>, AppError> {
    let what = format!("the {} evaluation of {}", key.year, key.code);
    let audited = format!("evaluation.{}", named.action);
    let right = |tx: &mut Transaction<'_>| require_write(tx, caller, &key.code);
    let asked = trail.settle(store, caller, &audited, once_allowed(store, right, asked))?;
    let work = |tx: &mut Transaction<'_>| {
        require_write(tx, caller, &key.code)?;
        let department = tx.lock_department(&key.code)?;
        let stored = tx.evaluation(department, &key.code, key.year)?;
        Evaluation::check(precondition, stored.as_ref().map(|s| &s.evaluation))?;
        let at = now();
        let mut evaluation = stored.as_ref().map_or_else(
            || Evaluation::new_draft(key.code.clone(), key.year, at),
            |s| s.evaluation.clone(),
        );
        if let Some(stored) = &stored {
            complete_approval(tx, stored, &mut evaluation)?;
        }
        let outcome = input(evaluation.edit(|report| edit(report, &asked))?)?;
        let document = document_text(&evaluation.report)?;
        // Bounded as stored, not as sent: parts, or a table's shared strings, could otherwise
        // build a document no body could carry.
        if document.len() > store.document_limit() {
            return Err(AppError::DocumentTooLarge {
                size: document.len(),
                limit: store.document_limit(),
            });
        }
        // Compared as written, so that "8.00" replacing "8" counts as a change.
        if let Some(stored) = &stored
            && stored.document == document
        {
            return Ok(Saved {
                evaluation: stored.evaluation.clone(),
                outcome,
                change: Change::Unchanged,
            });
        }
        let change = if stored.is_some() {
            Change::Updated
        } else {
            Change::Created
        };
        evaluation.advance(at);
        let note = RevisionNote {
            action: named.action,
            actor: &caller.subject,
            comment: None,
        };
        save(
            tx,
            department,
            stored.map(|s| s.id),
            &evaluation,
            &document,
            note,
        )?;
        Ok(Saved {
            evaluation,
            outcome,
            change,
        })
    };
    trail.change(store, caller, &audited, &what, work, |saved| {
        let (answered, detail) = audited_as(saved.change, saved.evaluation.summary.version);
        let answered = if named.adds {
            Answered::Created
        } else {
            answered
        };
        (answered, detail)
    })
}

/// An edit as the history names it (`action`) and the audit log (`evaluation.<action>`), and
/// whether it is answered as the item it adds (201), not as what it did to the evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Edit {
    pub action: &'static str,
    pub adds: bool,
}

impl Edit {
    pub const fn named(action: &'static str) -> Self {
        Self {
            action,
            adds: false,
        }
    }

    pub const fn adding(action: &'static str) -> Self {
        Self { action, adds: true }
    }
}

/// What the log keeps of an edit: how it was answered, and the version it stored.
pub(super) fn audited_as(change: Change, version: i64) -> (Answered, Option<String>) {
    match change {
        Change::Created => (Answered::Created, Some(format!("version {version}"))),
        Change::Updated => (Answered::Done, Some(format!("version {version}"))),
        Change::Unchanged => (Answered::Done, Some("nothing changed".to_owned())),
    }
}

/// Completes an approval stored before it covered all that decides a score (unit, weight,
/// scoring rule, group, framework) from the version it approved, so that a write is held to
/// all of them; it is stored so with the next version. A version no longer kept leaves it as
/// it is.
pub(super) fn complete_approval(
    tx: &mut Transaction<'_>,
    stored: &StoredEvaluation,
    evaluation: &mut Evaluation,
) -> Result<(), AppError> {
    let Some(approved) = evaluation
        .approved_goals
        .as_mut()
        .filter(|approved| !approved.is_complete())
    else {
        return Ok(());
    };
    match tx.evaluation_version(stored, approved.version) {
        Ok((_, report)) => approved.complete_from(&report.goals),
        Err(StoreError::NotFound(_)) => {}
        Err(other) => return Err(other.into()),
    }
    Ok(())
}

/// Stores the evaluation's new version and rewrites the projections it moves.
pub(super) fn save(
    tx: &mut Transaction<'_>,
    department: DepartmentId,
    previous: Option<EvaluationId>,
    evaluation: &Evaluation,
    document: &str,
    note: RevisionNote<'_>,
) -> Result<(), AppError> {
    let id = tx.save_evaluation(department, previous, evaluation, document, note)?;
    project_with_follower(tx, department, id, evaluation)
}

/// Rewrites the projections of an evaluation, and of the same department's next year, whose
/// checks read this one as the year before.
pub(super) fn project_with_follower(
    tx: &mut Transaction<'_>,
    department: DepartmentId,
    id: EvaluationId,
    evaluation: &Evaluation,
) -> Result<(), AppError> {
    project(tx, department, id, evaluation)?;
    let summary = &evaluation.summary;
    if let Some(next) = summary.year.next()
        && let Some(follower) = tx.evaluation(department, &summary.department_code, next)?
    {
        let settings = tx.year_settings(next)?;
        let library = year_library(tx, next)?;
        let rules = year_rules(tx, next)?;
        let projection = Projection::of(
            &follower.evaluation,
            &settings,
            &library,
            &rules,
            Some(&evaluation.report),
        );
        tx.write_projection(follower.id, &follower.evaluation, &projection)?;
    }
    Ok(())
}

/// Rewrites the projections of one evaluation, with its year's settings and the year before.
pub(super) fn project(
    tx: &mut Transaction<'_>,
    department: DepartmentId,
    id: EvaluationId,
    evaluation: &Evaluation,
) -> Result<(), AppError> {
    let summary = &evaluation.summary;
    let settings = tx.year_settings(summary.year)?;
    let library = year_library(tx, summary.year)?;
    let rules = year_rules(tx, summary.year)?;
    let previous = previous_report(tx, department, evaluation)?;
    let projection = Projection::of(evaluation, &settings, &library, &rules, previous.as_ref());
    tx.write_projection(id, evaluation, &projection)?;
    Ok(())
}

/// The same department's report of the year before, where there is one.
pub(super) fn previous_report(
    tx: &mut Transaction<'_>,
    department: DepartmentId,
    evaluation: &Evaluation,
) -> Result<Option<EvaluationReport>, AppError> {
    let summary = &evaluation.summary;
    let Some(before) = summary.year.previous() else {
        return Ok(None);
    };
    Ok(tx
        .evaluation(department, &summary.department_code, before)?
        .map(|stored| stored.evaluation.report))
}
