//! 投影 — what the comparison tables read of one evaluation: its derived figures, score and
//! counts, and one row per indicator, as the rules compute them. Computed here whenever the
//! evaluation, the year's settings or the year before change; storage keeps them as rows.

use rust_decimal::Decimal;

use super::checks::{CheckContext, Finding, Severity};
use super::evaluation::Evaluation;
use super::figures::{DerivedFigures, Percent};
use super::library::Library;
use super::report::{EvaluationReport, Grade};
use super::result_application::rules::ResultRules;
use super::scoring::Scorecard;
use super::settings::YearSettings;

impl Evaluation {
    /// The findings of the checks, by the year's settings, library and result rules, against
    /// the same department's report of the year before where there is one.
    pub fn findings(
        &self,
        settings: &YearSettings,
        library: &Library,
        rules: &ResultRules,
        previous: Option<&EvaluationReport>,
    ) -> Vec<Finding> {
        self.report.findings(&CheckContext {
            settings,
            approved: self.approved_goals.as_ref(),
            previous,
            library,
            rules,
        })
    }

    /// The score by the year's settings and library and the approved targets, graded by the
    /// year's result rules.
    pub fn scorecard(
        &self,
        settings: &YearSettings,
        library: &Library,
        rules: &ResultRules,
    ) -> Scorecard {
        self.report.scorecard(
            &settings.weights,
            self.approved_goals.as_ref(),
            library,
            rules,
        )
    }
}

/// One evaluation's row of the comparison tables.
#[derive(Debug, Clone)]
pub struct Projection {
    pub figures: DerivedFigures,
    /// 编制数
    pub authorized_staff: Option<u32>,
    /// 在职人数
    pub staff_on_payroll: Option<u32>,
    pub score: Option<Decimal>,
    pub grade: Option<Grade>,
    pub indicators_met: usize,
    pub findings_errors: usize,
    pub findings_warnings: usize,
    pub problems: usize,
    pub indicators: Vec<IndicatorProjection>,
}

/// One indicator's row.
#[derive(Debug, Clone)]
pub struct IndicatorProjection {
    pub indicator_id: String,
    pub name: String,
    pub unit: String,
    /// 一级指标, by its name in the API.
    pub level1: String,
    pub met: Option<bool>,
    pub attainment: Option<Percent>,
    pub score: Option<Decimal>,
}

impl Projection {
    /// The projection of `evaluation` by the year's settings, library and result rules, with
    /// the year before.
    pub fn of(
        evaluation: &Evaluation,
        settings: &YearSettings,
        library: &Library,
        rules: &ResultRules,
        previous: Option<&EvaluationReport>,
    ) -> Self {
        let report = &evaluation.report;
        let findings = evaluation.findings(settings, library, rules, previous);
        let scorecard = evaluation.scorecard(settings, library, rules);
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let indicators = report
            .goals
            .indicators
            .iter()
            .zip(&scorecard.indicators)
            .map(|(indicator, scored)| IndicatorProjection {
                indicator_id: indicator.id.as_str().to_owned(),
                name: indicator.name.as_str().to_owned(),
                unit: indicator.unit.as_deref().unwrap_or_default().to_owned(),
                level1: serde_json::to_value(indicator.level1)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                met: scored.met,
                attainment: scored.attainment,
                score: scored.score.map(|s| s.value()),
            })
            .collect();
        Self {
            authorized_staff: report.profile.staffing.authorized_total,
            staff_on_payroll: report.profile.staffing.on_payroll,
            score: scorecard.total.map(|s| s.value()),
            grade: scorecard.grade,
            indicators_met: scorecard
                .indicators
                .iter()
                .filter(|i| i.met == Some(true))
                .count(),
            findings_errors: errors,
            findings_warnings: findings.len() - errors,
            problems: report.issues.problems.len(),
            indicators,
            figures: scorecard.figures,
        }
    }
}
