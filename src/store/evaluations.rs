//! 部门整体支出绩效自评 — one document per department and year, versioned; every stored
//! version is kept as a revision.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::departments::department_id;
use super::schema::{departments, evaluation_revisions, evaluations};
use super::{DbConnection, Page, Store, StoreError, Window, is_unique_violation, now};
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::report::EvaluationReport;
use crate::domain::values::{FiscalYear, UnitCode};

/// How many times a write is tried again when another writer changed the same evaluation
/// between its read and its write (PostgreSQL; SQLite writers queue instead).
const WRITE_ATTEMPTS: usize = 5;

/// An evaluation as stored, without its document.
#[derive(Debug, Clone)]
pub struct EvaluationSummary {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    pub status: EvaluationStatus,
    /// Goes up by one with every change of the document or the status.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An evaluation as stored, with its document.
#[derive(Debug, Clone)]
pub struct EvaluationRecord {
    pub summary: EvaluationSummary,
    pub report: EvaluationReport,
}

/// Which evaluations a list shows.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    pub year: Option<FiscalYear>,
    pub department_code: Option<UnitCode>,
    pub status: Option<EvaluationStatus>,
    /// Only evaluations of departments within this one's subtree.
    pub within: Option<UnitCode>,
}

/// What the client asked to be true of the stored version before writing (`If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: write whatever is stored.
    None,
    /// `If-Match: *`: the evaluation must exist.
    Exists,
    /// `If-Match: "N"`: the stored version must be N.
    Version(i64),
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    /// The document came out the same as it was: nothing was written, the version stays.
    Unchanged,
}

/// The evaluation after a write, what the edit answered, and what the write did.
#[derive(Debug)]
pub struct Saved<T> {
    pub record: EvaluationRecord,
    pub outcome: T,
    pub change: Change,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = evaluations)]
