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
fn every_operation_is_documented_with_a_description_and_a_tag() {
    let document = committed();
    let paths = document["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            operations += 1;
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
