//! Rules 3 and 4: how much of the budget was executed, and how much it was adjusted.

use rust_decimal::Decimal;

use super::{Findings, Rule, TOLERANCE, amount, figure};
use crate::domain::figures::{Percent, overall};
use crate::domain::report::{BudgetColumns, EvaluationReport};

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
    if adjusted.is_none()
        && let (Some(initial), Some(executed)) = (initial, executed)
        && !explained(&budget.execution_note)
    {
        above_initial(place, "budget.execution_note", initial, executed, findings);
    }
    let parts = [
        (
            "budget.basic.amounts",
            budget.basic.as_ref().map(|b| &b.amounts),
        ),
        (
            "budget.projects.amounts",
            budget.projects.as_ref().map(|p| &p.amounts),
        ),
    ];
    for (path, columns) in parts {
        if let Some(
            columns @ BudgetColumns {
                initial: Some(initial),
                adjusted: None,
                executed: Some(executed),
                ..
            },
        ) = columns
            && !columns.explained()
        {
            let note = format!("{path}.note");
            above_initial(path, &note, initial.value(), executed.value(), findings);
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

/// Spending above the only budget a form prints, its initial one: the same rule as above the
/// adjusted budget (a township report spending 108 % of its 年初预算 is not within budget).
fn above_initial(
    place: &str,
    note: &str,
    initial: Decimal,
    executed: Decimal,
    findings: &mut Findings,
) {
    if executed <= initial + TOLERANCE {
        return;
    }
    let Some(rate) = Percent::of(executed, initial) else {
        return;
    };
    findings.add(
        Rule::ExecutionAboveBudget,
        note,
        vec![
            figure(format!("{place} executed"), amount(executed)),
            figure(format!("{place} initial"), amount(initial)),
            figure("execution rate (%)", String::from(rate)),
        ],
        format!("执行数{}万元超过年初预算{}万元（执行率{}%，未列调整预算），请说明原因。", amount(executed), amount(initial), String::from(rate)),
        format!("Executed ({}) is above the initial budget ({}), the only one stated; explain it in {note}.", amount(executed), amount(initial)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checks::{CheckContext, Severity};
    use crate::domain::settings::YearSettings;

    fn findings(budget: serde_json::Value) -> Vec<crate::domain::checks::Finding> {
        let report: EvaluationReport =
            serde_json::from_value(serde_json::json!({ "budget": budget }))
                .unwrap_or_else(|e| panic!("{e}"));
        let settings = YearSettings::default();
        report.findings(&CheckContext {
            settings: &settings,
            approved: None,
            previous: None,
            library: crate::domain::library::Library::common(),
            rules: &crate::domain::result_application::rules::ResultRules::default(),
        })
    }

    #[test]
    fn spending_above_the_only_budget_printed_is_above_budget() {
        // A township report that prints only 年初预算: 1080 spent of 1000 is 108 %.
        let found = findings(serde_json::json!({"total": {"initial": "1000", "executed": "1080"}}));
        let above: Vec<_> = found
            .iter()
            .filter(|f| f.rule == Rule::ExecutionAboveBudget)
            .collect();
        assert_eq!(above.len(), 1, "{found:?}");
        assert_eq!(above[0].severity, Severity::Error);
        assert_eq!(above[0].figures[2].value, "108");
        let parts = findings(serde_json::json!({
            "basic": {"amounts": {"initial": "600", "executed": "650"}},
            "projects": {"amounts": {"initial": "400", "executed": "380", "note": "—"}}
        }));
        let paths: Vec<&str> = parts
            .iter()
            .filter(|f| f.rule == Rule::ExecutionAboveBudget)
            .map(|f| f.path.as_str())
            .collect();
        // The basic amounts (650 > 600) and the whole (1030 > 1000); the projects are within.
        assert_eq!(
            paths,
            ["budget.execution_note", "budget.basic.amounts.note"]
        );
        assert!(
            findings(serde_json::json!({"total": {"initial": "1000", "executed": "1000"}}))
                .iter()
                .all(|f| f.rule != Rule::ExecutionAboveBudget)
        );
    }
}
