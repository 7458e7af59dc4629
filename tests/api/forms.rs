//! The self-evaluation table (部门整体支出绩效自评表) in Excel: written from a report, read back.

use actix_web::http::Method;
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, evaluation_path, seed_fixture, spawn_app};
use crate::review::clean_report;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let answer = app.get(&format!("{path}/form.xlsx")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type").as_deref(), Some(XLSX));
    answer.bytes
}

pub async fn upload(app: &TestApp, path: &str, query: &str, workbook: Vec<u8>) -> Answer {
    app.send(
        Method::POST,
        &format!("{path}/form{query}"),
        &[("content-type", XLSX)],
        workbook,
    )
    .await
}

/// A table as a person fills it: labels where the form has them, one cell per value, the
/// 一级指标 of the second indicator left to the merged cell above.
fn filled_table(code: &str, basic_initial: &str, level1: &str) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("自评表").unwrap();
    let text = [
        (0, 0, "部门整体支出绩效自评表"),
        (1, 0, "（2021年度）"),
        (2, 0, "部门（单位）名称"),
        (2, 2, "单位100"),
        (2, 6, "单位代码"),
        (2, 7, code),
        (4, 1, "年度资金总额"),
        (5, 1, "其中：基本支出"),
        (5, 3, basic_initial),
        (6, 1, "项目支出"),
        (7, 0, "年度总体目标"),
        (7, 1, "确保政令畅通"),
        (8, 1, "一级指标"),
        (9, 1, level1),
        (9, 2, "数量"),
        (9, 3, "办理文件"),
        (9, 4, "≥6000件"),
        (9, 5, "6205件"),
        (10, 2, "质量"),
        (10, 3, "文件差错率"),
        (10, 4, "≤1%"),
        (10, 5, "0.5%"),
        (10, 8, "校对从严"),
        (12, 0, "总分"),
        (12, 8, "优"),
    ];
    for (row, column, value) in text {
        sheet.write_string(row, column, value).unwrap();
    }
    let numbers = [
        (4, 3, 1200.0),
        (4, 4, 1250.5),
        (4, 5, 1190.0),
        (4, 8, 9.5),
        (6, 3, 300.0),
        (9, 6, 30.0),
        (9, 7, 30.0),
        (10, 6, 20.0),
        (10, 7, 18.5),
        (12, 7, 92.0),
    ];
    for (row, column, value) in numbers {
        sheet.write_number(row, column, value).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[actix_rt::test]
async fn the_seed_round_trips_through_the_self_evaluation_table_exactly() {
    let app = spawn_app().await;
    let fixture = seed_fixture();
    assert_eq!(
        app.post("/api/v1/departments", &fixture["department"])
            .await
            .status,
        201
    );
    let path = evaluation_path("101001", 2021);
    assert_eq!(app.put(&path, &fixture["report"]).await.status, 201);

    let workbook = download(&app, &path).await;
    let mut read: Xlsx<_> = Xlsx::new(std::io::Cursor::new(workbook.clone())).unwrap();
    let sheet = read.worksheet_range("自评表").expect("the sheet 自评表");
    let cell = |row: u32, column: u32| sheet.get_value((row, column)).cloned();
    assert_eq!(
        cell(0, 0),
        Some(Data::String("部门整体支出绩效自评表".into()))
    );
    assert_eq!(cell(2, 2), Some(Data::String("开福区政府办公室".into())));
    assert_eq!(cell(5, 1), Some(Data::String("其中：基本支出".into())));
    assert_eq!(cell(5, 3), Some(Data::Float(1659.36)));
    assert_eq!(cell(5, 4), Some(Data::Float(1695.04)));
    assert_eq!(cell(6, 3), Some(Data::Float(1081.0)));
    let merged = read.merge_cells_by_sheet_name("自评表").unwrap();
    assert!(
        merged.iter().any(|m| m.start == (0, 0) && m.end == (0, 8)),
        "the title spans the table: {merged:?}"
    );

    let back = upload(&app, &path, "", workbook).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(back.body["unreadable"], json!([]));
    assert!(
        back.body["report"] == fixture["report"],
        "the report read back from the table differs from the one posted"
    );
    assert_eq!(
        back.body["version"], 1,
        "nothing changed, so no new version"
    );
}

#[actix_rt::test]
async fn a_report_with_indicators_round_trips_and_a_table_filled_in_excel_becomes_the_draft() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    let path = evaluation_path("100", 2021);
    let mut report = clean_report();
    report["results"]["stated_total_score"] = json!("99.5");
    report["results"]["stated_grade"] = json!("excellent");
    assert_eq!(app.put(&path, &report).await.status, 201);
    let back = upload(&app, &path, "", download(&app, &path).await).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(back.body["report"], report);

    let other = evaluation_path("200", 2021);
    let blank = download(&app, &other).await;
    let filled = upload(&app, &other, "", filled_table("200", "900", "产出指标")).await;
    assert_eq!(filled.status, 201, "{}", filled.body);
    assert!(!blank.is_empty());
    let stored = app.get(&other).await;
    assert_eq!(
        stored.body["report"],
        json!({
            "budget": {
                "total": {"initial": "1200", "adjusted": "1250.5", "executed": "1190"},
                "basic": {"amounts": {"initial": "900"}},
                "projects": {"amounts": {"initial": "300"}}
            },
            "goals": {"overall_goal": "确保政令畅通", "indicators": [
                {"id": "row10", "level1": "output", "level2": "数量", "name": "办理文件", "unit": "件",
                 "comparison": "at_least", "target": "6000", "weight": "30"},
                {"id": "row11", "level1": "output", "level2": "质量", "name": "文件差错率", "unit": "%",
                 "comparison": "at_most", "target": "1", "weight": "20"}
            ]},
            "results": {
                "indicators": [
                    {"indicator_id": "row10", "actual": "6205", "self_score": "30"},
                    {"indicator_id": "row11", "actual": "0.5", "self_score": "18.5", "deviation_reason": "校对从严"}
                ],
                "stated_total_score": "92", "stated_grade": "excellent", "stated_execution_score": "9.5"
            }
        })
    );
}

