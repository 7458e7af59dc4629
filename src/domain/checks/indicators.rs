//! Rules 7 to 9: indicator weights, self-scores, deviation reasons and the stated score.

use rust_decimal::Decimal;

use super::{Findings, Rule, TOLERANCE, amount, figure};
use crate::domain::library::{Library, MatchedBy};
use crate::domain::report::{
    Achieved, Assessment, Comparison, EvaluationReport, Grade, Indicator, IndicatorResult, Reading,
    read_actual,
};
use crate::domain::result_application::rules::{EdgeRule, ResultRules};
use crate::domain::scoring::attainment;

/// Rules 7 to 10: weights, self-scores, deviation reasons, changed targets.
pub(super) fn indicators(report: &EvaluationReport, library: &Library, findings: &mut Findings) {
    let indicators = &report.goals.indicators;
    if indicators.is_empty() {
        findings.add(
            Rule::NoIndicators,
            "goals.indicators",
            Vec::new(),
            "报告未设置绩效指标（指标值、权重），无法按指标评分。".to_owned(),
            "The report sets no performance indicators (targets, weights), so it cannot be scored by indicator.".to_owned(),
        );
        return;
    }
    for (i, indicator) in indicators.iter().enumerate() {
        library_match(i, indicator, library, findings);
        if indicator.reading(library) == Reading::Unreadable {
            let (name, target) = (indicator.name.as_str(), indicator.target_text());
            findings.add(
                Rule::IndicatorUnscorable,
                format!("goals.indicators[{i}].target"),
                vec![figure(format!("goals.indicators[{i}].target"), target)],
                format!("指标“{name}”的指标值“{target}”读不出数值，无法按定量指标计分。"),
                format!("Indicator “{name}”: no figure can be read from the target `{target}`, so it is not scored."),
            );
        }
        if indicator.weight.is_none() {
            findings.add(
                Rule::IndicatorWithoutWeight,
                format!("goals.indicators[{i}].weight"),
                Vec::new(),
                format!("指标“{}”未设置分值。", indicator.name.as_str()),
                format!("Indicator “{}” has no weight.", indicator.name.as_str()),
            );
        }
    }
    for (i, result) in report.results.indicators.iter().enumerate() {
        let Some(indicator) = report.indicator(&result.indicator_id) else {
            continue;
        };
        let path = format!("results.indicators[{i}]");
        let name = indicator.name.as_str();
        actual_bound(&path, indicator, result, library, findings);
        let weight = indicator.weight.map(|w| w.value());
        let self_score = result.self_score.map(|s| s.value());
        if let (Some(own), Some(weight)) = (self_score, weight)
            && own > weight
        {
            findings.add(
                Rule::SelfScoreAboveWeight,
                format!("{path}.self_score"),
                vec![
                    figure(format!("{path}.self_score"), amount(own)),
                    figure(
                        format!(
                            "goals.indicators[{}].weight",
                            indicators
                                .iter()
                                .position(|x| x.id == indicator.id)
                                .unwrap_or(0)
                        ),
                        amount(weight),
                    ),
                ],
                format!(
                    "指标“{name}”自评得分{}分，高于其分值{}分。",
                    amount(own),
                    amount(weight)
                ),
                format!(
                    "Indicator “{name}” scores itself {}, above its weight of {}.",
                    amount(own),
                    amount(weight)
                ),
            );
        }
        let actual = result.actual.as_ref().map_or("", |a| a.as_str());
        let mut missed = matches!(self_score.zip(weight), Some((own, weight)) if own < weight);
        match indicator.assess(result, library) {
            Assessment::Qualitative => {
                missed |= matches!(
                    result.achievement,
                    Some(Achieved::PartlyAchieved | Achieved::NotAchieved)
                );
            }
            Assessment::Unscorable {
                message,
                message_en,
            } => {
                if indicator.reading(library) != Reading::Unreadable {
                    findings.add(
                        Rule::IndicatorUnscorable,
                        format!("{path}.actual"),
                        vec![
                            figure(format!("{path}.actual"), actual),
                            figure("target", indicator.target_text()),
                        ],
                        message,
                        message_en,
                    );
                }
            }
            Assessment::Figures {
                comparison,
                target,
                actual: value,
            } => {
                let (met, fraction) = attainment(comparison, target, value);
                missed |= !met;
                if !met
                    && let (Some(own), Some(weight)) = (self_score, weight)
                    && let Some(allowed) = indicator.rule(library).score(weight, met, fraction)
                    && own > allowed + TOLERANCE
                {
                    let target = indicator.target_text();
                    findings.add(
                        Rule::SelfScoreAboveRule,
                        format!("{path}.self_score"),
                        vec![
                            figure(format!("{path}.actual"), actual),
                            figure("target", target),
                            figure(format!("{path}.self_score"), amount(own)),
                            figure("score by the indicator's rule", amount(allowed.round_dp(2))),
                        ],
                        format!("指标“{name}”未完成目标（完成{actual}，目标{target}），按评分规则最多得{}分，自评{}分偏高。", amount(allowed.round_dp(2)), amount(own)),
                        format!("Indicator “{name}” missed its target ({actual} against {target}); its scoring rule allows {}, not {}.", amount(allowed.round_dp(2)), amount(own)),
                    );
                }
            }
        }
        if missed
            && result
                .deviation_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            findings.add(
                Rule::DeviationReasonMissing,
                format!("{path}.deviation_reason"),
                vec![figure(format!("{path}.actual"), actual), figure("target", indicator.target_text())],
                format!("指标“{name}”未完全完成或未得满分，请填写偏差原因分析及改进措施。"),
                format!("Indicator “{name}” missed its target or its full weight; give the reason for the deviation."),
            );
        }
    }
}

