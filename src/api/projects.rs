//! `/departments/{code}/evaluations/{year}/projects` — the project self-evaluation tables
//! (项目支出绩效自评表) of a unit and year, one per project; and `/years/{year}/projects`, every
//! project of a year side by side. Each handler calls one use case of `app::projects`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::comparisons::{of_year, read_model};
use super::error::{ApiError, Problem};
use super::export::XLSX;
use super::export::{Cell, Column, Format, Lang, Vocabulary, answer, json_text, negotiate};
use super::extract::WorkbookBody;
use super::extract::{IfMatch, JsonBody, etag, parameter, path_parameter, window};
use super::publishing::{
    DocumentQuery, FindingInTable, FormQuery, FormUpload, UnreadableCellView, percent_encoded,
    reading_outcome,
};
use super::responses::{EvaluationEdit, InvalidQuery, TableNotModified, Unauthenticated};
use super::review::{ActionBody, HistoryView, RevisionView, action_comment};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::forms::ClientGone;
use crate::app::projects::{FormWorkbook, Listing, ProjectCoverage};
use crate::domain::access::Caller;
use crate::domain::checks::{Finding, Severity};
use crate::domain::cycle::{Action, Change, EvaluationStatus};
use crate::domain::figures::{Exact, Percent};
use crate::domain::project::{
    Direction, ExecutionBand, ProjectCode, ProjectComparison, ProjectEvaluation, ProjectFilter,
    ProjectKey, ProjectOverview, ProjectScore, ProjectSort, ProjectTable,
};
use crate::domain::report::Grade;
use crate::domain::scoring::Score;
use crate::domain::values::{FiscalYear, UnitCode};

/// Which project evaluation: the path parameters `{code}`, `{year}` and `{project}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProjectPath {
    /// 单位代码
    pub code: UnitCode,
    /// Fiscal year, 2000–2100
    pub year: FiscalYear,
    /// 项目代码 — the unit's code of the project: 1 to 64 letters, digits, `-`, `_` or `.`.
    #[param(value_type = String, pattern = r"^[0-9A-Za-z._-]{1,64}$")]
    pub project: ProjectCode,
}

impl FromRequest for ProjectPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match (
            parameter(req, "code"),
            parameter(req, "year"),
            parameter(req, "project"),
        ) {
            (Ok(code), Ok(year), Ok(project)) => Ok(Self {
                code,
                year,
                project,
            }),
            (code, year, project) => Err(ApiError::InvalidParameters(
                code.err()
                    .into_iter()
                    .chain(year.err())
                    .chain(project.err())
                    .collect(),
            )),
        };
        std::future::ready(key)
    }
}

impl From<ProjectPath> for ProjectKey {
    fn from(path: ProjectPath) -> Self {
        Self {
            department_code: path.code,
            year: path.year,
            project_code: path.project,
        }
    }
}

/// Where a project evaluation stands and which version of it this is.
#[derive(Serialize, ToSchema)]
pub struct ProjectMeta {
    pub department_code: UnitCode,
    pub year: FiscalYear,
    pub project_code: ProjectCode,
    pub status: EvaluationStatus,
    /// Goes up by one with every change; the ETag carries it, `If-Match` sends it back.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ProjectEvaluation> for ProjectMeta {
    fn from(evaluation: &ProjectEvaluation) -> Self {
        Self {
            department_code: evaluation.key.department_code.clone(),
            year: evaluation.key.year,
            project_code: evaluation.key.project_code.clone(),
            status: evaluation.stage.status,
            version: evaluation.stage.version,
            created_at: evaluation.stage.created_at.and_utc(),
            updated_at: evaluation.stage.updated_at.and_utc(),
        }
    }
}

/// A whole project table with where it stands.
#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    #[serde(flatten)]
    pub meta: ProjectMeta,
    pub table: ProjectTable,
}

fn project_path(key: &ProjectKey) -> String {
    format!(
        "/api/v1/departments/{}/evaluations/{}/projects/{}",
        key.department_code, key.year, key.project_code
    )
}

/// One project table, whole
///
/// The ETag is its version; `If-None-Match` naming it answers 304 with no body (after the
/// caller's right is checked). Roles: admin, reviewer, analyst; unit (its own department and
/// subordinate units).
#[utoipa::path(tag = "projects", params(ProjectPath,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the version the client holds"),
), responses(
    (status = 200, description = "The project table", body = ProjectView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 304, description = "The version is the one the client holds", headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department or project evaluation", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/projects/{project}")]
