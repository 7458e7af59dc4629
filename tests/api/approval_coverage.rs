//! What the approval of targets (绩效目标审核) covers: everything that decides a score. Each
//! test is one way a unit lifted an indicator it had missed after the approval — in every one
//! the write is refused at the field it changed, or the score stays what the approved figures
//! give.

use actix_web::http::Method;
use calamine::{Data, Reader, Xlsx};
use diesel::{Connection, RunQueryDsl};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, evaluation_path, spawn_app};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A report whose indicator `q` (≥ 4 万项, weight 25) missed at 2: execution 9.5, `o` 25,
/// `q` 12.5, `e` 30, `s` 10 — a total of 87.
fn missed_report() -> Value {
    json!({
        "budget": {"total": {"initial": "1000", "adjusted": "1000", "executed": "950"}},
        "goals": {"overall_goal": "确保政令畅通", "indicators": [
            {"id": "o", "level1": "output", "level2": "数量", "name": "办理文件", "unit": "件", "comparison": "at_least", "target": "6000", "weight": "25"},
            {"id": "q", "level1": "output", "level2": "质量", "name": "专项检查", "unit": "万项", "comparison": "at_least", "target": "4", "weight": "25"},
            {"id": "e", "level1": "effect", "level2": "社会效益", "name": "信息采用率", "unit": "%", "comparison": "at_least", "target": "40", "weight": "30"},
            {"id": "s", "level1": "satisfaction", "level2": "服务对象满意度", "name": "群众满意度", "comparison": "qualitative", "target": "高", "weight": "10"}
        ]},
        "results": {"indicators": [
            {"indicator_id": "o", "actual": "6205", "self_score": "25"},
            {"indicator_id": "q", "actual": "2", "self_score": "12.5", "deviation_reason": "检查人员不足，下半年补充到位"},
            {"indicator_id": "e", "actual": "40", "self_score": "30"},
            {"indicator_id": "s", "actual": "高", "self_score": "10", "achievement": "achieved"}
        ]}
    })
}

/// The approved total of [`missed_report`].
const APPROVED_TOTAL: &str = "87";

/// Department 100 with [`missed_report`], its targets approved by a reviewer.
struct Approved {
    app: TestApp,
    unit: String,
    reviewer: String,
    path: String,
}

async fn approved() -> Approved {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let unit = app.user_token("unit100", "unit", Some("100")).await;
    let reviewer = app.user_token("reviewer1", "reviewer", None).await;
    let path = evaluation_path("100", 2021);
    let posted = app.with_token(&unit).put(&path, &missed_report()).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let a = Approved {
        app,
        unit,
        reviewer,
        path,
    };
    let approval = a.approve("1").await;
    assert_eq!(approval.status, 200, "{}", approval.body);
    assert_eq!(a.total().await, APPROVED_TOTAL);
    a
}

impl Approved {
    async fn approve(&self, version: &str) -> Answer {
        let etag = format!("\"{version}\"");
        self.app
            .with_token(&self.reviewer)
            .send(
                Method::POST,
                &format!("{}/goals/approve", self.path),
                &[("if-match", &etag)],
                Vec::new(),
            )
            .await
    }

    async fn put(&self, report: &Value) -> Answer {
        self.app
            .with_token(&self.unit)
            .put(&self.path, report)
            .await
    }

    async fn score(&self) -> Value {
        let score = self.app.get(&format!("{}/score", self.path)).await;
        assert_eq!(score.status, 200, "{}", score.body);
        score.body
    }

    async fn total(&self) -> String {
        let score = self.score().await;
        score["total"]
            .as_str()
            .unwrap_or_else(|| panic!("no total: {score}"))
            .to_owned()
    }

    async fn submit(&self) -> Answer {
        self.app
            .with_token(&self.unit)
            .send(
                Method::POST,
                &format!("{}/submit", self.path),
                &[],
                Vec::new(),
            )
            .await
    }

    /// `report` is refused with 422 naming exactly `fields`; nothing is stored, the approved
    /// total stands, and the report as approved is still submitted with it.
    async fn refuses(&self, report: &Value, fields: &[&str]) {
        let errors = self.put(report).await.assert_problem(422, "invalid_body");
        let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, fields, "{errors:?}");
        self.stays_approved().await;
    }

    async fn stays_approved(&self) {
        let stored = self.app.get(&self.path).await;
        assert_eq!(stored.body["report"], missed_report(), "nothing is stored");
        assert_eq!(self.total().await, APPROVED_TOTAL);
        let submitted = self.submit().await;
        assert_eq!(submitted.status, 200, "{}", submitted.body);
        assert_eq!(self.total().await, APPROVED_TOTAL);
    }
}

