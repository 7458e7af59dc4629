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

    // The unit's report keeps its own score; the unit reads the bureau's beside it.
    let unit = b.app.with_token(&b.unit);
    let evaluation = unit.get(&evaluation_path("100", 2021)).await;
    assert_eq!(
        evaluation.body["report"]["results"]["indicators"][0]["self_score"],
        "50"
    );
    let read = unit.get(&score_path()).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["comparison"], given.body["comparison"]);
    assert_eq!(read.body["review"], rescored());

    let again = reviewer.put(&score_path(), &rescored()).await;
    assert_eq!(
        (again.status, again.header("etag")),
        (200, Some("\"1\"".to_owned()))
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
