//! 抽查 — the bureau draws a reproducible spot-check sample of a year's self-evaluations and
//! reads the samples it drew. The population is every departmental self-evaluation of the year
//! the unit has handed in (submitted, accepted or published: those a review score is given
//! to), each with its unit's kind and the grade its score gives. Each use case is one unit of
//! work: authorize → load → decide (the domain) → save.

use super::AppError;
use super::access::require_reviewer;
use super::audit::{Answered, Trail};
use crate::domain::access::Caller;
use crate::domain::cycle::{EvaluationStatus, Refusal};
use crate::domain::review_sample::{Candidate, Drawing, MAX_SEED, Sample, SampleRequest, draw};
use crate::domain::values::FiscalYear;
use crate::store::{Store, StoreError, Transaction, now};

/// The most samples a year keeps: a sample is a decision of the bureau, not a lottery drawn
/// until it pleases.
pub const MAX_SAMPLES: i64 = 100;

/// The bureau's working list: a unit is not told ahead that it is to be checked.
fn require_bureau(caller: &Caller) -> Result<(), AppError> {
    if caller.reads_everything() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "spot-check samples are read by the bureau's roles (admin, reviewer, analyst)"
                .to_owned(),
        ))
    }
}

/// Draws and records a sample of `year` as `input` (read from the request) asks: reviewers and
/// admins. A seed left out is drawn from the system's random source and recorded.
pub fn draw_sample<E>(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    year: FiscalYear,
    input: Result<SampleRequest, E>,
) -> Result<Result<Sample, E>, AppError> {
    let action = "review_sample.draw";
    trail.settle(store, caller, action, require_reviewer(caller))?;
    let request = match input {
        Ok(request) => request,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let rule = request
        .rule()
        .map_err(|errors| AppError::Refused(Refusal::Invalid(errors)));
    let per_stratum = trail.settle(store, caller, action, rule)?;
    // Drawn once, outside the transaction: a write tried again draws with the same seed.
    let seed = match request.seed {
        Some(seed) => Ok(seed),
        None => getrandom::u64()
            .map(|random| random & MAX_SEED)
            .map_err(|e| AppError::failed("drawing a seed", e)),
    };
    let seed = trail.settle(store, caller, action, seed)?;
    let what = format!("a review sample of {year}");
    let sample = trail.change(
        store,
        caller,
        action,
        &what,
        |tx| {
            let number = tx.last_review_sample_number(year)? + 1;
            if number > MAX_SAMPLES {
                return Err(StoreError::Conflict {
                    code: "too_many_review_samples",
                    detail: format!("{year} has {MAX_SAMPLES} samples, as many as a year keeps"),
                }
                .into());
            }
            let strata = draw(seed, per_stratum, &population(tx, year)?);
            let sample = Sample {
                year,
                number,
                seed,
                drawing: Drawing {
                    seed_given: request.seed.is_some(),
                    per_stratum,
                    comment: request.comment.clone(),
                    strata,
                },
                drawn_by: caller.subject.clone(),
                drawn_at: now(),
            };
            tx.insert_review_sample(&sample)?;
            Ok(sample)
        },
        |sample| {
            (
                Answered::Created,
                Some(format!("sample {} seed {}", sample.number, sample.seed)),
            )
        },
    )?;
    Ok(Ok(sample))
}

/// The year's self-evaluations handed in, each with its unit's kind and its grade as scored
/// by the year's settings, library and result rules.
fn population(tx: &mut Transaction<'_>, year: FiscalYear) -> Result<Vec<Candidate>, AppError> {
    let settings = tx.year_settings(year)?;
    let library = super::library::year_library(tx, year)?;
    let rules = super::result_application::year_rules(tx, year)?;
    let mut candidates = Vec::new();
    for stored in tx.evaluations_of_year(Some(year))? {
        let evaluation = stored.evaluation;
        if !matches!(
            evaluation.summary.status,
            EvaluationStatus::Submitted | EvaluationStatus::Accepted | EvaluationStatus::Published
        ) {
            continue;
        }
        let code = evaluation.summary.department_code.clone();
        let kind = tx.department(&code)?.department.kind;
        candidates.push(Candidate {
            grade: evaluation.scorecard(&settings, &library, &rules).grade,
            department_code: code,
            kind,
        });
    }
    Ok(candidates)
}

/// Every sample of `year`, by number: the bureau's roles.
pub fn samples(store: &Store, caller: &Caller, year: FiscalYear) -> Result<Vec<Sample>, AppError> {
    require_bureau(caller)?;
    store.read_transaction(|tx| Ok(tx.review_samples(year)?))
}

/// The sample of `year` numbered `number`: the bureau's roles.
pub fn sample(
    store: &Store,
    caller: &Caller,
    year: FiscalYear,
    number: i64,
) -> Result<Sample, AppError> {
    require_bureau(caller)?;
    store.read_transaction(|tx| {
        tx.review_sample(year, number)?
            .ok_or_else(|| AppError::NotFound(format!("review sample {number} of {year}")))
    })
}
