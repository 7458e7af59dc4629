//! The review cycle of one evaluation: the actions that move it on, the approval of its
//! targets, its checks and score, and its history.

use super::AppError;
use super::access::{once_allowed, require_actor, require_read, require_reviewer};
use super::audit::{Answered, Trail};
use super::evaluations::{EvaluationKey, complete_approval, previous_report, save};
use super::library::year_library;
use super::result_application::year_rules;
use crate::domain::access::Caller;
use crate::domain::checks::Finding;
use crate::domain::evaluation::{Action, Evaluation, Precondition};
use crate::domain::report::EvaluationReport;
use crate::domain::scoring::Scorecard;
use crate::domain::settings::YearSettings;
pub use crate::store::evaluations::Revision;
use crate::store::evaluations::{RevisionNote, document_text};
use crate::store::{Store, Transaction, now};

/// Moves the evaluation on by `action`, with `comment` read from the request: a unit submits
/// its own; reviewers and admins return, accept and publish. The caller's right is checked
/// first, then the input (its error is answered as it is), then `If-Match`; a submission is
/// refused while the checks find errors. Audited as `evaluation.<action>`.
pub fn act(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    key: &EvaluationKey,
    precondition: Precondition,
    action: Action,
    comment: Result<Option<String>, AppError>,
) -> Result<Evaluation, AppError> {
    let what = format!("the {} evaluation of {}", key.year, key.code);
    let audited = format!("evaluation.{}", action.as_str());
    let right = |tx: &mut Transaction<'_>| require_actor(tx, caller, &key.code, action);
    let comment = trail.settle(store, caller, &audited, once_allowed(store, right, comment))?;
    let work = |tx: &mut Transaction<'_>| {
        require_actor(tx, caller, &key.code, action)?;
        let department = tx.lock_department(&key.code)?;
        let stored = tx.existing_evaluation(&key.code, key.year)?;
        Evaluation::check(precondition, Some(&stored.evaluation))?;
        let mut evaluation = stored.evaluation.clone();
        complete_approval(tx, &stored, &mut evaluation)?;
        let findings = if action == Action::Submit {
            let settings = tx.year_settings(key.year)?;
            let library = year_library(tx, key.year)?;
            let rules = year_rules(tx, key.year)?;
            let previous = previous_report(tx, department, &evaluation)?;
            evaluation.findings(&settings, &library, &rules, previous.as_ref())
        } else {
            Vec::new()
        };
        evaluation.act(action, &findings)?;
        evaluation.advance(now());
        let note = RevisionNote {
            action: action.as_str(),
            actor: &caller.subject,
            comment: comment.as_deref(),
        };
        save(
            tx,
            department,
            Some(stored.id),
            &evaluation,
            &stored.document,
            note,
        )?;
        Ok(evaluation)
    };
    trail.change(store, caller, &audited, &what, work, |_| {
        (Answered::Done, None)
    })
}

/// Approves the targets of the evaluation's indicators as they stand, at the version named by
/// `If-Match` (required): a reviewer approves the targets they read, not whatever is there by
/// the time the request arrives. Reviewers and admins.
pub fn approve_goals(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    key: &EvaluationKey,
    precondition: Precondition,
) -> Result<Evaluation, AppError> {
    let audited = "evaluation.approve_goals";
    let checked = require_reviewer(caller).and_then(|()| match precondition {
        Precondition::Version(_) => Ok(()),
        _ => Err(AppError::PreconditionRequired(
            "send the ETag of the goals you approve as If-Match".to_owned(),
        )),
    });
    trail.settle(store, caller, audited, checked)?;
    let what = format!("the {} evaluation of {}", key.year, key.code);
    let work = |tx: &mut Transaction<'_>| {
        let department = tx.lock_department(&key.code)?;
        let stored = tx.existing_evaluation(&key.code, key.year)?;
        Evaluation::check(precondition, Some(&stored.evaluation))?;
        let mut evaluation = stored.evaluation.clone();
        let at = now();
        let library = year_library(tx, key.year)?;
        evaluation.approve_goals(&caller.subject, at.and_utc(), &library)?;
        evaluation.advance(at);
        let document = document_text(&evaluation.report)?;
        let note = RevisionNote {
            action: "approve_goals",
            actor: &caller.subject,
            comment: None,
        };
        save(
            tx,
            department,
            Some(stored.id),
            &evaluation,
            &document,
            note,
        )?;
        Ok(evaluation)
    };
    trail.change(store, caller, audited, &what, work, |_| {
        (Answered::Done, None)
    })
}

/// The evaluation with the findings of the checks on it.
pub fn findings(
    store: &Store,
    caller: &Caller,
    key: &EvaluationKey,
) -> Result<(Evaluation, Vec<Finding>), AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.code)?;
        let department = tx.department_id(&key.code)?;
        let stored = tx.existing_evaluation(&key.code, key.year)?;
        let settings = tx.year_settings(key.year)?;
        let library = year_library(tx, key.year)?;
        let rules = year_rules(tx, key.year)?;
        let previous = previous_report(tx, department, &stored.evaluation)?;
        let findings = stored
            .evaluation
            .findings(&settings, &library, &rules, previous.as_ref());
        Ok((stored.evaluation, findings))
    })
}

/// The evaluation with its year's settings and its score by them and the year's library.
pub fn with_settings(
    store: &Store,
    caller: &Caller,
    key: &EvaluationKey,
) -> Result<(Evaluation, YearSettings, Scorecard), AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.code)?;
        let stored = tx.existing_evaluation(&key.code, key.year)?;
        let settings = tx.year_settings(key.year)?;
        let library = year_library(tx, key.year)?;
        let rules = year_rules(tx, key.year)?;
        let scorecard = stored.evaluation.scorecard(&settings, &library, &rules);
        Ok((stored.evaluation, settings, scorecard))
    })
}

/// Who did what to the evaluation, oldest first.
pub fn history(
    store: &Store,
    caller: &Caller,
    key: &EvaluationKey,
) -> Result<Vec<Revision>, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.code)?;
        let stored = tx.existing_evaluation(&key.code, key.year)?;
        Ok(tx.history(stored.id)?)
    })
}

/// The evaluation as it was at `version`.
pub fn version(
    store: &Store,
    caller: &Caller,
    key: &EvaluationKey,
    version: i64,
) -> Result<(Revision, EvaluationReport), AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.code)?;
        let stored = tx.existing_evaluation(&key.code, key.year)?;
        Ok(tx.evaluation_version(&stored, version)?)
    })
}
