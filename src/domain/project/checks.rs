//! The checks and score of a project table. Its indicators are checked and scored by the
//! departmental rules, unchanged (the table's indicator part read as a report); what is the
//! project's own is checked here: the funding rows against their total, spending above the
//! budget stated, the stated 执行率 and 得分 against the ones computed, the execution weight
//! against the year's framework, and the project's money against the line of the departmental
//! report it names.

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::table::{AmountUnit, FundingColumns, FundingRow, ProjectTable};
use crate::domain::checks::{CheckContext, Finding, Rule, Severity, TOLERANCE, amount, figure};
use crate::domain::figures::{Exact, Percent};
use crate::domain::library::Library;
use crate::domain::report::{BudgetColumns, EvaluationReport, Grade, Metric, ProjectLine};
use crate::domain::result_application::rules::ResultRules;
use crate::domain::scoring::{IndicatorScore, Score, Subtotal};
use crate::domain::settings::YearSettings;

/// The project's money in 万元, converted exactly from the unit the form writes.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FundingFigures {
    /// The unit the form writes its amounts in.
    pub amount_unit: AmountUnit,
    /// 年初预算数 of the total (万元): the total row's, else its sources' sum.
    pub initial: Option<Exact>,
    /// 全年预算数 of the total (万元).
    pub full_year: Option<Exact>,
    /// 全年执行数 of the total (万元).
    pub executed: Option<Exact>,
}

/// The budget execution part of a project's score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExecutionPart {
    /// 分值: the form's, else the year's budget execution weight.
    pub weight: Exact,
    /// Which budget the rate is of: `full_year` (全年预算数), else `initial` (年初预算数).
    pub budget_column: Option<String>,
    /// 执行率 = 全年执行数 ÷ budget (%), uncapped.
    pub rate: Option<Percent>,
    /// 得分 by the year's rule: 分值 × min(执行率, 100 %).
    pub score: Option<Score>,
    /// 执行率 as the form states it (%).
    pub stated_rate: Option<Exact>,
    /// 得分 as the form states it.
    pub stated_score: Option<Exact>,
}

/// A project's whole score: execution, indicators, total and grade, beside what it states.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProjectScore {
    pub funding: FundingFigures,
    pub execution: ExecutionPart,
    pub indicators: Vec<IndicatorScore>,
    pub subtotals: Vec<Subtotal>,
    /// 总分 = execution + indicators; none while anything is missing.
    pub total: Option<Score>,
    pub grade: Option<Grade>,
    /// 总分 and the grade as the form states them.
    pub stated_total: Option<Exact>,
    pub stated_grade: Option<Grade>,
    /// The stated total minus the computed one.
    pub stated_total_difference: Option<Score>,
    /// Everything that keeps the score from being computed in full.
    pub missing: Vec<String>,
}

/// The line of a departmental report a project table names, as found there.
#[derive(Debug, Clone, PartialEq)]
pub enum DepartmentalLine<'a> {
    /// The table names no line.
    NotLinked,
    /// It names one, and the unit has no departmental report of the year.
    NoReport,
    /// It names one the report does not have.
    Missing,
    /// The line, with its path in the report.
    Found {
        path: String,
        columns: &'a BudgetColumns,
    },
}

/// The departmental report's project line the table names (by name, at any depth; the first
/// in document order).
pub fn departmental_line<'a>(
    table: &ProjectTable,
    report: Option<&'a EvaluationReport>,
) -> DepartmentalLine<'a> {
    fn find<'a>(
        path: &str,
        lines: &'a [ProjectLine],
        name: &str,
    ) -> Option<(String, &'a BudgetColumns)> {
        lines.iter().enumerate().find_map(|(i, line)| {
            let here = format!("{path}[{i}]");
            if line.name.as_str() == name {
                return Some((format!("{here}.amounts"), &line.amounts));
            }
            find(&format!("{here}.children"), &line.children, name)
        })
    }
    let Some(name) = &table.departmental_line else {
        return DepartmentalLine::NotLinked;
    };
    let Some(report) = report else {
        return DepartmentalLine::NoReport;
    };
    report
        .budget
        .projects
        .as_ref()
        .and_then(|projects| find("budget.projects.lines", &projects.lines, name.as_str()))
        .map_or(DepartmentalLine::Missing, |(path, columns)| {
            DepartmentalLine::Found { path, columns }
        })
}

