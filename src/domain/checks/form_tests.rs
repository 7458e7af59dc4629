//! The checks on what real forms do: other frameworks and flat forms, lines held to their own
//! budgets, breakdowns with blank parts, stated figures against computed ones, and the
//! adjusted budget as the sum of its parts.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::*;
use crate::domain::report::EvaluationReport;
use crate::domain::result_application::rules::ResultRules;
use crate::domain::settings::YearSettings;

fn findings_with(report: Value, settings: &YearSettings) -> Vec<(Rule, Severity)> {
    let report: EvaluationReport = serde_json::from_value(report).unwrap();
    let context = CheckContext {
        settings,
        approved: None,
        previous: None,
        library: crate::domain::library::Library::common(),
        rules: &ResultRules::default(),
    };
    report
        .findings(&context)
        .into_iter()
        .map(|f| (f.rule, f.severity))
        .collect()
}

/// 决策 20, 过程 20 (execution scored inside, as an indicator), 产出 40, 效益 20.
fn decision_process_form(framework: Option<&str>, output: &str) -> Value {
    json!({
        "budget": {"total": {"adjusted": "100", "executed": "95"}},
        "goals": {"framework": framework, "indicators": [
            {"id": "1", "level1": "decision", "name": "目标设定", "comparison": "qualitative", "target": "合理", "weight": "20"},
            {"id": "2", "level1": "process", "name": "预算执行率", "target": "≥90%", "weight": "20"},
            {"id": "3", "level1": "output", "name": "办文", "target": "≥100件", "weight": output},
            {"id": "4", "level1": "effect", "name": "采用率", "target": "≥40%", "weight": "20"}
        ]}
    })
}

