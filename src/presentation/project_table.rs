//! 项目支出绩效自评表 as a document: the table in its usual order — the project, its money by
//! source in the unit the form writes, the overall goal (预期目标 | 实际完成情况), the
//! indicators with their scores by the rules, the total and the grade — as HTML (print-ready)
//! or Markdown. The contact (项目负责人, 联系电话) is personal data and is never written.

use serde::Serialize;

use super::grade_name;
use super::narrative::{
    DocumentFormat, IndicatorRow, environment, indicator_rows, percent, points, score,
};
use crate::domain::project::{AmountUnit, FundingRow, ProjectKey, ProjectScore, ProjectTable};
use crate::domain::values::Amount;

const HTML: &str = include_str!("templates/project.html");
const MARKDOWN: &str = include_str!("templates/project.md");
const STYLESHEET: &str = include_str!("templates/report.css");

/// The table as one document, ready for a template.
#[derive(Debug, Serialize)]
pub struct ProjectDocument {
    pub title: String,
    pub unit_code: String,
    pub year: i32,
    pub project_code: String,
    pub competent_department: String,
    pub implementing_unit: String,
    /// 万元 or 元, as the form writes its money.
    pub amount_unit: &'static str,
    pub funding: Vec<FundingLine>,
    pub goals: Vec<GoalLine>,
    pub indicators: Vec<IndicatorRow>,
    pub total: String,
    pub grade: String,
    pub stated_total: String,
    pub narrative: Vec<String>,
}

/// A row of 项目资金: the total first, then its sources.
#[derive(Debug, Serialize)]
pub struct FundingLine {
    pub name: String,
    pub initial: String,
    pub full_year: String,
    pub executed: String,
    /// 分值, 执行率 and 得分 — the total's only, 执行率 and 得分 by the rules.
    pub weight: String,
    pub rate: String,
    pub score: String,
}

/// A row of 年度总体目标.
#[derive(Debug, Serialize)]
pub struct GoalLine {
    pub expected: String,
    pub actual: String,
}

fn written(amount: Option<Amount>) -> String {
    amount.map(|a| a.value().to_string()).unwrap_or_default()
}

/// The document of `table`, scored as `scored`.
pub fn document(key: &ProjectKey, table: &ProjectTable, scored: &ProjectScore) -> ProjectDocument {
    let funding = &table.funding;
    let total = funding
        .total
        .as_ref()
        .map(FundingRow::columns)
        .unwrap_or_default();
    let execution = &scored.execution;
    let mut lines = vec![FundingLine {
        name: "年度资金总额".to_owned(),
        initial: written(total.initial),
        full_year: written(total.full_year),
        executed: written(total.executed),
        weight: execution.weight.0.normalize().to_string(),
        rate: percent(execution.rate),
        score: score(execution.score),
    }];
    lines.extend(funding.sources.iter().map(|source| {
        let columns = source.columns();
        FundingLine {
            name: source.name.as_str().to_owned(),
            initial: written(columns.initial),
            full_year: written(columns.full_year),
            executed: written(columns.executed),
            weight: String::new(),
            rate: String::new(),
            score: String::new(),
        }
    }));
    let name = table.name.as_ref().map_or("", |n| n.as_str());
    ProjectDocument {
        title: format!("{name}项目支出绩效自评表（{}年度）", key.year),
        unit_code: key.department_code.as_str().to_owned(),
        year: key.year.value(),
        project_code: key.project_code.as_str().to_owned(),
        competent_department: table.competent_department.clone().unwrap_or_default(),
        implementing_unit: table.implementing_unit.clone().unwrap_or_default(),
        amount_unit: match funding.unit() {
            AmountUnit::WanYuan => "万元",
            AmountUnit::Yuan => "元",
        },
        funding: lines,
        goals: table
            .overall_goals
            .iter()
            .map(|goal| GoalLine {
                expected: goal.expected.clone().unwrap_or_default(),
                actual: goal.actual.clone().unwrap_or_default(),
            })
            .collect(),
        indicators: indicator_rows(&table.goals, &table.results, &scored.indicators),
        total: score(scored.total),
        grade: scored.grade.map(grade_name).unwrap_or_default().to_owned(),
        stated_total: points(scored.stated_total.map(|t| t.0)),
        narrative: table
            .narrative
            .iter()
            .flat_map(|text| text.lines())
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// Writes the table as a document in `format`.
pub fn render(
    format: DocumentFormat,
    key: &ProjectKey,
    table: &ProjectTable,
    scored: &ProjectScore,
) -> Result<String, minijinja::Error> {
    let document = document(key, table, scored);
    let (env, name) = environment(format, ("project.html", HTML), ("project.md", MARKDOWN))?;
    env.get_template(name)?.render(minijinja::context! {
        document => document,
        stylesheet => STYLESHEET,
    })
}
