/// The defaults of a year whose bureau set no result rules.
static DEFAULT_RULES: std::sync::LazyLock<crate::domain::result_application::rules::ResultRules> =
    std::sync::LazyLock::new(Default::default);

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_json::json;

use super::checks::PRINTED_INSTRUCTIONS;
use super::*;
use crate::domain::checks::Rule;
use crate::domain::cycle::EvaluationStatus;
use crate::domain::report::EvaluationReport;
use crate::domain::settings::YearSettings;

fn table(value: serde_json::Value) -> ProjectTable {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
}

fn rules(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

/// A clean table in 元: budget 1,000,000 元 = 100 万元, executed 950,000 元 = 95 万元.
fn clean() -> serde_json::Value {
    json!({
        "name": "城市道路清扫保洁",
        "funding": {
            "amount_unit": "yuan",
            "total": {"initial": "1000000", "full_year": "1000000", "executed": "950000",
                      "weight": "10", "stated_rate": "95", "stated_score": "9.5"},
            "sources": [
                {"name": "其中：当年财政拨款", "kind": "current_appropriation", "initial": "800000", "full_year": "800000", "executed": "760000"},
                {"name": "上年结转资金", "kind": "carried_over", "initial": "200000", "full_year": "200000", "executed": "190000"}
            ]
        },
        "goals": {"indicators": [
            {"id": "1", "level1": "output", "level2": "数量", "name": "清扫面积", "target": "≥266万平方米", "weight": "50"},
            {"id": "2", "level1": "effect", "level2": "社会效益", "name": "道路整洁", "target": "好", "comparison": "qualitative", "weight": "30"},
            {"id": "3", "level1": "satisfaction", "level2": "服务对象满意度", "name": "群众满意度", "library_code": "GX25", "target": "≥90%", "weight": "10"}
        ]},
        "results": {
            "indicators": [
                {"indicator_id": "1", "actual": "266万平方米", "self_score": "50"},
                {"indicator_id": "2", "actual": "好", "achievement": "achieved", "self_score": "30"},
                {"indicator_id": "3", "actual": "92%", "self_score": "10"}
            ],
            "stated_total_score": "99.5",
            "stated_grade": "excellent"
        }
    })
}

fn scoring(settings: &YearSettings) -> ProjectScoring<'_> {
    ProjectScoring {
        settings,
        departmental: None,
        previous: None,
        library: crate::domain::library::Library::common(),
        rules: &DEFAULT_RULES,
    }
}

#[test]
fn a_project_code_is_ascii_letters_digits_dashes_underscores_and_dots() {
    assert!("2022-ZF_017.a".parse::<ProjectCode>().is_ok());
    assert!("".parse::<ProjectCode>().is_err());
    assert!("道路".parse::<ProjectCode>().is_err());
    assert!("a b".parse::<ProjectCode>().is_err());
    assert!("x".repeat(65).parse::<ProjectCode>().is_err());
    assert!("x".repeat(64).parse::<ProjectCode>().is_ok());
}

#[test]
fn amounts_in_yuan_count_exactly_in_wan_yuan_and_a_clean_table_scores_by_the_rules() {
    let settings = YearSettings::default();
    let table = table(clean());
    let score = table.score(&scoring(&settings));
    assert_eq!(
        score.funding.full_year.map(|e| e.0),
        Some(Decimal::from(100))
    );
    assert_eq!(score.funding.executed.map(|e| e.0), Some(Decimal::from(95)));
    // 10 × 95 % = 9.5, + 50 + 30 × (the unit's 30 within the achieved band) + 10 = 99.5.
    assert_eq!(
        score.execution.score.map(|s| s.value()),
        Some(Decimal::new(95, 1))
    );
    assert_eq!(score.total.map(|s| s.value()), Some(Decimal::new(995, 1)));
    assert_eq!(score.grade, Some(crate::domain::report::Grade::Excellent));
    assert_eq!(table.findings(&scoring(&settings)), []);
}

#[test]
fn stated_rate_and_score_that_the_figures_do_not_give_are_found_with_the_figures() {
    let settings = YearSettings::default();
    let mut value = clean();
    value["funding"]["total"]["stated_rate"] = json!("98");
    value["funding"]["total"]["stated_score"] = json!("10");
    value["results"]["stated_total_score"] = json!("100");
    let findings = table(value).findings(&scoring(&settings));
    assert_eq!(
        rules(&findings),
        ["stated_rate_mismatch", "stated_score_mismatch"]
    );
    let rate = &findings[0];
    assert_eq!(rate.path, "funding.total.stated_rate");
    assert!(rate.figures.iter().any(|f| f.value == "95"));
    let score = &findings[1];
    assert!(
        score
            .figures
            .iter()
            .any(|f| f.label == "weight × min(rate, 100 %)" && f.value == "9.5")
    );
}

