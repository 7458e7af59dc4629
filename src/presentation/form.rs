//! 部门整体支出绩效自评表 — the self-evaluation table units fill in Excel: written from a
//! report in its usual layout, and read back into a report.
//!
//! The sheet `自评表`, top to bottom: the title and year; the unit's name and code; the budget
//! rows (年度资金总额, 其中：基本支出, 项目支出) with 年初预算数 / 全年预算数 / 全年执行数 /
//! 分值 / 执行率 / 得分; the overall goal; the indicator rows (一级 / 二级 / 三级指标, 年度指标值,
//! 实际完成值, 分值, 得分, 偏差原因); the total score and grade. The reader finds each part by
//! its label, so rows inserted for more indicators read as well. Cells holding formulas
//! (the computed total when the report states none, the execution rates) are not read. The
//! workbook itself is read by `workbook::read_sheet`, within its bounds.
//!
//! One file, longer than most: the writer and the reader share the layout's rows and
//! columns, and keeping them side by side is what keeps a table round-tripping.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError};

use super::narrative::Unit;
use super::workbook::{self, Interrupt, Value, Window, WorkbookError};
use super::{actual_cell, grade_name, level1_cell, target_cell};

mod project;
mod rows;
use crate::domain::report::{
    BudgetColumns, Comparison, EvaluationReport, Grade, Indicator, IndicatorLevel1,
    IndicatorResult, Results,
};
use crate::domain::settings::Weights;
use crate::domain::values::{Amount, Label, Points};
pub use project::{ProjectReading, read_project, write_project};
use rows::{Names, RowCells};

pub const SHEET: &str = "自评表";
const TITLE: &str = "部门整体支出绩效自评表";
const CODE_LABEL: &str = "单位代码";
const BUDGET_LABEL: &str = "年度预算执行情况（万元）";
const TOTAL_ROW: &str = "年度资金总额";
const BASIC_ROW: &str = "其中：基本支出";
const PROJECTS_ROW: &str = "项目支出";
const GOAL_LABEL: &str = "年度总体目标";
const INDICATORS_LABEL: &str = "绩效指标";
const LEVEL1_HEADING: &str = "一级指标";
const SCORE_LABEL: &str = "总分";
/// Empty indicator rows the written table offers for more indicators.
const SPARE_ROWS: u32 = 3;
const LAST_COLUMN: u16 = 8;

/// A cell of the table that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableCell {
    /// The sheet, e.g. 自评表.
    pub sheet: String,
    /// The cell's address, e.g. `D6`.
    pub cell: String,
    /// What is wrong with it.
    pub fault: CellFault,
}

/// Why a cell could not be read, with what it held; the sentence saying so is written where
/// the answer is, in the reader's language; serialized as its code with its figures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum CellFault {
    /// Text where a number belongs.
    NotANumber { text: String },
    /// A number that is not an amount in 万元 (negative, too many places).
    NotAnAmount { text: String },
    /// A number that is not points (above 100, too many places).
    NotPoints { text: String },
    /// A text too long for a cell of the report, or holding control characters.
    TextUnstorable,
    /// A cell an indicator row must fill, left empty; `what` is its column's heading.
    Required { what: &'static str },
    /// A target that is a sign and nothing else.
    TargetWithoutValue,
    /// A score given with no actual.
    ActualMissing,
    /// A grade none of the ways forms write grades.
    NotAGrade { text: String },
    /// A 一级指标 that is none of the framework's.
    NotALevel1 { text: String },
    /// The table of another unit.
    OtherUnit { found: String, expected: String },
    /// 单位代码 left empty.
    UnitCodeMissing,
    /// No cell labelled 单位代码.
    NoUnitCodeLabel,
    /// The table of another year.
    OtherYear { year: i32 },
    /// The project table of another project.
    OtherProject { found: String, expected: String },
    /// 项目代码 left empty, or no cell labelled so.
    ProjectCodeMissing,
    /// 金额单位 neither 万元 nor 元.
    NotAnAmountUnit { text: String },
    /// A 项目支出绩效自评表 where the departmental table belongs.
    ProjectTable,
}

