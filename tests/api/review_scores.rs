//! 复核 over HTTP: a reviewer re-scores a submitted self-evaluation with a reason per changed
//! score; the unit's self-scores stay in its report and stand beside the bureau's with the
//! difference; a unit reads only its own and cannot re-score; refusals change nothing.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, spawn_app};
use crate::review::clean_report;

fn report() -> Value {
    let mut report = clean_report();
    report["results"]["stated_execution_score"] = json!("9.5");
    report
}

/// 办理文件 down from the unit's 50 to 45 with its reason; execution left as the unit's 9.5.
fn rescored() -> Value {
    json!({
        "indicators": [{"indicator_id": "o", "score": "45", "reason": "抽查发现重复计数，实际办文不足6000件"}],
        "comment": "抽查复核"
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
    Bureau {
        unit: app.user_token("unit100", "unit", Some("100")).await,
        other_unit: app.user_token("unit200", "unit", Some("200")).await,
        reviewer: app.user_token("reviewer1", "reviewer", None).await,
        app,
    }
}

fn score_path() -> String {
    format!("{}/review-score", evaluation_path("100", 2021))
}

fn finalize_path() -> String {
    format!("{}/finalize", score_path())
}

impl Bureau {
    async fn file_and_submit(&self) {
        let unit = self.app.with_token(&self.unit);
        let path = evaluation_path("100", 2021);
        let filed = unit.put(&path, &report()).await;
        assert!(matches!(filed.status, 200 | 201), "{}", filed.body);
        let submitted = unit
            .send(Method::POST, &format!("{path}/submit"), &[], Vec::new())
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.body);
    }
}

#[actix_rt::test]
async fn a_reviewer_rescores_a_submitted_evaluation_and_the_units_self_scores_stay_beside_it() {
    let b = bureau().await;
    let reviewer = b.app.with_token(&b.reviewer);
    b.app
        .with_token(&b.unit)
        .put(&evaluation_path("100", 2021), &report())
        .await;
    reviewer
        .put(&score_path(), &rescored())
        .await
        .assert_problem(409, "not_submitted");
    b.file_and_submit().await;

    let given = reviewer.put(&score_path(), &rescored()).await;
    assert_eq!(given.status, 201, "{}", given.body);
    assert_eq!(given.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(given.body["reviewed_by"], "reviewer1");
    let comparison = &given.body["comparison"];
    assert_eq!(comparison["lines"][0]["name"], "预算执行");
    assert_eq!(comparison["lines"][0]["difference"], "0");
    assert_eq!(comparison["lines"][1]["self_score"], "50");
    assert_eq!(comparison["lines"][1]["review_score"], "45");
    assert_eq!(comparison["lines"][1]["difference"], "-5");
    assert_eq!(comparison["self_total"], "99.5");
    assert_eq!(comparison["review_total"], "94.5");
    assert_eq!(comparison["difference"], "-5");

    // The unit's report keeps its own score; the unit reads the bureau's beside it once it is
    // final, not the reviewer's draft.
    let unit = b.app.with_token(&b.unit);
    let evaluation = unit.get(&evaluation_path("100", 2021)).await;
    assert_eq!(
        evaluation.body["report"]["results"]["indicators"][0]["self_score"],
        "50"
    );
    assert_eq!(given.body["state"], "draft");
    unit.get(&score_path())
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        reviewer.post(&finalize_path(), &json!({})).await.status,
        200
    );
    let read = unit.get(&score_path()).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["state"], "final");
    assert_eq!(read.body["comparison"], given.body["comparison"]);
    assert_eq!(read.body["review"], rescored());
    reviewer
        .post(
            &format!("{}/reopen", score_path()),
            &json!({"reason": "单位补充了办文登记簿"}),
        )
        .await;

    let again = reviewer.put(&score_path(), &rescored()).await;
    assert_eq!(
        (again.status, again.header("etag")),
        (200, Some("\"3\"".to_owned()))
    );
    reviewer
        .json_with(
            Method::PUT,
            &score_path(),
            &[("if-match", "\"5\"")],
            &json!({}),
        )
        .await
        .assert_problem(412, "precondition_failed");
}

