//! 绩效运行监控 — mid-year monitoring as an aggregate of its own: per unit, year and period (the
//! months of the year gone, 1–6月, 1–7月 …), for the unit's departmental budget or one project,
//! the funds executed to date and expected for the year, and each approved target with its
//! value to date, its expected full-year value, the likelihood of meeting it, the cause of a
//! deviation and the corrective measure. The rows are held to the targets the service already
//! keeps: a monitoring report neither invents a target nor drops one.

mod checks;
mod forecasts;
mod warnings;

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use checks::*;
pub use forecasts::*;
pub use warnings::*;

use super::FieldError;
use super::checks::ApprovedGoals;
use super::cycle::Refusal;
use super::invalid::{Invalid, TextForm, deserialize_through};
use super::library::Library;
use super::names::named_enum;
use super::project::ProjectCode;
use super::report::{Comparison, Goals};
use super::values::{Amount, FiscalYear, Label, Quantity, UnitCode};

/// 监控期 — the months from January to the end of the period (`1-6` for 1–6月): monitoring
/// reports what was done so far in the year, so a period is always counted from January.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "1-6", pattern = r"^1-([1-9]|1[0-2])$")]
pub struct Period(u8);

impl Period {
    /// 1–`month`月, for a month from 1 to 12.
    pub fn through(month: u8) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self(month))
    }

    /// The last month of the period.
    pub fn through_month(self) -> u8 {
        self.0
    }
}

impl FromStr for Period {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.strip_prefix("1-")
            .filter(|month| !month.starts_with('0'))
            .and_then(|month| month.parse::<u8>().ok())
            .and_then(Self::through)
            .ok_or_else(|| Invalid::Malformed {
                text: text.to_owned(),
                form: TextForm::Period,
            })
    }
}

impl TryFrom<String> for Period {
    type Error = Invalid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Period> for String {
    fn from(period: Period) -> Self {
        period.to_string()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1-{}", self.0)
    }
}

named_enum! {
    /// 完成目标可能性 — how likely the unit judges the target to be met.
    pub enum Likelihood {
        /// 确定能 — it will be met.
        Certain = "certain",
        /// 有可能 — it may be met.
        Possible = "possible",
        /// 完全不可能 — it cannot be met.
        Impossible = "impossible",
    }
}

named_enum! {
    /// 偏差原因 — the standard causes of a deviation from a target.
    pub enum DeviationCause {
        /// 政策调整
        PolicyChange = "policy_change",
        /// 经费保障
        Funding = "funding",
        /// 制度保障
        Rules = "rules",
        /// 人员保障
        Staffing = "staffing",
        /// 硬件条件
        Facilities = "facilities",
        /// 其他 — said in `cause_text`.
        Other = "other",
    }
}

/// The most target rows a monitoring report may hold.
pub const MAX_TARGETS: usize = 200;

/// 资金执行情况 — the money of the departmental budget or the project, in 万元.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MonitoredFunds {
    /// 年初预算数 — the initial budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial: Option<Amount>,
    /// 全年预算数 — the full-year (adjusted) budget, where it differs from the initial one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_year: Option<Amount>,
    /// 执行数 — executed from January to the end of the period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed: Option<Amount>,
    /// 执行率 to date as the form states it, in percent (`39.8` for 39.8 %).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_rate: Option<Quantity>,
    /// 全年预计执行数 — what the unit expects to have executed by the year's end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Amount>,
    /// 预计执行率 as the form states it, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_expected_rate: Option<Quantity>,
}

impl MonitoredFunds {
    /// The budget execution is measured against, with the field it comes from: 全年预算数,
    /// else 年初预算数 where the form states no other.
    pub fn budget(&self) -> Option<(Amount, &'static str)> {
        self.full_year
            .map(|a| (a, "full_year"))
            .or(self.initial.map(|a| (a, "initial")))
    }
}

/// One approved target as monitored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoredTarget {
    /// The id of the approved indicator this row follows.
    pub indicator_id: Label,
    /// 截至本期完成值 — the value reached so far, as written (`3200篇`, `好`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_date: Option<Label>,
    /// 全年预计完成值 — the value expected by the year's end, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Label>,
    /// 完成目标可能性
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likelihood: Option<Likelihood>,
    /// 偏差原因 — the standard causes that apply, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 6)]
    pub causes: Vec<DeviationCause>,
    /// 偏差原因分析 — the cause in words; needed where the cause is `other` (其他).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause_text: Option<Label>,
    /// 纠偏措施 — what the unit will do about the deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Label>,
}

impl MonitoredTarget {
    /// Whether the row says why it deviates: a standard cause or words.
    pub fn has_cause(&self) -> bool {
        !self.causes.is_empty() || self.cause_text.is_some()
    }
}

/// 绩效运行监控表 — what a unit reports at the end of a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringReport {
    #[serde(default)]
    pub funds: MonitoredFunds,
    /// One row per approved target, each exactly once.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub targets: Vec<MonitoredTarget>,
}

