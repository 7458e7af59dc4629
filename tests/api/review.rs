//! The review cycle over HTTP with real tokens: checks, scores, actions, approved targets,
//! history, settings, progress and publication.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, seed_fixture, spawn_app};

/// A report that passes every check: executed 95 % of its budget, every target met.
/// Its score: 10 × 95 % + 50 + 30 + 10 = 99.5 (优).
pub fn clean_report() -> Value {
    json!({
        "budget": {"total": {"initial": "1000", "adjusted": "1000", "executed": "950"}},
        "goals": {"overall_goal": "确保政令畅通", "indicators": [
            {"id": "o", "level1": "output", "level2": "数量", "name": "办理文件", "unit": "件", "comparison": "at_least", "target": "6000", "weight": "50"},
            {"id": "e", "level1": "effect", "level2": "社会效益", "name": "信息采用率", "unit": "%", "comparison": "at_least", "target": "40", "weight": "30"},
            {"id": "s", "level1": "satisfaction", "level2": "服务对象满意度", "name": "群众满意度", "comparison": "qualitative", "target": "高", "weight": "10"}
        ]},
        "results": {"indicators": [
            {"indicator_id": "o", "actual": "6205", "self_score": "50"},
            {"indicator_id": "e", "actual": "40", "self_score": "30"},
            {"indicator_id": "s", "actual": "高", "self_score": "10", "achievement": "achieved"}
        ]}
    })
}

struct Cycle {
    app: TestApp,
    unit: String,
    reviewer: String,
    analyst: String,
}

async fn cycle() -> Cycle {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    let unit = app.user_token("unit100", "unit", Some("100")).await;
    let reviewer = app.user_token("reviewer1", "reviewer", None).await;
    let analyst = app.user_token("analyst1", "analyst", None).await;
    Cycle {
        app,
        unit,
        reviewer,
        analyst,
    }
}

impl Cycle {
    async fn act(&self, token: &str, action: &str, body: Option<Value>) -> crate::helpers::Answer {
        let path = format!("{}/{action}", evaluation_path("100", 2021));
        match body {
            Some(body) => self.app.with_token(token).post(&path, &body).await,
            None => {
                self.app
                    .with_token(token)
                    .send(Method::POST, &path, &[], Vec::new())
                    .await
            }
        }
    }
}

#[actix_rt::test]
async fn a_report_goes_from_draft_to_published_with_a_return_on_the_way() {
    let c = cycle().await;
    let path = evaluation_path("100", 2021);
    let unit = c.app.with_token(&c.unit);
    assert_eq!(unit.put(&path, &clean_report()).await.status, 201);

    let submitted = c.act(&c.unit, "submit", None).await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert_eq!(submitted.body["status"], "submitted");
    assert_eq!(submitted.header("etag").as_deref(), Some("\"2\""));
    unit.put(&path, &clean_report())
        .await
        .assert_problem(409, "evaluation_not_editable");
    c.act(&c.unit, "accept", None)
        .await
        .assert_problem(403, "forbidden");

    let errors = c
        .act(&c.reviewer, "return", None)
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "comment");
    let returned = c
        .act(
            &c.reviewer,
            "return",
            Some(json!({"comment": "请补充偏差原因"})),
        )
        .await;
    assert_eq!(returned.body["status"], "returned");

    let mut corrected = clean_report();
    corrected["goals"]["overall_goal"] = json!("确保政令畅通，提高办文质量");
    assert_eq!(unit.put(&path, &corrected).await.status, 200);
    assert_eq!(
        c.act(&c.unit, "submit", None).await.body["status"],
        "submitted"
    );
    assert_eq!(
        c.act(&c.reviewer, "accept", Some(json!({"comment": "同意"})))
            .await
            .body["status"],
        "accepted"
    );
    c.act(&c.analyst, "publish", None)
        .await
        .assert_problem(403, "forbidden");
    c.app
        .anonymous()
        .get("/api/v1/public/departments/100/evaluations/2021")
        .await
        .assert_problem(404, "not_found");

    let published = c.act(&c.reviewer, "publish", None).await;
    assert_eq!(published.body["status"], "published");
    let public = c
        .app
        .anonymous()
        .get("/api/v1/public/departments/100/evaluations/2021")
        .await;
    assert_eq!(public.status, 200);
    assert_eq!(
        public.body["report"]["goals"]["overall_goal"],
        "确保政令畅通，提高办文质量"
    );
    let listed = c
        .app
        .anonymous()
        .get("/api/v1/public/evaluations?year=2021")
        .await;
    assert_eq!(listed.body["total"], 1);
    assert_eq!(listed.body["items"][0]["department_code"], "100");

    let history = c
        .app
        .with_token(&c.analyst)
        .get(&format!("{path}/history"))
        .await;
    let steps: Vec<(Value, Value, Value)> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].clone(),
                r["actor"].clone(),
                r["version"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (json!("replace"), json!("unit100"), json!(1)),
            (json!("submit"), json!("unit100"), json!(2)),
            (json!("return"), json!("reviewer1"), json!(3)),
            (json!("replace"), json!("unit100"), json!(4)),
            (json!("submit"), json!("unit100"), json!(5)),
            (json!("accept"), json!("reviewer1"), json!(6)),
            (json!("publish"), json!("reviewer1"), json!(7)),
        ]
    );
    assert_eq!(history.body["items"][2]["comment"], "请补充偏差原因");
    assert_eq!(history.body["items"][2]["status"], "returned");
}

