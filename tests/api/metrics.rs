//! `GET /metrics` on the listener of its own (`PERFEVAL_METRICS_BIND`): what an operator's
//! Prometheus reads, and that the API's listener never answers it.

use actix_web::http::Method;

use crate::helpers::{TestApp, evaluation_path, seed_fixture, spawn_app, spawn_app_with};

async fn app_with_metrics() -> TestApp {
    spawn_app_with(|settings| {
        settings.metrics_bind = Some("127.0.0.1:0".parse().expect("an address"));
    })
    .await
}

/// The metrics text as scraped, with its content type.
async fn scrape(app: &TestApp) -> (u16, String, String) {
    let address = app.metrics_address.as_ref().expect("a metrics listener");
    let mut answer = awc::Client::default()
        .get(format!("{address}/metrics"))
        .send()
        .await
        .expect("the metrics listener answers");
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = answer.body().await.expect("a body");
    (
        answer.status().as_u16(),
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// The value of the sample whose name and labels start `series`, if it is there.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|rest| rest.trim().split(' ').next())
        .and_then(|value| value.parse().ok())
}

/// A service with metrics, and the seed's unit with its 2021 report: a draft that can be
/// submitted. Answers the unit's code and the report's path.
async fn app_with_a_draft() -> (TestApp, String, String) {
    let app = app_with_metrics().await;
    let seed = seed_fixture();
    let code = seed["department"]["code"]
        .as_str()
        .expect("a code")
        .to_owned();
    let created = app.post("/api/v1/departments", &seed["department"]).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let path = evaluation_path(&code, 2021);
    // The seed's project lines add up to more than its total, which blocks a submission.
    let mut report = seed["report"].clone();
    report["budget"]["projects"]["amounts"]["initial"] = "1494.77".into();
    let put = app.put(&path, &report).await;
    assert_eq!(put.status, 201, "{}", put.body);
    (app, code, path)
}

#[actix_rt::test]
async fn a_scrape_counts_requests_by_route_template_and_status_and_reports_by_year_and_state() {
    let (app, code, path) = app_with_a_draft().await;
    for _ in 0..2 {
        assert_eq!(app.get(&path).await.status, 200);
    }
    assert_eq!(app.get(&evaluation_path(&code, 2019)).await.status, 404);
    let probe = app.get("/no/such/path/4711").await;
    assert_eq!(probe.status, 404);
    for _ in 0..2 {
        let compared = app.get("/api/v1/comparisons/departments?year=2021").await;
        assert_eq!(compared.status, 200, "{}", compared.body);
    }

    let (status, content_type, text) = scrape(&app).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let route = "/api/v1/departments/{code}/evaluations/{year}";
    let ok =
        format!(r#"perfeval_http_requests_total{{method="GET",route="{route}",status="200"}}"#);
    assert!(
        sample(&text, &ok).is_some_and(|n| n >= 2.0),
        "{ok} in\n{text}"
    );
    let missing =
        format!(r#"perfeval_http_requests_total{{method="GET",route="{route}",status="404"}}"#);
    assert!(
        sample(&text, &missing).is_some_and(|n| n >= 1.0),
        "{missing} in\n{text}"
    );
    let unmatched = r#"perfeval_http_requests_total{method="GET",route="unmatched",status="404"}"#;
    assert!(sample(&text, unmatched).is_some_and(|n| n >= 1.0), "{text}");
    assert!(
        !text.contains("/no/such/path"),
        "a raw path became a label:\n{text}"
    );
    assert!(!text.contains(&code), "a raw path became a label:\n{text}");
    let timed =
        format!(r#"perfeval_http_request_duration_seconds_count{{method="GET",route="{route}"}}"#);
    assert!(
        sample(&text, &timed).is_some_and(|n| n >= 2.0),
        "{timed} in\n{text}"
    );
    let bucket = format!(
        r#"perfeval_http_request_duration_seconds_bucket{{le="+Inf",method="GET",route="{route}"}}"#
    );
    assert!(
        sample(&text, &bucket).is_some_and(|n| n >= 2.0),
        "{bucket} in\n{text}"
    );
    assert!(
        sample(&text, "perfeval_db_pool_wait_seconds_count").is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(&text, "perfeval_blocking_in_flight").is_some(),
        "{text}"
    );
    // The first comparison computes the year's table; the second is the answer written then.
    for (cache, outcome) in [
        ("year_tables", "miss"),
        ("written_answers", "miss"),
        ("written_answers", "hit"),
    ] {
        let lookups = format!(
            r#"perfeval_comparison_cache_lookups_total{{cache="{cache}",outcome="{outcome}"}}"#
        );
        assert!(
            sample(&text, &lookups).is_some_and(|n| n >= 1.0),
            "{lookups} in\n{text}"
        );
    }
    assert_eq!(
        sample(&text, r#"perfeval_reports{year="2021",state="draft"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"perfeval_reports{year="2021",state="published"}"#),
        Some(0.0),
        "{text}"
    );
    assert!(!text.contains(r#"year="2019""#), "{text}");
}

#[actix_rt::test]
async fn the_reports_counted_follow_a_report_through_its_states() {
    let (app, _, path) = app_with_a_draft().await;
    let submitted = app
        .send(Method::POST, &format!("{path}/submit"), &[], Vec::new())
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);

    let (_, _, text) = scrape(&app).await;
    assert_eq!(
        sample(&text, r#"perfeval_reports{year="2021",state="submitted"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"perfeval_reports{year="2021",state="draft"}"#),
        Some(0.0),
        "{text}"
    );
}

#[actix_rt::test]
async fn the_api_listener_does_not_answer_metrics_and_none_listen_unless_asked() {
    let app = spawn_app().await;
    assert!(app.metrics_address.is_none());
    for requester in [app.anonymous(), app.admin()] {
        let answer = requester.get("/metrics").await;
        assert_eq!(answer.status, 404, "{}", answer.body);
        assert!(!String::from_utf8_lossy(&answer.bytes).contains("perfeval_http_requests"));
    }

    let app = app_with_metrics().await;
    let answer = app.get("/metrics").await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert!(!String::from_utf8_lossy(&answer.bytes).contains("perfeval_http_requests"));
    let address = app.metrics_address.as_ref().expect("a metrics listener");
    let other = awc::Client::default()
        .get(format!("{address}/api/v1/departments"))
        .send()
        .await
        .expect("the metrics listener answers");
    assert_eq!(
        other.status().as_u16(),
        404,
        "the metrics listener serves only /metrics"
    );
}
