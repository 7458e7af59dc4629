//! 自评得分 — the score of a report by the bureau's rules, and what keeps it from being computed.
//!
//! Budget execution scores weight × min(execution rate, 100 %). A quantitative indicator that
//! met its target scores its full weight, otherwise weight × attainment, never above the weight
//! nor below zero. A qualitative indicator is scored within the band of how far it was achieved
//! (80–100 %, 60–80 %, 0–60 % of its weight): the unit's own score where it lies in the band,
//! else the band's nearest edge, and the band's floor when the unit gave none.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use utoipa::ToSchema;

use super::checks::ApprovedGoals;
use super::figures::{DerivedFigures, Percent};
use super::library::Library;
use super::report::{
    Achieved, Assessment, Comparison, EvaluationReport, Grade, Indicator, IndicatorLevel1,
    IndicatorResult, Reading, ScoringRule,
};
use super::result_application::rules::ResultRules;
use super::settings::Weights;

/// Points of a computed score, to two decimal places, as a decimal string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "87.5")]
pub struct Score(Decimal);

impl Score {
    pub(crate) fn of(points: Decimal) -> Self {
        Self(points.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl From<Score> for String {
    fn from(score: Score) -> Self {
        score.0.normalize().to_string()
    }
}

/// How an indicator's actual compares with its target.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IndicatorScore {
    pub indicator_id: String,
    pub name: String,
    /// 一级指标; none on a flat form.
    pub level1: Option<IndicatorLevel1>,
    /// How the actual is compared: the stated comparison, or what the target reads as.
    pub comparison: Option<Comparison>,
    /// The target scored against, as written: the adjusted target where there is one — once
    /// targets are approved, the approved target (or the approved adjusted target).
    pub target: String,
    /// An adjusted target the unit proposed after the approval, which a reviewer has not
    /// approved yet: shown beside `target`, which the score still uses.
    pub proposed_target: Option<String>,
    /// What the target says: a figure (comparison, value, unit), words, not applicable, not
    /// stated, or unreadable.
    pub reading: Reading,
    /// The rule it is scored by (the form's, else proportional, or bands when qualitative).
    pub rule: ScoringRule,
    /// 得分系数 as the form states it, beside `score` ÷ `weight`.
    pub stated_coefficient: Option<String>,
    pub actual: Option<String>,
    /// Whether the target was met (for a qualitative indicator: fully achieved).
    pub met: Option<bool>,
    /// 完成率: actual ÷ target for ≥, target ÷ actual for ≤ (%); uncapped.
    pub attainment: Option<Percent>,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_points")]
    pub weight: Option<Decimal>,
    /// The score by the rules.
    pub score: Option<Score>,
    /// The unit's own score, where it gave one.
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_points")]
    pub self_score: Option<Decimal>,
    /// The unit's own score minus the score by the rules.
    pub self_score_difference: Option<Score>,
    /// What keeps this indicator from being scored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

fn optional_points<S: serde::Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(points) => serializer.serialize_some(&points.normalize().to_string()),
        None => serializer.serialize_none(),
    }
}

/// The score of one 一级 group.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Subtotal {
    /// 一级指标; none for the indicators of a flat form.
    pub level1: Option<IndicatorLevel1>,
    /// The weight the year's default framework gives the group (none on another framework).
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_points")]
    pub configured_weight: Option<Decimal>,
    /// The weights of its indicators, added up.
    #[schema(value_type = String)]
    #[serde(serialize_with = "points")]
    pub indicator_weights: Decimal,
    /// Its indicators' scores, added up; none while one of them cannot be scored.
    pub score: Option<Score>,
}

fn points<S: serde::Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.normalize().to_string())
}

/// The budget execution part of the score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExecutionScore {
    #[schema(value_type = String)]
    #[serde(serialize_with = "points")]
    pub weight: Decimal,
    /// 预算执行率 of the unit's total (%).
    pub rate: Option<Percent>,
    pub score: Option<Score>,
}

/// The whole scorecard of a report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Scorecard {
    pub figures: DerivedFigures,
    pub execution: ExecutionScore,
    pub indicators: Vec<IndicatorScore>,
    pub subtotals: Vec<Subtotal>,
    /// 总分; none while anything is missing.
    pub total: Option<Score>,
    pub grade: Option<Grade>,
    /// The unit's stated total and grade, and how the total differs from the computed one.
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_points")]
    pub stated_total: Option<Decimal>,
    pub stated_grade: Option<Grade>,
    pub stated_total_difference: Option<Score>,
    /// Everything that keeps the score from being computed in full.
    pub missing: Vec<String>,
}

