//! Each rule fires on what does not add up and stays quiet on its correction.

use chrono::Utc;
use serde_json::{Value, json};

use super::*;
use crate::domain::report::{Comparison, EvaluationReport, Goals};
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
