//! 抽查样本 as stored — the spot-check samples the bureau drew for a year, numbered within the
//! year and never changed. Persistence only: how a sample is drawn is decided by
//! `domain::review_sample` and applied by `app::review_samples`.

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use super::schema::review_samples;
use super::{StoreError, Transaction, UniqueRow, is_unique_violation};
use crate::domain::review_sample::{Drawing, Sample};
use crate::domain::values::FiscalYear;

#[derive(Queryable, Selectable)]
#[diesel(table_name = review_samples)]
struct SampleRow {
    number: i64,
    seed: i64,
    document: String,
    drawn_by: String,
    created_at: NaiveDateTime,
}

impl SampleRow {
    fn sample(self, year: FiscalYear) -> Result<Sample, StoreError> {
        let number = self.number;
        let drawing: Drawing = serde_json::from_str(&self.document).map_err(|e| {
            StoreError::caused(
                format!("review sample {year}/{number}: stored document is not valid"),
                e,
            )
        })?;
        let seed = u64::try_from(self.seed).map_err(|e| {
            StoreError::caused(format!("review sample {year}/{number}: stored seed"), e)
        })?;
        Ok(Sample {
            year,
            number,
            seed,
            drawing,
            drawn_by: self.drawn_by,
            drawn_at: self.created_at,
        })
    }
}

impl Transaction<'_> {
    /// Every sample of `year`, by number.
    pub fn review_samples(&mut self, year: FiscalYear) -> Result<Vec<Sample>, StoreError> {
        let rows: Vec<SampleRow> = review_samples::table
            .filter(review_samples::year.eq(year.value()))
            .order(review_samples::number)
            .select(SampleRow::as_select())
            .load(self.conn)?;
        rows.into_iter().map(|row| row.sample(year)).collect()
    }

    /// The sample of `year` numbered `number`, if there is one.
    pub fn review_sample(
        &mut self,
        year: FiscalYear,
        number: i64,
    ) -> Result<Option<Sample>, StoreError> {
        let row: Option<SampleRow> = review_samples::table
            .filter(review_samples::year.eq(year.value()))
            .filter(review_samples::number.eq(number))
            .select(SampleRow::as_select())
            .unique_row(self.conn)?;
        row.map(|row| row.sample(year)).transpose()
    }

    /// How many samples `year` has: the next is numbered one more.
    pub fn last_review_sample_number(&mut self, year: FiscalYear) -> Result<i64, StoreError> {
        let last: Option<i64> = review_samples::table
            .filter(review_samples::year.eq(year.value()))
            .select(max(review_samples::number))
            .first(self.conn)?;
        Ok(last.unwrap_or(0))
    }

    /// Stores `sample` under its number; `Contended` when another writer took the number first.
    pub fn insert_review_sample(&mut self, sample: &Sample) -> Result<(), StoreError> {
        let document = serde_json::to_string(&sample.drawing)
            .map_err(|e| StoreError::caused("review sample could not be written as JSON", e))?;
        let seed = i64::try_from(sample.seed)
            .map_err(|e| StoreError::caused("a review sample's seed does not fit", e))?;
        let inserted = diesel::insert_into(review_samples::table)
            .values((
                review_samples::year.eq(sample.year.value()),
                review_samples::number.eq(sample.number),
                review_samples::seed.eq(seed),
                review_samples::document.eq(document),
                review_samples::drawn_by.eq(&sample.drawn_by),
                review_samples::created_at.eq(sample.drawn_at),
            ))
            .execute(self.conn);
        match inserted {
            Err(e) if is_unique_violation(&e) => Err(StoreError::Contended),
            other => other.map(drop).map_err(Into::into),
        }
    }
}
