//! Writers at the same time: writers of distinct reports never fail on each other, and the
//! comparison tables say what the reports say however the writes interleave.

use std::time::Duration;

use futures_util::future::join_all;
use perfeval::store::Store;
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, spawn_app};

/// A budget that differs by writer and round, with a "三公" actual that the next year's
/// projection reads as its prior year's.
fn budget(writer: usize, round: usize) -> Value {
    json!({
        "basic": {"amounts": {"initial": "1659.36", "adjusted": "1695.04",
                              "executed": format!("{}.{writer:02}", 1600 + round)}},
        "three_public": {"total": {"budget": "8.00", "actual": format!("{}.{round}", 5 + writer)}}
    })
}

fn report(writer: usize) -> Value {
    json!({"title": format!("report {writer}"), "budget": budget(writer, 0)})
}

/// Writes the report at `path`, then replaces its budget `rounds` times, one after another;
/// answers every status.
async fn write_rounds(app: &TestApp, path: String, writer: usize, rounds: usize) -> Vec<u16> {
    let mut statuses = vec![app.put(&path, &report(writer)).await.status];
    for round in 1..=rounds {
        let answer = app
            .put(&format!("{path}/budget"), &budget(writer, round))
            .await;
        statuses.push(answer.status);
    }
    statuses
}

async fn comparison(app: &TestApp, year: i32) -> Value {
    let answer = app
        .get(&format!(
            "/api/v1/comparisons/departments?year={year}&limit=500"
        ))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// Asserts that the projections the writes left are the ones a rebuild from the reports makes.
async fn assert_projections_exact(app: &TestApp, years: &[i32]) {
    let mut before = Vec::new();
    for year in years {
        before.push(comparison(app, *year).await);
    }
    perfeval::app::maintenance::reproject(&Store::connect(
        &app.database_url,
        1,
        Duration::from_secs(10),
    ))
    .expect("rebuilt");
    for (year, before) in years.iter().zip(before) {
        assert_eq!(
            comparison(app, *year).await,
            before,
            "projections of {year}"
        );
    }
}

#[actix_rt::test]
async fn writers_of_distinct_reports_never_fail_on_each_other() {
    let app = spawn_app().await;
    let units: Vec<String> = (0..12).map(|i| format!("2010{i:02}")).collect();
    for code in &units {
        app.create_department(code, None).await;
    }
    let writers = units
        .iter()
        .enumerate()
        .map(|(writer, code)| write_rounds(&app, evaluation_path(code, 2021), writer, 4));
    let statuses: Vec<u16> = join_all(writers).await.into_iter().flatten().collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    assert_projections_exact(&app, &[2021]).await;
}

#[actix_rt::test]
async fn writers_of_one_units_consecutive_years_leave_exact_projections() {
    let app = spawn_app().await;
    app.create_department("301001", None).await;
    let years = [2021, 2022, 2023, 2024];
    let writers = years
        .iter()
        .enumerate()
        .map(|(writer, year)| write_rounds(&app, evaluation_path("301001", *year), writer, 4));
    let statuses: Vec<u16> = join_all(writers).await.into_iter().flatten().collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    assert_projections_exact(&app, &years).await;
}
