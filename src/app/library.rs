//! 指标库 — a year's indicator library: read by anyone signed in, imported, exported and
//! removed by the bureau.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppError;
use super::access::{list_scope, require_reviewer};
use super::audit::{Answered, Trail};
use crate::domain::access::Caller;
use crate::domain::department::UnitKind;
use crate::domain::library::{
    self, IndicatorCode, Library, LineError, MAX_CSV_BYTES, PeerKind, PeerSource, PeerTable,
};
use crate::domain::project::ProjectScoring;
use crate::domain::report::EvaluationReport;
use crate::domain::values::FiscalYear;
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

/// The library of a year. Any authenticated caller.
pub fn read(store: &Store, year: FiscalYear) -> Result<LibraryView, AppError> {
    let (origin, library) = store.read_transaction(|tx| of_year(tx, year))?;
    Ok(LibraryView {
        year,
        origin,
        indicators: library.indicators().to_vec(),
    })
}

/// The library of a year as CSV, in the columns an import reads. Any authenticated caller.
pub fn export(store: &Store, year: FiscalYear) -> Result<String, AppError> {
    let (_, library) = store.read_transaction(|tx| of_year(tx, year))?;
    Ok(library::write(&library))
}

/// Why an imported text was not stored: each wrong line and cell.
#[derive(Debug, Clone)]
pub struct ImportRefusal(pub Vec<LineError>);

/// Stores the CSV `text` as `year`'s library, in place of the one it had. Admins and
/// reviewers; the caller's right is checked before the text is read, and a text with any
/// error stores nothing and is answered with every error found (by line and column).
pub fn import(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    year: FiscalYear,
    text: &[u8],
) -> Result<Result<LibraryView, ImportRefusal>, AppError> {
    trail.settle(store, caller, IMPORT, require_reviewer(caller))?;
    let refuse = |message: String| {
        Ok(Err(ImportRefusal(vec![LineError {
            line: 1,
            column: None,
            message,
        }])))
    };
    if text.len() > MAX_CSV_BYTES {
        return refuse(format!(
            "the library is {} bytes, more than the {MAX_CSV_BYTES} a library may have",
            text.len()
        ));
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return refuse("the library is not UTF-8 text".to_owned());
    };
    let library = match library::parse(text) {
        Ok(library) => library,
        Err(errors) => return Ok(Err(ImportRefusal(errors.0))),
    };
    trail.change(
        store,
        caller,
        IMPORT,
        &format!("the {year} indicator library"),
        |tx| {
            tx.save_library(year, &library, &caller.subject)
                .map_err(AppError::from)
        },
        |()| (Answered::Done, None),
    )?;
    read(store, year).map(Ok)
}

/// What the audit log calls an import and a removal of a year's library.
const IMPORT: &str = "indicator_library.import";
const REMOVE: &str = "indicator_library.remove";

/// Removes `year`'s own library, so the year reads the common one again. Admins and
/// reviewers; not found when the year has none of its own.
pub fn remove(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    year: FiscalYear,
) -> Result<(), AppError> {
    trail.settle(store, caller, REMOVE, require_reviewer(caller))?;
    trail.change(
        store,
        caller,
        REMOVE,
        &format!("the {year} indicator library"),
        |tx| {
            if tx.remove_library(year)? {
                Ok(())
            } else {
                Err(AppError::NotFound(format!(
                    "an indicator library of {year}"
                )))
            }
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
                let scorecard = evaluation.scorecard(&settings);
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
