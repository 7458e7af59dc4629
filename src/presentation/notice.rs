//! 结果通报 as a document: the year's notice in the bureau's words — the results with each
//! unit's score, review score and grade, the year's bands and what each grade means for next
//! year's budget, and how the rectification items stand — as HTML (print-ready) or Markdown.
//! The workbook is the same rows through the export of tables.

use serde::Serialize;

use super::grade_name;
use super::narrative::{DocumentFormat, environment};
use crate::domain::figures::Exact;
use crate::domain::result_application::notice::Notice;
use crate::domain::result_application::rectification::RectificationStatus;

const HTML: &str = include_str!("templates/notice.html");
const MARKDOWN: &str = include_str!("templates/notice.md");
const STYLESHEET: &str = include_str!("templates/report.css");

/// The notice as one document, ready for a template.
#[derive(Debug, Serialize)]
pub struct NoticeDocument {
    pub title: String,
    pub year: i32,
    pub summary: String,
    pub rows: Vec<ResultLine>,
    pub bands: Vec<BandLine>,
    pub basis: String,
    pub rectification_summary: String,
    pub items: Vec<ItemLine>,
}

/// A unit's line of 评价结果.
#[derive(Debug, Serialize)]
pub struct ResultLine {
    pub number: usize,
    pub unit: String,
    pub self_score: String,
    pub review_score: String,
    pub difference: String,
    pub grade: String,
    pub application: String,
    pub rectification: String,
}

/// A band of 等级标准及结果应用.
#[derive(Debug, Serialize)]
pub struct BandLine {
    pub grade: &'static str,
    pub range: String,
    pub budget: String,
}

/// An item of 整改情况.
#[derive(Debug, Serialize)]
pub struct ItemLine {
    pub number: usize,
    pub unit: String,
    pub problem: String,
    pub deadline: String,
    pub status: String,
}

/// 整改状态 as the bureau writes it.
pub fn rectification_status_name(status: RectificationStatus) -> &'static str {
    match status {
        RectificationStatus::Open => "未整改",
        RectificationStatus::InProgress => "整改中",
        RectificationStatus::Done => "已完成",
    }
}

fn shown(value: Option<Exact>) -> String {
    value.map(String::from).unwrap_or_default()
}

/// What a grade means for next year's budget, as stated: the percentage and the note, or
/// nothing where the bureau stated nothing.
fn application(percent: Option<rust_decimal::Decimal>, note: Option<&str>) -> String {
    let percent = percent.map(|p| {
        let p = p.normalize();
        if p.is_sign_negative() {
            format!("下年预算核减{}%", -p)
        } else if p.is_zero() {
            "下年预算不作调整".to_owned()
        } else {
            format!("下年预算增加{p}%")
        }
    });
    match (percent, note) {
        (Some(percent), Some(note)) => format!("{percent}；{note}"),
        (Some(percent), None) => percent,
        (None, Some(note)) => note.to_owned(),
        (None, None) => String::new(),
    }
}

/// The notice laid out as the bureau writes it.
pub fn document(notice: &Notice) -> NoticeDocument {
    let year = notice.year.value();
    let counts: Vec<String> = notice
        .grade_counts
        .iter()
        .map(|c| format!("“{}”{}个", grade_name(c.grade), c.units))
        .collect();
    let mut summary = format!(
        "{year}年度共有{}个单位的部门整体支出绩效自评报告已公开。按本年度评价等级标准，评价结论为{}",
        notice.rows.len(),
        counts.join("、")
    );
    if notice.ungraded > 0 {
        summary.push_str(&format!(
            "；{}个单位自评得分不完整，未评定等级",
            notice.ungraded
        ));
    }
    summary.push('。');
    let rows = notice
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| ResultLine {
            number: i + 1,
            unit: row.department_name.clone(),
            self_score: shown(row.self_score),
            review_score: shown(row.review_score),
            difference: shown(row.review_difference),
            grade: row.grade.map(grade_name).unwrap_or_default().to_owned(),
            application: application(
                row.budget_percent.map(|p| p.value()),
                row.budget_note.as_deref(),
            ),
            rectification: if row.rectifications == 0 {
                String::new()
            } else {
                format!(
                    "{}项，已完成{}项{}",
                    row.rectifications,
                    row.rectifications_done,
                    if row.rectifications_overdue > 0 {
                        format!("，逾期{}项", row.rectifications_overdue)
                    } else {
                        String::new()
                    }
                )
            },
        })
        .collect();
    let bands = notice
        .rules
        .bands
        .iter()
        .map(|band| BandLine {
            grade: grade_name(band.grade),
            range: notice.rules.range(band.grade),
            budget: application(
                band.budget_percent.map(|p| p.value()),
                band.budget_note.as_ref().map(|n| n.as_str()),
            ),
        })
        .collect();
    let done = notice
        .items
        .iter()
        .filter(|i| i.status == RectificationStatus::Done)
        .count();
    let overdue = notice.items.iter().filter(|i| i.overdue).count();
    let rectification_summary = if notice.items.is_empty() {
        "本年度未列整改事项。".to_owned()
    } else {
        format!(
            "本年度共列整改事项{}项，已完成{}项，尚未完成{}项，其中逾期{}项（截至{}）。请相关单位按期完成整改，并报送整改情况及佐证材料。",
            notice.items.len(),
            done,
            notice.items.len() - done,
            overdue,
            notice.as_of.format("%Y年%m月%d日")
        )
    };
    NoticeDocument {
        title: format!("{year}年度部门整体支出绩效评价结果通报"),
        year,
        summary,
        rows,
        bands,
        basis: notice
            .rules
            .basis
            .as_ref()
            .map(|b| b.as_str().to_owned())
            .unwrap_or_default(),
        rectification_summary,
        items: notice
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| ItemLine {
                number: i + 1,
                unit: item.department_name.clone(),
                problem: item.problem.clone(),
                deadline: item
                    .deadline
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                status: format!(
                    "{}{}",
                    rectification_status_name(item.status),
                    if item.overdue { "（逾期）" } else { "" }
                ),
            })
            .collect(),
    }
}

/// Writes the notice as a document in `format`.
pub fn render(format: DocumentFormat, notice: &Notice) -> Result<String, minijinja::Error> {
    let document = document(notice);
    let (env, name) = environment(format, ("notice.html", HTML), ("notice.md", MARKDOWN))?;
    env.get_template(name)?.render(minijinja::context! {
        document => document,
        stylesheet => STYLESHEET,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_consequence_is_written_only_as_stated() {
        use rust_decimal::Decimal;
        assert_eq!(
            application(Some(Decimal::new(-100, 1)), None),
            "下年预算核减10%"
        );
        assert_eq!(
            application(Some(Decimal::from(5)), Some("适当优先保障")),
            "下年预算增加5%；适当优先保障"
        );
        assert_eq!(application(None, None), "");
    }
}
