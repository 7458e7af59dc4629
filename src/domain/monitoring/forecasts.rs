//! 预测与实际 — at the year's end, each monitoring report's forecast beside what the
//! self-evaluation says was done: the money the unit expected to execute (全年预计执行数) against
//! what it executed (全年执行数), and each target it judged 确定能 or 完全不可能 against whether
//! it was met, so the bureau sees which units forecast honestly.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Likelihood, MonitoringKey, MonitoringReport};
use crate::domain::figures::{Exact, Percent};
use crate::domain::project::{Direction, ProjectCode};
use crate::domain::values::UnitCode;

/// What the year-end self-evaluation (departmental or the project's) says was done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearEnd {
    /// 全年执行数 (万元).
    pub executed: Option<Decimal>,
    /// Whether each indicator, by its id, met its target; `None` where it cannot be told.
    pub met: BTreeMap<String, Option<bool>>,
}

/// One monitoring report's forecast beside the year's actual.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ForecastRow {
    pub department_code: UnitCode,
    /// The project; absent for the departmental level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_code: Option<ProjectCode>,
    /// Whether there is a self-evaluation of the year to hold the forecast against.
    pub evaluated: bool,
    /// 全年预计执行数 as forecast in the period (万元).
    pub forecast_executed: Option<Exact>,
    /// 全年执行数 of the self-evaluation (万元).
    pub actual_executed: Option<Exact>,
    /// Forecast minus actual (万元): above zero, the unit expected to spend more than it did.
    pub executed_gap: Option<Exact>,
    /// The gap as a share of the actual (%); none where nothing was executed.
    pub executed_gap_percent: Option<Percent>,
    /// Targets the report judged, with a likelihood.
    pub judged_targets: usize,
    /// Judged 确定能 (certain) and not met.
    pub certain_missed: usize,
    /// Judged 完全不可能 (impossible) and met.
    pub impossible_met: usize,
    /// Judged, but the self-evaluation does not tell whether the target was met.
    pub undecided: usize,
}

/// The forecast of `report` beside `year_end` (`None`: no self-evaluation of the year).
pub fn forecast_row(
    key: &MonitoringKey,
    report: &MonitoringReport,
    year_end: Option<&YearEnd>,
) -> ForecastRow {
    let forecast = report.funds.expected.map(|a| a.value());
    let actual = year_end.and_then(|y| y.executed);
    let gap = forecast.zip(actual).map(|(f, a)| f - a);
    let mut row = ForecastRow {
        department_code: key.department_code.clone(),
        project_code: key.subject.project_code().cloned(),
        evaluated: year_end.is_some(),
        forecast_executed: forecast.map(Exact),
        actual_executed: actual.map(Exact),
        executed_gap: gap.map(Exact),
        executed_gap_percent: gap.zip(actual).and_then(|(g, a)| Percent::of(g, a)),
        judged_targets: 0,
        certain_missed: 0,
        impossible_met: 0,
        undecided: 0,
    };
    for target in &report.targets {
        let Some(likelihood) = target.likelihood else {
            continue;
        };
        row.judged_targets += 1;
        let met = year_end.and_then(|y| y.met.get(target.indicator_id.as_str()).copied().flatten());
        match (likelihood, met) {
            (_, None) => row.undecided += 1,
            (Likelihood::Certain, Some(false)) => row.certain_missed += 1,
            (Likelihood::Impossible, Some(true)) => row.impossible_met += 1,
            _ => {}
        }
    }
    row
}

/// What the forecast list is sorted by; ties by unit and project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForecastSort {
    /// 单位代码, then project (default).
    #[default]
    Unit,
    /// The money gap's size as a share of the actual, whichever way; rows without one last.
    Gap,
    /// Targets judged wrongly: 确定能 missed plus 完全不可能 met.
    Misjudged,
}

pub fn sort_forecasts(
    mut rows: Vec<ForecastRow>,
    sort: ForecastSort,
    direction: Direction,
) -> Vec<ForecastRow> {
    let by_subject = |a: &ForecastRow, b: &ForecastRow| {
        (&a.department_code, &a.project_code).cmp(&(&b.department_code, &b.project_code))
    };
    let gap = |row: &ForecastRow| row.executed_gap_percent.map(|p| p.value().abs());
    rows.sort_by(|a, b| {
        let order = match sort {
            ForecastSort::Unit => Ordering::Equal,
            ForecastSort::Misjudged => {
                (a.certain_missed + a.impossible_met).cmp(&(b.certain_missed + b.impossible_met))
            }
            ForecastSort::Gap => match (gap(a), gap(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                // Rows without a gap stay last whichever the direction.
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        let order = match direction {
            Direction::Ascending => order,
            Direction::Descending => order.reverse(),
        };
        order.then_with(|| by_subject(a, b))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::{Period, Subject};

    fn key() -> MonitoringKey {
        MonitoringKey {
            department_code: "100".parse().unwrap_or_else(|e| panic!("{e}")),
            year: crate::domain::values::FiscalYear::try_from(2026)
                .unwrap_or_else(|e| panic!("{e}")),
            period: Period::through(6).unwrap_or_else(|| panic!("a period")),
            subject: Subject::Department,
        }
    }

    fn report() -> MonitoringReport {
        serde_json::from_value(serde_json::json!({
            "funds": {"full_year": "100", "executed": "35", "expected": "95"},
            "targets": [
                {"indicator_id": "1", "likelihood": "certain"},
                {"indicator_id": "2", "likelihood": "impossible", "measure": "四季度补做"},
                {"indicator_id": "3", "likelihood": "possible"},
                {"indicator_id": "4"}
            ]
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_forecast_is_held_to_the_year_end_money_and_targets() {
        let year_end = YearEnd {
            executed: Some(Decimal::from(76)),
            met: [
                ("1".to_owned(), Some(false)),
                ("2".to_owned(), Some(true)),
                ("3".to_owned(), None),
            ]
            .into_iter()
            .collect(),
        };
        let row = forecast_row(&key(), &report(), Some(&year_end));
        // 95 forecast against 76 done: 19 more than was spent, 19 ÷ 76 = 25 %.
        assert_eq!(row.executed_gap, Some(Exact(Decimal::from(19))));
        assert_eq!(
            row.executed_gap_percent.map(|p| p.value()),
            Some(Decimal::from(25))
        );
        assert_eq!(
            (
                row.judged_targets,
                row.certain_missed,
                row.impossible_met,
                row.undecided
            ),
            (3, 1, 1, 1)
        );
    }

    #[test]
    fn without_a_self_evaluation_nothing_is_held_against_the_forecast() {
        let row = forecast_row(&key(), &report(), None);
        assert!(!row.evaluated);
        assert_eq!(row.executed_gap, None);
        assert_eq!(row.undecided, 3);
    }

    #[test]
    fn the_gap_sort_puts_rows_without_a_gap_last_either_way() {
        let mut with_gap = forecast_row(
            &key(),
            &report(),
            Some(&YearEnd {
                executed: Some(Decimal::from(95)),
                met: BTreeMap::new(),
            }),
        );
        with_gap.department_code = "200".parse().unwrap_or_else(|e| panic!("{e}"));
        let without = forecast_row(&key(), &report(), None);
        for direction in [Direction::Ascending, Direction::Descending] {
            let sorted = sort_forecasts(
                vec![without.clone(), with_gap.clone()],
                ForecastSort::Gap,
                direction,
            );
            assert_eq!(sorted[0].department_code.as_str(), "200");
        }
    }
}
