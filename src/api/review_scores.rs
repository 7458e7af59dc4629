//! `/departments/{code}/evaluations/{year}/review-score` — the bureau's review score (复核) of a
//! unit's self-evaluation, beside the unit's own — and `/years/{year}/review-scores/differences`,
//! the units that scored themselves above it by more than the year allows. Each handler calls
//! one use case of `app::review_scores`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::{IfMatch, JsonBody, etag, parameter, path_parameter};
use super::responses::Unauthenticated;
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::review_scores::Reviewed;
use crate::domain::access::Caller;
use crate::domain::cycle::Change;
use crate::domain::figures::Exact;
use crate::domain::review_score::{ReviewDifference, ReviewScoreInput, ScoreComparison};
use crate::domain::values::{FiscalYear, UnitCode};

/// A review score with the unit's scores beside it.
#[derive(Serialize, ToSchema)]
pub struct ReviewScoreView {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    /// Goes up by one with every change; the ETag carries it, `If-Match` sends it back.
    pub version: i64,
    /// Who gave the review score last.
    pub reviewed_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
            version: score.version,
            reviewed_by: score.reviewed_by,
            created_at: score.created_at.and_utc(),
            updated_at: score.updated_at.and_utc(),
            review: score.input,
            comparison: reviewed.comparison,
        }
    }
}

fn unit_and_year(req: &HttpRequest) -> Result<(UnitCode, FiscalYear), ApiError> {
    match (parameter(req, "code"), parameter(req, "year")) {
        (Ok(code), Ok(year)) => Ok((code, year)),
        (code, year) => Err(ApiError::InvalidParameters(
            code.err().into_iter().chain(year.err()).collect(),
        )),
    }
}

/// The bureau's review score of a self-evaluation (复核)
///
/// The review score with the unit's self-scores beside it, per indicator and for budget
/// execution, each with the difference (bureau minus unit), and the totals. Roles: admin,
/// reviewer, analyst; unit (its own department and subordinate units).
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
    let (code, year) = unit_and_year(&req)?;
    let reviewed =
        super::request_id::block(move || app::review_scores::read(&store, &caller, &code, year))
            .await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(reviewed.score.version))
        .json(ReviewScoreView::from(reviewed)))
}

/// Re-scores a self-evaluation (复核)
///
/// The reviewer's score per indicator (`indicators`: at most its weight) and for budget
/// execution (`execution`), each with a `reason` wherever it differs from the unit's
/// self-score (422 at the field otherwise); an indicator left out keeps the unit's score. The
/// unit's report is not changed. Only an evaluation handed in (submitted, accepted or
/// published) is re-scored (409 `not_submitted`). Send the ETag back as `If-Match` (412 when
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
    (status = 409, description = "The evaluation is not handed in (`not_submitted`)", body = Problem, content_type = "application/problem+json"),
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
    let (code, year) = unit_and_year(&req)?;
    let input = body.parse::<ReviewScoreInput>("", "review score");
    let location = req.path().to_owned();
    let (reviewed, change) = super::request_id::block(move || {
        app::review_scores::rescore(&store, &trail, &caller, &code, year, if_match.0, input)
    })
    .await???;
    let mut response = match change {
        Change::Created => HttpResponse::Created(),
        Change::Updated | Change::Unchanged => HttpResponse::Ok(),
    };
    if change == Change::Created {
        response.insert_header((header::LOCATION, location));
    }
    Ok(response
        .insert_header(etag(reviewed.score.version))
        .json(ReviewScoreView::from(reviewed)))
}

/// The review score operations, registered under `/api/v1`.
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
/// self-scores) exceeds the bureau's review score (复核) by more than the year's
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

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(get_review_score)
        .service(put_review_score)
        .service(review_differences);
}
