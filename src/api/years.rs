//! `/years/{year}` — the year's settings and how collection is going.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::{JsonBody, path_parameter};
use super::responses::{AdminOnly, Unauthenticated};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::years::ProgressView;
use crate::domain::access::Caller;
use crate::domain::settings::YearSettings;
use crate::domain::values::FiscalYear;

/// The settings of a year, with the year.
#[derive(Serialize, ToSchema)]
pub struct YearSettingsView {
    pub year: FiscalYear,
    #[serde(flatten)]
    pub settings: YearSettings,
}

/// The year's weights (its default framework, 10 / 50 / 30 / 10 points), the other frameworks
/// it accepts, the floor of a budget line's execution and the deadline. Roles: any
/// authenticated caller.
#[utoipa::path(tag = "years", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")), responses(
    (status = 200, description = "The settings", body = YearSettingsView),
    Unauthenticated,
))]
#[get("/years/{year}/settings")]
pub async fn get_settings(
    _caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let settings = super::request_id::block(move || app::years::settings(&store, year)).await??;
    Ok(HttpResponse::Ok().json(YearSettingsView { year, settings }))
}

/// Sets the year's weights (they add up to 100), other frameworks (each adding up to 100, named
/// once), the floor of a line's execution and the deadline; the year's evaluations are
/// rescored with them at once. Roles: admin.
#[utoipa::path(tag = "years", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")),
    request_body = YearSettings, responses(
    (status = 200, description = "The settings as stored", body = YearSettingsView),
    (status = 422, description = "Weights that do not add up to 100, or an invalid body", body = Problem, content_type = "application/problem+json"),
    AdminOnly,
))]
#[put("/years/{year}/settings")]
pub async fn put_settings(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    req: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input = app::input(path_parameter::<FiscalYear>(&req, "year").and_then(|year| {
        let settings: YearSettings = body.parse("", "year settings")?;
        let errors = settings.errors();
        if errors.is_empty() {
            Ok((year, settings))
        } else {
            Err(ApiError::InvalidBody {
                what: "year settings",
                errors,
            })
        }
    }));
    let (year, settings) = super::request_id::block(move || {
        app::years::change_settings(&store, &trail, &caller, input)
    })
    .await??;
    Ok(HttpResponse::Ok().json(YearSettingsView { year, settings }))
}

/// Collection progress (报送进度) of a year: per department its state, last change and
/// findings; counts by state; who has not started; who is overdue against the deadline;
/// the rectification items (整改) of the year and the year before past their deadline.
/// Roles: admin, reviewer, analyst.
#[utoipa::path(tag = "years", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")), responses(
    (status = 200, description = "The progress", body = ProgressView),
    (status = 403, description = "A unit", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/years/{year}/progress")]
pub async fn progress(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = app::input(path_parameter::<FiscalYear>(&req, "year"));
    let view =
        super::request_id::block(move || app::years::progress(&store, &caller, year)).await??;
    Ok(HttpResponse::Ok().json(view))
}
