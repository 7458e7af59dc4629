//! 复核 — the bureau's review score of a departmental self-evaluation: a reviewer re-scores it
//! per indicator and for budget execution, with a reason for every score that differs from the
//! unit's own. The unit's self-scores stay in its report, never overwritten; the review score
//! is a document of its own beside them, and the difference is a figure.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cycle::Refusal;
use super::figures::Exact;
use super::report::EvaluationReport;
use super::values::{FiscalYear, Label, Points, UnitCode};
use super::{FieldError, Invalid};

/// The most indicators a review score may name.
pub const MAX_RESCORED: usize = 200;

/// A reviewer's score of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescoredIndicator {
    /// The `id` of an indicator of the report.
    pub indicator_id: Label,
    /// 复核得分 — the bureau's score, at most the indicator's weight.
    pub score: Points,
    /// Why it differs from the unit's self-score; needed wherever it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Label>,
}

/// 复核评分 — what a reviewer states. An indicator left out keeps the unit's self-score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewScoreInput {
    /// 预算执行率得分 as re-scored; left out, the unit's stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<Points>,
    /// Why the execution score differs from the unit's; needed wherever it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_reason: Option<Label>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub indicators: Vec<RescoredIndicator>,
    /// 复核意见 — the reviewer's comment on the whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Label>,
}

/// One line of the comparison: the unit's score, the bureau's, and the difference.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScoreLine {
    /// The indicator's id; absent for budget execution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator_id: Option<String>,
    /// 三级指标, or `预算执行` for budget execution.
    pub name: String,
    pub weight: Option<Exact>,
    /// 自评得分 — the unit's, as its report states it.
    pub self_score: Option<Exact>,
    /// 复核得分 — the bureau's (the unit's where the reviewer left it as it was).
    pub review_score: Option<Exact>,
    /// Bureau minus unit, in points.
    pub difference: Option<Exact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The unit's self-score and the bureau's side by side.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScoreComparison {
    pub lines: Vec<ScoreLine>,
    /// The unit's total: its execution score and indicator self-scores added (absent where one
    /// is missing).
    pub self_total: Option<Exact>,
    pub review_total: Option<Exact>,
    /// Bureau minus unit, in points: negative where the unit scored itself higher.
    pub difference: Option<Exact>,
}

impl ReviewScoreInput {
    /// What makes it not a review score of `report`: an indicator that is not the report's or
    /// named twice, a score above the weight, a changed score without its reason.
    pub fn violations(&self, report: &EvaluationReport) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.indicators.len() > MAX_RESCORED {
            errors.push(FieldError::new(
                "indicators",
                Invalid::Count {
                    min: 0,
                    max: MAX_RESCORED,
                },
            ));
        }
        if self.execution.is_some()
            && self.execution != report.results.stated_execution_score
            && self.execution_reason.is_none()
        {
            errors.push(FieldError::new("execution_reason", Invalid::Required));
        }
        let mut seen = HashSet::new();
        for (i, rescored) in self.indicators.iter().enumerate() {
            let id = rescored.indicator_id.as_str();
            let Some(indicator) = report.goals.indicators.iter().find(|x| x.id.as_str() == id)
            else {
                errors.push(FieldError::new(
                    format!("indicators[{i}].indicator_id"),
                    Invalid::UnknownReference {
                        value: id.to_string(),
                    },
                ));
                continue;
            };
            if !seen.insert(id) {
                errors.push(FieldError::new(
                    format!("indicators[{i}].indicator_id"),
                    Invalid::Duplicate {
                        value: id.to_string(),
                    },
                ));
            }
            if let Some(weight) = indicator.weight
                && rescored.score.value() > weight.value()
            {
                errors.push(FieldError::new(
                    format!("indicators[{i}].score"),
                    Invalid::AboveWeight {
                        weight: weight.value().normalize().to_string(),
                    },
                ));
            }
            if Some(rescored.score) != self_score(report, id) && rescored.reason.is_none() {
                errors.push(FieldError::new(
                    format!("indicators[{i}].reason"),
                    Invalid::Required,
                ));
            }
        }
        errors
    }

    /// The unit's scores and these side by side, line by line and in total.
    pub fn compare(&self, report: &EvaluationReport) -> ScoreComparison {
        let exact = |p: Option<Points>| p.map(|p| Exact(p.value()));
        let difference = |review: Option<Points>, own: Option<Points>| {
            review.zip(own).map(|(r, o)| Exact(r.value() - o.value()))
        };
        let own_execution = report.results.stated_execution_score;
        let review_execution = self.execution.or(own_execution);
        let mut lines = vec![ScoreLine {
            indicator_id: None,
            name: "预算执行".to_owned(),
            weight: None,
            self_score: exact(own_execution),
            review_score: exact(review_execution),
            difference: difference(review_execution, own_execution),
            reason: self
                .execution_reason
                .as_ref()
                .map(|r| r.as_str().to_owned()),
        }];
        for indicator in &report.goals.indicators {
            let id = indicator.id.as_str();
            let own = self_score(report, id);
            let rescored = self
                .indicators
                .iter()
                .find(|r| r.indicator_id.as_str() == id);
            let review = rescored.map(|r| r.score).or(own);
            lines.push(ScoreLine {
                indicator_id: Some(id.to_owned()),
                name: indicator.name.as_str().to_owned(),
                weight: exact(indicator.weight),
                self_score: exact(own),
                review_score: exact(review),
                difference: difference(review, own),
                reason: rescored
                    .and_then(|r| r.reason.as_ref())
                    .map(|r| r.as_str().to_owned()),
            });
        }
        let total = |pick: fn(&ScoreLine) -> Option<Exact>| {
            lines
                .iter()
                .map(pick)
                .try_fold(Decimal::ZERO, |sum, s| s.map(|s| sum + s.0))
                .map(Exact)
        };
        let self_total = total(|l| l.self_score);
        let review_total = total(|l| l.review_score);
        ScoreComparison {
            difference: review_total.zip(self_total).map(|(r, o)| Exact(r.0 - o.0)),
            self_total,
            review_total,
            lines,
        }
    }
}

