//! The clerk's language: problems and the cells of an upload in Chinese when asked and by
//! default for form uploads, grades as forms write them, findings that name their cell, and
//! exports whose values, layout and file name a Chinese reader expects.

use std::io::Read;

use actix_web::http::Method;
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use serde_json::json;

use crate::helpers::{Answer, TestApp, evaluation_path, spawn_app};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A table as a clerk fills it, with the first indicator's actual, the basic budget and the
/// grade as given.
fn table(basic_initial: &str, first_actual: &str, grade: &str) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("自评表").unwrap();
    for (row, column, text) in [
        (1, 0, "（2021年度）"),
        (2, 6, "单位代码"),
        (2, 7, "100"),
        (4, 1, "年度资金总额"),
        (5, 1, "其中：基本支出"),
        (5, 3, basic_initial),
        (7, 0, "年度总体目标"),
        (7, 1, "确保政令畅通"),
        (8, 1, "一级指标"),
        (9, 1, "产出指标"),
        (9, 2, "数量"),
        (9, 3, "办理文件"),
        (9, 4, "≥6000件"),
        (9, 5, first_actual),
        (10, 2, "质量"),
        (10, 3, "文件差错率"),
        (10, 4, "≤1%"),
        (10, 5, "0.5%"),
        (10, 8, "校对从严"),
        (12, 0, "总分"),
        (12, 8, grade),
    ] {
        sheet.write_string(row, column, text).unwrap();
    }
    for (row, column, value) in [
        (4, 3, 1200.0),
        (4, 4, 1250.5),
        (4, 5, 1190.0),
        (9, 6, 30.0),
        (9, 7, 25.0),
        (10, 6, 20.0),
        (10, 7, 20.0),
        (12, 7, 92.0),
    ] {
        sheet.write_number(row, column, value).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

async fn upload(app: &TestApp, path: &str, language: Option<&str>, workbook: Vec<u8>) -> Answer {
    let mut headers = vec![("content-type", XLSX)];
    if let Some(language) = language {
        headers.push(("accept-language", language));
    }
    app.send(Method::POST, &format!("{path}/form"), &headers, workbook)
        .await
}

#[actix_rt::test]
async fn a_form_upload_names_its_unreadable_cells_in_chinese_unless_english_is_asked() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);

    let refused = upload(&app, &path, None, table("九百", "6205件", "优")).await;
    let errors = refused.assert_problem(422, "invalid_body");
    assert_eq!(errors[0].0, "自评表!D6");
    assert_eq!(errors[0].1, "“九百”不是数字");
    assert_eq!(refused.body["title"], "内容无法读取");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(!detail.contains("invalid_body"), "{detail}");

    let english = upload(
        &app,
        &path,
        Some("en-GB,en;q=0.9"),
        table("九百", "6205件", "优"),
    )
    .await;
    let errors = english.assert_problem(422, "invalid_body");
    assert_eq!(errors[0].1, "`九百` is not a number");
    assert_eq!(english.body["title"], "Invalid body");
}

#[actix_rt::test]
async fn a_problem_speaks_chinese_when_accept_language_asks_and_english_otherwise() {
    let app = spawn_app().await;
    let path = "/api/v1/departments/999";
    let chinese = app
        .send(
            Method::GET,
            path,
            &[("accept-language", "zh-CN,zh;q=0.9")],
            Vec::new(),
        )
        .await;
    chinese.assert_problem(404, "not_found");
    assert_eq!(chinese.body["title"], "未找到");
    let english = app.get(path).await;
    english.assert_problem(404, "not_found");
    assert_eq!(english.body["title"], "Not found");

    app.create_department("100", None).await;
    let evaluation = evaluation_path("100", 2021);
    assert_eq!(app.put(&evaluation, &json!({})).await.status, 201);
    let refused = app
        .send(
            Method::POST,
            &format!("{evaluation}/accept"),
            &[("accept-language", "zh")],
            Vec::new(),
        )
        .await;
    refused.assert_problem(409, "illegal_transition");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("草稿") && detail.contains("提交"),
        "{detail}"
    );
    assert!(
        !detail.contains("draft") && !detail.contains("accept"),
        "{detail}"
    );
}

#[actix_rt::test]
async fn grades_as_forms_write_them_are_read_and_written_back_as_they_came() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    for (written, grade) in [
        ("优秀", "excellent"),
        ("良好", "good"),
        ("合格", "fair"),
        ("中等", "fair"),
        ("不合格", "poor"),
    ] {
        let read = upload(&app, &path, None, table("900", "6205件", written)).await;
        assert!(read.status == 200 || read.status == 201, "{}", read.body);
        let results = &read.body["report"]["results"];
        assert_eq!(results["stated_grade"], grade, "{written}");
        assert_eq!(results["stated_grade_as_written"], written);
    }
    let out = app.get(&format!("{path}/form.xlsx")).await;
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(out.bytes.clone())).unwrap();
    let sheet = workbook.worksheet_range("自评表").unwrap();
    let total = sheet
        .rows()
        .position(|row| row.first() == Some(&Data::String("总分".into())))
        .unwrap();
    assert_eq!(
        sheet.get_value((u32::try_from(total).unwrap(), 8)),
        Some(&Data::String("不合格".into()))
    );
    let again = upload(&app, &path, None, out.bytes).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        again.body["version"], 5,
        "the table as written changes nothing"
    );
}

