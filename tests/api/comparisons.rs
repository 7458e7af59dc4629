//! The comparison tables, checked figure by figure against a recomputation from the stored
//! documents, and read back from CSV and XLSX.

use std::collections::HashMap;

use diesel::{Connection, RunQueryDsl};
use perfeval::store::Store;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::helpers::{TestApp, evaluation_path, spawn_app};

const YEAR: i32 = 2025;

/// A service with demo units 2023–2025 and an analyst's token.
async fn dataset(departments: usize) -> (TestApp, String) {
    let app = spawn_app().await;
    let units = perfeval::demo::generate(departments, 3, YEAR, 11).expect("a dataset");
    let store = Store::connect(&app.database_url, 1, std::time::Duration::from_secs(10));
    perfeval::app::maintenance::import(
        &store,
        units.iter().map(|u| (&u.department, u.reports.as_slice())),
        "test",
    )
    .expect("imported");
    let analyst = app.user_token("analyst1", "analyst", None).await;
    (app, analyst)
}

fn dec(value: &Value) -> Option<Decimal> {
    value.as_str().map(|s| s.parse().expect("a decimal"))
}

fn percent(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    (!denominator.is_zero()).then(|| {
        (numerator * Decimal::ONE_HUNDRED / denominator)
            .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
    })
}

fn same(a: Option<Decimal>, b: &Value, what: &str) {
    assert_eq!(a, dec(b), "{what}: {b}");
}

/// The figures of one stored report, recomputed from its document alone.
struct Recomputed {
    initial: Decimal,
    adjusted: Decimal,
    executed: Decimal,
    three_actual: Decimal,
    three_prior_stated: Decimal,
    staffing: Option<Decimal>,
    problems: i64,
}

fn recompute(report: &Value) -> Recomputed {
    let column =
        |part: &str, name: &str| dec(&report["budget"][part]["amounts"][name]).unwrap_or_default();
    let staffing = &report["profile"]["staffing"];
    Recomputed {
        initial: column("basic", "initial") + column("projects", "initial"),
        adjusted: column("basic", "adjusted") + column("projects", "adjusted"),
        executed: column("basic", "executed") + column("projects", "executed"),
        three_actual: dec(&report["budget"]["three_public"]["total"]["actual"]).unwrap_or_default(),
        three_prior_stated: dec(&report["budget"]["three_public"]["total"]["prior_year_actual"])
            .unwrap_or_default(),
        staffing: percent(
            Decimal::from(staffing["on_payroll"].as_i64().unwrap()),
            Decimal::from(staffing["authorized_total"].as_i64().unwrap()),
        ),
        problems: report["issues"]["problems"]
            .as_array()
            .map_or(0, |p| p.len() as i64),
    }
}

fn rank(values: &[Option<Decimal>], at: usize) -> Value {
    match values[at] {
        None => Value::Null,
        Some(v) => json!(1 + values.iter().filter(|o| o.is_some_and(|o| o > v)).count()),
    }
}

#[actix_rt::test]
async fn every_figure_of_the_department_table_agrees_with_the_stored_documents() {
    let (app, analyst) = dataset(40).await;
    table_agrees_with_the_stored_documents(&app, &analyst).await;
}

