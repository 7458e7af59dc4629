//! 勾稽关系 — the consistency checks a collecting system runs. Each finding names a stable rule,
//! a severity, the place in the report, the figures involved, and a sentence a filer
//! understands (中文, with English beside it). Errors block submission; warnings do not.
//!
//! Rule 1 of the bureau's list (amounts not negative, at most six decimals) is kept at the
//! door: such an amount cannot be stored at all. The other rules live by family, one module
//! each; [`Rule`] names every finding they can make.

mod approval;
mod breakdowns;
mod execution;
#[cfg(test)]
mod form_tests;
mod framework;
mod indicators;
mod lines;
mod prior_year;
mod rates;
mod rule;
mod staffing;
mod stated_scores;
#[cfg(test)]
mod tests;

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::library::Library;
use super::report::EvaluationReport;
use super::result_application::rules::ResultRules;
use super::settings::YearSettings;

pub use approval::{
    ApprovedGoals, ApprovedTarget, ApprovedTerms, REASON_MIN_DISTINCT, REASON_MIN_WEIGHT,
    is_real_reason, unreasoned_adjustments,
};
pub use rule::Rule;

/// Differences up to this many 万元 are rounding, not findings.
pub(crate) const TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submission until corrected.
    Error,
    /// Worth a look; does not block.
    Warning,
    /// Said for the reader, e.g. which parts a form leaves blank; does not block.
    Note,
}

/// One figure a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FindingFigure {
    /// What the figure is: a path in the report, or how it was computed.
    pub label: String,
    pub value: String,
}

/// One thing in a report that does not add up or is not explained.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    /// Stable rule code, e.g. `breakdown_exceeds_total`.
    pub rule: Rule,
    pub severity: Severity,
    /// Where in the report, e.g. `budget.projects.amounts.initial`.
    pub path: String,
    pub figures: Vec<FindingFigure>,
    /// 说明 (中文)
    pub message: String,
    /// The same in English.
    pub message_en: String,
}

impl Finding {
    /// A finding of `rule`, with the rule's severity.
    pub fn new(
        rule: Rule,
        path: impl Into<String>,
        figures: Vec<FindingFigure>,
        message: String,
        message_en: String,
    ) -> Self {
        Self {
            rule,
            severity: rule.severity(),
            path: path.into(),
            figures,
            message,
            message_en,
        }
    }
}

/// What the checks need besides the report itself.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// The year's settings: its default framework (the weights), the others it accepts, and
    /// the floor of a line's execution.
    pub settings: &'a YearSettings,
    pub approved: Option<&'a ApprovedGoals>,
    /// The same department's report of the year before, where there is one.
    pub previous: Option<&'a EvaluationReport>,
    /// The year's indicator library (its own, else the common one): how a target written
    /// without a sign reads, and which figure an indicator states.
    pub library: &'a Library,
    /// The year's result rules (its own, else the defaults): the bands a stated grade is held
    /// to.
    pub rules: &'a ResultRules,
}

pub(crate) fn amount(value: Decimal) -> String {
    value.normalize().to_string()
}

pub(crate) fn figure(label: impl Into<String>, value: impl Into<String>) -> FindingFigure {
    FindingFigure {
        label: label.into(),
        value: value.into(),
    }
}

pub(super) struct Findings(Vec<Finding>);

impl Findings {
    pub(super) fn add(
        &mut self,
        rule: Rule,
        path: impl Into<String>,
        figures: Vec<FindingFigure>,
        message: String,
        message_en: String,
    ) {
        self.0
            .push(Finding::new(rule, path, figures, message, message_en));
    }
}

impl EvaluationReport {
    /// Every finding of the consistency checks, errors first.
    pub fn findings(&self, context: &CheckContext<'_>) -> Vec<Finding> {
        let mut findings = Findings(Vec::new());
        breakdowns::budget_breakdowns(self, &mut findings);
        execution::execution_and_adjustment(self, &mut findings);
        lines::line_execution(self, context, &mut findings);
        lines::adjusted_budget(self, &mut findings);
        staffing::staffing(self, &mut findings);
        rates::stated_rates(self, &mut findings);
        rates::stated_metrics(self, context.library, &mut findings);
        rates::stated_attainments(self, context.library, &mut findings);
        framework::weights(self, context, &mut findings);
        indicators::indicators(self, context.library, &mut findings);
        indicators::stated_score(self, context.rules, &mut findings);
        stated_scores::stated_scores(self, context.library, &mut findings);
        approval::targets(self, context, &mut findings);
        prior_year::prior_year(self, context, &mut findings);
        prior_year::easy_targets(self, context, &mut findings);
        let mut findings = findings.0;
        findings.sort_by_key(|f| f.severity != Severity::Error);
        findings
    }
}
