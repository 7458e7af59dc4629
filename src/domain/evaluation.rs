//! The review cycle of one self-evaluation as an aggregate: where it stands, which version it
//! is, the targets a reviewer approved, and the rules that decide every change of it — which
//! edits are allowed, which actions move it on, and what a submission needs. The rules decide;
//! the application layer loads and saves.

use chrono::{DateTime, NaiveDateTime};

use super::checks::{ApprovedGoals, Finding, unreasoned_adjustments};
use super::library::Library;
use super::report::EvaluationReport;
use super::values::{FiscalYear, UnitCode};

pub use super::cycle::{Action, Change, EvaluationStatus, Precondition, Refusal, Stage};

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

    /// Where it stands in the review cycle.
    fn stage(&self) -> Stage {
        let summary = &self.summary;
        Stage {
            status: summary.status,
            version: summary.version,
            created_at: summary.created_at,
            updated_at: summary.updated_at,
        }
    }

    fn set_stage(&mut self, stage: Stage) {
        let summary = &mut self.summary;
        summary.status = stage.status;
        summary.version = stage.version;
        summary.created_at = stage.created_at;
        summary.updated_at = stage.updated_at;
    }

    /// The words that name it in a refusal.
    fn subject(&self) -> String {
        format!(
            "the {} evaluation of department {}",
            self.summary.year, self.summary.department_code
        )
    }

    /// Whether a version of it is stored.
    pub fn is_stored(&self) -> bool {
        self.stage().is_stored()
    }

    /// Makes it the next version, changed at `at`: the first version is created then.
    pub fn advance(&mut self, at: NaiveDateTime) {
        let mut stage = self.stage();
        stage.advance(at);
        self.set_stage(stage);
    }

    /// Checks `If-Match` against this evaluation (or, for `None`, against nothing stored).
    pub fn check(precondition: Precondition, stored: Option<&Self>) -> Result<(), Refusal> {
        Stage::check(precondition, stored.map(Self::stage).as_ref())
    }

    /// Whether its report takes an edit now: refused unless it is a draft or returned (or
    /// not stored yet).
    pub fn check_editable(&self) -> Result<(), Refusal> {
        self.stage().check_editable(|| self.subject())
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
        let mut stage = self.stage();
        stage.act(action, findings)?;
        self.set_stage(stage);
        Ok(())
    }

    /// Approves its indicators as they are now — each one's target, adjusted target,
    /// comparison, unit of measure, weight, scoring rule and group, and the framework — as of
    /// the version this change makes. From then on those stay: a changed target is proposed as
    /// an adjusted target with a real reason, and counts once approved again. An adjusted
    /// target without a real reason is not approved (nothing is). A target written without a
    /// sign is approved as the year's `library` reads it.
    pub fn approve_goals(
        &mut self,
        approved_by: &str,
        at: DateTime<chrono::Utc>,
        library: &Library,
    ) -> Result<(), Refusal> {
        if self.report.goals.indicators.is_empty() {
            return Err(Refusal::NoTargets {
                subject: self.subject(),
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
            library,
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::checks::Severity;

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
        let findings = evaluation.findings(
            &super::super::settings::YearSettings::default(),
            Library::common(),
            &super::super::result_application::rules::ResultRules::default(),
            None,
        );
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
            evaluation.approve_goals(
                "reviewer1",
                chrono::Utc::now(),
                crate::domain::library::Library::common()
            ),
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
        let refused = evaluation.approve_goals(
            "reviewer1",
            chrono::Utc::now(),
            crate::domain::library::Library::common(),
        );
        assert!(
            matches!(&refused, Err(Refusal::Invalid(errors))
                if errors.iter().map(|e| e.path.as_str()).eq(["goals.indicators[0].adjustment_reason"])),
            "{refused:?}"
        );
        assert!(evaluation.approved_goals.is_none());
        evaluation.report.goals = goals("区级机构改革，职能划转至街道");
        assert_eq!(
            evaluation.approve_goals(
                "reviewer1",
                chrono::Utc::now(),
                crate::domain::library::Library::common()
            ),
            Ok(())
        );
        let approved = evaluation
            .approved_goals
            .as_ref()
            .map(|a| a.targets[0].counted_target());
        assert_eq!(approved, Some("80"));
    }
}