/// A table brought up to date after a few reports changed says what one computed anew would:
/// every figure, rank, total and median against the stored documents; a unit that leaves a
/// filtered table (its state changed) is gone from it.
#[actix_rt::test]
async fn a_table_brought_up_to_date_agrees_with_the_stored_documents() {
    let (app, analyst) = dataset(40).await;
    let drafts_path = format!("/api/v1/comparisons/departments?year={YEAR}&status=draft&limit=500");
    let drafts = app.with_token(&analyst).get(&drafts_path).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["department_code"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(drafts.len() >= 3, "{drafts:?}");
    let full = format!("/api/v1/comparisons/departments?year={YEAR}&limit=500");
    assert_eq!(app.with_token(&analyst).get(&full).await.status, 200);

    for (i, code) in drafts.iter().take(2).enumerate() {
        let path = evaluation_path(code, YEAR);
        let stored = app.get(&path).await;
        let mut report = stored.body["report"].clone();
        report["budget"]["basic"]["amounts"]["executed"] = json!(format!("{}.25", 7 + i));
        let etag = stored.header("etag").expect("an ETag");
        let put = app
            .json_with(
                actix_web::http::Method::PUT,
                &path,
                &[("if-match", etag.as_str())],
                &report,
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.body);
    }
    // The first draft that can be submitted (a report with errors cannot) leaves the drafts.
    let mut leaving = None;
    for code in &drafts[2..] {
        let path = format!("{}/submit", evaluation_path(code, YEAR));
        let submitted = app
            .send(actix_web::http::Method::POST, &path, &[], Vec::new())
            .await;
        if submitted.status == 200 {
            leaving = Some(code.clone());
            break;
        }
    }
    let leaving = leaving.expect("a draft that can be submitted");

    table_agrees_with_the_stored_documents(&app, &analyst).await;
    let after = app.with_token(&analyst).get(&drafts_path).await;
    let codes: Vec<&str> = after.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["department_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), drafts.len() - 1);
    assert!(!codes.contains(&leaving.as_str()));
    let changed = after.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["department_code"] == drafts[0].as_str())
        .expect("the changed unit");
    assert_eq!(changed["basic_executed"], "7.25");
}

async fn table_agrees_with_the_stored_documents(app: &TestApp, analyst: &str) {
    let table = app
        .with_token(analyst)
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&limit=500"
        ))
        .await;
    assert_eq!(table.status, 200, "{}", table.body);
    let rows = table.body["items"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 40);
    assert_eq!(table.body["total"], 40);

    let mut execution = Vec::new();
    let mut scores = Vec::new();
    let mut three_change = Vec::new();
    let mut sums = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for row in &rows {
        let code = row["department_code"].as_str().unwrap();
        let report = app.get(&evaluation_path(code, YEAR)).await.body["report"].clone();
        let before = app.get(&evaluation_path(code, YEAR - 1)).await.body["report"].clone();
        let figures = recompute(&report);
        same(
            Some(figures.initial),
            &row["total_initial"],
            "total_initial",
        );
        same(
            Some(figures.adjusted),
            &row["total_adjusted"],
            "total_adjusted",
        );
        same(
            Some(figures.executed),
            &row["total_executed"],
            "total_executed",
        );
        same(
            dec(&report["budget"]["basic"]["amounts"]["executed"]),
            &row["basic_executed"],
            "basic_executed",
        );
        same(
            dec(&report["budget"]["projects"]["amounts"]["initial"]),
            &row["project_initial"],
            "project_initial",
        );
        same(
            percent(figures.executed, figures.adjusted),
            &row["execution_rate"],
            "execution_rate",
        );
        same(
            percent(figures.adjusted - figures.initial, figures.initial),
            &row["adjustment_rate"],
            "adjustment_rate",
        );
        same(
            Some(figures.three_actual),
            &row["three_public_actual"],
            "three_public_actual",
        );
        let prior = recompute(&before).three_actual;
        assert_eq!(
            prior, figures.three_prior_stated,
            "the demo reads the prior year from the previous report"
        );
        same(
            Some(prior),
            &row["three_public_prior_actual"],
            "prior actual read from the previous report",
        );
        same(
            percent(figures.three_actual - prior, prior),
            &row["three_public_change_rate"],
            "three_public_change_rate",
        );
        same(
            figures.staffing,
            &row["staffing_control_rate"],
            "staffing_control_rate",
        );
        assert_eq!(row["problems_count"], figures.problems);

        let score = app
            .get(&format!("{}/score", evaluation_path(code, YEAR)))
            .await
            .body;
        assert_eq!(row["score"], score["total"], "score of {code}");
        assert_eq!(row["grade"], score["grade"], "grade of {code}");
        let indicators = score["indicators"].as_array().unwrap();
        let met = indicators.iter().filter(|i| i["met"] == true).count();
        assert_eq!(row["indicators_met"], met);
        same(
            percent(Decimal::from(met), Decimal::from(indicators.len())),
            &row["indicators_met_share"],
            "met share",
        );
        let findings = app
            .get(&format!("{}/findings", evaluation_path(code, YEAR)))
            .await
            .body;
        assert_eq!(
            row["findings_count"],
            findings["findings"].as_array().unwrap().len()
        );
        assert_eq!(row["findings_errors"], findings["errors"]);

        execution.push(percent(figures.executed, figures.adjusted));
        scores.push(dec(&score["total"]));
        three_change.push(percent(figures.three_actual - prior, prior));
        sums = (
            sums.0 + figures.initial,
            sums.1 + figures.adjusted,
            sums.2 + figures.executed,
        );
    }
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["execution_rate_rank"], rank(&execution, i));
        assert_eq!(row["score_rank"], rank(&scores, i));
        assert_eq!(row["three_public_change_rate_rank"], rank(&three_change, i));
    }
    let district = &table.body["district"];
    assert_eq!(district["units"], 40);
    same(Some(sums.0), &district["total_initial"], "district initial");
    same(
        Some(sums.2),
        &district["total_executed"],
        "district executed",
    );
    same(
        percent(sums.2, sums.1),
        &district["execution_rate"],
        "district execution rate",
    );
    let mut sorted: Vec<Decimal> = execution.iter().flatten().copied().collect();
    sorted.sort();
    let median = ((sorted[19] + sorted[20]) / Decimal::TWO).round_dp(4);
    same(
        Some(median),
        &table.body["medians"]["execution_rate"],
        "median execution rate",
    );
}

