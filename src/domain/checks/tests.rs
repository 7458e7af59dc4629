//! Each rule fires on what does not add up and stays quiet on its correction.

use serde_json::{Value, json};

use super::*;
use chrono::Utc;

use crate::domain::report::{Comparison, EvaluationReport, Goals};
use rust_decimal::Decimal;

use crate::domain::settings::YearSettings;

fn weighted_goals(weights: [&str; 3]) -> Value {
    json!({"indicators": [
        {"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "100", "weight": weights[0]},
        {"id": "e", "level1": "effect", "level2": "社会效益", "name": "采用率", "unit": "%", "comparison": "at_least", "target": "40", "weight": weights[1]},
        {"id": "s", "level1": "satisfaction", "level2": "服务对象满意度", "name": "满意度", "comparison": "qualitative", "target": "高", "weight": weights[2]}
    ]})
}

fn rules(
    report: Value,
    approved: Option<&ApprovedGoals>,
    previous: Option<Value>,
) -> Vec<&'static str> {
    let report: EvaluationReport = serde_json::from_value(report).unwrap();
    let previous: Option<EvaluationReport> = previous.map(|p| serde_json::from_value(p).unwrap());
    let settings = YearSettings::default();
    let context = CheckContext {
        settings: &settings,
        approved,
        previous: previous.as_ref(),
    };
    report
        .findings(&context)
        .into_iter()
        .map(|f| f.rule.as_str())
        .collect()
}

/// Each case: the rule, a report where it fires, and the same report corrected.
fn cases() -> Vec<(&'static str, Value, Value)> {
    let goals = weighted_goals(["50", "30", "10"]);
    vec![
        (
            "breakdown_exceeds_total",
            json!({"budget": {"projects": {"amounts": {"initial": "1081"}, "lines": [{"name": "业务", "amounts": {"initial": "185"}}, {"name": "专项", "amounts": {"initial": "1309.77"}}]}}}),
            json!({"budget": {"projects": {"amounts": {"initial": "1494.77"}, "lines": [{"name": "业务", "amounts": {"initial": "185"}}, {"name": "专项", "amounts": {"initial": "1309.77"}}]}}}),
        ),
        (
            "breakdown_short_of_total",
            json!({"budget": {"three_public": {"total": {"budget": "8.00"}, "reception": {"budget": "5"}}}}),
            json!({"budget": {"three_public": {"total": {"budget": "8.00"}, "reception": {"budget": "7.995"}}}}),
        ),
        (
            "execution_above_budget",
            json!({"budget": {"total": {"adjusted": "100", "executed": "101"}}}),
            json!({"budget": {"total": {"adjusted": "100", "executed": "101"}, "execution_note": "年底追加专项"}}),
        ),
        (
            "execution_below_90",
            json!({"budget": {"total": {"adjusted": "100", "executed": "89.99"}}}),
            json!({"budget": {"total": {"adjusted": "100", "executed": "90"}}}),
        ),
        (
            "adjustment_over_30",
            json!({"budget": {"total": {"initial": "100", "adjusted": "130.01"}}}),
            json!({"budget": {"total": {"initial": "100", "adjusted": "130"}}}),
        ),
        (
            "on_duty_above_payroll",
            json!({"profile": {"staffing": {"on_payroll": 50, "on_duty": 51}}}),
            json!({"profile": {"staffing": {"on_payroll": 50, "on_duty": 50}}}),
        ),
        (
            "payroll_above_establishment",
            json!({"profile": {"staffing": {"authorized_total": 50, "on_payroll": 51}}}),
            json!({"profile": {"staffing": {"authorized_total": 50, "on_payroll": 50}}}),
        ),
        (
            "posts_do_not_add_up",
            json!({"profile": {"staffing": {"authorized_total": 50, "authorized_posts": [{"kind": "administrative", "count": 15}]},
                            "subordinate_institutions": [{"name": "中心", "authorized_posts": 5}]}}),
            json!({"profile": {"staffing": {"authorized_total": 20, "authorized_posts": [{"kind": "administrative", "count": 15}]},
                            "subordinate_institutions": [{"name": "中心", "authorized_posts": 5}]}}),
        ),
        (
            "stated_rate_mismatch",
            json!({"results": {"achievements": [{"theme": "信息", "text": "采用率达45%", "rates": [{"label": "采用率", "stated_percent": "45", "numerator": "120", "denominator": "300"}]}]}}),
            json!({"results": {"achievements": [{"theme": "信息", "text": "采用率达40%", "rates": [{"label": "采用率", "stated_percent": "40", "numerator": "120", "denominator": "300"}]}]}}),
        ),
        ("no_indicators", json!({}), json!({"goals": goals.clone()})),
        (
            "indicator_without_weight",
            json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "1"}]}}),
            json!({"goals": goals.clone()}),
        ),
        (
            "weights_not_100",
            json!({"goals": weighted_goals(["50", "30", "20"])}),
            json!({"goals": goals.clone()}),
        ),
        (
            "group_weight_mismatch",
            json!({"goals": weighted_goals(["60", "20", "10"])}),
            json!({"goals": goals.clone()}),
        ),
        (
            "self_score_above_weight",
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "120", "self_score": "50.5"}]}}),
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "120", "self_score": "50"}]}}),
        ),
        (
            "self_score_above_rule",
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "80", "self_score": "50", "deviation_reason": "人手不足"}]}}),
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "80", "self_score": "40", "deviation_reason": "人手不足"}]}}),
        ),
        (
            "deviation_reason_missing",
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "e", "actual": "30", "self_score": "22.5"}]}}),
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "e", "actual": "30", "self_score": "22.5", "deviation_reason": "上级采用数减少"}]}}),
        ),
        (
            "stated_total_mismatch",
            json!({"goals": goals.clone(), "results": {"stated_execution_score": "10", "stated_total_score": "95",
                "indicators": [{"indicator_id": "o", "actual": "100", "self_score": "50"}, {"indicator_id": "e", "actual": "40", "self_score": "30"},
                               {"indicator_id": "s", "actual": "高", "self_score": "10", "achievement": "achieved"}]}}),
            json!({"goals": goals.clone(), "results": {"stated_execution_score": "10", "stated_total_score": "100",
                "indicators": [{"indicator_id": "o", "actual": "100", "self_score": "50"}, {"indicator_id": "e", "actual": "40", "self_score": "30"},
                               {"indicator_id": "s", "actual": "高", "self_score": "10", "achievement": "achieved"}]}}),
        ),
        (
            "stated_grade_mismatch",
            json!({"results": {"stated_total_score": "89.5", "stated_grade": "excellent"}}),
            json!({"results": {"stated_total_score": "89.5", "stated_grade": "good"}}),
        ),
        (
            "adjusted_target_without_reason",
            json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "100", "adjusted_target": "90", "weight": "90"}]}}),
            json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "100", "adjusted_target": "90", "adjustment_reason": "机构改革", "weight": "90"}]}}),
        ),
        (
            "indicator_unscorable",
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o"}]}}),
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "120篇"}]}}),
        ),
    ]
}

