//! 评价结果应用 — `/years/{year}/result-rules` (the bureau's grade bands and what each grade
//! means for next year's budget), `/departments/{code}/evaluations/{year}/rectifications…`
//! (整改: created and closed by the bureau, answered by the unit), `…/last-year-rectifications`
//! (last year's items beside this year's report) and `/public/years/{year}/notice` (the year's
//! 通报). Each handler calls one use case of `app::result_application`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::export::{self, Cell, Column, Format, Lang, Vocabulary};
use super::extract::{EvaluationKey, IfMatch, JsonBody, etag, path_parameter};
use super::public::{cacheable, digest_tag, if_none_match};
use super::publishing::{HTML, MARKDOWN, PAGE_POLICY};
use super::responses::{InvalidQuery, Unauthenticated};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::result_application::{CarriedOver, ItemView};
use crate::domain::access::Caller;
use crate::domain::cycle::Change;
use crate::domain::result_application::notice::NoticeRow;
use crate::domain::result_application::rectification::{
    NewRectification, RectificationAnswer, RectificationClosing,
};
use crate::domain::result_application::rules::{ResultRules, YearResultRules};
use crate::domain::values::FiscalYear;
use crate::presentation::narrative::DocumentFormat;
use crate::presentation::notice as notice_document;

/// A year's result rules.
#[derive(Serialize, ToSchema)]
pub struct ResultRulesView {
    pub year: FiscalYear,
    /// Goes up by one with every change; 0 while the year has the defaults (nothing set yet).
    pub version: i64,
    /// Who set them last; absent for the defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_by: Option<String>,
    /// When they were last set; absent for the defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub rules: ResultRules,
}

impl From<YearResultRules> for ResultRulesView {
    fn from(stored: YearResultRules) -> Self {
        let set = stored.version > 0;
        Self {
            year: stored.year,
            version: stored.version,
            set_by: set.then_some(stored.set_by),
            updated_at: set.then(|| stored.updated_at.and_utc()),
            rules: stored.rules,
        }
    }
}

fn rules_answer(
    mut response: actix_web::HttpResponseBuilder,
    rules: YearResultRules,
) -> HttpResponse {
    if rules.version > 0 {
        response.insert_header(etag(rules.version));
    }
    response.json(ResultRulesView::from(rules))
}

/// The year's result rules (结果应用规则)
///
/// The grade bands (优, 良, 中, 差 with their lower edges), the edge rule (`lower_inclusive`:
/// a score on an edge is in the band above, so 90 is 优; `upper_inclusive`: in the band
/// below) and what each grade means for next year's budget, as the bureau stated it. A year
/// the bureau has not set answers the defaults (优 ≥ 90, 良 80–90, 中 60–80, 差 < 60, edges
/// in the band above, nothing said of the budget) at version 0, without an ETag.
/// Roles: any authenticated caller.
#[utoipa::path(tag = "results", params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
), responses(
    (status = 200, description = "The rules", body = ResultRulesView, headers(("ETag" = String, description = "The version, quoted; absent for the defaults"))),
    Unauthenticated,
))]
#[get("/years/{year}/result-rules")]
pub async fn get_rules(
    _caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let rules =
        super::request_id::block(move || app::result_application::rules(&store, year)).await??;
    Ok(rules_answer(HttpResponse::Ok(), rules))
}

/// Sets the year's result rules (结果应用规则)
///
/// Four bands, 优, 良, 中, 差 in that order, each but 差 with its lower edge (`from`), the
/// edges falling; the edge rule; per band what the grade means for next year's budget — a
/// percentage (`budget_percent`, −100 to 100) and/or the bureau's words (`budget_note`), left
/// out where the bureau states none. 422 names each field that is not so. Send the ETag back
/// as `If-Match` (412 when stale). Roles: reviewer, admin.
#[utoipa::path(tag = "results", params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
    IfMatch,
), request_body = ResultRules, responses(
    (status = 200, description = "Replaced (or unchanged)", body = ResultRulesView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Set for the first time", body = ResultRulesView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The rules"))),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not rules; `errors` names each field; nothing is stored", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[put("/years/{year}/result-rules")]
