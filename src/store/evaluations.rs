//! 部门整体支出绩效自评 as stored — one document per department and year, versioned; every
//! stored version is kept as a revision. Persistence only: what may change and how is decided
//! by the review cycle (`domain::evaluation`) and applied by the application layer.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::departments::{department_id, lock_department, subtree_codes};
use super::schema::{departments, evaluation_revisions, evaluations};
use super::{
    DbConnection, Page, Store, StoreError, Transaction, UniqueRow, Window, is_unique_violation,
};
use crate::domain::checks::ApprovedGoals;
use crate::domain::evaluation::{Evaluation, EvaluationStatus, EvaluationSummary};
use crate::domain::report::EvaluationReport;
use crate::domain::values::{FiscalYear, UnitCode};

/// Which evaluations a list shows.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    pub year: Option<FiscalYear>,
    pub department_code: Option<UnitCode>,
    pub status: Option<EvaluationStatus>,
    /// Only evaluations of departments within this one's subtree.
    pub within: Option<UnitCode>,
}

/// An evaluation as read in a unit of work: its row, the evaluation, and its document as the
/// text stored (to tell an unchanged document without writing it again).
#[derive(Debug, Clone)]
pub struct StoredEvaluation {
    pub id: EvaluationId,
    pub evaluation: Evaluation,
    pub document: String,
}

/// The row id of a stored evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvaluationId(i64);

impl EvaluationId {
    pub(super) fn value(self) -> i64 {
        self.0
    }
}

/// The id of a department's row, once its lock is held or its existence read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepartmentId(pub(super) i64);

/// Who made a version and why: the revision recorded with it.
#[derive(Debug, Clone, Copy)]
pub struct RevisionNote<'a> {
    /// What was done: `replace`, `submit`, `approve_goals`, `import` …
    pub action: &'a str,
    pub actor: &'a str,
    pub comment: Option<&'a str>,
}

/// One entry of an evaluation's history: who did what, when, to which version.
#[derive(Debug, Clone)]
pub struct Revision {
    pub version: i64,
    pub action: String,
    pub status: EvaluationStatus,
    pub actor: Option<String>,
    pub comment: Option<String>,
    pub at: NaiveDateTime,
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
    approved_goals: Option<String>,
}

fn corrupt(code: &UnitCode, year: i32, what: &str) -> StoreError {
    StoreError::internal(format!(
        "evaluation {code}/{year}: stored {what} is not valid"
    ))
}

fn summary(
    code: UnitCode,
    year: i32,
    status: &str,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> Result<EvaluationSummary, StoreError> {
    Ok(EvaluationSummary {
        year: FiscalYear::try_from(i64::from(year)).map_err(|_| corrupt(&code, year, "year"))?,
        status: EvaluationStatus::parse(status).ok_or_else(|| corrupt(&code, year, "status"))?,
        department_code: code,
        version,
        created_at,
        updated_at,
    })
}

fn decode(code: &UnitCode, row: EvaluationRow) -> Result<StoredEvaluation, StoreError> {
    let unreadable = |what: &str, e: serde_json::Error| {
        StoreError::caused(
            format!(
                "evaluation {code}/{}: stored {what} is not readable",
                row.year
            ),
            e,
        )
    };
    let report = serde_json::from_str(&row.document).map_err(|e| unreadable("document", e))?;
    let approved_goals = row
        .approved_goals
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| unreadable("approval", e))?;
    let evaluation = Evaluation {
        approved_goals,
        summary: summary(
            code.clone(),
            row.year,
            &row.status,
            row.version,
            row.created_at,
            row.updated_at,
        )?,
        report,
    };
    Ok(StoredEvaluation {
        id: EvaluationId(row.id),
        evaluation,
        document: row.document,
    })
}

fn load(
    conn: &mut DbConnection,
    department: DepartmentId,
    code: &UnitCode,
    year: FiscalYear,
) -> Result<Option<StoredEvaluation>, StoreError> {
    evaluations::table
        .filter(evaluations::department_id.eq(department.0))
        .filter(evaluations::year.eq(year.value()))
        .select(EvaluationRow::as_select())
        .unique_row(conn)?
        .map(|row| decode(code, row))
        .transpose()
}

