//! 项目支出绩效自评表 as a workbook (`…/projects/{project}/form.xlsx`), out and back in: every
//! project fixture's form, sent back unchanged, changes nothing; a form read into a new project
//! brings its money back to the last place; an unreadable cell is named by sheet and address
//! and stores nothing unless `partial` is asked; the upload is bounded as the departmental
//! table's is, and a caller without the right to write is refused before a byte is read. And
//! the project reads answer 304 to the ETag held, as the year's tables do.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::form_round_trip::fixtures_of;
use crate::helpers::{Answer, Requester, TestApp, evaluation_path, spawn_app};
use crate::make;
use crate::projects::clean_table;
use crate::real_reports::fixture;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// How long a refusal that reads nothing may take, on a loaded machine.
const REFUSED_AT_ONCE: Duration = Duration::from_millis(1500);

fn project_path(code: &str, year: i32, project: &str) -> String {
    format!("{}/projects/{project}", evaluation_path(code, year))
}

async fn upload(
    requester: &Requester<'_>,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    workbook: Vec<u8>,
) -> (Answer, Duration) {
    let mut all = vec![("content-type", XLSX), ("accept-language", "en")];
    all.extend_from_slice(headers);
    let started = Instant::now();
    let answer = requester
        .send(
            Method::PUT,
            &format!("{path}/form.xlsx{query}"),
            &all,
            workbook,
        )
        .await;
    (answer, started.elapsed())
}

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let form = app.get(&format!("{path}/form.xlsx")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(form.header("content-type").as_deref(), Some(XLSX));
    form.bytes
}

#[actix_rt::test]
async fn every_project_fixtures_form_sent_back_unchanged_changes_nothing() {
    let fixtures = fixtures_of("project.json");
    assert!(fixtures.len() >= 7, "the project fixtures: {fixtures:?}");
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let mut tables = vec![(
        "a table in 元 with a contact".to_owned(),
        "100".to_owned(),
        2022,
        clean_table(),
    )];
    for (name, year) in &fixtures {
        let department = fixture(name, "department");
        // Two tables may be of one unit.
        let created = app.post("/api/v1/departments", &department).await;
        assert!(
            [201, 409].contains(&created.status),
            "{name}: {}",
            created.body
        );
        let code = department["code"].as_str().unwrap().to_owned();
        tables.push((name.clone(), code, *year, fixture(name, "project")));
    }
    let mut refused = Vec::new();
    for (i, (name, code, year, table)) in tables.into_iter().enumerate() {
        let path = project_path(&code, year, &format!("P-{i}"));
        let stored = app.put(&path, &table).await;
        assert_eq!(stored.status, 201, "{name}: {}", stored.body);
        let form = download(&app, &path).await;
        let (back, _) = upload(&app.admin(), &path, "", &[], form).await;
        if back.status != 200 || back.body["version"] != 1 || back.body["unreadable"] != json!([]) {
            refused.push(format!("{name}: {} {}", back.status, back.body));
            continue;
        }
        let read = app.get(&path).await;
        assert_eq!(
            read.header("etag"),
            stored.header("etag"),
            "{name}: a new version"
        );
        if read.body["table"] != table {
            refused.push(format!(
                "{name}: read back as {}",
                serde_json::to_string_pretty(&read.body["table"]).unwrap()
            ));
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n\n"));
}

#[actix_rt::test]
async fn a_form_read_into_a_new_project_brings_its_money_back_to_the_last_place() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let mut table = clean_table();
    // 18 significant digits: more than a spreadsheet number holds, so written as text.
    table["funding"]["total"]["initial"] = json!("123456789012.345678");
    table["funding"]["sources"][0]["executed"] = json!("760000.01");
    let path = project_path("100", 2022, "P-01");
    assert_eq!(app.put(&path, &table).await.status, 201);
    let form = download(&app, &path).await;

    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(form.clone())).unwrap();
    let cells = workbook.worksheet_range("自评表").unwrap();
    assert_eq!(
        cells.get_value((7, 3)),
        Some(&Data::String("123456789012.345678".to_owned())),
        "an amount a double cannot hold is written as text"
    );
    assert_eq!(cells.get_value((7, 5)), Some(&Data::Float(950000.0)));
    assert_eq!(
        cells.get_value((4, 7)),
        Some(&Data::String("元".to_owned()))
    );

    // The same form read by another service, where the project has no table yet.
    let other = spawn_app().await;
    other.create_department("100", None).await;
    let (created, _) = upload(&other.admin(), &path, "", &[], form).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.header("location"), Some(path.clone()));
    assert_eq!(created.body["unreadable"], json!([]));
    let read = other.get(&path).await.body["table"].clone();
    assert_eq!(read["funding"]["amount_unit"], "yuan");
    assert_eq!(read["funding"]["total"]["initial"], "123456789012.345678");
    assert_eq!(read["funding"]["total"]["executed"], "950000");
    assert_eq!(read["funding"]["total"]["stated_rate"], "95");
    assert_eq!(read["funding"]["total"]["stated_score"], "9.5");
    assert_eq!(read["funding"]["sources"][0]["executed"], "760000.01");
    assert_eq!(
        read["funding"]["sources"][0]["kind"],
        "current_appropriation"
    );
    assert_eq!(read["funding"]["sources"][1]["kind"], "carried_over");
    assert_eq!(read["name"], table["name"]);
    assert_eq!(read["contact"], table["contact"]);
    assert_eq!(read["overall_goals"], table["overall_goals"]);
    let names: Vec<&Value> = read["goals"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["name"])
        .collect();
    assert_eq!(names, ["清扫面积", "道路整洁", "群众满意度"]);
    assert_eq!(read["results"]["stated_total_score"], "99.5");
    assert_eq!(read["results"]["stated_grade"], "excellent");
}

