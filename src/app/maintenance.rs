//! The jobs on the whole database: rebuilding the projections, storing demonstration data,
//! and asking whether it answers (the readiness probe).

use super::evaluations::project;
use super::{AppError, retrying};
use crate::domain::department::Department;
use crate::domain::evaluation::{Evaluation, EvaluationStatus};
use crate::domain::project::{ProjectCode, ProjectEvaluation, ProjectKey, ProjectTable};
use crate::domain::report::EvaluationReport;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::evaluations::{RevisionNote, document_text};
use crate::store::projects::table_text;
use crate::store::{Store, now};

/// Rebuilds every projection from the stored documents; answers how many evaluations.
pub fn reproject(store: &Store) -> Result<usize, AppError> {
    let count = retrying(store, &"every projection", |tx| {
        tx.lock_all_departments()?;
        let all = tx.evaluations_of_year(None)?;
        for stored in &all {
            let department = tx.department_id(&stored.evaluation.summary.department_code)?;
            project(tx, department, stored.id, &stored.evaluation)?;
        }
        Ok(all.len())
    })?;
    store.refresh_statistics()?;
    Ok(count)
}

/// Stores departments with their reports in the states given, in one transaction: for
/// demonstrations and benchmarks. A department's parent comes before it; its reports come
/// oldest first. Answers how many reports were stored.
pub fn import<'a>(
    store: &Store,
    units: impl IntoIterator<
        Item = (
            &'a Department,
            &'a [(FiscalYear, EvaluationStatus, EvaluationReport)],
        ),
    >,
    actor: &str,
) -> Result<usize, AppError> {
    let count = store.write_transaction(|tx| {
        let mut count = 0;
        for (department, reports) in units {
            tx.insert_department(department)?;
            let department_id = tx.department_id(&department.code)?;
            for (year, status, report) in reports {
                let at = now();
                let mut evaluation = Evaluation::new_draft(department.code.clone(), *year, at);
                evaluation.summary.status = *status;
                evaluation.report = report.clone();
                evaluation.advance(at);
                let note = RevisionNote {
                    action: "import",
                    actor,
                    comment: None,
                };
                let document = document_text(&evaluation.report)?;
                let id = tx.save_evaluation(department_id, None, &evaluation, &document, note)?;
                project(tx, department_id, id, &evaluation)?;
                count += 1;
            }
        }
        Ok::<_, AppError>(count)
    })?;
    store.refresh_statistics()?;
    Ok(count)
}

/// Stores project tables of `year` in the states given, in one transaction, for units already
/// stored: for demonstrations and benchmarks, a batch of units at a time so that millions of
/// tables are stored without holding them all. Answers how many tables were stored.
pub fn import_projects<'a>(
    store: &Store,
    year: FiscalYear,
    units: impl IntoIterator<
        Item = (
            &'a UnitCode,
            &'a [(ProjectCode, EvaluationStatus, ProjectTable)],
        ),
    >,
    actor: &str,
) -> Result<usize, AppError> {
    store.write_transaction(|tx| {
        let mut count = 0;
        for (code, projects) in units {
            let department_id = tx.department_id(code)?;
            for (project_code, status, table) in projects {
                let at = now();
                let key = ProjectKey {
                    department_code: code.clone(),
                    year,
                    project_code: project_code.clone(),
                };
                let mut evaluation = ProjectEvaluation::new_draft(key, at);
                evaluation.stage.status = *status;
                evaluation.table = table.clone();
                evaluation.stage.advance(at);
                let note = RevisionNote {
                    action: "import",
                    actor,
                    comment: None,
                };
                let document = table_text(&evaluation.table)?;
                tx.save_project(department_id, None, &evaluation, &document, note)?;
                count += 1;
            }
        }
        Ok::<_, AppError>(count)
    })
}

/// Whether the database answers within `wait`, for the readiness probe.
pub fn ready(store: &Store, wait: std::time::Duration) -> Result<(), AppError> {
    Ok(store.ping(wait)?)
}