#[actix_rt::test]
async fn an_action_not_allowed_now_is_refused_with_the_allowed_ones() {
    let c = cycle().await;
    c.app
        .with_token(&c.unit)
        .put(&evaluation_path("100", 2021), &clean_report())
        .await;
    let refused = c.act(&c.reviewer, "publish", None).await;
    refused.assert_problem(409, "illegal_transition");
    assert_eq!(refused.body["allowed_actions"], json!(["submit"]));
    c.act(&c.unit, "submit", None).await;
    let again = c.act(&c.unit, "submit", None).await;
    again.assert_problem(409, "illegal_transition");
    assert_eq!(again.body["allowed_actions"], json!(["return", "accept"]));
    let stale = c
        .app
        .with_token(&c.reviewer)
        .send(
            Method::POST,
            &format!("{}/accept", evaluation_path("100", 2021)),
            &[("if-match", "\"1\"")],
            Vec::new(),
        )
        .await;
    stale.assert_problem(412, "precondition_failed");
}

#[actix_rt::test]
async fn a_version_handed_in_reads_the_same_after_the_report_is_returned_and_edited() {
    let c = cycle().await;
    let path = evaluation_path("100", 2021);
    let unit = c.app.with_token(&c.unit);
    unit.put(&path, &clean_report()).await;
    let submitted = c.act(&c.unit, "submit", None).await.body["version"]
        .as_i64()
        .unwrap();
    c.act(&c.reviewer, "return", Some(json!({"comment": "退回修改"})))
        .await;
    let mut edited = clean_report();
    edited["budget"]["total"]["executed"] = json!("990");
    unit.put(&path, &edited).await;
    c.act(&c.unit, "submit", None).await;
    let accepted = c.act(&c.reviewer, "accept", None).await.body["version"]
        .as_i64()
        .unwrap();
    c.act(&c.reviewer, "publish", None).await;

    let then = c.app.get(&format!("{path}/versions/{submitted}")).await;
    assert_eq!(then.status, 200);
    assert_eq!(then.body["status"], "submitted");
    assert_eq!(then.body["report"], clean_report());
    let at_acceptance = c.app.get(&format!("{path}/versions/{accepted}")).await;
    assert_eq!(at_acceptance.body["status"], "accepted");
    assert_eq!(at_acceptance.body["report"], edited);
    assert_eq!(at_acceptance.body["actor"], "reviewer1");
    c.app
        .get(&format!("{path}/versions/99"))
        .await
        .assert_problem(404, "not_found");
    c.app
        .with_token(&c.unit)
        .get(&format!("{}/versions/1", evaluation_path("200", 2021)))
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn the_seed_stores_as_a_draft_and_its_findings_point_at_what_does_not_add_up() {
    let app = spawn_app().await;
    let fixture = seed_fixture();
    app.post("/api/v1/departments", &fixture["department"])
        .await;
    let path = evaluation_path("101001", 2021);
    assert_eq!(app.put(&path, &fixture["report"]).await.status, 201);

    let found = app.get(&format!("{path}/findings")).await;
    assert_eq!(found.status, 200);
    let findings = found.body["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "breakdown_exceeds_total",
            "posts_do_not_add_up",
            "no_indicators"
        ]
    );
    assert_eq!(
        (found.body["errors"].clone(), found.body["warnings"].clone()),
        (json!(1), json!(2))
    );

    let projects = &findings[0];
    assert_eq!(projects["severity"], "error");
    assert_eq!(projects["path"], "budget.projects.amounts.initial");
    let figures: Vec<(&str, &str)> = projects["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["label"].as_str().unwrap(), f["value"].as_str().unwrap()))
        .collect();
    assert_eq!(figures[0], ("budget.projects.amounts.initial", "1081"));
    assert_eq!(
        figures[1],
        ("budget.projects.lines[0].amounts.initial", "185")
    );
    assert_eq!(
        figures[2],
        ("budget.projects.lines[1].amounts.initial", "1309.77")
    );
    assert_eq!(figures[3].1, "1494.77");
    assert!(projects["message"].as_str().unwrap().contains("项目支出"));
    assert!(projects["message_en"].as_str().unwrap().contains("413.77"));

    let posts = &findings[1];
    assert_eq!(posts["path"], "profile.staffing.authorized_total");
    let values: Vec<&str> = posts["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["50", "15", "5", "5", "5", "30"]);

    let blocked = app
        .send(Method::POST, &format!("{path}/submit"), &[], Vec::new())
        .await;
    blocked.assert_problem(409, "findings_block_submission");
    assert_eq!(blocked.body["findings"].as_array().unwrap().len(), 1);
    // A JSON `null` body is no body, as the document's optional body allows.
    let with_null = app
        .send(
            Method::POST,
            &format!("{path}/submit"),
            &[("content-type", "application/json")],
            b"null".to_vec(),
        )
        .await;
    with_null.assert_problem(409, "findings_block_submission");
    assert_eq!(
        blocked.body["findings"][0]["rule"],
        "breakdown_exceeds_total"
    );
    assert_eq!(app.get(&path).await.body["status"], "draft");

    let score = app.get(&format!("{path}/score")).await;
    assert_eq!(score.status, 200);
    assert_eq!(score.body["total"], Value::Null);
    assert_eq!(score.body["grade"], Value::Null);
    let missing: Vec<&str> = score.body["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"the budget gives no executed amount (执行数)"),
        "{missing:?}"
    );
    assert!(
        missing.contains(&"the goals give no indicators (绩效指标)"),
        "{missing:?}"
    );
    assert_eq!(score.body["figures"]["basic"]["adjustment_rate"], "2.1502");
    assert_eq!(score.body["figures"]["staffing_control_rate"], "100");
    assert_eq!(
        score.body["figures"]["basic"]["execution_rate"],
        Value::Null
    );
}

#[actix_rt::test]
async fn the_score_follows_the_years_weights() {
    let c = cycle().await;
    let path = evaluation_path("100", 2021);
    c.app.with_token(&c.unit).put(&path, &clean_report()).await;
    let score = c
        .app
        .with_token(&c.unit)
        .get(&format!("{path}/score"))
        .await;
    assert_eq!(score.body["total"], "99.5");
    assert_eq!(score.body["grade"], "excellent");
    assert_eq!(score.body["execution"]["rate"], "95");
    assert_eq!(score.body["execution"]["score"], "9.5");
    assert_eq!(score.body["weights"]["budget_execution"], "10");

    let weights = json!({"weights": {"budget_execution": "20", "output": "40", "effect": "30", "satisfaction": "10"}});
    c.app
        .with_token(&c.unit)
        .put("/api/v1/years/2021/settings", &weights)
        .await
        .assert_problem(403, "forbidden");
    let wrong = json!({"weights": {"budget_execution": "20", "output": "50", "effect": "30", "satisfaction": "10"}});
    let errors = c
        .app
        .put("/api/v1/years/2021/settings", &wrong)
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "weights");
    assert_eq!(
        c.app
            .put("/api/v1/years/2021/settings", &weights)
            .await
            .status,
        200
    );
    assert_eq!(
        c.app
            .with_token(&c.unit)
            .get("/api/v1/years/2021/settings")
            .await
            .body["weights"]["budget_execution"],
        "20"
    );

    let rescored = c.app.get(&format!("{path}/score")).await;
    assert_eq!(rescored.body["execution"]["score"], "19");
    assert_eq!(
        rescored.body["total"], "109",
        "indicator weights still add up to 90: the score says what it is"
    );
    let found = c.app.get(&format!("{path}/findings")).await;
    let rules: Vec<&str> = found.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"weights_not_100"), "{rules:?}");
    assert!(rules.contains(&"group_weight_mismatch"), "{rules:?}");
}

