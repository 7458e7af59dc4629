//! 部门整体支出绩效自评报告 — one unit's self-evaluation for one year, as the unit states it.
//!
//! The document is stored as it is posted, figures that do not add up included: the
//! consistency checks point at those. What is refused here is only what cannot be a report at
//! all: unknown fields, wrong types, negative or over-precise money, references to things
//! that are not there.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldError;
use super::department::{FundingType, UnitKind};
use super::names::named_enum;
use super::values::{Amount, Label, Points, Quantity, UnitCode};

fn is_false(flag: &bool) -> bool {
    !flag
}

/// Parts left empty are left out of the document, so that it reads back as it was posted.
fn is_empty<T: Default + PartialEq>(part: &T) -> bool {
    *part == T::default()
}

/// The whole self-evaluation. Every part may be left out of a draft and filled in later.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EvaluationReport {
    /// 报告标题 — the report's title as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// 一、部门、单位基本情况
    #[serde(skip_serializing_if = "is_empty")]
    pub profile: Profile,
    /// 二、一般公共预算支出情况
    #[serde(skip_serializing_if = "is_empty")]
    pub budget: Budget,
    /// 三（一）绩效目标设置 — goals and indicators with their targets.
    #[serde(skip_serializing_if = "is_empty")]
    pub goals: Goals,
    /// 三（二）绩效目标完成情况 — actual values and achievements.
    #[serde(skip_serializing_if = "is_empty")]
    pub results: Results,
    /// 四、存在的主要问题及下一步改进措施
    #[serde(skip_serializing_if = "is_empty")]
    pub issues: ProblemsAndMeasures,
    /// 五、绩效自评结果拟应用和公开情况
    #[serde(skip_serializing_if = "is_empty")]
    pub publication: Publication,
    /// 六、其他需要说明的情况
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_matters: Option<String>,
    /// The narrative as an ordered list of headed sections, for text that has no structured
    /// place (and for outlines other than the six-part one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
}

/// 部门、单位基本情况 — the unit in the year of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// 单位概况 — how the unit describes itself, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    pub staffing: Staffing,
    /// 领导职数
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leadership_posts: Vec<LeadershipPost>,
    /// What the report adds about leadership posts, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leadership_note: Option<String>,
    /// 内设机构 — internal divisions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub divisions: Vec<Division>,
    /// 二级机构 / 下属单位 — subordinate institutions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subordinate_institutions: Vec<SubordinateInstitution>,
    /// 临时机构 — temporary bodies, e.g. 禁毒办.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub temporary_bodies: Vec<TemporaryBody>,
    /// 主要职能
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<String>,
    /// 重点工作
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_tasks: Vec<String>,
}

/// 人员情况 — staffing in the year, in persons.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Staffing {
    /// 编制数 — authorised posts as the report states the total (persons).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized_total: Option<u32>,
    /// 编制 by kind (行政编制, 事业编制, 后勤/工勤编制 …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authorized_posts: Vec<PostQuota>,
    /// 在职人数 — persons on the payroll.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_payroll: Option<u32>,
    /// 在岗人数 — persons at work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_duty: Option<u32>,
    /// 编外长期聘用人员 — long-term staff outside the establishment (persons).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_term_contract: Option<u32>,
    /// 离退休人员 — retired persons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired: Option<u32>,
}

/// 编制类型
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// 行政编制
    Administrative,
    /// 事业编制
    PublicInstitution,
    /// 后勤服务编制
    Logistics,
    /// 工勤编制
    Worker,
    /// 其他
    Other,
}

/// Authorised posts of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostQuota {
    pub kind: PostKind,
    /// Persons.
    pub count: u32,
    /// The report's own name for these posts, e.g. 机关行政编制.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What the report adds, e.g. 人员只出不进.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// 领导职数 — one kind of leadership post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadershipPost {
    /// 职务, e.g. 副主任.
    pub title: Label,
    /// Number of posts.
    pub count: u32,
    /// 级别, e.g. 乡科级副职.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
}

/// 内设机构 — an internal division and its duties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Division {
    pub name: Label,
    /// 职责
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duties: Option<String>,
}

