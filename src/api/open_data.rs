//! `/public/open-data/{year}/…` — a year's published figures as a data package: the
//! descriptor and its CSV files, which sit beside it so that its relative paths resolve.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::charts::{published, published_in};
use super::error::{ApiError, Problem};
use super::extract::path_parameter;
use crate::domain::presentation::open_data::{self, PublishedUnit};
use crate::domain::values::FiscalYear;
use crate::store::Store;

const CSV: &str = "text/csv; charset=utf-8";

/// Which file of the package.
#[derive(Clone, Copy)]
enum File {
    Descriptor,
    Budget,
    Scores,
}

async fn package_file(
    req: HttpRequest,
    store: web::Data<Store>,
    file: File,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let text = super::request_id::block(move || {
        let weights = store.year_settings(year)?.weights;
        let found = published(&store, &published_in(year, None), None)?;
        let cards: Vec<_> = found
            .iter()
            .map(|(_, record)| {
                record
                    .report
                    .scorecard(&weights, record.approved_goals.as_ref())
            })
            .collect();
        let units: Vec<PublishedUnit<'_>> = found
            .iter()
            .zip(&cards)
            .map(|((name, record), scorecard)| PublishedUnit {
                code: record.summary.department_code.as_str(),
                name,
                report: &record.report,
                scorecard,
            })
            .collect();
        let year = i32::from(year);
        Ok::<_, ApiError>(match file {
            File::Descriptor => open_data::descriptor(year).to_string(),
            File::Budget => open_data::budget_csv(year, &units),
            File::Scores => open_data::scores_csv(year, &units),
        })
    })
    .await??;
    Ok(match file {
        File::Descriptor => HttpResponse::Ok()
            .content_type(actix_web::http::header::ContentType::json())
            .body(text),
        File::Budget | File::Scores => HttpResponse::Ok().content_type(CSV).body(text),
    })
}

/// The year's open data package (`datapackage.json`): a Tabular Data Package whose `model`
/// follows the Fiscal Data Package (measures approved / adjusted / executed in 万元, the
/// administrative classification by unit, the expenditure line), with `budget.csv` and
/// `scores.csv` beside it. Only published reports are in it. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
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
    package_file(req, store, File::Descriptor).await
}

/// `budget.csv` of the year's open data package: approved, adjusted and executed amounts (万元)
/// of each published unit's total, basic and project expenditure. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "UTF-8 CSV with a header row", content((String = "text/csv"))),
    (status = 400, description = "Invalid year", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/open-data/{year}/budget.csv")]
pub async fn budget(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    package_file(req, store, File::Budget).await
}

/// `scores.csv` of the year's open data package: each published unit's execution rate (%),
/// score (points) and grade by the bureau's rules. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "UTF-8 CSV with a header row", content((String = "text/csv"))),
    (status = 400, description = "Invalid year", body = Problem, content_type = "application/problem+json"),
))]
#[get("/public/open-data/{year}/scores.csv")]
pub async fn scores(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    package_file(req, store, File::Scores).await
}
