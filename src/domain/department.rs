//! 部门 / 预算单位 — the budget units that hand in self-evaluations.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::names::named_enum;
use super::values::{Label, UnitCode};

named_enum! {
    /// 单位性质 — what kind of budget unit this is.
    pub enum UnitKind {
        /// 行政单位
        Administrative = "administrative",
        /// 参照公务员法管理单位
        CivilServiceManaged = "civil_service_managed",
        /// 事业单位
        PublicInstitution = "public_institution",
        /// 街道办事处 / 乡镇
        StreetOffice = "street_office",
        /// 其他
        Other = "other",
    }
}

named_enum! {
    /// 经费形式 — how the unit is funded.
    pub enum FundingType {
        /// 全额拨款
        FullAppropriation = "full_appropriation",
        /// 差额拨款
        PartialAppropriation = "partial_appropriation",
        /// 自收自支
        SelfFunded = "self_funded",
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
