//! 开放数据 — a year's published figures as a data package: `datapackage.json` (a Tabular Data
//! Package whose `model` is the Fiscal Data Package's: measures by budget phase, dimensions
//! for the administrative classification) and two CSV files, `budget.csv` (approved /
//! adjusted / executed by unit and line, in 万元), `scores.csv` (execution rate, score and
//! grade by unit, computed by the bureau's rules) and `projects.csv` (each published project
//! table's money in 万元, execution rate, score and grade).

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::grade_name;
use crate::csv::{self, Field};
use crate::domain::figures::{ColumnFigures, Exact};
use crate::domain::project::ProjectOverview;
use crate::domain::report::EvaluationReport;
use crate::domain::scoring::Scorecard;

/// One published report with what the package says of it.
pub struct PublishedUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub report: &'a EvaluationReport,
    pub scorecard: &'a Scorecard,
}

pub const BUDGET_HEADER: [&str; 8] = [
    "fiscal_year",
    "unit_code",
    "unit_name",
    "line_code",
    "line_name",
    "approved",
    "adjusted",
    "executed",
];

pub const SCORES_HEADER: [&str; 6] = [
    "fiscal_year",
    "unit_code",
    "unit_name",
    "execution_rate",
    "score",
    "grade",
];

/// One published project table with what the package says of it.
pub struct PublishedProject<'a> {
    pub unit_name: &'a str,
    /// Its row by the rules: money in 万元, execution rate, score and grade.
    pub row: &'a ProjectOverview,
}

pub const PROJECTS_HEADER: [&str; 11] = [
    "fiscal_year",
    "unit_code",
    "unit_name",
    "project_code",
    "project_name",
    "approved",
    "adjusted",
    "executed",
    "execution_rate",
    "score",
    "grade",
];

fn number(value: Option<Decimal>) -> String {
    value.map(|v| v.normalize().to_string()).unwrap_or_default()
}

fn text(header: &[&str], rows: Vec<Vec<Field<'_>>>) -> String {
    let mut out = csv::heading(header.iter().copied());
    for row in rows {
        out.push_str(&csv::line(row));
    }
    out
}

