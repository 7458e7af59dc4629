//! Each rule fires on what does not add up and stays quiet on its correction.

use chrono::Utc;
use serde_json::{Value, json};

use super::*;
use crate::domain::report::{Comparison, EvaluationReport, Goals};
use crate::domain::result_application::rules::ResultRules;
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
        library: crate::domain::library::Library::common(),
        rules: &ResultRules::default(),
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
            json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "100", "adjusted_target": "90", "adjustment_reason": "机构改革，职能划转", "weight": "90"}]}}),
        ),
        (
            "indicator_unscorable",
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o"}]}}),
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "120篇"}]}}),
        ),
        (
            "actual_written_as_bound",
            json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "≥120篇"}]}}),
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

/// An approval as recorded before it kept more than the target and comparison.
fn approved(target: &str) -> ApprovedGoals {
    ApprovedGoals {
        approved_by: "reviewer".to_owned(),
        approved_at: Utc::now(),
        version: 1,
        framework: None,
        targets: vec![ApprovedTarget {
            indicator_id: "o".to_owned(),
            target: target.to_owned(),
            comparison: Some(Comparison::AtLeast),
            adjusted_target: None,
            terms: None,
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

fn approved_goals() -> Goals {
    serde_json::from_value(json!({"framework": "default", "indicators": [
        {"id": "o", "level1": "output", "level2": "数量", "name": "办文", "unit": "万项",
         "comparison": "at_least", "target": "4", "weight": "50",
         "scoring_rule": {"kind": "step_deduction", "points": "5", "per_percent": "10"}},
        {"id": "e", "level1": "effect", "level2": "社会效益", "name": "采用率", "unit": "%",
         "comparison": "at_least", "target": "40", "weight": "40"}
    ]}))
    .unwrap()
}

fn changed_paths(
    approved: &ApprovedGoals,
    change: impl FnOnce(&mut serde_json::Value),
) -> Vec<String> {
    let mut goals = serde_json::to_value(approved_goals()).unwrap();
    change(&mut goals);
    let goals: Goals = serde_json::from_value(goals).unwrap();
    approved
        .violations(&goals)
        .into_iter()
        .map(|e| e.path)
        .collect()
}

#[test]
fn an_approval_covers_every_term_that_decides_a_score_and_names_the_one_changed() {
    let approved = ApprovedGoals::of(
        &approved_goals(),
        "reviewer",
        Utc::now(),
        2,
        crate::domain::library::Library::common(),
    );
    assert_eq!(changed_paths(&approved, |_| {}), Vec::<String>::new());
    let step = |points: &str, floor: Option<&str>| {
        let mut rule = json!({"kind": "step_deduction", "points": points, "per_percent": "10"});
        if let Some(floor) = floor {
            rule["floor"] = json!(floor);
        }
        rule
    };
    let cases = [
        (
            "goals.indicators[0].scoring_rule",
            0,
            "scoring_rule",
            step("0", None),
        ),
        (
            "goals.indicators[0].scoring_rule",
            0,
            "scoring_rule",
            step("5", Some("50")),
        ),
        (
            "goals.indicators[0].scoring_rule",
            0,
            "scoring_rule",
            json!({"kind": "all_or_nothing"}),
        ),
        (
            "goals.indicators[1].scoring_rule",
            1,
            "scoring_rule",
            json!({"kind": "proportional"}),
        ),
        ("goals.indicators[0].unit", 0, "unit", json!("项")),
        ("goals.indicators[1].unit", 1, "unit", Value::Null),
        ("goals.indicators[0].level1", 0, "level1", json!("effect")),
        ("goals.indicators[0].target", 0, "target", json!("3")),
        (
            "goals.indicators[0].comparison",
            0,
            "comparison",
            json!("at_most"),
        ),
    ];
    for (path, i, field, value) in cases {
        assert_eq!(
            changed_paths(&approved, |g| g["indicators"][i][field] = value),
            [path]
        );
    }
    assert_eq!(
        changed_paths(&approved, |g| g["framework"] = json!("决策过程产出效益")),
        ["goals.framework"]
    );
    // Weight shifted within the group: both weights are named.
    assert_eq!(
        changed_paths(&approved, |g| {
            g["indicators"][0]["weight"] = json!("89.99");
            g["indicators"][1]["weight"] = json!("0.01");
        }),
        ["goals.indicators[0].weight", "goals.indicators[1].weight"]
    );
    // The default framework named or left out is the same framework.
    assert_eq!(
        changed_paths(&approved, |g| {
            g.as_object_mut().unwrap().remove("framework");
        }),
        Vec::<String>::new()
    );
    // A changed target is proposed as the adjusted target, with a real reason.
    assert_eq!(
        changed_paths(&approved, |g| {
            g["indicators"][0]["adjusted_target"] = json!("2");
            g["indicators"][0]["adjustment_reason"] = json!("调整");
        }),
        ["goals.indicators[0].adjustment_reason"]
    );
    assert_eq!(
        changed_paths(&approved, |g| {
            g["indicators"][0]["adjusted_target"] = json!("2");
            g["indicators"][0]["adjustment_reason"] = json!("区级机构改革，职能划转至街道");
        }),
        Vec::<String>::new()
    );
}

#[test]
fn an_approval_stored_before_it_covered_every_term_loads_and_holds_what_it_recorded() {
    let stored = r#"{"approved_by": "reviewer", "approved_at": "2026-03-01T09:00:00Z", "version": 2,
        "targets": [{"indicator_id": "o", "target": "4", "comparison": "at_least"}]}"#;
    let approved: ApprovedGoals = serde_json::from_str(stored).unwrap();
    assert_eq!(approved.framework, None);
    assert_eq!(approved.targets[0].terms, None);
    assert_eq!(
        changed_paths(&approved, |g| g["indicators"][0]["target"] = json!("3")),
        ["goals.indicators[0].target"]
    );
    // What it did not record, it cannot hold; a reviewer's next approval records it all.
    assert_eq!(
        changed_paths(&approved, |g| g["indicators"][0]["weight"] = json!("45")),
        Vec::<String>::new()
    );
    // Completed from the goals of the version it approved, it holds all of them, and what
    // it recorded stays.
    let mut completed = approved.clone();
    let mut then = approved_goals();
    then.indicators[0].target = crate::domain::values::Label::try_from("5".to_owned()).ok();
    completed.complete_from(&then);
    assert!(completed.is_complete() && !approved.is_complete());
    assert_eq!(completed.targets[0].target, "4");
    assert_eq!(
        changed_paths(&completed, |g| g["indicators"][0]["weight"] = json!("45")),
        ["goals.indicators[0].weight"]
    );
    // Written again, it reads back the same.
    let again: ApprovedGoals =
        serde_json::from_str(&serde_json::to_string(&approved).unwrap()).unwrap();
    assert_eq!(again, approved);
}

#[test]
fn a_reason_is_real_only_past_its_length_and_variety() {
    for word in [
        None,
        Some(""),
        Some("调整"),
        Some("政策调整"),
        Some("changed"),
        Some("policy change"),
        Some("aaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        Some("调调调调调调调调调调"),
        Some("。。。。。。。。……………"),
    ] {
        assert!(!is_real_reason(word), "{word:?} is not a reason");
    }
    for reason in [
        "机构改革，职能划转",
        "因区级机构改革任务量减少",
        "the district cut the budget in June",
    ] {
        assert!(is_real_reason(Some(reason)), "{reason} is a reason");
    }
}

#[test]
fn an_adjusted_target_not_yet_approved_is_a_warning_that_names_both_targets() {
    let approved = ApprovedGoals::of(
        &approved_goals(),
        "reviewer",
        Utc::now(),
        2,
        crate::domain::library::Library::common(),
    );
    let mut goals = serde_json::to_value(approved_goals()).unwrap();
    goals["indicators"][0]["adjusted_target"] = json!("2");
    goals["indicators"][0]["adjustment_reason"] = json!("区级机构改革，职能划转至街道");
    let report: EvaluationReport = serde_json::from_value(json!({"goals": goals})).unwrap();
    let context = CheckContext {
        settings: &YearSettings::default(),
        approved: Some(&approved),
        previous: None,
        library: crate::domain::library::Library::common(),
        rules: &ResultRules::default(),
    };
    let found: Vec<_> = report
        .findings(&context)
        .into_iter()
        .filter(|f| f.rule == Rule::AdjustedTargetAwaitsApproval)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "goals.indicators[0].adjusted_target");
    let figures: Vec<_> = found[0].figures.iter().map(|f| f.value.as_str()).collect();
    assert_eq!(figures, ["4", "2"]);
    // Approved again, the adjustment is the approved target and nothing awaits.
    let reapproved = ApprovedGoals::of(
        &report.goals,
        "reviewer",
        Utc::now(),
        3,
        crate::domain::library::Library::common(),
    );
    assert_eq!(reapproved.targets[0].counted_target(), "2");
    let context = CheckContext {
        approved: Some(&reapproved),
        ..context
    };
    assert!(
        report
            .findings(&context)
            .iter()
            .all(|f| f.rule != Rule::AdjustedTargetAwaitsApproval)
    );
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
        library: crate::domain::library::Library::common(),
        rules: &ResultRules::default(),
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
        library: crate::domain::library::Library::common(),
        rules: &ResultRules::default(),
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
    let card = report.scorecard(
        &settings.weights,
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert!(card.indicators.iter().all(|i| i.score.is_none()));
    assert!(card.total.is_none());
    assert_eq!(card.missing.len(), 2, "{:?}", card.missing);
}

/// The findings of `stated_grade_mismatch` for a report stating `total` and `grade`, by `rules`.
fn grade_findings(total: &str, grade: &str, rules: &ResultRules) -> Vec<Finding> {
    let report: EvaluationReport = serde_json::from_value(json!({"results": {
        "stated_total_score": total, "stated_grade": grade
    }}))
    .unwrap_or_else(|e| panic!("{e}"));
    let settings = YearSettings::default();
    report
        .findings(&CheckContext {
            settings: &settings,
            approved: None,
            previous: None,
            library: crate::domain::library::Library::common(),
            rules,
        })
        .into_iter()
        .filter(|f| f.rule == Rule::StatedGradeMismatch)
        .collect()
}

/// The defaults with 优 from 85 and the edge rule `edge_rule`.
fn excellent_from_85(edge_rule: crate::domain::result_application::rules::EdgeRule) -> ResultRules {
    let mut rules = ResultRules {
        edge_rule,
        ..ResultRules::default()
    };
    rules.bands[0].from = Some(crate::domain::values::Points::whole(85));
    rules
}

#[test]
fn a_stated_grade_is_held_to_the_years_bands_not_the_default_ones() {
    use crate::domain::result_application::rules::EdgeRule;
    let rules = excellent_from_85(EdgeRule::LowerInclusive);
    assert_eq!(grade_findings("87", "excellent", &rules), []);
    assert_eq!(grade_findings("85", "excellent", &rules), []);
    let wrong = grade_findings("87", "good", &rules);
    assert_eq!(wrong.len(), 1);
    assert_eq!(
        wrong[0].message,
        "自评总分87分按本年度结果应用规则（边界分数归上一等级）对应等级应为“优”（85分（含）以上），与所填等级“良”不符。"
    );
    assert_eq!(
        wrong[0].message_en,
        "A total of 87 is graded Excellent by the year's result rules (a score on an edge in the band above it; Excellent is 85 or more), not Good."
    );
    // By the default bands the same report is told it is 良.
    assert_eq!(
        grade_findings("87", "excellent", &ResultRules::default()).len(),
        1
    );
}

#[test]
fn with_the_upper_edge_rule_a_stated_grade_on_an_edge_is_the_band_below() {
    use crate::domain::result_application::rules::EdgeRule;
    let rules = excellent_from_85(EdgeRule::UpperInclusive);
    assert_eq!(grade_findings("85", "good", &rules), []);
    assert_eq!(grade_findings("85.5", "excellent", &rules), []);
    let on_edge = grade_findings("85", "excellent", &rules);
    assert_eq!(on_edge.len(), 1);
    assert_eq!(
        on_edge[0].message,
        "自评总分85分按本年度结果应用规则（边界分数归下一等级）对应等级应为“良”（80分至85分（含）），与所填等级“优”不符。"
    );
    assert!(
        on_edge[0]
            .figures
            .iter()
            .any(|f| f.label == "result_rules.edge_rule" && f.value == "upper_inclusive")
    );
}

#[test]
fn an_actual_written_as_a_bound_is_scored_as_its_figure_and_said() {
    let report: EvaluationReport = serde_json::from_value(json!({
        "goals": {"indicators": [
            {"id": "a", "name": "清扫面积", "target": "≥266万平方米", "weight": "50"},
            {"id": "b", "name": "投诉率", "target": "≤5%", "weight": "30"},
            {"id": "c", "name": "道路整洁", "comparison": "qualitative", "target": "好", "weight": "20"}
        ]},
        "results": {"indicators": [
            {"indicator_id": "a", "actual": "≥266万平方米", "self_score": "50"},
            {"indicator_id": "b", "actual": "5%以下", "self_score": "30"},
            {"indicator_id": "c", "actual": "≥好", "achievement": "achieved", "self_score": "20"}
        ]}
    }))
    .unwrap();
    let settings = YearSettings::default();
    let library = crate::domain::library::Library::common();
    let context = CheckContext {
        settings: &settings,
        approved: None,
        previous: None,
        library,
        rules: &ResultRules::default(),
    };
    let bounds: Vec<(String, Severity, String)> = report
        .findings(&context)
        .into_iter()
        .filter(|f| f.rule == Rule::ActualWrittenAsBound)
        .map(|f| {
            let read = f
                .figures
                .iter()
                .find(|figure| figure.label == "read as")
                .map(|figure| figure.value.clone())
                .unwrap_or_default();
            (f.path, f.severity, read)
        })
        .collect();
    // Both quantitative actuals, each read as its figure; the words of a qualitative one are not.
    assert_eq!(
        bounds,
        [
            (
                "results.indicators[0].actual".to_owned(),
                Severity::Warning,
                "266万平方米".to_owned()
            ),
            (
                "results.indicators[1].actual".to_owned(),
                Severity::Warning,
                "5%".to_owned()
            ),
        ]
    );
    // Read as their figures, both meet their targets: full weights, 50 + 30 + 20.
    let card = report.scorecard(&settings.weights, None, library, &ResultRules::default());
    let scores: Vec<Option<String>> = card
        .indicators
        .iter()
        .map(|i| i.score.map(|s| s.value().normalize().to_string()))
        .collect();
    assert_eq!(
        scores,
        [
            Some("50".to_owned()),
            Some("30".to_owned()),
            Some("20".to_owned())
        ]
    );
}