pub async fn put_rules(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let input = app::input(body.parse::<ResultRules>("", "result rules"));
    let location = req.path().to_owned();
    let (rules, change) = super::request_id::block(move || {
        app::result_application::set_rules(&store, &trail, &caller, year, if_match.0, input)
    })
    .await??;
    let mut response = match change {
        Change::Created => HttpResponse::Created(),
        Change::Updated | Change::Unchanged => HttpResponse::Ok(),
    };
    if change == Change::Created {
        response.insert_header((header::LOCATION, location));
    }
    Ok(rules_answer(response, rules))
}

/// The rectification items of an evaluation.
#[derive(Serialize, ToSchema)]
pub struct RectificationList {
    pub items: Vec<ItemView>,
}

fn item_id(req: &HttpRequest) -> Result<i64, ApiError> {
    path_parameter::<i64>(req, "id")
}

fn item_answer(mut response: actix_web::HttpResponseBuilder, view: ItemView) -> HttpResponse {
    response.insert_header(etag(view.version)).json(view)
}

/// The rectification items of an evaluation (整改事项)
///
/// Each with its problem, where it comes from (`review`: the bureau's finding; `problem`: a
/// problem of the unit's report), requirement, owner, deadline, status (`open`,
/// `in_progress`, `done`), the unit's evidence and whether it is overdue today (UTC).
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "results", params(EvaluationKey), responses(
    (status = 200, description = "The items, oldest first", body = RectificationList),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/rectifications")]
pub async fn list_rectifications(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let items = super::request_id::block(move || {
        app::result_application::rectifications(&store, &caller, &key.code, key.year)
    })
    .await??;
    Ok(HttpResponse::Ok().json(RectificationList {
        items: items.into_iter().map(ItemView::from).collect(),
    }))
}

/// Creates a rectification item (整改事项)
///
/// From the bureau's review (`source: review`, the finding's text as `problem`) or from a
/// problem of the unit's report of the year (`source: problem`, named by `problem_id`; its
/// text is taken as the unit wrote it), with the requirement, owner and deadline where the
/// bureau gives them. The item starts `open`. At most 200 items per evaluation (409
/// `too_many_rectifications`). Roles: reviewer, admin.
#[utoipa::path(tag = "results", params(EvaluationKey), request_body = NewRectification, responses(
    (status = 201, description = "Created", body = ItemView, headers(("ETag" = String, description = "The version, quoted"), ("Location" = String, description = "The item"))),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department or evaluation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The evaluation has as many items as it may (`too_many_rectifications`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not an item of the report (a problem it does not have, a finding without its text); `errors` names each field", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[post("/departments/{code}/evaluations/{year}/rectifications")]
pub async fn create_rectification(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    key: EvaluationKey,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input = app::input(body.parse::<NewRectification>("", "rectification item"));
    let base = req.path().to_owned();
    let created = super::request_id::block(move || {
        app::result_application::create_rectification(
            &store, &trail, &caller, &key.code, key.year, input,
        )
    })
    .await??;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("{base}/{}", created.id)));
    Ok(item_answer(response, created.into()))
}

