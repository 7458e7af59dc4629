//! The review cycle of one self-evaluation as an aggregate: where it stands, which version it
//! is, the targets a reviewer approved, and the rules that decide every change of it — which
//! edits are allowed, which actions move it on, and what a submission needs. The rules decide;
//! the application layer loads and saves.

use chrono::{DateTime, NaiveDateTime};

use super::FieldError;
use super::checks::{ApprovedGoals, Finding, Severity, unreasoned_adjustments};
use super::names::named_enum;
use super::report::EvaluationReport;
use super::values::{FiscalYear, UnitCode};

named_enum! {
    /// 状态 — where a self-evaluation stands.
    pub enum EvaluationStatus {
        /// 草稿 — the unit is still writing it.
        Draft = "draft",
        /// 已提交 — handed in, waiting for review.
        Submitted = "submitted",
        /// 已退回 — returned to the unit with comments.
        Returned = "returned",
        /// 已审核 — accepted by the bureau.
        Accepted = "accepted",
        /// 已公开 — published.
        Published = "published",
    }
}

impl EvaluationStatus {
    /// Units change a report only while it is with them: a draft, or returned to them.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }
}

named_enum! {
    /// 审核动作 — what moves an evaluation from one state to the next.
    pub enum Action {
        /// 提交 — the unit hands it in (from draft or returned).
        Submit = "submit",
        /// 退回 — a reviewer sends it back with a comment (from submitted).
        Return = "return",
        /// 审核通过 — a reviewer accepts it (from submitted).
        Accept = "accept",
        /// 公开 — a reviewer or admin publishes it (from accepted).
        Publish = "publish",
    }
}

impl EvaluationStatus {
    /// The state `action` leads to from this one, if it is allowed here.
    pub fn after(self, action: Action) -> Option<Self> {
        match (self, action) {
            (Self::Draft | Self::Returned, Action::Submit) => Some(Self::Submitted),
            (Self::Submitted, Action::Return) => Some(Self::Returned),
            (Self::Submitted, Action::Accept) => Some(Self::Accepted),
            (Self::Accepted, Action::Publish) => Some(Self::Published),
            _ => None,
        }
    }

    /// The actions allowed in this state.
    pub fn allowed_actions(self) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|action| self.after(*action).is_some())
            .collect()
    }
}

/// What the client asked to be true of the stored version before a change (`If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: change whatever is stored.
    None,
    /// `If-Match: *`: the evaluation must exist.
    Exists,
    /// `If-Match: "N"`: the stored version must be N.
    Version(i64),
}

impl Precondition {
    /// Whether it holds for the stored version (`None`: nothing is stored).
    pub fn holds_for(self, current: Option<i64>) -> bool {
        match self {
            Self::None => true,
            Self::Exists => current.is_some(),
            Self::Version(expected) => current == Some(expected),
        }
    }
}

/// Why the review cycle refuses a change.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// `If-Match` names a version that is not the stored one.
    Stale { current: Option<i64> },
    /// Only drafts and returned evaluations are edited.
    NotEditable {
        department_code: UnitCode,
        year: FiscalYear,
        status: EvaluationStatus,
    },
    /// The edit would leave the report not a report, or change an approved target.
    Invalid(Vec<FieldError>),
    /// The action is not allowed in the current state.
    IllegalTransition {
        status: EvaluationStatus,
        action: Action,
        allowed: Vec<Action>,
    },
    /// The checks found errors, which keep the evaluation from being submitted.
    Blocked(Vec<Finding>),
    /// There are no indicators whose targets could be approved.
    NoTargets {
        department_code: UnitCode,
        year: FiscalYear,
    },
}

/// What a change did to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    /// The document came out the same as it was: nothing is written, the version stays.
    Unchanged,
}

/// Where an evaluation stands and which version it is, without its document.
#[derive(Debug, Clone)]
pub struct EvaluationSummary {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    pub status: EvaluationStatus,
    /// Goes up by one with every change of the document or the status; 0 before the first
    /// version is stored.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// 部门整体支出绩效自评 in the review cycle: one department's report of one year with its
/// state, its version and the targets approved.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub summary: EvaluationSummary,
    pub report: EvaluationReport,
    /// 绩效目标审核 — the targets a reviewer approved, once approved.
    pub approved_goals: Option<ApprovedGoals>,
}

impl Evaluation {
    /// An empty draft, before anything is stored.
    pub fn new_draft(department_code: UnitCode, year: FiscalYear, at: NaiveDateTime) -> Self {
        Self {
            summary: EvaluationSummary {
                department_code,
                year,
                status: EvaluationStatus::Draft,
                version: 0,
                created_at: at,
                updated_at: at,
            },
            report: EvaluationReport::default(),
            approved_goals: None,
        }
    }

    /// Whether a version of it is stored.
    pub fn is_stored(&self) -> bool {
        self.summary.version > 0
    }