impl CellFault {
    /// The stable code of the fault.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotANumber { .. } => "not_a_number",
            Self::NotAnAmount { .. } => "not_an_amount",
            Self::NotPoints { .. } => "not_points",
            Self::TextUnstorable => "text_unstorable",
            Self::Required { .. } => "required",
            Self::TargetWithoutValue => "target_without_value",
            Self::ActualMissing => "actual_missing",
            Self::NotAGrade { .. } => "not_a_grade",
            Self::NotALevel1 { .. } => "not_a_level1",
            Self::OtherUnit { .. } => "other_unit",
            Self::UnitCodeMissing => "unit_code_missing",
            Self::NoUnitCodeLabel => "no_unit_code_label",
            Self::OtherYear { .. } => "other_year",
            Self::OtherProject { .. } => "other_project",
            Self::ProjectCodeMissing => "project_code_missing",
            Self::NotAnAmountUnit { .. } => "not_an_amount_unit",
            Self::ProjectTable => "project_table",
        }
    }
}

/// A cell as the reader sees it: its value, or that it holds a formula. A text is shared
/// with every cell of the workbook that names the same string.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(Arc<str>),
    Number(Decimal),
    Formula,
    Other(String),
}

/// The sheet's cells, read once; merging them into a report is `FilledTable::apply`.
#[derive(Debug, Clone)]
pub struct FilledTable {
    cells: HashMap<(u32, u16), Cell>,
    rows: u32,
}

/// What was read: the report with the table's parts in it, the cells it could not read, and
/// the rows each part was read from.
#[derive(Debug, Clone)]
pub struct Reading {
    pub report: EvaluationReport,
    pub unreadable: Vec<UnreadableCell>,
    pub places: Places,
}

/// The rows of the table the parts of the report were read from, by their path in the
/// report, so that what is said of a field (a finding) also names the cell showing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places {
    rows: Vec<(String, u32)>,
}

impl Places {
    fn note(&mut self, path: impl Into<String>, row: u32) {
        self.rows.push((path.into(), row));
    }

