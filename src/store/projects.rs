//! 项目支出绩效自评表 as stored — one document per unit, year and project, versioned; every
//! stored version is kept as a revision. Persistence only: what may change and how is decided
//! by the review cycle (`domain::cycle`, `domain::project`) and applied by `app::projects`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::evaluations::{DepartmentId, Revision, RevisionNote};
use super::schema::{departments, project_evaluation_revisions, project_evaluations};
use super::{Page, StoreError, Transaction, UniqueRow, Window, is_unique_violation};
use crate::domain::cycle::{EvaluationStatus, Stage};
use crate::domain::project::{ProjectCode, ProjectEvaluation, ProjectKey, ProjectTable};
use crate::domain::values::{FiscalYear, UnitCode};

/// The row id of a stored project evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectEvaluationId(i64);

/// A project evaluation as read in a unit of work: its row id, the aggregate, and its document
/// as the text stored (to tell an unchanged document without writing it again).
#[derive(Debug, Clone)]
pub struct StoredProject {
    pub id: ProjectEvaluationId,
    pub evaluation: ProjectEvaluation,
    pub document: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = project_evaluations)]
struct ProjectRow {
    id: i64,
    year: i32,
    project_code: String,
    status: String,
    version: i64,
    document: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn decode(code: &UnitCode, row: ProjectRow) -> Result<StoredProject, StoreError> {
    let what = |field: &str| {
        format!(
            "project evaluation {code}/{}/{}: stored {field} is not valid",
            row.year, row.project_code
        )
    };
    let year = FiscalYear::try_from(i64::from(row.year))
        .map_err(|_| StoreError::internal(what("year")))?;
    let project_code: ProjectCode = row
        .project_code
        .parse()
        .map_err(|_| StoreError::internal(what("project code")))?;
    let status =
        EvaluationStatus::parse(&row.status).ok_or_else(|| StoreError::internal(what("status")))?;
    let table: ProjectTable =
        serde_json::from_str(&row.document).map_err(|e| StoreError::caused(what("document"), e))?;
    Ok(StoredProject {
        id: ProjectEvaluationId(row.id),
        evaluation: ProjectEvaluation {
            key: ProjectKey {
                department_code: code.clone(),
                year,
                project_code,
            },
            stage: Stage {
                status,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
            table,
        },
        document: row.document,
    })
}

/// The document as stored: JSON text.
pub fn table_text(table: &ProjectTable) -> Result<String, StoreError> {
    serde_json::to_string(table)
        .map_err(|e| StoreError::caused("project table could not be written as JSON", e))
}

fn unit_code(code: String) -> Result<UnitCode, StoreError> {
    code.parse()
        .map_err(|_| StoreError::internal(format!("stored unit code `{code}` is not valid")))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = project_evaluation_revisions)]
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

impl Transaction<'_> {
    /// The project evaluation, if one is stored.
    pub fn project(
        &mut self,
        department: DepartmentId,
        key: &ProjectKey,
    ) -> Result<Option<StoredProject>, StoreError> {
        project_evaluations::table
            .filter(project_evaluations::department_id.eq(department.0))
            .filter(project_evaluations::year.eq(key.year.value()))
            .filter(project_evaluations::project_code.eq(key.project_code.as_str()))
            .select(ProjectRow::as_select())
            .unique_row(self.conn)?
            .map(|row| decode(&key.department_code, row))
            .transpose()
    }

    /// The project evaluation, or `NotFound`.
    pub fn existing_project(
        &mut self,
        department: DepartmentId,
        key: &ProjectKey,
    ) -> Result<StoredProject, StoreError> {
        self.project(department, key)?
            .ok_or_else(|| StoreError::NotFound(key.to_string()))
    }

