//! The form login against pages of other sites, and what the audit log keeps: only real users
//! as actors, what each change to a user was, anonymous refusals summed per address, and
//! nothing past its retention.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use diesel::{Connection, RunQueryDsl};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Answer, TestApp, spawn_app, spawn_app_with};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// Posts the OAuth 2.0 password grant as a form, with the headers a browser would add.
async fn form_login(
    app: &TestApp,
    username: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let body = format!("grant_type=password&username={username}&password={password}");
    let mut all = vec![FORM];
    all.extend_from_slice(headers);
    app.anonymous()
        .send(Method::POST, "/api/v1/auth/token", &all, body.into_bytes())
        .await
}

/// The whole audit log, oldest first.
async fn audit_log(app: &TestApp) -> Vec<Value> {
    let log = app.get("/api/v1/audit-log?limit=500").await;
    assert_eq!(log.status, 200, "{}", log.body);
    let mut items = log.body["items"].as_array().cloned().unwrap_or_default();
    items.reverse();
    items
}

/// A page of another site makes the clerk's browser post the login form 30 times (`no-cors`):
/// every post is refused before it is counted, so the office's address keeps its budget; the
/// docs UI's form login from the service's own page, a form from a client that is not a
/// browser, a JSON login, and a form from an allowed origin still log in.
#[actix_rt::test]
async fn a_login_form_posted_by_another_sites_page_is_refused_and_spends_no_budget() {
    let app = spawn_app().await;
    app.user_token("clerk", "analyst", None).await;
    let foreign = [
        vec![
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "https://other.gov.cn"),
        ],
    ];
    for i in 0..30 {
        let headers = &foreign[i % foreign.len()];
        form_login(&app, "clerk", &format!("guess-{i}"), headers)
            .await
            .assert_problem(403, "cross_site_request");
    }
    // Not one of them was counted: the wrong passwords of the office are still answered 401.
    for i in 0..4 {
        let wrong = form_login(&app, "clerk", &format!("typo-{i}"), &[]).await;
        assert_eq!(wrong.status, 401, "{}", wrong.body);
    }
    let own = app.address.clone();
    let docs_ui = form_login(
        &app,
        "clerk",
        "clerk-password",
        &[("origin", own.as_str()), ("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(docs_ui.status, 200, "{}", docs_ui.body);
    let older_browser =
        form_login(&app, "clerk", "clerk-password", &[("origin", own.as_str())]).await;
    assert_eq!(older_browser.status, 200, "{}", older_browser.body);
    let typed = form_login(
        &app,
        "clerk",
        "clerk-password",
        &[("sec-fetch-site", "none")],
    )
    .await;
    assert_eq!(typed.status, 200, "{}", typed.body);
    app.login("clerk", "clerk-password").await;

    // The refusals are one summed entry, which names no one.
    let log = audit_log(&app).await;
    let refused: Vec<&Value> = log.iter().filter(|e| e["status"] == 403).collect();
    assert_eq!(refused.len(), 1, "{log:?}");
    assert_eq!(refused[0]["occurrences"], 30);
    assert_eq!(refused[0]["actor"], Value::Null);
    assert_eq!(refused[0]["action"], "login");

    let portal = "https://portal.example.gov.cn";
    let with_portal = spawn_app_with(|s| s.cors_origins = vec![portal.to_owned()]).await;
    let allowed = form_login(
        &with_portal,
        "admin",
        ADMIN_PASSWORD,
        &[("origin", portal), ("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
}

/// A password typed into the user-name field, shaped like a user name, is never kept: the
/// entry says "unknown user". A real user's wrong password names the user.
#[actix_rt::test]
async fn a_password_typed_as_the_user_name_is_never_stored() {
    let app = spawn_app().await;
    app.user_token("zhang.wei", "reviewer", None).await;
    for (username, password) in [("Winter2026.pass", ""), ("zhang.wei", "not-his-password")] {
        let refused = app
            .anonymous()
            .post(
                "/api/v1/auth/token",
                &json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(refused.status, 401, "{}", refused.body);
    }
    let form = form_login(&app, "S3cret-Spring.2027", "x", &[]).await;
    assert_eq!(form.status, 401);

    let log = audit_log(&app).await;
    let text = serde_json::to_string(&log).unwrap();
    for secret in ["Winter2026.pass", "S3cret-Spring.2027", "not-his-password"] {
        assert!(!text.contains(secret), "the log keeps {secret}: {text}");
    }
    let failed: Vec<(Value, Value, Value)> = log
        .iter()
        .filter(|e| e["action"] == "login" && e["status"] == 401)
        .map(|e| {
            (
                e["actor"].clone(),
                e["detail"].clone(),
                e["occurrences"].clone(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (Value::Null, json!("unknown user"), json!(2)),
            (json!("zhang.wei"), json!("wrong password"), json!(1)),
        ],
        "{text}"
    );
}

/// A password reset, a promotion to administrator, a demotion, a move and disabling are each
/// recorded as what changed, from what to what, and never with the new password.
#[actix_rt::test]
async fn each_kind_of_user_change_is_recorded_as_what_changed() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    app.create_department("200", None).await;
    app.user_token("li.na", "unit", Some("100")).await;
    let changes = [
        json!({"password": "a-brand-new-password"}),
        json!({"department": "200"}),
        json!({"role": "admin", "department": null}),
        json!({"role": "reviewer"}),
        json!({"disabled": true}),
        json!({"disabled": true}),
    ];
    for change in &changes {
        let answer = app.patch("/api/v1/users/li.na", change).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let log = audit_log(&app).await;
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("a-brand-new-password"), "{text}");
    let created: Vec<&Value> = log
        .iter()
        .filter(|e| e["action"] == "user.create")
        .collect();
    assert_eq!(created[0]["detail"], "role: unit; department: 100");
    let updates: Vec<&Value> = log
        .iter()
        .filter(|e| e["action"] == "user.update")
        .map(|e| &e["detail"])
        .collect();
    assert_eq!(
        updates,
        [
            "password reset",
            "department: 100 → 200",
            "role: unit → admin; department: 200 → none",
            "role: admin → reviewer",
            "enabled → disabled",
            "nothing changed",
        ],
        "{text}"
    );
}

/// 300 requests with a bad token and a long path, and 40 logins with made-up names, leave a
/// handful of entries whose counts add up to them, with the path cut; a real user's failed
/// login among them keeps an entry of its own.
#[actix_rt::test]
async fn a_flood_of_anonymous_refusals_is_summed_while_a_real_failed_login_is_kept() {
    let app = spawn_app().await;
    app.user_token("wang.fang", "analyst", None).await;
    let long_path = format!("/api/v1/departments/{}", "9".repeat(3000));
    for round in 0..30 {
        let requests =
            (0..10).map(|_| async { app.with_token("not-a-token").get(&long_path).await.status });
        for status in join_all(requests).await {
            assert_eq!(status, 401);
        }
        if round == 15 {
            let real = app
                .anonymous()
                .post(
                    "/api/v1/auth/token",
                    &json!({"username": "wang.fang", "password": "wrong-one"}),
                )
                .await;
            assert_eq!(real.status, 401);
        }
    }
    for i in 0..40 {
        let made_up = app
            .anonymous()
            .post(
                "/api/v1/auth/token",
                &json!({"username": format!("nobody{i}"), "password": "x"}),
            )
            .await;
        assert!([401, 429].contains(&made_up.status), "{}", made_up.body);
    }
    let log = audit_log(&app).await;
    let text = serde_json::to_string(&log).unwrap();
    // The admin's and wang.fang's logins and creation, the real failure, and the sums.
    assert!(log.len() <= 10, "{} entries: {text}", log.len());
    let summed = |action: &str| -> i64 {
        log.iter()
            .filter(|e| e["action"] == action && e["actor"].is_null())
            .map(|e| e["occurrences"].as_i64().unwrap_or(0))
            .sum()
    };
    assert_eq!(summed("authenticate"), 300, "{text}");
    assert_eq!(summed("login"), 40, "{text}");
    for entry in log.iter().filter(|e| e["action"] == "authenticate") {
        let target = entry["target"].as_str().unwrap_or_default();
        assert!(target.chars().count() <= 210, "{target}");
    }
    let real: Vec<&Value> = log
        .iter()
        .filter(|e| e["actor"] == "wang.fang" && e["status"] == 401)
        .collect();
    assert_eq!(real.len(), 1, "{text}");
    assert_eq!(real[0]["detail"], "wrong password");
    assert!(!text.contains("nobody"), "{text}");
}

/// Entries older than `PERFEVAL_AUDIT_RETENTION_DAYS` go as new ones are written, at most 16
/// with each; younger ones stay.
#[actix_rt::test]
async fn entries_past_the_retention_are_pruned_a_bounded_number_at_a_time() {
    let app = spawn_app_with(|s| s.audit_retention_days = 30).await;
    let mut conn =
        perfeval::store::DbConnection::establish(&app.database_url).expect("a connection");
    let at = |days: i64| {
        (Utc::now() - Duration::days(days))
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    for days in (31..71).chain([29]) {
        diesel::sql_query(format!(
            "INSERT INTO audit_log (at, action, status, outcome) VALUES ('{}', 'department.create', 201, 'succeeded')",
            at(days)
        ))
        .execute(&mut conn)
        .expect("an old entry");
    }
    assert_eq!(total(&app).await, 42);
    app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(total(&app).await, 42 + 1 - 16);
    app.login("admin", ADMIN_PASSWORD).await;
    app.login("admin", ADMIN_PASSWORD).await;
    // The four logins and the entry of 29 days ago.
    assert_eq!(total(&app).await, 5);
}

/// A login whose audit entry cannot be written is not granted: 503, and no token.
#[actix_rt::test]
async fn a_login_that_cannot_be_recorded_is_not_granted() {
    let app = spawn_app().await;
    let mut conn =
        perfeval::store::DbConnection::establish(&app.database_url).expect("a connection");
    diesel::sql_query("DROP TABLE audit_log")
        .execute(&mut conn)
        .expect("the log is gone");
    let answer = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    answer.assert_problem(503, "unavailable");
    assert!(answer.body.get("access_token").is_none());
}

/// How many entries the log holds.
async fn total(app: &TestApp) -> Value {
    app.get("/api/v1/audit-log?limit=1").await.body["total"].clone()
}