#[actix_rt::test]
async fn approved_targets_stay_and_changes_are_kept_as_adjusted_targets_with_a_reason() {
    let c = cycle().await;
    let path = evaluation_path("100", 2021);
    let unit = c.app.with_token(&c.unit);
    let goals = clean_report()["goals"].clone();
    assert_eq!(unit.put(&format!("{path}/goals"), &goals).await.status, 201);
    unit.send(
        Method::POST,
        &format!("{path}/goals/approve"),
        &[],
        Vec::new(),
    )
    .await
    .assert_problem(403, "forbidden");
    let reviewer = c.app.with_token(&c.reviewer);
    let approve = format!("{path}/goals/approve");
    reviewer
        .send(Method::POST, &approve, &[], Vec::new())
        .await
        .assert_problem(428, "precondition_required");
    reviewer
        .send(Method::POST, &approve, &[("if-match", "\"7\"")], Vec::new())
        .await
        .assert_problem(412, "precondition_failed");
    let approved = reviewer
        .send(Method::POST, &approve, &[("if-match", "\"1\"")], Vec::new())
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["approved_goals"]["approved_by"], "reviewer1");
    assert_eq!(
        approved.body["approved_goals"]["targets"][0],
        json!({"indicator_id": "o", "target": "6000", "comparison": "at_least",
               "terms": {"unit": "件", "weight": "50", "level1": "output"}})
    );

    let mut changed = goals.clone();
    changed["indicators"][0]["target"] = json!("5000");
    let refused = unit.put(&format!("{path}/goals"), &changed).await;
    assert_eq!(
        refused.assert_problem(422, "invalid_body")[0].0,
        "goals.indicators[0].target"
    );

    let mut adjusted = goals.clone();
    adjusted["indicators"][0]["adjusted_target"] = json!("5000");
    let no_reason = unit.put(&format!("{path}/goals"), &adjusted).await;
    assert_eq!(
        no_reason.assert_problem(422, "invalid_body")[0].0,
        "goals.indicators[0].adjustment_reason"
    );
    adjusted["indicators"][0]["adjustment_reason"] = json!("机构改革，职能划转");
    assert_eq!(
        unit.put(&format!("{path}/goals"), &adjusted).await.status,
        200
    );
    let read = c
        .app
        .with_token(&c.analyst)
        .get(&format!("{path}/goals"))
        .await;
    assert_eq!(read.body["goals"]["indicators"][0]["target"], "6000");
    assert_eq!(
        read.body["goals"]["indicators"][0]["adjusted_target"],
        "5000"
    );
}

