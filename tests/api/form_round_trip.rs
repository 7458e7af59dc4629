//! The self-evaluation table (自评表) as it goes out and comes back: every departmental
//! fixture's table, downloaded and posted back unchanged, is taken as it went (200, the same
//! version and ETag, the same report); the cached values of its formulas are the report's
//! figures, for readers that do not recalculate; a partial reading keeps the stored value of
//! a cell it could not read.

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::forms::upload;
use crate::helpers::{evaluation_path, spawn_app};
use crate::real_reports::fixture;

/// The fixtures that are a department's report: a directory under `tests/fixtures/` with a
/// `department.json` beside its `report.json`, and the year its name carries.
fn departmental_fixtures() -> Vec<(String, i32)> {
    fixtures_of("report.json")
}

/// The fixtures with a `department.json` beside `document`, and the year each name carries.
pub fn fixtures_of(document: &str) -> Vec<(String, i32)> {
    let root = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<(String, i32)> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{root}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("department.json").is_file() && dir.join(document).is_file())
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let year = name
                .split('-')
                .find_map(|part| part.parse::<i32>().ok().filter(|y| *y > 1990))
                .unwrap_or_else(|| panic!("{name} names no year"));
            (name, year)
        })
        .collect();
    found.sort();
    found
}

#[actix_rt::test]
async fn every_fixtures_table_posted_back_unchanged_changes_nothing() {
    let fixtures = departmental_fixtures();
    // Every departmental report among the fixtures; the project tables are another kind.
    assert!(
        fixtures.len() >= 4,
        "the departmental fixtures: {fixtures:?}"
    );
    let app = spawn_app().await;
    let mut refused = Vec::new();
    for (name, year) in &fixtures {
        let department = fixture(name, "department");
        let report = fixture(name, "report");
        let created = app.post("/api/v1/departments", &department).await;
        assert_eq!(created.status, 201, "{name}: {}", created.body);
        let path = evaluation_path(department["code"].as_str().unwrap(), *year);
        let stored = app.put(&path, &report).await;
        assert_eq!(stored.status, 201, "{name}: {}", stored.body);
        let etag = stored.header("etag");

        let form = app.get(&format!("{path}/form.xlsx")).await;
        assert_eq!(form.status, 200, "{name}: {}", form.body);
        let back = upload(&app, &path, "", form.bytes).await;
        if back.status != 200 {
            refused.push(format!("{name}: {} {}", back.status, back.body));
            continue;
        }
        if back.body["version"] != stored.body["version"] || back.body["unreadable"] != json!([]) {
            refused.push(format!("{name}: {}", back.body));
            continue;
        }
        let read = app.get(&path).await;
        assert_eq!(read.header("etag"), etag, "{name}: a new version");
        if read.body["report"] != report {
            refused.push(format!(
                "{name}: read back as {}",
                serde_json::to_string_pretty(&read.body["report"]).unwrap()
            ));
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n\n"));
}

/// An amount of the report (a decimal string in 万元) as a spreadsheet number.
fn figure(value: &Value) -> Option<f64> {
    value.as_str().map(|text| text.parse().unwrap())
}

/// 年初预算数, 全年预算数, 全年执行数 of the report's total, basic and project rows; the total
/// is basic plus projects where the report states none, an empty cell counting 0.
fn budget_rows(report: &Value) -> [[Option<f64>; 3]; 3] {
    let budget = &report["budget"];
    let columns = |amounts: &Value| {
        ["initial", "adjusted", "executed"].map(|column| figure(&amounts[column]))
    };
    let basic = columns(&budget["basic"]["amounts"]);
    let projects = columns(&budget["projects"]["amounts"]);
    let total = if budget["total"].is_object() {
        columns(&budget["total"])
    } else {
        [0, 1, 2].map(|i| Some(basic[i].unwrap_or(0.0) + projects[i].unwrap_or(0.0)))
    };
    [total, basic, projects]
}

fn close(cached: Option<&Data>, expected: Option<f64>) -> bool {
    match (cached, expected) {
        (Some(Data::Float(cached)), Some(expected)) => (cached - expected).abs() < 1e-9,
        (Some(Data::Int(cached)), Some(expected)) => (*cached as f64 - expected).abs() < 1e-9,
        (None | Some(Data::Empty), None) => true,
        (Some(Data::String(text)), None) => text.is_empty(),
        _ => false,
    }
}

#[actix_rt::test]
async fn every_formula_in_a_fixtures_table_caches_the_reports_figure() {
    let app = spawn_app().await;
    let mut wrong = Vec::new();
    for (name, year) in departmental_fixtures() {
        let department = fixture(&name, "department");
        let report = fixture(&name, "report");
        assert_eq!(
            app.post("/api/v1/departments", &department).await.status,
            201
        );
        let path = evaluation_path(department["code"].as_str().unwrap(), year);
        assert_eq!(app.put(&path, &report).await.status, 201, "{name}");
        let form = app.get(&format!("{path}/form.xlsx")).await;
        let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(form.bytes)).unwrap();
        let values = workbook.worksheet_range("自评表").unwrap();
        let formulas = workbook.worksheet_formula("自评表").unwrap();
        let mut checked = Vec::new();
        for (i, [initial, adjusted, executed]) in budget_rows(&report).into_iter().enumerate() {
            let row = 4 + i as u32;
            let rate = adjusted
                .filter(|a| *a > 0.0)
                .map(|a| executed.unwrap_or(0.0) / a);
            for (column, expected) in [(3, initial), (4, adjusted), (5, executed), (7, rate)] {
                checked.push((row, column));
                let cached = values.get_value((row, column));
                if !close(cached, expected) {
                    wrong.push(format!(
                        "{name} row {}, column {column}: {cached:?}, not {expected:?}",
                        row + 1
                    ));
                }
            }
        }
        let (top, left) = formulas.start().unwrap_or_default();
        for (row, column, formula) in formulas.used_cells() {
            let at = (top + row as u32, left + column as u32);
            if !formula.is_empty() && !checked.contains(&at) {
                wrong.push(format!("{name}: an unchecked formula {formula} at {at:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[actix_rt::test]
async fn a_partial_reading_keeps_the_stored_value_of_a_cell_it_cannot_read() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let report = json!({
        "budget": {"basic": {"amounts": {"initial": "900", "adjusted": "950", "executed": "880"}}},
        "goals": {"indicators": [
            {"id": "1", "level1": "output", "level2": "数量", "name": "办理文件", "unit": "件",
             "comparison": "at_least", "target": "6000", "weight": "30"}
        ]},
        "results": {"indicators": [{"indicator_id": "1", "actual": "6205", "self_score": "30"}],
                    "stated_total_score": "92"}
    });
    assert_eq!(app.put(&path, &report).await.status, 201);

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("自评表").unwrap();
    for (row, column, text) in [
        (1, 0, "（2021年度）"),
        (2, 6, "单位代码"),
        (2, 7, "100"),
        (5, 1, "其中：基本支出"),
        (5, 5, "八百八十"),
        (8, 1, "一级指标"),
        (9, 1, "产出指标"),
        (9, 2, "数量"),
        (9, 3, "办理文件"),
        (9, 4, "≥6000件"),
        (9, 5, "6300件"),
        (9, 7, "满分"),
        (10, 0, "总分"),
        (10, 7, "九十二"),
    ] {
        sheet.write_string(row, column, text).unwrap();
    }
    for (row, column, number) in [(5, 3, 900.0), (5, 4, 960.0), (9, 6, 30.0)] {
        sheet.write_number(row, column, number).unwrap();
    }
    let table = workbook.save_to_buffer().unwrap();

    let refused = upload(&app, &path, "", table.clone()).await;
    refused.assert_problem(422, "invalid_body");
    let read = upload(&app, &path, "?partial=true", table).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let cells: Vec<&str> = read.body["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["F6", "H10", "H11"]);
    let stored = &app.get(&path).await.body["report"];
    assert_eq!(
        stored["budget"]["basic"]["amounts"],
        json!({"initial": "900", "adjusted": "960", "executed": "880"}),
        "全年执行数 as stored, 全年预算数 as read"
    );
    assert_eq!(
        stored["results"]["indicators"],
        json!([{"indicator_id": "1", "actual": "6300", "self_score": "30"}])
    );
    assert_eq!(stored["results"]["stated_total_score"], "92");
}