pub async fn get_project(
    req: HttpRequest,
    caller: Caller,
    store: web::Data<Store>,
    path: ProjectPath,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let evaluation =
        super::request_id::block(move || app::projects::read(&store, &caller, &key)).await??;
    let tag = etag(evaluation.stage.version);
    if super::public::if_none_match(&req, &tag.1) {
        return Ok(HttpResponse::NotModified().insert_header(tag).finish());
    }
    Ok(HttpResponse::Ok().insert_header(tag).json(ProjectView {
        meta: (&evaluation).into(),
        table: evaluation.table,
    }))
}

/// Creates or replaces a whole project table (项目支出绩效自评表)
///
/// Idempotent: the same body
/// twice stores one table, and the version goes up only when the document changed. Amounts
/// are decimal strings in the unit the form writes (`funding.amount_unit`: `wan_yuan`, the
/// default, or `yuan`), kept as written and converted exactly to 万元 wherever the service
/// computes. The indicator rows are the departmental report's `goals` and `results`; the
/// execution score is `funding.total.stated_score`. `contact` (项目负责人, 联系电话) is personal
/// data: stored, never published. Send the ETag back as `If-Match` (412 when stale). Error
/// paths are from the root of the table. Roles: admin; unit (its own department and
/// subordinate units). Only drafts and returned tables change (409 otherwise).
#[utoipa::path(tag = "projects", params(ProjectPath, IfMatch), request_body = ProjectTable, responses(
    (status = 200, description = "Replaced (or unchanged)", body = ProjectView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Created as a draft", body = ProjectView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The project table"))),
    (status = 400, description = "Malformed JSON, or a path parameter not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit, or a table that would be stored larger than it (`document_too_large`)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a valid table; `errors` names each field. Besides the schema: indicator ids unique, results naming indicators that exist, a quantitative target a number, no `results.stated_execution_score` (the execution score is `funding.total.stated_score`); nothing is stored", body = Problem, content_type = "application/problem+json"),
    EvaluationEdit,
))]
#[put("/departments/{code}/evaluations/{year}/projects/{project}")]
pub async fn put_project(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    path: ProjectPath,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let table = app::input(body.parse::<ProjectTable>("", "project table"));
    let saved = super::request_id::block(move || {
        app::projects::edit(
            &store,
            &trail,
            &caller,
            &key,
            if_match.0,
            "replace",
            table,
            |stored, table| {
                *stored = table.clone();
                Ok::<_, ApiError>(())
            },
        )
    })
    .await??;
    let evaluation = saved.evaluation;
    Ok(saved_answer(saved.change, &evaluation).json(ProjectView {
        meta: (&evaluation).into(),
        table: evaluation.table.clone(),
    }))
}

/// The answer to a write of a project table: 201 with its place when it was created, else 200;
/// the new version as ETag.
fn saved_answer(change: Change, evaluation: &ProjectEvaluation) -> HttpResponseBuilder {
    let mut response = match change {
        Change::Created => HttpResponse::Created(),
        Change::Updated | Change::Unchanged => HttpResponse::Ok(),
    };
    if change == Change::Created {
        response.insert_header((header::LOCATION, project_path(&evaluation.key)));
    }
    response.insert_header(etag(evaluation.stage.version));
    response
}

async fn act(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    path: ProjectPath,
    if_match: IfMatch,
    body: JsonBody,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let comment = app::input(action_comment(&body, action));
    let evaluation = super::request_id::block(move || {
        app::projects::act(&store, &trail, &caller, &key, if_match.0, action, comment)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(evaluation.stage.version))
        .json(ProjectMeta::from(&evaluation)))
}

