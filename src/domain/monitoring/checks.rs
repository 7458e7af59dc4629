//! The monitoring checks: spending behind the time elapsed, an expected full-year value short of
//! its target without a cause or measure, 完全不可能 without a measure, and an expected
//! full-year execution that the funds reported contradict. Each finding names a stable rule,
//! the place in the report, the figures and a sentence in Chinese and English.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Likelihood, MonitoredGoal, MonitoredTarget, MonitoringReport, Period};
use crate::domain::checks::{FindingFigure, Severity, amount, figure};
use crate::domain::figures::{Exact, Percent};
use crate::domain::names::named_enum;
use crate::domain::report::{Comparison, Reading, read, read_figure};

named_enum! {
    /// A rule of the monitoring checks, by the code a finding carries.
    pub enum MonitoringRule {
        /// Executed share of the budget behind the share of the year gone, by more than the
        /// year's tolerance.
        SpendingBehindTime = "spending_behind_time",
        /// An expected full-year value short of its target, without a cause or a measure.
        ExpectedShortUnexplained = "expected_short_unexplained",
        /// 有可能 or 完全不可能 without a cause of the deviation.
        DoubtWithoutCause = "doubt_without_cause",
        /// 完全不可能 without a corrective measure.
        ImpossibleWithoutMeasure = "impossible_without_measure",
        /// Less expected for the whole year than already executed.
        ExpectedBelowExecuted = "expected_below_executed",
        /// More expected for the whole year than the budget.
        ExpectedAboveBudget = "expected_above_budget",
        /// A stated rate (to date or expected) that the funds reported do not give.
        StatedRateMismatch = "stated_rate_mismatch",
        /// No expected full-year execution: its rate cannot be computed.
        ExpectedNotStated = "expected_not_stated",
        /// Targets are set (approved, or stated in a project's table) and no report is filed
        /// for the period: the bureau's warning list names it.
        NotFiled = "not_filed",
    }
}

impl MonitoringRule {
    pub fn severity(self) -> Severity {
        match self {
            Self::ExpectedBelowExecuted | Self::ExpectedAboveBudget => Severity::Error,
            Self::SpendingBehindTime
            | Self::ExpectedShortUnexplained
            | Self::DoubtWithoutCause
            | Self::ImpossibleWithoutMeasure
            | Self::StatedRateMismatch
            | Self::NotFiled => Severity::Warning,
            Self::ExpectedNotStated => Severity::Note,
        }
    }
}

/// One thing in a monitoring report that is behind, short or contradicts itself.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonitoringFinding {
    pub rule: MonitoringRule,
    pub severity: Severity,
    /// Where in the report, e.g. `funds.executed` or `targets[2].measure`.
    pub path: String,
    pub figures: Vec<FindingFigure>,
    /// 说明 (中文)
    pub message: String,
    /// The same in English.
    pub message_en: String,
}

/// A lag of execution behind time flagged only beyond this many percentage points, unless the
/// year sets another tolerance.
pub const DEFAULT_TOLERANCE: u32 = 10;

/// A stated rate within this many percentage points of the computed one is rounding.
const RATE_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 1);

/// What the checks need besides the report: the period and the year's tolerance.
#[derive(Debug, Clone, Copy)]
pub struct MonitoringContext {
    pub period: Period,
    /// Percentage points execution may lag the time elapsed before it is flagged.
    pub tolerance: Decimal,
}

/// The money of a monitoring report, computed: never the stated rates.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonitoringFigures {
    /// The budget execution is measured against (万元): 全年预算数, else 年初预算数.
    pub budget: Option<Exact>,
    /// Which field that budget is: `full_year` or `initial`.
    pub budget_field: Option<&'static str>,
    /// 执行率 to date: executed ÷ budget, in percent.
    pub execution_rate: Option<Percent>,
    /// 序时进度 — the share of the year gone at the period's end, in percent.
    pub time_elapsed: Percent,
    /// How many percentage points execution lags the time elapsed (negative: ahead).
    pub lag: Option<Exact>,
    /// 预计执行率: expected ÷ budget, in percent.
    pub expected_rate: Option<Percent>,
}

/// One monitored target beside the row the unit wrote for it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonitoredRow {
    pub goal: MonitoredGoal,
    /// The unit's row; absent where the target was approved after the report was written.
    pub row: Option<MonitoredTarget>,
    /// Whether the expected full-year value falls short of the target; absent where either
    /// is not a figure, or their units differ.
    pub expected_short: Option<bool>,
}

/// A monitoring report's figures, its rows beside their targets, and its findings.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonitoringAssessment {
    pub figures: MonitoringFigures,
    pub rows: Vec<MonitoredRow>,
    /// Errors first.
    pub findings: Vec<MonitoringFinding>,
}

fn rounded(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(Percent::SCALE, RoundingStrategy::MidpointAwayFromZero)
}

