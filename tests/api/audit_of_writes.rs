//! Every write operation of the OpenAPI document leaves exactly one entry in the audit log
//! when it succeeds, written with the change; a refused change leaves its refusal and nothing
//! else, and a change whose entry cannot be written is not made.

use std::collections::BTreeSet;

use actix_web::http::Method;
use diesel::{Connection, RunQueryDsl};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Answer, TestApp, evaluation_path, spawn_app};
use crate::projects::clean_table;
use crate::review::clean_report;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The write operations (`METHOD /path/{template}`) the committed OpenAPI document lists.
fn documented_writes() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("the OpenAPI document is readable");
    let document: Value = serde_json::from_str(&text).expect("the OpenAPI document is JSON");
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .into_iter()
                .flat_map(|operations| operations.keys())
                .filter(|method| ["post", "put", "patch", "delete"].contains(&method.as_str()))
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect()
}

/// The log, newest first.
async fn entries(app: &TestApp) -> Vec<Value> {
    let log = app.get("/api/v1/audit-log?limit=500").await;
    assert_eq!(log.status, 200, "{}", log.body);
    log.body["items"].as_array().cloned().unwrap_or_default()
}

/// Runs the writes one after another, each asserted to succeed and to leave exactly one
/// entry that names it; answers the operations exercised.
struct Exercise<'a> {
    app: &'a TestApp,
    done: BTreeSet<String>,
}

impl Exercise<'_> {
    /// `answer` of the write `operation` on `path` succeeded, and left one entry more, for
    /// `action`, naming `path`, with the status answered.
    async fn check(
        &mut self,
        operation: &str,
        path: &str,
        action: &str,
        before: usize,
        answer: Answer,
    ) {
        assert!(
            (200..300).contains(&answer.status),
            "{operation} on {path}: {} {}",
            answer.status,
            answer.body
        );
        let log = entries(self.app).await;
        assert_eq!(log.len(), before + 1, "{operation} on {path}: {log:#?}");
        let entry = &log[0];
        assert_eq!(entry["action"], action, "{operation}: {entry}");
        assert_eq!(entry["outcome"], "succeeded", "{operation}: {entry}");
        assert_eq!(entry["status"], answer.status, "{operation}: {entry}");
        if action != "login" {
            assert_eq!(entry["actor"], "admin", "{operation}: {entry}");
            assert_eq!(entry["target"], path, "{operation}: {entry}");
        }
        self.done.insert(operation.to_owned());
    }

    async fn json(
        &mut self,
        operation: &str,
        path: &str,
        action: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Answer {
        let before = entries(self.app).await.len();
        let method = Method::from_bytes(operation.split(' ').next().unwrap_or("").as_bytes())
            .expect("a method");
        let answer = self.app.json_with(method, path, headers, &body).await;
        let kept = Answer {
            status: answer.status,
            headers: answer.headers.clone(),
            body: answer.body.clone(),
            bytes: Vec::new(),
        };
        self.check(operation, path, action, before, answer).await;
        kept
    }

    async fn bytes(
        &mut self,
        operation: &str,
        path: &str,
        action: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) {
        let before = entries(self.app).await.len();
        let method = Method::from_bytes(operation.split(' ').next().unwrap_or("").as_bytes())
            .expect("a method");
        let answer = self.app.send(method, path, headers, body).await;
        self.check(operation, path, action, before, answer).await;
    }
}

