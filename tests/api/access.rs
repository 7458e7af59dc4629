//! Who may do what: every endpoint against every role, and the attacks a token service must refuse.

use actix_web::http::Method;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, TestApp, evaluation_path, spawn_app, spawn_app_with};

const ROLES: [&str; 5] = ["anonymous", "reviewer", "analyst", "unit", "admin"];

/// Departments 100 (with its subordinate 100-01) and 200, each with a 2021 draft, and a token
/// for each role; the unit user is bound to 100.
struct World {
    app: TestApp,
    tokens: Vec<Option<String>>,
}

async fn world() -> World {
    world_with(spawn_app().await).await
}

async fn world_with(app: TestApp) -> World {
    app.create_department("100", None).await;
    app.create_department("100-01", Some("100")).await;
    app.create_department("200", None).await;
    for code in ["100", "100-01", "200"] {
        assert_eq!(
            app.put(&evaluation_path(code, 2021), &json!({"title": code}))
                .await
                .status,
            201
        );
    }
    let reviewer = app.user_token("reviewer1", "reviewer", None).await;
    let analyst = app.user_token("analyst1", "analyst", None).await;
    let unit = app.user_token("unit100", "unit", Some("100")).await;
    let spare = json!({"username": "spare", "password": "spare-password", "role": "analyst"});
    assert_eq!(app.post("/api/v1/users", &spare).await.status, 201);
    let admin = app.admin_token.clone();
    World {
        app,
        tokens: vec![None, Some(reviewer), Some(analyst), Some(unit), Some(admin)],
    }
}

impl World {
    fn token(&self, role: &str) -> &str {
        let at = ROLES.iter().position(|r| *r == role).expect("a role");
        self.tokens[at].as_deref().expect("a token")
    }
}