#[actix_rt::test]
async fn the_table_sorts_filters_pages_and_rolls_up() {
    let (app, analyst) = dataset(30).await;
    let analyst = app.with_token(&analyst);
    let by_score = analyst
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&sort=score&order=desc&limit=500"
        ))
        .await;
    let scores: Vec<Option<Decimal>> = by_score.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| dec(&r["score"]))
        .collect();
    let mut expected = scores.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(scores, expected);

    let page = analyst
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&sort=score&order=desc&limit=5&offset=5"
        ))
        .await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 5);
    assert_eq!(page.body["items"][0], by_score.body["items"][5]);
    assert_eq!(page.body["total"], 30);

    let published = analyst
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&status=published&limit=500"
        ))
        .await;
    assert!(
        published.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "published")
    );
    let streets = analyst
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&kind=street_office&limit=500"
        ))
        .await;
    assert!(
        streets.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["kind"] == "street_office")
    );
    analyst
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&sort=nonsense"
        ))
        .await
        .assert_problem(400, "invalid_parameters");

    let all = by_score.body["items"].as_array().unwrap().clone();
    let parent = all
        .iter()
        .find_map(|r| r["parent_code"].as_str())
        .expect("a subordinate unit")
        .to_owned();
    let children: Vec<&Value> = all
        .iter()
        .filter(|r| r["parent_code"] == parent.as_str())
        .collect();
    let own = all
        .iter()
        .find(|r| r["department_code"] == parent.as_str())
        .unwrap();
    let rolled = analyst
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&rollup=true&limit=500"
        ))
        .await;
    let rolled_rows = rolled.body["items"].as_array().unwrap();
    assert!(rolled_rows.iter().all(|r| r["parent_code"].is_null()));
    let group = rolled_rows
        .iter()
        .find(|r| r["department_code"] == parent.as_str())
        .unwrap();
    let expected_executed: Decimal = std::iter::once(own)
        .chain(children.iter().copied())
        .map(|r| dec(&r["total_executed"]).unwrap())
        .sum();
    same(
        Some(expected_executed),
        &group["total_executed"],
        "rolled-up executed",
    );
    assert_eq!(
        group["score"], own["score"],
        "the score stays the parent's own"
    );
}

