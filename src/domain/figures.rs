//! 派生指标 — the figures the bureau computes from a report, never trusting stated ones.
//! A ratio whose denominator is zero or missing is undefined (`None`), not zero.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use utoipa::ToSchema;

use super::report::{Budget, BudgetColumns, EvaluationReport, ThreePublicColumns};

/// A ratio in percent, rounded to 4 decimal places, written as a decimal string (`"97.8412"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "97.8412")]
pub struct Percent(Decimal);

impl Percent {
    pub const SCALE: u32 = 4;

    /// `numerator ÷ denominator` in percent; undefined when the denominator is zero.
    pub fn of(numerator: Decimal, denominator: Decimal) -> Option<Self> {
        if denominator.is_zero() {
            return None;
        }
        let percent = numerator
            .checked_mul(Decimal::ONE_HUNDRED)?
            .checked_div(denominator)?;
        Some(Self(percent.round_dp_with_strategy(
            Self::SCALE,
            RoundingStrategy::MidpointAwayFromZero,
        )))
    }

    /// `(now − before) ÷ before` in percent.
    pub fn change(now: Decimal, before: Decimal) -> Option<Self> {
        Self::of(now - before, before)
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl From<Percent> for String {
    fn from(percent: Percent) -> Self {
        percent.0.normalize().to_string()
    }
}

/// An exact decimal the service computed (an amount in 万元, points), written as a decimal
/// string without trailing zeros, e.g. `"1659.36"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "1659.36")]
pub struct Exact(pub Decimal);

impl From<Exact> for String {
    fn from(exact: Exact) -> Self {
        amount_string(&exact.0)
    }
}

/// Writes an exact amount without trailing zeros.
fn amount_string(amount: &Decimal) -> String {
    amount.normalize().to_string()
}

/// Budget columns as numbers, with the rates the bureau reads off them (万元, %).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ColumnFigures {
    /// 年初预算 (万元)
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_amount")]
    pub initial: Option<Decimal>,
    /// 调整预算 (万元)
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_amount")]
    pub adjusted: Option<Decimal>,
    /// 执行数 (万元)
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_amount")]
    pub executed: Option<Decimal>,
    /// 预算执行率 = executed ÷ adjusted (%)
    pub execution_rate: Option<Percent>,
    /// 预算调整率 = (adjusted − initial) ÷ initial (%)
    pub adjustment_rate: Option<Percent>,
}

/// Writes an optional exact decimal as a string without trailing zeros.
pub fn optional_amount<S: serde::Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(amount) => serializer.serialize_some(&amount_string(amount)),
        None => serializer.serialize_none(),
    }
}

impl ColumnFigures {
    fn new(initial: Option<Decimal>, adjusted: Option<Decimal>, executed: Option<Decimal>) -> Self {
        Self {
            execution_rate: executed.zip(adjusted).and_then(|(e, a)| Percent::of(e, a)),
            adjustment_rate: adjusted
                .zip(initial)
                .and_then(|(a, i)| Percent::change(a, i)),
            initial,
            adjusted,
            executed,
        }
    }

    pub fn of(columns: &BudgetColumns) -> Self {
        Self::new(
            columns.initial.map(|a| a.value()),
            columns.adjusted.map(|a| a.value()),
            columns.executed.map(|a| a.value()),
        )
    }

    /// A line's figures: its execution rate is against the initial budget where the form
    /// states no adjustment.
    fn of_line(columns: &BudgetColumns) -> Self {
        let mut figures = Self::of(columns);
        figures.execution_rate = columns
            .executed
            .zip(columns.budget())
            .and_then(|(e, b)| Percent::of(e.value(), b.value()));
        figures
    }
}

/// "三公"经费 as numbers, with control and change rates (万元, %).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ThreePublicFigures {
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_amount")]
    pub budget: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_amount")]
    pub actual: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_amount")]
    pub prior_year_actual: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "optional_amount")]
    pub prior_year_budget: Option<Decimal>,
    /// "三公"经费控制率 = actual ÷ budget (%)
    pub control_rate: Option<Percent>,
    /// "三公"经费变动率 of the actual columns = (actual − prior-year actual) ÷ prior-year actual (%)
    pub actual_change_rate: Option<Percent>,
    /// "三公"经费变动率 of the budget columns = (budget − prior-year budget) ÷ prior-year budget (%)
    pub budget_change_rate: Option<Percent>,
}

/// Every derived figure of one report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct DerivedFigures {
    /// 基本支出
    pub basic: ColumnFigures,
    /// 项目支出
    pub projects: ColumnFigures,
    /// 合计: the stated total where there is one, else basic + projects.
    pub total: ColumnFigures,
    pub three_public: ThreePublicFigures,
    /// 在职人员控制率 = 在职人数 ÷ 编制数 (%)
    pub staffing_control_rate: Option<Percent>,
    /// 结转结余率 = (结转 + 结余) ÷ adjusted total budget (%)
    pub carry_over_rate: Option<Percent>,
    /// Every line below the totals (人员经费, 公用经费 and its lines, project lines and
    /// sub-lines) with its rates; a line's execution rate is against its adjusted budget, else
    /// its initial one where the form states no adjustment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineFigures>,
}

/// One budget line's figures.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LineFigures {
    /// Where the line's columns are, e.g. `budget.projects.lines[0].amounts`.
    pub path: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: ColumnFigures,
}

