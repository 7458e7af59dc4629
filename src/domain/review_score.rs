//! 复核 — the bureau's review score of a self-evaluation, departmental or a project table
//! (项目支出绩效自评表, scored as its indicator part — `ProjectTable::indicator_report` — with
//! the funding's 得分 as its execution score): a reviewer re-scores it per indicator and for
//! budget execution, with a reason for every score that differs from the unit's own. The unit's self-scores stay in its report, never overwritten; the review score
//! is a document of its own beside them, and the difference is a figure.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cycle::Refusal;
use super::figures::Exact;
use super::names::named_enum;
use super::project::ProjectCode;
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

named_enum! {
    /// Where a review score stands: the reviewer's work in progress, or the bureau's score.
    pub enum ReviewState {
        /// 复核中 — the reviewer's draft: changed at will, read by the bureau only.
        Draft = "draft",
        /// 复核完成 — the bureau's score: what the unit, the differences and the notice read.
        Final = "final",
    }
}

/// Why a review score's state does not allow what was asked: a stable code and the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateConflict {
    pub code: &'static str,
    pub detail: String,
}

/// Why a review score is not changed as asked.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewRefusal {
    /// Not a review score of the report (422), or a stale `If-Match` (412).
    Refused(Refusal),
    /// Its state does not allow it (409).
    State(StateConflict),
}

impl From<Refusal> for ReviewRefusal {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

impl From<StateConflict> for ReviewRefusal {
    fn from(conflict: StateConflict) -> Self {
        Self::State(conflict)
    }
}

/// 复核 as stored: the review score of one unit's evaluation of a year, with its version, its
/// state and who scored it.
#[derive(Debug, Clone)]
pub struct ReviewScore {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    /// The project table it scores; `None` for the departmental self-evaluation.
    pub project_code: Option<ProjectCode>,
    /// Goes up by one with every change; 0 before the first version is stored.
    pub version: i64,
    pub reviewed_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub state: ReviewState,
    /// Who made it final, and when; kept while it is final.
    pub finalized_by: Option<String>,
    pub finalized_at: Option<NaiveDateTime>,
    /// Why it was last reopened, if it ever was.
    pub reopen_reason: Option<String>,
    pub input: ReviewScoreInput,
}

impl ReviewScore {
    /// None yet, before anything is stored.
    pub fn new(
        department_code: UnitCode,
        year: FiscalYear,
        project_code: Option<ProjectCode>,
        at: NaiveDateTime,
    ) -> Self {
        Self {
            department_code,
            year,
            project_code,
            version: 0,
            reviewed_by: String::new(),
            created_at: at,
            updated_at: at,
            state: ReviewState::Draft,
            finalized_by: None,
            finalized_at: None,
            reopen_reason: None,
            input: ReviewScoreInput::default(),
        }
    }

    /// Whether the bureau stands by it: the unit, the differences and the notice read it.
    pub fn is_final(&self) -> bool {
        self.state == ReviewState::Final
    }

    fn subject(&self) -> String {
        match &self.project_code {
            Some(project) => format!(
                "the review score of the {} evaluation of project {project} of department {}",
                self.year, self.department_code
            ),
            None => format!(
                "the review score of the {} evaluation of department {}",
                self.year, self.department_code
            ),
        }
    }

    /// Replaces the scores by `input`, which must be a review score of `report`; refused (and
    /// nothing changed) otherwise, and while it is final (409 `review_score_final`: it is
    /// reopened first).
    pub fn rescore(
        &mut self,
        input: ReviewScoreInput,
        report: &EvaluationReport,
        reviewer: &str,
    ) -> Result<(), ReviewRefusal> {
        if self.is_final() {
            return Err(StateConflict {
                code: "review_score_final",
                detail: format!(
                    "{} is final; it is reopened before it changes",
                    self.subject()
                ),
            }
            .into());
        }
        let errors = input.violations(report);
        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors).into());
        }
        self.input = input;
        reviewer.clone_into(&mut self.reviewed_by);
        Ok(())
    }

    /// 复核完成 — the draft becomes the bureau's score, finalised by `reviewer` at `at`.
    pub fn finalize(&mut self, reviewer: &str, at: NaiveDateTime) -> Result<(), StateConflict> {
        if self.is_final() {
            return Err(StateConflict {
                code: "review_score_final",
                detail: format!("{} is final already", self.subject()),
            });
        }
        self.state = ReviewState::Final;
        self.finalized_by = Some(reviewer.to_owned());
        self.finalized_at = Some(at);
        Ok(())
    }

    /// Whether `subject` (with `admin` saying whether it is an admin) may reopen it: an
    /// admin, or the reviewer who made it final — no other reviewer undoes a colleague's
    /// decision.
    pub fn may_reopen(&self, subject: &str, admin: bool) -> bool {
        admin || self.finalized_by.as_deref() == Some(subject)
    }

    /// A final score becomes a draft again, for `reason` (kept, and in the audit log).
    pub fn reopen(&mut self, reason: &Label) -> Result<(), StateConflict> {
        if !self.is_final() {
            return Err(StateConflict {
                code: "review_score_not_final",
                detail: format!(
                    "{} is a draft; only a final one is reopened",
                    self.subject()
                ),
            });
        }
        self.state = ReviewState::Draft;
        self.finalized_by = None;
        self.finalized_at = None;
        self.reopen_reason = Some(reason.as_str().to_owned());
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

    #[test]
    fn a_final_score_changes_only_once_reopened_by_an_admin_or_who_finalised_it() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap_or_default()
            .naive_utc();
        let code: UnitCode = "100".parse().unwrap_or_else(|e| panic!("{e}"));
        let year: FiscalYear = "2021".parse().unwrap_or_else(|e| panic!("{e}"));
        let mut score = ReviewScore::new(code, year, None, at);
        let rescored = input(json!({"indicators": [
            {"indicator_id": "1", "score": "45", "reason": "抽查发现重复计数"}
        ]}));
        assert_eq!(
            score.rescore(rescored.clone(), &report(), "reviewer1"),
            Ok(())
        );
        assert_eq!(score.finalize("reviewer1", at), Ok(()));
        let refused = |r: Result<(), ReviewRefusal>| match r {
            Err(ReviewRefusal::State(conflict)) => conflict.code,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            refused(score.rescore(rescored, &report(), "reviewer1")),
            "review_score_final"
        );
        assert_eq!(
            score.finalize("reviewer1", at).map_err(|c| c.code),
            Err("review_score_final")
        );
        assert!(score.may_reopen("reviewer1", false));
        assert!(score.may_reopen("admin", true));
        assert!(!score.may_reopen("reviewer2", false));
        let reason: Label = "单位补充了办文登记簿"
            .to_owned()
            .try_into()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(score.reopen(&reason), Ok(()));
        assert_eq!(
            (
                score.state,
                score.finalized_by.as_deref(),
                score.reopen_reason.as_deref()
            ),
            (ReviewState::Draft, None, Some("单位补充了办文登记簿"))
        );
        assert_eq!(
            score.reopen(&reason).map_err(|c| c.code),
            Err("review_score_not_final")
        );
    }
}
