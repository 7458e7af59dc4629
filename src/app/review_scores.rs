//! 复核 — a reviewer re-scores a unit's submitted self-evaluation; anyone who may read the
//! evaluation reads the review score beside the unit's own. Each use case is one unit of work:
//! authorize → load → decide (the domain) → save.

use super::AppError;
use super::access::{list_scope, require_read, require_reviewer};
use super::audit::{Answered, Trail};
use crate::domain::access::Caller;
use crate::domain::cycle::{Change, EvaluationStatus, Precondition};
use crate::domain::review_score::{
    ReviewDifference, ReviewScore, ReviewScoreInput, ScoreComparison,
};
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::review_scores::review_text;
use crate::store::{Store, StoreError, now};

/// The year's review differences: the threshold they exceed, and the units, largest first.
#[derive(Debug)]
pub struct Differences {
    pub threshold: rust_decimal::Decimal,
    pub units: Vec<ReviewDifference>,
}

/// The units of `year` whose self-score exceeds the bureau's review score by more than the
/// year's `review_difference_threshold`, largest excess first (ties by unit code): every unit
/// for the bureau and analysts, a unit's own subtree for a unit.
pub fn differences(
    store: &Store,
    caller: &Caller,
    year: FiscalYear,
) -> Result<Differences, AppError> {
    let root = list_scope(caller)?;
    store.read_transaction(|tx| {
        let threshold = tx.year_settings(year)?.review_difference_threshold();
        let mut reports: std::collections::BTreeMap<UnitCode, _> = tx
            .evaluations_of_year(Some(year))?
            .into_iter()
            .map(|s| {
                (
                    s.evaluation.summary.department_code.clone(),
                    s.evaluation.report,
                )
            })
            .collect();
        let mut units = Vec::new();
        for score in tx.review_scores_of_year(year)? {
            if let Some(root) = &root
                && !tx.is_within(&score.department_code, root)?
            {
                continue;
            }
            if let Some(report) = reports.remove(&score.department_code) {
                units.extend(score.excess_over(&report, threshold));
            }
        }
        units.sort_by(|a, b| {
            b.excess
                .0
                .cmp(&a.excess.0)
                .then_with(|| a.department_code.cmp(&b.department_code))
        });
        Ok(Differences { threshold, units })
    })
}

/// A review score with the unit's scores beside it.
#[derive(Debug)]
pub struct Reviewed {
    pub score: ReviewScore,
    pub comparison: ScoreComparison,
}

/// The review score of the unit's evaluation of `year`, if the caller may read the evaluation.
pub fn read(
    store: &Store,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
) -> Result<Reviewed, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, code)?;
        let department = tx.department_id(code)?;
        let evaluation = tx.existing_evaluation(code, year)?.evaluation;
        let stored = tx.review_score(department, code, year)?.ok_or_else(|| {
            StoreError::NotFound(format!(
                "the review score of the {year} evaluation of department {code}"
            ))
        })?;
        Ok(Reviewed {
            comparison: stored.score.input.compare(&evaluation.report),
            score: stored.score,
        })
    })
}

/// Re-scores the unit's evaluation of `year` with `input` read from the request: reviewers
/// and admins, on an evaluation the unit has handed in (submitted, accepted or published);
/// `If-Match` against the review score's own version. The unit's report is not touched.
pub fn rescore<E>(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
    precondition: Precondition,
    input: Result<ReviewScoreInput, E>,
) -> Result<Result<(Reviewed, Change), E>, AppError> {
    let action = "evaluation.review_score";
    trail.settle(store, caller, action, require_reviewer(caller))?;
    let input = match input {
        Ok(input) => input,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let what = format!("the review score of {code}/{year}");
    let reviewed = trail.change(store, caller, action, &what, |tx| {
        let department = tx.lock_department(code)?;
        let evaluation = tx.existing_evaluation(code, year)?.evaluation;
        let status = evaluation.summary.status;
        if matches!(status, EvaluationStatus::Draft | EvaluationStatus::Returned) {
            return Err(StoreError::Conflict {
                code: "not_submitted",
                detail: format!(
                    "the {year} evaluation of department {code} is {status}; a review score is given to an evaluation handed in"
                ),
            }
            .into());
        }
        let stored = tx.review_score(department, code, year)?;
        precondition.check(stored.as_ref().map(|s| s.score.version))?;
        let at = now();
        let mut score = stored.as_ref().map_or_else(
            || ReviewScore::new(code.clone(), year, at),
            |s| s.score.clone(),
        );
        score.rescore(input.clone(), &evaluation.report, &caller.subject)?;
        let document = review_text(&score.input)?;
        let change = match &stored {
            Some(stored) if stored.document == document => Change::Unchanged,
            Some(_) => Change::Updated,
            None => Change::Created,
        };
        match stored {
            Some(stored) if change == Change::Unchanged => score = stored.score,
            stored => {
                score.advance(at);
                tx.save_review_score(department, stored.map(|s| s.id), &score, &document)?;
            }
        }
        Ok((
            Reviewed {
                comparison: score.input.compare(&evaluation.report),
                score,
            },
            change,
        ))
    }, |(_, change)| {
        let answered = match change {
            Change::Created => Answered::Created,
            Change::Updated | Change::Unchanged => Answered::Done,
        };
        (answered, None)
    })?;
    Ok(Ok(reviewed))
}
