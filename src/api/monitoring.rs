//! `/departments/{code}/monitoring/{year}/{period}[/projects/{project}]` — a unit's mid-year
//! monitoring report (绩效运行监控) of a period, for its departmental budget or one project; and
//! `/years/{year}/monitoring/{period}/warnings`, the bureau's warning list of the period, and
//! `…/forecasts`, each report's forecast beside the year's actuals. Each handler calls one use
//! case of `app::monitoring`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::{IfMatch, JsonBody, etag, parameter};
use super::responses::{InvalidQuery, Unauthenticated};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::monitoring::Assessed;
use crate::domain::access::Caller;
use crate::domain::checks::Severity;
use crate::domain::cycle::Change;
use crate::domain::monitoring::{
    ForecastRow, ForecastSort, MonitoredRow, MonitoringFigures, MonitoringFinding, MonitoringKey,
    MonitoringReport, MonitoringWarning, Period, Subject, WarningSort,
};
use crate::domain::project::{Direction, ProjectCode};
use crate::domain::values::{FiscalYear, UnitCode};
use crate::domain::{FieldError, Invalid};
use crate::presentation::monitoring::{forecasts_csv, warnings_csv};

/// Which departmental monitoring report: `{code}`, `{year}` and `{period}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MonitoringPath {
    /// 单位代码
    pub code: UnitCode,
    /// Fiscal year, 2000–2100
    pub year: FiscalYear,
    /// 监控期: `1-N` for the months 1 to N (`1-6` for 1–6月), one of the year's periods.
    #[param(value_type = String, pattern = r"^1-([1-9]|1[0-2])$")]
    pub period: Period,
}

/// Which project monitoring report: `{code}`, `{year}`, `{period}` and `{project}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProjectMonitoringPath {
    /// 单位代码
    pub code: UnitCode,
    /// Fiscal year, 2000–2100
    pub year: FiscalYear,
    /// 监控期: `1-N` for the months 1 to N (`1-6` for 1–6月), one of the year's periods.
    #[param(value_type = String, pattern = r"^1-([1-9]|1[0-2])$")]
    pub period: Period,
    /// 项目代码 — the unit's code of the project, as in its project table.
    #[param(value_type = String, pattern = r"^[0-9A-Za-z._-]{1,64}$")]
    pub project: ProjectCode,
}

/// The key the request's path names, with the project where `project` is in the route.
fn key_of(req: &HttpRequest, with_project: bool) -> Result<MonitoringKey, ApiError> {
    let code = parameter::<UnitCode>(req, "code");
    let year = parameter::<FiscalYear>(req, "year");
    let period = parameter::<Period>(req, "period");
    let project = with_project
        .then(|| parameter::<ProjectCode>(req, "project"))
        .transpose();
    match (code, year, period, project) {
        (Ok(department_code), Ok(year), Ok(period), Ok(project)) => Ok(MonitoringKey {
            department_code,
            year,
            period,
            subject: project.map_or(Subject::Department, Subject::Project),
        }),
        (code, year, period, project) => Err(ApiError::InvalidParameters(
            code.err()
                .into_iter()
                .chain(year.err())
                .chain(period.err())
                .chain(project.err())
                .collect(),
        )),
    }
}

impl FromRequest for MonitoringPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(key_of(req, false).map(|key| Self {
            code: key.department_code,
            year: key.year,
            period: key.period,
        }))
    }
}

impl From<MonitoringPath> for MonitoringKey {
    fn from(path: MonitoringPath) -> Self {
        Self {
            department_code: path.code,
            year: path.year,
            period: path.period,
            subject: Subject::Department,
        }
    }
}

impl FromRequest for ProjectMonitoringPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(key_of(req, true).and_then(|key| match key.subject {
            Subject::Project(project) => Ok(Self {
                code: key.department_code,
                year: key.year,
                period: key.period,
                project,
            }),
            Subject::Department => Err(ApiError::InvalidParameters(vec![FieldError::new(
                "project",
                Invalid::Required,
            )])),
        }))
    }
}

impl From<ProjectMonitoringPath> for MonitoringKey {
    fn from(path: ProjectMonitoringPath) -> Self {
        Self {
            department_code: path.code,
            year: path.year,
            period: path.period,
            subject: Subject::Project(path.project),
        }
    }
}

