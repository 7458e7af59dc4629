//! The project self-evaluation tables (项目支出绩效自评表): reading one, every edit of one, the
//! actions of its review cycle, its score and findings, its history, a unit's list of a year
//! and the bureau's comparison of a year. Each use case is one unit of work: authorize → load
//! → decide (the domain) → save.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use super::access::{list_scope, once_allowed, require_actor, require_read, require_write};
use super::audit::Trail;
use super::evaluations::audited_as;
use super::library::year_library;
use super::read_model::{Asked, ReadModel};
use super::result_application::year_rules;
use super::{AppError, input};
use crate::domain::access::Caller;
use crate::domain::checks::Finding;
use crate::domain::cycle::{Action, Change, Precondition};
use crate::domain::project::{
    Direction, ProjectComparison, ProjectEvaluation, ProjectFilter, ProjectKey, ProjectOverview,
    ProjectScore, ProjectScoring, ProjectSort, ProjectTable, UncoveredLine, select,
    uncovered_lines,
};
use crate::domain::report::EvaluationReport;
use crate::domain::scoring::Score;
use crate::domain::values::{Amount, FiscalYear, UnitCode};
use crate::presentation::narrative::DocumentFormat;
use crate::presentation::{form, project_table};
use crate::store::evaluations::{DepartmentId, Revision, RevisionNote};
use crate::store::projects::table_text;
use crate::store::{Page, Store, Transaction, Window, now};

/// The project evaluation after an edit, what the edit answered, and what the edit did.
#[derive(Debug)]
pub struct SavedProject<T> {
    pub evaluation: ProjectEvaluation,
    pub outcome: T,
    pub change: Change,
}

/// A project evaluation with its score and the findings of its checks.
#[derive(Debug)]
pub struct Assessed {
    pub evaluation: ProjectEvaluation,
    pub score: ProjectScore,
    pub findings: Vec<Finding>,
}

/// The unit's departmental report of the year, which a project's link is checked against.
fn departmental_report(
    tx: &mut Transaction<'_>,
    department: DepartmentId,
    key: &ProjectKey,
) -> Result<Option<EvaluationReport>, AppError> {
    Ok(tx
        .evaluation(department, &key.department_code, key.year)?
        .map(|stored| stored.evaluation.report))
}

/// The same project's table of the year before, as its indicator part, where there is one:
/// its actuals are what this year's targets are checked against.
fn previous_table(
    tx: &mut Transaction<'_>,
    department: DepartmentId,
    key: &ProjectKey,
) -> Result<Option<EvaluationReport>, AppError> {
    let Some(year) = key.year.previous() else {
        return Ok(None);
    };
    let before = ProjectKey {
        year,
        ..key.clone()
    };
    Ok(tx
        .project(department, &before)?
        .map(|stored| stored.evaluation.table.indicator_report()))
}

/// The score and findings of a project evaluation, with the year's settings, the unit's
/// departmental report and the project's table of the year before, read in the same
/// transaction.
pub(super) fn assess(
    tx: &mut Transaction<'_>,
    department: DepartmentId,
    evaluation: ProjectEvaluation,
) -> Result<Assessed, AppError> {
    let settings = tx.year_settings(evaluation.key.year)?;
    let library = year_library(tx, evaluation.key.year)?;
    let rules = year_rules(tx, evaluation.key.year)?;
    let departmental = departmental_report(tx, department, &evaluation.key)?;
    let previous = previous_table(tx, department, &evaluation.key)?;
    let scoring = ProjectScoring {
        settings: &settings,
        departmental: departmental.as_ref(),
        previous: previous.as_ref(),
        library: &library,
        rules: &rules,
    };
    Ok(Assessed {
        score: evaluation.table.score(&scoring),
        findings: evaluation.table.findings(&scoring),
        evaluation,
    })
}

