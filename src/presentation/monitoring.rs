//! The monitoring lists as CSV: the bureau's warning list and the forecasts beside the year's
//! actuals, one line a row, by the one CSV writer.

use crate::csv::{self, Field};
use crate::domain::checks::Severity;
use crate::domain::figures::Exact;
use crate::domain::monitoring::{ForecastRow, MonitoringWarning};
use crate::domain::project::ProjectCode;

/// The forecasts as CSV, one line each, by the one CSV writer.
pub fn forecasts_csv(rows: &[ForecastRow]) -> String {
    let figure = |value: Option<Exact>| Field::plain(value.map(String::from).unwrap_or_default());
    let mut out = csv::heading([
        "department_code",
        "project_code",
        "evaluated",
        "forecast_executed",
        "actual_executed",
        "executed_gap",
        "executed_gap_percent",
        "judged_targets",
        "certain_missed",
        "impossible_met",
        "undecided",
    ]);
    for row in rows {
        out.push_str(&csv::line([
            Field::plain(row.department_code.as_str()),
            Field::plain(
                row.project_code
                    .as_ref()
                    .map(ProjectCode::as_str)
                    .unwrap_or_default(),
            ),
            Field::plain(if row.evaluated { "true" } else { "false" }),
            figure(row.forecast_executed),
            figure(row.actual_executed),
            figure(row.executed_gap),
            Field::plain(
                row.executed_gap_percent
                    .map(String::from)
                    .unwrap_or_default(),
            ),
            Field::plain(row.judged_targets.to_string()),
            Field::plain(row.certain_missed.to_string()),
            Field::plain(row.impossible_met.to_string()),
            Field::plain(row.undecided.to_string()),
        ]));
    }
    out
}

/// The warnings as CSV, one line each, by the one CSV writer.
pub fn warnings_csv(rows: &[MonitoringWarning]) -> String {
    let mut out = csv::heading([
        "department_code",
        "project_code",
        "rule",
        "severity",
        "path",
        "execution_rate",
        "lag",
        "message",
        "message_en",
    ]);
    for row in rows {
        let severity = match row.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        out.push_str(&csv::line([
            Field::plain(row.department_code.as_str()),
            Field::plain(
                row.project_code
                    .as_ref()
                    .map(ProjectCode::as_str)
                    .unwrap_or_default(),
            ),
            Field::plain(row.rule.as_str()),
            Field::plain(severity),
            Field::text(row.path.as_str()),
            Field::plain(row.execution_rate.map(String::from).unwrap_or_default()),
            Field::plain(row.lag.map(String::from).unwrap_or_default()),
            Field::text(row.message.as_str()),
            Field::text(row.message_en.as_str()),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitoring::{MonitoringKey, Period, Subject, not_filed};
    use crate::domain::values::FiscalYear;

    #[test]
    fn the_warning_list_writes_a_heading_and_a_line_per_warning() {
        let key = |code: &str| MonitoringKey {
            department_code: code.parse().unwrap_or_else(|_| panic!("a code")),
            year: FiscalYear::try_from(2026).unwrap_or_else(|_| panic!("a year")),
            period: Period::through(6).unwrap_or_else(|| panic!("a period")),
            subject: Subject::Department,
        };
        let rows = [not_filed(&key("100")), not_filed(&key("200"))];
        let text = warnings_csv(&rows);
        assert!(
            text.starts_with("department_code,project_code,rule,"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 3);
        assert!(text.contains("绩效运行监控未填报"), "{text}");
    }
}