/// The instructions the standard forms print in the 原因 cell beside the money (Sichuan's
/// 部门预算项目支出绩效自评表): left in place, they explain nothing.
pub(super) const PRINTED_INSTRUCTIONS: [&str; 1] = [
    "1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);2.年中发生预算调整的(追加或调减),应单独说明理由;3.其他资金包括:社会投入资金、银行贷款.",
];

/// What forms write in a reason cell to say there is none.
const NO_REASON: [&str; 4] = ["0", "无", "—", "/"];

/// Whether a note says anything once the form's printed instructions are taken out of it.
fn explains(note: &str) -> bool {
    let own = PRINTED_INSTRUCTIONS
        .iter()
        .fold(note.to_owned(), |left, printed| left.replace(printed, ""));
    let own = own.trim();
    !own.is_empty() && !NO_REASON.contains(&own)
}

/// What scoring and checking a project table needs besides the table.
#[derive(Debug, Clone, Copy)]
pub struct ProjectScoring<'a> {
    pub settings: &'a YearSettings,
    /// The unit's departmental report of the same year, where there is one.
    pub departmental: Option<&'a EvaluationReport>,
    /// The same project's table of the year before, as its indicator part
    /// ([`ProjectTable::indicator_report`]), where there is one: a target easier than its
    /// actual is a warning, as on a departmental report.
    pub previous: Option<&'a EvaluationReport>,
    /// The year's indicator library (its own, else the common one).
    pub library: &'a Library,
    /// The year's result rules (its own, else the defaults): how a total is graded.
    pub rules: &'a ResultRules,
}

fn column_name(column: &str) -> &'static str {
    match column {
        "initial" => "年初预算数",
        "full_year" => "全年预算数",
        _ => "全年执行数",
    }
}

type Column = fn(&FundingColumns) -> Option<crate::domain::values::Amount>;

const COLUMNS: [(&str, Column); 3] = [
    ("initial", |c| c.initial),
    ("full_year", |c| c.full_year),
    ("executed", |c| c.executed),
];

impl ProjectTable {
    /// The execution weight: the form's 分值; none where the form scores execution among its
    /// indicators (a 预算执行率 indicator, and no 分值 or 得分 on the money row), so that it is
    /// not scored twice; else the year's.
    fn execution_weight(&self, scoring: &ProjectScoring<'_>) -> Decimal {
        let total = self.funding.total.as_ref();
        if let Some(weight) = total.and_then(|t| t.weight) {
            return weight.value();
        }
        let scored_on_money_row = total.is_some_and(|t| t.stated_score.is_some());
        if !scored_on_money_row && self.execution_indicator(scoring.library).is_some() {
            return Decimal::ZERO;
        }
        scoring.settings.weights.budget_execution.value()
    }

    /// The indicator that states the budget execution rate (预算执行率), where there is one.
    fn execution_indicator(&self, library: &Library) -> Option<usize> {
        self.goals
            .indicators
            .iter()
            .position(|i| i.metric(library) == Some(Metric::ExecutionRate))
    }

    /// 执行率 of the total with the column of the budget it is of.
    fn execution_rate(&self) -> Option<(Percent, &'static str, Decimal, Decimal)> {
        let funding = &self.funding;
        let executed = funding.total_column(|c| c.executed)?;
        let (budget, column) = match funding.total_column(|c| c.full_year) {
            Some(full_year) => (full_year, "full_year"),
            None => (funding.total_column(|c| c.initial)?, "initial"),
        };
        Percent::of(executed, budget).map(|rate| (rate, column, executed, budget))
    }

