//! Tables as JSON, CSV (UTF-8 with a BOM, so that Excel shows Chinese) or XLSX, chosen by
//! `?format=` or `Accept`. Each column is one typed accessor of a row, which CSV and XLSX (and
//! the units table's JSON) read, so the three always say the same.

use actix_web::http::header::{self, ContentType};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ApiError;
use crate::domain::presentation::csv::{self, Field};

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// How many rows go into one chunk of a streamed CSV answer.
const CSV_ROWS_PER_CHUNK: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

/// The language of the column headings of CSV and XLSX.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// The format asked for: `?format=` wins, else `Accept`, else JSON.
pub fn negotiate(req: &HttpRequest, format: Option<Format>) -> Format {
    if let Some(format) = format {
        return format;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if accept.contains("text/csv") {
        Format::Csv
    } else if accept.contains(XLSX) {
        Format::Xlsx
    } else {
        Format::Json
    }
}

/// The typed value of one cell, read from a row by its column's accessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Text(Option<&'a str>),
    /// An exact decimal (amount, rate, points): a decimal string in JSON and CSV, a number in
    /// XLSX.
    Decimal(Option<Decimal>),
    Integer(Option<i64>),
    /// Items written joined by ", ".
    List(Vec<String>),
}

impl Cell<'_> {
    /// The text of the cell, as CSV writes it.
    fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.unwrap_or_default().to_owned(),
            Cell::Decimal(number) => number.map(decimal_text).unwrap_or_default(),
            Cell::Integer(number) => number.map(|n| n.to_string()).unwrap_or_default(),
            Cell::List(items) => items.join(", "),
        }
    }

    /// Orders two cells of one column, the empty ones last whichever way the rest go.
    pub fn compare(&self, other: &Self, descending: bool) -> std::cmp::Ordering {
        use crate::domain::comparison::compare_missing_last;
        match (self, other) {
            (Cell::Text(a), Cell::Text(b)) => compare_missing_last(a, b, descending),
            (Cell::Decimal(a), Cell::Decimal(b)) => compare_missing_last(a, b, descending),
            (Cell::Integer(a), Cell::Integer(b)) => compare_missing_last(a, b, descending),
            _ => std::cmp::Ordering::Equal,
        }
    }
}

/// A decimal as the JSON answers write it: without trailing zeros.
fn decimal_text(number: Decimal) -> String {
    number.normalize().to_string()
}

impl Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(text) => text.serialize(serializer),
            Cell::Decimal(number) => number.map(decimal_text).serialize(serializer),
            Cell::Integer(number) => number.serialize(serializer),
            Cell::List(items) => items.serialize(serializer),
        }
    }
}

/// A column of a table: its headings and the accessor that reads its cell from a row.
pub struct Column<R> {
    pub en: &'static str,
    pub zh: &'static str,
    pub cell: fn(&R) -> Cell<'_>,
}

impl<R> Clone for Column<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Column<R> {}

impl<R> Column<R> {
    fn heading(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// The rows of a table as the exports read them, one at a time by position.
pub trait Rows: Send + 'static {
    type Row;
    /// How many rows.
    fn count(&self) -> usize;
    fn row(&self, at: usize) -> &Self::Row;
}

impl<R: Send + 'static> Rows for Vec<R> {
    type Row = R;

    fn count(&self) -> usize {
        self.len()
    }

    fn row(&self, at: usize) -> &R {
        &self[at]
    }
}

