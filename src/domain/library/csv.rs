//! A library as CSV (RFC 4180, UTF-8, a heading line of the column names): read within
//! bounds, every wrong cell reported with its line and column, and written back in the same
//! columns, so that what is exported imports again unchanged.

use std::fmt;

use super::{Direction, IndicatorCode, Library, LibraryIndicator, ReportKind};
use crate::csv::{Field, heading, line};
use crate::domain::department::UnitKind;
use crate::domain::invalid::{Invalid, TextForm};
use crate::domain::report::{Metric, ScoringRule};
use crate::domain::values::Points;

/// The largest library text read (bytes).
pub const MAX_CSV_BYTES: usize = 512 * 1024;
/// The most indicators one library holds.
pub const MAX_INDICATORS: usize = 1000;
/// The longest cell (characters).
const MAX_CELL_CHARS: usize = 2000;
/// The longest name, alias, group, unit, sector or kind (characters).
const MAX_NAME_CHARS: usize = 100;
/// The most aliases of one indicator, and the most kinds in one list.
const MAX_LIST: usize = 32;
/// The most errors reported of one text; past them the reading stops.
pub const MAX_ERRORS: usize = 100;

/// The columns, in the order written.
pub const COLUMNS: [&str; 17] = [
    "code",
    "name",
    "aliases",
    "level1",
    "level2",
    "definition",
    "unit",
    "direction",
    "formula",
    "metric",
    "scoring_rule",
    "scoring_standard",
    "report_kinds",
    "unit_kinds",
    "project_kinds",
    "sector",
    "source",
];

/// What separates the items of a list cell (aliases, kinds).
const LIST_SEPARATOR: char = '|';

/// One thing wrong in a library text, at its line (1 for the heading) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub column: Option<String>,
    pub invalid: Invalid,
}

/// Everything wrong in a library text (at most the first hundred).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseErrors(pub Vec<LineError>);

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "line {}", error.line)?;
            if let Some(column) = &error.column {
                write!(f, ", {column}")?;
            }
            write!(f, ": {}", error.invalid)?;
        }
        Ok(())
    }
}

/// The records of a CSV text, each with the line it starts on; or the line where a quote is
/// left open.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, LineError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut pending = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                pending = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                pending = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if pending || !field.is_empty() {
                    record.push(std::mem::take(&mut field));
                    records.push((start, std::mem::take(&mut record)));
                }
                pending = false;
                line += 1;
                start = line;
            }
            _ => {
                field.push(c);
                pending = true;
            }
        }
    }
    if quoted {
        return Err(LineError {
            line: start,
            column: None,
            invalid: Invalid::UnclosedQuote,
        });
    }
    if pending || !field.is_empty() {
        record.push(field);
        records.push((start, record));
    }
    Ok(records)
}

/// Reads a library from CSV text: every error of every line, or the library.
pub fn parse(text: &str) -> Result<Library, ParseErrors> {
    parse_lines(text).map(|(library, _)| library)
}

/// As [`parse`], with the line each indicator was read from, in the library's order.
pub fn parse_lines(text: &str) -> Result<(Library, Vec<usize>), ParseErrors> {
    let fail = |line, invalid| {
        ParseErrors(vec![LineError {
            line,
            column: None,
            invalid,
        }])
    };
    if text.len() > MAX_CSV_BYTES {
        return Err(fail(1, Invalid::TooLarge { max: MAX_CSV_BYTES }));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = records(text).map_err(|e| ParseErrors(vec![e]))?;
    from_records(&records)
}

/// Reads a library from its records — the heading first, each with the line (or sheet row)
/// it starts on — as a CSV text and a workbook's sheet give them alike: every error, or the
/// library with the line each indicator was read from, in its order.
pub fn from_records(
    records: &[(usize, Vec<String>)],
) -> Result<(Library, Vec<usize>), ParseErrors> {
    let fail = |line, invalid| {
        ParseErrors(vec![LineError {
            line,
            column: None,
            invalid,
        }])
    };
    let Some(((_, header), rows)) = records.split_first() else {
        return Err(fail(1, Invalid::Required));
    };
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let mut errors = Vec::new();
    for column in COLUMNS {
        if !header.contains(&column) {
            errors.push(LineError {
                line: 1,
                column: Some(column.to_owned()),
                invalid: Invalid::Required,
            });
        }
    }
    for column in &header {
        if !COLUMNS.contains(column) {
            errors.push(LineError {
                line: 1,
                column: Some((*column).to_owned()),
                invalid: Invalid::UnknownField {
                    field: (*column).to_owned(),
                    expected: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
                },
            });
        }
    }
    if !errors.is_empty() {
        return Err(ParseErrors(errors));
    }
    if rows.len() > MAX_INDICATORS {
        return Err(fail(
            1,
            Invalid::Count {
                min: 0,
                max: MAX_INDICATORS,
            },
        ));
    }
    let mut indicators = Vec::new();
    let mut lines = Vec::new();
    for (number, cells) in rows {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        if cells.len() != header.len() {
            errors.push(LineError {
                line: *number,
                column: None,
                invalid: Invalid::WrongLength {
                    found: cells.len(),
                    expected: header.len(),
                },
            });
            continue;
        }
        let mut row = Row {
            line: *number,
            header: &header,
            cells,
            errors: &mut errors,
        };
        if let Some(indicator) = row.indicator() {
            indicators.push(indicator);
            lines.push(*number);
        }
    }
    let library = Library::new(indicators);
    for (i, invalid) in library.duplicates() {
        errors.push(LineError {
            line: lines[i],
            column: None,
            invalid,
        });
    }
    if errors.is_empty() {
        Ok((library, lines))
    } else {
        errors.truncate(MAX_ERRORS);
        Err(ParseErrors(errors))
    }
}

/// One line being read: its cells by column name, and where its errors go.
struct Row<'a> {
    line: usize,
    header: &'a [&'a str],
    cells: &'a [String],
    errors: &'a mut Vec<LineError>,
}

