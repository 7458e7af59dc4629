//! The comparison tables under many readers: however many requests find a year's table stale,
//! it is rebuilt once (counted on `GET /metrics`), and the requests that wait for that rebuild
//! hold no database connection, so a small pool is not exhausted by them.

use futures_util::future::join_all;
use perfeval::store::Store;
use serde_json::json;

use crate::helpers::{TestApp, evaluation_path, spawn_app_with};

const YEAR: i32 = 2025;

/// How many readers ask for the table at once.
const READERS: usize = 32;

/// A service with `departments` demo units 2023–2025, a metrics listener, and `pool_size`
/// database connections.
async fn dataset(departments: usize, pool_size: u32) -> TestApp {
    let app = spawn_app_with(|settings| {
        settings.metrics_bind = Some("127.0.0.1:0".parse().expect("an address"));
        settings.pool_size = pool_size;
    })
    .await;
    let units = perfeval::demo::generate(departments, 3, YEAR, 11).expect("a dataset");
    let store = Store::connect(&app.database_url, 1, std::time::Duration::from_secs(10));
    perfeval::app::maintenance::import(
        &store,
        units.iter().map(|u| (&u.department, u.reports.as_slice())),
        "test",
    )
    .expect("imported");
    app
}

/// The year tables rebuilt so far (computed anew and brought up to date), and the requests
/// that waited for a rebuild, as the metrics listener counts them.
async fn rebuilds(app: &TestApp) -> (u64, u64) {
    let (computed, updated, waited) = rebuild_counts(app).await;
    (computed + updated, waited)
}

/// The year tables computed anew, those brought up to date, and the requests that waited.
async fn rebuild_counts(app: &TestApp) -> (u64, u64, u64) {
    let address = app.metrics_address.as_ref().expect("a metrics listener");
    let mut answer = awc::Client::default()
        .get(format!("{address}/metrics"))
        .send()
        .await
        .expect("the metrics listener answers");
    let body = answer.body().await.expect("a body");
    let text = String::from_utf8_lossy(&body);
    let sample = |series: &str| -> u64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series))
            .and_then(|rest| rest.trim().split(' ').next())
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{series} in\n{text}"))
    };
    (
        sample(r#"perfeval_year_table_rebuilds_total{how="computed"}"#),
        sample(r#"perfeval_year_table_rebuilds_total{how="updated"}"#),
        sample("perfeval_year_table_waits_total"),
    )
}

/// `READERS` requests for the units table at once, each with its own sort; answers their
/// statuses and ETags. They come on connections of their own: a connection kept alive since
/// before the data was imported may have been closed by the service meanwhile.
async fn readers(app: &TestApp) -> Vec<(u16, Option<String>)> {
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish();
    let sorts = ["score", "execution_rate", "department_code", "grade"];
    let reads = (0..READERS).map(|reader| {
        let url = format!(
            "{}/api/v1/comparisons/departments?year={YEAR}&sort={}&order={}",
            app.address,
            sorts[reader % sorts.len()],
            if reader % 2 == 0 { "asc" } else { "desc" }
        );
        let request = client
            .get(url)
            .insert_header(("authorization", format!("Bearer {}", app.admin_token)));
        async move {
            let mut answer = request.send().await.expect("the service answers");
            answer.body().limit(16 << 20).await.expect("a body");
            let etag = answer
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (answer.status().as_u16(), etag)
        }
    });
    join_all(reads).await
}

/// A unit of the year that was not there: its report joins the year's table.
async fn write_a_new_unit(app: &TestApp) {
    app.create_department("X00001", None).await;
    let report = json!({
        "title": "a late report",
        "budget": {"basic": {"amounts": {"initial": "100.00", "adjusted": "110.00", "executed": "99.50"}}}
    });
    let written = app.put(&evaluation_path("X00001", YEAR), &report).await;
    assert_eq!(written.status, 201, "{}", written.body);
}

#[actix_rt::test]
async fn many_readers_of_a_table_made_stale_by_a_write_share_one_rebuild() {
    let app = dataset(60, 4).await;
    let first = app
        .get(&format!("/api/v1/comparisons/departments?year={YEAR}"))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    write_a_new_unit(&app).await;
    let (rebuilt_before, waited_before) = rebuilds(&app).await;

    let answers = readers(&app).await;

    for (status, _) in &answers {
        assert_eq!(*status, 200);
    }
    let (rebuilt_after, waited_after) = rebuilds(&app).await;
    assert_eq!(
        rebuilt_after - rebuilt_before,
        1,
        "{READERS} readers of one stale table rebuilt it more than once"
    );
    assert!(waited_after >= waited_before);
    // Every reader was answered from the table the one rebuild made: the same year's data.
    let stamps: std::collections::HashSet<String> = answers
        .iter()
        .filter_map(|(_, etag)| etag.as_deref())
        .filter_map(|etag| etag.split('-').nth(1).map(str::to_owned))
        .collect();
    assert_eq!(stamps.len(), 1, "{stamps:?}");
    let page = app
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&limit=500"
        ))
        .await;
    let codes: Vec<&str> = page.body["items"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row["department_code"].as_str())
        .collect();
    assert!(codes.contains(&"X00001"), "the write is in the table");
}