/// A unit whose self-score exceeds the bureau's review score by more than the year allows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReviewDifference {
    pub department_code: UnitCode,
    /// The unit's total as its report states it.
    pub self_total: Exact,
    /// The bureau's total.
    pub review_total: Exact,
    /// Unit minus bureau, in points: how far the unit scored itself above the review.
    pub excess: Exact,
}

impl ReviewScore {
    /// This review against `report` (the unit's self-evaluation it scores), where the unit's
    /// total exceeds the bureau's by more than `threshold` points.
    pub fn excess_over(
        &self,
        report: &EvaluationReport,
        threshold: Decimal,
    ) -> Option<ReviewDifference> {
        let compared = self.input.compare(report);
        let (own, review) = compared.self_total.zip(compared.review_total)?;
        let excess = own.0 - review.0;
        (excess > threshold).then(|| ReviewDifference {
            department_code: self.department_code.clone(),
            self_total: own,
            review_total: review,
            excess: Exact(excess),
        })
    }
}

/// The unit's own score of the indicator `id`, as its report states it.
fn self_score(report: &EvaluationReport, id: &str) -> Option<Points> {
    report
        .results
        .indicators
        .iter()
        .find(|r| r.indicator_id.as_str() == id)
        .and_then(|r| r.self_score)
}

/// 复核 as stored: the review score of one unit's evaluation of a year, with its version and
/// who scored it.
#[derive(Debug, Clone)]
pub struct ReviewScore {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    /// Goes up by one with every change; 0 before the first version is stored.
    pub version: i64,
    pub reviewed_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub input: ReviewScoreInput,
}

impl ReviewScore {
    /// None yet, before anything is stored.
    pub fn new(department_code: UnitCode, year: FiscalYear, at: NaiveDateTime) -> Self {
        Self {
            department_code,
            year,
            version: 0,
            reviewed_by: String::new(),
            created_at: at,
            updated_at: at,
            input: ReviewScoreInput::default(),
        }
    }

    /// Replaces the scores by `input`, which must be a review score of `report`; refused (and
    /// nothing changed) otherwise.
    pub fn rescore(
        &mut self,
        input: ReviewScoreInput,
        report: &EvaluationReport,
        reviewer: &str,
    ) -> Result<(), Refusal> {
        let errors = input.violations(report);
        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors));
        }
        self.input = input;
        reviewer.clone_into(&mut self.reviewed_by);
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn report() -> EvaluationReport {
        serde_json::from_value(json!({
            "goals": {"indicators": [
                {"id": "1", "level1": "output", "name": "办理文件", "target": "≥2200篇", "weight": "50"},
                {"id": "2", "level1": "effect", "name": "政务公开", "comparison": "qualitative", "target": "好", "weight": "30"}
            ]},
            "results": {
                "indicators": [
                    {"indicator_id": "1", "actual": "2000篇", "self_score": "50"},
                    {"indicator_id": "2", "actual": "好", "achievement": "achieved", "self_score": "30"}
                ],
                "stated_execution_score": "9"
            }
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn input(value: serde_json::Value) -> ReviewScoreInput {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_bureaus_score_stands_beside_the_units_with_the_difference() {
        let rescored = input(json!({"indicators": [
            {"indicator_id": "1", "score": "45.45", "reason": "实际2000篇，完成率90.91%，按比例计分"}
        ]}));
        assert_eq!(rescored.violations(&report()), []);
        let comparison = rescored.compare(&report());
        let line = &comparison.lines[1];
        assert_eq!(line.self_score, Some(Exact(Decimal::from(50))));
        assert_eq!(line.review_score, Some(Exact(Decimal::new(4545, 2))));
        assert_eq!(line.difference, Some(Exact(Decimal::new(-455, 2))));
        assert_eq!(comparison.lines[2].difference, Some(Exact(Decimal::ZERO)));
        assert_eq!(comparison.self_total, Some(Exact(Decimal::from(89))));
        assert_eq!(comparison.review_total, Some(Exact(Decimal::new(8445, 2))));
        assert_eq!(comparison.difference, Some(Exact(Decimal::new(-455, 2))));
    }

    #[test]
    fn a_changed_score_needs_its_reason_and_stays_within_the_weight() {
        let bare = input(json!({"execution": "8", "indicators": [
            {"indicator_id": "1", "score": "40"},
            {"indicator_id": "2", "score": "31", "reason": "超过分值"},
            {"indicator_id": "9", "score": "1", "reason": "无此指标"}
        ]}));
        let paths: Vec<String> = bare
            .violations(&report())
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "execution_reason",
                "indicators[0].reason",
                "indicators[1].score",
                "indicators[2].indicator_id"
            ]
        );
        let same =
            input(json!({"execution": "9", "indicators": [{"indicator_id": "1", "score": "50"}]}));
        assert_eq!(same.violations(&report()), []);
    }
}