/// A monitoring report with its figures, its rows beside the targets and its findings.
#[derive(Serialize, ToSchema)]
pub struct MonitoringView {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    pub period: Period,
    /// The project; absent for the departmental level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_code: Option<ProjectCode>,
    /// Goes up by one with every change; the ETag carries it, `If-Match` sends it back.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The report as filed.
    pub report: MonitoringReport,
    /// The money computed from the funds reported: execution to date, time elapsed, lag,
    /// expected rate.
    pub figures: MonitoringFigures,
    /// Every monitored target beside the unit's row.
    pub rows: Vec<MonitoredRow>,
    /// How many findings are errors and how many warnings.
    pub errors: usize,
    pub warnings: usize,
    /// Errors first.
    pub findings: Vec<MonitoringFinding>,
}

impl From<Assessed> for MonitoringView {
    fn from(assessed: Assessed) -> Self {
        let monitoring = assessed.monitoring;
        let assessment = assessed.assessment;
        let errors = assessment
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = assessment
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        Self {
            project_code: monitoring.key.subject.project_code().cloned(),
            department_code: monitoring.key.department_code,
            year: monitoring.key.year,
            period: monitoring.key.period,
            version: monitoring.version,
            created_at: monitoring.created_at.and_utc(),
            updated_at: monitoring.updated_at.and_utc(),
            report: monitoring.report,
            figures: assessment.figures,
            rows: assessment.rows,
            errors,
            warnings,
            findings: assessment.findings,
        }
    }
}

fn monitoring_path(key: &MonitoringKey) -> String {
    let base = format!(
        "/api/v1/departments/{}/monitoring/{}/{}",
        key.department_code, key.year, key.period
    );
    match &key.subject {
        Subject::Department => base,
        Subject::Project(code) => format!("{base}/projects/{code}"),
    }
}

async fn read(
    caller: Caller,
    store: web::Data<Store>,
    key: MonitoringKey,
) -> Result<HttpResponse, ApiError> {
    let assessed =
        super::request_id::block(move || app::monitoring::read(&store, &caller, &key)).await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(assessed.monitoring.version))
        .json(MonitoringView::from(assessed)))
}

async fn file(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    key: MonitoringKey,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let report = body.parse::<MonitoringReport>("", "monitoring report");
    let filed = super::request_id::block(move || {
        app::monitoring::file(&store, &trail, &caller, &key, if_match.0, report)
    })
    .await???;
    let mut response = match filed.change {
        Change::Created => HttpResponse::Created(),
        Change::Updated | Change::Unchanged => HttpResponse::Ok(),
    };
    if filed.change == Change::Created {
        response.insert_header((
            header::LOCATION,
            monitoring_path(&filed.assessed.monitoring.key),
        ));
    }
    Ok(response
        .insert_header(etag(filed.assessed.monitoring.version))
        .json(MonitoringView::from(filed.assessed)))
}

/// A unit's monitoring report of a period, departmental level
///
/// The report as filed, the figures the service computes from its funds (执行率 to date against
/// 全年预算数, else 年初预算数; 序时进度 — the share of the year gone at the period's end; the lag;
/// 预计执行率), every approved target beside its row, and the findings of the monitoring checks.
/// The ETag is its version. Roles: admin, reviewer, analyst; unit (its own department and
/// subordinate units).
#[utoipa::path(tag = "monitoring", params(MonitoringPath), responses(
    (status = 200, description = "The monitoring report", body = MonitoringView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department or monitoring report", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/monitoring/{year}/{period}")]
pub async fn get_monitoring(
    caller: Caller,
    store: web::Data<Store>,
    path: MonitoringPath,
) -> Result<HttpResponse, ApiError> {
    read(caller, store, path.into()).await
}

/// A unit's monitoring report of a period, one project
///
/// As the departmental report, for one project: its targets are the indicators of the
/// project's table of the year. Roles: admin, reviewer, analyst; unit (its own department and
/// subordinate units).
#[utoipa::path(tag = "monitoring", params(ProjectMonitoringPath), responses(
    (status = 200, description = "The monitoring report", body = MonitoringView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department or monitoring report", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/monitoring/{year}/{period}/projects/{project}")]
pub async fn get_project_monitoring(
    caller: Caller,
    store: web::Data<Store>,
    path: ProjectMonitoringPath,
) -> Result<HttpResponse, ApiError> {
    read(caller, store, path.into()).await
}

