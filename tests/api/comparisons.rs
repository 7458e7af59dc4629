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
    let table = app
        .with_token(&analyst)
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
