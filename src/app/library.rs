//! 指标库 — a year's indicator library: read by anyone signed in, imported, exported and
//! removed by the bureau.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::access::{list_scope, require_read, require_reviewer};
use super::audit::{Answered, Trail};
use super::evaluations::project;
use super::forms::{Budget, ClientGone, FormRefusal};
use super::result_application::year_rules;
use super::{AppError, input};
use crate::domain::Invalid;
use crate::domain::access::Caller;
use crate::domain::department::UnitKind;
use crate::domain::library::{
    self, IndicatorCode, Library, LineError, MAX_CSV_BYTES, PeerKind, PeerSource, PeerTable,
    Suggestions, TargetsFor, normalise,
};
use crate::domain::project::{ProjectCode, ProjectKey, ProjectScoring};
use crate::domain::report::EvaluationReport;
use crate::domain::upload::Upload;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::presentation;
use crate::presentation::library::WorkbookRefusal;
use crate::presentation::workbook::{Format, WorkbookError};
use crate::store::departments::DepartmentFilter;
use crate::store::{Store, Window};

/// Where a year's library comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// The common library the service ships (docs/library.md names its sources).
    Common,
    /// The year's own, imported by `by` at `at`.
    Imported { by: String, at: DateTime<Utc> },
}

/// A year's library and where it comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LibraryView {
    pub year: FiscalYear,
    pub origin: Origin,
    pub indicators: Vec<library::LibraryIndicator>,
}

/// `year`'s library: its own where it imported one, else the common one.
pub(crate) fn of_year(
    tx: &mut crate::store::Transaction<'_>,
    year: FiscalYear,
) -> Result<(Origin, Library), AppError> {
    Ok(match tx.library(year)? {
        Some(stored) => (
            Origin::Imported {
                by: stored.imported_by,
                at: stored.imported_at.and_utc(),
            },
            stored.library,
        ),
        None => (Origin::Common, Library::common().clone()),
    })
}

/// The library that reads `year`'s reports — its own where it imported one, else the common
/// one: the one source of an indicator's direction and formula for scores, checks,
/// approvals, monitoring and comparisons alike.
pub(crate) fn year_library(
    tx: &mut crate::store::Transaction<'_>,
    year: FiscalYear,
) -> Result<Cow<'static, Library>, crate::store::StoreError> {
    Ok(match tx.library(year)? {
        Some(stored) => Cow::Owned(stored.library),
        None => Cow::Borrowed(Library::common()),
    })
}

/// The library of a year, its indicators of `sector` (行业) where one is named. Any
/// authenticated caller.
pub fn read(
    store: &Store,
    year: FiscalYear,
    sector: Option<&str>,
) -> Result<LibraryView, AppError> {
    let (origin, library) = store.read_transaction(|tx| of_year(tx, year))?;
    Ok(LibraryView {
        year,
        origin,
        indicators: library.of_sector(sector),
    })
}

/// The library of a year (its indicators of `sector` where one is named) as CSV, in the
/// columns an import reads. Any authenticated caller.
pub fn export(store: &Store, year: FiscalYear, sector: Option<&str>) -> Result<String, AppError> {
    let (_, library) = store.read_transaction(|tx| of_year(tx, year))?;
    Ok(library::write(&Library::new(library.of_sector(sector))))
}

/// The same as a workbook (the sheet 指标库, the columns an import reads). Any authenticated
/// caller.
pub fn export_workbook(
    store: &Store,
    year: FiscalYear,
    sector: Option<&str>,
) -> Result<Vec<u8>, AppError> {
    let (_, library) = store.read_transaction(|tx| of_year(tx, year))?;
    presentation::library::write_workbook(&Library::new(library.of_sector(sector)))
        .map_err(|e| AppError::failed("the library workbook could not be written", e))
}

/// Why an imported library was not stored: each wrong line (or row of the sheet) and cell.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the library has {} error(s)", .0.len())]
pub struct ImportRefusal(pub Vec<LineError>);

impl ImportRefusal {
    fn at_start(invalid: Invalid) -> Self {
        Self(vec![LineError {
            line: 1,
            column: None,
            invalid,
        }])
    }
}

