//! 年度设置 — what the bureau sets per fiscal year: the weights of the score (its default
//! indicator framework), the other frameworks it accepts, the share of a budget line's budget
//! below which its execution is flagged, and the deadline.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::monitoring::{DEFAULT_TOLERANCE, Period};
use super::report::IndicatorLevel1;
use super::values::{Amount, Label, Points};
use super::{FieldError, Invalid};

/// 权重 — how the 100 points of a self-evaluation are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// 预算执行 (default 10)
    pub budget_execution: Points,
    /// 产出 (default 50)
    pub output: Points,
    /// 效益 (default 30)
    pub effect: Points,
    /// 满意度 (default 10)
    pub satisfaction: Points,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            budget_execution: Points::whole(10),
            output: Points::whole(50),
            effect: Points::whole(30),
            satisfaction: Points::whole(10),
        }
    }
}

impl Weights {
    /// The configured weight of one 一级 group; the older framework's groups have none.
    pub fn of(&self, level1: IndicatorLevel1) -> Option<Points> {
        match level1 {
            IndicatorLevel1::Output => Some(self.output),
            IndicatorLevel1::Effect => Some(self.effect),
            IndicatorLevel1::Satisfaction => Some(self.satisfaction),
            IndicatorLevel1::Input
            | IndicatorLevel1::Process
            | IndicatorLevel1::Outcome
            | IndicatorLevel1::Decision => None,
        }
    }

    pub fn total(&self) -> Decimal {
        self.budget_execution.value()
            + self.output.value()
            + self.effect.value()
            + self.satisfaction.value()
    }
}

/// The name by which a report names the year's default framework (the `weights`); a report
/// that names none is on it too.
pub const DEFAULT_FRAMEWORK: &str = "default";

/// Below this share of its budget (percent) a budget line's execution is flagged, unless the
/// year sets another.
const LINE_EXECUTION_FLOOR: u32 = 90;

/// 指标体系 — the 一级 groups of a form and their points, and where budget execution is scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// How reports name it in `goals.framework`, e.g. `决策过程产出效益`.
    pub name: Label,
    /// Its groups and their points; none for a flat form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<FrameworkGroup>,
    /// The points of budget execution scored apart from the groups; left out where execution
    /// is scored inside them (as an indicator of 过程 or 投入).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_execution: Option<Points>,
}

/// One 一级 group of a framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrameworkGroup {
    pub level1: IndicatorLevel1,
    pub points: Points,
}

impl Framework {
    /// The points of the groups and of execution outside them.
    pub fn total(&self) -> Decimal {
        self.groups
            .iter()
            .map(|g| g.points.value())
            .sum::<Decimal>()
            + self.budget_execution.map_or(Decimal::ZERO, |p| p.value())
    }
}

impl Weights {
    /// The weights as a framework: output, effect and satisfaction, execution outside.
    pub fn framework(&self) -> Framework {
        let group = |level1, points| FrameworkGroup { level1, points };
        Framework {
            name: Label::try_from(DEFAULT_FRAMEWORK.to_owned())
                .unwrap_or_else(|_| unreachable!("the default framework's name is not blank")),
            groups: vec![
                group(IndicatorLevel1::Output, self.output),
                group(IndicatorLevel1::Effect, self.effect),
                group(IndicatorLevel1::Satisfaction, self.satisfaction),
            ],
            budget_execution: Some(self.budget_execution),
        }
    }
}

