//! 勾稽关系 — the consistency checks a collecting system runs. Each finding names a stable rule,
//! a severity, the place in the report, the figures involved, and a sentence a filer
//! understands (中文, with English beside it). Errors block submission; warnings do not.
//!
//! Rule 1 of the bureau's list (amounts not negative, at most six decimals) is kept at the
//! door: such an amount cannot be stored at all.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldError;
use super::figures::{Percent, overall};
use super::report::{
    Achieved, BudgetColumns, Comparison, EvaluationReport, Goals, Grade, IndicatorLevel1,
    ThreePublicColumns,
};
use super::scoring::attainment;
use super::settings::Weights;

/// Differences up to this many 万元 are rounding, not findings.
const TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submission until corrected.
    Error,
    /// Worth a look; does not block.
    Warning,
}

/// One figure a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FindingFigure {
    /// What the figure is: a path in the report, or how it was computed.
    pub label: String,
    pub value: String,
}

/// One thing in a report that does not add up or is not explained.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    /// Stable rule code, e.g. `breakdown_exceeds_total`.
    pub rule: &'static str,
    pub severity: Severity,
    /// Where in the report, e.g. `budget.projects.amounts.initial`.
    pub path: String,
    pub figures: Vec<FindingFigure>,
    /// 说明 (中文)
    pub message: String,
    /// The same in English.
    pub message_en: String,
}

/// The target of one indicator as the bureau approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedTarget {
    pub indicator_id: String,
    pub target: String,
    /// How the actual is compared with the target (absent in approvals recorded before the
    /// comparison was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

/// 绩效目标审核 — the targets a reviewer approved, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovedGoals {
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
    /// The version of the evaluation whose targets were approved.
    pub version: i64,
    pub targets: Vec<ApprovedTarget>,
}

impl ApprovedGoals {
    /// The targets of `goals` as they are now, approved by `approved_by`.
    pub fn of(goals: &Goals, approved_by: &str, approved_at: DateTime<Utc>, version: i64) -> Self {
        Self {
            approved_by: approved_by.to_owned(),
            approved_at,
            version,
            targets: goals
                .indicators
                .iter()
                .map(|i| ApprovedTarget {
                    indicator_id: i.id.as_str().to_owned(),
                    target: i.target.as_str().to_owned(),
                    comparison: Some(i.comparison),
                })
                .collect(),
        }
    }

    /// Whether the indicator with this id was among those approved.
    pub fn covers(&self, indicator_id: &str) -> bool {
        self.targets.iter().any(|t| t.indicator_id == indicator_id)
    }

    /// What a write may not do once targets are approved: drop an approved indicator (or
    /// give it another id, which drops it), change its target or its comparison in place, or
    /// adjust a target without a reason.
    pub fn violations(&self, goals: &Goals) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for approved in &self.targets {
            if !goals
                .indicators
                .iter()
                .any(|i| i.id.as_str() == approved.indicator_id)
            {
                errors.push(FieldError::new(
                    "goals.indicators",
                    format!(
                        "indicator `{}` was approved with the target `{}` and stays; record a change as adjusted_target with an adjustment_reason",
                        approved.indicator_id, approved.target
                    ),
                ));
            }
        }
        for (i, indicator) in goals.indicators.iter().enumerate() {
            let Some(approved) = self
                .targets
                .iter()
                .find(|t| t.indicator_id == indicator.id.as_str())
            else {
                continue;
            };
            if approved.target != indicator.target.as_str() {
                errors.push(FieldError::new(
                    format!("goals.indicators[{i}].target"),
                    format!(
                        "the approved target is `{}` and stays; record the change as adjusted_target with an adjustment_reason",
                        approved.target
                    ),
                ));
            }
            if let Some(comparison) = approved.comparison
                && comparison != indicator.comparison
            {
                errors.push(FieldError::new(
                    format!("goals.indicators[{i}].comparison"),
                    "the approved comparison of the actual with the target stays",
                ));
            }
            if indicator.adjusted_target.is_some()
                && indicator
                    .adjustment_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                errors.push(FieldError::new(
                    format!("goals.indicators[{i}].adjustment_reason"),
                    "an approved target that is adjusted needs the reason (调整原因)",
                ));
            }
        }
        errors
    }
}

/// What the checks need besides the report itself.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    pub weights: &'a Weights,
    pub approved: Option<&'a ApprovedGoals>,
    /// The same department's report of the year before, where there is one.
    pub previous: Option<&'a EvaluationReport>,
}

fn amount(value: Decimal) -> String {
    value.normalize().to_string()
}

fn figure(label: impl Into<String>, value: impl Into<String>) -> FindingFigure {
    FindingFigure {
        label: label.into(),
        value: value.into(),
    }
}

struct Findings(Vec<Finding>);

impl Findings {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rule: &'static str,
        severity: Severity,
        path: impl Into<String>,
        figures: Vec<FindingFigure>,
        message: String,
        message_en: String,
    ) {
        self.0.push(Finding {
            rule,
            severity,
            path: path.into(),
            figures,
            message,
            message_en,
        });
    }
}

