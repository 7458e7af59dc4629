//! 年度 — the year's settings, and how the collection of its reports is going.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppError;
use super::access::require_admin;
use super::audit::{Answered, Trail};
use super::evaluations::project;
use super::result_application::{OverdueRectification, overdue};
use crate::domain::access::Caller;
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::settings::YearSettings;
use crate::domain::values::FiscalYear;
use crate::store::Store;

/// Stores a year's settings, read from the request as `input`, and rescores that year's
/// evaluations with them in the same transaction. Admins; the caller's right is checked
/// before the input, whose error is answered as it is.
pub fn change_settings(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    input: Result<(FiscalYear, YearSettings), AppError>,
) -> Result<(FiscalYear, YearSettings), AppError> {
    let action = "year_settings.update";
    let checked = require_admin(caller).and(input);
    let (year, settings) = trail.settle(store, caller, action, checked)?;
    let what = format!("the {year} settings");
    trail.change(
        store,
        caller,
        action,
        &what,
        |tx| {
            // The year's projections are rewritten: no report may be written meanwhile.
            tx.lock_all_departments()?;
            tx.save_year_settings(year, &settings, &caller.subject)?;
            for stored in tx.evaluations_of_year(Some(year))? {
                let department = tx.department_id(&stored.evaluation.summary.department_code)?;
                project(tx, department, stored.id, &stored.evaluation)?;
            }
            Ok(())
        },
        |()| (Answered::Done, None),
    )?;
    Ok((year, settings))
}

/// The settings of a year: the stored ones, else the defaults. Any authenticated caller.
pub fn settings(store: &Store, year: FiscalYear) -> Result<YearSettings, AppError> {
    store.read_transaction(|tx| Ok(tx.year_settings(year)?))
}

/// One department in the year's collection.
#[derive(Serialize, ToSchema)]
pub struct DepartmentProgress {
    pub department_code: String,
    pub department_name: String,
    /// None: not started.
    pub status: Option<EvaluationStatus>,
    pub version: Option<i64>,
    /// When its evaluation last changed.
    pub last_change: Option<DateTime<Utc>>,
    pub findings_errors: Option<i32>,
    pub findings_warnings: Option<i32>,
    /// Past the deadline without having been submitted.
    pub overdue: bool,
}

/// How collection of a year is going.
#[derive(Serialize, ToSchema)]
pub struct ProgressView {
    pub year: FiscalYear,
    pub deadline: Option<DateTime<Utc>>,
    /// How many departments are in each state; `not_started` for those without an evaluation.
    pub counts: BTreeMap<String, usize>,
    /// The departments that have not started.
    pub not_started: Vec<String>,
    /// The departments past the deadline without a submission.
    pub overdue: Vec<String>,
    pub departments: Vec<DepartmentProgress>,
    /// 逾期整改 — rectification items of this year's evaluations and the year before's past
    /// their deadline today (UTC) and not done, by unit and number.
    pub overdue_rectifications: Vec<OverdueRectification>,
}

/// How collection of the year the request names is going, as of now: per department its
/// state, last change and findings; counts by state; who has not started; who is overdue
/// against the deadline; which rectification items are overdue. The bureau's roles.
pub fn progress(
    store: &Store,
    caller: &Caller,
    year: Result<FiscalYear, AppError>,
) -> Result<ProgressView, AppError> {
    if !caller.reads_everything() {
        return Err(AppError::Forbidden(
            "collection progress is for the bureau's roles".to_owned(),
        ));
    }
    let year = year?;
    let (rows, settings, overdue_rectifications) = store.read_transaction(|tx| {
        Ok::<_, AppError>((
            tx.progress(year)?,
            tx.year_settings(year)?,
            overdue(tx, year)?,
        ))
    })?;
    let now = Utc::now();
    let past_deadline = settings.deadline.is_some_and(|deadline| now > deadline);
    let mut counts = BTreeMap::new();
    let departments: Vec<DepartmentProgress> = rows
        .into_iter()
        .map(|row| {
            let status = row.status.as_deref().and_then(EvaluationStatus::parse);
            let key = status.map_or("not_started", EvaluationStatus::as_str);
            *counts.entry(key.to_owned()).or_insert(0) += 1;
            DepartmentProgress {
                overdue: past_deadline && status.is_none_or(EvaluationStatus::is_editable),
                department_code: row.department_code,
                department_name: row.department_name,
                status,
                version: row.version,
                last_change: row.updated_at.map(|at| at.and_utc()),
                findings_errors: row.findings_errors,
                findings_warnings: row.findings_warnings,
            }
        })
        .collect();
    Ok(ProgressView {
        year,
        deadline: settings.deadline,
        counts,
        not_started: departments
            .iter()
            .filter(|d| d.status.is_none())
            .map(|d| d.department_code.clone())
            .collect(),
        overdue: departments
            .iter()
            .filter(|d| d.overdue)
            .map(|d| d.department_code.clone())
            .collect(),
        departments,
        overdue_rectifications,
    })
}
