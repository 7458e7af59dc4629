//! 复核 — a reviewer re-scores a unit's submitted self-evaluation, departmental or a project
//! table, makes the score final and reopens it; the bureau reads the review score beside the
//! unit's own, the unit once it is final. Each use case is one unit of work:
//! authorize → load → decide (the domain) → save.

use super::AppError;
use super::access::{list_scope, require_read, require_reviewer};
use super::audit::{Answered, Trail};
use crate::domain::access::Caller;
use crate::domain::cycle::{Change, EvaluationStatus, Precondition};
use crate::domain::project::{ProjectCode, ProjectKey};
use crate::domain::report::EvaluationReport;
use crate::domain::review_score::{
    ReviewDifference, ReviewRefusal, ReviewScore, ReviewScoreInput, ScoreComparison, StateConflict,
};
use crate::domain::values::{FiscalYear, Label, UnitCode};
use crate::store::evaluations::DepartmentId;
use crate::store::review_scores::{StoredReviewScore, review_text};
use crate::store::{Store, StoreError, Transaction, now};

impl From<StateConflict> for AppError {
    fn from(conflict: StateConflict) -> Self {
        StoreError::Conflict {
            code: conflict.code,
            detail: conflict.detail,
        }
        .into()
    }
}

impl From<ReviewRefusal> for AppError {
    fn from(refusal: ReviewRefusal) -> Self {
        match refusal {
            ReviewRefusal::Refused(refusal) => refusal.into(),
            ReviewRefusal::State(conflict) => conflict.into(),
        }
    }
}

/// What a reviewer may say on making a review score final.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finalizing {
    /// 复核结论 — a remark on the score as final: the audit entry's detail.
    #[serde(default)]
    pub comment: Option<Label>,
}

/// Why a reviewer reopens a final review score (复核重新打开).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reopening {
    /// Why the final score is to change: kept with the score and in the audit log.
    pub reason: Label,
}

/// The year's review differences: the threshold they exceed, and the units, largest first.
#[derive(Debug)]
pub struct Differences {
    pub threshold: rust_decimal::Decimal,
    pub units: Vec<ReviewDifference>,
}

/// The units of `year` whose self-score exceeds the bureau's final review score by more than
/// the year's `review_difference_threshold`, largest excess first (ties by unit code): every
/// unit for the bureau and analysts, a unit's own subtree for a unit. A draft is the
/// reviewer's work in progress and is not counted.
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
            if !score.is_final() {
                continue;
            }
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

/// What a review score scores: a unit's departmental self-evaluation of a year, or one of its
/// project tables (项目支出绩效自评表) of the year.
#[derive(Debug, Clone)]
pub enum Reviewing {
    Evaluation { code: UnitCode, year: FiscalYear },
    Project(ProjectKey),
}

impl Reviewing {
    fn code(&self) -> &UnitCode {
        match self {
            Self::Evaluation { code, .. } => code,
            Self::Project(key) => &key.department_code,
        }
    }

    fn year(&self) -> FiscalYear {
        match self {
            Self::Evaluation { year, .. } => *year,
            Self::Project(key) => key.year,
        }
    }

    fn project(&self) -> Option<&ProjectCode> {
        match self {
            Self::Evaluation { .. } => None,
            Self::Project(key) => Some(&key.project_code),
        }
    }

    /// The audit log's name of `what` is done to its review score (`""`: re-scoring).
    fn action(&self, what: &str) -> String {
        let kind = match self {
            Self::Evaluation { .. } => "evaluation",
            Self::Project(_) => "project",
        };
        format!("{kind}.review_score{what}")
    }

    /// The evaluation's state and the report its review score scores — a project table's
    /// indicator part, with the funding's 得分 as its execution score.
    fn scored(
        &self,
        tx: &mut Transaction<'_>,
        department: DepartmentId,
    ) -> Result<(EvaluationStatus, EvaluationReport), AppError> {
        Ok(match self {
            Self::Evaluation { code, year } => {
                let evaluation = tx.existing_evaluation(code, *year)?.evaluation;
                (evaluation.summary.status, evaluation.report)
            }
            Self::Project(key) => {
                let evaluation = tx.existing_project(department, key)?.evaluation;
                (evaluation.stage.status, evaluation.table.indicator_report())
            }
        })
    }

    fn stored(
        &self,
        tx: &mut Transaction<'_>,
        department: DepartmentId,
    ) -> Result<Option<StoredReviewScore>, AppError> {
        Ok(tx.scored_review(department, self.code(), self.year(), self.project())?)
    }

    fn not_there(&self) -> StoreError {
        StoreError::NotFound(self.to_string())
    }
}

impl std::fmt::Display for Reviewing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Evaluation { code, year } => write!(
                f,
                "the review score of the {year} evaluation of department {code}"
            ),
            Self::Project(key) => write!(f, "the review score of {key}"),
        }
    }
}

/// The review score of `subject`, if the caller may read the unit's evaluations: the bureau's
/// roles read a draft too, a unit only the final score (a draft is answered as not there).
pub fn read(store: &Store, caller: &Caller, subject: &Reviewing) -> Result<Reviewed, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, subject.code())?;
        let department = tx.department_id(subject.code())?;
        let (_, report) = subject.scored(tx, department)?;
        let stored = subject
            .stored(tx, department)?
            .filter(|s| caller.reads_everything() || s.score.is_final())
            .ok_or_else(|| subject.not_there())?;
        Ok(Reviewed {
            comparison: stored.score.input.compare(&report),
            score: stored.score,
        })
    })
}