/// 二级机构 — a subordinate institution with its own staffing and duties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubordinateInstitution {
    pub name: Label,
    /// Its own unit code, where it reports as a department of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_code: Option<UnitCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<UnitKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_type: Option<FundingType>,
    /// 级别, e.g. 副科级.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// 编制 — authorised posts (persons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_posts: Option<u32>,
    /// 实有人数 — persons actually employed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_staff: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duties: Option<String>,
}

/// 临时机构 — a temporary body the unit hosts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemporaryBody {
    pub name: Label,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duties: Option<String>,
}

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

/// 绩效目标 — how goals were set, the overall goal and the indicators.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Goals {
    /// 绩效目标设置情况 — narrative, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting_narrative: Option<String>,
    /// 年度总体目标
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall_goal: Option<String>,
    /// 绩效指标
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
}

/// 一级指标
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorLevel1 {
    /// 产出
    Output,
    /// 效益
    Effect,
    /// 满意度
    Satisfaction,
    /// 投入 (older common framework)
    Input,
    /// 过程 (older common framework)
    Process,
    /// 效果 (older common framework)
    Outcome,
}

/// 指标性质 — how the actual is compared with the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// ≥ — at least the target.
    AtLeast,
    /// ≤ — at most the target.
    AtMost,
    /// = — exactly the target.
    Equal,
    /// 定性 — judged in words (高, 好, 达标 …).
    Qualitative,
}

impl Comparison {
    pub fn is_quantitative(self) -> bool {
        self != Self::Qualitative
    }
}

/// 绩效指标 — one indicator with its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// The indicator's key within the report, chosen by the unit (e.g. `1.1.1`); results refer to it.
    pub id: Label,
    /// 一级指标
    pub level1: IndicatorLevel1,
    /// 二级指标, e.g. 数量, 质量, 时效, 成本, 社会效益, 服务对象满意度.
    pub level2: Label,
    /// 三级指标 — the indicator's name.
    pub name: Label,
    /// 计量单位, e.g. 件, %, 万元.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub comparison: Comparison,
    /// 年初指标值 — a decimal string for ≥, ≤ and =, words for a qualitative indicator.
    pub target: Label,
    /// 调整指标值 — the changed target, if it was changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted_target: Option<Label>,
    /// 调整原因
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment_reason: Option<String>,
    /// 分值 — the indicator's weight in points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Points>,
    /// 是否核心指标
    #[serde(default, skip_serializing_if = "is_false")]
    pub core: bool,
}

named_enum! {
    /// 自评等级
    pub enum Grade {
        /// 优 (≥ 90)
        Excellent = "excellent",
        /// 良 (80–89)
        Good = "good",
        /// 中 (60–79)
        Fair = "fair",
        /// 差 (< 60)
        Poor = "poor",
    }
}

/// 绩效目标完成情况 — per indicator results and the achievements narrative.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Results {
    /// One entry per indicator that has a result, keyed by the indicator's `id`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<IndicatorResult>,
    /// 主要成效 — achievements, grouped by theme.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub achievements: Vec<Achievement>,
    /// 自评总分 as the unit states it (points).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_total_score: Option<Points>,
    /// 自评等级 as the unit states it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_grade: Option<Grade>,
    /// The unit's own score for budget execution (预算执行率得分), in points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_execution_score: Option<Points>,
}

/// The result of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorResult {
    /// The `id` of an indicator in `goals.indicators`.
    pub indicator_id: Label,
    /// 实际完成值 — a decimal string for a quantitative indicator, words for a qualitative one.
    pub actual: Label,
    /// 自评得分 — the unit's own score (points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_score: Option<Points>,
    /// 偏差原因分析及改进措施
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation_reason: Option<String>,
    /// For a qualitative indicator: how far it was achieved (达成 / 部分达成 / 未达成).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement: Option<Achieved>,
}

/// 定性指标完成程度 — the band a qualitative indicator is scored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Achieved {
    /// 达成 — 80–100 % of the weight.
    Achieved,
    /// 部分达成 — 60–80 % of the weight.
    PartlyAchieved,
    /// 未达成 — 0–60 % of the weight.
    NotAchieved,
}

/// One theme of achievements, with the figures it states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Achievement {
    /// 主题, e.g. 信息宣传优质高效.
    pub theme: Label,
    /// The paragraph as written.
    pub text: String,
    /// The figures the paragraph states.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<StatedFigure>,
    /// The rates the paragraph states, with their parts where given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rates: Vec<StatedRate>,
}

