//! 项目对比表 — every project of a year as the comparison reads it: each unit's rows (the
//! overview of each of its project tables, scored and checked by the year's settings and
//! library, beside the unit's departmental report) with the unit's departmental score. Kept by
//! the read model (`read_model::ReadModel::project_year`) and brought up to date by reading
//! again only the units changed since: a project table, or the departmental report its link is
//! checked against, changes its unit's rows and nothing else; a change of every unit (the
//! year's settings, its library) reads the year anew.

use std::collections::{BTreeMap, HashSet};

use super::AppError;
use super::library::year_library;
use super::result_application::year_rules;
use crate::domain::evaluation::Evaluation;
use crate::domain::project::{ProjectOverview, ProjectScoring};
use crate::domain::scoring::Score;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::generations::{Changes, Stamp};
use crate::store::projects::StoredProject;
use crate::store::{Store, StoreError, Transaction};

/// One unit's rows of a year.
#[derive(Debug, Default)]
pub struct UnitProjects {
    /// The unit's departmental self-evaluation's score by the rules, where it has one.
    pub departmental_score: Option<Score>,
    /// One overview per project table, by project code.
    pub rows: Vec<ProjectOverview>,
}

/// A year's project rows as read at one stamp of its data.
#[derive(Debug)]
pub struct ProjectYear {
    pub stamp: Stamp,
    /// The year's changes the rows include, by id, and the latest change of any year when
    /// they were read: what a later reading need not read again.
    pub(super) seen: Vec<i64>,
    pub(super) read_through: Option<i64>,
    /// The read model's rebuild count when this reading began (`read_model::Asked`).
    pub(super) began: u64,
    /// Every unit with a project table or a departmental report of the year, by code.
    pub units: BTreeMap<UnitCode, UnitProjects>,
}

impl ProjectYear {
    /// How many project rows it holds.
    pub fn rows(&self) -> usize {
        self.units.values().map(|unit| unit.rows.len()).sum()
    }
}

/// What one reading took from the store: the documents of the units read, before they are
/// scored (outside the transaction, its connection back in the pool).
struct Read {
    stamp: Stamp,
    changes: Changes,
    /// `None`: every unit was read; else the units read again.
    read_again: Option<Vec<UnitCode>>,
    settings: crate::domain::settings::YearSettings,
    library: crate::domain::library::Library,
    rules: crate::domain::result_application::rules::ResultRules,
    departmental: BTreeMap<UnitCode, Evaluation>,
    projects: Vec<StoredProject>,
}

/// Reads `year`'s rows: from `previous` by reading again the units `changed` names (when it
/// names any), else anew — and answers which. `began` is the read model's rebuild count at
/// the start.
pub(super) fn read(
    store: &Store,
    year: FiscalYear,
    previous: Option<&ProjectYear>,
    began: u64,
    changed: impl FnOnce(&ProjectYear, &Changes) -> Option<Vec<String>>,
) -> Result<(ProjectYear, bool), AppError> {
    let read = store.read_transaction(|tx| {
        let (stamp, changes) = tx.year_changes(year.value())?;
        let read_again = previous
            .and_then(|previous| changed(previous, &changes))
            .map(|codes| {
                codes
                    .iter()
                    .filter_map(|c| c.parse().ok())
                    .collect::<Vec<UnitCode>>()
            });
        let settings = tx.year_settings(year)?;
        let library = year_library(tx, year)?.into_owned();
        let rules = year_rules(tx, year)?;
        let (departmental, projects) = match &read_again {
            None => documents_of_year(tx, year)?,
            Some(codes) => documents_of_units(tx, year, codes)?,
        };
        Ok::<_, AppError>(Read {
            stamp,
            changes,
            read_again,
            settings,
            library,
            rules,
            departmental,
            projects,
        })
    })?;
    let (mut units, anew) = match (&read.read_again, previous) {
        (Some(codes), Some(previous)) => (kept_but(previous, codes), false),
        _ => (BTreeMap::new(), true),
    };
    for (code, evaluation) in &read.departmental {
        let score = evaluation
            .report
            .scorecard(
                &read.settings.weights,
                evaluation.approved_goals.as_ref(),
                &read.library,
                &read.rules,
            )
            .total;
        units.entry(code.clone()).or_default().departmental_score = score;
    }
    for stored in &read.projects {
        let code = &stored.evaluation.key.department_code;
        let scoring = ProjectScoring {
            settings: &read.settings,
            departmental: read.departmental.get(code).map(|e| &e.report),
            previous: None,
            library: &read.library,
            rules: &read.rules,
        };
        let row = ProjectOverview::of(&stored.evaluation, &scoring);
        units.entry(code.clone()).or_default().rows.push(row);
    }
    let rows = ProjectYear {
        stamp: read.stamp,
        seen: read.changes.of_year.iter().map(|(id, _)| *id).collect(),
        read_through: read.changes.latest,
        began,
        units,
    };
    Ok((rows, anew))
}

/// The rows of `previous` but those of the units read again.
fn kept_but(previous: &ProjectYear, read_again: &[UnitCode]) -> BTreeMap<UnitCode, UnitProjects> {
    let again: HashSet<&UnitCode> = read_again.iter().collect();
    previous
        .units
        .iter()
        .filter(|(code, _)| !again.contains(code))
        .map(|(code, unit)| {
            let kept = UnitProjects {
                departmental_score: unit.departmental_score,
                rows: unit.rows.clone(),
            };
            (code.clone(), kept)
        })
        .collect()
}

type Documents = (BTreeMap<UnitCode, Evaluation>, Vec<StoredProject>);

/// Every departmental report and project table of the year.
fn documents_of_year(tx: &mut Transaction<'_>, year: FiscalYear) -> Result<Documents, StoreError> {
    let departmental = tx
        .evaluations_of_year(Some(year))?
        .into_iter()
        .map(|stored| {
            (
                stored.evaluation.summary.department_code.clone(),
                stored.evaluation,
            )
        })
        .collect();
    Ok((departmental, tx.projects_of_year(year)?))
}

/// The departmental report and the project tables of each unit of `codes` that is stored.
fn documents_of_units(
    tx: &mut Transaction<'_>,
    year: FiscalYear,
    codes: &[UnitCode],
) -> Result<Documents, StoreError> {
    let mut departmental = BTreeMap::new();
    let mut projects = Vec::new();
    for code in codes {
        let department = match tx.department_id(code) {
            Ok(department) => department,
            // A unit removed since: its rows go with it.
            Err(StoreError::NotFound(_)) => continue,
            Err(other) => return Err(other),
        };
        if let Some(stored) = tx.evaluation(department, code, year)? {
            departmental.insert(code.clone(), stored.evaluation);
        }
        projects.extend(tx.projects_of_unit(department, code, year)?);
    }
    Ok((departmental, projects))
}