/// A form on 决策 / 过程 / 产出 / 效益 whose weights make 100 is right on its own framework: a
/// warning that it is not the year's, no error.
#[test]
fn a_form_on_another_framework_is_a_warning_not_an_error() {
    let settings = YearSettings::default();
    let found = findings_with(decision_process_form(None, "40"), &settings);
    assert!(found.contains(&(Rule::FrameworkNotDefault, Severity::Warning)));
    assert!(
        !found.iter().any(|(_, s)| *s == Severity::Error),
        "{found:?}"
    );
    let report: EvaluationReport =
        serde_json::from_value(decision_process_form(None, "40")).unwrap();
    let card = report.scorecard(
        &settings.weights,
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    // Execution is scored inside (the indicators take all 100 points): no points apart.
    assert_eq!(card.execution.weight, Decimal::ZERO);
    assert!(card.subtotals.iter().all(|s| s.configured_weight.is_none()));
}

/// A framework the year names is held to its own groups' points.
#[test]
fn a_named_framework_is_held_to_its_groups() {
    let settings: YearSettings = serde_json::from_value(json!({
        "frameworks": [{"name": "决策过程产出效益", "groups": [
            {"level1": "decision", "points": "20"}, {"level1": "process", "points": "20"},
            {"level1": "output", "points": "40"}, {"level1": "effect", "points": "20"}
        ]}]
    }))
    .unwrap();
    assert!(settings.errors().is_empty());
    let right = findings_with(
        decision_process_form(Some("决策过程产出效益"), "40"),
        &settings,
    );
    assert!(
        !right.iter().any(|(_, s)| *s == Severity::Error),
        "{right:?}"
    );
    let wrong = findings_with(
        decision_process_form(Some("决策过程产出效益"), "30"),
        &settings,
    );
    assert!(wrong.contains(&(Rule::GroupWeightMismatch, Severity::Error)));
    assert!(wrong.contains(&(Rule::WeightsNot100, Severity::Error)));
}

/// A flat form (no 一级) whose weights leave 10 for execution is its own framework.
#[test]
fn a_flat_form_is_a_framework_too() {
    let flat = json!({"goals": {"indicators": [
        {"id": "1", "name": "办文", "target": "≥100件", "weight": "60"},
        {"id": "2", "name": "满意度", "target": "≥95%", "weight": "30"}
    ]}});
    let found = findings_with(flat, &YearSettings::default());
    assert_eq!(found, [(Rule::FrameworkNotDefault, Severity::Warning)]);
}

fn rules_of(report: Value) -> Vec<(Rule, Severity, String)> {
    let report: EvaluationReport = serde_json::from_value(report).unwrap();
    let settings = YearSettings::default();
    let context = CheckContext {
        settings: &settings,
        approved: None,
        previous: None,
        library: crate::domain::library::Library::common(),
        rules: &ResultRules::default(),
    };
    report
        .findings(&context)
        .into_iter()
        .map(|f| (f.rule, f.severity, f.path))
        .collect()
}

/// A project line executed at twice its budget and a 公用经费 line at three times no longer
/// pass because the unit's total is in order; a note on the line explains it.
#[test]
fn each_line_is_held_to_its_own_budget() {
    let report = |note: Option<&str>| {
        json!({"budget": {
            "total": {"adjusted": "300", "executed": "290"},
            "basic": {"amounts": {"adjusted": "100", "executed": "100"},
                      "public_operation": {"adjusted": "40", "executed": "40"},
                      "public_operation_lines": [
                          {"name": "办公费", "amounts": {"initial": "10", "executed": "30"}},
                          {"name": "差旅费", "amounts": {"initial": "30", "executed": "10"}}]},
            "projects": {"amounts": {"adjusted": "200", "executed": "190"}, "lines": [
                {"name": "信息化", "amounts": {"adjusted": "50", "executed": "100", "note": note}},
                {"name": "会议", "amounts": {"adjusted": "150", "executed": "90"}}]}
        }})
    };
    let found = rules_of(report(None));
    let lines: Vec<(Rule, String)> = found
        .iter()
        .filter(|(r, _, _)| {
            matches!(
                r,
                Rule::LineExecutionAboveBudget | Rule::LineExecutionBelowFloor
            )
        })
        .map(|(r, _, p)| (*r, p.clone()))
        .collect();
    // 办公费 30 ÷ 10 = 300 %; 差旅费 10 ÷ 30 = 33.33 %; 信息化 100 ÷ 50 = 200 %;
    // 会议 90 ÷ 150 = 60 % (below 90 %). Errors come first.
    assert_eq!(
        lines,
        [
            (
                Rule::LineExecutionAboveBudget,
                "budget.basic.public_operation_lines[0].amounts.note".to_owned()
            ),
            (
                Rule::LineExecutionAboveBudget,
                "budget.projects.lines[0].amounts.note".to_owned()
            ),
            (
                Rule::LineExecutionBelowFloor,
                "budget.basic.public_operation_lines[1].amounts.note".to_owned()
            ),
            (
                Rule::LineExecutionBelowFloor,
                "budget.projects.lines[1].amounts.note".to_owned()
            ),
        ]
    );
    let noted = rules_of(report(Some("年中追加系统升级")));
    assert!(
        !noted
            .iter()
            .any(|(_, _, p)| p == "budget.projects.lines[0].amounts.note")
    );
    let parsed: EvaluationReport = serde_json::from_value(report(None)).unwrap();
    let figures = parsed.derived_figures();
    let rates: Vec<String> = figures
        .lines
        .iter()
        .map(|l| {
            l.figures
                .execution_rate
                .map(String::from)
                .unwrap_or_default()
        })
        .collect();
    // 公用经费 (0), its two lines (1, 2), the two project lines (3, 4).
    assert_eq!(rates[1], "300");
    assert_eq!(rates[3], "200");
}

/// A part that leaves a column blank (`{}`, the form's `—`) no longer switches the breakdown
/// off: parts above the total are an error, a shortfall is a note naming the blank parts.
#[test]
fn a_breakdown_with_blank_parts_is_still_checked() {
    let three = |reception: &str| {
        json!({"budget": {"three_public": {
            "total": {"actual": "10"},
            "reception": {"actual": reception},
            "official_vehicles": {"total": {"actual": "4"}},
            "overseas_travel": {}
        }}})
    };
    // 8 + 4 = 12 > 10, whatever overseas_travel leaves blank.
    let above = rules_of(three("8"));
    assert!(above.contains(&(
        Rule::BreakdownExceedsTotal,
        Severity::Error,
        "budget.three_public.total.actual".to_owned()
    )));
    // 3 + 4 = 7 < 10 with overseas_travel blank: a note.
    let short = rules_of(three("3"));
    assert!(short.contains(&(
        Rule::BreakdownPartsBlank,
        Severity::Note,
        "budget.three_public.total.actual".to_owned()
    )));
    // 3 + 4 + 0 = 7 < 10 with every part given: a warning.
    let mut given = three("3");
    given["budget"]["three_public"]["overseas_travel"] = json!({"actual": "0"});
    assert!(rules_of(given).contains(&(
        Rule::BreakdownShortOfTotal,
        Severity::Warning,
        "budget.three_public.total.actual".to_owned()
    )));
    // 6 + 4 = 10: nothing, blank or not.
    let even = rules_of(three("6"));
    assert_eq!(
        even,
        [(
            Rule::NoIndicators,
            Severity::Warning,
            "goals.indicators".to_owned()
        )]
    );
}

/// 预算执行率 and 三公经费变动率 stated by indicators are compared with the figures the report
/// itself gives.
#[test]
fn a_stated_figure_the_service_computes_is_compared_with_it() {
    let report = |execution: &str, change: &str| {
        json!({
            "budget": {"total": {"adjusted": "1200", "executed": "1080"},
                       "three_public": {"total": {"actual": "9", "prior_year_actual": "10"}}},
            "goals": {"indicators": [
                {"id": "1", "name": "预算执行率", "target": "≥90%"},
                {"id": "2", "name": "“三公”经费变动率", "target": "≤0%", "metric": "three_public_change_rate"}
            ]},
            "results": {"indicators": [
                {"indicator_id": "1", "actual": execution},
                {"indicator_id": "2", "actual": change}
            ]}
        })
    };
    let mismatches = |report: Value| -> Vec<String> {
        rules_of(report)
            .into_iter()
            .filter(|(r, _, _)| *r == Rule::StatedRateMismatch)
            .map(|(_, _, p)| p)
            .collect()
    };
    // 1080 ÷ 1200 = 90 %; (9 − 10) ÷ 10 = −10 %.
    assert!(mismatches(report("90%", "-10%")).is_empty());
    assert_eq!(
        mismatches(report("98.5%", "-5%")),
        [
            "results.indicators[0].actual",
            "results.indicators[1].actual"
        ]
    );
}

/// 年初预算 + 年初结转结余 + 本年追加 = 调整预算.
#[test]
fn the_adjusted_budget_is_initial_plus_carried_in_plus_added() {
    let report = |adjusted: &str| json!({"budget": {"total": {"initial": "1000", "carried_in": "50", "added": "150", "adjusted": adjusted}}});
    assert!(
        !rules_of(report("1200"))
            .iter()
            .any(|(r, _, _)| *r == Rule::AdjustedBudgetDoesNotAddUp)
    );
    assert!(
        rules_of(report("1250"))
            .iter()
            .any(|(r, _, _)| *r == Rule::AdjustedBudgetDoesNotAddUp)
    );
}

/// One quantitative indicator of weight 10 on `≥100件`, with what the form states.
fn stated_score_form(actual: &str, rule: Value, stated: Value) -> Value {
    let mut result = json!({"indicator_id": "1", "actual": actual, "deviation_reason": "说明"});
    if let (Some(result), Some(stated)) = (result.as_object_mut(), stated.as_object()) {
        result.extend(stated.clone());
    }
    json!({
        "goals": {"indicators": [
            {"id": "1", "name": "办文", "target": "≥100件", "weight": "10", "scoring_rule": rule}
        ]},
        "results": {"indicators": [result]}
    })
}

fn stated_score_findings(report: Value) -> Vec<(Rule, String)> {
    rules_of(report)
        .into_iter()
        .filter(|(r, _, _)| [Rule::StatedScoreMismatch, Rule::SelfScoreAboveRule].contains(r))
        .map(|(r, _, p)| (r, p))
        .collect()
}

/// The score and the 得分系数 a form states are held to the score of the indicator's rule, to
/// the precision each is written with.
#[test]
fn a_stated_score_or_coefficient_is_held_to_the_rule() {
    let proportional = Value::Null;
    let path = |field: &str| format!("results.indicators[0].{field}");
    // Met (120 ≥ 100): the rule gives the full 10. A form that docks a point: a warning.
    assert_eq!(
        stated_score_findings(stated_score_form(
            "120件",
            proportional.clone(),
            json!({"self_score": "9"})
        )),
        [(Rule::StatedScoreMismatch, path("self_score"))]
    );
    // 92 of 100, proportional: 10 × 0.92 = 9.2. A 得分系数 of 0.92 (× 10 = 9.2) and a score
    // of 9.2 agree; a 得分系数 of 1 (× 10 = 10) does not, whatever the score says.
    assert!(
        stated_score_findings(stated_score_form(
            "92件",
            proportional.clone(),
            json!({"self_score": "9.2", "stated_coefficient": "0.92"})
        ))
        .is_empty()
    );
    assert_eq!(
        stated_score_findings(stated_score_form(
            "92件",
            proportional.clone(),
            json!({"self_score": "9.2", "stated_coefficient": "1"})
        )),
        [(Rule::StatedScoreMismatch, path("stated_coefficient"))]
    );
    // Within the stated precision: `9` is 9.2 to the unit (|9 − 9.2| = 0.2 ≤ 0.5), and a
    // 得分系数 of `0.9` is 0.92 to the tenth (|0.9 − 0.92| × 10 = 0.2 ≤ 0.05 × 10); `9.0` is
    // not (0.2 > 0.05), nor is a 得分系数 of `1`, read to the tenth at least
    // (|1 − 0.92| × 10 = 0.8 > 0.5).
    assert!(
        stated_score_findings(stated_score_form(
            "92件",
            proportional.clone(),
            json!({"self_score": "9", "stated_coefficient": "0.9"})
        ))
        .is_empty()
    );
    assert_eq!(
        stated_score_findings(stated_score_form(
            "92件",
            proportional.clone(),
            json!({"self_score": "9.0"})
        )),
        [(Rule::StatedScoreMismatch, path("self_score"))]
    );
    // A missed target claiming more than the rule: the error alone, not said twice.
    assert_eq!(
        stated_score_findings(stated_score_form(
            "92件",
            proportional,
            json!({"self_score": "10", "stated_coefficient": "1"})
        )),
        [(Rule::SelfScoreAboveRule, path("self_score"))]
    );
    // 每低1%扣1分 from 10: 95 of 100 is 5 % short → 10 − 5 = 5. A form stating 4 gives away
    // a point its rule keeps; all or nothing gives 0, and a stated 0 agrees.
    let steps = json!({"kind": "step_deduction", "points": "1", "per_percent": "1"});
    assert_eq!(
        stated_score_findings(stated_score_form("95件", steps, json!({"self_score": "4"}))),
        [(Rule::StatedScoreMismatch, path("self_score"))]
    );
    let all_or_nothing = json!({"kind": "all_or_nothing"});
    assert!(
        stated_score_findings(stated_score_form(
            "95件",
            all_or_nothing,
            json!({"self_score": "0", "stated_coefficient": "0"})
        ))
        .is_empty()
    );
}

/// The finding gives both figures and the rule, in both languages, the rule in words.
#[test]
fn a_stated_score_mismatch_names_both_figures_and_the_rule() {
    let steps = json!({"kind": "step_deduction", "points": "1", "per_percent": "1"});
    let report: EvaluationReport = serde_json::from_value(stated_score_form(
        "95件",
        steps,
        json!({"self_score": "4", "stated_coefficient": "0.4"}),
    ))
    .unwrap();
    let settings = YearSettings::default();
    let context = CheckContext {
        settings: &settings,
        approved: None,
        previous: None,
        library: crate::domain::library::Library::common(),
        rules: &ResultRules::default(),
    };
    let findings = report.findings(&context);
    let finding = findings
        .iter()
        .find(|f| f.rule == Rule::StatedScoreMismatch)
        .unwrap();
    assert_eq!(finding.severity, Severity::Warning);
    let figures: Vec<(&str, &str)> = finding
        .figures
        .iter()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        figures,
        [
            ("results.indicators[0].actual", "95件"),
            ("target", "≥100件"),
            ("results.indicators[0].self_score", "4"),
            ("results.indicators[0].stated_coefficient", "0.4"),
            ("stated_coefficient × weight", "4"),
            (
                "score by the indicator's rule (step deduction: −1 per 1 % short, floor 0)",
                "5"
            ),
        ]
    );
    assert_eq!(
        finding.message,
        "指标“办文”填报自评得分4分、得分系数0.4（× 分值10 = 4分），但按其评分规则（每少完成1%扣1分，最低0分）应得5分。"
    );
    assert_eq!(
        finding.message_en,
        "Indicator “办文” states a score of 4 and a 得分系数 of 0.4 (× weight 10 = 4), but its scoring rule (step deduction: −1 per 1 % short, floor 0) gives 5."
    );
}

