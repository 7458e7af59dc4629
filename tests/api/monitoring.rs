//! 绩效运行监控 over HTTP: a unit files its departmental and project monitoring against the
//! targets the service keeps, reads it back with its figures and findings; rows that invent or
//! drop a target, periods the year does not set and stale versions are refused with nothing
//! stored; a unit sees only its own; the bureau's warning list of a period, sorted and as CSV.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, spawn_app};

const YEAR: i32 = 2026;

fn monitoring_path(code: &str, year: i32, period: &str) -> String {
    format!("/api/v1/departments/{code}/monitoring/{year}/{period}")
}

fn goals() -> Value {
    json!({"indicators": [
        {"id": "1", "level1": "output", "level2": "数量", "name": "办理文件", "target": "≥2200篇", "weight": "50"},
        {"id": "2", "level1": "effect", "level2": "社会效益", "name": "政务公开", "comparison": "qualitative", "target": "好", "weight": "30"},
        {"id": "3", "level1": "satisfaction", "level2": "服务对象满意度", "name": "群众满意度", "target": "≥90%", "weight": "10"}
    ]})
}

/// Half the year gone, 35 of 100 万元 spent (15 points behind); 办理文件 expected short of its
/// target with a cause and no measure; 群众满意度 judged 完全不可能 without a measure.
fn behind() -> Value {
    json!({
        "funds": {"initial": "100", "full_year": "100", "executed": "35", "stated_rate": "35", "expected": "95"},
        "targets": [
            {"indicator_id": "1", "to_date": "900篇", "expected": "2000篇", "likelihood": "possible", "causes": ["staffing"]},
            {"indicator_id": "2", "to_date": "好", "expected": "好", "likelihood": "certain"},
            {"indicator_id": "3", "likelihood": "impossible", "causes": ["other"], "cause_text": "调查推迟到四季度"}
        ]
    })
}

struct Bureau {
    app: TestApp,
    unit: String,
    other_unit: String,
    reviewer: String,
    analyst: String,
}

async fn bureau() -> Bureau {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    Bureau {
        unit: app.user_token("unit100", "unit", Some("100")).await,
        other_unit: app.user_token("unit200", "unit", Some("200")).await,
        reviewer: app.user_token("reviewer1", "reviewer", None).await,
        analyst: app.user_token("analyst1", "analyst", None).await,
        app,
    }
}

impl Bureau {
    /// The unit's targets of the year, posted and approved.
    async fn approve_targets(&self, code: &str, token: &str) {
        let path = evaluation_path(code, YEAR);
        let posted = self
            .app
            .with_token(token)
            .put(&format!("{path}/goals"), &goals())
            .await;
        assert_eq!(posted.status, 201, "{}", posted.body);
        let approved = self
            .app
            .with_token(&self.reviewer)
            .send(
                Method::POST,
                &format!("{path}/goals/approve"),
                &[("if-match", "\"1\"")],
                Vec::new(),
            )
            .await;
        assert_eq!(approved.status, 200, "{}", approved.body);
    }
}

