//! 五、绩效自评结果拟应用和公开情况, the report's own particulars (date, basis, method, who
//! evaluated and published it), and the narrative outline of headed sections.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::values::Label;

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

/// The report's particulars, as its cover and closing lines give them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReportMetadata {
    /// 报告日期
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_date: Option<NaiveDate>,
    /// 评价依据 — the notices and documents the evaluation follows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub basis_documents: Vec<BasisDocument>,
    /// 评价方法, as written (e.g. 比较法、因素分析法).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// 评价主体 — who evaluated (the unit itself, a working group, a third party).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_body: Option<String>,
    /// 发布单位 — who published the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
}

/// One document the evaluation follows: its title and its number (文号).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BasisDocument {
    /// 文件名称, e.g. 关于开展2021年度部门整体支出绩效自评工作的通知.
    pub title: Label,
    /// 文号, e.g. 开财绩〔2022〕3号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}
