//! The pages of the public portal besides the reports themselves: the list of published
//! self-evaluations, and the list of published project tables.

use minijinja::Environment;
use serde::Serialize;

use super::grade_name;
use crate::domain::project::ProjectOverview;

const INDEX: &str = include_str!("templates/index.html");
const PROJECT_INDEX: &str = include_str!("templates/project_index.html");
const STYLESHEET: &str = include_str!("templates/report.css");

/// One published report in the list.
#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    pub year: i32,
    pub code: String,
    pub name: String,
    pub version: i64,
    /// Where the report is read.
    pub href: String,
    /// Where its published project tables are listed.
    pub projects_href: String,
}

/// The list of published reports as an HTML page; `total` counts those on every page.
pub fn index(
    year: Option<i32>,
    entries: &[IndexEntry],
    total: i64,
) -> Result<String, minijinja::Error> {
    let title = match year {
        Some(year) => format!("{year}年度部门整体支出绩效自评报告"),
        None => "部门整体支出绩效自评报告".to_owned(),
    };
    let mut env = Environment::new();
    env.add_template("index.html", INDEX)?;
    env.get_template("index.html")?.render(minijinja::context! {
        title => title,
        entries => entries,
        total => total,
        stylesheet => STYLESHEET,
    })
}

/// One published project table in its list: never its contact, which a row does not carry.
#[derive(Debug, Clone, Serialize)]
struct ProjectEntry {
    code: String,
    name: String,
    project_code: String,
    project: Option<String>,
    execution_rate: Option<String>,
    score: Option<String>,
    grade: Option<&'static str>,
    /// Where the table is read.
    href: String,
}

/// The list of published project tables (项目支出绩效自评表) of `year` as an HTML page — of the
/// unit `unit` names where one is — each row (the unit's name and its row by the rules)
/// linked to the table's page; `total` counts those on every page.
pub fn project_index(
    year: i32,
    unit: Option<&str>,
    rows: &[(String, ProjectOverview)],
    total: i64,
) -> Result<String, minijinja::Error> {
    let title = match unit {
        Some(unit) => format!("{unit} {year}年度项目支出绩效自评表"),
        None => format!("{year}年度项目支出绩效自评表"),
    };
    let entries: Vec<ProjectEntry> = rows
        .iter()
        .map(|(name, row)| ProjectEntry {
            code: row.department_code.to_string(),
            name: name.clone(),
            project_code: row.project_code.as_str().to_owned(),
            project: row.name.clone(),
            execution_rate: row
                .execution_rate
                .map(|rate| rate.value().normalize().to_string()),
            score: row.score.map(|score| score.value().normalize().to_string()),
            grade: row.grade.map(grade_name),
            href: format!(
                "/api/v1/public/departments/{}/evaluations/{year}/projects/{}",
                row.department_code,
                row.project_code.as_str()
            ),
        })
        .collect();
    let mut env = Environment::new();
    env.add_template("project_index.html", PROJECT_INDEX)?;
    env.get_template("project_index.html")?
        .render(minijinja::context! {
            title => title,
            year => year,
            entries => entries,
            total => total,
            stylesheet => STYLESHEET,
        })
}