/// The unit's totals column by column: the stated 合计, else basic + projects where both
/// (or the one that is there) give the column.
pub fn overall(budget: &Budget) -> (Option<Decimal>, Option<Decimal>, Option<Decimal>) {
    if let Some(total) = &budget.total {
        return (
            total.initial.map(|a| a.value()),
            total.adjusted.map(|a| a.value()),
            total.executed.map(|a| a.value()),
        );
    }
    let parts: Vec<&BudgetColumns> = budget
        .basic
        .iter()
        .map(|b| &b.amounts)
        .chain(budget.projects.iter().map(|p| &p.amounts))
        .collect();
    if parts.is_empty() {
        return (None, None, None);
    }
    let column = |get: fn(&BudgetColumns) -> Option<Decimal>| -> Option<Decimal> {
        parts.iter().map(|c| get(c)).sum::<Option<Decimal>>()
    };
    (
        column(|c| c.initial.map(|a| a.value())),
        column(|c| c.adjusted.map(|a| a.value())),
        column(|c| c.executed.map(|a| a.value())),
    )
}

fn three_public_of(columns: Option<&ThreePublicColumns>) -> ThreePublicFigures {
    let Some(columns) = columns else {
        return ThreePublicFigures::default();
    };
    let budget = columns.budget.map(|a| a.value());
    let actual = columns.actual.map(|a| a.value());
    let prior_year_actual = columns.prior_year_actual.map(|a| a.value());
    let prior_year_budget = columns.prior_year_budget.map(|a| a.value());
    ThreePublicFigures {
        control_rate: actual.zip(budget).and_then(|(a, b)| Percent::of(a, b)),
        actual_change_rate: actual
            .zip(prior_year_actual)
            .and_then(|(a, p)| Percent::change(a, p)),
        budget_change_rate: budget
            .zip(prior_year_budget)
            .and_then(|(b, p)| Percent::change(b, p)),
        budget,
        actual,
        prior_year_actual,
        prior_year_budget,
    }
}

impl EvaluationReport {
    pub fn derived_figures(&self) -> DerivedFigures {
        let budget = &self.budget;
        let (initial, adjusted, executed) = overall(budget);
        let total = ColumnFigures::new(initial, adjusted, executed);
        let staffing = &self.profile.staffing;
        let carry_over = budget.carry_over.as_ref().and_then(|c| {
            let carried = c.carried_over.map(|a| a.value()).unwrap_or_default();
            let balance = c.balance.map(|a| a.value()).unwrap_or_default();
            (c.carried_over.is_some() || c.balance.is_some()).then_some(carried + balance)
        });
        DerivedFigures {
            basic: budget
                .basic
                .as_ref()
                .map(|b| ColumnFigures::of(&b.amounts))
                .unwrap_or_default(),
            projects: budget
                .projects
                .as_ref()
                .map(|p| ColumnFigures::of(&p.amounts))
                .unwrap_or_default(),
            carry_over_rate: carry_over
                .zip(total.adjusted)
                .and_then(|(c, a)| Percent::of(c, a)),
            total,
            three_public: three_public_of(
                budget.three_public.as_ref().and_then(|t| t.total.as_ref()),
            ),
            staffing_control_rate: staffing
                .on_payroll
                .zip(staffing.authorized_total)
                .and_then(|(on, authorized)| Percent::of(on.into(), authorized.into())),
            lines: budget
                .lines()
                .into_iter()
                .map(|(path, name, columns)| LineFigures {
                    path,
                    name,
                    figures: ColumnFigures::of_line(columns),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn a_zero_denominator_is_undefined_not_zero() {
        assert_eq!(Percent::of(dec("5"), Decimal::ZERO), None);
        assert_eq!(Percent::change(dec("5"), Decimal::ZERO), None);
    }

    #[test]
    fn rates_are_exact_to_four_places() {
        assert_eq!(
            String::from(Percent::of(dec("1695.04"), dec("1659.36")).unwrap()),
            "102.1502"
        );
        assert_eq!(
            String::from(Percent::change(dec("1695.04"), dec("1659.36")).unwrap()),
            "2.1502"
        );
        assert_eq!(
            String::from(Percent::of(dec("1"), dec("3")).unwrap()),
            "33.3333"
        );
        assert_eq!(
            String::from(Percent::of(dec("2"), dec("3")).unwrap()),
            "66.6667"
        );
        assert_eq!(
            String::from(Percent::of(dec("50"), dec("50")).unwrap()),
            "100"
        );
    }

    #[test]
    fn the_total_is_basic_plus_projects_when_not_stated() {
        let report: EvaluationReport = serde_json::from_value(serde_json::json!({"budget": {
            "basic": {"amounts": {"initial": "100", "adjusted": "110", "executed": "99"}},
            "projects": {"amounts": {"initial": "50", "adjusted": "40"}}
        }}))
        .unwrap();
        let figures = report.derived_figures();
        assert_eq!(figures.total.initial, Some(dec("150")));
        assert_eq!(figures.total.adjusted, Some(dec("150")));
        assert_eq!(
            figures.total.executed, None,
            "projects give no executed column"
        );
        assert_eq!(figures.total.execution_rate, None);
        assert_eq!(String::from(figures.basic.execution_rate.unwrap()), "90");
        assert_eq!(
            String::from(figures.projects.adjustment_rate.unwrap()),
            "-20"
        );
    }
}