/// The stored evaluation, or `NotFound`.
fn load_existing(
    conn: &mut DbConnection,
    code: &UnitCode,
    year: FiscalYear,
) -> Result<StoredEvaluation, StoreError> {
    // One query for the department and its evaluation: most reads are of one report.
    let found: Option<Option<EvaluationRow>> = departments::table
        .left_join(
            evaluations::table.on(evaluations::department_id
                .eq(departments::id)
                .and(evaluations::year.eq(year.value()))),
        )
        .filter(departments::code.eq(code.as_str()))
        .select(Option::<EvaluationRow>::as_select())
        .unique_row(conn)?;
    match found {
        None => Err(StoreError::NotFound(format!("department {code}"))),
        Some(None) => Err(StoreError::NotFound(format!(
            "the {year} evaluation of department {code}"
        ))),
        Some(Some(row)) => decode(code, row),
    }
}

fn record_revision(
    conn: &mut DbConnection,
    id: EvaluationId,
    evaluation: &Evaluation,
    document: &str,
    note: RevisionNote<'_>,
) -> Result<(), StoreError> {
    diesel::insert_into(evaluation_revisions::table)
        .values((
            evaluation_revisions::evaluation_id.eq(id.0),
            evaluation_revisions::version.eq(evaluation.summary.version),
            evaluation_revisions::action.eq(note.action),
            evaluation_revisions::status.eq(evaluation.summary.status.as_str()),
            evaluation_revisions::document.eq(document),
            evaluation_revisions::actor.eq(note.actor),
            evaluation_revisions::comment.eq(note.comment),
            evaluation_revisions::created_at.eq(evaluation.summary.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

fn approval_text(approved: Option<&ApprovedGoals>) -> Result<Option<String>, StoreError> {
    approved
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::caused("approval could not be written as JSON", e))
}

/// The document as stored: JSON text.
pub fn document_text(report: &EvaluationReport) -> Result<String, StoreError> {
    serde_json::to_string(report)
        .map_err(|e| StoreError::caused("document could not be written as JSON", e))
}

impl Transaction<'_> {
    /// Takes the department's row lock for the rest of the transaction and answers its id;
    /// `NotFound` when there is no such department. Every write of a unit's reports takes it
    /// before it reads, so that writers of one unit take turns and writers of distinct units
    /// never meet.
    pub fn lock_department(&mut self, code: &UnitCode) -> Result<DepartmentId, StoreError> {
        lock_department(self.conn, code).map(DepartmentId)
    }

    /// The department's id; `NotFound` when there is no such department.
    pub fn department_id(&mut self, code: &UnitCode) -> Result<DepartmentId, StoreError> {
        department_id(self.conn, code).map(DepartmentId)
    }

    /// The department's evaluation of `year`, if one is stored.
    pub fn evaluation(
        &mut self,
        department: DepartmentId,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<Option<StoredEvaluation>, StoreError> {
        load(self.conn, department, code, year)
    }

    /// The evaluation, or `NotFound` (naming the department or the evaluation).
    pub fn existing_evaluation(
        &mut self,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<StoredEvaluation, StoreError> {
        load_existing(self.conn, code, year)
    }

    /// Stores `evaluation` at its version: as the first, or as the next over the one read
    /// (`previous`), with its revision. `Contended` when another writer stored a version
    /// first; nothing is written then.
    pub fn save_evaluation(
        &mut self,
        department: DepartmentId,
        previous: Option<EvaluationId>,
        evaluation: &Evaluation,
        document: &str,
        note: RevisionNote<'_>,
    ) -> Result<EvaluationId, StoreError> {
        let summary = &evaluation.summary;
        let approved = approval_text(evaluation.approved_goals.as_ref())?;
        let id = match previous {
            Some(id) => {
                let updated = diesel::update(
                    evaluations::table
                        .filter(evaluations::id.eq(id.0))
                        .filter(evaluations::version.eq(summary.version - 1)),
                )
                .set((
                    evaluations::document.eq(document),
                    evaluations::status.eq(summary.status.as_str()),
                    evaluations::version.eq(summary.version),
                    evaluations::approved_goals.eq(approved),
                    evaluations::updated_at.eq(summary.updated_at),
                ))
                .execute(self.conn)?;
                if updated == 0 {
                    return Err(StoreError::Contended);
                }
                id
            }
            None => {
                let inserted = diesel::insert_into(evaluations::table)
                    .values((
                        evaluations::department_id.eq(department.0),
                        evaluations::year.eq(summary.year.value()),
                        evaluations::status.eq(summary.status.as_str()),
                        evaluations::version.eq(summary.version),
                        evaluations::document.eq(document),
                        evaluations::approved_goals.eq(approved),
                        evaluations::created_at.eq(summary.created_at),
                        evaluations::updated_at.eq(summary.updated_at),
                    ))
                    .execute(self.conn);
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Contended),
                    other => other?,
                };
                EvaluationId(
                    evaluations::table
                        .filter(evaluations::department_id.eq(department.0))
                        .filter(evaluations::year.eq(summary.year.value()))
                        .select(evaluations::id)
                        .first(self.conn)?,
                )
            }
        };
        record_revision(self.conn, id, evaluation, document, note)?;
        Ok(id)
    }

    /// Every stored evaluation of `year` (of every year when `None`), oldest first.
    pub fn evaluations_of_year(
        &mut self,
        year: Option<FiscalYear>,
    ) -> Result<Vec<StoredEvaluation>, StoreError> {
        let mut query = evaluations::table
            .inner_join(departments::table)
            .select((departments::code, EvaluationRow::as_select()))
            .into_boxed();
        if let Some(year) = year {
            query = query.filter(evaluations::year.eq(year.value()));
        }
        let rows: Vec<(String, EvaluationRow)> =
            query.order(evaluations::id.asc()).load(self.conn)?;
        rows.into_iter()
            .map(|(code, row)| {
                let code: UnitCode = code.parse().map_err(|_| {
                    StoreError::internal(format!("stored unit code `{code}` is not valid"))
                })?;
                decode(&code, row)
            })
            .collect()
    }
}

impl Store {
    /// The evaluation, or `NotFound`.
    pub fn evaluation(&self, code: &UnitCode, year: FiscalYear) -> Result<Evaluation, StoreError> {
        self.read(|conn| load_existing(conn, code, year).map(|stored| stored.evaluation))
    }
}

impl Transaction<'_> {
    /// Who did what to the evaluation, oldest first.
    pub fn history(&mut self, id: EvaluationId) -> Result<Vec<Revision>, StoreError> {
        let rows: Vec<RevisionRow> = evaluation_revisions::table
            .filter(evaluation_revisions::evaluation_id.eq(id.0))
            .order(evaluation_revisions::version.asc())
            .select(RevisionRow::as_select())
            .load(self.conn)?;
        rows.into_iter().map(Revision::try_from).collect()
    }

    /// The evaluation as it was at `version`, unchanged by anything done since.
    pub fn evaluation_version(
        &mut self,
        stored: &StoredEvaluation,
        version: i64,
    ) -> Result<(Revision, EvaluationReport), StoreError> {
        let at_version = evaluation_revisions::table
            .filter(evaluation_revisions::evaluation_id.eq(stored.id.0))
            .filter(evaluation_revisions::version.eq(version));
        let row: RevisionRow = at_version
            .select(RevisionRow::as_select())
            .unique_row(self.conn)?
            .ok_or_else(|| {
                let summary = &stored.evaluation.summary;
                StoreError::NotFound(format!(
                    "version {version} of the {} evaluation of department {}",
                    summary.year, summary.department_code
                ))
            })?;
        let document: String = at_version
            .select(evaluation_revisions::document)
            .first(self.conn)?;
        let report = serde_json::from_str(&document).map_err(|e| {
            StoreError::caused(
                format!("revision {version}: stored document is not readable"),
                e,
            )
        })?;
        Ok((Revision::try_from(row)?, report))
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = evaluation_revisions)]
struct RevisionRow {
    version: i64,
    action: String,
    status: String,
    actor: Option<String>,
    comment: Option<String>,
    created_at: NaiveDateTime,
}

impl TryFrom<RevisionRow> for Revision {
    type Error = StoreError;

    fn try_from(row: RevisionRow) -> Result<Self, StoreError> {
        Revision::read(
            row.version,
            row.action,
            &row.status,
            row.actor,
            row.comment,
            row.created_at,
        )
    }
}

impl Revision {
    /// A revision as its row stores it, of any kind of evaluation.
    pub(super) fn read(
        version: i64,
        action: String,
        status: &str,
        actor: Option<String>,
        comment: Option<String>,
        at: NaiveDateTime,
    ) -> Result<Self, StoreError> {
        let status = EvaluationStatus::parse(status).ok_or_else(|| {
            StoreError::internal(format!("revision {version}: stored status is not valid"))
        })?;
        Ok(Self {
            version,
            action,
            status,
            actor,
            comment,
            at,
        })
    }
}

impl Transaction<'_> {
    pub fn list_evaluations(
        &mut self,
        filter: &EvaluationFilter,
        window: Window,
    ) -> Result<Page<EvaluationSummary>, StoreError> {
        let scope = filter
            .within
            .as_ref()
            .map(|root| subtree_codes(self.conn, root))
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
        let conn = &mut *self.conn;
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
                    StoreError::internal(format!("stored unit code `{code}` is not valid"))
                })?;
                summary(code, year, &status, version, created_at, updated_at)
            })
            .collect::<Result<_, _>>()?;
        Ok(Page { items, total })
    }
}
