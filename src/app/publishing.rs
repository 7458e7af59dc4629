//! 报告与表格 — the report as people read it (an HTML or Markdown document) and the
//! self-evaluation table as a workbook to fill: each read, with the caller's right, in one read
//! transaction and handed to `presentation` to render.

use super::AppError;
use super::access::require_read;
use super::evaluations::EvaluationKey;
use super::library::year_library;
use super::result_application::year_rules;
use crate::domain::access::Caller;
use crate::domain::evaluation::Evaluation;
use crate::domain::report::EvaluationReport;
use crate::presentation::form;
use crate::presentation::narrative::{self, DocumentFormat, Unit};
use crate::store::{Store, StoreError, Transaction};

/// `record` as a document in `format`, with its department's name and its year's settings read
/// in `tx`.
pub(super) fn render(
    tx: &mut Transaction<'_>,
    record: &Evaluation,
    format: DocumentFormat,
) -> Result<String, AppError> {
    let code = &record.summary.department_code;
    let year = record.summary.year;
    let department = tx.department(code)?;
    let settings = tx.year_settings(year)?;
    let library = year_library(tx, year)?;
    let rules = year_rules(tx, year)?;
    let scorecard = record.scorecard(&settings, &library, &rules);
    narrative::render(
        format,
        Unit {
            code: code.as_str(),
            name: department.department.name.as_str(),
        },
        i32::from(year),
        &record.report,
        &scorecard,
    )
    .map_err(|e| AppError::failed("the report could not be rendered", e))
}

/// The report as a document in `format`, with the version it shows, if the caller may read it.
pub fn report(
    store: &Store,
    caller: &Caller,
    key: &EvaluationKey,
    format: DocumentFormat,
) -> Result<(i64, String), AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.code)?;
        let record = tx.existing_evaluation(&key.code, key.year)?.evaluation;
        let text = render(tx, &record, format)?;
        Ok((record.summary.version, text))
    })
}

/// The self-evaluation table as a workbook, filled with the stored report (an empty one when
/// there is none yet), if the caller may read the department's data.
pub fn form_workbook(
    store: &Store,
    caller: &Caller,
    key: &EvaluationKey,
) -> Result<Vec<u8>, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.code)?;
        let department = tx.department(&key.code)?;
        let stored = match tx.existing_evaluation(&key.code, key.year) {
            Ok(stored) => stored.evaluation.report,
            Err(StoreError::NotFound(_)) => EvaluationReport::default(),
            Err(other) => return Err(other.into()),
        };
        let settings = tx.year_settings(key.year)?;
        form::write(
            Unit {
                code: key.code.as_str(),
                name: department.department.name.as_str(),
            },
            i32::from(key.year),
            &stored,
            &settings.weights,
        )
        .map_err(|e| AppError::failed("the workbook could not be written", e))
    })
}