macro_rules! project_action {
    ($name:ident, $action:expr, $route:literal, $summary:literal, $roles:literal) => {
        #[utoipa::path(tag = "projects", summary = $summary, description = $roles, params(ProjectPath, IfMatch),
            request_body(content = Option<ActionBody>, description = "Optional; `comment` is required to return"), responses(
            (status = 200, description = "Done; the project table's new state and version", body = ProjectMeta,
                headers(("ETag" = String, description = "The new version, quoted"))),
            (status = 403, description = "The role may not do this", body = Problem, content_type = "application/problem+json"),
            (status = 404, description = "No such project evaluation", body = Problem, content_type = "application/problem+json"),
            (status = 409, description = "Not allowed in the current state (`allowed_actions` says what is), or the checks found errors (`findings`)",
                body = Problem, content_type = "application/problem+json"),
            (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
            (status = 400, description = "A path parameter is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
            (status = 422, description = "A return without a comment", body = Problem, content_type = "application/problem+json"),
            Unauthenticated,
        ))]
        #[post($route)]
        pub async fn $name(
            caller: Caller,
            store: web::Data<Store>,
            trail: Trail,
            path: ProjectPath,
            if_match: IfMatch,
            body: JsonBody,
        ) -> Result<HttpResponse, ApiError> {
            act(caller, store, trail, path, if_match, body, $action).await
        }
    };
}

project_action!(
    submit_project,
    Action::Submit,
    "/departments/{code}/evaluations/{year}/projects/{project}/submit",
    "Submits a draft or returned project table (提交)",
    "Refused (409, with the findings) while the checks find errors. Roles: admin; unit (its own department and subordinate units)."
);
project_action!(
    return_project,
    Action::Return,
    "/departments/{code}/evaluations/{year}/projects/{project}/return",
    "Returns a submitted project table to the unit with a comment (退回)",
    "The unit can edit it again and resubmit. Roles: reviewer, admin."
);
project_action!(
    accept_project,
    Action::Accept,
    "/departments/{code}/evaluations/{year}/projects/{project}/accept",
    "Accepts a submitted project table (审核通过)",
    "The accepted version is kept as it is. Roles: reviewer, admin."
);
project_action!(
    publish_project,
    Action::Publish,
    "/departments/{code}/evaluations/{year}/projects/{project}/publish",
    "Publishes an accepted project table (公开)",
    "Marks it published. Roles: reviewer, admin."
);

/// A project table's score and the findings of its checks.
#[derive(Serialize, ToSchema)]
pub struct ProjectAssessmentView {
    #[serde(flatten)]
    pub meta: ProjectMeta,
    pub score: ProjectScore,
    /// How many findings are errors (they block submission), and how many warnings.
    pub errors: usize,
    pub warnings: usize,
    /// Errors first; each names the rule, the path in the table and the figures it compares.
    pub findings: Vec<Finding>,
}

/// The score and findings of a project table
///
/// The score (自评得分) of a project table by the year's rules — 预算执行率 × 分值 (capped at
/// the 分值), each indicator by its scoring rule, 总分 and grade — beside what the table
/// states, with the money converted to 万元; and the findings of its checks: the indicators'
/// (as the departmental report's), the funding rows against their total, spending above the
/// budget stated, stated 执行率 and 得分 against the computed ones, the execution weight
/// against the year's framework, and the departmental report's line the table names.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "projects", params(ProjectPath), responses(
    (status = 200, description = "The score and findings", body = ProjectAssessmentView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such project evaluation", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/projects/{project}/score")]
pub async fn project_score(
    caller: Caller,
    store: web::Data<Store>,
    path: ProjectPath,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let assessed =
        super::request_id::block(move || app::projects::assessed(&store, &caller, &key)).await??;
    let errors = assessed
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    Ok(HttpResponse::Ok()
        .insert_header(etag(assessed.evaluation.stage.version))
        .json(ProjectAssessmentView {
            meta: (&assessed.evaluation).into(),
            score: assessed.score,
            warnings: assessed.findings.len() - errors,
            errors,
            findings: assessed.findings,
        }))
}