/// Whether `expected` falls short of `target` read with `comparison`.
fn falls_short(goal: &MonitoredGoal, expected: Option<&str>) -> Option<bool> {
    let Reading::Figure {
        comparison,
        value: target,
        unit,
    } = read(Some(&goal.target), goal.comparison)
    else {
        return None;
    };
    let (_, expected, expected_unit) = read_figure(expected?)?;
    if unit.is_some() && expected_unit.is_some() && unit != expected_unit {
        return None;
    }
    Some(match comparison {
        Comparison::AtLeast => expected < target,
        Comparison::AtMost => expected > target,
        Comparison::Equal => expected != target,
        Comparison::Qualitative => return None,
    })
}

struct Findings(Vec<MonitoringFinding>);

impl Findings {
    fn add(
        &mut self,
        rule: MonitoringRule,
        path: impl Into<String>,
        figures: Vec<FindingFigure>,
        message: String,
        message_en: String,
    ) {
        self.0.push(MonitoringFinding {
            rule,
            severity: rule.severity(),
            path: path.into(),
            figures,
            message,
            message_en,
        });
    }
}

impl MonitoringReport {
    /// The report's figures, its rows beside `goals` and the findings of its checks.
    pub fn assess(
        &self,
        goals: &[MonitoredGoal],
        context: &MonitoringContext,
    ) -> MonitoringAssessment {
        let figures = self.figures(context);
        let mut findings = Findings(Vec::new());
        self.check_funds(&figures, context, &mut findings);
        let mut rows = Vec::new();
        for goal in goals {
            let position = self
                .targets
                .iter()
                .position(|t| t.indicator_id.as_str() == goal.indicator_id);
            let row = position.map(|i| &self.targets[i]);
            let expected_short =
                row.and_then(|r| falls_short(goal, r.expected.as_ref().map(|e| e.as_str())));
            if let (Some(i), Some(row)) = (position, row) {
                check_target(i, goal, row, expected_short, &mut findings);
            }
            rows.push(MonitoredRow {
                goal: goal.clone(),
                row: row.cloned(),
                expected_short,
            });
        }
        let mut findings = findings.0;
        findings.sort_by_key(|f| f.severity != Severity::Error);
        MonitoringAssessment {
            figures,
            rows,
            findings,
        }
    }

    fn figures(&self, context: &MonitoringContext) -> MonitoringFigures {
        let funds = &self.funds;
        let budget = funds.budget();
        let months = Decimal::from(context.period.through_month());
        let time_elapsed = Percent::of(months, Decimal::from(12))
            .unwrap_or_else(|| unreachable!("a year has twelve months"));
        let execution_rate = budget
            .zip(funds.executed)
            .and_then(|((budget, _), executed)| Percent::of(executed.value(), budget.value()));
        let lag = budget
            .zip(funds.executed)
            .and_then(|((budget, _), executed)| {
                let rate = executed.value().checked_mul(Decimal::ONE_HUNDRED)?;
                let elapsed = months.checked_mul(Decimal::ONE_HUNDRED)?;
                let rate = rate.checked_div(budget.value())?;
                Some(Exact(rounded(elapsed / Decimal::from(12) - rate)))
            });
        MonitoringFigures {
            budget: budget.map(|(b, _)| Exact(b.value())),
            budget_field: budget.map(|(_, field)| field),
            execution_rate,
            time_elapsed,
            lag,
            expected_rate: budget
                .zip(funds.expected)
                .and_then(|((budget, _), expected)| Percent::of(expected.value(), budget.value())),
        }
    }