/// The review cycle from a draft to published, with a return on the way.
fn cycle() -> [(&'static str, Value); 5] {
    [
        ("submit", json!({})),
        ("return", json!({"comment": "请补充偏差原因"})),
        ("submit", json!({})),
        ("accept", json!({})),
        ("publish", json!({})),
    ]
}

#[actix_rt::test]
async fn every_documented_write_leaves_exactly_one_audit_entry_when_it_succeeds() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let mut run = Exercise {
        app: &app,
        done: BTreeSet::new(),
    };
    let report = evaluation_path("100", 2021);
    let template = "/api/v1/departments/{code}/evaluations/{year}";

    run.json(
        "POST /api/v1/auth/token",
        "/api/v1/auth/token",
        "login",
        &[],
        json!({"username": "admin", "password": ADMIN_PASSWORD}),
    )
    .await;
    run.json(
        "POST /api/v1/departments",
        "/api/v1/departments",
        "department.create",
        &[],
        json!({"code": "300", "name": "区档案馆", "kind": "administrative"}),
    )
    .await;
    run.json(
        "PATCH /api/v1/departments/{code}",
        "/api/v1/departments/300",
        "department.update",
        &[],
        json!({"name": "区档案馆（区方志办）"}),
    )
    .await;
    run.bytes(
        "DELETE /api/v1/departments/{code}",
        "/api/v1/departments/300",
        "department.delete",
        &[],
        Vec::new(),
    )
    .await;
    run.json(
        "POST /api/v1/users",
        "/api/v1/users",
        "user.create",
        &[],
        json!({"username": "clerk", "password": "clerk-password", "role": "analyst"}),
    )
    .await;
    run.json(
        "PATCH /api/v1/users/{username}",
        "/api/v1/users/clerk",
        "user.update",
        &[],
        json!({"role": "reviewer"}),
    )
    .await;
    let issued = run
        .json(
            "POST /api/v1/service-tokens",
            "/api/v1/service-tokens",
            "service_token.issue",
            &[],
            json!({"name": "单位财务系统", "department": "100"}),
        )
        .await;
    let token = format!("/api/v1/service-tokens/{}", issued.body["id"]);
    run.bytes(
        "DELETE /api/v1/service-tokens/{id}",
        &token,
        "service_token.revoke",
        &[],
        Vec::new(),
    )
    .await;
    run.json(
        "PUT /api/v1/years/{year}/settings",
        "/api/v1/years/2021/settings",
        "year_settings.update",
        &[],
        json!({"weights": {"budget_execution": "10", "output": "50", "effect": "30", "satisfaction": "10"}}),
    )
    .await;

    // The report and each of its parts; a part sent as it is stored changes nothing, and is
    // recorded all the same.
    run.json(
        &format!("PUT {template}"),
        &report,
        "evaluation.replace",
        &[],
        clean_report(),
    )
    .await;
    let stored = app.get(&report).await;
    for part in ["budget", "goals", "results", "issues"] {
        run.json(
            &format!("PUT {template}/{part}"),
            &format!("{report}/{part}"),
            &format!("evaluation.replace_{part}"),
            &[],
            // An empty part is left out of the report as stored.
            match &stored.body["report"][part] {
                Value::Null => json!({}),
                part => part.clone(),
            },
        )
        .await;
    }
    let added = run
        .json(
            &format!("POST {template}/issues"),
            &format!("{report}/issues"),
            "evaluation.add_issue",
            &[],
            json!({"kind": "problem", "text": "预算指标不能同时下达。"}),
        )
        .await;
    let item = format!("{report}/issues/{}", added.body["item"]["id"]);
    run.json(
        &format!("PATCH {template}/issues/{{id}}"),
        &item,
        "evaluation.change_issue",
        &[],
        json!({"text": "预算指标未能及时下达。"}),
    )
    .await;
    run.bytes(
        &format!("DELETE {template}/issues/{{id}}"),
        &item,
        "evaluation.remove_issue",
        &[],
        Vec::new(),
    )
    .await;
    let form = app.get(&format!("{report}/form.xlsx")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    run.bytes(
        &format!("POST {template}/form"),
        &format!("{report}/form"),
        "evaluation.read_form",
        &[("content-type", XLSX)],
        form.bytes,
    )
    .await;
    let version = app.get(&report).await.header("etag").expect("an ETag");
    run.bytes(
        &format!("POST {template}/goals/approve"),
        &format!("{report}/goals/approve"),
        "evaluation.approve_goals",
        &[("if-match", version.as_str())],
        Vec::new(),
    )
    .await;
    for (action, body) in cycle() {
        run.json(
            &format!("POST {template}/{action}"),
            &format!("{report}/{action}"),
            &format!("evaluation.{action}"),
            &[],
            body,
        )
        .await;
    }

    let project = format!("{}/projects/P-01", evaluation_path("100", 2022));
    let project_template = format!("{template}/projects/{{project}}");
    run.json(
        &format!("PUT {project_template}"),
        &project,
        "project.replace",
        &[],
        clean_table(),
    )
    .await;
    let project_form = app.get(&format!("{project}/form.xlsx")).await;
    assert_eq!(project_form.status, 200, "{}", project_form.body);
    run.bytes(
        &format!("PUT {project_template}/form.xlsx"),
        &format!("{project}/form.xlsx"),
        "project.read_form",
        &[("content-type", XLSX)],
        project_form.bytes,
    )
    .await;
    for (action, body) in cycle() {
        run.json(
            &format!("POST {project_template}/{action}"),
            &format!("{project}/{action}"),
            &format!("project.{action}"),
            &[],
            body,
        )
        .await;
    }
    // The bureau's review score of the project table, made final and reopened.
    run.json(
        &format!("PUT {project_template}/review-score"),
        &format!("{project}/review-score"),
        "project.review_score",
        &[],
        json!({"indicators": [{"indicator_id": "1", "score": "45", "reason": "抽查发现面积重复计算"}]}),
    )
    .await;
    for (step, body) in [
        ("finalize", json!({"comment": "复核完成"})),
        ("reopen", json!({"reason": "单位补充了作业台账"})),
    ] {
        run.json(
            &format!("POST {project_template}/review-score/{step}"),
            &format!("{project}/review-score/{step}"),
            &format!("project.review_score.{step}"),
            &[],
            body,
        )
        .await;
    }
    run.json(
        "POST /api/v1/years/{year}/review-samples",
        "/api/v1/years/2021/review-samples",
        "review_sample.draw",
        &[],
        json!({"seed": 1, "size": 1}),
    )
    .await;

    // The bureau's review score of the report handed in, mid-year monitoring of the approved
    // targets and of the project's, and a year's indicator library imported and removed.
    run.json(
        &format!("PUT {template}/review-score"),
        &format!("{report}/review-score"),
        "evaluation.review_score",
        &[],
        json!({"indicators": [{"indicator_id": "o", "score": "45", "reason": "抽查发现重复计数"}]}),
    )
    .await;
    run.json(
        &format!("POST {template}/review-score/finalize"),
        &format!("{report}/review-score/finalize"),
        "evaluation.review_score.finalize",
        &[],
        json!({}),
    )
    .await;
    run.json(
        &format!("POST {template}/review-score/reopen"),
        &format!("{report}/review-score/reopen"),
        "evaluation.review_score.reopen",
        &[],
        json!({"reason": "单位补充了办文登记簿"}),
    )
    .await;
    let monitoring = "/api/v1/departments/{code}/monitoring/{year}/{period}";
    let targets = |ids: [&str; 3]| {
        json!({
            "funds": {"initial": "100", "full_year": "100", "executed": "50", "expected": "100"},
            "targets": ids.map(|id| json!({"indicator_id": id, "likelihood": "certain"})),
        })
    };
    run.json(
        &format!("PUT {monitoring}"),
        "/api/v1/departments/100/monitoring/2021/1-6",
        "monitoring.file",
        &[],
        targets(["o", "e", "s"]),
    )
    .await;
    run.json(
        &format!("PUT {monitoring}/projects/{{project}}"),
        "/api/v1/departments/100/monitoring/2022/1-6/projects/P-01",
        "monitoring.file_project",
        &[],
        targets(["1", "2", "3"]),
    )
    .await;
    // Result application: the year's rules, a rectification item of the report, the unit's
    // answer and the bureau's closing.
    run.json(
        "PUT /api/v1/years/{year}/result-rules",
        "/api/v1/years/2021/result-rules",
        "result_rules.set",
        &[],
        json!({"bands": [
            {"grade": "excellent", "from": "90"}, {"grade": "good", "from": "80"},
            {"grade": "fair", "from": "60", "budget_note": "予以一定比例核减"}, {"grade": "poor"}
        ]}),
    )
    .await;
    let created = run
        .json(
            &format!("POST {template}/rectifications"),
            &format!("{report}/rectifications"),
            "rectification.create",
            &[],
            json!({"source": "review", "problem": "存在1个项目未经审批调剂预算支出。"}),
        )
        .await;
    let rectification = format!("{report}/rectifications/{}", created.body["id"]);
    run.json(
        &format!("PUT {template}/rectifications/{{id}}/answer"),
        &format!("{rectification}/answer"),
        "rectification.answer",
        &[],
        json!({"evidence": "已制订预算绩效管理工作细则"}),
    )
    .await;
    run.json(
        &format!("POST {template}/rectifications/{{id}}/close"),
        &format!("{rectification}/close"),
        "rectification.close",
        &[],
        json!({}),
    )
    .await;
    let library = app.get("/api/v1/years/2021/library/export").await;
    run.bytes(
        "PUT /api/v1/years/{year}/library",
        "/api/v1/years/2021/library",
        "indicator_library.import",
        &[("content-type", "application/octet-stream")],
        library.bytes,
    )
    .await;
    run.bytes(
        "DELETE /api/v1/years/{year}/library",
        "/api/v1/years/2021/library",
        "indicator_library.remove",
        &[],
        Vec::new(),
    )
    .await;

    let documented = documented_writes();
    let missed: Vec<&String> = documented.difference(&run.done).collect();
    assert!(missed.is_empty(), "writes not exercised here: {missed:?}");
    let unknown: Vec<&String> = run.done.difference(&documented).collect();
    assert!(
        unknown.is_empty(),
        "writes the document does not list: {unknown:?}"
    );
}

/// An action the review cycle refuses, or a change of a caller without the right, is recorded as
/// refused, once, and changes nothing; no entry says it succeeded.
#[actix_rt::test]
async fn a_refused_change_leaves_its_refusal_and_nothing_that_says_it_was_made() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let analyst = app.user_token("clerk", "analyst", None).await;
    let report = evaluation_path("100", 2021);
    assert_eq!(app.put(&report, &clean_report()).await.status, 201);
    let before = entries(&app).await.len();

    app.send(Method::POST, &format!("{report}/accept"), &[], Vec::new())
        .await
        .assert_problem(409, "illegal_transition");
    app.with_token(&analyst)
        .put(&report, &clean_report())
        .await
        .assert_problem(403, "forbidden");
    let stale = app
        .json_with(
            Method::PUT,
            &report,
            &[("if-match", "\"7\"")],
            &clean_report(),
        )
        .await;
    stale.assert_problem(412, "precondition_failed");

    let log = entries(&app).await;
    let new: Vec<(Value, Value, Value, Value)> = log[..log.len() - before]
        .iter()
        .rev()
        .map(|e| {
            (
                e["actor"].clone(),
                e["action"].clone(),
                e["outcome"].clone(),
                e["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        new,
        [
            (
                json!("admin"),
                json!("evaluation.accept"),
                json!("refused"),
                json!(409)
            ),
            (
                json!("clerk"),
                json!("evaluation.replace"),
                json!("refused"),
                json!(403)
            ),
            (
                json!("admin"),
                json!("evaluation.replace"),
                json!("refused"),
                json!(412)
            ),
        ],
        "{log:#?}"
    );
    let stored = app.get(&report).await;
    assert_eq!(stored.body["status"], "draft");
    assert_eq!(stored.header("etag").as_deref(), Some("\"1\""));
}

/// With the log unwritable, a change is not made: its entry is written in its transaction, so
/// the change is rolled back with it, and the caller is told.
#[actix_rt::test]
async fn a_change_whose_entry_cannot_be_written_is_rolled_back() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let mut conn =
        perfeval::store::DbConnection::establish(&app.database_url).expect("a connection");
    diesel::sql_query("DROP TABLE audit_log")
        .execute(&mut conn)
        .expect("the log is gone");
    let report = evaluation_path("100", 2021);
    app.put(&report, &clean_report())
        .await
        .assert_problem(503, "unavailable");
    app.get(&report).await.assert_problem(404, "not_found");
    let created = app
        .post(
            "/api/v1/departments",
            &json!({"code": "300", "name": "区档案馆", "kind": "administrative"}),
        )
        .await;
    created.assert_problem(503, "unavailable");
    app.get("/api/v1/departments/300")
        .await
        .assert_problem(404, "not_found");
}
