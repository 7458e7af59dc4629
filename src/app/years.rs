//! 年度 — the year's settings.

use super::access::require_admin;
use super::evaluations::project;
use super::{AppError, retrying};
use crate::domain::access::Caller;
use crate::domain::settings::YearSettings;
use crate::domain::values::FiscalYear;
use crate::store::Store;

/// Stores a year's settings, read from the request as `input`, and rescores that year's
/// evaluations with them in the same transaction. Admins; the caller's right is checked
/// before the input, whose error is answered as it is.
pub fn change_settings<E>(
    store: &Store,
    caller: &Caller,
    input: Result<(FiscalYear, YearSettings), E>,
) -> Result<Result<(FiscalYear, YearSettings), E>, AppError> {
    require_admin(caller)?;
    let (year, settings) = match input {
        Ok(input) => input,
        Err(refusal) => return Ok(Err(refusal)),
    };
    retrying(store, &format!("the {year} settings"), |tx| {
        // The year's projections are rewritten: no report may be written meanwhile.
        tx.lock_all_departments()?;
        tx.save_year_settings(year, &settings, &caller.subject)?;
        for stored in tx.evaluations_of_year(Some(year))? {
            let department = tx.department_id(&stored.evaluation.summary.department_code)?;
            project(tx, department, stored.id, &stored.evaluation)?;
        }
        Ok(())
    })?;
    Ok(Ok((year, settings)))
}
