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
        text.starts_with("\u{feff}Unit code,Project code,Project,State,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4);
    assert!(
        text.contains(
            "100,P-02,背街小巷整治,draft,wan_yuan,,100,50,50,95,excellent,99.5,4.5,0,4.5,"
        ),
        "{text}"
    );
    // The same rows as a workbook, headed in Chinese on a sheet named in Chinese, the figures as numbers.
    // The same rows as a workbook, headed in Chinese, the figures as numbers.
    let xlsx = reviewer
        .get("/api/v1/years/2022/projects?format=xlsx&lang=zh&sort=score&order=descending")
        .await;
    assert_eq!(xlsx.status, 200);
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(xlsx.bytes)).expect("an XLSX workbook");
    let sheet = workbook.worksheet_range("项目对比").expect("the sheet");
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][1], Data::String("项目代码".to_owned()));
    assert_eq!(rows[0][9], Data::String("得分".to_owned()));
    // Highest score first: 99.5, 99.5, then P-02's 95; its full-year budget 100 万元.
    assert_eq!(rows[3][1], Data::String("P-02".to_owned()));
    assert_eq!(rows[3][6], Data::Float(100.0));
    assert_eq!(rows[3][9], Data::Float(95.0));
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

#[actix_rt::test]
async fn collection_progress_lists_the_project_lines_no_table_covers_above_the_years_floor() {
    let b = bureau().await;
    let unit = b.app.with_token(&b.unit);
    let report = json!({"budget": {"projects": {"lines": [
        {"name": "城市道路清扫保洁", "amounts": {"initial": "100", "adjusted": "120", "executed": "95"}},
        {"name": "专项工作经费", "amounts": {"initial": "90"}, "children": [
            {"name": "禁毒办工作经费", "amounts": {"initial": "80"}},
            {"name": "蓝天办工作经费", "amounts": {"initial": "10"}}
        ]}
    ]}}});
    let departmental = unit.put(&evaluation_path("100", 2022), &report).await;
    assert_eq!(departmental.status, 201, "{}", departmental.body);
    let mut table = clean_table();
    table["departmental_line"] = json!("城市道路清扫保洁");
    let stored = unit.put(&project_path("100", 2022, "P-01"), &table).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    // Unit 200 has a table and no departmental report: listed, nothing to cover.
    let other = b.app.with_token(&b.other_unit);
    let stored = other
        .put(&project_path("200", 2022, "P-9"), &clean_table())
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);

    let coverage = b
        .app
        .with_token(&b.reviewer)
        .get("/api/v1/years/2022/projects/coverage")
        .await;
    assert_eq!(coverage.status, 200, "{}", coverage.body);
    // No floor: both leaves under 专项工作经费 lack a table; the named line is covered.
    assert_eq!(coverage.body["floor"], Value::Null);
    assert_eq!(coverage.body["tables_by_state"], json!({"draft": 2}));
    assert_eq!(coverage.body["uncovered_lines"], 2);
    let units = coverage.body["units"].as_array().unwrap();
    assert_eq!(units.len(), 2);
    assert_eq!(units[0]["department_code"], "100");
    assert_eq!(units[0]["tables"], 1);
    assert_eq!(
        units[0]["uncovered"],
        json!([
            {"path": "budget.projects.lines[1].children[0]", "name": "禁毒办工作经费", "budget": "80"},
            {"path": "budget.projects.lines[1].children[1]", "name": "蓝天办工作经费", "budget": "10"}
        ])
    );
    assert_eq!(units[1]["department_code"], "200");
    assert_eq!(units[1]["departmental_report"], false);

    // A floor of 50 万元 leaves the 10 万元 line out; `uncovered_only` leaves unit 200 out.
    let settings = b
        .app
        .put(
            "/api/v1/years/2022/settings",
            &json!({"project_coverage_floor": "50"}),
        )
        .await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    let coverage = b
        .app
        .with_token(&b.reviewer)
        .get("/api/v1/years/2022/projects/coverage?uncovered_only=true")
        .await;
    assert_eq!(coverage.body["floor"], "50");
    assert_eq!(coverage.body["uncovered_lines"], 1);
    let units = coverage.body["units"].as_array().unwrap();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0]["uncovered"][0]["name"], "禁毒办工作经费");

    // A unit sees its own only.
    let own = other.get("/api/v1/years/2022/projects/coverage").await;
    assert_eq!(own.status, 200, "{}", own.body);
    let units = own.body["units"].as_array().unwrap();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0]["department_code"], "200");
}

