//! Tables as JSON, CSV (UTF-8 with a BOM, so that Excel shows Chinese) or XLSX, chosen by
//! `?format=` or `Accept`. CSV and XLSX are made from the JSON rows themselves, column by
//! column, so the three always say the same.

use actix_web::http::header::{self, ContentType};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::error::ApiError;

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// How many rows go into one chunk of a streamed CSV answer.
const CSV_ROWS_PER_CHUNK: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
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

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A decimal string in JSON; a number in XLSX.
    Decimal,
    Integer,
    /// A JSON array, written as its items joined by ", ".
    List,
}

/// A column of a table: the JSON field, its headings, what it holds.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub kind: Kind,
}

impl Column {
    fn heading(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// The text of one cell, as CSV writes it.
fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// What a spreadsheet may read as the start of a formula: the formula signs, in their ASCII
/// and full-width forms (some spreadsheets fold the latter), and what it may skip before them.
fn starts_like_a_formula(field: &str) -> bool {
    field.chars().next().is_some_and(|first| {
        matches!(
            first,
            '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠'
                // zero-width space, non-joiner, joiner, word joiner, byte order mark
                | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
        ) || first.is_whitespace()
    })
}

/// A text cell that a spreadsheet could take for a formula is written with a leading `'`, so
/// that a name a unit typed cannot run in the bureau's Excel. Numbers are left alone.
fn defused(kind: Kind, field: String) -> String {
    if starts_like_a_formula(&field) && matches!(kind, Kind::Text | Kind::List) {
        format!("'{field}")
    } else {
        field
    }
}

fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn csv_line(fields: impl Iterator<Item = String>) -> String {
    let mut line = fields.map(|f| csv_field(&f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

fn rows_as_json<T: Serialize>(rows: &[T]) -> Result<Vec<Value>, ApiError> {
    rows.iter()
        .map(|row| {
            serde_json::to_value(row).map_err(|e| ApiError::caused("a row could not be written", e))
        })
        .collect()
}

/// The JSON text of an answer.
pub fn json_text<T: Serialize>(answer: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(answer).map_err(|e| ApiError::caused("the answer could not be written", e))
}

/// A table in the asked format, made off the HTTP workers; the CSV text is made as it is sent.
pub enum Rendered {
    Json(Vec<u8>),
    Csv {
        name: &'static str,
        columns: &'static [Column],
        lang: Lang,
        rows: Vec<Value>,
    },
    Xlsx {
        name: &'static str,
        workbook: Vec<u8>,
    },
}

/// The table in the asked format; `json` writes the JSON answer.
pub fn answer<T: Serialize>(
    format: Format,
    lang: Lang,
    name: &'static str,
    columns: &'static [Column],
    rows: &[T],
    json: impl FnOnce() -> Result<Vec<u8>, ApiError>,
) -> Result<Rendered, ApiError> {
    Ok(match format {
        Format::Json => Rendered::Json(json()?),
        Format::Csv => Rendered::Csv {
            name,
            columns,
            lang,
            rows: rows_as_json(rows)?,
        },
        Format::Xlsx => Rendered::Xlsx {
            name,
            workbook: xlsx(name, columns, &rows_as_json(rows)?, lang)
                .map_err(|e| ApiError::caused("the workbook could not be written", e))?,
        },
    })
}

/// Runs `work` — reading the figures, computing, rendering — on the bounded blocking pool, so
/// that a heavy table or export never holds an HTTP worker, and answers what it rendered.
pub async fn off_the_workers(
    work: impl FnOnce() -> Result<Rendered, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    Ok(match web::block(work).await?? {
        Rendered::Json(text) => HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(text),
        Rendered::Csv {
            name,
            columns,
            lang,
            rows,
        } => HttpResponse::Ok()
            .content_type(CSV)
            .insert_header(attachment(name, "csv"))
            .streaming(csv_stream(columns, lang, rows)),
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

/// The CSV text, made chunk by chunk on the blocking pool while the chunks before are sent.
/// A client that goes away ends the making.
fn csv_stream(
    columns: &'static [Column],
    lang: Lang,
    rows: Vec<Value>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    let (chunks, received) = tokio::sync::mpsc::channel(CSV_CHUNKS_AHEAD);
    actix_web::rt::task::spawn_blocking(move || {
        let header = format!(
            "\u{feff}{}",
            csv_line(columns.iter().map(|c| c.heading(lang).to_owned()))
        );
        if chunks.blocking_send(Bytes::from(header)).is_err() {
            return;
        }
        for chunk in rows.chunks(CSV_ROWS_PER_CHUNK) {
            let text: String = chunk
                .iter()
                .map(|row| csv_line(columns.iter().map(|c| defused(c.kind, text(&row[c.key])))))
                .collect();
            if chunks.blocking_send(Bytes::from(text)).is_err() {
                return;
            }
        }
    });
    stream::unfold(received, |mut received| async move {
        received.recv().await.map(|chunk| (Ok(chunk), received))
    })
}

fn xlsx(
    name: &str,
    columns: &[Column],
    rows: &[Value],
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
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, column) in columns.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            let value = &row[column.key];
            match (column.kind, value) {
                (_, Value::Null) => {}
                (Kind::Decimal, Value::String(s)) => {
                    match s.parse::<Decimal>().ok().and_then(|d| d.to_f64()) {
                        Some(number) => {
                            sheet.write_number(r, c, number)?;
                        }
                        None => {
                            sheet.write_string(r, c, s)?;
                        }
                    }
                }
                (Kind::Integer, Value::Number(n)) => match n.as_f64() {
                    Some(number) => {
                        sheet.write_number(r, c, number)?;
                    }
                    None => {
                        sheet.write_string(r, c, n.to_string())?;
                    }
                },
                (_, other) => {
                    sheet.write_string(r, c, text(other))?;
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
        assert_eq!(
            defused(Kind::Text, "=HYPERLINK(\"x\")".to_owned()),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(defused(Kind::List, "@SUM(A1)".to_owned()), "'@SUM(A1)");
        assert_eq!(defused(Kind::Decimal, "-35.533".to_owned()), "-35.533");
        assert_eq!(defused(Kind::Text, "区教育局".to_owned()), "区教育局");
        for prefix in [
            "=", "+", "-", "@", "\t", "\r", "\n", " ", "\u{a0}", "\u{200b}", "\u{feff}",
            "\u{3000}", "＝", "＋", "－", "＠",
        ] {
            let field = format!("{prefix}cmd|' /C calc'!A0");
            assert_eq!(defused(Kind::Text, field.clone()), format!("'{field}"));
        }
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
