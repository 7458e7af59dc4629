use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, spawn_app};

const CODE: &str = "101001";

async fn app_with_department() -> TestApp {
    let app = spawn_app().await;
    app.create_department(CODE, None).await;
    app
}

fn small_report() -> Value {
    json!({
        "title": "2021年度部门整体支出绩效评价报告",
        "budget": {"basic": {"amounts": {"initial": "1659.36", "adjusted": "1695.04", "executed": "1690.10"}}},
        "goals": {"indicators": [
            {"id": "1", "level1": "output", "level2": "数量", "name": "办理文件", "unit": "件",
             "comparison": "at_least", "target": "6000", "weight": "20"},
            {"id": "2", "level1": "satisfaction", "level2": "服务对象满意度", "name": "群众满意率", "unit": "%",
             "comparison": "at_least", "target": "90", "weight": "10"}
        ]},
        "results": {"indicators": [{"indicator_id": "1", "actual": "6205", "self_score": "20"}]},
        "issues": {"problems": [{"id": 1, "text": "预算编制的精确性有待进一步提高。"}],
                   "measures": [{"id": 2, "title": "科学编制预算", "text": "细化编制部门预算。", "addresses": [1]}]}
    })
}

#[actix_rt::test]
async fn the_same_report_put_twice_is_one_report_in_one_version() {
    let app = app_with_department().await;
    let path = evaluation_path(CODE, 2021);
    let first = app.put(&path, &small_report()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.header("location"), Some(path.clone()));
    assert_eq!(first.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(first.body["version"], 1);
    assert_eq!(first.body["status"], "draft");

    let second = app.put(&path, &small_report()).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.body["version"], 1);
    assert_eq!(second.header("etag").as_deref(), Some("\"1\""));

    let list = app.get("/api/v1/evaluations").await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(app.get(&path).await.body["report"], small_report());
}

#[actix_rt::test]
async fn a_changed_report_is_a_new_version_even_when_only_the_written_scale_changes() {
    let app = app_with_department().await;
    let path = evaluation_path(CODE, 2021);
    app.put(&path, &small_report()).await;
    let mut changed = small_report();
    changed["budget"]["basic"]["amounts"]["executed"] = json!("1690.1");
    let answer = app.put(&path, &changed).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["version"], 2);
    assert_eq!(answer.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(
        app.get(&path).await.body["report"]["budget"]["basic"]["amounts"]["executed"],
        "1690.1"
    );
}

#[actix_rt::test]
async fn a_stale_if_match_is_refused_and_changes_nothing() {
    let app = app_with_department().await;
    let path = evaluation_path(CODE, 2021);
    app.put(&path, &small_report()).await;
    let mut mine = small_report();
    mine["title"] = json!("mine");
    assert_eq!(
        app.json_with(Method::PUT, &path, &[("if-match", "\"1\"")], &mine)
            .await
            .status,
        200
    );

    let mut theirs = small_report();
    theirs["title"] = json!("theirs");
    let stale = app
        .json_with(Method::PUT, &path, &[("if-match", "\"1\"")], &theirs)
        .await;
    stale.assert_problem(412, "precondition_failed");
    assert_eq!(stale.body["current_version"], 2);
    let stale_part = app
        .json_with(
            Method::PUT,
            &format!("{path}/budget"),
            &[("if-match", "\"1\"")],
            &json!({}),
        )
        .await;
    stale_part.assert_problem(412, "precondition_failed");

    let stored = app.get(&path).await;
    assert_eq!(stored.body["report"]["title"], "mine");
    assert_eq!(stored.body["version"], 2);
    assert!(stored.body["report"]["budget"]["basic"].is_object());
}

#[actix_rt::test]
async fn if_match_on_an_evaluation_that_does_not_exist_creates_nothing() {
    let app = app_with_department().await;
    let path = evaluation_path(CODE, 2022);
    for tag in ["\"1\"", "*"] {
        let answer = app
            .json_with(Method::PUT, &path, &[("if-match", tag)], &small_report())
            .await;
        answer.assert_problem(412, "precondition_failed");
    }
    let malformed = app
        .json_with(Method::PUT, &path, &[("if-match", "v1")], &small_report())
        .await;
    assert_eq!(
        malformed.assert_problem(400, "invalid_parameters")[0].0,
        "If-Match"
    );
    app.get(&path).await.assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn of_two_writers_holding_the_same_version_exactly_one_wins() {
    let app = app_with_department().await;
    let path = evaluation_path(CODE, 2021);
    app.put(&path, &small_report()).await;
    let writes = (0..6).map(|i| {
        let mut report = small_report();
        report["title"] = json!(format!("writer {i}"));
        let app = &app;
        let path = &path;
        async move {
            app.json_with(Method::PUT, path, &[("if-match", "\"1\"")], &report)
                .await
        }
    });
    let answers = futures_util::future::join_all(writes).await;
    let won: Vec<_> = answers.iter().filter(|a| a.status == 200).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert!(answers.iter().all(|a| a.status == 200 || a.status == 412));
    let stored = app.get(&path).await;
    assert_eq!(stored.body["version"], 2);
    assert_eq!(
        stored.body["report"]["title"],
        won[0].body["report"]["title"]
    );
}

#[actix_rt::test]
async fn each_part_is_read_and_replaced_on_its_own() {
    let app = app_with_department().await;
    let path = evaluation_path(CODE, 2021);
    app.put(&path, &small_report()).await;

    let budget =
        json!({"three_public": {"total": {"budget": "8.00"}, "reception": {"budget": "8.00"}}});
    let replaced = app.put(&format!("{path}/budget"), &budget).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["version"], 2);
    assert_eq!(replaced.body["budget"], budget);
    assert_eq!(replaced.header("etag").as_deref(), Some("\"2\""));

    let read = app.get(&format!("{path}/budget")).await;
    assert_eq!(read.body["budget"], budget);
    assert_eq!(read.header("etag").as_deref(), Some("\"2\""));

    let whole = app.get(&path).await.body["report"].clone();
    assert_eq!(whole["budget"], budget);
    assert_eq!(whole["goals"], small_report()["goals"]);
    assert_eq!(whole["issues"], small_report()["issues"]);

    for part in ["goals", "results", "issues"] {
        let read = app.get(&format!("{path}/{part}")).await;
        assert_eq!(read.status, 200);
        assert_eq!(read.body[part], small_report()[part], "{part}");
        assert_eq!(read.body["department_code"], CODE);
    }

    let results =
        json!({"indicators": [{"indicator_id": "2", "actual": "90.9", "deviation_reason": "无"}]});
    let answer = app.put(&format!("{path}/results"), &results).await;
    assert_eq!(answer.body["results"], results);
    let goals = json!({"overall_goal": "确保政令畅通"});
    let refused = app.put(&format!("{path}/goals"), &goals).await;
    let errors = refused.assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "results.indicators[0].indicator_id");
    assert_eq!(app.get(&path).await.body["version"], 3);
}

