//! `/public` — what anyone may read: the published reports and project tables.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, web};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::evaluations::{EvaluationList, EvaluationMeta, EvaluationView};
use super::extract::{EvaluationKey, etag, path_parameter, window};
use super::projects::{ProjectPath, ProjectView, UnitYearPath, YearPath};
use super::responses::InvalidQuery;
use crate::app;
use crate::app::Store;
use crate::domain::figures::Percent;
use crate::domain::project::{FundingFigures, ProjectCode, ProjectKey};
use crate::domain::report::Grade;
use crate::domain::scoring::Score;
use crate::domain::values::{FiscalYear, UnitCode};
use crate::hex::hex;

/// Published reports change seldom and are the same for everyone: shared caches may keep
/// them this many seconds, then revalidate them with the ETag.
const PUBLIC_MAX_AGE_SECONDS: u32 = 60;

/// Whether the request's `If-None-Match` names `tag` (or `*`), weak or strong.
pub(super) fn if_none_match(req: &HttpRequest, tag: &str) -> bool {
    held_tags(req).is_some_and(|asked| names_tag(&asked, tag))
}

/// The request's `If-None-Match`, as text to match later (away from the request).
pub(super) fn held_tags(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Whether an `If-None-Match` value names `tag` (or `*`), weak or strong.
pub(super) fn names_tag(asked: &str, tag: &str) -> bool {
    asked.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/") == tag.trim_start_matches("W/")
    })
}

/// A public answer, JSON or page, with its validators and cache policy: 304 with no body when
/// `If-None-Match` names `tag`. `Vary: Accept`, since one path answers JSON or a page.
pub(super) fn cacheable(
    req: &HttpRequest,
    tag: String,
    modified: Option<NaiveDateTime>,
    body: impl FnOnce(HttpResponseBuilder) -> HttpResponse,
) -> HttpResponse {
    let matches = if_none_match(req, &tag);
    let mut answer = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header((header::ETAG, tag))
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={PUBLIC_MAX_AGE_SECONDS}"),
        ))
        .insert_header((header::VARY, "Accept"));
    if let Some(modified) = modified {
        let seconds = u64::try_from(modified.and_utc().timestamp()).unwrap_or_default();
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
        answer.insert_header(header::LastModified(at.into()));
    }
    if matches {
        answer.finish()
    } else {
        body(answer)
    }
}

/// A weak validator of a text: the first 16 bytes of its SHA-256.
pub(super) fn digest_tag(text: &[u8]) -> String {
    format!("W/\"{}\"", hex(&Sha256::digest(text)[..16]))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// Only this fiscal year.
    pub year: Option<FiscalYear>,
    /// Only this department (单位代码).
    pub department: Option<UnitCode>,
    /// How many to answer, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// How many to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The published self-evaluations, newest year first. Cacheable for a minute by anyone, with
/// an ETag to revalidate (`If-None-Match`). Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(PublicQuery,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the page the client holds"),
), responses(
    (status = 200, description = "A page of published evaluations", body = EvaluationList, headers(
        ("ETag" = String, description = "A validator of this page"),
        ("Last-Modified" = String, description = "When the latest of its reports last changed"),
        ("Cache-Control" = String, description = "`public, max-age=60`"),
        ("Vary" = String, description = "`Accept`: the same path answers a page to browsers"))),
    (status = 304, description = "The page is as the client holds it"),
    InvalidQuery,
))]
#[get("/public/evaluations")]
pub async fn list_published(
    req: HttpRequest,
    store: web::Data<Store>,
    query: web::Query<PublicQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let window = window(query.limit, query.offset)?;
    let page = super::request_id::block(move || {
        app::public::list(&store, query.year, query.department, window)
    })
    .await??;
    let list = EvaluationList {
        items: page.items.iter().map(EvaluationMeta::from).collect(),
        total: page.total,
        limit: window.limit,
        offset: window.offset,
    };
    let text = serde_json::to_vec(&list)
        .map_err(|e| ApiError::caused("the list could not be written", e))?;
    let modified = page.items.iter().map(|item| item.updated_at).max();
    Ok(cacheable(&req, digest_tag(&text), modified, |mut ok| {
        ok.json(list)
    }))
}