    /// The score by the rules: execution by the year's rule (分值 × min(执行率, 100 %)), each
    /// indicator by the departmental rules, added up.
    pub fn score(&self, scoring: &ProjectScoring<'_>) -> ProjectScore {
        let weights = &scoring.settings.weights;
        let card = self
            .indicator_report()
            .scorecard(weights, None, scoring.library, scoring.rules);
        let weight = self.execution_weight(scoring);
        let mut missing: Vec<String> = card
            .indicators
            .iter()
            .flat_map(|i| i.missing.iter().cloned())
            .collect();
        if card.indicators.is_empty() {
            missing.push("the table gives no indicators (绩效指标)".to_owned());
        }
        let rate = self.execution_rate();
        if rate.is_none() {
            missing.push(
                "the funding gives no executed amount (全年执行数) against a non-zero budget (全年预算数 or 年初预算数)"
                    .to_owned(),
            );
        }
        let execution_points = rate.map(|(rate, ..)| {
            weight * (rate.value() / Decimal::ONE_HUNDRED).clamp(Decimal::ZERO, Decimal::ONE)
        });
        let indicator_points: Option<Decimal> = card
            .indicators
            .iter()
            .map(|i| i.score.map(|s| s.value()))
            .sum();
        let total = match (missing.is_empty(), execution_points, indicator_points) {
            (true, Some(execution), Some(indicators)) => Some(Score::of(execution + indicators)),
            _ => None,
        };
        let stated = self.funding.total.as_ref();
        let stated_total = self.results.stated_total_score.map(|s| s.value());
        ProjectScore {
            funding: FundingFigures {
                amount_unit: self.funding.unit(),
                initial: self.funding.total_column(|c| c.initial).map(Exact),
                full_year: self.funding.total_column(|c| c.full_year).map(Exact),
                executed: self.funding.total_column(|c| c.executed).map(Exact),
            },
            execution: ExecutionPart {
                weight: Exact(weight),
                budget_column: rate.map(|(_, column, ..)| column.to_owned()),
                rate: rate.map(|(rate, ..)| rate),
                score: execution_points.map(Score::of),
                stated_rate: stated.and_then(|t| t.stated_rate).map(|r| Exact(r.value())),
                stated_score: stated
                    .and_then(|t| t.stated_score)
                    .map(|s| Exact(s.value())),
            },
            grade: total.map(|t| scoring.rules.grade(t.value())),
            stated_total_difference: stated_total
                .zip(total)
                .map(|(stated, computed)| Score::of(stated - computed.value())),
            stated_total: stated_total.map(Exact),
            stated_grade: self.results.stated_grade,
            indicators: card.indicators,
            subtotals: card.subtotals,
            total,
            missing,
        }
    }

    /// Every finding of the checks, errors first: the departmental checks of the indicators,
    /// then the project's own.
    pub fn findings(&self, scoring: &ProjectScoring<'_>) -> Vec<Finding> {
        let context = CheckContext {
            settings: scoring.settings,
            approved: None,
            previous: scoring.previous,
            library: scoring.library,
            rules: scoring.rules,
        };
        let mut findings = self.indicator_report().findings(&context);
        self.funding_rows(&mut findings);
        self.spending_above_budget(&mut findings);
        self.spending_below_90(&mut findings);
        self.budget_adjustment(&mut findings);
        self.stated_total_without_execution_score(&mut findings);
        self.weights_with_execution_among_indicators(scoring, &mut findings);
        self.stated_execution(scoring, &mut findings);
        self.execution_weight_against_framework(scoring.settings, &mut findings);
        self.against_departmental_line(scoring.departmental, &mut findings);
        findings.sort_by_key(|f| f.severity != Severity::Error);
        findings
    }

