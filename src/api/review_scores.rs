//! `/departments/{code}/evaluations/{year}/review-score` — the bureau's review score (复核) of a
//! unit's self-evaluation, beside the unit's own — and `/years/{year}/review-scores/differences`,
//! the units that scored themselves above it by more than the year allows. Each handler calls
//! one use case of `app::review_scores`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::{IfMatch, JsonBody, etag, parameter, path_parameter};
use super::projects::ProjectPath;
use super::responses::Unauthenticated;
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::review_scores::{Finalizing, Reopening, Reviewed, Reviewing};
use crate::domain::access::Caller;
use crate::domain::cycle::Change;
use crate::domain::figures::Exact;
use crate::domain::project::{ProjectCode, ProjectKey};
use crate::domain::review_score::{
    ReviewDifference, ReviewScoreInput, ReviewState, ScoreComparison,
};
use crate::domain::values::{FiscalYear, UnitCode};

/// A review score with the unit's scores beside it.
#[derive(Serialize, ToSchema)]
pub struct ReviewScoreView {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    /// The project table scored; absent for the departmental self-evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_code: Option<ProjectCode>,
    /// Goes up by one with every change; the ETag carries it, `If-Match` sends it back.
    pub version: i64,
    /// Who gave the review score last.
    pub reviewed_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `draft` while the reviewer works on it (the bureau reads it, the unit does not);
    /// `final` once made so — what the unit, the differences and the notice read.
    pub state: ReviewState,
    /// Who made it final, and when; absent while it is a draft.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalized_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalized_at: Option<DateTime<Utc>>,
    /// Why it was last reopened, if it ever was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reopen_reason: Option<String>,
    /// What the reviewer stated.
    pub review: ReviewScoreInput,
    /// The unit's score and the bureau's, line by line and in total, with the difference
    /// (bureau minus unit).
    pub comparison: ScoreComparison,
}

impl From<Reviewed> for ReviewScoreView {
    fn from(reviewed: Reviewed) -> Self {
        let score = reviewed.score;
        Self {
            department_code: score.department_code,
            year: score.year,
            project_code: score.project_code,
            version: score.version,
            reviewed_by: score.reviewed_by,
            created_at: score.created_at.and_utc(),
            updated_at: score.updated_at.and_utc(),
            state: score.state,
            finalized_by: score.finalized_by,
            finalized_at: score.finalized_at.map(|at| at.and_utc()),
            reopen_reason: score.reopen_reason,
            review: score.input,
            comparison: reviewed.comparison,
        }
    }
}

/// The departmental self-evaluation the path names.
fn evaluation(req: &HttpRequest) -> Result<Reviewing, ApiError> {
    match (parameter(req, "code"), parameter(req, "year")) {
        (Ok(code), Ok(year)) => Ok(Reviewing::Evaluation { code, year }),
        (code, year) => Err(ApiError::InvalidParameters(
            code.err().into_iter().chain(year.err()).collect(),
        )),
    }
}

fn answer(mut response: actix_web::HttpResponseBuilder, reviewed: Reviewed) -> HttpResponse {
    response
        .insert_header(etag(reviewed.score.version))
        .json(ReviewScoreView::from(reviewed))
}

async fn read(
    caller: Caller,
    store: web::Data<Store>,
    subject: Reviewing,
) -> Result<HttpResponse, ApiError> {
    let reviewed =
        super::request_id::block(move || app::review_scores::read(&store, &caller, &subject))
            .await??;
    Ok(answer(HttpResponse::Ok(), reviewed))
}

async fn rescore(
    (caller, trail, store): (Caller, Trail, web::Data<Store>),
    req: &HttpRequest,
    if_match: IfMatch,
    body: &JsonBody,
    subject: Reviewing,
) -> Result<HttpResponse, ApiError> {
    let input = body.parse::<ReviewScoreInput>("", "review score");
    let location = req.path().to_owned();
    let (reviewed, change) = super::request_id::block(move || {
        app::review_scores::rescore(&store, &trail, &caller, &subject, if_match.0, input)
    })
    .await???;
    let mut response = match change {
        Change::Created => HttpResponse::Created(),
        Change::Updated | Change::Unchanged => HttpResponse::Ok(),
    };
    if change == Change::Created {
        response.insert_header((header::LOCATION, location));
    }
    Ok(answer(response, reviewed))
}

async fn finalize(
    (caller, trail, store): (Caller, Trail, web::Data<Store>),
    if_match: IfMatch,
    body: &JsonBody,
    subject: Reviewing,
) -> Result<HttpResponse, ApiError> {
    let input = body.parse_optional::<Finalizing>("", "finalizing");
    let reviewed = super::request_id::block(move || {
        app::review_scores::finalize(&store, &trail, &caller, &subject, if_match.0, input)
    })
    .await???;
    Ok(answer(HttpResponse::Ok(), reviewed))
}

