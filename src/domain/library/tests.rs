use crate::domain::Invalid;
use rust_decimal::Decimal;

use super::*;
use crate::domain::report::{Indicator, Reading};
use crate::domain::result_application::rules::ResultRules;

const HEADING: &str = "code,name,aliases,level1,level2,definition,unit,direction,formula,metric,scoring_rule,scoring_standard,report_kinds,unit_kinds,project_kinds,sector,source\n";

fn indicator(name: &str, target: &str) -> Indicator {
    serde_json::from_value(serde_json::json!({"id": "1", "name": name, "target": target}))
        .expect("an indicator")
}

fn code(text: &str) -> IndicatorCode {
    text.parse().expect("a code")
}

#[test]
fn the_shipped_library_reads_with_a_source_for_every_indicator() {
    let library = Library::common();
    assert!(library.indicators().len() >= 25);
    for indicator in library.indicators() {
        assert!(!indicator.source.is_empty(), "{}", indicator.code);
        assert!(!indicator.definition.is_empty(), "{}", indicator.code);
    }
    let adjustment = library.indicator(&code("GX07")).expect("GX07");
    assert_eq!(adjustment.name, "预算调整率");
    assert_eq!(adjustment.direction, Direction::LowerIsBetter);
}

#[test]
fn a_library_written_as_csv_reads_back_the_same() {
    let library = Library::common();
    assert_eq!(&parse(&write(library)).expect("reads"), library);
}

#[test]
fn every_wrong_cell_is_reported_with_its_line_and_column() {
    let text = format!(
        "{HEADING}A1,甲,,,,,,sideways,,,,,,,,,出处\n\"A 2\",乙,,,,,,lower_is_better,,,step_deduction:2,,,moon,,,出处\nA3,丙,,,,,,higher_is_better,,,,,,,,,\n"
    );
    let errors = parse(&text).expect_err("wrong cells").0;
    let at: Vec<(usize, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        [
            (2, Some("direction")),
            (3, Some("code")),
            (3, Some("scoring_rule")),
            (3, Some("unit_kinds")),
            (4, Some("source")),
        ]
    );
}

#[test]
fn a_name_used_by_two_indicators_is_refused_at_the_second() {
    let text = format!(
        "{HEADING}A1,结余率,,,,,,lower_is_better,,,,,,,,,出处\nA2,结转率,“结余率”,,,,,lower_is_better,,,,,,,,,出处\n"
    );
    let errors = parse(&text).expect_err("a name twice").0;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3);
}

#[test]
fn a_text_past_its_bounds_or_badly_quoted_is_refused() {
    let big = format!("{HEADING}{}", "x".repeat(MAX_CSV_BYTES));
    assert!(parse(&big).is_err());
    let rows: String = (0..=MAX_INDICATORS)
        .map(|i| format!("A{i},名{i},,,,,,qualitative,,,,,,,,,出处\n"))
        .collect();
    assert!(parse(&format!("{HEADING}{rows}")).is_err());
    let open = parse(&format!("{HEADING}A1,\"甲,,,\n"))
        .expect_err("open quote")
        .0;
    assert_eq!(open[0].line, 2);
    let lacking = parse("code,name\nA1,甲\n").expect_err("columns").0;
    assert!(lacking.iter().all(|e| e.line == 1));
    assert!(parse("").is_err());
}

#[test]
fn quoted_cells_keep_commas_quotes_and_line_breaks() {
    let text = format!(
        "{HEADING}A1,\"甲,乙\",,,,\"一行\n二行 \"\"引\"\"\",,qualitative,,,,,,,,,出处\r\nA2,丙,,,,,,qualitative,,,,,,,,,出处"
    );
    let library = parse(&text).expect("reads");
    assert_eq!(library.indicators()[0].name, "甲,乙");
    assert_eq!(library.indicators()[0].definition, "一行\n二行 \"引\"");
    assert_eq!(library.indicators()[1].code.as_str(), "A2");
}

#[test]
fn names_are_read_alike_whatever_their_quotes_spaces_widths_and_units() {
    let library = Library::common();
    for (written, expected, by) in [
        ("“三公经费控制率", "GX12", MatchedBy::Name),
        ("“三公”经费控制率", "GX12", MatchedBy::Name),
        ("预算执行率（%）", "GX06", MatchedBy::Name),
        ("预算 执行率", "GX06", MatchedBy::Name),
        ("财政供养人员控制率", "GX03", MatchedBy::Alias),
        ("制度建设", "GX14", MatchedBy::Alias),
    ] {
        let found = library.find_name(written).expect(written);
        assert_eq!(
            (found.indicator.code.as_str(), found.by),
            (expected, by),
            "{written}"
        );
    }
    assert!(library.find_name("播发稿件数量").is_none());
    assert!(library.find_name("“”").is_none());
}