/// A column of a line: its name, its Chinese name, and how to read it.
type Column<T> = (&'static str, &'static str, fn(&T) -> Option<Decimal>);

/// The columns of a budget line.
const BUDGET_COLUMNS: [Column<BudgetColumns>; 4] = [
    ("initial", "年初预算", |c| c.initial.map(|a| a.value())),
    ("adjusted", "调整预算", |c| {
        c.adjusted.map(|a| a.value())
    }),
    ("executed", "执行数", |c| c.executed.map(|a| a.value())),
    ("prior_year_executed", "上年执行数", |c| {
        c.prior_year_executed.map(|a| a.value())
    }),
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
        let Some(sum) = parts
            .iter()
            .map(|(_, part)| get(part))
            .sum::<Option<Decimal>>()
        else {
            continue;
        };
        let difference = sum - total;
        if difference.abs() <= TOLERANCE {
            continue;
        }
        let path = format!("{parent_path}.{column}");
        let part_paths: Vec<String> = parts.iter().map(|(p, _)| format!("{p}.{column}")).collect();
        let mut figures = vec![figure(path.clone(), amount(total))];
        figures.extend(
            parts
                .iter()
                .zip(&part_paths)
                .filter_map(|((_, part), p)| get(part).map(|v| figure(p.clone(), amount(v)))),
        );
        figures.push(figure(
            format!("sum of {}", part_paths.join(" + ")),
            amount(sum),
        ));
        if difference > Decimal::ZERO {
            findings.add(
                "breakdown_exceeds_total",
                Severity::Error,
                path,
                figures,
                format!("{parent_name}{column_zh}为{}万元，其明细合计{}万元，超出{}万元。", amount(total), amount(sum), amount(difference)),
                format!("The parts of {parent_path} ({column}) add up to {} 万元, {} more than its total of {}.", amount(sum), amount(difference), amount(total)),
            );
        } else {
            findings.add(
                "breakdown_short_of_total",
                Severity::Warning,
                path,
                figures,
                format!("{parent_name}{column_zh}为{}万元，其明细合计仅{}万元，相差{}万元，请补全明细。", amount(total), amount(sum), amount(-difference)),
                format!("The parts of {parent_path} ({column}) add up to {} 万元, {} short of its total of {}.", amount(sum), amount(-difference), amount(total)),
            );
        }
    }
}

fn budget_breakdowns(report: &EvaluationReport, findings: &mut Findings) {
    let budget = &report.budget;
    if let Some(projects) = &budget.projects {
        let lines: Vec<(String, &BudgetColumns)> = projects
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| (format!("budget.projects.lines[{i}].amounts"), &line.amounts))
            .collect();
        breakdown(
            findings,
            &BUDGET_COLUMNS,
            "budget.projects.amounts",
            "项目支出",
            &projects.amounts,
            &lines,
        );
        let mut stack: Vec<(String, &super::report::ProjectLine)> = projects
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| (format!("budget.projects.lines[{i}]"), line))
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

/// Rules 3 and 4: execution above the adjusted budget or below 90 % of it, and adjustments
/// above 30 %, each need a written explanation.
fn execution_and_adjustment(report: &EvaluationReport, findings: &mut Findings) {
    let budget = &report.budget;
    let explained = |note: &Option<String>| note.as_deref().is_some_and(|n| !n.trim().is_empty());
    let (initial, adjusted, executed) = overall(budget);
    let place = if budget.total.is_some() {
        "budget.total"
    } else {
        "budget"
    };
    if let (Some(adjusted), Some(executed)) = (adjusted, executed)
        && !explained(&budget.execution_note)
        && let Some(rate) = Percent::of(executed, adjusted)
    {
        let figures = vec![
            figure(format!("{place} executed"), amount(executed)),
            figure(format!("{place} adjusted"), amount(adjusted)),
            figure("execution rate (%)", String::from(rate)),
        ];
        if executed > adjusted {
            findings.add(
                "execution_above_budget",
                Severity::Error,
                "budget.execution_note",
                figures,
                format!("执行数{}万元超过调整预算{}万元（执行率{}%），请在执行情况说明中说明原因。", amount(executed), amount(adjusted), String::from(rate)),
                format!("Executed ({}) is above the adjusted budget ({}); explain it in budget.execution_note.", amount(executed), amount(adjusted)),
            );
        } else if rate.value() < Decimal::from(90) {
            findings.add(
                "execution_below_90",
                Severity::Error,
                "budget.execution_note",
                figures,
                format!("预算执行率为{}%，低于90%，请在执行情况说明中说明原因。", String::from(rate)),
                format!("The execution rate is {} %, below 90 %; give the reason in budget.execution_note.", String::from(rate)),
            );
        }
    }
    if let (Some(initial), Some(adjusted)) = (initial, adjusted)
        && !explained(&budget.adjustment_note)
        && let Some(rate) = Percent::change(adjusted, initial)
        && rate.value().abs() > Decimal::from(30)
    {
        findings.add(
            "adjustment_over_30",
            Severity::Error,
            "budget.adjustment_note",
            vec![
                figure(format!("{place} initial"), amount(initial)),
                figure(format!("{place} adjusted"), amount(adjusted)),
                figure("adjustment rate (%)", String::from(rate)),
            ],
            format!("预算调整率为{}%，超过30%，请在调整说明中写明理由。", String::from(rate)),
            format!("The budget was adjusted by {} %, more than 30 %; give the reason in budget.adjustment_note.", String::from(rate)),
        );
    }
}

