//! 部门整体支出绩效自评 — one document per department and year, versioned; every stored
//! version is kept as a revision.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::departments::{department_id, lock_department};
use super::projections::{findings_of, project_with_followers};
use super::schema::{departments, evaluation_revisions, evaluations};
use super::{DbConnection, Page, Store, StoreError, Window, is_unique_violation, now};
use crate::domain::checks::{ApprovedGoals, Finding, Severity};
use crate::domain::department::Department;
use crate::domain::evaluation::{Action, EvaluationStatus};
use crate::domain::report::EvaluationReport;
use crate::domain::values::{FiscalYear, UnitCode};

/// How many times a write is tried in all when it loses a race it could not see coming (the
/// row locks and SQLite's single writer leave none that are known); then it gives up.
const WRITE_ATTEMPTS: u32 = 5;

/// The first pause before trying again; it doubles with every attempt, times a random factor
/// from 0.5 to 1.5 so that the losers do not meet again.
const FIRST_BACKOFF: std::time::Duration = std::time::Duration::from_millis(10);

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
    /// The targets a reviewer approved, once approved.
    pub approved_goals: Option<ApprovedGoals>,
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
    approved_goals: Option<String>,
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
    let unreadable = |what: &str, e: serde_json::Error| {
        StoreError::Internal(format!(
            "evaluation {code}/{}: stored {what} is not readable: {e}",
            row.year
        ))
    };
    let report = serde_json::from_str(&row.document).map_err(|e| unreadable("document", e))?;
    let approved_goals = row
        .approved_goals
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| unreadable("approval", e))?;
    Ok(EvaluationRecord {
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

/// The result of one attempt at a write: done, or refused by the edit.
enum Attempt<T, E> {
    Done(Box<Saved<T>>),
    Refused(E),
}

/// The next version of an evaluation, to be written over `previous_version`.
struct NextVersion<'a> {
    evaluation_id: i64,
    previous_version: i64,
    status: EvaluationStatus,
    document: &'a str,
    approved_goals: Option<&'a ApprovedGoals>,
    action: &'a str,
    actor: &'a str,
    comment: Option<&'a str>,
    at: NaiveDateTime,
}

/// Writes the next version over the one read, if no one else has written since (else
/// `Contended`), records the revision and rewrites the projections — one transaction's work.
fn write_next_version(conn: &mut DbConnection, next: NextVersion<'_>) -> Result<i64, StoreError> {
    let version = next.previous_version + 1;
    let approved = next
        .approved_goals
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Internal(format!("approval could not be written as JSON: {e}")))?;
    let updated = diesel::update(
        evaluations::table
            .filter(evaluations::id.eq(next.evaluation_id))
            .filter(evaluations::version.eq(next.previous_version)),
    )
    .set((
        evaluations::document.eq(next.document),
        evaluations::status.eq(next.status.as_str()),
        evaluations::version.eq(version),
        evaluations::approved_goals.eq(approved),
        evaluations::updated_at.eq(next.at),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(StoreError::Contended);
    }
    record_revision(conn, &next, version)?;
    project_with_followers(conn, next.evaluation_id)?;
    Ok(version)
}

fn record_revision(
    conn: &mut DbConnection,
    next: &NextVersion<'_>,
    version: i64,
) -> Result<(), StoreError> {
    diesel::insert_into(evaluation_revisions::table)
        .values((
            evaluation_revisions::evaluation_id.eq(next.evaluation_id),
            evaluation_revisions::version.eq(version),
            evaluation_revisions::action.eq(next.action),
            evaluation_revisions::status.eq(next.status.as_str()),
            evaluation_revisions::document.eq(next.document),
            evaluation_revisions::actor.eq(next.actor),
            evaluation_revisions::comment.eq(next.comment),
            evaluation_revisions::created_at.eq(next.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores the first version of an evaluation with its revision and projections; `Contended`
/// when another writer created it first.
fn insert_first_version(
    conn: &mut DbConnection,
    department_id: i64,
    year: FiscalYear,
    status: EvaluationStatus,
    document: &str,
    (actor, action): (&str, &str),
    at: NaiveDateTime,
) -> Result<i64, StoreError> {
    let inserted = diesel::insert_into(evaluations::table)
        .values((
            evaluations::department_id.eq(department_id),
            evaluations::year.eq(year.value()),
            evaluations::status.eq(status.as_str()),
            evaluations::version.eq(1_i64),
            evaluations::document.eq(document),
            evaluations::created_at.eq(at),
            evaluations::updated_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Err(e) if is_unique_violation(&e) => return Err(StoreError::Contended),
        other => other?,
    };
    let id = evaluations::table
        .filter(evaluations::department_id.eq(department_id))
        .filter(evaluations::year.eq(year.value()))
        .select(evaluations::id)
        .first(conn)?;
    let first = NextVersion {
        evaluation_id: id,
        previous_version: 0,
        status,
        document,
        approved_goals: None,
        action,
        actor,
        comment: None,
        at,
    };
    record_revision(conn, &first, 1)?;
    project_with_followers(conn, id)?;
    Ok(id)
}

/// `pause` times a random factor from 0.5 to 1.5.
fn jittered(pause: std::time::Duration) -> std::time::Duration {
    let mut byte = [0_u8];
    // Without randomness the pause is only not jittered; the retry still works.
    let random = getrandom::fill(&mut byte).map_or(128, |()| u32::from(byte[0]));
    pause * (128 + random) / 256
}

fn serialise(report: &EvaluationReport) -> Result<String, StoreError> {
    serde_json::to_string(report)
        .map_err(|e| StoreError::Internal(format!("document could not be written as JSON: {e}")))
}

fn check_precondition(precondition: Precondition, current: Option<i64>) -> Result<(), StoreError> {
    let holds = match precondition {
        Precondition::None => true,
        Precondition::Exists => current.is_some(),
        Precondition::Version(expected) => current == Some(expected),
    };
    if holds {
        Ok(())
    } else {
        Err(StoreError::PreconditionFailed { current })
    }
}

/// The stored evaluation with its row id, or `NotFound`.
fn load_existing(
    conn: &mut DbConnection,
    code: &UnitCode,
    year: FiscalYear,
) -> Result<(i64, EvaluationRecord), StoreError> {
    let department = department_id(conn, code)?;
    let row = load_row(conn, department, year)?.ok_or_else(|| {
        StoreError::NotFound(format!("the {year} evaluation of department {code}"))
    })?;
    let id = row.id;
    Ok((id, decode(code, row)?))
}

impl Store {
    pub fn evaluation(
        &self,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<EvaluationRecord, StoreError> {
        self.read(|conn| load_existing(conn, code, year).map(|(_, record)| record))
    }

    /// The evaluation and, where there is one, the same department's report of the year before.
    pub fn evaluation_with_previous(
        &self,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<(EvaluationRecord, Option<EvaluationReport>), StoreError> {
        self.read(|conn| {
            let (_, record) = load_existing(conn, code, year)?;
            let previous = match FiscalYear::try_from(i64::from(year.value()) - 1) {
                Ok(before) => match load_existing(conn, code, before) {
                    Ok((_, previous)) => Some(previous.report),
                    Err(StoreError::NotFound(_)) => None,
                    Err(other) => return Err(other),
                },
                Err(_) => None,
            };
            Ok((record, previous))
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

    /// Runs `attempt` in a write transaction that holds the unit's row lock (see
    /// `lock_department`), again from a fresh read after a jittered pause when it lost a race
    /// anyway, a few times; a conflict that remains is logged and answered as such.
    pub(super) fn retrying<T>(
        &self,
        what: &dyn std::fmt::Display,
        mut attempt: impl FnMut(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut pause = FIRST_BACKOFF;
        for tried in 1..=WRITE_ATTEMPTS {
            match self.write_locked(&mut attempt) {
                Err(StoreError::Contended) if tried < WRITE_ATTEMPTS => {
                    log::info!("write of {what} lost a race (attempt {tried}); trying again");
                    std::thread::sleep(jittered(pause));
                    pause *= 2;
                }
                Err(StoreError::Contended) => {
                    log::warn!("write of {what} lost the race {WRITE_ATTEMPTS} times; giving up");
                    return Err(StoreError::Contended);
                }
                other => return other,
            }
        }
        Err(StoreError::Contended)
    }

    /// Reads the evaluation (an empty draft when there is none), lets `edit` change the
    /// document, checks that it is still a report (and keeps approved targets), and stores it
    /// as the next version with a revision and fresh projections — in one transaction. `edit`
    /// may be called again when another writer won a race; what it refuses is answered as its
    /// own error and nothing is written. Only drafts and returned evaluations change.
    pub fn edit_evaluation<T, E>(
        &self,
        code: &UnitCode,
        year: FiscalYear,
        precondition: Precondition,
        (actor, action): (&str, &str),
        mut edit: impl FnMut(&mut EvaluationReport) -> Result<T, E>,
    ) -> Result<Saved<T>, E>
    where
        E: From<StoreError>,
    {
        let what = format!("the {year} evaluation of {code}");
        let attempt = self.retrying(&what, |conn| {
            try_edit(conn, code, year, precondition, (actor, action), &mut edit)
        });
        match attempt {
            Ok(Attempt::Done(saved)) => Ok(*saved),
            Ok(Attempt::Refused(error)) => Err(error),
            Err(error) => Err(error.into()),
        }
    }

    /// Moves an evaluation on in the review cycle. Submitting is refused while the checks find
    /// errors; an action not allowed in the current state is refused with the allowed ones.
    pub fn transition(
        &self,
        code: &UnitCode,
        year: FiscalYear,
        precondition: Precondition,
        actor: &str,
        action: Action,
        comment: Option<&str>,
    ) -> Result<EvaluationRecord, StoreError> {
        let what = format!("the {year} evaluation of {code}");
        self.retrying(&what, |conn| {
            lock_department(conn, code)?;
            let (id, record) = load_existing(conn, code, year)?;
            check_precondition(precondition, Some(record.summary.version))?;
            let status = record.summary.status;
            let next = status
                .after(action)
                .ok_or_else(|| StoreError::IllegalTransition {
                    status,
                    action,
                    allowed: status.allowed_actions(),
                })?;
            if action == Action::Submit {
                let errors: Vec<_> = findings_of(conn, code, year, &record)?
                    .into_iter()
                    .filter(|f| f.severity == Severity::Error)
                    .collect();
                if !errors.is_empty() {
                    return Err(StoreError::Blocked(errors));
                }
            }
            let document = serialise(&record.report)?;
            let at = now();
            let version = write_next_version(
                conn,
                NextVersion {
                    evaluation_id: id,
                    previous_version: record.summary.version,
                    status: next,
                    document: &document,
                    approved_goals: record.approved_goals.as_ref(),
                    action: action.as_str(),
                    actor,
                    comment,
                    at,
                },
            )?;
            let summary = EvaluationSummary {
                status: next,
                version,
                updated_at: at,
                ..record.summary
            };
            Ok(EvaluationRecord { summary, ..record })
        })
    }

    /// Approves the targets of the evaluation's indicators as they are now; from then on a
    /// changed target is kept as an adjusted target with a reason.
    pub fn approve_goals(
        &self,
        code: &UnitCode,
        year: FiscalYear,
        precondition: Precondition,
        actor: &str,
    ) -> Result<EvaluationRecord, StoreError> {
        let what = format!("the {year} evaluation of {code}");
        self.retrying(&what, |conn| {
            lock_department(conn, code)?;
            let (id, record) = load_existing(conn, code, year)?;
            check_precondition(precondition, Some(record.summary.version))?;
            if record.report.goals.indicators.is_empty() {
                return Err(StoreError::Conflict {
                    code: "no_targets",
                    detail: format!(
                        "the {year} evaluation of department {code} has no indicators to approve"
                    ),
                });
            }
            let at = now();
            let approved = ApprovedGoals::of(
                &record.report.goals,
                actor,
                at.and_utc(),
                record.summary.version + 1,
            );
            let document = serialise(&record.report)?;
            let version = write_next_version(
                conn,
                NextVersion {
                    evaluation_id: id,
                    previous_version: record.summary.version,
                    status: record.summary.status,
                    document: &document,
                    approved_goals: Some(&approved),
                    action: "approve_goals",
                    actor,
                    comment: None,
                    at,
                },
            )?;
            let summary = EvaluationSummary {
                version,
                updated_at: at,
                ..record.summary
            };
            Ok(EvaluationRecord {
                summary,
                approved_goals: Some(approved),
                ..record
            })
        })
    }

    /// The evaluation with the findings of the checks on it.
    pub fn findings(
        &self,
        code: &UnitCode,
        year: FiscalYear,
    ) -> Result<(EvaluationRecord, Vec<Finding>), StoreError> {
        self.read(|conn| {
            let (_, record) = load_existing(conn, code, year)?;
            let findings = findings_of(conn, code, year, &record)?;
            Ok((record, findings))
        })
    }

    /// Stores departments with their reports in the states given, in one transaction: for
    /// demonstrations and benchmarks. A department's parent comes before it; its reports come
    /// oldest first. Answers how many reports were stored.
    pub fn import<'a>(
        &self,
        units: impl IntoIterator<
            Item = (
                &'a Department,
                &'a [(FiscalYear, EvaluationStatus, EvaluationReport)],
            ),
        >,
        actor: &str,
    ) -> Result<usize, StoreError> {
        self.write(|conn| {
            let mut count = 0;
            for (department, reports) in units {
                super::departments::insert_department(conn, department)?;
                let department_id = department_id(conn, &department.code)?;
                for (year, status, report) in reports {
                    let document = serialise(report)?;
                    let at = now();
                    insert_first_version(
                        conn,
                        department_id,
                        *year,
                        *status,
                        &document,
                        (actor, "import"),
                        at,
                    )?;
                    count += 1;
                }
            }
            Ok(count)
        })
    }

    /// Who did what to the evaluation, oldest first.
    pub fn history(&self, code: &UnitCode, year: FiscalYear) -> Result<Vec<Revision>, StoreError> {
        self.read(|conn| {
            let (id, _) = load_existing(conn, code, year)?;
            let rows: Vec<RevisionRow> = evaluation_revisions::table
                .filter(evaluation_revisions::evaluation_id.eq(id))
                .order(evaluation_revisions::version.asc())
                .select(RevisionRow::as_select())
                .load(conn)?;
            rows.into_iter().map(Revision::try_from).collect()
        })
    }

    /// The evaluation as it was at `version`, unchanged by anything done since.
    pub fn evaluation_version(
        &self,
        code: &UnitCode,
        year: FiscalYear,
        version: i64,
    ) -> Result<(Revision, EvaluationReport), StoreError> {
        self.read(|conn| {
            let (id, _) = load_existing(conn, code, year)?;
            let at_version = evaluation_revisions::table
                .filter(evaluation_revisions::evaluation_id.eq(id))
                .filter(evaluation_revisions::version.eq(version));
            let row: RevisionRow = at_version
                .select(RevisionRow::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| {
                    StoreError::NotFound(format!(
                        "version {version} of the {year} evaluation of department {code}"
                    ))
                })?;
            let document: String = at_version
                .select(evaluation_revisions::document)
                .first(conn)?;
            let report = serde_json::from_str(&document).map_err(|e| {
                StoreError::Internal(format!(
                    "revision {version}: stored document is not readable: {e}"
                ))
            })?;
            Ok((Revision::try_from(row)?, report))
        })
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
        let status = EvaluationStatus::parse(&row.status).ok_or_else(|| {
            StoreError::Internal(format!(
                "revision {}: stored status is not valid",
                row.version
            ))
        })?;
        Ok(Self {
            version: row.version,
            action: row.action,
            status,
            actor: row.actor,
            comment: row.comment,
            at: row.created_at,
        })
    }
}

fn try_edit<T, E>(
    conn: &mut DbConnection,
    code: &UnitCode,
    year: FiscalYear,
    precondition: Precondition,
    (actor, action): (&str, &str),
    edit: &mut impl FnMut(&mut EvaluationReport) -> Result<T, E>,
) -> Result<Attempt<T, E>, StoreError> {
    let department = lock_department(conn, code)?;
    // The stored text is kept to tell an unchanged document without writing it out again.
    let existing = load_row(conn, department, year)?
        .map(|row| {
            let (id, stored) = (row.id, row.document.clone());
            decode(code, row).map(|record| (id, record, stored))
        })
        .transpose()?;
    check_precondition(
        precondition,
        existing
            .as_ref()
            .map(|(_, record, _)| record.summary.version),
    )?;
    if let Some((_, record, _)) = &existing
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
        .map(|(_, record, _)| record.report.clone())
        .unwrap_or_default();
    let outcome = match edit(&mut report) {
        Ok(outcome) => outcome,
        Err(refusal) => return Ok(Attempt::Refused(refusal)),
    };
    let mut errors = report.structural_errors();
    if let Some(approved) = existing
        .as_ref()
        .and_then(|(_, record, _)| record.approved_goals.as_ref())
    {
        errors.extend(approved.violations(&report.goals));
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let document = serialise(&report)?;

    let at = now();
    match existing {
        Some((id, record, stored)) => {
            // Compared as written, so that "8.00" replacing "8" counts as a change.
            if document == stored {
                return Ok(Attempt::Done(Box::new(Saved {
                    record,
                    outcome,
                    change: Change::Unchanged,
                })));
            }
            let version = write_next_version(
                conn,
                NextVersion {
                    evaluation_id: id,
                    previous_version: record.summary.version,
                    status: record.summary.status,
                    document: &document,
                    approved_goals: record.approved_goals.as_ref(),
                    action,
                    actor,
                    comment: None,
                    at,
                },
            )?;
            let summary = EvaluationSummary {
                version,
                updated_at: at,
                ..record.summary
            };
            let record = EvaluationRecord {
                summary,
                report,
                ..record
            };
            Ok(Attempt::Done(Box::new(Saved {
                record,
                outcome,
                change: Change::Updated,
            })))
        }
        None => {
            let status = EvaluationStatus::Draft;
            insert_first_version(
                conn,
                department,
                year,
                status,
                &document,
                (actor, action),
                at,
            )?;
            let summary = EvaluationSummary {
                department_code: code.clone(),
                year,
                status,
                version: 1,
                created_at: at,
                updated_at: at,
            };
            let record = EvaluationRecord {
                summary,
                report,
                approved_goals: None,
            };
            Ok(Attempt::Done(Box::new(Saved {
                record,
                outcome,
                change: Change::Created,
            })))
        }
    }
}
