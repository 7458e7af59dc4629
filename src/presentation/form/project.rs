//! 项目支出绩效自评表 — the project table units fill in Excel: written from a project table in
//! the standard layout, and read back into one. The same sheet (`自评表`), columns, indicator
//! rows, total row and reader as the departmental table, so that both take the same bounds and
//! name an unreadable cell alike.
//!
//! Top to bottom: the title and year; 项目名称 and 项目代码, 主管部门 and 单位代码, 实施单位 and
//! 金额单位, 项目负责人 and 联系电话; 项目资金 — the total row (年度资金总额) and one row per
//! source, with 年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率（%） / 得分; 年度总体目标 as
//! 预期目标 | 实际完成情况, a row each; the indicator rows; 总分 and the grade. Amounts are
//! written in the unit the table writes them (万元 or 元) as numbers where a spreadsheet holds
//! them exactly, else as text, so that money comes back to the last place. The reader finds
//! each part by its label; what the form does not show (the narrative, the departmental line,
//! indicator details the departmental table does not show either) stays as the draft has it.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{
    CODE_LABEL, CellFault, FilledTable, GOAL_LABEL, LAST_COLUMN, LEVEL1_HEADING, Places, Reader,
    Styles, TOTAL_ROW, UnreadableCell, read_scored_part, titled_sheet, write_indicators,
    write_total,
};
use crate::domain::project::{
    AmountUnit, Funding, FundingSource, FundingSourceKind, FundingTotal, OverallGoal, ProjectKey,
    ProjectTable,
};
use crate::domain::values::{Amount, Label, Points, Quantity, text_fault};

pub(super) const TITLE: &str = "项目支出绩效自评表";
const NAME_LABEL: &str = "项目名称";
const PROJECT_CODE_LABEL: &str = "项目代码";
const COMPETENT_LABEL: &str = "主管部门";
const IMPLEMENTING_LABEL: &str = "实施单位";
const UNIT_LABEL: &str = "金额单位";
const PERSON_LABEL: &str = "项目负责人";
const PHONE_LABEL: &str = "联系电话";
const EXPECTED_HEADING: &str = "预期目标";
const ACTUAL_HEADING: &str = "实际完成情况";
/// The source rows a table without sources offers to fill.
const STANDARD_SOURCES: [&str; 3] = ["其中：当年财政拨款", "上年结转资金", "其他资金"];
/// The first row of 项目资金 (its headings).
const FUNDING_HEADER: u32 = 6;

fn unit_name(unit: AmountUnit) -> &'static str {
    match unit {
        AmountUnit::WanYuan => "万元",
        AmountUnit::Yuan => "元",
    }
}