/// Rule 5, and rule 2 for the establishment: 在岗 ≤ 在职; 在职 above 编制 is flagged; the
/// posts by kind, with those of the subordinate institutions, add up to 编制数.
fn staffing(report: &EvaluationReport, findings: &mut Findings) {
    let profile = &report.profile;
    let staffing = &profile.staffing;
    if let (Some(on_duty), Some(on_payroll)) = (staffing.on_duty, staffing.on_payroll)
        && on_duty > on_payroll
    {
        findings.add(
            "on_duty_above_payroll",
            Severity::Error,
            "profile.staffing.on_duty",
            vec![
                figure("profile.staffing.on_duty", on_duty.to_string()),
                figure("profile.staffing.on_payroll", on_payroll.to_string()),
            ],
            format!("在岗人数{on_duty}人多于在职人数{on_payroll}人。"),
            format!("{on_duty} persons at work is more than the {on_payroll} on the payroll."),
        );
    }
    if let (Some(on_payroll), Some(authorized)) = (staffing.on_payroll, staffing.authorized_total)
        && on_payroll > authorized
    {
        findings.add(
            "payroll_above_establishment",
            Severity::Warning,
            "profile.staffing.on_payroll",
            vec![
                figure("profile.staffing.on_payroll", on_payroll.to_string()),
                figure("profile.staffing.authorized_total", authorized.to_string()),
            ],
            format!("在职人数{on_payroll}人超过编制数{authorized}人。"),
            format!(
                "{on_payroll} persons on the payroll exceed the {authorized} authorised posts."
            ),
        );
    }
    if let Some(authorized) = staffing.authorized_total {
        let own: Vec<(String, u32)> = staffing
            .authorized_posts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    format!("profile.staffing.authorized_posts[{i}].count"),
                    p.count,
                )
            })
            .collect();
        let subordinate: Vec<(String, u32)> = profile
            .subordinate_institutions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.authorized_posts.map(|n| {
                    (
                        format!("profile.subordinate_institutions[{i}].authorized_posts"),
                        n,
                    )
                })
            })
            .collect();
        let listed: Vec<(String, u32)> = own.into_iter().chain(subordinate).collect();
        let sum: u64 = listed.iter().map(|(_, n)| u64::from(*n)).sum();
        if !listed.is_empty() && sum != u64::from(authorized) {
            let mut figures = vec![figure(
                "profile.staffing.authorized_total",
                authorized.to_string(),
            )];
            figures.extend(listed.iter().map(|(p, n)| figure(p.clone(), n.to_string())));
            figures.push(figure("sum of the posts listed", sum.to_string()));
            findings.add(
                "posts_do_not_add_up",
                Severity::Warning,
                "profile.staffing.authorized_total",
                figures,
                format!("编制数为{authorized}人，但分项列出的编制（含二级机构）合计{sum}人。"),
                format!("The establishment is {authorized}, but the posts listed (subordinate institutions included) add up to {sum}."),
            );
        }
    }
}

/// Rule 6: a stated rate agrees with its own numerator and denominator, to the precision it
/// is stated with.
fn stated_rates(report: &EvaluationReport, findings: &mut Findings) {
    for (i, achievement) in report.results.achievements.iter().enumerate() {
        for (j, rate) in achievement.rates.iter().enumerate() {
            let (Some(numerator), Some(denominator)) = (rate.numerator, rate.denominator) else {
                continue;
            };
            let Some(computed) = Percent::of(numerator.value(), denominator.value()) else {
                continue;
            };
            let stated = rate.stated_percent.value();
            let half_unit = Decimal::new(5, stated.scale() + 1);
            if (computed.value() - stated).abs() > half_unit {
                let path = format!("results.achievements[{i}].rates[{j}]");
                findings.add(
                    "stated_rate_mismatch",
                    Severity::Warning,
                    format!("{path}.stated_percent"),
                    vec![
                        figure(format!("{path}.stated_percent"), amount(stated)),
                        figure(format!("{path}.numerator"), amount(numerator.value())),
                        figure(format!("{path}.denominator"), amount(denominator.value())),
                        figure("numerator ÷ denominator (%)", String::from(computed)),
                    ],
                    format!(
                        "{}表述为{}%，但按{}÷{}计算为{}%。",
                        rate.label.as_str(),
                        amount(stated),
                        amount(numerator.value()),
                        amount(denominator.value()),
                        String::from(computed)
                    ),
                    format!(
                        "{} is stated as {} %, but {} ÷ {} is {} %.",
                        rate.label.as_str(),
                        amount(stated),
                        amount(numerator.value()),
                        amount(denominator.value()),
                        String::from(computed)
                    ),
                );
            }
        }
    }
}