/// A 完成率 stated beside an indicator is its actual against its target: 92 of ≥100 is 92 %,
/// ≤10 met by 8 is 10 ÷ 8 = 125 % (or 100 % where the form caps it).
#[test]
fn a_stated_completion_rate_is_the_rows_own_actual_against_its_target() {
    let report = |first: &str, second: &str| {
        json!({
            "goals": {"indicators": [
                {"id": "1", "name": "办文", "target": "≥100件", "weight": "10"},
                {"id": "2", "name": "投诉", "target": "≤10次", "weight": "10"}
            ]},
            "results": {"indicators": [
                {"indicator_id": "1", "actual": "92件", "stated_attainment": first, "deviation_reason": "说明"},
                {"indicator_id": "2", "actual": "8次", "stated_attainment": second}
            ]}
        })
    };
    let mismatches = |report: Value| -> Vec<String> {
        rules_of(report)
            .into_iter()
            .filter(|(r, _, _)| *r == Rule::StatedRateMismatch)
            .map(|(_, _, p)| p)
            .collect()
    };
    assert!(mismatches(report("92", "125")).is_empty());
    assert!(mismatches(report("92.0", "100")).is_empty());
    // 95 is not 92, and 80 (8 ÷ 10, the ratio the wrong way round) is neither 125 nor 100.
    assert_eq!(
        mismatches(report("95", "80")),
        [
            "results.indicators[0].stated_attainment",
            "results.indicators[1].stated_attainment"
        ]
    );
}
