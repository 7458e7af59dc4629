//! `/departments/{code}/evaluations/{year}` — the self-evaluation reports, whole or a part at a
//! time, and `/evaluations` to list them.

use actix_web::http::header;
use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::{EvaluationKey, IfMatch, JsonBody, etag, window};
use super::responses::{EvaluationEdit, InvalidQuery, Unauthenticated};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::evaluations::EvaluationFilter;
use crate::app::evaluations::{Edit, Saved};
use crate::domain::access::Caller;
use crate::domain::evaluation::{Change, Evaluation, EvaluationStatus, EvaluationSummary};
use crate::domain::report::{Budget, EvaluationReport, Goals, ProblemsAndMeasures, Results};
use crate::domain::values::{FiscalYear, UnitCode};

/// Where an evaluation stands and which version of it this is.
#[derive(Serialize, ToSchema)]
pub struct EvaluationMeta {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    pub status: EvaluationStatus,
    /// Goes up by one with every change; the ETag carries it, `If-Match` sends it back.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&EvaluationSummary> for EvaluationMeta {
    fn from(summary: &EvaluationSummary) -> Self {
        Self {
            department_code: summary.department_code.clone(),
            year: summary.year,
            status: summary.status,
            version: summary.version,
            created_at: summary.created_at.and_utc(),
            updated_at: summary.updated_at.and_utc(),
        }
    }
}

/// A whole self-evaluation with where it stands.
#[derive(Serialize, ToSchema)]
pub struct EvaluationView {
    #[serde(flatten)]
    pub meta: EvaluationMeta,
    pub report: EvaluationReport,
}

/// A page of evaluations, newest year first, then by unit code.
#[derive(Serialize, ToSchema)]
pub struct EvaluationList {
    pub items: Vec<EvaluationMeta>,
    /// How many evaluations match the filter, on all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    /// Only this fiscal year.
    pub year: Option<FiscalYear>,
    /// Only this department (单位代码).
    pub department: Option<UnitCode>,
    /// Only evaluations in this state.
    pub status: Option<EvaluationStatus>,
    /// How many to answer, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// How many to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

pub(super) fn evaluation_path(code: &UnitCode, year: FiscalYear) -> String {
    format!("/api/v1/departments/{code}/evaluations/{year}")
}

pub(super) async fn read(
    caller: &Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<Evaluation, ApiError> {
    let caller = caller.clone();
    Ok(super::request_id::block(move || app::evaluations::read(&store, &caller, &key)).await??)
}

/// Edits the stored report (an empty draft when there is none) by `edit`, with `input` read
/// from the request; see `app::evaluations::edit`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn write<I: Send + 'static, T: Send + 'static>(
    caller: &Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: EvaluationKey,
    if_match: IfMatch,
    action: Edit,
    input: Result<I, ApiError>,
    edit: impl FnMut(&mut EvaluationReport, &I) -> Result<T, ApiError> + Send + 'static,
) -> Result<Saved<T>, ApiError> {
    let caller = caller.clone();
    let input = app::input(input);
    Ok(super::request_id::block(move || {
        app::evaluations::edit(
            &store, &trail, &caller, &key, if_match.0, action, input, edit,
        )
    })
    .await??)
}

/// 200 with the ETag, or 201 with the ETag and the evaluation's location when the write created it.
pub(super) fn answer<B: Serialize>(
    saved_change: Change,
    summary: &EvaluationSummary,
    body: B,
) -> HttpResponse {
    let mut response = match saved_change {
        Change::Created => HttpResponse::Created(),
        Change::Updated | Change::Unchanged => HttpResponse::Ok(),
    };
    if saved_change == Change::Created {
        response.insert_header((
            header::LOCATION,
            evaluation_path(&summary.department_code, summary.year),
        ));
    }
    response.insert_header(etag(summary.version)).json(body)
}

/// Lists evaluations, filtered by year, department and status, a page at a time.
/// Roles: admin, reviewer, analyst (all); unit (its own department and subordinate units).
#[utoipa::path(tag = "evaluations", params(EvaluationQuery), responses(
    (status = 200, description = "A page of evaluations", body = EvaluationList),
    Unauthenticated, InvalidQuery,
))]
#[get("/evaluations")]
pub async fn list_evaluations(
    caller: Caller,
    store: web::Data<Store>,
    query: web::Query<EvaluationQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let window = window(query.limit, query.offset)?;
    let filter = EvaluationFilter {
        year: query.year,
        department_code: query.department,
        status: query.status,
        within: None,
    };
    let page =
        super::request_id::block(move || app::evaluations::list(&store, &caller, filter, window))
            .await??;
    Ok(HttpResponse::Ok().json(EvaluationList {
        items: page.items.iter().map(EvaluationMeta::from).collect(),
        total: page.total,
        limit: window.limit,
        offset: window.offset,
    }))
}

