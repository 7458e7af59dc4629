//! The attacks a public-facing service must withstand, each against a fresh server: dodging
//! approved targets, locking accounts out, exhausting memory, nesting a report until it
//! cannot be read back, and loosely checked portal tokens.

use actix_web::http::Method;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::access::{
    assert_refused_token, claims, forge, key_path, portal_app, portal_claims, portal_token,
};
use crate::helpers::{ADMIN_PASSWORD, Answer, TEST_SECRET, TestApp, evaluation_path, spawn_app};
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

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (claim, value) in changes.as_object().expect("an object") {
        claims[claim] = value.clone();
    }
    claims
}

fn portal(claims: &Value) -> String {
    portal_token(claims, "portal-ed25519.pem", Algorithm::EdDSA)
}

fn login_claims(changes: Value) -> Value {
    with(claims("admin", "admin"), changes)
}

fn portal_admin(changes: Value) -> Value {
    with(portal_claims("admin", None), changes)
}

#[actix_rt::test]
async fn every_forged_stale_or_misdirected_token_is_refused_without_naming_library_internals() {
    let app = portal_app("portal-ed25519.pub.pem").await;
    let secret = TEST_SECRET.as_bytes();
    let b64 = |bytes: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };

    app.create_department("100", None).await;
    let unit = app.user_token("unit100", "unit", Some("100")).await;
    let tampered = {
        let parts: Vec<&str> = unit.split('.').collect();
        let payload = login_claims(json!({"sub": "unit100", "generation": 0}));
        format!(
            "{}.{}.{}",
            parts[0],
            b64(payload.to_string().as_bytes()),
            parts[2]
        )
    };
    let analyst = app.user_token("analyst1", "analyst", None).await;
    let changed = app
        .patch(
            "/api/v1/users/analyst1",
            &json!({"password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(changed.status, 200);
    let issued = app
        .post(
            "/api/v1/service-tokens",
            &json!({"name": "单位财务系统", "department": "100"}),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let id = issued.body["id"].as_i64().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/service-tokens/{id}"))
            .await
            .status,
        200
    );
    let revoked_service_token = issued.body["token"].as_str().unwrap().to_owned();
    let public_key = std::fs::read(key_path("portal-ed25519.pub.pem")).unwrap();
    let header_none = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let ten_years = 10 * 365 * 24 * 3600;

    let refused: Vec<(&str, String)> = vec![
        (
            "alg none",
            format!(
                "{header_none}.{}.",
                b64(login_claims(json!({})).to_string().as_bytes())
            ),
        ),
        (
            "alg none, no signature part",
            format!(
                "{header_none}.{}",
                b64(login_claims(json!({})).to_string().as_bytes())
            ),
        ),
        (
            "wrong key",
            forge(
                &login_claims(json!({})),
                b"another-secret-that-is-32-bytes-long!!",
            ),
        ),
        (
            "HS256 signed with the portal's public key",
            forge(&portal_admin(json!({})), &public_key),
        ),
        ("tampered payload", tampered),
        (
            "expired",
            forge(&login_claims(json!({"exp": now() - 120})), secret),
        ),
        (
            "not valid before a future nbf",
            forge(&login_claims(json!({"nbf": now() + 600})), secret),
        ),
        (
            "issued in the future",
            forge(
                &login_claims(json!({"iat": now() + 600, "exp": now() + 1200})),
                secret,
            ),
        ),
        (
            "wrong issuer",
            forge(&login_claims(json!({"iss": "someone-else"})), secret),
        ),
        (
            "wrong audience",
            forge(&login_claims(json!({"aud": "another-service"})), secret),
        ),
        (
            "no audience",
            forge(&with(login_claims(json!({})), json!({"aud": null})), secret),
        ),
        (
            "portal: expired",
            portal(&portal_admin(json!({"exp": now() - 120}))),
        ),
        (
            "portal: future nbf",
            portal(&portal_admin(json!({"nbf": now() + 600}))),
        ),
        (
            "portal: issued in the future",
            portal(&portal_admin(
                json!({"iat": now() + 600, "exp": now() + 1200}),
            )),
        ),
        (
            "portal: lives ten years",
            portal(&portal_admin(
                json!({"iat": now(), "exp": now() + ten_years}),
            )),
        ),
        (
            "portal: wrong issuer",
            portal(&portal_admin(json!({"iss": "https://evil.example"}))),
        ),
        (
            "portal: wrong audience",
            portal(&portal_admin(json!({"aud": ["another-service"]}))),
        ),
        (
            "portal: signed by another key",
            portal_token(&portal_admin(json!({})), "portal-rsa.pem", Algorithm::RS256),
        ),
        ("revoked service token", revoked_service_token),
        ("replayed after a password change", analyst),
    ];
    for (attack, token) in &refused {
        let answer = app.with_token(token).get("/api/v1/auth/me").await;
        assert_eq!(answer.status, 401, "{attack}: {}", answer.body);
        assert_refused_token(&answer);
        let detail = answer.body["detail"].as_str().unwrap_or_default();
        for internal in [
            "Invalid",
            "Missing",
            "Expired",
            "Immature",
            "missing field",
            "Error",
            "`",
        ] {
            assert!(
                !detail.contains(internal),
                "{attack}: the detail names {internal}: {detail}"
            );
        }
    }

    let accepted = [
        ("a login token", forge(&login_claims(json!({})), secret)),
        (
            "a login token within the clock leeway",
            forge(
                &login_claims(json!({"iat": now() + 10, "nbf": now() + 10})),
                secret,
            ),
        ),
        ("a portal token", portal(&portal_admin(json!({})))),
        (
            "a portal token naming several audiences",
            portal(&portal_admin(
                json!({"aud": ["https://portal.example.gov.cn", "perfeval"]}),
            )),
        ),
        (
            "a portal token that lives an hour",
            portal(&portal_admin(json!({"iat": now(), "exp": now() + 3600}))),
        ),
    ];
    for (case, token) in &accepted {
        let answer = app.with_token(token).get("/api/v1/auth/me").await;
        assert_eq!(answer.status, 200, "{case}: {}", answer.body);
    }
}

#[actix_rt::test]
async fn a_portal_user_named_like_a_local_one_is_recorded_as_the_portals() {
    let app = portal_app("portal-ed25519.pub.pem").await;
    app.create_department("100", None).await;
    let token = portal(&with(portal_claims("admin", None), json!({"sub": "admin"})));
    let portal_admin = app.with_token(&token);
    let me = portal_admin.get("/api/v1/auth/me").await;
    assert_eq!(me.body["subject"], "portal:admin", "{}", me.body);
    let path = evaluation_path("100", 2021);
    assert_eq!(portal_admin.put(&path, &clean_report()).await.status, 201);
    assert_eq!(
        app.put(&path, &json!({"title": "本地管理员"})).await.status,
        200
    );
    let history = app.get(&format!("{path}/history")).await;
    let actors: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["actor"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(actors, ["portal:admin", "admin"]);
}

#[actix_rt::test]
async fn every_answer_carries_the_security_headers_and_authenticated_ones_are_not_stored() {
    let app = spawn_app().await;
    let answers = [
        app.get("/api/v1/departments").await,
        app.get("/api/v1/auth/me").await,
        app.anonymous().get("/api/v1/departments").await,
        app.get("/api/v1/no-such-thing").await,
    ];
    for answer in &answers {
        assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
        assert_eq!(
            answer.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(answer.header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(
            answer.header("referrer-policy").as_deref(),
            Some("no-referrer")
        );
        assert_eq!(
            answer.header("content-security-policy").as_deref(),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
    }
}

#[actix_rt::test]
async fn published_reports_are_cacheable_by_anyone_for_a_minute_with_a_validator() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let path = evaluation_path("100", 2021);
    assert_eq!(app.put(&path, &clean_report()).await.status, 201);
    for action in ["submit", "accept", "publish"] {
        let done = app
            .send(Method::POST, &format!("{path}/{action}"), &[], Vec::new())
            .await;
        assert_eq!(done.status, 200, "{action}: {}", done.body);
    }
    for public in [
        "/api/v1/public/departments/100/evaluations/2021",
        "/api/v1/public/evaluations?year=2021",
    ] {
        // The JSON and the page of one path are two representations, each with its validator.
        let mut tags = Vec::new();
        for accept in ["application/json", "text/html"] {
            let first = app
                .anonymous()
                .send(Method::GET, public, &[("accept", accept)], Vec::new())
                .await;
            assert_eq!(first.status, 200, "{}", first.body);
            assert!(
                first
                    .header("content-type")
                    .is_some_and(|t| t.starts_with(accept)),
                "{public} as {accept}"
            );
            assert_eq!(
                first.header("cache-control").as_deref(),
                Some("public, max-age=60")
            );
            assert!(
                first
                    .header("vary")
                    .is_some_and(|v| v.split(',').any(|name| name.trim() == "Accept")),
                "{public} as {accept}"
            );
            assert!(
                first
                    .header("last-modified")
                    .is_some_and(|d| d.ends_with(" GMT")),
                "{public} as {accept}"
            );
            let tag = first.header("etag").expect("a validator");
            let again = app
                .anonymous()
                .send(
                    Method::GET,
                    public,
                    &[("accept", accept), ("if-none-match", &tag)],
                    Vec::new(),
                )
                .await;
            assert_eq!(again.status, 304, "{public} as {accept}");
            assert_eq!(again.body, Value::Null);
            assert_eq!(again.header("etag").as_ref(), Some(&tag));
            tags.push(tag);
        }
        assert_ne!(tags[0], tags[1], "{public}");
    }
    assert_eq!(
        app.anonymous()
            .get("/api/v1/public/departments/100/evaluations/2021")
            .await
            .header("etag")
            .as_deref(),
        Some("\"4\"")
    );
}

#[actix_rt::test]
async fn the_docs_load_under_a_policy_that_allows_only_their_own_scripts() {
    let app = spawn_app().await;
    let index = app.anonymous().get("/docs/").await;
    assert_eq!(index.status, 200);
    let policy = index.header("content-security-policy").unwrap_or_default();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    let html = index.body.as_str().expect("a page").to_owned();
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "{html}");
    for script in scripts {
        let tag = &script[..script.find('>').expect("a tag")];
        assert!(tag.contains("src="), "an inline script: {script}");
        let body = &script[script.find('>').unwrap() + 1..script.find("</script>").unwrap()];
        assert!(body.trim().is_empty(), "an inline script: {script}");
        let source = tag
            .split("src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a source");
        let loaded = app
            .anonymous()
            .get(&format!("/docs/{}", source.trim_start_matches("./")))
            .await;
        assert_eq!(loaded.status, 200, "{source}");
        assert!(
            loaded
                .header("content-type")
                .is_some_and(|t| t.contains("javascript")),
            "{source}"
        );
    }
    let initializer = app.anonymous().get("/docs/swagger-initializer.js").await;
    let initializer = initializer.body.as_str().unwrap_or_default();
    assert!(
        initializer.contains("/api/v1/openapi.json"),
        "{initializer}"
    );
}

#[actix_rt::test]
async fn cross_origin_reads_are_granted_only_to_the_allowed_origins() {
    let closed = spawn_app().await;
    let asked = closed
        .admin()
        .send(
            Method::GET,
            "/api/v1/departments",
            &[("origin", "https://portal.example.gov.cn")],
            Vec::new(),
        )
        .await;
    assert_eq!(asked.status, 200);
    assert_eq!(asked.header("access-control-allow-origin"), None);

    let open = crate::helpers::spawn_app_with(|settings| {
        settings.cors_origins = vec!["https://portal.example.gov.cn".to_owned()];
    })
    .await;
    let preflight = open
        .anonymous()
        .send(
            Method::OPTIONS,
            "/api/v1/departments/100/evaluations/2021",
            &[
                ("origin", "https://portal.example.gov.cn"),
                ("access-control-request-method", "PUT"),
                (
                    "access-control-request-headers",
                    "authorization, content-type, if-match",
                ),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!(preflight.status, 200, "{}", preflight.body);
    assert_eq!(
        preflight.header("access-control-allow-origin").as_deref(),
        Some("https://portal.example.gov.cn")
    );
    let granted = open
        .admin()
        .send(
            Method::GET,
            "/api/v1/departments",
            &[("origin", "https://portal.example.gov.cn")],
            Vec::new(),
        )
        .await;
    assert_eq!(
        granted.header("access-control-allow-origin").as_deref(),
        Some("https://portal.example.gov.cn")
    );
    assert!(
        granted
            .header("access-control-expose-headers")
            .is_some_and(|h| h.to_lowercase().contains("etag"))
    );
    let other = open
        .admin()
        .send(
            Method::GET,
            "/api/v1/departments",
            &[("origin", "https://evil.example")],
            Vec::new(),
        )
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[actix_rt::test]
async fn names_that_start_like_a_formula_are_defused_in_csv_and_stay_text_in_xlsx() {
    let app = spawn_app().await;
    let names = [
        " =HYPERLINK(\"http://x\")",
        "\u{a0}=1+1",
        "\u{200b}@SUM(A1)",
        "\u{feff}+1",
        "\n=1",
        "＝1+1",
        "＋1",
        "－1",
        "＠SUM(A1)",
    ];
    for (i, name) in names.iter().enumerate() {
        let code = format!("{}", 300 + i);
        let created = app
            .post(
                "/api/v1/departments",
                &json!({"code": code, "name": name, "kind": "administrative"}),
            )
            .await;
        assert_eq!(created.status, 201, "{name:?}: {}", created.body);
        assert_eq!(
            app.put(&evaluation_path(&code, 2021), &clean_report())
                .await
                .status,
            201
        );
    }
    let table = "/api/v1/comparisons/departments?year=2021&sort=department_code&limit=500";
    let csv = app.get(&format!("{table}&format=csv")).await;
    assert_eq!(csv.status, 200);
    let text = csv
        .body
        .as_str()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_owned();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let written: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(1).unwrap().to_owned())
        .collect();
    assert_eq!(written.len(), names.len());
    for (cell, name) in written.iter().zip(names) {
        assert_eq!(cell, &format!("'{name}"), "{name:?}");
    }

    let client = awc::Client::default();
    let mut response = client
        .get(format!("{}{table}&format=xlsx", app.address))
        .insert_header(("authorization", format!("Bearer {}", app.admin_token)))
        .send()
        .await
        .expect("an answer");
    let raw = response
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec();
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(raw)).expect("an XLSX workbook");
    let formulas = workbook
        .worksheet_formula("departments")
        .expect("the sheet");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a cell was written as a formula"
    );
    let sheet = workbook.worksheet_range("departments").expect("the sheet");
    for (row, name) in sheet.rows().skip(1).zip(names) {
        assert_eq!(row[1], Data::String(name.to_owned()), "{name:?}");
    }
}

#[actix_rt::test]
async fn the_audit_log_records_who_did_what_from_where_and_never_a_secret() {
    let app = spawn_app().await;
    app.create_department("100", None).await;
    let unit_token = app.user_token("unit100", "unit", Some("100")).await;
    let wrong = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": "admin", "password": "wrong-secret-1"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let misplaced = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": "my secret password", "password": ""}),
        )
        .await;
    assert_eq!(misplaced.status, 401);
    let forged = forge(
        &login_claims(json!({})),
        b"another-secret-that-is-32-bytes-long!!",
    );
    assert_eq!(
        app.with_token(&forged).get("/api/v1/users").await.status,
        401
    );
    let unit = app.with_token(&unit_token);
    let refused = unit
        .post(
            "/api/v1/departments",
            &json!({"code": "900", "name": "越权", "kind": "administrative"}),
        )
        .await;
    assert_eq!(refused.status, 403);
    let path = evaluation_path("100", 2021);
    assert_eq!(unit.put(&path, &clean_report()).await.status, 201);
    let submitted = unit
        .send(Method::POST, &format!("{path}/submit"), &[], Vec::new())
        .await;
    assert_eq!(submitted.status, 200);

    let log = app.get("/api/v1/audit-log?limit=500").await;
    assert_eq!(log.status, 200, "{}", log.body);
    let entries = log.body["items"].as_array().unwrap();
    let seen: Vec<(String, String, String, i64)> = entries
        .iter()
        .rev()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or("-").to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
                e["status"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("admin", "login", "succeeded", 200),
        ("admin", "department.create", "succeeded", 201),
        ("admin", "user.create", "succeeded", 201),
        ("unit100", "login", "succeeded", 200),
        ("admin", "login", "refused", 401),
        ("-", "login", "refused", 401),
        ("-", "authenticate", "refused", 401),
        ("unit100", "department.create", "refused", 403),
        ("unit100", "evaluation.replace", "succeeded", 201),
        ("unit100", "evaluation.submit", "succeeded", 200),
    ];
    let expected: Vec<(String, String, String, i64)> = expected
        .iter()
        .map(|(a, b, c, d)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned(), *d))
        .collect();
    assert_eq!(seen, expected, "{}", log.body);
    assert_eq!(log.body["total"], 10);
    let submit = &entries[0];
    assert_eq!(submit["target"], format!("{path}/submit"));
    assert_eq!(submit["address"], "127.0.0.1");
    assert!(submit["at"].is_string());
    assert_eq!(
        entries[3]["detail"], "the token's signature does not verify",
        "{}",
        entries[3]
    );
    let text = log.body.to_string();
    for secret in [
        "wrong-secret-1",
        "my secret password",
        ADMIN_PASSWORD,
        "unit100-password",
        forged.as_str(),
        unit_token.as_str(),
    ] {
        assert!(!text.contains(secret), "the log holds a secret: {secret}");
    }

    let page = app.get("/api/v1/audit-log?limit=2&offset=1").await;
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        (
            page.body["limit"].clone(),
            page.body["offset"].clone(),
            page.body["items"][0]["action"].clone()
        ),
        (json!(2), json!(1), json!("evaluation.replace"))
    );
    unit.get("/api/v1/audit-log")
        .await
        .assert_problem(403, "forbidden");
}

