//! The application layer: one function per use case, between the handlers and the store.
//! Each runs authorize → load → decide (the domain's rules) → save as one unit of work, in
//! one transaction; every write goes through one retry policy (`retrying`). Handlers extract
//! the request, call one use case and answer; the store only reads and writes rows.

pub mod access;
pub mod audit;
pub mod callers;
pub mod comparisons;
pub mod departments;
pub mod evaluations;
pub mod forms;
pub mod library;
pub mod login;
pub mod maintenance;
pub mod monitoring;
pub mod progress;
pub mod project_tables;
pub mod projects;
pub mod public;
pub mod publishing;
pub mod read_model;
pub mod result_application;
pub mod review;
pub mod review_samples;
pub mod review_scores;
pub mod users;
pub mod years;

use std::time::Duration;

use crate::domain::evaluation::Refusal;
use crate::store::Transaction;
/// The store's types in the use cases' interface: the handle a handler holds and passes on
/// (it opens no transaction itself), the page and window of lists, and the error that
/// `AppError::Store` carries.
pub use crate::store::{Cause, Page, Store, StoreError, Window};

/// Why a use case did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not there — or not the caller's to see, which it is not told.
    #[error("{0} was not found")]
    NotFound(String),
    /// The caller's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The change must name the version it was made on (`If-Match`).
    #[error("{0}")]
    PreconditionRequired(String),
    /// The review cycle's rules refused the change.
    #[error("the review cycle refused the change: {0:?}")]
    Refused(Refusal),
    /// The report would be stored larger than a request body may be.
    #[error(
        "the report would be stored as {size} bytes of JSON, more than the {limit} bytes a body may have (PERFEVAL_MAX_BODY_BYTES); nothing was stored"
    )]
    DocumentTooLarge { size: usize, limit: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The audit entry that must be written before the answer could not be.
    #[error("the audit log could not be written: {0}")]
    Unrecorded(StoreError),
    /// The request's input was refused: its own error, answered as it is. A use case is given
    /// its input already parsed or refused and checks the caller's right before it looks, so
    /// that a caller without the right learns nothing from how its input was read (`input`).
    #[error("{0}")]
    Invalid(Box<dyn std::error::Error + Send + Sync>),
    /// Something underneath failed (a document could not be rendered …): what was being done,
    /// and why, for the log.
    #[error("{context}")]
    Failed {
        context: &'static str,
        #[source]
        source: Cause,
    },
}

impl AppError {
    /// A failure of something underneath, with what was being done.
    pub fn failed(context: &'static str, source: impl Into<Cause>) -> Self {
        Self::Failed {
            context,
            source: source.into(),
        }
    }
}

/// The input a handler read from the request, or the error it was refused with, as a use
/// case takes it: to be looked at once the caller's right is checked.
pub fn input<T, E: std::error::Error + Send + Sync + 'static>(
    read: Result<T, E>,
) -> Result<T, AppError> {
    read.map_err(|refused| AppError::Invalid(Box::new(refused)))
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

/// How many times a write is tried in all when it loses a race it could not see coming (the
/// row locks and SQLite's single writer leave none that are known); then it gives up.
const WRITE_ATTEMPTS: u32 = 5;

/// The first pause before trying again; it doubles with every attempt, times a random factor
/// from 0.5 to 1.5 so that the losers do not meet again.
const FIRST_BACKOFF: Duration = Duration::from_millis(10);

/// Runs `work` as one write transaction, again from a fresh read after a jittered pause when
/// it lost a race (`StoreError::Contended`), a few times; see `retry`.
pub(crate) fn retrying<T>(
    store: &Store,
    what: &dyn std::fmt::Display,
    mut work: impl FnMut(&mut Transaction<'_>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    retry(what, || store.write_transaction(&mut work))
}

/// The one retry policy of every write: `attempt` (one whole transaction) is tried again after
/// a jittered pause when it lost a race it could not see coming, a few times; a conflict that
/// remains is logged and answered as such.
pub(crate) fn retry<T>(
    what: &dyn std::fmt::Display,
    mut attempt: impl FnMut() -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut pause = FIRST_BACKOFF;
    for tried in 1..WRITE_ATTEMPTS {
        match attempt() {
            Err(AppError::Store(StoreError::Contended)) => {
                log::info!("write of {what} lost a race (attempt {tried}); trying again");
                std::thread::sleep(jittered(pause));
                pause *= 2;
            }
            other => return other,
        }
    }
    let last = attempt();
    if matches!(last, Err(AppError::Store(StoreError::Contended))) {
        log::warn!("write of {what} lost the race {WRITE_ATTEMPTS} times; giving up");
    }
    last
}

/// `pause` times a random factor from 0.5 to 1.5.
fn jittered(pause: Duration) -> Duration {
    let mut byte = [0_u8];
    // Without randomness the pause is only not jittered; the retry still works.
    let random = getrandom::fill(&mut byte).map_or(128, |()| u32::from(byte[0]));
    pause * (128 + random) / 256
}

/// An administrative write — departments, users, service tokens — that the store makes in a
/// transaction of its own, under the same retry policy as every other write.
pub fn administer<T>(
    what: &str,
    mut write: impl FnMut() -> Result<T, StoreError>,
) -> Result<T, AppError> {
    retry(&what, || write().map_err(AppError::from))
}

#[cfg(test)]
mod tests;
