//! Rule 11: the previous year's figures agree with the previous year's report.

use rust_decimal::Decimal;

use super::{CheckContext, Findings, Rule, TOLERANCE, amount, figure};
use crate::domain::library::{Library, normalise};
use crate::domain::report::{BudgetColumns, Comparison, EvaluationReport, Indicator, Reading};

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

/// Which indicator an indicator is, across years: its library code where the year's library
/// finds it, else its name read alike.
fn identity(library: &Library, indicator: &Indicator) -> String {
    match library.find(indicator) {
        Some(found) => format!("code {}", found.indicator.code),
        None => format!("name {}", normalise(indicator.name.as_str())),
    }
}

/// A target easier than the unit's own actual of the year before for the same indicator
/// (found by the year's library, else by name): below it where more is better, above it where
/// less is — a target set to be met easily. Figures in different units are not compared; a
/// figure written without a unit, on an indicator that states none, is in the library's.
pub(super) fn easy_targets(
    report: &EvaluationReport,
    context: &CheckContext<'_>,
    findings: &mut Findings,
) {
    let Some(previous) = context.previous else {
        return;
    };
    let library = context.library;
    for (i, indicator) in report.goals.indicators.iter().enumerate() {
        let Reading::Figure {
            comparison,
            value: target,
            unit,
        } = indicator.reading(library)
        else {
            continue;
        };
        let same = identity(library, indicator);
        let Some((actual_text, actual, actual_unit)) = previous
            .goals
            .indicators
            .iter()
            .filter(|before| identity(library, before) == same)
            .find_map(|before| {
                let result = previous
                    .results
                    .indicators
                    .iter()
                    .find(|r| r.indicator_id == before.id)?;
                let text = result.actual.as_ref()?.as_str();
                let (value, unit) = before.actual_figure(text, library)?;
                Some((text.to_owned(), value, unit))
            })
        else {
            continue;
        };
        if unit.is_some() && actual_unit.is_some() && unit != actual_unit {
            continue;
        }
        let (easier, word, word_en) = match comparison {
            Comparison::AtLeast => (target < actual, "低于", "below"),
            Comparison::AtMost => (target > actual, "高于", "above"),
            Comparison::Equal | Comparison::Qualitative => continue,
        };
        if !easier {
            continue;
        }
        let (name, written) = (indicator.name.as_str(), indicator.target_text());
        let path = format!("goals.indicators[{i}].target");
        findings.add(
            Rule::TargetEasierThanLastYear,
            path.clone(),
            vec![
                figure(path, written),
                figure("previous year's actual", actual_text.clone()),
            ],
            format!("指标“{name}”的指标值“{written}”{word}本单位上年实际完成值“{actual_text}”，目标偏易实现，请说明理由或调整指标值。"),
            format!("Indicator “{name}”: the target `{written}` is {word_en} the unit's own actual of the year before (`{actual_text}`), a target easily met; explain it or set another."),
        );
    }
}