/// An actual written as a bound (`≥266米`, `≤5%`, `95%以上`) where the figure reached belongs:
/// it is read as that figure, which the finding says, so that neither the unit nor the
/// reviewer takes "at least 266" for what was done.
fn actual_bound(
    path: &str,
    indicator: &Indicator,
    result: &IndicatorResult,
    library: &Library,
    findings: &mut Findings,
) {
    if !indicator
        .kind(library)
        .is_some_and(Comparison::is_quantitative)
    {
        return;
    }
    let Some(written) = result.actual.as_ref().map(|a| a.as_str()) else {
        return;
    };
    let Some((value, unit, Some(bound))) = read_actual(written) else {
        return;
    };
    let (word, word_en) = match bound {
        Comparison::AtMost => ("上限", "at most"),
        _ => ("下限", "at least"),
    };
    let figure_read = format!("{}{}", amount(value), unit.unwrap_or_default());
    let name = indicator.name.as_str();
    findings.add(
        Rule::ActualWrittenAsBound,
        format!("{path}.actual"),
        vec![
            figure(format!("{path}.actual"), written),
            figure("read as", figure_read.clone()),
        ],
        format!("指标“{name}”的实际完成值“{written}”写成了{word}，按“{figure_read}”计；请填写实际完成的数值。"),
        format!("Indicator “{name}”: the actual `{written}` is written as a bound ({word_en}) and is read as {figure_read}; state the figure reached."),
    );
}

/// What the library recognised an indicator as, where the report did not name the code: never
/// a silent rewrite, and the reading of a bare target by the library's direction said aloud.
fn library_match(i: usize, indicator: &Indicator, library: &Library, findings: &mut Findings) {
    let Some(found) = indicator.library_match(library) else {
        return;
    };
    let by_library = indicator.compared_by_library(library);
    let unit = indicator.unit_by_library(library);
    if found.by == MatchedBy::Code && !by_library && unit.is_none() {
        return;
    }
    let (name, standard, code) = (
        indicator.name.as_str(),
        found.indicator.name.as_str(),
        found.indicator.code.as_str(),
    );
    let path = format!("goals.indicators[{i}]");
    let mut figures = vec![
        figure(format!("{path}.name"), name),
        figure("library indicator", format!("{code} {standard}")),
    ];
    if (by_library || unit.is_some())
        && let Reading::Figure { comparison, .. } = indicator.reading(library)
    {
        let target = indicator.target_text();
        let (sign, sign_en) = match comparison {
            Comparison::AtMost => ("≤", "at most"),
            Comparison::Equal => ("=", "equal to"),
            Comparison::AtLeast | Comparison::Qualitative => ("≥", "at least"),
        };
        let unit = unit.unwrap_or_default();
        figures.push(figure(format!("{path}.target"), target));
        figures.push(figure("read as", format!("{sign} {target}{unit}")));
        if !unit.is_empty() {
            figures.push(figure("unit (library)", unit));
        }
        // What the library decided of the reading: the comparison, the unit, or both.
        let (how, how_en) = match (by_library, unit.is_empty()) {
            (true, false) => (
                format!("未写比较符号和计量单位，按该指标的方向和指标库的单位“{unit}”"),
                format!(
                    "has no sign and no unit, and is read as that indicator points, in the library's unit `{unit}`:"
                ),
            ),
            (true, true) => (
                "未写比较符号，按该指标的方向".to_owned(),
                "has no sign and is read as that indicator points:".to_owned(),
            ),
            (false, _) => (
                format!("未写计量单位，按指标库的单位“{unit}”"),
                format!("has no unit and is read in the library's unit `{unit}`:"),
            ),
        };
        findings.add(
            Rule::TargetReadByLibrary,
            format!("{path}.target"),
            figures,
            format!("指标“{name}”按指标库识别为“{standard}”（{code}），其指标值“{target}”{how}读作“{sign}{target}{unit}”；如不是此意，请写明比较符号、指标性质或计量单位。"),
            format!("Indicator “{name}” is library indicator {code} “{standard}”; its target `{target}` {how_en} {sign_en} {target}{unit}. If that is not what was meant, state the sign, the comparison or the unit."),
        );
        return;
    }
    findings.add(
        Rule::IndicatorMatchedLibrary,
        format!("{path}.name"),
        figures,
        format!("指标“{name}”按指标库识别为“{standard}”（{code}）；如无误，可在指标中注明指标库代码。"),
        format!("Indicator “{name}” is recognised as library indicator {code} “{standard}”; name the code on the indicator to confirm it."),
    );
}

