//! Tables as JSON, CSV (UTF-8 with a BOM, so that Excel shows Chinese) or XLSX, chosen by
//! `?format=` or `Accept`. Each column is one typed accessor of a row, which CSV and XLSX (and
//! the units table's JSON) read, so the three always say the same.

use actix_web::http::header::{self, ContentType};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use futures_util::stream;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ApiError;
use crate::csv::{self, Field};

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

/// The language of CSV and XLSX: of the column headings, the enumerated values (kinds of
/// unit, states, grades, bands) and the file's name.
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

/// The values an enumerated cell takes, which have names in Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// 单位性质
    UnitKind,
    /// 状态
    Status,
    /// 等级
    Grade,
    /// 偏离区间
    Band,
}

/// The typed value of one cell, read from a row by its column's accessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Text(Option<&'a str>),
    /// An enumerated value by its code: the code in JSON, and in CSV and XLSX in the
    /// language asked for, `zh` naming it in Chinese.
    Named {
        code: Option<&'a str>,
        names: Vocabulary,
    },
    /// An exact decimal (amount, rate, points): a decimal string in JSON and CSV, a number in
    /// XLSX.
    Decimal(Option<Decimal>),
    Integer(Option<i64>),
    /// Items written joined by ", ".
    List(Vec<String>),
}

impl Cell<'_> {
    /// The text of the cell, as CSV writes it in `lang`.
    fn text(&self, lang: Lang) -> String {
        match self {
            Cell::Text(text) => text.unwrap_or_default().to_owned(),
            Cell::Named { code, names } => match (code, lang) {
                (Some(code), Lang::Zh) => super::messages::name_zh(*names, code)
                    .unwrap_or(code)
                    .to_owned(),
                (code, _) => code.unwrap_or_default().to_owned(),
            },
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
            (Cell::Named { code: a, .. }, Cell::Named { code: b, .. }) => {
                compare_missing_last(a, b, descending)
            }
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
            Cell::Text(text) | Cell::Named { code: text, .. } => text.serialize(serializer),
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
fn csv_field(cell: &Cell<'_>, lang: Lang) -> Field<'static> {
    match cell {
        Cell::Text(_) | Cell::Named { .. } | Cell::List(_) => Field::text(cell.text(lang)),
        Cell::Decimal(_) | Cell::Integer(_) => Field::plain(cell.text(lang)),
    }
}

/// The name of an exported file: in English (the ASCII `filename`) and in Chinese.
pub type FileName = (&'static str, &'static str);

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
        name: FileName,
        lang: Lang,
        /// The heading line, then one line per row, each made when it is asked for.
        lines: Box<dyn Iterator<Item = String> + Send>,
    },
    Xlsx {
        name: FileName,
        lang: Lang,
        workbook: Vec<u8>,
    },
}

/// The table in the asked format; `json` writes the JSON answer.
pub fn answer<S: Rows>(
    format: Format,
    lang: Lang,
    name: FileName,
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
                csv::line(columns.iter().map(|c| csv_field(&(c.cell)(row), lang)))
            });
            Rendered::Csv {
                name,
                lang,
                lines: Box::new(std::iter::once(heading).chain(body)),
            }
        }
        Format::Xlsx => Rendered::Xlsx {
            name,
            lang,
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
    let (answer, ()) = off_the_workers_with(move || Ok((work()?, ()))).await?;
    Ok(answer)
}

/// `off_the_workers`, with what else `work` found out beside what it rendered.
pub async fn off_the_workers_with<T: Send + 'static>(
    work: impl FnOnce() -> Result<(Rendered, T), ApiError> + Send + 'static,
) -> Result<(HttpResponse, T), ApiError> {
    let (rendered, also) = super::request_id::block(work).await??;
    Ok((rendered.answer(HttpResponse::Ok()), also))
}

impl Rendered {
    /// The answer `ok` begins, with this table as its body.
    pub fn answer(self, mut ok: HttpResponseBuilder) -> HttpResponse {
        match self {
            Self::Json(text) => ok.content_type(ContentType::json()).body(text),
            Self::Csv { name, lang, lines } => ok
                .content_type(CSV)
                .insert_header(attachment(name, lang, "csv"))
                .streaming(csv_stream(lines)),
            Self::Xlsx {
                name,
                lang,
                workbook,
            } => ok
                .content_type(XLSX)
                .insert_header(attachment(name, lang, "xlsx"))
                .body(workbook),
        }
    }
}

