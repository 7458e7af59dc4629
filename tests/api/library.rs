//! The indicator library (指标库) over HTTP: the common one by default, imported and exported
//! as CSV by the bureau, every wrong cell named, nothing stored then.

use awc::http::Method;

use crate::helpers::spawn_app;

const CSV: (&str, &str) = ("content-type", "text/csv");

#[actix_rt::test]
async fn a_year_without_its_own_library_reads_the_common_one() {
    let app = spawn_app().await;
    let read = app.get("/api/v1/years/2024/library").await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["origin"]["kind"], "common");
    let indicators = read.body["indicators"].as_array().unwrap();
    let adjustment = indicators.iter().find(|i| i["code"] == "GX07").unwrap();
    assert_eq!(adjustment["name"], "预算调整率");
    assert_eq!(adjustment["direction"], "lower_is_better");
    assert!(
        adjustment["source"]
            .as_str()
            .unwrap()
            .contains("财预〔2013〕53号")
    );
}

#[actix_rt::test]
async fn an_exported_library_imports_back_and_the_year_reads_it() {
    let app = spawn_app().await;
    let exported = app.get("/api/v1/years/2024/library/export").await;
    assert_eq!(exported.status, 200);
    assert!(
        exported
            .header("content-type")
            .unwrap()
            .starts_with("text/csv")
    );
    let mut text = String::from_utf8(exported.bytes).unwrap();
    text.push_str("HY01,义务教育巩固率,,效益,社会效益,九年义务教育巩固率。,%,higher_is_better,,,,,departmental,public_institution,,教育,某省教育行业指标库\r\n");
    let imported = app
        .send(
            Method::PUT,
            "/api/v1/years/2024/library",
            &[CSV],
            text.clone().into_bytes(),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(imported.body["origin"]["kind"], "imported");
    assert_eq!(imported.body["origin"]["by"], "admin");
    let read = app.get("/api/v1/years/2024/library").await;
    let sector = read.body["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "HY01")
        .cloned()
        .unwrap();
    assert_eq!(sector["sector"], "教育");
    assert_eq!(
        sector["unit_kinds"],
        serde_json::json!(["public_institution"])
    );
    let again = app.get("/api/v1/years/2024/library/export").await;
    assert_eq!(String::from_utf8(again.bytes).unwrap(), text);
    // Another year still reads the common library; removing the year's own brings it back.
    let other = app.get("/api/v1/years/2025/library").await;
    assert_eq!(other.body["origin"]["kind"], "common");
    assert_eq!(app.delete("/api/v1/years/2024/library").await.status, 204);
    let back = app.get("/api/v1/years/2024/library").await;
    assert_eq!(back.body["origin"]["kind"], "common");
    app.delete("/api/v1/years/2024/library")
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn a_library_with_wrong_cells_names_each_and_stores_nothing() {
    let app = spawn_app().await;
    let text = "code,name,aliases,level1,level2,definition,unit,direction,formula,metric,scoring_rule,scoring_standard,report_kinds,unit_kinds,project_kinds,sector,source\n\
A1,甲,,,,,,sideways,,,,,,,,,出处\n\
A2,乙,,,,,,lower_is_better,,,,,,,,,\n\
A3,甲,,,,,,lower_is_better,,,,,,,,,出处\n";
    let refused = app
        .send(
            Method::PUT,
            "/api/v1/years/2024/library",
            &[CSV],
            text.as_bytes().to_vec(),
        )
        .await;
    let errors = refused.assert_problem(422, "invalid_body");
    let at: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(at, ["line 2, direction", "line 3, source"]);
    let read = app.get("/api/v1/years/2024/library").await;
    assert_eq!(read.body["origin"]["kind"], "common");
    // Once the cells read, the name used twice is named at its second line.
    let fixed = text
        .replace("sideways", "qualitative")
        .replace(",,,,,,,,,\nA3", ",,,,,,,,,出处\nA3");
    let twice = app
        .send(
            Method::PUT,
            "/api/v1/years/2024/library",
            &[CSV],
            fixed.into_bytes(),
        )
        .await;
    let errors = twice.assert_problem(422, "invalid_body");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "line 4");
}

#[actix_rt::test]
async fn only_the_bureau_imports_and_a_unit_still_reads() {
    let app = spawn_app().await;
    app.create_department("100001", None).await;
    let unit = app.user_token("filer", "unit", Some("100001")).await;
    let analyst = app.user_token("analyst", "analyst", None).await;
    let reviewer = app.user_token("reviewer", "reviewer", None).await;
    let text = app.get("/api/v1/years/2024/library/export").await.bytes;
    for token in [&unit, &analyst] {
        app.with_token(token)
            .send(
                Method::PUT,
                "/api/v1/years/2024/library",
                &[CSV],
                text.clone(),
            )
            .await
            .assert_problem(403, "forbidden");
        app.with_token(token)
            .delete("/api/v1/years/2024/library")
            .await
            .assert_problem(403, "forbidden");
    }
    // Refused before the body is read: a unit learns nothing from how it would have been.
    app.with_token(&unit)
        .send(
            Method::PUT,
            "/api/v1/years/2024/library",
            &[CSV],
            b"not,a\nlibrary".to_vec(),
        )
        .await
        .assert_problem(403, "forbidden");
    let imported = app
        .with_token(&reviewer)
        .send(Method::PUT, "/api/v1/years/2024/library", &[CSV], text)
        .await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(
        app.with_token(&unit)
            .get("/api/v1/years/2024/library")
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn a_library_past_its_bounds_or_of_another_type_is_refused() {
    let app = spawn_app().await;
    let big = vec![b'x'; 600 * 1024];
    let refused = app
        .send(Method::PUT, "/api/v1/years/2024/library", &[CSV], big)
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    app.send(
        Method::PUT,
        "/api/v1/years/2024/library",
        &[("content-type", "application/json")],
        b"{}".to_vec(),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    let latin1 = app
        .send(
            Method::PUT,
            "/api/v1/years/2024/library",
            &[CSV],
            vec![0xff, 0xfe, 0x41],
        )
        .await;
    assert_eq!(latin1.status, 422);
}