#[actix_rt::test]
async fn csv_and_xlsx_read_back_as_the_json_says() {
    let (app, analyst) = dataset(25).await;
    let analyst = app.with_token(&analyst);
    let query = format!(
        "/api/v1/comparisons/departments?year={YEAR}&sort=execution_rate&order=desc&limit=500"
    );
    let json = analyst.get(&query).await.body["items"]
        .as_array()
        .unwrap()
        .clone();

    let csv = analyst
        .send(
            actix_web::http::Method::GET,
            &query,
            &[("accept", "text/csv")],
            Vec::new(),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let text = csv.body.as_str().unwrap().to_owned();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers[0], "Unit code");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), json.len());
    let keys: Vec<&str> = json[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let text_of = |value: &Value| match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for (record, row) in records.iter().zip(&json) {
        assert_eq!(
            record.get(0).unwrap(),
            row["department_code"].as_str().unwrap()
        );
        assert_eq!(record.get(14).unwrap(), text_of(&row["execution_rate"]));
        assert_eq!(record.get(25).unwrap(), text_of(&row["score"]));
        assert_eq!(record.get(27).unwrap(), text_of(&row["grade"]));
        assert_eq!(record.len(), 35);
    }
    assert!(keys.contains(&"execution_rate_rank"));

    let zh = analyst.get(&format!("{query}&format=csv&lang=zh")).await;
    assert!(zh.body.as_str().unwrap().contains("预算执行率（%）"));

    let raw = app_bytes(
        &app,
        &app.login("analyst1", "analyst1-password").await,
        &format!("{query}&format=xlsx"),
    )
    .await;
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(raw)).expect("an XLSX workbook");
    let sheet = workbook.worksheet_range("departments").expect("the sheet");
    let sheet_rows: Vec<_> = sheet.rows().collect();
    assert_eq!(sheet_rows.len(), json.len() + 1);
    assert_eq!(sheet_rows[0][0], Data::String("Unit code".to_owned()));
    for (cells, row) in sheet_rows[1..].iter().zip(&json) {
        assert_eq!(
            cells[0],
            Data::String(row["department_code"].as_str().unwrap().to_owned())
        );
        match (&cells[14], dec(&row["execution_rate"])) {
            (Data::Float(value), Some(expected)) => {
                assert_eq!(*value, expected.to_string().parse::<f64>().unwrap())
            }
            (Data::Empty, None) => {}
            (cell, expected) => panic!("execution rate {cell:?} against {expected:?}"),
        }
        match &cells[15] {
            Data::Float(rank) => assert_eq!(json!(*rank as i64), row["execution_rate_rank"]),
            Data::Empty => assert!(row["execution_rate_rank"].is_null()),
            other => panic!("a rank {other:?}"),
        }
    }
}

