//! The pages of the public portal besides the reports themselves: the list of published
//! self-evaluations.

use minijinja::Environment;
use serde::Serialize;

const INDEX: &str = include_str!("templates/index.html");
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
