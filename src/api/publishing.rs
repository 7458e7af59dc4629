//! The report as people read it and the forms people fill: `…/report` as an HTML or Markdown
//! document, `…/form.xlsx` and `…/form` the self-evaluation table in Excel, out and back in.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::evaluations::{EvaluationMeta, answer};
use super::export::XLSX;
use super::extract::{EvaluationKey, IfMatch, WorkbookBody, etag, window};
use super::public::{PublicQuery, cacheable, digest_tag};
use super::responses::{EvaluationEdit, InvalidQuery, Unauthenticated};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::forms::{ClientGone, FormOutcome};
use crate::domain::access::Caller;
use crate::domain::checks::Finding;
use crate::domain::report::EvaluationReport;
use crate::presentation::form::UnreadableCell;
use crate::presentation::narrative::DocumentFormat;

pub const HTML: &str = "text/html; charset=utf-8";
pub const MARKDOWN: &str = "text/markdown; charset=utf-8";

/// The page may show its own inline stylesheet and nothing from anywhere.
pub const PAGE_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Html,
    Markdown,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `html` (default) or `markdown`; `Accept: text/markdown` works too.
    pub format: Option<DocumentKind>,
}

/// `?format=` wins, else `Accept`, else HTML.
pub fn negotiate(req: &HttpRequest, format: Option<DocumentKind>) -> DocumentFormat {
    let accept = || {
        req.headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .contains("text/markdown")
    };
    match format {
        Some(DocumentKind::Markdown) => DocumentFormat::Markdown,
        Some(DocumentKind::Html) => DocumentFormat::Html,
        None if accept() => DocumentFormat::Markdown,
        None => DocumentFormat::Html,
    }
}

/// The self-evaluation as a document in the six-part outline of the reports (一 … 六):
/// staffing, the budget with its execution and adjustment rates computed, the indicator table
/// (target, actual, attainment, score), problems with the measures that answer them,
/// publication. HTML is a print-ready A4 page with its own stylesheet and nothing loaded from
/// elsewhere; Markdown is for editing. Every text is carried as the unit wrote it.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
    DocumentQuery,
), responses(
    (status = 200, description = "The report as a document", headers(("ETag" = String, description = "The version, quoted")),
        content((String = "text/html"), (String = "text/markdown"))),
    (status = 404, description = "No such department or evaluation", body = Problem, content_type = "application/problem+json"),
    Unauthenticated, InvalidQuery,
))]
#[get("/departments/{code}/evaluations/{year}/report")]
pub async fn get_report(
    req: HttpRequest,
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, query.format);
    let (version, text) =
        super::request_id::block(move || app::publishing::report(&store, &caller, &key, format))
            .await??;
    Ok(document_answer(version, format, text))
}

/// A document at `version` as its format is answered: HTML as a page of the service, with its
/// own policy; Markdown as text.
pub fn document_answer(version: i64, format: DocumentFormat, text: String) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header(etag(version));
    match format {
        DocumentFormat::Html => page_answer(&mut response, text),
        DocumentFormat::Markdown => response.content_type(MARKDOWN).body(text),
    }
}