    /// Every project evaluation of a unit of `year`, by project code.
    pub fn projects_of_unit(
        &mut self,
        department: DepartmentId,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<Vec<StoredProject>, StoreError> {
        let rows: Vec<ProjectRow> = project_evaluations::table
            .filter(project_evaluations::department_id.eq(department.0))
            .filter(project_evaluations::year.eq(year.value()))
            .order(project_evaluations::project_code.asc())
            .select(ProjectRow::as_select())
            .load(self.conn)?;
        rows.into_iter().map(|row| decode(code, row)).collect()
    }

    /// Every project evaluation of `year`, by unit code and project code.
    pub fn projects_of_year(&mut self, year: FiscalYear) -> Result<Vec<StoredProject>, StoreError> {
        let rows: Vec<(String, ProjectRow)> = project_evaluations::table
            .inner_join(departments::table)
            .filter(project_evaluations::year.eq(year.value()))
            .order((
                departments::code.asc(),
                project_evaluations::project_code.asc(),
            ))
            .select((departments::code, ProjectRow::as_select()))
            .load(self.conn)?;
        rows.into_iter()
            .map(|(code, row)| decode(&unit_code(code)?, row))
            .collect()
    }

    /// A page of the published project evaluations of `year` — of the unit `department`
    /// where one is named — by unit code and project code, with how many there are.
    pub fn published_projects(
        &mut self,
        year: FiscalYear,
        department: Option<&UnitCode>,
        window: Window,
    ) -> Result<Page<StoredProject>, StoreError> {
        let published = EvaluationStatus::Published.as_str();
        let mut count = project_evaluations::table
            .inner_join(departments::table)
            .filter(project_evaluations::year.eq(year.value()))
            .filter(project_evaluations::status.eq(published))
            .into_boxed();
        let mut rows = project_evaluations::table
            .inner_join(departments::table)
            .filter(project_evaluations::year.eq(year.value()))
            .filter(project_evaluations::status.eq(published))
            .into_boxed();
        if let Some(code) = department {
            count = count.filter(departments::code.eq(code.as_str()));
            rows = rows.filter(departments::code.eq(code.as_str()));
        }
        let total: i64 = count.count().get_result(self.conn)?;
        let rows: Vec<(String, ProjectRow)> = rows
            .order((
                departments::code.asc(),
                project_evaluations::project_code.asc(),
            ))
            .limit(window.limit)
            .offset(window.offset)
            .select((departments::code, ProjectRow::as_select()))
            .load(self.conn)?;
        let items = rows
            .into_iter()
            .map(|(code, row)| decode(&unit_code(code)?, row))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, total })
    }

    /// Stores `evaluation` at its version: as the first, or as the next over the one read
    /// (`previous`), with its revision. `Contended` when another writer stored a version
    /// first; nothing is written then.
    pub fn save_project(
        &mut self,
        department: DepartmentId,
        previous: Option<ProjectEvaluationId>,
        evaluation: &ProjectEvaluation,
        document: &str,
        note: RevisionNote<'_>,
    ) -> Result<ProjectEvaluationId, StoreError> {
        let stage = &evaluation.stage;
        let key = &evaluation.key;
        let id = match previous {
            Some(id) => {
                let updated = diesel::update(
                    project_evaluations::table
                        .filter(project_evaluations::id.eq(id.0))
                        .filter(project_evaluations::version.eq(stage.version - 1)),
                )
                .set((
                    project_evaluations::document.eq(document),
                    project_evaluations::status.eq(stage.status.as_str()),
                    project_evaluations::version.eq(stage.version),
                    project_evaluations::updated_at.eq(stage.updated_at),
                ))
                .execute(self.conn)?;
                if updated == 0 {
                    return Err(StoreError::Contended);
                }
                id
            }
            None => {
                let inserted = diesel::insert_into(project_evaluations::table)
                    .values((
                        project_evaluations::department_id.eq(department.0),
                        project_evaluations::year.eq(key.year.value()),
                        project_evaluations::project_code.eq(key.project_code.as_str()),
                        project_evaluations::status.eq(stage.status.as_str()),
                        project_evaluations::version.eq(stage.version),
                        project_evaluations::document.eq(document),
                        project_evaluations::created_at.eq(stage.created_at),
                        project_evaluations::updated_at.eq(stage.updated_at),
                    ))
                    .execute(self.conn);
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Contended),
                    other => other?,
                };
                ProjectEvaluationId(
                    project_evaluations::table
                        .filter(project_evaluations::department_id.eq(department.0))
                        .filter(project_evaluations::year.eq(key.year.value()))
                        .filter(project_evaluations::project_code.eq(key.project_code.as_str()))
                        .select(project_evaluations::id)
                        .first(self.conn)?,
                )
            }
        };
        diesel::insert_into(project_evaluation_revisions::table)
            .values((
                project_evaluation_revisions::project_evaluation_id.eq(id.0),
                project_evaluation_revisions::version.eq(stage.version),
                project_evaluation_revisions::action.eq(note.action),
                project_evaluation_revisions::status.eq(stage.status.as_str()),
                project_evaluation_revisions::document.eq(document),
                project_evaluation_revisions::actor.eq(note.actor),
                project_evaluation_revisions::comment.eq(note.comment),
                project_evaluation_revisions::created_at.eq(stage.updated_at),
            ))
            .execute(self.conn)?;
        // The year's tables of projects are validated by the year's stamp, as the departmental ones.
        super::generations::bump(
            self.conn,
            Some(key.year.value()),
            Some(key.department_code.as_str()),
        )?;
        Ok(id)
    }

    /// Who did what to the project evaluation, oldest first.
    pub fn project_history(
        &mut self,
        id: ProjectEvaluationId,
    ) -> Result<Vec<Revision>, StoreError> {
        let rows: Vec<RevisionRow> = project_evaluation_revisions::table
            .filter(project_evaluation_revisions::project_evaluation_id.eq(id.0))
            .order(project_evaluation_revisions::version.asc())
            .select(RevisionRow::as_select())
            .load(self.conn)?;
        rows.into_iter().map(Revision::try_from).collect()
    }

    /// The project table as it was at `version`, unchanged by anything done since.
    pub fn project_version(
        &mut self,
        stored: &StoredProject,
        version: i64,
    ) -> Result<(Revision, ProjectTable), StoreError> {
        let at_version = project_evaluation_revisions::table
            .filter(project_evaluation_revisions::project_evaluation_id.eq(stored.id.0))
            .filter(project_evaluation_revisions::version.eq(version));
        let row: RevisionRow = at_version
            .select(RevisionRow::as_select())
            .unique_row(self.conn)?
            .ok_or_else(|| {
                StoreError::NotFound(format!("version {version} of {}", stored.evaluation.key))
            })?;
        let document: String = at_version
            .select(project_evaluation_revisions::document)
            .first(self.conn)?;
        let table = serde_json::from_str(&document).map_err(|e| {
            StoreError::caused(
                format!("project revision {version}: stored document is not readable"),
                e,
            )
        })?;
        Ok((Revision::try_from(row)?, table))
    }
}
