//! The bureau's warning list of a year and period: every finding of every unit's and
//! project's monitoring report, and every one not filed, one row each — sorted, and written as
//! CSV by the one writer.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MonitoringAssessment, MonitoringKey, MonitoringRule, Subject};
use crate::domain::checks::Severity;
use crate::domain::figures::{Exact, Percent};
use crate::domain::project::{Direction, ProjectCode};
use crate::domain::values::UnitCode;

/// One warning of the list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonitoringWarning {
    pub department_code: UnitCode,
    /// The project; absent for the departmental level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_code: Option<ProjectCode>,
    pub rule: MonitoringRule,
    pub severity: Severity,
    /// Where in the report.
    pub path: String,
    /// 执行率 to date of the report, in percent.
    pub execution_rate: Option<Percent>,
    /// Percentage points execution lags the time elapsed (negative: ahead).
    pub lag: Option<Exact>,
    pub message: String,
    pub message_en: String,
}

/// What the warning list is sorted by; ties by unit, project and rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarningSort {
    /// 单位代码, then project (default).
    #[default]
    Unit,
    Rule,
    /// Errors, warnings, notes.
    Severity,
    /// The lag of execution behind time; reports without one last.
    Lag,
}

fn subject_code(subject: &Subject) -> Option<ProjectCode> {
    subject.project_code().cloned()
}

/// The warnings of one report.
pub fn warnings_of(
    key: &MonitoringKey,
    assessment: &MonitoringAssessment,
) -> Vec<MonitoringWarning> {
    assessment
        .findings
        .iter()
        .map(|finding| MonitoringWarning {
            department_code: key.department_code.clone(),
            project_code: subject_code(&key.subject),
            rule: finding.rule,
            severity: finding.severity,
            path: finding.path.clone(),
            execution_rate: assessment.figures.execution_rate,
            lag: assessment.figures.lag,
            message: finding.message.clone(),
            message_en: finding.message_en.clone(),
        })
        .collect()
}

/// The warning that a report with targets is not filed for the period.
pub fn not_filed(key: &MonitoringKey) -> MonitoringWarning {
    let rule = MonitoringRule::NotFiled;
    MonitoringWarning {
        department_code: key.department_code.clone(),
        project_code: subject_code(&key.subject),
        rule,
        severity: rule.severity(),
        path: String::new(),
        execution_rate: None,
        lag: None,
        message: format!("{}月绩效运行监控未填报。", key.period),
        message_en: format!("No monitoring report is filed for months {}.", key.period),
    }
}

fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    }
}

/// `rows` sorted by `sort` in `direction` (ties by unit, project and rule, ascending).
pub fn sort_warnings(
    mut rows: Vec<MonitoringWarning>,
    sort: WarningSort,
    direction: Direction,
) -> Vec<MonitoringWarning> {
    let ties = |a: &MonitoringWarning, b: &MonitoringWarning| {
        (&a.department_code, &a.project_code, a.rule.as_str()).cmp(&(
            &b.department_code,
            &b.project_code,
            b.rule.as_str(),
        ))
    };
    let directed = |ordering: Ordering| match direction {
        Direction::Ascending => ordering,
        Direction::Descending => ordering.reverse(),
    };
    rows.sort_by(|a, b| {
        let primary = match sort {
            WarningSort::Unit => Ordering::Equal,
            WarningSort::Rule => directed(a.rule.as_str().cmp(b.rule.as_str())),
            WarningSort::Severity => {
                directed(severity_rank(a.severity).cmp(&severity_rank(b.severity)))
            }
            // Reports without a lag go last whichever the direction.
            WarningSort::Lag => match (a.lag, b.lag) {
                (Some(x), Some(y)) => directed(x.cmp(&y)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        let tie = ties(a, b);
        let tie = if sort == WarningSort::Unit {
            directed(tie)
        } else {
            tie
        };
        primary.then(tie)
    });
    rows
}
