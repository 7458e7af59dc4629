//! 三（一）绩效目标设置情况 — the overall goal and the indicators with their targets.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use rust_decimal::Decimal;

use super::IndicatorResult;
use super::target::{Reading, read_figure, read_unsigned};
use crate::domain::library::{Direction, IndicatorCode, Library, LibraryMatch};
use crate::domain::names::named_enum;
use crate::domain::settings::DEFAULT_FRAMEWORK;
use crate::domain::values::{Label, Points};
use crate::domain::{FieldError, Invalid};

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
    /// 指标体系 — the name of the year's framework the indicators follow; left out, the
    /// year's default (产出 / 效益 / 满意度 with execution apart), or the form's own where its
    /// groups are others or it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<Label>,
    /// 绩效指标
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
}

impl Goals {
    /// Whether the indicators follow the year's default framework: the report names no other,
    /// and every indicator is in one of its groups (产出, 效益, 满意度).
    pub fn on_default_framework(&self) -> bool {
        let named_other = self
            .framework
            .as_ref()
            .is_some_and(|name| name.as_str() != DEFAULT_FRAMEWORK);
        !named_other
            && self.indicators.iter().all(|i| {
                matches!(
                    i.level1,
                    Some(
                        IndicatorLevel1::Output
                            | IndicatorLevel1::Effect
                            | IndicatorLevel1::Satisfaction
                    )
                )
            })
    }

    /// The indicators' weights added up; none while one has no weight.
    pub fn total_weight(&self) -> Option<Decimal> {
        self.indicators
            .iter()
            .map(|i| i.weight.map(|w| w.value()))
            .sum()
    }
}

named_enum! {
    /// 一级指标
    pub enum IndicatorLevel1 {
        /// 产出
        Output = "output",
        /// 效益
        Effect = "effect",
        /// 满意度
        Satisfaction = "satisfaction",
        /// 投入 (older common framework)
        Input = "input",
        /// 过程 (older common framework)
        Process = "process",
        /// 效果 (older common framework)
        Outcome = "outcome",
        /// 决策 (the framework of 决策 / 过程 / 产出 / 效益)
        Decision = "decision",
    }
}

impl IndicatorLevel1 {
    /// The heading a form and a finding write: 产出指标, 效益指标 …
    pub fn chinese_name(self) -> &'static str {
        match self {
            IndicatorLevel1::Output => "产出指标",
            IndicatorLevel1::Effect => "效益指标",
            IndicatorLevel1::Satisfaction => "满意度指标",
            IndicatorLevel1::Input => "投入指标",
            IndicatorLevel1::Process => "过程指标",
            IndicatorLevel1::Outcome => "效果指标",
            IndicatorLevel1::Decision => "决策指标",
        }
    }
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

/// 绩效指标 — one indicator with its target, as the form writes it. A flat form (no 一级 / 二级
/// columns) leaves `level1` and `level2` out; a form with no 指标性质 column leaves
/// `comparison` out, and the target's own sign (`≥`, `≤`, `不低于` …) says it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// The indicator's key within the report, chosen by the unit (e.g. `1.1.1`); results refer to it.
    pub id: Label,
    /// 一级指标, where the form has the column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level1: Option<IndicatorLevel1>,
    /// 二级指标, e.g. 数量, 质量, 时效, 成本, 社会效益, 服务对象满意度.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level2: Option<Label>,
    /// 三级指标 — the indicator's name.
    pub name: Label,
    /// 计量单位, e.g. 件, %, 万元.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// 指标性质, where the form states it apart from the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// 年初指标值 exactly as written (`≥2200篇`, `100%`, `—`, `高`); absent when the cell is
    /// blank. What it says is [`Indicator::reading`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Label>,
    /// 调整指标值 — the changed target, if it was changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted_target: Option<Label>,
    /// 调整原因
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment_reason: Option<String>,
    /// 分值 — the indicator's weight in points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Points>,
    /// 是否核心指标: yes, no, or not said — each read back as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core: Option<bool>,
    /// 指标库代码 — the library indicator this one is (e.g. `GX07`); left out, it is
    /// recognised by its name where the name is a standard name or an alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library_code: Option<IndicatorCode>,
    /// The figure the service computes that this indicator states (预算执行率 …); left out,
    /// it is recognised by the indicator's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    /// 评分标准 — how the form says the indicator is scored, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring_standard: Option<String>,
    /// The rule the form scores the indicator by; left out, proportional (a qualitative
    /// indicator: its bands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring_rule: Option<ScoringRule>,
}