/// One project evaluation, if the caller may read it.
pub fn read(
    store: &Store,
    caller: &Caller,
    key: &ProjectKey,
) -> Result<ProjectEvaluation, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.department_code)?;
        let department = tx.department_id(&key.department_code)?;
        Ok(tx.existing_project(department, key)?.evaluation)
    })
}

/// One project evaluation with its score and findings.
pub fn assessed(store: &Store, caller: &Caller, key: &ProjectKey) -> Result<Assessed, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.department_code)?;
        let department = tx.department_id(&key.department_code)?;
        let stored = tx.existing_project(department, key)?;
        assess(tx, department, stored.evaluation)
    })
}

/// The table as a document (HTML or Markdown) with its score by the rules, and its version,
/// if the caller may read the unit's data.
pub fn document(
    store: &Store,
    caller: &Caller,
    key: &ProjectKey,
    format: DocumentFormat,
) -> Result<(i64, String), AppError> {
    let assessed = assessed(store, caller, key)?;
    let evaluation = &assessed.evaluation;
    let text = project_table::render(format, key, &evaluation.table, &assessed.score)
        .map_err(|e| AppError::failed("the project table could not be rendered", e))?;
    Ok((evaluation.stage.version, text))
}

/// The 项目支出绩效自评表 as an Excel workbook, with the version it was written from; a project
/// without a table yet gets the blank form of its unit, year and code to fill. When `held`
/// says the client holds the version stored, the workbook is not written: the caller's right
/// is checked all the same.
pub fn form_workbook(
    store: &Store,
    caller: &Caller,
    key: &ProjectKey,
    held: impl FnOnce(i64) -> bool,
) -> Result<FormWorkbook, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.department_code)?;
        let department = tx.department_id(&key.department_code)?;
        let stored = tx.project(department, key)?;
        let version = stored.as_ref().map(|s| s.evaluation.stage.version);
        if let Some(version) = version.filter(|v| held(*v)) {
            return Ok(FormWorkbook::Held(version));
        }
        let table = stored.map(|s| s.evaluation.table).unwrap_or_default();
        let workbook = form::write_project(key, &table)
            .map_err(|e| AppError::failed("the workbook could not be written", e))?;
        Ok(FormWorkbook::Written { version, workbook })
    })
}

/// The 项目支出绩效自评表 asked for: the version the client holds, or the workbook written (with
/// the version it was written from; none for a blank form).
pub enum FormWorkbook {
    Held(i64),
    Written {
        version: Option<i64>,
        workbook: Vec<u8>,
    },
}

/// Edits the table (an empty draft when there is none) by `edit`, with `input` read from the
/// request: the caller's right to write first, then the input (its error is answered as it
/// is), then `If-Match`, then the review cycle's rules; the next version is stored with its
/// revision. The same document twice leaves the version alone. `action` names the edit in the
/// history, and, as `project.<action>`, in the audit log.
#[allow(clippy::too_many_arguments)]
pub fn edit<I, T, E: std::error::Error + Send + Sync + 'static>(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    key: &ProjectKey,
    precondition: Precondition,
    action: &str,
    asked: Result<I, AppError>,
    mut edit: impl FnMut(&mut ProjectTable, &I) -> Result<T, E>,
) -> Result<SavedProject<T>, AppError> {
    let what = key.to_string();
    let audited = format!("project.{action}");
    let right = |tx: &mut Transaction<'_>| require_write(tx, caller, &key.department_code);
    let asked = trail.settle(store, caller, &audited, once_allowed(store, right, asked))?;
    let work = |tx: &mut Transaction<'_>| {
        require_write(tx, caller, &key.department_code)?;
        let department = tx.lock_department(&key.department_code)?;
        let stored = tx.project(department, key)?;
        ProjectEvaluation::check(precondition, stored.as_ref().map(|s| &s.evaluation))?;
        let at = now();
        let mut evaluation = stored.as_ref().map_or_else(
            || ProjectEvaluation::new_draft(key.clone(), at),
            |s| s.evaluation.clone(),
        );
        let outcome = input(evaluation.edit(|table| edit(table, &asked))?)?;
        let document = table_text(&evaluation.table)?;
        if document.len() > store.document_limit() {
            return Err(AppError::DocumentTooLarge {
                size: document.len(),
                limit: store.document_limit(),
            });
        }
        if let Some(stored) = &stored
            && stored.document == document
        {
            return Ok(SavedProject {
                evaluation: stored.evaluation.clone(),
                outcome,
                change: Change::Unchanged,
            });
        }
        let change = if stored.is_some() {
            Change::Updated
        } else {
            Change::Created
        };
        evaluation.stage.advance(at);
        let note = RevisionNote {
            action,
            actor: &caller.subject,
            comment: None,
        };
        tx.save_project(
            department,
            stored.map(|s| s.id),
            &evaluation,
            &document,
            note,
        )?;
        Ok(SavedProject {
            evaluation,
            outcome,
            change,
        })
    };
    trail.change(store, caller, &audited, &what, work, |saved| {
        audited_as(saved.change, saved.evaluation.stage.version)
    })
}