/// One self-evaluation, whole. The ETag is its version.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
), responses(
    (status = 200, description = "The evaluation", body = EvaluationView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department or evaluation", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}")]
pub async fn get_evaluation(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let record = read(&caller, store, key).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.summary.version))
        .json(EvaluationView {
            meta: (&record.summary).into(),
            report: record.report,
        }))
}

/// Creates or replaces a whole self-evaluation.
///
/// **The body replaces the whole report**: every
/// part it leaves out or leaves empty is removed from the stored report, so a body of
/// placeholders (`"string"`, `0`) replaces the unit's real report with them; to change one
/// part, `PUT` that part (`…/budget`, `…/goals`, `…/results`, `…/issues`). The example is a
/// real report (the seed, 开福区人民政府办公室 2021). Idempotent: the same body twice stores one
/// report, and the version goes up only when the document changed. Amounts are in 万元 as
/// decimal strings. Send the ETag back as `If-Match` so that no one else's change is
/// overwritten (412 when it is stale). Error paths are from the root of the report.
/// Roles: admin; unit (its own department and subordinate units). Only drafts and returned evaluations change (409 otherwise).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
    IfMatch,
), request_body = EvaluationReport, responses(
    (status = 200, description = "Replaced (or unchanged)", body = EvaluationView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Created as a draft", body = EvaluationView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The evaluation"))),
    (status = 400, description = "Malformed JSON or parameters", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit, or a report that would be stored larger than it as JSON (`document_too_large`)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a valid report; `errors` names each field. Besides the schema, the report's parts must agree with each other: ids unique, results and measures naming indicators and problems that exist, a quantitative target (≥, ≤, =) a number; and once targets are approved, what decides a score stays: an approved indicator's target, comparison, unit, weight, scoring rule and group, and the framework (each change is refused at its field; a changed target is an `adjusted_target` with an `adjustment_reason` of at least 8 Chinese characters or 16 letters, and counts once a reviewer approves it again)", body = Problem, content_type = "application/problem+json"),
    EvaluationEdit,
))]
#[put("/departments/{code}/evaluations/{year}")]
pub async fn put_evaluation(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: EvaluationKey,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let report = body.parse::<EvaluationReport>("", "report");
    let saved = write(
        &caller,
        store,
        trail,
        key,
        if_match,
        Edit::named("replace"),
        report,
        |stored, report| {
            *stored = report.clone();
            Ok(())
        },
    )
    .await?;
    let summary = &saved.evaluation.summary;
    Ok(answer(
        saved.change,
        summary,
        EvaluationView {
            meta: summary.into(),
            report: saved.evaluation.report.clone(),
        },
    ))
}