/// The history of a project table
///
/// Every write and action on the project table — who, when, what, the version, the comment —
/// oldest first. Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "projects", params(ProjectPath), responses(
    (status = 200, description = "The history", body = HistoryView),
    (status = 404, description = "No such project evaluation", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/projects/{project}/history")]
pub async fn project_history(
    caller: Caller,
    store: web::Data<Store>,
    path: ProjectPath,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let revisions =
        super::request_id::block(move || app::projects::history(&store, &caller, &key)).await??;
    Ok(HttpResponse::Ok().json(HistoryView {
        items: revisions.into_iter().map(RevisionView::from).collect(),
    }))
}

/// One stored version of a project table.
#[derive(Serialize, ToSchema)]
pub struct ProjectVersionView {
    #[serde(flatten)]
    pub revision: RevisionView,
    pub table: ProjectTable,
}

/// One stored version of a project table
///
/// The project table as it was at version `n`. Roles: admin, reviewer, analyst; unit (its
/// own department and subordinate units).
#[utoipa::path(tag = "projects", params(
    ProjectPath,
    ("n" = i64, Path, minimum = 1, description = "The version"),
), responses(
    (status = 200, description = "That version", body = ProjectVersionView),
    (status = 404, description = "No such project evaluation or version", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/projects/{project}/versions/{n}")]
pub async fn project_version(
    caller: Caller,
    store: web::Data<Store>,
    path: ProjectPath,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let n: i64 = path_parameter(&req, "n")?;
    let key = ProjectKey::from(path);
    let (revision, table) =
        super::request_id::block(move || app::projects::version(&store, &caller, &key, n))
            .await??;
    Ok(HttpResponse::Ok()
        .insert_header(etag(revision.version))
        .json(ProjectVersionView {
            revision: revision.into(),
            table,
        }))
}

/// How a list of projects is cut and ordered.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Only projects in this state.
    pub status: Option<EvaluationStatus>,
    /// Only projects of this grade by the rules (`excellent` 优, `good` 良, `fair` 中, `poor` 差).
    pub grade: Option<Grade>,
    /// Only projects in this execution band: `below_60`, `60_to_90`, `90_and_above`, or
    /// `unknown` (no rate can be computed).
    pub execution: Option<ExecutionBand>,
    /// What to sort by: `project_code` (default), `name`, `execution_rate`, `score`; ties by
    /// unit and project code.
    pub sort: Option<ProjectSort>,
    /// `ascending` (default) or `descending`.
    pub order: Option<Direction>,
    /// How many rows to answer, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// How many rows to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
    /// `json` (default), `csv` or `xlsx`: the page's rows, one line each (also chosen by
    /// `Accept`).
    pub format: Option<Format>,
    /// The language of CSV and XLSX headings: `en` (default) or `zh`.
    pub lang: Option<Lang>,
}

impl ProjectQuery {
    fn listing(&self) -> Result<Listing, ApiError> {
        Ok(Listing {
            filter: ProjectFilter {
                status: self.status,
                grade: self.grade,
                band: self.execution,
            },
            sort: self.sort.unwrap_or(ProjectSort::ProjectCode),
            direction: self.order.unwrap_or_default(),
            window: window(self.limit, self.offset)?,
        })
    }
}

/// `{code}` and `{year}`: a unit's projects of a year.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UnitYearPath {
    /// 单位代码
    pub code: UnitCode,
    /// Fiscal year, 2000–2100
    pub year: FiscalYear,
}

/// The path's `{code}` and `{year}`, or every one of them that is not valid.
pub(super) fn unit_and_year(req: &HttpRequest) -> Result<(UnitCode, FiscalYear), ApiError> {
    match (parameter(req, "code"), parameter(req, "year")) {
        (Ok(code), Ok(year)) => Ok((code, year)),
        (code, year) => Err(ApiError::InvalidParameters(
            code.err().into_iter().chain(year.err()).collect(),
        )),
    }
}

/// A page of a unit's projects of a year.
#[derive(Serialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<ProjectOverview>,
    /// How many projects match the filter, on all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// A unit's project tables of a year