/// A target the monitoring follows: an approved indicator, with the target it counts against.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonitoredGoal {
    pub indicator_id: String,
    /// 三级指标
    pub name: String,
    /// The target counted: the approved adjusted one, else the approved one (`""` where the
    /// form left it blank).
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

impl MonitoredGoal {
    /// The departmental targets a reviewer approved (绩效目标审核), with their approved figures:
    /// indicators added since do not count until approved, and are not monitored either.
    pub fn approved(approved: &ApprovedGoals, goals: &Goals, library: &Library) -> Vec<Self> {
        approved
            .counted(goals)
            .indicators
            .iter()
            .filter(|i| approved.covers(i.id.as_str()))
            .map(|i| Self {
                indicator_id: i.id.as_str().to_owned(),
                name: i.name.as_str().to_owned(),
                target: i.target_text().to_owned(),
                comparison: i.kind(library),
            })
            .collect()
    }

    /// A project's targets, as its table states them, read by the year's `library`.
    pub fn stated(goals: &Goals, library: &Library) -> Vec<Self> {
        goals
            .indicators
            .iter()
            .map(|i| Self {
                indicator_id: i.id.as_str().to_owned(),
                name: i.name.as_str().to_owned(),
                target: i.target_text().to_owned(),
                comparison: i.kind(library),
            })
            .collect()
    }
}

impl MonitoringReport {
    /// What makes it not a monitoring report of `goals`: a row naming no target of them (an
    /// invented one), a target named twice or not at all (a dropped one), a cause given twice,
    /// `other` without its words, more rows than allowed.
    pub fn violations(&self, goals: &[MonitoredGoal]) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.targets.len() > MAX_TARGETS {
            errors.push(FieldError::new(
                "targets",
                Invalid::Count {
                    min: 0,
                    max: MAX_TARGETS,
                },
            ));
        }
        let mut seen = HashSet::new();
        for (i, row) in self.targets.iter().enumerate() {
            let id = row.indicator_id.as_str();
            if !goals.iter().any(|g| g.indicator_id == id) {
                errors.push(FieldError::new(
                    format!("targets[{i}].indicator_id"),
                    Invalid::UnknownReference {
                        value: id.to_string(),
                    },
                ));
            } else if !seen.insert(id) {
                errors.push(FieldError::new(
                    format!("targets[{i}].indicator_id"),
                    Invalid::Duplicate {
                        value: id.to_string(),
                    },
                ));
            }
            let mut causes = HashSet::new();
            if row.causes.iter().any(|c| !causes.insert(*c)) {
                errors.push(FieldError::new(
                    format!("targets[{i}].causes"),
                    Invalid::Duplicate {
                        value: "causes".to_owned(),
                    },
                ));
            }
            if row.causes.contains(&DeviationCause::Other) && row.cause_text.is_none() {
                errors.push(FieldError::new(
                    format!("targets[{i}].cause_text"),
                    Invalid::Required,
                ));
            }
        }
        for goal in goals
            .iter()
            .filter(|g| !seen.contains(g.indicator_id.as_str()))
        {
            errors.push(FieldError::new(
                "targets",
                Invalid::MissingRow {
                    value: goal.indicator_id.to_string(),
                },
            ));
        }
        errors
    }
}

/// What a monitoring report is of: the unit's departmental budget, or one of its projects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// 部门整体
    Department,
    /// 项目
    Project(ProjectCode),
}

impl Subject {
    pub fn project_code(&self) -> Option<&ProjectCode> {
        match self {
            Self::Department => None,
            Self::Project(code) => Some(code),
        }
    }
}

/// Which monitoring report: a unit's, of a year and period, of its departmental budget or a
/// project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringKey {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    pub period: Period,
    pub subject: Subject,
}

impl fmt::Display for MonitoringKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} {}月 monitoring of ", self.year, self.period)?;
        if let Subject::Project(code) = &self.subject {
            write!(f, "project {code} of ")?;
        }
        write!(f, "department {}", self.department_code)
    }
}

/// 绩效运行监控 as stored: one report with its version.
#[derive(Debug, Clone)]
pub struct Monitoring {
    pub key: MonitoringKey,
    /// Goes up by one with every change; 0 before the first version is stored.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub report: MonitoringReport,
}

impl Monitoring {
    /// An empty report, before anything is stored.
    pub fn new(key: MonitoringKey, at: NaiveDateTime) -> Self {
        Self {
            key,
            version: 0,
            created_at: at,
            updated_at: at,
            report: MonitoringReport::default(),
        }
    }

    /// Replaces the report by `report`, which must follow `goals`, the targets monitored;
    /// refused (and nothing changed) otherwise.
    pub fn replace(
        &mut self,
        report: MonitoringReport,
        goals: &[MonitoredGoal],
    ) -> Result<(), Refusal> {
        let errors = report.violations(goals);
        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors));
        }
        self.report = report;
        Ok(())
    }

    /// Makes it the next version, changed at `at`: the first version is created then.
    pub fn advance(&mut self, at: NaiveDateTime) {
        if self.version == 0 {
            self.created_at = at;
        }
        self.version += 1;
        self.updated_at = at;
    }
}

deserialize_through!(String => Period);

#[cfg(test)]
mod tests;
