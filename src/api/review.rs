//! The review cycle of one evaluation: its checks and score, the actions that move it on,
//! the approval of its targets, and its history.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::evaluations::EvaluationMeta;
use super::extract::{EvaluationKey, IfMatch, JsonBody, etag, path_parameter};
use super::responses::Unauthenticated;
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::review::Revision;
use crate::domain::access::Caller;
use crate::domain::checks::{ApprovedGoals, Finding, Severity};
use crate::domain::evaluation::{Action, EvaluationStatus};
use crate::domain::report::EvaluationReport;
use crate::domain::scoring::Scorecard;
use crate::domain::settings::Weights;
use crate::domain::values::Text;
use crate::domain::{FieldError, Invalid};

/// A comment on an action; required when returning an evaluation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// 审核意见 — what the unit should change, or any remark: at most 32,767 characters, no
    /// U+0000.
    pub comment: Option<Text>,
}

/// The comment an action's body carries: none when blank; a return must have one.
pub(super) fn action_comment(body: &JsonBody, action: Action) -> Result<Option<String>, ApiError> {
    body.parse_optional::<ActionBody>("", "action")
        .map(|body| {
            body.and_then(|b| b.comment)
                .map(String::from)
                .filter(|c| !c.trim().is_empty())
        })
        .and_then(|comment| {
            if action == Action::Return && comment.is_none() {
                return Err(ApiError::InvalidBody {
                    what: "return",
                    errors: vec![FieldError::new("comment", Invalid::Required)],
                });
            }
            Ok(comment)
        })
}

async fn act(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: EvaluationKey,
    if_match: IfMatch,
    body: JsonBody,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    let comment = app::input(action_comment(&body, action));
    let record = super::request_id::block(move || {
        app::review::act(&store, &trail, &caller, &key, if_match.0, action, comment)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.summary.version))
        .json(EvaluationMeta::from(&record.summary)))
}

macro_rules! action_endpoint {
    ($name:ident, $action:expr, $route:literal, $summary:literal, $roles:literal) => {
        #[utoipa::path(tag = "review", summary = $summary, description = $roles, params(
            EvaluationKey,
            IfMatch,
        ), request_body(content = Option<ActionBody>, description = "Optional; `comment` is required to return"), responses(
            (status = 200, description = "Done; the evaluation's new state and version", body = EvaluationMeta,
                headers(("ETag" = String, description = "The new version, quoted"))),
            (status = 403, description = "The role may not do this", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "No such evaluation", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "Not allowed in the current state (`allowed_actions` says what is), or the checks found errors (`findings`)",
                body = Problem, content_type = "application/problem+json"),
            (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
            (status = 422, description = "A return without a comment", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
        #[post($route)]
        pub async fn $name(
            caller: Caller,
            store: web::Data<Store>,
            trail: Trail,
            key: EvaluationKey,
            if_match: IfMatch,
            body: JsonBody,
        ) -> Result<HttpResponse, ApiError> {
            act(caller, store, trail, key, if_match, body, $action).await
        }
    };
}

action_endpoint!(
    submit,
    Action::Submit,
    "/departments/{code}/evaluations/{year}/submit",
    "Submits a draft or returned evaluation (提交)",
    "Refused (409, with the findings) while the checks find errors. Roles: admin; unit (its own department and subordinate units)."
);
action_endpoint!(
    return_evaluation,
    Action::Return,
    "/departments/{code}/evaluations/{year}/return",
    "Returns a submitted evaluation to the unit with a comment (退回)",
    "The unit can edit it again and resubmit. Roles: reviewer, admin."
);
action_endpoint!(
    accept,
    Action::Accept,
    "/departments/{code}/evaluations/{year}/accept",
    "Accepts a submitted evaluation (审核通过)",
    "The accepted version is kept as it is. Roles: reviewer, admin."
);
action_endpoint!(
    publish,
    Action::Publish,
    "/departments/{code}/evaluations/{year}/publish",
    "Publishes an accepted evaluation (公开)",
    "It appears under /api/v1/public. Roles: reviewer, admin."
);

/// The targets as approved, with the evaluation's version.
#[derive(Serialize, ToSchema)]
pub struct ApprovalView {
    #[serde(flatten)]
    pub meta: EvaluationMeta,
    pub approved_goals: ApprovedGoals,
}

/// Approves the evaluation's indicators as they stand (绩效目标审核), at the version named by
/// `If-Match` (required: 428 without it, 412 when it is stale). The approval covers all that
/// decides a score: each indicator's target and adjusted target, comparison, unit of measure,
/// weight, scoring rule with its parameters and group (一级指标), and the framework. From then
/// on a write that changes one of them is refused (422 at the field); a changed target is
/// proposed as the indicator's `adjusted_target` with an `adjustment_reason` (at least 8
/// Chinese characters or 16 letters or digits, 5 of them distinct), shown beside the approved
/// target in the score, which stays on the approved target until a reviewer approves again.
/// An approved indicator cannot be dropped or re-keyed, and one added later does not score
/// until the targets are approved again. An adjusted target without such a reason is not
/// approved (422). Roles: reviewer, admin.
#[utoipa::path(tag = "review", params(
    EvaluationKey,
        ("If-Match" = String, Header, pattern = r#"^(\*|"[0-9]{1,18}")$"#, description = "The ETag of the version whose targets are approved, e.g. `\"3\"`"),
), responses(
    (status = 200, description = "Approved", body = ApprovalView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such evaluation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "No indicators to approve", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An adjusted target without a real reason (`errors` names each `adjustment_reason`); nothing approved", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[post("/departments/{code}/evaluations/{year}/goals/approve")]
pub async fn approve_goals(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: EvaluationKey,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let record = super::request_id::block(move || {
        app::review::approve_goals(&store, &trail, &caller, &key, if_match.0)
    })
    .await??;
    let approved_goals = record
        .approved_goals
        .clone()
        .ok_or_else(|| ApiError::internal("approval was not recorded"))?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.summary.version))
        .json(ApprovalView {
            meta: (&record.summary).into(),
            approved_goals,
        }))
}

/// The findings of the consistency checks on an evaluation.
#[derive(Serialize, ToSchema)]
pub struct FindingsView {
    #[serde(flatten)]
    pub meta: EvaluationMeta,
    /// How many findings are errors (they block submission).
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

/// Runs the consistency checks (勾稽关系) on the evaluation as stored: each finding has a
/// stable rule code, a severity (`error` blocks submission, `warning` does not), the JSON path,
/// the figures involved (万元, %, persons) and a message in Chinese and English.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(operation_id = "evaluation_findings", tag = "review", params(
    EvaluationKey,
), responses(
    (status = 200, description = "The findings, errors first", body = FindingsView),
    (status = 404, description = "No such evaluation", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/findings")]
pub async fn findings(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let (record, findings) =
        super::request_id::block(move || app::review::findings(&store, &caller, &key)).await??;
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.summary.version))
        .json(FindingsView {
            meta: (&record.summary).into(),
            warnings: findings.len() - errors,
            errors,
            findings,
        }))
}