/// The standard source a row's label names, if it names one.
fn source_kind(name: &str) -> Option<FundingSourceKind> {
    if name.contains("财政拨款") {
        Some(FundingSourceKind::CurrentAppropriation)
    } else if name.contains("上年结转") {
        Some(FundingSourceKind::CarriedOver)
    } else if name.contains("其他资金") {
        Some(FundingSourceKind::Other)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// A decimal as a cell: a number where the spreadsheet's number is the same decimal, else the
/// decimal as text (an amount of more significant digits than a double holds), which the
/// reader takes as the same number.
fn write_decimal(
    sheet: &mut Worksheet,
    (row, column): (u32, u16),
    value: Option<Decimal>,
    format: &Format,
) -> Result<(), XlsxError> {
    let Some(value) = value else {
        sheet.write_blank(row, column, format)?;
        return Ok(());
    };
    let exact = value
        .to_f64()
        .filter(|number| format!("{number}").parse::<Decimal>().ok() == Some(value));
    match exact {
        Some(number) => sheet.write_number_with_format(row, column, number, format)?,
        None => sheet.write_string_with_format(row, column, value.to_string(), format)?,
    };
    Ok(())
}

/// A label and its value over the columns the header rows give them: the label in A:B or G,
/// the value in C:F or H:I.
fn write_field(
    sheet: &mut Worksheet,
    styles: &Styles,
    (row, right): (u32, bool),
    label: &str,
    value: &str,
) -> Result<(), XlsxError> {
    if right {
        sheet.write_string_with_format(row, 6, label, &styles.heading)?;
        sheet.merge_range(row, 7, row, LAST_COLUMN, value, &styles.text)?;
    } else {
        sheet.merge_range(row, 0, row, 1, label, &styles.heading)?;
        sheet.merge_range(row, 2, row, 5, value, &styles.text)?;
    }
    Ok(())
}

/// Writes the project table as the 项目支出绩效自评表 of `key`.
pub fn write_project(key: &ProjectKey, table: &ProjectTable) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let styles = Styles::new();
    let sheet = titled_sheet(&mut workbook, &styles, TITLE, key.year.value())?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let fields = [
        (
            (2, false),
            NAME_LABEL,
            table.name.as_ref().map_or("", Label::as_str).to_owned(),
        ),
        (
            (2, true),
            PROJECT_CODE_LABEL,
            key.project_code.as_str().to_owned(),
        ),
        (
            (3, false),
            COMPETENT_LABEL,
            text(&table.competent_department),
        ),
        (
            (3, true),
            CODE_LABEL,
            key.department_code.as_str().to_owned(),
        ),
        (
            (4, false),
            IMPLEMENTING_LABEL,
            text(&table.implementing_unit),
        ),
        (
            (4, true),
            UNIT_LABEL,
            unit_name(table.funding.unit()).to_owned(),
        ),
        ((5, false), PERSON_LABEL, text(&table.contact.person)),
        ((5, true), PHONE_LABEL, text(&table.contact.phone)),
    ];
    for (place, label, value) in fields {
        write_field(sheet, &styles, place, label, &value)?;
    }
    let goals = write_funding(sheet, &styles, &table.funding)?;
    let header = write_goals(sheet, &styles, goals, &table.overall_goals)?;
    let report = table.indicator_report();
    let last = write_indicators(sheet, &styles, &report, header)?;
    write_total(sheet, &styles, last + 1, &report.results)?;
    workbook.save_to_buffer()
}

/// Writes 项目资金; answers the row after it.
fn write_funding(
    sheet: &mut Worksheet,
    styles: &Styles,
    funding: &Funding,
) -> Result<u32, XlsxError> {
    let header = FUNDING_HEADER;
    sheet.merge_range(header, 1, header, 2, "", &styles.heading)?;
    for (column, heading) in [
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率（%）",
        "得分",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string_with_format(header, 3 + column as u16, heading, &styles.heading)?;
    }
    let total_row = header + 1;
    let total = funding.total.clone().unwrap_or_default();
    sheet.merge_range(total_row, 1, total_row, 2, TOTAL_ROW, &styles.label)?;
    let figures = [
        (3, total.initial.map(Amount::value), &styles.number),
        (4, total.full_year.map(Amount::value), &styles.number),
        (5, total.executed.map(Amount::value), &styles.number),
        (6, total.weight.map(Points::value), &styles.label),
        (7, total.stated_rate.map(Quantity::value), &styles.label),
        (8, total.stated_score.map(Points::value), &styles.label),
    ];
    for (column, value, format) in figures {
        write_decimal(sheet, (total_row, column), value, format)?;
    }
    let standard: Vec<FundingSource> = STANDARD_SOURCES
        .into_iter()
        .filter_map(|name| Label::try_from(name.to_owned()).ok())
        .map(|name| FundingSource {
            kind: source_kind(name.as_str()),
            name,
            initial: None,
            full_year: None,
            executed: None,
        })
        .collect();
    let sources = if funding.sources.is_empty() {
        &standard
    } else {
        &funding.sources
    };
    let mut row = total_row;
    for source in sources {
        row += 1;
        sheet.merge_range(row, 1, row, 2, source.name.as_str(), &styles.label)?;
        let amounts = [source.initial, source.full_year, source.executed];
        for (i, amount) in amounts.into_iter().enumerate() {
            let column = 3 + i as u16;
            write_decimal(
                sheet,
                (row, column),
                amount.map(Amount::value),
                &styles.number,
            )?;
        }
        for column in 6..=LAST_COLUMN {
            sheet.write_blank(row, column, &styles.label)?;
        }
    }
    sheet.merge_range(
        header,
        0,
        row,
        0,
        &format!("项目资金（{}）", unit_name(funding.unit())),
        &styles.heading,
    )?;
    Ok(row + 1)
}

/// Writes 年度总体目标 from `first` with a spare row; answers the row after it.
fn write_goals(
    sheet: &mut Worksheet,
    styles: &Styles,
    first: u32,
    goals: &[OverallGoal],
) -> Result<u32, XlsxError> {
    sheet.merge_range(first, 1, first, 4, EXPECTED_HEADING, &styles.heading)?;
    sheet.merge_range(
        first,
        5,
        first,
        LAST_COLUMN,
        ACTUAL_HEADING,
        &styles.heading,
    )?;
    let mut row = first;
    let spare = OverallGoal::default();
    for goal in goals.iter().chain(std::iter::once(&spare)) {
        row += 1;
        let expected = goal.expected.as_deref().unwrap_or_default();
        let actual = goal.actual.as_deref().unwrap_or_default();
        sheet.merge_range(row, 1, row, 4, expected, &styles.text)?;
        sheet.merge_range(row, 5, row, LAST_COLUMN, actual, &styles.text)?;
    }
    sheet.merge_range(first, 0, row, 0, GOAL_LABEL, &styles.heading)?;
    Ok(row + 1)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A text of the table the form shows beside a label.
type TextField = fn(&mut ProjectTable) -> &mut Option<String>;

/// What was read of a project table: the table with the form's parts in it, the cells that
/// could not be read, and the rows each part was read from.
#[derive(Debug, Clone)]
pub struct ProjectReading {
    pub table: ProjectTable,
    pub unreadable: Vec<UnreadableCell>,
    pub places: Places,
}

/// A text of the table: the draft's own where the cell shows it (its blanks around kept),
/// `before` where the cell cannot be stored.
fn kept_text(
    reader: &mut Reader<'_>,
    (row, column): (u32, u16),
    before: Option<&String>,
) -> Option<String> {
    let read = reader.text(row, column);
    if let Some(before) = before.filter(|b| Some(b.trim()) == read.as_deref()) {
        return Some(before.clone());
    }
    match read {
        Some(text) if text_fault(&text).is_some() => {
            reader.unreadable(row, column, CellFault::TextUnstorable);
            before.cloned()
        }
        read => read,
    }
}

/// The value beside a label (in A or G), where the label is found.
fn beside(reader: &Reader<'_>, label: &str) -> Option<(u32, u16)> {
    [(0, 2), (6, 7)]
        .into_iter()
        .find_map(|(column, value)| reader.find(column, label).map(|row| (row, value)))
}

/// Reads the 项目支出绩效自评表 `filled` into `draft`, the project `key`'s table: its project,
/// funding, overall goals, indicators and stated scores replace the draft's; the rest stays.
pub fn read_project(
    filled: &FilledTable,
    draft: &ProjectTable,
    key: &ProjectKey,
) -> ProjectReading {
    let mut reader = Reader {
        table: filled,
        unreadable: Vec::new(),
    };
    let mut table = draft.clone();
    let mut places = Places::default();
    check_identity(&mut reader, key);

    if let Some(place) = beside(&reader, NAME_LABEL) {
        let before = draft.name.as_ref().map(|n| n.as_str().to_owned());
        table.name = kept_text(&mut reader, place, before.as_ref()).and_then(|name| {
            Label::try_from(name).map_or_else(
                |_| {
                    reader.unreadable(place.0, place.1, CellFault::TextUnstorable);
                    draft.name.clone()
                },
                Some,
            )
        });
    }
    let texts: [(&str, TextField); 4] = [
        (COMPETENT_LABEL, |t| &mut t.competent_department),
        (IMPLEMENTING_LABEL, |t| &mut t.implementing_unit),
        (PERSON_LABEL, |t| &mut t.contact.person),
        (PHONE_LABEL, |t| &mut t.contact.phone),
    ];
    for (label, field) in texts {
        if let Some(place) = beside(&reader, label) {
            // `table` holds the draft's texts until each is read.
            let before = field(&mut table).clone();
            *field(&mut table) = kept_text(&mut reader, place, before.as_ref());
        }
    }
    read_funding(&mut reader, draft, &mut table, &mut places);
    read_overall_goals(&mut reader, draft, &mut table, &mut places);

    let before = draft.indicator_report();
    let mut report = before.clone();
    read_scored_part(&mut reader, &before, &mut report, &mut places);
    table.goals.indicators = report.goals.indicators;
    table.results.indicators = report.results.indicators;
    table.results.stated_total_score = report.results.stated_total_score;
    table.results.stated_grade = report.results.stated_grade;
    table.results.stated_grade_as_written = report.results.stated_grade_as_written;
    ProjectReading {
        table,
        unreadable: reader.unreadable,
        places,
    }
}

/// The unit, project and year the table says it is of, against the table it is posted to.
fn check_identity(reader: &mut Reader<'_>, key: &ProjectKey) {
    let expected = key.department_code.as_str();
    match beside(reader, CODE_LABEL) {
        Some((row, column)) => match reader.text(row, column) {
            Some(found) if found != expected => reader.unreadable(
                row,
                column,
                CellFault::OtherUnit {
                    found,
                    expected: expected.to_owned(),
                },
            ),
            Some(_) => {}
            None => reader.unreadable(row, column, CellFault::UnitCodeMissing),
        },
        None => reader.unreadable(3, 6, CellFault::NoUnitCodeLabel),
    }
    let expected = key.project_code.as_str();
    match beside(reader, PROJECT_CODE_LABEL) {
        Some((row, column)) => match reader.text(row, column) {
            Some(found) if found != expected => reader.unreadable(
                row,
                column,
                CellFault::OtherProject {
                    found,
                    expected: expected.to_owned(),
                },
            ),
            Some(_) => {}
            None => reader.unreadable(row, column, CellFault::ProjectCodeMissing),
        },
        None => reader.unreadable(2, 6, CellFault::ProjectCodeMissing),
    }
    let year = key.year.value();
    if !reader
        .text(1, 0)
        .unwrap_or_default()
        .contains(&year.to_string())
    {
        reader.unreadable(1, 0, CellFault::OtherYear { year });
    }
}

/// 金额单位, the total row and the source rows under it, up to 年度总体目标.
fn read_funding(
    reader: &mut Reader<'_>,
    draft: &ProjectTable,
    table: &mut ProjectTable,
    places: &mut Places,
) {
    if let Some((row, column)) = beside(reader, UNIT_LABEL) {
        let unit = match reader.text(row, column).as_deref() {
            None => draft.funding.unit(),
            Some("万元") => AmountUnit::WanYuan,
            Some("元") => AmountUnit::Yuan,
            Some(text) => {
                let text = text.to_owned();
                reader.unreadable(row, column, CellFault::NotAnAmountUnit { text });
                draft.funding.unit()
            }
        };
        table.funding.amount_unit = if unit == draft.funding.unit() {
            draft.funding.amount_unit
        } else {
            Some(unit)
        };
    }
    let Some(total_row) = reader.find(1, TOTAL_ROW) else {
        return;
    };
    places.note("funding.total", total_row);
    let before = draft.funding.total.clone();
    let was = before.clone().unwrap_or_default();
    let total = FundingTotal {
        initial: reader.amount(total_row, 3, was.initial),
        full_year: reader.amount(total_row, 4, was.full_year),
        executed: reader.amount(total_row, 5, was.executed),
        weight: reader.points(total_row, 6, was.weight),
        stated_rate: reader.figure(total_row, 7, was.stated_rate, Quantity::value, |text| {
            CellFault::NotANumber { text }
        }),
        stated_score: reader.points(total_row, 8, was.stated_score),
    };
    table.funding.total = (total != FundingTotal::default() || before.is_some()).then_some(total);

    let end = reader.find(0, GOAL_LABEL).unwrap_or(reader.table.rows);
    let mut used = vec![false; draft.funding.sources.len()];
    let mut sources = Vec::new();
    for row in total_row + 1..end {
        let Some(name) = reader.text(row, 1) else {
            if (3..6).any(|column| reader.text(row, column).is_some()) {
                reader.unreadable(
                    row,
                    1,
                    CellFault::Required {
                        what: "资金来源"
                    },
                );
            }
            continue;
        };
        let Ok(name) = Label::try_from(name) else {
            reader.unreadable(row, 1, CellFault::TextUnstorable);
            continue;
        };
        let before = draft
            .funding
            .sources
            .iter()
            .enumerate()
            .find(|(i, s)| !used[*i] && s.name == name);
        if let Some((i, _)) = before {
            used[i] = true;
        }
        let before = before.map(|(_, s)| s);
        let source = FundingSource {
            kind: before.map_or_else(|| source_kind(name.as_str()), |b| b.kind),
            initial: reader.amount(row, 3, before.and_then(|b| b.initial)),
            full_year: reader.amount(row, 4, before.and_then(|b| b.full_year)),
            executed: reader.amount(row, 5, before.and_then(|b| b.executed)),
            name,
        };
        // A source row with no figure is the form's offer to fill, unless the draft has it.
        let blank =
            source.initial.is_none() && source.full_year.is_none() && source.executed.is_none();
        if blank && before.is_none() {
            continue;
        }
        places.note(format!("funding.sources[{}]", sources.len()), row);
        sources.push(source);
    }
    table.funding.sources = sources;
}

/// 预期目标 | 实际完成情况, a row each, from under 年度总体目标's headings to the indicators.
fn read_overall_goals(
    reader: &mut Reader<'_>,
    draft: &ProjectTable,
    table: &mut ProjectTable,
    places: &mut Places,
) {
    let Some(first) = reader.find(0, GOAL_LABEL) else {
        return;
    };
    let end = reader.find(1, LEVEL1_HEADING).unwrap_or(reader.table.rows);
    let mut goals = Vec::new();
    // A form without the headings has its first goal on the label's own row.
    for row in first..end {
        if reader.text(row, 1).as_deref() == Some(EXPECTED_HEADING) {
            continue;
        }
        let before = draft.overall_goals.get(goals.len());
        let goal = OverallGoal {
            expected: kept_text(reader, (row, 1), before.and_then(|g| g.expected.as_ref())),
            actual: kept_text(reader, (row, 5), before.and_then(|g| g.actual.as_ref())),
        };
        if goal == OverallGoal::default() {
            continue;
        }
        places.note(format!("overall_goals[{}]", goals.len()), row);
        goals.push(goal);
    }
    table.overall_goals = goals;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::project::ProjectCode;
    use crate::domain::values::{FiscalYear, UnitCode};
    use crate::presentation::form::parse;
    use crate::presentation::workbook::{Interrupt, Stop};

    struct Never;

    impl Interrupt for Never {
        fn stop(&self) -> Option<Stop> {
            None
        }
    }

    fn key() -> ProjectKey {
        ProjectKey {
            department_code: "100".parse::<UnitCode>().unwrap(),
            year: FiscalYear::try_from(2022).unwrap(),
            project_code: "P-01".parse::<ProjectCode>().unwrap(),
        }
    }

    fn table() -> ProjectTable {
        serde_json::from_value(serde_json::json!({
            "name": "城市道路清扫保洁",
            "contact": {"person": " 张三 "},
            "funding": {
                "amount_unit": "yuan",
                "total": {"initial": "123456789012.345678", "full_year": "1000000.00", "executed": "950000.10",
                          "weight": "10", "stated_rate": "95", "stated_score": "9.5"},
                "sources": [{"name": "财政专户资金", "initial": "1.5"}, {"name": "其他资金", "kind": "other"}]
            },
            "overall_goals": [{"expected": "保障", "actual": "完成"}],
            "narrative": "不在表上"
        }))
        .unwrap()
    }

    #[test]
    fn a_table_written_and_read_back_against_itself_is_the_same_table() {
        let table = table();
        let workbook = write_project(&key(), &table).unwrap();
        let filled = parse(&workbook, &Never).unwrap();
        let reading = read_project(&filled, &table, &key());
        assert_eq!(reading.unreadable, []);
        assert_eq!(reading.table, table);
    }

    #[test]
    fn a_table_read_into_nothing_keeps_its_money_and_names_standard_sources_by_their_label() {
        let workbook = write_project(&key(), &table()).unwrap();
        let filled = parse(&workbook, &Never).unwrap();
        let reading = read_project(&filled, &ProjectTable::default(), &key());
        assert_eq!(reading.unreadable, []);
        let funding = &reading.table.funding;
        assert_eq!(funding.amount_unit, Some(AmountUnit::Yuan));
        let total = funding.total.clone().unwrap_or_default();
        assert_eq!(
            total.initial.map(Amount::value),
            Some("123456789012.345678".parse().unwrap())
        );
        assert_eq!(
            total.executed.map(Amount::value),
            Some("950000.1".parse().unwrap())
        );
        // The blank 其他资金 row is the form's offer, not a source, without a draft naming it.
        assert_eq!(funding.sources.len(), 1);
        assert_eq!(funding.sources[0].kind, None);
        assert_eq!(
            source_kind("其中：当年财政拨款"),
            Some(FundingSourceKind::CurrentAppropriation)
        );
        assert_eq!(reading.table.narrative, None);
        assert_eq!(
            reading.places.cell("funding.total.stated_rate").as_deref(),
            Some("自评表!H8")
        );
    }

    #[test]
    fn a_form_of_another_project_unit_or_year_is_named_at_its_cell() {
        let workbook = write_project(&key(), &table()).unwrap();
        let filled = parse(&workbook, &Never).unwrap();
        let other = ProjectKey {
            department_code: "200".parse::<UnitCode>().unwrap(),
            year: FiscalYear::try_from(2023).unwrap(),
            project_code: "P-02".parse::<ProjectCode>().unwrap(),
        };
        let reading = read_project(&filled, &table(), &other);
        let cells: Vec<(&str, &str)> = reading
            .unreadable
            .iter()
            .map(|c| (c.cell.as_str(), c.fault.code()))
            .collect();
        assert_eq!(
            cells,
            [
                ("H4", "other_unit"),
                ("H3", "other_project"),
                ("A2", "other_year")
            ]
        );
    }
}
