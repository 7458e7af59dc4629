//! 年度 — the year's settings and how collection is going.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::departments::lock_all_departments;
use super::schema::{departments, evaluation_metrics, evaluations, year_settings};
use super::{DbConnection, StoreError, Transaction, UniqueRow, now};
use crate::domain::settings::YearSettings;
use crate::domain::values::FiscalYear;

/// The settings of `year`: the stored ones, else the defaults.
fn load_settings(conn: &mut DbConnection, year: i32) -> Result<YearSettings, StoreError> {
    let stored: Option<String> = year_settings::table
        .filter(year_settings::year.eq(year))
        .select(year_settings::settings)
        .unique_row(conn)?;
    stored
        .map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|e| StoreError::caused(format!("the settings of {year} are not readable"), e))
        .map(Option::unwrap_or_default)
}

impl Transaction<'_> {
    /// Takes the row locks of every department (PostgreSQL), for a change that rewrites the
    /// projections of many units: it waits for the report writes under way, and later ones
    /// wait for it.
    pub fn lock_all_departments(&mut self) -> Result<(), StoreError> {
        lock_all_departments(self.conn)
    }

    /// Stores the year's settings.
    pub fn save_year_settings(
        &mut self,
        year: FiscalYear,
        settings: &YearSettings,
        actor: &str,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(settings)
            .map_err(|e| StoreError::caused("settings could not be written as JSON", e))?;
        let conn = &mut *self.conn;
        let at = now();
        let updated =
            diesel::update(year_settings::table.filter(year_settings::year.eq(year.value())))
                .set((
                    year_settings::settings.eq(&text),
                    year_settings::updated_by.eq(actor),
                    year_settings::updated_at.eq(at),
                ))
                .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(year_settings::table)
                .values((
                    year_settings::year.eq(year.value()),
                    year_settings::settings.eq(&text),
                    year_settings::updated_by.eq(actor),
                    year_settings::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        // Every table of the year is scored by its settings.
        super::generations::bump(conn, Some(year.value()), None)?;
        Ok(())
    }
}

/// One department's place in a year's collection.
#[derive(Debug, Clone)]
pub struct ProgressRow {
    pub department_code: String,
    pub department_name: String,
    /// None: not started.
    pub status: Option<String>,
    pub version: Option<i64>,
    pub updated_at: Option<NaiveDateTime>,
    pub findings_errors: Option<i32>,
    pub findings_warnings: Option<i32>,
}

#[derive(Queryable)]
struct YearEvaluation {
    code: String,
    status: String,
    version: i64,
    updated_at: NaiveDateTime,
    findings_errors: Option<i32>,
    findings_warnings: Option<i32>,
}

impl Transaction<'_> {
    /// Every department with its evaluation of `year`, if any, by code.
    pub fn progress(&mut self, year: FiscalYear) -> Result<Vec<ProgressRow>, StoreError> {
        let conn = &mut *self.conn;
        let departments: Vec<(String, String)> = departments::table
            .order(departments::code.asc())
            .select((departments::code, departments::name))
            .load(conn)?;
        let evaluations: Vec<YearEvaluation> = evaluations::table
            .inner_join(departments::table)
            .left_join(evaluation_metrics::table)
            .filter(evaluations::year.eq(year.value()))
            .select((
                departments::code,
                evaluations::status,
                evaluations::version,
                evaluations::updated_at,
                evaluation_metrics::findings_errors.nullable(),
                evaluation_metrics::findings_warnings.nullable(),
            ))
            .load(conn)?;
        let mut by_code: HashMap<String, YearEvaluation> = evaluations
            .into_iter()
            .map(|e| (e.code.clone(), e))
            .collect();
        Ok(departments
            .into_iter()
            .map(|(code, name)| {
                let evaluation = by_code.remove(&code);
                ProgressRow {
                    status: evaluation.as_ref().map(|e| e.status.clone()),
                    version: evaluation.as_ref().map(|e| e.version),
                    updated_at: evaluation.as_ref().map(|e| e.updated_at),
                    findings_errors: evaluation.as_ref().and_then(|e| e.findings_errors),
                    findings_warnings: evaluation.as_ref().and_then(|e| e.findings_warnings),
                    department_code: code,
                    department_name: name,
                }
            })
            .collect())
    }

    /// The settings of `year`: the stored ones, else the defaults.
    pub fn year_settings(&mut self, year: FiscalYear) -> Result<YearSettings, StoreError> {
        load_settings(self.conn, year.value())
    }
}