/// 评分规则 — how a quantitative indicator that missed its target scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScoringRule {
    /// 按比例: weight × attainment.
    Proportional,
    /// 每低 `per_percent` % 扣 `points` 分: each whole step short of the target takes
    /// `points` off the weight, never below `floor` (0 when left out).
    StepDeduction {
        points: Points,
        per_percent: Points,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        floor: Option<Points>,
    },
    /// 达到得满分，否则不得分: the full weight or nothing.
    AllOrNothing,
    /// 定性分档: the bands of achieved (80–100 %), partly (60–80 %), not (0–60 %).
    Bands,
}

impl ScoringRule {
    /// The points a quantitative indicator of `weight` scores: its full weight when `met`,
    /// else by the rule from its attainment `fraction` (none when that is undefined).
    pub fn score(self, weight: Decimal, met: bool, fraction: Option<Decimal>) -> Option<Decimal> {
        if met {
            return Some(weight);
        }
        match self {
            Self::AllOrNothing => Some(Decimal::ZERO),
            Self::Proportional | Self::Bands => {
                fraction.map(|f| (weight * f).clamp(Decimal::ZERO, weight))
            }
            Self::StepDeduction {
                points,
                per_percent,
                floor,
            } => {
                let fraction = fraction?;
                let short = (Decimal::ONE - fraction).max(Decimal::ZERO) * Decimal::ONE_HUNDRED;
                let steps = short.checked_div(per_percent.value())?.floor();
                let floor = floor.map_or(Decimal::ZERO, |f| f.value());
                Some((weight - steps * points.value()).clamp(floor.min(weight), weight))
            }
        }
    }
}

named_enum! {
    /// A figure the service computes from the report itself, which an indicator may state.
    pub enum Metric {
        /// 预算执行率 = executed ÷ adjusted (the total).
        ExecutionRate = "execution_rate",
        /// 预算调整率 = (adjusted − initial) ÷ initial.
        AdjustmentRate = "adjustment_rate",
        /// 在职人员控制率 = 在职 ÷ 编制数.
        StaffingControlRate = "staffing_control_rate",
        /// 结转结余率 = (结转 + 结余) ÷ adjusted.
        CarryOverRate = "carry_over_rate",
        /// "三公"经费控制率 = actual ÷ budget.
        ThreePublicControlRate = "three_public_control_rate",
        /// "三公"经费变动率 = (actual − prior-year actual) ÷ prior-year actual.
        ThreePublicChangeRate = "three_public_change_rate",
        /// 政府采购执行率 = actual ÷ planned procurement.
        ProcurementExecutionRate = "procurement_execution_rate",
    }
}

impl Metric {
    /// The words by which forms name the figure, most specific first.
    const NAMES: [(&'static str, Metric); 7] = [
        ("三公经费控制率", Metric::ThreePublicControlRate),
        ("三公经费变动率", Metric::ThreePublicChangeRate),
        ("政府采购执行率", Metric::ProcurementExecutionRate),
        ("在职人员控制率", Metric::StaffingControlRate),
        ("结转结余率", Metric::CarryOverRate),
        ("预算调整率", Metric::AdjustmentRate),
        ("预算执行率", Metric::ExecutionRate),
    ];

    /// The metric a standard indicator name states (quotes and spaces aside).
    pub fn recognise(name: &str) -> Option<Self> {
        let bare: String = name
            .chars()
            .filter(|c| !matches!(c, '“' | '”' | '"' | ' ' | '　'))
            .collect();
        Self::NAMES
            .iter()
            .find(|(words, _)| bare.contains(words))
            .map(|(_, metric)| *metric)
    }
}

impl Indicator {
    /// The target scored against, as written: the adjusted one where the target was changed.
    pub fn effective_target(&self) -> Option<&str> {
        self.adjusted_target
            .as_ref()
            .or(self.target.as_ref())
            .map(Label::as_str)
    }

    /// 年初指标值 as written, or `""` where the form leaves it blank.
    pub fn initial_target(&self) -> &str {
        self.target.as_ref().map_or("", Label::as_str)
    }

