//! 结果应用 as stored — a year's result rules (versioned, one row per year) and the
//! rectification items of each unit's evaluation of a year (each versioned). Persistence only:
//! what they must hold is decided by `domain::result_application` and applied by
//! `app::result_application`.

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use super::evaluations::DepartmentId;
use super::schema::{departments, rectifications, result_rules};
use super::{StoreError, Transaction, UniqueRow, is_unique_violation};
use crate::domain::result_application::rectification::{Rectification, RectificationItem};
use crate::domain::result_application::rules::{ResultRules, YearResultRules};
use crate::domain::values::{FiscalYear, UnitCode};

/// The row id of a year's stored rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultRulesId(i64);

/// A year's rules as read in a unit of work, with their document as the text stored.
#[derive(Debug, Clone)]
pub struct StoredResultRules {
    pub id: ResultRulesId,
    pub rules: YearResultRules,
    pub document: String,
}

/// A rectification item as read in a unit of work, with its document as the text stored.
#[derive(Debug, Clone)]
pub struct StoredRectification {
    pub rectification: Rectification,
    pub document: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = result_rules)]
struct RulesRow {
    id: i64,
    version: i64,
    document: String,
    set_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = rectifications)]
struct RectificationRow {
    id: i64,
    year: i32,
    version: i64,
    document: String,
    created_by: String,
    updated_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A document as stored: JSON text.
pub fn json_text<T: serde::Serialize>(document: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(document)
        .map_err(|e| StoreError::caused(format!("{what} could not be written as JSON"), e))
}

fn decode(code: &UnitCode, row: RectificationRow) -> Result<StoredRectification, StoreError> {
    let item: RectificationItem = serde_json::from_str(&row.document).map_err(|e| {
        StoreError::caused(
            format!(
                "rectification item {} of {code}: stored document is not valid",
                row.id
            ),
            e,
        )
    })?;
    let year = FiscalYear::try_from(i64::from(row.year)).map_err(|_| {
        StoreError::internal(format!(
            "rectification item {}: stored year is not valid",
            row.id
        ))
    })?;
    Ok(StoredRectification {
        rectification: Rectification {
            id: row.id,
            department_code: code.clone(),
            year,
            version: row.version,
            created_by: row.created_by,
            updated_by: row.updated_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            item,
        },
        document: row.document,
    })
}

impl Transaction<'_> {
    /// The rules stored for `year`, if the bureau has set any.
    pub fn result_rules(
        &mut self,
        year: FiscalYear,
    ) -> Result<Option<StoredResultRules>, StoreError> {
        let row: Option<RulesRow> = result_rules::table
            .filter(result_rules::year.eq(year.value()))
            .select(RulesRow::as_select())
            .unique_row(self.conn)?;
        row.map(|row| {
            let rules: ResultRules = serde_json::from_str(&row.document).map_err(|e| {
                StoreError::caused(
                    format!("the result rules of {year}: stored document is not valid"),
                    e,
                )
            })?;
            Ok(StoredResultRules {
                id: ResultRulesId(row.id),
                rules: YearResultRules {
                    year,
                    version: row.version,
                    set_by: row.set_by,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                    rules,
                },
                document: row.document,
            })
        })
        .transpose()
    }

