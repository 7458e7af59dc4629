//! 绩效目标审核 — what a reviewer approved of each indicator, what a write may no longer do to
//! it, how the approved figures are what the score counts, and rule 10: a changed target is an
//! adjusted target with a real reason, which counts once a reviewer approves it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CheckContext, Findings, Rule, figure};
use crate::domain::library::Library;
use crate::domain::report::{
    Comparison, EvaluationReport, Goals, Indicator, IndicatorLevel1, ScoringRule,
};
use crate::domain::settings::DEFAULT_FRAMEWORK;
use crate::domain::values::{Label, Points};
use crate::domain::{FieldError, Invalid};

/// What an adjustment reason (调整原因) must at least hold: this many letters or digits, where
/// a character of the CJK scripts (from U+2E80: Han, kana, hangul, full-width forms) counts
/// two and spaces and punctuation count nothing — eight Chinese characters or sixteen Latin
/// letters, so that neither `调整` nor `changed` nor `policy adjustment` is a reason …
pub const REASON_MIN_WEIGHT: usize = 16;
/// … and this many distinct ones, so that a letter typed over and over is not one either.
pub const REASON_MIN_DISTINCT: usize = 5;

/// Whether `reason` is a real adjustment reason: at least [`REASON_MIN_WEIGHT`] by the
/// measure above, of at least [`REASON_MIN_DISTINCT`] distinct letters or digits.
pub fn is_real_reason(reason: Option<&str>) -> bool {
    let Some(reason) = reason else {
        return false;
    };
    let letters: Vec<char> = reason.chars().filter(|c| c.is_alphanumeric()).collect();
    let weight: usize = letters
        .iter()
        .map(|c| if u32::from(*c) >= 0x2E80 { 2 } else { 1 })
        .sum();
    let distinct: HashSet<&char> = letters.iter().collect();
    weight >= REASON_MIN_WEIGHT && distinct.len() >= REASON_MIN_DISTINCT
}

/// What the approval covers of an indicator besides its target and comparison: the rest of
/// what decides its score.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedTerms {
    /// 计量单位 as approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// 分值 as approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Points>,
    /// 评分规则 as approved, with its parameters (left out: the default rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring_rule: Option<ScoringRule>,
    /// 一级指标 — the framework's group the indicator counts in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level1: Option<IndicatorLevel1>,
}

impl ApprovedTerms {
    fn of(indicator: &Indicator) -> Self {
        Self {
            unit: indicator.unit.clone(),
            weight: indicator.weight,
            scoring_rule: indicator.scoring_rule,
            level1: indicator.level1,
        }
    }
}

/// An indicator as the bureau approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedTarget {
    pub indicator_id: String,
    /// 年初指标值 as approved.
    pub target: String,
    /// How the actual is compared with the target (absent in approvals recorded before the
    /// comparison was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// 调整指标值 as approved, where the indicator had an adjusted target when it was
    /// approved: the target it is scored against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted_target: Option<String>,
    /// The unit of measure, weight, scoring rule and group approved (absent in approvals
    /// recorded before these were kept, until the next write or action completes them from the
    /// version approved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<ApprovedTerms>,
}

impl ApprovedTarget {
    /// The target the indicator counts against: the approved adjusted target, else the
    /// approved one.
    pub fn counted_target(&self) -> &str {
        self.adjusted_target.as_deref().unwrap_or(&self.target)
    }

    /// `indicator` as it counts: its approved figures in place of what it states now.
    fn counted(&self, indicator: &Indicator) -> Indicator {
        let mut counted = indicator.clone();
        counted.target = Label::try_from(self.target.clone()).ok();
        counted.adjusted_target = self
            .adjusted_target
            .clone()
            .and_then(|t| Label::try_from(t).ok());
        if self.comparison.is_some() {
            counted.comparison = self.comparison;
        }
        if let Some(terms) = &self.terms {
            counted.unit = terms.unit.clone();
            counted.weight = terms.weight;
            counted.scoring_rule = terms.scoring_rule;
            counted.level1 = terms.level1;
        }
        counted
    }
}

/// 绩效目标审核 — the targets a reviewer approved, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedGoals {
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
    /// The version of the evaluation whose targets were approved.
    pub version: i64,
    /// 指标体系 as approved (`default` for the year's default; absent in approvals recorded
    /// before it was kept, until they are completed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    pub targets: Vec<ApprovedTarget>,
}

/// The name of the framework `goals` follow: the one named, else the year's default.
fn framework_of(goals: &Goals) -> &str {
    goals
        .framework
        .as_ref()
        .map_or(DEFAULT_FRAMEWORK, Label::as_str)
}

