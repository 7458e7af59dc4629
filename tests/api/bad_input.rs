//! Every kind of bad input is answered with a problem that names what is wrong, and stores nothing.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, evaluation_path, spawn_app, spawn_app_with};

pub(crate) const CODE: &str = "101001";

/// A department with one stored report (version 1) to measure "nothing changed" against.
pub(crate) async fn app_with_report() -> TestApp {
    let app = spawn_app().await;
    app.create_department(CODE, None).await;
    let report = json!({"budget": {"basic": {"amounts": {"initial": "1659.36"}}}});
    assert_eq!(
        app.put(&evaluation_path(CODE, 2021), &report).await.status,
        201
    );
    app
}

/// Asserts the stored report is still version 1 as first put.
async fn assert_unchanged(app: &TestApp) {
    let stored = app.get(&evaluation_path(CODE, 2021)).await;
    assert_eq!(stored.body["version"], 1);
    assert_eq!(
        stored.body["report"]["budget"]["basic"]["amounts"]["initial"],
        "1659.36"
    );
}

#[track_caller]
fn assert_field(answer: &Answer, path: &str, says: &str) {
    let errors = answer.assert_problem(422, "invalid_body");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, path);
    assert!(
        errors[0].1.contains(says),
        "`{}` should say `{says}`",
        errors[0].1
    );
}

fn with_initial(amount: Value) -> Value {
    json!({"budget": {"basic": {"amounts": {"initial": amount}}}})
}

#[actix_rt::test]
async fn an_amount_sent_as_a_json_number_is_refused() {
    let app = app_with_report().await;
    let answer = app
        .put(&evaluation_path(CODE, 2021), &with_initial(json!(1659.36)))
        .await;
    assert_field(&answer, "budget.basic.amounts.initial", "expected a string");
    assert_unchanged(&app).await;
}

#[actix_rt::test]
async fn a_count_of_the_wrong_type_is_refused() {
    let app = app_with_report().await;
    let report = json!({"profile": {"staffing": {"on_payroll": "50人"}}});
    let answer = app.put(&evaluation_path(CODE, 2021), &report).await;
    assert_field(
        &answer,
        "profile.staffing.on_payroll",
        "is a string, expected an integer",
    );
    let negative = json!({"profile": {"staffing": {"on_duty": -1}}});
    let answer = app.put(&evaluation_path(CODE, 2021), &negative).await;
    assert_field(&answer, "profile.staffing.on_duty", "-1");
    assert_unchanged(&app).await;
}

#[actix_rt::test]
async fn an_unknown_enum_value_is_refused() {
    let app = app_with_report().await;
    let department = json!({"code": "2", "name": "x", "kind": "ministry"});
    let answer = app.post("/api/v1/departments", &department).await;
    assert_field(&answer, "kind", "`ministry` is not one of");
    assert_eq!(app.get("/api/v1/departments/2").await.status, 404);

    let indicator = json!({"goals": {"indicators": [{"id": "1", "level1": "output", "level2": "数量",
        "name": "办文", "comparison": "greater", "target": "1"}]}});
    let answer = app.put(&evaluation_path(CODE, 2021), &indicator).await;
    assert_field(
        &answer,
        "goals.indicators[0].comparison",
        "`greater` is not one of",
    );
    assert_unchanged(&app).await;
}

#[actix_rt::test]
async fn an_unknown_field_is_refused_never_dropped() {
    let app = app_with_report().await;
    let typo = json!({"budget": {"basic": {"amounts": {"intial": "1"}}}});
    let answer = app.put(&evaluation_path(CODE, 2021), &typo).await;
    assert_field(
        &answer,
        "budget.basic.amounts.intial",
        "is not a field here",
    );
    let in_part = app
        .put(
            &format!("{}/budget", evaluation_path(CODE, 2021)),
            &json!({"basik": {}}),
        )
        .await;
    assert_field(&in_part, "budget.basik", "is not a field here");
    assert_unchanged(&app).await;
}

#[actix_rt::test]
async fn a_negative_amount_is_refused() {
    let app = app_with_report().await;
    let answer = app
        .put(&evaluation_path(CODE, 2021), &with_initial(json!("-0.01")))
        .await;
    assert_field(&answer, "budget.basic.amounts.initial", "negative");
    assert_unchanged(&app).await;
}

#[actix_rt::test]
async fn an_amount_with_more_than_six_decimals_is_refused() {
    let app = app_with_report().await;
    let answer = app
        .put(
            &evaluation_path(CODE, 2021),
            &with_initial(json!("1.0000001")),
        )
        .await;
    assert_field(
        &answer,
        "budget.basic.amounts.initial",
        "more than 6 decimal places",
    );
    let six = app
        .put(
            &evaluation_path(CODE, 2022),
            &with_initial(json!("1.000001")),
        )
        .await;
    assert_eq!(six.status, 201, "six places are allowed: {}", six.body);
    assert_unchanged(&app).await;
}

#[actix_rt::test]
async fn an_unknown_department_is_not_found_and_gets_no_report() {
    let app = app_with_report().await;
    let answer = app.put(&evaluation_path("999999", 2021), &json!({})).await;
    answer.assert_problem(404, "not_found");
    assert!(answer.body["detail"].as_str().unwrap().contains("999999"));
    assert_eq!(app.get("/api/v1/evaluations").await.body["total"], 1);
}

