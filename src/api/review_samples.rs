//! `/years/{year}/review-samples` — the bureau's spot-check samples (抽查) of a year: drawn
//! reproducibly from a seed, stratified by unit kind and grade, recorded and read back. Each
//! handler calls one use case of `app::review_samples`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::{JsonBody, path_parameter};
use super::responses::Unauthenticated;
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::domain::access::Caller;
use crate::domain::review_sample::{PerStratum, Sample, SampleRequest, Stratum};
use crate::domain::values::{FiscalYear, Label};

/// A sample as listed: what was asked and how many it drew.
#[derive(Serialize, ToSchema)]
pub struct SampleSummary {
    pub year: FiscalYear,
    /// The sample's number within the year, from 1.
    pub number: i64,
    /// The seed it was drawn with: the same seed and population draw the same list.
    pub seed: u64,
    /// Whether the bureau gave the seed (`false`: the service drew it).
    pub seed_given: bool,
    pub per_stratum: PerStratum,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Label>,
    /// Self-evaluations in the population (handed in: submitted, accepted or published).
    pub population: usize,
    /// Units drawn.
    pub drawn: usize,
    pub drawn_by: String,
    pub drawn_at: DateTime<Utc>,
}

/// A sample with its strata and the drawn list.
#[derive(Serialize, ToSchema)]
pub struct SampleView {
    #[serde(flatten)]
    pub summary: SampleSummary,
    /// Every stratum of unit kind and grade, in the order drawn, with its units (by code) and
    /// those drawn (in the order drawn).
    pub strata: Vec<Stratum>,
}

/// A year's samples.
#[derive(Serialize, ToSchema)]
pub struct SampleList {
    pub year: FiscalYear,
    /// By number.
    pub items: Vec<SampleSummary>,
}

impl From<&Sample> for SampleSummary {
    fn from(sample: &Sample) -> Self {
        let strata = &sample.drawing.strata;
        Self {
            year: sample.year,
            number: sample.number,
            seed: sample.seed,
            seed_given: sample.drawing.seed_given,
            per_stratum: sample.drawing.per_stratum,
            comment: sample.drawing.comment.clone(),
            population: strata.iter().map(|s| s.population.len()).sum(),
            drawn: strata.iter().map(|s| s.drawn.len()).sum(),
            drawn_by: sample.drawn_by.clone(),
            drawn_at: sample.drawn_at.and_utc(),
        }
    }
}

impl From<Sample> for SampleView {
    fn from(sample: Sample) -> Self {
        Self {
            summary: SampleSummary::from(&sample),
            strata: sample.drawing.strata,
        }
    }
}

/// Draws a spot-check sample (抽查)
///
/// From the year's departmental self-evaluations handed in (submitted, accepted or published),
/// grouped in strata by unit kind (单位性质) and grade (自评等级 as the service scores it;
/// `null` where the score is incomplete), draws `size` units of each stratum (all of a smaller
/// one) or `percent` % of it rounded up — exactly one of them (422 otherwise) — with the
/// `seed` given (0 to 2^53 − 1) or one the service draws. The sample is recorded with its seed,
/// parameters, population and drawn list; the same seed and the same population draw the same
/// list (docs/review.md says how). At most 100 samples a year (409 `too_many_review_samples`).
/// Roles: reviewer, admin.
#[utoipa::path(tag = "review", params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), request_body = SampleRequest, responses(
    (status = 201, description = "Drawn and recorded", body = SampleView, headers(("Location" = String, description = "The sample"))),
    (status = 400, description = "Malformed JSON, or the year not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The year has as many samples as it keeps (`too_many_review_samples`)", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Neither or both of `size` and `percent`, or a figure out of bounds; `errors` names each field", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[post("/years/{year}/review-samples")]
pub async fn draw_sample(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let input = body.parse::<SampleRequest>("", "sample request");
    let base = req.path().to_owned();
    let sample = super::request_id::block(move || {
        app::review_samples::draw_sample(&store, &trail, &caller, year, input)
    })
    .await???;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{base}/{}", sample.number)))
        .json(SampleView::from(sample)))
}

/// The year's spot-check samples (抽查)
///
/// Each sample drawn for the year, by number: its seed, parameters and counts. Roles: admin,
/// reviewer, analyst — a unit is not told ahead that it is to be checked (403).
#[utoipa::path(tag = "review", params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "The samples", body = SampleList),
    (status = 400, description = "The year is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "A unit", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/years/{year}/review-samples")]
pub async fn list_samples(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let samples =
        super::request_id::block(move || app::review_samples::samples(&store, &caller, year))
            .await??;
    Ok(HttpResponse::Ok().json(SampleList {
        year,
        items: samples.iter().map(SampleSummary::from).collect(),
    }))
}

/// One spot-check sample (抽查)
///
/// The sample with every stratum: its units and those drawn. Roles: admin, reviewer, analyst.
#[utoipa::path(tag = "review", params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
    ("number" = i64, Path, minimum = 1, description = "The sample's number within the year"),
), responses(
    (status = 200, description = "The sample", body = SampleView),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "A unit", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such sample", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/years/{year}/review-samples/{number}")]
pub async fn get_sample(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let number = path_parameter::<i64>(&req, "number")?;
    let sample = super::request_id::block(move || {
        app::review_samples::sample(&store, &caller, year, number)
    })
    .await??;
    Ok(HttpResponse::Ok().json(SampleView::from(sample)))
}

/// The sample operations, registered under `/api/v1`.
pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(draw_sample)
        .service(list_samples)
        .service(get_sample);
}