/// [`missed_report`] with `q`'s goal and result changed.
fn with_q(goal: Value, result: Value) -> Value {
    let mut report = missed_report();
    let merge = |into: &mut Value, from: Value| {
        for (key, value) in from.as_object().cloned().unwrap_or_default() {
            into[key] = value;
        }
    };
    merge(&mut report["goals"]["indicators"][1], goal);
    merge(&mut report["results"]["indicators"][1], result);
    report
}

#[actix_rt::test]
async fn a_step_deduction_rule_of_zero_points_after_approval_is_refused() {
    let a = approved().await;
    let dodge = with_q(
        json!({"scoring_rule": {"kind": "step_deduction", "points": "0", "per_percent": "10"}}),
        json!({"self_score": "25"}),
    );
    a.refuses(&dodge, &["goals.indicators[1].scoring_rule"])
        .await;
}

#[actix_rt::test]
async fn a_floor_equal_to_the_weight_after_approval_is_refused() {
    let a = approved().await;
    let dodge = with_q(
        json!({"scoring_rule": {"kind": "step_deduction", "points": "5", "per_percent": "10", "floor": "25"}}),
        json!({"self_score": "25"}),
    );
    a.refuses(&dodge, &["goals.indicators[1].scoring_rule"])
        .await;
}

/// [`missed_report`] with the weight of the missed `q` moved to the met `o`: 0.01 / 49.99.
fn weight_shifted() -> Value {
    let mut dodge = with_q(json!({"weight": "0.01"}), json!({"self_score": "0.01"}));
    dodge["goals"]["indicators"][0]["weight"] = json!("49.99");
    dodge["results"]["indicators"][0]["self_score"] = json!("49.99");
    dodge
}

#[actix_rt::test]
async fn weight_shifted_within_the_group_after_approval_is_refused() {
    let a = approved().await;
    a.refuses(
        &weight_shifted(),
        &["goals.indicators[0].weight", "goals.indicators[1].weight"],
    )
    .await;
}

#[actix_rt::test]
async fn a_changed_unit_of_measure_with_a_restated_actual_after_approval_is_refused() {
    let a = approved().await;
    let dodge = with_q(
        json!({"unit": "项"}),
        json!({"actual": "20000", "self_score": "25"}),
    );
    a.refuses(&dodge, &["goals.indicators[1].unit"]).await;
}

#[actix_rt::test]
async fn an_adjusted_target_needs_a_real_reason_and_counts_only_once_a_reviewer_approves_it() {
    let a = approved().await;
    let one_word = with_q(
        json!({"adjusted_target": "2", "adjustment_reason": "调整"}),
        json!({"self_score": "25"}),
    );
    let errors = a.put(&one_word).await.assert_problem(422, "invalid_body");
    let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["goals.indicators[1].adjustment_reason"]);

    // With a real reason the proposal is stored, shown beside the approved target, and the
    // score stays on the approved one — submitted or not — until a reviewer approves it.
    let proposed = with_q(
        json!({"adjusted_target": "2", "adjustment_reason": "年中区级机构改革，检查职能划转至街道"}),
        json!({"self_score": "25"}),
    );
    let written = a.put(&proposed).await;
    assert_eq!(written.status, 200, "{}", written.body);
    let score = a.score().await;
    let q = &score["indicators"][1];
    assert_eq!(
        (&q["target"], &q["proposed_target"]),
        (&json!("4"), &json!("2"))
    );
    assert_eq!(q["score"], "12.5", "{score}");
    assert_eq!(score["total"], APPROVED_TOTAL);
    let findings = a.app.get(&format!("{}/findings", a.path)).await;
    let awaiting: Vec<&Value> = findings.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "adjusted_target_awaits_approval")
        .collect();
    assert_eq!(awaiting.len(), 1, "{}", findings.body);
    assert_eq!(awaiting[0]["path"], "goals.indicators[1].adjusted_target");
    let submitted = a.submit().await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert_eq!(a.total().await, APPROVED_TOTAL);

    let version = submitted
        .header("etag")
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let approval = a.approve(&version).await;
    assert_eq!(approval.status, 200, "{}", approval.body);
    assert_eq!(
        approval.body["approved_goals"]["targets"][1]["adjusted_target"],
        "2"
    );
    let score = a.score().await;
    assert_eq!(score["indicators"][1]["proposed_target"], Value::Null);
    assert_eq!(score["total"], "99.5", "{score}");
}