/// A project form as a person fills it: labels where the form has them, one cell per value.
fn filled_form(project: &str, amount_unit: &str, executed: &str) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("自评表").unwrap();
    let text = [
        (0, 0, "项目支出绩效自评表"),
        (1, 0, "（2022年度）"),
        (2, 0, "项目名称"),
        (2, 2, "城市道路清扫保洁"),
        (2, 6, "项目代码"),
        (2, 7, project),
        (3, 0, "主管部门"),
        (3, 2, "区城市管理局"),
        (3, 6, "单位代码"),
        (3, 7, "100"),
        (4, 0, "实施单位"),
        (4, 2, "区环卫所"),
        (4, 6, "金额单位"),
        (4, 7, amount_unit),
        (7, 1, "年度资金总额"),
        (7, 5, executed),
        (8, 1, "其中：当年财政拨款"),
        (9, 0, "年度总体目标"),
        (9, 1, "预期目标"),
        (9, 5, "实际完成情况"),
        (10, 1, "保障主次干道清扫保洁"),
        (10, 5, "全年完成"),
        (11, 1, "一级指标"),
        (12, 1, "产出指标"),
        (12, 2, "数量指标"),
        (12, 3, "清扫面积"),
        (12, 4, "≥266万平方米"),
        (12, 5, "270万平方米"),
        (13, 0, "总分"),
        (13, 8, "优"),
    ];
    for (row, column, value) in text {
        sheet.write_string(row, column, value).unwrap();
    }
    for (row, column, value) in [
        (7, 3, 100.0),
        (7, 4, 100.0),
        (8, 3, 100.0),
        (12, 6, 50.0),
        (12, 7, 50.0),
        (13, 7, 95.0),
    ] {
        sheet.write_number(row, column, value).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[actix_rt::test]
async fn a_form_with_unreadable_cells_stores_nothing_unless_partial_is_asked() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = project_path("100", 2022, "P-01");

    let (refused, _) = upload(
        &app.admin(),
        &path,
        "",
        &[],
        filled_form("P-01", "美元", "九十五万"),
    )
    .await;
    let errors = refused.assert_problem(422, "invalid_body");
    let cells: Vec<&str> = errors.iter().map(|(cell, _)| cell.as_str()).collect();
    assert_eq!(cells, ["自评表!H5", "自评表!F8"]);
    app.get(&path).await.assert_problem(404, "not_found");

    let (partial, _) = upload(
        &app.admin(),
        &path,
        "?partial=true",
        &[],
        filled_form("P-01", "美元", "九十五万"),
    )
    .await;
    assert_eq!(partial.status, 201, "{}", partial.body);
    let unreadable: Vec<(Value, Value, Value)> = partial.body["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["sheet"].clone(), c["cell"].clone(), c["code"].clone()))
        .collect();
    assert_eq!(
        unreadable,
        [
            (json!("自评表"), json!("H5"), json!("not_an_amount_unit")),
            (json!("自评表"), json!("F8"), json!("not_a_number")),
        ]
    );
    let table = &partial.body["table"];
    assert_eq!(table["name"], "城市道路清扫保洁");
    assert_eq!(
        table["funding"]["total"],
        json!({"initial": "100", "full_year": "100"})
    );
    assert_eq!(
        table["funding"]["sources"],
        json!([{"name": "其中：当年财政拨款", "kind": "current_appropriation", "initial": "100"}])
    );
    assert_eq!(
        table["overall_goals"],
        json!([{"expected": "保障主次干道清扫保洁", "actual": "全年完成"}])
    );
    assert_eq!(table["goals"]["indicators"][0]["target"], "266");
    assert_eq!(table["results"]["indicators"][0]["actual"], "270");
    // A finding names the cell showing its field: nothing is executed against a budget of 100.
    let findings = partial.body["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .all(|f| f["cell"].is_null() || f["cell"].as_str().unwrap().starts_with("自评表!")),
        "{findings:?}"
    );

    let version = partial.header("etag").unwrap();
    let (another, _) = upload(
        &app.admin(),
        &path,
        "",
        &[("if-match", version.as_str())],
        filled_form("P-02", "元", "95"),
    )
    .await;
    let errors = another.assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "自评表!H3");
    // Nor is a project table taken for the unit's departmental one.
    let departmental = app
        .send(
            Method::POST,
            &format!("{}/form", evaluation_path("100", 2022)),
            &[("content-type", XLSX)],
            filled_form("P-01", "万元", "95"),
        )
        .await;
    let errors = departmental.assert_problem(422, "invalid_body");
    assert!(
        errors.iter().any(|(cell, _)| cell == "自评表!A1"),
        "{errors:?}"
    );
    let (filled, _) = upload(
        &app.admin(),
        &path,
        "",
        &[("if-match", version.as_str())],
        filled_form("P-01", "万元", "95"),
    )
    .await;
    assert_eq!(filled.status, 200, "{}", filled.body);
    assert_eq!(filled.body["table"]["funding"]["total"]["executed"], "95");
    assert_eq!(filled.body["version"], 2);
}