#[actix_rt::test]
async fn findings_after_a_form_upload_name_the_cell_beside_the_path() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let read = upload(&app, &path, None, table("900", "5000件", "优")).await;
    assert_eq!(read.status, 201, "{}", read.body);
    let findings = read.body["findings"].as_array().unwrap();
    let missing = findings
        .iter()
        .find(|f| f["rule"] == "deviation_reason_missing")
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(missing["path"], "results.indicators[0].deviation_reason");
    assert_eq!(missing["cell"], "自评表!I10");
    assert!(missing["message"].as_str().unwrap().contains("办理文件"));
}

/// The text of one entry of a zip file (an XLSX workbook), read through its central
/// directory as any unzip would.
fn entry(zip: &[u8], name: &str) -> String {
    let u16_at = |at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
    let u32_at = |at: usize| u32::from_le_bytes(zip[at..at + 4].try_into().unwrap()) as usize;
    let end = (0..zip.len() - 21)
        .rev()
        .find(|&at| zip[at..at + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("an end of central directory");
    let mut at = u32_at(end + 16);
    for _ in 0..u16_at(end + 10) {
        let (method, size) = (u16_at(at + 10), u32_at(at + 20));
        let (name_len, extra, comment) = (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        let local = u32_at(at + 42);
        if &zip[at + 46..at + 46 + name_len] == name.as_bytes() {
            let data = local + 30 + u16_at(local + 26) + u16_at(local + 28);
            let raw = &zip[data..data + size];
            let mut text = String::new();
            if method == 8 {
                flate2::read::DeflateDecoder::new(raw)
                    .read_to_string(&mut text)
                    .unwrap();
            } else {
                text = String::from_utf8(raw.to_vec()).unwrap();
            }
            return text;
        }
        at += 46 + name_len + extra + comment;
    }
    panic!("no entry {name}");
}

#[actix_rt::test]
async fn the_chinese_comparison_names_values_in_chinese_and_its_workbook_is_laid_out_to_print() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let report = json!({
        "budget": {"total": {"initial": "1200", "adjusted": "1250.5", "executed": "1190"}},
        "results": {"stated_total_score": "92", "stated_grade": "excellent"}
    });
    assert_eq!(app.put(&path, &report).await.status, 201);
    let query = "/api/v1/comparisons/departments?year=2021";

    let csv = app.get(&format!("{query}&format=csv&lang=zh")).await;
    let text = csv.body.as_str().unwrap();
    assert!(text.contains("行政单位") && text.contains("草稿"), "{text}");
    assert!(
        !text.contains("administrative") && !text.contains("draft"),
        "{text}"
    );
    let english = app.get(&format!("{query}&format=csv")).await;
    assert!(english.body.as_str().unwrap().contains("administrative"));
    assert_eq!(
        english.header("content-disposition").as_deref(),
        Some("attachment; filename=\"departments.csv\"")
    );

    let xlsx = app.get(&format!("{query}&format=xlsx&lang=zh")).await;
    assert_eq!(
        xlsx.header("content-disposition").as_deref(),
        Some(
            "attachment; filename=\"departments.xlsx\"; filename*=UTF-8''%E5%8D%95%E4%BD%8D%E5%AF%B9%E6%AF%94.xlsx"
        )
    );
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
    let sheet = workbook
        .worksheet_range("单位对比")
        .expect("the sheet 单位对比");
    assert_eq!(
        sheet.get_value((1, 2)),
        Some(&Data::String("行政单位".into()))
    );
    assert_eq!(sheet.get_value((1, 4)), Some(&Data::String("草稿".into())));

    let sheet = entry(&xlsx.bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"state="frozen""#), "a frozen header");
    assert!(sheet.contains(r#"orientation="landscape""#), "landscape");
    assert!(
        sheet.contains(r#"fitToHeight="0""#),
        "fit to the page's width"
    );
    let widths: Vec<f64> = sheet
        .split("<col ")
        .skip(1)
        .filter_map(|col| {
            let width = col.split("width=\"").nth(1)?;
            width.split('"').next()?.parse().ok()
        })
        .collect();
    assert!(
        widths.iter().any(|w| *w >= 20.0) && widths.iter().any(|w| *w < 13.0),
        "columns as wide as what they hold: {widths:?}"
    );
    let styles = entry(&xlsx.bytes, "xl/styles.xml");
    assert!(
        styles.contains("#,##0.00####"),
        "amounts formatted as amounts"
    );
}

#[actix_rt::test]
async fn a_page_that_is_not_found_is_answered_in_chinese() {
    let app = spawn_app().await;
    let page = app
        .anonymous()
        .send(
            Method::GET,
            "/api/v1/public/departments/100/evaluations/2021",
            &[("accept", "text/html")],
            Vec::new(),
        )
        .await;
    assert_eq!(page.status, 404, "{}", page.body);
    assert_eq!(page.body["title"], "未找到");
}