/// `budget.csv`: the unit's total (合计), basic (基本支出) and project (项目支出) lines.
pub fn budget_csv(year: i32, units: &[PublishedUnit<'_>]) -> String {
    let mut rows = Vec::new();
    for unit in units {
        let figures = &unit.scorecard.figures;
        let lines = [
            ("total", "合计", Some(&figures.total)),
            (
                "basic",
                "基本支出",
                unit.report.budget.basic.as_ref().map(|_| &figures.basic),
            ),
            (
                "projects",
                "项目支出",
                unit.report
                    .budget
                    .projects
                    .as_ref()
                    .map(|_| &figures.projects),
            ),
        ];
        for (code, name, columns) in lines {
            let Some(columns) = columns.filter(|c| **c != ColumnFigures::default()) else {
                continue;
            };
            rows.push(vec![
                Field::plain(year.to_string()),
                Field::text(unit.code),
                Field::text(unit.name),
                Field::plain(code),
                Field::text(name),
                Field::plain(number(columns.initial)),
                Field::plain(number(columns.adjusted)),
                Field::plain(number(columns.executed)),
            ]);
        }
    }
    text(&BUDGET_HEADER, rows)
}

/// `scores.csv`: one row per unit.
pub fn scores_csv(year: i32, units: &[PublishedUnit<'_>]) -> String {
    let rows = units
        .iter()
        .map(|unit| {
            let card = unit.scorecard;
            vec![
                Field::plain(year.to_string()),
                Field::text(unit.code),
                Field::text(unit.name),
                Field::plain(number(card.figures.total.execution_rate.map(|r| r.value()))),
                Field::plain(number(card.total.map(|s| s.value()))),
                Field::text(card.grade.map(grade_name).unwrap_or_default()),
            ]
        })
        .collect();
    text(&SCORES_HEADER, rows)
}

/// `projects.csv`: one row per published project table, its money converted to 万元 from the
/// unit the form writes; the contact is never in it.
pub fn projects_csv(year: i32, projects: &[PublishedProject<'_>]) -> String {
    let rows = projects
        .iter()
        .map(|project| {
            let row = project.row;
            let money = |value: Option<Exact>| number(value.map(|v| v.0));
            vec![
                Field::plain(year.to_string()),
                Field::text(row.department_code.as_str()),
                Field::text(project.unit_name),
                Field::text(row.project_code.as_str()),
                Field::text(row.name.as_deref().unwrap_or_default()),
                Field::plain(money(row.funding.initial)),
                Field::plain(money(row.funding.full_year)),
                Field::plain(money(row.funding.executed)),
                Field::plain(number(row.execution_rate.map(|r| r.value()))),
                Field::plain(number(row.score.map(|s| s.value()))),
                Field::text(row.grade.map(grade_name).unwrap_or_default()),
            ]
        })
        .collect();
    text(&PROJECTS_HEADER, rows)
}

fn field(name: &str, kind: &str, title: &str, description: &str) -> Value {
    json!({"name": name, "type": kind, "title": title, "description": description})
}

/// `datapackage.json` for the year.
pub fn descriptor(year: i32) -> Value {
    let unit_fields = [
        field("fiscal_year", "integer", "年度", "The fiscal year"),
        field("unit_code", "string", "单位代码", "The budget unit's code"),
        field("unit_name", "string", "单位名称", "The budget unit's name"),
    ];
    let amount = |name: &str, title: &str, phase: &str| {
        field(
            name,
            "number",
            title,
            &format!("{phase} amount in 万元 (10,000 CNY)"),
        )
    };
    let mut budget_fields = unit_fields.to_vec();
    budget_fields.extend([
        json!({"name": "line_code", "type": "string", "title": "支出类型代码",
               "description": "total, basic or projects",
               "constraints": {"required": true, "enum": ["total", "basic", "projects"]}}),
        field(
            "line_name",
            "string",
            "支出类型",
            "合计, 基本支出 or 项目支出",
        ),
        amount("approved", "年初预算数", "Approved (initial)"),
        amount("adjusted", "全年预算数", "Adjusted"),
        amount("executed", "全年执行数", "Executed"),
    ]);
    let mut score_fields = unit_fields.to_vec();
    score_fields.extend([
        field(
            "execution_rate",
            "number",
            "预算执行率",
            "Executed ÷ adjusted budget, in percent",
        ),
        field(
            "score",
            "number",
            "自评得分",
            "The score by the bureau's rules, in points out of 100; empty while it cannot be computed",
        ),
        json!({"name": "grade", "type": "string", "title": "等级",
               "description": "优, 良, 中 or 差 by the year's result rules (by default 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60); empty while the score cannot be computed",
               "constraints": {"enum": ["优", "良", "中", "差"]}}),
    ]);
    let mut project_fields = unit_fields.to_vec();
    project_fields.extend([
        json!({"name": "project_code", "type": "string", "title": "项目代码",
               "description": "The unit's code of the project, kept from year to year",
               "constraints": {"required": true}}),
        field("project_name", "string", "项目名称", "The project's name"),
        amount("approved", "年初预算数", "Approved (initial)"),
        amount("adjusted", "全年预算数", "Adjusted (full-year)"),
        amount("executed", "全年执行数", "Executed"),
        field(
            "execution_rate",
            "number",
            "执行率",
            "Executed ÷ full-year budget (else the initial one), in percent",
        ),
        field(
            "score",
            "number",
            "自评得分",
            "The project's score by the bureau's rules, in points out of 100; empty while it cannot be computed",
        ),
        json!({"name": "grade", "type": "string", "title": "等级",
               "description": "优, 良, 中 or 差 by the year's bands; empty while the score cannot be computed",
               "constraints": {"enum": ["优", "良", "中", "差"]}}),
    ]);
    let measure = |source: &str, phase: &str| json!({"source": source, "currency": "CNY", "factor": 10000, "direction": "expenditure", "phase": phase});
    json!({
        "profile": "tabular-data-package",
        "name": format!("performance-self-evaluations-{year}"),
        "title": format!("{year}年度部门整体支出绩效自评 — 公开数据"),
        "description": "The published self-evaluations of the year's budget units: budget execution by unit and line, and the execution rate, score and grade by the bureau's rules. The model follows the Fiscal Data Package.",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            {
                "name": "budget",
                "path": "budget.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": budget_fields, "primaryKey": ["fiscal_year", "unit_code", "line_code"]}
            },
            {
                "name": "scores",
                "path": "scores.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": score_fields, "primaryKey": ["fiscal_year", "unit_code"]}
            },
            {
                "name": "projects",
                "path": "projects.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": project_fields, "primaryKey": ["fiscal_year", "unit_code", "project_code"]}
            }
        ],
        "model": {
            "measures": {
                "approved": measure("approved", "approved"),
                "adjusted": measure("adjusted", "adjusted"),
                "executed": measure("executed", "executed")
            },
            "dimensions": {
                "fiscal_year": {"dimensionType": "datetime", "primaryKey": "fiscal_year",
                                "attributes": {"fiscal_year": {"source": "fiscal_year"}}},
                "administrative_classification": {
                    "dimensionType": "classification", "classificationType": "administrative",
                    "primaryKey": "unit_code",
                    "attributes": {"unit_code": {"source": "unit_code"},
                                   "unit_name": {"source": "unit_name", "labelfor": "unit_code"}}
                },
                "line": {
                    "dimensionType": "classification", "primaryKey": "line_code",
                    "attributes": {"line_code": {"source": "line_code"},
                                   "line_name": {"source": "line_name", "labelfor": "line_code"}}
                }
            }
        }
    })
}