#[test]
fn a_named_code_wins_over_the_name_and_an_unknown_code_matches_nothing() {
    let mut named = indicator("预算调整率", "3%");
    named.library_code = Some(code("GX09"));
    let found = Library::common().find(&named).expect("by code");
    assert_eq!(
        (found.indicator.code.as_str(), found.by),
        ("GX09", MatchedBy::Code)
    );
    named.library_code = Some(code("ZZ99"));
    assert!(Library::common().find(&named).is_none());
}

#[test]
fn a_bare_target_of_a_lower_is_better_indicator_reads_at_most() {
    let figure = |comparison, value: i64| Reading::Figure {
        comparison,
        value: Decimal::from(value),
        unit: Some("%".to_owned()),
    };
    let bare = indicator("预算调整率", "3%");
    assert_eq!(
        bare.reading(Library::common()),
        figure(Comparison::AtMost, 3)
    );
    assert!(bare.compared_by_library(Library::common()));
    // A sign the unit wrote, or a comparison it stated, is what it meant.
    let signed = indicator("预算调整率", "≥3%");
    assert_eq!(
        signed.reading(Library::common()),
        figure(Comparison::AtLeast, 3)
    );
    assert!(!signed.compared_by_library(Library::common()));
    let mut stated = indicator("公用经费控制率", "100%");
    stated.comparison = Some(Comparison::AtLeast);
    assert_eq!(
        stated.reading(Library::common()),
        figure(Comparison::AtLeast, 100)
    );
    assert!(!stated.compared_by_library(Library::common()));
    // A higher-is-better indicator reads as it always did, and is not said to be read otherwise.
    let execution = indicator("预算执行率", "95%");
    assert_eq!(
        execution.reading(Library::common()),
        figure(Comparison::AtLeast, 95)
    );
    assert!(!execution.compared_by_library(Library::common()));
}

#[test]
fn a_recognised_indicator_is_said_and_a_bare_target_read_by_the_library_is_warned() {
    use crate::domain::checks::{CheckContext, Rule, Severity};
    use crate::domain::report::EvaluationReport;
    use crate::domain::settings::YearSettings;

    let report: EvaluationReport = serde_json::from_value(serde_json::json!({
        "goals": {"indicators": [
            {"id": "1", "name": "预算调整率", "unit": "%", "target": "3%", "weight": "50"},
            {"id": "2", "name": "预算完成率", "unit": "%", "target": "≥90%", "weight": "30"},
            {"id": "3", "name": "结转结余率", "library_code": "GX09", "target": "≤2%", "weight": "10"}
        ]},
        "results": {"indicators": [
            {"indicator_id": "1", "actual": "0", "self_score": "50"},
            {"indicator_id": "2", "actual": "95%", "self_score": "30"},
            {"indicator_id": "3", "actual": "0", "self_score": "10"}
        ]}
    }))
    .expect("a report");
    let settings = YearSettings::default();
    let findings = report.findings(&CheckContext {
        settings: &settings,
        approved: None,
        previous: None,
        library: Library::common(),
        rules: &ResultRules::default(),
    });
    let library: Vec<(Rule, Severity, &str)> = findings
        .iter()
        .filter(|f| {
            matches!(
                f.rule,
                Rule::IndicatorMatchedLibrary | Rule::TargetReadByLibrary
            )
        })
        .map(|f| (f.rule, f.severity, f.path.as_str()))
        .collect();
    // The code named on the third confirms it: nothing to say.
    assert_eq!(
        library,
        [
            (
                Rule::TargetReadByLibrary,
                Severity::Warning,
                "goals.indicators[0].target"
            ),
            (
                Rule::IndicatorMatchedLibrary,
                Severity::Note,
                "goals.indicators[1].name"
            ),
        ]
    );
    assert!(
        findings.iter().all(|f| f.severity != Severity::Error),
        "{findings:?}"
    );
    let read = &findings
        .iter()
        .find(|f| f.rule == Rule::TargetReadByLibrary)
        .expect("the warning")
        .figures;
    assert!(read.iter().any(|f| f.value == "GX07 预算调整率"));
    assert!(read.iter().any(|f| f.value == "≤ 3%"));
}