#[test]
fn each_rule_fires_on_what_does_not_add_up_and_not_on_its_correction() {
    for (rule, firing, quiet) in cases() {
        assert!(
            rules(firing, None, None).contains(&rule),
            "{rule} should fire"
        );
        assert!(
            !rules(quiet, None, None).contains(&rule),
            "{rule} should not fire on the corrected report"
        );
    }
}

fn approved(target: &str) -> ApprovedGoals {
    ApprovedGoals {
        approved_by: "reviewer".to_owned(),
        approved_at: Utc::now(),
        version: 1,
        targets: vec![ApprovedTarget {
            indicator_id: "o".to_owned(),
            target: target.to_owned(),
            comparison: Some(Comparison::AtLeast),
        }],
    }
}

#[test]
fn an_approved_indicator_may_be_neither_dropped_nor_given_another_comparison() {
    let goals = |id: &str, comparison: &str| -> Goals {
        serde_json::from_value(
            json!({"indicators": [{"id": id, "level1": "output", "level2": "数量",
            "name": "办文", "comparison": comparison, "target": "100", "weight": "90"}]}),
        )
        .unwrap()
    };
    let approved = approved("100");
    assert_eq!(approved.violations(&goals("o", "at_least")), Vec::new());
    let rekeyed = approved.violations(&goals("o-2", "at_least"));
    assert_eq!(
        rekeyed.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["goals.indicators"]
    );
    let flipped = approved.violations(&goals("o", "at_most"));
    assert_eq!(
        flipped.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["goals.indicators[0].comparison"]
    );
}

#[test]
fn a_target_that_left_its_approved_value_is_an_error_and_a_new_indicator_a_warning() {
    let goals = weighted_goals(["50", "30", "10"]);
    let found = rules(json!({"goals": goals}), Some(&approved("120")), None);
    assert!(found.contains(&"target_changed_after_approval"));
    assert!(found.contains(&"indicator_added_after_approval"));
    let kept = json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文",
        "comparison": "at_least", "target": "100", "weight": "90"}]}});
    let found = rules(kept, Some(&approved("100")), None);
    assert!(!found.contains(&"target_changed_after_approval"));
    assert!(!found.contains(&"indicator_added_after_approval"));
}

