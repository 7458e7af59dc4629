//! Scores worked out by hand: the proportional rule, the bands, targets as forms write them
//! and the rules forms state.

use super::*;
use crate::domain::result_application::rules::ResultRules;
use serde_json::json;

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn report(indicators: serde_json::Value, results: serde_json::Value) -> EvaluationReport {
    serde_json::from_value(json!({
        "budget": {"total": {"initial": "1000", "adjusted": "1200", "executed": "1080"}},
        "goals": {"indicators": indicators},
        "results": {"indicators": results}
    }))
    .unwrap()
}

fn indicator(
    id: &str,
    level1: &str,
    comparison: &str,
    target: &str,
    weight: &str,
) -> serde_json::Value {
    json!({"id": id, "level1": level1, "level2": "数量", "name": format!("指标{id}"), "comparison": comparison,
           "target": target, "weight": weight})
}

#[test]
fn a_hand_computed_report_scores_as_the_rules_say() {
    // Execution: 1080 ÷ 1200 = 90 % → 10 × 0.9 = 9.
    // a (≥ 100, actual 120): met, capped at its weight 30 (attainment 120 %).
    // b (≥ 200, actual 150): 75 % of 20 = 15.
    // c (≤ 10 days, actual 12): 10 ÷ 12 = 83.3333 % of 30 = 25 (to 2 places).
    // d (qualitative, partly achieved, self-score 9 of 10): within 6–8 → 8.
    let scored = report(
        json!([indicator("a", "output", "at_least", "100", "30"), indicator("b", "output", "at_least", "200", "20"),
               indicator("c", "effect", "at_most", "10", "30"), indicator("d", "satisfaction", "qualitative", "高", "10")]),
        json!([{"indicator_id": "a", "actual": "120"}, {"indicator_id": "b", "actual": "150"},
               {"indicator_id": "c", "actual": "12"}, {"indicator_id": "d", "actual": "较高", "self_score": "9",
               "achievement": "partly_achieved"}]),
    )
    .scorecard(&Weights::default(), None, crate::domain::library::Library::common(), &ResultRules::default());
    assert_eq!(scored.missing, Vec::<String>::new());
    assert_eq!(scored.execution.score, Some(Score::of(dec("9"))));
    let scores: Vec<_> = scored
        .indicators
        .iter()
        .map(|i| i.score.map(String::from))
        .collect();
    assert_eq!(
        scores,
        [
            Some("30".into()),
            Some("15".into()),
            Some("25".into()),
            Some("8".into())
        ]
    );
    assert_eq!(
        String::from(scored.indicators[0].attainment.unwrap()),
        "120"
    );
    assert_eq!(
        String::from(scored.indicators[2].attainment.unwrap()),
        "83.3333"
    );
    assert_eq!(
        scored.indicators[3].self_score_difference.map(String::from),
        Some("1".into())
    );
    assert_eq!(scored.total.map(String::from), Some("87".into()));
    assert_eq!(scored.grade, Some(Grade::Good));
    assert_eq!(
        scored.subtotals[0].score.map(String::from),
        Some("45".into())
    );
    assert_eq!(scored.subtotals[0].configured_weight, Some(dec("50")));
}