/// Rules 7 to 10: weights, self-scores, deviation reasons, changed targets.
fn indicators(report: &EvaluationReport, context: &CheckContext<'_>, findings: &mut Findings) {
    let indicators = &report.goals.indicators;
    if indicators.is_empty() {
        findings.add(
            "no_indicators",
            Severity::Warning,
            "goals.indicators",
            Vec::new(),
            "报告未设置绩效指标（指标值、权重），无法按指标评分。".to_owned(),
            "The report sets no performance indicators (targets, weights), so it cannot be scored by indicator.".to_owned(),
        );
        return;
    }
    let weights = context.weights;
    for (i, indicator) in indicators.iter().enumerate() {
        if indicator.weight.is_none() {
            findings.add(
                "indicator_without_weight",
                Severity::Warning,
                format!("goals.indicators[{i}].weight"),
                Vec::new(),
                format!("指标“{}”未设置分值。", indicator.name.as_str()),
                format!("Indicator “{}” has no weight.", indicator.name.as_str()),
            );
        }
    }
    let all_weighted: Option<Decimal> =
        indicators.iter().map(|i| i.weight.map(|w| w.value())).sum();
    if let Some(indicator_total) = all_weighted {
        let total = indicator_total + weights.budget_execution.value();
        if total != Decimal::ONE_HUNDRED {
            findings.add(
                "weights_not_100",
                Severity::Error,
                "goals.indicators",
                vec![
                    figure("sum of goals.indicators[*].weight", amount(indicator_total)),
                    figure(
                        "budget execution weight (year settings)",
                        amount(weights.budget_execution.value()),
                    ),
                    figure("total", amount(total)),
                ],
                format!(
                    "指标分值合计{}分，加预算执行{}分，共{}分，不等于100分。",
                    amount(indicator_total),
                    amount(weights.budget_execution.value()),
                    amount(total)
                ),
                format!(
                    "Indicator weights ({}) plus budget execution ({}) make {}, not 100.",
                    amount(indicator_total),
                    amount(weights.budget_execution.value()),
                    amount(total)
                ),
            );
        }
        for level1 in [
            IndicatorLevel1::Output,
            IndicatorLevel1::Effect,
            IndicatorLevel1::Satisfaction,
        ] {
            let Some(configured) = weights.of(level1) else {
                continue;
            };
            let group: Decimal = indicators
                .iter()
                .filter(|i| i.level1 == level1)
                .filter_map(|i| i.weight.map(|w| w.value()))
                .sum();
            let present = indicators.iter().any(|i| i.level1 == level1);
            if present && group != configured.value() {
                let name = serde_json::to_value(level1)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                findings.add(
                    "group_weight_mismatch",
                    Severity::Error,
                    "goals.indicators",
                    vec![
                        figure(format!("sum of {name} weights"), amount(group)),
                        figure(
                            format!("{name} weight (year settings)"),
                            amount(configured.value()),
                        ),
                    ],
                    format!(
                        "{name}类指标分值合计{}分，与年度设置的{}分不一致。",
                        amount(group),
                        amount(configured.value())
                    ),
                    format!(
                        "The {name} indicators weigh {} in all; the year's settings give {}.",
                        amount(group),
                        amount(configured.value())
                    ),
                );
            }
        }
    }
    for (i, result) in report.results.indicators.iter().enumerate() {
        let Some(indicator) = indicators.iter().find(|ind| ind.id == result.indicator_id) else {
            continue;
        };
        let path = format!("results.indicators[{i}]");
        let name = indicator.name.as_str();
        let weight = indicator.weight.map(|w| w.value());
        let self_score = result.self_score.map(|s| s.value());
        if let (Some(own), Some(weight)) = (self_score, weight)
            && own > weight
        {
            findings.add(
                "self_score_above_weight",
                Severity::Error,
                format!("{path}.self_score"),
                vec![
                    figure(format!("{path}.self_score"), amount(own)),
                    figure(
                        format!(
                            "goals.indicators[{}].weight",
                            indicators
                                .iter()
                                .position(|x| x.id == indicator.id)
                                .unwrap_or(0)
                        ),
                        amount(weight),
                    ),
                ],
                format!(
                    "指标“{name}”自评得分{}分，高于其分值{}分。",
                    amount(own),
                    amount(weight)
                ),
                format!(
                    "Indicator “{name}” scores itself {}, above its weight of {}.",
                    amount(own),
                    amount(weight)
                ),
            );
        }
        let mut missed = matches!(self_score.zip(weight), Some((own, weight)) if own < weight);
        if indicator.comparison == Comparison::Qualitative {
            missed |= matches!(
                result.achievement,
                Some(Achieved::PartlyAchieved | Achieved::NotAchieved)
            );
        } else if let (Ok(target), Ok(actual)) = (
            indicator.effective_target().parse::<Decimal>(),
            result.actual.as_str().parse::<Decimal>(),
        ) {
            let (met, fraction) = attainment(indicator.comparison, target, actual);
            missed |= !met;
            if !met
                && let (Some(own), Some(weight), Some(fraction)) = (self_score, weight, fraction)
            {
                let allowed = (weight * fraction).clamp(Decimal::ZERO, weight);
                if own > allowed + TOLERANCE {
                    findings.add(
                        "self_score_above_rule",
                        Severity::Error,
                        format!("{path}.self_score"),
                        vec![
                            figure(format!("{path}.actual"), result.actual.as_str()),
                            figure("target", indicator.effective_target()),
                            figure(format!("{path}.self_score"), amount(own)),
                            figure("weight × attainment", amount(allowed.round_dp(2))),
                        ],
                        format!("指标“{name}”未完成目标（完成{}，目标{}），按比例最多得{}分，自评{}分偏高。", result.actual.as_str(), indicator.effective_target(), amount(allowed.round_dp(2)), amount(own)),
                        format!("Indicator “{name}” missed its target ({} against {}); the proportional rule allows {}, not {}.", result.actual.as_str(), indicator.effective_target(), amount(allowed.round_dp(2)), amount(own)),
                    );
                }
            }
        }
        if missed
            && result
                .deviation_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            findings.add(
                "deviation_reason_missing",
                Severity::Error,
                format!("{path}.deviation_reason"),
                vec![figure(format!("{path}.actual"), result.actual.as_str()), figure("target", indicator.effective_target())],
                format!("指标“{name}”未完全完成或未得满分，请填写偏差原因分析及改进措施。"),
                format!("Indicator “{name}” missed its target or its full weight; give the reason for the deviation."),
            );
        }
    }
}

