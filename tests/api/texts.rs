//! What a unit writes, bounded and made harmless whichever way it comes in: the stored report
//! no larger than a body, every text within a spreadsheet cell and free of U+0000, the CSV
//! files defused, the Markdown escaped.

use actix_web::http::Method;
use rust_xlsxwriter::Workbook;
use serde_json::json;

use crate::helpers::{Answer, TestApp, evaluation_path, spawn_app, spawn_app_with};
use crate::review::clean_report;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A body limit small enough that a few long texts pass it.
const SMALL_LIMIT: u64 = 64 * 1024;

async fn small_limit_app() -> TestApp {
    spawn_app_with(|settings| settings.max_body_bytes = SMALL_LIMIT).await
}

/// A self-evaluation table of `rows` indicators whose 偏差原因 are all the one `reason`: the
/// workbook keeps it once, in its shared strings.
fn table_sharing_one_text(code: &str, rows: u32, reason: &str) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("自评表").unwrap();
    let labels = [
        (0, 0, "部门整体支出绩效自评表"),
        (1, 0, "（2021年度）"),
        (2, 6, "单位代码"),
        (2, 7, code),
        (7, 0, "年度总体目标"),
        (7, 1, "确保政令畅通"),
        (8, 1, "一级指标"),
        (9, 1, "产出指标"),
        (9, 2, "数量"),
    ];
    for (row, column, text) in labels {
        sheet.write_string(row, column, text).unwrap();
    }
    for i in 0..rows {
        let row = 9 + i;
        sheet
            .write_string(row, 3, format!("指标{i}"))
            .unwrap()
            .write_string(row, 4, "≥1件")
            .unwrap()
            .write_string(row, 5, "1件")
            .unwrap()
            .write_string(row, 8, reason)
            .unwrap();
    }
    sheet.write_string(9 + rows, 0, "总分").unwrap();
    workbook.save_to_buffer().unwrap()
}

async fn upload(app: &TestApp, path: &str, workbook: Vec<u8>) -> Answer {
    app.send(
        Method::POST,
        &format!("{path}/form"),
        &[("content-type", XLSX)],
        workbook,
    )
    .await
}

#[actix_rt::test]
async fn a_table_whose_cells_share_one_long_text_cannot_store_more_than_a_body_may_carry() {
    let app = small_limit_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    // 40 rows × 6,000 characters of three bytes: 720 KB as JSON, from a workbook of a few KB.
    let workbook = table_sharing_one_text("100", 40, &"长".repeat(6_000));
    assert!(workbook.len() < 16 * 1024, "{} bytes", workbook.len());

    let answer = upload(&app, &path, workbook).await;
    answer.assert_problem(413, "document_too_large");
    let detail = answer.body["detail"].as_str().unwrap();
    assert!(detail.contains(&SMALL_LIMIT.to_string()), "{detail}");
    assert!(detail.contains("PERFEVAL_MAX_BODY_BYTES"), "{detail}");
    app.get(&path).await.assert_problem(404, "not_found");

    // The same table with short reasons is stored.
    let fits = table_sharing_one_text("100", 40, "校对从严");
    let stored = upload(&app, &path, fits).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
}

#[actix_rt::test]
async fn parts_that_grow_the_stored_report_past_the_body_limit_are_refused_with_413() {
    let app = small_limit_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    // Each part is some 40 KB, under the 64 KiB limit; the two together are not.
    let long = "说".repeat(13_000);
    let mut report = clean_report();
    report["goals"]["setting_narrative"] = json!(long);
    assert_eq!(app.put(&path, &report).await.status, 201);
    let before = app.get(&path).await;

    let issues = json!({"summary": long});
    let answer = app.put(&format!("{path}/issues"), &issues).await;
    answer.assert_problem(413, "document_too_large");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains(&SMALL_LIMIT.to_string())
    );
    let after = app.get(&path).await;
    assert_eq!(after.body, before.body, "nothing was stored");
    assert_eq!(after.header("etag"), before.header("etag"));
}

#[actix_rt::test]
async fn a_text_longer_than_a_spreadsheet_cell_is_refused_at_its_path_and_one_that_fits_downloads()
{
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let mut report = clean_report();
    report["goals"]["overall_goal"] = json!("目".repeat(32_768));
    let errors = app
        .put(&path, &report)
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "goals.overall_goal");
    assert!(errors[0].1.contains("32767"), "{errors:?}");
    app.get(&path).await.assert_problem(404, "not_found");

    let mut report = clean_report();
    report["results"]["indicators"][0]["deviation_reason"] = json!("因".repeat(32_768));
    let errors = app
        .put(&path, &report)
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "results.indicators[0].deviation_reason");

    // At the limit it is stored, and the table that carries it is written.
    report["results"]["indicators"][0]["deviation_reason"] = json!("因".repeat(32_767));
    assert_eq!(app.put(&path, &report).await.status, 201);
    let form = app.get(&format!("{path}/form.xlsx")).await;
    assert_eq!(form.status, 200, "{}", form.body);
}