#[test]
fn a_total_row_at_zero_beside_sources_is_found_and_the_sources_count() {
    let settings = YearSettings::default();
    let mut value = clean();
    for column in ["initial", "full_year", "executed"] {
        value["funding"]["total"][column] = json!("0");
    }
    let table = table(value);
    let findings = table.findings(&scoring(&settings));
    assert_eq!(
        rules(&findings),
        [
            "funding_sources_do_not_add_up",
            "funding_sources_do_not_add_up",
            "funding_sources_do_not_add_up"
        ]
    );
    assert_eq!(
        table
            .score(&scoring(&settings))
            .execution
            .rate
            .map(String::from)
            .as_deref(),
        Some("95")
    );
}

#[test]
fn a_source_row_printed_empty_holds_nothing_while_a_row_missing_one_figure_leaves_it_unknown() {
    let settings = YearSettings::default();
    let mut value = clean();
    for column in ["initial", "full_year", "executed"] {
        value["funding"]["total"][column] = json!("0");
    }
    let sources = value["funding"]["sources"].as_array_mut().unwrap();
    sources.push(json!({"name": "其他资金", "kind": "other"}));
    let with_empty_row = table(value.clone());
    // The empty 其他资金 row adds nothing: the total at zero still differs from 100 / 100 / 95.
    assert_eq!(
        rules(&with_empty_row.findings(&scoring(&settings))),
        [
            "funding_sources_do_not_add_up",
            "funding_sources_do_not_add_up",
            "funding_sources_do_not_add_up"
        ]
    );
    assert_eq!(
        with_empty_row.funding.sources_column(|c| c.executed),
        Some(Decimal::from(95))
    );
    // A row that states its budget but not what it spent leaves the executed sum unknown.
    value["funding"]["sources"][2]["initial"] = json!("10000");
    let half_filled = table(value);
    assert_eq!(half_filled.funding.sources_column(|c| c.executed), None);
}

#[test]
fn spending_above_the_only_budget_stated_is_an_error_and_blocks_submission() {
    let settings = YearSettings::default();
    let mut value = clean();
    value["funding"]["total"] =
        json!({"initial": "1000000", "executed": "1080000", "weight": "10"});
    value["funding"]["sources"] = json!([]);
    let table = table(value);
    let findings = table.findings(&scoring(&settings));
    assert!(
        rules(&findings).contains(&"execution_above_budget"),
        "{findings:?}"
    );
    let found = findings
        .iter()
        .find(|f| f.rule == Rule::ExecutionAboveBudget);
    assert!(found.is_some_and(|f| {
        f.figures
            .iter()
            .any(|x| x.label == "funding.total.initial (万元)" && x.value == "100")
    }));
    let at = chrono::NaiveDateTime::default();
    let key = ProjectKey {
        department_code: "100".parse().unwrap_or_else(|e| panic!("{e}")),
        year: crate::domain::values::FiscalYear::try_from(2022).unwrap_or_else(|e| panic!("{e}")),
        project_code: "P1".parse().unwrap_or_else(|e| panic!("{e}")),
    };
    let mut evaluation = ProjectEvaluation::new_draft(key, at);
    evaluation.stage.advance(at);
    evaluation.table = table;
    assert!(matches!(
        evaluation.act(Action::Submit, &findings),
        Err(Refusal::Blocked(_))
    ));
    assert_eq!(evaluation.stage.status, EvaluationStatus::Draft);
}

#[test]
fn a_score_above_its_weight_an_unmet_target_without_reason_and_a_wrong_grade_are_found() {
    let settings = YearSettings::default();
    let mut value = clean();
    value["funding"]["total"]["stated_score"] = json!("12");
    value["results"]["indicators"][2]["actual"] = json!("80%");
    value["results"]["stated_grade"] = json!("good");
    let findings = table(value).findings(&scoring(&settings));
    let found = rules(&findings);
    for rule in [
        "self_score_above_weight",
        "deviation_reason_missing",
        "stated_grade_mismatch",
        "stated_total_mismatch",
    ] {
        assert!(found.contains(&rule), "{rule} in {found:?}");
    }
}

#[test]
fn the_execution_weight_is_held_to_the_framework() {
    let settings = YearSettings::default();
    let mut value = clean();
    value["funding"]["total"]["weight"] = json!("20");
    value["funding"]["total"]["stated_score"] = json!("19");
    let findings = table(value).findings(&scoring(&settings));
    assert!(
        findings
            .iter()
            .any(|f| f.rule == Rule::GroupWeightMismatch && f.path == "funding.total.weight"),
        "{findings:?}"
    );
}