    /// The total row against the sum of its sources, column by column, where both are stated.
    fn funding_rows(&self, findings: &mut Vec<Finding>) {
        let funding = &self.funding;
        let Some(total) = &funding.total else { return };
        let unit = funding.unit();
        for (column, get) in COLUMNS {
            let (Some(stated), Some(sum)) = (get(&total.columns()), funding.sources_column(get))
            else {
                continue;
            };
            let stated = unit.to_wan_yuan(stated);
            if (stated - sum).abs() <= TOLERANCE {
                continue;
            }
            let name = column_name(column);
            findings.push(Finding::new(
                Rule::FundingSourcesDoNotAddUp,
                format!("funding.total.{column}"),
                vec![
                    figure(format!("funding.total.{column} (万元)"), amount(stated)),
                    figure(format!("Σ funding.sources[].{column} (万元)"), amount(sum)),
                ],
                format!(
                    "年度资金总额的{name}{}万元与各资金来源之和{}万元不一致。",
                    amount(stated),
                    amount(sum)
                ),
                format!(
                    "The total's {column} ({} 万元) is not the sum of its sources ({} 万元).",
                    amount(stated),
                    amount(sum)
                ),
            ));
        }
    }

    /// Whether the funding's note (执行情况说明 / 原因) says anything beyond the form's own
    /// printed instructions.
    fn execution_explained(&self) -> bool {
        self.funding.execution_note.as_deref().is_some_and(explains)
    }

    /// Spending above the budget stated — 全年预算数, or 年初预算数 where no other is stated —
    /// without a note saying why.
    fn spending_above_budget(&self, findings: &mut Vec<Finding>) {
        let Some((rate, column, executed, budget)) = self.execution_rate() else {
            return;
        };
        if self.execution_explained() || executed <= budget + TOLERANCE {
            return;
        }
        findings.push(Finding::new(
            Rule::ExecutionAboveBudget,
            "funding.execution_note",
            vec![
                figure("funding.total.executed (万元)", amount(executed)),
                figure(format!("funding.total.{column} (万元)"), amount(budget)),
                figure("execution rate (%)", String::from(rate)),
            ],
            format!("全年执行数{}万元超过{}{}万元（执行率{}%），请在执行情况说明中说明原因。", amount(executed), column_name(column), amount(budget), String::from(rate)),
            format!("Executed ({}) is above the {column} budget ({}); explain it in funding.execution_note.", amount(executed), amount(budget)),
        ));
    }

    /// Whether spending short of the budget is explained: in the funding's note, or — the
    /// standard form has no 原因 cell beside its money rows — in an indicator's 偏差原因分析.
    fn underspend_explained(&self) -> bool {
        self.execution_explained()
            || self
                .results
                .indicators
                .iter()
                .any(|r| r.deviation_reason.as_deref().is_some_and(explains))
    }

    /// Spending below 90 % of the budget without a note saying why (the departmental rule 3,
    /// on the project's own money).
    fn spending_below_90(&self, findings: &mut Vec<Finding>) {
        let Some((rate, column, executed, budget)) = self.execution_rate() else {
            return;
        };
        if self.underspend_explained() || rate.value() >= Decimal::from(90) {
            return;
        }
        findings.push(Finding::new(
            Rule::ExecutionBelow90,
            "funding.execution_note",
            vec![
                figure("funding.total.executed (万元)", amount(executed)),
                figure(format!("funding.total.{column} (万元)"), amount(budget)),
                figure("execution rate (%)", String::from(rate)),
            ],
            format!("预算执行率为{}%（全年执行数{}万元÷{}{}万元），低于90%，请在执行情况说明或偏差原因分析中说明原因。", String::from(rate), amount(executed), column_name(column), amount(budget)),
            format!("The execution rate is {} % (executed {} ÷ {column} {}), below 90 %; give the reason in funding.execution_note or an indicator's deviation_reason.", String::from(rate), amount(executed), amount(budget)),
        ));
    }

