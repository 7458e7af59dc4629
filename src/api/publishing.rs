//! The report as people read it: `…/report` as an HTML or Markdown document.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::access::require_read;
use super::error::ApiError;
use super::extract::{EvaluationKey, etag};
use crate::domain::access::Caller;
use crate::domain::presentation::narrative::{self, DocumentFormat, Unit};
use crate::domain::values::{FiscalYear, UnitCode};
use crate::store::Store;
use crate::store::evaluations::EvaluationRecord;

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

/// Renders a stored evaluation off the HTTP workers and answers the document.
pub async fn document(
    store: web::Data<Store>,
    record: EvaluationRecord,
    format: DocumentFormat,
) -> Result<HttpResponse, ApiError> {
    let version = record.summary.version;
    let text = web::block(move || {
        let code = record.summary.department_code.clone();
        let year = record.summary.year;
        let department = store.department(&code)?;
        let settings = store.year_settings(year)?;
        let scorecard = record.report.scorecard(&settings.weights);
        narrative::render(
            format,
            Unit {
                code: code.as_str(),
                name: department.department.name.as_str(),
            },
            i32::from(year),
            &record.report,
            &scorecard,
        )
        .map_err(|e| ApiError::Internal(format!("the report could not be rendered: {e}")))
    })
    .await??;
    let mut response = HttpResponse::Ok();
    response.insert_header(etag(version));
    Ok(match format {
        DocumentFormat::Html => response
            .content_type(HTML)
            .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
            .body(text),
        DocumentFormat::Markdown => response.content_type(MARKDOWN).body(text),
    })
}

/// The self-evaluation as a document in the six-part outline of the reports (一 … 六):
/// staffing, the budget with its execution and adjustment rates computed, the indicator table
/// (target, actual, attainment, score), problems with the measures that answer them,
/// publication. HTML is a print-ready A4 page with its own stylesheet and nothing loaded from
/// elsewhere; Markdown is for editing. Every text is carried as the unit wrote it.
/// Roles: admin, reviewer, analyst; unit (its own department and subordinate units).
#[utoipa::path(tag = "evaluations", params(
    ("code" = UnitCode, Path, description = "单位代码"),
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
    DocumentQuery,
), responses(
    (status = 200, description = "The report as a document", headers(("ETag" = String, description = "The version, quoted")),
        content((String = "text/html"), (String = "text/markdown"))),
    (status = 400, description = "Invalid query", body = super::error::Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = super::error::Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such department or evaluation", body = super::error::Problem, content_type = "application/problem+json"),
))]
#[get("/departments/{code}/evaluations/{year}/report")]
pub async fn report(
    req: HttpRequest,
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, query.format);
    require_read(&store, &caller, &key.code).await?;
    let record = web::block({
        let store = store.clone();
        move || store.evaluation(&key.code, key.year)
    })
    .await??;
    document(store, record, format).await
}