/// `workbook` with every cell copied as a value, `change` deciding each cell's text.
fn copied(workbook: Vec<u8>, change: impl Fn(u32, u32, &str) -> Option<String>) -> Vec<u8> {
    let mut read: Xlsx<_> = Xlsx::new(std::io::Cursor::new(workbook)).unwrap();
    let sheet = read.worksheet_range("自评表").expect("the sheet 自评表");
    let mut copy = Workbook::new();
    let out = copy.add_worksheet();
    out.set_name("自评表").unwrap();
    let (top, left) = sheet.start().unwrap_or((0, 0));
    for (row, column, value) in sheet.used_cells() {
        let (row, column) = (top + row as u32, left + column as u32);
        let column16 = u16::try_from(column).unwrap();
        let text = match value {
            Data::String(text) => text.clone(),
            Data::Float(number) => number.to_string(),
            Data::Int(number) => number.to_string(),
            _ => continue,
        };
        match (change(row, column, &text), value) {
            (None, Data::Float(number)) => out.write_number(row, column16, *number),
            (changed, _) => out.write_string(row, column16, changed.unwrap_or(text)),
        }
        .unwrap();
    }
    copy.save_to_buffer().unwrap()
}

#[actix_rt::test]
async fn a_table_upload_that_changes_the_unit_of_measure_after_approval_is_refused() {
    let a = approved().await;
    let form = a.app.get(&format!("{}/form.xlsx", a.path)).await;
    assert_eq!(form.status, 200);
    // The row of 专项检查: its target `≥4万项` becomes `≥4项`, its actual 20000.
    let rows = {
        let mut read: Xlsx<_> = Xlsx::new(std::io::Cursor::new(form.bytes.clone())).unwrap();
        let sheet = read.worksheet_range("自评表").unwrap();
        sheet
            .rows()
            .position(|cells| cells.iter().any(|c| c == &Data::String("专项检查".into())))
            .map(|i| sheet.start().unwrap_or((0, 0)).0 + i as u32)
            .expect("a row for 专项检查")
    };
    let workbook = copied(form.bytes, |row, column, text| {
        if row != rows {
            None
        } else if column == 5 {
            Some("20000".to_owned())
        } else {
            text.contains("万项").then(|| text.replace("万项", "项"))
        }
    });
    let upload = a
        .app
        .with_token(&a.unit)
        .send(
            Method::POST,
            &format!("{}/form", a.path),
            &[("content-type", XLSX)],
            workbook,
        )
        .await;
    let errors = upload.assert_problem(422, "invalid_body");
    let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["goals.indicators[1].unit"], "{errors:?}");
    a.stays_approved().await;
}

#[actix_rt::test]
async fn an_approval_stored_before_it_covered_every_term_holds_writes_to_the_version_it_approved() {
    let a = approved().await;
    // The approval as it was stored before it covered more than targets and comparisons.
    let legacy = json!({"approved_by": "reviewer1", "approved_at": "2026-03-01T09:00:00Z", "version": 2, "targets": [
        {"indicator_id": "o", "target": "6000", "comparison": "at_least"},
        {"indicator_id": "q", "target": "4", "comparison": "at_least"},
        {"indicator_id": "e", "target": "40", "comparison": "at_least"},
        {"indicator_id": "s", "target": "高", "comparison": "qualitative"}
    ]});
    let mut conn =
        perfeval::store::DbConnection::establish(&a.app.database_url).expect("a connection");
    diesel::sql_query(format!(
        "UPDATE evaluations SET approved_goals = '{legacy}'"
    ))
    .execute(&mut conn)
    .unwrap();
    assert_eq!(a.total().await, APPROVED_TOTAL, "it loads and scores");

    a.refuses(
        &weight_shifted(),
        &["goals.indicators[0].weight", "goals.indicators[1].weight"],
    )
    .await;
}