///
/// One row per project: name, state, money (万元), execution rate,
/// score and grade by the rules, what the table states against what its figures give, and
/// how many findings are errors and warnings. Filtered by state, grade and execution band,
/// sorted, a page at a time. The ETag names the year's data and the request, as the year's
/// departmental tables' do: `If-None-Match` naming it answers 304 (after the caller's right to
/// read the unit is checked), and an answer asked for again is sent as it was written. Roles:
/// admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "projects", params(UnitYearPath, ProjectQuery,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the answer the client holds"),
), responses(
    (status = 200, description = "A page of the unit's projects (JSON), or its rows as CSV", content(
        (ProjectList = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    TableNotModified, Unauthenticated, InvalidQuery,
))]
#[get("/departments/{code}/evaluations/{year}/projects")]
pub async fn list_projects(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<ProjectQuery>,
) -> Result<HttpResponse, ApiError> {
    let (code, year) = unit_and_year(&req)?;
    let listing = query.listing()?;
    let format = negotiate(&req, query.format);
    let lang = query.lang.unwrap_or_default();
    let scope = {
        let (store, caller, code) = (store.clone(), caller.clone(), code.clone());
        super::request_id::block(move || app::projects::reading_scope(&store, &caller, Some(&code)))
            .await??
    };
    let reader = store.clone();
    of_year(reader, &req, (year, format), &scope, move |asked| {
        let page = app::projects::list_of_unit(&store, &caller, &code, year, listing)?;
        let total = page.total;
        answer(
            format,
            lang,
            ("projects", "项目自评表"),
            project_columns(),
            page.items,
            |items| {
                json_text(&ProjectList {
                    items: items.clone(),
                    total,
                    limit: listing.window.limit,
                    offset: listing.window.offset,
                })
            },
        )
        .map(|rendered| (rendered, asked.stamp))
    })
    .await
}

/// The columns of a list of projects in CSV and XLSX: money in 万元, rates in percent, the
/// differences stated minus computed.
fn project_columns() -> Vec<Column<ProjectOverview>> {
    fn exact(value: Option<Exact>) -> Cell<'static> {
        Cell::Decimal(value.map(|v| v.0))
    }
    fn score(value: Option<Score>) -> Cell<'static> {
        Cell::Decimal(value.map(Score::value))
    }
    fn count(value: usize) -> Cell<'static> {
        Cell::Integer(i64::try_from(value).ok())
    }
    vec![
        Column {
            en: "Unit code",
            zh: "单位代码",
            cell: |r| Cell::Text(Some(r.department_code.as_str())),
        },
        Column {
            en: "Project code",
            zh: "项目代码",
            cell: |r| Cell::Text(Some(r.project_code.as_str())),
        },
        Column {
            en: "Project",
            zh: "项目名称",
            cell: |r| Cell::Text(r.name.as_deref()),
        },
        Column {
            en: "State",
            zh: "状态",
            cell: |r| Cell::Named {
                code: Some(r.status.as_str()),
                names: Vocabulary::Status,
            },
        },
        Column {
            en: "Amount unit as written",
            zh: "填报金额单位",
            cell: |r| Cell::Text(Some(r.funding.amount_unit.as_str())),
        },
        Column {
            en: "Initial budget (10k CNY)",
            zh: "年初预算数（万元）",
            cell: |r| exact(r.funding.initial),
        },
        Column {
            en: "Full-year budget (10k CNY)",
            zh: "全年预算数（万元）",
            cell: |r| exact(r.funding.full_year),
        },
        Column {
            en: "Executed (10k CNY)",
            zh: "全年执行数（万元）",
            cell: |r| exact(r.funding.executed),
        },
        Column {
            en: "Execution rate (%)",
            zh: "执行率（%）",
            cell: |r| Cell::Decimal(r.execution_rate.map(Percent::value)),
        },
        Column {
            en: "Score",
            zh: "得分",
            cell: |r| score(r.score),
        },
        Column {
            en: "Grade",
            zh: "等级",
            cell: |r| Cell::Named {
                code: r.grade.map(|g| g.as_str()),
                names: Vocabulary::Grade,
            },
        },
        Column {
            en: "Stated total",
            zh: "自评总分",
            cell: |r| exact(r.stated_total),
        },
        Column {
            en: "Stated total − computed",
            zh: "自评总分差",
            cell: |r| score(r.stated_total_difference),
        },
        Column {
            en: "Stated rate − computed",
            zh: "填报执行率差",
            cell: |r| exact(r.stated_rate_difference),
        },
        Column {
            en: "Stated execution score − computed",
            zh: "填报执行得分差",
            cell: |r| score(r.stated_execution_score_difference),
        },
        Column {
            en: "Errors",
            zh: "错误数",
            cell: |r| count(r.errors),
        },
        Column {
            en: "Warnings",
            zh: "警告数",
            cell: |r| count(r.warnings),
        },
    ]
}

/// `{year}`: a year of every unit's projects.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct YearPath {
    /// Fiscal year, 2000–2100
    pub year: FiscalYear,
}

