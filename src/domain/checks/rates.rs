//! Rule 6: rates stated in the narrative against their own numerator and denominator.

use rust_decimal::Decimal;

use super::{Findings, Rule, amount, figure};
use crate::domain::figures::Percent;
use crate::domain::report::EvaluationReport;

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
