//! 绩效运行监控 — filing a unit's monitoring report of a period (its departmental budget or one
//! project), reading it with its figures and findings, the bureau's warning list of a period,
//! and each report's forecast beside the year's actuals. Each use case is one unit of work:
//! authorize → load → decide (the domain) → save.

use std::collections::{BTreeMap, BTreeSet};

use super::AppError;
use super::access::{list_scope, require_read, require_write};
use super::audit::{Answered, Trail};
use super::library::year_library;
use super::result_application::year_rules;
use crate::domain::access::Caller;
use crate::domain::cycle::{Change, Precondition};
use crate::domain::figures::overall;
use crate::domain::monitoring::{
    ForecastRow, ForecastSort, MonitoredGoal, Monitoring, MonitoringAssessment, MonitoringContext,
    MonitoringKey, MonitoringReport, MonitoringWarning, Period, Subject, WarningSort, YearEnd,
    forecast_row, not_filed, sort_forecasts, sort_warnings, warnings_of,
};
use crate::domain::project::{Direction, ProjectKey, ProjectScoring};
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::evaluations::DepartmentId;
use crate::store::monitoring::report_text;
use crate::store::{Store, StoreError, Transaction, now};

/// A monitoring report with its figures, its rows beside the targets and its findings.
#[derive(Debug)]
pub struct Assessed {
    pub monitoring: Monitoring,
    pub assessment: MonitoringAssessment,
}

/// A monitoring report as filed, and what the filing did.
#[derive(Debug)]
pub struct Filed {
    pub assessed: Assessed,
    pub change: Change,
}

/// The targets a report of `key` follows: the departmental targets a reviewer approved, or
/// the targets of the project's table of the year. `None` where there are none (yet).
fn targets(
    tx: &mut Transaction<'_>,
    department: DepartmentId,
    key: &MonitoringKey,
) -> Result<Option<Vec<MonitoredGoal>>, AppError> {
    let library = year_library(tx, key.year)?;
    let goals = match &key.subject {
        Subject::Department => tx
            .evaluation(department, &key.department_code, key.year)?
            .and_then(|stored| {
                let evaluation = stored.evaluation;
                evaluation.approved_goals.map(|approved| {
                    MonitoredGoal::approved(&approved, &evaluation.report.goals, &library)
                })
            }),
        Subject::Project(code) => {
            let project = ProjectKey {
                department_code: key.department_code.clone(),
                year: key.year,
                project_code: code.clone(),
            };
            tx.project(department, &project)?
                .map(|stored| MonitoredGoal::stated(&stored.evaluation.table.goals, &library))
        }
    };
    Ok(goals.filter(|goals| !goals.is_empty()))
}

fn context(tx: &mut Transaction<'_>, key: &MonitoringKey) -> Result<MonitoringContext, AppError> {
    let settings = tx.year_settings(key.year)?;
    Ok(MonitoringContext {
        period: key.period,
        tolerance: settings.monitoring_tolerance(),
    })
}

/// One monitoring report with its figures and findings, if the caller may read it.
pub fn read(store: &Store, caller: &Caller, key: &MonitoringKey) -> Result<Assessed, AppError> {
    store.read_transaction(|tx| {
        require_read(tx, caller, &key.department_code)?;
        let department = tx.department_id(&key.department_code)?;
        let stored = tx
            .monitoring(department, key)?
            .ok_or_else(|| StoreError::NotFound(key.to_string()))?;
        let goals = targets(tx, department, key)?.unwrap_or_default();
        let context = context(tx, key)?;
        let assessment = stored.monitoring.report.assess(&goals, &context);
        Ok(Assessed {
            monitoring: stored.monitoring,
            assessment,
        })
    })
}