/// The raw bytes of an answer.
async fn app_bytes(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let client = awc::Client::default();
    let mut response = client
        .get(format!("{}{path}", app.address))
        .insert_header(("authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    response
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .expect("a body")
        .to_vec()
}

#[actix_rt::test]
async fn trends_deviation_unmet_goals_and_grades_agree_with_the_reports() {
    let (app, analyst) = dataset(20).await;
    let analyst = app.with_token(&analyst);
    let units: Vec<String> = (1..=20).map(|i| format!("D{i:05}")).collect();

    let mut scores = HashMap::new();
    let mut missed: HashMap<(String, String), Vec<i32>> = HashMap::new();
    let mut district: HashMap<i32, (Decimal, Decimal)> = HashMap::new();
    for code in &units {
        for year in YEAR - 2..=YEAR {
            let score = app
                .get(&format!("{}/score", evaluation_path(code, year)))
                .await
                .body;
            for indicator in score["indicators"].as_array().unwrap() {
                if indicator["met"] == false {
                    missed
                        .entry((code.clone(), indicator["name"].as_str().unwrap().to_owned()))
                        .or_default()
                        .push(year);
                }
            }
            let figures = recompute(&app.get(&evaluation_path(code, year)).await.body["report"]);
            let entry = district.entry(year).or_default();
            *entry = (entry.0 + figures.executed, entry.1 + figures.adjusted);
            if year == YEAR {
                scores.insert(code.clone(), (score["grade"].clone(), figures));
            }
        }
    }

    let trend = analyst.get("/api/v1/comparisons/trends").await;
    assert_eq!(trend.body["to"], YEAR);
    for row in trend.body["items"].as_array().unwrap() {
        let year = row["year"].as_i64().unwrap() as i32;
        let (executed, adjusted) = district[&year];
        same(Some(executed), &row["total_executed"], "district executed");
        same(
            percent(executed, adjusted),
            &row["execution_rate"],
            "district rate",
        );
        assert_eq!(row["units"], 20);
    }
    let one = analyst
        .get(&format!(
            "/api/v1/comparisons/trends?department=D00003&from={}&to={YEAR}",
            YEAR - 2
        ))
        .await;
    assert_eq!(one.body["items"].as_array().unwrap().len(), 3);

    let deviation = analyst
        .get(&format!("/api/v1/comparisons/deviation?year={YEAR}"))
        .await;
    for row in deviation.body["items"].as_array().unwrap() {
        let figures = &scores[row["department_code"].as_str().unwrap()].1;
        let expected = percent(figures.executed - figures.initial, figures.initial).unwrap();
        same(Some(expected), &row["deviation"], "deviation");
        let band = match expected.abs() {
            d if d <= Decimal::from(5) => "within5",
            d if d <= Decimal::from(10) => "within10",
            d if d <= Decimal::from(15) => "within15",
            _ => "beyond15",
        };
        assert_eq!(row["band"], band);
    }

    let grades = analyst
        .get(&format!("/api/v1/comparisons/grades?year={YEAR}"))
        .await;
    for row in grades.body["items"].as_array().unwrap() {
        let grade = row["grade"].as_str().unwrap();
        let count = scores
            .values()
            .filter(|(g, _)| g.as_str().unwrap_or("ungraded") == grade)
            .count();
        assert_eq!(row["units"], count, "{grade}");
    }

    let unmet = analyst.get("/api/v1/comparisons/unmet-goals?years=2").await;
    let found: Vec<(String, String, Vec<i64>)> = unmet.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let years = r["years"]
                .as_array()
                .unwrap()
                .iter()
                .map(|y| y.as_i64().unwrap())
                .collect();
            (
                r["department_code"].as_str().unwrap().to_owned(),
                r["indicator"].as_str().unwrap().to_owned(),
                years,
            )
        })
        .collect();
    let mut expected: Vec<(String, String, Vec<i64>)> = missed
        .into_iter()
        .filter_map(|((code, name), years)| {
            let run = longest_run(&years);
            (run.len() >= 2).then(|| (code, name, run.into_iter().map(i64::from).collect()))
        })
        .collect();
    expected.sort();
    let mut found_sorted = found.clone();
    found_sorted.sort();
    assert_eq!(found_sorted, expected);
}

fn longest_run(years: &[i32]) -> Vec<i32> {
    let mut best: Vec<i32> = Vec::new();
    let mut run: Vec<i32> = Vec::new();
    for year in years {
        if run.last().is_some_and(|last| last + 1 != *year) {
            run.clear();
        }
        run.push(*year);
        if run.len() > best.len() {
            best = run.clone();
        }
    }
    best
}

