use rust_decimal::Decimal;
use serde_json::json;

use super::*;
use crate::domain::checks::Severity;
use crate::domain::cycle::Precondition;

fn report(value: serde_json::Value) -> MonitoringReport {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
}

fn goal(id: &str, name: &str, target: &str) -> MonitoredGoal {
    MonitoredGoal {
        indicator_id: id.to_owned(),
        name: name.to_owned(),
        target: target.to_owned(),
        comparison: None,
    }
}

fn context(month: u8, tolerance: i64) -> MonitoringContext {
    MonitoringContext {
        period: Period::through(month).unwrap_or_else(|| panic!("a month")),
        tolerance: Decimal::from(tolerance),
    }
}

fn rules(assessment: &MonitoringAssessment) -> Vec<(MonitoringRule, String)> {
    assessment
        .findings
        .iter()
        .map(|f| (f.rule, f.path.clone()))
        .collect()
}

#[test]
fn periods_are_months_from_january_and_nothing_else() {
    assert_eq!("1-6".parse::<Period>().map(Period::through_month), Ok(6));
    assert_eq!(
        "1-12".parse::<Period>().map(|p| p.to_string()),
        Ok("1-12".to_owned())
    );
    for bad in ["1-0", "1-13", "2-6", "1-06", "6", "1-", "1-6月", ""] {
        assert!(bad.parse::<Period>().is_err(), "{bad}");
    }
}

/// 黄石市文物局 申遗经费, 1–6月 2019 (tests/fixtures/monitoring-hubei-huangshi-2019-heritage-bid):
/// 87.57 of 220 万元 is 39.8045 % at 50 % of the year gone — 10.1955 points behind; no expected
/// full-year execution; every target 确定能 or blank.
fn huangshi() -> (MonitoringReport, Vec<MonitoredGoal>) {
    let goals = vec![
        goal("quality", "质量", ""),
        goal("timeliness", "时效", ""),
        goal("cost", "成本", "年度预算220万元"),
        goal("social", "社会效益", ""),
    ];
    let report = report(json!({
        "funds": {"initial": "220", "executed": "87.57"},
        "targets": [
            {"indicator_id": "quality"},
            {"indicator_id": "timeliness"},
            {"indicator_id": "cost", "to_date": "按进度执行,已使用约40%", "likelihood": "certain"},
            {"indicator_id": "social", "to_date": "先后举办有社会影响力的活动5场", "likelihood": "certain"}
        ]
    }));
    (report, goals)
}

#[test]
fn huangshi_spends_ten_points_behind_the_half_year_and_states_no_expected_execution() {
    let (report, goals) = huangshi();
    assert_eq!(report.violations(&goals), []);
    let assessment = report.assess(&goals, &context(6, 10));
    assert_eq!(
        assessment
            .figures
            .execution_rate
            .map(String::from)
            .as_deref(),
        Some("39.8045")
    );
    assert_eq!(String::from(assessment.figures.time_elapsed), "50");
    assert_eq!(
        assessment.figures.lag.map(String::from).as_deref(),
        Some("10.1955")
    );
    assert_eq!(assessment.figures.expected_rate, None);
    assert_eq!(
        rules(&assessment),
        [
            (
                MonitoringRule::SpendingBehindTime,
                "funds.executed".to_owned()
            ),
            (
                MonitoringRule::ExpectedNotStated,
                "funds.expected".to_owned()
            ),
        ]
    );
}

#[test]
fn a_lag_within_the_years_tolerance_is_not_flagged_and_the_edge_is_exact() {
    let (report, goals) = huangshi();
    let lenient = MonitoringContext {
        tolerance: Decimal::new(102, 1),
        ..context(6, 0)
    };
    assert!(
        !rules(&report.assess(&goals, &lenient))
            .iter()
            .any(|(r, _)| *r == MonitoringRule::SpendingBehindTime)
    );
    // 45 of 100 at mid-year lags exactly 5 points: flagged only beyond the tolerance.
    let at_edge = self::report(json!({"funds": {"initial": "100", "executed": "45"}}));
    let flagged = |tolerance| {
        at_edge
            .assess(&[], &context(6, tolerance))
            .findings
            .iter()
            .any(|f| f.rule == MonitoringRule::SpendingBehindTime)
    };
    assert!(!flagged(5));
    assert!(flagged(4));
}