/// Files (creates or replaces) the monitoring report of `key` with `input` read from the
/// request: the caller's right to write first, then the input (its error is answered as it
/// is), then the year's periods, `If-Match`, and the targets the rows must follow. The same
/// document twice leaves the version alone.
pub fn file<E>(
    store: &Store,
    trail: &Trail,
    caller: &Caller,
    key: &MonitoringKey,
    precondition: Precondition,
    input: Result<MonitoringReport, E>,
) -> Result<Result<Filed, E>, AppError> {
    let action = match key.subject {
        Subject::Department => "monitoring.file",
        Subject::Project(_) => "monitoring.file_project",
    };
    let report = match input {
        Ok(report) => report,
        Err(refusal) => {
            let right =
                store.read_transaction(|tx| require_write(tx, caller, &key.department_code));
            trail.settle(store, caller, action, right)?;
            return Ok(Err(refusal));
        }
    };
    let what = key.to_string();
    let report = &report;
    let filed = trail.change(store, caller, action, &what, |tx| {
        require_write(tx, caller, &key.department_code)?;
        let department = tx.lock_department(&key.department_code)?;
        let settings = tx.year_settings(key.year)?;
        let periods = settings.monitoring_periods();
        if !periods.contains(&key.period) {
            let set: Vec<String> = periods.iter().map(Period::to_string).collect();
            return Err(StoreError::Conflict {
                code: "period_not_monitored",
                detail: format!(
                    "the {} monitoring periods are {}; {} is not one of them",
                    key.year,
                    set.join(", "),
                    key.period
                ),
            }
            .into());
        }
        let stored = tx.monitoring(department, key)?;
        precondition.check(stored.as_ref().map(|s| s.monitoring.version))?;
        let goals = targets(tx, department, key)?.ok_or_else(|| StoreError::Conflict {
            code: "no_targets",
            detail: match &key.subject {
                Subject::Department => format!(
                    "the {} targets of department {} are not approved; monitoring follows the approved targets",
                    key.year, key.department_code
                ),
                Subject::Project(code) => format!(
                    "project {code} of department {} has no {} table with indicators; monitoring follows its targets",
                    key.department_code, key.year
                ),
            },
        })?;
        let at = now();
        let mut monitoring = stored.as_ref().map_or_else(
            || Monitoring::new(key.clone(), at),
            |s| s.monitoring.clone(),
        );
        monitoring.replace(report.clone(), &goals)?;
        let document = report_text(&monitoring.report)?;
        if document.len() > store.document_limit() {
            return Err(AppError::DocumentTooLarge {
                size: document.len(),
                limit: store.document_limit(),
            });
        }
        let context = MonitoringContext {
            period: key.period,
            tolerance: settings.monitoring_tolerance(),
        };
        let change = match &stored {
            Some(stored) if stored.document == document => Change::Unchanged,
            Some(_) => Change::Updated,
            None => Change::Created,
        };
        if change != Change::Unchanged {
            monitoring.advance(at);
            tx.save_monitoring(department, stored.map(|s| s.id), &monitoring, &document)?;
        } else if let Some(stored) = stored {
            monitoring = stored.monitoring;
        }
        let assessment = monitoring.report.assess(&goals, &context);
        Ok(Filed {
            assessed: Assessed {
                monitoring,
                assessment,
            },
            change,
        })
    }, |filed| {
        let answered = match filed.change {
            Change::Created => Answered::Created,
            Change::Updated | Change::Unchanged => Answered::Done,
        };
        (answered, None)
    })?;
    Ok(Ok(filed))
}

/// The warning list of a year and period: every finding of every monitoring report the caller
/// may see (a unit: its subtree's), and every report not filed where there are targets —
/// departmental targets approved, or a project table of the year with indicators — sorted.
pub fn warnings(
    store: &Store,
    caller: &Caller,
    year: FiscalYear,
    period: Period,
    sort: WarningSort,
    direction: Direction,
) -> Result<Vec<MonitoringWarning>, AppError> {
    let mut visible = Visible::of(caller)?;
    store.read_transaction(|tx| {
        let settings = tx.year_settings(year)?;
        let library = year_library(tx, year)?;
        let context = MonitoringContext {
            period,
            tolerance: settings.monitoring_tolerance(),
        };
        // What each unit and project is monitored against.
        let mut expected: BTreeMap<(UnitCode, Subject), Vec<MonitoredGoal>> = BTreeMap::new();
        for stored in tx.evaluations_of_year(Some(year))? {
            let evaluation = stored.evaluation;
            if let Some(approved) = &evaluation.approved_goals {
                let goals = MonitoredGoal::approved(approved, &evaluation.report.goals, &library);
                if !goals.is_empty() {
                    expected.insert(
                        (
                            evaluation.summary.department_code.clone(),
                            Subject::Department,
                        ),
                        goals,
                    );
                }
            }
        }
        for stored in tx.projects_of_year(year)? {
            let evaluation = stored.evaluation;
            let goals = MonitoredGoal::stated(&evaluation.table.goals, &library);
            if !goals.is_empty() {
                expected.insert(
                    (
                        evaluation.key.department_code,
                        Subject::Project(evaluation.key.project_code),
                    ),
                    goals,
                );
            }
        }
        let mut rows = Vec::new();
        let mut filed = BTreeSet::new();
        for stored in tx.monitoring_of_period(year, period)? {
            let key = stored.monitoring.key;
            if !visible.contains(tx, &key.department_code)? {
                continue;
            }
            let subject = (key.department_code.clone(), key.subject.clone());
            let goals = expected.get(&subject).cloned().unwrap_or_default();
            let assessment = stored.monitoring.report.assess(&goals, &context);
            rows.extend(warnings_of(&key, &assessment));
            filed.insert(subject);
        }
        for (department_code, subject) in expected.into_keys() {
            if filed.contains(&(department_code.clone(), subject.clone()))
                || !visible.contains(tx, &department_code)?
            {
                continue;
            }
            rows.push(not_filed(&MonitoringKey {
                department_code,
                year,
                period,
                subject,
            }));
        }
        Ok(sort_warnings(rows, sort, direction))
    })
}

