//! 年度设置 — what the bureau sets per fiscal year: the weights of the score and the deadline.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldError;
use super::report::IndicatorLevel1;
use super::values::Points;

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

/// The settings of one fiscal year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearSettings {
    #[serde(default)]
    pub weights: Weights,
    /// 报送截止时间 — when reports are due; submitted after it, or not at all, is overdue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
}

impl YearSettings {
    pub fn errors(&self) -> Vec<FieldError> {
        let total = self.weights.total();
        if total == Decimal::ONE_HUNDRED {
            Vec::new()
        } else {
            vec![FieldError::new(
                "weights",
                format!("the weights add up to {}, not 100", total.normalize()),
            )]
        }
    }
}
