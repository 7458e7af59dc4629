//! 三（一）绩效目标设置情况 — the overall goal and the indicators with their targets.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{is_false, quantity_error};
use crate::domain::FieldError;
use crate::domain::values::{Label, Points};

/// 绩效目标 — how goals were set, the overall goal and the indicators.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Goals {
    /// 绩效目标设置情况 — narrative, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting_narrative: Option<String>,
    /// 年度总体目标
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall_goal: Option<String>,
    /// 绩效指标
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
}

/// 一级指标
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorLevel1 {
    /// 产出
    Output,
    /// 效益
    Effect,
    /// 满意度
    Satisfaction,
    /// 投入 (older common framework)
    Input,
    /// 过程 (older common framework)
    Process,
    /// 效果 (older common framework)
    Outcome,
}

/// 指标性质 — how the actual is compared with the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// ≥ — at least the target.
    AtLeast,
    /// ≤ — at most the target.
    AtMost,
    /// = — exactly the target.
    Equal,
    /// 定性 — judged in words (高, 好, 达标 …).
    Qualitative,
}

impl Comparison {
    pub fn is_quantitative(self) -> bool {
        self != Self::Qualitative
    }
}

/// 绩效指标 — one indicator with its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// The indicator's key within the report, chosen by the unit (e.g. `1.1.1`); results refer to it.
    pub id: Label,
    /// 一级指标
    pub level1: IndicatorLevel1,
    /// 二级指标, e.g. 数量, 质量, 时效, 成本, 社会效益, 服务对象满意度.
    pub level2: Label,
    /// 三级指标 — the indicator's name.
    pub name: Label,
    /// 计量单位, e.g. 件, %, 万元.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub comparison: Comparison,
    /// 年初指标值 — a decimal string for ≥, ≤ and =, words for a qualitative indicator.
    pub target: Label,
    /// 调整指标值 — the changed target, if it was changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted_target: Option<Label>,
    /// 调整原因
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment_reason: Option<String>,
    /// 分值 — the indicator's weight in points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Points>,
    /// 是否核心指标
    #[serde(default, skip_serializing_if = "is_false")]
    pub core: bool,
}

impl Goals {
    pub(super) fn structural_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, indicator) in self.indicators.iter().enumerate() {
            let path = format!("goals.indicators[{i}]");
            if !seen.insert(indicator.id.as_str()) {
                errors.push(FieldError::new(
                    format!("{path}.id"),
                    format!(
                        "indicator id `{}` is used more than once",
                        indicator.id.as_str()
                    ),
                ));
            }
            if indicator.comparison.is_quantitative() {
                errors.extend(quantity_error(format!("{path}.target"), &indicator.target));
                if let Some(adjusted) = &indicator.adjusted_target {
                    errors.extend(quantity_error(format!("{path}.adjusted_target"), adjusted));
                }
            }
        }
        errors
    }
}