    fn check_funds(
        &self,
        figures: &MonitoringFigures,
        context: &MonitoringContext,
        findings: &mut Findings,
    ) {
        let funds = &self.funds;
        let budget = funds.budget();
        if let (Some((budget, field)), Some(executed)) = (budget, funds.executed)
            && !budget.value().is_zero()
        {
            // executed ÷ budget < months ÷ 12 − tolerance, without dividing: the edge is exact.
            let months = Decimal::from(context.period.through_month());
            let behind = executed.value() * Decimal::from(1200)
                < (months * Decimal::ONE_HUNDRED - context.tolerance * Decimal::from(12))
                    * budget.value();
            if behind {
                let rate = figures.execution_rate.map(String::from).unwrap_or_default();
                let elapsed = String::from(figures.time_elapsed);
                let lag = figures.lag.map(String::from).unwrap_or_default();
                let tolerance = amount(context.tolerance);
                findings.add(
                    MonitoringRule::SpendingBehindTime,
                    "funds.executed",
                    vec![
                        figure("funds.executed", amount(executed.value())),
                        figure(format!("funds.{field}"), amount(budget.value())),
                        figure("executed ÷ budget (%)", rate.clone()),
                        figure("time elapsed (%)", elapsed.clone()),
                        figure("lag (percentage points)", lag.clone()),
                        figure("tolerance (percentage points)", tolerance.clone()),
                    ],
                    format!(
                        "截至{}月预算执行率{rate}%，低于序时进度{elapsed}%达{lag}个百分点（容差{tolerance}个百分点），请加快执行或说明原因。",
                        context.period.through_month()
                    ),
                    format!(
                        "By the end of month {} {rate} % of the budget is executed, {lag} percentage points behind the {elapsed} % of the year gone (tolerance {tolerance})."
                        , context.period.through_month()
                    ),
                );
            }
        }
        if let Some(expected) = funds.expected {
            if let Some(executed) = funds.executed
                && expected.value() < executed.value()
            {
                findings.add(
                    MonitoringRule::ExpectedBelowExecuted,
                    "funds.expected",
                    vec![
                        figure("funds.expected", amount(expected.value())),
                        figure("funds.executed", amount(executed.value())),
                    ],
                    format!(
                        "全年预计执行数{}万元少于已执行的{}万元。",
                        amount(expected.value()),
                        amount(executed.value())
                    ),
                    format!(
                        "The expected full-year execution of {} 万元 is less than the {} 万元 already executed.",
                        amount(expected.value()),
                        amount(executed.value())
                    ),
                );
            }
            if let Some((budget, field)) = budget
                && expected.value() > budget.value()
            {
                findings.add(
                    MonitoringRule::ExpectedAboveBudget,
                    "funds.expected",
                    vec![
                        figure("funds.expected", amount(expected.value())),
                        figure(format!("funds.{field}"), amount(budget.value())),
                    ],
                    format!(
                        "全年预计执行数{}万元超过预算{}万元。",
                        amount(expected.value()),
                        amount(budget.value())
                    ),
                    format!(
                        "The expected full-year execution of {} 万元 is above the budget of {} 万元.",
                        amount(expected.value()),
                        amount(budget.value())
                    ),
                );
            }
        } else if budget.is_some() {
            findings.add(
                MonitoringRule::ExpectedNotStated,
                "funds.expected",
                Vec::new(),
                "未填写全年预计执行数，无法计算预计执行率。".to_owned(),
                "No expected full-year execution is stated: its rate cannot be computed."
                    .to_owned(),
            );
        }
        for (field, stated, computed) in [
            ("stated_rate", funds.stated_rate, figures.execution_rate),
            (
                "stated_expected_rate",
                funds.stated_expected_rate,
                figures.expected_rate,
            ),
        ] {
            if let (Some(stated), Some(computed)) = (stated, computed)
                && (stated.value() - computed.value()).abs() > RATE_TOLERANCE
            {
                let stated = amount(stated.value());
                let computed = String::from(computed);
                findings.add(
                    MonitoringRule::StatedRateMismatch,
                    format!("funds.{field}"),
                    vec![
                        figure(format!("funds.{field}"), stated.clone()),
                        figure("computed (%)", computed.clone()),
                    ],
                    format!("填报的执行率{stated}%与资金数计算的{computed}%不一致。"),
                    format!("The stated rate {stated} % is not the {computed} % the funds give."),
                );
            }
        }
    }
}

fn check_target(
    i: usize,
    goal: &MonitoredGoal,
    row: &MonitoredTarget,
    expected_short: Option<bool>,
    findings: &mut Findings,
) {
    let name = goal.name.as_str();
    if expected_short == Some(true) && (!row.has_cause() || row.measure.is_none()) {
        let expected = row.expected.as_ref().map_or("", |e| e.as_str());
        let (missing, missing_en, at) = match (row.has_cause(), row.measure.is_some()) {
            (false, false) => ("偏差原因和纠偏措施", "a cause and a measure", "causes"),
            (false, true) => ("偏差原因", "a cause", "causes"),
            _ => ("纠偏措施", "a measure", "measure"),
        };
        findings.add(
            MonitoringRule::ExpectedShortUnexplained,
            format!("targets[{i}].{at}"),
            vec![
                figure("target", goal.target.clone()),
                figure(format!("targets[{i}].expected"), expected),
            ],
            format!(
                "指标“{name}”全年预计完成{expected}，达不到目标{}，请填写{missing}。",
                goal.target
            ),
            format!(
                "Indicator “{name}” is expected to reach {expected}, short of its target {}, without {missing_en}.",
                goal.target
            ),
        );
    }
    if matches!(
        row.likelihood,
        Some(Likelihood::Possible | Likelihood::Impossible)
    ) && !row.has_cause()
    {
        findings.add(
            MonitoringRule::DoubtWithoutCause,
            format!("targets[{i}].causes"),
            Vec::new(),
            format!("指标“{name}”完成目标可能性不是“确定能”，请填写偏差原因。"),
            format!("Indicator “{name}” may not be met; say why (the cause of the deviation)."),
        );
    }
    if row.likelihood == Some(Likelihood::Impossible) && row.measure.is_none() {
        findings.add(
            MonitoringRule::ImpossibleWithoutMeasure,
            format!("targets[{i}].measure"),
            Vec::new(),
            format!("指标“{name}”完全不可能完成，请填写纠偏措施。"),
            format!("Indicator “{name}” cannot be met; state the corrective measure."),
        );
    }
}