#[actix_rt::test]
async fn a_unit_sees_only_its_own_rows_and_reprojection_rebuilds_the_tables() {
    let (app, analyst) = dataset(15).await;
    let parent = app.get("/api/v1/departments?limit=500").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|d| d["parent_code"].as_str().map(str::to_owned))
        .expect("a parent");
    let unit = app.user_token("unit-user", "unit", Some(&parent)).await;
    let seen = app
        .with_token(&unit)
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&limit=500"
        ))
        .await;
    let rows = seen.body["items"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["department_code"] == parent.as_str() || r["parent_code"] == parent.as_str()));
    assert_eq!(seen.body["district"]["units"], rows.len());
    let csv = app
        .with_token(&unit)
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&format=csv"
        ))
        .await;
    assert_eq!(csv.body.as_str().unwrap().lines().count(), rows.len() + 1);

    let before = app
        .with_token(&analyst)
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&limit=500"
        ))
        .await
        .body;
    let mut conn =
        perfeval::store::DbConnection::establish(&app.database_url).expect("a connection");
    diesel::sql_query("DELETE FROM indicator_metrics")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("DELETE FROM evaluation_metrics")
        .execute(&mut conn)
        .unwrap();
    let emptied = app
        .with_token(&analyst)
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&limit=500"
        ))
        .await
        .body;
    assert_eq!(emptied["total"], 0);
    let rebuilt = perfeval::app::maintenance::reproject(&Store::connect(
        &app.database_url,
        1,
        std::time::Duration::from_secs(10),
    ))
    .unwrap();
    assert_eq!(rebuilt, 45);
    let after = app
        .with_token(&analyst)
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&limit=500"
        ))
        .await
        .body;
    assert_eq!(after, before);
}

/// A GET of `path` with `If-None-Match: tag`.
async fn revalidate(app: &TestApp, token: &str, path: &str, tag: &str) -> crate::helpers::Answer {
    app.with_token(token)
        .send(
            actix_web::http::Method::GET,
            path,
            &[("if-none-match", tag)],
            Vec::new(),
        )
        .await
}

#[actix_rt::test]
async fn a_table_is_not_modified_until_its_year_changes_and_each_answer_has_its_own_etag() {
    let (app, analyst) = dataset(6).await;
    let path = format!("/api/v1/comparisons/departments?year={YEAR}&limit=500");
    let first = app.with_token(&analyst).get(&path).await;
    let tag = first.header("etag").expect("an ETag");
    let again = revalidate(&app, &analyst, &path, &tag).await;
    assert_eq!(again.status, 304);
    assert_eq!(again.header("etag").as_deref(), Some(tag.as_str()));
    assert!(again.bytes.is_empty());
    for other in [
        format!("{path}&format=csv"),
        format!("{path}&sort=score"),
        format!("/api/v1/comparisons/departments?year={YEAR}&limit=1"),
        format!(
            "/api/v1/comparisons/departments?year={}&limit=500",
            YEAR - 1
        ),
    ] {
        let answer = revalidate(&app, &analyst, &other, &tag).await;
        assert_eq!(answer.status, 200, "{other} is another answer");
        assert_ne!(answer.header("etag").as_deref(), Some(tag.as_str()));
    }
    for table in ["deviation", "grades"] {
        let path = format!("/api/v1/comparisons/{table}?year={YEAR}");
        let answer = app.with_token(&analyst).get(&path).await;
        let own = answer.header("etag").expect("an ETag");
        assert_eq!(revalidate(&app, &analyst, &path, &own).await.status, 304);
    }

    // A change of another year leaves this year's table as it was.
    let weights = json!({"weights": {"budget_execution": "20", "output": "40", "effect": "30", "satisfaction": "10"}});
    let settings = app
        .put(&format!("/api/v1/years/{}/settings", YEAR - 2), &weights)
        .await;
    assert!(settings.status < 300, "{}", settings.status);
    assert_eq!(revalidate(&app, &analyst, &path, &tag).await.status, 304);
    let code = first.body["items"][0]["department_code"]
        .as_str()
        .unwrap()
        .to_owned();

    // Renaming a unit changes every year's tables.
    let renamed = app
        .patch(
            &format!("/api/v1/departments/{code}"),
            &json!({"name": "更名后的单位"}),
        )
        .await;
    assert_eq!(renamed.status, 200);
    let after = revalidate(&app, &analyst, &path, &tag).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.header("etag"), Some(tag));
    assert_eq!(after.body["items"][0]["department_name"], "更名后的单位");
}