#[test]
fn a_retyped_prior_year_figure_is_compared_with_last_years_report() {
    let previous = json!({"budget": {"basic": {"amounts": {"executed": "1600.5"}}, "three_public": {"total": {"actual": "7.2"}}}});
    let retyped = json!({"budget": {"basic": {"amounts": {"prior_year_executed": "1600"}}, "three_public": {"total": {"prior_year_actual": "7.2"}}}});
    let found = rules(retyped, None, Some(previous.clone()));
    assert_eq!(
        found
            .iter()
            .filter(|r| **r == "prior_year_figure_differs")
            .count(),
        1
    );
    let read = json!({"budget": {"basic": {"amounts": {"prior_year_executed": "1600.50"}}}});
    assert!(!rules(read, None, Some(previous)).contains(&"prior_year_figure_differs"));
}

#[test]
fn a_rate_stated_in_whole_percent_may_round() {
    let report = json!({"results": {"achievements": [{"theme": "t", "text": "x", "rates": [
        {"label": "办结率", "stated_percent": "93", "numerator": "26", "denominator": "28"},
        {"label": "满意率", "stated_percent": "92.8", "numerator": "26", "denominator": "28"}]}]}});
    let found = rules(report, None, None);
    assert_eq!(
        found
            .iter()
            .filter(|r| **r == "stated_rate_mismatch")
            .count(),
        1,
        "92.857… is 93 but not 92.8"
    );
}

#[test]
fn a_breakdown_finding_names_the_figures_and_speaks_both_languages() {
    let report: EvaluationReport = serde_json::from_value(json!({"budget": {"projects": {"amounts": {"initial": "1081"},
        "lines": [{"name": "业务", "amounts": {"initial": "185"}}, {"name": "专项", "amounts": {"initial": "1309.77"}}]}}})).unwrap();
    let settings = YearSettings::default();
    let findings = report.findings(&CheckContext {
        settings: &settings,
        approved: None,
        previous: None,
    });
    let finding = findings
        .iter()
        .find(|f| f.rule == Rule::BreakdownExceedsTotal)
        .unwrap();
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(finding.path, "budget.projects.amounts.initial");
    let values: Vec<_> = finding.figures.iter().map(|f| f.value.as_str()).collect();
    assert_eq!(values, ["1081", "185", "1309.77", "1494.77"]);
    assert!(
        finding.message.contains("超出413.77万元"),
        "{}",
        finding.message
    );
    assert!(finding.message_en.contains("413.77"));
}

/// A target in words where a figure is asked for is a finding, not a refusal at the door; an
/// actual left out with a reason is a finding that says the reason; both leave the indicator
/// unscored.
#[test]
fn what_cannot_be_read_is_named_and_not_scored() {
    let report: EvaluationReport = serde_json::from_value(json!({
        "budget": {"total": {"adjusted": "100", "executed": "100"}},
        "goals": {"indicators": [
            {"id": "a", "name": "采用率", "unit": "%", "comparison": "at_least", "target": "较高", "weight": "45"},
            {"id": "b", "name": "满意度", "target": "≥95%", "weight": "45"}
        ]},
        "results": {"indicators": [
            {"indicator_id": "a", "actual": "40%"},
            {"indicator_id": "b", "no_actual_reason": "未开展调查"}
        ]}
    }))
    .unwrap();
    let settings = YearSettings::default();
    let context = CheckContext {
        settings: &settings,
        approved: None,
        previous: None,
    };
    let unscorable: Vec<(String, String)> = report
        .findings(&context)
        .into_iter()
        .filter(|f| f.rule == Rule::IndicatorUnscorable)
        .map(|f| (f.path, f.message))
        .collect();
    assert_eq!(unscorable.len(), 2, "{unscorable:?}");
    assert_eq!(unscorable[0].0, "goals.indicators[0].target");
    assert_eq!(unscorable[1].0, "results.indicators[1].actual");
    assert!(unscorable[1].1.contains("未开展调查"));
    let card = report.scorecard(&settings.weights, None);
    assert!(card.indicators.iter().all(|i| i.score.is_none()));
    assert!(card.total.is_none());
    assert_eq!(card.missing.len(), 2, "{:?}", card.missing);
}

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
