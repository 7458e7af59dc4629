//! The HTTP API under `/api/v1`: thin handlers over the store, errors as problem+json, and
//! the OpenAPI document built from the same registrations as the routes.

mod access;
pub mod audit;
pub mod auth;
pub mod comparisons;
pub mod departments;
pub mod error;
pub mod evaluations;
pub mod export;
pub mod extract;
pub mod headers;
pub mod health;
pub mod public;
pub mod review;
pub mod users;
pub mod years;

use actix_web::{App, HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "perfeval",
        description = "Departmental expenditure performance self-evaluations (部门整体支出绩效自评): \
budget units post their annual reports; the finance bureau (财政局) reads, checks, scores, compares \
and publishes them.\n\n\
Conventions: money is in 万元 (10,000 CNY) as decimal strings with at most six decimal places \
(`\"1659.36\"`), never as JSON numbers; scores and weights are points out of 100, also as decimal \
strings; staff counts are whole persons. Errors are `application/problem+json` (RFC 9457) with a \
stable `code` and, for invalid input, `errors[]` naming each field path. Every write of an \
evaluation answers its new `version` and an `ETag`; send the ETag back as `If-Match` to avoid \
overwriting someone else's change (412 when stale).\n\n\
Access: send `Authorization: Bearer <token>` — a login token from `POST /api/v1/auth/token`, a \
service token of a unit system, or a token signed by the bureau's portal. Each operation names \
the roles it allows. A unit sees only its own department and its subordinate units; anything \
else is answered as if it did not exist (404).",
    ),
    modifiers(&BearerSecurity),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Logging in and who the caller is"),
        (name = "users", description = "Users and service tokens (admins)"),
        (name = "audit", description = "审计日志 — who did what, when, from where (admins)"),
        (name = "departments", description = "部门 — the budget units"),
        (name = "evaluations", description = "部门整体支出绩效自评 — the self-evaluation reports, whole or by part"),
        (name = "review", description = "审核 — checks, scores, the review cycle and history of one evaluation"),
        (name = "years", description = "年度 — the year's weights, deadline and collection progress"),
        (name = "comparisons", description = "比较分析 — units side by side, trends, deviation, unmet goals, grades; JSON, CSV or XLSX"),
        (name = "public", description = "公开 — the published reports, open to anyone"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

/// The bearer scheme every operation but the open ones requires.
struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT, or a pev_… service token")
                    .build(),
            ),
        );
    }
}

/// Every route of `/api/v1`, each registered with its OpenAPI operation.
fn api_v1(config: &mut ServiceConfig) {
    config
        .service(auth::login)
        .service(auth::me)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::list_service_tokens)
        .service(users::issue_service_token)
        .service(users::revoke_service_token)
        .service(audit::audit_log)
        .service(departments::create_department)
        .service(departments::list_departments)
        .service(departments::get_department)
        .service(departments::update_department)
        .service(departments::delete_department)
        .service(evaluations::list_evaluations)
        .service(evaluations::get_evaluation)
        .service(evaluations::put_evaluation)
        .service(evaluations::get_budget)
        .service(evaluations::put_budget)
        .service(evaluations::get_goals)
        .service(evaluations::put_goals)
        .service(evaluations::get_results)
        .service(evaluations::put_results)
        .service(evaluations::get_issues)
        .service(evaluations::put_issues)
        .service(evaluations::add_issue)
        .service(evaluations::get_issue)
        .service(evaluations::update_issue)
        .service(evaluations::delete_issue)
        .service(review::submit)
        .service(review::return_evaluation)
        .service(review::accept)
        .service(review::publish)
        .service(review::approve_goals)
        .service(review::findings)
        .service(review::score)
        .service(review::history)
        .service(review::version)
        .service(years::get_settings)
        .service(years::put_settings)
        .service(years::progress)
        .service(comparisons::departments)
        .service(comparisons::trends)
        .service(comparisons::deviations)
        .service(comparisons::unmet)
        .service(comparisons::grades)
        .service(public::list_published)
        .service(public::get_published);
}

/// Adds the service's routes to `app` and answers the app with the OpenAPI document of them.
pub fn register<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    app.into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(health::healthz)
        .service(health::readyz)
        .service(scope("/api/v1").configure(api_v1))
        .split_for_parts()
}

/// The OpenAPI document, without starting anything.
pub fn openapi() -> utoipa::openapi::OpenApi {
    register(App::new()).1
}

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The documented paths with their methods, to tell a wrong method (405) from a wrong path.
pub struct Routes(Vec<(Vec<String>, Vec<String>)>);

impl Routes {
    pub fn of(openapi: &utoipa::openapi::OpenApi) -> Self {
        let routes = openapi
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let methods = serde_json::to_value(item)
                    .ok()
                    .and_then(|v| {
                        v.as_object().map(|o| {
                            o.keys()
                                .filter(|k| HTTP_METHODS.contains(&k.as_str()))
                                .map(|m| m.to_uppercase())
                                .collect()
                        })
                    })
                    .unwrap_or_default();
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods the path takes, when it is one of the documented paths.
    fn methods(&self, path: &str) -> Option<&[String]> {
        let asked: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(segments, _)| {
                segments.len() == asked.len()
                    && segments
                        .iter()
                        .zip(&asked)
                        .all(|(s, a)| s == a || (s.starts_with('{') && !a.is_empty()))
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

/// What answers a request that no route takes: 405 with `Allow` when the path is known and
/// the method is not, else 404.
pub async fn no_route(
    req: actix_web::HttpRequest,
    routes: web::Data<Routes>,
) -> Result<HttpResponse, ApiError> {
    match routes.methods(req.path()) {
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => {
            Err(ApiError::MethodNotAllowed {
                method: req.method().to_string(),
                allowed: methods.to_vec(),
            })
        }
        _ => Err(ApiError::NotFound(format!(
            "{} {} (no such route; the API is under /api/v1, documented at /docs)",
            req.method(),
            req.path()
        ))),
    }
}

/// `/docs` without the slash leads to the Swagger UI.
pub async fn to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}