/// The settings of one fiscal year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearSettings {
    /// The default framework: 预算执行 10, 产出 50, 效益 30, 满意度 10 unless set.
    #[serde(default)]
    pub weights: Weights,
    /// Other frameworks the year accepts; a report on one of them is a warning, not an error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frameworks: Vec<Framework>,
    /// 预算执行率 (percent) below which a budget line's execution is flagged (default 90).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_execution_floor: Option<Points>,
    /// 报送截止时间 — when reports are due; submitted after it, or not at all, is overdue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    /// 项目自评覆盖起点 — the budget (万元) from which a project line of a departmental report
    /// needs a project self-evaluation table of its own; unset, every project line does
    /// (全覆盖). Collection progress lists the lines at or above it that no table names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_coverage_floor: Option<Amount>,
    /// 监控期 — the periods monitoring is reported for (`1-6` for 1–6月, `1-3`, `1-9` …
    /// quarterly); left out, `1-6` and `1-7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 12)]
    pub monitoring_periods: Option<Vec<Period>>,
    /// 执行进度容差 — percentage points execution may lag the share of the year gone before
    /// monitoring warns (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_tolerance: Option<Points>,
    /// 复核差异阈值 — points a unit's self-score may exceed the bureau's review score before the
    /// unit is listed among the review differences (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_difference_threshold: Option<Points>,
}

/// Points a unit's self-score may exceed the bureau's review score unless the year sets it.
pub const REVIEW_DIFFERENCE_THRESHOLD: u8 = 5;

impl YearSettings {
    pub fn errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let total = self.weights.total();
        if total != Decimal::ONE_HUNDRED {
            errors.push(FieldError::new(
                "weights",
                Invalid::WrongTotal {
                    total: total.normalize().to_string(),
                    expected: "100".to_owned(),
                },
            ));
        }
        for (i, framework) in self.frameworks.iter().enumerate() {
            let total = framework.total();
            if !framework.groups.is_empty() && total != Decimal::ONE_HUNDRED {
                errors.push(FieldError::new(
                    format!("frameworks[{i}]"),
                    Invalid::WrongTotal {
                        total: total.normalize().to_string(),
                        expected: "100".to_owned(),
                    },
                ));
            }
            let name = framework.name.as_str();
            if name == DEFAULT_FRAMEWORK
                || self.frameworks[..i].iter().any(|f| f.name.as_str() == name)
            {
                errors.push(FieldError::new(
                    format!("frameworks[{i}].name"),
                    Invalid::Duplicate {
                        value: name.to_string(),
                    },
                ));
            }
        }
        if let Some(periods) = &self.monitoring_periods {
            if periods.is_empty() || periods.len() > 12 {
                errors.push(FieldError::new(
                    "monitoring_periods",
                    Invalid::Count { min: 1, max: 12 },
                ));
            }
            for (i, period) in periods.iter().enumerate() {
                if periods[..i].contains(period) {
                    errors.push(FieldError::new(
                        format!("monitoring_periods[{i}]"),
                        Invalid::Duplicate {
                            value: period.to_string(),
                        },
                    ));
                }
            }
        }
        errors
    }

    /// The framework a report names (the default where it names none or `default`).
    pub fn framework(&self, name: Option<&str>) -> Option<Framework> {
        match name {
            None | Some(DEFAULT_FRAMEWORK) => Some(self.weights.framework()),
            Some(name) => self
                .frameworks
                .iter()
                .find(|f| f.name.as_str() == name)
                .cloned(),
        }
    }

    /// The periods monitoring is reported for.
    pub fn monitoring_periods(&self) -> Vec<Period> {
        self.monitoring_periods
            .clone()
            .unwrap_or_else(|| [6, 7].into_iter().filter_map(Period::through).collect())
    }

    /// Percentage points execution may lag the time elapsed before monitoring warns.
    pub fn monitoring_tolerance(&self) -> Decimal {
        self.monitoring_tolerance
            .map_or(Decimal::from(DEFAULT_TOLERANCE), |p| p.value())
    }

    /// Points a self-score may exceed the review score before the unit is listed.
    pub fn review_difference_threshold(&self) -> Decimal {
        self.review_difference_threshold
            .map_or(Decimal::from(REVIEW_DIFFERENCE_THRESHOLD), |p| p.value())
    }

    /// The execution rate below which a line is flagged, in percent.
    pub fn line_execution_floor(&self) -> Decimal {
        self.line_execution_floor
            .map_or(Decimal::from(LINE_EXECUTION_FLOOR), |p| p.value())
    }
}