/// A unit's "三公" change in a year is against its own previous year's report: a change of that
/// report changes this year's table.
#[actix_rt::test]
async fn a_change_of_the_previous_years_report_changes_this_years_table() {
    let app = spawn_app().await;
    let analyst = app.user_token("analyst1", "analyst", None).await;
    assert_eq!(app.create_department("D77001", None).await.status, 201);
    let mut report = crate::helpers::seed_fixture()["report"].take();
    report["budget"]["three_public"]["total"]["actual"] = json!("2.50");
    for year in [YEAR - 1, YEAR] {
        let put = app.put(&evaluation_path("D77001", year), &report).await;
        assert!(put.status < 300, "{}", put.status);
    }
    let path = format!("/api/v1/comparisons/departments?year={YEAR}");
    let before = app.with_token(&analyst).get(&path).await;
    let tag = before.header("etag").expect("an ETag");
    assert_eq!(before.body["items"][0]["three_public_prior_actual"], "2.5");

    report["budget"]["three_public"]["total"]["actual"] = json!("1.5");
    let previous = app.get(&evaluation_path("D77001", YEAR - 1)).await;
    let etag = previous.header("etag").expect("an ETag");
    let put = app
        .json_with(
            actix_web::http::Method::PUT,
            &evaluation_path("D77001", YEAR - 1),
            &[("if-match", etag.as_str())],
            &report,
        )
        .await;
    assert!(put.status < 300, "{}", put.status);
    let after = revalidate(&app, &analyst, &path, &tag).await;
    assert_eq!(after.status, 200);
    assert_eq!(after.body["items"][0]["three_public_prior_actual"], "1.5");
}

#[actix_rt::test]
async fn a_change_made_through_another_server_is_seen_at_the_next_request() {
    let (app, analyst) = dataset(5).await;
    let path = format!("/api/v1/comparisons/departments?year={YEAR}&limit=500");
    let before = app.with_token(&analyst).get(&path).await;
    let tag = before.header("etag").expect("an ETag");
    let code = before.body["items"][1]["department_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let patch = json!({"name": "另一台服务器改的名"});
    if app.database_url.starts_with("postgres") {
        // A second server on the same PostgreSQL database makes the change.
        let url = app.database_url.clone();
        let other = crate::helpers::spawn_app_with(move |s| s.database_url = url).await;
        let renamed = other
            .patch(&format!("/api/v1/departments/{code}"), &patch)
            .await;
        assert_eq!(renamed.status, 200);
    } else {
        // A SQLite file is served by one process; the change comes from another connection
        // pool with no memory shared with the server, as a command-line job's would.
        let other = Store::connect(&app.database_url, 1, std::time::Duration::from_secs(10));
        other
            .update_department(
                &code.parse().unwrap(),
                serde_json::from_value(patch).unwrap(),
                None,
            )
            .unwrap();
    }
    let after = revalidate(&app, &analyst, &path, &tag).await;
    assert_eq!(after.status, 200);
    assert_eq!(
        after.body["items"][1]["department_name"],
        "另一台服务器改的名"
    );
}

#[actix_rt::test]
async fn limit_one_pages_walk_the_sorted_table_row_by_row() {
    let (app, analyst) = dataset(8).await;
    let analyst = app.with_token(&analyst);
    let whole = analyst
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&sort=execution_rate&order=desc&limit=500"
        ))
        .await
        .body;
    let rows = whole["items"].as_array().unwrap();
    for (at, row) in rows.iter().enumerate() {
        let page = analyst
            .get(&format!(
                "/api/v1/comparisons/departments?year={YEAR}&sort=execution_rate&order=desc&limit=1&offset={at}"
            ))
            .await
            .body;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(&page["items"][0], row);
        assert_eq!(page["total"], rows.len());
        assert_eq!(page["district"], whole["district"]);
        assert_eq!(page["medians"], whole["medians"]);
    }
    let past = analyst
        .get(&format!(
            "/api/v1/comparisons/departments?year={YEAR}&limit=1&offset={}",
            rows.len()
        ))
        .await
        .body;
    assert_eq!(past["items"], json!([]));
}