/// The self-evaluation table (部门整体支出绩效自评表) as an Excel workbook in its usual layout:
/// the unit; the budget rows (年度资金总额, 基本支出, 项目支出) with 年初预算数, 全年预算数,
/// 全年执行数, 分值, 执行率 and 得分; the overall goal; the indicator rows (一级, 二级, 三级指标,
/// 年度指标值, 实际完成值, 分值, 得分, 偏差原因) with spare rows to fill; the total score and
/// grade. Its formulas carry their computed values, for readers that do not recalculate.
/// A department without an evaluation of the year gets the blank table.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
), responses(
    (status = 200, description = "The table as an XLSX workbook (sheet 自评表)",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/form.xlsx")]
pub async fn form_xlsx(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let name = format!("自评表-{}-{}.xlsx", key.code, key.year);
    let workbook =
        super::request_id::block(move || app::publishing::form_workbook(&store, &caller, &key))
            .await??;
    Ok(HttpResponse::Ok()
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

/// A file name as `filename*` carries it (RFC 8187).
pub(super) fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormQuery {
    /// Store what could be read even when some cells could not, those cells' fields keeping
    /// their stored values (default false).
    pub partial: Option<bool>,
}

/// The table as a browser's file input sends it (`multipart/form-data`): one file field.
#[derive(ToSchema)]
#[allow(dead_code)] // Read by hand (`domain::upload`); this only describes it.
pub struct FormUpload {
    /// The workbook (.xlsx). Other fields, each one text value, are ignored: at most 8 parts
    /// in all.
    #[schema(value_type = String, format = Binary, content_media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    pub file: Vec<u8>,
}

/// What a filled-in table was read as.
#[derive(Serialize, ToSchema)]
pub struct FormReadingView {
    #[serde(flatten)]
    pub meta: EvaluationMeta,
    /// The report as stored, with the table's parts in it.
    pub report: EvaluationReport,
    /// The cells that could not be read; their fields keep their stored values.
    pub unreadable: Vec<UnreadableCellView>,
    /// The findings of the checks on the report as stored, errors first, each with the cell
    /// of the table showing the field it is about.
    pub findings: Vec<FindingInTable>,
}

/// A finding, with where the table shows it.
#[derive(Serialize, ToSchema)]
pub struct FindingInTable {
    #[serde(flatten)]
    pub finding: Finding,
    /// The cell of the table showing the field of `path` (`自评表!I12`); none where the table
    /// does not show it (the finding is about a part only the report has).
    pub cell: Option<String>,
}

/// A cell of the table that could not be read.
#[derive(Serialize, ToSchema)]
#[schema(as = UnreadableCell)]
pub struct UnreadableCellView {
    /// The sheet, e.g. 自评表.
    pub sheet: String,
    /// The cell's address, e.g. `D6`.
    pub cell: String,
    /// What is wrong, as a stable code: `not_a_number`, `not_an_amount`, `not_points`,
    /// `text_unstorable`, `required`, `target_without_value`, `actual_missing`, `not_a_grade`,
    /// `not_a_level1`, `other_unit`, `unit_code_missing`, `no_unit_code_label`, `other_year`;
    /// `project_table` (a project table sent as the departmental one); of a project table,
    /// also `other_project`, `project_code_missing`, `not_an_amount_unit`.
    pub code: &'static str,
    /// What is wrong, in the language of the request (Chinese unless `Accept-Language` asks
    /// for English).
    pub reason: String,
}

/// The cells a reading could not read and the findings with their cells, as answered.
pub fn reading_outcome(outcome: FormOutcome) -> (Vec<UnreadableCellView>, Vec<FindingInTable>) {
    (
        outcome
            .unreadable
            .iter()
            .map(UnreadableCellView::from)
            .collect(),
        outcome
            .findings
            .into_iter()
            .map(|(finding, cell)| FindingInTable { finding, cell })
            .collect(),
    )
}

impl From<&UnreadableCell> for UnreadableCellView {
    fn from(cell: &UnreadableCell) -> Self {
        Self {
            sheet: cell.sheet.clone(),
            cell: cell.cell.clone(),
            code: cell.fault.code(),
            reason: super::messages::cell_fault(&cell.fault, super::language::current()),
        }
    }
}

/// Reads a filled-in self-evaluation table (the workbook of `form.xlsx`, sheet 自评表) into
/// the evaluation: its budget rows, overall goal, indicators with their results and the stated
/// scores replace those of the report; every other part stays. Cells holding formulas are
/// not read. A cell that cannot be read — text where a number belongs, an unknown 一级指标, a
/// required cell left empty in a filled row, another unit's code or another year — is
/// answered with its sheet and address; then nothing is stored (422, `errors[].path` is
/// `自评表!D6`), unless `partial=true`, which stores the rest and lists those cells in
/// `unreadable` (their fields keep their stored values). The table `form.xlsx` answers,
/// posted back unchanged, changes nothing (200, the same version). Creates the evaluation as
/// a draft when there is none.
///
/// The workbook comes as the body (the XLSX type or `application/octet-stream`), or as a
/// browser's file input sends it: `multipart/form-data` with one file (the part naming a
/// `filename`, else the field `file`; at most 8 parts, part headers of at most 4 KiB; 400
/// `invalid_multipart` otherwise). A legacy .xls or .et (OLE2), an .ods or a CSV is
/// recognised by its bytes and answered 415 `save_as_xlsx`: save it as .xlsx (另存为 .xlsx).
///
/// The caller's right, the department and whether the evaluation takes an edit (and
/// `If-Match`) are checked before the workbook is read, or looked for in a multipart body. The workbook is read within bounds,
/// each refused with 413 `workbook_too_large` whose `detail` names it: at most 1,000 zip
/// entries and 1,000 sheets; the sheet's XML at most 16 MiB inflated, the shared strings'
/// 16 MiB, the workbook's and its relationships' 1 MiB each (whatever the file declares);
/// at most 100,000 rows and 1,000,000 cells in the sheet; texts of at most 32,767
/// characters; at most 100,000 shared strings holding 8 MiB of text (the counts the file
/// declares are not read); formulas of at most 32,768 bytes (a formula is never evaluated or
/// expanded); at most 2 MiB of text in the cells the table reads (A1:Z5000; cells beyond
/// are not read), a shared string counted for each cell naming it; and 3 s of reading.
/// Roles: admin; unit (its own department and subordinate units). Only drafts and returned evaluations change (409 otherwise).
#[utoipa::path(tag = "evaluations", params(
    EvaluationKey,
    IfMatch,
    FormQuery,
), request_body(description = "The workbook (.xlsx): the file as the body, as the XLSX type or `application/octet-stream`; or `multipart/form-data` as a browser's file input sends it, the file in the field `file`",
    content(
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Vec<u8> = "application/octet-stream"),
        (FormUpload = "multipart/form-data"),
    )), responses(
    (status = 200, description = "Read and stored (or unchanged)", body = FormReadingView, headers(("ETag" = String, description = "The new version, quoted"))),
    (status = 201, description = "Read and stored as a new draft", body = FormReadingView, headers(("ETag" = String, description = "The new version, quoted"), ("Location" = String, description = "The evaluation"))),
    (status = 413, description = "Body over the size limit, a workbook past one of the reader's bounds (`workbook_too_large`, the bound named in `detail`), or a report that would be stored larger than the body limit as JSON (`document_too_large`)", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "Invalid parameters, or a multipart body with no one file (`invalid_multipart`: two files, more than 8 parts, part headers over 4 KiB, malformed)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "A body of another type (`unsupported_media_type`), or a file recognised by its bytes as a legacy .xls/.et, an .ods or a CSV (`save_as_xlsx`: `detail` says to save it as .xlsx, 另存为 .xlsx)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a self-evaluation table, or cells that cannot be read (each named by sheet and address), or a table that changes what was approved of an indicator (target, unit of measure, weight, group …: named at its field of the report, e.g. `goals.indicators[1].unit`); nothing stored", body = Problem, content_type = "application/problem+json"),
    EvaluationEdit,
))]
#[post("/departments/{code}/evaluations/{year}/form")]
pub async fn read_form(
    caller: Caller,
    store: web::Data<Store>,
    trail: Trail,
    key: EvaluationKey,
    if_match: IfMatch,
    query: web::Query<FormQuery>,
    body: WorkbookBody,
) -> Result<HttpResponse, ApiError> {
    let partial = query.partial.unwrap_or(false);
    // Dropped with this future, which actix drops when the client goes: the reading stops.
    let (gone, _raise_when_dropped) = ClientGone::watch();
    let saved = super::request_id::block(move || {
        app::forms::read_form(
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
    let summary = &saved.evaluation.summary;
    let (unreadable, findings) = reading_outcome(saved.outcome);
    Ok(answer(
        saved.change,
        summary,
        FormReadingView {
            meta: summary.into(),
            report: saved.evaluation.report.clone(),
            unreadable,
            findings,
        },
    ))
}

/// Whether the client asks for a page: a browser's `Accept` names `text/html`.
pub fn accepts_html(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    names_html(ctx.head().headers())
}

/// Whether `Accept` among `headers` names `text/html`.
pub(super) fn names_html(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// `/public/evaluations` as a page: the published reports, each linked to its page. Served
/// beside the JSON operation for clients that accept `text/html`.
pub async fn published_index(
    req: HttpRequest,
    store: web::Data<Store>,
    query: web::Query<PublicQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let window = window(query.limit, query.offset)?;
    let (page, modified) = super::request_id::block(move || {
        app::public::index_page(&store, query.year, query.department, window)
    })
    .await??;
    Ok(cacheable(
        &req,
        digest_tag(page.as_bytes()),
        modified,
        |mut ok| page_answer(&mut ok, page),
    ))
}

/// `/public/departments/{code}/evaluations/{year}` as a page: the published report as a
/// document. What is not published is not found. Served beside the JSON operation for
/// clients that accept `text/html`.
pub async fn published_page(
    req: HttpRequest,
    store: web::Data<Store>,
    key: EvaluationKey,
) -> Result<HttpResponse, ApiError> {
    let (summary, page) =
        super::request_id::block(move || app::public::page(&store, &key.code, key.year)).await??;
    // The page is another representation of the same version: its validator says so.
    let tag = format!("\"{}-html\"", summary.version);
    let modified = Some(summary.updated_at);
    Ok(cacheable(&req, tag, modified, |mut ok| {
        page_answer(&mut ok, page)
    }))
}

/// A page of the service, with its own policy: its inline stylesheet and nothing else.
pub(super) fn page_answer(answer: &mut HttpResponseBuilder, page: String) -> HttpResponse {
    answer
        .content_type(HTML)
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .body(page)
}

/// The public operations that also answer a page (`Accept: text/html`): their paths.
pub const PAGES: [&str; 5] = [
    "/api/v1/public/evaluations",
    "/api/v1/public/departments/{code}/evaluations/{year}",
    "/api/v1/public/departments/{code}/evaluations/{year}/projects/{project}",
    "/api/v1/public/departments/{code}/evaluations/{year}/projects",
    "/api/v1/public/years/{year}/projects",
];

/// Adds `text/html` to the 200 answer of the operations in [`PAGES`]: the pages are served by
/// routes guarded on `Accept` beside those operations, so the operations document them.
pub fn document_pages(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::content::ContentBuilder;
    use utoipa::openapi::{ObjectBuilder, RefOr, Type};
    for path in PAGES {
        let Some(item) = document.paths.paths.get_mut(path) else {
            continue;
        };
        let Some(operation) = item.get.as_mut() else {
            continue;
        };
        if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
            ok.content.insert(
                "text/html".to_owned(),
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build(),
            );
        }
    }
}
