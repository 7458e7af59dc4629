//! Measures the comparison table against the HTTP ceiling of the same server, in one run:
//! 5,000 units × 5 years of demo data, a full sorted page (500 rows), the whole table as CSV,
//! the rolled-up table, and a single report, each against `GET /healthz`. Writes the results
//! to `docs/benchmarks.md`.
//!
//! `cargo bench --bench comparisons` (SQLite in a temporary file); set
//! `BENCH_DATABASE_URL=postgres://…/db` to measure on an empty PostgreSQL database instead.
//! `BENCH_DEPARTMENTS` and `BENCH_YEARS` change the size (default 5000 and 5).

use std::time::{Duration, Instant};

use perfeval::config::{Limits, Secret, Settings};
use perfeval::startup::Application;
use perfeval::store::Store;

const ROUNDS: usize = 30;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Measured {
    what: &'static str,
    request: String,
    median: Duration,
    p95: Duration,
    bytes: usize,
}

async fn measure(
    client: &awc::Client,
    base: &str,
    token: &str,
    what: &'static str,
    path: &str,
) -> Measured {
    let mut times = Vec::with_capacity(ROUNDS);
    let mut bytes = 0;
    for round in 0..ROUNDS + 3 {
        let started = Instant::now();
        let mut response = client
            .get(format!("{base}{path}"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .send()
            .await
            .expect("an answer");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let body = response
            .body()
            .limit(256 * 1024 * 1024)
            .await
            .expect("a body");
        let elapsed = started.elapsed();
        bytes = body.len();
        if round >= 3 {
            times.push(elapsed);
        }
    }
    times.sort();
    Measured {
        what,
        request: path.to_owned(),
        median: times[times.len() / 2],
        p95: times[(times.len() * 95).div_ceil(100) - 1],
        bytes,
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1000.0)
}

fn main() {
    let departments = env_number("BENCH_DEPARTMENTS", 5000);
    let years = env_number("BENCH_YEARS", 5);
    let directory = std::env::temp_dir().join(format!("perfeval-bench-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    let database_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| directory.join("bench.db").to_string_lossy().into_owned());
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    let store = Store::connect(&database_url, 1, Duration::from_secs(10));
    store.migrate().expect("migrations");
    let generated = Instant::now();
    let units = perfeval::demo::generate(departments, years, 2025, 1).expect("demo data");
    let generation = generated.elapsed();
    let imported = Instant::now();
    let reports = perfeval::app::maintenance::import(
        &store,
        units.iter().map(|u| (&u.department, u.reports.as_slice())),
        "bench",
    )
    .expect("imported");
    let import = imported.elapsed();
    drop(units);
    eprintln!(
        "{reports} reports generated in {generation:?}, stored with their projections in {import:?}"
    );

    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("an address"),
        database_url: database_url.clone(),
        pool_size: 8,
        max_body_bytes: 2 * 1024 * 1024,
        workers: Some(2),
        jwt_secret: Some(Secret::from(
            "benchmark-secret-that-is-32-bytes-long".to_owned(),
        )),
        dev: false,
        jwt_public_key: None,
        jwt_issuer: None,
        jwt_audience: None,
        jwt_max_ttl_seconds: 3600,
        cors_origins: Vec::new(),
        token_ttl_seconds: 3600,
        admin_user: "admin".to_owned(),
        admin_password: Some(Secret::from("benchmark-admin-password".to_owned())),
        limits: Limits::default(),
    };
    let results = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings).expect("the service starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        let client = awc::Client::builder().timeout(Duration::from_secs(300)).finish();
        let mut login = client
            .post(format!("{base}/api/v1/auth/token"))
            .send_json(&serde_json::json!({"username": "admin", "password": "benchmark-admin-password"}))
            .await
            .expect("login");
        let token: serde_json::Value = login.json().await.expect("a token");
        let token = token["access_token"].as_str().expect("a token").to_owned();
        vec![
            measure(&client, &base, &token, "HTTP ceiling", "/healthz").await,
            measure(&client, &base, &token, "one report", "/api/v1/departments/D00001/evaluations/2025").await,
            measure(&client, &base, &token, "full sorted page (500 rows)", "/api/v1/comparisons/departments?year=2025&sort=score&order=desc&limit=500").await,
            measure(&client, &base, &token, "rolled-up page (500 rows)", "/api/v1/comparisons/departments?year=2025&rollup=true&sort=execution_rate&order=desc&limit=500").await,
            measure(&client, &base, &token, "whole table as CSV", "/api/v1/comparisons/departments?year=2025&format=csv").await,
            measure(&client, &base, &token, "five-year district trend", "/api/v1/comparisons/trends").await,
        ]
    });

    let ceiling = results[0].median.as_secs_f64();
    let mut table = String::new();
    for result in &results {
        table.push_str(&format!(
            "| {} | `{}` | {} | {} | {:.0}× | {} |\n",
            result.what,
            result.request,
            ms(result.median),
            ms(result.p95),
            result.median.as_secs_f64() / ceiling,
            result.bytes
        ));
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let document = format!(
        "# Benchmarks\n\n\
         Measured by `cargo bench --bench comparisons` ({backend}, {cores} cores, release build, 2 HTTP workers).\n\
         The dataset is `perfeval demo --departments {departments} --years {years} --seed 1`: {reports} reports,\n\
         generated in {:.1} s and stored with their projections in {:.1} s. Each request was sent {ROUNDS} times\n\
         after 3 warm-up rounds, one at a time from a client on the same machine; the ratio is the median\n\
         against the median of `GET /healthz` on the same server in the same run (the HTTP ceiling).\n\n\
         | what | request | median (ms) | p95 (ms) | × ceiling | bytes |\n\
         |---|---|---|---|---|---|\n{table}\n\
         These are one run's figures on one machine: compare ratios, not milliseconds, across machines.\n",
        generation.as_secs_f64(),
        import.as_secs_f64(),
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/benchmarks.md");
    std::fs::write(path, &document).expect("docs/benchmarks.md written");
    print!("{document}");
    let _ = std::fs::remove_dir_all(&directory);
}
