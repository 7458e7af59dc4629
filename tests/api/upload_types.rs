//! The table upload (`POST …/form`) as people send it: a browser's file input
//! (`multipart/form-data`, one file field) and `application/octet-stream` beside the XLSX
//! type; a file in another format (.xls, .et, .ods, CSV) recognised by its bytes and answered
//! with what to do; a multipart body bounded like any other, and looked into only for a
//! caller who may write.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Answer, Requester, TestApp, evaluation_path, seed_fixture, spawn_app};
use crate::make::{self, Entry};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const BOUNDARY: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

/// A multipart/form-data body as a browser writes it: each part a field name, maybe a file
/// name, and its bytes.
pub(crate) fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(filename) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {XLSX}\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

async fn send(requester: &Requester<'_>, path: &str, media: &str, body: Vec<u8>) -> Answer {
    requester
        .send(
            Method::POST,
            &format!("{path}/form"),
            &[("content-type", media)],
            body,
        )
        .await
}

/// A department with the seed's report stored, and the path of that evaluation.
async fn seeded(app: &TestApp) -> (Value, String) {
    let fixture = seed_fixture();
    let created = app
        .post("/api/v1/departments", &fixture["department"])
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let path = evaluation_path("101001", 2021);
    assert_eq!(app.put(&path, &fixture["report"]).await.status, 201);
    (fixture, path)
}

async fn own_form(app: &TestApp, path: &str) -> Vec<u8> {
    let answer = app.get(&format!("{path}/form.xlsx")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.bytes
}

fn assert_unchanged(answer: &Answer, fixture: &Value) {
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["unreadable"], json!([]));
    assert!(
        answer.body["report"] == fixture["report"],
        "the report read back from the table differs from the one posted"
    );
    assert_eq!(
        answer.body["version"], 1,
        "nothing changed, so no new version"
    );
}

#[actix_rt::test]
async fn a_browsers_multipart_upload_of_the_services_own_form_changes_nothing() {
    let app = spawn_app().await;
    let (fixture, path) = seeded(&app).await;
    let workbook = own_form(&app, &path).await;
    let body = multipart(&[
        ("note", None, "自评".as_bytes()),
        ("file", Some("自评表.xlsx"), &workbook),
    ]);
    let answer = send(&app.admin(), &path, &multipart_type(), body).await;
    assert_unchanged(&answer, &fixture);
}

#[actix_rt::test]
async fn an_octet_stream_upload_of_the_services_own_form_changes_nothing() {
    let app = spawn_app().await;
    let (fixture, path) = seeded(&app).await;
    let workbook = own_form(&app, &path).await;
    let answer = send(&app.admin(), &path, "application/octet-stream", workbook).await;
    assert_unchanged(&answer, &fixture);
}

/// The first bytes of an OLE2 compound file (.xls, .et), then what follows in one.
pub fn ole2() -> Vec<u8> {
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(4096, 0);
    bytes
}

fn ods() -> Vec<u8> {
    make::archive(&[
        Entry::stored(
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        Entry::stored("content.xml", b"<office:document-content/>"),
    ])
}

#[actix_rt::test]
async fn a_legacy_xls_et_ods_or_csv_is_answered_with_save_as_xlsx_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let files = [
        ("自评表.xls", ole2(), ".xls"),
        ("自评表.et", ole2(), ".et"),
        ("自评表.ods", ods(), ".ods"),
        (
            "自评表.csv",
            "\u{feff}单位代码,年度,项目\r\n100,2021,办理文件\r\n"
                .as_bytes()
                .to_vec(),
            "CSV",
        ),
    ];
    for (name, file, named) in files {
        for (media, body) in [
            (XLSX.to_owned(), file.clone()),
            ("application/octet-stream".to_owned(), file.clone()),
            (multipart_type(), multipart(&[("file", Some(name), &file)])),
        ] {
            let answer = send(&app.admin(), &path, &media, body).await;
            answer.assert_problem(415, "save_as_xlsx");
            let detail = answer.body["detail"].as_str().unwrap_or_default();
            assert!(
                detail.contains(named) && detail.contains("另存为") && detail.contains(".xlsx"),
                "{name} as {media}: {detail}"
            );
        }
    }
    assert_eq!(app.get(&path).await.status, 404, "nothing was stored");
}

