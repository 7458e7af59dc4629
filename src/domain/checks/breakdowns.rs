//! Rule 2: parts against their total, column by column — project lines and sub-lines,
//! 人员 + 公用, 基本 + 项目 = 合计, the "三公" items and the vehicle costs.

use rust_decimal::Decimal;

use super::{Findings, Rule, TOLERANCE, amount, figure};
use crate::domain::report::{BudgetColumns, EvaluationReport, ProjectLine, ThreePublicColumns};

/// A column of a line: its name, its Chinese name, and how to read it.
type Column<T> = (&'static str, &'static str, fn(&T) -> Option<Decimal>);

/// The columns of a budget line.
const BUDGET_COLUMNS: [Column<BudgetColumns>; 6] = [
    ("initial", "年初预算", |c| c.initial.map(|a| a.value())),
    ("adjusted", "调整预算", |c| {
        c.adjusted.map(|a| a.value())
    }),
    ("executed", "执行数", |c| c.executed.map(|a| a.value())),
    ("prior_year_executed", "上年执行数", |c| {
        c.prior_year_executed.map(|a| a.value())
    }),
    ("carried_in", "年初结转结余", |c| {
        c.carried_in.map(|a| a.value())
    }),
    ("added", "本年追加", |c| c.added.map(|a| a.value())),
];

/// The columns of a "三公" line.
const THREE_PUBLIC_COLUMNS: [Column<ThreePublicColumns>; 4] = [
    ("budget", "预算数", |c| c.budget.map(|a| a.value())),
    ("actual", "实际支出", |c| c.actual.map(|a| a.value())),
    ("prior_year_budget", "上年预算数", |c| {
        c.prior_year_budget.map(|a| a.value())
    }),
    ("prior_year_actual", "上年实际支出", |c| {
        c.prior_year_actual.map(|a| a.value())
    }),
];

/// Rule 2: parts against their total, column by column, where the total and every part give
/// the column. Parts above the total are an error; parts short of it a warning.
fn breakdown<T>(
    findings: &mut Findings,
    columns: &[Column<T>],
    parent_path: &str,
    parent_name: &str,
    parent: &T,
    parts: &[(String, &T)],
) {
    if parts.is_empty() {
        return;
    }
    for (column, column_zh, get) in columns {
        let Some(total) = get(parent) else { continue };
        let given: Vec<Decimal> = parts.iter().filter_map(|(_, part)| get(part)).collect();
        if given.is_empty() {
            continue;
        }
        let blank: Vec<String> = parts
            .iter()
            .filter(|(_, part)| get(part).is_none())
            .map(|(p, _)| format!("{p}.{column}"))
            .collect();
        let sum: Decimal = given.iter().sum();
        let difference = sum - total;
        if difference.abs() <= TOLERANCE {
            continue;
        }
        let path = format!("{parent_path}.{column}");
        let part_paths: Vec<String> = parts
            .iter()
            .filter(|(_, part)| get(part).is_some())
            .map(|(p, _)| format!("{p}.{column}"))
            .collect();
        let mut figures = vec![figure(path.clone(), amount(total))];
        figures.extend(
            part_paths
                .iter()
                .zip(&given)
                .map(|(p, v)| figure(p.clone(), amount(*v))),
        );
        figures.push(figure(
            format!("sum of {}", part_paths.join(" + ")),
            amount(sum),
        ));
        // Parts above their total are wrong whatever the others leave blank; a shortfall
        // may be the blank parts, and then the finding names them.
        if difference < Decimal::ZERO && !blank.is_empty() {
            findings.add(
                Rule::BreakdownPartsBlank,
                path,
                figures,
                format!("{parent_name}{column_zh}为{}万元，填写的明细合计{}万元，另有{}项未填写（{}）。", amount(total), amount(sum), blank.len(), blank.join("、")),
                format!("The parts of {parent_path} ({column}) that give it add up to {} 万元 of {}; {} left blank: {}.", amount(sum), amount(total), blank.len(), blank.join(", ")),
            );
            continue;
        }
        if difference > Decimal::ZERO {
            findings.add(
                Rule::BreakdownExceedsTotal,
                path,
                figures,
                format!("{parent_name}{column_zh}为{}万元，其明细合计{}万元，超出{}万元。", amount(total), amount(sum), amount(difference)),
                format!("The parts of {parent_path} ({column}) add up to {} 万元, {} more than its total of {}.", amount(sum), amount(difference), amount(total)),
            );
        } else {
            findings.add(
                Rule::BreakdownShortOfTotal,
                path,
                figures,
                format!("{parent_name}{column_zh}为{}万元，其明细合计仅{}万元，相差{}万元，请补全明细。", amount(total), amount(sum), amount(-difference)),
                format!("The parts of {parent_path} ({column}) add up to {} 万元, {} short of its total of {}.", amount(sum), amount(-difference), amount(total)),
            );
        }
    }
}

