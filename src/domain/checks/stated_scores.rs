//! Rule 8, the form's own arithmetic: the score and the 得分系数 an indicator states against
//! the score its scoring rule gives.

use rust_decimal::Decimal;

use super::{Findings, Rule, TOLERANCE, amount, figure};
use crate::domain::library::Library;
use crate::domain::report::{Assessment, EvaluationReport, IndicatorResult, ScoringRule};
use crate::domain::scoring::attainment;

/// Half a unit of the last digit a figure is stated with: `19` → 0.5, `9.00` → 0.005.
fn half_unit(stated: Decimal) -> Decimal {
    Decimal::new(5, stated.scale() + 1)
}

/// The same for a 得分系数, a share written `1`, `0.8`, `0.92`: never coarser than a tenth
/// (a `1` is the full weight, not anything from 0.5 to 1.5).
fn coefficient_half_unit(stated: Decimal) -> Decimal {
    Decimal::new(5, stated.scale().max(1) + 1)
}

/// Rule 8: a quantitative indicator's stated score (自评得分), and its stated 得分系数 ×
/// weight, agree with the score its rule gives, to the precision each is stated with. A missed
/// target claiming more than its rule gives is already `self_score_above_rule`, an error, and
/// is not said twice.
pub(super) fn stated_scores(report: &EvaluationReport, library: &Library, findings: &mut Findings) {
    for (i, result) in report.results.indicators.iter().enumerate() {
        if result.self_score.is_none() && result.stated_coefficient.is_none() {
            continue;
        }
        let Some(indicator) = report.indicator(&result.indicator_id) else {
            continue;
        };
        let Some(weight) = indicator.weight.map(|w| w.value()) else {
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
        let (met, fraction) = attainment(comparison, target, actual);
        let rule = indicator.rule(library);
        let Some(ours) = rule.score(weight, met, fraction) else {
            continue;
        };
        let self_score = result.self_score.map(|s| s.value());
        if !met && self_score.is_some_and(|own| own > ours + TOLERANCE) {
            continue;
        }
        let score_differs = self_score.is_some_and(|own| (own - ours).abs() > half_unit(own));
        let coefficient = result.stated_coefficient.map(|c| c.value());
        let coefficient_differs = coefficient
            .is_some_and(|c| (c * weight - ours).abs() > coefficient_half_unit(c) * weight);
        if !score_differs && !coefficient_differs {
            continue;
        }
        let path = format!("results.indicators[{i}]");
        let field = if score_differs {
            "self_score"
        } else {
            "stated_coefficient"
        };
        let ours = ours.round_dp(2);
        let (rule_zh, rule_name) = rule_text(rule);
        let mut figures = vec![figure(format!("{path}.actual"), actual_text(result))];
        figures.push(figure("target", indicator.target_text()));
        let mut stated_zh = Vec::new();
        let mut stated_en = Vec::new();
        if let Some(own) = self_score {
            figures.push(figure(format!("{path}.self_score"), amount(own)));
            stated_zh.push(format!("自评得分{}分", amount(own)));
            stated_en.push(format!("a score of {}", amount(own)));
        }
        if let Some(c) = coefficient {
            figures.push(figure(format!("{path}.stated_coefficient"), amount(c)));
            figures.push(figure(
                "stated_coefficient × weight",
                amount((c * weight).round_dp(2)),
            ));
            stated_zh.push(format!(
                "得分系数{}（× 分值{} = {}分）",
                amount(c),
                amount(weight),
                amount((c * weight).round_dp(2))
            ));
            stated_en.push(format!(
                "a 得分系数 of {} (× weight {} = {})",
                amount(c),
                amount(weight),
                amount((c * weight).round_dp(2))
            ));
        }
        figures.push(figure(
            format!("score by the indicator's rule ({rule_name})"),
            amount(ours),
        ));
        let name = indicator.name.as_str();
        findings.add(
            Rule::StatedScoreMismatch,
            format!("{path}.{field}"),
            figures,
            format!(
                "指标“{name}”填报{}，但按其评分规则（{rule_zh}）应得{}分。",
                stated_zh.join("、"),
                amount(ours)
            ),
            format!(
                "Indicator “{name}” states {}, but its scoring rule ({rule_name}) gives {}.",
                stated_en.join(" and "),
                amount(ours)
            ),
        );
    }
}

/// A scoring rule as a finding names it: in Chinese, then in English.
fn rule_text(rule: ScoringRule) -> (String, String) {
    match rule {
        ScoringRule::Proportional => (
            "按完成比例计分：分值×完成率".to_owned(),
            "proportional: weight × attainment".to_owned(),
        ),
        ScoringRule::StepDeduction {
            points,
            per_percent,
            floor,
        } => {
            let (points, per_percent) = (amount(points.value()), amount(per_percent.value()));
            let floor = amount(floor.map_or(Decimal::ZERO, |f| f.value()));
            (
                format!("每少完成{per_percent}%扣{points}分，最低{floor}分"),
                format!("step deduction: −{points} per {per_percent} % short, floor {floor}"),
            )
        }
        ScoringRule::AllOrNothing => (
            "完成得满分，未完成不得分".to_owned(),
            "all or nothing".to_owned(),
        ),
        ScoringRule::Bands => ("按档次计分".to_owned(), "by bands".to_owned()),
    }
}

fn actual_text(result: &IndicatorResult) -> String {
    result
        .actual
        .as_ref()
        .map_or_else(String::new, |a| a.as_str().to_owned())
}
