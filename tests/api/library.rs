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

/// The departments comparison's row of `code` in 2024 (the stored projection).
async fn compared_row(app: &crate::helpers::TestApp, code: &str) -> Value {
    let rows = app
        .get("/api/v1/comparisons/departments?year=2024&limit=500")
        .await;
    assert_eq!(rows.status, 200, "{}", rows.body);
    rows.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department_code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("no row of {code}: {}", rows.body))
}

#[actix_rt::test]
async fn the_years_own_library_decides_how_a_bare_target_scores() {
    let app = spawn_app().await;
    unit_stating(
        &app,
        "100001",
        "administrative",
        json!({"name": "预算调整率"}),
        "0",
    )
    .await;
    let score_path = format!("{}/score", evaluation_path("100001", 2024));
    let findings_path = format!("{}/findings", evaluation_path("100001", 2024));
    let read_by_library = |findings: &Value| {
        findings["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "target_read_by_library")
    };
    // The common library: 预算调整率 is lower is better, so `5%` reads at most and 0 meets it.
    let common = app.get(&score_path).await;
    assert_eq!(common.body["indicators"][0]["comparison"], "at_most");
    assert_eq!(common.body["indicators"][0]["met"], true);
    assert!(read_by_library(&app.get(&findings_path).await.body));
    assert_eq!(compared_row(&app, "100001").await["indicators_met"], 1);

    // A library that says the opposite: the year reads `5%` as at least, and 0 misses it.
    let exported = app.get("/api/v1/years/2024/library/export").await;
    let flipped = String::from_utf8(exported.bytes)
        .unwrap()
        .lines()
        .map(|line| {
            if line.starts_with("GX07,") {
                line.replace(",lower_is_better,", ",higher_is_better,")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    let imported = app
        .send(
            Method::PUT,
            "/api/v1/years/2024/library",
            &[CSV],
            flipped.into_bytes(),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    let own = app.get(&score_path).await;
    assert_eq!(own.body["indicators"][0]["comparison"], "at_least");
    assert_eq!(own.body["indicators"][0]["met"], false);
    assert!(!read_by_library(&app.get(&findings_path).await.body));
    // The stored comparison rows were rescored in the same change.
    assert_eq!(compared_row(&app, "100001").await["indicators_met"], 0);

    // Removing it brings the common reading back, scores and rows alike.
    assert_eq!(app.delete("/api/v1/years/2024/library").await.status, 204);
    let again = app.get(&score_path).await;
    assert_eq!(again.body["indicators"][0]["comparison"], "at_most");
    assert_eq!(compared_row(&app, "100001").await["indicators_met"], 1);
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Imports `body` of `media` as the 2024 library.
async fn import(
    requester: &crate::helpers::Requester<'_>,
    media: &str,
    body: Vec<u8>,
) -> crate::helpers::Answer {
    requester
        .send(
            Method::PUT,
            "/api/v1/years/2024/library",
            &[("content-type", media), ("accept-language", "en")],
            body,
        )
        .await
}

#[actix_rt::test]
async fn a_library_exported_as_a_workbook_imports_back_as_a_file_or_a_form_field() {
    let app = spawn_app().await;
    let csv = app.get("/api/v1/years/2024/library/export").await.bytes;
    let exported = app
        .get("/api/v1/years/2024/library/export?format=xlsx")
        .await;
    assert_eq!(exported.status, 200);
    assert_eq!(exported.header("content-type").unwrap(), XLSX);
    assert!(exported.bytes.starts_with(b"PK"));
    let workbook = exported.bytes;

    let imported = import(&app.admin(), XLSX, workbook.clone()).await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(imported.body["origin"]["kind"], "imported");
    assert_eq!(
        app.get("/api/v1/years/2024/library/export").await.bytes,
        csv
    );

    // The same file as bytes, and as a browser's file input sends it.
    let bytes = import(&app.admin(), "application/octet-stream", workbook.clone()).await;
    assert_eq!(bytes.status, 200, "{}", bytes.body);
    let form = crate::upload_types::multipart(&[("file", Some("指标库.xlsx"), &workbook)]);
    let field = import(&app.admin(), &crate::upload_types::multipart_type(), form).await;
    assert_eq!(field.status, 200, "{}", field.body);
    // A CSV file in the form field is read as CSV, by its bytes.
    let form = crate::upload_types::multipart(&[("file", Some("library.csv"), &csv)]);
    let text = import(&app.admin(), &crate::upload_types::multipart_type(), form).await;
    assert_eq!(text.status, 200, "{}", text.body);
    assert_eq!(
        app.get("/api/v1/years/2024/library/export").await.bytes,
        csv
    );
}

/// A workbook whose one sheet, named `sheet`, holds `rows` (inline strings, from A1).
fn workbook_of(sheet: &str, rows: &[&[&str]]) -> Vec<u8> {
    use crate::make::{Entry, archive, sheet_xml, text_cell};
    let mut data = String::new();
    for (r, cells) in rows.iter().enumerate() {
        data.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, text) in cells.iter().enumerate() {
            let column = char::from(b'A' + u8::try_from(c).unwrap());
            data.push_str(&text_cell(&format!("{column}{}", r + 1), text));
        }
        data.push_str("</row>");
    }
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let relationships = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    archive(&[
        Entry::deflated("xl/workbook.xml", workbook.as_bytes()),
        Entry::deflated("xl/_rels/workbook.xml.rels", relationships.as_bytes()),
        Entry::deflated(crate::make::SHEET_PART, sheet_xml(&data).as_bytes()),
    ])
}

#[actix_rt::test]
async fn a_library_workbook_with_wrong_rows_or_past_a_bound_is_refused_after_the_right() {
    let app = spawn_app().await;
    let heading: Vec<&str> = "code,name,aliases,level1,level2,definition,unit,direction,formula,metric,scoring_rule,scoring_standard,report_kinds,unit_kinds,project_kinds,sector,source"
        .split(',')
        .collect();
    let mut wrong: Vec<&str> = vec![""; heading.len()];
    wrong[0] = "A1";
    wrong[1] = "甲";
    wrong[7] = "sideways";
    wrong[16] = "出处";
    let rows = workbook_of("指标库", &[&heading, &wrong]);
    let refused = import(&app.admin(), XLSX, rows).await;
    let errors = refused.assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "line 2, direction");
    // Not the sheet a library is on.
    let other = workbook_of("自评表", &[&heading]);
    import(&app.admin(), XLSX, other)
        .await
        .assert_problem(422, "invalid_body");
    // A legacy workbook, and the bounds of the table's upload.
    let mut legacy = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    legacy.resize(2048, 0);
    import(&app.admin(), "application/octet-stream", legacy)
        .await
        .assert_problem(415, "save_as_xlsx");
    let entries = import(&app.admin(), XLSX, crate::make::entry_bomb(5_000)).await;
    entries.assert_problem(413, "workbook_too_large");
    assert_eq!(
        entries.body["detail"],
        "the workbook has more than 1000 zip entries"
    );
    let bomb = {
        // A library's sheet inflating to 64 MiB that declares 1,000 bytes.
        let sheet = crate::make::Entry {
            name: crate::make::SHEET_PART.to_owned(),
            method: 8,
            data: crate::make::deflate_bomb("<worksheet><sheetData>", 64 * 1024 * 1024),
            declared_size: 1_000,
        };
        let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="指标库" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
        let relationships = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
        crate::make::archive(&[
            crate::make::Entry::deflated("xl/workbook.xml", workbook.as_bytes()),
            crate::make::Entry::deflated("xl/_rels/workbook.xml.rels", relationships.as_bytes()),
            sheet,
        ])
    };
    let inflated = import(&app.admin(), XLSX, bomb.clone()).await;
    inflated.assert_problem(413, "workbook_too_large");
    assert_eq!(
        inflated.body["detail"],
        "the part xl/worksheets/sheet1.xml inflates to more than 16777216 bytes"
    );
    // Neither is looked at for a caller without the right: refused as such, at once.
    let analyst = app.user_token("analyst1", "analyst", None).await;
    let started = std::time::Instant::now();
    import(&app.with_token(&analyst), XLSX, bomb)
        .await
        .assert_problem(403, "forbidden");
    assert!(started.elapsed() < std::time::Duration::from_millis(1500));
    let read = app.get("/api/v1/years/2024/library").await;
    assert_eq!(read.body["origin"]["kind"], "common");
}

/// Creates unit `code` of `kind`.
async fn unit(app: &crate::helpers::TestApp, code: &str, kind: &str) {
    let created = app
        .post(
            "/api/v1/departments",
            &json!({"code": code, "name": format!("单位{code}"), "kind": kind}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
}

/// Stores `code`'s report of `year` with one indicator per row: (name, target, actual).
async fn report_of(
    app: &crate::helpers::TestApp,
    code: &str,
    year: i32,
    rows: &[(&str, &str, &str)],
) {
    let indicators: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (name, target, _))| {
            json!({"id": format!("{}", i + 1), "name": name, "target": target, "weight": "10"})
        })
        .collect();
    let results: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (_, _, actual))| json!({"indicator_id": format!("{}", i + 1), "actual": actual}))
        .collect();
    let report = json!({"goals": {"indicators": indicators}, "results": {"indicators": results}});
    let stored = app.put(&evaluation_path(code, year), &report).await;
    assert!(
        stored.status == 201 || stored.status == 200,
        "{}",
        stored.body
    );
}

/// The suggestion of `code` in an answer.
fn suggestion<'a>(answer: &'a Value, code: &str) -> Option<&'a Value> {
    answer["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["indicator"]["code"] == code)
}

#[actix_rt::test]
async fn targets_are_suggested_with_the_units_own_last_year_and_a_median_only_of_enough_like_units()
{
    let app = spawn_app().await;
    unit(&app, "100001", "administrative").await;
    report_of(&app, "100001", 2023, &[("预算执行率", "≥90%", "90%")]).await;
    // Five other administrative units state 预算执行率, four of them 预算调整率.
    for (code, execution, adjustment) in [
        ("100002", "80%", Some("1%")),
        ("100003", "85%", Some("2%")),
        ("100004", "95%", Some("3%")),
        ("100005", "97%", Some("4%")),
        ("100006", "99%", None),
    ] {
        unit(&app, code, "administrative").await;
        let mut rows = vec![("预算执行率", "≥90%", execution)];
        if let Some(adjustment) = adjustment {
            rows.push(("预算调整率", "≤5%", adjustment));
        }
        report_of(&app, code, 2023, &rows).await;
    }
    // A unit of another kind does not count among like units.
    unit(&app, "100007", "public_institution").await;
    report_of(
        &app,
        "100007",
        2023,
        &[("预算执行率", "≥90%", "10%"), ("预算调整率", "≤5%", "90%")],
    )
    .await;

    let filer = app.user_token("filer", "unit", Some("100001")).await;
    let path = format!("{}/target-suggestions", evaluation_path("100001", 2024));
    let answer = app.with_token(&filer).get(&path).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["min_units_for_median"], 5);
    let execution = suggestion(&answer.body, "GX06").expect("预算执行率 is suggested");
    assert_eq!(execution["last_year"]["actual"], "90%");
    assert_eq!(execution["last_year"]["actual_value"], "90");
    assert_eq!(execution["like_units"]["count"], 5);
    assert_eq!(execution["like_units"]["median"], "95");
    // Four like units are too few: their median is not given, nor any of their figures.
    let adjustment = suggestion(&answer.body, "GX07").expect("预算调整率 is suggested");
    assert!(adjustment.get("last_year").is_none());
    assert_eq!(adjustment["like_units"]["count"], 4);
    assert!(adjustment["like_units"]["median"].is_null());
    // Qualitative indicators are suggested without figures.
    let rules = suggestion(&answer.body, "GX14").expect("管理制度健全性 is suggested");
    assert!(rules.get("like_units").is_none());

    // A project's targets: only the indicators of project tables.
    let project = app
        .with_token(&filer)
        .get(&format!("{path}?project_kind={}", urlencoding("基础设施")))
        .await;
    assert_eq!(project.status, 200, "{}", project.body);
    assert!(suggestion(&project.body, "GX21").is_some());
    assert!(suggestion(&project.body, "GX07").is_none());

    // Another unit cannot ask for this one's; a project kind is 1 to 100 characters.
    let other = app.user_token("other", "unit", Some("100002")).await;
    app.with_token(&other)
        .get(&path)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{path}?project_kind={}", "k".repeat(101)))
        .await
        .assert_problem(400, "invalid_parameters");
}

