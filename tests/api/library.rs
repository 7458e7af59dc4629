//! The indicator library (指标库) over HTTP: the common one by default, imported and exported
//! as CSV by the bureau, every wrong cell named, nothing stored then.

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{evaluation_path, spawn_app};

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

/// A row as (unit, project, matched by, rank, outlier).
type PeerRow = (String, Option<String>, String, Option<u64>, bool);

/// A unit of `kind` whose report states 预算调整率 (or what it calls it) as `actual`.
async fn unit_stating(
    app: &crate::helpers::TestApp,
    code: &str,
    kind: &str,
    indicator: Value,
    actual: &str,
) {
    let created = app
        .post(
            "/api/v1/departments",
            &json!({"code": code, "name": format!("单位{code}"), "kind": kind}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let mut indicator = indicator;
    indicator["id"] = json!("1");
    indicator["target"] = json!("5%");
    indicator["weight"] = json!("10");
    let report = json!({
        "goals": {"indicators": [indicator]},
        "results": {"indicators": [{"indicator_id": "1", "actual": actual}]}
    });
    let stored = app.put(&evaluation_path(code, 2024), &report).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
}

#[actix_rt::test]
async fn one_library_indicator_is_set_side_by_side_across_units_and_projects() {
    let app = spawn_app().await;
    unit_stating(
        &app,
        "100001",
        "administrative",
        json!({"name": "调整率", "library_code": "GX07"}),
        "0",
    )
    .await;
    unit_stating(
        &app,
        "100002",
        "public_institution",
        json!({"name": "预算调整率"}),
        "1%",
    )
    .await;
    unit_stating(
        &app,
        "100003",
        "administrative",
        json!({"name": "预算调整比率"}),
        "2%",
    )
    .await;
    unit_stating(
        &app,
        "100004",
        "public_institution",
        json!({"name": " 预算调整率（%）"}),
        "3%",
    )
    .await;
    unit_stating(
        &app,
        "100005",
        "administrative",
        json!({"name": "“预算调整率”"}),
        "50%",
    )
    .await;
    unit_stating(
        &app,
        "100006",
        "administrative",
        json!({"name": "播发稿件数量"}),
        "2%",
    )
    .await;
    let project = json!({
        "name": "城市道路清扫保洁",
        "goals": {"indicators": [{"id": "1", "name": "预算调整率", "target": "≤5%", "weight": "10"}]},
        "results": {"indicators": [{"indicator_id": "1", "actual": "1%"}]}
    });
    let stored = app
        .put(
            &format!("{}/projects/P1", evaluation_path("100002", 2024)),
            &project,
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);

    let table = app.get("/api/v1/years/2024/indicators/GX07").await;
    assert_eq!(table.status, 200, "{}", table.body);
    assert_eq!(table.body["indicator"]["name"], "预算调整率");
    let rows: Vec<PeerRow> = table.body["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["department_code"].as_str().unwrap().to_owned(),
                p["project_code"].as_str().map(str::to_owned),
                p["matched_by"].as_str().unwrap().to_owned(),
                p["rank"].as_u64(),
                p["outlier"].as_bool().unwrap(),
            )
        })
        .collect();
    // Lower is better: 0 first, the two 1 % share the second place, 50 % is far out.
    let row = |code: &str, project: Option<&str>, by: &str, rank: u64, outlier: bool| {
        (
            code.to_owned(),
            project.map(str::to_owned),
            by.to_owned(),
            Some(rank),
            outlier,
        )
    };
    assert_eq!(
        rows,
        [
            row("100001", None, "code", 1, false),
            row("100002", None, "name", 2, false),
            row("100002", Some("P1"), "name", 2, false),
            row("100003", None, "alias", 4, false),
            row("100004", None, "name", 5, false),
            row("100005", None, "name", 6, true),
        ]
    );
    // 0, 1, 1, 2, 3, 50: quartiles linear between ranks.
    let spread = &table.body["spread"];
    assert_eq!(spread["count"], 6);
    assert_eq!(spread["median"], "1.5");
    assert_eq!(spread["lower_quartile"], "1");
    assert_eq!(spread["upper_quartile"], "2.75");
    // A bare `5%` on 预算调整率 reads at most: every unit but the last met it.
    let first = &table.body["peers"][0];
    assert_eq!(first["comparison"], "at_most");
    assert_eq!(first["met"], true);
    assert_eq!(first["score"], "10");
    assert_eq!(table.body["peers"][5]["met"], false);

    let institutions = app
        .get("/api/v1/years/2024/indicators/GX07?kind=public_institution")
        .await;
    let codes: Vec<&str> = institutions.body["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["department_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["100002", "100002", "100004"]);

    let csv = app
        .get("/api/v1/years/2024/indicators/GX07?format=csv&lang=zh")
        .await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.bytes).unwrap();
    assert!(
        text.trim_start_matches('\u{feff}').starts_with("排名,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 7);

    // A unit sees its own row only; an indicator the library does not hold is not found.
    let filer = app.user_token("filer", "unit", Some("100003")).await;
    let own = app
        .with_token(&filer)
        .get("/api/v1/years/2024/indicators/GX07")
        .await;
    assert_eq!(own.body["peers"].as_array().unwrap().len(), 1);
    assert_eq!(own.body["peers"][0]["department_code"], "100003");
    app.get("/api/v1/years/2024/indicators/ZZ99")
        .await
        .assert_problem(404, "not_found");
}