#[test]
fn a_missing_weight_leaves_the_total_undefined_and_says_so() {
    let mut without_weight = indicator("a", "output", "at_least", "100", "30");
    without_weight.as_object_mut().unwrap().remove("weight");
    let scored = report(
        json!([without_weight]),
        json!([{"indicator_id": "a", "actual": "100"}]),
    )
    .scorecard(
        &Weights::default(),
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(scored.total, None);
    assert_eq!(scored.grade, None);
    assert!(
        scored
            .missing
            .contains(&"indicator a has no weight".to_owned())
    );
    assert_eq!(scored.indicators[0].met, Some(true));
}

#[test]
fn a_zero_denominator_gives_no_attainment_and_no_invented_score() {
    let scored = report(
        json!([
            indicator("a", "output", "at_least", "0", "50"),
            indicator("b", "effect", "at_most", "5", "40")
        ]),
        json!([{"indicator_id": "a", "actual": "3"}, {"indicator_id": "b", "actual": "0"}]),
    )
    .scorecard(
        &Weights::default(),
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(scored.indicators[0].attainment, None);
    assert_eq!(scored.indicators[0].met, Some(true));
    assert_eq!(
        scored.indicators[0].score.map(String::from),
        Some("50".into())
    );
    assert_eq!(scored.indicators[1].attainment, None);
    assert_eq!(
        scored.indicators[1].score.map(String::from),
        Some("40".into())
    );
}

#[test]
fn a_negative_target_gives_no_attainment_rather_than_full_points() {
    let scored = report(
        json!([indicator("a", "effect", "at_most", "-5", "30")]),
        json!([{"indicator_id": "a", "actual": "-3"}]),
    )
    .scorecard(
        &Weights::default(),
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(scored.indicators[0].met, Some(false));
    assert_eq!(scored.indicators[0].attainment, None);
    assert_eq!(scored.indicators[0].score, None);
    assert_eq!(scored.total, None);
}

#[test]
fn execution_above_the_budget_scores_no_more_than_the_weight() {
    let mut over = report(json!([]), json!([]));
    over.budget.total =
        serde_json::from_value(json!({"adjusted": "100", "executed": "130"})).unwrap();
    let scored = over.scorecard(
        &Weights::default(),
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(scored.execution.score.map(String::from), Some("10".into()));
    assert!(
        scored
            .missing
            .contains(&"the goals give no indicators (绩效指标)".to_owned())
    );
}

#[test]
fn a_qualitative_indicator_without_a_self_score_gets_its_bands_floor() {
    let scored = report(
        json!([indicator("q", "satisfaction", "qualitative", "高", "10")]),
        json!([{"indicator_id": "q", "actual": "高", "achievement": "achieved"}]),
    )
    .scorecard(
        &Weights::default(),
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(
        scored.indicators[0].score.map(String::from),
        Some("8".into())
    );
    assert_eq!(scored.indicators[0].met, Some(true));
}

#[test]
fn an_indicator_the_approval_does_not_cover_scores_nothing_and_says_why() {
    let goals = json!([
        indicator("a", "output", "at_least", "100", "50"),
        indicator("b", "output", "at_least", "1", "40")
    ]);
    let report = report(
        goals,
        json!([{"indicator_id": "a", "actual": "100"}, {"indicator_id": "b", "actual": "1"}]),
    );
    let approved = ApprovedGoals {
        approved_by: "reviewer".to_owned(),
        approved_at: chrono::Utc::now(),
        version: 1,
        framework: None,
        targets: vec![crate::domain::checks::ApprovedTarget {
            indicator_id: "a".to_owned(),
            target: "100".to_owned(),
            comparison: Some(Comparison::AtLeast),
            adjusted_target: None,
            terms: None,
        }],
    };
    let scored = report.scorecard(
        &Weights::default(),
        Some(&approved),
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(
        scored.indicators[0].score.map(String::from),
        Some("50".into())
    );
    assert_eq!(scored.indicators[1].score, None);
    assert_eq!(scored.total, None);
    assert!(
        scored
            .missing
            .iter()
            .any(|m| m.starts_with("indicator b was added after"))
    );
    let unapproved = report.scorecard(
        &Weights::default(),
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(
        unapproved.indicators[1].score.map(String::from),
        Some("40".into())
    );
}

/// Targets as forms write them score by what they say: `≥2200篇` met by `2350篇`, `到0次`
/// missed by one, `100%` reached to 96 %.
#[test]
fn targets_written_with_sign_and_unit_score_by_what_they_say() {
    let report = report(
        json!([
            {"id": "a", "name": "发文篇数", "target": "≥2200篇", "weight": "30"},
            {"id": "b", "name": "安全事故", "target": "到0次", "weight": "30"},
            {"id": "c", "name": "完成率", "target": "100%", "weight": "30"}
        ]),
        json!([
            {"indicator_id": "a", "actual": "2350篇"},
            {"indicator_id": "b", "actual": "1次"},
            {"indicator_id": "c", "actual": "96%"}
        ]),
    );
    let card = report.scorecard(
        &Weights::default(),
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    let scores = indicator_scores(&card);
    // a: met, 30; b: at most 0, actual 1: 0 ÷ 1 = 0, 0 points; c: 96 ÷ 100 × 30 = 28.8.
    assert_eq!(scores, [Some(dec("30")), Some(dec("0")), Some(dec("28.8"))]);
    assert_eq!(card.indicators[1].comparison, Some(Comparison::AtMost));
    // Execution 1080 ÷ 1200 = 90 % of 10 = 9; 9 + 30 + 0 + 28.8 = 67.8.
    assert_eq!(card.total.map(|t| t.value()), Some(dec("67.8")));
}

/// Each indicator's computed points, in order.
fn indicator_scores(card: &Scorecard) -> Vec<Option<Decimal>> {
    card.indicators
        .iter()
        .map(|i| i.score.map(|s| s.value()))
        .collect()
}

/// Forms score by rules other than proportion: 每低5%扣2分, and all or nothing.
#[test]
fn each_indicator_scores_by_its_own_rule() {
    let report = report(
        json!([
            {"id": "a", "name": "完成率", "target": "≥100%", "weight": "10",
             "scoring_rule": {"kind": "step_deduction", "points": "2", "per_percent": "5"},
             "scoring_standard": "每低5%扣2分"},
            {"id": "b", "name": "验收", "target": "100", "weight": "10",
             "scoring_rule": {"kind": "all_or_nothing"}},
            {"id": "c", "name": "办文", "target": "100", "weight": "10"}
        ]),
        json!([
            {"indicator_id": "a", "actual": "88%", "stated_coefficient": "0.6"},
            {"indicator_id": "b", "actual": "99"},
            {"indicator_id": "c", "actual": "99"}
        ]),
    );
    let card = report.scorecard(
        &Weights::default(),
        None,
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    let scores = indicator_scores(&card);
    // a: 12 % short, two whole steps of 5 %: 10 − 2 × 2 = 6; b: missed, nothing;
    // c: 99 ÷ 100 × 10 = 9.9.
    assert_eq!(scores, [Some(dec("6")), Some(dec("0")), Some(dec("9.9"))]);
    assert_eq!(card.indicators[1].rule, ScoringRule::AllOrNothing);
    assert_eq!(card.indicators[2].rule, ScoringRule::Proportional);
    assert_eq!(
        card.indicators[0].stated_coefficient.as_deref(),
        Some("0.6")
    );
    let shown = serde_json::to_value(&card.indicators[0]).unwrap();
    assert_eq!(shown["rule"]["kind"], "step_deduction");
}

#[test]
fn an_approved_indicator_scores_on_its_approved_figures_whatever_the_report_states_now() {
    // Execution 9; a (≥ 100, actual 100) met: 40; b (≥ 200 万项, actual 100) half: 20;
    // c (qualitative, achieved, no self-score): 8 of 10 — on the approved figures, 77.
    let goals = json!([
        indicator("a", "output", "at_least", "100", "40"),
        {"id": "b", "level1": "output", "level2": "质量", "name": "指标b", "unit": "万项",
         "comparison": "at_least", "target": "200", "weight": "40"},
        indicator("c", "satisfaction", "qualitative", "高", "10")
    ]);
    let results = json!([{"indicator_id": "a", "actual": "100"}, {"indicator_id": "b", "actual": "100"},
                         {"indicator_id": "c", "actual": "高", "achievement": "achieved"}]);
    let as_approved = report(goals.clone(), results.clone());
    let approved = ApprovedGoals::of(
        &as_approved.goals,
        "reviewer",
        chrono::Utc::now(),
        2,
        crate::domain::library::Library::common(),
    );
    let total = |report: &EvaluationReport, approved: Option<&ApprovedGoals>| {
        report
            .scorecard(
                &Weights::default(),
                approved,
                crate::domain::library::Library::common(),
                &ResultRules::default(),
            )
            .total
            .map(String::from)
    };
    assert_eq!(total(&as_approved, Some(&approved)), Some("77".into()));
    // What the writes now refuse, stored anyway (as a report changed while its approval
    // covered less could be): each dodge still scores as approved.
    let reason = json!("区级机构改革，职能划转至街道");
    let dodges: [(&str, serde_json::Value, &str); 6] = [
        (
            "scoring_rule",
            json!({"kind": "step_deduction", "points": "0", "per_percent": "10"}),
            "97",
        ),
        (
            "scoring_rule",
            json!({"kind": "step_deduction", "points": "1", "per_percent": "10", "floor": "40"}),
            "97",
        ),
        ("adjusted_target", json!("100"), "97"),
        ("comparison", json!("at_most"), "97"),
        ("unit", json!("项"), "77"),
        ("level1", json!("effect"), "77"),
    ];
    for (field, value, unapproved) in dodges {
        let mut dodged = goals.clone();
        dodged[1][field] = value;
        dodged[1]["adjustment_reason"] = reason.clone();
        let dodged = report(dodged, results.clone());
        assert_eq!(total(&dodged, None), Some(unapproved.into()), "{field}");
        assert_eq!(
            total(&dodged, Some(&approved)),
            Some("77".into()),
            "{field}"
        );
        let card = dodged.scorecard(
            &Weights::default(),
            Some(&approved),
            crate::domain::library::Library::common(),
            &ResultRules::default(),
        );
        assert_eq!(card.subtotals[0].level1, Some(IndicatorLevel1::Output));
        assert_eq!(card.subtotals[0].score.map(String::from), Some("60".into()));
    }
    let mut shifted = goals.clone();
    shifted[0]["weight"] = json!("79.99");
    shifted[1]["weight"] = json!("0.01");
    let shifted = report(shifted, results.clone());
    assert_eq!(total(&shifted, None), Some("97".into()));
    assert_eq!(total(&shifted, Some(&approved)), Some("77".into()));

    // A proposed adjustment is shown beside the approved target it is scored against, and
    // counts once approved.
    let mut proposed = goals;
    proposed[1]["adjusted_target"] = json!("100");
    proposed[1]["adjustment_reason"] = reason;
    let proposed = report(proposed, results);
    let card = proposed.scorecard(
        &Weights::default(),
        Some(&approved),
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(card.indicators[1].target, "200");
    assert_eq!(card.indicators[1].proposed_target.as_deref(), Some("100"));
    assert_eq!(
        card.indicators[1].score.map(String::from),
        Some("20".into())
    );
    let reapproved = ApprovedGoals::of(
        &proposed.goals,
        "reviewer",
        chrono::Utc::now(),
        4,
        crate::domain::library::Library::common(),
    );
    let card = proposed.scorecard(
        &Weights::default(),
        Some(&reapproved),
        crate::domain::library::Library::common(),
        &ResultRules::default(),
    );
    assert_eq!(card.indicators[1].target, "100");
    assert_eq!(card.indicators[1].proposed_target, None);
    assert_eq!(card.total.map(String::from), Some("97".into()));
}
