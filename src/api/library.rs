//! `/years/{year}/library` — the year's indicator library (指标库): read, exported and
//! imported as CSV, removed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};

use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::export::{
    CSV, Cell, Column, Format, Lang, answer, json_text, negotiate, off_the_workers,
};
use super::extract::{CsvBody, path_parameter};
use super::responses::{InvalidQuery, Unauthenticated};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::library::{ImportRefusal, LibraryView};
use crate::domain::FieldError;
use crate::domain::access::Caller;
use crate::domain::department::UnitKind;
use crate::domain::library::{IndicatorCode, MatchedBy, Peer, PeerKind, PeerTable};
use crate::domain::values::FiscalYear;

/// The year's indicator library: its own where the bureau imported one, else the common
/// indicators the service ships (财预〔2013〕53号; docs/library.md). Roles: any authenticated
/// caller.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")), responses(
    (status = 200, description = "The library", body = LibraryView),
    Unauthenticated,
))]
#[get("/years/{year}/library")]
pub async fn read(
    _caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let view = super::request_id::block(move || app::library::read(&store, year)).await??;
    Ok(HttpResponse::Ok().json(view))
}

/// The year's indicator library as CSV (UTF-8), in the columns an import reads, so that what
/// is exported imports again unchanged. Roles: any authenticated caller.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")), responses(
    (status = 200, description = "The library as CSV", body = String, content_type = "text/csv"),
    Unauthenticated,
))]
#[get("/years/{year}/library/export")]
pub async fn export(
    _caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let text = super::request_id::block(move || app::library::export(&store, year)).await??;
    Ok(HttpResponse::Ok()
        .content_type(CSV)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"indicator-library-{year}.csv\""),
        ))
        .body(text))
}

/// Imports a CSV library (at most 512 KiB and 1,000 indicators; the columns of the export) as
/// the year's, in place of the one it had. A text with any error stores nothing, and every
/// error is answered with its line and column. Roles: admin, reviewer.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")),
    request_body(description = "The library as CSV (UTF-8), as text (`text/csv`) or as a file's bytes (`application/octet-stream`)", content(
        (String = "text/csv"),
        (String = "application/octet-stream"),
    )),
    responses(
    (status = 200, description = "The library as stored", body = LibraryView),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither an admin nor a reviewer", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Lines or cells that do not read, each named (`errors[].path`: `line N, column`)", body = Problem, content_type = "application/problem+json"),
))]
#[put("/years/{year}/library")]
pub async fn import(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let view = super::request_id::block(move || {
        app::library::import(&store, &trail, &caller, year, body.bytes())
    })
    .await??
    .map_err(refused)?;
    Ok(HttpResponse::Ok().json(view))
}

fn refused(refusal: ImportRefusal) -> ApiError {
    ApiError::InvalidBody {
        what: "indicator library",
        errors: refusal
            .0
            .into_iter()
            .map(|error| {
                let at = match &error.column {
                    Some(column) => format!("line {}, {column}", error.line),
                    None => format!("line {}", error.line),
                };
                FieldError::new(at, error.message)
            })
            .collect(),
    }
}

/// Removes the year's own library: the year reads the common one again. Roles: admin,
/// reviewer.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100")), responses(
    (status = 204, description = "Removed"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither an admin nor a reviewer", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "The year has no library of its own", body = Problem, content_type = "application/problem+json"),
))]
#[delete("/years/{year}/library")]
pub async fn remove(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    super::request_id::block(move || app::library::remove(&store, &trail, &caller, year)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// What the like-for-like table of an indicator takes.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeersQuery {
    /// Only units of this kind (and their projects).
    pub kind: Option<UnitKind>,
    pub format: Option<Format>,
    pub lang: Option<Lang>,
}

fn text(value: &str) -> Cell<'_> {
    Cell::Text(Some(value))
}

fn peer_columns() -> Vec<Column<Peer>> {
    let column = |en, zh, cell| Column { en, zh, cell };
    vec![
        column("Rank", "排名", |p: &Peer| {
            Cell::Integer(p.rank.and_then(|r| i64::try_from(r).ok()))
        }),
        column("Report", "报告类别", |p: &Peer| {
            text(match p.kind {
                PeerKind::Unit => "unit",
                PeerKind::Project => "project",
            })
        }),
        column("Unit code", "单位代码", |p: &Peer| {
            text(&p.department_code)
        }),
        column("Unit", "单位名称", |p: &Peer| text(&p.department_name)),
        column("Unit kind", "单位类型", |p: &Peer| text(&p.unit_kind)),
        column("Project code", "项目代码", |p: &Peer| {
            Cell::Text(p.project_code.as_deref())
        }),
        column("Indicator as written", "填报指标名称", |p: &Peer| {
            text(&p.indicator_name)
        }),
        column("Matched by", "识别方式", |p: &Peer| {
            text(match p.matched_by {
                MatchedBy::Code => "code",
                MatchedBy::Name => "name",
                MatchedBy::Alias => "alias",
            })
        }),
        column("Target", "指标值", |p: &Peer| text(&p.target)),
        column("Actual", "实际完成值", |p: &Peer| {
            Cell::Text(p.actual.as_deref())
        }),
        column("Actual figure", "实际完成数值", |p: &Peer| {
            Cell::Decimal(p.actual_value)
        }),
        column("Met", "是否完成", |p: &Peer| {
            Cell::Text(p.met.map(|met| if met { "yes" } else { "no" }))
        }),
        column("Attainment (%)", "完成率（%）", |p: &Peer| {
            Cell::Decimal(p.attainment.map(|a| a.value()))
        }),
        column("Weight", "分值", |p: &Peer| {
            Cell::Text(p.weight.as_deref())
        }),
        column("Score", "得分", |p: &Peer| {
            Cell::Decimal(p.score.map(|s| s.value()))
        }),
        column("Outlier", "异常值", |p: &Peer| {
            text(if p.outlier { "yes" } else { "no" })
        }),
    ]
}

/// 同类比较: one library indicator of the year across every unit and project the caller sees
/// (a unit: its own and its subordinate units'), filtered by unit kind — each one's target,
/// actual, attainment and score, ranked by the actual in the indicator's direction, with the
/// median, quartiles and outliers of the actuals. The indicator is found in each report by
/// the library code it names, or by its standard name or an alias. Also as CSV or XLSX (the
/// rows). Roles: any authenticated caller.
#[utoipa::path(tag = "library", params(
    ("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"),
    ("code" = IndicatorCode, Path, description = "The indicator's code in the year's library"),
    PeersQuery), responses(
    (status = 200, description = "The indicator side by side", body = PeerTable),
    (status = 404, description = "No such indicator in the year's library", body = Problem, content_type = "application/problem+json"),
    Unauthenticated, InvalidQuery,
))]
#[get("/years/{year}/indicators/{code}")]
pub async fn peers(
    caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<PeersQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let code = path_parameter::<IndicatorCode>(&req, "code")?;
    let query = query.into_inner();
    let format = negotiate(&req, query.format);
    off_the_workers(move || {
        let table = app::library::peers(&store, &caller, year, &code, query.kind)?;
        let PeerTable {
            indicator,
            peers,
            spread,
        } = table;
        answer(
            format,
            query.lang.unwrap_or_default(),
            ("indicator-peers", "同类指标比较"),
            peer_columns(),
            peers,
            move |peers| {
                json_text(&PeerTable {
                    indicator,
                    peers: peers.clone(),
                    spread,
                })
            },
        )
    })
    .await
}