/// Whether `actual` meets `target` under `comparison`, and the attainment as an exact
/// fraction (undefined when its denominator is zero or negative, or its numerator negative).
pub fn attainment(
    comparison: Comparison,
    target: Decimal,
    actual: Decimal,
) -> (bool, Option<Decimal>) {
    // A ratio of a negative figure, or over a zero or negative one, says nothing of how far a
    // target was reached: it is undefined, and the score says what is missing.
    let fraction = |numerator: Decimal, denominator: Decimal| {
        (denominator > Decimal::ZERO && numerator >= Decimal::ZERO)
            .then(|| numerator.checked_div(denominator))
            .flatten()
    };
    match comparison {
        Comparison::AtLeast => (actual >= target, fraction(actual, target)),
        Comparison::AtMost => (actual <= target, fraction(target, actual)),
        Comparison::Equal | Comparison::Qualitative => {
            let (low, high) = if actual <= target {
                (actual, target)
            } else {
                (target, actual)
            };
            (actual == target, fraction(low, high))
        }
    }
}

fn band(achieved: Achieved) -> (Decimal, Decimal) {
    let percent = |n: u32| Decimal::from(n) / Decimal::ONE_HUNDRED;
    match achieved {
        Achieved::Achieved => (percent(80), percent(100)),
        Achieved::PartlyAchieved => (percent(60), percent(80)),
        Achieved::NotAchieved => (Decimal::ZERO, percent(60)),
    }
}

/// The score of `indicator` as it counts (its approved figures, once approved), beside the
/// target `written` proposes where that is not the one counted.
fn score_indicator(
    indicator: &Indicator,
    written: &Indicator,
    result: Option<&IndicatorResult>,
    approved: Option<&ApprovedGoals>,
    library: &Library,
) -> IndicatorScore {
    let mut missing = Vec::new();
    let id = indicator.id.as_str();
    // An indicator added after the targets were approved could carry any target the unit
    // likes: it counts only once a reviewer has approved it.
    let awaits_approval = approved.is_some_and(|approved| !approved.covers(id));
    if awaits_approval {
        missing.push(format!(
            "indicator {id} was added after the targets were approved; it scores once a reviewer approves the targets again"
        ));
    }
    let weight = indicator.weight.map(|w| w.value());
    if weight.is_none() {
        missing.push(format!("indicator {id} has no weight"));
    }
    let self_score = result.and_then(|r| r.self_score).map(|s| s.value());
    let (met, attainment, score) = match result.map(|r| (r, indicator.assess(r, library))) {
        None => {
            missing.push(format!("indicator {id} has no result"));
            (None, None, None)
        }
        Some((_, Assessment::Unscorable { message_en, .. })) => {
            missing.push(message_en);
            (None, None, None)
        }
        Some((result, Assessment::Qualitative)) => match result.achievement {
            None => {
                missing.push(format!(
                    "qualitative indicator {id} does not say how far it was achieved"
                ));
                (None, None, None)
            }
            Some(achieved) => {
                let score = weight.map(|w| {
                    let (low, high) = band(achieved);
                    let (floor, ceiling) = (w * low, w * high);
                    self_score.map_or(floor, |s| s.clamp(floor, ceiling))
                });
                (Some(achieved == Achieved::Achieved), None, score)
            }
        },
        Some((
            _,
            Assessment::Figures {
                comparison,
                target,
                actual,
            },
        )) => {
            let (met, fraction) = attainment(comparison, target, actual);
            let score = weight.and_then(|w| indicator.rule(library).score(w, met, fraction));
            if !met && fraction.is_none() {
                missing.push(format!(
                    "indicator {id}: the attainment is undefined (zero denominator)"
                ));
            }
            let percent = fraction.and_then(|f| Percent::of(f, Decimal::ONE));
            (Some(met), percent, score)
        }
    };
    let score = score.filter(|_| !awaits_approval);
    IndicatorScore {
        indicator_id: id.to_owned(),
        name: indicator.name.as_str().to_owned(),
        level1: indicator.level1,
        comparison: indicator.kind(library),
        target: indicator.target_text().to_owned(),
        proposed_target: (written.target_text() != indicator.target_text())
            .then(|| written.target_text().to_owned()),
        reading: indicator.reading(library),
        rule: indicator.rule(library),
        stated_coefficient: result
            .and_then(|r| r.stated_coefficient)
            .map(|c| c.value().normalize().to_string()),
        actual: result.and_then(|r| r.actual.as_ref().map(|a| a.as_str().to_owned())),
        met,
        attainment,
        weight,
        score: score.map(Score::of),
        self_score,
        self_score_difference: self_score
            .zip(score)
            .map(|(own, rule)| Score::of(own - rule)),
        missing,
    }
}