/// Rule 7, the stated score: the stated total is the sum of the stated parts, and the stated
/// grade is the grade of the stated total by the year's result `rules` (its bands and edge
/// rule).
pub(super) fn stated_score(
    report: &EvaluationReport,
    rules: &ResultRules,
    findings: &mut Findings,
) {
    let indicators = &report.goals.indicators;
    let results = &report.results;
    let self_scores: Option<Decimal> = indicators
        .iter()
        .map(|ind| {
            let result = results.indicators.iter().find(|r| r.indicator_id == ind.id);
            result.and_then(|r| r.self_score).map(|s| s.value())
        })
        .sum();
    let parts = results
        .stated_execution_score
        .map(|s| s.value())
        .zip(self_scores)
        .map(|(execution, indicators)| execution + indicators);
    if let (Some(stated), Some(parts)) = (results.stated_total_score.map(|s| s.value()), parts)
        && (stated - parts).abs() > TOLERANCE
    {
        findings.add(
            Rule::StatedTotalMismatch,
            "results.stated_total_score",
            vec![
                figure("results.stated_total_score", amount(stated)),
                figure("stated execution score + self-scores", amount(parts)),
            ],
            format!(
                "自评总分{}分与各项自评得分之和{}分不一致。",
                amount(stated),
                amount(parts)
            ),
            format!(
                "The stated total ({}) is not the sum of the stated parts ({}).",
                amount(stated),
                amount(parts)
            ),
        );
    }
    if let (Some(stated), Some(grade)) = (results.stated_total_score, results.stated_grade) {
        let expected = rules.grade(stated.value());
        if expected != grade {
            let (edge_zh, edge_en) = match rules.edge_rule {
                EdgeRule::LowerInclusive => (
                    "边界分数归上一等级",
                    "a score on an edge in the band above it",
                ),
                EdgeRule::UpperInclusive => (
                    "边界分数归下一等级",
                    "a score on an edge in the band below it",
                ),
            };
            findings.add(
                Rule::StatedGradeMismatch,
                "results.stated_grade",
                vec![
                    figure("results.stated_total_score", amount(stated.value())),
                    figure("results.stated_grade", format!("{grade:?}")),
                    figure("result_rules.edge_rule", rules.edge_rule.as_str()),
                    figure(format!("result_rules band of {expected:?}"), rules.range_en(expected)),
                ],
                format!(
                    "自评总分{}分按本年度结果应用规则（{}）对应等级应为“{}”（{}），与所填等级“{}”不符。",
                    amount(stated.value()),
                    edge_zh,
                    grade_zh(expected),
                    rules.range(expected),
                    grade_zh(grade)
                ),
                format!(
                    "A total of {} is graded {:?} by the year's result rules ({}; {:?} is {}), not {:?}.",
                    amount(stated.value()),
                    expected,
                    edge_en,
                    expected,
                    rules.range_en(expected),
                    grade
                ),
            );
        }
    }
}

fn grade_zh(grade: Grade) -> &'static str {
    match grade {
        Grade::Excellent => "优",
        Grade::Good => "良",
        Grade::Fair => "中",
        Grade::Poor => "差",
    }
}