#[actix_rt::test]
async fn the_streamed_csv_says_what_the_json_table_says_cell_by_cell() {
    let (app, analyst) = dataset(40).await;
    let analyst = app.with_token(&analyst);
    let path = format!("/api/v1/comparisons/departments?year={YEAR}&sort=score&order=desc");
    let json = analyst.get(&format!("{path}&limit=500")).await.body;
    let rows = json["items"].as_array().unwrap();
    let csv = analyst.get(&format!("{path}&format=csv")).await;
    let records: Vec<csv::StringRecord> = csv::Reader::from_reader(
        csv.body
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('\u{feff}')
            .as_bytes(),
    )
    .records()
    .map(Result::unwrap)
    .collect();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(rows) {
        let fields: Vec<&Value> = perfeval::api::comparisons::departments::DepartmentColumn::ALL
            .iter()
            .map(|column| &row[column.as_str()])
            .collect();
        assert_eq!(record.len(), fields.len());
        assert_eq!(row.as_object().unwrap().len(), fields.len());
        for (cell, value) in record.iter().zip(fields) {
            let expected = match value {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(cell, expected, "in {row}");
        }
    }
}

#[actix_rt::test]
async fn the_table_sorts_by_every_column_either_way_with_the_empty_cells_last() {
    const TEXT: [&str; 6] = [
        "department_code",
        "department_name",
        "kind",
        "parent_code",
        "status",
        "grade",
    ];
    let (app, analyst) = dataset(12).await;
    let analyst = app.with_token(&analyst);
    let columns: Vec<String> = perfeval::api::comparisons::departments::DepartmentColumn::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    for column in &columns {
        for order in ["asc", "desc"] {
            let body = analyst
                .get(&format!(
                    "/api/v1/comparisons/departments?year={YEAR}&sort={column}&order={order}&limit=500"
                ))
                .await
                .body;
            let values: Vec<&Value> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r[column.as_str()])
                .collect();
            let present = values.iter().take_while(|v| !v.is_null()).count();
            assert!(
                values[present..].iter().all(|v| v.is_null()),
                "{column} {order}: the empty cells come last"
            );
            for pair in values[..present].windows(2) {
                let ordering = match (pair[0], pair[1]) {
                    (Value::Number(a), Value::Number(b)) => a.as_i64().cmp(&b.as_i64()),
                    (a, b) if TEXT.contains(&column.as_str()) => a.as_str().cmp(&b.as_str()),
                    (a, b) => dec(a).cmp(&dec(b)),
                };
                let wrong = if order == "asc" {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                };
                assert_ne!(
                    ordering, wrong,
                    "{column} {order}: {} then {}",
                    pair[0], pair[1]
                );
            }
        }
    }
}

#[actix_rt::test]
async fn a_tables_csv_and_xlsx_are_paths_of_their_own_and_the_query_form_still_answers() {
    let app = spawn_app().await;
    app.create_department("101001", None).await;
    let report = json!({"budget": {"basic": {"amounts": {"initial": "1659.36"}}}});
    assert_eq!(
        app.put(&evaluation_path("101001", 2021), &report)
            .await
            .status,
        201
    );
    let csv = app
        .get("/api/v1/comparisons/departments.csv?year=2021&format=json")
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.header("content-type")
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let text = String::from_utf8_lossy(&csv.bytes).into_owned();
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("Unit code,"),
        "{text}"
    );
    let query = app
        .get("/api/v1/comparisons/departments?year=2021&format=csv")
        .await;
    assert_eq!(query.bytes, csv.bytes);
    let xlsx = app.get("/api/v1/comparisons/grades.xlsx?year=2021").await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.bytes.starts_with(b"PK\x03\x04"));
    let projects = app
        .get("/api/v1/departments/101001/evaluations/2021/projects.csv")
        .await;
    assert_eq!(projects.status, 200);
    // The self-evaluation table keeps its own path.
    let form = app
        .get("/api/v1/departments/101001/evaluations/2021/form.xlsx")
        .await;
    assert_eq!(form.status, 200);
}