/// Rule 7, the stated score: the stated total is the sum of the stated parts, and the stated
/// grade is the grade of the stated total.
fn stated_score(report: &EvaluationReport, findings: &mut Findings) {
    let indicators = &report.goals.indicators;
    let results = &report.results;
    let self_scores: Option<Decimal> = indicators
        .iter()
        .map(|ind| {
            let result = results.indicators.iter().find(|r| r.indicator_id == ind.id);
            result.and_then(|r| r.self_score).map(|s| s.value())
        })
        .sum();
    let parts = results
        .stated_execution_score
        .map(|s| s.value())
        .zip(self_scores)
        .map(|(execution, indicators)| execution + indicators);
    if let (Some(stated), Some(parts)) = (results.stated_total_score.map(|s| s.value()), parts)
        && (stated - parts).abs() > TOLERANCE
    {
        findings.add(
            "stated_total_mismatch",
            Severity::Error,
            "results.stated_total_score",
            vec![
                figure("results.stated_total_score", amount(stated)),
                figure("stated execution score + self-scores", amount(parts)),
            ],
            format!(
                "自评总分{}分与各项自评得分之和{}分不一致。",
                amount(stated),
                amount(parts)
            ),
            format!(
                "The stated total ({}) is not the sum of the stated parts ({}).",
                amount(stated),
                amount(parts)
            ),
        );
    }
    if let (Some(stated), Some(grade)) = (results.stated_total_score, results.stated_grade) {
        let expected = Grade::of(stated.value());
        if expected != grade {
            findings.add(
                "stated_grade_mismatch",
                Severity::Error,
                "results.stated_grade",
                vec![
                    figure("results.stated_total_score", amount(stated.value())),
                    figure("results.stated_grade", format!("{grade:?}")),
                ],
                format!(
                    "自评总分{}分对应等级应为“{}”，与所填等级不符。",
                    amount(stated.value()),
                    grade_zh(expected)
                ),
                format!(
                    "A total of {} is graded {:?}, not {:?}.",
                    amount(stated.value()),
                    expected,
                    grade
                ),
            );
        }
    }
}

fn grade_zh(grade: Grade) -> &'static str {
    match grade {
        Grade::Excellent => "优",
        Grade::Good => "良",
        Grade::Fair => "中",
        Grade::Poor => "差",
    }
}

/// Rule 10: a changed target is an adjusted target with a reason, the approved one kept.
fn targets(report: &EvaluationReport, context: &CheckContext<'_>, findings: &mut Findings) {
    for (i, indicator) in report.goals.indicators.iter().enumerate() {
        let name = indicator.name.as_str();
        if let Some(adjusted) = &indicator.adjusted_target
            && indicator
                .adjustment_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            findings.add(
                "adjusted_target_without_reason",
                Severity::Error,
                format!("goals.indicators[{i}].adjustment_reason"),
                vec![
                    figure(
                        format!("goals.indicators[{i}].target"),
                        indicator.target.as_str(),
                    ),
                    figure(
                        format!("goals.indicators[{i}].adjusted_target"),
                        adjusted.as_str(),
                    ),
                ],
                format!("指标“{name}”调整了指标值，请填写调整原因。"),
                format!("Indicator “{name}” has an adjusted target but no reason for it."),
            );
        }
        let Some(approved) = context.approved else {
            continue;
        };
        match approved.targets.iter().find(|t| t.indicator_id == indicator.id.as_str()) {
            Some(target) if target.target != indicator.target.as_str() => findings.add(
                "target_changed_after_approval",
                Severity::Error,
                format!("goals.indicators[{i}].target"),
                vec![figure("approved target", target.target.clone()), figure(format!("goals.indicators[{i}].target"), indicator.target.as_str())],
                format!("指标“{name}”的指标值与审核通过的{}不一致；变更应作为调整指标值填写并说明原因。", target.target),
                format!("Indicator “{name}” no longer has its approved target {}; record a change as adjusted_target with a reason.", target.target),
            ),
            Some(_) => {}
            None => findings.add(
                "indicator_added_after_approval",
                Severity::Warning,
                format!("goals.indicators[{i}]"),
                Vec::new(),
                format!("指标“{name}”是绩效目标审核通过后新增的，审核通过前不计分。"),
                format!("Indicator “{name}” was added after the targets were approved; it does not score until a reviewer approves it."),
            ),
        }
    }
}