/// The units a caller's year-wide list may show: every unit, or the caller's subtree, each
/// unit asked of the store once.
struct Visible {
    root: Option<UnitCode>,
    seen: BTreeMap<UnitCode, bool>,
}

impl Visible {
    fn of(caller: &Caller) -> Result<Self, AppError> {
        Ok(Self {
            root: list_scope(caller)?,
            seen: BTreeMap::new(),
        })
    }

    fn contains(&mut self, tx: &mut Transaction<'_>, code: &UnitCode) -> Result<bool, AppError> {
        let Some(root) = &self.root else {
            return Ok(true);
        };
        if let Some(inside) = self.seen.get(code) {
            return Ok(*inside);
        }
        let inside = tx.is_within(code, root)?;
        self.seen.insert(code.clone(), inside);
        Ok(inside)
    }
}

/// Each monitoring report of a period the caller may see, its forecast beside what the year's
/// self-evaluation (departmental, or the project's table) says was done: the money executed
/// and whether each judged target was met. A self-evaluation counts in whatever state it is.
pub fn forecasts(
    store: &Store,
    caller: &Caller,
    year: FiscalYear,
    period: Period,
    sort: ForecastSort,
    direction: Direction,
) -> Result<Vec<ForecastRow>, AppError> {
    let mut visible = Visible::of(caller)?;
    store.read_transaction(|tx| {
        let settings = tx.year_settings(year)?;
        let library = year_library(tx, year)?;
        let rules = year_rules(tx, year)?;
        let mut year_end: BTreeMap<(UnitCode, Subject), YearEnd> = BTreeMap::new();
        // Only the units the caller sees are scored.
        for stored in tx.evaluations_of_year(Some(year))? {
            let evaluation = stored.evaluation;
            if !visible.contains(tx, &evaluation.summary.department_code)? {
                continue;
            }
            let card = evaluation.report.scorecard(
                &settings.weights,
                evaluation.approved_goals.as_ref(),
                &library,
                &rules,
            );
            year_end.insert(
                (evaluation.summary.department_code, Subject::Department),
                YearEnd {
                    executed: overall(&evaluation.report.budget).2,
                    met: card
                        .indicators
                        .into_iter()
                        .map(|i| (i.indicator_id, i.met))
                        .collect(),
                },
            );
        }
        let scoring = ProjectScoring {
            settings: &settings,
            departmental: None,
            previous: None,
            library: &library,
            rules: &rules,
        };
        for stored in tx.projects_of_year(year)? {
            let evaluation = stored.evaluation;
            if !visible.contains(tx, &evaluation.key.department_code)? {
                continue;
            }
            let table = &evaluation.table;
            let met = table
                .score(&scoring)
                .indicators
                .into_iter()
                .map(|i| (i.indicator_id, i.met))
                .collect();
            year_end.insert(
                (
                    evaluation.key.department_code,
                    Subject::Project(evaluation.key.project_code),
                ),
                YearEnd {
                    executed: table.funding.total_column(|c| c.executed),
                    met,
                },
            );
        }
        let mut rows = Vec::new();
        for stored in tx.monitoring_of_period(year, period)? {
            let key = stored.monitoring.key;
            if !visible.contains(tx, &key.department_code)? {
                continue;
            }
            let subject = (key.department_code.clone(), key.subject.clone());
            rows.push(forecast_row(
                &key,
                &stored.monitoring.report,
                year_end.get(&subject),
            ));
        }
        Ok(sort_forecasts(rows, sort, direction))
    })
}