#[actix_rt::test]
async fn a_multipart_with_two_files_too_many_parts_long_part_headers_or_an_oversized_part_is_refused()
 {
    let app = spawn_app().await;
    let (_, path) = seeded(&app).await;
    let workbook = own_form(&app, &path).await;
    let two = multipart(&[
        ("file", Some("a.xlsx"), &workbook),
        ("file", Some("b.xlsx"), &workbook),
    ]);
    let fields: Vec<(&str, Option<&str>, &[u8])> = (0..9)
        .map(|_| ("note", None, &b"x"[..]))
        .chain([("file", Some("a.xlsx"), &workbook[..])])
        .collect();
    let many = multipart(&fields);
    let long_name = format!("{}.xlsx", "表".repeat(2000));
    let long = multipart(&[("file", Some(&long_name), &workbook)]);
    let none = multipart(&[("note", None, b"x")]);
    for (what, body, needle) in [
        ("two files", two, "多个文件"),
        ("ten parts", many, "超过 8 个字段"),
        ("part headers of 6 KiB", long, "超过 4096 字节"),
        ("no file", none, "没有文件"),
    ] {
        let answer = send(&app.admin(), &path, &multipart_type(), body).await;
        answer.assert_problem(400, "invalid_multipart");
        let detail = answer.body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(needle), "{what}: {detail}");
    }
    // A part larger than a body may be (2 MiB in the tests) is refused on its declared length.
    let oversized = multipart(&[("file", Some("a.xlsx"), &vec![b'x'; 3 * 1024 * 1024])]);
    send(&app.admin(), &path, &multipart_type(), oversized)
        .await
        .assert_problem(413, "payload_too_large");
    // And while it streams, with no length declared.
    let chunks: Vec<Result<actix_web::web::Bytes, std::io::Error>> = (0..48)
        .map(|_| Ok(actix_web::web::Bytes::from(vec![b'x'; 64 * 1024])))
        .collect();
    let streamed = awc::Client::default()
        .post(format!("{}{path}/form", app.address))
        .insert_header(("authorization", format!("Bearer {}", app.admin_token)))
        .insert_header(("content-type", multipart_type()))
        .send_stream(futures_util::stream::iter(chunks))
        .await;
    let streamed = streamed.expect("an answer while the body streams");
    assert_eq!(streamed.status().as_u16(), 413);
    let stored = app.get(&path).await;
    assert_eq!(stored.body["version"], 1, "nothing changed");
}

#[actix_rt::test]
async fn a_caller_without_the_right_is_refused_before_a_multipart_bomb_is_looked_into() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let analyst = app.user_token("analyst1", "analyst", None).await;
    let path = evaluation_path("100", 2021);
    // Some 40,000 empty parts within the body limit, and a zip bomb as the file.
    let mut parts = format!("--{BOUNDARY}\r\n\r\n\r\n").repeat(1_900_000 / (BOUNDARY.len() + 8));
    parts.push_str(&format!("--{BOUNDARY}--\r\n"));
    let bomb = make::zip_bomb(64 * 1024 * 1024);
    for (what, body) in [
        ("many parts", parts.into_bytes()),
        (
            "a zip bomb in the file field",
            multipart(&[("file", Some("a.xlsx"), &bomb)]),
        ),
    ] {
        let started = Instant::now();
        let answer = send(&app.with_token(&analyst), &path, &multipart_type(), body).await;
        answer.assert_problem(403, "forbidden");
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1500), "{what}: {took:?}");
    }
}