    /// The cell (`自评表!I11`) showing the field at `path` in the report, if the table shows
    /// it: the row of the longest part read that the path is in, the column of the field.
    pub fn cell(&self, path: &str) -> Option<String> {
        let (part, row) = self
            .rows
            .iter()
            .filter(|(part, _)| {
                path.strip_prefix(part.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
            .max_by_key(|(part, _)| part.len())?;
        let field = path[part.len()..].trim_start_matches('.');
        let field = field.split(['.', '[']).next().unwrap_or_default();
        let column = if part.starts_with("funding.") {
            match field {
                "full_year" => 4,
                "executed" => 5,
                "weight" => 6,
                "stated_rate" => 7,
                "stated_score" => 8,
                _ => 3,
            }
        } else if part.starts_with("overall_goals[") {
            match field {
                "actual" => 5,
                _ => 1,
            }
        } else if part.starts_with("budget.") {
            match field {
                "adjusted" => 4,
                "executed" => 5,
                _ => 3,
            }
        } else if part.starts_with("goals.indicators[") {
            match field {
                "level1" => 1,
                "level2" => 2,
                "target" | "adjusted_target" | "comparison" | "unit" => 4,
                "weight" => 6,
                _ => 3,
            }
        } else if part.starts_with("results.indicators[") {
            match field {
                "self_score" | "stated_coefficient" => 7,
                "deviation_reason" => 8,
                _ => 5,
            }
        } else {
            match part.as_str() {
                "goals.overall_goal" => 1,
                "results.stated_total_score" => 7,
                _ => 8,
            }
        };
        Some(format!("{SHEET}!{}", address(*row, column)))
    }
}

/// `D6` for row 5, column 3 (both from 0).
pub fn address(row: u32, column: u16) -> String {
    let mut letters = String::new();
    let mut n = u32::from(column) + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.insert(0, char::from(b'A' + u8::try_from(rest).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

fn level1_of(text: &str) -> Option<IndicatorLevel1> {
    IndicatorLevel1::ALL.into_iter().find(|level| {
        let name = level.chinese_name();
        text == name || Some(text) == name.strip_suffix("指标")
    })
}

/// The grade a cell names, as forms write grades: 优 or 优秀, 良 or 良好, 中, 中等, 合格 or
/// 一般, 差, 较差 or 不合格 (a trailing 级 allowed).
pub fn grade_of(text: &str) -> Option<Grade> {
    match text.trim_end_matches('级') {
        "优" | "优秀" => Some(Grade::Excellent),
        "良" | "良好" => Some(Grade::Good),
        "中" | "中等" | "合格" | "一般" => Some(Grade::Fair),
        "差" | "较差" | "不合格" => Some(Grade::Poor),
        _ => None,
    }
}

/// The grade as the table shows it: as the unit wrote it where that names the same grade.
fn grade_cell(results: &Results) -> &str {
    match (results.stated_grade, &results.stated_grade_as_written) {
        (Some(grade), Some(written)) if grade_of(written.as_str()) == Some(grade) => {
            written.as_str()
        }
        (grade, _) => grade.map(grade_name).unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

struct Styles {
    title: Format,
    heading: Format,
    label: Format,
    text: Format,
    number: Format,
    percent: Format,
}

impl Styles {
    fn new() -> Self {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap();
        Self {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            heading: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_background_color("#EDEDED"),
            label: cell.clone().set_align(FormatAlign::Center),
            text: cell.clone(),
            number: cell.clone().set_num_format("#,##0.00####"),
            percent: cell.set_num_format("0.00%"),
        }
    }
}

fn amount_number(amount: Option<Amount>) -> Option<f64> {
    amount.and_then(|a| a.value().to_f64())
}

/// The sheet `自评表` of `workbook`, laid out for A4 landscape, with `title` and the year on
/// its first two rows.
fn titled_sheet<'w>(
    workbook: &'w mut Workbook,
    styles: &Styles,
    title: &str,
    year: i32,
) -> Result<&'w mut Worksheet, XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    // A formula given no cached value caches the empty text (an execution rate with no budget
    // answers ""), not the writer's default 0.
    sheet.set_formula_result_default("");
    for (column, width) in [14.0, 12.0, 12.0, 24.0, 14.0, 14.0, 9.0, 10.0, 32.0]
        .into_iter()
        .enumerate()
    {
        sheet.set_column_width(u16::try_from(column).unwrap_or(0), width)?;
    }
    sheet
        .set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    sheet.set_row_height(0, 30)?;
    sheet.merge_range(0, 0, 0, LAST_COLUMN, title, &styles.title)?;
    sheet.merge_range(
        1,
        0,
        1,
        LAST_COLUMN,
        &format!("（{year}年度）"),
        &Format::new().set_align(FormatAlign::Center),
    )?;
    Ok(sheet)
}

/// Writes the report as the self-evaluation table.
pub fn write(
    unit: Unit<'_>,
    year: i32,
    report: &EvaluationReport,
    weights: &Weights,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let styles = Styles::new();
    let sheet = titled_sheet(&mut workbook, &styles, TITLE, year)?;
    sheet.merge_range(2, 0, 2, 1, "部门（单位）名称", &styles.heading)?;
    sheet.merge_range(2, 2, 2, 5, unit.name, &styles.text)?;
    sheet.write_string_with_format(2, 6, CODE_LABEL, &styles.heading)?;
    sheet.merge_range(2, 7, 2, 8, unit.code, &styles.text)?;

    write_budget(sheet, &styles, report, weights)?;

    sheet.set_row_height(7, 48)?;
    sheet.write_string_with_format(7, 0, GOAL_LABEL, &styles.heading)?;
    sheet.merge_range(
        7,
        1,
        7,
        LAST_COLUMN,
        report.goals.overall_goal.as_deref().unwrap_or_default(),
        &styles.text,
    )?;

    let last = write_indicators(sheet, &styles, report, 8)?;
    write_total(sheet, &styles, last + 1, &report.results)?;
    workbook.save_to_buffer()
}

/// The row of 总分: 100, the stated total, the grade as written.
fn write_total(
    sheet: &mut Worksheet,
    styles: &Styles,
    row: u32,
    results: &Results,
) -> Result<(), XlsxError> {
    sheet.merge_range(row, 0, row, 5, SCORE_LABEL, &styles.heading)?;
    sheet.write_number_with_format(row, 6, 100, &styles.label)?;
    match results.stated_total_score {
        Some(score) => sheet.write_number_with_format(
            row,
            7,
            score.value().to_f64().unwrap_or_default(),
            &styles.label,
        )?,
        None => sheet.write_blank(row, 7, &styles.label)?,
    };
    sheet.write_string_with_format(row, 8, grade_cell(results), &styles.label)?;
    Ok(())
}

fn write_budget(
    sheet: &mut Worksheet,
    styles: &Styles,
    report: &EvaluationReport,
    weights: &Weights,
) -> Result<(), XlsxError> {
    sheet.merge_range(3, 0, 6, 0, BUDGET_LABEL, &styles.heading)?;
    sheet.merge_range(3, 1, 3, 2, "", &styles.heading)?;
    for (column, heading) in [
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string_with_format(3, 3 + column as u16, heading, &styles.heading)?;
    }
    let budget = &report.budget;
    let basic = budget.basic.as_ref().map(|b| b.amounts.clone());
    let projects = budget.projects.as_ref().map(|p| p.amounts.clone());
    let rows = [
        (4, TOTAL_ROW, budget.total.clone()),
        (5, BASIC_ROW, basic),
        (6, PROJECTS_ROW, projects),
    ];
    // The figures each row shows, as a spreadsheet computes them, for the cached values of
    // the formulas: a reader that does not recalculate shows those.
    let mut shown = [[None; 3]; 3];
    for (row, label, columns) in rows {
        sheet.merge_range(row, 1, row, 2, label, &styles.label)?;
        let index = (row - 4) as usize;
        match columns {
            Some(columns) => {
                let values = [columns.initial, columns.adjusted, columns.executed];
                for (i, value) in values.into_iter().enumerate() {
                    let column = 3 + i as u16;
                    shown[index][i] = value.map(Amount::value);
                    match amount_number(value) {
                        Some(number) => {
                            sheet.write_number_with_format(row, column, number, &styles.number)?
                        }
                        None => sheet.write_blank(row, column, &styles.number)?,
                    };
                }
            }
            None if row == 4 => {
                // No stated total: the table adds basic and project expenditure itself, an
                // empty cell counting 0.
                for i in 0..3 {
                    let column = 3 + i as u16;
                    let parts = [
                        budget.basic.as_ref().map(|b| &b.amounts),
                        budget.projects.as_ref().map(|p| &p.amounts),
                    ];
                    let sum = parts
                        .into_iter()
                        .flatten()
                        .filter_map(|c| [c.initial, c.adjusted, c.executed][i])
                        .map(Amount::value)
                        .sum::<Decimal>();
                    shown[index][i] = Some(sum);
                    let formula = Formula::new(format!(
                        "=SUM({}:{})",
                        address(5, column),
                        address(6, column)
                    ))
                    .set_result(sum.normalize().to_string());
                    sheet.write_formula_with_format(row, column, formula, &styles.number)?;
                }
            }
            None => {
                for column in 3..6 {
                    sheet.write_blank(row, column, &styles.number)?;
                }
            }
        }
        if row == 4 {
            sheet.write_number_with_format(
                row,
                6,
                weights
                    .budget_execution
                    .value()
                    .to_f64()
                    .unwrap_or_default(),
                &styles.label,
            )?;
            match report.results.stated_execution_score {
                Some(score) => sheet.write_number_with_format(
                    row,
                    8,
                    score.value().to_f64().unwrap_or_default(),
                    &styles.label,
                )?,
                None => sheet.write_blank(row, 8, &styles.label)?,
            };
        } else {
            sheet.write_blank(row, 6, &styles.label)?;
            sheet.write_blank(row, 8, &styles.label)?;
        }
        let (planned, spent) = (address(row, 4), address(row, 5));
        let [_, adjusted, executed] = shown[index];
        let rate = match adjusted.filter(|a| *a > Decimal::ZERO) {
            Some(adjusted) => (executed.unwrap_or_default() / adjusted)
                .to_f64()
                .map(|rate| rate.to_string())
                .unwrap_or_default(),
            None => String::new(),
        };
        sheet.write_formula_with_format(
            row,
            7,
            Formula::new(format!("=IF(N({planned})>0,N({spent})/N({planned}),\"\")"))
                .set_result(rate),
            &styles.percent,
        )?;
    }
    Ok(())
}

/// Writes the indicator rows under their heading at `header`; answers the last row written.
fn write_indicators(
    sheet: &mut Worksheet,
    styles: &Styles,
    report: &EvaluationReport,
    header: u32,
) -> Result<u32, XlsxError> {
    for (column, heading) in [
        LEVEL1_HEADING,
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string_with_format(header, 1 + column as u16, heading, &styles.heading)?;
    }
    let indicators = &report.goals.indicators;
    let first = header + 1;
    let count = u32::try_from(indicators.len()).unwrap_or(u32::MAX - SPARE_ROWS - first);
    let last = first + count + SPARE_ROWS - 1;
    sheet.merge_range(header, 0, last, 0, INDICATORS_LABEL, &styles.heading)?;
    for (i, indicator) in indicators.iter().enumerate() {
        let row = first + u32::try_from(i).unwrap_or(0);
        let result = report
            .results
            .indicators
            .iter()
            .find(|r| r.indicator_id == indicator.id);
        let texts = [
            (1, level1_cell(indicator.level1).to_owned()),
            (
                2,
                indicator
                    .level2
                    .as_ref()
                    .map_or("", Label::as_str)
                    .to_owned(),
            ),
            (3, indicator.name.as_str().to_owned()),
            (4, target_cell(indicator)),
            (
                5,
                result
                    .map(|r| actual_cell(indicator, r))
                    .unwrap_or_default(),
            ),
            (
                8,
                result
                    .and_then(|r| r.deviation_reason.clone())
                    .unwrap_or_default(),
            ),
        ];
        for (column, text) in texts {
            sheet.write_string_with_format(row, column, text, &styles.text)?;
        }
        let numbers = [
            (6, indicator.weight),
            (7, result.and_then(|r| r.self_score)),
        ];
        for (column, points) in numbers {
            match points {
                Some(points) => sheet.write_number_with_format(
                    row,
                    column,
                    points.value().to_f64().unwrap_or_default(),
                    &styles.label,
                )?,
                None => sheet.write_blank(row, column, &styles.label)?,
            };
        }
    }
    for row in first + count..=last {
        for column in 1..=LAST_COLUMN {
            sheet.write_blank(row, column, &styles.text)?;
        }
    }
    Ok(last)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The part of a sheet the table can take: cells beyond it are not kept, so that a workbook
/// with one cell far out (XFD1048576) costs no more than the table itself.
const MAX_ROWS: u32 = 5000;
const MAX_COLUMNS: u16 = 26;

/// Reads the sheet `自评表` of a workbook, cell by cell as the file holds them, within the
/// reader's bounds; `interrupt` is asked between every few kilobytes whether to go on.
pub fn parse(bytes: &[u8], interrupt: &dyn Interrupt) -> Result<FilledTable, WorkbookError> {
    let window = Window {
        rows: MAX_ROWS,
        columns: MAX_COLUMNS,
    };
    let mut cells = HashMap::new();
    let mut rows = 0;
    for ((row, column), value) in workbook::read_sheet(bytes, SHEET, window, interrupt)? {
        let cell = match value {
            Value::Text(text) => text_cell(text),
            Value::Number(number) => format!("{number}")
                .parse::<Decimal>()
                .map_or_else(|_| Cell::Other(format!("{number}")), Cell::Number),
            Value::Other(text) => Cell::Other(text),
            Value::Formula => Cell::Formula,
        };
        if cell != Cell::Empty {
            rows = rows.max(row + 1);
            cells.insert((row, column), cell);
        }
    }
    Ok(FilledTable { cells, rows })
}

/// A text cell, without the blanks around it; only a text that has any is copied.
fn text_cell(text: Arc<str>) -> Cell {
    match text.trim() {
        "" => Cell::Empty,
        trimmed if trimmed.len() == text.len() => Cell::Text(text),
        trimmed => Cell::Text(Arc::from(trimmed)),
    }
}

/// A cell that could not be read, already noted as such.
struct Noted;

/// Reads cells of one table, noting each it cannot read.
struct Reader<'a> {
    table: &'a FilledTable,
    unreadable: Vec<UnreadableCell>,
}

impl Reader<'_> {
    fn cell(&self, row: u32, column: u16) -> &Cell {
        self.table.cells.get(&(row, column)).unwrap_or(&Cell::Empty)
    }

    fn text(&self, row: u32, column: u16) -> Option<String> {
        match self.cell(row, column) {
            Cell::Text(text) => Some(text.to_string()),
            Cell::Other(text) => Some(text.clone()),
            Cell::Number(number) => Some(number.normalize().to_string()),
            Cell::Empty | Cell::Formula => None,
        }
    }

    fn unreadable(&mut self, row: u32, column: u16, fault: CellFault) {
        self.unreadable.push(UnreadableCell {
            sheet: SHEET.to_owned(),
            cell: address(row, column),
            fault,
        });
    }

    /// The row whose cell in `column` says `label`.
    fn find(&self, column: u16, label: &str) -> Option<u32> {
        (0..self.table.rows)
            .find(|row| matches!(self.cell(*row, column), Cell::Text(t) if &**t == label))
    }

    /// The number in a cell: `Ok(None)` where it is empty or a formula, `Err(Noted)` where it
    /// holds something else, which is noted as unreadable.
    fn number(&mut self, row: u32, column: u16) -> Result<Option<Decimal>, Noted> {
        match self.cell(row, column).clone() {
            Cell::Number(number) => Ok(Some(number)),
            Cell::Text(text) => match text.replace(',', "").parse::<Decimal>() {
                Ok(number) => Ok(Some(number)),
                Err(_) => {
                    let text = text.to_string();
                    self.unreadable(row, column, CellFault::NotANumber { text });
                    Err(Noted)
                }
            },
            Cell::Other(text) => {
                self.unreadable(row, column, CellFault::NotANumber { text });
                Err(Noted)
            }
            Cell::Empty | Cell::Formula => Ok(None),
        }
    }

    /// An amount in 万元 (`value` is `Amount::value`) or points (分值, 得分, `Points::value`):
    /// the draft's own writing of the same value is kept (`8.00` stays), and so is the
    /// draft's value where the cell cannot be read.
    fn figure<T>(
        &mut self,
        row: u32,
        column: u16,
        before: Option<T>,
        value: fn(T) -> Decimal,
        fault: fn(String) -> CellFault,
    ) -> Option<T>
    where
        T: Copy + FromStr<Err = crate::domain::Invalid>,
    {
        let Ok(number) = self.number(row, column) else {
            return before;
        };
        let number = number?;
        if let Some(before) = before.filter(|b| value(*b) == number) {
            return Some(before);
        }
        let text = number.normalize().to_string();
        match text.parse::<T>() {
            Ok(figure) => Some(figure),
            Err(_) => {
                self.unreadable(row, column, fault(text));
                before
            }
        }
    }

    fn amount(&mut self, row: u32, column: u16, before: Option<Amount>) -> Option<Amount> {
        self.figure(row, column, before, Amount::value, |text| {
            CellFault::NotAnAmount { text }
        })
    }

    fn points(&mut self, row: u32, column: u16, before: Option<Points>) -> Option<Points> {
        self.figure(row, column, before, Points::value, |text| {
            CellFault::NotPoints { text }
        })
    }

    fn columns(&mut self, row: u32, before: Option<&BudgetColumns>) -> Option<BudgetColumns> {
        let cells = [3, 4, 5].map(|column| matches!(self.cell(row, column), Cell::Formula));
        if cells.iter().all(|formula| *formula) {
            return before.cloned();
        }
        let before = before.cloned().unwrap_or_default();
        let columns = BudgetColumns {
            initial: self.amount(row, 3, before.initial),
            adjusted: self.amount(row, 4, before.adjusted),
            executed: self.amount(row, 5, before.executed),
            ..before.clone()
        };
        (columns != BudgetColumns::default() || before != BudgetColumns::default())
            .then_some(columns)
    }
}

/// Splits `≥6000件` into the comparison, the number and the unit.
fn target_parts(text: &str) -> (Comparison, String, Option<String>) {
    let (comparison, rest) = [
        ('≥', Comparison::AtLeast),
        ('≤', Comparison::AtMost),
        ('=', Comparison::Equal),
    ]
    .into_iter()
    .find_map(|(sign, comparison)| {
        text.strip_prefix(sign)
            .map(|rest| (comparison, rest.trim()))
    })
    .unwrap_or((Comparison::Qualitative, text));
    if comparison == Comparison::Qualitative {
        return (comparison, rest.to_owned(), None);
    }
    let (number, unit) = split_number(rest);
    (comparison, number, unit)
}

/// `6205件` → (`6205`, `件`).
fn split_number(text: &str) -> (String, Option<String>) {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
        .map_or(text.len(), |(i, _)| i);
    let unit = text[end..].trim();
    (
        text[..end].to_owned(),
        (!unit.is_empty()).then(|| unit.to_owned()),
    )
}

impl FilledTable {
    /// The report `draft` with what the table says in place of its budget rows, overall goal,
    /// indicators and their results, and stated scores; `code` and `year` are the evaluation
    /// the table is posted to.
    pub fn apply(&self, draft: &EvaluationReport, code: &str, year: i32) -> Reading {
        let mut reader = Reader {
            table: self,
            unreadable: Vec::new(),
        };
        let mut report = draft.clone();
        let mut places = Places::default();
        match reader.find(6, CODE_LABEL) {
            Some(row) => match reader.text(row, 7) {
                Some(found) if found != code => reader.unreadable(
                    row,
                    7,
                    CellFault::OtherUnit {
                        found,
                        expected: code.to_owned(),
                    },
                ),
                Some(_) => {}
                None => reader.unreadable(row, 7, CellFault::UnitCodeMissing),
            },
            None => reader.unreadable(2, 6, CellFault::NoUnitCodeLabel),
        }
        let year_text = reader.text(1, 0).unwrap_or_default();
        if !year_text.contains(&year.to_string()) {
            reader.unreadable(1, 0, CellFault::OtherYear { year });
        }
        // The project table shares the sheet, its labels and columns: read here, its money
        // would pass for the unit's budget.
        if reader.text(0, 0).as_deref() == Some(project::TITLE) {
            reader.unreadable(0, 0, CellFault::ProjectTable);
        }

        if let Some(row) = reader.find(1, TOTAL_ROW) {
            places.note("budget.total", row);
            places.note("results.stated_execution_score", row);
            report.budget.total = reader.columns(row, draft.budget.total.as_ref());
            report.results.stated_execution_score =
                reader.points(row, 8, draft.results.stated_execution_score);
        }
        if let Some(row) = reader.find(1, BASIC_ROW) {
            places.note("budget.basic.amounts", row);
            let before = draft.budget.basic.as_ref().map(|b| &b.amounts);
            if let Some(columns) = reader.columns(row, before) {
                report
                    .budget
                    .basic
                    .get_or_insert_with(Default::default)
                    .amounts = columns;
            } else if let Some(basic) = report.budget.basic.as_mut() {
                basic.amounts = BudgetColumns::default();
            }
        }
        if let Some(row) = reader.find(1, PROJECTS_ROW) {
            places.note("budget.projects.amounts", row);
            let before = draft.budget.projects.as_ref().map(|p| &p.amounts);
            if let Some(columns) = reader.columns(row, before) {
                report
                    .budget
                    .projects
                    .get_or_insert_with(Default::default)
                    .amounts = columns;
            } else if let Some(projects) = report.budget.projects.as_mut() {
                projects.amounts = BudgetColumns::default();
            }
        }
        if let Some(row) = reader.find(0, GOAL_LABEL) {
            places.note("goals.overall_goal", row);
            report.goals.overall_goal = reader.text(row, 1);
        }
        read_scored_part(&mut reader, draft, &mut report, &mut places);
        Reading {
            report,
            unreadable: reader.unreadable,
            places,
        }
    }
}

/// The indicator rows under 一级指标 and the row of 总分 with the grade, read into `report`
/// against `draft`: the part the departmental and the project tables share.
fn read_scored_part(
    reader: &mut Reader<'_>,
    draft: &EvaluationReport,
    report: &mut EvaluationReport,
    places: &mut Places,
) {
    let Some(header) = reader.find(1, LEVEL1_HEADING) else {
        return;
    };
    let rows = reader.table.rows;
    let end = reader.find(0, SCORE_LABEL).unwrap_or(rows);
    let (indicators, results) = read_indicators(reader, draft, (header + 1, end), places);
    report.goals.indicators = indicators;
    report.results.indicators = results;
    if end < rows {
        places.note("results.stated_total_score", end);
        places.note("results.stated_grade", end);
        report.results.stated_total_score = reader.points(end, 7, draft.results.stated_total_score);
        let (grade, written) = match reader.text(end, 8) {
            None => (None, None),
            Some(text) => match grade_of(&text) {
                Some(grade) => {
                    let written = (text != grade_name(grade))
                        .then(|| Label::try_from(text).ok())
                        .flatten();
                    (Some(grade), written)
                }
                None => {
                    reader.unreadable(end, 8, CellFault::NotAGrade { text });
                    // Kept as stored where the cell cannot be read.
                    (
                        draft.results.stated_grade,
                        draft.results.stated_grade_as_written.clone(),
                    )
                }
            },
        };
        report.results.stated_grade = grade;
        report.results.stated_grade_as_written = written;
    }
}

fn label(reader: &mut Reader<'_>, row: u32, column: u16, what: &'static str) -> Option<Label> {
    match reader.text(row, column) {
        Some(text) => match Label::try_from(text) {
            Ok(label) => Some(label),
            Err(_) => {
                reader.unreadable(row, column, CellFault::TextUnstorable);
                None
            }
        },
        None => {
            reader.unreadable(row, column, CellFault::Required { what });
            None
        }
    }
}

fn read_indicators(
    reader: &mut Reader<'_>,
    draft: &EvaluationReport,
    (first, end): (u32, u32),
    places: &mut Places,
) -> (Vec<Indicator>, Vec<IndicatorResult>) {
    let mut indicators: Vec<Indicator> = Vec::new();
    let mut results = Vec::new();
    let mut used = Vec::new();
    // A flat form leaves 一级 and 二级 empty; a cell merged over several rows holds its value
    // in the first of them, and the rows below it follow it.
    let (mut level1, mut level2): (Option<IndicatorLevel1>, Option<Label>) = (None, None);
    let mut under_unreadable = false;
    for row in first..end {
        if (1..=LAST_COLUMN).all(|column| reader.text(row, column).is_none()) {
            continue;
        }
        if let Some(text) = reader.text(row, 1) {
            level1 = level1_of(&text);
            under_unreadable = level1.is_none();
            if under_unreadable {
                reader.unreadable(row, 1, CellFault::NotALevel1 { text });
            }
        }
        // The rows under an unreadable 一级指标 are not taken: it is named once, above them.
        if under_unreadable {
            continue;
        }
        if reader.text(row, 2).is_some() {
            level2 = label(reader, row, 2, "二级指标");
        }
        let Some(name) = label(reader, row, 3, "三级指标") else {
            continue;
        };
        let before = draft
            .goals
            .indicators
            .iter()
            .find(|i| i.level1 == level1 && i.name == name && !used.contains(&i.id));
        let id = match before {
            Some(before) => before.id.clone(),
            None => match Label::try_from(format!("row{}", row + 1)) {
                Ok(id) => id,
                Err(_) => continue,
            },
        };
        used.push(id.clone());
        let result_before = draft
            .results
            .indicators
            .iter()
            .find(|r| r.indicator_id == id);
        let mut cells = RowCells { reader, row };
        let names = Names {
            id,
            level1,
            level2: level2.clone(),
            name,
        };
        let Some(indicator) = cells.indicator(names, before) else {
            continue;
        };
        if let Some(result) = cells.result(&indicator, before, result_before) {
            places.note(format!("results.indicators[{}]", results.len()), row);
            results.push(result);
        }
        places.note(format!("goals.indicators[{}]", indicators.len()), row);
        indicators.push(indicator);
    }
    (indicators, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_in_the_report_is_found_at_the_cell_of_its_row_and_field() {
        let mut places = Places::default();
        places.note("budget.total", 4);
        places.note("results.indicators[2]", 11);
        places.note("results.indicators[12]", 21);
        places.note("goals.indicators[0]", 9);
        assert_eq!(
            places
                .cell("results.indicators[2].deviation_reason")
                .as_deref(),
            Some("自评表!I12")
        );
        assert_eq!(
            places.cell("results.indicators[12].actual").as_deref(),
            Some("自评表!F22")
        );
        assert_eq!(
            places.cell("budget.total.executed").as_deref(),
            Some("自评表!F5")
        );
        assert_eq!(
            places.cell("goals.indicators[0].weight").as_deref(),
            Some("自评表!G10")
        );
        assert_eq!(places.cell("budget.three_public.total.actual"), None);
    }

    #[test]
    fn grades_are_read_as_forms_write_them() {
        for (text, grade) in [
            ("优秀", Grade::Excellent),
            ("优", Grade::Excellent),
            ("良好", Grade::Good),
            ("合格", Grade::Fair),
            ("中等", Grade::Fair),
            ("不合格", Grade::Poor),
            ("差", Grade::Poor),
        ] {
            assert_eq!(grade_of(text), Some(grade), "{text}");
        }
        assert_eq!(grade_of("很好"), None);
    }

    #[test]
    fn cells_are_addressed_as_a_spreadsheet_names_them() {
        assert_eq!(address(0, 0), "A1");
        assert_eq!(address(5, 3), "D6");
        assert_eq!(address(9, 26), "AA10");
    }

    #[test]
    fn a_target_is_split_into_its_comparison_number_and_unit() {
        assert_eq!(
            target_parts("≥6000件"),
            (
                Comparison::AtLeast,
                "6000".to_owned(),
                Some("件".to_owned())
            )
        );
        assert_eq!(
            target_parts("≤5%"),
            (Comparison::AtMost, "5".to_owned(), Some("%".to_owned()))
        );
        assert_eq!(
            target_parts("高"),
            (Comparison::Qualitative, "高".to_owned(), None)
        );
    }
}
