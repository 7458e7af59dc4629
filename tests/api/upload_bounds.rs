//! The table upload (`POST …/form`) under attack: a caller without the right to write the
//! evaluation is refused before the workbook is read, whatever it holds; each attack
//! workbook is answered quickly with the status its bound calls for (413 naming the bound,
//! or read as the table it also is), and the service goes on serving.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{Answer, Requester, TestApp, evaluation_path, spawn_app};
use crate::make;
use crate::review::clean_report;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// How long a refusal that reads nothing may take, on a loaded machine.
const REFUSED_AT_ONCE: Duration = Duration::from_millis(1500);

async fn upload(
    requester: &Requester<'_>,
    path: &str,
    headers: &[(&str, &str)],
    workbook: Vec<u8>,
) -> (Answer, Duration) {
    // The bounds are held to the `detail` the English answer names them by.
    let mut all = vec![("content-type", XLSX), ("accept-language", "en")];
    all.extend_from_slice(headers);
    let started = Instant::now();
    let answer = requester
        .send(Method::POST, &format!("{path}/form"), &all, workbook)
        .await;
    (answer, started.elapsed())
}

/// The service still answers at once: it is ready, and reads a report.
async fn assert_serving(app: &TestApp, path: &str) {
    let started = Instant::now();
    assert_eq!(app.get("/readyz").await.status, 200);
    assert_eq!(app.get(path).await.status, 200);
    assert!(
        started.elapsed() < REFUSED_AT_ONCE,
        "the service took {:?} to answer",
        started.elapsed()
    );
}

#[actix_rt::test]
async fn a_caller_without_the_right_to_write_is_refused_before_the_workbook_is_read() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    let analyst = app.user_token("analyst1", "analyst", None).await;
    let reviewer = app.user_token("reviewer1", "reviewer", None).await;
    let unit = app.user_token("unit200", "unit", Some("200")).await;
    let issued = app
        .post(
            "/api/v1/service-tokens",
            &json!({"name": "单位财务系统", "department": "200"}),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let service = issued.body["token"].as_str().unwrap().to_owned();
    let (ours, nowhere) = (evaluation_path("100", 2021), evaluation_path("999", 2021));
    let refusals = [
        ("an analyst", analyst.as_str(), &ours, 403, "forbidden"),
        ("a reviewer", reviewer.as_str(), &ours, 403, "forbidden"),
        ("another unit", unit.as_str(), &ours, 404, "not_found"),
        (
            "another unit's system",
            service.as_str(),
            &ours,
            404,
            "not_found",
        ),
        (
            "a unit, on no department",
            unit.as_str(),
            &nowhere,
            404,
            "not_found",
        ),
        (
            "the admin, on no department",
            app.admin_token.as_str(),
            &nowhere,
            404,
            "not_found",
        ),
    ];
    // Read first, each would be refused otherwise: as no workbook (422), or past a bound (413).
    let workbooks = [
        ("no workbook", b"PK not a workbook".to_vec()),
        ("a zip bomb", make::zip_bomb(64 * 1024 * 1024)),
        ("too many entries", make::entry_bomb(5_000)),
    ];
    for (who, token, path, status, code) in refusals {
        for (what, workbook) in &workbooks {
            let (answer, took) = upload(&app.with_token(token), path, &[], workbook.clone()).await;
            assert_eq!(answer.status, status, "{who} with {what}: {}", answer.body);
            answer.assert_problem(status, code);
            assert!(took < REFUSED_AT_ONCE, "{who} with {what}: {took:?}");
        }
    }

    // Nor is a workbook read for an evaluation that takes no edit, or a stale `If-Match`.
    assert_eq!(app.put(&ours, &clean_report()).await.status, 201);
    let (stale, _) = upload(
        &app.admin(),
        &ours,
        &[("if-match", "\"7\"")],
        make::zip_bomb(64 * 1024 * 1024),
    )
    .await;
    stale.assert_problem(412, "precondition_failed");
    let submitted = app
        .send(Method::POST, &format!("{ours}/submit"), &[], Vec::new())
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let (locked, _) = upload(&app.admin(), &ours, &[], make::zip_bomb(64 * 1024 * 1024)).await;
    locked.assert_problem(409, "evaluation_not_editable");
}

/// The status an upload is answered with, and the `detail` of a 413.
type Expected = (u16, Option<&'static str>);

#[actix_rt::test]
async fn each_attack_workbook_is_answered_quickly_and_the_service_goes_on() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    let too_large = |detail: &'static str| (413, Some(detail));
    // Each: what it is, the workbook, the status and the 413's detail.
    let attacks: [(&str, Vec<u8>, Expected); 6] = [
        (
            "a shared-strings table declaring 10^11 strings",
            make::shared_string_count_bomb("100"),
            (201, None),
        ),
        (
            "one formula shared by 32,768 cells",
            make::shared_formula_bomb("100", 2),
            (200, None),
        ),
        (
            "100,001 rows",
            make::row_bomb("100", 100_001),
            too_large("the sheet 自评表 has more than 100000 rows"),
        ),
        (
            "a 32,767-character string named by 10,000 cells",
            make::one_string_many_references(10_000),
            too_large("the cells read from the sheet 自评表 hold more than 2097152 bytes of text"),
        ),
        (
            "a sheet inflating to 64 MiB that declares 1,000 bytes",
            make::zip_bomb(64 * 1024 * 1024),
            too_large("the part xl/worksheets/sheet1.xml inflates to more than 16777216 bytes"),
        ),
        (
            "5,000 zip entries",
            make::entry_bomb(5_000),
            too_large("the workbook has more than 1000 zip entries"),
        ),
    ];
    for (what, workbook, (status, detail)) in attacks {
        let (answer, took) = upload(&app.admin(), &path, &[], workbook).await;
        eprintln!("{what}: {status} in {took:?}");
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        match detail {
            Some(detail) => {
                answer.assert_problem(413, "workbook_too_large");
                assert_eq!(answer.body["detail"], detail, "{what}");
            }
            None => assert_eq!(
                answer.body["report"]["goals"]["overall_goal"], "确保政令畅通",
                "{what}"
            ),
        }
        assert!(took < Duration::from_secs(5), "{what}: {took:?}");
        assert_serving(&app, &path).await;
    }
}

#[actix_rt::test]
async fn abandoned_uploads_leave_the_blocking_pool_free() {
    let app = crate::helpers::spawn_app_with(|settings| settings.limits.blocking_threads = 1).await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    assert_eq!(app.put(&path, &json!({"title": "x"})).await.status, 201);
    // Each costs its reading a second or more here (unoptimised); the client gives up long before.
    let workbook = make::cell_bomb(1_000_001);
    let client = awc::Client::builder()
        .timeout(Duration::from_millis(200))
        .finish();
    for _ in 0..4 {
        let sent = client
            .post(format!("{}{path}/form", app.address))
            .insert_header(("authorization", format!("Bearer {}", app.admin_token)))
            .insert_header(("content-type", XLSX))
            .send_body(workbook.clone())
            .await;
        assert!(sent.is_err(), "the client gave up before the answer");
    }
    assert_serving(&app, &path).await;
}
