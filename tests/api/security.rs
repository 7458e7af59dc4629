//! The attacks a public-facing service must withstand, each against a fresh server: dodging
//! approved targets, locking accounts out, exhausting memory, nesting a report until it
//! cannot be read back, and loosely checked portal tokens.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Answer, TestApp, evaluation_path, spawn_app};
use crate::review::clean_report;

/// Department 100 with the clean report, its targets approved by a reviewer; the unit's and
/// the reviewer's tokens.
struct Approved {
    app: TestApp,
    unit: String,
    reviewer: String,
}

async fn approved_report() -> Approved {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let unit = app.user_token("unit100", "unit", Some("100")).await;
    let reviewer = app.user_token("reviewer1", "reviewer", None).await;
    let path = evaluation_path("100", 2021);
    let posted = app.with_token(&unit).put(&path, &clean_report()).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let approval = approve(&app, &reviewer, "1").await;
    assert_eq!(approval.status, 200, "{}", approval.body);
    Approved {
        app,
        unit,
        reviewer,
    }
}

async fn approve(app: &TestApp, reviewer: &str, version: &str) -> Answer {
    let path = format!("{}/goals/approve", evaluation_path("100", 2021));
    let etag = format!("\"{version}\"");
    app.with_token(reviewer)
        .send(Method::POST, &path, &[("if-match", &etag)], Vec::new())
        .await
}

fn paths(errors: &[(String, String)]) -> Vec<&str> {
    errors.iter().map(|(path, _)| path.as_str()).collect()
}

#[actix_rt::test]
async fn an_approved_indicator_cannot_be_dropped_rekeyed_or_retargeted_by_the_unit() {
    let a = approved_report().await;
    let unit = a.app.with_token(&a.unit);
    let path = evaluation_path("100", 2021);

    let mut rekeyed = clean_report();
    rekeyed["goals"]["indicators"][0]["id"] = json!("o-2");
    rekeyed["goals"]["indicators"][0]["target"] = json!("3000");
    rekeyed["results"]["indicators"][0]["indicator_id"] = json!("o-2");
    let refused = unit.put(&path, &rekeyed).await;
    let errors = refused.assert_problem(422, "invalid_body");
    assert!(paths(&errors).contains(&"goals.indicators"), "{errors:?}");
    assert!(
        errors.iter().any(|(_, message)| message.contains("`o`")),
        "{errors:?}"
    );

    let mut dropped = clean_report()["goals"].clone();
    dropped["indicators"].as_array_mut().unwrap().remove(0);
    let errors = unit
        .put(&format!("{path}/goals"), &dropped)
        .await
        .assert_problem(422, "invalid_body");
    assert!(paths(&errors).contains(&"goals.indicators"), "{errors:?}");

    let mut flipped = clean_report()["goals"].clone();
    flipped["indicators"][0]["comparison"] = json!("at_most");
    let errors = unit
        .put(&format!("{path}/goals"), &flipped)
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(paths(&errors), ["goals.indicators[0].comparison"]);

    let history = a.app.get(&format!("{path}/history")).await;
    assert_eq!(
        history.body["items"].as_array().map(Vec::len),
        Some(2),
        "a refused write changes nothing: {}",
        history.body
    );
}

#[actix_rt::test]
async fn an_indicator_added_after_approval_does_not_score_until_a_reviewer_approves_it() {
    let a = approved_report().await;
    let path = evaluation_path("100", 2021);
    let mut extended = clean_report();
    extended["goals"]["indicators"].as_array_mut().unwrap().push(json!(
        {"id": "x", "level1": "output", "level2": "质量", "name": "新增指标", "comparison": "at_least", "target": "1", "weight": "5"}
    ));
    extended["results"]["indicators"]
        .as_array_mut()
        .unwrap()
        .push(json!({"indicator_id": "x", "actual": "1", "self_score": "5"}));
    let written = a.app.with_token(&a.unit).put(&path, &extended).await;
    assert_eq!(written.status, 200, "{}", written.body);

    let score = a.app.get(&format!("{path}/score")).await;
    let added = indicator_score(&score.body, "x");
    assert_eq!(added["score"], Value::Null, "{}", score.body);
    assert_eq!(score.body["total"], Value::Null);
    assert!(
        score.body["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().contains("indicator x was added after")),
        "{}",
        score.body
    );

    let version = written.header("etag").unwrap().trim_matches('"').to_owned();
    assert_eq!(approve(&a.app, &a.reviewer, &version).await.status, 200);
    let score = a.app.get(&format!("{path}/score")).await;
    assert_eq!(indicator_score(&score.body, "x")["score"], "5");
}

fn indicator_score<'a>(scorecard: &'a Value, id: &str) -> &'a Value {
    scorecard["indicators"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["indicator_id"] == id))
        .unwrap_or_else(|| panic!("no indicator {id} in {scorecard}"))
}

/// Logs in from another loopback address (the limiter counts by the client's address).
async fn login_from(app: &TestApp, local: &str, username: &str, password: &str) -> u16 {
    let client = awc::Client::builder()
        .connector(awc::Connector::new().local_address(local.parse().expect("an address")))
        .finish();
    let response = client
        .post(format!("{}/api/v1/auth/token", app.address))
        .send_json(&json!({"username": username, "password": password}))
        .await
        .expect("the service answers");
    response.status().as_u16()
}

#[actix_rt::test]
async fn wrong_passwords_from_other_addresses_do_not_lock_the_owner_out() {
    let app = spawn_app().await;
    for attacker in ["127.0.0.2", "127.0.0.3"] {
        for _ in 0..5 {
            assert_eq!(login_from(&app, attacker, "admin", "guess").await, 401);
        }
        assert_eq!(
            login_from(&app, attacker, "admin", "guess").await,
            429,
            "the name is refused from the address that failed"
        );
    }
    assert_eq!(
        login_from(&app, "127.0.0.4", "admin", ADMIN_PASSWORD).await,
        200,
        "the owner, elsewhere, is slowed down but not refused"
    );
}

/// A budget whose project lines nest `levels` deep: the amounts of the innermost line sit at
/// depth 2 × levels + 3 of the body.
fn nested_budget(levels: usize) -> Value {
    let mut line = json!({"name": "最末级项目", "amounts": {"initial": "1"}});
    for _ in 1..levels {
        line = json!({"name": "项目", "children": [line]});
    }
    json!({"projects": {"lines": [line]}})
}

#[actix_rt::test]
async fn a_report_nested_deeper_than_storage_reads_back_is_refused_at_the_door() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let budget = format!("{}/budget", evaluation_path("100", 2021));
    let accepted = app.put(&budget, &nested_budget(20)).await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    assert_eq!(app.get(&budget).await.status, 200);

    // The deepest body the JSON reader takes, which stored inside the report is one level
    // more than it reads back.
    let refused = app.put(&budget, &nested_budget(62)).await;
    let errors = refused.assert_problem(422, "invalid_body");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .0
            .starts_with("budget.projects.lines[0].children[0].children[0]"),
        "{errors:?}"
    );
    assert_eq!(app.get(&budget).await.status, 200);
    assert_eq!(
        app.get(&evaluation_path("100", 2021)).await.body["version"],
        1,
        "nothing was stored"
    );
}