/// Files a monitoring report of a period, departmental level (绩效运行监控表)
///
/// Creates or replaces the report. `funds` in 万元 as decimal strings; `targets` holds one row
/// per target the bureau approved for the year (绩效目标审核), each exactly once: a row naming
/// any other target, or an approved target without a row, is refused (422) — leave a row's
/// values out where there are none yet. Refused with 409 `no_targets` while the year's targets
/// are not approved, and 409 `period_not_monitored` for a period the year does not set
/// (`monitoring_periods` of the year's settings; `1-6` and `1-7` unless set). The same body
/// twice stores one version. Send the ETag back as `If-Match` (412 when stale). Roles: admin;
/// unit (its own department and subordinate units).
#[utoipa::path(tag = "monitoring", params(MonitoringPath, IfMatch), request_body = MonitoringReport, responses(
    (status = 200, description = "Replaced (or unchanged)", body = MonitoringView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Filed", body = MonitoringView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The monitoring report"))),
    (status = 400, description = "Malformed JSON, or a path parameter not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The role does not file reports", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "No targets to monitor (`no_targets`), or a period the year does not set (`period_not_monitored`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a monitoring report of the approved targets; `errors` names each field; nothing is stored", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[put("/departments/{code}/monitoring/{year}/{period}")]
pub async fn put_monitoring(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    path: MonitoringPath,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    file(caller, trail, store, path.into(), if_match, body).await
}

/// Files a monitoring report of a period, one project (项目支出绩效监控表)
///
/// As the departmental report, for one project: its rows follow the indicators of the
/// project's table of the year (409 `no_targets` where there is no such table with
/// indicators). Roles: admin; unit (its own department and subordinate units).
#[utoipa::path(tag = "monitoring", params(ProjectMonitoringPath, IfMatch), request_body = MonitoringReport, responses(
    (status = 200, description = "Replaced (or unchanged)", body = MonitoringView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Filed", body = MonitoringView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The monitoring report"))),
    (status = 400, description = "Malformed JSON, or a path parameter not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The role does not file reports", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "No targets to monitor (`no_targets`), or a period the year does not set (`period_not_monitored`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a monitoring report of the project's targets; `errors` names each field; nothing is stored", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[put("/departments/{code}/monitoring/{year}/{period}/projects/{project}")]
pub async fn put_project_monitoring(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    path: ProjectMonitoringPath,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    file(caller, trail, store, path.into(), if_match, body).await
}

/// The form a year-wide monitoring list (warnings, forecasts) is answered in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonitoringListFormat {
    #[default]
    Json,
    /// One line per row.
    Csv,
}

/// How the warning list is ordered and answered.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WarningQuery {
    /// `unit` (default), `rule`, `severity` or `lag` (reports without a lag last); ties by
    /// unit, project and rule.
    pub sort: Option<WarningSort>,
    /// `ascending` (default) or `descending`.
    pub order: Option<Direction>,
    /// `json` (default) or `csv`: one line per warning.
    pub format: Option<MonitoringListFormat>,
}

/// The warning list of a year and period.
#[derive(Serialize, ToSchema)]
pub struct WarningList {
    pub year: FiscalYear,
    pub period: Period,
    pub items: Vec<MonitoringWarning>,
    pub total: usize,
}

/// The bureau's warning list of a monitoring period
///
/// Every finding of every unit's and project's monitoring report of the period — spending
/// behind the time elapsed (beyond the year's `monitoring_tolerance`, 10 percentage points
/// unless set), expected values short of their targets unexplained, 完全不可能 without a
/// measure, expected execution the funds contradict — one row each with the report's execution
/// rate and lag, and a `not_filed` row for every unit whose targets are approved and every
/// project table with indicators that has no report. Sorted; `format=csv` answers the rows as
/// CSV. Roles: admin, reviewer, analyst (every unit); unit (its own department and subordinate
/// units).
#[utoipa::path(tag = "monitoring", params(
    ("year" = i32, Path, minimum = 2000, maximum = 2100, description = "Fiscal year, 2000–2100"),
    ("period" = String, Path, pattern = r"^1-([1-9]|1[0-2])$", description = "监控期: `1-N` for the months 1 to N"),
    WarningQuery,
), responses(
    (status = 200, description = "The warnings (JSON), or their rows as CSV", content(
        (WarningList = "application/json"),
        (String = "text/csv"),
    )),
    (status = 400, description = "The year or period is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated, InvalidQuery,
))]
#[get("/years/{year}/monitoring/{period}/warnings")]
pub async fn warning_list(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<WarningQuery>,
) -> Result<HttpResponse, ApiError> {
    let (year, period) = year_and_period(&req)?;
    let (sort, direction) = (
        query.sort.unwrap_or_default(),
        query.order.unwrap_or_default(),
    );
    let items = super::request_id::block(move || {
        app::monitoring::warnings(&store, &caller, year, period, sort, direction)
    })
    .await??;
    Ok(list_answer(
        query.format.unwrap_or_default(),
        items,
        warnings_csv,
        |items| {
            HttpResponse::Ok().json(WarningList {
                year,
                period,
                total: items.len(),
                items,
            })
        },
    ))
}

