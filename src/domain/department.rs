//! 部门 / 预算单位 — the budget units that hand in self-evaluations.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::values::{Label, UnitCode};

/// 单位性质 — what kind of budget unit this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 行政单位
    Administrative,
    /// 参照公务员法管理单位
    CivilServiceManaged,
    /// 事业单位
    PublicInstitution,
    /// 街道办事处 / 乡镇
    StreetOffice,
    /// 其他
    Other,
}

impl UnitKind {
    pub const ALL: [Self; 5] = [
        Self::Administrative,
        Self::CivilServiceManaged,
        Self::PublicInstitution,
        Self::StreetOffice,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Administrative => "administrative",
            Self::CivilServiceManaged => "civil_service_managed",
            Self::PublicInstitution => "public_institution",
            Self::StreetOffice => "street_office",
            Self::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// 经费形式 — how the unit is funded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundingType {
    /// 全额拨款
    FullAppropriation,
    /// 差额拨款
    PartialAppropriation,
    /// 自收自支
    SelfFunded,
}

impl FundingType {
    pub const ALL: [Self; 3] = [
        Self::FullAppropriation,
        Self::PartialAppropriation,
        Self::SelfFunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullAppropriation => "full_appropriation",
            Self::PartialAppropriation => "partial_appropriation",
            Self::SelfFunded => "self_funded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|funding| funding.as_str() == text)
    }
}

/// A budget unit as the service knows it: its identity, not a year's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// 单位代码 — the unit's code; it never changes.
    pub code: UnitCode,
    /// 单位名称
    pub name: Label,
    pub kind: UnitKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_type: Option<FundingType>,
    /// 上级单位 — the code of the parent unit; a 二级机构 belongs to its parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_code: Option<UnitCode>,
}

/// Changes to a department; fields left out stay as they are, `null` clears an optional one.
/// The code cannot change.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
    #[serde(default)]
    pub name: Option<Label>,
    #[serde(default)]
    pub kind: Option<UnitKind>,
    #[serde(default, deserialize_with = "super::report::present")]
    #[schema(value_type = Option<FundingType>)]
    pub funding_type: Option<Option<FundingType>>,
    #[serde(default, deserialize_with = "super::report::present")]
    #[schema(value_type = Option<String>)]
    pub parent_code: Option<Option<UnitCode>>,
}

impl Department {
    pub fn apply(&mut self, patch: DepartmentPatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(kind) = patch.kind {
            self.kind = kind;
        }
        if let Some(funding_type) = patch.funding_type {
            self.funding_type = funding_type;
        }
        if let Some(parent_code) = patch.parent_code {
            self.parent_code = parent_code;
        }
    }
}
