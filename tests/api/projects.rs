//! 项目支出绩效自评表 over HTTP: a unit posts a project table, reads it back exactly, submits
//! it, a reviewer acts on it; the unit sees only its own; bad input is refused at its path with
//! nothing changed; a unit's projects and a year's are listed and compared.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, spawn_app};

fn project_path(code: &str, year: i32, project: &str) -> String {
    format!("{}/projects/{project}", evaluation_path(code, year))
}

/// A clean table in 元: 1,000,000 元 = 100 万元 budgeted, 950,000 元 = 95 万元 executed.
/// Its score: 10 × 95 % = 9.5 + 50 + 30 + 10 = 99.5 (优), as it states.
pub fn clean_table() -> Value {
    json!({
        "name": "城市道路清扫保洁",
        "competent_department": "区城市管理局",
        "implementing_unit": "区环卫所",
        "contact": {"person": "张三", "phone": "0571-88888888"},
        "funding": {
            "amount_unit": "yuan",
            "total": {"initial": "1000000.00", "full_year": "1000000.00", "executed": "950000.00",
                      "weight": "10", "stated_rate": "95", "stated_score": "9.5"},
            "sources": [
                {"name": "其中：当年财政拨款", "kind": "current_appropriation", "initial": "800000.00", "full_year": "800000.00", "executed": "760000.00"},
                {"name": "上年结转资金", "kind": "carried_over", "initial": "200000.00", "full_year": "200000.00", "executed": "190000.00"}
            ]
        },
        "overall_goals": [{"expected": "保障主次干道清扫保洁", "actual": "全年完成清扫保洁266万平方米"}],
        "goals": {"indicators": [
            {"id": "1", "level1": "output", "level2": "数量", "name": "清扫面积", "target": "≥266万平方米", "weight": "50"},
            {"id": "2", "level1": "effect", "level2": "社会效益", "name": "道路整洁", "comparison": "qualitative", "target": "好", "weight": "30"},
            {"id": "3", "level1": "satisfaction", "level2": "服务对象满意度", "name": "群众满意度", "target": "≥90%", "weight": "10"}
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

struct Bureau {
    app: TestApp,
    unit: String,
    other_unit: String,
    reviewer: String,
}

async fn bureau() -> Bureau {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    let unit = app.user_token("unit100", "unit", Some("100")).await;
    let other_unit = app.user_token("unit200", "unit", Some("200")).await;
    let reviewer = app.user_token("reviewer1", "reviewer", None).await;
    Bureau {
        app,
        unit,
        other_unit,
        reviewer,
    }
}

impl Bureau {
    async fn act(&self, token: &str, action: &str, body: Option<Value>) -> crate::helpers::Answer {
        let path = format!("{}/{action}", project_path("100", 2022, "P-01"));
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
async fn a_unit_posts_reads_back_exactly_submits_and_a_reviewer_accepts_a_project_table() {
    let b = bureau().await;
    let path = project_path("100", 2022, "P-01");
    let unit = b.app.with_token(&b.unit);
    let created = unit.put(&path, &clean_table()).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(created.header("location").as_deref(), Some(path.as_str()));
    let read = unit.get(&path).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["table"], clean_table());
    assert_eq!(read.body["project_code"], "P-01");
    assert_eq!(read.body["status"], "draft");
    // The same body again changes nothing.
    let again = unit.put(&path, &clean_table()).await;
    assert_eq!(
        (again.status, again.header("etag")),
        (200, Some("\"1\"".to_owned()))
    );

    let score = unit.get(&format!("{path}/score")).await;
    assert_eq!(score.status, 200, "{}", score.body);
    assert_eq!(score.body["score"]["funding"]["full_year"], "100");
    assert_eq!(score.body["score"]["funding"]["executed"], "95");
    assert_eq!(score.body["score"]["execution"]["rate"], "95");
    assert_eq!(score.body["score"]["total"], "99.5");
    assert_eq!(score.body["score"]["grade"], "excellent");
    assert_eq!(score.body["findings"], json!([]));

    let submitted = b.act(&b.unit, "submit", None).await;
    assert_eq!(submitted.body["status"], "submitted", "{}", submitted.body);
    unit.put(&path, &clean_table())
        .await
        .assert_problem(409, "evaluation_not_editable");
    b.act(&b.unit, "accept", None)
        .await
        .assert_problem(403, "forbidden");
    let returned = b
        .act(
            &b.reviewer,
            "return",
            Some(json!({"comment": "请补充偏差原因"})),
        )
        .await;
    assert_eq!(returned.body["status"], "returned");
    let mut corrected = clean_table();
    corrected["overall_goals"][0]["actual"] = json!("全年完成清扫保洁266万平方米，无投诉");
    let stale = b
        .app
        .with_token(&b.unit)
        .json_with(Method::PUT, &path, &[("If-Match", "\"1\"")], &corrected)
        .await;
    stale.assert_problem(412, "precondition_failed");
    let edited = b
        .app
        .with_token(&b.unit)
        .json_with(Method::PUT, &path, &[("If-Match", "\"3\"")], &corrected)
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(
        b.act(&b.unit, "submit", None).await.body["status"],
        "submitted"
    );
    assert_eq!(
        b.act(&b.reviewer, "accept", None).await.body["status"],
        "accepted"
    );
    assert_eq!(
        b.act(&b.reviewer, "publish", None).await.body["status"],
        "published"
    );

    let history = unit.get(&format!("{path}/history")).await;
    let steps: Vec<(Value, Value)> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["action"].clone(), r["version"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!("replace"), json!(1)),
            (json!("submit"), json!(2)),
            (json!("return"), json!(3)),
            (json!("replace"), json!(4)),
            (json!("submit"), json!(5)),
            (json!("accept"), json!(6)),
            (json!("publish"), json!(7)),
        ]
    );
    let first = unit.get(&format!("{path}/versions/1")).await;
    assert_eq!(first.body["table"], clean_table());
}

#[actix_rt::test]
async fn a_table_whose_checks_find_errors_is_not_submitted() {
    let b = bureau().await;
    let path = project_path("100", 2022, "P-01");
    let mut table = clean_table();
    // 1,080,000 元 spent against the only budget printed, 1,000,000 元: 108 %.
    table["funding"]["total"] =
        json!({"initial": "1000000", "executed": "1080000", "weight": "10", "stated_score": "10"});
    table["funding"]["sources"] = json!([]);
    table["results"]["stated_total_score"] = json!("100");
    assert_eq!(
        b.app.with_token(&b.unit).put(&path, &table).await.status,
        201
    );
    let refused = b.act(&b.unit, "submit", None).await;
    refused.assert_problem(409, "findings_block_submission");
    let rules: Vec<&str> = refused.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["execution_above_budget"]);
    let read = b.app.with_token(&b.unit).get(&path).await;
    assert_eq!(read.body["status"], "draft");
}

#[actix_rt::test]
async fn a_unit_cannot_see_nor_write_another_units_project() {
    let b = bureau().await;
    let path = project_path("100", 2022, "P-01");
    assert_eq!(
        b.app
            .with_token(&b.unit)
            .put(&path, &clean_table())
            .await
            .status,
        201
    );
    let other = b.app.with_token(&b.other_unit);
    other.get(&path).await.assert_problem(404, "not_found");
    other
        .get(&format!("{path}/score"))
        .await
        .assert_problem(404, "not_found");
    other
        .put(&path, &clean_table())
        .await
        .assert_problem(404, "not_found");
    other
        .get(&format!("{}/projects", evaluation_path("100", 2022)))
        .await
        .assert_problem(404, "not_found");
    let compared = other.get("/api/v1/years/2022/projects").await;
    assert_eq!(compared.status, 200, "{}", compared.body);
    assert_eq!(compared.body["projects"], json!([]));
    assert_eq!(compared.body["distribution"]["projects"], 0);
}

#[actix_rt::test]
async fn bad_input_is_refused_at_its_path_and_nothing_is_stored() {
    let b = bureau().await;
    let unit = b.app.with_token(&b.unit);
    let path = project_path("100", 2022, "P-01");
    let mut table = clean_table();
    table["funding"]["total"]["executed"] = json!("-5");
    let errors = unit
        .put(&path, &table)
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "funding.total.executed");
    let mut dangling = clean_table();
    dangling["results"]["indicators"][0]["indicator_id"] = json!("9");
    let errors = unit
        .put(&path, &dangling)
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "results.indicators[0].indicator_id");
    let errors = unit
        .put(
            &project_path("100", 2022, "%E9%81%93%E8%B7%AF"),
            &clean_table(),
        )
        .await
        .assert_problem(400, "invalid_parameters");
    assert_eq!(errors[0].0, "project");
    unit.get(&path).await.assert_problem(404, "not_found");
    let listed = unit
        .get(&format!("{}/projects", evaluation_path("100", 2022)))
        .await;
    assert_eq!(listed.body["total"], 0);
}

#[actix_rt::test]
async fn a_units_projects_are_listed_filtered_and_sorted_and_the_year_is_compared() {
    let b = bureau().await;
    let unit = b.app.with_token(&b.unit);
    assert_eq!(
        unit.put(&project_path("100", 2022, "P-01"), &clean_table())
            .await
            .status,
        201
    );
    // P-02 spent 50 万 of 100 万 (50 %): execution 10 × 50 % = 5, total 5 + 90 = 95 (优)
    // while it states 99.5.
    let mut half = clean_table();
    half["name"] = json!("背街小巷整治");
    half["funding"] = json!({"total": {"full_year": "100", "executed": "50", "weight": "10", "stated_rate": "50", "stated_score": "9.5"}});
    assert_eq!(
        unit.put(&project_path("100", 2022, "P-02"), &half)
            .await
            .status,
        201
    );
    let other = b.app.with_token(&b.other_unit);
    assert_eq!(
        other
            .put(&project_path("200", 2022, "X"), &clean_table())
            .await
            .status,
        201
    );

    let list = unit
        .get(&format!(
            "{}/projects?sort=execution_rate&order=ascending",
            evaluation_path("100", 2022)
        ))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["total"], 2);
    let codes: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["project_code"].as_str())
        .collect();
    assert_eq!(codes, ["P-02", "P-01"]);
    assert_eq!(list.body["items"][0]["score"], "95");
    assert_eq!(
        list.body["items"][0]["stated_execution_score_difference"],
        "4.5"
    );
    let below = unit
        .get(&format!(
            "{}/projects?execution=below_60",
            evaluation_path("100", 2022)
        ))
        .await;
    assert_eq!(below.body["total"], 1);
    assert_eq!(below.body["items"][0]["project_code"], "P-02");
    let paged = unit
        .get(&format!(
            "{}/projects?limit=1&offset=1",
            evaluation_path("100", 2022)
        ))
        .await;
    assert_eq!(
        (
            paged.body["total"].clone(),
            paged.body["items"][0]["project_code"].clone()
        ),
        (json!(2), json!("P-02"))
    );
    unit.get(&format!(
        "{}/projects?execution=most",
        evaluation_path("100", 2022)
    ))
    .await
    .assert_problem(400, "invalid_parameters");

    let reviewer = b.app.with_token(&b.reviewer);
    let compared = reviewer.get("/api/v1/years/2022/projects").await;
    assert_eq!(compared.status, 200, "{}", compared.body);
    assert_eq!(
        compared.body["distribution"],
        json!({"projects": 3, "below_60_executed": 1, "grades": {"excellent": 3, "good": 0, "fair": 0, "poor": 0, "ungraded": 0}})
    );
    let units: Vec<(Value, Value, Value)> = compared.body["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["department_code"].clone(),
                u["distribution"]["projects"].clone(),
                u["average_score"].clone(),
            )
        })
        .collect();
    // Unit 100: (99.5 + 95) ÷ 2 = 97.25.
    assert_eq!(
        units,
        [
            (json!("100"), json!(2), json!("97.25")),
            (json!("200"), json!(1), json!("99.5"))
        ]
    );
    let csv = reviewer.get("/api/v1/years/2022/projects?format=csv").await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.bytes).unwrap();
    assert!(
        text.starts_with("department_code,project_code,name,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4);
    assert!(
        text.contains(
            "100,P-02,背街小巷整治,draft,wan_yuan,,100,50,50,95,excellent,99.5,4.5,0,4.5,"
        ),
        "{text}"
    );
}

#[actix_rt::test]
async fn a_project_is_checked_against_the_departmental_line_it_names() {
    let b = bureau().await;
    let unit = b.app.with_token(&b.unit);
    let report = json!({"budget": {"projects": {"lines": [
        {"name": "城市道路清扫保洁", "amounts": {"initial": "100", "adjusted": "120", "executed": "95"}}
    ]}}});
    assert_eq!(
        unit.put(&evaluation_path("100", 2022), &report)
            .await
            .status,
        201
    );
    let mut table = clean_table();
    table["departmental_line"] = json!("城市道路清扫保洁");
    assert_eq!(
        unit.put(&project_path("100", 2022, "P-01"), &table)
            .await
            .status,
        201
    );
    let score = unit
        .get(&format!("{}/score", project_path("100", 2022, "P-01")))
        .await;
    let findings = score.body["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "departmental_line_differs");
    assert_eq!(findings[0]["path"], "funding.total.full_year");
    assert_eq!(
        findings[0]["figures"],
        json!([
            {"label": "funding.total.full_year (万元)", "value": "100"},
            {"label": "budget.projects.lines[0].amounts.adjusted (万元)", "value": "120"}
        ])
    );
}