#[actix_rt::test]
async fn every_endpoint_answers_every_role_as_the_role_matrix_says() {
    let world = world().await;
    let app = &world.app;
    let e100 = evaluation_path("100", 2021);
    let e200 = evaluation_path("200", 2021);
    let e10001 = evaluation_path("100-01", 2021);
    let problem = json!({"kind": "problem", "text": "预算编制的精确性有待进一步提高。"});
    let new_department = json!({"code": "300", "name": "临时单位", "kind": "other"});
    let new_user =
        json!({"username": "new-analyst", "password": "new-analyst-password", "role": "analyst"});
    let token_body = json!({"name": "单位财务系统", "department": "100"});

    // (method, path, body, [anonymous, reviewer, analyst, unit of 100, admin]); the admin goes
    // last, so that a row it changes is seen by the others before the change.
    let rows: Vec<(Method, String, Option<Value>, [u16; 5])> = vec![
        (
            Method::GET,
            "/healthz".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/readyz".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/openapi.json".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/docs/".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/auth/me".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/users".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(new_user),
            [401, 403, 403, 403, 201],
        ),
        (
            Method::GET,
            "/api/v1/users/spare".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/audit-log".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/users/spare".into(),
            Some(json!({"disabled": false})),
            [401, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/service-tokens".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/service-tokens".into(),
            Some(token_body),
            [401, 403, 403, 403, 201],
        ),
        (
            Method::DELETE,
            "/api/v1/service-tokens/1".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/departments".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/departments".into(),
            Some(new_department),
            [401, 403, 403, 403, 201],
        ),
        (
            Method::GET,
            "/api/v1/departments/100".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/departments/100-01".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/departments/200".into(),
            None,
            [401, 200, 200, 404, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/departments/100".into(),
            Some(json!({"name": "区政府办公室"})),
            [401, 403, 403, 403, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/departments/300".into(),
            None,
            [401, 403, 403, 403, 204],
        ),
        (
            Method::GET,
            "/api/v1/evaluations".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (Method::GET, e100.clone(), None, [401, 200, 200, 200, 200]),
        (Method::GET, e10001.clone(), None, [401, 200, 200, 200, 200]),
        (Method::GET, e200.clone(), None, [401, 200, 200, 404, 200]),
        (
            Method::PUT,
            e100.clone(),
            Some(json!({"title": "100"})),
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            e10001.clone(),
            Some(json!({"title": "100-01"})),
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            e200.clone(),
            Some(json!({"title": "200"})),
            [401, 403, 403, 404, 200],
        ),
        (
            Method::GET,
            format!("{e100}/budget"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("{e100}/goals"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("{e100}/results"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("{e100}/issues"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("{e200}/issues"),
            None,
            [401, 200, 200, 404, 200],
        ),
        (
            Method::PUT,
            format!("{e100}/budget"),
            Some(json!({})),
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            format!("{e100}/goals"),
            Some(json!({})),
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            format!("{e100}/results"),
            Some(json!({})),
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            format!("{e200}/budget"),
            Some(json!({})),
            [401, 403, 403, 404, 200],
        ),
        (
            Method::POST,
            format!("{e100}/issues"),
            Some(problem.clone()),
            [401, 403, 403, 201, 201],
        ),
        (
            Method::POST,
            format!("{e200}/issues"),
            Some(problem),
            [401, 403, 403, 404, 201],
        ),
        (
            Method::GET,
            format!("{e100}/issues/1"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PATCH,
            format!("{e100}/issues/1"),
            Some(json!({"text": "改"})),
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            format!("{e100}/issues/99"),
            None,
            [401, 403, 403, 404, 404],
        ),
        (
            Method::PUT,
            format!("{e100}/issues"),
            Some(json!({})),
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            format!("{e100}/findings"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("{e200}/findings"),
            None,
            [401, 200, 200, 404, 200],
        ),
        (
            Method::GET,
            format!("{e100}/score"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("{e200}/score"),
            None,
            [401, 200, 200, 404, 200],
        ),
        (
            Method::GET,
            format!("{e100}/history"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("{e200}/history"),
            None,
            [401, 200, 200, 404, 200],
        ),
        (
            Method::GET,
            format!("{e100}/versions/1"),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            format!("{e200}/versions/1"),
            None,
            [401, 200, 200, 404, 200],
        ),
        (
            Method::GET,
            "/api/v1/years/2021/settings".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/years/2021/settings".into(),
            Some(json!({})),
            [401, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/years/2021/progress".into(),
            None,
            [401, 200, 200, 403, 200],
        ),
        (
            Method::POST,
            format!("{e200}/submit"),
            None,
            [401, 403, 403, 404, 200],
        ),
        (
            Method::POST,
            format!("{e200}/return"),
            Some(json!({"comment": "改"})),
            [401, 200, 403, 403, 409],
        ),
        (
            Method::POST,
            format!("{e100}/submit"),
            None,
            [401, 403, 403, 200, 409],
        ),
        (
            Method::POST,
            format!("{e100}/accept"),
            None,
            [401, 200, 403, 403, 409],
        ),
        (
            Method::POST,
            format!("{e100}/publish"),
            None,
            [401, 200, 403, 403, 409],
        ),
        (
            Method::GET,
            "/api/v1/public/evaluations".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/public/departments/100/evaluations/2021".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/public/departments/200/evaluations/2021".into(),
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            Method::POST,
            format!("{e10001}/goals/approve"),
            None,
            [401, 428, 403, 403, 428],
        ),
        (
            Method::GET,
            "/api/v1/comparisons/departments?year=2021".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/comparisons/departments?year=2021&format=csv".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/comparisons/trends".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/comparisons/trends?department=200".into(),
            None,
            [401, 200, 200, 404, 200],
        ),
        (
            Method::GET,
            "/api/v1/comparisons/deviation?year=2021".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/comparisons/unmet-goals".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/comparisons/grades?year=2021&format=xlsx".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
    ];

    let mut mismatches = Vec::new();
    for (method, path, body, expected) in &rows {
        for (role, want) in ROLES.iter().zip(expected) {
            let requester =
                match world.tokens[ROLES.iter().position(|r| r == role).unwrap()].as_deref() {
                    Some(token) => app.with_token(token),
                    None => app.anonymous(),
                };
            let answer = match body {
                Some(body) => requester.json(method.clone(), path, body).await,
                None => requester.send(method.clone(), path, &[], Vec::new()).await,
            };
            if answer.status != *want {
                mismatches.push(format!(
                    "{method} {path} as {role}: {} (expected {want}) {}",
                    answer.status, answer.body
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[actix_rt::test]
async fn a_unit_lists_only_its_own_subtree() {
    let world = world().await;
    let unit = world.app.with_token(world.token("unit"));
    let departments = unit.get("/api/v1/departments").await;
    let codes: Vec<_> = departments.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].clone())
        .collect();
    assert_eq!(codes, [json!("100"), json!("100-01")]);
    assert_eq!(departments.body["total"], 2);
    let evaluations = unit.get("/api/v1/evaluations").await;
    assert_eq!(evaluations.body["total"], 2);
    assert_eq!(
        unit.get("/api/v1/evaluations?department=200").await.body["total"],
        0
    );
    let analyst = world.app.with_token(world.token("analyst"));
    assert_eq!(analyst.get("/api/v1/evaluations").await.body["total"], 3);
}

#[actix_rt::test]
async fn a_unit_guessing_another_units_code_learns_nothing() {
    let world = world().await;
    let unit = world.app.with_token(world.token("unit"));
    let other = unit.get(&evaluation_path("200", 2021)).await;
    let missing = unit.get(&evaluation_path("999", 2021)).await;
    other.assert_problem(404, "not_found");
    missing.assert_problem(404, "not_found");
    assert_eq!(
        other.body["detail"].as_str().unwrap().replace("200", "X"),
        missing.body["detail"].as_str().unwrap().replace("999", "X")
    );
    let write = unit
        .put(&evaluation_path("200", 2021), &json!({"title": "mine now"}))
        .await;
    assert_eq!(write.status, 404);
    let stored = world.app.get(&evaluation_path("200", 2021)).await;
    assert_eq!(stored.body["report"]["title"], "200");
    assert_eq!(stored.body["version"], 1);
}

#[actix_rt::test]
async fn role_or_department_smuggled_in_a_body_is_refused() {
    let world = world().await;
    let unit = world.app.with_token(world.token("unit"));
    let promote = unit
        .patch("/api/v1/users/unit100", &json!({"role": "admin"}))
        .await;
    promote.assert_problem(403, "forbidden");
    let sideways = unit
        .put(
            &evaluation_path("100", 2021),
            &json!({"department_code": "200"}),
        )
        .await;
    assert_eq!(
        sideways.assert_problem(422, "invalid_body")[0].0,
        "department_code"
    );
    let login = world
        .app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": "unit100", "password": "unit100-password", "role": "admin"}),
        )
        .await;
    assert_eq!(login.assert_problem(422, "invalid_body")[0].0, "role");
    let me = unit.get("/api/v1/auth/me").await;
    assert_eq!(
        me.body,
        json!({"subject": "unit100", "role": "unit", "department": "100", "credential": "login"})
    );
}

pub fn forge(claims: &Value, secret: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

pub fn claims(sub: &str, role: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub, "role": role, "iat": now + 5, "exp": now + 600, "iss": "perfeval", "aud": "perfeval", "jti": "t", "generation": 0})
}

#[track_caller]
pub fn assert_refused_token(answer: &crate::helpers::Answer) {
    answer.assert_problem(401, "unauthenticated");
    let challenge = answer.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer realm=\"perfeval\""),
        "{challenge}"
    );
}

#[actix_rt::test]
async fn a_missing_or_malformed_token_is_refused_with_a_challenge() {
    let app = spawn_app().await;
    let none = app.anonymous().get("/api/v1/departments").await;
    none.assert_problem(401, "unauthenticated");
    assert_eq!(
        none.header("www-authenticate").as_deref(),
        Some("Bearer realm=\"perfeval\"")
    );
    let basic = app
        .anonymous()
        .send(
            Method::GET,
            "/api/v1/departments",
            &[("authorization", "Basic YWRtaW46eA==")],
            Vec::new(),
        )
        .await;
    assert_refused_token(&basic);
    assert_refused_token(&app.with_token("not-a-jwt").get("/api/v1/departments").await);
    assert_refused_token(&app.with_token("pev_0123").get("/api/v1/departments").await);
}

pub fn key_path(name: &str) -> String {
    format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub async fn portal_app(public_key: &str) -> TestApp {
    let public_key = key_path(public_key);
    spawn_app_with(move |settings| {
        settings.jwt_public_key = Some(public_key);
        settings.jwt_issuer = Some("https://portal.example.gov.cn".to_owned());
        settings.jwt_audience = Some("perfeval".to_owned());
    })
    .await
}

pub fn portal_claims(role: &str, department: Option<&str>) -> Value {
    let mut claims = claims("portal-user-7", role);
    claims["iss"] = json!("https://portal.example.gov.cn");
    if let Some(department) = department {
        claims["department"] = json!(department);
    }
    claims
}

pub fn portal_token(claims: &Value, private_key: &str, algorithm: Algorithm) -> String {
    let pem = std::fs::read(key_path(private_key)).unwrap();
    let key = match algorithm {
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    encode(&Header::new(algorithm), claims, &key).unwrap()
}

#[actix_rt::test]
async fn tokens_signed_by_the_portal_are_accepted_with_their_role_and_department() {
    let world = world_with(portal_app("portal-ed25519.pub.pem").await).await;
    let app = &world.app;
    let reviewer = portal_token(
        &portal_claims("reviewer", None),
        "portal-ed25519.pem",
        Algorithm::EdDSA,
    );
    let me = app.with_token(&reviewer).get("/api/v1/auth/me").await;
    assert_eq!(
        me.body,
        json!({"subject": "portal:portal-user-7", "role": "reviewer", "credential": "portal"})
    );
    let unit = portal_token(
        &portal_claims("unit", Some("200")),
        "portal-ed25519.pem",
        Algorithm::EdDSA,
    );
    assert_eq!(
        app.with_token(&unit)
            .get(&evaluation_path("200", 2021))
            .await
            .status,
        200
    );
    assert_eq!(
        app.with_token(&unit)
            .get(&evaluation_path("100", 2021))
            .await
            .status,
        404
    );
    let unbound = portal_token(
        &portal_claims("unit", None),
        "portal-ed25519.pem",
        Algorithm::EdDSA,
    );
    assert_refused_token(&app.with_token(&unbound).get("/api/v1/auth/me").await);

    let mut wrong_issuer = portal_claims("admin", None);
    wrong_issuer["iss"] = json!("https://evil.example");
    let token = portal_token(&wrong_issuer, "portal-ed25519.pem", Algorithm::EdDSA);
    assert_refused_token(&app.with_token(&token).get("/api/v1/users").await);
    let mut wrong_audience = portal_claims("admin", None);
    wrong_audience["aud"] = json!("another-service");
    let token = portal_token(&wrong_audience, "portal-ed25519.pem", Algorithm::EdDSA);
    assert_refused_token(&app.with_token(&token).get("/api/v1/users").await);
    let other_key = portal_token(
        &portal_claims("admin", None),
        "portal-rsa.pem",
        Algorithm::RS256,
    );
    assert_refused_token(&app.with_token(&other_key).get("/api/v1/users").await);
}

#[actix_rt::test]
async fn an_rsa_portal_key_verifies_rs256_tokens() {
    let app = portal_app("portal-rsa.pub.pem").await;
    let token = portal_token(
        &portal_claims("analyst", None),
        "portal-rsa.pem",
        Algorithm::RS256,
    );
    assert_eq!(
        app.with_token(&token)
            .get("/api/v1/evaluations")
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn a_disabled_users_old_token_is_refused_on_its_next_request() {
    let world = world().await;
    let token = world.token("reviewer").to_owned();
    assert_eq!(
        world
            .app
            .with_token(&token)
            .get("/api/v1/evaluations")
            .await
            .status,
        200
    );
    assert_eq!(
        world
            .app
            .patch("/api/v1/users/reviewer1", &json!({"disabled": true}))
            .await
            .status,
        200
    );
    assert_refused_token(
        &world
            .app
            .with_token(&token)
            .get("/api/v1/evaluations")
            .await,
    );
    let login = world
        .app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": "reviewer1", "password": "reviewer1-password"}),
        )
        .await;
    login.assert_problem(401, "invalid_credentials");
}

#[actix_rt::test]
async fn a_changed_password_ends_the_old_token_and_the_new_one_works() {
    let world = world().await;
    let old = world.token("analyst").to_owned();
    let changed = world
        .app
        .patch(
            "/api/v1/users/analyst1",
            &json!({"password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(changed.status, 200);
    assert!(!changed.body.to_string().contains("a-brand-new-password"));
    assert_refused_token(&world.app.with_token(&old).get("/api/v1/evaluations").await);
    let new = world.app.login("analyst1", "a-brand-new-password").await;
    assert_eq!(
        world
            .app
            .with_token(&new)
            .get("/api/v1/evaluations")
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn a_service_token_acts_for_its_unit_until_it_is_revoked() {
    let world = world().await;
    let app = &world.app;
    let issued = app
        .post(
            "/api/v1/service-tokens",
            &json!({"name": "单位财务系统", "department": "100"}),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let token = issued.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("pev_"));
    let listed = app.get("/api/v1/service-tokens").await;
    assert!(
        !listed.body.to_string().contains(&token),
        "a listed token shows its secret"
    );

    let service = app.with_token(&token);
    assert_eq!(
        service
            .put(
                &evaluation_path("100-01", 2021),
                &json!({"title": "posted by the unit system"})
            )
            .await
            .status,
        200
    );
    assert_eq!(service.get(&evaluation_path("200", 2021)).await.status, 404);
    assert_eq!(service.get("/api/v1/users").await.status, 403);

    let id = issued.body["id"].as_i64().unwrap();
    let revoked = app.delete(&format!("/api/v1/service-tokens/{id}")).await;
    assert_eq!(revoked.status, 200);
    assert!(revoked.body["revoked_at"].is_string());
    assert_refused_token(&service.get(&evaluation_path("100", 2021)).await);
}

#[actix_rt::test]
async fn a_burst_of_wrong_passwords_is_slowed_down() {
    let app = spawn_app().await;
    let wrong = json!({"username": "admin", "password": "not-the-password"});
    for _ in 0..5 {
        let answer = app.anonymous().post("/api/v1/auth/token", &wrong).await;
        answer.assert_problem(401, "invalid_credentials");
        assert!(!answer.body.to_string().contains("not-the-password"));
    }
    let limited = app.anonymous().post("/api/v1/auth/token", &wrong).await;
    limited.assert_problem(429, "too_many_requests");
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=300).contains(&wait));
    let right = app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(
        right.status, 429,
        "the name stays refused from this address for the window, whatever the password"
    );
}

#[actix_rt::test]
async fn a_login_answers_a_bearer_token_with_the_documented_claims() {
    let world = world().await;
    let answer = world
        .app
        .anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": "unit100", "password": "unit100-password"}),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert!(
        answer.body["expires_in"]
            .as_i64()
            .is_some_and(|s| (3590..=3601).contains(&s))
    );
    let token = answer.body["access_token"].as_str().unwrap();
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    for claim in [
        "sub",
        "role",
        "department",
        "iat",
        "exp",
        "iss",
        "aud",
        "jti",
    ] {
        assert!(claims.get(claim).is_some(), "no {claim} in {claims}");
    }
    assert_eq!(
        (claims["role"].clone(), claims["department"].clone()),
        (json!("unit"), json!("100"))
    );
}
