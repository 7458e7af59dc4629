//! The rules of the consistency checks: each finding names one, by a code that stays stable.
//! `docs/review.md` lists them in a table that a test keeps equal to this enum.

use super::Severity;
use crate::domain::names::named_enum;

named_enum! {
    /// A rule of the consistency checks (勾稽关系), by the code a finding carries.
    pub enum Rule {
        /// Parts above their total (rule 2).
        BreakdownExceedsTotal = "breakdown_exceeds_total",
        /// Parts short of their total (rule 2).
        BreakdownShortOfTotal = "breakdown_short_of_total",
        /// Parts short of their total where some parts leave the column blank (rule 2).
        BreakdownPartsBlank = "breakdown_parts_blank",
        /// The posts by kind differ from 编制数 (rule 2).
        PostsDoNotAddUp = "posts_do_not_add_up",
        /// Executed above the adjusted budget without a note (rule 3).
        ExecutionAboveBudget = "execution_above_budget",
        /// Execution below 90 % without a note (rule 3).
        ExecutionBelow90 = "execution_below_90",
        /// Adjustment above 30 % without a note (rule 4).
        AdjustmentOver30 = "adjustment_over_30",
        /// A budget line executed above its budget without a note on the line (rule 3).
        LineExecutionAboveBudget = "line_execution_above_budget",
        /// A budget line executed below the year's floor without a note on the line (rule 3).
        LineExecutionBelowFloor = "line_execution_below_floor",
        /// Initial + carried in + added differ from the adjusted budget (rule 4).
        AdjustedBudgetDoesNotAddUp = "adjusted_budget_does_not_add_up",
        /// 在岗 above 在职 (rule 5).
        OnDutyAbovePayroll = "on_duty_above_payroll",
        /// 在职 above 编制 (rule 5).
        PayrollAboveEstablishment = "payroll_above_establishment",
        /// A stated rate that its own figures do not give (rule 6).
        StatedRateMismatch = "stated_rate_mismatch",
        /// No indicators at all (rule 7).
        NoIndicators = "no_indicators",
        /// An indicator without a weight (rule 7).
        IndicatorWithoutWeight = "indicator_without_weight",
        /// Weights that do not make 100 (rule 7).
        WeightsNot100 = "weights_not_100",
        /// Indicators that follow another framework than the year's default (rule 7).
        FrameworkNotDefault = "framework_not_default",
        /// A 一级 group's weights differ from the framework (rule 7).
        GroupWeightMismatch = "group_weight_mismatch",
        /// A self-score above the indicator's weight (rule 7).
        SelfScoreAboveWeight = "self_score_above_weight",
        /// The stated total is not the sum of the stated parts (rule 7).
        StatedTotalMismatch = "stated_total_mismatch",
        /// The stated grade is not the stated total's (rule 7).
        StatedGradeMismatch = "stated_grade_mismatch",
        /// A missed target claiming more than its scoring rule gives (rule 8).
        SelfScoreAboveRule = "self_score_above_rule",
        /// A stated score, or 得分系数 × weight, that is not the score by the indicator's
        /// rule (rule 8).
        StatedScoreMismatch = "stated_score_mismatch",
        /// A shortfall without a deviation reason (rule 9).
        DeviationReasonMissing = "deviation_reason_missing",
        /// An adjusted target without its reason (rule 10).
        AdjustedTargetWithoutReason = "adjusted_target_without_reason",
        /// A target that is not the approved one (rule 10).
        TargetChangedAfterApproval = "target_changed_after_approval",
        /// An indicator added after the approval (rule 10).
        IndicatorAddedAfterApproval = "indicator_added_after_approval",
        /// An adjusted target a reviewer has not approved: the approved one counts (rule 10).
        AdjustedTargetAwaitsApproval = "adjusted_target_awaits_approval",
        /// An indicator whose target or actual cannot be read, or that has no actual (rule 8).
        IndicatorUnscorable = "indicator_unscorable",
        /// A prior-year figure that the previous year's report does not give (rule 11).
        PriorYearFigureDiffers = "prior_year_figure_differs",
        /// An indicator recognised by its name as a library indicator (the library).
        IndicatorMatchedLibrary = "indicator_matched_library",
        /// A target written without a sign, read the way its library indicator points, or
        /// without a unit on an indicator that states none, read in the library's unit (the
        /// library).
        TargetReadByLibrary = "target_read_by_library",
        /// A target easier than the unit's own actual of the year before for the same
        /// indicator: below it, or above it where lower is better (the library).
        TargetEasierThanLastYear = "target_easier_than_last_year",
        /// A project's 年度资金总额 that is not the sum of its sources (rule 2, project tables).
        FundingSourcesDoNotAddUp = "funding_sources_do_not_add_up",
        /// A project names a departmental budget line there is not (project tables).
        DepartmentalLineNotFound = "departmental_line_not_found",
        /// A project's budget or spending that differs from the departmental line it names
        /// (project tables).
        DepartmentalLineDiffers = "departmental_line_differs",
        /// An actual written as a bound (`≥266米`, `≤5%`, `95%以上`) rather than the figure
        /// reached: read as that figure, and said.
        ActualWrittenAsBound = "actual_written_as_bound",
    }
}