    /// A full-year budget adjusted from the initial one by more than 30 %, or from nothing,
    /// without a note saying why (the departmental rule 4; the project form has one 原因 cell
    /// for both).
    fn budget_adjustment(&self, findings: &mut Vec<Finding>) {
        let funding = &self.funding;
        let (Some(initial), Some(full_year)) = (
            funding.total_column(|c| c.initial),
            funding.total_column(|c| c.full_year),
        ) else {
            return;
        };
        if self.execution_explained() {
            return;
        }
        let mut figures = vec![
            figure("funding.total.initial (万元)", amount(initial)),
            figure("funding.total.full_year (万元)", amount(full_year)),
        ];
        let (zh, en) = match Percent::change(full_year, initial) {
            Some(rate) if rate.value().abs() > Decimal::from(30) => {
                figures.push(figure("adjustment rate (%)", String::from(rate)));
                (
                    format!(
                        "全年预算数{}万元较年初预算数{}万元调整{}%，超过30%，请在说明中写明调整理由。",
                        amount(full_year),
                        amount(initial),
                        String::from(rate)
                    ),
                    format!(
                        "The budget was adjusted by {} % (initial {} → full-year {}), more than 30 %; give the reason in funding.execution_note.",
                        String::from(rate),
                        amount(initial),
                        amount(full_year)
                    ),
                )
            }
            // From nothing the rate is undefined, not infinite: the whole budget came during
            // the year.
            None if !full_year.is_zero() => (
                format!(
                    "年初预算数为0，全年预算数{}万元全部为年中调整，请在说明中写明调整理由。",
                    amount(full_year)
                ),
                format!(
                    "The initial budget is 0 and the full-year budget {} was all added during the year; give the reason in funding.execution_note.",
                    amount(full_year)
                ),
            ),
            _ => return,
        };
        findings.push(Finding::new(
            Rule::AdjustmentOver30,
            "funding.execution_note",
            figures,
            zh,
            en,
        ));
    }

    /// Where the form scores execution among its own groups of indicators, nothing is scored
    /// apart to take what the indicators leave: their weights alone make 100.
    fn weights_with_execution_among_indicators(
        &self,
        scoring: &ProjectScoring<'_>,
        findings: &mut Vec<Finding>,
    ) {
        if self.goals.on_default_framework()
            || !self.execution_weight(scoring).is_zero()
            || self.execution_indicator(scoring.library).is_none()
        {
            return;
        }
        let Some(weights) = self.goals.total_weight() else {
            return;
        };
        if weights == Decimal::ONE_HUNDRED {
            return;
        }
        findings.push(Finding::new(
            Rule::WeightsNot100,
            "goals.indicators",
            vec![
                figure("sum of indicator weights", amount(weights)),
                figure("budget execution weight (scored as an indicator)", "0"),
            ],
            format!("各指标分值合计{}分，不是100分（预算执行率已作为指标计分，不另计分值）。", amount(weights)),
            format!("The indicators weigh {} in all, not 100 (budget execution is scored as one of them, with no weight apart).", amount(weights)),
        ));
    }