#[actix_rt::test]
async fn a_part_put_before_the_report_starts_a_draft() {
    let app = app_with_department().await;
    let path = evaluation_path(CODE, 2023);
    let goals = json!({"overall_goal": "全面完成年度目标"});
    let answer = app.put(&format!("{path}/goals"), &goals).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["status"], "draft");
    assert_eq!(app.get(&path).await.body["report"]["goals"], goals);
}

#[actix_rt::test]
async fn problems_and_measures_are_added_changed_and_removed_one_at_a_time() {
    let app = app_with_department().await;
    let path = evaluation_path(CODE, 2021);
    app.put(&path, &small_report()).await;
    let issues = format!("{path}/issues");

    let added = app
        .post(
            &issues,
            &json!({"kind": "problem", "text": "预算指标不能同时下达。"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(
        added.body["item"],
        json!({"kind": "problem", "id": 3, "text": "预算指标不能同时下达。"})
    );
    assert_eq!(added.body["version"], 2);
    assert_eq!(added.header("location"), Some(format!("{issues}/3")));

    let measure = json!({"kind": "measure", "title": "定期开展财务分析", "text": "每年定期做好支出预算财务分析。", "addresses": [1, 3]});
    let added = app.post(&issues, &measure).await;
    assert_eq!(added.body["item"]["id"], 4);

    let changed = app
        .patch(
            &format!("{issues}/2"),
            &json!({"addresses": [1, 3], "title": null}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        changed.body["item"],
        json!({"kind": "measure", "id": 2, "text": "细化编制部门预算。", "addresses": [1, 3]})
    );
    assert_eq!(
        app.get(&format!("{issues}/2")).await.body["item"],
        changed.body["item"]
    );

    let wrong = app
        .patch(&format!("{issues}/1"), &json!({"addresses": [3]}))
        .await;
    wrong.assert_problem(422, "invalid_body");
    let dangling = app
        .post(
            &issues,
            &json!({"kind": "measure", "text": "x", "addresses": [99]}),
        )
        .await;
    assert_eq!(
        dangling.assert_problem(422, "invalid_body")[0].0,
        "issues.measures[2].addresses[0]"
    );
    let answered = app.delete(&format!("{issues}/3")).await;
    answered.assert_problem(409, "problem_addressed");
    app.patch(&format!("{issues}/42"), &json!({"text": "x"}))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{issues}/42"))
        .await
        .assert_problem(404, "not_found");

    let removed = app.delete(&format!("{issues}/4")).await;
    assert_eq!(removed.status, 200);
    let version = removed.body["version"].clone();
    let part = app.get(&issues).await;
    assert_eq!(part.body["version"], version);
    let ids: Vec<_> = part.body["issues"]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(ids, [json!(2)]);
    assert_eq!(part.body["issues"]["problems"].as_array().unwrap().len(), 2);
}

#[actix_rt::test]
async fn evaluations_are_listed_by_year_department_and_status_with_the_total() {
    let app = spawn_app().await;
    for code in ["a", "b", "c"] {
        app.create_department(code, None).await;
        for year in [2020, 2021] {
            assert_eq!(
                app.put(&evaluation_path(code, year), &json!({}))
                    .await
                    .status,
                201
            );
        }
    }
    let year = app.get("/api/v1/evaluations?year=2021&limit=2").await;
    assert_eq!(year.status, 200);
    assert_eq!(year.body["total"], 3);
    let items = year.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (
            items[0]["department_code"].clone(),
            items[0]["year"].clone()
        ),
        (json!("a"), json!(2021))
    );

    let one = app.get("/api/v1/evaluations?department=b").await;
    assert_eq!(one.body["total"], 2);
    assert_eq!(one.body["items"][0]["year"], 2021);
    assert_eq!(one.body["items"][1]["year"], 2020);

    assert_eq!(
        app.get("/api/v1/evaluations?status=draft").await.body["total"],
        6
    );
    assert_eq!(
        app.get("/api/v1/evaluations?status=published").await.body["total"],
        0
    );
    app.get("/api/v1/evaluations?status=lost")
        .await
        .assert_problem(400, "invalid_parameters");
    app.get("/api/v1/evaluations?year=1999")
        .await
        .assert_problem(400, "invalid_parameters");
}

#[actix_rt::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.body, json!({"status": "ok"}));
    assert_eq!(app.get("/readyz").await.body, json!({"status": "ok"}));
    app.get("/api/v1/nothing-here")
        .await
        .assert_problem(404, "not_found");
}