#[test]
fn spending_below_90_needs_a_reason_in_the_note_or_an_indicator_not_the_printed_instructions() {
    let settings = YearSettings::default();
    let mut value = clean();
    // 800,000 of 1,000,000 元: 80 %.
    value["funding"]["total"]["executed"] = json!("800000");
    value["funding"]["total"]["stated_rate"] = json!("80");
    value["funding"]["total"]["stated_score"] = json!("8");
    value["funding"]["sources"] = json!([]);
    let below = |value: &serde_json::Value| {
        table(value.clone())
            .findings(&scoring(&settings))
            .iter()
            .filter(|f| f.rule == Rule::ExecutionBelow90)
            .count()
    };
    assert_eq!(below(&value), 1);
    value["funding"]["execution_note"] = json!(PRINTED_INSTRUCTIONS[0]);
    assert_eq!(
        below(&value),
        1,
        "the form's own instructions explain nothing"
    );
    value["results"]["indicators"][0]["deviation_reason"] = json!("0");
    assert_eq!(below(&value), 1, "`0` in a reason cell says there is none");
    value["results"]["indicators"][0]["deviation_reason"] = json!("尾款未付");
    assert_eq!(below(&value), 0);
}

#[test]
fn a_budget_adjusted_by_more_than_30_percent_or_from_nothing_needs_a_reason() {
    let settings = YearSettings::default();
    let adjustment = |initial: &str, note: Option<&str>| {
        let mut value = clean();
        value["funding"]["total"]["initial"] = json!(initial);
        value["funding"]["sources"] = json!([]);
        if let Some(note) = note {
            value["funding"]["execution_note"] = json!(note);
        }
        table(value)
            .findings(&scoring(&settings))
            .into_iter()
            .find(|f| f.rule == Rule::AdjustmentOver30)
    };
    // 700,000 → 1,000,000 元: +42.8571 %.
    let found = adjustment("700000", None).unwrap_or_else(|| panic!("not found"));
    assert!(
        found.figures.iter().any(|f| f.value == "42.8571"),
        "{found:?}"
    );
    // 800,000 → 1,000,000: +25 %, within.
    assert!(adjustment("800000", None).is_none());
    // 0 → 1,000,000: no rate to divide out, the addition named.
    let from_nothing = adjustment("0", None).unwrap_or_else(|| panic!("not found"));
    assert_eq!(from_nothing.figures.len(), 2);
    assert!(adjustment("0", Some("年中追加")).is_none());
}

#[test]
fn execution_scored_as_an_indicator_is_not_scored_twice_and_the_indicators_make_100() {
    let settings = YearSettings::default();
    let value = json!({
        "funding": {"total": {"full_year": "100", "executed": "100"}},
        "goals": {"indicators": [
            {"id": "1", "level1": "process", "name": "预算执行率", "target": "100%", "weight": "10"},
            {"id": "2", "level1": "output", "name": "保障人数", "target": "2370人", "weight": "80"}
        ]},
        "results": {
            "indicators": [
                {"indicator_id": "1", "actual": "100%", "self_score": "10"},
                {"indicator_id": "2", "actual": "2370人", "self_score": "80"}
            ],
            "stated_total_score": "95"
        }
    });
    let table = table(value);
    let score = table.score(&scoring(&settings));
    assert_eq!(score.execution.weight.0, Decimal::ZERO);
    assert_eq!(score.total.map(|t| t.value()), Some(Decimal::from(90)));
    let findings = table.findings(&scoring(&settings));
    let found = rules(&findings);
    assert!(found.contains(&"weights_not_100"), "{found:?}");
    // No execution score on the money row: the stated 95 is held to the self-scores' 90.
    assert!(found.contains(&"stated_total_mismatch"), "{found:?}");
}

#[test]
fn the_departmental_line_is_compared_with_the_project() {
    let settings = YearSettings::default();
    let report: EvaluationReport = serde_json::from_value(json!({"budget": {"projects": {"lines": [
        {"name": "城乡管理", "children": [{"name": "道路清扫", "amounts": {"initial": "100", "adjusted": "110", "executed": "95"}}]}
    ]}}}))
    .unwrap_or_else(|e| panic!("{e}"));
    let mut value = clean();
    value["departmental_line"] = json!("道路清扫");
    let table = table(value);
    let with = ProjectScoring {
        settings: &settings,
        departmental: Some(&report),
        previous: None,
        library: crate::domain::library::Library::common(),
        rules: &DEFAULT_RULES,
    };
    let findings = table.findings(&with);
    assert_eq!(rules(&findings), ["departmental_line_differs"]);
    assert_eq!(
        findings[0].figures[1].label,
        "budget.projects.lines[0].children[0].amounts.adjusted (万元)"
    );
    assert_eq!(findings[0].figures[1].value, "110");
    let mut other = table.clone();
    other.departmental_line = "别的项目"
        .parse::<String>()
        .ok()
        .and_then(|n| n.try_into().ok());
    assert_eq!(
        rules(&other.findings(&with)),
        ["departmental_line_not_found"]
    );
    assert_eq!(
        rules(&other.findings(&scoring(&settings))),
        ["departmental_line_not_found"]
    );
}