/// Moves the project evaluation on by `action`, by the same rules as the departmental report:
/// a unit submits its own (refused while the checks find errors); reviewers and admins return,
/// accept and publish. Audited as `project.<action>`.
pub fn act(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    key: &ProjectKey,
    precondition: Precondition,
    action: Action,
    comment: Result<Option<String>, AppError>,
) -> Result<ProjectEvaluation, AppError> {
    let what = key.to_string();
    let audited = format!("project.{}", action.as_str());
    let right = |tx: &mut Transaction<'_>| require_actor(tx, caller, &key.department_code, action);
    let comment = trail.settle(store, caller, &audited, once_allowed(store, right, comment))?;
    let work = |tx: &mut Transaction<'_>| {
        require_actor(tx, caller, &key.department_code, action)?;
        let department = tx.lock_department(&key.department_code)?;
        let stored = tx.existing_project(department, key)?;
        ProjectEvaluation::check(precondition, Some(&stored.evaluation))?;
        let findings = if action == Action::Submit {
            assess(tx, department, stored.evaluation.clone())?.findings
        } else {
            Vec::new()
        };
        let mut evaluation = stored.evaluation.clone();
        evaluation.act(action, &findings)?;
        evaluation.stage.advance(now());
        let note = RevisionNote {
            action: action.as_str(),
            actor: &caller.subject,
            comment: comment.as_deref(),
        };
        tx.save_project(
            department,
            Some(stored.id),
            &evaluation,
            &stored.document,
            note,
        )?;
        Ok(evaluation)
    };
    trail.change(store, caller, &audited, &what, work, |_| {
        (super::audit::Answered::Done, None)
    })
}

/// Who did what to the project evaluation, oldest first.
pub fn history(
    store: &Store,
    caller: &Caller,
    key: &ProjectKey,
) -> Result<Vec<Revision>, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.department_code)?;
        let department = tx.department_id(&key.department_code)?;
        let stored = tx.existing_project(department, key)?;
        Ok(tx.project_history(stored.id)?)
    })
}

/// The project table as it was at `version`.
pub fn version(
    store: &Store,
    caller: &Caller,
    key: &ProjectKey,
    version: i64,
) -> Result<(Revision, ProjectTable), AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.department_code)?;
        let department = tx.department_id(&key.department_code)?;
        let stored = tx.existing_project(department, key)?;
        Ok(tx.project_version(&stored, version)?)
    })
}

/// How a list of projects is cut and ordered.
#[derive(Debug, Clone, Copy)]
pub struct Listing {
    pub filter: ProjectFilter,
    pub sort: ProjectSort,
    pub direction: Direction,
    pub window: Window,
}