#[actix_rt::test]
async fn the_years_projects_roll_up_by_unit_and_by_the_units_parent() {
    let b = bureau().await;
    b.app.create_department("110", Some("100")).await;
    let child = b.app.user_token("unit110", "unit", Some("110")).await;
    let mut smaller = clean_table();
    // 50 万元 budgeted, 25 executed: 50 % executed, execution 5 of 10.
    smaller["funding"]["total"]["full_year"] = json!("500000.00");
    smaller["funding"]["total"]["executed"] = json!("250000.00");
    for (token, code, table) in [
        (&b.unit, "100", clean_table()),
        (&child, "110", smaller),
        (&b.other_unit, "200", clean_table()),
    ] {
        let stored = b
            .app
            .with_token(token)
            .put(&project_path(code, 2022, "P-01"), &table)
            .await;
        assert_eq!(stored.status, 201, "{}", stored.body);
    }
    let compared = b
        .app
        .with_token(&b.reviewer)
        .get("/api/v1/years/2022/projects")
        .await;
    assert_eq!(compared.status, 200, "{}", compared.body);
    assert_eq!(compared.body["units"].as_array().unwrap().len(), 3);
    let parents = compared.body["parents"].as_array().unwrap();
    assert_eq!(parents.len(), 2, "{parents:?}");
    // 100 with its subordinate 110: 100 + 50 budgeted, 95 + 25 executed: 120 ÷ 150 = 80 %.
    assert_eq!(parents[0]["parent_code"], "100");
    assert_eq!(parents[0]["units"], json!(["100", "110"]));
    assert_eq!(parents[0]["distribution"]["projects"], 2);
    assert_eq!(parents[0]["full_year"], "150");
    assert_eq!(parents[0]["executed"], "120");
    assert_eq!(parents[0]["execution_rate"], "80");
    assert_eq!(parents[1]["parent_code"], "200");
    assert_eq!(parents[1]["units"], json!(["200"]));
}

#[actix_rt::test]
async fn a_project_table_reads_as_a_document_without_its_contact() {
    let b = bureau().await;
    let unit = b.app.with_token(&b.unit);
    let mut table = clean_table();
    table["implementing_unit"] = json!("区环卫所<b>");
    let stored = unit.put(&project_path("100", 2022, "P-01"), &table).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    let path = format!("{}/report", project_path("100", 2022, "P-01"));

    let markdown = unit.get(&format!("{path}?format=markdown")).await;
    assert_eq!(markdown.status, 200);
    let text = String::from_utf8(markdown.bytes).unwrap();
    assert!(
        text.starts_with("# 城市道路清扫保洁项目支出绩效自评表（2022年度）"),
        "{text}"
    );
    // The money as the form writes it (元), 执行率 and 得分 by the rules on the total.
    assert!(text.contains("## 项目资金（元）"), "{text}");
    assert!(
        text.contains("| 年度资金总额 | 1000000.00 | 1000000.00 | 950000.00 | 10 | 95.00% | 9.5 |"),
        "{text}"
    );
    assert!(
        text.contains("| 保障主次干道清扫保洁 | 全年完成清扫保洁266万平方米 |"),
        "{text}"
    );
    assert!(
        text.contains("总分 99.5（优） · 自评总分（填报）99.5"),
        "{text}"
    );
    assert!(
        !text.contains("张三") && !text.contains("0571-88888888"),
        "{text}"
    );

    let html = unit.get(&path).await;
    assert_eq!(html.status, 200);
    let page = String::from_utf8(html.bytes).unwrap();
    assert!(page.contains("<td>区环卫所&lt;b&gt;</td>"), "{page}");
    assert!(!page.contains("张三"), "{page}");

    // Another unit is told nothing of it.
    let other = b.app.with_token(&b.other_unit).get(&path).await;
    assert_eq!(other.status, 404, "{}", other.body);
}