/// A year's comparison with the slice of rows answered.
#[derive(Serialize, ToSchema)]
pub struct ProjectComparisonView {
    #[serde(flatten)]
    pub comparison: ProjectComparison,
    pub limit: i64,
    pub offset: i64,
}

/// Every project of a year compared
///
/// Every project of a year side by side — the bureau's question: each with its unit, money
/// (万元), execution rate, score and grade, and the differences between what it states and
/// what its figures give (总分, 执行率, execution 得分); rolled up by unit (projects, money,
/// execution rate, mean score, grades) with the unit's departmental self-evaluation score
/// beside its projects'; rolled up by 主管部门 (each unit's projects under its parent, a unit
/// without a parent under itself); and the distribution: how many projects are under 60 % executed and
/// how many are 优/良/中/差. The filter applies to rows, roll-ups and distribution; the page,
/// to the rows. `format=csv` answers the page's rows as CSV. The ETag names the year's data, the
/// request and what the caller sees, as the year's departmental tables' do: `If-None-Match`
/// naming it answers 304, and an answer asked for again is sent as it was written. Roles:
/// admin, reviewer, analyst (every unit); unit (its own department and subordinate units).
#[utoipa::path(tag = "projects", params(YearPath, ProjectQuery,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the answer the client holds"),
), responses(
    (status = 200, description = "The comparison (JSON), or its page of rows as CSV", content(
        (ProjectComparisonView = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    (status = 400, description = "The year is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    TableNotModified, Unauthenticated, InvalidQuery,
))]
#[get("/years/{year}/projects")]
pub async fn compare_projects(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<ProjectQuery>,
) -> Result<HttpResponse, ApiError> {
    let year: FiscalYear = path_parameter(&req, "year")?;
    let listing = query.listing()?;
    let format = negotiate(&req, query.format);
    let lang = query.lang.unwrap_or_default();
    let scope = app::projects::reading_scope(&store, &caller, None)?;
    let reader = store.clone();
    let model = read_model(&req)?;
    of_year(reader, &req, (year, format), &scope, move |asked| {
        let mut comparison = app::projects::compare(&store, &model, &caller, year, listing, asked)?;
        let rows = std::mem::take(&mut comparison.projects);
        answer(
            format,
            lang,
            ("projects", "项目对比"),
            project_columns(),
            rows,
            |rows| {
                comparison.projects = rows.clone();
                json_text(&ProjectComparisonView {
                    comparison,
                    limit: listing.window.limit,
                    offset: listing.window.offset,
                })
            },
        )
        .map(|rendered| (rendered, asked.stamp))
    })
    .await
}

/// What the coverage answers.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// Only the units with a project line that has no table (default `false`).
    pub uncovered_only: Option<bool>,
}

/// How far a year's project tables cover the projects
///
/// 项目自评收集进度 — self-evaluation covers every project (全覆盖): for each unit with a
/// departmental report or a project table of the year, how many project tables it has, and
/// the project lines of its departmental report (项目支出, at any depth) that need a table
/// and have none. A table covers the line its `departmental_line` names, with every line
/// under it; a line with lines under it is covered when they are; a line needs a table when
/// its budget (调整预算, else 年初预算) is at least the year's `project_coverage_floor`
/// (every line when the year sets none). Also the year's tables by state. It reads every
/// departmental report and project table of the year in the caller's scope. Roles: admin,
/// reviewer, analyst (every unit); unit (its own department and subordinate units).
#[utoipa::path(tag = "projects", params(YearPath, CoverageQuery), responses(
    (status = 200, description = "The coverage", body = ProjectCoverage),
    (status = 400, description = "The year is not valid (`invalid_parameters`)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated, InvalidQuery,
))]
#[get("/years/{year}/projects/coverage")]
pub async fn project_coverage(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<CoverageQuery>,
) -> Result<HttpResponse, ApiError> {
    let year: FiscalYear = path_parameter(&req, "year")?;
    let uncovered_only = query.uncovered_only.unwrap_or(false);
    let coverage = super::request_id::block(move || {
        app::projects::coverage(&store, &caller, year, uncovered_only)
    })
    .await??;
    Ok(HttpResponse::Ok().json(coverage))
}

