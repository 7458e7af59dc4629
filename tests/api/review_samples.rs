//! 抽查 over HTTP: the bureau draws a spot-check sample of the year's self-evaluations handed
//! in, stratified by unit kind and grade, from a seed given or drawn; the sample is recorded
//! and read back; the same seed over the same population draws the same list; units are not
//! shown the bureau's working list.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, spawn_app};
use crate::review::clean_report;

const SAMPLES: &str = "/api/v1/years/2021/review-samples";

/// Four administrative units and two public institutions hand in their 2021 reports; a fifth
/// administrative unit keeps a draft, which is not in the population.
async fn year() -> TestApp {
    let app = spawn_app().await;
    let admin = app.admin();
    for code in ["101", "102", "103", "104", "105"] {
        app.create_department(code, None).await;
    }
    for code in ["201", "202"] {
        let made = admin
            .post(
                "/api/v1/departments",
                &json!({"code": code, "name": format!("事业单位{code}"), "kind": "public_institution"}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    for code in ["101", "102", "103", "104", "105", "201", "202"] {
        let path = evaluation_path(code, 2021);
        let filed = admin.put(&path, &clean_report()).await;
        assert!(matches!(filed.status, 200 | 201), "{}", filed.body);
        if code != "105" {
            let submitted = admin
                .send(Method::POST, &format!("{path}/submit"), &[], Vec::new())
                .await;
            assert_eq!(submitted.status, 200, "{}", submitted.body);
        }
    }
    app
}

fn shape(sample: &Value) -> Vec<(String, usize, usize)> {
    sample["strata"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let count = |key: &str| s[key].as_array().map_or(0, Vec::len);
            (
                s["kind"].as_str().unwrap_or_default().to_owned(),
                count("population"),
                count("drawn"),
            )
        })
        .collect()
}

#[actix_rt::test]
async fn a_sample_is_drawn_by_stratum_recorded_and_drawn_again_alike_from_its_seed() {
    let app = year().await;
    let reviewer_token = app.user_token("reviewer1", "reviewer", None).await;
    let reviewer = app.with_token(&reviewer_token);

    let first = reviewer
        .post(
            SAMPLES,
            &json!({"seed": 20211231, "percent": 50, "comment": "年度抽查"}),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        first.header("location").as_deref(),
        Some("/api/v1/years/2021/review-samples/1")
    );
    assert_eq!(first.body["number"], 1);
    assert_eq!(first.body["seed"], 20211231);
    assert_eq!(first.body["seed_given"], true);
    assert_eq!(first.body["per_stratum"], json!({"percent": 50}));
    assert_eq!(
        (
            first.body["population"].as_u64(),
            first.body["drawn"].as_u64()
        ),
        (Some(6), Some(3))
    );
    // 50 % of 4 administrative units is 2, of 2 public institutions 1; the draft is not drawn
    // from.
    assert_eq!(
        shape(&first.body),
        [
            ("administrative".to_owned(), 4, 2),
            ("public_institution".to_owned(), 2, 1)
        ]
    );
    assert_eq!(
        first.body["strata"][0]["population"],
        json!(["101", "102", "103", "104"])
    );
    assert_eq!(first.body["strata"][0]["grade"], "excellent");

    let again = reviewer
        .post(SAMPLES, &json!({"seed": 20211231, "percent": 50}))
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["number"], 2);
    assert_eq!(again.body["strata"], first.body["strata"]);

    let drawn = reviewer.post(SAMPLES, &json!({"size": 1})).await;
    assert_eq!(drawn.status, 201, "{}", drawn.body);
    assert_eq!(drawn.body["seed_given"], false);
    let seed = drawn.body["seed"].as_u64().unwrap_or(u64::MAX);
    assert!(seed < 1 << 53, "{seed}");
    let redrawn = reviewer
        .post(SAMPLES, &json!({"seed": seed, "size": 1}))
        .await;
    assert_eq!(redrawn.body["strata"], drawn.body["strata"]);

    let list = reviewer.get(SAMPLES).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let numbers: Vec<u64> = list.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["number"].as_u64())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    assert_eq!(list.body["items"][0]["comment"], "年度抽查");
    assert_eq!(list.body["items"][0]["drawn_by"], "reviewer1");
    let shown = reviewer.get(&format!("{SAMPLES}/1")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["strata"], first.body["strata"]);
    reviewer
        .get(&format!("{SAMPLES}/9"))
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn a_request_names_exactly_one_size_and_only_the_bureau_draws_and_reads_samples() {
    let app = year().await;
    let reviewer_token = app.user_token("reviewer1", "reviewer", None).await;
    let analyst_token = app.user_token("analyst1", "analyst", None).await;
    let unit_token = app.user_token("unit101", "unit", Some("101")).await;
    let reviewer = app.with_token(&reviewer_token);
    for (body, field) in [
        (json!({"seed": 1}), "size"),
        (json!({"size": 2, "percent": 10}), "percent"),
        (json!({"percent": 0}), "percent"),
        (json!({"size": 1, "seed": 9007199254740992_u64}), "seed"),
    ] {
        let errors = reviewer
            .post(SAMPLES, &body)
            .await
            .assert_problem(422, "invalid_body");
        assert!(
            errors.iter().any(|(path, _)| path == field),
            "{body}: {errors:?}"
        );
    }
    assert_eq!(
        reviewer.get(SAMPLES).await.body["items"],
        json!([]),
        "nothing was recorded"
    );
    let unit = app.with_token(&unit_token);
    unit.post(SAMPLES, &json!({"size": 1}))
        .await
        .assert_problem(403, "forbidden");
    let analyst = app.with_token(&analyst_token);
    analyst
        .post(SAMPLES, &json!({"size": 1}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        reviewer.post(SAMPLES, &json!({"size": 1})).await.status,
        201
    );
    unit.get(SAMPLES).await.assert_problem(403, "forbidden");
    unit.get(&format!("{SAMPLES}/1"))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(analyst.get(&format!("{SAMPLES}/1")).await.status, 200);
    reviewer
        .get("/api/v1/years/1999/review-samples")
        .await
        .assert_problem(400, "invalid_parameters");
}