fn rules(body: &Value) -> Vec<(String, String)> {
    body["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or_default().to_owned(),
                        f["path"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[actix_rt::test]
async fn a_unit_files_its_monitoring_against_the_approved_targets_and_reads_it_back_with_findings()
{
    let b = bureau().await;
    b.approve_targets("100", &b.unit).await;
    let path = monitoring_path("100", YEAR, "1-6");
    let unit = b.app.with_token(&b.unit);
    let filed = unit.put(&path, &behind()).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert_eq!(filed.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(filed.header("location").as_deref(), Some(path.as_str()));

    let read = unit.get(&path).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["report"], behind());
    assert_eq!(read.body["period"], "1-6");
    assert_eq!(read.body["figures"]["execution_rate"], "35");
    assert_eq!(read.body["figures"]["time_elapsed"], "50");
    assert_eq!(read.body["figures"]["lag"], "15");
    assert_eq!(read.body["figures"]["expected_rate"], "95");
    assert_eq!(read.body["rows"][0]["goal"]["target"], "≥2200篇");
    assert_eq!(read.body["rows"][0]["expected_short"], true);
    assert_eq!(
        rules(&read.body),
        [
            (
                "spending_behind_time".to_owned(),
                "funds.executed".to_owned()
            ),
            (
                "expected_short_unexplained".to_owned(),
                "targets[0].measure".to_owned()
            ),
            (
                "impossible_without_measure".to_owned(),
                "targets[2].measure".to_owned()
            ),
        ]
    );
    assert_eq!(read.body["warnings"], 3);

    // The same body again changes nothing; a stale version is refused.
    let again = unit.put(&path, &behind()).await;
    assert_eq!(
        (again.status, again.header("etag")),
        (200, Some("\"1\"".to_owned()))
    );
    let mut explained = behind();
    explained["targets"][0]["measure"] = json!("下半年增派两名工作人员办文");
    explained["targets"][2]["measure"] = json!("四季度委托第三方开展满意度调查");
    unit.json_with(Method::PUT, &path, &[("if-match", "\"7\"")], &explained)
        .await
        .assert_problem(412, "precondition_failed");
    let fixed = unit
        .json_with(Method::PUT, &path, &[("if-match", "\"1\"")], &explained)
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.body);
    assert_eq!(fixed.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(
        rules(&fixed.body),
        [(
            "spending_behind_time".to_owned(),
            "funds.executed".to_owned()
        )]
    );
}

#[actix_rt::test]
async fn a_row_that_invents_or_drops_a_target_is_refused_and_nothing_is_stored() {
    let b = bureau().await;
    let path = monitoring_path("100", YEAR, "1-6");
    let unit = b.app.with_token(&b.unit);
    unit.put(&path, &behind())
        .await
        .assert_problem(409, "no_targets");
    b.approve_targets("100", &b.unit).await;

    let mut invented = behind();
    invented["targets"][1]["indicator_id"] = json!("9");
    let errors = unit
        .put(&path, &invented)
        .await
        .assert_problem(422, "invalid_body");
    let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["targets[1].indicator_id", "targets"], "{errors:?}");

    let mut dropped = behind();
    if let Some(rows) = dropped["targets"].as_array_mut() {
        rows.pop();
    }
    let errors = unit
        .put(&path, &dropped)
        .await
        .assert_problem(422, "invalid_body");
    assert!(
        errors
            .iter()
            .any(|(path, message)| path == "targets" && message.contains("`3`")),
        "{errors:?}"
    );
    unit.put(&path, &json!({"funds": {"executed": "-1"}}))
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(unit.get(&path).await.status, 404);
}

#[actix_rt::test]
async fn the_year_sets_the_periods_and_the_tolerance() {
    let b = bureau().await;
    b.approve_targets("100", &b.unit).await;
    let unit = b.app.with_token(&b.unit);
    unit.put(&monitoring_path("100", YEAR, "1-9"), &behind())
        .await
        .assert_problem(409, "period_not_monitored");
    unit.get(&monitoring_path("100", YEAR, "7-9"))
        .await
        .assert_problem(400, "invalid_parameters");
    let settings = json!({"monitoring_periods": ["1-3", "1-9"], "monitoring_tolerance": "20"});
    let set = b
        .app
        .admin()
        .put(&format!("/api/v1/years/{YEAR}/settings"), &settings)
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    unit.put(&monitoring_path("100", YEAR, "1-6"), &behind())
        .await
        .assert_problem(409, "period_not_monitored");
    // 35 % at 75 % of the year gone is 40 points behind; at 1–3月 (25 %) it is ahead.
    let nine = unit
        .put(&monitoring_path("100", YEAR, "1-9"), &behind())
        .await;
    assert_eq!(nine.status, 201, "{}", nine.body);
    assert_eq!(nine.body["figures"]["lag"], "40");
    assert!(
        rules(&nine.body)
            .iter()
            .any(|(r, _)| r == "spending_behind_time")
    );
    let three = unit
        .put(&monitoring_path("100", YEAR, "1-3"), &behind())
        .await;
    assert_eq!(three.body["figures"]["lag"], "-10");
    assert!(
        !rules(&three.body)
            .iter()
            .any(|(r, _)| r == "spending_behind_time")
    );
}

#[actix_rt::test]
async fn a_unit_sees_and_files_only_its_own_monitoring_and_the_bureau_reads_all() {
    let b = bureau().await;
    b.approve_targets("100", &b.unit).await;
    let path = monitoring_path("100", YEAR, "1-6");
    assert_eq!(
        b.app.with_token(&b.unit).put(&path, &behind()).await.status,
        201
    );
    let other = b.app.with_token(&b.other_unit);
    other.get(&path).await.assert_problem(404, "not_found");
    other
        .put(&path, &behind())
        .await
        .assert_problem(404, "not_found");
    b.app
        .with_token(&b.reviewer)
        .put(&path, &behind())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(b.app.with_token(&b.analyst).get(&path).await.status, 200);
    assert_eq!(b.app.with_token(&b.reviewer).get(&path).await.status, 200);
    let audit = b.app.admin().get("/api/v1/audit-log?limit=500").await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let filings: Vec<(&str, u64)> = audit.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["action"] == "monitoring.file")
                .map(|i| {
                    (
                        i["actor"].as_str().unwrap_or_default(),
                        i["status"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(filings.contains(&("unit100", 201)), "{}", audit.body);
    assert!(filings.contains(&("reviewer1", 403)), "{}", audit.body);
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/monitoring-hubei-huangshi-2019-heritage-bid/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// 黄石市文物局 申遗经费, 1–6月 2019: 87.57 of 220 万元 at mid-year, as checked by hand in the
/// fixture's transcription.
#[actix_rt::test]
async fn huangshi_heritage_bid_monitoring_is_ten_points_behind_the_half_year() {
    let b = bureau().await;
    let unit = b.app.with_token(&b.unit);
    let project = format!("{}/projects/SY-2019", evaluation_path("100", 2019));
    let posted = unit.put(&project, &fixture("project")).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let path = format!("{}/projects/SY-2019", monitoring_path("100", 2019, "1-6"));
    let filed = unit.put(&path, &fixture("monitoring")).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert_eq!(filed.body["project_code"], "SY-2019");
    assert_eq!(filed.body["figures"]["budget_field"], "initial");
    assert_eq!(filed.body["figures"]["execution_rate"], "39.8045");
    assert_eq!(filed.body["figures"]["time_elapsed"], "50");
    assert_eq!(filed.body["figures"]["lag"], "10.1955");
    assert_eq!(filed.body["figures"]["expected_rate"], Value::Null);
    assert_eq!(
        rules(&filed.body),
        [
            (
                "spending_behind_time".to_owned(),
                "funds.executed".to_owned()
            ),
            (
                "expected_not_stated".to_owned(),
                "funds.expected".to_owned()
            ),
        ]
    );
    assert_eq!(unit.get(&path).await.body["report"], fixture("monitoring"));

    // At a tolerance of 10.2 points the lag of 10.1955 is not flagged.
    let set = b
        .app
        .admin()
        .put(
            "/api/v1/years/2019/settings",
            &json!({"monitoring_tolerance": "10.2"}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(
        rules(&unit.get(&path).await.body),
        [(
            "expected_not_stated".to_owned(),
            "funds.expected".to_owned()
        )]
    );
}

#[actix_rt::test]
async fn the_warning_list_names_every_unit_and_project_behind_or_not_filed_sorted_and_as_csv() {
    let b = bureau().await;
    b.approve_targets("100", &b.unit).await;
    b.approve_targets("200", &b.other_unit).await;
    let unit = b.app.with_token(&b.unit);
    assert_eq!(
        unit.put(&monitoring_path("100", YEAR, "1-6"), &behind())
            .await
            .status,
        201
    );
    let project = format!("{}/projects/P-01", evaluation_path("100", YEAR));
    assert_eq!(unit.put(&project, &fixture("project")).await.status, 201);
    let mut slower = fixture("monitoring");
    slower["funds"]["executed"] = json!("22");
    slower["funds"]["expected"] = json!("200");
    let project_monitoring = format!("{}/projects/P-01", monitoring_path("100", YEAR, "1-6"));
    assert_eq!(unit.put(&project_monitoring, &slower).await.status, 201);

    let list = format!("/api/v1/years/{YEAR}/monitoring/1-6/warnings");
    let all = b
        .app
        .with_token(&b.analyst)
        .get(&format!("{list}?sort=lag&order=descending"))
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    let rows: Vec<(String, String, String)> = all.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    (
                        i["department_code"].as_str().unwrap_or_default().to_owned(),
                        i["project_code"].as_str().unwrap_or_default().to_owned(),
                        i["rule"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let row = |d: &str, p: &str, r: &str| (d.to_owned(), p.to_owned(), r.to_owned());
    assert_eq!(
        rows,
        [
            // 22 of 220 is 40 points behind; 35 of 100 is 15.
            row("100", "P-01", "spending_behind_time"),
            row("100", "", "expected_short_unexplained"),
            row("100", "", "impossible_without_measure"),
            row("100", "", "spending_behind_time"),
            row("200", "", "not_filed"),
        ]
    );
    assert_eq!(all.body["items"][0]["lag"], "40");

    let own = unit.get(&list).await;
    assert_eq!(own.status, 200);
    assert!(
        own.body["items"]
            .as_array()
            .is_some_and(|items| items.iter().all(|i| i["department_code"] == "100")),
        "{}",
        own.body
    );
    let csv = b
        .app
        .with_token(&b.reviewer)
        .get(&format!("{list}?format=csv&sort=severity"))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let text = String::from_utf8_lossy(&csv.bytes).into_owned();
    assert!(
        text.starts_with("department_code,project_code,rule,severity,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 6, "{text}");
    b.app
        .with_token(&b.analyst)
        .get(&format!("{list}?sort=sideways"))
        .await
        .assert_problem(400, "invalid_parameters");
}

/// At the year's end each forecast stands beside the self-evaluation: the departmental report
/// forecast 95 万元 and spent 76; it called 政务公开 certain and missed it, and 群众满意度
/// impossible and met it. The project's table states no executed amount nor results yet.
#[actix_rt::test]
async fn forecasts_stand_beside_the_year_end_actuals_and_show_who_forecast_honestly() {
    let b = bureau().await;
    b.approve_targets("100", &b.unit).await;
    let unit = b.app.with_token(&b.unit);
    assert_eq!(
        unit.put(&monitoring_path("100", YEAR, "1-6"), &behind())
            .await
            .status,
        201
    );
    let project = format!("{}/projects/P-01", evaluation_path("100", YEAR));
    assert_eq!(unit.put(&project, &fixture("project")).await.status, 201);
    let project_monitoring = format!("{}/projects/P-01", monitoring_path("100", YEAR, "1-6"));
    assert_eq!(
        unit.put(&project_monitoring, &fixture("monitoring"))
            .await
            .status,
        201
    );
    let evaluation = evaluation_path("100", YEAR);
    let budget = json!({"total": {"initial": "100", "adjusted": "100", "executed": "76"}});
    let stored = unit.put(&format!("{evaluation}/budget"), &budget).await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    let results = json!({"indicators": [
        {"indicator_id": "1", "actual": "2300篇", "self_score": "50"},
        {"indicator_id": "2", "actual": "一般", "achievement": "not_achieved", "self_score": "10", "deviation_reason": "信息公开平台改版推迟"},
        {"indicator_id": "3", "actual": "92%", "self_score": "10"}
    ]});
    let stored = unit.put(&format!("{evaluation}/results"), &results).await;
    assert_eq!(stored.status, 200, "{}", stored.body);

    let list = format!("/api/v1/years/{YEAR}/monitoring/1-6/forecasts");
    let all = b
        .app
        .with_token(&b.analyst)
        .get(&format!("{list}?sort=gap&order=descending"))
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["total"], 2);
    let department = &all.body["items"][0];
    assert_eq!(department["project_code"], Value::Null);
    assert_eq!(department["forecast_executed"], "95");
    assert_eq!(department["actual_executed"], "76");
    // 95 − 76 = 19 more than was spent; 19 ÷ 76 = 25 %.
    assert_eq!(department["executed_gap"], "19");
    assert_eq!(department["executed_gap_percent"], "25");
    assert_eq!(department["judged_targets"], 3);
    assert_eq!(department["certain_missed"], 1);
    assert_eq!(department["impossible_met"], 1);
    assert_eq!(department["undecided"], 0);
    // The project forecast no full-year figure and its table states no results: both judged
    // targets undecided, and no gap (rows without one sort last).
    let project_row = &all.body["items"][1];
    assert_eq!(project_row["project_code"], "P-01");
    assert_eq!(project_row["evaluated"], true);
    assert_eq!(project_row["executed_gap"], Value::Null);
    assert_eq!(project_row["undecided"], 2);

    // Another unit sees none of it; the CSV has a line per report.
    let other = b.app.with_token(&b.other_unit).get(&list).await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body["total"], 0);
    let csv = b
        .app
        .with_token(&b.reviewer)
        .get(&format!("{list}?format=csv&sort=misjudged"))
        .await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8_lossy(&csv.bytes).into_owned();
    assert!(
        text.starts_with("department_code,project_code,evaluated,forecast_executed,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
    b.app
        .with_token(&b.analyst)
        .get(&format!("{list}?sort=honesty"))
        .await
        .assert_problem(400, "invalid_parameters");
}