#[test]
fn the_library_given_decides_the_reading_and_the_score_not_the_shipped_one() {
    use crate::domain::settings::Weights;

    let flipped = parse(&format!(
        "{HEADING}X07,预算调整率,,,,预算调整数 ÷ 预算数。,%,higher_is_better,,,,,,,,,出处\n"
    ))
    .expect("a library");
    let bare = indicator("预算调整率", "3%");
    assert_eq!(
        bare.kind(Library::common()),
        Some(Comparison::AtMost),
        "the shipped library reads it at most"
    );
    assert_eq!(bare.kind(&flipped), Some(Comparison::AtLeast));
    assert!(!bare.compared_by_library(&flipped));
    let report: crate::domain::report::EvaluationReport =
        serde_json::from_value(serde_json::json!({
            "goals": {"indicators": [
                {"id": "1", "name": "预算调整率", "target": "3%", "weight": "10"}
            ]},
            "results": {"indicators": [{"indicator_id": "1", "actual": "0"}]}
        }))
        .expect("a report");
    let met = |library: &Library| {
        report
            .scorecard(&Weights::default(), None, library, &ResultRules::default())
            .indicators[0]
            .met
    };
    assert_eq!(met(Library::common()), Some(true));
    assert_eq!(met(&flipped), Some(false));
}

#[test]
fn a_median_of_like_units_is_given_only_when_enough_of_them_state_a_figure() {
    use std::collections::BTreeMap;

    use crate::domain::department::UnitKind;
    use crate::domain::report::EvaluationReport;

    let report = |actual: &str| -> EvaluationReport {
        serde_json::from_value(serde_json::json!({
            "goals": {"indicators": [{"id": "1", "name": "预算执行率", "target": "≥90%"}]},
            "results": {"indicators": [{"indicator_id": "1", "actual": actual}]}
        }))
        .expect("a report")
    };
    let own = report("91%");
    let others: Vec<EvaluationReport> = ["80%", "85%", "95%", "97%"]
        .into_iter()
        .map(report)
        .collect();
    fn like(reports: &[EvaluationReport]) -> BTreeMap<String, Vec<&EvaluationReport>> {
        reports
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("u{i}"), vec![r]))
            .collect()
    }
    let execution = |suggestions: &Suggestions| {
        suggestions
            .suggestions
            .iter()
            .find(|s| s.indicator.code.as_str() == "GX06")
            .cloned()
            .expect("GX06")
    };
    let four = Library::common().suggest(
        UnitKind::Administrative,
        &TargetsFor::Departmental,
        &[&own],
        &like(&others),
    );
    let found = execution(&four);
    assert_eq!(
        found.last_year.and_then(|l| l.actual_value),
        Some(Decimal::from(91))
    );
    let units = found.like_units.expect("a quantitative indicator");
    assert_eq!((units.count, units.median), (4, None));
    let mut five = others.clone();
    five.push(report("99%"));
    let enough = Library::common().suggest(
        UnitKind::Administrative,
        &TargetsFor::Departmental,
        &[&own],
        &like(&five),
    );
    let units = execution(&enough).like_units.expect("like units");
    assert_eq!((units.count, units.median), (5, Some(Decimal::from(95))));
}

#[test]
fn a_sector_library_takes_the_place_of_its_sector_only() {
    let sector = parse(&format!(
        "{HEADING}HY01,义务教育巩固率,,,,,%,higher_is_better,,,,,,,,教育,出处\n"
    ))
    .expect("a sector library");
    let merged = Library::common()
        .with_sector("教育", &sector)
        .expect("beside the common one");
    assert_eq!(
        merged.indicators().len(),
        Library::common().indicators().len() + 1
    );
    assert_eq!(merged.of_sector(Some("教育")).len(), 1);
    assert!(Library::common().with_sector("common", &sector).is_err());
    let clash = parse(&format!(
        "{HEADING}HY02,预算执行率,,,,,%,higher_is_better,,,,,,,,教育,出处\n"
    ))
    .expect("a library");
    assert!(Library::common().with_sector("教育", &clash).is_err());
    let back = merged.without_sector("教育").expect("it had the sector");
    assert_eq!(back.indicators(), Library::common().indicators());
    assert!(back.without_sector("教育").is_none());
}

