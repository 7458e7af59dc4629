use crate::helpers::spawn_app;

fn committed() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json is committed");
    serde_json::from_str(&text).expect("openapi/openapi.json is JSON")
}

#[test]
fn the_committed_openapi_document_is_the_generated_one() {
    let generated = perfeval::api::openapi()
        .to_pretty_json()
        .expect("the document serialises");
    let generated: serde_json::Value = serde_json::from_str(&generated).expect("JSON");
    assert!(
        generated == committed(),
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[actix_rt::test]
async fn the_service_serves_the_committed_document_and_its_ui() {
    let app = spawn_app().await;
    let served = app.get("/api/v1/openapi.json").await;
    assert_eq!(served.status, 200);
    assert!(served.body == committed());
    let ui = app.get("/docs/").await;
    assert_eq!(ui.status, 200);
    assert!(
        ui.body
            .as_str()
            .is_some_and(|html| html.contains("swagger-ui"))
    );
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status, 308);
}

#[test]
fn every_operation_is_documented_with_a_description_a_tag_and_an_id_of_its_own() {
    let document = committed();
    let paths = document["paths"].as_object().expect("paths");
    let mut operations = 0;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            operations += 1;
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id),
                "{method} {path}: operation id {id} is used twice"
            );
            let described = operation["description"]
                .as_str()
                .or(operation["summary"].as_str());
            assert!(
                described.is_some_and(|d| !d.is_empty()),
                "{method} {path} has no description"
            );
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
        }
    }
    assert!(operations >= 31, "only {operations} operations documented");
}