/// Rule 11: the previous year's figures agree with the previous year's report.
fn prior_year(report: &EvaluationReport, context: &CheckContext<'_>, findings: &mut Findings) {
    let Some(previous) = context.previous else {
        return;
    };
    let mut compare =
        |path: &str, retyped: Option<Decimal>, source_path: &str, source: Option<Decimal>| {
            if let (Some(retyped), Some(source)) = (retyped, source)
                && (retyped - source).abs() > TOLERANCE
            {
                findings.add(
                    "prior_year_figure_differs",
                    Severity::Warning,
                    path,
                    vec![
                        figure(path, amount(retyped)),
                        figure(format!("previous year's {source_path}"), amount(source)),
                    ],
                    format!(
                        "上年数{}万元与上年报告的{}万元不一致。",
                        amount(retyped),
                        amount(source)
                    ),
                    format!(
                        "The prior-year figure {} differs from the previous year's report ({}).",
                        amount(retyped),
                        amount(source)
                    ),
                );
            }
        };
    let executed = |c: Option<&BudgetColumns>| c.and_then(|c| c.executed.map(|a| a.value()));
    let prior =
        |c: Option<&BudgetColumns>| c.and_then(|c| c.prior_year_executed.map(|a| a.value()));
    let (now, before) = (&report.budget, &previous.budget);
    compare(
        "budget.basic.amounts.prior_year_executed",
        prior(now.basic.as_ref().map(|b| &b.amounts)),
        "budget.basic.amounts.executed",
        executed(before.basic.as_ref().map(|b| &b.amounts)),
    );
    compare(
        "budget.projects.amounts.prior_year_executed",
        prior(now.projects.as_ref().map(|p| &p.amounts)),
        "budget.projects.amounts.executed",
        executed(before.projects.as_ref().map(|p| &p.amounts)),
    );
    compare(
        "budget.total.prior_year_executed",
        prior(now.total.as_ref()),
        "budget.total.executed",
        executed(before.total.as_ref()),
    );
    let three = |b: &super::report::Budget| b.three_public.as_ref().and_then(|t| t.total.clone());
    let (now_three, before_three) = (three(now), three(before));
    compare(
        "budget.three_public.total.prior_year_actual",
        now_three
            .as_ref()
            .and_then(|t| t.prior_year_actual.map(|a| a.value())),
        "budget.three_public.total.actual",
        before_three
            .as_ref()
            .and_then(|t| t.actual.map(|a| a.value())),
    );
    compare(
        "budget.three_public.total.prior_year_budget",
        now_three
            .as_ref()
            .and_then(|t| t.prior_year_budget.map(|a| a.value())),
        "budget.three_public.total.budget",
        before_three
            .as_ref()
            .and_then(|t| t.budget.map(|a| a.value())),
    );
}

