//! Rules 3 and 4 line by line: each budget line and sub-line, basic and project, executed
//! above its budget (the adjusted one, else the initial one where the form states no
//! adjustment) or below the year's floor; and initial + carried in + added = adjusted, on the
//! totals and on every line.

use rust_decimal::Decimal;

use super::{CheckContext, Findings, Rule, TOLERANCE, amount, figure};
use crate::domain::figures::Percent;
use crate::domain::report::{BudgetColumns, EvaluationReport};

pub(super) fn line_execution(
    report: &EvaluationReport,
    context: &CheckContext<'_>,
    findings: &mut Findings,
) {
    let floor = context.settings.line_execution_floor();
    for (path, name, columns) in report.budget.lines() {
        let (Some(budget), Some(executed)) = (columns.budget(), columns.executed) else {
            continue;
        };
        if columns.explained() {
            continue;
        }
        let (budget, executed) = (budget.value(), executed.value());
        let against = if columns.adjusted.is_some() {
            "adjusted"
        } else {
            "initial"
        };
        let Some(rate) = Percent::of(executed, budget) else {
            continue;
        };
        let figures = vec![
            figure(format!("{path}.executed"), amount(executed)),
            figure(format!("{path}.{against}"), amount(budget)),
            figure(
                format!("{path}.executed ÷ {path}.{against} (%)"),
                String::from(rate),
            ),
        ];
        if executed > budget + TOLERANCE {
            findings.add(
                Rule::LineExecutionAboveBudget,
                format!("{path}.note"),
                figures,
                format!("“{name}”执行数{}万元超过预算{}万元（执行率{}%），请在该行说明原因。", amount(executed), amount(budget), String::from(rate)),
                format!("“{name}” executed {} against a budget of {} ({} %); explain it in {path}.note.", amount(executed), amount(budget), String::from(rate)),
            );
        } else if rate.value() < floor {
            findings.add(
                Rule::LineExecutionBelowFloor,
                format!("{path}.note"),
                figures,
                format!(
                    "“{name}”执行率为{}%，低于{}%，请在该行说明原因。",
                    String::from(rate),
                    amount(floor)
                ),
                format!(
                    "“{name}” executed {} % of its budget, below {} %; explain it in {path}.note.",
                    String::from(rate),
                    amount(floor)
                ),
            );
        }
    }
}

/// 年初预算 + 年初结转结余 + 本年追加 = 调整预算, where the form gives the parts.
pub(super) fn adjusted_budget(report: &EvaluationReport, findings: &mut Findings) {
    let budget = &report.budget;
    let totals: Vec<(String, String, &BudgetColumns)> = [
        ("budget.total", "支出合计", budget.total.as_ref()),
        (
            "budget.basic.amounts",
            "基本支出",
            budget.basic.as_ref().map(|b| &b.amounts),
        ),
        (
            "budget.projects.amounts",
            "项目支出",
            budget.projects.as_ref().map(|p| &p.amounts),
        ),
    ]
    .into_iter()
    .filter_map(|(p, n, c)| c.map(|c| (p.to_owned(), n.to_owned(), c)))
    .collect();
    for (path, name, columns) in totals.into_iter().chain(budget.lines()) {
        let (Some(initial), Some(adjusted)) = (columns.initial, columns.adjusted) else {
            continue;
        };
        if columns.carried_in.is_none() && columns.added.is_none() {
            continue;
        }
        let value =
            |a: Option<crate::domain::values::Amount>| a.map_or(Decimal::ZERO, |a| a.value());
        let sum = initial.value() + value(columns.carried_in) + value(columns.added);
        if (sum - adjusted.value()).abs() <= TOLERANCE {
            continue;
        }
        findings.add(
            Rule::AdjustedBudgetDoesNotAddUp,
            format!("{path}.adjusted"),
            vec![
                figure(format!("{path}.initial"), amount(initial.value())),
                figure(
                    format!("{path}.carried_in"),
                    amount(value(columns.carried_in)),
                ),
                figure(format!("{path}.added"), amount(value(columns.added))),
                figure("initial + carried_in + added", amount(sum)),
                figure(format!("{path}.adjusted"), amount(adjusted.value())),
            ],
            format!(
                "“{name}”年初预算、年初结转结余与本年追加合计{}万元，与调整预算{}万元不一致。",
                amount(sum),
                amount(adjusted.value())
            ),
            format!(
                "“{name}”: initial + carried in + added make {}, not the adjusted budget of {}.",
                amount(sum),
                amount(adjusted.value())
            ),
        );
    }
}