/// How exact a stated figure claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// 约 — about.
    About,
    /// 近 — nearly.
    Nearly,
    /// 余 / 以上 — more than.
    MoreThan,
    /// 预计 — estimated.
    Estimated,
}

/// A number stated in the narrative, e.g. 办理文件 6205 件.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatedFigure {
    pub label: Label,
    pub value: Quantity,
    /// 单位, e.g. 件, 场, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<Qualifier>,
}

/// A rate stated in the narrative, e.g. 采用率达 40 % (120 of 300).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatedRate {
    pub label: Label,
    /// The rate as stated, in percent.
    pub stated_percent: Quantity,
    /// 分子, where the report gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<Quantity>,
    /// 分母, where the report gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Quantity>,
}

/// 存在的主要问题及下一步改进措施
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ProblemsAndMeasures {
    /// The introduction to the part, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// 存在的主要问题
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// 改进措施和建议
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<Measure>,
}

/// 问题 — one problem the unit names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// Unique among the problems and measures of the report; at least 1.
    #[schema(minimum = 1, maximum = 4294967295.0)]
    pub id: u32,
    pub text: Label,
}

/// 改进措施 — one measure, tied to the problems it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Unique among the problems and measures of the report; at least 1.
    #[schema(minimum = 1, maximum = 4294967295.0)]
    pub id: u32,
    /// The measure's heading, e.g. 科学编制预算.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub text: Label,
    /// The `id`s of the problems this measure answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<u32>,
}

/// 绩效自评结果拟应用和公开情况
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Publication {
    /// The part as written, e.g. 已在政府网站公开.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Whether the self-evaluation has been made public.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosed: Option<bool>,
    /// Where, e.g. 政府网站.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// When (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosed_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// 结果应用 — how the results are to be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
}

/// How deep objects and arrays may nest in a report, counting the report itself as the first
/// level: project lines and narrative sections are trees, and a stored report must read back
/// well within what the JSON reader takes (128 levels).
pub const MAX_NESTING: usize = 64;

/// A headed section of the narrative, with sub-sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The heading as written, numbering included (e.g. 一、部门、单位基本情况).
    pub heading: Label,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub subsections: Vec<Section>,
}

impl EvaluationReport {
    /// What makes the document not a report: broken references and values of the wrong kind.
    /// Paths are from the root of the report. Figures that do not add up are not refused here.
    pub fn structural_errors(&self) -> Vec<FieldError> {
        let mut errors = self.goals.structural_errors();
        errors.extend(self.results_errors());
        errors.extend(self.issues.structural_errors());
        errors
    }

    fn results_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, result) in self.results.indicators.iter().enumerate() {
            let path = format!("results.indicators[{i}]");
            let id = result.indicator_id.as_str();
            let Some(indicator) = self
                .goals
                .indicators
                .iter()
                .find(|ind| ind.id.as_str() == id)
            else {
                errors.push(FieldError::new(
                    format!("{path}.indicator_id"),
                    format!("there is no indicator `{id}` in goals.indicators"),
                ));
                continue;
            };
            if !seen.insert(id) {
                errors.push(FieldError::new(
                    format!("{path}.indicator_id"),
                    format!("indicator `{id}` has more than one result"),
                ));
            }
            if indicator.comparison.is_quantitative() {
                errors.extend(quantity_error(format!("{path}.actual"), &result.actual));
            }
        }
        errors
    }
}

fn quantity_error(path: String, value: &Label) -> Option<FieldError> {
    value.as_str().parse::<Quantity>().err().map(|reason| {
        FieldError::new(
            path,
            format!("{reason}; a quantitative indicator (≥, ≤, =) takes a number, with its unit in `unit`"),
        )
    })
}

impl Goals {
    fn structural_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, indicator) in self.indicators.iter().enumerate() {
            let path = format!("goals.indicators[{i}]");
            if !seen.insert(indicator.id.as_str()) {
                errors.push(FieldError::new(
                    format!("{path}.id"),
                    format!(
                        "indicator id `{}` is used more than once",
                        indicator.id.as_str()
                    ),
                ));
            }
            if indicator.comparison.is_quantitative() {
                errors.extend(quantity_error(format!("{path}.target"), &indicator.target));
                if let Some(adjusted) = &indicator.adjusted_target {
                    errors.extend(quantity_error(format!("{path}.adjusted_target"), adjusted));
                }
            }
        }
        errors
    }
}

