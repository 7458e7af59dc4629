//! `/comparisons` — units side by side, year over year, against their approved budgets and
//! their goals; every table also as CSV and XLSX. One file per table; what they share is here.
//! The tables of one year (units, deviation, grades) are read from the year's table computed
//! once per generation of its data (`app::comparisons::year_table`), with an ETag from that generation.

pub mod departments;
pub mod deviations;
pub mod grades;
pub mod trends;
pub mod unmet;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use actix_web::http::header;
use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ApiError;
use super::export::{Cell, Column, Format, Rendered, off_the_workers};
use crate::app;
use crate::app::Store;
use crate::app::comparisons::{CachedTable, Stamp, UnitFilter};
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

/// JSON answers already written from the year tables, by ETag. An ETag names the year's data
/// generation and everything else an answer depends on, so the answer kept under it is the one
/// that would be written again: a page asked for again is sent as it was, not written anew.
#[derive(Debug, Default)]
pub struct WrittenAnswers {
    /// The answers, and how many bytes they hold together.
    kept: Mutex<(HashMap<String, Bytes>, usize)>,
}

/// How many bytes of answers are kept; past it, all are dropped and the keeping starts over
/// (answers of an older generation are never asked for again, and go the same way).
const ANSWERS_KEPT_BYTES: usize = 16 << 20;

impl WrittenAnswers {
    fn get(&self, etag: &str) -> Option<Bytes> {
        // A poisoned lock holds only whole answers; taking it over is safe.
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let found = kept.0.get(etag).cloned();
        drop(kept);
        crate::metrics::cache_lookup(crate::metrics::Cache::WrittenAnswers, found.is_some());
        found
    }

    fn keep(&self, etag: String, body: Bytes) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let (answers, bytes) = &mut *kept;
        if *bytes + body.len() > ANSWERS_KEPT_BYTES {
            answers.clear();
            *bytes = 0;
        }
        if body.len() <= ANSWERS_KEPT_BYTES {
            *bytes += body.len();
            answers.insert(etag, body);
        }
    }
}

/// An answer read from `year`'s table for `filter` (rolled up or not): 304 when the client
/// holds this answer already; else the JSON answer written for the same ETag before, if any;
/// else what `render` makes of the table, off the HTTP workers, with the answer's ETag.
async fn from_year_table(
    store: web::Data<Store>,
    req: &HttpRequest,
    year: FiscalYear,
    format: Format,
    (filter, rollup): (UnitFilter, bool),
    render: impl FnOnce(Arc<CachedTable>) -> Result<Rendered, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let scope = filter.within.clone();
    let reader = store.clone();
    of_year(store, req, (year, format), &scope, move |stamp| {
        render(app::comparisons::year_table(
            &reader, year, &filter, rollup, stamp,
        )?)
    })
    .await
}

/// An answer that depends on `year`'s data and on what the caller sees (`scope`, hashed into
/// the ETag), as every table of a year is answered: 304 when the client holds it already;
/// else the JSON answer written for the same ETag before, if any; else what `render` makes of
/// the data as of the year's stamp, off the HTTP workers, with the answer's ETag.
pub(crate) async fn of_year(
    store: web::Data<Store>,
    req: &HttpRequest,
    (year, format): (FiscalYear, Format),
    scope: &impl Hash,
    render: impl FnOnce(Stamp) -> Result<Rendered, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let fresh = freshness(&store, req, year, format, scope).await?;
    if fresh.held {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, fresh.etag))
            .finish());
    }
    let written = req
        .app_data::<web::Data<WrittenAnswers>>()
        .filter(|_| format == Format::Json)
        .cloned();
    if let Some(body) = written.as_ref().and_then(|w| w.get(&fresh.etag)) {
        return Ok(HttpResponse::Ok()
            .content_type(ContentType::json())
            .insert_header((header::ETAG, fresh.etag))
            .body(body));
    }
    let stamp = fresh.stamp;
    let etag = fresh.etag.clone();
    let mut answer = off_the_workers(move || {
        let rendered = render(stamp)?;
        if let (Some(written), Rendered::Json(body)) = (written, &rendered) {
            written.keep(etag, body.clone());
        }
        Ok(rendered)
    })
    .await?;
    if let Ok(value) = header::HeaderValue::from_str(&fresh.etag) {
        answer.headers_mut().insert(header::ETAG, value);
    }
    Ok(answer)
}

/// A table of one year as of the year's current data: its stamp, the ETag of this answer, and
/// whether the client already holds it.
struct Fresh {
    stamp: Stamp,
    etag: String,
    held: bool,
}

/// Reads the year's stamp (as read a moment ago, else from the database off the HTTP workers)
/// and makes the answer's
/// ETag: the stamp, and a digest of everything else the answer depends on — the path and query,
/// the format the request negotiated, and whose subtree the caller sees (`scope`).
async fn freshness(
    store: &web::Data<Store>,
    req: &HttpRequest,
    year: FiscalYear,
    format: Format,
    scope: &impl Hash,
) -> Result<Fresh, ApiError> {
    let stamp = match app::comparisons::recent_stamp(store, year) {
        Some(stamp) => stamp,
        None => {
            let store = store.clone();
            crate::api::request_id::block(move || app::comparisons::stamp(&store, year)).await??
        }
    };
    let mut digest = std::hash::DefaultHasher::new();
    req.path().hash(&mut digest);
    req.query_string().hash(&mut digest);
    format.hash(&mut digest);
    scope.hash(&mut digest);
    let etag = format!(
        "\"{}-{}-{:016x}\"",
        year.value(),
        stamp.text(),
        digest.finish()
    );
    let held = super::public::if_none_match(req, &etag);
    Ok(Fresh { stamp, etag, held })
}
