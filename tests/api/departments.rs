use serde_json::json;

use crate::helpers::{evaluation_path, spawn_app};

#[actix_rt::test]
async fn a_department_reads_back_as_it_was_registered() {
    let app = spawn_app().await;
    let body = json!({"code": "101001", "name": "开福区政府办公室", "kind": "civil_service_managed",
                      "funding_type": "full_appropriation"});
    let created = app.post("/api/v1/departments", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.header("location").as_deref(),
        Some("/api/v1/departments/101001")
    );

    let read = app.get("/api/v1/departments/101001").await;
    assert_eq!(read.status, 200);
    for field in ["code", "name", "kind", "funding_type"] {
        assert_eq!(read.body[field], body[field], "{field}");
    }
    assert!(read.body.get("parent_code").is_none());
    assert!(
        read.body["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
}

#[actix_rt::test]
async fn a_taken_code_is_refused_with_conflict() {
    let app = spawn_app().await;
    app.create_department("101001", None).await;
    let again = app
        .post(
            "/api/v1/departments",
            &json!({"code": "101001", "name": "另一个", "kind": "other"}),
        )
        .await;
    again.assert_problem(409, "department_exists");
    assert_eq!(
        app.get("/api/v1/departments/101001").await.body["name"],
        "单位101001"
    );
}

#[actix_rt::test]
async fn the_list_filters_by_parent_and_kind_and_pages_with_the_total() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    for code in ["100-01", "100-02", "100-03"] {
        app.create_department(code, Some("100")).await;
    }
    let street = json!({"code": "200", "name": "望麓园街道", "kind": "street_office"});
    assert_eq!(app.post("/api/v1/departments", &street).await.status, 201);

    let children = app.get("/api/v1/departments?parent=100&limit=2").await;
    assert_eq!(children.status, 200);
    assert_eq!(children.body["total"], 3);
    let codes: Vec<_> = children.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].clone())
        .collect();
    assert_eq!(codes, [json!("100-01"), json!("100-02")]);

    let rest = app
        .get("/api/v1/departments?parent=100&limit=2&offset=2")
        .await;
    assert_eq!(rest.body["items"][0]["code"], "100-03");

    let streets = app.get("/api/v1/departments?kind=street_office").await;
    assert_eq!(streets.body["total"], 1);
    assert_eq!(streets.body["items"][0]["code"], "200");

    let everything = app.get("/api/v1/departments").await;
    assert_eq!(everything.body["total"], 5);
    assert_eq!(everything.body["limit"], 50);
}

#[actix_rt::test]
async fn a_list_query_that_cannot_be_read_is_refused() {
    let app = spawn_app().await;
    app.get("/api/v1/departments?kind=ministry")
        .await
        .assert_problem(400, "invalid_parameters");
    app.get("/api/v1/departments?limit=0")
        .await
        .assert_problem(400, "invalid_parameters");
    app.get("/api/v1/departments?limit=501")
        .await
        .assert_problem(400, "invalid_parameters");
    app.get("/api/v1/departments?offset=-1")
        .await
        .assert_problem(400, "invalid_parameters");
    app.get("/api/v1/departments?parnet=100")
        .await
        .assert_problem(400, "invalid_parameters");
}

#[actix_rt::test]
async fn a_patch_changes_only_what_it_sends_and_null_clears() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("100-01", Some("100")).await;

    let renamed = app
        .patch(
            "/api/v1/departments/100-01",
            &json!({"name": "区发展研究中心", "funding_type": "full_appropriation"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["name"], "区发展研究中心");
    assert_eq!(renamed.body["kind"], "administrative");
    assert_eq!(renamed.body["parent_code"], "100");

    let detached = app
        .patch("/api/v1/departments/100-01", &json!({"parent_code": null}))
        .await;
    assert_eq!(detached.status, 200);
    assert!(detached.body.get("parent_code").is_none());
    assert_eq!(detached.body["funding_type"], "full_appropriation");
}

#[actix_rt::test]
async fn a_parent_must_exist_and_units_cannot_be_their_own_ancestors() {
    let app = spawn_app().await;
    let orphan = app
        .post(
            "/api/v1/departments",
            &json!({"code": "9", "name": "x", "kind": "other", "parent_code": "nope"}),
        )
        .await;
    let errors = orphan.assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "parent_code");
    assert_eq!(app.get("/api/v1/departments/9").await.status, 404);

    app.create_department("a", None).await;
    app.create_department("b", Some("a")).await;
    let cycle = app
        .patch("/api/v1/departments/a", &json!({"parent_code": "b"}))
        .await;
    assert_eq!(
        cycle.assert_problem(422, "invalid_body")[0].0,
        "parent_code"
    );
    let own = app
        .patch("/api/v1/departments/a", &json!({"parent_code": "a"}))
        .await;
    own.assert_problem(422, "invalid_body");
    assert!(
        app.get("/api/v1/departments/a")
            .await
            .body
            .get("parent_code")
            .is_none()
    );
}

#[actix_rt::test]
async fn the_code_of_a_department_cannot_be_patched() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let answer = app
        .patch("/api/v1/departments/100", &json!({"code": "200"}))
        .await;
    assert_eq!(answer.assert_problem(422, "invalid_body")[0].0, "code");
    assert_eq!(app.get("/api/v1/departments/100").await.status, 200);
}

#[actix_rt::test]
async fn a_department_with_evaluations_or_subordinates_is_not_deleted() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("100-01", Some("100")).await;
    assert_eq!(
        app.put(&evaluation_path("100-01", 2021), &json!({}))
            .await
            .status,
        201
    );

    app.delete("/api/v1/departments/100-01")
        .await
        .assert_problem(409, "department_has_evaluations");
    app.delete("/api/v1/departments/100")
        .await
        .assert_problem(409, "department_has_subordinates");
    assert_eq!(app.get(&evaluation_path("100-01", 2021)).await.status, 200);

    app.create_department("300", None).await;
    let deleted = app.delete("/api/v1/departments/300").await;
    assert_eq!(deleted.status, 204);
    app.get("/api/v1/departments/300")
        .await
        .assert_problem(404, "not_found");
    app.delete("/api/v1/departments/300")
        .await
        .assert_problem(404, "not_found");
}