impl ProblemsAndMeasures {
    /// The id that `POST …/issues` gives the next problem or measure.
    pub fn next_id(&self) -> u32 {
        self.problems
            .iter()
            .map(|p| p.id)
            .chain(self.measures.iter().map(|m| m.id))
            .max()
            .unwrap_or(0)
            .saturating_add(1)
    }

    fn structural_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        let ids = self
            .problems
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("issues.problems[{i}].id"), p.id))
            .chain(
                self.measures
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (format!("issues.measures[{i}].id"), m.id)),
            );
        for (path, id) in ids {
            if id == 0 {
                errors.push(FieldError::new(path, "ids start at 1"));
            } else if !seen.insert(id) {
                errors.push(FieldError::new(
                    path,
                    format!("id {id} is used more than once among the problems and measures"),
                ));
            }
        }
        for (i, measure) in self.measures.iter().enumerate() {
            for (j, problem_id) in measure.addresses.iter().enumerate() {
                if !self.problems.iter().any(|p| p.id == *problem_id) {
                    errors.push(FieldError::new(
                        format!("issues.measures[{i}].addresses[{j}]"),
                        format!("there is no problem with id {problem_id}"),
                    ));
                }
            }
        }
        errors
    }
}

/// A new problem or measure, as `POST …/issues` takes it; the service gives it its id.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewIssueItem {
    /// 问题
    Problem { text: Label },
    /// 改进措施
    Measure {
        #[serde(default)]
        title: Option<String>,
        text: Label,
        /// The `id`s of the problems this measure answers.
        #[serde(default)]
        addresses: Vec<u32>,
    },
}

/// A problem or a measure, with its id.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueItem {
    Problem(Problem),
    Measure(Measure),
}

/// Changes to one problem or measure; fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueItemPatch {
    #[serde(default)]
    pub text: Option<Label>,
    /// A measure's heading; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    /// A measure's problems; replaces the list.
    #[serde(default)]
    pub addresses: Option<Vec<u32>>,
}

/// Tells a field sent as `null` (`Some(None)`) from a field left out (`None`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Why an edit of one problem or measure could not be made.
#[derive(Debug, Clone, PartialEq)]
pub enum IssueEditError {
    NoSuchItem(u32),
    /// A problem that these measures still answer.
    Addressed {
        problem: u32,
        measures: Vec<u32>,
    },
    Invalid(FieldError),
}

impl ProblemsAndMeasures {
    /// Adds a problem or a measure with the next free id and answers it.
    pub fn add(&mut self, item: NewIssueItem) -> IssueItem {
        let id = self.next_id();
        match item {
            NewIssueItem::Problem { text } => {
                let problem = Problem { id, text };
                self.problems.push(problem.clone());
                IssueItem::Problem(problem)
            }
            NewIssueItem::Measure {
                title,
                text,
                addresses,
            } => {
                let measure = Measure {
                    id,
                    title,
                    text,
                    addresses,
                };
                self.measures.push(measure.clone());
                IssueItem::Measure(measure)
            }
        }
    }

    pub fn get(&self, id: u32) -> Option<IssueItem> {
        let problem = self
            .problems
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .map(IssueItem::Problem);
        problem.or_else(|| {
            self.measures
                .iter()
                .find(|m| m.id == id)
                .cloned()
                .map(IssueItem::Measure)
        })
    }

    /// Changes one problem or measure and answers it as it now is.
    pub fn patch(&mut self, id: u32, patch: IssueItemPatch) -> Result<IssueItem, IssueEditError> {
        if let Some(problem) = self.problems.iter_mut().find(|p| p.id == id) {
            let not_for_problems = if patch.title.is_some() {
                Some("title")
            } else if patch.addresses.is_some() {
                Some("addresses")
            } else {
                None
            };
            if let Some(field) = not_for_problems {
                return Err(IssueEditError::Invalid(FieldError::new(
                    field,
                    "a problem has no such field; only measures have a title and addresses",
                )));
            }
            if let Some(text) = patch.text {
                problem.text = text;
            }
            return Ok(IssueItem::Problem(problem.clone()));
        }
        let measure = self
            .measures
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(IssueEditError::NoSuchItem(id))?;
        if let Some(text) = patch.text {
            measure.text = text;
        }
        if let Some(title) = patch.title {
            measure.title = title;
        }
        if let Some(addresses) = patch.addresses {
            measure.addresses = addresses;
        }
        Ok(IssueItem::Measure(measure.clone()))
    }

