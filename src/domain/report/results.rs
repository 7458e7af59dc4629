//! 三（二）绩效目标完成情况 — results per indicator and the achievements narrative.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::names::named_enum;
use crate::domain::values::{Label, Points, Quantity};

/// 绩效目标完成情况 — per indicator results and the achievements narrative.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Results {
    /// One entry per indicator that has a result, keyed by the indicator's `id`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<IndicatorResult>,
    /// 主要成效 — achievements, grouped by theme.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub achievements: Vec<Achievement>,
    /// 自评总分 as the unit states it (points).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_total_score: Option<Points>,
    /// 自评等级 as the unit states it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_grade: Option<Grade>,
    /// 自评等级 as the unit's table writes it (`优秀`, `合格` …) where that is not the grade's
    /// short name (优, 良, 中, 差): kept so that the table is written back as it came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_grade_as_written: Option<Label>,
    /// The unit's own score for budget execution (预算执行率得分), in points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_execution_score: Option<Points>,
}

/// The result of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorResult {
    /// The `id` of an indicator in `goals.indicators`.
    pub indicator_id: Label,
    /// 实际完成值 as written (`2350篇`, `100%`, `好`); absent where the form gives none, and
    /// then `no_actual_reason` says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<Label>,
    /// Why there is no actual (e.g. the survey was not held); the indicator is not scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_actual_reason: Option<String>,
    /// 自评得分 — the unit's own score (points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_score: Option<Points>,
    /// 得分系数 — the share of the weight the form says the indicator earned (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_coefficient: Option<Quantity>,
    /// 完成率 as the form states it, in percent (`95.83` for 95.83 %), held to the actual ÷
    /// target the service computes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_attainment: Option<Quantity>,
    /// 偏差原因分析及改进措施
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation_reason: Option<String>,
    /// For a qualitative indicator: how far it was achieved (达成 / 部分达成 / 未达成).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement: Option<Achieved>,
}

/// 定性指标完成程度 — the band a qualitative indicator is scored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Achieved {
    /// 达成 — 80–100 % of the weight.
    Achieved,
    /// 部分达成 — 60–80 % of the weight.
    PartlyAchieved,
    /// 未达成 — 0–60 % of the weight.
    NotAchieved,
}

/// One theme of achievements, with the figures it states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Achievement {
    /// 主题, e.g. 信息宣传优质高效.
    pub theme: Label,
    /// The paragraph as written.
    pub text: String,
    /// The figures the paragraph states.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<StatedFigure>,
    /// The rates the paragraph states, with their parts where given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rates: Vec<StatedRate>,
}

/// How exact a stated figure claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// 约 — about.
    About,
    /// 近 — nearly.
    Nearly,
    /// 余 / 以上 — more than.
    MoreThan,
    /// 预计 — estimated.
    Estimated,
}

/// A number stated in the narrative, e.g. 办理文件 6205 件.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatedFigure {
    pub label: Label,
    pub value: Quantity,
    /// 单位, e.g. 件, 场, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<Qualifier>,
}

/// A rate stated in the narrative, e.g. 采用率达 40 % (120 of 300).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatedRate {
    pub label: Label,
    /// The rate as stated, in percent.
    pub stated_percent: Quantity,
    /// 分子, where the report gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<Quantity>,
    /// 分母, where the report gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Quantity>,
}

named_enum! {
    /// 自评等级, by the year's result rules (`/years/{year}/result-rules`; by default 优 ≥ 90,
    /// 良 80–90, 中 60–80, 差 < 60).
    pub enum Grade {
        /// 优
        Excellent = "excellent",
        /// 良
        Good = "good",
        /// 中
        Fair = "fair",
        /// 差
        Poor = "poor",
    }
}
