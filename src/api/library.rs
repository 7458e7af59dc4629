//! `/years/{year}/library` — the year's indicator library (指标库): read, exported and
//! imported as CSV, removed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::export::{
    CSV, Cell, Column, Format, Lang, XLSX, answer, json_text, negotiate, off_the_workers,
};
use super::extract::{CsvOrFile, path_parameter};
use super::publishing::FormUpload;
use super::responses::{InvalidQuery, Unauthenticated};
use crate::app;
use crate::app::Store;
use crate::app::audit::Trail;
use crate::app::evaluations::EvaluationKey;
use crate::app::forms::ClientGone;
use crate::app::library::{ImportRefusal, LibraryUpload, LibraryView};
use crate::domain::access::Caller;
use crate::domain::department::UnitKind;
use crate::domain::library::{
    IndicatorCode, MatchedBy, Peer, PeerKind, PeerTable, Suggestions, TargetsFor,
};
use crate::domain::project::ProjectCode;
use crate::domain::values::FiscalYear;
use crate::domain::{FieldError, Invalid};

/// The year's indicator library: its own where the bureau imported one, else the common
/// indicators the service ships (财预〔2013〕53号; docs/library.md). Roles: any authenticated
/// caller.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"), SectorQuery), responses(
    (status = 200, description = "The library", body = LibraryView),
    InvalidQuery,
    Unauthenticated,
))]
#[get("/years/{year}/library")]
pub async fn read(
    _caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<SectorQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let sector = sector(query.into_inner().sector)?;
    let view =
        super::request_id::block(move || app::library::read(&store, year, sector.as_deref()))
            .await??;
    Ok(HttpResponse::Ok().json(view))
}

/// How the library is exported.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (the default) or `xlsx`: a workbook whose sheet 指标库 has the same columns.
    #[param(inline)]
    pub format: Option<LibraryFormat>,
    /// 行业: only this sector's indicators (`common` for the common ones; 1–100 characters).
    #[param(min_length = 1, max_length = 100)]
    pub sector: Option<String>,
}

/// Which sector (行业) of the library.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SectorQuery {
    /// 行业: only this sector's indicators (`common` for the common ones; 1–100 characters).
    #[param(min_length = 1, max_length = 100)]
    pub sector: Option<String>,
}

/// The longest sector named (characters), as long as the library's.
const MAX_SECTOR_CHARS: usize = 100;

/// The sector a query names, checked.
fn sector(named: Option<String>) -> Result<Option<String>, ApiError> {
    match named {
        Some(sector) if sector.is_empty() || sector.chars().count() > MAX_SECTOR_CHARS => {
            Err(ApiError::InvalidParameters(vec![FieldError::new(
                "sector",
                Invalid::Length {
                    min: 1,
                    max: MAX_SECTOR_CHARS,
                },
            )]))
        }
        named => Ok(named),
    }
}

/// A file format of the library.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LibraryFormat {
    Csv,
    Xlsx,
}

/// The year's indicator library as CSV (UTF-8), or with `?format=xlsx` as a workbook (the
/// sheet 指标库), in the columns an import reads, so that what is exported imports again
/// unchanged. Roles: any authenticated caller.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"), ExportQuery), responses(
    (status = 200, description = "The library as CSV, or as a workbook", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    InvalidQuery,
    Unauthenticated,
))]
#[get("/years/{year}/library/export")]
pub async fn export(
    _caller: Caller,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let query = query.into_inner();
    let format = query.format.unwrap_or(LibraryFormat::Csv);
    let sector = sector(query.sector)?;
    let (content_type, extension, bytes) = super::request_id::block(move || {
        let sector = sector.as_deref();
        Ok::<_, app::AppError>(match format {
            LibraryFormat::Csv => (
                CSV,
                "csv",
                app::library::export(&store, year, sector)?.into_bytes(),
            ),
            LibraryFormat::Xlsx => (
                XLSX,
                "xlsx",
                app::library::export_workbook(&store, year, sector)?,
            ),
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"indicator-library-{year}.{extension}\""),
        ))
        .body(bytes))
}