/// A library as it is sent: CSV text (`text/csv`), or a file — the body, or the one file of a
/// multipart body — that its bytes tell as a workbook (.xlsx, a zip) or CSV.
#[derive(Debug, Clone, Copy)]
pub enum LibraryUpload<'a> {
    Csv(&'a [u8]),
    File(Upload<'a>),
}

/// Stores the library `upload` carries as `year`'s, in place of the one it had — or, as the
/// library of `sector`, in place of that sector's indicators beside the others the year has
/// (the common one's where it has none of its own) — and rescores the year's reports by it.
/// Admins and reviewers; the caller's right is checked before a byte of the upload is looked
/// at. A workbook is read as the self-evaluation table is:
/// within the reader's bounds and time budget, stopping when the client goes (`gone`). A
/// library with any error stores nothing and is answered with every error found (by line, or
/// row, and column).
pub fn import(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    year: FiscalYear,
    upload: LibraryUpload<'_>,
    sector: Option<&str>,
    gone: &ClientGone,
) -> Result<Result<LibraryView, ImportRefusal>, AppError> {
    trail.settle(store, caller, IMPORT, require_reviewer(caller))?;
    let uploaded = trail.settle(store, caller, IMPORT, read_upload(upload, gone))?;
    let (library, lines) = match uploaded {
        Ok(read) => read,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let stored = trail.change(
        store,
        caller,
        IMPORT,
        &what(year, sector),
        |tx| {
            tx.lock_all_departments()?;
            let merged;
            let stored = match sector {
                None => &library,
                Some(sector) => {
                    merged = year_library(tx, year)?
                        .with_sector(sector, &library)
                        .map_err(|wrong| {
                            // Each at the line (or sheet row) of the indicator it is about.
                            AppError::Invalid(Box::new(ImportRefusal(
                                wrong
                                    .into_iter()
                                    .map(|(at, invalid)| LineError {
                                        line: at.and_then(|at| lines.get(at).copied()).unwrap_or(1),
                                        column: None,
                                        invalid,
                                    })
                                    .collect(),
                            )))
                        })?;
                    &merged
                }
            };
            tx.save_library(year, stored, &caller.subject)?;
            rescore(tx, year)
        },
        |()| (Answered::Done, None),
    );
    match stored {
        Ok(()) => read(store, year, None).map(Ok),
        Err(AppError::Invalid(refused)) => match refused.downcast::<ImportRefusal>() {
            Ok(refusal) => Ok(Err(*refusal)),
            Err(other) => Err(AppError::Invalid(other)),
        },
        Err(other) => Err(other),
    }
}

/// What the audit log says an import or a removal changed.
fn what(year: FiscalYear, sector: Option<&str>) -> String {
    match sector {
        None => format!("the {year} indicator library"),
        Some(sector) => format!("the {year} indicator library, sector {sector}"),
    }
}

/// The library `upload` carries, with the line (or sheet row) each indicator was read from,
/// read once the caller's right is checked: a workbook past a bound, of another format or
/// abandoned, or a multipart body without its one file, is the error the self-evaluation
/// table's upload answers.
fn read_upload(
    upload: LibraryUpload<'_>,
    gone: &ClientGone,
) -> Result<Result<(Library, Vec<usize>), ImportRefusal>, AppError> {
    let bytes = match upload {
        LibraryUpload::Csv(text) => return Ok(read_csv(text)),
        LibraryUpload::File(file) => input(file.file().map_err(FormRefusal::Upload))?,
    };
    let workbook = bytes.starts_with(b"PK") || Format::sniff(bytes) == Some(Format::LegacyExcel);
    if !workbook {
        return Ok(read_csv(bytes));
    }
    match presentation::library::read_workbook(bytes, &Budget::starting(gone)) {
        Ok(read) => Ok(Ok(read)),
        Err(WorkbookRefusal::Rows(errors)) => Ok(Err(ImportRefusal(errors.0))),
        Err(WorkbookRefusal::Workbook(WorkbookError::Unreadable(why))) => {
            Ok(Err(ImportRefusal::at_start(Invalid::Unreadable {
                detail: why,
            })))
        }
        Err(WorkbookRefusal::Workbook(other)) => input(Err(FormRefusal::Workbook(other))),
    }
}

/// A library from CSV text, within its bounds, with the line each indicator was read from.
fn read_csv(text: &[u8]) -> Result<(Library, Vec<usize>), ImportRefusal> {
    if text.len() > MAX_CSV_BYTES {
        return Err(ImportRefusal::at_start(Invalid::TooLarge {
            max: MAX_CSV_BYTES,
        }));
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return Err(ImportRefusal::at_start(Invalid::Unreadable {
            detail: "the library is not UTF-8 text".to_owned(),
        }));
    };
    library::parse_lines(text).map_err(|errors| ImportRefusal(errors.0))
}

/// Rewrites the projections of `year`'s evaluations by the library and result rules it now
/// has, in the transaction that changed them: the comparisons read the scores and grades they
/// give, and each rewrite moves the year's comparison stamp. The caller has locked every unit,
/// so no report is written meanwhile.
pub(super) fn rescore(
    tx: &mut crate::store::Transaction<'_>,
    year: FiscalYear,
) -> Result<(), AppError> {
    for stored in tx.evaluations_of_year(Some(year))? {
        let department = tx.department_id(&stored.evaluation.summary.department_code)?;
        project(tx, department, stored.id, &stored.evaluation)?;
    }
    Ok(())
}

/// What the audit log calls an import and a removal of a year's library.
const IMPORT: &str = "indicator_library.import";
const REMOVE: &str = "indicator_library.remove";

/// Removes `year`'s own library, so the year reads the common one again — or only the
/// indicators of `sector` from it — and rescores the year's reports. Admins and reviewers; not
/// found when the year has none of its own, or no indicator of the sector.
pub fn remove(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    year: FiscalYear,
    sector: Option<&str>,
) -> Result<(), AppError> {
    trail.settle(store, caller, REMOVE, require_reviewer(caller))?;
    let none = || AppError::NotFound(format!("an indicator library of {year}"));
    trail.change(
        store,
        caller,
        REMOVE,
        &what(year, sector),
        |tx| {
            tx.lock_all_departments()?;
            match sector {
                None if tx.remove_library(year)? => {}
                None => return Err(none()),
                Some(sector) => {
                    let stored = tx.library(year)?.ok_or_else(none)?;
                    let kept = stored.library.without_sector(sector).ok_or_else(|| {
                        AppError::NotFound(format!(
                            "indicators of the sector {sector} in the library of {year}"
                        ))
                    })?;
                    tx.save_library(year, &kept, &caller.subject)?;
                }
            }
            rescore(tx, year)
        },
        |()| (Answered::Removed, None),
    )
}

/// The most units one comparison reads.
const MAX_UNITS: i64 = 100_000;

/// One library indicator of one year across every unit and project the caller sees (a unit:
/// its subtree), of `kind` where given: each one's target, actual, attainment and score,
/// ranked, with the spread of the actuals. The indicator is found by its code in the year's
/// library, and in each report by the code it names or by its name. Any authenticated caller.
pub fn peers(
    store: &Store,
    caller: &Caller,
    year: FiscalYear,
    code: &IndicatorCode,
    kind: Option<UnitKind>,
) -> Result<PeerTable, AppError> {
    let within = list_scope(caller)?;
    store.read_transaction(|tx| {
        let (_, library) = of_year(tx, year)?;
        let rules = year_rules(tx, year)?;
        let Some(wanted) = library.indicator(code).cloned() else {
            return Err(AppError::NotFound(format!(
                "indicator {code} in the library of {year}"
            )));
        };
        let settings = tx.year_settings(year)?;
        let units: BTreeMap<String, (String, String)> = tx
            .list_departments(
                &DepartmentFilter {
                    parent_code: None,
                    kind,
                    within,
                },
                Window {
                    limit: MAX_UNITS,
                    offset: 0,
                },
            )?
            .items
            .into_iter()
            .map(|record| {
                let department = record.department;
                (
                    department.code.as_str().to_owned(),
                    (
                        department.name.as_str().to_owned(),
                        department.kind.as_str().to_owned(),
                    ),
                )
            })
            .collect();
        let source = |code: &str, project: Option<String>| {
            units.get(code).map(|(name, kind)| PeerSource {
                department_code: code.to_owned(),
                department_name: name.clone(),
                unit_kind: kind.clone(),
                project_code: project,
            })
        };
        let mut peers = Vec::new();
        let mut reports: BTreeMap<String, EvaluationReport> = BTreeMap::new();
        for stored in tx.evaluations_of_year(Some(year))? {
            let evaluation = stored.evaluation;
            let code = evaluation.summary.department_code.as_str().to_owned();
            if let Some(source) = source(&code, None) {
                let scorecard = evaluation.scorecard(&settings, &library, &rules);
                peers.extend(library.peers_in(
                    &wanted,
                    &source,
                    PeerKind::Unit,
                    &evaluation.report.goals.indicators,
                    &scorecard.indicators,
                ));
            }
            reports.insert(code, evaluation.report);
        }
        for stored in tx.projects_of_year(year)? {
            let key = &stored.evaluation.key;
            let Some(source) = source(
                key.department_code.as_str(),
                Some(key.project_code.as_str().to_owned()),
            ) else {
                continue;
            };
            let table = &stored.evaluation.table;
            let score = table.score(&ProjectScoring {
                settings: &settings,
                departmental: reports.get(key.department_code.as_str()),
                previous: None,
                library: &library,
                rules: &rules,
            });
            peers.extend(library.peers_in(
                &wanted,
                &source,
                PeerKind::Project,
                &table.indicator_report().goals.indicators,
                &score.indicators,
            ));
        }
        Ok(PeerTable::of(wanted, peers))
    })
}

/// 目标建议: the library indicators a unit setting the targets of `year` may take — for its
/// departmental report, or a project (of a kind, as the library names project kinds; where
/// none is asked for, the kind the project of `project` states, this year or the year
/// before) — each with the unit's own actual of the year before (the project's, for the
/// project of `project` that year) and the median of the other units of the same kind, given
/// only when enough of them state a figure: for a project of a known kind, over their project
/// tables of that kind. The caller must read the unit (a unit: its own or a subordinate); the
/// unit's figures are the only ones given, the others only as their median.
pub fn suggest(
    store: &Store,
    caller: &Caller,
    code: &UnitCode,
    year: FiscalYear,
    of: &TargetsFor,
    project: Option<&ProjectCode>,
) -> Result<Suggestions, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, code)?;
        let record = tx.department(code)?;
        let kind = record.department.kind;
        let library = year_library(tx, year)?;
        let of = &match (of, project) {
            (TargetsFor::Project { kind: None }, Some(project)) => TargetsFor::Project {
                kind: stated_kind(tx, code, year, project)?,
            },
            _ => of.clone(),
        };
        let Some(before) = year.previous() else {
            return Ok(library.suggest(kind, of, &[], &BTreeMap::new()));
        };
        // Like projects are those of the kind asked for, where one is known.
        let project_kind = of.project_kind();
        let like: BTreeSet<String> = tx
            .list_departments(
                &DepartmentFilter {
                    parent_code: None,
                    kind: Some(kind),
                    within: None,
                },
                Window {
                    limit: MAX_UNITS,
                    offset: 0,
                },
            )?
            .items
            .into_iter()
            .map(|r| r.department.code.as_str().to_owned())
            .filter(|other| other != code.as_str())
            .collect();
        let mut own: Vec<EvaluationReport> = Vec::new();
        let mut others: BTreeMap<String, Vec<EvaluationReport>> = BTreeMap::new();
        match of {
            TargetsFor::Departmental => {
                for stored in tx.evaluations_of_year(Some(before))? {
                    let unit = stored
                        .evaluation
                        .summary
                        .department_code
                        .as_str()
                        .to_owned();
                    if unit == code.as_str() {
                        own.push(stored.evaluation.report);
                    } else if like.contains(&unit) {
                        others
                            .entry(unit)
                            .or_default()
                            .push(stored.evaluation.report);
                    }
                }
            }
            TargetsFor::Project { .. } => {
                for stored in tx.projects_of_year(before)? {
                    let key = &stored.evaluation.key;
                    let unit = key.department_code.as_str().to_owned();
                    let report = stored.evaluation.table.indicator_report();
                    if unit == code.as_str() {
                        if project == Some(&key.project_code) {
                            own.push(report);
                        }
                    } else if like.contains(&unit)
                        && project_kind.as_ref().is_none_or(|wanted| {
                            stored
                                .evaluation
                                .table
                                .kind
                                .as_ref()
                                .is_some_and(|kind| normalise(kind.as_str()) == *wanted)
                        })
                    {
                        others.entry(unit).or_default().push(report);
                    }
                }
            }
        }
        let own: Vec<&EvaluationReport> = own.iter().collect();
        let others: BTreeMap<String, Vec<&EvaluationReport>> = others
            .iter()
            .map(|(unit, reports)| (unit.clone(), reports.iter().collect()))
            .collect();
        Ok(library.suggest(kind, of, &own, &others))
    })
}

/// The kind the project of `project` states — its table of `year`, else of the year before —
/// where it states one.
fn stated_kind(
    tx: &mut crate::store::Transaction<'_>,
    code: &UnitCode,
    year: FiscalYear,
    project: &ProjectCode,
) -> Result<Option<String>, AppError> {
    let department = tx.department_id(code)?;
    for year in std::iter::once(year).chain(year.previous()) {
        let key = ProjectKey {
            department_code: code.clone(),
            year,
            project_code: project.clone(),
        };
        if let Some(kind) = tx
            .project(department, &key)?
            .and_then(|stored| stored.evaluation.table.kind)
        {
            return Ok(Some(kind.as_str().to_owned()));
        }
    }
    Ok(None)
}
