//! 项目支出绩效自评表 — one project's self-evaluation table as the unit states it: the project,
//! its funding by source with the three budget columns, the overall goal against what was done,
//! and the indicators. The indicator rows are the departmental report's own types (`Goals`,
//! `Results`), so that the same targets-as-written, scoring rules and checks serve both.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::names::named_enum;
use crate::domain::report::{EvaluationReport, Goals, Results, is_empty};
use crate::domain::values::{Amount, Label, Points, Quantity, text_faults};
use crate::domain::{FieldError, Invalid};

named_enum! {
    /// 金额单位 — the unit the form writes its amounts in.
    pub enum AmountUnit {
        /// 万元 (the standard form's).
        WanYuan = "wan_yuan",
        /// 元 — converted exactly to 万元 (÷ 10,000) wherever the service computes.
        Yuan = "yuan",
    }
}

impl AmountUnit {
    /// `written` (in this unit) in 万元, exactly.
    pub fn to_wan_yuan(self, written: Amount) -> Decimal {
        match self {
            Self::WanYuan => written.value(),
            Self::Yuan => written.value() / Decimal::from(10_000),
        }
    }
}

/// The three budget columns of one funding row, in the form's unit (`funding.amount_unit`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FundingColumns {
    /// 年初预算数 — the initial budget, as written.
    pub initial: Option<Amount>,
    /// 全年预算数 — the full-year (adjusted) budget, as written.
    pub full_year: Option<Amount>,
    /// 全年执行数 — executed in the year, as written.
    pub executed: Option<Amount>,
}

impl FundingColumns {
    /// The budget execution is measured against, with the column it comes from: 全年预算数,
    /// else 年初预算数 where the form states no other.
    pub fn budget(&self) -> Option<(Amount, &'static str)> {
        self.full_year
            .map(|a| (a, "full_year"))
            .or(self.initial.map(|a| (a, "initial")))
    }

    /// Whether the row states no figure in any column.
    pub fn is_blank(&self) -> bool {
        self.initial.is_none() && self.full_year.is_none() && self.executed.is_none()
    }
}

/// 年度资金总额 — the total row, with the execution part of the score as the form states it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FundingTotal {
    // The total's budget columns, as written (a form may leave them at zero while its source
    // rows carry the money: the checks say so).
    /// 年初预算数 — the initial budget, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<Amount>,
    /// 全年预算数 — the full-year (adjusted) budget, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_year: Option<Amount>,
    /// 全年执行数 — executed in the year, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed: Option<Amount>,
    /// 分值 — the points budget execution is worth on this form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<Points>,
    /// 执行率 as the form states it, in percent (`95.5` for 95.5 %).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_rate: Option<Quantity>,
    /// 得分 — the execution score as the form states it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_score: Option<Points>,
}

named_enum! {
    /// The standard sources of a project's money.
    pub enum FundingSourceKind {
        /// 当年财政拨款 — this year's appropriation.
        CurrentAppropriation = "current_appropriation",
        /// 上年结转资金 — carried over from the year before.
        CarriedOver = "carried_over",
        /// 其他资金 — any other money.
        Other = "other",
    }
}

/// One source row (其中：…) under the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingSource {
    /// The row's label as written, e.g. `其中：当年财政拨款`, or a source the form names.
    pub name: Label,
    /// Which standard source it is; left out for a source of the form's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FundingSourceKind>,
    /// 年初预算数 — the initial budget, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<Amount>,
    /// 全年预算数 — the full-year (adjusted) budget, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_year: Option<Amount>,
    /// 全年执行数 — executed in the year, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed: Option<Amount>,
}

/// A row's budget columns, whichever row it is.
pub trait FundingRow {
    fn columns(&self) -> FundingColumns;
}

impl FundingRow for FundingTotal {
    fn columns(&self) -> FundingColumns {
        FundingColumns {
            initial: self.initial,
            full_year: self.full_year,
            executed: self.executed,
        }
    }
}

impl FundingRow for FundingSource {
    fn columns(&self) -> FundingColumns {
        FundingColumns {
            initial: self.initial,
            full_year: self.full_year,
            executed: self.executed,
        }
    }
}

/// 项目资金 — the money, by source, in the unit the form writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Funding {
    /// The unit the amounts are written in; left out, 万元.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_unit: Option<AmountUnit>,
    /// 年度资金总额
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<FundingTotal>,
    /// 其中 — the sources, in the form's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<FundingSource>,
    /// 执行情况说明 — why the money was spent above its budget, where it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_note: Option<String>,
}

impl Funding {
    pub fn unit(&self) -> AmountUnit {
        self.amount_unit.unwrap_or(AmountUnit::WanYuan)
    }

    /// One column of the total in 万元: the total row's where it states the column, else the
    /// sources' sum where every source states it.
    pub fn total_column(&self, column: fn(&FundingColumns) -> Option<Amount>) -> Option<Decimal> {
        let unit = self.unit();
        if let Some(stated) = self.total.as_ref().and_then(|t| column(&t.columns()))
            && !(stated.value().is_zero() && self.sources_column(column).is_some())
        {
            return Some(unit.to_wan_yuan(stated));
        }
        self.sources_column(column)
    }

