//! The checks on what real forms do: other frameworks and flat forms, lines held to their own
//! budgets, breakdowns with blank parts, stated figures against computed ones, and the
//! adjusted budget as the sum of its parts.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::*;
use crate::domain::report::EvaluationReport;
use crate::domain::settings::YearSettings;

fn findings_with(report: Value, settings: &YearSettings) -> Vec<(Rule, Severity)> {
    let report: EvaluationReport = serde_json::from_value(report).unwrap();
    let context = CheckContext {
        settings,
        approved: None,
        previous: None,
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
    let card = report.scorecard(&settings.weights, None);
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
