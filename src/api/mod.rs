//! The HTTP API under `/api/v1`: thin handlers that extract the request, call one use case of
//! `app` on the blocking pool and answer; errors as problem+json; and the OpenAPI document
//! built from the same registrations as the routes. No file here names the store
//! (`tests/api/layers.rs` keeps it so): the use cases check the caller's right inside their
//! own transaction, and those that change something write their audit entry in it, given the
//! request's `app::audit::Trail`.

pub mod audit;
pub mod auth;
pub mod charts;
pub mod clients;
pub mod comparisons;
pub mod departments;
pub mod error;
pub mod evaluations;
pub mod export;
pub mod extract;
pub mod headers;
pub mod health;
pub mod issues;
pub mod language;
pub mod library;
pub mod messages;
pub mod metrics;
pub mod monitoring;
pub mod open_data;
pub mod openapi;
pub mod projects;
pub mod public;
pub mod publishing;
pub mod representations;
pub mod request_id;
pub mod responses;
pub mod result_application;
pub mod review;
pub mod review_samples;
pub mod review_scores;
pub mod users;
pub mod years;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{App, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use error::ApiError;

/// Every route of `/api/v1`, each registered with its OpenAPI operation.
fn api_v1(config: &mut ServiceConfig) {
    // The public pages come first: a request that accepts HTML is answered by them, any other
    // by the JSON operation of the same path (whose document names the page's type).
    config
        .route(
            "/public/evaluations",
            web::get()
                .guard(actix_web::guard::fn_guard(publishing::accepts_html))
                .to(publishing::published_index),
        )
        .route(
            "/public/departments/{code}/evaluations/{year}",
            web::get()
                .guard(actix_web::guard::fn_guard(publishing::accepts_html))
                .to(publishing::published_page),
        )
        .route(
            "/public/departments/{code}/evaluations/{year}/projects/{project}",
            web::get()
                .guard(actix_web::guard::fn_guard(publishing::accepts_html))
                .to(public::published_project_page),
        );
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
        .service(issues::add_issue)
        .service(issues::get_issue)
        .service(issues::update_issue)
        .service(issues::delete_issue)
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
        .service(library::read)
        .service(library::export)
        .service(library::import)
        .service(library::remove)
        .service(library::peers)
        .service(library::suggestions)
        .service(comparisons::departments::departments)
        .service(comparisons::trends::trends)
        .service(comparisons::deviations::deviations)
        .service(comparisons::unmet::unmet)
        .service(comparisons::grades::grades)
        .service(public::list_published)
        .service(public::get_published)
        .service(public::get_published_project)
        .service(public::list_published_projects_of_unit)
        .service(public::list_published_projects_of_year)
        .service(charts::execution_rate_chart)
        .service(charts::grade_chart)
        .service(charts::trend_chart)
        .service(open_data::descriptor)
        .service(open_data::budget)
        .service(open_data::scores)
        .service(open_data::projects)
        .service(publishing::get_report)
        .service(publishing::form_xlsx)
        .service(publishing::read_form)
        .configure(projects::routes)
        .configure(monitoring::routes)
        .configure(review_scores::routes)
        .configure(review_samples::routes)
        .configure(result_application::routes);
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
    let (app, document) = app
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .service(health::healthz)
        .service(health::readyz)
        .service(scope("/api/v1").configure(api_v1))
        .split_for_parts();
    let mut document = openapi::finish(document);
    publishing::document_pages(&mut document);
    (app, document)
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

/// The OpenAPI document as served at `/api/v1/openapi.json`: written once at start, shared by
/// every worker, instead of a copy of the document's tree in each worker written per request.
pub struct OpenApiDocument(Bytes);

impl OpenApiDocument {
    pub fn of(openapi: &utoipa::openapi::OpenApi) -> Result<Self, serde_json::Error> {
        let mut text = serde_json::to_vec(openapi)?;
        text.push(b'\n');
        Ok(Self(text.into()))
    }
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_document(document: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(document.0.clone())
}

/// `/docs` without the slash leads to the Swagger UI.
pub async fn to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

/// JSON answers end with a newline, as a line of text on a terminal should (`curl` leaves the
/// prompt on a line of its own). JSON bodies are serialised whole; one written with its newline
/// already (the tables, the document) goes through as it is, any other costs a copy.
pub async fn json_ends_with_newline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, Bytes>>, actix_web::Error> {
    let response = next.call(req).await?;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| extract::is_json(&media.trim().to_ascii_lowercase()));
    if !is_json {
        return Ok(response.map_into_left_body());
    }
    let (req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    let body = if bytes.ends_with(b"\n") {
        bytes
    } else {
        let mut body = BytesMut::from(bytes);
        body.extend_from_slice(b"\n");
        body.freeze()
    };
    Ok(ServiceResponse::new(req, head.set_body(body)).map_into_right_body())
}