#[actix_rt::test]
async fn a_nul_character_is_refused_naming_the_field_on_every_route_that_stores_text() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let refused = |answer: Answer, field: &str| {
        let errors = answer.assert_problem(422, "invalid_body");
        assert!(
            errors
                .iter()
                .any(|(path, message)| path == field && message.contains("U+0000")),
            "{field}: {errors:?}"
        );
    };

    // A department's name, new or changed.
    let body = json!({"code": "300", "name": "单位\u{0}三百", "kind": "administrative"});
    refused(app.post("/api/v1/departments", &body).await, "name");
    app.get("/api/v1/departments/300")
        .await
        .assert_problem(404, "not_found");
    let patch = json!({"name": "改\u{0}名"});
    refused(app.patch("/api/v1/departments/100", &patch).await, "name");

    // A service token's name.
    let token = json!({"name": "财务\u{0}系统", "department": "100"});
    refused(app.post("/api/v1/service-tokens", &token).await, "name");
    let tokens = app.get("/api/v1/service-tokens").await;
    assert_eq!(tokens.status, 200);
    assert!(!tokens.body.to_string().contains("财务"), "{}", tokens.body);

    // The report's texts, long and short, whichever way they come.
    let path = evaluation_path("100", 2021);
    let mut report = clean_report();
    report["other_matters"] = json!("无\u{0}");
    refused(app.put(&path, &report).await, "other_matters");
    let mut report = clean_report();
    report["goals"]["indicators"][0]["name"] = json!("办理\u{0}文件");
    refused(app.put(&path, &report).await, "goals.indicators[0].name");
    let issues = json!({"problems": [{"id": 1, "text": "问题\u{0}"}]});
    refused(
        app.put(&format!("{path}/issues"), &issues).await,
        "issues.problems[0].text",
    );
    app.get(&path).await.assert_problem(404, "not_found");

    // The comments of a submission and of a return.
    assert_eq!(app.put(&path, &clean_report()).await.status, 201);
    let submit = json!({"comment": "请\u{0}审核"});
    refused(
        app.post(&format!("{path}/submit"), &submit).await,
        "comment",
    );
    let submitted = app.post(&format!("{path}/submit"), &json!({})).await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let back = json!({"comment": "请\u{0}修改"});
    refused(app.post(&format!("{path}/return"), &back).await, "comment");
    let stored = app.get(&path).await;
    assert_eq!(stored.body["status"], "submitted", "{}", stored.body);
}

#[actix_rt::test]
async fn the_open_data_csvs_defuse_names_a_spreadsheet_would_run_and_keep_numbers_numeric() {
    let app = spawn_app().await;
    let names = [
        ("100", "=HYPERLINK(\"http://evil.example\",\"点此\")"),
        ("200", "＝1+1"),
        ("300", "+区政府"),
        ("400", "-区教育局"),
        ("500", "@SUM(A1)"),
    ];
    for (code, name) in names {
        let body = json!({"code": code, "name": name, "kind": "administrative"});
        let created = app.post("/api/v1/departments", &body).await;
        assert_eq!(created.status, 201, "{}", created.body);
        let path = evaluation_path(code, 2021);
        assert_eq!(app.put(&path, &clean_report()).await.status, 201);
        for action in ["submit", "accept", "publish"] {
            let answer = app.post(&format!("{path}/{action}"), &json!({})).await;
            assert_eq!(answer.status, 200, "{action}: {}", answer.body);
        }
    }
    let base = "/api/v1/public/open-data/2021";
    for file in ["budget.csv", "scores.csv"] {
        let answer = app.anonymous().get(&format!("{base}/{file}")).await;
        assert_eq!(answer.status, 200);
        let mut reader = csv::Reader::from_reader(answer.bytes.as_slice());
        let headers = reader.headers().unwrap().clone();
        let name_at = headers.iter().position(|h| h == "unit_name").unwrap();
        let mut seen = 0;
        for record in reader.records() {
            let record = record.unwrap();
            let code = &record[1];
            let (_, name) = names.iter().find(|(c, _)| *c == code).unwrap();
            assert_eq!(&record[name_at], format!("'{name}"), "{file}");
            // The numeric columns stay numbers.
            for (heading, value) in headers.iter().zip(record.iter()) {
                if matches!(
                    heading,
                    "fiscal_year"
                        | "approved"
                        | "adjusted"
                        | "executed"
                        | "execution_rate"
                        | "score"
                ) && !value.is_empty()
                {
                    assert!(value.parse::<f64>().is_ok(), "{heading}: {value}");
                }
            }
            seen += 1;
        }
        assert!(seen >= names.len(), "{file}: {seen} rows");
    }
}

#[actix_rt::test]
async fn markdown_escapes_html_links_injected_headings_and_table_cells() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let mut report = clean_report();
    report["other_matters"] = json!(
        "<img src=x onerror=alert(1)> 见[附件](javascript:alert(1))\n# 注入的标题\n- 注入的列表"
    );
    report["goals"]["indicators"][0]["name"] = json!("办理\\|文件|份");
    report["results"]["indicators"][0]["deviation_reason"] = json!("第一行\n| x | y |");
    assert_eq!(app.put(&path, &report).await.status, 201);

    let answer = app
        .send(
            Method::GET,
            &format!("{path}/report"),
            &[("accept", "text/markdown")],
            Vec::new(),
        )
        .await;
    assert_eq!(answer.status, 200);
    let markdown = String::from_utf8(answer.bytes).unwrap();
    assert!(!markdown.contains("<img"), "{markdown}");
    assert!(
        markdown.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{markdown}"
    );
    assert!(!markdown.contains("](javascript:"), "{markdown}");
    assert!(!markdown.contains("javascript:"), "{markdown}");
    for line in markdown.lines() {
        assert!(!line.starts_with("# 注入"), "{line}");
        assert!(!line.starts_with("- 注入"), "{line}");
    }
    // The indicator row keeps its eleven column borders: every `|` the unit wrote is escaped,
    // the backslash before one too.
    let row = markdown
        .lines()
        .find(|line| line.contains("办理"))
        .expect("the indicator row");
    assert!(row.contains("办理\\\\\\|文件\\|份"), "{row}");
    assert!(row.contains("第一行 \\| x \\| y \\|"), "{row}");
    let borders = unescaped_pipes(row);
    assert_eq!(borders, 11, "{row}");
}

/// The `|` of a line that no backslash escapes (a backslash escapes the next character).
fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '|' => count += 1,
            _ => {}
        }
    }
    count
}