#[test]
fn the_full_year_budget_is_measured_before_the_initial_one() {
    let adjusted = report(
        json!({"funds": {"initial": "100", "full_year": "200", "executed": "100", "expected": "200"}}),
    );
    let assessment = adjusted.assess(&[], &context(7, 10));
    assert_eq!(assessment.figures.budget_field, Some("full_year"));
    assert_eq!(
        assessment
            .figures
            .execution_rate
            .map(String::from)
            .as_deref(),
        Some("50")
    );
    assert_eq!(String::from(assessment.figures.time_elapsed), "58.3333");
    assert_eq!(
        assessment
            .figures
            .expected_rate
            .map(String::from)
            .as_deref(),
        Some("100")
    );
    assert_eq!(rules(&assessment), []);
}

#[test]
fn an_expected_execution_the_funds_contradict_is_an_error() {
    let below = report(json!({"funds": {"initial": "100", "executed": "60", "expected": "50"}}));
    let above = report(json!({"funds": {"initial": "100", "executed": "60", "expected": "120"}}));
    let found = |r: &MonitoringReport| {
        r.assess(&[], &context(6, 10))
            .findings
            .iter()
            .map(|f| (f.rule, f.severity))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found(&below),
        [(MonitoringRule::ExpectedBelowExecuted, Severity::Error)]
    );
    assert_eq!(
        found(&above),
        [(MonitoringRule::ExpectedAboveBudget, Severity::Error)]
    );
}

#[test]
fn a_stated_rate_is_held_to_the_funds_within_rounding() {
    let rounded = report(
        json!({"funds": {"initial": "220", "executed": "87.57", "stated_rate": "39.8", "expected": "220", "stated_expected_rate": "100"}}),
    );
    assert_eq!(rules(&rounded.assess(&[], &context(6, 20))), []);
    let wrong = report(
        json!({"funds": {"initial": "220", "executed": "87.57", "stated_rate": "40", "expected": "220"}}),
    );
    assert_eq!(
        rules(&wrong.assess(&[], &context(6, 20))),
        [(
            MonitoringRule::StatedRateMismatch,
            "funds.stated_rate".to_owned()
        )]
    );
}

#[test]
fn an_expected_value_short_of_its_target_needs_a_cause_and_a_measure() {
    let goals = vec![goal("1", "办文数量", "≥2200篇"), goal("2", "差错率", "≤1%")];
    let short = |extra: serde_json::Value| {
        let mut row = json!({"indicator_id": "1", "to_date": "1000篇", "expected": "2000篇", "likelihood": "possible"});
        if let (Some(row), Some(extra)) = (row.as_object_mut(), extra.as_object()) {
            row.extend(extra.clone());
        }
        report(json!({"targets": [row, {"indicator_id": "2", "expected": "0.5%"}]}))
    };
    let bare = short(json!({}));
    let assessment = bare.assess(&goals, &context(6, 10));
    assert_eq!(
        rules(&assessment),
        [
            (
                MonitoringRule::ExpectedShortUnexplained,
                "targets[0].causes".to_owned()
            ),
            (
                MonitoringRule::DoubtWithoutCause,
                "targets[0].causes".to_owned()
            ),
        ]
    );
    assert_eq!(assessment.rows[0].expected_short, Some(true));
    assert_eq!(assessment.rows[1].expected_short, Some(false));
    let with_cause = short(json!({"causes": ["staffing"]}));
    assert_eq!(
        rules(&with_cause.assess(&goals, &context(6, 10))),
        [(
            MonitoringRule::ExpectedShortUnexplained,
            "targets[0].measure".to_owned()
        )]
    );
    let explained = short(json!({"causes": ["staffing"], "measure": "下半年增派两名工作人员"}));
    assert_eq!(rules(&explained.assess(&goals, &context(6, 10))), []);
}

#[test]
fn impossible_needs_a_measure_even_for_words() {
    let goals = vec![goal("1", "群众满意", "好")];
    let impossible = report(
        json!({"targets": [{"indicator_id": "1", "likelihood": "impossible", "causes": ["policy_change"]}]}),
    );
    assert_eq!(
        rules(&impossible.assess(&goals, &context(6, 10))),
        [(
            MonitoringRule::ImpossibleWithoutMeasure,
            "targets[0].measure".to_owned()
        )]
    );
}