    /// Stores `rules` at their version: as the first, or as the next over the one read
    /// (`previous`). `Contended` when another writer stored a version first.
    pub fn save_result_rules(
        &mut self,
        previous: Option<ResultRulesId>,
        rules: &YearResultRules,
        document: &str,
    ) -> Result<(), StoreError> {
        match previous {
            Some(id) => {
                let updated = diesel::update(
                    result_rules::table
                        .filter(result_rules::id.eq(id.0))
                        .filter(result_rules::version.eq(rules.version - 1)),
                )
                .set((
                    result_rules::document.eq(document),
                    result_rules::version.eq(rules.version),
                    result_rules::set_by.eq(&rules.set_by),
                    result_rules::updated_at.eq(rules.updated_at),
                ))
                .execute(self.conn)?;
                if updated == 0 {
                    return Err(StoreError::Contended);
                }
            }
            None => {
                let inserted = diesel::insert_into(result_rules::table)
                    .values((
                        result_rules::year.eq(rules.year.value()),
                        result_rules::version.eq(rules.version),
                        result_rules::document.eq(document),
                        result_rules::set_by.eq(&rules.set_by),
                        result_rules::created_at.eq(rules.created_at),
                        result_rules::updated_at.eq(rules.updated_at),
                    ))
                    .execute(self.conn);
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Contended),
                    other => other?,
                };
            }
        }
        // Every table of the year is graded by its rules: the project tables too, which have
        // no projection of their own to rewrite.
        super::generations::bump(self.conn, Some(rules.year.value()), None)?;
        Ok(())
    }

    /// The rectification items of the unit's evaluation of `year`, oldest first.
    pub fn rectifications(
        &mut self,
        department: DepartmentId,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<Vec<StoredRectification>, StoreError> {
        let rows: Vec<RectificationRow> = rectifications::table
            .filter(rectifications::department_id.eq(department.0))
            .filter(rectifications::year.eq(year.value()))
            .order(rectifications::id.asc())
            .select(RectificationRow::as_select())
            .load(self.conn)?;
        rows.into_iter().map(|row| decode(code, row)).collect()
    }

    /// One item of the unit's evaluation of `year`, if it is there.
    pub fn rectification(
        &mut self,
        department: DepartmentId,
        code: &UnitCode,
        year: FiscalYear,
        id: i64,
    ) -> Result<Option<StoredRectification>, StoreError> {
        let row: Option<RectificationRow> = rectifications::table
            .filter(rectifications::id.eq(id))
            .filter(rectifications::department_id.eq(department.0))
            .filter(rectifications::year.eq(year.value()))
            .select(RectificationRow::as_select())
            .unique_row(self.conn)?;
        row.map(|row| decode(code, row)).transpose()
    }

    /// Every rectification item of the given years, of every unit, by unit code and id.
    pub fn rectifications_of_years(
        &mut self,
        years: &[FiscalYear],
    ) -> Result<Vec<Rectification>, StoreError> {
        let years: Vec<i32> = years.iter().map(|y| y.value()).collect();
        let rows: Vec<(String, RectificationRow)> = rectifications::table
            .inner_join(departments::table)
            .filter(rectifications::year.eq_any(years))
            .order((departments::code.asc(), rectifications::id.asc()))
            .select((departments::code, RectificationRow::as_select()))
            .load(self.conn)?;
        rows.into_iter()
            .map(|(code, row)| {
                let code: UnitCode = code.parse().map_err(|_| {
                    StoreError::internal(format!("stored unit code `{code}` is not valid"))
                })?;
                decode(&code, row).map(|stored| stored.rectification)
            })
            .collect()
    }

    /// Stores a new item of the unit (whose row this transaction has locked) and answers the
    /// number it is given.
    pub fn insert_rectification(
        &mut self,
        department: DepartmentId,
        rectification: &Rectification,
        document: &str,
    ) -> Result<i64, StoreError> {
        diesel::insert_into(rectifications::table)
            .values((
                rectifications::department_id.eq(department.0),
                rectifications::year.eq(rectification.year.value()),
                rectifications::version.eq(rectification.version),
                rectifications::document.eq(document),
                rectifications::created_by.eq(&rectification.created_by),
                rectifications::updated_by.eq(&rectification.updated_by),
                rectifications::created_at.eq(rectification.created_at),
                rectifications::updated_at.eq(rectification.updated_at),
            ))
            .execute(self.conn)?;
        // The unit's row is locked: no other item of it was inserted meanwhile.
        // By year and unit, as the index reads them.
        let id: Option<i64> = rectifications::table
            .filter(rectifications::year.eq(rectification.year.value()))
            .filter(rectifications::department_id.eq(department.0))
            .select(max(rectifications::id))
            .first(self.conn)?;
        id.ok_or_else(|| StoreError::internal("the rectification item just stored is not there"))
    }

    /// Stores `rectification` at its version over the one read. `Contended` when another
    /// writer stored a version first.
    pub fn save_rectification(
        &mut self,
        rectification: &Rectification,
        document: &str,
    ) -> Result<(), StoreError> {
        let updated = diesel::update(
            rectifications::table
                .filter(rectifications::id.eq(rectification.id))
                .filter(rectifications::version.eq(rectification.version - 1)),
        )
        .set((
            rectifications::document.eq(document),
            rectifications::version.eq(rectification.version),
            rectifications::updated_by.eq(&rectification.updated_by),
            rectifications::updated_at.eq(rectification.updated_at),
        ))
        .execute(self.conn)?;
        if updated == 0 {
            return Err(StoreError::Contended);
        }
        Ok(())
    }
}
