//! Rule 11: the previous year's figures agree with the previous year's report.

use rust_decimal::Decimal;

use super::{CheckContext, Findings, Rule, TOLERANCE, amount, figure};
use crate::domain::report::{BudgetColumns, EvaluationReport};

/// Rule 11: the previous year's figures agree with the previous year's report.
pub(super) fn prior_year(
    report: &EvaluationReport,
    context: &CheckContext<'_>,
    findings: &mut Findings,
) {
    let Some(previous) = context.previous else {
        return;
    };
    let mut compare =
        |path: &str, retyped: Option<Decimal>, source_path: &str, source: Option<Decimal>| {
            if let (Some(retyped), Some(source)) = (retyped, source)
                && (retyped - source).abs() > TOLERANCE
            {
                findings.add(
                    Rule::PriorYearFigureDiffers,
                    path,
                    vec![
                        figure(path, amount(retyped)),
                        figure(format!("previous year's {source_path}"), amount(source)),
                    ],
                    format!(
                        "上年数{}万元与上年报告的{}万元不一致。",
                        amount(retyped),
                        amount(source)
                    ),
                    format!(
                        "The prior-year figure {} differs from the previous year's report ({}).",
                        amount(retyped),
                        amount(source)
                    ),
                );
            }
        };
    let executed = |c: Option<&BudgetColumns>| c.and_then(|c| c.executed.map(|a| a.value()));
    let prior =
        |c: Option<&BudgetColumns>| c.and_then(|c| c.prior_year_executed.map(|a| a.value()));
    let (now, before) = (&report.budget, &previous.budget);
    compare(
        "budget.basic.amounts.prior_year_executed",
        prior(now.basic.as_ref().map(|b| &b.amounts)),
        "budget.basic.amounts.executed",
        executed(before.basic.as_ref().map(|b| &b.amounts)),
    );
    compare(
        "budget.projects.amounts.prior_year_executed",
        prior(now.projects.as_ref().map(|p| &p.amounts)),
        "budget.projects.amounts.executed",
        executed(before.projects.as_ref().map(|p| &p.amounts)),
    );
    compare(
        "budget.total.prior_year_executed",
        prior(now.total.as_ref()),
        "budget.total.executed",
        executed(before.total.as_ref()),
    );
    let three =
        |b: &crate::domain::report::Budget| b.three_public.as_ref().and_then(|t| t.total.clone());
    let (now_three, before_three) = (three(now), three(before));
    compare(
        "budget.three_public.total.prior_year_actual",
        now_three
            .as_ref()
            .and_then(|t| t.prior_year_actual.map(|a| a.value())),
        "budget.three_public.total.actual",
        before_three
            .as_ref()
            .and_then(|t| t.actual.map(|a| a.value())),
    );
    compare(
        "budget.three_public.total.prior_year_budget",
        now_three
            .as_ref()
            .and_then(|t| t.prior_year_budget.map(|a| a.value())),
        "budget.three_public.total.budget",
        before_three
            .as_ref()
            .and_then(|t| t.budget.map(|a| a.value())),
    );
}