    /// Makes it the next version, changed at `at`: the first version is created then.
    pub fn advance(&mut self, at: NaiveDateTime) {
        if !self.is_stored() {
            self.summary.created_at = at;
        }
        self.summary.version += 1;
        self.summary.updated_at = at;
    }

    /// Checks `If-Match` against this evaluation (or, for `None`, against nothing stored).
    pub fn check(precondition: Precondition, stored: Option<&Self>) -> Result<(), Refusal> {
        let current = stored.map(|e| e.summary.version);
        if precondition.holds_for(current) {
            Ok(())
        } else {
            Err(Refusal::Stale { current })
        }
    }

    /// Whether its report takes an edit now: refused unless it is a draft or returned (or
    /// not stored yet).
    pub fn check_editable(&self) -> Result<(), Refusal> {
        let status = self.summary.status;
        if self.is_stored() && !status.is_editable() {
            return Err(Refusal::NotEditable {
                department_code: self.summary.department_code.clone(),
                year: self.summary.year,
                status,
            });
        }
        Ok(())
    }

    /// Applies `edit` to the report: refused unless it is a draft or returned; the result must
    /// still be a report and keep the approved targets. `edit`'s own refusal is passed back as
    /// the inner error, and then nothing is changed.
    pub fn edit<T, E>(
        &mut self,
        edit: impl FnOnce(&mut EvaluationReport) -> Result<T, E>,
    ) -> Result<Result<T, E>, Refusal> {
        self.check_editable()?;
        let mut report = self.report.clone();
        let outcome = match edit(&mut report) {
            Ok(outcome) => outcome,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let mut errors = report.structural_errors();
        if let Some(approved) = &self.approved_goals {
            errors.extend(approved.violations(&report.goals));
        }
        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors));
        }
        self.report = report;
        Ok(Ok(outcome))
    }

    /// Moves it on by `action`. A submission is refused while `findings` hold errors.
    pub fn act(&mut self, action: Action, findings: &[Finding]) -> Result<(), Refusal> {
        let status = self.summary.status;
        let next = status
            .after(action)
            .ok_or_else(|| Refusal::IllegalTransition {
                status,
                action,
                allowed: status.allowed_actions(),
            })?;
        if action == Action::Submit {
            let errors: Vec<Finding> = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .cloned()
                .collect();
            if !errors.is_empty() {
                return Err(Refusal::Blocked(errors));
            }
        }
        self.summary.status = next;
        Ok(())
    }

    /// Approves its indicators as they are now — each one's target, adjusted target,
    /// comparison, unit of measure, weight, scoring rule and group, and the framework — as of
    /// the version this change makes. From then on those stay: a changed target is proposed as
    /// an adjusted target with a real reason, and counts once approved again. An adjusted
    /// target without a real reason is not approved (nothing is).
    pub fn approve_goals(
        &mut self,
        approved_by: &str,
        at: DateTime<chrono::Utc>,
    ) -> Result<(), Refusal> {
        if self.report.goals.indicators.is_empty() {
            return Err(Refusal::NoTargets {
                department_code: self.summary.department_code.clone(),
                year: self.summary.year,
            });
        }
        let unreasoned = unreasoned_adjustments(&self.report.goals);
        if !unreasoned.is_empty() {
            return Err(Refusal::Invalid(unreasoned));
        }
        self.approved_goals = Some(ApprovedGoals::of(
            &self.report.goals,
            approved_by,
            at,
            self.summary.version + 1,
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cycle_goes_draft_submitted_accepted_published_with_returns_between() {
        use EvaluationStatus::*;
        assert_eq!(Draft.after(Action::Submit), Some(Submitted));
        assert_eq!(Submitted.after(Action::Return), Some(Returned));
        assert_eq!(Returned.after(Action::Submit), Some(Submitted));
        assert_eq!(Submitted.after(Action::Accept), Some(Accepted));
        assert_eq!(Accepted.after(Action::Publish), Some(Published));
        assert_eq!(Draft.after(Action::Publish), None);
        assert_eq!(Published.allowed_actions(), []);
        assert_eq!(
            Submitted.allowed_actions(),
            [Action::Return, Action::Accept]
        );
    }

    #[test]
    fn only_drafts_and_returned_evaluations_are_edited() {
        let editable: Vec<_> = EvaluationStatus::ALL
            .into_iter()
            .filter(|s| s.is_editable())
            .collect();
        assert_eq!(
            editable,
            [EvaluationStatus::Draft, EvaluationStatus::Returned]
        );
    }

    fn stored_draft() -> Evaluation {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default();
        let code: UnitCode = "100".parse().unwrap_or_else(|_| panic!("a unit code"));
        let year = FiscalYear::try_from(2025).unwrap_or_else(|_| panic!("a year"));
        let mut evaluation = Evaluation::new_draft(code, year, at);
        evaluation.advance(at);
        evaluation
    }

    #[test]
    fn a_submitted_evaluation_is_not_edited_and_stays_as_it_was() {
        let mut evaluation = stored_draft();
        evaluation
            .act(Action::Submit, &[])
            .unwrap_or_else(|e| panic!("{e:?}"));
        let before = evaluation.report.clone();
        let refused = evaluation.edit(|report| {
            report.results.stated_grade = Some(crate::domain::report::Grade::Good);
            Ok::<(), ()>(())
        });
        assert!(matches!(
            refused,
            Err(Refusal::NotEditable {
                status: EvaluationStatus::Submitted,
                ..
            })
        ));
        assert_eq!(evaluation.report, before);
    }

    #[test]
    fn an_edit_that_leaves_no_report_is_refused_and_changes_nothing() {
        let mut evaluation = stored_draft();
        let dangling: EvaluationReport = serde_json::from_value(serde_json::json!({
            "results": {"indicators": [{"indicator_id": "nowhere", "actual": "1"}]}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let refused = evaluation.edit(|report| {
            *report = dangling.clone();
            Ok::<(), ()>(())
        });
        assert!(matches!(refused, Err(Refusal::Invalid(errors)) if !errors.is_empty()));
        assert_eq!(evaluation.report, EvaluationReport::default());
    }

    #[test]
    fn errors_among_the_findings_block_submission_and_warnings_do_not() {
        let mut evaluation = stored_draft();
        // Project lines that add up to more than the projects' total: an error.
        evaluation.report = serde_json::from_value(serde_json::json!({"budget": {"projects": {
            "amounts": {"initial": "1081"},
            "lines": [{"name": "业务", "amounts": {"initial": "185"}}, {"name": "专项", "amounts": {"initial": "1309.77"}}]
        }}}))
        .unwrap_or_else(|e| panic!("{e}"));
        let findings = evaluation.findings(&super::super::settings::YearSettings::default(), None);
        let errors: Vec<_> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .cloned()
            .collect();
        assert!(!errors.is_empty(), "the lines exceed their total");
        assert_eq!(
            evaluation.clone().act(Action::Submit, &findings),
            Err(Refusal::Blocked(errors))
        );
        let warnings: Vec<_> = findings
            .into_iter()
            .filter(|f| f.severity != Severity::Error)
            .collect();
        assert_eq!(evaluation.act(Action::Submit, &warnings), Ok(()));
        assert_eq!(evaluation.summary.status, EvaluationStatus::Submitted);
    }

    #[test]
    fn an_action_not_allowed_now_names_the_allowed_ones() {
        let mut evaluation = stored_draft();
        assert_eq!(
            evaluation.act(Action::Publish, &[]),
            Err(Refusal::IllegalTransition {
                status: EvaluationStatus::Draft,
                action: Action::Publish,
                allowed: vec![Action::Submit],
            })
        );
    }

    #[test]
    fn a_stale_if_match_is_refused_with_the_stored_version() {
        let evaluation = stored_draft();
        assert_eq!(
            Evaluation::check(Precondition::Version(7), Some(&evaluation)),
            Err(Refusal::Stale { current: Some(1) })
        );
        assert_eq!(
            Evaluation::check(Precondition::Exists, None),
            Err(Refusal::Stale { current: None })
        );
        assert_eq!(
            Evaluation::check(Precondition::Version(1), Some(&evaluation)),
            Ok(())
        );
    }

    #[test]
    fn targets_are_approved_only_where_there_are_indicators() {
        let mut evaluation = stored_draft();
        assert!(matches!(
            evaluation.approve_goals("reviewer1", chrono::Utc::now()),
            Err(Refusal::NoTargets { .. })
        ));
        assert!(evaluation.approved_goals.is_none());
    }

    #[test]
    fn an_adjusted_target_is_approved_only_with_a_real_reason() {
        let mut evaluation = stored_draft();
        let goals = |reason: &str| {
            serde_json::from_value(
                serde_json::json!({"indicators": [{"id": "o", "level1": "output",
                "name": "办文", "comparison": "at_least", "target": "100", "adjusted_target": "80",
                "adjustment_reason": reason, "weight": "90"}]}),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        evaluation.report.goals = goals("调整");
        let refused = evaluation.approve_goals("reviewer1", chrono::Utc::now());
        assert!(
            matches!(&refused, Err(Refusal::Invalid(errors))
                if errors.iter().map(|e| e.path.as_str()).eq(["goals.indicators[0].adjustment_reason"])),
            "{refused:?}"
        );
        assert!(evaluation.approved_goals.is_none());
        evaluation.report.goals = goals("区级机构改革，职能划转至街道");
        assert_eq!(
            evaluation.approve_goals("reviewer1", chrono::Utc::now()),
            Ok(())
        );
        let approved = evaluation
            .approved_goals
            .as_ref()
            .map(|a| a.targets[0].counted_target());
        assert_eq!(approved, Some("80"));
    }
}