impl EvaluationReport {
    /// Every finding of the consistency checks, errors first.
    pub fn findings(&self, context: &CheckContext<'_>) -> Vec<Finding> {
        let mut findings = Findings(Vec::new());
        budget_breakdowns(self, &mut findings);
        execution_and_adjustment(self, &mut findings);
        staffing(self, &mut findings);
        stated_rates(self, &mut findings);
        indicators(self, context, &mut findings);
        stated_score(self, &mut findings);
        targets(self, context, &mut findings);
        prior_year(self, context, &mut findings);
        let mut findings = findings.0;
        findings.sort_by_key(|f| f.severity != Severity::Error);
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn weighted_goals(weights: [&str; 3]) -> Value {
        json!({"indicators": [
            {"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "100", "weight": weights[0]},
            {"id": "e", "level1": "effect", "level2": "社会效益", "name": "采用率", "unit": "%", "comparison": "at_least", "target": "40", "weight": weights[1]},
            {"id": "s", "level1": "satisfaction", "level2": "服务对象满意度", "name": "满意度", "comparison": "qualitative", "target": "高", "weight": weights[2]}
        ]})
    }

    fn rules(
        report: Value,
        approved: Option<&ApprovedGoals>,
        previous: Option<Value>,
    ) -> Vec<&'static str> {
        let report: EvaluationReport = serde_json::from_value(report).unwrap();
        let previous: Option<EvaluationReport> =
            previous.map(|p| serde_json::from_value(p).unwrap());
        let weights = Weights::default();
        let context = CheckContext {
            weights: &weights,
            approved,
            previous: previous.as_ref(),
        };
        report
            .findings(&context)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    /// Each case: the rule, a report where it fires, and the same report corrected.
    fn cases() -> Vec<(&'static str, Value, Value)> {
        let goals = weighted_goals(["50", "30", "10"]);
        vec![
            (
                "breakdown_exceeds_total",
                json!({"budget": {"projects": {"amounts": {"initial": "1081"}, "lines": [{"name": "业务", "amounts": {"initial": "185"}}, {"name": "专项", "amounts": {"initial": "1309.77"}}]}}}),
                json!({"budget": {"projects": {"amounts": {"initial": "1494.77"}, "lines": [{"name": "业务", "amounts": {"initial": "185"}}, {"name": "专项", "amounts": {"initial": "1309.77"}}]}}}),
            ),
            (
                "breakdown_short_of_total",
                json!({"budget": {"three_public": {"total": {"budget": "8.00"}, "reception": {"budget": "5"}}}}),
                json!({"budget": {"three_public": {"total": {"budget": "8.00"}, "reception": {"budget": "7.995"}}}}),
            ),
            (
                "execution_above_budget",
                json!({"budget": {"total": {"adjusted": "100", "executed": "101"}}}),
                json!({"budget": {"total": {"adjusted": "100", "executed": "101"}, "execution_note": "年底追加专项"}}),
            ),
            (
                "execution_below_90",
                json!({"budget": {"total": {"adjusted": "100", "executed": "89.99"}}}),
                json!({"budget": {"total": {"adjusted": "100", "executed": "90"}}}),
            ),
            (
                "adjustment_over_30",
                json!({"budget": {"total": {"initial": "100", "adjusted": "130.01"}}}),
                json!({"budget": {"total": {"initial": "100", "adjusted": "130"}}}),
            ),
            (
                "on_duty_above_payroll",
                json!({"profile": {"staffing": {"on_payroll": 50, "on_duty": 51}}}),
                json!({"profile": {"staffing": {"on_payroll": 50, "on_duty": 50}}}),
            ),
            (
                "payroll_above_establishment",
                json!({"profile": {"staffing": {"authorized_total": 50, "on_payroll": 51}}}),
                json!({"profile": {"staffing": {"authorized_total": 50, "on_payroll": 50}}}),
            ),
            (
                "posts_do_not_add_up",
                json!({"profile": {"staffing": {"authorized_total": 50, "authorized_posts": [{"kind": "administrative", "count": 15}]},
                                "subordinate_institutions": [{"name": "中心", "authorized_posts": 5}]}}),
                json!({"profile": {"staffing": {"authorized_total": 20, "authorized_posts": [{"kind": "administrative", "count": 15}]},
                                "subordinate_institutions": [{"name": "中心", "authorized_posts": 5}]}}),
            ),
            (
                "stated_rate_mismatch",
                json!({"results": {"achievements": [{"theme": "信息", "text": "采用率达45%", "rates": [{"label": "采用率", "stated_percent": "45", "numerator": "120", "denominator": "300"}]}]}}),
                json!({"results": {"achievements": [{"theme": "信息", "text": "采用率达40%", "rates": [{"label": "采用率", "stated_percent": "40", "numerator": "120", "denominator": "300"}]}]}}),
            ),
            ("no_indicators", json!({}), json!({"goals": goals.clone()})),
            (
                "indicator_without_weight",
                json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "1"}]}}),
                json!({"goals": goals.clone()}),
            ),
            (
                "weights_not_100",
                json!({"goals": weighted_goals(["50", "30", "20"])}),
                json!({"goals": goals.clone()}),
            ),
            (
                "group_weight_mismatch",
                json!({"goals": weighted_goals(["60", "20", "10"])}),
                json!({"goals": goals.clone()}),
            ),
            (
                "self_score_above_weight",
                json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "120", "self_score": "50.5"}]}}),
                json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "120", "self_score": "50"}]}}),
            ),
            (
                "self_score_above_rule",
                json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "80", "self_score": "50", "deviation_reason": "人手不足"}]}}),
                json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "o", "actual": "80", "self_score": "40", "deviation_reason": "人手不足"}]}}),
            ),
            (
                "deviation_reason_missing",
                json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "e", "actual": "30", "self_score": "22.5"}]}}),
                json!({"goals": goals.clone(), "results": {"indicators": [{"indicator_id": "e", "actual": "30", "self_score": "22.5", "deviation_reason": "上级采用数减少"}]}}),
            ),
            (
                "stated_total_mismatch",
                json!({"goals": goals.clone(), "results": {"stated_execution_score": "10", "stated_total_score": "95",
                    "indicators": [{"indicator_id": "o", "actual": "100", "self_score": "50"}, {"indicator_id": "e", "actual": "40", "self_score": "30"},
                                   {"indicator_id": "s", "actual": "高", "self_score": "10", "achievement": "achieved"}]}}),
                json!({"goals": goals.clone(), "results": {"stated_execution_score": "10", "stated_total_score": "100",
                    "indicators": [{"indicator_id": "o", "actual": "100", "self_score": "50"}, {"indicator_id": "e", "actual": "40", "self_score": "30"},
                                   {"indicator_id": "s", "actual": "高", "self_score": "10", "achievement": "achieved"}]}}),
            ),
            (
                "stated_grade_mismatch",
                json!({"results": {"stated_total_score": "89.5", "stated_grade": "excellent"}}),
                json!({"results": {"stated_total_score": "89.5", "stated_grade": "good"}}),
            ),
            (
                "adjusted_target_without_reason",
                json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "100", "adjusted_target": "90", "weight": "90"}]}}),
                json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文", "comparison": "at_least", "target": "100", "adjusted_target": "90", "adjustment_reason": "机构改革", "weight": "90"}]}}),
            ),
        ]
    }

    #[test]
    fn each_rule_fires_on_what_does_not_add_up_and_not_on_its_correction() {
        for (rule, firing, quiet) in cases() {
            assert!(
                rules(firing, None, None).contains(&rule),
                "{rule} should fire"
            );
            assert!(
                !rules(quiet, None, None).contains(&rule),
                "{rule} should not fire on the corrected report"
            );
        }
    }

    fn approved(target: &str) -> ApprovedGoals {
        ApprovedGoals {
            approved_by: "reviewer".to_owned(),
            approved_at: Utc::now(),
            version: 1,
            targets: vec![ApprovedTarget {
                indicator_id: "o".to_owned(),
                target: target.to_owned(),
                comparison: Some(Comparison::AtLeast),
            }],
        }
    }

    #[test]
    fn an_approved_indicator_may_be_neither_dropped_nor_given_another_comparison() {
        let goals = |id: &str, comparison: &str| -> Goals {
            serde_json::from_value(
                json!({"indicators": [{"id": id, "level1": "output", "level2": "数量",
                "name": "办文", "comparison": comparison, "target": "100", "weight": "90"}]}),
            )
            .unwrap()
        };
        let approved = approved("100");
        assert_eq!(approved.violations(&goals("o", "at_least")), Vec::new());
        let rekeyed = approved.violations(&goals("o-2", "at_least"));
        assert_eq!(
            rekeyed.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["goals.indicators"]
        );
        let flipped = approved.violations(&goals("o", "at_most"));
        assert_eq!(
            flipped.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["goals.indicators[0].comparison"]
        );
    }

    #[test]
    fn a_target_that_left_its_approved_value_is_an_error_and_a_new_indicator_a_warning() {
        let goals = weighted_goals(["50", "30", "10"]);
        let found = rules(json!({"goals": goals}), Some(&approved("120")), None);
        assert!(found.contains(&"target_changed_after_approval"));
        assert!(found.contains(&"indicator_added_after_approval"));
        let kept = json!({"goals": {"indicators": [{"id": "o", "level1": "output", "level2": "数量", "name": "办文",
            "comparison": "at_least", "target": "100", "weight": "90"}]}});
        let found = rules(kept, Some(&approved("100")), None);
        assert!(!found.contains(&"target_changed_after_approval"));
        assert!(!found.contains(&"indicator_added_after_approval"));
    }

    #[test]
    fn a_retyped_prior_year_figure_is_compared_with_last_years_report() {
        let previous = json!({"budget": {"basic": {"amounts": {"executed": "1600.5"}}, "three_public": {"total": {"actual": "7.2"}}}});
        let retyped = json!({"budget": {"basic": {"amounts": {"prior_year_executed": "1600"}}, "three_public": {"total": {"prior_year_actual": "7.2"}}}});
        let found = rules(retyped, None, Some(previous.clone()));
        assert_eq!(
            found
                .iter()
                .filter(|r| **r == "prior_year_figure_differs")
                .count(),
            1
        );
        let read = json!({"budget": {"basic": {"amounts": {"prior_year_executed": "1600.50"}}}});
        assert!(!rules(read, None, Some(previous)).contains(&"prior_year_figure_differs"));
    }

    #[test]
    fn a_rate_stated_in_whole_percent_may_round() {
        let report = json!({"results": {"achievements": [{"theme": "t", "text": "x", "rates": [
            {"label": "办结率", "stated_percent": "93", "numerator": "26", "denominator": "28"},
            {"label": "满意率", "stated_percent": "92.8", "numerator": "26", "denominator": "28"}]}]}});
        let found = rules(report, None, None);
        assert_eq!(
            found
                .iter()
                .filter(|r| **r == "stated_rate_mismatch")
                .count(),
            1,
            "92.857… is 93 but not 92.8"
        );
    }

    #[test]
    fn a_breakdown_finding_names_the_figures_and_speaks_both_languages() {
        let report: EvaluationReport = serde_json::from_value(json!({"budget": {"projects": {"amounts": {"initial": "1081"},
            "lines": [{"name": "业务", "amounts": {"initial": "185"}}, {"name": "专项", "amounts": {"initial": "1309.77"}}]}}})).unwrap();
        let weights = Weights::default();
        let findings = report.findings(&CheckContext {
            weights: &weights,
            approved: None,
            previous: None,
        });
        let finding = findings
            .iter()
            .find(|f| f.rule == "breakdown_exceeds_total")
            .unwrap();
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(finding.path, "budget.projects.amounts.initial");
        let values: Vec<_> = finding.figures.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["1081", "185", "1309.77", "1494.77"]);
        assert!(
            finding.message.contains("超出413.77万元"),
            "{}",
            finding.message
        );
        assert!(finding.message_en.contains("413.77"));
    }
}
