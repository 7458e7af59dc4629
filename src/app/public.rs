//! 公开 — what anyone may read: the published reports, their pages, the charts drawn from them
//! and the year's open data. Each view is read in one read transaction, so that what it shows
//! agrees with itself. No caller: only published reports are ever read here.

use rust_decimal::prelude::ToPrimitive;

use super::AppError;
use super::library::year_library;
use super::result_application::year_rules;
use crate::domain::cycle::EvaluationStatus as Stage;
use crate::domain::evaluation::{Evaluation, EvaluationStatus, EvaluationSummary};
use crate::domain::project::{
    Contact, ProjectEvaluation, ProjectKey, ProjectOverview, ProjectScoring,
};
use crate::domain::report::Grade;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::presentation::charts::{self, UnitRate, YearPoint};
use crate::presentation::narrative::DocumentFormat;
use crate::presentation::open_data::{self, PublishedProject, PublishedUnit};
use crate::presentation::pages::{self, IndexEntry};
use crate::presentation::project_table;
use crate::store::evaluations::EvaluationFilter;
use crate::store::projects::StoredProject;
use crate::store::{Page, Store, StoreError, Transaction, Window};

/// How many years a unit's trend shows.
const TREND_YEARS: i64 = 5;

/// The published reports of a year, or of a department, as a filter.
fn published_in(year: Option<FiscalYear>, department_code: Option<UnitCode>) -> EvaluationFilter {
    EvaluationFilter {
        year,
        department_code,
        status: Some(EvaluationStatus::Published),
        within: None,
    }
}

/// A page of the published reports, filtered by year and department.
pub fn list(
    store: &Store,
    year: Option<FiscalYear>,
    department: Option<UnitCode>,
    window: Window,
) -> Result<Page<EvaluationSummary>, AppError> {
    let filter = published_in(year, department);
    store.read_transaction(|tx| Ok(tx.list_evaluations(&filter, window)?))
}

/// A published report; one that is not (yet, or any more) published is not found.
pub fn get(store: &Store, code: &UnitCode, year: FiscalYear) -> Result<Evaluation, AppError> {
    store.read_transaction(|tx| published(tx, code, year))
}

fn published(
    tx: &mut Transaction<'_>,
    code: &UnitCode,
    year: FiscalYear,
) -> Result<Evaluation, AppError> {
    let not_published = || {
        AppError::NotFound(format!(
            "a published {year} evaluation of department {code}"
        ))
    };
    match tx.existing_evaluation(code, year) {
        Ok(stored) if stored.evaluation.summary.status == EvaluationStatus::Published => {
            Ok(stored.evaluation)
        }
        Ok(_) | Err(StoreError::NotFound(_)) => Err(not_published()),
        Err(other) => Err(other.into()),
    }
}