#[actix_rt::test]
async fn a_changed_score_without_its_reason_or_above_the_weight_is_refused_and_nothing_is_stored() {
    let b = bureau().await;
    b.file_and_submit().await;
    let reviewer = b.app.with_token(&b.reviewer);
    let errors = reviewer
        .put(
            &score_path(),
            &json!({"execution": "8", "indicators": [
                {"indicator_id": "o", "score": "40"},
                {"indicator_id": "e", "score": "31", "reason": "信息采用率按抽查结果复核"},
                {"indicator_id": "x", "score": "1", "reason": "报告中没有这个指标"}
            ]}),
        )
        .await
        .assert_problem(422, "invalid_body");
    let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "execution_reason",
            "indicators[0].reason",
            "indicators[1].score",
            "indicators[2].indicator_id"
        ]
    );
    reviewer
        .get(&score_path())
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn units_read_only_their_own_review_score_and_never_give_one() {
    let b = bureau().await;
    b.file_and_submit().await;
    b.app
        .with_token(&b.unit)
        .put(&score_path(), &rescored())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        b.app
            .with_token(&b.reviewer)
            .put(&score_path(), &rescored())
            .await
            .status,
        201
    );
    b.app
        .with_token(&b.other_unit)
        .get(&score_path())
        .await
        .assert_problem(404, "not_found");
    let audit = b.app.admin().get("/api/v1/audit-log?limit=500").await;
    let actions: Vec<(&str, u64)> = audit.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["action"] == "evaluation.review_score")
                .map(|i| {
                    (
                        i["actor"].as_str().unwrap_or_default(),
                        i["status"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(actions.contains(&("reviewer1", 201)), "{}", audit.body);
    assert!(actions.contains(&("unit100", 403)), "{}", audit.body);
}

/// The unit claimed 50 for 办理文件 and the bureau gave 45: 5 points over. At the default
/// threshold (5: more than 5 is listed) it is not listed; at the year's 4 it is, to the bureau
/// and to the unit itself, never to another unit.
#[actix_rt::test]
async fn units_that_scored_themselves_above_the_review_by_more_than_the_year_allows_are_listed() {
    let b = bureau().await;
    b.file_and_submit().await;
    let reviewer = b.app.with_token(&b.reviewer);
    assert_eq!(reviewer.put(&score_path(), &rescored()).await.status, 201);
    assert_eq!(
        reviewer.post(&finalize_path(), &json!({})).await.status,
        200
    );
    let list = "/api/v1/years/2021/review-scores/differences";

    let at_default = reviewer.get(list).await;
    assert_eq!(at_default.status, 200, "{}", at_default.body);
    assert_eq!(at_default.body["threshold"], "5");
    assert_eq!(at_default.body["items"], json!([]));

    let set = b
        .app
        .admin()
        .put(
            "/api/v1/years/2021/settings",
            &json!({"review_difference_threshold": "4"}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let over = reviewer.get(list).await;
    assert_eq!(over.body["threshold"], "4");
    let item = &over.body["items"][0];
    assert_eq!(item["department_code"], "100");
    assert_eq!(item["excess"], "5");
    assert_eq!(
        (item["self_total"].as_str(), item["review_total"].as_str()),
        (Some("99.5"), Some("94.5"))
    );
    let own = b.app.with_token(&b.unit).get(list).await;
    assert_eq!(own.body["items"].as_array().map(Vec::len), Some(1));
    let other = b.app.with_token(&b.other_unit).get(list).await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body["items"], json!([]));
    b.app
        .with_token(&b.reviewer)
        .get("/api/v1/years/1999/review-scores/differences")
        .await
        .assert_problem(400, "invalid_parameters");
}

/// A draft is the reviewer's work in progress: the differences do not count it. Made final it
/// is counted and cannot change; reopened — by the reviewer who made it final or an admin, with
/// a reason the audit log keeps — it is a draft again and drops out.
#[actix_rt::test]
async fn only_a_final_review_score_counts_and_it_changes_only_once_reopened_with_a_reason() {
    let b = bureau().await;
    b.file_and_submit().await;
    let reviewer = b.app.with_token(&b.reviewer);
    let admin = b.app.admin();
    admin
        .put(
            "/api/v1/years/2021/settings",
            &json!({"review_difference_threshold": "4"}),
        )
        .await;
    let list = "/api/v1/years/2021/review-scores/differences";
    let listed = |answer: crate::helpers::Answer| answer.body["items"].as_array().map(Vec::len);
    reviewer
        .post(&finalize_path(), &json!({}))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(reviewer.put(&score_path(), &rescored()).await.status, 201);
    assert_eq!(listed(reviewer.get(list).await), Some(0));

    reviewer
        .json_with(
            Method::POST,
            &finalize_path(),
            &[("if-match", "\"7\"")],
            &json!({}),
        )
        .await
        .assert_problem(412, "precondition_failed");
    let finalized = reviewer
        .json_with(
            Method::POST,
            &finalize_path(),
            &[("if-match", "\"1\"")],
            &json!({}),
        )
        .await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    assert_eq!(finalized.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(finalized.body["state"], "final");
    assert_eq!(finalized.body["finalized_by"], "reviewer1");
    assert_eq!(listed(reviewer.get(list).await), Some(1));
    reviewer
        .post(&finalize_path(), &json!({}))
        .await
        .assert_problem(409, "review_score_final");
    reviewer
        .put(&score_path(), &json!({}))
        .await
        .assert_problem(409, "review_score_final");

    let reopen = format!("{}/reopen", score_path());
    let colleague = b.app.user_token("reviewer2", "reviewer", None).await;
    b.app
        .with_token(&colleague)
        .post(&reopen, &json!({"reason": "换人复核"}))
        .await
        .assert_problem(403, "forbidden");
    b.app
        .with_token(&b.unit)
        .post(&reopen, &json!({"reason": "单位不同意复核结果"}))
        .await
        .assert_problem(403, "forbidden");
    reviewer
        .post(&reopen, &json!({}))
        .await
        .assert_problem(422, "invalid_body");
    let reopened = reviewer
        .post(&reopen, &json!({"reason": "单位补充了办文登记簿"}))
        .await;
    assert_eq!(reopened.status, 200, "{}", reopened.body);
    assert_eq!(reopened.body["state"], "draft");
    assert_eq!(reopened.body["reopen_reason"], "单位补充了办文登记簿");
    assert_eq!(reopened.header("etag").as_deref(), Some("\"3\""));
    assert_eq!(listed(reviewer.get(list).await), Some(0));
    reviewer
        .post(&reopen, &json!({"reason": "再次打开"}))
        .await
        .assert_problem(409, "review_score_not_final");

    // Made final again by the reviewer, an admin reopens it too.
    assert_eq!(
        reviewer.post(&finalize_path(), &json!({})).await.status,
        200
    );
    assert_eq!(
        admin
            .post(&reopen, &json!({"reason": "局长办公会要求重新复核"}))
            .await
            .status,
        200
    );
    let audit = admin.get("/api/v1/audit-log?limit=500").await;
    let reasons: Vec<&str> = audit.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["action"] == "evaluation.review_score.reopen" && i["status"] == 200)
        .filter_map(|i| i["detail"].as_str())
        .collect();
    assert_eq!(reasons, ["局长办公会要求重新复核", "单位补充了办文登记簿"]);
}

/// A project table is re-scored as its own resource: the table's execution 得分 and each
/// indicator's 得分 are the unit's self-scores, the table is not touched, and the cycle of
/// states is the departmental one. A unit reads it once final, another unit never.
#[actix_rt::test]
async fn a_reviewer_rescores_a_project_table_beside_the_units_own_scores() {
    let b = bureau().await;
    let project = format!("{}/projects/P-01", evaluation_path("100", 2021));
    let score = format!("{project}/review-score");
    let unit = b.app.with_token(&b.unit);
    let reviewer = b.app.with_token(&b.reviewer);
    let filed = unit.put(&project, &crate::projects::clean_table()).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let rescored = json!({
        "execution": "9",
        "execution_reason": "执行数按决算复核为90万元",
        "indicators": [{"indicator_id": "1", "score": "45", "reason": "抽查发现面积重复计算"}]
    });
    reviewer
        .put(&score, &rescored)
        .await
        .assert_problem(409, "not_submitted");
    let submitted = unit
        .send(Method::POST, &format!("{project}/submit"), &[], Vec::new())
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    reviewer
        .put(
            &score,
            &json!({"indicators": [{"indicator_id": "1", "score": "51", "reason": "超过分值"}]}),
        )
        .await
        .assert_problem(422, "invalid_body");

    let given = reviewer.put(&score, &rescored).await;
    assert_eq!(given.status, 201, "{}", given.body);
    assert_eq!(given.body["project_code"], "P-01");
    let comparison = &given.body["comparison"];
    assert_eq!(
        (
            comparison["lines"][0]["self_score"].as_str(),
            comparison["lines"][0]["review_score"].as_str()
        ),
        (Some("9.5"), Some("9"))
    );
    assert_eq!(comparison["lines"][1]["difference"], "-5");
    assert_eq!(comparison["self_total"], "99.5");
    assert_eq!(comparison["review_total"], "94");
    assert_eq!(comparison["difference"], "-5.5");

    // The departmental review score is another resource: the unit's departmental report has
    // none, and the year's differences list departmental scores only.
    reviewer
        .get(&score_path())
        .await
        .assert_problem(404, "not_found");
    unit.get(&score).await.assert_problem(404, "not_found");
    let finalized = reviewer
        .post(&format!("{score}/finalize"), &json!({}))
        .await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    let read = unit.get(&score).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["comparison"], given.body["comparison"]);
    let table = unit.get(&project).await;
    assert_eq!(
        table.body["table"]["results"]["indicators"][0]["self_score"], "50",
        "{}",
        table.body
    );
    b.app
        .with_token(&b.other_unit)
        .get(&score)
        .await
        .assert_problem(404, "not_found");
    reviewer
        .put(&score, &rescored)
        .await
        .assert_problem(409, "review_score_final");
    let reopened = reviewer
        .post(
            &format!("{score}/reopen"),
            &json!({"reason": "单位补充了作业台账"}),
        )
        .await;
    assert_eq!(reopened.body["state"], "draft", "{}", reopened.body);
    let audit = b.app.admin().get("/api/v1/audit-log?limit=500").await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["status"] == 200 || i["status"] == 201)
        .filter_map(|i| i["action"].as_str())
        .filter(|a| a.starts_with("project.review_score"))
        .collect();
    assert_eq!(
        actions,
        [
            "project.review_score.reopen",
            "project.review_score.finalize",
            "project.review_score"
        ]
    );
}
