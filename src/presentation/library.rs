//! A library as a workbook (.xlsx): one sheet, 指标库, whose first row is the heading of the
//! CSV columns and each further row an indicator — read by the service's bounded workbook
//! reader (sizes, zip bombs, counts, a time budget) and written in the same columns, so that
//! what is exported imports again unchanged.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::domain::Invalid;
use crate::domain::library::{
    COLUMNS, Library, LineError, MAX_ERRORS, MAX_INDICATORS, ParseErrors, cells, from_records,
};

use super::workbook::{Cells, Interrupt, MAX_ROWS, Value, Window, WorkbookError, read_sheet};

/// The sheet a library is read from and written to.
pub const SHEET: &str = "指标库";

/// The cells read: every row the reader allows (so that no indicator is left unread past a
/// window), and columns A to AF — the 17 columns and room for a heading in another order.
const WINDOW: Window = Window {
    rows: MAX_ROWS as u32,
    columns: 32,
};

/// Why a workbook gave no library: the workbook itself (not one, past a bound, stopped), or
/// its rows, each error at its row (`line` is the sheet's row, 1 for the heading).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkbookRefusal {
    Workbook(WorkbookError),
    Rows(ParseErrors),
}

/// Reads a library from the sheet 指标库 of the workbook `bytes`, within the reader's bounds
/// and as long as `interrupt` lets it: the library with the sheet row each indicator was read
/// from.
pub fn read_workbook(
    bytes: &[u8],
    interrupt: &dyn Interrupt,
) -> Result<(Library, Vec<usize>), WorkbookRefusal> {
    let cells = read_sheet(bytes, SHEET, WINDOW, interrupt).map_err(WorkbookRefusal::Workbook)?;
    let records = records(&cells).map_err(WorkbookRefusal::Rows)?;
    from_records(&records).map_err(WorkbookRefusal::Rows)
}

/// The sheet's rows as records, each with its row number from 1: blank rows left out, each row
/// as wide as the heading. A formula (never evaluated), a cell beyond the heading, or more
/// rows than a library has indicators, is an error at its row.
fn records(cells: &Cells) -> Result<Vec<(usize, Vec<String>)>, ParseErrors> {
    let width = (0..WINDOW.columns)
        .take_while(|column| cells.contains_key(&(0, *column)))
        .count();
    let mut rows: Vec<u32> = cells.keys().map(|(row, _)| *row).collect();
    rows.sort_unstable();
    rows.dedup();
    if rows.len() > MAX_INDICATORS + 1 {
        return Err(ParseErrors(vec![LineError {
            line: 1,
            column: None,
            invalid: Invalid::Count {
                min: 0,
                max: MAX_INDICATORS,
            },
        }]));
    }
    let mut errors = Vec::new();
    let mut records = Vec::new();
    for row in rows {
        let line = row as usize + 1;
        let mut record = Vec::with_capacity(width);
        for column in 0..WINDOW.columns {
            let text = match cells.get(&(row, column)) {
                None => String::new(),
                Some(Value::Text(text)) => text.to_string(),
                Some(Value::Number(number)) => number_text(*number),
                Some(Value::Other(text)) => text.clone(),
                Some(Value::Formula) => {
                    errors.push(LineError {
                        line,
                        column: Some(column_name(column)),
                        invalid: Invalid::Formula,
                    });
                    continue;
                }
            };
            if usize::from(column) < width {
                record.push(text);
            } else if !text.trim().is_empty() {
                errors.push(LineError {
                    line,
                    column: Some(column_name(column)),
                    invalid: Invalid::BeyondHeading,
                });
            }
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
        records.push((line, record));
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        errors.truncate(MAX_ERRORS);
        Err(ParseErrors(errors))
    }
}

/// A number as a cell of a CSV text would hold it: whole numbers without a fraction.
fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

/// A column's letters (A, B … AF).
fn column_name(column: u16) -> String {
    let mut name = String::new();
    let mut n = u32::from(column) + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        name.insert(0, char::from(b'A' + rest as u8));
        n = (n - 1) / 26;
    }
    name
}

/// The library as a workbook of one sheet, 指标库, in the columns it is read from.
pub fn write_workbook(library: &Library) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let bold = Format::new().set_bold();
    for (column, name) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, column, name, &bold)?;
    }
    for (row, indicator) in (1u32..).zip(library.indicators()) {
        for (column, text) in (0u16..).zip(cells(indicator)) {
            if !text.is_empty() {
                sheet.write_string(row, column, text)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn text(value: &str) -> Value {
        Value::Text(Arc::from(value))
    }

    #[test]
    fn rows_read_as_wide_as_the_heading_with_numbers_as_written_and_formulas_refused() {
        let mut cells = Cells::new();
        for (column, name) in (0u16..).zip(COLUMNS) {
            cells.insert((0, column), text(name));
        }
        cells.insert((1, 0), Value::Number(1001.0));
        cells.insert((1, 1), text("甲"));
        cells.insert((3, 0), text("B2"));
        let read = records(&cells).expect("rows that read");
        // The blank row 3 is left out; each row is as wide as the heading.
        let lines: Vec<usize> = read.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [1, 2, 4]);
        assert_eq!(read[1].1.len(), COLUMNS.len());
        assert_eq!(read[1].1[0], "1001");

        cells.insert((1, 5), Value::Formula);
        cells.insert((3, 20), text("beyond"));
        let refused = records(&cells).expect_err("a formula and a cell beyond the heading");
        let at: Vec<(usize, Option<&str>)> = refused
            .0
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(at, [(2, Some("F")), (4, Some("U"))]);
    }
}