/// What a server remembers of a caller serves later requests for at most half a second: a user
/// disabled through another server on the same PostgreSQL database (on SQLite, through another
/// connection pool on the same file, as a command-line job would) is refused within a second,
/// and a change made through this server ends the token at once.
#[actix_rt::test]
async fn a_user_disabled_elsewhere_is_refused_within_a_second_and_here_at_once() {
    let app = spawn_app().await;
    let token = app.user_token("clerk1", "analyst", None).await;
    assert_eq!(
        app.with_token(&token).get("/api/v1/auth/me").await.status,
        200
    );
    let disable = json!({"disabled": true});
    if app.database_url.starts_with("postgres") {
        let url = app.database_url.clone();
        let other = crate::helpers::spawn_app_with(move |s| s.database_url = url).await;
        assert_eq!(
            other.patch("/api/v1/users/clerk1", &disable).await.status,
            200
        );
    } else {
        let other = perfeval::store::Store::connect(
            &app.database_url,
            1,
            std::time::Duration::from_secs(10),
        );
        let change = perfeval::store::users::UserChange {
            disabled: Some(true),
            ..Default::default()
        };
        other
            .change_user(&"clerk1".parse().unwrap(), change, None)
            .unwrap();
    }
    assert!(app.refused_within_a_second(&token).await);

    let token = app.user_token("clerk2", "analyst", None).await;
    assert_eq!(
        app.with_token(&token).get("/api/v1/auth/me").await.status,
        200
    );
    let disabled = app
        .patch("/api/v1/users/clerk2", &json!({"disabled": true}))
        .await;
    assert_eq!(disabled.status, 200);
    assert_eq!(
        app.with_token(&token).get("/api/v1/auth/me").await.status,
        401
    );
}
