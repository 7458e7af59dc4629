//! 一、部门、单位基本情况 — the unit, its staffing, divisions and subordinate institutions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::is_empty;
use crate::domain::department::{FundingType, UnitKind};
use crate::domain::values::{Label, UnitCode};

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
    /// 在职人员 by kind (行政, 事业, 工勤 …), as the form counts them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_kind: Vec<StaffCount>,
}

/// Persons of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffCount {
    /// The kind as the form names it, e.g. 行政人员, 事业人员, 工勤人员.
    pub kind: Label,
    pub count: u32,
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
    /// 是否独立法人: yes, no, or not said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_person: Option<bool>,
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