/// The GET and PUT of one part of the report, with a view that carries the version.
macro_rules! report_part {
    ($field:ident, $part:ty, $view:ident, $get:ident, $put:ident, $route:literal, $action:literal, $summary:literal) => {
        #[doc = concat!("The `", stringify!($field), "` part of an evaluation, with its version.")]
        #[derive(Serialize, ToSchema)]
        pub struct $view {
            #[serde(flatten)]
            pub meta: EvaluationMeta,
            pub $field: $part,
        }

        #[utoipa::path(tag = "evaluations",
            summary = concat!("Reads ", $summary, " of one evaluation"),
            description = "The ETag is the evaluation's version. Roles: admin, reviewer, analyst; unit (its own department and subordinate units).",
            params(
            EvaluationKey,
        ), responses(
            (status = 200, description = "The part", body = $view, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department or evaluation", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
        #[get($route)]
        pub async fn $get(caller: Caller, store: web::Data<Store>, key: EvaluationKey) -> Result<HttpResponse, ApiError> {
            let record = read(&caller, store, key).await?;
            Ok(HttpResponse::Ok()
                .insert_header(etag(record.summary.version))
                .json($view { meta: (&record.summary).into(), $field: record.report.$field }))
        }

        #[utoipa::path(tag = "evaluations",
            summary = concat!("Replaces ", $summary, " of one evaluation"),
            description = "Replaces the whole part: what the body leaves out of it is removed (the example is the seed report's part). \
Leaves the other parts as they are; creates the evaluation as a draft when there is none. \
Amounts are in 万元 as decimal strings. `If-Match` guards against overwriting a newer version (412). \
Error paths are from the root of the report. Roles: admin; unit (its own department and subordinate units). Only drafts and returned evaluations change (409 otherwise).",
            params(
            EvaluationKey,
            IfMatch,
        ), request_body = $part, responses(
            (status = 200, description = "Replaced (or unchanged)", body = $view, headers(("ETag" = String, description = "The new version, quoted"))),
            (status = 201, description = "The evaluation was created as a draft", body = $view, headers(("ETag" = String, description = "The new version, quoted"))),
            (status = 400, description = "Malformed JSON or parameters", body = Problem, content_type = "application/problem+json"),
            (status = 413, description = "Body over the size limit, or a report that would be stored larger than it as JSON (`document_too_large`)", body = Problem, content_type = "application/problem+json"),
            (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
            (status = 422, description = "Not valid; `errors` names each field. Besides the schema, the part must agree with the rest of the report: ids unique, results and measures naming indicators and problems that exist, a quantitative target (≥, ≤, =) a number; and once targets are approved, what decides a score stays: an approved indicator's target, comparison, unit, weight, scoring rule and group, and the framework (each change is refused at its field; a changed target is an `adjusted_target` with an `adjustment_reason` of at least 8 Chinese characters or 16 letters, and counts once a reviewer approves it again)", body = Problem, content_type = "application/problem+json"),
    EvaluationEdit,
))]
        #[put($route)]
        pub async fn $put(
            caller: Caller,
            store: web::Data<Store>,
            trail: Trail,
            key: EvaluationKey,
            if_match: IfMatch,
            body: JsonBody,
        ) -> Result<HttpResponse, ApiError> {
            let part = body.parse::<$part>(stringify!($field), stringify!($field));
            let saved = write(&caller, store, trail, key, if_match, Edit::named($action), part, |report, part| {
                report.$field = part.clone();
                Ok(())
            })
            .await?;
            let summary = &saved.evaluation.summary;
            Ok(answer(
                saved.change,
                summary,
                $view { meta: summary.into(), $field: saved.evaluation.report.$field.clone() },
            ))
        }
    };
}

report_part!(
    budget,
    Budget,
    BudgetView,
    get_budget,
    put_budget,
    "/departments/{code}/evaluations/{year}/budget",
    "replace_budget",
    "the budget execution (基本支出, 三公经费, 项目支出 …, in 万元)"
);
report_part!(
    goals,
    Goals,
    GoalsView,
    get_goals,
    put_goals,
    "/departments/{code}/evaluations/{year}/goals",
    "replace_goals",
    "the goals and indicators with their targets"
);
report_part!(
    results,
    Results,
    ResultsView,
    get_results,
    put_results,
    "/departments/{code}/evaluations/{year}/results",
    "replace_results",
    "the results (actual values keyed by indicator, achievements)"
);
report_part!(
    issues,
    ProblemsAndMeasures,
    IssuesView,
    get_issues,
    put_issues,
    "/departments/{code}/evaluations/{year}/issues",
    "replace_issues",
    "the problems and improvement measures"
);
