//! `/years/{year}/library` — the year's indicator library (指标库): read, exported and
//! imported as CSV, removed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};

use super::error::{ApiError, Problem};
use super::export::CSV;
use super::extract::{CsvBody, path_parameter};
use super::responses::Unauthenticated;
use crate::app;
use crate::app::Store;
use crate::app::library::{ImportRefusal, LibraryView};
use crate::domain::FieldError;
use crate::domain::access::Caller;
use crate::domain::values::FiscalYear;

/// The year's indicator library: its own where the bureau imported one, else the common
/// indicators the service ships (财预〔2013〕53号; docs/library.md). Roles: any authenticated
/// caller.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")), responses(
    (status = 200, description = "The library", body = LibraryView),
    Unauthenticated,
))]
#[get("/years/{year}/library")]
pub async fn read(
    _caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let view = super::request_id::block(move || app::library::read(&store, year)).await??;
    Ok(HttpResponse::Ok().json(view))
}

/// The year's indicator library as CSV (UTF-8), in the columns an import reads, so that what
/// is exported imports again unchanged. Roles: any authenticated caller.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")), responses(
    (status = 200, description = "The library as CSV", body = String, content_type = "text/csv"),
    Unauthenticated,
))]
#[get("/years/{year}/library/export")]
pub async fn export(
    _caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let text = super::request_id::block(move || app::library::export(&store, year)).await??;
    Ok(HttpResponse::Ok()
        .content_type(CSV)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"indicator-library-{year}.csv\""),
        ))
        .body(text))
}

/// Imports a CSV library (at most 512 KiB and 1,000 indicators; the columns of the export) as
/// the year's, in place of the one it had. A text with any error stores nothing, and every
/// error is answered with its line and column. Roles: admin, reviewer.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")),
    request_body(content = String, content_type = "text/csv", description = "The library as CSV"),
    responses(
    (status = 200, description = "The library as stored", body = LibraryView),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither an admin nor a reviewer", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Lines or cells that do not read, each named (`errors[].path`: `line N, column`)", body = Problem, content_type = "application/problem+json"),
))]
#[put("/years/{year}/library")]
pub async fn import(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let view =
        super::request_id::block(move || app::library::import(&store, &caller, year, body.bytes()))
            .await??
            .map_err(refused)?;
    Ok(HttpResponse::Ok().json(view))
}

fn refused(refusal: ImportRefusal) -> ApiError {
    ApiError::InvalidBody {
        what: "indicator library",
        errors: refusal
            .0
            .into_iter()
            .map(|error| {
                let at = match &error.column {
                    Some(column) => format!("line {}, {column}", error.line),
                    None => format!("line {}", error.line),
                };
                FieldError::new(at, error.message)
            })
            .collect(),
    }
}

/// Removes the year's own library: the year reads the common one again. Roles: admin,
/// reviewer.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")), responses(
    (status = 204, description = "Removed"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither an admin nor a reviewer", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "The year has no library of its own", body = Problem, content_type = "application/problem+json"),
))]
#[delete("/years/{year}/library")]
pub async fn remove(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let removed =
        super::request_id::block(move || app::library::remove(&store, &caller, year)).await??;
    if removed {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::from(app::AppError::NotFound(format!(
            "an indicator library of {year}"
        ))))
    }
}