impl Row<'_> {
    fn error(&mut self, column: &str, invalid: Invalid) {
        self.errors.push(LineError {
            line: self.line,
            column: Some(column.to_owned()),
            invalid,
        });
    }

    /// The cell of `column`, trimmed; none when blank or too long (an error).
    fn cell(&mut self, column: &str, longest: usize) -> Option<String> {
        let index = self.header.iter().position(|h| *h == column)?;
        let text = self.cells.get(index)?.trim();
        if text.is_empty() {
            return None;
        }
        if text.chars().count() > longest {
            self.error(column, Invalid::TooLong { max: longest });
            return None;
        }
        if text.contains('\u{0}') {
            self.error(column, Invalid::NulCharacter);
            return None;
        }
        Some(text.to_owned())
    }

    fn required(&mut self, column: &str, longest: usize) -> Option<String> {
        let cell = self.cell(column, longest);
        if cell.is_none()
            && !self
                .errors
                .iter()
                .any(|e| e.line == self.line && e.column.as_deref() == Some(column))
        {
            self.error(column, Invalid::Blank);
        }
        cell
    }

    /// A list cell, its items read by `read` (none where one does not read: an error).
    fn list<T>(&mut self, column: &str, read: impl Fn(&str) -> Result<T, Invalid>) -> Vec<T> {
        let Some(cell) = self.cell(column, MAX_CELL_CHARS) else {
            return Vec::new();
        };
        let items: Vec<&str> = cell
            .split(LIST_SEPARATOR)
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .collect();
        if items.len() > MAX_LIST {
            self.error(
                column,
                Invalid::Count {
                    min: 0,
                    max: MAX_LIST,
                },
            );
            return Vec::new();
        }
        let mut read_items = Vec::new();
        for item in items {
            if item.chars().count() > MAX_NAME_CHARS {
                self.error(
                    column,
                    Invalid::TooLong {
                        max: MAX_NAME_CHARS,
                    },
                );
                continue;
            }
            match read(item) {
                Ok(value) => read_items.push(value),
                Err(invalid) => self.error(column, invalid),
            }
        }
        read_items
    }

    fn indicator(&mut self) -> Option<LibraryIndicator> {
        let before = self.errors.len();
        let code = self
            .required("code", 32)
            .and_then(|text| match text.parse::<IndicatorCode>() {
                Ok(code) => Some(code),
                Err(invalid) => {
                    self.error("code", invalid);
                    None
                }
            });
        let name = self.required("name", MAX_NAME_CHARS);
        let aliases = self.list("aliases", |a| Ok(a.to_owned()));
        let level1 = self.cell("level1", MAX_NAME_CHARS);
        let level2 = self.cell("level2", MAX_NAME_CHARS);
        let definition = self.cell("definition", MAX_CELL_CHARS).unwrap_or_default();
        let unit = self.cell("unit", MAX_NAME_CHARS);
        let direction = self.required("direction", MAX_NAME_CHARS).and_then(|text| {
            let direction = Direction::parse(&text);
            if direction.is_none() {
                self.error(
                    "direction",
                    one_of(&text, &Direction::ALL.map(Direction::as_str)),
                );
            }
            direction
        });
        let formula = self.cell("formula", MAX_CELL_CHARS);
        let metric = self.cell("metric", MAX_NAME_CHARS).and_then(|text| {
            let metric = Metric::parse(&text);
            if metric.is_none() {
                self.error("metric", one_of(&text, &Metric::ALL.map(Metric::as_str)));
            }
            metric
        });
        let scoring_rule =
            self.cell("scoring_rule", MAX_NAME_CHARS)
                .and_then(|text| match read_rule(&text) {
                    Ok(rule) => Some(rule),
                    Err(invalid) => {
                        self.error("scoring_rule", invalid);
                        None
                    }
                });
        let scoring_standard = self.cell("scoring_standard", MAX_CELL_CHARS);
        let mut report_kinds = self.list("report_kinds", |k| {
            ReportKind::parse(k).ok_or_else(|| one_of(k, &ReportKind::ALL.map(ReportKind::as_str)))
        });
        if report_kinds.is_empty() {
            report_kinds = ReportKind::ALL.to_vec();
        }
        let unit_kinds = self.list("unit_kinds", |k| {
            UnitKind::parse(k).ok_or_else(|| one_of(k, &UnitKind::ALL.map(UnitKind::as_str)))
        });
        let project_kinds = self.list("project_kinds", |k| Ok(k.to_owned()));
        let sector = self
            .cell("sector", MAX_NAME_CHARS)
            .unwrap_or_else(|| "common".to_owned());
        let source = self.required("source", MAX_CELL_CHARS);
        if self.errors.len() > before {
            return None;
        }
        Some(LibraryIndicator {
            code: code?,
            name: name?,
            aliases,
            level1,
            level2,
            definition,
            unit,
            direction: direction?,
            formula,
            metric,
            scoring_rule,
            scoring_standard,
            report_kinds,
            unit_kinds,
            project_kinds,
            sector,
            source: source?,
        })
    }
}