fn page(rows: Vec<ProjectOverview>, listing: Listing) -> Page<ProjectOverview> {
    let rows: Vec<ProjectOverview> =
        select(rows.iter(), listing.filter, listing.sort, listing.direction)
            .into_iter()
            .cloned()
            .collect();
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(listing.window.offset).unwrap_or(usize::MAX);
    let take = usize::try_from(listing.window.limit).unwrap_or(0);
    Page {
        items: rows.into_iter().skip(skip).take(take).collect(),
        total,
    }
}

/// What a caller's answers about a year's projects depend on besides the data: the subtree it
/// sees. For one unit's projects (`unit`), the caller's right to read that unit is checked
/// first, so that not even a 304 is answered to a caller who may not.
pub fn reading_scope(
    store: &Store,
    caller: &Caller,
    unit: Option<&UnitCode>,
) -> Result<Option<UnitCode>, AppError> {
    if let Some(code) = unit {
        store.read_transaction(|tx| {
            require_read(tx, caller, code)?;
            tx.department_id(code)?;
            Ok::<_, AppError>(())
        })?;
    }
    list_scope(caller)
}

/// A unit's projects of a year, one row each, filtered, sorted and a page at a time.
pub fn list_of_unit(
    store: &Store,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
    listing: Listing,
) -> Result<Page<ProjectOverview>, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, code)?;
        let department = tx.department_id(code)?;
        let settings = tx.year_settings(year)?;
        let library = year_library(tx, year)?;
        let rules = year_rules(tx, year)?;
        let departmental = tx
            .evaluation(department, code, year)?
            .map(|stored| stored.evaluation.report);
        let scoring = ProjectScoring {
            settings: &settings,
            departmental: departmental.as_ref(),
            previous: None,
            library: &library,
            rules: &rules,
        };
        let rows = tx
            .projects_of_unit(department, code, year)?
            .iter()
            .map(|stored| ProjectOverview::of(&stored.evaluation, &scoring))
            .collect();
        Ok(page(rows, listing))
    })
}

/// Every project of a year the caller may see (a unit: its subtree's), compared: the rows
/// filtered and sorted, a page of them answered; the roll-ups by unit (each with the unit's
/// departmental score beside) and the distribution are of every row the filter keeps. The
/// rows are the read model's (`ReadModel::project_year`) for the stamp the request read
/// (`asked`): after one table changed, only its unit is scored again.
pub fn compare(
    store: &Store,
    model: &ReadModel,
    caller: &Caller,
    year: FiscalYear,
    listing: Listing,
    asked: Asked,
) -> Result<ProjectComparison, AppError> {
    let scope = list_scope(caller)?;
    let (within, parents) = store.read_transaction(|tx| {
        let within = scope
            .as_ref()
            .map(|root| tx.subtree(root))
            .transpose()?
            .map(|codes| codes.into_iter().collect::<HashSet<String>>());
        Ok::<_, AppError>((within, tx.parents()?))
    })?;
    let rows = model.project_year(store, year, asked)?;
    let seen = |code: &UnitCode| within.as_ref().is_none_or(|w| w.contains(code.as_str()));
    let kept = select(
        rows.units
            .iter()
            .filter(|(code, _)| seen(code))
            .flat_map(|(_, unit)| unit.rows.iter()),
        listing.filter,
        listing.sort,
        listing.direction,
    );
    let departmental: BTreeMap<UnitCode, Option<Score>> = rows
        .units
        .iter()
        .filter(|(code, unit)| seen(code) && !unit.rows.is_empty())
        .map(|(code, unit)| (code.clone(), unit.departmental_score))
        .collect();
    let skip = usize::try_from(listing.window.offset).unwrap_or(usize::MAX);
    let take = usize::try_from(listing.window.limit).unwrap_or(0);
    Ok(ProjectComparison::of(
        year,
        &kept,
        (skip, take),
        &departmental,
        &parents,
    ))
}

