//! What the door refuses — broken references, duplicate ids — and what it takes as written.

use super::*;
use crate::domain::values::Label;

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

/// Real forms list indicators flat, write targets with their sign and unit, as `—` or not at
/// all, leave actuals out with a reason and say 否 to 核心指标: none of it is refused.
#[test]
fn forms_as_written_are_taken_at_the_door() {
    let doc = report(serde_json::json!({
        "goals": {"indicators": [
            {"id": "1", "name": "发文篇数", "target": "≥2200篇", "weight": "10", "core": false},
            {"id": "2", "name": "安全事故", "target": "到0次", "weight": "10", "core": true},
            {"id": "3", "name": "采用率", "unit": "%", "comparison": "at_least", "target": "较高"},
            {"id": "4", "name": "经费节约", "target": "—"},
            {"id": "5", "name": "满意度调查"}
        ]},
        "results": {"indicators": [
            {"indicator_id": "1", "actual": "2350篇"},
            {"indicator_id": "3", "actual": "40%"},
            {"indicator_id": "5", "no_actual_reason": "本年度未开展满意度调查"}
        ]}
    }));
    assert!(doc.structural_errors().is_empty());
    let core: Vec<Option<bool>> = doc.goals.indicators.iter().map(|i| i.core).collect();
    assert_eq!(core, [Some(false), Some(true), None, None, None]);
    let back = serde_json::to_value(&doc).unwrap();
    assert_eq!(back["goals"]["indicators"][0]["core"], false);
    assert!(back["goals"]["indicators"][2].get("core").is_none());
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

/// What real reports carry and had no place: each field reads back exactly as posted.
#[test]
fn the_fields_of_real_reports_read_back_as_written() {
    let posted = serde_json::json!({
        "title": "2021年度部门整体支出绩效自评报告",
        "metadata": {
            "report_date": "2022-04-15",
            "basis_documents": [{"title": "关于开展2021年度绩效自评工作的通知", "number": "财绩〔2022〕3号"}],
            "method": "比较法、因素分析法",
            "evaluation_body": "单位绩效自评工作小组",
            "publisher": "某街道办事处"
        },
        "profile": {
            "staffing": {"on_payroll": 40, "by_kind": [{"kind": "行政人员", "count": 25}, {"kind": "事业人员", "count": 15}]},
            "subordinate_institutions": [{"name": "社区服务中心", "legal_person": false, "rank": "正科级"}]
        },
        "budget": {
            "total": {"initial": "1000", "carried_in": "50", "added": "150", "adjusted": "1200", "executed": "1150"},
            "basic": {"amounts": {"adjusted": "800"}, "public_operation": {"adjusted": "100"},
                      "public_operation_lines": [{"name": "办公费", "amounts": {"adjusted": "60", "executed": "61", "note": "年底集中采购"}}]},
            "procurement": {"planned": "80", "actual": "75", "prior_year_actual": "70"}
        },
        "goals": {"framework": "default", "indicators": [
            {"id": "1", "name": "预算执行率", "target": "≥90%", "core": false, "metric": "execution_rate",
             "scoring_standard": "每低5%扣2分", "scoring_rule": {"kind": "step_deduction", "points": "2", "per_percent": "5", "floor": "0"}}
        ]},
        "results": {"indicators": [{"indicator_id": "1", "actual": "95.83%", "stated_coefficient": "1", "stated_attainment": "106.48"}]}
    });
    let doc = report(posted.clone());
    assert!(doc.structural_errors().is_empty());
    assert_eq!(serde_json::to_value(&doc).unwrap(), posted);
}
