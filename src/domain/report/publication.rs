//! 五、绩效自评结果拟应用和公开情况, and the narrative outline of headed sections.

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
