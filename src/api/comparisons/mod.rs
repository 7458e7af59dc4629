//! `/comparisons` — units side by side, year over year, against their approved budgets and
//! their goals; every table also as CSV and XLSX. One file per table; what they share is here.
//! The tables of one year (units, deviation, grades) are read from the year's table computed
//! once per generation of its data and kept by the comparison read model
//! (`app::comparisons::year_table`), with an ETag from that generation.

pub mod departments;
pub mod deviations;
pub mod grades;
pub mod trends;
pub mod unmet;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use actix_web::http::header;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ApiError;
use super::export::{Cell, Column, Format, Rendered, off_the_workers_with};
use crate::app;
use crate::app::Store;
use crate::app::comparisons::{Asked, CachedTable, ReadModel, Stamp, UnitFilter};
use crate::domain::figures::Percent;
use crate::domain::values::FiscalYear;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// Headings that more than one table has: English, Chinese.
type Heading = (&'static str, &'static str);

const DEPARTMENT_CODE: Heading = ("Unit code", "单位代码");
const DEPARTMENT_NAME: Heading = ("Unit", "单位名称");
const TOTAL_INITIAL: Heading = ("Total, initial (10k CNY)", "合计年初预算（万元）");
const TOTAL_ADJUSTED: Heading = ("Total, adjusted (10k CNY)", "合计调整预算（万元）");
const TOTAL_EXECUTED: Heading = ("Total, executed (10k CNY)", "合计执行数（万元）");
const EXECUTION_RATE: Heading = ("Execution rate (%)", "预算执行率（%）");
const ADJUSTMENT_RATE: Heading = ("Adjustment rate (%)", "预算调整率（%）");
const THREE_PUBLIC_ACTUAL: Heading = (
    "Three public, actual (10k CNY)",
    "“三公”经费实际支出（万元）",
);
const THREE_PUBLIC_CHANGE_RATE: Heading = ("Three public, change (%)", "“三公”经费变动率（%）");
const STAFFING_CONTROL_RATE: Heading = ("Staffing control rate (%)", "在职人员控制率（%）");
const GRADE: Heading = ("Grade", "等级");
const INDICATORS_MET_SHARE: Heading = ("Indicators met (%)", "指标完成率（%）");
const FINDINGS_COUNT: Heading = ("Findings", "审核发现问题数");
const PROBLEMS_COUNT: Heading = ("Problems stated", "存在问题数");
const UNITS: Heading = ("Units", "单位数");

/// A column with these headings, read by `cell`.
const fn column<R>((en, zh): Heading, cell: fn(&R) -> super::export::Cell<'_>) -> Column<R> {
    Column { en, zh, cell }
}

fn rate(rate: Option<Percent>) -> Cell<'static> {
    Cell::Decimal(rate.map(Percent::value))
}

/// An answer read from `year`'s table for `filter` (rolled up or not), as [`of_year`]
/// answers: the table may be newer than the stamp this request read (a rebuild that began
/// after it read it), and the answer then carries the table's own ETag.
async fn from_year_table(
    store: web::Data<Store>,
    req: &HttpRequest,
    year: FiscalYear,
    format: Format,
    (filter, rollup): (UnitFilter, bool),
    render: impl FnOnce(Arc<CachedTable>) -> Result<Rendered, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let model = read_model(req)?;
    let scope = filter.within.clone();
    let reader = store.clone();
    of_year(store, req, (year, format), &scope, move |asked| {
        let table = app::comparisons::year_table(&reader, &model, year, (&filter, rollup), asked)?;
        let stamp = table.stamp;
        Ok((render(table)?, stamp))
    })
    .await
}

/// The comparison read model the application was started with.
pub(super) fn read_model(req: &HttpRequest) -> Result<web::Data<ReadModel>, ApiError> {
    req.app_data::<web::Data<ReadModel>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("the comparison read model is not registered"))
}

/// An answer that depends on `year`'s data and on what the caller sees (`scope`, hashed into
/// the ETag), as every table of a year is answered: 304 when the client holds it already;
/// else the JSON answer written for the same ETag before, if any; else what `render` makes of
/// the data as of the stamp the request read, off the HTTP workers, with the ETag of the
/// stamp `render` answers it was made at.
pub(crate) async fn of_year(
    store: web::Data<Store>,
    req: &HttpRequest,
    (year, format): (FiscalYear, Format),
    scope: &impl Hash,
    render: impl FnOnce(Asked) -> Result<(Rendered, Stamp), ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let model = read_model(req)?;
    let fresh = freshness(&store, &model, req, year, format, scope).await?;
    let asked_etag = fresh.etag(fresh.asked.stamp);
    if super::public::if_none_match(req, &asked_etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, asked_etag))
            .finish());
    }
    let json = format == Format::Json;
    if let Some(body) = model.written(&asked_etag).filter(|_| json) {
        return Ok(HttpResponse::Ok()
            .content_type(ContentType::json())
            .insert_header((header::ETAG, asked_etag))
            .body(body));
    }
    let (answered, etag) = off_the_workers_with(move || {
        let (rendered, stamp) = render(fresh.asked)?;
        let etag = fresh.etag(stamp);
        if let (true, Rendered::Json(body)) = (json, &rendered) {
            model.keep_written(etag.clone(), body.clone());
        }
        Ok((rendered, etag))
    })
    .await?;
    let mut answer = answered;
    if let Ok(value) = header::HeaderValue::from_str(&etag) {
        answer.headers_mut().insert(header::ETAG, value);
    }
    Ok(answer)
}

/// A table of one year as of the year's data when the request came: the stamp it read, and
/// the digest of everything else the answer depends on.
struct Fresh {
    year: FiscalYear,
    asked: Asked,
    digest: u64,
}

impl Fresh {
    /// The ETag of the answer from the year's table at `stamp`.
    fn etag(&self, stamp: Stamp) -> String {
        format!(
            "\"{}-{}-{:016x}\"",
            self.year.value(),
            stamp.text(),
            self.digest
        )
    }
}

/// Reads the year's stamp (as read a moment ago, else from the database off the HTTP workers)
/// and the digest of what else the answer's ETag names: the path and query, the format the
/// request negotiated, and whose subtree the caller sees (`scope`).
async fn freshness(
    store: &web::Data<Store>,
    model: &web::Data<ReadModel>,
    req: &HttpRequest,
    year: FiscalYear,
    format: Format,
    scope: &impl Hash,
) -> Result<Fresh, ApiError> {
    let asked = match app::comparisons::recent_stamp(store, model, year) {
        Some(asked) => asked,
        None => {
            let (store, model) = (store.clone(), model.clone());
            crate::api::request_id::block(move || app::comparisons::stamp(&store, &model, year))
                .await??
        }
    };
    let mut digest = std::hash::DefaultHasher::new();
    req.path().hash(&mut digest);
    req.query_string().hash(&mut digest);
    format.hash(&mut digest);
    scope.hash(&mut digest);
    Ok(Fresh {
        year,
        asked,
        digest: digest.finish(),
    })
}