impl EvaluationReport {
    /// The score by the rules, with the year's weights; once targets are approved, only
    /// approved indicators score, each on what was approved of it — target (or approved
    /// adjusted target), comparison, unit, weight, scoring rule, group — and on the approved
    /// framework, whatever the report states now. The year's `library` reads a target written
    /// without a sign the way its indicator points; the year's result `rules` grade the total.
    pub fn scorecard(
        &self,
        weights: &Weights,
        approved: Option<&ApprovedGoals>,
        library: &Library,
        rules: &ResultRules,
    ) -> Scorecard {
        let counted = approved.map(|approved| approved.counted(&self.goals));
        let goals = counted.as_ref().unwrap_or(&self.goals);
        let figures = self.derived_figures();
        let mut missing = Vec::new();

        // On another framework than the default, execution scored apart takes the points the
        // indicators leave (none where it is scored inside them, as an indicator): a score is
        // out of 100 whatever the framework.
        let on_default = goals.on_default_framework();
        let execution_weight = if on_default {
            weights.budget_execution.value()
        } else {
            goals
                .total_weight()
                .map_or(weights.budget_execution.value(), |indicators| {
                    (Decimal::ONE_HUNDRED - indicators).max(Decimal::ZERO)
                })
        };
        let rate = figures.total.execution_rate;
        if rate.is_none() && !execution_weight.is_zero() {
            missing.push(match (figures.total.executed, figures.total.adjusted) {
                (None, _) => "the budget gives no executed amount (执行数)".to_owned(),
                (_, None) => "the budget gives no adjusted budget (调整预算)".to_owned(),
                _ => "the adjusted budget is zero".to_owned(),
            });
        }
        let execution_points = if execution_weight.is_zero() {
            Some(Decimal::ZERO)
        } else {
            rate.map(|r| {
                let capped = (r.value() / Decimal::ONE_HUNDRED)
                    .min(Decimal::ONE)
                    .max(Decimal::ZERO);
                execution_weight * capped
            })
        };

        let indicators: Vec<IndicatorScore> = goals
            .indicators
            .iter()
            .zip(&self.goals.indicators)
            .map(|(indicator, written)| {
                let result = self
                    .results
                    .indicators
                    .iter()
                    .find(|r| r.indicator_id == indicator.id);
                score_indicator(indicator, written, result, approved, library)
            })
            .collect();
        if indicators.is_empty() {
            missing.push("the goals give no indicators (绩效指标)".to_owned());
        }
        missing.extend(indicators.iter().flat_map(|i| i.missing.iter().cloned()));

        let mut groups: Vec<Option<IndicatorLevel1>> = Vec::new();
        for indicator in &indicators {
            if !groups.contains(&indicator.level1) {
                groups.push(indicator.level1);
            }
        }
        let subtotals = groups
            .into_iter()
            .map(|level1| {
                let members: Vec<&IndicatorScore> =
                    indicators.iter().filter(|i| i.level1 == level1).collect();
                let raw: Option<Decimal> = members.iter().map(|i| i.score.map(|s| s.value())).sum();
                Subtotal {
                    level1,
                    configured_weight: level1
                        .filter(|_| on_default)
                        .and_then(|l| weights.of(l))
                        .map(|w| w.value()),
                    indicator_weights: members.iter().filter_map(|i| i.weight).sum(),
                    score: raw.map(Score::of),
                }
            })
            .collect();

        let indicator_points: Option<Decimal> =
            indicators.iter().map(|i| i.score.map(|s| s.value())).sum();
        let total = match (missing.is_empty(), execution_points, indicator_points) {
            (true, Some(execution), Some(indicators)) => Some(Score::of(execution + indicators)),
            _ => None,
        };
        let stated_total = self.results.stated_total_score.map(|s| s.value());
        Scorecard {
            execution: ExecutionScore {
                weight: execution_weight,
                rate,
                score: execution_points.map(Score::of),
            },
            grade: total.map(|t| rules.grade(t.value())),
            stated_total_difference: stated_total
                .zip(total)
                .map(|(stated, computed)| Score::of(stated - computed.value())),
            stated_total,
            stated_grade: self.results.stated_grade,
            figures,
            indicators,
            subtotals,
            total,
            missing,
        }
    }
}

#[cfg(test)]
mod tests;