/// One published self-evaluation, whole. What is not published is not found. Cacheable for a
/// minute by anyone, with its version as ETag to revalidate (`If-None-Match`). Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
    EvaluationKey,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the version the client holds"),
), responses(
    (status = 200, description = "The published evaluation", body = EvaluationView, headers(
        ("ETag" = String, description = "The version, quoted (the page's has `-html` after it)"),
        ("Last-Modified" = String, description = "When the report last changed"),
        ("Cache-Control" = String, description = "`public, max-age=60`"),
        ("Vary" = String, description = "`Accept`: the same path answers a page to browsers"))),
    (status = 304, description = "The version is the one the client holds"),
    (status = 404, description = "No such published evaluation", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/departments/{code}/evaluations/{year}")]
pub async fn get_published(
    req: HttpRequest,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let record =
        super::request_id::block(move || app::public::get(&store, &key.code, key.year)).await??;
    let (_, tag) = etag(record.summary.version);
    let modified = Some(record.summary.updated_at);
    Ok(cacheable(&req, tag, modified, |mut ok| {
        ok.json(EvaluationView {
            meta: (&record.summary).into(),
            report: record.report,
        })
    }))
}

/// One published project table (项目支出绩效自评表), whole but for its contact (项目负责人,
/// 联系电话: personal data, never public). What is not published is not found. A client that
/// accepts `text/html` gets the rendered table as a page (its ETag the version with `-html`).
/// Cacheable for a minute by anyone, with its version as ETag to revalidate
/// (`If-None-Match`). Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
    ProjectPath,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the version the client holds"),
), responses(
    (status = 200, description = "The published project table", body = ProjectView, headers(
        ("ETag" = String, description = "The version, quoted (the page's has `-html` after it)"),
        ("Last-Modified" = String, description = "When the table last changed"),
        ("Cache-Control" = String, description = "`public, max-age=60`"),
        ("Vary" = String, description = "`Accept`: the same path answers a page to browsers"))),
    (status = 304, description = "The version is the one the client holds"),
    (status = 404, description = "No such published project table", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/departments/{code}/evaluations/{year}/projects/{project}")]
pub async fn get_published_project(
    req: HttpRequest,
    store: web::Data<Store>,
    path: ProjectPath,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let evaluation = super::request_id::block(move || app::public::project(&store, &key)).await??;
    let (_, tag) = etag(evaluation.stage.version);
    let modified = Some(evaluation.stage.updated_at);
    Ok(cacheable(&req, tag, modified, |mut ok| {
        ok.json(ProjectView {
            meta: (&evaluation).into(),
            table: evaluation.table,
        })
    }))
}

/// `/public/departments/{code}/evaluations/{year}/projects/{project}` as a page: the published
/// project table rendered, without its contact. Served beside the JSON operation for clients
/// that accept `text/html`.
pub async fn published_project_page(
    req: HttpRequest,
    store: web::Data<Store>,
    path: ProjectPath,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let (evaluation, page) =
        super::request_id::block(move || app::public::project_page(&store, &key)).await??;
    // The page is another representation of the same version: its validator says so.
    let tag = format!("\"{}-html\"", evaluation.stage.version);
    let modified = Some(evaluation.stage.updated_at);
    Ok(cacheable(&req, tag, modified, |mut ok| {
        super::publishing::page_answer(&mut ok, page)
    }))
}

/// A page of published project tables: how many to answer and skip.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicProjectQuery {
    /// How many to answer, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// How many to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// One published project table in a list: its unit, its money (万元), execution rate, score
/// and grade by the rules, and where it is read. Never its contact.
#[derive(Serialize, ToSchema)]
pub struct PublishedProjectRow {
    pub department_code: UnitCode,
    /// The unit's name.
    pub department_name: String,
    pub year: FiscalYear,
    pub project_code: ProjectCode,
    /// 项目名称
    pub name: Option<String>,
    /// The published version.
    pub version: i64,
    /// The money in 万元, converted exactly where the table writes 元.
    pub funding: FundingFigures,
    /// 执行率 (%), computed.
    pub execution_rate: Option<Percent>,
    /// 总分 and grade by the rules.
    pub score: Option<Score>,
    pub grade: Option<Grade>,
    /// Where the table is read: its public path.
    pub href: String,
}

/// A page of published project tables.
#[derive(Serialize, ToSchema)]
pub struct PublishedProjectList {
    pub items: Vec<PublishedProjectRow>,
    /// How many are published, on all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// The list as JSON or, to a browser, as a page, cacheable with a validator of its text.
async fn project_list(
    req: HttpRequest,
    store: web::Data<Store>,
    year: FiscalYear,
    department: Option<UnitCode>,
    query: PublicProjectQuery,
) -> Result<HttpResponse, ApiError> {
    let window = window(query.limit, query.offset)?;
    // One path answers JSON or, to a browser, the page.
    if super::publishing::names_html(req.headers()) {
        let (page, modified) = super::request_id::block(move || {
            app::public::project_list_page(&store, year, department.as_ref(), window)
        })
        .await??;
        return Ok(cacheable(
            &req,
            digest_tag(page.as_bytes()),
            modified,
            |mut ok| super::publishing::page_answer(&mut ok, page),
        ));
    }
    let page = super::request_id::block(move || {
        app::public::project_list(&store, year, department.as_ref(), window)
    })
    .await??;
    let list = PublishedProjectList {
        items: page
            .rows
            .into_iter()
            .map(|(department_name, row)| PublishedProjectRow {
                href: format!(
                    "/api/v1/public/departments/{}/evaluations/{year}/projects/{}",
                    row.department_code,
                    row.project_code.as_str()
                ),
                department_code: row.department_code,
                department_name,
                year: row.year,
                project_code: row.project_code,
                name: row.name,
                version: row.version,
                funding: row.funding,
                execution_rate: row.execution_rate,
                score: row.score,
                grade: row.grade,
            })
            .collect(),
        total: page.total,
        limit: window.limit,
        offset: window.offset,
    };
    let text = serde_json::to_vec(&list)
        .map_err(|e| ApiError::caused("the list could not be written", e))?;
    Ok(cacheable(
        &req,
        digest_tag(&text),
        page.modified,
        |mut ok| ok.json(list),
    ))
}

/// A unit's published project tables (项目支出绩效自评表) of a year, by project code: each with
/// its money (万元), execution rate, score and grade by the rules and where it is read; never
/// the contact (项目负责人, 联系电话). A unit with none published answers an empty list. A
/// client that accepts `text/html` gets the list as a page, each table linked to its page.
/// Cacheable for a minute by anyone, with an ETag to revalidate (`If-None-Match`). Roles:
/// anyone.
#[utoipa::path(tag = "public", security(()), params(
    UnitYearPath, PublicProjectQuery,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the page the client holds"),
), responses(
    (status = 200, description = "A page of the unit's published project tables", body = PublishedProjectList, headers(
        ("ETag" = String, description = "A validator of this page"),
        ("Last-Modified" = String, description = "When the latest of its tables last changed"),
        ("Cache-Control" = String, description = "`public, max-age=60`"),
        ("Vary" = String, description = "`Accept`: the same path answers a page to browsers"))),
    (status = 304, description = "The page is as the client holds it"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    InvalidQuery,
))]
#[get("/public/departments/{code}/evaluations/{year}/projects")]
pub async fn list_published_projects_of_unit(
    req: HttpRequest,
    store: web::Data<Store>,
    query: web::Query<PublicProjectQuery>,
) -> Result<HttpResponse, ApiError> {
    let (code, year) = super::projects::unit_and_year(&req)?;
    project_list(req, store, year, Some(code), query.into_inner()).await
}

/// Every unit's published project tables (项目支出绩效自评表) of a year, by unit and project
/// code: each with its unit, money (万元), execution rate, score and grade by the rules and
/// where it is read; never the contact (项目负责人, 联系电话). A client that accepts
/// `text/html` gets the list as a page, each table linked to its page. Cacheable for a minute
/// by anyone, with an ETag to revalidate (`If-None-Match`). Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
    YearPath, PublicProjectQuery,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the page the client holds"),
), responses(
    (status = 200, description = "A page of the year's published project tables", body = PublishedProjectList, headers(
        ("ETag" = String, description = "A validator of this page"),
        ("Last-Modified" = String, description = "When the latest of its tables last changed"),
        ("Cache-Control" = String, description = "`public, max-age=60`"),
        ("Vary" = String, description = "`Accept`: the same path answers a page to browsers"))),
    (status = 304, description = "The page is as the client holds it"),
    (status = 400, description = "The year is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    InvalidQuery,
))]
#[get("/public/years/{year}/projects")]
pub async fn list_published_projects_of_year(
    req: HttpRequest,
    store: web::Data<Store>,
    query: web::Query<PublicProjectQuery>,
) -> Result<HttpResponse, ApiError> {
    let year: FiscalYear = path_parameter(&req, "year")?;
    project_list(req, store, year, None, query.into_inner()).await
}