impl ApprovedGoals {
    /// The indicators of `goals` as they are now, approved by `approved_by`.
    /// The year's `library` reads a target written without a sign, and the reading is what
    /// is approved.
    pub fn of(
        goals: &Goals,
        approved_by: &str,
        approved_at: DateTime<Utc>,
        version: i64,
        library: &Library,
    ) -> Self {
        Self {
            approved_by: approved_by.to_owned(),
            approved_at,
            version,
            framework: Some(framework_of(goals).to_owned()),
            targets: goals
                .indicators
                .iter()
                .map(|i| ApprovedTarget {
                    indicator_id: i.id.as_str().to_owned(),
                    target: i.initial_target().to_owned(),
                    comparison: i.kind(library),
                    adjusted_target: i.adjusted_target.as_ref().map(|t| t.as_str().to_owned()),
                    terms: Some(ApprovedTerms::of(i)),
                })
                .collect(),
        }
    }

    /// Whether it records all it covers: approvals stored before the framework, unit, weight,
    /// scoring rule and group were kept do not.
    pub fn is_complete(&self) -> bool {
        self.framework.is_some() && self.targets.iter().all(|t| t.terms.is_some())
    }

    /// Completes an approval stored before it covered all that decides a score from
    /// `approved`, the goals of the version it approved (what the reviewer read then): each
    /// indicator's terms and adjusted target, and the framework. What it recorded stays.
    pub fn complete_from(&mut self, approved: &Goals) {
        self.framework
            .get_or_insert_with(|| framework_of(approved).to_owned());
        for target in self.targets.iter_mut().filter(|t| t.terms.is_none()) {
            if let Some(indicator) = approved
                .indicators
                .iter()
                .find(|i| i.id.as_str() == target.indicator_id)
            {
                target.terms = Some(ApprovedTerms::of(indicator));
                target.adjusted_target = indicator
                    .adjusted_target
                    .as_ref()
                    .map(|t| t.as_str().to_owned());
            }
        }
    }

    /// Whether the indicator with this id was among those approved.
    pub fn covers(&self, indicator_id: &str) -> bool {
        self.target(indicator_id).is_some()
    }

    /// What was approved of the indicator with this id.
    pub fn target(&self, indicator_id: &str) -> Option<&ApprovedTarget> {
        self.targets.iter().find(|t| t.indicator_id == indicator_id)
    }

    /// `goals` as they count: every approved indicator with its approved figures — an
    /// adjusted target a reviewer has not approved does not count — and the approved
    /// framework. Indicators added since are as written (they do not score until approved).
    pub fn counted(&self, goals: &Goals) -> Goals {
        let mut counted = goals.clone();
        if let Some(framework) = &self.framework {
            counted.framework = Label::try_from(framework.clone()).ok();
        }
        for indicator in &mut counted.indicators {
            if let Some(approved) = self.target(indicator.id.as_str()) {
                *indicator = approved.counted(indicator);
            }
        }
        counted
    }

    /// What a write may not do once targets are approved: drop an approved indicator (or
    /// give it another id, which drops it); change in place its target, comparison, unit of
    /// measure, weight, scoring rule or group, or the framework; adjust a target without a
    /// real reason ([`is_real_reason`]). A changed target is proposed as the adjusted target,
    /// which counts once a reviewer approves it. A target written without a sign keeps the
    /// comparison it was approved with, whatever the year's library says since.
    pub fn violations(&self, goals: &Goals) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(framework) = &self.framework
            && framework != framework_of(goals)
        {
            errors.push(FieldError::new(
                "goals.framework",
                Invalid::ApprovedStays {
                    approved: Some(framework.to_string()),
                },
            ));
        }
        for approved in &self.targets {
            if !goals
                .indicators
                .iter()
                .any(|i| i.id.as_str() == approved.indicator_id)
            {
                errors.push(FieldError::new(
                    "goals.indicators",
                    Invalid::MissingRow {
                        value: approved.indicator_id.to_string(),
                    },
                ));
            }
        }
        errors.extend(unreasoned_adjustments(goals));
        for (i, indicator) in goals.indicators.iter().enumerate() {
            let Some(approved) = self.target(indicator.id.as_str()) else {
                continue;
            };
            let mut changed = |field: &str, invalid: Invalid| {
                errors.push(FieldError::new(
                    format!("goals.indicators[{i}].{field}"),
                    invalid,
                ));
            };
            if approved.target != indicator.initial_target() {
                changed(
                    "target",
                    Invalid::TargetApproved {
                        approved: approved.target.to_string(),
                    },
                );
            }
            if let Some(comparison) = approved.comparison
                && Some(comparison) != indicator.kind_as(Some(comparison))
            {
                changed("comparison", Invalid::ApprovedStays { approved: None });
            }
            for field in approved
                .terms
                .as_ref()
                .map(|terms| terms.changed_in(indicator))
                .unwrap_or_default()
            {
                changed(field, Invalid::ApprovedStays { approved: None });
            }
        }
        errors
    }
}