#[actix_rt::test]
async fn a_caller_without_the_right_to_write_is_refused_before_the_project_form_is_read() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    let analyst = app.user_token("analyst1", "analyst", None).await;
    let reviewer = app.user_token("reviewer1", "reviewer", None).await;
    let unit = app.user_token("unit200", "unit", Some("200")).await;
    let (ours, nowhere) = (
        project_path("100", 2022, "P-01"),
        project_path("999", 2022, "P-01"),
    );
    let refusals = [
        ("an analyst", analyst.as_str(), &ours, 403, "forbidden"),
        ("a reviewer", reviewer.as_str(), &ours, 403, "forbidden"),
        ("another unit", unit.as_str(), &ours, 404, "not_found"),
        (
            "the admin, on no department",
            app.admin_token.as_str(),
            &nowhere,
            404,
            "not_found",
        ),
    ];
    let workbooks = [
        ("no workbook", b"PK not a workbook".to_vec()),
        ("a zip bomb", make::zip_bomb(64 * 1024 * 1024)),
        ("too many entries", make::entry_bomb(5_000)),
    ];
    for (who, token, path, status, code) in refusals {
        for (what, workbook) in &workbooks {
            let (answer, took) =
                upload(&app.with_token(token), path, "", &[], workbook.clone()).await;
            answer.assert_problem(status, code);
            assert!(took < REFUSED_AT_ONCE, "{who} with {what}: {took:?}");
        }
    }
    // Nor for a stale `If-Match`, or a table that takes no edit.
    assert_eq!(app.put(&ours, &clean_table()).await.status, 201);
    let (stale, _) = upload(
        &app.admin(),
        &ours,
        "",
        &[("if-match", "\"7\"")],
        make::zip_bomb(64 * 1024 * 1024),
    )
    .await;
    stale.assert_problem(412, "precondition_failed");
    let submitted = app
        .send(Method::POST, &format!("{ours}/submit"), &[], Vec::new())
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let (locked, _) = upload(
        &app.admin(),
        &ours,
        "",
        &[],
        make::zip_bomb(64 * 1024 * 1024),
    )
    .await;
    locked.assert_problem(409, "evaluation_not_editable");
}