/// One rectification item (整改事项)
///
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "results", params(
    EvaluationKey,
    ("id" = i64, Path, minimum = 1, description = "The item's number"),
), responses(
    (status = 200, description = "The item", body = ItemView, headers(("ETag" = String, description = "The version, quoted"))),
    (status = 404, description = "No such department or item", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/rectifications/{id}")]
pub async fn get_rectification(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let id = item_id(&req)?;
    let item = super::request_id::block(move || {
        app::result_application::rectification(&store, &caller, &key.code, key.year, id)
    })
    .await??;
    Ok(item_answer(HttpResponse::Ok(), item.into()))
}

/// The unit answers a rectification item (整改情况)
///
/// What the unit has done and its evidence (`evidence`), replacing its last answer; the item
/// is then `in_progress` until the bureau closes it. A done item is not answered (409
/// `rectification_closed`). Send the ETag back as `If-Match` (412 when stale).
/// Roles: unit (its own department and subordinate units), admin.
#[utoipa::path(tag = "results", params(
    EvaluationKey,
    ("id" = i64, Path, minimum = 1, description = "The item's number"),
    IfMatch,
), request_body = RectificationAnswer, responses(
    (status = 200, description = "Answered (or unchanged)", body = ItemView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 403, description = "A role of the bureau other than admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department or item", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The item is done (`rectification_closed`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[put("/departments/{code}/evaluations/{year}/rectifications/{id}/answer")]
pub async fn answer_rectification(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    key: EvaluationKey,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = item_id(&req)?;
    let input = app::input(body.parse::<RectificationAnswer>("", "answer"));
    let item = super::request_id::block(move || {
        app::result_application::answer_rectification(
            &store, &trail, &caller, &key.code, key.year, id, if_match.0, input,
        )
    })
    .await??;
    Ok(item_answer(HttpResponse::Ok(), item.into()))
}

/// The bureau closes a rectification item (销号)
///
/// The item is `done`, with the bureau's comment where it gives one; it is no longer overdue,
/// and the unit no longer answers it. A done item is not closed again (409
/// `rectification_closed`). Send the ETag back as `If-Match` (412 when stale).
/// Roles: reviewer, admin.
#[utoipa::path(tag = "results", params(
    EvaluationKey,
    ("id" = i64, Path, minimum = 1, description = "The item's number"),
    IfMatch,
), request_body = RectificationClosing, responses(
    (status = 200, description = "Closed", body = ItemView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department or item", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The item is done already (`rectification_closed`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[post("/departments/{code}/evaluations/{year}/rectifications/{id}/close")]
pub async fn close_rectification(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    key: EvaluationKey,
    if_match: IfMatch,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = item_id(&req)?;
    let input = app::input(body.parse::<RectificationClosing>("", "closing"));
    let item = super::request_id::block(move || {
        app::result_application::close_rectification(
            &store, &trail, &caller, &key.code, key.year, id, if_match.0, input,
        )
    })
    .await??;
    Ok(item_answer(HttpResponse::Ok(), item.into()))
}

/// Last year's rectification items beside this year's report
///
/// The items of the unit's evaluation of the year before, with their status, and a finding
/// (`problem_repeated_without_progress`, warning, at `issues.problems[i]`) for every problem
/// of this year's report that names one of them again while it has seen no progress (open,
/// never answered). A problem names an item again when the letters and digits of one contain
/// the other's, or their pairs of adjacent characters overlap by a Dice coefficient of at
/// least 0.6. Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "results", params(EvaluationKey), responses(
    (status = 200, description = "Last year's items and the findings", body = CarriedOver),
    (status = 404, description = "No such department or evaluation", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/last-year-rectifications")]
pub async fn carried_over(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let view = super::request_id::block(move || {
        app::result_application::carried_over(&store, &caller, &key.code, key.year)
    })
    .await??;
    Ok(HttpResponse::Ok().json(view))
}

/// How the notice is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeFormat {
    Html,
    Markdown,
    Xlsx,
}

impl NoticeFormat {
    fn as_str(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Markdown => "markdown",
            Self::Xlsx => "xlsx",
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// `html` (default), `markdown`, or `xlsx` (the results table as a workbook).
    pub format: Option<NoticeFormat>,
}

/// The notice's results table, column by column, in the bureau's words.
fn notice_columns() -> Vec<Column<NoticeRow>> {
    vec![
        Column {
            en: "Unit code",
            zh: "单位代码",
            cell: |r| Cell::Text(Some(&r.department_code)),
        },
        Column {
            en: "Unit",
            zh: "单位名称",
            cell: |r| Cell::Text(Some(&r.department_name)),
        },
        Column {
            en: "Self-evaluation Score",
            zh: "自评得分",
            cell: |r| Cell::Decimal(r.self_score.map(|s| s.0)),
        },
        Column {
            en: "Review Score",
            zh: "复核得分",
            cell: |r| Cell::Decimal(r.review_score.map(|s| s.0)),
        },
        Column {
            en: "Review difference Score",
            zh: "复核差异",
            cell: |r| Cell::Decimal(r.review_difference.map(|s| s.0)),
        },
        Column {
            en: "Graded Score",
            zh: "评价得分",
            cell: |r| Cell::Decimal(r.graded_score.map(|s| s.0)),
        },
        Column {
            en: "Grade",
            zh: "评价等级",
            cell: |r| Cell::Named {
                code: r.grade.map(|g| g.as_str()),
                names: Vocabulary::Grade,
            },
        },
        Column {
            en: "Next year's budget change (%)",
            zh: "下年预算调整比例(%)",
            cell: |r| Cell::Decimal(r.budget_percent.map(|p| p.value())),
        },
        Column {
            en: "Result application",
            zh: "结果应用",
            cell: |r| Cell::Text(r.budget_note.as_deref()),
        },
        Column {
            en: "Rectification items",
            zh: "整改事项",
            cell: |r| Cell::Integer(i64::try_from(r.rectifications).ok()),
        },
        Column {
            en: "Done",
            zh: "已完成",
            cell: |r| Cell::Integer(i64::try_from(r.rectifications_done).ok()),
        },
        Column {
            en: "Overdue",
            zh: "逾期",
            cell: |r| Cell::Integer(i64::try_from(r.rectifications_overdue).ok()),
        },
    ]
}

/// The year's notice of results (绩效评价结果通报)
///
/// Written from the year's published reports only: 一、评价结果 — each unit's score by the
/// rules (自评得分), the bureau's review score and the difference where it reviewed the
/// report, the grade by the year's result rules (of the review score where there is one,
/// else of the self-evaluation's) and what it means for next year's budget as the bureau
/// stated it; 二、等级标准及结果应用 — the bands, which side of each edge they take, and their
/// consequences; 三、整改情况 — the rectification items of the year's evaluations with their
/// status and whether they are overdue today (UTC). HTML is a print-ready page with its own
/// stylesheet; Markdown is for editing; XLSX is the results table (sheet 结果通报, Chinese
/// headings). Cacheable for a minute by anyone, with an ETag to revalidate (`If-None-Match`)
/// that moves when a report is published or withdrawn, the rules, a review score or a
/// rectification item change, or an item falls overdue. Roles: anyone.
#[utoipa::path(tag = "public", security(()), params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
    NoticeQuery,
    ("If-None-Match" = Option<String>, Header, description = "The ETag of the notice the client holds"),
), responses(
    (status = 200, description = "The notice", content(
        (String = "text/html"),
        (String = "text/markdown"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), headers(
        ("ETag" = String, description = "A validator of the notice in this format"),
        ("Cache-Control" = String, description = "`public, max-age=60`"),
        ("Vary" = String, description = "`Accept`"))),
    (status = 304, description = "The notice is as the client holds it"),
    InvalidQuery,
))]
#[get("/public/years/{year}/notice")]
pub async fn notice(
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let format = query.format.unwrap_or(NoticeFormat::Html);
    let notice =
        super::request_id::block(move || app::result_application::notice(&store, year)).await??;
    // The validator is of what the notice says, in the format asked: it moves when a report
    // is published or withdrawn, the rules, a review score or a rectification item change, a
    // unit is renamed, or an item falls overdue with the day.
    let said = export::json_text(&notice)?;
    let tag = digest_tag(&[said.as_slice(), format.as_str().as_bytes()].concat());
    if if_none_match(&req, &tag) {
        return Ok(cacheable(&req, tag, None, |mut ok| ok.finish()));
    }
    let document = match format {
        NoticeFormat::Xlsx => {
            let rendered = super::request_id::block(move || {
                export::answer(
                    Format::Xlsx,
                    Lang::Zh,
                    ("notice", "结果通报"),
                    notice_columns(),
                    notice.rows,
                    |_| Ok(Vec::new()),
                )
            })
            .await??;
            return Ok(cacheable(&req, tag, None, |ok| rendered.answer(ok)));
        }
        NoticeFormat::Markdown => DocumentFormat::Markdown,
        NoticeFormat::Html => DocumentFormat::Html,
    };
    let text = super::request_id::block(move || {
        notice_document::render(document, &notice)
            .map_err(|e| app::AppError::failed("the notice could not be rendered", e))
    })
    .await??;
    Ok(cacheable(&req, tag, None, |mut ok| match document {
        DocumentFormat::Html => ok
            .content_type(HTML)
            .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
            .body(text),
        DocumentFormat::Markdown => ok.content_type(MARKDOWN).body(text),
    }))
}

/// The result application operations, registered under `/api/v1`.
pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(get_rules)
        .service(put_rules)
        .service(list_rectifications)
        .service(create_rectification)
        .service(get_rectification)
        .service(answer_rectification)
        .service(close_rectification)
        .service(carried_over)
        .service(notice);
}