#[actix_rt::test]
async fn a_table_with_unreadable_cells_stores_nothing_unless_partial_is_asked() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let table = filled_table("100", "九百", "产品指标");

    let refused = upload(&app, &path, "", table.clone()).await;
    let errors = refused.assert_problem(422, "invalid_body");
    let cells: Vec<&str> = errors.iter().map(|(cell, _)| cell.as_str()).collect();
    assert_eq!(cells, ["自评表!D6", "自评表!B10"]);
    app.get(&path).await.assert_problem(404, "not_found");

    let partial = upload(&app, &path, "?partial=true", table).await;
    assert_eq!(partial.status, 201, "{}", partial.body);
    let unreadable: Vec<(Value, Value)> = partial.body["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["sheet"].clone(), c["cell"].clone()))
        .collect();
    assert_eq!(
        unreadable,
        [
            (json!("自评表"), json!("D6")),
            (json!("自评表"), json!("B10"))
        ]
    );
    let report = &partial.body["report"];
    assert_eq!(report["budget"]["basic"], Value::Null);
    assert_eq!(
        report["goals"]["indicators"],
        Value::Null,
        "the rows under 产品指标"
    );
    assert_eq!(report["goals"]["overall_goal"], "确保政令畅通");

    let another_unit = upload(&app, &path, "", filled_table("999", "900", "产出指标")).await;
    let errors = another_unit.assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "自评表!H3");

    let not_a_workbook = upload(&app, &path, "", b"PK not really".to_vec()).await;
    not_a_workbook.assert_problem(422, "invalid_body");
    let json_body = app.post(&format!("{path}/form"), &json!({})).await;
    json_body.assert_problem(415, "unsupported_media_type");
}

#[actix_rt::test]
async fn the_command_line_writes_the_same_documents_as_the_service() {
    let app = spawn_app().await;
    let fixture = seed_fixture();
    assert_eq!(
        app.post("/api/v1/departments", &fixture["department"])
            .await
            .status,
        201
    );
    let path = evaluation_path("101001", 2021);
    assert_eq!(app.put(&path, &fixture["report"]).await.status, 201);

    let out = std::env::temp_dir().join(format!("perfeval-render-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let fixtures = format!(
        "{}/tests/fixtures/kaifu-2021-government-office",
        env!("CARGO_MANIFEST_DIR")
    );
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_perfeval"))
        .args(["render", "--year", "2021"])
        .arg("--department")
        .arg(format!("{fixtures}/department.json"))
        .arg("--report")
        .arg(format!("{fixtures}/report.json"))
        .arg("--html")
        .arg(out.join("report.html"))
        .arg("--xlsx")
        .arg(out.join("form.xlsx"))
        .status()
        .expect("perfeval runs");
    assert!(status.success());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let served = app.get(&format!("{path}/report")).await;
    assert_eq!(Some(html.as_str()), served.body.as_str());
    let workbook = std::fs::read(out.join("form.xlsx")).unwrap();
    let back = upload(&app, &path, "", workbook).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(back.body["report"] == fixture["report"]);
    std::fs::remove_dir_all(&out).unwrap();
}

#[actix_rt::test]
async fn a_cell_far_beyond_the_table_is_not_read_and_costs_nothing() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("自评表").unwrap();
    for (row, column, text) in [
        (1, 0, "（2021年度）"),
        (2, 6, "单位代码"),
        (2, 7, "100"),
        (7, 0, "年度总体目标"),
        (7, 1, "确保政令畅通"),
    ] {
        sheet.write_string(row, column, text).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "far out").unwrap();
    let read = upload(&app, &path, "", workbook.save_to_buffer().unwrap()).await;
    assert_eq!(read.status, 201, "{}", read.body);
    assert_eq!(read.body["report"]["goals"]["overall_goal"], "确保政令畅通");
}

/// A flat form (no 一级 / 二级) goes out to the table and comes back as it was.
#[actix_rt::test]
async fn a_flat_form_round_trips_through_the_table() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let report = json!({
        "budget": {"total": {"initial": "100", "adjusted": "100", "executed": "95"}},
        "goals": {"indicators": [
            {"id": "1", "name": "办理文件", "unit": "件", "comparison": "at_least", "target": "6000",
             "weight": "90", "core": false}
        ]},
        "results": {"indicators": [{"indicator_id": "1", "actual": "6205", "self_score": "90"}]}
    });
    assert_eq!(app.put(&path, &report).await.status, 201);
    let back = upload(&app, &path, "", download(&app, &path).await).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(back.body["report"], report);
}
