//! 收集进度 — how far the collection of each recent year's reports has come, for monitoring.

use super::AppError;
use crate::domain::evaluation::EvaluationStatus;
use crate::store::{Store, StoreError};

/// How many of the latest years are counted: the label values a scrape writes stay bounded
/// (years × states), and so does the cost of reading them.
pub const YEARS_COUNTED: i64 = 10;

/// The reports of the `YEARS_COUNTED` latest years, by year and state: every state of a year
/// that has any report, zeros included, so that a series does not vanish when its last
/// report moves on. No caller: the metrics listener is protected by where it listens.
pub fn report_counts(store: &Store) -> Result<Vec<(i32, EvaluationStatus, i64)>, AppError> {
    let stored = store.report_counts(YEARS_COUNTED)?;
    let mut years: Vec<i32> = stored.iter().map(|c| c.year).collect();
    years.dedup();
    let mut counts = Vec::with_capacity(years.len() * EvaluationStatus::ALL.len());
    for year in years {
        for status in EvaluationStatus::ALL {
            counts.push((year, status, 0));
        }
    }
    for count in stored {
        let status = EvaluationStatus::parse(&count.status).ok_or_else(|| {
            StoreError::internal(format!("a stored report has the state `{}`", count.status))
        })?;
        if let Some(slot) = counts
            .iter_mut()
            .find(|(year, s, _)| *year == count.year && *s == status)
        {
            slot.2 = count.count;
        }
    }
    Ok(counts)
}