/// A cell as a CSV field: a text or a list is a text, which `csv::line` defuses; a number is
/// written as it is.
fn csv_field(cell: &Cell<'_>) -> Field<'static> {
    match cell {
        Cell::Text(_) | Cell::List(_) => Field::text(cell.text()),
        Cell::Decimal(_) | Cell::Integer(_) => Field::plain(cell.text()),
    }
}

/// The JSON text of an answer, with the newline every JSON answer ends with.
pub fn json_text<T: Serialize>(answer: &T) -> Result<Vec<u8>, ApiError> {
    let mut text = serde_json::to_vec(answer)
        .map_err(|e| ApiError::caused("the answer could not be written", e))?;
    text.push(b'\n');
    Ok(text)
}

/// A table in the asked format, made off the HTTP workers; the CSV text is made as it is sent.
pub enum Rendered {
    Json(actix_web::web::Bytes),
    Csv {
        name: &'static str,
        /// The heading line, then one line per row, each made when it is asked for.
        lines: Box<dyn Iterator<Item = String> + Send>,
    },
    Xlsx {
        name: &'static str,
        workbook: Vec<u8>,
    },
}

/// The table in the asked format; `json` writes the JSON answer.
pub fn answer<S: Rows>(
    format: Format,
    lang: Lang,
    name: &'static str,
    columns: Vec<Column<S::Row>>,
    rows: S,
    json: impl FnOnce(&S) -> Result<Vec<u8>, ApiError>,
) -> Result<Rendered, ApiError>
where
    S::Row: 'static,
{
    Ok(match format {
        Format::Json => Rendered::Json(json(&rows)?.into()),
        Format::Csv => {
            let heading = format!(
                "\u{feff}{}",
                csv::heading(columns.iter().map(|c| c.heading(lang)))
            );
            let body = (0..rows.count()).map(move |at| {
                let row = rows.row(at);
                csv::line(columns.iter().map(|c| csv_field(&(c.cell)(row))))
            });
            Rendered::Csv {
                name,
                lines: Box::new(std::iter::once(heading).chain(body)),
            }
        }
        Format::Xlsx => Rendered::Xlsx {
            name,
            workbook: xlsx(name, &columns, &rows, lang)
                .map_err(|e| ApiError::caused("the workbook could not be written", e))?,
        },
    })
}

/// Runs `work` — reading the figures, computing, rendering — on the bounded blocking pool, so
/// that a heavy table or export never holds an HTTP worker, and answers what it rendered.
pub async fn off_the_workers(
    work: impl FnOnce() -> Result<Rendered, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    Ok(match super::request_id::block(work).await?? {
        Rendered::Json(text) => HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(text),
        Rendered::Csv { name, lines } => HttpResponse::Ok()
            .content_type(CSV)
            .insert_header(attachment(name, "csv"))
            .streaming(csv_stream(lines)),
        Rendered::Xlsx { name, workbook } => HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header(attachment(name, "xlsx"))
            .body(workbook),
    })
}

fn attachment(name: &str, extension: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}.{extension}\""),
    )
}

/// How many chunks of CSV text may wait for a slow client; the writer waits beyond that.
const CSV_CHUNKS_AHEAD: usize = 16;

/// The CSV text, made chunk by chunk on the blocking pool while the chunks before are sent:
/// at most `CSV_CHUNKS_AHEAD` chunks wait in memory. A client that goes away ends the making.
fn csv_stream(
    mut lines: Box<dyn Iterator<Item = String> + Send>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    let (chunks, received) = tokio::sync::mpsc::channel(CSV_CHUNKS_AHEAD);
    let in_flight = crate::metrics::BlockingWork::start();
    actix_web::rt::task::spawn_blocking(move || {
        let _in_flight = in_flight;
        loop {
            let chunk: String = lines.by_ref().take(CSV_ROWS_PER_CHUNK).collect();
            if chunk.is_empty() || chunks.blocking_send(Bytes::from(chunk)).is_err() {
                return;
            }
        }
    });
    stream::unfold(received, |mut received| async move {
        received.recv().await.map(|chunk| (Ok(chunk), received))
    })
}

fn xlsx<S: Rows>(
    name: &str,
    columns: &[Column<S::Row>],
    rows: &S,
    lang: Lang,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    for (c, column) in columns.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, c, column.heading(lang), &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for at in 0..rows.count() {
        let row = rows.row(at);
        let r = u32::try_from(at + 1).unwrap_or(u32::MAX);
        for (c, column) in columns.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            let cell = (column.cell)(row);
            match &cell {
                Cell::Text(None) | Cell::Decimal(None) | Cell::Integer(None) => {}
                Cell::Decimal(Some(number)) => match number.to_f64() {
                    Some(number) => {
                        sheet.write_number(r, c, number)?;
                    }
                    None => {
                        sheet.write_string(r, c, cell.text())?;
                    }
                },
                Cell::Integer(Some(number)) => {
                    // Counts and years stay far below 2^53, where a double is exact.
                    #[expect(clippy::cast_precision_loss, reason = "counts and years are small")]
                    sheet.write_number(r, c, *number as f64)?;
                }
                Cell::Text(Some(_)) | Cell::List(_) => {
                    sheet.write_string(r, c, cell.text())?;
                }
            }
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_cell_that_looks_like_a_formula_is_defused_and_numbers_are_not() {
        let written = |cell: Cell<'_>| csv::line([csv_field(&cell)]);
        assert_eq!(
            written(Cell::Text(Some("=HYPERLINK(\"x\")"))),
            "\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
        assert_eq!(
            written(Cell::List(vec!["@SUM(A1)".to_owned()])),
            "'@SUM(A1)\r\n"
        );
        assert_eq!(
            written(Cell::Decimal(Some(Decimal::new(-35533, 3)))),
            "-35.533\r\n"
        );
        assert_eq!(written(Cell::Text(Some("区教育局"))), "区教育局\r\n");
    }
}
