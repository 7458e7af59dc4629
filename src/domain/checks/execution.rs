//! Rules 3 and 4: how much of the budget was executed, and how much it was adjusted.

use rust_decimal::Decimal;

use super::{Findings, Rule, amount, figure};
use crate::domain::figures::{Percent, overall};
use crate::domain::report::EvaluationReport;

/// Rules 3 and 4: execution above the adjusted budget or below 90 % of it, and adjustments
/// above 30 %, each need a written explanation.
pub(super) fn execution_and_adjustment(report: &EvaluationReport, findings: &mut Findings) {
    let budget = &report.budget;
    let explained = |note: &Option<String>| note.as_deref().is_some_and(|n| !n.trim().is_empty());
    let (initial, adjusted, executed) = overall(budget);
    let place = if budget.total.is_some() {
        "budget.total"
    } else {
        "budget"
    };
    if let (Some(adjusted), Some(executed)) = (adjusted, executed)
        && !explained(&budget.execution_note)
        && let Some(rate) = Percent::of(executed, adjusted)
    {
        let figures = vec![
            figure(format!("{place} executed"), amount(executed)),
            figure(format!("{place} adjusted"), amount(adjusted)),
            figure("execution rate (%)", String::from(rate)),
        ];
        if executed > adjusted {
            findings.add(
                Rule::ExecutionAboveBudget,
                "budget.execution_note",
                figures,
                format!("执行数{}万元超过调整预算{}万元（执行率{}%），请在执行情况说明中说明原因。", amount(executed), amount(adjusted), String::from(rate)),
                format!("Executed ({}) is above the adjusted budget ({}); explain it in budget.execution_note.", amount(executed), amount(adjusted)),
            );
        } else if rate.value() < Decimal::from(90) {
            findings.add(
                Rule::ExecutionBelow90,
                "budget.execution_note",
                figures,
                format!("预算执行率为{}%，低于90%，请在执行情况说明中说明原因。", String::from(rate)),
                format!("The execution rate is {} %, below 90 %; give the reason in budget.execution_note.", String::from(rate)),
            );
        }
    }
    if let (Some(initial), Some(adjusted)) = (initial, adjusted)
        && !explained(&budget.adjustment_note)
        && let Some(rate) = Percent::change(adjusted, initial)
        && rate.value().abs() > Decimal::from(30)
    {
        findings.add(
            Rule::AdjustmentOver30,
            "budget.adjustment_note",
            vec![
                figure(format!("{place} initial"), amount(initial)),
                figure(format!("{place} adjusted"), amount(adjusted)),
                figure("adjustment rate (%)", String::from(rate)),
            ],
            format!("预算调整率为{}%，超过30%，请在调整说明中写明理由。", String::from(rate)),
            format!("The budget was adjusted by {} %, more than 30 %; give the reason in budget.adjustment_note.", String::from(rate)),
        );
    }
}