#[actix_rt::test]
async fn a_year_outside_2000_to_2100_is_refused() {
    let app = app_with_report().await;
    for year in ["1999", "2101", "twenty"] {
        let path = format!("/api/v1/departments/{CODE}/evaluations/{year}");
        let errors = app
            .put(&path, &json!({}))
            .await
            .assert_problem(400, "invalid_parameters");
        assert_eq!(errors[0].0, "year");
    }
    assert_eq!(app.get("/api/v1/evaluations").await.body["total"], 1);
}

#[actix_rt::test]
async fn a_malformed_unit_code_is_refused() {
    let app = app_with_report().await;
    let errors = app
        .put(&evaluation_path("bad!code", 2021), &json!({}))
        .await
        .assert_problem(400, "invalid_parameters");
    assert_eq!(errors[0].0, "code");
    let body = json!({"code": "-x", "name": "x", "kind": "other"});
    assert_field(
        &app.post("/api/v1/departments", &body).await,
        "code",
        "not a unit code",
    );
}

#[actix_rt::test]
async fn a_body_over_the_size_limit_is_refused() {
    let app = spawn_app_with(|settings| settings.max_body_bytes = 4096).await;
    app.create_department(CODE, None).await;
    let report = json!({"title": "题".repeat(2000)});
    let answer = app.put(&evaluation_path(CODE, 2021), &report).await;
    answer.assert_problem(413, "payload_too_large");
    let chunked = app
        .send(
            Method::PUT,
            &evaluation_path(CODE, 2021),
            &[("content-type", "application/json")],
            report.to_string().into_bytes(),
        )
        .await;
    assert_eq!(chunked.status, 413);
    app.get(&evaluation_path(CODE, 2021))
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn malformed_json_is_refused() {
    let app = app_with_report().await;
    for body in [
        "{\"budget\": ",
        "{\"title\": \"x\"} trailing",
        "",
        "{\"title\": \"x\",}",
    ] {
        let answer = app
            .send(
                Method::PUT,
                &evaluation_path(CODE, 2021),
                &[("content-type", "application/json")],
                body.as_bytes().to_vec(),
            )
            .await;
        answer.assert_problem(400, "malformed_json");
    }
    assert_unchanged(&app).await;
}

#[actix_rt::test]
async fn a_body_that_is_not_json_is_refused() {
    let app = app_with_report().await;
    let answer = app
        .send(
            Method::PUT,
            &evaluation_path(CODE, 2021),
            &[("content-type", "text/plain")],
            b"{}".to_vec(),
        )
        .await;
    answer.assert_problem(415, "unsupported_media_type");
    let none = app
        .send(
            Method::PUT,
            &evaluation_path(CODE, 2021),
            &[],
            b"{}".to_vec(),
        )
        .await;
    none.assert_problem(415, "unsupported_media_type");
    assert_unchanged(&app).await;
}

/// A form's target in words is stored as written; the checks say it cannot be scored.
#[actix_rt::test]
async fn a_quantitative_target_in_words_is_stored_and_named_unscorable() {
    let app = app_with_report().await;
    let goals = json!({"indicators": [{"id": "1", "level1": "effect", "level2": "社会效益", "name": "采用率",
        "unit": "%", "comparison": "at_least", "target": "较高"}]});
    let answer = app
        .put(&format!("{}/goals", evaluation_path(CODE, 2021)), &goals)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let findings = app
        .get(&format!("{}/findings", evaluation_path(CODE, 2021)))
        .await
        .body;
    let unscorable: Vec<&Value> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "indicator_unscorable")
        .collect();
    assert_eq!(unscorable.len(), 1, "{findings}");
    assert_eq!(unscorable[0]["path"], "goals.indicators[0].target");
}

#[actix_rt::test]
async fn a_body_that_is_an_array_is_refused_not_read_by_position() {
    let app = app_with_report().await;
    let answer = app
        .put(&evaluation_path(CODE, 2021), &json!(["title", {}]))
        .await;
    assert_field(&answer, "", "expected a JSON object");
    let part = app
        .put(
            &format!("{}/budget", evaluation_path(CODE, 2021)),
            &json!([null]),
        )
        .await;
    assert_field(&part, "budget", "expected a JSON object");
    assert_unchanged(&app).await;
}

#[actix_rt::test]
async fn a_wrong_method_on_a_known_path_is_405_with_the_allowed_ones() {
    let app = spawn_app().await;
    let answer = app
        .send(Method::PATCH, "/api/v1/evaluations", &[], Vec::new())
        .await;
    answer.assert_problem(405, "method_not_allowed");
    assert_eq!(answer.header("allow").as_deref(), Some("GET"));
    let answer = app
        .send(Method::POST, &evaluation_path(CODE, 2021), &[], Vec::new())
        .await;
    answer.assert_problem(405, "method_not_allowed");
    assert_eq!(answer.header("allow").as_deref(), Some("GET, PUT"));
    app.send(Method::GET, "/api/v1/no/such/path", &[], Vec::new())
        .await
        .assert_problem(404, "not_found");
}