/// `text` is none of `all`.
fn one_of(text: &str, all: &[&str]) -> Invalid {
    Invalid::UnknownValue {
        value: text.to_owned(),
        expected: all.iter().map(|name| (*name).to_owned()).collect(),
    }
}

/// A scoring rule as a cell: `proportional`, `all_or_nothing`, `bands`, or
/// `step_deduction:<points>/<per percent>[/<floor>]`.
fn read_rule(text: &str) -> Result<ScoringRule, Invalid> {
    let wrong = || Invalid::Malformed {
        text: text.to_owned(),
        form: TextForm::ScoringRule,
    };
    match text {
        "proportional" => return Ok(ScoringRule::Proportional),
        "all_or_nothing" => return Ok(ScoringRule::AllOrNothing),
        "bands" => return Ok(ScoringRule::Bands),
        _ => {}
    }
    let parameters = text.strip_prefix("step_deduction:").ok_or_else(wrong)?;
    let parts: Vec<&str> = parameters.split('/').map(str::trim).collect();
    let points = |i: usize| -> Result<Option<Points>, Invalid> {
        parts
            .get(i)
            .map(|p| p.parse::<Points>().map_err(|_| wrong()))
            .transpose()
    };
    match (parts.len(), points(0)?, points(1)?, points(2)?) {
        (2 | 3, Some(points), Some(per_percent), floor) if !per_percent.value().is_zero() => {
            Ok(ScoringRule::StepDeduction {
                points,
                per_percent,
                floor,
            })
        }
        _ => Err(wrong()),
    }
}

fn rule_text(rule: ScoringRule) -> String {
    match rule {
        ScoringRule::Proportional => "proportional".to_owned(),
        ScoringRule::AllOrNothing => "all_or_nothing".to_owned(),
        ScoringRule::Bands => "bands".to_owned(),
        ScoringRule::StepDeduction {
            points,
            per_percent,
            floor,
        } => {
            let mut text = format!(
                "step_deduction:{}/{}",
                points.value().normalize(),
                per_percent.value().normalize()
            );
            if let Some(floor) = floor {
                text.push_str(&format!("/{}", floor.value().normalize()));
            }
            text
        }
    }
}

/// The library as CSV, in the columns it is read from.
pub fn write(library: &Library) -> String {
    let mut text = heading(COLUMNS);
    for indicator in library.indicators() {
        text.push_str(&line(cells(indicator).into_iter().map(Field::text)));
    }
    text
}

/// An indicator's cells, in the order of [`COLUMNS`]: as a CSV line and a sheet's row write it.
pub fn cells(i: &LibraryIndicator) -> [String; 17] {
    let joined = |items: &[&str]| items.join(&LIST_SEPARATOR.to_string());
    let optional = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        i.code.as_str().to_owned(),
        i.name.clone(),
        joined(&i.aliases.iter().map(String::as_str).collect::<Vec<_>>()),
        optional(&i.level1),
        optional(&i.level2),
        i.definition.clone(),
        optional(&i.unit),
        i.direction.as_str().to_owned(),
        optional(&i.formula),
        i.metric.map(|m| m.as_str().to_owned()).unwrap_or_default(),
        i.scoring_rule.map(rule_text).unwrap_or_default(),
        optional(&i.scoring_standard),
        joined(
            &i.report_kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        joined(&i.unit_kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()),
        joined(
            &i.project_kinds
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ),
        i.sector.clone(),
        i.source.clone(),
    ]
}
