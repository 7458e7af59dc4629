//! 公开文本 — the report as people read it: the narrative document (HTML for the screen and
//! the printer, Markdown for editors) and the standard self-evaluation table as a workbook.
//! Rendering only: it reads the report and the figures the domain computes, never I/O.

pub mod charts;
pub mod form;
pub mod library;
pub mod markdown;
pub mod monitoring;
pub mod narrative;
pub mod notice;
pub mod open_data;
pub mod pages;
pub mod project_table;
pub mod workbook;

use crate::domain::cycle::{Action, EvaluationStatus};
use crate::domain::department::{FundingType, UnitKind};
use crate::domain::report::{
    Comparison, Grade, Indicator, IndicatorLevel1, IndicatorResult, read_figure,
};

/// 一, 二, 三 … for numbering the way the reports do (up to 99).
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// 一级指标 as a cell: empty on a flat form.
pub fn level1_cell(level: Option<IndicatorLevel1>) -> &'static str {
    level.map_or("", IndicatorLevel1::chinese_name)
}

/// The target as a form shows it: as written where the text carries its own sign, else with
/// the sign of the stated comparison before it and the unit after a bare number.
pub fn target_cell(indicator: &Indicator) -> String {
    let text = indicator.target_text();
    let unit = indicator.unit.as_deref().unwrap_or_default();
    match read_figure(text) {
        Some((None, _, None)) => format!(
            "{}{text}{unit}",
            indicator.comparison.map_or("", comparison_sign)
        ),
        Some(_) => text.to_owned(),
        None => format!("{}{text}", indicator.comparison.map_or("", comparison_sign)),
    }
}

/// The actual as a form shows it: with the indicator's unit after a bare number.
pub fn actual_cell(indicator: &Indicator, result: &IndicatorResult) -> String {
    let Some(actual) = result.actual.as_ref().map(|a| a.as_str()) else {
        return String::new();
    };
    match read_figure(actual) {
        Some((_, _, None)) => format!("{actual}{}", indicator.unit.as_deref().unwrap_or_default()),
        _ => actual.to_owned(),
    }
}

/// The sign written before a target: ≥, ≤, =, or nothing for words.
pub fn comparison_sign(comparison: Comparison) -> &'static str {
    match comparison {
        Comparison::AtLeast => "≥",
        Comparison::AtMost => "≤",
        Comparison::Equal => "=",
        Comparison::Qualitative => "",
    }
}

pub fn grade_name(grade: Grade) -> &'static str {
    match grade {
        Grade::Excellent => "优",
        Grade::Good => "良",
        Grade::Fair => "中",
        Grade::Poor => "差",
    }
}

/// 状态 as the bureau's forms and notices write it.
pub fn status_name(status: EvaluationStatus) -> &'static str {
    match status {
        EvaluationStatus::Draft => "草稿",
        EvaluationStatus::Submitted => "已提交",
        EvaluationStatus::Returned => "已退回",
        EvaluationStatus::Accepted => "已审核",
        EvaluationStatus::Published => "已公开",
    }
}

/// 审核动作 as a verb.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Submit => "提交",
        Action::Return => "退回",
        Action::Accept => "审核通过",
        Action::Publish => "公开",
    }
}

pub fn unit_kind_name(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Administrative => "行政单位",
        UnitKind::CivilServiceManaged => "参照公务员法管理单位",
        UnitKind::PublicInstitution => "事业单位",
        UnitKind::StreetOffice => "街道办事处",
        UnitKind::Other => "单位",
    }
}

pub fn funding_type_name(funding: FundingType) -> &'static str {
    match funding {
        FundingType::FullAppropriation => "全额拨款",
        FundingType::PartialAppropriation => "差额拨款",
        FundingType::SelfFunded => "自收自支",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_way_the_reports_number_parts() {
        let written: Vec<String> = [1, 6, 10, 12, 20, 34].map(chinese_number).into();
        assert_eq!(written, ["一", "六", "十", "十二", "二十", "三十四"]);
    }
}
