//! Rule 7, the weights: a report's indicators against the framework they follow — the
//! year's default, another the year names, or the form's own groups — and a warning whenever
//! it is not the default.

use rust_decimal::Decimal;

use super::{CheckContext, Findings, Rule, amount, figure};
use crate::domain::report::{EvaluationReport, IndicatorLevel1};
use crate::domain::settings::Framework;

/// The groups the indicators use, in the order they first appear.
fn groups_used(report: &EvaluationReport) -> Vec<IndicatorLevel1> {
    let mut groups = Vec::new();
    for level1 in report.goals.indicators.iter().filter_map(|i| i.level1) {
        if !groups.contains(&level1) {
            groups.push(level1);
        }
    }
    groups
}

pub(super) fn weights(
    report: &EvaluationReport,
    context: &CheckContext<'_>,
    findings: &mut Findings,
) {
    let goals = &report.goals;
    if goals.indicators.is_empty() {
        return;
    }
    let settings = context.settings;
    let name = goals.framework.as_ref().map(|n| n.as_str());
    let on_default = goals.on_default_framework();
    let held: Option<Framework> = if on_default {
        Some(settings.weights.framework())
    } else {
        name.and_then(|name| settings.framework(Some(name)))
    };
    if !on_default {
        let groups = groups_used(report);
        let (described, described_en) = match (name, &held) {
            (Some(name), Some(_)) => (format!("“{name}”"), format!("“{name}”")),
            (Some(name), None) => (
                format!("“{name}”（本年度设置中没有此指标体系）"),
                format!("“{name}” (not among the year's frameworks)"),
            ),
            (None, _) if groups.is_empty() => {
                ("无一级指标的平铺表".to_owned(), "a flat form".to_owned())
            }
            (None, _) => (
                groups
                    .iter()
                    .map(|g| g.chinese_name())
                    .collect::<Vec<_>>()
                    .join("、"),
                format!(
                    "the form's own groups ({})",
                    groups
                        .iter()
                        .map(|g| g.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        };
        findings.add(
            Rule::FrameworkNotDefault,
            "goals.framework",
            vec![figure("goals.framework", name.unwrap_or_default())],
            format!("绩效指标采用{described}，不是本年度默认的产出、效益、满意度指标体系，请复核分值。"),
            format!("The indicators follow {described_en}, not the year's default framework (output, effect, satisfaction); review the weights."),
        );
    }
    let Some(indicator_total) = goals.total_weight() else {
        return;
    };
    let Some(framework) = held else {
        // The form's own groups: execution scored apart takes what the indicators leave.
        if indicator_total > Decimal::ONE_HUNDRED {
            weights_not_100(findings, indicator_total, Decimal::ZERO, "the form's own");
        }
        return;
    };
    let execution = framework
        .budget_execution
        .map_or(Decimal::ZERO, |p| p.value());
    if indicator_total + execution != Decimal::ONE_HUNDRED {
        weights_not_100(
            findings,
            indicator_total,
            execution,
            framework.name.as_str(),
        );
    }
    for group in &framework.groups {
        let members = goals
            .indicators
            .iter()
            .filter(|i| i.level1 == Some(group.level1));
        let present = members.clone().next().is_some();
        let sum: Decimal = members.filter_map(|i| i.weight.map(|w| w.value())).sum();
        let configured = group.points.value();
        if present && sum != configured {
            let level1 = group.level1;
            let level1_zh = level1.chinese_name();
            let framework = framework.name.as_str();
            // The default framework's name is the settings' key, not a name a filer knows.
            let framework_zh = if on_default {
                "本年度默认指标体系".to_owned()
            } else {
                format!("指标体系“{framework}”")
            };
            findings.add(
                Rule::GroupWeightMismatch,
                "goals.indicators",
                vec![
                    figure(format!("sum of {level1} weights"), amount(sum)),
                    figure(format!("{level1} weight (framework {framework})"), amount(configured)),
                ],
                format!("{level1_zh}分值合计{}分，与{framework_zh}设置的{}分不一致。", amount(sum), amount(configured)),
                format!("The {level1} indicators weigh {} in all; the framework “{framework}” gives {}.", amount(sum), amount(configured)),
            );
        }
    }
}

fn weights_not_100(
    findings: &mut Findings,
    indicators: Decimal,
    execution: Decimal,
    framework: &str,
) {
    let total = indicators + execution;
    findings.add(
        Rule::WeightsNot100,
        "goals.indicators",
        vec![
            figure("sum of goals.indicators[*].weight", amount(indicators)),
            figure(
                format!("budget execution weight (framework {framework})"),
                amount(execution),
            ),
            figure("total", amount(total)),
        ],
        format!(
            "指标分值合计{}分，加预算执行{}分，共{}分，不等于100分。",
            amount(indicators),
            amount(execution),
            amount(total)
        ),
        format!(
            "Indicator weights ({}) plus budget execution ({}) make {}, not 100.",
            amount(indicators),
            amount(execution),
            amount(total)
        ),
    );
}