    /// The sources' sum of one column in 万元; none without sources or where one that states
    /// some figure leaves this column out. A source row printed with no figure at all (the
    /// form's empty 上年结转资金 or 其他资金) holds nothing: it is left out of the sum rather
    /// than making it unknown.
    pub fn sources_column(&self, column: fn(&FundingColumns) -> Option<Amount>) -> Option<Decimal> {
        let unit = self.unit();
        let mut stated = self
            .sources
            .iter()
            .filter(|s| !s.columns().is_blank())
            .peekable();
        stated.peek()?;
        stated
            .map(|s| column(&s.columns()).map(|a| unit.to_wan_yuan(a)))
            .sum()
    }
}

/// 年度总体目标 — one row of the overall goal: what was expected beside what was done.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OverallGoal {
    /// 预期目标
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// 实际完成情况
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

/// 项目负责人 and 联系电话 — personal data: stored and shown to those who may read the
/// project, never published nor in open data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Contact {
    /// 项目负责人
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// 联系电话
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// 项目类别 — what kind of project it is, as the indicator library names project kinds (e.g.
/// 海绵城市建设): 1 to 100 characters, not blank, no U+0000. Projects of one kind are compared
/// with each other: target suggestions take the median over them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct ProjectKind(String);

crate::domain::invalid::deserialize_through!(String => ProjectKind);

impl ProjectKind {
    pub const MAX_CHARS: usize = 100;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProjectKind {
    type Error = crate::domain::Invalid;

    /// A label (not blank, storable) of at most [`Self::MAX_CHARS`].
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let label = Label::try_from(text)?;
        if label.as_str().chars().count() > Self::MAX_CHARS {
            return Err(crate::domain::Invalid::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(label.into()))
    }
}

impl From<ProjectKind> for String {
    fn from(kind: ProjectKind) -> Self {
        kind.0
    }
}

// By hand: the derive cannot give a newtype's text its bounds.
impl utoipa::PartialSchema for ProjectKind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "项目类别, as the indicator library names project kinds: 1 to 100 characters, not blank, no U+0000.",
            ))
            .min_length(Some(1))
            .max_length(Some(Self::MAX_CHARS))
            .pattern(Some(r"^[^\u0000]*\S[^\u0000]*$"))
            .examples([serde_json::json!("海绵城市建设")])
            .into()
    }
}

impl ToSchema for ProjectKind {}

/// The whole 项目支出绩效自评表. Every part may be left out of a draft and filled in later.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectTable {
    /// 项目名称
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Label>,
    /// 项目类别 — the project's kind, as the indicator library names project kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ProjectKind>,
    /// 主管部门
    #[serde(skip_serializing_if = "Option::is_none")]
    pub competent_department: Option<String>,
    /// 实施单位
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementing_unit: Option<String>,
    /// 项目负责人 / 联系电话 (personal data; never published).
    #[serde(skip_serializing_if = "is_empty")]
    pub contact: Contact,
    /// 项目资金
    #[serde(skip_serializing_if = "is_empty")]
    pub funding: Funding,
    /// 年度总体目标 — 预期目标 | 实际完成情况, a row each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overall_goals: Vec<OverallGoal>,
    /// 绩效指标 — the indicators with their 年度指标值 and 分值 (the departmental report's types).
    #[serde(skip_serializing_if = "is_empty")]
    pub goals: Goals,
    /// 实际完成值, 得分 and 偏差原因分析及改进措施 per indicator, with 总分 (`stated_total_score`)
    /// and the grade (`stated_grade`). `stated_execution_score` is not used here: the
    /// execution score is `funding.total.stated_score`.
    #[serde(skip_serializing_if = "is_empty")]
    pub results: Results,
    /// The name of the line of the unit's departmental report (`budget.projects.lines`, at any
    /// depth) this project's money is, where the unit links them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departmental_line: Option<Label>,
    /// 项目支出绩效自评报告 — the narrative beside the table, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
}

impl ProjectTable {
    /// The indicator part as a departmental report, so that the departmental checks and
    /// scoring of indicators run on it unchanged; the stated execution score is the funding's.
    pub fn indicator_report(&self) -> EvaluationReport {
        let mut results = self.results.clone();
        results.stated_execution_score = self.funding.total.as_ref().and_then(|t| t.stated_score);
        EvaluationReport {
            goals: self.goals.clone(),
            results,
            ..EvaluationReport::default()
        }
    }

    /// What makes the document not a project table: indicators' broken references and values
    /// of the wrong kind (as the departmental report's), and texts that cannot be stored.
    pub fn structural_errors(&self) -> Vec<FieldError> {
        let mut errors = self.indicator_report().structural_errors();
        if let Ok(document) = serde_json::to_value(self) {
            for error in text_faults(&document) {
                if !errors.contains(&error) {
                    errors.push(error);
                }
            }
        }
        if self.results.stated_execution_score.is_some() {
            errors.push(FieldError::new(
                "results.stated_execution_score",
                Invalid::UseInstead {
                    instead: "funding.total.stated_score".to_owned(),
                },
            ));
        }
        errors
    }
}
