//! What the door refuses: broken references, words where numbers belong, unknown fields.

use super::*;

fn report(json: serde_json::Value) -> EvaluationReport {
    serde_json::from_value(json).unwrap()
}

#[test]
fn an_empty_document_is_a_valid_draft() {
    assert!(report(serde_json::json!({})).structural_errors().is_empty());
}

#[test]
fn results_must_name_indicators_that_exist() {
    let doc = report(serde_json::json!({
        "goals": {"indicators": [{"id": "a", "level1": "output", "level2": "数量", "name": "办文",
                                   "unit": "件", "comparison": "at_least", "target": "6000"}]},
        "results": {"indicators": [{"indicator_id": "b", "actual": "6205"}]}
    }));
    let errors = doc.structural_errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, "results.indicators[0].indicator_id");
}

#[test]
fn quantitative_targets_and_actuals_must_be_numbers() {
    let doc = report(serde_json::json!({
        "goals": {"indicators": [{"id": "a", "level1": "effect", "level2": "社会效益", "name": "采用率",
                                   "unit": "%", "comparison": "at_least", "target": "较高"}]},
        "results": {"indicators": [{"indicator_id": "a", "actual": "40%"}]}
    }));
    let paths: Vec<_> = doc
        .structural_errors()
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(
        paths,
        ["goals.indicators[0].target", "results.indicators[0].actual"]
    );
}

#[test]
fn qualitative_indicators_take_words() {
    let doc = report(serde_json::json!({
        "goals": {"indicators": [{"id": "a", "level1": "satisfaction", "level2": "服务对象满意度",
                                   "name": "群众满意度", "comparison": "qualitative", "target": "高"}]},
        "results": {"indicators": [{"indicator_id": "a", "actual": "较高"}]}
    }));
    assert!(doc.structural_errors().is_empty());
}

#[test]
fn measures_answer_problems_that_exist_and_ids_are_unique() {
    let doc = report(serde_json::json!({
        "issues": {"problems": [{"id": 1, "text": "a"}, {"id": 1, "text": "b"}],
                   "measures": [{"id": 2, "text": "c", "addresses": [1, 7]}]}
    }));
    let paths: Vec<_> = doc
        .structural_errors()
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(
        paths,
        ["issues.problems[1].id", "issues.measures[0].addresses[1]"]
    );
}

#[test]
fn a_new_item_takes_the_next_id_after_problems_and_measures() {
    let mut part: ProblemsAndMeasures = serde_json::from_value(serde_json::json!({
        "problems": [{"id": 1, "text": "a"}], "measures": [{"id": 4, "text": "b"}]
    }))
    .unwrap();
    let added = part.add(NewIssueItem::Problem {
        text: Label::try_from("c".to_owned()).unwrap(),
    });
    assert!(matches!(added, IssueItem::Problem(Problem { id: 5, .. })));
}

#[test]
fn a_problem_cannot_be_given_a_measures_fields() {
    let mut part: ProblemsAndMeasures =
        serde_json::from_value(serde_json::json!({"problems": [{"id": 1, "text": "a"}]})).unwrap();
    let patch = IssueItemPatch {
        addresses: Some(vec![1]),
        ..IssueItemPatch::default()
    };
    assert!(matches!(
        part.patch(1, patch),
        Err(IssueEditError::Invalid(_))
    ));
    assert_eq!(part.remove(9), Err(IssueEditError::NoSuchItem(9)));
}
