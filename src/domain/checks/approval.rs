//! 绩效目标审核 — the targets a reviewer approved, what a write may no longer do to them, and
//! rule 10: a changed target is an adjusted target with a reason.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CheckContext, Findings, Rule, figure};
use crate::domain::FieldError;
use crate::domain::report::{Comparison, EvaluationReport, Goals};

/// The target of one indicator as the bureau approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedTarget {
    pub indicator_id: String,
    pub target: String,
    /// How the actual is compared with the target (absent in approvals recorded before the
    /// comparison was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

/// 绩效目标审核 — the targets a reviewer approved, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedGoals {
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
    /// The version of the evaluation whose targets were approved.
    pub version: i64,
    pub targets: Vec<ApprovedTarget>,
}

impl ApprovedGoals {
    /// The targets of `goals` as they are now, approved by `approved_by`.
    pub fn of(goals: &Goals, approved_by: &str, approved_at: DateTime<Utc>, version: i64) -> Self {
        Self {
            approved_by: approved_by.to_owned(),
            approved_at,
            version,
            targets: goals
                .indicators
                .iter()
                .map(|i| ApprovedTarget {
                    indicator_id: i.id.as_str().to_owned(),
                    target: i.initial_target().to_owned(),
                    comparison: i.kind(),
                })
                .collect(),
        }
    }

    /// Whether the indicator with this id was among those approved.
    pub fn covers(&self, indicator_id: &str) -> bool {
        self.targets.iter().any(|t| t.indicator_id == indicator_id)
    }

    /// What a write may not do once targets are approved: drop an approved indicator (or
    /// give it another id, which drops it), change its target or its comparison in place, or
    /// adjust a target without a reason.
    pub fn violations(&self, goals: &Goals) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for approved in &self.targets {
            if !goals
                .indicators
                .iter()
                .any(|i| i.id.as_str() == approved.indicator_id)
            {
                errors.push(FieldError::new(
                    "goals.indicators",
                    format!(
                        "indicator `{}` was approved with the target `{}` and stays; record a change as adjusted_target with an adjustment_reason",
                        approved.indicator_id, approved.target
                    ),
                ));
            }
        }
        for (i, indicator) in goals.indicators.iter().enumerate() {
            let Some(approved) = self
                .targets
                .iter()
                .find(|t| t.indicator_id == indicator.id.as_str())
            else {
                continue;
            };
            if approved.target != indicator.initial_target() {
                errors.push(FieldError::new(
                    format!("goals.indicators[{i}].target"),
                    format!(
                        "the approved target is `{}` and stays; record the change as adjusted_target with an adjustment_reason",
                        approved.target
                    ),
                ));
            }
            if let Some(comparison) = approved.comparison
                && Some(comparison) != indicator.kind()
            {
                errors.push(FieldError::new(
                    format!("goals.indicators[{i}].comparison"),
                    "the approved comparison of the actual with the target stays",
                ));
            }
            if indicator.adjusted_target.is_some()
                && indicator
                    .adjustment_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                errors.push(FieldError::new(
                    format!("goals.indicators[{i}].adjustment_reason"),
                    "an approved target that is adjusted needs the reason (调整原因)",
                ));
            }
        }
        errors
    }
}

/// Rule 10: a changed target is an adjusted target with a reason, the approved one kept.
pub(super) fn targets(
    report: &EvaluationReport,
    context: &CheckContext<'_>,
    findings: &mut Findings,
) {
    for (i, indicator) in report.goals.indicators.iter().enumerate() {
        let name = indicator.name.as_str();
        if let Some(adjusted) = &indicator.adjusted_target
            && indicator
                .adjustment_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
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
                format!("指标“{name}”调整了指标值，请填写调整原因。"),
                format!("Indicator “{name}” has an adjusted target but no reason for it."),
            );
        }
        let Some(approved) = context.approved else {
            continue;
        };
        match approved.targets.iter().find(|t| t.indicator_id == indicator.id.as_str()) {
            Some(target) if target.target != indicator.initial_target() => findings.add(
                Rule::TargetChangedAfterApproval,
                format!("goals.indicators[{i}].target"),
                vec![figure("approved target", target.target.clone()), figure(format!("goals.indicators[{i}].target"), indicator.initial_target())],
                format!("指标“{name}”的指标值与审核通过的{}不一致；变更应作为调整指标值填写并说明原因。", target.target),
                format!("Indicator “{name}” no longer has its approved target {}; record a change as adjusted_target with a reason.", target.target),
            ),
            Some(_) => {}
            None => findings.add(
                Rule::IndicatorAddedAfterApproval,
                format!("goals.indicators[{i}]"),
                Vec::new(),
                format!("指标“{name}”是绩效目标审核通过后新增的，审核通过前不计分。"),
                format!("Indicator “{name}” was added after the targets were approved; it does not score until a reviewer approves it."),
            ),
        }
    }
}