struct EvaluationRow {
    id: i64,
    year: i32,
    status: String,
    version: i64,
    document: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn summary(
    code: UnitCode,
    year: i32,
    status: &str,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> Result<EvaluationSummary, StoreError> {
    let corrupt = |what: &str| {
        StoreError::Internal(format!(
            "evaluation {code}/{year}: stored {what} is not valid"
        ))
    };
    Ok(EvaluationSummary {
        year: FiscalYear::try_from(i64::from(year)).map_err(|_| corrupt("year"))?,
        status: EvaluationStatus::parse(status).ok_or_else(|| corrupt("status"))?,
        department_code: code,
        version,
        created_at,
        updated_at,
    })
}

fn decode(code: &UnitCode, row: EvaluationRow) -> Result<EvaluationRecord, StoreError> {
    let report = serde_json::from_str(&row.document).map_err(|e| {
        StoreError::Internal(format!(
            "evaluation {code}/{}: stored document is not readable: {e}",
            row.year
        ))
    })?;
    Ok(EvaluationRecord {
        summary: summary(
            code.clone(),
            row.year,
            &row.status,
            row.version,
            row.created_at,
            row.updated_at,
        )?,
        report,
    })
}

fn load_row(
    conn: &mut DbConnection,
    department_id: i64,
    year: FiscalYear,
) -> Result<Option<EvaluationRow>, StoreError> {
    Ok(evaluations::table
        .filter(evaluations::department_id.eq(department_id))
        .filter(evaluations::year.eq(year.value()))
        .select(EvaluationRow::as_select())
        .first(conn)
        .optional()?)
}

/// The result of one attempt at a write: done, refused by the edit, or lost a race.
enum Attempt<T, E> {
    Done(Box<Saved<T>>),
    Refused(E),
}

impl Store {
    pub fn evaluation(
        &self,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<EvaluationRecord, StoreError> {
        self.read(|conn| {
            let department = department_id(conn, code)?;
            let row = load_row(conn, department, year)?.ok_or_else(|| {
                StoreError::NotFound(format!("the {year} evaluation of department {code}"))
            })?;
            decode(code, row)
        })
    }

    pub fn list_evaluations(
        &self,
        filter: &EvaluationFilter,
        window: Window,
    ) -> Result<Page<EvaluationSummary>, StoreError> {
        let scope = filter
            .within
            .as_ref()
            .map(|root| self.subtree(root))
            .transpose()?;
        let query = || {
            let mut query = evaluations::table
                .inner_join(departments::table)
                .into_boxed();
            if let Some(codes) = &scope {
                query = query.filter(departments::code.eq_any(codes.clone()));
            }
            if let Some(year) = filter.year {
                query = query.filter(evaluations::year.eq(year.value()));
            }
            if let Some(code) = &filter.department_code {
                query = query.filter(departments::code.eq(code.as_str().to_owned()));
            }
            if let Some(status) = filter.status {
                query = query.filter(evaluations::status.eq(status.as_str()));
            }
            query
        };
        self.read(|conn| {
            let total = query().count().get_result(conn)?;
            let rows: Vec<(String, i32, String, i64, NaiveDateTime, NaiveDateTime)> = query()
                .order((evaluations::year.desc(), departments::code.asc()))
                .limit(window.limit)
                .offset(window.offset)
                .select((
                    departments::code,
                    evaluations::year,
                    evaluations::status,
                    evaluations::version,
                    evaluations::created_at,
                    evaluations::updated_at,
                ))
                .load(conn)?;
            let items = rows
                .into_iter()
                .map(|(code, year, status, version, created_at, updated_at)| {
                    let code = code.parse().map_err(|_| {
                        StoreError::Internal(format!("stored unit code `{code}` is not valid"))
                    })?;
                    summary(code, year, &status, version, created_at, updated_at)
                })
                .collect::<Result<_, _>>()?;
            Ok(Page { items, total })
        })
    }

    /// Reads the evaluation (an empty draft when there is none), lets `edit` change the
    /// document, checks that it is still a report, and stores it as the next version together
    /// with a revision — in one transaction. `edit` may be called again when another writer
    /// won a race; what it refuses is answered as its own error and nothing is written.
    pub fn edit_evaluation<T, E>(
        &self,
        code: &UnitCode,
        year: FiscalYear,
        precondition: Precondition,
        action: &str,
        mut edit: impl FnMut(&mut EvaluationReport) -> Result<T, E>,
    ) -> Result<Saved<T>, E>
    where
        E: From<StoreError>,
    {
        for _ in 0..WRITE_ATTEMPTS {
            let attempt =
                self.write(|conn| try_edit(conn, code, year, precondition, action, &mut edit));
            match attempt {
                Ok(Attempt::Done(saved)) => return Ok(*saved),
                Ok(Attempt::Refused(error)) => return Err(error),
                Err(StoreError::Contended) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::Contended.into())
    }
}

fn try_edit<T, E>(
    conn: &mut DbConnection,
    code: &UnitCode,
    year: FiscalYear,
    precondition: Precondition,
    action: &str,
    edit: &mut impl FnMut(&mut EvaluationReport) -> Result<T, E>,
) -> Result<Attempt<T, E>, StoreError> {
    let department = department_id(conn, code)?;
    let existing = load_row(conn, department, year)?
        .map(|row| {
            let id = row.id;
            decode(code, row).map(|record| (id, record))
        })
        .transpose()?;
    let current_version = existing.as_ref().map(|(_, record)| record.summary.version);
    let precondition_holds = match precondition {
        Precondition::None => true,
        Precondition::Exists => current_version.is_some(),
        Precondition::Version(expected) => current_version == Some(expected),
    };
    if !precondition_holds {
        return Err(StoreError::PreconditionFailed {
            current: current_version,
        });
    }

    if let Some((_, record)) = &existing
        && !record.summary.status.is_editable()
    {
        return Err(StoreError::Conflict {
            code: "evaluation_not_editable",
            detail: format!(
                "the {year} evaluation of department {code} is {} and cannot be changed; only drafts and returned evaluations can",
                record.summary.status.as_str()
            ),
        });
    }
    let mut report = existing
        .as_ref()
        .map(|(_, record)| record.report.clone())
        .unwrap_or_default();
    let outcome = match edit(&mut report) {
        Ok(outcome) => outcome,
        Err(refusal) => return Ok(Attempt::Refused(refusal)),
    };
    let errors = report.structural_errors();
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let document = serde_json::to_string(&report)
        .map_err(|e| StoreError::Internal(format!("document could not be written as JSON: {e}")))?;

    let at = now();
    let (evaluation_id, record, change) = match existing {
        Some((id, record)) => {
            // Compared as written, so that "8.00" replacing "8" counts as a change.
            let stored = serde_json::to_string(&record.report).map_err(|e| {
                StoreError::Internal(format!("document could not be written as JSON: {e}"))
            })?;
            if document == stored {
                return Ok(Attempt::Done(Box::new(Saved {
                    record,
                    outcome,
                    change: Change::Unchanged,
                })));
            }
            let version = record.summary.version + 1;
            let updated = diesel::update(
                evaluations::table
                    .filter(evaluations::id.eq(id))
                    .filter(evaluations::version.eq(record.summary.version)),
            )
            .set((
                evaluations::document.eq(&document),
                evaluations::version.eq(version),
                evaluations::updated_at.eq(at),
            ))
            .execute(conn)?;
            if updated == 0 {
                return Err(StoreError::Contended);
            }
            let summary = EvaluationSummary {
                version,
                updated_at: at,
                ..record.summary
            };
            (id, EvaluationRecord { summary, report }, Change::Updated)
        }
        None => {
            let status = EvaluationStatus::Draft;
            let inserted = diesel::insert_into(evaluations::table)
                .values((
                    evaluations::department_id.eq(department),
                    evaluations::year.eq(year.value()),
                    evaluations::status.eq(status.as_str()),
                    evaluations::version.eq(1_i64),
                    evaluations::document.eq(&document),
                    evaluations::created_at.eq(at),
                    evaluations::updated_at.eq(at),
                ))
                .execute(conn);
            match inserted {
                Err(e) if is_unique_violation(&e) => return Err(StoreError::Contended),
                other => other?,
            };
            let id = row_id_of(conn, department, year)?;
            let summary = EvaluationSummary {
                department_code: code.clone(),
                year,
                status,
                version: 1,
                created_at: at,
                updated_at: at,
            };
            (id, EvaluationRecord { summary, report }, Change::Created)
        }
    };
    diesel::insert_into(evaluation_revisions::table)
        .values((
            evaluation_revisions::evaluation_id.eq(evaluation_id),
            evaluation_revisions::version.eq(record.summary.version),
            evaluation_revisions::action.eq(action),
            evaluation_revisions::status.eq(record.summary.status.as_str()),
            evaluation_revisions::document.eq(&document),
            evaluation_revisions::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(Attempt::Done(Box::new(Saved {
        record,
        outcome,
        change,
    })))
}

fn row_id_of(
    conn: &mut DbConnection,
    department_id: i64,
    year: FiscalYear,
) -> Result<i64, StoreError> {
    Ok(evaluations::table
        .filter(evaluations::department_id.eq(department_id))
        .filter(evaluations::year.eq(year.value()))
        .select(evaluations::id)
        .first(conn)?)
}