/// The index page of the published reports (HTML), a page at a time, with when the latest of
/// them last changed.
pub fn index_page(
    store: &Store,
    year: Option<FiscalYear>,
    department: Option<UnitCode>,
    window: Window,
) -> Result<(String, Option<chrono::NaiveDateTime>), AppError> {
    let filter = published_in(year, department);
    let (page, entries) = store.read_transaction(|tx| {
        let page = tx.list_evaluations(&filter, window)?;
        let entries = page
            .items
            .iter()
            .map(|summary| {
                let code = &summary.department_code;
                let name = tx.department(code)?.department.name.as_str().to_owned();
                Ok(IndexEntry {
                    year: i32::from(summary.year),
                    code: code.to_string(),
                    name,
                    version: summary.version,
                    href: format!(
                        "/api/v1/public/departments/{code}/evaluations/{}",
                        summary.year
                    ),
                    projects_href: format!(
                        "/api/v1/public/departments/{code}/evaluations/{}/projects",
                        summary.year
                    ),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok::<_, AppError>((page, entries))
    })?;
    let modified = page.items.iter().map(|item| item.updated_at).max();
    let html = pages::index(year.map(i32::from), &entries, page.total)
        .map_err(|e| AppError::failed("the page could not be rendered", e))?;
    Ok((html, modified))
}

/// A published report as its page (HTML), with the report's summary.
pub fn page(
    store: &Store,
    code: &UnitCode,
    year: FiscalYear,
) -> Result<(EvaluationSummary, String), AppError> {
    store.read_transaction(|tx| {
        let record = published(tx, code, year)?;
        let text = super::publishing::render(tx, &record, DocumentFormat::Html)?;
        Ok((record.summary, text))
    })
}

/// A published project table without its contact (项目负责人, 联系电话: personal data, never
/// public); one that is not (yet, or any more) published is not found.
pub fn project(store: &Store, key: &ProjectKey) -> Result<ProjectEvaluation, AppError> {
    store.read_transaction(|tx| published_project(tx, key))
}

fn published_project(
    tx: &mut Transaction<'_>,
    key: &ProjectKey,
) -> Result<ProjectEvaluation, AppError> {
    let not_published = || AppError::NotFound(format!("a published {key}"));
    let department = match tx.department_id(&key.department_code) {
        Ok(department) => department,
        Err(StoreError::NotFound(_)) => return Err(not_published()),
        Err(other) => return Err(other.into()),
    };
    match tx.project(department, key)? {
        Some(stored) if stored.evaluation.stage.status == Stage::Published => {
            let mut evaluation = stored.evaluation;
            evaluation.table.contact = Contact::default();
            Ok(evaluation)
        }
        _ => Err(not_published()),
    }
}

/// A published project table as its page (HTML): the rendered table with its score by the
/// rules, which never shows the contact.
pub fn project_page(
    store: &Store,
    key: &ProjectKey,
) -> Result<(ProjectEvaluation, String), AppError> {
    store.read_transaction(|tx| {
        let evaluation = published_project(tx, key)?;
        let department = tx.department_id(&key.department_code)?;
        let assessed = super::projects::assess(tx, department, evaluation)?;
        let page = project_table::render(
            DocumentFormat::Html,
            key,
            &assessed.evaluation.table,
            &assessed.score,
        )
        .map_err(|e| AppError::failed("the project table could not be rendered", e))?;
        Ok((assessed.evaluation, page))
    })
}

/// A page of the published project tables of `year` — of the unit `department` where one is
/// named — each with its unit's name and its row by the rules (money in 万元, execution rate,
/// score, grade); never the contact, which no row carries. With when the latest of them
/// last changed.
pub fn project_list(
    store: &Store,
    year: FiscalYear,
    department: Option<&UnitCode>,
    window: Window,
) -> Result<ProjectPage, AppError> {
    store.read_transaction(|tx| {
        let page = tx.published_projects(year, department, window)?;
        let modified = page
            .items
            .iter()
            .map(|stored| stored.evaluation.stage.updated_at)
            .max();
        let rows = named_overviews(tx, year, page.items)?;
        Ok(ProjectPage {
            rows,
            total: page.total,
            modified,
        })
    })
}

/// A page of published project tables: each with its unit's name, how many there are on every
/// page, and when the latest of this page last changed.
pub struct ProjectPage {
    pub rows: Vec<(String, ProjectOverview)>,
    pub total: i64,
    pub modified: Option<chrono::NaiveDateTime>,
}

/// The same page as an HTML page, each table linked to its public page.
pub fn project_list_page(
    store: &Store,
    year: FiscalYear,
    department: Option<&UnitCode>,
    window: Window,
) -> Result<(String, Option<chrono::NaiveDateTime>), AppError> {
    let page = project_list(store, year, department, window)?;
    // The unit is named as its tables name it, else by its code.
    let unit = department.map(|code| {
        page.rows
            .first()
            .map_or_else(|| code.to_string(), |(name, _)| name.clone())
    });
    let html = pages::project_index(i32::from(year), unit.as_deref(), &page.rows, page.total)
        .map_err(|e| AppError::failed("the page could not be rendered", e))?;
    Ok((html, page.modified))
}

/// The published project tables of `year`, each with its unit's name and its row by the
/// rules (money in 万元, execution rate, score, grade).
fn published_projects(
    tx: &mut Transaction<'_>,
    year: FiscalYear,
) -> Result<Vec<(String, ProjectOverview)>, AppError> {
    let published = tx
        .projects_of_year(year)?
        .into_iter()
        .filter(|stored| stored.evaluation.stage.status == Stage::Published);
    named_overviews(tx, year, published)
}

/// Project tables of `year`, each with its unit's name and its row by the year's rules (the
/// public never sees the departmental line's check, so none is read).
fn named_overviews(
    tx: &mut Transaction<'_>,
    year: FiscalYear,
    projects: impl IntoIterator<Item = StoredProject>,
) -> Result<Vec<(String, ProjectOverview)>, AppError> {
    let settings = tx.year_settings(year)?;
    let library = year_library(tx, year)?;
    let rules = year_rules(tx, year)?;
    let scoring = ProjectScoring {
        settings: &settings,
        departmental: None,
        previous: None,
        library: &library,
        rules: &rules,
    };
    let mut found = Vec::new();
    for stored in projects {
        let code = &stored.evaluation.key.department_code;
        let name = tx.department(code)?.department.name.as_str().to_owned();
        found.push((name, ProjectOverview::of(&stored.evaluation, &scoring)));
    }
    Ok(found)
}

/// The published reports of `year` with their departments' names: all the public may see of
/// the year.
pub(super) fn published_of_year(
    tx: &mut Transaction<'_>,
    year: FiscalYear,
) -> Result<Vec<(String, Evaluation)>, StoreError> {
    published_with_names(tx, &published_in(Some(year), None), None)
}

/// The published reports `filter` names with their departments' names, at most `most`.
fn published_with_names(
    tx: &mut Transaction<'_>,
    filter: &EvaluationFilter,
    most: Option<i64>,
) -> Result<Vec<(String, Evaluation)>, StoreError> {
    let mut found = Vec::new();
    let mut offset = 0;
    loop {
        let page = tx.list_evaluations(filter, Window { limit: 500, offset })?;
        let count = page.items.len();
        for summary in page.items {
            let name = tx
                .department(&summary.department_code)?
                .department
                .name
                .as_str()
                .to_owned();
            let stored = tx.existing_evaluation(&summary.department_code, summary.year)?;
            found.push((name, stored.evaluation));
        }
        offset += i64::try_from(count).unwrap_or(i64::MAX);
        let enough = most.is_some_and(|most| offset >= most);
        if count == 0 || offset >= page.total || enough {
            break;
        }
    }
    if let Some(most) = most {
        found.truncate(usize::try_from(most).unwrap_or(usize::MAX));
    }
    Ok(found)
}

fn drawn(result: Result<String, String>) -> Result<String, AppError> {
    result.map_err(|e| AppError::failed("the chart could not be drawn", e))
}

/// The execution rate of every published report of the year, as an SVG bar chart.
pub fn execution_rate_chart(store: &Store, year: FiscalYear) -> Result<String, AppError> {
    let found = store
        .read_transaction(|tx| published_with_names(tx, &published_in(Some(year), None), None))?;
    let units: Vec<UnitRate> = found
        .into_iter()
        .filter_map(|(name, record)| {
            let rate = record.report.derived_figures().total.execution_rate?;
            Some(UnitRate {
                name,
                rate: rate.value().to_f64()?,
            })
        })
        .collect();
    drawn(charts::execution_rates(i32::from(year), &units))
}

/// How many of the year's published reports have each grade, as an SVG chart.
pub fn grade_chart(store: &Store, year: FiscalYear) -> Result<String, AppError> {
    let (weights, library, rules, found) = store.read_transaction(|tx| {
        let weights = tx.year_settings(year)?.weights;
        let library = year_library(tx, year)?;
        let rules = year_rules(tx, year)?;
        let found = published_of_year(tx, year)?;
        Ok::<_, StoreError>((weights, library, rules, found))
    })?;
    let mut counts: Vec<(Option<Grade>, u32)> = [
        Some(Grade::Excellent),
        Some(Grade::Good),
        Some(Grade::Fair),
        Some(Grade::Poor),
        None,
    ]
    .into_iter()
    .map(|grade| (grade, 0))
    .collect();
    for (_, record) in found {
        let grade = record
            .report
            .scorecard(&weights, record.approved_goals.as_ref(), &library, &rules)
            .grade;
        if let Some(entry) = counts.iter_mut().find(|(g, _)| *g == grade) {
            entry.1 += 1;
        }
    }
    drawn(charts::grades(i32::from(year), &counts))
}

/// A department's execution rate and score over its latest published years, as an SVG chart.
pub fn trend_chart(store: &Store, code: &UnitCode) -> Result<String, AppError> {
    let (name, points) = store.read_transaction(|tx| {
        let years = published_with_names(
            tx,
            &published_in(None, Some(code.clone())),
            Some(TREND_YEARS),
        )?;
        let Some((name, _)) = years.first() else {
            return Err(AppError::NotFound(format!(
                "a published evaluation of department {code}"
            )));
        };
        let name = name.clone();
        let points = years
            .into_iter()
            .map(|(_, record)| {
                let year = record.summary.year;
                let weights = tx.year_settings(year)?.weights;
                let library = year_library(tx, year)?;
                let rules = year_rules(tx, year)?;
                let scorecard = record.report.scorecard(
                    &weights,
                    record.approved_goals.as_ref(),
                    &library,
                    &rules,
                );
                Ok(YearPoint {
                    year: i32::from(year),
                    rate: scorecard
                        .figures
                        .total
                        .execution_rate
                        .and_then(|r| r.value().to_f64()),
                    score: scorecard.total.and_then(|s| s.value().to_f64()),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((name, points))
    })?;
    let mut points = points;
    points.sort_by_key(|p| p.year);
    drawn(charts::trend(&name, &points))
}

/// A file of a year's open-data package.
#[derive(Debug, Clone, Copy)]
pub enum OpenDataFile {
    /// `datapackage.json`, the descriptor.
    Descriptor,
    /// `budget.csv`
    Budget,
    /// `scores.csv`
    Scores,
    /// `projects.csv`
    Projects,
}

/// One file of the year's open-data package, from the year's published reports.
pub fn open_data(store: &Store, year: FiscalYear, file: OpenDataFile) -> Result<String, AppError> {
    match file {
        OpenDataFile::Descriptor => Ok(open_data::descriptor(i32::from(year)).to_string()),
        OpenDataFile::Projects => {
            let found = store.read_transaction(|tx| published_projects(tx, year))?;
            let projects: Vec<PublishedProject<'_>> = found
                .iter()
                .map(|(name, row)| PublishedProject {
                    unit_name: name,
                    row,
                })
                .collect();
            Ok(open_data::projects_csv(i32::from(year), &projects))
        }
        OpenDataFile::Budget => unit_file(store, year, open_data::budget_csv),
        OpenDataFile::Scores => unit_file(store, year, open_data::scores_csv),
    }
}

/// A file of the package with a row per published report (or per line of one).
fn unit_file(
    store: &Store,
    year: FiscalYear,
    write: fn(i32, &[PublishedUnit<'_>]) -> String,
) -> Result<String, AppError> {
    let (weights, library, rules, found) = store.read_transaction(|tx| {
        let weights = tx.year_settings(year)?.weights;
        let library = year_library(tx, year)?;
        let rules = year_rules(tx, year)?;
        let found = published_of_year(tx, year)?;
        Ok::<_, StoreError>((weights, library, rules, found))
    })?;
    let cards: Vec<_> = found
        .iter()
        .map(|(_, record)| {
            record
                .report
                .scorecard(&weights, record.approved_goals.as_ref(), &library, &rules)
        })
        .collect();
    let units: Vec<PublishedUnit<'_>> = found
        .iter()
        .zip(&cards)
        .map(|((name, record), scorecard)| PublishedUnit {
            code: record.summary.department_code.as_str(),
            name,
            report: &record.report,
            scorecard,
        })
        .collect();
    Ok(write(i32::from(year), &units))
}
