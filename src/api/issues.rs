//! `/departments/{code}/evaluations/{year}/issues/{id}` — one problem (问题) or improvement
//! measure (改进措施) of an evaluation at a time.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::evaluations::{EvaluationMeta, evaluation_path, read, write};
use super::extract::{EvaluationKey, IfMatch, JsonBody, etag, path_parameter};
use super::responses::{EvaluationEdit, Unauthenticated};
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::evaluations::Edit;
use crate::domain::access::Caller;
use crate::domain::report::{IssueEditError, IssueItem, IssueItemPatch, NewIssueItem};

/// One problem or measure with the version of the evaluation it is in.
#[derive(Serialize, ToSchema)]
pub struct IssueItemView {
    #[serde(flatten)]
    pub meta: EvaluationMeta,
    pub item: IssueItem,
}

fn issue_edit_error(error: IssueEditError) -> ApiError {
    match error {
        IssueEditError::NoSuchItem(id) => ApiError::NotFound(format!("problem or measure {id}")),
        IssueEditError::Addressed { problem, measures } => ApiError::Conflict {
            code: "problem_addressed",
            detail: format!(
                "problem {problem} is answered by measure(s) {}; change their `addresses` first",
                measures
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        IssueEditError::Invalid(error) => ApiError::InvalidBody {
            what: "change",
            errors: vec![error],
        },
    }
}

/// Adds one problem or measure; the service gives it the next free id.
/// Roles: admin; unit (its own department and subordinate units). Only drafts and returned evaluations change (409 otherwise).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
    IfMatch,
), request_body = NewIssueItem, responses(
    (status = 201, description = "Added", body = IssueItemView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The new item"))),
    (status = 422, description = "Not valid; `errors` names each field. Besides the schema, the part must agree with the rest of the report: ids unique, results and measures naming indicators and problems that exist, a quantitative target (≥, ≤, =) a number", body = Problem, content_type = "application/problem+json"),
    EvaluationEdit,
))]
#[post("/departments/{code}/evaluations/{year}/issues")]
pub async fn add_issue(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: EvaluationKey,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let item = body.parse::<NewIssueItem>("", "problem or measure");
    let saved = write(
        &caller,
        store,
        trail,
        key,
        if_match,
        Edit::adding("add_issue"),
        item,
        |report, item| Ok(report.issues.add(item.clone())),
    )
    .await?;
    let summary = &saved.evaluation.summary;
    let id = match &saved.outcome {
        IssueItem::Problem(problem) => problem.id,
        IssueItem::Measure(measure) => measure.id,
    };
    Ok(HttpResponse::Created()
        .insert_header(etag(summary.version))
        .insert_header((
            header::LOCATION,
            format!(
                "{}/issues/{id}",
                evaluation_path(&summary.department_code, summary.year)
            ),
        ))
        .json(IssueItemView {
            meta: summary.into(),
            item: saved.outcome,
        }))
}

/// One problem or measure. Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
    ("id" = u32, Path, maximum = 4294967295.0, description = "The problem's or measure's id"),
), responses(
    (status = 200, description = "The item", body = IssueItemView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such evaluation or item", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/issues/{id}")]
pub async fn get_issue(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = path_parameter::<u32>(&req, "id")?;
    let record = read(&caller, store, key).await?;
    let item = record
        .report
        .issues
        .get(id)
        .ok_or_else(|| ApiError::NotFound(format!("problem or measure {id}")))?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.summary.version))
        .json(IssueItemView {
            meta: (&record.summary).into(),
            item,
        }))
}

/// Changes one problem or measure: fields left out stay as they are.
/// Roles: admin; unit (its own department and subordinate units). Only drafts and returned evaluations change (409 otherwise).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
    ("id" = u32, Path, maximum = 4294967295.0, description = "The problem's or measure's id"),
    IfMatch,
), request_body = IssueItemPatch, responses(
    (status = 200, description = "Changed", body = IssueItemView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 404, description = "No such evaluation or item", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The role does not change reports", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The evaluation is not a draft or returned", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not valid; `errors` names each field. Besides the schema, the part must agree with the rest of the report: ids unique, results and measures naming indicators and problems that exist, a quantitative target (≥, ≤, =) a number", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[patch("/departments/{code}/evaluations/{year}/issues/{id}")]
pub async fn update_issue(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: EvaluationKey,
    if_match: IfMatch,
    req: actix_web::HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = path_parameter::<u32>(&req, "id")?;
    let patch = body.parse::<IssueItemPatch>("", "change");
    let saved = write(
        &caller,
        store,
        trail,
        key,
        if_match,
        Edit::named("change_issue"),
        patch,
        move |report, patch| {
            report
                .issues
                .patch(id, patch.clone())
                .map_err(issue_edit_error)
        },
    )
    .await?;
    let summary = &saved.evaluation.summary;
    Ok(HttpResponse::Ok()
        .insert_header(etag(summary.version))
        .json(IssueItemView {
            meta: summary.into(),
            item: saved.outcome,
        }))
}

/// Removes one problem or measure. A problem that a measure still answers cannot go (409
/// `problem_addressed`, naming the measures).
/// Roles: admin; unit (its own department and subordinate units). Only drafts and returned evaluations change (409 otherwise).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
    ("id" = u32, Path, maximum = 4294967295.0, description = "The problem's or measure's id"),
    IfMatch,
), responses(
    (status = 200, description = "Removed; the evaluation's new version", body = EvaluationMeta, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 404, description = "No such evaluation or item", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The role does not change reports", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The evaluation is not a draft or returned, or a measure still answers this problem", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[delete("/departments/{code}/evaluations/{year}/issues/{id}")]
pub async fn delete_issue(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: EvaluationKey,
    if_match: IfMatch,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = path_parameter::<u32>(&req, "id")?;
    let saved = write(
        &caller,
        store,
        trail,
        key,
        if_match,
        Edit::named("remove_issue"),
        Ok(()),
        move |report, ()| report.issues.remove(id).map_err(issue_edit_error),
    )
    .await?;
    let summary = &saved.evaluation.summary;
    Ok(HttpResponse::Ok()
        .insert_header(etag(summary.version))
        .json(EvaluationMeta::from(summary)))
}