/// `Content-Disposition` of an export: the English name as `filename`, for clients that
/// read only that, and with `lang=zh` the Chinese name as `filename*` (RFC 6266), which
/// browsers prefer.
fn attachment((en, zh): FileName, lang: Lang, extension: &str) -> (header::HeaderName, String) {
    let value = match lang {
        Lang::En => format!("attachment; filename=\"{en}.{extension}\""),
        Lang::Zh => format!(
            "attachment; filename=\"{en}.{extension}\"; filename*=UTF-8''{}",
            super::publishing::percent_encoded(&format!("{zh}.{extension}"))
        ),
    };
    (header::CONTENT_DISPOSITION, value)
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

/// How wide a text shows in a spreadsheet's character widths: a Chinese character takes two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// The number format of a column's numbers, by the unit its heading names: amounts in 万元
/// with thousands separators and their places, rates and points with two places.
fn number_format(heading: &str) -> &'static str {
    if heading.contains("10k CNY") {
        "#,##0.00####"
    } else if heading.contains("(%)") || heading.contains("Score") {
        "0.00"
    } else {
        "0.##"
    }
}

/// The widest a column is made, in characters; longer texts wrap in the cell.
const MAX_COLUMN_WIDTH: usize = 48;

fn xlsx<S: Rows>(
    (en, zh): FileName,
    columns: &[Column<S::Row>],
    rows: &S,
    lang: Lang,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format as Style, FormatAlign};
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let heading = Style::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("#EDEDED");
    let numbers: Vec<Style> = columns
        .iter()
        .map(|c| Style::new().set_num_format(number_format(c.en)))
        .collect();
    let integer = Style::new().set_num_format("0");
    let sheet = workbook.add_worksheet();
    sheet.set_name(match lang {
        Lang::En => en,
        Lang::Zh => zh,
    })?;
    sheet
        .set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    let mut widths: Vec<usize> = columns
        .iter()
        .map(|c| display_width(c.heading(lang)).min(MAX_COLUMN_WIDTH / 2))
        .collect();
    for (c, column) in columns.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, c, column.heading(lang), &heading)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for at in 0..rows.count() {
        let row = rows.row(at);
        let r = u32::try_from(at + 1).unwrap_or(u32::MAX);
        for (c, column) in columns.iter().enumerate() {
            let index = c;
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            let cell = (column.cell)(row);
            let text = cell.text(lang);
            widths[index] = widths[index].max(display_width(&text));
            match &cell {
                Cell::Text(None)
                | Cell::Named { code: None, .. }
                | Cell::Decimal(None)
                | Cell::Integer(None) => {}
                Cell::Decimal(Some(number)) => match number.to_f64() {
                    Some(number) => {
                        sheet.write_number_with_format(r, c, number, &numbers[index])?;
                    }
                    None => {
                        sheet.write_string(r, c, text)?;
                    }
                },
                Cell::Integer(Some(number)) => {
                    // Counts and years stay far below 2^53, where a double is exact.
                    #[expect(clippy::cast_precision_loss, reason = "counts and years are small")]
                    sheet.write_number_with_format(r, c, *number as f64, &integer)?;
                }
                Cell::Text(Some(_)) | Cell::Named { .. } | Cell::List(_) => {
                    sheet.write_string(r, c, text)?;
                }
            }
        }
    }
    for (c, width) in widths.into_iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        // The widest text and a margin of two, within bounds.
        #[expect(clippy::cast_precision_loss, reason = "widths are small")]
        sheet.set_column_width(c, (width.clamp(4, MAX_COLUMN_WIDTH) + 2) as f64)?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_cell_that_looks_like_a_formula_is_defused_and_numbers_are_not() {
        let written = |cell: Cell<'_>| csv::line([csv_field(&cell, Lang::En)]);
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

    #[test]
    fn an_enumerated_value_is_its_code_in_english_and_its_name_in_chinese() {
        let cell = Cell::Named {
            code: Some("excellent"),
            names: Vocabulary::Grade,
        };
        assert_eq!(csv::line([csv_field(&cell, Lang::En)]), "excellent\r\n");
        assert_eq!(csv::line([csv_field(&cell, Lang::Zh)]), "优\r\n");
    }

    #[test]
    fn a_chinese_character_is_two_characters_wide() {
        assert_eq!(display_width("区教育局"), 8);
        assert_eq!(display_width("101001"), 6);
    }
}