/// `{year}` and `{period}` of a year-wide list, each named where it does not parse.
fn year_and_period(req: &HttpRequest) -> Result<(FiscalYear, Period), ApiError> {
    match (
        parameter::<FiscalYear>(req, "year"),
        parameter::<Period>(req, "period"),
    ) {
        (Ok(year), Ok(period)) => Ok((year, period)),
        (year, period) => Err(ApiError::InvalidParameters(
            year.err().into_iter().chain(period.err()).collect(),
        )),
    }
}

/// A year-wide list as CSV, by `csv`, or as JSON, by `json`.
fn list_answer<T>(
    format: MonitoringListFormat,
    items: Vec<T>,
    csv: fn(&[T]) -> String,
    json: impl FnOnce(Vec<T>) -> HttpResponse,
) -> HttpResponse {
    match format {
        MonitoringListFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(csv(&items)),
        MonitoringListFormat::Json => json(items),
    }
}

/// How the forecast list is ordered and answered.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// `unit` (default), `gap` (the money gap's size as a share of the actual; rows without
    /// one last) or `misjudged` (确定能 missed plus 完全不可能 met); ties by unit and project.
    pub sort: Option<ForecastSort>,
    /// `ascending` (default) or `descending`.
    pub order: Option<Direction>,
    /// `json` (default) or `csv`: one line per report.
    pub format: Option<MonitoringListFormat>,
}

/// The forecasts of a year and period beside the year's actuals.
#[derive(Serialize, ToSchema)]
pub struct ForecastList {
    pub year: FiscalYear,
    pub period: Period,
    pub items: Vec<ForecastRow>,
    pub total: usize,
}

/// Monitoring forecasts beside the year's actuals
///
/// For every unit's and project's monitoring report of the period: the full-year execution it
/// forecast (全年预计执行数) beside the 全年执行数 of the year's self-evaluation (the
/// departmental report, or the project's table — in whatever state it is), the gap in 万元 and
/// as a share of the actual, and of the targets it judged, how many it called 确定能 and missed
/// and 完全不可能 and met — so the bureau sees which units forecast honestly. A report with no
/// self-evaluation of the year yet has `evaluated: false` and no gap. Sorted; `format=csv`
/// answers the rows as CSV. Roles: admin, reviewer, analyst (every unit); unit (its own
/// department and subordinate units).
#[utoipa::path(tag = "monitoring", params(
    ("year" = i32, Path, minimum = 2000, maximum = 2100, description = "Fiscal year, 2000–2100"),
    ("period" = String, Path, pattern = r"^1-([1-9]|1[0-2])$", description = "监控期: `1-N` for the months 1 to N"),
    ForecastQuery,
), responses(
    (status = 200, description = "The forecasts (JSON), or their rows as CSV", content(
        (ForecastList = "application/json"),
        (String = "text/csv"),
    )),
    (status = 400, description = "The year or period is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated, InvalidQuery,
))]
#[get("/years/{year}/monitoring/{period}/forecasts")]
pub async fn forecast_list(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<ForecastQuery>,
) -> Result<HttpResponse, ApiError> {
    let (year, period) = year_and_period(&req)?;
    let (sort, direction) = (
        query.sort.unwrap_or_default(),
        query.order.unwrap_or_default(),
    );
    let items = super::request_id::block(move || {
        app::monitoring::forecasts(&store, &caller, year, period, sort, direction)
    })
    .await??;
    Ok(list_answer(
        query.format.unwrap_or_default(),
        items,
        forecasts_csv,
        |items| {
            HttpResponse::Ok().json(ForecastList {
                year,
                period,
                total: items.len(),
                items,
            })
        },
    ))
}

/// The monitoring operations, registered under `/api/v1`.
pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(get_monitoring)
        .service(put_monitoring)
        .service(get_project_monitoring)
        .service(put_project_monitoring)
        .service(warning_list)
        .service(forecast_list);
}
