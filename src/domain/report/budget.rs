//! 二、一般公共预算支出情况 — the budget lines and their columns, in 万元.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::is_empty;
use crate::domain::values::{Amount, Label};

/// The budget columns of one line, in 万元.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetColumns {
    /// 年初预算 — initial budget (万元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial: Option<Amount>,
    /// 调整预算 / 全年预算 — adjusted budget (万元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted: Option<Amount>,
    /// 执行数 / 实际支出 — executed (万元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed: Option<Amount>,
    /// 上年执行数 — the previous year's executed amount, where the form lays it beside the line (万元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior_year_executed: Option<Amount>,
    /// 年初结转结余 — money carried in from earlier years (万元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_in: Option<Amount>,
    /// 本年追加 — added during the year (万元); initial + carried in + added = adjusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<Amount>,
    /// 说明 — what the form says of this line (e.g. why it was executed above its budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl BudgetColumns {
    /// The budget execution is measured against: the adjusted budget, else the initial one
    /// where the form states no adjustment.
    pub fn budget(&self) -> Option<Amount> {
        self.adjusted.or(self.initial)
    }

    /// Whether the form explains this line.
    pub fn explained(&self) -> bool {
        self.note.as_deref().is_some_and(|n| !n.trim().is_empty())
    }
}

/// 一般公共预算支出情况 — budget execution, in 万元.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Budget {
    /// 合计 — the unit's total, where stated (基本 + 项目).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<BudgetColumns>,
    /// 基本支出
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic: Option<BasicExpenditure>,
    /// "三公"经费
    #[serde(skip_serializing_if = "Option::is_none")]
    pub three_public: Option<ThreePublicExpenses>,
    /// 项目支出
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projects: Option<ProjectExpenditure>,
    /// 政府采购
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procurement: Option<Procurement>,
    /// 结转结余
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carry_over: Option<CarryOver>,
    /// 执行情况说明 — why execution is above the adjusted budget or below 90 % of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_note: Option<String>,
    /// 调整说明 — why the budget was adjusted by more than 30 %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjustment_note: Option<String>,
}

impl Budget {
    /// Every line below the totals, in document order: 人员经费, 公用经费 and its lines, then
    /// the project lines and their sub-lines; each with its path and name.
    pub fn lines(&self) -> Vec<(String, String, &BudgetColumns)> {
        fn walk<'a>(
            out: &mut Vec<(String, String, &'a BudgetColumns)>,
            path: &str,
            lines: &'a [ProjectLine],
        ) {
            for (i, line) in lines.iter().enumerate() {
                let here = format!("{path}[{i}]");
                out.push((
                    format!("{here}.amounts"),
                    line.name.as_str().to_owned(),
                    &line.amounts,
                ));
                walk(out, &format!("{here}.children"), &line.children);
            }
        }
        let mut out = Vec::new();
        if let Some(basic) = &self.basic {
            if let Some(personnel) = &basic.personnel {
                out.push((
                    "budget.basic.personnel".to_owned(),
                    "人员经费".to_owned(),
                    personnel,
                ));
            }
            if let Some(public) = &basic.public_operation {
                out.push((
                    "budget.basic.public_operation".to_owned(),
                    "公用经费".to_owned(),
                    public,
                ));
            }
            walk(
                &mut out,
                "budget.basic.public_operation_lines",
                &basic.public_operation_lines,
            );
        }
        if let Some(projects) = &self.projects {
            walk(&mut out, "budget.projects.lines", &projects.lines);
        }
        out
    }
}

/// 基本支出 — spending that keeps the unit running.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BasicExpenditure {
    /// The whole of basic expenditure (万元).
    #[serde(skip_serializing_if = "is_empty")]
    pub amounts: BudgetColumns,
    /// 人员经费 (万元), where split.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personnel: Option<BudgetColumns>,
    /// 公用经费 (万元), where split.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_operation: Option<BudgetColumns>,
    /// 公用经费 by line (办公费, 差旅费 …), a tree like the project lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_operation_lines: Vec<ProjectLine>,
    /// What the report says the money is for, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The columns of one "三公" line, in 万元.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ThreePublicColumns {
    /// 预算数 (万元)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<Amount>,
    /// 实际支出 (万元)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Amount>,
    /// 上年预算数 (万元)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior_year_budget: Option<Amount>,
    /// 上年实际支出 (万元)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior_year_actual: Option<Amount>,
}

/// "三公"经费 — official reception, official vehicles and official travel abroad.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ThreePublicExpenses {
    /// 合计
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<ThreePublicColumns>,
    /// 公务接待费
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reception: Option<ThreePublicColumns>,
    /// 公务用车购置及运行维护费
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official_vehicles: Option<OfficialVehicleExpenses>,
    /// 因公出国（境）费
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overseas_travel: Option<ThreePublicColumns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// 公务用车购置及运行维护费, with its two parts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OfficialVehicleExpenses {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<ThreePublicColumns>,
    /// 公务用车购置费
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase: Option<ThreePublicColumns>,
    /// 公务用车运行维护费
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<ThreePublicColumns>,
}

/// 项目支出 — project expenditure as a tree of lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectExpenditure {
    /// The whole of project expenditure as stated (万元).
    #[serde(skip_serializing_if = "is_empty")]
    pub amounts: BudgetColumns,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ProjectLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One project line; it may have sub-lines with the same columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectLine {
    pub name: Label,
    /// 用途 — what the money is for, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The line's budget columns (万元).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub amounts: BudgetColumns,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub children: Vec<ProjectLine>,
}

/// 政府采购 (万元).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Procurement {
    /// 采购预算 (万元)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned: Option<Amount>,
    /// 实际采购 (万元)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Amount>,
    /// 上年实际采购 — the prior year's column (万元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior_year_actual: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// 结转结余 (万元).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CarryOver {
    /// 结转 (万元)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_over: Option<Amount>,
    /// 结余 (万元)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