async fn reopen(
    (caller, trail, store): (Caller, Trail, web::Data<Store>),
    if_match: IfMatch,
    body: &JsonBody,
    subject: Reviewing,
) -> Result<HttpResponse, ApiError> {
    let input = body.parse::<Reopening>("", "reopening");
    let reviewed = super::request_id::block(move || {
        app::review_scores::reopen(&store, &trail, &caller, &subject, if_match.0, input)
    })
    .await???;
    Ok(answer(HttpResponse::Ok(), reviewed))
}

/// The bureau's review score of a self-evaluation (复核)
///
/// The review score with the unit's self-scores beside it, per indicator and for budget
/// execution, each with the difference (bureau minus unit), and the totals. Roles: admin,
/// reviewer, analyst (a draft too); unit (its own department and subordinate units, once the
/// score is final: a draft is 404 to it).
#[utoipa::path(tag = "review", params(
    ("code" = UnitCode, Path, description = "单位代码"),
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "The review score", body = ReviewScoreView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department, evaluation or review score", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/review-score")]
pub async fn get_review_score(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    read(caller, store, evaluation(&req)?).await
}

/// Re-scores a self-evaluation (复核)
///
/// The reviewer's score per indicator (`indicators`: at most its weight) and for budget
/// execution (`execution`), each with a `reason` wherever it differs from the unit's
/// self-score (422 at the field otherwise); an indicator left out keeps the unit's score. The
/// unit's report is not changed. Only an evaluation handed in (submitted, accepted or
/// published) is re-scored (409 `not_submitted`), and only while the review score is a draft
/// (409 `review_score_final`: reopen it first). Send the ETag back as `If-Match` (412 when
/// stale). Roles: reviewer, admin.
#[utoipa::path(tag = "review", params(
    ("code" = UnitCode, Path, description = "单位代码"),
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
    IfMatch,
), request_body = ReviewScoreInput, responses(
    (status = 200, description = "Replaced (or unchanged)", body = ReviewScoreView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Given", body = ReviewScoreView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The review score"))),
    (status = 400, description = "Malformed JSON, or a path parameter not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department or evaluation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The evaluation is not handed in (`not_submitted`), or the review score is final (`review_score_final`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a review score of the report; `errors` names each field; nothing is stored", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[put("/departments/{code}/evaluations/{year}/review-score")]
pub async fn put_review_score(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let subject = evaluation(&req)?;
    rescore((caller, trail, store), &req, if_match, &body, subject).await
}

/// Makes a review score final (复核完成)
///
/// The draft becomes the bureau's score: the unit reads it from then on, and the differences
/// and the notice count it. A final score is not changed until it is reopened (409
/// `review_score_final` when it is final already). The body is optional; its `comment` is
/// kept in the audit log. Send the ETag back as `If-Match` (412 when stale). Roles: reviewer,
/// admin.
#[utoipa::path(tag = "review", params(
    ("code" = UnitCode, Path, description = "单位代码"),
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
    IfMatch,
), request_body(content = Option<Finalizing>, description = "Optional"), responses(
    (status = 200, description = "Final", body = ReviewScoreView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department, evaluation or review score", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Final already (`review_score_final`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A blank comment or an unknown field; `errors` names it", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[post("/departments/{code}/evaluations/{year}/review-score/finalize")]
pub async fn finalize_review_score(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    finalize((caller, trail, store), if_match, &body, evaluation(&req)?).await
}

/// Reopens a final review score (重新复核)
///
/// The final score becomes a draft again, for the `reason` given (kept with the score as
/// `reopen_reason` and in the audit log). Only an admin or the reviewer who made it final
/// reopens it (403 for another reviewer); a draft is not reopened (409
/// `review_score_not_final`). Send the ETag back as `If-Match` (412 when stale). Roles:
/// admin, reviewer (who finalised it).
#[utoipa::path(tag = "review", params(
    ("code" = UnitCode, Path, description = "单位代码"),
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
    IfMatch,
), request_body = Reopening, responses(
    (status = 200, description = "A draft again", body = ReviewScoreView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 400, description = "Malformed JSON, or a path parameter not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an admin, nor the reviewer who made it final", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department, evaluation or review score", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "A draft (`review_score_not_final`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, or a blank one; `errors` names the field", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[post("/departments/{code}/evaluations/{year}/review-score/reopen")]
pub async fn reopen_review_score(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    reopen((caller, trail, store), if_match, &body, evaluation(&req)?).await
}

/// The bureau's review score of a project table (项目复核)
///
/// As the departmental one: the review score with the unit's self-scores beside it — the
/// table's execution 得分 (`funding.total.stated_score`) and each indicator's 得分 — with the
/// difference per line and in total. Roles: admin, reviewer, analyst (a draft too); unit (its
/// own department and subordinate units, once the score is final: a draft is 404 to it).
#[utoipa::path(tag = "review", params(ProjectPath), responses(
    (status = 200, description = "The review score", body = ReviewScoreView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department, project table or review score", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/projects/{project}/review-score")]
pub async fn get_project_review_score(
    caller: Caller,
    store: web::Data<Store>,
    path: ProjectPath,
) -> Result<HttpResponse, ApiError> {
    read(caller, store, Reviewing::Project(ProjectKey::from(path))).await
}

/// Re-scores a project table (项目复核)
///
/// As the departmental review score: per indicator (`indicators`, at most its 分值) and for
/// the execution 得分 (`execution`), a `reason` wherever a score differs from the unit's (422
/// at the field otherwise); an indicator left out keeps the unit's 得分; the table is not
/// changed. Only a table handed in is re-scored (409 `not_submitted`), and only while the
/// review score is a draft (409 `review_score_final`). Send the ETag back as `If-Match` (412
/// when stale). Roles: reviewer, admin.
#[utoipa::path(tag = "review", params(ProjectPath, IfMatch), request_body = ReviewScoreInput, responses(
    (status = 200, description = "Replaced (or unchanged)", body = ReviewScoreView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Given", body = ReviewScoreView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The review score"))),
    (status = 400, description = "Malformed JSON, or a path parameter not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department or project table", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The table is not handed in (`not_submitted`), or the review score is final (`review_score_final`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a review score of the table; `errors` names each field; nothing is stored", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[put("/departments/{code}/evaluations/{year}/projects/{project}/review-score")]
pub async fn put_project_review_score(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    path: ProjectPath,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let subject = Reviewing::Project(ProjectKey::from(path));
    rescore((caller, trail, store), &req, if_match, &body, subject).await
}

/// Makes a project table's review score final (项目复核完成)
///
/// As the departmental one (409 `review_score_final` when final already; the optional
/// `comment` is kept in the audit log; `If-Match`, 412 when stale). Roles: reviewer, admin.
#[utoipa::path(tag = "review", params(ProjectPath, IfMatch), request_body(content = Option<Finalizing>, description = "Optional"), responses(
    (status = 200, description = "Final", body = ReviewScoreView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department, project table or review score", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Final already (`review_score_final`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A blank comment or an unknown field; `errors` names it", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[post("/departments/{code}/evaluations/{year}/projects/{project}/review-score/finalize")]
pub async fn finalize_project_review_score(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    path: ProjectPath,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let subject = Reviewing::Project(ProjectKey::from(path));
    finalize((caller, trail, store), if_match, &body, subject).await
}

/// Reopens a project table's final review score
///
/// As the departmental one: for the `reason` given, by an admin or the reviewer who made it
/// final (403 otherwise); 409 `review_score_not_final` on a draft; `If-Match`, 412 when stale.
/// Roles: admin, reviewer (who finalised it).
#[utoipa::path(tag = "review", params(ProjectPath, IfMatch), request_body = Reopening, responses(
    (status = 200, description = "A draft again", body = ReviewScoreView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 400, description = "Malformed JSON, or a path parameter not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an admin, nor the reviewer who made it final", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department, project table or review score", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "A draft (`review_score_not_final`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, or a blank one; `errors` names the field", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[post("/departments/{code}/evaluations/{year}/projects/{project}/review-score/reopen")]
pub async fn reopen_project_review_score(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    path: ProjectPath,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let subject = Reviewing::Project(ProjectKey::from(path));
    reopen((caller, trail, store), if_match, &body, subject).await
}

/// The year's review differences.
#[derive(Serialize, ToSchema)]
pub struct ReviewDifferences {
    pub year: FiscalYear,
    /// 复核差异阈值 — the year's `review_difference_threshold` (5 unless set): a unit is listed
    /// when its self-score exceeds the review score by more than this many points.
    pub threshold: Exact,
    /// Largest excess first; ties by unit code.
    pub items: Vec<ReviewDifference>,
}

/// Units that scored themselves above the bureau's review
///
/// Every unit of the year whose self-evaluation's total (its stated execution score and
/// self-scores) exceeds the bureau's final review score (复核; a draft is not counted) by more
/// than the year's
/// `review_difference_threshold` (`/years/{year}/settings`, 5 points unless set), with both
/// totals and the excess, largest first. A unit with no review score, or whose totals are
/// incomplete, is not listed. Roles: admin, reviewer, analyst (every unit); unit (its own
/// department and subordinate units).
#[utoipa::path(tag = "review", params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "The units over the threshold", body = ReviewDifferences),
    (status = 400, description = "The year is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/years/{year}/review-scores/differences")]
pub async fn review_differences(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let found =
        super::request_id::block(move || app::review_scores::differences(&store, &caller, year))
            .await??;
    Ok(HttpResponse::Ok().json(ReviewDifferences {
        year,
        threshold: Exact(found.threshold),
        items: found.units,
    }))
}

/// The review score operations, registered under `/api/v1`.
pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(get_review_score)
        .service(put_review_score)
        .service(finalize_review_score)
        .service(reopen_review_score)
        .service(get_project_review_score)
        .service(put_project_review_score)
        .service(finalize_project_review_score)
        .service(reopen_project_review_score)
        .service(review_differences);
}