impl Rule {
    /// Whether a finding of this rule blocks submission.
    pub fn severity(self) -> Severity {
        match self {
            Self::BreakdownExceedsTotal
            | Self::ExecutionAboveBudget
            | Self::ExecutionBelow90
            | Self::AdjustmentOver30
            | Self::LineExecutionAboveBudget
            | Self::OnDutyAbovePayroll
            | Self::WeightsNot100
            | Self::GroupWeightMismatch
            | Self::SelfScoreAboveWeight
            | Self::StatedTotalMismatch
            | Self::StatedGradeMismatch
            | Self::SelfScoreAboveRule
            | Self::DeviationReasonMissing
            | Self::AdjustedTargetWithoutReason
            | Self::TargetChangedAfterApproval => Severity::Error,
            Self::BreakdownShortOfTotal
            | Self::PostsDoNotAddUp
            | Self::LineExecutionBelowFloor
            | Self::AdjustedBudgetDoesNotAddUp
            | Self::PayrollAboveEstablishment
            | Self::StatedRateMismatch
            | Self::StatedScoreMismatch
            | Self::NoIndicators
            | Self::FrameworkNotDefault
            | Self::IndicatorWithoutWeight
            | Self::IndicatorAddedAfterApproval
            | Self::AdjustedTargetAwaitsApproval
            | Self::IndicatorUnscorable
            | Self::PriorYearFigureDiffers
            | Self::FundingSourcesDoNotAddUp
            | Self::DepartmentalLineNotFound
            | Self::DepartmentalLineDiffers
            | Self::TargetReadByLibrary
            | Self::TargetEasierThanLastYear
            | Self::ActualWrittenAsBound => Severity::Warning,
            Self::BreakdownPartsBlank | Self::IndicatorMatchedLibrary => Severity::Note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of the rules table in `docs/review.md`: `| \`code\` | severity | … |`.
    fn documented() -> Vec<(String, String)> {
        include_str!("../../../docs/review.md")
            .lines()
            .filter_map(|line| {
                let mut cells = line.split('|').map(str::trim).skip(1);
                let code = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
                let severity = cells.next()?;
                Some((code.to_owned(), severity.to_owned()))
            })
            .filter(|(_, severity)| ["error", "warning", "note"].contains(&severity.as_str()))
            .collect()
    }

    #[test]
    fn the_rules_table_of_the_review_page_is_the_enum() {
        let expected: Vec<(String, String)> = Rule::ALL
            .iter()
            .map(|rule| {
                let severity = match rule.severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                (rule.as_str().to_owned(), severity.to_owned())
            })
            .collect();
        assert_eq!(documented(), expected);
    }
}