#[test]
fn a_stated_execution_score_among_the_results_is_refused() {
    let mut value = clean();
    value["results"]["stated_execution_score"] = json!("9.5");
    let errors = table(value).structural_errors();
    assert_eq!(
        errors.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["results.stated_execution_score"]
    );
}

fn report_with_lines() -> EvaluationReport {
    serde_json::from_value(json!({
        "budget": {"projects": {"lines": [
            {"name": "业务工作经费", "amounts": {"initial": "185"}},
            {"name": "专项工作经费", "amounts": {"initial": "1309.77"}, "children": [
                {"name": "禁毒办工作经费", "amounts": {"initial": "1233.07", "adjusted": "1200"}},
                {"name": "蓝天办工作经费", "amounts": {"initial": "76.70"}}
            ]},
            {"name": "会议费"}
        ]}}
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_leaf_project_line_no_table_names_is_uncovered_and_a_named_group_covers_its_children() {
    let report = report_with_lines();
    let names =
        |lines: Vec<UncoveredLine>| -> Vec<String> { lines.into_iter().map(|l| l.path).collect() };
    // No table yet, no floor: every leaf, the groups' children in their place.
    assert_eq!(
        names(uncovered_lines(&report, &HashSet::new(), None)),
        [
            "budget.projects.lines[0]",
            "budget.projects.lines[1].children[0]",
            "budget.projects.lines[1].children[1]",
            "budget.projects.lines[2]"
        ]
    );
    // A table naming the group covers both its children; one naming a leaf covers that leaf.
    let named: HashSet<&str> = ["专项工作经费", "会议费"].into_iter().collect();
    assert_eq!(
        names(uncovered_lines(&report, &named, None)),
        ["budget.projects.lines[0]"]
    );
}

#[test]
fn a_floor_leaves_out_small_lines_and_lines_stating_no_budget_and_reads_the_adjusted_budget_first()
{
    let report = report_with_lines();
    // Floor 1200 万元: 禁毒办 at its adjusted 1200 (not its initial 1233.07) is still in;
    // 业务工作经费 185 and 蓝天办 76.70 are under it; 会议费 states no budget.
    let uncovered = uncovered_lines(&report, &HashSet::new(), Some(Decimal::from(1200)));
    assert_eq!(uncovered.len(), 1);
    assert_eq!(uncovered[0].name, "禁毒办工作经费");
    assert_eq!(
        uncovered[0].budget.map(|a| a.value()),
        Some(Decimal::from(1200))
    );
    assert!(uncovered_lines(&report, &HashSet::new(), Some(Decimal::from(1201))).is_empty());
}

#[test]
fn a_projects_target_easier_than_its_own_actual_of_the_year_before_is_a_warning() {
    let settings = YearSettings::default();
    let now = table(clean());
    let mut before = clean();
    // Last year 300 万平方米 were swept: ≥266 万平方米 is easier.
    before["results"]["indicators"][0]["actual"] = json!("300万平方米");
    let before = table(before).indicator_report();
    let with = ProjectScoring {
        previous: Some(&before),
        ..scoring(&settings)
    };
    let findings = now.findings(&with);
    let easy: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == Rule::TargetEasierThanLastYear)
        .map(|f| f.path.as_str())
        .collect();
    // And ≥90 % satisfaction after 92 % last year (the same table's actual) is easier too.
    assert_eq!(
        easy,
        ["goals.indicators[0].target", "goals.indicators[2].target"]
    );
    assert!(!rules(&now.findings(&scoring(&settings))).contains(&"target_easier_than_last_year"));
}

#[test]
fn a_project_kind_is_one_to_a_hundred_characters() {
    let kind = |text: &str| ProjectKind::try_from(text.to_owned());
    assert_eq!(
        kind("海绵城市建设").map(String::from),
        Ok("海绵城市建设".to_owned())
    );
    assert!(kind(&"类".repeat(100)).is_ok());
    assert!(kind(&"类".repeat(101)).is_err());
    assert!(kind("").is_err());
    assert!(kind("  ").is_err());
    let mut value = clean();
    value["kind"] = json!("海绵城市建设");
    assert_eq!(
        table(value).kind.as_ref().map(ProjectKind::as_str),
        Some("海绵城市建设")
    );
}