/// A total and its tree of lines (项目, 公用经费): the top lines against the total, and each
/// line against its sub-lines.
fn tree(
    findings: &mut Findings,
    (total_path, lines_path): (&str, &str),
    total_name: &str,
    total: &BudgetColumns,
    lines: &[ProjectLine],
) {
    let top: Vec<(String, &BudgetColumns)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| (format!("{lines_path}[{i}].amounts"), &line.amounts))
        .collect();
    breakdown(
        findings,
        &BUDGET_COLUMNS,
        total_path,
        total_name,
        total,
        &top,
    );
    let mut stack: Vec<(String, &ProjectLine)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| (format!("{lines_path}[{i}]"), line))
        .collect();
    while let Some((path, line)) = stack.pop() {
        let children: Vec<(String, &BudgetColumns)> = line
            .children
            .iter()
            .enumerate()
            .map(|(i, child)| (format!("{path}.children[{i}].amounts"), &child.amounts))
            .collect();
        breakdown(
            findings,
            &BUDGET_COLUMNS,
            &format!("{path}.amounts"),
            line.name.as_str(),
            &line.amounts,
            &children,
        );
        stack.extend(
            line.children
                .iter()
                .enumerate()
                .map(|(i, child)| (format!("{path}.children[{i}]"), child)),
        );
    }
}

pub(super) fn budget_breakdowns(report: &EvaluationReport, findings: &mut Findings) {
    let budget = &report.budget;
    if let Some(projects) = &budget.projects {
        tree(
            findings,
            ("budget.projects.amounts", "budget.projects.lines"),
            "项目支出",
            &projects.amounts,
            &projects.lines,
        );
    }
    if let Some(basic) = &budget.basic
        && let Some(public_operation) = &basic.public_operation
    {
        tree(
            findings,
            (
                "budget.basic.public_operation",
                "budget.basic.public_operation_lines",
            ),
            "公用经费",
            public_operation,
            &basic.public_operation_lines,
        );
    }
    if let Some(basic) = &budget.basic {
        let parts: Vec<(String, &BudgetColumns)> = [
            ("budget.basic.personnel", basic.personnel.as_ref()),
            (
                "budget.basic.public_operation",
                basic.public_operation.as_ref(),
            ),
        ]
        .into_iter()
        .filter_map(|(p, c)| c.map(|c| (p.to_owned(), c)))
        .collect();
        if parts.len() == 2 {
            breakdown(
                findings,
                &BUDGET_COLUMNS,
                "budget.basic.amounts",
                "基本支出",
                &basic.amounts,
                &parts,
            );
        }
    }
    if let Some(total) = &budget.total {
        let parts: Vec<(String, &BudgetColumns)> = budget
            .basic
            .iter()
            .map(|b| ("budget.basic.amounts".to_owned(), &b.amounts))
            .chain(
                budget
                    .projects
                    .iter()
                    .map(|p| ("budget.projects.amounts".to_owned(), &p.amounts)),
            )
            .collect();
        if parts.len() == 2 {
            breakdown(
                findings,
                &BUDGET_COLUMNS,
                "budget.total",
                "支出合计",
                total,
                &parts,
            );
        }
    }
    if let Some(three) = &budget.three_public {
        if let Some(vehicles) = &three.official_vehicles
            && let Some(total) = &vehicles.total
        {
            let parts: Vec<(String, &ThreePublicColumns)> = [
                (
                    "budget.three_public.official_vehicles.purchase",
                    vehicles.purchase.as_ref(),
                ),
                (
                    "budget.three_public.official_vehicles.operation",
                    vehicles.operation.as_ref(),
                ),
            ]
            .into_iter()
            .filter_map(|(p, c)| c.map(|c| (p.to_owned(), c)))
            .collect();
            breakdown(
                findings,
                &THREE_PUBLIC_COLUMNS,
                "budget.three_public.official_vehicles.total",
                "公务用车购置及运行维护费",
                total,
                &parts,
            );
        }
        if let Some(total) = &three.total {
            let vehicles = three
                .official_vehicles
                .as_ref()
                .and_then(|v| v.total.as_ref());
            let parts: Vec<(String, &ThreePublicColumns)> = [
                ("budget.three_public.reception", three.reception.as_ref()),
                ("budget.three_public.official_vehicles.total", vehicles),
                (
                    "budget.three_public.overseas_travel",
                    three.overseas_travel.as_ref(),
                ),
            ]
            .into_iter()
            .filter_map(|(p, c)| c.map(|c| (p.to_owned(), c)))
            .collect();
            breakdown(
                findings,
                &THREE_PUBLIC_COLUMNS,
                "budget.three_public.total",
                "“三公”经费",
                total,
                &parts,
            );
        }
    }
}