#[actix_rt::test]
async fn progress_shows_each_departments_state_and_who_is_overdue() {
    let c = cycle().await;
    c.app.create_department("300", None).await;
    c.app
        .with_token(&c.unit)
        .put(&evaluation_path("100", 2021), &clean_report())
        .await;
    c.act(&c.unit, "submit", None).await;
    c.app
        .put(&evaluation_path("200", 2021), &seed_fixture()["report"])
        .await;
    let deadline = json!({"deadline": "2022-03-31T16:00:00Z"});
    assert_eq!(
        c.app
            .put("/api/v1/years/2021/settings", &deadline)
            .await
            .status,
        200
    );

    let progress = c
        .app
        .with_token(&c.analyst)
        .get("/api/v1/years/2021/progress")
        .await;
    assert_eq!(progress.status, 200, "{}", progress.body);
    assert_eq!(
        progress.body["counts"],
        json!({"draft": 1, "not_started": 1, "submitted": 1})
    );
    assert_eq!(progress.body["not_started"], json!(["300"]));
    assert_eq!(progress.body["overdue"], json!(["200", "300"]));
    assert_eq!(progress.body["deadline"], "2022-03-31T16:00:00Z");
    let rows = progress.body["departments"].as_array().unwrap();
    assert_eq!(rows[1]["department_code"], "200");
    assert_eq!(
        (
            rows[1]["findings_errors"].clone(),
            rows[1]["findings_warnings"].clone()
        ),
        (json!(1), json!(2))
    );
    assert!(rows[0]["last_change"].is_string());
    assert_eq!(rows[2]["status"], Value::Null);
    c.app
        .with_token(&c.unit)
        .get("/api/v1/years/2021/progress")
        .await
        .assert_problem(403, "forbidden");
}