/// One unit in the collection of a year's project tables.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitCoverage {
    pub department_code: UnitCode,
    /// Its project tables of the year, in any state.
    pub tables: usize,
    /// Whether it has a departmental report of the year, whose project lines are looked at.
    pub departmental_report: bool,
    /// The project lines of its departmental report that need a table and have none.
    pub uncovered: Vec<UncoveredLine>,
}

/// 项目自评收集进度 — how far the project tables of a year cover the projects of the
/// departmental reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectCoverage {
    pub year: FiscalYear,
    /// The year's `project_coverage_floor` (万元); none: every project line needs a table.
    pub floor: Option<Amount>,
    /// The year's project tables by state.
    pub tables_by_state: BTreeMap<String, usize>,
    /// How many project lines, over every unit listed, have no table.
    pub uncovered_lines: usize,
    /// Every unit with a departmental report or a project table of the year, by code; with
    /// `uncovered_only`, those with an uncovered line.
    pub units: Vec<UnitCoverage>,
}

/// The coverage of a year's project tables for the units the caller may see (a unit: its
/// subtree), read in one transaction. It reads every departmental report and project table of
/// the year in scope: the bureau's view while collecting, not a per-request page.
pub fn coverage(
    store: &Store,
    caller: &Caller,
    year: FiscalYear,
    uncovered_only: bool,
) -> Result<ProjectCoverage, AppError> {
    let scope = list_scope(caller)?;
    store.read_transaction(|tx| {
        let settings = tx.year_settings(year)?;
        let floor = settings.project_coverage_floor;
        let mut visible: BTreeMap<UnitCode, bool> = BTreeMap::new();
        let mut within = |tx: &mut Transaction<'_>, code: &UnitCode| -> Result<bool, AppError> {
            let Some(root) = &scope else { return Ok(true) };
            if let Some(seen) = visible.get(code) {
                return Ok(*seen);
            }
            let inside = tx.is_within(code, root)?;
            visible.insert(code.clone(), inside);
            Ok(inside)
        };
        let mut tables_by_state = BTreeMap::new();
        let mut named: BTreeMap<UnitCode, (usize, Vec<String>)> = BTreeMap::new();
        for stored in tx.projects_of_year(year)? {
            let evaluation = stored.evaluation;
            let code = evaluation.key.department_code.clone();
            if !within(tx, &code)? {
                continue;
            }
            *tables_by_state
                .entry(evaluation.stage.status.as_str().to_owned())
                .or_insert(0) += 1;
            let unit = named.entry(code).or_default();
            unit.0 += 1;
            if let Some(line) = evaluation.table.departmental_line {
                unit.1.push(line.as_str().to_owned());
            }
        }
        let mut reports: BTreeMap<UnitCode, EvaluationReport> = BTreeMap::new();
        for stored in tx.evaluations_of_year(Some(year))? {
            let code = stored.evaluation.summary.department_code.clone();
            if within(tx, &code)? {
                reports.insert(code, stored.evaluation.report);
            }
        }
        let codes: BTreeSet<UnitCode> = named.keys().chain(reports.keys()).cloned().collect();
        let mut units = Vec::with_capacity(codes.len());
        for code in codes {
            let (tables, lines) = named.remove(&code).unwrap_or_default();
            let lines: HashSet<&str> = lines.iter().map(String::as_str).collect();
            let report = reports.get(&code);
            let uncovered = report.map_or_else(Vec::new, |report| {
                uncovered_lines(report, &lines, floor.map(Amount::value))
            });
            if uncovered_only && uncovered.is_empty() {
                continue;
            }
            units.push(UnitCoverage {
                department_code: code,
                tables,
                departmental_report: report.is_some(),
                uncovered,
            });
        }
        Ok(ProjectCoverage {
            year,
            floor,
            tables_by_state,
            uncovered_lines: units.iter().map(|u| u.uncovered.len()).sum(),
            units,
        })
    })
}