/// The adjusted targets of `goals` without a real reason, each named at its reason: neither
/// written once targets are approved, nor approved.
pub fn unreasoned_adjustments(goals: &Goals) -> Vec<FieldError> {
    goals
        .indicators
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            i.adjusted_target.is_some() && !is_real_reason(i.adjustment_reason.as_deref())
        })
        .map(|(i, _)| {
            FieldError::new(
                format!("goals.indicators[{i}].adjustment_reason"),
                Invalid::ReasonTooShort {
                    min_chinese: REASON_MIN_WEIGHT / 2,
                    min_letters: REASON_MIN_WEIGHT,
                    min_distinct: REASON_MIN_DISTINCT,
                },
            )
        })
        .collect()
}

impl ApprovedTerms {
    /// The fields of `indicator` that differ from these: unit of measure (计量单位), weight
    /// (分值), scoring rule (评分规则) with its parameters, group (一级指标).
    fn changed_in(&self, indicator: &Indicator) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.unit != indicator.unit {
            changed.push("unit");
        }
        if self.weight != indicator.weight {
            changed.push("weight");
        }
        if self.scoring_rule != indicator.scoring_rule {
            changed.push("scoring_rule");
        }
        if self.level1 != indicator.level1 {
            changed.push("level1");
        }
        changed
    }
}

/// Rule 10: a changed target is an adjusted target with a real reason, the approved one kept;
/// it counts once a reviewer approves it.
pub(super) fn targets(
    report: &EvaluationReport,
    context: &CheckContext<'_>,
    findings: &mut Findings,
) {
    for (i, indicator) in report.goals.indicators.iter().enumerate() {
        let name = indicator.name.as_str();
        if let Some(adjusted) = &indicator.adjusted_target
            && !is_real_reason(indicator.adjustment_reason.as_deref())
        {
            findings.add(
                Rule::AdjustedTargetWithoutReason,
                format!("goals.indicators[{i}].adjustment_reason"),
                vec![
                    figure(
                        format!("goals.indicators[{i}].target"),
                        indicator.initial_target(),
                    ),
                    figure(
                        format!("goals.indicators[{i}].adjusted_target"),
                        adjusted.as_str(),
                    ),
                ],
                format!(
                    "指标“{name}”调整了指标值，请填写调整原因（至少{}个汉字）。",
                    REASON_MIN_WEIGHT / 2
                ),
                format!(
                    "Indicator “{name}” has an adjusted target without a reason for it (at least {REASON_MIN_WEIGHT} letters or digits, or {} Chinese characters).",
                    REASON_MIN_WEIGHT / 2
                ),
            );
        }
        let Some(approved) = context.approved else {
            continue;
        };
        let Some(target) = approved.target(indicator.id.as_str()) else {
            findings.add(
                Rule::IndicatorAddedAfterApproval,
                format!("goals.indicators[{i}]"),
                Vec::new(),
                format!("指标“{name}”是绩效目标审核通过后新增的，审核通过前不计分。"),
                format!("Indicator “{name}” was added after the targets were approved; it does not score until a reviewer approves it."),
            );
            continue;
        };
        if target.target != indicator.initial_target() {
            findings.add(
                Rule::TargetChangedAfterApproval,
                format!("goals.indicators[{i}].target"),
                vec![figure("approved target", target.target.clone()), figure(format!("goals.indicators[{i}].target"), indicator.initial_target())],
                format!("指标“{name}”的指标值与审核通过的{}不一致；变更应作为调整指标值填写并说明原因。", target.target),
                format!("Indicator “{name}” no longer has its approved target {}; record a change as adjusted_target with a reason.", target.target),
            );
        } else if target.counted_target() != indicator.target_text() {
            let counted = target.counted_target();
            let proposed = indicator.target_text();
            findings.add(
                Rule::AdjustedTargetAwaitsApproval,
                format!("goals.indicators[{i}].adjusted_target"),
                vec![
                    figure("approved target", counted),
                    figure(format!("goals.indicators[{i}].adjusted_target"), proposed),
                ],
                format!("指标“{name}”调整后的指标值{proposed}尚未审核通过，按审核通过的{counted}计分。"),
                format!("Indicator “{name}”: the adjusted target {proposed} awaits a reviewer's approval; it is scored against the approved {counted}."),
            );
        }
    }
}