    /// The target scored against, as written, or `""` where the form leaves it blank.
    pub fn target_text(&self) -> &str {
        self.effective_target().unwrap_or_default()
    }

    /// What the target scored against says. A figure written without a sign, on an
    /// indicator that states no comparison, is compared the way its library indicator points
    /// (`3%` on 预算调整率 reads "at most 3 %"), else as at least.
    ///
    /// A figure written without a unit, on an indicator that states no 计量单位, is in its library
    /// indicator's unit where the library gives one (`95` on 预算执行率 reads 95 %).
    pub fn reading(&self, library: &Library) -> Reading {
        match read_unsigned(
            self.effective_target(),
            self.comparison,
            self.library_comparison(library),
        ) {
            Reading::Figure {
                comparison,
                value,
                unit: None,
            } => Reading::Figure {
                comparison,
                value,
                unit: self.library_unit(library).map(str::to_owned),
            },
            other => other,
        }
    }

    /// The unit of its library indicator, where the indicator states none (计量单位 blank or
    /// left out) and the year's library finds it with one — the unit its figures written
    /// without one are in, as its direction and formula are the library's.
    pub fn library_unit<'a>(&self, library: &'a Library) -> Option<&'a str> {
        if self.unit.as_deref().is_some_and(|u| !u.trim().is_empty()) {
            return None;
        }
        self.library_match(library)
            .and_then(|found| found.indicator.unit.as_deref())
            .map(str::trim)
            .filter(|unit| !unit.is_empty())
    }

    /// Whether the unit of the target scored against is the library's: a figure written
    /// without a unit, on an indicator that states none, read in its library indicator's unit.
    pub fn unit_by_library<'a>(&self, library: &'a Library) -> Option<&'a str> {
        let written = self.effective_target().and_then(read_figure)?;
        if written.2.is_some() {
            return None;
        }
        self.library_unit(library)
    }

    /// An actual of this indicator as a figure, with its unit: the one written, else the
    /// library's where the indicator states none.
    pub fn actual_figure(
        &self,
        actual: &str,
        library: &Library,
    ) -> Option<(Decimal, Option<String>)> {
        let (_, value, unit) = read_figure(actual)?;
        Some((
            value,
            unit.or_else(|| self.library_unit(library).map(str::to_owned)),
        ))
    }

    /// The indicator of the year's library this one is, by its code or its name: the library
    /// the year imported, else the common one — the same library scores, checks and compares.
    pub fn library_match<'a>(&self, library: &'a Library) -> Option<LibraryMatch<'a>> {
        library.find(self)
    }

    /// How the library compares a bare figure of this indicator, where it says.
    fn library_comparison(&self, library: &Library) -> Option<Comparison> {
        self.library_match(library)
            .map(|found| found.indicator.direction)
            .filter(|direction| *direction != Direction::Qualitative)
            .map(Direction::comparison)
    }

    /// Whether the library's direction decides how the target compares: a figure written
    /// without a sign, on an indicator that states no comparison, that the library reads
    /// otherwise than "at least".
    pub fn compared_by_library(&self, library: &Library) -> bool {
        self.comparison.is_none()
            && self
                .library_comparison(library)
                .is_some_and(|c| c != Comparison::AtLeast)
            && self
                .effective_target()
                .and_then(read_figure)
                .is_some_and(|(sign, _, _)| sign.is_none())
    }

    /// How the actual is compared with the target: the stated comparison, else the one the
    /// target reads as; qualitative where the target is words.
    pub fn kind(&self, library: &Library) -> Option<Comparison> {
        self.kind_read(self.reading(library))
    }

    /// Whether the actual is compared with the target as figures. The library decides only
    /// which way a figure compares, never whether the target is one, so none is needed here.
    pub fn is_quantitative(&self) -> bool {
        self.kind_read(read_unsigned(
            self.effective_target(),
            self.comparison,
            None,
        ))
        .is_some_and(Comparison::is_quantitative)
    }

    /// How the actual is compared with the target, a figure without a sign read as `unsigned`
    /// says (an approval's comparison, which the year's library decided when it was made).
    pub fn kind_as(&self, unsigned: Option<Comparison>) -> Option<Comparison> {
        self.kind_read(read_unsigned(
            self.effective_target(),
            self.comparison,
            unsigned,
        ))
    }

    fn kind_read(&self, reading: Reading) -> Option<Comparison> {
        match reading {
            Reading::Figure { comparison, .. } => Some(comparison),
            Reading::Words => Some(Comparison::Qualitative),
            _ => self.comparison,
        }
    }

    /// The rule this indicator scores by: the stated one, else proportional, or the bands for
    /// a qualitative indicator.
    pub fn rule(&self, library: &Library) -> ScoringRule {
        match (self.scoring_rule, self.kind(library)) {
            (Some(rule), _) => rule,
            (None, Some(Comparison::Qualitative)) => ScoringRule::Bands,
            (None, _) => ScoringRule::Proportional,
        }
    }

    /// The computed figure this indicator states: the one it names, else its library
    /// indicator's formula where the year's library holds it, else the one its name is.
    pub fn metric(&self, library: &Library) -> Option<Metric> {
        self.metric.or_else(|| match self.library_match(library) {
            Some(found) => found.indicator.metric,
            None => Metric::recognise(self.name.as_str()),
        })
    }

    /// What this indicator's result can be scored as: its figures against the target's, by
    /// the bands of a qualitative indicator, or not at all — and then why, in both languages.
    pub fn assess(&self, result: &IndicatorResult, library: &Library) -> Assessment {
        if self.kind(library) == Some(Comparison::Qualitative) {
            return Assessment::Qualitative;
        }
        let id = self.id.as_str();
        let target = self.target_text();
        let (comparison, target) = match self.reading(library) {
            Reading::Figure {
                comparison, value, ..
            } => (comparison, value),
            Reading::NotApplicable => {
                return Assessment::unscorable(
                    format!(
                        "指标“{}”的指标值为“{target}”（不适用），无法计分。",
                        self.name.as_str()
                    ),
                    format!(
                        "indicator {id}: the target is written `{target}` (not applicable), so it is not scored"
                    ),
                );
            }
            Reading::NotStated => {
                return Assessment::unscorable(
                    format!("指标“{}”未填写指标值，无法计分。", self.name.as_str()),
                    format!("indicator {id} states no target, so it is not scored"),
                );
            }
            Reading::Words | Reading::Unreadable => {
                return Assessment::unscorable(
                    format!(
                        "指标“{}”的指标值“{target}”读不出数值，无法按定量指标计分。",
                        self.name.as_str()
                    ),
                    format!(
                        "indicator {id}: no figure can be read from the target `{target}`, so it is not scored"
                    ),
                );
            }
        };
        let Some(actual) = result.actual.as_ref() else {
            return match result.no_actual_reason.as_deref().map(str::trim) {
                Some(reason) if !reason.is_empty() => Assessment::unscorable(
                    format!(
                        "指标“{}”无实际完成值（{reason}），不计分。",
                        self.name.as_str()
                    ),
                    format!("indicator {id} has no actual ({reason}), so it is not scored"),
                ),
                _ => Assessment::unscorable(
                    format!(
                        "指标“{}”未填写实际完成值，也未说明原因。",
                        self.name.as_str()
                    ),
                    format!("indicator {id} has no actual and no reason for it"),
                ),
            };
        };
        match read_figure(actual.as_str()) {
            Some((_, actual, _)) => Assessment::Figures {
                comparison,
                target,
                actual,
            },
            None => Assessment::unscorable(
                format!(
                    "指标“{}”的实际完成值“{}”读不出数值，无法计分。",
                    self.name.as_str(),
                    actual.as_str()
                ),
                format!(
                    "indicator {id}: no figure can be read from the actual `{}`, so it is not scored",
                    actual.as_str()
                ),
            ),
        }
    }
}

/// How an indicator's result is scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assessment {
    /// The actual against the target, both read as figures.
    Figures {
        comparison: Comparison,
        target: Decimal,
        actual: Decimal,
    },
    /// In the band of how far it was achieved.
    Qualitative,
    /// Not at all: what cannot be read or is not there, said in Chinese and in English.
    Unscorable { message: String, message_en: String },
}

impl Assessment {
    fn unscorable(message: String, message_en: String) -> Self {
        Self::Unscorable {
            message,
            message_en,
        }
    }
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
                    Invalid::Duplicate {
                        value: indicator.id.as_str().to_owned(),
                    },
                ));
            }
        }
        errors
    }
}