#[test]
fn rows_follow_the_approved_targets_neither_inventing_nor_dropping_one() {
    let goals = vec![goal("1", "办文数量", "≥2200篇"), goal("2", "差错率", "≤1%")];
    let invented = report(json!({"targets": [
        {"indicator_id": "1"}, {"indicator_id": "2"}, {"indicator_id": "9"}
    ]}));
    let paths: Vec<String> = invented
        .violations(&goals)
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(paths, ["targets[2].indicator_id"]);
    let dropped = report(json!({"targets": [{"indicator_id": "1"}, {"indicator_id": "1"}]}));
    let errors = dropped.violations(&goals);
    assert_eq!(
        errors.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["targets[1].indicator_id", "targets"]
    );
    assert_eq!(
        errors[1].invalid,
        crate::domain::Invalid::MissingRow {
            value: "2".to_owned()
        }
    );
    let other = report(json!({"targets": [
        {"indicator_id": "1", "causes": ["other", "other"]}, {"indicator_id": "2"}
    ]}));
    let paths: Vec<String> = other
        .violations(&goals)
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(paths, ["targets[0].causes", "targets[0].cause_text"]);
}

#[test]
fn a_refused_replacement_changes_nothing() {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 7, 10)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .unwrap_or_default();
    let key = MonitoringKey {
        department_code: "100".parse().unwrap_or_else(|_| panic!("a code")),
        year: FiscalYear::try_from(2026).unwrap_or_else(|_| panic!("a year")),
        period: Period::through(6).unwrap_or_else(|| panic!("a period")),
        subject: Subject::Department,
    };
    let mut monitoring = Monitoring::new(key, at);
    let goals = vec![goal("1", "办文数量", "≥2200篇")];
    let refused = monitoring.replace(report(json!({"targets": []})), &goals);
    assert!(matches!(refused, Err(Refusal::Invalid(errors)) if errors.len() == 1));
    assert_eq!(monitoring.report, MonitoringReport::default());
    assert_eq!(
        Precondition::Version(1).check(None),
        Err(Refusal::Stale { current: None })
    );
}

#[test]
fn the_warning_list_sorts_by_lag_with_reports_without_one_last() {
    let key = |code: &str| MonitoringKey {
        department_code: code.parse().unwrap_or_else(|_| panic!("a code")),
        year: FiscalYear::try_from(2026).unwrap_or_else(|_| panic!("a year")),
        period: Period::through(6).unwrap_or_else(|| panic!("a period")),
        subject: Subject::Department,
    };
    let behind = |executed: &str| {
        report(json!({"funds": {"initial": "100", "executed": executed, "expected": "100"}}))
    };
    let mut rows = warnings_of(&key("100"), &behind("30").assess(&[], &context(6, 10)));
    rows.extend(warnings_of(
        &key("200"),
        &behind("10").assess(&[], &context(6, 10)),
    ));
    rows.push(not_filed(&key("050")));
    let sorted = sort_warnings(
        rows.clone(),
        WarningSort::Lag,
        crate::domain::project::Direction::Descending,
    );
    let codes: Vec<&str> = sorted.iter().map(|r| r.department_code.as_str()).collect();
    assert_eq!(codes, ["200", "100", "050"]);
    let by_unit = sort_warnings(
        rows,
        WarningSort::Unit,
        crate::domain::project::Direction::Ascending,
    );
    assert_eq!(by_unit[0].rule, MonitoringRule::NotFiled);
}

/// The rows of the rules table in `docs/monitoring.md`: `| \`code\` | severity | … |`.
fn documented() -> Vec<(String, String)> {
    include_str!("../../../docs/monitoring.md")
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim).skip(1);
            let code = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
            let severity = cells.next()?;
            Some((code.to_owned(), severity.to_owned()))
        })
        .filter(|(_, severity)| ["error", "warning", "note"].contains(&severity.as_str()))
        .collect()
}

#[test]
fn the_rules_table_of_the_monitoring_page_is_the_enum() {
    let expected: Vec<(String, String)> = MonitoringRule::ALL
        .iter()
        .map(|rule| {
            let severity = match rule.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            };
            (rule.as_str().to_owned(), severity.to_owned())
        })
        .collect();
    assert_eq!(documented(), expected);
}