/// Imports a library as the year's, in place of the one it had, and rescores the year's
/// reports by it: CSV (at most 512 KiB) or a workbook (.xlsx, the sheet 指标库), at most 1,000
/// indicators in the columns of the export. A file (`application/octet-stream`, the XLSX type,
/// or the field `file` of `multipart/form-data`) is told by its bytes: a zip is a workbook,
/// text is CSV. With `sector`, the upload is that sector's library (行业指标库): it takes the
/// place of the sector's indicators only, beside the common ones and the other sectors (every
/// indicator of it must be of the sector; a code or name used by an indicator kept is an
/// error). The caller's right is checked before the body is looked at; a workbook is
/// read within the bounds of the self-evaluation table's upload (413 `workbook_too_large`
/// naming the bound; 415 `save_as_xlsx` for .xls/.et/.ods; 3 s of reading). A library with
/// any error stores nothing, and every error is answered with its line (a sheet's row) and
/// column. Roles: admin, reviewer.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"), SectorQuery),
    request_body(description = "The library: CSV text (UTF-8, `text/csv`); or a file, CSV or .xlsx, as the body (`application/octet-stream`, the XLSX type) or as the field `file` of `multipart/form-data`", content(
        (String = "text/csv"),
        (Vec<u8> = "application/octet-stream"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (FormUpload = "multipart/form-data"),
    )),
    responses(
    (status = 200, description = "The library as stored", body = LibraryView),
    (status = 400, description = "A multipart body with no one file (`invalid_multipart`)", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither an admin nor a reviewer", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Body over the size limit, or a workbook past one of the reader's bounds (`workbook_too_large`, the bound named in `detail`)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "A body of another type (`unsupported_media_type`), or a legacy .xls/.et or an .ods (`save_as_xlsx`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Lines, rows or cells that do not read, each named (`errors[].path`: `line N, column`), or a workbook without the sheet 指标库", body = Problem, content_type = "application/problem+json"),
))]
#[put("/years/{year}/library")]
pub async fn import(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<SectorQuery>,
    body: CsvOrFile,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let sector = sector(query.into_inner().sector)?;
    // Dropped with this future, which actix drops when the client goes: the reading stops.
    let (gone, _raise_when_dropped) = ClientGone::watch();
    let view = super::request_id::block(move || {
        let upload = match &body {
            CsvOrFile::Csv(text) => LibraryUpload::Csv(text),
            CsvOrFile::File(file) => LibraryUpload::File(file.upload()),
        };
        app::library::import(
            &store,
            &trail,
            &caller,
            year,
            upload,
            sector.as_deref(),
            &gone,
        )
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
                FieldError::new(at, error.invalid)
            })
            .collect(),
    }
}

/// Removes the year's own library: the year reads the common one again; with `sector`, only
/// that sector's indicators go. The year's reports are rescored. Roles: admin, reviewer.
#[utoipa::path(tag = "library", params(("year" = FiscalYear, Path, description = "Fiscal year, 2000–2100"), SectorQuery), responses(
    (status = 204, description = "Removed"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither an admin nor a reviewer", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "The year has no library of its own, or no indicator of the sector", body = Problem, content_type = "application/problem+json"),
    InvalidQuery,
))]
#[delete("/years/{year}/library")]
pub async fn remove(
    caller: Caller,
    trail: Trail,
    store: web::Data<Store>,
    req: HttpRequest,
    query: web::Query<SectorQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = path_parameter::<FiscalYear>(&req, "year")?;
    let sector = sector(query.into_inner().sector)?;
    super::request_id::block(move || {
        app::library::remove(&store, &trail, &caller, year, sector.as_deref())
    })
    .await??;
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

/// What target suggestions are for.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestionsQuery {
    /// The project whose targets are set: its table of the year before gives the unit's own
    /// figures, and without `project_kind` its table's `kind` (this year's, else the year
    /// before's) is the kind. With it or `project_kind`, a project's targets; with neither,
    /// the departmental report's.
    pub project: Option<ProjectCode>,
    /// The project's kind as the library names project kinds (1–100 characters): only
    /// indicators of that kind, or of every kind, are suggested, and the like units' median
    /// is over their project tables of that kind.
    #[param(min_length = 1, max_length = 100)]
    pub project_kind: Option<String>,
}

/// The longest project kind asked for (characters), as long as the library's kinds.
const MAX_PROJECT_KIND_CHARS: usize = 100;

/// 目标建议: when a unit sets the targets of `year` — of its departmental report, or of a
/// project (named by `project`, or by its `project_kind`) — the year's library indicators that apply to
/// its unit kind (and the project's kind), each with the unit's own actual of the year before
/// (`last_year`; for a project, that project's, where `project` is named) and the median of
/// the other units of the same kind (`like_units`; for a project of a known kind, over their
/// project tables of that kind). A median is of the other like units
/// only, and is given only when at least `min_units_for_median` (5) of them state a figure,
/// so that it never gives one unit's figure away. Roles: admin, reviewer, analyst; unit (its
/// own department and subordinate units).
#[utoipa::path(tag = "library", params(EvaluationKey, SuggestionsQuery), responses(
    (status = 200, description = "The suggested indicators", body = Suggestions),
    (status = 404, description = "No such department, or not one the caller may read", body = Problem, content_type = "application/problem+json"),
    InvalidQuery,
    Unauthenticated,
))]
#[get("/departments/{code}/evaluations/{year}/target-suggestions")]
pub async fn suggestions(
    caller: Caller,
    store: web::Data<Store>,
    key: EvaluationKey,
    query: web::Query<SuggestionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let of = match (&query.project, &query.project_kind) {
        (None, None) => TargetsFor::Departmental,
        (_, Some(kind)) if kind.is_empty() || kind.chars().count() > MAX_PROJECT_KIND_CHARS => {
            return Err(ApiError::InvalidParameters(vec![FieldError::new(
                "project_kind",
                Invalid::Length {
                    min: 1,
                    max: MAX_PROJECT_KIND_CHARS,
                },
            )]));
        }
        (_, kind) => TargetsFor::Project { kind: kind.clone() },
    };
    let suggestions = super::request_id::block(move || {
        app::library::suggest(
            &store,
            &caller,
            &key.code,
            key.year,
            &of,
            query.project.as_ref(),
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(suggestions))
}
