//! How many reports each of the latest years has in each state: the collection's progress, as
//! a monitoring system reads it at every scrape.

use diesel::prelude::*;

use super::schema::evaluations;
use super::{Store, StoreError};

/// A count of one year's reports in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCount {
    pub year: i32,
    pub status: String,
    pub count: i64,
}

impl Store {
    /// The reports of the `latest_years` latest years with any, counted by year and state. Both
    /// queries read only the `(year, status)` index, and the answer has at most `latest_years`
    /// × the number of states rows, whatever the number of years stored.
    pub fn report_counts(&self, latest_years: i64) -> Result<Vec<ReportCount>, StoreError> {
        self.read(|conn| {
            let years: Vec<i32> = evaluations::table
                .select(evaluations::year)
                .distinct()
                .order(evaluations::year.desc())
                .limit(latest_years)
                .load(conn)?;
            let counts: Vec<(i32, String, i64)> = evaluations::table
                .filter(evaluations::year.eq_any(&years))
                .group_by((evaluations::year, evaluations::status))
                .select((
                    evaluations::year,
                    evaluations::status,
                    diesel::dsl::count_star(),
                ))
                .order((evaluations::year.asc(), evaluations::status.asc()))
                .load(conn)?;
            Ok(counts
                .into_iter()
                .map(|(year, status, count)| ReportCount {
                    year,
                    status,
                    count,
                })
                .collect())
        })
    }
}
