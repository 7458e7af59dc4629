//! 复核 as stored — the bureau's review score of one unit's self-evaluation of a year, or of
//! one of its project tables (`project_code`; `''` for the departmental one), versioned. Persistence only: what a review score must hold is decided by
//! `domain::review_score` and applied by `app::review_scores`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::evaluations::DepartmentId;
use super::schema::{departments, review_scores};
use super::{StoreError, Transaction, UniqueRow, is_unique_violation};
use crate::domain::project::ProjectCode;
use crate::domain::review_score::{ReviewScore, ReviewScoreInput, ReviewState};
use crate::domain::values::{FiscalYear, UnitCode};

/// The row id of a stored review score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewScoreId(i64);

/// A review score as read in a unit of work, with its document as the text stored.
#[derive(Debug, Clone)]
pub struct StoredReviewScore {
    pub id: ReviewScoreId,
    pub score: ReviewScore,
    pub document: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = review_scores)]
struct ReviewScoreRow {
    id: i64,
    project_code: String,
    version: i64,
    document: String,
    reviewed_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    state: String,
    finalized_by: Option<String>,
    finalized_at: Option<NaiveDateTime>,
    reopen_reason: Option<String>,
}

impl ReviewScoreRow {
    fn stored(self, code: UnitCode, year: FiscalYear) -> Result<StoredReviewScore, StoreError> {
        let input: ReviewScoreInput = serde_json::from_str(&self.document).map_err(|e| {
            StoreError::caused(
                format!("review score {code}/{year}: stored document is not valid"),
                e,
            )
        })?;
        let project_code =
            match self.project_code.as_str() {
                "" => None,
                project => Some(project.parse::<ProjectCode>().map_err(|e| {
                    StoreError::internal(format!("review score {code}/{year}: {e}"))
                })?),
            };
        let state = ReviewState::parse(&self.state).ok_or_else(|| {
            StoreError::internal(format!(
                "review score {code}/{year}: stored state `{}` is not one",
                self.state
            ))
        })?;
        Ok(StoredReviewScore {
            id: ReviewScoreId(self.id),
            score: ReviewScore {
                department_code: code,
                year,
                project_code,
                version: self.version,
                reviewed_by: self.reviewed_by,
                created_at: self.created_at,
                updated_at: self.updated_at,
                state,
                finalized_by: self.finalized_by,
                finalized_at: self.finalized_at,
                reopen_reason: self.reopen_reason,
                input,
            },
            document: self.document,
        })
    }
}

/// The document as stored: JSON text.
pub fn review_text(input: &ReviewScoreInput) -> Result<String, StoreError> {
    serde_json::to_string(input)
        .map_err(|e| StoreError::caused("review score could not be written as JSON", e))
}

impl Transaction<'_> {
    /// The review score of the unit's evaluation of `year`, if one is stored.
    pub fn review_score(
        &mut self,
        department: DepartmentId,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<Option<StoredReviewScore>, StoreError> {
        self.scored_review(department, code, year, None)
    }

    /// The review score of the unit's evaluation of `year` — of its project table `project`
    /// where one is named — if one is stored.
    pub fn scored_review(
        &mut self,
        department: DepartmentId,
        code: &UnitCode,
        year: FiscalYear,
        project: Option<&ProjectCode>,
    ) -> Result<Option<StoredReviewScore>, StoreError> {
        let row: Option<ReviewScoreRow> = review_scores::table
            .filter(review_scores::department_id.eq(department.0))
            .filter(review_scores::year.eq(year.value()))
            .filter(review_scores::project_code.eq(project.map_or("", ProjectCode::as_str)))
            .select(ReviewScoreRow::as_select())
            .unique_row(self.conn)?;
        row.map(|row| row.stored(code.clone(), year)).transpose()
    }

    /// Every review score of a departmental evaluation of `year`, by unit code.
    pub fn review_scores_of_year(
        &mut self,
        year: FiscalYear,
    ) -> Result<Vec<ReviewScore>, StoreError> {
        let rows: Vec<(String, ReviewScoreRow)> = review_scores::table
            .inner_join(departments::table)
            .filter(review_scores::year.eq(year.value()))
            .filter(review_scores::project_code.eq(""))
            .order(departments::code)
            .select((departments::code, ReviewScoreRow::as_select()))
            .load(self.conn)?;
        rows.into_iter()
            .map(|(code, row)| {
                let code: UnitCode = code.parse().map_err(|e| {
                    StoreError::caused(format!("stored unit code `{code}` is not valid"), e)
                })?;
                Ok(row.stored(code, year)?.score)
            })
            .collect()
    }

    /// Stores `score` at its version: as the first, or as the next over the one read
    /// (`previous`). `Contended` when another writer stored a version first.
    pub fn save_review_score(
        &mut self,
        department: DepartmentId,
        previous: Option<ReviewScoreId>,
        score: &ReviewScore,
        document: &str,
    ) -> Result<(), StoreError> {
        match previous {
            Some(id) => {
                let updated = diesel::update(
                    review_scores::table
                        .filter(review_scores::id.eq(id.0))
                        .filter(review_scores::version.eq(score.version - 1)),
                )
                .set((
                    review_scores::document.eq(document),
                    review_scores::version.eq(score.version),
                    review_scores::reviewed_by.eq(&score.reviewed_by),
                    review_scores::updated_at.eq(score.updated_at),
                    review_scores::state.eq(score.state.as_str()),
                    review_scores::finalized_by.eq(&score.finalized_by),
                    review_scores::finalized_at.eq(score.finalized_at),
                    review_scores::reopen_reason.eq(&score.reopen_reason),
                ))
                .execute(self.conn)?;
                if updated == 0 {
                    return Err(StoreError::Contended);
                }
            }
            None => {
                let inserted = diesel::insert_into(review_scores::table)
                    .values((
                        review_scores::department_id.eq(department.0),
                        review_scores::year.eq(score.year.value()),
                        review_scores::project_code
                            .eq(score.project_code.as_ref().map_or("", ProjectCode::as_str)),
                        review_scores::version.eq(score.version),
                        review_scores::document.eq(document),
                        review_scores::reviewed_by.eq(&score.reviewed_by),
                        review_scores::created_at.eq(score.created_at),
                        review_scores::updated_at.eq(score.updated_at),
                        review_scores::state.eq(score.state.as_str()),
                        review_scores::finalized_by.eq(&score.finalized_by),
                        review_scores::finalized_at.eq(score.finalized_at),
                        review_scores::reopen_reason.eq(&score.reopen_reason),
                    ))
                    .execute(self.conn);
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Contended),
                    other => other?,
                };
            }
        }
        Ok(())
    }
}