/// Re-scores `subject` with `input` read from the request: reviewers and admins, on an
/// evaluation the unit has handed in (submitted, accepted or published), while the review
/// score is a draft; `If-Match` against the review score's own version. The unit's report is
/// not touched.
pub fn rescore<E>(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    subject: &Reviewing,
    precondition: Precondition,
    input: Result<ReviewScoreInput, E>,
) -> Result<Result<(Reviewed, Change), E>, AppError> {
    let action = subject.action("");
    trail.settle(store, caller, &action, require_reviewer(caller))?;
    let input = match input {
        Ok(input) => input,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let reviewed = trail.change(
        store,
        caller,
        &action,
        subject,
        |tx| {
            let department = tx.lock_department(subject.code())?;
            let (status, report) = subject.scored(tx, department)?;
            if matches!(status, EvaluationStatus::Draft | EvaluationStatus::Returned) {
                return Err(StoreError::Conflict {
                    code: "not_submitted",
                    detail: format!(
                        "{subject} is given to an evaluation handed in; this one is {status}"
                    ),
                }
                .into());
            }
            let stored = subject.stored(tx, department)?;
            precondition.check(stored.as_ref().map(|s| s.score.version))?;
            let at = now();
            let mut score = stored.as_ref().map_or_else(
                || {
                    let project = subject.project().cloned();
                    ReviewScore::new(subject.code().clone(), subject.year(), project, at)
                },
                |s| s.score.clone(),
            );
            score.rescore(input.clone(), &report, &caller.subject)?;
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
                    comparison: score.input.compare(&report),
                    score,
                },
                change,
            ))
        },
        |(_, change)| {
            let answered = match change {
                Change::Created => Answered::Created,
                Change::Updated | Change::Unchanged => Answered::Done,
            };
            (answered, None)
        },
    )?;
    Ok(Ok(reviewed))
}

/// 复核完成: a reviewer or admin makes the draft review score final; `If-Match` against its
/// version. From then on the unit reads it, and the differences and the notice count it.
pub fn finalize<E>(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    subject: &Reviewing,
    precondition: Precondition,
    input: Result<Option<Finalizing>, E>,
) -> Result<Result<Reviewed, E>, AppError> {
    let action = subject.action(".finalize");
    trail.settle(store, caller, &action, require_reviewer(caller))?;
    let comment = match input {
        Ok(input) => input.unwrap_or_default().comment,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let reviewed = trail.change(
        store,
        caller,
        &action,
        subject,
        |tx| {
            change_state(tx, subject, precondition, |score, at| {
                score.finalize(&caller.subject, at)
            })
        },
        |_| {
            (
                Answered::Done,
                comment.as_ref().map(|c| c.as_str().to_owned()),
            )
        },
    )?;
    Ok(Ok(reviewed))
}

/// Reopens a final review score, for a reason (`input`, read from the request): an admin, or
/// the reviewer who made it final (403 for anyone else); `If-Match` against its version. The
/// reason is kept with the score and is the audit entry's detail.
pub fn reopen<E>(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    subject: &Reviewing,
    precondition: Precondition,
    input: Result<Reopening, E>,
) -> Result<Result<Reviewed, E>, AppError> {
    let action = subject.action(".reopen");
    trail.settle(store, caller, &action, require_reviewer(caller))?;
    let input = match input {
        Ok(input) => input,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let reviewed = trail.change(
        store,
        caller,
        &action,
        subject,
        |tx| {
            change_state(tx, subject, precondition, |score, _| {
                if score.is_final() && !score.may_reopen(&caller.subject, caller.is_admin()) {
                    return Err(AppError::Forbidden(format!(
                        "a final review score is reopened by an admin or by the reviewer who made it final ({})",
                        score.finalized_by.as_deref().unwrap_or_default()
                    )));
                }
                score.reopen(&input.reason).map_err(AppError::from)
            })
        },
        |_| (Answered::Done, Some(input.reason.as_str().to_owned())),
    )?;
    Ok(Ok(reviewed))
}

/// Loads the stored review score of `subject`, checks `If-Match`, changes its state by
/// `change` and stores it as the next version.
fn change_state<R: Into<AppError>>(
    tx: &mut Transaction<'_>,
    subject: &Reviewing,
    precondition: Precondition,
    change: impl FnOnce(&mut ReviewScore, chrono::NaiveDateTime) -> Result<(), R>,
) -> Result<Reviewed, AppError> {
    let department = tx.lock_department(subject.code())?;
    let (_, report) = subject.scored(tx, department)?;
    let stored = subject
        .stored(tx, department)?
        .ok_or_else(|| subject.not_there())?;
    precondition.check(Some(stored.score.version))?;
    let at = now();
    let mut score = stored.score;
    change(&mut score, at).map_err(Into::into)?;
    score.advance(at);
    tx.save_review_score(department, Some(stored.id), &score, &stored.document)?;
    Ok(Reviewed {
        comparison: score.input.compare(&report),
        score,
    })
}