#[test]
fn what_a_sector_import_gets_wrong_is_said_at_the_incoming_indicator() {
    // The second indicator takes a common name, the third is of another sector.
    let (sector, lines) = parse_lines(&format!(
        "{HEADING}HY01,义务教育巩固率,,,,,%,higher_is_better,,,,,,,,教育,出处\n\
         HY02,预算执行率,,,,,%,higher_is_better,,,,,,,,教育,出处\n\
         HY03,床位使用率,,,,,%,higher_is_better,,,,,,,,卫生,出处\n"
    ))
    .expect("a library");
    assert_eq!(lines, [2, 3, 4]);
    let wrong = Library::common()
        .with_sector("教育", &sector)
        .expect_err("a clash and a stranger");
    let at: Vec<Option<usize>> = wrong.iter().map(|(at, _)| *at).collect();
    assert_eq!(at, [Some(2), Some(1)], "{wrong:?}");
    assert!(matches!(&wrong[0].1, Invalid::OtherSector { sector, .. } if sector == "卫生"));
    assert!(matches!(&wrong[1].1, Invalid::Duplicate { value } if value.contains("预算执行率")));
}

#[test]
fn a_figure_without_a_unit_is_read_in_the_library_indicators_unit() {
    let figure = |comparison, value: i64, unit: Option<&str>| Reading::Figure {
        comparison,
        value: Decimal::from(value),
        unit: unit.map(str::to_owned),
    };
    // 预算调整率 states no unit: `3` is 3 %, at most, as the library says.
    let bare = indicator("预算调整率", "3");
    assert_eq!(
        bare.reading(Library::common()),
        figure(Comparison::AtMost, 3, Some("%"))
    );
    assert_eq!(bare.unit_by_library(Library::common()), Some("%"));
    assert_eq!(
        bare.actual_figure("2", Library::common()),
        Some((Decimal::from(2), Some("%".to_owned())))
    );
    // A unit written with the figure, or stated on the indicator, is what it is.
    let written = indicator("预算调整率", "3个百分点");
    assert_eq!(
        written.reading(Library::common()),
        figure(Comparison::AtMost, 3, Some("个百分点"))
    );
    assert_eq!(written.unit_by_library(Library::common()), None);
    let mut stated = indicator("预算调整率", "3");
    stated.unit = Some("个百分点".to_owned());
    assert_eq!(
        stated.reading(Library::common()),
        figure(Comparison::AtMost, 3, None)
    );
    assert_eq!(stated.library_unit(Library::common()), None);
    // An indicator the library does not hold has no unit but its own.
    let other = indicator("清扫面积", "266");
    assert_eq!(
        other.reading(Library::common()),
        figure(Comparison::AtLeast, 266, None)
    );
}

#[test]
fn a_target_read_in_the_librarys_unit_is_said_and_compared_with_last_year_in_it() {
    use crate::domain::checks::{CheckContext, Rule};
    use crate::domain::report::EvaluationReport;
    use crate::domain::settings::YearSettings;

    let report = |target: &str, actual: &str| -> EvaluationReport {
        serde_json::from_value(serde_json::json!({
            "goals": {"indicators": [
                {"id": "1", "name": "预算执行率", "library_code": "GX06", "target": target, "weight": "50"}
            ]},
            "results": {"indicators": [{"indicator_id": "1", "actual": actual, "self_score": "50"}]}
        }))
        .expect("a report")
    };
    let settings = YearSettings::default();
    let findings = |now: &EvaluationReport, before: Option<&EvaluationReport>| {
        now.findings(&CheckContext {
            settings: &settings,
            approved: None,
            previous: before,
            library: Library::common(),
            rules: &crate::domain::result_application::rules::ResultRules::default(),
        })
    };
    // Named by its code, the indicator is not said to be matched; its unit read from the
    // library is.
    let now = report("90", "95%");
    let said = findings(&now, None);
    let read = said
        .iter()
        .find(|f| f.rule == Rule::TargetReadByLibrary)
        .expect("the unit read from the library is said");
    assert!(read.figures.iter().any(|f| f.value == "≥ 90%"), "{read:?}");
    assert!(
        read.figures
            .iter()
            .any(|f| f.label == "unit (library)" && f.value == "%")
    );
    assert!(read.message.contains("指标库的单位“%”"), "{}", read.message);
    // Last year's `96` is 96 %: 90 % is easier. Last year's 96 万元 is another unit: not
    // compared.
    let easier = |before: &str| {
        findings(&now, Some(&report("≥90%", before)))
            .iter()
            .any(|f| f.rule == Rule::TargetEasierThanLastYear)
    };
    assert!(easier("96"));
    assert!(!easier("96万元"));
    // A target that writes its unit is read as written, and nothing is said.
    let written = findings(&report("≥90%", "95%"), None);
    assert!(written.iter().all(|f| f.rule != Rule::TargetReadByLibrary));
}
