//! Rule 6: rates stated in the narrative against their own numerator and denominator, figures
//! stated by indicators against the same figures computed from the report, and an indicator's
//! stated 完成率 against its own actual and target.

use rust_decimal::Decimal;

use super::{Findings, Rule, amount, figure};
use crate::domain::figures::Percent;
use crate::domain::library::Library;
use crate::domain::report::{Assessment, EvaluationReport, Metric, read_figure};
use crate::domain::scoring::attainment;

/// Rule 6: a stated rate agrees with its own numerator and denominator, to the precision it
/// is stated with.
pub(super) fn stated_rates(report: &EvaluationReport, findings: &mut Findings) {
    for (i, achievement) in report.results.achievements.iter().enumerate() {
        for (j, rate) in achievement.rates.iter().enumerate() {
            let (Some(numerator), Some(denominator)) = (rate.numerator, rate.denominator) else {
                continue;
            };
            let Some(computed) = Percent::of(numerator.value(), denominator.value()) else {
                continue;
            };
            let stated = rate.stated_percent.value();
            let half_unit = Decimal::new(5, stated.scale() + 1);
            if (computed.value() - stated).abs() > half_unit {
                let path = format!("results.achievements[{i}].rates[{j}]");
                findings.add(
                    Rule::StatedRateMismatch,
                    format!("{path}.stated_percent"),
                    vec![
                        figure(format!("{path}.stated_percent"), amount(stated)),
                        figure(format!("{path}.numerator"), amount(numerator.value())),
                        figure(format!("{path}.denominator"), amount(denominator.value())),
                        figure("numerator ÷ denominator (%)", String::from(computed)),
                    ],
                    format!(
                        "{}表述为{}%，但按{}÷{}计算为{}%。",
                        rate.label.as_str(),
                        amount(stated),
                        amount(numerator.value()),
                        amount(denominator.value()),
                        String::from(computed)
                    ),
                    format!(
                        "{} is stated as {} %, but {} ÷ {} is {} %.",
                        rate.label.as_str(),
                        amount(stated),
                        amount(numerator.value()),
                        amount(denominator.value()),
                        String::from(computed)
                    ),
                );
            }
        }
    }
}

/// The figure a metric names, computed from the report, with how it is computed.
fn computed(report: &EvaluationReport, metric: Metric) -> Option<(Percent, &'static str)> {
    let figures = report.derived_figures();
    match metric {
        Metric::ExecutionRate => figures
            .total
            .execution_rate
            .map(|r| (r, "executed ÷ adjusted (budget total)")),
        Metric::AdjustmentRate => figures
            .total
            .adjustment_rate
            .map(|r| (r, "(adjusted − initial) ÷ initial (budget total)")),
        Metric::StaffingControlRate => figures
            .staffing_control_rate
            .map(|r| (r, "on_payroll ÷ authorized_total")),
        Metric::CarryOverRate => figures
            .carry_over_rate
            .map(|r| (r, "(carried_over + balance) ÷ adjusted total")),
        Metric::ThreePublicControlRate => figures
            .three_public
            .control_rate
            .map(|r| (r, "三公 actual ÷ 三公 budget")),
        Metric::ThreePublicChangeRate => figures
            .three_public
            .actual_change_rate
            .map(|r| (r, "(三公 actual − prior-year actual) ÷ prior-year actual")),
        Metric::ProcurementExecutionRate => {
            let procurement = report.budget.procurement.as_ref()?;
            Percent::of(procurement.actual?.value(), procurement.planned?.value())
                .map(|r| (r, "procurement actual ÷ planned"))
        }
    }
}

/// Rule 6 for indicators: an indicator that states a figure the service computes (by its
/// `metric`, or its standard name) agrees with it to the precision the actual is written with.
pub(super) fn stated_metrics(
    report: &EvaluationReport,
    library: &Library,
    findings: &mut Findings,
) {
    for (i, result) in report.results.indicators.iter().enumerate() {
        let Some(indicator) = report.indicator(&result.indicator_id) else {
            continue;
        };
        let (Some(metric), Some(actual)) = (indicator.metric(library), result.actual.as_ref())
        else {
            continue;
        };
        let Some((_, stated, _)) = read_figure(actual.as_str()) else {
            continue;
        };
        let Some((computed, formula)) = computed(report, metric) else {
            continue;
        };
        let half_unit = Decimal::new(5, stated.scale() + 1);
        if (computed.value() - stated).abs() <= half_unit {
            continue;
        }
        let path = format!("results.indicators[{i}].actual");
        let name = indicator.name.as_str();
        findings.add(
            Rule::StatedRateMismatch,
            path.clone(),
            vec![
                figure(path, amount(stated)),
                figure(format!("{metric}: {formula} (%)"), String::from(computed)),
            ],
            format!("指标“{name}”填报为{}%，但按报告本身的数据计算（{formula}）为{}%。", amount(stated), String::from(computed)),
            format!("Indicator “{name}” states {} %, but the report's own figures give {} % ({formula}).", amount(stated), String::from(computed)),
        );
    }
}

/// Rule 6 for an indicator's 完成率: the stated figure agrees with the attainment computed
/// from the row's own actual and target (actual ÷ target for at least, target ÷ actual for at
/// most), to the precision it is written with; a form that caps it at 100 % agrees too.
pub(super) fn stated_attainments(
    report: &EvaluationReport,
    library: &Library,
    findings: &mut Findings,
) {
    for (i, result) in report.results.indicators.iter().enumerate() {
        let Some(stated) = result.stated_attainment.map(|s| s.value()) else {
            continue;
        };
        let Some(indicator) = report.indicator(&result.indicator_id) else {
            continue;
        };
        let Assessment::Figures {
            comparison,
            target,
            actual,
        } = indicator.assess(result, library)
        else {
            continue;
        };
        let Some(computed) = attainment(comparison, target, actual)
            .1
            .and_then(|fraction| Percent::of(fraction, Decimal::ONE))
        else {
            continue;
        };
        let half_unit = Decimal::new(5, stated.scale() + 1);
        let capped = computed.value().min(Decimal::ONE_HUNDRED);
        if (computed.value() - stated).abs() <= half_unit || (capped - stated).abs() <= half_unit {
            continue;
        }
        let path = format!("results.indicators[{i}]");
        let name = indicator.name.as_str();
        let actual = result.actual.as_ref().map_or("", |a| a.as_str());
        let target = indicator.target_text();
        findings.add(
            Rule::StatedRateMismatch,
            format!("{path}.stated_attainment"),
            vec![
                figure(format!("{path}.stated_attainment"), amount(stated)),
                figure(format!("{path}.actual"), actual),
                figure("target", target),
                figure("attainment: actual ÷ target, or target ÷ actual for at most (%)", String::from(computed)),
            ],
            format!("指标“{name}”填报完成率{}%，但按实际完成值{actual}与指标值{target}计算为{}%。", amount(stated), String::from(computed)),
            format!("Indicator “{name}” states a completion rate of {} %, but its actual {actual} against its target {target} gives {} %.", amount(stated), String::from(computed)),
        );
    }
}