/// The project table as a document
///
/// The 项目支出绩效自评表 as a document in its usual order: the project, its money by source
/// in the unit the form writes (with 执行率 and 得分 by the rules on the total), 预期目标 |
/// 实际完成情况, the indicators (target, actual, attainment, weight, score by the rules, the
/// unit's own score, the deviation reason), the total and grade beside the stated total, and
/// the narrative. HTML is a print-ready page with its own stylesheet and nothing loaded from
/// elsewhere; Markdown is for editing. The contact (项目负责人, 联系电话) is never written.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "projects", params(ProjectPath, DocumentQuery), responses(
    (status = 200, description = "The table as a document", headers(("ETag" = String, description = "The version, quoted")),
        content((String = "text/html"), (String = "text/markdown"))),
    (status = 404, description = "No such project evaluation", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated, InvalidQuery,
))]
#[get("/departments/{code}/evaluations/{year}/projects/{project}/report")]
pub async fn project_document(
    req: HttpRequest,
    caller: Caller,
    store: web::Data<Store>,
    path: ProjectPath,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let format = super::publishing::negotiate(&req, query.format);
    let (version, text) =
        super::request_id::block(move || app::projects::document(&store, &caller, &key, format))
            .await??;
    Ok(super::publishing::document_answer(version, format, text))
}

/// The 项目支出绩效自评表 as an Excel workbook
///
/// The project table in the standard layout (sheet 自评表): 项目名称 and 项目代码, 主管部门 and
/// 单位代码, 实施单位 and 金额单位, 项目负责人 and 联系电话; 项目资金 — 年度资金总额 and a row per
/// source (the three standard sources, blank, where the table names none) with 年初预算数,
/// 全年预算数, 全年执行数, 分值, 执行率（%） and 得分 as the table states them, in the unit it
/// writes (万元 or 元); 年度总体目标 as 预期目标 | 实际完成情况 with a spare row; the indicator rows
/// (一级, 二级, 三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施) with spare rows;
/// 总分 and the grade. An amount a spreadsheet number cannot hold exactly is written as text.
/// The contact is on the form, as it is the unit's own. A project without a table gets the
/// blank form of its unit, year and code. The ETag is the version it was written from;
/// `If-None-Match` naming it answers 304 with no body (after the caller's right is checked),
/// as the table's JSON does. Roles: admin, reviewer, analyst; unit (its own department and
/// subordinate units).
#[utoipa::path(tag = "projects", params(ProjectPath,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the version the client holds"),
), responses(
    (status = 200, description = "The table as an XLSX workbook (sheet 自评表)",
        headers(("ETag" = String, description = "The version, quoted; none for a blank form")),
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 304, description = "The version is the one the client holds", headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "A path parameter is not valid (`invalid_parameters`, `errors` names it)", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/projects/{project}/form.xlsx")]
pub async fn project_form_xlsx(
    req: HttpRequest,
    caller: Caller,
    store: web::Data<Store>,
    path: ProjectPath,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let name = format!(
        "项目自评表-{}-{}-{}.xlsx",
        key.department_code, key.year, key.project_code
    );
    let held = super::public::held_tags(&req);
    let (version, workbook) = match super::request_id::block(move || {
        app::projects::form_workbook(&store, &caller, &key, |version| {
            held.is_some_and(|asked| super::public::names_tag(&asked, &etag(version).1))
        })
    })
    .await??
    {
        FormWorkbook::Held(version) => {
            return Ok(HttpResponse::NotModified()
                .insert_header(etag(version))
                .finish());
        }
        FormWorkbook::Written { version, workbook } => (version, workbook),
    };
    let mut answer = HttpResponse::Ok();
    if let Some(version) = version {
        answer.insert_header(etag(version));
    }
    Ok(answer
        .content_type(XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"form.xlsx\"; filename*=UTF-8''{}",
                percent_encoded(&name)
            ),
        ))
        .body(workbook))
}

/// What a filled-in project table was read as.
#[derive(Serialize, ToSchema)]
pub struct ProjectFormReadingView {
    #[serde(flatten)]
    pub meta: ProjectMeta,
    /// The project table as stored, with the form's parts in it.
    pub table: ProjectTable,
    /// The cells that could not be read; their fields keep their stored values.
    pub unreadable: Vec<UnreadableCellView>,
    /// The findings of the project table's checks as stored, errors first, each with the cell
    /// of the form showing the field it is about.
    pub findings: Vec<FindingInTable>,
}

