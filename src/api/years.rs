//! `/years/{year}` — the year's settings and how collection is going.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::{JsonBody, path_parameter};
use super::responses::{AdminOnly, Unauthenticated};
use crate::app;
use crate::domain::access::Caller;
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::settings::YearSettings;
use crate::domain::values::FiscalYear;
use crate::store::Store;

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
    let settings = super::request_id::block(move || store.year_settings(year)).await??;
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
    req: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input = path_parameter::<FiscalYear>(&req, "year").and_then(|year| {
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
    });
    let (year, settings) =
        super::request_id::block(move || app::years::change_settings(&store, &caller, input))
            .await???;
    Ok(HttpResponse::Ok().json(YearSettingsView { year, settings }))
}

/// One department in the year's collection.
#[derive(Serialize, ToSchema)]
pub struct DepartmentProgress {
    pub department_code: String,
    pub department_name: String,
    /// None: not started.
    pub status: Option<EvaluationStatus>,
    pub version: Option<i64>,
    /// When its evaluation last changed.
    pub last_change: Option<DateTime<Utc>>,
    pub findings_errors: Option<i32>,
    pub findings_warnings: Option<i32>,
    /// Past the deadline without having been submitted.
    pub overdue: bool,
}

/// How collection of a year is going.
#[derive(Serialize, ToSchema)]
pub struct ProgressView {
    pub year: FiscalYear,
    pub deadline: Option<DateTime<Utc>>,
    /// How many departments are in each state; `not_started` for those without an evaluation.
    pub counts: BTreeMap<String, usize>,
    /// The departments that have not started.
    pub not_started: Vec<String>,
    /// The departments past the deadline without a submission.
    pub overdue: Vec<String>,
    pub departments: Vec<DepartmentProgress>,
}

/// Collection progress (报送进度) of a year: per department its state, last change and
/// findings; counts by state; who has not started; who is overdue against the deadline.
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
    if !caller.reads_everything() {
        return Err(ApiError::Forbidden(
            "collection progress is for the bureau's roles".to_owned(),
        ));
    }
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let (rows, settings) = super::request_id::block(move || {
        let rows = store.progress(year)?;
        store.year_settings(year).map(|settings| (rows, settings))
    })
    .await??;
    let now = Utc::now();
    let past_deadline = settings.deadline.is_some_and(|deadline| now > deadline);
    let mut counts = BTreeMap::new();
    let departments: Vec<DepartmentProgress> = rows
        .into_iter()
        .map(|row| {
            let status = row.status.as_deref().and_then(EvaluationStatus::parse);
            let key = status.map_or("not_started", EvaluationStatus::as_str);
            *counts.entry(key.to_owned()).or_insert(0) += 1;
            DepartmentProgress {
                overdue: past_deadline && status.is_none_or(EvaluationStatus::is_editable),
                department_code: row.department_code,
                department_name: row.department_name,
                status,
                version: row.version,
                last_change: row.updated_at.map(|at| at.and_utc()),
                findings_errors: row.findings_errors,
                findings_warnings: row.findings_warnings,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(ProgressView {
        year,
        deadline: settings.deadline,
        counts,
        not_started: departments
            .iter()
            .filter(|d| d.status.is_none())
            .map(|d| d.department_code.clone())
            .collect(),
        overdue: departments
            .iter()
            .filter(|d| d.overdue)
            .map(|d| d.department_code.clone())
            .collect(),
        departments,
    }))
}