    /// Removes one problem or measure; a problem that measures still answer stays until they let go of it.
    pub fn remove(&mut self, id: u32) -> Result<(), IssueEditError> {
        if let Some(at) = self.problems.iter().position(|p| p.id == id) {
            let measures: Vec<u32> = self
                .measures
                .iter()
                .filter(|m| m.addresses.contains(&id))
                .map(|m| m.id)
                .collect();
            if !measures.is_empty() {
                return Err(IssueEditError::Addressed {
                    problem: id,
                    measures,
                });
            }
            self.problems.remove(at);
            return Ok(());
        }
        let at = self
            .measures
            .iter()
            .position(|m| m.id == id)
            .ok_or(IssueEditError::NoSuchItem(id))?;
        self.measures.remove(at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(json: serde_json::Value) -> EvaluationReport {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn an_empty_document_is_a_valid_draft() {
        assert!(report(serde_json::json!({})).structural_errors().is_empty());
    }

    #[test]
    fn results_must_name_indicators_that_exist() {
        let doc = report(serde_json::json!({
            "goals": {"indicators": [{"id": "a", "level1": "output", "level2": "数量", "name": "办文",
                                       "unit": "件", "comparison": "at_least", "target": "6000"}]},
            "results": {"indicators": [{"indicator_id": "b", "actual": "6205"}]}
        }));
        let errors = doc.structural_errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "results.indicators[0].indicator_id");
    }

    #[test]
    fn quantitative_targets_and_actuals_must_be_numbers() {
        let doc = report(serde_json::json!({
            "goals": {"indicators": [{"id": "a", "level1": "effect", "level2": "社会效益", "name": "采用率",
                                       "unit": "%", "comparison": "at_least", "target": "较高"}]},
            "results": {"indicators": [{"indicator_id": "a", "actual": "40%"}]}
        }));
        let paths: Vec<_> = doc
            .structural_errors()
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            ["goals.indicators[0].target", "results.indicators[0].actual"]
        );
    }

    #[test]
    fn qualitative_indicators_take_words() {
        let doc = report(serde_json::json!({
            "goals": {"indicators": [{"id": "a", "level1": "satisfaction", "level2": "服务对象满意度",
                                       "name": "群众满意度", "comparison": "qualitative", "target": "高"}]},
            "results": {"indicators": [{"indicator_id": "a", "actual": "较高"}]}
        }));
        assert!(doc.structural_errors().is_empty());
    }

    #[test]
    fn measures_answer_problems_that_exist_and_ids_are_unique() {
        let doc = report(serde_json::json!({
            "issues": {"problems": [{"id": 1, "text": "a"}, {"id": 1, "text": "b"}],
                       "measures": [{"id": 2, "text": "c", "addresses": [1, 7]}]}
        }));
        let paths: Vec<_> = doc
            .structural_errors()
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            ["issues.problems[1].id", "issues.measures[0].addresses[1]"]
        );
    }

    #[test]
    fn a_new_item_takes_the_next_id_after_problems_and_measures() {
        let mut part: ProblemsAndMeasures = serde_json::from_value(serde_json::json!({
            "problems": [{"id": 1, "text": "a"}], "measures": [{"id": 4, "text": "b"}]
        }))
        .unwrap();
        let added = part.add(NewIssueItem::Problem {
            text: Label::try_from("c".to_owned()).unwrap(),
        });
        assert!(matches!(added, IssueItem::Problem(Problem { id: 5, .. })));
    }

    #[test]
    fn a_problem_cannot_be_given_a_measures_fields() {
        let mut part: ProblemsAndMeasures =
            serde_json::from_value(serde_json::json!({"problems": [{"id": 1, "text": "a"}]}))
                .unwrap();
        let patch = IssueItemPatch {
            addresses: Some(vec![1]),
            ..IssueItemPatch::default()
        };
        assert!(matches!(
            part.patch(1, patch),
            Err(IssueEditError::Invalid(_))
        ));
        assert_eq!(part.remove(9), Err(IssueEditError::NoSuchItem(9)));
    }
}