/// Reads a filled-in 项目支出绩效自评表 into the project table
///
/// The workbook of `form.xlsx` (sheet 自评表), filled in: its 项目名称, 主管部门, 实施单位,
/// 项目负责人, 联系电话, 金额单位, funding rows, overall goals, indicators with their results, and
/// stated scores replace the table's; every other part (the narrative, the departmental line,
/// what the form does not show of an indicator) stays. The table `form.xlsx` answers, sent
/// back unchanged, changes nothing (200, the same version): money comes back to the last
/// place. A cell that cannot be read — text where a number belongs, a 金额单位 other than 万元
/// or 元, an unknown 一级指标, a required cell left empty, another unit's or project's code or
/// another year — is answered with its sheet and address (422, `errors[].path` such as
/// `自评表!D8`), and nothing is stored, unless `partial=true`, which stores the rest and lists
/// those cells in `unreadable`. Creates the project table as a draft when there is none.
///
/// The workbook comes as the body or as `multipart/form-data`, and is read within the same
/// bounds as the departmental table's (`POST …/evaluations/{year}/form` says which: sizes,
/// entries, inflated XML, cells, strings, time; 413 `workbook_too_large` naming the bound, 415
/// `save_as_xlsx` for a legacy or other format). The caller's right, the department, `If-Match`
/// and whether the table takes an edit are checked before the workbook is read. Roles: admin;
/// unit (its own department and subordinate units). Only drafts and returned tables change
/// (409 otherwise).
#[utoipa::path(tag = "projects", params(ProjectPath, IfMatch, FormQuery),
    request_body(description = "The workbook (.xlsx): the file as the body, as the XLSX type or `application/octet-stream`; or `multipart/form-data` as a browser's file input sends it, the file in the field `file`",
    content(
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Vec<u8> = "application/octet-stream"),
        (FormUpload = "multipart/form-data"),
    )), responses(
    (status = 200, description = "Read and stored (or unchanged)", body = ProjectFormReadingView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Read and stored as a new draft", body = ProjectFormReadingView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The project table"))),
    (status = 413, description = "Body over the size limit, a workbook past one of the reader's bounds (`workbook_too_large`, the bound named in `detail`), or a table that would be stored larger than the limit (`document_too_large`)", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "Invalid parameters, or a multipart body with no one file (`invalid_multipart`)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "A body of another type (`unsupported_media_type`), or a legacy .xls/.et, an .ods or a CSV (`save_as_xlsx`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a project table, or cells that cannot be read (each named by sheet and address); nothing stored", body = Problem, content_type = "application/problem+json"),
    EvaluationEdit,
))]
#[put("/departments/{code}/evaluations/{year}/projects/{project}/form.xlsx")]
pub async fn put_project_form(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    path: ProjectPath,
    if_match: IfMatch,
    query: web::Query<FormQuery>,
    body: WorkbookBody,
) -> Result<HttpResponse, ApiError> {
    let key = ProjectKey::from(path);
    let partial = query.partial.unwrap_or(false);
    // Dropped with this future, which actix drops when the client goes: the reading stops.
    let (gone, _raise_when_dropped) = ClientGone::watch();
    let saved = super::request_id::block(move || {
        app::forms::read_project_form(
            &store,
            &trail,
            &caller,
            &key,
            if_match.0,
            partial,
            body.upload(),
            &gone,
        )
    })
    .await??;
    let (unreadable, findings) = reading_outcome(saved.outcome);
    let evaluation = saved.evaluation;
    Ok(
        saved_answer(saved.change, &evaluation).json(ProjectFormReadingView {
            meta: (&evaluation).into(),
            table: evaluation.table.clone(),
            unreadable,
            findings,
        }),
    )
}

/// The project operations, registered under `/api/v1`.
pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_projects)
        .service(get_project)
        .service(put_project)
        .service(submit_project)
        .service(return_project)
        .service(accept_project)
        .service(publish_project)
        .service(project_score)
        .service(project_document)
        .service(project_form_xlsx)
        .service(put_project_form)
        .service(project_history)
        .service(project_version)
        .service(compare_projects)
        .service(project_coverage);
}