#[actix_rt::test]
async fn many_readers_of_a_table_not_yet_computed_share_one_rebuild() {
    let app = dataset(60, 4).await;
    let (rebuilt_before, _) = rebuilds(&app).await;

    let answers = readers(&app).await;

    for (status, _) in &answers {
        assert_eq!(*status, 200);
    }
    let (rebuilt_after, waited) = rebuilds(&app).await;
    assert_eq!(rebuilt_after - rebuilt_before, 1);
    // The ones that came while it was computed waited for it: as many as did not compute it,
    // at most.
    assert!(waited < READERS as u64, "{waited}");
}

#[actix_rt::test]
async fn many_readers_of_a_stale_table_do_not_exhaust_a_pool_of_one_connection() {
    let app = dataset(400, 1).await;
    // Cold, then stale after a write: each time every reader finds the table to rebuild.
    for round in 0..2 {
        if round == 1 {
            write_a_new_unit(&app).await;
        }
        let answers = readers(&app).await;
        let refused: Vec<&(u16, Option<String>)> = answers
            .iter()
            .filter(|(status, _)| *status != 200)
            .collect();
        assert!(
            refused.is_empty(),
            "round {round}: {} of {READERS} readers were not answered 200: {refused:?}",
            refused.len()
        );
    }
}

/// `per_unit` demo project tables of `YEAR` for each of the first `units` demo units.
fn import_projects(app: &TestApp, units: usize, per_unit: usize) {
    let generated = perfeval::demo::generate(units, 1, YEAR, 11).expect("the units");
    let store = Store::connect(&app.database_url, 1, std::time::Duration::from_secs(10));
    let year = perfeval::domain::values::FiscalYear::try_from(i64::from(YEAR)).expect("a year");
    let tables: Vec<_> = generated
        .iter()
        .enumerate()
        .map(|(index, unit)| {
            let projects = perfeval::demo::projects_of(&unit.department, index, per_unit, YEAR, 3)
                .expect("tables")
                .into_iter()
                .map(|p| (p.code, p.status, p.table))
                .collect::<Vec<_>>();
            (unit.department.code.clone(), projects)
        })
        .collect();
    perfeval::app::maintenance::import_projects(
        &store,
        year,
        tables.iter().map(|(code, p)| (code, p.as_slice())),
        "test",
    )
    .expect("imported");
}

#[actix_rt::test]
async fn after_one_project_table_changes_only_its_unit_is_read_again_and_every_reader_sees_it() {
    let app = dataset(30, 4).await;
    import_projects(&app, 30, 3);
    let year_path = format!("/api/v1/years/{YEAR}/projects?limit=500");
    let before = app.get(&year_path).await;
    assert_eq!(before.status, 200, "{}", before.body);
    let rows = before.body["projects"].as_array().expect("rows").clone();
    assert_eq!(rows.len(), 90);
    let editable = rows
        .iter()
        .find(|row| row["status"] == "draft" || row["status"] == "returned")
        .expect("a table the unit may still change");
    let path = format!(
        "/api/v1/departments/{}/evaluations/{YEAR}/projects/{}",
        editable["department_code"].as_str().expect("a code"),
        editable["project_code"].as_str().expect("a code")
    );
    let mut table = app.get(&path).await.body["table"].clone();
    table["name"] = json!("改名后的项目");
    let written = app.put(&path, &table).await;
    assert_eq!(written.status, 200, "{}", written.body);
    let (computed, updated, _) = rebuild_counts(&app).await;

    let after = app.get(&year_path).await;

    assert_eq!(after.status, 200, "{}", after.body);
    assert_ne!(after.header("etag"), before.header("etag"));
    let (computed_after, updated_after, _) = rebuild_counts(&app).await;
    assert_eq!(
        (computed_after - computed, updated_after - updated),
        (0, 1),
        "one table changed: its unit read again, not the year"
    );
    let changed = |row: &serde_json::Value| {
        row["department_code"] == editable["department_code"]
            && row["project_code"] == editable["project_code"]
    };
    let rows_after = after.body["projects"].as_array().expect("rows");
    assert_eq!(rows_after.len(), 90);
    for (old, new) in rows.iter().zip(rows_after) {
        if changed(old) {
            assert_eq!(new["name"], "改名后的项目");
            assert_eq!(
                new["version"],
                old["version"].as_i64().expect("a version") + 1
            );
        } else {
            assert_eq!(old, new, "a row of a unit not changed");
        }
    }
    assert_eq!(after.body["units"], before.body["units"].clone());

    // A change of every unit (the year's settings) reads the year anew.
    let weights = json!({"weights": {"budget_execution": "20", "output": "40", "effect": "30", "satisfaction": "10"}});
    let settings = app
        .put(&format!("/api/v1/years/{YEAR}/settings"), &weights)
        .await;
    assert!(settings.status < 300, "{}", settings.body);
    assert_eq!(app.get(&year_path).await.status, 200);
    let (computed_last, _, _) = rebuild_counts(&app).await;
    assert_eq!(computed_last - computed_after, 1);
}
