//! `/public/open-data/{year}/…` — a year's published figures as a data package: the
//! descriptor and its CSV files, which sit beside it so that its relative paths resolve.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::error::{ApiError, Problem};
use super::extract::path_parameter;
use crate::app;
use crate::app::Store;
use crate::app::public::OpenDataFile;
use crate::domain::values::FiscalYear;

const CSV: &str = "text/csv; charset=utf-8";

async fn package_file(
    req: HttpRequest,
    store: web::Data<Store>,
    file: OpenDataFile,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let text =
        super::request_id::block(move || app::public::open_data(&store, year, file)).await??;
    Ok(match file {
        OpenDataFile::Descriptor => HttpResponse::Ok()
            .content_type(actix_web::http::header::ContentType::json())
            .body(text),
        OpenDataFile::Budget | OpenDataFile::Scores | OpenDataFile::Projects => {
            HttpResponse::Ok().content_type(CSV).body(text)
        }
    })
}

/// The year's open data package (`datapackage.json`): a Tabular Data Package whose `model`
/// follows the Fiscal Data Package (measures approved / adjusted / executed in 万元, the
/// administrative classification by unit, the expenditure line), with `budget.csv`,
/// `scores.csv` and `projects.csv` beside it. Only published reports are in it. Roles: anyone.
#[utoipa::path(operation_id = "open_data_descriptor", tag = "public", security(()), params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "The data package descriptor", body = Object),
    (status = 400, description = "Invalid year", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/open-data/{year}/datapackage.json")]
pub async fn descriptor(
    req: HttpRequest,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    package_file(req, store, OpenDataFile::Descriptor).await
}

/// `budget.csv` of the year's open data package: approved, adjusted and executed amounts (万元)
/// of each published unit's total, basic and project expenditure. Roles: anyone.
#[utoipa::path(operation_id = "open_data_budget_csv", tag = "public", security(()), params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "UTF-8 CSV with a header row", content((String = "text/csv"))),
    (status = 400, description = "Invalid year", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/open-data/{year}/budget.csv")]
pub async fn budget(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    package_file(req, store, OpenDataFile::Budget).await
}

/// `scores.csv` of the year's open data package: each published unit's execution rate (%),
/// score (points) and grade by the bureau's rules. Roles: anyone.
#[utoipa::path(operation_id = "open_data_scores_csv", tag = "public", security(()), params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "UTF-8 CSV with a header row", content((String = "text/csv"))),
    (status = 400, description = "Invalid year", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/open-data/{year}/scores.csv")]
pub async fn scores(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    package_file(req, store, OpenDataFile::Scores).await
}

/// `projects.csv` of the year's open data package: each published project table
/// (项目支出绩效自评表) of the year with its unit, its money in 万元 (converted from the unit the
/// form writes), execution rate (%), score and grade by the bureau's rules. The contact
/// (项目负责人, 联系电话) is never in it. Roles: anyone.
#[utoipa::path(operation_id = "open_data_projects_csv", tag = "public", security(()), params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "UTF-8 CSV with a header row", content((String = "text/csv"))),
    (status = 400, description = "Invalid year", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/open-data/{year}/projects.csv")]
pub async fn projects(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    package_file(req, store, OpenDataFile::Projects).await
}