/// The score of an evaluation by the year's weights.
#[derive(Serialize, ToSchema)]
pub struct ScoreView {
    #[serde(flatten)]
    pub meta: EvaluationMeta,
    /// The year's weights the score uses (points).
    pub weights: Weights,
    #[serde(flatten)]
    pub scorecard: Scorecard,
}

/// The derived figures and the score (自评得分) by the bureau's rules: execution rate,
/// adjustment rate, staffing control, "三公" control and change (%), each indicator's
/// attainment and score, subtotals per 一级, total and grade; where something cannot be
/// computed, `missing` says what. The unit's stated score and grade are shown beside the
/// computed ones. Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(operation_id = "evaluation_score", tag = "review", params(
    EvaluationKey,
), responses(
    (status = 200, description = "The scorecard", body = ScoreView),
    (status = 404, description = "No such evaluation", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/score")]
pub async fn score(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let (record, settings, scorecard) =
        super::request_id::block(move || app::review::with_settings(&store, &caller, &key))
            .await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.summary.version))
        .json(ScoreView {
            meta: (&record.summary).into(),
            weights: settings.weights,
            scorecard,
        }))
}

/// One entry of the history.
#[derive(Serialize, ToSchema)]
pub struct RevisionView {
    pub version: i64,
    /// What was done: `replace`, `replace_budget`, `add_issue`, `submit`, `return`, `accept`,
    /// `publish`, `approve_goals` …
    pub action: String,
    /// The state after it.
    pub status: EvaluationStatus,
    /// Who did it.
    pub actor: Option<String>,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<Revision> for RevisionView {
    fn from(revision: Revision) -> Self {
        Self {
            version: revision.version,
            action: revision.action,
            status: revision.status,
            actor: revision.actor,
            comment: revision.comment,
            at: revision.at.and_utc(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HistoryView {
    pub items: Vec<RevisionView>,
}

/// Every write and every action on the evaluation — who, when, what, the version, the
/// comment — oldest first. Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(operation_id = "evaluation_history", tag = "review", params(
    EvaluationKey,
), responses(
    (status = 200, description = "The history", body = HistoryView),
    (status = 404, description = "No such evaluation", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/history")]
pub async fn history(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let revisions =
        super::request_id::block(move || app::review::history(&store, &caller, &key)).await??;
    Ok(HttpResponse::Ok().json(HistoryView {
        items: revisions.into_iter().map(RevisionView::from).collect(),
    }))
}

/// One stored version of an evaluation.
#[derive(Serialize, ToSchema)]
pub struct VersionView {
    #[serde(flatten)]
    pub revision: RevisionView,
    pub report: EvaluationReport,
}

/// The evaluation as it was at version `n` — a submitted or accepted version reads the same
/// whatever was done after it. Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(operation_id = "evaluation_version", tag = "review", params(
    EvaluationKey,
    ("n" = i64, Path, minimum = 1, description = "The version"),
), responses(
    (status = 200, description = "That version", body = VersionView),
    (status = 404, description = "No such evaluation or version", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/versions/{n}")]
pub async fn version(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let n: i64 = path_parameter(&req, "n")?;
    let (revision, report) =
        super::request_id::block(move || app::review::version(&store, &caller, &key, n)).await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(revision.version))
        .json(VersionView {
            revision: revision.into(),
            report,
        }))
}