#[actix_rt::test]
async fn each_attack_workbook_on_a_project_form_is_refused_at_its_bound_and_the_service_goes_on() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = project_path("100", 2022, "P-01");
    let attacks = [
        (
            "100,001 rows",
            make::row_bomb("100", 100_001),
            "the sheet 自评表 has more than 100000 rows",
        ),
        (
            "a 32,767-character string named by 10,000 cells",
            make::one_string_many_references(10_000),
            "the cells read from the sheet 自评表 hold more than 2097152 bytes of text",
        ),
        (
            "a sheet inflating to 64 MiB that declares 1,000 bytes",
            make::zip_bomb(64 * 1024 * 1024),
            "the part xl/worksheets/sheet1.xml inflates to more than 16777216 bytes",
        ),
        (
            "5,000 zip entries",
            make::entry_bomb(5_000),
            "the workbook has more than 1000 zip entries",
        ),
    ];
    for (what, workbook, detail) in attacks {
        let (answer, took) = upload(&app.admin(), &path, "", &[], workbook).await;
        answer.assert_problem(413, "workbook_too_large");
        assert_eq!(answer.body["detail"], detail, "{what}");
        assert!(took < Duration::from_secs(5), "{what}: {took:?}");
        assert_eq!(app.get("/readyz").await.status, 200);
    }
    // A legacy workbook is recognised by its bytes; nothing was stored by any of them.
    let (legacy, _) = upload(&app.admin(), &path, "", &[], crate::upload_types::ole2()).await;
    legacy.assert_problem(415, "save_as_xlsx");
    app.get(&path).await.assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn project_reads_answer_not_modified_to_the_etag_held_until_the_data_changes() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    let other_unit = app.user_token("unit200", "unit", Some("200")).await;
    let path = project_path("100", 2022, "P-01");
    assert_eq!(app.put(&path, &clean_table()).await.status, 201);
    let list = format!("{}/projects", evaluation_path("100", 2022));
    let year = "/api/v1/years/2022/projects".to_owned();
    let form = format!("{path}/form.xlsx");

    let mut held = Vec::new();
    for read in [&path, &list, &year, &form] {
        let first = app.get(read).await;
        assert_eq!(first.status, 200, "{read}: {}", first.body);
        let tag = first.header("etag").unwrap();
        let again = app
            .send(
                Method::GET,
                read,
                &[("if-none-match", tag.as_str())],
                Vec::new(),
            )
            .await;
        assert_eq!(again.status, 304, "{read}");
        assert!(again.bytes.is_empty(), "{read}");
        assert_eq!(again.header("etag").as_ref(), Some(&tag), "{read}");
        held.push(tag);
    }
    // Another format is another answer; another unit may not even learn it is held.
    let csv = app
        .send(
            Method::GET,
            &format!("{list}?format=csv"),
            &[("if-none-match", held[1].as_str())],
            Vec::new(),
        )
        .await;
    assert_eq!(csv.status, 200);
    let stranger = app.with_token(&other_unit);
    for read in [&path, &list, &form] {
        let refused = stranger
            .send(Method::GET, read, &[("if-none-match", "*")], Vec::new())
            .await;
        assert_eq!(refused.status, 404, "{read}");
    }

    let mut changed = clean_table();
    changed["funding"]["total"]["executed"] = json!("900000.00");
    assert_eq!(app.put(&path, &changed).await.status, 200);
    for (read, tag) in [&path, &list, &year, &form].into_iter().zip(&held) {
        let fresh = app
            .send(
                Method::GET,
                read,
                &[("if-none-match", tag.as_str())],
                Vec::new(),
            )
            .await;
        assert_eq!(fresh.status, 200, "{read}: the data changed");
        assert_ne!(fresh.header("etag").as_ref(), Some(tag), "{read}");
    }
    // The workbook of the version held is not written again; a blank form has no version.
    let blank = app
        .send(
            Method::GET,
            &format!("{}/form.xlsx", project_path("100", 2022, "P-02")),
            &[("if-none-match", "*")],
            Vec::new(),
        )
        .await;
    assert_eq!(blank.status, 200);
    assert!(blank.header("etag").is_none());
}