    /// On a form that gives budget execution no score of its own (no 分值 and no 得分 on the
    /// money row), the stated 总分 is the indicators' self-scores alone.
    fn stated_total_without_execution_score(&self, findings: &mut Vec<Finding>) {
        let scored_apart = self
            .funding
            .total
            .as_ref()
            .is_some_and(|t| t.weight.is_some() || t.stated_score.is_some());
        let Some(stated) = self.results.stated_total_score.map(|s| s.value()) else {
            return;
        };
        if scored_apart || self.goals.indicators.is_empty() {
            return;
        }
        let results = &self.results.indicators;
        let self_scores: Option<Decimal> = self
            .goals
            .indicators
            .iter()
            .map(|indicator| {
                results
                    .iter()
                    .find(|r| r.indicator_id == indicator.id)
                    .and_then(|r| r.self_score)
                    .map(|s| s.value())
            })
            .sum();
        let Some(parts) = self_scores else { return };
        if (stated - parts).abs() <= TOLERANCE {
            return;
        }
        findings.push(Finding::new(
            Rule::StatedTotalMismatch,
            "results.stated_total_score",
            vec![
                figure("results.stated_total_score", amount(stated)),
                figure("Σ results.indicators[].self_score", amount(parts)),
            ],
            format!("自评总分{}分与各指标自评得分之和{}分不一致（本表预算执行不单独计分）。", amount(stated), amount(parts)),
            format!("The stated total ({}) is not the sum of the indicators' self-scores ({}); this form gives budget execution no score of its own.", amount(stated), amount(parts)),
        ));
    }

    /// The stated 执行率 and 得分 against the computed ones, and 得分 against 分值.
    fn stated_execution(&self, scoring: &ProjectScoring<'_>, findings: &mut Vec<Finding>) {
        let Some(total) = &self.funding.total else {
            return;
        };
        let weight = self.execution_weight(scoring);
        let rate = self.execution_rate();
        if let (Some(stated), Some((computed, column, executed, budget))) =
            (total.stated_rate, rate)
        {
            let stated = stated.value();
            let half_unit = Decimal::new(5, stated.scale() + 1);
            let capped = computed.value().min(Decimal::ONE_HUNDRED);
            if (computed.value() - stated).abs() > half_unit && (capped - stated).abs() > half_unit
            {
                findings.push(Finding::new(
                    Rule::StatedRateMismatch,
                    "funding.total.stated_rate",
                    vec![
                        figure("funding.total.stated_rate (%)", amount(stated)),
                        figure("funding.total.executed (万元)", amount(executed)),
                        figure(format!("funding.total.{column} (万元)"), amount(budget)),
                        figure(format!("executed ÷ {column} (%)"), String::from(computed)),
                    ],
                    format!("执行率填报为{}%，但按全年执行数{}万元÷{}{}万元计算为{}%。", amount(stated), amount(executed), column_name(column), amount(budget), String::from(computed)),
                    format!("The execution rate is stated as {} %, but executed {} ÷ {column} {} is {} %.", amount(stated), amount(executed), amount(budget), String::from(computed)),
                ));
            }
        }
        let Some(stated) = total.stated_score.map(|s| s.value()) else {
            return;
        };
        if stated > weight {
            findings.push(Finding::new(
                Rule::SelfScoreAboveWeight,
                "funding.total.stated_score",
                vec![
                    figure("funding.total.stated_score", amount(stated)),
                    figure("funding.total.weight", amount(weight)),
                ],
                format!(
                    "预算执行率得分{}分，高于其分值{}分。",
                    amount(stated),
                    amount(weight)
                ),
                format!(
                    "The execution score ({}) is above its weight ({}).",
                    amount(stated),
                    amount(weight)
                ),
            ));
        }
        if let Some((computed, ..)) = rate {
            let by_rule = weight
                * (computed.value() / Decimal::ONE_HUNDRED).clamp(Decimal::ZERO, Decimal::ONE);
            let by_rule = Score::of(by_rule).value();
            if (stated - by_rule).abs() > TOLERANCE {
                findings.push(Finding::new(
                    Rule::StatedScoreMismatch,
                    "funding.total.stated_score",
                    vec![
                        figure("funding.total.stated_score", amount(stated)),
                        figure("funding.total.weight", amount(weight)),
                        figure("execution rate (%)", String::from(computed)),
                        figure("weight × min(rate, 100 %)", amount(by_rule)),
                    ],
                    format!("预算执行率得分填报为{}分，但按分值{}×执行率{}%（不超过100%）计算为{}分。", amount(stated), amount(weight), String::from(computed), amount(by_rule)),
                    format!("The execution score is stated as {}, but weight {} × rate {} % (capped at 100 %) is {}.", amount(stated), amount(weight), String::from(computed), amount(by_rule)),
                ));
            }
        }
    }