/// Every `$ref` below `value`, with where it stands.
fn references<'a>(value: &'a serde_json::Value, at: String, found: &mut Vec<(String, &'a str)>) {
    match value {
        serde_json::Value::Object(object) => {
            for (key, member) in object {
                if key == "$ref"
                    && let Some(target) = member.as_str()
                {
                    found.push((at.clone(), target));
                }
                references(member, format!("{at}/{key}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                references(item, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_reference_of_the_document_resolves() {
    let document = committed();
    let mut found = Vec::new();
    references(&document, String::new(), &mut found);
    assert!(found.len() > 100);
    for (at, target) in found {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: {target} is not local"));
        assert!(
            document.pointer(pointer).is_some(),
            "{at}: {target} is not defined"
        );
    }
}

#[test]
fn the_document_has_no_single_member_one_of_and_names_a_server() {
    let text = committed().to_string();
    let document = committed();
    assert!(
        document["servers"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    let mut stack = vec![&document];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Object(object) => {
                if let Some(members) = object.get("oneOf").and_then(|m| m.as_array()) {
                    assert!(members.len() > 1, "a oneOf of one: {value}");
                }
                stack.extend(object.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    assert!(!text.contains(r#""security":[{}]"#));
}

#[test]
fn open_operations_need_no_token_and_the_others_take_a_bearer_token_or_the_password_flow() {
    let document = committed();
    assert_eq!(
        document["security"],
        serde_json::json!([{"bearer": []}, {"password": []}])
    );
    let flow = &document["components"]["securitySchemes"]["password"];
    assert_eq!(flow["type"], "oauth2");
    assert_eq!(flow["flows"]["password"]["tokenUrl"], "/api/v1/auth/token");
    let paths = &document["paths"];
    for (path, method) in [
        ("/api/v1/auth/token", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/api/v1/public/evaluations", "get"),
    ] {
        assert_eq!(
            paths[path][method]["security"],
            serde_json::json!([]),
            "{method} {path}"
        );
    }
    assert!(
        paths["/api/v1/departments"]["get"]
            .get("security")
            .is_none()
    );
}

#[test]
fn every_table_documents_its_csv_and_xlsx_answers() {
    let document = committed();
    for table in [
        "departments",
        "trends",
        "deviation",
        "unmet-goals",
        "grades",
    ] {
        let content = &document["paths"][format!("/api/v1/comparisons/{table}")]["get"]["responses"]
            ["200"]["content"];
        assert_eq!(content["text/csv"]["schema"]["type"], "string", "{table}");
        let xlsx = &content["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"];
        assert_eq!(xlsx["schema"]["format"], "binary", "{table}");
    }
}

/// What the docs UI's Authorize dialog posts for the password flow.
async fn password_grant(app: &crate::helpers::TestApp, form: &str) -> crate::helpers::Answer {
    app.anonymous()
        .send(
            actix_web::http::Method::POST,
            "/api/v1/auth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            form.as_bytes().to_vec(),
        )
        .await
}

#[actix_rt::test]
async fn the_docs_ui_logs_in_with_a_user_name_and_password_form() {
    let app = spawn_app().await;
    let form = format!(
        "grant_type=password&username=admin&password={}&scope=&client_id=docs",
        crate::helpers::ADMIN_PASSWORD
    );
    let answer = password_grant(&app, &form).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert!(answer.body["expires_in"].as_i64().is_some_and(|s| s > 0));
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    let token = answer.body["access_token"].as_str().expect("a token");
    let me = app.with_token(token).get("/api/v1/auth/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["subject"], "admin", "{}", me.body);

    let wrong = password_grant(
        &app,
        "grant_type=password&username=admin&password=wrong-password",
    )
    .await;
    wrong.assert_problem(401, "invalid_credentials");
    let other_grant = password_grant(
        &app,
        "grant_type=client_credentials&username=admin&password=x",
    )
    .await;
    other_grant.assert_problem(422, "invalid_body");
}

#[test]
fn every_paged_list_states_the_range_of_limit_and_offset() {
    let document = committed();
    let mut lists = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let schema = &parameter["schema"];
                match parameter["name"].as_str() {
                    Some("limit") => {
                        lists += 1;
                        assert_eq!(schema["minimum"], 1, "{method} {path}");
                        assert_eq!(schema["maximum"], 500, "{method} {path}");
                    }
                    Some("offset") => assert_eq!(schema["minimum"], 0, "{method} {path}"),
                    _ => {}
                }
            }
        }
    }
    assert!(lists >= 5, "only {lists} paged lists");
}

/// The docs UI's Try-it-out starts from a real report and sends no `If-Match` of its own: an
/// example ETag made every first PUT a 412, and placeholders replaced the unit's report.
#[test]
fn the_docs_ui_offers_the_seed_report_and_no_if_match_and_warns_that_a_put_replaces_the_report() {
    let document = committed();
    let seed = crate::helpers::seed_fixture()["report"].clone();
    let put = &document["paths"]["/api/v1/departments/{code}/evaluations/{year}"]["put"];
    assert!(put["requestBody"]["content"]["application/json"]["example"] == seed);
    assert!(
        put["description"]
            .as_str()
            .is_some_and(|d| d.contains("The body replaces the whole report")),
        "{}",
        put["description"]
    );
    let goals = &document["paths"]["/api/v1/departments/{code}/evaluations/{year}/goals"]["put"];
    assert!(goals["requestBody"]["content"]["application/json"]["example"] == seed["goals"]);
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "If-Match" {
                    assert!(
                        parameter.get("example").is_none() && parameter.get("examples").is_none(),
                        "{method} {path}: If-Match has an example, which the docs UI would send"
                    );
                }
            }
        }
    }
}

/// Generated clients read: one body type for the login (the OAuth 2.0 form is the security
/// scheme's), and operation ids that say what they do.
#[test]
fn generators_find_one_login_body_and_operation_ids_that_say_what_they_do() {
    let document = committed();
    let login = &document["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"];
    let types: Vec<&String> = login.as_object().expect("content").keys().collect();
    assert_eq!(types, ["application/json"]);
    let id = |path: &str, method: &str| {
        document["paths"][path][method]["operationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        id("/api/v1/comparisons/departments", "get"),
        "compare_departments"
    );
    assert_eq!(
        id("/api/v1/public/open-data/{year}/budget.csv", "get"),
        "open_data_budget_csv"
    );
    assert_eq!(
        id(
            "/api/v1/departments/{code}/evaluations/{year}/history",
            "get"
        ),
        "evaluation_history"
    );
    let unclear = [
        "departments",
        "budget",
        "scores",
        "history",
        "version",
        "grades",
        "trends",
    ];
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                !unclear.contains(&id),
                "{method} {path}: unclear operation id {id}"
            );
        }
    }
}