#[actix_rt::test]
async fn a_target_easier_than_the_units_own_last_actual_is_a_warning() {
    let app = spawn_app().await;
    unit(&app, "100001", "administrative").await;
    report_of(
        &app,
        "100001",
        2023,
        &[
            ("预算执行率", "≥90%", "96%"),
            ("预算调整率", "≤5%", "2%"),
            ("服务对象满意度", "≥90%", "92%"),
        ],
    )
    .await;
    report_of(
        &app,
        "100001",
        2024,
        &[
            ("预算执行率", "≥90%", "97%"),
            ("预算调整率", "5%", "1%"),
            ("群众满意度", "≥95%", "96%"),
        ],
    )
    .await;
    let findings = app
        .get(&format!("{}/findings", evaluation_path("100001", 2024)))
        .await;
    assert_eq!(findings.status, 200, "{}", findings.body);
    let easy: Vec<(&str, &str)> = findings.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "target_easier_than_last_year")
        .map(|f| (f["path"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    // 90 % after 96 %, and at most 5 % after 2 %; 95 % after 92 % (an alias of the same
    // indicator) is no easier.
    assert_eq!(
        easy,
        [
            ("goals.indicators[0].target", "warning"),
            ("goals.indicators[1].target", "warning"),
        ]
    );
}

#[actix_rt::test]
async fn a_sector_library_is_imported_beside_the_common_one_and_read_by_sector() {
    let app = spawn_app().await;
    let sector = "城乡建设";
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/library-sector-sponge-city-2016/library.csv"
    ))
    .unwrap();
    let path = format!("/api/v1/years/2024/library?sector={}", urlencoding(sector));
    let imported = app.send(Method::PUT, &path, &[CSV], text.clone()).await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    let codes = |answer: &Value| -> Vec<String> {
        answer["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // The common indicators stay beside the sector's.
    let all = codes(&imported.body);
    assert!(all.contains(&"GX07".to_owned()) && all.contains(&"HM02".to_owned()));
    let only = app.get(&path).await;
    assert_eq!(codes(&only.body).len(), 9);
    assert!(codes(&only.body).iter().all(|c| c.starts_with("HM")));
    let common = app.get("/api/v1/years/2024/library?sector=common").await;
    assert_eq!(codes(&common.body).len(), 25);
    // The sector exported alone imports again as it was.
    let exported = app
        .get(&format!(
            "/api/v1/years/2024/library/export?sector={}",
            urlencoding(sector)
        ))
        .await;
    assert_eq!(exported.status, 200);
    let again = app
        .send(Method::PUT, &path, &[CSV], exported.bytes.clone())
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    // A sector import holds only its sector, and takes no code the others use.
    let common_csv = app
        .get("/api/v1/years/2024/library/export?sector=common")
        .await
        .bytes;
    let refused = app.send(Method::PUT, &path, &[CSV], common_csv).await;
    let errors = refused.assert_problem(422, "invalid_body");
    assert!(errors[0].1.contains("GX01"), "{errors:?}");
    // A sector's indicators are removed apart from the rest.
    assert_eq!(app.delete(&path).await.status, 204);
    let left = app.get("/api/v1/years/2024/library").await;
    assert_eq!(codes(&left.body).len(), 25);
    app.delete(&path).await.assert_problem(404, "not_found");
    app.get("/api/v1/years/2024/library?sector=")
        .await
        .assert_problem(400, "invalid_parameters");
}

/// `text` percent-encoded for a query.
fn urlencoding(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[actix_rt::test]
async fn an_approved_target_keeps_its_reading_when_the_years_library_changes_and_the_report_still_takes_edits()
 {
    let app = spawn_app().await;
    unit_stating(
        &app,
        "100001",
        "administrative",
        json!({"name": "预算调整率"}),
        "0",
    )
    .await;
    let path = evaluation_path("100001", 2024);
    let approved = app
        .send(
            Method::POST,
            &format!("{path}/goals/approve"),
            &[("if-match", "\"1\"")],
            Vec::new(),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let exported = app.get("/api/v1/years/2024/library/export").await;
    let flipped = String::from_utf8(exported.bytes)
        .unwrap()
        .lines()
        .map(|line| {
            if line.starts_with("GX07,") {
                line.replace(",lower_is_better,", ",higher_is_better,")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    let imported = app
        .send(
            Method::PUT,
            "/api/v1/years/2024/library",
            &[CSV],
            flipped.into_bytes(),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    // Approved as at most 5 %, it is scored so, and an edit that leaves it alone is taken.
    let score = app.get(&format!("{path}/score")).await;
    assert_eq!(score.body["indicators"][0]["comparison"], "at_most");
    assert_eq!(score.body["indicators"][0]["met"], true);
    let mut report = app.get(&path).await.body["report"].clone();
    report["results"]["indicators"][0]["actual"] = json!("1%");
    let edited = app.put(&path, &report).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
}

#[actix_rt::test]
async fn a_sector_import_names_the_line_of_each_indicator_it_refuses() {
    let app = spawn_app().await;
    let heading = "code,name,aliases,level1,level2,definition,unit,direction,formula,metric,scoring_rule,scoring_standard,report_kinds,unit_kinds,project_kinds,sector,source";
    // Line 3 takes a common indicator's name, line 4 is of another sector.
    let text = format!(
        "{heading}\n\
         HY01,义务教育巩固率,,,,,%,higher_is_better,,,,,,,,教育,出处\n\
         HY02,预算执行率,,,,,%,higher_is_better,,,,,,,,教育,出处\n\
         HY03,床位使用率,,,,,%,higher_is_better,,,,,,,,卫生,出处\n"
    );
    let path = format!("/api/v1/years/2024/library?sector={}", urlencoding("教育"));
    let refused = app
        .send(
            Method::PUT,
            &path,
            &[CSV, ("accept-language", "en")],
            text.into_bytes(),
        )
        .await;
    let errors = refused.assert_problem(422, "invalid_body");
    let lines: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(lines, ["line 4", "line 3"], "{errors:?}");
    assert!(errors[0].1.contains("卫生"));
    assert!(errors[1].1.contains("预算执行率"));
    assert_eq!(
        app.get("/api/v1/years/2024/library").await.body["origin"]["kind"],
        "common"
    );
}

/// A project table of one indicator, 实际完成率, with its kind, target and actual.
fn project_of(kind: &str, target: &str, actual: &str) -> Value {
    json!({
        "name": format!("{kind}项目"),
        "kind": kind,
        "goals": {"indicators": [{"id": "1", "name": "实际完成率", "target": target, "weight": "10"}]},
        "results": {"indicators": [{"indicator_id": "1", "actual": actual}]}
    })
}

async fn store_project(
    app: &crate::helpers::TestApp,
    code: &str,
    year: i32,
    project: &str,
    table: &Value,
) {
    let path = format!("{}/projects/{project}", evaluation_path(code, year));
    let stored = app.put(&path, table).await;
    assert!(
        stored.status == 201 || stored.status == 200,
        "{}",
        stored.body
    );
}

#[actix_rt::test]
async fn a_projects_targets_are_suggested_from_the_projects_of_its_kind_and_an_easier_one_is_warned()
 {
    let app = spawn_app().await;
    let sponge = "海绵城市建设";
    unit(&app, "100001", "administrative").await;
    store_project(
        &app,
        "100001",
        2023,
        "P-1",
        &project_of(sponge, "≥90%", "98%"),
    )
    .await;
    // Five like units each ran a sponge-city project and a street-cleaning one in 2023.
    for (code, rate) in [
        ("100002", "80%"),
        ("100003", "85%"),
        ("100004", "95%"),
        ("100005", "97%"),
        ("100006", "99%"),
    ] {
        unit(&app, code, "administrative").await;
        store_project(&app, code, 2023, "S", &project_of(sponge, "≥90%", rate)).await;
        store_project(
            &app,
            code,
            2023,
            "C",
            &project_of("道路保洁", "≥90%", "10%"),
        )
        .await;
    }
    let path = format!("{}/target-suggestions", evaluation_path("100001", 2024));
    let median = |answer: &Value| {
        suggestion(answer, "GX21").expect("实际完成率 is suggested")["like_units"]["median"].clone()
    };
    // The median of the sponge-city projects only: 80, 85, 95, 97, 99.
    let of_kind = app
        .get(&format!("{path}?project_kind={}", urlencoding(sponge)))
        .await;
    assert_eq!(of_kind.status, 200, "{}", of_kind.body);
    assert_eq!(median(&of_kind.body), "95");
    let cleaning = app
        .get(&format!("{path}?project_kind={}", urlencoding("道路保洁")))
        .await;
    assert_eq!(median(&cleaning.body), "10");
    // Named by its code, the project's own kind is taken, with its own last year.
    store_project(
        &app,
        "100001",
        2024,
        "P-1",
        &project_of(sponge, "≥90%", "96%"),
    )
    .await;
    let of_project = app.get(&format!("{path}?project=P-1")).await;
    assert_eq!(median(&of_project.body), "95");
    let own = &suggestion(&of_project.body, "GX21").unwrap()["last_year"];
    assert_eq!(own["actual"], "98%");
    // A project of no known kind: every project of the like units, as before.
    let unknown = app.get(&format!("{path}?project=P-9")).await;
    assert_ne!(median(&unknown.body), "95");

    // ≥90 % after 98 % the year before: a target easily met, on the project table too.
    let score = app
        .get(&format!(
            "{}/projects/P-1/score",
            evaluation_path("100001", 2024)
        ))
        .await;
    assert_eq!(score.status, 200, "{}", score.body);
    let easy: Vec<&str> = score.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "target_easier_than_last_year")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(easy, ["goals.indicators[0].target"]);

    // A kind is 1 to 100 characters.
    for kind in [String::new(), "类".repeat(101)] {
        let mut table = project_of(sponge, "≥90%", "96%");
        table["kind"] = json!(kind);
        let refused = app
            .put(
                &format!("{}/projects/P-2", evaluation_path("100001", 2024)),
                &table,
            )
            .await;
        let errors = refused.assert_problem(422, "invalid_body");
        assert!(errors.iter().any(|(path, _)| path == "kind"), "{errors:?}");
    }
}

#[actix_rt::test]
async fn a_figure_without_a_unit_is_read_in_the_library_units_and_said() {
    let app = spawn_app().await;
    unit(&app, "100001", "administrative").await;
    report_of(&app, "100001", 2023, &[("预算执行率", "≥90%", "96")]).await;
    report_of(&app, "100001", 2024, &[("预算执行率", "90", "95")]).await;
    let path = evaluation_path("100001", 2024);
    let score = app.get(&format!("{path}/score")).await;
    assert_eq!(score.status, 200, "{}", score.body);
    let reading = &score.body["indicators"][0]["reading"];
    assert_eq!(
        (&reading["comparison"], &reading["value"], &reading["unit"]),
        (&json!("at_least"), &json!("90"), &json!("%"))
    );
    let findings = app.get(&format!("{path}/findings")).await;
    let all = findings.body["findings"].as_array().unwrap();
    let read = all
        .iter()
        .find(|f| f["rule"] == "target_read_by_library")
        .expect("the unit read from the library is said");
    assert_eq!(read["path"], "goals.indicators[0].target");
    let figures = read["figures"].as_array().unwrap();
    assert!(figures.contains(&json!({"label": "unit (library)", "value": "%"})));
    assert!(figures.contains(&json!({"label": "read as", "value": "≥ 90%"})));
    // Last year's 96, in the same unit, is above this year's 90.
    assert!(
        all.iter()
            .any(|f| f["rule"] == "target_easier_than_last_year")
    );

    // Side by side, an actual in another unit than the library's is not ranked.
    unit(&app, "100002", "administrative").await;
    report_of(&app, "100002", 2024, &[("预算执行率", "≥90%", "950万元")]).await;
    let peers = app.get("/api/v1/years/2024/indicators/GX06").await;
    assert_eq!(peers.status, 200, "{}", peers.body);
    let ranks: Vec<(&str, Option<u64>)> = peers.body["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["department_code"].as_str().unwrap(), p["rank"].as_u64()))
        .collect();
    assert_eq!(ranks, [("100001", Some(1)), ("100002", None)]);
    assert_eq!(peers.body["spread"]["count"], 1);
}
