//! 全覆盖 — every project a unit ran has its self-evaluation table: which lines of the
//! departmental report's project tree (项目支出) no project table names.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::report::{EvaluationReport, ProjectLine};
use crate::domain::values::Amount;

/// A project line of the departmental report that no project table of the unit names.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UncoveredLine {
    /// Where the line is in the departmental report, e.g. `budget.projects.lines[2].children[0]`.
    pub path: String,
    /// The line's name: what a project table gives as `departmental_line` to cover it.
    pub name: String,
    /// Its budget in 万元: 调整预算 where stated, else 年初预算; none where the line states
    /// neither.
    pub budget: Option<Amount>,
}

/// The lines of `report`'s project tree that need a table and have none. A line named by one
/// of `named` (the tables' `departmental_line`) is covered with everything under it; a line
/// with children is a grouping, covered when its children are; a leaf needs a table when its
/// budget is at least `floor` (every leaf when the year sets none; a leaf stating no budget
/// only then).
pub fn uncovered_lines(
    report: &EvaluationReport,
    named: &HashSet<&str>,
    floor: Option<Decimal>,
) -> Vec<UncoveredLine> {
    fn walk(
        path: &str,
        lines: &[ProjectLine],
        named: &HashSet<&str>,
        floor: Option<Decimal>,
        out: &mut Vec<UncoveredLine>,
    ) {
        for (i, line) in lines.iter().enumerate() {
            let here = format!("{path}[{i}]");
            if named.contains(line.name.as_str()) {
                continue;
            }
            if !line.children.is_empty() {
                walk(
                    &format!("{here}.children"),
                    &line.children,
                    named,
                    floor,
                    out,
                );
                continue;
            }
            let budget = line.amounts.adjusted.or(line.amounts.initial);
            let needed = match (floor, budget) {
                (None, _) => true,
                (Some(floor), Some(budget)) => budget.value() >= floor,
                (Some(_), None) => false,
            };
            if needed {
                out.push(UncoveredLine {
                    path: here,
                    name: line.name.as_str().to_owned(),
                    budget,
                });
            }
        }
    }
    let mut out = Vec::new();
    if let Some(projects) = &report.budget.projects {
        walk(
            "budget.projects.lines",
            &projects.lines,
            named,
            floor,
            &mut out,
        );
    }
    out
}