    /// The form's execution 分值 against the points the year's default framework gives budget
    /// execution (on another framework the indicators' weights are checked against it).
    fn execution_weight_against_framework(
        &self,
        settings: &YearSettings,
        findings: &mut Vec<Finding>,
    ) {
        let Some(stated) = self.funding.total.as_ref().and_then(|t| t.weight) else {
            return;
        };
        if !self.goals.on_default_framework() {
            return;
        }
        let configured = settings.weights.budget_execution.value();
        if stated.value() != configured {
            findings.push(Finding::new(
                Rule::GroupWeightMismatch,
                "funding.total.weight",
                vec![
                    figure("funding.total.weight", amount(stated.value())),
                    figure(
                        "budget execution weight (the year's framework)",
                        amount(configured),
                    ),
                ],
                format!(
                    "预算执行率分值{}分，与本年度指标体系的{}分不一致。",
                    amount(stated.value()),
                    amount(configured)
                ),
                format!(
                    "Budget execution is worth {} on the form, {} in the year's framework.",
                    amount(stated.value()),
                    amount(configured)
                ),
            ));
        }
    }

    /// The project's 全年预算数 and 全年执行数 against the departmental line it names: that
    /// line's adjusted (else initial) budget and its executed amount.
    fn against_departmental_line(
        &self,
        departmental: Option<&EvaluationReport>,
        findings: &mut Vec<Finding>,
    ) {
        let name = self.departmental_line.as_ref().map_or("", |n| n.as_str());
        let (path, columns) = match departmental_line(self, departmental) {
            DepartmentalLine::NotLinked => return,
            DepartmentalLine::NoReport => {
                findings.push(Finding::new(
                    Rule::DepartmentalLineNotFound,
                    "departmental_line",
                    vec![figure("departmental_line", name)],
                    format!("本单位当年没有部门整体支出绩效自评报告，无法核对项目“{name}”。"),
                    format!("The unit has no departmental report of the year to hold the line “{name}” against."),
                ));
                return;
            }
            DepartmentalLine::Missing => {
                findings.push(Finding::new(
                    Rule::DepartmentalLineNotFound,
                    "departmental_line",
                    vec![figure("departmental_line", name)],
                    format!("部门整体支出绩效自评报告的项目支出中没有“{name}”这一行。"),
                    format!("The departmental report's project lines have no line “{name}”."),
                ));
                return;
            }
            DepartmentalLine::Found { path, columns } => (path, columns),
        };
        let pairs = [
            (
                "full_year",
                self.funding
                    .total_column(|c| c.full_year)
                    .or(self.funding.total_column(|c| c.initial)),
                if columns.adjusted.is_some() {
                    "adjusted"
                } else {
                    "initial"
                },
                columns.budget().map(|a| a.value()),
            ),
            (
                "executed",
                self.funding.total_column(|c| c.executed),
                "executed",
                columns.executed.map(|a| a.value()),
            ),
        ];
        for (own, project, theirs, line) in pairs {
            let (Some(project), Some(line)) = (project, line) else {
                continue;
            };
            if (project - line).abs() <= TOLERANCE {
                continue;
            }
            findings.push(Finding::new(
                Rule::DepartmentalLineDiffers,
                format!("funding.total.{own}"),
                vec![
                    figure(format!("funding.total.{own} (万元)"), amount(project)),
                    figure(format!("{path}.{theirs} (万元)"), amount(line)),
                ],
                format!("项目{}{}万元与部门整体自评报告“{name}”行的{}万元不一致。", column_name(own), amount(project), amount(line)),
                format!("The project's {own} ({} 万元) differs from the departmental line “{name}” ({theirs}: {} 万元).", amount(project), amount(line)),
            ));
        }
    }
}
